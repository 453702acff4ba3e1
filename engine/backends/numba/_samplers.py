"""How the numba kernel draws each input: the runtime inverse CDF and its parameters.

The kernel reproduces :mod:`engine.sampling`'s uniforms bit for bit and maps them through an
inverse CDF of :mod:`._rt` (scipy's own special functions for the normal and beta
ones).  Which runtime function and which parameters reproduce a distribution is read from the
distribution object, then **verified**: the candidate must give exactly ``dist.ppf(u)``, bit
for bit, on a set of test uniforms (the ends of (0, 1], the mode, many in between).  A
distribution with no verified candidate, or a sampling method the kernel does not draw, is
drawn outside the kernel by the numpy code and passed in: the numbers are the same either
way, only slower.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import math
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _intervals as iv
from ._codegen import InputSampler

if TYPE_CHECKING:
    from ...workbook import CellRef
    from ..base import Job

log = logging.getLogger(__name__)

OUTSIDE = InputSampler(None)
APPROX_RTOL = 1e-14   # how far an approximate sampler may be from the distribution's ppf
_U_MIN, _U_MAX = 2.0 ** -54, 1.0 - 2.0 ** -53   # every uniform of engine.sampling
_LHS_MAX_TOTAL = 2 ** 53


def test_uniforms() -> np.ndarray:
    """Uniforms a candidate must map exactly as the distribution does."""
    return _test_uniforms().copy()


@functools.lru_cache(maxsize=1)
def _test_uniforms() -> np.ndarray:
    """:func:`test_uniforms` made once (~0.2 ms a call: a verification of each input),
    read-only."""
    rng = np.random.default_rng(20240607)
    ends = [_U_MIN, 2.0 ** -53 * 1.5, 1e-12, 1e-6, 0.001, 0.25, 0.5, 0.75, 0.999,
            1 - 1e-9, _U_MAX]
    u = np.concatenate([ends, rng.random(500), np.linspace(0.0, 1.0, 201)[1:-1]])
    u = np.clip(u, _U_MIN, _U_MAX)
    u.flags.writeable = False
    return u


# ----------------------------------------------------------------- reading the distribution
def _float(dist: Any, name: str, params: dict[str, Any]) -> float | None:
    """A finite number: the distribution's attribute ``name``, else its spec parameter."""
    v = getattr(dist, name, params.get(name))
    if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
        return None
    x = float(v)
    return x if math.isfinite(x) else None


def candidates(dist: Any) -> Iterator[InputSampler]:
    """Runtime samplers that may reproduce ``dist`` (verified by the caller), read from the
    documented API of engine.distributions: ``name``, ``params()`` and the derived numbers
    (Pert's and BetaGeneral's alpha and beta, Lognormal's mu and sigma, Discrete's cumulative;
    Trigen is the triangle it solved for; the closed forms and the gamma family).  A truncated
    or shifted one (engine.distributions.Adjusted) through ``ppf_closed``/``ppf_special``
    where its kind has one; other kinds are drawn outside the kernel by their numpy ppf."""
    if getattr(dist, "keyed", False):
        return  # own stream or correlated: drawn by numpy (same numbers)
    kind = str(getattr(dist, "name", type(dist).__name__)).lower()
    if kind in _CLOSED_PARAMS or kind in _SPECIAL_PARAMS or getattr(dist, "adjusted", False):
        yield from _closed_candidates(dist, kind)  # truncated or shifted: these only
        return
    get_params = getattr(dist, "params", None)
    params: dict[str, Any] = get_params() if callable(get_params) else {}
    lo, mode, hi = (_float(dist, k, params) for k in ("min", "mode", "max"))
    if kind in ("triangular", "trigen") and lo is not None and mode is not None and hi is not None:
        yield InputSampler("ppf_triangular", (lo, mode, hi), (lo, hi))
    elif kind == "uniform" and lo is not None and hi is not None:
        yield InputSampler("ppf_uniform", (lo, hi), (lo, hi))
    elif kind in ("pert", "beta", "betageneral") and lo is not None and hi is not None and hi > lo:
        alpha, beta = _float(dist, "alpha", params), _float(dist, "beta", params)
        if alpha is not None and beta is not None and alpha > 0 and beta > 0:
            r = hi - lo
            # the fast inverse first (about 0.2 µs a sample instead of 1.5)
            yield InputSampler("ppf_pertfast", (lo, r, *_beta_table(alpha, beta)),
                               (lo, hi), exact=False)
            yield InputSampler("ppf_pert", (lo, alpha, beta, r), (lo, hi))
    elif kind == "normal":
        mean, sd = _float(dist, "mean", params), _float(dist, "sd", params)
        if mean is not None and sd is not None:
            yield _normal_like("ppf_normal", mean, sd, log=False)
    elif kind in ("lognormal", "lognormal2"):
        mu, sigma = _float(dist, "mu", params), _float(dist, "sigma", params)
        if mu is not None and sigma is not None:
            s = _normal_like("ppf_lognormal", mu, sigma, log=True)
            yield s
            yield replace(s, exact=False)  # numpy's exp (SIMD) and libm's: last bit apart
    elif kind == "discrete":
        values = getattr(dist, "values", None)
        cum = getattr(dist, "cumulative", None)
        if values is not None and cum is not None:
            v = np.asarray(values, dtype=np.float64).ravel()
            c = np.asarray(cum, dtype=np.float64).ravel()
            if len(v) == len(c) > 0 and np.all(np.isfinite(v)) and np.all(np.isfinite(c)):
                yield InputSampler("ppf_discrete", (float(len(v)), *v.tolist(), *c.tolist()),
                                   (float(v.min()), float(v.max())))


# ppf_closed's runtime kind and parameters (a, b, c), from the distribution's fields
_CLOSED_PARAMS: dict[str, tuple[str, tuple[str, ...], Any]] = {
    "exponential": ("exponential", ("beta",), lambda beta: (beta, 0.0, 0.0)),
    "weibull": ("weibull", ("alpha", "beta"), lambda alpha, beta: (beta, 1.0 / alpha, 0.0)),
    "rayleigh": ("rayleigh", ("beta",), lambda beta: (beta, 0.0, 0.0)),
    "pareto": ("pareto", ("theta", "a"), lambda theta, a: (a, theta, 0.0)),
    "logistic": ("logistic", ("alpha", "beta"), lambda alpha, beta: (alpha, beta, 0.0)),
    "extvalue": ("extvalue", ("alpha", "beta"), lambda alpha, beta: (alpha, beta, 0.0)),
    "loglogistic": ("loglogistic", ("gamma", "beta", "alpha"),
                    lambda g, beta, alpha: (g, beta, alpha)),
    "intuniform": ("intuniform", ("min", "max"), lambda lo, hi: (lo, hi - lo + 1.0, 0.0)),
    "bernoulli": ("bernoulli", ("p",), lambda p: (1.0 - p, 0.0, 0.0)),
    "geometric": ("geometric", ("p",),
                  lambda p: (math.log1p(-p) if p < 1 else -math.inf, 0.0, 0.0)),  # p = 1 below
}
# kinds with their own in-kernel sampler, drawn by ppf_closed when truncated or shifted
_ADJUSTED_CLOSED: dict[str, tuple[str, tuple[str, ...], Any]] = {
    "normal": ("normal", ("mean", "sd"), lambda m, sd: (m, sd, 0.0)),
    "lognormal": ("lognormal", ("mu", "sigma"), lambda mu, sigma: (mu, sigma, 0.0)),
    "lognormal2": ("lognormal", ("mu", "sigma"), lambda mu, sigma: (mu, sigma, 0.0)),
    "uniform": ("uniform", ("min", "max"), lambda lo, hi: (lo, hi, 0.0)),
    "triangular": ("triangular", ("min", "max", "mode"), lambda lo, hi, m: (lo, hi, m)),
    "trigen": ("triangular", ("min", "max", "mode"), lambda lo, hi, m: (lo, hi, m)),
}
# ppf_special's (code, a, b, c, d): b * gammaincinv(a, v), stdtrit(a, v) or
# c + d * betaincinv(a, b, v)
_SPECIAL_PARAMS: dict[str, tuple[str, tuple[str, ...], Any]] = {
    "gamma": ("", ("alpha", "beta"), lambda alpha, beta: (0.0, alpha, beta, 0.0, 0.0)),
    "erlang": ("", ("alpha", "beta"), lambda alpha, beta: (0.0, alpha, beta, 0.0, 0.0)),
    "chisq": ("", ("nu",), lambda nu: (0.0, nu / 2.0, 2.0, 0.0, 0.0)),
    "student": ("", ("nu",), lambda nu: (1.0, nu, 0.0, 0.0, 0.0)),
}
_ADJUSTED_SPECIAL: dict[str, tuple[str, tuple[str, ...], Any]] = {
    k: ("", ("alpha", "beta", "min", "max"), lambda a, b, lo, hi: (2.0, a, b, lo, hi - lo))
    for k in ("pert", "beta", "betageneral")
}


def _closed_candidates(dist: Any, kind: str) -> Iterator[InputSampler]:
    """``ppf_closed`` (or ``ppf_special``) of the kind, with the truncation (as percentiles)
    and the shift of an engine.distributions.Adjusted; its bounds are its own values at the
    ends of the uniforms (every one of these inverse CDFs is nondecreasing), widened by a few
    units in the last place for the approximate candidate."""
    adjusted = bool(getattr(dist, "adjusted", False))
    base = getattr(dist, "base", dist) if adjusted else dist
    plo, phi = float(getattr(dist, "plo", 0.0)), float(getattr(dist, "phi", 1.0))
    shift = float(getattr(dist, "shift", 0.0))
    get_params = getattr(base, "params", None)
    params: dict[str, Any] = get_params() if callable(get_params) else {}
    from ._rt import CLOSED_KINDS

    closed = {**_CLOSED_PARAMS, **(_ADJUSTED_CLOSED if adjusted else {})}
    special = {**_SPECIAL_PARAMS, **(_ADJUSTED_SPECIAL if adjusted else {})}
    if kind not in closed and kind not in special:
        return
    rt_kind, names, to_runtime = closed.get(kind) or special[kind]
    values = [_float(base, n, params) for n in names]
    if any(v is None for v in values):
        return
    with np.errstate(all="ignore"):
        p = tuple(map(float, to_runtime(*values)))
    if kind == "geometric" and values[0] == 1.0:
        # p = 1: a success at once, never a failure (the point mass at 0): Bernoulli's
        # sampler with P(1) = 0 draws it (log1p(-1) is -inf in the geometric formula)
        rt_kind, p = "bernoulli", (1.0, 0.0, 0.0)
    if kind in closed:
        s = InputSampler("ppf_closed", (float(CLOSED_KINDS.index(rt_kind)), *p, plo, phi,
                                        shift))
    else:
        s = InputSampler("ppf_special", (*p, plo, phi, shift))
    ends = _runtime_ppf(s, np.array([_U_MIN, _U_MAX]))
    lo, hi = float(ends[0]), float(ends[1])
    if math.isnan(lo) or math.isnan(hi):
        return
    yield replace(s, bounds=(lo, hi))
    wide = (lo - abs(lo) * 1e-13, hi + abs(hi) * 1e-13)
    yield replace(s, bounds=wide, exact=False)  # numpy's SIMD log/exp and libm's: last bit


def _normal_like(ppf: str, mean: float, sd: float, log: bool) -> InputSampler:
    """Uniforms lie in [2**-54, 1 - 2**-53], so normal samples are bounded too (±8.3 sd)."""
    from scipy.special import ndtri

    ends = sorted((mean + sd * float(ndtri(_U_MIN)), mean + sd * float(ndtri(_U_MAX))))
    if log:
        ends = [math.exp(e) if e < 700 else math.inf for e in ends]
    return InputSampler(ppf, (mean, sd), (ends[0], ends[1]))


# ----------------------------------------------------------------- verification
@functools.lru_cache(maxsize=256)
def _beta_table(a: float, b: float) -> tuple[float, ...]:
    """The PERT shape's inverse table (about 50 ms to build), kept for the next run."""
    from ._beta import table

    return tuple(table(a, b).tolist())


# inputs of a job from which its samplers are verified by one numba call each (a loop over
# the test uniforms, ._rt_batched), not one call a uniform (AMD's 20,581 triangular inputs:
# 14.6 million calls, 82 s of the slice's kernel generation); fewer: one call a uniform (no
# loop to load for a small workbook)
BATCH_INPUTS = 64
_batching: contextvars.ContextVar[bool] = contextvars.ContextVar("mcdesk_batching",
                                                                 default=False)


def _runtime_ppf(s: InputSampler, u: np.ndarray) -> np.ndarray:
    from . import _rt as rt
    from ._codegen import TABLE_PPFS

    name = str(s.ppf)
    if _batching.get():
        from ._rt_batched import BATCHED

        many, arity = BATCHED.get(name, (None, None))
        if many is not None and (arity is None or arity == len(s.params)) and \
                all(isinstance(p, float) for p in s.params):
            return many(np.ascontiguousarray(u, dtype=np.float64),
                        np.asarray(s.params, dtype=np.float64))
    fn = getattr(rt, name)
    if s.ppf in TABLE_PPFS:
        dp = np.asarray(s.params, dtype=np.float64)
        return np.array([fn(float(x), dp, 0) for x in u])
    return np.array([fn(float(x), *s.params) for x in u])


def verified(dist: Any, s: InputSampler) -> bool:
    u = _test_uniforms()
    try:
        with np.errstate(all="ignore"):
            want = np.asarray(dist.ppf(u), dtype=np.float64)
            got = _runtime_ppf(s, u)
    except Exception as exc:  # noqa: BLE001 - a candidate that does not apply
        log.debug("sampler %s does not apply: %r", s.ppf, exc)
        return False
    if want.shape != got.shape:
        return False
    if s.exact:
        if not np.array_equal(want, got, equal_nan=True):
            return False
    elif not np.allclose(got, want, rtol=APPROX_RTOL, atol=0.0):
        return False
    lo, hi = iv.make(*s.bounds)
    if not np.all((got >= lo) & (got <= hi)):
        return False  # the bounds would be wrong: the interval analysis relies on them
    return True


def sampler_for(dist: Any, exact: bool = False) -> InputSampler:
    """The verified in-kernel sampler of one distribution, or OUTSIDE; ``exact``: only
    samplers that give the distribution's own numbers bit for bit."""
    for s in candidates(dist):
        if (s.exact or not exact) and verified(dist, s):
            return s
    log.debug("numba: %r is drawn outside the kernel", dist)
    return OUTSIDE


def sampling_mode(sampling: object) -> str | None:
    """How the kernel draws uniforms under ``sampling``: "mc", "lhs", or None (outside)."""
    name = str(getattr(sampling, "value", sampling)).strip().lower()
    return name if name in ("mc", "lhs") else None


def samplers_for(job: Job, exact: bool = False
                 ) -> tuple[dict[CellRef, InputSampler], str | None]:
    """Samplers of every input of ``job`` and the sampling mode (None: not in the kernel)."""
    mode = sampling_mode(job.sampling)
    if mode == "lhs" and job.trials > _LHS_MAX_TOTAL:
        mode = None  # engine.sampling refuses it: let the numpy code raise its error
    cache: dict[int, InputSampler] = {}
    out = {}
    token = _batching.set(len(job.program.inputs) >= BATCH_INPUTS)
    try:
        for c in job.program.inputs:
            dist = job.distributions.get(c)
            if dist is None or mode is None:
                out[c] = OUTSIDE
                continue
            got = cache.get(id(dist))
            if got is None:
                got = cache[id(dist)] = sampler_for(dist, exact)
            out[c] = got
    finally:
        _batching.reset(token)
    return out, mode
