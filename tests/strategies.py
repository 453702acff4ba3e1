"""Hypothesis strategies shared by the fuzz and differential tests.

* :class:`Grammar` draws random Excel formulas, typed (number, text, logical) so that most of
  them are meaningful, with mixed types on purpose where Excel coerces (``"3"+1``, ``TRUE*2``,
  a text in ``SUM``'s range) and errors flowing through (``IFERROR``, an error cell in a range).
* :func:`draw_block` draws the small data block the formulas read: numbers, text, logicals,
  blanks and error literals.
* :func:`write_xlsx` writes a workbook as raw XML (no openpyxl: fast, and exactly what is
  asked for, cached values included or not); :func:`subformulas` lists the parts of a formula
  a failing case is reduced to.

Generators are written as ``gen(draw, ...)``: inside hypothesis (``as_strategy``, or a
``st.composite``) they shrink like any strategy; :func:`from_seed` drives the same grammar
from a seeded ``random.Random`` for batches of thousands of formulas that share one expensive
oracle call (LibreOffice, a numba compile), about 30 times faster than hypothesis's
one-example-at-a-time loop.
"""

from __future__ import annotations

import functools
import random
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from hypothesis import strategies as st

_INT_BOUNDS: dict[int, tuple[int, int]] = {}


@functools.cache
def ints(lo: int, hi: int) -> st.SearchStrategy[int]:
    """A cached ``st.integers`` (building strategies per draw costs more than drawing)."""
    s = st.integers(lo, hi)
    _INT_BOUNDS[id(s)] = (lo, hi)
    return s


BOOLS = st.booleans()


def choice(draw: Draw, seq: Sequence[Any]) -> Any:
    """One item of ``seq`` (a cached integer strategy, not a new ``sampled_from`` per draw)."""
    seq = list(seq) if not isinstance(seq, list | tuple) else seq
    return seq[draw(ints(0, len(seq) - 1))]


class RandomDraw:
    """A ``draw`` for the generators below from a seeded ``random.Random`` instead of
    hypothesis: the same grammar, about 30x faster, for batches of thousands of formulas
    that share one expensive oracle call (hypothesis runs and shrinks one example at a time).
    Only the strategies made by :func:`ints` and ``BOOLS`` are drawn this way."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def __call__(self, strategy: st.SearchStrategy) -> Any:
        if strategy is BOOLS:
            return self.rng.random() < 0.5
        lo, hi = _INT_BOUNDS[id(strategy)]
        return self.rng.randint(lo, hi)


Draw = Callable[[st.SearchStrategy], Any]


def as_strategy(gen: Callable[..., Any], *args: Any) -> st.SearchStrategy:
    """A hypothesis strategy from a generator written as ``gen(draw, *args)`` (inside a test
    with ``st.data()``, ``gen(data.draw, *args)`` does the same)."""
    @st.composite
    def strategy(draw: Draw) -> Any:
        return gen(draw, *args)
    return strategy()


def from_seed(gen: Callable[..., Any], n: int, seed: int, *args: Any) -> list:
    """``n`` values of ``gen(draw, *args)``, each reproducible from (seed, index)."""
    return [gen(RandomDraw(seed * 1_000_003 + i), *args) for i in range(n)]


ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")
WORDS = ("a", "B", "abc", "ABC", "t1", "x y", "3", "2.5", " pad ", "")
DATA_WORDS = WORDS[:-1]    # an empty text constant: LibreOffice reads it as a blank cell


# ------------------------------------------------------------------ cell addresses
def col_letter(c: int) -> str:
    s = ""
    while c:
        c, r = divmod(c - 1, 26)
        s = chr(65 + r) + s
    return s


def addr(row: int, col: int) -> str:
    return f"{col_letter(col)}{row}"


def quote_sheet(name: str) -> str:
    """A sheet name as a formula writes it: quoted (inner quotes doubled) unless plain."""
    if name.replace("_", "").isalnum() and not name[0].isdigit():
        return name
    return "'" + name.replace("'", "''") + "'"


# ------------------------------------------------------------------ data blocks
DECIMALS = (0.5, -0.25, 2.75, 1.125, 0.1, 0.2, 0.3, 1e-3, 12345.5)


def draw_number(draw: Draw) -> float:
    """Numbers that print the same in every spreadsheet: small integers and a few decimals."""
    if draw(BOOLS):
        return float(draw(ints(-50, 50)))
    return choice(draw, DECIMALS)


def draw_value(draw: Draw, errors: Sequence[str] = ERRORS, logicals: bool = True) -> Any:
    """A constant: a number (most often), a text, a logical, a blank or an error literal."""
    k = draw(ints(0, 5 if errors else 4))
    if k <= 1:
        return draw_number(draw)
    if k == 2:
        return choice(draw, DATA_WORDS)
    if k == 3:
        return draw(BOOLS) if logicals else draw_number(draw)
    if k == 4:
        return None
    return ErrorLiteral(choice(draw, errors))


@dataclass(frozen=True)
class ErrorLiteral:
    """An error constant in a cell (``t="e"``)."""
    code: str


@dataclass
class Block:
    """A rows x cols block of constants at A1 of a sheet; column ``sorted_col`` ascends."""
    sheet: str
    rows: int
    cols: int
    values: dict[tuple[int, int], Any]
    sorted_col: int

    def ref(self, row: int, col: int, qualify: bool) -> str:
        a = addr(row, col)
        return f"{quote_sheet(self.sheet)}!{a}" if qualify else a


def draw_block(draw: Draw, sheet: str, rows: int = 8, cols: int = 5,
               errors: Sequence[str] = ERRORS, logicals: bool = True) -> Block:
    """Mixed values in columns 1..cols-1 (numbers mostly in the first); the last column
    ascending numbers (for approximate lookups).  ``errors``: the error literals to use."""
    vals: dict[tuple[int, int], Any] = {}
    for c in range(1, cols):
        for r in range(1, rows + 1):
            numeric = c == 1 and draw(ints(0, 3)) > 0
            vals[(r, c)] = draw_number(draw) if numeric else draw_value(draw, errors, logicals)
    start = draw(ints(-5, 5))
    acc = float(start)
    for r in range(1, rows + 1):
        acc += draw(ints(1, 4))
        vals[(r, cols)] = acc
    return Block(sheet, rows, cols, vals, cols)


# ------------------------------------------------------------------ formula grammar
def num_literal(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


def text_literal(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


@dataclass
class Grammar:
    """Random formulas over the cells of some blocks.

    ``functions`` limits which function families are drawn (all by default); ``numeric_refs``
    are cells known to hold numbers (the inputs of a simulation), ``blocks`` the data blocks
    formulas may read (their cells hold anything).
    """
    blocks: Sequence[Block] = ()
    numeric_refs: Sequence[str] = ()
    functions: frozenset[str] | None = None
    text: bool = True
    lookups: bool = True
    ranges_local: bool = True      # unqualified refs to the first block (same sheet)
    logical_values: bool = True    # logicals mixed with numbers and text (not only conditions)
    distributions: bool = False    # NORM.DIST & co., with flags that are expressions
    _max_depth: int = field(default=4, repr=False)

    def has(self, name: str) -> bool:
        return self.functions is None or name in self.functions

    # -- leaves
    def _block_ref(self, draw, numeric_col: bool = False) -> str:
        i = draw(ints(0, len(self.blocks) - 1))
        b = self.blocks[i]
        col = b.sorted_col if numeric_col else draw(ints(1, b.cols))
        return b.ref(draw(ints(1, b.rows)), col, qualify=(i > 0 or not self.ranges_local))

    def _range(self, draw, shape: tuple[int, int] | None = None, one_col: bool = False,
               col: int | None = None) -> tuple[str, tuple[int, int]]:
        i = draw(ints(0, len(self.blocks) - 1))
        b = self.blocks[i]
        if shape is None:
            h = draw(ints(1, b.rows))
            w = 1 if one_col or col is not None else draw(ints(1, b.cols))
        else:
            h, w = shape
        r1 = draw(ints(1, b.rows - h + 1))
        c1 = col if col is not None else draw(ints(1, b.cols - w + 1))
        a = f"{addr(r1, c1)}:{addr(r1 + h - 1, c1 + w - 1)}"
        if i > 0 or not self.ranges_local:
            a = f"{quote_sheet(b.sheet)}!{a}"
        return a, (h, w)

    def _num_leaf(self, draw) -> str:
        opts = ["lit"]
        if self.numeric_refs:
            opts += ["num_ref"] * 3
        if self.blocks:
            opts += ["cell"] * 2
        kind = choice(draw, opts)
        if kind == "lit":
            return num_literal(draw_number(draw))
        if kind == "num_ref":
            return choice(draw, list(self.numeric_refs))
        return self._block_ref(draw)

    # -- typed expressions
    def _pick(self, draw, table: dict[str, int]) -> str:
        names = [k for k, w in table.items() for _ in range(w)]
        return choice(draw, names)

    def _num(self, draw, depth: int) -> str:
        if depth <= 0:
            return self._num_leaf(draw)
        d = depth - 1
        n = lambda: self._num(draw, d)  # noqa: E731
        table = {"leaf": 3, "op": 5, "neg": 1, "agg": 3, "round": 2, "abs": 1, "if": 2,
                 "iferror": 1, "bool": 1, "math": 2, "pow": 1, "choose": 1, "stats": 1}
        if self.text:
            table.update({"len": 1, "value": 1})
        if self.distributions:
            table.update({"dist": 3, "fin": 1})
        if self.blocks:
            table.update({"countif": 2, "sumif": 1, "index": 1, "sumproduct": 1})
            if self.lookups:
                table.update({"match": 1, "vlookup": 1})
        kind = self._pick(draw, table)
        if kind == "leaf":
            return self._num_leaf(draw)
        if kind == "op":
            op = choice(draw, ["+", "-", "*", "/", "+", "*"])
            return f"({n()}{op}{n()})"
        if kind == "neg":
            return f"-{n()}"
        if kind == "pow":
            return f"({n()})^{draw(ints(0, 3))}"
        if kind == "agg":
            fn = choice(draw, [f for f in ("SUM", "AVERAGE", "MIN", "MAX", "COUNT",
                                                   "COUNTA", "PRODUCT", "MEDIAN") if self.has(f)]
                                      or ["SUM"])
            args = []
            for _ in range(draw(ints(1, 3))):
                if self.blocks and draw(BOOLS):
                    args.append(self._range(draw)[0])
                else:
                    args.append(n())
            return f"{fn}({','.join(args)})"
        if kind == "round":
            fn = choice(draw, ["ROUND", "ROUNDUP", "ROUNDDOWN", "TRUNC"])
            return f"{fn}({n()},{draw(ints(-1, 3))})"
        if kind == "abs":
            return f"ABS({n()})"
        if kind == "math":
            fn = choice(draw, ["INT", "SQRT", "MOD", "SIGN", "EXP", "LN", "MAX"])
            if fn == "MOD":
                return f"MOD({n()},{n()})"
            if fn == "EXP":
                return f"EXP(MIN({n()},50))"
            if fn == "MAX":
                return f"MAX({n()},{n()})"
            return f"{fn}({n()})"
        if kind == "stats":
            fn = choice(draw, ["STDEV", "VAR.P", "VARP", "STDEV.P", "AVERAGE"])
            return f"{fn}({n()},{n()},{n()})"
        if kind == "dist":
            fn = choice(draw, ["NORM.DIST", "NORM.S.DIST", "NORMSDIST", "NORM.INV", "LOGNORM.DIST",
                               "EXPON.DIST", "GAMMA.DIST", "BETA.DIST", "WEIBULL.DIST",
                               "T.DIST", "CHISQ.DIST", "POISSON.DIST", "BINOM.DIST"])
            flag = choice(draw, ["TRUE", "FALSE", "0", "1", "-1", f"-{n()}", n(), "A1>2"])
            p = f"MIN(MAX(ABS({n()})/(1+ABS({n()})),0.001),0.999)"   # a probability
            x, a, b = n(), f"(ABS({n()})+0.5)", f"(ABS({n()})+0.5)"
            return {"NORM.DIST": f"NORM.DIST({x},{n()},{a},{flag})",
                    "NORM.S.DIST": f"NORM.S.DIST({x},{flag})", "NORMSDIST": f"NORMSDIST({x})",
                    "NORM.INV": f"NORM.INV({p},{n()},{a})",
                    "LOGNORM.DIST": f"LOGNORM.DIST({a},{n()},{b},{flag})",
                    "EXPON.DIST": f"EXPON.DIST({a},{b},{flag})",
                    "GAMMA.DIST": f"GAMMA.DIST({a},{b},{a},{flag})",
                    "BETA.DIST": f"BETA.DIST({p},{a},{b},{flag})",
                    "WEIBULL.DIST": f"WEIBULL.DIST({a},{b},{a},{flag})",
                    "T.DIST": f"T.DIST({x},{a},{flag})", "CHISQ.DIST": f"CHISQ.DIST({a},{b},{flag})",
                    "POISSON.DIST": f"POISSON.DIST(INT({a}),{b},{flag})",
                    "BINOM.DIST": f"BINOM.DIST(INT({a}),INT({a})+3,{p},{flag})"}[fn]
        if kind == "fin":
            fn = choice(draw, ["NPV", "PMT", "PV", "FV"])
            r = f"(ABS({n()})/100)"
            if fn == "NPV":
                return f"NPV({r},{n()},{n()},{n()})"
            return f"{fn}({r},INT(ABS({n()}))+1,{n()})"
        if kind == "if":
            return f"IF({self._bool(draw, d)},{n()},{n()})"
        if kind == "iferror":
            return f"IFERROR({n()},{n()})"
        if kind == "bool":
            return f"({self._bool(draw, d)})*1"
        if kind == "choose":
            k = draw(ints(1, 3))
            return f"CHOOSE({k},{n()},{n()},{n()})"
        if kind == "len":
            return f"LEN({self._text(draw, d)})"
        if kind == "value":
            return f"VALUE({self._text(draw, d)})"
        if kind == "countif":
            rng = self._range(draw)[0]
            return f"COUNTIF({rng},{self._criterion(draw)})"
        if kind == "sumif":
            rng, shape = self._range(draw)
            if draw(BOOLS):
                other = self._range(draw, shape=shape)[0]
                return f"SUMIF({rng},{self._criterion(draw)},{other})"
            return f"SUMIF({rng},{self._criterion(draw)})"
        if kind == "index":
            rng, (h, w) = self._range(draw)
            return f"INDEX({rng},{draw(ints(1, h))},{draw(ints(1, w))})"
        if kind == "sumproduct":
            rng, shape = self._range(draw)
            other = self._range(draw, shape=shape)[0]
            return f"SUMPRODUCT({rng},{other})"
        if kind == "match":
            b = self.blocks[0]
            if draw(BOOLS):   # approximate match: only on the ascending column
                rng = self._range(draw, col=b.sorted_col)[0]
                return f"MATCH({n()},{rng},1)"
            rng = self._range(draw, one_col=True)[0]
            return f"MATCH({self._scalar(draw, d)},{rng},0)"
        if kind == "vlookup":
            rng, (_, w) = self._range(draw)
            return f"VLOOKUP({self._scalar(draw, d)},{rng},{draw(ints(1, w))},FALSE)"
        raise AssertionError(kind)

    def _criterion(self, draw) -> str:
        kind = choice(draw, ["num", "cmp", "text", "text", "ne"])
        if kind == "num":
            return num_literal(draw_number(draw))
        if kind == "cmp":
            op = choice(draw, [">", "<", ">=", "<=", "="])
            return text_literal(f"{op}{num_literal(draw_number(draw))}")
        if kind == "text":
            return text_literal(choice(draw, [w for w in WORDS if w.strip()]))
        return text_literal("<>" + choice(draw, ["a", "3", "x y"]))

    def _text(self, draw, depth: int) -> str:
        if depth <= 0 or draw(ints(0, 3)) == 0:
            if self.blocks and draw(BOOLS):
                return self._block_ref(draw)
            return text_literal(choice(draw, WORDS))
        d = depth - 1
        kind = choice(draw, ["left", "right", "mid", "concat", "amp", "upper", "lower",
                                     "trim", "if", "rept"])
        t = lambda: self._text(draw, d)  # noqa: E731
        if kind in ("left", "right"):
            return f"{kind.upper()}({t()},{draw(ints(0, 4))})"
        if kind == "mid":
            return f"MID({t()},{draw(ints(1, 3))},{draw(ints(0, 3))})"
        if kind == "concat":
            return f"CONCAT({t()},{self._scalar(draw, d)})"
        if kind == "amp":
            return f"({self._scalar(draw, d)}&{self._scalar(draw, d)})"
        if kind == "rept":
            return f"REPT({t()},{draw(ints(0, 3))})"
        if kind == "if":
            return f"IF({self._bool(draw, d)},{t()},{t()})"
        return f"{kind.upper()}({t()})"

    def _bool(self, draw, depth: int) -> str:
        d = max(depth - 1, 0)
        kind = choice(draw, ["cmp", "cmp", "cmp", "and", "not", "is", "lit"])
        if kind == "lit" or depth <= 0:
            if kind == "lit":
                return choice(draw, ["TRUE", "FALSE", "TRUE()", "FALSE()"])
            return f"{self._num_leaf(draw)}>{num_literal(draw_number(draw))}"
        if kind == "cmp":
            op = choice(draw, ["=", "<>", "<", ">", "<=", ">="])
            return f"{self._scalar(draw, d)}{op}{self._scalar(draw, d)}"
        if kind == "and":
            fn = choice(draw, ["AND", "OR"] + (["XOR"] if self.has("XOR") else []))
            return f"{fn}({self._bool(draw, d)},{self._bool(draw, d)})"
        if kind == "not":
            return f"NOT({self._bool(draw, d)})"
        fn = choice(draw, ["ISNUMBER", "ISTEXT", "ISBLANK", "ISERROR", "ISNA"]
                    + (["ISLOGICAL"] if self.logical_values else []))
        arg = self._block_ref(draw) if self.blocks and fn == "ISBLANK" else self._scalar(draw, d)
        return f"{fn}({arg})"

    def _scalar(self, draw, depth: int) -> str:
        """Any type: numbers mostly, then text and logicals (mixed types on purpose)."""
        kinds = ["num", "num", "num"] + (["bool"] if self.logical_values else []) + \
            (["text", "text"] if self.text else [])
        kind = choice(draw, kinds)
        if kind == "num":
            return self._num(draw, depth)
        if kind == "text":
            return self._text(draw, depth)
        return f"({self._bool(draw, depth)})"

    def draw_formula(self, draw, depth: int | None = None) -> str:
        """One formula (with its leading '='), of any result type, inside a composite."""
        d = draw(ints(1, self._max_depth if depth is None else depth))
        kinds = ["num", "num", "num", "scalar"] + (["text"] if self.text else [])
        kind = choice(draw, kinds)
        return "=" + {"num": self._num, "scalar": self._scalar, "text": self._text}[kind](draw, d)

    def formula(self, depth: int | None = None) -> st.SearchStrategy[str]:
        """One formula (with its leading '='), of any result type."""
        return as_strategy(self.draw_formula, depth)


def subformulas(formula: str) -> list[str]:
    """Every parenthesised group, function call and call argument of a formula, shortest first."""
    body = formula.lstrip("=")
    out: set[str] = set()
    stack: list[tuple[int, int]] = []     # (start of the call's name or '(', index of '(')
    in_str = False
    args: dict[int, list[int]] = {}
    for i, ch in enumerate(body):
        if ch == '"':
            in_str = not in_str
        if in_str:
            continue
        if ch == "(":
            j = i
            while j > 0 and (body[j - 1].isalnum() or body[j - 1] in "._"):
                j -= 1
            stack.append((j, i))
            args[i] = [i + 1]
        elif ch == "," and stack:
            args[stack[-1][1]].append(i + 1)
        elif ch == ")" and stack:
            start, open_ = stack.pop()
            out.add(body[start:i + 1])
            bounds = args.pop(open_) + [i + 1]
            for a, b in zip(bounds, bounds[1:], strict=False):
                arg = body[a:b - 1]
                if arg and not re.fullmatch(r"[-\d.E+]+|\"[^\"]*\"|('[^']+'!|[A-Za-z ]+!)?[A-Z]+\d+(:[A-Z]+\d+)?",
                                            arg):
                    out.add(arg)
    out.discard(body)
    return ["=" + s for s in sorted(out, key=len)]


# ------------------------------------------------------------------ raw xlsx writer
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '{sheets}</Types>')
SHEET_CT = ('<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


# functions newer than Excel 2007: files name them with a _xlfn. prefix
FUTURE_FUNCTIONS = frozenset("""
    CONCAT XOR IFS SWITCH TEXTJOIN MAXIFS MINIFS IFNA XLOOKUP XMATCH DAYS ISOWEEKNUM GAMMA
    GAUSS PHI COT COTH CSC CSCH SEC SECH ACOT ACOTH UNIQUE
""".split())
OLD_DOTTED = frozenset({"ERROR.TYPE"})   # every other dotted name is Excel 2010's
_CALL = re.compile(r"(?<![\w.])([A-Z][A-Z0-9]*(?:\.[A-Z0-9]+)+|[A-Z][A-Z0-9]*)\(")


def file_formula(text: str) -> str:
    """A formula as Excel writes it in the file: without '=', newer functions as _xlfn.NAME."""
    parts = text.lstrip("=").split('"')
    for i in range(0, len(parts), 2):     # outside string literals
        parts[i] = _CALL.sub(lambda m: ("_xlfn." if m.group(1) in FUTURE_FUNCTIONS
                                        or "." in m.group(1) and m.group(1) not in OLD_DOTTED
                                        else "") + m.group(0), parts[i])
    return '"'.join(parts)


def _cell_xml(ref: str, value: Any) -> str:
    if isinstance(value, Formula):
        cached = "" if value.cached is None else _cached_xml(value.cached)
        t = _cached_type(value.cached)
        return f'<c r="{ref}"{t}><f>{escape(file_formula(value.text))}</f>{cached}</c>'
    if value is None:
        return ""
    if isinstance(value, ErrorLiteral):
        return f'<c r="{ref}" t="e"><v>{escape(value.code)}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{num_literal(value)}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def _cached_type(v: Any) -> str:
    if v is None or (isinstance(v, int | float) and not isinstance(v, bool)):
        return ""
    if isinstance(v, bool):
        return ' t="b"'
    if isinstance(v, ErrorLiteral):
        return ' t="e"'
    return ' t="str"'


def _cached_xml(v: Any) -> str:
    if isinstance(v, bool):
        return f"<v>{int(v)}</v>"
    if isinstance(v, ErrorLiteral):
        return f"<v>{escape(v.code)}</v>"
    if isinstance(v, int | float):
        return f"<v>{num_literal(v)}</v>"
    return f"<v>{escape(str(v))}</v>"


@dataclass(frozen=True)
class Formula:
    text: str
    cached: Any = None


def sheet_xml(cells: dict[str, Any], dimension: str | None = None, extra: str = "") -> str:
    """A worksheet's XML from {'A1': value | Formula}; rows in order."""
    rows: dict[int, list[tuple[int, str]]] = {}
    for ref, v in cells.items():
        m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
        if m is None:
            raise ValueError(ref)
        col = 0
        for ch in m.group(1):
            col = col * 26 + ord(ch) - 64
        rows.setdefault(int(m.group(2)), []).append((col, _cell_xml(ref, v)))
    body = "".join(f'<row r="{r}">' + "".join(x for _, x in sorted(cs)) + "</row>"
                   for r, cs in sorted(rows.items()))
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}">{dim}<sheetData>{body}</sheetData>'
            f'{extra}</worksheet>')


def write_xlsx(path: Path, sheets: dict[str, dict[str, Any] | str],
               defined_names: dict[str, str] | None = None,
               calc_pr: str = "", workbook_xml: str | None = None,
               extra_parts: dict[str, bytes | str] | None = None) -> Path:
    """Write an .xlsx: {sheet name: {'A1': value | Formula} or the sheet's raw XML}."""
    names = list(sheets)
    wb_sheets = "".join(f'<sheet name="{escape(n, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                        for i, n in enumerate(names, start=1))
    dn = ""
    if defined_names:
        dn = "<definedNames>" + "".join(
            f'<definedName name="{escape(k, {chr(34): "&quot;"})}">{escape(v)}</definedName>'
            for k, v in defined_names.items()) + "</definedNames>"
    wbx = workbook_xml if workbook_xml is not None else (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_R}"><sheets>{wb_sheets}</sheets>{dn}'
        f'{calc_pr}</workbook>')
    rels = "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/'
                   f'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, len(names) + 1))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES.format(
            sheets="".join(SHEET_CT.format(i=i) for i in range(1, len(names) + 1))))
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", wbx)
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   f'relationships">{rels}</Relationships>')
        for i, n in enumerate(names, start=1):
            content = sheets[n]
            z.writestr(f"xl/worksheets/sheet{i}.xml",
                       content if isinstance(content, str) else sheet_xml(content))
        for part, data in (extra_parts or {}).items():
            z.writestr(part, data)
    return path


def block_cells(block: Block) -> dict[str, Any]:
    return {addr(r, c): v for (r, c), v in block.values.items()}
