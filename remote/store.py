"""Jobs on disk: one folder per job under the results directory, holding ``meta.json``
(the job's public status), ``result.json`` (RESULT.json of its trials) and, when asked,
``samples.npz`` (per-trial values).  Results stay until fetched and deleted, or expired, and
survive a restart of the service (a volume in Kubernetes)."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from engine.text_outputs import TextColumn

log = logging.getLogger(__name__)

_ID = re.compile(r"[0-9a-f]{32}")


def valid_id(job_id: str) -> bool:
    """Job ids are 32 hex digits, the whole string (no trailing newline): nothing else ever
    becomes a path."""
    return isinstance(job_id, str) and _ID.fullmatch(job_id) is not None


LEFTOVER_S = 3600.0   # a job folder without meta.json this old is a left-over


class ResultStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def folder(self, job_id: str) -> Path:
        if not valid_id(job_id):
            raise ValueError(f"not a job id: {job_id!r}")
        return self.root / job_id

    def create(self, job_id: str) -> Path:
        path = self.folder(job_id)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _write(self, path: Path, data: bytes) -> None:
        """Atomically: a reader (or a restart) sees the old file or the whole new one."""
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def write_meta(self, job_id: str, meta: dict[str, Any]) -> None:
        self._write(self.folder(job_id) / "meta.json", json.dumps(meta).encode())

    def read_meta(self, job_id: str) -> tuple[dict[str, Any], float] | None:
        """A job's meta.json and its age in seconds, or None."""
        path = self.folder(job_id) / "meta.json"
        try:
            return json.loads(path.read_text()), _age(path)
        except (OSError, ValueError):
            return None

    def request_cancel(self, job_id: str) -> None:
        """Ask the replica running the job to cancel it (it looks at each sweep)."""
        (self.folder(job_id) / "cancel").touch()

    def cancel_requested(self, job_id: str) -> bool:
        return (self.folder(job_id) / "cancel").exists()

    def write_result(self, job_id: str, result: dict[str, Any]) -> None:
        self._write(self.folder(job_id) / "result.json",
                    json.dumps(result, allow_nan=False).encode())

    def write_samples(self, job_id: str, start: int, inputs: dict[str, np.ndarray],
                      outputs: dict[str, np.ndarray], errors: dict[str, np.ndarray],
                      texts: dict[str, TextColumn] | None = None) -> None:
        path = self.folder(job_id) / "samples.npz"
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
        os.close(fd)
        try:
            save_samples(Path(tmp), start, inputs, outputs, errors, texts)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def result_path(self, job_id: str) -> Path:
        return self.folder(job_id) / "result.json"

    def samples_path(self, job_id: str) -> Path:
        return self.folder(job_id) / "samples.npz"

    def delete_outputs(self, job_id: str) -> None:
        """Remove a job's result and samples (a job cancelled as it finished)."""
        for name in ("result.json", "samples.npz"):
            (self.folder(job_id) / name).unlink(missing_ok=True)

    def delete(self, job_id: str) -> None:
        shutil.rmtree(self.folder(job_id), ignore_errors=True)

    def load_all(self) -> list[dict[str, Any]]:
        """Every job's meta.json.  Folders without one are being created (by another replica
        sharing the volume) or left over: removed only when an hour old."""
        out = []
        for d in sorted(self.root.iterdir()):
            if not d.is_dir() or not valid_id(d.name):
                continue
            try:
                out.append(json.loads((d / "meta.json").read_text()))
            except (OSError, ValueError):
                if _age(d) > LEFTOVER_S:
                    log.warning("removing %s: no readable meta.json", d)
                    shutil.rmtree(d, ignore_errors=True)
        return out

    def touch(self, job_id: str) -> None:
        """Mark a job's folder alive (its replica still runs it)."""
        try:
            os.utime(self.folder(job_id) / "meta.json")
        except OSError:
            pass

    def stale(self, older_than_s: float) -> list[str]:
        """Ids of job folders not written or touched for ``older_than_s`` seconds."""
        out = []
        for d in self.root.iterdir():
            if d.is_dir() and valid_id(d.name):
                meta = d / "meta.json"
                if _age(meta if meta.exists() else d) > older_than_s:
                    out.append(d.name)
        return out


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


# ------------------------------------------------------------- the samples' wire format
def save_samples(path: Path | Any, start: int, inputs: dict[str, np.ndarray],
                 outputs: dict[str, np.ndarray], errors: dict[str, np.ndarray],
                 texts: dict[str, TextColumn] | None = None) -> None:
    """Per-trial values as an .npz (no pickles): ``inputs``/``outputs`` (cells x trials,
    float64), ``errors`` (uint8 Excel error codes), ``input_names``/``output_names``; and
    the labels of the outputs with text or logicals (engine.text_outputs): ``label_names``,
    ``label_ids`` (those outputs x trials, int32) and their strings, all in ``label_strings``
    with output ``k``'s at ``label_offsets[k]:label_offsets[k + 1]``."""
    in_names, out_names = list(inputs), list(outputs)
    count = len(next(iter(outputs.values()))) if outputs else 0
    texts = {n: t for n, t in (texts or {}).items() if n in outputs}
    strings = [s for t in texts.values() for s in t.strings]
    np.savez(
        path,
        label_names=np.array(list(texts), dtype=str),
        label_ids=(np.stack([np.asarray(t.ids, dtype=np.int32) for t in texts.values()])
                   if texts else np.empty((0, count), dtype=np.int32)),
        label_strings=np.array(strings, dtype=str),
        label_offsets=np.cumsum([0] + [len(t.strings) for t in texts.values()]).astype(np.int64),
        start=np.int64(start),
        count=np.int64(count),
        input_names=np.array(in_names, dtype=str),
        output_names=np.array(out_names, dtype=str),
        inputs=np.stack([inputs[n] for n in in_names]) if in_names else np.empty((0, count)),
        outputs=np.stack([outputs[n] for n in out_names]) if out_names else np.empty((0, 0)),
        errors=(np.stack([errors[n] for n in out_names]) if out_names
                else np.empty((0, 0), dtype=np.uint8)),
    )


def load_samples(source: Any) -> dict[str, Any]:
    """The arrays :func:`save_samples` wrote (``allow_pickle=False``)."""
    with np.load(source, allow_pickle=False) as z:
        return {
            "start": int(z["start"]), "count": int(z["count"]),
            "inputs": {str(n): z["inputs"][i] for i, n in enumerate(z["input_names"])},
            "outputs": {str(n): z["outputs"][i] for i, n in enumerate(z["output_names"])},
            "errors": {str(n): z["errors"][i] for i, n in enumerate(z["output_names"])},
            "texts": _texts(z),
        }


def _texts(z: Any) -> dict[str, TextColumn]:
    """The labels :func:`save_samples` wrote (none in a file of an older service)."""
    if "label_names" not in z.files:
        return {}
    strings, at = z["label_strings"].tolist(), z["label_offsets"].tolist()
    return {str(n): TextColumn(z["label_ids"][k], [str(s) for s in strings[at[k]:at[k + 1]]])
            for k, n in enumerate(z["label_names"])}
