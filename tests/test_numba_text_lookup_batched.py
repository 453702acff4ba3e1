"""Lookups of a text (or logical) key that varies per trial among a few values, in a constant
table: the generator tabulates the lookup for every value the key can take
(engine.backends.numba._text.TextMixin.tabulate).  It evaluates them in one numpy call, the
key's values as the trials of one vector (ukr10 Sizing_new_sheet: 217 VLOOKUPs of keys of
~77 texts in big tables, one call per text, spent 100 s of a 120 s generation).  Each
workbook is written with openpyxl; numba and the CUDA kernel's host build equal numpy,
every cell fused (slow twin), and the kernel is the one of the one-call-per-value path."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
pytest.importorskip("openpyxl")

import numpy as np  # noqa: E402

from engine.backends.numba import _text  # noqa: E402
from engine.backends.numba._codegen import generate  # noqa: E402
from engine.backends.numba._samplers import samplers_for  # noqa: E402
from tests.kernel_checks import fused_sheet_values, sheet_job  # noqa: E402
from tests.test_backend_numba import tri  # noqa: E402

INPUTS = [tri("S!A1", 90.0, 100.0, 110.0)]
TABLE = {   # keys in H (one repeated, one differing only in case), values in I and J
    "H1": "a", "H2": "B", "H3": "c", "H4": "b", "H5": "d",
    "I1": 1.0, "I2": 2.0, "I3": "three", "I4": 4.0, "I5": 5.0,
    "J1": 10.0, "J2": 20.0, "J3": 30.0, "J4": 40.0, "J5": "=1/0",
    "K1": True, "K2": False, "L1": 7.0, "L2": 8.0,
    "A2": '=IF(A1>104,"b",IF(A1>100,"zz",IF(A1>96,"D","a")))',   # 4 texts, "zz" in no row
    "A3": '=IF(A1>103,"b","d")',
    "A4": "=A1>100",   # a logical key
}
FORMULAS = {
    "B1": "=VLOOKUP(A2,H1:J5,3,FALSE)",
    "B2": "=IFERROR(VLOOKUP(A2,H1:I5,2,FALSE),-1)",
    "B3": "=MATCH(A2,H1:H5,0)",
    "B4": "=IFERROR(HLOOKUP(A3,H1:J5,1,FALSE),0)",
    "B5": "=XLOOKUP(A2,H1:H5,J1:J5,99)",
    "B6": "=VLOOKUP(A4,K1:L2,2,FALSE)",
}


def _plan(tmp_path, name: str):
    job = sheet_job(tmp_path / f"{name}.xlsx", {**TABLE, **FORMULAS}, INPUTS, list(FORMULAS), 8)
    samplers, mode = samplers_for(job, False)
    plan = generate(job.program, samplers, mode)
    assert not plan.rest, plan.reasons
    return plan


def test_batched_tables_equal_one_call_per_value(tmp_path, monkeypatch):
    """The kernel generated with the lookups tabulated in one call is the kernel of one numpy
    call per value of the key (the generator's older way): same source, same tables."""
    calls: list[int] = []
    batched = _text._batched

    def counting(batch, combos):
        got = batched(batch, combos)
        calls.append(len(combos) if got is not None else 0)
        return got

    monkeypatch.setattr(_text, "_batched", counting)
    new = _plan(tmp_path, "new")
    assert sorted(calls) == [2, 2, 4, 4, 4, 4], calls   # every lookup in one call
    monkeypatch.setattr(_text, "_BATCHED", frozenset())
    old = _plan(tmp_path, "old")
    assert new.source == old.source
    assert new.strings == old.strings
    np.testing.assert_array_equal(new.kv, old.kv)
    np.testing.assert_array_equal(new.ke, old.ke)


@pytest.mark.slow
def test_lookups_of_a_varying_text_key_run_equal_numpy(tmp_path):
    got = fused_sheet_values(tmp_path, {**TABLE, **FORMULAS}, INPUTS, list(FORMULAS), 64)
    assert set(got) == set(FORMULAS)
