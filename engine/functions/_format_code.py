"""Number format codes made ready for TEXT's formatter: what Excel's TEXT ignores or reads
differently from a plain format is rewritten to plain tokens.

- Colours (``[Red]``, ``[Color12]``) are ignored by TEXT; locale tags (``[$-409]``) go, a
  currency tag keeps its symbol (``[$€-407]`` -> ``"€"``); the system long-date and time tags
  (``[$-F800]``, ``[$-F400]``) are Windows' English defaults.
- ``_x`` is one space; commas after the digits scale by 1,000 each (``#,##0,,"M"``), in each
  section as written (``#,##0,"K";(#,##0,"K");"-"`` shows -1234567 as ``(1,235K)``).
- Conditions (``[<10]#" Wow";[>=20]0;0.0``): the section whose condition holds formats the
  number, signed as it is; a number no condition takes is shown in General.
- General (TEXT(x, "General")) writes at most 11 characters, as a cell of Excel's default
  width shows it, not the 15 digits of ``x & ""``.
- Day names of serials 0..60: Excel's 1900 date system counts a 1900-02-29 that never was, so
  its calendar runs one weekday behind the real one before 1900-03-01 (serial 1, 1900-01-01, is a
  Sunday to Excel, a Monday in fact).  ``ddd``/``dddd`` of those serials are written as quoted
  literals of Excel's day name.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np

from .dates import weekday_index

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# serials below this one are a day off the real calendar (Excel's fictitious 1900-02-29)
FIRST_REAL_SERIAL = 61

_COLOUR = re.compile(r"\[(black|blue|cyan|green|magenta|red|white|yellow|color\s*\d{1,2})\]",
                     re.IGNORECASE)
_TAG = re.compile(r"\[\$([^\]-]*)(?:-([0-9A-Fa-f]+))?\]")
_SYSTEM = {"F800": "dddd, mmmm d, yyyy", "F400": "h:mm:ss AM/PM"}


def _tag(match: re.Match) -> str:
    symbol, lcid = match.group(1), (match.group(2) or "").upper()
    if lcid in _SYSTEM and not symbol:
        return _SYSTEM[lcid]
    return '"' + symbol.replace('"', '') + '"' if symbol else ""


def _outside_quotes(fmt: str, fn) -> str:
    """``fn`` applied to the parts of ``fmt`` outside double quotes."""
    parts = fmt.split('"')
    return '"'.join(fn(p) if k % 2 == 0 else p for k, p in enumerate(parts))


_PAD = re.compile(r"(?<!\\)_.")


@lru_cache(maxsize=1024)
def plain_format(fmt: str) -> str:
    """``fmt`` without colours and locale tags (currency symbols kept as literals); ``_x``
    (a space as wide as x, as in ``#,##0.00_)``) is the one space TEXT writes for it."""
    return _outside_quotes(fmt, lambda p: _PAD.sub('" "', _TAG.sub(_tag, _COLOUR.sub("", p))))


# commas that scale: after the last digit placeholder of a number, or just before its point
_SCALING = re.compile(r"([0#?])(,+)(?=[.);%]|$)")


def _scale_part(part: str) -> tuple[str, int]:
    count = 0

    def drop(m: re.Match) -> str:
        nonlocal count
        count += len(m.group(2))
        return m.group(1)

    return _SCALING.sub(drop, part), count


def _without_scaling(section: str) -> tuple[str, int]:
    """``section`` without its scaling commas (outside quotes), and how many it had."""
    parts = section.split('"')
    count = 0
    for k in range(0, len(parts), 2):
        parts[k], n = _scale_part(parts[k])
        count += n
    return '"'.join(parts), count


def scaled_format(fmt: str, x: float) -> tuple[str, float]:
    """Thousands scaling, section by section: each comma after the digits (``#,##0,,"M"``,
    ``0.0,``) divides the number its section shows by 1,000.  Returns the format without
    those commas (in every section) and the divisor of the section that shows ``x``: the
    second for a negative number when there is one, else the first (0 divided is 0 whatever
    the zero section's commas; a fourth section shows text)."""
    secs = sections(fmt)
    stripped = [_without_scaling(sec) for sec in secs]
    if not any(count for _, count in stripped):
        return fmt, 1.0
    count = stripped[1 if x < 0 and len(secs) > 1 else 0][1]
    return ";".join(sec for sec, _ in stripped), 1000.0 ** count


def _day_name_runs(fmt: str) -> list[tuple[int, int]]:
    """(start, end) of each run of 3 or more ``d`` that is a day-name token: not inside quotes,
    brackets, after a backslash, or the character of ``_x``/``*x``."""
    runs: list[tuple[int, int]] = []
    i, n = 0, len(fmt)
    while i < n:
        c = fmt[i]
        if c == '"':
            close = fmt.find('"', i + 1)
            i = n if close < 0 else close + 1
        elif c == "[":
            close = fmt.find("]", i + 1)
            i = n if close < 0 else close + 1
        elif c in "\\_*":
            i += 2
        elif c in "dD":
            j = i
            while j < n and fmt[j] in "dD":
                j += 1
            if j - i >= 3:
                runs.append((i, j))
            i = j
        else:
            i += 1
    return runs


def excel_day_names(fmt: str, serial: float) -> str:
    """``fmt`` with its day-name tokens written out as Excel's names when ``serial`` (its
    integer part) falls before 1900-03-01, where Excel's weekdays differ from the calendar's."""
    if not 0 <= serial < FIRST_REAL_SERIAL:
        return fmt
    runs = _day_name_runs(fmt)
    if not runs:
        return fmt
    name = DAY_NAMES[int(weekday_index(np.array([serial]))[0])]
    out, last = [], 0
    for start, end in runs:
        out.append(fmt[last:start])
        out.append('"' + (name if end - start >= 4 else name[:3]) + '"')
        last = end
    out.append(fmt[last:])
    return "".join(out)


_CONDITION = re.compile(r"^\s*\[\s*(<=|>=|<>|<|>|=)\s*(-?[0-9.]+(?:[eE][-+]?\d+)?)\s*\]")
_TESTS = {"<": float.__lt__, ">": float.__gt__, "=": float.__eq__, "<=": float.__le__,
          ">=": float.__ge__, "<>": float.__ne__}


def sections(fmt: str) -> list[str]:
    """The ``;``-separated sections of a format (not splitting quoted text, escapes or
    brackets)."""
    out, start, i, n = [], 0, 0, len(fmt)
    while i < n:
        c = fmt[i]
        if c == '"':
            close = fmt.find('"', i + 1)
            i = n if close < 0 else close + 1
            continue
        if c == "[":
            close = fmt.find("]", i + 1)
            i = n if close < 0 else close + 1
            continue
        if c == "\\":
            i += 2
            continue
        if c == ";":
            out.append(fmt[start:i])
            start = i + 1
        i += 1
    out.append(fmt[start:])
    return out


def _condition(section: str) -> tuple[Any, str] | None:
    m = _CONDITION.match(section)
    if m is None:
        return None
    op, bound = m.group(1), float(m.group(2))
    return (lambda x: _TESTS[op](float(x), bound)), section[m.end():]


def conditional_section(fmt: str, x: float) -> str | None:
    """For a format whose first section holds a condition (``[<10]#" Wow";[>=20]0;0.0``): the
    one section that formats ``x``, as a format of its own ("General" when none applies, as
    Excel shows a number no condition takes); None for a format without conditions."""
    parts = sections(fmt)
    first = _condition(parts[0])
    if first is None:
        return None
    test, body = first
    if test(x):
        return body
    if len(parts) == 1:
        return "General"
    second = _condition(parts[1])
    if second is None:
        return parts[1]
    test2, body2 = second
    if test2(x):
        return body2
    return parts[2] if len(parts) > 2 else "General"


_SCIENTIFIC = re.compile(r"^([#0?]*)(?:(\.)([#0?]*))?([eE])([+-])([#0?]+)$")


def scientific_text(fmt: str, x: float) -> str | None:
    """``x`` in a plain scientific format (``0.00E+00``, ``##0.0E+0``, ``0.00E-##``): the
    exponent a multiple of the integer digits' count (1: ordinary, 3: engineering), the
    mantissa rounded half up, ``E-`` writing only a minus sign; None for other formats."""
    m = _SCIENTIFIC.match(fmt.strip())
    if m is None or not math.isfinite(x):
        return None
    ints, point, decs, letter, sign, exp_pat = m.groups()
    decs = decs or ""                                  # "0E+00": no decimals
    places = max(len(ints), 1)
    required = len(decs) - len(decs.lstrip("0"))      # decimals shown even when zero
    a = abs(x)
    e = 0 if a == 0 else math.floor(math.floor(math.log10(a)) / places) * places
    q = Decimal(1).scaleb(-len(decs))
    mant = (Decimal(f"{a:.15g}").scaleb(-e) if a else Decimal(0)).quantize(q, ROUND_HALF_UP)
    if mant >= Decimal(10) ** places:                   # 9.99 -> 10.0: one step up
        e += places
        mant = (Decimal(f"{a:.15g}").scaleb(-e)).quantize(q, ROUND_HALF_UP)
    whole, _, frac = format(mant, "f").partition(".")
    whole = whole.lstrip("0").rjust(ints.count("0"), "0")
    frac = frac[:len(decs)]
    while len(frac) > required and frac.endswith("0"):
        frac = frac[:-1]
    exp_sign = "-" if e < 0 else ("+" if sign == "+" else "")
    digits = str(abs(e)).rjust(exp_pat.count("0"), "0")
    body = whole + (point or "") + frac + letter + exp_sign + digits
    return ("-" if x < 0 and mant != 0 else "") + body


# Excel's largest number is 9.99999999999999E+307: a section that rounds writes the digits of
# any number below this one (TEXT(1E+30, "#") too); from it up, #VALUE! (rounded_for_format)
ROUNDED_MAX = 1e308
_WHOLE_DIGITS = 2.0 ** 53   # from here up every double is whole and has more than 15 digits


def rounded_for_format(fmt: str, x: float) -> float:
    """``x`` rounded half away from zero (on its 15 digits) to the decimals of the number
    format section that shows it, as Excel rounds (2.5 with ``0" units"`` is 3, not the 2 of
    rounding half to even); a section with other than digits, separators, %, $, signs and
    quoted text (dates, times, fractions) leaves ``x`` as it is.  ValueError where the
    section rounds a number of :data:`ROUNDED_MAX` or more (TEXT's #VALUE!)."""
    secs = sections(fmt)
    sec = secs[1] if x < 0 and len(secs) > 1 else secs[2] if x == 0 and len(secs) > 2 \
        else secs[0]
    bare = "".join(sec.split('"')[::2])
    if re.search(r"\[[hms]+\]", bare, re.IGNORECASE):   # elapsed time: [h]:mm, [s].000
        return x
    bare = re.sub(r"\\.|\[[^\]]*\]", "", bare)
    if not re.fullmatch(r"[0#?,.%$ ()+\-]*", bare) or not re.search(r"[0#?]", bare) \
            or bare.count(".") > 1:
        return x
    point = bare.find(".")
    decimals = len(re.findall(r"[0#?]", bare[point:])) if point >= 0 else 0
    decimals += 2 * bare.count("%")
    if not abs(x) < ROUNDED_MAX:
        raise ValueError(f"TEXT of {x!r}: past Excel's largest number")
    # every digit kept: 309 before the point at most, then the decimals
    exact = Context(prec=330 + decimals, rounding=ROUND_HALF_UP)
    got = float(Decimal(f"{x:.15g}").quantize(Decimal(1).scaleb(-decimals), context=exact))
    return got if got != 0 else x   # a number that rounds to 0 keeps its section (sign)


class ExcelWhole(int):
    """A whole number of 2**53 or more as pycel's TEXT is to write it (:func:`excel_whole`):
    Excel keeps 15 significant digits, zeros after them (2^60 is 1152921504606850000, the
    double 1152921504606846976).  pycel scales it by its percent signs, negates it and
    writes it with an f-format: each keeps these digits (the f-format's through Decimal, not
    through the double)."""

    def __neg__(self) -> ExcelWhole:
        return ExcelWhole(-int(self))

    def __mul__(self, other: Any) -> Any:
        got = int(self) * other
        return ExcelWhole(got) if isinstance(got, int) else got

    __rmul__ = __mul__

    def __format__(self, spec: str) -> str:
        if not spec.endswith("f"):
            return int(self).__format__(spec)
        text = format(Decimal(int(self)), spec.replace("#", ""))   # '#': keep the point
        return text + "." if "#" in spec and "." not in text else text


def excel_whole(x: float) -> float | ExcelWhole:
    """``x`` as pycel's TEXT is to format it: from 2**53 up (whole doubles of 16 digits and
    more) its 15 significant digits then zeros (:class:`ExcelWhole`), as Excel writes it
    (TEXT(2^53+2, "#") is 9007199254740990); ``x`` itself below."""
    if not (_WHOLE_DIGITS <= abs(x) < math.inf):
        return x
    return ExcelWhole(int(Decimal(f"{x:.15g}")))


def general_text(x: float) -> str:
    """``x`` in Excel's General number format, as TEXT(x, "General") writes it: at most 11
    characters besides the sign, decimals rounded away to fit; from 1E+11 up and below 1E-9 in
    scientific notation with 6 significant digits (1.12346E+11), trailing zeros dropped."""
    if x == 0 or not math.isfinite(x):
        return "0"
    sign, a = ("-" if x < 0 else ""), abs(x)
    if 1e-9 <= a < 1e11:
        digits = max(math.floor(math.log10(a)) + 1, 1)       # before the point ("0" below 1)
        places = Decimal(1).scaleb(-max(10 - digits, 0))
        text = format(Decimal(f"{a:.15g}").quantize(places, ROUND_HALF_UP), "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        if len(text.split(".")[0]) <= 11:
            return sign + text
    mantissa, _, exp = f"{a:.5E}".partition("E")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{sign}{mantissa}E{exp[0]}{int(exp[1:]):02d}"


__all__ = ["DAY_NAMES", "ROUNDED_MAX", "ExcelWhole", "conditional_section", "excel_day_names",
           "excel_whole", "fraction_text", "general_text", "plain_format", "rounded_for_format",
           "scaled_format", "scientific_text", "sections"]


_LITERALS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|general', re.IGNORECASE)
_ELAPSED = re.compile(r"\[(h+|m+|s+)\]", re.IGNORECASE)


def is_calendar_format(fmt: str) -> bool:
    """Whether ``fmt`` writes a calendar date (years, months, days), not a number or an
    elapsed time ([h]:mm): only these read a serial through the workbook's date system."""
    if _ELAPSED.search(fmt):
        return False
    code = _LITERALS.sub("", fmt).lower()
    if "y" in code or "d" in code:
        return True
    return ("m" in code or "e" in code) and not re.search(r"[0#?]", code)


# ----------------------------------------------------------------- fractions (# ?/?)
_FRACTION_BAD = set(".,%@*[Ee") | set("dmyhsDMYHSAaPpGgBb")


@lru_cache(maxsize=256)
def _fraction_tokens(section: str) -> tuple[tuple[str, str], ...] | None:
    """A format section as tokens: ("ph", "#"/"0"/"?"), ("lit", text), ("slash", "/"),
    ("den", "16") for a fixed denominator; None for what is not a plain fraction format."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(section)
    after_slash = False
    while i < n:
        c = section[i]
        if c == '"':
            close = section.find('"', i + 1)
            if close < 0:
                return None
            out.append(("lit", section[i + 1:close]))
            i = close + 1
            continue
        if c == "\\" and i + 1 < n:
            out.append(("lit", section[i + 1]))
            i += 2
            continue
        if c == "/":
            if after_slash:
                return None
            out.append(("slash", c))
            after_slash = True
        elif c in "#0?":
            out.append(("ph", c))
        elif c.isdigit():
            j = i
            while j < n and section[j].isdigit():
                j += 1
            if not after_slash or out[-1][0] not in ("slash", "lit"):
                return None
            out.append(("den", section[i:j]))
            i = j
            continue
        elif c in _FRACTION_BAD:
            return None
        else:
            out.append(("lit", c))
        i += 1
    return tuple(out) if after_slash else None


def _digits_in(places: str, digits: str, fill_zero: bool) -> list[str]:
    """``digits`` right-aligned over the placeholders ``places`` (extra digits go to the
    first); an empty place shows "0" for a 0 (and, after one, for a #), a space for a ?."""
    k = len(places)
    shown = [""] * k
    extra = digits[:max(len(digits) - k, 0)]
    tail = digits[len(extra):]
    for j in range(k):
        d = j - (k - len(tail))
        if d >= 0:
            shown[j] = tail[d]
    if extra:
        shown[0] = extra + shown[0]
    zero_seen = False
    for j, p in enumerate(places):
        if shown[j]:
            continue
        zero_seen = zero_seen or p == "0"
        shown[j] = "0" if (p == "0" or (p == "#" and zero_seen and fill_zero)) else \
            (" " if p == "?" else "")
    return shown


def fraction_text(fmt: str, x: float) -> str | None:
    """``x`` in a fraction format (``# ?/?``, ``# ??/??``, ``?/???``, ``# ?/8``), as Excel's
    TEXT writes it; None for a format that is not one.

    The fraction is the closest one whose denominator has at most as many digits as its
    placeholders (or the fixed denominator, not reduced: 0.5 as ``?/4`` is 2/4).  With a
    whole-number part, a whole number leaves the fraction out (spaces as wide when a ``?``
    asks to align, as Excel pads), and a number below 1 leaves the whole number and the
    literal before the fraction out (" 3/4" for ``# ?/?``).  Literals between the parts are
    written as they are (Excel's own results for POI's NumberFormatTests workbook)."""
    secs = sections(fmt)
    sign = "-" if x < 0 else ""
    sec = secs[0]
    if x < 0 and len(secs) > 1:
        sec, sign = secs[1], ""
    elif x == 0 and len(secs) > 2:
        sec = secs[2]
    toks = _fraction_tokens(sec)
    if toks is None or not math.isfinite(x):
        return None
    slash = next(k for k, t in enumerate(toks) if t[0] == "slash")
    before, after = toks[:slash], toks[slash + 1:]
    # denominator: literals, then placeholders or a number, then literals only
    k = 0
    while k < len(after) and after[k][0] == "lit":
        k += 1
    den_start = k
    while k < len(after) and after[k][0] in ("ph", "den"):
        k += 1
    den_toks = after[den_start:k]
    if not den_toks or any(t[0] != "lit" for t in after[k:]) or \
            (len(den_toks) > 1 and any(t[0] == "den" for t in den_toks)):
        return None
    # numerator: the run of placeholders closest before the slash
    k = slash - 1
    while k >= 0 and before[k][0] == "lit":
        k -= 1
    num_end = k + 1
    while k >= 0 and before[k][0] == "ph":
        k -= 1
    num_start = k + 1
    if num_start == num_end:
        return None
    phs = [j for j in range(num_start) if before[j][0] == "ph"]
    int_toks = before[phs[0]:phs[-1] + 1] if phs else ()
    pre = before[:phs[0]] if phs else before[:num_start]
    sep = before[phs[-1] + 1:num_start] if phs else ()
    num_places = "".join(t[1] for t in before[num_start:num_end])
    mid1, mid2 = before[num_end:], after[:den_start]
    post = after[den_start + len(den_toks):]
    a = abs(excel_whole(x))   # from 2**53 up: Excel's 15 digits, zeros after them
    fixed = den_toks[0][1] if den_toks[0][0] == "den" else None
    den_places = "" if fixed else "".join(t[1] for t in den_toks)
    whole_part = bool(int_toks)
    base = math.floor(a) if whole_part else 0
    rest = a - base
    if fixed:
        d = int(fixed)
        units = int(Decimal(repr(rest)) * d + Decimal("0.5")) if d else 0
        num, den = units, d
    else:
        frac = Fraction(rest).limit_denominator(10 ** min(len(den_places), 7) - 1)
        num, den = frac.numerator, frac.denominator
    if whole_part and den and num >= den:
        base, num = base + num // den, num % den
    if whole_part and num == 0 and not fixed:
        den = 1
    lit = "".join
    any_q = "?" in "".join(t[1] for t in int_toks + before[num_start:num_end] + den_toks
                           if t[0] == "ph")
    blank = whole_part and num == 0 and "0" not in num_places
    zero = base == 0 and num == 0
    # the whole number's part
    int_text = ""
    if whole_part:
        places = "".join(t[1] for t in int_toks if t[0] == "ph")
        shown = _digits_in(places, str(base) if base else "", fill_zero=True)
        if base == 0 and (blank or (zero and places[-1] != "#")):
            shown[-1] = "0"
        it = iter(shown)
        int_text = lit(next(it) if t[0] == "ph" else t[1] for t in int_toks)
    shows_digit = any(ch.isdigit() for ch in int_text)
    tail_lits = lit(t[1] for t in post)
    if blank:
        width = len(lit(t[1] for t in sep)) + len(num_places) + len(lit(t[1] for t in mid1)) \
            + 1 + len(lit(t[1] for t in mid2)) + sum(len(t[1]) for t in den_toks)
        body = int_text + (" " * width if any_q else "")
        return sign + lit(t[1] for t in pre) + body + tail_lits
    sep_text = lit(t[1] for t in sep)
    if whole_part and base == 0 and not shows_digit:   # spaces where a ? before it aligns
        sep_text = " " * len(sep_text) if "?" in lit(t[1] for t in int_toks) + num_places \
            else ""
    num_text = "".join(_digits_in(num_places, str(num) if num else "", fill_zero=True))
    if num == 0 and not any(ch.isdigit() for ch in num_text):
        num_text = num_text[:-1] + "0" if num_text else "0"
    if fixed:
        den_text = fixed
    elif den_places and set(den_places) == {"0"}:
        den_text = str(den).zfill(len(den_places))
    elif "?" in den_places:
        den_text = str(den).ljust(len(den_places))
    else:
        den_text = str(den)
    return (sign + lit(t[1] for t in pre) + int_text + sep_text + num_text
            + lit(t[1] for t in mid1) + "/" + lit(t[1] for t in mid2) + den_text + tail_lits)
