"""ADDRESS: a cell address as text, A1 or R1C1 style, absolute or relative, with a sheet."""

from __future__ import annotations

import numpy as np

from ..values import VALUE, Grid, Vec, first_error, to_bool, to_text
from ..workbook import col_letters, quote_sheet
from . import register
from ._args import scalar_number
from .math import flag, lift
from .text import _text_result

Arg = Vec | Grid | None
_MAX_ROW, _MAX_COL = 1048576, 16384


def _one(row: int, col: int, how: int, a1: bool, sheet: str | None) -> str:
    if a1:
        c = ("$" if how in (1, 3) else "") + col_letters(col)
        r = ("$" if how in (1, 2) else "") + str(row)
        ref = c + r
    else:
        r = f"R{row}" if how in (1, 2) else f"R[{row}]"
        c = f"C{col}" if how in (1, 3) else f"C[{col}]"
        ref = r + c
    if sheet is None:
        return ref
    return (quote_sheet(sheet) if sheet else "") + "!" + ref


@register("ADDRESS")
def address(row: Arg, column: Arg, abs_num: Arg = None, a1: Arg = None,
            sheet_text: Arg = None) -> Vec | Grid:
    """Excel's ADDRESS(row, column, [abs_num 1-4], [a1 TRUE], [sheet_text])."""
    def one(r: Arg, c: Arg, h: Arg, style: Arg, sh: Arg) -> Vec:
        rr, e1 = scalar_number(r)
        cc, e2 = scalar_number(c)
        hh, e3 = scalar_number(h, 1.0)
        if style is None:
            ss, e4 = np.ones(1, bool), None
        else:
            ss, e4 = to_bool(style)
        err = first_error(e1, e2, e3, e4)
        names = None
        if sh is not None:
            names, e5 = to_text(sh)
            err = first_error(err, e5)
        rr, cc, hh = np.trunc(rr), np.trunc(cc), np.trunc(hh)
        bad = (rr < 1) | (rr > _MAX_ROW) | (cc < 1) | (cc > _MAX_COL) | (hh < 1) | (hh > 4)
        n = max(len(rr), len(cc), len(hh), len(ss), 1 if names is None else len(names))
        out = np.empty(n, dtype=object)
        b = np.broadcast_to(bad, (n,))
        for i in range(n):
            if b[i]:
                out[i] = ""
                continue
            out[i] = _one(int(rr[i % len(rr)]), int(cc[i % len(cc)]), int(hh[i % len(hh)]),
                          bool(ss[i % len(ss)]),
                          None if names is None else str(names[i % len(names)]))
        return _text_result(out, flag(err, bad, VALUE))

    return lift(one, (row, column, abs_num, a1, sheet_text))


__all__ = ["address"]
