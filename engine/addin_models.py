"""An @RISK / Analytic Solver / ModelRisk workbook as the engine runs it.

:func:`addin_book` reads every formula that calls an add-in function
(:func:`engine.addins.read_cell`) once per opened model, and gives an :class:`AddinBook`:
its inputs (with their distributions and properties), outputs (with their names),
correlation matrices (RiskCorrmat / PsiCorrMatrix / VoseCorrMatrix), simtable values,
statistics cells and the add-in functions it does not know.  From it come derived models
that share the workbook's cells and change only the add-in ones:

* :meth:`AddinBook.check_model`: each cell holding a distribution, a simtable or a
  statistic has Excel's cached value (RiskStatic's when there is none); output marks are 0;
* :meth:`AddinBook.simulation_model` (simulation ``k`` of a simtable): each whole-formula
  distribution cell is an input; a nested call is replaced by a slot cell on a very hidden
  sheet ``"_mcdesk <sheet> #<n>"`` at the host's address, itself an input, so the host's formula is
  computed around the sampled value; simtable calls read a slot holding the k-th value;
  a parameter written as an expression is computed in a slot formula;
* :meth:`AddinBook.statistics_model`: the check model with each statistic call replaced
  by the run's number, so a statistics cell is computed as its formula says.

:func:`for_simulation` is what :func:`engine.simulate.prepare` calls: the simulation model
and the spec with the workbook's own inputs, outputs and correlations (a cell the spec
declares itself keeps the spec's distribution), refusing (SpecError, exit 2 in the CLI)
when an unknown add-in function, or one that cannot be read, is in a cell the outputs
depend on.  A distribution whose parameter depends on an input (or on RAND()) is no input
of the spec: its cell (or slot) samples it per trial with ``MCDESK.SAMPLE`` on its own
keyed stream (:meth:`AddinBook.dependent`, :func:`sample_formula`); Latin hypercube and
correlation do not apply to it.
"""

from __future__ import annotations

import logging
import math
import threading
import weakref
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .addins import (
    MAY_HOLD,
    PAIRED,
    AddinCell,
    default_slot_sheet,
    hint,
    product_of,
    read_cell,
)
from .errors import McdeskError, SpecError
from .model import Model
from .spec import CorrelationSpec, InputSpec, SimulationSpec, _cell_key
from .workbook import Cell, CellRef, Sheet

log = logging.getLogger(__name__)

__all__ = ["AddinBook", "addin_book", "effective_spec", "for_simulation", "simulation_model",
           "statistic_values"]

_BOOKS: weakref.WeakKeyDictionary[Model, AddinBook | None] = weakref.WeakKeyDictionary()
_DERIVED: weakref.WeakKeyDictionary[Model, AddinBook] = weakref.WeakKeyDictionary()
_READING = threading.Lock()   # a model is read once (reading adds the slot sheets to it)


@dataclass
class AddinBook:
    """What an add-in workbook declares (see the module docstring)."""

    model: Model
    cells: dict[CellRef, AddinCell]
    product: str
    inputs: list[InputSpec] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)          # cell -> name ("" none)
    correlations: list[CorrelationSpec] = field(default_factory=list)
    simtables: dict[str, list[float]] = field(default_factory=dict)  # slot -> values
    statistics: list[CellRef] = field(default_factory=list)
    unknown: dict[str, list[str]] = field(default_factory=dict)    # function -> cells
    problems: dict[str, str] = field(default_factory=dict)         # cell -> why
    percentiles: dict[str, str] = field(default_factory=dict)      # input -> ModelRisk's U
    _models: dict[Any, Model] = field(default_factory=dict, repr=False)
    _dependent: dict[frozenset[str], dict[str, str]] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------ what it holds
    @property
    def simulations(self) -> int:
        """How many simulations the simtables ask for (1 without one)."""
        return max((len(v) for v in self.simtables.values()), default=1)

    def summary(self) -> dict[str, Any]:
        """For REPORT.json / RESULT.json: counts, names and what is not supported."""
        return {"product": self.product,
                "inputs": len(self.inputs) - len(self.dependent()),
                "outputs": dict(self.outputs),
                "correlations": [{"inputs": c.inputs, "size": len(c.inputs)}
                                 for c in self.correlations],
                "simulations": self.simulations,
                "statistics_cells": [str(c) for c in self.statistics],
                "cells": len(self.cells),
                "unknown": {k: list(v) for k, v in self.unknown.items()},
                "dependent": list(self.dependent().values()),
                "problems": dict(self.problems)}

    def refusals(self) -> list[str]:
        """One line per add-in function that the library does not know, or per cell it
        cannot read, naming the cells."""
        lines = [f"{f} in {', '.join(cells[:10])}: this add-in function is not supported"
                 + (f"; {hint(f)}" if hint(f) else "") for f, cells in sorted(self.unknown.items())]
        lines += [why for _, why in sorted(self.problems.items())]
        return lines

    # ------------------------------------------------------------ derived models
    def _derive(self, changed: dict[CellRef, Cell], slots: dict[CellRef, Cell]) -> Model:
        wb = self.model.workbook
        sheets = dict(wb.sheets)
        copied: set[str] = set()
        for ref, cell in changed.items():
            if ref.sheet not in copied:
                sheets[ref.sheet] = replace(sheets[ref.sheet], cells=dict(sheets[ref.sheet].cells))
                copied.add(ref.sheet)
            sheets[ref.sheet].cells[(ref.row, ref.col)] = cell
        _add_slots(sheets, slots, fresh=True)
        derived = Model(replace(wb, sheets=sheets), self.model.limits)
        _DERIVED[derived] = self
        return derived

    def _cached(self, ref: CellRef) -> Cell:
        cell = self.model.workbook.cell(ref)
        got = self.cells[ref]
        value = None if cell is None else cell.value
        if value is None and got.input is not None and got.input.static is not None:
            value = got.input.static
        return Cell(value=value, number_format=cell.number_format if cell else "General")

    def check_model(self) -> Model:
        """Each distribution, simtable and statistics cell with its cached value; output
        marks read as 0."""
        got = self._models.get("check")
        if got is None:
            changed = {}
            bad = self._problem_refs()
            for ref, c in self.cells.items():
                if c.stochastic or c.statistics or c.held or any(s.kind == "simtable"
                                                                 for s in c.slots):
                    changed[ref] = self._cached(ref)
                elif c.always and not c.unknown and ref not in bad:
                    changed[ref] = _rewritten(self.model.workbook.cell(ref), c.always)
            got = self._models["check"] = self._derive(changed, {})
        return got

    def _problem_refs(self) -> set[CellRef]:
        return {self.model.ref(c) for c in self.problems}

    def simulation_model(self, sim: int = 0, extra: frozenset[str] = frozenset()) -> Model:
        """The model simulation ``sim`` (0-based) of the simtable runs (see the module
        docstring); ``extra``: cells a spec declares inputs too (see :meth:`dependent`)."""
        return self._model_for(sim, self.dependent(extra))

    def _model_for(self, sim: int, dependent: dict[str, str]) -> Model:
        key = ("sim", sim, frozenset(dependent))
        got = self._models.get(key)
        if got is None:
            got = self._models[key] = self._simulation_model(sim, dependent)
        return got

    def extra_inputs(self, spec: SimulationSpec) -> frozenset[str]:
        """The cells ``spec`` declares inputs that the workbook does not."""
        ours = {_cell_key(i.cell) for i in self.inputs}
        return frozenset(i.cell for i in spec.inputs if _cell_key(i.cell) not in ours)

    def _simulation_model(self, sim: int, dependent: dict[str, str]) -> Model:
        """The simulation model; each input of ``dependent`` (cell -> why) is a formula that
        samples it per trial (:func:`sample_formula`) instead of an input."""
        changed: dict[CellRef, Cell] = {}
        slots: dict[CellRef, Cell] = {}
        bad = self._problem_refs()
        for ref, c in self.cells.items():
            if ref in bad or c.unknown:
                continue
            if c.input is not None:
                changed[ref] = Cell(formula=self.sample_formula(c.input)) \
                    if _cell_key(c.input.cell) in dependent else \
                    Cell(value=c.input.static if c.input.static is not None else 0.0)
            elif c.held or (c.statistics and not c.stochastic):
                changed[ref] = self._cached(ref)
            elif c.replace or c.always:
                changed[ref] = _rewritten(self.model.workbook.cell(ref), c.replace + c.always)
            nested = {_cell_key(inp.cell): inp for inp, _ in c.nested}
            for s in c.slots:
                at = _slot_ref(s.address)
                if s.kind == "input":
                    inp = nested[_cell_key(s.address)]
                    slots[at] = Cell(formula=self.sample_formula(inp)) \
                        if _cell_key(inp.cell) in dependent else Cell(value=0.0)
                elif s.kind == "param":
                    slots[at] = Cell(formula=s.formula)
                else:
                    values = self.simtables[s.address]
                    slots[at] = Cell(value=values[sim] if sim < len(values) else values[-1])
        return self._derive(changed, slots)

    def statistics_model(self, numbers: dict[CellRef, list[float | None]]) -> Model:
        """The check model with each statistics call of ``numbers``' cells replaced by its
        number (None: ``NA()``)."""
        base = self.check_model()
        changed = {}
        for ref, values in numbers.items():
            c = self.cells[ref]
            spans = [(a, b, _literal(v)) for (a, b, *_), v in zip(c.statistics, values,
                                                                   strict=True)]
            spans += c.always
            changed[ref] = _rewritten(self.model.workbook.cell(ref), spans)
        wb = base.workbook
        sheets = dict(wb.sheets)
        for ref, cell in changed.items():
            sheet = replace(sheets[ref.sheet], cells=dict(sheets[ref.sheet].cells))
            sheet.cells[(ref.row, ref.col)] = cell
            sheets[ref.sheet] = sheet
        return Model(replace(wb, sheets=sheets), self.model.limits)

    # ------------------------------------------------------------ the run
    def spec(self, spec: SimulationSpec) -> SimulationSpec:
        """``spec`` with the workbook's inputs (a cell the spec gives keeps the spec's),
        its outputs when the spec names none, and its correlations (unless the spec
        correlates one of their inputs itself)."""
        dependent = self.dependent(self.extra_inputs(spec))
        # the workbook's own input handed back unchanged (the app lists them all) stays
        # sampled per trial when a declared input feeds its parameters
        own = {_cell_key(i.cell): i.to_dict() for i in self.inputs}
        declared = [i for i in spec.inputs if not (_cell_key(i.cell) in dependent
                                                   and own.get(_cell_key(i.cell)) == i.to_dict())]
        given = {_cell_key(i.cell) for i in declared}
        inputs = [i for i in self.inputs if _cell_key(i.cell) not in given | set(dependent)] \
            + declared
        outputs = list(spec.outputs) or list(self.outputs)
        mine = {_cell_key(c) for g in spec.correlations for c in g.inputs}
        ours = [_without(c, dependent) for c in self.correlations
                if not mine & {_cell_key(x) for x in c.inputs}]
        ours = [c for c in ours if len(c.inputs) > 1]
        out = SimulationSpec(inputs=[InputSpec.from_dict(i.to_dict(), i.cell) for i in inputs],
                             outputs=outputs, trials=spec.trials, seed=spec.seed,
                             sampling=spec.sampling,
                             correlations=ours + [CorrelationSpec(list(c.inputs), c.matrix)
                                                  for c in spec.correlations],
                             precision=spec.precision)
        return out

    def refuse(self, model: Model, outputs: list[CellRef]) -> None:
        """SpecError when a cell the outputs depend on calls an add-in function the
        library does not know or cannot read."""
        if self.unknown or self.problems:
            upstream = model.upstream(outputs) | set(outputs)
            lines = []
            for f, cells in sorted(self.unknown.items()):
                hit = [c for c in cells if model.ref(c) in upstream]
                if hit:
                    lines.append(f"{f} in {', '.join(hit[:10])}: this add-in function is not "
                                 "supported, and the outputs depend on it"
                                 + (f"; {hint(f)}" if hint(f) else ""))
            lines += [why for c, why in sorted(self.problems.items())
                      if model.ref(c) in upstream]
            if lines:
                raise SpecError("; ".join(lines))

    def dependent(self, extra: frozenset[str] = frozenset()) -> dict[str, str]:
        """The inputs whose parameters vary per trial: ``{cell: why}`` for each distribution
        a parameter of which reads an input (the workbook's, or a cell of ``extra`` that a
        spec declares an input), or a RAND()-like cell, itself or through formulas (one pass
        over the formulas the parameters depend on, in order).  These are sampled by a
        formula (:func:`sample_formula`), not as inputs of the spec."""
        got = self._dependent.get(extra)
        if got is not None:
            return got
        from . import ir

        model = self._model_for(0, {})
        stochastic = {model.ref(i.cell) for i in self.inputs} | {model.ref(c) for c in extra}
        by_sheet: dict[str, list[CellRef]] = {}
        for c in stochastic:
            by_sheet.setdefault(c.sheet, []).append(c)

        def reads(r: ir.Ref | ir.Area) -> CellRef | None:
            if isinstance(r, ir.Ref):
                return r.cell if r.cell in stochastic else None
            return next((c for c in by_sheet.get(r.sheet, ()) if r.r1 <= c.row <= r.r2
                         and r.c1 <= c.col <= r.c2), None)

        params: list[tuple[InputSpec, str, list[CellRef]]] = []
        for inp in self.inputs:
            sheet = model.ref(inp.cell).sheet
            for name, text in inp.params.items():
                if not isinstance(text, str):
                    continue
                try:
                    node = model.node_for_reference(text, sheet)
                except McdeskError:
                    continue
                cells = [node.cell] if isinstance(node, ir.Ref) else [
                    c for row in node.cells() for c in row] if isinstance(node, ir.Area) else []
                params.append((inp, name, cells))
        formulas = [c for _, _, cells in params for c in cells if model.is_formula(c)]
        source: dict[CellRef, CellRef] = {}      # formula cell -> an input it reads
        if formulas:
            order, _ = model.order(model.upstream(formulas))
            for c in order:
                code = model.code(c)
                hit = c if code.info.random_streams else next(
                    (x for r in ir.references(code.node) if (x := reads(r)) is not None), None)
                if hit is None:
                    hit = next((source[d] for d in model.deps(c) if d in source), None)
                if hit is not None:
                    source[c] = hit
        out: dict[str, str] = {}
        for inp in self.inputs:
            u = self.percentiles.get(_cell_key(inp.cell))
            if u is not None:
                out[_cell_key(inp.cell)] = (f"{inp.cell}: {inp.distribution} at the "
                                            f"percentile {u} (ModelRisk's U)")
        for inp, name, cells in params:
            hit = next((c if c in stochastic else source[c] for c in cells
                        if c in stochastic or c in source), None)
            if hit is not None and _cell_key(inp.cell) not in out:
                out[_cell_key(inp.cell)] = (f"{inp.cell}: {inp.distribution} {name} depends "
                                            f"on {hit}: sampled per trial")
        self._dependent[extra] = out
        return out

    def sample_formula(self, inp: InputSpec) -> str:
        """The formula sampling ``inp`` per trial: at ModelRisk's U when it has one."""
        return sample_formula(inp, self.percentiles.get(_cell_key(inp.cell), "RAND()"))


def sample_formula(inp: InputSpec, u: str = "RAND()") -> str:
    """``=MCDESK.SAMPLE(RAND(),"poisson","lambda",<param>)``: the formula that samples
    ``inp`` per trial (:mod:`engine.functions.addin_sample`) from the keyed stream of its
    own cell (or at the percentile ``u``), its parameters read as the formula reads them."""
    from .functions.addin_sample import NAME

    def arg(v: Any) -> str:
        if isinstance(v, list):
            return "{" + ",".join(repr(float(x)) for x in v) + "}"
        return v if isinstance(v, str) else repr(float(v))

    parts = [u, f'"{inp.distribution}"']
    for k, v in inp.params.items():
        parts += [f'"{k}"', arg(v)]
    for k, v in (inp.truncate or {}).items():
        parts += [f'"truncate.{k}"', arg(v)]
    if inp.shift:
        parts += ['"shift"', arg(inp.shift)]
    return f"={NAME}({','.join(parts)})"


def _without(corr: CorrelationSpec, dependent: dict[str, str]) -> CorrelationSpec:
    """``corr`` without the inputs sampled per trial (their parameters vary: a rank
    correlation does not apply to them; said once in the log)."""
    keep = [i for i, c in enumerate(corr.inputs) if _cell_key(c) not in dependent]
    if len(keep) < len(corr.inputs):
        log.warning("correlation: %s left out (parameters that vary per trial)",
                    ", ".join(c for c in corr.inputs if _cell_key(c) in dependent))
    return CorrelationSpec([corr.inputs[i] for i in keep],
                           [[float(corr.matrix[i][j]) for j in keep] for i in keep])


def _add_slots(sheets: dict[str, Sheet], slots: dict[CellRef, Cell], fresh: bool) -> None:
    """Put ``slots`` on their very hidden sheets in ``sheets`` (new Sheet objects when
    ``fresh``: a derived model never writes into another's)."""
    made: set[str] = set()
    for ref, cell in slots.items():
        sheet = sheets.get(ref.sheet)
        if sheet is None or (fresh and ref.sheet not in made):
            sheet = sheets[ref.sheet] = Sheet(ref.sheet, cells=dict(sheet.cells) if sheet else {},
                                              max_row=sheet.max_row if sheet else 0,
                                              max_col=sheet.max_col if sheet else 0,
                                              state="veryHidden")
            made.add(ref.sheet)
        sheet.cells[(ref.row, ref.col)] = cell
        sheet.max_row, sheet.max_col = max(sheet.max_row, ref.row), max(sheet.max_col, ref.col)


def _slot_ref(address: str) -> CellRef:
    sheet, _, coord = address.rpartition("!")
    if sheet.startswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    letters, row = coordinate_from_string(coord)
    return CellRef(sheet, row, column_index_from_string(letters))


def _literal(v: float | None) -> str:
    if v is None or not math.isfinite(v):
        return "NA()"
    return f"({v!r})" if v < 0 else repr(float(v))


def _rewritten(cell: Cell | None, spans: list[tuple[int, int, str]]) -> Cell:
    text = cell.formula if cell is not None and cell.formula else "="
    for a, b, new in sorted(spans, reverse=True):
        text = text[:a] + new + text[b:]
    return Cell(value=None if cell is None else cell.value, formula=text,
                number_format=cell.number_format if cell else "General")


def _read(model: Model) -> AddinBook | None:
    wb = model.workbook
    cells: dict[CellRef, AddinCell] = {}
    functions: set[str] = set()
    problems: dict[str, str] = {}

    def slot_sheet(sheet: str, k: int) -> str:
        name = default_slot_sheet(sheet, k)
        while wb.sheet_name(name) is not None:
            name += "#"
        return name

    def lookup(text: str, sheet: str) -> object:
        from . import ir

        try:
            node = model.node_for_reference(text, sheet)
        except McdeskError:
            return None
        cell = wb.cell(node.cell) if isinstance(node, ir.Ref) else None
        return None if cell is None else cell.value

    for ref in wb.formula_cells():
        cell = wb.cell(ref)
        formula = cell.formula if cell is not None else None
        if not formula or not MAY_HOLD.search(formula):
            continue
        try:
            got = read_cell(str(ref), formula, slot_sheet, lookup)
        except SpecError as exc:
            problems[str(ref)] = str(exc)
            functions.add("RISK" if "risk" in formula.lower() else "PSI"
                          if "psi" in formula.lower() else "VOSE")
            continue
        if not got.functions:
            continue
        functions |= got.functions
        for p in got.problems:
            problems[str(ref)] = p
        cells[ref] = got
    if not cells and not problems:
        return None
    book = AddinBook(model, cells, product_of(functions), problems=problems)
    groups: dict[tuple[str, int], list[tuple[int, str]]] = {}
    where: dict[tuple[str, int], str] = {}   # the sheet a matrix name is read on
    for ref, got in cells.items():
        for f in got.unknown:
            book.unknown.setdefault(f, []).append(str(ref))
        book.percentiles.update({_cell_key(k): v for k, v in got.percentiles.items()})
        members = [(got.input, got.corrmat)] if got.input is not None else []
        for inp, corr in [*members, *got.nested]:
            book.inputs.append(inp)
            if corr is not None and corr[0].startswith(PAIRED):  # (role, rho) per member
                groups.setdefault((corr[0], 0), []).append(((corr[1], corr[2]), inp.cell))
            elif corr is not None:
                groups.setdefault((corr[0], corr[2]), []).append((corr[1], inp.cell))
                where.setdefault((corr[0], corr[2]), ref.sheet)
        if got.is_output:
            book.outputs[str(ref)] = got.output or ""
        if got.statistics:
            book.statistics.append(ref)
    check = book.check_model()
    for ref, got in cells.items():
        for s in got.slots:
            if s.kind == "simtable":
                book.simtables[s.address] = _numbers(check, s.values, ref)
    if len({len(v) for v in book.simtables.values()}) > 1:
        first = next(str(r) for r, c in cells.items() if any(s.kind == "simtable"
                                                             for s in c.slots))
        book.problems[first] = ("the simtables have lists of different lengths ("
                                + ", ".join(f"{k}: {len(v)}" for k, v in book.simtables.items())
                                + "); give each the same number of values")
    copulas = _copula_members(model, cells, book)
    for key, members in groups.items():
        if key[0].startswith(PAIRED):
            book.correlations.append(_paired(key[0][len(PAIRED):], members))
        else:
            book.correlations.append(_correlation(check, key[0], where[key], members))
    for (text, sheet), members in copulas.items():
        book.correlations.append(_normal_scores(_correlation(check, text, sheet, members)))
    # the slots of nested inputs and simtables, as constants, in the opened workbook too: its
    # addresses resolve there (the app lists, marks and edits them like any input)
    slots = {}
    for got in cells.values():
        for s in got.slots:
            if s.kind == "input":
                slots[_slot_ref(s.address)] = Cell(value=0.0)
            elif s.kind == "simtable":
                slots[_slot_ref(s.address)] = Cell(value=book.simtables[s.address][0])
    _add_slots(wb.sheets, slots, fresh=False)
    for name in {r.sheet for r in slots}:
        wb._by_fold[name.casefold()] = name
    return book


def _copula_members(model: Model, cells: dict[CellRef, AddinCell], book: AddinBook,
                    ) -> dict[tuple[str, str], list[tuple[int, str]]]:
    """ModelRisk's copulas: each input whose U is a cell of a ``{=VoseCopulaMultiNormal(M)}``
    array becomes a member of a correlation group (position: the cell's place in the array)
    and is no longer sampled at its U; ``{(matrix range, sheet): [(position, input)]}``."""
    from . import ir

    element: dict[CellRef, tuple[str, str, int]] = {}
    for ref, got in cells.items():
        if got.copula is None:
            continue
        cell = model.workbook.cell(ref)
        span = cell.array_ref if cell is not None and cell.array_ref else None
        try:
            node = model.node_for_reference(span, ref.sheet) if span else None
        except McdeskError:
            node = None
        members = [c for row in node.cells() for c in row] if isinstance(node, ir.Area) \
            else [ref]
        for k, c in enumerate(members):
            element[c] = (got.copula, ref.sheet, k + 1)
    out: dict[tuple[str, str], list[tuple[int, str]]] = {}
    if not element:
        return out
    for ref, got in cells.items():
        for where, text in got.percentiles.items():
            try:
                node = model.node_for_reference(text, ref.sheet)
            except McdeskError:
                continue
            hit = element.get(node.cell) if isinstance(node, ir.Ref) else None
            if hit is not None:
                book.percentiles.pop(_cell_key(where), None)
                out.setdefault(hit[:2], []).append((hit[2], where))
    return out


def _normal_scores(corr: CorrelationSpec) -> CorrelationSpec:
    """A Gaussian copula's matrix (correlations of the normal scores, as
    VoseCopulaMultiNormal takes it) as the rank correlations giving that copula:
    (6 / pi) asin(rho / 2), which engine.correlation turns back into rho."""
    m = [[float(x) if i == j else 6.0 / math.pi * math.asin(max(-1.0, min(1.0, float(x))) / 2)
          for j, x in enumerate(row)] for i, row in enumerate(corr.matrix)]
    return CorrelationSpec(list(corr.inputs), m)


def _numbers(model: Model, values: Any, where: CellRef) -> list[float]:
    if isinstance(values, list):
        return [float(v) for v in values]
    from .simulate import _constant

    got = _constant(model, values, where.sheet)
    return got if isinstance(got, list) else [got]


def _paired(name: str, members: list) -> CorrelationSpec:
    """PsiCorrIndep("A") / PsiCorrDep("A", rho): each dependent input has rank correlation
    rho with the independent one, and two dependents rho_i * rho_j with each other (what
    one common factor gives; the matrix is then valid)."""
    indep = [c for (role, _), c in members if role == 0]
    deps = [(c, rho) for (role, rho), c in members if role == 1]
    if len(indep) != 1 or not deps:
        raise SpecError(f'PsiCorrDep("{name}"): one input needs PsiCorrIndep("{name}") and '
                        f"at least one PsiCorrDep; found {len(indep)} and {len(deps)}")
    cells = [indep[0], *[c for c, _ in deps]]
    rho = [1.0, *[float(r) for _, r in deps]]
    n = len(cells)
    matrix = [[1.0 if i == j else (rho[j] if i == 0 else rho[i] if j == 0 else rho[i] * rho[j])
               for j in range(n)] for i in range(n)]
    return CorrelationSpec(cells, matrix)


def _correlation(model: Model, text: str, sheet: str, members: list[tuple[int, str]],
                 ) -> CorrelationSpec:
    from .simulate import _constant

    flat = _constant(model, text, sheet)
    values = flat if isinstance(flat, list) else [flat]
    n = math.isqrt(len(values))
    if n * n != len(values):
        raise SpecError(f"correlation matrix {text}: the matrix must be square, it has "
                        f"{len(values)} cells")
    rows = [values[i * n:(i + 1) * n] for i in range(n)]
    members.sort()
    positions = [p for p, _ in members]
    if len(set(positions)) != len(positions) or not all(1 <= p <= n for p in positions):
        raise SpecError(f"correlation matrix {text}: positions {positions} must be distinct and "
                        f"within the {n} x {n} matrix")
    sub = [[float(rows[i - 1][j - 1]) for j in positions] for i in positions]
    return CorrelationSpec([c for _, c in members], sub)


def addin_book(model: Model) -> AddinBook | None:
    """The add-in declarations of ``model`` (read once per model), None when it calls no
    add-in function.  A derived model answers its source's book."""
    got = _DERIVED.get(model)
    if got is not None:
        return got
    with _READING:
        if model not in _BOOKS:
            _BOOKS[model] = _read(model)
        return _BOOKS[model]


def simulation_model(model: Model, sim: int = 0) -> Model:
    """The model to simulate (``model`` itself when it calls no add-in function)."""
    book = addin_book(model)
    if book is None or _DERIVED.get(model) is book:
        return model
    return book.simulation_model(sim)


def effective_spec(model: Model, spec: SimulationSpec) -> SimulationSpec:
    """``spec`` with the workbook's own inputs, outputs and correlations (see
    :meth:`AddinBook.spec`)."""
    book = addin_book(model)
    return spec if book is None else book.spec(spec)


def for_simulation(model: Model, spec: SimulationSpec) -> tuple[Model, SimulationSpec]:
    """The model and spec a run uses (see the module docstring); SpecError refuses."""
    book = addin_book(model)
    if book is None:
        return model, spec
    if not spec.outputs and not book.outputs:
        mark = {"@RISK": "RiskOutput()", "Analytic Solver": "PsiOutput()",
                "ModelRisk": "VoseOutput()"}.get(book.product, "RiskOutput()")
        raise SpecError(f"outputs: this {book.product} workbook marks no output cell (a "
                        f"formula with {mark}+...); name one, for example --output "
                        "'Sheet1!B7'")
    extra = book.extra_inputs(spec)
    sim = simulation_model(model)
    if book.dependent(extra) != book.dependent():   # a declared input feeds a parameter
        k = next((key[1] for key, m in book._models.items() if m is sim and key[0] == "sim"),
                 0)
        sim = book.simulation_model(k, extra)
    spec = book.spec(spec)
    outputs = [sim.ref(o) for o in spec.outputs]
    book.refuse(sim, outputs)
    return sim, spec


# ---------------------------------------------------------------- statistics cells
def _statistic(result: Any, key: str, stat: str, x: float | None) -> tuple[float | None, str]:
    """A statistic of ``key`` (an output or input address) in ``result``; (None, why)."""
    samples = result.samples
    summary = result.outputs.get(key)
    if summary is not None:
        values = samples.outputs32[key] if samples is not None and samples.streamed else (
            samples.outputs[key] if samples is not None else None)
        if values is not None:
            values = np.asarray(values, dtype=np.float64)
            values = values[np.isfinite(values)]
    elif samples is not None and key in samples.inputs:
        values = np.asarray(samples.inputs[key], dtype=np.float64)
    else:
        return None, f"{key} is neither an input nor an output of the run"
    if summary is not None and summary.mean is None:
        return None, f"every trial of {key} ended in an Excel error"
    pick = {"mean": "mean", "std": "std", "min": "min", "max": "max"}
    if summary is not None and stat in pick:
        return getattr(summary, pick[stat]), ""
    if values is None or values.size == 0:
        return None, f"no samples of {key} were kept"
    if stat == "mean":
        return float(np.mean(values)), ""
    if stat in ("std", "variance"):
        if summary is not None:
            s = summary.std
        else:
            s = float(np.std(values, ddof=1)) if values.size > 1 else 0.0
        return (s if stat == "std" else s * s), ""
    if stat == "min":
        return float(values.min()), ""
    if stat == "max":
        return float(values.max()), ""
    if stat == "range":
        lo = summary.min if summary is not None else float(values.min())
        hi = summary.max if summary is not None else float(values.max())
        return hi - lo, ""
    if stat in ("percentile", "median"):
        p = 0.5 if stat == "median" else x
        if p is None or not 0 <= p <= 1:
            return None, f"percentile {p} is not a fraction from 0 to 1"
        whole = round(p * 100)
        if summary is not None and abs(p * 100 - whole) < 1e-9 and str(whole) in \
                summary.percentiles:
            return summary.percentiles[str(whole)], ""
        return float(np.percentile(values, p * 100)), ""
    if stat == "below":
        return float(np.mean(values <= x)), ""
    d = values - values.mean()
    m2 = float(np.mean(d * d))
    if m2 == 0:
        return None, f"{key} is constant"
    if stat == "skewness":
        return float(np.mean(d ** 3)) / m2 ** 1.5, ""
    return float(np.mean(d ** 4)) / (m2 * m2), ""   # kurtosis (3 for a normal)


def _theoretical(book: AddinBook, key: str, stat: str, x: float | None,
                 ) -> tuple[float | None, str]:
    """A statistic of the distribution of the input ``key`` itself (RiskTheoMean...)."""
    from .simulate import _constant

    inp = next((i for i in book.inputs if _cell_key(i.cell) == _cell_key(key)), None)
    if inp is None:
        return None, f"{key} is not an input"
    if _cell_key(inp.cell) in book.dependent():
        return None, f"{key}: its parameters vary per trial"
    check = book.check_model()
    sheet = check.ref(key).sheet
    try:
        dist = inp.resolve(lambda text: _constant(check, text, sheet))
    except SpecError as exc:
        return None, str(exc)
    if stat == "theo_mean":
        return dist.mean, ""
    if stat in ("theo_std", "theo_variance"):
        return (dist.std if stat == "theo_std" else dist.variance), ""
    if x is None or (stat == "theo_percentile" and not 0 <= x <= 1):
        return None, f"percentile {x} is not a fraction from 0 to 1"
    if stat == "theo_percentile":
        return float(dist.ppf(np.array([x]))[0]), ""
    return float(dist.cdf(np.array([x]))[0]), ""   # theo_below: P(X <= x)


def _dependent_results(model: Model, book: AddinBook, result: Any,
                       spec: SimulationSpec | None) -> dict[str, Any]:
    """For the statistics cells that read an input whose parameters vary per trial (sampled
    by a formula, so neither an input nor an output of the run): the same trials run again
    (same seed, count and sampling; the streams are keyed by seed, cell and trial, so the
    samples are the run's own) with those inputs as the outputs.  ``{key: that result}``."""
    dependent = book.dependent(book.extra_inputs(spec) if spec is not None else frozenset())
    samples = result.samples
    keys: list[str] = []
    for ref in book.statistics:
        for _a, _b, stat, target, _x in book.cells[ref].statistics:
            try:
                key = str(book.model.ref(target, ref.sheet))
            except McdeskError:
                continue
            if stat.startswith("theo_") or _cell_key(key) not in dependent or \
                    key in result.outputs or (samples is not None and key in samples.inputs) \
                    or key in keys:
                continue
            keys.append(key)
    if not keys:
        return {}
    from .simulate import simulate

    again = SimulationSpec(list(spec.inputs) if spec is not None else [], keys,
                           trials=int(result.trials), seed=int(result.seed),
                           sampling=result.sampling,
                           correlations=list(spec.correlations) if spec is not None else [])
    run = simulate(model, again, backend="numpy" if result.backend == "numpy" else "auto")
    return dict.fromkeys(keys, run)


def statistic_values(model: Model, result: Any, spec: SimulationSpec | None = None,
                     ) -> dict[str, dict[str, Any]]:
    """Each statistics cell (``RiskMean(B5)``...) computed from ``result``: ``{cell:
    {"formula", "value", "note"}}`` (value None with a note when it cannot be).  ``spec``:
    the spec of the run, when it declares inputs of its own (a parameter of an add-in
    input may read one)."""
    book = addin_book(model)
    if book is None or not book.statistics:
        return {}
    again = _dependent_results(model, book, result, spec)
    numbers: dict[CellRef, list[float | None]] = {}
    notes: dict[CellRef, str] = {}
    for ref in book.statistics:
        got = []
        for _a, _b, stat, target, x in book.cells[ref].statistics:
            try:
                key = str(book.model.ref(target, ref.sheet))
            except McdeskError as exc:
                got.append(None)
                notes[ref] = str(exc)
                continue
            v, why = _theoretical(book, key, stat, x) if stat.startswith("theo_") else \
                _statistic(again.get(key, result), key, stat, x)
            got.append(v)
            if why:
                notes[ref] = why
        numbers[ref] = got
    stats_model = book.statistics_model(numbers)
    values, _ = stats_model.evaluate(list(numbers))
    out = {}
    for ref in numbers:
        v = values[ref].scalar() if ref in values else None
        if not isinstance(v, int | float) or isinstance(v, bool):
            v = None
        out[str(ref)] = {"formula": book.model.workbook.cell(ref).formula,
                         "value": None if v is None else float(v),
                         "note": notes.get(ref)}
    return out
