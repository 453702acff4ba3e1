"""Text made per trial read as a number in the fused numba kernel (engine.backends.numba.
_rt_dvalue, _dvalue): VALUE, DATEVALUE, TIMEVALUE, NUMBERVALUE and arithmetic on dynamic text,
string by string against the numpy reference's readings (parse_number, to_number,
to_number_ext, number_value), then in workbooks against the numpy backend."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

pytest.importorskip("numba")

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numba._rt_dvalue import dnum, dnumbervalue  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.functions._epoch import use_date1904  # noqa: E402
from engine.functions.text import to_number_ext  # noqa: E402
from engine.functions.text_format import number_value  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.values import Kind, Vec, parse_number, to_number  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

# edge strings: Python's float grammar, parse_number's %, commas and $, (x) negatives, every
# date form of parse_date_text and parse_datetime's strptime formats, times, the 1900 leap
# day, years before 1900 and past 9999, two-digit years on both sides of 1930 and 1969
EDGES = [
    "", " ", "5", " 5 ", "1,000", "1,000.5", "$1,000", "50%", "5 %", "(100)", "( 5 )", "(-5)",
    "((5))", "()", "(5\n)", "(5)\n", "1e5", "1E+05", "1_000", "1__0", "_1", "1_", "1_.5",
    "1e1_0", "inf", "-nan", "Infinity", "1e400", "1e-400", "0x10", "-0", ".5", "5.", ".",
    "+.5e-3", "$ 5", "$-5", "-$5", ",5", ", 5", "5 ,", "\x1c5\x1c", "$\x1c5", "\t5\n", "%",
    "5%%", "1,2,3", "1, 000", "12345678901234567890123", "0.1234567890123456789012",
    "2024-01-15", "2024/1/5", "2024-1/5 10:30", "1/15/2024", "15/1/2024", "13/13/2020",
    "1-5-24", "1/5/2024 10:30:45.5 pm", "15-Jan-2024", "15 January 2024", "Jan 15, 2024",
    "January 15 2024", "Janxyz 5, 2024", "15-Foo-2024", "1900-02-29", "1900-02-28",
    "1900-03-01", "1899-12-31", "0100-01-01", "0000-01-01", "12:30", "36:00", "9 am", "9am",
    "12 pm", "12 am", "13 pm", "0 am", "12:60", "12:59:60", "12:59:59.9999999999999999999",
    "10:5", "10:5 pm", "1/5/2024 9 am", "1/ 5/2024", "24:00", "23:59:59.123456",
    "23:59:59.1234567", "1/5/30", "1/5/29", "1/5/69", "1/5/68", "2/29/32", "2/29/01",
    "Sep 5, 2024 10:30 PM", "5 Sep 2024 10:30:00.5", "1,000.50", "1.5.3", "1 000",
    "Jan 5,2024", "jan 5 , 2024", "5-jan,,,2024", "05 DEC 99", "1/1/1900", "1/1/1899",
    "01/01/1900 00:00", "12/31/9999 23:59:59", "1/1/10000", "9999-12-31 23:59:59.999999",
    "Feb 29, 2024", "Feb 30, 2024", "February 29 2023", "1/5/2024 12:30:61", "3 PM",
]
_PIECES = ["0", "1", "2", "5", "9", "12", "13", "29", "30", "31", "00", "01", "59", "60", "99",
           "100", "1900", "2024", "2030", "0000", "1e5", "E", "e", "-", "+", ".", ",", "$", "%",
           "(", ")", " ", "  ", "\t", "_", "/", ":", "am", "PM", "x", "inf", "12:30", "0.5",
           "Jan", "JANUARY", "feb", "Sept", "May", "Foo", "december"]
_FORMS = ["{d}/{d}/{y}", "{y}-{d}-{d}", "{d}-{M}-{y}", "{M} {d}, {y}", "{d} {M} {y}",
          "{d}:{d}", "{d}:{d}:{d}.{d}", "{d}:{d} {ap}", "{d} {ap}", "{d}/{d}/{y} {d}:{d}",
          "{d}/{d}/{y} {d} {ap}", "{y}/{d}/{d} {d}:{d}:{d}.{d} {ap}", "{M}-{d}-{y}",
          "{d}/ {d}/{y}", "({n})", "{n}%", "${n}", " {n} "]


def _random_strings(n: int, seed: int) -> list[str]:
    """Mixes of digits, letters, separators and month names, and dates, times and numbers
    with random fields (many invalid)."""
    rng = random.Random(seed)
    out = ["".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 6))) for _ in range(n)]
    fields = {
        "d": lambda: rng.choice([str(rng.randint(0, 70)), f"0{rng.randint(0, 9)}"]),
        "y": lambda: rng.choice([str(rng.randint(1890, 2100)), f"{rng.randint(0, 99):02d}",
                                 str(rng.randint(0, 999)), str(rng.randint(10000, 20000))]),
        "M": lambda: rng.choice(["Jan", "feb", "MARCH", "Sept", "May", "Foo", "december"]),
        "ap": lambda: rng.choice(["am", "PM", "xm"]),
        "n": lambda: rng.choice([repr(rng.uniform(-1e6, 1e6)), f"{rng.randint(0, 10**9):,}",
                                 f"{rng.randint(-99, 99)}e{rng.randint(-320, 320)}"]),
    }
    for _ in range(n):
        s = rng.choice(_FORMS)
        for key, make in fields.items():
            while "{" + key + "}" in s:
                s = s.replace("{" + key + "}", make(), 1)
        out.append(s)
    return out


def _reference(s: str, mode: int) -> float:
    if mode == 2:
        y = parse_number(s)
        return math.nan if y is None else y
    x, e = (to_number if mode == 0 else to_number_ext)(Vec(Kind.STR, np.array([s], object)))
    return math.nan if e is not None and e[0] else float(x[0])


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) ==
                                                 math.copysign(1, b))


def _mismatches(strings: list[str], shift: int) -> list[tuple]:
    use_date1904(shift != 0)
    bad = []
    try:
        for s in strings:
            z = np.array([float(ord(c)) for c in s] + [32.0, 48.0], dtype=np.float64)
            n = float(len(s))
            for mode in (0, 1, 2):
                want, got = _reference(s, mode), dnum(z, 0.0, n, float(shift), float(mode))
                if not _same(want, got):
                    bad.append((s, mode, want, got))
            for dec, group in ((".", ","), (",", "."), (",", " "), (".", "."), ("e", ",")):
                want = number_value(s, dec, group)
                want = math.nan if want is None else want
                got = dnumbervalue(z, 0.0, n, float(ord(dec)), float(ord(group)))
                if not _same(want, got):
                    bad.append((s, dec, group, want, got))
    finally:
        use_date1904(False)
    return bad


def test_text_read_as_a_number_is_the_references_string_by_string():
    strings = EDGES + _random_strings(1000, 11)
    assert _mismatches(strings, 0) == []
    assert _mismatches(EDGES + _random_strings(300, 12), 1462) == []   # the 1904 system


def test_text_as_a_logical_test_is_the_references():
    from engine.backends.numba._rt_dvalue import dbool
    from engine.values import to_bool

    words = ["TRUE", "true", " True\t", "FALSE", "fAlSe ", "\x1cFALSE\x1c", "TRUE1", "TRU",
             "FALS E", "", " ", "1", "0", "yes"]
    for s in words + _random_strings(200, 5):
        z = np.array([float(ord(c)) for c in s] + [32.0], dtype=np.float64)
        x, e = to_bool(Vec(Kind.STR, np.array([s], object)))
        want = math.nan if e is not None and e[0] else float(x[0])
        assert _same(want, dbool(z, 0.0, float(len(s)))), repr(s)


def test_known_answers():
    z = np.array([float(ord(c)) for c in "Jan 15, 2024"])
    assert dnum(z, 0.0, 12.0, 0.0, 0.0) == 45306.0        # Excel's serial of 2024-01-15
    z = np.array([float(ord(c)) for c in "(1,000)"])
    assert math.isnan(dnum(z, 0.0, 7.0, 0.0, 0.0))      # arithmetic: #VALUE!
    assert dnum(z, 0.0, 7.0, 0.0, 1.0) == -1000.0        # VALUE: accounting negative
    z = np.array([float(ord(c)) for c in "1.234,5%"])
    assert dnumbervalue(z, 0.0, 8.0, 44.0, 46.0) == pytest.approx(12.345, rel=1e-15)


def test_the_reference_reads_date_text_in_the_workbooks_date_system():
    """parse_datetime was cached by the text alone: after a 1900 workbook read "1/5/2024 9 am"
    a 1904 workbook got the 1900 serial."""
    from engine.functions.text import parse_datetime

    assert parse_datetime("1/5/2024 9 am") == 45296.375
    use_date1904(True)
    try:
        assert parse_datetime("1/5/2024 9 am") == 45296.375 - 1462
    finally:
        use_date1904(False)


# ---------------------------------------------------------------- in workbooks
TRIALS = 400
INPUTS = [tri("Sheet1!A1", 1.0, 2.0, 4.0), tri("Sheet1!A2", -5.0, 3.0, 50.0)]
FORMULAS = {
    "B1": '=VALUE(ROUND(A1*3,0)&"/"&ROUND(A2,0)&"/2024")',
    "B2": '=VALUE(MID("ab"&ROUND(A1,1)&"x",3,3))',
    "B3": '=VALUE("Jan "&ROUND(A1*10,0)&", 2024")',
    "B4": '=DATEVALUE(ROUND(A1,0)&"/5/2024 "&ROUND(A1*5,0)&":30")',
    "B5": '=TIMEVALUE(ROUND(A1*5,0)&":"&ROUND(A2,0))',
    "B6": '=NUMBERVALUE(ROUND(A1,2)&"%")',
    "B7": '=NUMBERVALUE(SUBSTITUTE(ROUND(A1*1000,1)&"",".",","),",",".")',
    "B8": '=(A1&"")*1',
    "B9": '=--("$"&ROUND(A2,0))',
    "B10": '=B11+0',
    "B11": '=CONCAT("(",ROUND(A2,1),")")',
    "B12": '=VALUE(B11)',
    "B13": '=VALUE(ROUND(A1*5,0)&" pm")',
    "B14": '=DATEVALUE(A1)',
    "B15": '=TIMEVALUE(ROUND(A1,0)&":"&ROUND(A1*7,0)&":"&ROUND(A2,3))',
    "B16": '=VALUE(ROUND(A2,0)&"e"&ROUND(A1,0))',
    "B17": '=VALUE(IF(A1>2,"x","1,"&ROUND(A2,0)))',
    "B18": '=NUMBERVALUE(A1)',
    "B19": '=-("1/"&ROUND(A1,0)&"/30")',
    "B20": '=VALUE(ROUND(A1,0)&"/"&ROUND(A2,0)&"/2024 9 am")',
    "B21": '=B11*2+UPPER("1e"&ROUND(A1,0))',
    "B22": '=NUMBERVALUE(ROUND(A2,0)&" 1e999")',
    "B23": '=TIMEVALUE(ROUND(A2/5,0)&" AM")',
    "B24": '=ROUND("1/"&ROUND(A1*8,0)&"/2024",0)',
}


# ---------------------------------------------------------------- criteria made per trial
CRITERIA = {
    "D1": "=A1", "D2": "=A2", "D3": "3", "D5": True, "D6": "=IF(A2>10,1/0,ROUND(A2,0))",
    "D7": '=IF(A1>2,"x",ROUND(A1,0))', "D8": 2.5, "D9": "=ROUND(A1,0)", "D10": "2",
    "C1": '=COUNTIF(D1:D10,">"&A2)', "C2": '=SUMIF(D1:D10,"<="&ROUND(A1,0))',
    "C3": '=COUNTIF(D1:D10,"<>"&ROUND(A1,0))', "C4": '=COUNTIF(D1:D10,"="&ROUND(A2,0))',
    "C5": '=COUNTIF(D1:D10,ROUND(A1,0)&"")', "C6": '=COUNTIF(D1:D10,">="&IF(A1>3,1/0,A1))',
    "C7": '=COUNTIF(D1:D10,"<"&A1*1E-9)', "C8": '=COUNTIFS(D1:D10,">="&A1,D1:D10,"<="&A2)',
    "C9": '=AVERAGEIF(D1:D10,">"&ROUND(A1,1),D1:D10)', "C10": '=MAXIFS(D1:D10,D1:D10,"<"&A2)',
    "C11": '=SUMIFS(D1:D10,D1:D10,"<>"&ROUND(A2,0),D1:D10,">"&A1/2)',
    "C12": '=COUNTIF(D1:D10,IF(A2>10,1/0,"<")&A1)',
    "D11": '=">="&ROUND(A1,1)', "C13": "=COUNTIF(D1:D10,D11)",   # the criterion in a cell
}


# aggregates over cells of text made per trial (skipped, counted by COUNTA, their errors
# kept), such text typed into SUM, and date functions of it
AGGREGATES = {
    "G1": "=CONCAT(ROUND(A1,1))", "G2": '=ROUND(A2,0)&"/1/2024"', "G3": '=IF(A2>40,1/0,"x"&A1)',
    "H1": "=SUM(G1,1)", "H2": "=SUM(G1:G3)", "H3": "=AVERAGE(G1:G3,A1)", "H4": "=COUNT(G1:G3)",
    "H5": "=COUNTA(G1:G3)", "H6": "=MAX(G1,A1)", "H7": '=SUM(A1&"",1)', "H8": "=YEAR(G2)",
    "H9": "=DATE(2024,G1,1)", "H10": "=EDATE(G2,1)", "H11": "=WEEKDAY(G2)",
    "H12": '=DAYS(G2,"1/1/2024")', "H13": "=PRODUCT(G1,2)", "H14": "=MIN(G1)",
    "H15": "=STDEV(G1:G3,A1,A2)", "H16": "=AVERAGEA(G1:G3)", "H17": "=EOMONTH(G2,0)",
    # as a logical test ("TRUE"/"FALSE" any case, stripped; else #VALUE!) and in PMT
    "G4": '=MID(" FALSE"&A1,1,IF(A1>2,6,5))', "H18": "=IF(G4,1,2)", "H19": "=NOT(G4)",
    "H20": "=AND(G4,TRUE)", "H21": "=PMT(0.05,G1,100)", "H22": '=IF(UPPER(LEFT("true"&A1,4)),A1,0)',
}


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    be = NumbaBackend(kernel_dir=tmp_path_factory.mktemp("kernels"))
    yield be
    be.close()


def test_formulas_reading_text_made_per_trial_as_numbers_are_fused_and_numpys(backend):
    """VALUE & co. (B), criteria made per trial, COUNTIF(range, ">"&A2) (C), aggregates and
    date functions of text made per trial (H): before, not fused ("VALUE of text made per
    trial (other than a number's)", "text made from a number that varies per trial")."""
    cells = {**FORMULAS, **CRITERIA, **AGGREGATES}
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in cells.items()})
    outputs = [f"Sheet1!{k}" for k in cells if k[0] in "BCH" and k != "B11"]
    job = job_for(model, INPUTS, outputs, trials=TRIALS)
    # C12's operator is "<" or an error: only the text branch is made (397eb1c)
    assert fused_report(job, backend) == {}
    got, want = run(backend, job, 250), run(NumpyBackend(), job, TRIALS)
    assert_same(job, got, want)
    errs = {str(c).split("!")[-1]: e for c, e in want[1].items()}
    vals = {str(c).split("!")[-1]: x for c, x in want[0].items()}
    for cell in ("B1", "B3", "B5", "B15", "B17", "B20", "B23"):
        # some trials a number, some #VALUE!: both paths are exercised
        assert 0 < np.count_nonzero(errs[cell]) < TRIALS, cell
    assert np.all(errs["B14"] == 3) and np.all(errs["B10"] == 3)   # "(5)"+0: #VALUE!
    assert not np.any(errs["B12"]) and np.all(vals["B12"] <= 5)     # VALUE("(5)"): -5
    assert np.all(errs["B22"] == 6)                                  # NUMBERVALUE: #NUM!


# ---------------------------------------------------------------- the CUDA twin (host build)
HARNESS = r"""
extern "C" void dnum_many(const unsigned char *z, const long long *at, long long n, double shift,
                          double *out) {
    for (long long i = 0; i < n; ++i)
        for (int mode = 0; mode < 3; ++mode)
            out[i * 8 + mode] = dnum(z, (double)at[i], (double)at[i + 1], shift, (double)mode);
}
extern "C" void dnumbervalue_many(const unsigned char *z, const long long *at, long long n,
                                  const double *seps, double *out) {
    for (long long i = 0; i < n; ++i)
        for (int k = 0; k < 5; ++k)
            out[i * 8 + 3 + k] = dnumbervalue(z, (double)at[i], (double)at[i + 1], seps[2 * k],
                                              seps[2 * k + 1]);
}
"""
_SEPARATORS = ((".", ","), (",", "."), (",", " "), (".", "."), ("e", ","))


def _cuda_twin(tmp_path):
    import ctypes
    import subprocess

    from engine.backends.cupy._rt import RUNTIME
    from engine.backends.cupy._rt_dtext import DTEXT_RUNTIME
    from engine.backends.cupy._rt_dvalue import DVALUE_RUNTIME
    from tests.test_backend_cupy import CXX

    if CXX is None:
        pytest.skip("no C++ compiler")
    src = ("typedef double real;\n#define R(x) ((real)(x))\n" + RUNTIME + DTEXT_RUNTIME
           + DVALUE_RUNTIME + HARNESS)
    (tmp_path / "dv.cpp").write_text(src)
    got = subprocess.run([CXX, "-O1", "-ffp-contract=off", "-shared", "-fPIC", "-o",
                          str(tmp_path / "dv.so"), str(tmp_path / "dv.cpp")],
                         capture_output=True, text=True, timeout=300)
    assert got.returncode == 0, got.stderr[-3000:]
    lib = ctypes.CDLL(str(tmp_path / "dv.so"))
    lib.dnum_many.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64,
                              ctypes.c_double, ctypes.c_void_p]
    lib.dnumbervalue_many.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64,
                                      ctypes.c_void_p, ctypes.c_void_p]
    return lib


def test_cuda_twin_reads_text_as_the_reference(tmp_path):
    lib = _cuda_twin(tmp_path)
    strings = EDGES + _random_strings(1000, 13)
    flat = "".join(strings).encode("ascii")
    z = np.frombuffer(flat + b"\0 0", dtype=np.uint8).copy()
    at = np.cumsum([0] + [len(s) for s in strings]).astype(np.int64)
    seps = np.array([float(ord(c)) for pair in _SEPARATORS for c in pair])
    for shift in (0, 1462):
        out = np.zeros((len(strings), 8))
        lib.dnum_many(z.ctypes.data, at.ctypes.data, len(strings), float(shift),
                      out.ctypes.data)
        lib.dnumbervalue_many(z.ctypes.data, at.ctypes.data, len(strings), seps.ctypes.data,
                              out.ctypes.data)
        use_date1904(shift != 0)
        try:
            bad = []
            for s, row in zip(strings, out, strict=True):
                want = [_reference(s, mode) for mode in (0, 1, 2)]
                for dec, group in _SEPARATORS:
                    w = number_value(s, dec, group)
                    want.append(math.nan if w is None else w)
                bad += [(s, k, w, g) for k, (w, g) in enumerate(zip(want, row, strict=False))
                        if not _same(w, g)]
        finally:
            use_date1904(False)
        assert bad == [], bad[:5]


def test_formulas_and_criteria_run_in_the_cuda_kernel_as_numpy(tmp_path):
    from tests.test_backend_cupy import NVCC, HostCudaBackend, _nvcc_ptx, host_equals_numpy

    cells = {**FORMULAS, **{k: v for k, v in CRITERIA.items() if k != "C12"}, **AGGREGATES}
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in cells.items()})
    job = job_for(model, INPUTS, [f"Sheet1!{k}" for k in cells if k[0] in "BCH"],
                  trials=TRIALS)
    source = HostCudaBackend.source_of(job)
    assert "dnum(" in source and "dnumbervalue(" in source
    if NVCC is not None:
        _nvcc_ptx(source, tmp_path, "dvalue")
    host_equals_numpy(job, tmp_path, 300, TRIALS)


def test_dates_as_text_in_a_1904_workbook(backend, tmp_path):
    """Date text made per trial reads as a serial of the workbook's date system."""
    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    cells = {"B1": '=VALUE(ROUND(A1,0)&"/"&ROUND(A2,0)&"/2024 9 am")',
             "B2": '=DATEVALUE("Jan "&ROUND(A1*10,0)&", 2024")',
             "B3": '=(ROUND(A1,0)&"/5/2024")+0', "B4": '=YEAR(ROUND(A1,0)&"/5/1904")',
             "B5": '=COUNTIF(C1:C3,"<"&ROUND(A1,0)&"/5/2024")'}
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "Sheet1"
    for k, v in {"A1": 1.0, "A2": 2.0, "C1": 43000.0, "C2": 43834.0, "C3": "x", **cells}.items():
        ws[k] = v
    wb.save(tmp_path / "mac.xlsx")
    model = Model.open(tmp_path / "mac.xlsx")
    assert model.workbook.date1904
    job = job_for(model, INPUTS, [f"Sheet1!{k}" for k in cells], trials=TRIALS)
    assert fused_report(job, backend) == {}   # B5's date text criterion: _dcriteria
    got, want = run(backend, job, 200), run(NumpyBackend(), job, TRIALS)
    assert_same(job, got, want)
    b3 = want[0][model.ref("Sheet1!B3")]
    # m/5/2024 in the 1904 system: 45296 - 1462 for January (Excel's DATE(2024,1,5))
    assert set(b3[want[1][model.ref("Sheet1!B3")] == 0]) == {43834.0, 43865.0, 43894.0,
                                                             43925.0}
