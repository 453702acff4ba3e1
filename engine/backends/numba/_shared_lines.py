"""Long lines of cells that many cells look up, written once per trial (a mixin of the kernel
generator, placed before the lookups in the generator's bases).

A table copied down a few thousand rows often holds, in every row, a lookup into a whole
column of the same table: ``=INDEX($E$7:$E$2000, MATCH(Y7, $A$7:$A$2000, 0))`` (a pump sizing
workbook: 2,000 such cells).  The lookups of :mod:`._lookups` wrote, in every cell, the
column's values and type codes into two scratch arrays (two lines per element) and picked the
result by a chain of selections over the result column (three lines per element): 10,000
lines a cell, the square of the rows in all, so such workbooks were left to numpy as "the
kernel would be too large".

Here the first cell over a line of cells writes it into scratch arrays that live in rows of
the per-block ``ur`` array (``Generator.shared_scratch``, as :mod:`._gather`'s sorted copies);
a later cell over the same cells reads them, and names the first cell's value so that it is
ordered after it (families and chains reorder cells by what they read):

* :meth:`SharedLinesMixin._typed`: MATCH/LOOKUP/XMATCH's values and type codes of the lookup
  vector (the same encoding of text: the same rank table);
* :meth:`SharedLinesMixin._gathered`: the result line of INDEX/VLOOKUP/LOOKUP/XLOOKUP as
  values, error codes and kind tags, read at the position (``z[int(p)]``) instead of the
  chain of selections.  The element read is the one the chain selects (position 1 .. n; any
  other position reads element 1, as the chain's start), its error and kind merged as the
  chain merges them (:func:`._mixed._any`).

Runs of the same constant in consecutive elements (the empty rows of a table) are one slice
assignment ``z[a:b] = c``.  Lines of other cells (``v``/``w``/``y`` names), inputs and
constants only are shared; a line holding a temporary of its own cell is not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ...values import NA
from . import _intervals as iv
from ._mixed import _any
from ._values import KANY, KDYN, Val, lit, num, union_dom

# cells of a line from which it is written once per trial and shared: short lines too, as a
# short lookup table copied down a few hundred rows (a VaR model's =MATCH(C67, $D$9:$D$24, 1)
# in 500 rows: 16 elements, 40 lines a row, past the cap) costs a row of ``ur`` per element
SHARE_MIN = 4
# a result line (INDEX/VLOOKUP's column) from 32 cells only, as before 7cafd20: shared from 4,
# a 5-row VLOOKUP table holding =1/0 lost that cell's #DIV/0! (numba 0 where numpy 2, in
# test_numba_dynamic_text_kinds); the short MATCH vectors the VaR model needed stay shared
GATHERED_SHARE_MIN = 32
_NAME_OR_LIT = re.compile(r"^(?:[xvwykq]\d+|\(?-?\d+(?:\.\d*)?(?:e[-+]?\d+)?\)?"
                          r"|z\d+\[\d+\]|int\(z\d+\[\d+\]\))$")   # (_row_loops' elements)
_CODE_STORE = re.compile(r"^(z\d+)\[(\d+)\] = (?:w(\d+) \* 1\.0|y(\d+))$")
_CONST_STORE = re.compile(r"^(z\d+)\[(\d+)\] = (\(?-?\d+(?:\.\d*)?(?:e[-+]?\d+)?\)?)$")


def compact_fills(lines: list[str]) -> list[str]:
    """``lines`` (the stores of a fill of scratch arrays and the temporaries they read,
    nothing reading the arrays) with runs of the same constant in consecutive elements of one
    array as slice assignments, first."""
    runs: list[list[Any]] = []   # [array, first, last, literal]
    rest: list[str] = []
    last: dict[str, list[Any]] = {}
    for line in lines:
        m = _CONST_STORE.match(line)
        if m is None:
            rest.append(line)
            continue
        z, j, c = m.group(1), int(m.group(2)), m.group(3)
        run = last.get(z)
        if run is not None and run[2] == j - 1 and run[3] == c:
            run[2] = j
        else:
            run = last[z] = [z, j, j, c]
            runs.append(run)
    out = [f"{z}[{a}] = {c}" if a == b else f"{z}[{a}:{b + 1}] = {c}" for z, a, b, c in runs]
    # then the temporaries, then each array's other stores in order (a run of copies of
    # cells into one array is then one loop where the cells are looped: _gather.loop_fills)
    temps = [line for line in rest if not line.startswith("z")]
    stores: dict[str, list[str]] = {}
    for line in rest:
        if line.startswith("z"):
            stores.setdefault(line.split("[", 1)[0], []).append(line)
    return out + temps + [line for z in stores.values() for line in z]


def loop_codes(lines: list[str], looped: set[int], base: int, tag: str, least: int = 8
               ) -> tuple[list[str], list[int]]:
    """``lines`` of one cell with each run of copies of the error codes (``z7[0] = w24 *
    1.0``, ...) or kind tags (``z8[0] = y24``, ...) of cells of families (``looped``) into
    consecutive elements of one scratch as one loop reading them from the cells' slots of
    ``se``, as ``_gather.loop_fills`` copies their values; and the cells read, in order (their
    slots go to ``gi[base:]``).  The same numbers in the same elements."""
    out: list[str] = []
    table: list[int] = []
    i = 0
    while i < len(lines):
        m = _CODE_STORE.match(lines[i])
        if m is None or int(m.group(3) or m.group(4)) not in looped:
            out.append(lines[i])
            i += 1
            continue
        z, j0, err = m.group(1), int(m.group(2)), m.group(3) is not None
        cells = [int(m.group(3) or m.group(4))]
        k = i + 1
        while k < len(lines):
            mk = _CODE_STORE.match(lines[k])
            if mk is None or mk.group(1) != z or int(mk.group(2)) != j0 + len(cells) \
                    or (mk.group(3) is not None) != err \
                    or int(mk.group(3) or mk.group(4)) not in looped:
                break
            cells.append(int(mk.group(3) or mk.group(4)))
            k += 1
        if len(cells) < least:
            out += lines[i:k]
            i = k
            continue
        j = f"{tag}s{i}"
        at = f"int(se[b, gi[{base + len(table)} + {j}]])"
        read = f"({at} & 15) * 1.0" if err else f"float({at} >> 4)"
        out += [f"for {j} in range({len(cells)}):", f"    {z}[int({j0} + {j})] = {read}"]
        table += cells
        i = k
    return out, table


class SharedLinesMixin:
    """Shared writes of long lookup lines (see the module docstring)."""

    if TYPE_CHECKING:
        lines: list[str]
        shared_scratch: set[str]
        cell: Any
        cell_number: int

        def scratch(self, size: int) -> str: ...
        def value(self, expr: str) -> str: ...
        def err(self, expr: str) -> str: ...
        def chain(self, errs: list[str], checks: Any = ()) -> str: ...
        def _gather_memo(self) -> dict: ...
        def _owner_valid(self, owner: tuple[Any, int]) -> bool: ...
        def _after(self, owner: tuple[Any, int]) -> None: ...

    def _shared(self, key: tuple) -> Any:
        """What the first cell over ``key`` wrote (after naming its value), or None."""
        got = self._gather_memo().get(key)
        if got is not None and self._owner_valid(got[1]):
            self._after(got[1])
            return got[0]
        return None

    def _own(self, key: tuple, what: Any, start: int) -> None:
        """This cell wrote ``what`` (its lines from ``start`` on): shared from now on."""
        self.lines[start:] = compact_fills(self.lines[start:])
        self._gather_memo()[key] = (what, (self.cell, self.cell_number))

    # ------------------------------------------------------------ a lookup vector
    def _typed(self, cells: Sequence[Val], text: Any) -> tuple[str, str]:
        key = _typed_key(cells, text)
        if key is None:
            return super()._typed(cells, text)  # type: ignore[misc]
        got = self._shared(key)
        if got is not None:
            return got
        start = len(self.lines)
        z, t = super()._typed(cells, text)  # type: ignore[misc]
        self.shared_scratch.update((z, t))
        self._own(key, (z, t), start)
        return z, t

    # ------------------------------------------------------------ a result line
    def shared_values(self, label: str, cells: Sequence[Val]) -> tuple[str, str, str]:
        """The scratch arrays holding ``cells``' values, error codes ("" when none can be an
        error) and kind tags ("" when every cell has the same plain kind), written once per
        trial by the first cell that needs them (under ``label``) and read by the later ones."""
        same = len({c.kind for c in cells}) == 1 and cells[0].kind != KANY
        erring = any(c.e != "0" for c in cells)
        key = (label, same, erring, tuple((c.v, c.e, "" if same else c.tag()) for c in cells))
        got = self._shared(key)
        if got is None:
            start, n = len(self.lines), len(cells)
            zv = self.scratch(n)
            ze = self.scratch(n) if erring else ""
            zy = "" if same else self.scratch(n)
            self.shared_scratch.update(z for z in (zv, ze, zy) if z)
            for j, c in enumerate(cells):
                self.lines.append(f"{zv}[{j}] = {c.v}")
                if ze:
                    self.lines.append(f"{ze}[{j}] = {_float(c.e)}")
                if zy:
                    self.lines.append(f"{zy}[{j}] = {c.tag()}")
            got = (zv, ze, zy)
            self._own(key, got, start)
        return got

    def _gathered(self, pos: str, cells: list[Val], errs: list[str], missing: bool = True
                  ) -> Val:
        if len(cells) < GATHERED_SHARE_MIN or not _shareable(cells):
            return super()._gathered(pos, cells, errs, missing)  # type: ignore[misc]
        n = len(cells)
        zv, ze, zy = self.shared_values("gathered", cells)
        # the chain's element: position j (1..n) picks cell j, anything else cell 1
        at = self.value(f"sel(({pos} >= 1.0) & ({pos} <= {lit(float(n))}), {pos} - 1.0, 0.0)")
        v = self.value(f"{zv}[int({at})]")
        cell_err = self.err(f"int({ze}[int({at})])") if ze else "0"
        e = self.err(self.chain(errs, [(f"({pos} == 0.0)", NA) if missing else None,
                                       (cell_err, 0) if cell_err != "0" else None]))
        if not zy:   # every cell of one plain kind
            return num(v, e, iv.union([c.iv for c in cells]), cells[0].kind, union_dom(cells))
        y = self.value(f"{zy}[int({at})]")
        got_any = _any(v, "0", y, cells)
        return Val(v, e, KANY, got_any.lo, got_any.hi, got_any.dom, y, got_any.kinds)


def _shareable(cells: Sequence[Val]) -> bool:
    """Whether ``cells`` are long enough to share and named by what any cell may read."""
    return len(cells) >= SHARE_MIN and all(
        c.kind != KDYN and _NAME_OR_LIT.match(c.v) and _NAME_OR_LIT.match(c.e)
        and (c.kind != KANY or (c.y is not None and _NAME_OR_LIT.match(c.y))) for c in cells)


def _typed_key(cells: Sequence[Val], text: Any) -> tuple | None:
    """What a lookup vector's fill depends on: its cells and the encoding of their text (a
    rank table; a wildcard table depends on the key: not shared)."""
    if text.wild or not _shareable(cells):
        return None
    rank = getattr(text, "rank", None)
    ranks = tuple(sorted(rank.items())) if rank else ()
    return ("typed", getattr(text, "off", 0), ranks,
            tuple((c.v, c.e, c.kind, c.y, c.dom) for c in cells))


def _float(e: str) -> str:
    """An error code (a name or a literal) as a float to store (``* 1.0``: the CUDA twin
    translates no ``float()``)."""
    return f"{e} * 1.0" if not e.lstrip("(-").replace(".", "").isdigit() else lit(float(e))


__all__ = ["SHARE_MIN", "SharedLinesMixin", "compact_fills", "loop_codes"]
