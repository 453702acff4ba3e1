"""Least-squares fits in the fused kernel: LINEST, LOGEST, TREND and GROWTH.

engine.functions.linest fits trial by trial and gives a table (LINEST, LOGEST: a row of
coefficients, last variable first, then the intercept; with stats four more rows) or the
fitted values at new points (TREND, GROWTH).  Here:

* :class:`FitLayout` (mixed into :class:`._arrays.ArrayElements`) knows the layout from the
  arguments' shapes alone: which cells are y, which are the rows of x, where each TREND point
  sits, and the result's shape.  Each element of the result is a :class:`FitAt` node;
* :class:`FitsMixin` (mixed into the generator) computes the fit **once per formula and
  trial**: the first cell of the formula lays out y, x (and the points) in a scratch array and
  one runtime call (:mod:`._rt_fits`) writes the whole result (values, then error codes) into a
  second scratch array; every cell of the formula reads its element from it.  The cells of a
  multi-cell formula may run in other segments of the kernel, so that table lives in rows of
  the per-block ``ur`` array (``Generator.shared_scratch``); the other cells name the first cell's
  value in their read (``fit_at(z, j, v<first>)``), which orders them after it.
* A plain (non-array) LINEST/TREND is its result's top-left element; INDEX(fit, r, c) with
  constant r and c its element (r, c).

Before, every cell of a multi-cell formula refitted (its own copy of the layout and the call):
pycel's stats workbook's 211 fit cells took minutes to compile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ... import ir
from ...values import REF, VALUE
from ._host import GeneratorHost
from ._rt_fits import HEADER
from ._values import KANY, KBLANK, KBOOL, KNUM, NotFusable, Val, code, lit, num

if TYPE_CHECKING:
    from ...workbook import Workbook

# the fits, and whether each fits ln(y) (LOGEST, GROWTH)
FITS = {"LINEST": False, "LOGEST": True, "TREND": False, "GROWTH": True}
_TABLES = frozenset({"LINEST", "LOGEST"})


@dataclass(frozen=True)
class FitAt:
    """Element ``index`` (row by row) of the result of the fit ``key`` (the id of its call
    node): y (m values) and x (m rows of k values) laid out as
    engine.functions.linest._design lays them out, TREND's ``points`` in the result's order.
    ``first``: the element of the formula's first cell (which computes the fit)."""

    key: int
    name: str
    y: tuple[ir.Node, ...]
    x: tuple[tuple[ir.Node, ...], ...]
    const: bool
    stats: bool
    index: int
    size: int
    first: bool
    points: tuple[tuple[ir.Node, ...], ...] = ()
    new_ref: bool = False   # TREND's new x does not fit: #REF! once y, x and new x are numbers


@dataclass(frozen=True)
class Fit:
    """A fit's layout: y's positions, x's rows of positions (in x, or in y for the default
    x of 1, 2, 3 ...), and its result's shape with where each TREND point's values sit."""

    name: str
    y: list[tuple[int, int]]
    x: list[list[tuple[int, int]]]
    k: int
    const: bool
    stats: bool
    shape: tuple[int, int]
    points: list[list[tuple[int, int]]] = field(default_factory=list)  # TREND, flat order
    ref_error: bool = False   # x and y of sizes that do not fit: #REF!
    new_ref: bool = False     # TREND's new x of a size that does not fit


class FitLayout:
    """The layout side (mixed into ArrayElements): shapes and :class:`FitAt` elements."""

    if TYPE_CHECKING:  # provided by ArrayElements
        workbook: Workbook
        root: ir.Node | None
        _fits: dict[int, Fit]

        def flag(self, node: ir.Node) -> bool | None: ...
        def shape(self, node: ir.Node) -> tuple[int, int] | None: ...
        def _at(self, node: ir.Node, r: int, c: int) -> ir.Node: ...
        def _single(self, node: ir.Node) -> ir.Node: ...

    first_cell = True   # the elements being made are the formula's first cell's

    def fit(self, node: ir.Call) -> Fit:
        """The layout of LINEST(y, [x], [const], [stats]) or TREND(y, [x], [new], [const])
        (engine.functions.linest._design and _predict), all of it known from the shapes."""
        got = self._fits.get(id(node))
        if got is not None:
            return got
        name, args = node.name, list(node.args)
        if node is not self.root:
            raise NotFusable(f"{name} inside an expression in an array formula")
        if not 1 <= len(args) <= 4:
            raise NotFusable(f"{name} with a wrong number of arguments")
        args += [ir.Missing()] * (4 - len(args))
        table = name in _TABLES
        ys, xs = args[0], args[1]
        new = ir.Missing() if table else args[2]
        const = self._flag(args[2] if table else args[3], True)
        stats = self._flag(args[3], False) if table else False
        yshape = self.shape(ys) or (1, 1)
        rows, cols = yshape
        xshape = yshape if isinstance(xs, ir.Missing) else (self.shape(xs) or (1, 1))
        xr, xc = xshape
        if (cols == 1 and xr != rows) or (rows == 1 and cols > 1 and xc != cols) or \
                (rows > 1 and cols > 1 and xshape != yshape):
            # #REF! in every trial, before any value is read: one error everywhere
            got = Fit(name, [], [], 0, const, stats, (1, 1), ref_error=True)
            self._fits[id(node)] = got
            return got
        as_row = False
        if cols == 1 or (rows == 1 and cols == 1):
            y = [(i, 0) for i in range(rows)]
            x = [[(i, j) for j in range(xc)] for i in range(rows)]
        elif rows == 1:
            as_row = True
            y = [(0, j) for j in range(cols)]
            x = [[(i, j) for i in range(xr)] for j in range(cols)]
        else:
            y = [(i, j) for i in range(rows) for j in range(cols)]
            x = [[p] for p in y]
        k = len(x[0])
        if table:
            got = Fit(name, y, x, k, const, stats, (5 if stats else 1, k + 1))
        else:
            got = self._trend(name, y, x, k, const, as_row, new)
        self._fits[id(node)] = got
        return got

    def _trend(self, name: str, y: list[tuple[int, int]], x: list[list[tuple[int, int]]],
               k: int, const: bool, as_row: bool, new: ir.Node) -> Fit:
        """TREND's points (rows of new_x as _predict arranges them) and result shape."""
        if isinstance(new, ir.Missing):
            points = x
            shape = (1, len(points)) if as_row else (len(points), 1)
        else:
            nr, nc = self.shape(new) or (1, 1)
            if as_row:
                if nr != k:   # every trial fails: one error everywhere
                    return Fit(name, y, x, k, const, False, (1, 1), new_ref=True)
                points = [[(i, j) for i in range(nr)] for j in range(nc)]
            elif nc == k:
                points = [[(i, j) for j in range(nc)] for i in range(nr)]
            elif k == 1:
                points = [[(i, j)] for i in range(nr) for j in range(nc)]
            else:
                return Fit(name, y, x, k, const, False, (1, 1), new_ref=True)
            shape = (nr, nc) if nr * nc == len(points) else \
                ((1, len(points)) if as_row else (len(points), 1))
        return Fit(name, y, x, k, const, False, shape, points)

    def _flag(self, node: ir.Node, default: bool) -> bool:
        if isinstance(node, ir.Missing):
            return default
        got = self.flag(node)
        return default if got is None else got

    def _fit_at(self, node: ir.Call, r: int, c: int) -> FitAt | ir.Err:
        fit = self.fit(node)
        if fit.ref_error:
            return ir.Err(REF)
        ys = node.args[0]
        xs = node.args[1] if len(node.args) > 1 else ir.Missing()
        cols = (self.shape(ys) or (1, 1))[1]

        def value(src: ir.Node, pos: tuple[int, int]) -> ir.Node:
            if isinstance(src, ir.Missing):   # the default x: 1, 2, 3 ... over y's cells
                return ir.Num(float(pos[0] * cols + pos[1] + 1))
            return self._at(src, *pos) if self.shape(src) is not None else self._single(src)

        y = tuple(value(ys, p) for p in fit.y)
        x = tuple(tuple(value(xs, p) for p in row) for row in fit.x)
        rows_, cols_ = fit.shape
        at = dict(key=id(node), name=fit.name, y=y, x=x, const=fit.const, stats=fit.stats,
                  index=r * cols_ + c, size=rows_ * cols_, first=self.first_cell)
        if fit.name in _TABLES:
            return FitAt(**at)
        new = node.args[2] if len(node.args) > 2 else ir.Missing()
        if fit.new_ref:   # the values of new x only matter for #VALUE!
            nr, nc = self.shape(new) or (1, 1)
            return FitAt(**at, points=(tuple(value(new, (i, j)) for i in range(nr)
                                             for j in range(nc)),), new_ref=True)
        src = xs if isinstance(new, ir.Missing) else new
        return FitAt(**at, points=tuple(tuple(value(src, p) for p in point)
                                        for point in fit.points))


def fit_work(m: int, k: int) -> int:
    """Room after a fit's values in its scratch array for the CUDA twins' work arrays
    (cupy/_rt.py, fit_table: the QR of m rows and k + 1 columns, R^-1, ...)."""
    return m * (k + 1) + 4 * (k + 1) + 2 * m + (k + 1) ** 2


class FitsMixin(GeneratorHost):
    """The generator's side of :class:`FitAt`: one fit per formula and trial, read by every
    cell of the formula."""

    if TYPE_CHECKING:  # provided by the Generator this is mixed into
        cell_number: int
        shared_scratch: set[str]

        def fold(self, node: ir.Node) -> Val | None: ...

    def static_flag(self, node: ir.Node) -> bool | None:
        """A fit's const or stats argument that is the same in every trial (None: blank),
        as engine.functions.linest._flag reads it."""
        if not self.is_constant(node):
            raise NotFusable("a fit's const or stats argument that varies per trial")
        v = self.expr(node)
        if v.kind == KBLANK:
            return None
        if v.e != "0" or v.kind not in (KNUM, KBOOL) or v.lo != v.hi:
            raise NotFusable("a fit's const or stats argument that is not a number or a "
                             "logical")
        return v.lo != 0.0

    # ------------------------------------------------------------ plain formulas
    def fit_call(self, node: ir.Call) -> Val | None:
        """A fit that is a plain formula's value (its top-left element; inside an expression
        only a one-value fit), or INDEX(fit, row[, column]) with constant positions (that
        element); None: an INDEX of something else.  Past the top-left element the fit's inputs must be numbers in every
        trial, and LOGEST/GROWTH are refused: where every trial of a chunk fails, numpy's
        fit is one value, and INDEX past (1, 1) of it #REF!."""
        from ._arrays import ArrayElements

        if node.name in FITS:
            fit, r, c = node, 1, 1
        else:
            args = node.args
            if not (1 < len(args) <= 3 and isinstance(args[0], ir.Call)
                    and args[0].name in FITS):
                return None
            pos = []
            for a in args[1:]:
                v = self.expr(a) if self.is_constant(a) else None
                if v is None or v.kind != KNUM or v.e != "0" or v.lo != v.hi:
                    # per trial over the fit's cells (fit_cells), not split on its
                    # arguments' kinds (the fit is no one value)
                    return self.fn_index(node)  # type: ignore[attr-defined]
                pos.append(int(v.lo))   # numpy's _int truncates
            fit, r = args[0], pos[0]
            c = pos[1] if len(pos) > 1 else None
        layout = ArrayElements(self.model.workbook, fit, self.static_flag)  # type: ignore[attr-defined]
        rows, cols = layout.fit(fit).shape
        if fit is node and (rows, cols) != (1, 1) and \
                node is not self.model.code(self.cell).node:  # type: ignore[attr-defined]
            # SUM(LINEST(...)) reads the whole result: only the cell's own value is its
            # top-left element
            raise NotFusable(f"{node.name} inside an expression (its array result)")
        if c is None:   # one row: the position is the column; one column: the row
            if rows > 1 and cols > 1:
                raise NotFusable("INDEX of a whole row of a fit's table")
            r, c = (1, r) if rows == 1 else (r, 1)
        if r < 1 or c < 1 or r > rows or c > cols:
            raise NotFusable("INDEX into a fit outside its result")
        element = layout._fit_at(fit, r - 1, c - 1)
        self.array_ir.append(element)   # type: ignore[attr-defined]  # keeps node ids alive
        self._numbers_only = (r, c) != (1, 1)
        try:
            return self.expr(element)
        finally:
            self._numbers_only = False

    def fit_cells(self, node: ir.Call) -> list[list[Val]]:
        """Every element of the fit's result (computed once per trial), for an INDEX at a
        position that varies per trial (:mod:`._index_ref`).  Its inputs must be numbers in
        every trial, as for a constant position past (1, 1) (see :meth:`fit_call`)."""
        from ._arrays import ArrayElements

        layout = ArrayElements(self.model.workbook, node, self.static_flag)  # type: ignore[attr-defined]
        rows, cols = layout.fit(node).shape
        out: list[list[Val]] = []
        self._numbers_only = True
        try:
            for r in range(rows):
                out.append([])
                for c in range(cols):
                    element = layout._fit_at(node, r, c)
                    self.array_ir.append(element)   # keeps node ids alive
                    out[-1].append(self.expr(element))
        finally:
            self._numbers_only = False
        return out

    # ------------------------------------------------------------ the fit, once
    _numbers_only = False

    def fit_value(self, node: FitAt) -> Val:
        """Element ``node.index`` of the fit of this trial (engine.functions.linest): every
        y, x (and TREND point) value must be a number (else #VALUE!, errors included)."""
        tables = self.__dict__.setdefault("_fit_tables", {})
        key = (self.cell, node.key)
        entry = tables.get(key)
        got = self._shared_fit(node) if entry is None else None
        if got is not None:
            return got
        if entry is None:
            saved, self.lines = self.lines, []
            try:
                entry = tables[key] = [self._fit_table(node), self.lines]
            finally:
                self.lines = saved
        got = entry[0]
        if isinstance(got, Val):   # the same value (an error) in every element
            return got
        z, n = got
        if node.first and entry[1]:
            shared = self.__dict__.setdefault("_fit_shared", {})
            same = _same_fit(node, self._numbers_only)
            if same is not None:
                shared[same] = (self.cell, self.cell_number, z, n)
        if node.first:
            self.lines.extend(entry[1])
            entry[1] = []   # computed once (a second read of the first cell reads z)
            v = self.value(f"{z}[{node.index}]")
            e = self.err(f"int({z}[{n + node.index}])")
        else:   # another cell of the formula: after the first cell (which fills z)
            got_z = self.value(f"fit_at({z}, v{self.cell_number})")
            v = self.value(f"{got_z}[{node.index}]")
            e = self.err(f"int({got_z}[{n + node.index}])")
        return num(v, e)

    def _shared_fit(self, node: FitAt) -> Val | None:
        """Element ``node.index`` of the same fit (the same y, x and options) computed by
        an earlier cell of the kernel that is fused, read after it: a column of cells
        ``INDEX(LINEST(y, x^{1,2,3}), 1, A<n>)`` fits once, not once per cell."""
        same = _same_fit(node, self._numbers_only)
        owner = self.__dict__.get("_fit_shared", {}).get(same) if same is not None else None
        if owner is None or owner[0] == self.cell or \
                owner[0] not in self.cells:  # type: ignore[attr-defined]
            return None
        _, k, z, n = owner
        got_z = self.value(f"fit_at({z}, v{k})")
        v = self.value(f"{got_z}[{node.index}]")
        e = self.err(f"int({got_z}[{n + node.index}])")
        return num(v, e)

    def _fit_table(self, node: FitAt) -> Val | tuple[str, int]:
        """The lines computing the fit's result into a scratch array: its name and the
        number of elements (values, then their error codes); or the one value of every
        element where it is known before any trial."""
        n_yx = len(node.y) * (1 + len(node.x[0]))
        at_x = node.points == node.x   # TREND at the known x: the points are x's rows
        memo: dict[ir.Node, Val] = {}   # one value per distinct expression (x ^ {1, 2} ...)

        def value(n: ir.Node) -> Val:
            if any(isinstance(d, ir.Call) for d in ir.walk(n)):   # RAND(): per call site
                return self.expr(n)
            got = memo.get(n)
            if got is None:
                got = memo[n] = self.expr(n)
            return got

        points = () if at_x else node.points
        vals = [value(n) for n in (*node.y, *(v for row in node.x for v in row),
                                   *(v for p in points for v in p))]
        log = FITS[node.name]
        if self._numbers_only and (log or any(v.kind != KNUM or v.e != "0" for v in vals)):
            raise NotFusable("INDEX into a fit that may fail in every trial")
        bad: list[str] = []
        for j, v in enumerate(vals):
            if j == n_yx:   # the points' checks after GROWTH's check of y (bad_new)
                bad_yx, bad = bad, []
            if v.kind == KANY:
                assert v.y is not None
                bad.append(f"ck(({v.e} != 0) | ({v.y} != 0.0), {VALUE})")
            elif v.kind != KNUM:
                if j >= n_yx and log:   # every trial fails, with #NUM! or #VALUE!: numpy
                    raise NotFusable(   # gives each the first trial's error
                        f"{node.name} with new x that is never a number")
                return num("0.0", code(VALUE), (0.0, 0.0))
            elif v.e != "0":
                bad.append(f"ck({v.e} != 0, {VALUE})")
        if len(vals) == n_yx:
            bad_yx, bad = bad, []
        if node.new_ref:
            if bad_yx or bad or log:   # numpy's result: the first trial's error, in every trial
                raise NotFusable(f"{node.name} with new x of a size that does not fit (#REF!) "
                                 "and values that may be errors")
            return num("0.0", code(REF), (0.0, 0.0))
        bad_e = self.err(self.chain(bad_yx)) if bad_yx else "0.0"
        new_e = self.err(self.chain(bad)) if bad else "0.0"
        table = node.name in _TABLES
        # the header (_rt_fits.HEADER): numbers in the array, as numba compiles a function
        # again for each literal argument (seconds, for the LAPACK wrappers)
        head = [float(len(node.y)), float(len(node.x[0])), float(node.const),
                float(node.stats) if table else float(-1 if at_x else len(node.points)),
                float(log)]
        buf = self.scratch(HEADER + len(vals) + fit_work(len(node.y), len(node.x[0])))
        self.lines += [f"{buf}[{j}] = {lit(h)}" for j, h in enumerate(head)]
        self.lines += [f"{buf}[5] = {bad_e}", f"{buf}[6] = {new_e}"]
        for j, v in enumerate(vals, HEADER):   # an error's value is never read: 0 keeps
            val = v.v if v.e == "0" else f"sel({v.e} == 0, {v.v}, 0.0)"   # LAPACK finite
            self.lines.append(f"{buf}[{j}] = {val}")
        # in rows of ur, for the cells in other segments (and one type of array for all:
        # each signature of the runtime compiles LAPACK's wrappers again)
        out = self.scratch(2 * node.size)
        self.shared_scratch.add(out)
        self.value(f"{'fit_table' if table else 'fit_points'}({buf}, {out})")
        return out, node.size


def _same_fit(node: FitAt, numbers_only: bool) -> tuple | None:
    """What makes two cells' fits the same (None: a fit over RAND() ... per call site)."""
    if any(isinstance(d, ir.Call) for n in (*node.y, *(v for r in node.x for v in r),
                                            *(v for p in node.points for v in p))
           for d in ir.walk(n)):
        return None
    return (node.name, node.y, node.x, node.const, node.stats, node.points, node.new_ref,
            node.size, numbers_only)


__all__ = ["FITS", "Fit", "FitAt", "FitLayout", "FitsMixin", "fit_work"]
