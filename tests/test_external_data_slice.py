"""Cells of external data (STOCKHISTORY, linked data types' _FV) in a stochastic slice
(engine/_external_data.py): every backend keeps Excel's cached value in every trial; the
numba kernel holds it as that constant (louieceliberti Stock_Portfolio_Tracker: 2.5% fused,
the _FV cells left to numpy took 1,100 readers with them), and the cells whose arguments
vary per trial are named: bench_fused's note, prepare's warning, check's headline."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from engine._external_data import varying_external
from engine.check import check_model, notes
from engine.model import Model
from tests.xlsx_books import write_book

SHEET = {
    "A1": 5.0, "B1": 2.0,
    "A2": ("A1*2", 10.0),
    "C1": ('_FV(A2,"Price")', 190.5),                      # reads a cell varying per trial
    "C2": ("C1*A1", 952.5),
    "C3": ('_xlfn.STOCKHISTORY("MSFT",B1,B1)', 300.25),    # the same arguments in every trial
    "C4": ("C3+A1", 305.25),
    "D1": ("RAND()", 0.5),
    "D2": ('_FV(D1,"Price")', 12.0),                       # a random function upstream
}


@pytest.fixture
def model(tmp_path) -> Model:
    return Model.open(write_book(tmp_path / "external.xlsx", {"Sheet1": SHEET}))


def test_external_cells_are_fused_as_their_cached_values(model, tmp_path, caplog):
    pytest.importorskip("numba")
    from engine.backends.numba import fused_report
    from tests.kernel_checks import numba_and_host_equal_numpy
    from tests.test_backend_numba import job_for, tri

    with caplog.at_level(logging.WARNING, logger="engine._external_data"):
        job = job_for(model, [tri("Sheet1!A1", 4.0, 5.0, 6.0)],
                      ["Sheet1!C1", "Sheet1!C2", "Sheet1!C4"], 300)
    assert "Sheet1!C1" in caplog.text and "cached value" in caplog.text
    assert fused_report(job) == {}   # before: function _FV is not in the fused subset
    (got, _, ins), _ = numba_and_host_equal_numpy(job, tmp_path / "k", chunk=120)
    got = {str(c): v for c, v in got.items()}
    a1 = next(iter(ins.values()))
    assert (got["Sheet1!C1"] == 190.5).all()
    np.testing.assert_allclose(got["Sheet1!C2"], 190.5 * a1, rtol=1e-15)
    np.testing.assert_allclose(got["Sheet1!C4"], 300.25 + a1, rtol=1e-15)
    assert {str(c): why for c, why in varying_external(job.program).items()} == {
        "Sheet1!C1": "external data (_FV): Excel's cached value in every trial, though its "
                     "arguments vary per trial"}


def test_check_names_external_data_reading_random_cells(model):
    report = check_model(model)
    assert report.external_data == {"_FV": 2, "STOCKHISTORY": 1}
    assert report.external_data_varying == ["Sheet1!D2"]
    assert any("Sheet1!D2" in line and "cached value" in line
               for line in notes(report))


def test_an_xll_data_function_keeps_its_cached_value(tmp_path):
    """Capital IQ's ``_xll.CIQFUNCTIONS.UDF.CIQ(..)`` (aashutosshhh Comparable Trading Metrics:
    642 cells were #NAME? and the slice refused) is external data: Excel's cached value, fused
    as that constant; an @RISK call under _xll. is not (engine.addins reads it)."""
    pytest.importorskip("numba")
    from engine.backends.numba import fused_report
    from tests.kernel_checks import numba_and_host_equal_numpy
    from tests.test_backend_numba import job_for, tri

    sheet = {"A1": 3.0,
             "B1": ('_xll.CIQFUNCTIONS.UDF.CIQ("AMZN","IQ_TOTAL_REV")', 574785.0),
             "B2": ("B1*A1", 1724355.0),
             "B3": ("_xll.RiskTriang(1,2,3)", 2.0)}
    model = Model.open(write_book(tmp_path / "xll.xlsx", {"Sheet1": sheet}))
    report = check_model(model)
    assert report.external_data == {"_XLL.CIQFUNCTIONS.UDF.CIQ": 1}
    assert not model.code(model.ref("Sheet1!B3")).info.external   # an @RISK input
    job = job_for(model, [tri("Sheet1!A1", 2.0, 3.0, 4.0)], ["Sheet1!B2"], 200)
    assert fused_report(job) == {}   # before: the slice refused (#NAME?, unsupported)
    (got, _, ins), _ = numba_and_host_equal_numpy(job, tmp_path / "k", chunk=100)
    got = {str(c): v for c, v in got.items()}
    a1 = {str(c): v for c, v in ins.items()}["Sheet1!A1"]
    np.testing.assert_allclose(got["Sheet1!B2"], 574785.0 * a1, rtol=1e-15)
