"""bench/check_all.py's table: a row per workbook, whatever fields the reports hold."""

from __future__ import annotations

from types import SimpleNamespace

from bench import check_all
from tests.xlsx_xml import write_xlsx

CELLS = {"A1": 2.0, "B1": ("A1*3", 6.0), "B2": ("A1+1", 3.0)}


def test_table_rows_for_trusted_untrusted_and_uncompared_books(tmp_path, make_book, capsys):
    write_xlsx(tmp_path / "a_excel.xlsx", CELLS)
    write_xlsx(tmp_path / "b_script.xlsx", CELLS, calc={"fullCalcOnLoad": "1"})
    make_book({"Sheet1!A1": 1.0, "Sheet1!A2": "=A1*2"}, name="c_nocache.xlsx")
    assert check_all.main([str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = {ln.split()[0]: ln.split()[1:] for ln in lines[1:-1]}
    assert lines[0].split()[1:] == ["formulas", "compared", "match", "ratio", "untrust", "agree",
                                    "flags", "s"]
    assert rows["a_excel.xlsx"][:7] == ["2", "2", "2", "100.0000%", "0", "0", "-"]
    assert rows["b_script.xlsx"][:7] == ["2", "0", "0", "-", "2", "2", "P"]
    # openpyxl writes fullCalcOnLoad="1" and no cached values
    assert rows["c_nocache.xlsx"][:7] == ["1", "0", "0", "-", "0", "0", "P"]
    assert lines[-1].split()[-3:] == ["2", "2", "100.0000%"]


def test_a_report_without_the_newer_fields_prints_dashes(tmp_path, monkeypatch, capsys):
    write_xlsx(tmp_path / "a.xlsx", CELLS)
    old = SimpleNamespace(formula_cells=2, compared=2, matches_cached=1, match_ratio=0.5,
                          mismatches=[])
    monkeypatch.setattr(check_all, "check_model", lambda model: old)
    check_all.main([str(tmp_path)])
    row = capsys.readouterr().out.splitlines()[1].split()
    assert row[1:8] == ["2", "2", "1", "50.0000%", "-", "-", "-"]


def test_fused_column_on_request(tmp_path, capsys):
    write_xlsx(tmp_path / "a.xlsx", CELLS)  # B1 = A1*3, B2 = A1+1: both fused
    check_all.main([str(tmp_path), "--fused"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[-2:] == ["fused", "s"]
    assert lines[1].split()[-2] == "100.0%"


def test_macro_enabled_books_are_checked_too(tmp_path, capsys):
    write_xlsx(tmp_path / "a.xlsx", CELLS)
    write_xlsx(tmp_path / "m.xlsm", CELLS)   # bench_fused reads .xlsm; check_all skipped them
    check_all.main([str(tmp_path)])
    names = [ln.split()[0] for ln in capsys.readouterr().out.splitlines()[1:-1]]
    assert names == ["a.xlsx", "m.xlsm"]
