"""Keep work: a project (inputs with their properties, outputs, rank correlations, run
settings) saved beside the workbook as
``BOOK.mcdesk.json``, or inside a copy of the workbook in a hidden sheet ``_mcdesk``.

A project is loaded all or nothing: it is checked against the open workbook first, and an
error names the entry (``inputs[2]``, ``Inputs!F5``) while the workspace stays unchanged.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from engine.errors import McdeskError, SpecError, WorkbookError
from engine.spec import CorrelationSpec, InputSpec, SimulationSpec

from .workspace import PrecisionSettings, RunSettings, SimtableSettings, Workspace

log = logging.getLogger(__name__)

__all__ = ["HIDDEN_SHEET", "apply_project", "beside_path", "find_project", "project_bytes",
           "project_dict", "workbook_with_project"]

FORMAT = "mcdesk-project"
VERSION = 1
HIDDEN_SHEET = "_mcdesk"
_CHUNK = 30_000  # characters per cell (Excel holds at most 32,767)


def project_dict(ws: Workspace) -> dict[str, Any]:
    """The project as JSON-ready data."""
    s = ws.settings
    return {"format": FORMAT, "version": VERSION, "workbook": ws.book_name,
            "inputs": [i.to_dict() for i in ws.inputs.values()], "outputs": list(ws.outputs),
            "correlations": [c.to_dict() for c in ws.correlations],
            "trials": s.trials, "seed": s.seed, "sampling": s.sampling, "backend": s.backend,
            "precision": s.precision.to_dict(),
            "simtable": {"cell": s.simtable.cell, "values": s.simtable.values},
            "names": dict(ws.names)}


def project_bytes(ws: Workspace) -> bytes:
    return (json.dumps(project_dict(ws), indent=2) + "\n").encode()


def beside_path(book: Path) -> Path:
    """Where a project is kept beside its workbook: ``model.xlsx`` -> ``model.mcdesk.json``."""
    return book.with_name(book.stem + ".mcdesk.json")


def apply_project(ws: Workspace, data: object) -> None:
    """Check a project against the open workbook, then replace the inputs, outputs and
    settings with it; on any error nothing changes."""
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise SpecError(f"the project file is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SpecError("not an mcdesk project file (no \"format\": \"mcdesk-project\")")
    if not isinstance(data.get("inputs", []), list) or not isinstance(data.get("outputs", []), list):
        raise SpecError("project: inputs and outputs must be lists")
    inputs = {}
    for k, item in enumerate(data.get("inputs", [])):
        spec = InputSpec.from_dict(item, where=f"inputs[{k}]")
        made = ws.make_input(spec.cell, spec.distribution, spec.params)
        inp = replace(made, truncate=spec.truncate, shift=spec.shift, name=spec.name,
                      static=spec.static, stream=spec.stream)
        ws.distribution(inp)  # the properties checked against the distribution
        inputs[inp.cell] = inp
    correlations = _correlations(ws, data, inputs)
    outputs = []
    for k, text in enumerate(data.get("outputs", [])):
        if not isinstance(text, str):
            raise SpecError(f"outputs[{k}] must be a cell address, got {text!r}")
        ref = ws.cell(text)
        if ws.require_model().workbook.cell(ref) is None:
            raise SpecError(f"outputs[{k}] {ref}: the cell is empty")
        outputs.append(str(ref))
    precision = PrecisionSettings.from_dict(data["precision"]) if "precision" in data \
        else PrecisionSettings()
    table = data.get("simtable") or {}
    if not isinstance(table, dict) or not all(isinstance(table.get(k, ""), str)
                                              for k in ("cell", "values")):
        raise SpecError("project: simtable must be {\"cell\": text, \"values\": text}")
    names = data.get("names") or {}
    if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
        raise SpecError("project: names must map cells to text")
    names = {str(ws.cell(k)): v for k, v in names.items()}
    settings = RunSettings(trials=data.get("trials", ws.settings.trials),
                           seed=data.get("seed", ws.settings.seed),
                           sampling=data.get("sampling", ws.settings.sampling),
                           backend=data.get("backend", ws.settings.backend),
                           precision=precision,
                           simtable=SimtableSettings(table.get("cell", ""),
                                                     table.get("values", ""))).validated()
    SimulationSpec(list(inputs.values()), list(dict.fromkeys(outputs)), settings.trials,
                   settings.seed, correlations=correlations).validate(require_outputs=False)
    ws.inputs, ws.outputs, ws.settings = inputs, list(dict.fromkeys(outputs)), settings
    ws.correlations = correlations
    ws.names = names


def _correlations(ws: Workspace, data: dict, inputs: dict[str, InputSpec],
                  ) -> list[CorrelationSpec]:
    """The project's rank-correlation matrices, their members canonical input cells; a
    project without any (saved before they were kept) keeps those of the open workbook
    whose members it still has."""
    if "correlations" not in data:
        return [c for c in ws.correlations if all(m in inputs for m in c.inputs)]
    items = data["correlations"]
    if not isinstance(items, list):
        raise SpecError("project: correlations must be a list")
    out = []
    for k, item in enumerate(items):
        corr = CorrelationSpec.from_dict(item, where=f"correlations[{k}]")
        members = []
        for cell in corr.inputs:
            key = str(ws.cell(cell))
            if key not in inputs:
                raise SpecError(f"correlations[{k}]: {cell} is not an input of the project")
            members.append(key)
        out.append(CorrelationSpec(members, corr.matrix))
    return out


def hidden_project(ws: Workspace) -> str | None:
    """The project text kept in the workbook's hidden sheet, if it has one."""
    model = ws.require_model()
    sheet = model.workbook.sheets.get(HIDDEN_SHEET)
    if sheet is None:
        return None
    parts = [sheet.cells[(r, 1)].value for r in range(1, sheet.max_row + 1)
             if (r, 1) in sheet.cells and isinstance(sheet.cells[(r, 1)].value, str)]
    return "".join(parts) or None


def find_project(ws: Workspace) -> str | None:
    """Load the project found with the open workbook (hidden sheet first, then the file
    beside it); returns where it came from, or None.  A broken one is reported, not used."""
    text = hidden_project(ws)
    where = f"the hidden sheet {HIDDEN_SHEET}"
    if text is None and ws.book_path is not None and beside_path(ws.book_path).is_file():
        path = beside_path(ws.book_path)
        text, where = path.read_text(encoding="utf-8", errors="replace"), path.name
    if text is None:
        return None
    apply_project(ws, text)
    return where


def workbook_with_project(ws: Workspace) -> bytes:
    """A copy of the open workbook with the project in a hidden sheet (the original file is
    not modified).  openpyxl rewrites the file: formulas, values and formats are kept."""
    import openpyxl

    if ws.book_path is None:
        raise SpecError("Open a workbook first")
    try:
        wb = openpyxl.load_workbook(ws.book_path)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds; report them alike
        raise WorkbookError(f"cannot rewrite {ws.book_name}: {exc}") from exc
    if HIDDEN_SHEET in wb.sheetnames:
        del wb[HIDDEN_SHEET]
    sheet = wb.create_sheet(HIDDEN_SHEET)
    sheet.sheet_state = "hidden"
    text = json.dumps(project_dict(ws))
    for k in range(0, len(text), _CHUNK):
        cell = sheet.cell(row=k // _CHUNK + 1, column=1, value=text[k:k + _CHUNK])
        cell.data_type = "s"  # a chunk starting with '=' is text, not a formula
    buf = io.BytesIO()
    try:
        wb.save(buf)
    except Exception as exc:  # noqa: BLE001
        raise McdeskError(f"cannot save {ws.book_name} with its project: {exc}") from exc
    return buf.getvalue()
