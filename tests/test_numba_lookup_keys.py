"""Lookups of an array of keys inside SUMPRODUCT (kebron's TAX-011: ``SUMPRODUCT((IFERROR(
VLOOKUP(Log!B6:B3005, Register!A6:E25, 5, FALSE), "") = B$5) * ...)``): numpy maps the
lookup over the keys (lookup._lift), one lookup per element; the kernel does the same
(engine.backends.numba._lookup_keys).  Each workbook is built with openpyxl; numba and the
CUDA kernel's host build equal numpy, every cell fused (refused before: 'a range used as a
single value')."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from tests.kernel_checks import (  # noqa: E402
    fused_source,
    numba_and_host_equal_numpy,
    sheet_job,
)
from tests.test_backend_numba import tri  # noqa: E402

INPUTS = [tri("S!A1", 90.0, 101.0, 110.0)]
# the table H1:L3: text keys in H, numbers 1..3 in I, amounts in K, entities in L
TABLE = {"H1": "a", "H2": "b", "H3": "c", "I1": 1.0, "I2": 2.0, "I3": 3.0,
         "K1": 10.0, "K2": 20.0, "K3": 30.0, "L1": "X", "L2": "Y", "L3": "X", "D1": "X"}
KEYS = ["b", "c", "zz", "a"]   # "zz" is in no row: #N/A, IFERROR's fallback


def _cells(rows: int, formulas: list[str], per_trial_keys: bool = False,
           per_trial_table: bool = False) -> dict[str, object]:
    cells: dict[str, object] = dict(TABLE)
    for r in range(1, rows + 1):
        cells[f"A{r}"] = 100.0 + r   # amounts (A1 the input)
        if per_trial_keys:   # drawn per trial: text keys (one missing) and numbers 0..4
            cells[f"B{r}"] = '=IF(RAND()<0.5,"a",IF(RAND()<0.5,"c","zz"))'
            cells[f"C{r}"] = "=ROUND(RAND()*4,0)"
        else:
            cells[f"B{r}"] = KEYS[r % 4]
            cells[f"C{r}"] = float(r % 4)   # 0: no such number
    if per_trial_table:   # an entity and an amount of the table varying with the input
        cells["L2"] = '=IF(A1>101,"X","Y")'
        cells["K3"] = "=A1*2"
    for k, f in enumerate(formulas):   # {=..}: an array formula of one cell
        text = f.format(n=rows)
        cells[f"T{k + 1}"] = ArrayFormula(f"T{k + 1}", text[1:-1]) if text[0] == "{" else text
    return cells


def _check(tmp_path, rows: int, formulas: list[str], **kw: bool) -> tuple:
    outputs = [f"T{k + 1}" for k in range(len(formulas))]
    job = sheet_job(tmp_path / "book.xlsx", _cells(rows, formulas, **kw), INPUTS, outputs, 16)
    assert fused_report(job) == {}
    return numba_and_host_equal_numpy(job, tmp_path / "kernels", 8)


ENTITY = '=SUMPRODUCT((IFERROR(VLOOKUP(B1:B{n},H1:L3,5,FALSE),"")=D1)*A1:A{n})'
AMOUNT = "=SUMPRODUCT(IFERROR(VLOOKUP(B1:B{n},H1:K3,4,FALSE),0)*A1:A{n})"
BY_NUMBER = "=SUMPRODUCT(IFERROR(VLOOKUP(C1:C{n},I1:K3,3,FALSE),0)*A1:A{n})"
APPROX = "=SUMPRODUCT(IFERROR(VLOOKUP(C1:C{n},I1:K3,3,TRUE),0)*A1:A{n})"
HLOOK = "=SUMPRODUCT(IFERROR(HLOOKUP(C1:C{n},I1:K3,1,FALSE),0)*A1:A{n})"
FOUND = "=SUMPRODUCT(ISNUMBER(MATCH(B1:B{n},H1:H3,0))*A1:A{n})"
INDEX_MATCH = "=SUMPRODUCT(IFERROR(INDEX(K1:K3,MATCH(B1:B{n},H1:H3,0)),0)*A1:A{n})"
XMATCHED = "=SUMPRODUCT(IFERROR(XMATCH(C1:C{n},I1:I3),-1)*A1:A{n})"


def test_text_and_number_keys_against_a_fixed_table(tmp_path):
    got, want = _check(tmp_path, 4, [ENTITY, AMOUNT, BY_NUMBER, APPROX, FOUND, INDEX_MATCH,
                                      XMATCHED, HLOOK])
    # rows 1..4 hold keys c zz a b: entity X for c and a (rows 1 and 3; A1 the input)
    a1 = next(iter(want[2].values()))
    entity = want[0][next(iter(want[0]))]
    assert entity.tolist() == pytest.approx((a1 + 103.0).tolist())


def test_keys_drawn_per_trial(tmp_path):
    _check(tmp_path, 5, [ENTITY, BY_NUMBER, INDEX_MATCH], per_trial_keys=True)


def test_a_table_varying_per_trial(tmp_path):
    got, want = _check(tmp_path, 5, [ENTITY, AMOUNT], per_trial_table=True)
    entity = want[0][next(iter(want[0]))]
    assert len(set(entity.tolist())) > 1   # L2 is X in some trials, Y in others


def test_a_long_column_of_fixed_keys_is_folded(tmp_path):
    """70 rows (a loop over the rows, _row_loops): the lookups of fixed keys in a fixed
    table are constants of the kernel (blanks of the amounts' column: 0; whole columns
    clipped to the sheet's rows)."""
    _check(tmp_path, 70, [ENTITY.replace("A1:A{n}", "A1:A{n}+M1:M{n}"), FOUND,
                          ENTITY.replace("B1:B{n}", "B:B").replace("A1:A{n}", "A:A")])


def _loops(tmp_path, formulas: list[str], **kw: bool) -> None:
    """70 rows, each formula one loop over the rows computing a lookup per row."""
    outputs = [f"T{k + 1}" for k in range(len(formulas))]
    job = sheet_job(tmp_path / "book.xlsx", _cells(70, formulas, **kw), INPUTS, outputs, 16)
    source = fused_source(job)
    assert source.count("for f_rj") == len(formulas)
    assert len(source.splitlines()) < 1500
    numba_and_host_equal_numpy(job, tmp_path / "kernels", 8)


@pytest.mark.slow   # (~30 s loaded; its path, a key range read per row, is the next test's)
def test_a_long_column_of_keys_drawn_per_trial_is_one_loop(tmp_path):
    _loops(tmp_path, [ENTITY], per_trial_keys=True)


def test_a_long_column_of_fixed_keys_in_a_varying_table_is_one_loop(tmp_path):
    _loops(tmp_path, [ENTITY, INDEX_MATCH], per_trial_table=True)


def test_aggregates_of_lookups_of_keys_in_array_formulas(tmp_path):
    """MAX and SUM of lookups of keys in an array formula: one lookup per key written out
    (numbers or errors); SUM(IFERROR(INDEX(K1:K3,MATCH(keys,..)),0)), the same in every trial
    and its elements possibly text, read whole and folded (refused with the lookup-keys
    shapes alone: 'SUM of an array expression in an array formula')."""
    got, want = _check(tmp_path, 4, ["{{=MAX(IFERROR(VLOOKUP(B1:B{n},H1:K3,4,FALSE),0)*A1)}}",
                                     "{{=SUM(IFERROR(VLOOKUP(C1:C{n},I1:K3,3,FALSE)*A1,0))}}",
                                     "{{=SUM(IFERROR(INDEX(K1:K3,MATCH(B1:B{n},H1:H3,0)),0))*A1}}"])
    values = [want[0][k] for k in sorted(want[0], key=lambda c: c.row)]   # T1, T2, T3
    a1 = next(iter(want[2].values()))
    assert values[0].tolist() == pytest.approx((30.0 * a1).tolist())   # keys c zz a b
    assert values[2].tolist() == pytest.approx((60.0 * a1).tolist())   # 30 + 0 + 10 + 20
