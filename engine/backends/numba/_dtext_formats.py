"""TEXT's number formats compiled into plans for the fused kernel (:mod:`._dtext_fmt_rt`).

The numpy reference (:func:`engine.functions.text.text_`) prepares a format per number
(conditions, thousands scaling, rounding half away from zero, Excel's weekday names before
1900-03-01) and writes it with General, its scientific writer, or pycel's ``TextFormat``.
Everything that depends only on the format is done here, once: pycel's own tokenizer splits
each section, and the plan keeps its tokens as the runtime walks them.  A format this
module cannot mirror exactly raises :class:`NotFusable` (the cell stays with numpy):
fractions, a 1904 workbook's dates, positive and negative sections scaled differently
(``0,;-0``: a plan holds one divisor), tokens pycel reads differently once weekday names are
written out, literals with ``#`` (the result could read as an error code).

Plan (floats; offsets relative to the plan's start unless said otherwise):

- top: ``[has_cond, op1, bound1, op2, bound2, nparts, A, B, C, G]``: the body offsets of
  the sections that conditions pick (``engine.functions._format_code.conditional_section``),
  G General; without conditions A is the whole format.
- body: ``[kind, divisor, nr, r0, r1, r2, ...]`` (kind GENERAL, SCI, PYCEL; r_i the decimals
  ``rounded_for_format`` rounds section i to, -1 none); SCI then
  ``[zeros, places, ndec, required, point, letter, plus, ezeros]``; PYCEL then
  ``[nsec, s0, s1, s2]`` (section offsets relative to the body).
- section: DT ``[1, ntok, tokens]``, NUM ``[2, factor, decimal, decimals, thousands, nleft,
  nright, left tokens (in walking order), right tokens]``, LIT ``[3, n, code points]``;
  tokens ``[0, n, code points]`` (literal), ``[1, n, default]`` (placeholders),
  ``[10 + code, 0]`` (date/time), ``[9, 0]`` (a token pycel fails on).
"""

from __future__ import annotations

import itertools as it
import math
import re

from ._dtext_fmt_rt import DT, DT_CODES, GENERAL, LIT, NUM, PYCEL, SCI, T_BAD, T_DT0, T_NUM, T_STR
from ._values import NotFusable

_OPS = {"<": 1.0, ">": 2.0, "=": 3.0, "<=": 4.0, ">=": 5.0, "<>": 6.0}
_DT_WIDTH = {"yyyy": 4, "yy": 2, "mmmmm": 1, "mmmm": 9, "mmm": 3, "mm": 2, "m": 2, "dddd": 9,
             "ddd": 3, "dd": 2, "d": 2, "hh": 2, "h": 2, "HH": 2, "H": 2, "MM": 2, "M": 2,
             "ss": 2, "s": 2, ".": 1, ".0": 3, ".00": 4, ".000": 5, "am/pm": 2, "a/p": 1,
             "A/P": 1, "A/p": 1, "a/P": 1}
MAX_DIGITS = 320       # integer digits of a number a plan may write (1E+308, some %)
MAX_DECIMALS = 40


def format_plan(fmt: str, top: float, shift: int) -> tuple[list[float], int]:
    """The plan of TEXT's format ``fmt`` (as :func:`plain_format` leaves it) for numbers of
    magnitude at most ``top``, and the most characters it writes; ``shift`` the workbook's
    date shift (1904: 1462)."""
    from ...functions._format_code import _CONDITION, sections

    parts = sections(fmt)
    first = _CONDITION.match(parts[0])
    bodies: list[tuple[str, str | None]] = []   # (role, format) ; None: General
    head = [0.0, 0.0, 0.0, 0.0, 0.0, float(len(parts))]
    if first is None:
        bodies = [fmt, None, None, "General"]
    else:
        head[0], head[1], head[2] = 1.0, _OPS[first.group(1)], float(first.group(2))
        second = _CONDITION.match(parts[1]) if len(parts) > 1 else None
        b1 = parts[1] if len(parts) > 1 else None
        if second is not None:
            head[3], head[4] = _OPS[second.group(1)], float(second.group(2))
            b1 = parts[1][second.end():]
        bodies = [parts[0][first.end():], b1, parts[2] if len(parts) > 2 else None, "General"]
    plan = head + [0.0] * 4
    bound = 0
    for j, body in enumerate(bodies):
        if body is None:
            continue
        plan[6 + j] = float(len(plan))
        got, n = _body(body, top, shift)
        plan += got
        bound = max(bound, n)
    return plan, bound


# the reference rounds a number to its section's decimals with every digit kept below Excel's
# largest number (engine.functions._format_code.rounded_for_format, ROUNDED_MAX): from 1E+308
# up it is #VALUE! in every such section, so a kernel plans for numbers below it
ROUNDING_CAP = 1e308


def rounding_cap(fmt: str) -> float | None:
    """:data:`ROUNDING_CAP` where every section of ``fmt`` (as :func:`plain_format` leaves
    it) a number that large can take is rounded by the reference, without scaling or
    conditions; else None (the reference writes such numbers)."""
    from ...functions._format_code import _CONDITION, scaled_format, sections

    parts = sections(fmt)
    if not fmt or _CONDITION.match(parts[0]) is not None:
        return None
    for sec in parts[:2]:
        if _decimals(sec) < 0.0 or scaled_format(sec, 1.0)[1] != 1.0:
            return None
    return ROUNDING_CAP


def _body(fmt: str, top: float, shift: int) -> tuple[list[float], int]:
    from pycel.lib.text import TextFormat

    from ...functions._format_code import (
        _SCIENTIFIC,
        _fraction_tokens,
        is_calendar_format,
        scaled_format,
        sections,
    )

    if fmt.strip().lower() == "general":
        return [GENERAL, 1.0, 0.0, -1.0, -1.0, -1.0], 13
    f2, divisor = scaled_format(fmt, 1.0)
    if scaled_format(fmt, -1.0)[1] != divisor:   # the plan holds one divisor
        raise NotFusable("TEXT with positive and negative sections scaled differently")
    secs = sections(f2)
    rnd = [_decimals(s) for s in secs[:3]]
    head = [0.0, divisor, float(len(secs)), *(rnd + [-1.0] * 3)[:3]]
    mag = top / divisor
    if is_calendar_format(f2) and shift:
        raise NotFusable("TEXT of a date that varies per trial, in a 1904 workbook")
    m = _SCIENTIFIC.match(f2.strip())
    if m is not None:
        ints, point, decs, letter, sign, exp_pat = m.groups()
        decs = decs or ""   # "0E+00": no decimals
        places = max(len(ints), 1)
        if places + len(decs) > 17:
            raise NotFusable("TEXT in a scientific format of more than 17 digits")
        required = len(decs) - len(decs.lstrip("0"))
        zeros = ints.count("0")
        head[0] = SCI
        fields = [float(zeros), float(places), float(len(decs)), float(required),
                  1.0 if point else 0.0, float(ord(letter)), 1.0 if sign == "+" else 0.0,
                  float(exp_pat.count("0"))]
        return head + fields, 1 + max(zeros, places + 1) + 1 + len(decs) + 2 + \
            max(3, exp_pat.count("0"))
    if any(_fraction_tokens(s) is not None for s in secs):
        raise NotFusable("TEXT in a fraction format, of a number that varies per trial")
    tf = TextFormat(f2)
    if tf.thousands_format != ",":
        raise NotFusable("TEXT with a locale's thousands separator")
    toks = tf.tokenized_formats
    if isinstance(toks, str):
        raise NotFusable("TEXT in a format the reference refuses")
    _same_with_day_names(f2, toks)
    kinds = [t.types for t in toks]
    replace = sum(TextFormat.TokenType.REPLACE in k for k in kinds)
    if replace and (replace > 1 or TextFormat.TokenType.REPLACE not in kinds[-1]):
        raise NotFusable("TEXT in a format the reference refuses")
    if toks and TextFormat.TokenType.REPLACE in kinds[-1]:
        toks = toks[:-1]
        if not toks:   # the reference fails on it (no section left for numbers)
            raise NotFusable("TEXT in a format the reference refuses")
    head[0] = PYCEL
    plan = head + [float(len(toks)), 0.0, 0.0, 0.0]
    bound = 1
    for j, sec in enumerate(toks[:3]):
        plan[7 + j] = float(len(plan))
        got, n = _section(sec, mag, len(toks) < 2)
        plan += got
        bound = max(bound, n)
    return plan, bound


def _decimals(sec: str) -> float:
    """The decimals ``rounded_for_format`` rounds a number shown by ``sec`` to (-1: none)."""
    bare = "".join(sec.split('"')[::2])
    if re.search(r"\[[hms]+\]", bare, re.IGNORECASE):
        return -1.0
    bare = re.sub(r"\\.|\[[^\]]*\]", "", bare)
    if not re.fullmatch(r"[0#?,.%$ ()+\-]*", bare) or not re.search(r"[0#?]", bare) \
            or bare.count(".") > 1:
        return -1.0
    point = bare.find(".")
    decimals = len(re.findall(r"[0#?]", bare[point:])) if point >= 0 else 0
    return float(decimals + 2 * bare.count("%"))


def _same_with_day_names(fmt: str, toks: tuple) -> None:
    """Excel's weekday names are written into the format before pycel reads it for serials
    before 1900-03-01; the plan writes them in place of pycel's ``ddd``/``dddd`` tokens,
    which must leave every other token as it was."""
    from pycel.lib.text import TextFormat

    from ...functions._format_code import excel_day_names

    named = excel_day_names(fmt, 1.0)
    if named == fmt:
        return
    other = TextFormat(named).tokenized_formats
    ok = not isinstance(other, str) and len(other) == len(toks)
    for a, b in zip(toks, other if ok else (), strict=False):
        if len(a.tokens) != len(b.tokens) or (a.decimal, a.thousands, a.percents) != \
                (b.decimal, b.thousands, b.percents):
            ok = False
            break
        for p, q in zip(a.tokens, b.tokens, strict=True):
            day = p.type != TextFormat.TokenType.STRING and p.token[0] == "d" and \
                len(p.token) >= 3 and q.type == TextFormat.TokenType.STRING
            if not day and (p.token, p.type) != (q.token, q.type):
                ok = False
    if not ok:
        raise NotFusable("TEXT with weekday names that change how the format reads")


def _lit(text: str) -> list[float]:
    if "#" in text or not text.isascii():
        raise NotFusable("TEXT with a literal that is not plain text")
    return [T_STR, float(len(text)), *(float(ord(c)) for c in text)]


def _section(sec, mag: float, minus: bool) -> tuple[list[float], int]:
    from pycel.lib.date_time import DateTimeFormatter
    from pycel.lib.text import TextFormat

    tt = TextFormat.TokenType
    if tt.DATETIME in sec.types:
        out = [DT, float(len(sec.tokens))]
        bound = 0
        for t in sec.tokens:
            if t.type == tt.STRING:
                out += _lit(t.token)
                bound += len(t.token)
                continue
            code = _dt_code(t.token, DateTimeFormatter)
            if code is None:
                out += [T_BAD, 0.0]
                continue
            if code.startswith("[") and not mag * 86400 < 2 ** 53:
                raise NotFusable("TEXT of a number too large for its elapsed time")
            out += [T_DT0 + DT_CODES.index(code), 0.0]
            bound += _DT_WIDTH.get(code, len(f"{mag * 86400:.0f}") + 1)
        return out, bound
    if tt.NUMBER in sec.types:
        fac = float(100 ** sec.percents)
        scaled = mag * fac   # past the doubles (a % of 1E+307): the int pycel scales
        digits = len(f"{scaled:.0f}" if math.isfinite(scaled) else str(int(mag) * int(fac))) + 1
        number_format = "".join(t.token for t in sec.tokens if t.type == tt.NUMBER)
        decimals = len(number_format.split(".", 1)[1]) if sec.decimal else 0
        if digits > MAX_DIGITS or decimals > MAX_DECIMALS:
            raise NotFusable("TEXT of a number too large for its format")
        toks = iter(sec.tokens)
        left = tuple(it.takewhile(lambda t: t.token != ".", toks))
        right = tuple(toks)
        out = [NUM, fac, 1.0 if sec.decimal else 0.0, float(decimals),
               1.0 if sec.thousands else 0.0, float(len(left)), float(len(right))]
        bound = 2 + digits + digits // 3 + decimals + 1
        for t, reverse in [*((t, True) for t in left[::-1]), *((t, False) for t in right)]:
            if t.type == tt.STRING:
                out += _lit(t.token[::-1] if reverse else t.token)
                bound += len(t.token)
            elif t.token[0] in "#0?":
                out += [T_NUM, float(len(t.token)), -1.0 if t.token[0] == "#" else 48.0]
                bound += 2 * len(t.token)
            else:
                raise NotFusable("TEXT in a format the reference refuses")
        return out, bound
    text = "".join(t.token for t in sec.tokens)
    got = _lit(text)
    return [LIT, *got[1:]], len(text) + (1 if minus else 0)


_NAMED = {"mmmmm", "mmmm", "mmm", "dddd", "ddd", "am/pm", "a/p", "A/P", "A/p", "a/P"}


# the letters of the month and day names and of AM/PM, A/P that TEXT writes (_dtext_fmt_rt)
_NAME_CHARS = frozenset("JanuaryFebruaryMarchAprilMayJuneJulyAugustSeptemberOctoberNovember"
                        "December" "MondayTuesdayWednesdayThursdayFridaySaturdaySunday"
                        "AMPamp")


def plan_chars(plan: list[float]) -> frozenset[str] | None:
    """The characters TEXT in a plan's format can write (month and day names, AM/PM
    included)."""
    digits = set("0123456789")
    out: set[str] = set()

    def literal(at: int) -> int:
        n = int(plan[at + 1])
        out.update(chr(int(c)) for c in plan[at + 2:at + 2 + n])
        return at + 2 + n

    for j in range(4):
        b = int(plan[6 + j])
        if not b:
            continue
        kind = plan[b]
        if kind == GENERAL:
            out |= digits | set(".E+-")
        elif kind == SCI:
            out |= digits | set(".+-") | {chr(int(plan[b + 11]))}
        else:
            nsec = int(plan[b + 6])
            out.add("-")
            for k in range(min(nsec, 3)):
                sec = b + int(plan[b + 7 + k])
                if plan[sec] == LIT:
                    literal(sec)
                    continue
                at, ntok = (sec + 2, int(plan[sec + 1])) if plan[sec] == DT else \
                    (sec + 7, int(plan[sec + 5]) + int(plan[sec + 6]))
                out |= digits | set(".,")
                for _ in range(ntok):
                    tag = plan[at]
                    if tag == T_STR:
                        at = literal(at)
                    elif tag == T_NUM:
                        at += 3
                    else:
                        if tag >= T_DT0 and DT_CODES[int(tag - T_DT0)] in _NAMED:
                            out |= _NAME_CHARS   # the English names the kernel writes
                        at += 2
    return frozenset(out)


def _dt_code(token: str, formatter) -> str | None:
    try:
        fn = formatter.FORMAT_DATETIME_CONVERSION_LOOKUP[token[0]](token)
    except KeyError:
        return None
    for name, conv in formatter.FORMAT_DATETIME_CONVERSIONS.items():
        if conv is fn:
            return name
    return None


__all__ = ["format_plan", "plan_chars"]
