"""The numba backend against the numpy reference: same uniforms bit for bit, same outputs to
1e-12 relative, same error codes, whatever the chunk size or the number of threads; cells it
cannot fuse run on numpy; generated kernels never contain text from the workbook.

Kernels are compiled into a temporary directory per test session, so the compile time of
every kernel is part of the run (models are kept small).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

numba = pytest.importorskip("numba")

from engine import ir  # noqa: E402
from engine.backends import Job  # noqa: E402
from engine.backends.numba import NumbaBackend  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.compiler import stream_id  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.sampling import Sampling, draw  # noqa: E402
from engine.simulate import prepare  # noqa: E402
from engine.spec import InputSpec, SimulationSpec  # noqa: E402
from engine.workbook import CellRef  # noqa: E402
from tests.conftest import WORKBOOKS  # noqa: E402

RTOL = 1e-12
MAX_SLICE = 250   # formula cells of a workbook test's stochastic slice


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    be = NumbaBackend(kernel_dir=tmp_path_factory.mktemp("kernels"))
    yield be
    be.close()


def run(be, job: Job, chunk: int) -> tuple[dict, dict, dict]:
    """All trials of ``job`` in chunks: (outputs, errors, inputs) by cell."""
    outs: dict = {c: [] for c in job.program.outputs}
    errs: dict = {c: [] for c in job.program.outputs}
    ins: dict = {c: [] for c in job.distributions}
    for start in range(0, job.trials, chunk):
        res = be.run(job, start, min(chunk, job.trials - start))
        for c in outs:
            outs[c].append(res.outputs[c])
            errs[c].append(res.errors[c])
        for c in ins:
            ins[c].append(res.inputs[c])
    cat = {k: np.concatenate(v) for k, v in outs.items()}
    return cat, {k: np.concatenate(v) for k, v in errs.items()}, \
        {k: np.concatenate(v) for k, v in ins.items()}


def assert_same(job: Job, got, want) -> None:
    """Inputs bit for bit, error codes identical, values to 1e-12 relative (relative to the
    output's scale where a value is a small difference of large ones: numpy's SIMD exp and
    power may differ from libm's in the last bit, and a cancellation magnifies that)."""
    (gv, ge, gi), (wv, we, wi) = got, want
    for c in wi:
        np.testing.assert_array_equal(gi[c], wi[c], err_msg=f"input {c}")
    for c in job.program.outputs:
        np.testing.assert_array_equal(ge[c], we[c], err_msg=f"error codes of {c}")
        ok = we[c] == 0
        np.testing.assert_array_equal(np.isnan(gv[c]), np.isnan(wv[c]), err_msg=str(c))
        finite = wv[c][ok][np.isfinite(wv[c][ok])]  # NaN: a text result, compared above
        scale = float(np.max(np.abs(finite), initial=0.0))
        np.testing.assert_allclose(gv[c][ok], wv[c][ok], rtol=RTOL, atol=RTOL * scale,
                                   err_msg=str(c))


def numba_and_numpy(job: Job, kernel_dir, chunk: int, numpy_chunk: int | None = None,
                    fused: bool = False):
    """``job`` run by a fresh numba backend (kernels in ``kernel_dir``, ``chunk`` trials a
    call; with ``fused``, every cell computed in the kernel, none left to numpy) and by numpy
    (``numpy_chunk`` a call, all trials at once by default), checked the same by
    :func:`assert_same`: (numba's, numpy's) (outputs, errors, inputs) by cell."""
    be = NumbaBackend(kernel_dir=kernel_dir)
    try:
        got = run(be, job, chunk)
        if fused:
            assert be.last_fallback.numpy_cells == 0, be.last_fallback.reasons
    finally:
        be.close()
    want = run(NumpyBackend(), job, numpy_chunk or job.trials)
    assert_same(job, got, want)
    return got, want


def job_for(model: Model, inputs: list[InputSpec], outputs: list[str], trials: int,
            seed: int = 3, sampling: Sampling = Sampling.MC) -> Job:
    spec = SimulationSpec(inputs=inputs, outputs=outputs, trials=trials, seed=seed,
                          sampling=sampling)
    return prepare(model, spec)


def tri(cell: str, lo: float, mode: float, hi: float) -> InputSpec:
    return InputSpec(cell, "triangular", {"min": lo, "mode": mode, "max": hi})


# ----------------------------------------------------------------- a model of everything
FORMULAS = {
    "B1": "=A1*A2+A3-A4/A5",
    "B2": "=A1^2+POWER(A2,0.5)-(-A3)%",
    "B3": "=A1/ROUND(A2-A3,0)",                    # #DIV/0! where the rounded difference is 0
    "B4": "=IFERROR(B3,-1)",
    "B5": "=IF(A1>A2,SQRT(A1-A2),LN(A2-A1))",      # #NUM! where A1 = A2 exactly (never)
    "B6": "=SUM(A1:A3,B1,2)+AVERAGE(A1:A5)-MIN(A1,A2)+MAX(A3:A5)",
    "B7": "=ROUND(B1*1.2345,2)+ROUNDUP(A2,1)-ROUNDDOWN(A3,-1)+TRUNC(A4)",
    "B8": "=AND(A1>2,A2<5)",
    "B9": "=B8+OR(A3>A4,NOT(A5<3))*10",
    "B10": "=INT(A1*3)+ABS(A2-5)+EXP(A3/10)+LOG10(A4)+MOD(A5*7,3)",
    "B11": "=NPV(0.08,A1:A5,B1)",
    "B12": "=RAND()*A1+RAND()",
    "B13": "=NORM.INV(RAND(),A1,A2)+NORMINV(0.3,A3,1)+NORM.S.INV(A5/10)",
    "B14": "=LOGNORM.INV(0.7,LN(A1),0.25)",
    "B15": "=SQRT(A1-3)",                           # #NUM! in part of the trials
    "B16": "=IF(A1>3,1/0,A2)",                      # #DIV/0! in part of the trials
    "B17": "=(A1>A2)=(A3>A4)",
    "B18": "=IF(B15>1,B15,IFERROR(B15,0))",
    "B19": "=SUMPRODUCT(A1:A3,C1:C3)+C4",
    "B20": "=IFNA(MATCH(ROUND(A1,0),C1:C5,0),0)+INDEX(C1:C5,ROUND(A5,0))",
    "B21": "=SUMSQ(A1,A2)-PRODUCT(A3:A4)",
    "B22": "=TRUE+A1",
    "B23": "=(A1>2)+(2>A1)+(A1=TRUE)*5",            # Excel orders numbers below logicals
    "B24": "=RANDBETWEEN(1,A5)",
    "B25": "=B12*2",
    "B26": "=XOR(A1>3,A2>3)+NOT(A3)+AND(B8,TRUE)",
    "B27": "=LOG(A1,A2)+LOG(A4)+QUOTIENT(A1*10,A2)+SIGN(A1-3)",
    "B28": "=SIN(A1)+COS(A2)+TAN(A3/4)+ATAN(A4)+TANH(A5-4)+PI()",
    "B29": "=MATCH(A1,C1:C3)+MATCH(A2,C1:C3,1)+INDEX(D1:H1,1,ROUND(A5,0))",
    "B30": "=+A1-(-A2)+IF(A1>A2,,A3)",
    "B31": "=MIN(C1:C3)/MAX(D1:H1)+AVERAGE(B8,A1)",
    "B32": "=ROUND(A1,0)*2+(ROUND(A2,0)=2)",
    "B33": "=AVERAGE(A1,)+MAX(A2,)+MIN(,A3)+SUM(A1,)",  # omitted arguments
    "B34": "=STDEV(A1:A5)+VAR.P(A1,A2)+STDEV.P(A1:A3)+VAR(A4,A5)+IFERROR(STDEV(A1),-1)",
    "B35": "=NORM.DIST(A1,3,1,TRUE)+NORM.DIST(A2,3,A3,FALSE)+NORM.S.DIST(A4-4,TRUE)"
           "+NORMSDIST(A5-5)+NORM.DIST(A1,A2,A3-2,A4>4)",
    "B36": "=CHOOSE(ROUND(A5,0),A1,A2,A3,A4,10,20,30)",
    "B37": "=IRR(C10:H10)+IRR(C10:H10,0.5)",
    "B38": "=IRR(D10:H10)",                         # no sign change: #NUM!
    "B39": "=IRR(C11:H11)",                         # Newton fails: bracketing
    "C10": "=-A1*20", "D10": "=A2*3", "E10": "=A3*3", "F10": "=A4", "G10": "=A5*2",
    "H10": "=A1",
    "C11": "=-A1*100", "D11": "=A2*400", "E11": "=-A3*300", "F11": "=A4", "H11": "=A5",
}
CONSTS = {"C1": 1.0, "C2": 2.0, "C3": 3.0, "C4": "=C1*10", "C5": 4.0,
          "D1": 5.0, "E1": 6.0, "F1": "=D1+E1", "G1": 8.0, "H1": 9.0, "G11": 0.0}


def supported(formulas: dict[str, str]) -> dict[str, str]:
    """The formulas whose functions the engine's library has (it grows over time)."""
    from engine.compiler import compile_formula

    model = Model.from_cells({})
    out = {}
    for k, f in formulas.items():
        node = ir.parse_formula(f, "Sheet1", model.resolver)
        if not compile_formula(node, CellRef("Sheet1", 1, 1))[1].unsupported:
            out[k] = f
    return out


def everything_model() -> tuple[Model, list[InputSpec], list[str]]:
    formulas = supported(FORMULAS)
    formulas = {k: f for k, f in formulas.items()
                if not any(ref in f for ref in set(FORMULAS) - set(formulas))}
    cells = {f"Sheet1!{k}": v for k, v in {**CONSTS, **formulas}.items()}
    params = [(1.0, 3.0, 5.0), (1.5, 2.5, 6.0), (0.5, 2.0, 3.0), (1.0, 4.0, 9.0), (1.0, 5.0, 8.0)]
    for i, (_, m, _) in enumerate(params, start=1):
        cells[f"Sheet1!A{i}"] = m
    inputs = [tri(f"Sheet1!A{i}", *p) for i, p in enumerate(params, start=1)]
    return Model.from_cells(cells), inputs, [f"Sheet1!{k}" for k in formulas]


def test_everything_matches_numpy(backend):
    model, inputs, outputs = everything_model()
    job = job_for(model, inputs, outputs, trials=20_000)
    want = run(NumpyBackend(), job, 20_000)
    got = run(backend, job, 20_000)
    assert backend.last_fallback is not None and backend.last_fallback.numpy_cells == 0, \
        backend.last_fallback.reasons
    assert_same(job, got, want)
    assert "irr_pair(" in backend.source(job)   # its IRRs run two trials in lockstep
    # the model exercises the error paths
    errs = got[1]
    assert (errs[model.ref("B3")] == 2).any() and (errs[model.ref("B4")] == 0).all()
    assert (errs[model.ref("B15")] == 6).any() and (errs[model.ref("B16")] == 2).any()


def test_chunk_size_and_threads_do_not_change_results(backend, tmp_path):
    model, inputs, outputs = everything_model()
    job = job_for(model, inputs, outputs, trials=30_000, seed=12)
    whole = run(backend, job, 30_000)
    chunked = run(backend, job, 7_777)
    one_thread = run(NumbaBackend(threads=1, kernel_dir=backend.kernel_dir), job, 30_000)
    for other in (chunked, one_thread):
        for a, b in zip(whole, other, strict=True):
            for c in a:
                np.testing.assert_array_equal(a[c], b[c])


def test_run_job_writes_chunks_in_place_with_the_same_numbers(backend):
    """run_job on numba: the kernel writes every chunk into the run's arrays (rows of its
    own 2-D arrays, no chunk buffers); outputs that are an input or a constant are filled
    beside it.  Same numbers as the numpy reference, whatever the chunking."""
    from engine.simulate import run_job

    model, inputs, outputs = everything_model()
    outputs = [*outputs, "Sheet1!A2", "Sheet1!C4"]   # an input and a constant as outputs
    job = job_for(model, inputs, outputs, trials=30_000, seed=5)
    arrays = backend.allocate(job)
    assert arrays.layout is not None
    b1 = model.ref("B1")
    assert arrays.outputs[b1].base is arrays.layout.values  # a row of the kernel's array
    want, _ = run_job(job, NumpyBackend(), chunk_size=30_000, stream=False)
    for size in (20_000, 7_777):   # 20,000: the first chunk split over the threads
        got, _ = run_job(job, backend, chunk_size=size, stream=False)
        assert_same(job, _by_cell(job, got), _by_cell(job, want))
    np.testing.assert_array_equal(got.outputs["Sheet1!A2"], got.inputs["Sheet1!A2"])
    assert (got.outputs["Sheet1!C4"] == 10.0).all() and not got.errors["Sheet1!C4"].any()


def test_streamed_run_reuses_one_chunk_buffer_with_the_same_numbers(backend):
    """Streamed, numba runs every chunk into one reused buffer; the float32 outputs, the
    subsample and the moments are those of the run kept in memory."""
    from engine.simulate import run_job

    model, inputs, outputs = everything_model()
    job = job_for(model, inputs, outputs, trials=30_000, seed=8)
    calls = []
    allocate = backend.allocate
    backend.allocate = lambda j, n=None: calls.append(n) or allocate(j, n)
    try:
        kept, _ = run_job(job, backend, chunk_size=30_000, stream=False)
        streamed, _ = run_job(job, backend, chunk_size=7_000, stream=True)
    finally:
        del backend.allocate
    assert calls == [None, 7_000]
    for name, v in kept.outputs.items():
        bad = kept.errors[name] != 0
        want = np.where(bad, np.nan, v).astype(np.float32)
        np.testing.assert_array_equal(streamed.outputs32[name], want, err_msg=name)
        got = streamed.moments[name]
        ok = v[~bad & np.isfinite(v)]
        assert got.count == len(ok)
        if len(ok):   # (some outputs are an error in every trial)
            assert math.isclose(got.mean, ok.mean(), rel_tol=1e-12, abs_tol=1e-12), name
        np.testing.assert_array_equal(streamed.outputs[name], v[::streamed.stride])
    for name, v in kept.inputs.items():
        np.testing.assert_array_equal(streamed.inputs[name], v[::streamed.stride])


def _by_cell(job: Job, samples) -> tuple[dict, dict, dict]:
    return ({c: samples.outputs[str(c)] for c in job.program.outputs},
            {c: samples.errors[str(c)] for c in job.program.outputs},
            {c: samples.inputs[str(c)] for c in job.distributions})


def test_irr_pair_gives_irr_on_each_trial_bit_for_bit():
    """Two trials' IRRs in lockstep: the numbers (and converged flags) of irr on each, for
    flows that converge, need bracketing, have no sign change or hold a NaN."""
    from engine.backends.numba._rt import irr, irr_pair

    rng = np.random.default_rng(3)
    cases = [[-100.0, 50, 60, 70], [100.0, 50, 60, 70], [-100.0, 400, -300, 1],
             [-1.0, 0, 0, 1e6], [0.0, 0, 0, 0], [-100.0, 10, np.nan, 5],
             *rng.normal(0, 100, (30, 4)).tolist()]
    flows = [np.array(c, dtype=np.float64) for c in cases]

    def same(p, q):
        return p[1] == q[1] and (p[0] == q[0] or (math.isnan(p[0]) and math.isnan(q[0])))

    for a in flows:
        for b in flows[:12]:
            ra, rb = irr_pair(a, b, 4, 0.1, -0.5)
            assert same(ra, irr(a, 4, 0.1)) and same(rb, irr(b, 4, -0.5)), (a, b)


# ----------------------------------------------------------------- distributions, uniforms
DISTRIBUTIONS = [
    InputSpec("Sheet1!A1", "triangular", {"min": 1.0, "mode": 2.0, "max": 4.0}),
    InputSpec("Sheet1!A2", "uniform", {"min": -1.0, "max": 3.0}),
    InputSpec("Sheet1!A3", "normal", {"mean": 10.0, "sd": 2.0}),
    InputSpec("Sheet1!A4", "lognormal", {"mean": 5.0, "sd": 1.5}),
    InputSpec("Sheet1!A5", "discrete", {"values": [0, 1, 3], "probabilities": [0.6, 0.3, 0.1]}),
    InputSpec("Sheet1!A6", "pert", {"min": 7.0, "mode": 9.0, "max": 13.0}),
]


@pytest.mark.parametrize("sampling", [Sampling.MC, Sampling.LHS])
def test_every_distribution_draws_the_numpy_samples(backend, sampling):
    """With exact samples, every input's samples are numpy's bit for bit (all drawn in the
    kernel but the lognormal, whose exp differs from numpy's SIMD one in the last bit); by
    default PERT and lognormal samples are within 1e-14 relative (a fast beta inverse)."""
    cells = {f"Sheet1!A{i}": 1.0 for i in range(1, 7)}
    cells["Sheet1!B1"] = "=A1+A2*A3-A4/A6+A5"
    cells["Sheet1!B2"] = "=RAND()*A1+RAND()"          # RAND streams follow the sampling too
    model = Model.from_cells(cells)
    job = job_for(model, DISTRIBUTIONS, ["Sheet1!B1", "Sheet1!B2"], trials=5_000,
                  seed=2**40 + 7, sampling=sampling)
    want = run(NumpyBackend(), job, 5_000)
    exact = NumbaBackend(kernel_dir=backend.kernel_dir, exact_samples=True)
    got = run(exact, job, 1_234)
    assert set(exact.last_fallback.external_inputs) <= {"Sheet1!A4"}
    assert_same(job, got, want)
    fast = run(backend, job, 5_000)
    assert backend.last_fallback.external_inputs == []
    for c in job.distributions:
        np.testing.assert_allclose(fast[2][c], want[2][c], rtol=1e-14, atol=0, err_msg=str(c))
    for c in job.program.outputs:
        np.testing.assert_allclose(fast[0][c], want[0][c], rtol=1e-12, atol=0)
    assert exact.last_fallback.numpy_cells == backend.last_fallback.numpy_cells == 0


def test_kernel_uniforms_are_engine_sampling_uniforms_bit_for_bit():
    from engine.backends.numba._rt import fill_u01, philox4x32

    # Random123's known answers for Philox4x32-10
    u = np.uint64
    assert [int(x) for x in philox4x32(u(0), u(0), u(0), u(0), u(0), u(0))] == \
        [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]
    pi = [u(x) for x in (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344, 0xA4093822,
                         0x299F31D0)]
    assert [int(x) for x in philox4x32(*pi)] == [0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1]

    for seed in (0, 1, 12345, 2**32 + 5, 2**64 - 1):
        k0, k1 = np.uint64(seed & 0xFFFFFFFF), np.uint64(seed >> 32)
        for stream in (0, stream_id(CellRef("Sheet1", 2, 3)), 0xFFFFFFFF):
            for start in (0, 2**32 - 3, 10**12):     # Monte Carlo, any trial index
                got = np.empty(64)
                fill_u01(got, 0, 64, start, k0, k1, np.uint64(stream), start + 64, 0)
                np.testing.assert_array_equal(got, draw(seed, stream, start, 64, start + 64,
                                                        Sampling.MC))
            for total in (1, 2, 1000, 4097):          # Latin hypercube, any part of a run
                start = total // 3
                count = total - start
                got = np.empty(count)
                fill_u01(got, 0, count, start, k0, k1, np.uint64(stream), total, 1)
                np.testing.assert_array_equal(got, draw(seed, stream, start, count, total,
                                                        Sampling.LHS))


# ----------------------------------------------------------------- workbooks
def _workbook_job(name: str, trials: int, max_outputs: int = 40) -> Job:
    from tests.test_differential import _inputs, reads_input

    model = Model.open(WORKBOOKS / name)
    inputs = _inputs(model)
    input_set = set(inputs)
    order, _ = model.order(model.workbook.formula_cells())
    varying: set = set()
    for c in order:
        cc = model.code(c)
        if reads_input(cc.node, inputs, input_set) or any(d in varying for d in cc.deps):
            varying.add(c)
    outputs = [c for c in order if c in varying]
    if not outputs:
        pytest.skip("no formula depends on a numeric constant")
    # outputs spread over the workbook, their slices together at most MAX_SLICE cells (the
    # kernel's compile time grows with its size)
    chosen: list = []
    cone: set = set()
    step = max(1, len(outputs) // max_outputs)
    for c in outputs[::-1][::step] + outputs[:: step]:
        more = model.upstream([c]) & varying
        if len(cone | more) <= MAX_SLICE and c not in chosen:
            chosen.append(c)
            cone |= more
    specs = []
    for c in inputs:
        x = float(model.workbook.cell(c).value)
        lo, hi = sorted((0.8 * x, 1.2 * x))
        specs.append(tri(str(c), lo, x, hi))
    return job_for(model, specs, [str(c) for c in dict.fromkeys(chosen)], trials=trials)


@pytest.mark.parametrize("book", sorted(p.name for p in WORKBOOKS.glob("*.xlsx")
                                         if p.name != "formulas__test.xlsx"))
def test_workbook_matches_numpy(backend, book):
    """Every bundled workbook of the differential test (its numeric constants as triangular
    inputs): the fused kernel gives the numpy numbers.  800 trials in chunks of 300 (the last
    one partial; numpy's object-valued cells cost ~0.1 s a trial in some books)."""
    from engine.errors import UnsupportedError

    try:
        job = _workbook_job(book, trials=800)
    except UnsupportedError as exc:  # the engine itself cannot simulate it (yet)
        pytest.skip(str(exc))
    want = run(NumpyBackend(), job, 800)
    got = run(backend, job, 300)
    assert_same(job, got, want)
    assert backend.last_fallback is not None


# ----------------------------------------------------------------- fallback
def test_cells_outside_the_subset_run_on_numpy(backend, caplog):
    cells = {
        "Sheet1!A1": 2.0, "Sheet1!A2": 3.0,
        "Sheet1!B1": "=A1*A2",
        "Sheet1!B2": '=LEN(TEXT(B1,"# ?/?"))',         # text: left to numpy
        "Sheet1!B3": "=B2+B1",                            # downstream of it: numpy too
        "Sheet1!B4": "=B1*2",                             # fused
    }
    model = Model.from_cells(cells)
    job = job_for(model, [tri("Sheet1!A1", 1, 2, 4), tri("Sheet1!A2", 2, 3, 5)],
                  ["Sheet1!B3", "Sheet1!B4", "Sheet1!B2"], trials=3_000)
    with caplog.at_level("INFO", logger="engine.backends.numba"):
        got = run(backend, job, 3_000)
    want = run(NumpyBackend(), job, 3_000)
    assert_same(job, got, want)
    fb = backend.last_fallback
    assert fb.fused_cells == 2 and fb.numpy_cells == 2 and not fb.whole_program
    assert "Sheet1!B2" in fb.reasons and "left to numpy" in caplog.text


def test_program_with_nothing_to_fuse_runs_on_numpy(backend):
    cells = {"Sheet1!A1": 2.0, "Sheet1!B1": '=TEXT(A1,"# ?/?")', "Sheet1!B2": "=LEN(B1)"}
    model = Model.from_cells(cells)
    job = job_for(model, [tri("Sheet1!A1", 1, 2, 4)], ["Sheet1!B2"], trials=500)
    assert_same(job, run(backend, job, 500), run(NumpyBackend(), job, 500))
    assert backend.last_fallback.fused_cells == 0


# ----------------------------------------------------------------- generated source
def test_generated_source_holds_no_workbook_text(backend):
    sheet = "Data (import os; os.system)"
    cells = {f"'{sheet}'!A1": 2.0, f"'{sheet}'!A2": 123456.789,
             f"'{sheet}'!B1": "=A1*A2+7.25"}
    model = Model.from_cells(cells, sheets=(sheet,))
    job = job_for(model, [tri(f"'{sheet}'!A1", 1, 2, 4)], [f"'{sheet}'!B1"], trials=100)
    src = backend.source(job)
    assert "import os" not in src and "123456.789" not in src   # constants are arguments
    assert "7.25" in src                                          # validated literals
    compile(src, "<kernel>", "exec")
    assert_same(job, run(backend, job, 100), run(NumpyBackend(), job, 100))


def test_kernels_are_cached_in_process_and_on_disk(backend):
    model, inputs, outputs = everything_model()
    job = job_for(model, inputs, outputs, trials=1_000)
    backend.prepare(job)
    again = NumbaBackend(kernel_dir=backend.kernel_dir)
    again.prepare(job)                       # a new process would load numba's cache
    files = list(backend.kernel_dir.glob("mcdesk_kernel_*.py"))
    assert files and any(backend.kernel_dir.glob("__pycache__/*.nbi"))
    assert again.last_compile_s < 30 and math.isfinite(backend.last_compile_s)


def test_a_kernel_that_does_not_compile_falls_back_to_numpy(backend, monkeypatch, caplog):
    model, inputs, outputs = everything_model()
    job = job_for(model, inputs, outputs[:5], trials=1_000)
    broken = NumbaBackend(kernel_dir=backend.kernel_dir)
    monkeypatch.setattr(broken, "_kernel", lambda plan: (_ for _ in ()).throw(RuntimeError("x")))
    with caplog.at_level("WARNING", logger="engine.backends.numba"):
        got = run(broken, job, 1_000)
    assert broken.last_fallback.whole_program and "failed to compile" in caplog.text
    assert_same(job, got, run(NumpyBackend(), job, 1_000))


# ----------------------------------------------------------------- many random cells
def test_many_random_cells_are_drawn_as_a_group(backend):
    """A workbook made for Excel Monte Carlo: many NORM.INV(RAND(),m,s) and RAND() cells are
    drawn in one loop (no lines per cell), a SUM over them is a loop, and the numbers are
    numpy's (same streams, same inverse CDF, same order of the sum)."""
    n = 120
    cells: dict = {"Sheet1!A1": 1.0}
    for i in range(1, n + 1):
        cells[f"Sheet1!B{i}"] = 100.0 + i % 17
        cells[f"Sheet1!C{i}"] = 5.0 + i % 5
        cells[f"Sheet1!D{i}"] = f"=NORM.INV(RAND(),B{i},C{i})" if i % 3 else "=RAND()"
    cells["Sheet1!E1"] = f"=SUM(D1:D{n})"
    cells["Sheet1!E2"] = "=D1+D2*A1-D3"
    model = Model.from_cells(cells)
    job = job_for(model, [tri("Sheet1!A1", 0.5, 1.0, 2.0)], ["Sheet1!E1", "Sheet1!E2", "Sheet1!D4"],
                  trials=2_000)
    got = run(backend, job, 700)
    assert_same(job, got, run(NumpyBackend(), job, 2_000))
    src = backend.source(job)
    assert "fill_group(" in src and "rsum(" in src and src.count("fill_u01(") == 0
    assert backend.last_fallback.numpy_cells == 0
    assert len(src.splitlines()) < 100
