"""Holidays that vary per trial for WORKDAY and NETWORKDAYS (.INTL) in the kernel generator.

:func:`engine.functions.dates._holiday_serials` reads each holiday cell (blank: no holiday;
coerced as the Analysis ToolPak does: date text read as a date, a logical #VALUE!) and
computes each trial with that trial's holidays.  Here each cell's day is computed per trial
in generated code and stored in the scratch array the runtime's ``workday``/``networkdays``
search (linearly: neither needs them sorted), a day that is not a working weekday or that
repeats an earlier one replaced by a day no date reaches, so that the array holds what
the constant path's sorted, distinct working-day list holds.  Plain generated arithmetic: the
CUDA translation needs nothing new.  Called by the date mixin's ``_holidays`` when the
argument is not a constant (before: "holidays that varies per trial", and every cell
downstream left to numpy; a workbook's holiday list becomes varying as soon as its dates
are uncertain inputs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import ir
from ._values import KANY, KBLANK, NotFusable, lit

if TYPE_CHECKING:
    from ...workbook import CellRef

_NOWHERE = -1e9            # a day no date reaches (days are clamped to +-1e7)
_DAYS_CLAMP = 1e7          # _rt_functions._day's clamp


def varying_holidays(gen: Any, node: ir.Node, bits: int) -> tuple[str, int, str | int]:
    """(scratch array of the trial's holiday days, its length, the first error among the
    holiday cells: a per-trial error-code expression, or 0 for none)."""
    if isinstance(node, ir.Ref):
        cells: list[CellRef] = [node.cell]
    elif isinstance(node, ir.Area):
        cells = gen.area_cells(node)
    else:
        raise NotFusable("holidays that vary per trial, not as a range")
    vals = []
    for c in cells:
        v = gen.operand(c)
        if v.kind == KBLANK and v.e == "0":
            continue   # no holiday in any trial
        if v.kind == KANY:
            raise NotFusable("holidays in cells whose type varies per trial")
        vals.append(gen.date_value(v, True, True))
    h = gen.scratch(max(len(vals), 1))
    if not vals:
        return h, 0, 0
    on = gen.table([1.0 if (bits >> i) & 1 else 0.0 for i in range(7)])
    days: list[str] = []
    for j, v in enumerate(vals):
        s = gen.value(f"np.floor(min(max({v.v}, {lit(-_DAYS_CLAMP)}), {lit(_DAYS_CLAMP)})) + "
                      f"{lit(float(gen.date_shift))}")
        d = gen.value(f"sel({s} >= 61.0, {s}, {s} + 1.0)")
        keep = gen.value(f"kv[{on} + int(({d} + 5.0) % 7.0)]")
        for earlier in days:
            keep = gen.value(f"sel({earlier} == {d}, 0.0, {keep})")
        days.append(d)
        gen.lines.append(f"{h}[{j}] = sel({keep} != 0.0, {d}, {lit(_NOWHERE)})")
    e = gen.chain([v.e for v in vals])
    return h, len(vals), (0 if e == "0" else gen.err(e))


__all__ = ["varying_holidays"]
