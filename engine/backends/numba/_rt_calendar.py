"""Runtime helpers of the calendar functions the kernel generator's date mixin adds (DATE,
EDATE, EOMONTH, WEEKDAY): ``@njit`` functions of one trial's floats, written step for step
as :mod:`engine.functions.dates` computes them (``from_ymd``, ``_shift_months``,
``weekday``), so that the serials are the library's exactly.  ``shift`` is the workbook's
date-system shift (1462 days in the 1904 system, else 0), as in :mod:`._rt_functions`.

They return values only; the generator computes the error codes (``serial_bad``).
"""

from __future__ import annotations

import math

from numba import njit

from ._rt_functions import _ymd

_jit = njit(nogil=True, cache=True, error_model="numpy")

_EPOCH_1970 = 25569   # days from 1899-12-30 to 1970-01-01
_MONTHS_MAX = 12 * 10001

# the names a generated kernel imports from this module
KERNEL_NAMES = ("cal_date", "cal_shift", "cal_weekday")


@_jit
def _days_1970(y, m):
    """Days from 1970-01-01 to the first of month ``m`` of year ``y`` (proleptic
    Gregorian, the inverse of :func:`._rt_functions._civil`)."""
    yy = y - 1 if m <= 2 else y
    era = (yy if yy >= 0 else yy - 399) // 400
    yoe = yy - era * 400
    mp = m - 3 if m > 2 else m + 9
    doy = (153 * mp + 2) // 5
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@_jit
def _from_ymd(y, m, d, shift):
    """dates.from_ymd of one trial: months and days rolling over, Excel's 1900-02-29."""
    total = min(max(y * 12 + m - 1, 0), _MONTHS_MAX)
    real = _days_1970(total // 12, total % 12 + 1) + _EPOCH_1970
    first = real if real >= 61 else real - 1
    return float(first + d - 1 - shift)


@_jit
def _trunc_int(x, bound):
    """np.clip(np.trunc(x), -bound, bound) as an integer (0 for NaN)."""
    if not math.isfinite(x):
        return 0 if math.isnan(x) else (int(bound) if x > 0 else -int(bound))
    return int(min(max(math.trunc(x), -bound), bound))


@_jit
def cal_date(y, m, d, shift):
    """dates.date's serial of one trial (the arguments as given; #NUM! is the caller's:
    a year outside 0..9999, or a serial that is not a date)."""
    yt = math.trunc(y) if math.isfinite(y) else 1900.0
    yy = yt + 1900.0 if yt < 1900.0 else yt
    if (yt < 0.0) or (yt > 9999.0):
        yy = 1900.0
    return _from_ymd(int(yy), _trunc_int(m, 1e5), _trunc_int(d, 1e7), shift)


@_jit
def cal_shift(s, k, end_of_month, shift):
    """dates._shift_months of one trial: EDATE (``end_of_month`` 0) or EOMONTH (1)."""
    y, m, d = _ymd(s, shift)
    m2 = m + _trunc_int(k, 2e5)
    if end_of_month != 0.0:
        return _from_ymd(y, m2 + 1, 1, shift) - 1.0
    yl, ml = y + (m2 - 1) // 12, (m2 - 1) % 12 + 1
    last = _from_ymd(yl, ml + 1, 1, shift) - _from_ymd(yl, ml, 1, shift)
    return _from_ymd(y, m2, min(d, int(last)), shift)


@_jit
def cal_weekday(s, kind, shift):
    """dates.weekday of one trial, ``kind`` already truncated and valid."""
    x = s if math.isfinite(s) else 0.0
    mon0 = (int(math.floor(min(max(x, -1e7), 1e7))) + shift + 5) % 7
    if kind == 1.0:
        start = 6
    elif kind == 2.0 or kind == 3.0:
        start = 0
    else:
        start = min(max(int(kind) - 11, 0), 6)
    return float((mon0 - start) % 7 + (0 if kind == 3.0 else 1))


__all__ = list(KERNEL_NAMES)
