"""RANK/RANK.EQ/RANK.AVG/PERCENTRANK over a range read once per range (stats._ordered, kept
with the range: a 4,134-row column ranked by 4,134 formulas took past 17 minutes cell by cell):
the values of Excel's rules (ties, descending/ascending, text/blanks/logicals skipped in the
range, a value not in it #N/A, an error in the range that error) on mixed data."""

from __future__ import annotations

import pytest

pytest.importorskip("openpyxl")

from tests.kernel_checks import formula_values, new_sheet  # noqa: E402

NUMS = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0]
RANGE = NUMS + ["text", None, True]       # A1:A14: text, a blank and a logical are skipped


def _rank(x: float, desc: bool, avg: bool) -> float:
    before = sum(1 for v in NUMS if (v > x if desc else v < x))
    same = sum(1 for v in NUMS if v == x)
    return before + 1 + ((same - 1) / 2 if avg else 0)


def test_rank_and_percentrank_follow_excel_on_mixed_data(tmp_path):
    ws = new_sheet("S")
    for i, v in enumerate(RANGE, start=1):
        ws[f"A{i}"] = v
    ws["C1"] = "=1/0"
    want: dict[str, object] = {}
    for i, x in enumerate(NUMS, start=1):
        ws[f"B{i}"] = f"=RANK(A{i},$A$1:$A$14)"
        ws[f"D{i}"] = f"=RANK.EQ(A{i},$A$1:$A$14,1)"
        ws[f"E{i}"] = f"=RANK.AVG(A{i},$A$1:$A$14)"
        ws[f"F{i}"] = f"=RANK.AVG(A{i},$A$1:$A$14,1)"
        ws[f"G{i}"] = f"=RANK(A{i},$A$1:$C$14)"   # C1's #DIV/0! in the range
        want |= {f"B{i}": _rank(x, True, False), f"D{i}": _rank(x, False, False),
                 f"E{i}": _rank(x, True, True), f"F{i}": _rank(x, False, True),
                 f"G{i}": "#DIV/0!"}
    ws["H1"] = "=RANK(7,$A$1:$A$14)"            # not in the range
    ws["H2"] = '=RANK("x",$A$1:$A$14)'          # not a number
    ws["H3"] = "=PERCENTRANK($A$1:$A$14,5)"     # 6 of 11 below: 6/10
    ws["H4"] = "=PERCENTRANK($A$1:$A$14,4.5)"   # between 4 (rank 5) and 5: 5.5/10, 3 digits down
    ws["H5"] = "=RANK.AVG(A5,$A$1:$A$14,0)+RANK(A6,$A$1:$A$14)"
    want |= {"H1": "#N/A", "H2": "#VALUE!", "H3": 0.6, "H4": 0.55, "H5": 4.0 + 1.0}
    path = tmp_path / "rank.xlsx"
    ws.parent.save(path)
    got = formula_values(path)
    assert {k: got[k] for k in want} == pytest.approx(want)
