"""The one-pass reader on workbooks written here as raw XML: each case is what Excel writes."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

from engine.errors import LimitError, WorkbookError
from engine.values import ExcelError
from engine.workbook import CellRef, Limits, load_workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def rels(*items: tuple[str, str, str], external: bool = False) -> str:
    mode = ' TargetMode="External"' if external else ""
    body = "".join(f'<Relationship Id="{i}" Type="{REL}/{kind}" Target="{target}"{mode}/>'
                   for i, kind, target in items)
    return f'<Relationships xmlns="{PKG}">{body}</Relationships>'


def write_book(path: Path, sheets: dict[str, str], *, book_xml: str = "", sst: list[str] | None = None,
               styles: str | None = None, parts: dict[str, str] | None = None,
               book_rels: list[tuple[str, str, str]] = (), sheet_attrs: dict[str, str] | None = None,
               ) -> Path:
    """sheets: name -> the worksheet's inner XML (``<sheetData>...`` and what follows)."""
    items = [(f"rId{i + 1}", "worksheet", f"worksheets/sheet{i + 1}.xml") for i in range(len(sheets))]
    items += list(book_rels)
    listing = "".join(f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}" '
                      f'{(sheet_attrs or {}).get(n, "")}/>' for i, n in enumerate(sheets))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", f'<Types xmlns="{CT}"><Override PartName="/xl/workbook.xml" '
                    f'ContentType="{SML}.sheet.main+xml"/>' + "".join(
                        f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" '
                        f'ContentType="{SML}.worksheet+xml"/>' for i in range(len(sheets)))
                    + "</Types>")
        zf.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">'
                    f'<sheets>{listing}</sheets>{book_xml}</workbook>')
        if sst is not None:
            items.append(("rIdSST", "sharedStrings", "sharedStrings.xml"))
            zf.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">' + "".join(sst) + "</sst>")
        if styles is not None:
            items.append(("rIdST", "styles", "styles.xml"))
            zf.writestr("xl/styles.xml", f'<styleSheet xmlns="{MAIN}">{styles}</styleSheet>')
        zf.writestr("xl/_rels/workbook.xml.rels", rels(*items))
        for i, body in enumerate(sheets.values()):
            zf.writestr(f"xl/worksheets/sheet{i + 1}.xml",
                        f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">{body}</worksheet>')
        for name, text in (parts or {}).items():
            zf.writestr(name, text)
    return path


def cell(wb, addr: str, sheet: str = "Sheet1"):
    from engine._xlsx_sheet import parse_coordinate

    r, c = parse_coordinate(addr, "test")
    return wb.cell(CellRef(sheet, r, c))


def test_shared_formulas_are_expanded_from_their_anchor(tmp_path):
    body = ('<sheetData>'
            '<row r="2"><c r="B2"><f t="shared" ref="B2:C4" si="0">A2*$D$1+Other!A2</f><v>1</v></c>'
            '<c r="C2"><f t="shared" si="0"/><v>2</v></c></row>'
            '<row r="3"><c r="B3"><f t="shared" si="0"/><v>3</v></c></row>'
            '<row r="4"><c r="C4"><f t="shared" si="0"/><v>4</v></c>'
            '<c r="E4"><f t="shared" ref="E4:E5" si="1">SUM(E$1:E3)</f><v>0</v></c></row>'
            '<row r="5"><c r="E5"><f t="shared" si="1"/><v>0</v></c></row></sheetData>')
    wb = load_workbook(write_book(tmp_path / "s.xlsx", {"Sheet1": body, "Other": "<sheetData/>"}))
    assert cell(wb, "B2").formula == "=A2*$D$1+Other!A2"
    assert cell(wb, "C2").formula == "=B2*$D$1+Other!B2"
    assert cell(wb, "B3").formula == "=A3*$D$1+Other!A3"
    assert cell(wb, "C4").formula == "=B4*$D$1+Other!B4"
    assert cell(wb, "E5").formula == "=SUM(E$1:E4)"
    assert cell(wb, "C4").value == 4


def test_values_of_every_cell_type(tmp_path):
    sst = ['<si><t>plain</t></si>',
           '<si><r><t>rich </t></r><r><rPr><b/></rPr><t xml:space="preserve">text</t></r>'
           '<rPh sb="0" eb="1"><t>ignored</t></rPh></si>',
           '<si><t>line_x000D_break</t></si>']
    body = ('<sheetData><row r="1">'
            '<c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>'
            '<c r="D1" t="inlineStr"><is><t>inline</t></is></c>'
            '<c r="E1" t="inlineStr"><is><r><t>in</t></r><r><t>line2</t></r></is></c>'
            '<c r="F1" t="b"><v>1</v></c><c r="G1" t="b"><v>0</v></c>'
            '<c r="H1" t="e"><v>#N/A</v></c><c r="I1"><v>7</v></c><c r="J1"><v>2.5E-3</v></c>'
            '<c r="K1" t="d"><v>2024-03-01T00:00:00</v></c></row>'
            '<row r="2"><c r="A2" t="str"><f>IF(1,"")</f><v></v></c>'
            '<c r="B2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
            '<c r="C2" t="b"><f>TRUE()</f><v>1</v></c>'
            '<c r="D2" t="str"><f>"#N/A"</f><v>#N/A</v></c>'
            '<c r="E2"><f>RAND()</f></c></row></sheetData>')
    wb = load_workbook(write_book(tmp_path / "v.xlsx", {"Sheet1": body}, sst=sst))
    assert [cell(wb, a).value for a in ("A1", "B1", "C1", "D1", "E1")] == [
        "plain", "rich text", "line\rbreak", "inline", "inline2"]
    assert cell(wb, "F1").value is True and cell(wb, "G1").value is False
    assert isinstance(cell(wb, "H1").value, ExcelError) and cell(wb, "H1").value == "#N/A"
    assert cell(wb, "I1").value == 7 and isinstance(cell(wb, "I1").value, int)
    assert cell(wb, "J1").value == 0.0025
    assert cell(wb, "K1").value == 45352.0
    assert cell(wb, "A2").value == "" and cell(wb, "A2").formula == '=IF(1,"")'
    assert isinstance(cell(wb, "B2").value, ExcelError) and cell(wb, "B2").value == "#DIV/0!"
    assert cell(wb, "C2").value is True
    assert cell(wb, "D2").value == "#N/A" and not isinstance(cell(wb, "D2").value, ExcelError)
    assert cell(wb, "E2").value is None and cell(wb, "E2").formula == "=RAND()"


def test_array_formulas_and_data_tables(tmp_path):
    body = ('<sheetData><row r="1"><c r="A1"><f t="array" ref="A1:B2">{1,2;3,4}</f><v>1</v></c>'
            '<c r="B1"><v>2</v></c></row><row r="2"><c r="A2"><v>3</v></c><c r="B2"><v>4</v></c>'
            '</row><row r="4"><c r="C4"><f t="dataTable" ref="C4:C5" dt2D="0" dtr="0" r1="A1"/>'
            '<v>9</v></c></row><row r="5"><c r="C5"><v>8</v></c></row></sheetData>')
    wb = load_workbook(write_book(tmp_path / "a.xlsx", {"Sheet1": body}))
    anchor = cell(wb, "A1")
    assert (anchor.formula, anchor.array_ref, anchor.value) == ("={1,2;3,4}", "A1:B2", 1)
    assert cell(wb, "B2").array_anchor == CellRef("Sheet1", 1, 1) and cell(wb, "B2").value == 4
    assert cell(wb, "C4").formula == "=TABLE()" and cell(wb, "C4").value == 9
    assert cell(wb, "C5").formula is None and cell(wb, "C5").value == 8
    assert sorted(map(str, wb.formula_cells())) == [
        "Sheet1!A1", "Sheet1!A2", "Sheet1!B1", "Sheet1!B2", "Sheet1!C4"]


def test_huge_array_range_is_refused_before_allocating(tmp_path):
    body = '<sheetData><row r="1"><c r="A1"><f t="array" ref="A1:XFD1048576">1</f></c></row></sheetData>'
    with pytest.raises(LimitError, match=r"'Sheet1'.*A1.*A1:XFD1048576"):
        load_workbook(write_book(tmp_path / "h.xlsx", {"Sheet1": body}))


def test_styled_empty_cell_at_the_last_row_does_not_count(tmp_path):
    body = ('<dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1"><v>2</v></c>'
            '<c r="B1"><f>A1*2</f><v>4</v></c></row><row r="1048576" s="1" customFormat="1">'
            '<c r="XFD1048576" s="1"/></row></sheetData>')
    path = write_book(tmp_path / "far.xlsx", {"Sheet1": body})
    t0 = time.perf_counter()
    wb = load_workbook(path)
    assert time.perf_counter() - t0 < 2.0
    sheet = wb.sheets["Sheet1"]
    assert (sheet.max_row, sheet.max_col, len(sheet.cells)) == (1, 2, 2)


@pytest.mark.parametrize("ref, what", [("A1048577", "last row"), ("XFE1", "last column"),
                                       ("1A", "not a cell reference")])
def test_cell_outside_the_grid_is_a_clear_error(tmp_path, ref, what):
    body = f'<sheetData><row r="1"><c r="{ref}"><v>1</v></c></row></sheetData>'
    with pytest.raises(WorkbookError, match=f"sheet 'Data'.*{ref}.*{what}"):
        load_workbook(write_book(tmp_path / "g.xlsx", {"Data": body}))


def test_row_outside_the_grid_is_a_clear_error(tmp_path):
    body = '<sheetData><row r="1048577"><c><v>1</v></c></row></sheetData>'
    with pytest.raises(WorkbookError, match="sheet 'Data': row 1048577 is beyond"):
        load_workbook(write_book(tmp_path / "g.xlsx", {"Data": body}))


def test_cells_without_addresses_follow_their_row(tmp_path):
    body = ('<sheetData><row><c><v>1</v></c><c><v>2</v></c></row>'
            '<row><c><v>3</v></c><c r="D2"><v>4</v></c><c><v>5</v></c></row></sheetData>')
    wb = load_workbook(write_book(tmp_path / "p.xlsx", {"Sheet1": body}))
    assert {k: c.value for k, c in wb.sheets["Sheet1"].cells.items()} == {
        (1, 1): 1, (1, 2): 2, (2, 1): 3, (2, 4): 4, (2, 5): 5}


def test_no_worksheets(tmp_path):
    with pytest.raises(WorkbookError, match="the workbook has no worksheets"):
        load_workbook(write_book(tmp_path / "none.xlsx", {}))


def test_doctype_is_refused_before_expanding(tmp_path):
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')
    path = write_book(tmp_path / "bomb.xlsx", {"Sheet1": '<sheetData/>'})
    with zipfile.ZipFile(path, "a") as zf:  # a second copy of the sheet part wins on reading
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            zf.writestr("xl/worksheets/sheet1.xml", bomb + f'<worksheet xmlns="{MAIN}"><sheetData>'
                        '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
                        '</sheetData></worksheet>')
    with pytest.raises(WorkbookError, match="sheet1.xml declares a DOCTYPE"):
        load_workbook(path)


def test_broken_xml_names_the_part(tmp_path):
    path = write_book(tmp_path / "broken.xlsx", {"Sheet1": '<sheetData><row r="1"><c r="A1"><v>1</v>'})
    with pytest.raises(WorkbookError, match=r"xl/worksheets/sheet1.xml is not well-formed XML"):
        load_workbook(path)


def test_long_formula_is_refused_naming_the_cell(tmp_path):
    text = "+".join(["1"] * 3000)
    body = f'<sheetData><row r="3"><c r="B3"><f>{text}</f></c></row></sheetData>'
    path = write_book(tmp_path / "long.xlsx", {"Sheet1": body})
    with pytest.raises(LimitError, match=r"'Sheet1', cell B3: the formula has 5,999 characters"):
        load_workbook(path, Limits(max_formula_chars=5000))
    assert load_workbook(path).cell(CellRef("Sheet1", 3, 2)).formula == "=" + text


def test_external_link_cache_becomes_constant_sheets(tmp_path):
    link = (f'<externalLink xmlns="{MAIN}" xmlns:r="{REL}"><externalBook r:id="rId1">'
            '<sheetNames><sheetName val="Sheet1"/><sheetName val="My Sheet"/></sheetNames>'
            '<definedNames><definedName name="Rate" refersTo="=Sheet1!$A$1"/>'
            "<definedName name=\"Span\" refersTo=\"='My Sheet'!$A$1:$B$2\"/>"
            '<definedName name="Local" refersTo="=0.5" sheetId="1"/></definedNames>'
            '<sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1"><v>0.05</v></cell>'
            '<cell r="B1" t="str"><v>North</v></cell></row></sheetData>'
            '<sheetData sheetId="1"><row r="2"><cell r="B2" t="b"><v>1</v></cell>'
            '<cell r="C2" t="e"><v>#REF!</v></cell></row></sheetData></sheetDataSet>'
            '</externalBook></externalLink>')
    body = ("<sheetData><row r=\"1\"><c r=\"A1\"><f>[1]Sheet1!A1*2</f><v>0.1</v></c>"
            "<c r=\"B1\"><f>SUM('[1]My Sheet'!A1:B2)</f><v>1</v></c></row></sheetData>")
    path = write_book(
        tmp_path / "linked.xlsx", {"Model": body},
        book_xml='<externalReferences><externalReference r:id="rIdX"/></externalReferences>',
        book_rels=[("rIdX", "externalLink", "externalLinks/externalLink1.xml")],
        parts={"xl/externalLinks/externalLink1.xml": link,
               "xl/externalLinks/_rels/externalLink1.xml.rels":
                   rels(("rId1", "externalLinkPath", "file:///C:/data/My%20Prices.xlsx"),
                        external=True)})
    wb = load_workbook(path)
    link1 = wb.externals[1]
    assert link1.target == "file:///C:/data/My Prices.xlsx" and link1.file_name == "My Prices.xlsx"
    assert link1.sheets == ("Sheet1", "My Sheet")
    assert link1.names == {"RATE": "[1]Sheet1!$A$1", "SPAN": "'[1]My Sheet'!$A$1:$B$2"}
    assert wb.external_index("my prices.XLSX") == 1 and wb.external_index("Other.xlsx") is None
    assert wb.sheet_name("[1]sheet1") == "[1]Sheet1"
    ext = wb.sheets["[1]Sheet1"]
    assert ext.external == link1.target
    assert cell(wb, "A1", "[1]Sheet1").value == 0.05 and cell(wb, "B1", "[1]Sheet1").value == "North"
    assert cell(wb, "B2", "[1]My Sheet").value is True
    assert cell(wb, "C2", "[1]My Sheet").value == ExcelError("#REF!")
    assert wb.sheets["[1]My Sheet"].names == {"LOCAL": "0.5"}
    assert list(wb.visible_sheets) == ["Model"] and wb.first_sheet == "Model"
    assert wb.sheets["Model"].external is None
    assert sorted(map(str, wb.formula_cells())) == ["Model!A1", "Model!B1"]
    assert cell(wb, "A1", "Model").formula == "=[1]Sheet1!A1*2"


def test_calculation_settings_and_pivot_flag(tmp_path):
    calc = '<calcPr calcId="191029" fullCalcOnLoad="1" calcMode="manual" iterate="1" ' \
           'iterateCount="50" iterateDelta="0.0001"/>'
    path = write_book(tmp_path / "c.xlsx", {"Sheet1": "<sheetData/>"}, book_xml=calc,
                      parts={"xl/pivotCache/pivotCacheDefinition1.xml": "<not even xml",
                             "xl/pivotCache/pivotCacheRecords1.xml": "<!DOCTYPE x>"})
    wb = load_workbook(path)
    assert (wb.calc.full_calc_on_load, wb.calc.calc_mode, wb.calc.iterate,
            wb.calc.iterate_count, wb.calc.iterate_delta) == (True, "manual", True, 50, 0.0001)
    assert wb.has_pivot_tables  # and the (broken) pivot parts were never parsed
    plain = load_workbook(write_book(tmp_path / "d.xlsx", {"Sheet1": "<sheetData/>"},
                                     book_xml='<calcPr calcId="1"/>'))
    assert (plain.calc.full_calc_on_load, plain.calc.calc_mode, plain.calc.iterate,
            plain.calc.iterate_count, plain.calc.iterate_delta) == (False, "auto", False, 100, 0.001)
    assert not plain.has_pivot_tables


def test_defined_names_by_scope_and_sheet_state(tmp_path):
    names = ('<definedNames><definedName name="Rate">Inputs!$A$1</definedName>'
             '<definedName name="Local" localSheetId="1">Calc!$B$2</definedName>'
             '<definedName name="_xlnm.Print_Area" localSheetId="0">Inputs!$A$1:$C$9</definedName>'
             '<definedName name="_xlnm.Print_Titles">Inputs!$1:$1</definedName></definedNames>')
    path = write_book(tmp_path / "n.xlsx", {"Inputs": "<sheetData/>", "Calc": "<sheetData/>"},
                      book_xml=names, sheet_attrs={"Calc": 'state="hidden"'})
    wb = load_workbook(path)
    assert wb.names == {"RATE": "Inputs!$A$1"}
    assert wb.sheets["Calc"].names == {"LOCAL": "Calc!$B$2"}
    assert wb.sheets["Inputs"].names == {}
    assert wb.sheets["Calc"].state == "hidden" and wb.sheets["Inputs"].state == "visible"


def test_number_formats_hidden_rows_and_prefixed_namespace(tmp_path):
    styles = ('<numFmts count="1"><numFmt numFmtId="164" formatCode="0.0%"/></numFmts>'
              '<cellStyleXfs count="1"><xf numFmtId="3"/></cellStyleXfs>'
              '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs>')
    sheet = ('<x:sheetData><x:row r="1"><x:c r="A1" s="1"><x:v>45352</x:v></x:c>'
             '<x:c r="B1" s="2"><x:v>0.25</x:v></x:c><x:c r="C1"><x:f>A1+1</x:f><x:v>45353</x:v>'
             '</x:c></x:row><x:row r="2" hidden="1"><x:c r="A2"><x:v>1</x:v></x:c></x:row>'
             '</x:sheetData>')
    path = tmp_path / "x.xlsx"
    write_book(path, {"Sheet1": "<sheetData/>"}, styles=styles)
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["xl/worksheets/sheet1.xml"] = (f'<x:worksheet xmlns:x="{MAIN}">{sheet}'
                                         '</x:worksheet>').encode()
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in parts.items():
            zf.writestr(n, data)
    wb = load_workbook(path)
    assert cell(wb, "A1").number_format == "mm-dd-yy" and cell(wb, "A1").value == 45352
    assert cell(wb, "B1").number_format == "0.0%"
    assert cell(wb, "C1").formula == "=A1+1" and cell(wb, "C1").number_format == "General"
    assert wb.sheets["Sheet1"].hidden_rows == frozenset({2})


def test_tables_from_an_openpyxl_workbook(tmp_path):
    import openpyxl
    from openpyxl.worksheet.table import Table as XTable

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Data"
    for row in [("Item", "Amount"), ("a", 1), ("b", 2), ("Total", 3)]:
        ws.append(row)
    t = XTable(displayName="Sales", ref="A1:B4")
    t.totalsRowCount = 1
    ws.add_table(t)
    ws.row_dimensions[3].hidden = True
    path = tmp_path / "t.xlsx"
    book.save(path)
    wb = load_workbook(path)
    table = wb.tables["SALES"]
    assert (table.name, table.sheet, table.r1, table.c1, table.r2, table.c2) == ("Sales", "Data", 1, 1, 4, 2)
    assert table.columns == ("Item", "Amount")
    assert (table.header_rows, table.totals_rows) == (1, 1)
    assert wb.sheets["Data"].hidden_rows == frozenset({3})


def test_shared_formulas_from_openpyxl_match_its_own_translation(tmp_path):
    """openpyxl reads Excel's shared formulas with the same translator: compare cell by cell."""
    import openpyxl

    body = ('<sheetData>' + "".join(
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c>'
        + (f'<c r="B{r}"><f t="shared" ref="B1:C30" si="0">A1*2+$A$1+SUM(A$1:A1)</f></c>' if r == 1
           else f'<c r="B{r}"><f t="shared" si="0"/></c>') + f'<c r="C{r}"><f t="shared" si="0"/></c></row>'
        for r in range(1, 31)) + '</sheetData>')
    path = write_book(tmp_path / "sh.xlsx", {"Sheet1": body})
    theirs = openpyxl.load_workbook(path)["Sheet1"]
    wb = load_workbook(path)
    for r in range(1, 31):
        for c in (2, 3):
            assert wb.cell(CellRef("Sheet1", r, c)).formula == theirs.cell(r, c).value


def test_serials_stay_exact_and_1904_is_flagged(tmp_path):
    """Serial 60 is Excel's fictitious 1900-02-29: kept as 60 (a datetime round trip gives 59)."""
    styles = '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>'
    body = ('<sheetData><row r="1"><c r="A1" s="1"><v>60</v></c><c r="B1" s="1"><f>A1</f>'
            '<v>60</v></c><c r="C1" s="1"><v>45352.75</v></c></row></sheetData>')
    wb = load_workbook(write_book(tmp_path / "d.xlsx", {"Sheet1": body}, styles=styles,
                                  book_xml='<workbookPr date1904="1"/>'))
    assert [cell(wb, a).value for a in ("A1", "B1", "C1")] == [60, 60, 45352.75]
    assert wb.date1904


def test_zip_bomb_ratio_counts_only_the_parts_read(tmp_path):
    filler = " " * (51 * 2**20)  # compresses about 1000:1
    quiet = write_book(tmp_path / "pivot.xlsx", {"Sheet1": "<sheetData/>"},
                       parts={"xl/pivotCache/pivotCacheRecords1.xml": filler})
    assert load_workbook(quiet).has_pivot_tables is False  # records alone are no pivot table
    bomb = write_book(tmp_path / "bomb.xlsx", {"Sheet1": "<sheetData/>" + filler})
    with pytest.raises(LimitError, match="looks like a zip bomb"):
        load_workbook(bomb)


def test_gc_pause_nests_and_restores():
    import gc

    from engine._gcpause import paused

    assert gc.isenabled()
    with paused():
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


def test_sheet_above_the_cell_budget_is_refused_before_it_is_read(tmp_path, monkeypatch):
    """A sheet whose filled cells (counted by their end tags, prefixed or not) exceed the
    budget is refused before the reader parses a cell; styled empty cells do not count."""
    import engine._xlsx_sheet as sheet_module

    filled = "".join(f'<row r="{r}"><c r="A{r}"><f>1</f></c><c r="B{r}"><v>{r}</v></c></row>'
                     for r in range(1, 31))
    styled = "".join(f'<row r="{r}"><c r="A{r}" s="1"/><c r="B{r}" s="1"/></row>'
                     for r in range(31, 400))
    path = write_book(tmp_path / "cells.xlsx", {"Sheet1": f"<sheetData>{filled}{styled}"
                                                            "</sheetData>"})
    started: list[object] = []
    real = sheet_module.SheetReader._end_cell
    monkeypatch.setattr(sheet_module.SheetReader, "_end_cell",
                        lambda self: (started.append(1), real(self))[1])
    with pytest.raises(LimitError, match="more than 50 cells.*MCDESK_MAX_CELLS"):
        load_workbook(path, Limits(max_cells=50))
    assert not started
    # 60 filled cells and 738 styled empty ones: within a budget of 60
    assert len(load_workbook(path, Limits(max_cells=60)).sheets["Sheet1"].cells) == 60
    # the same with a prefixed namespace (x:c)
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    body = (filled + styled).replace("<c ", "<x:c ").replace("</c>", "</x:c>") \
        .replace("<f>", "<x:f>").replace("</f>", "</x:f>").replace("<v>", "<x:v>") \
        .replace("</v>", "</x:v>").replace("<row", "<x:row").replace("</row>", "</x:row>")
    parts["xl/worksheets/sheet1.xml"] = (f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData>{body}'
                                         "</x:sheetData></x:worksheet>").encode()
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in parts.items():
            zf.writestr(n, data)
    started.clear()
    with pytest.raises(LimitError, match="more than 50 cells"):
        load_workbook(path, Limits(max_cells=50))
    assert not started
    assert len(load_workbook(path, Limits(max_cells=60)).sheets["Sheet1"].cells) == 60
