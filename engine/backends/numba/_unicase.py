"""Case of text other than ASCII in the dynamic text buffer (text made per trial, :mod:`._dtext`).

The buffer holds code points, one a character, as Python's ``str`` (and so the numpy
library) counts them: LEN of an emoji is 1, as ``len``.  What needs more than the code
points is the case: UPPER/LOWER/PROPER (``str.upper``/``lower``/``title``) and text compared
case aside (``str.casefold``, and ``re.IGNORECASE`` for SEARCH).  :data:`CASE_TABLE` holds,
sorted by code point, every character past ASCII that one of these maps to another single
character: its upper, lower, title and folded forms (a form of several characters, as
``"ß".upper() == "SS"``, is the character itself there: the generator refuses such text,
:func:`refuse_case`, :func:`refuse_fold`, :func:`refuse_search`).  :func:`ucase` looks a
character up (ASCII by rule, no lookup); the CUDA twin is
:mod:`engine.backends.cupy._rt_unicase`, the same table as C source.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import numpy as np
from numba import njit

from ._values import NotFusable

_jit = njit(nogil=True, cache=True, error_model="numpy")

UPPER, LOWER, TITLE, FOLD = 1, 2, 3, 4   # the columns of CASE_TABLE (0: the code point)
_SIGMA = "\u03a3"   # str.lower makes it "ς" at the end of a word: context, not a table
_WHY = "text other than ASCII, with text made per trial"


def _one(c: str, mapped: str) -> int:
    return ord(mapped) if len(mapped) == 1 else ord(c)


def _table() -> np.ndarray:
    rows = []
    for cp in range(128, 0x110000):
        c = chr(cp)
        forms = (c.upper(), c.lower(), c.title(), c.casefold())
        if any(f != c for f in forms):
            rows.append([cp, *(_one(c, f) for f in forms)])
    return np.array(rows, dtype=np.int64)


CASE_TABLE = _table()
_MAPPED = frozenset(int(x) for x in CASE_TABLE[:, 0])


@_jit
def _row(c):
    """The row of CASE_TABLE holding code point ``c`` (binary search), or -1."""
    k = int(c)
    lo, hi = 0, CASE_TABLE.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        m = CASE_TABLE[mid, 0]
        if m == k:
            return mid
        if m < k:
            lo = mid + 1
        else:
            hi = mid
    return -1


@_jit
def ucase(c, col):
    """Code point ``c`` (a float of the buffer) in the form of column ``col`` of CASE_TABLE
    (UPPER, LOWER, TITLE or FOLD); a character without that form is itself."""
    if c < 128.0:
        if col == 1 or col == 3:
            return c - 32.0 if 97.0 <= c <= 122.0 else c
        return c + 32.0 if 65.0 <= c <= 90.0 else c
    i = _row(c)
    return c if i < 0 else float(CASE_TABLE[i, col])


@_jit
def ucased(c):
    """Whether code point ``c`` is a letter with a case (str.title's "cased"): ASCII letters,
    and past ASCII the characters of CASE_TABLE (the generator refuses the others that are
    cased, :func:`refuse_case`)."""
    if c < 128.0:
        return 65.0 <= c <= 90.0 or 97.0 <= c <= 122.0
    return _row(c) >= 0


def _cased(c: str) -> bool:
    return c.islower() or c.isupper() or c.istitle()


def _wide(chars: Iterable[str]) -> list[str]:
    return [c for c in chars if not c.isascii()]


def refuse_case(chars: frozenset[str] | None, how: float) -> None:
    """NotFusable unless UPPER (how 1), LOWER (0) or PROPER (2) of text of ``chars`` (None:
    not known) is, character by character, what ``ucase`` makes of it."""
    if chars is None:
        raise NotFusable(_WHY + " (its characters not known)")
    for c in _wide(chars):
        forms = [c.upper()] if how == 1.0 else [c.lower()] if how == 0.0 else \
            [c.lower(), c.title()]
        if any(len(f) != 1 for f in forms) or (how != 1.0 and c == _SIGMA):
            raise NotFusable(_WHY + f" (the case of {c!r} is not one character)")
        if how == 2.0 and _cased(c) != (ord(c) in _MAPPED):
            raise NotFusable(_WHY + f" (PROPER of {c!r})")


def refuse_fold(chars: frozenset[str] | None) -> None:
    """NotFusable unless every character of ``chars`` casefolds to one character (text
    compared case aside, as the numpy library does: ``str.casefold``)."""
    if chars is None:
        raise NotFusable(_WHY + " (its characters not known)")
    for c in _wide(chars):
        if len(c.casefold()) != 1:
            raise NotFusable(_WHY + f" (the folded {c!r} is not one character)")


def refuse_search(chars: frozenset[str] | None) -> None:
    """NotFusable unless, between any two characters of ``chars`` of which one is past ASCII,
    re.IGNORECASE (SEARCH in the numpy library) matches exactly where ``ucase``'s FOLD is
    the same."""
    if chars is None:
        raise NotFusable(_WHY + " (its characters not known)")
    if not _search_agrees(frozenset(chars)):
        raise NotFusable(_WHY + " (SEARCH of a character re.IGNORECASE folds otherwise)")


def refuse_criterion(chars: frozenset[str] | None) -> None:
    """NotFusable unless a criterion (or a range cell's text it is matched against) of
    ``chars`` is parsed and matched in the buffer as ``_criteria`` does: no white space or
    digits past ASCII (str.strip and float read them), no character whose case is ASCII
    ("ı".upper() is "I": TRUE, #N/A), and each folded to one character (wildcards:
    :func:`refuse_wild`)."""
    refuse_fold(chars)
    assert chars is not None
    for c in _wide(chars):
        if c.isspace() or c.isnumeric() or any(
                f.isascii() for f in (c.upper(), c.lower(), c.casefold())):
            raise NotFusable(_WHY + f" (a criterion with {c!r})")


def refuse_wild(pattern: frozenset[str], texts: frozenset[str] | None) -> None:
    """NotFusable unless a wildcard criterion of the characters ``pattern`` matches text of
    ``texts`` in the buffer (``ucase``'s FOLD of both the same) where ``_criteria`` does:
    re.IGNORECASE of the pattern's character against the casefolded text's ("É*" meets
    "é" and "ÉTÉ"), for every pair of which one is past ASCII."""
    if texts is None:
        raise NotFusable(_WHY + " (its characters not known)")
    if not _wild_agrees(frozenset(pattern), frozenset(texts)):
        raise NotFusable(_WHY + " (a wildcard of a character re.IGNORECASE folds otherwise)")


@functools.lru_cache(maxsize=256)
def _wild_agrees(pattern: frozenset[str], texts: frozenset[str]) -> bool:
    for a in pattern:
        pat = re.compile(re.escape(a), re.IGNORECASE)
        for b in texts:
            if (a.isascii() and b.isascii()) or a in "*?~":
                continue
            if bool(pat.fullmatch(b.casefold())) != (_fold(a) == _fold(b)):
                return False
    return True


@functools.lru_cache(maxsize=256)
def _search_agrees(chars: frozenset[str]) -> bool:
    wide = _wide(chars)
    for a in wide:
        pat = re.compile(re.escape(a), re.IGNORECASE)
        fa = _fold(a)
        for b in chars:
            if bool(pat.fullmatch(b)) != (fa == _fold(b)) or \
                    bool(re.fullmatch(re.escape(b), a, re.IGNORECASE)) != (fa == _fold(b)):
                return False
    return True


def _fold(c: str) -> str:
    f = c.casefold()
    return f if len(f) == 1 else c


__all__ = ["CASE_TABLE", "FOLD", "LOWER", "TITLE", "UPPER", "refuse_case", "refuse_criterion",
           "refuse_fold", "refuse_search", "refuse_wild", "ucase", "ucased"]
