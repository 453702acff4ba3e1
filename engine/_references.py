"""Reference text as Excel writes it, split into its parts (private to :mod:`engine.ir`).

pycel's tokenizer hands a whole reference over as one operand; this module takes it apart
without regular expressions over the quoted parts::

    A1   $A$1   A1:B2   C:E   $A:$A   3:5   Name
    Sheet1!A1   'My Sheet'!A1:B2   Sheet1!Name
    'Inputs and Outputs'!C181:'Inputs and Outputs'!AA181     (both ends qualified)
    Sheet1:Sheet3!A1   'Jan:Mar'!B2:C4                        (3-D: the sheets between)
    [1]Sheet1!A1   '[1]My Sheet'!A1   [Book.xlsx]Sheet!A1   'C:\\dir\\[Book.xlsx]S'!A1
    [1]!Name                                                   (a name of linked workbook 1)

Nothing here touches a workbook: :func:`split_reference` returns the parts as text and
:mod:`engine.ir` resolves them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import _ir_nodes as n
from ._parse_cache import ParseCache
from .values import ERROR_CODES
from .workbook import CellRef, col_number

if TYPE_CHECKING:
    from ._ir_nodes import Node
    from .workbook import Workbook

_CELL = r"\$?([A-Za-z]{1,3})\$?(\d+)"
RE_CELL = re.compile(rf"^{_CELL}$")
RE_RANGE = re.compile(rf"^{_CELL}:{_CELL}$")
RE_COLS = re.compile(r"^\$?([A-Za-z]{1,3}):\$?([A-Za-z]{1,3})$")
RE_ROWS = re.compile(r"^\$?(\d+):\$?(\d+)$")


@dataclass(frozen=True, slots=True)
class RefText:
    """One reference: the linked book ('1' or 'Book.xlsx', None for this workbook), the first
    and last sheet (None: the formula's own sheet; last differs from first for 3-D references)
    and the address or name after the '!'."""

    book: str | None
    first: str | None
    last: str | None
    addr: str

    @property
    def three_d(self) -> bool:
        return self.first is not None and self.last is not None and self.first != self.last


class ReferenceSyntaxError(ValueError):
    """The text is not a reference Excel writes (e.g. a range spanning two sheets)."""


def _pieces(text: str, sep: str) -> list[str]:
    """Split at ``sep`` outside 'quotes' and [brackets]."""
    out: list[str] = []
    cur: list[str] = []
    quoted = False
    depth = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if quoted:
            cur.append(ch)
            if ch == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    cur.append("'")
                    i += 1
                else:
                    quoted = False
        elif ch == "'" and depth:  # inside [ ]: ' escapes the next character
            cur.append(text[i:i + 2])
            i += 1
        elif ch == "'":
            quoted = True
            cur.append(ch)
        elif ch == "[":
            depth += 1
            cur.append(ch)
        elif ch == "]":
            depth = max(depth - 1, 0)
            cur.append(ch)
        elif ch == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    if quoted:
        raise ReferenceSyntaxError(f"unbalanced quote in {text!r}")
    out.append("".join(cur))
    return out


def _unquote(prefix: str) -> str:
    if len(prefix) >= 2 and prefix.startswith("'") and prefix.endswith("'"):
        return prefix[1:-1].replace("''", "'")
    return prefix


def _prefix_parts(prefix: str) -> tuple[str | None, str | None, str | None]:
    """'[1]Sheet1' -> ('1', 'Sheet1', 'Sheet1'); 'Jan:Mar' -> (None, 'Jan', 'Mar');
    'C:\\dir\\[Book.xlsx]S' -> ('Book.xlsx', 'S', 'S'); '[1]' -> ('1', None, None)."""
    raw = _unquote(prefix)
    book = None
    if "[" in raw and "]" in raw:
        lb, rb = raw.index("["), raw.index("]")
        if lb < rb:
            book, raw = raw[lb + 1:rb], raw[rb + 1:]
    if not raw:
        return book, None, None
    parts = _pieces(raw, ":") if ":" in raw else [raw]
    if len(parts) == 1:
        return book, parts[0], parts[0]
    if len(parts) == 2 and all(parts):
        return book, parts[0], parts[1]
    raise ReferenceSyntaxError(f"bad sheet name {prefix!r}")


def split_reference(text: str) -> RefText:
    """Take reference text apart; raises :class:`ReferenceSyntaxError` on a malformed one."""
    if "'" not in text and "[" not in text:  # the usual forms, without scanning
        bang = text.count("!")
        if not bang:
            return RefText(None, None, None, text)
        if bang == 1:
            prefix, addr = text.split("!")
            if ":" not in prefix:
                return RefText(None, prefix, prefix, addr)
    elif text.startswith("'") and "[" not in text and text.count("'") == 2:
        # 'My sheet'!A1:B2 (how str(CellRef) writes a quoted sheet), without scanning
        end = text.index("'", 1)
        name, rest = text[1:end], text[end + 2:]
        if text[end + 1:end + 2] == "!" and name and ":" not in name and "!" not in rest:
            return RefText(None, name, name, rest)
    ends: list[tuple[str | None, str]] = []
    pending: list[str] = []  # unqualified pieces seen before a qualified one (3-D start)
    for piece in _pieces(text, ":"):
        bang = _pieces(piece, "!")
        if len(bang) == 1:
            pending.append(piece)
            continue
        if len(bang) != 2:
            raise ReferenceSyntaxError(f"bad reference {text!r}")
        prefix, addr = bang
        if pending and not ends and len(pending) == 1 and not _unquote(prefix).startswith("["):
            prefix = pending.pop() + ":" + prefix  # Sheet1:Sheet3!A1
        elif pending:
            raise ReferenceSyntaxError(f"bad reference {text!r}")
        ends.append((prefix, addr))
    if not ends:
        return RefText(None, None, None, text)
    if len(ends) == 1:
        prefix, addr = ends[0]
        addr = ":".join([addr, *pending])
        book, first, last = _prefix_parts(prefix)
        return RefText(book, first, last, addr)
    if len(ends) != 2 or pending:
        raise ReferenceSyntaxError(f"bad reference {text!r}")
    (p1, a1), (p2, a2) = ends
    parts1, parts2 = _prefix_parts(p1), _prefix_parts(p2)
    if tuple(x and x.casefold() for x in parts1) != tuple(x and x.casefold() for x in parts2):
        raise ReferenceSyntaxError(f"{text}: a range cannot span two sheets")
    return RefText(*parts1, f"{a1}:{a2}")


# ------------------------------------------------------------------ resolution

class Resolver:
    """Resolves reference text against a workbook: sheet names to the workbook's spelling
    (linked workbooks' cached sheets included), defined names, used ranges."""

    def __init__(self, workbook: Workbook, book: int | None = None) -> None:
        self.wb = workbook
        self.book = book  # the linked workbook whose defined name is being read, if any
        # parsed references by (text, sheet): IR nodes are immutable; a workbook gaining
        # sheets or cells after parsing needs a new Resolver
        self.parsed: dict[tuple[str, str], Node | None] = {}
        self.formulas = ParseCache()  # formulas by relative text (see engine._parse_cache)

    # linked workbooks ---------------------------------------------------
    def linked(self, index: int) -> Resolver:
        return Resolver(self.wb, index)

    def link_index(self, book: str) -> int | None:
        """'1' -> 1; 'Book.xlsx' (or a path to it) -> the index of its link, if linked."""
        if book.isdigit():
            return int(book)
        find = getattr(self.wb, "external_index", None)
        if find is None:
            return None
        got = find(book)
        if got is None:
            got = find(book.replace("\\", "/").rsplit("/", 1)[-1])
        return got

    def link_label(self, index: int | None, book: str) -> str:
        link = getattr(self.wb, "externals", {}).get(index) if index is not None else None
        target = getattr(link, "target", None)
        return f"linked workbook {target or book} ([{index if index is not None else book}])"

    def external_name(self, book: str, name: str, text: str) -> tuple[str, Resolver, str] | Node:
        """A defined name of a linked workbook: (its formula text, a resolver for that book,
        the sheet to read it on), or a BadRef naming the linked file."""
        index = self.link_index(book)
        link = getattr(self.wb, "externals", {}).get(index) if index is not None else None
        names = getattr(link, "names", None) or {}
        key = name.upper()
        target = next((v for k, v in names.items() if str(k).upper() == key), None)
        if target is None:
            return n.BadRef(text, f"name {name!r} of {self.link_label(index, book)} "
                                  "is not cached in this file")
        sheets = list(getattr(link, "sheets", None) or [])
        first = self.wb.sheet_name(f"[{index}]{sheets[0]}") if sheets else None
        return str(target), self.linked(int(index)), first or self.wb.first_sheet  # type: ignore[arg-type]

    # sheets -------------------------------------------------------------
    def sheet(self, name: str | None, default: str, text: str, book: str | None = None) -> str | Node:
        """The workbook's spelling of sheet ``name`` (of linked workbook ``book``), ``default``
        when unqualified, or a BadRef saying what is missing."""
        if book is None and self.book is not None and name is not None:
            book = str(self.book)
        if name is None:
            return default
        if book is not None:
            index = self.link_index(book)
            real = self.wb.sheet_name(f"[{index}]{name}") if index is not None else None
            if real is None:
                return n.BadRef(text, f"reference to {self.link_label(index, book)}, sheet "
                                      f"{name!r}: its values are not cached in this file")
            return real
        real = self.wb.sheet_name(name)
        if real is None:
            return n.BadRef(text, f"no sheet named {name!r}")
        return real

    def sheets_between(self, first: str, last: str) -> list[str]:
        """The workbook's own sheets from ``first`` to ``last`` in workbook order (3-D refs)."""
        local = [s for s, sh in self.wb.sheets.items() if not getattr(sh, "external", None)]
        i, j = local.index(first), local.index(last)
        return local[min(i, j):max(i, j) + 1]

    def spill(self, anchor: CellRef) -> Node:
        """``A1#`` (``_xlfn.ANCHORARRAY(A1)``): the range the formula anchored at A1 spilled
        into, as the file records it (its array range); an ordinary formula's cell is its own
        one-cell spill (Excel reads ``E33#`` of ``=SUM(E30:E32)`` as E33); #REF! where A1 holds
        no formula."""
        cell = self.wb.cell(anchor)
        ref = getattr(cell, "array_ref", None)
        if not ref:
            formula = isinstance(getattr(cell, "formula", None), str)
            return n.Ref(anchor) if formula else n.Err(ERROR_CODES["#REF!"])
        from ._xlsx_sheet import parse_range
        from .errors import WorkbookError

        try:
            r1, c1, r2, c2 = parse_range(ref, str(anchor))
        except WorkbookError:
            return n.Err(ERROR_CODES["#REF!"])
        if (r1, c1, r2, c2) == (anchor.row, anchor.col, anchor.row, anchor.col):
            return n.Ref(anchor)
        return n.Area(anchor.sheet, r1, c1, r2, c2)

    def bounds(self, sheet: str) -> tuple[int, int]:
        s = self.wb.sheets[sheet]
        return max(s.max_row, 1), max(s.max_col, 1)

    def name(self, name: str, sheet: str) -> str | None:
        key = name.upper()
        if self.book is not None:
            link = getattr(self.wb, "externals", {}).get(self.book)
            names = getattr(link, "names", None) or {}
            return next((str(v) for k, v in names.items() if str(k).upper() == key), None)
        local = self.wb.sheets[sheet].names.get(key) if sheet in self.wb.sheets else None
        return local if local is not None else self.wb.names.get(key)


def parse_reference(text: str, default_sheet: str, resolver: Resolver) -> Node | None:
    """Parse a reference operand into a Ref, an Area (clipped to the cells its sheet holds),
    a ``_UNION`` call of them (3-D references), an Err or a BadRef.  Returns None when the
    text is not a cell or range address (a defined name or a table)."""
    key = (text, default_sheet)
    if key in resolver.parsed:
        return resolver.parsed[key]
    got = _parse_reference(text.strip(), default_sheet, resolver)
    if len(resolver.parsed) < 200_000:
        resolver.parsed[key] = got
    return got


def _parse_reference(text: str, default_sheet: str, resolver: Resolver) -> Node | None:
    if text.upper().endswith("#REF!"):
        return n.Err(ERROR_CODES["#REF!"])
    try:
        rt = split_reference(text)
    except ReferenceSyntaxError as exc:
        return n.BadRef(text, str(exc))
    addr = rt.addr
    m = RE_CELL.match(addr)
    m2 = RE_RANGE.match(addr) if m is None else None
    m3 = RE_COLS.match(addr) if m is None and m2 is None else None
    m4 = RE_ROWS.match(addr) if m is None and m2 is None and m3 is None else None
    if not (m or m2 or m3 or m4):
        return None
    if m:
        box = (int(m.group(2)), col_number(m.group(1)), int(m.group(2)), col_number(m.group(1)))
    elif m2:
        box = (int(m2.group(2)), col_number(m2.group(1)), int(m2.group(4)), col_number(m2.group(3)))
    elif m3:
        box = (1, col_number(m3.group(1)), n.MAX_ROW, col_number(m3.group(2)))
    else:
        box = (int(m4.group(1)), 1, int(m4.group(2)), n.MAX_COL)
    r1, r2 = sorted((box[0], box[2]))
    c1, c2 = sorted((box[1], box[3]))
    if not (1 <= r1 and r2 <= n.MAX_ROW and 1 <= c1 and c2 <= n.MAX_COL):
        return None if m else n.Err(ERROR_CODES["#REF!"])
    first = resolver.sheet(rt.first, default_sheet, text, rt.book)
    if not isinstance(first, str):
        return first
    sheets = [first]
    if rt.three_d:
        last = resolver.sheet(rt.last, default_sheet, text, rt.book)
        if not isinstance(last, str):
            return last
        sheets = resolver.sheets_between(first, last)
    out = []
    for sheet in sheets:
        if m:
            out.append(n.Ref(CellRef(sheet, r1, c1)))
        else:
            out.append(n.clip(n.Area(sheet, r1, c1, r2, c2), *resolver.bounds(sheet)))
    return out[0] if len(out) == 1 else n.Call("_UNION", tuple(out))


def span(a: Node, b: Node) -> Node:
    """``a:b`` of two references on one sheet: the smallest area holding both."""

    def box(x):
        if isinstance(x, n.Ref):
            c = x.cell
            return c.sheet, c.row, c.col, c.row, c.col
        return x.sheet, x.r1, x.c1, x.last_row, x.last_col

    s1, r1, c1, r2, c2 = box(a)
    s2, r3, c3, r4, c4 = box(b)
    if s1 != s2:
        return n.BadRef(f"{a}:{b}", "a range cannot span two sheets")
    return n.Area(s1, min(r1, r3), min(c1, c3), max(r2, r4), max(c2, c4))


_R1C1_PART = re.compile(r"^(?:R(\d+|\[-?\d+\])?)?(?:C(\d+|\[-?\d+\])?)?$", re.IGNORECASE)


def r1c1_to_a1(text: str, at: CellRef) -> str | None:
    """INDIRECT(text, FALSE): 'R2C3', 'R[-1]C', 'R1C1:R2C2', 'R3', 'C2:C4', 'Sheet!RC[1]'
    as A1 text, relative parts taken from the formula's cell ``at``; None if not R1C1."""
    from .workbook import col_letters

    try:
        rt = split_reference(text.strip())
    except ReferenceSyntaxError:
        return None
    parts = rt.addr.split(":")
    if not 1 <= len(parts) <= 2:
        return None
    out = []
    for part in parts:
        m = _R1C1_PART.match(part)
        if m is None or not part:
            return None
        has_r, has_c = part[:1].upper() == "R", "C" in part.upper()
        if not (has_r or has_c):
            return None

        def pos(x: str | None, here: int) -> int:
            if not x:
                return here
            return here + int(x[1:-1]) if x.startswith("[") else int(x)

        row = pos(m.group(1), at.row) if has_r else None
        col = pos(m.group(2), at.col) if has_c else None
        if (row is not None and not 1 <= row <= n.MAX_ROW) or (col is not None and not 1 <= col <= n.MAX_COL):
            return None
        if row is not None and col is not None:
            out.append(f"{col_letters(col)}{row}")
        elif row is not None:
            out.append(f"{row}:{row}" if len(parts) == 1 else str(row))
        else:
            out.append(f"{col_letters(col)}:{col_letters(col)}" if len(parts) == 1  # type: ignore[arg-type]
                       else col_letters(col))  # type: ignore[arg-type]
    addr = ":".join(out)
    if rt.first is None:
        return addr
    sheet = rt.first if not rt.three_d else f"{rt.first}:{rt.last}"
    book = f"[{rt.book}]" if rt.book else ""
    return "'" + (book + sheet).replace("'", "''") + "'!" + addr
