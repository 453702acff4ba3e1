"""Newer text functions: TEXTBEFORE, TEXTAFTER, TEXTSPLIT, REGEXTEST, REGEXEXTRACT,
REGEXREPLACE, VALUETOTEXT, ARRAYTOTEXT, NUMBERVALUE, FIXED.

Text is handled trial by trial (a Python loop over the trials that vary); numbers and
logicals become text as Excel writes them (General format, TRUE/FALSE).  Excel's regular
expressions are PCRE2; Python's ``re`` reads the same common syntax, and a replacement's
``$1`` is read as group 1.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import lru_cache

import numpy as np

from ..values import (
    ERROR_NAMES,
    NA,
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
from ._args import result, scalar_number
from .math import cell_of, flag, lift, round_digits
from .operators import map_grid
from .stattests import map_scalars
from .text import _text_result, _vec

Arg = Vec | Grid | None


def _texts(v: Arg) -> tuple[np.ndarray, np.ndarray | None]:
    return to_text(_vec(cell_of(v)))


def _pick(arr: np.ndarray, i: int):
    return arr[i if len(arr) > 1 else 0]


def _int_arg(v: Arg, default: float) -> tuple[np.ndarray, np.ndarray | None]:
    """A whole-number option: omitted -> ``default``, an empty cell 0, an array its first."""
    if v is None:
        return np.full(1, default), None
    x, e = scalar_number(_scalar(v), default)
    return np.trunc(x), e


def _scalar(v: Arg) -> Vec:
    """An option argument as one value (the first of an array)."""
    if isinstance(v, Grid):
        return v.cells[0][0]
    return _vec(v)


# ----------------------------------------------------------------- TEXTBEFORE / TEXTAFTER
def _delimiters(d: Arg) -> tuple[list[np.ndarray], np.ndarray | None]:
    """Each delimiter (an array gives several) as text per trial."""
    cells = list(d.flat()) if isinstance(d, Grid) else [_vec(d)]
    out, err = [], None
    for c in cells:
        t, e = to_text(c)
        out.append(t)
        err = first_error(err, e)
    return out, err


def _find_all(text: str, delims: list[str], fold: bool) -> list[tuple[int, int]]:
    """(start, end) of every delimiter match, left to right, not overlapping."""
    hay = text.casefold() if fold else text
    needles = [s.casefold() if fold else s for s in delims]
    found, pos = [], 0
    while pos <= len(hay):
        best = None
        for s in needles:
            k = hay.find(s, pos)
            if k >= 0 and (best is None or k < best[0] or (k == best[0] and len(s) > best[1] - k)):
                best = (k, k + len(s))
        if best is None:
            break
        found.append(best)
        pos = best[1] if best[1] > best[0] else best[0] + 1
    return found


def _before_after(after: bool):
    def fn(text_: Arg, delimiter: Arg, instance_num: Arg = None, match_mode: Arg = None,
           match_end: Arg = None, if_not_found: Arg = None) -> Vec | Grid:
        delims, ed = _delimiters(delimiter)

        def one(t: Vec, k: Vec | None, mm: Vec | None, me: Vec | None, nf: Vec | None) -> Vec:
            s, et = to_text(_vec(t))
            inst, ei = _int_arg(k, 1.0)
            mode, em = _int_arg(mm, 0.0)
            end, ee = (np.zeros(1, bool), None) if me is None or me.kind == Kind.BLANK \
                else to_bool(me)
            err = first_error(et, ed, ei, em, ee)
            n = max(len(s), len(inst), len(mode), len(end), *(len(d) for d in delims))
            out = np.empty(n, dtype=object)
            codes = np.zeros(n, np.uint8)
            missing = np.zeros(n, bool)
            for i in range(n):
                txt, k, m = str(_pick(s, i)), int(_pick(inst, i)), int(_pick(mode, i))
                if k == 0 or abs(k) > max(len(txt), 1) or m not in (0, 1):
                    codes[i], out[i] = VALUE, ""
                    continue
                ds = [str(_pick(d, i)) for d in delims]
                hits = _find_all(txt, ds, m == 1)
                if bool(_pick(end, i)):
                    hits = hits + [(len(txt), len(txt))] if k > 0 else [(0, 0)] + hits
                if abs(k) > len(hits):
                    missing[i], out[i] = True, ""
                    continue
                a, b = hits[k - 1] if k > 0 else hits[k]
                out[i] = txt[b:] if after else txt[:a]
            res = _text_result(out, first_error(err, codes if codes.any() else None))
            if missing.any():
                if nf is None:
                    return _text_result(res.data, flag(res.err, missing, NA))
                from ..values import select

                return select(missing, nf, res) if len(missing) > 1 else (nf if missing[0] else res)
            return res

        return map_scalars(one, [text_, instance_num, match_mode, match_end, if_not_found])

    return fn


register("TEXTBEFORE")(_before_after(False))
register("TEXTAFTER")(_before_after(True))


# ----------------------------------------------------------------- TEXTSPLIT
@register("TEXTSPLIT")
def textsplit(text_: Arg, col_delimiter: Arg = None, row_delimiter: Arg = None,
              ignore_empty: Arg = None, match_mode: Arg = None, pad_with: Arg = None
              ) -> Vec | Grid:
    """Excel's TEXTSPLIT: text split into columns (and rows); missing cells padded (#N/A)."""
    if isinstance(text_, Grid) and text_.shape != (1, 1):
        return map_grid(lambda t: _first(textsplit(t, col_delimiter, row_delimiter,
                                                   ignore_empty, match_mode, pad_with)), text_)
    s, err = _texts(text_)
    cols, ec = _delimiters(col_delimiter) if col_delimiter is not None else ([], None)
    rows, er = _delimiters(row_delimiter) if row_delimiter is not None else ([], None)
    skip, es = (np.zeros(1, bool), None) if ignore_empty is None else to_bool(_scalar(ignore_empty))
    mode, em = _int_arg(match_mode, 0.0)
    err = first_error(err, ec, er, es, em)
    n = max(len(s), *(len(d) for d in cols + rows), len(skip), len(mode), 1)
    tables, bad = [], np.zeros(n, bool)
    for i in range(n):
        cd = [str(_pick(d, i)) for d in cols]
        rd = [str(_pick(d, i)) for d in rows]
        m = int(_pick(mode, i))
        if (not cd and not rd) or any(d == "" for d in cd + rd) or m not in (0, 1):
            bad[i] = True
            tables.append([[""]])
            continue
        fold = m == 1
        txt = str(_pick(s, i))
        lines = _split(txt, rd, fold) if rd else [txt]
        table = [_split(line, cd, fold) if cd else [line] for line in lines]
        if bool(_pick(skip, i)):
            table = [[c for c in r if c != ""] for r in table]
            table = [r for r in table if r]
        tables.append(table or [[""]])
    err = flag(err, bad, VALUE)
    height = max(len(t) for t in tables)
    width = max(len(r) for t in tables for r in t)
    pad = _scalar(pad_with) if pad_with is not None else None
    grid = []
    for r in range(height):
        row = []
        for c in range(width):
            vals = [t[r][c] if r < len(t) and c < len(t[r]) else None for t in tables]
            gap = np.array([v is None for v in vals])
            cell = _text_result(np.array(["" if v is None else v for v in vals], dtype=object),
                                err if err is None or len(err) == n else np.broadcast_to(err, (n,)))
            if gap.any():
                from ..values import select

                filler = pad if pad is not None else Vec(Kind.NUM, np.zeros(1), np.full(1, NA, np.uint8))
                cell = select(gap, filler, cell) if n > 1 else filler
            row.append(cell)
        grid.append(row)
    if height == 1 and width == 1:
        return grid[0][0]
    return Grid(grid)


def _first(v: Vec | Grid) -> Vec:
    return v.cells[0][0] if isinstance(v, Grid) else v


def _split(text: str, delims: list[str], fold: bool) -> list[str]:
    parts, start = [], 0
    for a, b in _find_all(text, delims, fold):
        parts.append(text[start:a])
        start = b
    parts.append(text[start:])
    return parts


# ----------------------------------------------------------------- regular expressions
@lru_cache(maxsize=256)
def _regex(pattern: str, fold: bool) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern, re.IGNORECASE if fold else 0)
    except re.error:
        return None


def _case(v: Arg) -> tuple[np.ndarray, np.ndarray | None]:
    """The case_sensitivity argument: 0 (sensitive, the default) or 1; else #VALUE!."""
    k, e = _int_arg(v, 0.0)
    return k, flag(e, (k != 0) & (k != 1), VALUE)


@register("REGEXTEST")
def regextest(text_: Arg, pattern: Arg, case_sensitivity: Arg = None) -> Vec | Grid:
    """Excel's REGEXTEST: whether the text matches the pattern anywhere."""
    def one(t: Arg, p: Arg, c: Arg) -> Vec:
        s, e1 = to_text(_vec(t))
        pat, e2 = to_text(_vec(p))
        k, e3 = _case(c)
        err = first_error(e1, e2, e3)
        n = max(len(s), len(pat), len(k))
        out, bad = np.zeros(n, bool), np.zeros(n, bool)
        for i in range(n):
            rx = _regex(str(_pick(pat, i)), bool(_pick(k, i) == 1))
            if rx is None:
                bad[i] = True
            else:
                out[i] = rx.search(str(_pick(s, i))) is not None
        err = flag(err, bad, VALUE)
        return Vec(Kind.BOOL, np.where(err != 0, False, out) if err is not None else out, err)

    return lift(one, (text_, pattern, case_sensitivity))


@register("REGEXEXTRACT")
def regexextract(text_: Arg, pattern: Arg, return_mode: Arg = None,
                 case_sensitivity: Arg = None) -> Vec | Grid:
    """Excel's REGEXEXTRACT: the first match (mode 0), all matches (1, a column) or the
    groups of the first match (2, a row); no match is #N/A."""
    def one(t: Arg, p: Arg, m: Arg, c: Arg) -> Vec | Grid:
        s, e1 = to_text(_vec(t))
        pat, e2 = to_text(_vec(p))
        mode, e3 = _int_arg(m, 0.0)
        k, e4 = _case(c)
        err = flag(first_error(e1, e2, e3, e4), (mode < 0) | (mode > 2), VALUE)
        n = max(len(s), len(pat), len(mode), len(k))
        found: list[list[str] | None] = []
        bad = np.zeros(n, bool)
        for i in range(n):
            rx = _regex(str(_pick(pat, i)), bool(_pick(k, i) == 1))
            md = int(np.clip(_pick(mode, i), 0, 2))
            txt = str(_pick(s, i))
            if rx is None:
                bad[i] = True
                found.append(None)
                continue
            if md == 1:
                hits = [mt.group(0) for mt in rx.finditer(txt)]
                found.append(hits or None)
            else:
                mt = rx.search(txt)
                if mt is None:
                    found.append(None)
                elif md == 2 and not rx.groups:
                    bad[i] = True  # groups asked for, the pattern has none
                    found.append(None)
                else:
                    found.append([mt.group(0)] if md == 0 else [g or "" for g in mt.groups()])
        err = flag(err, bad, VALUE)
        size = max((len(f) for f in found if f), default=1)
        cells = []
        for j in range(size):
            vals = [(f[j] if f and j < len(f) else "") for f in found]
            gone = np.array([not f or j >= len(f) for f in found])
            cells.append(_text_result(np.array(vals, dtype=object),
                                      flag(err, gone & ~bad, NA)))
        if size == 1:
            return cells[0]
        vertical = int(_pick(mode, 0)) == 1
        return Grid([[c] for c in cells]) if vertical else Grid([cells])

    return lift(one, (text_, pattern, return_mode, case_sensitivity))


_DOLLAR = re.compile(r"\$(\d+)|\$\{(\w+)\}")


def _replacement(s: str) -> str:
    s = s.replace("\\", "\\\\")
    return _DOLLAR.sub(lambda m: f"\\g<{m.group(1) or m.group(2)}>", s)


@register("REGEXREPLACE")
def regexreplace(text_: Arg, pattern: Arg, replacement: Arg, occurrence: Arg = None,
                 case_sensitivity: Arg = None) -> Vec | Grid:
    """Excel's REGEXREPLACE: every match (occurrence 0) or the n-th one (negative: from the
    end) replaced; $1 in the replacement is group 1."""
    def one(t: Arg, p: Arg, r: Arg, o: Arg, c: Arg) -> Vec:
        s, e1 = to_text(_vec(t))
        pat, e2 = to_text(_vec(p))
        rep, e3 = to_text(_vec(r))
        occ, e4 = _int_arg(o, 0.0)
        k, e5 = _case(c)
        err = first_error(e1, e2, e3, e4, e5)
        n = max(len(s), len(pat), len(rep), len(occ), len(k))
        out, bad = np.empty(n, dtype=object), np.zeros(n, bool)
        for i in range(n):
            rx = _regex(str(_pick(pat, i)), bool(_pick(k, i) == 1))
            txt = str(_pick(s, i))
            if rx is None:
                bad[i], out[i] = True, ""
                continue
            repl = _replacement(str(_pick(rep, i)))
            nth = int(_pick(occ, i))
            try:
                if nth == 0:
                    out[i] = rx.sub(repl, txt)
                    continue
                hits = list(rx.finditer(txt))
                if abs(nth) > len(hits):
                    out[i] = txt
                    continue
                mt = hits[nth - 1] if nth > 0 else hits[nth]
                out[i] = txt[:mt.start()] + mt.expand(repl) + txt[mt.end():]
            except (re.error, IndexError):
                bad[i], out[i] = True, ""
        return _text_result(out, flag(err, bad, VALUE))

    return lift(one, (text_, pattern, replacement, occurrence, case_sensitivity))


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
    k, e = _int_arg(f, 0.0)
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
        out = np.array([_value_text(x, c, bool(_pick(k, i) == 1)) for i, (x, c) in enumerate(vals)],
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
            strict = bool(_pick(k, i) == 1)
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
            if v.kind == Kind.BOOL or isinstance(_pick(v.data, i), bool | np.bool_):
                bad[i] = True
                continue
            dd, gg = str(_pick(dec, i))[:1], str(_pick(grp, i))[:1]
            if g is None and dd == ",":
                gg = "."  # only the decimal separator given, and it is the comma
            x = number_value(str(_pick(s, i)), dd, gg) if dd and gg else None
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
        from .text import to_number_ext

        x, err = to_number_ext(_vec(v)) if v is not None else (np.zeros(1), None)
        k, e2 = _int_arg(d, 2.0) if not (isinstance(d, Vec) and d.kind == Kind.BLANK) \
            else (np.zeros(1), None)
        plain, e3 = (np.zeros(1, bool), None) if c is None else to_bool(_vec(c))
        err = flag(first_error(err, e2, e3), k > 127, VALUE)
        n = max(len(x), len(k), len(plain))
        rounded = round_digits(x, np.clip(k, -308, 127))
        out = np.empty(n, dtype=object)
        for i in range(n):
            kk = int(np.clip(_pick(k, i), -400, 127))
            val = float(_pick(rounded, i))
            out[i] = "0" if kk < -308 else fixed_text(val, kk, not bool(_pick(plain, i)))
        return _text_result(out, err)

    return lift(one, (number, decimals, no_commas))


@register("DOLLAR")
def dollar(number: Arg, decimals: Arg = None) -> Vec | Grid:
    """Excel's DOLLAR: a number as currency text, "$1,234.57" ("($1,234.57)" when negative)."""
    def one(v: Arg, d: Arg) -> Vec:
        from .text import to_number_ext

        x, err = to_number_ext(_vec(v)) if v is not None else (np.zeros(1), None)
        k, e2 = _int_arg(d, 2.0)
        err = flag(first_error(err, e2), k > 127, VALUE)
        n = max(len(x), len(k))
        rounded = round_digits(x, np.clip(k, -308, 127))
        out = np.empty(n, dtype=object)
        for i in range(n):
            kk = int(np.clip(_pick(k, i), -400, 127))
            val = float(_pick(rounded, i))
            body = "0" if kk < -308 else fixed_text(abs(val), kk, True)
            out[i] = f"(${body})" if val < 0 and body.strip("0.,") else f"${body}"
        return _text_result(out, err)

    return lift(one, (number, decimals))


@register("HYPERLINK")
def hyperlink(link_location: Arg, friendly_name: Arg = None) -> Vec | Grid:
    """Excel's HYPERLINK: the cell shows the friendly name (else the link); nothing to open
    here."""
    shown = friendly_name if friendly_name is not None else link_location
    return shown if shown is not None else Vec(Kind.BLANK, np.zeros(1))


__all__ = ["number_value", "fixed_text", "regextest", "regexextract", "regexreplace",
           "valuetotext", "arraytotext", "numbervalue", "fixed", "textsplit"]
