"""Formula IR: typed nodes built from pycel's tokenizer and AST.

Stages (each cached and testable on its own)::

    text --pycel Tokenizer/ExcelFormula--> pycel AST --to_ir--> IR nodes (this module)

References are resolved while building the IR: sheet names to the workbook's spelling,
whole columns/rows bounded to the sheet's used range, defined names (sheet scope first)
expanded to their own IR.  Nothing in the IR is ever executed as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from .errors import FormulaError
from .values import ERROR_CODES
from .workbook import CellRef, col_letters, col_number, quote_sheet

if TYPE_CHECKING:
    from .workbook import Workbook


@dataclass(frozen=True, slots=True)
class Num:
    value: float


@dataclass(frozen=True, slots=True)
class Str:
    value: str


@dataclass(frozen=True, slots=True)
class Bool:
    value: bool


@dataclass(frozen=True, slots=True)
class Err:
    code: int


@dataclass(frozen=True, slots=True)
class Missing:
    """An omitted function argument, as in ``IF(A1,,2)``."""


@dataclass(frozen=True, slots=True)
class Ref:
    cell: CellRef


@dataclass(frozen=True, slots=True)
class Area:
    sheet: str
    r1: int
    c1: int
    r2: int
    c2: int

    def __str__(self) -> str:
        return (f"{quote_sheet(self.sheet)}!{col_letters(self.c1)}{self.r1}:"
                f"{col_letters(self.c2)}{self.r2}")

    @property
    def shape(self) -> tuple[int, int]:
        return self.r2 - self.r1 + 1, self.c2 - self.c1 + 1

    def cells(self) -> list[list[CellRef]]:
        return [[CellRef(self.sheet, r, c) for c in range(self.c1, self.c2 + 1)]
                for r in range(self.r1, self.r2 + 1)]


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # '-', '+', '%'
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # + - * / ^ & = <> < <= > >= and ':' (range) ' ' (intersection)
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Call:
    name: str  # upper case, '_xlfn.' prefix removed
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Array:
    rows: tuple[tuple[Node, ...], ...]


@dataclass(frozen=True, slots=True)
class BadRef:
    """A reference that cannot be resolved (#REF!, unknown sheet, external workbook)."""

    text: str
    reason: str


Node = Num | Str | Bool | Err | Missing | Ref | Area | Unary | Binary | Call | Array | BadRef

VOLATILE = frozenset({"RAND", "RANDBETWEEN", "RANDARRAY", "NOW", "TODAY", "OFFSET", "INDIRECT"})
RANDOM = frozenset({"RAND", "RANDBETWEEN", "RANDARRAY"})


def walk(node: Node):
    """Yield every node of the tree, parents first."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, Unary):
            stack.append(n.operand)
        elif isinstance(n, Binary):
            stack.extend((n.right, n.left))
        elif isinstance(n, Call):
            stack.extend(reversed(n.args))
        elif isinstance(n, Array):
            for row in reversed(n.rows):
                stack.extend(reversed(row))


def calls(node: Node) -> set[str]:
    return {n.name for n in walk(node) if isinstance(n, Call)}


def references(node: Node) -> list[Ref | Area]:
    return [n for n in walk(node) if isinstance(n, Ref | Area)]


# ------------------------------------------------------------------ references
_CELL = r"\$?([A-Za-z]{1,3})\$?(\d+)"
_RE_CELL = re.compile(rf"^{_CELL}$")
_RE_RANGE = re.compile(rf"^{_CELL}:{_CELL}$")
_RE_COLS = re.compile(r"^\$?([A-Za-z]{1,3}):\$?([A-Za-z]{1,3})$")
_RE_ROWS = re.compile(r"^\$?(\d+):\$?(\d+)$")
MAX_ROW, MAX_COL = 1_048_576, 16_384


def split_sheet(text: str) -> tuple[str | None, str]:
    """'Sheet 1'!A1 -> ('Sheet 1', 'A1');  A1 -> (None, 'A1')."""
    if "!" not in text:
        return None, text
    sheet, _, addr = text.rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, addr


class Resolver:
    """Resolves reference text against a workbook (or a fixed used range for tests)."""

    def __init__(self, workbook: Workbook) -> None:
        self.wb = workbook

    def sheet(self, name: str | None, default: str, text: str) -> str | Node:
        if name is None:
            return default
        if name.startswith("["):
            return BadRef(text, "reference to an external workbook")
        real = self.wb.sheet_name(name)
        if real is None:
            return BadRef(text, f"no sheet named {name!r}")
        return real

    def bounds(self, sheet: str) -> tuple[int, int]:
        s = self.wb.sheets[sheet]
        return max(s.max_row, 1), max(s.max_col, 1)

    def name(self, name: str, sheet: str) -> str | None:
        key = name.upper()
        local = self.wb.sheets[sheet].names.get(key) if sheet in self.wb.sheets else None
        return local if local is not None else self.wb.names.get(key)


def parse_reference(text: str, default_sheet: str, resolver: Resolver) -> Node | None:
    """Parse a reference operand. Returns None when the text is not a cell/range (a name)."""
    sheet_txt, addr = split_sheet(text)
    if addr.upper() == "#REF!":
        return Err(ERROR_CODES["#REF!"])
    m = _RE_CELL.match(addr)
    m2 = _RE_RANGE.match(addr) if m is None else None
    m3 = _RE_COLS.match(addr) if m is None and m2 is None else None
    m4 = _RE_ROWS.match(addr) if m is None and m2 is None and m3 is None else None
    if not (m or m2 or m3 or m4):
        return None
    sheet = resolver.sheet(sheet_txt, default_sheet, text)
    if not isinstance(sheet, str):
        return sheet
    if m:
        row, col = int(m.group(2)), col_number(m.group(1))
        if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
            return None
        return Ref(CellRef(sheet, row, col))
    max_row, max_col = resolver.bounds(sheet)
    if m2:
        c1, r1, c2, r2 = col_number(m2.group(1)), int(m2.group(2)), col_number(m2.group(3)), int(m2.group(4))
    elif m3:
        c1, c2 = col_number(m3.group(1)), col_number(m3.group(2))
        r1, r2 = 1, max_row  # whole columns, bounded to the used range
    else:
        r1, r2 = int(m4.group(1)), int(m4.group(2))
        c1, c2 = 1, max_col
    r1, r2 = sorted((r1, r2))
    c1, c2 = sorted((c1, c2))
    if r1 == r2 and c1 == c2 and not (m3 or m4):
        return Area(sheet, r1, c1, r2, c2)
    return Area(sheet, r1, c1, r2, c2)


# ------------------------------------------------------------------ parser
@lru_cache(maxsize=65536)
def _pycel_ast(text: str):
    from pycel.excelformula import ExcelFormula

    return ExcelFormula(text).ast


def parse_formula(text: str, sheet: str, resolver: Resolver, _depth: int = 0,
                  cell: CellRef | None = None) -> Node:
    """Parse formula text (with or without a leading '=') into IR, in the context of ``sheet``
    (and of ``cell``, for structured references to the current table row)."""
    if _depth > 20:
        raise FormulaError(f"defined names nested too deeply in {text!r}")
    src = text if text.startswith("=") else "=" + text
    try:
        ast = _pycel_ast(src)
    except Exception as exc:
        raise FormulaError(f"cannot parse formula {text!r}: {exc}") from exc
    if ast is None:
        raise FormulaError(f"empty formula {text!r}")
    return _Builder(sheet, resolver, _depth, cell).build(ast)


class _Builder:
    def __init__(self, sheet: str, resolver: Resolver, depth: int, cell: CellRef | None = None) -> None:
        self.sheet = sheet
        self.resolver = resolver
        self.depth = depth
        self.cell = cell

    def build(self, node) -> Node:
        from pycel.excelformula import FunctionNode, OperatorNode, RangeNode

        if isinstance(node, FunctionNode):
            return self.function(node)
        if isinstance(node, OperatorNode):
            return self.operator(node)
        if isinstance(node, RangeNode):
            return self.reference(node.value)
        return self.operand(node)

    def operand(self, node) -> Node:
        sub, value = node.subtype, node.value
        if sub == "NUMBER":
            return Num(float(value))
        if sub == "TEXT":
            if value.startswith('"') and value.endswith('"'):
                value = value[1:-1]
            return Str(value.replace('""', '"'))
        if sub == "LOGICAL":
            return Bool(value.upper() == "TRUE")
        if sub == "ERROR":
            return Err(ERROR_CODES.get(value.upper(), ERROR_CODES["#VALUE!"]))
        if sub == "EMPTY" or value == "":
            return Missing()
        raise FormulaError(f"unexpected operand {value!r}")

    def reference(self, text: str) -> Node:
        ref = parse_reference(text, self.sheet, self.resolver)
        if ref is not None:
            return ref
        sheet_txt, name = split_sheet(text)
        scope = self.sheet
        if sheet_txt is not None:
            real = self.resolver.wb.sheet_name(sheet_txt)
            if real is None:
                return BadRef(text, f"no sheet named {sheet_txt!r}")
            scope = real
        target = self.resolver.name(name, scope)
        if target is None:
            table = structured_reference(text, self.resolver, self.cell)
            if table is not None:
                return table
            if "[" in text:
                return BadRef(text, "structured reference to an unknown table or column")
            return Err(ERROR_CODES["#NAME?"])
        return parse_formula(target, scope, self.resolver, self.depth + 1)

    def operator(self, node) -> Node:
        op = node.value
        kids = [self.build(c) for c in node.children]
        if node.type == "OPERATOR-PREFIX":
            return Unary(op, kids[0])
        if node.type == "OPERATOR-POSTFIX":
            return Unary(op, kids[0])
        if op == ":" and len(kids) == 2:
            left, right = kids
            if isinstance(left, Ref | Area) and isinstance(right, Ref | Area):
                return _span(left, right)
            return Binary(":", left, right)
        if op in ("", " ") and len(kids) == 2:
            return Binary(" ", kids[0], kids[1])
        if op == ",":
            return Call("_UNION", tuple(kids))
        return Binary(op, kids[0], kids[1])

    def function(self, node) -> Node:
        name = node.value.upper().rstrip("(")
        for prefix in ("_XLFN._XLWS.", "_XLFN.", "_XLWS."):
            if name.startswith(prefix):
                name = name[len(prefix):]
        if name == "ARRAY":
            return Array(tuple(tuple(self.build(c) for c in row.children) for row in node.children))
        if name == "ARRAYROW":
            return Array((tuple(self.build(c) for c in node.children),))
        args = tuple(self.build(c) for c in node.children)
        return Call(name, args)


_SPECIALS = {"#ALL", "#DATA", "#HEADERS", "#TOTALS", "#THIS ROW"}


def structured_reference(text: str, resolver: Resolver, cell: CellRef | None) -> Node | None:
    """Table1, Table1[col], Table1[[#This Row],[a]:[b]], [@col], Table1[#Totals] -> Area."""
    tables = resolver.wb.tables
    name, _, spec = text.partition("[")
    spec = ("[" + spec) if spec else ""
    if name:
        table = tables.get(name.upper())
    else:  # unqualified: the table that contains the formula
        table = next((t for t in tables.values() if cell is not None and t.sheet == cell.sheet
                      and t.r1 <= cell.row <= t.r2 and t.c1 <= cell.col <= t.c2), None)
    if table is None:
        return None
    inner = spec[1:-1] if spec.startswith("[") and spec.endswith("]") else ""
    items = re.findall(r"\[([^\]]*)\]|(:)", inner) if inner.startswith("[") else [(inner, "")]
    specials: set[str] = set()
    cols: list[int] = []
    pending_span = False
    for item, colon in items:
        if colon:
            pending_span = True
            continue
        item = item.strip()
        if item.startswith("@"):
            specials.add("#THIS ROW")
            item = item[1:].strip().strip("[]")
            if not item:
                continue
        if item.upper() in _SPECIALS:
            specials.add(item.upper())
            continue
        if not item:
            continue
        idx = next((i for i, c in enumerate(table.columns) if c.casefold() == item.replace("'", "").casefold()), None)
        if idx is None:
            return BadRef(text, f"table {table.name} has no column {item!r}")
        if pending_span and cols:
            lo, hi = sorted((cols[-1], idx))
            cols.extend(range(lo, hi + 1))
            pending_span = False
        else:
            cols.append(idx)
    data_r1 = table.r1 + table.header_rows
    data_r2 = table.r2 - table.totals_rows
    if "#THIS ROW" in specials:
        if cell is None or not (data_r1 <= cell.row <= data_r2):
            return Err(ERROR_CODES["#VALUE!"])
        r1 = r2 = cell.row
    elif "#ALL" in specials:
        r1, r2 = table.r1, table.r2
    else:
        rows = []
        if "#HEADERS" in specials and table.header_rows:
            rows += [table.r1]
        if "#DATA" in specials or not (specials & {"#HEADERS", "#TOTALS"}):
            rows += [data_r1, data_r2]
        if "#TOTALS" in specials and table.totals_rows:
            rows += [table.r2]
        if not rows:
            return Err(ERROR_CODES["#REF!"])
        r1, r2 = min(rows), max(rows)
    c1 = table.c1 + (min(cols) if cols else 0)
    c2 = table.c1 + (max(cols) if cols else len(table.columns) - 1)
    if r1 == r2 and c1 == c2:
        return Ref(CellRef(table.sheet, r1, c1))
    return Area(table.sheet, r1, c1, r2, c2)


def _span(a: Ref | Area, b: Ref | Area) -> Node:
    def box(x):
        if isinstance(x, Ref):
            return x.cell.sheet, x.cell.row, x.cell.col, x.cell.row, x.cell.col
        return x.sheet, x.r1, x.c1, x.r2, x.c2

    s1, r1, c1, r2, c2 = box(a)
    s2, r3, c3, r4, c4 = box(b)
    if s1 != s2:
        return BadRef(f"{a}:{b}", "a range cannot span two sheets")
    return Area(s1, min(r1, r3), min(c1, c3), max(r2, r4), max(c2, c4))


def unparse(node: Node, sheet: str | None = None) -> str:
    """Render IR back as formula text (for messages and the disassembler)."""
    if isinstance(node, Num):
        return f"{node.value:g}"
    if isinstance(node, Str):
        return '"' + node.value.replace('"', '""') + '"'
    if isinstance(node, Bool):
        return "TRUE" if node.value else "FALSE"
    if isinstance(node, Err):
        from .values import ERROR_NAMES
        return ERROR_NAMES[node.code]
    if isinstance(node, Missing):
        return ""
    if isinstance(node, Ref):
        return str(node.cell) if node.cell.sheet != sheet else node.cell.coordinate
    if isinstance(node, Area):
        return str(node)
    if isinstance(node, Unary):
        return f"{unparse(node.operand, sheet)}%" if node.op == "%" else f"{node.op}{unparse(node.operand, sheet)}"
    if isinstance(node, Binary):
        return f"({unparse(node.left, sheet)}{node.op}{unparse(node.right, sheet)})"
    if isinstance(node, Call):
        return f"{node.name}({','.join(unparse(a, sheet) for a in node.args)})"
    if isinstance(node, Array):
        return "{" + ";".join(",".join(unparse(c, sheet) for c in row) for row in node.rows) + "}"
    if isinstance(node, BadRef):
        return node.text
    raise TypeError(node)
