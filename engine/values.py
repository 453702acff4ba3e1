"""Per-trial Excel values.

Every value the evaluator handles is either a :class:`Vec` — one Excel value per trial,
stored column-wise — or a :class:`Grid` of them (a range or an array).  A cell that does not
vary is a ``Vec`` of length 1 and broadcasts against the length-``n`` vectors of the
stochastic slice, so one code path serves the deterministic pass and the simulation.

Excel errors are values: a ``Vec`` carries an ``err`` array of error codes (0 = no error,
otherwise the ERROR.TYPE code below), ``None`` when no trial is in error.  Where several
operands are in error, the first one (left to right) wins, as in Excel.

Comparison operators see numbers at 15 significant digits: :data:`COMPARISON_RULE` states
the exact rule (``compare snap15(a) with snap15(b)``) for the fused backends to mirror.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import numpy as np

# ERROR.TYPE codes
NULL, DIV0, VALUE, REF, NAME, NUM, NA = 1, 2, 3, 4, 5, 6, 7
ERROR_NAMES = {NULL: "#NULL!", DIV0: "#DIV/0!", VALUE: "#VALUE!", REF: "#REF!",
               NAME: "#NAME?", NUM: "#NUM!", NA: "#N/A"}
ERROR_CODES = {v: k for k, v in ERROR_NAMES.items()}
ERROR_CODES["#GETTING_DATA"] = NA
ERROR_CODES["#SPILL!"] = VALUE
ERROR_CODES["#CALC!"] = VALUE


class ExcelError(str):
    """An Excel error as a scalar (``ExcelError('#N/A')``); used at the edges (cached values,
    scalar fallbacks, reports)."""

    @property
    def code(self) -> int:
        return ERROR_CODES.get(str(self), VALUE)


class Kind(IntEnum):
    NUM = 0    # float64
    BOOL = 1   # bool_
    STR = 2    # object array of str
    BLANK = 3  # empty cell (data holds zeros)
    ANY = 4    # object array of float | bool | str | None, one type per trial


@dataclass(slots=True)
class Vec:
    """One Excel value per trial (length n) or one for all trials (length 1)."""

    kind: Kind
    data: np.ndarray
    err: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.data)

    def scalar(self, i: int = 0) -> Any:
        """The value of trial ``i`` as a Python scalar (ExcelError for errors, None for blank)."""
        j = i if len(self.data) > 1 else 0
        if self.err is not None:
            e = int(self.err[j] if len(self.err) > 1 else self.err[0])
            if e:
                return ExcelError(ERROR_NAMES[e])
        if self.kind == Kind.BLANK:
            return None
        v = self.data[j]
        if self.kind == Kind.NUM:
            return float(v)
        if self.kind == Kind.BOOL:
            return bool(v)
        return v

    @property
    def has_errors(self) -> bool:
        return self.err is not None and bool(self.err.any())


@dataclass(slots=True)
class Grid:
    """A 2-D block of values: a range of cells (``area`` set) or an array result."""

    cells: list[list[Vec]]
    area: Any = None  # engine.ir.Area when this is a reference
    # what a function derived from all the cells once, kept with them (a range Env caches is
    # read again by every SUMIFS of a copied-down column): engine.functions.stats._flat_view
    derived: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.cells), (len(self.cells[0]) if self.cells else 0)

    def flat(self) -> Iterator[Vec]:
        for row in self.cells:
            yield from row


Value = Vec | Grid

# ---------------------------------------------------------------- constructors
_ONE_F = np.zeros(1)


def num(x: Any) -> Vec:
    return Vec(Kind.NUM, np.atleast_1d(np.asarray(x, dtype=np.float64)))


def boolean(x: Any) -> Vec:
    return Vec(Kind.BOOL, np.atleast_1d(np.asarray(x, dtype=np.bool_)))


def text(x: str | Sequence[str]) -> Vec:
    arr = np.empty(1 if isinstance(x, str) else len(x), dtype=object)
    if isinstance(x, str):
        arr[0] = x
    else:
        arr[:] = list(x)
    return Vec(Kind.STR, arr)


def blank() -> Vec:
    return Vec(Kind.BLANK, np.zeros(1))


def error(code: int, n: int = 1) -> Vec:
    return Vec(Kind.NUM, np.zeros(n), np.full(n, code, dtype=np.uint8))


def from_scalar(x: Any) -> Vec:
    """Build a length-1 Vec from a Python scalar as openpyxl or pycel gives it."""
    if x is None:
        return blank()
    if isinstance(x, ExcelError):
        return error(x.code)
    if isinstance(x, bool | np.bool_):
        return boolean(bool(x))
    if isinstance(x, int | float | np.integer | np.floating):
        return num(float(x))
    if isinstance(x, str):
        if x in ERROR_CODES:
            return error(ERROR_CODES[x])
        return text(x)
    raise TypeError(f"unsupported scalar {x!r}")


def from_scalars(values: Sequence[Any]) -> Vec:
    """Build a Vec from one Python scalar per trial, picking the narrowest kind."""
    n = len(values)
    codes = np.zeros(n, dtype=np.uint8)
    kinds = set()
    for i, x in enumerate(values):
        if isinstance(x, ExcelError) or (isinstance(x, str) and x in ERROR_CODES):
            codes[i] = ERROR_CODES.get(str(x), VALUE)
        elif x is None:
            kinds.add(Kind.BLANK)
        elif isinstance(x, bool | np.bool_):
            kinds.add(Kind.BOOL)
        elif isinstance(x, int | float | np.integer | np.floating):
            kinds.add(Kind.NUM)
        elif isinstance(x, str):
            kinds.add(Kind.STR)
        else:
            raise TypeError(f"unsupported scalar {x!r}")
    err = codes if codes.any() else None
    ok = [x for i, x in enumerate(values) if not codes[i]]
    if len(kinds) <= 1:
        kind = kinds.pop() if kinds else Kind.NUM
        if kind == Kind.NUM:
            data = np.array([0.0 if codes[i] else float(x) for i, x in enumerate(values)])
        elif kind == Kind.BOOL:
            data = np.array([False if codes[i] else bool(x) for i, x in enumerate(values)])
        elif kind == Kind.BLANK:
            data = np.zeros(n)
        else:
            data = np.empty(n, dtype=object)
            data[:] = ["" if codes[i] else x for i, x in enumerate(values)]
        del ok
        return Vec(kind, data, err)
    data = np.empty(n, dtype=object)
    data[:] = [None if codes[i] else (float(x) if isinstance(x, int | np.integer) and not isinstance(x, bool) else x)
               for i, x in enumerate(values)]
    return Vec(Kind.ANY, data, err)


def to_scalars(v: Vec, n: int) -> list[Any]:
    return [v.scalar(i) for i in range(n)]


# ---------------------------------------------------------------- errors
def first_error(*errs: np.ndarray | None) -> np.ndarray | None:
    """Combine error arrays: the first non-zero code, left to right, per trial."""
    out: np.ndarray | None = None
    for e in errs:
        if e is None:
            continue
        if out is None:
            out = e
        else:
            out = np.where(out != 0, out, e)
    if out is not None and not out.any():
        return None
    return out


def with_error(v: Vec, err: np.ndarray | None) -> Vec:
    """``v`` with the errors in ``err`` taking precedence over its own."""
    if err is None:
        return v
    return Vec(v.kind, v.data, first_error(err, v.err))


def trials(*values: Value) -> int:
    n = 1
    for v in values:
        if isinstance(v, Vec):
            n = max(n, len(v.data))
        elif isinstance(v, Grid):
            if v.derived is not None and v.derived.get("flat_ops") is not None:
                continue  # its cells hold one value each (engine.functions.flat_ops.Flat)
            for c in v.flat():
                n = max(n, len(c.data))
    return n


# ---------------------------------------------------------------- 15 significant digits
POW10 = np.array([float(10 ** k) for k in range(309)])  # 10**k correctly rounded, k = 0..308


def pow10(k: np.ndarray) -> np.ndarray:
    """10**k for whole k in 0..308 (NaN for NaN): a table lookup, the same numbers as the fused
    backends' (``_numba_rt``, ``_cuda_rt``) and faster than a power."""
    bad = np.isnan(k)
    return np.where(bad, np.nan, POW10[np.where(bad, 0.0, k).astype(np.intp)])


def snap15(y: np.ndarray) -> np.ndarray:
    """``y`` rounded to 15 significant digits, the precision Excel computes with (values of 1e15
    and more, zeros and subnormals are left alone)."""
    a = np.abs(y)
    with np.errstate(all="ignore"):
        p = 14.0 - np.floor(np.log10(np.where(a > 0, a, 1.0)))
        ok = (a > 0) & (p >= 0) & (p <= 300) & np.isfinite(a)
        scale = pow10(np.where(ok, p, 0.0))
        snapped = np.rint(y * scale) / scale
    return np.where(ok, snapped, y)


def comparable(x: np.ndarray) -> np.ndarray:
    """A number as Excel's comparison operators see it (:data:`COMPARISON_RULE`)."""
    return snap15(np.asarray(x, dtype=np.float64))


COMPARISON_RULE = """\
Excel compares numbers at 15 significant digits (=0.1+0.2=0.3 is TRUE).  The rule, for the
operators = <> < <= > >= on two numbers a and b (a blank is 0; TRUE/FALSE and text are not
numbers and keep their own ordering):

    compare snap15(a) with snap15(b) using IEEE comparison, where
    snap15(y) = rint(y * 10**p) / 10**p  with  p = 14 - floor(log10(|y|)),
    applied only when y != 0, y is finite and 0 <= p <= 300 (else snap15(y) = y);
    10**p is read from the table POW10 (correctly rounded powers of ten), rint rounds half
    to even.

So values equal to 15 significant digits compare equal; because snap15 is monotone, the
order of any two values that differ at 15 digits is unchanged.  Values of 1e15 and more are
compared exactly.  The fused backends mirror it with their own snap15 (``_numba_rt.snap15``,
``_cuda_rt`` ``snap15``), the same function ROUND uses.
"""


# ---------------------------------------------------------------- coercion
def parse_number(s: str) -> float | None:
    """Excel's (en-US) text-to-number coercion for the common forms ('12', ' 1.5e3 ', '50%',
    '1,000', '1,224.92', '$1,234.50', '-$5', '$-5').

    Commas are group separators of the integer part, left out wherever they stand in it
    (Excel reads "15,75" as 1575 in a US locale); a comma after the decimal point or in the
    exponent makes the text not a number ("1.2,3").  A dollar sign may lead the number or
    follow its sign: Microsoft's VALUE page gives VALUE("$1,000") = 1000
    (https://support.microsoft.com/en-us/excel/value-function); "1,224.92", "$1,234.50" and
    "-$5" read as 1224.92, 1234.5 and -5 in Excel and in LibreOffice (checked headless)."""
    t = s.strip()
    if not t:
        return None
    pct = t.endswith("%")
    if pct:
        t = t[:-1].strip()
    cut = min([t.find(c) for c in ".eE" if c in t], default=len(t))
    if "," in t and "," not in t[cut:]:
        t = t.replace(",", "")
    sign = ""
    if t[:2] in ("-$", "+$"):   # the sign before the dollar: "-$5"; float() reads "$-5"'s
        sign, t = t[0], t[2:]
    elif t.startswith("$"):
        t = t[1:]
    try:
        x = float(sign + t)
    except ValueError:
        return None
    if math.isnan(x) or math.isinf(x):
        return None
    return x / 100.0 if pct else x


def to_number(v: Vec) -> tuple[np.ndarray, np.ndarray | None]:
    """Coerce for arithmetic: numbers; TRUE/FALSE -> 1/0; blank -> 0; numeric text, or a date
    typed as text (its serial); else #VALUE!."""
    if v.kind == Kind.NUM or v.kind == Kind.BLANK:
        return v.data, v.err
    if v.kind == Kind.BOOL:
        return v.data.astype(np.float64), v.err
    out = np.zeros(len(v.data))
    err = np.zeros(len(v.data), dtype=np.uint8)
    for i, x in enumerate(v.data):
        if x is None:
            continue
        if isinstance(x, bool | np.bool_):
            out[i] = float(x)
        elif isinstance(x, str):
            y = parse_number(x)
            if y is None:  # Excel reads a date typed as text as its serial ("2020-01-01"+0)
                from .functions._scalars import parse_date_text

                y = parse_date_text(x)
            if y is None:
                err[i] = VALUE
            else:
                out[i] = y
        else:
            out[i] = float(x)
    return out, first_error(v.err, err)


def to_bool(v: Vec) -> tuple[np.ndarray, np.ndarray | None]:
    """Coerce for logical tests: numbers != 0; TRUE/FALSE; blank FALSE; text 'TRUE'/'FALSE' else #VALUE!."""
    if v.kind == Kind.BOOL:
        return v.data, v.err
    if v.kind in (Kind.NUM, Kind.BLANK):
        return v.data != 0, v.err
    out = np.zeros(len(v.data), dtype=np.bool_)
    err = np.zeros(len(v.data), dtype=np.uint8)
    for i, x in enumerate(v.data):
        if x is None:
            continue
        if isinstance(x, str):
            u = x.strip().upper()
            if u in ("TRUE", "FALSE"):
                out[i] = u == "TRUE"
            else:
                err[i] = VALUE
        else:
            out[i] = bool(x)
    return out, first_error(v.err, err)


def format_number(x: float) -> str:
    """Excel's General format for text conversion (up to 15 significant digits)."""
    if x == 0:
        return "0"
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    s = f"{x:.15g}"
    if "e" in s:
        mant, exp = s.split("e")
        if "." in mant:
            mant = mant.rstrip("0").rstrip(".")
        sign = exp[0]
        digits = exp[1:].lstrip("0").rjust(2, "0")
        return f"{mant}E{sign}{digits}"
    return s


def to_text(v: Vec) -> tuple[np.ndarray, np.ndarray | None]:
    """Coerce for '&' and text functions: numbers in General format, TRUE/FALSE, blank ''."""
    n = len(v.data)
    out = np.empty(n, dtype=object)
    if v.kind == Kind.STR:
        return v.data, v.err
    if v.kind == Kind.BLANK:
        out[:] = ""
    elif v.kind == Kind.NUM:
        out[:] = [format_number(float(x)) for x in v.data]
    elif v.kind == Kind.BOOL:
        out[:] = ["TRUE" if x else "FALSE" for x in v.data]
    else:
        out[:] = ["" if x is None else ("TRUE" if x else "FALSE") if isinstance(x, bool | np.bool_)
                  else x if isinstance(x, str) else format_number(float(x)) for x in v.data]
    return out, v.err


ARRAY_CHECK_FROM = 10_000  # arrays smaller than this are not checked against the budget


def array_budget(rows: int, cols: int, what: str) -> None:
    """Refuse, before it is built, an array result of more cells than ``Limits.max_array_cells``
    (MCDESK_MAX_ARRAY_CELLS): a LimitError naming the function and the sizes (the cell
    computing it is added by the evaluator)."""
    n = rows * cols
    if n < ARRAY_CHECK_FROM:
        return
    from .errors import LimitError
    from .workbook import Limits

    limit = Limits().max_array_cells
    if n > limit:
        raise LimitError(f"{what} would build an array of {rows:,} x {cols:,} = {n:,} cells, "
                         f"above the limit of {limit:,} {Limits.hint('max_array_cells')}")


def concat_all(parts: Sequence[Vec | Any], pairwise: Any) -> Vec | Any:
    """``a&b&c&...`` in one pass: each part converted to text once (a cell read a thousand
    times is formatted once) and the texts joined per trial, so a chain costs what its result
    holds, not the square of its length.  Arrays among the parts: ``pairwise`` (the binary
    ``&``) left to right, as Excel broadcasts them."""
    if any(not isinstance(p, Vec) for p in parts):
        out = parts[0]
        for p in parts[1:]:
            out = pairwise(out, p)
        return out
    n = max(len(p.data) for p in parts)
    seen: dict[int, tuple[list[str], np.ndarray | None]] = {}
    columns, errs = [], []
    for p in parts:
        got = seen.get(id(p))
        if got is None:
            x, e = to_text(p)
            got = seen[id(p)] = ([str(v) for v in x] if len(x) == n else [str(x[0])] * n, e)
        columns.append(got[0])
        errs.append(got[1])
    err = first_error(*errs)
    out = np.empty(n, dtype=object)
    out[:] = ["".join(row) for row in zip(*columns, strict=True)]
    if err is not None:
        out = np.where(err != 0, "", out).astype(object)
    return Vec(Kind.STR, out, err)


def scalar_kind(x: Any) -> Kind:
    if x is None:
        return Kind.BLANK
    if isinstance(x, bool | np.bool_):
        return Kind.BOOL
    if isinstance(x, str):
        return Kind.STR
    return Kind.NUM


def as_any(v: Vec) -> np.ndarray:
    """The values as an object array of Python scalars (errors not included)."""
    if v.kind == Kind.ANY:
        return v.data
    out = np.empty(len(v.data), dtype=object)
    if v.kind == Kind.BLANK:
        out[:] = None
    elif v.kind == Kind.NUM:
        out[:] = [float(x) for x in v.data]
    elif v.kind == Kind.BOOL:
        out[:] = [bool(x) for x in v.data]
    else:
        out[:] = v.data
    return out


def broadcast(v: Vec, n: int) -> Vec:
    if len(v.data) == n:
        return v
    data = np.broadcast_to(v.data, (n,)).copy() if v.kind != Kind.NUM else np.full(n, v.data[0])
    err = None if v.err is None else np.full(n, v.err[0], dtype=np.uint8)
    return Vec(v.kind, data, err)


def select(mask: np.ndarray, a: Vec, b: Vec) -> Vec:
    """Per trial: ``a`` where mask is true, else ``b`` (kinds merged to ANY when they differ)."""
    if mask.shape == (1,):
        return a if bool(mask[0]) else b
    n = len(mask)
    if a.kind == b.kind:
        data = np.where(mask, a.data, b.data)
        kind = a.kind
    elif {a.kind, b.kind} <= {Kind.NUM, Kind.BLANK}:
        data = np.where(mask, a.data, b.data)
        kind = Kind.ANY
        data = np.where(mask, as_any(broadcast(a, n)), as_any(broadcast(b, n)))
    else:
        kind = Kind.ANY
        data = np.where(mask, as_any(broadcast(a, n)), as_any(broadcast(b, n)))
    if a.err is None and b.err is None:
        err = None
    else:
        ea = a.err if a.err is not None else np.zeros(1, np.uint8)
        eb = b.err if b.err is not None else np.zeros(1, np.uint8)
        err = np.where(mask, ea, eb).astype(np.uint8)
        if not err.any():
            err = None
    return Vec(kind, data, err)


def normalize(v: Vec) -> Vec:
    """Narrow an ANY vector whose trials all hold one type (after IF/CHOOSE)."""
    if v.kind != Kind.ANY:
        return v
    kinds = {scalar_kind(x) for x, e in zip(v.data, v.err if v.err is not None else [0] * len(v.data), strict=True) if not e}
    if len(kinds) != 1:
        return v
    kind = kinds.pop()
    if kind == Kind.NUM:
        return Vec(kind, np.array([0.0 if x is None or isinstance(x, str) else float(x) for x in v.data]), v.err)
    if kind == Kind.BOOL:
        return Vec(kind, np.array([bool(x) if isinstance(x, bool | np.bool_) else False for x in v.data]), v.err)
    return v
