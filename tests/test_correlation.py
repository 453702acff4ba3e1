"""Correlated inputs: a Gaussian copula on the keyed streams reproduces target rank
correlations, gives the same numbers whatever the chunk size or backend, and a matrix that
is not positive semi-definite is repaired with the change reported."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from engine.backends.numpy import NumpyBackend
from engine.correlation import check_matrix, copula_factor, nearest_correlation
from engine.distributions import make_distribution
from engine.errors import SpecError
from engine.model import Model
from engine.sampling import Sampling, draw
from engine.simulate import prepare, run_job
from engine.spec import (
    CorrelationSpec,
    InputSpec,
    SimulationSpec,
    parse_correlate_args,
    parse_input_arg,
)

CELLS = [f"Sheet1!A{i}" for i in range(1, 6)]
TARGET = [[1.0, 0.8, -0.5, 0.3, 0.0],
          [0.8, 1.0, -0.3, 0.2, 0.1],
          [-0.5, -0.3, 1.0, 0.0, -0.2],
          [0.3, 0.2, 0.0, 1.0, 0.4],
          [0.0, 0.1, -0.2, 0.4, 1.0]]
DISTS = ["triangular(1,2,4)", "normal(10,2)", "lognormal(5,1.5)", "pert(0,1,5)",
         "gamma(2,3; truncate=(1,20); shift=1)"]


def model() -> Model:
    cells = {f"A{i}": 1.0 for i in range(1, 6)}
    cells["B1"] = "=A1+A2+A3+A4+A5"
    return Model.from_cells(cells)


def spec(trials: int = 100_000, matrix=TARGET, sampling=Sampling.MC) -> SimulationSpec:
    inputs = [parse_input_arg(f"{c}={d}") for c, d in zip(CELLS, DISTS, strict=True)]
    return SimulationSpec(inputs=inputs, outputs=["Sheet1!B1"], trials=trials, seed=42,
                          sampling=sampling,
                          correlations=[CorrelationSpec(list(CELLS), [list(r) for r in matrix])])


def samples(backend, chunk: int, s: SimulationSpec | None = None) -> dict[str, np.ndarray]:
    job = prepare(model(), s or spec())
    got, _ = run_job(job, backend, chunk_size=chunk, stream=False)
    return {str(k): np.asarray(v) for k, v in got.inputs.items()}


@pytest.fixture(scope="module")
def numpy_small_chunks() -> dict[str, np.ndarray]:
    return samples(NumpyBackend(), 1_000)


def test_target_rank_correlations_within_0_02(numpy_small_chunks):
    x = np.array([numpy_small_chunks[c] for c in CELLS])
    rho = stats.spearmanr(x, axis=1).statistic
    np.testing.assert_allclose(rho, TARGET, atol=0.02)
    # the marginals are untouched: the triangle's mean and the truncated, shifted gamma's
    assert x[0].mean() == pytest.approx(7 / 3, abs=0.01)
    assert x[4].min() >= 2.0 and x[4].max() <= 21.0


def test_same_numbers_whatever_the_chunk_size(numpy_small_chunks):
    big = samples(NumpyBackend(), 1_000_000)
    for c in CELLS:
        np.testing.assert_array_equal(big[c], numpy_small_chunks[c])


def test_same_numbers_on_numba(numpy_small_chunks):
    pytest.importorskip("numba")
    from engine.backends.numba import NumbaBackend

    got = samples(NumbaBackend(threads=2), 10_000)
    for c in CELLS:
        np.testing.assert_array_equal(got[c], numpy_small_chunks[c])


def test_the_output_sees_the_correlation():
    job = prepare(model(), spec(20_000))
    got, _ = run_job(job, NumpyBackend(), stream=False)
    total = np.asarray(next(iter(got.outputs.values())))
    x = np.array([np.asarray(v) for v in got.inputs.values()])
    np.testing.assert_allclose(total, x.sum(axis=0), rtol=1e-12)
    # positive correlation of the two largest spreads widens the sum: var > sum of vars
    assert total.var() > x.var(axis=1).sum()


def test_latin_hypercube_with_the_copula():
    s = spec(20_000, sampling=Sampling.LHS)
    x = samples(NumpyBackend(), 7_000, s)
    rho = stats.spearmanr(np.array([x[c] for c in CELLS]), axis=1).statistic
    np.testing.assert_allclose(rho, TARGET, atol=0.03)
    # the group's first input keeps one trial per stratum (its copula row is (1,))
    u = make_distribution("triangular", {"min": 1, "mode": 2, "max": 4}, "A1").cdf(x[CELLS[0]])
    assert np.array_equal(np.sort(np.floor(u * 20_000)), np.arange(20_000))


def test_non_psd_matrix_is_repaired_and_reported():
    bad = [[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]]
    assert np.linalg.eigvalsh(bad).min() < 0
    cells = CELLS[:3]
    inputs = [parse_input_arg(f"{c}=normal(0,1)") for c in cells]
    s = SimulationSpec(inputs=inputs, outputs=["Sheet1!B1"], trials=50_000, seed=3,
                       correlations=[CorrelationSpec(list(cells), bad)])
    corr = s.correlations[0]
    used = np.array(corr.used)
    assert np.linalg.eigvalsh(used).min() > -1e-9
    np.testing.assert_allclose(np.diag(used), 1.0)
    assert corr.max_change == pytest.approx(np.abs(used - np.array(bad)).max())
    assert 0.1 < corr.max_change < 0.9
    assert s.correlation_adjustments == [{"inputs": cells, "max_change": corr.max_change,
                                          "used": corr.used}]
    x = samples(NumpyBackend(), 50_000, s)
    rho = stats.spearmanr(np.array([x[c] for c in cells]), axis=1).statistic
    np.testing.assert_allclose(rho, used, atol=0.02)


def test_nearest_correlation_leaves_a_valid_matrix_alone_and_fixes_a_known_one():
    ok = np.array(TARGET)
    assert nearest_correlation(ok) is ok
    # Higham (2002), section 4: the nearest correlation matrix to this one
    a = np.array([[2.0, -1, 0, 0], [-1, 2, -1, 0], [0, -1, 2, -1], [0, 0, -1, 2]])
    np.fill_diagonal(a, 1.0)
    near = nearest_correlation(a)
    want = np.array([[1.0000, -0.8084, 0.1916, 0.1068],
                     [-0.8084, 1.0000, -0.6562, 0.1916],
                     [0.1916, -0.6562, 1.0000, -0.8084],
                     [0.1068, 0.1916, -0.8084, 1.0000]])
    np.testing.assert_allclose(near, want, atol=2e-4)


def test_perfect_correlation_factors_without_failing():
    plan = copula_factor(np.array([[1.0, 1.0], [1.0, 1.0]]))
    assert plan.factor == [[1.0, 0.0], [1.0, 0.0]]


@pytest.mark.parametrize(("matrix", "message"), [
    ([[1, 0.5], [0.4, 1]], "must be symmetric"),
    ([[1, 0.5], [0.5, 0.9]], "the diagonal must be 1"),
    ([[1, 1.5], [1.5, 1]], "is outside [-1, 1]"),
    ([[1, 0.5, 0], [0.5, 1, 0]], "must be 2 x 2"),
    ([[1, "x"], ["x", 1]], "must be a number"),
])
def test_matrix_errors_name_the_entry(matrix, message):
    with pytest.raises(SpecError) as info:
        check_matrix(matrix, ["A!B1", "A!B2"], "correlations[0]")
    assert str(info.value).startswith("correlations[0]: ")
    assert message in str(info.value)


def test_spec_errors():
    a, b, c = (InputSpec(f"Sheet1!A{i}", "normal", {"mean": 0, "sd": 1}) for i in (1, 2, 3))
    with pytest.raises(SpecError, match=r"correlations\[0\]: Sheet1!A9 is not an input"):
        SimulationSpec(inputs=[a, b], outputs=[],
                       correlations=[CorrelationSpec(["Sheet1!A1", "Sheet1!A9"],
                                                     [[1, 0], [0, 1]])])
    with pytest.raises(SpecError,
                       match=r"correlations\[1\]: sheet1!\$A\$1 is already in correlations\[0\]"):
        SimulationSpec(inputs=[a, b, c], outputs=[], correlations=[
            CorrelationSpec(["Sheet1!A1", "Sheet1!A2"], [[1, 0.5], [0.5, 1]]),
            CorrelationSpec(["sheet1!$A$1", "Sheet1!A3"], [[1, 0.5], [0.5, 1]])])


def test_spec_json_round_trip():
    s = spec(1000)
    again = SimulationSpec.from_dict(s.to_dict())
    assert again.to_dict() == s.to_dict()
    assert s.to_dict()["correlations"] == [{"inputs": CELLS, "matrix": TARGET}]
    assert s.to_dict()["inputs"][4]["truncate"] == {"min": 1.0, "max": 20.0}
    with pytest.raises(SpecError, match=r"correlations\[0\] needs inputs"):
        SimulationSpec.from_dict({"inputs": [], "correlations": [{"matrix": []}]})


def test_correlate_arguments(tmp_path):
    groups = parse_correlate_args(["Sheet1!A1,Sheet1!A2=0.8", "Sheet1!A1, Sheet1!A3=-0.5"])
    assert len(groups) == 1
    assert groups[0].inputs == ["Sheet1!A1", "Sheet1!A2", "Sheet1!A3"]
    assert groups[0].matrix == [[1, 0.8, -0.5], [0.8, 1, 0], [-0.5, 0, 1]]
    f = tmp_path / "m.csv"
    f.write_text("Sheet1!A4,Sheet1!A5\n1,0.3\n0.3,1\n")
    both = parse_correlate_args(["Sheet1!A1,Sheet1!A2=0.8", str(f)])
    assert [g.inputs for g in both] == [["Sheet1!A1", "Sheet1!A2"], ["Sheet1!A4", "Sheet1!A5"]]
    assert both[1].matrix == [[1.0, 0.3], [0.3, 1.0]]
    for bad, message in [("Sheet1!A1=0.8", "write two cells"),
                         ("Sheet1!A1,Sheet1!A1=0.5", "itself"),
                         ("Sheet1!A1,Sheet1!A2=high", "'high' is not a number")]:
        with pytest.raises(SpecError, match=message):
            parse_correlate_args([bad])


def test_a_fixed_stream():
    cells = {"A1": 1.0, "A2": 1.0, "B1": "=A1-A2"}
    s = SimulationSpec(inputs=[parse_input_arg("Sheet1!A1=normal(0,1; stream=77)"),
                               parse_input_arg("Sheet1!A2=normal(0,1; stream=77)")],
                       outputs=["Sheet1!B1"], trials=5000, seed=9)
    job = prepare(Model.from_cells(cells), s)
    got, _ = run_job(job, NumpyBackend(), chunk_size=1234, stream=False)
    a, b = (np.asarray(v) for v in got.inputs.values())
    np.testing.assert_array_equal(a, b)   # one stream, the same draws
    want = make_distribution("normal", {"mean": 0, "sd": 1}, "A1").ppf(
        draw(9, 77, 0, 5000, 5000))
    np.testing.assert_array_equal(a, want)
    pytest.importorskip("numba")
    from engine.backends.numba import NumbaBackend

    got, _ = run_job(job, NumbaBackend(threads=2), chunk_size=999, stream=False)
    for v in got.inputs.values():
        np.testing.assert_array_equal(np.asarray(v), want)


def test_cli_correlate_and_properties(tmp_path, capsys):
    import json

    from openpyxl import Workbook

    from mcdesk.cli import main

    wb = Workbook()
    ws = wb.active
    ws.title = "In"
    for r in (1, 2, 3):
        ws[f"A{r}"] = 1.0
    ws["B1"] = "=A1+A2+A3"
    book = tmp_path / "m.xlsx"
    wb.save(book)
    out = tmp_path / "r.json"
    code = main(["simulate", str(book), "--input", "In!A1=normal(0,1; truncate=(-1,1))",
                 "--input", 'In!A2=normal(0,1; name="Steel"; shift=5)',
                 "--input", "In!A3=normal(0,1)", "--output", "In!B1", "--trials", "2000",
                 "--backend", "numpy", "--correlate", "In!A1,In!A2=0.9",
                 "--correlate", "In!A2,In!A3=0.9", "--correlate", "In!A1,In!A3=-0.9",
                 "--json", str(out), "--quiet"])
    assert code == 0
    err = capsys.readouterr().err
    assert "the correlation matrix of In!A1, In!A2, In!A3 is not positive semi-definite" in err
    data = json.loads(out.read_text())
    adj = data["correlation_adjustments"]
    assert adj[0]["inputs"] == ["In!A1", "In!A2", "In!A3"] and adj[0]["max_change"] > 0.1
    assert data["outputs"]["In!B1"]["mean"] == pytest.approx(5.0, abs=0.15)
