"""Distributions: inverse CDFs at known points, exact moments, validation messages."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from engine.distributions import (
    POSITIONAL,
    Discrete,
    Distribution,
    Lognormal,
    Normal,
    Pert,
    Triangular,
    Uniform,
    canonical_kind,
    make_distribution,
)
from engine.errors import SpecError
from engine.sampling import uniforms

N = 1_000_000
U = uniforms(2024, 1, 0, N)

CASES = {
    "triangular": {"min": 90, "mode": 100, "max": 130},
    "pert": {"min": 7, "mode": 9, "max": 13},
    "uniform": {"min": -1, "max": 3},
    "normal": {"mean": 10, "sd": 2},
    "lognormal": {"mean": 5, "sd": 1.5},
    "discrete": {"values": [0, 1, 3], "probabilities": [0.6, 0.3, 0.1]},
}


def test_triangular_ppf_closed_form():
    a, c, b = 2.0, 3.0, 7.0
    d = Triangular(a, c, b)
    fc = (c - a) / (b - a)
    got = d.ppf(np.array([0.0, 1.0, fc, 0.5]))
    # u = 0.5 lies above the mode's cdf (0.2): b - sqrt((1 - u)(b - a)(b - c))
    assert got[0] == a and got[1] == b
    assert got[2] == pytest.approx(c, abs=1e-12)
    assert got[3] == pytest.approx(b - math.sqrt(0.5 * (b - a) * (b - c)), rel=1e-15)
    below = d.ppf(np.array([0.1]))[0]
    assert below == pytest.approx(a + math.sqrt(0.1 * (b - a) * (c - a)), rel=1e-15)
    ref = stats.triang(fc, loc=a, scale=b - a).ppf(U[:1000])
    np.testing.assert_allclose(d.ppf(U[:1000]), ref, rtol=1e-12)


@pytest.mark.parametrize(("a", "c", "b"), [(0.0, 0.0, 1.0), (0.0, 1.0, 1.0)])
def test_triangular_with_the_mode_at_an_end(a, c, b):
    x = Triangular(a, c, b).ppf(U[:10_000])
    assert np.isfinite(x).all() and x.min() >= a and x.max() <= b


@pytest.mark.parametrize("kind", sorted(CASES))
def test_mean_and_variance_match_a_million_samples(kind):
    d = make_distribution(kind, CASES[kind], where="Sheet1!A1")
    x = d.ppf(U)
    assert x.dtype == np.float64 and np.isfinite(x).all()
    se_mean = math.sqrt(d.variance / N)
    assert abs(x.mean() - d.mean) < 4 * se_mean
    # standard error of the sample variance: sqrt((mu4 - sigma^4) / n), mu4 from the sample
    mu4 = float(np.mean((x - d.mean) ** 4))
    assert abs(x.var(ddof=1) - d.variance) < 4 * math.sqrt((mu4 - d.variance ** 2) / N)


def test_ppf_agrees_with_scipy():
    u = U[:2000]
    np.testing.assert_allclose(Pert(7, 9, 13).ppf(u),
                               7 + 6 * stats.beta(1 + 4 * 2 / 6, 1 + 4 * 4 / 6).ppf(u), rtol=1e-10)
    np.testing.assert_allclose(Normal(10, 2).ppf(u), stats.norm(10, 2).ppf(u), rtol=1e-12)
    np.testing.assert_allclose(Uniform(-1, 3).ppf(u), stats.uniform(-1, 4).ppf(u), rtol=1e-12)
    d = Lognormal(5.0, 1.5)
    ref = stats.lognorm(s=d.sigma, scale=math.exp(d.mu))
    assert ref.mean() == pytest.approx(5.0, rel=1e-12) and ref.std() == pytest.approx(1.5)
    np.testing.assert_allclose(d.ppf(u), ref.ppf(u), rtol=1e-12)


def test_pert_parameters_and_moments():
    d = Pert(1.0, 2.0, 4.0)
    assert d.alpha == pytest.approx(1 + 4 / 3) and d.beta == pytest.approx(1 + 8 / 3)
    assert d.mean == pytest.approx(7 / 6 + 1)
    beta = stats.beta(d.alpha, d.beta, loc=1, scale=3)
    assert d.variance == pytest.approx(beta.var(), rel=1e-12)


def test_discrete_frequencies():
    d = make_distribution("discrete", CASES["discrete"], "Sheet1!A5")
    x = d.ppf(U)
    for v, p in zip([0, 1, 3], [0.6, 0.3, 0.1], strict=True):
        freq = np.mean(x == v)
        assert abs(freq - p) < 4 * math.sqrt(p * (1 - p) / N)
    assert set(np.unique(x)) == {0.0, 1.0, 3.0}


def test_discrete_never_draws_a_value_of_probability_zero():
    d = Discrete((1.0, 2.0, 3.0, 4.0), (0.0, 0.3, 0.7 - 1e-10, 0.0))  # sums to 1 - 1e-10
    x = d.ppf(np.array([1e-300, 0.29, 0.31, 1 - 2**-53]))
    assert list(x) == [2.0, 2.0, 3.0, 3.0]
    assert d.cumulative[0] == 0.0 and d.cumulative[2] == d.cumulative[3] == 1.0


def test_discrete_ppf_at_the_steps():
    d = Discrete((10.0, 20.0), (0.25, 0.75))
    assert list(d.ppf(np.array([0.2499999, 0.25, 0.9999]))) == [10.0, 20.0, 20.0]
    assert d.nominal == 20.0


def test_nominal_values():
    assert Triangular(1, 2, 4).nominal == 2 and Pert(1, 3, 4).nominal == 3
    assert Uniform(1, 3).nominal == 2 and Normal(5, 1).nominal == 5
    assert Lognormal(5, 1).nominal == 5


@pytest.mark.parametrize("kind", sorted(CASES))
def test_every_kind_is_a_frozen_distribution_with_its_params(kind):
    d = make_distribution(kind, CASES[kind], "A1")
    assert isinstance(d, Distribution) and d.name == kind
    assert list(d.params()) == list(POSITIONAL[kind])
    assert d.std == pytest.approx(math.sqrt(d.variance))
    assert d.describe().startswith(kind + "(")
    with pytest.raises(AttributeError):
        d.sd = 3  # type: ignore[misc]
    again = make_distribution(kind, d.params(), "A1")
    assert again == d


@pytest.mark.parametrize(("alias", "kind"), [
    ("tri", "triangular"), ("Triangular", "triangular"), ("NORM", "normal"), ("unif", "uniform"),
    ("Uniform", "uniform"), ("PERT", "pert"), ("lognorm", "lognormal"), ("Lognormal", "lognormal"),
    ("discrete", "discrete")])
def test_kind_aliases(alias, kind):
    assert canonical_kind(alias) == kind


BAD = [
    ("triangular", {"min": 5, "mode": 3, "max": 4},
     "Inputs!D2: triangular needs min <= mode <= max with min < max, got min=5, mode=3, max=4"),
    ("triangular", {"min": 4, "mode": 4, "max": 4}, "min < max"),
    ("pert", {"min": 1, "mode": 5, "max": 4}, "pert needs min <= mode <= max"),
    ("uniform", {"min": 3, "max": 3}, "uniform needs min < max"),
    ("normal", {"mean": 1, "sd": 0}, "sd > 0"),
    ("lognormal", {"mean": 1, "sd": -1}, "sd > 0"),
    ("lognormal", {"mean": 0, "sd": 1}, "mean > 0"),
    ("normal", {"mean": float("nan"), "sd": 1}, "finite"),
    ("normal", {"mean": float("inf"), "sd": 1}, "finite"),
    ("normal", {"mean": "Inputs!C2", "sd": 1}, "mean must be a number"),
    ("normal", {"mean": True, "sd": 1}, "must be a number"),
    ("normal", {"mean": 1}, "missing sd"),
    ("normal", {"mean": 1, "sd": 1, "sigma": 2}, "unknown parameter(s) sigma"),
    ("pearson5", {"a": 1}, "unknown distribution 'pearson5'"),
    ("discrete", {"values": [1, 2], "probabilities": [0.5]}, "as many probabilities as values"),
    ("discrete", {"values": [1, 2], "probabilities": [1.5, -0.5]}, "must be >= 0"),
    ("discrete", {"values": [1, 2], "probabilities": [0.5, 0.6]}, "must sum to 1, they sum to 1.1"),
    ("discrete", {"values": [], "probabilities": []}, "at least one value"),
    ("discrete", {"values": [1, "x"], "probabilities": [0.5, 0.5]}, "values[1] must be a number"),
]


@pytest.mark.parametrize(("kind", "params", "message"), BAD)
def test_validation_errors_name_the_cell(kind, params, message):
    with pytest.raises(SpecError) as info:
        make_distribution(kind, params, where="Inputs!D2")
    text = str(info.value)
    assert text.startswith("Inputs!D2: ")
    assert message in text


def test_probabilities_summing_to_one_within_tolerance_are_accepted():
    d = make_distribution("discrete", {"values": [1, 2, 3], "probabilities": [0.1, 0.2, 0.7]}, "A")
    assert d.mean == pytest.approx(2.6)
    make_distribution("discrete", {"values": [1, 2], "probabilities": [0.5, 0.5 + 5e-10]}, "A")
    with pytest.raises(SpecError):
        make_distribution("discrete", {"values": [1, 2], "probabilities": [0.5, 0.5 + 5e-9]}, "A")


def test_a_single_value_is_a_one_point_discrete():
    d = make_distribution("discrete", {"values": 4, "probabilities": 1}, "A1")
    assert list(d.ppf(U[:5])) == [4.0] * 5 and d.variance == 0.0
