"""Text made per trial read as a number, in the generator: VALUE, DATEVALUE, TIMEVALUE and
NUMBERVALUE of dynamic text (:mod:`._dtext`'s readers call these), and arithmetic on it
(``=CONCAT(A1)+0``, ``--(A1&"")``, ``B1*2`` where B1 holds text made per trial: the
generator's ``number``/``as_number``).

The text is written into the dynamic text buffer and read by :mod:`._rt_dvalue` exactly as
the numpy reference reads text: ``to_number`` for arithmetic, DATEVALUE and TIMEVALUE
(``_scalars.coerce(dates=True)`` reads text the same way), ``to_number_ext`` for VALUE,
``number_value`` for NUMBERVALUE.  Text that is a number's General format (``A1&""``) is
read back without the buffer (``dnumval``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import ir
from ...values import VALUE, format_number
from . import _intervals as iv
from ._dtext import Dyn, DynamicText
from ._values import KBLANK, KBOOL, KDYN, KNUM, KSTR, NotFusable, Val

if TYPE_CHECKING:
    from ._codegen import Generator

TO_NUMBER, TO_NUMBER_EXT, PARSE_NUMBER = 0.0, 1.0, 2.0   # dnum's modes


def read_dyn(gen: Generator, d: Dyn, mode: float) -> Val:
    """The number the text ``d`` reads as (mode: how the reference reads it), #VALUE! where
    it is not one."""
    r = d.r
    while r[0] in ("case", "trim"):   # a number's text: digits, '.', '-', '+', 'E'
        r = r[1]
    if r[0] == "n":
        return Val(gen.value(f"dnumval({r[1]})"), d.e, KNUM)
    z, start, end = gen.write(d)
    shift = float(getattr(gen, "date_shift", 0))
    x = gen.value(f"dnum({z}, {start}, {end}, {shift}, {mode})")
    return Val(x, gen.err(gen.chain([d.e], [(f"np.isnan({x})", VALUE)])), KNUM)


def _arg(gen: Generator, node: ir.Node) -> Val | None:
    """``node`` the ordinary way, or None where it is text made per trial."""
    mark = len(gen.lines)
    try:
        return gen.expr(node)
    except DynamicText:
        del gen.lines[mark:]
        return None


def dyn_number(gen: Generator, node: ir.Node) -> Val:
    """``node``, text made per trial, read as a number for arithmetic (to_number); a
    choice of which some values only are such text (a cell of mixed kind,
    ``IF(x>2,x,LEFT(y,2))``) as the choice of each value read as a number."""
    mark = len(gen.lines)
    try:
        d = gen.recipe(node, coerce=False)
    except DynamicText as exc:
        raise NotFusable(str(exc)) from None
    except NotFusable:
        del gen.lines[mark:]
        got = gen.by_branches(node, gen.number)
        if got is None:
            raise
        return gen.as_number(got)
    return read_dyn(gen, d, TO_NUMBER)


def dyn_value_number(gen: Generator, v: Val) -> Val:
    """A value of text made per trial (a cell's) read as a number for arithmetic."""
    return read_dyn(gen, gen.as_dyn(v, False), TO_NUMBER)


def dyn_date_arg(gen: Generator, node: ir.Node, atp: bool, dates: bool) -> Val:
    """``node``, text made per trial, as ``_scalars.coerce(atp=atp, dates=dates)`` reads an
    argument (also a value typed into SUM/AVERAGE/...: to_number)."""
    try:
        d = gen.recipe(node, coerce=False)
    except DynamicText as exc:
        raise NotFusable(str(exc)) from None
    return read_dyn(gen, d, PARSE_NUMBER if atp and not dates else TO_NUMBER)


# text a referenced cell holds where it is text made per trial, for the functions that only
# look at its kind (SUM/AVERAGE/MAX... skip it, COUNTA counts it, AVERAGEA counts 0)
_REFERENCED_TEXT = "\x00(text made per trial, in a referenced cell)"


def referenced_text(gen: Generator, v: Val) -> Val:
    """A referenced cell of text made per trial as text of one (placeholder) id, its error
    kept: for aggregates, which skip or count text whatever it holds."""
    k = float(gen.string_id(_REFERENCED_TEXT))
    return Val(repr(k), v.e, KSTR, k, k, (int(k),))


def dyn_condition(gen: Generator, node: ir.Node | None, v: Val | None = None) -> Val:
    """Text made per trial (``node``, or the value ``v`` of a cell of it) as a logical test:
    "TRUE"/"FALSE" in any case, else #VALUE! (engine.values.to_bool)."""
    try:
        d = gen.as_dyn(v, False) if v is not None else gen.recipe(node, coerce=False)
    except DynamicText as exc:
        raise NotFusable(str(exc)) from None
    z, start, end = gen.write(d)
    x = gen.value(f"dbool({z}, {start}, {end})")
    return Val(x, gen.err(gen.chain([d.e], [(f"np.isnan({x})", VALUE)])), KBOOL, 0.0, 1.0)


def _one_arg(node: ir.Call) -> ir.Node:
    if len(node.args) != 1 or isinstance(node.args[0], ir.Area | ir.Missing):
        raise NotFusable(f"{node.name} with a wrong argument")
    return node.args[0]


def read_value(gen: Generator, node: ir.Call) -> Val:
    """VALUE of text made per trial (engine.functions.text.value)."""
    arg = _one_arg(node)
    v = _arg(gen, arg)
    if v is not None and v.kind == KNUM:   # a number (not its text): VALUE leaves it as it is
        return v
    return read_dyn(gen, gen.recipe(arg, True), TO_NUMBER_EXT)


def read_date_part(gen: Generator, node: ir.Call) -> Val:
    """DATEVALUE or TIMEVALUE of text made per trial (engine.functions.dates._text_date):
    the text read as ``_scalars.coerce(dates=True)`` does, its whole days or the rest; a
    number, a logical or a blank is #VALUE!."""
    arg = _one_arg(node)
    v = _arg(gen, arg)
    if v is not None and v.kind in (KNUM, KBOOL, KBLANK):
        return Val("0.0", gen.err(gen.chain([v.e, str(VALUE)])), KNUM, 0.0, 0.0)
    if v is not None and v.kind not in (KSTR, KDYN):
        raise NotFusable(f"{node.name} of a value whose type varies per trial")
    x = read_dyn(gen, gen.recipe(arg, False) if v is None else gen.as_dyn(v, False),
                 TO_NUMBER)
    if node.name == "DATEVALUE":
        return Val(gen.value(f"np.floor({x.v})"), x.e, KNUM)
    return Val(gen.value(f"{x.v} - np.floor({x.v})"), x.e, KNUM, 0.0, 1.0)


def _separator(gen: Generator, node: ir.Node | None, default: str) -> str | None:
    """The first character of a constant separator argument (None: not given)."""
    if node is None:
        return None
    if not gen.is_constant(node) or isinstance(node, ir.Area | ir.Missing):
        raise NotFusable("NUMBERVALUE with separators that vary, of text made per trial")
    v = gen.expr(node)
    if v.e != "0" or v.lo != v.hi:
        raise NotFusable("NUMBERVALUE with a separator that is an error")
    if v.kind == KSTR:
        assert v.dom is not None
        s = gen.strings[v.dom[0]]
    elif v.kind == KBOOL:
        s = "TRUE" if v.lo else "FALSE"
    elif v.kind == KBLANK:
        s = ""
    else:
        s = format_number(float(v.lo))
    return s[:1]


def read_numbervalue(gen: Generator, node: ir.Call) -> Val:
    """NUMBERVALUE of text made per trial, or of a number that varies (its General text),
    with constant separators (engine.functions.text_format.numbervalue)."""
    args = list(node.args)
    if not 1 <= len(args) <= 3 or any(isinstance(a, ir.Area) for a in args) \
            or isinstance(args[0], ir.Missing):
        raise NotFusable("NUMBERVALUE with a wrong argument")
    dec = _separator(gen, args[1] if len(args) > 1 else None, ".")
    group = _separator(gen, args[2] if len(args) > 2 else None, ",")
    dd = "." if dec is None else dec
    gg = "," if group is None else group
    if group is None and dd == ",":
        gg = "."   # only the decimal separator given, and it is the comma
    d = gen.recipe(args[0], True)
    if not dd or not gg:
        return Val("0.0", gen.err(gen.chain([d.e, str(VALUE)])), KNUM, 0.0, 0.0)
    z, start, end = gen.write(d)
    x = gen.value(f"dnumbervalue({z}, {start}, {end}, {float(ord(dd))}, {float(ord(gg))})")
    e = gen.err(gen.chain([d.e], [(f"np.isnan({x})", VALUE), gen.finite(x, iv.UNKNOWN)]))
    return Val(x, e, KNUM)


# ---------------------------------------------------------------- criteria made per trial
_OPS = {"": 0, "=": 0, "<>": 1, "<": 2, "<=": 3, ">": 4, ">=": 5}   # functions._criteria codes
_CMP = {0: "==", 2: "<", 3: "<=", 4: ">", 5: ">="}


class DynCriterion:
    """A criterion made per trial that is an operator and a number (``">"&A1``): a number
    criterion of that operator and the number its General text reads as, or, where the
    text is an error, an error criterion of that code (engine.functions._criteria)."""

    def __init__(self, op: int, value: Val, err: str) -> None:
        self.op, self.value, self.err = op, value, err

    def dyn_mask(self, gen: Generator, cell: Val) -> str:
        """Where ``cell`` (not of varying kind) meets it, per trial (_criteria.match)."""
        op, x = self.op, self.value.v
        if cell.kind == KDYN:
            raise NotFusable("a criterion made per trial, against text made per trial")
        if op == 0:   # numbers equal to it, or text that reads as it
            hit = gen._number_match(self.value, cell)  # type: ignore[attr-defined]
        elif cell.kind != KNUM:   # no number: only <> holds
            hit = "1.0" if op == 1 else "0.0"
        elif op == 1:
            ok = "" if cell.e == "0" else f"({cell.e} == 0) & "
            hit = gen.value(f"1.0 - b2f({ok}({cell.v} == {x}))")
        else:
            ok = "" if cell.e == "0" else f"({cell.e} == 0) & "
            hit = gen.value(f"b2f({ok}({cell.v} {_CMP[op]} {x}))")
        if self.err == "0":
            return hit
        return gen.value(f"sel({self.err} != 0, b2f({cell.e} == {self.err}), {hit})")


def dyn_criterion(gen: Generator, node: ir.Node, what: str) -> DynCriterion:
    """The criterion ``node`` of COUNTIF/SUMIF/...IFS, text made per trial."""
    why = f"{what} with a criterion made per trial other than an operator and a number"
    if isinstance(node, ir.Binary) and node.op == "&" and gen.is_constant(node.left):
        op, v = gen.expr(node.left), _arg(gen, node.right)   # ">"&IF(x, 1/0, y)
        if op.kind == KSTR and op.e == "0" and op.dom is not None and len(op.dom) == 1 \
                and gen.strings[op.dom[0]] in _OPS and v is not None and v.kind == KNUM:
            value = Val(gen.value(f"dnumval({v.v})"), "0", KNUM)
            return DynCriterion(_OPS[gen.strings[op.dom[0]]], value, v.e)
    try:
        d = gen.recipe(node, coerce=False)
    except DynamicText:
        raise NotFusable(why) from None
    parts = list(d.r[1]) if d.r[0] == "cat" else [d.r]
    if len(parts) == 1:
        parts = [("c", ""), *parts]
    if len(parts) != 2 or parts[0][0] != "c" or parts[0][1] not in _OPS or parts[1][0] != "n":
        raise NotFusable(why)
    value = Val(gen.value(f"dnumval({parts[1][1]})"), "0", KNUM)
    return DynCriterion(_OPS[parts[0][1]], value, d.e)


__all__ = ["DynCriterion", "dyn_condition", "dyn_criterion", "dyn_date_arg", "dyn_number", "referenced_text", "dyn_value_number", "read_date_part", "read_dyn", "read_numbervalue",
           "read_value"]
