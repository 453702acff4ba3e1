"""Excel number format codes: a value as Excel shows it in a cell (``0.00%``, ``#,##0``,
``$#,##0.00``, ``0.0E+00``, ``dd/mm/yyyy``, ``[Red]`` and ``;``-separated sections), and the
Plotly axis settings closest to a code.

Covers what workbooks use for numbers and dates: up to four sections (positive; negative;
zero; text), colours and ``[$€-407]`` currency tags, quoted and ``\\``-escaped literals, ``_x``
padding, ``*x`` fill (dropped), percent, thousands separators and scaling commas, ``0 # ?``
placeholders, scientific notation, ``@``, and date/time codes (1900 date system, elapsed
``[h]``).  Fractions and conditions (``[>100]``) are not handled: such a value is shown as
``General`` would show it.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
import re
from dataclasses import dataclass

__all__ = ["Formatted", "axis_format", "format_value", "render"]

_COLORS = {"black": "#000000", "blue": "#0000ff", "cyan": "#00ffff", "green": "#008000",
           "magenta": "#ff00ff", "red": "#ff0000", "white": "#ffffff", "yellow": "#ffff00"}
_DATE_TOKENS = re.compile(r"(yyyy|yy|y|mmmmm|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|"
                          r"am/pm|a/p|\[h+\]|\[m+\]|\[s+\]|\.0+)", re.I)
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Formatted:
    text: str
    color: str | None = None   # from a [Red]-style tag in the section used


def general(value: float) -> str:
    """Excel's General format: up to 11 significant characters, scientific when too wide."""
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return "#NUM!"
    a = abs(value)
    if 1e-9 <= a < 1e11:
        digits = len(str(int(a)))
        text = f"{value:.{max(0, 10 - digits)}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text
    mant, exp = f"{value:.5E}".split("E")
    mant = mant.rstrip("0").rstrip(".")
    return f"{mant}E{exp[0]}{int(exp[1:]):02d}"


def _sections(code: str) -> list[str]:
    """The code split at ``;`` outside quotes and escapes."""
    out, cur, quoted, k = [], [], False, 0
    while k < len(code):
        ch = code[k]
        if ch == '"':
            quoted = not quoted
        elif ch == "\\" and not quoted and k + 1 < len(code):
            cur.append(code[k:k + 2])
            k += 2
            continue
        elif ch == ";" and not quoted:
            out.append("".join(cur))
            cur = []
            k += 1
            continue
        cur.append(ch)
        k += 1
    out.append("".join(cur))
    return out


def _tokens(section: str) -> tuple[list[tuple[str, str]], str | None, bool]:
    """``(kind, text)`` tokens of a section: ``lit`` (shown as is) or ``code`` (a run of
    format characters); its colour; whether it holds a condition."""
    toks: list[tuple[str, str]] = []
    color, cond, k = None, False, 0
    while k < len(section):
        ch = section[k]
        if ch == '"':
            end = section.find('"', k + 1)
            end = len(section) if end < 0 else end
            toks.append(("lit", section[k + 1:end]))
            k = end + 1
        elif ch == "\\" and k + 1 < len(section):
            toks.append(("lit", section[k + 1]))
            k += 2
        elif ch == "_" and k + 1 < len(section):
            toks.append(("lit", " "))
            k += 2
        elif ch == "*" and k + 1 < len(section):
            k += 2
        elif section[k:k + 5].lower() == "am/pm" or section[k:k + 3].lower() == "a/p":
            n = 5 if section[k:k + 5].lower() == "am/pm" else 3
            toks.append(("code", section[k:k + n]))
            k += n
        elif ch in "eE" and section[k + 1:k + 2] in ("+", "-") and k + 1 < len(section):
            toks.append(("code", section[k:k + 2]))
            k += 2
        elif ch == "[":
            end = section.find("]", k)
            end = len(section) if end < 0 else end
            tag = section[k + 1:end]
            low = tag.lower()
            if low in _COLORS:
                color = _COLORS[low]
            elif low.startswith("color"):
                pass
            elif tag.startswith("$"):
                toks.append(("lit", tag[1:].split("-")[0]))
            elif re.fullmatch(r"[hms]+", low):
                toks.append(("code", f"[{low}]"))
            elif tag[:1] in "<>=":
                cond = True
            k = end + 1
        elif ch in "$-+/():!^&'~{}<>= " or ch in "€£¥":
            toks.append(("lit", ch))
            k += 1
        else:
            toks.append(("code", ch))
            k += 1
    return toks, color, cond


def _is_date(toks: list[tuple[str, str]]) -> bool:
    text = "".join(t for kind, t in toks if kind == "code").lower()
    return bool(re.search(r"[ydhs]|m(?![^0#?]*[0#?])|\[[hms]+\]", text)) and not re.search(
        r"[0#?]", re.sub(r"\.0+|\[[hms]+\]", "", text).replace("e", ""))


def _serial_datetime(serial: float) -> _dt.datetime:
    """Excel's 1900 date system (serial 60 is the non-existent 29 February 1900)."""
    base = _dt.datetime(1899, 12, 30) if serial >= 61 else _dt.datetime(1899, 12, 31)
    return base + _dt.timedelta(days=serial)


def _format_date(value: float, toks: list[tuple[str, str]]) -> str:
    code = "".join(t if kind == "code" else "\0" + t + "\0" for kind, t in toks)
    parts = re.split(r"\0([^\0]*)\0", code)  # even: codes, odd: literals
    has_ampm = "am/pm" in code.lower() or "a/p" in code.lower()
    frac_digits = max((len(m) - 1 for m in re.findall(r"\.0+", code)), default=0)
    dt = _serial_datetime(value)
    dt = _dt.datetime.min + _dt.timedelta(
        seconds=round((dt - _dt.datetime.min).total_seconds(), frac_digits))
    out: list[str] = []
    prev_hour = False
    for i, part in enumerate(parts):
        if i % 2:
            out.append(part)
            continue
        toks_ = [t for t in _DATE_TOKENS.split(part) if t]
        for j, t in enumerate(toks_):
            low = t.lower()
            nxt = next((x.lower() for x in toks_[j + 1:] if _DATE_TOKENS.fullmatch(x)), "")
            if low in ("yyyy", "yyy"):
                out.append(f"{dt.year:04d}")
            elif low in ("yy", "y"):
                out.append(f"{dt.year % 100:02d}")
            elif low in ("m", "mm") and (prev_hour or nxt.startswith("s")):
                out.append(f"{dt.minute:02d}" if low == "mm" else str(dt.minute))
            elif low == "mmmmm":
                out.append(_MONTHS[dt.month - 1][0])
            elif low == "mmmm":
                out.append(_MONTHS[dt.month - 1])
            elif low == "mmm":
                out.append(_MONTHS[dt.month - 1][:3])
            elif low == "mm":
                out.append(f"{dt.month:02d}")
            elif low == "m":
                out.append(str(dt.month))
            elif low == "dddd":
                out.append(_DAYS[dt.weekday()])
            elif low == "ddd":
                out.append(_DAYS[dt.weekday()][:3])
            elif low == "dd":
                out.append(f"{dt.day:02d}")
            elif low == "d":
                out.append(str(dt.day))
            elif low in ("hh", "h"):
                h = dt.hour % 12 or 12 if has_ampm else dt.hour
                out.append(f"{h:02d}" if low == "hh" else str(h))
            elif low in ("ss", "s"):
                out.append(f"{dt.second:02d}" if low == "ss" else str(dt.second))
            elif low.startswith(".0"):
                out.append("." + f"{dt.microsecond:06d}"[:len(low) - 1])
            elif low in ("am/pm", "a/p"):
                am = dt.hour < 12
                text = ("AM" if am else "PM") if low == "am/pm" else ("A" if am else "P")
                out.append(text if t[0].isupper() else text.lower())
            elif low.startswith("[h"):
                out.append(str(int(value * 24)).zfill(len(low) - 2))
            elif low.startswith("[m"):
                out.append(str(int(round(value * 1440, 6))).zfill(len(low) - 2))
            elif low.startswith("[s"):
                out.append(str(int(round(value * 86400, 6))).zfill(len(low) - 2))
            else:
                out.append(t)
            if _DATE_TOKENS.fullmatch(t):
                prev_hour = low in ("h", "hh") or low.startswith("[h")
    return "".join(out)


def _fixed(value: float, ndec: int) -> str:
    """``value`` with ``ndec`` decimals, halves rounded away from zero as Excel does (from
    the shortest repr, so 2.675 is 2.68 as Excel shows it, not 2.67)."""
    q = decimal.Decimal(1).scaleb(-ndec)
    return str(decimal.Decimal(repr(float(value))).quantize(q, rounding=decimal.ROUND_HALF_UP))


def _group(digits: str) -> str:
    head, rest = digits[:len(digits) % 3 or 3], digits[len(digits) % 3 or 3:]
    return ",".join([head, *[rest[k:k + 3] for k in range(0, len(rest), 3)]])


def _format_number(value: float, toks: list[tuple[str, str]]) -> str:
    """``value`` (already made non-negative where a section supplies the sign) in a numeric
    section's placeholders, with its literals before and after."""
    flat = "".join(t if kind == "code" else "\0" for kind, t in toks)
    places = [i for i, ch in enumerate(flat) if ch in "0#?"]
    if not places:  # literals only ("-", "zero"), or "@"
        return "".join(t for kind, t in toks if kind == "lit" or t not in ",.%@")
    first, last = places[0], places[-1]
    # the number's part of the code: placeholders, '.', ',' and an exponent between them
    m = re.search(r"[eE][+-]", flat[first:last + 1])
    body = flat[first:last + 1]
    tail_commas = len(re.match(r",*", flat[last + 1:]).group(0))
    end = last + 1 + tail_commas
    value *= 100 ** flat.count("%")
    toks = _with_percent(toks)
    value /= 1000 ** tail_commas
    mant_code, exp_code = (body[:m.start()], body[m.start():]) if m else (body, "")
    int_code, _, dec_code = mant_code.partition(".")
    int_code = int_code.replace("\0", "")
    dec_code = dec_code.replace(",", "").replace("\0", "")
    grouping = "," in int_code.strip(",")
    int_code = int_code.replace(",", "")
    exponent = None
    if exp_code:
        if value != 0:
            int_places = max(1, len(int_code))
            exponent = math.floor(math.log10(abs(value)))
            if int_places > 1:  # engineering style: exponent a multiple of the integer width
                exponent = int_places * math.floor(exponent / int_places)
            value = value / 10 ** exponent
        else:
            exponent = 0
    ndec = len(dec_code)
    text = _fixed(value, ndec)
    if exponent is not None and ndec >= 0 and abs(float(text)) >= 10 ** max(1, len(int_code)):
        exponent += 1  # rounding carried into another digit: 9.96 -> 10.0
        text = _fixed(value / 10, ndec)
    ip, _, dp = text.partition(".")
    # optional decimals: '#' drops trailing zeros, '?' shows a space for them
    keep = len(dec_code.rstrip("#?"))
    dp_list = list(dp)
    for k in range(len(dp_list) - 1, keep - 1, -1):
        if dp_list[k] != "0":
            break
        dp_list[k] = " " if dec_code[k] == "?" else ""
    dp = "".join(dp_list)
    min_int = int_code.count("0")
    ip = ip.lstrip("0")
    ip = ip.rjust(min_int, "0") if min_int else ip
    if grouping and ip:
        ip = _group(ip)
    number = ip + ("." + dp if "." in mant_code else "")
    if exponent is not None:
        sign = "-" if exponent < 0 else ("+" if "+" in exp_code else "")
        number += exp_code[0] + sign + str(abs(exponent)).rjust(exp_code.count("0"), "0")
    lit = [(i, t) for i, (kind, t) in zip(_positions(toks), toks, strict=True) if kind == "lit"]
    before = "".join(t for i, t in lit if i < first)
    after = "".join(t for i, t in lit if i >= end)
    return before + number + after


def _positions(toks: list[tuple[str, str]]) -> list[int]:
    """Each token's index in the flattened code (a code token is one character, a literal
    one placeholder character)."""
    out, k = [], 0
    for kind, t in toks:
        out.append(k)
        k += len(t) if kind == "code" else 1
    return out


def _with_percent(toks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``%`` is both a scale and a literal: show it where the code has it."""
    return [("lit", "%") if kind == "code" and t == "%" else (kind, t) for kind, t in toks]


def render(value: object, code: str | None) -> Formatted:
    """``value`` as a cell formatted with ``code`` shows it (text and colour)."""
    if value is None:
        return Formatted("")
    if isinstance(value, bool):
        return Formatted("TRUE" if value else "FALSE")
    code = code or "General"
    sections = _sections(code)
    if isinstance(value, str):
        if len(sections) >= 4:
            toks, color, _ = _tokens(sections[3])
            return Formatted("".join(value if kind == "code" and t == "@" else t
                                     for kind, t in toks), color)
        return Formatted(value)
    if not isinstance(value, int | float):
        return Formatted(str(value))
    x = float(value)
    if not math.isfinite(x):
        return Formatted("#NUM!")
    if x < 0 and len(sections) >= 2:
        section, x, signed = sections[1], -x, False
    elif x == 0 and len(sections) >= 3:
        section, signed = sections[2], False
    else:
        section, signed = sections[0], True
    toks, color, cond = _tokens(section)
    if cond or section.strip().lower() == "general":  # conditions: not handled, see above
        return Formatted(general(x if signed else abs(x)), color)
    if not section:
        return Formatted("", color)
    if _is_date(toks):
        if x < 0 or x > 2958465.99999:
            return Formatted("#" * 8, color)
        return Formatted(_format_date(x, toks), color)
    if "general" in section.lower():
        text = general(abs(x))
        out = "".join(text if kind == "code" else t for kind, t in toks
                      if not (kind == "code" and t.lower() in "eneral"))
        return Formatted(("-" if x < 0 and signed else "") + out, color)
    negative = signed and x < 0
    text = _format_number(abs(x), toks)
    if negative and re.search(r"[1-9]", text):
        text = "-" + text
    return Formatted(text, color)


def format_value(value: object, code: str | None) -> str:
    """``value`` as Excel shows it in a cell of number format ``code``."""
    return render(value, code).text


def axis_format(code: str | None) -> dict[str, str]:
    """Plotly axis settings (``tickformat``, ``tickprefix``, ``ticksuffix``) closest to the
    first section of ``code``: percent, thousands separators, decimals, scientific, currency
    symbols.  ``{}`` for General and for codes it cannot express (dates, fractions)."""
    if not code or code.strip().lower() == "general":
        return {}
    toks, _, _ = _tokens(_sections(code)[0])
    if _is_date(toks):
        return {}
    flat = "".join(t if kind == "code" else "\0" for kind, t in toks)
    places = [i for i, ch in enumerate(flat) if ch in "0#?"]
    if not places:
        return {}
    first, last = places[0], places[-1]
    body = flat[first:last + 1]
    exp = re.search(r"[eE][+-]", body)
    mant = body[:exp.start()] if exp else body
    decimals = len(mant.partition(".")[2].replace(",", "").replace("\0", ""))
    percent = "%" in flat
    comma = "," if "," in mant.partition(".")[0].strip(",") else ""
    kind = "e" if exp else ("%" if percent else "f")
    pos = _positions(toks)
    prefix = "".join(t for i, (k, t) in zip(pos, toks, strict=True) if k == "lit" and i < first)
    suffix = "".join(t for i, (k, t) in zip(pos, toks, strict=True)
                     if k == "lit" and i > last and t.strip())
    out = {"tickformat": f"{comma}.{decimals}{kind}"}
    if prefix.strip():
        out["tickprefix"] = prefix
    if suffix:
        out["ticksuffix"] = suffix
    return out
