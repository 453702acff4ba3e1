"""Long fills of shared scratch arrays cut into pieces of their own (compile time).

A cell reading a long range of varying cells (``COUNTIF('Repayment Schedule'!C5:H212, ..)``:
1,264 elements) first stores each element into a shared scratch array, a view of rows of the
per-block ``ur`` array (:mod:`._gather`): thousands of lines ``z7[42] = v316``.  Numba's
compile time grows faster than linearly with a function's length (Akshit37
Loan_Amortization: a 1,000-line segment compiled in ~9 s, a 1,551-line one in 27 s, one of
4,962 lines, two such fills, in minutes), and segments are cut between cells only.  The
fill lines at the head of such a cell are plain stores into ``ur`` rows, which every segment
sees: they are cut here into pieces (:class:`FillPiece`, units of the segment assembly
placed just before their cell) of at most ``size`` lines each, so each lands in a segment
of bounded size and compile time grows linearly.  Only lines of the exact forms below are
moved, each a store of a name or a number into an element (or a slice) of a shared scratch
array; what they compute is unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# ``z7[42] = v316``, ``z7[42] = w316 * 1.0``, ``z7[3:18] = 0.0``, ``z7[9] = x14``
_FILL = re.compile(r"^(z\d+)\[\d+(?::\d+)?\] = "
                   r"(?:[vwyxk]\d+(?: \* 1\.0)?|-?\d+\.\d+(?:e[+-]?\d+)?)$")


@dataclass
class FillPiece:
    """Consecutive fill lines of cell ``cell`` (stores into shared scratch arrays), emitted
    as a unit of their own before the rest of the cell."""

    cell: int
    lines: list[str]


def split_fills(units: Sequence[object], cell_lines: list[list[str]],
                shared: Mapping[str, int], size: int) -> list[object]:
    """``units`` with each straight-line cell longer than ``size`` lines whose head is fill
    lines of ``shared`` scratch arrays preceded by those lines cut into pieces of at most
    ``size`` lines; ``cell_lines`` of such cells keep the rest (their comment first)."""
    out: list[object] = []
    for unit in units:
        if isinstance(unit, int) and len(cell_lines[unit]) > size:
            lines = cell_lines[unit]
            head = 1 if lines and lines[0].startswith("#") else 0
            end = head
            while end < len(lines):
                m = _FILL.match(lines[end])
                if m is None or m.group(1) not in shared:
                    break
                end += 1
            if end - head >= size:
                out += [FillPiece(unit, lines[j:min(j + size, end)])
                        for j in range(head, end, size)]
                cell_lines[unit] = lines[:head] + lines[end:]
        out.append(unit)
    return out
