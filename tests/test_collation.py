"""Excel's order of texts (engine.functions._collation) in SORT, SORTBY, UNIQUE, MATCH's
approximate search and the comparison operators; numba = numpy.

The order, from Microsoft's "Default sort orders" (Excel help HP005199669) and Windows' /
ICU's collation for accents: numbers < text < logicals < errors, blanks last in either
direction; text case-insensitively (ties keep their order), accents only where the texts
are equal without them ("Côte d'Ivoire" < "Croatia" < "Czechia"), apostrophes and hyphens
ignored but a text with a hyphen after its twin without ("coop" < "co-op"), character by
character with digits before letters ("10" < "9").
"""

from __future__ import annotations

import pytest

openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.functions._collation import collation_key  # noqa: E402
from tests.kernel_checks import formula_values, new_sheet  # noqa: E402

TEXTS = ["Croatia", "Côte d'Ivoire", "Czechia", "apple", "Apple", "co-op", "coop", "10", "9"]
# A1:A13 as written: the texts, two numbers, a logical, a blank (A13)
COLUMN = [*TEXTS, 3.0, 1.5, True, None]
# Excel's ascending order of COLUMN (rules above): numbers, text, logicals, blanks last;
# "apple"/"Apple" equal case aside keep their order
ASCENDING = [1.5, 3.0, "10", "9", "apple", "Apple", "coop", "co-op", "Côte d'Ivoire",
             "Croatia", "Czechia", True, None]
# descending: reversed, ties still in their order, blanks still last
DESCENDING = [True, "Czechia", "Croatia", "Côte d'Ivoire", "co-op", "coop", "apple", "Apple",
              "9", "10", 3.0, 1.5, None]
S, SB, U = "_xlfn._xlws.SORT", "_xlfn.SORTBY", "_xlfn.UNIQUE"


def test_collation_key_orders_as_excel():
    assert sorted(TEXTS, key=collation_key) == [x for x in ASCENDING if isinstance(x, str)]
    k = collation_key
    assert k("cote") < k("coté") < k("côte") < k("cotf")   # accents second, left to right
    assert k("A1") < k("A100") < k("A11")   # character by character
    assert k("a") < k("B") and k("_a") < k("a") and k("9") < k(" ")   # digits, punctuation
    assert k("apple") == k("APPLE") != k("apples")   # equal keys: equal case aside
    assert k("it's") > k("its") and k("it's") < k("itt")   # the apostrophe: ignored first


def _book(path) -> dict[str, object]:
    ws = new_sheet("S")
    for r, v in enumerate(COLUMN, start=1):
        if v is not None:
            ws[f"A{r}"] = v
        ws[f"B{r}"] = float(r)
    n = len(COLUMN)
    a, b = f"A1:A{n}", f"B1:B{n}"
    ws["C1"] = ArrayFormula(f"C1:C{n}", f"={S}({a})")
    ws["D1"] = ArrayFormula(f"D1:D{n}", f"={S}({a},1,-1)")
    ws["E1"] = ArrayFormula(f"E1:E{n}", f"={SB}({b},{a},1)")   # the rows' numbers
    ws["F1"] = ArrayFormula(f"F1:F{n - 1}", f"={U}(A1:A{n - 1})")   # "Apple" is "apple"
    ws["G1"] = f'=MATCH("Cuba",{S}(A1:A9),1)'   # after "Croatia" (8th), before "Czechia"
    ws["G2"] = f'=MATCH("cop",{S}(A1:A9),1)'   # after "co-op" (6th), before "Côte"
    ws["G3"] = f'=_xlfn.XMATCH("Cuba",{S}(A1:A9),-1)'
    ws["G4"] = f'=VLOOKUP("Cz",{S}(A1:B9),1,TRUE)'   # "Croatia"
    ws["H1"] = '="a"<"B"'
    ws["H2"] = "=\"Côte d'Ivoire\"<\"Croatia\""
    ws["H3"] = '="co-op">"coop"'
    ws["H4"] = '="co-op"="coop"'
    ws["H5"] = '="apple"="Apple"'
    ws["H6"] = '="10"<"9"'
    ws["H7"] = '="ärger"<"Zebra"'   # "a" with an accent: before "z"
    ws.parent.save(path)
    return formula_values(path)


def test_sort_unique_sortby_match_and_comparisons_follow_excels_order(tmp_path):
    got = _book(tmp_path / "coll.xlsx")
    n = len(COLUMN)
    # the blank last (the engine's spill cell of a blank: blank)
    assert [got[f"C{r}"] for r in range(1, n + 1)] == ASCENDING
    assert [got[f"D{r}"] for r in range(1, n + 1)] == DESCENDING
    rows = {v: r for r, v in enumerate(COLUMN, start=1) if v is not None}
    rows["Apple"] = 5
    assert [got[f"E{r}"] for r in range(1, n + 1)] == [
        float(rows[x]) if x is not None else float(n) for x in ASCENDING]
    assert [got[f"F{r}"] for r in range(1, n - 1)] == [
        "Croatia", "Côte d'Ivoire", "Czechia", "apple", "co-op", "coop", "10", "9", 3.0, 1.5,
        True]
    assert [got["G1"], got["G2"], got["G3"], got["G4"]] == [8.0, 6.0, 8.0, "Croatia"]
    assert [got[f"H{r}"] for r in range(1, 8)] == [True, True, True, False, True, True, True]


def _numba_cells(texts: list[str]) -> tuple[dict[str, object], list[str]]:
    n = len(texts)
    ordered = [x for x in ASCENDING if x in texts]
    cells: dict[str, object] = {"E1": 1.0}
    for r, t in enumerate(texts, start=1):
        cells[f"A{r}"] = t
        cells[f"B{r}"] = f"=$E$1*{r}"
        cells[f"K{r}"] = ordered[r - 1]   # sorted
    cells["C1"] = ArrayFormula(f"C1:D{n}", f"={S}(A1:B{n})")
    # "100-x" after "100x" (the hyphen ignored, then last), before "100y"
    cells["G2"] = '=IF(TEXT(ROUND($E$1,0)*100,"0")&"-x">"100x",1,0)'
    # accents second: "é1" before "f1", "cote1" < "coté1" < "côte1" (by code point: after)
    cells["G5"] = '=IF("é"&ROUND($E$1,0)<"f"&ROUND($E$1,0),1,0)'
    cells["G6"] = ('=IF(AND("cote"&ROUND($E$1,0)<"coté"&ROUND($E$1,0),'
                   '"coté"&ROUND($E$1,0)<"côte"&ROUND($E$1,0)),1,0)')
    outs = [f"D{r}" for r in range(1, n + 1)] + ["E1", "G2", "G5", "G6"]
    if n == len(TEXTS):
        cells["G1"] = f'=MATCH(IF($E$1>1,"Cuba","cop"),K1:K{n},1)'   # 8 "Croatia", 6 "co-op"
        cells["G3"] = '=IF(TEXT(ROUND($E$1,0)*100,"0")&"-x"<"100y",1,0)'
        cells["G4"] = ArrayFormula("G4", f'=SUM(({S}(A1:A{n})>"co")*1)')   # coop ... Czechia
        outs += ["G1", "G3", "G4"]
    return cells, outs


def _check(got: dict[str, object], texts: list[str], trials: int) -> None:
    rows = [texts.index(x) + 1 for x in ASCENDING if x in texts]
    for r, want in enumerate(rows, start=1):
        assert list(got[f"D{r}"] / got["E1"]) == pytest.approx([want] * trials), r
    assert set(got["G2"]) == set(got["G5"]) == set(got["G6"]) == {1.0}
    if "G1" in got:
        assert (got["G1"] == (got["E1"] > 1) * 2.0 + 6.0).all()
        assert set(got["G3"]) == {1.0} and set(got["G4"]) == {5.0}


def test_numba_orders_texts_as_numpy(tmp_path):
    """SORT of a range of texts (ranked at compile time) and ``>`` of text made per trial
    (da_tcoll), fused: numba = numpy, in Excel's order (a few texts: the slow twin below
    has them all, MATCH's rank table, ``>`` of a SORT result and the CUDA host build)."""
    from engine.backends.numba import fused_report
    from tests.kernel_checks import sheet_job
    from tests.test_backend_numba import numba_and_numpy, tri

    texts = ["Croatia", "Côte d'Ivoire", "co-op", "coop"]
    cells, outs = _numba_cells(texts)
    job = sheet_job(tmp_path / "book.xlsx", cells, [tri("S!E1", 0.6, 1.0, 1.6)], outs, 8)
    assert fused_report(job) == {}
    _, want = numba_and_numpy(job, tmp_path / "kernels", 8)
    _check({a: want[0][r] for a, r in zip(outs, job.program.outputs, strict=True)}, texts, 8)


@pytest.mark.slow
def test_numba_and_the_cuda_host_build_order_texts_as_numpy(tmp_path):
    from tests.kernel_checks import fused_sheet_values
    from tests.test_backend_numba import tri

    cells, outs = _numba_cells(TEXTS)
    got = fused_sheet_values(tmp_path, cells, [tri("S!E1", 0.6, 1.0, 1.6)], outs, 40)
    _check(got, TEXTS, 40)
