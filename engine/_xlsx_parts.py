"""The small parts of an .xlsx: workbook.xml, number formats, shared strings, tables, links.

Each reader takes a :class:`~engine._xlsx_package.Package` and returns plain data or the
workbook dataclasses; none of them touches drawings, charts or comments, nor pivot caches
(but for a cache definition's field names, :func:`read_pivot_tables`).
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ._xlsx_package import Package, attr, child, children, is_true, local
from ._xlsx_sheet import CellBudget, parse_coordinate, parse_range, typed_value, unescape
from .errors import WorkbookError
from .workbook import CalcSettings, Cell, ExternalLink, PivotTable, Sheet, Table

if TYPE_CHECKING:
    from xml.etree import ElementTree as ET
    from xml.parsers.expat import XMLParserType

log = logging.getLogger(__name__)

# names openpyxl (and so the previous loader) leaves out; Excel uses them for printing/filters
_GLOBAL_SKIP = {"_xlnm.Print_Titles", "_xlnm.Print_Area", "_xlnm._FilterDatabase"}
_RESERVED = re.compile(r"^_xlnm\.(Print_Area|Print_Titles|Criteria|_FilterDatabase|Extract|"
                       r"Consolidate_Area|Sheet_Title)")


@dataclass(slots=True)
class SheetEntry:
    name: str
    part: str | None      # the worksheet part; None for a chartsheet or a missing part
    state: str = "visible"


@dataclass(slots=True)
class BookInfo:
    """What workbook.xml and its relationships say."""

    sheets: list[SheetEntry] = field(default_factory=list)
    names: list[tuple[str, int | None, str]] = field(default_factory=list)  # name, scope, text
    calc: CalcSettings = field(default_factory=CalcSettings)
    date1904: bool = False
    external_parts: list[str] = field(default_factory=list)  # in [1], [2], ... order
    shared_strings: str | None = None
    styles: str | None = None
    metadata: str | None = None   # the cell metadata part (dynamic-array formulas' flag)


def read_book(pkg: Package, part: str = "xl/workbook.xml") -> BookInfo:
    root = pkg.xml(part)
    rels = pkg.rels(part)
    info = BookInfo()
    for kind, target in rels.values():
        if kind == "sharedStrings":
            info.shared_strings = target
        elif kind == "styles":
            info.styles = target
        elif kind == "sheetMetadata":
            info.metadata = target
    for el in root:
        tag = local(el.tag)
        if tag == "workbookPr":
            info.date1904 = is_true(el.get("date1904"))
        elif tag == "sheets":
            for sh in children(el, "sheet"):
                kind, target = rels.get(attr(sh, "id") or "", ("", ""))
                part_name = target if kind != "chartsheet" and pkg.has(target) else None
                if part_name is None and kind != "chartsheet":
                    log.warning("%s: sheet %r has no worksheet part (%s); left out", pkg.path,
                                sh.get("name"), target or "no relationship")
                info.sheets.append(SheetEntry(sh.get("name") or "", part_name,
                                              sh.get("state") or "visible"))
        elif tag == "definedNames":
            for dn in children(el, "definedName"):
                scope = dn.get("localSheetId")
                info.names.append((dn.get("name") or "", int(scope) if scope else None,
                                   dn.text or ""))
        elif tag == "calcPr":
            info.calc = _calc(el)
        elif tag == "externalReferences":
            for ref in children(el, "externalReference"):
                kind, target = rels.get(attr(ref, "id") or "", ("", ""))
                if target:
                    info.external_parts.append(target)
    if not info.external_parts:  # no list in workbook.xml: take the parts by their number
        found = [n for n in pkg.names() if re.fullmatch(r"xl/externalLinks/externalLink\d+\.xml", n)]
        info.external_parts = sorted(found, key=lambda n: int(re.findall(r"\d+", n)[-1]))
    return info


def read_dynamic_marks(pkg: Package, part: str | None) -> frozenset[str] | None:
    """The ``cm`` values (cell metadata indices, from 1) that mark a formula as a
    dynamic-array formula (the XLDAPR metadata type, ``fDynamic="1"``); None where the
    workbook declares no such type (no metadata part: an application that knows nothing of
    the flag wrote it, or Excel with no dynamic-array formula to mark)."""
    if part is None or not pkg.has(part):
        return None
    root = pkg.xml(part)
    types = [el.get("name") or "" for kids in children(root, "metadataTypes")
             for el in children(kids, "metadataType")]
    if "XLDAPR" not in types:
        return None
    dynamic: list[bool] = []   # the XLDAPR blocks, in order
    for future in children(root, "futureMetadata"):
        if future.get("name") != "XLDAPR":
            continue
        for bk in children(future, "bk"):
            flags = [el for el in bk.iter() if local(el.tag) == "dynamicArrayProperties"]
            dynamic.append(any(is_true(el.get("fDynamic")) for el in flags))
    marks = set()
    for cells in children(root, "cellMetadata"):
        for k, bk in enumerate(children(cells, "bk"), start=1):
            for rc in children(bk, "rc"):
                try:
                    t, v = int(rc.get("t") or 0), int(rc.get("v") or 0)
                except ValueError:
                    continue
                if 1 <= t <= len(types) and types[t - 1] == "XLDAPR" and \
                        0 <= v < len(dynamic) and dynamic[v]:
                    marks.add(str(k))
    return frozenset(marks)


def _calc(el: ET.Element) -> CalcSettings:
    get = el.get
    try:
        count = int(get("iterateCount") or 100)
        delta = float(get("iterateDelta") or 0.001)
    except ValueError:
        count, delta = 100, 0.001
    return CalcSettings(full_calc_on_load=is_true(get("fullCalcOnLoad")),
                        calc_mode=get("calcMode") or "auto",
                        iterate=is_true(get("iterate")),
                        iterate_count=count, iterate_delta=delta)


def assign_names(info: BookInfo, sheets: dict[str, Sheet]) -> dict[str, str]:
    """Workbook-scoped names (upper-case -> formula text without '='); sheet-scoped ones go
    into ``Sheet.names`` (localSheetId counts every sheet, chartsheets included)."""
    names: dict[str, str] = {}
    for name, scope, text in info.names:
        if not text:
            continue
        if scope is None:
            if name not in _GLOBAL_SKIP:
                names[name.upper()] = text
            continue
        if not 0 <= scope < len(info.sheets):
            log.warning("defined name %s: its sheet index %d does not exist", name, scope)
            continue
        sheet = sheets.get(info.sheets[scope].name)
        if sheet is not None and not _RESERVED.match(name):
            sheet.names[name.upper()] = text
    return names


def filter_database(info: BookInfo, sheet: str) -> list[tuple[int, int]]:
    """The rows (header, last) of a sheet's ``_xlnm._FilterDatabase`` name: the range an
    advanced filter (Data > Advanced, in place) filters, which has no ``<autoFilter>``."""
    found = []
    for name, scope, text in info.names:
        if name != "_xlnm._FilterDatabase" or scope is None or not 0 <= scope < len(info.sheets) \
                or info.sheets[scope].name != sheet:
            continue
        try:
            r1, _, r2, _ = parse_range(text.rpartition("!")[2].replace("$", ""),
                                       f"defined name {name}")
        except WorkbookError:
            log.warning("sheet %r: _FilterDatabase %r is not a range; ignored", sheet, text)
            continue
        found.append((r1, r2))
    return found


def read_number_formats(pkg: Package, part: str | None) -> list[str]:
    """The number format code of each cell style (cellXfs), from numFmts and the built-ins;
    nothing else of the stylesheet is kept."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS

    if part is None or not pkg.has(part):
        return ["General"]
    custom: dict[int, str] = {}
    xf_ids: list[int] = []
    in_xfs = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal in_xfs
        tag = local(name)
        if tag == "numFmt":
            with contextlib.suppress(ValueError):
                custom[int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "General")
        elif tag == "cellXfs":
            in_xfs = True
        elif tag == "xf" and in_xfs:
            try:
                xf_ids.append(int(attrs.get("numFmtId") or 0))
            except ValueError:
                xf_ids.append(0)

    def end(name: str) -> None:
        nonlocal in_xfs
        if local(name) == "cellXfs":
            in_xfs = False

    def setup(p: XMLParserType) -> None:
        p.StartElementHandler, p.EndElementHandler = start, end

    pkg.parse(part, setup, namespaces=True)
    return [custom.get(i) or BUILTIN_FORMATS.get(i, "General") for i in xf_ids] or ["General"]


def read_shared_strings(pkg: Package, part: str | None) -> list[str]:
    """Every ``<si>``: its text, or its rich-text runs joined (phonetic runs left out)."""
    if part is None or not pkg.has(part):
        return []
    strings: list[str] = []
    runs: list[str] | None = None   # the texts of the current <si>
    text: list[str] | None = None   # the pieces of the current <t>
    in_phonetic = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal runs, text, in_phonetic
        tag = local(name)
        if tag == "si":
            runs = []
        elif tag == "t" and runs is not None and not in_phonetic:
            text = []
        elif tag == "rPh":
            in_phonetic = True

    def data(piece: str) -> None:
        if text is not None:
            text.append(piece)

    def end(name: str) -> None:
        nonlocal runs, text, in_phonetic
        tag = local(name)
        if tag == "t" and text is not None and runs is not None:
            runs.append("".join(text))
            text = None
        elif tag == "si":
            strings.append(unescape("".join(runs or ())))
            runs = None
        elif tag == "rPh":
            in_phonetic = False

    def setup(p: XMLParserType) -> None:
        p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, end, data

    pkg.parse(part, setup, namespaces=True)
    return strings


def read_tables(pkg: Package, sheet_part: str, sheet: str) -> list[Table]:
    """The tables (ListObjects) of one sheet, through the sheet's relationships."""
    out = []
    for kind, target in pkg.rels(sheet_part).values():
        if kind != "table" or not pkg.has(target):
            continue
        el = pkg.xml(target)
        name = el.get("displayName") or el.get("name") or ""
        where = f"{pkg.path}: table {name!r} ({target})"
        r1, c1, r2, c2 = parse_range(el.get("ref") or "", where)
        cols_el = child(el, "tableColumns")
        columns = tuple(unescape(c.get("name") or "") for c in children(cols_el, "tableColumn")) \
            if cols_el is not None else ()
        try:
            header = int(el.get("headerRowCount") or 1)
            totals = int(el.get("totalsRowCount") or 0)
        except ValueError:
            raise WorkbookError(f"{where}: bad header or totals row count") from None
        auto = child(el, "autoFilter")
        filtering = auto is not None and child(auto, "filterColumn") is not None
        out.append(Table(name, sheet, r1, c1, r2, c2, columns, header, totals, filtering))
    return out


class _FieldsRead(Exception):
    """Raised by the cache definition's handler past its cacheFields: the rest is not read."""


def _cache_field_names(pkg: Package, part: str) -> tuple[str, ...]:
    """The ``cacheField`` names of a pivot cache definition, streamed: their shared items are
    skipped, not kept, and reading stops at the end of ``cacheFields`` (the records part is
    never opened)."""
    names: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if name.rpartition(":")[2] == "cacheField":
            names.append(unescape(attrs.get("name") or ""))

    def end(name: str) -> None:
        if name.rpartition(":")[2] == "cacheFields":
            raise _FieldsRead

    def setup(p: XMLParserType) -> None:
        p.StartElementHandler = start
        p.EndElementHandler = end

    with contextlib.suppress(_FieldsRead):
        pkg.parse(part, setup)
    return tuple(names)


def _pivot_items(el: ET.Element | None) -> tuple[tuple[str, int, int], ...]:
    """rowItems / colItems: per body row (column), its type ("" for items), the first
    field level it names (``r``: those before repeat the row above) and how many it names."""
    if el is None:
        return ()
    return tuple(("" if (t := i.get("t") or "data") == "data" else t, int(i.get("r") or 0),
                  sum(1 for _ in children(i, "x"))) for i in children(el, "i"))


def read_pivot_tables(pkg: Package, sheet_part: str, sheet: str) -> list[PivotTable]:
    """The pivot tables of one sheet (their layout only, for GETPIVOTDATA): each table's part
    and, for the fields' names that part does not hold, its cache definition's cacheField
    names (:func:`_cache_field_names`).  A table whose parts do not read is left out (its
    GETPIVOTDATA is #REF!), the workbook is read all the same."""
    out = []
    for kind, target in pkg.rels(sheet_part).values():
        if kind != "pivotTable" or not pkg.has(target):
            continue
        try:
            got = _pivot_table(pkg, target, sheet)
        except (ValueError, WorkbookError) as exc:
            log.info("%s: pivot table %s not read (%s)", pkg.path, target, exc)
            continue
        if got is not None:
            out.append(got)
    return out


def _pivot_table(pkg: Package, target: str, sheet: str) -> PivotTable | None:
    el = pkg.xml(target)
    loc = child(el, "location")
    if loc is None:
        return None
    r1, c1, r2, c2 = parse_range(loc.get("ref") or "", f"{pkg.path}: {target}")
    offsets = [int(loc.get(k) or 0) for k in ("firstHeaderRow", "firstDataRow", "firstDataCol")]
    rows, cols = ([int(f.get("x") or 0) for f in children(axis, "field")]
                  if (axis := child(el, tag)) is not None else []
                  for tag in ("rowFields", "colFields"))
    data_el = child(el, "dataFields")
    data = tuple((unescape(d.get("name") or ""), int(d.get("fld") or 0))
                 for d in (children(data_el, "dataField") if data_el is not None else ()))
    cache = [t for k, t in pkg.rels(target).values() if k == "pivotCacheDefinition"]
    names = list(_cache_field_names(pkg, cache[0]) if cache and pkg.has(cache[0]) else ())
    pf = child(el, "pivotFields")
    for n, f in enumerate(children(pf, "pivotField") if pf is not None else ()):
        if f.get("name"):   # a field renamed in the table
            names += [""] * (n + 1 - len(names))
            names[n] = unescape(f.get("name") or "")
    return PivotTable(
        el.get("name") or "", sheet, r1, c1, r2, c2, *offsets, tuple(rows), tuple(cols),
        data, tuple(names), _pivot_items(child(el, "rowItems")),
        _pivot_items(child(el, "colItems")), compact_rows=offsets[2] <= 1)


def read_external_link(pkg: Package, part: str, index: int, budget: CellBudget
                       ) -> tuple[ExternalLink, list[Sheet]] | None:
    """``[index]``: the linked file's name, its sheets with the values Excel cached, its names."""
    root = pkg.xml(part)
    book = child(root, "externalBook")
    if book is None:
        log.info("%s: %s is not a workbook link (DDE/OLE); skipped", pkg.path, part)
        return None
    rels = pkg.rels(part)
    target = rels.get(attr(book, "id") or "", ("", ""))[1]
    names_el = child(book, "sheetNames")
    sheet_names = tuple(s.get("val") or "" for s in children(names_el, "sheetName")) \
        if names_el is not None else ()
    sheets = [Sheet(f"[{index}]{s}", external=target) for s in sheet_names]
    link_names: dict[str, str] = {}
    dn_el = child(book, "definedNames")
    for dn in children(dn_el, "definedName") if dn_el is not None else ():
        name, refers = dn.get("name") or "", dn.get("refersTo") or ""
        if not name or not refers:
            continue  # a name whose target Excel did not keep
        text = _qualify_external(refers, index)
        sid = dn.get("sheetId")
        if sid is not None and sid.isdigit() and int(sid) < len(sheets):
            sheets[int(sid)].names[name.upper()] = text
        else:
            link_names[name.upper()] = text
    data_el = child(book, "sheetDataSet")
    for sd in children(data_el, "sheetData") if data_el is not None else ():
        sid = sd.get("sheetId") or ""
        if not sid.isdigit() or int(sid) >= len(sheets):
            continue
        sheet = sheets[int(sid)]
        where = f"{pkg.path}: external link [{index}] sheet {sheet_names[int(sid)]!r}"
        for row in children(sd, "row"):
            for c in children(row, "cell"):
                ref = c.get("r") or ""
                v = child(c, "v")
                if v is None or v.text is None:
                    continue
                r, col = parse_coordinate(ref, where)
                t = c.get("t") or "n"
                value = typed_value("str" if t == "s" else t, v.text, [], f"{where}, cell {ref}")
                budget.take()
                sheet.cells[(r, col)] = Cell(value)
                sheet.max_row, sheet.max_col = max(sheet.max_row, r), max(sheet.max_col, col)
    link = ExternalLink(index, target, sheet_names, link_names)
    return link, sheets


def _qualify_external(refers: str, index: int) -> str:
    """'=Sheet1!$A$1' in the linked book -> '[1]Sheet1!$A$1' as seen from this workbook."""
    from openpyxl.formula.tokenizer import Token, Tokenizer

    text = refers[1:] if refers.startswith("=") else refers
    if "!" not in text:
        return text
    try:
        tokens = Tokenizer("=" + text).items
    except Exception:  # leave text the tokenizer cannot read as it is
        return text
    out = []
    for tok in tokens:
        value = tok.value
        if tok.type == Token.OPERAND and tok.subtype == Token.RANGE and "!" in value \
                and not value.startswith("["):
            if value.startswith("'"):
                value = f"'[{index}]" + value[1:]
            else:
                value = f"[{index}]" + value
        out.append(value)
    return "".join(out)
