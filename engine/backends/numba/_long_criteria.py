"""COUNTIF/SUMIF/AVERAGEIF/COUNTIFS/SUMIFS/AVERAGEIFS/MINIFS/MAXIFS over long ranges of
constants, or of cells holding a number in every trial, for the kernel generator's criteria (:meth:`._text.TextMixin._conditional`).

A Monte Carlo workbook often keeps thousands of results pasted as values and asks
``COUNTIF(B2:B50001,"<="&L2)/50000`` of a target that varies per trial: written cell by cell
that is a line per cell, past the kernel's size.  Here the range's numbers go into the
constant table once and the runtime (:mod:`._rt_long_criteria`) loops over them per trial,
or, for COUNTIF of one criterion, counts by binary search in a sorted copy.

Taken only where it is exactly the library's answer (engine.functions.stats._conditional):
every cell of the ranges is a constant without an error (an error cell could meet an error
criterion: left to the cell-by-cell code), the ranges have one shape, at most two criteria,
each the same in every trial (matched once, at generation, by ``_criteria.match`` itself) or
a number that varies per trial (a cell, or an operator joined to a number: ``">="&A1``).

Ranges whose cells vary per trial (``COUNTIF(H9:H10008,">0")`` over a column of a formula
copied down) are taken where every cell holds a number without an error in every trial: each
range is gathered once per trial into a scratch (one loop over a family's slots) and tested
by a runtime loop (``lcrit_zfold``).  Cells that are "" in some trials, or errors, are left
to the cell-by-cell code (their text and error rules per cell).

Ranges of constants and cells that vary (whole columns: headings, blanks, text and a few
formulas giving numbers) are gathered once per trial (the constants by one copy of their
``kv`` block, the formulas' values by a line each) and tested by ``lcrit_mfold`` against
per-cell codes made at generation: a constant against a constant criterion matched there,
the rest compared per trial.  A criterion of text varying among known texts (``B1`` an
``INDEX`` into a list) over constants reads, per trial, the mask of its text (one mask per
text it can take, by ``_criteria.match``; an error criterion meets none).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ... import ir
from ...functions._criteria import Criterion, match, view
from ...values import Kind, Vec
from ._rt_long_criteria import (
    ALWAYS,
    CODE_HIT,
    CODE_MISS,
    CODE_TEST,
    CODE_TEXT,
    COUNT,
    COUNT_NUMBERS,
    MASK,
    MAX,
    MIN,
    NEVER,
    SUM,
)
from ._values import KNUM, Val, lit

if TYPE_CHECKING:
    from ._codegen import Generator

LONG_CELLS = 64       # ranges of more cells than this are looped over, not written out
_HOW = {"count": COUNT, "sum": SUM, "min": MIN, "max": MAX}


def long_conditional(gen: Generator, how: str, target: ir.Node | None,
                     pairs: list[tuple[ir.Node, ir.Node | None]], name: str) -> Val | None:
    """The aggregate as runtime loops, or None where the cell-by-cell code must do it."""
    areas = [_area(r) for r, _ in pairs]
    if any(a is None for a in areas) or len(pairs) > 2:
        return None
    shape = areas[0].shape  # type: ignore[union-attr]
    if shape[0] * shape[1] <= LONG_CELLS or any(a.shape != shape for a in areas):  # type: ignore[union-attr]
        return None
    tarea = None
    if target is not None:
        tarea = _area(target)
        if tarea is None or tarea.shape != shape:
            return None
    columns = [_constants(gen, a) for a in areas]  # type: ignore[arg-type]
    tvals = _constants(gen, tarea) if tarea is not None else None
    if any(c is None for c in columns) or (tarea is not None and tvals is None):
        return _gathered_conditional(gen, how, tarea, areas, pairs, name)  # type: ignore[arg-type]
    mark = len(gen.lines)
    crits = []
    for (_, node), values in zip(pairs, columns, strict=True):
        got = _criterion(gen, node, name, values)  # type: ignore[arg-type]
        if got is None:
            del gen.lines[mark:]
            return None
        crits.append(got)
    n = shape[0] * shape[1]
    if how == "count" and len(crits) == 1 and crits[0][0] != str(MASK):
        (op, x), values = crits[0], columns[0]
        nums = sorted(y for y in map(_number_of, values) if y == y)  # type: ignore[arg-type]
        eqs = sorted(y for y in map(_equal_number, values) if y == y)  # type: ignore[arg-type]
        oa, ob = gen.table(nums), gen.table(eqs)
        got = gen.value(f"lcrit_count(kv, {n}, {op}, {oa}, {len(nums)}, {ob}, {len(eqs)}, {x})")
        return Val(got, "0", KNUM, 0.0, float(n))
    args = []
    for (op, x), values in zip(crits, columns, strict=True):
        if op == str(MASK):
            args += [op, x, "0", "0.0"]
        else:
            oa = gen.table([_number_of(v) for v in values])  # type: ignore[union-attr]
            ob = gen.table([_equal_number(v) for v in values])  # type: ignore[union-attr]
            args += [op, str(oa), str(ob), x]
    if len(crits) == 1:
        args += ["-1", "0", "0", "0.0"]
    ot = gen.table([_number_of(v) for v in tvals]) if tvals is not None else 0

    def fold(k: int) -> str:
        return gen.value(f"lcrit_fold(kv, {n}, {k}, {ot}, {', '.join(args)})")

    return _result(gen, how, fold, n)


def _gathered_conditional(gen: Generator, how: str, tarea: ir.Area | None,
                          areas: list[ir.Area], pairs: list[tuple[ir.Node, ir.Node | None]],
                          name: str) -> Val | None:
    """The aggregate over ranges whose cells vary per trial, each gathered once per trial
    into a scratch (:meth:`._gather.GatherMixin.gathered`: a column of a formula copied down
    is one loop over its slots) and tested by ``lcrit_zfold``; None where a cell of them is
    not a number in every trial without an error (the cell-by-cell code decides), or a
    range past the cap is not copied by a loop."""
    from ._values import MAX_AREA_CELLS

    zs = []
    for a in [*areas, *([tarea] if tarea is not None else [])]:
        vals = [gen._criteria_cell(c) for row in a.cells() for c in row]  # type: ignore[attr-defined]
        if any(v.kind != KNUM or v.e != "0" for v in vals):
            return _mixed_conditional(gen, how, tarea, areas, pairs, name)
        if len(vals) > MAX_AREA_CELLS and not gen.loop_gathered(a, name):
            return None
        z = gen.gathered(vals)
        if z is None:
            return None
        zs.append(z)
    mark = len(gen.lines)
    crits = []
    for _, node in pairs:
        got = _number_criterion(gen, node, name)
        if got is None:
            del gen.lines[mark:]
            return None
        crits.append(got)
    n = areas[0].shape[0] * areas[0].shape[1]
    z1, x1 = zs[0], crits[0]
    z2, x2 = (zs[1], crits[1]) if len(crits) == 2 else (z1, ("-1", "0.0"))
    zt = zs[-1] if tarea is not None else z1

    def fold(k: int) -> str:
        return gen.value(f"lcrit_zfold({z1}, {z2}, {zt}, {n}, {k}, {x1[0]}, {x1[1]}, "
                         f"{x2[0]}, {x2[1]})")

    return _result(gen, how, fold, n)


def _mixed_cells(gen: Generator, a: ir.Area
                 ) -> tuple[list[Val], list[tuple[str, Any] | None]] | None:
    """The range's cells as values to gather (a cell that varies per trial: its value, a
    number without an error in every trial; a constant: its number from a ``kv`` block, NaN
    for text, logicals and blanks) and the constants' Python values (None where the cell
    varies, else ``("", value)``); None where a cell is neither (an error, a cell left to numpy)."""
    cells = [c for row in a.cells() for c in row]
    consts: list[Any] = []
    for c in cells:
        if c in gen.input_vals or c in gen.cells or c in gen.steps:   # type: ignore[attr-defined]
            consts.append(None)   # a step not made yet: operand's NotYet orders it first
            continue
        if gen.model.is_formula(c) and c not in gen.program.constants:   # type: ignore[attr-defined]
            return None
        v = gen.env.cell(c)
        if len(v.data) != 1 or (v.err is not None and int(v.err[0])):
            return None
        x = v.scalar(0)
        consts.append(("", x))
    off = gen.table([0.0 if k is None else _number_of(k[1]) for k in consts])
    vals: list[Val] = []
    for i, (c, k) in enumerate(zip(cells, consts, strict=True)):
        if k is None:
            v = gen._criteria_cell(c)  # type: ignore[attr-defined]
            if v.kind != KNUM or v.e != "0":
                return None
            vals.append(v)
        else:
            vals.append(Val(f"k{off + i}", "0", KNUM))
    return vals, consts


def _mixed_gather(gen: Generator, a: ir.Area, vals: list[Val],
                  known: list[tuple[str, Any] | None]) -> str:
    """A scratch holding this trial's ``vals``: every constant by one copy of its ``kv``
    block (where ``vals`` names it), then a line per cell that varies (runs of a family's
    cells become a loop over their slots), shared by every cell over the same values."""
    memo = gen._gather_memo()  # type: ignore[attr-defined]
    key = ("mixed", repr(a), a.shape, tuple(v.v for v, k in zip(vals, known, strict=True)
                                            if k is None))
    got = memo.get(key)
    if got is not None and gen._owner_valid(got[1]):  # type: ignore[attr-defined]
        gen._after(got[1])  # type: ignore[attr-defined]
        return got[0]
    z = gen.scratch(len(vals))
    gen.shared_scratch.add(z)  # type: ignore[attr-defined]
    first = next((i for i, k in enumerate(known) if k is not None), None)
    if first is not None:   # the block of the range's constants in kv
        gen.value(f"fill_kv({z}, 0, kv, {int(vals[first].v[1:]) - first}, {len(vals)})")
    gen.lines += [f"{z}[{i}] = {v.v}" for i, (v, k) in enumerate(zip(vals, known, strict=True))
                  if k is None]
    memo[key] = (z, (gen.cell, gen.cell_number))  # type: ignore[attr-defined]
    return z


def _mixed_criterion(gen: Generator, node: ir.Node | None, name: str,
                     consts: list[tuple[str, Any] | None]
                     ) -> tuple[str, str, str, str] | None:
    """(op, x, codes, eqs) of a criterion over a range of constants and cells that vary (a
    number in every trial): ``kv[codes + i]`` is CODE_MISS / CODE_HIT where cell ``i`` is
    decided at generation (a constant against a constant criterion, by ``_criteria.match``;
    a number against a criterion of another kind), CODE_TEST where the trial's number of
    the cell is compared with (op, x), CODE_TEXT where a constant is compared so (``=``
    against ``kv[eqs + i]``, the number its text reads as)."""
    from ._dvalue import DynCriterion
    from ._text import _VaryingNumber

    try:
        crit = gen._criterion(node, name)  # type: ignore[attr-defined]
    except Exception:   # noqa: BLE001 - NotFusable/DynamicText: the cell-by-cell code decides
        return None
    known = [k[1] for k in consts if k is not None]
    eqs = "0"
    if isinstance(crit, Criterion):
        hits = iter(np.broadcast_to(np.asarray(match(crit, view(_column(known))), bool),
                                    (len(known),)).tolist()) if known else iter(())
        if crit.kind == "num" and isinstance(crit.op, np.ndarray):
            return None
        if crit.kind == "num":
            op, x, vary = str(int(crit.op)), lit(float(crit.value)), CODE_TEST
        else:
            hit = bool(np.asarray(match(crit, view(Vec(Kind.NUM, np.zeros(1)))))[0])
            op, x, vary = "0", "0.0", CODE_HIT if hit else CODE_MISS
        codes = [float(vary) if k is None else float(CODE_HIT if next(hits) else CODE_MISS)
                 for k in consts]
        return op, x, str(gen.table(codes)), eqs
    codes = [float(CODE_TEST if k is None or _number_of(k[1]) == _number_of(k[1]) else CODE_TEXT)
             for k in consts]
    if CODE_TEXT in codes:
        eqs = str(gen.table([0.0 if k is None else _equal_number(k[1]) for k in consts]))
    ctab = str(gen.table(codes))
    if isinstance(crit, _VaryingNumber):
        return "0", crit.value.v, ctab, eqs
    if not isinstance(crit, DynCriterion):
        return None
    if crit.err == "0":
        return str(crit.op), crit.value.v, ctab, eqs
    return gen.value(f"sel({crit.err} != 0, {lit(float(NEVER))}, {lit(float(crit.op))})"), \
        crit.value.v, ctab, eqs


def _mixed_conditional(gen: Generator, how: str, tarea: ir.Area | None,
                       areas: list[ir.Area], pairs: list[tuple[ir.Node, ir.Node | None]],
                       name: str) -> Val | None:
    """The aggregate over ranges of constants and cells that vary per trial (numbers in
    every trial: a whole column of headings, blanks and a few formulas): each range gathered
    once per trial (its constants copied from ``kv`` by runs, its formulas' values by a
    line each or a family's loop), tested by ``lcrit_mfold`` against per-cell codes made at
    generation; None where a cell is an error or not a number in some trial."""
    from ._values import MAX_AREA_CELLS

    zs, consts = [], []
    for a in [*areas, *([tarea] if tarea is not None else [])]:
        got = _mixed_cells(gen, a)
        if got is None:
            return None
        vals, known = got
        varying = sum(k is None for k in known)
        if varying > MAX_AREA_CELLS and not gen.loop_gathered(a, name):
            return None
        zs.append(_mixed_gather(gen, a, vals, known))
        consts.append(known)
    mark = len(gen.lines)
    crits = []
    for (_, node), known in zip(pairs, consts, strict=False):
        got = _mixed_criterion(gen, node, name, known)
        if got is None:
            del gen.lines[mark:]
            return None
        crits.append(got)
    n = areas[0].shape[0] * areas[0].shape[1]
    z1, c1 = zs[0], crits[0]
    z2, c2 = (zs[1], crits[1]) if len(crits) == 2 else (z1, ("-1", "0.0", "0", "0"))
    zt = zs[-1] if tarea is not None else z1

    def fold(k: int) -> str:
        return gen.value(f"lcrit_mfold(kv, {z1}, {z2}, {zt}, {n}, {k}, {', '.join(c1)}, "
                         f"{', '.join(c2)})")

    return _result(gen, how, fold, n)


def _number_criterion(gen: Generator, node: ir.Node | None, name: str
                      ) -> tuple[str, str] | None:
    """(op, x) of a criterion tested against cells holding a number in every trial: a
    number criterion (op 0..5 against x; the same in every trial or varying), NEVER for an
    error criterion in a trial; a criterion of another kind is met by every number or by
    none whatever its value (``_criteria.match`` of 0.0, once): ALWAYS or NEVER."""
    from ._dvalue import DynCriterion
    from ._text import _VaryingNumber

    try:
        crit = gen._criterion(node, name)  # type: ignore[attr-defined]
    except Exception:   # noqa: BLE001 - NotFusable/DynamicText: the cell-by-cell code decides
        return None
    if isinstance(crit, Criterion):
        if crit.kind == "num" and not isinstance(crit.op, np.ndarray):
            return str(int(crit.op)), lit(float(crit.value))
        if crit.kind == "num":
            return None
        hit = bool(np.asarray(match(crit, view(Vec(Kind.NUM, np.zeros(1)))))[0])
        return str(ALWAYS if hit else NEVER), "0.0"
    if isinstance(crit, _VaryingNumber):
        return "0", crit.value.v
    if not isinstance(crit, DynCriterion):
        return None
    if crit.err == "0":
        return str(crit.op), crit.value.v
    return gen.value(f"sel({crit.err} != 0, {lit(float(NEVER))}, {lit(float(crit.op))})"), \
        crit.value.v



def _result(gen: Generator, how: str, fold: Callable[[int], str], n: int) -> Val:
    """The aggregate from the runtime fold ``fold(k)`` (COUNT, SUM, AVERAGEIF's total over
    the numbers counted, MIN/MAX: 0 where none met the criteria)."""
    if how == "count":
        return Val(fold(COUNT), "0", KNUM, 0.0, float(n))
    if how == "sum":
        return Val(fold(SUM), "0", KNUM)
    if how == "average":
        total, counted = fold(SUM), fold(COUNT_NUMBERS)
        r = gen.value(f"{total} / sel({counted} == 0.0, 1.0, {counted})")
        return Val(r, gen.err(f"sel({counted} == 0.0, {_div0()}, 0)"), KNUM)
    ext = fold(_HOW[how])
    return Val(gen.value(f"sel({ext} != {ext}, 0.0, {ext})"), "0", KNUM)

def _div0() -> int:
    from ...values import DIV0

    return DIV0


def _area(node: ir.Node | None) -> ir.Area | None:
    if isinstance(node, ir.Ref):
        return ir.Area(node.cell.sheet, node.cell.row, node.cell.col, node.cell.row,
                       node.cell.col)
    return node if isinstance(node, ir.Area) else None


def _constants(gen: Generator, a: ir.Area) -> list[Any] | None:
    """The Python values of the range's cells (row by row), or None where one varies per
    trial or holds an error."""
    if gen.area_varies(a):
        return None
    out = []
    for row in a.cells():
        for c in row:
            if c in gen.input_vals or c in gen.steps:
                return None
            v = gen.env.cell(c)
            if len(v.data) != 1 or (v.err is not None and int(v.err[0])):
                return None
            out.append(v.scalar(0))
    return out


def _number_of(x: Any) -> float:
    """The cell's number as the criteria see it (NaN for text, logicals, blanks)."""
    return float(x) if isinstance(x, float | int) and not isinstance(x, bool) else float("nan")


def _equal_number(x: Any) -> float:
    """The number ``=`` compares: a number, or the number a text reads as."""
    from ...values import parse_number

    if isinstance(x, str):
        got = parse_number(x)
        return float("nan") if got is None else float(got)
    return _number_of(x)


def _criterion(gen: Generator, node: ir.Node | None, name: str,
               values: list[Any]) -> tuple[str, str] | None:
    """(op, x) as code for the runtime (op MASK: x the offset of the mask in ``kv``), or None
    where this path does not apply."""
    from ._dvalue import DynCriterion
    from ._text import _VaryingNumber

    try:
        crit = gen._criterion(node, name)  # type: ignore[attr-defined]
    except Exception:   # noqa: BLE001 - NotFusable/DynamicText: the cell-by-cell code decides
        crit = _erring_text(gen, node)
        if crit is None:
            return None
    if isinstance(crit, Criterion):   # the same in every trial: matched once, here
        mask = match(crit, view(_column(values)))
        hits = np.broadcast_to(np.asarray(mask, bool), (len(values),))
        return str(MASK), str(gen.table([1.0 if h else 0.0 for h in hits]))
    if isinstance(crit, _VaryingNumber):
        return "0", crit.value.v
    if isinstance(crit, Val):   # text that varies among known texts: a mask per text
        return _text_masks(gen, crit, values)
    if not isinstance(crit, DynCriterion):
        return None
    if crit.err == "0":
        return str(crit.op), crit.value.v
    return gen.value(f"sel({crit.err} != 0, {lit(float(NEVER))}, {lit(float(crit.op))})"), \
        crit.value.v


MAX_TEXT_MASKS = 1 << 18   # entries of the masks of a criterion of text that varies


def _text_masks(gen: Generator, crit: Val, values: list[Any]) -> tuple[str, str] | None:
    """(MASK, the offset of this trial's mask) of a criterion that is text varying per trial
    among known texts (``COUNTIF(names, B1)``, B1 an INDEX into a list): for each text it can
    take, the range's mask by ``_criteria.match`` of ``parse(text)``, once, at generation;
    per trial the mask of the criterion's string id (a table from id to mask)."""
    from ...functions._criteria import parse
    from ._values import KSTR

    if crit.kind != KSTR or crit.dom is None or not crit.e.isidentifier() and crit.e != "0" \
            or (len(crit.dom) + 1) * len(values) > MAX_TEXT_MASKS:
        return None
    column = view(_column(values))
    masks: list[float] = []
    for k in crit.dom:
        hits = np.broadcast_to(np.asarray(match(parse(gen.strings[k]), column), bool),  # type: ignore[attr-defined]
                               (len(values),))
        masks += [1.0 if h else 0.0 for h in hits]
    masks += [0.0] * len(values)   # an error criterion: the range holds no error, none meets it
    off = gen.table(masks)
    row = [0.0] * (max(crit.dom) + 1)
    for j, k in enumerate(crit.dom):
        row[k] = float(off + j * len(values))
    at = gen.table(row)
    if crit.e == "0":
        return str(MASK), gen.value(f"kv[{at} + int({crit.v})]")
    none = off + len(crit.dom) * len(values)
    safe = gen.value(f"sel({crit.e} != 0, {lit(float(crit.dom[0]))}, {crit.v})")
    return str(MASK), gen.value(f"sel({crit.e} != 0, {lit(float(none))}, kv[{at} + int({safe})])")


def _erring_text(gen: Generator, node: ir.Node | None) -> Val | None:
    """A criterion of text varying among known texts that may be an error in a trial
    (``INDEX(list, k)``), which the cell-by-cell code refuses; None otherwise."""
    from ._values import KSTR

    if node is None or gen.is_constant(node):  # type: ignore[attr-defined]
        return None
    try:
        v = gen.expr(node)  # type: ignore[attr-defined]
    except Exception:   # noqa: BLE001 - NotFusable/DynamicText: the cell-by-cell code decides
        return None
    return v if v.kind == KSTR and v.dom is not None and v.e != "0" else None


def _column(values: list[Any]) -> Vec:
    """The range's values as one Vec, a cell per trial, for ``_criteria.view``."""
    if all(isinstance(v, float | int) and not isinstance(v, bool) for v in values):
        return Vec(Kind.NUM, np.array(values, dtype=float))
    data = np.empty(len(values), dtype=object)
    data[:] = values
    return Vec(Kind.ANY, data)


__all__ = ["LONG_CELLS", "long_conditional"]
