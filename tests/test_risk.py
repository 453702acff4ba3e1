"""Targets, VaR and CVaR against exact values of the normal and exponential distributions,
and their 95% intervals' coverage over repeated samples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from engine.risk import expected_shortfall, probability, risk_measures, value_at_risk

Q95 = norm.ppf(0.95)
ES95 = norm.pdf(Q95) / 0.05    # expected shortfall of N(0, 1) at 95%: 2.0627


def test_targets_on_a_normal_sample():
    x = np.random.default_rng(1).normal(0, 1, 400_000)
    above = probability(x, above=Q95)
    assert above.value == pytest.approx(0.05, abs=0.002)
    # Wilson half-width ~ 1.96 sqrt(p (1 - p) / n) (coverage: the test below)
    assert above.high - above.low == pytest.approx(2 * 1.96 * math.sqrt(0.05 * 0.95 / 400_000),
                                                   rel=0.03)
    below = probability(x, below=-1.0)
    assert below.value == pytest.approx(norm.cdf(-1), abs=0.003)
    both = probability(x, above=-1.0, below=1.0)
    assert both.value == pytest.approx(norm.cdf(1) - norm.cdf(-1), abs=0.003)
    with pytest.raises(ValueError, match="target"):
        probability(x)


def test_var_and_cvar_exact_values():
    rng = np.random.default_rng(2)
    x = rng.normal(0, 1, 400_000)
    assert value_at_risk(x, 0.95).value == pytest.approx(Q95, abs=0.01)
    assert expected_shortfall(x, 0.95).value == pytest.approx(ES95, abs=0.015)
    assert value_at_risk(x, 0.95, "lower").value == pytest.approx(-Q95, abs=0.01)
    assert expected_shortfall(x, 0.95, "lower").value == pytest.approx(-ES95, abs=0.015)
    e = rng.exponential(1.0, 400_000)  # VaR_q = -ln(1 - q), ES_q = VaR_q + 1
    assert value_at_risk(e, 0.99).value == pytest.approx(-math.log(0.01), abs=0.05)
    assert expected_shortfall(e, 0.99).value == pytest.approx(-math.log(0.01) + 1, abs=0.05)


def test_intervals_cover_the_true_value_about_95_percent():
    rng = np.random.default_rng(3)
    cover = {"p": 0, "var": 0, "es": 0}
    reps = 300
    for _ in range(reps):
        x = rng.normal(0, 1, 4000)
        p = probability(x, above=Q95)
        v = value_at_risk(x, 0.95)
        es = expected_shortfall(x, 0.95)
        cover["p"] += p.low <= 0.05 <= p.high
        cover["var"] += v.low <= Q95 <= v.high
        cover["es"] += es.low <= ES95 <= es.high
    for name, k in cover.items():   # binomial(300, 0.95): 285 +- 3.8; allow 4 sd
        assert 0.89 * reps <= k <= reps, (name, k)


def test_bad_levels_and_json_form():
    x = np.arange(1000.0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        value_at_risk(x, 1.5)
    with pytest.raises(ValueError, match="tail"):
        value_at_risk(x, 0.9, "middle")
    with pytest.raises(ValueError, match="no trial"):
        value_at_risk(np.array([np.nan]), 0.9)
    d = risk_measures(x, levels=(0.9,), above=(899.5,), below=(10,))
    assert d["var"]["90"]["value"] == pytest.approx(np.percentile(x, 90))
    assert d["cvar"]["90"]["value"] == pytest.approx(np.mean(x[x >= np.percentile(x, 90)]),
                                                     rel=1e-3)
    assert d["targets"][0]["value"] == pytest.approx(0.1)
    assert d["targets"][1]["value"] == pytest.approx(0.01)
