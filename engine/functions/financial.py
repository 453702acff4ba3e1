"""Financial functions: NPV, IRR, XNPV, XIRR, PV, FV, PMT, IPMT, PPMT, NPER, RATE, CUMIPMT,
CUMPRINC, SLN, DB, DDB, VDB.

Vectorized over trials.  The iterative ones (IRR, XIRR, RATE) run Newton's method for all
trials at once from Excel's guess (0.1 unless given), stop each trial when its step is below
1e-7 of the rate (Excel's tolerance) after polishing the root to full precision, and give
#NUM! where it does not converge — IRR and XIRR first retry those trials by bracketing a sign
change of the net present value nearest the guess and bisecting it.  XIRR with a guess >= 0
is Excel's own search where it finds a root (:func:`excel_xirr_search`: Excel's cached value
bit for bit, within 1e-8 of the exact root).

Excel's argument rules: the annuity functions coerce text and logicals and map over arrays;
XNPV and XIRR (Analysis ToolPak functions) refuse logicals and ranges where a number is
expected, want a positive rate (XNPV) and dates not before the first one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..powers import WHOLE_LIMIT, dd_powering
from ..values import DIV0, NUM, VALUE, Grid, Kind, Vec, first_error, trials
from . import register, takes
from ._args import numeric_columns, result, stack
from ._scalars import ABSENT, coerce, lift, numbers

Arg = Vec | Grid | None
Pair = tuple[np.ndarray, np.ndarray]


# ------------------------------------------------------------------ annuities
def _growth(r: np.ndarray, n: np.ndarray) -> Pair:
    """(1+r)^n and ((1+r)^n - 1)/r, the latter with its limit n at r = 0.

    A whole n (a number of periods, |n| < 2**62; 1 + r finite and nonzero): 1 + r held exactly
    as a double-double and powered in double-double arithmetic (:func:`growth_pair`), the power
    rounded once and ((1+r)^n - 1) taken from the pair before rounding, so no cancellation.
    Only + - * / frexp ldexp: numba's kernel (``_rt_functions._growth``) and the CUDA twin
    (``mc_growth``) give the same double, where numpy's SIMD exp/log1p differed from C's in the
    last bit (amplified by a schedule's differences of totals: 3e-11 apart).  It also matches
    Excel's cached values more often than exp(n log1p(r)) did: 1,349 against 1,288 bit-equal
    cells of the 10 real workbooks with annuities, none worse by more than 2 cells.
    Any other n: exp(n log1p(r)) by C's libm element by element (the functions numba calls),
    or the power of 1 + r where r <= -1 (NaN, 0 or inf: exact everywhere)."""
    r, n = np.broadcast_arrays(np.asarray(r, dtype=np.float64), np.asarray(n, dtype=np.float64))
    with np.errstate(all="ignore"):
        base = 1.0 + r
        whole = ((np.floor(n) == n) & (np.abs(n) < WHOLE_LIMIT) & np.isfinite(base)
                 & (base != 0.0))
        g = np.power(base, n)
        gm1 = g - 1.0
        if whole.any():
            gh, gl, ex = growth_pair(r[whole], n[whole])
            g[whole] = np.ldexp(gh + gl, ex)
            gm1[whole] = (np.ldexp(gh, ex) - 1.0) + np.ldexp(gl, ex)
        other = ~whole & (r > -1) & np.isfinite(n)
        if other.any():
            g[other] = _LIBM_GROWTH(r[other], n[other]).astype(np.float64)
            gm1[other] = g[other] - 1.0
        zero = r == 0
        ann = np.where(zero, n, gm1 / np.where(zero, 1.0, r))
    return g, ann


def _libm_growth(r: float, n: float) -> float:
    try:
        return math.exp(n * math.log1p(r))
    except OverflowError:
        return math.inf


_LIBM_GROWTH = np.frompyfunc(_libm_growth, 2, 1)


def _libm_one(fn: Callable[[float], float], lowest: float) -> Callable[[np.ndarray], np.ndarray]:
    """``fn`` (C's, through :mod:`math`) element by element: -inf at ``lowest``, NaN below it
    or at NaN (numpy's answers there).  numpy's own SIMD log1p/exp (AVX-512) are a unit in the
    last place away from C's in a quarter of the cases; numba calls C's."""
    def one(x: float) -> float:
        if x > lowest:
            return fn(x)
        return -math.inf if x == lowest else math.nan

    ufunc = np.frompyfunc(one, 1, 1)
    return lambda x: np.asarray(ufunc(np.asarray(x, dtype=np.float64)), dtype=np.float64)


_libm_log = _libm_one(math.log, 0.0)
_libm_log1p = _libm_one(math.log1p, -1.0)


def growth_pair(r: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(1 + r) ** n for whole n as ``(hi + lo) * 2**ex`` (``0.5 <= |hi| <= 1``): 1 + r split
    exactly into hi + lo (Knuth's two-sum), then :func:`engine.powers.whole_power`'s binary
    powering with that low part (engine.powers' dd_mul, dd_renorm, dd_recip, the same order)."""
    with np.errstate(all="ignore"):
        s = 1.0 + r
        t = s - 1.0
        lo = (1.0 - (s - t)) + (r - t)
        bh, bex = np.frexp(s)
        bex = bex.astype(np.int64)
        bl = np.ldexp(lo, -bex)
        return dd_powering(bh, bl, bex, n)


def _fv(r: np.ndarray, n: np.ndarray, pmt: np.ndarray, pv: np.ndarray, typ: np.ndarray) -> np.ndarray:
    g, ann = _growth(r, n)
    return -(pv * g + pmt * (1.0 + r * (typ != 0)) * ann)


def _pmt(r: np.ndarray, n: np.ndarray, pv: np.ndarray, fv: np.ndarray, typ: np.ndarray) -> np.ndarray:
    g, ann = _growth(r, n)
    return -(fv + pv * g) / ((1.0 + r * (typ != 0)) * ann)


def _ipmt(r: np.ndarray, per: np.ndarray, n: np.ndarray, pv: np.ndarray, fv: np.ndarray,
          typ: np.ndarray) -> np.ndarray:
    pmt = _pmt(r, n, pv, fv, typ)
    begin = typ != 0
    before = np.where(begin, _fv(r, per - 2, pmt, pv, typ) - pmt, _fv(r, per - 1, pmt, pv, typ))
    first = np.where(begin, 0.0, -pv)
    return np.where(per == 1, first, before) * r


@register("FV")
@takes(3, 5)
def fv(*args: Arg) -> Vec | Grid:
    # a rate of -1 (a 100% loss each period) is #NUM! in Excel's annuity functions
    return numbers(lambda r, n, p, v, t: (_fv(r, n, p, v, t), [(r == -1, NUM)]), args,
                   (None, None, 0, 0, 0))


@register("PV")
@takes(3, 5)
def pv(*args: Arg) -> Vec | Grid:
    def compute(r: np.ndarray, n: np.ndarray, p: np.ndarray, f: np.ndarray, t: np.ndarray):
        g, ann = _growth(r, n)
        return -(f + p * (1.0 + r * (t != 0)) * ann) / g, [(r == -1, NUM)]

    return numbers(compute, args, (None, None, None, 0, 0))


@register("PMT")
@takes(3, 5)
def pmt(*args: Arg) -> Vec | Grid:
    return numbers(lambda r, n, v, f, t: (_pmt(r, n, v, f, t), [(n == 0, NUM), (r == -1, NUM)]), args,
                   (None, None, None, 0, 0))


def _per_checks(per: np.ndarray, n: np.ndarray) -> list[tuple[np.ndarray, int]]:
    return [(n == 0, NUM), ((per < 1) | (per >= n + 1), NUM)]


@register("IPMT")
@takes(4, 6)
def ipmt(*args: Arg) -> Vec | Grid:
    return numbers(lambda r, per, n, v, f, t: (_ipmt(r, per, n, v, f, t), _per_checks(per, n)),
                   args, (None, None, None, None, 0, 0))


@register("PPMT")
@takes(4, 6)
def ppmt(*args: Arg) -> Vec | Grid:
    def compute(r, per, n, v, f, t):
        return _pmt(r, n, v, f, t) - _ipmt(r, per, n, v, f, t), _per_checks(per, n)

    return numbers(compute, args, (None, None, None, None, 0, 0))


@register("NPER")
@takes(3, 5)
def nper(*args: Arg) -> Vec | Grid:
    def compute(r: np.ndarray, p: np.ndarray, v: np.ndarray, f: np.ndarray, t: np.ndarray):
        pb = p * (1.0 + r * (t != 0))
        zero = r == 0
        rr = np.where(zero, 1.0, r)
        with np.errstate(all="ignore"):   # C's log and log1p, the ones numba calls
            logs = _libm_log((pb - f * rr) / (pb + v * rr)) / _libm_log1p(rr)
        out = np.where(zero, -(v + f) / np.where(p == 0, 1.0, p), logs)
        return out, [(zero & (p == 0), DIV0)]

    return numbers(compute, args, (None, None, None, 0, 0))


def _cumulative(principal: bool) -> Callable[..., Vec | Grid]:
    def fn(*args: Arg) -> Vec | Grid:
        def compute(r, n, v, start, end, t):
            start, end = np.ceil(start), np.floor(end)
            bad = (r <= 0) | (n <= 0) | (v <= 0) | (start < 1) | (end < start) | (end > n) \
                | ((t != 0) & (t != 1))
            total = np.zeros(np.broadcast(r, n, v, start, end, t).shape)
            last = int(np.nanmax(np.where(bad, 0, end))) if np.size(end) else 0
            for k in range(1, last + 1):
                on = (k >= start) & (k <= end)
                if principal:
                    term = _pmt(r, n, v, 0.0, t) - _ipmt(r, k, n, v, 0.0, t)
                else:
                    term = _ipmt(r, k, n, v, 0.0, t)
                total = total + np.where(on & ~bad, term, 0.0)
            return total, [(bad, NUM)]

        return numbers(compute, args, (None,) * 6, atp=True)

    return fn


register("CUMIPMT")(_cumulative(False))
register("CUMPRINC")(_cumulative(True))


# ------------------------------------------------------------------ RATE and Newton's method
def newton(f: Callable[[np.ndarray, Any], Pair], x0: np.ndarray, active: np.ndarray,
           max_iter: int = 100, tol: float = 1e-7) -> tuple[np.ndarray, np.ndarray]:
    """Newton iterations for all trials at once; ``f(x, idx)`` returns (value, derivative) for
    the trials ``idx``.  Returns the roots and which trials converged."""
    x = np.array(x0, dtype=np.float64)
    done = ~active
    ok = np.zeros(len(x), dtype=bool)
    for _ in range(max_iter):
        idx = np.nonzero(~done)[0]
        if not len(idx):
            break
        sel: Any = slice(None) if len(idx) == len(x) else idx  # a view while all are active
        with np.errstate(all="ignore"):
            fx, dfx = f(x[sel], sel)
            step = fx / dfx
            new = x[sel] - step
        bad = ~np.isfinite(new) | (new <= -1.0)
        small = np.abs(step) <= tol * np.maximum(1.0, np.abs(new))
        fin = small & ~bad
        if fin.any():
            sel = idx[fin]
            x[sel] = polish(f, new[fin], sel)
            ok[sel] = True
        x[idx[~fin]] = np.where(bad[~fin], x[idx[~fin]], new[~fin])
        done[idx[fin | bad]] = True
    return x, ok


POLISH_STEPS = 3      # at most, after the tolerance is met
POLISH_DONE = 1e-10   # a polishing step this small (relative) leaves the root exact


def polish(f: Callable[[np.ndarray, Any], Pair], y: np.ndarray, idx: Any) -> np.ndarray:
    """Newton steps from converged values to full precision: each trial stops after a step
    of at most :data:`POLISH_DONE` of its root (the error after it is about that step
    squared), at a step leaving (-1, inf), or after :data:`POLISH_STEPS` steps.  The fused
    backends (``_numba_rt.irr``, ``_cuda_rt``) take the same steps one trial at a time."""
    live = np.ones(len(y), dtype=bool)
    for _ in range(POLISH_STEPS):
        with np.errstate(all="ignore"):
            fy, dfy = f(y, idx)
            step = np.where(dfy != 0, fy / dfy, 0.0)
            y2 = y - step
        take = live & np.isfinite(y2) & (y2 > -1.0)
        y = np.where(take, y2, y)
        live = take & ~(np.abs(step) <= POLISH_DONE * np.maximum(1.0, np.abs(y2)))
        if not live.any():
            break
    return y


@register("RATE")
@takes(3, 6)
def rate(*args: Arg) -> Vec | Grid:
    def compute(n, p, v, f, t, guess):
        n, p, v, f, t, guess = np.broadcast_arrays(n, p, v, f, t, guess)
        begin = t != 0

        def fun(r: np.ndarray, i: np.ndarray) -> Pair:
            # Excel's form: pv (1+r)^n + pmt (1+r t) ((1+r)^n - 1)/r + fv = 0
            nn, pp, vv, ff, bb = n[i], p[i], v[i], f[i], begin[i]
            g, ann = _growth(r, nn)
            small = np.abs(r) < 1e-10
            rr = np.where(small, 1.0, r)
            dann = np.where(small, nn * (nn - 1) / 2, (nn * g / (1 + r) - ann) / rr)
            k = 1.0 + r * bb
            val = vv * g + pp * k * ann + ff
            der = vv * nn * g / (1 + r) + pp * (bb * ann + k * dann)
            return val, der

        bad = n <= 0
        x, ok = newton(fun, guess.astype(np.float64), ~bad, max_iter=50)
        return x, [(bad | ~ok, NUM)]

    return numbers(compute, args, (None, None, None, 0, 0, 0.1))


# ------------------------------------------------------------------ cash flows
def _flows(values: Arg) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, int]:
    """The numbers of a range or array, per trial: matrix (t, k), presence mask, errors."""
    arg = values if isinstance(values, Grid) else Grid([[values]]) if values is not None else None
    cols, masks, err = numeric_columns([arg])
    n = trials(arg) if arg is not None else 1
    if not cols:
        return np.zeros((1, 0)), None, err, n
    t = max(len(c) for c in cols)
    mat, pres = stack(cols, masks, t)
    return mat, pres, err, n


def _npv_terms(c: np.ndarray, pres: np.ndarray | None, expo: np.ndarray, r: np.ndarray
               ) -> Pair:
    """sum c/(1+r)^e and its derivative in r, row by row."""
    d = (1.0 + r)[:, None]
    with np.errstate(all="ignore"):
        disc = np.power(d, -expo)
        terms = c * disc
        dterms = -expo * terms / d
        if pres is not None:
            terms = np.where(pres, terms, 0.0)
            dterms = np.where(pres, dterms, 0.0)
        return terms.sum(axis=1), dterms.sum(axis=1)


def _positions(pres: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray:
    if pres is None:
        return np.broadcast_to(np.arange(shape[1], dtype=np.float64), shape)
    return np.cumsum(pres, axis=1) - 1.0


@register("NPV")
def npv(rate_: Arg, *values: Arg) -> Vec | Grid:
    return lift(lambda r: _npv(r, values), [rate_])


def _npv(rate_: Arg, values: tuple[Arg, ...]) -> Vec:
    r, e1 = coerce(rate_)
    cols, masks, e2 = numeric_columns(values)
    n = trials(*[a for a in (rate_, *values) if a is not None])
    err = first_error(e1, e2)
    if not cols:
        return result(np.zeros(1), first_error(err, np.full(1, VALUE, np.uint8)))
    mat, pres = stack(cols, masks, max(len(c) for c in cols))
    mat = np.broadcast_to(mat, (max(n, mat.shape[0]), mat.shape[1]))
    pres = None if pres is None else np.broadcast_to(pres, mat.shape)
    expo = _positions(pres, mat.shape) + 1.0
    rr = np.broadcast_to(r, (mat.shape[0],))
    total, _ = _npv_terms(mat, pres, expo, rr)
    return result(total, first_error(err, np.where(rr == -1, DIV0, 0).astype(np.uint8)))


def _solve(c: np.ndarray, pres: np.ndarray | None, expo: np.ndarray | None, guess: np.ndarray,
           active: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Roots of the net present value, per trial: Newton from the guess, then bracketing.
    ``expo`` None: the flows are one period apart (IRR), evaluated by Horner's scheme."""
    def fun(r: np.ndarray, i: np.ndarray) -> Pair:
        if expo is None:
            return _horner(c[i] if c.shape[0] > 1 and c.strides[0] else c[0], r)
        return _npv_terms(c[i], None if pres is None else pres[i], expo[i], r)

    x, ok = newton(fun, guess, active)
    retry = active & ~ok
    if retry.any():
        i = np.nonzero(retry)[0]
        x[i], ok[i] = _bracket(fun, i, guess[i])
    return x, ok


def _horner(c: np.ndarray, r: np.ndarray) -> Pair:
    """sum_j c_j v^j with v = 1/(1+r), and its derivative in r, for flows one period apart."""
    with np.errstate(all="ignore"):
        v = 1.0 / (1.0 + r)
        f = np.zeros(len(r))
        df = np.zeros(len(r))
        k = c.shape[-1]
        for j in range(k - 1, -1, -1):
            col = c[..., j]
            df = df * v + f  # d/dv of the polynomial, by Horner as well
            f = f * v + col
        return f, -df * v * v


def _bracket(fun: Callable[[np.ndarray, np.ndarray], Pair], idx: np.ndarray, guess: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """Bisection on the sign change of f nearest the guess, on a grid of rates in (-1, 1e4)."""
    grid = np.unique(np.concatenate([-1 + np.geomspace(1e-6, 1, 60), np.geomspace(1e-6, 1e4, 90),
                                     -np.geomspace(1e-6, 1, 30), [0.0]]))
    vals = np.stack([fun(np.full(len(idx), g), idx)[0] for g in grid], axis=1)
    change = np.sign(vals[:, :-1]) * np.sign(vals[:, 1:]) < 0
    mids = (grid[:-1] + grid[1:]) / 2
    dist = np.where(change, np.abs(mids[None, :] - guess[:, None]), np.inf)
    j = dist.argmin(axis=1)
    ok = np.isfinite(dist[np.arange(len(idx)), j])
    lo, hi = grid[j], grid[j + 1]
    flo = vals[np.arange(len(idx)), j]
    for _ in range(200):
        mid = (lo + hi) / 2
        fm = fun(mid, idx)[0]
        same = np.sign(fm) == np.sign(flo)
        lo, flo = np.where(same, mid, lo), np.where(same, fm, flo)
        hi = np.where(same, hi, mid)
    return (lo + hi) / 2, ok


@register("IRR")
def irr(values: Arg, guess: Any = ABSENT) -> Vec | Grid:
    return lift(lambda g: _irr(values, g), [guess])


def _irr(values: Arg, guess: Any) -> Vec:
    c, pres, err, n = _flows(values)
    g, eg = coerce(guess, 0.1)
    n = max(n, len(g))
    bad_values = None if err is None else np.where(err != 0, VALUE, 0).astype(np.uint8)
    err = first_error(bad_values, eg)
    c = np.broadcast_to(c, (n, c.shape[1]))
    pres = None if pres is None else np.broadcast_to(pres, c.shape)
    cp = c if pres is None else np.where(pres, c, 0.0)
    signs = ((cp > 0).any(axis=1)) & ((cp < 0).any(axis=1))
    expo = None if pres is None else _positions(pres, c.shape)
    x, ok = _solve(c, pres, expo, np.broadcast_to(g, (n,)).astype(np.float64), signs)
    return result(x, first_error(err, np.where(ok, 0, NUM).astype(np.uint8)))


def _dated(values: Arg, dates: Arg) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, int]:
    """Cash flows and their dates (whole days) for XNPV/XIRR, per trial: a pair whose value is
    text or empty is left out; a logical is #VALUE!; errors in dates come before those in
    values; a date before the first one (or values and dates of different sizes) is #NUM!."""
    vg = values if isinstance(values, Grid) else Grid([[values]])
    dg = dates if isinstance(dates, Grid) else Grid([[dates]])
    vcells, dcells = list(vg.flat()), list(dg.flat())
    n = trials(vg, dg)
    if len(vcells) != len(dcells):
        return np.zeros((1, 1)), np.zeros((1, 1)), np.full(n, NUM, np.uint8), n
    ev = ed = None
    vs, ds = [], []
    for vc, dc in zip(vcells, dcells, strict=True):
        if vc.kind in (Kind.STR, Kind.BLANK) and vc.err is None:
            continue
        x, e = coerce(vc, atp=True)
        d, f = coerce(dc, atp=True, dates=True)
        ev, ed = first_error(ev, e), first_error(ed, f)
        vs.append(np.broadcast_to(x, (n,)))
        ds.append(np.broadcast_to(np.trunc(d), (n,)))
    if not vs:
        return np.zeros((1, 1)), np.zeros((1, 1)), np.full(n, NUM, np.uint8), n
    v, d = np.stack(vs, axis=1), np.stack(ds, axis=1)
    err = first_error(ed, ev)
    bad = (d < d[:, :1]).any(axis=1) | (d < 0).any(axis=1) | (d > 2958465).any(axis=1)
    return v, d, first_error(err, np.where(bad, NUM, 0).astype(np.uint8)), n


@register("XNPV")
def xnpv(rate_: Arg, values: Arg, dates: Arg) -> Vec:
    r, e1 = coerce(rate_, atp=True)
    v, d, e2, n = _dated(values, dates)
    r = np.broadcast_to(r, (max(n, len(r)),))
    total, _ = _npv_terms(v, None, (d - d[:, :1]) / 365.0, r)
    return result(total, first_error(e1, e2, np.where(r <= 0, NUM, 0).astype(np.uint8)))


@register("XIRR")
def xirr(values: Arg, dates: Arg, guess: Any = ABSENT) -> Vec:
    g, eg = coerce(guess, 0.1, atp=True, dates=True)
    v, d, err, n = _dated(values, dates)
    n = max(n, len(g))
    v = np.broadcast_to(v, (n, v.shape[1]))
    d = np.broadcast_to(d, v.shape)
    err = first_error(eg, err)
    signs = (v > 0).any(axis=1) & (v < 0).any(axis=1)
    g = np.broadcast_to(g, (n,)).astype(np.float64)
    expo = (d - d[:, :1]) / 365.0
    active = signs & (g > -1)
    x, ok = _solve(v, None, expo, g, active)
    excel = active & (g >= 0)
    if excel.any():  # Excel's own search where it is known: its value, not the exact root
        i = np.nonzero(excel)[0]
        y, found = excel_xirr_search(lambda r, j: _npv_terms(v[j], None, expo[j], r), i, g[i])
        x[i[found]], ok[i[found]] = y[found], True
    return result(x, first_error(err, np.where(ok, 0, NUM).astype(np.uint8)))


XIRR_SEED = 1e-5     # where Excel's search starts for a guess of 0
XIRR_TRIES = 100     # doublings or halvings of the search at most
XIRR_WIDTH = 1e-8    # Excel's XIRR: "accurate within 0.000001 percent"


def excel_xirr_search(fun: Callable[[np.ndarray, np.ndarray], Pair], idx: np.ndarray,
                      guess: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Excel's XIRR for a guess >= 0, as its cached values show (bit for bit on 9 of them,
    guesses 0, 0.1, 1, 4 and 32015): from s = the guess (:data:`XIRR_SEED` for 0), the rate
    is doubled while the XNPV keeps its sign at s, where the XNPV at s has not the sign of
    the first flows (the value at an infinite rate), else halved; the last step brackets a
    sign change [lo, hi], bisected at (lo + hi) / 2 until hi - lo < :data:`XIRR_WIDTH`,
    the last midpoint the result (within 1e-8 of the exact root, not on it; for a root so large
    that no double lies between lo and hi before that width, the last midpoint).  Trials whose
    search meets no sign change (a negative root: Excel's search there is not known) are
    not found.  The fused backends (``_rt_math.mt_xirr``) take the same steps."""
    m = len(idx)
    s = np.where(guess > 0, guess, XIRR_SEED)
    fs = fun(s, idx)[0]
    up = np.sign(fs) != np.sign(fun(np.full(m, np.inf), idx)[0])
    lo, hi = s.copy(), s.copy()
    flo = fs.copy()
    found = fs == 0
    live = ~found & np.isfinite(fs)
    for _ in range(XIRR_TRIES):
        if not live.any():
            break
        j = np.nonzero(live)[0]
        nxt = np.where(up[j], hi[j] * 2.0, lo[j] / 2.0)
        fn = fun(nxt, idx[j])[0]
        change = (np.sign(fn) != np.sign(fs[j])) & np.isfinite(fn)
        lo[j] = np.where(up[j], hi[j], nxt)
        hi[j] = np.where(up[j], nxt, lo[j] * 2.0)
        flo[j] = np.where(up[j], flo[j], fn)
        found[j] |= change
        live[j] = ~change & np.isfinite(fn)
    x = np.where(fs == 0, s, np.nan)
    j = np.nonzero(found & (fs != 0))[0]
    mid = np.full(len(j), np.nan)
    a, b, fa = lo[j], hi[j], flo[j]
    live = np.ones(len(j), dtype=bool)
    while live.any():
        k = np.nonzero(live)[0]
        mid[k] = (a[k] + b[k]) / 2.0
        inside = (a[k] < mid[k]) & (mid[k] < b[k])  # a huge root: no double left between
        fm = fun(mid[k], idx[j[k]])[0]
        same = np.sign(fm) == np.sign(fa[k])
        a[k], fa[k] = np.where(same, mid[k], a[k]), np.where(same, fm, fa[k])
        b[k] = np.where(same, b[k], mid[k])
        live[k] = (fm != 0) & ~(b[k] - a[k] < XIRR_WIDTH) & inside
    x[j] = mid
    return x, found


# ------------------------------------------------------------------ depreciation
@register("SLN")
@takes(3, 3)
def sln(*args: Arg) -> Vec | Grid:
    return numbers(lambda c, s, life: ((c - s) / life, [(life == 0, DIV0)]), args, (None,) * 3)


def _ddb(cost: np.ndarray, salvage: np.ndarray, life: np.ndarray, period: Any, factor: np.ndarray
         ) -> np.ndarray:
    """Double-declining balance depreciation of one period (Excel's DDB)."""
    rate_ = factor / life
    full = rate_ >= 1
    old = np.where(full, np.where(period == 1, cost, 0.0), cost * np.power(1 - np.minimum(rate_, 1), period - 1))
    new = cost * np.power(1 - np.minimum(rate_, 1), period)
    return np.maximum(np.where(new < salvage, old - salvage, old - new), 0.0)


@register("DDB")
@takes(4, 5)
def ddb(*args: Arg) -> Vec | Grid:
    def compute(c, s, life, per, f):
        bad = (c < 0) | (s < 0) | (life <= 0) | (per <= 0) | (per > life) | (f <= 0)
        return _ddb(c, s, life, per, f), [(bad, NUM)]

    return numbers(compute, args, (None, None, None, None, 2))


@register("DB")
@takes(4, 5)
def db(*args: Arg) -> Vec | Grid:
    def compute(c, s, life, per, month):
        per = np.trunc(per)
        month = np.trunc(month)
        bad = (c < 0) | (s < 0) | (life <= 0) | (per <= 0) | (month < 1) | (month > 12) \
            | (per > life + (month < 12))
        with np.errstate(all="ignore"):
            rt = np.round(1 - np.power(s / c, 1 / life), 3)
        rt = np.where(c == 0, 0.0, rt)
        first = c * rt * month / 12
        total, dep = first, first
        last = int(np.max(np.where(bad, 1, per)))
        out = np.where(per == 1, first, 0.0)
        for k in range(2, last + 1):
            dep = np.where(k > life, (c - total) * rt * (12 - month) / 12, (c - total) * rt)
            out = np.where(per == k, dep, out)
            total = total + dep
        return out, [(bad, NUM)]

    return numbers(compute, args, (None, None, None, None, 12))


@register("VDB")
@takes(5, 7)
def vdb(*args: Arg) -> Vec | Grid:
    """Declining balance switching to straight line (unless no_switch) when that gives more,
    between two times that may be fractional.  As Excel does, the periods are laid out from
    time 0 with the fractional part of ``start`` first, and the switch is decided per period
    on the value left: (value - salvage) / (life - time) against the declining balance."""

    def compute(c, s, life, start, end, factor, no_switch):
        c, s, life, start, end, factor, no_switch = np.broadcast_arrays(
            c, s, life, start, end, factor, no_switch)
        bad = (c < 0) | (s < 0) | (life <= 0) | (start < 0) | (end < start) | (end > life) \
            | (factor <= 0)
        life = np.where(bad, 1.0, life)
        end = np.where(bad, 0.0, end)
        rate_ = np.minimum(factor / life, 1.0)
        frac = start - np.floor(start)
        value = c.astype(np.float64)
        switched = np.zeros(c.shape, dtype=bool)
        sl = np.zeros(c.shape)
        total = np.zeros(c.shape)
        a = np.zeros(c.shape)
        for k in range(int(np.ceil(np.max(end, initial=0))) + 2):
            step = np.where((k == 0) & (frac > 0), frac, 1.0)
            b = a + step
            on = a < end
            left = np.maximum(value - s, 0.0)
            dec = np.minimum(value * rate_, left)
            with np.errstate(all="ignore"):
                straight = left / (life - a)
            sw = on & ~switched & (no_switch == 0) & (straight > dec)
            sl = np.where(sw, straight, sl)
            switched |= sw
            dep = np.where(switched, sl, dec) * step
            part = np.clip(np.minimum(b, end) - np.maximum(a, start), 0.0, None) / step
            total = total + np.where(on, np.minimum(dep * part, left), 0.0)
            value = value - np.where(on, np.minimum(dep, left), 0.0)
            a = b
        return total, [(bad, NUM)]

    return numbers(compute, args, (None, None, None, None, None, 2, 0))


__all__ = ["fv", "irr", "newton", "npv", "pmt", "pv", "rate", "xirr", "xnpv"]
