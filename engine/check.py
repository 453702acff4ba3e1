"""``check``: recompute every formula through the compiled path and compare with the values
Excel cached in the file; list unsupported functions, volatile cells and circular references.

What the file says about its own cached values comes first (:func:`notes`): placeholder
caches written by a script (``fullCalcOnLoad="1"``) or a workbook saved in manual
calculation mode hold values that are not Excel's last answer, so the cells compared
against them are counted apart (``compared_untrusted``, ``matches_untrusted``); external
links (the linked files' values Excel keeps in the file) and pivot tables are listed.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, is_dataclass
from typing import Any

from . import ir
from ._gcpause import paused
from .iterative import matches_iterated
from .model import Model
from .values import ExcelError, Vec
from .workbook import CellRef

RANDOM_OR_CLOCK = frozenset({"RAND", "RANDBETWEEN", "RANDARRAY", "NOW", "TODAY"})
CANCELLATION = 1e-9   # |value| below this share of the largest term: a near-zero cancellation
MAX_TERMS = 100_000   # cells of a formula's ranges read to size its terms
_EXTERNAL_TEXT = re.compile(r"^'?\[(\d+)\]")  # [1]Sheet!A1, '[1]My sheet'!A1, [1]!Name


@dataclass
class Mismatch:
    cell: str
    formula: str
    expected: Any
    got: Any
    reason: str


@dataclass
class CheckReport:
    workbook: str
    formula_cells: int
    compared: int
    matches_cached: int
    unsupported_functions: dict[str, int]
    unsupported_cells: dict[str, list[str]]
    fallback_functions: dict[str, int]
    volatile_cells: list[str]
    circular: list[list[str]]
    data_tables: list[str]
    mismatches: list[Mismatch]
    mismatch_count: int
    problems: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    # what the file says about its cached values (see the module docstring)
    calc: dict[str, Any] = field(default_factory=dict)
    cached_values_trusted: bool = True
    pivot_tables: bool = False
    external_links: list[dict[str, Any]] = field(default_factory=list)  # index, target, cells
    compared_untrusted: int = 0   # compared against caches that are not Excel's last answer
    matches_untrusted: int = 0
    not_compared: dict[str, int] = field(default_factory=dict)  # why formula cells were not
    cancellations: list[Mismatch] = field(default_factory=list)  # near-zero sums counted equal
    external_data: dict[str, int] = field(default_factory=dict)  # STOCKHISTORY, _FV: cells
    # external data cells reading cells that vary per trial (a random function upstream):
    # Excel's cached value is kept in every trial all the same (engine._external_data)
    external_data_varying: list[str] = field(default_factory=list)
    iterative_compared: int = 0   # cells of iterative cycles compared (within iterate_delta)
    # functions of no known name (a typo, a VBA UDF) whose cells keep Excel's cached value:
    # name (as written), cells (the first 10), count, name_error (cached #NAME?, as Excel)
    unknown_functions: list[dict[str, Any]] = field(default_factory=list)
    # a workbook built for @RISK / Analytic Solver / ModelRisk (engine.addin_models.summary)
    addins: dict[str, Any] | None = None

    @property
    def match_ratio(self) -> float | None:
        """Share of the compared cells recomputed to Excel's value; None when none was."""
        return self.matches_cached / self.compared if self.compared else None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["match_ratio"] = self.match_ratio
        d["mismatches"] = [{k: _jsonable(v) for k, v in asdict(m).items()} for m in self.mismatches]
        d["cancellations"] = [{k: _jsonable(v) for k, v in asdict(m).items()}
                              for m in self.cancellations]
        return d

    def nothing_compared(self) -> str | None:
        """Why no cell could be compared with a cached value (None when some were)."""
        if self.compared or self.compared_untrusted:
            return None
        if not self.formula_cells:
            return "the workbook has no formulas"
        why = self.not_compared
        if why.get("no cached value", 0) == self.formula_cells:
            return ("the file holds no cached values (saved without calculation, e.g. written "
                    "by a script), so there is nothing of Excel's to compare with")
        parts = [f"{n:,} {k}" for k, n in why.items() if n]
        return "no formula cell has a cached value to compare with (" + ", ".join(parts) + ")"


def _jsonable(x: Any) -> Any:
    if isinstance(x, ExcelError):
        return str(x)
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    return x


def same_value(expected: Any, got: Any, rel: float = 1e-9, terms: float = 0.0) -> bool:
    """Excel's cached value vs ours: numbers to ``rel`` relative, text exact, errors by kind.

    ``terms``: the largest magnitude among the formula's direct numeric inputs.  Where both
    numbers are below :data:`CANCELLATION` times it, the formula summed terms that cancel
    (Excel's 6e-12 vs our -2e-15 for an NPV of flows that cancel): both are zero to the
    precision of the terms, so they count as equal."""
    if is_cancellation(expected, got, terms):
        return True
    if isinstance(got, ExcelError) and isinstance(expected, str) and expected == str(got):
        return True  # Google Sheets saves a formula's error as text: t="str" <v>#DIV/0!</v>
    if isinstance(expected, ExcelError) or isinstance(got, ExcelError):
        return isinstance(expected, ExcelError) and isinstance(got, ExcelError) and \
            str(expected) == str(got)
    if expected is None or expected == "":
        return got is None or got == "" or got == 0
    if isinstance(expected, bool) or isinstance(got, bool):
        return isinstance(expected, bool) and isinstance(got, bool) and expected == got
    if isinstance(expected, int | float):
        if got is None:
            return expected == 0
        if not isinstance(got, int | float):
            return False
        return abs(expected - got) <= max(rel * max(abs(expected), abs(got)), 1e-12)
    if isinstance(expected, str):
        return isinstance(got, str) and expected == got
    return expected == got


def is_cancellation(expected: Any, got: Any, terms: float) -> bool:
    """Both numbers are zero to the precision of terms up to ``terms`` in magnitude."""
    if not terms > 0 or isinstance(expected, bool) or isinstance(got, bool):
        return False
    if not isinstance(expected, int | float) or not isinstance(got, int | float):
        return False
    bound = CANCELLATION * terms
    return abs(expected) < bound and abs(got) < bound


def term_scale(model: Model, cell: CellRef, values: dict[CellRef, Any]) -> float:
    """The largest magnitude among the numbers a formula reads directly: its number
    literals and the cells it references (at most :data:`MAX_TERMS` cells of its ranges)."""
    best = 0.0
    node = model.code(cell).node
    budget = MAX_TERMS
    for n in ir.walk(node):
        if isinstance(n, ir.Num):
            best = max(best, abs(n.value))
            continue
        if isinstance(n, ir.Ref):
            refs = [n.cell]
        elif isinstance(n, ir.Area):
            rows, cols = n.shape
            if rows * cols > budget:
                continue
            refs = [c for row in n.cells() for c in row]
        else:
            continue
        budget -= len(refs)
        for r in refs:
            x = _number(model, r, values)
            if x is not None:
                best = max(best, abs(x))
    return best


def _number(model: Model, ref: CellRef, values: dict[CellRef, Any]) -> float | None:
    v = values.get(ref)
    if v is not None:
        x = v.scalar() if isinstance(v, Vec) else v
    else:
        c = model.workbook.cell(ref)
        x = None if c is None else c.value
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        return None
    return float(x)


def _calc_settings(wb: Any) -> dict[str, Any]:
    calc = getattr(wb, "calc", None)
    if calc is None:
        return {}
    if is_dataclass(calc) and not isinstance(calc, type):
        return {k: _jsonable(v) for k, v in asdict(calc).items()}
    return {k: _jsonable(v) for k, v in vars(calc).items() if not k.startswith("_")}


def caches_trusted(calc: dict[str, Any]) -> bool:
    """False when the file's cached values may not be Excel's last answer: placeholders
    written by a script (full calculation on load) or a workbook in manual mode."""
    return not (calc.get("full_calc_on_load") or str(calc.get("calc_mode") or "").lower() == "manual")


def _external_index(n: ir.Node, index_of: dict[str, int]) -> int | None:
    """The external link a node reads (``[N]Sheet!A1`` as a reference to a linked sheet, or
    as a reference the parser could not resolve), else None."""
    if isinstance(n, ir.Ref | ir.Area):
        return index_of.get(n.cell.sheet if isinstance(n, ir.Ref) else n.sheet)
    if isinstance(n, ir.BadRef):
        m = _EXTERNAL_TEXT.match(n.text)
        return int(m.group(1)) if m is not None else None
    return None


def _external_cells(model: Model, cells: list[CellRef]) -> list[dict[str, Any]]:
    """Each external link of the workbook and how many formula cells read its cache."""
    wb = model.workbook
    links = getattr(wb, "externals", None) or {}
    index_of = {name: int(m.group(1)) for name in wb.sheets
                if (m := _EXTERNAL_TEXT.match(name)) is not None}
    used: Counter[int] = Counter()
    for c in cells:
        cell = wb.cell(c)
        if cell is None or "[" not in (cell.formula or ""):
            continue  # an external reference is written [N]...
        try:
            node = model.code(c).node
        except Exception:  # noqa: BLE001 - a formula we cannot read is reported elsewhere
            continue
        used.update({i for n in ir.walk(node) if (i := _external_index(n, index_of)) is not None})
    out = []
    for index in sorted(set(links) | set(used)):
        link = links.get(index)
        out.append({"index": index, "target": getattr(link, "target", None) or f"[{index}]",
                    "cells": used.get(index, 0)})
    return out


def notes(report: CheckReport) -> list[str]:
    """What to say first about a workbook's cached values, one line each."""
    out = []
    if report.addins is not None:
        out.append(addin_headline(report.addins))
    calc = report.calc
    if calc.get("full_calc_on_load"):
        out.append('placeholder caches (fullCalcOnLoad="1"): the cached values were written by '
                   "a script and are not Excel's answers; compared cells counted apart")
    if str(calc.get("calc_mode") or "").lower() == "manual":
        out.append("manual calculation mode: the cached values may be stale (not Excel's last "
                   "answer); compared cells counted apart")
    if calc.get("iterate"):
        out.append(f"iterative calculation on: up to {calc.get('iterate_count')} passes until "
                   f"the change is below {calc.get('iterate_delta')}")
    for link in report.external_links:
        n = link["cells"]
        out.append(f"external link [{link['index']}] {link['target']}: {n:,} formula "
                   f"cell{'s' if n != 1 else ''} use the values Excel cached from it")
    if report.pivot_tables:
        out.append("pivot tables: their values are Excel's cached ones (not recomputed)")
    for name, n in sorted(report.external_data.items()):
        out.append(f"external data: Excel's cached value used for {n:,} cell{'s' if n != 1 else ''}"
                   f" with {name} (a service Excel calls; not recomputed)")
    for u in report.unknown_functions:
        n, cells = u["count"], ", ".join(u["cells"][:3]) + (", ..." if u["count"] > 3 else "")
        what = ("#NAME?, as Excel" if u["name_error"]
                else "Excel's saved value used, not recomputed")
        kind = "unknown function" if u["name_error"] else "VBA/unknown function"
        out.append(f"{kind} {u['name']}: {what} ({n:,} cell{'s' if n != 1 else ''}: {cells})")
    if report.external_data_varying:
        cells = report.external_data_varying
        out.append(f"external data reading cells that vary per trial: {', '.join(cells[:10])}"
                   f"{', ...' if len(cells) > 10 else ''} keep Excel's cached value in every "
                   "trial (the service cannot be called per trial)")
    return out


def addin_headline(addins: dict[str, Any]) -> str:
    """``@RISK inputs: 5, outputs: 2, correlation matrix 5x5`` from ``CheckReport.addins``."""
    parts = [f"{addins['product']} inputs: {addins['inputs']}",
             f"outputs: {len(addins['outputs'])}"]
    if addins.get("dependent"):
        parts.append(f"dependent inputs (sampled per trial): {len(addins['dependent'])}")
    parts += [f"correlation matrix {c['size']}x{c['size']}" for c in addins["correlations"]]
    if addins["simulations"] > 1:
        parts.append(f"simtable: {addins['simulations']} simulations")
    if addins["statistics_cells"]:
        parts.append(f"statistics cells: {len(addins['statistics_cells'])}")
    return ", ".join(parts)


def summary(report: CheckReport, name: str) -> str:
    """The one-line result of a check."""
    head = f"{name}: {report.formula_cells:,} formula cells"
    why = report.nothing_compared()
    if why is not None:
        return f"{head}; nothing could be compared: {why}"
    text = head
    if report.compared:
        text += (f", {report.compared:,} with a cached value, {report.matches_cached:,} "
                 f"recomputed to it ({report.match_ratio:.2%})")
    if report.compared_untrusted:
        text += (f"; {report.compared_untrusted:,} compared with untrusted caches, "
                 f"{report.matches_untrusted:,} agree")
    return text


def check_model(model: Model, max_mismatches: int = 50) -> CheckReport:
    """Recompute every formula cell once and compare it with Excel's cached value.  The
    cyclic garbage collector is paused meanwhile (the parsed and compiled cells are
    long-lived and acyclic; walking them again and again costs half of a big check)."""
    from .addin_models import addin_book

    with paused():  # reading the add-in calls goes over every formula cell too
        book = addin_book(model)
        if book is None:
            return _check_model(model, max_mismatches)
        # the add-in cells keep Excel's cached values; the rest is recomputed around them
        report = _check_model(book.check_model(), max_mismatches)
    held = len(model.workbook.formula_cells()) - report.formula_cells
    report.formula_cells += held
    if held:
        report.not_compared[f"{book.product} cells (Excel's cached value)"] = held
    report.addins = book.summary()
    report.problems = [*book.refusals(), *report.problems][:50]
    return report


def _check_model(model: Model, max_mismatches: int) -> CheckReport:
    t0 = time.perf_counter()
    wb = model.workbook
    cells = wb.formula_cells()
    calc = _calc_settings(wb)
    trusted = caches_trusted(calc)
    values, cycles = model.evaluate(cells)
    unsupported: Counter[str] = Counter()
    unsupported_cells: dict[str, list[str]] = {}
    fallback: Counter[str] = Counter()
    external: Counter[str] = Counter()
    direct_volatile: set[CellRef] = set()
    tables: list[str] = []
    problems: list[str] = []
    bad_cells: dict[CellRef, str] = {}
    unknown: dict[tuple[str, bool], dict[str, Any]] = {}
    kept: set[CellRef] = set()   # their value is Excel's cached one: not compared
    for c in cells:
        cc = model.code(c)
        for name in cc.info.unsupported:
            unsupported[name] += 1
            unsupported_cells.setdefault(name, [])
            if len(unsupported_cells[name]) < 20:
                unsupported_cells[name].append(str(c))
            bad_cells[c] = f"unsupported function {name}"
        for name in cc.info.fallback:
            fallback[name] += 1
        if cc.info.volatile & RANDOM_OR_CLOCK:
            direct_volatile.add(c)
        if cc.info.table:
            tables.append(str(c))
        for name in getattr(cc.info, "external", ()):
            external[name] += 1
        if cc.info.unknown:   # Excel's cached value kept: not compared
            kept.add(c)
            if not _count_unknown(unknown, wb.cell(c), cc.info.unknown, str(c)):
                for name in cc.info.unknown:   # a UDF's value, not computed here: listed
                    unsupported[name] += 1
                    if len(unsupported_cells.setdefault(name, [])) < 20:
                        unsupported_cells[name].append(str(c))
        for p in cc.info.problems:
            problems.append(f"{c}: {p}")
            bad_cells.setdefault(c, p)

    # volatile: reads (transitively) a random or clock function
    volatile: set[CellRef] = set()
    order, _ = model.order(cells)
    # and the first unsupported or bad cell each cell reads (to explain a mismatch)
    bad_upstream: dict[CellRef, CellRef] = {}
    for c in order if direct_volatile or bad_cells else ():
        deps = model.deps(c)
        if c in direct_volatile or (volatile and any(d in volatile for d in deps)):
            volatile.add(c)
        if bad_cells:
            up = next((d if d in bad_cells else bad_upstream[d] for d in deps
                       if d in bad_cells or d in bad_upstream), None)
            if up is not None:
                bad_upstream[c] = up
    external_varying = [str(c) for c in order if c in volatile and c not in direct_volatile
                        and getattr(model.code(c).info, "external", ())]
    in_cycle = {c for cyc in cycles for c in cyc}
    # cells in a cycle or reading one are not in the order: without iteration they keep their
    # cached values (model.evaluate), so comparing them would only compare a value with itself
    after_cycle = set(cells) - set(order) if len(order) != len(cells) else set()
    # iterate="1": Excel computed the cycles and what reads them (engine.iterative): compared
    iterated = after_cycle if calc.get("iterate") else set()
    iterative_compared = 0

    compared = matches = 0
    mismatches: list[Mismatch] = []
    cancellations: list[Mismatch] = []
    mismatch_count = 0
    skipped: Counter[str] = Counter()
    for c in cells:
        cell = wb.cell(c)
        if c in volatile or (c in after_cycle and c not in iterated):
            skipped["volatile" if c in volatile else "circular" if c in in_cycle
                    else "reads a circular reference"] += 1
            continue
        if c in kept:
            skipped["VBA/unknown function (Excel's saved value)"] += 1
            continue
        expected = cell.value
        if expected is None:  # no cached value in the file (never calculated, or saved without values)
            skipped["no cached value"] += 1
            continue
        compared += 1
        v = values.get(c)
        got = v.scalar() if isinstance(v, Vec) else None
        formula = cell.formula or f"(array of {cell.array_anchor})"
        iterative_compared += c in iterated
        if same_value(expected, got) or (c in iterated and matches_iterated(
                expected, got, float(calc.get("iterate_delta") or 0.0))):
            matches += 1
            continue
        if _near_zero(expected, got) and c not in bad_cells:
            terms = term_scale(model, c, values)
            if is_cancellation(expected, got, terms):
                matches += 1
                if len(cancellations) < max_mismatches:
                    cancellations.append(Mismatch(
                        str(c), formula, _jsonable(expected), _jsonable(got),
                        f"near-zero cancellation: both within {CANCELLATION:g} of the largest "
                        f"term ({terms:.6g}), so both are zero to the terms' precision"))
                continue
        mismatch_count += 1
        if len(mismatches) < max_mismatches:
            mismatches.append(Mismatch(str(c), formula, _jsonable(expected), _jsonable(got),
                                       _explain(model, c, bad_cells, bad_upstream, expected,
                                                got)))
    untrusted = {} if trusted else {"compared_untrusted": compared, "matches_untrusted": matches}
    if not trusted:
        compared = matches = 0
    return CheckReport(
        workbook=str(wb.path), formula_cells=len(cells), compared=compared, matches_cached=matches,
        unsupported_functions=dict(unsupported), unsupported_cells=unsupported_cells,
        fallback_functions=dict(fallback),
        volatile_cells=sorted(str(c) for c in direct_volatile),
        circular=[[str(c) for c in cyc] for cyc in cycles], data_tables=tables,
        mismatches=mismatches, mismatch_count=mismatch_count, problems=problems[:50],
        elapsed_s=round(time.perf_counter() - t0, 3),
        calc=calc, cached_values_trusted=trusted,
        pivot_tables=bool(getattr(wb, "has_pivot_tables", False)),
        external_data=dict(external), external_data_varying=external_varying[:50],
        external_links=_external_cells(model, cells), not_compared=dict(skipped),
        cancellations=cancellations, iterative_compared=iterative_compared,
        unknown_functions=list(unknown.values()), **untrusted)


def _count_unknown(found: dict[tuple[str, bool], dict[str, Any]], cell: Any, names: set[str],
                   where: str) -> bool:
    """Count a cell keeping Excel's cached value for its unknown functions ``names`` under
    each name as its formula writes it, apart where the cached value is #NAME? (what Excel
    computes for an unknown name: True)."""
    name_error = isinstance(cell.value, ExcelError) and str(cell.value) == "#NAME?"
    for name in sorted(names):
        written = re.search(re.escape(name) + r"(?=\s*\()", cell.formula or "", re.IGNORECASE)
        key = (written.group(0) if written else name, name_error)
        u = found.setdefault(key, {"name": key[0], "cells": [], "count": 0,
                                   "name_error": name_error})
        u["count"] += 1
        if len(u["cells"]) < 10:
            u["cells"].append(where)
    return name_error


def _near_zero(expected: Any, got: Any) -> bool:
    """Both plain numbers, both below 1e-3 (a cheap filter before sizing the terms; it also
    caps the cancellation tolerance for huge terms)."""
    return all(isinstance(x, int | float) and not isinstance(x, bool) and abs(x) < 1e-3
               for x in (expected, got))


def _explain(model: Model, cell: CellRef, bad: dict[CellRef, str],
             bad_upstream: dict[CellRef, CellRef], expected: Any, got: Any) -> str:
    if cell in bad:
        return bad[cell]
    up = bad_upstream.get(cell)
    if up is not None:
        return f"depends on {up}: {bad[up]}"
    if expected == 59.0 and got == 60.0:
        return ("Excel's serial 60 is the fictitious 1900-02-29; openpyxl reads the cached date "
                "as 1900-02-28, serial 59")
    node = model.code(cell).node
    names = sorted(ir.calls(node))
    return "value differs" + (f" (functions: {', '.join(names)})" if names else "")
