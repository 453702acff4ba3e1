"""CELL(info_type, [reference]) (engine._cell; numba engine.backends.numba._cell_info).

Found on a real capital-budgeting model the project had never seen (50,388 formulas,
refused whole before: "unsupported function CELL"): the last non-zero row of a column,
``=INDEX(C24:C34,MAX((ABS(D24:D34)>0)*ROW(D24:D34))-(CELL("Row",D24)-1))``.
Expected values are Excel's documented ones (support.microsoft.com, CELL function: "row",
"col", "address" "$A$1"-style absolute text, "type" b/l/v, the "format" code table).
"""

from __future__ import annotations

import numpy as np
import pytest

openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine._cell import format_code  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.values import DIV0, VALUE, Vec  # noqa: E402


def _book(path) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Calc"
    other = wb.create_sheet("Other Sheet")
    other["B2"] = 5.0
    ws["C24"], ws["C25"], ws["C26"], ws["C27"] = "y1", "y2", "y3", "y4"
    ws["D24"], ws["D25"], ws["D26"], ws["D27"] = 3.0, -2.0, 4.0, 0.0
    ws["E1"] = "text"
    ws["E2"] = 1.5
    ws["E2"].number_format = "0.00%"
    ws["E3"] = '=""'
    ws["E4"] = "=1/0"
    ws["E5"] = 2.0
    ws["E5"].number_format = "$#,##0.00_);[Red]($#,##0.00)"
    formulas = {
        "A1": '=INDEX(C24:C27,MAX((ABS(D24:D27)>0)*ROW(D24:D27))-(CELL("Row",D24)-1))',
        "A2": '=CELL("col",D24)',
        "A3": '=CELL("address",D24:E30)',
        "A4": '=CELL("address",\'Other Sheet\'!B2)',
        "A5": '=CELL("contents",D25)*10',
        "A6": '=CELL("type",E1)&CELL("type",E9)&CELL("type",D24)&CELL("type",E3)'
              '&CELL("type",E4)',
        "A7": '=CELL("format",E2)&"|"&CELL("format",E5)&"|"&CELL("format",D24)',
        "A8": '=CELL("color",E5)+10*CELL("parentheses",E5)',
        "A9": '=CELL("row")+CELL("col")',          # omitted: the formula's own cell
        "A10": '=CELL("nonsense",D24)',
        "A11": '=MID(CELL("filename",A11),FIND("]",CELL("filename",A11))+1,99)',
    }
    for k, f in formulas.items():
        ws[k] = f
    ws["A1"] = ArrayFormula("A1", formulas["A1"])   # as the real model holds it
    wb.save(path)
    return Model.open(path)


def test_cell_info_types_match_excel(tmp_path):
    model = _book(tmp_path / "cell.xlsx")
    values, cycles = model.evaluate()
    assert cycles == []

    def get(addr: str) -> Vec:
        return values[model.ref(f"Calc!{addr}")]

    want = {"A1": "y3", "A2": 4.0, "A3": "$D$24", "A4": "'[cell.xlsx]Other Sheet'!$B$2",
            "A5": -20.0, "A6": "lbvlv", "A7": "P2|C2-|G", "A8": 1.0, "A9": 10.0,
            "A11": "Calc"}
    for addr, expect in want.items():
        v = get(addr)
        assert v.scalar(0) == expect, (addr, v.scalar(0))
    bad = get("A10")
    assert bad.err is not None and int(bad.err[0]) == VALUE


@pytest.mark.parametrize(("fmt", "code"), [
    ("General", "G"), ("0", "F0"), ("#,##0", ",0"), ("0.00", "F2"), ("#,##0.00", ",2"),
    ("$#,##0_);($#,##0)", "C0"), ("$#,##0_);[Red]($#,##0)", "C0-"),
    ("$#,##0.00_);($#,##0.00)", "C2"), ("$#,##0.00_);[Red]($#,##0.00)", "C2-"),
    ("0%", "P0"), ("0.00%", "P2"), ("0.00E+00", "S2"), ("# ?/?", "G"), ("# ??/??", "G"),
    ("m/d/yy", "D4"), ("m/d/yy h:mm", "D4"), ("mm/dd/yy", "D4"), ("d-mmm-yy", "D1"),
    ("dd-mmm-yy", "D1"), ("d-mmm", "D2"), ("dd-mmm", "D2"), ("mmm-yy", "D3"),
    ("mm/dd", "D5"), ("h:mm AM/PM", "D7"), ("h:mm:ss AM/PM", "D6"), ("h:mm", "D9"),
    ("h:mm:ss", "D8"), ("(#,##0.00)", ",2()"), ("@", "G"),
])
def test_format_codes_are_excels_table(fmt, code):
    assert format_code(fmt) == code


def _fused_job(tmp_path):
    from tests.test_backend_numba import job_for, tri

    _book(tmp_path / "cell.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "cell.xlsx")
    ws = wb["Calc"]
    ws["E6"] = '=IF(D24>3,"t",D24)'
    ws["B1"] = '=CELL("contents",D24)+CELL("row",D24)*D25'
    ws["B2"] = ('=(CELL("type",E6)="l")*100+(CELL("type",D24:D27)="v")*10'
                '+(CELL("address",D24)="$D$24")')
    ws["B3"] = '=IF(CELL("type",E6)="v",CELL("contents",E6)*2,-1)'
    ws["B4"] = '=CELL("contents",E4)'
    ws["E7"] = '=IF(D24>3.5,"t",IF(D24<2.5,1/0,D24))'    # text, an error or a number
    ws["B5"] = '=MATCH(CELL("type",E7),{"l","v","b"},0)'
    wb.save(tmp_path / "cell2.xlsx")
    model = Model.open(tmp_path / "cell2.xlsx")
    inputs = [tri("Calc!D24", 2.0, 3.0, 4.0), tri("Calc!D25", -3.0, -2.0, -1.0),
              tri("Calc!D26", 0.0, 0.0, 8.0)]
    outs = [f"Calc!{c}" for c in ("A1", "A2", "A5", "A6", "B1", "B2", "B3", "B4", "B5")]
    return job_for(model, inputs, outs, trials=300), model


def test_cell_is_fused_and_equal_to_numpy(tmp_path):
    """Static info types fold to constants, "contents" is the referenced value, "type" is
    selected per trial for a cell that is text in some trials and a number in others."""
    pytest.importorskip("numba")
    from engine.backends.numba import fused_report
    from tests.test_backend_numba import numba_and_numpy

    job, model = _fused_job(tmp_path)
    # before: "function CELL is not in the fused subset" (numpy: unsupported, refused)
    assert fused_report(job) == {}
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 300)
    vals, errs, ins = got
    b3 = vals[model.ref("Calc!B3")]
    d24 = ins[model.ref("Calc!D24")]
    assert np.allclose(b3, np.where(d24 > 3, -1.0, 2 * d24))
    assert (errs[model.ref("Calc!B4")] == DIV0).all()
    b2, b5 = vals[model.ref("Calc!B2")], vals[model.ref("Calc!B5")]
    assert np.array_equal(b2, np.where(d24 > 3, 111.0, 11.0))
    assert np.array_equal(b5, np.where(d24 > 3.5, 1.0, 2.0))   # an error is "v"


def test_cell_on_the_cuda_host_build_equals_numpy(tmp_path):
    """The CUDA kernel of the same slice (no new runtime: the per-trial "type" is ``sel``),
    compiled for the host by g++, equals numpy."""
    pytest.importorskip("numba")
    from tests.test_backend_cupy import host_equals_numpy

    job, _ = _fused_job(tmp_path)
    host_equals_numpy(job, tmp_path, 300)
