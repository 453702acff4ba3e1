"""The deterministic pass computes the copies of one formula together.

A formula copied down a column (``=C5/B5``, ``=C6/B6``, ...) is one parse-cache template: its
copies are the template's IR with the references moved.  Where no copy reads another (a
running total ``=B5+C4`` does) and the formula is made only of operators, constants, single
cells and plain per-value functions, the copies are computed as *one* formula whose cells are
trial vectors: the k copies' inputs gathered into vectors of k values, the first copy's code
run once over them (every function of the library computes trial by trial, which is what a
simulation relies on), the k results handed back to their cells.  So a 10^6-cell check
compiles and runs such a formula once per column rather than once per cell.

A running total (``=C4+B5*1.05``, ``=B5*1.05+C4``, ``=C4-B5``: each copy adds to, or takes
from, the copy it reads) is a *chain*: the other operand is computed for all the copies as
above, then the sums run down the chain with ``np.cumsum`` (a sequential sum: each partial
sum is the one IEEE addition the cell-by-cell pass makes, and ``a - b`` is ``a + (-b)``
exactly).  Only numbers without errors go that way; anything else is computed cell by cell.

Anything outside that (inputs of different kinds across the copies, a range, an array or
Grid result, an exception) falls back to computing each copy on its own, in order, so the
values are the ones the cell-by-cell pass gives.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from . import ir
from .compiler import CompileInfo, compile_formula
from .functions import function_named as lookup_function
from .values import Kind, Vec, error, from_scalar, to_number

if TYPE_CHECKING:
    from .model import CellCode, Env, Model
    from .workbook import CellRef

log = logging.getLogger(__name__)

BATCH_MIN = 16  # fewer copies than this are computed cell by cell
CHUNK = 65_536  # copies computed at once (what is gathered for them is held meanwhile)

# per-value functions whose copies may run as one vector (no references taken as ranges, no
# position, no context, no random stream or clock)
_FUNCTIONS = frozenset({
    "IF", "IFERROR", "IFNA", "NOT", "ABS", "ROUND", "ROUNDUP", "ROUNDDOWN", "INT", "MOD",
    "SIGN", "SQRT", "EXP", "LN", "LOG10", "POWER", "LEFT", "RIGHT", "MID", "LEN", "UPPER",
    "LOWER", "TRIM", "CONCATENATE", "ISNUMBER", "ISERROR", "ISTEXT", "YEAR", "MONTH", "DAY",
    "DATE", "EDATE", "EOMONTH",
})
_LEAVES = (ir.Num, ir.Str, ir.Bool, ir.Err, ir.Ref)


def _plain(node: ir.Node) -> bool:
    """Whether ``node`` holds only operators, constants, single cells and :data:`_FUNCTIONS`."""
    stack = [node]
    while stack:
        x = stack.pop()
        t = type(x)
        if t in _LEAVES:
            continue
        if t is ir.Binary:
            if x.op in (":", " "):
                return False
            stack.append(x.left)
            stack.append(x.right)
        elif t is ir.Unary:
            stack.append(x.operand)
        elif t is ir.Call:
            if x.name not in _FUNCTIONS:
                return False
            fn = lookup_function(x.name)
            if fn is None or not fn.vectorized or fn.refs or fn.needs_ctx:
                return False
            if any(type(a) is ir.Missing for a in x.args):
                return False
            stack.extend(x.args)
        else:
            return False
    return True


def _chain_sides(node: ir.Node) -> tuple[str, ...]:
    """The operands of a template that may be the copy it reads in a running total: a cell
    added (either side of ``+``) or the cell something is taken from (left of ``-``)."""
    if type(node) is not ir.Binary or node.op not in ("+", "-"):
        return ()
    sides = [s for s in ("left", "right") if type(getattr(node, s)) is ir.Ref]
    return tuple(sides if node.op == "+" else [s for s in sides if s == "left"])


def _other(side: str) -> str:
    return "right" if side == "left" else "left"


class _VectorEnv:
    """What the first copy's code reads while it runs for all the copies: each of its cells
    is the vector of the copies' cells at the same place."""

    __slots__ = ("n", "_cells", "_env")

    def __init__(self, env: Env, n: int, cells: dict[CellRef, Vec]) -> None:
        self._env, self.n, self._cells = env, n, cells

    def cell(self, ref: CellRef) -> Vec:
        return self._cells[ref]

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"{name}: not available to a batch of copies")


def _gathered(vecs: list[Vec]) -> Vec | None:
    """One vector of the copies' values (each of length 1), or None when they are not all of
    one kind."""
    kind = vecs[0].kind
    for v in vecs:
        if v.kind is not kind or len(v.data) != 1:
            return None
    data = np.concatenate([v.data for v in vecs])
    if all(v.err is None for v in vecs):
        return Vec(kind, data)
    err = np.concatenate([np.zeros(1, np.uint8) if v.err is None else v.err[:1] for v in vecs])
    return Vec(kind, data, err.astype(np.uint8) if err.any() else None)


def _piece(out: Vec, i: int) -> Vec:
    """The value of copy ``i`` of a batch result."""
    e = 0 if out.err is None else int(out.err[i])
    if out.kind == Kind.ANY:
        return error(e) if e else from_scalar(out.data[i])
    return Vec(out.kind, out.data[i:i + 1], out.err[i:i + 1] if e else None)


def _pieces(out: Vec) -> list[Vec]:
    """The value of each copy of a batch result; copies with the same value (the same bits
    for a number, so -0.0 stays apart from 0.0) and error share one Vec: a 10^6-cell pass
    holds one object per distinct value of a column of flags, not one per cell."""
    if out.kind == Kind.ANY:
        return [_piece(out, i) for i in range(len(out.data))]
    keys = out.data.view(np.uint64).tolist() if out.kind == Kind.NUM and \
        out.data.dtype == np.float64 else out.data.tolist()
    if out.err is not None:
        keys = list(zip(keys, out.err.tolist(), strict=True))
    seen: dict[Any, Vec] = {}
    got = []
    for i, key in enumerate(keys):
        v = seen.get(key)
        if v is None:
            v = seen[key] = _piece(out, i)
        got.append(v)
    return got


class Batches:
    """The families of copies of one pass, and the copies put off until their family runs."""

    def __init__(self, model: Model, env: Env, order: list[CellRef]) -> None:
        self.model, self.env = model, env
        code = model._code
        count: dict[int, int] = {}
        refused: set[int] = set()
        plain: dict[int, bool] = {}
        chains: dict[int, tuple[str, ...]] = {}
        for c in order:  # no structure per cell: a 10^6-cell pass holds enough already
            cc = code.get(c)
            fam = None if cc is None else cc.family
            if fam is None:
                continue
            k = id(fam)
            count[k] = count.get(k, 0) + 1
            if k in refused:
                continue
            if k not in plain:
                plain[k] = not (fam.ranges or fam.broken) and _plain(fam.node)
            if not plain[k]:
                refused.add(k)
            elif k not in chains and any((d := code.get(x)) is not None and d.family is fam
                                         for x in cc.deps):
                # a copy reads another copy: a running total runs as a chain, else refused
                sides = _chain_sides(fam.node)
                if sides:
                    chains[k] = sides
                else:
                    refused.add(k)
        # family (id of its template) -> its copies put off so far
        self.waiting: dict[int, list[CellRef]] = {
            k: [] for k, n in count.items() if n >= BATCH_MIN and k not in refused}
        # running totals among them -> the operands that may be the copy read
        self.chains = {k: sides for k, sides in chains.items() if k in self.waiting}
        self._running: set[int] = set()
        self.batched = 0  # cells computed in batches (tests, benches)

    def _family(self, c: CellRef) -> int | None:
        cc = self.model._code.get(c)
        fam = None if cc is None else cc.family
        return None if fam is None or id(fam) not in self.waiting else id(fam)

    def defer(self, c: CellRef) -> bool:
        """Put ``c`` off when it is a copy of a batched family (True); else flush the families
        whose waiting copies ``c`` reads (False: the caller computes ``c``)."""
        k = self._family(c)
        if k is not None:
            self.waiting[k].append(c)
            return True
        self._ready(self.model._code[c].deps)
        return False

    def _ready(self, deps: list[CellRef]) -> None:
        waiting, values = self.waiting, self.env.values
        for d in deps:
            k = self._family(d)
            if k is not None and waiting[k] and d not in values:
                self.flush(k)

    def finish(self) -> None:
        for k in list(self.waiting):
            if self.waiting[k]:
                self.flush(k)

    def flush(self, k: int) -> None:
        if k in self._running:
            return  # a copy reads its own family through another: computed cell by cell
        values = self.env.values
        members = [c for c in self.waiting[k] if c not in values]
        self.waiting[k] = []
        self._running.add(k)
        try:
            code = self.model._code
            for c in members:  # what the copies read first (other families' copies)
                self._ready(code[c].deps)
            members = [c for c in members if c not in values]
            compiled = None
            run = self._run if k not in self.chains else \
                lambda part, compiled: self._chain(part, compiled, self.chains[k])
            for i in range(0, len(members), CHUNK):
                part = members[i:i + CHUNK]
                if len(part) >= BATCH_MIN and compiled is not False:
                    compiled = run(part, compiled)
                    if compiled is not False:
                        continue
                for c in part:
                    if c not in values:
                        self.env.compute(c)
        finally:
            self._running.discard(k)

    def _references(self, ccs: list[CellCode]) -> list[list[ir.Ref | ir.Area]]:
        """Each copy's references (engine.ir.references order), from its IR when it is held,
        else moved from its template's (its IR is not built: engine._parse_cache.copy)."""
        formulas = self.model.resolver.formulas
        out = []
        for cc in ccs:
            node = cc._node
            refs = None
            if node is None and cc.family is not None and cc.ref is not None:
                refs = formulas.references(cc.family, cc.ref.row, cc.ref.col)
            out.append(refs if refs is not None else ir.references(cc.node))
        return out

    def _vector(self, members: list[CellRef], first: ir.Node,
                copies: list[list[ir.Ref | ir.Area]], compiled: Any) -> tuple[Vec, Any] | None:
        """One template part computed as one vector formula for the copies ``members``:
        ``first`` is the part in the first copy, ``copies`` each copy's references in it.
        Returns the result (one value, or one per copy) and the code with the IR and cell it
        was compiled for (given again for the next chunk of the family: its code reads that
        copy's cells); None when they cannot be."""
        env = self.env
        if compiled is None:
            first_cell = members[0]
        else:  # the code of an earlier chunk reads its first copy's cells: keyed by those
            first, first_cell = compiled[1], compiled[2]
        refs0 = [r.cell for r in ir.references(first)]
        where: dict[CellRef, int] = {}
        for i, r in enumerate(refs0):
            where.setdefault(r, i)
        columns: list[list[CellRef]] = [[] for _ in refs0]
        for refs in copies:
            if len(refs) != len(refs0):
                return None
            for i, r in enumerate(refs):
                if type(r) is not ir.Ref:
                    return None
                columns[i].append(r.cell)
        for i, r in enumerate(refs0):  # a cell written twice must move the same way
            j = where[r]
            if j != i and columns[j] != columns[i]:
                return None
        inputs: dict[CellRef, Vec] = {}
        for r, j in where.items():
            got = _gathered([env.cell(x) for x in columns[j]])
            if got is None:
                return None
            inputs[r] = got
        del columns
        n = len(members)
        try:
            if compiled is None:
                code, info = compile_formula(first, first_cell)
                if info != CompileInfo():
                    return None
                compiled = (code, first, first_cell)
            out = compiled[0](_VectorEnv(env, n, inputs))
        except Exception as exc:  # computed cell by cell, which reports what it is
            log.debug("%s: batch of %d copies left to the cells: %r", members[0], n, exc)
            return None
        if not isinstance(out, Vec) or len(out.data) not in (1, n) or \
                (out.err is not None and len(out.err) not in (1, n)):
            return None
        return out, compiled

    def _run(self, members: list[CellRef], compiled: Any) -> Any:
        """Compute ``members`` as one vector formula; returns the code (see :meth:`_vector`),
        or False (nothing set) when they cannot."""
        ccs = [self.model._code[c] for c in members]
        got = self._vector(members, ccs[0].node, self._references(ccs), compiled)
        if got is None:
            return False
        out, compiled = got
        n = len(members)
        values = self.env.values
        if len(out.data) == 1 and (out.err is None or len(out.err) == 1):
            for c in members:
                values[c] = out
        else:
            if len(out.data) == 1 or (out.err is not None and len(out.err) == 1):
                out = Vec(out.kind, np.broadcast_to(out.data, (n,)).copy(),
                          None if out.err is None else np.broadcast_to(out.err, (n,)).copy())
            for c, v in zip(members, _pieces(out), strict=True):
                values[c] = v
        for cc in ccs:
            cc.computed_in_batch()
        self.batched += n
        return compiled

    def _chain(self, members: list[CellRef], compiled: Any, sides: tuple[str, ...]) -> Any:
        """A running total: each copy is ``prev + x``, ``x + prev`` or ``prev - x`` where
        ``prev`` is a cell (the copy before it, except where a chain starts) and ``x`` reads
        no copy of the family.  The ``x`` of every copy is computed as one vector, then each
        run of copies reading the one before is a cumulative sum from the value of the cell
        its first copy reads.  Returns the code of ``x`` (see :meth:`_vector`), or False:
        nothing set (or, past a sum that is not finite, the rest left to the cells)."""
        code, env = self.model._code, self.env
        ccs = [code[c] for c in members]
        fam = ccs[0].family
        first = ccs[0].node
        if type(first) is not ir.Binary or type(fam.node) is not ir.Binary:
            return False
        copies = self._references(ccs)
        # where the operands' references are in a copy's: a Ref on the left is the first,
        # one on the right the last
        at = {"left": 0, "right": len(copies[0]) - 1}
        side = None  # the operand that is the copy read, the same in every copy
        for refs in copies:
            for s in sides:
                r = refs[at[s]]
                d = code.get(r.cell) if type(r) is ir.Ref else None
                if d is not None and d.family is fam:
                    if side is not None and side != s:
                        return False
                    side = s
        if side is None:
            return False
        op = fam.node.op
        prev = [refs[at[side]].cell for refs in copies]
        xs = [refs[1:] if side == "left" else refs[:-1] for refs in copies]
        del copies
        for refs in xs:  # x reads no copy of the family (it is computed before the sums)
            for r in refs:
                d = code.get(r.cell) if type(r) is ir.Ref else None
                if type(r) is not ir.Ref or (d is not None and d.family is fam):
                    return False
        got = self._vector(members, getattr(first, _other(side)), xs, compiled)
        if got is None:
            return False
        out, compiled = got
        x, err = to_number(out)
        if err is not None and err.any():
            return False
        n = len(members)
        x = np.broadcast_to(np.asarray(x, dtype=np.float64), (n,))
        if op == "-":
            x = -x  # a - b is a + (-b), exactly
        values = env.values
        start = 0
        while start < n:  # each run of copies reading the one before it
            end = start + 1
            while end < n and prev[end] == members[end - 1]:
                end += 1
            base = values.get(prev[start])
            if base is None:
                d = code.get(prev[start])
                if d is not None and d.family is fam:  # a copy not computed yet
                    break
                base = env.cell(prev[start])
            b, berr = to_number(base)
            if len(b) != 1 or (berr is not None and berr.any()):
                break
            sums = np.cumsum(np.concatenate([np.asarray(b, dtype=np.float64), x[start:end]]))
            if not np.isfinite(sums).all():
                break  # #NUM! somewhere down the chain: the cells say where
            for i in range(start, end):
                values[members[i]] = Vec(Kind.NUM, sums[i - start + 1:i - start + 2])
                ccs[i].computed_in_batch()
            self.batched += end - start
            start = end
        if start == 0:
            return False
        for c in members[start:]:  # in order: each reads the ones before it
            if c not in values:
                env.compute(c)
        return compiled
