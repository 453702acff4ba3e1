"""Kernel plans kept on disk, so that a new process finds the plan of a slice it has seen.

A plan (:class:`._codegen.KernelPlan`) is written as JSON data — its source text, cell
references, arrays as base64 of their bytes — never as pickled objects, into the folder the
backend keeps its kernels in (the user's own cache folder, ``platformdirs``), one file per
plan.  Read back, every field is checked against the type it must have and the source
against its own hash (the kernel's name); anything else is a miss, and the plan is
generated again.  A plan holds the workbook's constants and strings (the kernel sources do
not): ``MCDESK_PLAN_STORE=0`` turns the store off (a shared service that must not keep its
jobs' data after their cleanup).

The file's name is a hash of everything the plan is made from, beyond the in-process key
of :mod:`._plan_cache` (which holds the model object itself): the engine's own code (every
module of the ``engine`` package: a new version never reads an old plan), and the workbook
as it was read (every cell, name, table, sheet setting: :func:`model_digest`).
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import json
import logging
import os
import threading
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

FORMAT = 1
MAX_DIGEST_CELLS = 2_000_000  # cells of a workbook over which no plan is stored
MAX_FILES = 256               # plans kept in a folder (the oldest removed first)

_lock = threading.Lock()
# in-process key -> the program it was made for (weakly): what load and save hash
_pending: OrderedDict[str, Any] = OrderedDict()
_PENDING_MAX = 32
_digests: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()   # model -> hash


def remember(key: str, program: Any) -> None:
    """Note that ``key`` (which holds :func:`model_digest`) is the in-process key of
    ``program``'s plan."""
    try:
        ref: Any = weakref.ref(program)
    except TypeError:
        return
    with _lock:
        _pending[key] = ref
        _pending.move_to_end(key)
        while len(_pending) > _PENDING_MAX:
            _pending.popitem(last=False)


def enabled() -> bool:
    """Whether plans are stored (``MCDESK_PLAN_STORE=0`` turns it off: a plan holds the
    workbook's constants and strings, which a shared service may not want to keep after
    its jobs are gone)."""
    return os.environ.get("MCDESK_PLAN_STORE", "1").strip().lower() not in ("0", "off", "no",
                                                                           "false")


def _path(key: str, folder: Path) -> Path | None:
    if not enabled():
        return None
    with _lock:
        ref = _pending.get(key)
    program = ref() if ref is not None else None
    if program is None:
        return None
    if model_digest(program) is None:   # (the key holds the digest: _plan_cache.plan_key)
        return None
    name = hashlib.sha256(f"{FORMAT}:{engine_version()}:{key}".encode()).hexdigest()
    return folder / f"plan-{name[:40]}.json"


def load(key: str, folder: Path) -> Any | None:
    """The plan of in-process ``key`` (see :func:`remember`) stored in ``folder``, or None."""
    path = _path(key, folder)
    if path is None or not path.is_file():
        return None
    try:
        plan = decode(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError) as exc:
        log.info("plan store: %s is not a plan (%s); generating it again", path.name, exc)
        return None
    try:
        os.utime(path)   # recently used: removed last
    except OSError:
        pass
    return plan


def save(key: str, plan: Any, folder: Path) -> None:
    """Store ``plan`` in ``folder`` (a KernelPlan; anything else is not stored)."""
    data = encode(plan)
    if data is None:
        return
    path = _path(key, folder)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)
        _prune(path.parent)
    except OSError as exc:
        log.info("plan store: could not write %s (%s)", path, exc)


def _prune(folder: Path) -> None:
    files = sorted(folder.glob("plan-*.json"), key=lambda p: p.stat().st_mtime)
    for p in files[:max(0, len(files) - MAX_FILES)]:
        try:
            p.unlink()
        except OSError:
            pass


# ------------------------------------------------------------------ what a plan is made from
@functools.lru_cache(maxsize=1)
def engine_version() -> str:
    """A hash of every module of the engine package (the generator, the library that
    folds constants, the runtime)."""
    root = Path(__file__).resolve().parents[2]
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def model_digest(program: Any) -> str | None:
    """A hash of the workbook as it was read (every cell's value, formula and format, the
    names, tables, external links, sheets with their hidden and filtered rows, the date
    system and calculation settings): everything a formula's IR and the generator's
    constants come from.  Computed once per model; None (not stored) for a workbook of more
    than :data:`MAX_DIGEST_CELLS` cells, or one not read from a file."""
    model = program.model
    with _lock:
        got = _digests.get(model)
    if got is None:
        wb = model.workbook
        # a model built in memory is not opened again by another process: not stored
        got = (_workbook_digest(wb) if Path(wb.path).is_file() else None) or ""
        with _lock:
            _digests[model] = got
    return got or None


def _workbook_digest(wb: Any) -> str | None:
    if sum(len(sheet.cells) for sheet in wb.sheets.values()) > MAX_DIGEST_CELLS:
        return None
    h = hashlib.sha256()
    h.update(repr((bool(wb.date1904), wb.calc, sorted(wb.names.items()),
                   sorted((k, repr(t)) for k, t in wb.tables.items()),
                   sorted((k, repr(x)) for k, x in wb.externals.items()))).encode())
    for sheet in wb.sheets.values():
        h.update(repr((sheet.name, sheet.max_row, sheet.max_col, sorted(sheet.names.items()),
                       sorted(sheet.hidden_rows), sorted(sheet.filtered_rows), sheet.external,
                       sheet.state)).encode())
        h.update(repr([(k, c.value, c.formula, c.array_ref, c.array_anchor, c.number_format)
                       for k, c in sheet.cells.items()]).encode())
    return h.hexdigest()


# ------------------------------------------------------------------ a plan as JSON data
def _cell(c: Any) -> list:
    return [str(c.sheet), int(c.row), int(c.col)]


def _array(a: np.ndarray) -> dict:
    a = np.ascontiguousarray(a)
    if a.dtype.kind not in "fiub" or a.dtype.byteorder == ">":
        raise TypeError(f"an array of {a.dtype}")
    return {"dtype": a.dtype.str, "shape": list(a.shape),
            "b64": base64.b64encode(a.tobytes()).decode("ascii")}


def encode(plan: Any) -> dict | None:
    """``plan`` as JSON data (None: not a KernelPlan of known fields)."""
    from ._codegen import KernelPlan

    if type(plan) is not KernelPlan:
        return None
    out: dict[str, Any] = {"format": FORMAT}
    try:
        for f in dataclasses.fields(plan):
            out[f.name] = _encode_value(getattr(plan, f.name))
    except TypeError:
        return None
    return out


def _encode_value(v: Any) -> Any:
    from ...workbook import CellRef

    if isinstance(v, bool) or v is None:
        raise TypeError("a flag")
    if isinstance(v, int | str):
        return v
    if isinstance(v, np.ndarray):
        return {"array": _array(v)}
    if isinstance(v, list | set):
        items = sorted(v, key=str) if isinstance(v, set) else v
        if all(isinstance(x, CellRef) for x in items):
            return {"cells": [_cell(x) for x in items], "set": isinstance(v, set)}
        if isinstance(v, list) and all(isinstance(x, str) for x in items):
            return {"strings": list(items)}
        raise TypeError("a list of other values")
    if isinstance(v, dict):
        if all(isinstance(k, CellRef) and isinstance(x, str) for k, x in v.items()):
            return {"cell_text": [[*_cell(k), x] for k, x in v.items()]}
        raise TypeError("a mapping of other values")
    raise TypeError(f"a {type(v).__name__}")


def decode(data: Any) -> Any:
    """The KernelPlan of JSON ``data``, every field checked (ValueError otherwise)."""
    from ._codegen import KernelPlan

    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("another format")
    names = [f.name for f in dataclasses.fields(KernelPlan)]
    if set(data) != {"format", *names}:
        raise ValueError("other fields")
    kwargs = {n: _decode_value(data[n]) for n in names}
    plan = KernelPlan(**kwargs)
    if not isinstance(plan.source, str) or not isinstance(plan.key, str) or \
            hashlib.sha256(plan.source.encode()).hexdigest()[:24] != plan.key:
        raise ValueError("a source that is not its kernel's")
    for n in ("kv", "ke", "dp", "streams"):
        if not isinstance(getattr(plan, n), np.ndarray):
            raise ValueError(f"{n} is not an array")
    return plan


def _decode_cell(x: Any) -> Any:
    from ...workbook import CellRef

    if not (isinstance(x, list) and len(x) == 3 and isinstance(x[0], str)
            and all(isinstance(k, int) and not isinstance(k, bool) for k in x[1:])):
        raise ValueError("not a cell")
    return CellRef(x[0], x[1], x[2])


def _decode_value(v: Any) -> Any:
    if isinstance(v, int | str) and not isinstance(v, bool):
        return v
    if not isinstance(v, dict) or len(v) not in (1, 2):
        raise ValueError("not a plan field")
    if "array" in v:
        a = v["array"]
        dtype = np.dtype(a["dtype"])
        if dtype.kind not in "fiub" or dtype.hasobject:
            raise ValueError("an array of objects")
        shape = tuple(int(k) for k in a["shape"])
        out = np.frombuffer(base64.b64decode(a["b64"], validate=True), dtype=dtype)
        return out.reshape(shape).copy()
    if "cells" in v:
        cells = [_decode_cell(x) for x in v["cells"]]
        return set(cells) if v.get("set") is True else cells
    if "strings" in v:
        if not all(isinstance(x, str) for x in v["strings"]):
            raise ValueError("not text")
        return list(v["strings"])
    if "cell_text" in v:
        out: dict = {}
        for x in v["cell_text"]:
            if not (isinstance(x, list) and len(x) == 4 and isinstance(x[3], str)):
                raise ValueError("not a cell and its text")
            out[_decode_cell(x[:3])] = x[3]
        return out
    raise ValueError("not a plan field")


__all__ = ["decode", "encode", "engine_version", "load", "model_digest", "remember", "save"]
