"""Code generator: the IR of a program's stochastic slice -> the source of one fused kernel.

Passes (each a method of :class:`Generator`, readable on its own):

1. **resolve** every reference: an input (``x<j>``, drawn in the loop), a varying cell
   already generated (``v<k>``/``w<k>``), or a constant (an element of the ``kv``/``ke``
   argument arrays, loaded once before the loop);
2. **fold** every sub-expression that reads only constants: the numpy compiler evaluates it
   once (so its value is exactly the reference's) and it becomes one more constant argument;
3. **emit** straight-line per-trial code for each varying cell, in dependency order, with
   Excel semantics per trial: a float64 value and an int error code (0 = none; the leftmost
   argument's error wins; #DIV/0! on x/0; #NUM! on non-finite results; IF and IFERROR
   select).  An interval analysis (:mod:`._intervals`) leaves out the tests that can
   never fire.  The code has no branches: numba compiles a long basic block of calls to the
   small helpers of :mod:`._rt` much faster than the same logic with ``if``;
4. **assemble** the module: cells whose lines are the same up to the names they read (a
   formula copied down a column) computed by one loop each (:mod:`._families`: compiled
   once, whatever the number of rows), the others as straight-line code; grouped in
   segments (functions of bounded size, which keeps compile time near linear), a kernel
   looping over trials in blocks, input draws from Philox through the inverse CDFs (SUMs
   over many RAND cells vectorized there too), and stores of the outputs only (and of the
   few cells the numpy part still reads).

A cell whose formula uses anything outside the supported subset raises :class:`NotFusable`
while it is generated; it and every cell downstream of it are left to the numpy evaluator.

Names in the source come from counters (``x0``, ``v3``, ``w3``, ``t17``), never from sheet
or defined names; numbers from formulas are emitted with ``repr(float)`` after a finiteness
check; workbook constants reach the kernel as argument arrays.  Nothing from a workbook is
ever pasted into the source.
"""

from __future__ import annotations

import collections
import hashlib
import math
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ... import ir
from ..._external_data import external_functions
from ..._gcpause import paused
from ...compiler import compile_formula, stream_id
from ...values import VALUE, ExcelError, Grid, Vec
from . import _intervals as iv
from ._array_dtext import element_value
from ._array_fills import ArrayFills
from ._arrays import ArrayElements
from ._arrays import members as array_members
from ._cache_stamp import runtime_version
from ._conditionals import DIRECT, ConditionalsMixin, fixed_compare
from ._const_fold import fold_counts, fold_errors
from ._database import DatabaseMixin
from ._draw_loops import Fill, fill_lines, u01_lines
from ._dtext import DynamicRead, DynamicText
from ._dtext_fmt_rt import KERNEL_NAMES as DTEXT_FMT
from ._dtext_rt import KERNEL_NAMES as DTEXT_RT
from ._dtext_rt import READ_NAMES as DTEXT_READ
from ._dvalue import dyn_condition, dyn_number, dyn_value_number
from ._dynarrays import DynArraysMixin, DynAt, reads_dynamic, spill_lines
from ._families import (
    ALL_MIXED,
    IF_PASSES,
    Chain,
    Family,
    IfBranches,
    LineBudget,
    find_families,
    loop_chains,
    rename,
    unit_lines,
    unit_loop,
    unit_operands,
    unit_table_size,
)
from ._fill_pieces import FillPiece, split_fills
from ._fits import FITS, FitAt, FitsMixin
from ._fixed_lookups import with_fixed_returns
from ._functions import FunctionsMixin
from ._gather import row_errors
from ._groupby import GroupByMixin
from ._index_ref import IndexAt
from ._indirect import IndirectMixin
from ._lambdas import expand_lambdas
from ._mapped_intersection import intersect_mapped
from ._matrices import MatricesMixin
from ._mixed import SELECTORS, MixedMixin
from ._offset import OffsetAt, OffsetMixin
from ._randarrays import RANDAT, RandArrayMixin, randarray_streams
from ._range_memo import fold_once_per_cell
from ._row_loops import RowLoopMixin
from ._rt_annuity import KERNEL_NAMES as RT_ANNUITY
from ._rt_bessel import KERNEL_NAMES as RT_BESSEL
from ._rt_calendar import KERNEL_NAMES as RT_CALENDAR
from ._rt_dist import KERNEL_NAMES as RT_DIST
from ._rt_dvalue import KERNEL_NAMES as RT_DVALUE
from ._rt_dynarrays import KERNEL_NAMES as RT_DYNARRAYS
from ._rt_fits import KERNEL_NAMES as RT_FITS
from ._rt_functions import KERNEL_NAMES as RT_FUNCTIONS
from ._rt_long_criteria import KERNEL_NAMES as RT_LONG_CRITERIA
from ._rt_math import KERNEL_NAMES as RT_MATH
from ._rt_matrices import KERNEL_NAMES as RT_MATRICES
from ._rt_securities import KERNEL_NAMES as RT_SECURITIES
from ._scan_loops import ScanLoopMixin
from ._securities import SecuritiesMixin
from ._shared_lines import SharedLinesMixin, loop_codes
from ._spines import levels, long_spine, spine_expr
from ._text import ENUMERATED, TextMixin
from ._values import (
    BLANK,
    KANY,
    KBLANK,
    KBOOL,
    KDYN,
    KNUM,
    KSTR,
    NotFusable,
    NotYet,
    Val,
    code,
    lit,
    num,
)

__all__ = ["Generator", "InputSampler", "KernelPlan", "NotFusable", "generate"]

if TYPE_CHECKING:
    from ...model import Program
    from ...workbook import CellRef

MAX_KERNEL_LINES = 20_000    # beyond this the kernel would take minutes to compile
SEGMENT_LINES = 800          # cells are compiled in functions of about this many lines
FILL_PIECE_LINES = 400       # a long fill of shared scratch arrays cut in pieces of this size
BLOCK = 512                  # trials per block: inputs drawn, then cells computed, in cache
UR_BYTES = 1 << 22           # at most this much of RAND uniforms per block (else smaller blocks)
RAND_CALLS = ("RAND", "RANDBETWEEN")
GROUP_MIN = 32               # random cells drawn as a group from this many on  # the compiler numbers a cell's streams over both
# folding these would evaluate them outside the trial (random, or reading cells dynamically)
_NO_FOLD = frozenset(ir.VOLATILE - {"NOW", "TODAY"})
_NAME = re.compile(r"\b([kqxvwyz])(\d+)\b")
JIT = "@njit(nogil=True, cache=True, error_model='numpy')"
TABLE_PPFS = ("ppf_discrete", "ppf_pertfast")   # take (dp, off) and read their own layout


# Formulas nested deeper run on the numpy backend (which has no depth limit).
MAX_FUSED_LEVELS = 100


@dataclass(frozen=True)
class InputSampler:
    """How the kernel gets an input's samples: ``ppf`` names a runtime inverse CDF taking
    (u, *params), or (u, dp, offset) for the TABLE_PPFS (params go to the ``dp`` argument),
    or ``None`` when the samples are drawn outside the kernel and passed in the ``ext``
    argument.  ``bounds`` holds every sample; ``exact``: bit for bit the distribution's ppf
    (else within a few units in the last place)."""

    ppf: str | None
    params: tuple[float, ...] = ()
    bounds: tuple[float, float] = iv.UNKNOWN
    exact: bool = True


@dataclass
class KernelPlan:
    """What the generator made: the source and the arrays its arguments need."""

    source: str
    key: str
    inputs: list[CellRef]
    ext_inputs: list[CellRef]                 # inputs drawn outside the kernel (rows of ext)
    streams: np.ndarray                       # sids argument (uint64)
    kv: np.ndarray                            # constant values
    ke: np.ndarray                            # constant error codes
    dp: np.ndarray                            # distribution parameters
    fused: list[CellRef]                      # cells the kernel computes
    stored: list[CellRef]                     # cells written to out_v/out_e (row order)
    stored_kinds: dict[CellRef, str]
    rest: list[CellRef]                       # cells left to the numpy evaluator, in order
    reasons: dict[CellRef, str] = field(default_factory=dict)  # why a cell is not fused
    segments: int = 1
    strings: list[str] = field(default_factory=list)          # text ids -> strings
    text_ids: set = field(default_factory=set)   # stored text cells holding ids (not #VALUE!)
    gi: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # families' gathers
    families: int = 0                             # loops over cells of one shape


_PYCMP = {"=": "==", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_OPCMP = {"=": operator.eq, "<>": operator.ne, "<": operator.lt, "<=": operator.le,
          ">": operator.gt, ">=": operator.ge}


# the most error codes one fe(..) expression nests: Python's parser refuses a line of more
# than 200 nested parentheses (RANK.AVG of a value in 1,242 returns that may each be #NUM!)
CHAIN_DEPTH = 100


def _nested(terms: list[str]) -> str:
    """``fe(a, fe(b, ... z))``: the first non-zero code of ``terms`` (a literal ends it)."""
    tail = "0"
    for t in reversed(terms):
        tail = t if (t.isdigit() or tail == "0") else f"fe({t}, {tail})"
    return tail


class Generator(SharedLinesMixin, MatricesMixin, FunctionsMixin, TextMixin, MixedMixin,
                ConditionalsMixin, FitsMixin, DynArraysMixin, OffsetMixin, IndirectMixin, DatabaseMixin,
                SecuritiesMixin, RowLoopMixin, GroupByMixin, RandArrayMixin, ScanLoopMixin):
    """Generates the kernel of one program.  ``samplers`` says how each input is drawn."""

    def __init__(self, program: Program, samplers: dict[CellRef, InputSampler],
                 sampling: str | None = "mc", alone: frozenset = frozenset(),
                 mixed: set | None = None) -> None:
        from ...model import Env

        self.program = program
        self.model = program.model
        self.samplers = samplers
        self.sampling = sampling   # "mc" or "lhs": uniforms drawn in the kernel; None: not
        self.env = Env(self.model, n=1, now=program.now)
        self.env.values.update(program.constants)
        self.steps = set(program.steps)
        self.done: set[CellRef] | None = None   # cells generate() has fused or left to numpy
        self.inputs = list(program.inputs)
        self.input_vals = {c: num(f"x{j}", "0", iv.make(*samplers[c].bounds)
                                  if iv.bounded(samplers[c].bounds) else iv.UNKNOWN)
                           for j, c in enumerate(self.inputs)}
        self.cells: dict[CellRef, Val] = {}
        self.text_ids: set[CellRef] = set()
        self.override: dict[int, Val] = {}   # argument node -> its Val (MixedMixin.split_call)
        self.strings: list[str] = []
        self.string_ids: dict[str, int] = {}
        self.consts: list[tuple[float, int]] = []
        self.const_index: dict[object, int] = {}
        # constant cell -> (its kv slot, its Val): a range of 10,000 constants read by each
        # of 175 COUNTIFs (maartenmoes9 Monte_Carlo) looked each cell up every time
        self.cell_consts: dict[CellRef, tuple[int, Val]] = {}
        self.streams: list[int] = []            # uniform streams drawn in the kernel
        self.stream_index: dict[int, int] = {}
        self.rand_rows: dict[int, int] = {}     # RAND stream -> row of the ``ur`` scratch
        # random cells drawn as a group (rows 0 .. len-1 of ``ur``): cell -> (row, how, mean,
        # sd), how 0 RAND(), 1 NORM.INV(RAND(), mean, sd)
        self.group: dict[CellRef, tuple[int, int, float, float]] = {}
        self.group_p0 = 0                        # their parameters' offset in ``dp``
        self.scratches: dict[str, int] = {}     # scratch arrays (z<n>) -> size
        # cells of array formulas generated with their first cell: cell -> (lines, value)
        self.array_members: dict[CellRef, tuple[list[str], Val]] = {}
        self.array_new: list[CellRef] = []     # those made with the last cell generated
        # IR made while generating (array elements, IFS), kept alive: constants are keyed by
        # the id of their node
        self.array_ir: list[object] = []
        # scratch arrays read by several cells (a fit's result): rows of ``ur``, per trial
        self.shared_scratch: set[str] = set()
        self.cell_number = 0   # the number (v<n>) of the cell being generated
        self.lines: list[str] = []
        self.ntmp = 0
        self.cell: CellRef | None = None
        self.rand_sid: dict[int, int] = {}
        self._const_memo: dict[int, tuple[ir.Node, bool]] = {}
        self.folded: list[ir.Node] = []   # the folded nodes (their ids key constants)
        self._area_memo: dict[ir.Area, bool] = {}
        self.varying_by_sheet: dict[str, list[CellRef]] = {}
        for c in [*self.inputs, *program.steps]:
            self.varying_by_sheet.setdefault(c.sheet, []).append(c)
        # an IF whose condition is the same in every trial: its branch alone? (_families)
        self.if_branches = IfBranches(self._copies, alone, mixed)

    def _copies(self, c: object) -> tuple[int, object]:
        """The number of cells of the slice with cell ``c``'s formula (relative references
        as offsets: a formula copied down a column), and the formula's key."""
        got = self.__dict__.get("_copy_count")
        if got is None:
            keys = {x: self._formula_key(x) for x in self.program.steps}
            count = collections.Counter(keys.values())
            got = self.__dict__["_copy_count"] = {
                x: (count[k] if k is not None else 1, k) for x, k in keys.items()}
        return got.get(c, (1, None))

    def _formula_key(self, c: CellRef) -> tuple | None:
        from ..._parse_cache import relative_key

        wb_cell = self.model.workbook.cell(c)
        if wb_cell is None or not isinstance(wb_cell.formula, str):
            return None
        # references after a sheet name as offsets too: copies of ='Asset Register'!C16=""
        key = relative_key(wb_cell.formula, c.row, c.col, sheets=True)
        return None if key is None else (c.sheet, key)

    # ---------------------------------------------------------------- emitting
    def value(self, expr: str) -> str:
        """A new local holding ``expr``."""
        self.ntmp += 1
        name = f"t{self.ntmp}"
        self.lines.append(f"{name} = {expr}")
        return name

    def err(self, expr: str) -> str:
        """``expr`` as a name or literal (a new local for longer expressions)."""
        if expr.isdigit() or expr.isidentifier():
            return expr
        self.ntmp += 1
        name = f"f{self.ntmp}"
        self.lines.append(f"{name} = {expr}")
        return name

    def chain(self, errs: list[str], checks: Sequence[tuple[str, int] | None] = ()) -> str:
        """The first non-zero error of ``errs``, else the code of the first check that holds,
        else 0 (the leftmost argument's error wins).  A check is (condition, code), or
        (expression giving a code, 0), or None when the interval analysis ruled it out."""
        terms = [e for e in errs if e != "0"]
        for chk in checks:
            if chk is not None:
                cond, c = chk
                terms.append(cond if c == 0 else f"ck({cond}, {code(c)})")
        terms = row_errors(terms)   # cells drawn with a group in a long range: loops
        while len(terms) > CHAIN_DEPTH:   # deeper: groups of them as locals, in order
            terms = [self.err(_nested(terms[k:k + CHAIN_DEPTH]))
                     for k in range(0, len(terms), CHAIN_DEPTH)]
        return _nested(terms)

    def finite(self, r: str, bounds: iv.Interval) -> tuple[str, int] | None:
        """The #NUM! test of a result, unless its bounds prove it finite."""
        return None if iv.bounded(bounds) else (f"nf({r})", 0)

    # ---------------------------------------------------------------- constants
    def constant(self, key: object, vec: Vec | Grid) -> Val:
        if isinstance(vec, Grid):
            raise NotFusable("a range where a single value is expected")
        x = vec.scalar(0)
        if isinstance(x, ExcelError):
            value, err, kind = 0.0, int(x.code), KNUM
        elif x is None:
            return BLANK
        elif isinstance(x, bool):
            value, err, kind = float(x), 0, KBOOL
        elif isinstance(x, str):
            return self.text_const(x)
        else:
            value, err, kind = float(x), 0, KNUM
            if not math.isfinite(value):
                raise NotFusable("a non-finite constant")
        idx = self.const_slot(key, value, err)
        return num(f"k{idx}", f"q{idx}" if err else "0", iv.point(value), kind)

    def operand(self, c: CellRef) -> Val:
        """The value of a referenced cell."""
        if c in self.input_vals:
            return self.input_vals[c]
        if c in self.cells:
            if self.cells[c].kind == KDYN or c in self.dyn_mixed:   # re-made (_dtext)
                raise DynamicText("reads a cell of text made per trial")
            return self.cells[c]
        if c in self.steps:
            if self.done is not None and c not in self.done:   # later in the order
                raise NotYet(c)
            raise NotFusable(f"reads a cell left to numpy ({c})")
        got = self.cell_consts.get(c)   # read before, its slot not rolled back (gen_cell)
        if got is not None and self.const_index.get(("cell", c)) == got[0]:
            return got[1]
        if self.model.is_formula(c) and c not in self.program.constants:
            raise NotFusable(f"reads a formula cell outside the compiled slice ({c})")
        val = self.constant(("cell", c), self.env.cell(c))
        idx = self.const_index.get(("cell", c))
        if idx is not None:
            self.cell_consts[c] = (idx, val)
        return val

    def is_constant(self, node: ir.Node) -> bool:
        # keyed by id(node), the node kept beside its answer: an element's node made for one
        # use (_arrays._at) and freed would otherwise leave its id to the next one, which
        # then took the freed node's answer (a varying element folded as a constant)
        got = self._const_memo.get(id(node))
        if got is None or got[0] is not node:
            got = self._const_memo[id(node)] = (node, self._is_constant(node))
        return got[1]

    def _is_constant(self, node: ir.Node) -> bool:
        for n in ir.walk(node):
            if isinstance(n, ir.Call) and n.name in _NO_FOLD:
                return False
            if isinstance(n, ir.Array | ir.BadRef):
                return False
        # the references whose values it reads: ROW(D28) of a cell varying per trial is 28
        # (ROW/COLUMN/ROWS/COLUMNS/ISREF/AREAS look at the position only)
        for n in ir.read_references(node):
            if isinstance(n, ir.Ref) and (n.cell in self.input_vals or n.cell in self.steps):
                return False
            if isinstance(n, ir.Area) and self.area_varies(n):
                return False
        return True

    def area_varies(self, a: ir.Area) -> bool:
        got = self._area_memo.get(a)
        if got is None:
            got = self._area_memo[a] = any(
                ir_reads(a, c) for c in self.varying_by_sheet.get(a.sheet, ()))
        return got

    @fold_once_per_cell
    def fold(self, node: ir.Node) -> Val | None:
        """A constant sub-expression, evaluated once by the numpy compiler."""
        assert self.cell is not None
        compiled, info = compile_formula(node, self.cell)
        if info.unsupported or info.random_streams:
            return None
        try:
            v = compiled(self.env)
        except Exception as exc:  # noqa: BLE001 - the numpy path would make this #VALUE!
            raise NotFusable(f"constant part failed to evaluate: {exc!r}") from exc
        if isinstance(v, Grid):
            return None
        self.folded.append(node)   # alive while its id() is a key of const_index
        return self.constant(("fold", self.cell, id(node)), v)

    # ---------------------------------------------------------------- expressions
    def expr(self, node: ir.Node) -> Val:
        got = self.override.get(id(node))
        if got is not None:
            return got
        if isinstance(node, ir.Binary) and long_spine(self, node):   # a+b+...: one level
            return spine_expr(self, node)
        if isinstance(node, FitAt):   # an element of LINEST or TREND (array formulas)
            return self.fit_value(node)
        if isinstance(node, IndexAt):   # an element of an array formula's INDEX
            return self.index_at(node)
        if isinstance(node, OffsetAt):   # an element of an array formula's OFFSET
            return self.offset_at(node)
        if isinstance(node, DynAt):   # an element of FILTER/UNIQUE/SORT (_dynarrays)
            return self.dyn_element(node)
        if isinstance(node, ir.Call) and node.name == RANDAT:   # RANDARRAY's (_randarrays)
            return self.randarray_at(node)
        got = self.matrix_call(node)   # MMULT, TRANSPOSE, TAKE ... (_matrices)
        if got is not None:
            return got
        if isinstance(node, ir.Call | ir.Unary | ir.Binary) and self.is_constant(node):
            got = self.fold(node)
            if got is not None:
                return got
        if isinstance(node, ir.Call) and reads_dynamic(node):
            return self.dynamic_call(node)
        if isinstance(node, ir.Call | ir.Binary | ir.Ref) and self.dynamic_site(node):
            return self.dynamic_expr(node)   # text made per trial (_dtext)
        if isinstance(node, ir.Num):
            if type(node.value) is not float:
                raise NotFusable("a number literal that is not a float")
            return num(lit(node.value), "0", iv.point(node.value))
        if isinstance(node, ir.Bool):
            x = 1.0 if node.value else 0.0
            return num(lit(x), "0", (x, x), KBOOL)
        if isinstance(node, ir.Err):
            return num("0.0", code(node.code), (0.0, 0.0))
        if isinstance(node, ir.Missing):
            return BLANK
        if isinstance(node, ir.Ref):
            return self.operand(node.cell)
        if isinstance(node, ir.Unary):
            return self.unary(node)
        if isinstance(node, ir.Binary):
            return self.binary(node)
        if isinstance(node, ir.Call):
            got = self.indirect_args(node)   # INDIRECT of constant text: its reference
            if got is not None:
                return got
            got = self.index_ranges(node)   # INDEX of whole rows/columns read as ranges
            if got is not None:
                return got
            got = self.offset_ranges(node)   # OFFSET of a size varying per trial (_offset)
            if got is not None:
                return got
            if node.name in FITS or node.name == "INDEX":   # a fit, or an element of one
                got = self.fit_call(node)
                if got is not None:
                    return got
            got = self.arity_value(node)   # numpy: #VALUE! for a wrong arity (_args)
            if got is not None:
                return got
            got = self.array_arguments(node)   # MEDIAN(IF(c, r)): stand-ins (_array_args)
            if got is not None:
                return got
            fn = getattr(self, "fn_" + node.name.replace(".", "_").lower(), None)
            if fn is None:
                if node.name not in ENUMERATED:
                    raise NotFusable(f"function {node.name} is not in the fused subset")
                fn = self.enumerated_call
            if node.name in SELECTORS or node.name in DIRECT:
                return fn(node)
            from ...compiler import lookup_function

            spec = lookup_function(node.name)
            return self.split_call(node, fn, bool(spec is not None and spec.refs))
        if isinstance(node, ir.Str):
            return self.text_const(node.value)
        if isinstance(node, ir.Area):
            raise NotFusable("a range used as a single value")
        raise NotFusable(f"{type(node).__name__} is not in the fused subset")

    def number(self, node: ir.Node | None, default: float | None = None) -> Val:
        """A numeric argument coerced as Excel does (TRUE -> 1, blank -> 0)."""
        if node is None or isinstance(node, ir.Missing):
            if default is None:
                return num("0.0", "3", (0.0, 0.0))  # a required argument: #VALUE!
            return num(lit(default), "0", iv.point(default))
        mark = len(self.lines)
        try:
            v = self.expr(node)
        except DynamicText:   # text made per trial, read as a number (_dvalue)
            del self.lines[mark:]
            return dyn_number(self, node)
        return self.as_number(v)

    def as_number(self, v: Val) -> Val:
        """A value coerced for arithmetic (text: numeric text, else #VALUE!)."""
        if v.kind == KANY:
            return self.by_kind(v, lambda x: _as_num(self.as_number(x)))
        if v.kind == KSTR:
            return self.text_number(v)
        if v.kind == KDYN:
            return dyn_value_number(self, v)
        return v

    def condition(self, node: ir.Node | None) -> Val:
        if node is None or isinstance(node, ir.Missing):
            return BLANK
        mark = len(self.lines)
        try:
            v = self.expr(node)
        except DynamicText:   # text made per trial as a logical test (_dvalue)
            del self.lines[mark:]
            return dyn_condition(self, node)
        return self.as_condition(v)

    def as_condition(self, v: Val) -> Val:
        """A value coerced for a logical test (text: "TRUE"/"FALSE", else #VALUE!)."""
        if v.kind == KANY:
            return self.by_kind(v, lambda x: _as_num(self.as_condition(x)))
        if v.kind == KSTR:
            return self.text_condition(v)
        if v.kind == KDYN:
            return dyn_condition(self, None, v)
        return v

    def unary(self, node: ir.Unary) -> Val:
        a = self.number(node.operand)
        if node.op == "+":
            return a
        if node.op == "-":
            return num(self.value(f"-{a.v}"), a.e, iv.neg(a.iv))
        if node.op == "%":
            return num(self.value(f"{a.v} / 100.0"), a.e, iv.div(a.iv, (100.0, 100.0)))
        raise NotFusable(f"unary operator {node.op!r}")

    def binary(self, node: ir.Binary) -> Val:
        op = node.op
        if op in _PYCMP:
            return self.compare(op, self.expr(node.left), self.expr(node.right))
        if op in ("+", "-", "*", "/", "^"):   # an operand omitted (a LET name bound to
            # nothing, numpy's blank): 0
            return self.arith(op, self.number(node.left, 0.0), self.number(node.right, 0.0))
        if op == "&":
            a, b = self.expr(node.left), self.expr(node.right)
            return self.by_kind(a, lambda x: self.by_kind(b, lambda y: self.concat(x, y)))
        raise NotFusable(f"operator {op!r}")

    def arith(self, op: str, a: Val, b: Val) -> Val:
        """engine.functions.operators.arith for one trial."""
        checks: list[tuple[str, int] | None] = []
        if op == "^":
            k = iv.integer_point(b.iv) if b.e == "0" else None
            fn = "ipow" if k is not None and abs(k) <= 64 else "excel_pow"
            r = self.value(f"{fn}({a.v}, {b.v})")
            bounds = iv.power(a.iv, b.iv)
            a_nonzero = iv.excludes_zero(a.iv)
            if not (a_nonzero or (b.bounded and b.lo >= 0.0)):
                checks.append((f"({a.v} == 0.0) & ({b.v} < 0.0)", 2))
            if not (a_nonzero or iv.excludes_zero(b.iv)):
                checks.append((f"({a.v} == 0.0) & ({b.v} == 0.0)", 6))
        else:
            r = self.value(f"{a.v} {op} {b.v}")
            bounds = {"+": iv.add, "-": iv.sub, "*": iv.mul, "/": iv.div}[op](a.iv, b.iv)
            if op == "/" and not iv.excludes_zero(b.iv):
                checks.append((f"({b.v} == 0.0)", 2))
        checks.append(self.finite(r, bounds))
        return num(r, self.err(self.chain([a.e, b.e], checks)), bounds)

    def compare(self, op: str, a: Val, b: Val) -> Val:
        if KANY in (a.kind, b.kind):
            return self.by_kind(a, lambda x: self.by_kind(b, lambda y: self.compare(op, x, y)))
        if KSTR in (a.kind, b.kind):
            return self.text_compare(op, a, b)
        e = self.err(self.chain([a.e, b.e]))
        if {a.kind, b.kind} == {KNUM, KBOOL}:
            # Excel orders numbers < text < logicals whatever the values
            rank = {KNUM: 0, KBOOL: 2}
            x = 1.0 if _OPCMP[op](rank[a.kind], rank[b.kind]) else 0.0
            return num(lit(x), e, (x, x), KBOOL)
        fixed = fixed_compare(op, a, b, e)   # each the same in every trial (_conditionals)
        if fixed is not None:
            return fixed
        if a.kind == b.kind == KBOOL:
            return num(self.value(f"b2f({a.v} {_PYCMP[op]} {b.v})"), e, (0.0, 1.0), KBOOL)
        # numbers (and blank, 0): at 15 significant digits, as engine.values.COMPARISON_RULE
        c = self.value(f"cmp15({a.v}, {b.v})")
        return num(self.value(f"b2f({c} {_PYCMP[op]} 0.0)"), e, (0.0, 1.0), KBOOL)

    def result(self, expr: str, args: list[Val], checks: Sequence[tuple[str, int] | None] = (),
               bounds: iv.Interval = iv.UNKNOWN) -> Val:
        """A numeric result (engine.functions._args.result): argument errors, domain checks,
        then #NUM! for a non-finite value (unless ``bounds`` prove it finite)."""
        r = expr if expr.isidentifier() else self.value(expr)
        tests = [*checks, self.finite(r, bounds)]
        return num(r, self.err(self.chain([a.e for a in args], tests)), bounds)

    def scratch(self, size: int) -> str:
        """A float64 array of ``size`` allocated once per segment call (IRR's cash flows)."""
        self.ntmp += 1
        name = f"z{self.ntmp}"
        self.scratches[name] = size
        return name

    # ---------------------------------------------------------------- random streams
    def uniform(self, sid: int) -> str:
        """This trial's uniform of stream ``sid`` (drawn for the block before the cells)."""
        if self.sampling is None:
            raise NotFusable("RAND with this sampling method")
        r = self.rand_rows.get(sid)
        if r is None:
            r = self.rand_rows[sid] = len(self.rand_rows)
        return f"ur[{r}, b]"

    def rand_stream(self, node: ir.Call) -> int:
        sid = self.rand_sid.get(id(node))
        if sid is None:
            raise NotFusable("RAND call site not found in the compiled cell")
        return sid

    # ---------------------------------------------------------------- cells
    def gen_cell(self, c: CellRef, k: int) -> list[str]:
        """The lines computing cell ``c`` as ``v<k>``/``w<k>`` (NotFusable if it cannot)."""
        wb_cell = self.model.workbook.cell(c)
        self.array_new = []
        if external_functions(self.model, c):   # STOCKHISTORY, _FV: Excel's cached value,
            self.lines = []                       # numpy's in every trial (_external_data)
            return self._bind_cell(c, k, self.constant(("external", c), self.env.cell(c)))
        if wb_cell is not None and wb_cell.array_anchor is not None:
            # a cell of an array formula: generated with the formula's first cell
            got = self.array_members.pop(c, None)
            if got is None:
                raise NotFusable("a cell of an array formula whose first cell is not fused")
            self.lines, v = got
            return self._bind_cell(c, k, v)
        if wb_cell is None or wb_cell.formula is None:
            raise NotFusable("not a formula")
        cc = self.model.code(c)
        if cc.info.table or cc.info.unsupported:
            raise NotFusable("a data table or an unsupported function")
        node = fold_counts(self, cc.node, c)   # COUNT(8:8) of fixed kinds: its number
        node = fold_errors(self, node, c)   # IFERROR of an error in every trial: fallback
        node = expand_lambdas(self, node, c)   # BYROW, MAP, SCAN ... inlined (_lambdas)
        if levels(node) > MAX_FUSED_LEVELS:  # recursion per level (a spine: one, _spines)
            raise NotFusable(f"nested more than {MAX_FUSED_LEVELS} levels deep")
        rands = [n for n in ir.walk(cc.node) if isinstance(n, ir.Call) and n.name in RAND_CALLS]
        own = [stream_id(c, f"#RAND{j}") for j in range(len(rands))]
        if sorted(cc.info.random_streams) != sorted(own + randarray_streams(cc.node, c)):
            raise NotFusable("random call sites do not match the compiled cell")
        self.rand_sid = {id(n): sid for n, sid in zip(rands, own, strict=True)}
        self.rand_sid.update(self.lambda_draws)   # a LAMBDA body's draws, per call (_lambdas)
        self.cell = c
        self.root = node   # the cell's formula (_matrices: its top-left element)
        self.cell_number = k
        self._const_memo = {}
        self.override = {}
        # kept as lengths: both dicts only gain keys while a cell is made (never a value
        # changed), so a cell refused gives back the last keys added (a copy per cell was
        # quadratic: 43k cells of decadesdesign Simulation)
        saved = (self.ntmp, len(self.consts), len(self.const_index), len(self.rand_rows))
        self.lines = []
        try:
            if wb_cell.array_ref:
                if any(id(n) not in self.lambda_draws for n in ir.walk(node)
                       if isinstance(n, ir.Call) and n.name in RAND_CALLS):
                    raise NotFusable("RAND in an array formula")
                self.array_fills = fills = ArrayFills()   # what its cells share (_array_fills)
                try:
                    v = self.array_formula(c, node, fills)
                finally:
                    self.array_fills = None
                self.lines[:0] = fills.lines
            elif isinstance(cc.node, ir.Area):   # its cell in this cell's row or column
                v = self.expr(ir.intersect(cc.node, c))   # (model.implicit_intersection)
            else:   # a range mapped below INDEX: its element in this cell's row (agree)
                v = self.expr(intersect_mapped(node, c))
        except NotFusable:
            self.ntmp, n, n_index, n_rows = saved
            del self.consts[n:]
            _truncate(self.const_index, n_index)
            _truncate(self.rand_rows, n_rows)
            raise
        return self._bind_cell(c, k, v)

    def array_formula(self, anchor: CellRef, node: ir.Node, fills: ArrayFills) -> Val:
        """The first cell of an array formula (element (0, 0) of its result); the lines of
        its other cells in the slice are made now too (into ``array_members``), so that the
        formula is fused whole or not at all (numpy computes a cell of an array formula from
        its first cell's whole result, which the kernel does not keep).  ``fills`` (also
        ``self.array_fills``) is told which cell is made: a cell other than the first names
        the first cell's value where it reads a shared fill (_array_fills)."""
        # a nested XLOOKUP of a fixed row/column: that range (_fixed_lookups)
        node = with_fixed_returns(node, self.array_const, self.array_ir)
        elements = ArrayElements(self.model.workbook, node, self.static_flag, self.array_const)
        elements.shape(node)   # what has no element rule is refused before any cell
        pending: dict[CellRef, tuple[list[str], Val]] = {}
        cells = [m for m, _, _ in array_members(self.model.workbook, anchor)]
        # the first cell first: what its lines fill (a FILTER's rows) its other cells read
        self.lines, self._const_memo, self.override = [], {}, {}
        fills.member = False
        element = elements.element(node, 0, 0)
        self.array_ir.append(element)
        v = element_value(self, element, cells)
        first = self.lines
        for m, r, c in array_members(self.model.workbook, anchor):
            if m not in self.steps:
                continue
            self.lines, self._const_memo, self.override = [], {}, {}
            fills.member = True   # not the first cell (_array_fills)
            element = elements.element(node, r, c)
            self.array_ir.append(element)
            try:
                got = element_value(self, element, cells)   # text per trial (_array_dtext)
            except NotFusable as exc:
                raise NotFusable(f"{exc} (in another cell of the array formula)") from exc
            pending[m] = (self.lines, got)
        self.lines = first
        self.array_members.update(pending)
        self.array_new = list(pending)
        return v

    def _bind_cell(self, c: CellRef, k: int, v: Val) -> list[str]:
        """Cell ``c``'s lines (``self.lines``, computing ``v``) bound to ``v<k>``/``w<k>``."""
        self.lines = _bind(self.lines, v.v, f"v{k}")
        if v.e != "0":
            self.lines = _bind(self.lines, v.e, f"w{k}")
        y = None
        if v.kind == KANY:
            assert v.y is not None
            self.lines = _bind(self.lines, v.y, f"y{k}")
            y = f"y{k}"
        self.cells[c] = Val(f"v{k}", "0" if v.e == "0" else f"w{k}", v.kind, v.lo, v.hi, v.dom,
                            y, v.kinds)
        return self.lines

    def generate(self) -> KernelPlan:
        program = self.program
        cell_lines: list[list[str]] = []
        fused: list[CellRef] = []
        rest: list[CellRef] = []
        reasons: dict[CellRef, str] = {}
        rest_set: set[CellRef] = set()
        # the lines the kernel will have (a family's once; shared scratch arrays are operands)
        budget = LineBudget(lambda z: self.scratches[z] if z in self.shared_scratch else None,
                            literals=True)   # rows differing in literals: a family
        self.find_group()
        # a cell reading (OFFSET, INDIRECT) a cell later in the order waits for it
        self.done = done = set()
        waiting: dict[CellRef, list[CellRef]] = {}
        queue = collections.deque(program.steps)
        while queue:
            c = queue.popleft()
            try:
                self._generate_one(c, cell_lines, fused, rest, rest_set, reasons, budget)
            except NotYet as exc:
                waiting.setdefault(exc.cell, []).append(c)   # type: ignore[arg-type]
                continue
            done.add(c)
            queue.extendleft(reversed(waiting.pop(c, [])))
        late = sorted({c for cs in waiting.values() for c in cs}, key=self._step_index)
        for c in late:   # reads a cell that reads it back
            rest.append(c)
            rest_set.add(c)
            reasons[c] = "reads a cell left to numpy (" + \
                f"{next(x for x, cs in waiting.items() if c in cs)})"
        rest.sort(key=self._step_index)
        self.done = None
        return self._finish(fused, cell_lines, rest, reasons)

    def _step_index(self, c: CellRef) -> int:
        got = self.__dict__.get("_step_order")
        if got is None:
            got = self.__dict__["_step_order"] = {x: k for k, x in enumerate(self.program.steps)}
        return got[c]

    def _reads_rest(self, deps: list[CellRef], rest: list[CellRef], rest_set: set[CellRef]
                    ) -> bool:
        """Whether ``deps`` holds a cell left to numpy (``rest``, in the order added; the
        same cells as ``rest_set``).  A long list that readers share (a range's, as
        Model._one_area keeps it: 10,271 readers of 10,271 cells in ys98110 AMD) is looked
        at once, then only against the cells left to numpy since."""
        if len(deps) < 256:
            return not rest_set.isdisjoint(deps)
        memo = self.__dict__.setdefault("_rest_reads", {})
        got = memo.get(id(deps))
        if got is None:   # (the list kept: its id stays its own)
            memo[id(deps)] = [deps, None, len(rest), not rest_set.isdisjoint(deps)]
            return memo[id(deps)][3]
        if not got[3] and got[2] < len(rest):   # read again: a set of its cells, once
            if got[1] is None:
                got[1] = set(deps)
            cells = got[1]
            got[3] = any(x in cells for x in rest[got[2]:])
            got[2] = len(rest)
        return got[3]

    def _generate_one(self, c: CellRef, cell_lines: list[list[str]], fused: list[CellRef],
                      rest: list[CellRef], rest_set: set[CellRef], reasons: dict[CellRef, str],
                      budget: LineBudget) -> None:
        """Cell ``c`` fused (its lines appended) or left to numpy (with the reason); NotYet
        where it reads a cell of the slice not generated yet."""
        self.line_budget = budget   # which cells loop: long ranges of them (_gather)
        if c in self.group:   # drawn with its group before the cells: no lines of its own
            cell_lines.append([])
            fused.append(c)
            return
        if rest_set and self._reads_rest(self.model.code(c).deps, rest, rest_set):
            rest.append(c)
            rest_set.add(c)
            reasons[c] = "depends on a cell left to numpy"
            return
        member = c in self.array_members   # its lines were made with its formula's
        try:
            got = self.gen_cell(c, len(fused))
            cost = budget.cost(len(fused), got, c)
            # an array formula's first cell counts the lines of its other cells in
            extra = spill_lines([self.array_members[m][0] for m in self.array_new])
            if budget.lines + cost + extra > MAX_KERNEL_LINES and not member:
                self.cells.pop(c, None)
                for m in self.array_new:
                    del self.array_members[m]
                raise NotFusable("the kernel would be too large")
        except NotYet:
            raise
        except NotFusable as exc:
            rest.append(c)
            rest_set.add(c)
            reasons[c] = str(exc)
            return
        budget.add(len(fused), got, c)
        cell_lines.append([f"# cell {len(fused)}", *got])
        fused.append(c)

    def _finish(self, fused: list[CellRef], cell_lines: list[list[str]], rest: list[CellRef],
                reasons: dict[CellRef, str]) -> KernelPlan:
        program = self.program
        # cells the kernel must store: outputs, and what the numpy part reads
        need = [c for c in program.outputs if c in self.cells]
        read: set[CellRef] = set()
        for c in rest:
            read.update(d for d in self.model.code(c).deps if d in self.cells)
        need.extend(d for d in read)
        stored = list(dict.fromkeys(need))
        # a text cell is stored as its id where numpy reads it or it is an output (whose
        # labels the backend counts: engine.text_outputs); a mixed one as its value, its tag
        # in the error code's high bits
        outs = set(program.outputs)
        self.text_ids = {c for c in stored if (c in read or c in outs)
                         and self.cells[c].kind in (KSTR, KANY)}
        dyn = {c for c in read if self.cells[c].kind == KDYN or c in self.dyn_mixed}
        if dyn:   # numpy needs the strings
            raise DynamicRead(dyn)
        return self.assemble(cell_lines, fused, stored, rest, reasons)

    def literal_index(self, text: str) -> int:
        """The index in ``kv`` of a float literal of the generated lines (``0.2178``): one
        that the members of a family differ in, gathered per member (_families)."""
        return self.const_slot(("literal", text), float(text))

    def const_slot(self, key: object, value: float, err: int = 0) -> int:
        """The index in ``kv``/``ke`` of the constant ``key`` names, added on first use."""
        idx = self.const_index.get(key)
        if idx is None:
            idx = self.const_index[key] = len(self.consts)
            self.consts.append((value, err))
        return idx

    def store_lines(self, c: CellRef, k: int) -> tuple[str, str]:
        """The value and error code stored for fused cell ``c`` (``v<k>``/``w<k>``): NaN
        where an Excel error; a text output as numpy's outputs have it (NaN, #VALUE!)."""
        val = self.cells[c]
        e = val.e
        if val.kind in (KSTR, KDYN) and c not in self.text_ids:
            return "np.nan", f"fe({e}, {VALUE})" if e != "0" else str(VALUE)
        if c in self.group:   # a random cell drawn with its group
            return (val.v if e == "0" else f"sel({e} == 0, {val.v}, np.nan)"), e
        if val.kind == KANY:   # numbers and logicals as numbers; text #VALUE!; blank 0
            y = val.y
            if c in self.text_ids:
                return f"sel({e} == 0, v{k}, np.nan)", f"{e} + 16 * int({y})"
            return (f"sel(({e} == 0) & (({y} < 2.0) | ({y} == 3.0)), sel({y} == 3.0, 0.0, v{k}), np.nan)",
                    f"fe({e}, ck({y} == 2.0, {VALUE}))")
        return (f"v{k}" if e == "0" else f"sel({e} == 0, v{k}, np.nan)"), e

    # ---------------------------------------------------------------- random groups
    def find_group(self) -> None:
        """Cells that are RAND() or NORM.INV(RAND(), constant, constant > 0): drawn in one
        loop before the cells (a workbook made for Excel Monte Carlo has thousands)."""
        if self.sampling is None:
            return
        found: list[tuple[CellRef, int, int, float, float]] = []
        for c in self.program.steps:
            got = self._group_entry(c)
            if got is not None:
                found.append((c, *got))
        if len(found) < GROUP_MIN:
            return
        self.lines = []
        for c, sid, how, mean, sd in found:
            row = self.rand_rows[sid] = len(self.rand_rows)
            self.stream(sid)
            self.group[c] = (row, how, mean, sd)
            v = f"ur[{row}, b]"
            if how == 0:
                self.cells[c] = Val(v, "0", KNUM, 0.0, 1.0)
            else:
                self.cells[c] = Val(v, f"nf({v})", KNUM)

    def _group_entry(self, c: CellRef) -> tuple[int, int, float, float] | None:
        wb_cell = self.model.workbook.cell(c)
        if wb_cell is None or wb_cell.formula is None or wb_cell.array_anchor is not None \
                or wb_cell.array_ref:
            return None
        cc = self.model.code(c)
        node = cc.node
        if len(cc.info.random_streams) != 1 or cc.info.unsupported or cc.info.table \
                or cc.info.random_streams[0] != stream_id(c, "#RAND0"):
            return None
        sid = cc.info.random_streams[0]
        if isinstance(node, ir.Call) and node.name == "RAND" and not node.args:
            return sid, 0, 0.0, 1.0
        if not (isinstance(node, ir.Call) and node.name in ("NORM.INV", "NORMINV")
                and len(node.args) == 3 and isinstance(node.args[0], ir.Call)
                and node.args[0].name == "RAND" and not node.args[0].args
                and all(self.is_constant(a) for a in node.args[1:])):
            return None
        self.cell = c
        self._const_memo = {}
        try:
            m, s = self.expr(node.args[1]), self.expr(node.args[2])
        except NotFusable:
            return None
        if any(v.kind != KNUM or v.e != "0" or v.lo != v.hi for v in (m, s)) or not s.lo > 0.0:
            return None
        return sid, 1, float(m.lo), float(s.lo)

    def group_sum(self, node: ir.Call) -> Val | None:
        """SUM of one range of group cells: a loop over their rows (same order, same sum)."""
        if len(node.args) != 1 or not isinstance(node.args[0], ir.Area):
            return None
        cells = [c for row in node.args[0].cells() for c in row]
        if len(cells) < GROUP_MIN or any(c not in self.group for c in cells):
            return None
        off = self.table([float(self.group[c][0]) for c in cells])
        r = self.value(f"rsum(ur, kv, {off}, {len(cells)}, b)")
        bounded = all(self.group[c][1] == 0 for c in cells)
        return self.result(r, [], bounds=(0.0, float(len(cells))) if bounded else iv.UNKNOWN)

    # ---------------------------------------------------------------- the module
    def stream(self, sid: int) -> int:
        j = self.stream_index.get(sid)
        if j is None:
            j = self.stream_index[sid] = len(self.streams)
            self.streams.append(sid)
        return j

    def draw_function(self) -> tuple[list[str], list[float], list[CellRef]]:
        """``draw``: a block of every input's samples (into out_in) and of every RAND stream's
        uniforms (into ur); and the ``dp`` array, and the inputs passed in from outside."""
        dp: list[float] = []
        ext: list[CellRef] = []
        lhs = 1 if self.sampling == "lhs" else 0
        lines = ["", "", JIT,
                 "def draw(key0, key1, start, lo, hi, total, sids, kv, dp, ext, out_in, ur):"]
        fills: list[Fill] = []   # runs of alike inputs become loops (_draw_loops)
        streams = self.program.input_streams   # (a property: all of them, made once)
        for j, c in enumerate(self.inputs):
            s = self.samplers[c]
            if s.ppf is None:
                lines += fill_lines(fills, lhs)
                fills = []
                lines += ["    for i in range(lo, hi):",
                          f"        out_in[{j}, i] = ext[{len(ext)}, i]"]
                ext.append(c)
                continue
            sidx = self.stream(streams[j])
            fills.append(Fill("fill_" + s.ppf.removeprefix("ppf_"), j, sidx, len(dp),
                              len(s.params), s.ppf in TABLE_PPFS))
            dp.extend(float(p) for p in s.params)
        lines += fill_lines(fills, lhs)
        if self.group:
            rows = sorted(self.group.values())
            s0 = self.stream_index[next(s for s, r in self.rand_rows.items() if r == 0)]
            p0 = self.group_p0 = len(dp)
            for _, how, mean, sd in rows:
                dp.extend((float(how), mean, sd))
            lines.append(f"    fill_group(ur, 0, {len(rows)}, hi - lo, start + lo, key0, key1, "
                         f"sids, {s0}, total, {lhs}, dp, {p0})")
        lines += u01_lines([(r, self.stream(sid)) for sid, r in   # runs: loops (_draw_loops)
                            sorted(self.rand_rows.items(), key=lambda x: x[1])
                            if r >= len(self.group)], lhs)
        if len(lines) == 4:
            lines.append("    return")
        return lines, dp, ext

    def sum_rows(self, cell_lines: list[list[str]]) -> tuple[list[list[str]], list[str]]:
        """Each SUM over group rows (``rsum``, one trial at a time) read from a row of ``ur``
        that ``draw`` fills for the whole block (``fill_rsum``: the same additions in the
        same order, vectorized across trials); the lines and the draw calls."""
        rows: dict[tuple[str, str], int] = {}
        first = len(self.rand_rows)
        out = []
        for lines in cell_lines:
            new = []
            for line in lines:
                m = _RSUM.match(line)
                if m is not None:
                    row = rows.setdefault((m.group(2), m.group(3)), first + len(rows))
                    line = f"{m.group(1)} = ur[{row}, b]"
                new.append(line)
            out.append(new)
        calls = [f"    fill_rsum(ur, {row}, kv, {off}, {n}, hi - lo)"
                 for (off, n), row in rows.items()]
        return out, calls

    def assemble(self, cell_lines: list[list[str]], fused: list[CellRef], stored: list[CellRef],
                 rest: list[CellRef], reasons: dict[CellRef, str]) -> KernelPlan:
        draw, dp, ext = self.draw_function()
        cell_lines, sums = self.sum_rows(cell_lines)
        if sums:
            draw = [line for line in draw if line != "    return"] + sums
        ur_rows = len(self.rand_rows) + len(sums)
        shared_row: dict[str, int] = {}   # shared scratch arrays: their first row of ur
        for name in sorted(self.shared_scratch):
            shared_row[name] = ur_rows
            ur_rows += self.scratches[name]
        # the order of the cells: a cell number (its lines) or a family (one loop)
        units, _ = find_families(cell_lines, cells=fused, scratch={
            z: (row, self.scratches[z]) for z, row in shared_row.items()},
            literal=self.literal_index, across_levels=True, any_kinds=True)
        family_of: dict[int, int] = {}
        for u, unit in enumerate(units):
            if isinstance(unit, (Family, Chain)):   # a chain: a schedule's rows, one loop
                for k in unit.members:
                    family_of[k] = u
        # long reductions over cells of families (a SUM of a column of them) as loops too
        family_table = sum(unit_table_size(u) for u in units if isinstance(u, (Family, Chain)))
        chain_cells: list[int] = []
        looped = set(family_of)   # (once: a set per cell was quadratic in a big sheet)
        for k, lines in enumerate(cell_lines if family_of else []):
            if k not in family_of and lines:
                new, table = loop_chains(lines, looped, family_table + len(chain_cells),
                                         f"c{k}")
                if table:
                    cell_lines[k] = new
                    chain_cells += table
                # a shared lookup line's copies of their error codes and tags (_shared_lines)
                new, table = loop_codes(cell_lines[k], looped,
                                        family_table + len(chain_cells), f"c{k}")
                if table:
                    cell_lines[k] = new
                    chain_cells += table
        # long fills of shared scratch arrays in pieces of their own (numba's compile time
        # grows faster than a function's length: _fill_pieces)
        units = split_fills(units, cell_lines, shared_row, FILL_PIECE_LINES)
        piece_seg: dict[int, int] = {}   # id of a FillPiece -> its segment
        # segments: consecutive units, each compiled as its own function (one with an IRR
        # runs two trials at a time: see _paired)
        segments: list[list[int | Family | Chain]] = [[]]
        size = 0
        kinds: set[str] = set()         # what the segment holds: "loop", "irr"
        seg_of: dict[int, int] = {}   # cell number -> its segment
        for unit in units:
            if isinstance(unit, (Family, Chain)):
                n = unit_lines(unit)
                kind = "loop"
            elif isinstance(unit, FillPiece):
                n, kind = 2 * len(unit.lines), ""   # (a load of what each line stores)
            else:
                n = len(cell_lines[unit])
                kind = "irr" if any(_IRR_CALL.match(x) for x in cell_lines[unit]) else ""
            # an IRR's trials run in pairs, in a segment without loops
            if segments[-1] and (size + n > SEGMENT_LINES or (kind and kinds - {kind})):
                segments.append([])
                size = 0
                kinds = set()
            if kind:
                kinds.add(kind)
            segments[-1].append(unit)
            size += n
            if isinstance(unit, FillPiece):
                piece_seg[id(unit)] = len(segments) - 1
                continue
            for k in (unit.members if isinstance(unit, (Family, Chain)) else [unit]):
                seg_of[k] = len(segments) - 1
        # slots of sv/se: every family member, and the cells read from another segment or
        # by a family
        slot: dict[int, int] = {}

        def need(k: int) -> None:
            if k not in slot:
                slot[k] = len(slot)

        for unit in units:
            if isinstance(unit, (Family, Chain)):
                for k in unit.members:
                    need(k)
                for n in unit_operands(unit):
                    need(n)
        for unit in units:
            if isinstance(unit, FillPiece):
                for kind, n in _NAME.findall("\n".join(unit.lines)):
                    if kind in "vwy" and (int(n) in family_of
                                          or seg_of[int(n)] != piece_seg[id(unit)]):
                        need(int(n))
        for k, lines in enumerate(cell_lines):
            if k in family_of:
                continue
            for kind, n in _NAME.findall("\n".join(lines)):
                if kind in "vwy" and int(n) != k and (int(n) in family_of
                                                      or seg_of[int(n)] != seg_of[k]):
                    need(int(n))
        store_row = {c: r for r, c in enumerate(stored)}
        # a block's uniforms and slots stay in cache: fewer trials per block when there are
        # many (10,000 rows of 512 trials are 41 MB, and a SUM over them reads across rows)
        block = BLOCK
        while block > 16 and (ur_rows * 8 + len(slot) * 9) * block > UR_BYTES:
            block //= 2
        src = [
            "# generated by engine.backends.numba._codegen: do not edit",
            f"# runtime {runtime_version()}",
            "import numpy as np",
            "from numba import njit",
            "",
            "from engine.backends.numba._rt import (b2f, ck, excel_pow, excel_round, fe, ipow, irr,",
            "                                       irr_pair, ndtr, ndtri, nf, nt, sel, snap15)",
            "from engine.backends.numba._rt import cmp15",
            "from engine.backends.numba._rt import fill_group, fill_rsum, rsum",
            "from engine.backends.numba._rt import (fill_closed, fill_discrete, fill_lognormal,",
            "                                       fill_normal, fill_pert, fill_pertfast,",
            "                                       fill_special, fill_triangular, fill_u01,",
            "                                       fill_uniform)",
            f"from engine.backends.numba._rt_functions import ({', '.join(RT_FUNCTIONS)})",
            f"from engine.backends.numba._rt_fits import ({', '.join(RT_FITS)})",
            f"from engine.backends.numba._rt_dynarrays import ({', '.join(RT_DYNARRAYS)})",
            f"from engine.backends.numba._dtext_rt import ({', '.join(DTEXT_RT)})",
            f"from engine.backends.numba._dtext_rt import ({', '.join(DTEXT_READ)})",
            f"from engine.backends.numba._dtext_fmt_rt import ({', '.join(DTEXT_FMT)})",
            f"from engine.backends.numba._rt_dvalue import ({', '.join(RT_DVALUE)})",
            f"from engine.backends.numba._rt_calendar import ({', '.join(RT_CALENDAR)})",
            f"from engine.backends.numba._rt_annuity import ({', '.join(RT_ANNUITY)})",
            f"from engine.backends.numba._rt_securities import ({', '.join(RT_SECURITIES)})",
            f"from engine.backends.numba._rt_matrices import ({', '.join(RT_MATRICES)})",
            f"from engine.backends.numba._rt_math import ({', '.join(RT_MATH)})",
            f"from engine.backends.numba._rt_dist import ({', '.join(RT_DIST)})",
            f"from engine.backends.numba._rt_bessel import ({', '.join(RT_BESSEL)})",
            f"from engine.backends.numba._rt_long_criteria import ({', '.join(RT_LONG_CRITERIA)})",
        ]
        src += draw
        args = ("key0, key1, start, lo, hi, total, sids, kv, ke, dp, gi, ext, out_in, out_v, "
                "out_e")
        loads = {"k": "kv", "q": "ke"}
        gi: list[int] = []
        def store(k: int) -> list[str]:
            c = fused[k]
            out = []
            if k in slot and k not in family_of:
                val = self.cells[c]
                out.append(f"sv[b, {slot[k]}] = v{k}")
                out.append(f"se[b, {slot[k]}] = {val.e}" if val.y is None else
                           f"se[b, {slot[k]}] = {val.e} + 16 * int({val.y})")
            if c in store_row:
                r = store_row[c]
                value, stored_e = self.store_lines(c, k)
                out += [f"out_v[{r}, i] = {value}", f"out_e[{r}, i] = {stored_e}"]
            return out

        fid = {id(u): j for j, u in enumerate(units)}
        for si, seg in enumerate(segments):
            sb = _SegmentBody(si, slot, seg_of, family_of)
            for unit in seg:
                if isinstance(unit, (Family, Chain)):
                    outs = {k: store(k) for k in unit.members}   # the loop makes most
                    lines, table = unit_loop(unit, fid[id(unit)], len(gi), slot, "", outs)
                    gi += table
                    sb.body += lines
                    for k in unit.members:
                        sb.add(outs.get(k, []), None)
                elif isinstance(unit, FillPiece):
                    sb.add(unit.lines, None)
                else:
                    sb.add(cell_lines[unit] + store(unit), unit)
            src += ["", "", JIT, f"def seg{si}({args}, sv, se, ur):"]
            src += [f"    {kind}{n} = {loads[kind]}[{n}]" for kind, n in sorted(sb.consts)]
            decl = [f"z{n} = np.empty({self.scratches[f'z{n}']})" for n in sorted(sb.scratch)
                    if f"z{n}" not in shared_row]
            views = [f"z{n} = ur[{shared_row[f'z{n}']}:"
                     f"{shared_row[f'z{n}'] + self.scratches[f'z{n}']}, b]"
                     for n in sorted(sb.scratch) if f"z{n}" in shared_row]
            src += ["    " + line for line in decl]
            body = [f"x{n} = out_in[{n}, i]" for n in sorted(sb.inputs)] + views + sb.body
            paired = _paired(body)
            if paired is None:
                src += ["    for i in range(lo, hi):", "        b = i - lo"]
                src += ["        " + line for line in body]
            else:
                src += ["    " + _twin(line) for line in decl]
                src += ["    for i in range(lo, hi, 2):  # two trials at a time (IRR in lockstep)",
                        "        b = i - lo",
                        "        i_ = min(i + 1, hi - 1)  # the last trial twice when odd",
                        "        b_ = i_ - lo"]
                src += ["        " + line for line in paired]
        src += ["", "", JIT,
                f"def kernel({args}):",
                '    """Trials start+lo .. start+hi-1 (columns lo .. hi-1 of the arrays)."""',
                f"    n = min({block}, hi - lo)",
                f"    sv = np.empty((n, {len(slot)}))",
                f"    se = np.empty((n, {len(slot)}), dtype=np.uint8)",
                f"    ur = np.empty(({ur_rows}, n))",
                f"    for blo in range(lo, hi, {block}):",
                f"        bhi = min(blo + {block}, hi)",
                "        draw(key0, key1, start, blo, bhi, total, sids, kv, dp, ext, out_in, ur)"]
        src += [f"        seg{si}(key0, key1, start, blo, bhi, total, sids, kv, ke, dp, gi, ext, "
                "out_in, out_v, out_e, sv, se, ur)" for si in range(len(segments))]
        assert len(gi) == family_table
        gi += [slot[k] for k in chain_cells]
        source = "\n".join(src) + "\n"
        return KernelPlan(
            source=source, key=hashlib.sha256(source.encode()).hexdigest()[:24],
            inputs=list(self.inputs), ext_inputs=ext,
            streams=np.array(self.streams, dtype=np.uint64),
            kv=np.array([v for v, _ in self.consts], dtype=np.float64),
            ke=np.array([e for _, e in self.consts], dtype=np.int64),
            dp=np.array(dp, dtype=np.float64), fused=fused, stored=stored,
            stored_kinds={c: self.cells[c].kind for c in stored}, rest=rest, reasons=reasons,
            segments=len(segments), strings=list(self.strings), text_ids=set(self.text_ids),
            gi=np.array(gi, dtype=np.int64),
            families=sum(isinstance(u, (Family, Chain)) for u in units))


class _SegmentBody:
    """The statements of one trial in segment ``si``, with the loads of the values it reads
    from elsewhere: cells of other segments or of families (``sv``/``se`` slots), inputs,
    constants, scratch arrays."""

    def __init__(self, si: int, slot: dict[int, int], seg_of: dict[int, int],
                 family_of: dict[int, int]) -> None:
        self.si, self.slot, self.seg_of, self.family_of = si, slot, seg_of, family_of
        self.body: list[str] = []
        self.loaded: set[str] = set()
        self.inputs: set[int] = set()
        self.consts: set[tuple[str, int]] = set()
        self.scratch: set[int] = set()

    def add(self, lines: list[str], k: int | None) -> None:
        """The lines of cell ``k`` (None: stores after a family), after their loads."""
        for kind, n in sorted(set(_NAME.findall("\n".join(lines)))):
            num_ = int(n)
            if kind == "x":
                self.inputs.add(num_)
            elif kind in "kq":
                self.consts.add((kind, num_))
            elif kind == "z":
                self.scratch.add(num_)
            elif num_ != k and f"{kind}{n}" not in self.loaded and (
                    num_ in self.family_of or self.seg_of[num_] != self.si):
                self.loaded.add(f"{kind}{n}")
                s = self.slot[num_]
                self.body.append(f"v{n} = sv[b, {s}]" if kind == "v" else
                                 f"w{n} = int(se[b, {s}]) & 15" if kind == "w" else
                                 f"y{n} = float(int(se[b, {s}]) >> 4)")
        self.body += lines


_RSUM = re.compile(r"^(\w+) = rsum\(ur, kv, (\d+), (\d+), b\)$")


_LOCAL = re.compile(r"\b(?![kq]\d)([a-z]\d+|i|b)\b")   # a trial's names (not constants)
_IRR_CALL = re.compile(r"^(t\d+) = irr\((z\d+), (\d+), ([\w.+-]+)\)$")


def _twin(line: str) -> str:
    """``line`` for the second trial of a pair: its locals (and i, b) with a trailing _."""
    return _LOCAL.sub(lambda m: m.group(1) + "_", line)


def _paired(body: list[str]) -> list[str] | None:
    """The statements of one trial, for two trials at once: each statement and its twin, and
    every IRR as one ``irr_pair`` call (two Newton iterations in lockstep, which the core
    overlaps: IRR is latency-bound).  None where nothing gains from it (no IRR) or a line is
    not a simple statement."""
    if not any(_IRR_CALL.match(line) for line in body) or any(
            line.rstrip().endswith(":") for line in body):
        return None
    out = []
    for line in body:
        m = _IRR_CALL.match(line)
        if m:
            t, z, n, guess = m.groups()
            out.append(f"{t}, {t}_ = irr_pair({z}, {z}_, {n}, {guess}, {_twin(guess)})")
        else:
            out += [line, _twin(line)]
    return out


def _bind(lines: list[str], expr: str, name: str) -> list[str]:
    """Make ``name`` hold ``expr``: rename the local that computed it in this cell (no copy),
    or assign it."""
    if re.fullmatch(r"[tf]\d+", expr) and any(line.startswith(f"{expr} = ") for line in lines):
        return [rename(line, expr, name) for line in lines]
    return [*lines, f"{name} = {expr}"]


def _as_num(v: Val) -> Val:
    """A coerced value as a number (logicals are 0/1, blank 0): one kind to merge by tag."""
    return Val(v.v, v.e, KNUM, v.lo, v.hi) if v.kind in (KBOOL, KBLANK) else v


def ir_reads(area: ir.Area, c: CellRef) -> bool:
    return c.sheet == area.sheet and area.r1 <= c.row <= area.r2 and area.c1 <= c.col <= area.c2


def _truncate(d: dict, n: int) -> None:
    """``d`` back to its first ``n`` keys (those added last go: dicts keep their order)."""
    while len(d) > n:
        d.popitem()


def generate(program: Program, samplers: dict[CellRef, InputSampler],
             sampling: str | None = "mc") -> KernelPlan:
    """Generate the fused kernel of ``program`` (see the module docstring).  ``sampling`` is
    how the kernel draws uniforms ("mc" or "lhs", as engine.sampling does), or None when it
    cannot (inputs then come from outside and RAND is left to numpy).  Where cells left to
    numpy read copies of a formula whose IF of a constant condition stayed generic (one
    family), the kernel is generated again with that branch taken alone (_families.
    IfBranches), and the one fusing more cells kept; so too where a cell left to numpy is
    one whose IFs took their branch alone (generic then) or stayed generic (alone then)."""
    return generate_with(program, samplers, sampling)[0]


def generate_with(program: Program, samplers: dict[CellRef, InputSampler],
                  sampling: str | None = "mc", cls: type[Generator] = Generator,
                  ) -> tuple[KernelPlan, Generator]:
    """:func:`generate` by generators of class ``cls`` (the CUDA translation's keeps their
    lines): the plan kept and the generator that made it.  The collector paused: a big
    slice's generation allocates millions of objects over the heap of its model (10^5 cells),
    each full collection walking all of it."""
    with paused():
        return _generate_with(program, samplers, sampling, cls)


def _generate_with(program: Program, samplers: dict[CellRef, InputSampler],
                   sampling: str | None, cls: type[Generator]) -> tuple[KernelPlan, Generator]:
    plan, gen = _generate(program, samplers, sampling, frozenset(), cls)
    alone = gen.if_branches.wanted(plan.reasons, lambda c: program.model.code(c).deps,
                                   gen.cells.__contains__)
    if not alone:
        return plan, gen
    again, gen2 = _generate(program, samplers, sampling, alone, cls)
    return (again, gen2) if len(again.rest) < len(plan.rest) else (plan, gen)


def _generate(program: Program, samplers: dict[CellRef, InputSampler], sampling: str | None,
              alone: frozenset, cls: type[Generator] = Generator,
              ) -> tuple[KernelPlan, Generator]:
    """:func:`generate` with the copied formulas ``alone`` whose IFs of a constant condition
    take their branch alone (where every copy takes the same one)."""
    skip: set[CellRef] = set()   # cells of text made per trial that numpy reads
    mixed: set = set()   # IFs of copies that take different branches: generic (_families)
    passes = 0
    while True:
        gen = cls(program, samplers, sampling, alone, mixed)
        gen.dyn_skip = skip
        try:
            plan = gen.generate()
        except DynamicRead as again:
            skip |= again.cells
            continue
        if not gen.if_branches.late:
            return plan, gen
        passes += 1
        if passes >= IF_PASSES:   # (never met): every copied formula's IF generic
            mixed.add(ALL_MIXED)
