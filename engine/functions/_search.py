"""Vectorized searching for the lookup functions (private to :mod:`engine.functions.lookup`).

A lookup vector (the cells of a row or column, each one value per trial or one for all) and
the lookup keys are encoded together as numeric arrays: a type code per element and a value —
the number, 0/1 for logicals, or the rank of the lower-cased text among all texts involved, so
that text compares case-insensitively with plain numeric comparisons.  The table has shape
``(t, m)`` where ``t`` is 1 (the same table for every trial, the usual case) or the number of
trials; the keys have one entry per trial (or one).  Every search runs for all trials at once:

* :func:`approximate` — Excel's binary search for MATCH(…,1), VLOOKUP/HLOOKUP(…,TRUE) and LOOKUP,
  including its behavior on unsorted or mixed-type data (an element of another type at the
  'mid' point is stepped over forward, and an exact hit extends to the end of its run of equal
  values); on sorted single-type data it reduces to ``np.searchsorted``;
* :func:`descending` — MATCH(…,-1): a forward scan that stops at the first smaller value;
* :func:`exact` — first (or last) equal element, with Excel wildcards (``*``, ``?``, ``~``);
* :func:`ordered` — XMATCH/XLOOKUP's modes, over Excel's order numbers < text < logicals.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ..values import Kind, Vec
from ._collation import text_rank_key

NUM_T, STR_T, BOOL_T, BLANK_T, ERR_T = 0, 1, 2, 3, 4
_CHUNK = 1 << 22  # elements per block when a per-trial table is compared as a matrix


@dataclass
class Table:
    typ: np.ndarray   # (t, m) int8 type codes
    val: np.ndarray   # (t, m) float64 values (text: rank in ``texts``)
    # per type code, of a table the same for all trials: the positions of that type, their
    # order by value and the sorted values (built on the first exact search, then reused)
    _sorted: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=dict, repr=False)

    @property
    def m(self) -> int:
        return self.typ.shape[1]

    def by_type(self, ty: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions of the elements of type ``ty``, their stable order by value and the
        sorted values (a table the same for all trials)."""
        got = self._sorted.get(ty)
        if got is None:
            p = np.nonzero(self.typ[0] == ty)[0]
            order = np.argsort(self.val[0][p], kind="stable")
            got = self._sorted[ty] = (p, order, self.val[0][p][order])
        return got

    def rows(self, n: int) -> np.ndarray:
        return np.arange(n) if self.typ.shape[0] > 1 else np.zeros(n, dtype=np.intp)


@dataclass
class Keys:
    typ: np.ndarray   # (k,) type codes (BLANK_T for an empty key)
    val: np.ndarray   # (k,) values
    text: np.ndarray  # (k,) object: the original text of text keys (for wildcards), else None
    err: np.ndarray | None


def _parts(v: Vec) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    n = len(v.data)
    typ = np.empty(n, dtype=np.int8)
    val = np.zeros(n)
    strs = None
    if v.kind == Kind.NUM:
        typ[:] = NUM_T
        val = v.data.astype(np.float64)
    elif v.kind == Kind.BOOL:
        typ[:] = BOOL_T
        val = v.data.astype(np.float64)
    elif v.kind == Kind.BLANK:
        typ[:] = BLANK_T
    elif v.kind == Kind.STR:
        typ[:] = STR_T
        strs = v.data
    else:
        strs = np.empty(n, dtype=object)
        for i, x in enumerate(v.data):
            if x is None:
                typ[i] = BLANK_T
            elif isinstance(x, bool | np.bool_):
                typ[i], val[i] = BOOL_T, float(x)
            elif isinstance(x, str):
                typ[i], strs[i] = STR_T, x
            else:
                typ[i], val[i] = NUM_T, float(x)
    if v.err is not None:
        typ = np.where(v.err != 0, ERR_T, typ).astype(np.int8)
    return typ, val, strs


def encode_table(cells: Sequence[Vec], fold: Callable[[str], str] = str.lower
                 ) -> tuple[Table, list[str]]:
    """Encode a lookup vector; returns its distinct folded texts in rank order too (a text's
    value is its position there).  Text is compared after ``fold`` (MATCH: lower case;
    XMATCH: full case folding, 'ß' = 'ss')."""
    parts = [_parts(c) for c in cells]
    vals = [np.array(p[1], dtype=np.float64) for p in parts]
    texts: list[str] = []
    where: list[tuple[int, np.ndarray, np.ndarray]] = []
    for j, (ty, _, st) in enumerate(parts):
        rows = np.nonzero(ty == STR_T)[0] if st is not None else ()
        if len(rows):
            start = len(texts)
            texts.extend(fold(str(st[i])) for i in rows)
            where.append((j, rows, np.arange(start, len(texts))))
    uniq: list[str] = []
    if texts:   # ranked in Excel's order of texts (._collation), ties by code point
        u, inv = np.unique(np.array(texts, dtype=object), return_inverse=True)
        order = sorted(range(len(u)), key=lambda i: text_rank_key(str(u[i])))
        uniq = [str(u[i]) for i in order]
        rank = np.empty(len(u), dtype=np.float64)
        rank[order] = np.arange(len(u))
        for j, rows, pos in where:
            vals[j][rows] = rank[inv.ravel()[pos]]
    m = len(cells)
    t = max([len(p[0]) for p in parts] + [1])
    typ = np.empty((t, m), dtype=np.int8)
    val = np.empty((t, m))
    for j in range(m):
        typ[:, j] = parts[j][0]
        val[:, j] = vals[j]
    return Table(typ, val), uniq


def encode_keys(key: Vec, texts: list[str], fold: Callable[[str], str] = str.lower) -> Keys:
    """Encode lookup keys against a table's texts (from :func:`encode_table`): a key text
    equal to one of them gets its rank, another one the half rank where it would sort, so
    that order and equality against the table are those of the texts."""
    ktyp, kval, kstr = _parts(key)
    text = np.empty(len(ktyp), dtype=object)
    if kstr is not None:
        is_str = ktyp == STR_T
        text[is_str] = kstr[is_str]
        rows = np.nonzero(is_str)[0]
        if len(rows):
            folded = np.array([fold(str(kstr[i])) for i in rows], dtype=object)
            if texts:   # texts are in text_rank_key's order (encode_table)
                sorted_texts = np.array(texts, dtype=object)
                ranked = np.array([text_rank_key(t) for t in texts], dtype=object)
                pos = np.searchsorted(ranked, np.array([text_rank_key(f) for f in folded],
                                                       dtype=object))
                hit = (pos < len(texts)) & (sorted_texts[np.minimum(pos, len(texts) - 1)] == folded)
                kval[rows] = np.where(hit, pos, pos - 0.5)
            else:
                kval[rows] = -0.5
    kerr = None if key.err is None or not key.err.any() else key.err
    return Keys(ktyp, np.asarray(kval, dtype=np.float64), text, kerr)


def encode(cells: Sequence[Vec], key: Vec, fold: Callable[[str], str] = str.lower
           ) -> tuple[Table, Keys, list[str]]:
    """Encode a lookup vector and its keys; returns the table's texts in rank order too."""
    tab, texts = encode_table(cells, fold)
    return tab, encode_keys(key, texts, fold), texts


def _broadcast_keys(keys: Keys, n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.broadcast_to(keys.typ, (n,)), np.broadcast_to(keys.val, (n,))


def _reverse_min(idx: np.ndarray) -> np.ndarray:
    return np.minimum.accumulate(idx[:, ::-1], axis=1)[:, ::-1]


# ------------------------------------------------------------------ approximate (binary) search
def approximate(tab: Table, keys: Keys, n: int) -> np.ndarray:
    """Excel's approximate match: the position of the last element <= key, or -1."""
    ktyp, kval = _broadcast_keys(keys, n)
    m = tab.m
    out = np.full(n, -1, dtype=np.intp)
    if m == 0:
        return out
    if tab.typ.shape[0] == 1:
        typ0, val0 = tab.typ[0], tab.val[0]
        if (typ0 == typ0[0]).all() and (np.diff(val0) >= 0).all():
            hit = ktyp == typ0[0]
            out[hit] = np.searchsorted(val0, kval[hit], side="right") - 1
            return out
    rows = tab.rows(n)
    cols = np.arange(m)
    # next element of each type after position i, and the end of each run of equal values
    nxt = {}
    for ty in np.unique(ktyp):
        idx = np.where(tab.typ == ty, cols, m)
        nxt[int(ty)] = np.concatenate([_reverse_min(idx)[:, 1:], np.full((idx.shape[0], 2), m)], axis=1)
    same = (tab.typ[:, 1:] == tab.typ[:, :-1]) & (tab.val[:, 1:] == tab.val[:, :-1])
    brk = np.where(np.concatenate([~same, np.ones((same.shape[0], 1), bool)], axis=1), cols, m)
    run_end = _reverse_min(brk)
    low = np.full(n, -1, dtype=np.intp)
    high = np.full(n, m, dtype=np.intp)
    todo = np.ones(n, dtype=bool)
    while True:
        act = todo & (high - low >= 2)
        done = todo & ~act
        out[done] = low[done]
        todo &= act
        if not todo.any():
            return out
        i = np.nonzero(todo)[0]
        r, kt, kv, lo, hi = rows[i], ktyp[i], kval[i], low[i], high[i]
        mid = lo + (hi - lo) // 2
        et = tab.typ[r, mid]
        mism = et != kt
        pos = mid.copy()
        if mism.any():
            nm = np.empty(len(i), dtype=np.intp)
            for ty, table in nxt.items():
                sel = mism & (kt == ty)
                nm[sel] = table[r[sel], mid[sel]]
            nm[~mism] = mid[~mism]
            past = mism & (nm >= hi)
            pos = np.where(mism & ~past, nm, mid)
        else:
            past = np.zeros(len(i), dtype=bool)
        ev = tab.val[r, np.minimum(pos, m - 1)]
        less = kv < ev
        eq = (kv == ev) & ~past
        # a stepped-over element that is larger and the last before 'high' narrows to 'mid'
        to_mid = past | (mism & less & (pos == hi - 1))
        found = eq & ~to_mid
        new_hi = np.where(to_mid, mid, np.where(less & ~found, pos, hi))
        new_lo = np.where(~to_mid & ~less & ~found, pos, lo)
        if found.any():
            f = np.nonzero(found)[0]
            out[i[f]] = np.minimum(run_end[r[f], pos[f]], hi[f] - 1)
            todo[i[f]] = False
        high[i], low[i] = new_hi, new_lo


# ------------------------------------------------------------------ MATCH(..., -1)
def descending(tab: Table, keys: Keys, n: int) -> np.ndarray:
    """MATCH with match_type -1: scanning elements of the key's type in order, the last one
    before the first smaller value (an equal value ends the scan)."""
    ktyp, kval = _broadcast_keys(keys, n)
    out = np.full(n, -1, dtype=np.intp)
    m = tab.m
    cols = np.arange(m)
    for s in _blocks(n, m):
        r = tab.rows(n)[s]
        ty, va = tab.typ[r], tab.val[r]
        same = ty == ktyp[s, None]
        kv = kval[s, None]
        first_lt = _first(same & (va < kv), m)
        first_eq = _first(same & (va == kv), m)
        stop = np.minimum(first_lt - 1, first_eq)
        cand = same & (cols <= stop[:, None])
        out[s] = _last(cand)
    return out


def _blocks(n: int, m: int) -> list[slice]:
    step = max(1, _CHUNK // max(m, 1))
    return [slice(a, min(n, a + step)) for a in range(0, n, step)]


def _first(mask: np.ndarray, none: int) -> np.ndarray:
    any_ = mask.any(axis=1)
    return np.where(any_, mask.argmax(axis=1), none)


def _last(mask: np.ndarray) -> np.ndarray:
    m = mask.shape[1]
    any_ = mask.any(axis=1)
    return np.where(any_, m - 1 - mask[:, ::-1].argmax(axis=1), -1)


# ------------------------------------------------------------------ exact match
def has_wildcard(s: object) -> bool:
    return isinstance(s, str) and any(ch in s for ch in "*?~")


@lru_cache(maxsize=512)
def wildcard_regex(pattern: str) -> re.Pattern[str]:
    """Excel's wildcards: ``*`` any run, ``?`` one character, ``~`` escapes the next one."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "~" and i + 1 < len(pattern) and pattern[i + 1] in "*?~":
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def exact(tab: Table, keys: Keys, n: int, texts: list[str], *, wildcards: bool,
          last: bool = False) -> np.ndarray:
    """The first (or last) element equal to the key (same type; text case-insensitively)."""
    ktyp, kval = _broadcast_keys(keys, n)
    out = np.full(n, -1, dtype=np.intp)
    wild = np.zeros(n, dtype=bool)
    if wildcards and (ktyp == STR_T).any():
        ktext = np.broadcast_to(keys.text, (n,))
        wild = np.array([t == STR_T and has_wildcard(s) for t, s in zip(ktyp, ktext, strict=True)])
    plain = ~wild
    if tab.typ.shape[0] == 1:
        for ty in np.unique(ktyp[plain]):
            if ty in (BLANK_T, ERR_T):
                continue
            p, order, sv = tab.by_type(int(ty))
            sel = plain & (ktyp == ty)
            if not len(p):
                continue
            if last:
                j = np.searchsorted(sv, kval[sel], side="right") - 1
                ok = j >= 0
            else:
                j = np.searchsorted(sv, kval[sel], side="left")
                ok = j < len(sv)
            jj = np.clip(j, 0, len(sv) - 1)
            ok &= sv[jj] == kval[sel]
            out[sel] = np.where(ok, p[order[jj]], -1)
    else:
        for s in _blocks(n, tab.m):
            r = tab.rows(n)[s]
            mask = (tab.typ[r] == ktyp[s, None]) & (tab.val[r] == kval[s, None])
            mask &= plain[s, None] & (ktyp[s, None] != ERR_T)
            out[s] = np.where(plain[s], _last(mask) if last else _first(mask, -1), out[s])
    if wild.any():
        ktext = np.broadcast_to(keys.text, (n,))
        rows = tab.rows(n)
        for pattern in set(ktext[wild]):
            rx = wildcard_regex(pattern)
            ranks = np.array([k for k, s in enumerate(texts) if rx.fullmatch(s)], dtype=np.float64)
            sel = np.nonzero(wild & (ktext == pattern))[0]
            mask = (tab.typ[rows[sel]] == STR_T) & np.isin(tab.val[rows[sel]], ranks)
            out[sel] = _last(mask) if last else _first(mask, -1)
    return out


# ------------------------------------------------------------------ XMATCH / XLOOKUP
def total_order(tab: Table, keys: Keys, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Ranks of the elements and keys in Excel's order numbers < text < logicals; an empty key
    ranks above everything, blank and error elements get NaN (they match nothing).  Elements
    get even ranks 2i (i: position among the distinct values); a key between two values gets
    the odd rank in between, so that only the (small) table is sorted."""
    ktyp, kval = _broadcast_keys(keys, n)
    et, ev = tab.typ.ravel(), tab.val.ravel()
    ok = et <= BOOL_T
    order = np.lexsort((ev[ok], et[ok]))
    st, sv = et[ok][order], ev[ok][order]
    new = np.ones(len(st), dtype=bool)
    new[1:] = (st[1:] != st[:-1]) | (sv[1:] != sv[:-1])
    ut, uv = st[new], sv[new]
    pos = np.cumsum(new) - 1
    erank = np.full(len(et), np.nan)
    idx = np.nonzero(ok)[0][order]
    erank[idx] = 2.0 * pos
    krank = np.full(n, np.nan)
    for ty in (NUM_T, STR_T, BOOL_T):
        sel = ktyp == ty
        if not sel.any():
            continue
        start, stop = np.searchsorted(ut, ty, side="left"), np.searchsorted(ut, ty, side="right")
        block = uv[start:stop]
        j = np.searchsorted(block, kval[sel], side="left")
        exact = (j < len(block)) & (block[np.clip(j, 0, max(len(block) - 1, 0))] == kval[sel]) \
            if len(block) else np.zeros(int(sel.sum()), dtype=bool)
        krank[sel] = np.where(exact, 2.0 * (start + j), 2.0 * (start + j) - 1)
    krank[ktyp == BLANK_T] = 2.0 * len(ut) + 1
    return erank.reshape(tab.typ.shape), krank


def ordered(erank: np.ndarray, krank: np.ndarray, mode: int, *, last: bool = False) -> np.ndarray:
    """XMATCH by linear search: exact (mode 0), exact or next smaller (-1) or next larger (1);
    the first hit in search order (the last one when ``last``)."""
    n = len(krank)
    out = np.full(n, -1, dtype=np.intp)
    if erank.shape[0] == 1:
        e = erank[0]
        p = np.nonzero(~np.isnan(e))[0]
        if not len(p):
            return out
        order = np.argsort(e[p], kind="stable")
        sv = e[p][order]
        j = np.searchsorted(sv, krank, side="left")
        jj = np.clip(j, 0, len(sv) - 1)
        hit = (j < len(sv)) & (sv[jj] == krank)
        target = np.where(hit, krank, np.nan)
        if mode == -1:
            target = np.where(~hit & (j > 0), sv[np.clip(j - 1, 0, None)], target)
        elif mode == 1:
            k = np.searchsorted(sv, krank, side="right")
            target = np.where(~hit & (k < len(sv)), sv[np.clip(k, 0, len(sv) - 1)], target)
        good = ~np.isnan(target)
        pos = (np.searchsorted(sv, target[good], side="right") - 1 if last
               else np.searchsorted(sv, target[good], side="left"))
        out[good] = p[order[pos]]
        return out
    for s in _blocks(n, erank.shape[1]):
        e, k = erank[s], krank[s, None]
        with np.errstate(invalid="ignore"):
            eq = e == k
            if mode == -1:
                best = np.where(e < k, e, -np.inf).max(axis=1, initial=-np.inf)[:, None]
            elif mode == 1:
                best = np.where(e > k, e, np.inf).min(axis=1, initial=np.inf)[:, None]
            else:
                best = np.full((len(k), 1), np.nan)
            mask = np.where(eq.any(axis=1)[:, None], eq, e == best)
        out[s] = _last(mask) if last else _first(mask, -1)
    return out


def bisect(erank: np.ndarray, krank: np.ndarray, mode: int, descending_: bool) -> np.ndarray:
    """XMATCH's binary search (search_mode 2 or -2): halves [lo, hi] and stops on an equal
    element, remembering the last candidate for next smaller (-1) or next larger (1)."""
    n = len(krank)
    m = erank.shape[1]
    rows = np.arange(n) if erank.shape[0] > 1 else np.zeros(n, dtype=np.intp)
    e_all = np.where(np.isnan(erank), -np.inf if not descending_ else np.inf, erank)
    # blank (and error) cells before the first value and after the last are not searched:
    # A:A gives the answer of the filled part of the column, as in Excel
    filled = ~np.isnan(erank)
    lo = np.argmax(filled, axis=1)[rows]
    hi = np.where(filled.any(axis=1), m - 1 - np.argmax(filled[:, ::-1], axis=1), -1)[rows]
    res = np.full(n, -1, dtype=np.intp)
    todo = np.ones(n, dtype=bool)
    while True:
        todo &= lo <= hi
        if not todo.any():
            return res
        i = np.nonzero(todo)[0]
        mid = (lo[i] + hi[i]) // 2
        e = e_all[rows[i], mid]
        k = krank[i]
        eq = e == k
        res[i[eq]] = mid[eq]
        todo[i[eq]] = False
        smaller = (e < k) & ~eq
        if mode == -1:
            res[i[smaller]] = mid[smaller]
        elif mode == 1:
            res[i[~smaller & ~eq]] = mid[~smaller & ~eq]
        go_right = smaller != descending_
        lo[i] = np.where(go_right & ~eq, mid + 1, lo[i])
        hi[i] = np.where(~go_right & ~eq, mid - 1, hi[i])
