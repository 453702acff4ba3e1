"""Excel's order of texts (SORT, SORTBY, MATCH/XMATCH's approximate search, ``<`` and ``>``).

One function, :func:`collation_key`, gives a text's sort key: two texts compare as Excel
orders them when their keys compare as Python strings.  The rules (Microsoft's "Default
sort orders" of Excel's help, HP005199669; Windows' CompareString / ICU root collation for
accents):

* case is ignored ("apple" = "Apple": equal keys, so a stable sort keeps their order);
* letters are compared without their accents first ("Côte d'Ivoire" < "Croatia" <
  "Czechia"); accents decide only between texts equal without them, left to right, the
  unaccented letter first ("cote" < "coté" < "côte");
* apostrophes (') and hyphens (-) are ignored, except that of two texts the same but for a
  hyphen, the text with the hyphen sorts last ("coop" < "co-op" < "copy");
* characters in the order 0 1 ... 9, space, ! " # $ % & ( ) * , . / : ; ? @ [ \\ ] ^ _ `
  { | } ~ + < = >, then the letters A to Z; other characters after those, by code point;
  text is compared character by character ("10" < "9", "A1" < "A100" < "A11").

Equal keys are exactly the texts equal case aside (``a.casefold() == b.casefold()``), so
``=`` and UNIQUE's case-insensitive equality are unchanged.  The numba backend ranks its
text ids by these keys at compile time (``_dynarrays``, ``_lookups``); text made per trial
is compared by ``_rt_collation.dcoll`` with the tables below (:data:`LATIN_P` and its
twins: one table per level for the characters below :data:`LATIN_END`).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import numpy as np

IGNORED = "'-"   # ignored at the first level; a text with one sorts after its twin without
_ORDER = "0123456789 !\"#$%&()*,./:;?@[\\]^_`{|}~+<=>abcdefghijklmnopqrstuvwxyz"
_PRIMARY = {ch: 1 + k for k, ch in enumerate(_ORDER)}
_OTHER = 0x100   # characters outside _ORDER: after it, by code point
_MAX = 0x10FFFF
# the accents' order (Unicode's collation element table: acute, grave, breve, circumflex,
# caron, ring, diaeresis, double acute, tilde, dot above); other marks after, by code point
_MARKS = {m: 2 + k for k, m in enumerate("\u0301\u0300\u0306\u0302\u030c\u030a\u0308"
                                         "\u030b\u0303\u0307")}


def _primary(ch: str) -> int:
    w = _PRIMARY.get(ch)
    return w if w is not None else min(_OTHER + ord(ch), _MAX)


@lru_cache(maxsize=65536)
def collation_key(text: str) -> str:
    """The key of ``text`` in Excel's order (compare keys as strings)."""
    t = unicodedata.normalize("NFD", text.casefold())
    primary: list[str] = []
    secondary: list[str] = []
    tertiary: list[str] = []
    for ch in t:
        if unicodedata.combining(ch):
            if secondary:   # the accent of the letter before it
                secondary.append(chr(_MARKS.get(ch, min(_OTHER + ord(ch), _MAX))))
            tertiary.append(ch)
            continue
        if ch in IGNORED:
            tertiary.append(chr(_MAX))   # the text with the hyphen last
            continue
        primary.append(chr(_primary(ch)))
        secondary.append("\x01")   # a letter, then its accents
        tertiary.append(ch)
    return "".join(primary) + "\x00" + "".join(secondary) + "\x00" + "".join(tertiary)


def text_rank_key(folded: str) -> str:
    """The order of a lookup's distinct folded texts (MATCH folds by lower case, XMATCH by
    casefold): Excel's order, texts equal case aside ("ß", "ss") by code point."""
    return collation_key(folded) + "\x00" + folded


# The characters below LATIN_END for the runtimes (numba/_rt_collation, cupy/_rt_collation):
# first-level weight (0: ignored), accent weight (0: none), and the two code points the last
# level compares (the folded letter or MAX for an ignored character; its accent or 0);
# LATIN_OK[c] 0 where the character is not one letter and at most one accent.
LATIN_END = 0x250
_MAXF = float(_MAX)


def _latin(c: int) -> tuple[float, float, float, float, bool]:
    ch = chr(c)
    if ch in IGNORED:
        return 0.0, 0.0, _MAXF, 0.0, True
    t = unicodedata.normalize("NFD", ch.casefold())
    if not t or unicodedata.combining(t[0]) or len(t) > 2 or (
            len(t) == 2 and not unicodedata.combining(t[1])) or t[0] in IGNORED:
        return 0.0, 0.0, 0.0, 0.0, False
    mark = float(_MARKS.get(t[1], min(_OTHER + ord(t[1]), _MAX))) if len(t) == 2 else 0.0
    return (float(_primary(t[0])), mark, float(ord(t[0])),
            float(ord(t[1])) if len(t) == 2 else 0.0, True)


_TABLE = [_latin(c) for c in range(LATIN_END)]
LATIN_P = np.array([x[0] for x in _TABLE])
LATIN_M = np.array([x[1] for x in _TABLE])
LATIN_TB = np.array([x[2] for x in _TABLE])
LATIN_TM = np.array([x[3] for x in _TABLE])
LATIN_OK = np.array([1.0 if x[4] else 0.0 for x in _TABLE])


def runtime_orders(ch: str) -> bool:
    """Whether the runtimes order text holding ``ch`` as collation_key does: a character of
    the table, or past it one that case folding and decomposition leave as it is (the
    runtimes weigh it by its code point)."""
    c = ord(ch)
    if c < LATIN_END:
        return bool(LATIN_OK[c])
    return (ch.casefold() == ch and unicodedata.normalize("NFD", ch) == ch
            and not unicodedata.combining(ch))


def runtime_orders_all(texts: str | frozenset[str] | list[str]) -> bool:
    """Whether the runtimes order every text of ``texts`` (or the characters of one text) as
    collation_key does (:func:`runtime_orders` of each character)."""
    return all(runtime_orders(ch) for t in texts for ch in t)
