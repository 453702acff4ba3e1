"""A COUNTIF/SUMIF/...IFS criterion that varies per trial as a value of several kinds, for
the kernel generator's criteria (:meth:`._text.TextMixin._criterion`).

A table column ``=IF(Setup!A4="","",Setup!A4)`` is a number in some trials and the text ""
in others (a mixed value, KANY); ``SUMIF($Y$7:$Y$2000, A7, $AD$7:$AD$2000)`` with it as the
criterion was left to numpy.  A lookup that may fail gives a number or an error, a
comparison a logical.  Per trial the library parses the criterion's value
(``engine.functions._criteria._groups`` -> ``parse``): an error meets the cells holding that
error, a number is ``=`` that number (numbers equal to it, text reading as it), a logical
``=`` that logical, text a text criterion, a blank ``=0``.  Here each kind the criterion can
take is matched as the generator matches a criterion of that kind alone, and the trial's
kind (its tag) picks the mask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._values import KANY, KBLANK, KBOOL, KDYN, KNUM, KSTR, NotFusable, Val

if TYPE_CHECKING:
    from ._codegen import Generator


class VaryingCriterion:
    """A criterion whose value (any kind, an error in some trials) varies per trial."""

    def __init__(self, value: Val) -> None:
        self.value = value
        self.kinds: tuple[str, ...] = value.kinds if value.kind == KANY else (value.kind,)

    def part(self, gen: Generator, kind: str) -> Val:
        """The criterion seen as ``kind`` (meaningful on the trials of that kind), without
        its error (the error is matched apart)."""
        v = gen.variant(self.value, kind) if self.value.kind == KANY else self.value
        return Val(v.v, "0", v.kind, v.lo, v.hi, v.dom)

    def dyn_mask(self, gen: Generator, cell: Val) -> str:
        """Where ``cell`` (one kind, as :meth:`._text.TextMixin.match_mask` hands it) meets
        the criterion, per trial ("1.0"/"0.0" or a kernel expression)."""
        masks = {k: Val(_kind_mask(gen, k, self.part(gen, k), cell), "0", KNUM)
                 for k in self.kinds}
        if len(masks) == 1:
            got = next(iter(masks.values())).v
        else:
            assert self.value.y is not None
            got = gen.merge_by_tag(self.value.y, masks).v
        e = self.value.e
        if e == "0":
            return got
        hit = "0.0" if cell.e == "0" else gen.value(f"b2f({cell.e} == {e})")
        return gen.value(f"sel({e} != 0, {hit}, {got})")

    def blank_hit(self, gen: Generator) -> bool | None:
        """Whether the criterion meets an empty cell in every trial (True), in none (False),
        or in some only (None)."""
        from ...functions._criteria import match, parse, view
        from ...values import blank

        got: set[bool] = set()
        for k in self.kinds:
            if k == KSTR:
                dom = self.part(gen, k).dom
                if dom is None:
                    return None
                got |= {bool(match(parse(gen.strings[s]), view(blank()))[0]) for s in dom}
            else:   # "=" a number, a logical, 0 (a blank): never an empty cell
                got.add(False)
        if self.value.e != "0":
            got.add(False)
        return got.pop() if len(got) == 1 else None


def _kind_mask(gen: Generator, kind: str, crit: Val, cell: Val) -> str:
    """Where ``cell`` meets the criterion ``crit`` of one kind, without an error."""
    from ...functions._criteria import parse
    from ._text import _VaryingNumber

    if kind == KNUM:
        return gen.match_mask(_VaryingNumber(crit), cell)
    if kind == KSTR:
        return gen.match_mask(crit, cell)
    if kind == KBLANK:
        return gen.match_mask(parse(None), cell)
    assert kind == KBOOL
    if cell.kind != KBOOL:   # "=" a logical: logical cells only
        return "0.0"
    ok = "" if cell.e == "0" else f"({cell.e} == 0) & "
    return gen.value(f"b2f({ok}(({cell.v} != 0.0) == ({crit.v} != 0.0)))")


def varying_criterion(value: Val, what: str) -> Any:
    """The criterion of a value that varies per trial of a kind the generator's other
    criteria do not take (mixed, a logical, a number or text that may be an error)."""
    if value.kind == KDYN or (value.kind == KANY and (value.y is None or KDYN in value.kinds)):
        raise NotFusable(f"{what} with a criterion that varies (not as text)")
    if value.kind == KSTR and value.dom is None:
        raise NotFusable(f"{what} with a criterion of text that varies among unknown texts")
    return VaryingCriterion(value)


__all__ = ["VaryingCriterion", "varying_criterion"]
