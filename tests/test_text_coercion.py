"""Text in arithmetic: Excel reads numeric text and a date typed as text (its serial number)."""

from __future__ import annotations

import pytest

from engine.model import Model
from tests.formula_checks import shown


def value(formula: str):
    return shown(Model.from_cells({"Sheet1!A1": "2020-01-01"}), formula)


@pytest.mark.parametrize(("formula", "expected"), [
    ('="2020-01-01"+0', 43831.0),          # Excel: the date's serial
    ('="1/15/2024"*1', 45306.0),
    ('="15-Jan-2024"-0', 45306.0),
    ("=A1+30", 43861.0),                   # a date kept as text in a cell, 30 days on
    ('="2020-01-01"-"2019-12-01"', 31.0),
    ('="10%"+0', 0.1),
    ('="abc"+0', "#VALUE!"),
    ('="2020-13-45"+0', "#VALUE!"),        # not a date
])
def test_text_in_arithmetic(formula, expected):
    assert value(formula) == expected


def test_numba_reads_date_text_as_numpy_does():
    pytest.importorskip("numba")
    import numpy as np

    from engine.backends.numba import NumbaBackend, fused_report
    from engine.backends.numpy import NumpyBackend
    from tests.test_backend_numba import assert_same, job_for, run, tri

    model = Model.from_cells({"Sheet1!A1": 5.0, "Sheet1!A2": "2020-01-01",
                              "Sheet1!B1": "=A2+A1", "Sheet1!B2": '=IF(A1>5,"2021-06-30","x")+1'})
    job = job_for(model, [tri("Sheet1!A1", 0.0, 5.0, 10.0)], ["Sheet1!B1", "Sheet1!B2"],
                  trials=400)
    assert fused_report(job) == {}
    got, want = run(NumbaBackend(), job, 400), run(NumpyBackend(), job, 400)
    assert_same(job, got, want)
    b1 = model.ref("Sheet1!B1")
    assert np.all((got[0][b1] > 43831.0) & (got[0][b1] < 43842.0))
