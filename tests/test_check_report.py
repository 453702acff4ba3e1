"""What ``check`` says first about a workbook's cached values, and how it counts: nothing to
compare, placeholder caches, manual mode, external links, pivot tables, near-zero sums."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.check import check_model, notes, same_value, summary
from engine.model import Model
from engine.workbook import Cell, ExternalLink, Sheet, Workbook
from mcdesk.cli import main
from tests.xlsx_xml import write_xlsx

# NPV(10%, -1000, 1100): the flows cancel.  Excel cached 6e-12 for such a cell (issue 12.11),
# we compute 1.1e-13: both zero to the precision of terms of 1,000.
CELLS = {"A1": -1000.0, "A2": 1100.0, "A3": 0.1,
         "B1": ("NPV(A3,A1:A2)", 6e-12), "B2": ("A1*2", -2000.0), "B3": ("A2+A3", 1100.1)}


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_nothing_compared_is_said_with_the_reason(make_book, capsys):
    book = make_book({"Sheet1!A1": 2.0, "Sheet1!A2": "=A1*3"})  # openpyxl writes no cached value
    code, out, _ = run(["check", book], capsys)
    assert code == 0
    assert "nothing could be compared" in out and "no cached values" in out
    assert "100.00%" not in out and "0 with a cached value" not in out
    report = check_model(Model.open(book))
    assert report.match_ratio is None and report.not_compared == {"no cached value": 1}


def test_cancelling_terms_count_as_equal_and_say_so(tmp_path, capsys):
    book = write_xlsx(tmp_path / "npv.xlsx", CELLS)
    report = check_model(Model.open(book))
    assert (report.compared, report.matches_cached, report.mismatch_count) == (3, 3, 0)
    (c,) = report.cancellations
    assert c.cell == "Sheet1!B1" and c.expected == 6e-12 and abs(c.got) < 1e-12
    assert "near-zero cancellation" in c.reason and "1100" in c.reason
    report_json = tmp_path / "r.json"
    code, out, _ = run(["check", book, "--json", report_json], capsys)
    assert "near-zero cancellations counted as equal: 1" in out
    assert json.loads(report_json.read_text())["cancellations"][0]["cell"] == "Sheet1!B1"


def test_a_small_value_beside_small_terms_is_still_a_mismatch(tmp_path):
    # terms of 1e-3: a cancellation would leave below 1e-12; 5e-12 vs 0 is a real difference
    book = write_xlsx(tmp_path / "small.xlsx", {"A1": 0.001, "A2": 0.001,
                                                "B1": ("A1-A2", 5e-12)})
    report = check_model(Model.open(book))
    assert report.mismatch_count == 1 and not report.cancellations
    assert same_value(5e-12, 0.0, terms=1e-3) is False
    assert same_value(6e-12, -2e-15, terms=1100.0) is True


def test_placeholder_caches_are_said_first_and_counted_apart(tmp_path, capsys):
    cells = {**CELLS, "B2": ("A1*2", 0.0)}  # a script's placeholder: 0 where Excel gives -2000
    book = write_xlsx(tmp_path / "script.xlsx", cells, calc={"fullCalcOnLoad": "1"})
    report_json = tmp_path / "r.json"
    code, out, _ = run(["check", book, "--json", report_json], capsys)
    assert code == 0
    first = out.splitlines()[0]
    assert 'fullCalcOnLoad="1"' in first and "not Excel's answers" in first
    data = json.loads(report_json.read_text())
    assert data["cached_values_trusted"] is False and data["calc"]["full_calc_on_load"] is True
    assert (data["compared"], data["compared_untrusted"], data["matches_untrusted"]) == (0, 3, 2)
    assert "3 compared with untrusted caches, 2 agree" in out


def test_manual_calculation_mode_is_said_first(tmp_path, capsys):
    book = write_xlsx(tmp_path / "manual.xlsx", CELLS, calc={"calcMode": "manual"})
    code, out, _ = run(["check", book], capsys)
    assert out.splitlines()[0].startswith("manual calculation mode: the cached values may be stale")
    report = check_model(Model.open(book))
    assert report.cached_values_trusted is False and report.compared_untrusted == 3


def _linked_model(formulas: dict[tuple[int, int], str]) -> Model:
    """Main's formulas over Prices.xlsx ([1], sheet Data cached) and Costs.xlsx ([2])."""
    sheets = {"Main": Sheet("Main"), "[1]Data": Sheet("[1]Data", external="Prices.xlsx"),
              "[2]Costs": Sheet("[2]Costs", external="Costs.xlsx")}
    for sheet, (r, c), v in (("[1]Data", (1, 1), 4.0), ("[1]Data", (2, 1), 6.0),
                             ("[2]Costs", (2, 2), 9.0)):
        sheets[sheet].cells[(r, c)] = Cell(value=v)
        sheets[sheet].max_row, sheets[sheet].max_col = max(sheets[sheet].max_row, r), 2
    for (r, c), f in formulas.items():
        sheets["Main"].cells[(r, c)] = Cell(formula=f)
        sheets["Main"].max_row, sheets["Main"].max_col = max(sheets["Main"].max_row, r), 2
    links = {1: ExternalLink(1, "file:///C:/data/Prices.xlsx", ("Data",), {"RATE": "[1]Data!$A$2"}),
             2: ExternalLink(2, "Costs.xlsx", ("Costs",), {})}
    return Model(Workbook(Path("<memory>"), sheets, {}, externals=links, has_pivot_tables=True))


def test_external_links_and_pivot_tables_are_listed():
    model = _linked_model({(1, 1): "=[1]Data!A1*2", (2, 1): "=SUM([1]Data!A1:A2)+[1]!Rate",
                           (3, 1): "='[Prices.xlsx]Data'!A2", (4, 1): "=[2]Costs!B2+1",
                           (5, 1): "=1+1"})
    report = check_model(model)
    assert report.external_links == [
        {"index": 1, "target": "file:///C:/data/Prices.xlsx", "cells": 3},
        {"index": 2, "target": "Costs.xlsx", "cells": 1}]
    lines = notes(report)
    assert lines[0] == ("external link [1] file:///C:/data/Prices.xlsx: 3 formula cells use the "
                        "values Excel cached from it")
    assert lines[1] == ("external link [2] Costs.xlsx: 1 formula cell use the values Excel "
                        "cached from it")
    assert lines[2].startswith("pivot tables: their values are Excel's cached ones")
    data = report.to_dict()
    assert data["pivot_tables"] is True and data["external_links"][1]["cells"] == 1


def test_a_link_without_a_cache_is_counted_from_the_formula():
    model = _linked_model({(1, 1): "=[3]Gone!A1*2"})  # [3] is not in the file: #REF! here
    assert check_model(model).external_links == [{"index": 1, "target": "file:///C:/data/Prices.xlsx",
                                                  "cells": 0},
                                                 {"index": 2, "target": "Costs.xlsx", "cells": 0},
                                                 {"index": 3, "target": "[3]", "cells": 1}]


def test_summary_of_a_trusted_workbook(tmp_path):
    report = check_model(Model.open(write_xlsx(tmp_path / "b.xlsx", CELLS)))
    assert notes(report) == []
    assert summary(report, "b.xlsx") == ("b.xlsx: 3 formula cells, 3 with a cached value, 3 "
                                         "recomputed to it (100.00%)")


@pytest.fixture
def cost_book(make_book):
    return make_book({"Inputs!B1": 10.0, "Inputs!B2": 20.0, "Inputs!B3": 30.0, "Inputs!C1": 5.0,
                      "Summary!B1": "=SUM(Inputs!B1:B3)", "Summary!B2": "=Summary!B1*1.1"})


def test_an_input_no_output_reads_is_warned_on_stderr(cost_book, capsys):
    code, _, err = run(["simulate", cost_book, "--input", "Inputs!C1=uniform(1,2)",
                        "--input", "Inputs!B2=uniform(15,25)", "--output", "Summary!B2",
                        "--trials", 200, "--quiet"], capsys)
    assert code == 0
    lines = [ln for ln in err.splitlines() if "affects no output" in ln]
    assert len(lines) == 1 and "Inputs!C1" in lines[0] and "Inputs!B2" not in lines[0]


def test_cells_reading_a_circular_reference_are_not_counted_as_matches(tmp_path):
    # without iterative calculation the cycle keeps its cached values, and so would what reads
    # it: comparing those would compare a cached value with itself (a match that proves nothing)
    book = write_xlsx(tmp_path / "cycle.xlsx", {"A1": ("B1+1", 0.0), "B1": ("A1+1", 0.0),
                                                "C1": ("A1*2", 7.0), "D1": 5, "E1": ("D1*2", 10)})
    report = check_model(Model.open(book))
    assert report.compared == 1 and report.matches_cached == 1   # E1 only
    assert report.not_compared == {"circular": 2, "reads a circular reference": 1}
    assert report.mismatch_count == 0
