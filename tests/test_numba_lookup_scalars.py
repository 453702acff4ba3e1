"""MATCH and INDEX over one value instead of a range (``lookup._grid``: a one-cell grid),
fused and equal to numpy: ``=INDEX(#REF!,MATCH(B3,#REF!,0))``, what Excel leaves of a lookup
whose table was deleted (tamc/excel_to_code examples/global.xlsx), and constants."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.values import NA, REF  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402


def test_match_and_index_of_one_value(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = 5.0
    ws["B1"] = "=INDEX(#REF!,MATCH(A1,#REF!,0))"
    ws["B2"] = "=MATCH(ROUND(A1,0),5,0)"
    ws["B3"] = "=INDEX(7,ROUND(A1,0)-4)"
    wb.save(tmp_path / "s.xlsx")
    model = Model.open(tmp_path / "s.xlsx")
    outs = ["Sheet!B1", "Sheet!B2", "Sheet!B3"]
    job = job_for(model, [tri("Sheet!A1", 4.0, 5.0, 6.4)], outs, trials=400)
    assert fused_report(job) == {}   # before: "MATCH over something other than one row ..."
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 200, 400)
    errs = got[1]
    assert set(errs[model.ref("Sheet!B1")]) == {REF}   # INDEX of an error value: that error
    assert {0, NA} <= set(errs[model.ref("Sheet!B2")])
    assert {0, REF} <= set(errs[model.ref("Sheet!B3")])
