"""Aggregates over long ranges whose generated code would grow with the range in every cell
(a mixin of the kernel generator).

* **One sorted copy per trial**: order statistics (PERCENTILE, QUARTILE, MEDIAN, LARGE, SMALL,
  PERCENTRANK; :mod:`._stats`) copy a trial's numbers into a scratch array that the runtime
  sorts in place.  Several cells over the same range (``=PERCENTILE($F$2:$F$1001, N40)``
  copied down) each made their own copy: 1,000 lines a cell.  The first cell's copy now lives
  in rows of the per-block ``ur`` array (``Generator.shared_scratch``); a later cell over the
  same values reads it (already sorted: the insertion sort passes over it once) and names the
  first cell's value, which orders it after that cell.
* **Running totals**: ``SUM($E$18:$E18)`` copied down (the range grows by a row a cell) added
  every cell of the range in every row: lines grew with the square of the rows.  A SUM over a
  range that another formula of the slice extends by rows keeps its sum and first error in a
  shared scratch; the SUM over the longer range starts from them and adds only the new rows.
  engine.functions.math.sum_ adds left to right (``acc = acc + column``, no pairwise
  summation), so the prefix plus the new terms are the same additions in the same order: the
  same number, bit for bit.
* **Copies of a copied column**: a gathered range whose values are cells of a family (a
  formula copied down, compiled as one loop) is filled by a loop over the cells' slots
  (:func:`loop_fills`, called by ``_families.loop_chains``), not a line per cell plus a line
  loading each cell's slot (bench_compile's 5,003-cell slice: 1,762 lines -> 575).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ... import ir
from . import _intervals as iv
from ._array_fills import names_first_cell
from ._values import KNUM, MAX_AREA_CELLS, NotFusable, Val, errors_of

GATHER_MIN = 32   # values from which order statistics share one sorted copy per trial
FILL_MIN = 8      # copies of cells of families from which they are one loop (CHAIN_MIN)
# aggregates whose numbers of a long range of numbers are gathered into a scratch and reduced
# by runtime loops (nothing per cell but the copy): they may read a range past the cap
LOOP_GATHERED = frozenset({
    "SUM", "AVERAGE", "MIN", "MAX", "VAR", "VAR.S", "VARP", "VAR.P", "STDEV", "STDEV.S",
    "STDEVP", "STDEV.P", "MEDIAN", "PERCENTILE", "PERCENTILE.INC", "PERCENTILE.EXC",
    "QUARTILE", "QUARTILE.INC", "QUARTILE.EXC", "LARGE", "SMALL", "KURT", "SKEW", "SKEW.P",
    "PERCENTRANK", "PERCENTRANK.INC", "PERCENTRANK.EXC",
    # RANK over its own column: one copy sorted once a trial, binary searches (_stats._rank)
    "RANK", "RANK.EQ", "RANK.AVG",
    # COUNT of numbers that are never errors: a constant (_stats.fn_count), no line per cell
    "COUNT",
    # FREQUENCY's data (_matrices: its numbers and their flags, a run of 1.0 one slice)
    "FREQUENCY",
    # criteria over ranges of numbers that vary per trial (_long_criteria: lcrit_zfold)
    "COUNTIF", "SUMIF", "AVERAGEIF", "COUNTIFS", "SUMIFS", "AVERAGEIFS", "MINIFS", "MAXIFS"})
# those that gather numbers of a kind that varies as NaN where none (_long_criteria._number_line)
_CRITERIA = frozenset({"COUNTIF", "SUMIF", "AVERAGEIF", "COUNTIFS", "SUMIFS", "AVERAGEIFS",
                       "MINIFS", "MAXIFS"})
LOOSE_CELLS = 64   # cells of such a range that may be copied by a line each
_CELL = re.compile(r"^v(\d+)$")
_CONST = re.compile(r"^k(\d+)$")
_SHAREABLE = re.compile(r"^(?:[xvk]\d+|ur\[\d+, b\]|-?\d+(?:\.\d*)?(?:e[-+]?\d+)?)$")
# a cell drawn with a group (Generator.group: RAND(), NORM.INV(RAND(), mean, sd)): its row of
# ``ur``, and its error (#NUM! where the draw is not finite)
_ROW = re.compile(r"^ur\[(\d+), b\]$")
_ROW_ERROR = re.compile(r"^nf\(ur\[(\d+), b\]\)$")
# a window growing by a row a cell (SUM($E$2:E2) copied down) folded on from the last one's
_RUNNING = {"SUM": "{acc} + {x}", "PRODUCT": "{acc} * {x}"}
ROWS_MIN = 4   # cells of consecutive rows of ``ur`` from which one loop copies or tests them
# one value copied by _fill (``z7[0] = v24``), or a number that may be an error copied as NaN
# there (``z7[0] = sel((w24 == 0), v24, np.nan)``: _long_criteria._number_line)
# (``sel((y24 == 0.0) & (w24 == 0), v24, np.nan)``: NaN where not a number)
_STORE = re.compile(r"^(z\d+)\[(\d+)\] = (?:v(\d+)|sel\((\(y(\d+) == 0\.0\) & \(w\5 == 0\)|"
                    r"\(y(\d+) == 0\.0\)|\(w(\d+) == 0\)), v(?:\5|\6|\7), np\.nan\))$")
# the test on a cell's slot of ``se`` (error code in the low 4 bits, kind tag above) per form
_MASKS = {"": None, "yw": "int(se[b, gi[@]]) == 0", "y": "(int(se[b, gi[@]]) >> 4) == 0",
          "w": "(int(se[b, gi[@]]) & 15) == 0"}


def _stored(m: re.Match) -> tuple[int, str]:
    """The cell a ``_STORE`` line copies and which of its tests it copies NaN under."""
    if m.group(3) is not None:
        return int(m.group(3)), ""
    if m.group(5) is not None:
        return int(m.group(5)), "yw"
    return (int(m.group(6)), "y") if m.group(6) is not None else (int(m.group(7)), "w")


def loop_fills(lines: list[str], i: int, looped: set[int], base: int, tag: str, least: int
               ) -> tuple[list[str], list[int], int] | None:
    """The run of copies from line ``i`` of cells of families into consecutive elements of
    one scratch (``z7[0] = v24``, ``z7[1] = v49``, ...: :meth:`GatherMixin._fill`) as one
    loop reading the cells from their slots (``gi[base:]``); (its lines, the cells in order,
    the line after the run), or None where the run is shorter than ``least``.  The same
    values in the same elements: nothing else changes."""
    m = _STORE.match(lines[i])
    if m is None or _stored(m)[0] not in looped:
        return None
    z, j0, masked = m.group(1), int(m.group(2)), _stored(m)[1]
    cells = [_stored(m)[0]]
    k = i + 1
    while k < len(lines):
        mk = _STORE.match(lines[k])
        if mk is None or mk.group(1) != z or int(mk.group(2)) != j0 + len(cells) \
                or _stored(mk)[0] not in looped or _stored(mk)[1] != masked:
            break
        cells.append(_stored(mk)[0])
        k += 1
    if len(cells) < least:
        return None
    j = f"{tag}j"   # int(...): the computed-slot store the CUDA translator knows
    read = f"sv[b, gi[{base} + {j}]]"
    if masked:   # NaN where the cell's slot of se holds an error code or another kind
        test = _MASKS[masked].replace("@", f"{base} + {j}")   # type: ignore[union-attr]
        read = f"sel({test}, {read}, np.nan)"
    return [f"for {j} in range({len(cells)}):",
            f"    {z}[int({j0} + {j})] = {read}"], cells, k


def fill_savings(lines: list[str], looped: Callable[[int], bool], least: int = FILL_MIN
                 ) -> int:
    """The lines :func:`loop_fills` will take out of ``lines`` (a run of ``n`` copies of
    cells that ``looped`` calls cells of families becomes a loop of 2 lines), for the line
    budget of a kernel."""
    saved, i = 0, 0
    while i < len(lines):
        m = _STORE.match(lines[i]) if lines[i].startswith("z") else None
        if m is None or not looped(_stored(m)[0]):
            i += 1
            continue
        z, j0, n = m.group(1), int(m.group(2)), 1
        while i + n < len(lines):
            mk = _STORE.match(lines[i + n])
            if mk is None or mk.group(1) != z or int(mk.group(2)) != j0 + n \
                    or not looped(_stored(mk)[0]) or _stored(mk)[1] != _stored(m)[1]:
                break
            n += 1
        if n >= least:
            saved += n - 2
        i += n
    return saved


def _fold_bounds(product: bool, ivs: Iterable[iv.Interval]) -> iv.Interval:
    """The bounds of a running SUM (the total of ``ivs``) or PRODUCT (1 times each)."""
    if not product:
        return iv.total(ivs)
    out: iv.Interval = (1.0, 1.0)
    for x in ivs:
        out = iv.mul(out, x)
    return out


def _run(vals: list[Val], j: int) -> tuple[str, int, int]:
    """The run of values from ``vals[j]`` that one loop copies: ("kv", first index, length)
    for constants of consecutive indices, ("ur+" or "ur-", first row, length) for cells
    drawn with a group in rows of ``ur`` ascending or descending by one, else ("", 0, 1)."""
    m = _CONST.match(vals[j].v)
    if m is not None:
        k0, n = int(m.group(1)), 1
        while j + n < len(vals) and vals[j + n].v == f"k{k0 + n}":
            n += 1
        return "kv", k0, n
    m = _ROW.match(vals[j].v)
    if m is None:
        return "", 0, 1
    r0, n = int(m.group(1)), 1
    step = 1 if j + 1 < len(vals) and vals[j + 1].v == f"ur[{r0 + 1}, b]" else -1
    while j + n < len(vals) and vals[j + n].v == f"ur[{r0 + step * n}, b]":
        n += 1
    return ("ur+" if step > 0 else "ur-"), r0, n


def row_errors(terms: list[str]) -> list[str]:
    """Error terms with each run of :data:`ROWS_MIN` or more ``nf(ur[r, b])`` of rows
    ascending or descending by one (cells drawn with a group, in a long range) as one
    ``nf_rows`` loop: each term is 0 or #NUM!, so the run's first non-zero one is #NUM!
    where any is."""
    out: list[str] = []
    j = 0
    while j < len(terms):
        m = _ROW_ERROR.match(terms[j])
        n = 1
        if m is not None:
            r0 = int(m.group(1))
            step = 1 if j + 1 < len(terms) and terms[j + 1] == f"nf(ur[{r0 + 1}, b])" else -1
            while j + n < len(terms) and terms[j + n] == f"nf(ur[{r0 + step * n}, b])":
                n += 1
            if n >= ROWS_MIN:
                out.append(f"nf_rows(ur, {min(r0, r0 + step * (n - 1))}, {n}, b)")
                j += n
                continue
        out.extend(terms[j:j + n])
        j += n
    return out


class GatherMixin:
    """Shared sorted copies and running sums (see the module docstring)."""

    if TYPE_CHECKING:
        lines: list[str]
        cells: dict[Any, Val]
        cell: Any
        cell_number: int
        shared_scratch: set[str]
        program: Any
        model: Any

        def scratch(self, size: int) -> str: ...
        def value(self, expr: str) -> str: ...
        def err(self, expr: str) -> str: ...
        def chain(self, errs: list[str], checks: Any = ()) -> str: ...
        def numbers(self, node: ir.Call, omitted_zero: bool = False) -> tuple[list[Val], str]: ...
        def result(self, expr: str, args: list[Val], checks: Any = (),
                   bounds: iv.Interval = iv.UNKNOWN) -> Val: ...

    # ------------------------------------------------------------ bookkeeping
    def _gather_memo(self) -> dict:
        return self.__dict__.setdefault("_gather_memo_", {})

    def _owner_valid(self, owner: tuple[Any, int]) -> bool:
        """Whether the cell that filled a shared scratch is fused (or is the cell being
        generated): a cell left to numpy, or dropped as too large, filled nothing."""
        c, k = owner
        if c == self.cell and k == self.cell_number:
            return True
        got = self.cells.get(c)
        return got is not None and got.v == f"v{k}"

    def _after(self, owner: tuple[Any, int]) -> None:
        """A line naming the owner's value: this cell is then ordered after it (families and
        chains reorder cells by what they read).  A cell of an array formula other than its
        first is made while the first is (:func:`names_first_cell`: the same cell and number)
        but is a cell of its own, placed by the families apart from the first: it names it too."""
        c, k = owner
        if (names_first_cell(self) or not (c == self.cell and k == self.cell_number)) and \
                not any(line.endswith(f" = v{k}") for line in self.lines):   # once a cell
            self.value(f"v{k}")

    # ------------------------------------------------------------ ranges past the cap
    def loop_gathered(self, a: ir.Area, fn: str) -> bool:
        """Whether ``fn`` may read area ``a`` though it is past ``MAX_AREA_CELLS``: ``fn``
        gathers a long range of numbers into a scratch (:data:`LOOP_GATHERED`) and every cell
        of ``a`` is a number computed in the kernel by a family or a schedule's rows (what the
        line budget loops), so the copy is one loop over their slots, or a cell drawn with a
        group (``NORM.INV(RAND(), mean, sd)`` copied down), a run of rows of ``ur`` copied by
        one ``fill_rows`` and tested by one ``nf_rows`` (:func:`row_errors`)."""
        budget = self.__dict__.get("line_budget")
        if fn not in LOOP_GATHERED or budget is None:
            return False
        looped = getattr(budget, "looped", None)
        if looped is None:
            return False
        other = 0   # cells copied by a line each (a schedule's first row, an input)
        inputs = self.__dict__.get("input_vals", {})
        last = -2   # the row of ``ur`` of the last cell drawn with a group
        for row in a.cells():
            for c in row:
                v = self.cells.get(c)
                if v is None and c not in inputs:
                    continue   # a constant: read in order, copied from kv by loops (_fill)
                if v is not None and v.kind != KNUM and (fn not in _CRITERIA or v.y is None):
                    return False   # a kind that varies: masked reads, a line per cell
                if fn == "COUNT" and (v is None or v.e != "0"):
                    return False   # an input or an error in some trials: a line per cell
                r = None if v is None else _ROW.match(v.v)
                if r is not None:   # drawn with a group: a run of rows is one loop (_run)
                    other += abs(int(r.group(1)) - last) != 1
                    last = int(r.group(1))
                    if other > LOOSE_CELLS:
                        return False
                    continue
                m = None if v is None else _CELL.match(v.v)
                if m is None or not looped(int(m.group(1))):
                    other += 1
                    if other > LOOSE_CELLS:
                        return False
        return True

    def _past_cap(self, vals: list[Val]) -> None:
        """A range past the cap that is not copied by a loop (loop_gathered's promise not
        kept: a value of another kind, or not a plain name): refused, as area_cells would."""
        if len(vals) > MAX_AREA_CELLS:
            raise NotFusable(f"a range of {len(vals)} cells")

    # ------------------------------------------------------------ sorted copies
    def shared_sorted_copy(self, vals: list[Val]) -> str | None:
        """The scratch array holding this trial's ``vals`` (sorted in place by whoever reads
        it first), shared by every cell over the same values; None where they are few or not
        plain names (then each cell makes its own copy)."""
        if len(vals) < GATHER_MIN or not all(_SHAREABLE.match(v.v) for v in vals):
            self._past_cap(vals)
            return None
        memo = self._gather_memo()
        key = ("sorted", tuple(v.v for v in vals))
        got = memo.get(key)
        if got is not None and self._owner_valid(got[1]):
            self._after(got[1])
            return got[0]
        z = self._fill(vals)
        memo[key] = (z, (self.cell, self.cell_number))
        return z

    def _fill(self, vals: list[Val], size: int | None = None,
              into: tuple[str, int] | None = None) -> str:
        """A new shared scratch array (of ``size``, else ``len(vals)``) holding ``vals`` in
        order from its start, or the array ``into`` from the index it names (a run of
        constants with consecutive indices copied from ``kv`` by one loop)."""
        if into is None:
            z, at = self.scratch(len(vals) if size is None else size), 0
            self.shared_scratch.add(z)
        else:
            z, at = into
        j = 0
        while j < len(vals):
            name, k0, n = _run(vals, j)
            if n >= ROWS_MIN and name == "kv":
                self.value(f"fill_kv({z}, {at + j}, kv, {k0}, {n})")
            elif n >= ROWS_MIN:
                step = 1 if name == "ur+" else -1
                self.value(f"fill_rows({z}, {at + j}, ur, {k0}, {step}, {n}, b)")
            else:
                self.lines += [f"{z}[{at + j + i}] = {vals[j + i].v}" for i in range(n)]
            j += n
        return z

    # ------------------------------------------------------------ copies in order
    def gathered(self, vals: list[Val], least: int = GATHER_MIN) -> str | None:
        """A scratch array holding this trial's ``vals`` in order (a run of constants with
        consecutive indices copied from ``kv`` by one loop), shared by every cell over the
        same values and never written by its readers; None where they are fewer than
        ``least``, of a kind that varies per trial, or not plain names (then the caller
        unrolls)."""
        if len(vals) < least or any(v.kind != KNUM for v in vals) \
                or not all(_SHAREABLE.match(v.v) for v in vals):
            self._past_cap(vals)
            return None
        memo = self._gather_memo()
        key = ("ordered", tuple(v.v for v in vals))
        got = memo.get(key)
        if got is not None and self._owner_valid(got[1]):
            self._after(got[1])
            return got[0]
        z = self._stretch_copy(vals)
        if z is None:   # a new copy: later windows inside it copy from it
            z = self._fill(vals)
            self._index_ordered(key[1])
        memo[key] = (z, (self.cell, self.cell_number))
        return z

    def _index_ordered(self, names: tuple[str, ...]) -> None:
        """Note where each value of a new ordered copy sits (for :meth:`_stretch_copy`)."""
        at = self.__dict__.setdefault("_ordered_at_", {})
        for p, name in enumerate(names):
            at.setdefault(name, []).append((names, p))

    def _stretch_copy(self, vals: list[Val]) -> str | None:
        """A new shared scratch array holding ``vals`` that copies, by one ``fill_kv`` line,
        the longest stretch of them an earlier ordered copy holds (``C{r}:C$425`` copied
        down: each window a stretch of a longer one, or a shorter one and a few more cells;
        before, every cell copied its whole window, lines growing with the square of the
        rows), the rest by :meth:`_fill`; None where no valid copy holds 2 of them."""
        memo = self._gather_memo()
        names = tuple(v.v for v in vals)
        n = len(names)
        best: tuple[int, int, int, tuple] | None = None   # (length, at in vals, at in src, owner)
        at = self.__dict__.get("_ordered_at_", {})
        for q, name in enumerate(names):
            if best is not None and n - q <= best[0]:
                break
            for whole, p in at.get(name, ()):
                if q > 0 and p > 0:
                    continue   # a stretch starting inside both: found from q = 0 or p = 0
                m = min(len(whole) - p, n - q)
                if (best is not None and m <= best[0]) or whole[p:p + m] != names[q:q + m]:
                    continue
                got = memo.get(("ordered", whole))
                if got is None or not self._owner_valid(got[1]):
                    continue
                best = (m, q, p, got)
        if best is None or best[0] < 2:
            return None
        m, q, p, got = best
        self._after(got[1])
        z = self._fill(vals[:q], size=n)
        self.value(f"fill_kv({z}, {q}, {got[0]}, {p}, {m})")
        if q + m < n:
            self._fill(vals[q + m:], into=(z, q + m))
        if m < n:   # cells no earlier copy held in order: later windows may copy them
            self._index_ordered(names)
        return z

    # ------------------------------------------------------------ running sums
    def _extended_areas(self) -> set[tuple]:
        """(function, sheet, r1, c1, c2, r2) of every range a SUM or PRODUCT of the slice
        reads."""
        got = self.__dict__.get("_sum_areas_")
        if got is None:
            got = set()
            for c in self.program.steps:
                for n in ir.walk(self.model.code(c).node):
                    if isinstance(n, ir.Call) and n.name in _RUNNING and len(n.args) == 1 \
                            and isinstance(n.args[0], ir.Area):
                        a = n.args[0]
                        got.add((n.name, a.sheet, a.r1, a.c1, a.c2, a.r2))
            self.__dict__["_sum_areas_"] = got
        return got

    def running_sum(self, node: ir.Call) -> Val | None:
        """SUM (PRODUCT) of one range whose first rows another SUM (PRODUCT) of the slice
        already added (multiplied: its fold and first error read from that cell's shared
        scratch, the new rows folded after them, the same operations in the same order); it
        keeps its own fold where a longer range extends it.  A PRODUCT over cells whose kind
        varies per trial is the plain one.  None: the plain SUM (PRODUCT)."""
        name = node.name
        if name not in _RUNNING or len(node.args) != 1 or not isinstance(node.args[0], ir.Area):
            return None
        a = node.args[0]
        if (a.rows and a.rows != a.r2 - a.r1 + 1) or (a.cols and a.cols != a.c2 - a.c1 + 1):
            return None
        extended = (name, a.sheet, a.r1, a.c1, a.c2, a.r2 + 1) in self._extended_areas()
        memo = self._gather_memo()
        prev = None
        for r2 in range(a.r2 - 1, a.r1 - 1, -1):
            got = memo.get((name, a.sheet, a.r1, a.c1, a.c2, r2))
            if got is not None and self._owner_valid(got[1]):
                prev = (r2, got)
                break
        if prev is None and not extended:
            return None
        if prev is None:
            rest = a
        else:
            rest = ir.Area(a.sheet, prev[0] + 1, a.c1, a.r2, a.c2)
        vals, e = self.numbers(ir.Call(name, (rest,)))
        product = name == "PRODUCT"
        if product and any(v.kind != KNUM for v in vals):
            return None   # a number in some trials: counted per trial (fn_product)
        op = _RUNNING[name]
        bounds = _fold_bounds(product, (v.iv for v in vals))
        count = len(vals)
        if prev is None:
            acc = "0.0" if not vals and not product else \
                self._fold(vals, "1.0", op) if product else self._fold(vals[1:], vals[0].v, op)
        else:
            z, owner, pb, pn = prev[1]
            self._after(owner)
            acc = self._fold(vals, self.value(f"{z}[0]"), op)
            pe = self.value(f"int({z}[1])")
            e = self.err(self.chain([pe, e]))
            bounds = _fold_bounds(product, (pb, bounds))
            count += pn
        if extended:
            z = self.scratch(2)
            self.shared_scratch.add(z)
            self.lines += [f"{z}[0] = {acc}", f"{z}[1] = {e}"]
            memo[(name, a.sheet, a.r1, a.c1, a.c2, a.r2)] = (
                z, (self.cell, self.cell_number), bounds, count)
        if product and not count:   # math.product: 0 where there is no number
            return self.result("0.0", [errors_of(e)], bounds=(0.0, 0.0))
        return self.result(acc, [errors_of(e)], bounds=bounds)
