"""Logical functions: IF, IFS, IFERROR, IFNA, AND, OR, NOT, XOR, SWITCH, TRUE, FALSE."""

from __future__ import annotations

import numpy as np

from ..values import (
    NA,
    VALUE,
    Grid,
    Kind,
    Vec,
    boolean,
    error,
    first_error,
    normalize,
    select,
    to_bool,
    trials,
)
from . import flat_ops, register
from ._args import as_vec, iter_values
from .operators import compare, map_grid


def _cond(v: Vec) -> tuple[np.ndarray, np.ndarray | None]:
    return to_bool(v)


def _if(cond: Vec, then: Vec, other: Vec) -> Vec:
    mask, err = _cond(as_vec(cond))
    if err is not None:
        mask = np.where(err != 0, False, mask)
    out = normalize(select(mask, then, other))
    if err is not None:
        out = Vec(out.kind, out.data, first_error(err, out.err if len(mask) == 1 or out.err is None else out.err))
    return out


@register("IF")
def if_(cond, then=None, other=None):
    then_v = Vec(Kind.NUM, np.zeros(1)) if then is None else then
    other_v = boolean(False) if other is None else other
    if any(isinstance(x, Grid) for x in (cond, then_v, other_v)):
        flat = flat_ops.if_(_if, cond, then_v, other_v)
        return flat if flat is not None else map_grid(_if, cond, then_v, other_v)
    return _if(cond, then_v, other_v)


@register("IFS")
def ifs(*args):
    if len(args) < 2 or len(args) % 2:
        return error(VALUE)
    if any(isinstance(a, Grid) for a in args):
        return map_grid(ifs, *[a if a is not None else Vec(Kind.BLANK, np.zeros(1)) for a in args])
    n = trials(*[a for a in args if a is not None])
    out = error(NA, n)
    for cond, val in reversed(list(zip(args[::2], args[1::2], strict=True))):
        out = _if(as_vec(cond), as_vec(val), out)
    return out


def _is_err(v: Vec, only_na: bool) -> np.ndarray:
    if v.err is None:
        return np.zeros(1, dtype=np.bool_)
    return v.err == NA if only_na else v.err != 0


@register("IFERROR")
def iferror(value, fallback=None):
    fb = as_vec(fallback) if fallback is not None else Vec(Kind.NUM, np.zeros(1))
    if isinstance(value, Grid):
        return Grid([[iferror(c, fallback) for c in row] for row in value.cells])
    mask = _is_err(value, False)
    clean = Vec(value.kind, value.data, None)
    return normalize(select(mask, fb, clean))


@register("IFNA")
def ifna(value, fallback=None):
    fb = as_vec(fallback) if fallback is not None else Vec(Kind.NUM, np.zeros(1))
    if isinstance(value, Grid):
        return Grid([[ifna(c, fallback) for c in row] for row in value.cells])
    mask = _is_err(value, True)
    err = None if value.err is None else np.where(value.err == NA, 0, value.err).astype(np.uint8)
    clean = Vec(value.kind, value.data, err if err is not None and err.any() else None)
    return normalize(select(mask, fb, clean))


def _logicals(args) -> tuple[list[np.ndarray], np.ndarray | None]:
    cols, err = [], None
    for v, from_ref in iter_values(args):
        if from_ref and v.kind in (Kind.STR, Kind.BLANK):
            err = first_error(err, v.err)
            continue
        if from_ref and v.kind == Kind.ANY:
            vals = np.array([bool(x) if not isinstance(x, str) and x is not None else False for x in v.data])
            keep = np.array([not isinstance(x, str) and x is not None for x in v.data])
            cols.append((vals, keep))
            err = first_error(err, v.err)
            continue
        if v.kind in (Kind.STR, Kind.ANY):
            # text typed as an argument counts only as "TRUE"/"FALSE": AND(TRUE,"0") is TRUE
            keep = np.array([not isinstance(x, str) or x.strip().upper() in ("TRUE", "FALSE")
                             for x in v.data])
            own = v.err if v.err is not None else np.zeros(1, np.uint8)
            safe = Vec(v.kind, np.where(keep, v.data, False).astype(object), v.err)
            b, e = to_bool(safe)
            err = first_error(err, np.where(own != 0, own, 0).astype(np.uint8) if e is not None
                              else None)
            cols.append((b, keep))
            continue
        b, e = to_bool(v)
        err = first_error(err, e)
        cols.append((b, None))
    return cols, err


def _reduce_logical(args, how: str) -> Vec:
    cols, err = _logicals(args)
    n = trials(*[a for a in args if a is not None])
    if not cols:
        return error(VALUE, n)
    any_present = np.zeros(1, dtype=np.bool_)
    acc = None
    for b, keep in cols:
        if how == "and":
            term = b if keep is None else (b | ~keep)
            acc = term if acc is None else (acc & term)
        elif how == "or":
            term = b if keep is None else (b & keep)
            acc = term if acc is None else (acc | term)
        else:
            term = b if keep is None else (b & keep)
            acc = term if acc is None else (acc ^ term)
        any_present = any_present | (np.ones(1, np.bool_) if keep is None else keep)
    out = Vec(Kind.BOOL, np.broadcast_to(acc, (max(len(acc), 1),)).copy())
    if not np.all(any_present):
        e = np.where(any_present, 0, VALUE).astype(np.uint8)
        err = first_error(err, e)
    if err is not None:
        out = Vec(Kind.BOOL, np.where(err != 0, False, out.data), err)
    return out


@register("AND")
def and_(*args):
    return _reduce_logical(args, "and")


@register("OR")
def or_(*args):
    return _reduce_logical(args, "or")


@register("XOR")
def xor_(*args):
    return _reduce_logical(args, "xor")


@register("NOT")
def not_(value):
    if isinstance(value, Grid):
        return Grid([[not_(c) for c in row] for row in value.cells])
    b, err = to_bool(value)
    return Vec(Kind.BOOL, ~b if err is None else np.where(err != 0, False, ~b), err)


@register("TRUE")
def true_():
    return boolean(True)


@register("FALSE")
def false_():
    return boolean(False)


def _blank_as_zero(v: Vec) -> Vec:
    return Vec(Kind.NUM, v.data, v.err) if v.kind == Kind.BLANK else v


@register("SWITCH")
def switch(expr, *pairs):
    if len(pairs) < 2:
        return error(VALUE)
    if any(isinstance(a, Grid) for a in (expr, *pairs)):
        return map_grid(switch, expr, *pairs)
    value = as_vec(expr)
    default = as_vec(pairs[-1]) if len(pairs) % 2 else error(NA, trials(value))
    body = pairs[:-1] if len(pairs) % 2 else pairs
    out = default
    # walk the cases backwards so that the first matching case wins; a case that is an error
    # ends the search with that error, as in Excel
    for case, res in reversed(list(zip(body[::2], body[1::2], strict=True))):
        case_v = as_vec(case)
        # SWITCH compares a blank as the number 0 (it matches 0, not "" or FALSE)
        hit = compare("=", _blank_as_zero(value), _blank_as_zero(case_v))
        mask = hit.data if hit.err is None else (hit.data & (hit.err == 0))
        out = normalize(select(mask, as_vec(res), out))
        if case_v.err is not None:
            bad = case_v.err != 0
            out = normalize(select(bad, Vec(Kind.NUM, np.zeros(1), case_v.err), out))
    if value.err is not None:
        out = Vec(out.kind, out.data, first_error(value.err, out.err))
    return out
