"""Cells whose value comes from a service Excel calls (STOCKHISTORY, linked data types'
``_FV``/FIELDVALUE, WEBSERVICE, RTD): nothing here can recompute them, so every backend
gives such a cell (and each cell of its array formula) the value Excel cached in the file
(:func:`engine.model._compiled`), in every trial.  So does a cell calling a function of no
known name (a VBA UDF, a typo such as ``=vlooup(..)``) that holds a cached value
(:func:`cached_unknown`): exact where it reads no cell varying per trial, or where its
cached #NAME? comes from the unknown call whatever the inputs (:func:`name_error_always`);
elsewhere the model refuses the slice (:func:`varying_unknown`).

That is exact where the function's arguments are the same in every trial.  Where they vary
(a ticker picked per trial, ``_FV(B15,"Price")`` of a company list that a FILTER makes per
trial), the cached value is kept all the same, and :func:`varying_external` names those
cells and says why, for ``bench_fused`` and the simulation's log.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from . import ir
from .values import ExcelError

if TYPE_CHECKING:
    from .compiler import CompileInfo
    from .model import Model, Program
    from .workbook import Cell, CellRef

log = logging.getLogger(__name__)


def cached_unknown(info: CompileInfo, cell: Cell | None) -> bool:
    """Whether a cell whose formula calls functions of no known name (``info.unknown``)
    keeps Excel's cached value: it has one, and nothing else in it is unsupported or
    random."""
    return (cell is not None and cell.value is not None and info.unsupported <= info.unknown
            and not info.random_streams and not info.table)


def name_error_always(node: ir.Node, names: set[str]) -> bool:
    """Whether ``node`` is #NAME? whatever the cells it reads hold: each call of one of
    ``names`` (unknown functions: #NAME? in Excel) is the formula itself or an operand of
    operators only, each the left one or right of constants (Excel's operators give their
    left operand's error first).  ``=vlooup(B36,..)`` and ``=-vlooup(..)*2`` are; under
    IF, IFERROR or any function they are not."""

    def always(n: ir.Node) -> bool:
        if isinstance(n, ir.Call):
            return n.name in names
        if isinstance(n, ir.Unary):
            return always(n.operand)
        if isinstance(n, ir.Binary) and n.op not in (":", " "):
            return always(n.left) or (fixed(n.left) and always(n.right))
        return False

    def fixed(n: ir.Node) -> bool:
        return not any(isinstance(x, ir.Ref | ir.Area | ir.Call | ir.Err | ir.BadRef)
                       for x in ir.walk(n))

    return always(node)


def varying_unknown(model: Model, cell: CellRef) -> list[str]:
    """The unknown functions of a slice's cell varying per trial whose kept cached value
    is not what Excel would compute in every trial (empty where it is: a #NAME? the call
    gives whatever the inputs, :func:`name_error_always`)."""
    got = _anchor_info(model, cell)
    if got is None or not got[1].unknown:
        return []
    anchor, info = got
    value = model.workbook.cell(anchor).value
    if isinstance(value, ExcelError) and str(value) == "#NAME?" and \
            name_error_always(model.code(anchor).node, info.unknown):
        return []
    return sorted(info.unknown)


def _anchor_info(model: Model, cell: CellRef) -> tuple[CellRef, CompileInfo] | None:
    """The cell holding ``cell``'s formula (its array formula's first cell) and what
    compiling it found; None where ``cell`` holds no formula."""
    wb_cell = model.workbook.cell(cell)
    if wb_cell is None:
        return None
    anchor = wb_cell.array_anchor if wb_cell.array_anchor is not None else cell
    anchor_cell = model.workbook.cell(anchor)
    if anchor_cell is None or anchor_cell.formula is None:
        return None
    return anchor, model.code(anchor).info


def external_functions(model: Model, cell: CellRef) -> list[str]:
    """The functions whose value Excel cached stands for ``cell``'s (its array formula's):
    external data and unknown functions (:func:`cached_unknown`), sorted; empty where none
    (or ``cell`` holds no formula)."""
    got = _anchor_info(model, cell)
    return [] if got is None else sorted(got[1].external | got[1].unknown)


def varying_external(program: Program) -> dict[CellRef, str]:
    """The slice's cells computed from external data whose formula reads cells varying per
    trial: each with why its value is Excel's cached one in every trial."""
    model = program.model
    varying = set(program.steps) | set(program.inputs)
    out: dict[CellRef, str] = {}
    for c in program.steps:
        got = _anchor_info(model, c)
        if got is None or not got[1].external:
            continue
        anchor, info = got
        if any(d in varying for d in model.code(anchor).deps):
            out[c] = (f"external data ({', '.join(sorted(info.external))}): Excel's cached "
                      "value in every trial, though its arguments vary per trial")
    return out


def log_varying_external(program: Program) -> None:
    """A warning naming the slice's cells of external data whose arguments vary."""
    found = varying_external(program)
    if found:
        cells = ", ".join(str(c) for c in list(found)[:10]) + (", ..." if len(found) > 10 else "")
        log.warning("%d cell(s) keep Excel's cached value though they read cells varying per "
                    "trial: %s (%s)", len(found), cells, next(iter(found.values())))


__all__ = ["cached_unknown", "external_functions", "log_varying_external", "name_error_always",
           "varying_external", "varying_unknown"]
