"""TEXT of text made per trial (``TEXT(J2,"dd/mm/yyyy")`` where J2 is ``TEXT(H2,"dd/mm/yyyy")``
of a date that varies per trial; a formula-template workbook spills both as array formulas).

The reference (engine.functions.text.text_) reads such text as VALUE does
(``to_number_ext``: numbers, dates, times, (1,000)) and formats the number as it formats any
number; text that does not read as a number goes to pycel's TEXT, whose own date parser reads
far more than the reference's (``"1-8."`` is a date there), so that path cannot be made in the
kernel.  It is fused only where every text the argument can hold reads as a number in the
reference: texts of known strings that all do, and TEXT of a number in a calendar format whose
texts over the number's range are checked at generation (every day of each year's kind, the
ends of the range, times of day), and TEXT of a number in a number format whose every text
reads back by its grammar ("$#,##0.00", "0.0%", "0.00E+00", "#,##0_);(#,##0)").  The text is read back per trial as VALUE reads it
(:func:`._dvalue.read_dyn`), the number formatted as a number is.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

import numpy as np

from ... import ir
from ._dtext import DynamicText
from ._values import KNUM, NotFusable, Val

__all__ = ["text_of_text"]

_WHY = "TEXT of text made per trial that may not read as a number"
_DATE_MAX = 2958466.0           # 10000-01-01: the reference's dates end before
_YEARS = (1900, 1901, 1904, 1999, 2000, 2024, 2099, 2100, 9999)


def text_of_text(gen: Any, node: ir.Node) -> Val:
    """``node``, text made per trial that TEXT formats, read as a number (VALUE's reading),
    with bounds; NotFusable where some text it can hold may not read as one."""
    from ._dvalue import TO_NUMBER_EXT, read_dyn

    if getattr(gen, "date_shift", 0):
        raise NotFusable(_WHY + " (1904 date system)")
    try:
        d = gen.recipe(node, coerce=False)
    except DynamicText as exc:
        raise NotFusable(str(exc)) from None
    lo, hi = _reads(gen, d.r)
    v = read_dyn(gen, d, TO_NUMBER_EXT)
    return Val(v.v, v.e, KNUM, lo, hi)


def _reads(gen: Any, r: tuple) -> tuple[float, float]:
    """The range of the numbers recipe ``r``'s texts read as (NotFusable where one may not)."""
    tag = r[0]
    if tag == "c":
        return _known(r[1:2])
    if tag == "s":
        return _known(tuple(gen.strings[k] for k in r[2]))
    if tag == "if":
        a, b = _reads(gen, r[2]), _reads(gen, r[3])
        return min(a[0], b[0]), max(a[1], b[1])
    if tag == "fmt" and len(r) > 7:    # TEXT of a number in a simple format ("$#,##0.00")
        top = _numbers_read_back(*r[7])
        if top is not None:
            return -top, top
    if tag == "tfmt" and len(r) > 5:   # TEXT of a number: its format and the number's range
        fmt, lo, hi = r[5]
        top = _dates_read_back(fmt, lo, hi)
        if top is None:
            top = _numbers_read_back(fmt, lo, hi)
        if top is not None:
            return -top, top
    raise NotFusable(_WHY)


# a number format whose every text reads back as a number: [$] 0 or #,##0, decimals, then
# % or an exponent, then a padding space (_) in plain_format's form); a second section for
# negatives: (it), -it or it
_PLAIN = r'(?:\$|"\$")?(?:#,##)?0(?:\.0+)?(?:[Ee][+-]0+|%)?(?:" ")?'
_NUMERIC = re.compile(rf"{_PLAIN}(?:;(?:\({_PLAIN}\)|-?{_PLAIN}))?")


def _numbers_read_back(fmt: str, lo: float, hi: float) -> float | None:
    """Where the reference's TEXT of every number in [lo, hi] in the number format ``fmt``
    reads back as a number, a bound of those numbers' magnitude; else None.

    Proof by the format's grammar (:data:`_NUMERIC`): its texts are an optional sign or
    parentheses, an optional $, digits with group commas in the integer part only, decimals
    and a % or an exponent, and the reference reads each such text as a number
    (``parse_number``: "-$1,234.50" is -1234.5, "(1.5E+03)" is -1500, "12.5%" is 0.125);
    rounding at most doubles a magnitude (0.5 -> "1", 9.96E+03 -> "1.0E+04").  The range's
    ends and 0 are checked against the reference too."""
    if not _NUMERIC.fullmatch(fmt) or not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    top = max(abs(lo), abs(hi))
    if not top < 1e100:
        return None
    ends = np.array([lo, hi] + ([0.0] if lo <= 0.0 <= hi else []))
    good, size = _read_back(fmt, ends)
    if not good.all():
        return None
    return max(2.0 * top + 1.0, float(size.max()))


def _known(texts: tuple[str, ...]) -> tuple[float, float]:
    from ...functions.text import to_number_ext
    from ...values import Kind, Vec

    x, err = to_number_ext(Vec(Kind.STR, np.array(texts, dtype=object)))
    if err is not None and err.any():
        raise NotFusable(_WHY)
    return float(np.min(x)), float(np.max(x))


def _dates_read_back(fmt: str, lo: float, hi: float) -> float | None:
    """Where the reference's TEXT of every number in [lo, hi] in the calendar format ``fmt``
    reads back as a number (or is an error), a bound of those numbers' magnitude; else None.
    Checked on every day of years of each kind (1900's false leap day, leap years, 2- and
    4-digit years, centuries), times of day and the range's ends.  Outside [0, 2958466)
    the reference's TEXT is #VALUE! (the range is cut there)."""
    from ...functions._format_code import is_calendar_format

    if not is_calendar_format(fmt) or math.isnan(lo) or math.isnan(hi):
        return None
    lo, hi = max(lo, -1.0), min(hi, _DATE_MAX + 1.0)
    if lo > hi:
        return 1.0   # an error in every trial
    xs, good, size = _day_samples(fmt)
    inside = (xs >= lo) & (xs <= hi)
    ends = np.array([lo, hi, float(math.floor(lo)), float(math.ceil(hi))])
    ends = ends[(ends >= lo) & (ends <= hi)]
    end_good, end_size = _read_back(fmt, ends)
    if not (good[inside].all() and end_good.all()):
        return None
    top = max(float(size[inside].max(initial=0.0)), float(end_size.max(initial=0.0)))
    return 10.0 * top + 1.0   # days not sampled: between sampled ones of their kind


@functools.lru_cache(maxsize=64)
def _day_samples(fmt: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sample numbers for ``fmt`` (every day of the years of each kind, times of day on
    some), whether each one's text reads back and the magnitude it reads as
    (:func:`_read_back`)."""
    days: list[float] = [-1.0, -0.5, 0.0, 0.5]
    for y in _YEARS:
        first = 1.0 if y == 1900 else float(_serial(y))
        last = float(_serial(y + 1)) if y < 9999 else _DATE_MAX
        days += [float(d) for d in np.arange(first, last)]
    days += [_DATE_MAX, _DATE_MAX + 0.5]
    some = days[:: max(1, len(days) // 60)]
    xs = np.array(days + [d + f for d in some for f in (1e-7, 0.25, 0.5, 0.7499999,
                                                          0.9999999)], dtype=float)
    return (xs, *_read_back(fmt, xs))


def _read_back(fmt: str, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether the reference's TEXT of each of ``xs`` in ``fmt`` is an error or reads back
    as a number (to_number_ext), and the magnitude of that number (0 where an error)."""
    from ...functions.text import text_, to_number_ext
    from ...values import Kind, Vec

    if not len(xs):
        return np.ones(0, bool), np.zeros(0)
    out = text_(Vec(Kind.NUM, xs), Vec(Kind.STR, np.array([fmt], dtype=object)))
    bad = np.broadcast_to(out.err != 0 if out.err is not None else np.zeros(1, bool),
                          xs.shape)
    texts = np.array(np.broadcast_to(out.data, xs.shape), dtype=object)
    x, err = to_number_ext(Vec(Kind.STR, texts))
    fails = np.broadcast_to(err != 0 if err is not None else np.zeros(1, bool), xs.shape)
    size = np.where(bad | fails, 0.0, np.abs(np.broadcast_to(x, xs.shape)))
    return bad | ~fails, size


def _serial(year: int) -> int:
    """The serial number of 1 January ``year`` (1900 date system, its false 29 Feb 1900)."""
    import datetime

    return (datetime.date(year, 1, 1) - datetime.date(1899, 12, 30)).days
