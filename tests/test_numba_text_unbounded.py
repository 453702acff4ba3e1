"""TEXT, in a format outside the simple ones, of a number with no known bound (VALUE of text
made per trial) in the fused numba kernel: planned up to the reference's rounding cap
(engine/backends/numba/_dtext_formats.rounding_cap: 1E+308, past Excel's largest number),
#VALUE! from there, as the reference.  mattansa Gantt chart's TEXT(VALUE(LEFT(prevWBS,..))+1,"#"),
EfiLygda's TEXT(..,"0,00%") (a comma between digit placeholders: thousands).  A number from
2**53 up is written with Excel's 15 significant digits, zeros after them, not the double's
binary digits (LibreOffice's recalculation of the same formulas writes these too)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from engine.backends.numba import fused_report  # noqa: E402
from engine.backends.numba._dtext_formats import ROUNDING_CAP, rounding_cap  # noqa: E402
from engine.functions._format_code import plain_format  # noqa: E402
from tests.kernel_checks import numba_and_host_equal_numpy, sheet_job  # noqa: E402
from tests.test_backend_numba import tri  # noqa: E402
from tests.test_numba_dynamic_text_formats import _kernel, _reference  # noqa: E402

FORMATS = ["#", "0,00", "0,00%", "#,##0.0;(#,##0.0)", '"n="#']


def test_formats_planned_up_to_the_cap_write_the_references_text():
    rng = np.random.default_rng(11)
    xs = np.concatenate([10.0 ** rng.uniform(-3, 24.9, 400) * rng.choice([-1.0, 1.0], 400),
                         [0.0, 0.5, -2.5, 1234.5, -9.99e24, 2.0 ** 70]])
    for fmt in FORMATS:   # the reference fails from 1E+28 less the decimals (1 here, % 2)
        assert rounding_cap(plain_format(fmt)) == ROUNDING_CAP
        assert _kernel(xs, fmt) == _reference(xs, fmt), fmt
    top = np.array([9.99e27, -9.99e27, 1e27 + 2.0 ** 40])
    assert _kernel(top, "#") == _reference(top, "#") == \
        ["9990000000000000000000000000", "-9990000000000000000000000000",
         "1000000000000000000000000000"]   # rounded on 15 digits, Excel's digits
    # sections the reference does not round (General, dates, scaled, conditions): no cap
    for fmt in ["General", "0.0E+0", "yyyy-mm-dd", '#,##0,"K"', "[<10]0;0.0", "0;General"]:
        assert rounding_cap(plain_format(fmt)) is None, fmt


def test_numbers_past_2_to_the_53_up_to_excels_largest():
    rng = np.random.default_rng(3)
    xs = np.concatenate([10.0 ** rng.uniform(14, 307.99, 300) * rng.choice([-1.0, 1.0], 300),
                         [2.0 ** 53, 2.0 ** 53 + 2, 2.0 ** 60, 1e23, 9.99999999999999e307,
                          -9.999999999999995e307, 5.5, 0.0]])
    for fmt in [*FORMATS, "0;(0)", "#.#", "#.00%", '#,##0,"K"', "[<10]0;0.0"]:
        assert _kernel(xs, fmt) == _reference(xs, fmt), fmt
    big = np.array([2.0 ** 60, 2.0 ** 53 + 2, 1.5e30, 1e23, 1e308, -1.7e308, 12.0])
    assert _reference(big, "#") == ["1152921504606850000", "9007199254740990",
                                    "1500000000000000000000000000000",
                                    "100000000000000000000000", None, None, "12"]
    assert _reference(big[:4], "#,##0.0;(#,##0.0)") == [
        "1,152,921,504,606,850,000.0", "9,007,199,254,740,990.0",
        "1,500,000,000,000,000,000,000,000,000,000.0", "100,000,000,000,000,000,000,000.0"]
    assert _reference(-big[:2], "0;(0)") == ["(1152921504606850000)", "(9007199254740990)"]
    assert _reference(big[:1], "#%") == ["115292150460685000000%"]
    assert _reference(np.array([9.99999999999999e307]), "#") == ["999999999999999" + "0" * 293]


def test_excel_answers_in_these_formats():
    xs = np.array([1234.5, 0.0, -2.5, 12345.0, 5.0])
    assert _reference(xs, "#") == ["1235", "", "-3", "12345", "5"]
    assert _reference(xs, "0,00") == ["1,235", "000", "-003", "12,345", "005"]
    assert _reference(np.array([0.1234, 123.456]), "0,00%") == ["012%", "12,346%"]


def test_text_of_value_of_text_made_per_trial_is_fused(tmp_path):
    cells = {"B1": '=ROUND(A1*7,2)&""', "B2": '=ROUND(A1*37,0)&"."&ROUND(A1,0)',
             "C1": '=TEXT(VALUE(B1)+1,"#")', "C2": '=TEXT(VALUE(B1)/8,"0,00%")',
             "C3": '=TEXT(VALUE(LEFT(B2,FIND(".",B2)-1))+1,"#")&".1"',
             "C4": '=TEXT(-VALUE(B1)*1E+20,"#,##0.0;(#,##0.0)")',
             "C5": '=TEXT(VALUE(B1)*1E+300,"#")', "C6": '=TEXT(-VALUE(B1)*2^60,"0;(0)")',
             "C7": '=TEXT(VALUE(B1)*1E+306,"#")',   # 1E+308 up in some trials: #VALUE!
             "E1": '=VALUE(C1)-ROUND(VALUE(B1)+1,0)', "E2": "=LEN(C2)+LEN(C3)+LEN(C4)"}
    outs = ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "E1", "E2"]
    job = sheet_job(tmp_path / "t.xlsx", cells, [tri("S!A1", 0.0, 1.5, 40.0)], outs, 400)
    assert fused_report(job) == {}
    got, _ = numba_and_host_equal_numpy(job, tmp_path / "k", 150)
    e1, e2 = (got[0][r] for r in job.program.outputs[7:])
    assert not e1.any() and (e2 > 20).all()
