"""WORKDAY/NETWORKDAYS whose holidays vary per trial: each trial counts its own holidays.

The numpy reference used to take each holiday cell's first trial for the whole chunk, so a
trial's working day depended on the other trials of its chunk (34 of 200 WORKDAY results
of a schedule model moved with the chunk size).  Here the reference run in one chunk of 400
equals the reference run one trial at a time, and both equal numpy's busday functions
applied trial by trial to that trial's holidays.
"""

from __future__ import annotations

import numpy as np

from engine.backends.numpy import NumpyBackend
from engine.model import Model
from engine.simulate import prepare
from engine.spec import InputSpec, SimulationSpec
from tests.test_backend_numba import run

TRIALS = 400
START = 45292.0  # 2024-01-01, a Monday


def _job():
    model = Model.from_cells({
        "Sheet1!A1": 5.0, "Sheet1!A2": 12.0,
        "Sheet1!H1": f"={START}+ROUND(A1,0)",   # a holiday moving over the first two weeks
        "Sheet1!H2": f"={START}+ROUND(A2,0)",
        "Sheet1!H3": None,
        "Sheet1!B1": f"=WORKDAY({START},10,H1:H3)",
        "Sheet1!B2": f"=NETWORKDAYS({START},{START}+30,H1:H3)",
        "Sheet1!B3": f"=WORKDAY.INTL({START},-3,11,H1:H2)",
    })
    spec = SimulationSpec(
        inputs=[InputSpec("Sheet1!A1", "uniform", {"min": 0.0, "max": 13.0}),
                InputSpec("Sheet1!A2", "uniform", {"min": 0.0, "max": 13.0})],
        outputs=["Sheet1!B1", "Sheet1!B2", "Sheet1!B3"], trials=TRIALS, seed=11)
    return prepare(model, spec)


def _day(serial: float) -> np.datetime64:
    return np.datetime64("1899-12-30") + np.timedelta64(int(serial), "D")


def _serial(day: np.datetime64) -> float:
    return float((day - np.datetime64("1899-12-30")).astype(np.int64))


def test_each_trial_uses_its_own_holidays():
    job = _job()
    whole, whole_err, ins = run(NumpyBackend(), job, TRIALS)
    single, single_err, _ = run(NumpyBackend(), job, 1)
    for cell in whole:
        assert np.array_equal(whole[cell], single[cell]), cell
        assert np.array_equal(whole_err[cell], single_err[cell]), cell
        assert not whole_err[cell].any(), cell
    a1 = next(v for c, v in ins.items() if str(c).endswith("A1"))
    a2 = next(v for c, v in ins.items() if str(c).endswith("A2"))
    b1, b2, b3 = (next(v for c, v in whole.items() if str(c).endswith(n)) for n in ("B1", "B2", "B3"))
    want1, want2, want3 = [], [], []
    for x1, x2 in zip(a1, a2, strict=True):
        hol = [_day(START + np.floor(x1 + 0.5)), _day(START + np.floor(x2 + 0.5))]
        want1.append(_serial(np.busday_offset(_day(START), 10, roll="backward", holidays=hol)))
        want2.append(float(np.busday_count(_day(START), _day(START + 31), holidays=hol)))
        want3.append(_serial(np.busday_offset(_day(START), -3, roll="forward",
                                              weekmask="1111110", holidays=hol)))
    assert np.array_equal(b1, want1)
    assert np.array_equal(b2, want2)
    assert np.array_equal(b3, want3)
    # the holidays really move the answers: more than one distinct result per cell
    assert len(set(b1.tolist())) > 1 and len(set(b2.tolist())) > 1
