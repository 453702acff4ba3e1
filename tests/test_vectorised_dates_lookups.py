"""Date parts of a range and lookups of a range of keys computed as one vector, not one numpy
pass per cell: ``SUMPRODUCT((YEAR(Log!A:A)=2024)*(IFERROR(VLOOKUP(Log!B:B,Map!A:C,2,FALSE),
"")="x")*..)`` over 5,000-row booking logs (kebron PAM-001/PAM-003/FIN-001, unseen9) kept
check and bench_fused from finishing.  engine.functions._vectorised.lift_stacked (YEAR,
MONTH, DAY, WEEKDAY, HOUR, MINUTE, SECOND, ISOWEEKNUM, DAYS) and lookup._search_once
(VLOOKUP, HLOOKUP, MATCH, XMATCH, XLOOKUP, LOOKUP): the same values, kinds and error codes as
the element loop (kept for per-trial data and small arrays), for dates, text dates, blanks,
logicals, errors, text and numbers stored as text in the range.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest

from engine import ir
from engine.check import same_value
from engine.functions import _search, dates, lookup
from engine.functions._scalars import lift
from engine.model import Model
from engine.values import Grid, Kind, Vec, blank, boolean, error, num, text

ROWS = 64
LOG_DATES: list[Any] = [45292.25, "2024-03-15", None, True, -1, 60, 0, "abc", "=1/0", 2958466,
                        36526.75, 45657]
KEYS: list[Any] = ["Apple", "apple", 5, "5", None, True, "=NA()", "b*", "Pear", 7.0, "zzz"]


def _book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    log = wb.active
    log.title = "Log"
    for i in range(ROWS):
        log.cell(i + 1, 1, LOG_DATES[i % len(LOG_DATES)] if i % 5 else 40000 + 37 * i)
        log.cell(i + 1, 2, KEYS[i % len(KEYS)])
        log.cell(i + 1, 3, i * 1.5)
    mp = wb.create_sheet("Map")
    for r, (k, a, b) in enumerate([("apple", 10, "x"), (5, 20, "y"), ("Pear", 30, None),
                                   (True, 40, "x"), ("5", 50, "z"), (7, "=1/0", "y"),
                                   ("b", 60, "x"), ("a", 70, "w")], start=1):
        mp.cell(r, 1, k)
        mp.cell(r, 2, a)
        mp.cell(r, 3, b)
        mp.cell(r, 5, r * 2)          # a sorted column for approximate matches
    calc = wb.create_sheet("Calc")
    d, k, v = f"Log!$A$1:$A${ROWS}", f"Log!$B$1:$B${ROWS}", f"Log!$C$1:$C${ROWS}"
    row = f"ROW({d})"
    for j, fn in enumerate(["YEAR", "MONTH", "DAY", "WEEKDAY", "HOUR", "MINUTE", "SECOND",
                            "ISOWEEKNUM"], start=1):
        calc.cell(j, 1, f"=SUMPRODUCT(IFERROR({fn}({d}),-1)*{row})")
        calc.cell(j, 2, f"=SUMPRODUCT(ISERROR({fn}({d}))*{row})")
    calc["A9"] = f"=SUMPRODUCT(IFERROR(WEEKDAY({d},2),-1)*{row})"
    calc["A10"] = f"=SUMPRODUCT(IFERROR(DAYS({d},45000),-1)*{row})"
    calc["A11"] = f"=SUMPRODUCT((YEAR({d})=2024)*{v})"      # an error in the range: the sum's
    calc["A12"] = f"=SUMPRODUCT(IFERROR((MONTH({d})=3)*(YEAR({d})=2024)*{v},0))"
    lookups = {                       # column: a lookup of every key of the log
        "C": f"VLOOKUP({k},Map!$A$1:$C$8,2,FALSE)",
        "D": f"VLOOKUP({k},Map!$A$1:$C$8,3,FALSE)",
        "E": f"VLOOKUP({k},Map!$E$1:$E$8,1)",
        "F": f"MATCH({k},Map!$A$1:$A$8,0)",
        "G": f"MATCH({k},Map!$A$1:$A$8,-1)",
        "H": f"XMATCH({k},Map!$A$1:$A$8)",
        "I": f"XMATCH({k},Map!$A$1:$A$8,2,-1)",
        "J": f'XLOOKUP({k},Map!$A$1:$A$8,Map!$C$1:$C$8,"nf")',
        "K": f"XLOOKUP({k},Map!$A$1:$A$8,Map!$B$1:$B$8)",
        "L": f"LOOKUP({k},Map!$E$1:$E$8,Map!$B$1:$B$8)",
        "M": f"HLOOKUP({k},Map!$E$1:$E$8,1,FALSE)",
    }
    for col, expr in lookups.items():
        calc[f"{col}1"] = f"=SUMPRODUCT(IFERROR(--{expr},-1)*ROW({k}))"
        calc[f"{col}2"] = f"=SUMPRODUCT(--ISNA({expr})*ROW({k}))"
        calc[f"{col}3"] = f'=SUMPRODUCT((IFERROR({expr},"")="x")*ROW({k}))'
    calc["Z1"] = 3.0                  # an input of the numba test
    calc["Z2"] = (f"=Z1*SUMPRODUCT((IFERROR(YEAR({d}),0)=2024)*IFERROR(VLOOKUP({k},Map!$A$1:$C$8,2,FALSE),0))"
                  f"+SUMPRODUCT(IFERROR(MONTH({d}),0)*IFERROR(MATCH({k},Map!$A$1:$A$8,0),0))")
    out = path / "vectorised.xlsx"
    wb.save(out)
    return out


def _values(path: Path) -> dict[str, object]:
    model = Model.open(path)
    cells = [c for c in model.workbook.formula_cells() if str(c).startswith("Calc")]
    values, _ = model.evaluate(cells)
    return {str(c): values[c].scalar() for c in cells}


def _one_by_one(call: Any, keys: list[Vec]) -> list[Vec]:
    return [call(k) for k in keys]


def test_vector_paths_equal_the_element_loop(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    book = _book(tmp_path)
    fast = _values(book)
    with monkeypatch.context() as m:
        m.setattr(dates, "lift_stacked", lambda fn, args, kept=None: lift(fn, args))
        m.setattr(lookup, "_search_once", _one_by_one)
        slow = _values(book)
    assert fast.keys() == slow.keys() and len(fast) == 16 + 4 + 3 * 11 + 1
    for cell, want in slow.items():
        assert same_value(want, fast[cell], rel=0.0), (cell, want, fast[cell])
    assert str(fast["Calc!A11"]) == "#NUM!"                  # YEAR(-1), before the 1/0
    march = [i for i in range(ROWS) if i % 5 and LOG_DATES[i % len(LOG_DATES)] == "2024-03-15"]
    assert fast["Calc!A12"] == 1.5 * sum(march)                     # the date as text
    assert fast["Calc!B1"] == sum(i + 1 for i in range(ROWS) if i % 5 and
                                  LOG_DATES[i % len(LOG_DATES)] in (-1, "abc", "=1/0", 2958466))


def test_one_search_and_one_date_pass_per_formula(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    book = _book(tmp_path)
    calls = {"search": 0, "ymd": 0}
    real_exact, real_ymd = _search.exact, dates.to_ymd

    def exact(*a: Any, **k: Any) -> np.ndarray:
        calls["search"] += 1
        return real_exact(*a, **k)

    def to_ymd(s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        calls["ymd"] += 1
        return real_ymd(s)

    monkeypatch.setattr(_search, "exact", exact)
    monkeypatch.setattr(dates, "to_ymd", to_ymd)
    _values(book)
    # the loop: once per key (ROWS a formula); now once per kind of cell in the range
    assert calls["search"] <= 4 * 10, calls
    assert calls["ymd"] <= 3 * 12 * 6, calls


def _same(a: Vec, b: Vec) -> bool:
    if a.kind != b.kind or a.data.dtype != b.data.dtype:
        return False
    data = list(a.data) == list(b.data) if a.kind == Kind.ANY else np.array_equal(a.data, b.data)
    errs = (a.err is None and b.err is None) or (
        a.err is not None and b.err is not None and np.array_equal(a.err, b.err))
    return bool(data and errs)


def test_parts_equal_each_elements_own_result() -> None:
    """Kinds and error arrays too (not only the scalars a SUMPRODUCT reads)."""
    cells = [num(45292.5), text("2024-03-15"), blank(), boolean(True), error(7), num(-1.0),
             num(60.0), num(0.0), text("x"), num(2958466.0)] * 3
    keys = Grid([[c] for c in cells + [text("Apple"), text("b*"), num(5.0), text("5")]])
    table = Grid([[text("apple"), num(1.0)], [num(5.0), text("five")], [boolean(True), blank()],
                  [num(45292.0), error(7)], [text("bb"), num(2.0)]])
    for fn in ("YEAR", "WEEKDAY", "SECOND"):
        f = {"YEAR": dates._part(0), "WEEKDAY": dates.weekday, "SECOND": dates._time_part(1, 60)}[fn]
        whole = f(Grid([[c] for c in cells]))
        assert all(_same(x, f(c)) for x, c in zip(whole.flat(), cells, strict=True)), fn
    for args in ([table, num(2.0), boolean(False)], [table, num(2.0)]):
        whole = lookup.vlookup(keys, *args)
        each = [lookup.vlookup(k, *args) for k in keys.flat()]
        assert all(_same(x, y) for x, y in zip(whole.flat(), each, strict=True))
    col = Grid([[r[0]] for r in table.cells])
    whole = lookup.xlookup(keys, col, Grid([[r[1]] for r in table.cells]), text("nf"))
    each = [lookup.xlookup(k, col, Grid([[r[1]] for r in table.cells]), text("nf"))
            for k in keys.flat()]
    assert all(_same(x, y) for x, y in zip(whole.flat(), each, strict=True))


def test_a_range_read_again_as_a_new_grid_keeps_its_encoding(monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """An Env that keeps no ranges (the numba generator folding a constant column's lookups
    one key at a time) hands each lookup a new Grid of the same cells: the table is encoded
    once (it was once per lookup); a Grid of other cells at the same place is encoded again."""
    lookup.forget_kept()
    calls = [0]
    real = _search.encode_table

    def encode_table(*a: Any, **k: Any) -> Any:
        calls[0] += 1
        return real(*a, **k)

    monkeypatch.setattr(_search, "encode_table", encode_table)
    cells = [[text(f"k{i}"), num(float(i))] for i in range(100)]
    area = ir.Area("S", 1, 1, 100, 2)
    for i in range(20):
        got = lookup.vlookup(text(f"K{i}"), Grid([list(r) for r in cells], area), num(2.0),
                             boolean(False))
        assert got.scalar() == float(i)
    assert calls[0] == 1
    cells[7] = [text("k7"), num(-7.0)]
    cells[3] = [text("new"), num(3.0)]
    other = Grid([list(r) for r in cells], area)
    assert lookup.vlookup(text("k7"), other, num(2.0), boolean(False)).scalar() == -7.0
    assert lookup.vlookup(text("new"), other, num(2.0), boolean(False)).scalar() == 3.0
    assert calls[0] == 2
    lookup.forget_kept()


@pytest.mark.slow
def test_numba_equals_numpy(tmp_path: Path) -> None:
    """The generator folds the constant SUMPRODUCTs through the same numpy functions (slow:
    a numba compile; the functions' own checks are the tests above)."""
    pytest.importorskip("numba")
    from tests.test_backend_numba import job_for, numba_and_numpy, tri

    model = Model.open(_book(tmp_path))
    job = job_for(model, [tri("Calc!Z1", 1.0, 3.0, 5.0)], ["Calc!Z2"], trials=16)
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 8)
    values = got[0][model.ref("Calc!Z2")]
    assert np.isfinite(values).all() and len(set(values.tolist())) == 16


def test_a_date_part_of_a_range_is_computed_once_per_range(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """MONTH(Log!A6:A5005) in hundreds of SUMPRODUCTs: computed once, kept with the range's
    Grid; each call gets its own Grid of the same values; an array value is not kept."""
    calls = [0]
    real = dates.to_ymd

    def to_ymd(s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        calls[0] += 1
        return real(s)

    monkeypatch.setattr(dates, "to_ymd", to_ymd)
    cells = [[num(45000.0 + 40 * i)] for i in range(30)]
    rng = Grid(cells, ir.Area("Log", 1, 1, 30, 1))
    month = dates._part(1)
    first = month(rng)
    once = calls[0]
    second = month(rng)
    assert calls[0] == once and second is not first and second.cells is not first.cells
    assert [c.scalar() for c in second.flat()] == [c.scalar() for c in first.flat()]
    assert dates._part(0)(rng).cells[0][0].scalar() == 2023.0     # YEAR: its own entry
    before = calls[0]
    month(Grid(cells))                                               # a value, not a range
    month(Grid(cells))
    assert calls[0] == before + 2
