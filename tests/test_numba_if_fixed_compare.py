"""A comparison of two values the same in every trial is a constant
(engine.backends.numba._conditionals.fixed_compare), so an IF over it takes its branch alone.

An IF whose branch was taken alone is that branch's constant without being a constant of the
formula's IR: ``IF(IF(C5="",0,..)<=1,0,SUM(OFFSET(..,IF(C5="",0,..)-1)))`` in an empty row
compared 0 with 1 per trial, so the outer IF stayed generic and its untaken branch was an
OFFSET of width -1 ('text argument of SUM').  A second generation (the IFs of a cell left to
numpy generic, _families.OneCell) fused it; the first generation now does.  That second
generation stays for what the fold does not reach: INDEX of such a constant 0 (a whole row).
"""

from __future__ import annotations

import datetime

import pytest

openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba._conditionals import fixed_compare  # noqa: E402
from engine.backends.numba._values import KBLANK, KBOOL, KNUM, Val, num  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, tri  # noqa: E402
from tests.test_numba_if_branches_fallback import fallback_job  # noqa: E402


def _point(x: float, kind: str = KNUM) -> Val:
    return num("v1", "0", (x, x), kind)


def test_fixed_compare_follows_the_comparison_rule():
    """At 15 significant digits (0.1+0.2 = 0.3), a blank as 0, logicals with logicals;
    a value that varies, or a number against a logical, is not folded here."""
    got = fixed_compare("=", _point(0.1 + 0.2), _point(0.3), "0")
    assert got is not None and (got.v, got.kind, got.lo, got.hi) == ("1.0", KBOOL, 1.0, 1.0)
    got = fixed_compare("<=", _point(0.0), _point(1.0), "e3")
    assert got is not None and (got.v, got.e) == ("1.0", "e3")
    assert fixed_compare(">", Val("0.0", "0", KBLANK, 0.0, 0.0), _point(-1.0), "0").v == "1.0"
    assert fixed_compare("<>", _point(1.0, KBOOL), _point(1.0, KBOOL), "0").v == "0.0"
    assert fixed_compare("<", num("v1", "0", (0.0, 2.0)), _point(1.0), "0") is None
    assert fixed_compare("<", _point(1.0), _point(1.0, KBOOL), "0") is None


def _first_generation_rest(job) -> dict:
    from engine.backends.numba import samplers_for
    from engine.backends.numba._codegen import _generate

    samplers, mode = samplers_for(job, False)
    plan, _ = _generate(job.program, samplers, mode, frozenset())
    return {str(c): plan.reasons.get(c, "depends on a cell left to numpy") for c in plan.rest}


def test_an_if_over_a_comparison_of_a_branch_taken_alone_is_fused_at_once(tmp_path):
    """test_numba_if_branches_fallback's ``few`` rows (fewer than FAMILY_MIN copies: their
    IFs take their branch alone) in the first generation; before: 6 cells left to numpy
    ('text argument of SUM', 'INDEX of a whole row or column inside an expression')."""
    pytest.importorskip("numba")
    assert _first_generation_rest(fallback_job(tmp_path, ("few",), trials=50)) == {}


def test_index_of_a_branch_taken_alone_is_fused_by_the_second_generation(tmp_path):
    """``INDEX(S!$D5:$I5,1,IF(C5="",0,..))*2`` in rows without a date: the IF alone is 0,
    a whole row; with the IFs of those cells generic (the second generation) every cell is
    fused."""
    pytest.importorskip("numba")
    from engine.backends.numba import fused_report

    wb = openpyxl.Workbook()
    y = wb.active
    y.title = "few"
    s = wb.create_sheet("S")
    y["B1"] = 2026
    y["C5"] = datetime.datetime(2022, 3, 1)
    y["D5"] = 5000.0
    for r in (5, 6, 7):
        for j, col in enumerate("DEFGHI"):
            s[f"{col}{r}"] = f'=IF(few!$D{r}="","",few!$D{r}*{0.1 + 0.05 * j:.2f})'
        n = f'IF(C{r}="",0,MAX(MIN($B$1-YEAR(C{r})+1,6),0))'
        y[f"F{r}"] = f"=IFERROR(INDEX(S!$D{r}:$I{r},1,{n})*2,0)"
    y["F30"] = "=SUM(F5:F7)"
    path = tmp_path / "index.xlsx"
    wb.save(path)
    inputs = [tri("few!B1", 2024.0, 2026.0, 2029.0), tri("few!D5", 500.0, 5000.0, 20000.0)]
    job = job_for(Model.open(path), inputs, ["few!F30", "few!F5", "few!F6", "few!F7"], 50)
    assert _first_generation_rest(job)["few!F6"] == \
        "INDEX of a whole row or column inside an expression"
    assert fused_report(job) == {}
