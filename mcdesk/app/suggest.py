"""Helpful defaults for the app: distribution parameters for a cell, likely output cells.

Nothing here touches the UI, so it is tested on its own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.distributions import POSITIONAL
from engine.model import Model
from engine.workbook import CellRef

__all__ = ["Suggestion", "cell_number", "suggest_outputs", "suggest_params"]

# header words of the columns a sheet may hold beside its values (lower case, whole text)
_HEADERS: dict[str, tuple[str, ...]] = {
    "min": ("min", "minimum", "low", "lowest", "optimistic", "best", "best case", "p10",
            "min.", "lower"),
    "mode": ("most likely", "likely", "mode", "ml", "base", "base case", "expected",
             "most probable", "nominal"),
    "max": ("max", "maximum", "high", "highest", "pessimistic", "worst", "worst case", "p90",
            "max.", "upper"),
}
_HEADER_SCAN_ROWS = 30  # how far above the cell to look for a header row
LOW, HIGH = 0.9, 1.2    # default range around a cell's value: -10% / +20%


@dataclass
class Suggestion:
    """Parameters for a new input, and where they came from (shown to the user)."""

    params: dict[str, float | str | list[float]]
    source: str


def cell_number(model: Model, ref: CellRef,
                computed: Mapping[CellRef, object] | None = None) -> float | None:
    """The number a cell holds (a constant, or the value Excel cached for a formula; for a
    formula saved without one, its value in ``computed``)."""
    cell = model.workbook.cell(ref)
    x = None if cell is None else cell.value
    if x is None and computed is not None:
        x = computed.get(ref)
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        return None
    return float(x)


def _norm(text: object) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().lower().rstrip(":")


def neighbour_columns(model: Model, ref: CellRef) -> dict[str, CellRef]:
    """Cells in ``ref``'s row under headers such as Min / Most likely / Max, when the sheet
    has them (the nearest header row above the cell that names at least min and max)."""
    sheet = model.workbook.sheets[ref.sheet]
    for row in range(ref.row - 1, max(0, ref.row - _HEADER_SCAN_ROWS), -1):
        found: dict[str, int] = {}
        for col in range(1, sheet.max_col + 1):
            cell = sheet.cells.get((row, col))
            if cell is None or not isinstance(cell.value, str):
                continue
            text = _norm(cell.value)
            for key, words in _HEADERS.items():
                if text in words and key not in found:
                    found[key] = col
        if "min" in found and "max" in found:
            out = {k: CellRef(ref.sheet, ref.row, c) for k, c in found.items()}
            if all(cell_number(model, c) is not None for c in out.values()):
                return out
            return {}
    return {}


def suggest_params(model: Model, ref: CellRef, kind: str,
                   computed: Mapping[CellRef, object] | None = None) -> Suggestion:
    """Parameters for a ``kind`` distribution on ``ref``: from Min / Most likely / Max
    columns beside it where the sheet has them (as live cell references), else around the
    cell's value (-10% / +20%)."""
    names = POSITIONAL[kind]
    cols = neighbour_columns(model, ref)
    if cols and kind in ("triangular", "pert", "uniform"):
        mode = cols.get("mode")
        if kind != "uniform" and mode is None:
            cols = {}
        else:
            params: dict[str, float | str | list[float]] = {k: str(cols[k]) for k in names}
            label = ", ".join(f"{k} {cols[k].coordinate}" for k in names)
            return Suggestion(params, f"from the columns beside the cell ({label})")
    v = cell_number(model, ref, computed)
    if v is None:
        v = 0.0
    lo, hi = sorted((v * LOW, v * HIGH))
    if lo == hi:  # zero: a unit range
        lo, hi = v - 1.0, v + 1.0
    spread = abs(v) * 0.1 or 1.0
    if kind in ("triangular", "pert"):
        params = {"min": lo, "mode": v, "max": hi}
    elif kind == "uniform":
        params = {"min": lo, "max": hi}
    elif kind == "normal":
        params = {"mean": v, "sd": spread}
    elif kind == "lognormal":
        params = {"mean": v if v > 0 else 1.0, "sd": spread}
    else:  # discrete
        params = {"values": [lo, v, hi], "probabilities": [0.25, 0.5, 0.25]}
    return Suggestion({k: _round(x) for k, x in params.items()},
                      f"around the cell's value {v:g} (-10% / +20%)")


def _round(x: Any) -> Any:
    if isinstance(x, list):
        return [_round(v) for v in x]  # type: ignore[misc]
    return float(f"{x:.12g}")


def suggest_outputs(model: Model, limit: int = 12) -> list[str]:
    """Numeric formula cells nothing else depends on: the model's bottom lines."""
    cells = model.workbook.formula_cells()
    used: set[CellRef] = set()
    for c in cells:
        try:
            used.update(model.deps(c))
        except Exception:  # noqa: BLE001 - a formula we cannot parse just is not suggested
            continue
    # a number cached, or none at all (a file written by a script): not a text or error result
    out = [c for c in cells if c not in used
           and (cell_number(model, c) is not None
                or ((cell := model.workbook.cell(c)) is not None and cell.value is None))]
    out.sort(key=lambda c: (list(model.workbook.sheets).index(c.sheet), c.row, c.col))
    return [str(c) for c in out[:limit]]
