"""Values written as text: VALUETOTEXT, ARRAYTOTEXT, NUMBERVALUE, FIXED, DOLLAR, BAHTTEXT,
HYPERLINK.

FIXED and DOLLAR round as ROUND does and write 15 significant digits (the digits after them
are zeros, as Excel shows them); NUMBERVALUE reads text with given separators.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Context, Decimal

import numpy as np

from ..values import (
    ERROR_NAMES,
    NUM,
    VALUE,
    ExcelError,
    Grid,
    Kind,
    Vec,
    first_error,
    format_number,
    to_bool,
    to_text,
    trials,
)
from . import register
from ._args import result
from .math import cell_of, flag, lift, round_digits
from .operators import map_grid
from .text import _text_result, _vec, to_number_ext
from .text_modern import int_arg, pick

Arg = Vec | Grid | None


# ----------------------------------------------------------------- values as text
def _value_text(x: object, code: int, strict: bool) -> str:
    if code:
        return ERROR_NAMES[code]
    if x is None:
        return ""
    if isinstance(x, bool | np.bool_):
        return "TRUE" if x else "FALSE"
    if isinstance(x, str):
        return '"' + x.replace('"', '""') + '"' if strict else x
    return format_number(float(x))


def _format_arg(f: Arg) -> tuple[np.ndarray, np.ndarray | None]:
    k, e = int_arg(f, 0.0)
    return k, flag(e, (k != 0) & (k != 1), VALUE)


def _trial_values(v: Vec, n: int) -> list[tuple[object, int]]:
    out = []
    for i in range(n):
        x = v.scalar(i)
        out.append((None, ExcelError(x).code) if isinstance(x, ExcelError) else (x, 0))
    return out


@register("VALUETOTEXT")
def valuetotext(value: Arg, format_: Arg = None) -> Vec | Grid:
    """Excel's VALUETOTEXT: a value as text (format 1 quotes text); an error becomes its name."""
    def one(v: Arg, f: Arg) -> Vec:
        v = _vec(v)
        k, err = _format_arg(f)
        n = max(trials(v), len(k))
        vals = _trial_values(v, n)
        out = np.array([_value_text(x, c, bool(pick(k, i) == 1)) for i, (x, c) in enumerate(vals)],
                       dtype=object)
        return _text_result(out, err)

    return lift(one, (value, format_))


@register("ARRAYTOTEXT")
def arraytotext(array: Arg, format_: Arg = None) -> Vec | Grid:
    """Excel's ARRAYTOTEXT: "a, b, c" (format 0) or "{a,b;c,d}" with quoted text (format 1)."""
    g = array if isinstance(array, Grid) else Grid([[_vec(array)]])

    def one(f: Arg) -> Vec:
        k, err = _format_arg(f)
        n = max(trials(g), len(k))
        cols = [[_trial_values(c, n) for c in row] for row in g.cells]
        out = np.empty(n, dtype=object)
        for i in range(n):
            strict = bool(pick(k, i) == 1)
            if strict:
                out[i] = "{" + ";".join(",".join(_value_text(*c[i], True) for c in row)
                                        for row in cols) + "}"
            else:
                out[i] = ", ".join(_value_text(*c[i], False) for row in cols for c in row)
        return _text_result(out, err)

    if isinstance(format_, Grid) and format_.shape != (1, 1):
        return map_grid(one, format_)
    return one(cell_of(format_))


# ----------------------------------------------------------------- NUMBERVALUE, FIXED
_NUMBER_TEXT = re.compile(r"[+-]?(\d*)(?:\.(\d*))?(?:[eE][+-]?\d+)?")


def number_value(text: str, dec: str, group: str) -> float | None:
    """Excel's NUMBERVALUE reading of ``text`` with the given separators (None: #VALUE!)."""
    if dec == group:
        return None
    t = "".join(text.split())
    if not t:
        return 0.0
    pct = len(t) - len(t.rstrip("%"))
    t = t.rstrip("%")
    neg = t.startswith("(") and t.endswith(")")
    if neg:
        t = t[1:-1]
        pct += len(t) - len(t.rstrip("%"))
        t = t.rstrip("%")
        if t[:1] in ("+", "-"):
            return None  # "(-5)" is not a number
    if t.count(dec) > 1:
        return None
    whole, _, frac = t.partition(dec)
    if group and group in frac:
        return None
    body = whole.replace(group, "") if group else whole
    s = body + ("." + frac if frac or _ else "")
    m = _NUMBER_TEXT.fullmatch(s)
    if m is None or not (m.group(1) or m.group(2)):
        return None
    x = float(s)
    x = -x if neg else x
    return x / 100.0 ** pct


@register("NUMBERVALUE")
def numbervalue(text_: Arg, decimal_separator: Arg = None, group_separator: Arg = None
                ) -> Vec | Grid:
    """Excel's NUMBERVALUE: text read as a number with the given separators (the first
    character of each), spaces ignored, trailing % dividing by 100 each, (x) negative."""
    def one(t: Arg, d: Arg, g: Arg) -> Vec:
        v = _vec(t)
        s, err = to_text(v)
        dec, e2 = (np.array(["."], dtype=object), None) if d is None else to_text(_vec(d))
        grp, e3 = (np.array([","], dtype=object), None) if g is None else to_text(_vec(g))
        err = first_error(err, e2, e3)
        n = max(len(s), len(dec), len(grp))
        out, bad = np.zeros(n), np.zeros(n, bool)
        for i in range(n):
            if v.kind == Kind.BOOL or isinstance(pick(v.data, i), bool | np.bool_):
                bad[i] = True
                continue
            dd, gg = str(pick(dec, i))[:1], str(pick(grp, i))[:1]
            if g is None and dd == ",":
                gg = "."  # only the decimal separator given, and it is the comma
            x = number_value(str(pick(s, i)), dd, gg) if dd and gg else None
            if x is None:
                bad[i] = True
            else:
                out[i] = x
        return result(out, flag(err, bad, VALUE))

    return lift(one, (text_, decimal_separator, group_separator))


_CTX = Context(prec=500)


def fixed_text(x: float, decimals: int, commas: bool) -> str:
    """``x`` rounded to ``decimals`` (negative: left of the point), 15 significant digits,
    with thousands separators unless ``commas`` is False."""
    d = Decimal(f"{x:.15g}")
    q = d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP, context=_CTX)
    if q == 0:
        q = abs(q)
    places = max(decimals, 0)
    return format(q, f"{',' if commas else ''}.{places}f")


@register("FIXED")
def fixed(number: Arg, decimals: Arg = None, no_commas: Arg = None) -> Vec | Grid:
    """Excel's FIXED: a number as text with a fixed number of decimals (at most 127)."""
    def one(v: Arg, d: Arg, c: Arg) -> Vec:
        x, err = to_number_ext(_vec(v)) if v is not None else (np.zeros(1), None)
        k, e2 = int_arg(d, 2.0) if not (isinstance(d, Vec) and d.kind == Kind.BLANK) \
            else (np.zeros(1), None)
        plain, e3 = (np.zeros(1, bool), None) if c is None else to_bool(_vec(c))
        err = flag(first_error(err, e2, e3), k > 127, VALUE)
        n = max(len(x), len(k), len(plain))
        rounded = round_digits(x, np.clip(k, -308, 127))
        out = np.empty(n, dtype=object)
        for i in range(n):
            kk = int(np.clip(pick(k, i), -400, 127))
            val = float(pick(rounded, i))
            out[i] = "0" if kk < -308 else fixed_text(val, kk, not bool(pick(plain, i)))
        return _text_result(out, err)

    return lift(one, (number, decimals, no_commas))


@register("DOLLAR")
def dollar(number: Arg, decimals: Arg = None) -> Vec | Grid:
    """Excel's DOLLAR: a number as currency text, "$1,234.57" ("($1,234.57)" when negative)."""
    def one(v: Arg, d: Arg) -> Vec:
        x, err = to_number_ext(_vec(v)) if v is not None else (np.zeros(1), None)
        k, e2 = int_arg(d, 2.0)
        err = flag(first_error(err, e2), k > 127, VALUE)
        n = max(len(x), len(k))
        rounded = round_digits(x, np.clip(k, -308, 127))
        out = np.empty(n, dtype=object)
        for i in range(n):
            kk = int(np.clip(pick(k, i), -400, 127))
            val = float(pick(rounded, i))
            body = "0" if kk < -308 else fixed_text(abs(val), kk, True)
            out[i] = f"(${body})" if val < 0 and body.strip("0.,") else f"${body}"
        return _text_result(out, err)

    return lift(one, (number, decimals))


_THAI_DIGITS = ("", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า")
_THAI_PLACES = ("", "สิบ", "ร้อย", "พัน", "หมื่น", "แสน")


def _thai_block(n: int, more: bool) -> str:
    """0 <= n < 1,000,000 in Thai words; ``more``: higher digits come before (then a final 1
    is เอ็ด, as in สิบเอ็ด, หนึ่งร้อยเอ็ด, หนึ่งล้านเอ็ด)."""
    digits = [int(ch) for ch in str(n)][::-1]
    out = []
    for place in range(len(digits) - 1, -1, -1):
        d = digits[place]
        if d == 0:
            continue
        if place == 1:
            word = "" if d == 1 else "ยี่" if d == 2 else _THAI_DIGITS[d]
        elif place == 0 and d == 1 and (more or n > 9):
            word = "เอ็ด"
        else:
            word = _THAI_DIGITS[d]
        out.append(word + _THAI_PLACES[place])
    return "".join(out)


def _thai_number(n: int) -> str:
    """A whole number >= 1 in Thai words, millions (ล้าน) repeating."""
    blocks = []
    while n:
        n, low = divmod(n, 1_000_000)
        blocks.append(low)
    words = ""
    for k in range(len(blocks) - 1, -1, -1):
        if blocks[k]:
            words += _thai_block(blocks[k], more=k < len(blocks) - 1)
        if k:
            words += "ล้าน"
    return words


def baht_text(x: float) -> str:
    """``x`` as Thai baht (บาท) and satang (สตางค์) in words; ถ้วน ("exactly") without satang,
    ลบ before a negative amount."""
    total = int(Decimal(f"{abs(x):.15g}").quantize(Decimal("0.01"), ROUND_HALF_UP) * 100)
    baht, satang = divmod(total, 100)
    if not total:
        return "ศูนย์บาทถ้วน"
    text = "ลบ" if x < 0 else ""
    if baht:
        text += _thai_number(baht) + "บาท"
    return text + (_thai_number(satang) + "สตางค์" if satang else "ถ้วน")


@register("BAHTTEXT")
def bahttext(number: Arg) -> Vec | Grid:
    """Excel's BAHTTEXT: a number as Thai text, rounded to satang (1/100 baht)."""
    def one(v: Arg) -> Vec:
        x, err = to_number_ext(_vec(v)) if v is not None else (np.zeros(1), None)
        ok = np.isfinite(x) & (np.abs(x) < 1e15)
        out = np.array([baht_text(float(y)) if good else "" for y, good in
                        zip(x.tolist(), ok.tolist(), strict=True)], dtype=object)
        return _text_result(out, flag(err, ~ok, NUM))

    return lift(one, (number,))


@register("HYPERLINK")
def hyperlink(link_location: Arg, friendly_name: Arg = None) -> Vec | Grid:
    """Excel's HYPERLINK: the cell shows the friendly name (else the link); nothing to open
    here."""
    shown = friendly_name if friendly_name is not None else link_location
    return shown if shown is not None else Vec(Kind.BLANK, np.zeros(1))


__all__ = ["number_value", "fixed_text", "valuetotext", "arraytotext", "numbervalue", "fixed",
           "dollar", "hyperlink"]
