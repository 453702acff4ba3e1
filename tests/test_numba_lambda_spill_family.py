"""A spill whose cells read the cells of another spill (chris-kc-cheng's Analytics, CIR!A51:
``MAP(A31#, MAKEARRAY(ROWS(A31#), COLUMNS(A31#), LAMBDA(_, c, B3-(c-MIN(COLUMN(A31#)))/B5)),
LAMBDA(r, t, ..))`` over the 5 x 121 spill A31#): its cells' lines differ only in the cells
they read (``v121``, ``v122`` ..), so they are one family, and the line budget counts their
lines once (engine.backends.numba._dynarrays.spill_lines).  Before, the estimate kept the
names of cells apart: 604 cells x 92 lines, 'the kernel would be too large'."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import _codegen, fused_report  # noqa: E402
from engine.backends.numba._dynarrays import spill_lines  # noqa: E402
from tests.kernel_checks import sheet_job  # noqa: E402
from tests.test_backend_numba import assert_same, numba_and_numpy, tri  # noqa: E402


def test_spill_cells_reading_other_cells_count_as_one_family():
    members = [[f"t{10 + k} = v{100 + k} * k{5 + k}", f"t{50 + k} = np.exp(t{10 + k})",
                f"v{200 + k} = t{50 + k} + x3"] for k in range(6)]
    assert spill_lines(members) == 3
    # fewer than FAMILY_MIN alike: each counted
    assert spill_lines(members[:2]) == 6


_T, _C = "_xlpm.t", "_xlpm.c"
# the numbers spilled into B1:U3 (3 x 20), each then mapped with its column's maturity
CELLS: dict[str, object] = {
    "A1": 0.5, "A2": 0.05, "A3": 12.0,
    "B1": ArrayFormula("B1:U3", "=_xlfn.SEQUENCE(3,20)*$A$2/10"),
    "B5": ArrayFormula(
        "B5:U7",
        "=_xlfn.LET(_xlpm.a,$A$1,_xlpm.h,SQRT(_xlpm.a^2+2),_xlfn.MAP(_xlfn.ANCHORARRAY(B1),"
        "_xlfn.MAKEARRAY(ROWS(_xlfn.ANCHORARRAY(B1)),COLUMNS(_xlfn.ANCHORARRAY(B1)),"
        f"_xlfn.LAMBDA(_xlpm._,{_C},2-({_C}-MIN(COLUMN(_xlfn.ANCHORARRAY(B1))))/$A$3)),"
        f"_xlfn.LAMBDA(_xlpm.r,{_T},EXP(-_xlpm.h*{_T})*(2*_xlpm.h/(_xlpm.h+_xlpm.a*{_T}))"
        f"*EXP(-_xlpm.r*{_T}))))"),
}
OUTPUTS = [f"{c}{r}" for r in (5, 6, 7) for c in "BCDEFGHIJKLMNOPQRSTU"]


def test_map_over_a_spill_with_makearray_fits_the_budget_and_equals_numpy(tmp_path,
                                                                          monkeypatch):
    job = sheet_job(tmp_path / "spillmap.xlsx", CELLS,
                    [tri("S!A1", 0.4, 0.5, 0.6), tri("S!A2", 0.04, 0.05, 0.06)], OUTPUTS, 8)
    # a budget the 60 cells' lines (21 each) exceed one by one (before: 'the kernel would
    # be too large') but hold as one family
    monkeypatch.setattr(_codegen, "MAX_KERNEL_LINES", 600)
    assert fused_report(job) == {}
    got, want = numba_and_numpy(job, tmp_path / "k", chunk=4)
    assert_same(job, got, want)
    (wv, we, _) = want
    assert all((we[c] == 0).all() for c in job.program.outputs)   # values, not errors
