"""Dynamic arrays in the fused kernel: FILTER, UNIQUE and SORT, whose number of rows can
change from trial to trial, and what reads them whole (a mixin of the generator).

The numpy reference (engine.functions.dynamic, .arrays) computes such a result for all the
trials of a chunk at once, as many rows as the chunk's largest, the rows a trial does not
have left blank.  The kernel keeps a trial's result in scratch arrays (values, error codes,
kinds; :mod:`._rt_dynarrays`) with its own number of rows, and reads it where numpy reads the
array whole, which skips those blank rows alike:

* SUM, PRODUCT, AVERAGE, MIN, MAX, COUNT, COUNTA, VAR/STDEV (.S, .P), LARGE, SMALL of the
  array;
* SUMIF/COUNTIF/AVERAGEIF with the array as criteria (an array of results, one a criterion:
  numbers, blanks, logicals, errors), read whole by the above or by INDEX/MATCH;
* INDEX(array, row[, column]) (past this trial's rows: #REF!) and MATCH(number, array, 0);
* UNIQUE/SORT of the array, FILTER/UNIQUE/SORT of ranges and element-wise expressions of
  ranges (the filter's condition per row: ``E2:E9<>""``);
* IFERROR/IFNA(array, fallback): a result of its own, each error replaced (da_iferror);
* a cell of an array formula (a spill) holding element (r, c) of the result: numpy computes
  a result whose rows vary once per group of trials of one shape (engine._ragged), so each
  trial's element is its own: row r where the trial has it, its one row repeated down, #N/A
  past its rows (engine._ragged._element); a column right of the first of a FILTER that may
  keep nothing is left to numpy (its if_empty value repeats across there).

Text made per trial (_dtext: ``TEXT(date,"mmmm-yy")`` in a table column) may be a value of the
arrays: UNIQUE/SORT compare it per trial (each text written out and ranked among the array's
texts by case-folded order: da_tkeys).  Where a column's every value is such text whose
recipe its readers can make (of named cells and inputs, at most MAX_PICK rows), the arrays hold
its source row, and a spill cell or INDEX of it is that row's text (_dtext's "pick" recipe),
read by ``&``, comparisons, LEN..., criteria like any text made per trial; else a spill cell of
it is fused where no cell reads it (an output keeps a text's kind and error only), and one a
cell reads, or INDEX of it, stays with numpy.  The formula's first
cell makes the result once, in shared scratch arrays its other cells read (a 12-column FILTER
over a 235-row table spilled over 1,596 cells); a source written out in full is shared by the
cells over the same values, and its long columns of literals come from the constants
(fill_kv).  FILTER whose condition has the wrong size is #VALUE! whatever its values; a FILTER
that kept nothing gives every cell of its spill if_empty (or the condition's error), as numpy.

Left to numpy, with the reason: text criteria, text MATCH keys, ROWS of a result, arithmetic
on a result, by_col over a result that is itself dynamic, UNIQUE/SORT of a FILTER whose
if_empty may be text (a FILTER or UNIQUE read by UNIQUE/SORT keeps its source's keys: the
same runtime call over the keys).  numpy evaluates a result whose rows vary once per group of trials of one
shape (engine._ragged): each trial's value is its own, whatever the chunk, as the kernel's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ... import ir
from ...values import NA, NUM, VALUE, ExcelError, parse_number
from . import _intervals as iv
from ._decimal import MAX_CHARS
from ._dtext import _NUMBER_CHARS, _UNREAD, DynamicText
from ._host import GeneratorHost
from ._rt_dynarrays import (
    AVERAGE,
    CMP_OPS,
    COUNT,
    COUNTA,
    IF_AVERAGE,
    IF_COUNT,
    IF_SUM,
    MAX,
    MIN,
    PLUS,
    PRODUCT,
    SET,
    STDEV_P,
    STDEV_S,
    SUM,
    TIMES,
    VAR_P,
    VAR_S,
)
from ._values import (
    KANY,
    KBLANK,
    KBOOL,
    KDYN,
    KNUM,
    KSTR,
    TAG,
    NotFusable,
    Val,
    code,
    lit,
    num,
)

PRODUCERS = frozenset({"FILTER", "UNIQUE", "SORT"})
_IFS = {"SUMIF": IF_SUM, "COUNTIF": IF_COUNT, "AVERAGEIF": IF_AVERAGE}
_AGGS = {"SUM": SUM, "MIN": MIN, "MAX": MAX, "COUNT": COUNT, "COUNTA": COUNTA,
         "AVERAGE": AVERAGE, "PRODUCT": PRODUCT, "VAR": VAR_S, "VAR.S": VAR_S,
         "VARP": VAR_P, "VAR.P": VAR_P, "STDEV": STDEV_S, "STDEV.S": STDEV_S,
         "STDEVP": STDEV_P, "STDEV.P": STDEV_P}
_KTH = {"LARGE": "True", "SMALL": "False"}
MAX_DYN_CELLS = 4096   # values of one source array written out per trial
MAX_PICK = 64          # texts made per trial a reader of a result's element picks among
FILL_FROM = 64         # values of a column from which its literals come from the constants
FLAG_LOOPS_FROM = 8    # rows of a FILTER from which its condition's comparisons are loops
_TURNED = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_LITERAL = re.compile(r"\(?-?\d+(\.\d*)?(e[-+]?\d+)?\)?|np\.nan")   # a literal of the source


def is_dynamic(node: ir.Node) -> bool:
    """Whether ``node`` is an array whose number of rows may change per trial."""
    if isinstance(node, ir.Binary) and node.op in CMP_OPS:   # a result compared with a value
        return is_dynamic(node.left) != is_dynamic(node.right)
    if isinstance(node, ir.Unary) and node.op in ("-", "+"):   # its numbers, element-wise
        return is_dynamic(node.operand)
    if not isinstance(node, ir.Call):
        return False
    if node.name == "SORTBY":   # the result's rows sorted by keys made from them
        return bool(node.args) and is_dynamic(node.args[0])
    if node.name in PRODUCERS:
        return True
    if node.name == "VSTACK":   # rows of its arrays one after the other
        return any(is_dynamic(a) for a in node.args)
    if node.name == "CHOOSECOLS":   # columns of the result
        return bool(node.args) and is_dynamic(node.args[0])
    if node.name == "CHOOSE" and choose_columns(node) is not None:   # CHOOSE({1,2}, a, F)
        return any(is_dynamic(a) for a in node.args[1:])
    if node.name in ("IFERROR", "IFNA"):   # element-wise over the result: as dynamic
        return len(node.args) == 2 and is_dynamic(node.args[0]) \
            and not is_dynamic(node.args[1])
    return node.name in _IFS and len(node.args) >= 2 and is_dynamic(node.args[1])


def choose_columns(node: ir.Call) -> tuple[int, ...] | None:
    """The 1-based choices of CHOOSE over a constant row of whole numbers within its values
    (``CHOOSE({1,2}, INDEX(x,0,k), FILTER(..))``: columns side by side), else None."""
    if len(node.args) < 2 or not isinstance(node.args[0], ir.Array):
        return None
    rows = node.args[0].rows
    if len(rows) != 1 or len(rows[0]) < 2 or not all(
            isinstance(x, ir.Num) and float(x.value).is_integer() and
            1 <= x.value <= len(node.args) - 1 for x in rows[0]):
        return None
    return tuple(int(x.value) for x in rows[0])   # type: ignore[union-attr]


def _index_column(node: ir.Node) -> ir.Node:
    """INDEX(range, 0, k) (or an omitted row) with a constant k inside the range: that
    column of the range (the cells it reads), else ``node``."""
    if not (isinstance(node, ir.Call) and node.name == "INDEX" and len(node.args) == 3):
        return node
    area, row, col = node.args
    if isinstance(area, ir.Area) and (isinstance(row, ir.Missing) or (
            isinstance(row, ir.Num) and row.value == 0.0)) and isinstance(col, ir.Num) and \
            float(col.value).is_integer() and 1 <= col.value <= area.c2 - area.c1 + 1:
        c = area.c1 + int(col.value) - 1
        return ir.Area(area.sheet, area.r1, c, area.r2, c)
    return node


def reads_dynamic(node: ir.Node) -> bool:
    """Whether the generator must take ``node`` through :class:`DynArraysMixin`."""
    return isinstance(node, ir.Call) and (
        is_dynamic(node) or any(is_dynamic(a) for a in node.args))


@dataclass(frozen=True)
class DynAt:
    """Element (r, c) of a dynamic array's result, the value of the cell at that offset of
    its array formula."""

    node: ir.Call
    r: int
    c: int


@dataclass(frozen=True)
class Dyn:
    """A trial's array in scratch arrays ``v``/``e``/``t`` (and ``k``: the values as
    UNIQUE/SORT compare them, "" where not made), ``n`` rows of ``w`` (an expression), at
    most ``cap`` rows and at least ``least``; the kinds its values take.  ``by_col``: the
    rows held are the result's columns."""

    v: str
    e: str
    t: str
    k: str
    n: str
    cap: int
    w: int
    least: int
    kinds: tuple[str, ...]
    dom: tuple[int, ...] | None
    lo: float
    hi: float
    by_col: bool = False
    may_empty: bool = False   # FILTER may keep no row: its first row is if_empty's value
    dcols: tuple[int, ...] = ()   # columns (as held) of text made per trial, not kept
    none: str = ""            # FILTER: 1.0 where it kept no row (da_kept), else 0.0
    # column (as held) -> the recipes of its texts made per trial, by the source's row (the
    # value held there: that row), and their most characters; where readers can make them
    dsrc: tuple[tuple[int, tuple[tuple, ...], int], ...] = ()
    # FILTER that may keep no row: the kinds of its if_empty value, which numpy's readers
    # then see as one value (SUM("none"): #VALUE!), not an array's element
    fill: tuple[str, ...] = ()
    # each column's (kinds, dom, lo, hi) where known (a fixed-shape source and SORT of it:
    # GROUPBY's keys are text, its values numbers), else () (``kinds`` ... for all)
    columns: tuple[tuple[tuple[str, ...], tuple[int, ...] | None, float, float], ...] = ()


def _joined_comparisons(node: ir.Node, ops: tuple[str, ...]) -> bool:
    """Whether ``node`` is comparisons joined by the operators ``ops``."""
    if isinstance(node, ir.Binary) and node.op in ops:
        return _joined_comparisons(node.left, ops) and _joined_comparisons(node.right, ops)
    return isinstance(node, ir.Binary) and node.op in CMP_OPS


def _flags_tested(node: ir.Node) -> ir.Node | None:
    """The flags ``P`` of a FILTER condition that tests them again (EfiLygda's dashboard:
    ``(Product_Line=a)*(Order_Status=b)*(Year=c)*(Quarter=d)=1`` over 2,823 rows, each row
    written out: 28,343 kernel lines for one cell, 'the kernel would be too large'): ``P = 1``
    where P is a product of comparisons (each 0 or 1, so is P: the same rows kept, the same
    first error), ``P <> 0`` or ``P > 0`` where P is comparisons joined by ``*`` and ``+``
    (never negative); None for any other condition (one comparison alone is a logical,
    which Excel never finds equal to a number)."""
    if not (isinstance(node, ir.Binary) and node.op in ("=", "<>", ">")):
        return None
    for p, k in ((node.left, node.right), (node.right, node.left)):
        if not isinstance(k, ir.Num) or type(k.value) is not float:
            continue
        # a comparison alone is a logical: TRUE = 1 is FALSE, FALSE <> 0 is TRUE (Excel)
        if not (isinstance(p, ir.Binary) and p.op in ("*", "+")):
            continue
        if node.op == "=" and k.value == 1.0 and _joined_comparisons(p, ("*",)):
            return p
        if (node.op == "<>" or p is node.left) and node.op != "=" and k.value == 0.0 and \
                _joined_comparisons(p, ("*", "+")):
            return p
    return None


class DynArraysMixin(GeneratorHost):
    """FILTER/UNIQUE/SORT and their readers (see the module docstring)."""

    if TYPE_CHECKING:  # provided by the Generator this is mixed into (and GeneratorHost)
        strings: list[str]

        def as_condition(self, v: Val) -> Val: ...
        def operand(self, c) -> Val: ...

    # ------------------------------------------------------------ entry points
    def fn__enumcell(self, node: ir.Call) -> Val:
        """A cell's value as a table over the few cells it reads (_enum_cells)."""
        from ._enum_cells import EnumCell, enum_cell_value

        assert isinstance(node, EnumCell)
        return enum_cell_value(self, node)

    def dynamic_call(self, node: ir.Call) -> Val:
        """A function reading a dynamic array whole (or the array read as one value)."""
        name = node.name
        if is_dynamic(node):
            raise NotFusable(f"{name}'s array read as one value")
        dyn_args = [a for a in node.args if is_dynamic(a)]
        if name == "TEXTJOIN":   # text made per trial: _dtext's TEXTJOIN (dyn_join_items)
            raise DynamicText("TEXTJOIN of a FILTER/UNIQUE/SORT result")
        if name in _AGGS:
            if len(node.args) != 1:
                raise NotFusable(f"{name} of a FILTER/UNIQUE/SORT result and other arguments")
            return self._da_aggregate(name, self.dyn(node.args[0]))
        if name in _KTH and len(node.args) == 2 and is_dynamic(node.args[0]) \
                and not is_dynamic(node.args[1]):
            return self._da_kth(self.dyn(node.args[0]), self.number(node.args[1]), _KTH[name])
        if name == "INDEX" and 2 <= len(node.args) <= 3 and is_dynamic(node.args[0]) \
                and len(dyn_args) == 1:
            return self._da_index(self.dyn(node.args[0]), node.args[1:])
        if name == "MATCH" and 2 <= len(node.args) <= 3 and is_dynamic(node.args[1]) \
                and len(dyn_args) == 1:
            return self._da_match(node)
        raise NotFusable(f"{name} of a FILTER/UNIQUE/SORT result")

    def dyn_element(self, at: DynAt) -> Val:
        """Element (r, c) of the result, as Env.array_element gives it to a cell of the
        array formula (numpy's per group of trials of one shape: each trial's own)."""
        d = self._da_spilled(at)
        r, c = (at.c, at.r) if d.by_col else (at.r, at.c)
        if (0 if d.w == 1 else c) in d.dcols and self._da_read(at):
            texts = self._da_texts(d, 0 if d.w == 1 else c)
            if texts is None:
                raise NotFusable("text made per trial in a FILTER/UNIQUE/SORT result, read by a "
                                 "cell")
            # text made per trial that its readers make again (read by none: its kind only,
            # the cells of the spill alike, one family)
            return self._da_as_text(self._da_element_at(d, r, c, at), texts)
        return self._da_element_at(d, r, c, at)

    def _da_texts(self, d: Dyn, col: int) -> tuple[tuple[tuple, ...], int] | None:
        """The recipes (by source row) of column ``col``'s text made per trial, and their
        most characters, where its readers can make it again; else None."""
        if col not in d.dcols or d.by_col or d.may_empty or self.cell in getattr(
                self, "dyn_skip", ()):
            return None
        return next(((t, b) for c, t, b in d.dsrc if c == col), None)

    def _da_as_text(self, v: Val, texts: tuple[tuple[tuple, ...], int]) -> Val:
        """The element ``v`` (holding its source row) as text made per trial: the recipe of
        that row's text (_dtext's "pick"), its error as it is."""
        from ._dtext import Dyn as Text

        if v.always_error:   # past the rows
            return v
        return self.dyn_cell(Text(("pick", v.v, texts[0]), v.e, texts[1]))   # type: ignore[attr-defined]

    def _da_element_at(self, d: Dyn, r: int, c: int, at: DynAt) -> Val:
        """Element (r, c) (as held) of ``d``, the value of the spill's cell ``at``."""
        if c > 0 and d.w > 1 and d.may_empty and d.none:
            # kept nothing: numpy's result is if_empty (or the flag's error) alone, the value
            # of every cell of the spill; else element (r, c) as below
            if c >= d.w:
                return self._da_pick(d, "0.0", "0.0",
                                     [self.chain([], [(f"({d.none} == 0.0)", NA)])])
            cc = self.value(f"sel({d.none} != 0.0, 0.0, {self._da_at(c)})")
            if r > 0 and d.least < 2:
                rr = self.value(f"sel(({d.n} == 1.0) | ({d.none} != 0.0), 0.0, "
                                f"{self._da_at(r)})")
                past = self.value(f"{rr} >= {d.n}")
                return self._da_pick(d, rr, cc, [self.chain([], [(past, NA)])])
            if r == 0:
                return self._da_pick(d, "0.0", cc)
        if c > 0 and d.w > 1 and d.may_empty:
            raise NotFusable(   # the kernel does not tell an empty result from one row
                f"a cell right of the first of a {at.node.name} result that may be empty "
                "(numpy's one value fills the spill there)")
        if d.w > 1 and c >= d.w:
            return num("0.0", code(NA), (0.0, 0.0))
        c = 0 if d.w == 1 else c
        if r > 0:
            if d.cap <= 1:
                r = 0          # one row in every trial: repeated down
            elif d.least >= 2 and r >= d.cap:
                return num("0.0", code(NA), (0.0, 0.0))
            elif d.least < 2 or d.least <= r:
                return self._da_element_of_trial(d, r, c)
        return self._da_pick(d, self._da_at(r), self._da_at(c))

    def _da_at(self, x: int) -> str:
        """A position of a spill's cell as a constant of the kernel (``k<j>``, not a literal:
        the cells of a spill then have one shape, and loop as a family)."""
        idx = self.const_slot(("dynamic array position", x), float(x))   # type: ignore[attr-defined]
        return f"k{idx}"

    def _da_spilled(self, at: DynAt) -> Dyn:
        """The result whose element ``at`` is: made by the formula's first cell (generated
        first), in scratch arrays shared with its other cells (rows of ``ur``, as
        :mod:`._shared_lines`), which read them after it instead of making it again."""
        memo = self.__dict__.setdefault("_da_spills", {})
        key = (self.cell, self.cell_number, id(at.node))
        got = memo.get(key)
        if (at.r, at.c) == (0, 0) or got is None or got[0] == id(self.lines):
            d = self.dyn(at.node)
            if (at.r, at.c) == (0, 0):
                zn = self.scratch(2)
                self.lines.append(f"{zn}[0] = {d.n}")
                if d.none:
                    self.lines.append(f"{zn}[1] = {d.none}")
                memo[key] = (id(self.lines), d, zn)
            return d
        _, d, zn = got
        self.shared_scratch.update(z for z in (d.v, d.e, d.t, d.k, zn) if z)   # read here
        self.value(f"v{self.cell_number}")   # ordered after the formula's first cell
        return replace(d, n=self.value(f"{zn}[0]"),
                       none=self.value(f"{zn}[1]") if d.none else "")

    def _da_read(self, at: DynAt) -> bool:
        """Whether a cell other than the spill's reads its cell ``at`` (or may: INDIRECT)."""
        from ._arrays import members

        assert self.cell is not None
        own = members(self.model.workbook, self.cell)
        cell = self.cell if (at.r, at.c) == (0, 0) else next(
            (m for m, r, c in own if (r, c) == (at.r, at.c)), None)
        readers = self._da_readers()
        return readers is None or cell is None or bool(
            readers.get(cell, set()) - {m for m, _, _ in own})

    def _da_readers(self) -> dict | None:
        """The cells of the program reading each cell (None: INDIRECT/OFFSET may read any)."""
        if "_da_readers_" not in self.__dict__:
            got: dict | None = {}
            for c in self.program.steps:
                cc = self.model.code(c)
                if cc.node is not None and ir.calls(cc.node) & {"INDIRECT", "OFFSET"}:
                    got = None
                    break
                for d in cc.deps:
                    got.setdefault(d, set()).add(c)   # type: ignore[union-attr]
            self.__dict__["_da_readers_"] = got
        return self.__dict__["_da_readers_"]

    def _da_element_of_trial(self, d: Dyn, r: int, c: int) -> Val:
        """Element r (> 0) of a result whose rows vary per trial, as numpy's group of trials
        of one shape gives it (engine._ragged._element): a trial's one row repeated down,
        #N/A past the trial's rows, else its row r."""
        rr = self.value(f"sel({d.n} == 1.0, 0.0, {self._da_at(r)})")
        past = self.value(f"{rr} >= {d.n}")
        return self._da_pick(d, rr, self._da_at(c), [self.chain([], [(past, NA)])])

    # ------------------------------------------------------------ arrays
    def dyn(self, node: ir.Node, keys: bool = False) -> Dyn:
        """The scratch arrays of ``node``'s value this trial (made once per cell)."""
        memo = self.__dict__.setdefault("_dyn_memo", {})
        key = (id(self.lines), node, keys)
        got = memo.get(key)
        if got is not None and got[0] is self.lines and _still(self.lines, got[2]):
            return got[1]   # (not where its lines were taken back: a dynamic text retry)
        if not is_dynamic(node):
            d = self._da_source(node, False, keys)
        elif isinstance(node, ir.Binary):
            d = self._da_compare(node)
        elif isinstance(node, ir.Unary):
            d = self._da_negate(node)
        else:
            assert isinstance(node, ir.Call)
            if node.name in ("FILTER", "UNIQUE"):   # keys of the rows kept, where asked
                d = (self._da_filter if node.name == "FILTER" else self._da_unique)(node, keys)
            elif node.name in ("IFERROR", "IFNA"):
                d = self._da_iferror(node)
            elif node.name == "VSTACK":
                d = self._da_vstack(node)
            elif node.name == "CHOOSECOLS":
                d = self._da_choosecols(node)
            elif node.name == "SORTBY":
                d = self._da_sortby(node)
            elif node.name == "CHOOSE":
                d = self._da_choose(node)
            else:
                d = {"SORT": self._da_sort}.get(node.name, self._da_ifs)(node)
            if keys and not d.k:
                d = self._da_with_keys(d)
        end = len(self.lines)
        memo[key] = (self.lines, d, (end, self.lines[end - 1] if end else None))
        return d

    def _da_values(self, node: ir.Node) -> list[list[Val]]:
        """The values of a range or an element-wise expression of ranges (not dynamic)."""
        from ._arrays import ArrayElements

        if isinstance(node, ir.Missing):
            raise NotFusable("FILTER/UNIQUE/SORT of an omitted argument")
        node = _read_part(node)
        # sizes the same in every trial evaluated (TAKE(GROUPBY(..), ROWS(..)-1): _groupby)
        elements = ArrayElements(self.model.workbook, const=self.array_const)
        shape = elements.shape(node) or (1, 1)
        if shape[0] * shape[1] > MAX_DYN_CELLS:
            raise NotFusable(f"a dynamic array over {shape[0] * shape[1]} cells")
        out = []
        for r in range(shape[0]):
            row = []
            for c in range(shape[1]):
                el = elements.element(node, r, c) if shape != (1, 1) else node
                self.array_ir.append(el)
                row.append(self._da_element(el))
            out.append(row)
        return out

    def _da_element(self, el: ir.Node) -> Val:
        """An element's value; text made per trial (a cell's, or made by the element) as a
        value of kind KDYN whose recipe the keys of UNIQUE/SORT write out (_da_text_keys)."""
        mark = len(self.lines)
        try:
            return self.expr(el)
        except DynamicText:
            del self.lines[mark:]
        d = self.recipe(el, coerce=False)   # type: ignore[attr-defined]
        self.dyn_recipes.append(d.r)   # type: ignore[attr-defined]
        return Val("0.0", d.e, KDYN, 0.0, 0.0,
                   (len(self.dyn_recipes) - 1, d.bound))   # type: ignore[attr-defined]

    def _da_plain(self, v: Val) -> Val:
        """``v`` as the arrays hold it: text made per trial as a text whose characters are
        not kept (the id of _dtext's unread text), its error code as it is."""
        if v.kind != KDYN:
            return v
        k = self.string_id(_UNREAD)   # type: ignore[attr-defined]
        return Val(lit(float(k)), v.e, KSTR, float(k), float(k), (k,))

    def _da_source(self, node: ir.Node, by_col: bool, keys: bool,
                rows: list[list[Val]] | None = None) -> Dyn:
        """A range (or element-wise expression) written out, rows as they are held."""
        grid = self._da_values(node) if rows is None else rows
        if by_col:
            grid = [list(col) for col in zip(*grid, strict=True)]
        return self._da_fill(grid, keys, by_col)

    def _da_fill(self, grid: list[list[Val]], keys: bool, by_col: bool = False) -> Dyn:
        """The values of ``grid`` in scratch arrays (with their keys: UNIQUE/SORT); where
        every value is named (a cell, an input, a constant), written once per trial by the
        first cell over them and shared with the later ones (four FILTERs of one table)."""
        from ._shared_lines import _NAME_OR_LIT

        made = [v for row in grid for v in row]
        named = len(made) >= 16 and all(
            _NAME_OR_LIT.match(x) for v in made for x in (v.v, v.e, v.y or "0"))
        key = ("dynamic array fill", keys, by_col, len(grid),
               tuple((v.v, v.e, v.kind, v.dom, v.y) for v in made))
        marks = self.__dict__.setdefault("_da_fill_marks", {})
        if named:
            mark = marks.get(key)
            if mark is not None and mark[0] == (self.cell, self.cell_number) and not (
                    mark[1] is self.lines and _still(self.lines, mark[2])):
                # this cell wrote it, in lines since taken back (a dynamic text retry)
                self._gather_memo().pop(key, None)   # type: ignore[attr-defined]
            got = self._shared(key)   # type: ignore[attr-defined]
            if got is not None:   # rows of ur from now on (the cells may run in other segments)
                self.shared_scratch.update(z for z in (got.v, got.e, got.t, got.k) if z)
                return got
        d = self._da_fill_here(grid, keys, by_col)
        if named:
            self._gather_memo()[key] = (d, (self.cell, self.cell_number))   # type: ignore[attr-defined]
            end = len(self.lines)
            marks[key] = ((self.cell, self.cell_number), self.lines,
                          (end, self.lines[end - 1] if end else None))
        return d

    def _da_fill_here(self, grid: list[list[Val]], keys: bool, by_col: bool = False) -> Dyn:
        m, w = len(grid), len(grid[0]) if grid else 1
        size = max(m * w, 1)
        zv, ze, zt = self.scratch(size), self.scratch(size), self.scratch(size)
        zk = self.scratch(size) if keys else ""
        made = [v for row in grid for v in row]
        flat = [self._da_plain(v) for v in made]
        uid = self.strings.index(_UNREAD) if _UNREAD in self.strings else -1
        dcols = tuple(sorted({p % w for p, v in enumerate(flat) if uid in (v.dom or ())}))
        dsrc = () if by_col else self._da_text_sources(made, w, dcols)
        for c, _, _ in dsrc:   # such a text holds its row: the recipe its reader picks
            for p in range(c, len(flat), w):
                flat[p] = replace(flat[p], v=lit(float(p // w)))
        self._da_column(zv, [v.v for v in flat])
        self._da_column(ze, [v.e for v in flat])
        self._da_column(zt, [v.tag() for v in flat])
        if keys and dcols:
            self._da_text_keys(made, ze, zt, zk)
        elif keys:
            ranks = self._da_text_ranks(flat)
            self._da_column(zk, [self._da_key(v, ranks) for v in flat])
        kinds, dom, lo, hi = _summary(flat)
        columns = () if by_col or not grid else tuple(
            _summary(flat[j::w]) for j in range(w))
        return Dyn(zv, ze, zt, zk, lit(float(m)), m, w, m, kinds, dom, lo, hi, by_col,
                   dcols=dcols, dsrc=dsrc, columns=columns)

    def _da_text_sources(self, made: list[Val], w: int, dcols: tuple[int, ...]
                         ) -> tuple[tuple[int, tuple[tuple, ...], int], ...]:
        """The columns of text made per trial whose every value is such text that a reader
        can make again (a recipe of the values of named cells and inputs), with the recipes
        by row: a spill cell or INDEX of the result picks one by the row it holds."""
        from ._dtext import _CELL_LEVEL, _leaves

        out = []
        for c in dcols:
            col = made[c::w]
            if len(col) > MAX_PICK or any(v.kind != KDYN for v in col):
                continue
            texts = []
            for v in col:
                assert v.dom is not None
                if self.dyn_recipes[v.dom[0]][0] in ("formula", "element"):   # type: ignore[attr-defined]
                    break
                t = self._cell_dyn(v)   # type: ignore[attr-defined]
                if not all(_CELL_LEVEL.match(x) for x in _leaves(t.r)):
                    break
                texts.append(t)
            else:
                out.append((c, tuple(t.r for t in texts), max(t.bound for t in texts)))
        return tuple(out)

    def _da_text_keys(self, vals: list[Val], ze: str, zt: str, zk: str) -> None:
        """The keys of values some of which are text made per trial: every text written out
        (the dynamic text buffer) and ranked among them per trial (da_tkeys); numbers and
        logicals are their keys."""
        from ._dtext import _UNREAD as unread

        m = len(vals)
        ps, pe, tmp = self.scratch(m), self.scratch(m), self.scratch(2 * m)
        z = ""
        keys: list[str] = []
        for p, v in enumerate(vals):
            text = v.kind in (KSTR, KDYN) or (v.kind == KANY and KSTR in v.kinds)
            if not text:
                keys.append(v.v)
                continue
            if v.kind != KDYN and (v.dom is None or any(
                    self.strings[k] == unread for k in v.dom)):
                raise NotFusable("UNIQUE/SORT of text whose values are not known")
            if v.kind == KDYN:
                d = self._cell_dyn(v)   # type: ignore[attr-defined]
            else:
                assert v.dom is not None
                x = v.v if v.kind == KSTR else f"sel({v.y} == 2.0, {v.v}, {lit(float(v.dom[0]))})"
                d = self.as_dyn(Val(self.value(x), v.e, KSTR, dom=v.dom),   # type: ignore[attr-defined]
                                False)
            z, start, end = self.write(d)   # type: ignore[attr-defined]
            self.lines += [f"{ps}[{p}] = {start}", f"{pe}[{p}] = {end}"]
            keys.append(v.v if v.kind == KANY else "0.0")
        self._da_column(zk, keys)
        self.value(f"da_tkeys({z}, {ps}, {pe}, {ze}, {zt}, {zk}, {lit(float(m))}, {tmp})")

    def _da_column(self, z: str, exprs: list[str]) -> None:
        """``z[p] = exprs[p]``: a run of one literal as one slice (fewer lines to compile);
        a long column of literals mostly, those copied from the constants (``fill_kv``) and
        the others a line each."""
        lits = [bool(_LITERAL.fullmatch(x)) for x in exprs]
        if len(exprs) >= FILL_FROM and 1 + len(exprs) - sum(lits) < _run_lines(exprs, lits):
            off = self.table([_float(x) if k else 0.0  # type: ignore[attr-defined]
                              for x, k in zip(exprs, lits, strict=True)])
            self.value(f"fill_kv({z}, 0, kv, {off}, {len(exprs)})")
            self.lines += [f"{z}[{p}] = {x}" for p, (x, k) in enumerate(zip(exprs, lits,
                                                                          strict=True)) if not k]
            return
        p = 0
        while p < len(exprs):
            q = p + 1
            if _LITERAL.fullmatch(exprs[p]):
                while q < len(exprs) and exprs[q] == exprs[p]:
                    q += 1
            if q - p >= 3:
                self.lines.append(f"{z}[{p}:{q}] = {exprs[p]}")
            else:
                self.lines += [f"{z}[{k}] = {exprs[k]}" for k in range(p, q)]
            p = q

    def _da_text_ranks(self, vals: list[Val]) -> dict[int, int]:
        """Each text id the values may hold -> the rank of its text in Excel's order
        (engine.functions._collation: case aside, accents second, hyphens ignored)."""
        ids: set[int] = set()
        for v in vals:
            if v.kind in (KSTR, KANY) and (v.kind == KSTR or KSTR in v.kinds):
                if v.dom is None:
                    raise NotFusable("UNIQUE/SORT of text whose values are not known")
                ids.update(v.dom)
        from ...functions._collation import collation_key

        folds = sorted({collation_key(self.strings[i]) for i in ids})
        at = {s: k for k, s in enumerate(folds)}
        return {i: at[collation_key(self.strings[i])] for i in ids}

    def _da_key(self, v: Val, ranks: dict[int, int]) -> str:
        """The value as UNIQUE and SORT compare it: numbers and logicals as they are, a
        blank as 0, text as the rank of its case-folded string."""
        def text_key(x: str, dom: tuple[int, ...]) -> str:
            out = "0.0"
            for i in dom:
                out = f"sel({x} == {lit(float(i))}, {lit(float(ranks[i]))}, {out})"
            return out

        if v.kind == KSTR:
            assert v.dom is not None
            return lit(float(ranks[v.dom[0]])) if len(v.dom) == 1 else text_key(v.v, v.dom)
        if v.kind == KANY and KSTR in v.kinds:
            assert v.dom is not None and v.y is not None
            return f"sel({v.y} == 2.0, {text_key(v.v, v.dom)}, {v.v})"
        return v.v

    def _da_with_keys(self, d: Dyn) -> Dyn:
        """``d`` with its keys (a dynamic result read by UNIQUE or SORT): numbers and
        logicals as they are, blanks 0, text (of known ids) the rank of its case-folded
        string among the result's texts (da_rekey); text made per trial is not made here."""
        if KSTR not in d.kinds:
            return replace(d, k=d.v)
        if d.dom is None or d.dcols:
            raise NotFusable("UNIQUE/SORT of text picked per trial by FILTER/UNIQUE/SORT")
        ranks = self._da_text_ranks([Val("0.0", "0", KSTR, dom=d.dom)])
        off = self.table([float(ranks.get(i, 0)) for i in range(max(d.dom) + 1)])   # type: ignore[attr-defined]
        ok = self.scratch(max(d.cap * d.w, 1))
        self.value(f"da_rekey({d.v}, {d.t}, {self._dyn_size(d)}, kv, {off}.0, {ok})")
        return replace(d, k=ok)

    def _da_new(self, d: Dyn, keys: bool = False) -> tuple[str, str, str, str]:
        size = max(d.cap * d.w, 1)
        out = (self.scratch(size), self.scratch(size), self.scratch(size))
        return (*out, self.scratch(size) if keys else "")

    # ------------------------------------------------------------ producers
    def _da_filter(self, node: ir.Call, keys: bool = False) -> Dyn:
        """engine.functions.dynamic.filter_ for one trial (``keys``: with the keys of the
        rows kept, the source's, for UNIQUE/SORT of it)."""
        if not 2 <= len(node.args) <= 3:
            raise NotFusable("FILTER with a wrong number of arguments")
        array, include = node.args[0], node.args[1]
        if is_dynamic(array) or is_dynamic(include):
            return self._da_filter_dyn(node)
        if not self._da_fits(array, include):   # numpy: #VALUE! whatever the values
            return self._da_fill([[num("0.0", code(VALUE), (0.0, 0.0))]], False)
        looped, columns, tried = None, None, False
        if not keys and (m := self._da_long_filter(array, include)):
            if isinstance(_read_part(array), ir.Area):   # a range: its flags' runtime loops
                columns, tried = self._da_flag_columns(include, m), True
            if columns is None:   # values and flags made by one loop over the rows
                looped = self._attempt(self._da_filter_loop,   # type: ignore[attr-defined]
                                       array, include, m)
        by_col = False
        if looped is not None:
            loop_src, loop_val, columns = looped
            grid = [[loop_val]]   # (the element's kind and bounds: every row's)
        else:
            grid = self._da_values(array)
            if not tried:
                columns = self._da_flag_columns(include, len(grid))
        if columns is not None:   # every row kept or not per trial: flags made by loops
            keep: list[tuple[list[Val], Val | None]] = [(row, None) for row in grid]
            least = 0
        else:
            flags = self._da_values(include)
            rows, cols = len(grid), len(grid[0])
            fr, fc = len(flags), len(flags[0])
            if fc == 1 and fr == rows:
                marks = [row[0] for row in flags]
            elif fr == 1 and fc == cols:
                by_col, marks = True, list(flags[0])
                grid = [list(col) for col in zip(*grid, strict=True)]
            else:
                raise NotFusable("FILTER with a condition of another size (#VALUE!)")
            keep = []
            least = 0
            for row, mark in zip(grid, marks, strict=True):
                if mark.kind == KDYN:
                    raise NotFusable("FILTER with a condition of text made per trial")
                f = self.as_condition(mark)
                if f.e == "0" and f.lo == f.hi == 0.0:
                    continue   # never kept: left out of the arrays
                if f.e == "0" and f.lo == f.hi and f.lo != 0.0:
                    least += 1
                keep.append((row, f))
        w = len(grid[0])
        fill = self._da_if_empty(node.args[2] if len(node.args) > 2 else ir.Missing(), w)
        erow, rowvals = None, []
        if isinstance(fill, list):   # one row: its values in a scratch array
            if by_col:
                raise NotFusable("FILTER by columns with an array if_empty")
            rowvals, fill = fill, fill[0]
            erow = self._da_fill([rowvals], False)
        if looped is not None:
            src = loop_src   # (m: its rows)
        else:
            src = self._da_fill([row for row, _ in keep] or [[fill] * w], keys)
            m = len(keep)
        if columns is not None:
            zf, zfe = columns
        else:
            zf, zfe = self.scratch(max(m, 1)), self.scratch(max(m, 1))
            self._da_column(zf, [f.v for _, f in keep if f is not None])
            self._da_column(zfe, [f.e for _, f in keep if f is not None])
        cap = max(m, 1)
        kinds, dom, lo, hi = _summary([self._da_plain(v) for r, _ in keep for v in r]
                                      + [fill, *rowvals])
        d = Dyn("", "", "", "", "", cap, w, max(least, 1), kinds, dom, lo, hi, by_col)
        ov, oe, ot, _ = self._da_new(d)
        rows = lit(float(m))
        n, none = self._da_filtered(src, rows, w, zf, zfe, (ov, oe, ot), fill, erow, least)
        ok = ""
        if keys and erow is None:
            if fill.kind in (KSTR, KANY, KDYN):
                raise NotFusable("UNIQUE/SORT of a FILTER whose if_empty may be text")
            ok, ke, kt, _ = self._da_new(d)   # the same rows kept: of the keys
            self.value(f"da_filter({src.k}, {src.e}, {src.t}, {lit(float(m))}, {w}, {zf}, "
                       f"{zfe}, {ok}, {ke}, {kt}, {fill.v}, {fill.e}, {fill.tag()})")
        fills = (fill.kinds if fill.kind == KANY else (fill.kind,)) \
            if least == 0 and erow is None else ()   # (a row: read as an array)
        return Dyn(ov, oe, ot, ok, n, cap, w, max(least, 1), kinds, dom, lo, hi, by_col,
                   least == 0, src.dcols, none, src.dsrc, fills)

    def _da_long_filter(self, array: ir.Node, include: ir.Node) -> int:
        """The rows of FILTER(``array``, ``include``) where both are one long column of
        elements (at least ROW_LOOP_MIN), the array not one value; else 0."""
        from ._arrays import ArrayElements
        from ._row_loops import ROW_LOOP_MIN

        shape = ArrayElements(self.model.workbook, const=self.array_const).shape
        try:
            got = shape(_read_part(array))
            ok = got is not None and got[1] == 1 and got[0] >= ROW_LOOP_MIN and \
                shape(_read_part(include)) == got
        except NotFusable:
            return 0
        return got[0] if ok and got is not None else 0

    def _da_filter_loop(self, array: ir.Node, include: ir.Node, m: int
                        ) -> tuple[Dyn, Val, tuple[str, str]]:
        """FILTER's source values (error codes, kind tags) and flags (their errors) over m
        rows written by one loop over the rows (_row_loops' element template: the parts of
        one value computed once before it) instead of lines a row: ``AVERAGE(FILTER(o,
        NOT(ISNA(o))))`` with ``o`` = ``IF(ABS((T[SALES]-AVERAGE(T[SALES]))/STDEV.S(
        T[SALES]))>3,T[SALES],NA())`` over 2,823 rows (EfiLygda's Sales_Data_Project).  The
        source's Dyn, its element's Val (the kind and bounds of every row) and the flags'
        scratch arrays; NotFusable where an element is not a number or a logical."""
        from ._shared_lines import _float

        shape = (m, 1)
        self.ntmp += 1
        j = f"f_rj{self.ntmp}"
        virtual: list = []
        vt = self._row_template(_read_part(array), shape, j,  # type: ignore[attr-defined]
                                virtual, False)
        ft = self._row_template(_read_part(include), shape, j,  # type: ignore[attr-defined]
                                virtual, False)
        try:
            mark = len(self.lines)
            v = self.expr(vt)
            f = self.expr(ft)
            if v.kind not in (KNUM, KBOOL) or f.kind not in (KNUM, KBOOL):
                raise NotFusable("a FILTER loop's element that is not a number")
            f = self.as_condition(f)
            body = self.lines[mark:]
            del self.lines[mark:]
            zv, ze, zt, zf, zfe = (self.scratch(m) for _ in range(5))
            at = f"[int({j})] = "
            body += [f"{zv}{at}{v.v}", f"{ze}{at}{_float(v.e)}", f"{zt}{at}{v.tag()}",
                     f"{zf}{at}{f.v}", f"{zfe}{at}{_float(f.e)}"]
            self.lines.append(f"for {j} in range({m}):")
            self.lines += ["    " + line for line in body]
        finally:
            for c in virtual:
                self.input_vals.pop(c, None)
        self.array_ir += [vt, ft]   # kept alive: constants are keyed by node id
        kinds, dom, lo, hi = _summary([v])
        return (Dyn(zv, ze, zt, "", lit(float(m)), m, 1, m, kinds, dom, lo, hi), v,
                (zf, zfe))

    def _da_filtered(self, src: Dyn, rows: str, w: int, zf: str, zfe: str,
                     out: tuple[str, str, str], fill: Val, erow: Dyn | None, least: int
                     ) -> tuple[str, str]:
        """The rows of ``src`` (``rows`` of ``w``) whose flags (``zf``, errors ``zfe``) are
        true into ``out``, nothing kept giving if_empty (``fill``, or the row ``erow``):
        (the rows, 1.0 where numpy's result is one value filling the spill: if_empty or a
        flag's error; "" where it never is)."""
        ov, oe, ot = out
        if erow is None:
            n = self.value(f"da_filter({src.v}, {src.e}, {src.t}, {rows}, {w}, {zf}, {zfe}, "
                           f"{ov}, {oe}, {ot}, {fill.v}, {fill.e}, {fill.tag()})")
        else:   # nothing kept (no flag's error): that row
            n = self.value(f"da_filter_row({src.v}, {src.e}, {src.t}, {rows}, {w}, {zf}, "
                           f"{zfe}, {ov}, {oe}, {ot}, {erow.v}, {erow.e}, {erow.t})")
        none = "" if least != 0 or w == 1 else \
            self.value(f"b2f(da_kept({zf}, {zfe}, {rows}) == 0.0)") if erow is None else \
            self.value(f"b2f((da_kept({zf}, {zfe}, {rows}) == 0.0) & "
                       f"(da_error({zfe}, {rows}) != 0.0))")
        return n, none

    def _da_filter_dyn(self, node: ir.Call) -> Dyn:
        """FILTER of a dynamic result by a condition made from the same result row by row
        (``FILTER(data, CHOOSECOLS(data,4)<>"")``: as many rows in every trial), the keys
        made from the values where read (dyn)."""
        array, include = node.args[0], node.args[1]
        base = _row_base(array)
        if base is None or _row_base(include) != base:
            raise NotFusable("FILTER of a FILTER/UNIQUE/SORT result by a condition not made "
                             "from its rows")
        a, f = self.dyn(array), self.dyn(include)
        if any(d.by_col or (d.may_empty and d.w > 1) or d.none for d in (a, f)) or f.w != 1:
            raise NotFusable("FILTER of a FILTER/UNIQUE/SORT result that may be one value, "
                             "by columns, or by a condition of several columns")
        if not set(f.kinds) <= {KBOOL, KNUM, KBLANK}:
            raise NotFusable("FILTER of a FILTER/UNIQUE/SORT result by a condition of text")
        fill = self._da_if_empty(node.args[2] if len(node.args) > 2 else ir.Missing(), a.w)
        erow, rowvals = None, []
        if isinstance(fill, list):
            rowvals, fill = fill, fill[0]
            erow = self._da_fill([rowvals], False)
        kinds, dom, lo, hi = _summary(
            [Val("0.0", "0", KANY, a.lo, a.hi, a.dom, "0.0", a.kinds), fill, *rowvals])
        if KSTR in a.kinds and a.dom is None:
            dom = None
        d = replace(a, k="", kinds=kinds, dom=dom, lo=lo, hi=hi, least=1, dsrc=())
        ov, oe, ot, _ = self._da_new(d)
        n, none = self._da_filtered(a, a.n, a.w, f.v, f.e, (ov, oe, ot), fill, erow, 0)
        fills = () if erow is not None else \
            (fill.kinds if fill.kind == KANY else (fill.kind,))
        return replace(d, v=ov, e=oe, t=ot, n=n, may_empty=True, none=none, fill=fills)

    def _da_compare(self, node: ir.Binary) -> Dyn:
        """A dynamic result compared with one value, element by element (engine.functions.
        operators.compare: numbers by the 15-digit rule, text case-folded, numbers < text <
        logicals, a blank as the other side's empty value; the first error, the left's
        first): logicals, as many rows (da_cmpval, text by its rank among the ids)."""
        left = is_dynamic(node.left)
        d = self.dyn(node.left if left else node.right)
        other = node.right if left else node.left
        from ._arrays import ArrayElements

        if ArrayElements(self.model.workbook).shape(_read_part(other)) is not None:
            raise NotFusable("a FILTER/UNIQUE/SORT result compared with an array")
        x = self.expr(other)
        if x.kind == KDYN or d.dcols:
            raise NotFusable("a FILTER/UNIQUE/SORT result compared with text made per trial")
        ids = set(d.dom or ())
        for v in (x,):
            if v.kind == KSTR or (v.kind == KANY and KSTR in v.kinds):
                if v.dom is None:
                    raise NotFusable("a FILTER/UNIQUE/SORT result compared with unknown text")
                ids.update(v.dom)
        if KSTR in d.kinds and d.dom is None:
            raise NotFusable("a FILTER/UNIQUE/SORT result of unknown text compared")
        ranks = self._da_text_ranks([Val("0.0", "0", KSTR, dom=tuple(sorted(ids)))]) \
            if ids else {}
        off = self.table([float(ranks.get(i, 0)) for i in range(max(ids, default=0) + 1)])   # type: ignore[attr-defined]
        out = replace(d, k="", kinds=(KBOOL,), dom=None, lo=0.0, hi=1.0, dsrc=(),
                      fill=(KBOOL,) if d.fill else ())
        ov, oe, ot, _ = self._da_new(out)
        empty = -1.0 if not any(self.strings[i] == "" for i in ids) else 0.0
        self.value(f"da_cmpval({d.v}, {d.e}, {d.t}, {self._dyn_size(d)}, kv, {off}.0, "
                   f"{empty!r}, {x.v}, {x.e}, {x.tag()}, {float(CMP_OPS[node.op])!r}, "
                   f"{1.0 if left else 0.0}, {ov}, {oe}, {ot})")
        return replace(out, v=ov, e=oe, t=ot)

    def _da_negate(self, node: ir.Unary) -> Dyn:
        """-result (+result: itself) element by element (engine.functions.operators.unary
        with values.to_number: logicals 1/0, blanks 0, text read as a number or a date
        (by id, at compile time: kv[off + id], NaN where not) else #VALUE!; da_neg)."""
        import numpy as np

        from ...values import Kind, Vec, to_number

        d = self.dyn(node.operand)
        if node.op == "+":
            return d
        if d.dcols or (KSTR in d.kinds and d.dom is None):
            raise NotFusable("the negation of a result holding text that is not known")
        table = [math.nan] * (max(d.dom or (0,)) + 1)
        for i in d.dom or ():
            x, e = to_number(Vec(Kind.STR, np.array([self.strings[i]], dtype=object)))
            table[i] = math.nan if e is not None and e[0] else float(x[0])
        off = self.table(table)   # type: ignore[attr-defined]
        out = replace(d, k="", kinds=(KNUM,), dom=None, lo=-math.inf, hi=math.inf, dsrc=(),
                      fill=(KNUM,) if d.fill else ())
        ov, oe, ot, _ = self._da_new(out)
        self.value(f"da_neg({d.v}, {d.e}, {d.t}, {self._dyn_size(d)}, kv, {off}.0, {ov}, {oe}, "
                   f"{ot})")
        return replace(out, v=ov, e=oe, t=ot)

    def _da_sortby(self, node: ir.Call) -> Dyn:
        """engine.functions.arrays.sortby of a dynamic result by keys made from its own rows
        (``SORTBY(clean, CHOOSECOLS(clean,1), 1, IFERROR(--CHOOSECOLS(clean,2),0), 1)``),
        each one column, orders 1 or -1 the same in every trial: the rows in a stable sort
        on the keys in turn, each as _before orders them (da_sortby)."""
        args = node.args
        base = _row_base(args[0])
        if base is None or len(args) < 2:
            raise NotFusable("SORTBY of a result without keys")
        a = self.dyn(args[0])
        if a.by_col or (a.may_empty and a.w > 1 and not a.none):
            raise NotFusable("SORTBY of a result by columns or that may be one value")
        pairs = [(args[i], args[i + 1] if i + 1 < len(args) else ir.Missing())
                 for i in range(1, len(args), 2)]
        nk = len(pairs)
        zk, ze, zt = (self.scratch(max(a.cap, 1) * nk) for _ in range(3))
        orders: list[float] = []
        for j, (by, order) in enumerate(pairs):
            if _row_base(by) != base:
                raise NotFusable("SORTBY of a result by keys not made from its rows")
            o = self._da_constant_int(order, 1, "SORTBY's order")
            if o not in (1, -1):
                raise NotFusable("SORTBY with an order other than 1 or -1 (#VALUE!)")
            orders.append(float(o < 0))
            k = self.dyn(by, keys=True)
            if k.w != 1 or k.by_col:
                raise NotFusable("SORTBY of a result by a key of several columns")
            self.value(f"da_keycol({k.k}, {k.e}, {k.t}, {a.n}, {nk}, {j}, {zk}, {ze}, {zt})")
        off = self.table(orders)   # type: ignore[attr-defined]
        idx = self.scratch(max(a.cap, 1))
        out = replace(a, k="", dsrc=())
        ov, oe, ot, _ = self._da_new(out)
        n = self.value(f"da_sortby({a.v}, {a.e}, {a.t}, {a.n}, {a.w}, {zk}, {ze}, {zt}, {nk}, "
                       f"kv, {off}.0, {idx}, {ov}, {oe}, {ot})")
        return replace(out, v=ov, e=oe, t=ot, n=n)

    def _da_flag_columns(self, include: ir.Node, m: int) -> tuple[str, str] | None:
        """FILTER's condition over m rows where it is comparisons of a number made per trial
        with a column of m numbers (constants, or cells of numbers made per trial), joined
        by ``*`` and ``+`` (``(d>=T[start])*(d<=T[end])``): the flags and their errors made
        by one runtime loop a comparison (da_cmpcol, da_cmparr, da_comb) instead of lines a
        row.  (flags, errors) scratch arrays, or None where the condition is not of that
        form (its lines taken back)."""
        from ._arrays import ArrayElements

        include = _read_part(include)
        if m < FLAG_LOOPS_FROM or ArrayElements(self.model.workbook).shape(include) != (m, 1):
            return None
        mark = len(self.lines)
        try:
            zf, zfe = self.scratch(m), self.scratch(m)
            if self._da_flags_into(include, m, zf, zfe, SET):
                return zf, zfe
        except NotFusable:
            pass
        del self.lines[mark:]
        return None

    def _da_flags_into(self, node: ir.Node, m: int, z: str, ze: str, how: int) -> bool:
        """Code putting ``node``'s flags and errors into ``z``/``ze`` (``how``: SET, TIMES or
        PLUS what they hold; the errors held first); False where ``node`` is not of
        _da_flag_columns' form."""
        from ._arrays import ArrayElements

        rows = lit(float(m))
        inner = _flags_tested(node)
        if inner is not None:   # (a=x)*(b=y)=1: the product's own flags
            return self._da_flags_into(inner, m, z, ze, how)
        if isinstance(node, ir.Binary) and node.op in ("*", "+"):
            op = TIMES if node.op == "*" else PLUS
            if how != SET:   # a product or sum of its own: into scratches, then joined
                tmp, tmpe = self.scratch(m), self.scratch(m)
                if not self._da_flags_into(node, m, tmp, tmpe, SET):
                    return False
                self.value(f"da_comb({z}, {ze}, {tmp}, {tmpe}, {rows}, {float(how)!r})")
                return True
            return self._da_flags_into(node.left, m, z, ze, SET) and \
                self._da_flags_into(node.right, m, z, ze, op)
        if not (isinstance(node, ir.Binary) and node.op in CMP_OPS):
            return False
        shape = ArrayElements(self.model.workbook).shape
        op, x, col, xleft = node.op, node.left, node.right, 1.0
        if shape(x) is not None:   # the column on the left: the comparison turned round
            op, x, col, xleft = _TURNED[op], col, x, 0.0
        if shape(x) is not None or shape(col) != (m, 1):
            return False
        cells = self._da_constant(col)
        if cells is not None:
            if any(not isinstance(r[0], float | int) or isinstance(r[0], bool)
                   or not math.isfinite(r[0]) for r in cells):
                return False
            got = self._da_against_numbers(x)
            if got is None:
                return False
            xv, xe, xk = got
            off = self.table([float(r[0]) for r in cells])
            self.value(f"da_cmpcol({z}, {ze}, kv, {off}.0, {rows}, {xv}, {xe}, {xk}, "
                       f"{float(CMP_OPS[op])!r}, {float(how)!r})")
            return True
        grid = self._da_values(col)   # numbers made per trial: written out (shared)
        if any(row[0].kind != KNUM for row in grid):
            return False
        got = self._da_against_numbers(x)
        if got is None:
            return False
        xv, xe, xk = got
        src = self._da_fill(grid, False)
        self.value(f"da_cmparr({z}, {ze}, {src.v}, {src.e}, {rows}, {xv}, {xe}, {xk}, "
                   f"{float(CMP_OPS[op])!r}, {float(how)!r}, {xleft!r})")
        return True

    def _da_against_numbers(self, x: ir.Node) -> tuple[str, str, str] | None:
        """``x`` as compared with numbers (engine.functions.operators.compare: numbers and
        blanks (as 0) by value, text and logicals above every number): (its number, its
        error, 1.0 where it is above them); None for text made per trial."""
        v = self.expr(x)
        if v.kind == KNUM:
            return v.v, v.e, "0.0"
        if v.kind == KBLANK:
            return "0.0", v.e, "0.0"
        if v.kind in (KSTR, KBOOL):
            return "0.0", v.e, "1.0"
        if v.kind != KANY or v.y is None or not set(v.kinds) <= {KNUM, KBLANK, KSTR, KBOOL}:
            return None
        xv = self.value(f"sel({v.y} == {TAG[KNUM]}.0, {v.v}, 0.0)")
        xk = self.value(f"b2f(({v.y} == {TAG[KSTR]}.0) | ({v.y} == {TAG[KBOOL]}.0))")
        return xv, v.e, xk

    def _da_fits(self, array: ir.Node, include: ir.Node) -> bool:
        """Whether FILTER's condition has a row a row of the array, or a column a column."""
        from ._arrays import ArrayElements

        elements = ArrayElements(self.model.workbook)
        rows, cols = elements.shape(_read_part(array)) or (1, 1)
        fr, fc = elements.shape(_read_part(include)) or (1, 1)
        return (fc == 1 and fr == rows) or (fr == 1 and fc == cols)

    def _da_constant(self, node: ir.Node) -> list[list[object]] | None:
        """The cells of ``node``'s array where it is the same in every trial (numpy
        computes it once), else None."""
        from ...compiler import compile_formula
        from ...values import Grid

        if not self.is_constant(node):
            return None
        assert self.cell is not None
        compiled, info = compile_formula(node, self.cell)
        if info.unsupported or info.random_streams:
            return None
        got = compiled(self.env)
        if not isinstance(got, Grid):
            return [[got.scalar(0)]]
        return [[c.scalar(0) for c in row] for row in got.cells]

    def _da_if_empty(self, node: ir.Node, w: int) -> Val | list[Val]:
        """FILTER's if_empty: one value, or one row of ``w`` values (``HSTACK("","")``:
        numpy's result where nothing is kept is that row, read as an array)."""
        if isinstance(node, ir.Missing):
            return num("0.0", code(VALUE), (0.0, 0.0))   # #CALC!, kept as #VALUE!
        from ._arrays import ArrayElements

        shape = None if is_dynamic(node) else ArrayElements(self.model.workbook).shape(
            _read_part(node))
        if is_dynamic(node) or (shape is not None and shape != (1, w)):
            raise NotFusable("FILTER with an array if_empty other than one row as wide")
        row = self._da_values(node)[0] if shape is not None else [self.expr(node)]
        if any(v.kind == KDYN for v in row):
            raise NotFusable("FILTER with an if_empty of text made per trial")
        return row if shape is not None else row[0]

    def _da_flag(self, node: ir.Node, name: str) -> bool:
        """UNIQUE's by_col/exactly_once, SORT's by_col: the same in every trial."""
        if isinstance(node, ir.Missing):
            return False
        if not self.is_constant(node):
            raise NotFusable(f"{name} with a mode that varies per trial")
        v = self.as_condition(self.expr(node))
        if v.e != "0" or v.lo != v.hi:
            raise NotFusable(f"{name} with a mode that is not a logical")
        return v.lo != 0.0

    def _da_unique(self, node: ir.Call, keys: bool = False) -> Dyn:
        """engine.functions.dynamic.unique for one trial (``keys``: with the keys of its
        rows, the source's, for SORT of it)."""
        if not 1 <= len(node.args) <= 3:
            raise NotFusable("UNIQUE with a wrong number of arguments")
        args = [*node.args, ir.Missing(), ir.Missing()]
        by_col, once = self._da_flag(args[1], "UNIQUE"), self._da_flag(args[2], "UNIQUE")
        mapped = None if by_col else _sorted_map(args[0])
        if is_dynamic(args[0]):
            if by_col:
                raise NotFusable("UNIQUE by columns of a FILTER/UNIQUE/SORT result")
            src = self.dyn(args[0], keys=True)
        elif mapped is not None:
            src = self._da_sorted_map(*mapped)
        else:
            src = self._da_source(args[0], by_col, True)
        d = Dyn("", "", "", "", "", src.cap, src.w, 1, src.kinds, src.dom, src.lo, src.hi,
                by_col)
        ov, oe, ot, _ = self._da_new(d)
        n = self.value(f"da_unique({src.v}, {src.e}, {src.t}, {src.k}, {src.n}, {src.w}, "
                       f"{'True' if once else 'False'}, {ov}, {oe}, {ot})")
        kinds = src.kinds if not once else tuple(sorted({*src.kinds, KNUM}, key=TAG.get))
        ok = ""
        if keys:   # the same rows picked (the same keys compared): of the keys
            ok, ke, kt, _ = self._da_new(d)
            self.value(f"da_unique({src.k}, {src.e}, {src.t}, {src.k}, {src.n}, {src.w}, "
                       f"{'True' if once else 'False'}, {ok}, {ke}, {kt})")
        return Dyn(ov, oe, ot, ok, n, src.cap, src.w, 1, kinds, src.dom, src.lo, src.hi,
                   by_col, once or src.may_empty, src.dcols, dsrc=src.dsrc, fill=src.fill)

    def _da_sorted_map(self, sort: ir.Call, mapped: ir.Node) -> Dyn:
        """f(SORT(x), ...) read whole (``UNIQUE(TEXT(SORT(T[Date]),"mmmm"))``), ``mapped``
        being f(x, ...): x's rows mapped (text made per trial included, with its keys), taken
        in the order SORT puts x's rows in (engine.functions.arrays.sort of x, then the map
        element by element): the row numbers sorted on x's keys, x's classes (da_sort),
        then the mapped rows taken in that order (da_take)."""
        args = [*sort.args, *([ir.Missing()] * 3)]
        if self._da_flag(args[3], "SORT") or self._da_constant_int(
                args[1], 1, "SORT's sort_index") != 1:
            raise NotFusable("a map of a SORT by columns or on another column")
        order = self._da_constant_int(args[2], 1, "SORT's sort_order")
        if order not in (1, -1):
            raise NotFusable("SORT with a sort_index or sort_order that is #VALUE!")
        x = self._da_source(args[0], False, True)
        src = self._da_source(mapped, False, True)
        if x.w != 1 or src.w != 1 or x.cap != src.cap:
            raise NotFusable("a map of a SORT of several columns")
        rows = self.scratch(x.cap)
        self._da_column(rows, [lit(float(i)) for i in range(x.cap)])
        pos, pe, pt, pk = self._da_new(x, keys=True)
        n = self.value(f"da_sort({rows}, {x.e}, {x.t}, {x.k}, {x.n}, 1, 0, "
                       f"{'True' if order < 0 else 'False'}, {pos}, {pe}, {pt}, {pk})")
        ov, oe, ot, ok = self._da_new(src, keys=True)
        self.value(f"da_take({src.v}, {src.e}, {src.t}, {pos}, {n}, 1, {ov}, {oe}, {ot})")
        ke, kt, _, _ = self._da_new(src)
        self.value(f"da_take({src.k}, {src.e}, {src.t}, {pos}, {n}, 1, {ok}, {ke}, {kt})")
        return replace(src, v=ov, e=oe, t=ot, k=ok, n=n)

    def _da_sort(self, node: ir.Call) -> Dyn:
        """engine.functions.arrays.sort for one trial: one sort column, ascending or
        descending."""
        if not 1 <= len(node.args) <= 4:
            raise NotFusable("SORT with a wrong number of arguments")
        args = [*node.args, *([ir.Missing()] * 3)]
        by_col = self._da_flag(args[3], "SORT")
        index = self._da_constant_int(args[1], 1, "SORT's sort_index")
        order = self._da_constant_int(args[2], 1, "SORT's sort_order")
        if is_dynamic(args[0]):
            if by_col:
                raise NotFusable("SORT by columns of a FILTER/UNIQUE/SORT result")
            src = self.dyn(args[0], keys=True)
        else:
            src = self._da_source(args[0], by_col, True)
        if order not in (1, -1) or not 1 <= index <= src.w:
            raise NotFusable("SORT with a sort_index or sort_order that is #VALUE!")
        d = Dyn("", "", "", "", "", src.cap, src.w, src.least, src.kinds, src.dom, src.lo,
                src.hi, by_col)
        ov, oe, ot, ok = self._da_new(d, keys=True)
        n = self.value(f"da_sort({src.v}, {src.e}, {src.t}, {src.k}, {src.n}, {src.w}, "
                       f"{index - 1}, {'True' if order < 0 else 'False'}, {ov}, {oe}, {ot}, "
                       f"{ok})")
        return Dyn(ov, oe, ot, ok, n, src.cap, src.w, src.least, src.kinds, src.dom, src.lo,
                   src.hi, by_col, src.may_empty, src.dcols, dsrc=src.dsrc, fill=src.fill,
                   columns=src.columns if not src.may_empty else ())   # the rows reordered

    def _da_constant_int(self, node: ir.Node, default: int, what: str) -> int:
        if isinstance(node, ir.Missing):
            return default
        if not self.is_constant(node):
            raise NotFusable(f"{what} that varies per trial")
        v = self.number(node)
        if v.e != "0" or v.lo != v.hi:
            raise NotFusable(f"{what} that is not a number")
        return int(v.lo)

    def _da_ifs(self, node: ir.Call) -> Dyn:
        """SUMIF/COUNTIF/AVERAGEIF(range, array of criteria[, sum range]): one result a
        criterion (engine.functions.stats._conditional mapped over the criteria)."""
        name = node.name
        if len(node.args) > (2 if name == "COUNTIF" else 3):
            raise NotFusable(f"{name} with a wrong number of arguments")
        rng = node.args[0]
        if not isinstance(rng, ir.Area):
            raise NotFusable(f"{name} over something other than a range")
        fixed = self._da_constant(node.args[1])
        if fixed is not None:   # criteria the same every trial: one ordinary SUMIF each
            if any(len(row) != 1 for row in fixed):
                raise NotFusable(f"{name} with criteria of several columns")
            calls = [ir.Call(name, (rng, _literal(row[0]), *node.args[2:])) for row in fixed]
            self.array_ir.extend(calls)
            return self._da_fill([[self.expr(c)] for c in calls], False)
        crit = self.dyn(node.args[1])
        if KSTR in crit.kinds or crit.w != 1:
            raise NotFusable(f"{name} with an array of text criteria or of several columns")
        target = node.args[2] if len(node.args) > 2 else rng
        if isinstance(target, ir.Missing):
            target = rng
        if not isinstance(target, ir.Area):
            raise NotFusable(f"{name} with a sum range that is not a range")
        if target.declared_shape != rng.declared_shape or target.shape != rng.shape:
            # numpy resizes the sum range, or answers #VALUE!: not written here
            raise NotFusable(f"{name} with a sum range of another size")
        cells = [self.operand(c) for row in rng.cells() for c in row]
        m = len(cells)
        rv, re_, rt, rx = (self.scratch(m) for _ in range(4))
        xs: list[str] = []
        for v in cells:
            if v.kind == KDYN or (v.kind == KANY and KSTR in v.kinds):
                raise NotFusable(f"{name} over text that varies per trial")
            x = "np.nan"
            if v.kind == KSTR:
                if v.dom is None or len(v.dom) != 1:
                    raise NotFusable(f"{name} over text that varies per trial")
                got = parse_number(self.strings[v.dom[0]])
                x = "np.nan" if got is None else lit(got)
            xs.append(x)
        for z, col in ((rv, [v.v for v in cells]), (re_, [v.e for v in cells]),
                       (rt, [v.tag() for v in cells]), (rx, xs)):
            self._da_column(z, col)
        if _IFS[name] == IF_COUNT:
            sv, se, st = rv, re_, rt
        else:
            vals = [self.operand(c) for row in target.cells() for c in row]
            src = self._da_fill([vals], False)
            sv, se, st = src.v, src.e, src.t
        d = Dyn("", "", "", "", "", crit.cap, 1, crit.least, (KNUM,), None, -math.inf, math.inf)
        ov, oe, ot, _ = self._da_new(d)
        n = self.value(f"da_ifs({crit.v}, {crit.e}, {crit.t}, {crit.n}, {rv}, {re_}, {rt}, "
                       f"{rx}, {sv}, {se}, {st}, {lit(float(m))}, {_IFS[name]}, {ov}, {oe}, "
                       f"{ot})")
        lo, hi = (0.0, float(m)) if _IFS[name] == IF_COUNT else (-math.inf, math.inf)
        return Dyn(ov, oe, ot, "", n, crit.cap, 1, crit.least, (KNUM,), None, lo, hi,
                   crit.by_col)

    def _da_vstack(self, node: ir.Call) -> Dyn:
        """engine.functions.arrays.vstack of arrays one of which (at least) is dynamic: the
        rows of each, one after the other, a row narrower than the widest padded with #N/A
        (a FILTER's one value where it keeps nothing: one row of it); the keys are made from
        the values where read (da_rekey: the arrays' texts ranked together)."""
        parts = [self.dyn(a) for a in node.args if not isinstance(a, ir.Missing)]
        if not parts or any(d.by_col or (d.may_empty and d.w > 1 and not d.none)
                            for d in parts):
            raise NotFusable("VSTACK of a result by columns, or that may be one value")
        w = max(d.w for d in parts)
        pad = any(d.w < w or d.none for d in parts)
        kinds, dom, lo, hi = _summary(
            [Val("0.0", "0", KANY, d.lo, d.hi, d.dom, "0.0", d.kinds) for d in parts]
            + ([num("0.0", code(NA), (0.0, 0.0))] if pad else []))
        if any(KSTR in d.kinds and d.dom is None for d in parts):
            dom = None
        dcols = tuple(sorted({c for d in parts for c in d.dcols}))
        acc, rest = parts[0], parts[1:]
        if not rest:   # one array: as it is, a row of its one value padded
            rest = [replace(acc, n="0.0", none="", cap=0, least=0)]
        for d in rest:
            out = Dyn("", "", "", "", "", acc.cap + d.cap, w, acc.least + d.least,
                      kinds, dom, lo, hi, dcols=dcols)
            ov, oe, ot, _ = self._da_new(out)
            n = self.value(
                f"da_vstack({acc.v}, {acc.e}, {acc.t}, {acc.n}, {acc.w}, {acc.none or '0.0'}, "
                f"{d.v}, {d.e}, {d.t}, {d.n}, {d.w}, {d.none or '0.0'}, {w}, {ov}, {oe}, "
                f"{ot})")
            acc = replace(out, v=ov, e=oe, t=ot, n=n)
        return acc

    def _da_choose(self, node: ir.Call) -> Dyn:
        """engine.functions.lookup.choose over a row of choices {k1, k2, ..} (map_grid): one
        column per choice, its value's column (one column each; a FILTER that kept nothing
        one value, broadcast down), as many rows as the longest value, a row past any value
        of more than one row #N/A in every column (da_choose_col)."""
        picks = choose_columns(node)
        assert picks is not None
        parts = [self.dyn(_index_column(a)) for a in node.args[1:]]
        if any(d.by_col or d.w != 1 or d.dcols or d.dsrc for d in parts):   # (a FILTER that
            # kept nothing: one row, its one value, as numpy's 1 x 1 result broadcast)
            raise NotFusable("CHOOSE of a result of several columns, by columns or of text "
                             "made per trial")
        w = len(picks)
        kinds, dom, lo, hi = _summary(   # a FILTER that kept nothing: its one value (fill)
            [Val("0.0", "0", KANY, d.lo, d.hi, d.dom, "0.0",
                 tuple(sorted({*d.kinds, *d.fill}, key=TAG.get))) for d in parts])
        if any(KSTR in d.kinds and d.dom is None for d in parts):
            dom = None
        rows = [self.value(f"sel({d.none} != 0.0, 1.0, {d.n})") if d.none else d.n
                for d in parts]
        n, lim = rows[0], self.value(f"sel({rows[0]} == 1.0, 1e300, {rows[0]})")
        for r in rows[1:]:
            n = self.value(f"sel({r} > {n}, {r}, {n})")
            lim = self.value(f"sel({r} != 1.0 and {r} < {lim}, {r}, {lim})")
        cap = max(max(d.cap, 1) for d in parts)
        out = Dyn("", "", "", "", "", cap, w, 1, kinds, dom, lo, hi)
        ov, oe, ot, _ = self._da_new(out)
        for j, k in enumerate(picks):
            d = parts[k - 1]
            self.value(f"da_choose_col({d.v}, {d.e}, {d.t}, {rows[k - 1]}, {n}, {lim}, {j}, "
                       f"{w}, {ov}, {oe}, {ot})")
        return replace(out, v=ov, e=oe, t=ot, n=n)

    def _da_choosecols(self, node: ir.Call) -> Dyn:
        """engine.functions.arrays.choosecols of a dynamic result with column numbers the
        same in every trial (each within its width, else not fused): those columns, in that
        order (da_cols); where the result is one value (a FILTER that kept nothing) it stays
        one value, #VALUE! unless column 1 is picked first (numpy's 1-by-1 grid)."""
        d = self.dyn(node.args[0])
        if d.by_col or (d.may_empty and d.w > 1 and not d.none) or len(node.args) < 2:
            raise NotFusable("CHOOSECOLS of a result by columns or that may be one value")
        ks = [self._da_constant_int(a, 0, "CHOOSECOLS' column") for a in node.args[1:]]
        if any(k == 0 or abs(k) > d.w for k in ks):
            raise NotFusable("CHOOSECOLS of a column outside the result (#VALUE!)")
        picks = [k - 1 if k > 0 else d.w + k for k in ks]
        if d.dsrc and any(c in d.dcols for c in picks):
            raise NotFusable("CHOOSECOLS of text made per trial in a result")
        # one value (a FILTER that kept nothing) picked as 1 or -1 only: that value in each
        # column (a grid); else #VALUE!, one value
        pm1 = all(k in (1, -1) for k in ks)
        w = len(picks)
        kinds = d.kinds if pm1 or not d.none else tuple(sorted({*d.kinds, KNUM}, key=TAG.get))
        out = replace(d, k="", w=w, dcols=tuple(j for j, c in enumerate(picks) if c in d.dcols),
                      dsrc=(), kinds=kinds, fill=(), may_empty=d.may_empty and not pm1,
                      none="" if pm1 else d.none)
        ov, oe, ot, _ = self._da_new(out)
        off = self.table([float(c) for c in picks])   # type: ignore[attr-defined]
        n = self.value(f"da_cols({d.v}, {d.e}, {d.t}, {d.n}, {d.w}, {d.none or '0.0'}, kv, "
                       f"{off}.0, {w}, {float(pm1)!r}, {ov}, {oe}, {ot})")
        return replace(out, v=ov, e=oe, t=ot, n=n)

    def _da_iferror(self, node: ir.Call) -> Dyn:
        """IFERROR/IFNA(result, fallback) (engine.functions.logical.iferror of a Grid: cell
        by cell): an error of the result (FILTER's #CALC! where it kept nothing included)
        replaced by the fallback, one value the same for every element; the rows as the
        result's."""
        name = node.name
        value, fallback = node.args
        from ._arrays import ArrayElements

        if not isinstance(fallback, ir.Missing) and \
                ArrayElements(self.model.workbook).shape(fallback) is not None:
            raise NotFusable(f"{name} of a FILTER/UNIQUE/SORT result with an array fallback")
        d = self.dyn(value)
        if d.dcols:
            raise NotFusable(f"{name} of a FILTER/UNIQUE/SORT result of text made per trial")
        fb = num("0.0", "0", (0.0, 0.0)) if isinstance(fallback, ir.Missing) \
            else self.expr(fallback)
        if fb.kind == KDYN:
            raise NotFusable(f"{name} of a FILTER/UNIQUE/SORT result with a fallback of text "
                             "made per trial")
        kinds, dom, lo, hi = _summary([
            Val("0.0", "0", KANY, d.lo, d.hi, d.dom, "0.0", d.kinds), fb])
        if KSTR in d.kinds and d.dom is None:
            dom = None
        ov, oe, ot, _ = self._da_new(d)
        n = self.value(f"da_iferror({d.v}, {d.e}, {d.t}, {d.n}, {d.w}, "
                       f"{'1.0' if name == 'IFNA' else '0.0'}, {ov}, {oe}, {ot}, {fb.v}, "
                       f"{fb.e}, {fb.tag()})")
        return replace(d, v=ov, e=oe, t=ot, k="", n=n, kinds=kinds, dom=dom, lo=lo, hi=hi)

    def dyn_join(self, node: ir.Node, sep: str, ign: str) -> tuple[tuple, str, int] | None:
        """TEXTJOIN(sep, ign, result) of a FILTER/UNIQUE/SORT result joined by one runtime
        call (da_textjoin: its values this trial, text ids and numbers), however many rows
        it may have: _dtext's recipe ("djoin", ...), its error (da_error: the first of the
        values') and its most characters; None where the values are of other kinds (the
        elements one by one: dyn_join_items)."""
        d = self.dyn(node)
        if d.dcols or (d.w > 1 and (d.by_col or d.may_empty)):
            return None
        if not set(d.kinds) <= {KSTR, KNUM, KBLANK} or (KSTR in d.kinds and d.dom is None):
            return None
        texts = [self.strings[k] for k in d.dom] if KSTR in d.kinds and d.dom else []
        if any(not t.isascii() for t in (*texts, sep)):
            return None
        total = self._dyn_size(d)
        size = d.cap * d.w
        most = max([len(t) for t in texts] + [MAX_CHARS if KNUM in d.kinds else 0])
        chars = _join_chars(self, node)
        bound = size * most if chars is None else min(size * most, chars)
        bound += len(sep) * (size - 1)
        off, nids = (self._id_table(d.dom), max(d.dom) + 1) if texts else (0, 0)   # type: ignore[attr-defined]
        soff = self.table([float(ord(ch)) for ch in sep]) if sep else 0
        e = self.err(f"int(da_error({d.e}, {total}))")
        chars = frozenset("".join([*texts, sep])) | (_NUMBER_CHARS if KNUM in d.kinds
                                                     else frozenset())
        return ("djoin", d.v, d.e, d.t, total, off, nids, soff, len(sep), ign, bound, chars,
                (*texts, sep)), e, bound

    def dyn_join_items(self, node: ir.Node) -> list[tuple[Val, str]]:
        """The values of a result that TEXTJOIN joins, row by row: element k of the
        trial's rows, with whether the trial has it (1.0/0.0; its error only there)."""
        why = "TEXTJOIN of a FILTER/UNIQUE/SORT result"
        d = self.dyn(node)
        if d.dcols:
            raise NotFusable(why + " of text made per trial")
        if d.w > 1 and (d.by_col or d.may_empty):   # numpy's kept-nothing value is alone
            raise NotFusable(why + " of several columns, by column or that may be empty")
        if KSTR in d.kinds and d.dom is None:
            raise NotFusable(why + " of text that is not known")
        size = d.cap * d.w
        if size > MAX_PICK:
            raise NotFusable(why + f" of more than {MAX_PICK} values")
        total = self._dyn_size(d)
        out: list[tuple[Val, str]] = []
        for k in range(size):
            at = self._da_at(k)
            here = "1.0" if k < d.least * d.w else self.value(f"b2f({at} < {total})")
            o = self.value(f"da_pick({d.v}, {d.e}, {d.t}, {total}, 1, {at}, 0.0)")
            e = self.err(f"int({o}[1])" if here == "1.0" else f"int({here} * {o}[1])")
            if len(d.kinds) == 1 and d.kinds[0] == KSTR:   # an id of its texts where absent
                assert d.dom is not None
                v = self.value(f"sel({here} != 0.0, {o}[0], {float(d.dom[0])!r})")
                out.append((Val(v, e, KSTR, 0.0, 0.0, d.dom), here))
            elif len(d.kinds) == 1:
                kind = d.kinds[0]
                bounds = (d.lo, d.hi) if kind in (KNUM, KBOOL) else (0.0, 0.0)
                out.append((Val(f"{o}[0]", e, kind, *bounds), here))
            else:
                y = self.value(f"sel({here} != 0.0, {o}[2], {TAG[d.kinds[0]]}.0)")
                v = f"{o}[0]"
                if KSTR in d.kinds:
                    assert d.dom is not None
                    v = self.value(f"sel(({here} == 0.0) & ({y} == {TAG[KSTR]}.0), "
                                   f"{float(d.dom[0])!r}, {o}[0])")
                out.append((Val(v, e, KANY, d.lo, d.hi, d.dom if KSTR in d.kinds else None,
                                y, d.kinds), here))
        return out

    # ------------------------------------------------------------ readers
    def _dyn_size(self, d: Dyn) -> str:
        return d.n if d.w == 1 else self.value(f"{d.n} * {lit(float(d.w))}")

    @staticmethod
    def _da_as_array(name: str, d: Dyn) -> None:
        """Refuses a reader that numpy gives a FILTER's if_empty as one value (where it keeps
        nothing) when that value is text or a logical: SUM("none") is #VALUE!, not 0."""
        if set(d.fill) & {KSTR, KBOOL, KANY, KDYN}:
            raise NotFusable(f"{name} of a FILTER whose if_empty is text or a logical (read "
                             "as one value where it keeps nothing)")

    def _da_aggregate(self, name: str, d: Dyn) -> Val:
        if name != "COUNTA":
            self._da_as_array(name, d)
        out = self.value(f"da_agg({d.v}, {d.e}, {d.t}, {self._dyn_size(d)}, {_AGGS[name]})")
        e = self.err(f"int({out}[1])")
        size = float(d.cap * d.w)
        if name in ("COUNT", "COUNTA"):
            bounds: iv.Interval = (0.0, size)
        elif name in ("MIN", "MAX") and iv.bounded((d.lo, d.hi)):
            bounds = iv.union([(d.lo, d.hi), (0.0, 0.0)])
        elif _AGGS[name] >= VAR_S:
            bounds = (0.0, math.inf)
        else:
            bounds = iv.UNKNOWN
        return num(self.value(f"{out}[0]"), e, bounds)

    def _da_kth(self, d: Dyn, k: Val, large: str) -> Val:
        """stats._order_stat: k's error, the array's first error, then #NUM! for a k
        outside 1 .. the count of its numbers."""
        self._da_as_array("LARGE/SMALL", d)
        z = self.scratch(max(d.cap * d.w, 1))
        kk = self.value(f"np.ceil({k.v} - 1e-12 * abs({k.v}))")
        out = self.value(f"da_kth({d.v}, {d.e}, {d.t}, {self._dyn_size(d)}, {z}, {kk}, {large})")
        bad = self.value(f"({kk} < 1.0) | ({kk} > {out}[2])")
        e = self.err(self.chain([k.e, self.err(f"int({out}[1])")], [(bad, NUM)]))
        bounds = iv.make(d.lo, d.hi) if iv.bounded((d.lo, d.hi)) else iv.UNKNOWN
        return num(self.value(f"{out}[0]"), e, bounds)

    def _da_pick(self, d: Dyn, r: str, c: str, errs: Sequence[str] = (),
                 column: int | None = None) -> Val:
        """The value at row ``r``, column ``c`` (0-based expressions); ``column``: c's
        value where it is known, its column's kinds then the value's (Dyn.columns)."""
        out = self.value(f"da_pick({d.v}, {d.e}, {d.t}, {d.n}, {d.w}, {r}, {c})")
        e = self.err(self.chain([*errs, self.err(f"int({out}[1])")]))
        v = self.value(f"{out}[0]")
        kinds, dom, lo, hi = d.kinds, d.dom, d.lo, d.hi
        if column is not None and d.columns and 0 <= column < len(d.columns):
            kinds, dom, lo, hi = d.columns[column]   # (past the columns: #REF!, any kind)
        if len(kinds) == 1:
            kind = kinds[0]
            bounds = (lo, hi) if kind in (KNUM, KBOOL) else (0.0, 0.0)
            return Val(v, e, kind, *bounds, dom=dom if kind == KSTR else None)
        return Val(v, e, KANY, lo, hi, dom if KSTR in kinds else None,
                   self.value(f"{out}[2]"), kinds)

    def _da_index(self, d: Dyn, idx: Sequence[ir.Node]) -> Val:
        """lookup.index of one value of the array: positions truncated, at least 1 in every
        trial; past the trial's rows (or columns) #REF!."""
        if any(isinstance(a, ir.Missing) or is_dynamic(a) for a in idx):
            raise NotFusable("INDEX of a FILTER/UNIQUE/SORT result with an empty position")
        texts = self._da_texts(d, 0) if d.w == 1 else None
        if d.dcols and texts is None:
            raise NotFusable("INDEX of a FILTER/UNIQUE/SORT result holding text made per trial")
        pos = [self.number(a) for a in idx]
        if d.by_col:
            raise NotFusable("INDEX of a FILTER result by columns")
        if len(pos) == 1:
            if d.w != 1:
                raise NotFusable("INDEX of a two-dimensional result without a column")
            pos.append(num("1.0", "0", (1.0, 1.0)))
        if not all(p.bounded and p.lo >= 1.0 for p in pos):
            raise NotFusable("INDEX with a position that may be 0 or negative")
        r = self.value(f"np.trunc({pos[0].v}) - 1.0")
        c = self.value(f"np.trunc({pos[1].v}) - 1.0")
        column = int(math.trunc(pos[1].lo)) - 1 if pos[1].lo == pos[1].hi and \
            pos[1].e == "0" and pos[1].kind in (KNUM, KBOOL) else None   # INDEX(.., 1): one
        got = self._da_pick(d, r, c, [pos[0].e, pos[1].e], column)   # column's kinds
        return got if texts is None else self._da_as_text(got, texts)

    def _da_match(self, node: ir.Call) -> Val:
        """MATCH(number or logical, array, 0): lookup._classic's exact mode."""
        mt = node.args[2] if len(node.args) > 2 else ir.Missing()
        if isinstance(mt, ir.Missing) or not self.is_constant(mt):
            raise NotFusable("MATCH of a FILTER/UNIQUE/SORT result other than exact")
        m = self.number(mt)
        if m.e != "0" or m.lo != m.hi or m.lo != 0.0:
            raise NotFusable("MATCH of a FILTER/UNIQUE/SORT result other than exact")
        d = self.dyn(node.args[1])
        if d.w != 1:
            raise NotFusable("MATCH in a two-dimensional FILTER/UNIQUE/SORT result")
        key = self.expr(node.args[0])
        if key.kind not in (KNUM, KBOOL, KBLANK):
            raise NotFusable("MATCH of a text key in a FILTER/UNIQUE/SORT result")
        out = self.value(f"da_match({d.v}, {d.e}, {d.t}, {d.n}, {key.v}, {key.tag()})")
        e = self.err(self.chain([key.e, self.err(f"int({out}[1])")]))
        return num(self.value(f"{out}[0]"), e, (1.0, float(max(d.cap, 1))))


# the names a family abstracts (_families' operands and temporaries): a spill reading the
# cells of another spill (CIR's MAP over A31#: v121, v122 ..) is one family too
_NAME = re.compile(r"\b([tfzkqvwxy])\d+\b")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(\.\d*)?(e[-+]?\d+)?")


def spill_lines(members: Sequence[list[str]]) -> int:
    """The lines the cells of a spill (each one's lines) will add to the kernel, as its line
    budget counts them: cells alike but for their position (numbers) and temporaries, at
    least FAMILY_MIN of them, are one family whose loop holds their lines once."""
    from ._families import FAMILY_MIN

    shapes: dict[tuple[str, ...], list[int]] = {}
    for lines in members:
        key = tuple(_NUMBER.sub("#", _NAME.sub(r"\1#", line)) for line in lines)
        shapes.setdefault(key, []).append(len(lines))
    return sum(sizes[0] if len(sizes) >= FAMILY_MIN else sum(sizes)
               for sizes in shapes.values())


def _run_lines(exprs: list[str], lits: list[bool]) -> int:
    """The lines of ``exprs`` stored a line each, runs of 3 or more of a literal a slice."""
    out, p = 0, 0
    while p < len(exprs):
        q = p + 1
        if lits[p]:
            while q < len(exprs) and exprs[q] == exprs[p]:
                q += 1
        out += 1 if q - p >= 3 else q - p
        p = q
    return out


def _still(lines: list[str], mark: tuple[int, str | None]) -> bool:
    """Whether the lines written up to ``mark`` (their number, the last) are still there."""
    end, last = mark
    return len(lines) >= end and (end == 0 or lines[end - 1] is last)


def _float(x: str) -> float:
    """The value of a literal of the generated code (``(-2.0)``, ``np.nan``)."""
    return math.nan if x == "np.nan" else float(x.strip("()"))


def _literal(x: object) -> ir.Node:
    """A criterion computed once, as the IR of that value (a blank is the number 0)."""
    if x is None:
        return ir.Num(0.0)
    if isinstance(x, ExcelError):
        return ir.Err(x.code)
    if isinstance(x, bool):
        return ir.Bool(x)
    if isinstance(x, str):
        return ir.Str(x)
    return ir.Num(float(x))   # type: ignore[arg-type]


def _join_chars(gen: DynArraysMixin, node: ir.Node) -> int | None:
    """The most characters of all the values of a FILTER/UNIQUE/SORT result together, as
    TEXTJOIN writes them (its rows are some of its source's, in some order): FILTER of
    constant cells (no errors), plus its if_empty, plus the fallback of IFERROR/IFNA (one
    value of the result at most is an error: FILTER's where it keeps nothing or a flag is
    one, UNIQUE's where it has none); None where not known."""
    if not isinstance(node, ir.Call) or not node.args:
        return None
    if node.name in ("UNIQUE", "SORT"):
        return _join_chars(gen, node.args[0])
    if node.name in ("IFERROR", "IFNA") and len(node.args) == 2:
        inner, fb = _join_chars(gen, node.args[0]), _one_chars(gen, node.args[1])
        return None if inner is None or fb is None else inner + fb
    if node.name != "FILTER" or len(node.args) < 2:
        return None
    cells = gen._da_constant(node.args[0])
    got = None if cells is None else [_chars(x) for row in cells for x in row]
    fill = _one_chars(gen, node.args[2]) if len(node.args) > 2 else 0
    if got is None or fill is None or any(g is None for g in got):
        return None
    return sum(got) + fill   # type: ignore[arg-type]


def _one_chars(gen: DynArraysMixin, node: ir.Node) -> int | None:
    """The characters of one constant value as text (an omitted one: 0), else None."""
    if isinstance(node, ir.Missing):
        return 0
    cells = gen._da_constant(node)
    if cells is None or len(cells) != 1 or len(cells[0]) != 1:
        return None
    return _chars(cells[0][0])


def _chars(x: object) -> int | None:
    """The characters of a constant value as TEXTJOIN writes it (None: an error)."""
    from ...values import format_number

    if isinstance(x, str):
        return len(x)
    if isinstance(x, bool):
        return 5
    if isinstance(x, float | int):
        return len(format_number(float(x)))
    return 0 if x is None else None


def _read_part(node: ir.Node) -> ir.Node:
    """``node`` with each range cut to the cells it reads (a range past the sheet's last
    row or column is read up to there, as numpy's Grid of it holds)."""
    if isinstance(node, ir.Area):
        return ir.Area(node.sheet, node.r1, node.c1, node.r2, node.c2)
    if isinstance(node, ir.Unary):
        return ir.Unary(node.op, _read_part(node.operand))
    if isinstance(node, ir.Binary):
        return ir.Binary(node.op, _read_part(node.left), _read_part(node.right))
    if isinstance(node, ir.Call):
        return ir.Call(node.name, tuple(_read_part(a) for a in node.args))
    return node


def _row_base(node: ir.Node) -> ir.Node | None:
    """The dynamic result whose rows ``node``'s are, one for one (through CHOOSECOLS, a
    comparison with one value, a sign, IFERROR); None where there is none."""
    while True:
        if isinstance(node, ir.Call) and node.name == "CHOOSECOLS" and node.args:
            node = node.args[0]
        elif isinstance(node, ir.Call) and node.name in ("IFERROR", "IFNA") and node.args:
            node = node.args[0]
        elif isinstance(node, ir.Unary) and node.op in ("-", "+"):
            node = node.operand
        elif isinstance(node, ir.Binary) and node.op in CMP_OPS and is_dynamic(node):
            node = node.left if is_dynamic(node.left) else node.right
        else:
            return node if is_dynamic(node) else None


def _sorted_map(node: ir.Node) -> tuple[ir.Call, ir.Node] | None:
    """An expression element by element of one SORT(x, ...) result and values without
    ranges (``TEXT(SORT(x),"mmmm")``, ``ROUND(SORT(x)/50,0)``: functions of one value,
    operators): (the SORT, the expression of x instead); else None."""
    if isinstance(node, ir.Call) and node.name == "SORT":
        return None
    return _map_of_sort(node)


def _map_of_sort(node: ir.Node) -> tuple[ir.Call, ir.Node] | None:
    from ._arrays import _ELEMENTWISE

    def plain(a: ir.Node) -> bool:   # one value: no range, no dynamic array
        return not any(isinstance(x, ir.Area) or is_dynamic(x) for x in ir.walk(a))

    if isinstance(node, ir.Call) and node.name == "SORT":
        return (node, node.args[0]) if node.args and not is_dynamic(node.args[0]) else None
    if isinstance(node, ir.Unary):
        got = _map_of_sort(node.operand)
        return None if got is None else (got[0], ir.Unary(node.op, got[1]))
    if isinstance(node, ir.Binary):
        for k, (a, b) in enumerate(((node.left, node.right), (node.right, node.left))):
            got = _map_of_sort(a)
            if got is not None and plain(b):
                pair = (got[1], b) if k == 0 else (b, got[1])
                return got[0], ir.Binary(node.op, *pair)
        return None
    if isinstance(node, ir.Call) and node.name in _ELEMENTWISE and node.args and \
            node.name not in ("IF", "IFS", "SWITCH") and all(plain(a) for a in node.args[1:]):
        got = _map_of_sort(node.args[0])
        return None if got is None else (got[0], ir.Call(node.name, (got[1], *node.args[1:])))
    return None


def _summary(vals: list[Val]) -> tuple[tuple[str, ...], tuple[int, ...] | None, float, float]:
    """The kinds ``vals`` take, their text ids (None: unknown), bounds of their numbers."""
    kinds: set[str] = set()
    ids: set[int] = set()
    known = True
    spans = []
    for v in vals:
        ks = v.kinds if v.kind == KANY else (v.kind,)
        kinds.update(ks)
        if KSTR in ks:
            if v.dom is None:
                known = False
            else:
                ids.update(v.dom)
        if KNUM in ks or KBOOL in ks:
            spans.append(v.iv)
    lo, hi = iv.union(spans) if spans else (0.0, 0.0)
    order = tuple(sorted(kinds, key=TAG.get))
    return order, (tuple(sorted(ids)) if known and ids else None), lo, hi


__all__ = ["DynArraysMixin", "DynAt", "PRODUCERS", "is_dynamic", "reads_dynamic", "spill_lines"]
