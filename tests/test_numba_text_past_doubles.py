"""TEXT of numbers whose digits the double cannot hold: a percent of a number past
Excel's largest number / 100 (TEXT(9.99E+307,"0%"): x * 100 overflows the double) and a
fraction format of a whole number from 2**53 up (TEXT(2^60,"# ?/?")).

Excel keeps 15 significant digits of a number and formats on those digits (its
specifications: 15 digits of precision; TEXT(2^60,"#") is 1152921504606850000), so the
percent is those digits times 100 as digits, and a fraction's whole part is those digits
then zeros, as the other formats already write them (_format_code.excel_whole).  The
reference wrote "Infinity%" (numpy and the kernel's dput_fixed alike) and the double's own
digits (1152921504606846976).  LibreOffice's recalculation is no oracle here: its formatter
writes #FMT for both (a percent past the double, a fraction of 2**32 or more), while it
writes every digit of TEXT(1E+306,"0%")."""

from __future__ import annotations

import numpy as np
import pytest

from tests.test_numba_dynamic_text_formats import _reference

pytest.importorskip("numba")

BIG = "999" + "0" * 307   # the digits of 9.99E+307 times 100


def test_a_percent_past_the_doubles_is_the_numbers_digits_times_100():
    xs = np.array([9.99e307, -9.99e307, 1.8e306, 1.7e306])
    assert _reference(xs, "0%") == [BIG + "%", "-" + BIG + "%", "18" + "0" * 307 + "%",
                                    "17" + "0" * 307 + "%"]
    assert _reference(xs[:1], "$#,##0.00%") == [
        "$" + f"{int(BIG):,}" + ".00%"]
    assert _reference(xs[:1], "0.0%") == _reference(xs[:1], '0.0%;-0.0%')   # pycel's way


def test_a_fraction_of_a_whole_number_past_2_to_the_53_has_excels_digits():
    xs = np.array([2.0 ** 60, -(2.0 ** 60), 2.0 ** 53 + 2, 1e20, 12.5])
    assert _reference(xs, "# ?/?") == ["1152921504606850000    ", "-1152921504606850000    ",
                                       "9007199254740990    ", "100000000000000000000    ",
                                       "12 1/2"]
    assert _reference(xs[:1], "# ??/??") == ["1152921504606850000      "]
    assert _reference(xs[:1], "?/?") == ["1152921504606850000/1"]
    assert _reference(xs[:1], "# ?/8") == ["1152921504606850000    "]


def test_the_kernels_percent_past_the_doubles_equals_the_reference(tmp_path):
    from engine.backends.numba import fused_report
    from tests.kernel_checks import numba_and_host_equal_numpy, sheet_job
    from tests.test_backend_numba import tri

    cells = {"C1": '=TEXT(A1*1E+306,"0%")', "C2": '=TEXT(-A1*1E+306,"$#,##0.00%")',
             "C3": '=TEXT(A1*1E+305,"0.0%")', "E1": "=LEN(C1)", "E2": "=LEN(C2)-LEN(C3)"}
    outs = ["C1", "C2", "C3", "E1", "E2"]
    job = sheet_job(tmp_path / "t.xlsx", cells, [tri("S!A1", 0.1, 1.5, 5.0)], outs, 16)
    assert fused_report(job) == {}
    got, want = numba_and_host_equal_numpy(job, tmp_path / "k", 8)
    a1 = next(iter(got[2].values()))
    e1 = got[0][job.program.outputs[3]]
    over = a1 * 1e306 * 100 > np.finfo(float).max   # x * 100 past the doubles
    assert over.any() and (~over).any()
    assert (e1 > 300).all()   # the digits, never "Infinity%"
