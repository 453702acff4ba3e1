"""Database functions for the kernel generator (a mixin): DSUM, DAVERAGE, DCOUNT, DCOUNTA,
DMAX, DMIN, DPRODUCT, DSTDEV, DSTDEVP, DVAR, DVARP and DGET, as
:mod:`engine.functions.database` computes them for one trial.

The database's header row, the field and the criteria's labels are the same in every trial
(else the formula is left to numpy); the data cells may vary, and so may a criterion that
is a number (in the bench's slice every number a formula reads is an uncertain input).  The column the field names
and each criteria cell's condition are resolved once, by the library's own helpers
(``_column``, ``_label``, ``_condition``); a data row meets the criteria where one
alternative row has all its conditions met (COUNTIF's matching, the generator's
``match_mask``).  The rows that do not are blank in that trial, as the library's
``select(mask, cell, empty)``: each picked cell is a value of varying kind (its own kind
where the row meets the criteria, blank elsewhere, its error only where it is picked) that
the aggregate of the same name reads as a referenced cell.  So the generated code is plain
per-trial arithmetic, and the CUDA translation needs nothing new.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import ir
from ...values import NUM, VALUE, Grid, Vec
from . import _intervals as iv
from ._host import GeneratorHost
from ._values import BLANK, KANY, KBLANK, KNUM, KSTR, NotFusable, Val, num

if TYPE_CHECKING:
    from collections.abc import Callable

    from ...workbook import CellRef

# name -> the aggregate the library hands the picked cells to
_AGGREGATES = {"DSUM": "SUM", "DAVERAGE": "AVERAGE", "DCOUNT": "COUNT", "DCOUNTA": "COUNTA",
               "DMAX": "MAX", "DMIN": "MIN", "DPRODUCT": "PRODUCT", "DSTDEV": "STDEV.S",
               "DSTDEVP": "STDEV.P", "DVAR": "VAR.S", "DVARP": "VAR.P", "DGET": "GET"}


class DatabaseMixin(GeneratorHost):
    """DSUM ... DGET (see the module docstring)."""

    if TYPE_CHECKING:  # provided by the Generator this is mixed into
        def match_mask(self, crit: Any, cell: Val) -> str: ...
        def items(self, node: ir.Call, omitted_zero: bool = False) -> list[tuple[Val, bool]]: ...
        def in_range(self, v: Val, name: str) -> Val: ...

    def _db_constant(self, node: ir.Node, what: str) -> Vec | Grid:
        from ...compiler import compile_formula

        self.array_ir.append(node)
        if not self.is_constant(node):
            raise NotFusable(f"a database function whose {what} varies per trial")
        compiled, info = compile_formula(node, self.cell)
        if info.unsupported or info.random_streams:
            raise NotFusable(f"a database function whose {what} is not a constant")
        return compiled(self.env)

    def _db_condition(self, cell: CellRef) -> Any:
        """A criteria cell as a parsed criterion (database._condition), None for no
        condition; a number that varies per trial is "=" that number in each trial."""
        from ...functions._criteria import parse
        from ...functions.database import _condition
        from ._text import _VaryingNumber

        node = ir.Ref(cell)
        self.array_ir.append(node)
        if self.is_constant(node):
            got = self._db_constant(node, "criteria")
            cond = _condition(got) if isinstance(got, Vec) else None
            return None if cond is None else parse(cond.scalar(0))
        v = self.operand(cell)
        if v.kind == KNUM and v.e == "0":
            return _VaryingNumber(v)
        raise NotFusable("a database criterion that varies per trial (not as a number)")

    def _db_hits(self, data: list[list[CellRef]], labels: list[str | None],
                 crit: ir.Area) -> list[str] | None:
        """Per data row, where it meets the criteria ("1.0"/"0.0" when fixed); None for a
        condition under a label that names no database column (#VALUE!).  The criteria's
        labels are constants; a condition may be a number that varies per trial."""
        from ...functions.database import _label

        rows = crit.cells()
        head = self._db_constant(ir.Area(crit.sheet, crit.r1, crit.c1, crit.r1, crit.c2),
                                 "criteria labels")
        if not isinstance(head, Grid):
            raise NotFusable("database criteria that are not a range")
        cols = []
        for h in head.cells[0]:
            lab = _label(h)
            cols.append(labels.index(lab) if lab in labels else None)
        alternatives: list[list[tuple[int, Any]]] = []
        for alt in rows[1:]:
            tests = []
            for j, c in enumerate(alt):
                cond = self._db_condition(c)
                if cond is None:
                    continue
                col = cols[j]
                if col is None:
                    return None
                tests.append((col, cond))
            alternatives.append(tests)
        if not alternatives:
            return ["1.0"] * len(data)
        hits = []
        for row in data:
            hit = "0.0"
            for tests in alternatives:
                ok = "1.0"
                for col, crit_ in tests:
                    m = self.match_mask(crit_, self.operand(row[col]))
                    if m == "0.0":
                        ok = "0.0"
                        break
                    ok = m if ok == "1.0" else self.value(f"{ok} * {m}")
                if ok == "1.0":
                    hit = "1.0"
                    break
                if ok != "0.0":
                    hit = ok if hit == "0.0" else self.value(f"max({hit}, {ok})")
            hits.append(hit)
        return hits

    def _picked(self, v: Val, hit: str) -> Val | None:
        """A cell as the library's ``select(hit, cell, empty)``: None where never picked."""
        if hit == "1.0":
            return v
        if hit == "0.0" or (v.kind == KBLANK and v.e == "0"):
            return None
        on = self.value(f"{hit} != 0.0")
        y = self.value(f"sel({on}, {v.tag()}, 3.0)")
        x = self.value(f"sel({on}, {v.v}, 0.0)")
        e = "0" if v.e == "0" else self.err(f"sel({on}, {v.e}, 0)")
        kinds = tuple(dict.fromkeys([*(v.kinds if v.kind == KANY else (v.kind,)), KBLANK]))
        lo, hi = iv.union([v.iv, (0.0, 0.0)])
        return Val(x, e, KANY, lo, hi, None, y, kinds)

    def _aggregate(self, name: str, picked: list[Val]) -> Val:
        """The aggregate ``name`` over ``picked`` read as the cells of a range."""
        cells = picked or [BLANK]
        fn: Callable[[ir.Call], Val] = getattr(self, "fn_" + name.lower().replace(".", "_"))
        node = ir.Call(name, ())
        self.array_ir.append(node)
        inst: dict[str, Any] = self.__dict__
        inst["items"] = lambda _n, omitted_zero=False: [(self.in_range(v, name), True)
                                                        for v in cells]
        inst["_count_items"] = lambda _n: [(v, True) for v in cells]
        try:
            return fn(node)
        finally:
            del inst["items"], inst["_count_items"]

    def _dget(self, cells: list[Val], hits: list[str]) -> Val:
        """database._dget: the one picked value, whatever its kind; #VALUE! for none,
        #NUM! for several."""
        count, errs = "0.0", []
        value, tag = "0.0", "3.0"
        kinds: list[str] = []
        doms: list[int] = []
        lo, hi = 0.0, 0.0
        for v, h in zip(cells, hits, strict=True):
            if h == "0.0":
                continue
            count = h if count == "0.0" else self.value(f"{count} + {h}")
            value = v.v if h == "1.0" and value == "0.0" else \
                self.value(f"sel({h} != 0.0, {v.v}, {value})")
            tag = self.value(f"sel({h} != 0.0, {v.tag()}, {tag})")
            if v.e != "0":
                errs.append(v.e if h == "1.0" else self.err(f"sel({h} != 0.0, {v.e}, 0)"))
            kinds.extend(v.kinds if v.kind == KANY else (v.kind,))
            doms.extend(v.dom or ())
            lo, hi = min(lo, v.lo), max(hi, v.hi)
        e = self.err(self.chain([], [(f"({count} == 0.0)", VALUE), (f"({count} > 1.0)", NUM)]))
        if errs:
            e = self.err(f"sel({count} == 1.0, {self.chain(errs)}, {e})")
        bounds = iv.make(lo, hi) if iv.bounded((lo, hi)) else iv.UNKNOWN
        kinds = list(dict.fromkeys(kinds))
        if kinds in ([], [KNUM]):
            return num(value, e, bounds)
        dom = tuple(sorted(set(doms))) if KSTR in kinds else None
        return Val(value, e, KANY, bounds[0], bounds[1], dom, tag, tuple(kinds))

    def _database(self, node: ir.Call) -> Val:
        from ...functions.database import _column, _label

        aggregate = _AGGREGATES[node.name]
        if len(node.args) != 3:
            raise NotFusable(f"{node.name} with a wrong number of arguments")
        db, field, crit = node.args
        if not isinstance(db, ir.Area) or not isinstance(crit, ir.Area):
            raise NotFusable(f"{node.name} of something other than ranges")
        rows = db.cells()
        head = ir.Area(db.sheet, db.r1, db.c1, db.r1, db.c2)
        header = self._db_constant(head, "header row")
        if not isinstance(header, Grid):
            raise NotFusable(f"{node.name} of something other than ranges")
        bad = num("0.0", str(VALUE), (0.0, 0.0))
        if isinstance(field, ir.Missing):
            col = None
        else:
            f = self._db_constant(field, "field")
            if not isinstance(f, Vec):
                raise NotFusable(f"{node.name} with a range as the field")
            col = _column(header.cells[0], f)
        if col is None and (not isinstance(field, ir.Missing)
                            or aggregate not in ("COUNT", "COUNTA")):
            return bad
        labels = [_label(h) for h in header.cells[0]]
        data = [list(r) for r in rows[1:]]
        hits = self._db_hits(data, labels, crit)
        if hits is None:
            return bad
        if aggregate == "GET":
            assert col is not None
            return self._dget([self.operand(r[col]) for r in data], hits)
        picked = []
        for row, hit in zip(data, hits, strict=True):
            for c in (row if col is None else [row[col]]):
                p = self._picked(self.operand(c), hit)
                if p is not None:
                    picked.append(p)
        return self._aggregate(aggregate, picked)

    fn_dsum = fn_daverage = fn_dcount = fn_dcounta = fn_dmax = fn_dmin = _database
    fn_dproduct = fn_dstdev = fn_dstdevp = fn_dvar = fn_dvarp = fn_dget = _database


__all__ = ["DatabaseMixin"]
