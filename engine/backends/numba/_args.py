"""Argument handling shared by the kernel generator's Excel functions (a mixin)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ... import ir
from . import _intervals as iv
from ._dtext import DynamicText
from ._dvalue import dyn_date_arg, referenced_text
from ._host import GeneratorHost
from ._values import (
    KANY,
    KBLANK,
    KBOOL,
    KDYN,
    KNUM,
    KSTR,
    MAX_AREA_CELLS,
    ZERO,
    NotFusable,
    Val,
    lit,
    num,
)

if TYPE_CHECKING:
    from ...workbook import CellRef

Check = tuple[str, int] | None

# aggregates that take a referenced cell whose kind varies per trial as it is (kind KANY),
# counting it only where it holds a number (engine.functions._args.numeric_columns' mask)
MASKED = frozenset({"MIN", "MAX", "AVERAGE", "VAR", "VAR.S", "VARP", "VAR.P", "STDEV",
                    "STDEV.S", "STDEVP", "STDEV.P", "MEDIAN", "PERCENTILE", "PERCENTILE.INC",
                    "PERCENTILE.EXC", "LARGE", "SMALL", "QUARTILE", "QUARTILE.INC",
                    "QUARTILE.EXC", "PRODUCT", "AVERAGEA", "MINA", "MAXA", "VARA", "VARPA",
                    "STDEVA", "STDEVPA", "AVEDEV", "DEVSQ", "GEOMEAN", "HARMEAN", "KURT",
                    "SKEW", "SKEW.P", "TRIMMEAN", "MODE", "MODE.SNGL", "NPV", "PERCENTRANK",
                    "PERCENTRANK.INC", "PERCENTRANK.EXC"})
BLANK_CELL = Val("0.0", "0", KBLANK, 0.0, 0.0)
# aggregates that count text of a range as 0 and its logicals as 0/1 (numeric_columns'
# text_in_refs/bools_in_refs)
A_NAMES = frozenset({"AVERAGEA", "MINA", "MAXA", "VARA", "VARPA", "STDEVA", "STDEVPA"})


def is_reference(node: ir.Node) -> bool:
    """Whether the numpy compiler hands the direct argument ``node`` of a function taking
    references to it as a reference to one cell (engine._computed_refs._selected_reference:
    IF/CHOOSE/IFS/SWITCH whose every result is a cell or such a call, all on one sheet): the
    function then reads the chosen cell as a referenced one (its text, logicals and blank
    skipped), not as a value."""
    from ..._computed_refs import SELECTORS, sheet_of
    from ..._ir_passes import selector_index

    if not (isinstance(node, ir.Call) and node.name in SELECTORS):
        return False
    got = selector_index(node)
    if got is None or sheet_of(node) is None:
        return False
    return all(isinstance(r, ir.Ref) or is_reference(r) for r in got[0])


def _may_be_reference(node: ir.Node, top: bool = True) -> bool:
    """Whether the numpy compiler reads the direct argument ``node`` of a function taking
    references as a reference (engine._computed_refs: IF/CHOOSE/IFS/SWITCH whose results
    are all references on one sheet, INDEX of a range); True where unsure."""
    from ..._computed_refs import SELECTORS, sheet_of
    from ..._ir_passes import selector_index

    if isinstance(node, ir.Ref | ir.Area):
        return not top
    if not isinstance(node, ir.Call):
        return False
    if node.name in SELECTORS:
        got = selector_index(node)
        if got is None:
            return False
        results = got[0]
        if len({sheet_of(r) for r in results} - {None}) > 1:
            return False
        return all(_may_be_reference(r, False) for r in results)
    return node.name in ("INDEX", "OFFSET", "INDIRECT")


def selects_ranges(node: ir.Node) -> bool:
    """Whether ``node`` is IF/CHOOSE/IFS/SWITCH whose results are ranges (or cells), at
    least one a range of several cells, all on one sheet: a function taking references
    reads the range the trial chooses (engine._computed_refs), see
    :meth:`ArgsMixin.selected_ranges`."""
    from ..._computed_refs import SELECTORS, sheet_of
    from ..._ir_passes import selector_index

    if not (isinstance(node, ir.Call) and node.name in SELECTORS):
        return False
    got = selector_index(node)
    if got is None or sheet_of(node) is None:
        return False
    results = got[0]
    return all(isinstance(r, ir.Ref | ir.Area) for r in results) and any(
        isinstance(r, ir.Area) and r.shape != (1, 1) for r in results)


class ArgsMixin(GeneratorHost):
    """How the ``fn_*`` methods read their arguments, as the numpy library does."""

    if TYPE_CHECKING:  # provided by the Generator this is mixed into
        def condition(self, node: ir.Node | None) -> Val: ...
        def arith(self, op: str, a: Val, b: Val) -> Val: ...
        def result(self, expr: str, args: list[Val], checks: Sequence[Check] = (),
                   bounds: iv.Interval = iv.UNKNOWN) -> Val: ...
        def uniform(self, sid: int) -> str: ...
        def rand_stream(self, node: ir.Call) -> int: ...
        def date_value(self, v: Val, atp: bool, dates: bool = True) -> Val: ...

    # ------------------------------------------------------------ argument helpers
    def numeric(self, node: ir.Call, defaults: tuple[float | None, ...]) -> list[Val]:
        """Arguments of a function of numbers (engine.functions.math.numeric)."""
        if len(node.args) > len(defaults):
            raise NotFusable(f"{node.name} with too many arguments")
        args = list(node.args) + [None] * (len(defaults) - len(node.args))
        out = []
        for a, d in zip(args, defaults, strict=True):
            if isinstance(a, ir.Area):
                raise NotFusable(f"{node.name} over a range (array formula)")
            out.append(self.number(a, d))
        return out

    def items(self, node: ir.Call, omitted_zero: bool = False) -> list[tuple[Val, bool]]:
        """(value, from a reference) for every argument and every cell of ranges, in order
        (engine.functions._args.iter_values); omitted arguments are skipped, or count as the
        number 0 (``omitted_zero``: AVERAGE, MIN, MAX, as engine.functions.stats does)."""
        from ...functions import function_named

        fn = function_named(node.name)
        refs = fn is not None and fn.refs
        out: list[tuple[Val, bool]] = []
        for a in node.args:
            if isinstance(a, ir.Missing):
                if omitted_zero:
                    out.append((ZERO, False))
                continue
            if isinstance(a, ir.Ref) and refs:
                out.append((self.in_range(self.ref_item(a.cell), node.name), True))
            elif isinstance(a, ir.Area):
                out.extend((self.in_range(self.ref_item(c), node.name), True)
                           for c in self.area_cells(a, node.name))
            elif (arr := self.array_call_values(a)) is not None:   # MMULT ... (_matrices)
                out.extend((self.in_range(v, node.name), True) for v in arr)
            elif refs and selects_ranges(a):   # CHOOSE(k, range, range ...): the chosen one
                out.extend((self.in_range(v, node.name), True) for v in self.selected_ranges(a))
            else:
                mark = len(self.lines)
                try:
                    v = self.expr(a)
                except DynamicText:   # text made per trial typed as an argument (H2's _dvalue)
                    if refs and _may_be_reference(a):
                        raise
                    del self.lines[mark:]
                    out.append((dyn_date_arg(self, a, False, False), False))  # type: ignore[arg-type]
                    continue
                if refs and (is_reference(a) or self.index_cell(a)):   # a referenced cell
                    out.append((self.in_range(v, node.name), True))
                    continue
                if v.kind in (KSTR, KANY):
                    if refs and _may_be_reference(a):
                        # a reference to the numpy compiler (_computed_refs): text skipped
                        raise NotFusable(f"text argument of {node.name}")
                    v = self.date_value(v, False)   # typed_number: numeric or date text
                out.append((v, False))
        return out

    def selected_ranges(self, a: ir.Call) -> list[Val]:
        """The cells of the range IF/CHOOSE/IFS/SWITCH ``a`` chooses in each trial
        (:func:`selects_ranges`), position by position: cell k of the chosen range, blank
        past its end (the functions reading them skip a referenced blank, so a shorter range
        reads as numpy's evaluation per group of trials choosing one range does); the
        choice's error first, as numpy's reference has it."""
        from ..._ir_passes import selector_index

        got = selector_index(a)
        assert got is not None
        results, pick = got
        self.array_ir.append(pick)   # type: ignore[attr-defined]  # kept: ids key constants
        lists = [[r.cell] if isinstance(r, ir.Ref) else self.area_cells(r) for r in results]
        k = self.number(pick)
        pos = k.v if k.e == "0" else self.value(f"sel({k.e} != 0, 0.0, {k.v})")
        out = []
        for j in range(max(len(c) for c in lists)):
            cells = [self.operand(c[j]) if j < len(c) else BLANK_CELL for c in lists]
            out.append(self._gathered(pos, cells, [k.e], False))   # type: ignore[attr-defined]
        return out

    def ref_item(self, c: CellRef) -> Val:
        """A referenced cell as an aggregate reads it; text made per trial as text of one
        placeholder id (engineer H2's _dvalue.referenced_text)."""
        v = self.cells.get(c)   # type: ignore[attr-defined]
        if v is not None and v.kind == KDYN:
            return referenced_text(self, v)  # type: ignore[arg-type]
        if v is not None and c in self.dyn_mixed:  # type: ignore[attr-defined]
            return v   # a cell of mixed kind (_dtext): its kind per trial, its text unread
        return self.operand(c)

    def index_cell(self, a: ir.Node) -> bool:
        """Whether ``a`` is INDEX of a range at positions that pick one cell in every trial
        (each at least 1, no error): the numpy compiler hands it to a function taking
        references as that cell's reference (engine._computed_refs), whose text, logicals
        and blank the function then skips."""
        if not (isinstance(a, ir.Call) and a.name == "INDEX" and 2 <= len(a.args) <= 3
                and isinstance(a.args[0], ir.Ref | ir.Area)):
            return False
        if any(isinstance(x, ir.Area | ir.Array) for p in a.args[1:] for x in ir.walk(p)):
            return False
        x = self._index_plan(a)   # type: ignore[attr-defined]
        if x.mode == "block":
            return x.shape is None and x.area is not None
        return x.mode == "cell" and x.r.positive(x.rows) and x.c.positive(x.cols)

    def in_range(self, v: Val, name: str) -> Val:
        """A referenced cell as an aggregate reads it: a mixed cell as its number where it
        holds one (SUM only: adding 0 elsewhere is skipping it; others would count it)."""
        if v.kind != KANY or name in MASKED:   # MASKED: the caller reads its number tag
            return v
        if name not in ("SUM", "SUMPRODUCT", "SUMSQ"):
            raise NotFusable(f"{name} over a cell whose type varies per trial")
        assert v.y is not None
        return Val(self.value(f"sel({v.y} == 0.0, {v.v}, 0.0)"), v.e, KNUM,
                   *iv.union([v.iv, (0.0, 0.0)]))

    def arity_value(self, node: ir.Call) -> Val | None:
        """#VALUE! for a library function called with a number of arguments it cannot take
        (the numpy compiler makes such a cell a constant #VALUE!, its arguments unread;
        Excel refuses the formula), else None."""
        from ...compiler import Compiler, lookup_function
        from ...functions import EXTERNAL_DATA, arity_error
        from ...functions.lambdas import LAMBDA_CALLS

        name = node.name
        if name in LAMBDA_CALLS or name in EXTERNAL_DATA or \
                hasattr(Compiler, f"_fn_{name.replace('.', '_').lower()}"):
            return None
        fn = lookup_function(name)
        if fn is None or arity_error(fn, len(node.args)) is None:
            return None
        return Val("0.0", "3", KNUM, 0.0, 0.0)

    def area_cells(self, a: ir.Area, fn: str | None = None) -> list[CellRef]:
        """The cells of ``a``; past MAX_AREA_CELLS only where ``fn`` copies them by a loop
        (_gather.loop_gathered)."""
        rows, cols = a.shape
        if rows * cols > MAX_AREA_CELLS and not (
                fn is not None and self.loop_gathered(a, fn)):  # type: ignore[attr-defined]
            raise NotFusable(f"a range of {rows * cols} cells")
        return [c for row in a.cells() for c in row]

    def numbers(self, node: ir.Call, omitted_zero: bool = False) -> tuple[list[Val], str]:
        """The numbers an aggregate uses (engine.functions._args.numeric_columns): in ranges
        only numbers (the ...A functions: text as 0, logicals as 0/1 too), direct arguments
        coerced; and the first error of any of them."""
        vals, errs = [], []
        a_rules = node.name in A_NAMES
        for v, from_ref in self.items(node, omitted_zero):
            errs.append(v.e)
            if from_ref and a_rules:
                got = self.a_value(v)
                if got is not None:
                    vals.append(got)
                continue
            if from_ref and v.kind not in (KNUM, KANY):   # KANY: MASKED aggregates only
                continue
            vals.append(v)
        return vals, self.err(self.chain(errs))

    def a_value(self, v: Val) -> Val | None:
        """A referenced cell as AVERAGEA/MAXA/... count it: text 0, a logical 0 or 1, a
        blank not at all (None; a cell whose kind varies: counted where it is not blank, as
        a value of kind KANY whose tag is 0 where it counts, 3 where not)."""
        if v.kind == KNUM:
            return v
        if v.kind == KBOOL:
            return Val(v.v, v.e, KNUM, v.lo, v.hi)
        if v.kind == KSTR:
            return Val("0.0", v.e, KNUM, 0.0, 0.0)
        if v.kind != KANY:
            return None
        assert v.y is not None
        x = self.value(f"sel({v.y} == 2.0, 0.0, {v.v})")
        y = self.value(f"sel({v.y} == 3.0, 3.0, 0.0)")
        lo, hi = iv.union([v.iv, (0.0, 1.0)])
        return Val(x, v.e, KANY, lo, hi, None, y, (KNUM, KBLANK))

    def present(self, v: Val) -> str | None:
        """Where a value from ``numbers`` counts: None for always (a number), else a
        per-trial condition (a cell of varying kind holding a number)."""
        if v.kind != KANY:
            return None
        assert v.y is not None
        return self.value(f"{v.y} == 0.0")

    def masked_sum(self, vals: list[Val], fn: str = "{x}") -> tuple[str, str, int]:
        """(0 + f(x1) + f(x2) ..., the count of numbers, how many are always there) over the
        values of ``numbers``, a masked value adding 0.0 (stats._sum and ._count)."""
        acc, cnt, always = "0.0", None, 0
        for v in vals:
            term = fn.format(x=v.v) if fn == "{x}" else self.value(fn.format(x=v.v))
            p = self.present(v)
            if p is None:
                always += 1
                acc = self.value(f"{acc} + {term}")
            else:
                acc = self.value(f"{acc} + sel({p}, {term}, 0.0)")
                cnt = self.value(f"b2f({p})" if cnt is None else f"{cnt} + b2f({p})")
        total = lit(float(always)) if cnt is None else self.value(f"{cnt} + {lit(float(always))}")
        return acc, total, always

    def guarded(self, x: str, bad: str) -> str:
        """``x`` replaced by 1.0 where ``bad`` holds (the numpy library's domain guard)."""
        return self.value(f"sel({bad}, 1.0, {x})")

    def _bool(self, expr: str, e: str) -> Val:
        return num(self.value(expr), e, (0.0, 1.0), KBOOL)
