"""Checks that the numba kernel tests share: the kernel source of a job whose every cell is
fused, numba and the CUDA kernel's host build checked against one numpy run, a one-sheet
workbook written with openpyxl and its job, and the kernel files numba wrote."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.backends.numba._codegen import generate
from engine.backends.numba._samplers import samplers_for
from engine.model import Model
from tests.test_backend_cupy import CXX, host_equals_numpy
from tests.test_backend_numba import job_for, numba_and_numpy, run

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

    from engine.backends import Job
    from engine.spec import InputSpec


def fused_source(job: Job) -> str:
    """The numba kernel source of ``job``, every cell of its stochastic slice fused (the plan
    generated once: ``fused_report(job) == {}`` is the same plan's ``rest`` empty)."""
    samplers, mode = samplers_for(job, False)
    plan = generate(job.program, samplers, mode)
    assert not plan.rest, {str(c): plan.reasons.get(c, "depends on a cell left to numpy")
                           for c in plan.rest}
    return plan.source


def kernel_lines(job_of: Callable[[int], Job], *rows: int) -> list[int]:
    """The lines of the fused kernel of ``job_of(r)`` for each of ``rows`` (how a table's
    kernel grows with its rows)."""
    return [len(fused_source(job_of(r)).splitlines()) for r in rows]


def book_job(tmp_path: Path, build: Callable[[Path, int], list[str]], rows: int,
             inputs: list[InputSpec], trials: int) -> Job:
    """The job of the workbook of ``rows`` rows that ``build(path, rows)`` writes at a path
    under ``tmp_path`` (returning the cells to output)."""
    path = tmp_path / f"{build.__name__}{rows}.xlsx"
    outputs = build(path, rows)
    return job_for(Model.open(path), inputs, outputs, trials)


def numba_and_host_equal_numpy(job: Job, folder: Path, chunk: int = 200,
                               fused: bool = False) -> tuple:
    """``job`` run by numba (kernels in ``folder``; with ``fused``, every cell in the kernel)
    and, where there is a C++ compiler, by the CUDA kernel's host build (in ``folder /
    "cuda"``), ``chunk`` trials a call, each checked the same as one numpy run of all the
    trials: (numba's, numpy's) results."""
    got, want = numba_and_numpy(job, folder, chunk, fused=fused)
    if CXX is not None:
        host_equals_numpy(job, folder / "cuda", chunk, want=want)
    return got, want


def new_sheet(title: str = "Sheet1"):
    """The one sheet, ``title``, of a new openpyxl workbook."""
    import openpyxl

    ws = openpyxl.Workbook().active
    ws.title = title
    return ws


def criteria_sheet():
    """The one sheet, "Sheet1", of a new openpyxl workbook, holding the criteria tests' input
    cells (E1 5, E2 2)."""
    ws = new_sheet()
    ws["E1"], ws["E2"] = 5.0, 2.0
    return ws


def saved_model(ws, cells: dict[str, object], path: Path) -> Model:
    """``ws``'s workbook with ``cells`` (address: value or formula) written on ``ws``, saved
    at ``path`` and opened as a Model."""
    for k, v in cells.items():
        ws[k] = v
    ws.parent.save(path)
    return Model.open(path)


def sheet_job(path: Path, cells: dict[str, object], inputs: list[InputSpec],
              outputs: Iterable[str], trials: int, title: str = "S") -> Job:
    """The job of a one-sheet workbook ``title`` holding ``cells`` (address: value or
    formula), written with openpyxl at ``path``; ``outputs`` are addresses on that sheet."""
    model = saved_model(new_sheet(title), cells, path)
    return job_for(model, inputs, [f"{title}!{c}" for c in outputs], trials)


def numba_kernels(job: Job, folder: Path, chunk: int, caplog) -> tuple[tuple, str]:
    """``job`` run by a fresh numba backend writing its kernels in ``folder``, ``chunk``
    trials a call, no kernel failing to compile (``caplog``): (numba's results, the source
    of the kernel files, one after another)."""
    from engine.backends.numba import NumbaBackend

    be = NumbaBackend(kernel_dir=folder)
    try:
        got = run(be, job, chunk)
    finally:
        be.close()
    assert "failed to compile" not in caplog.text
    return got, "".join(p.read_text() for p in sorted(folder.glob("*.py")))


def fused_sheet_values(folder: Path, cells: dict[str, object], inputs: list[InputSpec],
                       outputs: list[str], trials: int) -> dict[str, object]:
    """The job of a one-sheet workbook "S" holding ``cells`` (:func:`sheet_job`, written in
    ``folder``), every cell of its slice fused, run by numba and the CUDA host build, each
    equal to numpy (:func:`numba_and_host_equal_numpy`, 200 trials a call): numpy's values
    of ``outputs`` by address."""
    job = sheet_job(folder / "book.xlsx", cells, inputs, outputs, trials)
    # every cell fused: checked on the run's own plan (no second generation by fused_report)
    _, want = numba_and_host_equal_numpy(job, folder / "kernels", 200, fused=True)
    return {a: want[0][r] for a, r in zip(outputs, job.program.outputs, strict=True)}


def assert_kernel_grows_gently(job_of: Callable[[int], Job], rows: tuple[int, int],
                               first_under: int | None, growth_under: int) -> None:
    """The fused kernel of ``job_of(rows[0])`` has fewer than ``first_under`` lines (None:
    any), and that of ``job_of(rows[1])`` fewer than ``growth_under`` lines more."""
    small, large = kernel_lines(job_of, *rows)
    if first_under is not None:
        assert small < first_under, small
    assert large - small < growth_under, (small, large)


def fused_sheet_results(ws, path: Path, inputs: list[InputSpec], outputs: list[str],
                        trials: int) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """``ws``'s workbook saved at ``path``, its job of ``outputs`` every cell fused and run
    by numba and the CUDA host build, each equal to numpy (:func:`numba_and_host_equal_numpy`,
    kernels beside ``path``, 200 trials a call): numba's values and error codes by address
    ("S!D1"), and the draws of the first input."""
    job = job_for(saved_model(ws, {}, path), inputs, outputs, trials)
    (got, errs, ins), _ = numba_and_host_equal_numpy(job, path.parent / "k", 200, fused=True)
    return ({str(c): v for c, v in got.items()}, {str(c): v for c, v in errs.items()},
            ins[next(iter(ins))])


def formula_values(path: Path | str) -> dict[str, object]:
    """Every formula cell of the workbook at ``path`` evaluated once by numpy: its value
    by address on its sheet (no sheet name)."""
    model = Model.open(path)
    values, _ = model.evaluate(model.workbook.formula_cells())
    return {str(c).split("!")[1]: v.scalar() for c, v in values.items()}
