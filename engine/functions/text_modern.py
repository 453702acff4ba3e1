"""Newer text functions: TEXTBEFORE, TEXTAFTER, TEXTSPLIT, REGEXTEST, REGEXEXTRACT,
REGEXREPLACE (values written as text: ``text_format``).

Text is handled trial by trial (a Python loop over the trials that vary); numbers and
logicals become text as Excel writes them (General format, TRUE/FALSE).  Excel's regular
expressions are PCRE2; Python's ``re`` reads the same common syntax, and a replacement's
``$1`` is read as group 1.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from ..values import (
    NA,
    VALUE,
    Grid,
    Kind,
    Vec,
    first_error,
    select,
    to_bool,
    to_text,
)
from . import register
from ._args import scalar_number
from .math import cell_of, flag, lift
from .operators import map_grid
from .stattests import map_scalars
from .text import _text_result, _vec

Arg = Vec | Grid | None


def _texts(v: Arg) -> tuple[np.ndarray, np.ndarray | None]:
    return to_text(_vec(cell_of(v)))


def pick(arr: np.ndarray, i: int):
    return arr[i if len(arr) > 1 else 0]


def int_arg(v: Arg, default: float) -> tuple[np.ndarray, np.ndarray | None]:
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
            inst, ei = int_arg(k, 1.0)
            mode, em = int_arg(mm, 0.0)
            end, ee = (np.zeros(1, bool), None) if me is None or me.kind == Kind.BLANK \
                else to_bool(me)
            err = first_error(et, ed, ei, em, ee)
            n = max(len(s), len(inst), len(mode), len(end), *(len(d) for d in delims))
            out = np.empty(n, dtype=object)
            codes = np.zeros(n, np.uint8)
            missing = np.zeros(n, bool)
            for i in range(n):
                txt, k, m = str(pick(s, i)), int(pick(inst, i)), int(pick(mode, i))
                if k == 0 or abs(k) > max(len(txt), 1) or m not in (0, 1):
                    codes[i], out[i] = VALUE, ""
                    continue
                ds = [str(pick(d, i)) for d in delims]
                hits = _find_all(txt, ds, m == 1)
                if bool(pick(end, i)):
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
    mode, em = int_arg(match_mode, 0.0)
    err = first_error(err, ec, er, es, em)
    n = max(len(s), *(len(d) for d in cols + rows), len(skip), len(mode), 1)
    tables, bad = [], np.zeros(n, bool)
    for i in range(n):
        cd = [str(pick(d, i)) for d in cols]
        rd = [str(pick(d, i)) for d in rows]
        m = int(pick(mode, i))
        if (not cd and not rd) or any(d == "" for d in cd + rd) or m not in (0, 1):
            bad[i] = True
            tables.append([[""]])
            continue
        fold = m == 1
        txt = str(pick(s, i))
        lines = _split(txt, rd, fold) if rd else [txt]
        table = [_split(line, cd, fold) if cd else [line] for line in lines]
        if bool(pick(skip, i)):
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
    k, e = int_arg(v, 0.0)
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
            rx = _regex(str(pick(pat, i)), bool(pick(k, i) == 1))
            if rx is None:
                bad[i] = True
            else:
                out[i] = rx.search(str(pick(s, i))) is not None
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
        mode, e3 = int_arg(m, 0.0)
        k, e4 = _case(c)
        err = flag(first_error(e1, e2, e3, e4), (mode < 0) | (mode > 2), VALUE)
        n = max(len(s), len(pat), len(mode), len(k))
        found: list[list[str] | None] = []
        bad = np.zeros(n, bool)
        for i in range(n):
            rx = _regex(str(pick(pat, i)), bool(pick(k, i) == 1))
            md = int(np.clip(pick(mode, i), 0, 2))
            txt = str(pick(s, i))
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
        vertical = int(pick(mode, 0)) == 1
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
        occ, e4 = int_arg(o, 0.0)
        k, e5 = _case(c)
        err = first_error(e1, e2, e3, e4, e5)
        n = max(len(s), len(pat), len(rep), len(occ), len(k))
        out, bad = np.empty(n, dtype=object), np.zeros(n, bool)
        for i in range(n):
            rx = _regex(str(pick(pat, i)), bool(pick(k, i) == 1))
            txt = str(pick(s, i))
            if rx is None:
                bad[i], out[i] = True, ""
                continue
            repl = _replacement(str(pick(rep, i)))
            nth = int(pick(occ, i))
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


__all__ = ["regextest", "regexextract", "regexreplace", "textsplit", "int_arg", "pick"]
