"""A time typed as text in arithmetic and TIMEVALUE: Excel reads it as its fraction of a day
(="12:30"+0 is 0.520833..., ="2020-01-01 12:30"+0 is 43831.520833...)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.model import Model
from tests.formula_checks import shown


def value(formula: str):
    return shown(Model.from_cells({"Sheet1!A1": "12:30", "Sheet1!A2": "6:00 PM"}), formula)


@pytest.mark.parametrize(("formula", "expected"), [
    ('="12:30"+0', 12.5 / 24),                       # 0.520833333
    ('="2020-01-01 12:30"+0', 43831 + 12.5 / 24),    # 43831.5208333
    ('="18:45:30"*86400', 67530.0),
    ('="2:30 PM"+0', 14.5 / 24),
    ('="12:30 AM"*24', 0.5),                         # 12 AM is midnight
    ('="9 am"*24', 9.0),
    ('="36:00"+0', 1.5),                             # a duration past 24 hours
    ('=TIMEVALUE("36:00")', 0.5),                    # TIMEVALUE keeps the time of day
    ("=A1*24", 12.5),                                # a time kept as text in a cell
    ("=A2-A1", 5.5 / 24),
    ('=TIMEVALUE("12:30")', 12.5 / 24),
    ('=TIMEVALUE("2:30 PM")', 14.5 / 24),
    # HOUR/MINUTE/SECOND: "times may be entered as text strings (for example, "6:45 PM")"
    ('=HOUR("6:45 PM")', 18.0), ('=MINUTE("6:45 PM")', 45.0), ('=SECOND("4:48:18 PM")', 18.0),
    ('="12:60"+0', "#VALUE!"),                       # not a time
    ('="13:00 PM"+0', "#VALUE!"),
    ('="am"+0', "#VALUE!"),
])
def test_time_text_in_arithmetic(formula, expected):
    got = value(formula)
    if isinstance(expected, str):
        assert got == expected
    else:
        assert got == pytest.approx(expected, rel=1e-15)


def test_numba_reads_time_text_as_numpy_does():
    pytest.importorskip("numba")
    from engine.backends.numba import NumbaBackend, fused_report
    from engine.backends.numpy import NumpyBackend
    from tests.test_backend_numba import assert_same, job_for, run, tri

    model = Model.from_cells({"Sheet1!A1": 5.0, "Sheet1!A2": "12:30",
                              "Sheet1!B1": "=A2+A1", "Sheet1!B2": '=IF(A1>5,"18:00","6:00")*24'})
    job = job_for(model, [tri("Sheet1!A1", 0.0, 5.0, 10.0)], ["Sheet1!B1", "Sheet1!B2"],
                  trials=400)
    assert fused_report(job) == {}
    got, want = run(NumbaBackend(), job, 400), run(NumpyBackend(), job, 400)
    assert_same(job, got, want)
    b1, b2 = model.ref("Sheet1!B1"), model.ref("Sheet1!B2")
    a1 = got[2][model.ref("Sheet1!A1")]
    np.testing.assert_allclose(got[0][b1], a1 + 12.5 / 24, rtol=1e-15)
    assert set(np.unique(got[0][b2]).tolist()) == {6.0, 18.0}
