"""Text made per trial read as a number, in the fused kernel: exactly the numpy reference's
readings of text (:mod:`engine.values`, :mod:`engine.functions.text`,
:mod:`engine.functions._scalars`, :mod:`engine.functions.text_format`) over the code points
of the dynamic text buffer (``z[a:b]``, ASCII: the generator refuses other text).

* ``dnum(z, a, b, shift, mode)``: mode 0, arithmetic and arguments
  (:func:`engine.values.to_number`: ``parse_number``, then ``parse_date_text``); mode 1,
  VALUE (:func:`engine.functions.text.to_number_ext`: also ``(1,000)`` and the strptime
  forms of ``parse_datetime``); mode 2, ``parse_number`` alone.  NaN where the reference's
  answer is #VALUE!.
* ``dbool(z, a, b)``: the text as a logical test (:func:`engine.values.to_bool`): 1 for
  TRUE, 0 for FALSE (any case, stripped), NaN for #VALUE!.
* ``dnumbervalue(z, a, b, dec, group)``: NUMBERVALUE with the separators' code points
  (:func:`engine.functions.text_format.number_value`): NaN for #VALUE!, inf for #NUM!.

``shift`` is the workbook's date shift (1,462 in the 1904 date system).  Python's own
grammars are followed to the character: ``float()`` (underscores between digits, its own
whitespace set), ``str.strip``/``re``'s ``\\s`` (which also hold code points 28-31), and
``time.strptime``'s regular expressions, matched with the same backtracking order (the
first match wins; text left after it is an error) from a table of the formats
(:data:`FORMATS`, built from the reference's own lists).  The CUDA twin is
:mod:`engine.backends.cupy._rt_dvalue`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._decimal import dec_float

_jit = njit(nogil=True, cache=True, error_model="numpy")

# the names a generated kernel imports from this module
KERNEL_NAMES = ("dnum", "dnumbervalue", "dbool")

# ---------------------------------------------------------------- strptime formats as tokens
T_WS, T_D, T_LM, T_UY, T_LY, T_LB, T_UB, T_UH, T_UM, T_US, T_LF, T_UI, T_LP = range(1, 14)
T_LIT = 256            # a literal character: T_LIT + its code point
MAX_TOKENS = 20
_DIRECTIVES = {"d": T_D, "m": T_LM, "Y": T_UY, "y": T_LY, "b": T_LB, "B": T_UB, "H": T_UH,
               "M": T_UM, "S": T_US, "f": T_LF, "I": T_UI, "p": T_LP}
MONTH_ABBR = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_FULL = ("january", "february", "march", "april", "may", "june", "july", "august",
              "september", "october", "november", "december")


def _tokens(fmt: str) -> list[int]:
    out: list[int] = []
    j = 0
    while j < len(fmt):
        ch = fmt[j]
        if ch == "%":
            out.append(_DIRECTIVES[fmt[j + 1]])
            j += 2
            continue
        if ch.isspace():
            if not out or out[-1] != T_WS:
                out.append(T_WS)
        else:
            out.append(T_LIT + ord(ch))
        j += 1
    return out


def _format_table() -> np.ndarray:
    """One row per format of parse_datetime, in its order: [tokens..., count, is a time
    alone, has %y]."""
    from ...functions.text import _DATES, _TIMES

    fmts = [*_DATES, *_TIMES, *(f"{d} {h}" for d in _DATES for h in _TIMES)]
    rows = np.zeros((len(fmts), MAX_TOKENS + 3), dtype=np.int64)
    for k, fmt in enumerate(fmts):
        toks = _tokens(fmt)
        assert len(toks) <= MAX_TOKENS
        rows[k, :len(toks)] = toks
        rows[k, MAX_TOKENS] = len(toks)
        rows[k, MAX_TOKENS + 1] = 1 if fmt in _TIMES else 0
        rows[k, MAX_TOKENS + 2] = 1 if "%y" in fmt else 0
    return rows


def _names(names: tuple[str, ...], longest_first: bool) -> np.ndarray:
    """[month, length, code points...] per alternative of strptime's regular expression
    (its %B tries the longest names first)."""
    order = sorted(range(12), key=lambda k: -len(names[k])) if longest_first else range(12)
    rows = np.zeros((12, 12), dtype=np.int64)
    for r, k in enumerate(order):
        rows[r, 0], rows[r, 1] = k + 1, len(names[k])
        rows[r, 2:2 + len(names[k])] = [ord(ch) for ch in names[k]]
    return rows


FORMATS = _format_table()
TRUE_FALSE = np.array([[float(ord(c)) for c in "true "], [float(ord(c)) for c in "false"]])
ABBR = _names(MONTH_ABBR, False)
FULL = _names(MONTH_FULL, True)


# ---------------------------------------------------------------- characters
@_jit
def _sp(c):
    """str.strip / str.split / re's \\s (ASCII)."""
    return c == 32.0 or 9.0 <= c <= 13.0 or 28.0 <= c <= 31.0


@_jit
def _fsp(c):
    """The whitespace float() strips."""
    return c == 32.0 or 9.0 <= c <= 13.0


@_jit
def _dig(c):
    return 48.0 <= c <= 57.0


@_jit
def _low(c):
    return c + 32.0 if 65.0 <= c <= 90.0 else c


@_jit
def _strip(z, a, b):
    while a < b and _sp(z[a]):
        a += 1
    while b > a and _sp(z[b - 1]):
        b -= 1
    return a, b


@_jit
def _run(z, i, b):
    """The end of the run of digits at z[i:]."""
    while i < b and _dig(z[i]):
        i += 1
    return i


@_jit
def _int(z, a, b):
    v = 0
    for j in range(a, b):
        if _dig(z[j]):
            v = v * 10 + int(z[j]) - 48
    return v


# ---------------------------------------------------------------- float()
@_jit
def _skip(z, j, b, commas):
    while commas and j < b and z[j] == 44.0:
        j += 1
    return j


@_jit
def _add_digit(d, q, nq, scale, sticky, frac):
    """Digit d added to the mantissa q (nq digits, at most 18 kept) * 10**scale (``frac``:
    after the point), ``sticky`` where a digit past those is not 0: the new four."""
    if nq < 18:
        if q != 0 or d != 0:
            q = q * 10 + d
            nq += 1
        if frac:
            scale -= 1
    else:
        if not frac:
            scale += 1
        sticky = sticky or d != 0
    return q, nq, scale, sticky


@_jit
def _digitpart(z, i, e, commas, q, nq, scale, sticky, frac):
    """A run of digits with single underscores between them (Python's digitpart) at z[i:e],
    commas left out where ``commas``; its digits added to the mantissa q * 10**scale."""
    seen = 0
    while i < e:
        c = z[i]
        if _dig(c):
            seen += 1
            q, nq, scale, sticky = _add_digit(int(c) - 48, q, nq, scale, sticky, frac)
            i = _skip(z, i + 1, e, commas)
        elif c == 95.0 and seen > 0:
            k = _skip(z, i + 1, e, commas)
            if k < e and _dig(z[k]):
                i = k
            else:
                break
        else:
            break
    return i, q, nq, scale, sticky, seen


@_jit
def _pyfloat(z, a, b, commas):
    """Python's float() of z[a:b] (its commas left out where ``commas``); NaN where float()
    raises, and for nan and inf (never a number for the reference)."""
    i = _skip(z, a, b, commas)
    while i < b and _fsp(z[i]):
        i = _skip(z, i + 1, b, commas)
    e = b
    while e > i and ((commas and z[e - 1] == 44.0) or _fsp(z[e - 1])):
        e -= 1
    neg = False
    if i < e and (z[i] == 43.0 or z[i] == 45.0):
        neg = z[i] == 45.0
        i = _skip(z, i + 1, e, commas)
    i, q, nq, scale, sticky, n1 = _digitpart(z, i, e, commas, 0, 0, 0, False, False)
    n2 = 0
    if i < e and z[i] == 46.0:
        i = _skip(z, i + 1, e, commas)
        i, q, nq, scale, sticky, n2 = _digitpart(z, i, e, commas, q, nq, scale, sticky, True)
    if n1 + n2 == 0:
        return math.nan
    ex = 0
    if i < e and (z[i] == 69.0 or z[i] == 101.0):
        i = _skip(z, i + 1, e, commas)
        eneg = False
        if i < e and (z[i] == 43.0 or z[i] == 45.0):
            eneg = z[i] == 45.0
            i = _skip(z, i + 1, e, commas)
        nd = 0
        while i < e:
            c = z[i]
            if _dig(c):
                if ex < 100000:
                    ex = ex * 10 + int(c) - 48
                nd += 1
                i = _skip(z, i + 1, e, commas)
            elif c == 95.0 and nd > 0:
                k = _skip(z, i + 1, e, commas)
                if k < e and _dig(z[k]):
                    i = k
                else:
                    break
            else:
                break
        if nd == 0:
            return math.nan
        if eneg:
            ex = -ex
    if i != e:
        return math.nan
    x = dec_float(q, scale + ex, sticky)
    if math.isinf(x):
        return math.nan
    return -x if neg else x


@_jit
def _parse_number(z, a, b):
    """engine.values.parse_number of z[a:b]; NaN where it is None."""
    a, b = _strip(z, a, b)
    if a >= b:
        return math.nan
    pct = z[b - 1] == 37.0
    if pct:
        a, b = _strip(z, a, b - 1)
    last = -1
    cut = b
    for j in range(a, b):
        if z[j] == 44.0:
            last = j
        elif cut == b and (z[j] == 46.0 or z[j] == 69.0 or z[j] == 101.0):
            cut = j
    commas = 0 <= last < cut   # group separators of the integer part only
    s = _skip(z, a, b, commas)
    if s < b and (z[s] == 43.0 or z[s] == 45.0):
        p = _skip(z, s + 1, b, commas)
        if p < b and z[p] == 36.0:   # "-$5": float() of the sign and what follows the $
            q = _skip(z, p + 1, b, commas)
            if q < b and (_fsp(z[q]) or z[q] == 43.0 or z[q] == 45.0):
                return math.nan
            x = _pyfloat(z, q, b, commas)
            x = -x if z[s] == 45.0 else x
            return x / 100.0 if pct else x
    if s < b and z[s] == 36.0:
        s += 1
    x = _pyfloat(z, s, b, commas)
    return x / 100.0 if pct else x


# ---------------------------------------------------------------- dates (_scalars)
@_jit
def _days(y, m, d):
    """Days from 1970-01-01 of a proleptic Gregorian date."""
    y -= 1 if m <= 2 else 0
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m - 3 if m > 2 else m + 9) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@_jit
def _mdays(y, m):
    if m == 2:
        return 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28
    return 30 if m in (4, 6, 9, 11) else 31


@_jit
def _valid(y, m, d):
    return 1 <= y <= 9999 and 1 <= m <= 12 and 1 <= d <= _mdays(y, m)


@_jit
def _serial_of(y, m, d, shift):
    """engine.functions._scalars.serial_of (NaN for None)."""
    if not _valid(y, m, d):
        return 60.0 if (y == 1900 and m == 2 and d == 29) else math.nan
    s = _days(y, m, d) + 25569
    return float(s - 1 if s <= 60 else s) - shift


@_jit
def _decimal(z, a, b):
    """float() of digits with at most one point (seconds)."""
    q = 0
    nq = 0
    scale = 0
    sticky = False
    frac = False
    for j in range(a, b):
        c = z[j]
        if c == 46.0:
            frac = True
            continue
        q, nq, scale, sticky = _add_digit(int(c) - 48, q, nq, scale, sticky, frac)
    return dec_float(q, scale, sticky)


@_jit
def _ampm(z, i, b):
    """[ap]m at z[i:] (any case): 1 am, 2 pm, 0 neither."""
    if i + 1 < b and _low(z[i + 1]) == 109.0:
        c = _low(z[i])
        if c == 97.0:
            return 1
        if c == 112.0:
            return 2
    return 0


@_jit
def _clock(z, i, b):
    """``:(\\d{2})(?::(\\d{2}(?:\\.\\d*)?))?\\s*([ap]m)?`` then the end, at z[i:] (the
    part after the hour): (ok, minutes, seconds, am/pm)."""
    if not (i + 2 < b and z[i] == 58.0 and _dig(z[i + 1]) and _dig(z[i + 2])):
        return False, 0, 0.0, 0
    mm = _int(z, i + 1, i + 3)
    i += 3
    ss = 0.0
    if i < b and z[i] == 58.0:
        if not (i + 2 < b and _dig(z[i + 1]) and _dig(z[i + 2])):
            return False, 0, 0.0, 0
        s0 = i + 1
        i += 3
        if i < b and z[i] == 46.0:
            i = _run(z, i + 1, b)
        ss = _decimal(z, s0, i)
    while i < b and _sp(z[i]):
        i += 1
    ap = _ampm(z, i, b)
    if ap:
        i += 2
    return i == b, mm, ss, ap


@_jit
def _time_text(z, a, b):
    """engine.functions._scalars.parse_time_text of stripped z[a:b]; NaN for None."""
    e = _run(z, a, b)
    if e == a or e - a > 4:
        return math.nan
    h = _int(z, a, e)
    if e < b and z[e] == 58.0:
        ok, mm, ss, ap = _clock(z, e, b)
    else:
        i = e
        while i < b and _sp(z[i]):
            i += 1
        ap = _ampm(z, i, b)
        ok, mm, ss = ap != 0 and i + 2 == b, 0, 0.0
    if not ok or mm > 59 or ss >= 60.0 or (ap != 0 and h > 12):
        return math.nan
    if ap != 0:
        h = h % 12 + (12 if ap == 2 else 0)
    return (float(h * 3600 + mm * 60) + ss) / 86400.0


@_jit
def _month(z, i):
    """The month of the three letters at z[i:] (0: none)."""
    for r in range(12):
        if (_low(z[i]) == ABBR[r, 2] and _low(z[i + 1]) == ABBR[r, 3]
                and _low(z[i + 2]) == ABBR[r, 4]):
            return r + 1
    return 0


@_jit
def _letters(z, i, b):
    while i < b and 97.0 <= _low(z[i]) <= 122.0:
        i += 1
    return i


@_jit
def _date_text(z, a, b, shift):
    """engine.functions._scalars.parse_date_text of z[a:b]; NaN for None."""
    a, b = _strip(z, a, b)
    y = m = d = 0
    form = 0
    i = a
    e1 = _run(z, a, b)
    if e1 > a:
        if e1 - a == 4 and e1 < b and (z[e1] == 45.0 or z[e1] == 47.0):   # ymd
            e2 = _run(z, e1 + 1, b)
            if 1 <= e2 - e1 - 1 <= 2 and e2 < b and (z[e2] == 45.0 or z[e2] == 47.0):
                e3 = _run(z, e2 + 1, b)
                if 1 <= e3 - e2 - 1 <= 2:
                    y, m, d = _int(z, a, e1), _int(z, e1 + 1, e2), _int(z, e2 + 1, e3)
                    form, i = 1, e3
        elif e1 - a <= 2 and e1 < b and (z[e1] == 45.0 or z[e1] == 47.0) and e1 + 1 < b \
                and _dig(z[e1 + 1]):                                        # mdy
            e2 = _run(z, e1 + 1, b)
            if e2 - e1 - 1 <= 2 and e2 < b and (z[e2] == 45.0 or z[e2] == 47.0):
                e3 = _run(z, e2 + 1, b)
                if 2 <= e3 - e2 - 1 <= 4:
                    m, d, y = _int(z, a, e1), _int(z, e1 + 1, e2), _int(z, e2 + 1, e3)
                    if m > 12 and d <= 12:
                        m, d = d, m
                    form, i = 2, e3
        elif e1 - a <= 2 and e1 < b and (z[e1] == 32.0 or z[e1] == 45.0):    # dby
            e2 = _letters(z, e1 + 1, b)
            if e2 - e1 - 1 >= 3:
                k = e2
                while k < b and (z[k] == 32.0 or z[k] == 44.0 or z[k] == 45.0):
                    k += 1
                e3 = _run(z, k, b)
                if k > e2 and 2 <= e3 - k <= 4:
                    d, m, y = _int(z, a, e1), _month(z, e1 + 1), _int(z, k, e3)
                    form, i = 3, e3
    else:
        e2 = _letters(z, a, b)                                              # bdy
        if e2 - a >= 3 and e2 < b and (z[e2] == 32.0 or z[e2] == 45.0):
            e3 = _run(z, e2 + 1, b)
            if 1 <= e3 - e2 - 1 <= 2:
                k = e3 + 1 if e3 < b and z[e3] == 44.0 else e3
                k0 = k
                while k < b and (z[k] == 32.0 or z[k] == 45.0):
                    k += 1
                e4 = _run(z, k, b)
                if k > k0 and 2 <= e4 - k <= 4:
                    m, d, y = _month(z, a), _int(z, e2 + 1, e3), _int(z, k, e4)
                    form, i = 4, e4
    if form != 0:   # the time part, if any, must follow to the end
        hh = -1
        mm = 0
        ss = 0.0
        ap = 0
        ok = i == b
        if not ok and _sp(z[i]):
            j = i
            while j < b and _sp(z[j]):
                j += 1
            e = _run(z, j, b)
            if 1 <= e - j <= 2:
                ok, mm, ss, ap = _clock(z, e, b)
                hh = _int(z, j, e)
        if ok:
            if y < 100:
                y += 2000 if y < 30 else 1900
            serial = _serial_of(y, m, d, shift) if m != 0 else math.nan
            if serial != serial:
                return math.nan
            if hh >= 0:
                h = hh % 12 + (12 if ap == 2 else 0) if ap != 0 else hh
                serial += (float(h * 3600 + mm * 60) + ss) / 86400.0
            return serial
    return _time_text(z, a, b)


# ---------------------------------------------------------------- strptime (parse_datetime)
@_jit
def _alt(t, n, tok, k, p):
    """Where alternative ``k`` of token ``tok`` of a strptime expression ends when it starts
    at t[p:] (-1: it does not match; -2: no such alternative)."""
    if tok >= T_LIT:
        if k > 0:
            return -2
        return p + 1 if p < n and t[p] == tok - T_LIT else -1
    if tok == T_WS:
        r = 0
        while p + r < n and _sp(t[p + r]):
            r += 1
        return p + r - k if k < r else -2
    if tok == T_LF:
        r = 0
        while p + r < n and r < 6 and _dig(t[p + r]):
            r += 1
        return p + r - k if k < r else -2
    if tok == T_LB or tok == T_UB or tok == T_LP:
        if tok == T_LP:
            if k > 1:
                return -2
            if p + 1 < n and _low(t[p]) == (97.0 if k == 0 else 112.0) and _low(t[p + 1]) == 109.0:
                return p + 2
            return -1
        if k > 11:
            return -2
        m = ABBR[k, 1] if tok == T_LB else FULL[k, 1]
        if p + m > n:
            return -1
        for j in range(m):
            want = ABBR[k, 2 + j] if tok == T_LB else FULL[k, 2 + j]
            if _low(t[p + j]) != want:
                return -1
        return p + m
    c0 = t[p] if p < n else -1.0
    c1 = t[p + 1] if p + 1 < n else -1.0
    d0, d1 = _dig(c0), _dig(c1)
    if tok == T_UY or tok == T_LY:
        if k > 0:
            return -2
        w = 4 if tok == T_UY else 2
        if p + w > n:
            return -1
        for j in range(w):
            if not _dig(t[p + j]):
                return -1
        return p + w
    if tok == T_D:   # 3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9]
        if k == 0:
            ok = c0 == 51.0 and (c1 == 48.0 or c1 == 49.0)
        elif k == 1:
            ok = (c0 == 49.0 or c0 == 50.0) and d1
        elif k == 2:
            ok = c0 == 48.0 and d1 and c1 != 48.0
        elif k == 3:
            return p + 1 if d0 and c0 != 48.0 else -1
        elif k == 4:
            ok = c0 == 32.0 and d1 and c1 != 48.0
        else:
            return -2
        return p + 2 if ok else -1
    if tok == T_LM or tok == T_UI:   # 1[0-2]|0[1-9]|[1-9]
        if k == 0:
            ok = c0 == 49.0 and 48.0 <= c1 <= 50.0
        elif k == 1:
            ok = c0 == 48.0 and d1 and c1 != 48.0
        elif k == 2:
            return p + 1 if d0 and c0 != 48.0 else -1
        else:
            return -2
        return p + 2 if ok else -1
    if tok == T_UH:   # 2[0-3]|[0-1]\d|\d
        if k == 0:
            ok = c0 == 50.0 and 48.0 <= c1 <= 51.0
        elif k == 1:
            ok = (c0 == 48.0 or c0 == 49.0) and d1
        elif k == 2:
            return p + 1 if d0 else -1
        else:
            return -2
        return p + 2 if ok else -1
    if tok == T_UM:   # [0-5]\d|\d
        if k == 0:
            ok = 48.0 <= c0 <= 53.0 and d1
        elif k == 1:
            return p + 1 if d0 else -1
        else:
            return -2
        return p + 2 if ok else -1
    # T_US: 6[0-1]|[0-5]\d|\d
    if k == 0:
        ok = c0 == 54.0 and (c1 == 48.0 or c1 == 49.0)
    elif k == 1:
        ok = 48.0 <= c0 <= 53.0 and d1
    elif k == 2:
        return p + 1 if d0 else -1
    else:
        return -2
    return p + 2 if ok else -1


@_jit
def _strptime(t, n, f, shift, start, alt):
    """parse_datetime's reading of t[:n] in format row ``f``: (1, value), (0, _) when
    strptime raises (the next format is tried), (2, _) for a date before 1900 (None);
    ``start`` and ``alt``: room for the match's token positions and alternatives."""
    count = FORMATS[f, MAX_TOKENS]
    start[0] = 0
    alt[0] = 0
    i = 0
    while i < count:
        e = _alt(t, n, FORMATS[f, i], alt[i], start[i])
        if e == -2:
            if i == 0:
                return 0, 0.0
            i -= 1
            alt[i] += 1
        elif e == -1:
            alt[i] += 1
        else:
            start[i + 1] = e
            alt[i + 1] = 0
            i += 1
    if start[count] != n:
        return 0, 0.0
    year, month, day, hour, minute, second, us, ampm, ihour = 1900, 1, 1, 0, 0, 0, 0, 0, -1
    for j in range(count):
        tok = FORMATS[f, j]
        a, b = start[j], start[j + 1]
        v = _int(t, a, b)
        if tok == T_UY:
            year = v
        elif tok == T_LY:
            year = v + (2000 if v <= 68 else 1900)
        elif tok == T_LM:
            month = v
        elif tok == T_D:
            day = v
        elif tok == T_LB:
            month = ABBR[alt[j], 0]
        elif tok == T_UB:
            month = FULL[alt[j], 0]
        elif tok == T_UH:
            hour = v
        elif tok == T_UI:
            ihour = v
        elif tok == T_UM:
            minute = v
        elif tok == T_US:
            second = v
        elif tok == T_LF:
            us = v
            for _ in range(6 - (b - a)):
                us *= 10
        elif tok == T_LP:
            ampm = alt[j] + 1
    if ihour >= 0:
        hour = ihour
        if ampm == 2:
            if hour != 12:
                hour += 12
        elif hour == 12:
            hour = 0
    if not _valid(year, month, day) or second > 59:
        return 0, 0.0
    if FORMATS[f, MAX_TOKENS + 2] == 1 and year >= 2030:
        year -= 100
    secs = hour * 3600 + minute * 60 + second
    if FORMATS[f, MAX_TOKENS + 1] == 1:
        return 1, float(secs * 1000000 + us) / 1e6 / 86400
    if year < 1900:
        return 2, 0.0
    whole = (_days(year, month, day) + 25569) * 86400 + secs
    # (when - epoch).total_seconds(): the microseconds over 10**6, correctly rounded
    if whole * 1000000 + us < 9007199254740992:
        total = float(whole * 1000000 + us) / 1e6
    else:
        total = float(whole) + us / 1e6
    serial = total / 86400
    return 1, (serial - 1.0 if serial < 61.0 else serial) - shift


@_jit
def _datetime(z, a, b, shift):
    """engine.functions.text.parse_datetime of z[a:b]; NaN for None."""
    t = np.empty(41, dtype=np.float64)
    n = 0
    a, b = _strip(z, a, b)
    digit = False
    j = a
    while j < b:
        c = z[j]
        if _sp(c):
            while j < b and _sp(z[j]):
                j += 1
            c = 32.0
        else:
            j += 1
        if n == 41:
            return math.nan
        ok = _dig(c) or 97.0 <= _low(c) <= 122.0 or c == 95.0 or c == 32.0 or c == 47.0 \
            or c == 58.0 or c == 46.0 or c == 44.0 or c == 45.0
        if not ok:
            return math.nan
        digit = digit or _dig(c)
        t[n] = c
        n += 1
    if n < 3 or n > 40 or not digit:
        return math.nan
    start = np.empty(MAX_TOKENS + 1, dtype=np.int64)
    alt = np.empty(MAX_TOKENS + 1, dtype=np.int64)
    # a format's first token needs a digit (numbers) or a month's first three letters
    # (%b, %B): formats that cannot match are not tried
    month = n >= 3 and _month(t, 0) != 0
    for f in range(FORMATS.shape[0]):
        if not (month if FORMATS[f, 0] == T_LB or FORMATS[f, 0] == T_UB else _dig(t[0])):
            continue
        got, x = _strptime(t, n, f, shift, start, alt)
        if got == 1:
            return x
        if got == 2:
            return math.nan
    return math.nan


@_jit
def _accounting(z, a, b):
    """``(x)`` (engine.functions.text._parse_text): -parse_number(x); NaN otherwise."""
    i = a
    while i < b and _sp(z[i]):
        i += 1
    e = b
    while e > i and _sp(z[e - 1]):
        e -= 1
    if not (e - i >= 3 and z[i] == 40.0 and z[e - 1] == 41.0):
        return math.nan
    for j in range(i + 1, e - 1):
        if z[j] == 10.0:
            return math.nan
    return -_parse_number(z, i + 1, e - 1)


# ---------------------------------------------------------------- kernel helpers
@_jit
def dnum(z, a, b, shift, mode):
    """z[a:b] read as a number (mode 0: to_number, 1: VALUE's to_number_ext, 2:
    parse_number); NaN where the reference's answer is #VALUE!."""
    ia, ib = int(a), int(b)
    x = _parse_number(z, ia, ib)
    if x == x or mode == 2.0:
        return x
    x = _date_text(z, ia, ib, shift)
    if x == x or mode == 0.0:
        return x
    x = _accounting(z, ia, ib)
    if x == x:
        return x
    return _datetime(z, ia, ib, shift)


@_jit
def dnumbervalue(z, a, b, dec, group):
    """engine.functions.text_format.number_value(z[a:b], chr(dec), chr(group)): NaN for
    None (#VALUE!), inf where the number overflows (#NUM!)."""
    if dec == group:
        return math.nan
    ia, ib = int(a), int(b)
    t = np.empty(max(ib - ia, 1) + 1, dtype=np.float64)
    n = 0
    for j in range(ia, ib):
        if not _sp(z[j]):
            t[n] = z[j]
            n += 1
    if n == 0:
        return 0.0
    pct = 0
    while n > 0 and t[n - 1] == 37.0:
        n -= 1
        pct += 1
    lo = 0
    neg = n >= 2 and t[0] == 40.0 and t[n - 1] == 41.0
    if neg:
        lo, n = 1, n - 1
        while n > lo and t[n - 1] == 37.0:
            n -= 1
            pct += 1
        if n > lo and (t[lo] == 43.0 or t[lo] == 45.0):
            return math.nan
    at = -1
    for j in range(lo, n):
        if t[j] == dec:
            if at >= 0:
                return math.nan
            at = j
    if at >= 0:
        for j in range(at + 1, n):
            if t[j] == group:
                return math.nan
    # s = the whole part without group separators, then "." and the fraction (in place)
    w = lo
    for j in range(lo, n if at < 0 else at):
        if t[j] != group:
            t[w] = t[j]
            w += 1
    if at >= 0:
        t[w] = 46.0
        w += 1
        for j in range(at + 1, n):
            t[w] = t[j]
            w += 1
    # [+-]?(\d*)(?:\.(\d*))?(?:[eE][+-]?\d+)? with digits before or after the point
    i = lo
    if i < w and (t[i] == 43.0 or t[i] == 45.0):
        i += 1
    e1 = _run(t, i, w)
    digits = e1 - i
    k = e1
    if k < w and t[k] == 46.0:
        e2 = _run(t, k + 1, w)
        digits += e2 - k - 1
        k = e2
    if k < w and (t[k] == 69.0 or t[k] == 101.0):
        j = k + 1
        if j < w and (t[j] == 43.0 or t[j] == 45.0):
            j += 1
        e3 = _run(t, j, w)
        if e3 == j:
            return math.nan
        k = e3
    if k != w or digits == 0:
        return math.nan
    x = _pyfloat_any(t, lo, w)
    x = -x if neg else x
    return x / math.pow(100.0, pct)


@_jit
def _pyfloat_any(t, a, b):
    """float() of text already known to be a number: inf where it overflows."""
    x = _pyfloat(t, a, b, False)
    if x != x:   # _pyfloat refuses inf: the exponent overflowed
        return -math.inf if t[a] == 45.0 else math.inf
    return x


@_jit
def dbool(z, a, b):
    """engine.values.to_bool of the text z[a:b]: 1.0 for "TRUE", 0.0 for "FALSE" (any case,
    stripped), NaN (#VALUE!) for anything else."""
    ia, ib = _strip(z, int(a), int(b))
    n = ib - ia
    if n != 4 and n != 5:
        return math.nan
    word = TRUE_FALSE[n - 4]
    for j in range(n):
        if _low(z[ia + j]) != word[j]:
            return math.nan
    return 1.0 if n == 4 else 0.0
