"""Runtime helpers of the Excel functions the kernel generator's mixins add (dates, order
statistics, depreciation, annuities, regression): small ``@njit`` functions of floats (and of
scratch arrays) that generated kernels call, each written operation for operation as the
numpy library computes one trial (:mod:`engine.functions.dates`, ``.stats``, ``.financial``,
``.regression``), so that results agree to the last bit where the operations are the same.

They return values only; the generator computes error codes with ordinary expressions (or
the ``*_bad`` helpers here), so each call is one line that the CUDA translation can map to a
function of the same name in :mod:`engine.backends.cupy._rt`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._rt import _WHOLE_LIMIT, dd_powering
from ._rt_long_criteria import _rank

_jit = njit(nogil=True, cache=True, error_model="numpy")

MAX_SERIAL = 2958465.0
_EPOCH_1970 = -25569   # 1899-12-30 in days from 1970-01-01

# the names a generated kernel imports from this module
KERNEL_NAMES = ("serial_part", "serial_bad", "yearfrac", "pct_inc", "pct_exc", "kth_large",
                "kth_small", "pct_rank", "pmt", "pv", "fv", "vdb", "db", "pair_stat", "pair_bad",
                "approx_pos", "desc_pos", "approx_pos_t", "desc_pos_t", "lk_approx", "lk_desc",
                "lk_exact", "lk_order", "workday", "networkdays", "rank_of", "rank_sort",
                "rank_sorted",
                # long ranges gathered into a scratch array (numba/_gather.py)
                "fill_kv", "arr_sum", "arr_dot", "arr_devsq", "arr_min", "arr_max", "arr_pairwise",
                "fill_rows", "nf_rows",
                # windows of shared column copies (numba/_suffix_windows.py)
                "arr_dot_at", "arr_dot3_at", "arr_err_at")


# ----------------------------------------------------------------- dates (functions.dates)
@_jit
def _civil(z):
    """(year, month, day) of day ``z`` counted from 1970-01-01 (proleptic Gregorian)."""
    z = z + 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    y = yoe + era * 400 + (1 if m <= 2 else 0)
    return y, m, d


@_jit
def _ymd(serial, shift):
    """engine.functions.dates.to_ymd of one serial (Excel's 1900-02-29 and 1900-01-00);
    ``shift`` days make a serial of the workbook's date system one of the 1900 system
    (engine.functions._epoch: 1462 in the 1904 system, else 0)."""
    x = (serial if math.isfinite(serial) else 0.0) + shift
    x = min(max(x, -1e6), MAX_SERIAL + 1.0)
    s = int(math.floor(x))
    if s == 60:
        return 1900, 2, 29
    if s == 0:
        return 1900, 1, 0
    return _civil(_EPOCH_1970 + (s if s >= 61 else s + 1))


@_jit
def serial_bad(s):
    """1.0 where ``s`` is not a serial number (dates._bad_serial), else 0.0."""
    return 1.0 if (s < 0.0) | (s >= MAX_SERIAL + 1.0) | (not math.isfinite(s)) else 0.0


@_jit
def serial_part(s, which, shift):
    """YEAR (0), MONTH (1) or DAY (2) of serial ``s``, as a float."""
    y, m, d = _ymd(s, shift)
    return float(y if which == 0 else m if which == 1 else d)


@_jit
def _is_leap(y):
    return ((y % 4 == 0) and (y % 100 != 0)) or (y % 400 == 0)


@_jit
def _leaps_upto(y):
    return y // 4 - y // 100 + y // 400


@_jit
def yearfrac(a, c, basis, shift):
    """dates._yearfrac of one trial: ``a``, ``c`` the dates (any order), ``basis`` already
    truncated and valid (0..4)."""
    s1 = math.floor(min(a, c))
    s2 = math.floor(max(a, c))
    y1, m1, d1 = _ymd(s1, shift)
    y2, m2, d2 = _ymd(s2, shift)
    diff = s2 - s1
    if basis == 0.0:
        end1 = 28 + (1 if _is_leap(y1) else 0) if m1 == 2 else 31
        end2 = 28 + (1 if _is_leap(y2) else 0) if m2 == 2 else 31
        feb_end1 = (m1 == 2) and (d1 == end1)
        feb_end2 = (m2 == 2) and (d2 == end2)
        a1 = 30 if (d1 == 31) or feb_end1 else d1
        a2 = 30 if (((d1 == 31) or (d1 == 30)) and (d2 == 31)) or (feb_end1 and feb_end2) else d2
        return ((y2 - y1) * 360 + (m2 - m1) * 30 + (a2 - a1)) / 360.0
    if basis == 1.0:
        leap1 = _is_leap(y1) or (y1 == 1900)
        leap2 = _is_leap(y2) or (y2 == 1900)
        within = (y1 == y2) or ((y2 == y1 + 1) and ((m1 > m2) or ((m1 == m2) and (d1 >= d2))))
        if within:
            feb29 = (leap1 and (m1 <= 2)) or (leap2 and ((m2 > 2) or ((m2 == 2) and (d2 == 29))))
            year_len = 366.0 if ((y1 == y2) and leap1) or feb29 else 365.0
            return diff / year_len
        years = y2 - y1 + 1
        leaps = _leaps_upto(y2) - _leaps_upto(y1 - 1)
        return diff / ((365.0 * years + leaps) / years)
    if basis == 2.0:
        return diff / 360.0
    if basis == 3.0:
        return diff / 365.0
    return ((y2 - y1) * 360 + (m2 - m1) * 30 + (min(d2, 30) - min(d1, 30))) / 360.0


# working days (dates.workday, .networkdays): days counted from 1899-12-30 (a Saturday) as
# numpy's datetime64 does, ``mask`` the working weekdays (bit 0 Monday ... bit 6 Sunday),
# holidays h[0:nh] (days, sorted, distinct, on working weekdays only)
_DAYS_CLAMP = 1e7   # beyond it every result is #NUM! (serials end at 2958465)


@_jit
def _day(serial, shift):
    """dates._to_day: the day of (the integer part of) a serial."""
    x = serial if math.isfinite(serial) else 0.0
    s = int(math.floor(min(max(x, -_DAYS_CLAMP), _DAYS_CLAMP))) + shift
    return s if s >= 61 else s + 1


@_jit
def _on(mask, day):
    return ((int(mask) >> ((day + 5) % 7)) & 1) == 1


@_jit
def _holiday(h, nh, day):
    for i in range(nh):
        if h[i] == day:
            return True
    return False


@_jit
def _holidays_in(h, nh, a, b):
    """Holidays in [a, b]."""
    c = 0
    for i in range(nh):
        if a <= h[i] <= b:
            c += 1
    return c


@_jit
def _week_count(mask):
    c = 0
    for i in range(7):
        c += (int(mask) >> i) & 1
    return c


@_jit
def workday(s, k, mask, h, nh, shift):
    """The serial ``trunc(k)`` working days after (before) serial ``s`` (numpy's
    busday_offset, rolled backward (forward) first when ``s`` is a day off)."""
    day = _day(s, shift)
    kk = int(min(max(math.trunc(k) if math.isfinite(k) else 0.0, -_DAYS_CLAMP), _DAYS_CLAMP))
    step = 1 if kk > 0 else -1
    if kk != 0:
        while not _on(mask, day) or _holiday(h, nh, day):
            day -= step
        left = abs(kk)
        week = _week_count(mask)
        while left > 0:
            start = day
            day += (left // week) * 7 * step
            left = left % week
            while left > 0:
                day += step
                if _on(mask, day):
                    left -= 1
            # the holidays passed over count as days off: as many working days more
            left = _holidays_in(h, nh, start + 1, day) if step > 0 else \
                _holidays_in(h, nh, day, start - 1)
    real = day if day >= 61 else day - 1
    return float(real - shift)


@_jit
def networkdays(a, b, mask, h, nh, shift):
    """Working days from serial ``a`` to ``b``, both counted (negative when b < a): numpy's
    busday_count over [min, max]."""
    d1 = _day(a, shift)
    d2 = _day(b, shift)
    lo = min(d1, d2)
    hi = max(d1, d2)
    weeks = (hi - lo + 1) // 7
    c = weeks * _week_count(mask)
    for day in range(lo + weeks * 7, hi + 1):
        if _on(mask, day):
            c += 1
    c -= _holidays_in(h, nh, lo, hi)
    fa = math.floor(a) if math.isfinite(a) else 0.0
    fb = math.floor(b) if math.isfinite(b) else 0.0
    return float(-c if fb < fa else c)


# ----------------------------------------------------------------- order statistics (stats)
@_jit
def _sort(z, n):
    """Sort z[0:n] in place: insertion sort for a few values or values already in order
    (a range's copy that another cell sorted: _gather), numpy's sort for a long range."""
    if n > 32:
        done = True
        for i in range(1, n):
            if z[i] < z[i - 1]:
                done = False
                break
        if done:
            return
        z[:n] = np.sort(z[:n])
        return
    for i in range(1, n):
        x = z[i]
        j = i - 1
        while j >= 0 and z[j] > x:
            z[j + 1] = z[j]
            j -= 1
        z[j + 1] = x


@_jit
def _kth(z, n, j):
    top = max(n - 1, 0)
    k = int(min(max(j, 0.0), float(top)))
    return z[k] if n > 0 else 0.0


@_jit
def _interpolate(z, n, h):
    """stats._Ordered.interpolate of sorted z[0:n] at 0-based rank ``h``."""
    top = float(max(n - 1, 0))
    h = min(max(h, 0.0), top)
    lo = math.floor(h)
    a = _kth(z, n, lo)
    b = _kth(z, n, min(lo + 1.0, top))
    return a + (h - lo) * (b - a)


@_jit
def pct_inc(z, n, x):
    """PERCENTILE.INC of z[0:n] at ``x`` (valid: 0 <= x <= 1, n > 0); sorts z[0:n]."""
    _sort(z, n)
    return _interpolate(z, n, (n - 1.0) * x)


@_jit
def pct_exc(z, n, x):
    """PERCENTILE.EXC of z[0:n] at ``x`` (valid); sorts z[0:n]."""
    _sort(z, n)
    return _interpolate(z, n, (n + 1.0) * x - 1.0)


@_jit
def kth_large(z, n, k):
    """LARGE(z[0:n], k), k whole and valid; sorts z[0:n]."""
    _sort(z, n)
    return _kth(z, n, n - k)


@_jit
def kth_small(z, n, k):
    _sort(z, n)
    return _kth(z, n, k - 1.0)


@_jit
def pct_rank(z, n, x, exc):
    """stats._percentrank of z[0:n] at ``x`` before rounding (n > 0; sorts z[0:n]): the
    rank of x, interpolated between its neighbours, over n - 1 (inc) or n + 1 (exc); NaN
    and infinities as np.nan_to_num makes them."""
    _sort(z, n)
    below = 0
    upto = 0
    for i in range(n):
        if z[i] < x:
            below += 1
        if z[i] <= x:
            upto += 1
    lo = _kth(z, n, upto - 1.0)
    hi = _kth(z, n, float(upto))
    if upto > below:
        pos = float(below)
    else:
        pos = upto - 1.0 + (x - lo) / (hi - lo)
    if exc != 0.0:
        r = (pos + 1.0) / (n + 1.0)
    else:
        r = pos / (n - 1.0) if n > 1 else 1.0
    if math.isnan(r):
        return 0.0
    if math.isinf(r):
        return 1.7976931348623157e308 if r > 0 else -1.7976931348623157e308
    return r


@_jit
def rank_of(z, n, x, order, avg):
    """stats._rank of ``x`` among z[0:n] (in any order): 1 + the numbers above it (below,
    for a non-zero ``order``), plus half the other numbers equal to it where ``avg``;
    negated where none is equal (#N/A: the caller tests the sign, the rank is >= 1)."""
    above = 0.0
    same = 0.0
    for i in range(n):
        c = z[i]
        if (c < x) if order != 0.0 else (c > x):
            above += 1.0
        if c == x:
            same += 1.0
    r = above + 1.0
    if avg != 0.0:
        r = r + max(same - 1.0, 0.0) / 2.0
    return r if same > 0.0 else -r


@_jit
def rank_sort(z, n):
    """Sort z[0:n] in place, once per trial, for the RANK cells over it; returns 0.0."""
    _sort(z, n)
    return 0.0


@_jit
def rank_sorted(z, n, x, order, avg):
    """:func:`rank_of` of ``x`` among sorted z[0:n] (``rank_sort``) by binary search (as
    stats._rank counts it: searchsorted left and right)."""
    below = _rank(z, 0, n, x, False)   # binary search: sorted z[0:n] below x
    upto = _rank(z, 0, n, x, True)     # ... at most x
    same = float(upto - below)
    above = float(below) if order != 0.0 else float(n - upto)
    r = above + 1.0
    if avg != 0.0:
        r = r + max(same - 1.0, 0.0) / 2.0
    return r if same > 0.0 else -r


# ----------------------------------------------------------------- lookups (functions._search)
@_jit
def approx_pos(z, m, key):
    """_search.approximate over numbers z[0:m] (sorted or not): Excel's binary search for
    the last element <= key; an exact hit extends to the end of its run of equal values.
    The 0-based position, or -1."""
    low = -1
    high = m
    while high - low >= 2:
        mid = low + (high - low) // 2
        ev = z[mid]
        if key == ev:
            j = mid
            while j + 1 < m and z[j + 1] == z[j]:
                j += 1
            return float(min(j, high - 1))
        if key < ev:
            high = mid
        else:
            low = mid
    return float(low)


@_jit
def desc_pos(z, m, key):
    """_search.descending over numbers z[0:m] (MATCH with type -1): the last element before
    the first smaller one (an equal one ends the scan).  The 0-based position, or -1."""
    first_lt = m
    first_eq = m
    for i in range(m):
        if z[i] < key and first_lt == m:
            first_lt = i
        if z[i] == key and first_eq == m:
            first_eq = i
    return float(min(first_lt - 1, first_eq))


@_jit
def approx_pos_t(z, t, m, key):
    """approx_pos where some elements are not numbers (t[i] != 0: text, a logical, blank or
    an error in this trial): lk_approx with a number key (_search.approximate steps over
    them forward from 'mid' to the next number, and narrows to 'mid' when there is none
    before 'high')."""
    return lk_approx(z, t, m, key, 0.0)


@_jit
def desc_pos_t(z, t, m, key):
    """desc_pos over the numbers among z[0:m] (t[i] == 0): lk_desc with a number key."""
    return lk_desc(z, t, m, key, 0.0)


# lookups over typed elements: t[i] is _search's type code of element i in this trial (0 number,
# 1 text, 2 logical, 3 blank, 4 error), z[i] its value (text: its rank among the folded texts
# of the lookup), the key of type kt (0, 1 or 2) and value key
@_jit
def lk_approx(z, t, m, key, kt):
    """_search.approximate over typed elements: elements of another type than the key's are
    stepped over forward from 'mid'; an exact hit extends to the end of its run."""
    low = -1
    high = m
    while high - low >= 2:
        mid = low + (high - low) // 2
        mism = t[mid] != kt
        pos = mid
        past = False
        if mism:
            nm = mid + 1
            while nm < m and t[nm] != kt:
                nm += 1
            past = nm >= high
            pos = mid if past else nm
        ev = z[min(pos, m - 1)]
        less = key < ev
        eq = (key == ev) and not past
        to_mid = past or (mism and less and pos == high - 1)
        if eq and not to_mid:
            j = pos
            while j + 1 < m and t[j + 1] == t[j] and z[j + 1] == z[j]:
                j += 1
            return float(min(j, high - 1))
        if to_mid:
            high = mid
        elif less:
            high = pos
        else:
            low = pos
    return float(low)


@_jit
def lk_desc(z, t, m, key, kt):
    """_search.descending over typed elements (MATCH type -1): among the elements of the
    key's type, the last one before the first smaller one (an equal one ends the scan)."""
    first_lt = m
    first_eq = m
    for i in range(m):
        if t[i] == kt and z[i] < key and first_lt == m:
            first_lt = i
        if t[i] == kt and z[i] == key and first_eq == m:
            first_eq = i
    stop = min(first_lt - 1, first_eq)
    for i in range(min(stop, m - 1), -1, -1):
        if t[i] == kt:
            return float(i)
    return -1.0


@_jit
def lk_exact(z, t, m, key, kt, last):
    """_search.exact: the first (last, when ``last`` != 0) element of the key's type equal
    to it; -1 if none (a blank or error key matches nothing)."""
    found = -1.0
    if kt > 2.0:
        return found
    for i in range(m):
        j = m - 1 - i if last != 0.0 else i
        if t[j] == kt and z[j] == key:
            return float(j)
    return found


@_jit
def _lk_cmp(ta, za, tb, zb):
    """Excel's order numbers < text < logicals, then by value: -1, 0 or 1."""
    if ta != tb:
        return -1.0 if ta < tb else 1.0
    if za == zb:
        return 0.0
    return -1.0 if za < zb else 1.0


@_jit
def lk_order(z, t, m, key, kt, mode, search):
    """XMATCH/XLOOKUP (_search.ordered, or .bisect for search modes 2 and -2): exact (mode
    0), exact or next smaller (-1) or next larger (1) in Excel's order; blank and error
    elements match nothing; a blank key (kt 3) is above every element."""
    if search == 2.0 or search == -2.0:
        desc = search == -2.0
        lo = 0
        while lo < m and t[lo] > 2.0:
            lo += 1
        hi = m - 1
        while hi >= 0 and t[hi] > 2.0:
            hi -= 1
        if lo > hi:
            lo, hi = 0, -1
        res = -1.0
        while lo <= hi:
            mid = (lo + hi) // 2
            if t[mid] > 2.0:
                c = 1.0 if desc else -1.0   # unfilled: -inf ascending, +inf descending
            elif kt > 2.0:
                c = -1.0
            else:
                c = _lk_cmp(t[mid], z[mid], kt, key)
            if c == 0.0:
                return float(mid)
            smaller = c < 0.0
            if mode == -1.0 and smaller:
                res = float(mid)
            elif mode == 1.0 and not smaller:
                res = float(mid)
            if smaller != desc:
                lo = mid + 1
            else:
                hi = mid - 1
        return res
    last = search == -1.0
    best = -1
    for i in range(m):
        j = m - 1 - i if last else i
        if t[j] > 2.0:
            continue
        c = -1.0 if kt > 2.0 else _lk_cmp(t[j], z[j], kt, key)
        if c == 0.0:
            return float(j)
        if (mode == -1.0 and c < 0.0) or (mode == 1.0 and c > 0.0):
            if best < 0:
                best = j
            else:
                d = _lk_cmp(t[j], z[j], t[best], z[best])
                if (mode == -1.0 and d > 0.0) or (mode == 1.0 and d < 0.0):
                    best = j
    return float(best)

# ----------------------------------------------------------------- paired data (regression)
@_jit
def _pairwise(z, lo, n):
    """numpy's sum of z[lo:lo+n] (pairwise summation, as ``ndarray.sum`` adds a row), by
    :func:`pairwise_terms`: not recursive, since numba's cache of a recursive function
    loaded in another process aborts it (LLVM "Symbol not found: ...unresolved$..._pairwise")."""
    return pairwise_terms(_z_term, (z, lo), n, -0.0)


@_jit
def _z_term(p, j):
    """p = (z, lo): z[lo + j]."""
    z, lo = p
    return z[lo + j]


@_jit
def _moments(y, x, m, n):
    """regression._moments of one trial: (count, mean x, mean y, Sxx, Syy, Sxy) over the
    pairs where m is 1; ``y`` holds n values, then n scratch places, ``x`` too."""
    cnt = 0.0
    for i in range(n):
        cnt += m[i]
        x[n + i] = x[i] if m[i] != 0.0 else 0.0
        y[n + i] = y[i] if m[i] != 0.0 else 0.0
    mx = _pairwise(x, n, n) / cnt
    my = _pairwise(y, n, n) / cnt
    for i in range(n):
        dx = x[i] - mx if m[i] != 0.0 else 0.0
        dy = y[i] - my if m[i] != 0.0 else 0.0
        x[n + i] = dx * dx
        y[n + i] = dy * dy
        m[n + i] = dx * dy
    return cnt, mx, my, _pairwise(x, n, n), _pairwise(y, n, n), _pairwise(m, n, n)


@_jit
def pair_stat(y, x, m, n, which, t):
    """regression's statistic ``which`` of the pairs (0 CORREL, 1 RSQ, 2 SLOPE, 3 INTERCEPT,
    4 STEYX, 5 COVARIANCE.P, 6 COVARIANCE.S, 7 FORECAST at ``t``); y, x, m hold 2n places."""
    cnt, mx, my, sxx, syy, sxy = _moments(y, x, m, n)
    if which <= 1:
        r = sxy / np.sqrt(sxx * syy)
        return r if which == 0 else r * r
    if which == 2:
        return sxy / sxx
    if which == 3:
        return my - sxy / sxx * mx
    if which == 4:
        return np.sqrt(max(syy - sxy * sxy / sxx, 0.0) / (cnt - 2.0))
    if which == 5:
        return sxy / cnt
    if which == 6:
        return sxy / (cnt - 1.0)
    b = sxy / sxx
    return my - b * mx + b * t


@_jit
def pair_bad(y, x, m, n, which):
    """1.0 where statistic ``which`` is #DIV/0! (too few pairs, no spread), else 0.0."""
    cnt, mx, my, sxx, syy, sxy = _moments(y, x, m, n)
    if which <= 1:
        bad = (cnt < 2.0) or (sxx == 0.0) or (syy == 0.0)
    elif which == 4:
        bad = (cnt < 3.0) or (sxx == 0.0)
    elif which == 5:
        bad = cnt < 1.0
    elif which == 6:
        bad = cnt < 2.0
    else:
        bad = (cnt < 1.0) or (sxx == 0.0)
    return 1.0 if bad else 0.0


# ----------------------------------------------------------------- financial
@_jit
def _growth_pair(r, n):
    """financial.growth_pair of one trial: (1 + r) ** n for a whole n as (hi + lo) * 2**ex."""
    s = 1.0 + r
    t = s - 1.0
    lo = (1.0 - (s - t)) + (r - t)
    bh, be = math.frexp(s)
    return dd_powering(bh, math.ldexp(lo, -be), be, n)


@_jit
def _growth(r, n):
    """financial._growth of one trial: a whole n by double-double powering (the same double as
    numpy), any other by exp(n log1p(r)) (C's, as numpy calls them) or the power."""
    base = 1.0 + r
    if (math.floor(n) == n and abs(n) < _WHOLE_LIMIT and math.isfinite(base)
            and base != 0.0):
        gh, gl, ex = _growth_pair(r, n)
        g = math.ldexp(gh + gl, ex)
        gm1 = (math.ldexp(gh, ex) - 1.0) + math.ldexp(gl, ex)
    elif r > -1.0 and math.isfinite(n):
        g = math.exp(n * math.log1p(r))
        gm1 = g - 1.0
    else:
        g = np.power(base, n)
        gm1 = g - 1.0
    ann = n if r == 0.0 else gm1 / (1.0 if r == 0.0 else r)
    return g, ann


@_jit
def pmt(r, n, v, f, t):
    """financial._pmt of one trial."""
    g, ann = _growth(r, n)
    return -(f + v * g) / ((1.0 + r * (1.0 if t != 0.0 else 0.0)) * ann)


@_jit
def fv(r, n, p, v, t):
    """financial._fv of one trial."""
    g, ann = _growth(r, n)
    return -(v * g + p * (1.0 + r * (1.0 if t != 0.0 else 0.0)) * ann)


@_jit
def pv(r, n, p, f, t):
    """financial.pv's compute of one trial."""
    g, ann = _growth(r, n)
    return -(f + p * (1.0 + r * (1.0 if t != 0.0 else 0.0)) * ann) / g


@_jit
def db(c, s, life, per, month):
    """financial.db's compute of one trial (per, month truncated; arguments valid)."""
    rt = 0.0
    if c != 0.0:   # np.round(x, 3) is rint(x * 1000) / 1000
        rt = np.rint((1.0 - np.power(s / c, 1.0 / life)) * 1000.0) / 1000.0
    first = c * rt * month / 12.0
    total = first
    out = first if per == 1.0 else 0.0
    last = int(per)
    for k in range(2, last + 1):
        if k > life:
            dep = (c - total) * rt * (12.0 - month) / 12.0
        else:
            dep = (c - total) * rt
        if per == k:
            out = dep
        total = total + dep
    return out


@_jit
def vdb(c, s, life, start, end, factor, no_switch):
    """financial.vdb's compute of one trial (arguments valid)."""
    rate = min(factor / life, 1.0)
    frac = start - math.floor(start)
    value = c
    switched = False
    sl = 0.0
    total = 0.0
    a = 0.0
    for k in range(int(math.ceil(max(end, 0.0))) + 2):
        step = frac if (k == 0) and (frac > 0.0) else 1.0
        b = a + step
        on = a < end
        left = max(value - s, 0.0)
        dec = min(value * rate, left)
        straight = left / (life - a)
        if on and (not switched) and (no_switch == 0.0) and (straight > dec):
            sl = straight
            switched = True
        dep = (sl if switched else dec) * step
        part = max(min(b, end) - max(a, start), 0.0) / step
        if on:
            total = total + min(dep * part, left)
            value = value - min(dep, left)
        a = b
    return total


# ----------------------------------------------------------------- long ranges (_gather.py)
@_jit
def fill_kv(z, off, kv, k0, n):
    """z[off:off+n] = kv[k0:k0+n] (a range's constants, in one loop); returns 0.0."""
    for j in range(n):
        z[off + j] = kv[k0 + j]
    return 0.0


@_jit
def fill_rows(z, off, ur, r0, step, n, b):
    """z[off + j] = ur[r0 + step * j, b] for j < n (a range of cells drawn as a group, rows
    ascending or descending, in one loop); returns 0.0."""
    for j in range(n):
        z[off + j] = ur[r0 + step * j, b]
    return 0.0


@_jit
def nf_rows(ur, r0, n, b):
    """#NUM! (6) where any of ur[r0:r0+n, b] is not finite, else 0: the first error of a run
    of cells drawn as a group (each ``nf`` of its row)."""
    for j in range(n):
        if not math.isfinite(ur[r0 + j, b]):
            return 6
    return 0


@_jit
def arr_sum(z, n, start):
    """start + z[0] + z[1] ... left to right (-0.0 as start: SUM's fold from z[0])."""
    acc = start
    for j in range(n):
        acc = acc + z[j]
    return acc


@_jit
def arr_dot(a, c, n):
    """0.0 + a[0] * c[0] + a[1] * c[1] ... left to right (SUMPRODUCT of two ranges)."""
    acc = 0.0
    for j in range(n):
        acc = acc + a[j] * c[j]
    return acc


@_jit
def arr_dot_at(a, ia, c, ic, n):
    """0.0 + a[ia] * c[ic] + a[ia + 1] * c[ic + 1] ... (``n`` terms) left to right; the
    offsets and the length are floats (a family's per-member constants)."""
    i, k = int(ia), int(ic)
    acc = 0.0
    for j in range(int(n)):
        acc = acc + a[i + j] * c[k + j]
    return acc


@_jit
def arr_dot3_at(a, ia, c, ic, d, id_, n):
    """0.0 + a[ia] * c[ic] * d[id_] + ... (``n`` terms) left to right, as arr_dot_at."""
    i, k, m = int(ia), int(ic), int(id_)
    acc = 0.0
    for j in range(int(n)):
        acc = acc + a[i + j] * c[k + j] * d[m + j]
    return acc


@_jit
def arr_err_at(z, off, n):
    """The first non-zero error code of z[off:off + n] (codes stored as floats), else 0."""
    i = int(off)
    for j in range(int(n)):
        if z[i + j] != 0.0:
            return int(z[i + j])
    return 0


@_jit
def arr_devsq(z, n, mean):
    """0.0 + (z[0] - mean)^2 + ... left to right, each square as d * d."""
    acc = 0.0
    for j in range(n):
        d = z[j] - mean
        acc = acc + d * d
    return acc


@_jit
def arr_min(z, n):
    acc = z[0]
    for j in range(1, n):
        acc = min(acc, z[j])
    return acc


@_jit
def arr_max(z, n):
    acc = z[0]
    for j in range(1, n):
        acc = max(acc, z[j])
    return acc


# ----------------------------------------------------------------- pairwise sums of terms
_inline_jit = njit(nogil=True, cache=True, error_model="numpy", inline="always")


@_inline_jit
def pairwise_leaf(term, p, lo, n, zero):
    """numpy's pairwise_sum of term(p, j) for j in lo .. lo+n-1, n <= 128: below 8 a left
    fold from ``zero``, else eight running sums combined as ((r0+r1)+(r2+r3))+((r4+r5)+
    (r6+r7)), then the rest added.  term is a jitted function of (p, j), p a tuple of its
    parameters; inlined in numba IR, so that term is a direct call (a dispatcher passed
    as a value would be a dynamic global, which numba does not cache)."""
    if n < 8:
        acc = zero
        for j in range(lo, lo + n):
            acc = acc + term(p, j)
        return acc
    r0, r1, r2, r3 = term(p, lo), term(p, lo + 1), term(p, lo + 2), term(p, lo + 3)
    r4, r5, r6, r7 = term(p, lo + 4), term(p, lo + 5), term(p, lo + 6), term(p, lo + 7)
    i = 8
    while i < n - n % 8:
        r0 = r0 + term(p, lo + i)
        r1 = r1 + term(p, lo + i + 1)
        r2 = r2 + term(p, lo + i + 2)
        r3 = r3 + term(p, lo + i + 3)
        r4 = r4 + term(p, lo + i + 4)
        r5 = r5 + term(p, lo + i + 5)
        r6 = r6 + term(p, lo + i + 6)
        r7 = r7 + term(p, lo + i + 7)
        i += 8
    acc = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for j in range(i, n):
        acc = acc + term(p, lo + j)
    return acc


@_inline_jit
def pairwise_terms(term, p, n, zero):
    """numpy's pairwise sum of term(p, j) for j in 0 .. n-1 (as :func:`_pairwise`: up to
    128 terms :func:`pairwise_leaf`, above two halves, the first of n // 2 rounded down to
    a multiple of 8, the first half's sum plus the second's); the halves on an explicit
    stack (numba caches no recursive function over arrays of every layout)."""
    if n <= 128:
        return pairwise_leaf(term, p, 0, n, zero)
    st_lo = np.zeros(64, dtype=np.int64)
    st_n = np.zeros(64, dtype=np.int64)
    st_state = np.zeros(64, dtype=np.int64)
    st_acc = np.zeros(64)
    top = 0
    st_n[0] = n
    ret = zero
    while top >= 0:
        lo, m = st_lo[top], st_n[top]
        if m <= 128:
            ret = pairwise_leaf(term, p, lo, m, zero)
            top -= 1
        elif st_state[top] == 0:   # the first half next
            n2 = m // 2
            n2 -= n2 % 8
            st_state[top] = 1
            top += 1
            st_lo[top], st_n[top], st_state[top] = lo, n2, 0
        elif st_state[top] == 1:   # the first half done: the second next
            n2 = m // 2
            n2 -= n2 % 8
            st_acc[top] = ret
            st_state[top] = 2
            top += 1
            st_lo[top], st_n[top], st_state[top] = lo + n2, m - n2, 0
        else:
            ret = st_acc[top] + ret
            top -= 1
    return ret


@_jit
def _pw_term(p, j):
    """p = (z, mode, mean, sd, k); mode 0: z[j]; 1: (z[j] - mean)^2 as d * d; 2:
    ((z[j] - mean) / sd) ** k (np.power)."""
    z, mode, mean, sd, k = p
    if mode == 0.0:
        return z[j]
    d = z[j] - mean
    if mode == 1.0:
        return d * d
    return np.power(d / sd, k)


@_jit
def arr_pairwise(z, n, mode, mean, sd, k):
    """numpy's pairwise sum of the terms of z[0:n] (_moments.MomentsMixin.pairwise), the
    terms as :func:`_pw_term` makes them."""
    return pairwise_terms(_pw_term, (z, mode, mean, sd, k), n, 0.0)
