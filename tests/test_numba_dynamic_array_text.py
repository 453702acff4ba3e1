"""FILTER, UNIQUE and SORT over text made per trial (a table column
``=IF(NOT(ISBLANK(A2)),TEXT(A2,"mmmm-yy"),"")`` whose dates vary), in the fused kernel.

The pattern of a real transactions workbook: a month label per row made by TEXT from the row's
date, ``=UNIQUE(T[Month])`` spilled down a column, ``=FILTER(T[], T[Month]=$D$5)`` and
``=FILTER(T[], T[Type]="Misc")`` spilled over the whole table (the month column included), and
cells reading the numbers of those spills (``=MONTH(F2)``, ``SUM``).  Before, every such
formula was left to numpy ("a dynamic array of text made per trial"), and with it the month
column and everything downstream.

Now UNIQUE/SORT compare the texts per trial (each written out, ranked by case-folded text:
da_tkeys), and a spill cell holding such text that no cell reads is fused as a text whose
characters are not kept (a text output is NaN and #VALUE! in numpy too).  A spill cell of
such text that a cell reads, and INDEX of such a result, are the source row's text
(tests/test_numba_spill_text_readers.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

import engine.backends.cupy._codegen as codegen  # noqa: E402
from engine.backends.numba import fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_cupy import (  # noqa: E402
    NVCC,
    HostCudaBackend,
    _nvcc_ptx,
    host_equals_numpy,
)
from tests.test_backend_numba import job_for, numba_and_numpy, run, tri  # noqa: E402

TRIALS = 300
F, U, S = "_xlfn._xlws.FILTER", "_xlfn.UNIQUE", "_xlfn.SORT"
ROWS = 20
BASE = dt.date(2023, 1, 20)
DAYS = [6 * k for k in range(ROWS - 1)] + [125]    # Jan 20 .. May 25, June in some trials
TYPES = ["Misc", "RDC", "Misc", "Transfer", "misc", "RDC", "Misc", "Check", "RDC", "misc"] * 2
# each date moves by up to +-20 days per trial: the month labels and their count vary
INPUTS = [tri(f"Sheet1!A{r}", (BASE + dt.timedelta(days=d - 20)).toordinal() - 693594,
              (BASE + dt.timedelta(days=d)).toordinal() - 693594,
              (BASE + dt.timedelta(days=d + 20)).toordinal() - 693594)
          for r, d in zip(range(2, ROWS + 2), DAYS, strict=True)]
INPUTS += [tri(f"Sheet1!C{r}", 10.0, 50.0 + r, 200.0) for r in range(2, ROWS + 2)]
LAST = ROWS + 1


def workbook(path: Path, extra: dict[str, str] | None = None) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for col, head in zip("ABCD", ("Date", "Month", "Amount", "Type"), strict=True):
        ws[f"{col}1"] = head
    for i, (d, kind) in enumerate(zip(DAYS, TYPES, strict=True)):
        r = i + 2
        ws[f"A{r}"] = (BASE + dt.timedelta(days=d)).toordinal() - 693594
        ws[f"B{r}"] = f'=IF(NOT(ISBLANK(A{r})),TEXT(A{r},"mmmm-yy"),"")'
        ws[f"C{r}"] = 50.0 + r
        ws[f"D{r}"] = kind
    ws["L1"] = "June-23"
    ws["F2"] = ArrayFormula("F2:F9", f"={U}(B2:B{LAST})")                 # months, in order
    ws["G2"] = ArrayFormula("G2:J9", f'={F}(A2:D{LAST},D2:D{LAST}="misc")')  # whole rows
    ws["K2"] = ArrayFormula("K2:K9", f"={S}({U}(B2:B{LAST}),1,-1)")         # sorted months
    ws["T2"] = ArrayFormula("T2:U3", f"={F}(A2:D{LAST},SUM(C2:C{LAST}))")   # wrong size
    ws["M2"] = ArrayFormula("M2:P9", f'={F}(A2:D{LAST},B2:B{LAST}=$L$1,"none")')
    ws["Q2"] = ArrayFormula("Q2:Q9", f"={U}(UPPER(B2:B{LAST}))")           # made per element
    plain = {
        "R1": f"=COUNTA({U}(B2:B{LAST}))",           # how many months this trial
        "R2": f"=SUM({F}(C2:C{LAST},B2:B{LAST}=$L$1,0))",
        "R3": "=SUM(I2:I9)+MONTH(G2)",                # numbers of the FILTER's spill
        "R4": f"=COUNTA({U}(B2:C{LAST}))",            # rows of text and number
        "R5": "=SUM(O2:O9)",
        "R6": f'=COUNTA({U}({F}(B2:B{LAST},C2:C{LAST}>60)))',   # months of the big amounts
        "R7": f"=COUNTA({U}({S}(B2:C{LAST},2)))",
    }
    for k, v in {**plain, **(extra or {})}.items():
        ws[k] = v
    wb.save(path)
    return Model.open(path)


SPILLS = [f"Sheet1!{col}{r}" for col in "FGHIJKMNOPQ" for r in range(2, 10)] + \
    ["Sheet1!T2", "Sheet1!U2", "Sheet1!T3", "Sheet1!U3"]
OUTS = [*SPILLS, *(f"Sheet1!R{r}" for r in range(1, 8))]


def _job(tmp_path: Path, extra: dict[str, str] | None = None, outs: list[str] = OUTS):
    model = workbook(tmp_path / "months.xlsx", extra)
    return job_for(model, INPUTS, outs, trials=TRIALS), model


def test_month_labels_vary_in_numpy(tmp_path):
    job, model = _job(tmp_path)
    got = run(NumpyBackend(), job, TRIALS)
    r1 = got[0][model.ref("Sheet1!R1")]
    assert r1.min() >= 3 and r1.max() <= 6 and len(set(r1)) > 1   # months per trial vary
    assert (got[1][model.ref("Sheet1!F2")] == 3).all()              # text output: #VALUE!
    o3 = got[1][model.ref("Sheet1!O3")]                              # "none" repeated, or
    assert (o3 == 3).mean() > 0.5 and (o3 == 0).mean() > 0.05       # the June amount
    assert (got[1][model.ref("Sheet1!U3")] == 3).all()              # FILTER of the wrong size


def test_fused_whole(tmp_path):
    job, _ = _job(tmp_path)
    assert fused_report(job) == {}   # before: every formula here "depends on a cell left..."


@pytest.mark.slow   # ~2 min of numba compile on a busy machine: the host build covers it
def test_dynamic_arrays_of_text_made_per_trial_equal_numpy(tmp_path):
    job, _ = _job(tmp_path)
    numba_and_numpy(job, tmp_path / "kernels", 100, 7, fused=True)


def test_text_of_a_spill_read_by_a_cell_is_fused(tmp_path):
    """Was left to numpy (with the month texts); now read as the source row's text (the
    readers' values: tests/test_numba_spill_text_readers.py)."""
    job, _ = _job(tmp_path, {"S1": '=F3&"!"', "S2": f"=INDEX({U}(B2:B{LAST}),2)"},
                  [*OUTS, "Sheet1!S1", "Sheet1!S2"])
    assert fused_report(job) == {}


def test_dynamic_arrays_of_text_on_the_host_build_equal_numpy(tmp_path):
    job, _ = _job(tmp_path)
    assert "da_tkeys(" in HostCudaBackend.source_of(job).split("MC_HD void mc_trial", 1)[1]
    host_equals_numpy(job, tmp_path, 150, TRIALS)


_DEVICE_CALLS = r"""
extern "C" __global__ void mcdesk_kernel(double *a, const unsigned char *z, double *out) {
    double *ps = a, *pe = a + 8, *e = a + 16, *t = a + 24, *k = a + 32, *tmp = a + 40;
    double n = da_tkeys(z, ps, pe, e, t, k, 8.0, tmp) + da_kept(k, e, 8.0);
    out[threadIdx.x] = n + k[3];
}
"""


@pytest.mark.skipif(NVCC is None, reason="nvcc is not installed")
def test_nvcc_compiles_the_text_keys(tmp_path):
    """da_tkeys and da_kept compiled for the device, the dynamic-array runtime alone."""
    source = "\n".join(["typedef double real;", "#define R(x) ((real)(x))", codegen.RUNTIME,
                        codegen.DYNARRAY_RUNTIME, _DEVICE_CALLS])
    _nvcc_ptx(source, tmp_path, "dyntext_keys")


def test_text_keys_rank_case_folded_texts():
    """da_tkeys: each text's rank among the distinct case-folded texts (what UNIQUE and SORT
    compare); numbers, errors and blanks keep their keys."""
    import numpy as np

    from engine.backends.numba._rt_dynarrays import da_tkeys

    rng = np.random.default_rng(5)
    words = ["may-23", "May-23", "april-23", "", "MAY-2", "June-23", "a", "A", "june-23"]
    for _ in range(20):
        m = int(rng.integers(1, 40))
        picks = [words[int(rng.integers(len(words)))] for _ in range(m)]
        kinds = rng.integers(0, 4, m).astype(float)       # 2.0: text
        errs = np.where(rng.random(m) < 0.1, 7.0, 0.0)
        z, ps, pe = [], np.zeros(m), np.zeros(m)
        for p, w in enumerate(picks):
            ps[p] = len(z)
            z += [float(ord(ch)) for ch in w]
            pe[p] = len(z)
        sk = np.full(m, -5.0)
        da_tkeys(np.array(z + [0.0]), ps, pe, errs, kinds, sk, float(m), np.zeros(2 * m))
        text = (kinds == 2.0) & (errs == 0.0)
        order = sorted({picks[p].lower() for p in range(m) if text[p]})
        want = np.where(text, [float(order.index(w.lower())) if t else -5.0
                               for w, t in zip(picks, text, strict=True)], -5.0)
        np.testing.assert_array_equal(sk, want)
