"""LET, LAMBDA and the functions that call a LAMBDA: BYROW, BYCOL, MAP, REDUCE, SCAN,
MAKEARRAY, ISOMITTED, and a LAMBDA value called with arguments (``LET(f, LAMBDA(x, x+1),
f(2))``, ``_LAMBDACALL``).

Excel writes a LAMBDA's parameters and LET's names as ``_xlpm.name`` and a function passed by
name (``BYROW(A1:C3, SUM)``) as ``_xleta.SUM``.  The IR builder turns them into the calls
``_XLPM("name")`` and ``_XLETA("SUM")`` (see :data:`PARAMETER` and :data:`ETA`); the compiler
hands every call named in :data:`LAMBDA_CALLS` to :func:`compile_lambda_call`, because their
arguments are not values computed before the call: a LAMBDA's body is run once per row,
element or step, with its parameters bound.

A name is looked up in the scope in force where the LAMBDA was written (lexical scope); the
scope of the running body is kept in a context variable while it runs.

A random function in a LAMBDA's body draws anew in every call, as Excel's does
(``MAKEARRAY(3, 3, LAMBDA(r, c, RAND()))``: nine numbers; ``SCAN(0, A1:A9, LAMBDA(a, x,
a + NORM.S.INV(RAND())))``: a draw per step): each call of a helper's LAMBDA runs with a tag
(:func:`draw_tag`) naming the helper (its place among the cell's helper calls in compile
order, :data:`CompileInfo.lambda_sites <engine.compiler.CompileInfo>`) and the element or step
(row, column), appended to the tags of the calls it runs inside; RAND, RANDBETWEEN and
RANDARRAY key their streams by it (:func:`stream_tag`).  Outside a LAMBDA the tag is empty and
the streams are those of the cell alone.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import numpy as np

from .._ir_nodes import Call, Missing, Str
from .._ragged import check_uniform
from ..values import NAME, VALUE, Grid, Kind, Vec, array_budget, blank, boolean, error, num

PARAMETER = "_XLPM"
ETA = "_XLETA"
CALL = "_LAMBDACALL"  # f(...)(args): a LAMBDA value called (engine.ir writes it so)
LAMBDA_CALLS = frozenset({PARAMETER, ETA, "LET", "LAMBDA", "BYROW", "BYCOL", "MAP", "REDUCE",
                          "SCAN", "MAKEARRAY", "ISOMITTED", "GROUPBY", CALL})

Code = Callable[[Any], Any]
_SCOPE: ContextVar[dict[str, Any]] = ContextVar("excel_lambda_scope", default={})  # noqa: B039
_DRAW: ContextVar[str] = ContextVar("excel_lambda_draw", default="")
_SITE: ContextVar[int] = ContextVar("excel_lambda_site", default=0)
# the helpers whose LAMBDA calls are tagged (a place in CompileInfo.lambda_sites each)
SITED = frozenset({"BYROW", "BYCOL", "MAP", "REDUCE", "SCAN", "MAKEARRAY", CALL})


def draw_tag() -> str:
    """The tag of the LAMBDA calls running now ("" outside any): see the module docstring."""
    return _DRAW.get()


def stream_tag(site: int, r: int, c: int) -> str:
    """The part of a draw tag one call adds: helper ``site``, element or step (r, c)."""
    return f"@{site}:{r}:{c}"


def _invoke(env: Any, lam: Any, r: int, c: int, *args: Any) -> Any:
    """``lam(env, *args)`` run as the call at (r, c) of the helper running now."""
    token = _DRAW.set(_DRAW.get() + stream_tag(_SITE.get(), r, c))
    try:
        return lam(env, *args)
    finally:
        _DRAW.reset(token)


def name_node(text: str) -> Call | None:
    """The IR node of a name Excel writes with a prefix (``_xlpm.x``, ``_xleta.SUM``), else None."""
    prefix, _, rest = text.partition(".")
    prefix = prefix.lower()
    if not rest or prefix not in ("_xlpm", "_xleta"):
        return None
    return Call(PARAMETER if prefix == "_xlpm" else ETA, (Str(rest.upper()),))


class Lambda(Vec):
    """A LAMBDA value: its parameter names, its compiled body and the scope it was written in.

    It is a :class:`Vec` holding #VALUE! (Excel's #CALC!), which is what any function other
    than the LAMBDA helpers sees when given one."""

    __slots__ = ("params", "body", "scope", "builtin")

    def __init__(self, params: tuple[str, ...], body: Code | None = None,
                 scope: dict[str, Any] | None = None,
                 builtin: Callable[..., Any] | None = None) -> None:
        Vec.__init__(self, Kind.NUM, np.zeros(1), np.full(1, VALUE, dtype=np.uint8))
        self.params = params
        self.body = body
        self.scope = scope or {}
        self.builtin = builtin  # an eta-reduced Excel function

    def __call__(self, env: Any, *args: Vec | Grid | None) -> Vec | Grid:
        if self.builtin is not None:
            try:
                return self.builtin(*args)
            except TypeError:  # called with a number of arguments it does not take
                return error(VALUE)
        if len(args) > len(self.params):
            return error(VALUE)
        bound = dict(self.scope)
        for i, p in enumerate(self.params):
            bound[p] = args[i] if i < len(args) and args[i] is not None else _OMITTED
        token = _SCOPE.set(bound)
        try:
            out = self.body(env)  # type: ignore[misc]
        finally:
            _SCOPE.reset(token)
        # a LAMBDA returned (LAMBDA(a, LAMBDA(b, a*b))(3)(4)) can be called in turn; left
        # uncalled it is a #VALUE! value (Excel's #CALC!)
        return out


_OMITTED = object()


def _omitted(env: Any) -> object:
    return _OMITTED


def _param_name(node: Any) -> str | None:
    if isinstance(node, Call) and node.name == PARAMETER and isinstance(node.args[0], Str):
        return node.args[0].value
    return None


def _cell(v: Any) -> Vec:
    if isinstance(v, Grid):
        return v.cells[0][0] if v.shape == (1, 1) else error(VALUE)
    if isinstance(v, Lambda) or v is None:
        return error(VALUE)
    return v


def compile_lambda_call(compiler: Any, node: Call) -> Code:
    """Compile one call named in :data:`LAMBDA_CALLS` (``compiler`` is engine.compiler's)."""
    name, args = node.name, node.args
    problem = _compile.get(name)
    assert problem is not None
    if name in SITED:
        sites = compiler.info.lambda_sites
        sites.append(node)
        return _sited(problem(compiler, args), len(sites) - 1)
    return problem(compiler, args)


def _sited(code: Code, site: int) -> Code:
    """``code`` of a helper run with ``site`` as the helper whose calls are tagged."""
    def run(env: Any) -> Any:
        token = _SITE.set(site)
        try:
            return code(env)
        finally:
            _SITE.reset(token)
    return run


def _parameter(compiler: Any, args: tuple) -> Code:
    key = args[0].value

    def run(env: Any) -> Any:
        v = _SCOPE.get().get(key)
        if v is None:
            return error(NAME)
        return blank() if v is _OMITTED else v
    return run


def _eta(compiler: Any, args: tuple) -> Code:
    from . import FUNCTIONS, _load

    _load()
    fn = FUNCTIONS.get(args[0].value)
    if fn is None or fn.needs_ctx:
        compiler.info.unsupported.add(args[0].value)
        v = error(NAME)
        return lambda env: v
    lam = Lambda((), builtin=fn.impl)
    return lambda env: lam


def _lambda(compiler: Any, args: tuple) -> Code:
    if not args:
        v = error(VALUE)
        return lambda env: v
    params = tuple(_param_name(a) for a in args[:-1])
    if any(p is None for p in params):
        v = error(VALUE)
        return lambda env: v
    body = compiler.compile(args[-1])
    return lambda env: Lambda(params, body, dict(_SCOPE.get()))  # type: ignore[arg-type]


def _let(compiler: Any, args: tuple) -> Code:
    if len(args) < 3 or len(args) % 2 == 0:
        v = error(VALUE)
        return lambda env: v
    names = [_param_name(a) for a in args[:-1:2]]
    if any(p is None for p in names):
        v = error(VALUE)
        return lambda env: v
    # a named LAMBDA called with an argument left empty (=GROWTHOF(Fund,), bound as LET by
    # engine.ir): the parameter is omitted, as ISOMITTED sees it, not a blank value
    values = [_omitted if isinstance(a, Missing) else compiler.compile(a) for a in args[1:-1:2]]
    body = compiler.compile(args[-1])

    def run(env: Any) -> Any:
        scope = dict(_SCOPE.get())
        token = _SCOPE.set(scope)
        try:
            for p, code in zip(names, values, strict=True):
                scope[p] = code(env)
            return body(env)
        finally:
            _SCOPE.reset(token)
    return run


def _isomitted(compiler: Any, args: tuple) -> Code:
    key = _param_name(args[0]) if len(args) == 1 else None

    def run(env: Any) -> Vec:
        return boolean(key is not None and _SCOPE.get().get(key) is _OMITTED)
    return run


def _with_lambda(fn: Callable[..., Vec | Grid], at: int = -1) -> Callable[[Any, tuple], Code]:
    """A function whose last argument (or the one at ``at``) is a LAMBDA: the others are
    values.  ``fn(env, lambda, *others)``; GROUPBY (``at`` 2) gets every argument in place."""

    def build(compiler: Any, args: tuple) -> Code:
        codes = [None if isinstance(a, Missing) else compiler.compile(a) for a in args]

        def run(env: Any) -> Vec | Grid:
            vals = [None if c is None else c(env) for c in codes]
            if len(vals) <= (at if at >= 0 else 0) or not isinstance(vals[at], Lambda):
                return error(VALUE)
            if at >= 0:
                return fn(env, *vals)
            return fn(env, vals[-1], *vals[:-1])
        return run
    return build


def _grid(v: Any) -> Grid:
    if isinstance(v, Grid):
        return v
    return Grid([[_cell(v)]])


def _byrow(env: Any, lam: Lambda, array: Any = None) -> Grid:
    g = _grid(array)
    return Grid([[_cell(_invoke(env, lam, i, 0, Grid([list(row)])))]
                 for i, row in enumerate(g.cells)])


def _bycol(env: Any, lam: Lambda, array: Any = None) -> Grid:
    g = _grid(array)
    cols = [list(c) for c in zip(*g.cells, strict=True)]
    return Grid([[_cell(_invoke(env, lam, 0, j, Grid([[c] for c in col])))
                  for j, col in enumerate(cols)]])


def _map(env: Any, lam: Lambda, *arrays: Any) -> Vec | Grid:
    grids = [_grid(a) for a in arrays]
    if not grids:
        return error(VALUE)
    rows = max(g.shape[0] for g in grids)
    cols = max(g.shape[1] for g in grids)

    def at(g: Grid, r: int, c: int) -> Vec:
        gr, gc = g.shape
        if (gr != 1 and r >= gr) or (gc != 1 and c >= gc):
            return error(7)
        return g.cells[0 if gr == 1 else r][0 if gc == 1 else c]
    return Grid([[_cell(_invoke(env, lam, r, c, *[at(g, r, c) for g in grids]))
                  for c in range(cols)]
                 for r in range(rows)])


def _reduce_or_scan(env: Any, lam: Lambda, initial: Any, array: Any, scan: bool) -> Vec | Grid:
    acc: Any = blank() if initial is None else initial
    g = _grid(array)
    out = []
    for i, row in enumerate(g.cells):
        line = []
        for j, c in enumerate(row):
            acc = _invoke(env, lam, i, j, acc, c)
            line.append(_cell(acc))
        out.append(line)
    return Grid(out) if scan else acc


def _reduce(env: Any, lam: Lambda, initial: Any = None, array: Any = None) -> Vec | Grid:
    return _reduce_or_scan(env, lam, initial, array, False)


def _scan(env: Any, lam: Lambda, initial: Any = None, array: Any = None) -> Vec | Grid:
    return _reduce_or_scan(env, lam, initial, array, True)


def _one_value(v: Any) -> Vec:
    """``v`` as one cell whose value must be the same in every trial (an array's size): where
    the trials of a chunk differ, :class:`Ragged` runs the cell once per group of trials with
    one value (else the shape of the chunk's first trial would be every trial's)."""
    c = _cell(v)
    n = max(len(c.data), 1 if c.err is None else len(c.err))
    if n > 1:
        ids: dict[tuple[type, Any], int] = {}
        check_uniform(np.array([ids.setdefault((type(x), x), len(ids))
                                for x in (c.scalar(t) for t in range(n))]))
    return c


def _makearray(env: Any, lam: Lambda, rows: Any = None, cols: Any = None) -> Vec | Grid:
    sizes = []
    for v in (rows, cols):
        c = _one_value(v)
        if c.has_errors:
            return c
        if isinstance(c.scalar(), str):
            return error(VALUE)  # MAKEARRAY(2, "1", ...) is #VALUE! in Excel
        try:
            k = int(float(c.scalar()))
        except (TypeError, ValueError):
            return error(VALUE)
        if k < 1:
            return error(VALUE)
        sizes.append(k)
    r, c = sizes
    array_budget(r, c, "MAKEARRAY")
    return Grid([[_cell(_invoke(env, lam, i, j, num(i + 1), num(j + 1))) for j in range(c)]
                 for i in range(r)])


_compile: dict[str, Callable[[Any, tuple], Code]] = {
    PARAMETER: _parameter, ETA: _eta, "LAMBDA": _lambda, "LET": _let, "ISOMITTED": _isomitted,
    "BYROW": _with_lambda(_byrow), "BYCOL": _with_lambda(_bycol), "MAP": _with_lambda(_map),
    "REDUCE": _with_lambda(_reduce), "SCAN": _with_lambda(_scan),
    "MAKEARRAY": _with_lambda(_makearray),
}


def _called(env: Any, lam: Lambda, *args: Any) -> Vec | Grid:
    """``f(2)`` where f is a LAMBDA value (a LET name, a LAMBDA returned by a call): the
    LAMBDA run with the arguments; a count other than its parameters' is #VALUE!."""
    if lam.builtin is None and len(args) != len(lam.params):
        return error(VALUE)
    return _invoke(env, lam, 0, 0, *args)


_compile[CALL] = _with_lambda(_called, at=0)


def _groupby(env: Any, *args: Any) -> Vec | Grid:
    from .groupby import groupby

    return groupby(env, *args)


_compile["GROUPBY"] = _with_lambda(_groupby, at=2)
