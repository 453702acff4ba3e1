"""Counter-based random streams: the same (seed, stream, trial) always gives the same number.

Every uniform is a pure function of ``(seed, stream, trial)`` (and, for Latin hypercube
sampling, of the run's total trial count), so a result never depends on the chunk size, the
backend or how many machines shared the run.  The numpy code here is the reference; the
Numba and CUDA kernels reproduce the recipes below bit for bit.

Philox4x32-10
    Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3" (SC11).
    Counter ``(c0, c1, c2, c3)`` and key ``(k0, k1)`` are uint32 words.  Ten rounds of::

        p0 = 0xD2511F53 * c0          (64-bit product: hi0 = p0 >> 32, lo0 = p0 & 0xffffffff)
        p1 = 0xCD9E8D57 * c2          (hi1, lo1 likewise)
        (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
        k0 += 0x9E3779B9; k1 += 0xBB67AE85      (mod 2**32, between rounds)

Monte Carlo uniform of trial ``t`` in stream ``s`` under seed ``S`` (``uniforms``)::

    (x0, x1, x2, x3) = philox4x32_10(counter=(t & 0xffffffff, t >> 32, s, 0),
                                     key=(S & 0xffffffff, (S >> 32) & 0xffffffff))
    u = ((x0 >> 5) * 2**26 + (x1 >> 6) + 0.5) / 2**53        # float64, left to right
    if u == 1.0: u = 1 - 2**-53                               # see below

    The integer part ``k = (x0 >> 5) * 2**26 + (x1 >> 6)`` has 53 random bits and is exact
    in float64; ``k + 0.5`` is rounded to nearest-even when ``k >= 2**52``, so the largest
    ``k`` gives exactly 1.0.  That one value (probability 2**-53) is mapped to the largest
    double below 1, so every uniform lies in the open interval (0, 1) and an inverse CDF
    never sees 0 or 1.  The smallest value is 2**-54.  (A fused multiply-add of the first
    product is harmless: the product is exact.)

Latin hypercube uniform (``lhs_uniforms``), ``total`` trials in the run, ``0 <= t < total``::

    u = (perm(t) + v) / total            # float64; if u >= 1.0: u = 1 - 2**-53
    v = the uniform above computed with counter word 3 = 1 instead of 0
    perm = a keyed bijection of [0, total), evaluated per index:
        m = bit length of (total - 1)   (0 when total == 1: perm(0) = 0)
        a = (m + 1) // 2, b = m // 2    (x = L << b | R, L has a bits, R has b bits)
        round keys K[0..7] = words x0..x3 of philox4x32_10((j, 0, s, 2), seed key), j = 0, 1
        8 Feistel rounds, i = 0..7:
            F = lowbias32(R ^ K[i]) >> (32 - width(R'))   with width(R') = width(L)
            (L, R) = (R, (L + F) mod 2**width(L))          the widths swap every round
        x = L << b | R after the 8 rounds (widths are back to a, b)
        cycle-walk: y = P(t); while y >= total: y = P(y)
    lowbias32(x) (C. Wellons), all mod 2**32:
        x ^= x >> 16; x *= 0x7FEB352D; x ^= x >> 15; x *= 0x846CA68B; x ^= x >> 16

    Each of the ``total`` strata ``[k/total, (k+1)/total)`` gets exactly one trial, and any
    range of trials can be computed on its own.

Counter word 3 is a purpose tag: 0 Monte Carlo uniforms, 1 Latin hypercube jitter,
2 Latin hypercube permutation keys.

Keyed draws (inputs with a fixed stream, correlated inputs)::

    draw() remembers, per thread, the key (seed, stream, start, count, total, sampling) of
    each array it returns; an input whose uniforms are not its own stream's (see
    engine.distributions.properties) reads the key back from the array the backend hands
    to its ppf (key_of) and draws what it needs from it (keyed_uniforms):

    fixed stream N:   u = draw(seed, N, start, count, total, sampling)
    Gaussian copula:  z_j = ndtri(draw(seed, s_j, ...)) for the group's streams s_0..s_i
                      x = sum_j L[i, j] * z_j        (j = 0..i, left to right, per trial)
                      u = ndtr(x), clipped to [2**-54, 1 - 2**-53]

    L is the Cholesky factor of the normal-scores matrix 2 sin(pi rho_s / 6) of the target
    rank correlations (engine.correlation).  Every step is elementwise, so the numbers do
    not depend on the chunk size or the backend.  With Latin hypercube sampling each z_j is
    stratified but u of a correlated input (other than a group's first) is not exactly:
    an approximation, as with Iman-Conover.
"""

from __future__ import annotations

import logging
import threading
import weakref
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .distributions import CopulaMember

log = logging.getLogger(__name__)

__all__ = ["DrawKey", "Sampling", "draw", "key_of", "keyed_uniforms", "lhs_permutation",
           "lhs_uniforms", "philox4x32_10", "uniforms"]

_MASK32 = np.uint64(0xFFFFFFFF)
_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = 0x9E3779B9
_W1 = 0xBB67AE85
_S32 = np.uint64(32)
_ROUNDS = 10

_TWO26 = float(2**26)
_TWO53 = float(2**53)
_BELOW_ONE = 1.0 - 2.0**-53  # the largest double below 1

TAG_MC = 0
TAG_LHS_JITTER = 1
TAG_LHS_KEYS = 2

_FEISTEL_ROUNDS = 8
_LHS_MAX_TOTAL = 2**53  # perm(t) + v must stay exact enough in float64


class Sampling(StrEnum):
    """How the uniforms of each input are drawn."""

    MC = "mc"
    LHS = "lhs"

    @classmethod
    def _missing_(cls, value: object) -> Sampling | None:
        if isinstance(value, str):
            key = value.strip().lower()
            for member in cls:
                if member.value == key:
                    return member
        return None


def _check_word(name: str, value: int, bits: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if not 0 <= int(value) < 2**bits:
        raise ValueError(f"{name} must be in [0, 2**{bits}), got {value}")


def philox4x32_10(counter: np.ndarray, key: tuple[int, int]) -> np.ndarray:
    """The Philox4x32-10 bijection of ``counter`` (shape (4, n), uint32) under ``key``.

    Returns a (4, n) uint32 array.  uint64 arithmetic gives the 32x32 -> 64 bit products.
    """
    ctr = np.asarray(counter)
    if ctr.ndim != 2 or ctr.shape[0] != 4:
        raise ValueError(f"counter must have shape (4, n), got {ctr.shape}")
    if ctr.dtype != np.uint32:
        raise TypeError(f"counter must be uint32, got {ctr.dtype}")
    k0, k1 = (int(k) for k in key)
    _check_word("key[0]", k0, 32)
    _check_word("key[1]", k1, 32)
    c0, c1, c2, c3 = (ctr[i].astype(np.uint64) for i in range(4))
    c0, c1, c2, c3 = _rounds(c0, c1, c2, c3, k0, k1)
    return np.stack([c0, c1, c2, c3]).astype(np.uint32)


def _rounds(c0: np.ndarray, c1: np.ndarray, c2: np.ndarray, c3: np.ndarray,
            k0: int, k1: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ten Philox rounds on uint64 arrays holding uint32 words (broadcast to one shape)."""
    c0, c1, c2, c3 = np.broadcast_arrays(c0, c1, c2, c3)
    for r in range(_ROUNDS):
        if r:
            k0 = (k0 + _W0) & 0xFFFFFFFF
            k1 = (k1 + _W1) & 0xFFFFFFFF
        p0 = c0 * _M0
        p1 = c2 * _M1
        n0 = p1 >> _S32
        n0 ^= c1
        n0 ^= np.uint64(k0)
        n2 = p0 >> _S32
        n2 ^= c3
        n2 ^= np.uint64(k1)
        p1 &= _MASK32
        p0 &= _MASK32
        c0, c1, c2, c3 = n0, p1, n2, p0
    return c0, c1, c2, c3


def _seed_key(seed: int) -> tuple[int, int]:
    _check_word("seed", seed, 64)
    s = int(seed)
    return s & 0xFFFFFFFF, (s >> 32) & 0xFFFFFFFF


def _trials(start: int, count: int) -> np.ndarray:
    _check_word("start", start, 64)
    if isinstance(count, bool) or not isinstance(count, int | np.integer) or count < 0:
        raise ValueError(f"count must be a non-negative integer, got {count!r}")
    if int(start) + int(count) > 2**64:
        raise ValueError(f"trials {start} .. {start + count - 1} exceed the 64-bit counter")
    return np.uint64(start) + np.arange(int(count), dtype=np.uint64)


def _u53(x0: np.ndarray, x1: np.ndarray) -> np.ndarray:
    """((x0 >> 5) * 2**26 + (x1 >> 6) + 0.5) / 2**53, with 1.0 mapped below 1."""
    u = (x0 >> np.uint64(5)).astype(np.float64)
    u *= _TWO26
    u += (x1 >> np.uint64(6)).astype(np.float64)
    u += 0.5
    u /= _TWO53
    np.minimum(u, _BELOW_ONE, out=u)
    return u


def _uniforms_tagged(seed: int, stream: int, start: int, count: int, tag: int) -> np.ndarray:
    k0, k1 = _seed_key(seed)
    _check_word("stream", stream, 32)
    t = _trials(start, count)
    c0 = t & _MASK32
    c1 = t >> _S32
    c2 = np.full(1, int(stream), dtype=np.uint64)  # (1,) arrays, not scalars: numpy warns
    c3 = np.full(1, tag, dtype=np.uint64)            # when a scalar product wraps
    x0, x1, _, _ = _rounds(c0, c1, c2, c3, k0, k1)
    return _u53(np.asarray(x0), np.asarray(x1))


def uniforms(seed: int, stream: int, start: int, count: int) -> np.ndarray:
    """Monte Carlo uniforms in (0, 1) of trials ``start`` .. ``start + count - 1``.

    ``seed`` is any integer in [0, 2**64), ``stream`` in [0, 2**32); see the module
    docstring for the exact recipe.
    """
    return _uniforms_tagged(seed, stream, start, count, TAG_MC)


# ----------------------------------------------------------------- Latin hypercube
def _lowbias32(x: np.ndarray) -> np.ndarray:
    """Chris Wellons' lowbias32 integer hash on uint64 arrays holding uint32 values."""
    x = x ^ (x >> np.uint64(16))
    x = (x * np.uint64(0x7FEB352D)) & _MASK32
    x = x ^ (x >> np.uint64(15))
    x = (x * np.uint64(0x846CA68B)) & _MASK32
    return x ^ (x >> np.uint64(16))


def _round_keys(seed: int, stream: int) -> list[int]:
    k0, k1 = _seed_key(seed)
    _check_word("stream", stream, 32)
    keys: list[int] = []
    for j in range(_FEISTEL_ROUNDS // 4):
        ctr = np.array([[j], [0], [int(stream)], [TAG_LHS_KEYS]], dtype=np.uint64)
        words = _rounds(ctr[0], ctr[1], ctr[2], ctr[3], k0, k1)
        keys.extend(int(w[0]) for w in words)
    return keys


def _feistel(x: np.ndarray, a: int, b: int, keys: list[int]) -> np.ndarray:
    """One pass of the keyed Feistel bijection of [0, 2**(a+b)) (x holds uint64 values)."""
    left = x >> np.uint64(b)
    right = x & np.uint64((1 << b) - 1)
    wl, wr = a, b
    for k in keys:
        f = _lowbias32(right ^ np.uint64(k)) >> np.uint64(32 - wl)
        left, right = right, (left + f) & np.uint64((1 << wl) - 1)
        wl, wr = wr, wl
    return (left << np.uint64(b)) | right


def lhs_permutation(seed: int, stream: int, index: np.ndarray, total: int) -> np.ndarray:
    """perm(index): a keyed bijection of [0, total) per index, without building it.

    A Feistel network on the smallest power-of-two domain holding ``total``, with
    cycle-walking back into [0, total).  Returns uint64.
    """
    if isinstance(total, bool) or not isinstance(total, int | np.integer) or total < 1:
        raise ValueError(f"total must be a positive integer, got {total!r}")
    total = int(total)
    if total > _LHS_MAX_TOTAL:
        raise ValueError(f"Latin hypercube sampling supports at most 2**53 trials, got {total}")
    idx = np.asarray(index, dtype=np.uint64)
    if idx.size and int(idx.max()) >= total:
        raise ValueError(f"index {int(idx.max())} is outside [0, {total})")
    m = (total - 1).bit_length()
    if m == 0:
        return np.zeros_like(idx)
    a, b = (m + 1) // 2, m // 2
    keys = _round_keys(seed, stream)
    y = _feistel(idx, a, b, keys)
    out = y >= np.uint64(total)
    walks = 0
    while out.any():
        pos = np.flatnonzero(out)
        y[pos] = _feistel(y[pos], a, b, keys)
        out[pos] = y[pos] >= np.uint64(total)
        walks += 1
    log.debug("lhs permutation of %d indices, domain 2**%d, %d cycle-walk passes",
              idx.size, m, walks)
    return y


def lhs_uniforms(seed: int, stream: int, start: int, count: int, total: int) -> np.ndarray:
    """Latin hypercube uniforms in (0, 1) of trials ``start`` .. ``start + count - 1`` of a
    run of ``total`` trials: one trial in each stratum [k/total, (k+1)/total)."""
    if isinstance(total, bool) or not isinstance(total, int | np.integer) or total < 1:
        raise ValueError(f"total must be a positive integer, got {total!r}")
    if int(start) + int(count) > int(total):
        raise ValueError(f"trials {start} .. {int(start) + int(count) - 1} are outside a run "
                         f"of {total} trials")
    t = _trials(start, count)
    perm = lhs_permutation(seed, stream, t, int(total))
    v = _uniforms_tagged(seed, stream, start, count, TAG_LHS_JITTER)
    u = perm.astype(np.float64)
    u += v
    u /= float(total)
    np.minimum(u, _BELOW_ONE, out=u)
    return u


def _draw(seed: int, stream: int, start: int, count: int, total: int,
          method: Sampling) -> np.ndarray:
    if method is Sampling.LHS:
        return lhs_uniforms(seed, stream, start, count, total)
    return uniforms(seed, stream, start, count)


def draw(seed: int, stream: int, start: int, count: int, total: int,
         sampling: Sampling | str = Sampling.MC) -> np.ndarray:
    """Uniforms of trials ``start`` .. ``start + count - 1`` of a run of ``total`` trials.

    Monte Carlo ignores ``total``; Latin hypercube stratifies over it.  The array's key is
    remembered (:func:`key_of`) for keyed inputs.
    """
    method = Sampling(sampling)
    u = _draw(seed, stream, start, count, total, method)
    _remember(u, DrawKey(int(seed), int(stream), int(start), int(count), int(total), method))
    return u


# ----------------------------------------------------------------- keyed draws
@dataclass(frozen=True)
class DrawKey:
    """Which uniforms an array of :func:`draw` holds."""

    seed: int
    stream: int
    start: int
    count: int
    total: int
    sampling: Sampling


_KEPT = 64   # remembered draws per thread (a backend hands each to ppf right away)
_local = threading.local()


def _remember(u: np.ndarray, key: DrawKey) -> None:
    seen = getattr(_local, "keys", None)
    if seen is None:
        seen = _local.keys = {}
    if len(seen) >= _KEPT:
        for k in [k for k, (ref, _) in seen.items() if ref() is None] or list(seen)[:_KEPT // 2]:
            del seen[k]
    seen[id(u)] = (weakref.ref(u), key)


def key_of(u: object) -> DrawKey | None:
    """The key of an array returned by :func:`draw` in this thread (None for any other)."""
    got = getattr(_local, "keys", {}).get(id(u))
    if got is None or got[0]() is not u:
        return None
    key = got[1]
    return key if len(u) == key.count else None  # type: ignore[arg-type]


_U_LO = 2.0 ** -54


def _normal_scores(key: DrawKey, stream: int) -> np.ndarray:
    """ndtri of a stream's uniforms for the trials of ``key``, cached per thread for the
    chunk being drawn (each input of a correlation group reads the earlier ones')."""
    from scipy.special import ndtri

    chunk = (key.seed, key.start, key.count, key.total, key.sampling)
    cache = getattr(_local, "scores", None)
    if cache is None or cache[0] != chunk:
        cache = _local.scores = (chunk, {})
    z = cache[1].get(stream)
    if z is None:
        z = cache[1][stream] = ndtri(_draw(key.seed, stream, key.start, key.count, key.total,
                                           key.sampling))
    return z


def keyed_uniforms(key: DrawKey, stream: int | None = None,
                   copula: CopulaMember | None = None) -> np.ndarray:
    """The uniforms of an input with a fixed ``stream`` or a ``copula`` place, for the trials
    of ``key`` (see the module docstring)."""
    from scipy.special import ndtr

    if copula is None:
        s = key.stream if stream is None else stream
        return _draw(key.seed, s, key.start, key.count, key.total, key.sampling)
    x = np.zeros(key.count)
    for s, w in zip(copula.streams, copula.row, strict=True):
        if w != 0.0:
            x += w * _normal_scores(key, s)
    u = ndtr(x)
    np.clip(u, _U_LO, _BELOW_ONE, out=u)
    return u
