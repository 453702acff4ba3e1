"""Differential test: the vectorized numpy path against pycel's scalar evaluator, trial by trial.

For each bundled workbook, the numeric constants that feed formulas become inputs (triangular
±20 %), 200 trials run through the compiled program, and 20 of those trials are re-evaluated
by pycel cell by cell with the same input values.  Every formula cell downstream must agree
(relative 1e-9) or both must give the same Excel error.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest

from engine import ir
from engine.check import same_value
from engine.model import Model
from engine.values import ExcelError
from tests.conftest import WORKBOOKS

TRIALS, CHECKED = 200, 20
BOOKS = sorted(p.name for p in WORKBOOKS.glob("*.xlsx") if p.name != "formulas__test.xlsx")
VOLATILE = {"RAND", "RANDBETWEEN", "NOW", "TODAY", "OFFSET", "INDIRECT"}
# pycel 1.0b30 functions that give wrong values for some inputs, each checked by hand against
# Excel's documented behaviour; cells calling them are compared with Excel by ``check`` instead
PYCEL_DEFECTS = {
    # error cells in the criteria range match numeric criteria, and an empty result comes back
    # as one character of an error string ('V' of '#VALUE!'); Excel skips errors
    "MINIFS": "error cells in criteria ranges", "MAXIFS": "error cells in criteria ranges",
    # basis 1 over exactly one year that holds a 29 February: Excel divides by 366 (1.0),
    # pycel by the average year length 365.5
    "YEARFRAC": "basis 1 over a leap day",
    # rank-deficient x (inputs rounded to whole numbers make columns or rows repeat): pycel
    # answers the mean of y or #NUM!, where Excel drops the redundant x columns (LINEST's
    # documentation: "removed X columns ... have 0 coefficients") and still fits the rest;
    # checked by hand: x rows (1,1),(2,2),(1,1), y 1,3,2 -> TREND 1.5, 3, 1.5 (pycel 2, 2, 2)
    "LINEST": "collinear x", "LOGEST": "collinear x", "TREND": "collinear x",
    "GROWTH": "collinear x",
    # a number on a rounding tie at 15 digits (925935.9649999999 shows as 925935.965):
    # Excel rounds the shown digits half away from zero (TEXT(2.675,"0.00") is "2.68"),
    # pycel the binary value half to even; TEXT is compared with Excel's cached values by check
    "TEXT": "rounding ties at 15 digits",
}


def _inputs(model: Model) -> list:
    """Numeric constant cells that formulas read (directly or in ranges), capped for speed."""
    wb = model.workbook
    seen = set()
    for ref in wb.formula_cells():
        for r in ir.references(model.code(ref).node):
            cells = [r.cell] if isinstance(r, ir.Ref) else [c for row in r.cells() for c in row] \
                if r.shape[0] * r.shape[1] <= 400 else []
            for c in cells:
                cell = wb.cell(c)
                if cell is None or cell.formula is not None or cell.array_anchor is not None:
                    continue
                if isinstance(cell.value, int | float) and not isinstance(cell.value, bool) and cell.value != 0:
                    seen.add(c)
    return sorted(seen)[:150]


def reads_input(node, inputs: list, input_set: set) -> bool:
    """The formula reads one of the input cells, directly or in a range."""
    return any(isinstance(r, ir.Ref) and r.cell in input_set or
               isinstance(r, ir.Area) and any(i.sheet == r.sheet and r.r1 <= i.row <= r.r2
                                              and r.c1 <= i.col <= r.c2 for i in inputs)
               for r in ir.references(node))


def _pycel_value(x):
    from engine.values import ERROR_CODES

    if isinstance(x, str) and x in ERROR_CODES:
        return ExcelError(x)
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, tuple):
        return ExcelError("#VALUE!")
    return x


@pytest.mark.parametrize("book", BOOKS)
def test_numpy_matches_pycel_trial_by_trial(book):
    from pycel import ExcelCompiler

    logging.getLogger("pycel").setLevel(logging.CRITICAL)
    path = WORKBOOKS / book
    model = Model.open(path)
    xl = ExcelCompiler(filename=str(path))
    for c in model.workbook.formula_cells():  # builds pycel's cell map (cached values)
        try:
            xl.evaluate(str(c))
        except Exception:  # pycel's own limits (defined names with openpyxl 3.1, ...)
            pass
    # inputs pycel never reads could not be set on its side: leave them constant on both
    inputs = [c for c in _inputs(model) if str(c) in xl.cell_map]
    if not inputs:
        pytest.skip("no numeric constants feed a formula")
    input_set = set(inputs)
    # downstream formula cells, not volatile, not in a cycle
    order, cycles = model.order(model.workbook.formula_cells())
    varying, volatile = set(), set()
    for c in order:
        cc = model.code(c)
        if (cc.info.volatile & VOLATILE or any(d in volatile for d in cc.deps) or cc.info.unsupported
                or _whole_line(cc.node, model) or "[" in (model.workbook.cell(c).formula or "")
                or _pycel_lacks(cc.node)):
            volatile.add(c)
            continue
        if reads_input(cc.node, inputs, input_set) or any(d in varying for d in cc.deps):
            varying.add(c)
    outputs = [c for c in order if c in varying]
    if not outputs:
        pytest.skip("no formula depends on a numeric constant")
    rng = np.random.default_rng(7)
    samples = {}
    for c in inputs:
        x = float(model.workbook.cell(c).value)
        lo, hi = sorted((0.8 * x, 1.2 * x))
        # inputs as a person types them (10 significant digits): pycel prints numbers with 16
        # digits where Excel shows 15, a difference no real input reaches
        draws = rng.triangular(lo, x, hi, TRIALS)
        # whole numbers (counts, indices, dates) stay whole, as a person would vary them
        samples[c] = (np.round(draws) if x.is_integer() else
                      np.array([float(f"{v:.10g}") for v in draws]))
    program = model.compile(inputs, outputs)
    got = program.run(samples, TRIALS, rand=lambda s: np.full(TRIALS, 0.5))

    # pycel is the oracle only where it reproduces Excel: recompute every output with the
    # original inputs (set_value forces a recalculation) and keep the cells that match the
    # value Excel cached; ``check`` compares the others with Excel directly
    for c in inputs:  # pycel ignores a set_value that does not change the value
        x = model.workbook.cell(c).value
        xl.set_value(str(c), x + 1)
        xl.set_value(str(c), x)
    trusted = set()
    for c in outputs:
        try:
            if same_value(model.workbook.cell(c).value, _pycel_value(xl.evaluate(str(c)))):
                trusted.add(c)
        except Exception:  # pycel's own limits (defined names with openpyxl 3.1, ...)
            pass
    compared = agreed = skipped = 0
    failures = []
    for t in range(CHECKED):
        for c in inputs:
            v = float(samples[c][t])
            xl.set_value(str(c), int(v) if v.is_integer() else v)  # pycel prints 3.0 as '3.0'
        for c in outputs:
            if c not in trusted:
                skipped += 1
                continue
            addr = str(c)
            try:
                expected = _pycel_value(xl.evaluate(addr))
            except Exception:  # pycel's own limits (defined names with openpyxl 3.1, ...)
                skipped += 1
                continue
            if expected is None:
                skipped += 1
                continue
            mine = got[c].scalar(t)
            compared += 1
            if same_value(expected, mine) or _both_nan(expected, mine) or _pycel_bool(expected, mine):
                agreed += 1
            elif _unsorted_lookup(model, c, {k: v[t] for k, v in samples.items()}):
                compared -= 1  # Excel leaves approximate lookups in unsorted data unspecified
            elif len(failures) < 10:
                failures.append(f"trial {t} {addr} {model.workbook.cell(c).formula}: "
                                f"pycel {expected!r}, numpy {mine!r}")
    if not compared:
        pytest.skip(f"pycel reproduces none of the {skipped // CHECKED} downstream cells")
    assert not failures, "\n".join(failures)


APPROXIMATE = {"MATCH", "VLOOKUP", "HLOOKUP", "LOOKUP"}


def _unsorted_lookup(model: Model, cell, values: dict) -> bool:
    """An approximate lookup whose range, with this trial's inputs, is no longer sorted."""
    node = model.code(cell).node
    if not ir.calls(node) & APPROXIMATE:
        return False
    for r in ir.references(node):
        if not isinstance(r, ir.Area):
            continue
        cols = [[values.get(c, getattr(model.workbook.cell(c), "value", None)) for c in row]
                for row in r.cells()]
        for line in (cols[0], [row[0] for row in cols]):
            nums = [x for x in line if isinstance(x, int | float) and not isinstance(x, bool)]
            if any(b < a for a, b in zip(nums, nums[1:], strict=False)):
                return True
    return False


def _pycel_lacks(node) -> bool:
    """The formula calls a function pycel does not implement (or gets wrong): pycel cannot be
    the oracle for it."""
    from engine.functions.fallback import pycel_function

    return any(pycel_function(name) is None or name in PYCEL_DEFECTS for name in ir.calls(node)
               if name not in ("OFFSET", "INDIRECT", "ROW", "COLUMN", "ROWS", "COLUMNS"))


def _whole_line(node, model: Model) -> bool:
    """Whole-column/row references (A:A, 2:2) and structured table references: pycel caches
    them and misses set_value, so
    cells reading them (and their users) are left out of the comparison."""
    for r in ir.references(node):
        if isinstance(r, ir.Area):
            max_row, max_col = model.resolver.bounds(r.sheet)
            if (r.r1 == 1 and r.r2 == max_row and r.shape[0] > 1) or (r.c1 == 1 and r.c2 == max_col and r.shape[1] > 1):
                return True
    return False


def _pycel_bool(expected, mine) -> bool:
    """pycel's XOR returns 1/0 where Excel (and we) return TRUE/FALSE."""
    return isinstance(mine, bool) and type(expected) is int and expected == int(mine)


def _both_nan(a, b) -> bool:
    return isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
