"""Runtime of TEXT(x, format) in the fused kernel, for any constant format the numpy
reference writes (:func:`engine.functions.text.text_`): the format is compiled once into a
*plan* of floats in the kernel's constant table (:mod:`._dtext_formats`), which the helpers
here interpret per trial:

- conditions (``[<10]0.0;0``) pick a section, else Excel's sections by sign;
- thousands scaling (``#,##0,"K"``), the reference's rounding half away from zero on 15
  digits (``rounded_for_format``);
- General (11 characters), plain scientific formats (``0.00E+00``), and every other format
  as pycel's ``TextFormat`` writes it (numbers with placeholders, literals and commas; dates
  and times, elapsed ``[h]:mm``, AM/PM), with Excel's weekday names before 1900-03-01.

Plan layout (all floats, offsets relative to the plan's start); see :mod:`._dtext_formats`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._decimal import (
    _CAP,
    _bn_pow10,
    _bn_set,
    _bn_shl,
    dec_float,
    digits15,
    digits_n,
    put_mark,
    put_uint,
)

_jit = njit(nogil=True, cache=True, error_model="numpy")
_WHOLE_DIGITS = 9007199254740992.0   # 2**53: from here up Excel's 15 digits (_digits15_whole)

KERNEL_NAMES = ("dput_format", "dformat_bad")

# body kinds
GENERAL, SCI, PYCEL = 1.0, 2.0, 3.0
# section types
DT, NUM, LIT = 1.0, 2.0, 3.0
# token tags
T_STR, T_NUM = 0.0, 1.0
# date/time token codes (tag = code): pycel's DateTimeFormatter conversions
DT_CODES = ("yyyy", "yy", "mmmmm", "mmmm", "mmm", "mm", "m", "dddd", "ddd", "dd", "d", "hh",
            "h", "HH", "H", "MM", "M", "ss", "s", ".", ".0", ".00", ".000", "[h]", "[m]",
            "[s]", "am/pm", "a/p", "A/P", "A/p", "a/P")
T_DT0 = 10.0          # tag of DT_CODES[0]; a token whose conversion fails: T_BAD
T_BAD = 9.0
DATE_MAX_INT = 2958466.0
_ELAPSED = (23, 24, 25)
_MONTHS = np.array([ord(c) for c in "JanuaryFebruaryMarchAprilMayJuneJulyAugustSeptember"
                    "OctoberNovemberDecember"], dtype=np.float64)
_MONTH_AT = np.array([0, 7, 15, 20, 25, 28, 32, 36, 42, 51, 58, 66, 74], dtype=np.int64)
_DAYS = np.array([ord(c) for c in "MondayTuesdayWednesdayThursdayFridaySaturdaySunday"],
                 dtype=np.float64)
_DAY_AT = np.array([0, 6, 13, 22, 30, 36, 44, 50], dtype=np.int64)


# ----------------------------------------------------------------- small writers
@_jit
def _put_int(z, w, v, width):
    return put_uint(z, put_mark(z, w, v < 0, 45.0), abs(v), width)


@_jit
def _copy(z, w, src, a, n):
    for j in range(n):
        z[w + j] = src[a + j]
    return w + n


# ----------------------------------------------------------------- exact decimal rounding
@_jit
def round15(x, d):
    """float(Decimal(f"{x:.15g}").quantize(10**-d, ROUND_HALF_UP)) (d >= 0)."""
    if x == 0.0:
        return 0.0
    a = abs(x)
    q, k = digits15(a)
    keep = k + 1 + d
    if keep >= 15:
        r = dec_float(q, k - 14, False)
    elif keep < 0:
        r = 0.0
    else:
        cut = 10 ** (15 - keep)
        m = q // cut
        if q % cut * 2 >= cut:
            m += 1
        r = dec_float(m, -d, False)
    return r if x > 0.0 else -r


@_jit
def rounded_for(x, rnd):
    """rounded_for_format's result for decimals ``rnd`` (< 0: x as it is)."""
    if rnd < 0.0:
        return x
    got = round15(x, int(rnd))
    return got if got != 0.0 else x


@_jit
def _fixed_digits(v, d, out):
    """The decimal digits of round_half_even(v * 10**d) (v >= 0 finite, 0 <= d <= 40), as
    Python's f-format rounds the exact binary value: most significant first in out; the
    count (at least d + 1, zero-padded)."""
    a = np.zeros(_CAP + 8, dtype=np.int64)
    n = 0
    if v != 0.0:
        f, big_e = math.frexp(v)
        m = int(f * 9007199254740992.0)
        e = big_e - 53
        n = _bn_set(a, m)
        n = _bn_pow10(a, n, d)
        if e >= 0:
            n = _bn_shl(a, n, e)
        else:
            n = _shr_round_even(a, n, -e)
    # digits by repeated division by 10
    tmp = np.empty(400, dtype=np.int64)
    c = 0
    while n > 0:
        rem = 0
        for i in range(n - 1, -1, -1):
            cur = (rem << 30) | a[i]
            a[i] = cur // 10
            rem = cur % 10
        while n > 0 and a[n - 1] == 0:
            n -= 1
        tmp[c] = rem
        c += 1
    while c < d + 1:
        tmp[c] = 0
        c += 1
    for j in range(c):
        out[j] = 48 + tmp[c - 1 - j]
    return c


@_jit
def _digits15_whole(v, out):
    """The digits of a whole v >= 2**53 as Excel writes it: its 15 significant digits (Python's
    ``.15g``), zeros after them; most significant first in out; the count."""
    q, k = digits15(v)
    for j in range(14, -1, -1):
        out[j] = 48 + q % 10
        q //= 10
    for j in range(15, k + 1):
        out[j] = 48.0
    return k + 1


@_jit
def _shr_round_even(a, n, k):
    """``a`` >>= k bits, rounded half to even; the new limb count."""
    # the bit just below the cut, and whether any below it is set
    hb = k - 1
    half = (a[hb // 30] >> (hb % 30)) & 1 if hb // 30 < n else 0
    sticky = False
    for i in range(min(hb // 30, n)):
        if a[i] != 0:
            sticky = True
            break
    if not sticky and hb // 30 < n and (a[hb // 30] & ((1 << (hb % 30)) - 1)) != 0:
        sticky = True
    w = k // 30
    b = k % 30
    m = n - w
    if m <= 0:
        a[:] = 0
        m = 0
    else:
        for i in range(m):
            lo = a[i + w] >> b
            hi = (a[i + w + 1] << (30 - b)) & ((1 << 30) - 1) if (b > 0 and i + w + 1 < n) \
                else 0
            a[i] = lo | hi
        for i in range(m, n):
            a[i] = 0
        while m > 0 and a[m - 1] == 0:
            m -= 1
    if half == 1 and (sticky or (m > 0 and (a[0] & 1) == 1)):
        if m == 0:
            a[0] = 1
            return 1
        return _bn_add1(a, m)
    return m


@_jit
def _bn_add1(a, n):
    i = 0
    while True:
        a[i] += 1
        if a[i] < (1 << 30):
            break
        a[i] = 0
        i += 1
    return max(n, i + 1)


# ----------------------------------------------------------------- General (11 characters)
@_jit
def _general11(z, w, x):
    """engine.functions._format_code.general_text(x) at z[w:]; the new end."""
    if x == 0.0 or not math.isfinite(x):
        z[w] = 48.0
        return w + 1
    start = w
    w = put_mark(z, w, x < 0.0, 45.0)
    a = abs(x)
    if 1e-9 <= a < 1e11:
        digits = max(int(math.floor(math.log10(a))) + 1, 1)
        places = max(10 - digits, 0)
        q, k = digits15(a)
        keep = k + 1 + places
        # m * 10**-places: the 15 digits rounded half up to ``places`` decimals
        if keep >= 15:
            m = q * 10 ** (keep - 15)
        elif keep < 0:
            m = 0
        else:
            cut = 10 ** (15 - keep)
            m = q // cut
            if q % cut * 2 >= cut:
                m += 1
        whole = m // 10 ** places
        frac = m % 10 ** places
        nw = 1
        t = whole
        while t >= 10:
            t //= 10
            nw += 1
        if nw <= 11:
            w = put_uint(z, w, whole, 1)
            if frac != 0:
                nf = places
                while frac % 10 == 0:
                    frac //= 10
                    nf -= 1
                z[w] = 46.0
                w = put_uint(z, w + 1, frac, nf)
            return w
        w = start + (1 if x < 0.0 else 0)
    q, k = digits_n(a, 6)
    nd = 6
    while q % 10 == 0 and nd > 1:
        q //= 10
        nd -= 1
    lead = q // 10 ** (nd - 1)
    z[w] = 48 + lead
    w += 1
    if nd > 1:
        z[w] = 46.0
        w = put_uint(z, w + 1, q % 10 ** (nd - 1), nd - 1)
    z[w] = 69.0
    z[w + 1] = 43.0 if k >= 0 else 45.0
    return put_uint(z, w + 2, abs(k), 2)


# ----------------------------------------------------------------- scientific
@_jit
def _scientific(z, w, x, p, at):
    """engine.functions._format_code.scientific_text at z[w:] (plan fields at p[at:])."""
    zeros, places, ndec, required = int(p[at]), int(p[at + 1]), int(p[at + 2]), int(p[at + 3])
    point, letter, plus, ezeros = p[at + 4], p[at + 5], p[at + 6], int(p[at + 7])
    a = abs(x)
    e = 0
    if a != 0.0:
        e = int(math.floor(math.floor(math.log10(a)) / places)) * places
    big = 10 ** (places + ndec)
    mant = _sci_mant(a, e, ndec)
    if mant >= big:
        e += places
        mant = _sci_mant(a, e, ndec)
    w = put_mark(z, w, x < 0.0 and mant != 0, 45.0)
    whole = mant // 10 ** ndec
    frac = mant % 10 ** ndec
    if whole != 0:
        w = put_uint(z, w, whole, zeros)
    else:
        for _ in range(zeros):
            z[w] = 48.0
            w += 1
    if point != 0.0:
        z[w] = 46.0
        w += 1
    # frac as ndec digits, trailing zeros dropped down to ``required``
    nf = ndec
    while nf > required and frac % 10 == 0:
        frac //= 10
        nf -= 1
    if nf > 0:
        w = put_uint(z, w, frac, nf)
    z[w] = letter
    w += 1
    w = put_mark(z, w, e < 0 or plus != 0.0, 45.0 if e < 0 else 43.0)
    return put_uint(z, w, abs(e), ezeros)


@_jit
def _sci_mant(a, e, ndec):
    """Decimal(f"{a:.15g}").scaleb(-e).quantize(10**-ndec, ROUND_HALF_UP) * 10**ndec."""
    if a == 0.0:
        return 0
    q, k = digits15(a)
    s = k - 14 - e + ndec          # the 15 digits' scale
    if s >= 0:
        return q * 10 ** s
    if s < -16:
        return 0
    cut = 10 ** (-s)
    m = q // cut
    if q % cut * 2 >= cut:
        m += 1
    return m


# ----------------------------------------------------------------- choosing a section
_OPS_LT, _OPS_GT, _OPS_EQ, _OPS_LE, _OPS_GE, _OPS_NE = 1.0, 2.0, 3.0, 4.0, 5.0, 6.0


@_jit
def _test(op, x, b):
    if op == _OPS_LT:
        return x < b
    if op == _OPS_GT:
        return x > b
    if op == _OPS_EQ:
        return x == b
    if op == _OPS_LE:
        return x <= b
    if op == _OPS_GE:
        return x >= b
    return x != b


@_jit
def _body(x, p, o):
    """The body plan (absolute offset) that formats x: conditional_section."""
    if p[o] == 0.0:
        return o + int(p[o + 6])
    if _test(p[o + 1], x, p[o + 2]):
        return o + int(p[o + 6])
    nparts = p[o + 5]
    if nparts == 1.0:
        return o + int(p[o + 9])              # General
    if p[o + 3] == 0.0 or _test(p[o + 3], x, p[o + 4]):
        return o + int(p[o + 7])
    return o + int(p[o + 8]) if nparts > 2.0 else o + int(p[o + 9])


@_jit
def _prepared(x, p, b):
    """x scaled and rounded as the body at p[b:] wants it (scaled_format, rounded_for_format)."""
    x1 = x / p[b + 1]
    nr = p[b + 2]
    i = 0
    if x1 < 0.0 and nr > 1.0:
        i = 1
    elif x1 == 0.0 and nr > 2.0:
        i = 2
    return rounded_for(x1, p[b + 3 + i])


@_jit
def _section(data, p, b):
    """The pycel section (absolute offset) that formats ``data``, or -1 (no sections)."""
    nsec = p[b + 6]
    if nsec == 0.0:
        return -1
    i = 0
    if data == 0.0 and nsec > 2.0:
        i = 2
    elif data < 0.0 and nsec > 1.0:
        i = 1
    return b + int(p[b + 7 + i])


@_jit
def _dt_bad(data, p, s):
    """Whether a date/time section fails for ``data`` (pycel's #VALUE!)."""
    ntok = int(p[s + 1])
    at = s + 2
    inside = 0.0 <= data < DATE_MAX_INT
    for _ in range(ntok):
        tag = p[at]
        if tag == T_BAD:
            return True
        if tag >= T_DT0 and not inside and int(tag - T_DT0) not in _ELAPSED:
            return True
        at += 2 + int(p[at + 1])
    return False


@_jit
def dformat_bad(x, kv, off):
    """1.0 where TEXT(x, format) is #VALUE! in the reference (a date out of range, a token
    pycel cannot write), else 0.0; ``kv[off:]`` the format's plan."""
    if not math.isfinite(x):
        return 0.0
    o = int(off)
    b = _body(x, kv, o)
    if kv[b] != PYCEL:
        return 0.0
    data = _prepared(x, kv, b)
    s = _section(data, kv, b)
    if s < 0 or kv[s] != DT:
        return 0.0
    return 1.0 if _dt_bad(data, kv, s) else 0.0


# ----------------------------------------------------------------- pycel's TextFormat
@_jit
def _civil(days):
    """(year, month, day) of days since 1970-01-01 (proleptic Gregorian)."""
    zz = days + 719468
    era = (zz if zz >= 0 else zz - 146096) // 146097
    doe = zz - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return (y + 1 if m <= 2 else y), m, d


@_jit
def _datetime_parts(serial):
    """pycel's DateTimeFormatter fields of a serial in [0, DATE_MAX_INT): y, m, d, hour,
    minute, second, microsecond, weekday (Monday 0, Excel's before 1900-03-01)."""
    stamp = int(serial)
    if stamp == 60:
        y, m, d = 1900, 2, 29
    elif stamp == 0:
        y, m, d = 1900, 1, 0
    else:
        y, m, d = _civil(stamp - 25569 + (1 if stamp < 60 else 0))
    at_hours = (serial + (1.0 / 24 / 60 / 60 / 1e6) / 1.5) * 24
    hours = math.floor(at_hours)
    at_mins = (at_hours - hours) * 60
    mins = math.floor(at_mins)
    at_secs = (at_mins - mins) * 60
    secs = math.floor(at_secs)
    micro = int((at_secs - secs) * 1e6 - 0.5)
    wd = (stamp + 5) % 7
    return y, m, d, int(hours) % 24, int(mins), int(secs), micro, wd


@_jit
def _name(z, w, table, at, i, n):
    """Name i of a names table (its first n characters, all of it for n < 0)."""
    a, b = at[i], at[i + 1]
    if n >= 0:
        b = min(b, a + n)
    return _copy(z, w, table, a, b - a)


@_jit
def _write_dt(z, w, data, p, s):
    ntok = int(p[s + 1])
    at = s + 2
    inside = 0.0 <= data < DATE_MAX_INT
    y = mo = d = hh = mi = ss = us = wd = 0
    if inside:
        y, mo, d, hh, mi, ss, us, wd = _datetime_parts(data)
    h12 = hh % 12
    if h12 == 0:
        h12 = 12
    for _ in range(ntok):
        tag = p[at]
        n = int(p[at + 1])
        if tag == T_STR:
            w = _copy(z, w, p, at + 2, n)
        else:
            c = int(tag - T_DT0)
            if c == 0:
                w = put_uint(z, w, y, 4)
            elif c == 1:
                w = put_uint(z, w, y % 100, 2)
            elif c == 2:
                w = _name(z, w, _MONTHS, _MONTH_AT, mo - 1, 1)
            elif c == 3:
                w = _name(z, w, _MONTHS, _MONTH_AT, mo - 1, -1)
            elif c == 4:
                w = _name(z, w, _MONTHS, _MONTH_AT, mo - 1, 3)
            elif c == 5:
                w = put_uint(z, w, mo, 2)
            elif c == 6:
                w = put_uint(z, w, mo, 1)
            elif c == 7:
                w = _name(z, w, _DAYS, _DAY_AT, wd, -1)
            elif c == 8:
                w = _name(z, w, _DAYS, _DAY_AT, wd, 3)
            elif c <= 18:   # dd d hh h HH H MM M ss s: two digits, then one
                part = (d, hh, h12, mi, ss)[(c - 9) // 2]
                w = put_uint(z, w, part, 2 - (c - 9) % 2)
            elif c == 19:
                z[w] = 46.0
                w += 1
            elif c <= 22:
                z[w] = 46.0
                scale = 10.0 ** (6 - (c - 19))
                w = put_uint(z, w + 1, int(np.rint(us / scale)), c - 19)
            elif c <= 25:
                if inside:
                    el = int(data) * 24 + hh
                    if c >= 24:
                        el = el * 60 + mi
                    if c == 25:
                        el = el * 60 + ss
                else:
                    ef = data * 24
                    if c == 24:
                        ef *= 60
                    elif c == 25:
                        ef *= 3600
                    el = int(ef)
                w = _put_int(z, w, el, 1)
            else:
                am = hh < 12
                if c == 26:
                    z[w] = 65.0 if am else 80.0
                    z[w + 1] = 77.0
                    w += 2
                elif c == 27:
                    z[w] = 97.0 if am else 112.0
                    w += 1
                elif c == 28:
                    z[w] = 65.0 if am else 80.0
                    w += 1
                elif c == 29:
                    z[w] = 65.0 if am else 112.0
                    w += 1
                else:
                    z[w] = 97.0 if am else 80.0
                    w += 1
        at += 2 + n
    return w


@_jit
def _convert(z, w, p, at, ntok, s, ns, left, neg):
    """pycel's _number_token_converter: the tokens at p[at:] (already in the order it walks
    them, literals of the left side reversed) over the digits s[:ns] (walked from the end
    on the left side); written at z[w:] in walking order (the caller reverses the left
    side).  ``neg``: a '-' literal before the left tokens.  The new end and plan offset."""
    fill = np.empty(300, dtype=np.float64)
    nf = 0
    i = ns - 1 if left else 0
    for _ in range(ntok):
        tag = p[at]
        n = int(p[at + 1])
        if tag == T_STR:
            for j in range(n):
                fill[nf] = p[at + 2 + j]
                nf += 1
            at += 2 + n
            continue
        for j in range(nf):
            z[w] = fill[j]
            w += 1
        nf = 0
        dflt = p[at + 2]
        for _k in range(n):
            have = i >= 0 if left else i < ns
            c = (s[i] if have else dflt)
            if have:
                i = i - 1 if left else i + 1
            if c >= 0.0:
                z[w] = c
                w += 1
                if not (48.0 <= c <= 57.0):
                    have = i >= 0 if left else i < ns
                    c = (s[i] if have else dflt)
                    if have:
                        i = i - 1 if left else i + 1
                    if c >= 0.0:
                        z[w] = c
                        w += 1
        at += 3
    if neg:
        fill[nf] = 45.0
        nf += 1
    if left:
        while i >= 0:
            z[w] = s[i]
            w += 1
            i -= 1
    else:
        while i < ns:
            z[w] = s[i]
            w += 1
            i += 1
    for j in range(nf):
        z[w] = fill[j]
        w += 1
    return w, at


@_jit
def _write_num(z, w, data, p, s, neg, whole):
    """pycel's _number_converter: plan p[s:] = [NUM, factor, decimal, decimals, thousands,
    nleft, nright, left tokens..., right tokens...].  ``whole``: pycel holds the number as a
    Python int (a whole number outside the dates), so its percent scaling is exact; from
    2**53 up the int of its 15 significant digits, zeros after them, with a fixed point too
    (engine.functions._format_code.excel_whole: Excel's digits, not the double's)."""
    v = data * p[s + 1]
    decimal = p[s + 2] != 0.0
    d = int(p[s + 3])
    comma = p[s + 4] != 0.0
    nleft, nright = int(p[s + 5]), int(p[s + 6])
    dig = np.empty(420, dtype=np.float64)
    big = whole and data >= _WHOLE_DIGITS
    if big or (whole and not decimal):   # the int's digits, then two zeros per percent sign
        nd = _digits15_whole(data, dig) if big else _fixed_digits(abs(data), 0, dig)
        f = p[s + 1]
        while f >= 100.0 and not (nd == 1 and dig[0] == 48.0):
            dig[nd] = 48.0
            dig[nd + 1] = 48.0
            nd += 2
            f /= 100.0
        if decimal:   # the fixed point's zeros
            for _ in range(d):
                dig[nd] = 48.0
                nd += 1
    else:
        nd = _fixed_digits(abs(v), d if decimal else 0, dig)
    nint = nd - d if decimal else nd
    # the left side: integer digits with commas, then lstrip('0')
    lft = np.empty(560, dtype=np.float64)
    nl = 0
    if decimal and (v < 0.0 or (v == 0.0 and math.copysign(1.0, v) < 0.0)):
        lft[nl] = 45.0
        nl += 1
    for j in range(nint):
        lft[nl] = dig[j]
        nl += 1
        if comma and j < nint - 1 and (nint - 1 - j) % 3 == 0:
            lft[nl] = 44.0
            nl += 1
    a = 0
    while a < nl and lft[a] == 48.0:
        a += 1
    rgt = np.empty(64, dtype=np.float64)
    nr = 0
    if decimal:
        for j in range(nint, nd):
            rgt[nr] = dig[j]
            nr += 1
        while nr > 0 and rgt[nr - 1] == 48.0:
            nr -= 1
    start = w
    w, at = _convert(z, w, p, s + 7, nleft, lft[a:nl], nl - a, True, neg)
    # reverse the left side in place
    i, j = start, w - 1
    while i < j:
        z[i], z[j] = z[j], z[i]
        i += 1
        j -= 1
    if decimal:
        z[w] = 46.0
        w, at = _convert(z, w + 1, p, at, nright, rgt, nr, False, False)
    return w


@_jit
def _write_pycel(z, w, data, p, b):
    s = _section(data, p, b)
    if s < 0:
        return put_mark(z, w, data < 0.0, 45.0)
    kind = p[s]
    if kind == DT:
        return _write_dt(z, w, data, p, s)
    neg = False
    whole = data == math.floor(data) and (data < 0.0 or data >= DATE_MAX_INT)
    if data < 0.0:
        data = -data
        neg = p[b + 6] < 2.0
    if kind == NUM:
        return _write_num(z, w, data, p, s, neg, whole)
    w = put_mark(z, w, neg, 45.0)
    n = int(p[s + 1])
    return _copy(z, w, p, s + 2, n)


@_jit
def dput_format(z, pos, x, kv, off):
    """TEXT(x, format) at z[pos:] (``kv[off:]`` the format's plan; x finite; where
    :func:`dformat_bad` says #VALUE!, whatever is written is not read); the new end."""
    w = int(pos)
    if not math.isfinite(x):
        return pos
    o = int(off)
    b = _body(x, kv, o)
    kind = kv[b]
    if kind == GENERAL:
        return float(_general11(z, w, x))
    data = _prepared(x, kv, b)
    if kind == SCI:
        return float(_scientific(z, w, data, kv, b + 6))
    return float(_write_pycel(z, w, data, kv, b))


__all__ = ["KERNEL_NAMES", *KERNEL_NAMES]
