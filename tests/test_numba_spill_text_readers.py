"""Cells that read the characters of a spill of text made per trial (``=UNIQUE(B2:B21)`` of
``TEXT(date,"mmmm-yy")`` labels spilled down F2:F9): ``=F3&"!"``, ``=LEN(F2)``, ``=F3=F2``,
``SUMIFS(amounts, labels, F3)``, ``INDEX(F2#, 2)`` and INDEX of the UNIQUE itself.

The element holds the row of the source it came from; its text is the source's text of that
row (_dtext's "pick" recipe: one recipe over the values that row picks, written once).
Before, such a reader left the spill, and every label it read, to numpy.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("numba")
pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from tests.test_backend_cupy import host_equals_numpy  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, run  # noqa: E402
from tests.test_numba_dynamic_array_text import INPUTS, LAST, OUTS, U, workbook  # noqa: E402

TRIALS = 200
READERS = {
    "S1": '=F3&"!"',
    "S2": f"=SUMIFS(C2:C{LAST},B2:B{LAST},F3)",
    "S3": "=INDEX(_xlfn.ANCHORARRAY(F2),2)=F3",
    "S4": "=LEN(F2)",
    "S9": "=LEN(F4)",
    "S5": f'=INDEX({U}(B2:B{LAST}),3)&"?"',
    "S6": "=IF(F3<>F2,UPPER(LEFT(F2,3)),\"same\")",
    "S7": f"=COUNTIFS(B2:B{LAST},F2)+LEN(K2)",
    "S8": "=F5=\"March-23\"",
}
# a column of texts of two recipes (month abbreviations, lower-case labels): its spill's
# readers write each text and keep the one picked
READERS.update({f"V{r}": f'=TEXT(A{r},"mmm")' if r % 2 else f"=LOWER(B{r})"
                for r in range(2, LAST + 1)})
READERS.update({"W2": ArrayFormula("W2:W9", f"={U}(V2:V{LAST})"), "S10": "=W2&W3",
                "S11": '=COUNTIF(V2:V21,W4)+LEN(W5)'})
CELLS = [f"Sheet1!{k}" for k in READERS if k[0] == "S"]


def _job(tmp_path: Path):
    model = workbook(tmp_path / "readers.xlsx", READERS)
    return job_for(model, INPUTS, [*OUTS, *CELLS], trials=TRIALS), model


def test_readers_of_spilled_text_are_fused(tmp_path):
    job, _ = _job(tmp_path)
    assert fused_report(job) == {}   # before: the spills, the labels and these to numpy


def test_readers_of_spilled_text_in_numpy(tmp_path):
    """The reference's values (what the fused ones must equal): the labels vary per trial."""
    job, model = _job(tmp_path)
    got = run(NumpyBackend(), job, TRIALS)
    s4 = got[0][model.ref("Sheet1!S4")]
    # the first month: December-22, January-23 or February-23 (dates Jan 20 +- 20 days)
    assert set(s4) == {len("December-22"), len("January-23")}
    s3 = got[0][model.ref("Sheet1!S3")]
    assert (s3 == 1.0).all()          # INDEX(F2#, 2) is F3
    s2 = got[0][model.ref("Sheet1!S2")]
    assert (s2 > 0).all()
    s10 = got[0][model.ref("Sheet1!S11")]
    assert len(set(s10)) > 1


@pytest.mark.slow   # numba compile (~2 min on a busy machine): the host build covers it
def test_readers_of_spilled_text_numba_equal_numpy(tmp_path):
    job, _ = _job(tmp_path)
    numba_and_numpy(job, tmp_path / "kernels", 100, 7, fused=True)


def test_readers_of_spilled_text_on_the_host_build_equal_numpy(tmp_path):
    job, _ = _job(tmp_path)
    host_equals_numpy(job, tmp_path, 150, TRIALS)
