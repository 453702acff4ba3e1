"""INDIRECT of a table's column named by a number made per trial (``"T["&Year&"]"``), copied
across a sheet: the year is compared with each column's name as a number (no text made per
trial, no text buffer of the cell's own), so the copies are one family of the kernel
(tamc/excel_to_code's model.xlsx: 145 cells "the kernel would be too large" and ~3,700
downstream, each copy 160 lines of its own).  numba = numpy, years that are no column's
name (#REF!) and a year a little off an integer (its General text is still "2008").
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.table import Table  # noqa: E402

from engine.backends.numba import (  # noqa: E402
    _families,
    fused_report,
    samplers_for,
)
from engine.backends.numba._codegen import generate  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

YEARS = tuple(range(2005, 2013))
GASES = ("CO2", "CH4", "N2O")
SECTORS = ("1A1", "1A2", "1B", "2A")
COLS = "BCDEFGHIJKLM"


def _book(path) -> Model:
    wb = openpyxl.Workbook()
    calc = wb.active
    calc.title = "Calc"
    data = wb.create_sheet("Data")
    data.append(["GHG", "Sector", *(str(y) for y in YEARS)])
    for r in range(2, 20):
        data.append([GASES[r % 3], SECTORS[r % 4],
                     *(float(r * 10 + k) for k in range(len(YEARS)))])
    last = chr(ord("A") + 1 + len(YEARS))
    data.add_table(Table(displayName="Em", ref=f"A1:{last}19"))
    calc["A1"] = 2008.0                       # the year, an input
    calc["A2"] = "=ROUND(A1, 0)"              # 2004..2013: a column's name, or #REF!
    calc["A3"] = "=A2+1E-13"                  # General text: still "2008"
    calc["A4"] = "Em"
    for j, c in enumerate(COLS):
        calc[f"{c}5"] = SECTORS[j % 4]
        calc[f"{c}6"] = GASES[j % 3]
        calc[f"{c}7"] = (f'=IFERROR(SUMIFS(INDIRECT($A$4&"["&$A$2&"]"), INDIRECT($A$4&"[GHG]"), '
                         f'{c}$6, INDIRECT($A$4&"[Sector]"), {c}$5), -1)')
        calc[f"{c}8"] = f'=SUMIFS(INDIRECT("Em["&$A$3&"]"), INDIRECT("Em[GHG]"), {c}$6)'
    wb.save(path)
    return Model.open(path)


def _job(tmp_path, trials: int):
    model = _book(tmp_path / "years.xlsx")
    inputs = [tri("Calc!A1", 2003.6, 2008.0, 2013.4), tri("Data!D3", 1.0, 20.0, 40.0)]
    outs = [f"Calc!{c}{r}" for c in COLS for r in (7, 8)]
    return model, job_for(model, inputs, outs, trials=trials)


def test_year_named_columns_copied_across_are_one_family(tmp_path, monkeypatch):
    monkeypatch.setattr(_families, "FAMILY_FROM_LINES", 0)
    _, job = _job(tmp_path, 100)
    assert fused_report(job) == {}
    samplers, mode = samplers_for(job, False)
    plan = generate(job.program, samplers, mode)
    # before: each copy its own text buffer (dput_num/dcmp per column name) and every row of
    # the chosen column, matched or not: no family
    assert "dput_num(z" not in plan.source
    assert plan.families >= 2
    assert len(plan.source.splitlines()) < 1_200   # 4,229 with the rows not matched


def test_year_named_columns_equal_numpy(tmp_path):
    model, job = _job(tmp_path, 600)
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 300, 600)
    vals, errs, ins = got
    year = ins[model.ref("Calc!A1")].round()
    b7, b8 = vals[model.ref("Calc!B7")], errs[model.ref("Calc!B8")]
    outside = (year < YEARS[0]) | (year > YEARS[-1])
    assert outside.any() and (~outside).any()
    assert (b7[outside] == -1).all() and (b8[outside] != 0).all() and (b8[~outside] == 0).all()


def test_year_named_columns_on_the_cuda_host_build_equal_numpy(tmp_path):
    """No new runtime helper: the same kernel translated for CUDA, compiled with g++."""
    from tests.test_backend_cupy import host_equals_numpy

    _, job = _job(tmp_path, 300)
    host_equals_numpy(job, tmp_path, 300)
