"""Cells whose value comes from a service Excel calls (STOCKHISTORY, linked data types'
``_FV``/FIELDVALUE, WEBSERVICE, RTD): nothing here can recompute them, so every backend
gives such a cell (and each cell of its array formula) the value Excel cached in the file
(:func:`engine.model._compiled`), in every trial.

That is exact where the function's arguments are the same in every trial.  Where they vary
(a ticker picked per trial, ``_FV(B15,"Price")`` of a company list that a FILTER makes per
trial), the cached value is kept all the same, and :func:`varying_external` names those
cells and says why, for ``bench_fused`` and the simulation's log.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Model, Program
    from .workbook import CellRef

log = logging.getLogger(__name__)


def external_functions(model: Model, cell: CellRef) -> list[str]:
    """The external data functions ``cell``'s formula (its array formula's) calls, sorted;
    empty where none (or ``cell`` holds no formula)."""
    wb_cell = model.workbook.cell(cell)
    if wb_cell is None:
        return []
    anchor = wb_cell.array_anchor if wb_cell.array_anchor is not None else cell
    anchor_cell = model.workbook.cell(anchor)
    if anchor_cell is None or anchor_cell.formula is None:
        return []
    return sorted(getattr(model.code(anchor).info, "external", ()))


def varying_external(program: Program) -> dict[CellRef, str]:
    """The slice's cells computed from external data whose formula reads cells varying per
    trial: each with why its value is Excel's cached one in every trial."""
    model = program.model
    varying = set(program.steps) | set(program.inputs)
    out: dict[CellRef, str] = {}
    for c in program.steps:
        names = external_functions(model, c)
        if not names:
            continue
        wb_cell = model.workbook.cell(c)
        anchor = wb_cell.array_anchor if wb_cell is not None and \
            wb_cell.array_anchor is not None else c
        if any(d in varying for d in model.code(anchor).deps):
            out[c] = (f"external data ({', '.join(names)}): Excel's cached value in every "
                      "trial, though its arguments vary per trial")
    return out


def log_varying_external(program: Program) -> None:
    """A warning naming the slice's cells of external data whose arguments vary."""
    found = varying_external(program)
    if found:
        cells = ", ".join(str(c) for c in list(found)[:10]) + (", ..." if len(found) > 10 else "")
        log.warning("%d cell(s) keep Excel's cached value though they read cells varying per "
                    "trial: %s (%s)", len(found), cells, next(iter(found.values())))


__all__ = ["external_functions", "log_varying_external", "varying_external"]
