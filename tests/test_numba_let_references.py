"""LET whose value is a reference, read by the function it is an argument of.

A real dashboard (EfiLygda's Sales_Data_Project.xlsx, 50 cells) counts the blanks of each
column of a table chosen by its heading: ``=COUNTBLANK(LET(ColumnName, $B45, ColumnNames,
T[#Headers], k, MATCH(ColumnName, ColumnNames, 0) - 1, OFFSET(T[], 0, k, ROWS(T[]), 1)))``.
numpy's LET returns the range OFFSET names and COUNTBLANK reads it; the kernel refused it
("OFFSET with an argument that may be an error or is unbounded": the OFFSET was read with its
names unbound).  Now the argument is the LET's body with its names bound (_let_refs): a
range where OFFSET's arguments are the same in every trial, the OFFSET paths where its size
varies per trial.  Aggregates of a LET whose value is a FILTER keeping the same rows in
every trial (``AVERAGE(Sales_Filtered)``, the same dashboard: 'LET of a FILTER/UNIQUE/SORT
result') read the kept rows as ranges (_static_filters).  numba = numpy, and the CUDA host
build = numpy.
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.workbook.defined_name import DefinedName  # noqa: E402
from openpyxl.worksheet.table import Table  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

HEADS = ("ORDER", "QTY", "SALES", "STATUS", "NOTE")
ROWS = 30
CHOSEN = ("NOTE", "SALES", "STATUS", "QTY")


def _book(path) -> Model:
    wb = openpyxl.Workbook()
    calc = wb.active
    calc.title = "Calc"
    data = wb.create_sheet("Data")
    data.append(list(HEADS))
    for r in range(2, ROWS + 2):
        data.append([1000 + r, r % 7 + 1, 100.0 + 37 * (r % 11),
                     ("Shipped", "Cancelled", "")[r % 3], None if r % 4 == 0 else "x"])
    data.add_table(Table(displayName="T", ref=f"A1:E{ROWS + 1}"))
    calc["A1"] = 3.0   # an input: a height varying per trial
    for i, name in enumerate(CHOSEN, start=2):
        calc[f"A{i}"] = name
        let = (f"_xlfn.LET(_xlpm.n,$A{i},_xlpm.names,T[#Headers],_xlpm.k,"
               "MATCH(_xlpm.n,_xlpm.names,0)-1,_xlpm.h,ROWS(T[]),"
               "OFFSET(T[],0,_xlpm.k,_xlpm.h,1))")
        calc[f"B{i}"] = f"=COUNTBLANK({let})"
        calc[f"C{i}"] = f"=SUM({let})+COUNTA({let})"
    # a height bound to a name, varying per trial (the OFFSET of a varying size path)
    calc["D2"] = "=SUM(_xlfn.LET(_xlpm.h,ROUND($A$1,0),OFFSET(Data!$C$2,0,0,_xlpm.h,1)))"
    calc["D3"] = "=AVERAGE(_xlfn.LET(_xlpm.r,Data!$C$2:$C$9,_xlpm.r))+D2"   # a range
    # aggregates of a named LET whose FILTER keeps the same rows in every trial (its flags
    # read constants): column 1 of FILTER(HSTACK(SALES, STATUS), STATUS<>"Cancelled")
    wb.defined_names["Kept"] = DefinedName("Kept", attr_text=(
        '_xlfn.LET(_xlpm.k,_xlfn.HSTACK(T[SALES],T[STATUS]),_xlpm.f,_xlfn._xlws.FILTER('
        '_xlpm.k,(T[STATUS]<>"Cancelled")*(T[ORDER]<>1010)),INDEX(_xlpm.f,,1))'))
    for r, fn in enumerate(KEPT, start=2):
        calc[f"E{r}"] = f"={fn}(Kept)"
    wb.save(path)
    return Model.open(path)


KEPT = ("AVERAGE", "_xlfn.STDEV.S", "MEDIAN", "SKEW", "KURT", "SUM")
OUTS = [f"Calc!{c}{i}" for i in range(2, 2 + len(CHOSEN)) for c in "BC"] + \
    ["Calc!D2", "Calc!D3"] + [f"Calc!E{r}" for r in range(2, 2 + len(KEPT))]


def _job(tmp_path, trials: int):
    model = _book(tmp_path / "letrefs.xlsx")
    inputs = [tri("Calc!A1", 1.0, 3.0, 6.0), tri("Data!C5", 50.0, 400.0, 900.0),
              tri("Data!B7", 1.0, 3.0, 9.0)]
    return job_for(model, inputs, OUTS, trials=trials)


def test_let_of_an_offset_as_an_argument_is_fused(tmp_path):
    # before: every B/C cell 'OFFSET with an argument that may be an error or is unbounded',
    # the E cells 'LET of a FILTER/UNIQUE/SORT result' or 'STDEV.S of a FILTER/...'
    assert fused_report(_job(tmp_path, 50)) == {}


def test_let_references_equal_numpy(tmp_path):
    job = _job(tmp_path, 400)
    _, want = numba_and_numpy(job, tmp_path / "kernels", 200, 400)
    vals, errs, _ = want
    model = job.program.model
    # Excel's answers: NOTE is blank in rows 4, 8, ..., 28 (7 of 30), SALES never
    assert (vals[model.ref("Calc!B2")] == 7).all() and (vals[model.ref("Calc!B3")] == 0).all()


def test_let_references_on_the_cuda_host_build_equal_numpy(tmp_path):
    """No new runtime helper: the same kernel translated for CUDA, compiled with g++."""
    from tests.test_backend_cupy import host_equals_numpy

    job = _job(tmp_path, 200)
    host_equals_numpy(job, tmp_path, 200)
