"""Load an .xlsx workbook: values, formulas, cached results, defined names, tables, links.

Each worksheet's XML is read once, formulas and cached values together (``_xlsx_sheet``);
the small parts (workbook.xml, number formats, shared strings, tables, external links) by
``_xlsx_parts``; the container and its limits by ``_xlsx_package``. Pivot caches, drawings,
charts and comments are never opened. Every failure is a :class:`WorkbookError` that names the
file (and the sheet, cell or part where it can), never a traceback.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

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


class CellRef(NamedTuple):
    """A cell: sheet name as spelled in the workbook, 1-based row and column.

    A tuple underneath, so hashing and comparing (the keys of the 10^6-cell dicts and sets
    of a big workbook's pass) run in C rather than in a dataclass's Python ``__hash__``;
    ordered as (sheet, row, col)."""

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
    # hidden rows inside an AutoFilter's range (the sheet's or a table's): rows a filter
    # leaves out, which SUBTOTAL leaves out with every function number
    filtered_rows: frozenset[int] = frozenset()
    external: str | None = None  # the linked file, for a sheet cached from an external link
    state: str = "visible"       # or "hidden", "veryHidden"
    # (row, col) of the formulas saved with the dynamic-array flag (cm, the metadata part)
    dynamic_formulas: frozenset[tuple[int, int]] = frozenset()


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
    filtering: bool = False  # its AutoFilter filters a column (its hidden rows are filtered out)


@dataclass(frozen=True, slots=True)
class PivotTable:
    """A pivot table's layout as its part (xl/pivotTables/pivotTableN.xml) gives it, for
    GETPIVOTDATA (engine.functions.pivot): its range, the offsets of its first header row,
    data row and data column, its row and column fields (indices into ``fields``; -2 is the
    Values field of several data fields), its data fields (name, source field index), each
    field's name, and per body row / column the item levels it shows: (type, first level,
    levels) from rowItems / colItems (type "" for items, "default" for subtotals, "grand")."""

    name: str
    sheet: str
    r1: int
    c1: int
    r2: int
    c2: int
    first_header_row: int
    first_data_row: int
    first_data_col: int
    row_fields: tuple[int, ...]
    col_fields: tuple[int, ...]
    data_fields: tuple[tuple[str, int], ...]
    fields: tuple[str, ...]
    row_items: tuple[tuple[str, int, int], ...]
    col_items: tuple[tuple[str, int, int], ...]
    compact_rows: bool = True   # every row field's labels in the first column


# each limit's environment variable: it replaces the default (a field given explicitly wins)
LIMIT_ENV = {
    "max_file_bytes": "MCDESK_MAX_FILE_BYTES",
    "max_uncompressed_bytes": "MCDESK_MAX_UNCOMPRESSED_BYTES",
    "max_cells": "MCDESK_MAX_CELLS",
    "max_ratio": "MCDESK_MAX_RATIO",
    "max_formula_chars": "MCDESK_MAX_FORMULA_CHARS",
    "max_range_cells": "MCDESK_MAX_RANGE_CELLS",
    "max_array_cells": "MCDESK_MAX_ARRAY_CELLS",
    "max_model_bytes": "MCDESK_MAX_MODEL_BYTES",
}


MODEL_BYTES_PER_VALUE = 17  # a float64 value and a uint8 error code per trial


def _size(n: float) -> str:
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.1f} MB" if n >= 2**20 \
        else f"{n:,.0f} bytes"


def _env_limit(name: str, default: float) -> Any:
    def read() -> Any:
        var = LIMIT_ENV[name]
        text = os.environ.get(var, "").strip().replace("_", "")
        if not text:
            return default
        try:
            value = type(default)(text) if text.isascii() else None
        except ValueError:
            value = None
        if value is None or not value > 0:
            from .errors import LimitError

            raise LimitError(f"{var}={os.environ[var]!r}: not a positive "
                             f"{'whole ' if isinstance(default, int) else ''}number")
        return value

    return field(default_factory=read)


@dataclass(frozen=True, slots=True)
class Limits:
    """What one open (and the deterministic pass over it) may take; each default can be
    raised with its environment variable (:data:`LIMIT_ENV`, :meth:`hint`)."""

    max_file_bytes: int = _env_limit("max_file_bytes", 200 * 2**20)
    max_uncompressed_bytes: int = _env_limit("max_uncompressed_bytes", 2 * 2**30)
    max_cells: int = _env_limit("max_cells", 5_000_000)
    # decompressed / compressed, to refuse zip bombs
    max_ratio: float = _env_limit("max_ratio", 200.0)
    # Excel's own limit is 8,192; scripts write longer ones
    max_formula_chars: int = _env_limit("max_formula_chars", 65_536)
    # cells of one range as read (clipped to the cells its sheet holds)
    max_range_cells: int = _env_limit("max_range_cells", 5_000_000)
    # cells of one array a function builds (SEQUENCE, MAKEARRAY, MUNIT, EXPAND, MMULT)
    max_array_cells: int = _env_limit("max_array_cells", 5_000_000)
    # per-trial arrays one run of the compiled model holds at once (a value and an error
    # code per trial for each input and each varying cell), estimated before the run
    max_model_bytes: int = _env_limit("max_model_bytes", 8 * 2**30)

    def model_budget(self, cells: int, trials: int, first: object) -> None:
        """Refuse a run of ``cells`` per-trial cells over ``trials`` trials whose arrays would
        take more than ``max_model_bytes`` (a LimitError naming ``first``, the first of them)."""
        need = cells * trials * MODEL_BYTES_PER_VALUE
        if need > self.max_model_bytes:
            from .errors import LimitError

            raise LimitError(
                f"{first}: the compiled model holds {cells:,} per-trial cells (this one first); "
                f"{trials:,} trials at once take about {_size(need)}, above the limit of "
                f"{_size(self.max_model_bytes)} {Limits.hint('max_model_bytes')}")

    @staticmethod
    def hint(name: str) -> str:
        """'(Limits.max_cells; MCDESK_MAX_CELLS raises it)' for a limit's error message."""
        return f"(Limits.{name}; {LIMIT_ENV[name]} raises it)"


@dataclass(frozen=True, slots=True)
class ExternalLink:
    """``[index]`` in formulas: a linked workbook whose values Excel cached in this file.

    Its sheets are in :attr:`Workbook.sheets` as ``"[index]Sheet name"`` (constants only);
    ``names`` are its defined names (upper-case -> refersTo as seen from this workbook, e.g.
    ``"[1]Sheet1!$A$1"`` or a constant); sheet-scoped ones are in that sheet's ``names``.
    """

    index: int
    target: str                   # as the link's relationship writes it (a path or a URL)
    sheets: tuple[str, ...]
    names: dict[str, str]

    @property
    def file_name(self) -> str:
        """The target's base name, e.g. 'Book.xlsx'."""
        return re.split(r"[/\\]", self.target.rstrip("/\\"))[-1]


@dataclass(frozen=True, slots=True)
class CalcSettings:
    """``<calcPr>``: whether the cached values are Excel's last answer, and iteration."""

    full_calc_on_load: bool = False
    calc_mode: str = "auto"        # "auto" | "manual" | "autoNoTable"
    iterate: bool = False
    iterate_count: int = 100
    iterate_delta: float = 0.001


@dataclass(slots=True)
class Workbook:
    path: Path
    sheets: dict[str, Sheet]            # keyed by name as spelled
    names: dict[str, str]               # workbook-scoped defined names (upper) -> formula text
    tables: dict[str, Table] = field(default_factory=dict)  # keyed by upper-case name
    externals: dict[int, ExternalLink] = field(default_factory=dict)  # [1], [2], ...
    calc: CalcSettings = field(default_factory=CalcSettings)
    has_pivot_tables: bool = False
    date1904: bool = False         # serials count from 1904-01-01 (old Mac workbooks)
    # the file marks dynamic-array formulas (a metadata part with the XLDAPR type): a formula
    # without the mark is a legacy one (implicit intersection), an array one is CSE ({=..})
    marks_dynamic: bool = False
    _by_fold: dict[str, str] = field(default_factory=dict)
    pivot_tables: tuple[PivotTable, ...] = ()   # their layouts, for GETPIVOTDATA

    def __post_init__(self) -> None:
        self._by_fold = {n.casefold(): n for n in self.sheets}

    def sheet_name(self, name: str) -> str | None:
        """The workbook's spelling of a sheet name (Excel matches sheet names case-insensitively)."""
        return self._by_fold.get(name.casefold())

    def cell(self, ref: CellRef) -> Cell | None:
        sheet = self.sheets.get(ref.sheet)
        return None if sheet is None else sheet.cells.get((ref.row, ref.col))

    def dynamic_formula(self, ref: CellRef) -> bool:
        """Whether ``ref``'s formula was saved with the dynamic-array flag."""
        sheet = self.sheets.get(ref.sheet)
        return sheet is not None and (ref.row, ref.col) in sheet.dynamic_formulas

    def legacy_formula(self, ref: CellRef) -> bool:
        """Whether ``ref``'s formula is a legacy (pre-dynamic-array) one: the file marks
        dynamic-array formulas and this one has no mark.  Excel evaluates it as Excel 2019
        did: a range where one value is expected is intersected with the formula's cell."""
        return self.marks_dynamic and not self.dynamic_formula(ref)

    def formula_cells(self) -> list[CellRef]:
        """Cells computed by a formula, members of array formulas included."""
        return [CellRef(s.name, r, c) for s in self.sheets.values()
                for (r, c), cell in s.cells.items()
                if cell.formula is not None or cell.array_anchor is not None]

    @property
    def first_sheet(self) -> str:
        return next(iter(self.sheets))

    @property
    def visible_sheets(self) -> dict[str, Sheet]:
        """The workbook's own sheets (hidden ones included), without external-link caches."""
        return {n: s for n, s in self.sheets.items() if s.external is None}

    def external_index(self, file_name: str) -> int | None:
        """N of the link ``[N]`` whose target file is ``file_name`` (base name, any case)."""
        want = re.split(r"[/\\]", file_name)[-1].casefold()
        for n, link in self.externals.items():
            if link.file_name.casefold() == want:
                return n
        return None


def load_workbook(path: str | Path, limits: Limits | None = None) -> Workbook:
    """Read every sheet's constants, formulas and cached values, names, tables and links."""
    from ._xlsx_reader import read_workbook

    return read_workbook(Path(path), limits or Limits())


