"""XLOOKUP/XMATCH with an empty mode argument (`XLOOKUP(K4,B2:B252,D2:D252,,0,)`): the empty
search mode is the default, 1 (first to last), as when it is left out. Excel cached results
for mohamedamr1111's XLOOKUP sheet (unseen10) where numpy gave #VALUE! (an empty argument read
as 0, not a search mode) and numba refused the cells."""

from __future__ import annotations

from pathlib import Path

from tests.kernel_checks import formula_values, fused_sheet_values, new_sheet
from tests.test_backend_numba import tri

KEYS = [4, 2, 7, 2, 9, 4]
NAMES = ["four", "two", "seven", "two again", "nine", "four again"]

TABLE: dict[str, object] = {f"A{i + 1}": k for i, k in enumerate(KEYS)}
TABLE.update({f"B{i + 1}": n for i, n in enumerate(NAMES)})


def test_an_empty_search_mode_is_first_to_last(tmp_path: Path) -> None:
    ws = new_sheet("S")
    for k, v in TABLE.items():
        ws[k] = v
    ws["D1"] = "=_xlfn.XLOOKUP(2,A1:A6,B1:B6,,0,)"
    ws["D2"] = "=_xlfn.XLOOKUP(4,A1:A6,B1:B6,,,)"
    ws["D3"] = "=_xlfn.XLOOKUP(4,A1:A6,B1:B6,,0,-1)"     # last to first: a control
    ws["D4"] = "=_xlfn.XMATCH(7,A1:A6,,)"
    ws["D5"] = '=_xlfn.XLOOKUP(5,A1:A6,B1:B6,"none",,)'
    path = tmp_path / "xl.xlsx"
    ws.parent.save(path)
    got = formula_values(path)
    assert got["D1"] == "two" and got["D2"] == "four" and got["D3"] == "four again"
    assert got["D4"] == 3 and got["D5"] == "none"


def test_fused_with_an_empty_search_mode(tmp_path: Path) -> None:
    cells = dict(TABLE)
    cells.update({f"F{i + 1}": 10 * k + i for i, k in enumerate(KEYS)})
    cells["D1"] = "=ROUND(C1,0)"
    cells["E1"] = "=_xlfn.XLOOKUP(D1,A1:A6,F1:F6,-1,0,)"
    cells["E2"] = "=_xlfn.XMATCH(D1,A1:A6,,)"
    cells["E3"] = "=_xlfn.XLOOKUP(D1,A1:A6,F1:F6,-1,,)"
    got = fused_sheet_values(tmp_path, cells, [tri("S!C1", 0, 4, 10)], ["D1", "E1", "E2", "E3"],
                             300)
    first = {k: 10 * k + KEYS.index(k) for k in KEYS}      # the first row holding k
    want = [first.get(int(k), -1) for k in got["D1"]]
    assert list(got["E1"]) == want and list(got["E3"]) == want
    assert {2, 4}.issubset({int(k) for k in got["D1"]})   # keys held twice were drawn
    positions = [KEYS.index(int(k)) + 1 if int(k) in KEYS else None for k in got["D1"]]
    assert [p if p is not None else None for p in positions] == \
        [int(p) if p == p else None for p in got["E2"]]
