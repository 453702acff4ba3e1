"""A named LAMBDA called with an argument left empty (issue 13, unseen6 corpus).

chris-kc-cheng/ftk-excel ftk.xlsx defines ``GROWTHOF = LAMBDA(ts, init, IF(ISOMITTED(init),
100, init) * (CUMRET(ts) + 1))`` and calls ``=GROWTHOF(Fund,)``; Excel cached 229.88 (the
growth of 100): the empty argument is omitted, so ISOMITTED(init) is TRUE.  The engine bound
it as a blank value (ISOMITTED FALSE, init 0) and gave 0.
"""

from __future__ import annotations

import pytest

from engine.model import Model

NAMES = {
    "GROWTHOF": "_xlfn.LAMBDA(_xlpm.ts,_xlpm.init, IF(_xlfn.ISOMITTED(_xlpm.init), 100, "
                "_xlpm.init) * (CUMRET(_xlpm.ts) + 1))",
    "CUMRET": "_xlfn.LAMBDA(_xlpm.ts, FVSCHEDULE(1, _xlpm.ts) - 1 )",
    "Fund": "Sheet1!$A$1:$A$3",
}


def _values(model: Model) -> dict[str, object]:
    values, _ = model.evaluate(model.workbook.formula_cells())
    return {str(c).split("!")[1]: v.scalar() for c, v in values.items()}


def test_empty_argument_is_omitted(make_book):
    cells = {"Sheet1!A1": 0.1, "Sheet1!A2": -0.2, "Sheet1!A3": 0.5,
             "Sheet1!B1": "=GROWTHOF(Fund,)", "Sheet1!B2": "=GROWTHOF(Fund,1000)",
             "Sheet1!B3": "=_xlfn.LET(_xlpm.f,_xlfn.LAMBDA(_xlpm.a,_xlpm.b,"
                          "IF(_xlfn.ISOMITTED(_xlpm.b),-1,_xlpm.b)),_xlpm.f(2,))"}
    got = _values(Model.open(make_book(cells, names=NAMES)))
    growth = 1.1 * 0.8 * 1.5
    assert got["B1"] == pytest.approx(100 * growth)    # Excel: 100 when init is omitted
    assert got["B2"] == pytest.approx(1000 * growth)
    assert got["B3"] == -1.0
