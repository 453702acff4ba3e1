"""A count of ranges that the numba generator tries as a literal (_const_fold._count_value) is
generated once per generator, not once more for every cell reading it: ``COUNT(1:1)`` read
by three cells was generated three times by the fold pass (and once more in each cell's
own code where it is not a literal).  The fold is the same: a count of cells of fixed kinds
is its number, one that differs between trials stays per trial (fused_report only: no
kernel is compiled here; tests/test_numba_const_fold.py checks the values)."""

from __future__ import annotations

import traceback

import pytest

pytest.importorskip("numba")
pytest.importorskip("openpyxl")

from engine.backends.numba import _codegen, fused_report  # noqa: E402
from tests.kernel_checks import sheet_job  # noqa: E402
from tests.test_backend_numba import tri  # noqa: E402

CELLS = {
    "A1": "rate", "B1": 0.01, "C1": "=B1*2", "D1": 0.05,          # numbers in every trial
    "A3": "rate", "B3": 0.01, "C3": '=IF(B3>0.02,B3,"none")',     # a number in some trials
    "A5": "=COUNT(1:1)*2", "B5": "=COUNT(1:1)+B1", "C5": "=COUNT(1:1)+COUNTA(A1:D1)",
    "A7": "=COUNT(3:3)+B3", "B7": "=COUNT(3:3)*2",
}
OUTS = ["A5", "B5", "C5", "A7", "B7"]


def test_each_count_is_tried_once(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    tried: list[str] = []
    real = _codegen.Generator.fn_count

    def spy(self, node, *rest):  # noqa: ANN001, ANN202 - counts the fold pass's tries
        if any(f.name == "fold_counts" for f in traceback.extract_stack()):
            tried.append(repr(node.args[0])[:40])
        return real(self, node, *rest)

    monkeypatch.setattr(_codegen.Generator, "fn_count", spy)
    job = sheet_job(tmp_path / "counts.xlsx", CELLS,
                    [tri("S!B1", 0.0, 0.01, 0.04), tri("S!B3", 0.0, 0.01, 0.04)], OUTS, 8)
    assert fused_report(job) == {}
    assert len(tried) == 2, tried   # COUNT(1:1) and COUNT(3:3), once each (was 3 + 2)
