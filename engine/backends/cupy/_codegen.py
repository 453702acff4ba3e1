"""Code generator: a program's stochastic slice -> the CUDA source of one fused GPU kernel.

It reuses the passes of :mod:`._numba_codegen` (resolve, fold, emit: the validated IR of
each cell becomes straight-line per-trial code over names from counters) and adds one pass,
**translate**: every emitted line is parsed with :mod:`ast` (parsed, never executed) and
printed as C++ through a whitelist of node types and helper functions (:data:`CALLS`, all
in :mod:`._rt`).  Anything outside the whitelist raises :class:`NotTranslatable` and the
cupy backend runs that program on the CPU instead (numbers first).

The kernel (one thread per trial, grid-stride loop) draws each input from Philox through its
inverse CDF (uniform, triangular, normal, lognormal, discrete, PERT by the numba backend's
fast beta inverse; scipy's exact PERT, and every input under Latin hypercube sampling, are
drawn on the host and passed in ``ext``),
computes every fused cell in registers and writes the outputs (NaN where an Excel error),
their error codes, and the input samples.  The per-trial body is a ``__host__ __device__``
function, and ``mcdesk_host`` runs it in a loop on the CPU when the source is compiled by
``nvcc`` for the host: the tests run the generated code without a GPU.

Names in the source are counters (``x3``, ``t17``, ``v5``, ``w5``, ``z9``) and the runtime's
functions; workbook constants are read from the ``kv``/``ke`` argument arrays; number
literals are ``repr`` of finite floats.

Text made per trial (numba's dynamic text) is written into a per-thread byte buffer by the
twins of :mod:`._rt_dtext` (digits exact, as numba's).  A kernel of many lines has the
numba generator's families (a formula copied down a column) as loops over the members'
slots, and long reductions over them as loops too (:class:`_CellCode`), so that the source,
and nvcc's time, do not grow with the copies.  :func:`translation_report` says, per
program, which lines do not translate (``bench/bench_cuda_translate.py`` prints it for
the bundled and generated workbooks).
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..numba._codegen import TABLE_PPFS, Generator, InputSampler, KernelPlan, generate_with
from ..numba._families import Chain, Family, find_families, loop_chains
from ..numba._rt_fits import KERNEL_NAMES as RT_FITS
from ..numba._rt_functions import KERNEL_NAMES as RT_FUNCTIONS
from ..numba._values import KDYN, KSTR
from ._rt import RUNTIME
from ._rt_bessel import BESSEL_NAMES, BESSEL_RUNTIME
from ._rt_calendar import CALENDAR_NAMES, CALENDAR_RUNTIME
from ._rt_dist import DIST_NAMES, DIST_RUNTIME
from ._rt_dtext import (
    DTEXT_FORMAT_NAMES,
    DTEXT_FORMAT_RUNTIME,
    DTEXT_NAMES,
    DTEXT_READ_NAMES,
    DTEXT_READ_RUNTIME,
    DTEXT_RUNTIME,
)
from ._rt_dvalue import DVALUE_NAMES, DVALUE_RUNTIME
from ._rt_dynarrays import DYNARRAY_NAMES, DYNARRAY_RUNTIME
from ._rt_long_criteria import LONG_CRITERIA_NAMES, LONG_CRITERIA_RUNTIME
from ._rt_math import MATH_CALLS, MATH_NAMES, MATH_RUNTIME
from ._rt_matrices import MATRIX_NAMES, MATRIX_RUNTIME
from ._rt_securities import SECURITIES_NAMES, SECURITIES_RUNTIME

if TYPE_CHECKING:
    from ...model import Program
    from ...workbook import CellRef

__all__ = ["CudaPlan", "NotTranslatable", "generate_cuda", "gpu_samplers", "translate",
           "translation_report"]

GPU_PPFS = ("ppf_uniform", "ppf_triangular", "ppf_normal", "ppf_lognormal", "ppf_discrete",
            "ppf_pertfast", "ppf_closed")
KERNEL_NAME = "mcdesk_kernel"
HOST_NAME = "mcdesk_host"

_LOCAL = re.compile(r"[xtfvwyz]\d+")
_LOOP_LOCAL = re.compile(r"f_\w+")    # names in a family's or a reduction's loop
_CELL_NAME = re.compile(r"\b([vwy])(\d+)\b")
_TERNARY = {"sel": "(({0}) ? ({1}) : ({2}))", "ck": "(({0}) ? ({1}) : 0)",
            "b2f": "(({0}) ? R(1.0) : R(0.0))", "nt": "(!({0}))", "int": "((long long)({0}))"}
CALLS = {  # Python name in the generated lines -> runtime / CUDA math function
    "fe": "fe", "nf": "nf", "max": "pymax", "min": "pymin", "abs": "fabs",
    "excel_pow": "excel_pow", "ipow": "ipow", "excel_round": "excel_round", "snap15": "snap15", "cmp15": "cmp15",
    "ndtri": "ndtri", "ndtr": "ndtr", "irr": "irr",
    "np.floor": "floor", "np.ceil": "ceil", "np.trunc": "trunc", "np.sqrt": "sqrt",
    "np.exp": "exp", "np.log": "log", "np.log10": "log10", "np.sin": "sin", "np.cos": "cos",
    "np.tan": "tan", "np.arctan": "atan", "np.tanh": "tanh", "np.sign": "mc_sign",
    "math.sqrt": "sqrt", "np.isnan": "isnan",
    # numba/_rt_functions.py, mirrored in ._rt
    **{name: name for name in RT_FUNCTIONS},
    # numba/_dtext_rt.py (dynamic text), mirrored in ._rt_dtext
    **{name: name for name in DTEXT_NAMES},
    **{name: name for name in DTEXT_FORMAT_NAMES},   # numba/_dtext_fmt_rt.py (TEXT formats)
    **{name: name for name in DTEXT_READ_NAMES},     # numba/_dtext_rt.py READ_NAMES
    **{name: name for name in DYNARRAY_NAMES},       # numba/_rt_dynarrays.py (FILTER ...)
    **{name: name for name in MATRIX_NAMES},         # numba/_rt_matrices.py (MINVERSE ...)
    **{name: name for name in DVALUE_NAMES},         # numba/_rt_dvalue.py (text as a number)
    # numba/_rt_math.py (FACT, PERMUT, GCD, BIT*, WEEKNUM, DATEDIF ...), mirrored in ._rt_math
    **{name: name for name in MATH_NAMES}, **MATH_CALLS,
    # numba/_rt_calendar.py and _rt_annuity.py, mirrored in ._rt_calendar (engineer H7)
    **{name: name for name in CALENDAR_NAMES},
    **{name: name for name in LONG_CRITERIA_NAMES},   # numba/_rt_long_criteria.py (COUNTIF ...)
    **{name: name for name in SECURITIES_NAMES},     # numba/_rt_securities.py (PRICE ...)
    # numba/_rt_dist.py (GAMMA.*, CHISQ.*, POISSON, ERF ...), mirrored in ._rt_dist (H4)
    **{name: name for name in DIST_NAMES}, "np.arctanh": "atanh",
    **{name: name for name in BESSEL_NAMES},         # numba/_rt_bessel.py *_small
    "np.power": "pow", "np.mod": "pymod", "np.rint": "rint", "np.isinf": "mc_isinf",
    "np.arcsin": "asin", "np.arccos": "acos", "np.arctan2": "atan2", "np.sinh": "sinh",
    "np.cosh": "cosh",
}
# Least-squares fits (numba/_rt_fits.py) have twins in ._rt (Householder QR), but they are not
# in CALLS: on ill-conditioned fits (pycel__stats' jittered 3x3 LINEST/TREND) QR lands up to
# 9e-12 of the output's scale from numpy's SVD, over the 1e-12 every backend keeps, so a
# program with a fit runs on the CPU.  tests/test_numba_fits.py adds them to check the twins.
FIT_CALLS = {name: name for name in RT_FITS}
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.BitAnd: "&",
           ast.BitOr: "|", ast.BitXor: "^"}
_CMPOPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
           ast.GtE: ">="}


class NotTranslatable(Exception):
    """A generated line uses something the CUDA translation does not have."""


@dataclass
class CudaPlan:
    """The numba plan of the same cells (argument arrays, stored cells, what is left to
    numpy) and the CUDA source of the kernel."""

    plan: KernelPlan
    source: str
    key: str
    dtype: str  # "float64" or "float32"


# ----------------------------------------------------------------- translate
def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return f"R({value!r})"
    raise NotTranslatable(f"literal {value!r}")


def _func_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    raise NotTranslatable("a call of something that is not a name")


def _integral(node: ast.expr) -> bool:
    """Whether ``node`` is an integer in C++: an int literal, ``int(..)`` (a long long), or
    one shifted right by another."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, int) and not isinstance(node.value, bool)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift):
        return _integral(node.left) and _integral(node.right)
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
        and node.func.id == "int" and len(node.args) == 1 and not node.keywords


def expr(node: ast.expr) -> str:
    """One expression of a generated line, as C++."""
    if isinstance(node, ast.Constant):
        return _literal(node.value)
    if isinstance(node, ast.Name):
        name = node.id
        if name[0] == "k" and name[1:].isdigit():
            return f"R(kv[{name[1:]}])"
        if name[0] == "q" and name[1:].isdigit():
            return f"ke[{name[1:]}]"
        if _LOCAL.fullmatch(name) or _LOOP_LOCAL.fullmatch(name):
            return name
        if name == "kv":   # the constants array itself (dynamic text copies code points)
            return "kv"
        raise NotTranslatable(f"name {name!r}")
    if isinstance(node, ast.Subscript):
        base = node.value
        idx = node.slice
        if isinstance(base, ast.Name) and base.id == "ur" and isinstance(idx, ast.Tuple) \
                and isinstance(idx.elts[0], ast.Constant) and isinstance(idx.elts[0].value, int):
            return f"ur{idx.elts[0].value}"
        if isinstance(base, ast.Name) and base.id == "ur" and isinstance(idx, ast.Tuple) \
                and len(idx.elts) == 2 and isinstance(idx.elts[1], ast.Name) \
                and idx.elts[1].id == "b":   # a row computed in a loop (numba _scan_loops)
            return f"mc_ur[(long long)({expr(idx.elts[0])})]"
        if isinstance(base, ast.Name) and base.id == "kv" and not isinstance(idx, ast.Tuple):
            return f"R(kv[(long long)({expr(idx)})])"   # a lookup table (text ids)
        if isinstance(base, ast.Name) and _LOCAL.fullmatch(base.id) \
                and isinstance(idx, ast.Constant) and isinstance(idx.value, int):
            return f"{base.id}[{idx.value}]"
        if isinstance(base, ast.Name) and base.id[0] == "z" and _LOCAL.fullmatch(base.id) \
                and isinstance(idx, ast.Call) and _func_name(idx.func) == "int" \
                and len(idx.args) == 1:   # z[int(t)]: a shared line read at a position
            return f"{base.id}[(long long)({expr(idx.args[0])})]"
        if isinstance(base, ast.Name) and base.id[0] == "z" and _LOCAL.fullmatch(base.id) \
                and _loop_index(idx):   # z[i * 5 + j]: a loop's place (numba _scan_loops)
            return f"{base.id}[(long long)({expr(idx)})]"
        raise NotTranslatable("subscript")
    if isinstance(node, ast.BinOp):
        a, b = expr(node.left), expr(node.right)
        if isinstance(node.op, ast.Mod):
            return f"pymod({a}, {b})"
        if isinstance(node.op, ast.FloorDiv):
            return f"pyfloordiv({a}, {b})"
        if isinstance(node.op, ast.RShift):   # a tag read: int(se[b, gi[..]]) >> 4
            if not (_integral(node.left) and _integral(node.right)):
                raise NotTranslatable("a shift of a value that is not an integer")
            return f"({a} >> {b})"
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise NotTranslatable(f"operator {type(node.op).__name__}")
        return f"({a} {op} {b})"
    if isinstance(node, ast.UnaryOp):
        a = expr(node.operand)
        if isinstance(node.op, ast.USub):
            return f"(-{a})"
        if isinstance(node.op, ast.UAdd):
            return a
        if isinstance(node.op, ast.Not):
            return f"(!{a})"
        raise NotTranslatable(f"unary {type(node.op).__name__}")
    if isinstance(node, ast.Compare):
        if len(node.ops) != 1:
            raise NotTranslatable("chained comparison")
        op = _CMPOPS.get(type(node.ops[0]))
        if op is None:
            raise NotTranslatable(f"comparison {type(node.ops[0]).__name__}")
        return f"({expr(node.left)} {op} {expr(node.comparators[0])})"
    if isinstance(node, ast.BoolOp):
        op = " && " if isinstance(node.op, ast.And) else " || "
        return "(" + op.join(expr(v) for v in node.values) + ")"
    if isinstance(node, ast.Attribute) and _func_name(node) == "np.nan":
        return "MC_NAN"   # a dynamic array's scratch cleared to NaN
    if isinstance(node, ast.Attribute) and _func_name(node) == "np.inf":
        return "MC_INF"
    if isinstance(node, ast.Call):
        if node.keywords:
            raise NotTranslatable("keyword arguments")
        name = _func_name(node.func)
        if name in _ROW_CALLS:
            return _rows_call(name, node.args)
        args = [expr(a) for a in node.args]
        if name in _TERNARY:
            return _TERNARY[name].format(*args)
        if name == "float" and len(args) == 1 and (
                _integral(node.args[0]) or _loop_index(node.args[0])):
            return f"((real)({args[0]}))"   # a tag: float(int(se[..]) >> 4); a loop's row
        fn = CALLS.get(name)
        if fn is None:
            raise NotTranslatable(f"function {name}")
        return f"{fn}({', '.join(args)})"
    raise NotTranslatable(f"{type(node).__name__}")


_ROW_CALLS = ("fill_rows", "nf_rows")
_INDEX_OPS = (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod)


def _loop_index(node: ast.expr) -> bool:
    """Whether ``node`` is a place computed from loop variables (``f_...``) and int
    literals by + - * // %: the slots of a loop's scratch (numba _scan_loops)."""
    if isinstance(node, ast.Name):
        return bool(_LOOP_LOCAL.fullmatch(node.id))
    if isinstance(node, ast.Constant):
        return type(node.value) is int
    return isinstance(node, ast.BinOp) and isinstance(node.op, _INDEX_OPS) and \
        _loop_index(node.left) and _loop_index(node.right)


def _int_literal(node: ast.expr) -> int | None:
    """The value of an int literal, a negative one included, else None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        got = _int_literal(node.operand)
        return None if got is None else -got
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def _rows_call(name: str, args: list[ast.expr]) -> str:
    """numba's loops over rows of ``ur`` (cells drawn with a group in a long range:
    ``fill_rows(z, off, ur, r0, step, n, b)`` copying them into a scratch, ``nf_rows(ur, r0,
    n, b)`` their #NUM! where one is not finite) as the runtime's loops over ``mc_ur``, the
    rows of ``ur`` (scalars ``ur<r>`` here) copied into an array once (:func:`generate_cuda`
    declares it where a line reads it)."""
    nums = [_int_literal(a) for a in args]
    if name == "fill_rows" and len(args) == 7 and None not in nums[1:2] + nums[3:6] \
            and isinstance(args[0], ast.Name) and args[0].id[0] == "z" \
            and _LOCAL.fullmatch(args[0].id):
        return f"mc_fill_rows({args[0].id}, {nums[1]}, mc_ur, {nums[3]}, {nums[4]}, {nums[5]})"
    if name == "nf_rows" and len(args) == 4 and None not in nums[1:3]:
        return f"mc_nf_rows(mc_ur, {nums[1]}, {nums[2]})"
    raise NotTranslatable(f"function {name}")


_FE_CHAIN = re.compile(r"^([wf]\d+) = (fe\(.*\))$")
_WORD = re.compile(r"\w+")


def _error_chain(line: str) -> str | None:
    """``w = fe(a, fe(b, ... fe(y, z)))`` (the first non-zero error code of many cells: a
    SUM over a column) as a statement per argument: nested that deep, Python's parser (and
    a C++ compiler's) gives up.  None where ``line`` is not such a chain."""
    m = _FE_CHAIN.match(line)
    if m is None or m.group(2).count("fe(") < 32:
        return None
    args: list[str] = []
    rest = m.group(2)
    while rest.startswith("fe(") and rest.endswith(")"):
        a, _, rest = rest[3:-1].partition(", ")
        if not _WORD.fullmatch(a):
            return None
        args.append(a)
    if not _WORD.fullmatch(rest):
        return None
    args.append(rest)
    name, acc = m.group(1), f"mc_fe_{m.group(1)}"
    codes = [expr(ast.parse(a, mode="eval").body) for a in args]
    out = [f"int {acc} = (int)({codes[0]});"]
    out += [f"if ({acc} == 0) {acc} = (int)({c});" for c in codes[1:]]
    return " ".join(out) + f" const int {name} = {acc};"


def translate(line: str) -> str:
    """One line of generated per-trial code (``name = expression`` or
    ``z<n>[<j>] = expression``) as a C++ statement."""
    if line.startswith("#"):
        return "// " + line[1:].strip()
    chain = _error_chain(line)
    if chain is not None:
        return chain
    try:
        tree = ast.parse(line, mode="exec")
    except (SyntaxError, RecursionError):
        raise NotTranslatable("a line nested too deep") from None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Assign) \
            or len(tree.body[0].targets) != 1:
        raise NotTranslatable("not one assignment")
    stmt = tree.body[0]
    target = stmt.targets[0]
    value = expr(stmt.value)
    if isinstance(target, ast.Name) and (_LOCAL.fullmatch(target.id) and target.id[0] != "z"
                                         or _LOOP_LOCAL.fullmatch(target.id)):
        return f"const auto {target.id} = {value};"
    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) \
            and target.value.id[0] == "z" and _LOCAL.fullmatch(target.value.id) \
            and isinstance(target.slice, ast.Constant) and isinstance(target.slice.value, int):
        return f"{target.value.id}[{target.slice.value}] = {value};"
    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) \
            and target.value.id[0] == "z" and _LOCAL.fullmatch(target.value.id) \
            and isinstance(target.slice, ast.Call) and _func_name(target.slice.func) == "int" \
            and len(target.slice.args) == 1:   # z[int(t)] = value: a computed slot
        return f"{target.value.id}[{expr(target.slice)}] = {value};"
    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) \
            and target.value.id[0] == "z" and _LOCAL.fullmatch(target.value.id) \
            and _loop_index(target.slice):   # z[i * 5 + j] = value: a loop's slot
        return f"{target.value.id}[(long long)({expr(target.slice)})] = {value};"
    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) \
            and target.value.id[0] == "z" and _LOCAL.fullmatch(target.value.id) \
            and isinstance(target.slice, ast.Slice) and target.slice.step is None \
            and all(isinstance(b, ast.Constant) and isinstance(b.value, int)
                    for b in (target.slice.lower, target.slice.upper)):   # z[a:b] = value
        lo, hi = target.slice.lower.value, target.slice.upper.value   # type: ignore[union-attr]
        return f"for (long long mc_j = {lo}; mc_j < {hi}; ++mc_j) {target.value.id}[mc_j] = {value};"
    raise NotTranslatable("assignment target")


# ----------------------------------------------------------------- generate
def gpu_samplers(samplers: dict[CellRef, InputSampler], sampling: str | None,
                 ) -> dict[CellRef, InputSampler]:
    """The samplers the GPU kernel draws itself (Monte Carlo, the GPU_PPFS); the others are
    drawn on the host (``ppf`` None)."""
    out = {}
    for c, s in samplers.items():
        inside = sampling == "mc" and s.ppf in GPU_PPFS
        out[c] = s if inside else dataclasses.replace(s, ppf=None)
    return out


class _Capture(Generator):
    """The numba generator, keeping the per-cell lines and the draw layout for CUDA."""

    cell_lines: list[list[str]]
    stored_cells: list[CellRef]
    fused_cells: list[CellRef]

    def assemble(self, cell_lines, fused, stored, rest, reasons):  # type: ignore[no-untyped-def]
        self.cell_lines = cell_lines
        self.stored_cells = stored
        self.fused_cells = fused
        return super().assemble(cell_lines, fused, stored, rest, reasons)


def _captured(program: Program, samplers: dict[CellRef, InputSampler],
              mode: str | None) -> tuple[_Capture, KernelPlan]:
    """The numba generator run as ..numba._codegen.generate runs it: again without the cells
    of text made per trial that the numpy part reads (DynamicRead), until none is left
    (before, such a program raised DynamicRead out of the cupy backend), and again with
    IFs of a constant condition taking their branch alone or not (_families.IfBranches)."""
    plan, gen = generate_with(program, samplers, mode, _Capture)
    assert isinstance(gen, _Capture)
    return gen, plan


def generate_cuda(program: Program, samplers: dict[CellRef, InputSampler],
                  sampling: str | None = "mc", dtype: str = "float64") -> CudaPlan:
    """The CUDA kernel of ``program`` (NotTranslatable if a fused line has no translation).
    ``samplers`` should come from :func:`gpu_samplers`; with ``sampling`` "lhs" or None the
    kernel draws nothing itself (RAND is then left to numpy, as in the numba backend)."""
    if dtype not in ("float64", "float32"):
        raise ValueError(f"dtype must be float64 or float32, got {dtype!r}")
    mode = sampling if sampling == "mc" else None
    gen, plan = _captured(program, gpu_samplers(samplers, mode), mode)
    body: list[str] = []
    ext_row = {c: r for r, c in enumerate(plan.ext_inputs)}
    off = 0
    streams = program.input_streams   # (a property: all of them, made once)
    for j, c in enumerate(gen.inputs):
        s = gen.samplers[c]
        if c in ext_row:
            body.append(f"const real x{j} = (real)ext[{ext_row[c]}LL * count + i];")
        else:
            sidx = gen.stream(streams[j])
            u = f"u01(key0, key1, sids[{sidx}], trial)"
            if s.ppf in TABLE_PPFS:
                call = f"{s.ppf}({u}, dp, {off})"
            else:
                call = f"{s.ppf}({u}, " + ", ".join(f"dp[{off + q}]" for q in
                                                  range(len(s.params))) + ")"
            off += len(s.params)
            body.append(f"const real x{j} = (real){call};")
        body.append(f"out_in[{j}LL * count + i] = (double)x{j};")
    how = {row: h for row, h, _, _ in gen.group.values()}
    for sid, r in sorted(gen.rand_rows.items(), key=lambda x: x[1]):
        u = f"u01(key0, key1, sids[{gen.stream(sid)}], trial)"
        if how.get(r) == 1:   # NORM.INV(RAND(), mean, sd) drawn with its group
            p = gen.group_p0 + 3 * r
            body.append(f"const double u{r} = {u};")
            body.append(f"const double ur{r} = u{r} > 0.0 ? dp[{p + 1}] + dp[{p + 2}] * "
                        f"ndtri(u{r}) : MC_NAN;")
        else:
            body.append(f"const double ur{r} = {u};")
    cells = _CellCode(gen, len(plan.ke))
    if any("mc_ur" in line for line in cells.body):   # rows of ur read by loops (_rows_call,
        # a row computed in a loop: numba _scan_loops)
        body.append(f"double mc_ur[{max(len(gen.rand_rows), 1)}];")
        body.extend(f"mc_ur[{r}] = ur{r};" for r in range(len(gen.rand_rows)))
    text_buffer = (gen.__dict__.get("_dyn_buffer") or [None])[0]
    wide = "mc_wch" if gen.__dict__.get("_dyn_wide") else "mc_ch"   # past ASCII: int
    for name, size in gen.scratches.items():   # dynamic text: one byte a character
        kind = wide if name == text_buffer else "double"
        body.append(f"{kind} {name}[{max(int(size), 1)}];")
    body.extend(cells.body)
    if cells.table:   # the families' gather table after the constants' error codes
        plan.ke = np.concatenate([np.asarray(plan.ke, dtype=np.int64),
                                  np.asarray(cells.table, dtype=np.int64)])
    for r, c in enumerate(gen.stored_cells):
        val = gen.cells[c]
        body.extend(cells.loads([val.v, val.e, str(val.y)]))
        e = "0" if val.e == "0" else val.e
        if val.kind in (KSTR, KDYN) and c not in gen.text_ids:   # text: #VALUE!, as numpy
            body.append(f"out_v[{r}LL * count + i] = MC_NAN;")
            body.append(f"out_e[{r}LL * count + i] = (unsigned char)(({e}) != 0 ? ({e}) : 3);")
            continue
        if val.kind == "any":   # the kind varies: text #VALUE!, blank 0 (the tag y)
            y = val.y
            if c in gen.text_ids:
                body.append(f"out_v[{r}LL * count + i] = ({e}) == 0 ? (double){val.v} : MC_NAN;")
                body.append(f"out_e[{r}LL * count + i] = (unsigned char)(({e}) + 16 * "
                            f"(int)({y}));")
            else:
                body.append(f"out_v[{r}LL * count + i] = (({e}) == 0 && {y} < 2.0) ? "
                            f"(double){val.v} : (({e}) == 0 && {y} == 3.0) ? 0.0 : MC_NAN;")
                body.append(f"out_e[{r}LL * count + i] = (unsigned char)(({e}) != 0 ? ({e}) : "
                            f"({y} == 2.0 ? 3 : 0));")
            continue
        body.append(f"out_v[{r}LL * count + i] = ({e}) == 0 ? (double){val.v} : MC_NAN;")
        body.append(f"out_e[{r}LL * count + i] = (unsigned char)({e});")
    source = _module(body, dtype)
    return CudaPlan(plan, source, hashlib.sha256(source.encode()).hexdigest()[:24], dtype)


# a family is a loop where its members have this many lines in all: a loop's own lines and
# the loads of its members by the cells that read them cost lines too (yearfrac's 372
# families of 4-24 cells of 2-3 lines each made its kernel 16% longer as loops)
LOOP_LINES = 64


class _CellCode:
    """The fused cells as C++: straight-line code, or (a kernel of
    :data:`..numba._families.FAMILY_FROM_LINES` lines or more) the numba generator's families
    as loops, as the numba kernel has them: a family's members computed by one loop over
    the same translated lines, their operands gathered through a table (``ke[base:]``: per
    member the operands' input rows, slots, constant indices, then its own slot), values and
    error codes (tag in the high bits) in per-thread slot arrays ``mc_sv``/``mc_se``.  A
    straight-line cell reads a member through its slot (loaded once), and stores its own
    value in a slot where a family reads it.  Families with uniform operands, and small
    families of short formulas (:data:`LOOP_LINES`), stay straight-line code."""

    def __init__(self, gen: _Capture, base: int) -> None:
        self.gen = gen
        self.base = base
        self.table: list[int] = []
        self.body: list[str] = []
        self.slot: dict[int, int] = {}
        self.looped: set[int] = set()
        self.loaded: set[tuple[str, int]] = set()
        units, count = find_families(gen.cell_lines)
        flat: list[int | Family] = []
        for u in units:
            if isinstance(u, Chain):
                # a schedule's rows (numba's Chain, one loop there for numba's compile time)
                # stay straight-line code, row by row: nvcc compiles long code in seconds
                flat.extend(u.order)
            elif isinstance(u, Family) and ("u" in u.shape.kinds or len(u.members) * (
                    u.shape.text.count("\n") + 1) < LOOP_LINES):
                flat.extend(u.members)
            else:
                flat.append(u)
        families = [u for u in flat if isinstance(u, Family)]
        if not count or not families:
            for lines in gen.cell_lines:
                if _has_loop(lines):   # numba _row_loops, _scan_loops
                    self._chains(lines, [])
                else:
                    self.body.extend(translate(line) for line in lines)
            return
        for f in families:
            for k in f.members:
                self.looped.add(k)
                self._need(k)
            for ids in f.ids:
                for kind, n in zip(f.shape.kinds, ids, strict=True):
                    if kind in "vwy":
                        self._need(n)
        self.body += [f"double mc_sv[{len(self.slot)}];",
                      f"unsigned char mc_se[{len(self.slot)}];"]
        for u in flat:
            if isinstance(u, Family):
                self._loop(u)
            else:
                self._cell(u)

    def _need(self, k: int) -> None:
        if k not in self.slot:
            self.slot[k] = len(self.slot)

    def loads(self, texts: list[str]) -> list[str]:
        """Declarations of the values, error codes and tags of family members that
        ``texts`` (generated Python) read and that are not declared yet."""
        out = []
        for text in texts:
            for kind, n in _CELL_NAME.findall(text):
                k = int(n)
                if k not in self.looped or (kind, k) in self.loaded:
                    continue
                self.loaded.add((kind, k))
                s = self.slot[k]
                out.append({"v": f"const real v{k} = (real)mc_sv[{s}];",
                            "w": f"const int w{k} = (int)(mc_se[{s}] & 15);",
                            "y": f"const real y{k} = (real)(mc_se[{s}] >> 4);"}[kind])
        return out

    def _cell(self, k: int) -> None:
        lines = self.gen.cell_lines[k]
        looped, table = loop_chains(lines, self.looped, 0, f"f_c{k}")
        if table:
            self._chains(looped, table)
        elif _has_loop(lines):   # a loop of its own (numba _row_loops, _scan_loops)
            self._chains(lines, [])
        else:
            self.body += self.loads(lines)
            self.body += [translate(line) for line in lines]
        if k in self.slot:
            val = self.gen.cells[self.gen.fused_cells[k]]
            self.body += self.loads([val.v, val.e, str(val.y)])
            s = self.slot[k]
            e = _expr_text(val.e)
            tag = "" if val.y is None else f" + 16 * (int)({_expr_text(val.y)})"
            self.body += [f"mc_sv[{s}] = (double)({_expr_text(val.v)});",
                          f"mc_se[{s}] = (unsigned char)(({e}){tag});"]

    def _chains(self, lines: list[str], cells: list[int]) -> None:
        """A cell's lines with its long reductions over family members as loops
        (:func:`..numba._families.loop_chains`: a SUM over a column of them, the first error
        among them) in C++: the members' slots go to the gather table, a name the loop
        updates is a variable."""
        at = self.base + len(self.table)
        self.table += [self.slot[c] for c in cells]
        targets = [m.group(1) for m in map(_TARGET.match, lines) if m is not None]
        mutable = {t for t in targets if targets.count(t) > 1}
        declared: set[str] = set()
        depth = 0
        for line in lines:
            indent = (len(line) - len(line.lstrip())) // 4
            while depth > indent:
                self.body.append("}")
                depth -= 1
            text = line.strip()
            loop = _FOR.match(text) or _FOR_BOUND.match(text)
            if loop is not None:
                j, n = loop.groups()
                if not n.isdigit():
                    n = f"(long long)({_bounded_count(lines, n)})"
                self.body += ["#pragma unroll 1",
                              f"for (long long {j} = 0; {j} < {n}; ++{j}) {{"]
                depth += 1
                continue
            branch = _IF.match(text)
            if branch is not None or text == "else:":
                self.body.append("else {" if branch is None else
                                 f"if ({_expr_text(branch.group(1))}) {{")
                depth += 1
                continue
            text = _GATHER.sub(lambda m: f"f_gather_{m.group(1)}_{m.group(2)}_{m.group(3)}",
                               text)
            self.body += self.loads([text])
            got = _GATHERED.sub(lambda m: f"{'(real)' if m.group(1) == 'sv' else ''}mc_"
                                          f"{m.group(1)}[ke[{at + int(m.group(2))} + "
                                          f"{m.group(3)}]]", translate(text))
            name = text.split(" = ", 1)[0]
            if name in mutable:
                if name in declared:
                    got = got.replace(f"const auto {name} = ", f"{name} = ", 1)
                else:
                    got = got.replace(f"const auto {name} = ", f"auto {name} = ", 1)
                    declared.add(name)
            self.body.append(got)
        self.body += ["}"] * depth

    def _loop(self, f: Family) -> None:
        shape = f.shape
        width = len(shape.kinds) + 1
        at = self.base + len(self.table)
        for m, ids in zip(f.members, f.ids, strict=True):
            for kind, n in zip(shape.kinds, ids, strict=True):
                self.table.append(self.slot[n] if kind in "vwy" else n)
            self.table.append(self.slot[m])
        load = {"x": "(real)out_in[ke[{}] * count + i]", "v": "(real)mc_sv[ke[{}]]",
                "w": "(int)(mc_se[ke[{}]] & 15)", "y": "(real)(mc_se[ke[{}]] >> 4)",
                "k": "R(kv[ke[{}]])", "q": "ke[ke[{}]]"}
        self.body += ["#pragma unroll 1",   # a loop to keep: unrolled it is the long code again
                      f"for (long long fm = 0; fm < {len(f.members)}; ++fm) {{",
                      f"    const long long fj = {at}LL + fm * {width}LL;"]
        self.body += [f"    const auto f_P{j} = " + load[kind].format(f"fj + {j}") + ";"
                      for j, kind in enumerate(shape.kinds)]
        text = re.sub(r"\b([VWY])\b|\b([TP])(\d+)\b",
                      lambda m: f"f_{m.group(1)}" if m.group(1) else f"f_{m.group(2)}{m.group(3)}",
                      shape.text)
        self.body += ["    " + translate(line) for line in text.split("\n")]
        err = "f_W" if shape.has_error else "0"
        tag = " + 16 * (int)(f_Y)" if shape.has_tag else ""
        self.body += [f"    mc_sv[ke[fj + {width - 1}]] = (double)f_V;",
                      f"    mc_se[ke[fj + {width - 1}]] = (unsigned char)(({err}){tag});", "}"]


_TARGET = re.compile(r"^\s*(\w+) = ")
_FOR = re.compile(r"^for (\w+) in range\((\d+)\):$")
# a loop of a count computed per trial (numba _scan_loops: the steps of a SCAN over a shape
# varying per trial), its count ``t = min(int(..), <maximum>)``, and a branch in a loop
_FOR_BOUND = re.compile(r"^for (f_\w+) in range\(([tf]_?\w*\d+)\):$")
_COUNT = re.compile(r"^\s*(\w+) = min\(int\((.+)\), (\d+)\)$")
_IF = re.compile(r"^if (.+):$")
MAX_LOOP_COUNT = 4096   # a loop of a count computed per trial runs at most this many times


def _has_loop(lines: list[str]) -> bool:
    return any(_FOR.match(line) or _FOR_BOUND.match(line) for line in lines)


def _bounded_count(lines: list[str], name: str) -> str:
    """The C++ count of a loop over ``range(name)``: ``name`` must be one of ``lines``'s
    ``name = min(int(..), <maximum>)`` with a maximum of at most :data:`MAX_LOOP_COUNT`
    (the loop's scratch is sized by it): else NotTranslatable."""
    for line in lines:
        m = _COUNT.match(line)
        if m is not None and m.group(1) == name:
            if int(m.group(3)) > MAX_LOOP_COUNT:
                raise NotTranslatable(f"a loop of up to {m.group(3)} steps per trial")
            return _expr_text(name)
    raise NotTranslatable("a loop whose count has no declared maximum")
_GATHER = re.compile(r"\b(sv|se)\[b, gi\[(\d+) \+ (\w+)\]\]")
_GATHERED = re.compile(r"\bf_gather_(sv|se)_(\d+)_(\w+)")


def _expr_text(text: str) -> str:
    """A generated Python expression (a cell's value, error code or tag) as C++."""
    return expr(ast.parse(text, mode="eval").body)


_ARGS = ("unsigned long long key0, unsigned long long key1, long long start, long long count, "
         "const unsigned long long *sids, const double *kv, const long long *ke, "
         "const double *dp, const double *ext, double *out_in, double *out_v, "
         "unsigned char *out_e")
_CALL = "key0, key1, start, count, sids, kv, ke, dp, ext, out_in, out_v, out_e"


def _calls(body: list[str], names: tuple[str, ...]) -> bool:
    return any(f"{n}(" in line for line in body for n in names)


def _module(body: list[str], dtype: str) -> str:
    real = "double" if dtype == "float64" else "float"
    src = ["// generated by engine.backends.cupy._codegen: do not edit",
           f"typedef {real} real;", "#define R(x) ((real)(x))",
           "#define MC_WIDE_TEXT" if any(x.startswith("mc_wch ") for x in body) else "",
           RUNTIME, DTEXT_RUNTIME,
           DTEXT_FORMAT_RUNTIME if _calls(body, DTEXT_FORMAT_NAMES) else "",
           DTEXT_READ_RUNTIME if _calls(body, DTEXT_READ_NAMES) else "",
           DYNARRAY_RUNTIME if _calls(body, DYNARRAY_NAMES) else "",
           MATRIX_RUNTIME if _calls(body, MATRIX_NAMES) else "",
           DVALUE_RUNTIME if _calls(body, DVALUE_NAMES) else "",
           MATH_RUNTIME if _calls(body, MATH_NAMES) else "",
           CALENDAR_RUNTIME if _calls(body, CALENDAR_NAMES + SECURITIES_NAMES) else "",
           SECURITIES_RUNTIME if _calls(body, SECURITIES_NAMES) else "",
           DIST_RUNTIME if _calls(body, DIST_NAMES) else "",
           BESSEL_RUNTIME if _calls(body, BESSEL_NAMES) else "",
           LONG_CRITERIA_RUNTIME if _calls(body, LONG_CRITERIA_NAMES) else "",
           f"MC_HD void mc_trial(long long i, {_ARGS}) {{",
           "    const unsigned long long trial = (unsigned long long)start + "
           "(unsigned long long)i;"]
    src += ["    " + line for line in body]
    src += ["}", "",
            "#ifndef MC_HOST",
            f'extern "C" __global__ void {KERNEL_NAME}({_ARGS}) {{',
            "    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < count;",
            "         i += (long long)blockDim.x * gridDim.x)",
            f"        mc_trial(i, {_CALL});",
            "}",
            "#else",
            f'extern "C" void {HOST_NAME}({_ARGS}) {{',
            f"    for (long long i = 0; i < count; ++i) mc_trial(i, {_CALL});",
            "}",
            "#endif", ""]
    return "\n".join(src)


def translation_report(program: Program, samplers: dict[CellRef, InputSampler],
                       sampling: str | None = "mc") -> tuple[int, int, dict[str, int]]:
    """How far the fused cells of ``program`` translate to CUDA: (fused cells, cells whose
    lines all translate, {reason: cells}) — every line is tried, not just up to the first
    refusal (for benches and tests; :func:`generate_cuda` stops at the first)."""
    mode = sampling if sampling == "mc" else None
    gen, _ = _captured(program, gpu_samplers(samplers, mode), mode)
    reasons: dict[str, int] = {}
    good = 0
    for lines in gen.cell_lines:   # a random cell drawn with its group has no lines
        why = set()
        for line in lines:
            text = line.strip()   # a loop's or branch's lines as _CellCode._chains reads them
            try:
                bound = _FOR_BOUND.match(text)
                if bound is not None:
                    _bounded_count(lines, bound.group(2))
                if bound or _FOR.match(text) or _IF.match(text) or text == "else:":
                    continue
                translate(text)
            except NotTranslatable as exc:
                why.add(str(exc))
            except SyntaxError:
                why.add("a line that is not one expression")
        good += not why
        for w in why:
            reasons[w] = reasons.get(w, 0) + 1
    return len(gen.cell_lines), good, reasons
