"""Dates and times: DATE, YEAR, MONTH, DAY, EDATE, EOMONTH, WEEKDAY, WEEKNUM, ISOWEEKNUM,
DAYS, DATEDIF, YEARFRAC, NETWORKDAYS, WORKDAY, TIME, HOUR, MINUTE, SECOND, DATEVALUE,
TIMEVALUE.

Dates are Excel serial numbers (1900 date system): days since 1899-12-30 from serial 61
(1900-03-01) on; Excel also counts the day 1900-02-29 that never was (serial 60) and a day
1900-01-00 (serial 0), so serials 1..59 are one day off the real calendar.  Everything is
vectorized with numpy datetime64 arithmetic; the largest date is 9999-12-31 (2958465).

DATE rolls months and days over (month 13 is January of the next year, day 0 the last day of
the month before); text is read as a date where a date is expected; the former Analysis ToolPak
functions (EDATE, EOMONTH, YEARFRAC, WEEKNUM, NETWORKDAYS, WORKDAY) refuse logicals and ranges.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..values import NUM, VALUE, ExcelError, Grid, Kind, Vec, first_error, to_text
from . import register
from ._args import result
from ._epoch import date_shift
from ._scalars import ABSENT, atp_lift, cell_of, coerce, lift, numbers
from ._vectorised import lift_stacked

Arg = Vec | Grid | None
MAX_SERIAL = 2958465.0
_BASE = np.datetime64("1899-12-30", "D")


# ------------------------------------------------------------------ serial <-> calendar
def to_ymd(serial: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day of (the integer part of) serial numbers, Excel's way."""
    serial = np.asarray(serial) + date_shift()
    s = np.floor(np.clip(np.nan_to_num(serial), -1e6, MAX_SERIAL + 1)).astype(np.int64)
    d64 = _BASE + np.where(s >= 61, s, s + 1).astype("timedelta64[D]")
    months = d64.astype("datetime64[M]")
    y = months.astype("datetime64[Y]").astype(np.int64) + 1970
    m = months.astype(np.int64) % 12 + 1
    d = (d64 - months.astype("datetime64[D]")).astype(np.int64) + 1
    y = np.where(s == 60, 1900, np.where(s == 0, 1900, y))
    m = np.where(s == 60, 2, np.where(s == 0, 1, m))
    d = np.where(s == 60, 29, np.where(s == 0, 0, d))
    return y, m, d


def from_ymd(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Serial number of year/month/day, months and days rolling over as in DATE."""
    total = np.asarray(y, dtype=np.int64) * 12 + np.asarray(m, dtype=np.int64) - 1
    total = np.clip(total, 0, 12 * 10001)
    first = (total - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]")
    real = (first - _BASE).astype(np.int64)
    serial_first = np.where(real >= 61, real, real - 1)
    return (serial_first + np.asarray(d, dtype=np.int64) - 1 - date_shift()).astype(np.float64)


def _bad_serial(s: np.ndarray) -> np.ndarray:
    return (s < 0) | (s >= MAX_SERIAL + 1) | ~np.isfinite(s)


def _days_in_month(y: np.ndarray, m: np.ndarray) -> np.ndarray:
    return from_ymd(y, m + 1, np.ones_like(m)) - from_ymd(y, m, np.ones_like(m))


def _is_leap(y: np.ndarray) -> np.ndarray:
    return ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)


def weekday_index(serial: np.ndarray) -> np.ndarray:
    """Day of the week of a serial, Monday = 0 ... Sunday = 6 (1900-01-01 is a Sunday to Excel)."""
    return (np.floor(serial).astype(np.int64) + date_shift() + 5) % 7


def _trialwise(compute: Any, args: Sequence[Arg], defaults: Sequence[float | None],
               name: str) -> Vec | Grid:
    """``numbers(compute, args, defaults, dates=True)`` for a ``compute`` that goes trial by
    trial: an array argument (``YEAR(Log!A6:A5005)``) is computed as one vector, not a numpy
    pass per cell, and a range given alone once per range (``_vectorised``, ``name`` the
    function's: the same values, kinds and errors per element)."""
    if len(args) > len(defaults):
        return numbers(compute, args, defaults, dates=True)
    return lift_stacked(lambda *a: numbers(compute, a, defaults, dates=True), args, name)


# ------------------------------------------------------------------ DATE, TIME and parts
@register("DATE")
def date(*args: Arg) -> Vec | Grid:
    def compute(y, m, d):
        y, m, d = np.trunc(y), np.trunc(m), np.trunc(d)
        yy = np.where(y < 1900, y + 1900, y)
        bad_y = (y < 0) | (y > 9999)
        s = from_ymd(np.where(bad_y, 1900, yy), np.clip(m, -1e5, 1e5), np.clip(d, -1e7, 1e7))
        return s, [(bad_y | _bad_serial(s), NUM)]

    return numbers(compute, args, (None, None, None), dates=False)


def _part(index: int) -> Any:
    def fn(*args: Arg) -> Vec | Grid:
        def compute(s):
            return to_ymd(s)[index].astype(np.float64), [(_bad_serial(s), NUM)]

        return _trialwise(compute, args, (None,), f"date part {index}")

    return fn


register("YEAR")(_part(0))
register("MONTH")(_part(1))
register("DAY")(_part(2))


def _seconds(s: np.ndarray) -> np.ndarray:
    """Seconds into the day, rounded to the nearest second as Excel does."""
    return np.round((s - np.floor(s)) * 86400.0) % 86400


def _time_part(div: int, mod: int) -> Any:
    def fn(*args: Arg) -> Vec | Grid:
        def compute(s):
            return (_seconds(s) // div) % mod, [(_bad_serial(s), NUM)]

        return _trialwise(compute, args, (None,), f"time part {div} {mod}")

    return fn


register("HOUR")(_time_part(3600, 24))
register("MINUTE")(_time_part(60, 60))
register("SECOND")(_time_part(1, 60))


@register("TIME")
def time(*args: Arg) -> Vec | Grid:
    def compute(h, m, s):
        h, m, s = np.trunc(h), np.trunc(m), np.trunc(s)
        secs = h * 3600 + m * 60 + s
        bad = (h > 32767) | (m > 32767) | (s > 32767) | (secs < 0)
        return (secs % 86400) / 86400.0, [(bad, NUM)]

    return numbers(compute, args, (None, None, None))


def _text_date(value: Arg, part: str) -> Vec | Grid:
    def one(v: Vec) -> Vec:
        if v.kind not in (Kind.STR, Kind.ANY) or v.kind == Kind.ANY and not all(
                isinstance(x, str) for x in v.data):
            return Vec(Kind.NUM, np.zeros(len(v)), first_error(v.err, np.full(len(v), VALUE, np.uint8)))
        x, e = coerce(v, dates=True)
        x = np.floor(x) if part == "date" else x - np.floor(x)
        return result(x, e)

    return lift(one, [value])


@register("DATEVALUE")
def datevalue(value: Arg) -> Vec | Grid:
    return _text_date(value, "date")


@register("TIMEVALUE")
def timevalue(value: Arg) -> Vec | Grid:
    return _text_date(value, "time")


# ------------------------------------------------------------------ EDATE, EOMONTH, WEEKDAY
def _shift_months(end_of_month: bool) -> Any:
    def fn(*args: Arg) -> Vec | Grid:
        def compute(s, k):
            y, m, d = to_ymd(s)
            k = np.trunc(k)
            m2 = m + np.clip(k, -2e5, 2e5).astype(np.int64)
            if end_of_month:
                out = from_ymd(y, m2 + 1, np.ones_like(d)) - 1
            else:
                last = _days_in_month(y + (m2 - 1) // 12, (m2 - 1) % 12 + 1)
                out = from_ymd(y, m2, np.minimum(d, last))
            return out, [(_bad_serial(s) | _bad_serial(out), NUM)]

        return numbers(compute, args, (None, None), atp=True, dates=True)

    return fn


register("EDATE")(_shift_months(False))
register("EOMONTH")(_shift_months(True))


@register("WEEKDAY")
def weekday(*args: Arg) -> Vec | Grid:
    def compute(s, kind):
        kind = np.trunc(kind)
        mon0 = weekday_index(s)
        start = np.select([kind == 1, kind == 2, kind == 3], [6, 0, 0],
                          np.clip(kind - 11, 0, 6).astype(np.int64))
        out = (mon0 - start) % 7 + np.where(kind == 3, 0, 1)
        ok = np.isin(kind, [1, 2, 3, 11, 12, 13, 14, 15, 16, 17])
        return out.astype(np.float64), [(_bad_serial(s) | ~ok, NUM)]

    return _trialwise(compute, args, (None, 1), "WEEKDAY")


@register("WEEKNUM")
def weeknum(*args: Arg) -> Vec | Grid:
    def compute(s, kind):
        kind = np.trunc(kind)
        y, _, _ = to_ymd(s)
        jan1 = from_ymd(y, np.ones_like(y), np.ones_like(y))
        start = np.select([kind == 1, kind == 2], [6, 0], np.clip(kind - 11, 0, 6).astype(np.int64))
        offset = (weekday_index(jan1) - start) % 7
        out = np.floor((np.floor(s) - jan1 + offset) / 7) + 1
        iso = _iso_week(s)
        ok = np.isin(kind, [1, 2, 11, 12, 13, 14, 15, 16, 17, 21])
        return np.where(kind == 21, iso, out), [(_bad_serial(s) | ~ok, NUM)]

    return numbers(compute, args, (None, 1), atp=True, dates=True)


def _iso_week(s: np.ndarray) -> np.ndarray:
    thursday = np.floor(s) - weekday_index(s) + 3
    y, _, _ = to_ymd(thursday)
    jan1 = from_ymd(y, np.ones_like(y), np.ones_like(y))
    return np.floor((thursday - jan1) / 7) + 1


@register("ISOWEEKNUM")
def isoweeknum(*args: Arg) -> Vec | Grid:
    return _trialwise(lambda s: (_iso_week(s), [(_bad_serial(s), NUM)]), args, (None,),
                      "ISOWEEKNUM")


@register("DAYS")
def days(*args: Arg) -> Vec | Grid:
    def compute(end, start):
        return np.floor(end) - np.floor(start), [(_bad_serial(end) | _bad_serial(start), NUM)]

    return _trialwise(compute, args, (None, None), "DAYS")


# ------------------------------------------------------------------ DATEDIF, YEARFRAC
_UNITS = ("Y", "M", "D", "MD", "YM", "YD")


@register("DATEDIF")
def datedif(start: Arg, end: Arg, unit: Arg) -> Vec | Grid:
    def one(a: Vec, b: Vec, u: Vec) -> Vec:
        s1, e1 = coerce(a, dates=True)
        s2, e2 = coerce(b, dates=True)
        ut, e3 = to_text(u)
        codes = np.array([_UNITS.index(x.upper()) if isinstance(x, str) and x.upper() in _UNITS else -1
                          for x in ut])
        s1, s2 = np.floor(s1), np.floor(s2)
        y1, m1, d1 = to_ymd(s1)
        y2, m2, d2 = to_ymd(s2)
        months = (y2 - y1) * 12 + (m2 - m1) - (d2 < d1)
        md = np.where(d2 >= d1, d2 - d1, s2 - from_ymd(y2, m2 - 1, d1))
        ge = (m2 > m1) | ((m2 == m1) & (d2 >= d1))
        # days since the last anniversary of the start, counted in the real calendar
        anniv = from_ymd(np.where(ge, y2, y2 - 1), m1, d1)
        yd = s2 - s1 - (_to_day(anniv) - _to_day(s1)).astype(np.int64)
        out = np.select([codes == 0, codes == 1, codes == 2, codes == 3, codes == 4],
                        [months // 12, months, s2 - s1, md, months % 12], yd).astype(np.float64)
        bad = (s1 > s2) | _bad_serial(s1) | _bad_serial(s2) | (codes < 0)
        err = first_error(e1, e2, e3)
        return result(out, first_error(err, np.where(bad, NUM, 0).astype(np.uint8)))

    return lift(one, [start, end, unit])


@register("YEARFRAC")
def yearfrac(start: Arg, end: Arg, basis: Any = ABSENT) -> Vec | Grid:
    """Fraction of a year between two dates; the basis is checked first, as Excel does."""
    return atp_lift(_yearfrac_one, [start, end, basis])


def _yearfrac_one(start: Arg, end: Arg, basis: Any) -> Vec:
    b, e0 = coerce(basis, 0, atp=True, dates=True)
    b = np.trunc(b)
    e0 = first_error(e0, np.where(np.isin(b, [0, 1, 2, 3, 4]), 0, NUM).astype(np.uint8))
    a, e1 = coerce(start, atp=True, dates=True)
    c, e2 = coerce(end, atp=True, dates=True)
    bad = _bad_serial(a) | _bad_serial(c)
    s1, s2 = np.floor(np.minimum(a, c)), np.floor(np.maximum(a, c))
    with np.errstate(all="ignore"):
        out = _yearfrac(s1, s2, b)
    return result(out, first_error(e0, e1, e2, np.where(bad, NUM, 0).astype(np.uint8)))


def _yearfrac(s1: np.ndarray, s2: np.ndarray, basis: np.ndarray) -> np.ndarray:
    y1, m1, d1 = to_ymd(s1)
    y2, m2, d2 = to_ymd(s2)
    diff = s2 - s1
    # basis 0, US (NASD) 30/360, with Excel's end-of-February rules
    feb_end1 = (m1 == 2) & (d1 == _real_month_end(y1, m1))
    feb_end2 = (m2 == 2) & (d2 == _real_month_end(y2, m2))
    a1 = np.where((d1 == 31) | feb_end1, 30, d1)
    a2 = np.where(((d1 == 31) | (d1 == 30)) & (d2 == 31) | feb_end1 & feb_end2, 30, d2)
    us = ((y2 - y1) * 360 + (m2 - m1) * 30 + (a2 - a1)) / 360.0
    # basis 4, European 30/360
    eu = ((y2 - y1) * 360 + (m2 - m1) * 30 + (np.minimum(d2, 30) - np.minimum(d1, 30))) / 360.0
    # basis 1, actual/actual: a year's length within a year, else the average of the years
    leap1, leap2 = _is_leap(y1) | (y1 == 1900), _is_leap(y2) | (y2 == 1900)
    within = (y1 == y2) | ((y2 == y1 + 1) & ((m1 > m2) | ((m1 == m2) & (d1 >= d2))))
    feb29 = (leap1 & (m1 <= 2)) | (leap2 & ((m2 > 2) | ((m2 == 2) & (d2 == 29))))
    year_len = np.where(((y1 == y2) & leap1) | feb29, 366.0, 365.0)
    years = y2 - y1 + 1
    leaps = _leaps_upto(y2) - _leaps_upto(y1 - 1)
    average = (365.0 * years + leaps) / years
    actual = diff / np.where(within, year_len, average)
    return np.select([basis == 0, basis == 1, basis == 2, basis == 3], [us, actual, diff / 360.0, diff / 365.0], eu)


def _real_month_end(y: np.ndarray, m: np.ndarray) -> np.ndarray:
    return np.where(m == 2, 28 + _is_leap(y), 31)


def _leaps_upto(y: np.ndarray) -> np.ndarray:
    return y // 4 - y // 100 + y // 400


# ------------------------------------------------------------------ working days
def _holidays(h: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """Holidays the same in every trial (the numba kernel's constants) as days, and their
    first error."""
    serials, err = _holiday_serials(h)
    return _to_day(serials[:, 0]), err


def _holiday_serials(h: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """The holiday serials as a (cells, trials) array (trials 1 where every cell is the same in
    all trials) and their first error; blank cells are no holiday."""
    if h is ABSENT or h is None:
        return np.zeros((0, 1)), None
    cells = list(h.flat()) if isinstance(h, Grid) else [h]
    vals, err = [], None
    for c in cells:
        if c.kind == Kind.BLANK:
            continue
        x, e = coerce(c, atp=True, dates=True)
        err = first_error(err, e)
        vals.append(np.floor(np.nan_to_num(np.asarray(x, dtype=np.float64))))
    if not vals:
        return np.zeros((0, 1)), err
    n = max(len(v) for v in vals)
    return np.stack([np.broadcast_to(v, (n,)) for v in vals]), err


def _by_holidays(n: int, hol: np.ndarray, compute: Any) -> np.ndarray:
    """``compute(trials, holiday_days)`` for every trial, with each trial's own holidays: one
    call where the holidays are the same in every trial, else one per distinct set (a trial's
    value never depends on the other trials of its chunk)."""
    n = max(n, hol.shape[1])
    if hol.shape[1] == 1 or (hol == hol[:, :1]).all():
        return np.broadcast_to(compute(slice(None), _to_day(hol[:, 0])), (n,))
    sets, which = np.unique(hol.T, axis=0, return_inverse=True)
    out = np.empty(n)
    for g, days in enumerate(sets):
        trials = np.flatnonzero(which.ravel() == g)
        out[trials] = compute(trials, _to_day(days))
    return out


def _to_day(s: np.ndarray) -> np.ndarray:
    s = np.floor(np.nan_to_num(s)).astype(np.int64) + date_shift()
    return _BASE + np.where(s >= 61, s, s + 1).astype("timedelta64[D]")


@register("NETWORKDAYS")
def networkdays(start: Arg, end: Arg, holidays: Any = ABSENT) -> Vec:
    return _networkdays(start, end, holidays, "1111100", None)


@register("NETWORKDAYS.INTL")
def networkdays_intl(start: Arg, end: Arg, weekend: Any = ABSENT, holidays: Any = ABSENT) -> Vec:
    """Excel's NETWORKDAYS.INTL: working days with a chosen weekend (1-7, 11-17 or a mask
    such as "0000011", Monday first, 1 = day off)."""
    mask, e0 = _weekmask(weekend)
    return _networkdays(start, end, holidays, mask, e0)


def _networkdays(start: Arg, end: Arg, holidays: Any, mask: str, e0: np.ndarray | None) -> Vec:
    s1, e1 = coerce(start, atp=True, dates=True)
    s2, e2 = coerce(end, atp=True, dates=True)
    hol, e3 = _holiday_serials(holidays)
    n = max(len(s1), len(s2), hol.shape[1])
    s1, s2 = np.broadcast_to(np.floor(s1), (n,)), np.broadcast_to(np.floor(s2), (n,))
    lo, hi = _to_day(np.minimum(s1, s2)), _to_day(np.maximum(s1, s2))
    count = _by_holidays(n, hol, lambda t, days: np.busday_count(
        lo[t], hi[t] + np.timedelta64(1, "D"), weekmask=mask, holidays=days).astype(np.float64))
    count = np.where(s2 < s1, -count, count)
    bad = _bad_serial(s1) | _bad_serial(s2)
    return result(count, first_error(e1, e2, e0, e3, np.where(bad, NUM, 0).astype(np.uint8)))


@register("WORKDAY")
def workday(start: Arg, days_: Arg, holidays: Any = ABSENT) -> Vec:
    return _workday(start, days_, holidays, "1111100", None)


@register("WORKDAY.INTL")
def workday_intl(start: Arg, days_: Arg, weekend: Any = ABSENT, holidays: Any = ABSENT) -> Vec:
    """Excel's WORKDAY.INTL: WORKDAY with a chosen weekend (as NETWORKDAYS.INTL)."""
    mask, e0 = _weekmask(weekend)
    return _workday(start, days_, holidays, mask, e0)


def _workday(start: Arg, days_: Arg, holidays: Any, mask: str, e0: np.ndarray | None) -> Vec:
    s, e1 = coerce(start, atp=True, dates=True)
    k, e2 = coerce(days_, atp=True)
    hol, e3 = _holiday_serials(holidays)
    n = max(len(s), len(k), hol.shape[1])
    s, k = np.broadcast_to(np.floor(s), (n,)), np.broadcast_to(np.trunc(k), (n,)).astype(np.int64)
    day = _to_day(s)

    def shifted(t: Any, days: np.ndarray) -> np.ndarray:
        ahead = np.busday_offset(day[t], k[t], roll="backward", weekmask=mask, holidays=days)
        behind = np.busday_offset(day[t], k[t], roll="forward", weekmask=mask, holidays=days)
        out_day = np.where(k[t] > 0, ahead, np.where(k[t] < 0, behind, day[t]))
        return (out_day - _BASE).astype(np.int64).astype(np.float64)

    real = _by_holidays(n, hol, shifted).astype(np.int64)
    out = np.where(real >= 61, real, real - 1).astype(np.float64) - date_shift()
    bad = _bad_serial(s) | _bad_serial(out)
    return result(out, first_error(e1, e2, e0, e3, np.where(bad, NUM, 0).astype(np.uint8)))


@register("DAYS360")
def days360(start: Arg, end: Arg, method: Any = ABSENT) -> Vec | Grid:
    """Excel's DAYS360: days between two dates in a 360-day year; US method (default: the
    31st becomes the 30th, the end's 31st only when the start is the 30th or 31st, the last
    day of February as the start becomes the 30th) or European (TRUE: every 31st is the
    30th)."""
    def compute(s1, s2, eu):
        y1, m1, d1 = to_ymd(np.floor(s1))
        y2, m2, d2 = to_ymd(np.floor(s2))
        europe = eu != 0
        feb_end = (m1 == 2) & (to_ymd(np.floor(s1) + 1)[1] == 3)
        d1 = np.where(d1 == 31, 30, np.where(~europe & feb_end, 30, d1))
        d2 = np.where(d2 == 31, np.where(europe | (d1 == 30), 30, d2), d2)
        bad = _bad_serial(np.floor(s1)) | _bad_serial(np.floor(s2))
        return (y2 - y1) * 360.0 + (m2 - m1) * 30.0 + (d2 - d1), [(bad, NUM)]

    return numbers(compute, (start, end) if method is ABSENT else (start, end, method),
                   (None, None, 0), dates=True)


# Excel's weekend numbers: the days off, Monday = 0
_WEEKENDS = {1: (5, 6), 2: (6, 0), 3: (0, 1), 4: (1, 2), 5: (2, 3), 6: (3, 4), 7: (4, 5),
             11: (6,), 12: (0,), 13: (1,), 14: (2,), 15: (3,), 16: (4,), 17: (5,)}


def _weekmask(weekend: Any) -> tuple[str, np.ndarray | None]:
    """numpy's weekmask ("1111100": Monday to Friday work) for Excel's weekend argument (one
    for all trials): an unknown number is #NUM!, a bad mask #VALUE!."""
    bad_value = np.full(1, VALUE, np.uint8)
    if weekend is ABSENT or weekend is None:
        return "1111100", None
    v = cell_of(weekend)
    if isinstance(v, Grid) or len(v.data) != 1:
        return "1111100", bad_value
    x = v.scalar()
    if isinstance(x, str) and not isinstance(x, ExcelError):
        if len(x) != 7 or set(x) - {"0", "1"} or x == "1111111":
            return "1111100", bad_value
        return "".join("0" if ch == "1" else "1" for ch in x), None
    if isinstance(x, ExcelError):
        return "1111100", np.full(1, x.code, np.uint8)
    code = int(x) if x is not None and not isinstance(x, bool) else 1
    if code not in _WEEKENDS:
        return "1111100", np.full(1, NUM, np.uint8)
    off = _WEEKENDS[code]
    return "".join("0" if d in off else "1" for d in range(7)), None


__all__ = ["MAX_SERIAL", "date", "from_ymd", "to_ymd", "weekday_index", "yearfrac"]
