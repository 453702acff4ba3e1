"""An array formula whose result's size varies per trial, bounded by the formula's range:
SEQUENCE and MAKEARRAY with a size drawn or computed per trial (calebjgartner's Real Estate
PE model ``{=SEQUENCE(12*Term.Cap.Year,1,1)}`` spilled into B22:B153 and read as ``B22#``;
chriskccheng's Analytics ``{=MAKEARRAY(1,B3*B5+1,LAMBDA(_,c,..))}`` in A30:DQ30).

The numpy reference evaluates such a cell once per group of trials of one size
(:mod:`engine._ragged`) and gives the cell at offset (r, c) of the formula's range element
(r, c) of its group's array (``_ragged._element``: a one-row array repeated down, a one-column
array repeated across, #N/A past the array; an error result everywhere).  The range is the
bound: the kernel computes each cell of it with the trial's size, as this IR

    IF(rows*0 + cols*0 = 0, IF(size ok, IF(inside, element(rr, cc), #N/A), #VALUE!), #VALUE!)

where ``rr = r * (rows <> 1)`` and ``cc = c * (cols <> 1)`` (the repeat of a one-row or
one-column array) and the first IF gives the sizes' errors, rows' first, as numpy's checks
do.  SEQUENCE's sizes are TRUNC of numbers (text coerced, numpy's ``_int``), an error before
a size below 1 (#VALUE!, Excel's #CALC!); its element is ``start + step * (rr * cols + cc)``
(:func:`._matrices._sequence_at`'s).  MAKEARRAY checks rows then columns: an error, text
(#VALUE!), below 1 (#VALUE!) (numpy's ``_makearray``); :mod:`._lambdas` hands it here as
:data:`VARSIZE` ``(rows, cols, body)``, the LAMBDA's body with its row and column parameters
left as the names :data:`ROW` and :data:`COL` (1-based numbers put in here).

Only the formula's own value (the root of its IR) is bounded so; such an array read by
another function in the formula, or in a plain cell, stays refused.  numpy refuses an array
above ``Limits.max_array_cells`` (a LimitError ends the run); the kernel only computes the
range's cells and does not.
"""

from __future__ import annotations

from typing import Any

from ... import ir
from ...values import NA, VALUE
from ._scan_loops import ScanLoop, scan_at
from ._values import NotFusable

# VARSIZE(rows, cols, body): MAKEARRAY whose size varies per trial (named for the reason a
# plain cell holding one is refused with: 'function ... is not in the fused subset')
VARSIZE = "_MAKEARRAY_OF_VARYING_SIZE"
ROW, COL = "#ROW", "#COL"   # the body's row and column parameters (no workbook name has '#')
_PARAMETER = "_XLPM"   # engine.functions.lambdas.PARAMETER


def parameter(name: str) -> ir.Call:
    """The IR of a LAMBDA parameter named ``name`` (``_XLPM("name")``)."""
    return ir.Call(_PARAMETER, (ir.Str(name),))


def _sizes(node: ir.Call) -> tuple[ir.Node, ir.Node]:
    args = [*node.args, ir.Missing(), ir.Missing()]
    rows, cols = args[0], args[1]
    if node.name == "SEQUENCE":   # SEQUENCE(, 4): one row (numpy's _int(rows, 1))
        rows = ir.Num(1.0) if isinstance(rows, ir.Missing) else rows
        cols = ir.Num(1.0) if isinstance(cols, ir.Missing) else cols
    return rows, cols


def bounded(elements: Any, node: ir.Node) -> bool:
    """Whether ``node`` is an array of a size that varies per trial that this module bounds
    by the formula's range: SEQUENCE or :data:`VARSIZE` at the root of ``elements``' formula
    (an :class:`._arrays.ArrayElements`).  :data:`VARSIZE` anywhere else is refused."""
    if isinstance(node, ScanLoop):   # SCAN of a shape varying per trial (_scan_loops)
        if node is not elements.root:
            raise NotFusable("SCAN of a shape varying per trial, read as an array")
        return True
    if not isinstance(node, ir.Call) or node.name not in (VARSIZE, "SEQUENCE"):
        return False
    if node.name == VARSIZE:
        if node is not elements.root:
            raise NotFusable("MAKEARRAY of a size that varies per trial, read as an array "
                             "(only an array formula's own value is bounded by its range)")
        return True
    const = elements.const
    if node is not elements.root or const is None or not 1 <= len(node.args) <= 4:
        return False
    if not any(not isinstance(a, ir.Missing) and const(a) is None for a in node.args[:2]):
        return False   # sizes the same in every trial: _matrices' fixed shape
    return True


def bounded_element(elements: Any, node: ir.Call, r: int, c: int) -> ir.Node:
    """The IR of the cell at offset (r, c) of the formula's range, ``node`` being
    :func:`bounded` (see the module docstring)."""
    if isinstance(node, ScanLoop):
        return scan_at(node, r, c)
    rows, cols = _sizes(node)
    for a in (rows, cols):
        if not isinstance(a, ir.Missing) and elements.shape(a) is not None:
            raise NotFusable(f"{_what(node)} of an array size that varies per trial")
    if node.name == "SEQUENCE":
        nr, nc = _trunc(rows), _trunc(cols)
        ok: ir.Node | None = _and(_cmp(">=", nr, 1.0), _cmp(">=", nc, 1.0))
    else:
        nr, nc = _checked(rows), _checked(cols)
        ok = None   # _checked's own #VALUE!
    rr = _repeat(r, nr)
    cc = _repeat(c, nc)
    if node.name == "SEQUENCE":
        args = [*node.args, ir.Missing(), ir.Missing(), ir.Missing()]
        start, step = args[2], args[3]
        x0 = ir.Num(1.0) if isinstance(start, ir.Missing) else elements._single(start)
        dx = ir.Num(1.0) if isinstance(step, ir.Missing) else elements._single(step)
        k = ir.Binary("+", ir.Binary("*", rr, nc), cc)
        value: ir.Node = ir.Binary("+", x0, ir.Binary("*", dx, k))
    else:
        from ._lambdas import bind_parameters

        value = bind_parameters(node.args[2], {ROW: _plus_one(rr), COL: _plus_one(cc)})
    inside = [_cmp("<", rr, nr)] if r else []
    inside += [_cmp("<", cc, nc)] if c else []
    if inside:
        value = _if(_and(*inside), value, ir.Err(NA))
    if ok is not None:
        value = _if(ok, value, ir.Err(VALUE))
    errors = ir.Binary("+", ir.Binary("*", nr, ir.Num(0.0)), ir.Binary("*", nc, ir.Num(0.0)))
    return _if(_cmp("=", errors, 0.0), value, ir.Err(VALUE))


def _what(node: ir.Call) -> str:
    return "MAKEARRAY" if node.name == VARSIZE else node.name


def _trunc(x: ir.Node) -> ir.Node:
    return ir.Call("TRUNC", (x,))


def _checked(x: ir.Node) -> ir.Node:
    """MAKEARRAY's size: its error, #VALUE! for text or below 1, else TRUNC(x)."""
    if isinstance(x, ir.Missing):
        return ir.Err(VALUE)
    small = _if(_cmp("<", _trunc(x), 1.0), ir.Err(VALUE), _trunc(x))
    return _if(ir.Call("ISTEXT", (x,)), ir.Err(VALUE), small)


def _repeat(k: int, size: ir.Node) -> ir.Node:
    """Offset ``k`` in an array of ``size`` along that axis: 0 where the size is 1."""
    if k == 0:
        return ir.Num(0.0)
    return ir.Binary("*", ir.Num(float(k)), _cmp("<>", size, 1.0))


def _plus_one(x: ir.Node) -> ir.Node:
    return ir.Binary("+", x, ir.Num(1.0))


def _cmp(op: str, a: ir.Node, b: float | ir.Node) -> ir.Node:
    return ir.Binary(op, a, ir.Num(b) if isinstance(b, float) else b)


def _and(*conds: ir.Node) -> ir.Node:
    out = conds[0]
    for x in conds[1:]:
        out = ir.Binary("*", out, x)
    return out


def _if(cond: ir.Node, yes: ir.Node, no: ir.Node) -> ir.Node:
    return ir.Call("IF", (cond, yes, no))


__all__ = ["COL", "ROW", "VARSIZE", "bounded", "bounded_element", "parameter"]
