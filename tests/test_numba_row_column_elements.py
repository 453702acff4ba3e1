"""MIN/MAX/SUM/AVERAGE of ROW or COLUMN of a range in an array formula: the elements are row
and column numbers, so the element-by-element expansion is numpy's answer (_numeric_elements).
chris-kc-cheng Analytics (unseen6): CIR!A51's MAKEARRAY body reads MIN(COLUMN(A31#)); it was
refused 'MIN of an array expression in an array formula' with 604 cells depending on it."""

from __future__ import annotations

from pathlib import Path

from openpyxl.worksheet.formula import ArrayFormula

from tests.kernel_checks import fused_sheet_values
from tests.test_backend_numba import tri


def test_min_of_column_numbers_is_fused(tmp_path: Path) -> None:
    cells: dict[str, object] = {
        "A1": 2.0, "B1": "=A1*2",
        "E1": ArrayFormula("E1", "=MIN(COLUMN(C3:F3))+A1"),
        "E2": ArrayFormula("E2", "=MAX(ROW(B4:B9))*A1"),
        "E3": ArrayFormula("E3", "=SUM(COLUMN(C3:F3))-AVERAGE(ROW(B4:B9))+B1"),
    }
    got = fused_sheet_values(tmp_path, cells, [tri("S!A1", 1, 2, 5)],
                             ["A1", "E1", "E2", "E3"], 40)
    for a, e1, e2, e3 in zip(got["A1"], got["E1"], got["E2"], got["E3"], strict=True):
        assert e1 == 3 + a and e2 == 9 * a
        assert abs(e3 - (3 + 4 + 5 + 6 - 6.5 + 2 * a)) < 1e-12
