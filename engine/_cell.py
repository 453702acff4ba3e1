"""CELL(info_type, [reference]): what the workbook tells about a cell, compiled by the
numpy compiler (engine.compiler._fn_cell).

Static given the reference (one value for every trial): "row", "col", "address", "filename",
and the number-format ones "format", "color", "parentheses" (read from the referenced cell's
number format, Excel's table of format codes). Per trial: "contents" (the referenced cell's
value, as ``=reference``) and "type" ("b" blank, "l" text, "v" anything else, errors
included). "prefix", "protect" and "width" depend on alignment, protection and column
widths, which the engine does not read: a clear unsupported message naming them.

The reference is the upper-left cell of a range. Excel reads an omitted reference as the
cell changed last; in a recalculation of the whole workbook that is the formula's own cell
(the cell just entered), which is what the engine uses for the static info types. "contents"
and "type" without a reference would read the formula's own value: unsupported.

"filename" is the workbook's absolute path on this machine written as Excel writes it,
``dir/[Book.xlsx]Sheet`` (the directory is where the file lies here, not where Excel saved
it; formulas that cut the sheet name out after "]" see Excel's text).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from . import ir
from .values import VALUE, Kind, Vec, error, num, text
from .workbook import CellRef, col_letters, quote_sheet

if TYPE_CHECKING:
    from .compiler import Compiler

STATIC = frozenset({"ROW", "COL", "ADDRESS", "FILENAME", "FORMAT", "COLOR", "PARENTHESES"})
PER_TRIAL = frozenset({"CONTENTS", "TYPE"})
UNREAD = frozenset({"PREFIX", "PROTECT", "WIDTH"})   # alignment, protection, column width


def info_type(node: ir.Call) -> str | None:
    """The upper-cased info_type of a CELL call when it is a text constant, else None."""
    if node.args and isinstance(node.args[0], ir.Str):
        return node.args[0].value.strip().upper()
    return None


def reference_cell(node: ir.Call, own: CellRef) -> CellRef | None:
    """The cell CELL looks at: the upper-left cell of its reference, the formula's own cell
    when it is omitted; None for a reference the compiler computes (INDEX, OFFSET, ...)."""
    if len(node.args) < 2 or isinstance(node.args[1], ir.Missing):
        return own
    ref = node.args[1]
    if isinstance(ref, ir.Ref):
        return ref.cell
    if isinstance(ref, ir.Area):
        return CellRef(ref.sheet, ref.r1, ref.c1)
    return None


def compile_cell(compiler: Compiler, node: ir.Call) -> Callable[[Any], Vec]:
    """Compiled code of a CELL call (see the module docstring)."""
    if not 1 <= len(node.args) <= 2:
        compiler.info.problems.append(f"CELL takes 1 or 2 arguments, not {len(node.args)}")
        bad = error(VALUE)
        return lambda env: bad
    kind = info_type(node)
    at = reference_cell(node, compiler.cell)
    omitted = len(node.args) < 2 or isinstance(node.args[1], ir.Missing)
    if kind is None:
        return _unsupported(compiler, "CELL with an info_type that is not a text constant")
    if at is None:
        return _unsupported(compiler, "CELL of a computed reference")
    if kind in UNREAD:
        return _unsupported(compiler, f'CELL("{kind.lower()}") (alignment, protection and '
                                      "column widths are not read)")
    if kind in PER_TRIAL:
        if omitted:
            return _unsupported(compiler, f'CELL("{kind.lower()}") without a reference (the '
                                          "last changed cell)")
        return _contents(at) if kind == "CONTENTS" else _type(at)
    if kind not in STATIC:
        bad = error(VALUE)   # Excel: an info_type it does not know is #VALUE!
        return lambda env: bad
    own_sheet = compiler.cell.sheet
    memo: list[Vec] = []

    def run(env: Any) -> Vec:
        if not memo:
            memo.append(static_value(kind, at, own_sheet, env.model))
        return memo[0]

    return run


def _unsupported(compiler: Compiler, what: str) -> Callable[[Any], Vec]:
    compiler.info.unsupported.add(what)
    bad = error(VALUE)
    return lambda env: bad


def _contents(at: CellRef) -> Callable[[Any], Vec]:
    return lambda env: env.cell(at)


def _type(at: CellRef) -> Callable[[Any], Vec]:
    def run(env: Any) -> Vec:
        return type_of(env.cell(at), env.model.is_formula(at))

    return run


def type_of(v: Vec, formula: bool) -> Vec:
    """CELL("type") of a value: "b" blank (a formula's blank result reads as 0: "v"), "l"
    text, "v" anything else, errors included (the error is not passed on)."""
    if v.kind == Kind.BLANK:
        return text("v" if formula else "b")
    if v.kind == Kind.STR:
        return text("l")
    if v.kind == Kind.ANY:
        bad = np.zeros(len(v.data), bool) if v.err is None else np.broadcast_to(
            v.err != 0, (len(v.data),))
        codes = ["v" if b else "b" if x is None and not formula else
                 "l" if isinstance(x, str) else "v" for x, b in zip(v.data, bad, strict=True)]
        return text(codes) if len(set(codes)) > 1 else text(codes[0])
    return text("v")


def static_value(kind: str, at: CellRef, own_sheet: str, model: Any) -> Vec:
    """CELL's value for the info types fixed by the workbook."""
    if kind == "ROW":
        return num(float(at.row))
    if kind == "COL":
        return num(float(at.col))
    book = model.workbook
    if kind == "ADDRESS":
        a1 = f"${col_letters(at.col)}${at.row}"
        if at.sheet == own_sheet:
            return text(a1)
        return text(quote_sheet(f"[{os.path.basename(book.path)}]{at.sheet}") + "!" + a1)
    if kind == "FILENAME":
        path = os.path.abspath(book.path)
        return text(f"{os.path.dirname(path)}{os.sep}[{os.path.basename(path)}]{at.sheet}")
    cell = book.cell(at)
    fmt = cell.number_format if cell is not None else "General"
    code = format_code(fmt)
    if kind == "FORMAT":
        return text(code)
    if kind == "COLOR":
        return num(1.0 if code.endswith("-") else 0.0)
    return num(1.0 if code.endswith("()") else 0.0)   # PARENTHESES


# ----------------------------------------------------------------- CELL("format") codes
_STRIP = re.compile(r'"[^"]*"|\\.|_.|\*.')          # literals, escapes, padding, fill
_BRACKET = re.compile(r"\[([^\]]*)\]")
_COLORS = re.compile(r"^(black|blue|cyan|green|magenta|red|white|yellow|color\s*\d+)$", re.I)
_DATES = {
    "m/d/yy": "D4", "m/d/yyyy": "D4", "m/d/yy h:mm": "D4", "m/d/yyyy h:mm": "D4",
    "mm/dd/yy": "D4", "d-mmm-yy": "D1", "dd-mmm-yy": "D1", "d-mmm": "D2", "dd-mmm": "D2",
    "mmm-yy": "D3", "mm/dd": "D5", "h:mm am/pm": "D7", "h:mm:ss am/pm": "D6", "h:mm": "D9",
    "h:mm:ss": "D8",
}


def _sections(fmt: str) -> list[str]:
    out, cur, quoted, i = [], "", False, 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == '"':
            quoted = not quoted
        elif ch == "\\" and not quoted and i + 1 < len(fmt):
            cur += fmt[i:i + 2]
            i += 2
            continue
        elif ch == ";" and not quoted:
            out.append(cur)
            cur = ""
            i += 1
            continue
        cur += ch
        i += 1
    return [*out, cur]


def _colored(section: str) -> bool:
    return any(_COLORS.match(b.strip()) for b in _BRACKET.findall(_STRIP.sub("", section)))


def format_code(fmt: str) -> str:
    """Excel's CELL("format") code of a number format: "G", "F2", ",0", "C2", "P0", "S2",
    "D1".."D9", with "-" when negative numbers show in color and "()" when positive numbers
    show in parentheses."""
    sections = _sections(fmt or "General")
    first = sections[0]
    neg = sections[1] if len(sections) > 1 else first
    suffix = ("-" if _colored(neg) else "") + ("()" if "(" in _STRIP.sub("", first) else "")
    body = _STRIP.sub("", first)
    currency = any(b.startswith("$") for b in _BRACKET.findall(body))
    body = _BRACKET.sub("", body).strip()
    low = body.lower()
    if low in ("", "general", "@") or "?/" in low or "/?" in low:
        return "G" + suffix
    if re.search(r"[ymdhs]", low.replace("am/pm", "").replace("a/p", "")) and \
            not re.search(r"e[+-]", low):
        return _date_code(low) + suffix
    digits = low.split("e")[0] if re.search(r"e[+-]", low) else low
    dec = len(re.findall(r"[0#?]", digits.split(".", 1)[1])) if "." in digits else 0
    if re.search(r"e[+-]", low):
        return f"S{dec}{suffix}"
    if "%" in low:
        return f"P{dec}{suffix}"
    if currency or re.search(r"[$€£¥]", low):
        return f"C{dec}{suffix}"
    if re.search(r"[0#?],[0#?]", low):
        return f",{dec}{suffix}"
    if re.search(r"[0#?]", low):
        return f"F{dec}{suffix}"
    return "G" + suffix


def _date_code(low: str) -> str:
    key = re.sub(r"\s+", " ", low).strip()
    if key in _DATES:
        return _DATES[key]
    ampm = "am/pm" in key or "a/p" in key
    core = key.replace("am/pm", "").replace("a/p", "")
    has_d, has_y = "d" in core, "y" in core
    has_time = "h" in core or "s" in core
    if not has_d and not has_y and has_time:   # a time
        seconds = "s" in core
        return ("D6" if seconds else "D7") if ampm else ("D8" if seconds else "D9")
    if has_d and has_y:
        return "D1" if "mmm" in core else "D4"
    if has_d:
        return "D2" if "mmm" in core else "D5"
    return "D3" if "mmm" in core else "D4"


__all__ = ["compile_cell", "format_code", "info_type", "reference_cell", "static_value",
           "type_of", "STATIC", "PER_TRIAL", "UNREAD"]
