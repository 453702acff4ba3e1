"""The numpy reference: a trial's value does not depend on the other trials of its chunk.

FILTER and UNIQUE keep a number of rows that changes from trial to trial, OFFSET with a drawn
height names a range whose size changes: run with 1000 trials a chunk, each trial must get
what it gets alone (a chunk of 1), bit for bit, values and error codes.  Before, the chunk's
arrays were padded to its largest trial (a blank row counted as a criterion of 0: #DIV/0! in
AVERAGEIF), an OFFSET of several sizes was #VALUE!, and a FILTER keeping nothing in any trial
of the chunk gave every trial the chunk's largest error code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.backends import Job
from engine.backends.numpy import NumpyBackend
from engine.model import Model
from engine.simulate import prepare
from engine.spec import InputSpec, SimulationSpec

openpyxl = pytest.importorskip("openpyxl")
from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

TRIALS = 300
F, U = "_xlfn._xlws.FILTER", "_xlfn.UNIQUE"

# B1:B4 drawn in (0, 1); rows 1..8: A the row's amount, C a label chosen per trial from one of
# B1:B4, D a small number (UNIQUE's count varies), G #DIV/0! in some trials
PLAIN = {
    "K1": f"=MIN(AVERAGEIF(C1:C8,{U}(C1:C8),A1:A8))",     # the engineer's case: no #DIV/0!
    "K2": f"=SUM(SUMIF(C1:C8,{U}(C1:C8),A1:A8))",          # always SUM(A1:A8) = 36
    "K3": f"=COUNT({U}(D1:D8))",
    "K4": "=SUM(OFFSET(A1,0,0,E1,1))",                      # height 1..5 per trial
    "K5": f"=SUM({F}(A1:A8,C1:C8=\"a\"))",
    "K6": f"=INDEX({F}(A1:A8,C1:C8=\"a\"),2)",               # #REF! where one row only
    "K7": f"=SUM({F}(A1:A8,G1:G8>100))",                     # nothing kept: #DIV/0! or #CALC!
    "K8": f"=ROWS({F}(A1:A8,C1:C8=\"b\"))",
    "K9": "=COUNTBLANK(OFFSET(A1,0,0,E1,2))+ROWS(OFFSET(A1,0,0,E1,1))",
    "K10": f"=COUNTA({U}(C1:C8))",
    "K12": f"=SUM({F}(A1:A8,A1:A8>4))*B1+SUM(OFFSET(A1,0,0,3+0*E1,1))",  # one shape
    "K13": "=SUM(_xlfn.TAKE(A1:A8,E1))+100*SUM(_xlfn.SEQUENCE(E1))",      # size per trial
    "K14": "=SUM(_xlfn.TOCOL(G1:G8,2))+100*ROWS(_xlfn.TOCOL(G1:G8,2))",  # errors skipped
    "K15": '=SUM(INDIRECT(IF(B1>0.5,"A1:A3","A1:A5")))+100*COUNT(INDIRECT("A"&E1):A8)',
    "K11": "=COUNTBLANK(A1:INDEX(A1:A12,E1+6))*100+COUNT(OFFSET(A1,0,0,E1,1):A2)",
}
SPILLS = {"M1": ("M1:M3", f"={F}(A1:A8,C1:C8=\"a\")"),   # row 2, 3: #N/A where not kept
          "N1": ("N1:N3", f"={U}(D1:D8)")}
OUTPUTS = [*PLAIN, "M1", "M2", "M3", "N1", "N2", "N3"]


def _model(path: Path) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for r in range(1, 9):
        b = 1 + (r - 1) % 4
        ws[f"A{r}"] = r
        ws[f"C{r}"] = f'=IF($B${b}>0.5,"a","b")'
        ws[f"D{r}"] = f"=ROUND($B${b}*2,0)"
        ws[f"G{r}"] = f"=1/ROUND($B${b}+0.3,0)"
    for r in range(1, 5):
        ws[f"B{r}"] = 0.5
    ws["E1"] = "=ROUND(B1*4,0)+1"
    for k, v in PLAIN.items():
        ws[k] = v
    for k, (ref, formula) in SPILLS.items():
        ws[k] = ArrayFormula(ref, formula)
    wb.save(path)
    return Model.open(path)


def _job(model: Model, outputs: list[str] = OUTPUTS) -> Job:
    inputs = [InputSpec(f"Sheet1!B{r}", "triangular", {"min": 0.0, "mode": 0.5, "max": 1.0})
              for r in range(1, 5)]
    spec = SimulationSpec(inputs=inputs, outputs=[f"Sheet1!{c}" for c in outputs],
                          trials=TRIALS, seed=11)
    return prepare(model, spec)


def _run(job: Job, chunk: int) -> tuple[dict, dict]:
    be = NumpyBackend()
    vals: dict = {c: [] for c in job.program.outputs}
    errs: dict = {c: [] for c in job.program.outputs}
    for start in range(0, job.trials, chunk):
        res = be.run(job, start, min(chunk, job.trials - start))
        for c in vals:
            vals[c].append(res.outputs[c])
            errs[c].append(res.errors[c])
    return ({c: np.concatenate(v) for c, v in vals.items()},
            {c: np.concatenate(v) for c, v in errs.items()})


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    model = _model(tmp_path_factory.mktemp("chunks") / "ragged.xlsx")
    job = _job(model)
    return model, _run(job, 1000), _run(job, 1)


@pytest.mark.parametrize("cell", OUTPUTS)
def test_chunk_of_1000_equals_one_trial_at_a_time(runs, cell):
    model, (bv, be), (ov, oe) = runs
    ref = model.ref(f"Sheet1!{cell}")
    np.testing.assert_array_equal(be[ref], oe[ref], err_msg=f"error codes of {cell}")
    np.testing.assert_array_equal(bv[ref], ov[ref], err_msg=f"values of {cell}")


def test_values_are_excels(runs):
    """What Excel gives per trial, from the trial's own labels (one trial at a time)."""
    model, (v, e), _ = runs

    def at(c: str):
        ref = model.ref(f"Sheet1!{c}")
        return v[ref], e[ref]

    k1, k1e = at("K1")
    assert (k1e == 0).all()                         # before: #DIV/0! in some trials
    assert ((k1 >= 1.0) & (k1 <= 8.0)).all()
    k2, k2e = at("K2")
    assert (k2e == 0).all() and (k2 == 36.0).all()  # before: the C=0 row counted twice
    k4, k4e = at("K4")
    h = np.array([1, 3, 6, 10, 15, 21])
    assert (k4e == 0).all() and np.isin(k4, h).all() and len(np.unique(k4)) > 2
    k7, k7e = at("K7")
    assert set(np.unique(k7e)) == {2, 3}            # #DIV/0! of G first, else #CALC!
    k8, k8e = at("K8")
    k5, k5e = at("K5")
    assert len(np.unique(k8[k8e == 0])) > 2        # before: the chunk's largest count
    all_b = (k8e == 0) & (k8 == 8.0)
    assert all_b.any() and ((k5e == 3) == all_b).all()   # FILTER of nothing: #CALC!
    k3, _ = at("K3")
    assert set(np.unique(k3)) == {1.0, 2.0, 3.0}
    # an array formula's range past UNIQUE's rows: #N/A; one row fills the range (as in Excel)
    one = k3 == 1.0
    assert (at("N2")[0][one] == at("N1")[0][one]).all() and (at("N3")[1][one] == 0).all()
    assert ((at("N3")[1] == 7) == (k3 == 2.0)).all()


def test_one_shape_in_every_trial_stays_vectorized(runs, monkeypatch):
    """Where every trial of the chunk keeps the same rows and range, the cell runs once for
    the whole chunk (no per-group evaluation)."""
    import engine.model

    def refuse(*args, **kwargs):
        raise AssertionError("evaluated per group of trials")

    model, (v, e), _ = runs
    monkeypatch.setattr(engine.model, "compute_by_groups", refuse)
    vals, errs = _run(_job(model, ["K12"]), 1000)
    ref = model.ref("Sheet1!K12")
    np.testing.assert_array_equal(vals[ref], v[ref])
    assert (errs[ref] == 0).all()
