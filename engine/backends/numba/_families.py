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
straight-line code would.  Lines that are not plain statements stay straight-line code.

Scratch arrays shared between cells (rows of the per-block ``ur`` array: a running total's
sum and first error, a long range gathered once; :mod:`._gather`) are operands too, of kind
``z``: a member's gather-table entry is the array's first row of ``ur``, and its lines read
and write ``ur[row + j, b]`` (a whole array: the view ``ur[row:row + size, b]``), which is
what its straight-line code reads and writes through its view.  ``SUM($G$18:$G41)`` copied
down (the sum of the row above plus one term) is then a row of a schedule's loop.  A cell's
own scratch (allocated per segment) keeps it straight-line code.
"""

from __future__ import annotations

import bisect
import collections
import dataclasses
import heapq
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ._gather import fill_savings, loop_fills

FAMILY_MIN = 4   # a shape shared by fewer cells (of one level) stays straight-line code
# below this many lines the kernel is all straight-line code: it compiles in seconds anyway,
# and runs faster (a loop gathers its operands; straight-line code keeps them in registers:
# a 69-cell model ran at 0.6x the speed with its 12-row formulas as loops)
FAMILY_FROM_LINES = 1_500

# the names of generated code: inputs x, cells v/w/y, constants k/q, temporaries t/f,
# scratch arrays z; and a RAND row's uniform ``ur[<row>, b]``
_TOKEN = re.compile(r"\bur\[(\d+), b\]|\b([kqxvwytfz])(\d+)\b")
_ASSIGN = re.compile(r"^([tfvwy]\d+) = ")
_OPERAND_KINDS = "xvwykquz"
_SCRATCH_STORE = re.compile(r"^z\d+\[\d+\] = ")   # an element of a shared scratch set
_ELEMENT = re.compile(r"\[(\d+)\]")
_SCRATCH_OPEN = re.compile(r"\bP(\d+)\[")   # a shared scratch operand's use
SCRATCH_LOOPS = True   # shared scratch arrays as operands (False: such cells straight-line)
SCRATCH_AT = True      # their elements read at a per-trial position too (False: straight-line)
ScratchSize = Callable[[str], "int | None"]   # a shared scratch array's size; None: not one
# a number written in a cell's lines (a formula's own literal, ``=0.2178*(1/TWh)``): members
# of a family may differ in them (see :func:`find_families`' ``literal``); whole integers
# (error codes, sizes, element indexes) are code, never operands
_LITERAL = re.compile(r"(?<![\w.])(?:\d+\.\d+(?:e[+-]?\d+)?|\d+e[+-]?\d+)(?![\w.])")
_HOLE = "\0"   # a literal's place in a shape's text grouped by its literals' places only
# ``ipow(x, k)``: the generator's form of ``x ^ k`` for an exponent known whole; in a shape
# ``excel_pow`` (which calls ipow for a whole exponent, bit for bit), so that a column of
# ``=C5/(1+r)^(B5/12)`` whose exponent is whole in some rows (B = 12, 24..) is one shape
_IPOW = re.compile(r"(?<![\w.])ipow\(")
LiteralIndex = Callable[[str], int]   # a literal's text -> its index in the constants ``kv``


ALL_MIXED = "*"   # in IfBranches.mixed: every copied formula's IF generic (passes ran out)
IF_PASSES = 4     # generations finding IFs mixed late before ALL_MIXED
WANT_DEPTH = 2    # a cell left to numpy wants the IFs of cells this many reads up alone
# reasons of cells left to numpy that a branch taken alone cannot help
_NOT_WANTED = ("depends on a cell left to numpy", "the kernel would be too large")


@dataclass(frozen=True)
class OneCell:
    """In :class:`IfBranches`' ``alone``: a cell left to numpy whose IFs of a constant
    condition all take their branch alone (``alone``) or all stay generic, whatever its
    formula's copies do (:meth:`IfBranches.wanted`).  Alone, an IF's value is a constant,
    and a function of it may then refuse its constant arguments: ``INDEX(D5:I5,1,
    IF(C5="",0,..))`` with C5 empty is a whole row ('INDEX of a whole row or column inside
    an expression'); generic, the column is per trial.  (A comparison of it is folded,
    _conditionals.fixed_compare, so an IF over it takes its branch alone too:
    ``IF(IF(C5="",0,..)<=1,0,SUM(OFFSET(D5,0,0,1,IF(C5="",0,..)-1)))`` no longer
    generates an OFFSET of width -1.)"""

    cell: object
    alone: bool


class IfBranches:
    """Whether an IF whose condition is the same in every trial takes the branch taken alone
    (its kind and errors only: ``=IF(B6="","",SUM(C6:E6))`` with B6 a date is a number, and
    ``TEXT`` of it is fused), or stays generic (both branches, one selected per trial).

    Alone, rows of a table copied down a column whose condition differs between rows
    (``IF(C5="","",..)`` with C filled in some rows) get lines of other shapes, and their
    readers other kinds (a MATCH of a number against a column is unrolled where one of
    varying kind is a shared lookup) and leave their family.  Generic, the condition is one
    per-row constant that the family's loop gathers per member.  So the branch is taken
    alone in a cell whose formula has fewer than :data:`FAMILY_MIN` copies (``copies``: a
    cell -> that number and the formula's key, relative references as offsets); a copied
    formula's IF stays generic (:meth:`wanted` names those that cells left to numpy read),
    unless its formula is in ``alone`` (a second generation: :func:`_codegen.generate` keeps
    the one fusing more cells) and its IF (the n-th met in the cell) takes the same branch
    in every copy met; one taking another branch, or a condition that varies, makes that IF
    generic in every copy (``mixed``, shared by the generations of one kernel).  The copies
    met before took their branch alone: the kernel is generated again (``late``: the IFs
    found so; :data:`IF_PASSES`).  A cell named in ``alone`` as a :class:`OneCell` takes
    (or not) every branch alone as it says."""

    def __init__(self, copies: Callable[[object], tuple[int, object]],
                 alone: frozenset = frozenset(), mixed: set | None = None) -> None:
        self.copies = copies
        self.formulas = alone
        self.cells = {a.cell: a.alone for a in alone if isinstance(a, OneCell)}
        self.mixed: set = set() if mixed is None else mixed
        self.late: set = set()      # IFs found mixed after a copy took its branch alone
        self.kept: set = set()      # cells with an IF of a constant condition kept generic
        self.took: set = set()      # cells with an IF that took its branch alone
        self._seen: dict[tuple, bool | None] = {}
        self._cell: object = None
        self._n = 0

    def alone(self, cell: object, branch: bool | None) -> bool:
        """Whether the IF being generated in ``cell``, whose condition is ``branch`` in every
        trial (None: it varies), takes its branch alone."""
        if cell != self._cell:
            self._cell, self._n = cell, 0
        self._n += 1
        own = self.cells.get(cell)
        if own is not None:
            return own and branch is not None
        n, formula = self.copies(cell)
        if n < FAMILY_MIN:
            return self._took(cell, branch)
        if formula not in self.formulas:
            if branch is not None:
                self.kept.add(cell)
            return False
        key = (formula, self._n)
        if key in self.mixed or ALL_MIXED in self.mixed:
            return False
        was = self._seen.setdefault(key, branch)
        if was != branch:
            self.mixed.add(key)
            if was is not None:
                self.late.add(key)
            return False
        return self._took(cell, branch)

    def _took(self, cell: object, branch: bool | None) -> bool:
        if branch is not None:
            self.took.add(cell)
        return branch is not None

    def wanted(self, reasons: Mapping, deps: Callable[[object], Sequence],
               fused: Callable[[object], bool]) -> frozenset:
        """The formulas of the cells with an IF kept generic (:attr:`kept`) that cells left
        to numpy (``reasons``: cell -> why) read, directly or through up to
        :data:`WANT_DEPTH` fused cells (``fused``; ``deps``: the cells a cell reads); and
        as :class:`OneCell` the cells left to numpy that took a branch alone (generic
        then) or kept one generic (alone then): what it did may be what left it."""
        front = [c for c, why in reasons.items() if why not in _NOT_WANTED]
        out: set = {OneCell(c, c in self.kept) for c in front
                    if c in self.took or c in self.kept}
        seen: set = set()
        for _ in range(WANT_DEPTH):
            nxt = []
            for c in front:
                for d in deps(c):
                    if d in seen or not fused(d):
                        continue
                    seen.add(d)
                    nxt.append(d)
                    if d in self.kept:
                        out.add(self.copies(d)[1])
            front = nxt
        return frozenset(out)


@dataclass
class Shape:
    """One cell's lines with names abstracted: ``text`` (own value V/W/Y, temporaries
    T<n>, operands P<n>: a shared scratch array's as ``P<n>[j]`` per element, ``P<n>[:size]``
    whole), ``kinds`` (per operand: x input, v/w/y another cell's value, error or tag, k/q a
    constant's value or error, u a uniform row, z a shared scratch array) and ``ids`` (per
    operand: the input row, cell number, constant index, uniform row or scratch number; in
    a :class:`Family` the scratch's first row of ``ur``)."""

    text: str
    kinds: tuple[str, ...]
    ids: tuple[int, ...]
    reads: frozenset[int]          # cell numbers whose v/w/y it reads
    has_error: bool
    has_tag: bool
    lits: tuple[str, ...] = ()     # the float literals of ``text``, in order

    @property
    def key(self) -> tuple:
        return self.text, self.kinds, self.has_error, self.has_tag


def loose(s: Shape) -> Shape:
    """``s`` with its float literals as holes in its text (its key then the same for cells
    that differ only in them: a column of ``=<number>*(1/$B$1)``, one number a row); its own
    literals stay in ``lits`` (:func:`_literal_operands` makes those that differ operands)."""
    if not s.lits or _HOLE in s.text:
        return s
    return dataclasses.replace(s, text=_LITERAL.sub(_HOLE, s.text))


def shape_of(k: int, lines: list[str], scratch: ScratchSize | None = None) -> Shape | None:
    """The shape of cell ``k`` from its generated lines, or None where it cannot be looped
    (no lines, a statement that is not one line, a temporary it does not define, a scratch
    array that ``scratch`` (name -> size) does not call shared, or one it writes and reads
    at a per-trial position).  A shared scratch that other cells wrote (a lookup column
    written once per trial by its first cell: :mod:`._shared_lines`) may be read at a
    per-trial position, ``z[int(t)]``: the writer is a cell it reads (ordered before)."""
    body = [line for line in lines if not line.startswith("#")]
    if not body or any(line.rstrip().endswith(":") or "irr" in line for line in body):
        return None
    defined = set()
    stored: set[str] = set()     # the scratch arrays the cell writes
    for line in body:
        m = _ASSIGN.match(line)
        if m is None:
            if scratch is None or not SCRATCH_LOOPS or not _SCRATCH_STORE.match(line):
                return None
            stored.add(line.split("[", 1)[0])
            continue
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
            if token in defined or (kind == "z" and (scratch is None or not SCRATCH_LOOPS)):
                bad = True
                return token
            key = (kind, n)
            if kind in "vwy":
                reads.add(n)
            elif kind == "z":
                size = scratch(token)       # type: ignore[misc]
                indexed = m.string.startswith("[", m.end())
                if size is None or (indexed and _ELEMENT.match(m.string, m.end()) is None
                                    and (token in stored or not SCRATCH_AT)):
                    bad = True              # its own scratch, or one it writes read per trial
                    return token
                name_ = operands.setdefault(key, f"P{len(operands)}")
                # an element (a constant one or one per trial: ``z[int(t)]``, of an array
                # other cells wrote before): its index stays in the text; the whole array:
                # its size too
                return name_ if indexed else f"{name_}[:{size}]"
        return operands.setdefault(key, f"P{len(operands)}")

    text = _IPOW.sub("excel_pow(", "\n".join(_TOKEN.sub(name, line) for line in body))
    if bad:
        return None
    kinds = tuple(kind for kind, _ in operands)
    ids = tuple(n for _, n in operands)
    lits = () if "'" in text or '"' in text else tuple(_LITERAL.findall(text))
    return Shape(text, kinds, ids, frozenset(reads), f"w{k}" in defined, f"y{k}" in defined,
                 lits)


@dataclass
class Family:
    """Cells (numbers) of one level with one shape, computed by one loop."""

    shape: Shape
    members: list[int]
    ids: list[tuple[int, ...]] = field(default_factory=list)   # each member's operand ids
    # each member's operand kinds where members differ in them (an operand of kind ``a``:
    # a value of any kind of :data:`ANY_KINDS`, see :func:`any_key`); None: the shape's
    kinds: list[tuple[str, ...]] | None = None


# value operands that a loop reads through one load whichever array holds them: a cell's
# value (slot of sv), a constant (kv), an input (out_in), a uniform (ur); the gather table
# holds index * 4 + the code of its kind
ANY_KINDS = {"v": 0, "k": 1, "x": 2, "u": 3}


def any_key(s: Shape) -> tuple:
    """``s.key`` with its value operands of any kind of :data:`ANY_KINDS` alike (``a``):
    ``=B5*C5`` reading an input, a cell or a constant in C is one family's loop."""
    return s.text, tuple("a" if k in ANY_KINDS else k for k in s.kinds), s.has_error, \
        s.has_tag


def _family(ks: list[int], shapes: Mapping[int, Shape | None]) -> Family:
    """The family of cells ``ks`` (their shapes' :func:`any_key` the same): an operand whose
    kind differs among them of kind ``a`` (each member's kinds kept)."""
    own = [shapes[m].kinds for m in ks]   # type: ignore[union-attr]
    f = Family(shapes[ks[0]], ks, [shapes[m].ids for m in ks])  # type: ignore[arg-type]
    if len(set(own)) > 1:
        kinds = tuple(col[0] if len(set(col)) == 1 else "a" for col in zip(*own, strict=True))
        f.shape = dataclasses.replace(f.shape, kinds=kinds)
        f.kinds = own
    return f


@dataclass
class Chain:
    """A schedule: shapes S1..Sp with one member each per row (a loan's balance, interest,
    principal copied down 360 rows), row r's members reading only cells of rows < r, of
    earlier shapes of row r, and cells outside the chain that do not depend on it.  Each row
    is another dependency level, so no :class:`Family` holds them; the kernel computes the
    chain as one loop over its rows, each iteration its shapes in turn.  ``families``: one
    per shape, in the order of a row, member r of each being row r."""

    families: list[Family]

    @property
    def rows(self) -> int:
        return len(self.families[0].members)

    @property
    def members(self) -> list[int]:
        return [k for f in self.families for k in f.members]

    @property
    def order(self) -> list[int]:
        """The members row by row (a valid order for straight-line code)."""
        return [f.members[r] for r in range(self.rows) for f in self.families]


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
    :data:`FAMILY_FROM_LINES` is far below the cap on lines), and the rows of a schedule
    (:class:`Chain`): a cell whose shape's last :data:`FAMILY_MIN` members (itself included)
    read, operand by operand, the same shapes at the same distance in their order, one of
    them at least a cell of such a shape (what :func:`find_chains` loops)."""

    def __init__(self, scratch: ScratchSize | None = None, literals: bool = False) -> None:
        self.scratch = scratch    # the shared scratch arrays' sizes (see :func:`shape_of`)
        self.literals = literals  # members may differ in literals (find_families' literal)
        self.lines = 0
        self._level: dict[int, int] = {}
        self._seen: dict[tuple, int] = {}
        self._last: tuple[int, list[str], tuple | None] | None = None
        self._shape: dict[int, Shape] = {}
        self._members: dict[tuple, list[int]] = {}      # lane -> its cells, in order
        self._pos: dict[tuple, tuple[tuple, int]] = {}  # (lane kind, cell) -> (lane, index)
        self._run: dict[tuple, tuple] = {}  # lane -> (reads, directions, members)
        self._chain_cells: set[int] = set()   # cells in a schedule's rows (looped)
        # the last cost asked for: ``add`` asks again for the same cell (a long cell's
        # reductions made loops once, not twice: _savings)
        self._last_cost: tuple[int, list[str], tuple | None, int] | None = None

    def _key(self, k: int, lines: list[str]) -> tuple | None:
        if self._last is not None and self._last[0] == k and self._last[1] is lines:
            return self._last[2]
        shape = shape_of(k, lines, self.scratch)
        reads = shape.reads if shape is not None else _reads(k, lines)
        if shape is not None and self.literals:
            shape = loose(shape)
        self._level[k] = 1 + max((self._level.get(d, 0) for d in reads), default=-1)
        key = None if shape is None else (self._level[k], shape.key)
        if shape is not None:
            self._shape[k] = shape
        self._last = (k, lines, key)
        return key

    def _lanes(self, k: int, cell: tuple | None) -> list[tuple]:
        """The lanes of cell ``k`` (its shape in its column, in its row; or in all)."""
        key = self._shape[k].key
        if cell is None:
            return [("all", key)]
        return [("col", key, cell[0], cell[2]), ("row", key, cell[0], cell[1])]

    def _chain_sig(self, k: int, lane: tuple) -> tuple:
        """What cell ``k`` reads, as (lane, distance, distance the other way) per operand, in
        lanes of ``lane``'s kind: the other way, the read lane runs opposite to ``lane`` (a
        column generated from its last row up, ``=45+INT((B125-1)/12)`` first, reading a
        column generated from its first row down: the sum of the two indexes)."""
        shape = self._shape[k]
        members = self._members.get(lane, ())
        i = len(members)
        pos = self._pos
        prev = self._shape[members[-1]].ids if members else ()
        return tuple((pos[lane[0], n][0], pos[lane[0], n][1] - i, pos[lane[0], n][1] + i)
                     if kind in "vwy" and (lane[0], n) in pos and (
                         j >= len(prev) or prev[j] != n) else None
                     for j, (kind, n) in enumerate(zip(shape.kinds, shape.ids, strict=True)))

    @staticmethod
    def _next_run(sig: tuple, run: tuple | None) -> tuple:
        """The lane's run (signature, each operand's directions still the same, cells)
        after a cell of signature ``sig``: one cell more where every operand reads at the
        same distance in one direction as in the run so far, else a new run."""
        both = tuple(None if op is None else (True, True) for op in sig)
        if run is None:
            return sig, both, 1
        got, ways, n = run
        if len(got) != len(sig):
            return sig, both, 1
        kept = []
        for new, old, way in zip(sig, got, ways, strict=True):
            if new is None or old is None:
                if new is not old:
                    return sig, both, 1
                kept.append(None)
                continue
            fwd = way[0] and new[0] == old[0] and new[1] == old[1]
            rev = way[1] and new[0] == old[0] and new[2] == old[2]
            if not (fwd or rev):
                return sig, both, 1
            kept.append((fwd, rev))
        return sig, tuple(kept), n + 1

    def _runs_on(self, sig: tuple, run: tuple | None) -> bool:
        """Whether a cell of signature ``sig`` makes the lane's ``run`` a schedule."""
        return any(sig) and run is not None and self._next_run(sig, run)[2] >= FAMILY_MIN

    def _chained(self, k: int, cell: tuple | None) -> bool:
        if k not in self._shape:
            return False
        return any(self._runs_on(self._chain_sig(k, lane), self._run.get(lane))
                   for lane in self._lanes(k, cell))

    def cost(self, k: int, lines: list[str], cell: tuple | None = None) -> int:
        """The lines cell ``k`` (at ``cell``: sheet, row, column) would add."""
        last = self._last_cost
        if last is not None and last[0] == k and last[1] is lines and last[2] == cell:
            return last[3]
        key = self._key(k, lines)
        if key is not None and (self._seen.get(key, 0) + 1 >= FAMILY_MIN
                                or self._chained(k, cell)):
            n = 0
        else:
            n = len(lines) - self._savings(k, lines)
        self._last_cost = (k, lines, cell, n)
        return n

    def _savings(self, k: int, lines: list[str]) -> int:
        """The lines the kernel takes out of cell ``k``'s ``lines``: copies of cells of
        families (:func:`fill_savings`) and, in a long cell, its reductions over them as
        loops (:func:`loop_chains`: ``PRODUCT($R$5:R240)`` copied down over a column of
        ``=1+$Z$1``, each row's product a line a row more: the budget counted 29,712 lines
        of a column that the kernel holds in 3,822)."""
        saved = fill_savings(lines, self.looped)
        if len(lines) >= 4 * CHAIN_MIN:
            looped = {n for n in _reads(k, lines) if self.looped(n)}
            if len(looped) >= CHAIN_MIN:
                saved = max(saved, len(lines) - len(loop_chains(lines, looped, 0, "q")[0]))
        return saved

    def looped(self, k: int) -> bool:
        """Whether cell ``k`` (counted in) is, as far as the cells so far tell, a member of a
        family or of a schedule's rows: its value is read from its slot by loops."""
        shape = self._shape.get(k)
        if shape is None or k not in self._level:
            return False
        return k in self._chain_cells or \
            self._seen.get((self._level[k], shape.key), 0) >= FAMILY_MIN

    def add(self, k: int, lines: list[str], cell: tuple | None = None) -> None:
        """Count cell ``k`` in."""
        self.lines += self.cost(k, lines, cell)
        self._last_cost = None   # what follows changes the counts
        key = self._key(k, lines)
        if key is not None:
            self._seen[key] = self._seen.get(key, 0) + 1
            for lane in self._lanes(k, cell):
                sig = self._chain_sig(k, lane)
                run = self._run.get(lane)
                if self._runs_on(sig, run):
                    self._chain_cells.update(self._members.get(lane, [])[1 - FAMILY_MIN:])
                    self._chain_cells.add(k)   # a schedule's rows (see _chained)
                self._run[lane] = self._next_run(sig, run)
                members = self._members.setdefault(lane, [])
                self._pos[lane[0], k] = (lane, len(members))
                members.append(k)


def find_families(cell_lines: list[list[str]], min_size: int = FAMILY_MIN,
                  cells: Sequence[tuple] | None = None,
                  scratch: Mapping[str, tuple[int, int]] | None = None,
                  literal: LiteralIndex | None = None, across_levels: bool = False,
                  any_kinds: bool = False) -> tuple[list[int | Family | Chain], int]:
    """The cells in an order to emit them: each either a cell number (straight-line code), a
    :class:`Family` or a :class:`Chain`; and the number of families and chains.  Without
    them (or below :data:`FAMILY_FROM_LINES` lines in all), the original order.  ``cells``:
    each cell's (sheet, row, column), for :func:`find_chains`; ``scratch``: the shared
    scratch arrays (name -> its first row of ``ur``, its size), operands of loops (else
    cells using them stay straight-line code); ``literal`` (a float literal's text -> its
    index in the constants ``kv``): cells that differ only in float literals are one family
    too, each literal that differs among its members an operand of kind ``k`` (else such
    cells are not of one shape); ``across_levels``: a family's members may lie on several
    dependency levels where none reads another (:func:`_across_levels`; else one family a
    level); ``any_kinds``: members may differ in the kinds of value operands
    (:func:`any_key`; a family's loop reads those through the load of kind ``a``)."""
    units, count = _find_units(cell_lines, min_size, cells, scratch, literal, across_levels,
                               any_kinds)
    if scratch:
        for u in units:
            for f in (u.families if isinstance(u, Chain) else
                      [u] if isinstance(u, Family) else []):
                f.ids = [tuple(scratch[f"z{n}"][0] if kind == "z" else n
                               for kind, n in zip(f.shape.kinds, ids, strict=True))
                         for ids in f.ids]
    return units, count


def _find_units(cell_lines: list[list[str]], min_size: int, cells: Sequence[tuple] | None,
                scratch: Mapping[str, tuple[int, int]] | None, literal: LiteralIndex | None,
                across_levels: bool = False, any_kinds: bool = False
                ) -> tuple[list[int | Family | Chain], int]:
    """:func:`find_families`, the scratch arrays of its loops named by number."""
    if sum(len(lines) for lines in cell_lines) < FAMILY_FROM_LINES:
        return list(range(len(cell_lines))), 0
    size = None if scratch is None else (
        lambda name: scratch[name][1] if name in scratch else None)
    shapes: dict[int, Shape | None] = {}
    reads: dict[int, frozenset[int]] = {}
    for k, lines in enumerate(cell_lines):
        s = shapes[k] = shape_of(k, lines, size) if lines else None
        reads[k] = s.reads if s is not None else _reads(k, lines)
        if s is not None and literal is not None:
            shapes[k] = loose(s)
    order = list(range(len(cell_lines)))
    level = levels(reads, order)
    # cells of a family of one level (a formula copied across parallel blocks: one loop over
    # the blocks per level) stay there; a chain of each block would be a loop per block
    per_level = collections.Counter((level[k], s.key) for k, s in shapes.items() if s)
    chains = find_chains({k: s if s is not None and per_level[level[k], s.key] < min_size
                          else None for k, s in shapes.items()}, level, min_size, cells)
    while True:
        chained = {k for c in chains for k in c.members}
        groups: dict[tuple, list[int]] = {}
        for k in order:
            s = shapes[k]
            if s is not None and k not in chained:
                groups.setdefault((level[k], any_key(s) if any_kinds else s.key), []).append(k)
        families = [_family(ks, shapes) for ks in groups.values() if len(ks) >= min_size]
        units, stuck = _topological(families, chains, reads, level, len(cell_lines))
        if not stuck:
            break
        # a chain that a cell it reads depends on: its cells straight-line code again
        left = [c for c in chains if not stuck & set(c.members)]
        if len(left) == len(chains):
            return list(order), 0
        chains = left
    if across_levels:
        merged = _across_levels(groups, reads, _unit_levels(units, reads), min_size)
        wider = [_family(ks, shapes) for ks in merged if len(ks) >= min_size]
        got, stuck = _topological(wider, chains, reads, level, len(cell_lines))
        if not stuck:   # (none: see _across_levels)
            families, units = wider, got
    if not families and not chains:
        return list(order), 0
    for f in [*families, *(g for c in chains for g in c.families)]:
        _literal_operands(f, shapes, literal)   # type: ignore[arg-type]
    return units, len(families) + len(chains)


def _unit_levels(units: list[int | Family | Chain], reads: Mapping[int, frozenset[int]]
                 ) -> dict[int, int]:
    """Each cell's level among ``units`` (in an order where each comes after what it reads):
    1 + the highest level of the units its unit reads, 0 where none; every cell of a loop
    that of its loop."""
    out: dict[int, int] = {}
    for u in units:
        ks = [u] if isinstance(u, int) else u.members
        own = set(ks)
        lv = 1 + max((out[d] for k in ks for d in reads[k] if d in out and d not in own),
                     default=-1)
        for k in ks:
            out[k] = lv
    return out


def _across_levels(groups: dict[tuple, list[int]], reads: Mapping[int, frozenset[int]],
                   level: dict[int, int], min_size: int) -> list[list[int]]:
    """The cells of one shape on several levels (``groups``: (level, shape key) -> cells) as
    few families as the order allows.  A copy ``=G228`` on 20 levels was 20 loops of the same
    lines, each compiled; levels that do not read each other are now one loop.  ``level``
    (each cell's level among the units, :func:`_unit_levels`) rises as groups join: a loop's
    level is its highest member's, and every cell reading a cell of it must stay above it
    (a group joins a loop only then), so that levels still rise along every read and the
    loops make no cycle."""
    users: dict[int, list[int]] = {}
    for k, ds in reads.items():
        for d in ds:
            if d != k:
                users.setdefault(d, []).append(k)
    per_shape: dict[tuple, list[list[int]]] = {}
    for (_, key), ks in groups.items():
        per_shape.setdefault(key, []).append(ks)
    out: list[list[int]] = []
    inf = 1 << 60
    for gs in sorted(per_shape.values(), key=lambda gs: -sum(map(len, gs))):
        if len(gs) == 1 or sum(map(len, gs)) < min_size:
            out += gs
            continue
        clusters: list[list] = []      # [level, lowest level of a cell reading it, cells]
        # the clusters a later group may join: one read at or below a group's level never
        # is again (groups come by rising level; a cluster's lowest reader only falls), and
        # scanning them made a long schedule (one group a level, each read by the next)
        # quadratic: 33 million comparisons for a sheet of 43,000 cells
        live: collections.deque[list] = collections.deque()
        for ks in sorted(gs, key=lambda ks: max(level[k] for k in ks)):
            top = max(level[k] for k in ks)
            low = min((level[u] for k in ks for u in users.get(k, ())), default=inf)
            if low <= top:             # its cells on levels a read rules out: alone
                out.append(ks)
                continue
            while live and live[0][1] <= top:
                live.popleft()
            for c in live:
                lv = max(c[0], top)
                if min(c[1], low) > lv:
                    if lv > c[0]:
                        for k in c[2]:
                            level[k] = lv
                    c[0], c[1] = lv, min(c[1], low)
                    c[2] += ks
                    for k in ks:
                        level[k] = lv
                    break
            else:
                clusters.append([top, low, list(ks)])
                live.append(clusters[-1])
                for k in ks:
                    level[k] = top
        out += [sorted(c[2]) for c in clusters]
    return out


def _literal_operands(f: Family, shapes: Mapping[int, Shape], literal: LiteralIndex) -> None:
    """Family ``f`` of a shape with literal holes (:func:`loose`) with its text whole again:
    a literal its members share in its place, one they differ in an operand of kind ``k``
    (each member's own number, a constant of ``kv``: the value the literal has)."""
    s = f.shape
    if _HOLE not in s.text:
        return
    lits = [shapes[m].lits for m in f.members]
    parts = s.text.split(_HOLE)
    text, kinds, differ = [parts[0]], list(s.kinds), []
    for j, part in enumerate(parts[1:]):
        if len({own[j] for own in lits}) == 1:
            text.append(lits[0][j])
        else:
            text.append(f"P{len(kinds)}")
            kinds.append("k")
            differ.append(j)
        text.append(part)
    f.shape = dataclasses.replace(s, text="".join(text), kinds=tuple(kinds), lits=())
    f.ids = [ids + tuple(literal(own[j]) for j in differ)
             for ids, own in zip(f.ids, lits, strict=True)]
    if f.kinds is not None:
        f.kinds = [own + ("k",) * len(differ) for own in f.kinds]


def _topological(families: list[Family], chains: list[Chain],
                 reads: dict[int, frozenset[int]], level: dict[int, int], n: int
                 ) -> tuple[list[int | Family | Chain], set[int]]:
    """The cells, families and chains in an order where each comes after what it reads (by
    level, then cell number, where that is free); and the cells left out by a cycle (a
    chain reading a cell that reads it)."""
    unit_of = list(range(n))          # cell -> unit number (n + j: the j-th loop)
    loops: list[Family | Chain] = [*families, *chains]
    for j, u in enumerate(loops):
        for k in u.members:
            unit_of[k] = n + j
    members: dict[int, list[int]] = {}
    for k in range(n):
        members.setdefault(unit_of[k], []).append(k)
    deps: dict[int, set[int]] = {}
    users: dict[int, list[int]] = {}
    for u, ks in members.items():
        got = {unit_of[d] for k in ks for d in reads[k] if 0 <= d < n} - {u}
        deps[u] = got
        for d in got:
            users.setdefault(d, []).append(u)
    key = {u: (min(level[k] for k in ks), min(ks)) for u, ks in members.items()}
    waiting = {u: len(d) for u, d in deps.items()}
    heap = [(key[u], u) for u, c in waiting.items() if c == 0]
    heapq.heapify(heap)
    out: list[int | Family | Chain] = []
    while heap:
        _, u = heapq.heappop(heap)
        out.append(loops[u - n] if u >= n else u)
        for v in users.get(u, ()):
            waiting[v] -= 1
            if waiting[v] == 0:
                heapq.heappush(heap, (key[v], v))
    stuck = {k for u, c in waiting.items() if c > 0 for k in members[u]}
    return out, stuck


def find_chains(shapes: dict[int, Shape | None], level: dict[int, int],
                min_size: int = FAMILY_MIN, cells: Sequence[tuple] | None = None
                ) -> list[Chain]:
    """The schedules among the cells (:class:`Chain`), their shapes' members taken column by
    column (a schedule down the rows), then row by row (across the columns) among the
    others, where ``cells`` gives each cell's (sheet, row, column); else in their order."""
    if cells is None:
        return _chains_of(shapes, level, min_size, lambda k: ((), k))
    chains = _chains_of(shapes, level, min_size,
                        lambda k: ((cells[k][0], cells[k][2]), cells[k][1]))
    taken = {k for c in chains for k in c.members}
    rest = {k: (None if k in taken else s) for k, s in shapes.items()}
    return chains + _chains_of(rest, level, min_size,
                               lambda k: ((cells[k][0], cells[k][1]), cells[k][2]))


def _chains_of(shapes: dict[int, Shape | None], level: dict[int, int], min_size: int,
               lane: Callable[[int], tuple[tuple, int]]) -> list[Chain]:
    """The schedules among the cells: shapes (the cells of one shape in one ``lane``: a
    column, ordered by the second item) whose members lie on ``min_size`` or more
    dependency levels, each member's operand j reading (where it reads a cell of such a
    shape) the same shape at the same distance in that shape's order of members; rows
    aligned so that a member reads only earlier rows or earlier shapes of its row; the rows
    every shape has (``min_size`` or more) looped, the others left out."""
    by_key: dict[tuple, list[tuple[int, int]]] = {}
    for k, s in shapes.items():
        if s is not None:
            where, at = lane(k)
            by_key.setdefault((s.key, where), []).append((at, k))
    by_key = {key: [k for _, k in sorted(ks)] for key, ks in by_key.items()}
    cand = {key: ks for key, ks in by_key.items()
            if len({level[k] for k in ks}) >= min_size}
    # operand j of each member of A reads shape B at position (own position + delta): the
    # same (B, delta) for most members; the others (a first row reading an input) are left
    # out, the positions of the rest kept
    pos = {k: (key, i) for key, ks in cand.items() for i, k in enumerate(ks)}
    sig: dict[tuple, tuple] = {}
    fixed: dict[tuple, set[int]] = {}
    members: dict[tuple, dict[int, int]] = {}        # shape -> position -> cell
    for key, ks in cand.items():
        # an operand reading one cell in every row (an absolute reference): from outside
        first = shapes[ks[0]]
        assert first is not None
        same = [all(shapes[k].ids[j] == n for k in ks)   # type: ignore[union-attr]
                for j, n in enumerate(first.ids)]
        fixed[key] = {n for j, n in enumerate(first.ids) if same[j] and first.kinds[j] in "vwy"}
        per: list[tuple] = []
        for i, k in enumerate(ks):
            s = shapes[k]
            assert s is not None
            per.append(tuple((pos[n][0], pos[n][1] - i)
                             if kind in "vwy" and n in pos and not same[j] else None
                             for j, (kind, n) in enumerate(zip(s.kinds, s.ids, strict=True))))
        best = collections.Counter(per).most_common(1)[0][0]
        members[key] = {i: k for i, (k, p) in enumerate(zip(ks, per, strict=True)) if p == best}
        sig[key] = best
    cand = {key: ks for key, ks in cand.items() if len(members[key]) >= min_size}
    # shapes linked by their reads, each set of linked shapes one chain
    edges = {key: {b for b in sig[key] if b is not None and b[0] in cand} for key in cand}
    linked: dict[tuple, set[tuple]] = {key: set() for key in cand}
    for a, bs in edges.items():
        for b, _ in bs:
            linked[a].add(b)
            linked[b].add(a)
    chains: list[Chain] = []
    seen: set[tuple] = set()
    for root in sorted(cand, key=lambda key: cand[key][0]):
        if root in seen or not linked[root]:
            continue
        comp = [root]
        seen.add(root)
        for a in comp:
            for b in sorted(linked[a], key=lambda key: cand[key][0]):
                if b not in seen:
                    seen.add(b)
                    comp.append(b)
        got = _chain(comp, members, edges)
        # a row reading one member of the chain in every row: not a chain (that member
        # would be computed in a row of its own)
        if got is not None and not {n for a in comp for n in fixed[a]} & {
                k for ks in got for k in ks}:
            chains.append(Chain([Family(shapes[ks[0]], ks,   # type: ignore[arg-type]
                                        [shapes[m].ids for m in ks])  # type: ignore[union-attr]
                                 for ks in got]))
    return chains


def _chain(comp: list[tuple], members: dict[tuple, dict[int, int]],
           edges: dict[tuple, set[tuple]]) -> list[list[int]] | None:
    """The members of the linked shapes ``comp`` row by row (one list per shape, in the
    order of a row), or None where they make no chain."""
    # row of member i of shape A: i + off[A]; A reading B at index i + delta: same row
    # (B earlier in it) where off[B] = off[A] - delta, an earlier one where less
    adj: dict[tuple, list[tuple[tuple, int]]] = {a: [] for a in comp}
    for a in comp:
        for b, delta in edges[a]:
            adj[a].append((b, -delta))
            adj[b].append((a, delta))
    off = {comp[0]: 0}
    todo = [comp[0]]
    while todo:
        a = todo.pop()
        for b, step in adj[a]:
            if b not in off:
                off[b] = off[a] + step
                todo.append(b)
    before: dict[tuple, set[tuple]] = {a: set() for a in comp}
    for a in comp:
        for b, delta in edges[a]:
            d = off[a] - delta - off[b]     # rows back
            if d < 0 or (d == 0 and a == b):
                return None
            if d == 0:
                before[a].add(b)
    row: list[tuple] = []                   # the shapes in the order of a row
    while len(row) < len(comp):
        ready = [a for a in comp if a not in row and before[a] <= set(row)]
        if not ready:
            return None
        row.append(ready[0])
    # the longest run of rows that every shape has; where that is too short (a column's
    # last rows of another shape: a loan's IPMT past row 150 where the interval checks
    # differ, a shape of its own in the same column), the shapes that no other shape of the
    # chain reads are left out, the fewest rows first, while they cut the run short
    rows = {a: {i + off[a] for i in members[a]} for a in comp}
    while True:
        lo, hi = _longest_run(set.intersection(*(rows[a] for a in row)))
        if hi - lo + 1 >= FAMILY_MIN:
            break
        read = {b for a in row for b, _ in edges[a] if b != a}
        sinks = [a for a in row if a not in read]
        if len(row) < 2 or not sinks:
            return None
        row.remove(min(sinks, key=lambda a: len(rows[a])))
    return [[members[a][r - off[a]] for r in range(lo, hi + 1)] for a in row]


def _longest_run(rows: set[int]) -> tuple[int, int]:
    """The first and last of the longest run of consecutive numbers in ``rows`` ((0, -1)
    where none)."""
    full = sorted(rows)
    best: tuple[int, int] = (0, -1)
    start = 0
    for j in range(1, len(full) + 1):
        if j == len(full) or full[j] != full[j - 1] + 1:
            if j - start > best[1] - best[0] + 1:
                best = (full[start], full[j - 1])
            start = j
    return best


def _reads(k: int, lines: list[str]) -> frozenset[int]:
    """The other cells whose v/w/y names ``lines`` read."""
    out = set()
    for line in lines:
        for m in _TOKEN.finditer(line):
            if m.group(2) in ("v", "w", "y") and int(m.group(3)) != k:
                out.add(int(m.group(3)))
    return frozenset(out)


def family_loop(f: Family, fid: int, base: int, slot: dict[int, int], indent: str,
                stores: dict[int, list[str]] | None = None) -> tuple[list[str], list[int]]:
    """The loop computing family ``f`` for one trial (column ``i``, block row ``b``), its
    members' gather table starting at ``gi[base]`` (returned), and its lines; the output
    stores of ``stores`` (member -> its lines) that the loop makes are taken out of it."""
    p = f"g{fid}"
    template, rows = _output_template(f, stores)
    table = _gather_table(f, slot, rows)
    lines = [f"for {p}m in range({len(f.members)}):"]
    lines += ["    " + line for line in _member_lines(f.shape, p, base, f"{p}m", template)]
    return [indent + line for line in lines], table


def _gather_table(f: Family, slot: dict[int, int], rows: dict[int, int]) -> list[int]:
    """Per member of ``f``: its operands' input rows, slots, constant indices, uniform rows,
    scratch rows of ``ur``, then its own slot and its output row (-1: none in the loop)."""
    table: list[int] = []
    for j, (m, ids) in enumerate(zip(f.members, f.ids, strict=True)):
        own = f.kinds[j] if f.kinds is not None else f.shape.kinds
        for kind, mine, n in zip(f.shape.kinds, own, ids, strict=True):
            if kind == "a":   # a value of any kind: its index and its kind's code
                table.append((slot[n] if mine == "v" else n) * 4 + ANY_KINDS[mine])
            else:
                table.append(slot[n] if kind in "vwy" else n)
        table += [slot[m], rows.get(m, -1)]
    return table


_OUT = re.compile(r"^out_([ve])\[(\d+), i\] = (.*)$")
_OWN_NAME = re.compile(r"\b[a-z]\d+\b")


def _output_template(f: Family, stores: dict[int, list[str]] | None
                     ) -> tuple[tuple[str, str] | None, dict[int, int]]:
    """The output stores of ``f``'s members (``out_v[r, i] = <value>``, ``out_e[r, i] =
    <code>``, from its own V/W/Y only) that one loop line pair makes: the most common pair
    of expressions with the member's names abstracted, and the output row of each member
    storing that pair (taken out of ``stores``).  Every cell of a 5,000-cell schedule an
    output was ~5 lines a member after the loop (its slot's loads, its stores)."""
    if not stores:
        return None, {}
    found: dict[int, tuple[tuple[str, str], int]] = {}
    for m in f.members:
        got = [_OUT.match(line) for line in stores.get(m, ())]
        if len(got) != 2 or None in got or [g.group(1) for g in got] != ["v", "e"] \
                or got[0].group(2) != got[1].group(2):   # type: ignore[union-attr]
            continue
        own = {f"v{m}": "V", f"w{m}": "W", f"y{m}": "Y"}
        pair = tuple(re.sub(r"\b[vwy]\d+\b", lambda x, own=own: own.get(x.group(0), x.group(0)),
                            g.group(3)) for g in got)   # type: ignore[union-attr]
        if any(_OWN_NAME.search(e) for e in pair) or (
                re.search(r"\bW\b", "".join(pair)) and not f.shape.has_error) or (
                re.search(r"\bY\b", "".join(pair)) and not f.shape.has_tag):
            continue
        found[m] = (pair, int(got[0].group(2)))   # type: ignore[union-attr]
    if not found:
        return None, {}
    template = collections.Counter(t for t, _ in found.values()).most_common(1)[0][0]
    rows = {m: r for m, (t, r) in found.items() if t == template}
    for m in rows:
        del stores[m]
    return template, rows  # type: ignore[return-value]


def _member_lines(s: Shape, p: str, base: int, row: str,
                  output: tuple[str, str] | None = None) -> list[str]:
    """The lines computing member ``row`` (a loop variable) of a family of shape ``s`` whose
    gather table starts at ``gi[base]``: its operands gathered, its lines, its value stored
    in its slot of ``sv``/``se`` (and, with ``output``, in its output row where it has one);
    ``p`` prefixes its names."""
    width = len(s.kinds) + 2
    load = {"x": "out_in[{}, i]", "v": "sv[b, {}]", "w": "int(se[b, {}]) & 15",
            "y": "float(int(se[b, {}]) >> 4)", "k": "kv[{}]", "q": "ke[{}]", "u": "ur[{}, b]",
            "z": "{}"}   # a shared scratch: its first row of ur
    lines = [f"{p}j = {base} + {row} * {width}"]
    for j, kind in enumerate(s.kinds):
        if kind == "a":   # a value of any kind (ANY_KINDS): index * 4 + its kind's code
            c = f"{p}c{j}"
            lines += [f"{c} = gi[{p}j + {j}]",
                      f"{p}p{j} = sv[b, {c} // 4] if {c} % 4 == 0 else kv[{c} // 4] if "
                      f"{c} % 4 == 1 else out_in[{c} // 4, i] if {c} % 4 == 2 else "
                      f"ur[{c} // 4, b]"]
            continue
        lines.append(f"{p}p{j} = " + load[kind].format(f"gi[{p}j + {j}]"))
    names = {"V": f"{p}v", "W": f"{p}w", "Y": f"{p}y"}

    body = re.sub(r"\b([VWY])\b|\b([TP])(\d+)\b",
                  lambda m: names[m.group(1)] if m.group(1) else
                  f"{p}{m.group(2).lower()}{m.group(3)}", _scratch_rows(s, s.text))
    lines += body.split("\n")
    dst = f"gi[{p}j + {width - 2}]"
    lines.append(f"sv[b, {dst}] = {p}v")
    err = f"{p}w" if s.has_error else "0"
    lines.append(f"se[b, {dst}] = {err} + 16 * int({p}y)" if s.has_tag else
                 f"se[b, {dst}] = {err}")
    if output is not None:
        value, code = (re.sub(r"\b([VWY])\b", lambda m: names[m.group(1)], e) for e in output)
        lines += [f"{p}o = gi[{p}j + {width - 1}]", f"if {p}o >= 0:",
                  f"    out_v[{p}o, i] = {value}", f"    out_e[{p}o, i] = {code}"]
    return lines


def _scratch_rows(s: Shape, text: str) -> str:
    """``text`` of shape ``s`` with each use of a shared scratch operand ``P<j>[...]`` as the
    rows of ``ur`` it lives in: an element ``P<j>[e]`` (a constant or a per-trial position)
    as ``ur[P<j> + (e), b]``, the whole array ``P<j>[:size]`` as the view
    ``ur[P<j>:P<j> + size, b]`` (``P<j>`` being its first row)."""
    out: list[str] = []
    at = 0
    for m in _SCRATCH_OPEN.finditer(text):
        j = int(m.group(1))
        if m.start() < at or s.kinds[j] != "z":
            continue
        depth, end = 1, m.end()
        while depth:
            depth += {"[": 1, "]": -1}.get(text[end], 0)
            end += 1
        inner = _scratch_rows(s, text[m.end():end - 1])
        row = f"P{j}"
        out.append(text[at:m.start()])
        out.append(f"ur[{row}:{row} + {inner[1:]}, b]" if inner.startswith(":") else
                   f"ur[{row} + {inner}, b]" if inner.isdigit() else
                   f"ur[{row} + ({inner}), b]")
        at = end
    out.append(text[at:])
    return "".join(out)


def chain_loop(c: Chain, fid: int, base: int, slot: dict[int, int], indent: str,
               stores: dict[int, list[str]] | None = None) -> tuple[list[str], list[int]]:
    """The loop computing chain ``c`` for one trial: one iteration per row, its shapes in
    turn (a member reading an earlier row reads the slot that iteration wrote); the gather
    tables of its shapes one after the other from ``gi[base]`` (returned), and its lines;
    the output stores of ``stores`` that the loop makes are taken out of it."""
    p = f"g{fid}"
    lines = [f"for {p}r in range({c.rows}):"]
    table: list[int] = []
    for j, f in enumerate(c.families):
        template, rows = _output_template(f, stores)
        lines += ["    " + line for line in
                  _member_lines(f.shape, f"{p}s{j}", base + len(table), f"{p}r", template)]
        table += _gather_table(f, slot, rows)
    return [indent + line for line in lines], table


def unit_loop(u: Family | Chain, fid: int, base: int, slot: dict[int, int], indent: str,
              stores: dict[int, list[str]] | None = None) -> tuple[list[str], list[int]]:
    """The loop of a family or a chain (:func:`family_loop`, :func:`chain_loop`); the
    members' output stores it makes are taken out of ``stores`` (member -> its lines)."""
    if isinstance(u, Chain):
        return chain_loop(u, fid, base, slot, indent, stores)
    return family_loop(u, fid, base, slot, indent, stores)


def unit_table_size(u: Family | Chain) -> int:
    """The entries of ``gi`` the loop of a family or a chain gathers through."""
    fams = u.families if isinstance(u, Chain) else [u]
    return sum(len(f.members) * (len(f.shape.kinds) + 2) for f in fams)


def unit_lines(u: Family | Chain) -> int:
    """About the lines the loop of a family or a chain has."""
    fams = u.families if isinstance(u, Chain) else [u]
    return sum(len(f.shape.text.split("\n")) + len(f.shape.kinds) + 8 for f in fams)


def unit_operands(u: Family | Chain) -> list[int]:
    """The cells whose values (or error codes, tags) the loop gathers through slots."""
    fams = u.families if isinstance(u, Chain) else [u]
    return [n for f in fams for j, ids in enumerate(f.ids)
            for kind, n in zip(f.kinds[j] if f.kinds is not None else f.shape.kinds, ids,
                               strict=True) if kind in "vwy"]


# ----------------------------------------------------------------- reductions over families
CHAIN_MIN = 8   # a reduction over fewer cells of families stays straight-line code
_LINE = re.compile(r"^([a-z]\d+) = (.*)$")
_VALUE = re.compile(r"\bv(\d+)\b")
_FE = re.compile(r"^fe\((\w+), (.*)\)$")
_WORD = re.compile(r"\w+")   # a name as a whole word: what ``\bname\b`` matches


def words(text: str) -> collections.Counter[str]:
    r"""How often each whole word (a name: ``t12``, ``v3``) occurs in ``text``: counts read in
    O(1), where a pattern ``\bt12\b`` per name was compiled anew (a sheet of 43,000 cells
    made 370,000 patterns, past ``re``'s cache, a third of its generation time)."""
    return collections.Counter(_WORD.findall(text))


def rename(text: str, old: str, new: str) -> str:
    r"""``text`` with every whole word ``old`` replaced by ``new`` (``re.sub(rf"\b{old}\b",
    new, text)`` without a pattern per name)."""
    if old not in text:
        return text
    return _WORD.sub(lambda m: new if m.group(0) == old else m.group(0), text)


def loop_chains(lines: list[str], looped: set[int], base: int, tag: str
                ) -> tuple[list[str], list[int]]:
    """``lines`` of one cell with its long reductions over cells of families (a SUM, MAX,
    AVERAGE over a column of them: ``t2 = t1 + v24``, ``t3 = t2 + v49``, ...; the first error
    of them: ``fe(w24, fe(w49, ...))``) as loops reading the values from their slots, in the
    same order (the same numbers); and the cells read, in order (their slots go to
    ``gi[base:]``).  ``looped``: the cells of families; ``tag`` makes the loop names unique."""
    out: list[str] = []
    table: list[int] = []
    lines = _sink(lines, looped)
    text = words("\n".join(lines))
    i = 0
    while i < len(lines):
        got = _fold_errors(lines[i], looped, base + len(table), f"{tag}e{i}")
        if got is not None:
            out += got[0]
            table += got[1]
            i += 1
            continue
        got = loop_fills(lines, i, looped, base + len(table), f"{tag}g{i}", CHAIN_MIN)
        if got is not None:   # a gathered range's copy of them (_gather)
            out += got[0]
            table += got[1]
            i = got[2]
            continue
        run = _run(lines, i, looped, text)
        if run is None:
            got = _blocks(lines, i, looped, text, base + len(table), f"{tag}b{i}")
            if got is not None:
                out += got[0]
                table += got[1]
                i = got[2]
                continue
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


def _run(lines: list[str], i: int, looped: set[int], text: collections.Counter[str]
         ) -> tuple[str, str, list[int]] | None:
    """The reduction starting after line ``i``: (its last name, the template of a step, the
    cells it reads), or None where it is shorter than CHAIN_MIN.  ``text``: the names of
    all the cell's lines, counted (:func:`words`)."""
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
        if _WORD.findall(expr).count(prev) != 1 or len(values) != 1 \
                or int(values[0]) not in looped \
                or (j > i + 1 and text[prev] != 2):   # a step's name: read once
            break
        step = _VALUE.sub("\0X", rename(expr, prev, "\0A"))
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


_DEFINES = re.compile(r"^([tf]\d+) = (.*)$")
_NAMES = re.compile(r"\b([tfvwy])(\d+)\b")


def _sink(lines: list[str], looped: set[int]) -> list[str]:
    """``lines`` with each line that maps one cell of a family to a temporary used once
    (``t7 = sel(y24 == 0.0, v24, 0.0)``: a SUM's term over a value of varying kind) moved to
    just before the line using it, so that a reduction's steps are blocks of lines in a row
    (:func:`_blocks`).  Such a line reads nothing else that a line defines: moving it later
    changes no value."""
    text = words("\n".join(lines))
    # the lines each name occurs on, in order (made where needed): the first use after a
    # line found by bisection, where a scan line by line was quadratic in a cell of 10^4
    # terms defined before their sum
    where: dict[str, list[int]] | None = None
    defined: dict[str, int] = {}
    for line in lines:
        m = _DEFINES.match(line)
        if m is not None:
            defined[m.group(1)] = defined.get(m.group(1), 0) + 1
    use_of: dict[int, int] = {}          # line -> the line using its name
    for i, line in enumerate(lines):
        m = _DEFINES.match(line)
        if m is None or defined[m.group(1)] != 1:
            continue
        names = _NAMES.findall(m.group(2))
        cells = {int(n) for kind, n in names if kind in "vwy"}
        if len(cells) != 1 or not cells <= looped or any(kind in "tf" for kind, _ in names):
            continue
        if text[m.group(1)] != 2:
            continue
        if where is None:
            where = {}
            for j, other in enumerate(lines):
                for name in set(_WORD.findall(other)):
                    where.setdefault(name, []).append(j)
        on = where.get(m.group(1), ())
        at = bisect.bisect_right(on, i)
        if at < len(on):
            use_of[i] = on[at]
    if not use_of:
        return lines
    before: dict[int, list[int]] = {}
    for i, j in use_of.items():
        before.setdefault(j, []).append(i)
    out: list[str] = []
    for j, line in enumerate(lines):
        if j in use_of:
            continue
        out += [lines[i] for i in before.get(j, [])]
        out.append(line)
    return out


def _abstract(block: list[str], looped: set[int]) -> tuple[str, int, str, str] | None:
    """A block of lines as (its template, the cell of a family it reads, the one name from
    before it that it reads, the name it defines last), or None."""
    own: dict[str, str] = {}
    for line in block:
        m = _DEFINES.match(line)
        if m is None or m.group(1) in own:
            return None
        own[m.group(1)] = ""
    cells: set[int] = set()
    outer: set[str] = set()
    for line in block:
        for kind, n in _NAMES.findall(line.split(" = ", 1)[1]):
            if kind in "vwy":
                cells.add(int(n))
            elif kind + n not in own:
                outer.add(kind + n)
    if len(cells) != 1 or not cells <= looped or len(outer) != 1:
        return None
    cell, carried = cells.pop(), outer.pop()
    names = {name: f"\0L{j}" for j, name in enumerate(own)}

    def sub(m: re.Match) -> str:
        token = m.group(1) + m.group(2)
        if m.group(1) in "vwy":
            return f"\0{m.group(1).upper()}"
        return "\0A" if token == carried else names.get(token, token)

    template = "\n".join(_NAMES.sub(sub, line) for line in block)
    return template, cell, carried, list(own)[-1]


def _blocks(lines: list[str], i: int, looped: set[int], text: collections.Counter[str],
            base: int, tag: str) -> tuple[list[str], list[int], int] | None:
    """A reduction whose steps are blocks of 1 to 3 lines from line ``i`` (a MAX over values
    of varying kind: ``t5 = y7 == 0.0`` / ``t6 = sel(t5, max(t4, v7), t4)``; a SUM's term
    and its addition), each block reading one cell of a family and the last name of the
    block before: a loop over the cells' slots (``gi[base:]``), the same lines in the same
    order; (its lines, the cells, the line after it), or None."""
    for size in (2, 3, 1):
        first = _abstract(lines[i:i + size], looped)
        if first is None:
            continue
        template, cell, carried, last = first
        cells = [cell]
        names = [last]
        j = i + size
        while j + size <= len(lines):
            got = _abstract(lines[j:j + size], looped)
            if got is None or got[0] != template or got[2] != last:
                break
            cells.append(got[1])
            last = got[3]
            names.append(last)
            j += size
        if len(cells) < CHAIN_MIN:
            continue
        # the blocks' names are read by the next block only, the last one's after the loop
        inner = [m.group(1) for line in lines[i:j] if (m := _DEFINES.match(line))]
        span = words("\n".join(lines[i:j]))
        if any(text[n] != span[n] for n in inner if n != last):
            continue
        acc, x = f"{tag}a", f"{tag}j"
        loads = {"V": f"{tag}v = sv[b, gi[{base} + {x}]]",
                 "W": f"{tag}w = int(se[b, gi[{base} + {x}]]) & 15",
                 "Y": f"{tag}y = float(int(se[b, gi[{base} + {x}]]) >> 4)"}
        body = [loads[k] for k in "VWY" if f"\0{k}" in template]
        final = f"\0L{template.count(chr(10))}"
        for line in template.split("\n"):
            line = line.replace(final, acc).replace("\0A", acc)
            line = re.sub(r"\0L(\d+)", lambda m: f"{tag}l{m.group(1)}", line)
            for k in "VWY":
                line = line.replace(f"\0{k}", f"{tag}{k.lower()}")
            body.append(line)
        out = [f"{acc} = {carried}", f"for {x} in range({len(cells)}):"]
        out += ["    " + line for line in body] + [f"{last} = {acc}"]
        return out, cells, j
    return None


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
