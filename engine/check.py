"""``check``: recompute every formula through the compiled path and compare with the values
Excel cached in the file; list unsupported functions, volatile cells and circular references."""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from . import ir
from .model import Model
from .values import ExcelError, Vec
from .workbook import CellRef

RANDOM_OR_CLOCK = frozenset({"RAND", "RANDBETWEEN", "RANDARRAY", "NOW", "TODAY"})


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

    @property
    def match_ratio(self) -> float:
        return self.matches_cached / self.compared if self.compared else 1.0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["match_ratio"] = self.match_ratio
        d["mismatches"] = [{k: _jsonable(v) for k, v in asdict(m).items()} for m in self.mismatches]
        return d


def _jsonable(x: Any) -> Any:
    if isinstance(x, ExcelError):
        return str(x)
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    return x


def same_value(expected: Any, got: Any, rel: float = 1e-9) -> bool:
    """Excel's cached value vs ours: numbers to ``rel`` relative, text exact, errors by kind."""
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


def check_model(model: Model, max_mismatches: int = 50) -> CheckReport:
    t0 = time.perf_counter()
    wb = model.workbook
    cells = wb.formula_cells()
    values, cycles = model.evaluate(cells)
    unsupported: Counter[str] = Counter()
    unsupported_cells: dict[str, list[str]] = {}
    fallback: Counter[str] = Counter()
    direct_volatile: set[CellRef] = set()
    tables: list[str] = []
    problems: list[str] = []
    bad_cells: dict[CellRef, str] = {}
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
        for p in cc.info.problems:
            problems.append(f"{c}: {p}")
            bad_cells.setdefault(c, p)

    # volatile: reads (transitively) a random or clock function
    volatile: set[CellRef] = set()
    order, _ = model.order(cells)
    for c in order:
        if c in direct_volatile or any(d in volatile for d in model.deps(c)):
            volatile.add(c)
    in_cycle = {c for cyc in cycles for c in cyc}

    compared = matches = 0
    mismatches: list[Mismatch] = []
    mismatch_count = 0
    for c in cells:
        cell = wb.cell(c)
        if c in volatile or c in in_cycle:
            continue
        expected = cell.value
        if expected is None:
            continue  # no cached value in the file (never calculated, or saved without values)
        compared += 1
        v = values.get(c)
        got = v.scalar() if isinstance(v, Vec) else None
        if same_value(expected, got):
            matches += 1
            continue
        mismatch_count += 1
        if len(mismatches) < max_mismatches:
            mismatches.append(Mismatch(str(c), cell.formula or f"(array of {cell.array_anchor})",
                                       _jsonable(expected), _jsonable(got), _explain(model, c, bad_cells, expected, got)))
    return CheckReport(
        workbook=str(wb.path), formula_cells=len(cells), compared=compared, matches_cached=matches,
        unsupported_functions=dict(unsupported), unsupported_cells=unsupported_cells,
        fallback_functions=dict(fallback),
        volatile_cells=sorted(str(c) for c in direct_volatile),
        circular=[[str(c) for c in cyc] for cyc in cycles], data_tables=tables,
        mismatches=mismatches, mismatch_count=mismatch_count, problems=problems[:50],
        elapsed_s=round(time.perf_counter() - t0, 3))


def _explain(model: Model, cell: CellRef, bad: dict[CellRef, str], expected: Any, got: Any) -> str:
    if cell in bad:
        return bad[cell]
    for up in model.upstream([cell]):
        if up in bad:
            return f"depends on {up}: {bad[up]}"
    if expected == 59.0 and got == 60.0:
        return ("Excel's serial 60 is the fictitious 1900-02-29; openpyxl reads the cached date "
                "as 1900-02-28, serial 59")
    node = model.code(cell).node
    names = sorted(ir.calls(node))
    return "value differs" + (f" (functions: {', '.join(names)})" if names else "")
