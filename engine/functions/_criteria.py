"""Excel's criteria (COUNTIF, SUMIFS, AVERAGEIFS, MINIFS, ...), vectorized over trials.

A criterion is a number, a logical, an error, a blank cell (which means the number 0), or a
string: an optional operator (``=``, ``<>``, ``<``, ``<=``, ``>``, ``>=``) and an operand.

* A numeric operand (``">=5"``, ``"5"``, 5) compares with numbers; ``=`` also matches text
  that reads as that number; ``<>`` matches everything that is not that number.
* ``"TRUE"``/``"FALSE"`` compare with logicals, ``"#N/A"`` and friends with errors.
* Other text compares case-insensitively with text cells only; ``=``/``<>`` take the
  wildcards ``*`` and ``?`` (``~`` escapes them); ``<``, ``<=``, ``>``, ``>=`` compare in
  Excel's order of texts (``_collation.collation_key``: ``"a-b" > "ab"``, ``"é" < "f"``).
* ``""`` matches blank cells and empty text, ``"="`` blank cells only, ``"<>"`` non-blank cells.

:func:`matcher` turns a criterion value (one for all trials, or one per trial) into a
function from a range cell to a per-trial match mask.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..values import ERROR_CODES, ERROR_NAMES, ExcelError, Kind, Vec, parse_number
from ._collation import collation_key
from ._search import wildcard_regex

EQ, NE, LT, LE, GT, GE = range(6)
_PREFIXES = (("<=", LE), (">=", GE), ("<>", NE), ("<", LT), (">", GT), ("=", EQ))
_CMP: dict[int, Callable[[Any, Any], Any]] = {
    EQ: operator.eq, NE: operator.ne, LT: operator.lt, LE: operator.le, GT: operator.gt,
    GE: operator.ge}


@dataclass(frozen=True)
class Criterion:
    """One parsed criterion.  ``kind``: num, bool, err, text, wild, blank (``"="``),
    empty (``""``), nonblank (``"<>"``) or never.  ``op`` and ``value`` may be arrays (one
    per trial) for ``num`` criteria."""

    kind: str
    op: Any = EQ
    value: Any = None


def parse(x: Any) -> Criterion:
    """Parse one criterion value as :meth:`Vec.scalar` gives it."""
    if x is None:
        return Criterion("num", EQ, 0.0)
    if isinstance(x, ExcelError):
        return Criterion("err", EQ, x.code)
    if isinstance(x, bool | np.bool_):
        return Criterion("bool", EQ, bool(x))
    if not isinstance(x, str):
        return Criterion("num", EQ, float(x))
    op, rest = EQ, x
    explicit = False
    for prefix, code in _PREFIXES:
        if x.startswith(prefix):
            op, rest, explicit = code, x[len(prefix):], True
            break
    number = parse_number(rest)
    if number is not None:
        return Criterion("num", op, number)
    if rest == "":
        if op == EQ:
            return Criterion("blank" if explicit else "empty")
        return Criterion("nonblank") if op == NE else Criterion("never")
    upper = rest.upper()
    if upper in ("TRUE", "FALSE"):
        return Criterion("bool", op, upper == "TRUE")
    if op in (EQ, NE):
        if upper in ERROR_CODES and upper in ERROR_NAMES.values():
            return Criterion("err", op, ERROR_CODES[upper])
        if any(ch in rest for ch in "*?~"):
            return Criterion("wild", op, wildcard_regex(rest))
    return Criterion("text", op, rest.casefold())


# ----------------------------------------------------------------- range cells
@dataclass
class Cells:
    """A range cell seen per trial: its number (NaN where it is not a number), text, logical,
    blank and error flags.  Arrays have length 1 (a constant cell) or n."""

    num: np.ndarray
    text: np.ndarray | None = None      # object array, None where not text
    logical: np.ndarray | None = None   # bool array; ``is_bool`` says where it applies
    is_bool: np.ndarray | None = None
    is_blank: np.ndarray | None = None
    err: np.ndarray | None = None
    _folded: np.ndarray | None = None
    _textnum: np.ndarray | None = None

    @property
    def folded(self) -> np.ndarray | None:
        if self.text is not None and self._folded is None:
            self._folded = np.array([s.casefold() if isinstance(s, str) else None
                                     for s in self.text], dtype=object)
        return self._folded

    @property
    def textnum(self) -> np.ndarray | None:
        """Text that reads as a number, as that number (NaN elsewhere)."""
        if self.text is not None and self._textnum is None:
            vals = [parse_number(s) if isinstance(s, str) else None for s in self.text]
            self._textnum = np.array([np.nan if v is None else v for v in vals])
        return self._textnum


def view(v: Vec) -> Cells:
    """Classify a cell's values per trial for matching and for aggregating."""
    err = v.err
    bad = None if err is None else err != 0
    if v.kind == Kind.NUM:
        return Cells(v.data if bad is None else np.where(bad, np.nan, v.data), err=err)
    nan = np.full(len(v.data), np.nan)
    if v.kind == Kind.BOOL:
        ok = np.ones(len(v.data), bool) if bad is None else ~bad
        return Cells(nan, logical=v.data, is_bool=ok, err=err)
    if v.kind == Kind.BLANK:
        return Cells(nan, is_blank=np.ones(len(v.data), bool) if bad is None else ~bad, err=err)
    if v.kind == Kind.STR:
        text = v.data if bad is None else np.where(bad, None, v.data)
        return Cells(nan, text=text, err=err)
    num = nan.copy()
    text = np.full(len(v.data), None, dtype=object)
    logical = np.zeros(len(v.data), bool)
    is_bool = np.zeros(len(v.data), bool)
    is_blank = np.zeros(len(v.data), bool)
    for i, x in enumerate(v.data):
        if bad is not None and bad[i]:
            continue
        if x is None:
            is_blank[i] = True
        elif isinstance(x, bool | np.bool_):
            logical[i], is_bool[i] = bool(x), True
        elif isinstance(x, str):
            text[i] = x
        else:
            num[i] = float(x)
    return Cells(num, text, logical, is_bool, is_blank, err)


def _false() -> np.ndarray:
    return np.zeros(1, bool)


def _text_test(c: Criterion, cells: Cells) -> np.ndarray:
    folded = cells.folded
    if folded is None:
        return _false()
    if c.kind == "wild":
        return np.array([s is not None and c.value.fullmatch(s) is not None for s in folded])
    if c.op in (EQ, NE):
        return np.array([s == c.value for s in folded])
    # < <= > >= in Excel's order of texts (case aside, accents second, ' and - ignored)
    key = collation_key(c.value)
    cmp = _CMP[c.op]
    return np.array([s is not None and bool(cmp(collation_key(s), key)) for s in folded])


def _num_test(op: int, value: Any, cells: Cells) -> np.ndarray:
    if op == NE:
        return ~(cells.num == value)
    with np.errstate(invalid="ignore"):
        hit = _CMP[op](cells.num, value)
        if op == EQ and cells.text is not None:
            hit = hit | (cells.textnum == value)
    return np.asarray(hit)


def match(c: Criterion, cells: Cells) -> np.ndarray:
    """Where the cell meets the criterion (bool array of length 1 or n)."""
    k = c.kind
    if k == "num":
        if isinstance(c.op, np.ndarray):
            out = np.zeros(1, bool)
            for op in np.unique(c.op):
                out = np.where(c.op == op, _num_test(int(op), c.value, cells), out)
            return out
        return _num_test(c.op, c.value, cells)
    if k == "bool":
        if cells.is_bool is None:
            return np.ones(1, bool) if c.op == NE else _false()
        if c.op == NE:
            return ~(cells.is_bool & (cells.logical == c.value))
        return cells.is_bool & _CMP[c.op](cells.logical, c.value)
    if k == "err":
        err = cells.err if cells.err is not None else np.zeros(1, np.uint8)
        return err != c.value if c.op == NE else err == c.value
    if k in ("text", "wild"):
        hit = _text_test(c, cells)
        return ~hit if c.op == NE else hit
    blank = cells.is_blank if cells.is_blank is not None else _false()
    if k == "blank":
        return blank
    if k == "empty":
        folded = cells.folded
        return blank if folded is None else blank | np.array([s == "" for s in folded])
    if k == "nonblank":
        return ~blank
    return _false()


# ----------------------------------------------------------------- criteria per trial
def _numeric_strings(data: np.ndarray) -> Criterion | None:
    """Per-trial criterion strings that are all operator + number (">0.25"), parsed with
    numpy string operations; None when some are not."""
    try:
        s = np.char.strip(np.asarray(data, dtype=str))
    except (TypeError, ValueError):
        return None
    ops = np.full(len(s), EQ, np.int8)
    plen = np.zeros(len(s), np.int64)
    done = np.zeros(len(s), bool)
    for prefix, code in _PREFIXES:
        hit = ~done & np.char.startswith(s, prefix)
        ops[hit], plen[hit] = code, len(prefix)
        done |= hit
    rest = np.char.lstrip(s, "<>=") if done.any() else s
    if np.any(np.char.str_len(s) - np.char.str_len(rest) != plen):
        return None
    try:
        x = rest.astype(np.float64)
    except ValueError:
        return None
    if not np.isfinite(x).all():
        return None
    op: Any = int(ops[0]) if (ops == ops[0]).all() else ops
    return Criterion("num", op, x)


def _groups(crit: Vec) -> list[tuple[np.ndarray | None, Criterion]]:
    """Split a per-trial criterion into (trial mask, criterion) groups."""
    n = len(crit.data)
    err = crit.err
    ok = None if err is None else err == 0
    groups: list[tuple[np.ndarray | None, Criterion]] = []
    if err is not None:
        for code in np.unique(err[err != 0]):
            groups.append((err == code, Criterion("err", EQ, int(code))))
    if crit.kind == Kind.NUM:
        groups.append((ok, Criterion("num", EQ, crit.data)))
        return groups
    if crit.kind == Kind.BOOL:
        groups.append((ok, Criterion("bool", EQ, crit.data)))
        return groups
    if crit.kind == Kind.BLANK:
        groups.append((ok, Criterion("num", EQ, 0.0)))
        return groups
    if crit.kind == Kind.STR and err is None:
        fast = _numeric_strings(crit.data)
        if fast is not None:
            return [(None, fast)]
    keys: dict[Any, list[int]] = {}
    for i in range(n):
        if ok is not None and not ok[i]:
            continue
        x = crit.data[i]
        keys.setdefault((type(x).__name__, x), []).append(i)
    for (_, x), idx in keys.items():
        mask = np.zeros(n, bool)
        mask[idx] = True
        groups.append((mask, parse(x)))
    return groups


def matcher(crit: Vec) -> Callable[[Vec], np.ndarray]:
    """A function from a range cell to where it meets ``crit`` (per trial)."""
    if len(crit.data) == 1:
        c = parse(crit.scalar())
        return lambda cell: match(c, view(cell))
    groups = _groups(crit)
    n = len(crit.data)
    if len(groups) == 1 and groups[0][0] is None:
        c0 = groups[0][1]
        return lambda cell: match(c0, view(cell))

    def run(cell: Vec) -> np.ndarray:
        cells = view(cell)
        out = np.zeros(n, bool)
        for mask, c in groups:
            hit = match(c, cells)
            out |= hit if mask is None else (mask & hit)
        return out

    return run


__all__ = ["Criterion", "Cells", "parse", "view", "match", "matcher"]
