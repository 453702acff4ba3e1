"""Text functions: CONCATENATE, CONCAT, TEXTJOIN, LEN, LEFT, RIGHT, MID, UPPER, LOWER, PROPER,
TRIM, SUBSTITUTE, REPLACE, FIND, SEARCH, EXACT, REPT, VALUE, TEXT, CHAR, CODE.

Text lives in object arrays, one string per trial; numbers become text in Excel's General
format (:func:`engine.values.to_text`).  String work is a Python loop over the trials that vary
(``np.frompyfunc``), numbers stay vectorized.  VALUE and TEXT also read dates and times written
as text ("2020-01-31", "1/31/2020", "12:30 PM"), as Excel does in an English locale.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache

import numpy as np

from ..values import (
    ERROR_CODES,
    VALUE,
    Grid,
    Kind,
    Vec,
    blank,
    first_error,
    parse_number,
    to_bool,
    to_number,
    to_text,
    trials,
)
from . import register
from ._args import iter_values, result, scalar_number
from ._epoch import date_shift
from ._format_code import (
    conditional_section,
    excel_day_names,
    excel_whole,
    fraction_text,
    general_text,
    is_calendar_format,
    plain_format,
    rounded_for_format,
    scaled_format,
    scientific_text,
)
from ._search import wildcard_regex
from .math import Arg, atp_number, flag, lift, round_digits

MAX_LEN = 32767  # Excel's longest text
_DATES = ("%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y", "%d-%b-%Y", "%d-%b-%y",
          "%d %b %Y", "%d %B %Y", "%d-%B-%Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y")
_TIMES = ("%H:%M", "%H:%M:%S", "%H:%M:%S.%f", "%I:%M %p", "%I:%M:%S %p", "%I %p")
_EPOCH = dt.datetime(1899, 12, 30)
_DATEISH = re.compile(r"(?=.*\d)[\w\s/:.,-]{3,40}")  # worth trying the formats above
# simple number formats done here: [$]0|#,##0[.00][%]
_SIMPLE = re.compile(r"^(\$?)(0|#,##0)(\.0+)?(%?)$")


# ----------------------------------------------------------------- coercion helpers
def parse_datetime(s: str) -> float | None:
    """An English-locale date and/or time written as text, as an Excel serial number (in
    the date system of the workbook being evaluated)."""
    return _parse_datetime(s, date_shift())


@lru_cache(maxsize=4096)   # keyed by the date system too: a 1904 workbook has other serials
def _parse_datetime(s: str, shift: int) -> float | None:
    t = " ".join(s.split())
    if not _DATEISH.fullmatch(t):
        return None
    for fmt in [*_DATES, *_TIMES, *(f"{d} {h}" for d in _DATES for h in _TIMES)]:
        try:
            when = dt.datetime.strptime(t, fmt)
        except ValueError:
            continue
        if "%y" in fmt and when.year >= 2030:  # Excel: 00-29 -> 20xx, 30-99 -> 19xx
            when = when.replace(year=when.year - 100)
        if fmt in _TIMES:
            midnight = when.replace(hour=0, minute=0, second=0, microsecond=0)
            return (when - midnight).total_seconds() / 86400
        if when.year < 1900:
            return None
        serial = (when - _EPOCH).total_seconds() / 86400
        return (serial - 1 if serial < 61 else serial) - shift  # Excel's 29-Feb-1900
    return None


def _parse_text(s: str) -> float | None:
    x = parse_number(s)
    if x is None:
        m = re.fullmatch(r"\s*\((.+)\)\s*", s)  # accounting negative: (100)
        y = parse_number(m.group(1)) if m else None
        x = -y if y is not None else parse_datetime(s)
    return x


def to_number_ext(v: Vec) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`engine.values.to_number`, also reading dates, times and (1,000) from text."""
    x, err = to_number(v)
    if v.kind not in (Kind.STR, Kind.ANY) or err is None:
        return x, err
    own = v.err if v.err is not None else np.zeros(1, np.uint8)
    bad = np.nonzero((err == VALUE) & (own == 0))[0]
    if not len(bad):
        return x, err
    x, err = np.array(np.broadcast_to(x, err.shape)), err.copy()
    for i in bad:
        s = v.data[i if len(v.data) > 1 else 0]
        y = _parse_text(s) if isinstance(s, str) else None
        if y is not None:
            x[i], err[i] = y, 0
    return x, (err if err.any() else None)


def _vec(a: Arg) -> Vec:
    return blank() if a is None else a  # type: ignore[return-value]


def _text_result(out: object, err: np.ndarray | None) -> Vec:
    arr = np.atleast_1d(np.asarray(out, dtype=object))
    too_long = np.frompyfunc(lambda s: len(s) > MAX_LEN, 1, 1)(arr).astype(bool)
    err = flag(err, too_long, VALUE)
    if err is not None:
        arr = np.where(err != 0, "", arr).astype(object)
    return Vec(Kind.STR, arr, err)


def _ints(v: Arg, default: float | None, low: float
          ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """A truncated count or position argument: its values, its errors and where it is below
    ``low`` (a #VALUE! that comes after the errors of all the arguments)."""
    x, err = scalar_number(v, default)
    x = np.trunc(x)
    return np.clip(x, low, 2.0 ** 31).astype(np.int64), err, x < low


def _strmap(fn: Callable[..., object], *arrays: np.ndarray) -> np.ndarray:
    return np.atleast_1d(np.frompyfunc(fn, len(arrays), 1)(*arrays))


def _string_fn(name: str, fn: Callable[[str], str]) -> None:
    def impl(text_: Arg = None) -> Vec | Grid:
        def one(v: Arg) -> Vec:
            s, err = to_text(_vec(v))
            return _text_result(_strmap(fn, s), err)

        return lift(one, (_vec(text_),), trialwise=True)

    impl.__name__ = name.lower()
    register(name)(impl)


_string_fn("UPPER", str.upper)
_string_fn("LOWER", str.lower)
_string_fn("PROPER", str.title)  # capital after any non-letter: "76BudGet" -> "76Budget"
_string_fn("TRIM", lambda s: re.sub(" +", " ", s).strip(" "))


# ----------------------------------------------------------------- pieces of text
@register("LEN")
def len_(text_: Arg = None) -> Vec | Grid:
    """Excel's LEN."""
    def one(v: Arg) -> Vec:
        s, err = to_text(_vec(v))
        return result(_strmap(len, s).astype(np.float64), err)

    return lift(one, (_vec(text_),), trialwise=True)


def _left_right(text_: Arg, count: Arg, right: bool) -> Vec | Grid:
    def one(v: Arg, k: Arg) -> Vec:
        s, err = to_text(_vec(v))
        n, e, bad = _ints(k, 1.0, 0)
        err = flag(first_error(err, e), bad, VALUE)
        cut = (lambda t, m: t[len(t) - m:] if m < len(t) else t) if right else (lambda t, m: t[:m])
        return _text_result(_strmap(cut, s, n), err)

    return lift(one, (_vec(text_), count), trialwise=True)


@register("LEFT")
def left(text_: Arg = None, count: Arg = None) -> Vec | Grid:
    """Excel's LEFT (count defaults to 1; negative -> #VALUE!)."""
    return _left_right(text_, count, right=False)


@register("RIGHT")
def right(text_: Arg = None, count: Arg = None) -> Vec | Grid:
    """Excel's RIGHT (count defaults to 1; negative -> #VALUE!)."""
    return _left_right(text_, count, right=True)


@register("MID")
def mid(text_: Arg, start: Arg, count: Arg) -> Vec | Grid:
    """Excel's MID (start < 1 or count < 0 -> #VALUE!)."""
    def one(v: Arg, st: Arg, k: Arg) -> Vec:
        s, err = to_text(_vec(v))
        (a, e1, bad1), (n, e2, bad2) = _ints(st, None, 1), _ints(k, None, 0)
        err = flag(flag(first_error(err, e1, e2), bad1, VALUE), bad2, VALUE)
        return _text_result(_strmap(lambda t, i, m: t[i - 1:i - 1 + m], s, a, n), err)

    return lift(one, (_vec(text_), start, count), trialwise=True)


@register("REPLACE")
def replace(old: Arg, start: Arg, count: Arg, new: Arg) -> Vec | Grid:
    """Excel's REPLACE: ``count`` characters from ``start`` replaced by ``new``."""
    def one(v: Arg, st: Arg, k: Arg, w: Arg) -> Vec:
        s, err = to_text(_vec(v))
        (a, e1, bad1), (n, e2, bad2) = _ints(st, None, 1), _ints(k, None, 0)
        r, e3 = to_text(_vec(w))
        err = flag(flag(first_error(err, e1, e2, e3), bad1, VALUE), bad2, VALUE)
        return _text_result(_strmap(lambda t, i, m, x: t[:i - 1] + x + t[i - 1 + m:], s, a, n, r),
                            err)

    return lift(one, (_vec(old), start, count, _vec(new)), trialwise=True)


@register("SUBSTITUTE")
def substitute(text_: Arg, old: Arg, new: Arg, instance: Arg = None) -> Vec | Grid:
    """Excel's SUBSTITUTE: every occurrence, or only the ``instance``-th one."""
    def one(v: Arg, o: Arg, w: Arg, k: Arg) -> Vec:
        (s, e1), (a, e2), (b, e3) = to_text(_vec(v)), to_text(_vec(o)), to_text(_vec(w))
        err = first_error(e1, e2, e3)
        if k is None:
            return _text_result(_strmap(lambda t, x, y: t.replace(x, y) if x else t, s, a, b), err)
        x, e = atp_number(k)  # TRUE is #VALUE! here, unlike in LEFT or MID
        x = np.trunc(x)
        n = np.clip(x, 1, 2.0 ** 31).astype(np.int64)
        return _text_result(_strmap(_substitute_nth, s, a, b, n),
                            flag(first_error(err, e), x < 1, VALUE))

    return lift(one, (_vec(text_), _vec(old), _vec(new), instance), trialwise=True)


def _substitute_nth(t: str, x: str, y: str, n: int) -> str:
    if not x:
        return t
    pos = -len(x)
    for _ in range(n):
        pos = t.find(x, pos + len(x))
        if pos < 0:
            return t
    return t[:pos] + y + t[pos + len(x):]


def _find(case: bool) -> Callable[..., Vec | Grid]:
    def impl(find_text: Arg, within: Arg, start: Arg = None) -> Vec | Grid:
        def one(f: Arg, w: Arg, st: Arg) -> Vec:
            (a, e1), (s, e2) = to_text(_vec(f)), to_text(_vec(w))
            i, e3, bad = _ints(st, 1.0, 1)
            err = flag(first_error(e1, e2, e3), bad, VALUE)
            where = _strmap(_find_one if case else _search_one, a, s, i).astype(np.float64)
            return result(np.where(where > 0, where, 0.0), flag(err, where <= 0, VALUE))

        return lift(one, (_vec(find_text), _vec(within), start), trialwise=True)

    return impl


def _find_one(x: str, t: str, i: int) -> int:
    if i > len(t):
        return 0
    return t.find(x, i - 1) + 1


def _search_one(x: str, t: str, i: int) -> int:
    if i > len(t):
        return 0
    m = wildcard_regex(x).search(t, i - 1)  # the leftmost match start, greedy or not
    return m.start() + 1 if m else 0


register("FIND")(_find(True))
register("SEARCH")(_find(False))


@register("EXACT")
def exact(a: Arg, b: Arg) -> Vec | Grid:
    """Excel's EXACT: case-sensitive comparison of the texts."""
    def one(x: Arg, y: Arg) -> Vec:
        (s, e1), (t, e2) = to_text(_vec(x)), to_text(_vec(y))
        err = first_error(e1, e2)
        eq = np.atleast_1d(np.equal(s, t).astype(bool))
        return Vec(Kind.BOOL, eq if err is None else np.where(err != 0, False, eq), err)

    return lift(one, (_vec(a), _vec(b)), trialwise=True)


@register("REPT")
def rept(text_: Arg, count: Arg) -> Vec | Grid:
    """Excel's REPT (count < 0 or a result over 32767 characters -> #VALUE!)."""
    def one(v: Arg, k: Arg) -> Vec:
        s, err = to_text(_vec(v))
        n, e, bad = _ints(k, None, 0)
        err = flag(first_error(err, e), bad, VALUE)
        too_long = _strmap(lambda t, m: len(t) * m > MAX_LEN, s, n).astype(bool)
        n = np.where(too_long, 0, n)
        return _text_result(_strmap(lambda t, m: t * m, s, n), flag(err, too_long, VALUE))

    return lift(one, (_vec(text_), count), trialwise=True)


# ----------------------------------------------------------------- joining
def _joinable(args: tuple[Arg, ...]) -> tuple[list[np.ndarray], np.ndarray | None]:
    parts, err = [], None
    for v, _ in iter_values(args):
        s, e = to_text(v)
        parts.append(s)
        err = first_error(err, e)
    return parts, err


@register("CONCATENATE")
def concatenate(*args: Arg) -> Vec | Grid:
    """Excel's CONCATENATE: maps over arrays (unlike CONCAT, which flattens them)."""
    def one(*vals: Arg) -> Vec:
        parts, err = _joinable(tuple(_vec(v) for v in vals))
        acc = np.array([""], dtype=object)
        for p in parts:
            acc = acc + p
        return _text_result(acc, err)

    return lift(one, args)


@register("CONCAT")
def concat(*args: Arg) -> Vec:
    """Excel's CONCAT: every value of every range and array, in order."""
    parts, err = _joinable(args)
    acc = np.array([""], dtype=object)
    for p in parts:
        acc = acc + p
    return _text_result(acc, err)


@register("TEXTJOIN")
def textjoin(delimiter: Arg, ignore_empty: Arg, *args: Arg) -> Vec:
    """Excel's TEXTJOIN: an array of delimiters is used in turn."""
    delims, e1 = _joinable((_vec(delimiter),))
    ignore, e2 = to_bool(_vec(ignore_empty) if not isinstance(ignore_empty, Grid)
                         else ignore_empty.cells[0][0])
    parts, e3 = _joinable(args)
    err = first_error(e1, e2, e3)
    n = trials(*[a for a in (delimiter, ignore_empty, *args) if a is not None])
    if not parts:
        return _text_result([""], flag(err, np.ones(1, bool), VALUE))
    cols = [np.broadcast_to(p, (n,)) for p in parts]
    dcols = [np.broadcast_to(d, (n,)) for d in delims] or [np.broadcast_to("", (n,))]
    ign = np.broadcast_to(ignore, (n,))
    out = np.empty(n, dtype=object)
    for i in range(n):
        items = [c[i] for c in cols if not (ign[i] and c[i] == "")]
        pieces = []
        for k, item in enumerate(items):
            if k:
                pieces.append(dcols[(k - 1) % len(dcols)][i])
            pieces.append(item)
        out[i] = "".join(pieces)
    return _text_result(out, err)


# ----------------------------------------------------------------- conversion
@register("VALUE")
def value(text_: Arg = None) -> Vec | Grid:
    """Excel's VALUE: numbers, numeric text, dates and times as text; TRUE/FALSE -> #VALUE!."""
    def one(v: Arg) -> Vec:
        v = _vec(v)
        x, err = to_number_ext(v)
        if v.kind == Kind.BOOL:
            err = flag(err, np.ones(len(v.data), bool), VALUE)
        elif v.kind == Kind.ANY:
            err = flag(err, np.array([isinstance(y, bool | np.bool_) for y in v.data]), VALUE)
        return result(x, err)

    return lift(one, (_vec(text_),))


def _format_simple(x: np.ndarray, fmt: str) -> list[str]:
    """Numbers in a format [$]0|#,##0[.0...][%]: rounded half away from zero on 15 digits.
    A percent past the doubles (9.99E+307 as 0%) is the number's 15 digits times 100 as
    digits, as the other formats write it (excel_whole) and the kernel's dput_fixed does."""
    cur, whole, dec, pct = _SIMPLE.match(fmt).groups()  # type: ignore[union-attr]
    digits = len(dec) - 1 if dec else 0
    spec = f"{',' if whole == '#,##0' else ''}.{digits}f"
    with np.errstate(over="ignore"):   # x * 100 past the doubles: inf, written below
        r = round_digits(np.abs(x * 100.0 if pct else x), np.full(1, float(digits)))
    out = []
    for v, y in zip(r.tolist(), x.tolist(), strict=True):
        d = Decimal(f"{v:.15g}") if v < math.inf else abs(Decimal(f"{y:.15g}")).scaleb(2)
        # a negative number that rounds to zero keeps its sign ("-0.00"), as in Excel
        out.append(f"{'-' if y < 0 else ''}{cur}{format(d, spec)}{pct}")
    return out


def _pycel_text(x: object, fmt: str) -> object:
    from .fallback import _pycel_impl

    try:
        return _pycel_impl("TEXT")(x, fmt)
    except Exception:  # pycel raises on some formats Excel rejects
        return "#VALUE!"


def _text_numbers(v: Vec) -> tuple[np.ndarray, np.ndarray]:
    """The numbers TEXT formats (numbers, blanks, numeric or date text) and where they are."""
    if v.kind in (Kind.NUM, Kind.BLANK):
        return v.data, np.ones(1, bool)
    if v.kind == Kind.BOOL:
        return np.zeros(1), np.zeros(1, bool)
    x, err = to_number_ext(Vec(v.kind, v.data))
    ok = np.ones(1, bool) if err is None else err == 0
    if v.kind == Kind.ANY:
        ok = ok & np.array([not isinstance(y, bool | np.bool_) for y in v.data])
    return x, ok


@register("TEXT")
def text_(value_: Arg, format_text: Arg) -> Vec | Grid:
    """Excel's TEXT: General and the common number formats (0, 0.00, #,##0, #,##0.00, 0%, 0.0%,
    $#,##0, ...) here; other formats (dates, sections, ...) through pycel's TEXT, trial by
    trial."""
    def one(v: Arg, f: Arg) -> Vec:
        v = _vec(v)
        fmts, ef = to_text(_vec(f))
        err = first_error(v.err, ef)
        x, ok = _text_numbers(v)
        n = max(len(v.data), len(fmts))
        xs, oks, fs = (np.broadcast_to(a, (n,)) for a in (x, ok, fmts))
        es = np.broadcast_to(err if err is not None else np.zeros(1, np.uint8), (n,))
        out, codes = np.full(n, "", dtype=object), np.zeros(n, np.uint8)
        live = es == 0
        for written in set(fs[live].tolist()):
            sel = live & (fs == written)
            num = sel & oks
            fmt = plain_format(written)
            if fmt.strip().lower() == "general":
                out[num] = [general_text(float(y)) for y in xs[num]]
            elif _SIMPLE.match(fmt):
                out[num] = _format_simple(xs[num], fmt)
            else:
                num = np.zeros(n, bool)
            for i in np.nonzero(sel & ~num)[0]:
                x_i = float(xs[i]) if oks[i] else v.scalar(int(i))
                chosen = conditional_section(fmt, x_i) if oks[i] else None
                fmt_i = fmt if chosen is None else chosen
                if oks[i] and fmt_i.strip().lower() == "general":
                    out[i] = general_text(x_i)
                    continue
                if oks[i]:
                    fmt_i, divisor = scaled_format(fmt_i, x_i)
                    try:
                        x_i = rounded_for_format(fmt_i, x_i / divisor)
                    except ValueError:   # past Excel's largest number
                        codes[i] = VALUE
                        continue
                if oks[i] and date_shift() and is_calendar_format(fmt_i):
                    x_i += date_shift()  # pycel's TEXT counts in the 1900 date system
                fmt_i = excel_day_names(fmt_i, x_i) if oks[i] else fmt_i
                res = ((scientific_text(fmt_i, x_i) or fraction_text(fmt_i, x_i)) if oks[i]
                       else None) or _pycel_text(excel_whole(x_i) if oks[i] else x_i, fmt_i)
                if not isinstance(res, str) or res in ERROR_CODES:
                    codes[i], res = ERROR_CODES.get(str(res), VALUE), ""
                out[i] = res
        return _text_result(out, first_error(err, codes))

    return lift(one, (_vec(value_), format_text))


_CHARS = np.array([bytes([k]).decode("cp1252", errors="ignore") or chr(k) for k in range(256)],
                  dtype=object)


@register("CHAR")
def char(number: Arg) -> Vec | Grid:
    """Excel's CHAR (Windows code page 1252; outside 1..255 -> #VALUE!)."""
    def one(v: Arg) -> Vec:
        x, err = scalar_number(v, None)
        k = np.trunc(x)
        bad = (k < 1) | (k > 255)
        return _text_result(_CHARS[np.where(bad, 1, k).astype(np.int64)], flag(err, bad, VALUE))

    return lift(one, (number,))


_CODES = {ch: k for k, ch in enumerate(_CHARS)}


def _code_one(s: str) -> int:
    if not s:
        return 0
    return _CODES.get(s[0], 63)  # "?", as Excel does for a character outside the code page


@register("CODE")
def code(text_: Arg) -> Vec | Grid:
    """Excel's CODE: the code page 1252 number of the first character ("" -> #VALUE!)."""
    def one(v: Arg) -> Vec:
        s, err = to_text(_vec(v))
        k = _strmap(_code_one, s).astype(np.float64)
        return result(k, flag(err, k == 0, VALUE))

    return lift(one, (_vec(text_),))


__all__ = ["parse_datetime", "to_number_ext", "len_", "left", "right", "mid", "replace",
           "substitute", "exact", "rept", "concatenate", "concat", "textjoin", "value", "text_",
           "char", "code"]
