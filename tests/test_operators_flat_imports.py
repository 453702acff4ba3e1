"""The operators reach the flat path (flat_ops.elementwise / positionless) through a module-level
import, not an import per call in every array operation: Computed lives in
engine/functions/_computed.py, which both modules import, so there is no cycle.  Values: an
operator over grids is still the flat path's (a Computed where it keeps a range's position)."""

from __future__ import annotations

import inspect

from engine.functions import _computed, flat_ops, operators
from engine.values import Grid, num


def test_no_import_per_call_and_one_computed_class() -> None:
    assert operators.flat_ops is flat_ops   # read as flat_ops.elementwise: tests can spy on it
    assert operators.Computed is flat_ops.Computed is _computed.Computed
    for fn in (operators.unary, operators.binary):
        assert "import" not in inspect.getsource(fn), fn.__name__


def test_grid_operators_values() -> None:
    g = Grid([[num(float(i))] for i in range(40)])
    neg = operators.unary("-", g)
    assert [c.scalar() for c in neg.flat()] == [-float(i) for i in range(40)]
    s = operators.binary("+", g, num(0.5))
    assert [c.scalar() for c in s.flat()] == [i + 0.5 for i in range(40)]
    assert not operators.is_reference(s)
