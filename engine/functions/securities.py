"""Securities: coupon dates and days (COUPPCD, COUPNCD, COUPNUM, COUPDAYBS, COUPDAYS,
COUPDAYSNC), PRICE, YIELD, DURATION, MDURATION, discounted securities (DISC, INTRATE,
RECEIVED, PRICEDISC, YIELDDISC), ACCRINTM and Treasury bills (TBILLPRICE, TBILLYIELD,
TBILLEQ).

Analysis ToolPak rules: dates are truncated, a logical or a range is #VALUE!; a settlement
on or after maturity, a frequency other than 1, 2 or 4, a basis outside 0-4 or a
non-positive rate/price gives #NUM!.  Day counts follow the basis: 0 US 30/360, 1
actual/actual, 2 actual/360, 3 actual/365, 4 European 30/360.  Coupon dates step back from
maturity by 12/frequency months (month ends stay month ends).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable

import numpy as np

from ..values import NUM, Grid, Vec
from . import register, takes
from ._epoch import date_shift
from ._scalars import numbers
from .dates import _yearfrac

Arg = Vec | Grid | None
_EPOCH = dt.date(1899, 12, 30)


def _date(serial: float) -> dt.date:
    s = int(serial) + date_shift()
    return _EPOCH + dt.timedelta(days=s if s >= 61 else s + 1)


def _serial(d: dt.date) -> float:
    s = (d - _EPOCH).days
    return float(s if s >= 61 else s - 1) - date_shift()


def _add_months(d: dt.date, months: int, month_end: bool) -> dt.date:
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    last = calendar.monthrange(y, m + 1)[1]
    return dt.date(y, m + 1, last if month_end else min(d.day, last))


def _coupons(settle: dt.date, mature: dt.date, freq: int) -> tuple[dt.date, dt.date, int]:
    """(previous coupon date, next coupon date, coupons left) for a settlement date."""
    step = 12 // freq
    eom = mature.day == calendar.monthrange(mature.year, mature.month)[1]
    k = 0
    pcd = mature
    while pcd > settle:
        k += 1
        pcd = _add_months(mature, -step * k, eom)
    ncd = _add_months(mature, -step * (k - 1), eom)
    return pcd, ncd, k


def _days360(a: dt.date, b: dt.date, european: bool) -> int:
    d1, d2 = a.day, b.day
    if european:
        d1, d2 = min(d1, 30), min(d2, 30)
    else:
        feb_end = a.month == 2 and d1 == calendar.monthrange(a.year, 2)[1]
        if d1 == 31 or feb_end:
            d1 = 30
        if d2 == 31 and d1 >= 30:
            d2 = 30
    return (b.year - a.year) * 360 + (b.month - a.month) * 30 + (d2 - d1)


def _coupon_days(settle: dt.date, mature: dt.date, freq: int, basis: int
                 ) -> tuple[float, float, float, int, dt.date, dt.date]:
    """(days from the period start to settlement, days in the period, days to the next
    coupon, coupons left, previous and next coupon dates)."""
    pcd, ncd, left = _coupons(settle, mature, freq)
    if basis in (0, 4):
        bs = float(_days360(pcd, settle, basis == 4))
    else:
        bs = float((settle - pcd).days)
    if basis == 1:
        period = float((ncd - pcd).days)
    elif basis == 3:
        period = 365.0 / freq
    else:
        period = 360.0 / freq
    if basis == 0:
        nc = period - bs
    elif basis == 4:
        nc = float(_days360(settle, ncd, True))
    else:
        nc = float((ncd - settle).days)
    return bs, period, nc, left, pcd, ncd


def _valid(s: float, m: float, f: float, b: float) -> bool:
    return int(s) < int(m) and int(f) in (1, 2, 4) and 0 <= int(b) <= 4 and s >= 0


def _per_trial(fn: Callable[..., float], *cols: np.ndarray) -> np.ndarray:
    n = max(len(c) for c in cols)
    out = np.empty(n)
    for i in range(n):
        try:
            out[i] = fn(*(float(c[i if len(c) > 1 else 0]) for c in cols))
        except (ValueError, OverflowError, ZeroDivisionError):
            out[i] = np.nan
    return out


def _coupon_fn(name: str, pick: Callable[[tuple], float]) -> None:
    def compute(s, m, f, b):
        def one(s_: float, m_: float, f_: float, b_: float) -> float:
            if not _valid(s_, m_, f_, b_):
                return np.nan
            return pick(_coupon_days(_date(s_), _date(m_), int(f_), int(b_)))

        return _per_trial(one, s, m, f, b), []

    def fn(*args: Arg) -> Vec | Grid:
        return numbers(compute, args, (None, None, None, 0), atp=True, dates=True)

    fn.__name__ = name.lower()
    fn.__doc__ = f"Excel's {name}."
    register(name)(takes(3, 4)(fn))


_coupon_fn("COUPDAYBS", lambda t: t[0])
_coupon_fn("COUPDAYS", lambda t: t[1])
_coupon_fn("COUPDAYSNC", lambda t: t[2])
_coupon_fn("COUPNUM", lambda t: float(t[3]))
_coupon_fn("COUPPCD", lambda t: _serial(t[4]))
_coupon_fn("COUPNCD", lambda t: _serial(t[5]))


def _price(s: float, m: float, rate: float, yld: float, redemption: float, f: int, b: int
           ) -> float:
    a, e, dsc, n, _, _ = _coupon_days(_date(s), _date(m), f, b)
    coupon = 100.0 * rate / f
    if n == 1:
        return (redemption + coupon) / (1 + dsc / e * yld / f) - a / e * coupon
    base = 1 + yld / f
    # each power by the platform's pow (Python's), not numpy's vectorized one, which differs
    # from it in the last place in a few percent of cases: YIELD's root of this price then
    # differed by 1e-11 between backends (the fused kernels call pow)
    terms = np.array([coupon / base ** (j + dsc / e) for j in range(n)])
    return float(redemption / base ** (n - 1 + dsc / e) + terms.sum() - coupon * a / e)


@register("PRICE")
@takes(6, 7)
def price(*args: Arg) -> Vec | Grid:
    """Excel's PRICE: the price per 100 of a bond paying periodic interest."""
    def compute(s, m, rate, yld, red, f, b):
        def one(s_, m_, r_, y_, red_, f_, b_):
            if not _valid(s_, m_, f_, b_) or r_ < 0 or y_ < 0 or red_ <= 0:
                return np.nan
            return _price(s_, m_, r_, y_, red_, int(f_), int(b_))

        return _per_trial(one, s, m, rate, yld, red, f, b), []

    return numbers(compute, args, (None, None, None, None, None, None, 0), atp=True, dates=True)


def _yield(s: float, m: float, rate: float, pr: float, red: float, f: int, b: int) -> float:
    a, e, dsc, n, _, _ = _coupon_days(_date(s), _date(m), f, b)
    if n == 1:
        return ((red / 100 + rate / f) - (pr / 100 + a / e * rate / f)) / \
            (pr / 100 + a / e * rate / f) * f * e / dsc
    lo, hi = -0.99 * f, 10.0
    y = rate if rate > 0 else 0.05
    for _ in range(100):  # Newton from the coupon rate, bisection as the safety net
        p = _price(s, m, rate, y, red, f, b) - pr
        h = 1e-7 * max(1.0, abs(y))
        dp = (_price(s, m, rate, y + h, red, f, b) - _price(s, m, rate, y - h, red, f, b)) / (2 * h)
        if p > 0:
            lo = max(lo, y)
        else:
            hi = min(hi, y)
        step = p / dp if dp else 0.0
        nxt = y - step
        if not lo < nxt < hi:
            nxt = (lo + hi) / 2
        if abs(nxt - y) < 1e-12:
            return nxt
        y = nxt
    return y if abs(_price(s, m, rate, y, red, f, b) - pr) < 1e-8 else np.nan


@register("YIELD")
@takes(6, 7)
def yield_(*args: Arg) -> Vec | Grid:
    """Excel's YIELD: the yield of a bond paying periodic interest, from its price."""
    def compute(s, m, rate, pr, red, f, b):
        def one(s_, m_, r_, p_, red_, f_, b_):
            if not _valid(s_, m_, f_, b_) or r_ < 0 or p_ <= 0 or red_ <= 0:
                return np.nan
            return _yield(s_, m_, r_, p_, red_, int(f_), int(b_))

        return _per_trial(one, s, m, rate, pr, red, f, b), []

    return numbers(compute, args, (None, None, None, None, None, None, 0), atp=True, dates=True)


def _duration(s: float, m: float, coupon: float, yld: float, f: int, b: int) -> float:
    a, e, dsc, n, _, _ = _coupon_days(_date(s), _date(m), f, b)
    t = dsc / e + np.arange(n)          # periods until each payment
    cash = np.full(n, 100.0 * coupon / f)
    cash[-1] += 100.0
    disc = cash / (1 + yld / f) ** t
    return float((t * disc).sum() / disc.sum() / f)


def _duration_fn(name: str, modified: bool) -> None:
    def fn(*args: Arg) -> Vec | Grid:
        def compute(s, m, c, y, f, b):
            def one(s_, m_, c_, y_, f_, b_):
                if not _valid(s_, m_, f_, b_) or c_ < 0 or y_ < 0:
                    return np.nan
                d = _duration(s_, m_, c_, y_, int(f_), int(b_))
                return d / (1 + y_ / int(f_)) if modified else d

            return _per_trial(one, s, m, c, y, f, b), []

        return numbers(compute, args, (None, None, None, None, None, 0), atp=True, dates=True)

    fn.__name__ = name.lower()
    fn.__doc__ = f"Excel's {name} (Macaulay{', modified' if modified else ''})."
    register(name)(takes(5, 6)(fn))


_duration_fn("DURATION", False)
_duration_fn("MDURATION", True)


def _fraction(s: np.ndarray, m: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Year fraction settlement..maturity and where the dates or basis are invalid."""
    s, m, b = np.floor(s), np.floor(m), np.trunc(b)
    bad = (s >= m) | (b < 0) | (b > 4) | (s < 0)
    with np.errstate(all="ignore"):
        return _yearfrac(np.where(bad, 0, s), np.where(bad, 1, m), np.where(bad, 0, b)), bad


def _discounted(name: str, formula: Callable[..., np.ndarray], positive: tuple[int, ...]) -> None:
    def compute(s, m, x, y, b):
        t, bad = _fraction(s, m, b)
        for k in positive:
            bad = bad | ((x, y)[k] <= 0)
        with np.errstate(all="ignore"):
            return formula(t, x, y), [(bad, NUM)]

    def fn(*args: Arg) -> Vec | Grid:
        return numbers(compute, args, (None, None, None, None, 0), atp=True, dates=True)

    fn.__name__ = name.lower()
    fn.__doc__ = f"Excel's {name}."
    register(name)(takes(4, 5)(fn))


_discounted("DISC", lambda t, pr, red: (red - pr) / red / t, (0, 1))
_discounted("INTRATE", lambda t, inv, red: (red - inv) / inv / t, (0, 1))
_discounted("RECEIVED", lambda t, inv, disc: inv / (1 - disc * t), (0, 1))
_discounted("PRICEDISC", lambda t, disc, red: red - disc * red * t, (0, 1))
_discounted("YIELDDISC", lambda t, pr, red: (red - pr) / pr / t, (0, 1))


@register("ACCRINTM")
@takes(3, 5)
def accrintm(*args: Arg) -> Vec | Grid:
    """Excel's ACCRINTM(issue, settlement, rate, par, [basis]): par * rate * year fraction."""
    def compute(i, s, r, par, b):
        t, bad = _fraction(i, s, b)
        return par * r * t, [(bad | (r <= 0) | (par <= 0), NUM)]

    return numbers(compute, args, (None, None, None, 1000.0, 0), atp=True, dates=True)


def _tbill(compute_one: Callable[[np.ndarray, np.ndarray], np.ndarray], name: str) -> None:
    def compute(s, m, x):
        s, m = np.floor(s), np.floor(m)
        dsm = m - s
        bad = (dsm <= 0) | (dsm > 365) | (x <= 0)
        with np.errstate(all="ignore"):
            return compute_one(dsm, x), [(bad, NUM)]

    def fn(*args: Arg) -> Vec | Grid:
        return numbers(compute, args, (None, None, None), atp=True, dates=True)

    fn.__name__ = name.lower()
    fn.__doc__ = f"Excel's {name}."
    register(name)(takes(3, 3)(fn))


_tbill(lambda dsm, d: 100 * (1 - d * dsm / 360), "TBILLPRICE")
_tbill(lambda dsm, pr: (100 - pr) / pr * 360 / dsm, "TBILLYIELD")
_tbill(lambda dsm, d: np.where(dsm <= 182, 365 * d / (360 - d * dsm),
                               (-2 * dsm / 365 + 2 * np.sqrt((dsm / 365) ** 2 - (2 * dsm / 365 - 1)
                                                             * (1 - 100 / (100 * (1 - d * dsm / 360)))))
                               / (2 * dsm / 365 - 1)), "TBILLEQ")

__all__ = ["price", "yield_", "accrintm"]
