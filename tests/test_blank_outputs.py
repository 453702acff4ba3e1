"""An output that shows an empty cell in some trials (=IF(A1>0.5,A1,B1) with B1 empty, an
OFFSET or INDEX landing on an empty cell) is 0 in those trials, as Excel shows it, whatever
the chunk: the numpy reference stored NaN where a chunk mixed numbers and blanks but 0 where
every trial of the chunk was blank, and the numba kernel followed the mixed rule."""

from __future__ import annotations

import numpy as np

from engine.backends.numba import NumbaBackend, fused_report
from engine.backends.numpy import NumpyBackend
from engine.model import Model
from engine.simulate import prepare
from engine.spec import InputSpec, SimulationSpec
from tests.test_backend_numba import assert_same, run

TRIALS = 400


def _job():
    model = Model.from_cells({
        "Sheet1!A1": 0.5, "Sheet1!B1": None, "Sheet1!D1": 7.0, "Sheet1!D2": None,
        "Sheet1!C1": "=IF(A1>0.5,A1,B1)",
        "Sheet1!C2": "=INDEX(D1:D2,IF(A1>0.25,2,1))",
        "Sheet1!C3": '=IF(A1>0.9,"text",B1)',
    })
    spec = SimulationSpec(inputs=[InputSpec("Sheet1!A1", "uniform", {"min": 0.0, "max": 1.0})],
                          outputs=["Sheet1!C1", "Sheet1!C2", "Sheet1!C3"], trials=TRIALS, seed=5)
    return prepare(model, spec)


def _by_name(d: dict, name: str) -> np.ndarray:
    return next(v for c, v in d.items() if str(c).endswith(name))


def test_blank_results_are_zero_in_every_chunk_and_backend(tmp_path):
    job = _job()
    whole = run(NumpyBackend(), job, TRIALS)
    single = run(NumpyBackend(), job, 1)
    for cell in whole[0]:
        np.testing.assert_array_equal(whole[0][cell], single[0][cell], err_msg=str(cell))
        np.testing.assert_array_equal(whole[1][cell], single[1][cell], err_msg=str(cell))
    a1 = _by_name(whole[2], "A1")
    c1, c2, c3 = (_by_name(whole[0], n) for n in ("C1", "C2", "C3"))
    np.testing.assert_array_equal(c1, np.where(a1 > 0.5, a1, 0.0))
    np.testing.assert_array_equal(c2, np.where(a1 > 0.25, 0.0, 7.0))
    e3 = _by_name(whole[1], "C3")
    np.testing.assert_array_equal(e3, np.where(a1 > 0.9, 3, 0))   # text: #VALUE!
    np.testing.assert_array_equal(c3[a1 <= 0.9], 0.0)
    be = NumbaBackend(kernel_dir=tmp_path)
    try:
        assert fused_report(job, be) == {}
        assert_same(job, run(be, job, 100), whole)
    finally:
        be.close()
