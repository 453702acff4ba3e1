"""Argument handling for functions of numbers (private to ``financial`` and ``dates``).

Two conventions, as in Excel:

* built-in functions (PMT, DATE, YEAR, ...) coerce text and logicals to numbers and map over
  an array argument element by element (:func:`numbers` with ``atp=False``);
* the former Analysis ToolPak functions (EDATE, EOMONTH, YEARFRAC, XNPV, XIRR, NETWORKDAYS,
  ...) refuse logicals and multi-cell ranges with #VALUE! (``atp=True``), but map over an
  array value (a constant, or one computed from a range: ``EOMONTH(A1, B1:B3-1)``).

Text that is not a number is read as a date (and time) where dates are expected
(``dates=True``): ``"2024-01-15"``, ``"1/15/2024"``, ``"15-Jan-2024"``, ``"1/1/1987 02:00 AM"``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..values import VALUE, Grid, Kind, Vec, first_error, parse_number, to_number, trials
from ._args import result
from ._epoch import date_shift
from .operators import is_reference, map_grid

Arg = Vec | Grid | None
Checks = list[tuple[np.ndarray, int]]
ABSENT: Any = object()  # an argument not written at all (None: written but left empty)
_EPOCH = dt.date(1899, 12, 30).toordinal()
_MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_TIME = r"(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d*)?))?\s*([ap]m)?)?"
_FORMS = [
    (re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})" + _TIME, re.I), "ymd"),
    (re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{2,4})" + _TIME, re.I), "mdy"),
    (re.compile(r"(\d{1,2})[ -]([a-z]{3})[a-z]*[ ,-]+(\d{2,4})" + _TIME, re.I), "dby"),
    (re.compile(r"([a-z]{3})[a-z]*[ -](\d{1,2}),?[ -]+(\d{2,4})" + _TIME, re.I), "bdy"),
]
# a time alone ("12:30", "2:30:15 PM", "9 am", "36:00"): its fraction of a day (days and a
# fraction past 24 hours, as Excel reads a duration typed in a cell)
_TIME_ONLY = re.compile(r"(\d{1,4})(?::(\d{2})(?::(\d{2}(?:\.\d*)?))?\s*([ap]m)?|\s*([ap]m))",
                        re.I)


def parse_time_text(s: str) -> float | None:
    """A time typed as text (hours up to 9999, or 0-12 with AM/PM; minutes and seconds below
    60), in days; None when it is not one."""
    g = _TIME_ONLY.fullmatch(s.strip())
    if g is None:
        return None
    h, mm, ss, ap = int(g.group(1)), int(g.group(2) or 0), float(g.group(3) or 0), \
        g.group(4) or g.group(5)
    if mm > 59 or ss >= 60 or (ap and h > 12):
        return None
    if ap:
        h = h % 12 + (12 if ap.lower() == "pm" else 0)
    return (h * 3600 + mm * 60 + ss) / 86400.0


def cell_of(a: Any) -> Any:
    return a.cells[0][0] if isinstance(a, Grid) and a.shape == (1, 1) else a


def serial_of(y: int, m: int, d: int) -> float | None:
    """Excel's serial number of a calendar date (1900 date system), None if impossible."""
    try:
        s = dt.date(y, m, d).toordinal() - _EPOCH
    except ValueError:
        return 60.0 if (y, m, d) == (1900, 2, 29) else None
    return float(s - 1 if s <= 60 else s) - date_shift()


def parse_date_text(s: str) -> float | None:
    """A date, a date and time, or a time alone typed as text, as Excel reads it in a
    numeric context (a time alone is its fraction of a day: "12:30" is 0.520833...)."""
    t = s.strip()
    for rx, form in _FORMS:
        g = rx.fullmatch(t)
        if not g:
            continue
        a, b, c = g.group(1), g.group(2), g.group(3)
        if form == "ymd":
            y, m, d = int(a), int(b), int(c)
        elif form == "mdy":
            y, m, d = int(c), int(a), int(b)
            if m > 12 and d <= 12:
                m, d = d, m
        elif form == "dby":
            y, m, d = int(c), _MONTHS.get(b.lower()[:3], 0), int(a)
        else:
            y, m, d = int(c), _MONTHS.get(a.lower()[:3], 0), int(b)
        if y < 100:
            y += 2000 if y < 30 else 1900
        serial = serial_of(y, m, d) if m else None
        if serial is None:
            return None
        hh, mm, ss, ap = g.group(4), g.group(5), g.group(6), g.group(7)
        if hh is not None:
            h = int(hh) % 12 + (12 if ap and ap.lower() == "pm" else 0) if ap else int(hh)
            serial += (h * 3600 + int(mm) * 60 + float(ss or 0)) / 86400.0
        return serial
    return parse_time_text(t)


def coerce(v: Arg, default: float | None = None, *, atp: bool = False, dates: bool = False
           ) -> tuple[np.ndarray, np.ndarray | None]:
    """A number per trial from an argument (omitted -> ``default``, required -> #VALUE!)."""
    if v is None or v is ABSENT:
        if default is None and v is ABSENT:
            return np.zeros(1), np.full(1, VALUE, dtype=np.uint8)
        return np.full(1, 0.0 if default is None else float(default)), None
    v = cell_of(v)
    if isinstance(v, Grid):
        return np.zeros(1), np.full(1, VALUE, dtype=np.uint8)
    if atp and v.kind == Kind.BOOL:
        return np.zeros(len(v)), first_error(v.err, np.full(len(v), VALUE, dtype=np.uint8))
    if v.kind in (Kind.STR, Kind.ANY) and (dates or atp):
        out = np.zeros(len(v))
        err = np.zeros(len(v), dtype=np.uint8)
        for i, x in enumerate(v.data):
            if isinstance(x, bool | np.bool_):
                out[i], err[i] = float(x), VALUE if atp else 0
            elif isinstance(x, str):
                y = parse_number(x)
                y = parse_date_text(x) if y is None and dates else y
                out[i], err[i] = (0.0, VALUE) if y is None else (y, 0)
            elif x is not None:
                out[i] = float(x)
        return out, first_error(v.err, err if err.any() else None)
    return to_number(v)


def lift(fn: Callable[..., Vec], args: Sequence[Any]) -> Vec | Grid:
    """``fn(*args)``, element by element over multi-cell arrays (array formulas)."""
    args = [cell_of(a) for a in args]
    arrays = [i for i, a in enumerate(args) if isinstance(a, Grid)]
    if not arrays:
        return fn(*args)

    def call(*vals: Vec) -> Vec:
        full = list(args)
        for i, x in zip(arrays, vals, strict=True):
            full[i] = x
        return fn(*full)

    return map_grid(call, *[args[i] for i in arrays])


def atp_lift(fn: Callable[..., Vec], args: Sequence[Any]) -> Vec | Grid:
    """``fn(*args)`` for a former Analysis ToolPak function: a multi-cell range argument is
    passed whole (``fn`` refuses it with #VALUE!), otherwise ``fn`` maps over array values
    element by element (``EOMONTH(A1, B1:B3-1)``, ``EDATE(A1, {1,2,3})``)."""
    if any(is_reference(cell_of(a)) for a in args):
        return fn(*args)
    return lift(fn, args)


def numbers(compute: Callable[..., tuple[np.ndarray, Checks]], args: Sequence[Any],
            defaults: Sequence[float | None], *, atp: bool = False, dates: bool = False,
            ) -> Vec | Grid:
    """A function of numbers: coerce each argument, run ``compute`` on the arrays (it returns
    values and ``(mask, code)`` domain errors); argument errors come first, left to right."""
    if len(args) > len(defaults):
        return Vec(Kind.NUM, np.zeros(1), np.full(1, VALUE, dtype=np.uint8))
    full = list(args) + [ABSENT] * (len(defaults) - len(args))

    def one(*vals: Any) -> Vec:
        xs, err = [], None
        for v, d in zip(vals, defaults, strict=True):
            x, e = coerce(v, d, atp=atp, dates=dates)
            xs.append(x)
            err = first_error(err, e)
        n = trials(*[v for v in vals if isinstance(v, Vec | Grid)])
        with np.errstate(all="ignore"):
            out, checks = compute(*xs)
        for mask, code in checks:
            mask = np.asarray(mask)
            if mask.any():
                err = first_error(err, np.where(mask, code, 0).astype(np.uint8))
        out = np.broadcast_to(np.asarray(out, dtype=np.float64), (max(n, np.size(out)),))
        if err is not None and len(err) < len(out):
            err = np.broadcast_to(err, out.shape).copy()
        return result(out, err)

    return atp_lift(one, full) if atp else lift(one, full)


__all__ = ["ABSENT", "atp_lift", "cell_of", "coerce", "lift", "numbers", "parse_date_text",
           "parse_time_text", "serial_of"]
