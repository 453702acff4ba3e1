"""Text functions of dynamic text (:mod:`._dtext`) whose other arguments vary per trial.

* TEXT(value, format) of a format that is one of a few known texts per trial
  (``TEXT(x, IF(x>1,"0.0","0%"))``): the reference formats each trial with its own format
  (engine.functions.text.text_), so the text is, per trial, the TEXT of the format chosen,
  each made as :meth:`._dtext.DynamicTextMixin._text_fixed` makes a constant format; the
  error is the value's, then the format's, then the chosen format's own.
"""

from __future__ import annotations

from typing import Any

from ... import ir
from ._dtext import Dyn
from ._values import KSTR, NotFusable

__all__ = ["MAX_FORMATS", "text_of_formats"]

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
