"""MAP over UNIQUE(FILTER(..)) of a fixed table with LET names reading other names (EfiLygda
Sales_Data_Project, 'S1. Answers'!C105: AVERAGE of ``LET(keep, HSTACK(orders, sales,
status), rem, FILTER(keep, status <> "Cancelled"), ords, UNIQUE(INDEX(rem,,1)), MAP(ords,
LAMBDA(o, SUM(FILTER(INDEX(rem,,2), INDEX(rem,,1)=o)))))``): the orders are the same in every
trial, so MAP runs over their constants, and each call's FILTER of fixed rows is the cells it
keeps (engine.backends.numba._lambdas: _closed, _picked, _fold_filters).  Before, every such
cell was left to numpy ('a LAMBDA helper over a LET name whose value reads names')."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from tests.kernel_checks import numba_and_host_equal_numpy, sheet_job  # noqa: E402
from tests.test_backend_numba import assert_same, tri  # noqa: E402

_ORDERS = [101, 101, 102, 103, 103, 103, 104, 105, 105, 106]
_STATUS = ["Shipped", "Shipped", "Cancelled", "Shipped", "Shipped", "Shipped", "On Hold",
           "Shipped", "Shipped", "Shipped"]
_REGION = ["North", "North", "South", "East", "East", "East", "West", "North", "North", "East"]
_LET = ("_xlfn.LET(_xlpm.keep,_xlfn.HSTACK(A2:A11,B2:B11,C2:C11,D2:D11),"
        "_xlpm.rem,_xlfn._xlws.FILTER(_xlpm.keep,(C2:C11<>\"Cancelled\")*(C2:C11<>\"On Hold\")),"
        "_xlpm.ords,_xlfn.UNIQUE(INDEX(_xlpm.rem,,1)),")
_SUMS = ("_xlfn.MAP(_xlpm.ords,_xlfn.LAMBDA(_xlpm.o,SUM(_xlfn._xlws.FILTER(INDEX(_xlpm.rem,,2),"
         "INDEX(_xlpm.rem,,1)=_xlpm.o)))))")
_REGIONS = ("_xlfn.MAP(_xlpm.ords,_xlfn.LAMBDA(_xlpm.o,_xlfn.UNIQUE(INDEX(_xlfn._xlws.FILTER("
            "_xlpm.rem,INDEX(_xlpm.rem,,1)=_xlpm.o),,4)))))")
CELLS: dict[str, object] = {
    **{f"A{r}": float(o) for r, o in enumerate(_ORDERS, 2)},
    **{f"B{r}": 10.0 * r for r in range(2, 12)},
    **{f"C{r}": s for r, s in enumerate(_STATUS, 2)},
    **{f"D{r}": s for r, s in enumerate(_REGION, 2)},
    "F1": f"=AVERAGE({_LET}{_SUMS})",
    "F2": f"=_xlfn.STDEV.S({_LET}{_SUMS})",
    "F3": f"=MAX({_LET}{_SUMS})+B5",
    "F4": f"=SUMPRODUCT(({_LET}{_REGIONS}=\"North\")*1)+B3",
    # B236: GROUPBY of the orders' regions and totals (each a SUM of its cells), unrolled
    "H1": ArrayFormula("H1:I3", f"={_LET}_xlpm.tot,{_SUMS[:-1]},_xlpm.reg,{_REGIONS[:-1]},"
                       "_xlpm.g,_xlfn.HSTACK(_xlpm.reg,_xlpm.tot),_xlfn.GROUPBY(INDEX(_xlpm.g,,1),"
                       "INDEX(_xlpm.g,,2),_xleta.AVERAGE))"),
}
OUTPUTS = ["F1", "F2", "F3", "F4", "I1", "I2", "I3"]


def test_map_over_fixed_unique_orders_is_fused_and_equals_numpy(tmp_path):
    job = sheet_job(tmp_path / "groups.xlsx", CELLS,
                    [tri("S!B3", 20.0, 30.0, 40.0), tri("S!B6", 40.0, 60.0, 80.0)], OUTPUTS, 8)
    assert fused_report(job) == {}
    got, want = numba_and_host_equal_numpy(job, tmp_path / "k", chunk=4)
    assert_same(job, got, want)
    (wv, we, _) = want
    assert all((we[c] == 0).all() for c in job.program.outputs)
