"""FILTERXML(xml, xpath) (engine.functions.filterxml).

Found on a real workbook the project had never seen (a holiday planner .xlsm, refused whole
before: "unsupported function FILTERXML"): a list of names split by the XML trick and looked
up one by one, ``TEXTJOIN(", ",TRUE,TEXT(INDEX(Table3[Date],MATCH(FILTERXML("<root><item>"&
SUBSTITUTE(F32,", ","</item><item>")&"</item></root>","//item"),Table3[Holiday Name],0)),
"m/d/yyyy"))``. Expected values follow Excel's documentation (one match a value, several a
vertical array, numeric text a number, invalid XML #VALUE!).
"""

from __future__ import annotations

import numpy as np
import pytest

openpyxl = pytest.importorskip("openpyxl")

from engine.errors import UnsupportedError  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.values import VALUE  # noqa: E402

SPLIT = '"<root><item>"&SUBSTITUTE({},", ","</item><item>")&"</item></root>"'


def _book(path) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Plan"
    holidays = [("New Year's Day", 46023), ("Labor Day", 46272), ("Christmas Day", 46381)]
    for r, (name, serial) in enumerate(holidays, start=1):
        ws[f"H{r}"] = name
        ws[f"I{r}"] = serial
    ws["B1"] = "Christmas Day, New Year's Day"
    ws["B2"] = "Red, Green, Blue"
    formulas = {
        "A1": '=FILTERXML("<root><item>a</item><item>b</item></root>","//item[2]")',
        "A2": f'=INDEX(FILTERXML({SPLIT.format("B2")},"//item"),3)',
        "A3": '=SUM(FILTERXML("<t><s>1</s><s>2.5</s><s>x</s></t>","//s"))',
        "A4": "=FILTERXML(\"<a><b t='7'/></a>\",\"//b/@t\")+1",
        "A5": '=FILTERXML("<a>","//a")',
        "A6": '=FILTERXML("<!DOCTYPE a [<!ENTITY e ""x"">]><a>&e;</a>","//a")',
        "A7": f'=TEXTJOIN(", ",TRUE,TEXT(INDEX(I1:I3,MATCH(FILTERXML({SPLIT.format("B1")},'
              '"//item"),H1:H3,0)),"m/d/yyyy"))',
        "A8": '=ROWS(FILTERXML("<t><s>a</s><s>b</s><s>c</s></t>","/t/s"))',
        "A9": '=FILTERXML("<t><s>a</s></t>","//nothing")',
    }
    for k, f in formulas.items():
        ws[k] = f
    wb.save(path)
    return Model.open(path)


def test_filterxml_matches_excel(tmp_path):
    model = _book(tmp_path / "fx.xlsx")
    values, _ = model.evaluate()

    def get(addr: str):
        return values[model.ref(f"Plan!{addr}")]

    want = {"A1": "b", "A2": "Blue", "A3": 3.5, "A4": 8.0, "A7": "12/25/2026, 1/1/2026",
            "A8": 3.0}
    for addr, expect in want.items():
        v = get(addr)
        assert v.err is None or not v.err.any(), (addr, v.err)
        assert v.scalar(0) == expect, (addr, v.scalar(0))
    for addr in ("A5", "A6", "A9"):   # invalid XML, a DTD (refused), nothing selected
        v = get(addr)
        assert v.err is not None and int(v.err[0]) == VALUE, addr


def test_an_xpath_beyond_the_subset_is_one_clear_line(tmp_path):
    model = _book(tmp_path / "fx.xlsx")
    with pytest.raises(UnsupportedError, match=r"FILTERXML with the XPath \"//s\[\.\*0=0\]\""):
        model.evaluate_formula('=FILTERXML("<t><s>1</s></t>","//s[.*0=0]")')


def test_xml_made_per_trial_with_different_counts(tmp_path):
    """The number of matches differs between trials: evaluated per group of trials of one
    count (numba leaves such a cell to numpy with its reason; before, the generic
    "function FILTERXML is not in the fused subset")."""
    pytest.importorskip("numba")
    from engine.backends.numba import fused_report
    from engine.backends.numpy import NumpyBackend
    from tests.test_backend_numba import job_for, run, tri

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = 2.0
    ws["B1"] = '=COUNTA(FILTERXML("<t>"&REPT("<s>7</s>",ROUND(A1,0))&"</t>","//s"))'
    ws["B2"] = '=SUM(FILTERXML("<t>"&REPT("<s>7</s>",ROUND(A1,0))&"</t>","//s"))'
    wb.save(tmp_path / "n.xlsx")
    model = Model.open(tmp_path / "n.xlsx")
    job = job_for(model, [tri("Sheet!A1", 0.6, 2.0, 4.4)], ["Sheet!B1", "Sheet!B2"], trials=200)
    vals, errs, ins = run(NumpyBackend(), job, 200)
    k = np.round(ins[model.ref("Sheet!A1")])
    b1, b2 = vals[model.ref("Sheet!B1")], vals[model.ref("Sheet!B2")]
    ok = k >= 1
    assert (b1[ok] == k[ok]).all() and (b2[ok] == 7 * k[ok]).all()
    assert (errs[model.ref("Sheet!B1")][~ok] == VALUE).all()   # "<t></t>": nothing selected
    assert set(np.unique(k)) >= {1.0, 2.0, 3.0}
    why = "FILTERXML of XML text or an XPath made per trial (parsed by numpy)"
    assert fused_report(job) == {"Sheet!B1": why, "Sheet!B2": why}


def test_filterxml_of_constants_folds_in_the_kernel(tmp_path):
    pytest.importorskip("numba")
    from engine.backends.numba import fused_report
    from tests.test_backend_numba import job_for, numba_and_numpy, tri

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = 2.0
    ws["B1"] = '=A1*INDEX(FILTERXML("<t><s>3</s><s>4</s></t>","//s"),2)'
    wb.save(tmp_path / "c.xlsx")
    model = Model.open(tmp_path / "c.xlsx")
    job = job_for(model, [tri("Sheet!A1", 0.6, 2.0, 4.4)], ["Sheet!B1"], trials=100)
    assert fused_report(job) == {}
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 100)
    assert np.allclose(got[0][model.ref("Sheet!B1")], 4 * got[2][model.ref("Sheet!A1")])
