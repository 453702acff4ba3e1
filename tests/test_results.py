"""Run statistics: percentiles, moments, histogram, convergence, sensitivity, RESULT.json."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from scipy import stats

from engine.distributions import Triangular
from engine.results import (
    PERCENTILES,
    SimulationResult,
    convergence,
    histogram,
    sensitivity,
    summarize_output,
)
from engine.sampling import Sampling, uniforms

RNG = np.random.default_rng(12)


def test_moments_and_percentiles_match_numpy():
    x = RNG.lognormal(3, 0.7, size=20_001)
    s = summarize_output(x, errors=3)
    assert s.count == x.size and s.errors == 3
    assert s.mean == pytest.approx(x.mean(), rel=1e-13)
    assert s.std == pytest.approx(x.std(ddof=1), rel=1e-12)
    assert (s.min, s.max) == (x.min(), x.max())
    assert list(s.percentiles) == [str(p) for p in PERCENTILES]
    want = np.percentile(x, PERCENTILES, method="linear")
    assert [s.percentiles[str(p)] for p in PERCENTILES] == list(want)


def test_percentiles_are_excel_percentile_inc():
    # PERCENTILE.INC({1,2,3,4}, 0.1) = 1.3 and (…, 0.25) = 1.75 in Excel
    s = summarize_output(np.array([4.0, 1.0, 3.0, 2.0]), 0)
    assert s.percentiles["10"] == pytest.approx(1.3)
    assert s.percentiles["25"] == pytest.approx(1.75)
    assert s.percentiles["50"] == pytest.approx(2.5)


def test_histogram_uses_numpy_auto_bins_capped():
    for x in (RNG.normal(size=1000), RNG.exponential(size=3000), RNG.integers(0, 5, 500) * 1.0):
        h = histogram(x)
        counts, edges = np.histogram(x, bins="auto")
        assert h.counts == counts.tolist()
        np.testing.assert_allclose(h.edges, edges, rtol=1e-12)
    big = histogram(RNG.standard_cauchy(100_000))
    assert len(big.counts) == 200 and len(big.edges) == 201 and sum(big.counts) == 100_000


def test_convergence_trace():
    x = RNG.normal(50, 10, size=100_000)
    c = convergence(x)
    assert 150 <= len(c.trials) <= 200
    assert c.trials[0] == 2 and c.trials[-1] == x.size
    assert all(b > a for a, b in zip(c.trials, c.trials[1:], strict=False))
    for k, m, h in zip(c.trials, c.mean, c.half_width, strict=True):
        if k in (2, 1000, 100_000) or k == c.trials[len(c.trials) // 2]:
            assert m == pytest.approx(x[:k].mean(), rel=1e-12)
            assert h == pytest.approx(1.959963984540054 * x[:k].std(ddof=1) / np.sqrt(k),
                                      rel=1e-9)
    assert c.half_width[-1] == pytest.approx(1.96 * 10 / np.sqrt(x.size), rel=0.02)


def test_convergence_is_accurate_far_from_zero():
    x = 1e9 + RNG.normal(0, 1, size=10_000)  # naive sums of squares would lose every digit
    c = convergence(x)
    assert c.half_width[-1] == pytest.approx(1.96 / 100, rel=0.05)


def test_spearman_equals_scipy_with_ties():
    y = RNG.normal(size=5000)
    inputs = {"A": y + RNG.normal(size=5000), "B": np.round(RNG.normal(size=5000)),
              "C": -np.round(y, 1)}
    out = np.round(y, 2)  # ties in the output too
    sens = sensitivity(inputs, out)
    for name, x in inputs.items():
        assert sens[name].spearman == pytest.approx(stats.spearmanr(x, out)[0], abs=1e-12)
    assert sum(s.contribution for s in sens.values()) == pytest.approx(1.0)


def test_contributions_of_ten_equal_triangulars_are_equal():
    n = 200_000
    tri = Triangular(1.0, 2.0, 4.0)
    inputs = {f"Inputs!B{i}": tri.ppf(uniforms(5, i, 0, n)) for i in range(10)}
    total = sum(inputs.values())
    sens = sensitivity(inputs, total)
    shares = np.array([s.contribution for s in sens.values()])
    assert shares.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(shares, 0.1, atol=0.01)
    rho = np.array([s.spearman for s in sens.values()])
    np.testing.assert_allclose(rho, np.sqrt(0.1), atol=0.02)


def test_degenerate_cases_give_no_warnings_and_no_nan():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        const = summarize_output(np.full(1000, 7.5), 0)
        assert const.std == 0.0 and const.mean == 7.5 and const.percentiles["99"] == 7.5
        assert const.histogram.counts == [1000]
        one = summarize_output(np.array([3.0]), 2)
        assert one.std == 0.0 and one.convergence.trials == []
        none = summarize_output(np.array([]), errors=10)
        assert none.mean is None and none.std is None and none.min is None
        assert none.percentiles == {str(p): None for p in PERCENTILES} and none.errors == 10
        x = RNG.normal(size=100)
        sens = sensitivity({"flat": np.ones(100), "x": x}, np.full(100, 2.0))
        assert sens["flat"].spearman == 0.0 and sens["x"].spearman == 0.0
        assert sens["x"].contribution == 0.0
        assert sensitivity({"flat": np.ones(100)}, x)["flat"].spearman == 0.0
        assert sensitivity({"a": np.array([1.0])}, np.array([2.0]))["a"].spearman == 0.0


def test_non_finite_values_count_as_errors():
    s = summarize_output(np.array([1.0, np.inf, 3.0, np.nan]), errors=1)
    assert s.count == 2 and s.errors == 3 and s.mean == 2.0


def test_sensitivity_lengths_must_agree():
    with pytest.raises(ValueError, match="input A has 3 samples"):
        sensitivity({"A": np.ones(3)}, np.ones(4))


def _result() -> SimulationResult:
    x = RNG.normal(size=2000)
    out = summarize_output(x * 2 + 1, errors=0)
    out.sensitivity = sensitivity({"Inputs!D2": x, "Inputs!D3": RNG.normal(size=2000)}, x * 2 + 1)
    failed = summarize_output(np.array([]), errors=2000)
    return SimulationResult(trials=2000, seed=4, backend="numpy", sampling=Sampling.LHS,
                            elapsed_s=0.0, trials_per_s=float("inf"),
                            outputs={"Summary!B2": out, "Summary!B3": failed})


def test_to_dict_is_the_result_json_contract():
    d = _result().to_dict()
    text = json.dumps(d, allow_nan=False)
    back = json.loads(text)
    assert {"trials", "seed", "backend", "elapsed_s", "trials_per_s", "outputs"} <= set(back)
    assert back["trials"] == 2000 and back["seed"] == 4 and back["backend"] == "numpy"
    assert back["sampling"] == "lhs" and back["trials_per_s"] is None
    b2 = back["outputs"]["Summary!B2"]
    assert {"mean", "std", "min", "max", "errors", "percentiles", "sensitivity"} <= set(b2)
    assert list(b2["percentiles"]) == [str(p) for p in range(1, 100)]  # P1 .. P99
    assert set(b2["sensitivity"]) == {"Inputs!D2", "Inputs!D3"}
    assert b2["sensitivity"]["Inputs!D2"] == pytest.approx(1.0)
    assert sum(b2["contribution_to_variance"].values()) == pytest.approx(1.0)
    assert sum(b2["histogram"]["counts"]) == 2000
    assert len(b2["histogram"]["edges"]) == len(b2["histogram"]["counts"]) + 1
    assert b2["convergence"]["trials"][-1] == 2000
    b3 = back["outputs"]["Summary!B3"]
    assert b3["mean"] is None and b3["errors"] == 2000 and b3["percentiles"]["50"] is None
    for key in ("mean", "std", "min", "max"):
        assert type(b2[key]) is float


def test_result_keeps_samples_out_of_the_json():
    r = _result()
    r.samples = {"huge": np.zeros(10)}
    assert "samples" not in r.to_dict()


# ----------------------------------------------------------------- constants and huge values
@pytest.mark.parametrize("value", [1e16, 1e17, 1e308, -1e308, np.finfo(float).max, 7.5])
def test_a_constant_output_of_any_magnitude_is_reported_as_constant(value):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = summarize_output(np.full(1000, value), 0)
    assert s.constant and s.std == 0.0 and s.mean == value == s.min == s.max
    assert set(s.percentiles.values()) == {value}
    lo, hi = s.histogram.edges
    assert s.histogram.counts == [1000] and lo < hi and lo <= value <= hi
    assert np.isfinite([lo, hi]).all()
    assert set(s.convergence.mean) == {value} and set(s.convergence.half_width) == {0.0}
    assert s.to_dict()["constant"] is True
    json.dumps(s.to_dict(), allow_nan=False)


def test_equal_trials_whose_mean_rounds_are_constant_with_std_exactly_zero():
    # np.mean of 10,007 copies of 1234.56 is not exactly 1234.56: std came out 2.3e-13
    x = np.full(10_007, 1234.56)
    assert float(np.mean(x)) != 1234.56
    s = summarize_output(x, 0)
    assert s.constant and s.std == 0.0 and s.mean == 1234.56
    assert not summarize_output(RNG.normal(size=100), 0).constant


def test_huge_and_narrow_ranges_bin_without_error():
    wide = summarize_output(np.array([-1e308, 0.0, 1e308, 5e307]), 0)
    assert wide.mean == pytest.approx(1.25e307) and np.isfinite(wide.std)
    assert wide.percentiles["50"] == pytest.approx(2.5e307)
    assert sum(wide.histogram.counts) == 4 and wide.histogram.edges[0] == -1e308
    assert wide.histogram.edges[-1] == 1e308 and all(np.isfinite(wide.histogram.edges))
    assert all(np.isfinite(wide.convergence.mean))
    # three values 16 apart at 1e17: numpy cannot make three finite-sized bins
    narrow = histogram(np.array([1e17, 1e17 + 16, 1e17 + 32]))
    assert sum(narrow.counts) == 3 and narrow.edges[0] < narrow.edges[-1]
    assert not summarize_output(np.array([1e17, 1e17 + 16, 1e17 + 32]), 0).constant


def test_streamed_constant_and_out_of_float32_range():
    from engine.results import summarize_kept
    from engine.streaming import Moments

    big = np.full(500, 1e17)
    s = summarize_kept(big.astype(np.float32), Moments.of(big), 0)
    assert s.constant and s.std == 0.0 and s.mean == 1e17 and s.histogram.counts == [500]
    # float32 holds +-1e100 as infinities; the exact moments know the range
    wide = np.concatenate([np.full(10, -1e100), np.arange(80.0), np.full(10, 1e100)])
    with np.errstate(over="ignore"):
        s = summarize_kept(wide.astype(np.float32), Moments.of(wide), 0)
    assert sum(s.histogram.counts) == 100 and all(np.isfinite(s.histogram.edges))
    assert s.histogram.counts[0] == 10 and s.histogram.counts[-1] == 10
    assert s.percentiles["1"] == -1e100 and s.percentiles["99"] == 1e100
    assert s.percentiles["50"] == pytest.approx(39.5)


def _huge_book(path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"] = 2.0
    ws["B1"] = "=A1*0+1E17"     # depends on the input, but every trial gives 1e17
    ws["B2"] = "=1E308"          # depends on nothing
    ws["B3"] = "=A1*1E100"       # varies, beyond float32's range
    wb.save(path)
    return path


@pytest.mark.parametrize("stream", [False, True])
def test_simulating_huge_constant_outputs_gives_a_result(tmp_path, stream):
    from engine import Model, SimulationSpec, simulate

    model = Model.open(_huge_book(tmp_path / "huge.xlsx"))
    spec = SimulationSpec.from_dict({
        "inputs": [{"cell": "S!A1", "distribution": "triangular",
                    "params": {"min": 1, "mode": 2, "max": 4}}],
        "outputs": ["S!B1", "S!B2", "S!B3"], "trials": 2000, "seed": 3})
    d = simulate(model, spec, backend="numpy", stream=stream).to_dict()
    json.dumps(d, allow_nan=False)
    b1, b2, b3 = (d["outputs"][f"S!B{i}"] for i in (1, 2, 3))
    assert b1["constant"] and b1["mean"] == 1e17 and b1["std"] == 0.0
    assert b2["constant"] and b2["percentiles"]["50"] == 1e308
    assert not b3["constant"] and 1e100 < b3["mean"] < 4e100 and b3["std"] > 1e99
    assert sum(b3["histogram"]["counts"]) == 2000


# ----------------------------------------------------------- fast paths against references
def _reference_rho(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman the straightforward way: scipy's average ranks, Pearson of them."""
    rx = stats.rankdata(x) - (x.size + 1) / 2
    ry = stats.rankdata(y) - (y.size + 1) / 2
    return float(np.sum(rx * ry) / np.sqrt(np.sum(rx * rx) * np.sum(ry * ry)))


@pytest.mark.parametrize("ties", [False, True])
def test_centred_ranks_equal_scipy_average_ranks_exactly(ties):
    from engine.results import _centred_ranks_sorted, _sort_one

    rng = np.random.default_rng(3)
    x = rng.normal(size=20_001)
    if ties:
        x = np.round(x, 1)
    keep = rng.random(x.size) < 0.7
    for mask in (None, keep):
        sub = x if mask is None else x[mask]
        r, norm = _centred_ranks_sorted(*_sort_one(x), x.size, mask)
        expected = stats.rankdata(sub) - stats.rankdata(sub).mean()
        np.testing.assert_array_equal(r if mask is None else r[mask], expected)
        if mask is not None:
            assert not r[~mask].any()  # trials left out count for nothing
        assert norm == pytest.approx(np.sqrt(np.sum(expected ** 2)), rel=1e-15)


def test_sensitivity_over_ok_trials_sorts_each_input_once(monkeypatch):
    """One run's inputs are sorted once for all outputs, those with error trials and NaN
    included; each correlation equals the reference over the output's good trials."""
    from engine.results import input_ranks

    rng = np.random.default_rng(5)
    n = 30_000
    inputs = {"A": rng.normal(size=n), "B": np.round(rng.normal(size=n), 1),
              "C": rng.lognormal(size=n)}
    base = inputs["A"] + 0.5 * inputs["B"] - inputs["C"]
    outputs = {"all ok": base, "ties": np.round(base, 0),
               "errors": base.copy(), "nan": base.copy()}
    errors = {k: np.zeros(n, dtype=bool) for k in outputs}
    errors["errors"] = rng.random(n) < 0.1
    outputs["nan"][rng.random(n) < 0.05] = np.nan  # non-finite trials count as errors
    sorts = []
    real_argsort = np.argsort
    monkeypatch.setattr(np, "argsort", lambda a, *k, **kw: sorts.append(1) or real_argsort(a, *k, **kw))
    shared = input_ranks(inputs)
    got = {name: sensitivity(inputs, y, shared, ok=~errors[name]) for name, y in outputs.items()}
    assert len(sorts) == len(inputs) + len(outputs)
    monkeypatch.setattr(np, "argsort", real_argsort)
    for name, y in outputs.items():
        good = ~errors[name] & np.isfinite(y)
        for k, x in inputs.items():
            assert got[name][k].spearman == pytest.approx(_reference_rho(x[good], y[good]),
                                                          abs=1e-13), (name, k)
        assert got[name] == sensitivity({k: x[good] for k, x in inputs.items()}, y[good])


def test_convergence_across_blocks_equals_running_mean(monkeypatch):
    import engine.results as results

    monkeypatch.setattr(results, "_BLOCK", 997)  # many blocks, marks inside and on their ends
    x = 100.0 + RNG.normal(0, 3, size=25_000)
    c = results.convergence(x)
    k = np.asarray(c.trials)
    csum = np.cumsum(x)[k - 1]
    np.testing.assert_allclose(c.mean, csum / k, rtol=1e-13)
    sd = np.array([x[:j].std(ddof=1) for j in k])
    np.testing.assert_allclose(c.half_width, 1.959963984540054 * sd / np.sqrt(k), rtol=1e-9)


def test_sorted_percentiles_and_histogram_equal_numpy_bit_for_bit():
    from engine.results import _sorted_percentiles

    rng = np.random.default_rng(8)
    for i in range(60):
        x = rng.lognormal(2, 1.5, size=int(rng.integers(2, 30_000))) * (-1) ** i
        if i % 3 == 0:
            x = np.round(x)  # ties, and values on the bin edges
        xs = np.sort(x)
        np.testing.assert_array_equal(_sorted_percentiles(xs, PERCENTILES),
                                      np.percentile(x, PERCENTILES))
        for bins in (7, 200):
            fast = histogram(xs, max_bins=bins, iqr=1.0, presorted=True)
            slow = histogram(x, max_bins=bins, iqr=1.0)
            assert fast == slow
            expected = np.histogram(x, bins=len(slow.counts), range=(x.min(), x.max()))[0]
            assert fast.counts == list(expected)


def test_sensitivity_of_a_large_run_uses_every_kth_trial_and_says_how_many():
    from engine.results import SENSITIVITY_MAX

    n = 2 * SENSITIVITY_MAX + 7  # stride 3: trials 0, 3, 6, ...
    rng = np.random.default_rng(2)
    inputs = {"A": rng.normal(size=n), "B": np.round(rng.normal(size=n), 1)}
    y = inputs["A"] - inputs["B"] ** 2
    ok = rng.random(n) > 0.02
    got = sensitivity(inputs, y, ok=ok)
    sub = ok[::3]
    for name, x in inputs.items():
        assert got[name].trials == int(sub.sum()) <= SENSITIVITY_MAX
        assert got[name].spearman == pytest.approx(
            _reference_rho(x[::3][sub], y[::3][sub]), abs=1e-13)
    full = sensitivity(inputs, y, ok=ok, max_trials=None)
    assert full["A"].trials == int(ok.sum())
    assert abs(full["A"].spearman - got["A"].spearman) < 0.01
    summary = summarize_output(y[ok], int((~ok).sum()))
    summary.sensitivity = got
    assert summary.to_dict()["sensitivity_trials"] == int(sub.sum())
