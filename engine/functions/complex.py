"""Complex numbers as Excel writes them ("3+4i", "-2.5j"): COMPLEX and the IM* functions.

A complex number is text; these are Analysis ToolPak functions: a logical or a multi-cell
range where a complex number is expected is #VALUE! (IMSUM and IMPRODUCT take ranges), a
number is a real complex number, an empty cell 0, and text that is not a complex number
#NUM!.  Results are written with up to 15 significant digits, "i" or "j" as the arguments
used ("i" when none did); mixing both is #VALUE! in IMSUM/IMPRODUCT and #NUM! in IMSUB/IMDIV.
"""

from __future__ import annotations

import cmath
import math
import re
from collections.abc import Callable

import numpy as np

from ..values import DIV0, NUM, VALUE, ExcelError, Grid, Kind, Vec, first_error, trials
from . import register
from ._args import result
from .math import atp_number, cell_of
from .text import _text_result

Arg = Vec | Grid | None
_NUMBER = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_COMPLEX = re.compile(rf"([+-]?{_NUMBER})?(?:([+-])({_NUMBER})?([ij]))?|([+-]?)({_NUMBER})?([ij])")


def parse_complex(s: str) -> tuple[complex, str] | None:
    """Text as a complex number and its suffix ('' for a real number); None if it is not one."""
    m = _COMPLEX.fullmatch(s)
    if m is None or not s:
        return None
    re_, sign, im, suffix, sign2, im2, suffix2 = m.groups()
    if suffix2:  # imaginary only: "3i", "-i"
        mag = float(im2) if im2 else 1.0
        return complex(0.0, -mag if sign2 == "-" else mag), suffix2
    if re_ is None and not suffix:
        return None
    real = float(re_) if re_ is not None else 0.0
    if not suffix:
        return complex(real, 0.0), ""
    mag = float(im) if im else 1.0
    return complex(real, -mag if sign == "-" else mag), suffix


def _part(x: float) -> str:
    """One part of a complex number: 15 significant digits, E notation below 1e-5 or from
    1e15 (Excel's complex-number style, not General's)."""
    if x == 0:
        return "0"
    e = math.floor(math.log10(abs(float(f"{x:.14e}"))))
    if -5 <= e < 15:
        s = f"{x:.{max(14 - e, 0)}f}"
        return s.rstrip("0").rstrip(".") if "." in s else s
    mant, exp = f"{x:.14e}".split("e")
    mant = mant.rstrip("0").rstrip(".")
    return f"{mant}E{exp[0]}{exp[1:].lstrip('0').rjust(2, '0')}"


def format_complex(z: complex, suffix: str) -> str:
    """``z`` as Excel writes a complex number."""
    suffix = suffix or "i"
    re_, im = _part(z.real), _part(z.imag)
    if im == "0":
        return re_
    coef = {"1": "", "-1": "-"}.get(im, im)
    if re_ == "0":
        return coef + suffix
    return re_ + ("" if im.startswith("-") else "+") + coef + suffix


class _Bad(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


def _one_value(v: Vec, i: int) -> tuple[complex, str]:
    """Trial ``i`` of an argument as (complex, suffix); raises _Bad with Excel's error."""
    x = v.scalar(i)
    if isinstance(x, ExcelError):
        raise _Bad(x.code)
    if x is None:
        return 0j, ""
    if isinstance(x, bool):
        raise _Bad(VALUE)
    if isinstance(x, float):
        return complex(x, 0.0), ""
    z = parse_complex(str(x))
    if z is None:
        raise _Bad(NUM)
    return z


def _inumber(a: Arg) -> Vec | None:
    """A single complex-number argument: a multi-cell range is None (#VALUE!)."""
    a = cell_of(a)
    if isinstance(a, Grid):
        return None
    return Vec(Kind.BLANK, np.zeros(1)) if a is None else a


def _suffix(sfx: list[str], mixed: int) -> str:
    used = {s for s in sfx if s}
    if len(used) > 1:
        raise _Bad(mixed)
    return used.pop() if used else ""


def _run(args: list[Vec], fn: Callable[[list[complex]], complex | float | str],
         mixed: int, text_out: bool = True) -> Vec:
    """Apply ``fn`` trial by trial; its result is a complex (written as text) or a number."""
    n = trials(*args)
    out = np.empty(n, dtype=object) if text_out else np.zeros(n)
    err = np.zeros(n, np.uint8)
    for i in range(n):
        try:
            vals = [_one_value(a, i) for a in args]
            sfx = _suffix([s for _, s in vals], mixed)
            with np.errstate(all="ignore"):
                r = fn([z for z, _ in vals])
            if isinstance(r, complex):
                if not (math.isfinite(r.real) and math.isfinite(r.imag)):
                    raise _Bad(NUM)
                out[i] = format_complex(r, sfx)
            else:
                out[i] = r
        except _Bad as bad:
            err[i] = int(bad.code)
            out[i] = "" if text_out else 0.0
        except (ZeroDivisionError, ValueError, OverflowError):
            err[i] = NUM
            out[i] = "" if text_out else 0.0
    e = err if err.any() else None
    return _text_result(out, e) if text_out else result(out, e)


def _unary(name: str, fn: Callable[[complex], complex | float], text_out: bool = True,
           zero: int = 0) -> None:
    def impl(inumber: Arg) -> Vec:
        v = _inumber(inumber)
        if v is None:
            return result(np.zeros(1), np.full(1, VALUE, np.uint8))

        def call(zs: list[complex]) -> complex | float:
            if zero and zs[0] == 0:
                raise _Bad(zero)
            return fn(zs[0])

        return _run([v], call, VALUE, text_out)

    impl.__name__ = name.lower()
    impl.__doc__ = f"Excel's {name}."
    register(name)(impl)


def _tan(z: complex, sign: float) -> complex:
    """tan(z) (sign 1) or cot(z) (sign -1) from the double-angle form Excel uses:
    tan(x+iy) = (sin 2x + i sinh 2y) / (cos 2x + cosh 2y),
    cot(x+iy) = (sin 2x - i sinh 2y) / (cosh 2y - cos 2x)."""
    x2, y2 = 2 * z.real, 2 * z.imag
    d = math.cosh(y2) + sign * math.cos(x2)
    return complex(math.sin(x2) / d, sign * math.sinh(y2) / d)


def _polar_power(z: complex, p: float) -> complex:
    """z**p as Excel computes it: r**p (cos p*theta + i sin p*theta)."""
    if z == 0:
        if p > 0:
            return 0j
        raise _Bad(NUM)
    r, t = abs(z), cmath.phase(z)
    rp = r ** p
    return complex(rp * math.cos(p * t), rp * math.sin(p * t))


_unary("IMABS", lambda z: float(abs(z)), False)
_unary("IMREAL", lambda z: float(z.real), False)
_unary("IMAGINARY", lambda z: float(z.imag), False)
_unary("IMARGUMENT", lambda z: float(cmath.phase(z)), False, DIV0)
_unary("IMCONJUGATE", lambda z: z.conjugate())
_unary("IMEXP", cmath.exp)
_unary("IMLN", cmath.log, zero=NUM)
_unary("IMLOG10", lambda z: cmath.log(z) / math.log(10), zero=NUM)
_unary("IMLOG2", lambda z: cmath.log(z) / math.log(2), zero=NUM)
_unary("IMSQRT", lambda z: _polar_power(z, 0.5) if z != 0 else 0j)
_unary("IMSIN", cmath.sin)
_unary("IMCOS", cmath.cos)
_unary("IMTAN", lambda z: _tan(z, 1.0))
_unary("IMSINH", cmath.sinh)
_unary("IMCOSH", cmath.cosh)
_unary("IMSEC", lambda z: 1 / cmath.cos(z))
_unary("IMSECH", lambda z: 1 / cmath.cosh(z))
_unary("IMCSC", lambda z: 1 / cmath.sin(z), zero=NUM)
_unary("IMCSCH", lambda z: 1 / cmath.sinh(z), zero=NUM)
_unary("IMCOT", lambda z: _tan(z, -1.0), zero=NUM)


@register("IMPOWER")
def impower(inumber: Arg, number: Arg) -> Vec:
    """Excel's IMPOWER: ``inumber`` to a real power, in polar form."""
    v = _inumber(inumber)
    p, ep = atp_number(number)
    if v is None:
        return result(np.zeros(1), np.full(1, VALUE, np.uint8))
    n = max(trials(v), len(p))
    pv = Vec(Kind.NUM, np.broadcast_to(p, (n,)).copy(), None if ep is None
             else np.broadcast_to(ep, (n,)).copy())
    return _run([v, pv], lambda zs: _polar_power(zs[0], zs[1].real), VALUE)


def _binary(name: str, fn: Callable[[complex, complex], complex]) -> None:
    def impl(inumber1: Arg, inumber2: Arg) -> Vec:
        a, b = _inumber(inumber1), _inumber(inumber2)
        if a is None or b is None:
            return result(np.zeros(1), np.full(1, VALUE, np.uint8))
        return _run([a, b], lambda zs: fn(zs[0], zs[1]), NUM)

    impl.__name__ = name.lower()
    impl.__doc__ = f"Excel's {name}."
    register(name)(impl)


def _divide(a: complex, b: complex) -> complex:
    if b == 0:
        raise _Bad(NUM)
    return a / b


_binary("IMSUB", lambda a, b: a - b)
_binary("IMDIV", _divide)


def _many(name: str, start: complex, op: Callable[[complex, complex], complex]) -> None:
    def impl(*args: Arg) -> Vec:
        vals: list[Vec] = []
        for a in args:
            if isinstance(a, Grid):
                vals.extend(a.flat())
            elif a is not None:
                vals.append(a)
            else:
                vals.append(Vec(Kind.BLANK, np.zeros(1)))
        if not vals:
            return result(np.zeros(1), np.full(1, VALUE, np.uint8))

        def call(zs: list[complex]) -> complex:
            acc = start
            for z in zs:
                acc = op(acc, z)
            return acc

        return _run(vals, call, VALUE)

    impl.__name__ = name.lower()
    impl.__doc__ = f"Excel's {name}."
    register(name)(impl)


_many("IMSUM", 0j, lambda a, b: a + b)
_many("IMPRODUCT", 1 + 0j, lambda a, b: a * b)


@register("COMPLEX")
def complex_(real_num: Arg, i_num: Arg, suffix: Arg = None) -> Vec:
    """Excel's COMPLEX: real and imaginary parts as a complex number ("i" or "j" only)."""
    x, e1 = atp_number(real_num)
    y, e2 = atp_number(i_num)
    err = first_error(e1, e2)
    s = cell_of(suffix)
    sfx = "i"
    if isinstance(s, Grid):
        err = first_error(err, np.full(1, VALUE, np.uint8))
    elif s is not None and s.kind != Kind.BLANK:
        sv = s.scalar()
        if isinstance(sv, ExcelError):
            err = first_error(err, s.err)
        elif sv not in ("i", "j"):
            err = first_error(err, np.full(1, VALUE, np.uint8))
        else:
            sfx = str(sv)
    n = max(len(x), len(y))
    xs, ys = np.broadcast_to(x, (n,)), np.broadcast_to(y, (n,))
    out = np.array([format_complex(complex(a, b), sfx) for a, b in zip(xs, ys, strict=True)],
                   dtype=object)
    return _text_result(out, None if err is None else np.broadcast_to(err, (n,)).copy())


__all__ = ["parse_complex", "format_complex", "impower", "complex_"]
