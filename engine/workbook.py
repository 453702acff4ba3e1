"""Load an .xlsx workbook with openpyxl: values, formulas, cached results, defined names.

The loader applies safety limits before openpyxl sees the file (file size, decompressed size,
cell count) and turns every failure into a :class:`WorkbookError` that names the file.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import LimitError, WorkbookError
from .values import ERROR_CODES, ExcelError

log = logging.getLogger(__name__)

_QUOTE_NEEDED = re.compile(r"[^A-Za-z0-9_.]")


def quote_sheet(name: str) -> str:
    if _QUOTE_NEEDED.search(name) or name[:1].isdigit():
        return "'" + name.replace("'", "''") + "'"
    return name


def col_letters(col: int) -> str:
    s = ""
    while col:
        col, r = divmod(col - 1, 26)
        s = chr(65 + r) + s
    return s


def col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


@dataclass(frozen=True, slots=True, order=True)
class CellRef:
    """A cell: sheet name as spelled in the workbook, 1-based row and column."""

    sheet: str
    row: int
    col: int

    def __str__(self) -> str:
        return f"{quote_sheet(self.sheet)}!{col_letters(self.col)}{self.row}"

    @property
    def coordinate(self) -> str:
        return f"{col_letters(self.col)}{self.row}"


@dataclass(slots=True)
class Cell:
    """What the file holds for one cell: a constant, or a formula and its cached value."""

    value: Any = None            # constant, or the cached value of a formula (dates as serials)
    formula: str | None = None   # text starting with '=' (shared formulas already expanded)
    array_ref: str | None = None  # for the anchor of a CSE array formula: its range, e.g. 'B2:C4'
    array_anchor: CellRef | None = None  # for the other cells of an array formula
    number_format: str = "General"


@dataclass(slots=True)
class Sheet:
    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    max_row: int = 0
    max_col: int = 0
    names: dict[str, str] = field(default_factory=dict)  # sheet-scoped defined names (upper)
    hidden_rows: frozenset[int] = frozenset()  # for SUBTOTAL(101..111, ...)


@dataclass(frozen=True, slots=True)
class Table:
    """An Excel table (ListObject): the target of structured references like Table1[col]."""

    name: str
    sheet: str
    r1: int
    c1: int
    r2: int
    c2: int
    columns: tuple[str, ...]
    header_rows: int = 1
    totals_rows: int = 0


@dataclass(frozen=True, slots=True)
class Limits:
    max_file_bytes: int = 200 * 2**20
    max_uncompressed_bytes: int = 2 * 2**30
    max_cells: int = 5_000_000
    max_ratio: float = 200.0  # decompressed / compressed, to refuse zip bombs


@dataclass(slots=True)
class Workbook:
    path: Path
    sheets: dict[str, Sheet]            # keyed by name as spelled
    names: dict[str, str]               # workbook-scoped defined names (upper) -> formula text
    tables: dict[str, Table] = field(default_factory=dict)  # keyed by upper-case name
    _by_fold: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_fold = {n.casefold(): n for n in self.sheets}

    def sheet_name(self, name: str) -> str | None:
        """The workbook's spelling of a sheet name (Excel matches sheet names case-insensitively)."""
        return self._by_fold.get(name.casefold())

    def cell(self, ref: CellRef) -> Cell | None:
        sheet = self.sheets.get(ref.sheet)
        return None if sheet is None else sheet.cells.get((ref.row, ref.col))

    def formula_cells(self) -> list[CellRef]:
        """Cells computed by a formula, members of array formulas included."""
        return [CellRef(s.name, r, c) for s in self.sheets.values()
                for (r, c), cell in s.cells.items()
                if cell.formula is not None or cell.array_anchor is not None]

    @property
    def first_sheet(self) -> str:
        return next(iter(self.sheets))


def _to_serial(value: Any) -> Any:
    from openpyxl.utils.datetime import to_excel

    if isinstance(value, dt.datetime | dt.date | dt.time):
        return float(to_excel(value))
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 86400.0
    return value


def _check_container(path: Path, limits: Limits) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise WorkbookError(f"{path}: cannot read the file ({exc.strerror})") from exc
    if size > limits.max_file_bytes:
        raise LimitError(f"{path}: the file is {size / 2**20:.1f} MB, above the limit of "
                         f"{limits.max_file_bytes / 2**20:.0f} MB")
    with open(path, "rb") as fh:
        head = fh.read(8)
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            body = head + fh.read()
            if "EncryptedPackage".encode("utf-16-le") in body:
                raise WorkbookError(f"{path}: the workbook is password-protected; "
                                    "remove the password in Excel and save it again")
            raise WorkbookError(f"{path}: this is an old .xls (Excel 97-2003) file; "
                                "open it in Excel or LibreOffice and save it as .xlsx")
    if not zipfile.is_zipfile(path):
        raise WorkbookError(f"{path}: not an .xlsx workbook (not a zip container)")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            names = {i.filename for i in infos}
            bad = zf.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise WorkbookError(f"{path}: the file is damaged or truncated ({exc})") from exc
    if bad is not None:
        raise WorkbookError(f"{path}: the file is damaged (corrupt member {bad})")
    if "xl/workbook.xml" not in names:
        raise WorkbookError(f"{path}: not an .xlsx workbook (no xl/workbook.xml inside)")
    if total > limits.max_uncompressed_bytes:
        raise LimitError(f"{path}: decompressed size {total / 2**20:.0f} MB exceeds the limit "
                         f"of {limits.max_uncompressed_bytes / 2**20:.0f} MB")
    if size and total / size > limits.max_ratio and total > 50 * 2**20:
        raise LimitError(f"{path}: compression ratio {total / size:.0f}:1 looks like a zip bomb")


def load_workbook(path: str | Path, limits: Limits | None = None) -> Workbook:
    """Read every sheet's constants, formulas and cached values, and the defined names."""
    import openpyxl
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    path = Path(path)
    limits = limits or Limits()
    _check_container(path, limits)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions
            wb_f = openpyxl.load_workbook(path, data_only=False, read_only=False)
            wb_v = openpyxl.load_workbook(path, data_only=True, read_only=False)
    except LimitError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on bad content
        raise WorkbookError(f"{path}: cannot read the workbook ({type(exc).__name__}: {exc})") from exc

    sheets: dict[str, Sheet] = {}
    tables: dict[str, Table] = {}
    total_cells = 0
    for ws in wb_f.worksheets:
        wv = wb_v[ws.title]
        sheet = Sheet(ws.title)
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                if v is None:
                    continue
                total_cells += 1
                if total_cells > limits.max_cells:
                    raise LimitError(f"{path}: more than {limits.max_cells:,} cells; "
                                     "the limit protects the machine from oversized files")
                cell = Cell(number_format=c.number_format or "General")
                cached = _to_serial(wv.cell(row=c.row, column=c.column).value)
                if isinstance(v, ArrayFormula):
                    cell.formula = v.text if v.text.startswith("=") else "=" + v.text
                    cell.array_ref = v.ref
                    cell.value = _cached(cached)
                elif isinstance(v, DataTableFormula):
                    cell.formula = "=TABLE()"
                    cell.value = _cached(cached)
                elif isinstance(v, str) and c.data_type == "f":
                    cell.formula = v
                    cell.value = _cached(cached)
                elif c.data_type == "e":
                    cell.value = ExcelError(str(v))
                else:
                    cell.value = _to_serial(v)
                sheet.cells[(c.row, c.column)] = cell
                sheet.max_row = max(sheet.max_row, c.row)
                sheet.max_col = max(sheet.max_col, c.column)
        # cells of CSE array formulas other than the anchor hold cached values only
        for (r, c), cell in list(sheet.cells.items()):
            if cell.array_ref:
                _mark_array_cells(sheet, wv, r, c, cell.array_ref)
        for tname in ws.tables:
            t = ws.tables[tname]
            from openpyxl.utils.cell import range_boundaries

            c1, r1, c2, r2 = range_boundaries(t.ref)
            tables[tname.upper()] = Table(
                tname, ws.title, r1, c1, r2, c2,
                tuple(str(col.name) for col in t.tableColumns),
                int(t.headerRowCount if t.headerRowCount is not None else 1),
                int(t.totalsRowCount or 0))
        for name, dn in getattr(ws, "defined_names", {}).items():
            if dn.attr_text:
                sheet.names[name.upper()] = dn.attr_text
        sheet.hidden_rows = frozenset(r for r, d in ws.row_dimensions.items() if d.hidden)
        sheets[ws.title] = sheet

    names = {}
    for name, dn in wb_f.defined_names.items():
        if dn.attr_text and dn.localSheetId is None:
            names[name.upper()] = dn.attr_text
        elif dn.attr_text:
            title = wb_f.worksheets[int(dn.localSheetId)].title
            sheets[title].names[name.upper()] = dn.attr_text
    log.info("loaded %s: %d sheets, %d cells", path.name, len(sheets), total_cells)
    return Workbook(path, sheets, names, tables)


def _cached(v: Any) -> Any:
    if isinstance(v, str) and v in ERROR_CODES:
        return ExcelError(v)
    return v


def _mark_array_cells(sheet: Sheet, wv: Any, r0: int, c0: int, ref: str) -> None:
    from openpyxl.utils.cell import range_boundaries

    min_col, min_row, max_col, max_row = range_boundaries(ref)
    anchor = CellRef(sheet.name, r0, c0)
    for r in range(min_row, max_row + 1):
        for c in range(min_col, max_col + 1):
            if (r, c) == (r0, c0):
                continue
            cached = _cached(_to_serial(wv.cell(row=r, column=c).value))
            sheet.cells[(r, c)] = Cell(value=cached, formula=None, array_anchor=anchor)
            sheet.max_row = max(sheet.max_row, r)
            sheet.max_col = max(sheet.max_col, c)
