"""Per-trial text keys (``$H2&"_"&I$1``) looked up by exact match in a column of per-trial
texts (``"EMP"&B2&"_"&E2``): RussellMubaya's Automated Attendance Sheet, 2,945 cells
``=IFERROR(VLOOKUP($A6&"_"&G$5, Database!$A:$F, 6, 0), "")`` over 975 keys made per trial.

The column's texts are ranked once per trial (:mod:`engine.backends.numba._dlines`), each key
written into a scratch array of its own shared by every lookup's key (so the copies are one
family's loop), the result column of constants read from a table, and a table of many rows
whose lookup reads two of its columns is under the size limit."""

from __future__ import annotations

import pytest

from engine.backends.numba import fused_report
from tests.kernel_checks import formula_values, fused_sheet_values, kernel_lines, sheet_job
from tests.test_backend_numba import tri

pytest.importorskip("numba")

_MARKS = ("P", "A", "L")


def _cells(rows: int, keys: int = 5) -> dict[str, object]:
    """A table A1:F{rows+1} of keys made per trial (upper case) and marks, and 4 lookups a
    row in H2:L{keys+1} of keys made per trial (lower case), some of which are missing."""
    cells: dict[str, object] = {"N1": 1.0, "A1": "Key", "B1": "Id", "E1": "Date",
                                "F1": "Mark"}
    for r in range(2, rows + 2):
        cells[f"A{r}"] = f'="EMP"&B{r}&"_"&E{r}'
        cells[f"B{r}"] = 100 + (r - 2) % 5 + 1 + 10 * ((r - 2) // 10)
        cells[f"E{r}"] = f"=INT($N$1)+{44000 + ((r - 2) // 5) % 2}"
        cells[f"F{r}"] = _MARKS[r % 3]
    for j, col in enumerate("IJKL"):
        cells[f"{col}1"] = 44000 + j
    ids = (101, 102, 103, 105, 999)
    for i, key in enumerate((ids[k % 5] for k in range(keys)), start=2):
        cells[f"H{i}"] = key
        for col in "IJKL":
            cells[f"{col}{i}"] = (f'=IFERROR(VLOOKUP("emp"&$H{i}&"_"&{col}$1,'
                                  f'$A$1:$F${rows + 1},6,0),"")')
    return cells


_OUT = [f"{c}{r}" for r in range(2, 7) for c in "IJKL"]


def test_text_keys_in_a_column_of_text_keys(tmp_path):
    """10 keys, 20 lookups (some missing -> ""; the keys in lower case, the table's in
    upper case): every cell fused, numba (and the CUDA host build) = numpy over N1 in 0..3
    (INT(N1) 0, 1 or 2: the keys vary); numpy's values at N1 = 1 worked out by hand."""
    fused_sheet_values(tmp_path, _cells(10), [tri("S!N1", 0.0, 1.0, 3.0)], _OUT, 60)
    # numpy once at N1 = 1: dates 44001 (rows 2-6) and 44002 (rows 7-11)
    got = formula_values(tmp_path / "book.xlsx")
    want = {"H2": ("", "L", "A", ""), "H3": ("", "P", "L", ""), "H4": ("", "A", "P", ""),
            "H5": ("", "P", "L", ""), "H6": ("", "", "", "")}
    for i, row in enumerate(want.values(), start=2):
        assert tuple(got[f"{c}{i}"] for c in "IJKL") == row


def test_text_keys_over_a_long_table(tmp_path):
    """A table of 690 rows and 6 columns (4,140 cells, past the 4,096 of one range) whose
    lookups read its first and last columns only (1,380 cells): fused."""
    job = sheet_job(tmp_path / "long.xlsx", _cells(690), [tri("S!N1", 0.0, 1.0, 3.0)],
                    _OUT, 10)
    assert fused_report(job) == {}


def test_copied_text_key_lookups_are_one_loop(tmp_path):
    """The lookups copied down and across (each writes its key per trial) are one family's
    loop: 160 more of them add a few lines to the kernel, not 10 or more each (their keys
    were written into the kernel's text buffer, a segment's own scratch: straight-line code,
    and the Attendance Sheet's 2,945 lookups past the kernel's 20,000 lines)."""
    def job_of(keys: int):
        out = [f"{c}{r}" for r in range(2, keys + 2) for c in "IJKL"]
        return sheet_job(tmp_path / f"k{keys}.xlsx", _cells(10, keys),
                         [tri("S!N1", 0.0, 1.0, 3.0)], out, 10)
    small, large = kernel_lines(job_of, 40, 80)
    assert large - small < 400, (small, large)
