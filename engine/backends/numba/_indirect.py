"""INDIRECT of text that is the same in every trial, in the fused kernel (a mixin of the
generator).

``INDIRECT(text[, a1])`` names a reference by its text (``"Sheet2!B"&ROW()``,
``$C9&".Outputs["&Year&"]"``).  Where the text and the ``a1`` flag do not vary per trial
(they read no cell of the stochastic slice), the reference is the same in every trial: the
generator resolves it once, as the numpy reference does (``compiler._indirect_one``:
``Env.resolve`` of the text, R1C1 converted first where ``a1`` is FALSE; what resolves to
neither a cell nor a range is #REF!), and generates the formula with the reference in the
INDIRECT's place: a cell read as a value, a range where a function reads a range
(``INDEX(INDIRECT(...), MATCH(x, INDIRECT(...), 0))``, ``SUM(INDIRECT(...))``).  The cells of
that reference are read as any reference's: a cell of the slice not fused yet (or left to
numpy) makes the formula numpy's, with that reason.

Text made per trial ``P & x & S`` (constant ``P`` and ``S``) that names a table's column or
a sheet: the references it can name are found when the kernel is made (``Env.resolve`` of
each candidate), and the trial's one is chosen among them (CHOOSE; #REF! for any other
text): by comparing ``x`` with each candidate where ``x`` is a number, a logical or a blank,
by an exact lookup of the text (``MATCH`` of text made per trial: ``dintern``) where ``x``
is text (a sheet named by a cell holding one of several names, ``LOWER(x)``...).  Text of
any other form stays with numpy, as does text that is not text (an error: numpy's ``str``
of it).

A call reading several such ranges that vary by one value (``SUMIFS(INDIRECT("'"&sh&"'!N3:N300"),
INDIRECT("'"&sh&"'!F3:F300"), "<>")``), or one range the call cannot read as chosen cells, is
made once per set of references the texts can name and chosen per trial
(``_indirect_branches``): numpy computes such a cell per group of trials, each reading its
text's ranges.  A formula cell one of them names outside the compiled slice (the slice does
not follow text made per trial) that varies per trial leaves the cell to numpy.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ... import ir
from ...values import REF, Kind, Vec, format_number
from ...values import num as vec_num
from ...workbook import CellRef
from ._args import BLANK_CELL
from ._dtext import DynamicText
from ._host import GeneratorHost
from ._values import KBLANK, KBOOL, KDYN, KNUM, KSTR, NotFusable, NotYet, Val, code, lit


class IndirectMixin(GeneratorHost):
    """``indirect_args`` (a call whose arguments include INDIRECT of constant text, those
    arguments resolved) and ``fn_indirect`` (INDIRECT read as a value)."""

    if TYPE_CHECKING:  # provided by the Generator
        def _offset_cell(self, c: CellRef) -> ir.Node: ...
        def selected_ranges(self, a: ir.Call) -> list[Val]: ...
        def area_cells(self, a: ir.Area) -> list[CellRef]: ...
        def _gathered(self, pos: str, cells: list[Val], errs: list[str],
                      missing: bool = True) -> Val: ...

    def indirect_args(self, node: ir.Call) -> Val | None:
        """``node`` with each argument that is INDIRECT of constant text replaced by its
        reference (None where no argument is an INDIRECT)."""
        if node.name == "INDIRECT":   # of ADDRESS made per trial: never read as text
            a = node.args[0] if node.args else None
            if isinstance(a, ir.Call) and a.name == "ADDRESS" and not self.is_constant(a):
                return self.fn_indirect(node)
            return None
        if not any(isinstance(a, ir.Call) and a.name == "INDIRECT" for a in node.args):
            return None
        varying = [a for a in node.args if isinstance(a, ir.Call) and a.name == "INDIRECT"
                   and not all(self.is_constant(b) for b in a.args)]
        if len(varying) > 1:   # ranges chosen together: one call per choice
            got = self._indirect_branches(node)
            if got is not None:
                return got
        try:
            args = tuple(self.indirect_target(a) if isinstance(a, ir.Call)
                         and a.name == "INDIRECT" else self._constant_indirects(a)
                         for a in node.args)
            new = ir.Call(node.name, args)
            if node.name == "INDEX" and (col := _chosen_columns(args)) is not None:
                which = col[2]   # the choice's error (#REF!: a name naming nothing) first
                new = ir.Call("IF", (ir.Call("ISERROR", (which,)), which,
                                     ir.Call(node.name, self._one_row(col))))
            self.array_ir.append(new)   # kept alive: constants are keyed by node id
            return self.expr(new)
        except NotFusable as exc:   # a range chosen per trial that the call cannot read
            if isinstance(exc, NotYet | DynamicText) or len(varying) != 1:
                raise
            # one call per choice; the lines made are kept (what they made is memoized)
            got = self._indirect_branches(node)
            if got is None:
                raise
            return got

    def _indirect_branches(self, node: ir.Call) -> Val | None:
        """``node`` (``SUMIFS(INDIRECT("'"&sh&"'!N3:N300"), INDIRECT("'"&sh&"'!F3:F300"),
        "<>")``) whose INDIRECT arguments of text made per trial all vary by one value
        ``x`` (``P_i & x & S_i``): one copy of the call per reference the texts can name,
        each reading its references (#REF! where a text names none), chosen per trial by
        ``x``.  This is the numpy reference's evaluation: INDIRECT naming ranges that
        differ between trials computes the cell per group of trials (``Ragged``), each group
        reading its text's references.  The choice: a table by ``x``'s text where ``x`` is
        text among known texts (each text resolved as numpy resolves it), else as
        ``_indirect_varying`` chooses (a number's canonical text, a lookup of text made per
        trial).  None where the INDIRECTs vary by different values (or not in that form)."""
        from ...compiler import compile_formula

        texts: dict[int, tuple[str, str]] = {}
        key: _VaryingText | None = None
        for i, a in enumerate(node.args):
            if not (isinstance(a, ir.Call) and a.name == "INDIRECT") \
                    or all(self.is_constant(b) for b in a.args):
                continue
            if not 1 <= len(a.args) <= 2:
                return None
            got = self._varying_text(a, compile_formula)
            if key is not None and got.x != key.x:
                return None
            key = got
            texts[i] = (got.head, got.tail)
        if key is None:
            return None
        assert self.cell is not None
        sheet = self.cell.sheet

        def targets(name: str) -> tuple[ir.Node, ...]:
            out = []
            for head, tail in texts.values():
                got = self.env.resolve(head + name + tail, sheet)
                if isinstance(got, ir.Ref | ir.Area):
                    self._read_outside(got)
                    out.append(got)
                else:
                    out.append(_NAMES_NONE)
            return tuple(out)

        none = tuple(_NAMES_NONE for _ in texts)
        groups: dict[tuple[ir.Node, ...], int] = {}

        def branch(name: str) -> int:
            return groups.setdefault(targets(name), len(groups) + 1)

        x = key.x
        if len(key.vals) == 1 and key.vals[0] is not None and key.vals[0].kind == KSTR:
            xv = key.vals[0]   # text among known texts: a table of each text's branch
            if len(xv.dom or ()) > MAX_CANDIDATES:
                raise NotFusable(f"INDIRECT of text made per trial among {len(xv.dom or ())} "
                                 "texts (too many)")
            for k in xv.dom or ():
                branch(self.strings[k])
            if xv.e != "0":   # numpy reads an error as its text, which names nothing
                groups.setdefault(none, len(groups) + 1)

            def of_text(a: list) -> Vec:  # noqa: ANN001 - the Python values of x
                return vec_num(float(groups[targets(str(a[0]))]))

            k = self.tabulate([xv], of_text, "INDIRECT's references")
            pick = k.v if k.e == "0" else \
                self.value(f"sel({k.e} != 0, {lit(float(groups[none]))}, {k.v})")
        else:
            found = self._candidate_names(texts.values(), key)
            for name in found:
                branch(name)
            groups.setdefault(none, len(groups) + 1)
            nothing = ir.Num(float(groups[none]))
            text = ir.Binary("&", x, ir.Str(""))
            if key.kinds <= _NUMERIC:   # the text of a number: compared with each name
                choice: ir.Node = nothing
                for name in reversed(found):
                    choice = ir.Call("IF", (_same_text(text, x, name, key.one),
                                            ir.Num(float(groups[targets(name)])), choice))
            else:   # text made per trial: its name by an exact lookup (dintern)
                names = ir.Array(tuple((ir.Str(t),) for t in found))
                choice = ir.Call("IFERROR", (ir.Call("MATCH", (text, names, ir.Num(0.0))),
                                             nothing))
                if any(groups[targets(t)] != j for j, t in enumerate(found, 1)):
                    choice = ir.Call("CHOOSE", (choice, *(ir.Num(float(groups[targets(t)]))
                                                          for t in found), nothing))
            choice = ir.Call("IF", (ir.Call("ISERROR", (x,)), nothing, choice))
            self.array_ir.append(choice)
            got = self.number(choice)
            if got.e != "0":
                raise NotFusable("INDIRECT of text made per trial whose choice may fail")
            pick = got.v
        if len(groups) > MAX_BRANCHES:
            raise NotFusable(f"a call over INDIRECT of text made per trial naming {len(groups)} "
                             "sets of references (too many)")
        calls = []
        for refs in groups:
            by_arg = dict(zip(texts, refs, strict=True))
            args = tuple(ir.Err(REF) if by_arg.get(i) is _NAMES_NONE else by_arg.get(i)
                         or self._constant_indirects(a) for i, a in enumerate(node.args))
            calls.append(ir.Call(node.name, args))
        self.array_ir.extend(calls)   # kept alive: constants are keyed by node id
        if len(calls) == 1:
            return self.expr(calls[0])
        place = ir.Ref(self.cell)   # stands for the choice, computed here
        self.array_ir.append(place)   # alive while its id keys override
        self.override[id(place)] = Val(pick, "0", KNUM, 1.0, float(len(calls)))
        out = ir.Call("CHOOSE", (place, *calls))
        self.array_ir.append(out)
        return self.expr(out)

    def _one_row(self, args: tuple[ir.Node, ...]) -> tuple[ir.Node, ...]:
        """INDEX(block, i, j) with ``i`` the same valid row in every trial (MATCH of a key in
        constant cells) as INDEX(that row of the block, 1, j): the kernel reads one row."""
        from ...compiler import compile_formula
        from ...functions._args import as_vec

        block, i, j = args
        assert isinstance(block, ir.Area) and self.cell is not None
        if not self.is_constant(i):
            return args
        compiled, info = compile_formula(i, self.cell)
        if info.unsupported or info.random_streams:
            return args
        try:
            x = as_vec(compiled(self.env))
        except Exception:  # noqa: BLE001 - the generic path decides
            return args
        if len(x) != 1 or x.kind != Kind.NUM or (x.err is not None and x.err.any()):
            return args
        r = math.trunc(float(x.data[0]))
        if not 1 <= r <= block.last_row - block.r1 + 1:
            return args
        row = block.r1 + r - 1
        return ir.Area(block.sheet, row, block.c1, row, block.last_col), ir.Num(1.0), j

    def _constant_indirects(self, node: ir.Node) -> ir.Node:
        """``node`` with every INDIRECT of constant text inside it replaced by its reference
        (``MATCH(k, INDIRECT("T[Vector]"), 0)`` as a position the same in every trial)."""
        if not any(isinstance(x, ir.Call) and x.name == "INDIRECT" for x in ir.walk(node)):
            return node
        if isinstance(node, ir.Call) and node.name == "INDIRECT":
            if all(self.is_constant(a) for a in node.args) and 1 <= len(node.args) <= 2:
                return self.indirect_target(node)
            return node
        from ..._ir_nodes import children, rebuild

        new = rebuild(node, [self._constant_indirects(k) for k in children(node)])
        self.array_ir.append(new)   # kept alive: constants are keyed by node id
        return new

    def chosen_cells(self, a: ir.Call, name: str) -> tuple[list[Val], str, tuple[int, int]]:
        """The cells of the range IF/CHOOSE/IFS/SWITCH ``a`` chooses per trial
        (``ArgsMixin.selected_ranges``, every range of one shape), the choice's error, and
        that shape: for SUMIFS's sum range (INDIRECT of a column named per trial)."""
        from ..._ir_passes import selector_index

        got = selector_index(a)
        assert got is not None and self.cell is not None
        results, pick = got
        shapes = {(1, 1) if isinstance(r, ir.Ref) else r.shape for r in results
                  if isinstance(r, ir.Ref | ir.Area)}
        if len(shapes) != 1:
            raise NotFusable(f"{name} over a range chosen per trial among ranges of "
                             "different shapes")
        self.array_ir.append(pick)
        k = self.number(pick)
        place = ir.Ref(self.cell)   # stands for the choice, computed once
        pos = k.v if k.e == "0" else self.value(f"sel({k.e} != 0, 0.0, {k.v})")
        self.array_ir.append(place)   # alive while its id keys override
        self.override[id(place)] = Val(pos, "0", KNUM, 0.0, float(len(results)))
        lists = [[r.cell] if isinstance(r, ir.Ref) else self.area_cells(r) for r in results]

        def cell(j: int) -> Val:   # cell j of the chosen range (ArgsMixin.selected_ranges)
            cells = [self.operand(c[j]) if j < len(c) else BLANK_CELL for c in lists]
            return self._gathered(pos, cells, ["0"], False)   # the choice's error: apart

        return _Cells(cell, max(len(c) for c in lists)), k.e, shapes.pop()

    def fn_indirect(self, node: ir.Call) -> Val:
        """INDIRECT read as one value: its reference's value (a range here is refused as
        any range used as a value is)."""
        return self.expr(self.indirect_target(node))

    def indirect_target(self, node: ir.Call) -> ir.Node:
        """The reference INDIRECT of constant text names (ir.Ref, ir.Area, or #REF!)."""
        from ..._references import r1c1_to_a1
        from ...compiler import compile_formula

        assert self.cell is not None
        if not 1 <= len(node.args) <= 2:
            raise NotFusable("INDIRECT with a number of arguments it cannot take")
        if not all(self.is_constant(a) for a in node.args):
            cell = self._indirect_cell(node, compile_formula)
            if cell is not None:
                return cell
            return self._indirect_varying(node, compile_formula)
        text = self._indirect_constant(node.args[0], compile_formula)
        if text.kind != Kind.STR:
            raise NotFusable("INDIRECT of a value that is not text")
        ref = str(text.scalar(0))
        if len(node.args) == 2 and not isinstance(node.args[1], ir.Missing):
            flag = self._indirect_constant(node.args[1], compile_formula)
            if flag.kind in (Kind.BOOL, Kind.NUM) and not bool(flag.data[0]):
                got = r1c1_to_a1(ref, self.cell)
                if got is None:
                    return ir.Err(REF)
                ref = got
        target = self.env.resolve(ref, self.cell.sheet)
        if isinstance(target, ir.Ref | ir.Area):
            return target
        return ir.Err(REF)

    def _indirect_cell(self, node: ir.Call, compile_formula) -> ir.Node | None:  # noqa: ANN001
        """INDIRECT of the address of a cell whose row (and column) vary per trial:
        ``INDIRECT("B"&n)``, ``INDIRECT("Sheet2!$C"&n)`` (n a number: the row where it is a
        whole number from 1 to 1,048,576, else the text names nothing: #REF!) and
        ``INDIRECT(ADDRESS(r, c[, abs[, TRUE[, sheet]]]))`` (r, c truncated; ADDRESS's
        #VALUE! outside the sheet's rows and columns, and any error of its arguments, make
        INDIRECT #REF!).  The cell is chosen among those the bounds of the numbers allow
        (at most MAX_CANDIDATES); None where the text is of neither form."""
        assert self.cell is not None
        if len(node.args) == 2 and not (isinstance(node.args[1], ir.Missing)
                                        or self.is_constant(node.args[1])):
            return None
        if len(node.args) == 2 and not isinstance(node.args[1], ir.Missing):
            flag = self._indirect_constant(node.args[1], compile_formula)
            if not (flag.kind in (Kind.BOOL, Kind.NUM) and bool(flag.data[0])):
                return None
        text = node.args[0]
        sheet = self.cell.sheet
        if isinstance(text, ir.Call) and text.name == "ADDRESS" and 2 <= len(text.args) <= 5:
            r_node, c_node, *rest = text.args
            for k, a in enumerate(rest):   # abs_num 1-4, A1 style TRUE, a sheet's name
                if isinstance(a, ir.Missing) and k < 2:
                    continue
                if not self.is_constant(a):
                    return None
                got = self._indirect_constant(a, compile_formula)
                if k == 0 and not (got.kind in (Kind.NUM, Kind.BOOL)
                                   and 1 <= math.trunc(float(got.data[0])) <= 4):
                    return None   # #VALUE! in every trial: left to the generic paths
                if k == 1 and not (got.kind in (Kind.BOOL, Kind.NUM) and bool(got.data[0])):
                    return None   # R1C1 text read as A1
                if k == 2:
                    if got.kind != Kind.STR or str(got.scalar(0)) not in \
                            self.env.model.workbook.sheets:
                        return None
                    sheet = str(got.scalar(0))
            r, c = self.number(r_node), self.number(c_node)
            if not (r.bounded and c.bounded) or KBLANK in (r.kind, c.kind):
                return None
            rows = (max(math.trunc(r.lo), 1), min(math.trunc(r.hi), ir.MAX_ROW))
            cols = (max(math.trunc(c.lo), 1), min(math.trunc(c.hi), ir.MAX_COL))
            rv, cv = self.value(f"np.trunc({r.v})"), self.value(f"np.trunc({c.v})")
            errs = [r.e, c.e]
        else:
            parts = _concat_operands(text)
            if len(parts) != 2 or not self.is_constant(parts[0]) or self.is_constant(parts[1]):
                return None
            head = self._indirect_constant(parts[0], compile_formula)
            if head.kind != Kind.STR:
                return None
            m = _COLUMN_HEAD.fullmatch(str(head.scalar(0)))
            x = self.expr(parts[1])
            if m is None or x.kind != KNUM or not x.bounded:
                return None
            if m.group(1) is not None:
                name = m.group(1)
                name = name[1:-1].replace("''", "'") if name.startswith("'") else name
                found = next((t for t in self.env.model.workbook.sheets
                              if t.casefold() == name.casefold()), None)
                if found is None:
                    return None
                sheet = found
            col = _column_number(m.group(2))
            if col is None:
                return None
            rows = (max(math.ceil(x.lo), 1), min(math.floor(x.hi), ir.MAX_ROW))
            cols = (col, col)
            rv, cv = x.v, lit(float(col))
            errs = [x.e, self.err(f"ck({x.v} != np.trunc({x.v}), 1)")]
        (r_lo, r_hi), (c_lo, c_hi) = rows, cols
        if r_hi < r_lo or c_hi < c_lo:
            return ir.Err(REF)
        n = (r_hi - r_lo + 1) * (c_hi - c_lo + 1)
        if n > MAX_CANDIDATES:
            raise NotFusable(f"INDIRECT of a cell address made per trial naming one of {n} "
                             "cells (too many)")
        ok = (f"({rv} >= {lit(float(r_lo))}) & ({rv} <= {lit(float(r_hi))}) & "
              f"({cv} >= {lit(float(c_lo))}) & ({cv} <= {lit(float(c_hi))})")
        ok += "".join(f" & ({e} == 0)" for e in errs if e != "0")
        ok = self.value(ok)
        ncols = c_hi - c_lo + 1
        k = self.value(f"sel({ok}, ({rv} - {lit(float(r_lo))}) * {lit(float(ncols))} + "
                       f"({cv} - {lit(float(c_lo))}) + 1.0, 1.0)")
        place = ir.Ref(self.cell)   # stands for the choice, computed here
        self.array_ir.append(place)   # alive while its id keys override
        self.override[id(place)] = Val(k, self.err(f"ck(nt({ok}), {code(REF)})"), KNUM,
                                       1.0, float(n))
        refs = [self._offset_cell(CellRef(sheet, i, j))
                for i in range(r_lo, r_hi + 1) for j in range(c_lo, c_hi + 1)]
        stand_ins = self.__dict__.get("_offset_stand_ins", {})
        for ref in refs:   # a formula outside the slice, the same in every trial: its value
            if id(ref) in stand_ins:
                self.override[id(ref)] = stand_ins[id(ref)][1]
        out = ir.Call("CHOOSE", (place, *refs))
        self.array_ir.append(out)   # kept alive: constants are keyed by node id
        return out

    def _indirect_varying(self, node: ir.Call, compile_formula) -> ir.Node:  # noqa: ANN001
        """INDIRECT of text made per trial, ``P & x & S`` with constant ``P`` and ``S`` and
        ``x`` the varying operands (numbers, logicals, blanks: their text has no quote,
        bracket, '!' or space), where ``x`` sits in a table's column name (``"T["&x&"]"``)
        or in a sheet name (``"'"&x&"'!A1"``): the candidates are the finitely many texts
        ``x`` naming a column (a sheet) that ``Env.resolve`` turns into a reference; any
        other ``x`` names nothing (#REF!).  The reference is
        ``CHOOSE(IF(x&""=c1, 1, IF(x&""=c2, 2, ... #REF!)), ref1, ref2, ...)`` (``=`` of
        texts ignores case, as the table's column and the sheet lookups do; an error in
        ``x`` is #REF!, as the numpy reference has it: it reads the error as its text)."""
        got = self._varying_text(node, compile_formula)
        head, tail, x, kinds = got.head, got.tail, got.x, got.kinds
        found = self._indirect_candidates(head, tail, kinds == {KBLANK}, kinds <= _NUMERIC)
        if not found:
            return ir.Err(REF)
        text = ir.Binary("&", x, ir.Str(""))
        if kinds <= _NUMERIC:   # the text of a number: compared with each candidate
            pick: ir.Node = ir.Err(REF)
            one = got.one
            for k in range(len(found), 0, -1):
                pick = ir.Call("IF", (_same_text(text, x, found[k - 1][0], one),
                                      ir.Num(float(k)), pick))
        else:   # text made per trial: its candidate by an exact lookup (dintern)
            names = ir.Array(tuple((ir.Str(t),) for t, _ in found))
            pick = ir.Call("IFERROR", (ir.Call("MATCH", (text, names, ir.Num(0.0))),
                                       ir.Err(REF)))
        # numpy's INDIRECT reads an error as its text ("#DIV/0!"), which names nothing
        pick = ir.Call("IF", (ir.Call("ISERROR", (x,)), ir.Err(REF), pick))
        if not kinds <= _NUMERIC:   # the lookup computed here, a stand-in in CHOOSE (an
            self.array_ir.append(pick)   # array in the choice would read as an array's)
            k = self.number(pick)
            place = ir.Ref(self.cell)
            self.override[id(place)] = Val(k.v, k.e, KNUM, 1.0, float(len(found)))
            self.array_ir.append(place)
            pick = place
        for _, r in found:
            if isinstance(r, ir.Area):
                self._read_outside(r)
        refs = [self._offset_cell(r.cell) if isinstance(r, ir.Ref) else r for _, r in found]
        stand_ins = self.__dict__.get("_offset_stand_ins", {})
        for r in refs:   # a formula outside the slice, the same in every trial: its value
            if id(r) in stand_ins:
                self.override[id(r)] = stand_ins[id(r)][1]
        out = ir.Call("CHOOSE", (pick, *refs))
        self.array_ir.append(out)   # kept alive: constants are keyed by node id
        return out

    def _read_outside(self, target: ir.Ref | ir.Area) -> None:
        """NotFusable where a formula cell of ``target`` (a reference an INDIRECT of text
        made per trial names) lies outside the compiled slice and varies per trial: the
        slice does not follow such an INDIRECT, numpy computes the cell when it reaches it
        (the kernel would read its value of the deterministic pass)."""
        sheet = self.model.workbook.sheets.get(target.cell.sheet if isinstance(target, ir.Ref)
                                               else target.sheet)
        if sheet is None:
            return
        if isinstance(target, ir.Ref):
            spots = [(target.cell.row, target.cell.col)]
        else:
            r2, c2 = min(target.last_row, sheet.max_row), min(target.last_col, sheet.max_col)
            n = max(r2 - target.r1 + 1, 0) * max(c2 - target.c1 + 1, 0)
            spots = [(r, c) for r in range(target.r1, r2 + 1) for c in range(target.c1, c2 + 1)] \
                if n <= len(sheet.cells) else \
                [(r, c) for r, c in sheet.cells if target.r1 <= r <= r2 and target.c1 <= c <= c2]
        stand_ins = self.__dict__.get("_offset_stand_ins", {})
        for r, c in spots:
            cell = sheet.cells.get((r, c))
            if cell is None or cell.formula is None and cell.array_anchor is None:
                continue
            at = CellRef(sheet.name, r, c)
            if at in self.cells or at in self.steps or at in self.program.constants \
                    or at in self.input_vals:
                continue
            if id(self._offset_cell(at)) not in stand_ins:   # varies: numpy's
                raise NotFusable(f"INDIRECT of text made per trial reads a formula cell "
                                 f"outside the compiled slice ({at})")

    def _varying_text(self, node: ir.Call, compile_formula) -> _VaryingText:  # noqa: ANN001
        """INDIRECT's text made per trial as ``head & x & tail``: constant ``head`` and
        ``tail``, ``x`` the varying operands (adjacent), with their kinds and values."""
        if len(node.args) == 2 and not (isinstance(node.args[1], ir.Missing)
                                        or self.is_constant(node.args[1])):
            raise NotFusable("INDIRECT whose A1/R1C1 flag varies per trial")
        if len(node.args) == 2 and not isinstance(node.args[1], ir.Missing):
            flag = self._indirect_constant(node.args[1], compile_formula)
            if not (flag.kind in (Kind.BOOL, Kind.NUM) and bool(flag.data[0])):
                raise NotFusable("INDIRECT of R1C1 text that varies per trial")
        parts = _concat_operands(node.args[0])
        varying = [i for i, a in enumerate(parts) if not self.is_constant(a)]
        if varying != list(range(varying[0], varying[-1] + 1)):
            raise NotFusable("INDIRECT of text with several parts that vary per trial")
        texts = []
        for a in parts[:varying[0]] + parts[varying[-1] + 1:]:
            t = self._indirect_constant(a, compile_formula)
            if t.kind not in (Kind.STR, Kind.NUM, Kind.BOOL, Kind.BLANK):
                raise NotFusable("INDIRECT of text with a constant part that is an error")
            texts.append(_as_text(t))
        head, tail = "".join(texts[:varying[0]]), "".join(texts[varying[0]:])
        x: ir.Node = parts[varying[0]]
        for a in parts[varying[0] + 1:varying[-1] + 1]:
            x = ir.Binary("&", x, a)
        vals = self._indirect_vals(parts[varying[0]:varying[-1] + 1])
        kinds = {KDYN if v is None else v.kind for v in vals}
        if not kinds <= _NUMERIC | {KSTR, KDYN}:
            raise NotFusable("INDIRECT of text made per trial from values of a kind that "
                             "varies")
        return _VaryingText(head, tail, x, kinds, varying[0] == varying[-1], vals)

    def _indirect_vals(self, parts: list[ir.Node]) -> list[Val | None]:
        """The values of the varying parts of an INDIRECT's text (None: text made per
        trial, KDYN)."""
        vals: list[Val | None] = []
        for a in parts:
            mark = len(self.lines)
            try:
                vals.append(self.expr(a))
            except DynamicText:
                del self.lines[mark:]
                vals.append(None)
        return vals

    def _candidate_names(self, texts: Iterable[tuple[str, str]], key: _VaryingText
                         ) -> list[str]:
        """The texts ``x`` for which some ``head & x & tail`` of ``texts`` names a reference
        (``_indirect_candidates``), each once (case ignored), in order."""
        names: list[str] = []
        seen: set[str] = set()
        for head, tail in texts:
            for name, _ in self._indirect_candidates(head, tail, key.kinds == {KBLANK},
                                                     key.kinds <= _NUMERIC):
                if name.casefold() not in seen:
                    seen.add(name.casefold())
                    names.append(name)
        if len(names) > MAX_CANDIDATES:
            raise NotFusable(f"INDIRECT of text made per trial naming one of {len(names)} "
                             "references (too many)")
        return names

    def _indirect_candidates(self, head: str, tail: str, blank: bool, numeric: bool = True
                             ) -> list[tuple[str, ir.Node]]:
        """The texts ``x`` for which ``head & x & tail`` names a reference, each with it
        (``x`` the text of numbers, logicals, and of blanks where ``blank``: ""; any text
        where not ``numeric``)."""
        assert self.cell is not None
        wb = self.env.model.workbook
        names: list[str] = []
        if head.endswith("[") and tail == "]" and "[" not in head[:-1]:
            table = wb.tables.get(head[:-1].strip().upper())
            if table is None:
                return []
            names = ["", *table.columns]
        elif "!" in tail and "!" not in head and "[" not in head:
            token_end = tail[:tail.index("!")]
            for sheet in wb.sheets:
                for token in ("'" + sheet.replace("'", "''") + "'", sheet):
                    if (len(token) >= len(head) + len(token_end) and token.startswith(head)
                            and token.endswith(token_end)):
                        names.append(token[len(head):len(token) - len(token_end)])
        else:
            raise NotFusable("INDIRECT of text that varies per trial and may name any cell (the "
                             "cells it names cannot be bounded)")
        # only the names that may be the text of a number, a logical or a blank count
        names = [x for x in names if (_number_text(x) or not numeric) and (x != "" or blank)]
        if len(names) > MAX_CANDIDATES:
            raise NotFusable(f"INDIRECT of text made per trial naming one of {len(names)} "
                             "references (too many)")
        found: list[tuple[str, ir.Node]] = []
        seen: set[str] = set()
        for name in names:
            if name.casefold() in seen:
                continue
            seen.add(name.casefold())
            target = self.env.resolve(head + name + tail, self.cell.sheet)
            if isinstance(target, ir.Ref | ir.Area):
                found.append((name, target))
        return found

    def _indirect_constant(self, arg: ir.Node, compile_formula):  # noqa: ANN001, ANN202
        from ...functions._args import as_vec
        from ...values import Vec

        assert self.cell is not None
        compiled, info = compile_formula(arg, self.cell)
        if info.unsupported or info.random_streams:
            raise NotFusable("INDIRECT of text numpy computes per trial")
        try:
            x = as_vec(compiled(self.env))
        except Exception as exc:  # noqa: BLE001 - numpy's value: left to it
            raise NotFusable(f"INDIRECT's text failed to evaluate: {exc!r}") from exc
        assert isinstance(x, Vec)
        if len(x) != 1:
            raise NotFusable("INDIRECT of text that varies per trial")
        return x


MAX_CANDIDATES = 256   # references one INDIRECT of text made per trial may choose among
MAX_BRANCHES = 24   # copies of a call over INDIRECTs of text made per trial (each computed)
_NAMES_NONE = ir.Err(REF)   # a text that names no reference (_indirect_branches)
_NUMERIC = frozenset({KNUM, KBOOL, KBLANK})
# "B", "$B$", "Sheet2!C", "'My sheet'!$C": the text before a row number
_COLUMN_HEAD = re.compile(r"(?:('(?:[^']|'')+'|[^'!\[\]]+)!)?\$?([A-Za-z]{1,3})\$?")


@dataclass(frozen=True)
class _VaryingText:
    """INDIRECT's text made per trial: ``head & x & tail`` (IndirectMixin._varying_text)."""

    head: str
    tail: str
    x: ir.Node
    kinds: set[str]
    one: bool                    # x is one operand
    vals: list[Val | None]       # x's operands' values (None: text made per trial)


def _column_number(letters: str) -> int | None:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n if 1 <= n <= ir.MAX_COL else None
_NUMBER_TEXT = re.compile(r"[0-9.E+-]*|TRUE|FALSE", re.IGNORECASE)


def _number_text(x: str) -> bool:
    """Whether ``x`` may be the text of a number, a logical or a blank (General format)."""
    return _NUMBER_TEXT.fullmatch(x) is not None


class _Cells(Sequence):
    """The cells of a range chosen per trial, each generated when first read: SUMIFS with
    constant criteria reads only the rows they match, so a copy's lines are those rows'
    (copies matching as many rows are one family; the other rows made no dead lines)."""

    def __init__(self, make: Callable[[int], Val], n: int) -> None:
        self._make = make
        self._n = n
        self._got: dict[int, Val] = {}

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, j):  # noqa: ANN001, ANN204 - an index (slices: a list)
        if isinstance(j, slice):
            return [self[i] for i in range(*j.indices(self._n))]
        if not -self._n <= j < self._n:
            raise IndexError(j)
        j %= self._n
        if j not in self._got:
            self._got[j] = self._make(j)
        return self._got[j]


def _same_text(text: ir.Node, x: ir.Node, name: str, one: bool) -> ir.Node:
    """``x & "" = name`` for ``x`` a number, a logical or a blank (``text`` is ``x & ""``):
    where ``name`` is the General-format text of a nonzero number (a year "2007", "1E+20")
    and ``x`` one operand, the comparison of numbers ``x = that number`` (15 significant
    digits, as the General format writes them; a logical or a blank (0) is never equal to
    it, nor is its text: "TRUE", ""): lines that make no text per trial (no text buffer of
    the cell's own), so the copies of one formula are one family; else the texts'."""
    if one and _NUMBER_TEXT.fullmatch(name) is not None:
        try:
            y = float(name)
        except ValueError:
            y = 0.0
        if y != 0.0 and math.isfinite(y) and format_number(y).casefold() == name.casefold():
            return ir.Binary("=", x, ir.Num(y))
    return ir.Binary("=", text, ir.Str(name))


def _as_text(v) -> str:  # noqa: ANN001 - a Vec of one value
    if v.kind == Kind.BLANK:
        return ""
    if v.kind == Kind.BOOL:
        return "TRUE" if bool(v.data[0]) else "FALSE"
    if v.kind == Kind.NUM:
        return format_number(float(v.data[0]))
    return str(v.scalar(0))


def _chosen_columns(args: tuple[ir.Node, ...]) -> tuple[ir.Node, ...] | None:
    """INDEX(CHOOSE(k, col1, col2, ...), i) of columns of one sheet spanning the same rows
    (a table's columns named per trial) as INDEX(their block, i, CHOOSE(k, j1, j2, ...));
    the caller puts the choice's error before the row's, as numpy's INDEX of an error value
    (lookup._index: the array's own error first)."""
    if len(args) != 2 or not (isinstance(args[0], ir.Call) and args[0].name == "CHOOSE"):
        return None
    pick, *cols = args[0].args
    areas = [ir.Area(c.cell.sheet, c.cell.row, c.cell.col, c.cell.row, c.cell.col)
             if isinstance(c, ir.Ref) else c for c in cols]
    if not all(isinstance(a, ir.Area) and a.c1 == a.last_col for a in areas):
        return None
    first = areas[0]
    assert isinstance(first, ir.Area)
    if any(a.sheet != first.sheet or a.r1 != first.r1 or a.last_row != first.last_row
           for a in areas if isinstance(a, ir.Area)):
        return None
    lo = min(a.c1 for a in areas if isinstance(a, ir.Area))
    hi = max(a.c1 for a in areas if isinstance(a, ir.Area))
    block = ir.Area(first.sheet, first.r1, lo, first.last_row, hi)
    which = ir.Call("CHOOSE", (pick, *(ir.Num(float(a.c1 - lo + 1)) for a in areas
                                       if isinstance(a, ir.Area))))
    return block, args[1], which


def _concat_operands(node: ir.Node) -> list[ir.Node]:
    """The operands of ``a & b & ...`` (and of CONCATENATE), in order."""
    if isinstance(node, ir.Binary) and node.op == "&":
        return _concat_operands(node.left) + _concat_operands(node.right)
    if isinstance(node, ir.Call) and node.name == "CONCATENATE" and node.args and not any(
            isinstance(a, ir.Area | ir.Missing) for a in node.args):
        return [x for a in node.args for x in _concat_operands(a)]
    return [node]


__all__ = ["IndirectMixin"]
