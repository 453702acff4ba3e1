"""Aggregates over a range whose cells hold one number each (the flat path): its numbers are
read as one block (stats._Fixed), not one column of one value per number, and every value is
bit for bit the element loop's (flat_ops.ENABLED off), also with an argument that varies per
trial before or after the range (left-to-right sums, the loop's order)."""

from __future__ import annotations

import numpy as np
import pytest

from engine import functions
from engine.functions import flat_ops, stats
from engine.values import Grid, Vec, from_scalar, num

NUMS = [1e16, 0.1, -1e16, 0.7, 3.0, 1.0 / 3.0, 2.5e-3, 7.0, 1e-300, 0.2] * 4  # 40 cells
FUNCS = ("AVERAGE", "SUM", "MIN", "MAX", "MEDIAN", "STDEV.S", "VAR.P", "DEVSQ", "AVEDEV",
         "GEOMEAN", "HARMEAN", "COUNT")


def _grid(values: list[float]) -> Grid:
    return Grid([[from_scalar(x)] for x in values])


def _call(name: str, *args: Vec | Grid) -> Vec:
    functions._load()
    return functions.FUNCTIONS[name].impl(*args)


def _bits(v: Vec) -> list[int]:
    return np.ascontiguousarray(np.asarray(v.data, dtype=np.float64)).view(np.int64).tolist()


def test_flat_numbers_are_one_block() -> None:
    assert len(NUMS) >= stats.FLAT_MIN
    cols, masks, err = stats._numeric_columns([_grid(NUMS), num(2.0)])
    assert len(cols) == 2 and isinstance(cols[0], stats._Fixed) and err is None
    assert cols[0].nums.tolist() == NUMS and masks == [None, None]


@pytest.mark.parametrize("name", FUNCS)
def test_block_equals_element_loop_bit_for_bit(name: str, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    g, pos = _grid(NUMS), _grid([abs(x) + 0.5 for x in NUMS])
    varying = num(np.array([0.25, 1e16, 3.0, 0.5]))
    cases = [(g,), (num(1.5), g, num(0.3)), (varying, g), (g, varying), (g, varying, g)]
    if name in ("GEOMEAN", "HARMEAN"):
        cases = [(pos,), (varying, pos), (pos, varying, pos)]
    for args in cases:
        fast = _call(name, *args)
        monkeypatch.setattr(flat_ops, "ENABLED", False)
        slow = _call(name, *args)
        monkeypatch.setattr(flat_ops, "ENABLED", True)
        assert _bits(fast) == _bits(slow), (name, len(args))
        assert (fast.err is None or not fast.err.any()) and (slow.err is None or
                                                              not slow.err.any())
    # hand-checked: 40 numbers; SUM left to right: 1e16 + 0.1 - 1e16 loses the 0.1
    if name == "COUNT":
        assert _call(name, g).data.tolist() == [40.0]
    if name == "MAX":
        assert _call(name, g, varying).data.tolist() == [1e16] * 4
