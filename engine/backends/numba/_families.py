"""Families: cells whose generated code is the same up to the names it reads, compiled once.

A formula copied down a column (or across a row) generates, cell after cell, the same lines
with other operands: ``t7 = v3 * k12`` / ``v8 = t7 - x1`` for one row, ``t9 = v4 * k13`` /
``v10 = t9 - x2`` for the next.  Numba types and compiles every generated line (about 25 ms
each), so a 5,000-cell slice took minutes.  This pass finds such cells (the **shape** of a
cell is its lines with its own names and its operands abstracted) among the cells of one
dependency level, and the kernel computes each family as one loop over its members: the
operands of member ``m`` are gathered through the ``gi`` argument (an int64 table: input
rows, stored-cell slots, constant indices, uniform rows), the values are written to the
per-trial slots of ``sv``/``se``.  The lines are compiled once per family, whatever its size.

Only lines are compared: a family's members got the same code from the generator (same
kinds, same interval checks, same literals), so the loop computes exactly what their
straight-line code would.  Cells with scratch arrays, or lines that are not plain
statements, stay straight-line code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FAMILY_MIN = 4   # a shape shared by fewer cells (of one level) stays straight-line code
# below this many lines the kernel is all straight-line code: it compiles in seconds anyway,
# and runs faster (a loop gathers its operands; straight-line code keeps them in registers:
# a 69-cell model ran at 0.6x the speed with its 12-row formulas as loops)
FAMILY_FROM_LINES = 1_500

# the names of generated code: inputs x, cells v/w/y, constants k/q, temporaries t/f,
# scratch arrays z; and a RAND row's uniform ``ur[<row>, b]``
_TOKEN = re.compile(r"\bur\[(\d+), b\]|\b([kqxvwytfz])(\d+)\b")
_ASSIGN = re.compile(r"^([tfvwy]\d+) = ")
_OPERAND_KINDS = "xvwykqu"


@dataclass
class Shape:
    """One cell's lines with names abstracted: ``text`` (own value V/W/Y, temporaries
    T<n>, operands P<n>), ``kinds`` (per operand: x input, v/w/y another cell's value,
    error or tag, k/q a constant's value or error, u a uniform row) and ``ids`` (per
    operand: the input row, cell number, constant index or uniform row)."""

    text: str
    kinds: tuple[str, ...]
    ids: tuple[int, ...]
    reads: frozenset[int]          # cell numbers whose v/w/y it reads
    has_error: bool
    has_tag: bool

    @property
    def key(self) -> tuple:
        return self.text, self.kinds, self.has_error, self.has_tag


def shape_of(k: int, lines: list[str]) -> Shape | None:
    """The shape of cell ``k`` from its generated lines, or None where it cannot be looped
    (no lines, scratch arrays, a statement that is not one line, a temporary it does not
    define)."""
    body = [line for line in lines if not line.startswith("#")]
    if not body or any(line.rstrip().endswith(":") or "irr" in line for line in body):
        return None
    defined = set()
    for line in body:
        m = _ASSIGN.match(line)
        if m is None:
            return None
        defined.add(m.group(1))
    own = {f"v{k}": "V", f"w{k}": "W", f"y{k}": "Y"}
    if "v" + str(k) not in defined:
        return None
    temps: dict[str, str] = {}
    operands: dict[tuple[str, int], str] = {}
    reads: set[int] = set()
    bad = False

    def name(m: re.Match) -> str:
        nonlocal bad
        if m.group(1) is not None:
            key = ("u", int(m.group(1)))
        else:
            kind, n = m.group(2), int(m.group(3))
            token = kind + m.group(3)
            if token in own:
                return own[token]
            if kind in "tf":
                if token not in defined:
                    bad = True
                return temps.setdefault(token, f"T{len(temps)}")
            if kind == "z" or token in defined:
                bad = True
                return token
            key = (kind, n)
            if kind in "vwy":
                reads.add(n)
        return operands.setdefault(key, f"P{len(operands)}")

    text = "\n".join(_TOKEN.sub(name, line) for line in body)
    if bad:
        return None
    kinds = tuple(kind for kind, _ in operands)
    ids = tuple(n for _, n in operands)
    return Shape(text, kinds, ids, frozenset(reads), f"w{k}" in defined, f"y{k}" in defined)


@dataclass
class Family:
    """Cells (numbers) of one level with one shape, computed by one loop."""

    shape: Shape
    members: list[int]
    ids: list[tuple[int, ...]] = field(default_factory=list)   # each member's operand ids


def levels(reads: dict[int, frozenset[int]], order: list[int]) -> dict[int, int]:
    """Each cell's dependency level (1 + the highest level among the cells it reads; cells
    reading none are level 0), ``order`` being a topological order."""
    level: dict[int, int] = {}
    for k in order:
        level[k] = 1 + max((level[d] for d in reads.get(k, ()) if d in level), default=-1)
    return level


class LineBudget:
    """The lines a kernel will have, counted as its cells are generated: a cell's lines,
    except for the cells that join a family of :data:`FAMILY_MIN` or more (same level, same
    shape), whose lines the family's loop already holds (a kernel that large has families:
    :data:`FAMILY_FROM_LINES` is far below the cap on lines)."""

    def __init__(self) -> None:
        self.lines = 0
        self._level: dict[int, int] = {}
        self._seen: dict[tuple, int] = {}
        self._last: tuple[int, list[str], tuple | None] | None = None

    def _key(self, k: int, lines: list[str]) -> tuple | None:
        if self._last is not None and self._last[0] == k and self._last[1] is lines:
            return self._last[2]
        shape = shape_of(k, lines)
        reads = shape.reads if shape is not None else _reads(k, lines)
        self._level[k] = 1 + max((self._level.get(d, 0) for d in reads), default=-1)
        key = None if shape is None else (self._level[k], shape.key)
        self._last = (k, lines, key)
        return key

    def cost(self, k: int, lines: list[str]) -> int:
        """The lines cell ``k`` would add."""
        key = self._key(k, lines)
        if key is not None and self._seen.get(key, 0) + 1 >= FAMILY_MIN:
            return 0
        return len(lines)

    def add(self, k: int, lines: list[str]) -> None:
        """Count cell ``k`` in."""
        self.lines += self.cost(k, lines)
        key = self._key(k, lines)
        if key is not None:
            self._seen[key] = self._seen.get(key, 0) + 1


def find_families(cell_lines: list[list[str]], min_size: int = FAMILY_MIN
                  ) -> tuple[list[int | Family], int]:
    """The cells in an order to emit them: each either a cell number (straight-line code) or
    a :class:`Family`; and the number of families.  Without families (or below
    :data:`FAMILY_FROM_LINES` lines in all), the original order."""
    if sum(len(lines) for lines in cell_lines) < FAMILY_FROM_LINES:
        return list(range(len(cell_lines))), 0
    shapes: dict[int, Shape | None] = {}
    reads: dict[int, frozenset[int]] = {}
    for k, lines in enumerate(cell_lines):
        s = shapes[k] = shape_of(k, lines) if lines else None
        reads[k] = s.reads if s is not None else _reads(k, lines)
    order = list(range(len(cell_lines)))
    level = levels(reads, order)
    groups: dict[tuple, list[int]] = {}
    for k in order:
        s = shapes[k]
        if s is not None:
            groups.setdefault((level[k], s.key), []).append(k)
    families = {key: ks for key, ks in groups.items() if len(ks) >= min_size}
    if not families:
        return list(order), 0
    member_of: dict[int, tuple] = {}
    for key, ks in families.items():
        for k in ks:
            member_of[k] = key
    units: list[int | Family] = []
    emitted: set[tuple] = set()
    for k in sorted(order, key=lambda k: (level[k], k)):
        key = member_of.get(k)
        if key is None:
            units.append(k)
        elif key not in emitted:
            emitted.add(key)
            ks = families[key]
            shape = shapes[ks[0]]
            assert shape is not None
            units.append(Family(shape, ks, [shapes[m].ids for m in ks]))  # type: ignore[union-attr]
    return units, len(families)


def _reads(k: int, lines: list[str]) -> frozenset[int]:
    """The other cells whose v/w/y names ``lines`` read."""
    out = set()
    for line in lines:
        for m in _TOKEN.finditer(line):
            if m.group(2) in ("v", "w", "y") and int(m.group(3)) != k:
                out.add(int(m.group(3)))
    return frozenset(out)


def family_loop(f: Family, fid: int, base: int, slot: dict[int, int], indent: str
                ) -> tuple[list[str], list[int]]:
    """The loop computing family ``f`` for one trial (column ``i``, block row ``b``), its
    members' gather table starting at ``gi[base]`` (returned), and its lines."""
    s = f.shape
    width = len(s.kinds) + 1
    table: list[int] = []
    for m, ids in zip(f.members, f.ids, strict=True):
        for kind, n in zip(s.kinds, ids, strict=True):
            table.append(slot[n] if kind in "vwy" else n)
        table.append(slot[m])
    p = f"g{fid}"
    load = {"x": "out_in[{}, i]", "v": "sv[b, {}]", "w": "int(se[b, {}]) & 15",
            "y": "float(int(se[b, {}]) >> 4)", "k": "kv[{}]", "q": "ke[{}]", "u": "ur[{}, b]"}
    lines = [f"for {p}m in range({len(f.members)}):",
             f"    {p}j = {base} + {p}m * {width}"]
    for j, kind in enumerate(s.kinds):
        lines.append(f"    {p}p{j} = " + load[kind].format(f"gi[{p}j + {j}]"))
    names = {"V": f"{p}v", "W": f"{p}w", "Y": f"{p}y"}
    body = re.sub(r"\b([VWY])\b|\b([TP])(\d+)\b",
                  lambda m: names[m.group(1)] if m.group(1) else
                  f"{p}{m.group(2).lower()}{m.group(3)}", s.text)
    lines += ["    " + line for line in body.split("\n")]
    dst = f"gi[{p}j + {width - 1}]"
    lines.append(f"    sv[b, {dst}] = {p}v")
    err = f"{p}w" if s.has_error else "0"
    lines.append(f"    se[b, {dst}] = {err} + 16 * int({p}y)" if s.has_tag else
                 f"    se[b, {dst}] = {err}")
    return [indent + line for line in lines], table


# ----------------------------------------------------------------- reductions over families
CHAIN_MIN = 8   # a reduction over fewer cells of families stays straight-line code
_LINE = re.compile(r"^([a-z]\d+) = (.*)$")
_VALUE = re.compile(r"\bv(\d+)\b")
_FE = re.compile(r"^fe\((\w+), (.*)\)$")


def loop_chains(lines: list[str], looped: set[int], base: int, tag: str
                ) -> tuple[list[str], list[int]]:
    """``lines`` of one cell with its long reductions over cells of families (a SUM, MAX,
    AVERAGE over a column of them: ``t2 = t1 + v24``, ``t3 = t2 + v49``, ...; the first error
    of them: ``fe(w24, fe(w49, ...))``) as loops reading the values from their slots, in the
    same order (the same numbers); and the cells read, in order (their slots go to
    ``gi[base:]``).  ``looped``: the cells of families; ``tag`` makes the loop names unique."""
    out: list[str] = []
    table: list[int] = []
    text = "\n".join(lines)
    i = 0
    while i < len(lines):
        got = _fold_errors(lines[i], looped, base + len(table), f"{tag}e{i}")
        if got is not None:
            out += got[0]
            table += got[1]
            i += 1
            continue
        run = _run(lines, i, looped, text)
        if run is None:
            out.append(lines[i])
            i += 1
            continue
        last, template, cells = run
        first = _LINE.match(lines[i])
        assert first is not None
        j, x = f"{tag}j{i}", f"{tag}x{i}"
        out += [lines[i], f"{last} = {first.group(1)}",
                f"for {j} in range({len(cells)}):",
                f"    {x} = sv[b, gi[{base + len(table)} + {j}]]",
                f"    {last} = " + template.replace("\0A", last).replace("\0X", x)]
        table += cells
        i += len(cells) + 1
    return out, table


def _run(lines: list[str], i: int, looped: set[int], text: str
         ) -> tuple[str, str, list[int]] | None:
    """The reduction starting after line ``i``: (its last name, the template of a step, the
    cells it reads), or None where it is shorter than CHAIN_MIN."""
    m = _LINE.match(lines[i])
    if m is None:
        return None
    prev, template, cells = m.group(1), None, []
    j = i + 1
    while j < len(lines):
        mj = _LINE.match(lines[j])
        if mj is None:
            break
        expr = mj.group(2)
        values = _VALUE.findall(expr)
        own = re.compile(rf"\b{prev}\b")
        if len(own.findall(expr)) != 1 or len(values) != 1 or int(values[0]) not in looped \
                or (j > i + 1 and len(own.findall(text)) != 2):   # a step's name: read once
            break
        step = _VALUE.sub("\0X", own.sub("\0A", expr))
        if template is None:
            template = step
        elif step != template:
            break
        cells.append(int(values[0]))
        prev = mj.group(1)
        j += 1
    if template is None or len(cells) < CHAIN_MIN:
        return None
    return prev, template, cells


def _fold_errors(line: str, looped: set[int], base: int, tag: str
                 ) -> tuple[list[str], list[int]] | None:
    """``w = fe(a, fe(b, ... fe(y, z)))`` (the first non-zero error code) as a loop over the
    codes of the cells of families among them, in order."""
    m = _LINE.match(line)
    if m is None or not m.group(2).startswith("fe("):
        return None
    args: list[str] = []
    rest = m.group(2)
    while (f := _FE.match(rest)) is not None:
        args.append(f.group(1))
        rest = f.group(2)
    if not re.fullmatch(r"\w+", rest):
        return None
    args.append(rest)
    fam = [a.startswith("w") and a[1:].isdigit() and int(a[1:]) in looped for a in args]
    if sum(fam) < CHAIN_MIN:
        return None
    name = m.group(1)
    out = [f"{name} = 0"]
    table: list[int] = []
    k = 0
    while k < len(args):
        if not fam[k]:
            out.append(f"{name} = fe({name}, {args[k]})")
            k += 1
            continue
        start = k
        while k < len(args) and fam[k]:
            table.append(int(args[k][1:]))
            k += 1
        j = f"{tag}j{start}"
        out += [f"for {j} in range({k - start}):",
                f"    {name} = fe({name}, int(se[b, gi[{base + len(table) - (k - start)} + {j}]])"
                " & 15)"]
    return out, table
