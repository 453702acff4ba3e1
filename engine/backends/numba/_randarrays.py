"""RANDARRAY in the fused kernel: each element of a spill drawn from its own stream.

The numpy reference (:mod:`engine._randarray`) draws element (i, j) of the ``call``-th
RANDARRAY of a cell's formula from the stream :func:`engine._randarray.element_stream`
(cell, call, i, j), as ``lo + u * (hi - lo)`` (whole numbers: ``floor(lo + u * (hi - lo +
1))``), argument errors first, then #VALUE! where min is above max or whole_number asks for
whole bounds that are not, then #NUM! for a value that is not finite.  The kernel draws the
same uniforms (``ur`` rows filled by ``draw``, as RAND's) and computes each element the same
way, so numba = numpy bit for bit; the CUDA kernel translates the same lines.

Only a shape fixed by literal rows and columns (numpy reads a computed one per run: its
streams are not known here) and one RANDARRAY per formula (the call's number is its place
in the numpy compiler's order) are fused: the array formula holding it
(``{=RANDARRAY(3,2,8200,9600,TRUE)}`` spilled into H5:I7) has element (r, c) in the cell
at offset (r, c), :class:`engine.backends.numba._arrays.ArrayElements` giving that cell the
IR ``_RANDAT(RANDARRAY(..), r, c)`` (a call no workbook can write, holding the RANDARRAY so
that nothing takes it for a constant).  A plain cell's RANDARRAY of one element is its
element (0, 0).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ... import ir
from ..._randarray import MAX_ELEMENTS, element_stream, shape_arg
from ...values import NA, VALUE
from ._values import NotFusable, Val, num

if TYPE_CHECKING:
    from ...workbook import CellRef

RANDAT = "_RANDAT"   # _RANDAT(randarray, r, c): element (r, c) of a RANDARRAY's array


def randarray_shape(node: ir.Call) -> tuple[int, int]:
    """The (rows, columns) of a RANDARRAY fixed by literal arguments, else NotFusable."""
    if len(node.args) > 5:
        raise NotFusable("RANDARRAY with more than 5 arguments")
    shape = [shape_arg(node.args[k] if k < len(node.args) else None) for k in (0, 1)]
    if shape[0] is None or shape[1] is None:
        raise NotFusable("RANDARRAY whose rows or columns are computed")
    rows, cols = shape
    if not (1 <= rows and 1 <= cols and rows * cols <= MAX_ELEMENTS):
        raise NotFusable(f"RANDARRAY of {rows} x {cols} elements")
    return rows, cols


def _literal(node: ir.Node | None, default: float) -> float | None:
    """A literal argument's number (omitted: ``default``), else None."""
    if node is None or isinstance(node, ir.Missing):
        return default
    if isinstance(node, ir.Num | ir.Bool):
        return float(node.value)
    return None


def _bounds(node: ir.Call) -> tuple[float, float, float] | None:
    """min, max and whole_number where all three are literals, else None."""
    args = [*node.args[2:5], *[None] * (5 - max(len(node.args), 2))]
    got = [_literal(a, d) for a, d in zip(args, (0.0, 1.0, 0.0), strict=True)]
    return None if None in got else (got[0], got[1], got[2])  # type: ignore[return-value]


def randarray_fails(node: ir.Call) -> bool:
    """Whether literal arguments make the RANDARRAY one #VALUE! (min above max, whole
    numbers between bounds that are not whole): numpy's value in every cell of the array
    formula, inside the shape or past it."""
    got = _bounds(node)
    if got is None:
        return False
    lo, hi, whole = got
    return lo > hi or (whole != 0.0 and (lo != math.floor(lo) or hi != math.floor(hi)))


def randarray_past(node: ir.Node) -> ir.Node:
    """The value of a cell of an array formula past its result's shape (#N/A), where the
    formula's RANDARRAY cannot be one #VALUE! in some trials (numpy gives every cell that
    #VALUE! where all the trials of a chunk fail, the cells past the shape #N/A otherwise:
    not one trial's value)."""
    for n in ir.walk(node):
        if isinstance(n, ir.Call) and n.name == "RANDARRAY" and _bounds(n) is None:
            raise NotFusable("RANDARRAY whose bounds vary, in an array formula larger than "
                             "its array")
    return ir.Err(NA)


def randarray_element(node: ir.Call, r: int, c: int) -> ir.Call:
    """The IR of element (r, c) of RANDARRAY ``node``."""
    return ir.Call(RANDAT, (node, ir.Num(float(r)), ir.Num(float(c))))


def randarray_streams(node: ir.Node, cell: CellRef) -> list[int]:
    """The streams numpy's compiled formula draws for its RANDARRAY calls, as the kernel
    draws them: every element of the only RANDARRAY of a literal shape (NotFusable for
    several, or a computed shape)."""
    found = [n for n in ir.walk(node) if isinstance(n, ir.Call) and n.name == "RANDARRAY"]
    if not found:
        return []
    if len(found) > 1:
        raise NotFusable("several RANDARRAY calls in one formula")
    if any(shape_arg(a) is None for a in found[0].args[:2]):   # numpy's one stream named:
        return [element_stream(cell, 0, -1, -1)]   # its shape's read per trial (_scan_loops)
    rows, cols = randarray_shape(found[0])
    return [element_stream(cell, 0, i, j) for i in range(rows) for j in range(cols)]


class RandArrayMixin:
    """RANDARRAY's elements (mixed into the Generator)."""

    if TYPE_CHECKING:
        cell: CellRef | None

        def uniform(self, sid: int) -> str: ...
        def number(self, node: ir.Node | None, default: float | None = None) -> Val: ...
        def value(self, expr: str) -> str: ...
        def result(self, expr: str, args: list[Val], checks=(), bounds=...) -> Val: ...

    def fn_randarray(self, node: ir.Call) -> Val:
        """A RANDARRAY read as one value: one element only (element (0, 0)), or the one
        #VALUE! of literal arguments that fail."""
        shape = randarray_shape(node)
        if randarray_fails(node):
            return num("0.0", str(VALUE), (0.0, 0.0))
        if shape != (1, 1):
            raise NotFusable("RANDARRAY's array read as one value")
        return self.randarray_at(randarray_element(node, 0, 0))

    def randarray_at(self, node: ir.Call) -> Val:
        """``_RANDAT(RANDARRAY(rows, cols, min, max, whole), r, c)``: this trial's element."""
        inner, r, c = node.args
        assert isinstance(inner, ir.Call) and isinstance(r, ir.Num) and isinstance(c, ir.Num)
        rows, cols = randarray_shape(inner)
        i, j = int(r.value), int(c.value)
        assert 0 <= i < rows and 0 <= j < cols
        assert self.cell is not None
        u = self.uniform(element_stream(self.cell, 0, i, j))
        args = list(inner.args) + [None] * (5 - len(inner.args))
        lo, hi, whole = self.number(args[2], 0.0), self.number(args[3], 1.0), \
            self.number(args[4], 0.0)
        spans = self.value(f"{hi.v} - {lo.v}")
        real = f"{lo.v} + {u} * {spans}"
        integral = f"np.floor({lo.v} + {u} * ({spans} + 1.0))"
        split = f"(({lo.v} != np.floor({lo.v})) | ({hi.v} != np.floor({hi.v})))"
        if whole.e == "0" and whole.lo == whole.hi:   # whole_number the same in every trial
            flag = whole.lo != 0.0
            expr = integral if flag else real
            bad = f"({lo.v} > {hi.v}) | {split}" if flag else f"({lo.v} > {hi.v})"
        else:
            expr = f"sel({whole.v} != 0.0, {integral}, {real})"
            bad = f"({lo.v} > {hi.v}) | (({whole.v} != 0.0) & {split})"
        return self.result(expr, [lo, hi, whole], [(f"({bad})", VALUE)])


__all__ = ["RANDAT", "RandArrayMixin", "randarray_element", "randarray_fails", "randarray_past",
           "randarray_shape", "randarray_streams"]
