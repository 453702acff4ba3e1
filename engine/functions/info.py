"""Information functions: the IS functions, NA, N, T, ERROR.TYPE, TYPE.

The IS functions inspect a value, errors included: ISERROR(1/0) is TRUE, not #DIV/0!.  They map
over arrays (ISNUMBER(A1:A3) in an array formula gives three answers), except ISEVEN and ISODD,
Analysis ToolPak functions that give #VALUE! for an array.  N and T take the first cell of a
multi-cell reference, as Excel does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from ..values import NA, VALUE, Grid, Kind, Vec, error, text, trials
from . import register
from ._args import result
from .math import Arg, cell_of, flag, lift
from .operators import is_reference
from .text import to_number_ext


def _bool(mask: np.ndarray) -> Vec:
    return Vec(Kind.BOOL, np.atleast_1d(np.asarray(mask, dtype=np.bool_)))


def _ok(v: Vec) -> np.ndarray:
    """Trials without an error."""
    return np.ones(1, np.bool_) if v.err is None else v.err == 0


def _per_trial(v: Vec, test: Callable[[object], bool]) -> np.ndarray:
    return np.array([test(x) for x in v.data], dtype=np.bool_)


def _is_number(x: object) -> bool:
    return isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool | np.bool_)


def _kind_test(kind: Kind, scalar: Callable[[object], bool]) -> Callable[[Vec], Vec]:
    """An IS function true for values of ``kind`` (per trial for mixed values), never for errors."""

    def test(v: Vec) -> Vec:
        if v.kind == Kind.ANY:
            return _bool(_per_trial(v, scalar) & _ok(v))
        if v.kind != kind:
            return _bool(np.zeros(1))
        return _bool(_ok(v))

    return test


_isnumber = _kind_test(Kind.NUM, _is_number)
_istext = _kind_test(Kind.STR, lambda x: isinstance(x, str))
_islogical = _kind_test(Kind.BOOL, lambda x: isinstance(x, bool | np.bool_))
_isblank = _kind_test(Kind.BLANK, lambda x: x is None)


def _iserror(v: Vec) -> Vec:
    return _bool(np.zeros(1) if v.err is None else v.err != 0)


def _iserr(v: Vec) -> Vec:
    return _bool(np.zeros(1) if v.err is None else (v.err != 0) & (v.err != NA))


def _isna(v: Vec) -> Vec:
    return _bool(np.zeros(1) if v.err is None else v.err == NA)


def _isnontext(v: Vec) -> Vec:
    return _bool(~_istext(v).data)


def _mapped(fn: Callable[[Vec], Vec]) -> Callable[[Arg], Vec | Grid]:
    def impl(value: Arg = None) -> Vec | Grid:
        return lift(fn, (value if value is not None else Vec(Kind.BLANK, np.zeros(1)),),
                    trialwise=True)

    return impl


for _name, _fn in (("ISNUMBER", _isnumber), ("ISTEXT", _istext), ("ISLOGICAL", _islogical),
                   ("ISBLANK", _isblank), ("ISERROR", _iserror), ("ISERR", _iserr),
                   ("ISNA", _isna), ("ISNONTEXT", _isnontext)):
    register(_name)(_mapped(_fn))


def _parity(value: Arg) -> tuple[np.ndarray, np.ndarray | None]:
    """floor(|x|) mod 2 for ISEVEN/ISODD: numbers, numeric or date text, blank (0); a logical
    or an array is #VALUE!."""
    v = cell_of(value)
    if v is None:
        return np.zeros(1), None
    if isinstance(v, Grid):
        return np.zeros(1), np.full(trials(v), VALUE, np.uint8)
    x, err = to_number_ext(v)
    if v.kind == Kind.BOOL:
        err = flag(err, np.ones(len(v.data), bool), VALUE)
    elif v.kind == Kind.ANY:
        err = flag(err, np.array([isinstance(y, bool | np.bool_) for y in v.data]), VALUE)
    return np.mod(np.floor(np.abs(x)), 2.0), err


def _parity_result(odd: np.ndarray, err: np.ndarray | None) -> Vec:
    if err is None:
        return _bool(odd)
    return Vec(Kind.BOOL, np.atleast_1d(np.where(err != 0, False, odd)), err)


@register("ISEVEN")
def iseven(value: Arg = None) -> Vec:
    """Excel's ISEVEN (an error argument propagates)."""
    p, err = _parity(value)
    return _parity_result(p == 0, err)


@register("ISODD")
def isodd(value: Arg = None) -> Vec:
    """Excel's ISODD (an error argument propagates)."""
    p, err = _parity(value)
    return _parity_result(p == 1, err)


@register("ISREF")
def isref(value: Arg = None) -> Vec:
    """Excel's ISREF: TRUE for a reference (the compiler passes references to ISREF as ranges)."""
    return _bool(np.array([is_reference(value)]))


def _cell_refs(ctx: Any, value: Arg) -> list[list[Any]] | None:
    """The cells of a reference argument (None for a value that is not a reference)."""
    if not isinstance(value, Grid) or value.area is None or not hasattr(ctx, "model"):
        return None
    return value.area.cells()


@register("ISFORMULA", needs_ctx=True, refs=True)
def isformula(ctx: Any, reference: Arg = None) -> Vec | Grid:
    """Excel's ISFORMULA: whether the referenced cell holds a formula (each cell of a range in
    an array formula); a value that is not a reference is #VALUE!."""
    refs = _cell_refs(ctx, reference)
    if refs is None:
        return error(VALUE)
    grid = [[_bool(np.array([ctx.model.is_formula(r)])) for r in row] for row in refs]
    return grid[0][0] if len(grid) == 1 and len(grid[0]) == 1 else Grid(grid, reference.area)


@register("FORMULATEXT", needs_ctx=True, refs=True)
def formulatext(ctx: Any, reference: Arg = None) -> Vec | Grid:
    """Excel's FORMULATEXT: the formula of the referenced cell as text (#N/A without one)."""
    refs = _cell_refs(ctx, reference)
    if refs is None:
        return error(VALUE)

    book = ctx.model.workbook

    def one(ref: Any) -> Vec:
        cell = book.cell(ref)
        if cell is None or cell.formula is None:
            anchor = getattr(cell, "array_anchor", None)
            cell = book.cell(anchor) if anchor is not None else None
            if cell is None or cell.formula is None:
                return error(NA)
            ref = anchor
        shown = shown_formula(cell.formula)
        # a CSE array formula shows in braces; a dynamic-array one (its flag) as it is
        cse = cell.array_ref is not None and not book.dynamic_formula(ref)
        return text("{" + shown + "}" if cse else shown)

    grid = [[one(r) for r in row] for row in refs]
    return grid[0][0] if len(grid) == 1 and len(grid[0]) == 1 else Grid(grid, reference.area)


# the file's prefixes of newer functions (_xlfn.), worksheet-only ones (_xlws.: SORT, FILTER)
# and LET/LAMBDA parameters (_xlpm.), which Excel does not show
_FILE_PREFIX = re.compile(r"_xl(?:fn|ws|pm)\.", re.IGNORECASE)
_SHOWN_AS = re.compile(r"(?<![A-Za-z0-9_.])(ANCHORARRAY|SINGLE)\(", re.IGNORECASE)
_PLAIN_REF = re.compile(r"^(?:'[^']*(?:''[^']*)*'!|[A-Za-z0-9_.]+!)?(?:\$?[A-Za-z]{1,3}\$?\d+"
                        r"(?::\$?[A-Za-z]{1,3}\$?\d+)?|[A-Za-z_][A-Za-z0-9_.]*)$")
_CALL = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*\(")


def shown_formula(formula: str) -> str:
    """A formula as Excel shows it (FORMULATEXT, the formula bar) from its text in the file:
    without the _xlfn./_xlws./_xlpm. prefixes, ``ANCHORARRAY(A1)`` as ``A1#`` and
    ``SINGLE(x)`` as ``@x``; text in double quotes is left as it is."""
    parts = re.split(r'("(?:[^"]|"")*")', formula)
    out = "".join(p if i % 2 else _FILE_PREFIX.sub("", p) for i, p in enumerate(parts))
    return _operators(out)


def _operators(formula: str) -> str:
    """``ANCHORARRAY(r)`` -> ``r#``, ``SINGLE(x)`` -> ``@x`` (``@(x)`` for an expression),
    innermost last; calls inside double quotes are not calls."""
    start = 0
    while True:
        m = _SHOWN_AS.search(formula, start)
        if m is None:
            return formula
        if formula[:m.start()].count('"') % 2:   # inside a text constant
            start = m.end()
            continue
        depth, j, quoted = 1, m.end(), False
        while j < len(formula) and depth:
            ch = formula[j]
            if ch == '"':
                quoted = not quoted
            elif not quoted:
                depth += {"(": 1, ")": -1}.get(ch, 0)
            j += 1
        if depth:
            return formula
        inner = _operators(formula[m.end():j - 1])
        plain = _operand(inner.strip())
        if m.group(1).upper() == "ANCHORARRAY":
            shown = inner + "#" if plain else "ANCHORARRAY(" + inner + ")"
        else:
            shown = "@" + inner if plain else "@(" + inner + ")"
        formula = formula[:m.start()] + shown + formula[j:]
        start = m.start() + len(shown)


def _operand(x: str) -> bool:
    """A reference, a name or one function call: shown after ``@`` or before ``#`` as it is."""
    if _PLAIN_REF.match(x):
        return True
    m = _CALL.match(x)
    if m is None:
        return False
    depth, quoted = 1, False
    for j in range(m.end(), len(x)):
        ch = x[j]
        if ch == '"':
            quoted = not quoted
        elif not quoted:
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if depth == 0:
                return j == len(x) - 1
    return False


@register("NA")
def na() -> Vec:
    """Excel's NA(): #N/A."""
    return error(NA)


def _first_cell(value: Arg) -> Arg:
    """N and T read the first cell of a multi-cell reference; they map over arrays."""
    if is_reference(value) and value.cells:
        return value.cells[0][0]  # type: ignore[union-attr]
    return value


def _n(v: Vec) -> Vec:
    if v.kind == Kind.NUM:
        return v
    if v.kind == Kind.BOOL:
        return result(v.data.astype(np.float64), v.err)
    if v.kind == Kind.ANY:
        vals = np.array([float(x) if _is_number(x) or isinstance(x, bool | np.bool_) else 0.0
                         for x in v.data])
        return result(vals, v.err)
    return result(np.zeros(len(v.data)), v.err)


def _t(v: Vec) -> Vec:
    if v.kind == Kind.STR:
        return v
    n = len(v.data)
    out = np.empty(n, dtype=object)
    out[:] = [x if isinstance(x, str) else "" for x in v.data] if v.kind == Kind.ANY else ""
    if v.err is not None:
        out = np.where(v.err != 0, "", out).astype(object)
    return Vec(Kind.STR, out, v.err)


@register("N")
def n_(value: Arg = None) -> Vec | Grid:
    """Excel's N: numbers as they are, TRUE/FALSE as 1/0, anything else 0; errors propagate."""
    return lift(_n, (_first_cell(value) if value is not None else text(""),))


@register("T")
def t_(value: Arg = None) -> Vec | Grid:
    """Excel's T: text as it is, anything else ""; errors propagate."""
    return lift(_t, (_first_cell(value) if value is not None else text(""),))


def _error_type(v: Vec) -> Vec:
    if v.err is None:
        return error(NA)
    code = v.err.astype(np.float64)
    return result(code, np.where(v.err == 0, NA, 0).astype(np.uint8) if (v.err == 0).any() else None)


@register("ERROR.TYPE")
def error_type(value: Arg = None) -> Vec | Grid:
    """Excel's ERROR.TYPE: 1 #NULL!, 2 #DIV/0!, 3 #VALUE!, 4 #REF!, 5 #NAME?, 6 #NUM!, 7 #N/A;
    #N/A for a value that is not an error."""
    return lift(_error_type, (value if value is not None else Vec(Kind.BLANK, np.zeros(1)),))


def _type_codes(v: Vec) -> np.ndarray:
    if v.kind == Kind.ANY:
        codes = np.array([2.0 if isinstance(x, str) else 4.0 if isinstance(x, bool | np.bool_)
                          else 1.0 for x in v.data])
    else:
        codes = np.full(1, {Kind.STR: 2.0, Kind.BOOL: 4.0}.get(v.kind, 1.0))
    if v.err is not None:
        codes = np.where(v.err != 0, 16.0, codes)
    return codes


@register("TYPE")
def type_(value: Arg = None) -> Vec:
    """Excel's TYPE: 1 number (or blank), 2 text, 4 logical, 16 error, 64 array."""
    v = cell_of(value)
    if isinstance(v, Grid):
        return result(np.full(1, 64.0), None)
    if v is None:
        return result(np.ones(1), None)
    return result(_type_codes(v), None)


__all__ = ["iseven", "isodd", "isref", "na", "n_", "t_", "error_type", "type_"]
