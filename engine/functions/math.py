"""Math and trigonometry: SUM, PRODUCT, SUMSQ, SUMPRODUCT, the ROUND family, INT, TRUNC, MOD,
the CEILING/FLOOR family, MROUND, EVEN, ODD, FACT, QUOTIENT, powers, logarithms, trigonometry.

Excel semantics, vectorized over trials:

* arguments are coerced as Excel does (TRUE -> 1, "3" -> 3, blank -> 0, other text -> #VALUE!);
  an error in an argument wins over a domain error, the leftmost argument's first;
* rounding works on the value seen to 15 significant digits, as Excel does, then rounds half
  away from zero: ROUND(1.005, 2) = 1.01 although 1.005 is stored as 1.00499999999999989...;
* a function of scalars maps over an array argument (array formulas) with :func:`lift`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..values import (
    DIV0,
    NUM,
    POW10,
    VALUE,
    Grid,
    Kind,
    Vec,
    blank,
    first_error,
    pow10,
    snap15,
    to_bool,
    to_number,
    trials,
)
from . import flat_ops, register, takes
from ._args import numeric_columns, result, scalar_number
from .operators import arith, batch_elementwise, is_reference, map_grid

Arg = Vec | Grid | None
Checks = list[tuple[np.ndarray, int]]
_BIG = 2.0 ** 52           # from here on every double is an integer
_TRIG_LIMIT = 2.0 ** 27    # Excel's SIN/COS/TAN give #NUM! from here on
_FACT = np.array([float(np.prod(np.arange(1, k + 1, dtype=np.float64))) for k in range(171)])


# ----------------------------------------------------------------- helpers (used by text/info)
def cell_of(a: Arg) -> Arg:
    """A 1x1 range as its cell; anything else unchanged."""
    if isinstance(a, Grid) and a.shape == (1, 1):
        return a.cells[0][0]
    return a


def lift(fn: Callable[..., Vec], args: Sequence[Arg], trialwise: bool = False) -> Vec | Grid:
    """``fn(*args)``, or element by element when an argument is an array (a multi-cell range or
    an array expression), as Excel evaluates a scalar function in an array formula.  Omitted
    arguments stay ``None``; 1x1 ranges are passed as their cell.  ``trialwise``: ``fn`` works
    trial by trial, so elements of the same kinds are computed as one vector
    (:func:`engine.functions.operators.batch_elementwise`: ``SEARCH(x, Data!A2:A32673)`` in
    each of 700 array formulas was 32,672 calls each)."""
    args = [cell_of(a) for a in args]
    present = [i for i, a in enumerate(args) if a is not None]
    if not any(isinstance(args[i], Grid) for i in present):
        return fn(*args)

    def call(*vals: Vec) -> Vec:
        full = list(args)
        for i, v in zip(present, vals, strict=True):
            full[i] = v
        return fn(*full)

    if trialwise:  # cells of one value each: whole columns at once
        flat = flat_ops.elementwise(call, *[a for a in args if a is not None])
        if flat is not None:
            return flat
    batch = (lambda items: batch_elementwise(call, items)) if trialwise else None
    return map_grid(call, *[a for a in args if a is not None], batch=batch)


def flag(err: np.ndarray | None, mask: np.ndarray | bool, code: int) -> np.ndarray | None:
    """Add error ``code`` where ``mask`` holds, behind the errors already in ``err``."""
    mask = np.asarray(mask)
    if not mask.any():
        return err
    return first_error(err, np.atleast_1d(np.where(mask, code, 0).astype(np.uint8)))


BOOL = "bool"  # in ``numeric``'s defaults: a logical flag (empty -> FALSE), as CUMULATIVE


def _bool_arg(v: Arg) -> tuple[np.ndarray, np.ndarray | None]:
    v = cell_of(v)
    if v is None:
        return np.zeros(1, bool), None
    if isinstance(v, Grid):
        return np.zeros(1, bool), np.full(1, VALUE, np.uint8)
    return to_bool(v)


def checked(compute: Callable[..., tuple[np.ndarray, Checks]],
            coerced: Sequence[tuple[np.ndarray, np.ndarray | None]]) -> Vec:
    """``compute`` on the numbers of arguments already coerced (each ``(values, errors)``):
    the argument errors first, the leftmost first, then its ``(mask, code)`` domain errors."""
    err = None
    for _, e in coerced:
        err = first_error(err, e)
    with np.errstate(all="ignore"):
        out, checks = compute(*[x for x, _ in coerced])
    for mask, code in checks:
        err = flag(err, mask, code)
    return result(out, err)


def numeric(compute: Callable[..., tuple[np.ndarray, Checks]], args: Sequence[Arg],
            defaults: Sequence[float | str | None]) -> Vec | Grid:
    """A function of numbers: coerce each argument (``None`` -> its default; a required one,
    default ``None``, -> #VALUE!; :data:`BOOL` -> a logical flag), run ``compute`` on the
    arrays, which returns the values and ``(mask, code)`` domain errors; argument errors come
    first."""

    def one(*vals: Arg) -> Vec:
        return checked(compute, [_bool_arg(v) if d == BOOL else scalar_number(v, d)  # type: ignore[arg-type]
                                 for v, d in zip(vals, defaults, strict=True)])

    if len(args) > len(defaults):
        return result(np.zeros(1), np.full(1, VALUE, np.uint8))
    return lift(one, list(args) + [None] * (len(defaults) - len(args)))


def round_digits(x: np.ndarray, digits: np.ndarray, how: str = "half") -> np.ndarray:
    """Excel's ROUND ("half", half away from zero), ROUNDUP ("up", away from zero) and
    ROUNDDOWN ("down", toward zero) to ``digits`` decimals (truncated; negative: left of the
    point)."""
    d = np.clip(np.trunc(digits), -308, 308)
    pos = d >= 0
    with np.errstate(all="ignore"):
        p = pow10(np.abs(d))
        y = np.where(pos, x * p, x / p)
        ys = snap15(y)
        a = np.abs(ys)
        mag = np.floor(a + 0.5) if how == "half" else np.ceil(a) if how == "up" else np.floor(a)
        r = np.where(ys < 0, -mag, mag)
        out = np.where(pos, r / p, r * p)
    keep = ~np.isfinite(y) | (a >= _BIG)   # no digits to drop at this scale
    return np.where(keep, x, out) + 0.0


def _to_multiple(x: np.ndarray, s: np.ndarray, pos_up: bool, neg_away: np.ndarray | bool
                 ) -> np.ndarray:
    """``x`` to a multiple of ``|s|``: positive numbers up (or down), negative ones away from
    zero where ``neg_away`` (else toward zero); a zero step gives 0."""
    s = np.abs(s)
    zero = s == 0
    q = snap15(np.abs(x) / np.where(zero, 1.0, s))
    up, down = np.ceil(q), np.floor(q)
    mag = np.where(x >= 0, up if pos_up else down, np.where(neg_away, up, down))
    return np.where(zero, 0.0, np.where(x < 0, -mag, mag) * s) + 0.0


def _reg(name: str, compute: Callable[..., tuple[np.ndarray, Checks]],
         defaults: Sequence[float | None]) -> None:
    def fn(*args: Arg) -> Vec | Grid:
        return numeric(compute, args, defaults)

    fn.__name__ = name.lower().replace(".", "_")
    fn.__doc__ = f"Excel's {name}."
    register(name)(takes(sum(d is None for d in defaults), len(defaults))(fn))


def _unary(name: str, f: Callable[[np.ndarray], np.ndarray],
           bad: Callable[[np.ndarray], np.ndarray] | None = None, code: int = NUM) -> None:
    def compute(x: np.ndarray) -> tuple[np.ndarray, Checks]:
        if bad is None:
            return f(x), []
        b = bad(x)
        return f(np.where(b, 1.0, x)), [(b, code)]

    _reg(name, compute, (None,))


# ----------------------------------------------------------------- aggregates
def _present(c: np.ndarray, m: np.ndarray | None, fill: float) -> np.ndarray:
    return c if m is None else np.where(m, c, fill)


@register("SUM")
def sum_(*args: Arg) -> Vec:
    """Excel's SUM: numbers of ranges and arrays; direct arguments coerced."""
    cols, masks, err = numeric_columns(args)
    acc = np.zeros(1)
    for c, m in zip(cols, masks, strict=True):
        acc = acc + _present(c, m, 0.0)
    return result(acc, err)


@register("SUMSQ")
def sumsq(*args: Arg) -> Vec:
    """Excel's SUMSQ: the sum of the squares of what SUM would add."""
    cols, masks, err = numeric_columns(args)
    acc = np.zeros(1)
    for c, m in zip(cols, masks, strict=True):
        acc = acc + _present(c * c, m, 0.0)
    return result(acc, err)


@register("PRODUCT")
def product(*args: Arg) -> Vec:
    """Excel's PRODUCT: 0 when there is no number at all."""
    cols, masks, err = numeric_columns(args)
    acc, count = np.ones(1), np.zeros(1)
    for c, m in zip(cols, masks, strict=True):
        acc = acc * _present(c, m, 1.0)
        count = count + (1.0 if m is None else m)
    return result(np.where(count > 0, acc, 0.0), err)


def _numbers_or_zero(v: Vec) -> np.ndarray:
    """The numbers of an array element; text, logicals and blanks count as 0 (SUMPRODUCT)."""
    if v.kind == Kind.NUM:
        return v.data if v.err is None else np.where(v.err != 0, 0.0, v.data)
    if v.kind == Kind.ANY:
        return np.array([float(x) if isinstance(x, int | float) and not isinstance(x, bool)
                         else 0.0 for x in v.data])
    return np.zeros(1)


def _written(g: Grid) -> tuple[int, int]:
    """A range's size as written (``E7:E57``; the cells read stop at the sheet's last row or
    column), an array's own shape."""
    return g.area.declared_shape if is_reference(g) else g.shape  # type: ignore[union-attr]


SUMPRODUCT_FLAT_FROM = 32  # arrays of this many elements whose cells hold one value each


def _sumproduct_flat(grids: list[Grid]) -> Vec | None:
    """SUMPRODUCT of arrays of one shape whose cells hold one value each (flat_ops.Flat: a
    ``--(Log!X6:X5005=A5)`` in ~900 SUMPRODUCTs) on whole columns: the element loop's error
    (first in argument, then row order), its products in its order and its additions left to
    right (add.accumulate); None for anything else."""
    shape = grids[0].shape
    if not flat_ops.ENABLED or shape[0] * shape[1] < SUMPRODUCT_FLAT_FROM \
            or any(g.shape != shape for g in grids):
        return None
    flats = [flat_ops.flat(g) for g in grids]
    if any(f is None or (f.kinds == int(Kind.ANY)).any() for f in flats):
        return None
    err = None
    terms = np.ones(shape[0] * shape[1])
    for f in flats:
        assert f is not None
        nums = np.where(f.kinds == int(Kind.NUM), f.data.get(Kind.NUM, 0.0), 0.0)
        if f.err is not None:
            bad = np.flatnonzero(f.err)
            if len(bad):
                err = first_error(err, f.err[bad[0]:bad[0] + 1])
            nums = np.where(f.err != 0, 0.0, nums)
        terms = terms * nums
    total = np.add.accumulate(np.concatenate([np.zeros(1), terms]))[-1:]
    return result(total, err)


@register("SUMPRODUCT")
def sumproduct(*args: Arg) -> Vec:
    """Excel's SUMPRODUCT: arrays of one shape multiplied element-wise and summed; an error in
    any element wins (first in argument, then row order), then a shape mismatch (#VALUE!).
    A range's shape is the size it was written with (``E7:E57`` past the sheet's last row)."""
    grids = [a if isinstance(a, Grid) else Grid([[a if a is not None else blank()]])
             for a in args]
    if not grids:
        return result(np.zeros(1), np.full(1, VALUE, np.uint8))
    flat = _sumproduct_flat(grids)
    if flat is not None:
        return flat
    err = None
    for g in grids:
        for c in g.flat():
            err = first_error(err, c.err)
    # a mismatch both as written and as read (--(W:W>A1), an array of W:W's cells read, with
    # X:X written to row 1048576 is no mismatch; nor are D6:D56 and E7:E57 read clipped)
    if len({_written(g) for g in grids}) > 1 and len({g.shape for g in grids}) > 1:
        err = flag(err, np.ones(trials(*grids), bool), VALUE)
        return result(np.zeros(1), err)
    # a range reaching past the sheet's data is read clipped: the rest is empty cells, so
    # every product past the cells read of any argument is 0 (left out: the same sum)
    rows, cols = min(g.shape[0] for g in grids), min(g.shape[1] for g in grids)
    grids = [g if g.shape == (rows, cols) else Grid([r[:cols] for r in g.cells[:rows]])
             for g in grids]
    total = np.zeros(1)
    flat = [list(g.flat()) for g in grids]
    for k in range(len(flat[0])):
        term = np.ones(1)
        for items in flat:
            term = term * _numbers_or_zero(items[k])
        total = total + term
    return result(total, err)


@register("SERIESSUM")
def seriessum(x: Arg, n: Arg, m: Arg, coefficients: Arg) -> Vec:
    """Excel's SERIESSUM: sum of a_i * x^(n + i*m) over the coefficients (numbers only)."""
    xv, e1 = atp_number(x)
    nv, e2 = atp_number(n)
    mv, e3 = atp_number(m)
    cells = list(coefficients.flat()) if isinstance(coefficients, Grid) else \
        [coefficients if coefficients is not None else blank()]
    err = first_error(e1, e2, e3)
    total = np.zeros(1)
    with np.errstate(all="ignore"):
        for i, c in enumerate(cells):
            a, ea = to_number(c)
            err = first_error(err, ea)
            if c.kind in (Kind.STR, Kind.BOOL):
                err = flag(err, np.ones(len(c.data), bool), VALUE)
            total = total + a * np.power(xv, nv + i * mv)
    return result(total, err)


# ----------------------------------------------------------------- rounding
def _round_fn(how: str) -> Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, Checks]]:
    return lambda x, d: (round_digits(x, d, how), [])


_reg("ROUND", _round_fn("half"), (None, 0.0))
_reg("ROUNDUP", _round_fn("up"), (None, 0.0))
_reg("ROUNDDOWN", _round_fn("down"), (None, 0.0))
_reg("TRUNC", _round_fn("down"), (None, 0.0))
_unary("INT", np.floor)
_reg("CEILING", lambda x, s: (_to_multiple(x, s, True, s < 0), [((x > 0) & (s < 0), NUM)]),
     (None, 1.0))
_reg("FLOOR", lambda x, s: (np.where(x == 0, 0.0, _to_multiple(x, s, False, s > 0)),
                            [((x > 0) & (s < 0), NUM), ((s == 0) & (x != 0), DIV0)]), (None, 1.0))
_reg("CEILING.MATH", lambda x, s, mode: (_to_multiple(x, s, True, mode != 0), []),
     (None, 1.0, 0.0))
_reg("FLOOR.MATH", lambda x, s, mode: (_to_multiple(x, s, False, mode == 0), []),
     (None, 1.0, 0.0))
for _name in ("CEILING.PRECISE", "ISO.CEILING"):
    _reg(_name, lambda x, s: (_to_multiple(x, s, True, False), []), (None, 1.0))
_reg("FLOOR.PRECISE", lambda x, s: (_to_multiple(x, s, False, True), []), (None, 1.0))


def _even(x: np.ndarray) -> tuple[np.ndarray, Checks]:
    mag = np.ceil(snap15(np.abs(x)) / 2.0) * 2.0
    return np.where(x < 0, -mag, mag), []


def _odd(x: np.ndarray) -> tuple[np.ndarray, Checks]:
    c = np.ceil(snap15(np.abs(x)))
    mag = np.where(np.mod(c, 2.0) == 1.0, c, c + 1.0)
    return np.where(x < 0, -mag, mag), []


_reg("EVEN", _even, (None,))
_reg("ODD", _odd, (None,))


def atp_number(v: Arg) -> tuple[np.ndarray, np.ndarray | None]:
    """A number argument of an Analysis ToolPak function (MROUND, ISEVEN, ...): like other
    numbers, except that a logical or an array is #VALUE! (Excel does not map these over
    arrays)."""
    v = cell_of(v)
    if isinstance(v, Grid):
        return np.zeros(1), np.full(1, VALUE, np.uint8)
    if v is None:
        return np.zeros(1), None
    x, err = to_number(v)
    if v.kind == Kind.BOOL:
        err = flag(err, np.ones(len(v.data), bool), VALUE)
    elif v.kind == Kind.ANY:
        err = flag(err, np.array([isinstance(y, bool | np.bool_) for y in v.data]), VALUE)
    return x, err


@register("MROUND")
def mround(number: Arg, multiple: Arg) -> Vec:
    """Excel's MROUND: to the nearest multiple, half away from zero; signs must agree."""
    x, e1 = atp_number(number)
    m, e2 = atp_number(multiple)
    err = first_error(e1, e2)
    with np.errstate(all="ignore"):
        q = snap15(np.abs(x) / np.where(m == 0, 1.0, np.abs(m)))
        r = np.floor(q + 0.5) * np.abs(m)
        r = np.where((m == 0) | (x == 0), 0.0, np.where(x < 0, -r, r)) + 0.0
    return result(r, flag(err, x * m < 0, NUM))


# ----------------------------------------------------------------- arithmetic
def _mod(n: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, Checks]:
    zero = d == 0
    return np.mod(n, np.where(zero, 1.0, d)), [(zero, DIV0)]


def _quotient(n: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, Checks]:
    zero = d == 0
    return np.trunc(snap15(n / np.where(zero, 1.0, d))), [(zero, DIV0)]


def _fact(x: np.ndarray) -> tuple[np.ndarray, Checks]:
    k = np.trunc(x)
    bad = (x < 0) | (k > 170)
    return _FACT[np.clip(k, 0, 170).astype(np.int64)], [(bad, NUM)]


def _log(x: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, Checks]:
    bad = (x <= 0) | (base <= 0)
    one = base == 1
    ok = ~bad & ~one
    # Excel divides natural logarithms (LOG(2.3,10) = 0.3617278360175928, not LOG10's ...284)
    r = np.log(np.where(ok, x, 1.0)) / np.log(np.where(ok, base, 2.0))
    return r, [(bad, NUM), (one, DIV0)]


def _log10(x: np.ndarray) -> tuple[np.ndarray, Checks]:
    bad = x <= 0
    return np.log10(np.where(bad, 1.0, x)), [(bad, NUM)]


def _atan2(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, Checks]:
    return np.arctan2(y, x), [((x == 0) & (y == 0), DIV0)]


_reg("MOD", _mod, (None, None))
_reg("QUOTIENT", _quotient, (None, None))
_reg("FACT", _fact, (None,))
_reg("ATAN2", _atan2, (None, None))
_unary("ABS", np.abs)
_unary("SIGN", np.sign)
_unary("SQRT", np.sqrt, lambda x: x < 0)
_unary("EXP", np.exp)
_unary("LN", np.log, lambda x: x <= 0)
_reg("LOG10", _log10, (None,))
_unary("DEGREES", np.degrees)
_unary("RADIANS", np.radians)


@register("LOG")
def log(number: Arg, base: Arg = None) -> Vec | Grid:
    """Excel's LOG; without a base, LOG10 (so that LOG(1000) is exactly 3)."""
    if base is None:
        return numeric(_log10, (number,), (None,))
    return numeric(_log, (number, base), (None, None))


@register("POWER")
def power(number: Arg, power_: Arg) -> Vec | Grid:
    """Excel's POWER, as the ^ operator: 0^0 is #NUM!, 0^-1 #DIV/0!, (-8)^(1/3) #NUM!."""
    return lift(lambda a, b: arith("^", a if a is not None else blank(),
                                   b if b is not None else blank()), (number, power_))


# ----------------------------------------------------------------- trigonometry
def _big(x: np.ndarray) -> np.ndarray:
    return np.abs(x) >= _TRIG_LIMIT


def _reciprocal(name: str, f: Callable[[np.ndarray], np.ndarray], limit: bool) -> None:
    def compute(x: np.ndarray) -> tuple[np.ndarray, Checks]:
        big = _big(x) if limit else np.zeros(1, bool)
        zero = x == 0
        return 1.0 / f(np.where(big | zero, 1.0, x)), [(big, NUM), (zero, DIV0)]

    _reg(name, compute, (None,))


_unary("SIN", np.sin, _big)
_unary("COS", np.cos, _big)
_unary("TAN", np.tan, _big)
_unary("SEC", lambda x: 1.0 / np.cos(x), _big)
_reciprocal("COT", np.tan, True)
_reciprocal("CSC", np.sin, True)
_reciprocal("COTH", np.tanh, False)
_reciprocal("CSCH", np.sinh, False)
_unary("SECH", lambda x: 1.0 / np.cosh(x))
_unary("ASIN", np.arcsin, lambda x: np.abs(x) > 1)
_unary("ACOS", np.arccos, lambda x: np.abs(x) > 1)
_unary("ATAN", np.arctan)
_unary("ACOT", lambda x: np.pi / 2 - np.arctan(x))
_unary("SINH", np.sinh)
_unary("COSH", np.cosh)
_unary("TANH", np.tanh)
_unary("ASINH", np.arcsinh)
_unary("ACOSH", np.arccosh, lambda x: x < 1)
_unary("ATANH", np.arctanh, lambda x: np.abs(x) >= 1)
_unary("ACOTH", lambda x: np.arctanh(1.0 / x), lambda x: np.abs(x) <= 1)

__all__ = ["POW10", "pow10", "cell_of", "lift", "flag", "numeric", "snap15", "round_digits", "atp_number", "sum_", "sumsq",
           "product", "sumproduct", "mround", "power", "log"]
