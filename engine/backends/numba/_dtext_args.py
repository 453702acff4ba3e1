"""Text functions of dynamic text (:mod:`._dtext`) whose other arguments vary per trial.

* TEXT(value, format) of a format that is one of a few known texts per trial
  (``TEXT(x, IF(x>1,"0.0","0%"))``): the reference formats each trial with its own format
  (engine.functions.text.text_), so the text is, per trial, the TEXT of the format chosen,
  each made as :meth:`._dtext.DynamicTextMixin._text_fixed` makes a constant format; the
  error is the value's, then the format's, then the chosen format's own.
* TEXTBEFORE/TEXTAFTER(text, delimiter, [instance_num], [match_mode], [match_end],
  [if_not_found]) of one delimiter (constant or made per trial, "" included), the numbers
  varying per trial, if_not_found text (engine.functions.text_modern._before_after):
  the split found per trial by :func:`._dtext_args_rt.dsplit`.
"""

from __future__ import annotations

from typing import Any

from ... import ir
from ...values import NA, VALUE
from ._dtext import MAX_DYN, Dyn, _ascii_recipe, _chars
from ._unicase import refuse_fold
from ._values import KBLANK, KBOOL, KNUM, KSTR, NotFusable, Val, lit

__all__ = ["MAX_FORMATS", "before_after", "text_of_formats"]

MAX_FORMATS = 8     # known formats of one TEXT (each is a plan of its own)


def text_of_formats(gen: Any, args: list[ir.Node]) -> Dyn:
    """TEXT(value, format) where the format varies per trial among known texts."""
    why = "TEXT of a format that varies per trial"
    if len(args) != 2 or isinstance(args[1], ir.Area):
        raise NotFusable(why)
    f = gen.expr(args[1])
    if f.kind != KSTR or f.dom is None or len(f.dom) > MAX_FORMATS:
        raise NotFusable(why + " (not among a few known texts)")
    v = gen.expr(args[0])
    made = gen.__dict__.setdefault("_dtext_args_made", [])   # node ids stay unique
    parts: list[tuple[int, Dyn]] = []
    for k in f.dom:
        fmt = ir.Str(gen.strings[k])
        made.append(fmt)
        parts.append((k, gen._text_fixed([args[0], fmt])))
    (_, last), rest = parts[-1], parts[:-1]
    r, e, bound = last.r, last.e, last.bound
    for k, d in reversed(rest):
        m = gen.value(f"b2f({f.v} == {float(k)})")
        r = ("if", m, d.r, r)
        e = e if d.e == e else gen.err(f"sel({m} != 0.0, {d.e}, {e})")
        bound = max(bound, d.bound)
    return Dyn(r, gen.err(gen.chain([v.e, f.e, e])), bound)


def _option(gen: Any, args: list[ir.Node], at: int, default: float) -> Val:
    """A whole-number option (text_modern.int_arg): omitted, the default; a number or an
    empty cell (0) as it is (truncated at run time); other kinds refused."""
    if len(args) <= at or isinstance(args[at], ir.Missing):
        return Val(lit(default), "0", KNUM, default, default)
    if isinstance(args[at], ir.Area):
        raise NotFusable("TEXTBEFORE/TEXTAFTER with a range as an option")
    v = gen.expr(args[at])
    if v.kind == KBLANK:
        return Val("0.0", v.e, KNUM, 0.0, 0.0)
    if v.kind != KNUM:
        raise NotFusable("TEXTBEFORE/TEXTAFTER with an option that is not a number")
    return Val(gen.value(f"np.trunc({v.v})"), v.e, KNUM)


def before_after(gen: Any, args: list[ir.Node], after: bool) -> Dyn:
    """TEXTBEFORE/TEXTAFTER of text made per trial with any of its arguments."""
    name = "TEXTAFTER" if after else "TEXTBEFORE"
    if not 2 <= len(args) <= 6 or any(isinstance(a, ir.Area) for a in args[:2]):
        raise NotFusable(f"{name} of text made per trial (a range or a wrong argument count)")
    d = gen.recipe(args[0], True)
    delim = gen.recipe(args[1], True)
    k = _option(gen, args, 2, 1.0)
    mode = _option(gen, args, 3, 0.0)
    end, ee = "0.0", "0"
    if len(args) > 4 and not isinstance(args[4], ir.Missing):
        c = gen.expr(args[4])
        if c.kind not in (KNUM, KBOOL, KBLANK) or isinstance(args[4], ir.Area):
            raise NotFusable(f"{name} with a match_end that is not a number or a logical")
        end, ee = ("0.0", c.e) if c.kind == KBLANK else (gen.value(f"b2f({c.v} != 0.0)"), c.e)
    if not (_ascii_recipe(d.r, gen.strings) and _ascii_recipe(delim.r, gen.strings)):
        for x in (d, delim):   # text past ASCII: found casefolded character by character
            refuse_fold(_chars(x.r, gen.strings))
    z, ta, tb = gen.write(d, True)
    _, da, db = gen.write(delim, True)
    pos = gen.value(f"dsplit({z}, {ta}, {tb}, {da}, {db}, {k.v}, {mode.v}, {end}, "
                    f"{1.0 if after else 0.0})")
    errs = [d.e, delim.e, k.e, mode.e, ee]
    e = gen.err(gen.chain(errs, [(f"({pos} == -2.0)", VALUE)]))
    if after:
        start = gen.value(f"max({pos} - {ta}, 0.0) + 1.0")
        r: tuple = ("mid", d.r, start, lit(float(MAX_DYN)))
    else:
        r = ("left", d.r, gen.value(f"max({pos} - {ta}, 0.0)"))
    if len(args) > 5 and not isinstance(args[5], ir.Missing):   # if_not_found: its text
        if any(x != "0" for x in errs):   # the reference looks for the match under errors
            raise NotFusable(f"{name} with if_not_found, of arguments that may be errors")
        nf = gen.recipe(args[5], False)
        miss = gen.value(f"b2f({pos} == -1.0)")
        return Dyn(("if", miss, nf.r, r), gen.err(f"sel({miss} != 0.0, {nf.e}, {e})"),
                   max(d.bound, nf.bound))
    return Dyn(r, gen.err(gen.chain([e], [(f"({pos} == -1.0)", NA)])), d.bound)
