"""The deterministic pass computes the copies of one formula together.

A formula copied down a column (``=C5/B5``, ``=C6/B6``, ...) is one parse-cache template: its
copies are the template's IR with the references moved.  Where no copy reads another (a
running total ``=B5+C4`` does) and the formula is made only of operators, constants, single
cells and plain per-value functions, the copies are computed as *one* formula whose cells are
trial vectors: the k copies' inputs gathered into vectors of k values, the first copy's code
run once over them (every function of the library computes trial by trial, which is what a
simulation relies on), the k results handed back to their cells.  So a 10^6-cell check
compiles and runs such a formula once per column rather than once per cell.

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
from .functions import lookup as lookup_function
from .values import Kind, Vec, error, from_scalar

if TYPE_CHECKING:
    from .model import Env, Model
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


class Batches:
    """The families of copies of one pass, and the copies put off until their family runs."""

    def __init__(self, model: Model, env: Env, order: list[CellRef]) -> None:
        self.model, self.env = model, env
        code = model._code
        count: dict[int, int] = {}
        refused: set[int] = set()
        plain: dict[int, bool] = {}
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
            if not plain[k] or any((d := code.get(x)) is not None and d.family is fam
                                   for x in cc.deps):
                refused.add(k)  # a copy reads another copy (a running total)
        # family (id of its template) -> its copies put off so far
        self.waiting: dict[int, list[CellRef]] = {
            k: [] for k, n in count.items() if n >= BATCH_MIN and k not in refused}
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
            for i in range(0, len(members), CHUNK):
                part = members[i:i + CHUNK]
                if len(part) >= BATCH_MIN and compiled is not False:
                    compiled = self._run(part, compiled)
                    if compiled is not False:
                        continue
                for c in part:
                    if c not in values:
                        self.env.compute(c)
        finally:
            self._running.discard(k)

    def _run(self, members: list[CellRef], compiled: Any) -> Any:
        """Compute ``members`` as one vector formula; returns the code with the IR and cell of
        the copy it was compiled for (given again for the next chunk of the family: its code
        reads that copy's cells), or False (nothing set) when they cannot."""
        model, env = self.model, self.env
        ccs = [model._code[c] for c in members]
        if compiled is None:
            first, first_cell = ccs[0].node, members[0]
        else:  # the code of an earlier chunk reads its first copy's cells: keyed by those
            first, first_cell = compiled[1], compiled[2]
        refs0 = [r.cell for r in ir.references(first)]
        where: dict[CellRef, int] = {}
        for i, r in enumerate(refs0):
            where.setdefault(r, i)
        columns: list[list[CellRef]] = [[] for _ in refs0]
        for cc in ccs:
            refs = ir.references(cc.node)
            if len(refs) != len(refs0):
                return False
            for i, r in enumerate(refs):
                if type(r) is not ir.Ref:
                    return False
                columns[i].append(r.cell)
        for i, r in enumerate(refs0):  # a cell written twice must move the same way
            j = where[r]
            if j != i and columns[j] != columns[i]:
                return False
        inputs: dict[CellRef, Vec] = {}
        for r, j in where.items():
            got = _gathered([env.cell(x) for x in columns[j]])
            if got is None:
                return False
            inputs[r] = got
        del columns
        for cc in ccs:  # the copies' IR is not needed any more (made again if it is)
            cc.release()
        n = len(members)
        try:
            if compiled is None:
                code, info = compile_formula(first, first_cell)
                if info != CompileInfo():
                    return False
                compiled = (code, first, first_cell)
            out = compiled[0](_VectorEnv(env, n, inputs))
        except Exception as exc:  # computed cell by cell, which reports what it is
            log.debug("%s: batch of %d copies left to the cells: %r", members[0], n, exc)
            return False
        if not isinstance(out, Vec) or len(out.data) not in (1, n) or \
                (out.err is not None and len(out.err) not in (1, n)):
            return False
        values = env.values
        if len(out.data) == 1 and (out.err is None or len(out.err) == 1):
            for c in members:
                values[c] = out
        else:
            if len(out.data) == 1 or (out.err is not None and len(out.err) == 1):
                out = Vec(out.kind, np.broadcast_to(out.data, (n,)).copy(),
                          None if out.err is None else np.broadcast_to(out.err, (n,)).copy())
            for i, c in enumerate(members):
                values[c] = _piece(out, i)
        for cc in ccs:
            cc.computed_in_batch()
        self.batched += n
        return compiled
