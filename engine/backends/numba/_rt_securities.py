"""Runtime helpers of the securities functions the kernel generator's securities mixin adds
(COUPDAYBS, COUPDAYS, COUPDAYSNC, COUPNCD, COUPNUM, COUPPCD, PRICE, YIELD, DURATION,
MDURATION): ``@njit`` functions of one trial's floats, written step for step as
:mod:`engine.functions.securities` computes a trial (``_valid``, ``_date``, ``_coupons``,
``_add_months``, ``_days360``, ``_coupon_days``, ``_price``, ``_yield``, ``_duration``), the
dates as days from 1899-12-30 of the real calendar (``datetime.date``'s), the numpy sums
in numpy's pairwise order over terms computed on the fly.

They return NaN where the library's trial is NaN (invalid arguments, or a Python
ValueError/OverflowError/ZeroDivisionError that ``_per_trial`` turns into NaN); the
generator makes that #NUM! after the arguments' errors.  ``shift`` is the workbook's
date-system shift (1462 days in the 1904 system, else 0).
"""

from __future__ import annotations

import math

from numba import njit

from ._rt_calendar import _days_1970
from ._rt_functions import _civil, pairwise_terms

_jit = njit(nogil=True, cache=True, error_model="numpy")

_EPOCH_1970 = 25569      # days from 1899-12-30 to 1970-01-01
_LAST_DAY = 2958465      # 9999-12-31 in days from 1899-12-30 (datetime.date.max)

# the names a generated kernel imports from this module
KERNEL_NAMES = ("sec_coupon", "sec_price", "sec_yield", "sec_duration")


@_jit
def _month_days(y, m):
    if m == 2:
        return 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28
    return 30 if m in (4, 6, 9, 11) else 31


@_jit
def _day_of(y, m, d):
    """Days from 1899-12-30 of the date y-m-d."""
    return _days_1970(y, m) + d - 1 + _EPOCH_1970


@_jit
def _add_months(y, m, d, months, month_end):
    """securities._add_months: (y, m, d) ``months`` later (a month end where ``month_end``)."""
    total = y * 12 + m - 1 + months
    yy, mm = total // 12, total % 12 + 1
    last = _month_days(yy, mm)
    return yy, mm, (last if month_end else min(d, last))


@_jit
def _days360(y1, m1, d1, y2, m2, d2, european):
    if european:
        d1, d2 = min(d1, 30), min(d2, 30)
    else:
        feb_end = m1 == 2 and d1 == _month_days(y1, 2)
        if d1 == 31 or feb_end:
            d1 = 30
        if d2 == 31 and d1 >= 30:
            d2 = 30
    return (y2 - y1) * 360 + (m2 - m1) * 30 + (d2 - d1)


@_jit
def _day(serial, shift):
    """securities._date as days from 1899-12-30, -1 where datetime.date overflows."""
    if not serial <= 1e9:      # no date (and no int64 overflow in trunc)
        return -1
    s = math.trunc(serial) + shift
    real = s if s >= 61 else s + 1
    return int(real) if real <= _LAST_DAY else -1


@_jit
def _serial(day, shift):
    """securities._serial of a day counted from 1899-12-30."""
    return float(day if day >= 61 else day - 1) - shift


@_jit
def _valid(s, m, f, b):
    ft, bt = math.trunc(f), math.trunc(b)
    return math.trunc(s) < math.trunc(m) and (ft == 1.0 or ft == 2.0 or ft == 4.0) \
        and 0.0 <= bt <= 4.0 and s >= 0.0


@_jit
def _coupon_days(s, m, freq, basis, shift):
    """securities._coupon_days: (ok, days from the period start to settlement, days in the
    period, days to the next coupon, coupons left, previous and next coupon days)."""
    sd, md = _day(s, shift), _day(m, shift)
    if sd < 0 or md < 0:
        return False, 0.0, 0.0, 0.0, 0, 0, 0
    sy, sm, sdd = _civil(sd - _EPOCH_1970)
    my, mm, mdd = _civil(md - _EPOCH_1970)
    step = 12 // freq
    eom = mdd == _month_days(my, mm)
    k = 0
    py, pm, pd = my, mm, mdd
    pday = md
    while pday > sd:
        k += 1
        py, pm, pd = _add_months(my, mm, mdd, -step * k, eom)
        pday = _day_of(py, pm, pd)
    ny, nm, nd = _add_months(my, mm, mdd, -step * (k - 1), eom)
    nday = _day_of(ny, nm, nd)
    if basis == 0 or basis == 4:
        bs = float(_days360(py, pm, pd, sy, sm, sdd, basis == 4))
    else:
        bs = float(sd - pday)
    if basis == 1:
        period = float(nday - pday)
    elif basis == 3:
        period = 365.0 / freq
    else:
        period = 360.0 / freq
    if basis == 0:
        nc = period - bs
    elif basis == 4:
        nc = float(_days360(sy, sm, sdd, ny, nm, nd, True))
    else:
        nc = float(nday - sd)
    return True, bs, period, nc, k, pday, nday


@_jit
def sec_coupon(s, m, f, b, which, shift):
    """COUPDAYBS (0), COUPDAYS (1), COUPDAYSNC (2), COUPNUM (3), COUPPCD (4), COUPNCD (5)."""
    if not _valid(s, m, f, b):
        return math.nan
    ok, bs, period, nc, left, pday, nday = _coupon_days(s, m, int(f), int(b), shift)
    if not ok:
        return math.nan
    if which == 0:
        return bs
    if which == 1:
        return period
    if which == 2:
        return nc
    if which == 3:
        return float(left)
    return _serial(pday if which == 4 else nday, shift)


@_jit
def _term(p, j):
    """Element j of the library's arrays, p = (kind, n, base, off, c): PRICE's coupon /
    base ** (k - 1 + dsc / e) (kind 0), DURATION's discounted cash (1) and time x
    discounted cash (2)."""
    kind, n, base, off, c = p
    t = off + float(j)
    if kind == 0:
        return c / base ** t
    cash = c + 100.0 if j == n - 1 else c
    disc = cash / base ** t
    return disc if kind == 1 else t * disc


@_jit
def _psum(kind, n, base, off, c):
    """numpy's sum of the n elements (pairwise, as _rt_functions._pairwise; a fold from
    -0.0 below 8 elements)."""
    return pairwise_terms(_term, (kind, n, base, off, c), n, -0.0)


@_jit
def _price(s, m, rate, yld, red, f, b, shift):
    """securities._price of valid arguments; NaN where Python raises (a date past 9999, a
    power that overflows or a division by zero)."""
    ok, a, e, dsc, n, _, _ = _coupon_days(s, m, f, b, shift)
    if not ok:
        return math.nan
    coupon = 100.0 * rate / f
    if n == 1:
        den = 1.0 + dsc / e * yld / f
        if den == 0.0:
            return math.nan
        return (red + coupon) / den - a / e * coupon
    base = 1.0 + yld / f
    first = base ** (float(n - 1) + dsc / e)
    if math.isinf(first) or first == 0.0:
        return math.nan
    return red / first + _psum(0, n, base, dsc / e, coupon) - coupon * a / e


@_jit
def sec_price(s, m, rate, yld, red, f, b, shift):
    """PRICE of one trial."""
    if not _valid(s, m, f, b) or rate < 0.0 or yld < 0.0 or red <= 0.0:
        return math.nan
    return _price(s, m, rate, yld, red, int(f), int(b), shift)


@_jit
def sec_yield(s, m, rate, pr, red, f, b, shift):
    """YIELD of one trial: securities._yield (Newton from the coupon rate, bisection as
    the safety net)."""
    if not _valid(s, m, f, b) or rate < 0.0 or pr <= 0.0 or red <= 0.0:
        return math.nan
    fi, bi = int(f), int(b)
    ok, a, e, dsc, n, _, _ = _coupon_days(s, m, fi, bi, shift)
    if not ok:
        return math.nan
    if n == 1:
        den = pr / 100.0 + a / e * rate / fi
        if den == 0.0 or dsc == 0.0:
            return math.nan
        return ((red / 100.0 + rate / fi) - den) / den * fi * e / dsc
    lo, hi = -0.99 * fi, 10.0
    y = rate if rate > 0.0 else 0.05
    for _ in range(100):
        p0 = _price(s, m, rate, y, red, fi, bi, shift)
        if math.isnan(p0):
            return math.nan
        p = p0 - pr
        h = 1e-7 * max(1.0, abs(y))
        up = _price(s, m, rate, y + h, red, fi, bi, shift)
        down = _price(s, m, rate, y - h, red, fi, bi, shift)
        if math.isnan(up) or math.isnan(down):
            return math.nan
        dp = (up - down) / (2.0 * h)
        if p > 0.0:
            lo = max(lo, y)
        else:
            hi = min(hi, y)
        step = p / dp if dp != 0.0 else 0.0
        nxt = y - step
        if not (lo < nxt < hi):
            nxt = (lo + hi) / 2.0
        if abs(nxt - y) < 1e-12:
            return nxt
        y = nxt
    last = _price(s, m, rate, y, red, fi, bi, shift)
    if math.isnan(last):
        return math.nan
    return y if abs(last - pr) < 1e-8 else math.nan


@_jit
def sec_duration(s, m, c, y, f, b, modified, shift):
    """DURATION (``modified`` 0) or MDURATION (1) of one trial."""
    if not _valid(s, m, f, b) or c < 0.0 or y < 0.0:
        return math.nan
    fi = int(f)
    ok, _, e, dsc, n, _, _ = _coupon_days(s, m, fi, int(b), shift)
    if not ok:
        return math.nan
    base = 1.0 + y / fi
    cpn = 100.0 * c / fi
    d = _psum(2, n, base, dsc / e, cpn) / _psum(1, n, base, dsc / e, cpn) / fi
    return d / (1.0 + y / fi) if modified != 0.0 else d


__all__ = list(KERNEL_NAMES)
