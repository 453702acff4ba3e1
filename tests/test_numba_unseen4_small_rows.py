"""The k-th row that passes a test, the pre-365 way (unseen4 corpus: Kebron911's commission
split calculator, a monthly statement listing the month's bookings row by row):
``=IFERROR(INDEX(Log!F, IFERROR(SMALL(IF((MONTH(Log!A)=m)*(YEAR(Log!A)=y)*(Log!B=o),
ROW(Log!A)-1), k), "")), "")`` in an ordinary cell.  Below INDEX's position numpy reads the
ranges as arrays; the kernel evaluated SMALL's array argument as one value ("a date function
over a range (array formula)", 90 cells; "function ROW is not in the fused subset").  SMALL
and LARGE now read an array expression's elements (its numbers; FALSE where IF has no else
is skipped, as numpy's numeric_columns does).  numba equals numpy; the CUDA twin built for
the host with g++ too."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

N = 10
RNG = f"Log!$A$2:$A${N + 1}"
TEST = (f"(MONTH({RNG})=$C$7)*(YEAR({RNG})=$E$7)*(Log!$B$2:$B${N + 1}=$C$6)")


def _kth(k: int, fn: str = "SMALL") -> str:
    return f"{fn}(IF({TEST},ROW({RNG})-1),{k})"


def statement_job(tmp_path, trials: int = 240):
    """Log!A2:A11 booking dates around the end of March 2023 (inputs: some trials move a
    booking into April), B the owner, F the gross, J the fee; Statement!: the month's k-th
    booking's net, its gross by LARGE, and the month's total."""
    wb = openpyxl.Workbook()
    log = wb.active
    log.title = "Log"
    owners = ["Ann", "Bo", "Ann", "Ann", "Bo", "Ann", "Ann", "Bo", "Ann", "Ann"]
    for j in range(N):
        r = j + 2
        log[f"A{r}"] = 45012 + 2 * j          # 2023-03-26 .. 2023-04-13
        log[f"B{r}"] = owners[j]
        log[f"F{r}"] = 100.0 + 10 * j
        log[f"J{r}"] = 5.0 + j
    ws = wb.create_sheet("Statement")
    ws["C6"], ws["C7"], ws["E7"] = "Ann", 3, 2023
    for k in range(1, 6):
        pos = f'IFERROR({_kth(k)},"")'
        ws[f"A{k + 8}"] = (f'=IFERROR(INDEX(Log!$F$2:$F${N + 1},{pos})'
                           f'-INDEX(Log!$J$2:$J${N + 1},{pos}),"")')
        ws[f"B{k + 8}"] = f'=IFERROR(INDEX(Log!$F$2:$F${N + 1},IFERROR({_kth(k, "LARGE")},"")),"")'
    ws["C9"] = f"=SUMPRODUCT({TEST}*Log!$F$2:$F${N + 1})"
    path = tmp_path / "statement.xlsx"
    wb.save(path)
    inputs = [tri(f"Log!A{j + 2}", 45012 + 2 * j - 3, 45012 + 2 * j, 45012 + 2 * j + 3)
              for j in range(N)] + [tri(f"Log!F{j + 2}", 90.0, 100.0 + 10 * j, 250.0)
                                    for j in range(0, N, 3)]
    outputs = [f"Statement!{c}{k + 8}" for c in "AB" for k in range(1, 6)] + ["Statement!C9"]
    return job_for(Model.open(path), inputs, outputs, trials)


def test_every_cell_is_fused(tmp_path):
    assert fused_report(statement_job(tmp_path)) == {}


@pytest.mark.slow   # a compile; the CUDA host test below checks the same values
def test_numba_equals_numpy(tmp_path):
    job = statement_job(tmp_path)
    be = NumbaBackend(kernel_dir=tmp_path / "kernels")
    try:
        assert be.prepare(job).info.numpy_cells == 0
        got = run(be, job, 120)
    finally:
        be.close()
    want = run(NumpyBackend(), job, 240)
    assert_same(job, got, want)
    nets = {str(c): v for c, v in want[0].items()}
    assert len(set(nets["Statement!A11"].round(6))) > 2   # the 3rd booking moves per trial


def test_cuda_twin_equals_numpy(tmp_path):
    from tests.test_backend_cupy import host_equals_numpy

    host_equals_numpy(statement_job(tmp_path), tmp_path / "cuda")
