"""Scalar math, whole-number, bit, information, unit, rate and calendar functions in the fused
numba kernel (engine/backends/numba/_mathfns.py, runtime _rt_math.py): every cell fused and
numba equal to numpy trial for trial (1e-12 relative, error codes identical), with arguments
that are numbers, logicals, numeric text, blanks and errors varying per trial, domain edges
(#NUM!, #DIV/0!, #N/A) and units and return types varying per trial."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_cupy import HostCudaBackend, host_equals_numpy  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

TRIALS = 1_000
INPUTS = [tri("A1", -3.0, 2.0, 12.0), tri("A2", 0.0, 5.0, 40.0),
          tri("A3", 40000.0, 44000.0, 47000.0), tri("A4", -1.5, 0.0, 1.5),
          tri("A5", 0.0, 1.0, 2.0)]
MIXED = 'IF(A5>1.6,TRUE,IF(A5>1.3,"4",IF(A5>1.1,"x",IF(A5<0.2,1/0,IF(A5<0.3,F1,A1)))))'

MATH = {
    "B1": "=COT(A4)", "B2": "=CSC(A4)", "B3": "=SEC(A1*2E7)", "B4": "=COTH(A4)",
    "B5": "=CSCH(ROUND(A4,0))", "B6": "=SECH(A1)", "B7": "=ACOT(A1)", "B8": "=ASINH(A1)",
    "B9": "=ACOSH(A1)", "B10": "=ATANH(A4)", "B11": "=ACOTH(A4*2)", "B12": "=COT(ROUND(A4,0))",
    "B13": "=SQRTPI(A1)", "B14": f"=COT({MIXED})", "B15": f"=SQRTPI({MIXED})",
    "C1": "=FACT(A1)", "C2": "=FACT(A1*20)", "C3": "=FACTDOUBLE(A1)", "C4": "=FACTDOUBLE(A1*30)",
    "C5": "=COMBIN(A2,A1)", "C6": "=COMBIN(A2*20,A2)", "C7": "=COMBINA(A2,A1)",
    "C8": "=PERMUT(A2,A1)", "C9": "=PERMUTATIONA(A2,A1)", "C10": f"=FACT({MIXED})",
    "C11": f"=FACTDOUBLE({MIXED})", "C12": f"=COMBIN(A2,{MIXED})",
    "C13": "=GCD(ROUND(A2,0)*6,36,A1*3)", "C14": "=LCM(ROUND(A2,0),12,A1)",
    "C15": "=LCM(A2*1E6,A2*1E5+7,999999937)", "C16": "=MULTINOMIAL(ROUND(A1,0),3,A5*4)",
    "C17": f"=GCD(24,{MIXED})", "C18": "=GCD(E1:E4,A2)", "C19": "=LCM(A2,E2)",
    "C20": "=MULTINOMIAL(1,2,1,0,1,A5*3,2,1,1,A2/10)", "C21": "=GCD(E5:E7,ROUND(A2,0))",
    "C22": "=LCM(E5:E7)", "E5": 6, "E6": '=IF(A5>1.7,"",IF(A5<0.3,A5>0.2,ROUND(A2,0)))',
    "E7": '=IF(A5>1.5,"12",8)',
    "D1": "=ISEVEN(A1)", "D2": "=ISODD(A1)", "D3": f"=ISEVEN({MIXED})",
    "D4": f"=TYPE({MIXED})", "D5": "=TYPE(1/ROUND(A4,0))", "D6": "=ERROR.TYPE(1/ROUND(A4,0))",
    "D7": "=ERROR.TYPE(IF(A5>1,NA(),SQRT(A4)))", "D8": f"=ERROR.TYPE({MIXED})",
    "D9": "=DELTA(ROUND(A1,0),3)", "D10": "=GESTEP(A1,2)", "D11": "=GESTEP(A1)",
    "D12": f"=DELTA({MIXED},4)", "D13": "=BITAND(ROUND(A2,0),12)", "D14": "=BITOR(ROUND(A2,0),A1)",
    "D15": "=BITXOR(ROUND(A2,0),255)", "D16": "=BITLSHIFT(ROUND(A2,0),ROUND(A1,0))",
    "D17": "=BITRSHIFT(ROUND(A2,0)*1000,ROUND(A1,0))", "D18": f"=BITAND({MIXED},6)",
    "D19": '=CONVERT(A1,"mi","km")', "D20": '=CONVERT(A1,"C","F")', "D21": '=CONVERT(A1,"m","kg")',
    "D22": f'=CONVERT({MIXED},"lbm","kg")', "D23": '=CONVERT(A1,"Gibyte","bit")',
    "D24": '=CONVERT(A1,CHOOSE(ROUND(A5*2,0)+1,"mi","km","C"),IF(A5>1,"m","F"))',
    "D25": '=CONVERT(A1,IF(A5>1.5,1/0,"ft"),"m")', "D26": '=CONVERT(A1,"ft",IF(A5>1,3,"in"))',
    "E1": 12, "E2": "=ROUND(A2,0)", "E3": None, "E4": 30, "F1": "=1/0",
}

MONEY = {
    "B1": "=EFFECT(A4/10,A2/4)", "B2": "=NOMINAL(A4/10,A2/4)", "B3": "=RRI(A2/5,A1,A2)",
    "B4": "=PDURATION(A4/10,A1,A2)", "B5": "=ISPMT(A4/10,A1,ROUND(A1,0),1000)",
    "B6": "=SYD(10000,1000,A2,A1)", "B7": "=DOLLARDE(A1,ROUND(A2,0))",
    "B8": "=DOLLARFR(A1,ROUND(A2,0)-2)", "B9": "=FVSCHEDULE(A1,C1:C5)", "B10": "=FVSCHEDULE(A1,A4)",
    "B11": f"=EFFECT({MIXED},4)", "B12": f"=SYD(1000,{MIXED},10,3)", "B13": f"=NOMINAL(0.05,{MIXED})",
    "B14": f"=FVSCHEDULE({MIXED},C1:C4)", "B17": "=FVSCHEDULE(A1,L2:L4)", "B15": "=DOLLARDE(A1,16)", "B16": "=DOLLARFR(A1,100)",
    "C1": "=A4/10", "C2": 0.05, "C3": None, "C4": "=A5/20", "C5": "=IF(A5>1.8,1/0,A4)",
    "D1": "=WEEKNUM(A3)", "D2": "=WEEKNUM(A3,2)", "D3": "=WEEKNUM(A3,ROUND(A5*10,0)+11)",
    "D4": "=WEEKNUM(A3,21)", "D5": "=ISOWEEKNUM(A3)", "D6": "=DAYS360(A3-A2*300,A3)",
    "D7": "=DAYS360(A3,A3+A2*40,TRUE)", "D8": "=DAYS360(A3,A3-A2*40)",
    "D9": "=DAYS360(EOMONTH(A3,ROUND(A1,0)),EOMONTH(A3,ROUND(A2,0)))",
    "D10": "=DAYS360(EOMONTH(A3,ROUND(A1,0)),EOMONTH(A3,ROUND(A2,0)),A5>1)",
    "D11": '=DATEDIF(A3-A2*200,A3,"Y")', "D12": '=DATEDIF(A3-A2*200,A3,"M")',
    "D13": '=DATEDIF(A3-A2*200,A3,"D")', "D14": '=DATEDIF(A3-A2*200,A3,"md")',
    "D15": '=DATEDIF(A3-A2*200,A3,"YM")', "D16": '=DATEDIF(A3-A2*200,A3,"yd")',
    "D17": '=DATEDIF(A3,A3+A1*100,"MD")',
    "D18": '=DATEDIF(EOMONTH(A3,-ROUND(A2,0))-A5*3,A3,CHOOSE(ROUND(A5*3,0)+1,"Y","M","MD","YD"))',
    "D19": f'=DATEDIF({MIXED},A3,"D")', "D20": f"=WEEKNUM({MIXED})", "D21": f"=ISOWEEKNUM({MIXED})",
    "D22": f"=DAYS360({MIXED},A3)", "D23": '=DATEDIF(A3,A3+A2,A1)',
    "D24": "=XIRR(J1:J6,K1:K6)", "D25": "=XIRR(J1:J6,K1:K6,A4)", "D26": "=XIRR(J1:J4,K1:K4,-0.5)",
    "D27": "=XIRR(J1:J6,K1:K6,A2*10)", "D28": "=XIRR(J1:J6,K2:K7)",
    "J1": "=-1000*A5", "J2": "=300+A1*10", "J3": "=A2*20", "J4": 400, "J5": "skip",
    "J6": "=IF(A5>1.9,1/0,A1*100)", "K1": "=A3", "K2": "=A3+100+ROUND(A2,0)", "K3": "=A3+400", "K4": "=A3+700",
    "K5": "=A3+800", "K6": "=A3+1000-ROUND(A1*80,0)", "K7": "=A3-5+A5*10",
    # flows whose type varies per trial ("" or blank in some trials)
    "D29": "=XNPV(0.08,L1:L5,M1:M5)", "D30": "=XIRR(L1:L5,M1:M5)", "D31": "=MIRR(L1:L5,0.1,A4/10)",
    "D32": "=MIRR(L1:L5,0.05,0.07)", "D33": "=IRR(L1:L5)", "D34": "=IRR(L1:L5,A4)", "L1": "=-1000*A5", "L2": '=IF(A5>1.5,"",300+A1)',
    "L3": '=IF(A5<0.5,"",A2*20)', "L4": "=IF(A5>1.8,Z99,400)", "L5": "=A1*50", "M1": "=A3",
    "M2": "=A3+200", "M3": "=A3+400", "M4": "=A3+600", "M5": "=A3+900",
    "F1": "=1/0",
}


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    be = NumbaBackend(kernel_dir=tmp_path_factory.mktemp("kernels"))
    yield be
    be.close()


def _book(tmp_path, cells: dict[str, object], name: str) -> Model:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for k, v in {"A1": 1.0, "A2": 2.0, "A3": 44000.0, "A4": 0.5, "A5": 1.0, **cells}.items():
        ws[k] = v
    path = tmp_path / name
    wb.save(path)
    return Model.open(path)


def _check(backend, model: Model, cells: dict[str, object]) -> None:
    outs = [f"Sheet1!{k}" for k, v in cells.items() if isinstance(v, str) and k[0] in "BCD"]
    job = job_for(model, INPUTS, outs, trials=TRIALS)
    assert fused_report(job) == {}
    assert_same(job, run(backend, job, TRIALS), run(NumpyBackend(), job, TRIALS))


def test_math_integer_bit_info_and_unit_functions_equal_numpy(backend, tmp_path):
    _check(backend, _book(tmp_path, MATH, "math.xlsx"), MATH)


def test_rate_and_calendar_functions_equal_numpy(backend, tmp_path):
    _check(backend, _book(tmp_path, MONEY, "money.xlsx"), MONEY)


def test_cuda_twins_on_the_host_build_equal_numpy(tmp_path):
    """engine/backends/cupy/_rt_math.py: the generated CUDA source of both workbooks
    translates, and its host build equals numpy."""
    cells = dict(MATH)
    cells.update({("G" + k[1:] if k[0] == "B" else "H" + k[1:] if k[0] == "D" else
                   "I" + k[1:] if k[0] == "C" else k): v.replace("C1:C", "I1:I")
                  if isinstance(v, str) else v for k, v in MONEY.items() if k[0] in "BCDJKLM"})
    model = _book(tmp_path, cells, "cuda.xlsx")
    outs = [f"Sheet1!{k}" for k, v in cells.items() if isinstance(v, str) and k[0] in "BCDGH"]
    job = job_for(model, INPUTS, outs, trials=400)
    assert fused_report(job) == {}
    source = HostCudaBackend.source_of(job)
    for name in ("mt_fact(", "mt_weeknum(", "mt_datedif(", "mt_bitshift(", "mt_lcm(", "mt_xirr(",
                 "mt_combin(", "mt_combina(", "mt_gammaln("):
        assert name in source.split("MC_HD void mc_trial", 1)[1], name
    host_equals_numpy(job, tmp_path, 400)


# scipy's binom and gammaln on every branch whole numbers reach: up to 19 factors, 20 and
# more below 171.6 items (the factorial table), above (gammaln differences, which scipy
# rounds up to 1e-9 relative off at a million items: the twin must round the same), the
# asymptotic log-beta (a > 1e6 b) and n >= 1e10 k; MULTINOMIAL of large counts
MANY_ITEMS = {
    "B1": "=COMBIN(A2*25000+1E6,A1)", "B2": "=COMBIN(A2*25000+1E6,A1+20)",
    "B3": "=COMBIN(A2*3+40,A2+18)", "B4": "=COMBIN(A2*20+200,A2*3)",
    "B5": "=COMBIN(A2*10+1E8,25)", "B6": "=COMBIN(A2*1E10+3E11,21)",
    "B7": "=COMBINA(A2*25000+1E6,A1+20)", "B8": "=COMBINA(A2+1,A1*3)",
    "B9": "=MULTINOMIAL(A2*25000+1E6,A1+20,3)", "B10": "=MULTINOMIAL(ROUND(A2*10,0),40,A1+7)",
    "B11": "=MULTINOMIAL(A2*2E4+5E5,2,ROUND(A1,0)+3)",
}


def test_cuda_combinations_of_many_items_equal_numpy(tmp_path):
    """COMBIN, COMBINA and MULTINOMIAL of up to 1e11 items: the host build of the CUDA twins
    gives numpy's numbers (scipy's roundings included) to 1e-12."""
    model = _book(tmp_path, MANY_ITEMS, "many.xlsx")
    job = job_for(model, INPUTS, [f"Sheet1!{k}" for k in MANY_ITEMS], trials=400)
    assert fused_report(job) == {}
    host_equals_numpy(job, tmp_path, 400)


def test_calendar_functions_in_the_1904_date_system_equal_numpy(backend, tmp_path):
    """WEEKNUM, ISOWEEKNUM, DAYS360 and DATEDIF count from the workbook's epoch (1904)."""
    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    cells = {"B1": "=WEEKNUM(A3-1462)", "B2": "=WEEKNUM(A3-1462,14)", "B3": "=ISOWEEKNUM(A3-1462)",
             "B4": "=DAYS360(EOMONTH(A3-1462,-ROUND(A2,0)),A3-1462)",
             "B5": '=DATEDIF(A3-1462-A2*100,A3-1462,"YD")', "B6": '=DATEDIF(A3-1462-A2*100,A3-1462,"MD")'}
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "Sheet1"
    for k, v in {"A1": 1.0, "A2": 2.0, "A3": 44000.0, "A4": 0.5, "A5": 1.0, **cells}.items():
        ws[k] = v
    wb.save(tmp_path / "mac.xlsx")
    model = Model.open(tmp_path / "mac.xlsx")
    assert model.workbook.date1904
    _check(backend, model, cells)
