"""TEXT in a scientific format without a decimal point (``0E+00``) and thousands scaling in a
format of several sections (``#,##0,"K";(#,##0,"K");"-"``): the numpy reference
(engine.functions.text: TEXT), a simulated workbook, and the numba kernel's format plans.

Expected values are Excel's: scientific formats count the integer placeholders for the
exponent's step and pad with their zeros (Excel's ``##0.0E+0`` engineering format; TEXT(12345,
"0E+00") is "1E+04"); a comma after the digits divides the number its own section shows by
1,000 (Excel's "Number format codes" page: ``#,##0,"K"``), so the negative section of
``#,##0,"K";(#,##0,"K");"-"`` shows -1234567 as "(1,235K)".
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.values import Kind, Vec

K_FORMAT = '#,##0,"K";(#,##0,"K");"-"'


def _text(x: float, fmt: str) -> str:
    from engine.functions.text import text_

    got = text_(Vec(Kind.NUM, np.array([float(x)])), Vec(Kind.STR, np.array([fmt], dtype=object)))
    assert got.err is None or not got.err.any(), (x, fmt)
    return got.data[0]


@pytest.mark.parametrize(("x", "fmt", "want"), [
    (12345, "0E+00", "1E+04"),
    (-12345, "0E+00", "-1E+04"),
    (0, "0E+00", "0E+00"),
    (9.6, "0E+00", "1E+01"),            # the mantissa rounds up to 10: one step up
    (0.00012, "0E+0", "1E-4"),
    (0.00012, "00E+0", "01E-4"),        # two placeholders: exponent in steps of 2, zero-padded
    (12345, "##0E+0", "12E+3"),         # engineering: steps of 3
    (12200000, "0E-##", "1E7"),
])
def test_scientific_format_without_a_point(x, fmt, want):
    assert _text(x, fmt) == want


@pytest.mark.parametrize(("x", "fmt", "want"), [
    (1234567, K_FORMAT, "1,235K"),
    (-1234567, K_FORMAT, "(1,235K)"),
    (0, K_FORMAT, "-"),
    (-2500, K_FORMAT, "(3K)"),          # half away from zero
    (1234567, '0.0,,"M";-0.0,"K"', "1.2M"),   # each section its own scaling
    (-1234567, '0.0,,"M";-0.0,"K"', "-1234.6K"),
    (-1234567, "0,;-0", "-1234567"),
    (1234567, "0,;-0", "1235"),
    (1234567, '#,##0,"K"', "1,235K"),   # one section, as before
])
def test_thousands_scaling_applies_per_section(x, fmt, want):
    assert _text(x, fmt) == want


def test_workbook_with_such_cells_evaluates_to_excels_text(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from engine.model import Model

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"], ws["A2"], ws["A3"] = 12345, -1234567, 0.00012
    ws["B1"] = '=TEXT(A1,"0E+00")'
    ws["B2"] = '=TEXT(A2,"#,##0,""K"";(#,##0,""K"");""-""")'
    ws["B3"] = '=TEXT(A3,"00E+0")'
    ws["B4"] = '=TEXT(RAND()*0+A1,"0E+00")'
    path = tmp_path / "fmt.xlsx"
    wb.save(path)
    model = Model.open(path)
    refs = [model.ref(f"S!B{k}") for k in range(1, 5)]
    values, _ = model.evaluate(refs)
    assert [values[r].scalar() for r in refs] == ["1E+04", "(1,235K)", "01E-4", "1E+04"]


# ---------------------------------------------------------------- the numba kernel's plans
@pytest.mark.parametrize("fmt", ["0E+00", "00E+0", "##0E-0", K_FORMAT, '0.0,;(0.0,);"-"'])
def test_numba_plans_write_the_references_text(fmt):
    pytest.importorskip("numba")
    from tests.test_numba_dynamic_text_formats import NUMBERS, _kernel, _reference

    assert _kernel(NUMBERS, fmt) == _reference(NUMBERS, fmt)


def test_numba_plan_refuses_sections_scaled_differently():
    pytest.importorskip("numba")
    from engine.backends.numba._dtext_formats import format_plan
    from engine.backends.numba._values import NotFusable

    with pytest.raises(NotFusable, match="scaled differently"):
        format_plan("0,;-0", 1e6, 0)


try:   # the CUDA runtime's format harness, compiled for the host (a fixture of that module)
    from tests.test_cupy_text_formats import harness  # noqa: F401
except pytest.skip.Exception:   # no numba
    @pytest.fixture
    def harness():
        pytest.skip("numba is not installed")


def test_cuda_twin_plans_write_the_references_text(harness):
    """The CUDA runtime's twin of the plans on the same formats."""
    from tests import test_cupy_text_formats as cuda

    for fmt in ["0E+00", "00E+0", "##0E-0", K_FORMAT, '0.0,;(0.0,);"-"']:
        assert cuda._twin(harness, cuda.NUMBERS, fmt) == cuda._reference(cuda.NUMBERS, fmt), fmt
