"""Text, logicals and errors in the fused kernel: strings as ids into a compile-time table.

A text value in generated code is a float holding an id into :attr:`TextMixin.strings`; its
:class:`Val` carries ``dom``, the ids it can take (text only ever comes from constants, the
workbook's strings, and functions of them, so the set is finite and known when the kernel is
generated).  Whatever is computed *from* text is therefore a function of a few ids, and the
generator evaluates it once per id (or per pair of ids) with the numpy reference itself and
emits a table lookup: ``kv[<offset> + int(id)]``.  That covers comparisons (case-insensitive,
Excel's order of types), ``&``, LEN/UPPER/LEFT/..., coercion of text to numbers and
logicals, lookups of a text key in a constant table, and the criteria of SUMIF/COUNTIF/...
matched against text cells: the answers are the reference's by construction.

What cannot be a table is a string made per trial from a varying number (``A1&" units"``,
``LEFT(A1,3)``): that raises :class:`._dtext.DynamicText`, and :mod:`._dtext` makes it again
as dynamic text (``TEXT(A1,"0.0")`` and what it does not handle stay on numpy).

The tables live in the ``kv`` constant array (a block of entries each), so the kernel's
signature, the CUDA translation and the launchers are the same for every value kind.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ... import ir
from ...values import DIV0, NA, VALUE, ExcelError, Grid, Kind, Vec, blank, boolean, num, text
from ._args import selects_ranges
from ._dtext import DynamicText, DynamicTextMixin
from ._host import GeneratorHost
from ._values import BLANK, KANY, KBLANK, KBOOL, KDYN, KNUM, KSTR, NotFusable, Val, code, lit

if TYPE_CHECKING:
    from ...workbook import CellRef

MAX_TABLE = 1 << 16   # entries of one lookup table (ids are global: (max id + 1) per text)
# functions evaluated per text id through the numpy library (they read values, not references)
ENUMERATED = frozenset({
    "LEN", "UPPER", "LOWER", "TRIM", "LEFT", "RIGHT", "MID", "PROPER", "CLEAN", "VALUE",
    "EXACT", "CONCATENATE", "CONCAT", "REPT", "SUBSTITUTE", "FIND", "SEARCH", "REPLACE",
    "T", "N", "CODE", "UNICODE", "VLOOKUP", "HLOOKUP", "XLOOKUP", "LOOKUP", "XMATCH",
    "LEFTB", "RIGHTB", "MIDB", "LENB", "FINDB", "SEARCHB", "TEXTBEFORE", "TEXTAFTER",
    "NUMBERVALUE", "DATEVALUE", "TIMEVALUE", "SWITCH", "TEXT", "FIXED", "DOLLAR",
    "ASC", "REPLACEB", "VALUETOTEXT",
})


class TextMixin(DynamicTextMixin, GeneratorHost):
    """String table, text constants and everything computed from text ids (a mixin of the
    Generator: see the module docstring); text made per trial: :mod:`._dtext`."""

    if TYPE_CHECKING:  # provided by the Generator
        consts: list[tuple[float, int]]
        const_index: dict[object, int]

        def by_kind(self, a: Val, fn: Callable[[Val], Val]) -> Val: ...

    strings: list[str]
    string_ids: dict[str, int]

    # ------------------------------------------------------------ the table
    def string_id(self, s: str) -> int:
        got = self.string_ids.get(s)
        if got is None:
            got = self.string_ids[s] = len(self.strings)
            self.strings.append(s)
        return got

    def text_const(self, s: str, e: str = "0") -> Val:
        k = self.string_id(s)
        return Val(lit(float(k)), e, KSTR, float(k), float(k), (k,))

    def table(self, values: Sequence[float]) -> int:
        """The offset in ``kv`` of a block holding ``values`` (shared when equal)."""
        key = ("table", tuple(float(x) for x in values))
        idx = self.const_index.get(key)
        if idx is None:
            idx = self.const_index[key] = len(self.consts)
            self.consts.extend((float(x), 0) for x in key[1])
        return idx

    # ------------------------------------------------------------ enumeration
    def domain(self, v: Val) -> list[tuple[int, Any]] | None:
        """(index in a table, Python value) for each value ``v`` can take, or None when it is
        one known constant (not a table variable).  Raises NotFusable for a varying number."""
        if v.kind == KANY:   # the dynamic path may read it as text per kind (_dtext._any_dyn)
            raise DynamicText("a value whose type varies per trial, where one type is needed")
        if v.kind == KDYN:
            raise DynamicText("text made per trial, where text from the table is needed")
        if v.kind == KSTR:
            assert v.dom is not None
            if len(v.dom) == 1:
                return None
            return [(k, self.strings[k]) for k in v.dom]
        if v.kind == KBOOL and v.lo != v.hi:
            return [(0, False), (1, True)]
        if v.lo == v.hi or v.kind == KBLANK:
            return None
        raise DynamicText("text made from a number that varies per trial (a dynamic string)")

    def python_value(self, v: Val) -> Any:
        """The one value of a constant Val (its error aside)."""
        if v.kind == KSTR:
            assert v.dom is not None
            return self.strings[v.dom[0]]
        if v.kind == KBLANK:
            return None
        if v.kind == KBOOL:
            return bool(v.lo)
        return float(v.lo)

    def tabulate(self, vals: Sequence[Val], fn: Callable[[list[Any]], Vec], what: str,
                 chained: Sequence[bool] | None = None,
                 batch: Callable[[list[list[Any]]], Vec | None] | None = None) -> Val:
        """``fn`` of the Python values of ``vals`` for every combination they can take, as
        table lookups; argument errors (leftmost first) win over the table's, except those
        of arguments not ``chained`` (an argument left of them is a constant error: the
        table already holds it).  ``batch``, where given, is ``fn`` of every combination at
        once (one list of values per varying argument, one entry per combination, as the
        numpy reference computes trials): one call instead of one per combination (a
        VLOOKUP of a text key taking K values in a table of T rows: O(K + T), not O(K * T));
        None where it cannot, and then ``fn`` runs per combination."""
        doms = [self.domain(v) for v in vals]
        fixed = [self.python_value(v) if d is None else None for v, d in zip(vals, doms,
                                                                             strict=True)]
        var = [j for j, d in enumerate(doms) if d is not None]
        widths = [max(k for k, _ in doms[j]) + 1 for j in var]   # type: ignore[index]
        size = math.prod(widths)
        if size > MAX_TABLE:
            raise _TooLarge(f"{what}: a table of {size} entries")
        values = np.zeros(size)
        errors = np.zeros(size, dtype=np.int64)
        kinds: set[str] = set()
        ids: set[int] = set()
        combos = list(itertools.product(*[doms[j] for j in var]))  # type: ignore[misc]
        many = _batched(batch, combos) if batch is not None and len(combos) > 1 else None
        for i, combo in enumerate(combos):
            args = list(fixed)
            pos = 0
            for j, w, (k, x) in zip(var, widths, combo, strict=True):
                args[j] = x
                pos = pos * w + k
            x = many.scalar(i) if many is not None else _scalar(fn(args))
            if isinstance(x, ExcelError):
                errors[pos] = x.code
            elif x is None:
                kinds.add(KBLANK)
            elif isinstance(x, bool):
                kinds.add(KBOOL)
                values[pos] = float(x)
            elif isinstance(x, str):
                kinds.add(KSTR)
                k = self.string_id(x)
                ids.add(k)
                values[pos] = float(k)
            else:
                kinds.add(KNUM)
                if not math.isfinite(float(x)):
                    raise NotFusable(f"{what}: a non-finite value")
                values[pos] = float(x)
        if len(kinds) > 1:
            raise NotFusable(f"{what}: results of several types")
        kind = kinds.pop() if kinds else KNUM
        if var:
            idx = f"int({vals[var[0]].v})"
            for j, w in zip(var[1:], widths[1:], strict=True):
                idx = f"({idx}) * {w} + int({vals[j].v})"   # (a * w1 + b) * w2 + c
        else:
            idx = "0"
        used = _positions(doms, var, widths)
        vset = {values[p] for p in used if errors[p] == 0}
        if len(vset) <= 1:
            v = lit(vset.pop() if vset else 0.0)
        else:
            v = self.value(f"kv[{self.table(values)} + {idx}]")
        eset = {int(errors[p]) for p in used}
        if eset == {0}:
            e_tab = None
        elif len(eset) == 1:
            e_tab = (code(eset.pop()), 0)
        else:
            e_tab = (self.err(f"int(kv[{self.table(errors)} + {idx}])"), 0)
        keep = chained if chained is not None else [True] * len(vals)
        e = self.err(self.chain([x.e for x, k in zip(vals, keep, strict=True) if k], [e_tab]))
        good = [values[p] for p in used if errors[p] == 0] or [0.0]
        if kind == KSTR:
            return Val(v, e, KSTR, min(good), max(good), tuple(sorted(ids)))
        bounds = (min(good), max(good)) if kind != KBLANK else (0.0, 0.0)
        return Val(v, e, kind, *bounds)

    # ------------------------------------------------------------ coercion
    def text_number(self, v: Val) -> Val:
        """Text used as a number: numeric text as its number, else #VALUE!."""
        from ...values import to_number

        def fn(args: list[Any]) -> Vec:
            x, err = to_number(text(args[0]))
            return Vec(Kind.NUM, x, err)

        return self.tabulate([v], fn, "text used as a number")

    def text_condition(self, v: Val) -> Val:
        """Text used as a logical test: "TRUE"/"FALSE" (any case), else #VALUE!."""
        from ...values import to_bool

        def fn(args: list[Any]) -> Vec:
            x, err = to_bool(text(args[0]))
            return Vec(Kind.BOOL, x, err)

        return self.tabulate([v], fn, "text used as a condition")

    # ------------------------------------------------------------ operators
    def text_compare(self, op: str, a: Val, b: Val) -> Val:
        """engine.functions.operators.compare where a side is text: numbers < text <
        logicals whatever the values; text case-insensitively; blank as ""."""
        from ...functions.operators import compare

        def fn(args: list[Any]) -> Vec:
            return compare(op, _vec(args[0]), _vec(args[1]))

        if a.kind != KSTR and a.kind != KBLANK and a.lo != a.hi:
            a = _representative(a)   # the order of types alone decides
        if b.kind != KSTR and b.kind != KBLANK and b.lo != b.hi:
            b = _representative(b)
        return self.tabulate([a, b], fn, "a comparison with text")

    def concat(self, a: Val, b: Val) -> Val:
        """``&`` over values from the table (engine.functions.operators.concat)."""
        from ...functions.operators import concat

        try:
            return self.tabulate([a, b], lambda args: concat(_vec(args[0]), _vec(args[1])),
                                 "text joined with '&'")
        except _TooLarge as exc:   # too many pairs: joined per trial instead (_dtext)
            raise DynamicText(str(exc)) from None

    # ------------------------------------------------------------ functions per id
    def enumerated_call(self, node: ir.Call) -> Val:
        """A function of text (or logical) arguments and constants, evaluated by the numpy
        library for every value the arguments can take."""
        from ..._segments import Slot, SlotEnv
        from ...compiler import CompileInfo, Compiler, compile_formula

        assert self.cell is not None
        slots: list[int] = []
        vals: list[Val] = []
        chained: list[bool] = []
        error_left = False   # a constant argument left of this one is an error
        for j, a in enumerate(node.args):
            if self.is_constant(a):
                if not isinstance(a, ir.Missing | ir.Area) and not error_left:
                    error_left = self.expr(a).e != "0"
                continue
            if isinstance(a, ir.Area):
                if node.name == "CONCAT":   # its values as text made per trial (_dtext)
                    raise DynamicText("CONCAT over a range that varies")
                raise NotFusable(f"{node.name} over a range that varies")
            v = self.expr(a)
            if v.kind == KNUM and v.lo != v.hi:
                raise DynamicText(f"{node.name} of a number that varies per trial")
            slots.append(j)
            vals.append(v)
            chained.append(not error_left)
        cell = self.cell

        def fn(args: list[Any]) -> Vec:
            new = list(node.args)
            for j, x in zip(slots, args, strict=True):
                new[j] = _literal(x)
            compiled, info = compile_formula(ir.Call(node.name, tuple(new)), cell)
            if info.unsupported:
                raise NotFusable(f"function {node.name} is not supported")
            got = compiled(self.env)
            if isinstance(got, Grid):
                raise NotFusable(f"{node.name} returning an array")
            return got

        def batch(columns: list[list[Any]]) -> Vec | None:
            if node.name not in _BATCHED:
                return None
            slots_env = SlotEnv(self.env)
            new = list(node.args)
            for j, xs in zip(slots, columns, strict=True):
                if all(isinstance(x, str) for x in xs):
                    slots_env.slots.append(text(xs))
                elif all(isinstance(x, bool) for x in xs):
                    slots_env.slots.append(Vec(Kind.BOOL, np.array(xs, dtype=bool)))
                else:
                    return None   # blanks among them: Missing as a literal, per combination
                new[j] = Slot(len(slots_env.slots) - 1)
            info = CompileInfo()
            try:
                compiled = Compiler(cell, info).compile(ir.Call(node.name, tuple(new)))
                got = None if info.unsupported else compiled(slots_env)
            except Exception:   # noqa: BLE001 - the per-combination path says what failed
                return None
            return got if isinstance(got, Vec) else None

        return self.tabulate(vals, fn, node.name, chained, batch)

    def fn_textjoin(self, node: ir.Call) -> Val:
        """TEXTJOIN of values that vary: text made per trial (:mod:`._dtext`)."""
        raise DynamicText("TEXTJOIN of values that vary per trial")

    # ------------------------------------------------------------ CHAR, UNICHAR
    def fn_char(self, node: ir.Call) -> Val:
        return self._of_whole(node, 1, 255)

    def fn_unichar(self, node: ir.Call) -> Val:
        return self._of_whole(node, 1, 0x10FFFF)

    def fn_roman(self, node: ir.Call) -> Val:
        return self._of_whole(node, 0, 3999)

    def fn_dec2bin(self, node: ir.Call) -> Val:
        return self._of_whole(node, -512, 511)

    def fn_dec2oct(self, node: ir.Call) -> Val:
        return self._of_whole(node, -(1 << 29), (1 << 29) - 1)

    def fn_dec2hex(self, node: ir.Call) -> Val:
        return self._of_whole(node, -(1 << 39), (1 << 39) - 1)

    def fn_base(self, node: ir.Call) -> Val:
        return self._of_whole(node, 0, (1 << 53) - 1)

    def _of_whole(self, node: ir.Call, low: int, high: int) -> Val:
        """A text function of a number it truncates (CHAR, UNICHAR, ROMAN, DEC2BIN, BASE...)
        whose other arguments are constants: the reference's text (or error) for each whole
        number the argument can take, as tables of ids and error codes (at most 4,096); the
        reference's error below ``low`` and above ``high``."""
        from ...compiler import lookup_function

        args = list(node.args)
        if not args or any(isinstance(a, ir.Area) for a in args):
            raise NotFusable(f"{node.name} with a wrong argument")
        if self.is_constant(args[0]) or not all(self.is_constant(a) for a in args[1:]):
            return self.enumerated_call(node)
        x = self.number(args[0])
        if x.kind != KNUM:
            return self.enumerated_call(node)
        lo = max(low, int(math.floor(x.lo))) if math.isfinite(x.lo) else low
        hi = min(high, int(math.trunc(x.hi))) if math.isfinite(x.hi) else high
        hi = max(hi, lo)
        if hi - lo > 4096:
            raise NotFusable(f"{node.name} of a number that varies over more than 4096 values")
        rest = [self.fold(a) if not isinstance(a, ir.Missing) else None for a in args[1:]]
        if any(r is None and not isinstance(a, ir.Missing) for r, a in zip(rest, args[1:],
                                                                           strict=True)):
            raise NotFusable(f"{node.name} with an argument that is not a value")
        fixed = [None if r is None else _vec(self.python_value(r)) if r.e == "0" else None
                 for r in rest]
        if any(r is not None and r.e != "0" for r in rest):
            return self.enumerated_call(node)
        fn = lookup_function(node.name).impl

        def at(k: float) -> Any:
            return _scalar(fn(num(k), *fixed)) if fixed else _scalar(fn(num(k)))

        ids, errs = [], []
        for k in range(lo, hi + 1):
            got = at(float(k))
            if isinstance(got, ExcelError):
                ids.append(float(self.string_id("")))
                errs.append(float(got.code))
            else:
                ids.append(float(self.string_id(str(got))))
                errs.append(0.0)
        t = self.value(f"np.trunc({x.v})")
        checks: list[tuple[str, int] | None] = []
        for side, k, op in (("below", low - 1, "<"), ("above", high + 1, ">")):
            got = at(float(k))
            if not isinstance(got, ExcelError):
                raise NotFusable(f"{node.name}: no error {side} its range")
            checks.append((f"({t} {op} {float(low if op == '<' else high)})", int(got.code)))
        k = self.value(f"min(dcount({x.v}, {float(lo)}), {float(hi)})")
        v = self.value(f"kv[{self.table(ids)} + int({k}) - {lo}]")
        errs_v: list[str] = [x.e]
        if any(errs):   # the reference's error of each whole number in range
            codes = {int(c) for c in errs}
            e_tab = self.err(f"int(kv[{self.table(errs)} + int({k}) - {lo}])") \
                if len(codes) > 1 else code(codes.pop())
            out = f"({t} < {float(low)}) | ({t} > {float(high)})"
            errs_v.append(self.err(f"sel({out}, 0, {e_tab})"))
        e = self.err(self.chain(errs_v, checks))
        dom = tuple(sorted({int(i) for i, c in zip(ids, errs, strict=True) if not c}
                           or {int(ids[0])}))
        return Val(v, e, KSTR, float(dom[0]), float(dom[-1]), dom)

    # ------------------------------------------------------------ IS functions (functions.info)
    def _is(self, node: ir.Call) -> Val:
        if len(node.args) > 1 or (node.args and isinstance(node.args[0], ir.Area)):
            raise NotFusable(f"{node.name} with a wrong argument")
        v = BLANK if not node.args or isinstance(node.args[0], ir.Missing) \
            else self.expr(node.args[0])
        if v.kind == KANY:   # a value whose kind varies per trial (a cell of mixed kind)
            return self.by_kind(v, lambda x: self._is_value(node.name, x))
        return self._is_value(node.name, v)

    def _is_value(self, name: str, v: Val) -> Val:
        kinds = {"ISNUMBER": KNUM, "ISTEXT": KSTR, "ISLOGICAL": KBOOL, "ISBLANK": KBLANK,
                 "ISNONTEXT": KSTR}
        if name in kinds:
            hit = v.kind == kinds[name]
            if name == "ISNONTEXT":
                if not hit:
                    return _bool_const(True)
                return self._bool_of(f"b2f({v.e} != 0)") if v.e != "0" else _bool_const(False)
            if not hit:
                return _bool_const(False)
            return self._bool_of(f"b2f({v.e} == 0)") if v.e != "0" else _bool_const(True)
        if v.e == "0":
            return _bool_const(False)
        test = {"ISERROR": f"{v.e} != 0", "ISERR": f"({v.e} != 0) & ({v.e} != {NA})",
                "ISNA": f"{v.e} == {NA}"}[name]
        return self._bool_of(f"b2f({test})")

    def _bool_of(self, expr: str) -> Val:
        return Val(self.value(expr), "0", KBOOL, 0.0, 1.0)

    fn_isnumber = fn_istext = fn_islogical = fn_isblank = fn_isnontext = _is
    fn_iserror = fn_iserr = fn_isna = _is

    # ------------------------------------------------------------ criteria (functions._criteria)
    def _criteria_range(self, node: ir.Node, what: str) -> tuple[ir.Area, list[Val]]:
        if isinstance(node, ir.Err):   # INDIRECT naming nothing: numpy's 1x1 of the error
            assert self.cell is not None
            return ir.Area(self.cell.sheet, 1, 1, 1, 1), [self.expr(node)]
        if isinstance(node, ir.Ref):
            node = ir.Area(node.cell.sheet, node.cell.row, node.cell.col, node.cell.row,
                           node.cell.col)
        if not isinstance(node, ir.Area):
            raise NotFusable(f"{what} over something other than a range")
        return node, [self._criteria_cell(c) for row in node.cells() for c in row]

    def _criteria_cell(self, c: CellRef) -> Val:
        """A range cell of criteria; a cell of text made per trial as its own value (its
        recipe: matched in the buffer by _dcriteria)."""
        got = self.cells.get(c)
        if got is not None and got.kind == KDYN and c not in self.dyn_mixed:
            return got
        return self.operand(c)

    def _criterion(self, node: ir.Node | None, what: str) -> Any:
        from ...functions._criteria import parse

        if node is None or isinstance(node, ir.Missing):
            return parse(None)
        if isinstance(node, ir.Area):
            raise NotFusable(f"{what} with a range as the criterion")
        mark = len(self.lines)
        try:
            v = self.expr(node)
        except DynamicText:   # made per trial (">"&A1): engineer H2's _dvalue
            del self.lines[mark:]
            from ._dvalue import dyn_criterion

            try:
                return dyn_criterion(self, node, what)  # type: ignore[arg-type]
            except NotFusable:   # any other text made per trial: _dcriteria
                del self.lines[mark:]
                from ._dcriteria import text_criterion

                return text_criterion(self, node, what)
        if not self.is_constant(node):
            if v.kind == KNUM and v.e == "0":   # a number that varies: "=" that number
                return _VaryingNumber(v)
            if v.kind == KDYN:   # a cell of text made per trial: _dcriteria
                from ._dcriteria import TextCriterion

                return TextCriterion(self, self.as_dyn(v, False))
            if v.kind != KSTR or v.e != "0":   # mixed, logical, may be an error: per kind
                from ._varying_criterion import varying_criterion

                return varying_criterion(v, what)
            return v   # text that varies: matched through a table per criterion
        if v.e != "0":   # a constant error (a literal code, or a constant's q<k>)
            k = v.e[1:] if v.e[:1] == "q" else ""
            e = int(v.e) if v.e.isdigit() else self.consts[int(k)][1] if k.isdigit() else 0
            if v.lo != v.hi or not e:
                raise NotFusable(f"{what} with an error criterion")
            return parse(ExcelError(_error_name(e)))
        x = self.python_value(v)
        got = parse(x)
        if isinstance(x, str):   # its text, for ranges of text made per trial: _dcriteria
            self.__dict__.setdefault("_crit_text", {})[id(got)] = (got, x)
        return got

    def match_mask(self, crit: Any, cell: Val) -> str:
        """Where ``cell`` meets the parsed criterion, per trial ("1.0"/"0.0" when fixed)."""
        from ...functions._criteria import match, parse, view

        if cell.kind == KANY:   # each kind it can take, selected by its tag
            return self.by_kind(cell, lambda x: Val(self.match_mask(crit, x), "0", KNUM)).v
        if isinstance(crit, _VaryingNumber):
            return self._number_match(crit.value, cell)
        if hasattr(crit, "dyn_mask"):   # made per trial (engineer H2's _dvalue.DynCriterion)
            return crit.dyn_mask(self, cell)
        if isinstance(crit, Val):   # a criterion that varies: a table of (criterion, cell)
            if cell.kind == KDYN or cell.e != "0" or not (
                    cell.kind == KSTR or cell.lo == cell.hi
                    or cell.kind == KBLANK):   # parsed per trial: _dcriteria
                from ._dcriteria import criterion_of_text

                return criterion_of_text(self, crit).dyn_mask(self, cell)
            return self.tabulate(
                [crit, cell], lambda a: boolean(bool(match(parse(a[0]), view(_vec(a[1])))[0])),
                "a criterion").v
        if cell.kind == KDYN:   # a range cell of text made per trial: _dcriteria
            from ._dcriteria import constant_criterion

            return constant_criterion(self, crit).dyn_mask(self, cell)

        def at(x: Vec) -> bool:
            return bool(match(crit, view(x))[0])

        err_hit = None
        if cell.e != "0":   # an error cell: only "err" criteria look at its code
            if crit.kind == "err":
                op = "!=" if crit.op == 1 else "=="
                err_hit = self.value(f"b2f({cell.e} {op} {int(crit.value)})")
            else:
                err_hit = lit(1.0 if at(Vec(Kind.NUM, np.zeros(1), np.full(1, VALUE,
                                                                          np.uint8))) else 0.0)
        if cell.kind == KSTR:
            ok = self.tabulate([_no_error(cell)], lambda a: boolean(at(text(a[0]))),
                               "a criterion").v
        elif cell.kind == KNUM and crit.kind == "num" and cell.lo != cell.hi:
            cmp = {0: "==", 1: "!=", 2: "<", 3: "<=", 4: ">", 5: ">="}[int(crit.op)]
            ok = self.value(f"b2f({cell.v} {cmp} {lit(crit.value)})")
        elif cell.kind == KBOOL and crit.kind == "bool" and cell.lo != cell.hi:
            t = self.value(f"b2f({cell.v} != 0.0)")
            hit_t, hit_f = at(boolean(True)), at(boolean(False))
            ok = lit(1.0) if hit_t and hit_f else t if hit_t else \
                self.value(f"1.0 - {t}") if hit_f else lit(0.0)
        else:   # the answer does not depend on the value (or the value is known)
            x = self.python_value(cell) if cell.lo == cell.hi or cell.kind == KBLANK else \
                (0.0 if cell.kind == KNUM else False)
            ok = lit(1.0 if at(_vec(x)) else 0.0)
        if err_hit is None:
            return ok
        return self.value(f"sel({cell.e} != 0, {err_hit}, {ok})")

    def _number_match(self, x: Val, cell: Val) -> str:
        """_criteria._num_test with "=" and a number ``x`` that varies: a number equal to it,
        or text that reads as a number equal to it (errors, logicals, blanks never)."""
        from ...values import parse_number

        ok = "" if cell.e == "0" else f"({cell.e} == 0) & "
        if cell.kind == KNUM:
            return self.value(f"b2f({ok}({cell.v} == {x.v}))")
        if cell.kind == KDYN:   # text made per trial: the number it reads as (_dcriteria)
            from ._dcriteria import text_number

            got, e = text_number(self, cell)
            ok = "" if e == "0" else f"({e} == 0) & "
            return self.value(f"b2f({ok}({got} == {x.v}))")
        if cell.kind != KSTR:
            return "0.0"
        assert cell.dom is not None
        nums = [parse_number(self.strings[k]) for k in range(max(cell.dom) + 1)]
        if len(cell.dom) == 1:
            got = nums[cell.dom[0]]
            return "0.0" if got is None else self.value(f"b2f({ok}({lit(got)} == {x.v}))")
        off = self.table([math.nan if n is None else n for n in nums])
        return self.value(f"b2f({ok}(kv[{off} + int({cell.v})] == {x.v}))")

    def _conditional(self, how: str, target: ir.Node | None,
                     pairs: list[tuple[ir.Node, ir.Node | None]], name: str) -> Val:
        """engine.functions.stats._conditional with constant criteria."""
        from ._long_criteria import long_conditional  # long ranges of constants: loops

        got = long_conditional(self, how, target, pairs, name)  # type: ignore[arg-type]
        if got is not None:
            return got
        ranges = [self._criteria_range(r, name) for r, _ in pairs]
        crits = [self._criterion(c, name) for _, c in pairs]
        shape = ranges[0][0].shape
        values: list[Val] | None = None
        total, counted, err = "0.0", "0.0", "0"
        if target is not None and selects_ranges(target):   # INDIRECT of a column per trial
            assert isinstance(target, ir.Call)
            values, choice, tshape = self.chosen_cells(target, name)  # type: ignore[attr-defined]
            if tshape != shape:
                raise NotFusable(f"{name} with ranges of different shapes")
            if choice != "0":   # numpy: an error as the sum range is that error (_range_error)
                err = choice
        elif isinstance(target, ir.Err):   # INDIRECT naming nothing: a 1x1 of the error
            values = self._criteria_range(target, name)[1]
            if shape != (1, 1):
                raise NotFusable(f"{name} with ranges of different shapes")
        elif target is not None:
            if isinstance(target, ir.Ref):
                target = ir.Area(target.cell.sheet, target.cell.row, target.cell.col,
                                 target.cell.row, target.cell.col)
            if not isinstance(target, ir.Area):
                raise NotFusable(f"{name} summing something other than a range")
            values = self._criteria_range(target, name)[1]
            if target.shape != shape:
                raise NotFusable(f"{name} with ranges of different shapes")
        if any(a.shape != shape for a, _ in ranges):
            raise NotFusable(f"{name} with ranges of different shapes")
        extreme, have = None, "0.0"
        for k in range(shape[0] * shape[1]):
            hit = "1.0"
            for (_, cells), crit in zip(ranges, crits, strict=True):
                m = self.match_mask(crit, cells[k])
                if m == "0.0":
                    hit = "0.0"
                    break
                hit = m if hit == "1.0" else self.value(f"{hit} * {m}")
            if hit == "0.0":
                continue
            if how == "count":
                counted = self.value(f"{counted} + {hit}")
                continue
            assert values is not None
            cell = values[k]
            if cell.e != "0":
                h = self.err(f"sel({hit} != 0.0, {cell.e}, 0)") if hit != "1.0" else cell.e
                err = self.err(self.chain([err, h]))
            if cell.kind == KANY:   # its numbers only
                assert cell.y is not None
                hit = self.value(f"{hit} * b2f({cell.y} == 0.0)")
            elif cell.kind != KNUM:
                continue
            take = hit if cell.e == "0" else self.value(f"{hit} * b2f({cell.e} == 0)")
            if how in ("sum", "average"):
                add = cell.v if take == "1.0" else self.value(f"sel({take} != 0.0, {cell.v}, 0.0)")
                total = self.value(f"{total} + {add}")
                counted = self.value(f"{counted} + {take}")
            else:
                fn = "min" if how == "min" else "max"
                if extreme is None:
                    extreme = cell.v if take == "1.0" else \
                        self.value(f"sel({take} != 0.0, {cell.v}, 0.0)")
                else:
                    pick = self.value(f"sel({have} != 0.0, {fn}({extreme}, {cell.v}), {cell.v})")
                    extreme = pick if take == "1.0" else \
                        self.value(f"sel({take} != 0.0, {pick}, {extreme})")
                have = take if have == "0.0" else self.value(f"max({have}, {take})")
        if how == "count":   # with the empty cells past clipped ranges (A:A): _dcriteria
            from ._dcriteria import count_with_unread

            return count_with_unread(self, [a for a, _ in ranges], crits, counted)
        if how == "sum":
            return Val(total, err, KNUM)
        if how == "average":
            r = self.value(f"{total} / sel({counted} == 0.0, 1.0, {counted})")
            e = self.err(self.chain([err], [(f"({counted} == 0.0)", DIV0)]))
            return Val(r, e, KNUM)
        if extreme is None:
            return Val("0.0", err, KNUM, 0.0, 0.0)
        r = self.value(f"sel({have} != 0.0, {extreme}, 0.0)")
        return Val(r, err, KNUM)

    def _if_family(self, node: ir.Call, how: str) -> Val:
        args = list(node.args)
        if how == "count":
            if len(args) != 2:
                raise NotFusable(f"{node.name} with a wrong number of arguments")
            return self._conditional("count", None, [(args[0], args[1])], node.name)
        if not 2 <= len(args) <= 3:
            raise NotFusable(f"{node.name} with a wrong number of arguments")
        rng = args[0]
        bad = self._range_error([rng, *args[2:]])
        if bad is not None:
            return bad
        target = args[2] if len(args) == 3 and not isinstance(args[2], ir.Missing) else rng
        if isinstance(target, ir.Area | ir.Ref) and isinstance(rng, ir.Area | ir.Ref):
            target = _resized(target, _shape(rng))   # Excel extends the sum range's corner
        return self._conditional(how, target, [(rng, args[1])], node.name)

    def _ifs_family(self, node: ir.Call, how: str) -> Val:
        args = list(node.args)
        target = None
        if how != "count":
            if not args:
                raise NotFusable(f"{node.name} without arguments")
            target, args = args[0], args[1:]
        if not args or len(args) % 2:
            raise NotFusable(f"{node.name} with a wrong number of arguments")
        pairs = [(args[i], args[i + 1]) for i in range(0, len(args), 2)]
        bad = self._range_error([target, *args[0::2]])
        if bad is not None:
            return bad
        return self._conditional(how, target, pairs, node.name)

    def _range_error(self, ranges: list[ir.Node | None]) -> Val | None:
        """engine.functions.stats._range_error: the first range argument of SUMIF/COUNTIFS/...
        that is an error value (``SUMIF(#REF!,1)``, a deleted range): that error."""
        for r in ranges:
            if isinstance(r, ir.Err):
                return self.expr(r)
        return None

    def fn_sumif(self, node: ir.Call) -> Val:
        return self._if_family(node, "sum")

    def fn_averageif(self, node: ir.Call) -> Val:
        return self._if_family(node, "average")

    def fn_countif(self, node: ir.Call) -> Val:
        return self._if_family(node, "count")

    def fn_sumifs(self, node: ir.Call) -> Val:
        return self._ifs_family(node, "sum")

    def fn_averageifs(self, node: ir.Call) -> Val:
        return self._ifs_family(node, "average")

    def fn_countifs(self, node: ir.Call) -> Val:
        return self._ifs_family(node, "count")

    def fn_minifs(self, node: ir.Call) -> Val:
        return self._ifs_family(node, "min")

    def fn_maxifs(self, node: ir.Call) -> Val:
        return self._ifs_family(node, "max")


# ---------------------------------------------------------------- helpers
class _TooLarge(NotFusable):
    """A table of more than MAX_TABLE entries."""


class _VaryingNumber:
    """A criterion that is a number varying per trial (``SUMIFS(A:A, B:B, C2)``)."""

    def __init__(self, value: Val) -> None:
        self.value = value



# functions of a key searched in a table: evaluated for every text (or logical) value of their
# varying arguments in one call, those values as the trials of a vector (see tabulate)
_BATCHED = frozenset({"VLOOKUP", "HLOOKUP", "MATCH", "XMATCH", "XLOOKUP", "LOOKUP"})


def _batched(batch: Callable[[list[list[Any]]], Vec | None],
             combos: list[tuple[tuple[int, Any], ...]]) -> Vec | None:
    """``batch`` of every combination (columns of values), if it gives one value each."""
    got = batch([[x for _, x in column] for column in zip(*combos, strict=True)])
    if got is None or len(got) not in (1, len(combos)):
        return None
    return got


def _scalar(v: Vec) -> Any:
    if isinstance(v, Grid):
        raise NotFusable("an array where a single value is expected")
    return v.scalar(0)


def _vec(x: Any) -> Vec:
    if x is None:
        return blank()
    if isinstance(x, bool):
        return boolean(x)
    if isinstance(x, str):
        return text(x)
    return num(float(x))


def _literal(x: Any) -> ir.Node:
    if isinstance(x, bool):
        return ir.Bool(x)
    if isinstance(x, str):
        return ir.Str(x)
    if x is None:
        return ir.Missing()
    return ir.Num(float(x))


def _representative(v: Val) -> Val:
    """A fixed value of ``v``'s kind, keeping its error (the order of types decides)."""
    x = 0.0
    return Val(lit(x), v.e, v.kind, x, x)


def _no_error(v: Val) -> Val:
    return Val(v.v, "0", v.kind, v.lo, v.hi, v.dom)


def _positions(doms: list, var: list[int], widths: list[int]) -> list[int]:
    out = []
    for combo in itertools.product(*[doms[j] for j in var]):
        pos = 0
        for w, (k, _) in zip(widths, combo, strict=True):
            pos = pos * w + k
        out.append(pos)
    return out


def _bool_const(x: bool) -> Val:
    f = 1.0 if x else 0.0
    return Val(lit(f), "0", KBOOL, f, f)


def _error_name(c: int) -> str:
    from ...values import ERROR_NAMES

    return ERROR_NAMES[c]


def _shape(node: ir.Node) -> tuple[int, int]:
    return node.shape if isinstance(node, ir.Area) else (1, 1)


def _resized(node: ir.Node, shape: tuple[int, int]) -> ir.Area:
    if isinstance(node, ir.Ref):
        node = ir.Area(node.cell.sheet, node.cell.row, node.cell.col, node.cell.row,
                       node.cell.col)
    assert isinstance(node, ir.Area)
    return ir.Area(node.sheet, node.r1, node.c1, node.r1 + shape[0] - 1, node.c1 + shape[1] - 1)


__all__ = ["TextMixin", "ENUMERATED", "MAX_TABLE"]
