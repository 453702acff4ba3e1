"""FILTER whose flags are the same in every trial, read by an aggregate: the kept rows.

``AVERAGE(Sales_Filtered)`` with the name ``Sales_Filtered`` = ``LET(k, HSTACK(T[SALES],
T[STATUS]), f, FILTER(k, (T[STATUS]<>"Cancelled")*(T[STATUS]<>"On Hold")), INDEX(f,,1))``
(EfiLygda's Sales_Data_Project.xlsx: AVERAGE, STDEV.S, MEDIAN, SKEW and KURT of it): the
flags read only constants, so FILTER keeps the same rows in every trial, and column k of
FILTER(HSTACK(c1, c2, ...), m) is FILTER(ck, m).  An aggregate of the kept values of a column
of numbers is the aggregate of the kept rows given as ranges, in order (runs of consecutive
rows), which the kernel reads as any range; the flags are evaluated once by the numpy
compiler.  Left as it was: flags that vary per trial, that are errors or text, a column whose
kept cells are not all numbers, nothing kept (numpy's #CALC!).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ... import ir
from ...values import Grid
from ._values import KNUM, NotFusable, Val

if TYPE_CHECKING:
    from ...model import Env
    from ...workbook import CellRef

# aggregates whose result is the same for the kept values as an array and given as ranges
SPLICED = frozenset({"SUM", "COUNT", "AVERAGE", "MIN", "MAX", "MEDIAN", "STDEV", "STDEV.S",
                     "STDEV.P", "STDEVP", "VAR", "VAR.S", "VAR.P", "VARP", "SKEW", "KURT",
                     "PRODUCT", "SUMSQ", "DEVSQ", "AVEDEV"})


class _Host(Protocol):
    cell: CellRef | None
    env: Env

    def is_constant(self, node: ir.Node) -> bool: ...
    def operand(self, c: CellRef) -> Val: ...


def column_of_filter(node: ir.Node) -> ir.Node:
    """INDEX(FILTER(HSTACK(c1, ..., cn), m), , k) as FILTER(ck, m) (the columns ranges of
    one column and as many rows, k a literal); else ``node``."""
    if not (isinstance(node, ir.Call) and node.name == "INDEX" and len(node.args) == 3
            and isinstance(node.args[1], ir.Missing) and isinstance(node.args[2], ir.Num)):
        return node
    f, k = node.args[0], node.args[2].value
    if not (isinstance(f, ir.Call) and f.name == "FILTER" and len(f.args) == 2):
        return node
    h = f.args[0]
    if not (isinstance(h, ir.Call) and h.name == "HSTACK" and h.args and all(
            isinstance(a, ir.Area) and a.declared_shape[1] == 1 for a in h.args)):
        return node
    if len({a.declared_shape for a in h.args}) != 1 or k != int(k) or \
            not 1 <= int(k) <= len(h.args):
        return node
    return ir.Call("FILTER", (h.args[int(k) - 1], f.args[1]))


def kept_ranges(g: _Host, node: ir.Node) -> list[ir.Area] | None:
    """The rows FILTER ``node`` keeps in every trial, as ranges in order; None where it is
    not such a FILTER (see the module docstring)."""
    node = column_of_filter(node)
    if not (isinstance(node, ir.Call) and node.name == "FILTER" and len(node.args) == 2
            and isinstance(node.args[0], ir.Area)):
        return None
    col, mask = node.args
    rows, cols = col.declared_shape
    if cols != 1 or col.shape != col.declared_shape or not g.is_constant(mask):
        return None
    from ...compiler import compile_formula

    assert g.cell is not None
    compiled, info = compile_formula(mask, g.cell)
    if info.unsupported or info.random_streams:
        return None
    try:
        flags = compiled(g.env)
    except Exception:  # noqa: BLE001 - numpy's FILTER would give the error: left to it
        return None
    if not isinstance(flags, Grid) or flags.shape != (rows, 1):
        return None
    keep = []
    for vec in flags.flat():
        x = vec.scalar(0)
        if isinstance(x, bool) or (isinstance(x, int | float) and not isinstance(x, bool)):
            keep.append(bool(x))
        else:
            return None   # an error, text or blank flag: numpy's rules, left to it
    if not any(keep):
        return None
    out: list[ir.Area] = []
    r = 0
    while r < rows:
        if not keep[r]:
            r += 1
            continue
        s = r
        while r < rows and keep[r]:
            r += 1
        out.append(ir.Area(col.sheet, col.r1 + s, col.c1, col.r1 + r - 1, col.c1))
    try:
        if any(g.operand(c).kind != KNUM for a in out for line in a.cells() for c in line):
            return None
    except NotFusable:
        return None
    return out
