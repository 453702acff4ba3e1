"""Put a :class:`~engine.workbook.Workbook` together from the parts of an .xlsx, in one pass."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from ._gcpause import paused
from ._xlsx_package import Package
from ._xlsx_parts import (
    assign_names,
    filter_database,
    read_book,
    read_dynamic_marks,
    read_external_link,
    read_number_formats,
    read_pivot_tables,
    read_shared_strings,
    read_tables,
)
from ._xlsx_sheet import CellBudget, SheetReader
from .errors import WorkbookError
from .functions._epoch import SHIFT_1904
from .workbook import ExternalLink, Limits, PivotTable, Sheet, Table, Workbook

log = logging.getLogger(__name__)


def read_workbook(path: Path, limits: Limits) -> Workbook:
    """The whole workbook; the cyclic garbage collector pauses while the cells pile up (it
    would otherwise walk the growing heap again and again: about a third of the time)."""
    with paused():
        return _read(path, limits)


def _read(path: Path, limits: Limits) -> Workbook:
    t0 = time.perf_counter()
    with Package(path, limits) as pkg:
        info = read_book(pkg)
        entries = [e for e in info.sheets if e.part is not None]
        if not entries:
            raise WorkbookError(f"{path}: the workbook has no worksheets")
        strings = read_shared_strings(pkg, info.shared_strings)
        formats = read_number_formats(pkg, info.styles)
        marks = read_dynamic_marks(pkg, info.metadata)
        budget = CellBudget(str(path), limits.max_cells)
        sheets: dict[str, Sheet] = {}
        tables: dict[str, Table] = {}
        pivot_tables: list[PivotTable] = []
        for entry in entries:
            assert entry.part is not None
            if entry.name in sheets:
                raise WorkbookError(f"{path}: two sheets are named {entry.name!r}")
            _refuse_early(pkg, entry.part, budget)
            sheet = Sheet(entry.name, state=entry.state)
            reader = SheetReader(str(path), sheet, strings, formats, limits, budget)
            reader.date_shift = SHIFT_1904 if info.date1904 else 0
            reader.dynamic_marks = marks or frozenset()
            pkg.parse(entry.part, reader.setup)
            reader.finish()
            sheets[entry.name] = sheet
            filters = [reader.filter_rows] if reader.filter_rows else []
            if reader.filter_mode and not filters:
                filters += filter_database(info, entry.name)
            pivot_tables += read_pivot_tables(pkg, entry.part, entry.name)
            for table in read_tables(pkg, entry.part, entry.name):
                tables[table.name.upper()] = table
                if table.filtering:
                    filters.append((table.r1, table.r2))
            # below each filter's header row, a hidden row is one the filter leaves out
            sheet.filtered_rows = frozenset(r for r in sheet.hidden_rows
                                            if any(r1 < r <= r2 for r1, r2 in filters))
        names = assign_names(info, sheets)
        externals: dict[int, ExternalLink] = {}
        for n, part in enumerate(info.external_parts, start=1):
            if not pkg.has(part):
                log.warning("%s: external link [%d] part %s is missing", path, n, part)
                continue
            found = read_external_link(pkg, part, n, budget)
            if found is None:
                continue
            link, link_sheets = found
            externals[n] = link
            for s in link_sheets:
                sheets.setdefault(s.name, s)
        pivots = any("pivotCacheDefinition" in name for name in pkg.names())
    book = Workbook(path, sheets, names, tables, externals, info.calc, pivots, info.date1904,
                    marks is not None, pivot_tables=tuple(pivot_tables))
    log.info("loaded %s: %d sheets, %d cells, %d external links in %.2f s", path.name,
             len(sheets), budget.used, len(externals), time.perf_counter() - t0)
    return book


# the fewest bytes a cell that holds something takes in a sheet part: <c><v>1</v></c>
MIN_CELL_BYTES = 15


def _refuse_early(pkg: Package, part: str, budget: CellBudget) -> None:
    """A sheet that may hold more cells than the budget has left is counted first (its end
    tags, without parsing): above the budget it is refused now, not after reading millions
    of cells."""
    if budget.used + pkg.declared_size(part) // MIN_CELL_BYTES <= budget.limit:
        return
    filled = pkg.count_filled_cells(part)
    if budget.used + filled > budget.limit:
        budget.take(filled)  # the limit's one-line error
