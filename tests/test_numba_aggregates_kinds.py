"""Aggregates and statistics in the fused numba kernel over every argument kind: ranges of
cells that hold a number in some trials and text, "", a logical or an error in others,
direct arguments of varying kind (IF/CHOOSE of cells, read as references), text typed as
an argument, and constants mixed with varying cells: every cell fused (``fused_report``
empty) and numba equal to numpy trial for trial (1e-12 relative, error codes identical).
Workbooks are written with openpyxl and read back."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

TRIALS = 1_000


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    be = NumbaBackend(kernel_dir=tmp_path_factory.mktemp("kernels"))
    yield be
    be.close()


def book(tmp_path, cells: dict[str, object], hidden: tuple[int, ...] = ()) -> Model:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for k, v in cells.items():
        ws[k] = v
    for r in hidden:
        ws.row_dimensions[r].hidden = True
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return Model.open(path)


INPUTS = [tri("Sheet1!A1", 0.0, 2.0, 4.0), tri("Sheet1!A2", 0.0, 1.0, 3.0),
          tri("Sheet1!A3", 1.0, 3.0, 6.0)]

# cells of varying kind: text or a number, a logical or a number, "" or a number, an error
# in some trials, constant text / logical / blank, numeric text, numbers that repeat
CELLS: dict[str, object] = {
    "A1": 2.0, "A2": 1.0, "A3": 3.0,
    "C1": '=IF(A1>2,"x",A1)', "C2": "=IF(A2>1.5,TRUE,A2*2)", "C3": '=IF(A3>4,"",A3)',
    "C4": "=IF(A1>3.5,1/0,A1-1)", "C5": "label", "C6": True, "C8": "=A1*A2",
    "C9": '=IF(A2>2.5,"",IF(A2>2,FALSE,A3))', "C10": "12.5",
    "D1": "=A1", "D2": "=A2", "D3": "=A3+1", "D4": "=A1*A3", "D5": "=A2+0.5",
    "D6": 3.0, "D7": "=A3/2", "D8": "=A1-A2", "D9": 0.5, "D10": "=A2*A2",
    "E1": "=ROUND(A1,0)", "E2": "=ROUND(A2,0)", "E3": "=ROUND(A3,0)", "E4": "=ROUND(A1*2,0)",
    "E5": '=IF(A1>3,"t",ROUND(A3-1,0))', "E6": 2.0, "E7": "=ROUND(A2+1,0)",
    "P1": "=A1/10", "P2": "=0.25", "P3": "=0.5-A1/10", "P4": 0.25,
}

FORMULAS: dict[str, str] = {
    # the ...A functions: text 0, logicals 0/1, blanks skipped, errors win
    "G1": "=AVERAGEA(C1:C3,C5:C9)", "G2": "=MAXA(C1:C3,C5:C9)", "G3": "=MINA(C1:C3,C5:C9,-1)",
    "G4": "=STDEVA(C1:C3,C5:C9)", "G5": "=STDEVPA(C1:C3,C5:C9)", "G6": "=VARA(C1:C3,C6,C9)",
    "G7": "=VARPA(C1:C3,C5:C9)", "G8": "=AVERAGEA(C1:C9)", "G9": "=MAXA(C1,C3,C9,TRUE)",
    "G10": "=MINA(C9)",
    # deviations and means over cells of varying kind
    "H1": "=AVEDEV(C1:C3,C8,D1:D5)", "H2": "=DEVSQ(C1:C9,D1:D3)", "H3": "=GEOMEAN(D1:D5,C1)",
    "H4": "=HARMEAN(C1:C3,D1:D3,D8)", "H5": "=DEVSQ(C5)", "H6": "=GEOMEAN(C3,D8,2)",
    # moments, TRIMMEAN, MODE (nine and more values: numpy's pairwise order)
    "I1": "=KURT(C1:C3,D1:D10)", "I2": "=SKEW(C1:C3,D1:D10)", "I3": "=SKEW.P(C1:C9,D1:D10)",
    "I4": "=KURT(C1,C3,D1,D2)", "I5": "=TRIMMEAN(D1:D10,A1/10)", "I6": "=TRIMMEAN(C1:C9,0.4)",
    "I7": "=MODE(E1:E7)", "I8": "=MODE.SNGL(E1:E7,C1,D6)", "I9": "=SKEW(C1:C3)",
    "I10": "=TRIMMEAN(C1:C3,A2/2-0.5)",
    "I11": "=PERCENTRANK(C1:C9,A1)", "I12": "=PERCENTRANK.EXC(C1:D9,D2,2)",
    # direct arguments: IF of cells read as a reference (text, logicals, blank skipped),
    # text typed as an argument read as a number, COUNT of direct text
    "J1": "=STDEV(IF(A1>2,C5,D1),IF(A2>1,D6,C7),D2)", "J2": "=PRODUCT(IF(A1>1,C5,D1))",
    "J3": '=COUNT(IFERROR(C4,"7"),C1:C3,IF(A1>2,"1x","2"))', "J4": "=SUM(IF(A1>2,C6,D2),C10)",
    "J5": '=COUNTA(IF(A1>2,C7,C5),C1:C4)', "J6": '=PRODUCT(C1:C3,"2",D1)',
    "J7": "=AVERAGE(CHOOSE(ROUND(A3,0),C1,C2,C3,C5,C6,C7),D1)", "J8": "=SUMSQ(C1:C3,2)",
    "J9": "=MAX(IF(A2>1,C2,C6))", "J10": '=STDEV(IF(A1>2,"x","3"),D1)',
    # INDEX of a range picking one cell: a reference too (a blank one is skipped, not 0)
    "J11": "=AVERAGE(INDEX(C1:C9,INT(A3+2)),D1)", "J12": "=COUNT(INDEX(C1:C9,ROUND(A3,0)),C1)",
    "J13": "=COUNTA(INDEX(C5:C9,3),INDEX(C1:D9,7,1))", "J14": "=MIN(INDEX(C1:D9,INT(A1+1.5),1))",
    # NPV over cells that hold a number in some trials (its period: the count of numbers so
    # far), SUMPRODUCT of a direct value of varying kind (its number, else 0)
    "J15": "=NPV(A2/10,C1:C3,D1,C9,D2:D3)", "J16": '=SUMPRODUCT(C1,2)+SUMPRODUCT(IF(A1>2,"a",A2),D2)',
    "J17": '=SUMPRODUCT(C9,"x")',
    # CHOOSE/IF of ranges (a scenario switch): the range the trial chooses, shorter ones too
    "J18": "=SUM(CHOOSE(INT(A3),C1:C3,D1:D3,D4:D5,E1:E3,C7,D8:D10))",
    "J19": "=AVERAGE(IF(A1>2,C1:C9,D1:D4))+COUNT(IF(A2>1,C1:C5,E1:E7))",
    "J20": "=COUNTA(CHOOSE(INT(A1+1),C5:C9,C1:C3,D1:D2,C7,C1:C2))+MAXA(IF(A3>3,C1:C9,C5))",
    "J21": "=SUM(CHOOSE(2,C1:C3,D1:D3))+AVERAGE(SWITCH(INT(A2),0,D1:D4,1,C1:C4,E1:E2))",
    # paired sums, PROB, SERIESSUM, STANDARDIZE
    "K1": "=SUMX2MY2(C1:C4,D1:D4)", "K2": "=SUMX2PY2(D1:D9,C1:C9)", "K3": "=SUMXMY2(D1:D5,D6:D10)",
    "K4": "=PROB(D1:D4,P1:P4,1.5,3)", "K5": "=PROB(E1:E4,P1:P4,E2)", "K6": "=SUMXMY2(D1:D4,E1:E3)",
    "K7": "=SERIESSUM(A1/4,1,A2,D1:D4)", "K8": "=SERIESSUM(0.5,A1,1,C1:C3)",
    "K9": "=STANDARDIZE(A1,A2,A3-2)", "K10": "=STANDARDIZE(D4,2,C2)",
    # a wrong number of arguments: a constant #VALUE! (the numpy compiler's)
    "K11": "=STANDARDIZE(A1,A2)", "K12": "=SUMXMY2(D1:D3)", "K13": "=NPV(A2/10)",
    "K14": "=PROB({1,2,3,4},P1:P4,A1)+SUMXMY2({1;2;3},D1:D3)",
}


@pytest.mark.parametrize("group", ["GHI", "JK"])   # two kernels: each compiles faster
def test_every_kind_fused_and_equal(backend, tmp_path, group):
    outs = [c for c in FORMULAS if c[0] in group]
    model = book(tmp_path, {**CELLS, **FORMULAS})
    job = job_for(model, INPUTS, [f"Sheet1!{c}" for c in outs], trials=TRIALS)
    assert fused_report(job) == {}
    got = run(backend, job, 500)
    want = run(NumpyBackend(), job, TRIALS)
    assert_same(job, got, want)
    # the cells do vary in kind: some trials have an error, some a number
    import numpy as np

    for c in ("G1", "I1", "J1", "K1"):
        if c[0] in group:
            cell = model.ref(f"Sheet1!{c}")
            assert np.any(got[1][cell] == 0), c


# AGGREGATE: every function number, options leaving out errors (per trial), hidden rows (row
# 7) and nested SUBTOTAL/AGGREGATE cells (M2)
AGGREGATES: dict[str, str] = {
    "M1": "=D1", "M2": "=SUBTOTAL(9,D1:D3)", "M3": "=C4",
    "L1": "=AGGREGATE(1,6,C1:C9,D1:D3)", "L2": "=AGGREGATE(4,2,C4:C9)",
    "L3": "=AGGREGATE(14,6,C1:D9,2)", "L4": "=AGGREGATE(9,5,D1:D10)",
    "L5": "=AGGREGATE(12,3,C1:C9,D1:D10)", "L6": "=AGGREGATE(2,0,M1:M3)",
    "L7": "=AGGREGATE(13,6,E1:E7,C4)", "L8": "=AGGREGATE(17,6,D1:D10,A1)",
    "L9": "=AGGREGATE(19,6,C1:C9,2)", "L10": "=AGGREGATE(6,7,C1:C4,D1)",
    "L11": "=AGGREGATE(3,2,C1:C9)", "L12": "=AGGREGATE(20,0,D1:D3)",
    "L13": "=AGGREGATE(7,6,C1:C9)", "L14": "=AGGREGATE(15,6,C4:D5,A2)",
    "L15": "=AGGREGATE(16,6,C1:C9,A2/3)", "L16": "=AGGREGATE(18,6,D1:D10,A2/3)",
    "L17": "=AGGREGATE(11,6,C1:C9)", "L18": "=AGGREGATE(5,4,C1:C9)",
    "L19": "=AGGREGATE(10,1,D1:D10)", "L20": "=AGGREGATE(8,3,M1:M3,C1)",
    "L21": "=AGGREGATE(3,5,M1:M3,C7)",
}


def test_aggregate_every_function_and_option(backend, tmp_path):
    model = book(tmp_path, {**CELLS, **AGGREGATES}, hidden=(7,))
    outs = [c for c in AGGREGATES if c.startswith("L")]
    job = job_for(model, INPUTS, [f"Sheet1!{c}" for c in outs], trials=TRIALS)
    assert fused_report(job) == {}
    got = run(backend, job, 500)
    want = run(NumpyBackend(), job, TRIALS)
    assert_same(job, got, want)


def test_the_cuda_translation_on_the_host_build_equals_numpy(tmp_path):
    """The CUDA kernel of both workbooks (everything inline: no runtime twins needed),
    built for the host with g++ as tests/test_backend_cupy.py does."""
    from tests.test_backend_cupy import host_equals_numpy

    for k, (cells, hidden) in enumerate((({**CELLS, **FORMULAS}, ()),
                                         ({**CELLS, **AGGREGATES}, (7,)))):
        folder = tmp_path / str(k)
        folder.mkdir()
        model = book(folder, cells, hidden)
        outs = [c for c in (FORMULAS if k == 0 else AGGREGATES) if c[0] != "M"]
        job = job_for(model, INPUTS, [f"Sheet1!{c}" for c in outs], trials=400)
        host_equals_numpy(job, folder, 400)
