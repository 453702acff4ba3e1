"""The trial count of a range that COUNTIFS/SUMIFS/.. read is kept with the Env's Grid
(stats._kept_trials, Grid.derived), not counted over its cells again per formula: kebron
FIN-001's 7,300 COUNTIFS over 5,000-row logs spent most of check in values.trials."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.functions import stats
from engine.values import Grid
from tests.test_conditional_flat import FORMULA_ROWS, _book, _values


def test_a_range_is_counted_once_not_per_formula(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    book = _book(tmp_path)
    want = _values(book)
    calls = [0]
    real = stats.trials

    def counting(*values: Any) -> int:
        calls[0] += sum(isinstance(v, Grid) for v in values)
        return real(*values)

    monkeypatch.setattr(stats, "trials", counting)
    got = _values(book)
    assert got == want or all(str(got[k]) == str(want[k]) for k in want)
    # three ranges of the Log sheet, each counted once (before: every range of every formula)
    assert 0 < calls[0] <= 10, calls[0]
    assert 6 * FORMULA_ROWS > 10
