"""A function of no known name between the inputs and the outputs (engine/_external_data.py,
engine.model._compiled): a typo whose cell Excel cached as #NAME? (chandrakant817 Superstore
``=vlooup(..)``) is that error in every trial, on every backend, and its readers compute
from it; a VBA UDF's cell (simeonjauhiain College Football ``=CountByColumnLogic(E13:Z13)``)
keeps Excel's saved value where it reads no input, and refuses the slice, naming the cell
and the function, where it does.  Before, either refused the whole slice."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from engine.check import check_model, notes
from engine.errors import UnsupportedError
from engine.model import Model
from engine.values import NAME
from tests.test_backend_numba import job_for, tri
from tests.xlsx_books import write_book

SHEET = {
    "A1": 5.0,
    "D1": 4.0, "E1": 40.0, "D2": 5.0, "E2": 50.0,
    "B1": ("vlooup(A1,D1:E2,2,0)", "#NAME?"),        # a typo: #NAME? whatever A1 holds
    "B2": ("IFERROR(B1,0)+A1", 5.0),                 # its readers compute from it
    "B3": ("-vlooup(A1,D1:E2,2,0)*2", "#NAME?"),
    "C1": ("MyUdf(D1:E2)", 42.0),                     # a VBA UDF reading no input
    "C2": ("C1+A1", 47.0),
    "C3": ("IF(A1>4,vlooup(A1,D1:E2,2,0),1)", "#NAME?"),   # #NAME? only where A1 > 4
    "C4": ("MyUdf(A1)", 7.0),                         # a VBA UDF reading the input
}


def with_cached_errors(path: Path, extra: dict[str, str] | None = None) -> Path:
    """The book ``write_book`` wrote with each quoted cached value made what Excel writes: an
    error value (``t="e"``) for ``'#NAME?'``-style ones, text otherwise (``t="str"`` for a
    formula's, an inline string for a constant); plus the ``extra`` parts."""
    def fix(m: re.Match) -> bytes:
        addr, formula, value = m.group(1), m.group(2), m.group(3)
        if formula is None:
            return b'<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (addr, value)
        kind = b"e" if value.startswith(b"#") else b"str"
        return b'<c r="%s" t="%s"><f>%s</f><v>%s</v></c>' % (addr, kind, formula, value)

    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    for name, data in parts.items():
        if name.startswith("xl/worksheets/"):
            parts[name] = re.sub(rb"<c r=\"(\w+)\">(?:<f>([^<]*)</f>)?<v>'([^'<]*)'</v></c>",
                                 fix, data)
    parts.update({k: v.encode() for k, v in (extra or {}).items()})
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


@pytest.fixture
def model(tmp_path) -> Model:
    return Model.open(with_cached_errors(write_book(tmp_path / "unknown.xlsx",
                                                    {"Sheet1": SHEET})))


def test_a_typo_is_name_error_in_every_trial_on_every_backend(model, tmp_path):
    pytest.importorskip("numba")
    from engine.backends.numba import fused_report
    from tests.kernel_checks import numba_and_host_equal_numpy

    job = job_for(model, [tri("Sheet1!A1", 4.0, 5.0, 6.0)],
                  ["Sheet1!B1", "Sheet1!B2", "Sheet1!B3", "Sheet1!C2"], 16)
    assert fused_report(job) == {}
    (got, errs, ins), _ = numba_and_host_equal_numpy(job, tmp_path / "k", chunk=8)
    got = {str(c): v for c, v in got.items()}
    errs = {str(c): v for c, v in errs.items()}
    a1 = next(iter(ins.values()))
    assert (errs["Sheet1!B1"] == NAME).all() and (errs["Sheet1!B3"] == NAME).all()
    assert (errs["Sheet1!B2"] == 0).all() and (errs["Sheet1!C2"] == 0).all()
    np.testing.assert_array_equal(got["Sheet1!B2"], a1)
    np.testing.assert_array_equal(got["Sheet1!C2"], 42.0 + a1)


@pytest.mark.parametrize("cell, name", [("C4", "MYUDF"), ("C3", "VLOOUP")])
def test_an_unknown_function_reading_an_input_refuses_naming_it(model, cell, name):
    """A UDF of the input (C4), and a #NAME? that an IF gives only in some trials (C3)."""
    with pytest.raises(UnsupportedError, match=rf"Sheet1!{cell}: {name} \(a VBA or unknown"):
        job_for(model, [tri("Sheet1!A1", 4.0, 5.0, 6.0)], [f"Sheet1!{cell}"], 4)


def test_check_names_the_cells_keeping_excels_value(model):
    report = check_model(model)
    # a typo is what Excel computes (#NAME?); a UDF is still not computed here
    assert report.unsupported_functions == {"MYUDF": 2}
    assert report.unsupported_cells == {"MYUDF": ["Sheet1!C1", "Sheet1!C4"]}
    lines = notes(report)
    assert "unknown function vlooup: #NAME?, as Excel (3 cells: Sheet1!B1, Sheet1!B3, " \
           "Sheet1!C3)" in lines
    assert "VBA/unknown function MyUdf: Excel's saved value used, not recomputed (2 cells: " \
           "Sheet1!C1, Sheet1!C4)" in lines
    assert report.not_compared["VBA/unknown function (Excel's saved value)"] == 5
    assert report.mismatch_count == 0


def test_without_a_cached_value_an_unknown_function_stays_unsupported(tmp_path):
    m = Model.from_cells({"A1": 1.0, "B1": "=MyUdf(A1)", "C1": "=MyUdf(5)"})
    with pytest.raises(UnsupportedError, match="Sheet1!B1: MYUDF"):
        job_for(m, [tri("Sheet1!A1", 0.0, 1.0, 2.0)], ["Sheet1!B1"], 4)
    assert check_model(m).unsupported_functions == {"MYUDF": 2}


# ---------------------------------------------------------------- GETPIVOTDATA
_MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _rels(kind: str, *targets: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i + 1}" Type="{_RELS}/{kind}" Target="{t}"/>'
                      for i, t in enumerate(targets)) + '</Relationships>')


def _items(*items: str) -> str:
    return f'count="{len(items)}">' + "".join(items)


_CACHE = _rels("pivotCacheDefinition", "../pivotCache/pivotCacheDefinition1.xml")
# P1 A3:D7, compact: Region (field 0) down, Year (1) across, Sum of Sales (2); P2 A10:C16,
# tabular: Region and City (3) down, subtotals below each region
PIVOT = {
    "xl/worksheets/_rels/sheet1.xml.rels": _rels("pivotTable", "../pivotTables/pivotTable1.xml",
                                                 "../pivotTables/pivotTable2.xml"),
    "xl/pivotTables/_rels/pivotTable1.xml.rels": _CACHE,
    "xl/pivotTables/_rels/pivotTable2.xml.rels": _CACHE,
    "xl/pivotCache/pivotCacheDefinition1.xml":
        f'<?xml version="1.0" encoding="UTF-8"?><pivotCacheDefinition {_MAIN}><cacheFields '
        'count="4"><cacheField name="Region"><sharedItems count="2"><s v="East"/><s v="West"/>'
        '</sharedItems></cacheField><cacheField name="Year"><sharedItems/></cacheField>'
        '<cacheField name="Sales"><sharedItems/></cacheField><cacheField name="City">'
        '<sharedItems/></cacheField></cacheFields></pivotCacheDefinition>',
    "xl/pivotTables/pivotTable2.xml":
        f'<?xml version="1.0" encoding="UTF-8"?><pivotTableDefinition {_MAIN} name="P2" '
        'cacheId="1" compact="0" outline="0"><location ref="A10:C16" firstHeaderRow="1" '
        'firstDataRow="1" firstDataCol="2"/><rowFields count="2"><field x="0"/><field x="3"/>'
        '</rowFields><rowItems '
        + _items('<i><x/><x/></i>', '<i r="1"><x v="1"/></i>', '<i t="default"><x/></i>',
                 '<i><x v="1"/><x v="2"/></i>', '<i t="default"><x v="1"/></i>',
                 '<i t="grand"><x/></i>') + '</rowItems><colItems count="1"><i/></colItems>'
        '<dataFields count="1"><dataField name="Sum of Sales" fld="2"/></dataFields>'
        '</pivotTableDefinition>',
    "xl/pivotTables/pivotTable1.xml":
        f'<?xml version="1.0" encoding="UTF-8"?><pivotTableDefinition {_MAIN} name="P1" '
        'cacheId="1" dataCaption="Values"><location ref="A3:D7" firstHeaderRow="1" '
        'firstDataRow="2" firstDataCol="1"/><pivotFields count="3"><pivotField axis="axisRow"/>'
        '<pivotField axis="axisCol"/><pivotField dataField="1"/></pivotFields>'
        '<rowFields count="1"><field x="0"/></rowFields><rowItems '
        + _items('<i><x/></i>', '<i><x v="1"/></i>', '<i t="grand"><x/></i>') + '</rowItems>'
        '<colFields count="1"><field x="1"/></colFields><colItems '
        + _items('<i><x/></i>', '<i><x v="1"/></i>', '<i t="grand"><x/></i>') + '</colItems>'
        '<dataFields count="1"><dataField name="Sum of Sales" fld="2"/></dataFields>'
        '</pivotTableDefinition>',
}
PIVOT_SHEET = {
    "A1": 2.0, "H2": "West",
    "A3": "Sum of Sales", "B3": "Column Labels",
    "A4": "Row Labels", "B4": 2023.0, "C4": 2024.0, "D4": "Grand Total",
    "A5": "East", "B5": 10.0, "C5": 20.0, "D5": 30.0,
    "A6": "West", "B6": 1.0, "C6": 2.0, "D6": 3.0,
    "A7": "Grand Total", "B7": 11.0, "C7": 22.0, "D7": 33.0,
    "F1": ('GETPIVOTDATA("Sales",$A$3,"Region","West","Year",2024)', 2.0),
    "F2": ('GETPIVOTDATA("Sum of Sales",$C$6)', 33.0),
    "F3": ('GETPIVOTDATA("Sales",$A$3,"region","east")', 30.0),
    "F4": ('GETPIVOTDATA("Sales",$A$3,"Year",2023)', 11.0),
    "F5": ('GETPIVOTDATA("Sales",$A$3,"Region","North")', "#REF!"),   # no such item
    "F6": ('GETPIVOTDATA("Profit",$A$3)', "#REF!"),                    # no such data field
    "F7": ('GETPIVOTDATA("Sales",$H$1)', "#REF!"),                     # no pivot table there
    "F8": ('GETPIVOTDATA("Sales",$A$3,"Region",H2,"Month",1)', "#REF!"),   # no such field
    "F9": ('GETPIVOTDATA("Sales",$A$3,"Region",H2)', 3.0),
    "A10": "Region", "B10": "City", "C10": "Sum of Sales",
    "A11": "East", "B11": "Boston", "C11": 5.0,
    "B12": "NYC", "C12": 7.0,
    "A13": "East Total", "C13": 12.0,
    "A14": "West", "B14": "LA", "C14": 4.0,
    "A15": "West Total", "C15": 4.0,
    "A16": "Grand Total", "C16": 16.0,
    "J1": ('GETPIVOTDATA("Sales",$A$10,"Region","East","City","NYC")', 7.0),
    "J2": ('GETPIVOTDATA("Sales",$A$10,"Region","East")', 12.0),      # its subtotal row
    "J3": ('GETPIVOTDATA("Sales",$A$10)', 16.0),
    "J4": ('GETPIVOTDATA("Sales",$A$10,"City","LA")', "#REF!"),        # its region not given
    "J5": ('GETPIVOTDATA("Sales",$B$3,"Region","East")', 30.0),
    "G1": ("F1*A1", 4.0),                                              # reads the input
    "H3": ('GETPIVOTDATA("Sales",$A$3,"Region","West")*A1', 6.0),     # folded in the kernel
    "H4": ('GETPIVOTDATA("Sales",$A$3,"Region",IF(A1>2,"East","West"))', 3.0),  # per trial
}


@pytest.fixture
def pivot_model(tmp_path) -> Model:
    path = write_book(tmp_path / "pivot.xlsx", {"Sheet1": PIVOT_SHEET})
    return Model.open(with_cached_errors(path, PIVOT))


def test_getpivotdata_reads_the_pivot_tables_cells(pivot_model):
    """Before: GETPIVOTDATA was unsupported, #NAME? in each of these cells."""
    report = check_model(pivot_model)
    assert report.unsupported_functions == {}
    assert (report.compared, report.mismatch_count) == (17, 0), report.mismatches
    got = pivot_model.evaluate_formula('GETPIVOTDATA("Sales",A3,"Region","East","Year",2023)')
    assert got.scalar() == 10.0


def test_getpivotdata_of_cells_varying_per_trial(pivot_model):
    """An item that differs per trial: each trial's cell."""
    got = pivot_model.evaluate_formula('GETPIVOTDATA("Sales",A3,"Region",H2)',
                                       {"H2": np.array(["East", "West", "South"], dtype=object)})
    assert [got.scalar(i) for i in range(3)] == [30.0, 3.0, "#REF!"]


def test_getpivotdata_in_the_slice_on_every_backend(pivot_model, tmp_path):
    pytest.importorskip("numba")
    from engine.backends.numba import fused_report
    from tests.test_backend_cupy import CXX, host_equals_numpy
    from tests.test_backend_numba import numba_and_numpy

    job = job_for(pivot_model, [tri("Sheet1!A1", 1.0, 2.0, 3.0)],
                  ["Sheet1!G1", "Sheet1!H3", "Sheet1!H4"], 16)
    # fixed arguments: the call is folded; an item per trial: numpy computes the cell
    assert fused_report(job) == {"Sheet1!H4": "function GETPIVOTDATA is not in the fused subset"}
    (got, _, ins), want = numba_and_numpy(job, tmp_path / "k", chunk=8)
    if CXX is not None:
        host_equals_numpy(job, tmp_path / "cuda", 8, want=want, numpy_cells=1)
    got = {str(c): v for c, v in got.items()}
    a1 = next(iter(ins.values()))
    np.testing.assert_array_equal(got["Sheet1!G1"], 2.0 * a1)
    np.testing.assert_array_equal(got["Sheet1!H3"], 3.0 * a1)
    np.testing.assert_array_equal(got["Sheet1!H4"], np.where(a1 > 2, 30.0, 3.0))


def test_a_pivot_part_that_does_not_read_leaves_the_book_readable(tmp_path):
    parts = {**PIVOT, "xl/pivotTables/pivotTable1.xml":
             PIVOT["xl/pivotTables/pivotTable1.xml"].replace('ref="A3:D7"', 'ref="A3:?"'),
             "xl/pivotCache/pivotCacheDefinition1.xml": "<pivotCacheDefinition><cacheFields>"}
    path = write_book(tmp_path / "broken.xlsx", {"Sheet1": PIVOT_SHEET})
    model = Model.open(with_cached_errors(path, parts))
    assert [p.name for p in model.workbook.pivot_tables] == []   # P2's cache is broken too
    assert model.evaluate_formula('GETPIVOTDATA("Sales",A3)').scalar() == "#REF!"


def test_each_cell_of_an_array_formula_keeps_its_own_cached_value(tmp_path):
    """A UDF's (and external data's) array formula: each cell Excel's value for it (every
    cell had the first cell's before), in numpy and in the kernel."""
    pytest.importorskip("numba")
    from engine.backends.numba import fused_report
    from tests.kernel_checks import numba_and_host_equal_numpy

    sheet = {"A1": 2.0, "E1": 1.0, "E2": 2.0,
             "D1": ("MyUdf(E1:E2)", 7.0, "D1:D2"), "D2": 8.0,
             "C1": ('_FV(A1,"x")', 5.0, "C1:C2"), "C2": 6.0,
             "F1": ("D2*A1+C2", 22.0)}
    model = Model.open(write_book(tmp_path / "arrays.xlsx", {"Sheet1": sheet}))
    job = job_for(model, [tri("Sheet1!A1", 1.0, 2.0, 3.0)], ["Sheet1!C2", "Sheet1!F1"], 16)
    assert fused_report(job) == {}
    (got, _, ins), _ = numba_and_host_equal_numpy(job, tmp_path / "k", chunk=8)
    got = {str(c): v for c, v in got.items()}
    np.testing.assert_array_equal(got["Sheet1!C2"], 6.0)
    np.testing.assert_array_equal(got["Sheet1!F1"], 8.0 * next(iter(ins.values())) + 6.0)
