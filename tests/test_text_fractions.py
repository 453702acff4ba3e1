"""TEXT with fraction formats (# ?/?, ?/??, # ??/16): the closest fraction whose
denominator has as many digits as its placeholders, or a fixed denominator (not reduced)."""

from __future__ import annotations

import pytest

from engine.model import Model
from tests.formula_checks import shown


def value(formula: str):
    return shown(Model.from_cells({"Sheet1!A1": 1.0}), formula)


# Microsoft's TEXT function page: =TEXT(4.34,"# ?/?") is "4 1/3"; =TRIM(TEXT(0.34,"# ?/?"))
# is "1/3" ("uses TRIM to remove the leading space with a decimal value"); its number format
# guidelines: 5.25 in "# ???/???" shows as 5 1/4.  Excel's Format Cells fraction types:
# up to two digits (21/25), as quarters (2/4), eighths (4/8), sixteenths (8/16), tenths
# (3/10), hundredths (30/100).
@pytest.mark.parametrize(("formula", "expected"), [
    ('=TEXT(4.34,"# ?/?")', "4 1/3"),
    ('=TEXT(0.34,"# ?/?")', " 1/3"),
    ('=TRIM(TEXT(0.34,"# ?/?"))', "1/3"),
    ('=TEXT(0.75,"# ?/?")', " 3/4"),
    ('=TEXT(1.5,"# ?/?")', "1 1/2"),
    ('=TEXT(-1.25,"# ?/?")', "-1 1/4"),
    ('=TEXT(2,"# ?/?")', "2    "),                  # a whole number: the fraction's width
    ('=TEXT(0.97,"# ?/?")', "1    "),                # rounds up to the next whole number
    ('=TRIM(TEXT(5.25,"# ???/???"))', "5 1/4"),
    ('=TEXT(5.25,"# ???/???")', "5   1/4  "),        # ? pads with spaces
    ('=TEXT(0.333,"?/??")', "1/3 "),
    ('=TEXT(1.5,"?/?")', "3/2"),                     # no whole part: improper
    ('=TEXT(3.14159,"# ??/??")', "3 14/99"),        # closest with 2 digits (16/113 has 3)
    ('=TRIM(TEXT(0.84,"# ??/??"))', "21/25"),
    ('=TRIM(TEXT(0.5,"# ?/4"))', "2/4"),
    ('=TRIM(TEXT(0.5,"# ?/8"))', "4/8"),
    ('=TRIM(TEXT(0.5,"# ??/16"))', "8/16"),
    ('=TRIM(TEXT(0.3,"# ?/10"))', "3/10"),
    ('=TRIM(TEXT(0.3,"# ??/100"))', "30/100"),
    ('=TEXT(0.5,"mm/dd/yy")', "01/00/00"),           # a date format is no fraction
])
def test_text_fraction_formats(formula, expected):
    assert value(formula) == expected


# Excel's own results cached in Apache POI's NumberFormatTests.xlsx (test-data/spreadsheet,
# Apache-2.0): literals between the parts, ? and 0 placeholders, whole numbers, zero; all
# 211 rows of its "Fractions" categories agree (checked when this was written).
@pytest.mark.parametrize(("fmt", "x", "expected"), [
    ("|#\\:#/#|", 23.75, "|23:3/4|"), ("|#\\:#/#|", -0.75, "-|3/4|"), ("|#\\:#/#|", 0, "|0|"),
    ("|#-#-#\\:#/#|", 23.75, "|-2-3:3/4|"), ("|#-#-#\\:#/#|", 0.75, "|--3/4|"),
    ("|#\\:#=/=?|", 1, "|1      |"), ("|#\\:#=/=?|", 0.75, "|3=/=4|"),
    ("|#\\:?=/=#|", 0.75, "| 3=/=4|"), ("|?\\:#=/=#|", 0.75, "|  3=/=4|"),
    ("|#\\:? ?=/=#|", 23.75, "|2:3 3=/=4|"), ("|#\\:? ?=/=#|", 0, "|:0      |"),
    ("|#\\:? ?0#/000", 23.75, "|2:3  03/004"), ("|#\\:? ?0#/000", 0, "|:0  00/001"),
    ("|?\\:?0=/=#|", 0.75, "|   3=/=4|"), ("|#\\:0=/=#|", 0, "|0=/=1|"),
    ("|?\\:0=/=#|", 0, "|0:0=/=1|"), ("|0\\:#=/=#|", 0.75, "|0:3=/=4|"),
    ("|#_#/#|", 3.75, "|15 /4|"), ("|#_#/#|", 0, "|0 /1|"), ("|#_?=/=?|", -3.75, "-|15 =/=4|"),
])
def test_excel_results_of_poi_fraction_formats(fmt, x, expected):
    escaped = fmt.replace('"', '""')
    assert value(f'=TEXT({x},"{escaped}")') == expected


def test_numba_writes_fractions_as_numpy_does():
    """Fused or left to numpy (TEXT of a number varying per trial), the same text."""
    pytest.importorskip("numba")
    import numpy as np

    from engine.backends.numba import NumbaBackend
    from engine.backends.numpy import NumpyBackend
    from tests.test_backend_numba import assert_same, job_for, run, tri

    model = Model.from_cells({"Sheet1!A1": 5.0,
                              "Sheet1!B1": '=FIND("/",TEXT(A1/3,"# ??/??"))',
                              "Sheet1!B2": '=IF(TEXT(ROUND(A1,0)/8,"# ?/8")=" 4/8",1,0)'})
    job = job_for(model, [tri("Sheet1!A1", 0.0, 5.0, 10.0)], ["Sheet1!B1", "Sheet1!B2"],
                  trials=400)
    got, want = run(NumbaBackend(), job, 400), run(NumpyBackend(), job, 400)
    assert_same(job, got, want)
    a1 = got[2][model.ref("Sheet1!A1")]
    np.testing.assert_array_equal(got[0][model.ref("Sheet1!B2")], np.round(a1) == 4)
