"""Kernel plans kept for the process, by what they are made from.

Every run prepares its job again (:func:`engine.simulate.prepare` makes a new
:class:`~engine.model.Program`), and the app and the CLI make a new backend per run, so a
plan cached by the program object is generated again each time: seconds for a slice of
thousands of cells, even when numba then loads the kernel from its disk cache in 0.1 s.
Here a plan is found again by its content: the model (the same object, held weakly), the
slice (cells in order, inputs, outputs; the time where it calls NOW or TODAY), the values the deterministic
pass gave its constants, how each input is drawn (the verified samplers) and the sampling
mode, and the generator's settings.  Anything else that changed gives another key, so a
stale plan is never used.

Plans are also kept on disk (:mod:`._plan_store`), so that a new process (the next run of
the CLI, the app started again) finds the plan of a slice it has seen, instead of
generating it again (seconds for thousands of cells) only to load the compiled kernel from
numba's disk cache.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from ... import ir
from ...values import Grid, Vec
from . import _plan_store

PLANS_PER_MODEL = 8

_lock = threading.Lock()
_plans: weakref.WeakKeyDictionary[Any, OrderedDict[str, Any]] = weakref.WeakKeyDictionary()


def _value(h: Any, v: Any) -> None:
    """Feed a constant's value (a Vec or a Grid of them) to the hash ``h``."""
    if isinstance(v, Grid):
        h.update(f"grid{v.shape}{v.area!r}".encode())
        for x in v.flat():
            _value(h, x)
        return
    if not isinstance(v, Vec):
        h.update(repr(v).encode())
        return
    h.update(str(v.kind).encode())
    data = np.asarray(v.data)
    if data.dtype.kind in "fbiu":
        h.update(str(data.dtype).encode())
        h.update(np.ascontiguousarray(data).tobytes())
    else:
        h.update(repr([(type(x).__name__, x) for x in data.tolist()]).encode())
    if v.err is not None:
        h.update(b"err")
        h.update(np.ascontiguousarray(v.err, dtype=np.uint8).tobytes())


def plan_key(kind: str, program: Any, samplers: dict, mode: str | None) -> str:
    """The content key of a plan made by ``kind`` (the backend class) for ``program``."""
    key = _content_key(kind, program, samplers, mode)
    if _plan_store.enabled():
        # the workbook's content too: a key then names one plan on disk, whichever model
        # (of whatever workbook) last asked for it
        digest = _plan_store.model_digest(program)
        if digest is not None:
            key = hashlib.sha256(f"{key}:{digest}".encode()).hexdigest()
            _plan_store.remember(key, program)
    return key


def _content_key(kind: str, program: Any, samplers: dict, mode: str | None) -> str:
    from . import _codegen, _families

    h = hashlib.sha256()
    now = program.now if _reads_now(program) else None   # a new time at every prepare
    tunables = (_codegen.runtime_version(), _codegen.MAX_KERNEL_LINES, _codegen.SEGMENT_LINES,
                _codegen.BLOCK, _codegen.UR_BYTES, _codegen.GROUP_MIN, _families.FAMILY_MIN,
                _families.FAMILY_FROM_LINES)
    h.update(repr((kind, mode, now, tunables, [str(c) for c in program.steps],
                   [str(c) for c in program.inputs], [str(c) for c in program.outputs],
                   sorted((str(c), [str(x) for x in cyc]) for c, cyc in
                          getattr(program, "blocks", {}).items()))).encode())
    for c in program.inputs:
        h.update(repr((str(c), samplers.get(c))).encode())
    for c, v in program.constants.items():
        h.update(str(c).encode())
        _value(h, v)
    return h.hexdigest()


def _reads_now(program: Any) -> bool:
    """Whether a cell of the slice calls NOW() or TODAY() (the only readers of the time)."""
    return any(isinstance(n, ir.Call) and n.name in ("NOW", "TODAY")
               for c in program.steps for n in ir.walk(program.model.code(c).node))


def get(model: Any, key: str, folder: Path | None = None) -> Any | None:
    """The plan of content ``key``: kept for ``model`` in this process, else read from the
    disk store in ``folder`` (then kept for the model too; None: memory only)."""
    with _lock:
        got = _plans.get(model)
        if got is not None and key in got:
            got.move_to_end(key)
            return got[key]
    plan = _plan_store.load(key, folder) if folder is not None else None
    if plan is not None:
        _keep(model, key, plan)
    return plan


def put(model: Any, key: str, plan: Any, folder: Path | None = None) -> None:
    """Keep ``plan`` for ``model`` in this process, and in the disk store in ``folder``."""
    _keep(model, key, plan)
    if folder is not None:
        _plan_store.save(key, plan, folder)


def _keep(model: Any, key: str, plan: Any) -> None:
    with _lock:
        got = _plans.setdefault(model, OrderedDict())
        got[key] = plan
        while len(got) > PLANS_PER_MODEL:
            got.popitem(last=False)
