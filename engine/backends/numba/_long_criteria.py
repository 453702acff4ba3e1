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

Cells that vary may be of mixed kinds (a table column ``=IF(x="","",x)``: a number or "";
logicals; numbers that may be errors, outside a summed range): gathered as their numbers
(NaN where none), which a number criterion compares; a constant criterion of another kind
reads a mask of those cells made per trial (shared by the cells over the same range).  A
criterion whose kind varies per trial (:mod:`._varying_criterion`) is one fold per kind it
can take (per text, per logical), the trial's tag picking one.
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
    FIRST_ERROR,
    MASK,
    MAX,
    MIN,
    NEVER,
    SUM,
)
from ._values import KNUM, KSTR, Val, lit

if TYPE_CHECKING:
    from ...workbook import CellRef
    from ._codegen import Generator

LONG_CELLS = 64       # ranges of more cells than this are looped over, not written out
_HOW = {"count": COUNT, "sum": SUM, "min": MIN, "max": MAX}


def long_conditional(gen: Generator, how: str, target: ir.Node | None,
                     pairs: list[tuple[ir.Node, ir.Node | None]], name: str) -> Val | None:
    """The aggregate as runtime loops, or None where the cell-by-cell code must do it; a
    count over clipped ranges (``A:A``) with the empty cells past their read part
    (:func:`._dcriteria.count_with_unread`: ``"<>"&x``, ``""`` meet them)."""
    got = _long_conditional(gen, how, target, pairs, name)
    if got is None or how != "count":
        return got
    areas = [_area(r) for r, _ in pairs]
    a0 = areas[0]
    assert a0 is not None
    if a0.declared_shape == a0.shape:
        return got
    from ._dcriteria import _criterion_blank_hit, count_with_unread
    from ._values import NotFusable

    mark = len(gen.lines)
    crits = [_resolve(gen, c, name) for _, c in pairs]
    if any(c is _NONE for c in crits):
        raise NotFusable(f"{name} over a whole column with a criterion not known")
    if all(_criterion_blank_hit(gen, c) is not None for c in crits):
        del gen.lines[mark:]   # known at generation: the criteria's lines not read
    return count_with_unread(gen, areas, crits, got.v)  # type: ignore[arg-type]


def _long_conditional(gen: Generator, how: str, target: ir.Node | None,
                      pairs: list[tuple[ir.Node, ir.Node | None]], name: str) -> Val | None:
    areas = [_area(r) for r, _ in pairs]
    if any(a is None for a in areas):
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
        if len(pairs) > 2:   # more criteria than lcrit_zfold takes: gathered, some folded
            return _mixed_conditional(gen, how, tarea, areas, pairs, name)  # type: ignore[arg-type]
        return _gathered_conditional(gen, how, tarea, areas, pairs, name)  # type: ignore[arg-type]
    mark = len(gen.lines)
    got_all = _fold_criteria(gen, pairs, columns, name)  # type: ignore[arg-type]
    if got_all is None:
        del gen.lines[mark:]
        # a criterion of mixed kinds: a fold per kind (_mixed_conditional)
        return _mixed_conditional(gen, how, tarea, areas, pairs, name)  # type: ignore[arg-type]
    crits, columns = got_all
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


def _fold_criteria(gen: Generator, pairs: list[tuple[ir.Node, ir.Node | None]],
                   columns: list[list[Any]], name: str
                   ) -> tuple[list[tuple[str, str]], list[list[Any]]] | None:
    """The criteria over ranges of constants as at most two for ``lcrit_fold`` (their
    (op, x) codes and the ranges' values), or None where this path does not apply.  Of
    more than two criteria, those the same in every trial are matched at generation and
    folded into one mask (their AND); a criterion of text varying among known texts takes
    that mask into each of its masks; the rest (numbers that vary per trial) stay loops."""
    resolved = [_resolve(gen, node, name) for _, node in pairs]
    if any(c is _NONE for c in resolved):
        return None
    fixed: np.ndarray | None = None
    rest: list[tuple[Any, list[Any]]] = []
    for crit, values in zip(resolved, columns, strict=True):
        if len(pairs) > 2 and isinstance(crit, Criterion):
            hits = _hits(crit, values)
            fixed = hits if fixed is None else fixed & hits
        else:
            rest.append((crit, values))
    crits: list[tuple[str, str]] = []
    kept: list[list[Any]] = []
    for crit, values in rest:
        within = None
        if fixed is not None and _text_masked(crit):
            within, fixed = fixed, None   # the constant criteria ANDed into its masks
        got = _criterion_code(gen, crit, values, within)
        if got is None:
            return None
        crits.append(got)
        kept.append(values)
    if fixed is not None:
        crits.insert(0, (str(MASK), str(gen.table([1.0 if h else 0.0 for h in fixed]))))
        kept.insert(0, columns[0])
    if len(crits) > 2:
        return None
    return crits, kept


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
        vals = [gen._criteria_cell(c) for c in _flat_cells(gen, a)]  # type: ignore[attr-defined]
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


def _mixed_cells(gen: Generator, a: ir.Area, target: bool = False
                 ) -> tuple[list[Val], list[tuple[str, Any] | None]] | None:
    """The range's cells as values to gather (a cell that varies per trial: its value, of
    any kind :func:`_gatherable` takes; a constant: its number from a ``kv`` block, NaN for
    text, logicals and blanks) and the constants' Python values (None where the cell
    varies, else ``("", value)``); None where a cell is neither (an error, a cell left to
    numpy, text made per trial; in the ``target`` range, a cell that may be an error)."""
    cells = _flat_cells(gen, a)
    consts: list[Any] = []
    # a constant cell's answer, the same in every call: 175 COUNTIFs over one 10,001-cell
    # column (maartenmoes9 Monte_Carlo) looked each of its cells up every time
    memo = gen.__dict__.setdefault("_mixed_consts_", {})
    for c in cells:
        if c in gen.input_vals or c in gen.cells or c in gen.steps:   # type: ignore[attr-defined]
            consts.append(None)   # a step not made yet: operand's NotYet orders it first
            continue
        k = memo.get(c)
        if k is None:
            k = memo[c] = _constant_cell(gen, c)
        if not k:
            return None
        consts.append(k)
    off = gen.table([0.0 if k is None else _number_of(k[1]) for k in consts])
    vals: list[Val] = []
    for i, (c, k) in enumerate(zip(cells, consts, strict=True)):
        if k is None:
            v = gen._criteria_cell(c)  # type: ignore[attr-defined]
            if not _gatherable(gen, v, target):
                return None
            vals.append(v)
        else:
            vals.append(Val(f"k{off + i}", "0", KNUM))
    return vals, consts


def _flat_cells(gen: Generator, a: ir.Area) -> tuple[CellRef, ...]:
    """The cells of ``a`` row by row, made once per generation (keyed by the range's value)."""
    memo = gen.__dict__.setdefault("_area_cells_", {})
    got = memo.get(a)
    if got is None:
        got = memo[a] = tuple(c for row in a.cells() for c in row)
    return got


def _constant_cell(gen: Generator, c: CellRef) -> tuple[str, Any] | tuple[()]:
    """``("", value)`` of a cell the same in every trial, ``()`` where it is a formula outside
    the compiled slice or not one value without an error (:func:`_mixed_cells`)."""
    if gen.model.is_formula(c) and c not in gen.program.constants:   # type: ignore[attr-defined]
        return ()
    v = gen.env.cell(c)
    if len(v.data) != 1 or (v.err is not None and int(v.err[0])):
        return ()
    return ("", v.scalar(0))


def _plain(v: Val) -> bool:
    """A number without an error in every trial."""
    return v.kind == KNUM and v.e == "0"


def _gatherable(gen: Generator, v: Val, target: bool) -> bool:
    """Whether a cell that varies per trial can be gathered as its number (NaN where it
    holds none) and matched so: a number (an error in some trials, outside a target range),
    a logical, a blank, text among known texts none of which reads as a number (``=`` a
    number would meet it), or a mixed value of those."""
    from ...values import parse_number
    from ._values import KANY, KBLANK, KBOOL, KSTR

    if _plain(v):
        return True
    kinds = v.kinds if v.kind == KANY else (v.kind,)
    if v.kind == KANY and v.y is None or not set(kinds) <= {KNUM, KSTR, KBOOL, KBLANK}:
        return False
    if KSTR in kinds:
        return v.dom is not None and all(
            parse_number(gen.strings[k]) is None for k in v.dom)  # type: ignore[attr-defined]
    return True


def _number_line(gen: Generator, v: Val) -> str:
    """The number a gathered cell holds this trial, NaN where it holds none (text, a
    logical, a blank, an error): what a number criterion compares and a sum adds."""
    from ._values import KANY

    if _plain(v):
        return v.v
    ok = "" if v.e == "0" else f"({v.e} == 0)"
    if v.kind == KANY:
        ok = f"({v.y} == 0.0)" + (f" & {ok}" if ok else "")
    elif v.kind != KNUM:
        return "np.nan"
    k = v.v[1:]
    if v.v[:1] == "v" and k.isdigit() and v.e in ("0", f"w{k}") and v.y in (None, f"y{k}"):
        return f"sel({ok}, {v.v}, np.nan)"   # a cell's own copy: _gather.loop_fills loops it
    return gen.value(f"sel({ok}, {v.v}, np.nan)")


def _shared_scratch(gen: Generator, key: tuple, n: int, fill: Callable[[str], Any]) -> Any:
    """What ``fill`` made of a shared scratch of ``n`` entries for ``key``: an earlier
    cell's (this cell then ordered after it) where that cell is fused, else a new scratch
    that ``fill(z)`` fills by this cell's lines, memoized for the cells after it."""
    memo = gen._gather_memo()  # type: ignore[attr-defined]
    got = memo.get(key)
    if got is not None and gen._owner_valid(got[1]):  # type: ignore[attr-defined]
        gen._after(got[1])  # type: ignore[attr-defined]
        return got[0]
    z = gen.scratch(n)
    gen.shared_scratch.add(z)  # type: ignore[attr-defined]
    out = fill(z)
    memo[key] = (out, (gen.cell, gen.cell_number))  # type: ignore[attr-defined]
    return out


def _grown(gen: Generator, what: str, a: ir.Area | None, names: tuple) -> tuple[str, int]:
    """(scratch, m): the longest earlier shared scratch of ``what`` over the first rows of
    ``a`` whose first ``m`` entries are ``names[:m]`` (``COUNTIF($H$2:H{r-1}, ..)`` copied
    down: each window the one above and a row), this cell ordered after it, and notes
    ``a``'s for the windows after it; ("", 0) where none."""
    if a is None:
        return "", 0
    index = gen._gather_memo().setdefault(  # type: ignore[attr-defined]
        ("grown", what, a.sheet, a.r1, a.c1, a.c2), [])
    best: tuple[str, int, tuple] | None = None
    for z, prefix, owner in index:
        m = len(prefix)
        if z and m < len(names) and (best is None or m > best[1]) \
                and names[:m] == prefix and gen._owner_valid(owner):  # type: ignore[attr-defined]
            best = (z, m, owner)
    index.append(("", names, (gen.cell, gen.cell_number)))  # type: ignore[attr-defined]
    if best is None:
        return "", 0
    gen._after(best[2])  # type: ignore[attr-defined]
    return best[0], best[1]


def _note_grown(gen: Generator, what: str, a: ir.Area | None, z: str) -> None:
    """The scratch :func:`_grown` noted last for ``a`` is ``z``."""
    if a is not None:
        index = gen._gather_memo()[("grown", what, a.sheet, a.r1, a.c1, a.c2)]  # type: ignore[attr-defined]
        index[-1] = (z, *index[-1][1:])


def _mixed_gather(gen: Generator, a: ir.Area, vals: list[Val],
                  known: list[tuple[str, Any] | None]) -> str:
    """A scratch holding this trial's numbers of ``vals``: the rows an earlier such scratch
    over the first rows of ``a`` holds by one copy of it (:func:`_grown`), every other
    constant by one copy of its ``kv`` block (where ``vals`` names it), then a line per cell
    that varies (runs of a family's cells become a loop over their slots), shared by every
    cell over the same values."""
    names = tuple(v.v if k is None else None for v, k in zip(vals, known, strict=True))
    key = ("mixed", repr(a), a.shape, tuple(x for x in names if x is not None))

    def fill(z: str) -> str:
        src, m = _grown(gen, "mixed", a, names)
        if m:
            gen.value(f"fill_kv({z}, 0, {src}, 0, {m})")
        first = next((i for i, k in enumerate(known) if k is not None and i >= m), None)
        if first is not None:   # the block of the range's constants in kv
            off = int(vals[first].v[1:]) - first
            gen.value(f"fill_kv({z}, {m}, kv, {off + m}, {len(vals) - m})")
        for i, (v, k) in enumerate(zip(vals, known, strict=True)):
            if k is None and i >= m:
                gen.lines.append(f"{z}[{i}] = {_number_line(gen, v)}")
        _note_grown(gen, "mixed", a, z)
        return z

    return _shared_scratch(gen, key, len(vals), fill)


# One way a criterion is met over a gathered range in a trial: (guard, (op, x, codes, eqs,
# z)): the condition on the trial under which it holds (None: always), lcrit_mfold's
# criterion and the scratch it compares (the range's numbers, or a mask of its cells).
_Option = tuple[str | None, tuple[str, str, str, str, str]]
MAX_OPTIONS = 8   # folds of one aggregate (one per combination of its criteria's options)


def _mixed_options(gen: Generator, node: ir.Node | None, name: str,
                   consts: list[tuple[str, Any] | None], vals: list[Val], z: str
                   ) -> list[_Option] | None:
    """The ways the criterion ``node`` is met over a gathered range (``z`` its numbers):
    one for a criterion of one kind; for a criterion that varies among kinds
    (:class:`._varying_criterion.VaryingCriterion`), one per kind it can take (and per
    text, per logical), selected by the trial's tag; None where this path does not apply."""
    from ._dcriteria import TextCriterion, ordering_number
    from ._dvalue import DynCriterion
    from ._text import _VaryingNumber
    from ._varying_criterion import VaryingCriterion

    mark = len(gen.lines)
    try:
        crit = gen._criterion(node, name)  # type: ignore[attr-defined]
    except Exception:   # noqa: BLE001 - NotFusable/DynamicText: the cell-by-cell code decides
        return None
    if isinstance(crit, Criterion):
        got = _constant_option(gen, crit, consts, vals, z)
        return None if got is None else [(None, got)]
    if isinstance(crit, _VaryingNumber):
        return [(None, _number_option(gen, "0", crit.value.v, consts, z))]
    if isinstance(crit, DynCriterion):
        if crit.err != "0" and _may_err(vals, consts):   # an error criterion meets that error
            return [(f"({crit.err} == 0)",
                     _number_option(gen, str(crit.op), crit.value.v, consts, z)),
                    _error_option(gen, crit.err, vals, consts, z)]
        v = crit.value.v
        if v[:1] == "v" and v[1:].isdigit():   # a cell's number: one scratch for every cell
            zc = _shared_criterion(gen, ("dyn", crit.op, v, crit.err), mark, lambda: (
                str(crit.op) if crit.err == "0" else lit(float(NEVER)) if crit.err != "0"
                and crit.err.isdigit() else f"sel({crit.err} != 0, {lit(float(NEVER))}, "
                f"{lit(float(crit.op))})", v))
            return [(None, _number_option(gen, f"{zc}[0]", f"{zc}[1]", consts, z))]
        op = str(crit.op) if crit.err == "0" else \
            gen.value(f"sel({crit.err} != 0, {lit(float(NEVER))}, {lit(float(crit.op))})")
        return [(None, _number_option(gen, op, crit.value.v, consts, z))]
    if isinstance(crit, VaryingCriterion):
        return _varying_options(gen, crit, consts, vals, z)
    if isinstance(crit, TextCriterion):   # "<="&F7, F7 a date or "": a number or none
        if crit.e != "0" and _may_err(vals, consts):
            return None
        from ._dcriteria import ordering_number

        if ordering_number(gen, crit, lines=False) is None:
            return None
        key = ("ordering", node) if _plain_node(node) else ("ordering", repr(crit.r), crit.e)
        zc = _shared_criterion(gen, key, mark,
                               lambda: (ordering_number(gen, crit), crit.x))
        return [(None, _number_option(gen, f"{zc}[0]", f"{zc}[1]", consts, z))]
    return None


def _plain_node(node: ir.Node | None) -> bool:
    """Whether ``node`` is literals and single cells joined by operators only (``"<="&F$7``):
    the same value wherever it is written (no function: ROW(), RAND() are not)."""
    if isinstance(node, ir.Num | ir.Str | ir.Bool | ir.Ref):
        return True
    if isinstance(node, ir.Unary):
        return _plain_node(node.operand)
    if isinstance(node, ir.Binary):
        return node.op not in (":", " ") and _plain_node(node.left) and _plain_node(node.right)
    return False


def _shared_criterion(gen: Generator, key: tuple, mark: int,
                      make: Callable[[], tuple[str | None, str]]) -> str:
    """A shared scratch holding this trial's operator code and number of a criterion made
    per trial (``"<="&F$7``, ``">="&$E$7`` in every row of a calendar): made once, by the
    first cell (``make()``: its code and number), the others reading it, their own lines
    of the criterion (from ``mark`` on) dropped."""
    memo = gen._gather_memo()  # type: ignore[attr-defined]
    got = memo.get(key)
    if got is not None and gen._owner_valid(got[1]):  # type: ignore[attr-defined]
        del gen.lines[mark:]   # this cell's copy of the criterion: read the shared one
        gen._after(got[1])  # type: ignore[attr-defined]
        return got[0]
    op, x = make()
    z = gen.scratch(2)
    gen.shared_scratch.add(z)  # type: ignore[attr-defined]
    gen.lines.append(f"{z}[0] = {op}")
    gen.lines.append(f"{z}[1] = {x}")
    memo[key] = (z, (gen.cell, gen.cell_number))  # type: ignore[attr-defined]
    return z


def _number_option(gen: Generator, op: str, x: str, consts: list[tuple[str, Any] | None],
                   z: str) -> tuple[str, str, str, str, str]:
    """A number criterion (operator ``op``, number ``x``, per trial or not): the cells
    that vary compared by their numbers (NaN where none: only ``<>`` meets them), the
    constants too, a constant text by the number it reads as (``=``)."""
    codes = [float(CODE_TEST if k is None or _number_of(k[1]) == _number_of(k[1]) else CODE_TEXT)
             for k in consts]
    eqs = "0"
    if CODE_TEXT in codes:
        eqs = str(gen.table([0.0 if k is None else _equal_number(k[1]) for k in consts]))
    return op, x, str(gen.table(codes)), eqs, z


def _constant_option(gen: Generator, crit: Criterion, consts: list[tuple[str, Any] | None],
                     vals: list[Val], z: str) -> tuple[str, str, str, str, str] | None:
    """A criterion the same in every trial: the constants matched here, by
    ``_criteria.match``; the cells that vary compared by their numbers (a number
    criterion), decided here (another kind, every such cell a number), or else matched per
    trial into a scratch of masks (``=`` 1.0 there)."""
    if crit.kind == "num" and isinstance(crit.op, np.ndarray):
        return None
    known = [k[1] for k in consts if k is not None]
    hits = iter(np.broadcast_to(np.asarray(match(crit, view(_column(known))), bool),
                                (len(known),)).tolist()) if known else iter(())
    varying = [v for v, k in zip(vals, consts, strict=True) if k is None]
    if crit.kind == "num":
        op, x, vary = str(int(crit.op)), lit(float(crit.value)), [float(CODE_TEST)] * len(varying)
    elif all(_plain(v) for v in varying):
        hit = bool(np.asarray(match(crit, view(Vec(Kind.NUM, np.zeros(1)))))[0])
        op, x, vary = "0", "0.0", [float(CODE_HIT if hit else CODE_MISS)] * len(varying)
    else:   # text, logicals, blanks that vary: each such cell matched per trial
        z, vary = _mask_scratch(gen, crit, vals, consts)
        op, x = "0", "1.0"
    each = iter(vary)
    codes = [next(each) if k is None else float(CODE_HIT if next(hits) else CODE_MISS)
             for k in consts]
    return op, x, str(gen.table(codes)), "0", z


def _mask_scratch(gen: Generator, crit: Any, vals: list[Val],
                  consts: list[tuple[str, Any] | None]) -> tuple[str, list[float]]:
    """A scratch of 1.0 / 0.0 where each cell that varies meets ``crit`` this trial (the
    cell-by-cell match, :meth:`._text.TextMixin.match_mask`), and the codes of the cells
    that vary: CODE_TEST where the scratch says, CODE_HIT / CODE_MISS where the match is
    known at generation (nothing written there); constants are not read."""
    key = ("mask", repr(crit), tuple(v.v for v, k in zip(vals, consts, strict=True)
                                     if k is None))

    def fill(z: str) -> tuple[str, list[float]]:
        codes: list[float] = []
        for i, (v, k) in enumerate(zip(vals, consts, strict=True)):
            if k is None:
                m = gen.match_mask(crit, v)  # type: ignore[attr-defined]
                if m in ("0.0", "1.0"):
                    codes.append(float(CODE_HIT if m == "1.0" else CODE_MISS))
                    continue
                gen.lines.append(f"{z}[{i}] = {m}")
                codes.append(float(CODE_TEST))
        return z, codes

    return _shared_scratch(gen, key, len(vals), fill)


def _varying_options(gen: Generator, crit: Any, consts: list[tuple[str, Any] | None],
                     vals: list[Val], z: str) -> list[_Option] | None:
    """A criterion whose kind varies per trial: per kind it can take, the criterion of
    that kind (a number ``=`` the trial's number; a text or a logical, one option per value
    it can take; a blank ``=0``), guarded by the trial's tag; an error meets the cells of
    that error (none where no cell may be an error)."""
    from ...functions._criteria import parse
    from ._values import KBLANK, KBOOL, KSTR, TAG

    v = crit.value
    tag = v.tag()
    ok = "" if v.e == "0" else f" & ({v.e} == 0)"
    out: list[_Option] = []
    for k in crit.kinds:
        part = crit.part(gen, k)
        guard = f"({tag} == {TAG[k]}.0){ok}" if len(crit.kinds) > 1 else (ok[3:] or None)
        if k == KNUM:
            out.append((guard, _number_option(gen, "0", part.v, consts, z)))
            continue
        if k == KBLANK:
            values: list[tuple[str | None, Any]] = [(None, None)]
        elif k == KBOOL:
            values = [(f"({part.v} != 0.0)", True), (f"({part.v} == 0.0)", False)]
        else:
            assert k == KSTR and part.dom is not None
            values = [(f"({part.v} == {float(s)})", gen.strings[s]) for s in part.dom]  # type: ignore[attr-defined]
            if len(values) == 1:
                values = [(None, values[0][1])]
        for cond, x in values:
            got = _constant_option(gen, parse(x), consts, vals, z)
            if got is None:
                return None
            both = " & ".join(c for c in (guard, cond) if c)
            out.append((both or None, got))
    if v.e != "0":
        out.append(_error_option(gen, v.e, vals, consts, z))
    return out if len(out) <= MAX_OPTIONS else None


def _may_err(vals: list[Val], consts: list[tuple[str, Any] | None]) -> bool:
    """Whether a cell that varies may be an error (constants hold none: _mixed_cells)."""
    return any(v.e != "0" for v, k in zip(vals, consts, strict=True) if k is None)


def _error_option(gen: Generator, e: str, vals: list[Val],
                  consts: list[tuple[str, Any] | None], z: str) -> _Option:
    """An error criterion (``e`` its code, in the trials where it is not 0) meets the cells
    of that error: their codes gathered (:func:`_error_gather`) compared with it; none where
    no cell may be an error."""
    if not _may_err(vals, consts):
        codes = str(gen.table([float(CODE_MISS)] * len(consts)))
        return f"({e} != 0)", (str(NEVER), "0.0", codes, "0", z)
    zc = _error_gather(gen, vals, consts)
    codes = str(gen.table([float(CODE_TEST if k is None else CODE_MISS) for k in consts]))
    return f"({e} != 0)", ("0", f"{e} * 1.0", codes, "0", zc)


def _mixed_conditional(gen: Generator, how: str, tarea: ir.Area | None,
                       areas: list[ir.Area], pairs: list[tuple[ir.Node, ir.Node | None]],
                       name: str) -> Val | None:
    """The aggregate over ranges of constants and cells that vary per trial (a whole
    column of headings, blanks and a few formulas; a table column ``=IF(x="","",x)``):
    each range gathered once per trial as numbers (its constants copied from ``kv`` by
    runs, its formulas' numbers by a line each or a family's loop), tested by
    ``lcrit_mfold`` against per-cell codes made at generation; a criterion whose kind
    varies per trial is a fold per kind, the trial's tag picking one.  Of more than two
    criteria, those the same in every trial over ranges of constants are matched at
    generation and their misses written into the first other criterion's codes (a SUMIFS
    by month and key: two date criteria that vary, any number of keys, one loop).  None
    where a cell is an error, text made per trial, or a summed cell may be an error."""
    from itertools import product

    from ._values import MAX_AREA_CELLS

    zs, consts, cellvals = [], [], []
    fixed: np.ndarray | None = None   # more than two criteria: the constant ones' AND
    texts: tuple[Val, list[np.ndarray]] | None = None   # text varying among known texts
    kept = []
    for j, a in enumerate([*areas, *([tarea] if tarea is not None else [])]):
        got = _mixed_cells(gen, a, target=j == len(areas))
        if got is None:
            return None
        vals, known = got
        if len(pairs) > 2 and j < len(areas) and all(k is not None for k in known):
            crit = _resolve(gen, pairs[j][1], name)
            if isinstance(crit, Criterion):   # constants against a constant: matched here
                hits = _hits(crit, [k[1] for k in known])  # type: ignore[index]
                fixed = hits if fixed is None else fixed & hits
                continue
        if len(pairs) > 1 and j < len(areas) and texts is None and \
                all(k is not None for k in known):
            crit = _resolve(gen, pairs[j][1], name)
            if _known_texts(crit) and (len(crit.dom) + 1) * len(known) <= MAX_TEXT_MASKS:
                from ...functions._criteria import parse

                column = [k[1] for k in known]  # type: ignore[index]
                texts = (crit, [_hits(parse(gen.strings[s]), column)  # type: ignore[attr-defined]
                                for s in crit.dom])
                continue
        if j < len(areas):
            kept.append(pairs[j])
        varying = sum(k is None for k in known)
        if varying > MAX_AREA_CELLS and not gen.loop_gathered(a, name):
            return None
        zs.append(_mixed_gather(gen, a, vals, known))
        consts.append(known)
        cellvals.append(vals)
    mark = len(gen.lines)
    options = []
    for (_, node), known, vals, z in zip(kept, consts, cellvals, zs, strict=False):
        got = _mixed_options(gen, node, name, known, vals, z)
        if got is None:
            del gen.lines[mark:]
            return None
        options.append(got)
    if fixed is not None and not zs:
        del gen.lines[mark:]
        return None
    if texts is not None and (not zs or options and not all(
            o[2].isdigit() for _, o in options[0])):
        del gen.lines[mark:]
        return None
    if texts is not None:   # the text criterion: per text, its misses in the first's codes
        if not options:
            options.append([(None, ("0", "0.0", "", "0", zs[0]))])
        options[0] = [(g, (op, x, _text_codes(gen, texts, codes, fixed), eqs, z))
                      for g, (op, x, codes, eqs, z) in options[0]]
    elif fixed is not None and options:   # the constant criteria: misses in the first's codes
        options[0] = [(g, (op, x, _missing(gen, codes, fixed), eqs, z))
                      for g, (op, x, codes, eqs, z) in options[0]]
    elif fixed is not None:   # the constant criteria as one: a hit or a miss per cell
        codes = str(gen.table([float(CODE_HIT if h else CODE_MISS) for h in fixed]))
        options.insert(0, [(None, ("0", "0.0", codes, "0", zs[0]))])
    if len(options) > 2:
        del gen.lines[mark:]
        return None
    if len(options) == 1:
        options.append([(None, ("-1", "0.0", "0", "0", zs[0]))])
    combos = list(product(*options))
    if len(combos) > MAX_OPTIONS:
        del gen.lines[mark:]
        return None
    n = areas[0].shape[0] * areas[0].shape[1]
    zt = zs[-1] if tarea is not None else zs[0]
    zerr = None   # the summed cells' error codes where one may be an error
    if tarea is not None and how != "count" and any(v.e != "0" for v in cellvals[-1]):
        zerr = _error_gather(gen, cellvals[-1], consts[-1])
    results: list[tuple[str | None, Val]] = []
    for (g1, (op1, x1, c1, e1, z1)), (g2, (op2, x2, c2, e2, z2)) in combos:

        def fold(k: int, a: tuple = (op1, x1, c1, e1), b: tuple = (op2, x2, c2, e2),
                 za: str = z1, zb: str = z2) -> str:
            zk = zerr if k == FIRST_ERROR else zt
            return gen.value(f"lcrit_mfold(kv, {za}, {zb}, {zk}, {n}, {k}, {', '.join(a)}, "
                             f"{', '.join(b)})")

        guard = " & ".join(g for g in (g1, g2) if g) or None
        r = _result(gen, how, fold, n)
        if zerr is not None:   # the first met cell that is an error: the aggregate's error
            first = gen.err(f"int({fold(FIRST_ERROR)})")
            e = first if r.e == "0" else gen.err(gen.chain([first, r.e]))  # type: ignore[attr-defined]
            r = Val(r.v, e, r.kind, r.lo, r.hi)
        results.append((guard, r))
    return _pick(gen, results)


def _error_gather(gen: Generator, vals: list[Val], known: list[tuple[str, Any] | None]
                  ) -> str:
    """A scratch holding this trial's error codes of ``vals`` (0.0 for constants and cells
    without one; a family's cells copied by one loop over their slots, _shared_lines
    .loop_codes), shared by every cell over the same values."""
    key = ("errors", tuple(v.e for v, k in zip(vals, known, strict=True) if k is None))

    def fill(z: str) -> str:
        gen.value(f"fill_kv({z}, 0, kv, {gen.table([0.0] * len(vals))}, {len(vals)})")
        for i, (v, k) in enumerate(zip(vals, known, strict=True)):
            if k is None and v.e != "0":
                gen.lines.append(f"{z}[{i}] = {v.e} * 1.0")
        return z

    return _shared_scratch(gen, key, len(vals), fill)


def _known_texts(crit: Any) -> bool:
    """A criterion of text varying per trial among known texts (``$D8`` an INDEX into a
    list of names), an error in some trials or not (its error a cell's code)."""
    return isinstance(crit, Val) and crit.kind == KSTR and crit.dom is not None and (
        crit.e == "0" or crit.e.isidentifier())


def _text_codes(gen: Generator, texts: tuple[Val, list[np.ndarray]], codes: str,
                fixed: np.ndarray | None) -> str:
    """The per-cell codes this trial: the codes table at ``kv[codes]`` (every cell a hit
    where ``codes`` is "") with CODE_MISS where the text criterion's cells (a range of
    constants, matched at generation per text it can take) or ``fixed`` miss, one table per
    text picked by the trial's string id (an error criterion: every cell a miss, the
    constants holding none)."""
    crit, masks = texts
    n = len(masks[0])
    base = [float(CODE_HIT)] * n if not codes else \
        [gen.consts[int(codes) + i][0] for i in range(n)]  # type: ignore[attr-defined]
    keep = fixed if fixed is not None else np.ones(n, bool)
    flat: list[float] = []
    for m in masks:
        flat += [c if h and f else float(CODE_MISS) for c, h, f in zip(base, m, keep, strict=True)]
    flat += [float(CODE_MISS)] * n
    off = gen.table(flat)
    assert crit.dom is not None
    row = [0.0] * (max(crit.dom) + 1)
    for j, k in enumerate(crit.dom):
        row[k] = float(off + j * n)
    at = gen.table(row)
    if crit.e == "0":
        return gen.value(f"kv[{at} + int({crit.v})]")
    none = off + len(crit.dom) * n
    safe = gen.value(f"sel({crit.e} != 0, {lit(float(crit.dom[0]))}, {crit.v})")
    return gen.value(f"sel({crit.e} != 0, {lit(float(none))}, kv[{at} + int({safe})])")


def _missing(gen: Generator, codes: str, fixed: np.ndarray) -> str:
    """The per-cell codes table at ``kv[codes]`` with CODE_MISS where ``fixed`` (the AND of
    the criteria the same in every trial, matched at generation) fails: SUMIFS meets a row
    only where every criterion does, so those rows are misses whatever the trial."""
    got = [gen.consts[int(codes) + i][0] for i in range(len(fixed))]  # type: ignore[attr-defined]
    return str(gen.table([c if h else float(CODE_MISS) for c, h in zip(got, fixed, strict=True)]))


def _pick(gen: Generator, results: list[tuple[str | None, Val]]) -> Val:
    """Per trial, the result whose guard holds (the guards exclude each other; the last
    one is taken where none of the others holds)."""
    *rest, (_, last) = results
    v, e = last.v, last.e
    for guard, r in reversed(rest):
        assert guard is not None
        v = gen.value(f"sel({guard}, {r.v}, {v})")
        if r.e != e:
            e = gen.err(f"sel({guard}, {r.e}, {e})")
    lo = min(r.lo for _, r in results)
    hi = max(r.hi for _, r in results)
    return Val(v, e, KNUM, lo, hi)


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


_NONE = object()   # _resolve: no criterion this path takes


def _resolve(gen: Generator, node: ir.Node | None, name: str) -> Any:
    """The criterion object of ``node`` (:meth:`._text.TextMixin._criterion`, or text
    varying among known texts that may be an error), ``_NONE`` where neither applies."""
    try:
        return gen._criterion(node, name)  # type: ignore[attr-defined]
    except Exception:   # noqa: BLE001 - NotFusable/DynamicText: the cell-by-cell code decides
        crit = _erring_text(gen, node)
        return _NONE if crit is None else crit


def _hits(crit: Criterion, values: list[Any]) -> np.ndarray:
    """Where the range's constants meet the constant criterion (``_criteria.match``)."""
    mask = match(crit, view(_column(values)))
    return np.array(np.broadcast_to(np.asarray(mask, bool), (len(values),)))


def _text_masked(crit: Any) -> bool:
    """Whether the criterion is text varying among known texts (a mask per text)."""
    from ._varying_criterion import VaryingCriterion

    return isinstance(crit, Val) or isinstance(crit, VaryingCriterion) and \
        crit.value.kind == KSTR


def _criterion(gen: Generator, node: ir.Node | None, name: str,
               values: list[Any]) -> tuple[str, str] | None:
    """(op, x) as code for the runtime (op MASK: x the offset of the mask in ``kv``), or None
    where this path does not apply."""
    crit = _resolve(gen, node, name)
    return None if crit is _NONE else _criterion_code(gen, crit, values)


def _criterion_code(gen: Generator, crit: Any, values: list[Any],
                    within: np.ndarray | None = None) -> tuple[str, str] | None:
    """(op, x) of a resolved criterion (:func:`_resolve`); a text criterion's masks ANDed
    with ``within`` where given."""
    from ._dvalue import DynCriterion
    from ._text import _VaryingNumber
    from ._varying_criterion import VaryingCriterion

    if isinstance(crit, Criterion):   # the same in every trial: matched once, here
        hits = _hits(crit, values)
        return str(MASK), str(gen.table([1.0 if h else 0.0 for h in hits]))
    if isinstance(crit, _VaryingNumber):
        return "0", crit.value.v
    if isinstance(crit, Val):   # text that varies among known texts: a mask per text
        return _text_masks(gen, crit, values, within)
    if isinstance(crit, VaryingCriterion) and crit.value.kind == KSTR:   # text or an error
        return _text_masks(gen, crit.value, values, within)
    if not isinstance(crit, DynCriterion):
        return None
    if crit.err == "0":
        return str(crit.op), crit.value.v
    return gen.value(f"sel({crit.err} != 0, {lit(float(NEVER))}, {lit(float(crit.op))})"), \
        crit.value.v


MAX_TEXT_MASKS = 1 << 18   # entries of the masks of a criterion of text that varies


def _text_masks(gen: Generator, crit: Val, values: list[Any],
                within: np.ndarray | None = None) -> tuple[str, str] | None:
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
        if within is not None:   # the criteria the same in every trial, folded in
            hits = hits & within
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
