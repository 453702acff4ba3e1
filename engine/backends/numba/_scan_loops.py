"""SCAN over an array whose shape varies per trial, as one loop in the kernel (a mixin of the
kernel generator).

chris-kc-cheng's Analytics, CIR!A31 (spilled into A31:DQ35)::

    =SCAN(0, HSTACK(MAKEARRAY(B4,1,LAMBDA(x,y,FALSE)), NORM.S.INV(RANDARRAY(B4,B3*B5))),
          LAMBDA(r,p, IF(NOT(p), LN(1+B9), r + .. + NORM.S.INV(RAND())*B8*SQRT(r/B5))))

with the sizes inputs: 4-5 rows of 110-145 steps per trial, each step reading the previous
one.  :mod:`._lambdas` inlines SCAN step by step only where the shape is fixed; here the
array formula's value (the root of its IR) becomes a :class:`ScanLoop` and the kernel runs,
once per trial (its first cell's fill, :mod:`._array_fills`),

* the sizes of each part of the array: MAKEARRAY's (numpy's ``_makearray``: an error, text
  or below 1 is #VALUE!), RANDARRAY's (numpy's ``compile_randarray``: TRUNC, below 1
  #VALUE!); a part whose size fails is that one error, an array of 1 x 1 (numpy's HSTACK
  reads it so); HSTACK of parts is as many rows as its tallest part, #N/A below a shorter
  one; an element-wise function of one part (NORM.S.INV) its element's value;
* the steps in row order ``for i in range(rows): for j in range(cols)``, each the LAMBDA's
  body with the accumulator a variable of the loop and the element the IR above with the
  loop's row and column (virtual cells of :data:`SCAN_SHEET`);
* the cells of the formula's range from the steps kept for it: numpy's ragged rule
  (:mod:`engine._ragged`: a one-row result repeated down, a one-column one across, #N/A
  past the result).

Random numbers: numpy draws RANDARRAY's element (i, j) from ``element_stream(cell, 0, i, j)``
and the body's k-th RAND at step (i, j) from ``#RAND<k>@<site>:<i>:<j>``
(:func:`engine.functions.lambdas.draw_tag`); the kernel draws every stream up to the sizes'
bounds (their intervals: inputs are bounded), in consecutive rows of ``ur``, and reads row
``first + i * columns + j``.  Refused (left to numpy, with the reason): sizes without finite
bounds or above :data:`MAX_STEPS` steps, parts other than MAKEARRAY, RANDARRAY of the default
0..1, HSTACK and element-wise functions of one argument, an accumulator or step of another
kind than a number.  The CUDA translation (cupy ``_codegen._FOR_BOUND``) makes the steps a
per-thread loop of the trial's count ``min(int(..), <maximum>)`` (a count without that
declared maximum, or above ``MAX_LOOP_COUNT``, is refused cleanly: the model runs on numba),
the ``if`` of the cells kept a branch, the scratch of the range's cells a local array of the
range's size and the draws ``ur`` rows read at a computed place (``mc_ur``)
(tests/test_numba_varshape_loops.py: its host build equals numpy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ... import ir
from ..._randarray import MAX_ELEMENTS, element_stream, shape_arg
from ...values import NA, NUM, VALUE
from ...workbook import CellRef
from . import _intervals as iv
from ._array_fills import array_fill
from ._values import KBOOL, KNUM, NotFusable, Val, num

SCAN_SHEET = "\x00SCANLOOP"   # virtual cells of the loop (a sheet no workbook has)
MAX_STEPS = 4096   # streams drawn per random source (rows x columns of the sizes' bounds)
_ACC, _X = "#SCANACC", "#SCANX"
_UNARY = frozenset({"NORM.S.INV", "ABS", "EXP", "LN", "SQRT", "INT", "TRUNC", "SIGN",
                    "NOT", "NORM.S.DIST", "LOG10"})


@dataclass(frozen=True, slots=True, eq=False)
class ScanLoop(ir.Call):
    """SCAN(``init``, ``array``, LAMBDA) at an array formula's root, ``array``'s shape varying
    per trial; ``body`` the LAMBDA's body with its parameters the names ``#SCANACC`` and
    ``#SCANX``, ``draws`` its RAND copies with their k (``#RAND<k>``), ``site`` SCAN's place
    in numpy's ``lambda_sites``."""

    init: ir.Node
    array: ir.Node
    body: ir.Node
    draws: tuple[tuple[ir.Call, int], ...]
    site: int


@dataclass(frozen=True, slots=True, eq=False)
class ScanAt(ir.Call):
    """The cell at offset (``r``, ``c``) of the formula's range holding ``loop``."""

    loop: ScanLoop
    r: int
    c: int


def _dummy() -> tuple[ir.Node, ...]:
    # one array constant argument: never folded (it varies) nor read as a value
    return (ir.Array(((ir.Num(0.0),),)),)


def varying_parts(expander: Any, node: ir.Node) -> bool:
    """Whether ``node`` (SCAN's array argument) holds a MAKEARRAY or RANDARRAY whose size
    varies per trial (else SCAN is inlined step by step, :mod:`._lambdas`)."""
    for n in ir.walk(node):
        if isinstance(n, ir.Call) and n.name == "MAKEARRAY" and len(n.args) == 3 and \
                any(expander.const(a) is None for a in n.args[:2]):
            return True
        if isinstance(n, ir.Call) and n.name == "RANDARRAY" and \
                any(shape_arg(a) is None for a in n.args[:2]):
            return True
    return False


def scan_loop(expander: Any, node: ir.Call, scope: dict[str, Any]) -> ScanLoop | None:
    """The :class:`ScanLoop` of SCAN ``node`` at the cell's root (``expander`` is
    :class:`._lambdas._Expander`), None where its array's shape is fixed."""
    from ._lambdas import _calls, _free_names, _substitute, parameter

    if len(node.args) != 3 or not varying_parts(expander, node.args[1]):
        return None
    init = node.args[0]
    if not isinstance(init, ir.Num | ir.Bool):
        raise NotFusable("SCAN over a shape varying per trial from an initial value that "
                         "is not a literal number")
    fn = expander._function(node.args[2], scope, 2)
    if len(fn.params) != 2 or _free_names(fn.body, frozenset(fn.params)):
        raise NotFusable("SCAN over a shape varying per trial with a LAMBDA reading names")
    if _calls(fn.body, frozenset({"RANDARRAY", "LAMBDA", "LET", "RANDBETWEEN"}) |
              frozenset({"BYROW", "BYCOL", "MAP", "MAKEARRAY", "SCAN", "REDUCE"})):
        raise NotFusable("SCAN over a shape varying per trial whose body calls LAMBDAs, "
                         "LET or draws arrays")
    if expander.site < 0:
        raise NotFusable("a LAMBDA helper not compiled by numpy")
    draws: list[tuple[ir.Call, int]] = []

    def draw(copy: ir.Call, call: ir.Call) -> ir.Node:
        k = expander.rand_index.get(id(call))
        if k is None:
            raise NotFusable("RAND call site not found in the compiled cell")
        draws.append((copy, k))
        return copy

    body = _substitute(fn.body, {fn.params[0]: parameter(_ACC), fn.params[1]: parameter(_X)},
                       draw=draw)
    return ScanLoop("_SCANLOOP", _dummy(), init, node.args[1], body, tuple(draws),
                    expander.site)


def numpy_site(place: int, node: ir.Call) -> int:
    """The site number numpy's draws of helper ``node`` (at ``place`` in ``lambda_sites``)
    are tagged with: engine.functions.lambdas.compile_lambda_call reads ``len(sites) - 1``
    after compiling the helper's arguments, so each sited helper inside them (the MAKEARRAY
    of CIR's array) adds one to it."""
    from ...functions.lambdas import SITED

    inner = sum(1 for a in node.args for n in ir.walk(a)
                if isinstance(n, ir.Call) and n.name in SITED)
    return place + inner


def scan_at(loop: ScanLoop, r: int, c: int) -> ScanAt:
    """The IR of the cell at offset (r, c) of ``loop``'s range."""
    return ScanAt("_SCANAT", _dummy(), loop, r, c)


@dataclass
class _Part:
    """One part of the array in the loop: its rows, columns (float variables), the error of
    its size ("0": none) and its element's IR at the loop's (row, column) virtual cells."""

    rows: str
    cols: str
    err: str
    max_rows: int
    max_cols: int


class ScanLoopMixin:
    """SCAN of a shape varying per trial (mixed into the Generator; see the module
    docstring)."""

    if TYPE_CHECKING:
        ntmp: int
        lines: list[str]
        cell: CellRef | None
        model: Any
        input_vals: dict
        override: dict
        array_ir: list
        rand_rows: dict

        def expr(self, node: ir.Node) -> Val: ...
        def value(self, expr: str) -> str: ...
        def err(self, expr: str) -> str: ...
        def chain(self, errs: list[str], checks: object = ()) -> str: ...
        def scratch(self, size: int) -> str: ...
        def uniform(self, sid: int) -> str: ...

    def fn__scanat(self, node: ir.Call) -> Val:
        assert isinstance(node, ScanAt)
        ov, oe, cols = array_fill(self, ("SCANLOOP", node.loop),
                                  lambda: self._scan_fill(node.loop), lambda got: got[:2])
        k = node.r * cols + node.c
        return num(f"{ov}[{k}]", self.err(f"int({oe}[{k}])"), iv.UNKNOWN)

    # ------------------------------------------------------------ the fill
    def _scan_name(self, prefix: str) -> str:
        self.ntmp += 1
        return f"{prefix}{self.ntmp}"

    def _scan_virtual(self, v: Val) -> ir.Ref:
        """A virtual cell whose value is ``v``."""
        c = CellRef(SCAN_SHEET, len(self.input_vals) + 1, self.ntmp + 1)
        self.ntmp += 1
        self.input_vals[c] = v
        self.__dict__.setdefault("_scan_virtuals", []).append(c)
        return ir.Ref(c)

    def _scan_fill(self, loop: ScanLoop) -> tuple[str, str, int]:
        from ...functions.lambdas import stream_tag
        from ._arrays import members as array_members

        assert self.cell is not None
        members = list(array_members(self.model.workbook, self.cell))
        R = max(r for _, r, _ in members) + 1
        C = max(c for _, _, c in members) + 1
        try:
            i, j = self._scan_name("f_si"), self._scan_name("f_sj")
            iref = self._scan_virtual(num(f"float({i})", "0", iv.UNKNOWN))
            rows, cols, element, max_rows, max_cols = self._scan_guarded(loop.array, iref, j)
            if max_rows * max_cols > MAX_STEPS:
                raise NotFusable(f"SCAN of up to {max_rows * max_cols} steps per trial")
            # the body's draws: stream of step (i, j), rows of ur in order
            draw_rows = []
            for copy, k in loop.draws:
                first = self._scan_rows([self._stream(f"#RAND{k}{stream_tag(loop.site, a, b)}")
                                         for a in range(max_rows) for b in range(max_cols)])
                draw_rows.append((copy, first))
            acc_v, acc_e = self._scan_name("f_sa"), self._scan_name("f_se")
            init = self.expr(loop.init)
            self.lines += [f"{acc_v} = {init.v} * 1.0", f"{acc_e} = 0"]
            zv, ze = self.scratch(R * C), self.scratch(R * C)
            acc = self._scan_virtual(num(acc_v, acc_e, iv.UNKNOWN))
            copies: dict[int, ir.Call] = {}   # id(a draw of loop.body) -> its copy in body

            def draw(copy: ir.Call, call: ir.Call) -> ir.Node:
                copies[id(call)] = copy
                return copy
            from ._lambdas import _substitute

            body = _substitute(loop.body, {_ACC: acc, _X: element}, draw=draw)
            draw_rows = [(copies[id(c)], first) for c, first in draw_rows]
            nr, nc = self.value(f"min(int({rows}), {max_rows})"), \
                self.value(f"min(int({cols}), {max_cols})")
            mark = len(self.lines)
            for copy, first in draw_rows:
                self.override[id(copy)] = num(f"ur[{first} + {i} * {max_cols} + {j}, b]", "0",
                                              (0.0, 1.0))
            self.array_ir.append(body)
            v = self.expr(body)
            if v.kind != KNUM:
                raise NotFusable("a SCAN step that is not a number")
            inner = self.lines[mark:]
            del self.lines[mark:]
            self.lines.append(f"for {i} in range({nr}):")
            self.lines.append(f"    for {j} in range({nc}):")
            self.lines += ["        " + line for line in inner]
            self.lines += [f"        {acc_v} = {v.v}", f"        {acc_e} = {v.e}",
                           f"        if {i} < {R} and {j} < {C}:",
                           f"            {zv}[{i} * {C} + {j}] = {acc_v}",
                           f"            {ze}[{i} * {C} + {j}] = {acc_e} * 1.0"]
            # the range's cells (engine._ragged._element)
            ov, oe, q = self.scratch(R * C), self.scratch(R * C), self._scan_name("f_sq")
            rr, cc = self._scan_name("f_sr"), self._scan_name("f_sc")
            self.lines += [
                f"for {q} in range({R * C}):",
                f"    {rr} = ({q} // {C}) * int({nr} != 1)",
                f"    {cc} = ({q} % {C}) * int({nc} != 1)",
                f"    if {rr} < {nr} and {cc} < {nc}:",
                f"        {ov}[{q}] = {zv}[{rr} * {C} + {cc}]",
                f"        {oe}[{q}] = {ze}[{rr} * {C} + {cc}]",
                "    else:",
                f"        {ov}[{q}] = 0.0",
                f"        {oe}[{q}] = {float(NA)}"]
        finally:
            for c in self.__dict__.pop("_scan_virtuals", []):
                self.input_vals.pop(c, None)
        return ov, oe, C

    def _stream(self, tag: str) -> int:
        from ...compiler import stream_id

        return stream_id(self.cell, tag)

    def _scan_rows(self, sids: list[int]) -> int:
        """The first of consecutive rows of ``ur`` drawing ``sids`` in order."""
        first = len(self.rand_rows)
        for k, sid in enumerate(sids):
            if sid in self.rand_rows:
                raise NotFusable("a stream of a SCAN loop drawn elsewhere")
            self.uniform(sid)
            assert self.rand_rows[sid] == first + k
        return first

    def _scan_size(self, node: ir.Node, randarray: bool) -> tuple[str, str, int]:
        """A size of a part: (its value, its error, its bound): MAKEARRAY's (an error, text or
        below 1: #VALUE!) or RANDARRAY's (TRUNC of a number, below 1: #VALUE!)."""
        if isinstance(node, ir.Missing):
            if randarray:
                return "1.0", "0", 1
            return "1.0", str(VALUE), 1
        x = self.expr(node)
        if x.kind not in (KNUM, KBOOL) or not x.bounded:
            raise NotFusable("SCAN over a size that may be text or is not bounded")
        t = self.value(f"np.trunc({x.v} * 1.0)")
        e = self.err(self.chain([x.e], [(f"({t} < 1.0)", VALUE)]))
        hi = int(min(max(x.hi, 1.0), float(MAX_STEPS)))
        return t, e, hi

    def _scan_guarded(self, node: ir.Node, iref: ir.Ref, j: str
                      ) -> tuple[str, str, ir.Node, int, int]:
        """:meth:`_scan_part` with a size that fails read as numpy reads it: that one error,
        an array of 1 x 1: (rows, columns, element, max rows, max columns)."""
        pr, pc, pe, mr, mc, el = self._scan_part(node, iref, j)
        if pe == "0":
            return pr, pc, el, mr, mc
        pr = self.value(f"sel({pe} != 0, 1.0, {pr})")
        pc = self.value(f"sel({pe} != 0, 1.0, {pc})")
        bad = self._scan_virtual(num("0.0", pe, iv.UNKNOWN))
        ok = self._scan_virtual(num(f"b2f({pe} == 0)", "0", (0.0, 1.0)))
        return pr, pc, ir.Call("IF", (ok, el, bad)), mr, mc

    def _scan_part(self, node: ir.Node, iref: ir.Ref, j: str
                   ) -> tuple[str, str, str, int, int, ir.Node]:
        """(rows, columns, error, max rows, max columns, element IR at row ``iref`` and
        column ``j`` (a loop variable)) of a part of SCAN's array (see the module
        docstring)."""
        if isinstance(node, ir.Call) and node.name == "HSTACK" and node.args and \
                not any(isinstance(a, ir.Missing) for a in node.args):
            offset = "0.0"
            rows: list[str] = []
            parts: list[tuple[ir.Node, ir.Node]] = []
            max_rows = max_cols = 0
            for a in node.args:
                jj = j if offset == "0.0" else f"({j} - {offset})"
                pr, pc, el, mr, mc = self._scan_guarded(a, iref, jj)
                below = self._scan_virtual(num(f"b2f({iref_v(self, iref)} < {pr})", "0",
                                               (0.0, 1.0)))
                right = self._scan_virtual(num(f"b2f({j} < {offset} + {pc})", "0", (0.0, 1.0)))
                parts.append((right, ir.Call("IF", (below, el, ir.Err(NA)))))
                rows.append(pr)
                offset = self.value(f"{offset} + {pc}")
                max_rows, max_cols = max(max_rows, mr), max_cols + mc
            out: ir.Node = ir.Err(NA)
            for right, el in reversed(parts):   # the first part whose columns hold j
                out = ir.Call("IF", (right, el, out))
            nr = rows[0]
            for pr in rows[1:]:
                nr = self.value(f"max({nr}, {pr})")
            return nr, offset, "0", max_rows, max_cols, out
        if isinstance(node, ir.Call) and node.name == "MAKEARRAY" and len(node.args) == 3:
            lam = node.args[2]
            if not (isinstance(lam, ir.Call) and lam.name == "LAMBDA" and len(lam.args) == 3):
                raise NotFusable("MAKEARRAY of a varying size without its LAMBDA written in")
            from ._lambdas import _free_names, _name

            params = [_name(a) for a in lam.args[:2]]
            if None in params or _free_names(lam.args[2], frozenset(params)) or \
                    any(isinstance(n, ir.Call) and n.name in ("RAND", "RANDBETWEEN",
                                                              "RANDARRAY", "LAMBDA")
                        for n in ir.walk(lam.args[2])):
                raise NotFusable("MAKEARRAY of a varying size whose LAMBDA reads names or "
                                 "draws")
            r, re_, mr = self._scan_size(node.args[0], False)
            c, ce, mc = self._scan_size(node.args[1], False)
            jref = self._scan_virtual(num(f"float({j})", "0", iv.UNKNOWN))
            el = _bind(lam.args[2], {params[0]: ir.Binary("+", iref, ir.Num(1.0)),
                                     params[1]: ir.Binary("+", jref, ir.Num(1.0))})
            return r, c, self.err(self.chain([re_, ce])), mr, mc, el
        if isinstance(node, ir.Call) and node.name == "RANDARRAY" and len(node.args) <= 2:
            assert self.cell is not None
            r, re_, mr = self._scan_size(node.args[0] if node.args else ir.Missing(), True)
            c, ce, mc = self._scan_size(node.args[1] if len(node.args) > 1 else ir.Missing(),
                                        True)
            if mr * mc > MAX_STEPS:
                raise NotFusable(f"RANDARRAY of up to {mr * mc} elements per trial")
            first = self._scan_rows([element_stream(self.cell, 0, a, b)
                                     for a in range(mr) for b in range(mc)])
            i = iref_v(self, iref)
            u = (f"ur[{first} + min(max(int({i}), 0), {mr - 1}) * {mc} + "
                 f"min(max(int({j}), 0), {mc - 1}), b]")
            e = self.err(self.chain([re_, ce], [(f"({r} * {c} > {float(MAX_ELEMENTS)})", NUM)]))
            return r, c, e, mr, mc, self._scan_virtual(num(u, "0", (0.0, 1.0)))
        if isinstance(node, ir.Call) and node.name in _UNARY and len(node.args) == 1:
            r, c, e, mr, mc, el = self._scan_part(node.args[0], iref, j)
            return r, c, e, mr, mc, ir.Call(node.name, (el,))
        raise NotFusable("SCAN over a varying shape of parts other than MAKEARRAY, "
                         "RANDARRAY, HSTACK and element-wise functions")


def iref_v(gen: Any, iref: ir.Ref) -> str:
    """The expression of the loop's row (a virtual cell's value)."""
    return gen.input_vals[iref.cell].v


def _bind(body: ir.Node, bound: dict[str, ir.Node]) -> ir.Node:
    from ._lambdas import bind_parameters

    return bind_parameters(body, bound)


__all__ = ["SCAN_SHEET", "ScanAt", "ScanLoop", "ScanLoopMixin", "scan_at", "scan_loop",
           "varying_parts"]
