"""Dynamic text in the fused kernel: text made per trial from numbers that vary
(``A1&" units"``, ``UPPER(A1)``, ``LEFT(A1,3)``, ``LEN(A1&"")``, ``A1&""="3"``).

Text from constants is an id into the compile-time string table (:mod:`._text`); text made
from a varying number cannot be, so it is kept as a *recipe*: a small tree of constant
text, numbers (written in Excel's General format, :mod:`._decimal`), text ids, and the
text functions applied to them (``&``, CONCAT, CONCATENATE, UPPER, LOWER, TRIM, LEFT,
RIGHT, MID, REPT, SUBSTITUTE, REPLACE, IF, and TEXT: [$]0|#,##0[.0...][%] directly, any
other format the reference writes through a plan of the format, :mod:`._dtext_formats`).
Its error code is computed when the recipe is made (it never depends on the characters:
the length of every recipe is bounded by :data:`MAX_DYN`, far below Excel's 32,767, so no
text is ever too long; TEXT's #VALUE! for a date out of range is a check on the number).
Where characters are needed (LEN, FIND, SEARCH, comparisons) the recipe is written into a
scratch buffer by the helpers of :mod:`._dtext_rt`, whose operations mirror the numpy
library's: code points as Python's ``str`` counts them (LEN of an emoji is 1); the readers
that read any code point so say so (``write(d, unicode=True)``: LEN, EXACT, FIND, SEARCH,
UNICODE, comparisons, TEXTJOIN, TEXTBEFORE/AFTER), the others (VALUE, CODE, lookups,
criteria) read ASCII only; the case of other text comes from :mod:`._unicase`'s table, and
text whose case or folded form is not one character ("ß", final "Σ") is refused where its
case counts.

A cell whose value is dynamic text has kind :data:`._values.KDYN`: its recipe is kept by
the generator, in terms of names every segment can read (inputs, constants, other cells'
values) and of at most one computed value, which becomes the cell's own value ``v<k>``;
cells that read it re-make the text from the recipe.  A recipe of several computed values
is made again from the cell's formula by each cell that reads it.  Stored as an output it is text
(NaN and #VALUE! like every text output); a cell left to numpy that reads it makes the
generator leave it to numpy too (:class:`DynamicRead`).

VALUE, DATEVALUE, TIMEVALUE and NUMBERVALUE read any text made per trial as the reference
does (:mod:`._dvalue`, :mod:`._rt_dvalue`); an exact-match lookup (VLOOKUP/HLOOKUP/
MATCH/XLOOKUP/XMATCH) of a key made per trial looks up the id of the known text the key
equals (``dintern``).

An element of a FILTER/UNIQUE/SORT result of such text (a spill cell, INDEX of the result) is
the recipe ``("pick", row, texts)``: the text of the source's row the element holds (_dynarrays),
written once where the texts are one recipe but for their values (TEXT of each row's date: the
values picked by the row), else each written and the one picked kept (dpick, as IF).

Every kind of value reads as text where text is needed: a value whose kind varies per
trial (``IF(x>0,x,"n/a")&""``) is, per trial by its tag, its number in General format,
TRUE/FALSE, its text or "" (a blank); a constant error is that error.  T, N, CLEAN, ASC,
PROPER, TEXTJOIN, CONCAT of ranges, FIXED, DOLLAR, TEXTBEFORE/TEXTAFTER (one delimiter), the
byte-counting twins (LEFTB...), ISTEXT/ISERROR/... of text made per trial are made or read
here; a comparison with, or N/ISTEXT/... of, an IF of which one branch only is text made per
trial is split by branch; IF with a constant condition makes only the branch taken; a cell
that is text made per trial in some trials only, and that no cell reads, keeps only its
kind and error (an output stores text as #VALUE!).

The generator's ``expr`` asks :meth:`DynamicTextMixin.dynamic_site` about every call and
binary node: the cell's own formula, comparisons, LEN/VALUE/FIND/SEARCH/CODE/EXACT and the
lookups above are evaluated
the ordinary way first, and only where that meets dynamic text (:class:`DynamicText`)
again from recipes.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ... import ir
from ...functions._collation import runtime_orders
from ...values import NA, VALUE, format_number
from . import _intervals as iv
from ._decimal import MAX_CHARS
from ._unicase import refuse_case, refuse_fold, refuse_search
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
    is_constant_error,
    lit,
)

if TYPE_CHECKING:
    from ...workbook import CellRef

MAX_DYN = 1024         # characters of one dynamic text (beyond: not fused)
MAX_REMAKE = 300       # lines a cell may spend making again the text of a cell it reads
_CMP = {"=": "==", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_MAKERS = frozenset({"CONCAT", "CONCATENATE", "UPPER", "LOWER", "TRIM", "LEFT", "RIGHT",
                     "MID", "REPT", "IF", "SUBSTITUTE", "REPLACE", "TEXT", "LEFTB", "RIGHTB",
                     "MIDB", "REPLACEB", "T", "CLEAN", "ASC", "TEXTJOIN", "PROPER",
                     "TEXTBEFORE", "TEXTAFTER", "FIXED", "DOLLAR", "VALUETOTEXT",
                     "HYPERLINK"})
# the byte-counting functions are their character-counting twins (engine.functions.charcodes)
_BYTES = {"LENB": "LEN", "LEFTB": "LEFT", "RIGHTB": "RIGHT", "MIDB": "MID", "FINDB": "FIND",
          "SEARCHB": "SEARCH", "REPLACEB": "REPLACE"}
_READERS = frozenset({"LEN", "VALUE", "DATEVALUE", "TIMEVALUE", "NUMBERVALUE",
                      "FIND", "SEARCH", "CODE", "EXACT", "VLOOKUP", "HLOOKUP",
                      "MATCH", "XLOOKUP", "XMATCH", "ISTEXT", "ISNUMBER", "ISLOGICAL", "ISBLANK",
                      "ISNONTEXT", "ISERROR", "ISERR", "ISNA", "N", "LENB", "FINDB", "SEARCHB",
                      "UNICODE"})
# exact-match lookups of a key made per trial: the argument giving the match mode, and the
# constant values of it that mean an exact match (None: omitted)
_EXACT_MODE = {"VLOOKUP": (3, (0.0,)), "HLOOKUP": (3, (0.0,)), "MATCH": (2, (0.0,)),
               "XLOOKUP": (4, (None, 0.0)), "XMATCH": (2, (None, 0.0))}
_NO_MATCH = "\x00(text made per trial, in no lookup range)"
_CELL_LEVEL = re.compile(r"^(?:[vxk]\d+|\(?-?\d[\d.e+-]*\)?)$")
_SELF = "@"            # a stored recipe's own computed value: the cell's v<k>
_UNREAD = "\x00(text made per trial that no cell reads)"
# what a cell of mixed kind may not hold to be made again by its readers (differs there)
_NOT_REMADE = frozenset({"ROW", "COLUMN", "ROWS", "COLUMNS", "RAND", "RANDBETWEEN",
                         "RANDARRAY", "NOW", "TODAY", "CELL", "INFO", "INDIRECT", "OFFSET",
                         "FORMULATEXT", "ISFORMULA", "ISREF", "SHEET", "SHEETS"})
_RANDOM = frozenset({"RAND", "RANDBETWEEN", "RANDARRAY"})
# selectors whose arguments from this one on are values chosen (the cell's value)
_BRANCHES = {"IF": 1, "IFERROR": 0, "IFNA": 0, "CHOOSE": 1}


class DynamicText(NotFusable):
    """Text made per trial met where only table text is handled (the dynamic path may)."""


class DynamicRead(Exception):
    """Cells of dynamic text that the numpy part reads: generate again without them."""

    def __init__(self, cells: set[CellRef]) -> None:
        super().__init__(f"{len(cells)} cells of dynamic text read by numpy")
        self.cells = cells


@dataclass(frozen=True)
class Dyn:
    """A dynamic text: its recipe, error code expression and most characters."""

    r: tuple
    e: str
    bound: int


class DynamicTextMixin:
    """Dynamic text of the Generator (see the module docstring)."""

    if TYPE_CHECKING:  # provided by the Generator and TextMixin
        cells: dict[CellRef, Val]
        cell: CellRef | None
        scratches: dict[str, int]
        lines: list[str]
        model: Any
        program: Any
        strings: list[str]
        override: dict[int, Val]

        def string_id(self, s: str) -> int: ...
        def operand(self, c: CellRef) -> Val: ...
        def area_cells(self, a: ir.Area) -> list[CellRef]: ...

        def value(self, expr: str) -> str: ...
        def err(self, expr: str) -> str: ...
        def chain(self, errs: list[str], checks: Sequence[tuple[str, int] | None] = ()) -> str: ...
        def expr(self, node: ir.Node) -> Val: ...
        def by_kind(self, a: Val, fn: Callable[[Val], Val]) -> Val: ...
        def variant(self, a: Val, kind: str) -> Val: ...
        def condition(self, node: ir.Node | None) -> Val: ...
        def is_constant(self, node: ir.Node) -> bool: ...
        def scratch(self, size: int) -> str: ...
        def table(self, values: Sequence[float]) -> int: ...
        def tabulate(self, vals: Sequence[Val], fn: Callable[[list[Any]], Any], what: str,
                     chained: Sequence[bool] | None = None) -> Val: ...

    dyn_skip: set[CellRef]   # cells not to make dynamic text of (set by generate())

    # ------------------------------------------------------------ where it enters
    def dynamic_site(self, node: ir.Node) -> bool:
        """Whether ``expr`` should evaluate ``node`` through :meth:`dynamic_expr`."""
        if id(node) in self._dyn_busy:
            return False
        if isinstance(node, ir.Binary):
            return node.op in _CMP or self._is_top(node)
        if isinstance(node, ir.Call):
            return node.name in _READERS or self._is_top(node)
        if isinstance(node, ir.Ref):   # =B13, a copy of a cell's text made per trial
            return self._is_top(node)
        return False

    def _is_top(self, node: ir.Node) -> bool:
        return self.cell is not None and node is self.model.code(self.cell).node

    @property
    def _dyn_busy(self) -> set[int]:
        got = self.__dict__.get("_dyn_busy_ids")
        if got is None:
            got = self.__dict__["_dyn_busy_ids"] = set()
        return got

    @property
    def dyn_recipes(self) -> list[tuple]:
        got = self.__dict__.get("_dyn_recipes")
        if got is None:
            got = self.__dict__["_dyn_recipes"] = []
        return got

    def dynamic_expr(self, node: ir.Node) -> Val:
        """``node`` the ordinary way, else (it met dynamic text) from recipes."""
        mark = len(self.lines)
        self._dyn_busy.add(id(node))
        try:
            return self.expr(node)
        except DynamicText:
            del self.lines[mark:]
        finally:
            self._dyn_busy.discard(id(node))
        try:
            return self._dynamic(node)
        except DynamicText as exc:   # no further dynamic path above this one
            raise NotFusable(str(exc)) from None

    def _dynamic(self, node: ir.Node) -> Val:
        if isinstance(node, ir.Binary) and node.op in _CMP:
            return self._compare(node)
        if isinstance(node, ir.Call) and node.name in _READERS:
            return getattr(self, "_read_" + node.name.lower())(node)
        chosen = _constant_branch(self, node)
        if chosen is not None:   # IF(TRUE(), x, text made per trial): only x is computed
            return self.dynamic_expr_of(chosen)
        if self.cell in getattr(self, "dyn_skip", ()):
            raise NotFusable("text made per trial, read by a cell left to numpy")
        return self._cell_value(node)

    def _cell_value(self, node: ir.Node) -> Val:
        """A cell's formula that makes text per trial: its dynamic text, or, where it is
        text in some trials only (``IF(x>0,x,LEFT(y,2))``) and no cell reads it, its kind
        and error alone (:meth:`_kind_only`)."""
        try:
            return self.dyn_cell(self.recipe(node, coerce=False))
        except NotFusable:
            if self._unread():
                return self._kind_only(node)
            if not self._mixed_readable(node):
                raise
        got = self._kind_only(node)
        assert self.cell is not None
        self.dyn_mixed[self.cell] = node   # its readers make it again from its formula
        return got

    # ------------------------------------------------------------ cells of mixed kind
    @property
    def dyn_mixed(self) -> dict[CellRef, ir.Node]:
        """Cells that hold text made per trial in some trials only (their value keeps
        their kind and error): each one's formula, which the cells reading it evaluate
        again where they need its text or its number (:meth:`mixed_formula`)."""
        got = self.__dict__.get("_dyn_mixed")
        if got is None:
            got = self.__dict__["_dyn_mixed"] = {}
        return got

    def _mixed_readable(self, node: ir.Node) -> bool:
        """Whether cells may read the current cell of mixed kind by making its formula
        again: no INDIRECT/OFFSET in the program (they would read its value), nothing in
        the formula that differs where it is evaluated again (ROW(), RAND()...)."""
        self._unread()   # finds which cells the program reads (None: it may read any)
        if self.__dict__.get("_dyn_read") is None:
            return False
        return not (ir.calls(node) & _NOT_REMADE)

    def mixed_formula(self, node: ir.Node) -> ir.Node:
        """``node``, or where it references a cell of mixed kind, that cell's formula; an
        IFERROR/IFNA of it as IF(ISERROR(x), y, x) (so that the readers split it by
        branch)."""
        while isinstance(node, ir.Ref) and node.cell in self.dyn_mixed:
            node = self.dyn_mixed[node.cell]
        if isinstance(node, ir.Call) and node.name in ("IFERROR", "IFNA") \
                and len(node.args) == 2 \
                and not any(isinstance(a, ir.Area | ir.Missing) for a in node.args):
            # keyed by id(node), the node kept beside its IF: a node made for one use and
            # freed would leave its id to the next one, which then took its IF (8a05298)
            made = self.__dict__.setdefault("_dyn_as_if", {})
            got = made.get(id(node))
            if got is None or got[0] is not node:
                x, y = node.args
                test = "ISERROR" if node.name == "IFERROR" else "ISNA"
                got = made[id(node)] = (node, ir.Call("IF", (ir.Call(test, (x,)), y, x)))
            node = got[1]
        return node

    def by_branches(self, node: ir.Node, leaf: Callable[[ir.Node], Val]) -> Val | None:
        """``node`` (a cell of mixed kind, IF/CHOOSE/IFERROR/IFNA choosing values of
        which some are text made per trial) evaluated with ``leaf`` of each value it
        chooses (a number for arithmetic...): None where it is not such a choice."""
        node = self.mixed_formula(node)
        if not isinstance(node, ir.Call) or node.name not in ("IF", "CHOOSE") \
                or any(isinstance(a, ir.Area) for a in node.args) \
                or (node.name == "IF" and not 2 <= len(node.args) <= 3):
            return None
        keys: list[int] = []
        try:
            for j, a in enumerate(node.args):
                if j >= _BRANCHES[node.name] and not isinstance(a, ir.Missing) \
                        and id(a) not in self.override:
                    self.override[id(a)] = leaf(a)
                    keys.append(id(a))
            self._dyn_busy.add(id(node))
            return self.expr(node)
        finally:
            self._dyn_busy.discard(id(node))
            for k in keys:
                self.override.pop(k, None)

    def _unread(self) -> bool:
        """Whether no cell of the program reads the current cell (none can: no INDIRECT
        or OFFSET anywhere in it)."""
        got = self.__dict__.get("_dyn_read")
        if got is None:
            got = set()
            for c in self.program.steps:
                cc = self.model.code(c)
                got.update(cc.deps)
                if cc.node is not None and ir.calls(cc.node) & {"INDIRECT", "OFFSET"}:
                    got = None
                    break
            self.__dict__["_dyn_read"] = got
        return got is not None and self.cell not in got

    def _kind_only(self, node: ir.Node) -> Val:
        """The value of a cell no cell reads (an output): where it is text made per trial,
        a text whose characters are never made (its kind and error code are all an output
        keeps of text); IF/IFERROR/IFNA/CHOOSE branches each so."""
        mark = len(self.lines)
        busy = self._is_top(node) and id(node) not in self._dyn_busy
        if busy:   # the cell's formula the ordinary way (not through dynamic_expr again)
            self._dyn_busy.add(id(node))
        try:
            return self.expr(node)
        except DynamicText:
            del self.lines[mark:]
        finally:
            if busy:
                self._dyn_busy.discard(id(node))
        if isinstance(node, ir.Ref) and node.cell in self.dyn_mixed:
            return self.cells[node.cell]   # a cell of mixed kind: its kind and error
        branches = _BRANCHES.get(node.name) if isinstance(node, ir.Call) else None
        if branches is None:
            d = self.recipe(node, coerce=False)
            k = self.string_id(_UNREAD)
            return Val(lit(float(k)), d.e, KSTR, float(k), float(k), (k,))
        assert isinstance(node, ir.Call)
        keys: list[int] = []
        try:
            for j, a in enumerate(node.args):
                if j >= branches and not isinstance(a, ir.Missing | ir.Area) \
                        and id(a) not in self.override:
                    self.override[id(a)] = self._kind_only(a)
                    keys.append(id(a))
            if busy:
                self._dyn_busy.add(id(node))
            return self.expr(node)
        finally:
            if busy:
                self._dyn_busy.discard(id(node))
            for k in keys:
                self.override.pop(k, None)

    def dynamic_expr_of(self, node: ir.Node) -> Val:
        """The cell's value ``node`` (a part of its formula): the ordinary way, else as
        text made per trial."""
        mark = len(self.lines)
        try:
            return self.expr(node)
        except DynamicText:
            del self.lines[mark:]
        chosen = _constant_branch(self, node)
        if chosen is not None:
            return self.dynamic_expr_of(chosen)
        if self.cell in getattr(self, "dyn_skip", ()):
            raise NotFusable("text made per trial, read by a cell left to numpy")
        try:
            return self._cell_value(node)
        except DynamicText as exc:
            raise NotFusable(str(exc)) from None

    # ------------------------------------------------------------ cells of dynamic text
    def dyn_cell(self, d: Dyn) -> Val:
        """A cell's value of dynamic text.  Its recipe is kept with its one computed value
        (if any) as the cell's own value; a recipe of several computed values is kept as
        the cell's formula, made again by each cell that reads it."""
        own = sorted({x for x in _leaves(d.r) if not _CELL_LEVEL.match(x)})
        if len(own) > 1:
            assert self.cell is not None
            self.dyn_recipes.append(("formula", self.cell))
            v = "0.0"
        else:
            v = own[0] if own else "0.0"
            self.dyn_recipes.append(_substitute(d.r, {v: _SELF}) if own else d.r)
        return Val(v, d.e, KDYN, 0.0, 0.0, (len(self.dyn_recipes) - 1, d.bound))

    def _cell_dyn(self, v: Val) -> Dyn:
        assert v.dom is not None
        idx, bound = v.dom
        r = self.dyn_recipes[idx]
        if r[0] not in ("formula", "element"):
            return Dyn(_substitute(r, {_SELF: v.v}), v.e, bound)
        saved, mark = self.cell, len(self.lines)
        self.cell = r[1]   # its formula in its own context (ROW(), constants folded there)
        try:   # ("element", anchor, node): an array formula's element (_array_dtext)
            node = r[2] if r[0] == "element" else self.model.code(r[1]).node
            d = self.recipe(node, coerce=False)
        finally:
            self.cell = saved
        if len(self.lines) - mark > MAX_REMAKE:
            raise NotFusable("reads text made per trial that takes too long to make again")
        return Dyn(d.r, v.e, d.bound)

    # ------------------------------------------------------------ recipes
    def recipe(self, node: ir.Node | None, coerce: bool) -> Dyn:
        """The dynamic text of ``node``; ``coerce``: a number or logical read as text (an
        argument of a text function), else only text is (a cell's value, a comparison)."""
        if node is None or isinstance(node, ir.Missing):
            if not coerce:
                raise NotFusable("an empty argument where text is needed")
            return Dyn(("c", ""), "0", 0)
        if isinstance(node, ir.Ref):
            if node.cell in self.dyn_mixed:   # a cell of mixed kind: made again
                return self.recipe(self.mixed_formula(node), coerce)
            got = self.cells.get(node.cell)
            if got is not None and got.kind == KDYN:
                return self._cell_dyn(got)
        if isinstance(node, ir.Binary) and node.op == "&":
            return _join([self.recipe(node.left, True), self.recipe(node.right, True)],
                         self.chain)
        if isinstance(node, ir.Call) and node.name in _MAKERS and not self._constant(node):
            return self._make(node, coerce)
        if isinstance(node, ir.Call) and node.name == "LET":
            return self._let(node, coerce)
        busy = self._is_top(node) and id(node) not in self._dyn_busy
        if busy:   # the cell's formula, evaluated the ordinary way (not through here again)
            self._dyn_busy.add(id(node))
        mark = len(self.lines)
        try:
            v = self.expr(node)
        except DynamicText as exc:
            if not (isinstance(node, ir.Call) and node.name in ("IFERROR", "IFNA")):
                raise NotFusable(str(exc)) from None
            del self.lines[mark:]
            return self._iferror(node, coerce)
        finally:
            if busy:
                self._dyn_busy.discard(id(node))
        return self.as_dyn(v, coerce)

    def _let(self, node: ir.Call, coerce: bool) -> Dyn:
        """LET whose body makes text per trial (``LET(camp,$D11&"",...,"Week "&WEEKNUM(d))``):
        the recipe of its body with every name bound to its value's IR (one node for every
        use, made where it is read: LET's values are pure, so each use is the same value);
        refused where a value draws at random (each use would draw again)."""
        from ._let_refs import let_body

        if ir.calls(node) & _RANDOM:
            raise NotFusable("LET drawing at random, with text made per trial")
        return self.recipe(let_body(node), coerce)

    def _iferror(self, node: ir.Call, coerce: bool) -> Dyn:
        """IFERROR/IFNA (functions.logical) of text made per trial: the fallback's text and
        error where the value is an error (IFNA: #N/A), else the value's text."""
        if len(node.args) != 2 or any(isinstance(a, ir.Area) for a in node.args):
            raise NotFusable(f"{node.name} of a range or a wrong number of arguments, "
                             "with text made per trial")
        d = self.recipe(node.args[0], coerce)
        if d.e == "0":   # never an error: the value alone
            return d
        f = self.recipe(node.args[1], coerce)
        na = node.name == "IFNA"
        m = self.value(f"b2f({d.e} == {NA})" if na else f"b2f({d.e} != 0)")
        e = self.err(f"sel({m} != 0.0, {f.e}, {d.e if na else 0})")
        return Dyn(("if", m, f.r, d.r), e, max(d.bound, f.bound))

    def _constant(self, node: ir.Node) -> bool:
        return self.is_constant(node)

    def as_dyn(self, v: Val, coerce: bool) -> Dyn:
        """An ordinary value as dynamic text."""
        if v.kind == KDYN:
            return self._cell_dyn(v)
        if v.kind == KSTR:
            assert v.dom is not None
            texts = [self.strings[k] for k in v.dom]
            if len(v.dom) == 1:
                return Dyn(("c", texts[0]), v.e, len(texts[0]))
            return Dyn(("s", v.v, tuple(v.dom)), v.e, max(len(t) for t in texts))
        if v.constant_error:
            return Dyn(("c", ""), v.e, 0)   # an error in every trial: its text is never read
        if not coerce:
            raise NotFusable("a value that is not text where text is needed")
        if v.kind == KANY:
            return self._any_dyn(v)
        if v.kind == KBLANK:
            return Dyn(("c", ""), v.e, 0)
        if v.kind == KBOOL:
            if v.lo == v.hi:
                s = "TRUE" if v.lo else "FALSE"
                return Dyn(("c", s), v.e, len(s))
            return self.as_dyn(self.tabulate([v], _as_text, "a logical as text"), coerce)
        if v.lo == v.hi and iv.bounded(v.iv):
            s = format_number(float(v.lo))
            return Dyn(("c", s), v.e, len(s))
        return Dyn(("n", v.v), v.e, MAX_CHARS)

    def _items(self, args: Sequence[ir.Node]) -> list[Dyn]:
        """The texts of the values of ``args``, ranges row by row (CONCAT, TEXTJOIN)."""
        out: list[Dyn] = []
        for a in args:
            if isinstance(a, ir.Area):
                cells = self.area_cells(a)
                if len(cells) > 64:
                    raise NotFusable("a range of more than 64 cells joined as text made per trial")
                out += [self.as_dyn(self._joined_cell(c), True) for c in cells]
            else:
                out.append(self.recipe(a, True))
        return out

    def _join_items(self, args: Sequence[ir.Node]) -> tuple[list[Dyn], list[str]]:
        """TEXTJOIN's texts (as _items), with whether each is there per trial ("1.0", or
        a flag: the elements of a FILTER/UNIQUE/SORT result, _dynarrays.dyn_join_items)."""
        from ._dynarrays import is_dynamic

        items: list[Dyn] = []
        here: list[str] = []
        for a in args:
            if is_dynamic(a):
                for v, h in self.dyn_join_items(a):   # type: ignore[attr-defined]
                    items.append(self.as_dyn(v, True))
                    here.append(h)
            else:
                got = self._items([a])
                items += got
                here += ["1.0"] * len(got)
        return items, here

    def _joined_cell(self, c: CellRef) -> Val:
        """A cell of a range joined as text: a cell of text made per trial as its value
        (its recipe), else as any operand."""
        got = self.cells.get(c)
        if got is not None and got.kind == KDYN and c not in self.dyn_mixed:
            return got
        return self.operand(c)

    def _textjoin(self, args: list[ir.Node]) -> Dyn:
        """TEXTJOIN (engine.functions.text.textjoin): a delimiter of one text (constant or
        made per trial), ignore_empty constant or varying per trial; ignoring empty texts,
        a text that is empty in some trials only is left out in those (its emptiness
        measured in the buffer), the delimiter written before each text kept after the
        first.  The error is the delimiter's, ignore_empty's, then the texts' first."""
        why = "TEXTJOIN of text made per trial"
        if len(args) < 3 or any(isinstance(a, ir.Area) for a in args[:2]):
            raise NotFusable(why + " (a range as its delimiter or ignore_empty)")
        if self.is_constant(args[0]):
            delim = self.expr(args[0])
            if delim.e != "0":
                raise NotFusable(why + " (an error in its delimiter)")
            if delim.kind == KSTR and delim.dom is not None and len(delim.dom) == 1:
                sep_text = self.strings[delim.dom[0]]
            elif delim.kind == KBLANK:
                sep_text = ""
            else:
                raise NotFusable(why + " (a delimiter other than one text)")
            sep = Dyn(("c", sep_text), "0", len(sep_text))
        else:
            sep = self.recipe(args[0], coerce=True)   # made per trial
        ignore = self.condition(args[1])
        joined = self._join_result(args, sep, ignore)
        if joined is not None:
            return joined
        items, here = self._join_items(args[2:])
        e = self.err(self.chain([sep.e, ignore.e, *[d.e for d in items]]))
        never = ignore.e == "0" and ignore.lo == ignore.hi == 0.0
        always = ignore.e == "0" and ignore.lo == ignore.hi != 0.0
        if always:
            here = [h for d, h in zip(items, here, strict=True)
                    if not (d.r[0] == "c" and not d.r[1])]
            items = [d for d in items if not (d.r[0] == "c" and not d.r[1])]
        if not items:
            return Dyn(("c", ""), e, 0)
        bound = sum(d.bound for d in items) + sep.bound * (len(items) - 1)
        if all(h == "1.0" for h in here) and (
                never or not any(_may_be_empty(d.r, self.strings) for d in items)):
            parts: list[Dyn] = []
            for k, d in enumerate(items):
                if k:
                    parts.append(sep)
                parts.append(d)
            return Dyn(_join(parts, self.chain).r, e, bound)
        ign = "1.0" if always else self.value(f"b2f({ignore.v} != 0.0)")
        pieces: list[tuple] = []
        before = "0.0"   # whether a text was kept before this one, per trial
        for d, h in zip(items, here, strict=True):
            if _may_be_empty(d.r, self.strings) and not never:
                _, a, b = self.write(d, True)   # its length alone
                keep = self.value(f"1.0 - {ign} * b2f({b} == {a})")
            else:
                keep = "1.0"
            if h != "1.0":   # an element of a result that this trial may not have
                keep = h if keep == "1.0" else self.value(f"{h} * {keep}")
            body = ("cat", (("if", before, sep.r, ("c", "")), d.r)) if before != "0.0" \
                else d.r
            pieces.append(body if keep == "1.0" else ("if", keep, body, ("c", "")))
            before = "1.0" if keep == "1.0" else (
                keep if before == "0.0" else self.value(f"max({before}, {keep})"))
        return Dyn(("cat", tuple(pieces)), e, bound)

    def _join_result(self, args: list[ir.Node], sep: Dyn, ignore: Val) -> Dyn | None:
        """TEXTJOIN(delimiter, ignore_empty, result) of one FILTER/UNIQUE/SORT result and
        a constant delimiter: the recipe ("djoin", ...) that one runtime call writes
        (_dynarrays.dyn_join), however many values the result may have; None where it
        cannot (its elements one by one then)."""
        from ._dynarrays import is_dynamic

        if len(args) != 3 or not is_dynamic(args[2]) or sep.r[0] != "c":
            return None
        if ignore.e == "0" and ignore.lo == ignore.hi:
            ign = "1.0" if ignore.lo != 0.0 else "0.0"
        else:
            ign = self.value(f"b2f({ignore.v} != 0.0)")
        got = self.dyn_join(args[2], sep.r[1], ign)   # type: ignore[attr-defined]
        if got is None:
            return None
        r, e, bound = got
        return Dyn(r, self.err(self.chain([sep.e, ignore.e, e])), bound)

    def _before_after(self, args: list[ir.Node], after: bool) -> Dyn:
        """TEXTBEFORE/TEXTAFTER(text, delimiter) of a constant delimiter (not ""): the
        text before or after its first occurrence (case counts), #N/A where it has none
        (engine.functions.text_modern)."""
        name = "TEXTAFTER" if after else "TEXTBEFORE"
        if len(args) != 2 or not self.is_constant(args[1]) or isinstance(args[1], ir.Area):
            raise NotFusable(f"{name} of text made per trial (other than of one delimiter)")
        delim = self.expr(args[1])
        if delim.kind != KSTR or delim.e != "0" or delim.dom is None or len(delim.dom) != 1 \
                or not self.strings[delim.dom[0]]:
            raise NotFusable(f"{name} of text made per trial (other than of one delimiter)")
        sep = self.strings[delim.dom[0]]
        d = self.recipe(args[0], True)
        z, ya, yb = self.write(Dyn(("c", sep), "0", len(sep)), True)   # found case counting
        _, za, zb = self.write(d, True)
        pos = self.value(f"dfind({z}, {ya}, {yb}, {za}, {zb}, 1.0, 1.0)")
        e = self.err(self.chain([d.e], [(f"({pos} <= 0.0)", NA)]))
        if after:
            start = self.value(f"max({pos}, 1.0) + {float(len(sep))}")
            return Dyn(("mid", d.r, start, lit(float(MAX_DYN))), e, d.bound)
        n = self.value(f"max({pos} - 1.0, 0.0)")
        return Dyn(("left", d.r, n), e, d.bound)

    def _t_clean_asc(self, name: str, args: list[ir.Node]) -> Dyn:
        """T (text as it is, else ""), CLEAN (without codes 0-31) and ASC (full-width forms
        to half-width: nothing to change in ASCII) of text made per trial."""
        if len(args) != 1:
            raise NotFusable(f"{name} with a wrong number of arguments")
        if name != "T":
            d = self.recipe(args[0], True)
            chars = _chars(d.r, self.strings)
            if chars is None or any(ord(ch) < 32 for ch in chars):
                raise NotFusable(f"{name} of text made per trial with control characters")
            if name == "ASC" and any(0xFF01 <= ord(ch) <= 0xFF5E or ch == "\u3000"
                                     for ch in chars):
                raise NotFusable("ASC of full-width text made per trial")
            return d
        mark = len(self.lines)
        try:
            v = self.expr(args[0])
        except DynamicText:
            del self.lines[mark:]
            return self.recipe(args[0], False)
        if v.kind == KANY and KSTR in v.kinds:   # its text where it is text, else ""
            assert v.y is not None
            d = self.as_dyn(self.variant(v, KSTR), False)
            m = self.value(f"b2f({v.y} == {TAG[KSTR]}.0)")
            return Dyn(("if", m, d.r, ("c", "")), v.e, d.bound)
        if v.kind in (KSTR, KDYN):
            return self.as_dyn(v, False)
        return Dyn(("c", ""), v.e, 0)

    def _any_dyn(self, v: Val) -> Dyn:
        """A value whose kind varies per trial, as text (an argument of a text function):
        per trial its number in General format, TRUE/FALSE, its text, or "" (a blank), as
        engine.functions.operators.concat writes each kind; its error where it has one."""
        assert v.y is not None
        parts = [(k, self.as_dyn(self.variant(v, k), True)) for k in v.kinds]
        *rest, (_, acc) = parts
        r, bound = acc.r, acc.bound
        for k, d in reversed(rest):
            m = self.value(f"b2f({v.y} == {TAG[k]}.0)")
            r, bound = ("if", m, d.r, r), max(bound, d.bound)
        return Dyn(r, v.e, bound)

    def _make(self, node: ir.Call, coerce: bool) -> Dyn:
        name, args = _BYTES.get(node.name, node.name), list(node.args)
        if name in ("T", "CLEAN", "ASC"):
            return self._t_clean_asc(name, args)
        if name == "HYPERLINK":   # the friendly name (else the link) as it is
            shown = _hyperlink_shown(node)
            if shown is None or isinstance(shown, ir.Area):
                raise NotFusable("HYPERLINK of a range or of nothing, with text made per trial")
            return self.recipe(shown, coerce)
        if name == "TEXTJOIN":
            return self._textjoin(args)
        if name == "VALUETOTEXT":
            return self._valuetotext(args)
        if name in ("FIXED", "DOLLAR"):
            return self._fixed_dollar(args, name == "DOLLAR")
        if name in ("TEXTBEFORE", "TEXTAFTER"):
            mark = len(self.lines)
            try:
                return self._before_after(args, name == "TEXTAFTER")
            except NotFusable:   # its other arguments, varying: _dtext_args
                del self.lines[mark:]
                from ._dtext_args import before_after

                return before_after(self, args, name == "TEXTAFTER")
        if name == "CONCAT":   # every value of its ranges, in order
            if not args:
                raise NotFusable("CONCAT without arguments")
            return _join(self._items(args), self.chain)
        if any(isinstance(a, ir.Area) for a in args):
            raise NotFusable(f"{name} of a range, with text made per trial")
        if name == "IF":
            return self._if(args, coerce)
        if name in ("CONCAT", "CONCATENATE"):
            if not args:
                raise NotFusable(f"{name} without arguments")
            return _join([self.recipe(a, True) for a in args], self.chain)
        if name in ("UPPER", "LOWER", "TRIM", "PROPER"):
            if len(args) != 1:
                raise NotFusable(f"{name} with a wrong number of arguments")
            d = self.recipe(args[0], True)
            mode = {"UPPER": 1.0, "LOWER": 0.0, "PROPER": 2.0}.get(name, 0.0)
            r = ("trim", d.r) if name == "TRIM" else ("case", d.r, mode)
            return Dyn(r, d.e, d.bound)
        if name in ("LEFT", "RIGHT"):
            if not 1 <= len(args) <= 2:
                raise NotFusable(f"{name} with a wrong number of arguments")
            d = self.recipe(args[0], True)
            n, e, hi = self._dtext_count(args[1] if len(args) > 1 else None, 1.0, 0)
            return Dyn((name.lower(), d.r, n), self.err(self.chain([d.e, *e[:1]], e[1:])),
                       min(d.bound, hi))
        if name == "MID":
            if len(args) != 3:
                raise NotFusable("MID with a wrong number of arguments")
            d = self.recipe(args[0], True)
            a, ea, _ = self._dtext_count(args[1], None, 1)
            n, en, hi = self._dtext_count(args[2], None, 0)
            e = self.err(self.chain([d.e, *ea[:1], *en[:1]], [*ea[1:], *en[1:]]))
            return Dyn(("mid", d.r, a, n), e, min(d.bound, hi))
        if name == "TEXT":
            if len(args) == 2 and not self.is_constant(args[1]):   # its format varies
                from ._dtext_args import text_of_formats

                return text_of_formats(self, args)
            return self._text_fixed(args)
        if name == "SUBSTITUTE":
            if not 3 <= len(args) <= 4:
                raise NotFusable("SUBSTITUTE with a wrong number of arguments")
            d, old, new = (self.recipe(a, True) for a in args[:3])
            if len(args) == 4 and not isinstance(args[3], ir.Missing):
                k, ek, _ = self._dtext_count(args[3], None, 1)
            else:
                k, ek = "0.0", ["0"]
            bound = max(d.bound, d.bound * new.bound)
            if bound > MAX_DYN:
                raise NotFusable(f"SUBSTITUTE of text made per trial: up to {bound} characters")
            e = self.err(self.chain([d.e, old.e, new.e, *ek[:1]], ek[1:]))
            return Dyn(("subst", d.r, k, old.r, new.r, bound), e, bound)
        if name == "REPLACE":
            if len(args) != 4:
                raise NotFusable("REPLACE with a wrong number of arguments")
            d = self.recipe(args[0], True)
            a, ea, _ = self._dtext_count(args[1], None, 1)
            n, en, _ = self._dtext_count(args[2], None, 0)
            new = self.recipe(args[3], True)
            e = self.err(self.chain([d.e, *ea[:1], *en[:1], new.e], [*ea[1:], *en[1:]]))
            bound = d.bound + new.bound
            return Dyn(("repl", d.r, a, n, new.r, bound), e, bound)
        if len(args) != 2:   # REPT
            raise NotFusable("REPT with a wrong number of arguments")
        d = self.recipe(args[0], True)
        n, e, hi = self._dtext_count(args[1], None, 0)
        bound = d.bound * hi
        if bound > MAX_DYN:
            raise NotFusable(f"REPT of text made per trial: up to {bound} characters")
        return Dyn(("rept", d.r, n, hi), self.err(self.chain([d.e, *e[:1]], e[1:])), bound)

    def _text_fixed(self, args: list[ir.Node]) -> Dyn:
        """TEXT of a varying number in one of the simple formats the numpy library writes
        itself ([$]0|#,##0[.0...][%]: engine.functions.text._format_simple)."""
        from ...functions._format_code import plain_format
        from ...functions.text import _SIMPLE

        why = "TEXT of a number that varies per trial"
        if len(args) != 2 or not self.is_constant(args[1]):
            raise NotFusable(why)
        f = self.expr(args[1])
        if f.kind == KBLANK and f.e == "0":   # an empty cell: the format "" (nothing, or -)
            fmt = ""
        elif f.kind != KSTR or f.e != "0" or f.dom is None or len(f.dom) != 1:
            raise NotFusable(why)
        else:
            fmt = plain_format(self.strings[f.dom[0]])
        m = _SIMPLE.match(fmt)
        mark = len(self.lines)
        try:
            v = self.expr(args[0])
        except DynamicText:   # TEXT of text made per trial, read as a number (_dtext_numtext)
            del self.lines[mark:]
            from ._dtext_numtext import text_of_text

            v = text_of_text(self, args[0])
        if v.kind != KNUM:
            raise NotFusable(why)
        if m is None:
            return self._text_plan(v, fmt)
        cur, whole, dec, pct = m.groups()
        ndec = len(dec) - 1 if dec else 0
        # unbounded: any finite number (a number past the largest double once times 100
        # is its 15 digits times 100 as digits, as the reference writes it: dput_fixed)
        top = max(abs(v.lo), abs(v.hi))
        top = top if top < sys.float_info.max else sys.float_info.max   # NaN too
        scaled = top * 100.0 if pct else top
        digits = max(len(f"{scaled:.0f}") if scaled <= sys.float_info.max
                     else len(f"{top:.0f}") + 2, 15) + 1
        bound = 2 + digits + digits // 3 + 1 + ndec + 1
        if bound > MAX_DYN:
            raise NotFusable(why + " (too long)")
        r = ("fmt", v.v, lit(float(ndec)), 1.0 if whole == "#,##0" else 0.0,
             1.0 if pct else 0.0, 1.0 if cur else 0.0, bound,
             (fmt, v.lo, v.hi))   # last: for TEXT of these texts (_dtext_numtext)
        return Dyn(r, v.e, bound)

    def _valuetotext(self, args: list[ir.Node]) -> Dyn:
        """VALUETOTEXT(value, [format]) of a value without errors (an error becomes its
        name, not made here): its text as ``&`` writes it (format 1 quotes text: refused
        where the value can be text)."""
        why = "VALUETOTEXT of a value that varies per trial"
        strict = False
        if len(args) == 2 and not isinstance(args[1], ir.Missing):
            f = self.expr(args[1]) if self.is_constant(args[1]) else None
            if f is None or f.kind != KNUM or f.e != "0" or f.lo != f.hi or f.lo not in (0, 1):
                raise NotFusable(why + " (a format other than 0 or 1)")
            strict = f.lo == 1.0
        elif not 1 <= len(args) <= 2:
            raise NotFusable("VALUETOTEXT with a wrong number of arguments")
        mark = len(self.lines)
        try:
            v: Val | None = self.expr(args[0])
        except DynamicText:
            del self.lines[mark:]
            v = None
        text = v is None or v.kind in (KSTR, KDYN) or (v.kind == KANY and KSTR in v.kinds)
        if strict and text:
            raise NotFusable(why + " (text quoted)")
        d = self.recipe(args[0], True) if v is None else self.as_dyn(v, True)
        if d.e != "0":
            raise NotFusable(why + " (errors become their names)")
        return d

    def _fixed_dollar(self, args: list[ir.Node], dollar: bool) -> Dyn:
        """FIXED(x, [decimals], [no_commas]) and DOLLAR(x, [decimals]) of a varying number,
        constant decimals 0..10 (engine.functions.text_format): the digits of TEXT's
        [$]#,##0.00 plans (dput_fixed), no sign where the rounded number is 0, DOLLAR's
        negatives in parentheses."""
        name = "DOLLAR" if dollar else "FIXED"
        why = f"{name} of a number that varies per trial"
        if not 1 <= len(args) <= (2 if dollar else 3) or any(
                not self.is_constant(a) or isinstance(a, ir.Area) for a in args[2:]) \
                or any(isinstance(a, ir.Area) for a in args[1:2]):
            raise NotFusable(why)
        nd, commas, nd_v, nd_e = 2.0, True, "", "0"
        if len(args) > 1 and not isinstance(args[1], ir.Missing):
            k = self.number(args[1])
            if k.kind != KNUM or not iv.bounded(k.iv) or not -16.0 < k.lo <= k.hi < 11.0:
                raise NotFusable(why + " (decimals outside -15..10)")
            if k.lo == k.hi and k.constant_error:
                return Dyn(("c", ""), k.e, 0)   # an error in every trial
            nd = float(int(k.hi))   # the most (the text's bound)
            if int(k.lo) != int(k.hi) or k.e != "0":   # decimals varying per trial
                nd_v = self.value(f"sel({k.e} == 0, np.trunc({k.v}), 0.0)")
                nd_e = k.e
        if len(args) > 2 and not isinstance(args[2], ir.Missing):
            c = self.condition(args[2])
            if c.e != "0" or c.lo != c.hi:
                raise NotFusable(why)
            commas = c.lo == 0.0
        v = self.expr(args[0])
        if v.kind != KNUM or not iv.bounded(v.iv) or not -15.0 <= nd <= 10.0:
            raise NotFusable(why)
        top = max(abs(v.lo), abs(v.hi))
        if not top < 1e100:
            raise NotFusable(why + " (too large)")
        digits = max(len(f"{top:.0f}"), 15) + 1
        bound = 4 + digits + digits // 3 + 1 + max(int(nd), 0)
        nds = nd_v or lit(nd)
        e = v.e if nd_e == "0" else self.err(self.chain([v.e, nd_e]))
        r0 = self.value(f"excel_round({v.v}, {nds}, 0)")
        x = self.value(f"sel({r0} == 0.0, 0.0, {v.v})")   # no "-0.00"
        if nd_v or nd < 0.0:   # decimals below 0: the rounded number, written whole
            x = self.value(f"sel({nds} < 0.0, sel({r0} == 0.0, 0.0, {r0}), {x})")
            nds = self.value(f"max({nds}, 0.0)") if nd_v else lit(max(nd, 0.0))
        if not dollar:
            return Dyn(("fmt", x, nds, 1.0 if commas else 0.0, 0.0, 0.0, bound), e, bound)
        body = ("fmt", self.value(f"abs({x})"), nds, 1.0, 0.0, 1.0, bound)
        neg = self.value(f"b2f({r0} < 0.0)")
        return Dyn(("if", neg, ("cat", (("c", "("), body, ("c", ")"))), body), e, bound + 2)

    def _text_plan(self, v: Val, fmt: str) -> Dyn:
        """TEXT of a varying number in any other format: its plan in the constant table,
        interpreted per trial (:mod:`._dtext_formats`); #VALUE! where the reference's is.
        A number with no known bound is planned up to the reference's rounding cap
        (:func:`rounding_cap`: the reference fails past it), #VALUE! from there."""
        from ._dtext_formats import format_plan, plan_chars, rounding_cap

        top, lo, hi, x, checks = max(abs(v.lo), abs(v.hi)), v.lo, v.hi, v.v, []
        if not (iv.bounded(v.iv) and top < 1e300):
            cap = rounding_cap(fmt)
            if cap is None:
                raise NotFusable("TEXT of a number that varies per trial (too large)")
            top, lo, hi = cap, min(max(v.lo, -cap), cap), max(min(v.hi, cap), -cap)
            x = self.value(f"sel(abs({v.v}) < {cap!r}, {v.v}, 0.0)")   # NaN: 0 too
            checks.append((f"abs({v.v}) >= {cap!r}", VALUE))
        plan, bound = format_plan(fmt, top, getattr(self, "date_shift", 0))
        if bound > MAX_DYN:
            raise NotFusable("TEXT of a number that varies per trial (too long)")
        off = self.table(plan)
        checks.append((f"dformat_bad({x}, kv, {off}.0) != 0.0", VALUE))
        e = self.err(self.chain([v.e], checks))
        # last: the format and the number's range, for TEXT of these texts (_dtext_numtext)
        return Dyn(("tfmt", x, off, bound, plan_chars(plan), (fmt, lo, hi)), e, bound)

    def _dtext_count(self, node: ir.Node | None, default: float | None, low: int
               ) -> tuple[str, list, int]:
        """A count or start argument (engine.functions.text._ints): its truncated value, its
        error then its below-``low`` check (for chain), and the most it can be."""
        if node is None or isinstance(node, ir.Missing):
            if default is None:
                raise NotFusable("a required argument missing")
            return lit(default), ["0"], int(default)
        v = self.expr(node)
        if v.kind != KNUM:
            raise NotFusable("a count that is not a number, with text made per trial")
        if v.lo == v.hi and v.e == "0":
            t = float(int(v.lo)) if abs(v.lo) < 2.0 ** 31 else None
            if t is None:
                raise NotFusable("a count out of range")
            bad = [] if t >= low else [(lit(1.0) + " > 0.0", VALUE)]
            return lit(float(max(t, low))), ["0", *bad], max(int(t), low)
        hi = int(min(v.hi, 2.0 ** 31)) if iv.bounded(v.iv) else 1 << 31
        n = self.value(f"dcount({v.v}, {lit(float(low))})")
        return n, [v.e, (f"np.trunc({v.v}) < {lit(float(low))}", VALUE)], max(hi, low)

    def _if(self, args: list[ir.Node], coerce: bool) -> Dyn:
        if not 1 <= len(args) <= 3:
            raise NotFusable("IF with a wrong number of arguments")
        args = args + [None] * (3 - len(args))   # type: ignore[list-item]
        c = self.condition(args[0])
        if c.e == "0" and c.lo == c.hi and c.kind in (KNUM, KBOOL, KBLANK):
            pick = args[1] if c.lo != 0.0 else args[2]   # only the branch taken is computed
            if pick is not None and not isinstance(pick, ir.Missing):
                return self.recipe(pick, coerce)
        then = self.recipe(args[1], coerce) if args[1] is not None and not isinstance(
            args[1], ir.Missing) else self.as_dyn(Val("0.0", "0", KNUM, 0.0, 0.0), coerce)
        other = self.recipe(args[2], coerce) if args[2] is not None and not isinstance(
            args[2], ir.Missing) else self.as_dyn(Val("0.0", "0", KBOOL, 0.0, 0.0), coerce)
        m = self.value(f"b2f({c.v} != 0.0)")
        e = "0" if then.e == other.e == "0" else self.err(f"sel({m} != 0.0, {then.e}, "
                                                          f"{other.e})")
        r: tuple = ("if", m, then.r, other.r)
        if _always_error(then):   # its text is never read: the other branch's alone
            r = other.r
        elif _always_error(other):
            r = then.r
        return Dyn(r, self.err(self.chain([c.e, e])),
                   max(then.bound, other.bound))

    def fn_hyperlink(self, node: ir.Call) -> Val:
        """text_format.hyperlink: the cell shows the friendly name, else the link, as it is
        (any kind; the link's error is not the cell's where a friendly name is given)."""
        shown = _hyperlink_shown(node)
        if shown is None:
            return Val("0.0", "0", KBLANK, 0.0, 0.0)
        if isinstance(shown, ir.Area):
            raise NotFusable("HYPERLINK of a range")
        return self.expr(shown)

    # ------------------------------------------------------------ characters
    def write(self, d: Dyn, unicode: bool = False) -> tuple[str, str, str]:
        """Code writing ``d`` into the dynamic text buffer: (buffer, start, end).  One buffer
        serves the whole kernel (a scratch array of each segment): a cell's texts lie one
        after the other in it, from 0 again in the next cell.  Text other than ASCII only
        where the reader says it reads any code point as the library does (``unicode``)."""
        if d.bound > MAX_DYN:
            raise NotFusable(f"text made per trial of up to {d.bound} characters")
        if not _ascii_recipe(d.r, self.strings):
            if not unicode:
                raise NotFusable(_NOT_ASCII)
            _refuse_cases(d.r, self.strings)
            self.__dict__["_dyn_wide"] = True   # CUDA: a buffer of int code points
        size = max(_measure(d.r, self.strings)[1], 1)
        state = self.__dict__.get("_dyn_buffer")
        if state is None:
            state = self.__dict__["_dyn_buffer"] = [self.scratch(1), 0, 0]
        z, lines, used = state
        if lines != id(self.lines):   # a new cell
            used = 0
        state[1], state[2] = id(self.lines), used + size
        self.scratches[z] = max(self.scratches[z], used + size)
        start = lit(float(used))
        return z, start, self._emit(d.r, z, start)

    def _emit(self, r: tuple, z: str, pos: str) -> str:
        tag = r[0]
        if tag == "c":
            if not r[1]:
                return pos
            off = self.table([float(ord(ch)) for ch in r[1]])
            return self.value(f"dput_tab({z}, {pos}, kv, {off}.0, {len(r[1])}.0)")
        if tag == "n":
            return self.value(f"dput_num({z}, {pos}, {r[1]})")
        if tag == "s":
            off = self._id_table(r[2])
            return self.value(f"dput_id({z}, {pos}, kv, {off}.0, {r[1]}, "
                              f"{max(r[2]) + 1}.0)")
        if tag == "fmt":
            return self.value(f"dput_fixed({z}, {pos}, {r[1]}, {r[2]}, {r[3]}, {r[4]}, {r[5]})")
        if tag == "tfmt":
            return self.value(f"dput_format({z}, {pos}, {r[1]}, kv, {r[2]}.0)")
        if tag == "cat":
            for part in r[1]:
                pos = self._emit(part, z, pos)
            return pos
        if tag == "pick":
            return self._emit_pick(r, z, pos)
        if tag == "djoin":   # TEXTJOIN of a FILTER/UNIQUE/SORT result (_dynarrays.dyn_join)
            return self.value(f"da_textjoin({z}, {pos}, {r[1]}, {r[2]}, {r[3]}, {r[4]}, kv, "
                              f"{r[5]}.0, {r[6]}.0, {r[7]}.0, {r[8]}.0, {r[9]})")
        if tag in ("subst", "repl"):   # from buffers of their own into this one
            _, t, tend = self.write(Dyn(r[1], "0", 0), True)   # checked as part of r
            _, y, yend = self.write(Dyn(r[4], "0", 0), True)
            if tag == "repl":
                return self.value(f"drepl({z}, {pos}, {t}, {tend}, {r[2]}, {r[3]}, {y}, "
                                  f"{yend})")
            _, x, xend = self.write(Dyn(r[3], "0", 0), True)
            return self.value(f"dsubst({z}, {pos}, {t}, {tend}, {x}, {xend}, {y}, {yend}, "
                              f"{r[2]})")
        end = self._emit(r[1], z, pos) if tag != "if" else ""
        if tag == "case":
            return self.value(f"dcase({z}, {pos}, {end}, {float(r[2])})")
        if tag == "trim":
            return self.value(f"dtrim({z}, {pos}, {end})")
        if tag == "left":
            return self.value(f"dleft({pos}, {end}, {r[2]})")
        if tag == "right":
            return self.value(f"dright({z}, {pos}, {end}, {r[2]})")
        if tag == "mid":
            return self.value(f"dmid({z}, {pos}, {end}, {r[2]}, {r[3]})")
        if tag == "rept":
            return self.value(f"drept({z}, {pos}, {end}, {r[2]})")
        assert tag == "if"
        mid = self._emit(r[2], z, pos)
        end = self._emit(r[3], z, mid)
        return self.value(f"dpick({z}, {pos}, {mid}, {end}, {r[1]})")

    def _emit_pick(self, r: tuple, z: str, pos: str) -> str:
        """("pick", i, texts): text ``i`` (0-based, per trial) of ``texts``: where the texts
        are one recipe but for their values (TEXT of each row's date), that recipe over
        the values picked by ``i`` (the text written once); else each written and the
        one picked kept (dpick, as IF)."""
        i, texts = r[1], r[2]
        picked = _pick_leaves(texts)
        if picked is not None:
            shape, columns = picked
            names: dict[str, str] = {}
            for j, column in enumerate(columns):
                x = column[-1]
                if len(set(column)) > 1:
                    for k in range(len(column) - 2, -1, -1):
                        x = f"sel({i} == {lit(float(k))}, {column[k]}, {x})"
                    x = self.value(x)
                names[f"\x00{j}"] = x
            return self._emit(_substitute(shape, names), z, pos)
        mid = self._emit(texts[0], z, pos)
        if len(texts) == 1:
            return mid
        rest = ("pick", self.value(f"{i} - 1.0"), texts[1:])
        end = self._emit(rest, z, mid)
        return self.value(f"dpick({z}, {pos}, {mid}, {end}, b2f({i} == 0.0))")

    def _id_table(self, dom: tuple[int, ...]) -> int:
        """kv entries (where, how many) of the code points of each text id up to max(dom)."""
        texts = [self.strings[k] if k in dom else "" for k in range(max(dom) + 1)]
        flat = [float(ord(ch)) for t in texts for ch in t] or [0.0]
        base = self.table(flat)
        index, at = [], base
        for t in texts:
            index += [float(at), float(len(t))]
            at += len(t)
        return self.table(index)

    # ------------------------------------------------------------ readers
    def _text_arg(self, node: ir.Node | None) -> Dyn:
        return self.recipe(node, True)

    def _read_len(self, node: ir.Call) -> Val:
        if len(node.args) != 1 or isinstance(node.args[0], ir.Area):
            raise NotFusable("LEN with a wrong argument")
        d = self._text_arg(node.args[0])
        _, start, end = self.write(d, True)   # code points, as len() counts them
        return Val(self.value(f"{end} - {start}"), d.e, KNUM, 0.0, float(d.bound))

    def _read_code(self, node: ir.Call) -> Val:
        """CODE (ASCII: its code page number is the code point) and UNICODE (any text: the
        code point of the first character) of text made per trial."""
        if len(node.args) != 1 or isinstance(node.args[0], ir.Area):
            raise NotFusable(f"{node.name} with a wrong argument")
        d = self._text_arg(node.args[0])
        wide = node.name == "UNICODE"
        z, start, end = self.write(d, wide)
        k = self.value(f"dcode({z}, {start}, {end})")
        return Val(k, self.err(self.chain([d.e], [(f"({k} == 0.0)", VALUE)])), KNUM, 0.0,
                   1114111.0 if wide else 127.0)

    def _read_exact(self, node: ir.Call) -> Val:
        if len(node.args) != 2 or any(isinstance(a, ir.Area) for a in node.args):
            raise NotFusable("EXACT with a wrong argument")
        a, b = self._text_arg(node.args[0]), self._text_arg(node.args[1])
        z, ya, yb = self.write(a, True)   # the same code points
        _, za, zb = self.write(b, True)
        same = self.value(f"dsame({z}, {ya}, {yb}, {za}, {zb})")
        return Val(same, self.err(self.chain([a.e, b.e])), KBOOL, 0.0, 1.0)

    def _read_value(self, node: ir.Call) -> Val:   # VALUE and the like: ._dvalue
        from ._dvalue import read_value

        return read_value(self, node)  # type: ignore[arg-type]

    def _read_datevalue(self, node: ir.Call) -> Val:
        from ._dvalue import read_date_part

        return read_date_part(self, node)  # type: ignore[arg-type]

    _read_timevalue = _read_datevalue

    def _read_numbervalue(self, node: ir.Call) -> Val:
        from ._dvalue import read_numbervalue

        return read_numbervalue(self, node)  # type: ignore[arg-type]

    def _read_vlookup(self, node: ir.Call) -> Val:
        return self._lookup_by_text(node)

    _read_hlookup = _read_match = _read_xlookup = _read_xmatch = _read_vlookup

    def _lookup_by_text(self, node: ir.Call) -> Val:
        """An exact-match lookup of a key made per trial: the key becomes the id of the
        known text it equals (case aside: every text a lookup could hold is known when the
        kernel is made), or of a text that equals none (dintern), and the lookup runs on
        ids as for any text key."""
        at, exact = _EXACT_MODE[node.name]
        args = list(node.args)
        why = f"{node.name} of a key made per trial"
        if not args or isinstance(args[0], ir.Area):
            raise NotFusable(why)
        mode = args[at] if len(args) > at else None
        if mode is None or isinstance(mode, ir.Missing):
            if None not in exact:
                raise NotFusable(why + " (not an exact match)")
        else:
            m = self.expr(mode)
            if m.e != "0" or m.lo != m.hi or m.lo not in exact:
                raise NotFusable(why + " (not an exact match)")
        mark = len(self.lines)
        try:
            got = self.expr(args[0])
        except DynamicText:
            del self.lines[mark:]
        else:   # the text made per trial is elsewhere (in a range): not this path
            if got.kind != KDYN:
                raise NotFusable(why.replace("key", "range"))
        mark = len(self.lines)
        try:
            d = self.recipe(args[0], coerce=False)
        except DynamicText:
            raise
        except NotFusable:   # a key that is such text in some trials only: by branch
            del self.lines[mark:]
            split = self._key_by_branch(node)
            if split is None:
                raise
            return self.expr(split)
        chars = _chars(d.r, self.strings)
        if chars is None or chars & set("*?~"):
            raise NotFusable(why + " (wildcards)")
        for a in args[1:]:   # the searched ranges' texts, in the string table
            if isinstance(a, ir.Area):
                for c in self.area_cells(a):
                    self.operand(c)
        folded = {ch.lower() for ch in chars}
        cands: dict[str, int] = {}
        for k, t in enumerate(self.strings):
            if not t.isascii():
                if t.lower().isascii() or t.casefold().isascii():
                    raise NotFusable(why + " (text that folds to plain letters)")
                continue
            if set(t.lower()) <= folded:
                cands.setdefault(t.lower(), k)
        other = self.string_id(_NO_MATCH)
        flat: list[float] = [float(len(cands))]
        for t, k in cands.items():
            flat += [float(k), float(len(t)), *(float(ord(ch)) for ch in t)]
        off = self.table(flat)
        z, start, end = self.write(d)
        key = self.value(f"dintern({z}, {start}, {end}, kv, {off}.0, {float(other)})")
        ids = tuple(sorted({*cands.values(), other}))
        return self.with_argument(node, args[0], Val(key, d.e, KSTR, float(ids[0]),
                                                     float(ids[-1]), ids))

    def _key_by_branch(self, node: ir.Call) -> ir.Node | None:
        """F(IF(c,x,y), ...) as IF(c, F(x, ...), F(y, ...)) for a lookup whose key is an IF
        (or a cell of mixed kind) of which one branch only is text made per trial (an
        error in c is F's error either way); None where the key is not such an IF."""
        key = self.mixed_formula(node.args[0])
        if not (isinstance(key, ir.Call) and key.name == "IF" and 2 <= len(key.args) <= 3) \
                or any(isinstance(a, ir.Area) for a in key.args):
            return None
        then = key.args[1] if not isinstance(key.args[1], ir.Missing) else ir.Num(0.0)
        other = key.args[2] if len(key.args) > 2 and not isinstance(
            key.args[2], ir.Missing) else ir.Bool(False)
        rest = tuple(node.args[1:])
        split = ir.Call("IF", (key.args[0], ir.Call(node.name, (then, *rest)),
                               ir.Call(node.name, (other, *rest))))
        self.__dict__.setdefault("_dyn_made", []).append(split)   # ids stay unique
        return split

    def _read_n(self, node: ir.Call) -> Val:
        """N: numbers as they are, TRUE/FALSE as 1/0, text (made per trial or not) and
        blanks 0; errors propagate."""
        if len(node.args) != 1 or isinstance(node.args[0], ir.Area):
            raise NotFusable("N with a wrong argument")
        mark = len(self.lines)
        try:
            v = self.expr(node.args[0])
        except DynamicText:
            del self.lines[mark:]
            split = self._by_branch(node)
            if split is not None:
                return split
            d = self.recipe(node.args[0], coerce=False)
            return Val("0.0", d.e, KNUM, 0.0, 0.0)

        def one(x: Val) -> Val:
            if x.kind in (KNUM, KBOOL):
                return Val(x.v, x.e, KNUM, x.lo, x.hi)
            return Val("0.0", x.e, KNUM, 0.0, 0.0)

        got = self.by_kind(v, one)
        return Val(got.v, got.e, KNUM, got.lo, got.hi)

    def _read_istext(self, node: ir.Call) -> Val:
        """ISTEXT/ISNUMBER/... of text made per trial: its kind is text, its error is the
        recipe's (the characters are never made)."""
        if len(node.args) != 1 or isinstance(node.args[0], ir.Area):
            raise NotFusable(f"{node.name} with a wrong argument")
        split = self._by_branch(node)
        if split is not None:
            return split
        d = self.recipe(node.args[0], coerce=False)
        some = self.string_id("")
        return self.with_argument(node, node.args[0], Val(lit(float(some)), d.e, KSTR,
                                                          float(some), float(some), (some,)))

    _read_isnumber = _read_islogical = _read_isblank = _read_isnontext = _read_istext
    _read_iserror = _read_iserr = _read_isna = _read_istext

    def _by_branch(self, node: ir.Call) -> Val | None:
        """F(IF(c,x,y)) of a one-argument F as IF(c,F(x),F(y)), where one branch only is
        text made per trial (None: the argument is not such an IF)."""
        arg = self.mixed_formula(node.args[0])
        if not (isinstance(arg, ir.Call) and arg.name == "IF" and 2 <= len(arg.args) <= 3) \
                or any(isinstance(a, ir.Area) for a in arg.args):
            return None
        mark = len(self.lines)
        try:
            self.recipe(arg, coerce=False)
            return None   # text in every trial: the caller's way
        except NotFusable:
            del self.lines[mark:]
        if node.name != "N" and self.condition(arg.args[0]).e != "0":
            return None   # ISERROR(IF(#N/A,..)) is TRUE, not IF's error
        then = arg.args[1] if not isinstance(arg.args[1], ir.Missing) else ir.Num(0.0)
        other = arg.args[2] if len(arg.args) > 2 and not isinstance(
            arg.args[2], ir.Missing) else ir.Bool(False)
        split = ir.Call("IF", (arg.args[0], ir.Call(node.name, (then,)),
                               ir.Call(node.name, (other,))))
        self.__dict__.setdefault("_dyn_made", []).append(split)   # ids stay unique
        return self.expr(split)

    def with_argument(self, node: ir.Call, arg: ir.Node, v: Val) -> Val:
        """``node`` the ordinary way, its argument ``arg`` being ``v``."""
        had = self.override.get(id(arg))
        self.override[id(arg)] = v
        self._dyn_busy.add(id(node))
        try:
            return self.expr(node)
        finally:
            self._dyn_busy.discard(id(node))
            if had is None:
                self.override.pop(id(arg), None)
            else:
                self.override[id(arg)] = had

    def _read_find(self, node: ir.Call) -> Val:
        return self._find(node, True)

    def _read_search(self, node: ir.Call) -> Val:
        return self._find(node, False)

    _read_lenb, _read_findb, _read_searchb = _read_len, _read_find, _read_search
    _read_unicode = _read_code

    def _find(self, node: ir.Call, case: bool) -> Val:
        if not 2 <= len(node.args) <= 3 or any(isinstance(a, ir.Area) for a in node.args):
            raise NotFusable(f"{node.name} with a wrong argument")
        what, within = self._text_arg(node.args[0]), self._text_arg(node.args[1])
        if not case and any(ch in "*?~" for t in _texts(what.r, self.strings) for ch in t):
            raise NotFusable("SEARCH with wildcards, in text made per trial")
        i, ei = self._count_or_default(node.args[2] if len(node.args) > 2 else None)
        if not case and not (_ascii_recipe(what.r, self.strings) and _ascii_recipe(
                within.r, self.strings)):
            a, b = _chars(what.r, self.strings), _chars(within.r, self.strings)
            refuse_search(None if a is None or b is None else a | b)
        z, ya, yb = self.write(what, True)
        _, za, zb = self.write(within, True)
        pos = self.value(f"dfind({z}, {ya}, {yb}, {za}, {zb}, {i}, "
                         f"{1.0 if case else 0.0})")
        e = self.err(self.chain([what.e, within.e, *ei[:1]], [*ei[1:], (f"({pos} <= 0.0)",
                                                                       VALUE)]))
        return Val(pos, e, KNUM, 0.0, float(MAX_DYN))

    def _count_or_default(self, node: ir.Node | None) -> tuple[str, list]:
        n, e, _ = self._dtext_count(node, 1.0, 1)
        return n, e

    def _compare(self, node: ir.Binary) -> Val:
        mark = len(self.lines)
        try:
            a, b = self.value_or_text(node.left), self.value_or_text(node.right)
        except NotFusable:
            left, right = self.mixed_formula(node.left), self.mixed_formula(node.right)
            if left is not node.left or right is not node.right:   # cells of mixed kind
                node = ir.Binary(node.op, left, right)
                self.__dict__.setdefault("_dyn_made", []).append(node)
            split = _compare_by_branch(node)
            if split is None:
                raise
            del self.lines[mark:]
            self.__dict__.setdefault("_dyn_made", []).append(split)   # ids stay unique
            return self.expr(split)
        if not isinstance(a, Dyn) and not isinstance(b, Dyn):
            raise NotFusable("a comparison with text made per trial")
        if isinstance(a, Val) and a.kind == KANY:   # each kind it takes, by its tag
            return self.by_kind(a, lambda x: self._compare_sides(node.op, x, b))
        if isinstance(b, Val) and b.kind == KANY:
            return self.by_kind(b, lambda x: self._compare_sides(node.op, a, x))
        return self._compare_sides(node.op, a, b)

    def _compare_sides(self, op: str, a: Dyn | Val, b: Dyn | Val) -> Val:
        e = self.err(self.chain([a.e, b.e]))
        rank = {KNUM: 0, KBOOL: 2}
        other = b if isinstance(a, Dyn) else a
        if isinstance(other, Val) and other.kind in rank:   # Excel's order of types
            ra, rb = (1, rank[other.kind]) if isinstance(a, Dyn) else (rank[other.kind], 1)
            x = 1.0 if _PY[op](ra, rb) else 0.0
            return Val(lit(x), e, KBOOL, x, x)
        da = a if isinstance(a, Dyn) else self._as_text_side(a)
        db = b if isinstance(b, Dyn) else self._as_text_side(b)
        ordered = op not in ("=", "<>")   # Excel's order of texts (_rt_collation)
        for side in (da, db):   # casefolded character by character
            if not _ascii_recipe(side.r, self.strings):
                chars = _chars(side.r, self.strings)
                if ordered and (chars is None or not all(map(runtime_orders, chars))):
                    raise NotFusable("text ordered per trial that may hold a character of "
                                     "several letters or accents")
                refuse_fold(chars)
        z, ya, yb = self.write(da, True)
        _, za, zb = self.write(db, True)
        c = self.value(f"{'da_tcoll' if ordered else 'dcmp'}({z}, {ya}, {yb}, {za}, {zb})")
        return Val(self.value(f"b2f({c} {_CMP[op]} 0.0)"), e, KBOOL, 0.0, 1.0)

    def value_or_text(self, node: ir.Node) -> Dyn | Val:
        """``node`` written as a value, or as its text made per trial."""
        mark = len(self.lines)
        try:
            return self.expr(node)
        except DynamicText:
            del self.lines[mark:]
        return self.recipe(node, coerce=False)

    def _as_text_side(self, v: Val) -> Dyn:
        if v.kind == KBLANK:   # blank compares as ""
            return Dyn(("c", ""), v.e, 0)
        if v.kind not in (KSTR, KDYN):
            raise NotFusable("a comparison of text made per trial with a value of varying type")
        return self.as_dyn(v, False)


# ---------------------------------------------------------------- helpers
_PY = {"=": lambda x, y: x == y, "<>": lambda x, y: x != y, "<": lambda x, y: x < y,
       "<=": lambda x, y: x <= y, ">": lambda x, y: x > y, ">=": lambda x, y: x >= y}


def _join(parts: list[Dyn], chain: Callable[[list[str]], str]) -> Dyn:
    flat: list[tuple] = []
    for p in parts:
        flat += list(p.r[1]) if p.r[0] == "cat" else [p.r]
    merged: list[tuple] = []
    for r in flat:   # adjacent constants as one
        if r[0] == "c" and merged and merged[-1][0] == "c":
            merged[-1] = ("c", merged[-1][1] + r[1])
        elif not (r[0] == "c" and not r[1]):
            merged.append(r)
    r = merged[0] if len(merged) == 1 else ("cat", tuple(merged)) if merged else ("c", "")
    bound = sum(p.bound for p in parts)
    if bound > MAX_DYN:
        raise NotFusable(f"text made per trial of up to {bound} characters")
    return Dyn(r, chain([p.e for p in parts]), bound)


def _constant_branch(gen: DynamicTextMixin, node: ir.Node) -> ir.Node | None:
    """The branch IF takes whatever the trial, where its condition is a constant without
    an error (None: not such an IF, or the branch is omitted)."""
    if not (isinstance(node, ir.Call) and node.name == "IF" and 2 <= len(node.args) <= 3) \
            or not gen.is_constant(node.args[0]):
        return None
    c = gen.condition(node.args[0])
    if c.e != "0" or c.lo != c.hi or c.kind not in (KNUM, KBOOL, KBLANK):
        return None
    pick = node.args[1] if c.lo != 0.0 else (node.args[2] if len(node.args) > 2 else None)
    return None if pick is None or isinstance(pick, ir.Missing | ir.Area) else pick


def _compare_by_branch(node: ir.Binary) -> ir.Node | None:
    """``IF(c,x,y) op z`` as ``IF(c, x op z, y op z)`` (and so on the right): where one
    branch is text made per trial and the other is not, each comparison is of one kind."""
    for j, side in enumerate((node.left, node.right)):
        if isinstance(side, ir.Call) and side.name == "IF" and 2 <= len(side.args) <= 3 \
                and not any(isinstance(a, ir.Area) for a in side.args):
            then = side.args[1] if not isinstance(side.args[1], ir.Missing) else ir.Num(0.0)
            other = side.args[2] if len(side.args) > 2 and not isinstance(
                side.args[2], ir.Missing) else ir.Bool(False)
            if j == 0:
                pair = (ir.Binary(node.op, then, node.right), ir.Binary(node.op, other, node.right))
            else:
                pair = (ir.Binary(node.op, node.left, then), ir.Binary(node.op, node.left, other))
            return ir.Call("IF", (side.args[0], *pair))
    return None


def _hyperlink_shown(node: ir.Call) -> ir.Node | None:
    """HYPERLINK's value: its friendly name where given, else its link (None: neither)."""
    args = [None if isinstance(a, ir.Missing) else a for a in node.args]
    if len(args) > 1 and args[1] is not None:
        return args[1]
    return args[0] if args else None


def _always_error(d: Dyn) -> bool:
    """Whether ``d`` is an error in every trial (as_dyn of a constant error)."""
    return d.r == ("c", "") and is_constant_error(d.e)


def _may_be_empty(r: tuple, strings: list[str]) -> bool:
    """Whether a recipe's text can be "" in some trial (False only where it never is)."""
    tag = r[0]
    if tag == "c":
        return not r[1]
    if tag in ("n", "fmt"):
        return False
    if tag == "s":
        return any(not strings[k] for k in r[2])
    if tag == "cat":
        return all(_may_be_empty(p, strings) for p in r[1])
    if tag == "if":
        return _may_be_empty(r[2], strings) or _may_be_empty(r[3], strings)
    if tag == "case":
        return _may_be_empty(r[1], strings)
    if tag in ("left", "right") and _at_least(r[2], 1.0):
        return _may_be_empty(r[1], strings)
    if tag == "mid" and _at_least(r[3], 1.0) and r[2] == lit(1.0):
        return _may_be_empty(r[1], strings)
    return True


def _at_least(x: str, low: float) -> bool:
    try:
        return float(x.strip("()")) >= low
    except ValueError:
        return False


def _leaves(r: tuple) -> list[str]:
    """The value expressions a recipe reads."""
    tag = r[0]
    if tag == "c":
        return []
    if tag == "fmt":   # its number and its decimals (a name where they vary)
        return [r[1], r[2]]
    if tag in ("n", "s", "tfmt"):
        return [r[1]]
    if tag == "cat":
        return [x for p in r[1] for x in _leaves(p)]
    if tag == "pick":
        return [r[1], *(x for p in r[2] for x in _leaves(p))]
    if tag == "djoin":   # the result's arrays, its count, ignore_empty
        return [r[1], r[2], r[3], r[4], r[9]]
    if tag == "if":
        return [r[1], *_leaves(r[2]), *_leaves(r[3])]
    if tag == "subst":
        return [*_leaves(r[1]), r[2], *_leaves(r[3]), *_leaves(r[4])]
    if tag == "repl":
        return [*_leaves(r[1]), r[2], r[3], *_leaves(r[4])]
    extra = {"case": [], "trim": [], "left": r[2:3], "right": r[2:3], "mid": r[2:4],
             "rept": r[2:3]}[tag]
    return [*_leaves(r[1]), *extra]


def _substitute(r: tuple, names: dict[str, str]) -> tuple:
    """``r`` with its value expressions renamed."""
    tag = r[0]
    if tag == "c":
        return r
    if tag == "n":
        return ("n", names.get(r[1], r[1]))
    if tag == "s":
        return ("s", names.get(r[1], r[1]), r[2])
    if tag == "fmt":
        return (tag, names.get(r[1], r[1]), names.get(r[2], r[2]), *r[3:])
    if tag == "tfmt":
        return (tag, names.get(r[1], r[1]), *r[2:])
    if tag == "cat":
        return ("cat", tuple(_substitute(p, names) for p in r[1]))
    if tag == "pick":
        return ("pick", names.get(r[1], r[1]), tuple(_substitute(p, names) for p in r[2]))
    if tag == "djoin":
        return (tag, *(names.get(x, x) for x in r[1:5]), *r[5:9], names.get(r[9], r[9]),
                *r[10:])
    if tag == "if":
        return ("if", names.get(r[1], r[1]), _substitute(r[2], names),
                _substitute(r[3], names))
    if tag == "case":
        return ("case", _substitute(r[1], names), r[2])
    if tag == "rept":
        return ("rept", _substitute(r[1], names), names.get(r[2], r[2]), r[3])
    if tag == "subst":
        return ("subst", _substitute(r[1], names), names.get(r[2], r[2]),
                _substitute(r[3], names), _substitute(r[4], names), r[5])
    if tag == "repl":
        return ("repl", _substitute(r[1], names), names.get(r[2], r[2]),
                names.get(r[3], r[3]), _substitute(r[4], names), r[5])
    return (tag, _substitute(r[1], names), *(names.get(x, x) for x in r[2:]))


def _measure(r: tuple, strings: list[str]) -> tuple[int, int]:
    """The most characters of a recipe's text, and the buffer it needs while it is
    written (IF writes both texts, REPT its copies)."""
    tag = r[0]
    if tag == "c":
        return len(r[1]), len(r[1])
    if tag == "n":
        return MAX_CHARS, MAX_CHARS
    if tag == "fmt":
        return r[6], r[6]
    if tag == "tfmt":
        return r[3], r[3]
    if tag == "s":
        n = max(len(strings[k]) for k in r[2])
        return n, n
    if tag == "cat":
        got = [_measure(p, strings) for p in r[1]]
        return sum(b for b, _ in got), sum(s for _, s in got)
    if tag == "if":
        (b1, s1), (b2, s2) = _measure(r[2], strings), _measure(r[3], strings)
        return max(b1, b2), s1 + s2
    if tag == "djoin":
        return r[10], r[10]
    if tag == "pick":   # written once (one recipe over picked values) or each of them
        got = [_measure(p, strings) for p in r[2]]
        return max(b for b, _ in got), sum(s for _, s in got)
    if tag in ("subst", "repl"):   # written from buffers of their own
        return r[5], r[5]
    b, s = _measure(r[1], strings)
    if tag == "rept":
        return b * r[3], max(s, b * r[3])
    return b, s


def _texts(r: tuple, strings: list[str]) -> list[str]:
    tag = r[0]
    if tag == "c":
        return [r[1]]
    if tag == "s":
        return [strings[k] for k in r[2]]
    if tag in ("n", "fmt", "tfmt"):
        return []
    if tag == "djoin":
        return list(r[12])
    if tag in ("cat", "pick"):
        return [t for p in r[1 if tag == "cat" else 2] for t in _texts(p, strings)]
    if tag == "if":
        return _texts(r[2], strings) + _texts(r[3], strings)
    if tag in ("subst", "repl"):
        return [*_texts(r[1], strings), *(_texts(r[3], strings) if tag == "subst" else []),
                *_texts(r[4], strings)]
    return _texts(r[1], strings)


_NUMBER_CHARS = frozenset("0123456789.+-E")       # a number in General format
_FIXED_CHARS = frozenset("0123456789.,-$%")       # TEXT in [$]0|#,##0[.0...][%]


def _chars(r: tuple, strings: list[str]) -> frozenset[str] | None:
    """The characters a recipe's text can hold (None: not known here)."""
    tag = r[0]
    if tag == "c":
        return frozenset(r[1])
    if tag == "s":
        return frozenset(ch for k in r[2] for ch in strings[k])
    if tag == "n":
        return _NUMBER_CHARS
    if tag == "fmt":
        return _FIXED_CHARS
    if tag == "tfmt":
        return r[4]
    if tag == "djoin":
        return r[11]
    if tag in ("cat", "pick"):
        parts = [_chars(p, strings) for p in r[1 if tag == "cat" else 2]]
        return None if any(p is None for p in parts) else frozenset().union(*parts)
    if tag == "if":
        a, b = _chars(r[2], strings), _chars(r[3], strings)
        return None if a is None or b is None else a | b
    if tag in ("subst", "repl"):
        a, b = _chars(r[1], strings), _chars(r[4], strings)
        return None if a is None or b is None else a | b
    got = _chars(r[1], strings)
    if got is not None and tag == "case":   # every character of every case form
        got = got | frozenset(f for ch in got for f in ch.upper() + ch.lower() + ch.title())
    return got


def _pick_leaves(texts: tuple) -> tuple[tuple, list[list[str]]] | None:
    """Where ``texts`` are one recipe but for their values: that recipe with its values
    named "\\x00<j>", and value j of each text; else None."""
    def key(x: Any) -> Any:   # TEXT's number range (read by no emitter) set aside
        if isinstance(x, tuple):
            return tuple(key(y) for y in (x[:5] if x[:1] == ("tfmt",) else x))
        return x

    shapes: dict[Any, tuple] = {}
    columns: list[list[str]] = []
    for r in texts:
        leaves = list(dict.fromkeys(_leaves(r)))
        shape = _substitute(r, {x: f"\x00{j}" for j, x in enumerate(leaves)})
        shapes.setdefault(key(shape), shape)
        columns.append(leaves)
        if len(shapes) > 1 or len(leaves) != len(columns[0]):
            return None
    return next(iter(shapes.values())), [list(col) for col in zip(*columns, strict=True)]


def _ascii_recipe(r: tuple, strings: list[str]) -> bool:
    """Whether every character recipe ``r`` can make is ASCII.  Text other than ASCII is
    carried in recipes (an output, or a cell read as a whole, never needs its characters:
    "₱"&TEXT(x,"#,##0")) and refused where it is written into the buffer (the twins of
    _dtext_rt mirror the library for ASCII only); numbers, TEXT's formats and TEXTJOIN of
    an array result are ASCII by their makers."""
    tag = r[0]
    if tag == "c":
        return r[1].isascii()
    if tag == "s":
        return all(strings[k].isascii() for k in r[2])
    if tag in ("n", "fmt", "tfmt", "djoin"):
        return True
    if tag in ("cat", "pick"):
        return all(_ascii_recipe(p, strings) for p in r[1 if tag == "cat" else 2])
    if tag == "if":
        return _ascii_recipe(r[2], strings) and _ascii_recipe(r[3], strings)
    if tag in ("subst", "repl"):
        return all(_ascii_recipe(p, strings) for p in (r[1], r[4], *(
            (r[3],) if tag == "subst" else ())))
    return _ascii_recipe(r[1], strings)


_NOT_ASCII = "text other than ASCII, with text made per trial"


def _refuse_cases(r: tuple, strings: list[str]) -> None:
    """NotFusable where UPPER/LOWER/PROPER in recipe ``r`` would meet a character whose
    case ``dcase`` does not make as the library does (._unicase.refuse_case)."""
    for p in _parts(r):
        _refuse_cases(p, strings)
    if r[0] == "case":
        refuse_case(_chars(r[1], strings), float(r[2]))


def _parts(r: tuple) -> tuple:
    """The recipes recipe ``r`` is made of (none for a leaf)."""
    tag = r[0]
    if tag in ("c", "n", "s", "fmt", "tfmt", "djoin"):
        return ()
    if tag == "cat":
        return tuple(r[1])
    if tag == "pick":
        return tuple(r[2])
    if tag == "if":
        return (r[2], r[3])
    if tag == "subst":
        return (r[1], r[3], r[4])
    if tag == "repl":
        return (r[1], r[4])
    return (r[1],)


def _as_text(args: list[Any]) -> Any:
    from ...functions.operators import concat
    from ...values import blank, boolean

    return concat(boolean(bool(args[0])), blank())


__all__ = ["DynamicRead", "DynamicText", "DynamicTextMixin", "Dyn", "MAX_DYN"]
