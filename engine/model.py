"""A workbook as a model: parsed formulas, dependencies, the deterministic pass, and the
compiled stochastic slice (:class:`Program`) that backends run."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import ir
from ._area_nodes import ordered, reach
from ._batches import BATCH_MIN, Batches
from ._external_data import cached_unknown, varying_unknown
from ._gcpause import paused
from ._ir_nodes import padded
from ._ragged import Ragged, compute_by_groups, evaluate_by_groups
from ._slice_reach import MAX_REACH_CELLS, dynamic_reach
from ._xlsx_sheet import parse_range
from .compiler import Code, CompileInfo, compile_formula, stream_id
from .errors import FormulaError, LimitError, SpecError, UnsupportedError
from .functions._epoch import use_date1904
from .graph import reachable
from .iterative import iterate_block, order_with_blocks
from .values import NA, REF, VALUE, Grid, Kind, Vec, blank, error, from_scalar
from .workbook import Cell, CellRef, Limits, Workbook, load_workbook

log = logging.getLogger(__name__)


def excel_now() -> float:
    """The current time as an Excel serial number."""
    from openpyxl.utils.datetime import to_excel

    return float(to_excel(dt.datetime.now()))


_NO_INFO = CompileInfo()  # shared by every cell whose compile found nothing to report


class CellCode:
    """A formula cell's IR and the formula cells it reads; its code (and what compiling found,
    ``info``) are compiled on first use.  The deterministic pass releases the code and the IR
    of a cell once computed (parsed and compiled again if asked for): a 10^6-formula check
    keeps the dependencies and values, not 10^6 trees and closures.  ``ref`` is None for
    the member of an array formula (its IR and code are kept)."""

    __slots__ = ("_node", "deps", "ref", "_model", "_code", "_info", "family")

    def __init__(self, node: ir.Node | None, deps: list[CellRef], ref: CellRef | None,
                 model: Model | None = None, code: Code | None = None,
                 family: object = None) -> None:
        self._node: ir.Node | None = node
        self.deps, self.ref, self._model = deps, ref, model
        self._code = code
        self._info: CompileInfo | None = None if code is None else _NO_INFO
        # the parse-cache template whose copy this formula is (engine._batches), or None
        self.family = family

    @property
    def node(self) -> ir.Node:
        node = self._node
        if node is None:
            assert self._model is not None and self.ref is not None
            ref = self.ref
            if self.family is not None:  # a copy of a template: its references moved
                node = self._model.resolver.formulas.rebuild(self.family, ref.row, ref.col)
            self._node = node = node if node is not None else self._model._parse(ref)
        return node

    @property
    def code(self) -> Code:
        code = self._code
        if code is None:
            assert self._model is not None and self.ref is not None
            code, info = _compiled(self.ref, self.node, self._model.workbook)
            # the info first: the app's threads read ``info`` while another compiles (a
            # reader seeing the code set and the info not yet failed its assert)
            if self._info is None:
                self._info = _NO_INFO if info == _NO_INFO else info
            self._code = code
        return code

    @property
    def info(self) -> CompileInfo:
        if self._info is None:
            _ = self.code
        assert self._info is not None
        return self._info

    def release(self) -> None:
        """Drop the compiled code and the IR (made again if asked for)."""
        if self.ref is not None:
            self._code = self._node = None

    def computed_in_batch(self) -> None:
        """Computed with the other copies of its formula, whose first copy's compile found
        nothing to report (engine._batches): the same holds for this one."""
        if self._info is None:
            self._info = _NO_INFO
        self.release()


def _compiled(ref: CellRef, node: ir.Node, workbook: Workbook) -> tuple[Code, CompileInfo]:
    code, info = compile_formula(node, ref)
    cell = workbook.cell(ref)
    if info.unknown and cached_unknown(info, cell):
        info.unsupported -= info.unknown   # Excel's value kept (engine._external_data)
    else:
        info.unknown = set()
    if info.table or info.external or info.unknown:
        # Data Tables are Excel's own what-if machinery, STOCKHISTORY and linked data
        # types come from a service, a VBA function only Excel runs: reported and left
        # out (cached value)
        value = _cached(ref, cell, workbook)
        code = lambda env, v=value: v  # noqa: E731
    return code, info


def _cached(ref: CellRef, cell: Cell | None, workbook: Workbook) -> Vec | Grid:
    """The value Excel cached for a formula: each cell's of an array formula's range."""
    if cell is None or not cell.array_ref or ":" not in cell.array_ref:
        return from_scalar(None if cell is None else cell.value)
    r1, c1, r2, c2 = parse_range(cell.array_ref, str(ref))
    rows = [[from_scalar(None if (x := workbook.cell(CellRef(ref.sheet, r, c))) is None
                         else x.value) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]
    return Grid(rows)


class Model:
    """A loaded workbook with its formulas parsed and compiled on demand."""

    def __init__(self, workbook: Workbook, limits: Limits | None = None) -> None:
        self.workbook = workbook
        self.limits = limits or Limits()
        self.resolver = ir.Resolver(workbook)
        self._code: dict[CellRef, CellCode] = {}
        self._errors: dict[CellRef, str] = {}
        self._formula_index: dict[str, tuple[np.ndarray, np.ndarray, list[CellRef]]] = {}
        self._area_deps: dict[ir.Area, list[CellRef]] = {}
        self._subtotal_masks: dict[tuple[ir.Area, bool, bool], np.ndarray] = {}
        self._sheet_names: list[str] | None = None
        self._last_order: tuple[frozenset[CellRef], tuple[list[CellRef], list[list[CellRef]]]] \
            | None = None
        # cells of the iterative cycles in a compiled slice -> their block (engine.iterative)
        self.iterative_blocks: dict[CellRef, tuple[CellRef, ...]] = {}

    @classmethod
    def open(cls, path: str | Path, limits: Limits | None = None) -> Model:
        limits = limits or Limits()
        return cls(load_workbook(path, limits), limits)

    @classmethod
    def from_cells(cls, cells: dict[str, object], sheets: Sequence[str] = ("Sheet1",)) -> Model:
        """An in-memory workbook: ``{"Sheet1!A1": 3, "Sheet1!B1": "=A1*2"}`` (for tests/scripts)."""
        from .workbook import Sheet

        book = Workbook(Path("<memory>"), {s: Sheet(s) for s in sheets}, {})
        for addr, value in cells.items():
            sheet, _, coord = addr.rpartition("!")
            sheet = sheet.strip("'") or sheets[0]
            if sheet not in book.sheets:
                book.sheets[sheet] = Sheet(sheet)
                book._by_fold[sheet.casefold()] = sheet
            ref = ir.parse_reference(coord, sheet, ir.Resolver(book))
            assert isinstance(ref, ir.Ref), addr
            cell = Cell(formula=value) if isinstance(value, str) and value.startswith("=") else Cell(value=value)
            st = book.sheets[sheet]
            st.cells[(ref.cell.row, ref.cell.col)] = cell
            st.max_row, st.max_col = max(st.max_row, ref.cell.row), max(st.max_col, ref.cell.col)
        return cls(book)

    def evaluate_formula(self, formula: str, inputs: dict[str, object] | None = None,
                         sheet: str | None = None, seed: int = 0) -> Vec | Grid:
        """Evaluate formula text with some cells replaced by per-trial arrays (tests, scripts)."""
        sheet = sheet or self.workbook.first_sheet
        node = ir.parse_formula(formula, sheet, self.resolver)
        here = CellRef(sheet, 1, 1)
        code, info = compile_formula(node, here)
        if info.unsupported:
            raise UnsupportedError(f"{formula}: unsupported {', '.join(sorted(info.unsupported))}")
        values = {self.ref(k, sheet): _as_vec(v) for k, v in (inputs or {}).items()}
        n = max([len(v) for v in values.values()] + [1])
        env = Env(self, n=n, now=excel_now(), seed=seed)
        env.values.update(values)
        try:
            return code(env)
        except Ragged as exc:  # shapes differ between trials: one group of trials at a time
            return evaluate_by_groups(env, code, exc.key)

    # ------------------------------------------------------------ addresses
    def ref(self, text: str, default_sheet: str | None = None) -> CellRef:
        """Parse 'Sheet!B2' (or 'B2' on the default/first sheet) into a CellRef, or SpecError."""
        node = self.node_for_reference(text, default_sheet)
        if isinstance(node, ir.Ref):
            return node.cell
        if isinstance(node, ir.Area) and node.shape == (1, 1):
            return CellRef(node.sheet, node.r1, node.c1)
        raise SpecError(f"{text!r} is not a single cell address such as Sheet1!B2")

    def node_for_reference(self, text: str, default_sheet: str | None = None) -> ir.Node:
        sheet = default_sheet or self.workbook.first_sheet
        node = ir.parse_reference(text.strip(), sheet, self.resolver)
        if node is None:
            target = self.resolver.name(text.strip(), sheet)
            if target is not None:
                node = ir.parse_formula(target, sheet, self.resolver)
        if node is None:
            raise SpecError(f"{text!r} is not a cell or range address")
        if isinstance(node, ir.BadRef):
            raise SpecError(f"{text!r}: {node.reason}")
        if isinstance(node, ir.Ref):
            c = node.cell
            if c.sheet not in self.workbook.sheets:
                raise SpecError(f"{text!r}: no such sheet")
        return node

    def is_formula(self, ref: CellRef) -> bool:
        if ref in self._code:  # parsed already (the common case in a pass over every cell)
            return True
        cell = self.workbook.cell(ref)
        return cell is not None and (cell.formula is not None or cell.array_anchor is not None)

    def sheet_names(self) -> list[str]:
        """The workbook's own sheets in their order (see :meth:`Env.sheet_names`)."""
        names = self._sheet_names
        if names is None:
            names = self._sheet_names = [
                n for n, s in self.workbook.sheets.items()
                if s.external is None and not (s.state == "veryHidden"
                                               and n.startswith("_mcdesk "))]
        return names

    def subtotal_mask(self, area: ir.Area, skip_hidden: bool, skip_filtered: bool = True
                      ) -> np.ndarray:
        """Cells SUBTOTAL counts: not SUBTOTAL/AGGREGATE cells, not the rows a filter hides
        (every function number: ``skip_filtered``), not any hidden row when asked (101-111)
        (fixed by the workbook, so worked out once per range)."""
        key = (area, skip_hidden, skip_filtered)
        keep = self._subtotal_masks.get(key)
        if keep is not None:
            return keep
        sheet = self.workbook.sheets.get(area.sheet)
        keep = np.ones(area.shape, dtype=bool)
        for i, row in enumerate(area.cells() if sheet is not None else []):
            hidden = (skip_hidden and row[0].row in sheet.hidden_rows) or \
                (skip_filtered and row[0].row in sheet.filtered_rows)
            for j, c in enumerate(row):
                cell = sheet.cells.get((c.row, c.col))
                formula = (cell.formula or "").upper() if cell is not None else ""
                if hidden or "SUBTOTAL(" in formula or "AGGREGATE(" in formula:
                    keep[i, j] = False
        self._subtotal_masks[key] = keep
        return keep

    # ------------------------------------------------------------ compile
    def code(self, ref: CellRef) -> CellCode:
        cc = self._code.get(ref)
        if cc is not None:
            return cc
        cell = self.workbook.cell(ref)
        assert cell is not None
        return self._new_code(ref, cell)

    def _new_code(self, ref: CellRef, cell: Cell) -> CellCode:
        """Parse the formula cell ``ref`` (``cell``, not parsed yet) and keep its CellCode."""
        if cell.array_anchor is not None:
            anchor = cell.array_anchor
            r, c = ref.row - anchor.row, ref.col - anchor.col

            def member(env, anchor=anchor, r=r, c=c):
                return env.array_element(anchor, r, c)

            cc = CellCode(ir.Ref(anchor), [anchor], None, code=member)
            self._code[ref] = cc
            return cc
        text = cell.formula
        assert text is not None
        copy = self.resolver.formulas.copy(text, ref.sheet, ref.row, ref.col,
                                           cell.array_ref is not None) \
            if len(text) <= ir.MAX_FORMULA_CHARS else None
        if copy is not None:  # a copy of a template without ranges: its IR made when needed
            family, read = copy
            cc = CellCode(None, self._static_deps(None, read), ref, self, family=family)
        else:
            node = self._parse(ref)
            family, read = self.resolver.formulas.template()
            cc = CellCode(node, self._static_deps(node, read), ref, self, family=family)
        self._code[ref] = cc
        return cc

    def _parse(self, ref: CellRef) -> ir.Node:
        """The IR of a formula cell (a BadRef naming the problem for a formula that cannot be
        read)."""
        cell = self.workbook.cell(ref)
        assert cell is not None and cell.formula is not None
        self.resolver.formulas.template()  # forget what an earlier parse left
        try:
            return ir.parse_formula(cell.formula, ref.sheet, self.resolver, cell=ref,
                                    array=cell.array_ref is not None,
                                    legacy=self.workbook.legacy_formula(ref))
        except FormulaError as exc:
            self._errors[ref] = str(exc)
            return ir.BadRef(cell.formula, str(exc))

    def _static_deps(self, node: ir.Node | None, read: list[ir.Ref | ir.Area] | None = None
                     ) -> list[CellRef]:
        """The formula cells ``node`` reads (``read``: its read_references, when known)."""
        out: list[CellRef] = []
        if read is None:
            assert node is not None
            read = ir.read_references(node)
        got = self._one_area(read)
        if got is not None:
            return got
        code, sheets = self._code, self.workbook.sheets
        for r in read:
            if type(r) is ir.Ref:
                c = r.cell
                if c in code:
                    out.append(c)
                    continue
                sheet = sheets.get(c.sheet)
                cell = None if sheet is None else sheet.cells.get((c.row, c.col))
                if cell is not None and (cell.formula is not None or
                                         cell.array_anchor is not None):
                    out.append(c)
            elif isinstance(r, ir.Ref):
                if self.is_formula(r.cell):
                    out.append(r.cell)
            else:
                out.extend(self._formulas_in(r))
        return out

    def _one_area(self, read: list[ir.Ref | ir.Area]) -> list[CellRef] | None:
        """The formula cells of the one range of ``read`` (the list ``_formulas_in`` keeps,
        shared, not copied) where ``read`` is that range and cells within it, and the range
        holds ``SHARED_DEPS_FROM`` formula cells or more: ``=RANK.AVG(H3,$H$3:$H$10273,1)``
        down 10,271 rows (ys98110 AMD) held 10,271 copies of a list of 10,271 cells
        (844 MB); the same cells, each once (every user of a dependency list takes it as a
        set of cells)."""
        area = None
        for r in read:
            if not isinstance(r, ir.Ref):
                if area is not None and r != area:
                    return None
                area = r
        if area is None:
            return None
        for r in read:
            if isinstance(r, ir.Ref):
                c = r.cell
                if c.sheet != area.sheet or not (area.r1 <= c.row <= area.r2
                                                 and area.c1 <= c.col <= area.c2):
                    return None
        got = self._formulas_in(area)
        return got if len(got) >= SHARED_DEPS_FROM else None

    def _formulas_in(self, area: ir.Area) -> list[CellRef]:
        got = self._area_deps.get(area)
        if got is not None:
            return got
        idx = self._formula_index.get(area.sheet)
        if idx is None:
            sheet = self.workbook.sheets[area.sheet]
            refs = [CellRef(area.sheet, r, c) for (r, c), cell in sheet.cells.items()
                    if cell.formula is not None or cell.array_anchor is not None]
            rows = np.array([x.row for x in refs], dtype=np.int64)
            cols = np.array([x.col for x in refs], dtype=np.int64)
            idx = self._formula_index[area.sheet] = (rows, cols, refs)
        rows, cols, refs = idx
        hit = np.nonzero((rows >= area.r1) & (rows <= area.r2) & (cols >= area.c1) & (cols <= area.c2))[0]
        got = [refs[i] for i in hit]
        self._area_deps[area] = got
        return got

    def _share_refs(self) -> None:
        """Every dependency list and the formula index holding the very CellRef objects that
        key the parsed cells, not the copies each formula's IR made: once the IR is released
        (the deterministic pass), a 10^6-cell workbook keeps one object per cell, not three."""
        code = self._code

        def shared(refs: list[CellRef]) -> list[CellRef]:
            out = []
            for d in refs:
                cc = code.get(d)
                out.append(d if cc is None or cc.ref is None else cc.ref)
            return out

        # a range's list that dependency lists share (_one_area) stays one list
        old = list(self._area_deps.values())
        new: dict[int, list[CellRef]] = {}
        for area, refs in self._area_deps.items():
            self._area_deps[area] = new[id(refs)] = shared(refs)
        for cc in code.values():
            if cc.deps and cc.ref is not None:
                got = new.get(id(cc.deps))
                cc.deps = shared(cc.deps) if got is None else got
        del old
        for sheet, (rows, cols, refs) in self._formula_index.items():
            self._formula_index[sheet] = (rows, cols, shared(refs))

    def deps(self, ref: CellRef) -> list[CellRef]:
        cc = self._code.get(ref)
        if cc is not None:
            return cc.deps
        cell = self.workbook.cell(ref)
        if cell is None or (cell.formula is None and cell.array_anchor is None):
            return []
        return self._new_code(ref, cell).deps

    def upstream(self, targets: Iterable[CellRef]) -> set[CellRef]:
        """Formula cells that ``targets`` depend on (targets included when they are formulas)."""
        return {c for c in reach(targets, self.deps, self._area_deps) if self.is_formula(c)}

    def order(self, cells: Iterable[CellRef], key: frozenset[CellRef] | None = None
              ) -> tuple[list[CellRef], list[list[CellRef]]]:
        """The cells in evaluation order, and the cycles among them (the last set asked for
        is remembered: check and the deterministic pass order the same cells).  ``key``:
        the set of ``cells`` when the caller has it."""
        cells = cells if isinstance(cells, list) else list(cells)
        key = frozenset(cells) if key is None else key
        if self._last_order is not None and self._last_order[0] == key:
            order, cycles = self._last_order[1]
            return list(order), [list(c) for c in cycles]
        # CellRef: a (sheet, row, col) tuple; cells given row by row sort in one pass (a
        # million cells in hash order: seconds)
        nodes = sorted(cells)
        if len(nodes) != len(key):  # the same cell given twice
            nodes = sorted(key)
        got = ordered(nodes, self.deps, self._area_deps)  # a column ranked against itself
        del nodes
        self._last_order = (key, got)
        return list(got[0]), [list(c) for c in got[1]]

    # ------------------------------------------------------------ evaluation
    def evaluate(self, cells: Iterable[CellRef] | None = None, *,
                 overrides: dict[CellRef, Vec] | None = None, now: float | None = None,
                 seed: int = 0) -> tuple[dict[CellRef, Vec], list[list[CellRef]]]:
        """The deterministic pass: every formula cell (or those the given cells need), once.

        Returns the values and the circular references found (cells in a cycle get #REF!... as
        Excel cannot settle them without iteration, they keep their cached values here).
        """
        with paused():
            return self._evaluate(cells, overrides, now, seed)

    def _evaluate(self, cells: Iterable[CellRef] | None, overrides: dict[CellRef, Vec] | None,
                  now: float | None, seed: int) -> tuple[dict[CellRef, Vec], list[list[CellRef]]]:
        targets = self.workbook.formula_cells() if cells is None else list(cells)
        needed = self.upstream(targets)
        if len(needed) >= SHARE_REFS_MIN:
            self._share_refs()
        # the needed cells in the targets' order (sheet by sheet, row by row: cheap to sort)
        ordered = [c for c in targets if c in needed]
        key = frozenset(ordered)
        if len(key) != len(needed):  # cells the targets read, not among them
            ordered.extend(sorted(needed - key))
            key = frozenset(needed)
        del needed
        order, cycles = self.order(ordered, key)
        del ordered
        env = Env(self, n=1, now=excel_now() if now is None else now, seed=seed)
        env.cache_areas = True
        env.blocks = {}  # cycles are iterated below, all together, as check compares them
        if overrides:
            env.values.update(overrides)
        in_cycle = {c for cyc in cycles for c in cyc}
        rest = in_cycle | (key - set(order)) if len(order) != len(key) else in_cycle
        del key
        for c in rest:
            env.values[c] = from_scalar(self.workbook.cell(c).value)
        batches = Batches(self, env, order) if len(order) >= BATCH_MIN else None
        for c in order:
            if c not in env.values and (batches is None or not batches.defer(c)):
                env.compute(c)
        if batches is not None:
            batches.finish()
        calc = getattr(self.workbook, "calc", None)
        if rest and calc is not None and calc.iterate:
            env.cache_areas = False  # iteration changes values already read
            env.areas.clear()
            self._iterate(env, rest, calc.iterate_count, calc.iterate_delta)
        return env.values, cycles

    def _iterate(self, env: Env, cells: set[CellRef], count: int, delta: float) -> int:
        """Excel's iterative calculation of circular cells: recalculate them (sheet by sheet,
        row by row, each pass reading the latest values) from the values the file holds, up
        to ``count`` passes or until no value moves by ``delta`` or more.  Returns the passes."""
        sheet_pos = {name: i for i, name in enumerate(self.workbook.sheets)}
        seq = sorted(cells, key=lambda c: (sheet_pos.get(c.sheet, 0), c.row, c.col))
        for k in range(1, max(count, 1) + 1):
            moved = 0.0
            for c in seq:
                # kept in place: a cell that reads itself reads its value from the pass before
                old = env.values.get(c)
                new = env.compute(c)
                moved = max(moved, _change(old, new))
            if moved < delta:
                return k
        return max(count, 1)

    def compile(self, inputs: Sequence[CellRef], outputs: Sequence[CellRef], *,
                now: float | None = None) -> Program:
        """Compile the stochastic slice between ``inputs`` and ``outputs``."""
        with paused():
            return self._compile(inputs, outputs, now)

    def _compile(self, inputs: Sequence[CellRef], outputs: Sequence[CellRef],
                 now: float | None) -> Program:
        inputs = list(dict.fromkeys(inputs))
        outputs = list(dict.fromkeys(outputs))
        for c in [*inputs, *outputs]:
            if c.sheet not in self.workbook.sheets:
                raise SpecError(f"{c}: no such sheet")
        input_set = set(inputs)

        def deps_cut(ref: CellRef) -> list[CellRef]:
            return [] if ref in input_set else self.deps(ref)

        needed = {c for c in reach(outputs, deps_cut, self._area_deps)
                  if self.is_formula(c) and c not in input_set}
        order, blocks = self._slice_order(needed, deps_cut, deps_cut)
        dynamic = self._dynamic_cells(order)
        varying = self._varying(order, input_set, blocks, dynamic)
        steps = [c for c in order if c in varying]
        problems = []
        for c in steps:
            info = self.code(c).info
            for name in sorted(info.unsupported):
                problems.append(f"{c}: {name}")
            problems += [f"{c}: {name} (a VBA or unknown function: Excel's saved value cannot "
                         "be recomputed per trial)" for name in varying_unknown(self, c)]
        if problems:
            raise UnsupportedError("unsupported function between the inputs and the outputs: "
                                   + "; ".join(problems[:10]))
        now = excel_now() if now is None else now
        constants, _ = self.evaluate([c for c in order if c not in varying], now=now)
        if dynamic:
            order, blocks, varying, constants = self._widen_slice(
                outputs, input_set, needed, (order, blocks, varying), dynamic, constants, now)
            steps = [c for c in order if c in varying]
        mine = {c: blocks[c] for c in steps if c in blocks}
        # an Env made on this model (a backend's numpy part) iterates them: the last compiled
        # slice's cycles win where two slices cut a cycle differently
        self.iterative_blocks.update(mine)
        return Program(self, inputs, outputs, steps, constants, now=now, blocks=mine)

    def _slice_order(self, needed: set[CellRef], deps: Callable[[CellRef], list[CellRef]],
                     deps_cut: Callable[[CellRef], list[CellRef]]
                     ) -> tuple[list[CellRef], dict[CellRef, tuple[CellRef, ...]]]:
        """The cells of a slice in evaluation order following ``deps`` (``deps_cut`` where
        that makes a cycle: the cells an OFFSET reads are then ordered by numpy as it reaches
        them), and the iterative cycles (engine.iterative) of a workbook that iterates."""
        order, cycles = ordered(sorted(needed), deps, self._area_deps)
        if cycles and deps is not deps_cut:
            order, cycles = ordered(sorted(needed), deps_cut, self._area_deps)
        blocks: dict[CellRef, tuple[CellRef, ...]] = {}
        if cycles:
            calc = getattr(self.workbook, "calc", None)
            if calc is None or not calc.iterate:
                raise SpecError("circular reference between the inputs and the outputs (the "
                                "workbook does not use iterative calculation): "
                                + "; ".join(" -> ".join(map(str, cyc[:8])) for cyc in cycles[:3]))
            order, blocks = order_with_blocks(needed, deps_cut, list(self.workbook.sheets))
        return order, blocks

    def _widen_slice(self, outputs: list[CellRef], input_set: set[CellRef], needed: set[CellRef],
                     first: tuple[list[CellRef], dict[CellRef, tuple[CellRef, ...]], set[CellRef]],
                     dynamic: dict[CellRef, set[str] | None], constants: dict[CellRef, Vec],
                     now: float) -> tuple[list[CellRef], dict[CellRef, tuple[CellRef, ...]],
                                          set[CellRef], dict[CellRef, Vec]]:
        """The slice (``first``: its order, iterative blocks and varying cells) with the
        formula cells its OFFSETs and INDIRECTs read where they are placed the same in every
        trial (engine._slice_reach), and what those cells read, so a backend computes them
        per trial; round by round (a cell added may hold an OFFSET too).  Returns the order,
        the iterative blocks, the varying cells and the constants."""
        extra: dict[CellRef, list[CellRef]] = {}

        def deps_cut(ref: CellRef) -> list[CellRef]:
            return [] if ref in input_set else self.deps(ref)

        def deps_x(ref: CellRef) -> list[CellRef]:
            if ref in input_set:
                return []
            more = extra.get(ref)
            return self.deps(ref) + more if more else self.deps(ref)

        order, blocks, varying = first
        seen: set[CellRef] = set()
        budget = MAX_REACH_CELLS
        for _ in range(MAX_REACH_ROUNDS):
            todo = [c for c in dynamic if c not in seen]
            seen.update(todo)
            # where they read cells of the slice only, the order is left as it is (the
            # backends wait for those); cells added: ordered after what they all read
            got = dynamic_reach(self, todo, varying.__contains__, input_set, constants, now,
                                needed, budget)
            if not got:
                break
            starts = {r for rs in got.values() for r in rs if r not in needed}
            budget -= len(starts)
            extra.update(got)
            added = {c for c in reachable(starts, lambda x, held=needed: [] if x in held else deps_x(x))
                     if c not in needed and c not in input_set and self.is_formula(c)}
            if not added:
                break
            needed = needed | added
            order, blocks = self._slice_order(needed, deps_x, deps_cut)
            dynamic = {**dynamic, **self._dynamic_cells(added)}
            varying = self._varying(order, input_set, blocks, dynamic)
            fresh = [c for c in order if c not in varying and c not in constants]
            if fresh:
                constants, _ = self.evaluate(fresh, overrides=constants, now=now)
            log.debug("the compiled slice reads %d more cells through OFFSET/INDIRECT",
                      len(added))
        return order, blocks, varying, {c: v for c, v in constants.items() if c not in varying}

    def _dynamic_cells(self, cells: Iterable[CellRef]) -> dict[CellRef, set[str] | None]:
        """The cells holding an OFFSET or INDIRECT, each with the sheets they may read (None:
        any sheet)."""
        out: dict[CellRef, set[str] | None] = {}
        for c in cells:
            node = self.code(c).node
            if ir.dynamic_references(node):
                out[c] = ir.dynamic_sheets(node)
        return out

    def _varying(self, order: list[CellRef], inputs: set[CellRef],
                 blocks: dict[CellRef, tuple[CellRef, ...]],
                 dynamic: dict[CellRef, set[str] | None]) -> set[CellRef]:
        """The cells of ``order`` that vary per trial: those reading an input or a random
        stream, and their users (a cycle as a whole).  OFFSET and INDIRECT read cells known
        only when they run: such a cell varies when anything on the sheet OFFSET starts from
        varies (any sheet for INDIRECT), found by repeating the pass until nothing changes (``dynamic``: the
        cells holding them, :meth:`_dynamic_cells`)."""
        forced: set[CellRef] = set()
        holds = Holds(inputs)
        while True:
            varying: set[CellRef] = set()
            for c in order:
                cc = self.code(c)
                if c in forced or cc.info.random_streams \
                        or not varying.isdisjoint(cc.deps) \
                        or any(holds(r) for r in ir.read_references(cc.node)):
                    varying.add(c)
                    varying.update(blocks.get(c, ()))  # a cycle varies as a whole
            live = {c.sheet for c in varying} | {c.sheet for c in inputs}
            more = {c for c, sheets in dynamic.items() if c not in varying
                    and live and (sheets is None or sheets & live)}
            if not more:
                return varying
            forced |= more


def _as_vec(x: object) -> Vec:
    if isinstance(x, Vec):
        return x
    if isinstance(x, np.ndarray | list | tuple):
        from .values import from_scalars

        return from_scalars(list(np.asarray(x, dtype=object)) if isinstance(x, np.ndarray) else list(x))
    return from_scalar(x)


def _change(old: Vec | None, new: Vec) -> float:
    """How far a value moved in one pass of iterative calculation (inf: changed kind)."""
    if old is None or old.kind != new.kind:
        return float("inf")
    if old.kind != Kind.NUM:
        return 0.0 if np.array_equal(old.data, new.data) else float("inf")
    with np.errstate(invalid="ignore"):
        d = np.abs(np.asarray(new.data, dtype=np.float64) - np.asarray(old.data, dtype=np.float64))
    return float(np.nanmax(d)) if d.size else 0.0


def _reads(r: ir.Ref | ir.Area, cells: set[CellRef]) -> bool:
    if isinstance(r, ir.Ref):
        return r.cell in cells
    return any(c.sheet == r.sheet and r.r1 <= c.row <= r.r2 and r.c1 <= c.col <= r.c2 for c in cells)


class Holds:
    """Whether a reference (a cell, a range) holds one of ``cells``: a range looked at once
    (a column read by 10^4 cells), over the cells of its sheet at once (numpy), where a
    scan of every cell for every range read was cells x ranges (ys98110 AMD: 20,581 inputs
    x 10,271 reads of one column)."""

    def __init__(self, cells: Iterable[CellRef]) -> None:
        self.cells = cells if isinstance(cells, set | frozenset) else set(cells)
        self.memo: dict[ir.Area, bool] = {}
        self.sheets: dict[str, tuple[np.ndarray, np.ndarray]] | None = None

    def __call__(self, r: ir.Ref | ir.Area) -> bool:
        if isinstance(r, ir.Ref):
            return r.cell in self.cells
        got = self.memo.get(r)
        if got is None:
            if self.sheets is None:
                by: dict[str, list[CellRef]] = {}
                for c in self.cells:
                    by.setdefault(c.sheet, []).append(c)
                self.sheets = {s: (np.array([c.row for c in cs], dtype=np.int64),
                                   np.array([c.col for c in cs], dtype=np.int64))
                               for s, cs in by.items()}
            at = self.sheets.get(r.sheet)
            got = at is not None and bool(np.any((at[0] >= r.r1) & (at[0] <= r.r2)
                                                 & (at[1] >= r.c1) & (at[1] <= r.c2)))
            self.memo[r] = got
        return got


@dataclass
class Program:
    """The compiled stochastic slice: what a backend runs for each chunk of trials."""

    model: Model
    inputs: list[CellRef]
    outputs: list[CellRef]
    steps: list[CellRef]                 # varying formula cells, in evaluation order
    constants: dict[CellRef, Vec]        # formula cells evaluated once
    now: float = 0.0
    # cells of iterative cycles (iterate="1" workbooks) -> their cycle, iterated per trial
    blocks: dict[CellRef, tuple[CellRef, ...]] = field(default_factory=dict)

    @property
    def input_streams(self) -> list[int]:
        return [stream_id(c) for c in self.inputs]

    @property
    def random_streams(self) -> list[int]:
        return [s for c in self.steps for s in self.model.code(c).info.random_streams]

    def fallback_functions(self) -> set[str]:
        return {f for c in self.steps for f in self.model.code(c).info.fallback}

    def run(self, input_values: dict[CellRef, np.ndarray], n: int, rand) -> dict[CellRef, Vec]:
        """Evaluate the slice for ``n`` trials given input samples; returns output values.
        The per-trial arrays it will hold are estimated first (``Limits.model_budget``)."""
        if self.steps:
            self.model.limits.model_budget(len(self.steps) + len(input_values), n, self.steps[0])
        env = Env(self.model, n=n, now=self.now, rand=rand)
        env.blocks = self.blocks
        env.values.update(self.constants)
        for c, x in input_values.items():
            env.values[c] = Vec(Kind.NUM, np.asarray(x, dtype=np.float64))
        for c in self.steps:
            env.compute(c)
        return {c: env.cell(c) for c in self.outputs}


MAX_REACH_ROUNDS = 8           # rounds of cells an OFFSET reads that hold an OFFSET
SHARE_REFS_MIN = 50_000          # formula cells from which a pass shares their CellRefs
SHARED_DEPS_FROM = 64            # formula cells of a range whose list its readers share
AREA_CACHE_MIN = 64              # ranges smaller than this are cheaper to read again
AREA_CACHE_CELLS = 20_000_000    # cells of the ranges the deterministic pass keeps
CONSTANTS_SHARED = 65_536        # distinct constants whose Vec the cells holding them share
_SHARED_TYPES = (float, int, str, bool)


class Env:
    """Evaluation environment: computed values, workbook constants, random streams."""

    def __init__(self, model: Model, n: int, now: float, rand=None, seed: int = 0) -> None:
        self.model = model
        self.n = n
        self.now = now  # in the 1900 date system (TODAY and NOW move it to the workbook's)
        use_date1904(model.workbook.date1904)
        self.values: dict[CellRef, Vec] = {}
        self.arrays: dict[CellRef, Grid] = {}
        self._rand = rand
        self._seed = seed
        self._computing: set[CellRef] = set()
        self._current: CellRef | None = None  # the cell being computed (for limit errors)
        # the deterministic pass sets each value once: a range read again (a lookup table, a
        # whole column) is then the same Grid, kept while it holds at most AREA_CACHE_CELLS
        self.cache_areas = False
        self.areas: dict[ir.Area, Grid] = {}
        self._area_cells = 0
        self._cycle_hits = 0  # reads of a cell being computed (#REF!, not its final value)
        # iterative cycles of the compiled slice: computed as a block (engine.iterative)
        self.blocks = model.iterative_blocks
        self._blocks_done: set[int] = set()
        self._iterating = False
        self.crashes: dict[CellRef, str] = {}  # cells whose evaluation raised (shown by check)
        # one Vec per distinct constant (by type and value), for the first CONSTANTS_SHARED
        self._constants: dict[tuple[type, object], Vec] = {}

    def rand(self, stream: int) -> np.ndarray:
        if self._rand is not None:
            return self._rand(stream)
        from .sampling import uniforms

        return uniforms(self._seed, stream, 0, self.n)

    def sheet_names(self) -> list[str]:
        """The workbook's own sheets in their order (hidden ones too; not external-link
        caches nor the slot sheets of add-in calls), for SHEET and SHEETS."""
        return self.model.sheet_names()

    def resolve(self, text: str, sheet: str) -> ir.Node:
        if text.lstrip().startswith("''!"):   # an empty sheet name names nothing (Excel's
            return ir.Err(REF)                # INDIRECT("''!A1") is #REF!, not this sheet)
        try:
            node = ir.parse_reference(text.strip(), sheet, self.model.resolver)
            if node is None and "[" in text:   # a structured reference: Table1[Column]
                node = ir.structured_reference(text.strip(), self.model.resolver, None)
                if node is not None and not isinstance(node, ir.Ref | ir.Area):
                    node = ir.Err(REF)
            if node is None:
                target = self.model.resolver.name(text.strip(), sheet)
                node = ir.parse_formula(target, sheet, self.model.resolver) if target else None
        except FormulaError:
            node = None
        return node if node is not None else ir.Err(REF)

    def cell(self, ref: CellRef) -> Vec:
        v = self.values.get(ref)
        if v is not None:
            return v
        wb_cell = self.model.workbook.cell(ref)
        if wb_cell is None:
            return blank()
        if wb_cell.formula is None and wb_cell.array_anchor is None:
            x = wb_cell.value
            # shared by type and value (not zeros: 0.0 and -0.0 are equal keys)
            shared = type(x) in _SHARED_TYPES and x
            key = (type(x), x)
            v = self._constants.get(key) if shared else None
            if v is None:
                v = from_scalar(x)
                if shared and len(self._constants) < CONSTANTS_SHARED:
                    self._constants[key] = v
            self.values[ref] = v
            return v
        return self.compute(ref)  # a dynamic reference (OFFSET/INDIRECT) reached a formula

    def compute(self, ref: CellRef) -> Vec:
        if self.blocks and not self._iterating and ref in self.blocks:
            return self._iterate(self.blocks[ref], ref)
        if ref in self._computing:
            self._cycle_hits += 1
            return error(REF)
        self._computing.add(ref)
        cc = self.model.code(ref)
        outer, self._current = self._current, ref
        try:
            out = cc.code(self)
            if self.cache_areas:  # the deterministic pass computes each cell once
                cc.release()
        except LimitError as exc:  # e.g. an array budget: name the innermost cell, once
            if not getattr(exc, "names_cell", False):
                if not str(exc).startswith(f"{ref}: "):
                    exc.args = (f"{ref}: {exc}",)
                exc.names_cell = True  # type: ignore[attr-defined]
            raise
        except Ragged as exc:  # shapes differ between trials: one group of trials at a time
            return compute_by_groups(self, ref, exc.key)
        except Exception as exc:  # a bug or a case the library does not handle: contain it
            log.warning("%s: internal error evaluating %s: %r", ref, ir.unparse(cc.node, ref.sheet), exc)
            self.crashes[ref] = f"{type(exc).__name__}: {exc}"
            out = error(VALUE, self.n)
        finally:
            self._computing.discard(ref)
            self._current = outer
        if isinstance(out, Grid):
            cell = self.model.workbook.cell(ref)
            if cell is not None and cell.array_ref:
                self.arrays[ref] = out
                out = out.cells[0][0] if out.cells and out.cells[0] else error(NA)
            else:
                out = implicit_intersection(out, ref)
        self.values[ref] = out
        return out

    def _iterate(self, block: tuple[CellRef, ...], ref: CellRef) -> Vec:
        """A cell of an iterative cycle: the whole cycle iterated for every trial once."""
        if id(block) not in self._blocks_done:
            self._blocks_done.add(id(block))
            calc = self.model.workbook.calc
            self._iterating = True
            try:
                iterate_block(self, block, calc.iterate_count, calc.iterate_delta)
            finally:
                self._iterating = False
        return self.values[ref]

    def array_element(self, anchor: CellRef, r: int, c: int) -> Vec:
        if anchor not in self.values:
            self.compute(anchor)
        g = self.arrays.get(anchor)
        if g is None:
            v = self.values[anchor]
            return v
        rows, cols = g.shape
        if rows == 1 and cols >= 1 and r >= 1:
            r = 0 if rows == 1 else r
        if cols == 1 and c >= 1:
            c = 0
        if r >= rows or c >= cols:
            return error(NA)
        return g.cells[r][c]

    def area(self, area: ir.Area) -> Grid:
        """The cells of ``area``: the part its sheet can hold values in, then its empty
        cells up to the size written (Excel's ``{=SUM(IF(B2:B99="",1,0))}`` counts them, and
        they broadcast against ``ROW(B2:B99)``) where that is at most ``PAD_LINES`` long
        along an axis (ROW() of a whole column keeps the sheet's part the same way) and adds
        at most ``PAD_ADDED`` empty cells, so an OFFSET or INDIRECT to a huge range, ``A:A``
        or ``$A$2:$A$65536`` read by every SUMIF of a column costs what the sheet holds
        (:func:`engine._ir_nodes.padded`)."""
        sheet = self.model.workbook.sheets.get(area.sheet)
        if sheet is not None:
            area = padded(area, max(sheet.max_row, 1), max(sheet.max_col, 1))
        rows, cols = area.shape
        limit = self.model.limits.max_range_cells
        if rows * cols > limit:
            where = f"{self._current}: " if self._current is not None else ""
            raise LimitError(f"{where}the range {area} reads {rows * cols:,} cells, above the "
                             f"limit of {limit:,} {Limits.hint('max_range_cells')}")
        cache = self.cache_areas and rows * cols >= AREA_CACHE_MIN
        if cache:
            got = self.areas.get(area)
            if got is not None:
                return got
        hits = self._cycle_hits
        if sheet is not None and (area.r2 > sheet.max_row or area.c2 > sheet.max_col):
            last_row, last_col = max(sheet.max_row, 1), max(sheet.max_col, 1)
            # the cells past the sheet's: one empty value, unless the env holds one (a value
            # given to evaluate_formula, a cell set by the run): no workbook lookups
            empty, held = blank(), self.values.get
            cells = [[self.cell(c) if c.row <= last_row and c.col <= last_col else held(c, empty)
                      for c in row] for row in area.cells()]
            grid = Grid(cells, area)
        else:
            grid = Grid([[self.cell(c) for c in row] for row in area.cells()], area)
        if cache and hits == self._cycle_hits and self._area_cells + rows * cols <= AREA_CACHE_CELLS:
            self.areas[area] = grid
            self._area_cells += rows * cols
        return grid

    def subtotal_mask(self, area: ir.Area, skip_hidden: bool, skip_filtered: bool = True
                      ) -> np.ndarray:
        return self.model.subtotal_mask(area, skip_hidden, skip_filtered)


def implicit_intersection(g: Grid, at: CellRef) -> Vec:
    """Reduce a range to the one cell in the formula's row or column (Excel's @ operator)."""
    a = g.area
    if not isinstance(a, ir.Area):
        rows, cols = g.shape
        return g.cells[0][0] if rows and cols else error(VALUE)
    rows, cols = a.declared_shape
    if rows == 1 and cols == 1:
        return g.cells[0][0]
    # Excel intersects by position: the range may be on another sheet; past the cells read
    # (a clipped whole column) the cell is empty
    if cols == 1 and a.r1 <= at.row <= a.last_row:
        return g.cells[at.row - a.r1][0] if at.row <= a.r2 else blank()
    if rows == 1 and a.c1 <= at.col <= a.last_col:
        return g.cells[0][at.col - a.c1] if at.col <= a.c2 else blank()
    return error(VALUE)
