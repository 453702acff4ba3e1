"""RANDARRAY(rows, columns, min, max, whole_number) as a per-trial random source, like RAND.

Each element of the array is its own random stream, keyed by the cell, the call's place in
the formula and the element's row and column (:func:`engine.compiler.stream_id`), so a trial's
numbers depend only on the seed and the trial index, never on the chunking, and adding a
RANDARRAY elsewhere changes none of the others.  The shape must be the same in every trial
(Excel's spill range): rows and columns are read once per run.  Excel's rules: rows and
columns default to 1 and must be at least 1, min/max default to 0/1, min above max is
#VALUE!, whole_number TRUE draws whole numbers min..max (both must be whole, else #VALUE!).

The numba backend draws the same streams for a RANDARRAY of a literal shape, one per formula
(:mod:`engine.backends.numba._randarrays`); other cells holding one run on the numpy backend,
which :func:`engine.backends.numba.fused_report` names.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ir
from .functions._args import result, scalar_number
from .values import NUM, VALUE, Grid, Vec, error, first_error

MAX_ELEMENTS = 65_536  # streams one RANDARRAY may draw (each is a per-trial array)


def element_stream(cell: Any, call: int, i: int, j: int) -> int:
    """The stream of element (i, j) of the ``call``-th RANDARRAY of ``cell``'s formula."""
    from .compiler import stream_id

    return stream_id(cell, f"#RANDARRAY{call}:{i}:{j}")


def shape_arg(node: ir.Node | None) -> int | None:
    """A constant rows/columns argument (omitted: 1); None when computed."""
    if node is None or isinstance(node, ir.Missing):
        return 1
    if isinstance(node, ir.Num | ir.Bool):
        return int(node.value)
    return None


def compile_randarray(compiler: Any, node: ir.Call) -> Any:
    """The code of one RANDARRAY call (``compiler`` is engine.compiler's Compiler)."""
    info = compiler.info
    info.volatile.add("RANDARRAY")
    args = list(node.args)
    call = compiler.randarray_count
    compiler.randarray_count += 1
    if len(args) > 5:
        info.problems.append(f"RANDARRAY takes at most 5 arguments, not {len(args)}")
        bad = error(VALUE)
        return lambda env: bad
    args += [None] * (5 - len(args))
    cell = compiler.cell
    shape = [shape_arg(a) for a in args[:2]]
    shape_code = [None if s is not None else compiler.compile(a) for s, a in zip(shape, args[:2], strict=True)]
    values = [None if a is None or isinstance(a, ir.Missing) else compiler.compile(a) for a in args[2:]]
    if None not in shape:
        rows, cols = shape
        if 1 <= rows and 1 <= cols and rows * cols <= MAX_ELEMENTS:
            info.random_streams.extend(element_stream(cell, call, i, j)
                                       for i in range(rows) for j in range(cols))
    else:  # the streams are known once the shape is: the cell draws random numbers
        info.random_streams.append(element_stream(cell, call, -1, -1))

    def size(env: Any, k: int) -> int | Vec:
        if shape[k] is not None:
            return shape[k]  # type: ignore[return-value]
        x, e = scalar_number(shape_code[k](env))  # type: ignore[misc]
        if e is not None and e.any():
            return error(int(e[e != 0][0]))
        x = np.trunc(x)
        if len(x) > 1 and not (x == x[0]).all():
            return error(VALUE)  # a spill range cannot change size from trial to trial
        return int(x[0])

    def run(env: Any) -> Vec | Grid:
        dims = [size(env, 0), size(env, 1)]
        for d in dims:
            if isinstance(d, Vec):
                return d
        rows, cols = dims  # type: ignore[misc]
        if rows < 1 or cols < 1:
            return error(VALUE)
        if rows * cols > MAX_ELEMENTS:
            return error(NUM)
        lo, e1 = scalar_number(values[0](env) if values[0] else None, 0.0)
        hi, e2 = scalar_number(values[1](env) if values[1] else None, 1.0)
        whole, e3 = scalar_number(values[2](env) if values[2] else None, 0.0)
        whole = whole != 0
        bad = (lo > hi) | (whole & ((lo != np.floor(lo)) | (hi != np.floor(hi))))
        err = first_error(e1, e2, e3)
        if np.all(bad) and (err is None or not err.any()):
            return error(VALUE, len(bad))  # Excel: one #VALUE!, not an array of them
        if np.any(bad):
            err = first_error(err, np.where(bad, VALUE, 0).astype(np.uint8))
        out = []
        for i in range(rows):
            line = []
            for j in range(cols):
                u = env.rand(element_stream(cell, call, i, j))
                x = np.where(whole, np.floor(lo + u * (hi - lo + 1)), lo + u * (hi - lo))
                line.append(result(x, err))
            out.append(line)
        return out[0][0] if rows == cols == 1 else Grid(out)

    return run
