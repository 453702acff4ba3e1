"""The cells of a lookup table written as CHOOSECOLS / CHOOSEROWS of a fixed range with
constant column (row) numbers (kblee0 LAMBDA.xlsx, a named LAMBDA reading a table both
ways: ``VLOOKUP(x, CHOOSECOLS(emp[], 2, 1), 2, FALSE)``): the same rows (columns) of the
range, its columns (rows) picked in the order written, a negative number counting from the
end as Excel's does.  VLOOKUP / HLOOKUP search that grid as they search a range's cells
(:meth:`._lookups.LookupsMixin._table_lookup`); any other argument (a number that varies,
is not a whole number, is 0 or is past the range: numpy's #VALUE!) is not such a table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import ir

if TYPE_CHECKING:
    from ...workbook import CellRef

CHOOSERS = frozenset({"CHOOSECOLS", "CHOOSEROWS"})


def _constant_int(node: ir.Node) -> int | None:
    """A whole number written as such (``2``, ``-1``), else None."""
    sign = 1
    if isinstance(node, ir.Unary) and node.op in ("-", "+"):
        sign, node = (-1 if node.op == "-" else 1), node.operand
    if isinstance(node, ir.Num) and float(node.value).is_integer():
        return sign * int(node.value)
    return None


def chosen_area(node: ir.Node) -> ir.Area | None:
    """The range that ``node`` picks columns (rows) of, where it is such a table."""
    return node.args[0] if chosen_table(node) is not None else None   # type: ignore[union-attr]


def chosen_table(node: ir.Node) -> list[list[CellRef]] | None:
    """The cells of CHOOSECOLS / CHOOSEROWS(range, k1, k2, ...) (constant k) by row, else
    None (see the module docstring)."""
    if not (isinstance(node, ir.Call) and node.name in CHOOSERS and len(node.args) >= 2
            and isinstance(node.args[0], ir.Area)):
        return None
    grid = node.args[0].cells()
    by_cols = node.name == "CHOOSECOLS"
    n = len(grid[0]) if by_cols else len(grid)
    picks = []
    for a in node.args[1:]:
        k = _constant_int(a)
        if k is None or k == 0 or abs(k) > n:
            return None
        picks.append(k - 1 if k > 0 else n + k)
    if by_cols:
        return [[row[j] for j in picks] for row in grid]
    return [list(grid[i]) for i in picks]


__all__ = ["CHOOSERS", "chosen_area", "chosen_table"]
