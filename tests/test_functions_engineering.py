"""Engineering and character functions: CONVERT, BESSEL*, BIT*, DELTA, GESTEP, ERF, UNICHAR,
UNICODE, CLEAN and the ...B twins.  Expected values are Excel's documented examples or the
values Excel cached in the formulas project's test workbook."""

from __future__ import annotations

import numpy as np
import pytest
from formula_checks import check, ev, scalar

CONVERT = [
    # Excel's documentation
    ('=CONVERT(1,"lbm","kg")', 0.45359237), ('=CONVERT(68,"F","C")', 20.0),
    ('=CONVERT(2.5,"ft","sec")', "#N/A"), ('=CONVERT(CONVERT(100,"ft","m"),"ft","m")', 9.290304),
    # values Excel cached in formulas__test.xlsx (EXTRA and ENGINEERING sheets)
    ('=CONVERT(13,"C","F")', 55.400000000000006), ('=CONVERT(1,"pc","J")', 4.184e-12),
    ('=CONVERT(1,"Pang3","L")', 1e18), ('=CONVERT(1,"kmph","m/h")', 1609344.0),
    ('=CONVERT(1,"Ym/s","m/h")', 3.6e27), ('=CONVERT(1,"sg","g")', 14593.902937206363),
    ('=CONVERT(1,"survey_mi","m")', 1609.3472186944373), ('=CONVERT(1,"Reau","K")', 274.4),
    ('=CONVERT(1,"F","K")', 255.92777777777775), ('=CONVERT(1,"mi3","m3")', 4168181825.4405794),
    ('=CONVERT(1,"us_acre","m2")', 4046.8726098742522), ('=CONVERT(1,"kn","m/hr")', 1852.0),
    ('=CONVERT(1,"ly2","m2")', 8.95054210748189e31), ('=CONVERT(1,"HPh","J")', 2684519.537696173),
    ('=CONVERT(1,"csg","g")', "#N/A"),       # slug takes no prefix
    ('=CONVERT(1,"kuk_pt","L")', 568.26125),  # Excel accepts this one
    ('=CONVERT(1,"kibyte","bit")', 8192.0), ('=CONVERT(1,"kibit","bit")', 1024.0),
    ('=CONVERT(1,"Mim","m")', "#N/A"),        # binary prefixes are for bits and bytes
    ('=CONVERT(TRUE,"C","F")', "#VALUE!"), ('=CONVERT("3.6","C","F")', 38.480000000000004),
    ('=CONVERT(1,"m","m2")', "#N/A"), ('=CONVERT(1/0,"m","ft")', "#DIV/0!"),
]


@pytest.mark.parametrize("formula,expected", CONVERT)
def test_convert(formula, expected):
    check(expected, scalar(formula))


OTHERS = [
    # Excel's documentation examples (Bessel values agree to Excel's ~1e-8 approximations)
    ("=BESSELJ(1.9,2)", 0.329925829, 1e-6), ("=BESSELI(1.5,1)", 0.981666428, 1e-6),
    ("=BESSELK(1.5,1)", 0.277387804, 1e-6), ("=BESSELY(2.5,1)", 0.145918138, 1e-6),
    ("=BESSELK(0,1)", "#NUM!", 0), ("=BESSELJ(1,-1)", "#NUM!", 0), ("=BESSELJ(TRUE,1)", "#VALUE!", 0),
    ("=BITAND(13,25)", 9, 0), ("=BITOR(23,10)", 31, 0), ("=BITXOR(5,3)", 6, 0),
    ("=BITLSHIFT(4,2)", 16, 0), ("=BITRSHIFT(13,2)", 3, 0), ("=BITAND(2^48,1)", "#NUM!", 0),
    ("=BITAND(2.3,1)", "#NUM!", 0), ("=BITLSHIFT(13,25)", 436207616, 0),
    ("=DELTA(5,4)", 0, 0), ("=DELTA(5,5)", 1, 0), ("=DELTA(0.5,0)", 0, 0), ('=DELTA(2.3,"2.3")', 1, 0),
    ("=GESTEP(5,4)", 1, 0), ("=GESTEP(-4,-5)", 1, 0), ("=GESTEP(-1)", 0, 0), ("=GESTEP(TRUE)", "#VALUE!", 0),
    ("=ERF(0.745)", 0.70792892, 1e-8), ("=ERF(1,2)", 0.15262147, 1e-7),
    ("=ERF.PRECISE(1)", 0.842700793, 1e-9), ("=ERFC.PRECISE(1)", 0.157299207, 1e-8),
    ("=UNICHAR(66)", "B", 0), ("=UNICODE(\"B\")", 66, 0), ("=UNICHAR(0)", "#VALUE!", 0),
    ("=UNICODE(\"\")", "#VALUE!", 0), ("=UNICHAR(TRUE)", "\x01", 0), ("=UNICODE(2.3)", 50, 0),
    ('=CLEAN(CHAR(9)&"Monthly report"&CHAR(10))', "Monthly report", 0),
    ('=LENB("abc")', 3, 0), ('=LEFTB("ciao",2)', "ci", 0), ('=FINDB("ia","ciao")', 2, 0),
    ('=ASC("ciao")', "ciao", 0),
]


@pytest.mark.parametrize("formula,expected,rel", OTHERS)
def test_engineering_and_characters(formula, expected, rel):
    got = scalar(formula)
    if isinstance(expected, float) and rel:
        assert abs(got - expected) <= rel * abs(expected), (formula, got)
    else:
        check(expected, got)


def test_convert_and_bitand_vary_per_trial():
    x = np.array([0.0, 100.0, -40.0])
    v = ev('=CONVERT(A1,"C","F")', {"A1": 0}, {"A1": x})
    np.testing.assert_allclose(v.data, [32.0, 212.0, -40.0])
    v = ev('=CONVERT(1,A1,"m")', {"A1": "ft"}, {"A1": np.array(["ft", "in", "kg"], dtype=object)})
    np.testing.assert_allclose(v.data[:2], [0.3048, 0.0254])
    assert v.scalar(2) == "#N/A"
    v = ev("=BITAND(A1,6)", {"A1": 0}, {"A1": np.array([7.0, 2.5, 4.0])})
    assert [str(v.scalar(i)) for i in range(3)] == ["6.0", "#NUM!", "4.0"]


COMPLEX = [  # Excel's documentation and the values Excel cached in formulas__test.xlsx
    ('=COMPLEX(3,4)', "3+4i"), ('=COMPLEX(3,4,"j")', "3+4j"), ('=COMPLEX(0,1)', "i"),
    ('=COMPLEX(1,0)', "1"), ('=COMPLEX(99,-1,"j")', "99-j"), ('=COMPLEX(1,2,"k")', "#VALUE!"),
    ('=COMPLEX(TRUE,1)', "#VALUE!"), ('=IMABS("5+12i")', 13.0), ('=IMREAL("6-9i")', 6.0),
    ('=IMAGINARY("3+4i")', 4.0), ('=IMAGINARY("-j")', -1.0), ('=IMAGINARY(4)', 0.0),
    ('=IMARGUMENT("3+4i")', 0.92729522), ('=IMARGUMENT(0)', "#DIV/0!"),
    ('=IMCONJUGATE("3+4i")', "3-4i"), ('=IMCOS("1+i")', "0.833730025131149-0.988897705762865i"),
    ('=IMDIV("-238+240i","10+24i")', "5+12i"), ('=IMEXP("1+i")', "1.46869393991589+2.28735528717884i"),
    ('=IMLN("3+4i")', "1.6094379124341+0.927295218001612i"),
    ('=IMPOWER("2+3i",3)', "-46+9.00000000000001i"), ('=IMPRODUCT("3+4i","5-3i")', "27+11i"),
    ('=IMSQRT("1+i")', "1.09868411346781+0.455089860562227i"), ('=IMSUB("13+4i","5+3i")', "8+i"),
    ('=IMSUM("3+4i","5-3i")', "8+i"), ('=IMTAN("7+25j")', "3.82126757337684E-22+j"),
    ('=IMCOT("13+5j")', "0.0000692442674613868-1.00005873951153j"),
    ('=IMCSCH("13+5j")', "1.28233995888454E-06+4.33496947416312E-06j"),
    ('=IMSUM("3+4i","5-3j")', "#VALUE!"), ('=IMSUB("3+4i","5-3j")', "#NUM!"),
    ('=IMABS("yvj")', "#NUM!"), ('=IMABS(TRUE)', "#VALUE!"), ('=IMLN(0)', "#NUM!"),
    ('=IMDIV("1+i",0)', "#NUM!"), ('=IMCONJUGATE("")', "#NUM!"),
]


@pytest.mark.parametrize("formula,expected", COMPLEX)
def test_complex_numbers(formula, expected):
    got = scalar(formula)
    if isinstance(expected, float) and abs(expected) < 1 and expected != 0:
        assert abs(got - expected) < 1e-8, (formula, got)
    else:
        check(expected, got)
