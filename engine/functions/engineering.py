"""Engineering functions: CONVERT, DELTA, GESTEP, ERF/ERFC (and .PRECISE), BESSELI/J/K/Y and the
BIT* family.

These are Analysis ToolPak functions: a number argument is coerced from numeric text, but a
logical (TRUE) or a multi-cell range is #VALUE! (they do not map over arrays), an empty cell is
0.  Argument errors win, the leftmost first; then domain errors (#NUM!), then #N/A for a
CONVERT between unknown or incompatible units.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
from scipy import special as sc

from ..values import NA, NUM, VALUE, Grid, Kind, Vec, first_error, to_text, trials
from . import register, takes
from ._args import result
from ._bessel_nr import besseli, besselj, besselk, bessely
from .math import atp_number, cell_of, checked, flag, numeric

Arg = Vec | Grid | None
Checks = list[tuple[np.ndarray, int]]


def atp(compute: Callable[..., tuple[np.ndarray, Checks]], args: Sequence[Arg],
        defaults: Sequence[float | None]) -> Vec:
    """An Analysis ToolPak function of numbers: each argument through :func:`atp_number` (a
    required one, default None, omitted -> #VALUE!; an optional one omitted -> its default),
    then ``compute`` with its ``(mask, code)`` domain checks."""
    if len(args) > len(defaults) or len(args) < sum(d is None for d in defaults):
        return result(np.zeros(1), np.full(1, VALUE, np.uint8))
    full = list(args) + [None] * (len(defaults) - len(args))
    return checked(compute, [(np.full(1, float(d)), None) if a is None and d is not None
                             else atp_number(a) for a, d in zip(full, defaults, strict=True)])


def _define(name: str, compute: Callable[..., tuple[np.ndarray, Checks]],
            defaults: Sequence[float | None]) -> None:
    def fn(*args: Arg) -> Vec:
        return atp(compute, args, defaults)

    fn.__name__ = name.lower().replace(".", "_")
    fn.__doc__ = f"Excel's {name}."
    register(name)(takes(sum(d is None for d in defaults), len(defaults))(fn))


# ----------------------------------------------------------------- DELTA, GESTEP, ERF
_define("DELTA", lambda a, b: ((a == b).astype(np.float64), []), (None, 0.0))
_define("GESTEP", lambda a, b: ((a >= b).astype(np.float64), []), (None, 0.0))
_define("ERF.PRECISE", lambda x: (sc.erf(x), []), (None,))
_define("ERFC.PRECISE", lambda x: (sc.erfc(x), []), (None,))
_define("ERFC", lambda x: (sc.erfc(x), []), (None,))


@register("ERF")
def erf(lower: Arg, upper: Arg = None) -> Vec:
    """Excel's ERF: erf(lower), or erf(upper) - erf(lower) with two arguments."""
    if upper is None:
        return atp(lambda x: (sc.erf(x), []), (lower,), (None,))
    return atp(lambda a, b: (sc.erf(b) - sc.erf(a), []), (lower, upper), (None, None))


# ----------------------------------------------------------------- Bessel functions
def _bessel(f: Callable[[np.ndarray, np.ndarray], np.ndarray], positive_x: bool
            ) -> Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, Checks]]:
    def compute(x: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, Checks]:
        k = np.trunc(n)
        bad = (k < 0) | ((x <= 0) if positive_x else np.zeros(1, bool))
        return f(np.where(bad, 0.0, k), np.where(bad, 1.0, x)), [(bad, NUM)]

    return compute


# Numerical Recipes' approximations and recurrences, as Excel computes them (_bessel_nr)
_define("BESSELI", _bessel(besseli, False), (None, None))
_define("BESSELJ", _bessel(besselj, False), (None, None))
_define("BESSELK", _bessel(besselk, True), (None, None))
_define("BESSELY", _bessel(bessely, True), (None, None))


# ----------------------------------------------------------------- bit operations
_BIT_LIMIT = 2.0 ** 48


def _bits(x: np.ndarray) -> np.ndarray:
    """Where ``x`` is not a whole number in [0, 2**48) (Excel's domain of the BIT functions)."""
    return (x < 0) | (x >= _BIT_LIMIT) | (np.trunc(x) != x) | ~np.isfinite(x)


def _bitwise(op: Callable[[np.ndarray, np.ndarray], np.ndarray]
             ) -> Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, Checks]]:
    def compute(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, Checks]:
        bad = _bits(a) | _bits(b)
        ia = np.where(bad, 0, a).astype(np.int64)
        ib = np.where(bad, 0, b).astype(np.int64)
        return op(ia, ib).astype(np.float64), [(bad, NUM)]

    return compute


def _shift(left: bool) -> Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, Checks]]:
    def compute(a: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, Checks]:
        k = np.trunc(s)
        k = np.where(left, k, -k)
        out = np.trunc(np.where(k >= 0, a * np.exp2(np.clip(k, 0, 1100)),
                                a / np.exp2(np.clip(-k, 0, 1100))))
        bad = _bits(a) | (np.abs(s) > 53) | (out >= _BIT_LIMIT)
        return np.where(bad, 0.0, out), [(bad, NUM)]

    return compute


def _define_bits(name: str, compute: Callable[..., tuple[np.ndarray, Checks]]) -> None:
    """The BIT functions are not ToolPak ones: they coerce logicals and map over arrays."""

    def fn(*args: Arg) -> Vec | Grid:
        return numeric(compute, args, (None, None))

    fn.__name__ = name.lower()
    fn.__doc__ = f"Excel's {name}."
    register(name)(takes(2, 2)(fn))


_define_bits("BITAND", _bitwise(np.bitwise_and))
_define_bits("BITOR", _bitwise(np.bitwise_or))
_define_bits("BITXOR", _bitwise(np.bitwise_xor))
_define_bits("BITLSHIFT", _shift(True))
_define_bits("BITRSHIFT", _shift(False))


# ----------------------------------------------------------------- CONVERT
# unit -> (quantity, factor to the quantity's base unit, accepts a prefix, power of a prefix)
_UNITS: dict[str, tuple[str, float, bool, int]] = {}


def _units(quantity: str, factor: float, prefix: bool, *names: str, power: int = 1) -> None:
    for n in names:
        _UNITS[n] = (quantity, factor, prefix, power)


_IN = 0.0254
_FT = 0.3048
_MI = 1609.344
_NMI = 1852.0
_LY = 9460730472580800.0
_PICA_PT = _IN / 72
_LBF = 4.4482216152605
# mass (gram)
_units("mass", 1.0, True, "g")
_units("mass", _LBF / _FT * 1000, False, "sg")
_units("mass", 453.59237, False, "lbm")
_units("mass", 1.660538782e-24, True, "u")
_units("mass", 28.349523125, False, "ozm")
_units("mass", 0.06479891, False, "grain")
_units("mass", 45359.237, False, "cwt", "shweight")
_units("mass", 50802.34544, False, "uk_cwt", "lcwt", "hweight")
_units("mass", 6350.29318, False, "stone")
_units("mass", 907184.74, False, "ton")
_units("mass", 1016046.9088, False, "uk_ton", "LTON", "brton")
# distance (meter)
_units("length", 1.0, True, "m")
_units("length", _MI, False, "mi")
_units("length", _NMI, False, "Nmi")
_units("length", _IN, False, "in")
_units("length", _FT, False, "ft")
_units("length", 0.9144, False, "yd")
_units("length", 1e-10, True, "ang")
_units("length", 1.143, False, "ell")
_units("length", _LY, True, "ly")
_units("length", 30856775812815530.0, True, "parsec", "pc")
_units("length", _PICA_PT, False, "Picapt", "Pica")
_units("length", _IN / 6, False, "pica")
_units("length", 1609.3472186944373, False, "survey_mi")
# time (second)
_units("time", 31557600.0, False, "yr")
_units("time", 86400.0, False, "day", "d")
_units("time", 3600.0, False, "hr")
_units("time", 60.0, False, "mn", "min")
_units("time", 1.0, True, "sec", "s")
# pressure (pascal)
_units("pressure", 1.0, True, "Pa", "p")
_units("pressure", 101325.0, True, "atm", "at")
_units("pressure", 133.322, True, "mmHg")
_units("pressure", 6894.757293168362, False, "psi")
_units("pressure", 101325.0 / 760, False, "Torr")
# force (newton)
_units("force", 1.0, True, "N")
_units("force", 1e-5, True, "dyn", "dy")
_units("force", _LBF, False, "lbf")
_units("force", 9.80665e-3, True, "pond")
# energy (joule)
_units("energy", 1.0, True, "J")
_units("energy", 1e-7, True, "e")
_units("energy", 4.184, True, "c")
_units("energy", 4.1868, True, "cal")
_units("energy", 1.602176487e-19, True, "eV", "ev")
_units("energy", 2684519.537696173, False, "HPh", "hh")
_units("energy", 3600.0, True, "Wh", "wh")
_units("energy", _LBF * _FT, False, "flb")
_units("energy", 1055.05585262, False, "BTU", "btu")
# power (watt)
_units("power", 745.6998715822702, False, "HP", "h")
_units("power", 735.49875, False, "PS")
_units("power", 1.0, True, "W", "w")
# magnetism (tesla)
_units("magnetism", 1.0, True, "T")
_units("magnetism", 1e-4, True, "ga")
# volume (cubic meter)
_GAL = 3.785411784e-3
_units("volume", _GAL / 768, False, "tsp")
_units("volume", 5e-6, False, "tspm")
_units("volume", _GAL / 256, False, "tbs")
_units("volume", _GAL / 128, False, "oz")
_units("volume", _GAL / 16, False, "cup")
_units("volume", _GAL / 8, False, "pt", "us_pt")
_units("volume", 5.6826125e-4, True, "uk_pt")
_units("volume", _GAL / 4, False, "qt")
_units("volume", 1.1365225e-3, False, "uk_qt")
_units("volume", _GAL, False, "gal")
_units("volume", 4.54609e-3, False, "uk_gal")
_units("volume", 1e-3, True, "l", "L", "lt")
_units("volume", 1e-30, True, "ang3", "ang^3", power=3)
_units("volume", 0.158987294928, False, "barrel")
_units("volume", 0.03523907016688, False, "bushel")
_units("volume", _FT ** 3, False, "ft3", "ft^3")
_units("volume", _IN ** 3, False, "in3", "in^3")
_units("volume", _LY ** 3, False, "ly3", "ly^3")
_units("volume", 1.0, True, "m3", "m^3", power=3)
_units("volume", _MI ** 3, False, "mi3", "mi^3")
_units("volume", 0.9144 ** 3, False, "yd3", "yd^3")
_units("volume", _NMI ** 3, False, "Nmi3", "Nmi^3")
_units("volume", _PICA_PT ** 3, False, "Picapt3", "Picapt^3", "Pica3", "Pica^3")
_units("volume", 100 * _FT ** 3, False, "GRT", "regton")
_units("volume", 40 * _FT ** 3, False, "MTON")
# area (square meter)
_units("area", 4046.8564224, False, "uk_acre")
_units("area", 4046.8726098742522, False, "us_acre")
_units("area", 1e-20, True, "ang2", "ang^2", power=2)
_units("area", 100.0, True, "ar")
_units("area", _FT ** 2, False, "ft2", "ft^2")
_units("area", 10000.0, False, "ha")
_units("area", _IN ** 2, False, "in2", "in^2")
_units("area", _LY ** 2, False, "ly2", "ly^2")
_units("area", 1.0, True, "m2", "m^2", power=2)
_units("area", 2500.0, False, "Morgen")
_units("area", _MI ** 2, False, "mi2", "mi^2")
_units("area", _NMI ** 2, False, "Nmi2", "Nmi^2")
_units("area", _PICA_PT ** 2, False, "Picapt2", "Pica2", "Pica^2", "Picapt^2")
_units("area", 0.9144 ** 2, False, "yd2", "yd^2")
# information (bit)
_units("information", 1.0, True, "bit")
_units("information", 8.0, True, "byte")
# speed (meter per second)
_units("speed", 6080 * _FT / 3600, False, "admkn")
_units("speed", _NMI / 3600, False, "kn")
_units("speed", 1 / 3600, True, "m/h", "m/hr")
_units("speed", 1.0, True, "m/s", "m/sec")
_units("speed", _MI / 3600, True, "mph")
# temperature: handled by offsets below (kelvin)
_units("temperature", 1.0, False, "C", "cel")
_units("temperature", 1.0, False, "F", "fah")
_units("temperature", 1.0, True, "K", "kel")
_units("temperature", 1.0, False, "Rank")
_units("temperature", 1.0, False, "Reau")

_PREFIXES = {"Y": 1e24, "Z": 1e21, "E": 1e18, "P": 1e15, "T": 1e12, "G": 1e9, "M": 1e6,
             "k": 1e3, "h": 1e2, "da": 1e1, "e": 1e1, "d": 1e-1, "c": 1e-2, "m": 1e-3,
             "u": 1e-6, "n": 1e-9, "p": 1e-12, "f": 1e-15, "a": 1e-18, "z": 1e-21, "y": 1e-24}
_BINARY = {"ki": 2.0 ** 10, "Mi": 2.0 ** 20, "Gi": 2.0 ** 30, "Ti": 2.0 ** 40, "Pi": 2.0 ** 50,
           "Ei": 2.0 ** 60, "Zi": 2.0 ** 70, "Yi": 2.0 ** 80}
# kelvin = (x + shift) * scale for each temperature unit (prefixes multiply the kelvin value)
_TEMPERATURE = {"C": (273.15, 1.0), "cel": (273.15, 1.0), "F": (459.67, 5 / 9),
                "fah": (459.67, 5 / 9), "K": (0.0, 1.0), "kel": (0.0, 1.0),
                "Rank": (0.0, 5 / 9), "Reau": (218.52, 1.25)}


@lru_cache(maxsize=1024)
def _unit(name: str) -> tuple[tuple[str, float, str], ...]:
    """The readings of a unit name, prefix included: (quantity, factor, unit without its
    prefix), the exact name first ("pc" is a parsec, and a pico-calorie)."""
    found = []
    if name in _UNITS:
        q, f, _, _ = _UNITS[name]
        found.append((q, f, name))
    for table in (_PREFIXES, _BINARY):
        for p, scale in table.items():
            if not name.startswith(p) or name[len(p):] not in _UNITS:
                continue
            base = name[len(p):]
            q, f, ok, power = _UNITS[base]
            if not ok or (table is _BINARY and q != "information"):
                continue
            found.append((q, f * scale ** power, base))
    return tuple(found)


def _convert_pair(src: str, dst: str) -> tuple[float, float, float, float] | None:
    """``y = ((x + a) * b) / c - d``: the affine map from ``src`` to ``dst`` units."""
    pair = next(((u, v) for u in _unit(src) for v in _unit(dst) if u[0] == v[0]), None)
    if pair is None:
        return None
    u, v = pair
    if u[0] != "temperature":
        return 0.0, u[1], v[1], 0.0
    sa, sb = _TEMPERATURE[u[2]]
    da, db = _TEMPERATURE[v[2]]
    return sa, sb * u[1], db * v[1], da


@register("CONVERT")
def convert(number: Arg, from_unit: Arg, to_unit: Arg) -> Vec:
    """Excel's CONVERT: ``number`` from one unit to another of the same quantity (metric and
    binary prefixes where Excel accepts them); unknown or mismatched units give #N/A."""
    x, err = atp_number(number)
    units = []
    for a in (from_unit, to_unit):
        a = cell_of(a)
        if a is None or isinstance(a, Grid):
            return result(np.zeros(1), first_error(err, np.full(1, VALUE if isinstance(a, Grid)
                                                                 else NA, np.uint8)))
        t, e = to_text(a) if a.kind != Kind.BLANK else (np.array([""], dtype=object), a.err)
        err = first_error(err, e)
        units.append(t)
    n = trials(*(a for a in (number, from_unit, to_unit) if a is not None))
    src = np.broadcast_to(units[0], (n,))
    dst = np.broadcast_to(units[1], (n,))
    coef = np.zeros((n, 4))
    unknown = np.zeros(n, bool)
    cache: dict[tuple[str, str], tuple[float, float, float, float] | None] = {}
    for i in range(n):
        key = (str(src[i]), str(dst[i]))
        if key not in cache:
            cache[key] = _convert_pair(*key)
        c = cache[key]
        if c is None:
            unknown[i] = True
        else:
            coef[i] = c
    a, b, c, d = (coef[:, k] for k in range(4))
    with np.errstate(all="ignore"):
        y = (x + a) * b / c - d if (a.any() or d.any()) else x * b / c
    if n == 1:
        y = np.atleast_1d(y)
    return result(y, flag(err, unknown, NA))


__all__ = ["atp", "erf", "convert"]
