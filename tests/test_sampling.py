"""Counter-based streams: Philox known answers, uniform quality, chunk independence, LHS."""

from __future__ import annotations

import numpy as np
import pytest

from engine.sampling import (
    Sampling,
    draw,
    lhs_permutation,
    lhs_uniforms,
    philox4x32_10,
    uniforms,
)

# Random123 tests/kat_vectors, "philox4x32 10" lines: counter (4 words), key (2), expected (4)
KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF, 0xFFFFFFFF), (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


@pytest.mark.parametrize(("counter", "key", "expected"), KAT)
def test_philox_known_answers(counter, key, expected):
    out = philox4x32_10(np.array(counter, dtype=np.uint32).reshape(4, 1), key)
    assert out.dtype == np.uint32 and out.shape == (4, 1)
    assert tuple(int(w) for w in out[:, 0]) == expected


def test_philox_is_vectorized_per_column():
    rng = np.random.default_rng(0)
    ctr = rng.integers(0, 2**32, size=(4, 500), dtype=np.uint64).astype(np.uint32)
    ctr[:, 123] = KAT[2][0]
    key = KAT[2][1]
    out = philox4x32_10(ctr, key)
    assert tuple(int(w) for w in out[:, 123]) == KAT[2][2]
    for j in (0, 77, 499):
        assert np.array_equal(out[:, j], philox4x32_10(ctr[:, j:j + 1], key)[:, 0])


def test_philox_rejects_bad_shapes():
    with pytest.raises(ValueError):
        philox4x32_10(np.zeros((3, 2), dtype=np.uint32), (0, 0))
    with pytest.raises(TypeError):
        philox4x32_10(np.zeros((4, 2), dtype=np.int64), (0, 0))


def test_uniform_recipe_from_the_docstring():
    """u = ((x0 >> 5) * 2**26 + (x1 >> 6) + 0.5) / 2**53 of counter (t lo, t hi, stream, 0)."""
    seed, stream = 2**40 + 12345, 0xDEADBEEF
    for t in (0, 1, 2**32 + 7, 10**12):
        ctr = np.array([[t & 0xFFFFFFFF], [t >> 32], [stream], [0]], dtype=np.uint32)
        x = philox4x32_10(ctr, (seed & 0xFFFFFFFF, seed >> 32))[:, 0]
        want = ((int(x[0]) >> 5) * 2**26 + (int(x[1]) >> 6) + 0.5) / 2**53
        assert uniforms(seed, stream, t, 1)[0] == want


def test_uniforms_are_in_the_open_interval_with_the_right_moments():
    n = 1_000_000
    u = uniforms(7, 3, 0, n)
    assert u.dtype == np.float64 and u.shape == (n,)
    assert u.min() > 0.0 and u.max() < 1.0
    # mean 1/2, sd 1/sqrt(12); variance 1/12 with sd of u^2-type terms sqrt(1/180)
    assert abs(u.mean() - 0.5) < 4 * np.sqrt(1 / 12 / n)
    assert abs(u.var() - 1 / 12) < 4 * np.sqrt(1 / 180 / n)
    counts = np.bincount((u * 100).astype(int), minlength=100)
    expected = n / 100
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert chi2 < 99 + 4 * np.sqrt(2 * 99)


def test_the_largest_word_maps_below_one():
    from engine.sampling import _u53

    top = np.array([0xFFFFFFFF], dtype=np.uint64)
    u = _u53(top, top)
    assert u[0] < 1.0 and u[0] == np.nextafter(1.0, 0.0)
    zero = np.array([0], dtype=np.uint64)
    assert _u53(zero, zero)[0] == 2.0**-54


@pytest.mark.parametrize("sampling", [Sampling.MC, Sampling.LHS])
def test_chunked_draw_equals_one_shot_draw_bit_for_bit(sampling):
    total = 100_000
    whole = draw(11, 42, 0, total, total, sampling)
    chunks = np.concatenate([draw(11, 42, s, min(1_000, total - s), total, sampling)
                             for s in range(0, total, 1_000)])
    assert np.array_equal(whole, chunks)
    odd = np.concatenate([draw(11, 42, 0, 777, total, sampling),
                          draw(11, 42, 777, total - 777, total, sampling)])
    assert np.array_equal(whole, odd)


@pytest.mark.parametrize("total", [1, 2, 3, 5, 64, 65, 1000, 100_000, 131_073])
def test_lhs_puts_exactly_one_trial_in_each_stratum(total):
    u = lhs_uniforms(3, 9, 0, total, total)
    assert u.min() > 0.0 and u.max() < 1.0
    strata = np.floor(u * total).astype(np.int64)
    assert np.array_equal(np.sort(strata), np.arange(total))


def test_lhs_permutation_is_a_bijection_computed_per_index():
    total = 10_007
    perm = lhs_permutation(5, 1, np.arange(total, dtype=np.uint64), total)
    assert np.array_equal(np.sort(perm), np.arange(total))
    assert not np.array_equal(perm, np.arange(total))
    some = np.array([17, 4000, 10_006], dtype=np.uint64)
    assert np.array_equal(lhs_permutation(5, 1, some, total), perm[some.astype(int)])


def test_lhs_large_run_chunk_of_the_middle():
    total = 10**12
    u = lhs_uniforms(1, 2, 10**12 - 1000, 1000, total)
    assert u.min() > 0 and u.max() < 1
    assert len(np.unique(np.floor(u * total))) == 1000


def test_lhs_mean_is_far_more_precise_than_mc():
    total = 10_000
    errs = {s: [draw(seed, 5, 0, total, total, s).mean() - 0.5 for seed in range(20)]
            for s in Sampling}
    rmse = {s: float(np.sqrt(np.mean(np.square(e)))) for s, e in errs.items()}
    assert rmse[Sampling.LHS] < 0.01 * rmse[Sampling.MC]


def test_lhs_rejects_trials_outside_the_run():
    with pytest.raises(ValueError):
        lhs_uniforms(0, 0, 90, 20, 100)
    with pytest.raises(ValueError):
        lhs_uniforms(0, 0, 0, 1, 0)


@pytest.mark.parametrize("sampling", [Sampling.MC, Sampling.LHS])
def test_streams_and_seeds_differ_and_are_uncorrelated(sampling):
    n = 200_000
    base = draw(1, 10, 0, n, n, sampling)
    others = [draw(1, 11, 0, n, n, sampling), draw(2, 10, 0, n, n, sampling),
              draw(1 + 2**32, 10, 0, n, n, sampling), draw(1, 10 + 2**31, 0, n, n, sampling)]
    for other in others:
        assert not np.array_equal(base, other)
        assert np.mean(base == other) < 1e-3
        assert abs(np.corrcoef(base, other)[0, 1]) < 4 / np.sqrt(n)


def test_lhs_jitter_is_not_the_mc_stream():
    n = 100_000
    mc, lhs = uniforms(4, 4, 0, n), lhs_uniforms(4, 4, 0, n, n)
    jitter = lhs * n - np.floor(lhs * n)
    assert abs(np.corrcoef(mc, jitter)[0, 1]) < 4 / np.sqrt(n)


def test_large_seeds_streams_and_trial_indices():
    u = uniforms(2**64 - 1, 2**32 - 1, 2**64 - 5, 5)
    assert u.shape == (5,) and (u > 0).all() and (u < 1).all()
    assert np.array_equal(uniforms(2**64 - 1, 2**32 - 1, 2**64 - 3, 3), u[2:])
    for bad in ({"seed": -1}, {"seed": 2**64}, {"stream": 2**32}, {"start": -1}):
        args = {"seed": 0, "stream": 0, "start": 0, **bad}
        with pytest.raises(ValueError):
            uniforms(args["seed"], args["stream"], args["start"], 1)


def test_sampling_enum_accepts_any_case():
    assert Sampling("LHS") is Sampling.LHS
    assert Sampling(" mc ") is Sampling.MC
    assert Sampling.MC == "mc"
    with pytest.raises(ValueError):
        Sampling("sobol")


def test_empty_draw():
    assert draw(0, 0, 5, 0, 5, Sampling.MC).shape == (0,)
    assert draw(0, 0, 5, 0, 5, Sampling.LHS).shape == (0,)


# ----------------------------------------------------------------- the documented recipe
def _philox_scalar(ctr: tuple[int, int, int, int], key: tuple[int, int]) -> tuple[int, ...]:
    """Philox4x32-10 in plain Python integers, straight from the module docstring."""
    c0, c1, c2, c3 = ctr
    k0, k1 = key
    for r in range(10):
        if r:
            k0, k1 = (k0 + 0x9E3779B9) & 0xFFFFFFFF, (k1 + 0xBB67AE85) & 0xFFFFFFFF
        p0, p1 = 0xD2511F53 * c0, 0xCD9E8D57 * c2
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & 0xFFFFFFFF, (p0 >> 32) ^ c3 ^ k1, p0 & 0xFFFFFFFF
    return c0, c1, c2, c3


def _lowbias32(x: int) -> int:
    x ^= x >> 16
    x = (x * 0x7FEB352D) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0x846CA68B) & 0xFFFFFFFF
    return x ^ (x >> 16)


def _lhs_scalar(seed: int, s: int, t: int, total: int) -> float:
    key = (seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF)
    m = (total - 1).bit_length()
    a, b = (m + 1) // 2, m // 2
    keys = [w for j in (0, 1) for w in _philox_scalar((j, 0, s, 2), key)]

    def p(x: int) -> int:
        left, right, wl, wr = x >> b, x & ((1 << b) - 1), a, b
        for k in keys:
            f = _lowbias32(right ^ k) >> (32 - wl)
            left, right, wl, wr = right, (left + f) % (1 << wl), wr, wl
        return (left << b) | right

    y = p(t) if m else 0
    while y >= total:
        y = p(y)
    x0, x1, _, _ = _philox_scalar((t & 0xFFFFFFFF, t >> 32, s, 1), key)
    v = min(((x0 >> 5) * 2.0**26 + (x1 >> 6) + 0.5) / 2.0**53, 1 - 2.0**-53)
    return min((float(y) + v) / total, 1 - 2.0**-53)


@pytest.mark.parametrize(("seed", "stream", "total"), [
    (0, 0, 1), (1, 2, 2), (7, 0xFFFFFFFF, 1000), (2**63 + 5, 12345, 100_003), (3, 4, 10**12)])
def test_lhs_matches_the_documented_recipe(seed, stream, total):
    starts = sorted({0, total // 3, max(total - 5, 0)})
    for start in starts:
        count = min(5, total - start)
        got = lhs_uniforms(seed, stream, start, count, total)
        want = [_lhs_scalar(seed, stream, t, total) for t in range(start, start + count)]
        assert got.tolist() == want


# ----------------------------------------------------------------- keyed draws
def test_draw_remembers_its_key_and_nothing_else():
    import threading

    from engine.sampling import DrawKey, Sampling, draw, key_of

    u = draw(5, 9, 100, 50, 1000, "lhs")
    assert key_of(u) == DrawKey(5, 9, 100, 50, 1000, Sampling.LHS)
    assert key_of(u.copy()) is None and key_of(u[:10]) is None and key_of(np.zeros(50)) is None
    seen = []
    t = threading.Thread(target=lambda: seen.append(key_of(u)))
    t.start()
    t.join()
    assert seen == [None]   # per thread: a backend hands each draw to ppf in its own thread


def test_keyed_uniforms_of_a_fixed_stream_and_of_a_copula():
    from scipy.special import ndtr, ndtri

    from engine.distributions import CopulaMember
    from engine.sampling import DrawKey, Sampling, keyed_uniforms, uniforms

    key = DrawKey(3, 1, 1000, 400, 10_000, Sampling.MC)
    np.testing.assert_array_equal(keyed_uniforms(key, stream=77), uniforms(3, 77, 1000, 400))
    row = (0.6, 0.8)   # x = 0.6 z_a + 0.8 z_b, left to right
    got = keyed_uniforms(key, copula=CopulaMember((11, 12), row))
    za, zb = ndtri(uniforms(3, 11, 1000, 400)), ndtri(uniforms(3, 12, 1000, 400))
    np.testing.assert_array_equal(got, ndtr(0.6 * za + 0.8 * zb))
    # the same trials drawn in two pieces give the same numbers
    half = [keyed_uniforms(DrawKey(3, 1, s, 200, 10_000, Sampling.MC),
                           copula=CopulaMember((11, 12), row)) for s in (1000, 1200)]
    np.testing.assert_array_equal(np.concatenate(half), got)
    assert got.min() >= 2.0 ** -54 and got.max() <= 1 - 2.0 ** -53
