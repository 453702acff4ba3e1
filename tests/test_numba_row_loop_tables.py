"""Summary tables over a long log, the Kebron911 template way (unseen4: PAM-003's year-end
summary, OPS-005's vendor totals): ``=IF(A8="","",SUMPRODUCT((YEAR(Log!$A$6:$A$245)=$B$5)*
(Log!$B$6:$B$245=A8)*Log!$J$6:$J$245))`` in every row of the summary, the log's columns
made per trial, some of them text in the log's blank rows (``=IF(B6="","",F6*0.9)``) or an
error in some trials.  SUMPRODUCT of the array expression was written out element by
element (a few lines per row of the log, in every cell: the kernel "too large", the summary
left to numpy); it is now one loop over the rows (:mod:`engine.backends.numba._row_loops`),
the mixed columns written once per trial into shared scratch arrays.  numba equals numpy;
the CUDA twin built for the host with g++ too."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import _codegen  # noqa: E402
from engine.backends.numba._samplers import samplers_for  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

ROWS = 240
LAST = 5 + ROWS
HOSTS = ["Ann", "Bob", "Cy", "Dee"]


def _col(c: str) -> str:
    return f"Log!${c}$6:${c}${LAST}"


def summary_job(tmp_path, trials: int = 200):
    """Log!A dates around new year 2024 (inputs: bookings move across the year and across
    March), B the host (blank every 9th row), F the gross (inputs), J the net ("" where no
    host), K the gross or #DIV/0! above 345; Summary!C:G the host's count and totals."""
    wb = openpyxl.Workbook()
    log = wb.active
    log.title = "Log"
    for r in range(6, LAST + 1):
        log[f"A{r}"] = 45200 + (r * 37) % 300          # 2023-10 .. 2024-08
        log[f"B{r}"] = HOSTS[r % 4] if r % 9 else None
        log[f"F{r}"] = 100 + (r * 13) % 250
        log[f"J{r}"] = f'=IF(B{r}="","",F{r}*0.9)'
        log[f"K{r}"] = f"=IF(F{r}>345,1/0,F{r})"
    sm = wb.create_sheet("Summary")
    sm["B5"] = 2024
    test = f"(YEAR({_col('A')})=$B$5)*({_col('B')}=A{{r}})"
    for i, h in enumerate([*HOSTS, None]):
        r = 8 + i
        if h:
            sm[f"A{r}"] = h
        t = test.format(r=r)
        sm[f"C{r}"] = f'=IF(A{r}="","",SUMPRODUCT({t}*1))'
        sm[f"D{r}"] = f'=IF(A{r}="","",SUMPRODUCT({t}*{_col("F")}))'
        sm[f"E{r}"] = (f'=IF(A{r}="","",SUMPRODUCT((MONTH({_col("A")})=3)*'
                       f'({_col("B")}=A{r})*{_col("J")}))')
        sm[f"F{r}"] = f'=SUMPRODUCT({t}*IF({_col("J")}="",0,{_col("J")}))'
        sm[f"G{r}"] = f'=IFERROR(SUMPRODUCT({t}*{_col("K")}),-1)'
        # the host's 2nd booking of the year (SMALL of the rows that pass: one shared loop)
        sm[f"H{r}"] = (f'=IFERROR(INDEX({_col("F")},SMALL(IF({t},ROW({_col("A")})-5),2)),"")')
    path = tmp_path / "summary.xlsx"
    wb.save(path)
    inputs = [tri(f"Log!A{r}", 45200 + (r * 37) % 300 - 60, 45200 + (r * 37) % 300,
                  45200 + (r * 37) % 300 + 60) for r in range(6, LAST + 1, 3)]
    inputs += [tri(f"Log!F{r}", 90.0, 100 + (r * 13) % 250, 350.0) for r in range(6, LAST + 1, 4)]
    outputs = [f"Summary!{c}{r}" for c in "CDEFGH" for r in range(8, 13)]
    return job_for(Model.open(path), inputs, outputs, trials)


def _fused_lines(job) -> int:
    """The lines of ``job``'s numba kernel, every cell of it fused."""
    plan = _codegen.generate(job.program, *samplers_for(job, False))
    assert not plan.rest, plan.reasons
    return len(plan.source.splitlines())


def test_summary_rows_are_loops_under_a_bound(tmp_path):
    """Every cell fused, the kernel ~4,300 lines (was ~10 lines per log row and summary
    cell: past the cap, the summary left to numpy)."""
    assert _fused_lines(summary_job(tmp_path)) < 6_000


@pytest.mark.slow   # a compile; the CUDA host test below checks the same values
def test_numba_equals_numpy(tmp_path):
    got, want = numba_and_numpy(summary_job(tmp_path), tmp_path / "k", 100, fused=True)
    vals = {str(c): v for c, v in want[0].items()}
    assert len(set(vals["Summary!D8"].round(6))) > 5   # rows move across the year
    errs = {str(c): v for c, v in want[1].items()}
    assert (errs["Summary!E8"] != 0).all()   # "" * a mask: #VALUE! in every trial
    assert (vals["Summary!G8"] == -1).all()   # a K row (F above 345) #DIV/0!: IFERROR's -1
    assert len(set(vals["Summary!H8"].round(6))) > 1   # the 2nd booking moves per trial


def test_cuda_twin_equals_numpy(tmp_path):
    from tests.test_backend_cupy import host_equals_numpy

    host_equals_numpy(summary_job(tmp_path), tmp_path / "cuda")


# ------------------------------------------------------------ a restock list (OPS-005)
STOCK = 120
KEY = f"(Inv!$G$6:$G${5 + STOCK}+({5 + STOCK}-ROW(Inv!$G$6:$G${5 + STOCK}))/10000)"


def _kth(k: int, vendor: str | None = None) -> str:
    test = f"(Inv!$G$6:$G${5 + STOCK}>0)"
    if vendor:
        test = f'({test}*(Inv!$H$6:$H${5 + STOCK}="{vendor}"))'
    return f"AGGREGATE(14,6,{KEY}/{test},{k})"


def restock_job(tmp_path, trials: int = 200, rows: int = 12):
    """Inv!G the shortfall (E - F, "" where a count is missing; inputs move it across 0),
    H the vendor; Restock!: row k the k-th largest shortfall (its row's tie-break), all
    vendors (B, C) and one vendor's (D), and its item by MATCH over the same key (E)."""
    wb = openpyxl.Workbook()
    inv = wb.active
    inv.title = "Inv"
    for r in range(6, 6 + STOCK):
        inv[f"B{r}"] = f"item{r}"
        inv[f"E{r}"] = 10 + (r * 7) % 13 if r % 11 else None
        inv[f"F{r}"] = 8 + (r * 5) % 11
        inv[f"G{r}"] = f'=IF(OR(E{r}="",F{r}=""),"",MAX(0,E{r}-F{r}))'
        inv[f"H{r}"] = ["Costco", "Amazon", "Local"][r % 3]
    ws = wb.create_sheet("Restock")
    for k in range(1, rows + 1):
        r = 7 + k
        ws[f"B{r}"] = f'=IFERROR({_kth(k)},"")'
        ws[f"C{r}"] = f'=IFERROR(ROUND({_kth(k)},0)*2,-1)'
        ws[f"D{r}"] = f'=IFERROR({_kth(k, "Amazon")},"none")'
    ws["E8"] = (f'=IFERROR(INDEX(Inv!$B$6:$B${5 + STOCK},MATCH(IFERROR({_kth(1)},""),'
                f'{KEY},0)),"")')
    path = tmp_path / "restock.xlsx"
    wb.save(path)
    inputs = [tri(f"Inv!F{r}", 8 + (r * 5) % 11 - 4, 8 + (r * 5) % 11, 8 + (r * 5) % 11 + 4)
              for r in range(6, 6 + STOCK, 2)]
    outputs = [f"Restock!{c}{r}" for c in "BCD" for r in (8, 9, 12, 7 + rows)] + ["Restock!E8"]
    return job_for(Model.open(path), inputs, outputs, trials)


def test_restock_rows_share_one_loop(tmp_path):
    """The k-th largest of the same 120-row array expression in 36 cells: one packing loop
    per trial (was ~10 lines an element in every cell: past the cap)."""
    assert _fused_lines(restock_job(tmp_path)) < 6_000


@pytest.mark.slow   # a compile; the CUDA host test below checks the same values
def test_restock_numba_equals_numpy(tmp_path):
    got, want = numba_and_numpy(restock_job(tmp_path), tmp_path / "k", 100, fused=True)
    vals = {str(c): v for c, v in want[0].items()}
    assert len(set(vals["Restock!B8"].round(6))) > 2


def test_restock_cuda_twin_equals_numpy(tmp_path):
    from tests.test_backend_cupy import host_equals_numpy

    host_equals_numpy(restock_job(tmp_path), tmp_path / "cuda")
