"""Text criteria with ``<``, ``<=``, ``>``, ``>=`` (COUNTIF, SUMIF, COUNTIFS, ...) compare in
Excel's order of texts (engine.functions._collation), not by code point: numpy by hand-worked
values, numba = numpy where the criterion or the range's text is made per trial
(engine/backends/numba/_dcriteria_rt.dcrit_cell through _rt_collation.dcoll2).

The rule: Excel matches a criterion ">b" as the comparison ``cell > "b"`` (Microsoft's COUNTIF
help: "the comparison operators"), and compares texts in its sort order (Microsoft's "Default
sort orders", HP005199669; the accents as Windows' CompareString): case aside ("B" > "a"),
accents only between texts equal without them ("é" < "f", "e" < "é"), hyphens ignored but
a text with one after its twin ("a-c" > "ab", "a-c" > "ac"), punctuation before
and letters ("{x" < "a": by code point "{" is after "z").  LibreOffice (soffice --headless, a
second oracle) recomputes every mask here the same but for "a-c": it sorts the hyphen as a
character before the letters (ICU's default, "a-c" < "ab"), where Excel ignores it.
"""

from __future__ import annotations

import pytest

openpyxl = pytest.importorskip("openpyxl")

from tests.kernel_checks import formula_values, new_sheet  # noqa: E402

TEXTS = ["apple", "Banana", "a-c", "ab", "é", "f", "{x", "Zoo"]   # A1:A8, B: 1, 2, 4, ...
# criterion: the rows it meets in Excel's order (by code point, casefolded, where it differs)
WANT = {
    ">b": ["Banana", "é", "f", "Zoo"],          # code point: and "{x"
    "<=AB": ["ab", "{x"],                         # code point: "a-c", "ab"
    ">=a-c": ["apple", "Banana", "a-c", "é", "f", "Zoo"],   # code point: and "ab", "{x"
    "<e": ["apple", "Banana", "a-c", "ab", "{x"],   # code point: not "{x"
    "<f": ["apple", "Banana", "a-c", "ab", "é", "{x"],   # code point: not "é", "{x"
    ">Z": ["Zoo"],                                # code point: and "{x"
    ">=É": ["é", "f", "Zoo"],                     # "é" itself (case aside)
}


def _mask(rows: list[str]) -> float:
    return float(sum(2 ** TEXTS.index(t) for t in rows))


def _book(path) -> dict[str, object]:
    ws = new_sheet("S")
    for r, t in enumerate(TEXTS, start=1):
        ws[f"A{r}"], ws[f"B{r}"] = t, 2.0 ** (r - 1)
    for r, crit in enumerate(WANT, start=1):
        ws[f"D{r}"] = crit
        ws[f"E{r}"] = f"=SUMIF($A$1:$A$8,D{r},$B$1:$B$8)"
        ws[f"F{r}"] = f"=COUNTIFS($A$1:$A$8,D{r},$B$1:$B$8,\">0\")"
    ws.parent.save(path)
    return formula_values(path)


def test_text_criteria_compare_in_excels_order(tmp_path):
    got = _book(tmp_path / "book.xlsx")
    for r, (crit, rows) in enumerate(WANT.items(), start=1):
        assert got[f"E{r}"] == _mask(rows), crit
        assert got[f"F{r}"] == float(len(rows)), crit


def _numba_check(tmp_path, criteria: list[str], host: bool = False) -> None:
    """A criterion made per trial against constant texts (dcrit_id) and a constant criterion
    against text made per trial (dcrit_cell): fused, numba = numpy (and with ``host`` the
    CUDA kernel's host build, cupy/_rt_dcriteria through mc_coll2), the hand-worked masks."""
    from engine.backends.numba import fused_report
    from tests.kernel_checks import numba_and_host_equal_numpy, sheet_job
    from tests.test_backend_numba import numba_and_numpy, tri

    cells: dict[str, object] = {"H1": 1.0}
    for r, t in enumerate(TEXTS, start=1):
        cells[f"A{r}"], cells[f"B{r}"] = t, 2.0 ** (r - 1)
        cells[f"C{r}"] = f"=LEFT(A{r},20*ROUND($H$1,0))"   # the text, made per trial
    outs = ["H1"]
    for r, crit in enumerate(criteria, start=1):
        made = f'LEFT("{crit}",9*ROUND($H$1,0))'
        cells[f"E{r}"] = f"=SUMIF($A$1:$A$8,{made},$B$1:$B$8)"
        cells[f"F{r}"] = f'=SUMIF($C$1:$C$8,"{crit}",$B$1:$B$8)'
        outs += [f"E{r}", f"F{r}"]
    job = sheet_job(tmp_path / "book.xlsx", cells, [tri("S!H1", 0.6, 1.0, 1.4)], outs, 8)
    assert fused_report(job) == {}
    check = numba_and_host_equal_numpy if host else numba_and_numpy
    _, want = check(job, tmp_path / "kernels", 8)
    got = {a: want[0][r] for a, r in zip(outs, job.program.outputs, strict=True)}
    for r, crit in enumerate(criteria, start=1):
        assert set(got[f"E{r}"]) == set(got[f"F{r}"]) == {_mask(WANT[crit])}, crit


def test_numba_text_criteria_made_per_trial_in_excels_order(tmp_path):
    _numba_check(tmp_path, [">=a-c"])   # the slow twin below: every criterion


@pytest.mark.slow
def test_numba_every_text_criterion_in_excels_order(tmp_path):
    _numba_check(tmp_path, list(WANT), host=True)


def test_mixed_kinds_compare_by_kind_then_excels_order():
    """``<`` of values of any kind, one per trial (operators._compare_mixed, vectorised):
    numbers < text < logicals; a blank as the other side's empty value; text in Excel's
    order; an error stays an error.  Worked out by the rule (same before the vectorising)."""
    import numpy as np

    from engine.functions.operators import compare
    from engine.values import Kind, Vec

    a = np.array([1.5, "a-c", "é", True, None, None, "x", 2.0, None, "B"], dtype=object)
    b = np.array(["a", "ab", "f", "zz", "", 0.0, False, 2.0, None, "a"], dtype=object)
    err = np.zeros(len(a), np.uint8)
    err[-1] = 7
    lt = compare("<", Vec(Kind.ANY, a, err), Vec(Kind.ANY, b))
    assert lt.data.tolist() == [True, False, True, False, False, False, True, False, False,
                                False]
    assert lt.err.tolist() == err.tolist()
    ge = compare(">=", Vec(Kind.ANY, a), Vec(Kind.STR, np.array(["A-C"], dtype=object)))
    assert ge.data.tolist() == [False, True, True, True, False, False, True, False, False,
                                True]
    eq = compare("=", Vec(Kind.ANY, a), Vec(Kind.ANY, b))
    assert eq.data.tolist() == [False, False, False, False, True, True, False, True, True,
                                False]


def test_runtime_table_orders_ascii_as_collation_key():
    """The runtimes' one table of first-level weights (LATIN_P; ASCII_WEIGHTS, its copy for
    ASCII, is gone) orders every two ASCII letters, digits and signs as collation_key."""
    from engine.functions._collation import IGNORED, LATIN_P, collation_key

    chars = [chr(c) for c in range(32, 127) if chr(c) not in IGNORED]
    for x in chars:
        assert LATIN_P[ord(x)] > 0, x
        for y in chars:
            by_key = (collation_key(x) > collation_key(y)) - (collation_key(x) < collation_key(y))
            px, py = float(LATIN_P[ord(x)]), float(LATIN_P[ord(y)])
            by_table = (px > py) - (px < py)
            assert by_key == by_table or x.casefold() == y.casefold(), (x, y)
    assert LATIN_P[ord("-")] == LATIN_P[ord("'")] == 0.0


def test_enum_cells_bind_replaces_refs_everywhere():
    """_enum_cells._bind (through ir.children / rebuild): each Ref of a bound cell replaced
    by its literal under calls, operators and unary minus; other nodes kept as they are."""
    from engine import ir
    from engine.backends.numba._enum_cells import _bind
    from engine.workbook import CellRef

    a, b = CellRef("S", 1, 1), CellRef("S", 2, 1)
    node = ir.Call("IF", (ir.Binary(">", ir.Ref(a), ir.Num(1.0)),
                          ir.Unary("-", ir.Ref(a)), ir.Ref(b)))
    got = _bind(node, {a: ir.Str("x")})
    assert got == ir.Call("IF", (ir.Binary(">", ir.Str("x"), ir.Num(1.0)),
                                 ir.Unary("-", ir.Str("x")), ir.Ref(b)))
    assert _bind(node, {}) is node   # nothing bound: the same node
