"""Benchmark: loading workbooks with the one-pass reader against openpyxl and the old loader.

    python bench/bench_load.py [--out DIR] [--skip-openpyxl] [--timeout 300]

Generates three workbooks (raw zip XML, so the sizes are exact):
  (a) 4,000 formulas and a pivot cache of about 50 MB uncompressed, used by a pivot table
      (openpyxl's full load parses it; we never open it),
  (b) 100,000 formulas with cached values,
  (c) one styled empty cell at row 1,048,576 and one formula,
and prints for each, every number measured in its own child process (time, peak RSS):
our ``load_workbook``, ``check_model(Model.open(p))`` (what ``mcdesk check`` does), openpyxl's
full load (formulas) and the previous loader (openpyxl twice, formulas then data_only), with
ratios. Then the four largest workbooks of tests/data/workbooks, old loader against new.
Goals: (a) check <= 5 s, (b) check <= 20 s, peak RSS < 1 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
import warnings
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _measure  # noqa: E402

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"


# ------------------------------------------------------------------ the previous loader
def old_load_workbook(path: Path) -> Any:
    """The loader before the one-pass reader (kept here only to compare against)."""
    import openpyxl
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.utils.datetime import to_excel
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    from engine.values import ERROR_CODES, ExcelError
    from engine.workbook import Cell, CellRef, Sheet, Table, Workbook

    def serial(v: Any) -> Any:
        if isinstance(v, dt.datetime | dt.date | dt.time):
            return float(to_excel(v))
        if isinstance(v, dt.timedelta):
            return v.total_seconds() / 86400.0
        return v

    def cached(v: Any) -> Any:
        return ExcelError(v) if isinstance(v, str) and v in ERROR_CODES else v

    with zipfile.ZipFile(path) as zf:  # the old container check decompressed every part
        zf.testzip()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb_f = openpyxl.load_workbook(path, data_only=False)
        wb_v = openpyxl.load_workbook(path, data_only=True)
    sheets, tables = {}, {}
    for ws in wb_f.worksheets:
        wv = wb_v[ws.title]
        sheet = Sheet(ws.title)
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                if v is None:
                    continue
                cell = Cell(number_format=c.number_format or "General")
                cv = serial(wv.cell(row=c.row, column=c.column).value)
                if isinstance(v, ArrayFormula):
                    cell.formula, cell.array_ref, cell.value = "=" + v.text.lstrip("="), v.ref, cached(cv)
                elif isinstance(v, DataTableFormula):
                    cell.formula, cell.value = "=TABLE()", cached(cv)
                elif isinstance(v, str) and c.data_type == "f":
                    cell.formula, cell.value = v, cached(cv)
                elif c.data_type == "e":
                    cell.value = ExcelError(str(v))
                else:
                    cell.value = serial(v)
                sheet.cells[(c.row, c.column)] = cell
                sheet.max_row, sheet.max_col = max(sheet.max_row, c.row), max(sheet.max_col, c.column)
        for (r0, c0), cell in list(sheet.cells.items()):
            if cell.array_ref:
                c1, r1, c2, r2 = range_boundaries(cell.array_ref)
                for r in range(r1, r2 + 1):
                    for c in range(c1, c2 + 1):
                        if (r, c) != (r0, c0):
                            sheet.cells[(r, c)] = Cell(
                                value=cached(serial(wv.cell(row=r, column=c).value)),
                                array_anchor=CellRef(sheet.name, r0, c0))
        for tname in ws.tables:
            t = ws.tables[tname]
            c1, r1, c2, r2 = range_boundaries(t.ref)
            tables[tname.upper()] = Table(
                tname, ws.title, r1, c1, r2, c2, tuple(str(col.name) for col in t.tableColumns),
                int(t.headerRowCount if t.headerRowCount is not None else 1),
                int(t.totalsRowCount or 0))
        for name, dn in getattr(ws, "defined_names", {}).items():
            if dn.attr_text:
                sheet.names[name.upper()] = dn.attr_text
        sheet.hidden_rows = frozenset(r for r, d in ws.row_dimensions.items() if d.hidden)
        sheets[ws.title] = sheet
    names = {n.upper(): d.attr_text for n, d in wb_f.defined_names.items() if d.attr_text}
    return Workbook(path, sheets, names, tables)


# ------------------------------------------------------------------ raw workbooks
def write_xlsx(path: Path, sheets: list[tuple[str, str]], extra: dict[str, bytes] | None = None,
               sheet_rels: dict[int, str] | None = None, book_extra: str = "",
               book_rels_extra: str = "", types_extra: str = "") -> None:
    """A minimal .xlsx: sheets as (name, sheetData-and-after XML), a style with a date format."""
    rels = "".join(f'<Relationship Id="rId{i + 1}" Type="{REL}/worksheet" '
                   f'Target="worksheets/sheet{i + 1}.xml"/>' for i in range(len(sheets)))
    rels += f'<Relationship Id="rIdS" Type="{REL}/styles" Target="styles.xml"/>' + book_rels_extra
    sheet_list = "".join(f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                         for i, (n, _) in enumerate(sheets))
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" '
                        f'ContentType="{SML}.worksheet+xml"/>' for i in range(len(sheets)))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", f'<?xml version="1.0"?><Types xmlns="{CT}">'
                    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                    f'<Override PartName="/xl/workbook.xml" ContentType="{SML}.sheet.main+xml"/>'
                    f'<Override PartName="/xl/styles.xml" ContentType="{SML}.styles+xml"/>'
                    f'{overrides}{types_extra}</Types>')
        zf.writestr("_rels/.rels", f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
                    f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        zf.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
                    f'{sheet_list}</sheets>{book_extra}<calcPr calcId="191029"/></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PKG_REL}">{rels}'
                    '</Relationships>')
        zf.writestr("xl/styles.xml", f'<styleSheet xmlns="{MAIN}"><fonts count="1"><font>'
                    '<sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill>'
                    '<patternFill patternType="none"/></fill><fill><patternFill '
                    'patternType="gray125"/></fill></fills><borders count="1"><border><left/>'
                    '<right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1">'
                    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
                    'xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" '
                    'applyNumberFormat="1"/></cellXfs></styleSheet>')
        for i, (_, body) in enumerate(sheets):
            zf.writestr(f"xl/worksheets/sheet{i + 1}.xml",
                        f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">{body}</worksheet>')
            if sheet_rels and i in sheet_rels:
                zf.writestr(f"xl/worksheets/_rels/sheet{i + 1}.xml.rels",
                            f'<Relationships xmlns="{PKG_REL}">{sheet_rels[i]}</Relationships>')
        for name, data in (extra or {}).items():
            zf.writestr(name, data)


def formula_rows(n: int, cols: int = 10) -> str:
    """``n`` formulas on a grid with ``cols`` columns: a constant in column A, formulas to the
    right reading the cell to their left and the row above (cached values included)."""
    rows = []
    nrows = -(-n // cols)
    for r in range(1, nrows + 1):
        cells = [f'<c r="A{r}"><v>{r}</v></c>']
        prev = float(r)
        for c in range(cols):
            if (r - 1) * cols + c >= n:
                break
            letter = chr(ord("B") + c)
            left = chr(ord("A") + c)
            value = prev * 1.5 + 1
            cells.append(f'<c r="{letter}{r}"><f>{left}{r}*1.5+1</f><v>{value!r}</v></c>')
            prev = value
        rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    return f'<sheetData>{"".join(rows)}</sheetData>'


def gen_pivot(path: Path, formulas: int = 4000, cache_mb: float = 50) -> None:
    records = []
    size, i = 0, 0
    regions = ["North", "South", "East", "West"]
    while size < cache_mb * 1e6:
        rec = (f'<r><x v="{i % 4}"/><n v="{(i * 37) % 10007 + 0.25}"/><n v="{2000 + i % 25}"/>'
               f'<s v="Item {i}"/></r>')
        records.append(rec)
        size += len(rec)
        i += 1
    n = len(records)
    items = "".join(f'<s v="{r}"/>' for r in regions)
    definition = (
        f'<pivotCacheDefinition xmlns="{MAIN}" xmlns:r="{REL}" r:id="rId1" recordCount="{n}">'
        '<cacheSource type="worksheet"><worksheetSource ref="A1:D5" sheet="Calc"/></cacheSource>'
        '<cacheFields count="4">'
        f'<cacheField name="Region" numFmtId="0"><sharedItems count="4">{items}</sharedItems>'
        '</cacheField><cacheField name="Amount" numFmtId="0"><sharedItems containsSemiMixedTypes="0"'
        ' containsString="0" containsNumber="1" minValue="0" maxValue="10007"/></cacheField>'
        '<cacheField name="Year" numFmtId="0"><sharedItems containsSemiMixedTypes="0" '
        'containsString="0" containsNumber="1" containsInteger="1" minValue="2000" '
        'maxValue="2024"/></cacheField><cacheField name="Item" numFmtId="0"><sharedItems/>'
        '</cacheField></cacheFields></pivotCacheDefinition>')
    table = (
        f'<pivotTableDefinition xmlns="{MAIN}" name="PivotTable1" cacheId="1" dataCaption="Values"'
        ' applyNumberFormats="0" applyBorderFormats="0" applyFontFormats="0" '
        'applyPatternFormats="0" applyAlignmentFormats="0" applyWidthHeightFormats="1" '
        'updatedVersion="6" createdVersion="6"><location ref="N1:O6" firstHeaderRow="1" '
        'firstDataRow="1" firstDataCol="1"/><pivotFields count="4"><pivotField axis="axisRow" '
        'showAll="0"><items count="5"><item x="0"/><item x="1"/><item x="2"/><item x="3"/>'
        '<item t="default"/></items></pivotField><pivotField dataField="1" showAll="0"/>'
        '<pivotField showAll="0"/><pivotField showAll="0"/></pivotFields><rowFields count="1">'
        '<field x="0"/></rowFields><dataFields count="1"><dataField name="Sum of Amount" fld="1"'
        ' baseField="0" baseItem="0"/></dataFields></pivotTableDefinition>')
    extra = {
        "xl/pivotCache/pivotCacheDefinition1.xml": definition.encode(),
        "xl/pivotCache/_rels/pivotCacheDefinition1.xml.rels": (
            f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
            f'Type="{REL}/pivotCacheRecords" Target="pivotCacheRecords1.xml"/></Relationships>'
        ).encode(),
        "xl/pivotCache/pivotCacheRecords1.xml": (
            f'<pivotCacheRecords xmlns="{MAIN}" count="{n}">' + "".join(records)
            + "</pivotCacheRecords>").encode(),
        "xl/pivotTables/pivotTable1.xml": table.encode(),
        "xl/pivotTables/_rels/pivotTable1.xml.rels": (
            f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/'
            'pivotCacheDefinition" Target="../pivotCache/pivotCacheDefinition1.xml"/>'
            '</Relationships>').encode(),
    }
    types = (f'<Override PartName="/xl/pivotCache/pivotCacheDefinition1.xml" '
             f'ContentType="{SML}.pivotCacheDefinition+xml"/>'
             f'<Override PartName="/xl/pivotCache/pivotCacheRecords1.xml" '
             f'ContentType="{SML}.pivotCacheRecords+xml"/>'
             f'<Override PartName="/xl/pivotTables/pivotTable1.xml" '
             f'ContentType="{SML}.pivotTable+xml"/>')
    write_xlsx(path, [("Calc", formula_rows(formulas))], extra,
               sheet_rels={0: f'<Relationship Id="rId1" Type="{REL}/pivotTable" '
                              'Target="../pivotTables/pivotTable1.xml"/>'},
               book_extra='<pivotCaches><pivotCache cacheId="1" r:id="rIdP"/></pivotCaches>',
               book_rels_extra=f'<Relationship Id="rIdP" Type="{REL}/pivotCacheDefinition" '
                               'Target="pivotCache/pivotCacheDefinition1.xml"/>',
               types_extra=types)


def gen_many(path: Path, formulas: int = 100_000) -> None:
    write_xlsx(path, [("Calc", formula_rows(formulas))])


def gen_far_cell(path: Path) -> None:
    body = ('<dimension ref="A1:E1048576"/><sheetData><row r="1"><c r="A1"><v>2</v></c>'
            '<c r="B1"><f>A1*2</f><v>4</v></c></row><row r="1048576"><c r="E1048576" s="1"/>'
            '</row></sheetData>')
    write_xlsx(path, [("Sheet1", body)])


# ------------------------------------------------------------------ measuring
def child(mode: str, path: str) -> None:
    """Run one load in this process; print seconds (imports excluded), peak RSS, cells."""
    logging_off()
    p = Path(path)
    import openpyxl

    from engine.check import check_model
    from engine.model import Model
    from engine.workbook import load_workbook

    watch = _measure.Stopwatch()
    if mode == "new":
        wb = load_workbook(p)
        cells = sum(len(s.cells) for s in wb.sheets.values())
    elif mode == "old":
        wb = old_load_workbook(p)
        cells = sum(len(s.cells) for s in wb.sheets.values())
    elif mode == "openpyxl":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(p, data_only=False)
        cells = sum(len(ws._cells) for ws in book.worksheets)
    elif mode == "check":
        report = check_model(Model.open(p))
        cells = report.formula_cells
    else:
        raise SystemExit(f"unknown mode {mode}")
    watch.report({"cells": cells})


def logging_off() -> None:
    import logging

    logging.disable(logging.CRITICAL)


def measure(mode: str, path: Path, timeout: float) -> dict[str, Any]:
    return _measure.measure(__file__, mode, path, timeout)


def fmt(m: dict[str, Any]) -> str:
    if m.get("s") is None:
        return f"{m.get('note', '-'):>22}"
    return f"{m['s']:8.2f} s {m['rss_mb']:7.0f} MB"


def ratio(base: dict[str, Any], ours: dict[str, Any]) -> str:
    if base.get("s") is None or not ours.get("s"):
        return "   -"
    return f"{base['s'] / ours['s']:6.1f}x"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help="keep the generated workbooks here")
    ap.add_argument("--skip-openpyxl", action="store_true", help="skip openpyxl and the old loader")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per measurement")
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    out = args.out or Path(tempfile.mkdtemp(prefix="bench_load_"))
    out.mkdir(parents=True, exist_ok=True)
    books = {"(a) 4,000 formulas + 50 MB pivot cache": (out / "pivot.xlsx", gen_pivot),
             "(b) 100,000 formulas": (out / "many.xlsx", gen_many),
             "(c) styled empty cell at row 1,048,576": (out / "far.xlsx", gen_far_cell)}
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}; each number from its own child process: seconds (imports "
          "excluded) and peak RSS (imports included)")
    head = f"{'workbook':42} {'':9}{'ours load':>22} {'ours check':>22} {'openpyxl full':>22} " \
           f"{'old loader':>22} {'opx/ours':>8} {'old/ours':>8}"
    print(head)
    for label, (path, gen) in books.items():
        t0 = time.perf_counter()
        gen(path)
        made = time.perf_counter() - t0
        with zipfile.ZipFile(path) as zf:
            raw = sum(i.file_size for i in zf.infolist())
        size = f"{path.stat().st_size / 2**20:.1f}/{raw / 2**20:.0f} MB"
        ours = measure("new", path, args.timeout)
        check = measure("check", path, args.timeout)
        skip = {"s": None, "note": "skipped"}
        opx = skip if args.skip_openpyxl else measure("openpyxl", path, args.timeout)
        old = skip if args.skip_openpyxl else measure("old", path, args.timeout)
        print(f"{label:42} {size:>9} {fmt(ours)} {fmt(check)} {fmt(opx)} {fmt(old)} "
              f"{ratio(opx, ours):>8} {ratio(old, ours):>8}   (written in {made:.0f} s)",
              flush=True)
    print("\nlargest workbooks in tests/data/workbooks: old loader vs new")
    real = sorted((ROOT / "tests/data/workbooks").glob("*.xlsx"), key=lambda p: -p.stat().st_size)
    for path in real[:4]:
        ours = measure("new", path, args.timeout)
        old = measure("old", path, args.timeout)
        print(f"{path.name[:42]:42} {path.stat().st_size / 1024:7.0f} KB {fmt(ours)} "
              f"{fmt(old)} {ratio(old, ours):>8}", flush=True)


if __name__ == "__main__":
    main()
