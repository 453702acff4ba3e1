"""A cell whose formula reads, of all that varies, only a cell holding one of a few known texts
is a table over that cell's values (EfiLygda Sales_Data_Project 'S1. Answers'!D316:E327: the
most / least ordered product line of the customer a per-trial sort of GROUPBY averages names,
``LET(group, FILTER(lines, names = $E2), u, UNIQUE(group), n, MAP(u, LAMBDA(x, ROWS(FILTER(
group, group = x)))), VLOOKUP(MAX(n), HSTACK(n, u), 2, FALSE))``; engine.backends.numba.
_enum_cells).  INDEX(SORT(GROUPBY(..)), 1, 1) is text (the keys' column), no longer a value of
any kind (_dynarrays: Dyn.columns).  Before: 'a LAMBDA helper over a LET name whose value
reads names and varies per trial'."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.workbook import CellRef  # noqa: E402
from tests.kernel_checks import numba_and_host_equal_numpy, sheet_job  # noqa: E402
from tests.test_backend_numba import assert_same, tri  # noqa: E402

_CUST = ["Ann", "Bob", "Cy", "Ann", "Bob", "Cy", "Ann", "Dee", "Bob", "Dee"]
_LINE = ["Cars", "Ships", "Trains", "Ships", "Ships", "Trains", "Cars", "Vans", "Trucks",
         "Planes"]
_TOP = ("=_xlfn.LET(_xlpm.a,_xlfn.GROUPBY(A2:A11,C2:C11,_xleta.AVERAGE),"
        "_xlpm.s,_xlfn._xlws.SORT(_xlpm.a,2,-1),INDEX(_xlpm.s,_xlfn.SEQUENCE(2),{1,2}))")


def _line(row: int, fn: str) -> str:
    return (f"=_xlfn.LET(_xlpm.group,_xlfn._xlws.FILTER(B2:B11,A2:A11=$E{row}),"
            "_xlpm.u,_xlfn.UNIQUE(_xlpm.group),_xlpm.n,_xlfn.MAP(_xlpm.u,_xlfn.LAMBDA(_xlpm.u,"
            "ROWS(_xlfn._xlws.FILTER(_xlpm.group,_xlpm.group=_xlpm.u)))),"
            f"_xlpm.d,_xlfn.HSTACK(_xlpm.n,_xlpm.u),VLOOKUP({fn}(_xlpm.n),_xlpm.d,2,FALSE))")


CELLS: dict[str, object] = {
    **{f"A{r}": c for r, c in enumerate(_CUST, 2)},
    **{f"B{r}": x for r, x in enumerate(_LINE, 2)},
    **{f"C{r}": 10.0 * r for r in range(2, 12)},
    "E2": ArrayFormula("E2:F3", _TOP),
    "G2": ArrayFormula("G2", _line(2, "MAX")),
    "H2": ArrayFormula("H2", _line(2, "MIN")),
    "G3": ArrayFormula("G3", _line(3, "MAX")),
    "I2": "=IFERROR(LEN(G2),-1)", "I3": "=IFERROR(LEN(H2),-1)", "I4": "=IFERROR(LEN(G3),-1)",
}


def test_cell_of_a_customer_chosen_per_trial_is_a_table_equal_to_numpy(tmp_path):
    job = sheet_job(tmp_path / "b.xlsx", CELLS,
                    [tri("S!C3", 0.0, 60.0, 200.0), tri("S!C9", 0.0, 90.0, 250.0)],
                    ["I2", "I3", "I4"], 16)
    assert fused_report(job) == {}
    got, want = numba_and_host_equal_numpy(job, tmp_path / "k", 8)
    assert_same(job, got, want)
    values, _, ins = got
    c3, c9 = ins[CellRef("S", 3, 3)], ins[CellRef("S", 9, 3)]
    # by hand: the averages by customer (and the Total row), their order per trial
    avg = {"Ann": 50.0 + 0 * c3, "Bob": (c3 + 160.0) / 3, "Cy": 55.0 + 0 * c3,
           "Dee": (c9 + 110.0) / 2, "Total": (530.0 + c3 + c9) / 10}
    most = {"Ann": 4, "Bob": 5, "Cy": 6, "Dee": 4, "Total": -1}    # Cars Ships Trains Vans
    least = {"Ann": 5, "Bob": 6, "Cy": 6, "Dee": 4, "Total": -1}   # Ships Trucks Trains Vans
    names = list(avg)
    order = np.argsort(-np.stack([avg[n] for n in names]), axis=0, kind="stable")
    first = [names[k] for k in order[0]]
    second = [names[k] for k in order[1]]
    assert len(set(first)) > 1 and len(set(second)) > 1
    np.testing.assert_array_equal(values[CellRef("S", 2, 9)], [most[n] for n in first])
    np.testing.assert_array_equal(values[CellRef("S", 3, 9)], [least[n] for n in first])
    np.testing.assert_array_equal(values[CellRef("S", 4, 9)], [most[n] for n in second])
