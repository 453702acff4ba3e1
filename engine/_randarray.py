"""RANDARRAY(rows, columns, min, max, whole_number) as a per-trial random source, like RAND.

Each element of the array is its own random stream, keyed by the cell, the call's place in
the formula and the element's row and column (:func:`engine.compiler.stream_id`), so a trial's
numbers depend only on the seed and the trial index, never on the chunking, and adding a
RANDARRAY elsewhere changes none of the others.  Rows and columns are read per chunk: where
they differ between the trials of a chunk, each group of trials of one shape is computed on
its own (:mod:`engine._ragged`), a trial's elements the same in any chunking.  A RANDARRAY
in a LAMBDA's body draws anew in each call (the LAMBDA calls' tag in its streams, see
:mod:`engine.functions.lambdas`).  Excel's rules: rows and columns default to 1 and must be
at least 1, min/max default to 0/1, min above max is #VALUE!, whole_number TRUE draws whole
numbers min..max (both must be whole, else #VALUE!).

The numba backend draws the same streams for a RANDARRAY of a literal shape, one per formula
(:mod:`engine.backends.numba._randarrays`); other cells holding one run on the numpy backend,
which :func:`engine.backends.numba.fused_report` names.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ir
from ._ragged import check_uniform
from .functions._args import result, scalar_number
from .values import NUM, VALUE, Grid, Vec, error, first_error

MAX_ELEMENTS = 65_536  # streams one RANDARRAY may draw (each is a per-trial array)


def element_stream(cell: Any, call: int, i: int, j: int, tag: str = "") -> int:
    """The stream of element (i, j) of the ``call``-th RANDARRAY of ``cell``'s formula
    (``tag``: the LAMBDA calls it runs inside, engine.functions.lambdas.draw_tag)."""
    from .compiler import stream_id

    return stream_id(cell, f"#RANDARRAY{call}:{i}:{j}{tag}")


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
    shape_code = [None if s is not None else compiler.compile(a)
                  for s, a in zip(shape, args[:2], strict=True)]
    values = [None if a is None or isinstance(a, ir.Missing) else compiler.compile(a)
              for a in args[2:]]
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
        x = np.trunc(x)
        # a size that differs between the trials of a chunk: each group of trials of one
        # size (or one error) is computed on its own (engine._ragged), as Excel computes
        # each trial; never the chunk's first trial's size, nor an error for all
        err = np.zeros(1, dtype=np.uint8) if e is None else e
        n = max(len(x), len(err))
        bad = np.broadcast_to(err, (n,))
        size = np.where(bad != 0, 0.0, np.nan_to_num(np.broadcast_to(x, (n,)), nan=-1.0))
        check_uniform(np.column_stack([bad.astype(float), size]))
        if bad[0]:
            return error(int(bad[0]))
        return int(size[0])

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
        from .functions.lambdas import draw_tag

        tag = draw_tag()
        out = []
        for i in range(rows):
            line = []
            for j in range(cols):
                u = env.rand(element_stream(cell, call, i, j, tag))
                x = np.where(whole, np.floor(lo + u * (hi - lo + 1)), lo + u * (hi - lo))
                line.append(result(x, err))
            out.append(line)
        return out[0][0] if rows == cols == 1 else Grid(out)

    return run
