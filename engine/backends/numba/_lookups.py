"""Lookups for the kernel generator (a mixin): MATCH, VLOOKUP, HLOOKUP, LOOKUP, XMATCH,
XLOOKUP and INDEX (:mod:`._index_ref`), as :mod:`engine.functions.lookup` computes them for
one trial.

A key that varies against a constant table of one kind is searched with plain selections
(or :func:`._rt_functions.approx_pos` over numbers).  Everything else — a table whose cells
vary per trial (numbers computed from the inputs, text or logicals chosen per trial), cells
that are errors in some trials, keys that are text or logicals, XMATCH's orders — goes
through the typed searches of :mod:`._rt_functions` (``lk_approx``, ``lk_desc``,
``lk_exact``, ``lk_order``), which are :mod:`engine.functions._search` for one trial: each
element of the lookup vector is written per trial into two scratch arrays, its type code
(number, text, logical, blank, error: ``_search``'s codes) and its value, text as its rank
among the folded texts of the lookup (a table over the string ids, built when the kernel is
generated: equality and order of ranks are those of the folded texts).  Exact matches of a
text key with wildcards compare through a table of (key id, element id) hits instead.

A text key against a constant table is evaluated per key id by the numpy library
(:meth:`TextMixin.enumerated_call`), which already covers every mode.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ... import ir
from ...functions import _search as S
from ...functions._collation import text_rank_key
from ...values import NA, REF, VALUE
from . import _intervals as iv
from ._args import ArgsMixin
from ._chosen_tables import chosen_area, chosen_table
from ._dlines import DynLinesMixin, Element
from ._dtext import Dyn, DynamicText
from ._fixed_lookups import fixed_return
from ._index_ref import IndexMixin
from ._lookup_arrays import LookupArraysMixin
from ._read_areas import read_area
from ._values import (
    KANY,
    KBLANK,
    KBOOL,
    KNUM,
    KSTR,
    MAX_AREA_CELLS,
    NotFusable,
    Val,
    lit,
    num,
    union_dom,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ...workbook import CellRef

# _search's type codes, as floats in the generated lines
_T = {KNUM: float(S.NUM_T), KSTR: float(S.STR_T), KBOOL: float(S.BOOL_T),
      KBLANK: float(S.BLANK_T)}
_ERR_T = float(S.ERR_T)
_DYNAMIC = "text made from a number that varies per trial (a dynamic string)"


class _Text:
    """How the text elements and key of one lookup are encoded: their fold's rank, or (an
    exact match of a key that may hold wildcards) 1.0 where the element matches the key."""

    def __init__(self, gen: LookupsMixin, key: Val, cells: Sequence[Val],
                 fold: Callable[[str], str], wild: bool) -> None:
        ids = set(key.dom or ()) if key.kind in (KSTR, KANY) else set()
        for c in cells:
            if c.kind in (KSTR, KANY):
                ids.update(c.dom or ())
        self.gen, self.key = gen, key
        self.wild = wild and key.kind == KSTR and any(
            S.has_wildcard(gen.strings[k]) for k in key.dom or ())
        size = max(ids) + 1 if ids else 1
        if self.wild:   # hits[key id * size + element id]
            assert key.dom is not None
            width = max(key.dom) + 1
            if width * size > gen.MAX_LOOKUP_TABLE:
                raise NotFusable("a wildcard lookup over too many texts")
            hits = [0.0] * (width * size)
            for k in key.dom:
                pattern = gen.strings[k]
                rx = S.wildcard_regex(pattern) if S.has_wildcard(pattern) else None
                for c in ids:
                    s = fold(gen.strings[c])
                    ok = rx.fullmatch(s) is not None if rx is not None else s == fold(pattern)
                    hits[k * size + c] = 1.0 if ok else 0.0
            self.off, self.size = gen.table(hits), size
            return
        if size > gen.MAX_LOOKUP_TABLE:
            raise NotFusable("a lookup over too many texts")
        folded = {k: fold(gen.strings[k]) for k in ids}
        rank = {s: float(r) for r, s in enumerate(sorted(set(folded.values()),
                                                        key=text_rank_key))}   # as numpy
        self.rank = {k: rank[s] for k, s in folded.items()}
        self.off = gen.table([self.rank.get(k, 0.0) for k in range(size)]) if ids else 0

    def element(self, ident: str, dom: tuple[int, ...]) -> str:
        """The encoded value of a text element holding string id ``ident`` (one of ``dom``)."""
        if self.wild:
            assert self.key.dom is not None
            if len(self.key.dom) == 1:
                return f"kv[{self.off + self.key.dom[0] * self.size} + int({ident})]"
            return f"kv[{self.off} + int({self.key.v}) * {self.size} + int({ident})]"
        if len(dom) == 1:
            return lit(self.rank[dom[0]])
        return f"kv[{self.off} + int({ident})]"

    def key_value(self) -> str:
        assert self.key.dom is not None
        return "1.0" if self.wild else self.element(self.key.v, self.key.dom)


class LookupsMixin(DynLinesMixin, LookupArraysMixin, IndexMixin, ArgsMixin):
    """MATCH, VLOOKUP, HLOOKUP, LOOKUP, XMATCH, XLOOKUP (see the module docstring); INDEX
    from :class:`._index_ref.IndexMixin`."""

    if TYPE_CHECKING:  # provided by the Generator
        strings: list[str]

        def table(self, values: Sequence[float]) -> int: ...
        def enumerated_call(self, node: ir.Call) -> Val: ...
        def array_const(self, node: ir.Node) -> object: ...
        def area_varies(self, a: ir.Area) -> bool: ...
        def mixed(self, m: str, a: Val, b: Val) -> Val: ...
        def gathered(self, vals: list[Val], least: int = ...) -> str | None: ...
        def _split(self, node: ir.Call, dispatch: Callable[[ir.Call], Val],
                   mixed: Sequence[tuple[ir.Node, Val]]) -> Val: ...

    MAX_LOOKUP_TABLE = 1 << 16   # entries of a lookup's rank (or wildcard hit) table

    # ------------------------------------------------------------ arguments
    def _line(self, node: ir.Node, what: str) -> list[Element]:
        """The cells of a one-row or one-column range argument (text made per trial as its
        recipe: :mod:`._dlines`)."""
        if isinstance(node, ir.Ref):
            return [self.element_or_text(node.cell)]
        if isinstance(node, ir.Err | ir.Num | ir.Str | ir.Bool):   # lookup._grid: one cell
            return [self.expr(node)]
        mark = len(self.lines)
        try:
            got: list[Element] | None = self.expression_line(node, what)   # (_lookup_arrays)
        except DynamicText:   # elements of text made per trial
            del self.lines[mark:]
            shape = self.array_shape(node)
            got = [self.value_or_text(node)] if shape is None else \
                self.dyn_expression_line(node, shape)
        if got is not None:
            return got
        if not isinstance(node, ir.Area) or min(node.shape) != 1:
            raise NotFusable(f"{what} over something other than one row or column")
        return [self.element_or_text(c) for c in self.area_cells(node)]

    def _static_int(self, node: ir.Node | None, default: int) -> int:
        if node is None or isinstance(node, ir.Missing):
            return default
        v = self.expr(node)
        k = iv.integer_point(v.iv) if v.e == "0" and v.kind in (KNUM, KBOOL) else None
        if k is None:
            raise NotFusable("a lookup mode or index that varies")
        return k

    def _grid_cells(self, node: ir.Node) -> list[list[CellRef]]:
        if isinstance(node, ir.Ref):
            return [[node.cell]]
        assert isinstance(node, ir.Area)
        self.area_cells(node)   # the size limit
        return node.cells()

    def _key_or_split(self, node: ir.Call, again: Callable[[ir.Call], Val]
                      ) -> tuple[Element, Val | None]:
        """The key, and the call's result when the key's kind varies per trial: then the call
        is generated per kind (``again`` of each variant), selected by the key's tag.  A key
        of text made per trial is its recipe (searched by :mod:`._dlines` where the vector
        holds such text too, else by its own path, ``_dtext``'s dintern)."""
        a = node.args[0]
        mark = len(self.lines)
        try:
            x = self.expr(a)
        except DynamicText:
            del self.lines[mark:]
            try:
                return self.recipe(a, coerce=False), None
            except NotFusable:   # text in some trials only: _dtext splits it by branch
                raise DynamicText(_DYNAMIC) from None
        if x.kind != KANY:
            return x, None
        had = id(a) in self.override
        try:
            return x, self._split(node, again, [(a, x)])
        finally:
            if not had:
                self.override.pop(id(a), None)

    def _by_library(self, node: ir.Call, key: Element, fixed: Sequence[ir.Node]) -> bool:
        """Whether the numpy library computes the call per key value (a key that is not a
        number varying per trial, every other argument constant)."""
        if isinstance(key, Dyn):   # made per trial: searched here or by _dtext's path
            if all(self.is_constant(a) and not _expression(a) for a in fixed):
                raise DynamicText(_DYNAMIC)
            return False
        return (key.kind != KNUM or key.lo == key.hi) and all(
            self.is_constant(a) and not _expression(a) for a in fixed)

    # ------------------------------------------------------------ typed searches
    def _typed(self, cells: Sequence[Val], text: _Text) -> tuple[str, str]:
        """Scratch arrays of the elements' values and type codes in this trial."""
        z, t = self.scratch(max(len(cells), 1)), self.scratch(max(len(cells), 1))
        for j, c in enumerate(cells):
            if c.kind == KANY:
                assert c.y is not None
                y = c.y
                ty = f"sel({y} == 1.0, {lit(_T[KBOOL])}, sel({y} == 2.0, {lit(_T[KSTR])}, {y}))"
                zv = c.v
                if KSTR in c.kinds:
                    assert c.dom
                    ident = self.value(f"sel({y} == 2.0, {c.v}, {lit(float(c.dom[0]))})")
                    zv = f"sel({y} == 2.0, {text.element(ident, c.dom)}, {c.v})"
            elif c.kind == KSTR:
                assert c.dom is not None
                ty, zv = lit(_T[KSTR]), text.element(c.v, c.dom)
            else:
                ty, zv = lit(_T[c.kind]), c.v if c.kind != KBLANK else "0.0"
            if c.e != "0":
                ty = f"sel({c.e} != 0, {lit(_ERR_T)}, {ty})"
            self.lines.append(f"{z}[{j}] = {zv}")
            self.lines.append(f"{t}[{j}] = {ty}")
        return z, t

    def _key(self, x: Val, text: _Text, blank: float) -> tuple[str, str]:
        """The key's value and type code (a blank key: type ``blank``, value 0)."""
        if x.kind == KSTR:
            return text.key_value(), lit(_T[KSTR])
        if x.kind == KBLANK:
            return "0.0", lit(blank)
        if x.kind == KANY:
            raise NotFusable("a lookup key whose type varies per trial")
        return x.v, lit(_T[x.kind])

    def _classic_position(self, x: Element, cells: list[Element], mode: int, what: str
                          ) -> str:
        """The 1-based position (0: not found) of key ``x`` in ``cells`` as lookup._classic
        finds it: mode 1 approximate, 0 exact (wildcards for text), -1 descending."""
        if mode not in (1, 0, -1):
            raise NotFusable(f"{what} with match type {mode}")
        if isinstance(x, Dyn) or not _plain(cells):   # text made per trial (_dlines)
            return self.dyn_position(x, cells, "classic", mode)
        plain = all(c.kind == KNUM and c.e == "0" for c in cells)
        if x.kind == KNUM and plain and mode in (1, -1):
            consts = [c for c in cells if c.lo == c.hi]
            if mode == 1 and len(consts) == len(cells) and all(
                    a.lo < b.lo for a, b in zip(consts, consts[1:], strict=False)):
                pos = "0.0"
                for j, c in enumerate(cells, start=1):
                    pos = self.value(f"sel({x.v} >= {c.v}, {lit(j)}, {pos})")
                return pos
            # one copy per trial shared by every cell over the same cells (never written by
            # its readers): ``VLOOKUP(A7,$P$22:$Q$31,2)`` copied down a recurrence's rows is
            # then a row of its loop; a copy of each cell's own kept every row straight-line
            # code (_families.shape_of), 120 rows "too large" (ianjharkin edu-2012-c13-01)
            z = self.gathered(cells, least=1)
            if z is None:
                z = self.scratch(max(len(cells), 1))
                for j, c in enumerate(cells):
                    self.lines.append(f"{z}[{j}] = {c.v}")
            how = "approx_pos" if mode == 1 else "desc_pos"
            return self.value(f"{how}({z}, {len(cells)}, {x.v}) + 1.0")
        if mode == 0 and x.kind in (KNUM, KBOOL) and all(c.kind != KANY for c in cells):
            # an element that is an error in this trial matches no number or logical
            # (_search.exact's type codes): ``MATCH(1,(A6>=C)*(A6<=D),0)`` copied down a
            # column is then plain selections, no scratch array of its own (which kept
            # each copy straight-line code: _families.shape_of)
            pos = "0.0"
            for j in range(len(cells), 0, -1):  # from the last: the first match wins
                c = cells[j - 1]
                if c.kind == x.kind:
                    hit = f"{x.v} == {c.v}" if c.e == "0" else f"({c.e} == 0) & ({x.v} == {c.v})"
                    pos = self.value(f"sel({hit}, {lit(j)}, {pos})")
            return pos
        text = _Text(self, x, cells, str.lower, wild=mode == 0)
        z, t = self._typed(cells, text)
        key, kt = self._key(x, text, _T[KNUM])   # a blank key looks up the number 0
        m = len(cells)
        if mode == 1:
            return self.value(f"lk_approx({z}, {t}, {m}, {key}, {kt}) + 1.0")
        if mode == -1:
            return self.value(f"lk_desc({z}, {t}, {m}, {key}, {kt}) + 1.0")
        return self.value(f"lk_exact({z}, {t}, {m}, {key}, {kt}, 0.0) + 1.0")

    def _modern_position(self, x: Element, cells: list[Element], mode: int, search: int
                         ) -> str:
        """XMATCH's 1-based position (0: not found) for one match and search mode."""
        if isinstance(x, Dyn) or not _plain(cells):   # text made per trial (_dlines)
            return self.dyn_position(x, cells, "modern", mode, search)
        if mode == 2:   # wildcards, compared in lower case; a blank key matches nothing
            text = _Text(self, x, cells, str.lower, wild=True)
            z, t = self._typed(cells, text)
            key, kt = self._key(x, text, _ERR_T)
            last = "1.0" if search < 0 else "0.0"
            return self.value(f"lk_exact({z}, {t}, {len(cells)}, {key}, {kt}, {last}) + 1.0")
        text = _Text(self, x, cells, str.casefold, wild=False)
        z, t = self._typed(cells, text)
        key, kt = self._key(x, text, _T[KBLANK])
        return self.value(f"lk_order({z}, {t}, {len(cells)}, {key}, {kt}, {lit(mode)}, "
                          f"{lit(search)}) + 1.0")

    def _gathered(self, pos: str, cells: list[Val], errs: list[str], missing: bool = True
                  ) -> Val:
        """lookup.gather: per trial the cell at 1-based ``pos`` (0: #N/A, unless not
        ``missing``), after ``errs``; its kind merged per trial (as IF merges its branches)
        where the cells' differ."""
        acc, cell_err = cells[0], cells[0].e
        for j in range(2, len(cells) + 1):
            a, m = cells[j - 1], f"({pos} == {lit(j)})"
            if a.kind == acc.kind != KANY:
                acc = Val(self.value(f"sel({m}, {a.v}, {acc.v})"), "0", a.kind,
                          *iv.union([a.iv, acc.iv]), union_dom([a, acc]))
            else:
                acc = self.mixed(m, a, acc)
            if a.e != "0" or cell_err != "0":
                cell_err = self.err(f"sel({m}, {a.e}, {cell_err})")
        e = self.err(self.chain(errs, [(f"({pos} == 0.0)", NA) if missing else None,
                                       (cell_err, 0) if cell_err != "0" else None]))
        return _with_error(acc, e)

    # ------------------------------------------------------------ MATCH
    def fn_match(self, node: ir.Call) -> Val:
        """lookup.match: the position of x in a row or column (mode 1 or omitted: the last
        element <= x by Excel's binary search; 0: the first equal one; -1: descending)."""
        if not 2 <= len(node.args) <= 3:
            raise NotFusable("MATCH with a wrong number of arguments")
        x, got = self._key_or_split(node, self.fn_match)
        if got is not None:
            return got
        if not isinstance(x, Dyn) and x.kind == KSTR and self._by_library(
                node, x, node.args[1:]):
            return self.enumerated_call(node)
        cells = self._line(node.args[1], "MATCH")
        mode = self._static_int(node.args[2] if len(node.args) > 2 else None, 1)
        pos = self._classic_position(x, cells, (mode > 0) - (mode < 0), "MATCH")
        e = self.err(self.chain([x.e], [(f"({pos} == 0.0)", NA)]))
        return num(pos, e, (1.0, float(len(cells))))

    # ------------------------------------------------------------ VLOOKUP, HLOOKUP, LOOKUP
    def _table_lookup(self, node: ir.Call, vertical: bool) -> Val:
        """lookup._table_lookup: the key's position in the table's first column (row), as
        MATCH finds it, then the cell of the result column (row) there."""
        args = node.args
        if not 3 <= len(args) <= 4:
            raise NotFusable(f"{node.name} with a wrong number of arguments")
        key, got = self._key_or_split(node, lambda n: self._table_lookup(n, vertical))
        if got is not None:
            return got
        chosen = chosen_table(args[1])   # CHOOSECOLS(range, 2, 1): its cells (_chosen_tables)
        if not isinstance(args[1], ir.Area) and chosen is None:
            if isinstance(key, Dyn):
                raise DynamicText(_DYNAMIC)
            return self.enumerated_call(node)
        if self._by_library(node, key, args[1:]):
            return self.enumerated_call(node)
        k, kv = self._column_index(args[2])
        approx: bool | Val = True
        if len(args) == 4:
            flag = self.expr(args[3]) if not isinstance(args[3], ir.Missing) else None
            if flag is not None and (flag.lo != flag.hi or flag.e != "0"
                                     or flag.kind not in (KNUM, KBOOL)):
                approx = self.as_condition(flag)   # per trial (lookup.to_bool)
                if approx.kind not in (KNUM, KBOOL):
                    raise NotFusable(f"{node.name} with a match mode that varies")
            else:
                approx = flag is not None and flag.lo != 0.0
        table = args[1].cells() if chosen is None else chosen
        rows = table if vertical else [list(c) for c in zip(*table, strict=True)]
        if chosen is None and kv is None and 1 <= k <= len(rows[0]):
            # the size limit over the cells read: the first column (row) and the k-th
            # (``VLOOKUP(key, Database!$A:$F, 6, 0)``: 2 of the 6 columns)
            if len(rows) * (1 + (k > 1)) > MAX_AREA_CELLS:
                raise NotFusable(f"a lookup over {len(rows)} rows")
        else:
            self.area_cells(chosen_area(args[1]) or args[1])   # the size limit
        first = [self.element_or_text(r[0]) for r in rows]
        if isinstance(approx, Val):   # both searches, the mode's chosen per trial
            pos = self.value(
                f"sel({approx.v} != 0.0, "
                f"{self._classic_position(key, first, 1, node.name)}, "
                f"{self._classic_position(key, first, 0, node.name)})")
        else:
            pos = self._classic_position(key, first, 1 if approx else 0, node.name)
        mode_e = approx.e if isinstance(approx, Val) else "0"
        if kv is None:
            if not 1 <= k <= len(rows[0]):
                raise NotFusable(f"{node.name} of a column outside the table")
            found = [self.operand(r[k - 1]) for r in rows]
            return self._gathered(pos, found, [key.e, mode_e])
        return self._varying_column(pos, rows, kv, [key.e], mode_e)

    def _column_index(self, node: ir.Node) -> tuple[int, Val | None]:
        """VLOOKUP/HLOOKUP's column (row) index: (k, None) for a constant integer, else
        (0, the index as a number per trial: lookup._int, truncated where it is used)."""
        if isinstance(node, ir.Area):
            if node.shape != (1, 1):
                raise NotFusable("a lookup index over a range")
            node = ir.Ref(node.cells()[0][0])
        v = self.number(node, 0.0 if isinstance(node, ir.Missing) else None)
        k = iv.integer_point(v.iv) if v.e == "0" and v.kind in (KNUM, KBOOL) else None
        if k is not None:
            return k, None
        if v.kind not in (KNUM, KBOOL):
            raise NotFusable("a lookup mode or index that varies")
        return 0, v

    def _varying_column(self, pos: str, rows: list[list[CellRef]], kv: Val, errs: list[str],
                        mode_e: str) -> Val:
        """lookup._table_lookup with a column index per trial: #VALUE! below 1, #REF! past
        the table (after the key's and the index's errors, before the match mode's), else the
        cell of the found row (``pos``, 1-based; 0: #N/A) in column trunc(kv); only the
        columns kv's bounds reach are read."""
        width = len(rows[0])
        lo = int(min(max(math.trunc(kv.lo), 1), width)) if math.isfinite(kv.lo) else 1
        hi = int(max(min(math.trunc(kv.hi), width), 1)) if math.isfinite(kv.hi) else width
        lo, hi = min(lo, hi), max(lo, hi)
        t = self.value(f"np.trunc({kv.v})")
        e = self.err(self.chain([*errs, kv.e], [
            (f"({t} < 1.0)", VALUE) if not kv.lo >= 1.0 else None,
            (f"({t} > {lit(width)})", REF) if not kv.hi < width + 1.0 else None,
            (mode_e, 0) if mode_e != "0" else None]))
        n = hi - lo + 1
        col = self.value(f"min(max({t}, {lit(lo)}), {lit(hi)}) - {lit(lo)}")
        flat = self.value(f"sel({pos} == 0.0, 0.0, ({pos} - 1.0) * {lit(n)} + {col} + 1.0)")
        cells = [self.operand(r[j - 1]) for r in rows for j in range(lo, hi + 1)]
        return self._gathered(flat, cells, [e])

    def fn_vlookup(self, node: ir.Call) -> Val:
        return self._table_lookup(node, True)

    def fn_hlookup(self, node: ir.Call) -> Val:
        return self._table_lookup(node, False)

    def fn_lookup(self, node: ir.Call) -> Val:
        """lookup.lookup: the approximate position in the lookup vector (an array's first
        row when it is wider than tall, else its first column), then the cell of the result
        vector (else the array's last row or column); #N/A beyond it, and always for a
        two-dimensional result vector (the library finds no vector in it)."""
        if not 2 <= len(node.args) <= 3:
            raise NotFusable("LOOKUP with a wrong number of arguments")
        key, got = self._key_or_split(node, self.fn_lookup)
        if got is not None:
            return got
        if self._by_library(node, key, node.args[1:]):
            return self.enumerated_call(node)
        line = None
        if not isinstance(node.args[1], ir.Area | ir.Ref):   # an array expression
            line = self.expression_line(node.args[1], "LOOKUP")   # (_lookup_arrays)
            if line is None:
                return self.enumerated_call(node)
            search: list[Element] = line
        else:
            g = self._grid_cells(node.args[1])
            wide = len(g[0]) > len(g)
            search = [self.element_or_text(c) for c in (g[0] if wide else [r[0] for r in g])]
        if len(node.args) == 3 and not isinstance(node.args[2], ir.Missing):
            if not isinstance(node.args[2], ir.Area | ir.Ref):
                raise NotFusable("LOOKUP with a result vector that is not a range")
            rg = self._grid_cells(node.args[2])
            if min(len(rg), len(rg[0])) != 1:   # no vector: #N/A after the key's error
                return num("0.0", self.err(self.chain([key.e], [("True", NA)])), (0.0, 0.0))
            result = [self.operand(c) for row in rg for c in row]
        elif line is not None:   # a vector: the result is the vector itself
            if not _plain(line):
                raise NotFusable("LOOKUP returning text made per trial")
            result = [c for c in line if isinstance(c, Val)]
        else:
            result = [self.operand(c) for c in (g[-1] if wide else [r[-1] for r in g])]
        pos = self._classic_position(key, search, 1, "LOOKUP")
        if len(result) < len(search):   # beyond the result vector: #N/A
            pos = self.value(f"sel({pos} > {lit(len(result))}, 0.0, {pos})")
        return self._gathered(pos, result, [key.e])

    # ------------------------------------------------------------ XMATCH, XLOOKUP
    def _modes(self, args: Sequence[ir.Node], what: str) -> tuple[int, int]:
        """XMATCH/XLOOKUP's match mode (0, -1, 1 or 2) and search mode (1, -1, 2 or -2),
        constants of the formula; an empty one is its default (lookup._per_mode)."""
        mode = self._static_int(args[0] if args else None, 0)
        search = self._static_int(args[1] if len(args) > 1 else None, 1)
        if mode not in (0, -1, 1, 2) or search not in (1, -1, 2, -2) or (
                mode == 2 and abs(search) == 2):
            raise NotFusable(f"{what} with a match or search mode outside Excel's")
        return mode, search

    def fn_xmatch(self, node: ir.Call) -> Val:
        """lookup.xmatch for one match and search mode."""
        if not 2 <= len(node.args) <= 4:
            raise NotFusable("XMATCH with a wrong number of arguments")
        x, got = self._key_or_split(node, self.fn_xmatch)
        if got is not None:
            return got
        if self._by_library(node, x, node.args[1:]):
            return self.enumerated_call(node)
        cells = self._line(node.args[1], "XMATCH")
        mode, search = self._modes(node.args[2:], "XMATCH")
        pos = self._modern_position(x, cells, mode, search)
        e = self.err(self.chain([x.e], [(f"({pos} == 0.0)", NA)]))
        return num(pos, e, (1.0, float(len(cells))))

    def fn_xlookup(self, node: ir.Call) -> Val:
        """lookup.xlookup returning one cell: the position as XMATCH finds it, the cell of
        the return vector there, else ``if_not_found`` (when given) or #N/A."""
        args = node.args
        if not 3 <= len(args) <= 6:
            raise NotFusable("XLOOKUP with a wrong number of arguments")
        x, got = self._key_or_split(node, self.fn_xlookup)
        if got is not None:
            return got
        if self._by_library(node, x, args[1:]):
            return self.enumerated_call(node)
        lk, ret = args[1], args[2]
        if not isinstance(ret, ir.Area | ir.Ref):   # a nested lookup of a fixed row/column
            fixed = fixed_return(ret, self.array_const, self.array_ir)
            if fixed is None:
                raise NotFusable("XLOOKUP returning something other than a range")
            ret = fixed
        line = None
        if isinstance(lk, ir.Area | ir.Ref):
            lg = self._grid_cells(lk)
            lr, lc = len(lg), len(lg[0])
        else:   # an array expression (_lookup_arrays)
            line = self._line(lk, "XLOOKUP")
            lr, lc = self.array_shape(lk) or (1, 1)
        rg = self._grid_cells(ret) if line is None or isinstance(ret, ir.Ref) else \
            read_area(self.model.workbook, ret).cells()   # as the array's: numpy's Env.area
        rr, rc = len(rg), len(rg[0])
        column = lc == 1 and lr > 1 or lr == lc == 1
        if min(lr, lc) != 1 or (rr != lr if column else rc != lc):
            raise NotFusable("XLOOKUP of ranges that do not match (#VALUE!)")
        if (rc if column else rr) != 1:
            raise NotFusable("XLOOKUP returning an array")
        mode, search = self._modes(args[4:], "XLOOKUP")
        cells = line if line is not None else [self.element_or_text(c) for row in lg
                                               for c in row]
        pos = self._modern_position(x, cells, mode, search)
        out = self._gathered(pos, [self.operand(c) for row in rg for c in row], [x.e])
        if len(args) < 4:
            return out
        fb = args[3]
        if isinstance(fb, ir.Area):
            if fb.shape != (1, 1):
                raise NotFusable("XLOOKUP with an array if_not_found")
            fb = ir.Ref(fb.cells()[0][0])
        alt = num("0.0", "0", (0.0, 0.0)) if isinstance(fb, ir.Missing) else self.expr(fb)
        m = f"({pos} == 0.0)" if x.e == "0" else f"({pos} == 0.0) & ({x.e} == 0)"
        m = self.value(m)
        e = "0" if alt.e == out.e == "0" else self.err(f"sel({m}, {alt.e}, {out.e})")
        if alt.kind == out.kind != KANY:
            got = Val(self.value(f"sel({m}, {alt.v}, {out.v})"), "0", alt.kind,
                      *iv.union([alt.iv, out.iv]), union_dom([alt, out]))
        else:
            got = self.mixed(m, alt, out)
        return _with_error(got, e)


def _plain(cells: Sequence[Element]) -> bool:
    """Whether no element is text made per trial."""
    return not any(isinstance(c, Dyn) for c in cells)


def _expression(node: ir.Node) -> bool:
    """Whether ``node`` is an expression over ranges or arrays (searched by
    :mod:`._lookup_arrays`, not by the library per key)."""
    return isinstance(node, ir.Unary | ir.Binary | ir.Call) and any(
        isinstance(n, ir.Area | ir.Array) for n in ir.walk(node))


def _with_error(v: Val, e: str) -> Val:
    if v.kind == KANY:
        return Val(v.v, e, KANY, v.lo, v.hi, v.dom, v.y, v.kinds)
    return num(v.v, e, v.iv, v.kind, v.dom)


__all__ = ["LookupsMixin"]
