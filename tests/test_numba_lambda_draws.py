"""Random draws inside a LAMBDA (chris-kc-cheng's Analytics, CIR!A31: ``SCAN(0, .., LAMBDA(r,
p, .. + NORM.S.INV(RAND()) * ..))``, a shock per step): numpy's reference draws anew in each
call of a helper's LAMBDA (engine.functions.lambdas.draw_tag: the helper's place and the
element or step keyed into RAND's stream), the same numbers in any chunking; the fused kernel
(engine.backends.numba._lambdas) gives each inlined copy of the draw that stream, so numba =
numpy = the CUDA kernel's host build.  Before, numpy drew one number for every call (nine
equal elements of ``MAKEARRAY(3, 3, LAMBDA(r, c, RAND()))``) and the kernel refused the
cells ('a LAMBDA body drawing random numbers or calling LAMBDAs').  A RANDARRAY whose shape
varies between the trials of a chunk was #VALUE! in every trial of that chunk; each trial now
has its own shape's draws (engine._randarray through engine._ragged)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from tests.kernel_checks import numba_and_host_equal_numpy, sheet_job  # noqa: E402
from tests.test_backend_numba import run, tri  # noqa: E402

A, X, R, C = "_xlpm.a", "_xlpm.x", "_xlpm.r", "_xlpm.c"


def _lam(params: str, body: str) -> str:
    return "_xlfn.LAMBDA(" + ",".join(f"_xlpm.{p}" for p in params.split(",")) + f",{body})"


CELLS: dict[str, object] = {
    "A1": 1.0,
    **{f"B{i}": f"=$A$1*{i - 1}" for i in range(2, 7)},
    # a draw per element of an array formula
    "D2": ArrayFormula("D2:E4", f"=_xlfn.MAKEARRAY(3,2,{_lam('r,c', f'RAND()+{R}*$A$1')})"),
    # a shock per step, the accumulator read once (CIR's shape)
    "G2": ArrayFormula("G2:G6", "=_xlfn.SCAN(0,B2:B6," + _lam(
        "a,x", f"{A}+_xlfn.NORM.S.INV(RAND())*{X}/10") + ")"),
    # one value: REDUCE, a sum of a MAP, two calls of a LET's LAMBDA, BYROW's rows
    "H2": f"=_xlfn.REDUCE(0,B2:B6,{_lam('a,x', f'{A}+{X}*RAND()')})",
    "H3": f"=SUM(_xlfn.MAP(B2:B4,{_lam('x', f'{X}+RANDBETWEEN(1,6)')}))",
    "H4": f"=_xlfn.LET(_xlpm.f,{_lam('x', f'{X}*RAND()')},_xlpm.f(1)-_xlpm.f(1))",
    "H5": f"=SUM(_xlfn.BYROW(B2:C4,{_lam('x', f'SUM({X})*RAND()')}))",
    "H6": "=RAND()*A1",   # a draw outside any LAMBDA: its own stream, as before
    # the accumulator read more than once (CIR's body reads r three times; was refused:
    # 'SCAN whose LAMBDA reads its accumulator more than once'): read through a LET name
    "J2": ArrayFormula("J2:J6", "=_xlfn.SCAN(0.02,B2:B6," + _lam(
        "r,p", f"IF(_xlpm.p>3.5*$A$1,LN(1+{R}),{R}+0.5*(0.05-{R})/12"
        f"+_xlfn.NORM.S.INV(RAND())*0.01*SQRT(ABS({R})/12))") + ")"),
    "H7": f"=_xlfn.REDUCE(1,B2:B6,{_lam('a,x', f'{A}*{X}/({A}+{X})')})",
}
OUTPUTS = ["D2", "E2", "D3", "E4", "G2", "G3", "G6", "H2", "H3", "H4", "H5", "H6", "J2", "J4",
           "J6", "H7"]


def _job(tmp_path, trials: int = 120):
    return sheet_job(tmp_path / "draws.xlsx", CELLS, [tri("S!A1", 0.5, 1.0, 2.0)], OUTPUTS,
                     trials)


def test_numpy_draws_anew_in_each_lambda_call_in_any_chunking(tmp_path):
    job = _job(tmp_path)
    (whole, errs, ins), (parts, perrs, _) = (run(NumpyBackend(), job, n) for n in (120, 7))
    got = {str(c): v for c, v in whole.items()}
    for c in whole:
        np.testing.assert_array_equal(whole[c], parts[c])
        assert not errs[c].any() and not perrs[c].any()
    a1 = np.concatenate(list(ins.values()))
    # element (r, c) of the MAKEARRAY: a uniform plus r * A1, each element its own draw
    for cell, r in (("S!D2", 1), ("S!E2", 1), ("S!D3", 2), ("S!E4", 3)):
        u = got[cell] - r * a1
        assert ((u > 0) & (u < 1)).all()
    assert len({tuple(got[c]) for c in ("S!D2", "S!E2")}) == 2
    # SCAN: a different shock in each step (was the same draw every step)
    steps = np.diff(np.stack([got["S!G2"], got["S!G3"]]), axis=0)[0]
    assert not np.allclose(steps, got["S!G2"] * 2)
    # the two calls of f draw two numbers: f(1) - f(1) is not 0
    assert (got["S!H4"] != 0).all()


def test_lambda_draws_are_fused_numba_and_cuda_host_equal_numpy(tmp_path):
    job = _job(tmp_path)
    assert fused_report(job) == {}
    numba_and_host_equal_numpy(job, tmp_path / "k", chunk=50)


def test_randarray_of_a_shape_varying_per_trial_is_each_trials_own(tmp_path):
    cells = {"A1": 1.0, "B1": "=_xlfn.RANDARRAY(1,ROUND($A$1*2,0))",
             "C1": "=SUM(_xlfn.RANDARRAY(ROUND($A$1*2,0),2))"}
    job = sheet_job(tmp_path / "ra.xlsx", cells, [tri("S!A1", 0.5, 1.0, 2.0)], ["B1", "C1"], 200)
    (whole, errs, ins), (parts, perrs, _) = (run(NumpyBackend(), job, n) for n in (200, 9))
    a1 = np.concatenate(list(ins.values()))
    for c in whole:
        np.testing.assert_array_equal(whole[c], parts[c])
        np.testing.assert_array_equal(errs[c], perrs[c])
        assert not errs[c].any()   # was #VALUE! in every trial of a chunk of mixed sizes
    c1 = {str(c): v for c, v in whole.items()}["S!C1"]
    rows = np.round(a1 * 2)   # Excel's ROUND of a positive number: half up
    assert ((c1 > 0) & (c1 < 2 * rows)).all() and (c1[rows == 4] > 1).any()


def test_reduce_growing_an_array_is_fused(tmp_path):
    """REDUCE whose accumulator is an array growing by HSTACK/VSTACK (chris-kc-cheng's
    Unsmooth!B14: exponential smoothing of prices; was 'REDUCE whose LAMBDA reads its
    accumulator more than once'): numpy's values, numba = CUDA host = numpy."""
    smooth = "_xlfn.HSTACK(_xlpm.a,$A$1*_xlpm.p+(1-$A$1)*_xlfn.CHOOSECOLS(_xlpm.a,-1))"
    cells = {
        "A1": 0.4, "B1": 100.0, "C1": 102.0, "D1": 107.1, "E1": 85.68, "F1": 77.112,
        "B2": ArrayFormula("B2:F2", f"=_xlfn.REDUCE(B1,C1:F1,{_lam('a,p', smooth)})"),
        "H1": ArrayFormula("H1:H6", "=_xlfn.REDUCE(0,C1:F1," + _lam(
            "a,x", f"_xlfn.VSTACK({A},{X}*$A$1)") + ")"),
        "I1": "=SUM(_xlfn.REDUCE(1,C1:F1," + _lam(
            "a,x", f"_xlfn.HSTACK({A},{X}+_xlfn.TAKE({A},,-1))") + "))",
    }
    job = sheet_job(tmp_path / "grow.xlsx", cells, [tri("S!A1", 0.3, 0.4, 0.5)],
                    ["B2", "C2", "F2", "H1", "H5", "H6", "I1"], 100)
    assert fused_report(job) == {}
    (values, codes, ins), _ = numba_and_host_equal_numpy(job, tmp_path / "k", chunk=40)
    got = {str(c): v for c, v in values.items()}
    errs = {str(c): v for c, v in codes.items()}
    w = np.concatenate(list(ins.values()))
    smoothed = np.full_like(w, 100.0)
    for p in (102.0, 107.1, 85.68):
        smoothed = w * p + (1 - w) * smoothed
    np.testing.assert_allclose(got["S!B2"], 100.0)
    np.testing.assert_allclose(got["S!C2"], w * 102.0 + (1 - w) * 100.0, rtol=1e-12)
    np.testing.assert_allclose(got["S!F2"], w * 77.112 + (1 - w) * smoothed, rtol=1e-12)
    np.testing.assert_allclose(got["S!H5"], 77.112 * w, rtol=1e-12)
    assert (errs["S!H6"] == 7).all()   # past the 5 rows: #N/A
    np.testing.assert_allclose(got["S!I1"], 1 + 103 + 210.1 + 295.78 + 372.892, rtol=1e-12)
