"""A function of no known name between the inputs and the outputs (engine/_external_data.py,
engine.model._compiled): a typo whose cell Excel cached as #NAME? (chandrakant817 Superstore
``=vlooup(..)``) is that error in every trial, on every backend, and its readers compute
from it; a VBA UDF's cell (simeonjauhiain College Football ``=CountByColumnLogic(E13:Z13)``)
keeps Excel's saved value where it reads no input, and refuses the slice, naming the cell
and the function, where it does.  Before, either refused the whole slice."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from engine.check import check_model, notes
from engine.errors import UnsupportedError
from engine.model import Model
from engine.values import NAME
from tests.test_backend_numba import job_for, tri
from tests.xlsx_books import write_book

SHEET = {
    "A1": 5.0,
    "D1": 4.0, "E1": 40.0, "D2": 5.0, "E2": 50.0,
    "B1": ("vlooup(A1,D1:E2,2,0)", "#NAME?"),        # a typo: #NAME? whatever A1 holds
    "B2": ("IFERROR(B1,0)+A1", 5.0),                 # its readers compute from it
    "B3": ("-vlooup(A1,D1:E2,2,0)*2", "#NAME?"),
    "C1": ("MyUdf(D1:E2)", 42.0),                     # a VBA UDF reading no input
    "C2": ("C1+A1", 47.0),
    "C3": ("IF(A1>4,vlooup(A1,D1:E2,2,0),1)", "#NAME?"),   # #NAME? only where A1 > 4
    "C4": ("MyUdf(A1)", 7.0),                         # a VBA UDF reading the input
}


def with_cached_errors(path: Path) -> Path:
    """The book ``write_book`` wrote with each cached ``'#NAME?'``-style value made an
    error value (``t="e"``), as Excel writes it."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    for name, data in parts.items():
        if name.startswith("xl/worksheets/"):
            parts[name] = re.sub(rb"<c r=\"(\w+)\"><f>([^<]*)</f><v>'(#[A-Z0-9/!?]+)'</v>",
                                 rb'<c r="\1" t="e"><f>\2</f><v>\3</v>', data)
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


@pytest.fixture
def model(tmp_path) -> Model:
    return Model.open(with_cached_errors(write_book(tmp_path / "unknown.xlsx",
                                                    {"Sheet1": SHEET})))


def test_a_typo_is_name_error_in_every_trial_on_every_backend(model, tmp_path):
    pytest.importorskip("numba")
    from engine.backends.numba import fused_report
    from tests.kernel_checks import numba_and_host_equal_numpy

    job = job_for(model, [tri("Sheet1!A1", 4.0, 5.0, 6.0)],
                  ["Sheet1!B1", "Sheet1!B2", "Sheet1!B3", "Sheet1!C2"], 16)
    assert fused_report(job) == {}
    (got, errs, ins), _ = numba_and_host_equal_numpy(job, tmp_path / "k", chunk=8)
    got = {str(c): v for c, v in got.items()}
    errs = {str(c): v for c, v in errs.items()}
    a1 = next(iter(ins.values()))
    assert (errs["Sheet1!B1"] == NAME).all() and (errs["Sheet1!B3"] == NAME).all()
    assert (errs["Sheet1!B2"] == 0).all() and (errs["Sheet1!C2"] == 0).all()
    np.testing.assert_array_equal(got["Sheet1!B2"], a1)
    np.testing.assert_array_equal(got["Sheet1!C2"], 42.0 + a1)


@pytest.mark.parametrize("cell, name", [("C4", "MYUDF"), ("C3", "VLOOUP")])
def test_an_unknown_function_reading_an_input_refuses_naming_it(model, cell, name):
    """A UDF of the input (C4), and a #NAME? that an IF gives only in some trials (C3)."""
    with pytest.raises(UnsupportedError, match=rf"Sheet1!{cell}: {name} \(a VBA or unknown"):
        job_for(model, [tri("Sheet1!A1", 4.0, 5.0, 6.0)], [f"Sheet1!{cell}"], 4)


def test_check_names_the_cells_keeping_excels_value(model):
    report = check_model(model)
    assert report.unsupported_functions == {}
    lines = notes(report)
    assert "unknown function vlooup: #NAME?, as Excel (3 cells: Sheet1!B1, Sheet1!B3, " \
           "Sheet1!C3)" in lines
    assert "VBA/unknown function MyUdf: Excel's saved value used, not recomputed (2 cells: " \
           "Sheet1!C1, Sheet1!C4)" in lines
    assert report.not_compared["VBA/unknown function (Excel's saved value)"] == 5
    assert report.mismatch_count == 0


def test_without_a_cached_value_an_unknown_function_stays_unsupported(tmp_path):
    m = Model.from_cells({"A1": 1.0, "B1": "=MyUdf(A1)", "C1": "=MyUdf(5)"})
    with pytest.raises(UnsupportedError, match="Sheet1!B1: MYUDF"):
        job_for(m, [tri("Sheet1!A1", 0.0, 1.0, 2.0)], ["Sheet1!B1"], 4)
    assert check_model(m).unsupported_functions == {"MYUDF": 2}
