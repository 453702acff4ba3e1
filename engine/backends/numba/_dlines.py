"""Lookups over text made per trial (a mixin of the lookups, :mod:`._lookups`): a lookup
vector whose elements are text made per trial (``VLOOKUP(key, F2:G201, 2, FALSE)`` where
``F`` is ``TEXT(D2,"yyyymmdd")&"|"&COUNTIFS(..)``; ``XLOOKUP(a&b&c, Year&Month&Store,
Sales)`` where ``Year`` varies), searched by a key that is text (made per trial or not) or
any other value.

:mod:`._lookups` encodes a vector's text by its rank among the folded texts, known when the
kernel is made; text made per trial has no such rank.  Here, once per trial, every text
element is written into the dynamic text buffer (:mod:`._dtext`) and
:func:`._rt_dlines.dline_rank` ranks them (the dense rank of each among the distinct folded
texts, as :func:`engine.functions._search.encode_table` gives it) into the value array of the
typed searches, and keeps the distinct texts in order in a table; a text key's value is its
rank there, or the half rank where it would sort (:func:`._rt_dlines.dkey_rank`, as
``encode_keys``).  Equality and order of these values are those of the folded texts, so the
typed searches of :mod:`._rt_functions` (``lk_approx``, ``lk_desc``, ``lk_exact``,
``lk_order``) give every match and search mode as they do for ranks of constant text.

The first cell over a vector writes its values, type codes and text table into scratch
arrays shared with later cells over the same elements (:mod:`._shared_lines`' ``_shared`` /
``_own``): ``XLOOKUP`` down a column of a dashboard ranks the vector once per trial.

Only ASCII text is compared here (the buffer's code points fold A-Z only), and an exact
match of a key that may hold a wildcard (``*``, ``?``, ``~``) is left to numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ... import ir
from ...functions import _search as S
from ._dtext import Dyn, DynamicText, _chars, _leaves, _measure
from ._shared_lines import _NAME_OR_LIT
from ._values import KANY, KBLANK, KBOOL, KNUM, KSTR, NotFusable, Val, lit

if TYPE_CHECKING:
    from ...workbook import CellRef



@dataclass(frozen=True)
class CellText(Dyn):
    """A cell of text made per trial in a lookup vector, its recipe made when the vector is
    ranked (not at all where a cell before ranked the same cells)."""

    cell: Any = None


Element = Val | Dyn
_T = {KNUM: float(S.NUM_T), KSTR: float(S.STR_T), KBOOL: float(S.BOOL_T),
      KBLANK: float(S.BLANK_T)}
_ERR_T = float(S.ERR_T)
_DYNAMIC = "text made from a number that varies per trial (a dynamic string)"


class DynLinesMixin:
    """Searches of lookup vectors holding text made per trial (see the module docstring)."""

    if TYPE_CHECKING:  # provided by the Generator
        lines: list[str]
        strings: list[str]
        shared_scratch: set[str]
        array_ir: list[Any]

        cells: dict[Any, Val]

        def expr(self, node: ir.Node) -> Val: ...
        def operand(self, c: CellRef) -> Val: ...
        def recipe(self, node: ir.Node | None, coerce: bool) -> Dyn: ...
        def as_dyn(self, v: Val, coerce: bool) -> Dyn: ...
        def write(self, d: Dyn) -> tuple[str, str, str]: ...
        def scratch(self, size: int) -> str: ...
        def value(self, expr: str) -> str: ...
        def mx_elements(self) -> Any: ...
        def array_shape(self, node: ir.Node) -> tuple[int, int] | None: ...
        def _shared(self, key: tuple) -> Any: ...
        def _own(self, key: tuple, what: Any, start: int) -> None: ...

    # ------------------------------------------------------------ elements
    def element_or_text(self, c: CellRef) -> Element:
        """A cell of a lookup vector: its value, or its text made per trial."""
        mark = len(self.lines)
        try:
            return self.operand(c)
        except DynamicText:
            del self.lines[mark:]
        return CellText(("cell",), self.cells[c].e, 0, c)

    def dyn_expression_line(self, node: ir.Node, shape: tuple[int, int]) -> list[Element]:
        """The elements of a lookup vector written as an array expression some of whose
        elements are text made per trial (``Year&Month&Store`` with ``Year`` varying)."""
        el = self.mx_elements()
        out: list[Element] = []
        for r in range(shape[0]):
            for c in range(shape[1]):
                item = el.element(node, r, c)
                self.array_ir.append(item)   # constants are keyed by the id of their node
                out.append(self.value_or_text(item))
        return out

    # ------------------------------------------------------------ searches
    def dyn_position(self, x: Element, cells: Sequence[Element], how: str, mode: int,
                     search: int = 1) -> str:
        """The 1-based position (0: not found) of key ``x`` in ``cells`` where one of them
        is text made per trial: ``how`` "classic" (MATCH/VLOOKUP: ``mode`` 1, 0 or -1) or
        "modern" (XMATCH: ``mode`` 0, -1, 1 or 2 and ``search``).  A key made per trial over
        cells that are not is for the key's own path (``dintern``): DynamicText."""
        if not any(isinstance(c, Dyn) for c in cells):
            raise DynamicText(_DYNAMIC)
        exact = mode == 0 if how == "classic" else mode == 2
        if exact and self._maybe_wild(x):
            raise NotFusable("an exact lookup of a key that may hold wildcards over text "
                             "made per trial")
        z, t, bb = self._dyn_typed(list(cells))
        blank = _T[KNUM] if how == "classic" else (_ERR_T if mode == 2 else _T[KBLANK])
        key, kt = self._dyn_key(x, bb, blank)
        m = len(cells)
        if how == "classic":
            fn = {1: "lk_approx", -1: "lk_desc"}.get(mode)
            if fn is not None:
                return self.value(f"{fn}({z}, {t}, {m}, {key}, {kt}) + 1.0")
            return self.value(f"lk_exact({z}, {t}, {m}, {key}, {kt}, 0.0) + 1.0")
        if mode == 2:
            last = "1.0" if search < 0 else "0.0"
            return self.value(f"lk_exact({z}, {t}, {m}, {key}, {kt}, {last}) + 1.0")
        return self.value(f"lk_order({z}, {t}, {m}, {key}, {kt}, {lit(mode)}, "
                          f"{lit(search)}) + 1.0")

    def _maybe_wild(self, x: Element) -> bool:
        if isinstance(x, Dyn):
            chars = _chars(x.r, self.strings)
            return chars is None or bool(chars & set("*?~"))
        if x.kind in (KSTR, KANY):
            return any(S.has_wildcard(self.strings[k]) for k in x.dom or ())
        return False

    def _dyn_key(self, x: Element, bb: str, blank: float) -> tuple[str, str]:
        """The key's value and type code against the ranked vector (table ``bb``)."""
        if isinstance(x, Val):
            if x.kind == KBLANK:
                return "0.0", lit(blank)
            if x.kind in (KNUM, KBOOL):
                return x.v, lit(_T[x.kind])
            if x.kind != KSTR:
                raise NotFusable("a lookup key whose type varies per trial")
            x = self.as_dyn(x, False)
        buf, a, b = self._key_write(x)
        return self.value(f"dkey_rank({buf}, {a}, {b}, {bb})"), lit(_T[KSTR])

    def _key_write(self, x: Dyn) -> tuple[str, str, str]:
        """The key written from 0 into a scratch array of its own that every lookup's key
        shares (written and read by one cell), not into the kernel's text buffer (a
        segment's own scratch, which keeps its cells straight-line code): a lookup copied
        down and across a sheet (``VLOOKUP($A6&"_"&G$5, Database!$A:$F, 6, 0)``, 2,945
        cells) is then one family's loop (_families.shape_of)."""
        state = self.__dict__
        own = state.get("_dkey_buffer")
        if own is None:
            own = state["_dkey_buffer"] = self.scratch(1)
            self.shared_scratch.add(own)
        saved = state.get("_dyn_buffer")
        state["_dyn_buffer"] = [own, id(self.lines), 0]
        try:
            return self.write(x)
        finally:
            if saved is None:
                state.pop("_dyn_buffer", None)
            else:
                state["_dyn_buffer"] = saved

    def _dyn_typed(self, cells: list[Element]) -> tuple[str, str, str]:
        """Scratch arrays of the elements' values (text: its rank in this trial) and type
        codes, and the table of their distinct texts; shared by later cells."""
        key = _shared_key(cells)
        if key is not None:
            got = self._shared(key)
            if got is not None:
                return got
        start = len(self.lines)
        m = len(cells)
        texts: list[tuple[int, Dyn]] = []
        z, t = self.scratch(m), self.scratch(m)
        for j, c in enumerate(cells):
            if isinstance(c, Val) and c.kind == KSTR:
                c = self.as_dyn(c, False)
            elif isinstance(c, CellText):   # its recipe, made again here
                c = Dyn(self.recipe(ir.Ref(c.cell), coerce=False).r, c.e, c.bound)
            if isinstance(c, Dyn):
                texts.append((j, c))
                ty = lit(_T[KSTR])
                if c.e != "0":
                    ty = f"sel({c.e} != 0, {lit(_ERR_T)}, {ty})"
                self.lines += [f"{z}[{j}] = 0.0", f"{t}[{j}] = {ty}"]
                continue
            if c.kind == KANY:
                assert c.y is not None
                if KSTR in (c.kinds or ()):
                    raise NotFusable("a lookup over text made per trial and cells whose "
                                     "type varies")
                ty = f"sel({c.y} == 1.0, {lit(_T[KBOOL])}, {c.y})"
                zv = c.v
            else:
                ty, zv = lit(_T[c.kind]), c.v if c.kind != KBLANK else "0.0"
            if c.e != "0":
                ty = f"sel({c.e} != 0, {lit(_ERR_T)}, {ty})"
            self.lines += [f"{z}[{j}] = {zv}", f"{t}[{j}] = {ty}"]
        s, w = self.scratch(max(2 * m, 1)), self.scratch(max(2 * m, 1))
        chars = 0
        buf = ""
        for j, d in texts:
            buf, a, b = self.write(d)
            self.lines += [f"{s}[{2 * j}] = {a}", f"{s}[{2 * j + 1}] = {b}"]
            chars += _measure(d.r, self.strings)[0]
        bb = self.scratch(1 + 2 * m + max(chars, 1))
        got = (z, t, bb)
        if key is not None:   # the stores compacted (reordered): the ranking after them
            self.shared_scratch.update(got)
            self._own(key, got, start)
        if texts:
            self.value(f"dline_rank({buf}, {s}, {m}, {t}, {z}, {w}, {bb})")
        else:
            self.lines.append(f"{bb}[0] = 0.0")
        return got


def _shared_key(cells: Sequence[Element]) -> tuple | None:
    """What a ranked vector depends on (its elements, named by what any cell may read), or
    None where one of them holds a temporary of this cell (then not shared)."""
    out: list[tuple] = []
    for c in cells:
        if isinstance(c, CellText):   # the same text in every cell that reads it
            if not _NAME_OR_LIT.match(c.e):
                return None
            out.append(("cell", c.cell, c.e))
            continue
        if isinstance(c, Dyn):
            names = [*_leaves(c.r), c.e]
            if not all(_NAME_OR_LIT.match(x) for x in names):
                return None
            out.append(("dyn", c.r, c.e))
            continue
        names = [c.v, c.e] + ([c.y] if c.y is not None else [])
        if not all(_NAME_OR_LIT.match(x) for x in names):
            return None
        out.append((c.v, c.e, c.kind, c.y, c.dom))
    return ("dlines", tuple(out))


__all__ = ["DynLinesMixin", "Element"]
