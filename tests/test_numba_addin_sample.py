"""MCDESK.SAMPLE in the numba kernel (engine.backends.numba._addin_sample) and its CUDA twin.

Found on a real ModelRisk workbook the project had never seen (a cyber-risk Monte Carlo:
``=VoseInput(A5,"USD")+VosePERT(I5,J5,K5)`` in every row, the PERT's points being numbers the
user varies): each VosePERT becomes ``MCDESK.SAMPLE(RAND(),"pert",...)`` and was left to
numpy ("function MCDESK.SAMPLE is not in the fused subset"), with everything downstream: 24
of 80 cells fused.  Here the kinds whose parameters vary per trial, with invalid sets (#NUM!
in their trials) and an error in a parameter, fused and equal to numpy.
"""

from __future__ import annotations

import pytest

pytest.importorskip("openpyxl")

from engine.values import DIV0, NUM  # noqa: E402
from tests.kernel_checks import sheet_job  # noqa: E402
from tests.test_backend_numba import tri  # noqa: E402

S = 'MCDESK.SAMPLE(RAND(),'
FORMULAS = {
    "B1": f'={S}"pert","min",A1,"mode",A2,"max",A3)',          # #NUM! where A1 > A2
    "B2": f'={S}"triangular","min",A1,"mode",A2,"max",A3)',
    "B3": f'={S}"uniform","min",A1,"max",A2)',                 # #NUM! where A1 >= A2
    "B4": f'={S}"normal","mean",A1*10,"sd",A2-2)',             # #NUM! where A2 <= 2
    "B5": f'={S}"PERT","max",A3+2,"min",A1,"mode",A2,"shape",A1)',   # names in any order
    "B6": f'={S}"normal","mean",1/(A1>1),"sd",1)',             # #DIV/0! where A1 <= 1
    "B7": "=IFERROR(B1,0)+B2*2+IFERROR(B3,-1)",
    "B8": f'={S}"lognorm","mean",A2-1,"sd",A3)',               # #NUM! where A2 <= 1
}
TRIALS = 400


def _job(tmp_path):
    inputs = [tri("M!A1", 0.0, 1.0, 2.0), tri("M!A2", 0.5, 3.0, 4.5), tri("M!A3", 4.5, 6.0, 8.0)]
    job = sheet_job(tmp_path / "sample.xlsx", {"A1": 1.0, "A2": 3.0, "A3": 6.0, **FORMULAS},
                    inputs, FORMULAS, TRIALS, title="M")
    return job, job.program.model


def test_sample_is_fused_and_equal_to_numpy(tmp_path, caplog):
    pytest.importorskip("numba")
    from engine.backends.numba import fused_report
    from engine.backends.numpy import NumpyBackend
    from tests.kernel_checks import numba_kernels
    from tests.test_backend_numba import assert_same, run

    job, model = _job(tmp_path)
    # before: every cell "function MCDESK.SAMPLE is not in the fused subset" (or downstream)
    assert fused_report(job) == {}
    got, _ = numba_kernels(job, tmp_path / "kernels", 150, caplog)
    want = run(NumpyBackend(), job, TRIALS)
    assert_same(job, got, want)
    _, errs, ins = want
    a1, a2 = ins[model.ref("M!A1")], ins[model.ref("M!A2")]
    assert ((errs[model.ref("M!B1")] == NUM) == (a1 > a2)).all() and (a1 > a2).any()
    assert ((errs[model.ref("M!B4")] == NUM) == (a2 <= 2)).all() and (a2 <= 2).any()
    assert ((errs[model.ref("M!B6")] == DIV0) == (a1 <= 1)).all()


def test_sample_on_the_cuda_host_build_equals_numpy(tmp_path):
    """The CUDA kernel of the same slice (its calls are existing runtime functions: ndtri,
    d_beta_inv), compiled for the host by g++, equals numpy."""
    pytest.importorskip("numba")
    from engine.backends.cupy import _codegen
    from engine.backends.numba._samplers import samplers_for
    from tests.test_backend_cupy import HostCudaBackend, host_equals_numpy

    job, _ = _job(tmp_path)
    samplers, mode = samplers_for(job)
    fused, good, reasons = _codegen.translation_report(job.program, samplers, mode)
    assert reasons == {} and good == fused == len(FORMULAS)   # before: MCDESK.SAMPLE left
    source = HostCudaBackend.source_of(job)
    assert "d_beta_inv(" in source and "ndtri(" in source
    host_equals_numpy(job, tmp_path, TRIALS)
