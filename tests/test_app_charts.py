"""mcdesk.app.charts: the numbers each figure draws, checked against the result."""

from __future__ import annotations

import numpy as np
import pytest

from engine.model import Model
from engine.results import OutputSummary, Sensitivity, SimulationResult
from engine.simulate import simulate
from engine.spec import InputSpec, SimulationSpec
from mcdesk.app import charts

TRIALS = 3000


@pytest.fixture(scope="module")
def result():
    # B1 depends mostly on A1, weakly on A2; B2 errors (#DIV/0!) where A1 < 0.1
    m = Model.from_cells({"A1": 0.5, "A2": 0.0, "B1": "=A1*10+A2", "B2": "=IF(A1<0.1,1/0,A1*2)"})
    spec = SimulationSpec([InputSpec("Sheet1!A1", "uniform", {"min": 0, "max": 1}),
                           InputSpec("Sheet1!A2", "normal", {"mean": 0, "sd": 1})],
                          ["Sheet1!B1", "Sheet1!B2"], TRIALS, seed=7)
    return simulate(m, spec, backend="numpy")


def _ok(result, name):
    vals = result.samples.outputs[name]
    return vals[result.samples.errors[name] == 0]


def test_fixture_has_error_trials(result):
    s = result.outputs["Sheet1!B2"]
    assert 0 < s.errors < TRIALS and s.count + s.errors == TRIALS
    assert s.count == len(_ok(result, "Sheet1!B2"))


@pytest.mark.parametrize("name", ["Sheet1!B1", "Sheet1!B2"])
def test_histogram_bars_are_the_summary_histogram(result, name):
    s = result.outputs[name]
    fig = charts.histogram_figure(result, [name])
    bars = [t for t in fig.data if t.type == "bar"]
    assert len(bars) == 1
    bar = bars[0]
    assert sum(bar.y) == s.count  # every trial without an error, once
    assert list(bar.y) == [float(c) for c in s.histogram.counts]
    edges = np.asarray(s.histogram.edges)
    np.testing.assert_allclose(bar.x, (edges[:-1] + edges[1:]) / 2)
    np.testing.assert_allclose(bar.width, np.diff(edges))
    # the counts are those of the samples themselves
    counts, _ = np.histogram(_ok(result, name), bins=edges)
    assert list(counts) == s.histogram.counts


def test_histogram_vlines_at_mean_and_percentiles(result):
    s = result.outputs["Sheet1!B1"]
    fig = charts.histogram_figure(result, ["Sheet1!B1"])
    xs = [shape.x0 for shape in fig.layout.shapes]
    vals = _ok(result, "Sheet1!B1")
    assert xs == [s.mean, s.percentiles["5"], s.percentiles["50"], s.percentiles["95"]]
    assert xs[0] == pytest.approx(vals.mean(), rel=1e-12)
    np.testing.assert_allclose(xs[1:], np.percentile(vals, [5, 50, 95]), rtol=1e-12)
    texts = [a.text for a in fig.layout.annotations]
    assert [t.split()[0] for t in texts] == ["mean", "P5", "P50", "P95"]


def test_histogram_overlay_is_densities(result):
    fig = charts.histogram_figure(result, ["Sheet1!B1", "Sheet1!B2"])
    bars = [t for t in fig.data if t.type == "bar"]
    assert [b.name for b in bars] == ["Sheet1!B1", "Sheet1!B2"]
    for b in bars:  # each integrates to 1
        assert float(np.sum(np.asarray(b.y) * np.asarray(b.width))) == pytest.approx(1.0, rel=1e-9)
    assert not fig.layout.shapes  # no markers when overlaid


def test_cdf_points(result):
    s = result.outputs["Sheet1!B1"]
    xs, ys = charts.cdf_points(s)
    assert xs[0] == s.min and ys[0] == 0.0
    assert xs[-1] == s.max and ys[-1] == 1.0
    assert all(a <= b for a, b in zip(xs, xs[1:], strict=False))
    assert all(a < b for a, b in zip(ys, ys[1:], strict=False))
    assert xs[ys.index(0.5)] == s.percentiles["50"]
    assert s.percentiles["50"] == pytest.approx(np.median(_ok(result, "Sheet1!B1")), rel=1e-12)
    fig = charts.cdf_figure(result, ["Sheet1!B1"])
    assert list(fig.data[0].x) == xs and list(fig.data[0].y) == ys


def test_cdf_points_with_few_percentiles():
    s = OutputSummary(count=3, errors=0, mean=2.0, std=1.0, min=1.0, max=3.0,
                      percentiles={"50": 2.0, "90": 2.8, "95": None})
    assert charts.cdf_points(s) == ([1.0, 2.0, 2.8, 3.0], [0.0, 0.5, 0.9, 1.0])
    empty = OutputSummary(count=0, errors=3, mean=None, std=None, min=None, max=None,
                          percentiles={})
    assert charts.cdf_points(empty) == ([], [])


@pytest.mark.parametrize("measure", ["spearman", "contribution"])
def test_tornado_order(result, measure):
    sens = result.outputs["Sheet1!B1"].sensitivity
    fig = charts.tornado_figure(result, "Sheet1!B1", measure=measure)
    bar = fig.data[0]
    want = sorted(sens, key=lambda k: abs(getattr(sens[k], measure)))  # largest last (on top)
    assert list(bar.y) == want
    assert list(bar.x) == [getattr(sens[k], measure) for k in want]
    assert list(bar.y)[-1] == "Sheet1!A1"  # A1 drives B1 (x10)
    if measure == "contribution":
        assert sum(bar.x) == pytest.approx(1.0)


def test_tornado_top_keeps_the_largest(result):
    fig = charts.tornado_figure(result, "Sheet1!B1", top=1)
    assert list(fig.data[0].y) == ["Sheet1!A1"]


def test_tornado_colours_negative_correlations():
    s = OutputSummary(count=10, errors=0, mean=0.0, std=1.0, min=-1.0, max=1.0, percentiles={},
                      sensitivity={"X!A1": Sensitivity(-0.8, 0.64 / 0.65), "X!A2": Sensitivity(0.1, 0.01 / 0.65)})
    r = SimulationResult(10, 1, "numpy", "mc", 0.0, 0.0, {"X!B1": s})
    bar = charts.tornado_figure(r, "X!B1").data[0]
    assert list(bar.y) == ["X!A2", "X!A1"]
    assert list(bar.marker.color) == ["#1f77b4", "#d62728"]


@pytest.mark.parametrize("max_points", [100, 1000, 2000, 2999, 5000])
def test_scatter_subset_is_real_samples(result, max_points):
    fig = charts.scatter_figure(result, "Sheet1!A1", "Sheet1!B2", max_points=max_points)
    x, y = np.asarray(fig.data[0].x), np.asarray(fig.data[0].y)
    assert 0 < len(x) == len(y) <= max_points
    xin = result.samples.inputs["Sheet1!A1"]
    yout = result.samples.outputs["Sheet1!B2"]
    # each point is one trial's (input, output) pair, never an error trial
    index = {float(v): k for k, v in enumerate(xin)}
    for a, b in zip(x, y, strict=True):
        k = index[float(a)]
        assert yout[k] == b and np.isfinite(b)


def test_scatter_keeps_every_trial_below_the_limit(result):
    fig = charts.scatter_figure(result, "Sheet1!A1", "Sheet1!B1", max_points=10_000)
    assert len(fig.data[0].x) == TRIALS
    np.testing.assert_array_equal(fig.data[0].x, result.samples.inputs["Sheet1!A1"])


def test_convergence_band(result):
    c = result.outputs["Sheet1!B1"].convergence
    fig = charts.convergence_figure(result, "Sheet1!B1")
    band, mean = fig.data
    t = np.asarray(c.trials, dtype=float)
    m, h = np.asarray(c.mean), np.asarray(c.half_width)
    np.testing.assert_array_equal(mean.x, t)
    np.testing.assert_array_equal(mean.y, m)
    np.testing.assert_array_equal(band.x, np.concatenate([t, t[::-1]]))
    np.testing.assert_array_equal(band.y, np.concatenate([m + h, (m - h)[::-1]]))
    # the last point is the mean over every trial
    assert c.trials[-1] == TRIALS and m[-1] == pytest.approx(result.outputs["Sheet1!B1"].mean, rel=1e-12)


@pytest.mark.parametrize("target", [-100.0, 0.7, 2.5, 5.0, 9.9, 100.0])
def test_exceedance_from_samples(result, target):
    for name in ("Sheet1!B1", "Sheet1!B2"):
        vals = _ok(result, name)
        want = sum(1 for v in vals if v > target) / len(vals)
        assert charts.exceedance(result, name, target) == want


def test_exceedance_from_percentiles_when_no_samples():
    s = OutputSummary(count=100, errors=0, mean=50.0, std=10.0, min=0.0, max=100.0,
                      percentiles={"10": 10.0, "50": 50.0, "90": 90.0})
    r = SimulationResult(100, 1, "numpy", "mc", 0.0, 0.0, {"X!B1": s}, samples=None)
    assert charts.exceedance(r, "X!B1", 50.0) == pytest.approx(0.5)
    assert charts.exceedance(r, "X!B1", 30.0) == pytest.approx(0.7)   # between P10 and P50
    assert charts.exceedance(r, "X!B1", 95.0) == pytest.approx(0.05)  # between P90 and max
    assert charts.exceedance(r, "X!B1", -1.0) == 1.0
    assert charts.exceedance(r, "X!B1", 101.0) == 0.0
    none = OutputSummary(count=0, errors=5, mean=None, std=None, min=None, max=None, percentiles={})
    r2 = SimulationResult(5, 1, "numpy", "mc", 0.0, 0.0, {"X!B1": none}, samples=None)
    assert charts.exceedance(r2, "X!B1", 1.0) is None


def test_short_number():
    assert charts.short_number(1234567.8) == "1,234,568"
    assert charts.short_number(-2500) == "-2,500"
    assert charts.short_number(3.14159) == "3.142"
    assert charts.short_number(0.000123456) == "0.0001235"


def test_histogram_labels_never_overlap(result):
    # B1 = 10*U(0,1) + N(0,1): symmetric, so its mean and P50 are a hair apart
    s = result.outputs["Sheet1!B1"]
    assert abs(s.mean - s.percentiles["50"]) < 0.02 * (s.max - s.min)
    fig = charts.histogram_figure(result, ["Sheet1!B1"])
    notes = [(a.text, a.x, a.y) for a in fig.layout.annotations]
    assert [t.split()[0] for t, _, _ in notes] == ["mean", "P5", "P50", "P95"]
    assert all(a.textangle in (None, 0) for a in fig.layout.annotations)  # written across
    gap = charts.LABEL_GAP * (s.max - s.min)
    for i, (_, x1, y1) in enumerate(notes):
        for _, x2, y2 in notes[i + 1:]:
            assert y1 != y2 or abs(x1 - x2) >= gap  # on one row only when far enough apart
    rows = {y for _, _, y in notes}
    assert len(rows) == 2  # mean and P50 on two rows; P5 and P95 share the first
    assert fig.layout.yaxis.domain[1] < 1.0  # the bars leave room for the second row


def test_label_rows():
    assert charts.label_rows([5.0, 0.0, 5.1, 10.0], 1.0) == [0, 0, 1, 0]
    assert charts.label_rows([], 1.0) == []


def _tornado_result() -> SimulationResult:
    sens = {"X!A1": Sensitivity(-0.8, 0.64 / 0.65), "X!A2": Sensitivity(0.1, 0.01 / 0.65),
            "X!A3": Sensitivity(0.0, 0.0), "X!A4": Sensitivity(0.003, 0.00001)}
    s = OutputSummary(count=10, errors=0, mean=0.0, std=1.0, min=-1.0, max=1.0, percentiles={},
                      sensitivity=sens)
    return SimulationResult(10, 1, "numpy", "mc", 0.0, 0.0, {"X!B1": s})


def test_tornado_leaves_out_inputs_without_effect():
    r = _tornado_result()  # A3 constant (correlation exactly 0), A4 read by no formula of B1
    items, idle = charts.tornado_items(r, "X!B1", without_effect=["X!A4"])
    assert [k for k, _ in items] == ["X!A1", "X!A2"] and idle == ["X!A3", "X!A4"]
    bar = charts.tornado_figure(r, "X!B1", without_effect=["X!A4"]).data[0]
    assert list(bar.y) == ["X!A2", "X!A1"] and "+0.00" not in list(bar.text)


def test_tornado_values_sit_inside_the_plot_not_over_the_names():
    fig = charts.tornado_figure(_tornado_result(), "X!B1")
    bar = fig.data[0]
    assert bar.textposition == "outside"
    lo, hi = fig.layout.xaxis.range
    assert lo <= -1.25 * 0.8 and hi >= 1.25 * 0.8  # room beyond the longest bar on each side
    assert fig.layout.yaxis.automargin is True


def test_charts_show_names_beside_addresses():
    r = _tornado_result()
    labels = {"X!B1": "Net present value", "X!A1": "PV modules", "X!A2": "Grid connection"}
    fig = charts.tornado_figure(r, "X!B1", without_effect=["X!A4"], labels=labels)
    assert list(fig.data[0].y) == ["Grid connection", "PV modules"]  # largest on top
    assert list(fig.data[0].customdata) == ["X!A2", "X!A1"]  # the address on hover
    assert fig.layout.title.text == "Tornado: Net present value (X!B1)"
    # two inputs with one name keep their addresses apart; long names are cut
    assert charts.display_names(["S!A1", "S!B1", "S!C1"], {"S!A1": "PMT", "S!B1": "PMT",
                                                           "S!C1": "y" * 50}, width=10) == [
        "PMT (S!A1)", "PMT (S!B1)", "y" * 9 + "…"]


def test_plotly_is_warmed_once_in_the_background(monkeypatch):
    started = []

    class Recorder:
        def __init__(self, target, name, daemon):
            started.append((name, daemon))
            self.target = target

        def start(self):
            self.target()

    monkeypatch.setattr(charts, "_warmed", type(charts._warmed)())
    monkeypatch.setattr(charts.threading, "Thread", Recorder)
    charts.warm_in_background()
    charts.warm_in_background()
    assert started == [("mcdesk-warm-plotly", True)] and charts._warmed.is_set()
