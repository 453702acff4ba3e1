"""TEXT of varying numbers in any format, and VALUE of text made per trial, in the fused numba
kernel, against the numpy reference (engine.functions.text: TEXT, VALUE).

The format plans (engine/backends/numba/_dtext_formats.py) are checked directly on many
numbers per format (dates around Excel's 1900-02-29, negatives, 0, all magnitudes), then in
kernels read character by character (CODE(MID(...))) next to numpy.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from engine.backends.numba._values import NotFusable  # noqa: E402
from engine.functions._format_code import plain_format  # noqa: E402
from engine.values import Kind, Vec  # noqa: E402
from tests.test_numba_dynamic_text import _chars, check  # noqa: E402


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    from engine.backends.numba import NumbaBackend

    be = NumbaBackend(kernel_dir=tmp_path_factory.mktemp("kernels"))
    yield be
    be.close()


def _reference(xs: np.ndarray, fmt: str) -> list[str | None]:
    from engine.functions.text import text_

    got = text_(Vec(Kind.NUM, np.asarray(xs, dtype=np.float64)),
                Vec(Kind.STR, np.array([fmt], dtype=object)))
    err = got.err if got.err is not None else np.zeros(len(xs), np.uint8)
    return [None if err[i] else got.data[i] for i in range(len(xs))]


def _kernel(xs: np.ndarray, fmt: str) -> list[str | None]:
    from engine.backends.numba._dtext_fmt_rt import dformat_bad, dput_format
    from engine.backends.numba._dtext_formats import format_plan

    plan, bound = format_plan(plain_format(fmt), float(np.max(np.abs(xs))), 0)
    kv = np.array([7.0, 7.0, *plan])     # the plan at an offset, as in the kernel's table
    z = np.zeros(bound + 8)
    out: list[str | None] = []
    for x in xs:
        if dformat_bad(x, kv, 2.0):
            out.append(None)
            continue
        end = int(dput_format(z, 0.0, x, kv, 2.0))
        assert end <= bound, (fmt, float(x))
        out.append("".join(chr(int(c)) for c in z[:end]))
    return out


RNG = np.random.default_rng(5)
NUMBERS = np.concatenate([
    10.0 ** RNG.uniform(-8, 11, 500) * RNG.choice([-1.0, 1.0], 500),
    np.round(RNG.uniform(-2e4, 2e4, 150), 2), np.arange(-3.0, 3.0, 0.5),
    np.round(10.0 ** RNG.uniform(9, 14, 60)) * RNG.choice([-1.0, 1.0], 60),   # pycel's ints
    [0.0, -0.0, 0.005, 0.015, 2.675, 1e-9, 99999999999.5, 999.9999, -0.04]])
DATES = np.concatenate([
    RNG.uniform(-3.0, 2958470.0, 250), RNG.uniform(0.0, 70.0, 150), np.arange(0.0, 63.0, 0.5),
    np.round(RNG.uniform(0.0, 80000.0, 150) * 86400.0) / 86400.0,
    np.round(RNG.uniform(0.0, 2.0, 100) * 86400000.0) / 86400000.0])
NUMBER_FORMATS = [
    "#.###", "0.00E+00", "##0.0E+0", "0.00E-00", '#,##0,"K"', '#,##0,,"M"', '"$"#,##0.00',
    "0;(0);-", "General", "#,##0.00_);(#,##0.00)", "[<10]0.00;[>=100]#,##0;0.0", "#.#%",
    "%#%#%", "0,0.00.0", '#,#"ZZ"#.0"YY"00', ".##0", "$x*y#,##0* ", '##.00;-  ##.0;"ZERO"',
    "w;x;z", '"Total: "0.0', "\\$#,##0", '#,##0;(#,##0);"-"', "00000", "0.0##",
    '[>=1000000]0.0,,"M";[>=1000]0.0,"K";0', "0;-0;;@", "", "#.", "[$$-409]#,##0.00",
    "[Red]0.0;[Blue]-0.0"]
DATE_FORMATS = [
    "yyyy-mm-dd", "dd/mm/yyyy", "mmm", "mmmm", "dddd", "d-mmm-yy", "hh:mm:ss", "h:mm AM/PM",
    "[h]:mm", "[m]:ss", "[s].000", "mmmmm d, yyyy h:mm:ss.00 a/p", "ddd dd", "[hh]",
    "dddd, mmmm d, yyyy", "[$-F800]", "[$-F400]", "mm:ss.0", "s"]


@pytest.mark.parametrize("fmt", NUMBER_FORMATS)
def test_number_formats_write_the_references_text(fmt):
    assert _kernel(NUMBERS, fmt) == _reference(NUMBERS, fmt)


@pytest.mark.parametrize("fmt", DATE_FORMATS)
def test_date_and_time_formats_write_the_references_text(fmt):
    assert _kernel(DATES, fmt) == _reference(DATES, fmt)


def test_examples_as_excel_writes_them():
    xs = np.array([45322.75, 60.0, 1.5, -1234.5, 0.0])
    assert _kernel(xs, "yyyy-mm-dd hh:mm") == ["2024-01-31 18:00", "1900-02-29 00:00",
                                               "1900-01-01 12:00", None, "1900-01-00 00:00"]
    assert _kernel(xs[:3], "dddd") == ["Wednesday", "Wednesday", "Sunday"]
    assert _kernel(np.array([1234567.0, -2500.0]), '#,##0,"K"') == ["1,235K", "-3K"]
    assert _kernel(np.array([-2.5, 0.0, 1234.5]), "0;(0);-") == ["(3)", "-", "1235"]
    assert _kernel(np.array([12345.678, -0.00012]), "0.00E+00") == ["1.23E+04", "-1.20E-04"]


def test_plan_characters_hold_every_character_written():
    from engine.backends.numba._dtext_formats import format_plan, plan_chars

    for fmt in ["yyyymmdd", "0.00E+00", '#,##0,"K"', "0;(0);-", "[h]:mm", "w;x;z", '"$"#,##0.00',
                "%#%#%", "[<10]0.0;[>100]#,##0;0"]:
        chars = plan_chars(format_plan(plain_format(fmt), 1e9, 0)[0])
        xs = DATES if "y" in fmt or "h" in fmt else NUMBERS
        assert chars is not None and set("".join(t for t in _kernel(xs, fmt) if t)) <= chars
    for fmt in ["dddd", "mmmm-yy", "ddd mmm d, yyyy h:mm AM/PM", "mmmmm a/p", "h A/P"]:
        chars = plan_chars(format_plan(plain_format(fmt), 1e9, 0)[0])   # names' letters
        assert chars is not None and set("".join(t for t in _kernel(DATES, fmt) if t)) <= chars


def test_formats_not_mirrored_are_refused():
    from engine.backends.numba._dtext_formats import format_plan

    with pytest.raises(NotFusable, match="fraction"):
        format_plan("# ?/?", 10.0, 0)
    with pytest.raises(NotFusable, match="1904"):
        format_plan("yyyy-mm-dd", 10.0, 1462)
    with pytest.raises(NotFusable, match="literal"):
        format_plan('"#N/A"', 10.0, 0)
    with pytest.raises(NotFusable, match="scaled differently"):   # one divisor per plan
        format_plan("0,;-0", 10.0, 0)
    with pytest.raises(NotFusable, match="literal"):   # dynamic text is ASCII
        format_plan(plain_format("[$€-407]#,##0.00"), 10.0, 0)


# ---------------------------------------------------------------- VALUE of dynamic text
VALUE_TEXTS = [
    "1,234.5", "12%", "$12", "1e3", "1E+20", "-0", "+.5", "5.", ".", "5e", "1.2.3", "$-5",
    "-$5", "1,2,3", "1,234.5%", "", "E", "e5", "2024-01-31", "1-5-24", "13-5-2024", "5-13-1999",
    "2024-02-30", "1900-02-29", "1899-12-31", "1900-1-1", "12-12-12", "0001-01-01", "1-1-1",
    "2024-1-123", "123-1-2024", "1.5E-07", "12345678901234567890123", "1e400", "1e-400",
    "0.1000000000000000055511151231257827", "9007199254740993", "2.4703282292062328e-324",
    "1.7976931348623158e308", "1,000,000", "1,000.5,5", "50%%", "%", "$", "--5", "1-1",
    "00012", "1E5%", "$1,234.50%", "123456789012345678901234567890e-20"]


def _value_reference(texts: list[str]) -> list[float | None]:
    from engine.functions.text import value

    got = value(Vec(Kind.STR, np.array(texts, dtype=object)))
    err = got.err if got.err is not None else np.zeros(len(texts), np.uint8)
    return [None if err[i] else float(got.data[i]) for i in range(len(texts))]


def _value_kernel(texts: list[str]) -> list[float | None]:
    from engine.backends.numba._rt_dvalue import dnum

    out: list[float | None] = []
    for t in texts:
        z = np.array([float(ord(c)) for c in t] + [0.0])
        x = dnum(z, 0.0, float(len(t)), 0.0, 1.0)     # VALUE's reading
        out.append(None if np.isnan(x) else float(x))
    return out


def test_value_of_numeric_text_is_the_references():
    from engine.backends.numba._decimal import general_text

    rng = np.random.default_rng(9)
    xs = 10.0 ** rng.uniform(-12, 25, 300) * rng.choice([-1.0, 1.0], 300)
    made = []
    for x, y in zip(xs[::2], xs[1::2], strict=True):   # pieces of numbers' texts
        a, b = general_text(x), general_text(y)
        i, j = sorted(rng.integers(0, len(a) + 1, 2))
        made += [a[i:j], a + b[j % len(b):], a[i:] * 2, a.lower(), a[:j] + "%", "$" + b,
                 f"{int(abs(x)) % 3000}-{int(abs(y)) % 14}-{i + j}"]
    texts = VALUE_TEXTS + made
    got, want = _value_kernel(texts), _value_reference(texts)
    for t, g, w in zip(texts, got, want, strict=True):
        assert (g is None and w is None) or (g is not None and w is not None and (
            g == w and np.signbit(g) == np.signbit(w))), (t, g, w)


# ---------------------------------------------------------------- in the kernel
def test_text_in_other_formats_of_varying_numbers_is_fused(backend):
    cells = {"A1": 2.0, "A2": 3.0, "D1": "=TEXT(A1*20000+A2/7,\"yyyy-mm-dd hh:mm\")",
             "D2": '=TEXT(A2*1234.5678,"0.00E+00")', "D3": '=TEXT(A2*-12345678,"#,##0,\\"K\\"")',
             "D4": '=TEXT(A1-2.5,"0;(0);\\"zero\\"")', "D5": '=TEXT(A2/24,"h:mm AM/PM")',
             "D6": '=LEN(D1)+FIND(":",D1)', "D7": '=TEXT(A1*20000,"dddd")="Monday"',
             "D8": '=TEXT(A2-3,"[h]:mm")', "D9": '=TEXT(A1*1E+12,"General")',
             "D10": '=TEXT(A1-100,"mmmm")', "D11": "=LEN(D10)",
             **_chars("D1", 16, 1), **_chars("D2", 9, 20), **_chars("D3", 6, 30),
             **_chars("D4", 2, 40), **_chars("D5", 5, 45), **_chars("D8", 3, 55),
             **_chars("D9", 5, 60)}
    outputs = [f"D{i}" for i in range(1, 12)] + [k for k in cells if k.startswith("Z")]
    check(backend, cells, outputs)


def test_value_and_exact_lookups_of_text_made_per_trial_are_fused(backend):
    cells = {"A1": 2.0, "A2": 3.0, "C1": "=VALUE(UPPER(REPT(ROUND(A1,0),2)))",
             "C2": "=VALUE(RIGHT(LOWER(RIGHT(A2*1E-9,4)),1))", "C3": "=VALUE(MID(A2,2,3))",
             "C4": '=VALUE(ROUND(A1*40,0)&"%")', "C5": '=VALUE("2024-"&ROUND(A2*3,0)&"-15")',
             "C6": '=VALUE(ROUND(A1*6,0)&"-"&ROUND(A2*9,0)&"-24")',
             "C7": '=VALUE("$"&TEXT(A2*1000,"#,##0.00"))', "C8": "=VALUE(LEFT(A2*1E+20,3))",
             "D1": "12", "D2": "2", "D3": "3X", "D4": 3.0, "D5": "4x",
             "E1": 10.0, "E2": 20.0, "E3": 30.0, "E4": 40.0, "E5": 50.0,
             "F1": "=VLOOKUP(MID(ROUND(A1*6,0),1,2),D1:E5,2,FALSE)",
             "F2": '=IFERROR(MATCH(ROUND(A2,0)&"x",D1:D5,0),-1)',
             "F3": '=XLOOKUP(LEFT(ROUND(A1,0)&"",1),D1:D5,E1:E5,-1)',
             "F4": '=IFNA(HLOOKUP(ROUND(A2,0)&"",D1:E5,1,0),"n/a")',
             "F5": '=XMATCH(UPPER(ROUND(A2,0)&"x"),D1:D5)',
             # VALUE of a number is that number, all 17 digits (pycel__text's All!O10 was its
             # 15-digit text read back); VALUE(x&"") reads the text
             "G1": "=VALUE(A1/7)", "G2": '=VALUE(A1/7&"")', "G3": "=G1-A1/7",
             "G4": '=VALUE(TEXT(A1*20000,"yyyymmdd"))', "G5": '=VALUE(TEXT(A2*1234.5,"0.0E+0"))'}
    model, got, _ = check(backend, cells, [f"C{i}" for i in range(1, 9)]
                          + [f"F{i}" for i in range(1, 6)] + [f"G{i}" for i in range(1, 6)])
    assert not got[0][model.ref("Sheet1!G3")].any()

