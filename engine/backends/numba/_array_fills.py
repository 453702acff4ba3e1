"""Scratch arrays an array formula's cells share, filled once per trial by its first cell.

FREQUENCY computes each element of its result from every value of its arguments, laid out
in scratch arrays (two lines per value).  Each cell of the array formula
laid them out again: ``{=FREQUENCY($N$3:$N$487, Q3:Q25)}`` over 24 cells wrote 24 x 970 lines,
and the formula was left to numpy as "the kernel would be too large" (a VaR workbook has one
per sheet).  Here the layout is made once per formula: its lines go to the formula's first
cell, before its own lines (``Generator.array_formula`` prepends :attr:`ArrayFills.lines`),
into shared scratch arrays (rows of the per-block ``ur`` array: the cells may run in other
segments), and every other cell of the formula (:attr:`ArrayFills.member` while it is made)
names the first cell's value, which orders it after that cell (families reorder cells by what they read).  The elements read the same
numbers in the same order: the same results, bit for bit.  (MINVERSE's layout is factored in
place by each element: not shared.)  Outside an array formula (a plain
cell's SUM(FREQUENCY(..))) the layout is written where it is first needed, every time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass
class ArrayFills:
    """The fills of one array formula (``Generator.array_fills`` while it is generated), and
    where its generation stands: the context of every fill, passed on, not the generator's."""

    lines: list[str] = field(default_factory=list)   # the first cell's, before its own
    memo: dict[Any, Any] = field(default_factory=dict)   # what each fill made, by key
    member: bool = False   # a cell other than the formula's first is made (array_formula)
    making: int = 0   # fills being made (nested): placed before the first cell, they name none


def names_first_cell(gen: Any) -> bool:
    """Whether the lines made now are a cell of an array formula other than its first,
    outside any fill: they name the first cell's value (ordered after it, which fills the
    scratch; ``Generator._after`` alike for other shared scratch)."""
    fills: ArrayFills | None = gen.__dict__.get("array_fills")
    return fills is not None and fills.member and not fills.making


def array_fill(gen: Any, key: Any, make: Callable[[], T], scratch: Callable[[T], list[str]]
               ) -> T:
    """What ``make()`` returns (it appends its lines to ``gen.lines``), made once per array
    formula for ``key``; ``scratch(result)`` names the scratch arrays it fills (shared then).
    In a cell other than the formula's first, a line naming the first cell's value."""
    fills: ArrayFills | None = gen.__dict__.get("array_fills")
    if fills is None:
        return make()
    got = fills.memo.get(key)
    if got is None:
        saved, gen.lines = gen.lines, []
        fills.making += 1
        try:
            got = make()
            fills.lines += gen.lines
        finally:
            gen.lines = saved
            fills.making -= 1
        fills.memo[key] = got
        gen.shared_scratch.update(scratch(got))
    if names_first_cell(gen):   # after the first cell, which fills the scratch
        gen.value(f"v{gen.cell_number}")
    return got


__all__ = ["ArrayFills", "array_fill", "names_first_cell"]
