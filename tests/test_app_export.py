"""mcdesk.app.export: statistics and samples as CSV / XLSX, values equal to the result's."""

from __future__ import annotations

import csv
import io

import numpy as np
import openpyxl
import pytest

from engine.model import Model
from engine.simulate import simulate
from engine.spec import InputSpec, SimulationSpec
from mcdesk.app import export

TRIALS = 400
OUTS = ["Sheet1!B1", "Sheet1!B2"]
PERCENTILES = ["1", "5", "10", "25", "50", "75", "90", "95", "99"]


@pytest.fixture(scope="module")
def result():
    m = Model.from_cells({"A1": 0.5, "A2": 1.0, "B1": "=A1*3+A2", "B2": "=IF(A1<0.2,1/0,A1/3)"})
    spec = SimulationSpec([InputSpec("Sheet1!A1", "uniform", {"min": 0, "max": 1}),
                           InputSpec("Sheet1!A2", "normal", {"mean": 1, "sd": 0.5})],
                          OUTS, TRIALS, seed=3)
    return simulate(m, spec, backend="numpy")


def _expected_column(s) -> list:
    return [s.count, s.errors, s.mean, s.std, s.min, *[s.percentiles[p] for p in PERCENTILES], s.max]


def test_statistics_rows(result):
    rows = export.statistics_rows(result)
    assert rows[0] == ["statistic", *OUTS]
    assert [r[0] for r in rows[1:]] == ["trials ok", "errors", "mean", "std", "min",
                                        *[f"P{p}" for p in PERCENTILES], "max"]
    for j, name in enumerate(OUTS, 1):
        assert [r[j] for r in rows[1:]] == _expected_column(result.outputs[name])


def test_statistics_are_the_samples_statistics(result):
    rows = {r[0]: r[1:] for r in export.statistics_rows(result)}
    for j, name in enumerate(OUTS):
        ok = result.samples.outputs[name][result.samples.errors[name] == 0]
        assert rows["trials ok"][j] == len(ok) and rows["errors"][j] == TRIALS - len(ok)
        assert rows["mean"][j] == pytest.approx(ok.mean(), rel=1e-12)
        assert rows["std"][j] == pytest.approx(ok.std(ddof=1), rel=1e-10)
        assert rows["min"][j] == ok.min() and rows["max"][j] == ok.max()
        assert rows["P50"][j] == pytest.approx(np.median(ok), rel=1e-12)
    assert rows["errors"][1] > 0  # B2 has error trials


def test_statistics_csv_exact(result):
    text = export.statistics_csv(result).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["statistic", *OUTS]
    for j, name in enumerate(OUTS, 1):
        got = [float(r[j]) for r in rows[1:]]
        assert got == [float(v) for v in _expected_column(result.outputs[name])]  # repr: exact
    assert rows[1][1] == str(TRIALS)  # counts as integers


def test_statistics_csv_blank_for_missing(result):
    from dataclasses import replace

    s = replace(result.outputs["Sheet1!B1"], percentiles={**result.outputs["Sheet1!B1"].percentiles,
                                                          "99": None})
    r = replace(result, outputs={"Sheet1!B1": s})
    rows = list(csv.reader(io.StringIO(export.statistics_csv(r).decode())))
    assert {row[0]: row[1] for row in rows}["P99"] == ""


def test_samples_csv_round_trip(result):
    data = export.samples_csv(result)
    header, _, body = data.decode().partition("\n")
    names = ["Sheet1!A1", "Sheet1!A2", *OUTS]
    assert header.split(",") == names
    mat = np.loadtxt(io.StringIO(body), delimiter=",")
    assert mat.shape == (TRIALS, 4)
    cols = {**result.samples.inputs, **result.samples.outputs}
    for k, name in enumerate(names):
        np.testing.assert_array_equal(mat[:, k], cols[name])  # bit for bit, NaN where an error
    assert np.isnan(mat[:, 3]).sum() == result.outputs["Sheet1!B2"].errors


def test_samples_csv_without_samples(result):
    from dataclasses import replace

    assert export.samples_csv(replace(result, samples=None)) == b"\n"


def _sheet_rows(data: bytes, title: str) -> list[tuple]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return list(wb[title].iter_rows(values_only=True))


def test_workbook_xlsx(result):
    data = export.workbook_xlsx(result)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Statistics", "Samples"]
    stats = list(wb["Statistics"].iter_rows(values_only=True))
    want = export.statistics_rows(result)
    assert [r[0] for r in stats] == [r[0] for r in want] and stats[0] == tuple(want[0])
    # openpyxl writes numbers with 16 significant digits: equal to about one part in 1e16
    np.testing.assert_allclose(np.array([r[1:] for r in stats[1:]], dtype=float),
                               np.array([r[1:] for r in want[1:]], dtype=float), rtol=2e-16 * 8)
    samples = list(wb["Samples"].iter_rows(values_only=True))
    names = ["Sheet1!A1", "Sheet1!A2", *OUTS]
    assert list(samples[0]) == names
    assert len(samples) == TRIALS + 1
    cols = {**result.samples.inputs, **result.samples.outputs}
    for k, name in enumerate(names):
        got = np.array([np.nan if r[k] is None else r[k] for r in samples[1:]], dtype=float)
        assert np.array_equal(np.isnan(got), np.isnan(cols[name]))  # errors as empty cells
        np.testing.assert_allclose(got, cols[name], rtol=2e-16 * 8)


def test_workbook_xlsx_max_rows(result):
    samples = _sheet_rows(export.workbook_xlsx(result, max_rows=25), "Samples")
    assert len(samples) == 26
    np.testing.assert_allclose([r[0] for r in samples[1:]], result.samples.inputs["Sheet1!A1"][:25],
                               rtol=2e-16 * 8)
    stats = _sheet_rows(export.workbook_xlsx(result, max_rows=25), "Statistics")
    assert stats[1] == ("trials ok", *[result.outputs[n].count for n in OUTS])  # all trials


def test_workbook_xlsx_without_samples(result):
    from dataclasses import replace

    data = export.workbook_xlsx(replace(result, samples=None))
    assert _sheet_rows(data, "Samples") in ([], [()])
    assert len(_sheet_rows(data, "Statistics")) == 2 + 5 + len(PERCENTILES)


def test_xlsx_stream_round_trip(tmp_path):
    """mcdesk.app.xlsx_stream: numbers read back bit for bit (shortest round-trip text),
    NaN as an empty cell, text escaped, by openpyxl."""
    from mcdesk.app.xlsx_stream import number_rows, value_rows, write_workbook

    x = np.array([1e-300, -0.0, 1.7976931348623157e308, 0.1 + 0.2, np.nan, -123456.789])
    y = np.arange(6, dtype=float)
    path = tmp_path / "t.xlsx"
    write_workbook(path, [("A & <b>", value_rows([["x & y", 'say "hi"', None, 3, True]])),
                          ("Numbers", [number_rows([x, y]), number_rows([x[:2], y[:2]])])])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["A & <b>", "Numbers"]
    assert next(wb["A & <b>"].iter_rows(values_only=True)) == ("x & y", 'say "hi"', None, 3, True)
    rows = list(wb["Numbers"].iter_rows(values_only=True))
    assert len(rows) == 8
    got = np.array([np.nan if r[0] is None else r[0] for r in rows[:6]])
    np.testing.assert_array_equal(got, x)  # bit for bit; NaN where the cell is empty
    assert [r[1] for r in rows[:6]] == list(y)
