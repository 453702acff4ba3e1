"""Dynamic text in the fused numba kernel: text made per trial from numbers that vary
(``A1&" units"``, ``UPPER(A1)``, ``LEFT(A1,3)``), against the numpy reference.

Text outputs are stored as numpy stores them (NaN, #VALUE!), so the texts themselves are
checked through what reads them: LEN, comparisons, FIND, EXACT, VALUE, and CODE(MID(x,j,1))
character by character.  Each model's cells must be fused (``fused_report`` empty): before
dynamic text they all fell back to numpy.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numba._decimal import general_text, general_value  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.values import format_number  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

TRIALS = 1_000
INPUTS = [tri("Sheet1!A1", 1.0, 2.0, 4.0), tri("Sheet1!A2", -5.0, 3.0, 50.0)]


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    be = NumbaBackend(kernel_dir=tmp_path_factory.mktemp("kernels"))
    yield be
    be.close()


def check(backend, cells: dict[str, object], outputs: list[str], *,
          fused: bool = True) -> tuple:
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in cells.items()})
    job = job_for(model, INPUTS, [f"Sheet1!{o}" for o in outputs], trials=TRIALS)
    got = run(backend, job, 300)
    want = run(NumpyBackend(), job, TRIALS)
    assert_same(job, got, want)
    if fused:
        assert fused_report(job, backend) == {}
    return model, got, want


def _chars(cell: str, n: int, at: int) -> dict[str, str]:
    """CODE of each character of ``cell`` (rows at..at+n-1 of column Z)."""
    return {f"Z{at + j}": f"=CODE(MID({cell},{j + 1},1))" for j in range(n)}


# ---------------------------------------------------------------- the digits
EDGES = [0.0, -0.0, 1e15, 1e-7, 1e21, 0.1 + 0.2, 2.0 ** 53, 2.0 ** 53 - 1, 2.0 ** 53 + 2,
         5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1234567890123455.0,
         1234567890123465.0, 999999999999999.9, 0.5, 1e-5, 1e-4, 123456.789, -3.25, 1e100,
         1e-100, 9.999999999999995e14, 0.000123456789012345678, 1e15 - 1, -1e15 + 0.5]


def test_general_format_is_the_references_on_random_doubles():
    rng = np.random.default_rng(7)
    bits = rng.integers(0, 2 ** 63 - 1, 60_000, dtype=np.int64)
    xs = bits.view(np.float64)
    xs = np.concatenate([xs[np.isfinite(xs)], rng.uniform(-1e6, 1e6, 20_000),
                         np.round(rng.uniform(-1e4, 1e4, 20_000), 3), EDGES])
    for x in xs:
        want = format_number(float(x))
        assert general_text(x) == want, repr(float(x))
        assert general_value(x) == float(want), repr(float(x))


def test_general_format_edges():
    assert general_text(1e21) == "1E+21"
    assert general_text(1e-7) == "1E-07"
    assert general_text(0.1 + 0.2) == "0.3"
    assert general_text(-0.0) == "0"
    assert general_text(1234567890123455.0) == "1.23456789012346E+15"   # a tie: to even
    assert general_text(1234567890123465.0) == "1.23456789012346E+15"
    assert general_text(2.0 ** 53 + 2) == "9.00719925474099E+15"
    assert general_text(5e-324) == "4.94065645841247E-324"


def test_simple_formats_are_the_references():
    from engine.backends.numba._dtext_rt import dput_fixed
    from engine.functions.text import _SIMPLE, _format_simple

    rng = np.random.default_rng(3)
    xs = np.concatenate([rng.uniform(-1e6, 1e6, 800), rng.uniform(-2, 2, 800),
                         np.round(rng.uniform(-1e4, 1e4, 800), 2),
                         [0.0, -0.0, 0.5, 1.5, 2.5, -0.5, 0.005, 0.015, 1e-9, -1e-9, 999.995,
                          1e20, 123456789012345678.0]])
    z = np.zeros(400)
    for fmt in ["0", "0.0", "0.00", "#,##0", "#,##0.00", "0%", "0.0%", "$#,##0", "$0.000",
                "#,##0.0000%"]:
        cur, whole, dec, pct = _SIMPLE.match(fmt).groups()
        flags = (1.0 if whole == "#,##0" else 0.0, 1.0 if pct else 0.0, 1.0 if cur else 0.0)
        for x, want in zip(xs, _format_simple(xs, fmt), strict=True):
            end = int(dput_fixed(z, 0.0, x, float(len(dec) - 1 if dec else 0), *flags))
            assert "".join(chr(int(c)) for c in z[:end]) == want, (fmt, float(x))


# ---------------------------------------------------------------- in the kernel
def test_text_made_from_varying_numbers_is_fused(backend):
    cells = {
        "A1": 2.0, "A2": 3.0,
        "B1": '=A1&" units"', "B2": "=UPPER(A1*1E-7)", "B3": '=LEN(A1&"")',
        "B4": '=VALUE(A1&"")*2', "B5": '=IF(ROUND(A1,0)&""="3","y","n")',
        "B6": '=CONCAT("x",A1,"y")', "B7": "=LEFT(A1,3)", "B8": "=LEN(B1)",
        "B9": '=B1="2 units"', "B10": '=FIND(".",B1)', "B11": '=LEN(TRIM("  a  "&A2&"   b "))',
        "B12": "=LEN(REPT(A1,3))", "B13": "=MID(A2,2,3)", "B14": "=LEN(B13)&RIGHT(A2,4)",
        "B15": "=LEN(B14)", "B16": "=LOWER(A1*1E+20)&CONCATENATE(A2,TRUE)",
        "B17": '=IF(A2>0,A2&"+",LOWER(A2/7))', "B18": "=A1*1E+15&A2*1E-12",
        "B19": '=VALUE(TRIM(UPPER(A1*1E-9)))', "B20": '=EXACT(UPPER(A1*1E-9&"e"),A1*1E-9&"E")',
        "B21": '=SEARCH("E-",B2)', "B22": '=(A2&"")<"10"', "B23": '=A1&"">5',
        "B24": '=ROUND(A2,0)&""', "B25": '=IF(B24="3",1,2)+LEN(B24)',
        "B26": '=IF(A1>2,"ab","c")&A1&(A2>3)', "B27": '=LEN(B26)+FIND("3",B26&"3")',
        **_chars("B1", 18, 1), **_chars("B18", 22, 30), **_chars("B26", 8, 60),
    }
    outputs = [f"B{i}" for i in range(1, 28)] + [k for k in cells if k.startswith("Z")]
    model, got, _ = check(backend, cells, outputs)
    assert len(np.unique(got[0][model.ref("Sheet1!B3")])) > 1   # the lengths vary
    b1 = [got[0][model.ref(f"Sheet1!Z{j}")][0] for j in range(1, 8)]
    assert all(48 <= c <= 57 or c == 46 for c in b1[:4])          # digits of A1


def test_errors_of_dynamic_text_are_numpys(backend):
    cells = {
        "A1": 2.0, "A2": 3.0,
        "C1": "=LEFT(A1,A2-4)", "C2": "=MID(A1,A2-3,2)", "C3": '=LEN("x"&A1/(A2-3))',
        "C4": '=FIND("z",A1&"")', "C5": '=LEN(IF(A2>3,A1&"",1/0))', "C6": "=LEN(C1)",
        "C7": '=LEN(REPT(A1&"",(A2>3)*3-1))', "C8": "=CODE(LEFT(A1,0))", "C9": '=C1&"x"="x"',
        "C10": '=LEN(SUBSTITUTE(A1&"x"&A1,"1","ab"))', "C11": '=SUBSTITUTE(A2&"."&A2,".","",2)',
        "C12": '=FIND("2",C11)', "C13": '=REPLACE(A1,2,3,"zz")', "C14": '=LEN(C13)+CODE(C13)',
        "C15": '=REPLACE(A1,A2-3,1,"x")', "C16": "=LEN(C15)", "C17": '=SUBSTITUTE(A1,"1","",A2-3)',
        "C18": "=LEN(C17)", **_chars("C11", 8, 1), **_chars("C13", 4, 40),
    }
    check(backend, cells, [f"C{i}" for i in range(1, 19)] + [f"Z{j}" for j in (*range(1, 9), *range(40, 44))])


def test_text_in_simple_formats_of_varying_numbers(backend):
    cells = {"A1": 2.0, "A2": 3.0, "D1": '="Margin: "&TEXT(A2/7,"0.0%")',
             "D2": '=TEXT(A2*12345.678,"#,##0.00")', "D3": '=TEXT(A1-2.5,"$0")',
             "D4": '=LEN(D2)+FIND(".",D2)', "D5": '=D3="$0"', "D6": '=TEXT(A2,"#,##0")&"/"&D1',
             **_chars("D1", 13, 1), **_chars("D2", 9, 20), **_chars("D6", 4, 40)}
    outputs = [f"D{i}" for i in range(1, 7)] + [k for k in cells if k.startswith("Z")]
    check(backend, cells, outputs)


def test_dynamic_text_read_by_a_numpy_cell_is_left_to_numpy(backend):
    cells = {"A1": 2.0, "A2": 3.0, "B1": '=A1&"x"', "B2": "=REGEXTEST(B1,\"x\")",
             "B3": "=LEN(B2)", "B4": "=LEN(B1)"}
    model, _, _ = check(backend, cells, ["B3", "B4"], fused=False)
    job = job_for(model, INPUTS, ["Sheet1!B3", "Sheet1!B4"], trials=TRIALS)
    report = fused_report(job)
    assert report["Sheet1!B1"] == "text made per trial, read by a cell left to numpy"
    assert report["Sheet1!B4"] == "depends on a cell left to numpy"
