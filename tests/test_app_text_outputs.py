"""A text output in the app without a browser: its chart is a bar per label (the shares of
the run), its statistics have a row per label (engine.text_outputs)."""

from __future__ import annotations

import pytest

from engine.model import Model
from engine.simulate import simulate
from mcdesk.app import charts
from mcdesk.app.export import LABEL_ROW, statistics_rows
from mcdesk.app.results_view import top_shares
from tests.test_text_outputs import book, spec  # noqa: F401  (the workbook fixture)


def test_text_output_charts_and_statistics_are_label_shares(book):  # noqa: F811
    result = simulate(Model.open(book), spec(trials=3_000), backend="numpy")
    a1, a2 = result.samples.inputs["S!A1"], result.samples.inputs["S!A2"]
    high = float((a1 > a2).mean())
    fig = charts.histogram_figure(result, ["S!B1"])
    (bars,) = fig.data
    assert bars.type == "bar" and "Labels of S!B1" in fig.layout.title.text
    shares = dict(zip(bars.x, bars.y, strict=True))
    assert shares == pytest.approx({"high": 100 * high, "normal": 100 * (1 - high)})
    rows = {r[0]: r[1:] for r in statistics_rows(result)}
    assert rows[LABEL_ROW + "high"][0] == pytest.approx(high)
    assert rows["text trials"][0] == 3_000 and rows["errors"][0] == 0
    assert rows[LABEL_ROW + "big"][0] is None and rows[LABEL_ROW + "big"][1] > 0   # B2's
    s = result.outputs["S!B1"]
    first = max(("high", high), ("normal", 1 - high), key=lambda kv: kv[1])
    assert top_shares(s).startswith(f"{first[0]} {first[1]:.1%}")
    # a mix of numbers and text keeps its histogram of the numbers
    assert charts.histogram_figure(result, ["S!B2"]).data[0].width is not None


def test_samples_csv_export_holds_the_text(book):  # noqa: F811
    import csv
    import io

    from mcdesk.app.export import samples_csv

    result = simulate(Model.open(book), spec(trials=50), backend="numpy")
    rows = list(csv.reader(io.StringIO(samples_csv(result).decode())))
    assert rows[0] == ["S!A1", "S!A2", *[f"S!B{k}" for k in range(1, 6)]]
    a1 = result.samples.inputs["S!A1"]
    a2 = result.samples.inputs["S!A2"]
    assert [r[2] for r in rows[1:]] == ["high" if x > y else "normal"
                                        for x, y in zip(a1, a2, strict=True)]
    assert [float(r[0]) for r in rows[1:]] == a1.tolist()   # numbers round-trip
    assert {r[5] for r in rows[1:]} <= {"Q1", "Q2", "Q3"}
