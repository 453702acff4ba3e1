"""Argument helpers shared by the function modules (not Excel functions themselves)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from ..values import (
    VALUE,
    Grid,
    Kind,
    Vec,
    error,
    first_error,
    parse_number,
    to_number,
    trials,
)


def iter_values(args: Iterable[Vec | Grid | None]) -> Iterator[tuple[Vec, bool]]:
    """Yield (value, from_reference) for every scalar argument and every cell of ranges."""
    for a in args:
        if a is None:
            continue
        if isinstance(a, Grid):
            for c in a.flat():
                yield c, True
        else:
            yield a, False


def numeric_columns(args: Iterable[Vec | Grid | None], *, text_in_refs: bool = False,
                    bools_in_refs: bool = False
                    ) -> tuple[list[np.ndarray], list[np.ndarray | None], np.ndarray | None]:
    """Numbers for aggregates (SUM, AVERAGE, MIN, ...), following Excel's rules:

    * a direct argument is coerced (TRUE -> 1, "3" -> 3, "x" -> #VALUE!);
    * in a reference or array only numbers count; text, logicals and blanks are skipped
      (``text_in_refs``/``bools_in_refs`` count them as 0 / 0-1, as the ...A functions do);
    * errors anywhere propagate (first one wins).

    Returns value columns, presence masks (None when every trial is present) and errors.
    """
    cols: list[np.ndarray] = []
    masks: list[np.ndarray | None] = []
    err: np.ndarray | None = None
    for v, from_ref in iter_values(args):
        if not from_ref:
            if v.kind == Kind.BLANK:  # a blank value is 0, an error it carries propagates
                err = first_error(err, v.err)
                cols.append(np.zeros(1))
                masks.append(None)
                continue
            x, e = typed_number(v)
            err = first_error(err, e)
            cols.append(x)
            masks.append(None)
            continue
        err = first_error(err, v.err)
        if v.kind == Kind.NUM:
            cols.append(v.data)
            masks.append(None if v.err is None else v.err == 0)
        elif v.kind == Kind.BOOL:
            if bools_in_refs:
                cols.append(v.data.astype(np.float64))
                masks.append(None)
        elif v.kind == Kind.STR:
            if text_in_refs:
                cols.append(np.zeros(len(v.data)))
                masks.append(None)
        elif v.kind == Kind.ANY:
            x = np.zeros(len(v.data))
            m = np.zeros(len(v.data), dtype=np.bool_)
            for i, item in enumerate(v.data):
                if item is None:
                    continue
                if isinstance(item, bool | np.bool_):
                    if bools_in_refs:
                        x[i], m[i] = float(item), True
                elif isinstance(item, str):
                    if text_in_refs:
                        m[i] = True
                else:
                    x[i], m[i] = float(item), True
            cols.append(x)
            masks.append(m)
    return cols, masks, err


def typed_number(v: Vec) -> tuple[np.ndarray, np.ndarray | None]:
    """A value typed as an argument, as a number: :func:`engine.values.to_number`, and text
    that is a date ("2024-01-15", "1/15/2024", "15-Jan-2024") as its serial number, as Excel
    reads it."""
    x, err = to_number(v)
    if err is None or v.kind not in (Kind.STR, Kind.ANY):
        return x, err
    from ._scalars import parse_date_text

    own = v.err if v.err is not None else np.zeros(1, np.uint8)
    x, err = np.array(np.broadcast_to(x, err.shape)), err.copy()
    for i in np.nonzero((err == VALUE) & (np.broadcast_to(own, err.shape) == 0))[0]:
        s = v.data[i if len(v.data) > 1 else 0]
        y = parse_date_text(s) if isinstance(s, str) else None
        if y is not None:
            x[i], err[i] = y, 0
    return x, (err if err.any() else None)


def stack(cols: list[np.ndarray], masks: list[np.ndarray | None], n: int
          ) -> tuple[np.ndarray, np.ndarray | None]:
    """Stack columns into an (n, k) matrix and its presence mask (None when all present)."""
    k = len(cols)
    mat = np.empty((n, k))
    for j, c in enumerate(cols):
        mat[:, j] = c
    if all(m is None for m in masks):
        return mat, None
    pres = np.ones((n, k), dtype=np.bool_)
    for j, m in enumerate(masks):
        if m is not None:
            pres[:, j] = m
    return mat, pres


def result(values: np.ndarray, err: np.ndarray | None) -> Vec:
    """A numeric result, with non-finite values turned into #NUM!."""
    values = np.atleast_1d(np.asarray(values, dtype=np.float64))
    bad = ~np.isfinite(values)
    if bad.any():
        err = first_error(err, np.where(bad, 6, 0).astype(np.uint8))
    if err is not None:
        values = np.where(err != 0, 0.0, values)
    return Vec(Kind.NUM, values, err)


def scalar_number(v: Vec | Grid | None, default: float | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """A numeric argument (a 1x1 range counts as its cell); omitted -> default."""
    if v is None:
        if default is None:
            return np.zeros(1), np.full(1, VALUE, dtype=np.uint8)
        return np.full(1, float(default)), None
    if isinstance(v, Grid):
        if v.shape != (1, 1):
            return np.zeros(1), np.full(1, VALUE, dtype=np.uint8)
        v = v.cells[0][0]
    return typed_number(v)


def as_vec(v: Vec | Grid | None) -> Vec:
    """A single value: a 1x1 range is its cell; a larger one is #VALUE! (no implicit intersection)."""
    if v is None:
        return Vec(Kind.BLANK, np.zeros(1))
    if isinstance(v, Grid):
        if v.shape == (1, 1):
            return v.cells[0][0]
        return error(VALUE, trials(v))
    return v


__all__ = ["iter_values", "numeric_columns", "typed_number", "stack", "result", "scalar_number", "as_vec",
           "parse_number"]
