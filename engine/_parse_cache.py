"""Parse each distinct *relative* formula once.

Workbooks repeat one formula down a column (``=B2*1.05+C1``, ``=B3*1.05+C2``, ...).  The key of
a formula is its text with every relative cell reference outside string literals and quoted
sheet names written as an offset from the formula's cell (``=R[0]C[-1]*1.05+R[-1]C[0]``), so
the repeats share a key; a reference after a sheet name too (``='Raw data'!C5`` down a column:
one key, :func:`relative_key` with ``sheets``).
The first formula of a key is parsed (the template); a later one is the template's IR with its
references moved by the difference of the two cells, on each axis where the reference is
relative.  Which reference coordinates are relative is learned, not guessed: the second cell
with a nonzero row (or column) offset is parsed in full and compared with the template; the
two must be equal except for references moved by exactly that offset on relative coordinates
(anything else marks the key as not cacheable, and its formulas are always parsed).  So the
cached IR is the IR the parser gives, which ``tests/test_ir.py`` checks on every workbook.

Formulas with structured references or external links (``[``), and references shifted off
the sheet, are always parsed.  The cell-dependent pass (implicit intersection, constant
INDEX and IF) runs after, per cell, as for a parsed formula.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from threading import get_ident

from . import ir  # engine.ir imports this module: ir.* is looked up when called
from ._ir_nodes import MAX_COL, MAX_ROW, Area, Node, Ref, children, clip, rebuild

# an A1 cell reference not inside a name: optional $, 1-3 letters, optional $, digits
_CELL = re.compile(r"(?<![A-Za-z0-9_.$!])(\$?)([A-Za-z]{1,3})(\$?)([0-9]{1,7})(?![A-Za-z0-9_(!])")
# the same, also after a sheet name ("S!A1", "'My sheet'!A1")
_SHEET_CELL = re.compile(r"(?<![A-Za-z0-9_.$])(\$?)([A-Za-z]{1,3})(\$?)([0-9]{1,7})(?![A-Za-z0-9_(!])")
_UNCACHED = "["   # structured references, external links: always parsed


@lru_cache(maxsize=4096)
def _col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def relative_key(text: str, row: int, col: int, sheets: bool = False) -> str | None:
    """``text`` with relative references as offsets from (row, col); None: do not cache.
    A reference after a sheet name stays as written (the cache's templates need not share
    it), unless ``sheets``: then it is an offset too and a quoted sheet name is kept as
    written (copies of ``='Q1 2024'!C16=""`` down a column share a key)."""
    if _UNCACHED in text:
        return None
    cell = _SHEET_CELL if sheets else _CELL

    def sub(m: re.Match[str]) -> str:
        cabs, letters, rabs, digits = m.groups()
        c = letters if cabs else f"C[{_col_number(letters) - col}]"
        r = digits if rabs else f"R[{int(digits) - row}]"
        return f"{cabs}{c}{rabs}{r}"

    def outside(t: str, quote: str, inner: Callable[[str], str]) -> str:
        if quote not in t:
            return inner(t)
        parts = t.split(quote)
        for i in range(0, len(parts), 2):  # even parts are outside the quotes
            parts[i] = inner(parts[i])
        return quote.join(parts)

    def refs(t: str) -> str:
        return cell.sub(sub, t)

    if sheets:   # outside string literals and quoted sheet names
        return outside(text, '"', lambda t: outside(t, "'", refs))
    return outside(text, '"', refs)


def _refs(node: Node) -> list[Ref | Area]:
    """The Ref and Area nodes of ``node`` in a fixed (pre-)order (:func:`engine.ir.references`)."""
    return ir.references(node)


def _substitute(node: Node, refs: list[Ref | Area]) -> Node:
    """``node`` with its Ref/Area nodes replaced by ``refs``, in :func:`_refs` order."""
    it = iter(refs)
    # post-order rebuild on an explicit stack
    out: list[Node] = []
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        x, ready = stack.pop()
        if isinstance(x, Ref | Area):
            out.append(next(it))
            continue
        kids = children(x)
        if not kids:
            out.append(x)
            continue
        if not ready:
            stack.append((x, True))
            stack.extend((k, False) for k in reversed(kids))
            continue
        args = out[len(out) - len(kids):]
        del out[len(out) - len(kids):]
        out.append(rebuild(x, args))
    return out[0]


def _plan(node: Node) -> list[tuple[int, Node | None, int]]:
    """How to rebuild ``node`` around new references, worked out once per template: its
    nodes in post-order as (0: the next reference | 1: a subtree without references, kept as
    is | 2: a node rebuilt from its last ``k`` results, node, k)."""
    has_ref: dict[int, bool] = {}
    order: list[Node] = []
    stack = [node]
    while stack:  # parents before children; reversed below: children first
        x = stack.pop()
        order.append(x)
        stack.extend(children(x))
    for x in reversed(order):
        has_ref[id(x)] = isinstance(x, Ref | Area) or any(has_ref[id(k)] for k in children(x))
    plan: list[tuple[int, Node | None, int]] = []
    work: list[tuple[Node, bool]] = [(node, False)]
    while work:
        x, ready = work.pop()
        if isinstance(x, Ref | Area):
            plan.append((0, None, 0))
        elif not has_ref[id(x)]:
            plan.append((1, x, 0))
        elif ready:
            plan.append((2, x, len(children(x))))
        else:
            work.append((x, True))
            work.extend((k, False) for k in reversed(children(x)))
    return plan


def _rebuilt(plan: list[tuple[int, Node | None, int]], refs: list[Ref | Area]) -> Node:
    """The template of ``plan`` with its references replaced by ``refs`` (in order)."""
    it = iter(refs)
    out: list[Node] = []
    for kind, x, k in plan:
        if kind == 0:
            out.append(next(it))
        elif kind == 1:
            out.append(x)  # type: ignore[arg-type]
        else:
            args = out[-k:]
            del out[-k:]
            out.append(rebuild(x, args))  # type: ignore[arg-type]
    return out[0]


def _whole_sheet(sheet: str) -> tuple[int, int]:
    """Bounds for :func:`_shift` on a template without ranges (only areas are clipped)."""
    return MAX_ROW, MAX_COL


@dataclass
class _Entry:
    row: int
    col: int
    node: Node
    ranges: bool
    refs: list[Ref | Area]
    # per reference, per coordinate (a Ref's one, an Area's first and last): whether it
    # moves with the formula's row (column); None until learned
    row_rel: list[tuple[bool, ...]] | None = None
    col_rel: list[tuple[bool, ...]] | None = None
    broken: bool = False
    plan: list[tuple[int, Node | None, int]] | None = None  # see _plan, made on the first hit
    # the positions in ``refs`` of engine.ir.read_references(node), in its order; None: not
    # worked out yet, False: they are not the same references (ROW(A1), OFFSET's base)
    read_order: list[int] | bool | None = None


def _read_order(entry: _Entry) -> list[int] | bool:
    """Where each of the references a formula reads comes in its ``refs`` (see _Entry)."""
    where = {id(x): i for i, x in enumerate(entry.refs)}
    read = ir.read_references(entry.node)
    if len(where) != len(entry.refs) or len(read) != len(entry.refs) or \
            any(id(x) not in where for x in read):
        return False
    return [where[id(x)] for x in read]


def _learn(entry: _Entry, node: Node, dr: int, dc: int) -> bool:
    """Compare a fully parsed formula with the template; learn which coordinates move."""
    refs = _refs(node)
    if len(refs) != len(entry.refs) or _substitute(entry.node, refs) != node:
        return False
    row_rel, col_rel = [], []
    for a, b in zip(entry.refs, refs, strict=True):
        if type(a) is not type(b):
            return False
        if isinstance(a, Ref):
            assert isinstance(b, Ref)
            if a.cell.sheet != b.cell.sheet:
                return False
            rows = [(a.cell.row, b.cell.row)]
            cols = [(a.cell.col, b.cell.col)]
        else:
            assert isinstance(b, Area)
            if a.sheet != b.sheet or a.rows != b.rows or a.cols != b.cols:
                return False
            rows = [(a.r1, b.r1), (a.r2, b.r2)]
            cols = [(a.c1, b.c1), (a.c2, b.c2)]
        for pairs, d, flags in ((rows, dr, row_rel), (cols, dc, col_rel)):
            moved = tuple(y - x for x, y in pairs)
            if d == 0:
                if any(moved):
                    return False
                continue
            if not set(moved) <= {0, d}:
                return False
            flags.append(tuple(m == d for m in moved))
    if dr:
        entry.row_rel = row_rel
    if dc:
        entry.col_rel = col_rel
    return True


def _shift(entry: _Entry, dr: int, dc: int,
           bounds: Callable[[str], tuple[int, int]]) -> list[Ref | Area] | None:
    out: list[Ref | Area] = []
    still = (False, False)
    for i, a in enumerate(entry.refs):
        rf = entry.row_rel[i] if dr and entry.row_rel is not None else still
        cf = entry.col_rel[i] if dc and entry.col_rel is not None else still
        if not any(rf) and not any(cf):
            out.append(a)
            continue
        if isinstance(a, Ref):
            cell = a.cell
            row, col = cell.row + dr * rf[0], cell.col + dc * cf[0]
            if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
                return None
            out.append(Ref(type(cell)(cell.sheet, row, col)))
        else:
            if a.rows or a.cols:   # clipped to the sheet: the clip depends on where it is
                return None
            r1, r2 = a.r1 + dr * rf[0], a.r2 + dr * rf[1]
            c1, c2 = a.c1 + dc * cf[0], a.c2 + dc * cf[1]
            if not (1 <= r1 <= r2 <= MAX_ROW and 1 <= c1 <= c2 <= MAX_COL):
                return None
            # clipped to the cells its sheet holds, as the parser does
            out.append(clip(Area(a.sheet, r1, c1, r2, c2), *bounds(a.sheet)))
    return out


@dataclass
class ParseCache:
    """Templates by (sheet, array, relative key), for one workbook's resolver."""

    entries: dict[tuple[str, bool, str], _Entry] = field(default_factory=dict)
    hits: int = 0
    parses: int = 0
    # per thread, what the last formula got (see :meth:`template`)
    _last: dict[int, tuple[_Entry, list[Ref | Area] | None]] = field(default_factory=dict,
                                                                     repr=False)
    # (text, row, col, key): the key :meth:`copy` worked out, for the :meth:`get` after it
    _memo: tuple[str, int, int, str | None] | None = field(default=None, repr=False)

    def template(self) -> tuple[_Entry | None, list[Ref | Area] | None]:
        """What the last formula parsed on this thread got, then forgotten: the template whose
        copy it is (its IR is the template's, references moved; the copies of one template
        can be computed together, engine._batches) and the references it reads
        (engine.ir.read_references of its IR, when the template says which: a copy of a
        formula without ranges), or None for either."""
        return self._last.pop(get_ident(), (None, None))

    def copy(self, text: str, sheet: str, row: int, col: int, array: bool
             ) -> tuple[_Entry, list[Ref | Area]] | None:
        """A formula without ranges that is a copy of a learned template, its IR not built
        (:meth:`rebuild` builds it when needed; engine._batches needs only its references):
        the template and the references the copy reads (engine.ir.read_references order);
        None where :meth:`get` is needed (it then reuses the key worked out here)."""
        key = relative_key(text, row, col, sheets=True)
        entry = None if key is None else self.entries.get((sheet, array, key))
        if entry is None or entry.broken or entry.ranges or entry.read_order is False:
            self._memo = (text, row, col, key)
            return None
        dr, dc = row - entry.row, col - entry.col
        if (dr and entry.row_rel is None) or (dc and entry.col_rel is None):
            self._memo = (text, row, col, key)
            return None
        refs = _shift(entry, dr, dc, _whole_sheet)
        if entry.read_order is None:
            entry.read_order = _read_order(entry)
        if refs is None or entry.read_order is False:
            self._memo = (text, row, col, key)
            return None
        if entry.plan is None:
            entry.plan = _plan(entry.node)
        self.hits += 1
        return entry, [refs[i] for i in entry.read_order]  # type: ignore[union-attr]

    @staticmethod
    def references(entry: _Entry, row: int, col: int) -> list[Ref | Area] | None:
        """The references (engine.ir.references order) of the copy at (row, col) of a template
        without ranges that :meth:`copy` gave; None when it is not one any more."""
        if entry.broken or entry.ranges or entry.plan is None:
            return None
        return _shift(entry, row - entry.row, col - entry.col, _whole_sheet)

    @classmethod
    def rebuild(cls, entry: _Entry, row: int, col: int) -> Node | None:
        """The IR of the copy at (row, col) of a template :meth:`copy` gave (what :meth:`get`
        and engine.ir.parse_formula give for it); None when it is not one any more."""
        refs = cls.references(entry, row, col)
        return None if refs is None else _rebuilt(entry.plan, refs)  # type: ignore[arg-type]

    def get(self, text: str, sheet: str, row: int, col: int, array: bool,
            parse: Callable[[], tuple[Node, bool]],
            bounds: Callable[[str], tuple[int, int]]) -> tuple[Node, bool]:
        """The formula's IR before the cell pass, and whether it holds a range; ``parse``
        parses it in full (and raises FormulaError for a bad formula); ``bounds``: the rows
        and columns a sheet holds (areas are clipped to them)."""
        self._last.pop(get_ident(), None)
        memo = self._memo
        key = memo[3] if memo is not None and memo[0] is text and memo[1] == row and \
            memo[2] == col else relative_key(text, row, col, sheets=True)
        self._memo = None
        if key is None:
            self.parses += 1
            return parse()
        k = (sheet, array, key)
        entry = self.entries.get(k)
        if entry is None:
            self.parses += 1
            node, ranges = parse()
            self.entries[k] = entry = _Entry(row, col, node, ranges, _refs(node))
            self._last[get_ident()] = (entry, None)
            return node, ranges
        dr, dc = row - entry.row, col - entry.col
        if not entry.broken and (not dr or entry.row_rel is not None) and \
                (not dc or entry.col_rel is not None):
            refs = _shift(entry, dr, dc, bounds)
            if refs is not None:
                self.hits += 1
                if entry.plan is None:
                    entry.plan = _plan(entry.node)
                read = None
                if not entry.ranges:
                    if entry.read_order is None:
                        entry.read_order = _read_order(entry)
                    if entry.read_order is not False:
                        read = [refs[i] for i in entry.read_order]  # type: ignore[union-attr]
                self._last[get_ident()] = (entry, read)
                return _rebuilt(entry.plan, refs), entry.ranges
        self.parses += 1
        node, ranges = parse()
        if not entry.broken and ranges == entry.ranges and not _learn(entry, node, dr, dc):
            entry.broken = True
        return node, ranges
