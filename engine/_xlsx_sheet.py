"""One pass over a worksheet's XML: constants, formulas and cached values together.

The sheet part is streamed through expat; each ``<c>`` becomes a :class:`~engine.workbook.Cell`
when it ends. Shared formulas are expanded from their anchor (openpyxl's ``Translator`` moves
the relative references), array formulas keep their range, data tables read ``=TABLE()``.
A ``<c>`` that holds neither a value nor a formula (a styled empty cell) is skipped, so the used
range is bounded by the cells that hold something; ``<dimension>`` is ignored.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from ._future_functions import unprefixed_as_unknown
from .errors import LimitError, WorkbookError
from .values import ExcelError
from .workbook import Cell, CellRef, Limits, Sheet, col_letters

if TYPE_CHECKING:
    from xml.parsers.expat import XMLParserType


log = logging.getLogger(__name__)

MAX_ROW = 1_048_576
MAX_COL = 16_384  # XFD
_COORD = re.compile(r"\$?([A-Za-z]{1,4})\$?([0-9]{1,8})")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_COLS: dict[str, int] = {}
_DIGITS = "0123456789"
_COLUMNS = {col_letters(c): c for c in range(1, MAX_COL + 1)}  # 'A' -> 1 ... 'XFD' -> 16384


def _ignore(*_: object) -> None:
    """The handler of every element the reader does not use."""


def unescape(text: str) -> str:
    """OOXML's ``_xHHHH_`` escapes (``_x000D_`` is a carriage return, ``_x005F_`` an underscore)."""
    if "_x" not in text:
        return text
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


class CellBudget:
    """Cells stored so far, across every sheet, against ``Limits.max_cells``."""

    def __init__(self, book: str, limit: int) -> None:
        self.book, self.limit, self.used = book, limit, 0

    def take(self, n: int = 1) -> None:
        self.used += n
        if self.used > self.limit:
            raise LimitError(f"{self.book}: more than {self.limit:,} cells; the limit protects "
                             f"the machine from oversized files {Limits.hint('max_cells')}")


def parse_coordinate(text: str, where: str) -> tuple[int, int]:
    """'B12' -> (12, 2); a reference past row 1,048,576 or column XFD is a WorkbookError."""
    m = _COORD.fullmatch(text)
    if m is None:
        raise WorkbookError(f"{where}: {text!r} is not a cell reference")
    letters, digits = m.groups()
    col = _COLS.get(letters)
    if col is None:
        col = 0
        for ch in letters.upper():
            col = col * 26 + ord(ch) - 64
        if len(_COLS) < 100_000:
            _COLS[letters] = col
    row = int(digits)
    if not 1 <= row <= MAX_ROW:
        raise WorkbookError(f"{where}: cell {text} is beyond Excel's last row (1,048,576)")
    if col > MAX_COL:
        raise WorkbookError(f"{where}: cell {text} is beyond Excel's last column (XFD)")
    return row, col


def parse_range(text: str, where: str) -> tuple[int, int, int, int]:
    """'B2:C4' -> (r1, c1, r2, c2); a single cell is a 1x1 range."""
    first, _, last = text.partition(":")
    r1, c1 = parse_coordinate(first, where)
    r2, c2 = parse_coordinate(last, where) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def number(text: str, where: str) -> int | float:
    try:
        if "." in text or "e" in text or "E" in text:
            return float(text)
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise WorkbookError(f"{where}: {text!r} is not a number") from None


def iso_serial(text: str, where: str) -> float:
    """A ``t="d"`` ISO 8601 value as an Excel serial number."""
    from openpyxl.utils.datetime import from_ISO8601, to_excel

    try:
        return float(to_excel(from_ISO8601(text)))
    except (ValueError, TypeError, OverflowError):
        raise WorkbookError(f"{where}: {text!r} is not an ISO 8601 date") from None


def typed_value(t: str, v: str, strings: list[str], where: str) -> Any:
    """A ``<v>`` text by its cell type: number, shared string, text, boolean, error, date."""
    if t == "n":
        return number(v, where)
    if t == "s":
        try:
            return strings[int(v)]
        except (ValueError, IndexError):
            raise WorkbookError(f"{where}: shared string {v!r} does not exist") from None
    if t == "str" or t == "inlineStr":
        return unescape(v)
    if t == "b":
        return v.strip().lower() in ("1", "true")
    if t == "e":
        return ExcelError(v)
    if t == "d":
        return iso_serial(v, where)
    return v


def _anchor(formula: str, origin: str) -> Any:
    """openpyxl's Translator for a shared formula's anchor, or the text it cannot tokenize."""
    from openpyxl.formula.translate import Translator

    try:
        return Translator(formula, origin)
    except Exception:  # TokenizerError and friends: the formula parser will name the cell
        return formula


class SheetReader:
    """Expat handlers that fill a :class:`Sheet` from its worksheet part.

    Handlers are looked up by the element's name as written (``c`` or ``x:c``), learned from
    the prefix of ``<sheetData>``; character data is collected only inside ``<v>``, ``<f>``
    and inline-string ``<t>`` (the handler is switched on and off), which keeps the per-cell
    cost to a few Python calls.
    """

    def __init__(self, book: str, sheet: Sheet, strings: list[str], formats: list[str],
                 limits: Limits, budget: CellBudget) -> None:
        self.where = f"{book}: sheet {sheet.name!r}"
        self.sheet, self.strings, self.formats = sheet, strings, formats
        self.max_formula = limits.max_formula_chars
        self.max_cells = limits.max_cells
        self.budget = budget
        self._p: XMLParserType | None = None
        self._starts: dict[str, Any] = {}
        self._ends: dict[str, Any] = {}
        self._fmt: dict[str | None, str] = {}
        self._row = 0
        self._row_text: str | None = None
        self._col = 0
        self._hidden: set[int] = set()
        self.date_shift = 0  # 1462 in a workbook of the 1904 date system (t="d" cells)
        self.dynamic_marks: frozenset[str] = frozenset()  # cm values of dynamic-array formulas
        self._dynamic: list[tuple[int, int]] = []
        # the rows of the sheet's <autoFilter ref>, when it filters a column (<filterColumn>)
        self.filter_rows: tuple[int, int] | None = None
        # <sheetPr filterMode="1">: a filter hides rows (an advanced filter has no <autoFilter>)
        self.filter_mode = False
        self._filter_ref: tuple[int, int] | None = None
        self._shared: dict[str, Any] = {}
        self._arrays: list[tuple[int, int, str]] = []
        self._buf: list[str] = []
        self._in_is = self._in_rph = False
        self._start_c({})

    # -------------------------------------------------------------- expat wiring
    def setup(self, p: XMLParserType) -> None:
        self._p = p
        p.StartElementHandler = self._start
        p.EndElementHandler = self._end

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        handler = self._starts.get(name)
        if handler is None:
            handler = self._learn(name, True)
        handler(attrs)

    def _end(self, name: str) -> None:
        handler = self._ends.get(name)
        if handler is None:
            handler = self._learn(name, False)
        handler()

    def _learn(self, name: str, start: bool) -> Any:
        """The handler for an element name seen for the first time."""
        if name.rpartition(":")[2] == "sheetData":
            prefix = name[:-len("sheetData")]
            self._starts.update({prefix + k: h for k, h in (
                ("c", self._start_c), ("v", self._start_text), ("f", self._start_f),
                ("row", self._start_row), ("is", self._start_is), ("t", self._start_t),
                ("rPh", self._start_rph))})
            self._ends.update({prefix + k: h for k, h in (
                ("c", self._end_cell), ("v", self._end_v), ("f", self._end_f),
                ("t", self._end_t), ("is", self._end_is), ("rPh", self._end_rph))})
            self._ends[name] = self._end_data
            self._starts[name] = _ignore
            self._prefix = prefix
            return _ignore
        if start and name.rpartition(":")[2] == "sheetPr":
            self._starts[name] = self._start_sheet_pr
            return self._start_sheet_pr
        (self._starts if start else self._ends)[name] = _ignore
        return _ignore

    def _start_sheet_pr(self, attrs: dict[str, str]) -> None:
        self.filter_mode = (attrs.get("filterMode") or "").strip().lower() in ("1", "true")

    def _end_data(self) -> None:
        """After ``</sheetData>`` only the sheet's ``<autoFilter>`` is read."""
        prefix = getattr(self, "_prefix", "")
        self._starts = {prefix + "autoFilter": self._start_autofilter,
                        prefix + "filterColumn": self._start_filter_column}
        self._ends = {}
        self._learn = lambda name, start: _ignore  # type: ignore[method-assign]

    def _start_autofilter(self, attrs: dict[str, str]) -> None:
        try:
            r1, _, r2, _ = parse_range((attrs.get("ref") or "").replace("$", ""),
                                     f"{self.where}, autoFilter")
        except WorkbookError:
            log.warning("%s: autoFilter ref %r is not a range; ignored", self.where,
                        attrs.get("ref"))
            return
        self._filter_ref = (r1, r2)

    def _start_filter_column(self, attrs: dict[str, str]) -> None:
        self.filter_rows = self._filter_ref

    def _collect(self) -> None:
        self._buf = []
        assert self._p is not None
        self._p.CharacterDataHandler = self._buf.append

    def _collected(self) -> str:
        assert self._p is not None
        self._p.CharacterDataHandler = None
        buf = self._buf
        return buf[0] if len(buf) == 1 else "".join(buf)

    def _start_c(self, attrs: dict[str, str]) -> None:
        self._r = attrs.get("r")
        self._t = attrs.get("t")
        self._s = attrs.get("s")
        self._cm = attrs.get("cm")
        self._v: str | None = None
        self._f: str | None = None
        self._fa: dict[str, str] | None = None
        self._is: list[str] | None = None

    def _start_text(self, attrs: dict[str, str]) -> None:
        self._collect()

    def _start_f(self, attrs: dict[str, str]) -> None:
        self._fa = attrs
        self._collect()

    def _end_v(self) -> None:
        self._v = self._collected()

    def _end_f(self) -> None:
        self._f = self._collected()

    def _start_is(self, attrs: dict[str, str]) -> None:
        self._in_is, self._is = True, []

    def _end_is(self) -> None:
        self._in_is = False

    def _start_rph(self, attrs: dict[str, str]) -> None:
        self._in_rph = True

    def _end_rph(self) -> None:
        self._in_rph = False

    def _start_t(self, attrs: dict[str, str]) -> None:
        if self._in_is and not self._in_rph:
            self._collect()

    def _end_t(self) -> None:
        if self._in_is and not self._in_rph and self._is is not None:
            self._is.append(self._collected())

    def _start_row(self, attrs: dict[str, str]) -> None:
        r = attrs.get("r")
        self._row_text = r
        if r is None:
            self._row += 1
        else:
            try:
                self._row = int(r)
            except ValueError:
                raise WorkbookError(f"{self.where}: row {r!r} is not a row number") from None
            if not 1 <= self._row <= MAX_ROW:
                raise WorkbookError(f"{self.where}: row {r} is beyond Excel's last row "
                                    "(1,048,576)")
        self._col = 0
        hidden = attrs.get("hidden")
        if hidden is not None and hidden.strip().lower() in ("1", "true"):
            self._hidden.add(self._row)

    # -------------------------------------------------------------- one cell
    def _end_cell(self) -> None:
        r = self._r
        if r is None:
            row, col = self._row, self._col + 1
            r = f"{col_letters(col)}{row}"
            if row < 1:
                raise WorkbookError(f"{self.where}: a cell outside any row")
        else:
            letters = r.rstrip(_DIGITS)
            col = _COLUMNS.get(letters, 0)
            digits = r[len(letters):]
            if digits == self._row_text:
                row = self._row  # one int per row, not per cell
            else:
                try:
                    row = int(digits)
                except ValueError:
                    row = 0
            if not col or not 0 < row <= MAX_ROW:
                row, col = parse_coordinate(r, self.where)  # the message, or a lower-case ref
        self._col = col
        t, v = self._t, self._v
        if v:
            if t is None or t == "n":
                try:
                    value: Any = float(v) if ("." in v or "e" in v or "E" in v) else int(v)
                except ValueError:
                    value = number(v, f"{self.where}, cell {r}")
            else:
                value = typed_value(t, v, self.strings, f"{self.where}, cell {r}")
                if t == "d":  # an ISO date: a serial of the workbook's date system
                    value -= self.date_shift
        elif t == "inlineStr" and self._is is not None:
            value = unescape("".join(self._is))
        elif v == "" and t == "str" and self._fa is not None:
            value = ""  # a formula's empty text result
        else:
            value = None
        if self._fa is not None:
            formula, array_ref = self._formula(r, row, col)
            if formula is None and value is None:
                return
            if formula is not None and value is not None:   # saved by an application:
                formula = unprefixed_as_unknown(formula)   # XLOOKUP( without _xlfn.: #NAME?
            if self._cm is not None and self._cm in self.dynamic_marks:
                self._dynamic.append((row, col))
        elif value is None:
            return  # a styled empty cell holds nothing
        else:
            formula = array_ref = None
        fmt = self._fmt.get(self._s)
        if fmt is None:
            fmt = self._fmt[self._s] = self._format(self._s)
        budget = self.budget
        budget.used += 1
        if budget.used > budget.limit:
            budget.take(0)
        sheet = self.sheet
        sheet.cells[(row, col)] = Cell(value, formula, array_ref, None, fmt)
        if row > sheet.max_row:
            sheet.max_row = row
        if col > sheet.max_col:
            sheet.max_col = col

    def _format(self, s: str | None) -> str:
        try:
            return self.formats[int(s or 0)]
        except (ValueError, IndexError):
            return "General"

    def _formula(self, r: str, row: int, col: int) -> tuple[str | None, str | None]:
        fa = self._fa or {}
        text = self._f or ""
        if len(text) > self.max_formula:
            raise LimitError(f"{self.where}, cell {r}: the formula has {len(text):,} characters, above the limit "
                             f"of {self.max_formula:,} {Limits.hint('max_formula_chars')}")
        kind = fa.get("t")
        if kind is None:
            return "=" + text, None
        if kind == "shared":
            si = fa.get("si", "")
            anchor = self._shared.get(si)
            if anchor is not None:
                return self._translate(anchor, r), None
            if not text:
                log.warning("%s, cell %s: shared formula %s has no anchor; its cached value is "
                            "kept", self.where, r, si)
                return None, None
            self._shared[si] = _anchor("=" + text, r)
            return "=" + text, None
        if kind == "array":
            ref = fa.get("ref") or r
            self._arrays.append((row, col, ref))
            return "=" + text, ref
        if kind == "dataTable":
            return "=TABLE()", None
        return "=" + text, None

    @staticmethod
    def _translate(anchor: Any, r: str) -> str:
        if isinstance(anchor, str):  # text the tokenizer cannot read: reported by the parser
            return anchor
        try:
            return str(anchor.translate_formula(r))
        except Exception:  # a reference openpyxl cannot move: report the anchor's text as is
            return str(anchor.tokenizer.formula)

    # -------------------------------------------------------------- after the part
    def finish(self) -> None:
        """Mark the other cells of each array formula, record the hidden rows."""
        sheet = self.sheet
        for r0, c0, ref in self._arrays:
            where = f"{self.where}, array formula at {col_letters(c0)}{r0}"
            r1, c1, r2, c2 = parse_range(ref, where)
            size = (r2 - r1 + 1) * (c2 - c1 + 1)
            if size > self.max_cells:
                raise LimitError(f"{where}: its range {ref} has {size:,} cells, above the limit "
                                 f"of {self.max_cells:,} cells {Limits.hint('max_cells')}")
            anchor = CellRef(sheet.name, r0, c0)
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    if (r, c) == (r0, c0):
                        continue
                    cell = sheet.cells.get((r, c))
                    if cell is None:
                        self.budget.take()
                        sheet.cells[(r, c)] = Cell(array_anchor=anchor)
                    else:
                        cell.formula, cell.array_ref, cell.array_anchor = None, None, anchor
            sheet.max_row = max(sheet.max_row, r2)
            sheet.max_col = max(sheet.max_col, c2)
        sheet.hidden_rows = frozenset(self._hidden)
        sheet.dynamic_formulas = frozenset(self._dynamic)
