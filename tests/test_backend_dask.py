"""The dask backend on a LocalCluster of 2 worker processes: the same numbers as a local run,
bit for bit (kept and streamed runs), a worker killed mid-run changes nothing, cancel stops
every task, the job is shipped once per worker (a plugin), not with every task.

The numba kernels go to a temporary MCDESK_KERNEL_CACHE shared with the workers: the local
reference run compiles a kernel once, the workers load it from numba's disk cache.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("distributed")
pytest.importorskip("numba")

from engine.backends import ChunkResult, get_backend  # noqa: E402
from engine.backends.dask import SCHEDULER_ENV, DaskBackend  # noqa: E402
from engine.errors import CancelledError  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.simulate import prepare, run_job  # noqa: E402
from engine.spec import SimulationSpec  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "mcdesk" / "examples"


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("kernels")
    old = os.environ.get("MCDESK_KERNEL_CACHE")
    os.environ["MCDESK_KERNEL_CACHE"] = str(path)  # before the workers start: they inherit it
    yield path
    if old is None:
        os.environ.pop("MCDESK_KERNEL_CACHE", None)
    else:
        os.environ["MCDESK_KERNEL_CACHE"] = old


@pytest.fixture(scope="module")
def client(kernel_dir):
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    c = Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def example_job():
    model = Model.open(EXAMPLES / "capital_project.xlsx")
    spec = SimulationSpec.load(EXAMPLES / "capital_project.spec.json")
    return prepare(model, replace(spec, trials=100_000))


@pytest.fixture(scope="module")
def generated_job(tmp_path_factory, monkeypatch_module):
    import bench.genmodel as genmodel

    monkeypatch_module.setattr(genmodel, "PROJECTS", 8)  # 8 x 25 cells: about 200
    book, spec_path, cells = genmodel.write_model(tmp_path_factory.mktemp("gen"))
    assert 150 <= cells <= 300
    spec = SimulationSpec.load(spec_path)
    return prepare(Model.open(book), replace(spec, trials=200_000))


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.fixture(scope="module")
def local_numba(kernel_dir):
    be = get_backend("numba")
    yield be
    be.close()


def same_samples(a, b) -> None:
    assert a.streamed == b.streamed and a.stride == b.stride
    for name in ("inputs", "outputs", "errors", "outputs32"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.keys() == y.keys()
        for k in x:
            assert np.array_equal(x[k], y[k], equal_nan=True), (name, k)
    assert a.moments == b.moments  # exact: count, mean, m2, min, max bit for bit


@pytest.fixture(scope="module")
def example_want(example_job):
    return run_job(example_job, get_backend("numpy"), stream=False)[0]


def test_example_kept_run_identical_to_local(client, example_job, example_want):
    want = example_want
    be = DaskBackend(client=client, inner="numpy")
    try:
        got, _ = run_job(example_job, be, stream=False)
    finally:
        be.close()
    same_samples(want, got)
    assert len(got.outputs["Summary!B2"]) == 100_000


def test_generated_model_streamed_identical_whatever_the_tasks(client, generated_job,
                                                               local_numba):
    want, _ = run_job(generated_job, local_numba, stream=True)
    seen = []
    be = DaskBackend(client=client, inner="numba", chunk=30_000)  # 7 tasks, last one short
    try:
        got, _ = run_job(generated_job, be, stream=True,
                         progress=lambda done, total: seen.append(done))
    finally:
        be.close()
    same_samples(want, got)
    assert got.moments["Summary!B1"].count == 200_000
    assert seen[-1] == 200_000 and len(seen) == 7  # progress per task


def test_bounded_run_on_dask_reruns_its_tasks_for_the_exact_statistics(client, example_job,
                                                                        example_want,
                                                                        monkeypatch):
    """No per-trial outputs kept (engine.exact_summary): the passes rerun the ranges on the
    cluster and the percentiles equal those of every trial kept locally, bit for bit."""
    import engine.streaming as streaming
    from engine.simulate import summarize

    monkeypatch.setattr(streaming, "VALUES32_MAX", 0)
    be = DaskBackend(client=client, inner="numpy", chunk=30_000)
    try:
        got, t = run_job(example_job, be, stream=True)
    finally:
        be.close()
    mine = summarize(example_job, got, t, "dask")
    want = summarize(example_job, example_want, 1.0, "numpy")
    for name, out in want.outputs.items():
        assert mine.outputs[name].percentiles == out.percentiles, name
        assert mine.outputs[name].histogram == out.histogram, name
        assert mine.outputs[name].percentile_method == "exact-passes"


def test_job_shipped_once_per_worker_as_a_plugin(client, example_job):
    be = DaskBackend(client=client, inner="numpy", chunk=5_000)
    small = replace(example_job, trials=20_000)
    try:
        key = be.job_key(small)
        assert be.job_key(small) == key  # pickled and registered once per job
        run_job(small, be, stream=False)
        import engine.backends.dask as dask_backend  # the worker side's registry of jobs

        installed = client.run(lambda: sorted(dask_backend._JOBS))
        assert len(installed) == 2 and all(key in keys for keys in installed.values())
        plugins = client.run_on_scheduler(lambda dask_scheduler: list(
            dask_scheduler.worker_plugins))
        assert f"mcdesk-job-{key}" in plugins
    finally:
        be.close()
    plugins = client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.worker_plugins))
    assert f"mcdesk-job-{key}" not in plugins  # a shared cluster: our jobs dropped on close


def test_worker_killed_mid_run_same_result(client, example_job, example_want):
    want = example_want
    pids = list(client.run(os.getpid).values())
    assert len(pids) == 2
    killed = []

    def progress(done: int, total: int) -> None:
        if not killed:
            os.kill(pids[0], signal.SIGKILL)
            killed.append(done)

    be = DaskBackend(client=client, inner="numpy", chunk=10_000)
    try:
        got, _ = run_job(example_job, be, stream=False, progress=progress)
    finally:
        be.close()
    assert killed and killed[0] < 100_000
    same_samples(want, got)
    client.wait_for_workers(2, timeout=60)  # the nanny started a replacement
    assert pids[0] not in client.run(os.getpid).values()


def test_cancel_stops_every_task(client, example_job):
    counts = []

    def cancel() -> bool:
        return bool(counts)

    be = DaskBackend(client=client, inner="numpy", chunk=2_000, cancel=cancel)
    t0 = time.perf_counter()
    try:
        with pytest.raises(CancelledError):
            run_job(example_job, be, stream=False, progress=lambda d, t: counts.append(d),
                    cancel=cancel)
    finally:
        be.close()
    assert counts[-1] < 20_000  # of 100,000: the run stopped early
    assert time.perf_counter() - t0 < 60

    def tasks(dask_scheduler) -> list[str]:
        return [k for k in map(str, dask_scheduler.tasks) if "mcdesk-" in k]

    for _ in range(50):  # released futures leave the scheduler within moments
        if not client.run_on_scheduler(tasks):
            break
        time.sleep(0.1)
    assert client.run_on_scheduler(tasks) == []
    assert all(not v for v in client.processing().values())


def test_streamed_moments_do_not_depend_on_the_chunking():
    from engine.streaming import MOMENT_BLOCK, StreamSink
    from engine.workbook import CellRef

    out = CellRef("S", 1, 1)
    x = np.random.default_rng(5).lognormal(3.0, 1.5, 3 * MOMENT_BLOCK + 1234)
    err = (np.arange(x.size) % 997 == 3).astype(np.uint8)

    def moments(bounds: list[int]):
        sink = StreamSink(x.size, {}, {out: "o"})
        pieces = list(zip(bounds[:-1], bounds[1:], strict=True))
        for a, b in reversed(pieces):  # out of order, as chunks finish
            sink.store(ChunkResult(a, b - a, {}, {out: x[a:b]}, {out: err[a:b]}))
        return sink.moments()["o"]

    one = moments([0, x.size])
    assert one.count == int((err == 0).sum())
    for bounds in ([0, 30_000, 70_001, 150_000, x.size],
                   list(range(0, x.size, 4_096)) + [x.size],
                   [0, MOMENT_BLOCK, 2 * MOMENT_BLOCK + 5, x.size]):
        assert moments(bounds) == one  # bit for bit


def test_scheduler_from_the_environment_and_bad_inner(monkeypatch):
    monkeypatch.setenv(SCHEDULER_ENV, "tcp://10.0.0.5:8786")
    assert DaskBackend().scheduler == "tcp://10.0.0.5:8786"   # nothing connects until a run
    assert DaskBackend(scheduler="tcp://h:1").scheduler == "tcp://h:1"
    from engine.errors import SpecError

    with pytest.raises(SpecError, match="inner backend 'tpu'"):
        DaskBackend(inner="tpu")


def test_cli_takes_backend_dask_and_scheduler():
    from mcdesk.cli import build_parser

    args = build_parser().parse_args(["simulate", "book.xlsx", "--backend", "dask",
                                      "--scheduler", "tcp://sched:8786"])
    assert args.backend == "dask" and args.scheduler == "tcp://sched:8786"
