"""INDEX of an array constant at a position that is 0 in some trials (pycel lookup.xlsx
Index!C28 =INDEX({1,2,3,4,5;6,"X",..},$B28,C$25), C25 near -1 as a triangular input, truncated
to 0 in part of the trials): numpy takes the whole row's first element, as Excel's one cell
does; the fused kernel gave #VALUE! there (the rule of a range's row in one cell, which a
range keeps); numba = numpy."""

from __future__ import annotations

import pytest
from openpyxl.worksheet.formula import ArrayFormula

from engine.model import Model
from tests.kernel_checks import new_sheet

pytest.importorskip("numba")


def test_a_zero_position_of_an_array_constant_is_its_first_element(tmp_path):
    from engine.backends.numba import fused_report
    from tests.test_backend_numba import job_for, numba_and_numpy, tri

    ws = new_sheet("S")
    ws["B1"], ws["A2"] = 2, -1
    arr = '{1,2,3;6,"X",8;11,12,13}'
    ws["C3"] = f"=INDEX({arr},B1,A2)"
    ws["D3"] = ArrayFormula("D3", f"=INDEX({arr},B1,A2)")
    ws["E3"] = f"=INDEX({arr},A2,B1)"
    path = tmp_path / "index_zero.xlsx"
    ws.parent.save(path)
    outs = ["S!C3", "S!D3", "S!E3"]
    job = job_for(Model.open(path), [tri("S!B1", 1.6, 2.0, 2.4), tri("S!A2", -1.2, -1.0, -0.8)],
                  outs, 300)
    assert fused_report(job) == {}
    (got, errs, ins), _ = numba_and_numpy(job, tmp_path / "k", 150)
    got = {str(c): v for c, v in got.items()}
    errs = {str(c): v for c, v in errs.items()}
    ins = {str(c): v for c, v in ins.items()}
    zero = ins["S!A2"] > -1.0          # truncated to 0: the row's first element
    row2 = ins["S!B1"] >= 2.0
    assert zero.any() and (~zero).any()
    for c in ("S!C3", "S!D3"):
        assert (errs[c][zero] == 0).all()
        assert (got[c][zero & row2] == 6.0).all() and (got[c][zero & ~row2] == 1.0).all()
        assert (errs[c][~zero] != 0).all()   # -1: #VALUE!
