"""The IR's node types (private; import them from :mod:`engine.ir`)."""

from __future__ import annotations

from dataclasses import dataclass

from .workbook import CellRef, col_letters, quote_sheet

MAX_ROW, MAX_COL = 1_048_576, 16_384


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
    """A rectangle of cells.  ``r1..r2, c1..c2`` are the cells read (clipped to the cells the
    sheet holds, so that ``A:A`` or ``A1:XFD1048576`` costs what the sheet holds); ``rows`` and
    ``cols``, when set, are the size the formula wrote (``ROWS(A:A)`` is 1048576): the cells
    past the clipped part are all empty."""

    sheet: str
    r1: int
    c1: int
    r2: int
    c2: int
    rows: int = 0
    cols: int = 0

    def __str__(self) -> str:
        nr, nc = self.declared_shape
        return (f"{quote_sheet(self.sheet)}!{col_letters(self.c1)}{self.r1}:"
                f"{col_letters(self.c1 + nc - 1)}{self.r1 + nr - 1}")

    @property
    def shape(self) -> tuple[int, int]:
        """The shape of the cells read (see ``declared_shape`` for the written size)."""
        return self.r2 - self.r1 + 1, self.c2 - self.c1 + 1

    @property
    def declared_shape(self) -> tuple[int, int]:
        return (self.rows or self.r2 - self.r1 + 1), (self.cols or self.c2 - self.c1 + 1)

    @property
    def last_row(self) -> int:
        return self.r1 + self.declared_shape[0] - 1

    @property
    def last_col(self) -> int:
        return self.c1 + self.declared_shape[1] - 1

    def cells(self) -> list[list[CellRef]]:
        return [[CellRef(self.sheet, r, c) for c in range(self.c1, self.c2 + 1)]
                for r in range(self.r1, self.r2 + 1)]


def clip(area: Area, max_row: int, max_col: int) -> Area:
    """``area`` reading only the part inside rows 1..max_row, columns 1..max_col (at least
    one cell), with its written size kept."""
    nr, nc = area.declared_shape
    r2 = max(area.r1, min(area.r1 + nr - 1, max_row))
    c2 = max(area.c1, min(area.c1 + nc - 1, max_col))
    if (r2, c2) == (area.r1 + nr - 1, area.c1 + nc - 1):
        return Area(area.sheet, area.r1, area.c1, r2, c2)
    return Area(area.sheet, area.r1, area.c1, r2, c2,
                nr if r2 - area.r1 + 1 != nr else 0, nc if c2 - area.c1 + 1 != nc else 0)


# a range written past its sheet's cells is read with its empty cells up to its written size
# (Excel's ``{=SUM(IF(B2:B99="",1,0))}`` counts them, ``ROW(B2:B99)`` has 98 rows) along an
# axis written at most PAD_LINES long (engine.compiler.WRITTEN_ROWS_CAP: ROW() of a longer
# one, a whole column, keeps the sheet's part) and PAD_CELLS cells in all (else the part)
PAD_LINES = 65_536
PAD_CELLS = 1_048_576
# and at most PAD_ADDED empty cells added: a range written far past its sheet's cells
# (``SUMIF($A$2:$A$65536, ..)`` over 300 rows, read by every copy of the formula) keeps the
# part the sheet holds, as before (reading 65,000 blanks each time made a 1.2 s check 56 s)
PAD_ADDED = 4_096


def padded(area: Area, max_row: int, max_col: int) -> Area:
    """The cells read of ``area`` (numpy's ``Env.area``, numba's array elements): its part
    inside rows 1..max_row, columns 1..max_col (:func:`clip`), then the empty cells past it
    up to its written size along each axis written at most PAD_LINES long (the part alone
    where that makes more than PAD_CELLS cells, or adds more than PAD_ADDED empty ones); its
    written size kept."""
    part = clip(area, max_row, max_col)
    nr, nc = area.declared_shape
    rows, cols = part.shape
    rows = nr if nr <= PAD_LINES else rows
    cols = nc if nc <= PAD_LINES else cols
    if (rows, cols) == part.shape or rows * cols > PAD_CELLS \
            or rows * cols - part.shape[0] * part.shape[1] > PAD_ADDED:
        return part
    return Area(area.sheet, area.r1, area.c1, area.r1 + rows - 1, area.c1 + cols - 1,
                nr if rows != nr else 0, nc if cols != nc else 0)


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


def children(n: Node) -> tuple[Node, ...]:
    """The direct sub-nodes of ``n``, left to right."""
    if isinstance(n, Unary):
        return (n.operand,)
    if isinstance(n, Binary):
        return (n.left, n.right)
    if isinstance(n, Call):
        return n.args
    if isinstance(n, Array):
        return tuple(c for row in n.rows for c in row)
    return ()


def rebuild(n: Node, kids: list[Node]) -> Node:
    """``n`` with its sub-nodes replaced by ``kids`` (same order as :func:`children`)."""
    if isinstance(n, Unary):
        return n if kids[0] is n.operand else Unary(n.op, kids[0])
    if isinstance(n, Binary):
        if kids[0] is n.left and kids[1] is n.right:
            return n
        return Binary(n.op, kids[0], kids[1])
    if isinstance(n, Call):
        return n if all(a is b for a, b in zip(kids, n.args, strict=True)) else Call(n.name, tuple(kids))
    if isinstance(n, Array):
        it = iter(kids)
        return Array(tuple(tuple(next(it) for _ in row) for row in n.rows))
    return n
