"""Formula IR: typed nodes built from pycel's tokenizer and AST.

Stages (each cached and testable on its own)::

    text --pycel Tokenizer/ExcelFormula--> pycel AST --_Builder--> IR --cell_pass--> IR

References are resolved while building the IR (:mod:`engine._references`): sheet names to the
workbook's spelling, linked workbooks to their cached sheets, whole columns/rows clipped to the
cells the sheet holds (keeping their written size), defined names (sheet scope first) and
structured table references expanded to their own IR.  Every stage works on an explicit stack:
nesting depth is limited only by :data:`MAX_FORMULA_CHARS`.  Nothing in the IR is ever
executed as text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ._ir_nodes import (
    MAX_COL,
    MAX_ROW,
    Area,
    Array,
    BadRef,
    Binary,
    Bool,
    Call,
    Err,
    Missing,
    Node,
    Num,
    Ref,
    Str,
    Unary,
    children,
    clip,
)
from ._ir_passes import (
    ARRAY_ARGUMENTS,
    cell_pass,
    choose_branch,
    fold,
    height,
    height_at_most,
    if_branch,
    index_cell,
    intersect,
    offset_reference,
    spill_pass,
)
from ._pycel_tokens import LAMBDA_CALL, RANGE_OP, rewritten
from ._references import Resolver, parse_reference, span, split_reference
from ._structured import structured_reference
from .errors import FormulaError
from .values import ERROR_CODES
from .workbook import col_letters, col_number

if TYPE_CHECKING:
    from .workbook import CellRef

__all__ = [
    "ARRAY_ARGUMENTS", "MAX_COL", "MAX_FORMULA_CHARS", "MAX_ROW", "RANDOM", "VOLATILE", "Area",
    "Array", "BadRef", "Binary", "Bool", "Call", "Err", "Missing", "Node", "Num", "Ref",
    "Resolver", "Str", "Unary", "calls", "DYNAMIC_REFERENCES", "dynamic_references", "dynamic_sheets", "cell_pass", "children", "clip", "fold", "height", "height_at_most",
    "intersect", "parse_formula", "parse_reference", "read_references", "references",
    "split_sheet", "structured_reference", "unparse", "walk",
]

VOLATILE = frozenset({"RAND", "RANDBETWEEN", "RANDARRAY", "NOW", "TODAY", "OFFSET", "INDIRECT"})
RANDOM = frozenset({"RAND", "RANDBETWEEN", "RANDARRAY"})

# Excel stops at 8,192 characters; files written by scripts go beyond.  Every stage here is
# iterative, so this bounds memory and time, not the stack.
MAX_FORMULA_CHARS = 262_144
_MAX_NAME_DEPTH = 20

# Functions Excel lets take a 3-D reference (Sheet1:Sheet3!A1) or a union ((A1,B2)) as
# several arguments: their arguments are spliced in.
_VARIADIC = frozenset({
    "SUM", "SUMSQ", "PRODUCT", "AVERAGE", "AVERAGEA", "COUNT", "COUNTA", "MAX", "MAXA", "MIN",
    "MINA", "STDEV", "STDEV.S", "STDEV.P", "STDEVP", "STDEVA", "STDEVPA", "VAR", "VAR.S",
    "VAR.P", "VARP", "VARA", "VARPA", "MEDIAN", "AVEDEV", "DEVSQ", "GEOMEAN", "HARMEAN",
    "CONCAT", "AND", "OR", "XOR",
})


def walk(node: Node):
    """Yield every node of the tree, parents first."""
    stack = [node]
    while stack:
        x = stack.pop()
        yield x
        stack.extend(reversed(children(x)))


def calls(node: Node) -> set[str]:
    return {x.name for x in walk(node) if isinstance(x, Call)}


def references(node: Node) -> list[Ref | Area]:
    return [x for x in walk(node) if isinstance(x, Ref | Area)]


# Functions that look at where a reference is, not at what it holds.
_POSITION_ONLY = frozenset({"ROW", "COLUMN", "ROWS", "COLUMNS", "ISREF", "AREAS"})
# Functions whose result is a reference computed per evaluation: what they read is known only
# then (the model follows them when evaluating); their base reference is a position.
DYNAMIC_REFERENCES = frozenset({"OFFSET", "INDIRECT"})


def read_references(node: Node) -> list[Ref | Area]:
    """The references whose values evaluating ``node`` reads: those given straight to
    ROW/COLUMN/ROWS/COLUMNS (which look only at the position) and OFFSET's base (it is where
    OFFSET starts from, not a value it reads) are left out."""
    out: list[Ref | Area] = []
    stack = [node]
    while stack:
        x = stack.pop()
        if isinstance(x, Ref | Area):
            out.append(x)
        elif isinstance(x, Call) and x.name in _POSITION_ONLY:
            stack.extend(a for a in x.args if not isinstance(a, Ref | Area))
        elif isinstance(x, Call) and x.name == "CELL" and _cell_position_only(x):
            stack.extend(a for a in x.args if not isinstance(a, Ref | Area))
        elif isinstance(x, Call) and x.name == "OFFSET" and x.args:
            first = x.args[0]
            stack.extend(x.args[1:] if isinstance(first, Ref | Area) else x.args)
        else:
            stack.extend(children(x))
    return out


def _cell_position_only(node: Call) -> bool:
    """CELL("row"/"col"/"address"/"filename"/"format"...): the reference's place and number
    format, not its value (engine._cell; "contents" and "type" read the value)."""
    from ._cell import STATIC, info_type

    return info_type(node) in STATIC


def dynamic_references(node: Node) -> bool:
    """Whether ``node`` computes a reference while it runs (OFFSET, INDIRECT): what it
    reads is not in :func:`read_references`."""
    return any(isinstance(x, Call) and x.name in DYNAMIC_REFERENCES for x in walk(node))


def dynamic_sheets(node: Node) -> set[str] | None:
    """The sheets the OFFSETs of ``node`` may read (the sheet of each base); None when one
    could read any sheet (INDIRECT, an OFFSET of a computed reference)."""
    sheets: set[str] = set()
    for x in walk(node):
        if isinstance(x, Call) and x.name in DYNAMIC_REFERENCES:
            base = x.args[0] if x.name == "OFFSET" and x.args else None
            if isinstance(base, Ref):
                sheets.add(base.cell.sheet)
            elif isinstance(base, Area):
                sheets.add(base.sheet)
            else:
                return None
    return sheets


def split_sheet(text: str) -> tuple[str | None, str]:
    """'Sheet 1'!A1 -> ('Sheet 1', 'A1');  A1 -> (None, 'A1')."""
    rt = split_reference(text)
    if rt.first is None:
        return None, rt.addr
    return (rt.first if not rt.three_d else f"{rt.first}:{rt.last}"), rt.addr


# ------------------------------------------------------------------ parser
@lru_cache(maxsize=65536)
def _pycel_ast(text: str):
    from pycel.excelformula import ExcelFormula

    return ExcelFormula(rewritten(text)).ast


def parse_formula(text: str, sheet: str, resolver: Resolver, _depth: int = 0,
                  cell: CellRef | None = None, array: bool = False, cached: bool = True,
                  legacy: bool = False) -> Node:
    """Parse formula text (with or without a leading '=') into IR, in the context of ``sheet``.

    With ``cell`` (the formula's own cell) the IR is cut to what the formula reads
    (:func:`cell_pass`: implicit intersection unless ``array``, as a ``legacy`` formula has
    it where ``legacy``; constant INDEX and IF), and a formula repeated down a column is
    parsed once (:mod:`engine._parse_cache`; ``cached`` False parses it in full)."""
    if _depth > _MAX_NAME_DEPTH:
        raise FormulaError(f"defined names nested more than {_MAX_NAME_DEPTH} deep in {text!r}")
    if len(text) > MAX_FORMULA_CHARS:
        where = f"{cell}: " if cell is not None else ""
        raise FormulaError(f"{where}formula of {len(text):,} characters, above the limit of "
                           f"{MAX_FORMULA_CHARS:,}")
    if cell is not None and _depth == 0 and cached:
        node, ranges = resolver.formulas.get(
            text, sheet, cell.row, cell.col, array,
            lambda: _parse(text, sheet, resolver, _depth, cell), resolver.bounds)
    else:
        node, ranges = _parse(text, sheet, resolver, _depth, cell)
    if ranges and "ANCHORARRAY" in text.upper():  # A1#: the range A1 spilled into
        node = spill_pass(node, resolver.spill, resolver.bounds)
    if cell is not None and _depth == 0 and ranges:
        node = cell_pass(node, cell, array, legacy)
    return node


def _parse(text: str, sheet: str, resolver: Resolver, depth: int,
           cell: CellRef | None) -> tuple[Node, bool]:
    """The IR of formula text before the cell pass, and whether it holds a range."""
    src = text if text.startswith("=") else "=" + text
    try:
        ast = _pycel_ast(src)
    except Exception as exc:
        raise FormulaError(f"cannot parse formula {_short(text)!r}: {exc}") from exc
    if ast is None:
        raise FormulaError(f"empty formula {text!r}")
    builder = _Builder(sheet, resolver, depth, cell)
    node = builder.build(ast)
    return node, builder.ranges


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


class _Builder:
    """pycel AST -> IR, bottom-up on an explicit stack."""

    def __init__(self, sheet: str, resolver: Resolver, depth: int, cell: CellRef | None = None) -> None:
        self.sheet = sheet
        self.resolver = resolver
        self.depth = depth
        self.cell = cell
        self.ranges = False  # whether a range (or @) was built: cell_pass has work to do

    def build(self, root: Any) -> Node:
        from pycel.excelformula import FunctionNode, OperatorNode

        out: list[Any] = []
        stack: list[tuple[Any, bool]] = [(root, False)]
        while stack:
            node, ready = stack.pop()
            if not ready:
                kids = node.children if isinstance(node, FunctionNode | OperatorNode) else []
                stack.append((node, True))
                stack.extend((k, False) for k in reversed(kids))
                continue
            if isinstance(node, FunctionNode):
                k = len(node.children)
            elif isinstance(node, OperatorNode):
                k = len(node.children)
            else:
                out.append(self.leaf(node))
                continue
            args = out[len(out) - k:] if k else []
            del out[len(out) - k:]
            out.append(self.function(node, args) if isinstance(node, FunctionNode)
                       else self.operator(node, args))
        return out[0]

    def leaf(self, node: Any) -> Node:
        from pycel.excelformula import RangeNode

        if isinstance(node, RangeNode):
            got = self.reference(node.value)
            if not isinstance(got, Ref | Err | BadRef | Num | Str | Bool):
                self.ranges = True
            return got
        return self.operand(node)

    def operand(self, node: Any) -> Node:
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
        if text.upper() in ("TRUE", "FALSE"):   # true/false in lower case (Google Sheets'
            return Bool(text.upper() == "TRUE")   # files): a logical, never a name in Excel
        if text.startswith("@"):  # Excel's implicit intersection operator
            return Call("SINGLE", (self.reference(text[1:]),))
        ref = parse_reference(text, self.sheet, self.resolver)
        if ref is not None:
            return ref
        try:
            rt = split_reference(text)
        except ValueError as exc:
            return BadRef(text, str(exc))
        if rt.book is not None and rt.first is None:  # [1]!Name
            got = self.resolver.external_name(rt.book, rt.addr, text)
            if not isinstance(got, tuple):
                return got
            target, resolver, sheet = got
            return parse_formula(target, sheet, resolver, self.depth + 1)
        scope = self.sheet
        if rt.first is not None:
            real = self.resolver.sheet(rt.first, self.sheet, text, rt.book)
            if not isinstance(real, str):
                return real
            scope = real
        if rt.addr[:1] == "_" and rt.first is None:  # LAMBDA/LET names: engine.functions.lambdas
            from .functions.lambdas import name_node
            bound = name_node(rt.addr)
            if bound is not None:
                return bound
        target = self.resolver.name(rt.addr, scope)
        if target is None:
            table = structured_reference(text, self.resolver, self.cell)
            if table is not None:
                return table
            if "[" in text:
                return BadRef(text, "structured reference to an unknown table or column")
            return Err(ERROR_CODES["#NAME?"])
        if self.cell is not None:
            target = name_at(target, self.cell.row, self.cell.col)
        return parse_formula(target, scope, self.resolver, self.depth + 1, cell=self.cell)

    def operator(self, node: Any, kids: list[Node]) -> Node:
        op = node.value
        if node.type in ("OPERATOR-PREFIX", "OPERATOR-POSTFIX"):
            return Unary(op, kids[0])
        if op == ":" and len(kids) == 2:
            left, right = kids
            if isinstance(left, Ref | Area) and isinstance(right, Ref | Area):
                got = span(left, right)
                return clip(got, *self.resolver.bounds(got.sheet)) if isinstance(got, Area) else got
            return Binary(":", left, right)
        if op in ("", " ") and len(kids) == 2:
            return Binary(" ", kids[0], kids[1])
        if op == ",":
            return Call("_UNION", tuple(_spliced(kids)))
        return Binary(op, kids[0], kids[1])

    def function(self, node: Any, args: list[Node]) -> Node:
        name = node.value.upper().rstrip("(")
        for prefix in ("_XLFN._XLWS.", "_XLFN.", "_XLWS."):
            if name.startswith(prefix):
                name = name[len(prefix):]
        if name == "ANCHORARRAY":  # A1#: resolved by spill_pass once the cell is known
            self.ranges = True
        if name == "ARRAY":
            return Array(tuple(row.rows[0] if isinstance(row, Array) else (row,) for row in args))
        if name == "ARRAYROW":
            return Array((tuple(args),))
        if name in _VARIADIC:
            args = _spliced(args)
        if name == "INDEX":  # INDEX(range, 2, 3): the cell itself (what it reads, a reference)
            return index_cell(tuple(args)) or Call(name, tuple(args))
        if name == "IF":  # IF(TRUE, a, b): the branch taken
            return if_branch(tuple(args)) or Call(name, tuple(args))
        if name == "CHOOSE":  # CHOOSE(2, a, b): the value taken (a reference stays one)
            return choose_branch(tuple(args)) or Call(name, tuple(args))
        if name == "OFFSET":  # OFFSET(A1, 1, 0): the cell it names, not the base
            return offset_reference(tuple(args)) or Call(name, tuple(args))
        if name == "LET":  # LET(b, B3:B9, ROW(b)): ROW/COLUMN of the range b names
            from ._let_references import let_row_references

            args = list(let_row_references(tuple(args)))
        if name == "INDIRECT":  # INDIRECT("1:30"): the reference its constant text names
            from ._indirect_const import indirect_reference

            return indirect_reference(tuple(args), self.sheet, self.resolver) or Call(name, tuple(args))
        if name == RANGE_OP and len(args) == 2:  # OFFSET(A1,1,1):OFFSET(A1,5,1)
            left, right = args
            if isinstance(left, Ref | Area) and isinstance(right, Ref | Area):
                got = span(left, right)
                return clip(got, *self.resolver.bounds(got.sheet)) if isinstance(got, Area) else got
            return Binary(":", left, right)
        if name == LAMBDA_CALL and args:  # LAMBDA(x, x+1)(1)
            return _bound(args[0], args[1:]) or Call(name, tuple(args))
        if name.startswith("_XLPM."):  # LET(f, LAMBDA(x, x+1), f(2)): a bound LAMBDA called
            from .functions.lambdas import name_node

            return Call(LAMBDA_CALL, (name_node(name) or Err(ERROR_CODES["#NAME?"]), *args))
        named = self.named_lambda(name, args)
        return named if named is not None else Call(name, tuple(args))

    def named_lambda(self, name: str, args: list[Node]) -> Node | None:
        """``=week()`` where the defined name WEEK is ``LAMBDA(x, ..., body)``: the body with
        the parameters bound to the arguments (as LET binds them); None for other names."""
        target = self.resolver.name(name, self.sheet)
        if target is None or not _LAMBDA_TEXT.match(target):
            return None
        lam = parse_formula(target, self.sheet, self.resolver, self.depth + 1)
        return _bound(lam, args)


def _bound(lam: Node, args: list[Node]) -> Node | None:
    """A LAMBDA written out, called with ``args``: its body with the parameters bound to
    them as LET binds them (#VALUE! for a wrong count); None when ``lam`` is no LAMBDA."""
    if not (isinstance(lam, Call) and lam.name == "LAMBDA" and lam.args):
        return None
    params = lam.args[:-1]
    if len(params) != len(args):
        return Err(ERROR_CODES["#VALUE!"])
    if not params:
        return lam.args[-1]
    bound = [x for pair in zip(params, args, strict=True) for x in pair]
    return Call("LET", (*bound, lam.args[-1]))


_LAMBDA_TEXT = re.compile(r"=?\s*(_xlfn\.)?LAMBDA\(", re.IGNORECASE)

# a cell reference in a defined name's text (after a sheet's "!" too), not part of a name
_NAME_CELL = re.compile(r"(?<![A-Za-z0-9_.$])(\$?)([A-Za-z]{1,3})(\$?)([0-9]{1,7})(?![A-Za-z0-9_(!])")


def name_at(text: str, row: int, col: int) -> str:
    """A defined name's text as the cell (row, col) reads it.  The file writes a relative
    reference in a name as seen from A1 (``lastyear`` = ``Sheet1!A1048576`` defined from B7
    for "the cell above"); a formula in another cell reads it moved by that cell's distance
    from A1, wrapping around the sheet's edges as Excel does.  Absolute coordinates, text
    in quotes (strings, quoted sheet names) and names without a relative reference are left
    as they are."""
    if not _NAME_CELL.search(text):
        return text

    def sub(m: re.Match[str]) -> str:
        cabs, letters, rabs, digits = m.groups()
        c, r = col_number(letters), int(digits)
        if not (1 <= c <= MAX_COL and 1 <= r <= MAX_ROW):
            return m.group(0)
        if not cabs:
            letters = col_letters((c - 1 + col - 1) % MAX_COL + 1)
        if not rabs:
            digits = str((r - 1 + row - 1) % MAX_ROW + 1)
        return f"{cabs}{letters}{rabs}{digits}"

    parts = re.split(r"(\"[^\"]*\"|'[^']*')", text)  # odd parts: quoted, left alone
    return "".join(p if i % 2 else _NAME_CELL.sub(sub, p) for i, p in enumerate(parts))


def _spliced(args: list[Node]) -> list[Node]:
    out: list[Node] = []
    for a in args:
        if isinstance(a, Call) and a.name == "_UNION":
            out.extend(a.args)
        else:
            out.append(a)
    return out


# ------------------------------------------------------------------ unparse
def unparse(node: Node, sheet: str | None = None) -> str:
    """Render IR back as formula text (for messages and the disassembler)."""
    from .values import ERROR_NAMES

    def post(x: Any, kids: list[str], ctx: Any) -> str:
        if isinstance(x, Num):
            return f"{x.value:g}"
        if isinstance(x, Str):
            return '"' + x.value.replace('"', '""') + '"'
        if isinstance(x, Bool):
            return "TRUE" if x.value else "FALSE"
        if isinstance(x, Err):
            return ERROR_NAMES[x.code]
        if isinstance(x, Missing):
            return ""
        if isinstance(x, Ref):
            return str(x.cell) if x.cell.sheet != sheet else x.cell.coordinate
        if isinstance(x, Area):
            return str(x)
        if isinstance(x, Unary):
            return f"{kids[0]}%" if x.op == "%" else f"{x.op}{kids[0]}"
        if isinstance(x, Binary):
            return f"({kids[0]}{x.op}{kids[1]})"
        if isinstance(x, Call):
            return f"{x.name}({','.join(kids)})"
        if isinstance(x, Array):
            it = iter(kids)
            return "{" + ";".join(",".join(next(it) for _ in row) for row in x.rows) + "}"
        if isinstance(x, BadRef):
            return x.text
        raise TypeError(x)

    return fold(node, post)
