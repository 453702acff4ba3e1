"""Legacy formulas: a workbook whose metadata part declares the dynamic-array flag (Excel 365
writes ``cm="1"`` on each dynamic-array formula's ``<c>``) holds legacy formulas wherever a
formula has no flag, and Excel evaluates them as Excel 2019 did: a range where one value is
expected is intersected with the formula's cell, below LET too.  neprenkha BOQ's
_SummaryBackup!C1 ``=LET(v,IFERROR(--C$3:C$49,0),IF(SUMPRODUCT(--(v<>0))=0,"",SUM(v)))`` in
row 1: ``--C$3:C$49`` meets no row of the range -> #VALUE! -> 0 -> "" (Excel's cache); as a
dynamic-array formula it sums the column.  A file without the metadata part (openpyxl,
LibreOffice) keeps the engine's reading (LET reads its values whole).  FORMULATEXT shows a
CSE array formula in braces, a dynamic-array one as written (bberes4 LBO's
``=SEQUENCE(1,5,8,1)``).  numba and the CUDA kernel's host build equal numpy on the legacy
cells.
"""

from __future__ import annotations

import re
import zipfile

import pytest

openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.model import Model  # noqa: E402
from engine.workbook import CellRef  # noqa: E402

SUMMED = ('=_xlfn.LET(_xlpm.v,IFERROR(--C$3:C$6,0),'
          'IF(SUMPRODUCT(--(_xlpm.v<>0))=0,"",SUM(_xlpm.v)))')
VALUES = (2.0, 3.0, 5.0, 7.0)   # C3:C6
DYNAMIC = ("F1", "H1")          # the cells saved with the dynamic-array flag

_METADATA = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray">'
    '<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" '
    'copy="1" pasteAll="1" pasteValues="1" merge="1" splitFirst="1" rowColShift="1" '
    'clearFormats="1" clearComments="1" assign="1" coerce="1" cellMeta="1"/></metadataTypes>'
    '<futureMetadata name="XLDAPR" count="1"><bk><extLst>'
    '<ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}">'
    '<xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk>'
    '</futureMetadata><cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata>'
    '</metadata>')
_REL = ('<Relationship Id="rIdMeta" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/sheetMetadata" Target="metadata.xml"/>')
_TYPE = ('<Override PartName="/xl/metadata.xml" ContentType="application/vnd.openxmlformats-'
         'officedocument.spreadsheetml.sheetMetadata+xml"/>')


def _save(path, marked: bool) -> None:
    """The workbook, as Excel 365 writes it where ``marked`` (the metadata part, ``cm="1"``
    on the DYNAMIC cells), else as openpyxl writes it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for r, x in enumerate(VALUES, start=3):
        ws[f"C{r}"] = x
    ws["C1"] = SUMMED            # row 1: no row of C3:C6 (legacy: "")
    ws["E4"] = SUMMED            # row 4: C4 (legacy)
    ws["F1"] = ArrayFormula("F1", SUMMED)   # dynamic-array: the column's sum
    ws["H1"] = ArrayFormula("H1:J1", "=_xlfn.SEQUENCE(1,3,8,1)")   # dynamic (spills)
    ws["G1"] = ArrayFormula("G1", "=_xlfn.SEQUENCE(1,1,8,1)")    # CSE
    ws["K1"] = "=_xlfn.FORMULATEXT(G1)"
    ws["K2"] = "=_xlfn.FORMULATEXT(H1)"
    ws["K3"] = "=_xlfn.FORMULATEXT(I1)"   # a cell of H1's array
    ws["K4"] = "=_xlfn.FORMULATEXT(E4)"
    wb.save(path)
    if not marked:
        return
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for c in DYNAMIC:
        sheet, n = re.subn(rf'<c r="{c}"', f'<c r="{c}" cm="1"', sheet)
        assert n == 1
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = rels.replace("</Relationships>",
                                                       _REL + "</Relationships>").encode()
    types = parts["[Content_Types].xml"].decode()
    parts["[Content_Types].xml"] = types.replace("</Types>", _TYPE + "</Types>").encode()
    parts["xl/metadata.xml"] = _METADATA.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)


def _values(model: Model, *cells: str) -> list[object]:
    got = model.evaluate([model.ref(f"S!{c}") for c in cells])[0]
    return [got[model.ref(f"S!{c}")].scalar(0) for c in cells]


def test_the_flag_is_read(tmp_path):
    _save(tmp_path / "marked.xlsx", True)
    book = Model.open(tmp_path / "marked.xlsx").workbook
    assert book.marks_dynamic and book.sheets["S"].dynamic_formulas == {(1, 6), (1, 8)}
    assert book.legacy_formula(CellRef("S", 1, 3)) and not book.legacy_formula(CellRef("S", 1, 6))
    _save(tmp_path / "plain.xlsx", False)
    assert not Model.open(tmp_path / "plain.xlsx").workbook.marks_dynamic


def test_a_legacy_formula_intersects_a_range_below_let(tmp_path):
    _save(tmp_path / "marked.xlsx", True)
    model = Model.open(tmp_path / "marked.xlsx")
    # before: C1 17.0 (the column summed, as a dynamic-array formula), E4 17.0
    assert _values(model, "C1", "E4", "F1") == ["", VALUES[1], sum(VALUES)]


def test_without_the_metadata_part_formulas_read_as_before(tmp_path):
    _save(tmp_path / "plain.xlsx", False)
    model = Model.open(tmp_path / "plain.xlsx")
    assert _values(model, "C1", "E4", "F1") == [sum(VALUES)] * 3


def test_formulatext_braces_only_a_cse_array_formula(tmp_path):
    _save(tmp_path / "marked.xlsx", True)
    got = _values(Model.open(tmp_path / "marked.xlsx"), "K1", "K2", "K3", "K4")
    assert got == ["{=SEQUENCE(1,1,8,1)}", "=SEQUENCE(1,3,8,1)", "=SEQUENCE(1,3,8,1)",
                   SUMMED.replace("_xlfn.", "").replace("_xlpm.", "")]
    _save(tmp_path / "plain.xlsx", False)   # no flag: every array formula is CSE
    got = _values(Model.open(tmp_path / "plain.xlsx"), "K1", "K2", "K3")
    assert got == ["{=SEQUENCE(1,1,8,1)}", "{=SEQUENCE(1,3,8,1)}", "{=SEQUENCE(1,3,8,1)}"]


def test_kernels_equal_numpy_on_legacy_cells(tmp_path):
    pytest.importorskip("numba")
    from tests.kernel_checks import numba_and_host_equal_numpy
    from tests.test_backend_numba import job_for, tri

    _save(tmp_path / "marked.xlsx", True)
    model = Model.open(tmp_path / "marked.xlsx")
    inputs = [tri(f"S!C{r}", x - 1.0, x, x + 1.0) for r, x in enumerate(VALUES, start=3)]
    job = job_for(model, inputs, ["S!E4", "S!F1"], trials=200)
    (vals, _, ins), _ = numba_and_host_equal_numpy(job, tmp_path / "kernels", 100)
    assert (vals[model.ref("S!E4")] == ins[model.ref("S!C4")]).all()
    total = sum(ins[model.ref(f"S!C{r}")] for r in range(3, 7))
    assert abs(vals[model.ref("S!F1")] - total).max() < 1e-9
