"""Numbers written in other systems: ROMAN, ARABIC, DECIMAL, BASE.

ROMAN's forms 1-4 are Excel's ever more concise notations (ROMAN(999,4) is "IM"); ARABIC
reads right to left, subtracting a numeral smaller than the largest seen so far (which is how
Excel reads irregular numerals such as "IIIIIIV", -1).
"""

from __future__ import annotations

import numpy as np

from ..values import NUM, VALUE, Grid, Kind, Vec, first_error, to_text
from . import register
from ._args import result, scalar_number
from .math import flag, lift
from .text import _strmap, _text_result, _vec

Arg = Vec | Grid | None
_CHARS = "MDCLXVI"
_VALUES = (1000, 500, 100, 50, 10, 5, 1)


def roman_text(value: int, form: int) -> str:
    """``value`` (0..3999) in Roman numerals of Excel's ``form`` (0 classic .. 4 simplified)."""
    out: list[str] = []
    last = len(_VALUES) - 1
    for i in range(last // 2 + 1):
        idx = 2 * i
        digit = value // _VALUES[idx]
        if digit % 5 == 4:
            idx2 = idx - 1 if digit == 4 else idx - 2
            steps = 0
            while steps < form and idx < last:
                steps += 1
                if _VALUES[idx2] - _VALUES[idx + 1] <= value:
                    idx += 1
                else:
                    steps = form
            out.append(_CHARS[idx] + _CHARS[idx2])
            value = value + _VALUES[idx] - _VALUES[idx2]
        else:
            if digit > 4:
                out.append(_CHARS[idx - 1])
            out.append(_CHARS[idx] * (digit % 5))
            value %= _VALUES[idx]
    return "".join(out)


@register("ROMAN")
def roman(number: Arg, form: Arg = None) -> Vec | Grid:
    """Excel's ROMAN(number, [form]): 0..3999, form 0-4 (TRUE 0, FALSE 4)."""
    def one(v: Arg, f: Arg) -> Vec:
        x, err = scalar_number(v)
        if f is None or (isinstance(f, Vec) and f.kind == Kind.BLANK):
            k, ek = np.zeros(1), None
        elif isinstance(f, Vec) and f.kind == Kind.BOOL:
            k, ek = np.where(f.data, 0.0, 4.0), f.err
        else:
            k, ek = scalar_number(f)
        err = first_error(err, ek)
        x, k = np.trunc(x), np.trunc(k)
        bad = (x < 0) | (x > 3999) | (k < 0) | (k > 4)
        n = max(len(x), len(k))
        xs, ks = np.broadcast_to(np.where(bad, 0, x), (n,)), np.broadcast_to(np.where(bad, 0, k), (n,))
        out = np.array([roman_text(int(a), int(b)) for a, b in zip(xs, ks, strict=True)], dtype=object)
        return _text_result(out, flag(err, bad, VALUE))

    return lift(one, (number, form))


def _arabic_one(s: str) -> float | None:
    t = s.strip().upper()
    sign = -1.0 if t.startswith("-") else 1.0
    t = t.lstrip("-")
    if len(t) > 255 or any(ch not in _CHARS for ch in t):
        return None
    total, top = 0, 0
    for ch in reversed(t):
        v = _VALUES[_CHARS.index(ch)]
        if v < top:
            total -= v
        else:
            total += v
            top = v
    return sign * total


@register("ARABIC")
def arabic(text_: Arg) -> Vec | Grid:
    """Excel's ARABIC: a Roman numeral (any case, "-" for negative) as a number; an empty cell
    is 0, a number or a logical #VALUE!."""
    def one(v: Arg) -> Vec:
        v = _vec(v)
        if v.kind == Kind.BLANK:
            return result(np.zeros(1), v.err)
        s, err = to_text(v)
        x = _strmap(lambda t: np.nan if (r := _arabic_one(t)) is None else r, s).astype(np.float64)
        if v.kind != Kind.STR:
            bad = np.ones(len(x), bool) if v.kind != Kind.ANY else \
                np.array([not isinstance(t, str) and t is not None for t in v.data])
            x = np.where(bad, np.nan, x)
        return result(np.where(np.isnan(x), 0.0, x), flag(err, np.isnan(x), VALUE))

    return lift(one, (_vec(text_),))


def _radix(r: Arg) -> tuple[np.ndarray, np.ndarray | None]:
    k, err = scalar_number(r)
    k = np.trunc(k)
    return k, flag(err, (k < 2) | (k > 36), NUM)


@register("DECIMAL")
def decimal(text_: Arg, radix: Arg) -> Vec | Grid:
    """Excel's DECIMAL: text of digits in base 2-36 as a number (#NUM! for other digits)."""
    def one(t: Arg, r: Arg) -> Vec:
        s, e1 = to_text(_vec(t))
        k, e2 = _radix(r)
        err = first_error(e1, e2)
        n = max(len(s), len(k))
        ss, ks = np.broadcast_to(s, (n,)), np.broadcast_to(np.clip(k, 2, 36), (n,))
        out = np.zeros(n)
        bad = np.zeros(n, bool)
        for i in range(n):
            txt = str(ss[i]).strip()
            try:
                out[i] = float(int(txt, int(ks[i]))) if txt and len(txt) <= 255 and \
                    txt.isalnum() else 0.0
            except ValueError:
                bad[i] = True
        big = out >= 2.0 ** 53
        return result(out, flag(err, bad | big, NUM))

    return lift(one, (_vec(text_), radix))


_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _base_text(x: int, radix: int, width: int) -> str:
    digits = []
    while x:
        x, d = divmod(x, radix)
        digits.append(_DIGITS[d])
    return "".join(reversed(digits)).rjust(max(width, 1), "0")


@register("BASE")
def base(number: Arg, radix: Arg, min_length: Arg = None) -> Vec | Grid:
    """Excel's BASE: a whole number 0 <= n < 2**53 in base 2-36, zero-padded to min_length."""
    def one(v: Arg, r: Arg, w: Arg) -> Vec:
        x, e1 = scalar_number(v)
        k, e2 = _radix(r)
        m, e3 = scalar_number(w, 0.0)
        err = first_error(e1, e2, e3)
        x, m = np.trunc(x), np.trunc(m)
        bad = (x < 0) | (x >= 2.0 ** 53) | (m < 0) | (m > 255)
        n = max(len(x), len(k), len(m))
        xs, ks, ms = (np.broadcast_to(np.where(bad, 0, a), (n,)) for a in (x, np.clip(k, 2, 36), m))
        out = np.array([_base_text(int(a), int(b), int(c)) for a, b, c in zip(xs, ks, ms, strict=True)],
                       dtype=object)
        return _text_result(out, flag(err, bad, NUM))

    return lift(one, (number, radix, min_length))


__all__ = ["roman_text", "roman", "arabic", "decimal", "base"]
