"""GROUPBY of constant row fields in the fused kernel (engine.backends.numba._groupby).

The pattern of EfiLygda's Sales_Data_Project.xlsx: a table's sales (varying per trial)
grouped by a column of text that is the same in every trial, summed or averaged, the total
row dropped by TAKE(g, ROWS(g)-1), sorted by the aggregate, the first rows taken by
INDEX(sorted, SEQUENCE(5), {1,2}) or TAKE(sorted, 5), and the rows of a FILTER with a constant condition over an
HSTACK of the table's columns grouped the same way.  Before, every
such cell was left to numpy ("function GROUPBY is not in the fused subset", "GROUPBY of an
array expression in an array formula", "SEQUENCE's array read as one value", "SORT's array read as one value"), and numpy's GROUPBY of the FILTER's key column was
#VALUE! (a column of n trials, the same in each, was taken for a grouping that varies).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_cupy import host_equals_numpy  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

TRIALS = 200
N = 40   # rows of the table (a long column: the values are gathered)
NAMES = ["Beta", "alpha", "Gamma", "delta", "Alpha ", "beta"]   # "beta" and "Beta" one key
STATUS = ["Shipped", "Cancelled", "On Hold", "Shipped", "Shipped"]
A, B, C = f"A2:A{N + 1}", f"B2:B{N + 1}", f"C2:C{N + 1}"
G, F, S = "_xlfn.GROUPBY", "_xlfn._xlws.FILTER", "_xlfn._xlws.SORT"
SPILLS = {   # anchor: (last cell, formula)
    "G1": ("H6", f"={G}({A},{B}*E1,_xleta.SUM)"),
    "J1": ("K6", f"={G}({A},{B}*E1,_xleta.AVERAGE)"),
    "M1": ("N5", f'=_xlfn.LET(_xlpm.g,{G}({A},{B}*E1*({C}<>"Cancelled"),_xleta.SUM),'
                 f"_xlpm.t,_xlfn.TAKE(_xlpm.g,ROWS(_xlpm.g)-1),{S}(_xlpm.t,2,-1))"),
    "P1": ("Q5", f'=_xlfn.LET(_xlpm.h,_xlfn.HSTACK({A},{B}*E1,{C}),'
                 f'_xlpm.f,{F}(_xlpm.h,({C}<>"Cancelled")*({C}<>"On Hold")),'
                 f"_xlpm.g,{G}(INDEX(_xlpm.f,,1),INDEX(_xlpm.f,,2),_xleta.SUM),"
                 f"_xlpm.t,_xlfn.TAKE(_xlpm.g,ROWS(_xlpm.g)-1),{S}(_xlpm.t,2,-1))"),
    # INDEX of the sorted result at arrays of positions (_index_positions), past its 7 rows
    "S1": ("T3", f"=_xlfn.LET(_xlpm.g,{G}({A},{B}*E1,_xleta.AVERAGE),"
                 f"_xlpm.s,{S}(_xlpm.g,2,-1),INDEX(_xlpm.s,_xlfn.SEQUENCE(3),{{1,2}}))"),
    "V1": ("W8", f"=_xlfn.LET(_xlpm.s,{S}({G}({A},{B}*E1,_xleta.AVERAGE),2,1),"
                 f"INDEX(_xlpm.s,_xlfn.SEQUENCE(8),{{1,2}}))"),
    # TAKE of a SORT of a fixed shape (_index_positions): the first rows, the last rows
    "Y1": ("Z3", f'=_xlfn.LET(_xlpm.f,{F}(_xlfn.HSTACK({A},{B}*E1,{C}),{C}<>"On Hold"),'
                 f"_xlpm.g,{G}(INDEX(_xlpm.f,,1),INDEX(_xlpm.f,,2),_xleta.SUM),"
                 f"_xlpm.t,_xlfn.TAKE(_xlpm.g,ROWS(_xlpm.g)-1),_xlfn.TAKE({S}(_xlpm.t,2,-1),3))"),
    "Y6": ("Z7", f"=_xlfn.TAKE({S}({G}({A},{B}*E1,_xleta.SUM),2),-2)"),
    # values that are #NUM! in some rows and trials: each group's first error, the total's
    "G10": ("H16", f"={G}({A},LN({B}*E1-60),_xleta.SUM)"),
    "J10": ("K16", f"={G}({A},LN({B}*E1-60),_xleta.AVERAGE)"),
}


def _cells(first: str, last: str) -> list[str]:
    c0, r0, c1, r1 = first[0], int(first[1:]), last[0], int(last[1:])
    return [f"Sheet1!{chr(c)}{r}" for c in range(ord(c0), ord(c1) + 1)
            for r in range(r0, r1 + 1)]


OUTS = [c for k, (last, _) in SPILLS.items() for c in _cells(k, last)]


def _job(tmp_path: Path):
    rng = random.Random(5)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for i in range(N):
        r = i + 2
        ws[f"A{r}"] = NAMES[rng.randrange(len(NAMES))]
        ws[f"B{r}"] = round(rng.uniform(10.0, 500.0), 2)
        ws[f"C{r}"] = STATUS[rng.randrange(len(STATUS))]
    ws["E1"] = 1.0
    for anchor, (last, formula) in SPILLS.items():
        ws[anchor] = ArrayFormula(f"{anchor}:{last}", formula)
    path = tmp_path / "groupby.xlsx"
    wb.save(path)
    return job_for(Model.open(path), [tri("Sheet1!E1", 0.5, 1.0, 2.0)], OUTS, TRIALS)


def test_every_cell_is_fused(tmp_path):
    assert fused_report(_job(tmp_path)) == {}


def test_numba_equals_numpy(tmp_path):
    job = _job(tmp_path)
    got, want = numba_and_numpy(job, tmp_path / "kernels", 64)
    # the groups' sums are there: the spilled total is the sum of the table's sales
    wv = {str(c): x for c, x in want[0].items()}
    we = {str(c): x for c, x in want[1].items()}
    assert (we["Sheet1!H6"] == 0).all() and (wv["Sheet1!H6"] > 0).all()
    assert (we["Sheet1!Q1"] == 0).all()
    codes = {int(x) for r in range(10, 16) for x in we[f"Sheet1!H{r}"]}
    assert codes == {0, 6}   # groups without an error and groups with LN's #NUM!   # numpy groups the FILTER's keys (not #VALUE!)


def test_cuda_host_build_equals_numpy(tmp_path):
    host_equals_numpy(_job(tmp_path), tmp_path / "cuda")
