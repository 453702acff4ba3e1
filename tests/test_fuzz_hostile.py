"""Hostile workbooks: ``mcdesk check`` and ``mcdesk simulate`` end with exit 0 or 2, one line on
stderr when they refuse, never a traceback, within a time limit (issue 17, point 6).

Hypothesis writes the workbooks (raw XML through :func:`tests.strategies.write_xlsx`, or
broken bytes): deep nesting, whole-sheet ranges, odd sheet and defined names with quotes and
code-like text, broken XML and zips, every error literal, mixed types, huge dimension refs,
cells past row 1,048,576 or column XFD, no sheets, DOCTYPE entities.

Most examples run in process (the CLI's ``main(argv)`` with stdout and stderr captured and
SIGALRM as the time limit: ~20 ms an example); the classes that may allocate gigabytes today
(whole-sheet ranges, huge dimensions) and one sample of every class run in a subprocess under
``RLIMIT_AS`` and a timeout.

Classes that fail today carry ``xfail(strict=False)`` naming the defect (remove the mark when
it is fixed); the others pass on the engine of 6 December 2026, after the loader, recursion
and huge-range fixes of issue 17 landed.

Size: ``MCDESK_FUZZ_EXAMPLES`` examples per class (default: the per-class counts below,
~1,200 in all; slow-marked twins run three classes' fuller counts); see the README for an
hour-long run.
"""

from __future__ import annotations

import functools
import importlib
import io
import os
import random
import resource
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from tests.strategies import (
    ERRORS,
    Formula,
    Grammar,
    draw_block,
    quote_sheet,
    write_xlsx,
)

LIMIT_S = float(os.environ.get("MCDESK_FUZZ_LIMIT_S", "20"))   # per CLI run
MEMORY_BYTES = 3 * 1024**3                                      # subprocess address space
_EXAMPLES = os.environ.get("MCDESK_FUZZ_EXAMPLES")


_PHASES = (Phase.explicit, Phase.generate) + \
    ((Phase.shrink,) if os.environ.get("MCDESK_FUZZ_SHRINK") else ())


def fuzz(n: int):
    """Hypothesis settings for a class: ``n`` examples (or MCDESK_FUZZ_EXAMPLES).  Failing
    examples are shrunk only with MCDESK_FUZZ_SHRINK=1: shrinking a workbook that takes a
    second to check can take many minutes."""
    return settings(max_examples=int(_EXAMPLES) if _EXAMPLES else n, deadline=None,
                    database=None, derandomize=not _EXAMPLES, phases=_PHASES,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


def default_and_slow(body: Callable[..., None], n: int, n_slow: int,
                     **strategies: SearchStrategy) -> tuple[Callable, Callable]:
    """Two fuzz tests of ``body`` (called with tmp_path_factory and the values drawn from
    ``strategies``): ``n`` examples in the default run, ``n_slow`` in a slow-marked twin."""
    def made(count: int) -> Callable:
        @functools.wraps(body)   # body's signature: pytest's fixtures, hypothesis' arguments
        def test(*args: Any, **kwargs: Any) -> None:
            body(*args, **kwargs)
        return fuzz(count)(given(**strategies)(test))
    return made(n), pytest.mark.slow(made(n_slow))


# ------------------------------------------------------------------ running the CLI
@dataclass
class Outcome:
    rc: int | str
    stderr: str
    elapsed: float


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout


def run_in_process(argv: list[str], limit_s: float = LIMIT_S) -> Outcome:
    """``mcdesk ARGV`` through ``mcdesk.cli.main``: its exit code, stderr and time."""
    from mcdesk.cli import main

    err, out = io.StringIO(), io.StringIO()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, limit_s)
    t0 = time.perf_counter()
    rc: int | str
    try:
        with redirect_stdout(out), redirect_stderr(err):
            rc = main(argv)
    except SystemExit as exc:
        rc = exc.code if isinstance(exc.code, int) else 2
    except _Timeout:
        rc = "timeout"
    except Exception:   # what a user would see as a traceback
        rc = "traceback"
        err.write(traceback.format_exc())
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    return Outcome(rc, err.getvalue(), time.perf_counter() - t0)


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def run_subprocess(argv: list[str], limit_s: float = LIMIT_S * 2) -> Outcome:
    """``python -m mcdesk ARGV`` under RLIMIT_AS and a timeout."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "NUMBA_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    t0 = time.perf_counter()
    try:
        p = subprocess.run([sys.executable, "-m", "mcdesk", *argv], capture_output=True,
                           text=True, timeout=limit_s, preexec_fn=_limit_memory, env=env,
                           check=False)
    except subprocess.TimeoutExpired:
        return Outcome("timeout", "", time.perf_counter() - t0)
    rc: int | str = p.returncode
    if rc < 0:
        rc = f"killed by signal {-rc}"
    return Outcome(rc, p.stderr, time.perf_counter() - t0)


def assert_clean(o: Outcome, what: str) -> None:
    """Exit 0 or 2; on 2 one error line on stderr (warnings before it aside); never a
    traceback; within the time limit."""
    assert "Traceback" not in o.stderr, f"{what}: traceback\n{o.stderr[-3000:]}"
    assert o.rc in (0, 2), f"{what}: exit {o.rc}\n{o.stderr[-2000:]}"
    if o.rc == 2:
        lines = [ln for ln in o.stderr.splitlines()
                 if ln.strip() and not ln.startswith("mcdesk: warning:")]
        assert len(lines) == 1, f"{what}: {len(lines)} lines on stderr\n{o.stderr[-2000:]}"
    assert o.elapsed < LIMIT_S * 2, f"{what}: {o.elapsed:.1f} s"


def check_and_simulate(path: Path, simulate: bool, cells: tuple[str, str] | None = None,
                       runner=run_in_process) -> None:
    assert_clean(runner(["check", str(path)]), f"check {path.name}")
    if simulate:
        inp, outp = cells or ("Sheet1!A1", "Sheet1!B1")
        argv = ["simulate", str(path), "--input", f"{inp}=triangular(1,2,4)", "--output", outp,
                "--trials", "200", "--backend", "numpy", "--quiet"]
        assert_clean(runner(argv), f"simulate {path.name}")


# ------------------------------------------------------------------ hostile workbooks
SIM = st.integers(0, 5).map(lambda k: k == 0)      # simulate one example in six


def _book(tmp: Path, cells: dict, name: str = "Sheet1", **kw) -> Path:
    p = tmp / "book.xlsx"
    write_xlsx(p, {name: cells}, **kw)
    return p


def _formula_book(tmp: Path, formula: str) -> Path:
    return _book(tmp, {"A1": 2.0, "A2": 3.0, "B1": Formula(formula)})


deep_formulas = st.one_of(
    st.builds(lambda fn, n: "=" + fn * n + "A1" + ")" * n,
              st.sampled_from(["ABS(", "SUM(", "IF(TRUE,", "-(", "(", "SUM(1,"]),
              st.integers(50, 3000)),
    st.builds(lambda op, n: "=" + op.join(["A1"] * n), st.sampled_from(["+", "*", "-"]),
              st.integers(100, 20_000)),
    st.builds(lambda n: "=" + "(" * n + "1" + ")" * n, st.integers(100, 5000)),
    st.builds(lambda n: "=" + "-" * n + "1", st.integers(100, 5000)),
)


@fuzz(40)
@given(formula=deep_formulas, simulate=SIM)
def test_deep_nesting(tmp_path_factory, formula, simulate):
    check_and_simulate(_formula_book(tmp_path_factory.mktemp("deep"), formula), simulate)


@fuzz(1)
@given(n=st.just(8_000))
def test_long_concatenation_chain(tmp_path_factory, n):
    """An 8,000-term chain within 10 s: linear in its length (it was quadratic: 3,000 terms
    9 s, 15,000 over 120 s), the chain joined at once."""
    check_and_simulate(_formula_book(tmp_path_factory.mktemp("amp"), "=" + "&".join(["A1"] * n)),
                       True, runner=lambda argv: run_in_process(argv, limit_s=10))


ERROR_LITERALS = ERRORS + ("#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!")


def error_literals_and_mixed_types(tmp_path_factory, data, simulate) -> None:
    """Every error literal as a constant, in formulas and in ranges, mixed with everything.
    One example: a block of mixed constants, an error literal in a cell, 6 drawn formulas
    and 7 that use the literal."""
    from tests.strategies import ErrorLiteral

    block = draw_block(data.draw, "Sheet1", 6, 4)
    cells = {f"{chr(64 + c)}{r}": v for (r, c), v in block.values.items()}
    cells["A1"] = 2.0
    lit = data.draw(st.sampled_from(ERROR_LITERALS))
    cells["E1"] = ErrorLiteral(lit)
    g = Grammar(blocks=[block])
    forms = [g.draw_formula(data.draw) for _ in range(6)]
    forms += [f"={lit}", f"=SUM(A1,{lit})", f"=IFERROR({lit},1)+A1", f"=ERROR.TYPE({lit})",
              f"=A1&{lit}", "=SUM(A1:E6)", "=AVERAGE(E1,A1)"]
    for i, f in enumerate(forms, start=1):
        cells[f"G{i}"] = Formula(f)
    cells["B1"] = Formula(forms[0])
    check_and_simulate(_book(tmp_path_factory.mktemp("err"), cells), simulate)


# 150 examples in the default run (400 were ~20 s on CI), 400 in the slow twin
test_error_literals_and_mixed_types, test_error_literals_and_mixed_types_400 = \
    default_and_slow(error_literals_and_mixed_types, 150, 400, data=st.data(), simulate=SIM)


CODE_LIKE = ["__import__('os').system('touch /tmp/pwned')", "'; DROP TABLE x; --",
             "${jndi:ldap://x}", "<script>alert(1)</script>", "{{7*7}}", "$(rm -rf /)",
             "A1", "R1C1", "Sheet1!A1", "'", "''", "!", "[1]", "#REF!", "TRUE", "a" * 31,
             "日本語", "e\u0301", "\u202e", " lead", "trail ", "x]y", "a\"b", "SUM(", "1/0"]
sheet_names = st.one_of(st.sampled_from(CODE_LIKE),
                        st.text(st.characters(blacklist_categories=("Cs",),
                                              blacklist_characters="\x00"),
                                min_size=1, max_size=40))


def odd_sheet_and_defined_names(tmp_path_factory, sheet: str, dname: str,
                                simulate: bool) -> None:
    """One example: a sheet and a defined name as drawn, read by formulas and INDIRECT."""
    q = quote_sheet(sheet)
    cells = {"A1": 2.0, "A2": Formula(f"={q}!A1*2"), "B1": Formula("=A2+SUM(A1:A2)"),
             "B2": Formula(f"=IFERROR(INDIRECT(\"{q.replace(chr(34), chr(34) * 2)}!A1\"),0)"),
             "B3": Formula(f"={dname.replace(' ', '_')}+1"), "C1": sheet}
    names = {dname: f"{q}!$A$1", "ok_name": f"{q}!$A$1:$A$2", "code": CODE_LIKE[0]}
    p = tmp_path_factory.mktemp("names") / "book.xlsx"
    write_xlsx(p, {sheet: cells}, defined_names=names)
    check_and_simulate(p, simulate, (f"{q}!A1", f"{q}!B1"))


# 200 examples in the default run, 600 in the slow twin
test_odd_sheet_and_defined_names, test_odd_sheet_and_defined_names_600 = default_and_slow(
    odd_sheet_and_defined_names, 200, 600, sheet=sheet_names, dname=sheet_names, simulate=SIM)


def random_formulas_with_every_type(tmp_path_factory, data, simulate) -> None:
    """The full grammar (logicals mixed with numbers and text, errors) plus broken text.
    One example: a block of mixed constants, 8 drawn formulas and a broken one."""
    block = draw_block(data.draw, "Sheet1", 6, 4)
    cells = {f"{chr(64 + c)}{r}": v for (r, c), v in block.values.items()}
    cells["A1"] = 2.0
    g = Grammar(blocks=[block])
    forms = [g.draw_formula(data.draw, 5) for _ in range(8)]
    forms.append("=" + data.draw(st.text(st.sampled_from('SUM(A1,")+-*/&:!$#^%<>=1 "TRUE'),
                                         max_size=30)))
    for i, f in enumerate(forms, start=1):
        cells[f"H{i}"] = Formula(f)
    cells["B1"] = Formula(forms[0])
    check_and_simulate(_book(tmp_path_factory.mktemp("rand"), cells), simulate)


# 150 examples in the default run (400 were ~25 s on CI), 400 in the slow twin
test_random_formulas_with_every_type, test_random_formulas_with_every_type_400 = \
    default_and_slow(random_formulas_with_every_type, 150, 400, data=st.data(), simulate=SIM)


# ------------------------------------------------------------------ broken files
def _valid_bytes(tmp: Path) -> bytes:
    return _book(tmp, {"A1": 1.0, "B1": Formula("=A1*2")}).read_bytes()


def _broken_file(tmp: Path, data, kind: str) -> Path:
    import zipfile

    good = _valid_bytes(tmp)
    p = tmp / "bad.xlsx"
    if kind == "truncate":
        p.write_bytes(good[:data.draw(st.integers(0, len(good) - 1))])
    elif kind == "flip":
        # flips spread uniformly from a drawn seed (hypothesis's draws favour the first bytes,
        # the local header, where the zip's central directory is what breaks zipfile)
        rng = random.Random(data.draw(st.integers(0, 2**32 - 1)))
        b = bytearray(good)
        for _ in range(rng.randint(1, 20)):
            b[rng.randrange(len(b))] ^= rng.randint(1, 255)
        p.write_bytes(bytes(b))
    elif kind == "empty":
        p.write_bytes(b"")
    elif kind == "text":
        p.write_bytes(data.draw(st.binary(max_size=200)))
    else:
        sheet = data.draw(st.sampled_from([
            "<worksheet", "<worksheet><sheetData><row r='1'><c r='A1'><v>1</v></c>",
            "not xml at all", "<?xml version='1.0'?><worksheet xmlns='x'><sheetData><row>"
            "<c r='A1' t='q'><v>x</v></c></row></sheetData></worksheet>",
            "<worksheet xmlns='http://schemas.openxmlformats.org/spreadsheetml/2006/main'>"
            "<sheetData><row r='1'><c r='A1'><f>SUM(</f></c><c r='ZZZZ9'><v>1</v></c>"
            "<c r='A0'><v>2</v></c><c r='1A'><v>3</v></c></row></sheetData></worksheet>",
        ]))
        src = tmp / "src.xlsx"
        src.write_bytes(good)
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(p, "w") as zout:
            for item in zin.infolist():
                body = zin.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    body = sheet.encode()
                zout.writestr(item, body)
    return p


@fuzz(400)
@given(data=st.data(), kind=st.sampled_from(["truncate", "empty", "text", "xml"]))
def test_broken_zip_and_xml(tmp_path_factory, data, kind):
    """Truncated, empty, not-a-zip files; sheet XML cut or malformed."""
    p = _broken_file(tmp_path_factory.mktemp("broken"), data, kind)
    assert_clean(run_in_process(["check", str(p)]), f"check ({kind})")


@fuzz(100)
@given(data=st.data())
def test_bit_flipped_zip(tmp_path_factory, data):
    p = _broken_file(tmp_path_factory.mktemp("flip"), data, "flip")
    assert_clean(run_in_process(["check", str(p)]), "check (flipped bytes)")


@fuzz(1)
@given(simulate=st.just(True))
def test_no_sheets(tmp_path_factory, simulate):
    from tests.strategies import NS_MAIN, NS_R

    p = tmp_path_factory.mktemp("nosheet") / "book.xlsx"
    write_xlsx(p, {}, workbook_xml=f'<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_R}"><sheets/>'
                                   '</workbook>')
    check_and_simulate(p, simulate)


ENTITY_BOMB = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
               + "".join(f'<!ENTITY lol{i + 1} "{("&lol" + (str(i) if i else "") + ";") * 10}">'
                         for i in range(9))
               + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
               '</sheetData></worksheet>')
EXTERNAL_ENTITY = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                   '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                   '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c>'
                   '</row></sheetData></worksheet>')


@fuzz(30)
@given(xml=st.sampled_from([ENTITY_BOMB, EXTERNAL_ENTITY]), simulate=SIM)
def test_doctype_entities(tmp_path_factory, xml, simulate):
    p = tmp_path_factory.mktemp("dtd") / "book.xlsx"
    write_xlsx(p, {"Sheet1": xml})
    check_and_simulate(p, simulate)


@fuzz(150)
@given(row=st.integers(1_048_577, 10**7), col=st.sampled_from(["A", "XFE", "ZZZZ"]),
       simulate=SIM)
def test_cells_past_the_sheet(tmp_path_factory, row, col, simulate):
    p = tmp_path_factory.mktemp("past") / "book.xlsx"
    xml = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="B1"><f>A1*2</f></c></row>'
           f'<row r="{row}"><c r="{col}{row}"><v>5</v></c></row></sheetData></worksheet>')
    write_xlsx(p, {"Sheet1": xml})
    check_and_simulate(p, simulate)


# ------------------------------------------------------------------ expensive: subprocess
HUGE = ["=SUM(A1:XFD1048576)", "=COUNTIF(A1:XFD1048576,1)", "=INDEX(A1:XFD1048576,1,1)",
        "=MATCH(1,A:A,0)", "=SUMPRODUCT(A1:XFD1048576,A1:XFD1048576)", "=SUM(1:1048576)",
        "=SUM(INDIRECT(\"A1:XFD1048576\"))", "=SUM(OFFSET(A1,0,0,1048576,16384))",
        "=COUNTIF(A:A,\">0\")+SUM(C:XFD)"]


@fuzz(3)
@given(formula=st.sampled_from(HUGE))
def test_whole_sheet_ranges(tmp_path_factory, formula):
    p = _formula_book(tmp_path_factory.mktemp("huge"), formula)
    check_and_simulate(p, True, runner=run_subprocess)


@fuzz(2)
@given(dim=st.sampled_from(["A1:XFD1048576", "A1:ZZ1000000", "B2:XFD1048576"]))
def test_huge_dimension(tmp_path_factory, dim):
    from tests.strategies import sheet_xml

    p = tmp_path_factory.mktemp("dim") / "book.xlsx"
    write_xlsx(p, {"Sheet1": sheet_xml({"A1": 1.0, "B1": Formula("=A1*2")}, dimension=dim)})
    check_and_simulate(p, True, runner=run_subprocess)


def test_subprocess_sample_of_each_cheap_class(tmp_path):
    """The same checks through a real process (imports, exit code, stderr as a user sees)."""
    book = _book(tmp_path, {"A1": 2.0, "B1": Formula("=A1*2+#N/A"), "B2": Formula("=SUM("),
                            "B3": Formula("=" + "ABS(" * 3000 + "A1" + ")" * 3000)})
    check_and_simulate(book, True, runner=run_subprocess)


def test_the_harness_catches_tracebacks_and_extra_lines(monkeypatch, tmp_path):
    """A check that raises, prints two error lines or runs too long fails assert_clean."""
    cli = importlib.import_module("mcdesk.cli")  # by object: NiceGUI's fixture drops `mcdesk`

    book = _book(tmp_path, {"A1": 1.0})

    def boom(args):
        raise ValueError("row 1048577")

    monkeypatch.setattr(cli, "cmd_check", boom)
    o = run_in_process(["check", str(book)])
    assert o.rc == "traceback" and "ValueError" in o.stderr

    def two_lines(args):
        print("mcdesk: one\nmcdesk: two", file=sys.stderr)
        return 2

    monkeypatch.setattr(cli, "cmd_check", two_lines)
    o = run_in_process(["check", str(book)])
    try:
        assert_clean(o, "two lines")
    except AssertionError as exc:
        assert "2 lines on stderr" in str(exc)
    else:
        raise AssertionError("two error lines passed")

    monkeypatch.setattr(cli, "cmd_check", lambda args: time.sleep(5) or 0)
    assert run_in_process(["check", str(book)], limit_s=0.2).rc == "timeout"
