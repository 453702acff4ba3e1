"""Text outputs through the remote service (engine.text_outputs): the labels of every trial
cross the samples' wire format (no pickles), and a run on the service gives the local
result, label shares included, in RESULT.json's ``labels``."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from engine import Model, simulate
from engine.backends import get_backend
from engine.text_outputs import TextColumn
from remote.store import load_samples, save_samples
from remote.testing import ServiceProcess
from tests.test_text_outputs import book, spec  # noqa: F401  (the workbook fixture)


def test_labels_cross_the_samples_wire_format():
    outputs = {"S!B1": np.array([np.nan, 2.0, np.nan]), "S!B2": np.array([1.0, 2.0, 3.0])}
    errors = {"S!B1": np.array([3, 0, 3], dtype=np.uint8), "S!B2": np.zeros(3, np.uint8)}
    texts = {"S!B1": TextColumn(np.array([1, -1, 0], dtype=np.int32), ["low", "61 - 90 days"])}
    buf = io.BytesIO()
    save_samples(buf, 5, {}, outputs, errors, texts)
    buf.seek(0)
    got = load_samples(buf)
    assert list(got["texts"]) == ["S!B1"]
    np.testing.assert_array_equal(got["texts"]["S!B1"].ids, texts["S!B1"].ids)
    assert got["texts"]["S!B1"].strings == ["low", "61 - 90 days"]
    buf = io.BytesIO()
    save_samples(buf, 0, {}, outputs, errors)   # no labels: none come back
    buf.seek(0)
    assert load_samples(buf)["texts"] == {}


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    env = {"MCDESK_GPU_SLOTS": 1, "MCDESK_BATCH_TRIALS": 2000, "MCDESK_MAX_JOBS_PER_TOKEN": 8}
    with ServiceProcess(tmp_path_factory.mktemp("svc") / "results", env) as s:
        yield s


@pytest.mark.slow
def test_a_remote_run_gives_the_local_label_shares(svc, book):  # noqa: F811
    model = Model.open(book)
    local = simulate(model, spec(trials=5_000), backend="numpy")
    backend = get_backend("remote", url=svc.url, token=svc.token())
    try:
        remote = simulate(model, spec(trials=5_000), backend=backend)
    finally:
        backend.close()
    got, want = remote.to_dict()["outputs"], local.to_dict()["outputs"]
    assert got == want
    assert set(got["S!B1"]["labels"]) == {"high", "normal"}
    assert json.loads(json.dumps(remote.to_dict(), allow_nan=False))["outputs"] == want
