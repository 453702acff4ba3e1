"""Character-level text functions: UNICHAR, UNICODE, CLEAN, ASC, and the byte-counting
variants (LENB, LEFTB, RIGHTB, MIDB, FINDB, SEARCHB, REPLACEB).

Excel counts bytes in the ...B functions only when a double-byte (East Asian) language is
the default editing language; otherwise, as here, each one is its character-counting twin.
"""

from __future__ import annotations

import unicodedata

import numpy as np

from ..values import VALUE, Kind, Vec, to_text
from . import FUNCTIONS, register
from ._args import result, scalar_number
from .math import Arg, Grid, flag, lift
from .text import _strmap, _text_result, _vec

_MAX_CODE = 0x10FFFF


def _unichar_one(k: float) -> str:
    return chr(int(k))


@register("UNICHAR")
def unichar(number: Arg) -> Vec | Grid:
    """Excel's UNICHAR: the character of a Unicode code point (0 or beyond U+10FFFF -> #VALUE!,
    a lone surrogate half -> #N/A)."""
    def one(v: Arg) -> Vec:
        x, err = scalar_number(v, None)
        k = np.trunc(x)
        bad = (k < 1) | (k > _MAX_CODE) | ~np.isfinite(k)
        surrogate = (k >= 0xD800) & (k <= 0xDFFF)
        err = flag(flag(err, bad, VALUE), surrogate, 7)
        return _text_result(_strmap(_unichar_one, np.where(bad | surrogate, 32.0, k)), err)

    return lift(one, (number,))


def _unicode_one(s: str) -> float:
    return float(ord(s[0])) if s else 0.0


@register("UNICODE")
def unicode_(text_: Arg) -> Vec | Grid:
    """Excel's UNICODE: the code point of the first character ("" -> #VALUE!)."""
    def one(v: Arg) -> Vec:
        s, err = to_text(_vec(v))
        k = _strmap(_unicode_one, s).astype(np.float64)
        return result(k, flag(err, k == 0, VALUE))

    return lift(one, (_vec(text_),))


_CONTROL = {k: None for k in range(32)}


def _clean_one(s: str) -> str:
    return s.translate(_CONTROL)


@register("CLEAN")
def clean(text_: Arg) -> Vec | Grid:
    """Excel's CLEAN: the text without the 7-bit control characters (codes 0 to 31)."""
    def one(v: Arg) -> Vec:
        s, err = to_text(_vec(v))
        return _text_result(_strmap(_clean_one, s), err)

    return lift(one, (_vec(text_),))


def _asc_one(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", ch) if 0xFF01 <= ord(ch) <= 0xFF5E or ch == "\u3000"
                   else ch for ch in s)


@register("ASC")
def asc(text_: Arg) -> Vec | Grid:
    """Excel's ASC: full-width (double-byte) letters, digits and signs to their half-width
    forms; other text unchanged."""
    def one(v: Arg) -> Vec:
        if v is not None and not isinstance(v, Grid) and v.kind == Kind.BLANK:
            return v
        s, err = to_text(_vec(v))
        return _text_result(_strmap(_asc_one, s), err)

    return lift(one, (_vec(text_),))


def _alias_bytes() -> None:
    from . import text  # noqa: F401  (registers the character-counting functions)

    for name in ("LEN", "LEFT", "RIGHT", "MID", "FIND", "SEARCH", "REPLACE"):
        FUNCTIONS[name + "B"] = FUNCTIONS[name]


_alias_bytes()

__all__ = ["unichar", "unicode_", "clean", "asc"]
