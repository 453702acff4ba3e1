"""Outputs whose trials give text (engine.text_outputs): the share of each label, exactly the
fraction of the trials that gave it, on numpy and numba alike (same seed, same shares),
in memory, in chunks and streamed; a mix of text, numbers, logicals and errors; RESULT.json's
``labels``; the CLI's line; the samples with the text itself."""

from __future__ import annotations

import json
import sys

import numpy as np
import openpyxl
import pytest

from engine.backends.numba import NumbaBackend
from engine.model import Model
from engine.simulate import simulate
from engine.spec import InputSpec, SimulationSpec
from engine.text_outputs import (
    MAX_LABELS,
    TOP_LABELS,
    LabelColumn,
    LabelTally,
    TextColumn,
    top_labels,
)

TRIALS = 20_000
OUTPUTS = ["S!B1", "S!B2", "S!B3", "S!B4", "S!B5"]


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("book") / "text_outputs.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"], ws["A2"] = 5, 6
    ws["B1"] = '=IF(A1>A2,"high","normal")'                           # text in every trial
    ws["B2"] = '=IF(A1>7,"big",IF(A1>5,A1*2,IF(A1>3,1/0,A1>2)))'      # text, number, error, logical
    ws["B3"] = "=A1>A2"                                                 # logicals
    ws["B4"] = '="Q"&ROUNDUP(A1/3,0)'                                   # text made per trial
    ws["B5"] = '=IF(A1>5,A1,"L"&ROUND(A1,0))'                           # ... in some trials
    wb.save(path)
    return path


def spec(trials: int = TRIALS, seed: int = 7) -> SimulationSpec:
    return SimulationSpec(
        inputs=[InputSpec("S!A1", "triangular", {"min": 1, "mode": 5, "max": 9}),
                InputSpec("S!A2", "triangular", {"min": 2, "mode": 6, "max": 8})],
        outputs=OUTPUTS, trials=trials, seed=seed)


def expected(a1: np.ndarray, a2: np.ndarray) -> dict[str, dict[str, int]]:
    """Each output's trials per label, from the input samples."""
    def count(**kw: np.ndarray) -> dict[str, int]:
        return {k: int(v.sum()) for k, v in kw.items() if v.sum()}

    low = a1 <= 3
    q = np.ceil(a1 / 3)
    r = np.round(a1)
    return {
        "S!B1": count(high=a1 > a2, normal=a1 <= a2),
        "S!B2": count(big=a1 > 7, TRUE=low & (a1 > 2), FALSE=low & (a1 <= 2)),
        "S!B3": count(TRUE=a1 > a2, FALSE=a1 <= a2),
        "S!B4": {f"Q{int(k)}": int((q == k).sum()) for k in np.unique(q)},
        "S!B5": {f"L{int(k)}": int(((r == k) & (a1 <= 5)).sum())
                 for k in np.unique(r[a1 <= 5])},
    }


@pytest.fixture(scope="module")
def kernels(tmp_path_factory):
    return tmp_path_factory.mktemp("kernels")


def _counts(result) -> dict[str, dict[str, int]]:
    return {n: dict(s.labels) for n, s in result.outputs.items() if s.labels}


def test_label_shares_are_the_exact_fractions_on_numpy_and_numba(book, kernels):
    model = Model.open(book)
    want_result = simulate(model, spec(), backend="numpy")
    ins = want_result.samples.inputs
    want = expected(ins["S!A1"], ins["S!A2"])
    assert _counts(want_result) == want
    be = NumbaBackend(kernel_dir=kernels)
    try:
        got = simulate(model, spec(), backend=be)
        assert be.last_fallback.numpy_cells == 0, be.last_fallback.reasons
    finally:
        be.close()
    np.testing.assert_array_equal(got.samples.inputs["S!A1"], ins["S!A1"])
    assert _counts(got) == want
    a1, a2 = ins["S!A1"], ins["S!A2"]
    for result in (want_result, got):
        b1 = result.outputs["S!B1"].to_dict()
        assert b1["labels"] == {"high": (a1 > a2).mean(), "normal": (a1 <= a2).mean()}
        assert b1["errors"] == 0 and b1["trials_ok"] == 0 and b1["mean"] is None
        assert b1["text_trials"] == TRIALS and b1["labels_other"] == 0
        # the mix: numeric statistics over its numbers (and logicals), errors only #DIV/0!
        b2 = result.outputs["S!B2"]
        num = (a1 > 5) & (a1 <= 7)
        assert b2.errors == int(((a1 > 3) & (a1 <= 5)).sum())
        assert b2.text == int((a1 > 7).sum())
        assert b2.count == int((num | (a1 <= 3)).sum())
        logical = np.where(a1 > 2, 1.0, 0.0)[a1 <= 3]
        assert b2.mean == pytest.approx(np.concatenate([a1[num] * 2, logical]).mean())
        # logicals: numbers (the share of TRUE is the mean) and labels
        b3 = result.outputs["S!B3"]
        assert b3.mean == pytest.approx((a1 > a2).mean()) and b3.text == 0
        assert result.outputs["S!B5"].count == int((a1 > 5).sum())
        json.dumps(result.to_dict(), allow_nan=False)


def test_shares_do_not_depend_on_chunks_threads_or_streaming(book, kernels):
    model = Model.open(book)
    whole = _counts(simulate(model, spec(), backend="numpy"))
    assert _counts(simulate(model, spec(), backend="numpy", chunk_size=3_001)) == whole
    streamed = simulate(model, spec(), backend="numpy", chunk_size=4_096, stream=True)
    assert _counts(streamed) == whole
    assert streamed.outputs["S!B1"].text == TRIALS and streamed.outputs["S!B1"].errors == 0
    be = NumbaBackend(kernel_dir=kernels, threads=2)
    try:
        assert _counts(simulate(model, spec(), backend=be, chunk_size=5_000)) == whole
        assert _counts(simulate(model, spec(), backend=be, chunk_size=4_096,
                                stream=True)) == whole
    finally:
        be.close()


def test_samples_hold_the_text(book):
    result = simulate(Model.open(book), spec(trials=200), backend="numpy")
    a1, a2 = result.samples.inputs["S!A1"], result.samples.inputs["S!A2"]
    shown = result.samples.labels("S!B1")
    assert shown == ["high" if x > y else "normal" for x, y in zip(a1, a2, strict=True)]
    mixed = result.samples.labels("S!B2")
    for x, got in zip(a1, mixed, strict=True):
        if x > 7:
            assert got == "big"
        elif x > 5:
            assert got == pytest.approx(2 * x)
        elif x > 3:
            assert np.isnan(got)             # #DIV/0!
        else:
            assert got == float(x > 2)       # a logical stays a number
    assert result.samples.labels("S!B3") is None   # logicals only: no text


def test_cli_prints_label_shares_and_writes_the_text(book, tmp_path, capsys, monkeypatch):
    from mcdesk.cli import main

    out_json, out_csv = tmp_path / "r.json", tmp_path / "s.csv"
    monkeypatch.setattr(sys, "argv", [
        "mcdesk", "simulate", str(book), "--input", "S!A1=triangular(1,5,9)",
        "--input", "S!A2=triangular(2,6,8)", "--output", "S!B1", "--output", "S!B2",
        "--trials", "4000", "--backend", "numpy", "--seed", "3", "--json", str(out_json),
        "--samples", str(out_csv)])
    assert main() in (0, None)
    printed = capsys.readouterr().out
    data = json.loads(out_json.read_text())
    shares = data["outputs"]["S!B1"]["labels"]
    line = ", ".join(f"{k} {100 * v:.1f}%" for k, v in shares.items())
    assert f"S!B1: label shares: {line}" in printed, printed
    assert "every trial ended in an Excel error" not in printed
    assert "#VALUE!" not in printed
    assert data["outputs"]["S!B1"]["label_counts"]["high"] + \
        data["outputs"]["S!B1"]["label_counts"]["normal"] == 4000
    b2 = data["outputs"]["S!B2"]
    assert set(b2["labels"]) <= {"big", "TRUE", "FALSE"} and b2["errors"] > 0
    rows = out_csv.read_text().splitlines()
    assert rows[0] == "S!A1,S!A2,S!B1,S!B2"
    cells = [r.split(",") for r in rows[1:]]
    assert {c[2] for c in cells} == {"high", "normal"}
    assert "big" in {c[3] for c in cells} and "nan" in {c[3] for c in cells}


def test_a_unique_string_per_trial_stays_bounded():
    col = LabelColumn(30_000)
    tally = LabelTally()
    for a in range(0, 30_000, 10_000):   # three chunks, each its own strings
        strings = [f"trial {a + i}" for i in range(10_000)]
        chunk = TextColumn(np.arange(10_000, dtype=np.int32), strings)
        col.put(a, chunk)
        tally.add(chunk)
    assert len(col.table.strings) == MAX_LABELS and len(tally.counts) == MAX_LABELS
    assert tally.other == 30_000 - MAX_LABELS
    named, other = top_labels(tally.counts, tally.other)
    assert len(named) == TOP_LABELS and other + sum(named.values()) == 30_000


def test_the_cuda_kernel_built_for_the_host_gives_the_same_shares(book, tmp_path):
    """The generated CUDA C++ (compiled for the host with g++) stores text outputs as the
    numba kernel does (string ids): the same label counts as numpy."""
    from tests.test_backend_cupy import CXX, HostCudaBackend

    if CXX is None:
        pytest.skip("no C++ compiler")
    model = Model.open(book)
    want = _counts(simulate(model, spec(trials=3_000), backend="numpy"))
    host = HostCudaBackend(tmp_path)
    try:
        got = simulate(model, spec(trials=3_000), backend=host, chunk_size=1_000)
    finally:
        host.close()
    assert got.backend == "cupy"   # the CUDA kernel ran (not the numba fallback)
    assert _counts(got) == want


def test_a_bounded_streamed_run_counts_text_apart_from_errors(book, monkeypatch):
    """A run too large to keep its float32 outputs (engine.exact_summary's reruns): the same
    label counts, and text is not counted among the errors."""
    import engine.streaming as streaming

    model = Model.open(book)
    want = simulate(model, spec(trials=8_000), backend="numpy")
    monkeypatch.setattr(streaming, "VALUES32_MAX", 1_000)
    got = simulate(model, spec(trials=8_000), backend="numpy", stream=True, chunk_size=2_048)
    assert got.outputs["S!B2"].percentile_method == "exact-passes"
    assert _counts(got) == _counts(want)
    for name, s in got.outputs.items():
        w = want.outputs[name]
        assert (s.errors, s.text, s.count) == (w.errors, w.text, w.count), name
