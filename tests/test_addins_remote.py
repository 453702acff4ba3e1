"""An @RISK workbook on the GPU service (a real service process on a loopback port): the
service opens the workbook as the engine does here, so the remote result is the local one."""

from __future__ import annotations

import numpy as np

from engine import Model, SimulationSpec, simulate
from engine.backends import get_backend
from remote.testing import ServiceProcess
from tests.addin_books import matrix_cells, open_book


def test_an_at_risk_workbook_runs_remotely_as_locally(tmp_path):
    path = tmp_path / "risk.xlsx"
    model = open_book(path, {
        **matrix_cells([[1.0, 0.7], [0.7, 1.0]]),
        "C1": "=RiskTriang(10,20,30,RiskCorrmat(A1:B2,1))",
        "C2": "=RiskNormal(50,5,RiskCorrmat(A1:B2,2))",
        "C3": "=IFERROR(RiskUniform(1,2),0)*C1",
        "C4": '=RiskOutput("Total")+C1+C2+C3'})
    spec = SimulationSpec([], [], trials=4000, seed=3)
    local = simulate(model, spec, backend="numpy")
    env = {"MCDESK_GPU_SLOTS": 1, "MCDESK_BATCH_TRIALS": 2000}
    with ServiceProcess(tmp_path / "results", env) as svc:
        backend = get_backend("remote", url=svc.url, token=svc.token())
        try:
            remote = simulate(Model.open(path), spec, backend=backend)
        finally:
            backend.close()
    assert remote.to_dict()["outputs"] == local.to_dict()["outputs"]
    np.testing.assert_array_equal(remote.samples.outputs["Model!C4"],
                                  local.samples.outputs["Model!C4"])
