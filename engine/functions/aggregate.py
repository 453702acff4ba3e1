"""AGGREGATE: nineteen aggregates that can leave out error values, hidden rows and the cells
of nested SUBTOTAL/AGGREGATE formulas.

AGGREGATE(function_num, options, ref1, ...) for 1-13; AGGREGATE(function_num, options,
array, k) for 14-19 (LARGE, SMALL, PERCENTILE.INC, QUARTILE.INC, PERCENTILE.EXC,
QUARTILE.EXC).  Options: 0-3 leave out nested SUBTOTAL/AGGREGATE cells, 4-7 do not; 1, 3, 5
and 7 leave out hidden rows; 2, 3, 6 and 7 leave out error values.  function_num and options
are read once (not per trial).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..values import VALUE, Grid, Kind, Vec, blank, error, trials
from . import FUNCTIONS, register
from ._args import as_vec

Arg = Vec | Grid | None
_NAMES = {1: "AVERAGE", 2: "COUNT", 3: "COUNTA", 4: "MAX", 5: "MIN", 6: "PRODUCT", 7: "STDEV.S",
          8: "STDEV.P", 9: "SUM", 10: "VAR.S", 11: "VAR.P", 12: "MEDIAN", 13: "MODE.SNGL",
          14: "LARGE", 15: "SMALL", 16: "PERCENTILE.INC", 17: "QUARTILE.INC",
          18: "PERCENTILE.EXC", 19: "QUARTILE.EXC"}


def _constant(v: Arg) -> int | None:
    v = as_vec(v)
    if v.err is not None and v.err.any():
        return None
    if v.kind not in (Kind.NUM, Kind.BOOL) or len(v.data) != 1:
        return None
    return int(v.data[0])


def _view(ctx: Any, g: Vec | Grid, skip_nested: bool, skip_hidden: bool, skip_errors: bool
          ) -> Vec | Grid:
    """A range with the cells AGGREGATE leaves out made empty (an error cell only in the
    trials where it is in error)."""
    if not isinstance(g, Grid):
        if skip_errors and g.err is not None and g.err.any():
            return Vec(g.kind, g.data, None) if g.kind != Kind.NUM else \
                Vec(Kind.ANY, np.where(g.err != 0, None, g.data.astype(object)), None)
        return g
    keep = np.ones(g.shape, bool)
    if g.area is not None and (skip_nested or skip_hidden) and hasattr(ctx, "subtotal_mask"):
        mask = ctx.subtotal_mask(g.area, skip_hidden, False)
        if mask.shape == g.shape:
            keep = mask if skip_nested else keep & _hidden_only(ctx, g, skip_hidden)
    rows = []
    for i, row in enumerate(g.cells):
        out = []
        for j, c in enumerate(row):
            if not keep[i, j]:
                out.append(blank())
            elif skip_errors and c.err is not None and c.err.any():
                if c.err.all() or len(c.err) == 1:
                    out.append(blank())
                else:
                    data = np.where(c.err != 0, None, c.data.astype(object))
                    out.append(Vec(Kind.ANY, data, None))
            else:
                out.append(c)
        rows.append(out)
    return Grid(rows, g.area)


def _hidden_only(ctx: Any, g: Grid, skip_hidden: bool) -> np.ndarray:
    if not skip_hidden:
        return np.ones(g.shape, bool)
    with_nested = ctx.subtotal_mask(g.area, True, False)
    without = ctx.subtotal_mask(g.area, False, False)
    return with_nested | ~without  # hidden rows out, nested SUBTOTAL cells kept


@register("AGGREGATE", needs_ctx=True, refs=True)
def aggregate(ctx: Any, function_num: Arg, options: Arg, *refs: Arg) -> Vec | Grid:
    """Excel's AGGREGATE."""
    fn_num = _constant(function_num)
    opt = _constant(options) if options is not None else 0
    n = trials(*[r for r in refs if r is not None]) if refs else 1
    if fn_num not in _NAMES or opt is None or not 0 <= opt <= 7 or not refs:
        return error(VALUE, n)
    skip_nested, skip_hidden, skip_errors = opt <= 3, opt in (1, 3, 5, 7), opt in (2, 3, 6, 7)
    fn = FUNCTIONS[_NAMES[fn_num]]
    if fn_num >= 14:
        if len(refs) != 2:
            return error(VALUE, n)
        data = _view(ctx, refs[0], skip_nested, skip_hidden, skip_errors)
        return fn.impl(data, refs[1])
    views = [_view(ctx, r, skip_nested, skip_hidden, skip_errors) for r in refs if r is not None]
    return fn.impl(*views)


__all__ = ["aggregate"]
