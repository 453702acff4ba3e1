"""GROUPBY: rows grouped on their row fields, each value column aggregated by a function
(``_xleta.SUM`` or a LAMBDA), with optional headers, grand total and subtotals.

The groups come from the row fields' values, which must be the same in every trial (a
grouping that changes per trial would change the result's shape); the values may vary per
trial, and so do the aggregates.  Not yet: PIVOTBY, ``sort_order`` other than by a row
field, ``field_relationship`` 1 (table), and PERCENTOF-style two-argument functions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..values import VALUE, Grid, Kind, Vec, blank, error, from_scalar, text
from .arrays import _Fail, _int, _number, _sort_key
from .lambdas import Lambda, _cell, _grid

Key = tuple[Any, ...]
Arg = Vec | Grid | None


def _constant(c: Vec) -> Any:
    if len(c) != 1 and not _same_in_every_trial(c):
        raise _Fail(VALUE)  # a grouping that changes per trial
    return c.scalar(0)


def _same_in_every_trial(c: Vec) -> bool:
    """Whether every trial of ``c`` holds the same value (a FILTER of a table whose rows are
    kept by a constant condition and whose other columns vary: its key column)."""
    if c.err is not None and len(c.err) > 1 and bool((c.err != c.err[0]).any()):
        return False
    return bool(np.all(c.data == c.data[0]))


def _headers(mode: Arg, first: list[Vec]) -> int:
    if mode is None:  # Excel guesses: a text first row of values is a header row
        return 1 if first and all(c.kind == Kind.STR for c in first) else 0
    h = _int(mode)
    if h not in (0, 1, 2, 3):
        raise _Fail(VALUE)
    return h


def groupby(env: Any, fields: Arg, values: Arg, lam: Any, field_headers: Arg = None,
            total_depth: Arg = None, sort_order: Arg = None, filter_array: Arg = None,
            field_relationship: Arg = None) -> Vec | Grid:
    try:
        return _groupby(env, fields, values, lam, field_headers, total_depth, sort_order,
                        filter_array, field_relationship)
    except _Fail as f:
        return error(f.code)


def _groupby(env: Any, fields: Arg, values: Arg, lam: Any, field_headers: Arg,
             total_depth: Arg, sort_order: Arg, filter_array: Arg, relationship: Arg) -> Grid:
    if not isinstance(lam, Lambda):
        raise _Fail(VALUE)
    f, v = _grid(fields), _grid(values)
    if f.shape[0] != v.shape[0]:
        raise _Fail(VALUE)
    if relationship is not None and _int(relationship) != 0:
        raise _Fail(VALUE)
    heads = _headers(field_headers, list(v.cells[0]))
    frows, vrows = f.cells, v.cells
    keep = list(range(len(frows)))
    head_f: list[Vec] = []
    head_v: list[Vec] = []
    if heads in (1, 3):
        head_f, head_v = list(frows[0]), list(vrows[0])
        keep = keep[1:]
    elif heads == 2:
        head_f = [text(f"Row Field {i + 1}") for i in range(f.shape[1])]
        head_v = [text(f"Value {i + 1}") for i in range(v.shape[1])]
    if filter_array is not None:
        flags = list(_grid(filter_array).flat())
        if len(flags) != len(frows):
            raise _Fail(VALUE)
        keep = [r for r in keep if _flag(flags[r])]
    depth = 1 if total_depth is None else _int(total_depth)
    width = f.shape[1]
    if abs(depth) > width + 1:
        depth = (width + 1) * (1 if depth > 0 else -1)
    order = 1 if sort_order is None else _int(sort_order)
    if order == 0 or abs(order) > width:
        raise _Fail(VALUE)  # sorting by a value column: not yet
    keys: dict[Key, list[int]] = {}
    for r in keep:
        keys.setdefault(tuple(_constant(c) for c in frows[r]), []).append(r)
    if not keys:
        raise _Fail(VALUE)  # Excel's #CALC!

    def sort_key(k: Key) -> tuple:
        return tuple(_sort_key(x) for x in k)
    ordered = sorted(keys, key=sort_key)
    if order < 0:  # descending on that field, ascending on the others
        col = -order - 1
        ordered.sort(key=lambda k: _sort_key(k[col]), reverse=True)

    every = [r for k in ordered for r in keys[k]]
    two = _takes_two(lam)

    def aggregate(rows: list[int]) -> list[Vec]:
        out = []
        for j in range(v.shape[1]):
            part = Grid([[vrows[r][j]] for r in rows])
            if two:  # PERCENTOF-style: the group's values and all of them
                out.append(_cell(lam(env, part, Grid([[vrows[r][j]] for r in every]))))
            else:
                out.append(_cell(lam(env, part)))
        return out

    out: list[list[Vec]] = []
    levels = abs(depth) - 1  # subtotal levels (1 .. width-1)
    top = depth < 0
    prefix_rows: dict[Key, list[int]] = {}
    for k in ordered:
        for lvl in range(1, min(levels, width - 1) + 1):
            prefix_rows.setdefault(k[:lvl], []).extend(keys[k])

    def subtotal(prefix: Key) -> list[Vec]:
        return ([_value(x) for x in prefix] + [blank()] * (width - len(prefix))
                + aggregate(prefix_rows[prefix]))

    prev: Key = ()
    body: list[list[Vec]] = []
    for k in ordered:
        # close the subtotals of the prefixes this key leaves (deepest first)
        for lvl in range(min(levels, width - 1), 0, -1):
            if prev[:lvl] != k[:lvl] and len(prev) >= lvl and not top:
                body.append(subtotal(prev[:lvl]))
        for lvl in range(1, min(levels, width - 1) + 1):
            if prev[:lvl] != k[:lvl] and top:
                body.append(subtotal(k[:lvl]))
        body.append([_value(x) for x in k] + aggregate(keys[k]))
        prev = k
    if not top:
        for lvl in range(min(levels, width - 1), 0, -1):
            body.append(subtotal(prev[:lvl]))
    if heads in (2, 3):
        out.append(head_f + head_v)
    label = "Grand Total" if min(levels, width - 1) > 0 else "Total"  # as Excel labels it
    grand = ([text(label)] + [blank()] * (width - 1)
             + aggregate(every)) if depth != 0 else None
    if grand is not None and top:
        out.append(grand)
    out.extend(body)
    if grand is not None and not top:
        out.append(grand)
    return Grid(out)


def _takes_two(lam: Lambda) -> bool:
    """Whether the function aggregates a group against the whole (PERCENTOF, LAMBDA(x, all, ...))."""
    if lam.builtin is None:
        return len(lam.params) >= 2
    import inspect

    try:
        params = inspect.signature(lam.builtin).parameters.values()
    except (TypeError, ValueError):
        return False
    return sum(p.default is p.empty and p.kind == p.POSITIONAL_OR_KEYWORD for p in params) >= 2


def _flag(c: Vec) -> bool:
    if c.err is not None and c.err.any():
        raise _Fail(int(c.err[0]))
    return bool(_number(c))


def _value(x: Any) -> Vec:
    return from_scalar(x)
