"""SUMIFS/COUNTIFS/AVERAGEIFS/MINIFS/MAXIFS/SUMIF/COUNTIF over ranges whose cells hold one
value each (Excel's own recalculation, constant ranges) match whole rows of values at once
(engine.functions.stats._flat_view), the range classified once and kept with the cached grid.

kebron FIN-001 revpar dashboard (unseen9): 7,300 COUNTIFS of a 365 x 20 calendar over
5,000-row logs classified each log cell once per formula; check did not finish in 30 minutes.
Same values as the cell-by-cell loop, which stays for ranges and criteria that vary per trial.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from engine.check import same_value
from engine.functions import stats
from engine.model import Model

ROWS = 200            # above the Env's area cache minimum: the ranges are read once
FORMULA_ROWS = 30
CATEGORIES = ["Apple", "apple pie", "Pear", "5", "", None, True, "=NA()"]


def _book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    log = wb.active
    log.title = "Log"
    for i in range(ROWS):
        r = i + 2
        log.cell(r, 1, CATEGORIES[i % len(CATEGORIES)])
        amount: object = i * 1.5
        if i % 11 == 3:
            amount = "7"                 # text: not summed
        elif i % 13 == 5:
            amount = None
        elif i == 42:                    # CATEGORIES[2]: a Pear row's amount is an error
            amount = "=1/0"
        log.cell(r, 2, amount)
        log.cell(r, 3, 45000 + i)
    calc = wb.create_sheet("Calc")
    rng = "Log!$A$2:$A$201"
    amt, day = "Log!$B$2:$B$201", "Log!$C$2:$C$201"
    for k in range(FORMULA_ROWS):
        r = k + 1
        calc.cell(r, 1, 45000 + 6 * k)
        calc.cell(r, 2, f'=COUNTIFS({rng},"apple*",{day},"<="&A{r})')
        calc.cell(r, 3, f'=SUMIFS({amt},{rng},"<>Pear",{day},">"&A{r})')
        calc.cell(r, 4, f'=AVERAGEIFS({amt},{rng},"Apple",{day},"<="&(A{r}+40))')
        calc.cell(r, 5, f'=MINIFS({amt},{day},">="&A{r},{rng},"<>apple pie")')
        calc.cell(r, 6, f'=MAXIFS({amt},{day},"<"&A{r})')
        calc.cell(r, 7, f'=SUMIF({day},">="&A{r},{amt})')
    calc["H1"] = f"=COUNTIF({rng},5)"            # the text "5" counts as 5
    calc["H2"] = f'=COUNTIF({rng},"")'            # empty text and blank cells
    calc["H3"] = f"=COUNTIF({rng},TRUE)"
    calc["H4"] = f'=SUMIFS({amt},{rng},"Pear")'   # a Pear row's #DIV/0!
    calc["H5"] = f'=COUNTIF({rng},"#N/A")'
    calc["H6"] = f'=COUNTIFS({rng},"Pear",{amt},">100")'
    out = path / "conditional_flat.xlsx"
    wb.save(out)
    return out


def _values(path: Path) -> dict[str, object]:
    model = Model.open(path)
    cells = [c for c in model.workbook.formula_cells() if str(c).startswith("Calc")]
    values, _ = model.evaluate(cells)
    return {str(c): values[c].scalar() for c in cells}


def test_flat_matching_equals_the_cell_loop(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    book = _book(tmp_path)
    fast = _values(book)
    monkeypatch.setattr(stats, "_conditional_flat", lambda *a, **k: None)
    slow = _values(book)
    assert fast.keys() == slow.keys() and len(fast) == 6 * FORMULA_ROWS + 6
    for cell, want in slow.items():
        assert same_value(want, fast[cell], rel=0.0), (cell, want, fast[cell])
    pears = [i for i in range(ROWS) if i % len(CATEGORIES) == 2]
    assert fast["Calc!H1"] == ROWS // len(CATEGORIES)
    assert fast["Calc!H2"] == 2 * ROWS // len(CATEGORIES)
    assert fast["Calc!H3"] == ROWS // len(CATEGORIES)
    assert str(fast["Calc!H4"]) == "#DIV/0!"
    assert fast["Calc!H5"] == ROWS // len(CATEGORIES)
    assert fast["Calc!H6"] == sum(1 for i in pears if i * 1.5 > 100 and i % 11 != 3
                                  and i % 13 != 5 and i != 42)
    assert str(fast["Calc!G1"]) == "#DIV/0!"       # every day: row 44's 1/0 is summed
    last = 6 * (FORMULA_ROWS - 1)
    assert fast[f"Calc!G{FORMULA_ROWS}"] == sum(i * 1.5 for i in range(last, ROWS)
                                                if i % 11 != 3 and i % 13 != 5)


def test_a_range_is_classified_once_not_per_formula(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    book = _book(tmp_path)
    calls = [0]
    real = stats.view

    def counting(v):  # noqa: ANN001, ANN202 - a spy on the classification
        calls[0] += 1
        return real(v)

    monkeypatch.setattr(stats, "view", counting)
    _values(book)
    # three ranges of the Log sheet, each classified once (the cell loop: once a cell a formula)
    assert calls[0] <= 10, calls[0]
