"""The vectorized Excel function library.

One module per Excel category (``math``, ``logical``, ``stats``, ``lookup``, ``financial``,
``dates``, ``text``, ``info``).  A function receives its evaluated arguments — :class:`Vec`
(one value per trial, or one for all) or :class:`Grid` (a range or an array), ``None`` for an
omitted argument — and returns a ``Vec`` or a ``Grid``.  Errors are values: a function never
raises for bad data, it returns the Excel error for the trials concerned.

A function that the library does not implement but pycel does runs through
:func:`engine.functions.fallback.pycel_function`, trial by trial (slow but correct).
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from ..values import Value


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    impl: Callable[..., Value]
    needs_ctx: bool = False   # impl(ctx, *args): for ROW(), OFFSET, RAND, ...
    refs: bool = False        # receives references unevaluated-to-values (Grid with area)
    vectorized: bool = True   # False for the trial-by-trial fallback


FUNCTIONS: dict[str, Function] = {}

# Functions that treat a cell reference differently from a typed value: in SUM(A1) a text or
# logical in A1 is skipped, in SUM("3", TRUE) it is coerced.  The compiler passes a reference
# argument of these functions as a 1x1 Grid (a range), every other argument as a value.
REFERENCE_AWARE = frozenset({
    "SUM", "PRODUCT", "SUMSQ", "AVERAGE", "AVERAGEA", "MIN", "MAX", "MINA", "MAXA", "COUNT",
    "COUNTA", "MEDIAN", "STDEV", "STDEV.S", "STDEV.P", "STDEVP", "STDEVA", "VAR", "VAR.S",
    "VAR.P", "VARP", "VARA", "AND", "OR", "XOR", "AVEDEV", "DEVSQ", "GEOMEAN", "HARMEAN",
    "LARGE", "SMALL", "PERCENTILE", "PERCENTILE.INC", "PERCENTILE.EXC", "QUARTILE",
    "QUARTILE.INC", "QUARTILE.EXC", "MODE", "MODE.SNGL", "CONCAT", "TEXTJOIN", "NPV",
    "ISBLANK", "ISREF", "ISFORMULA",
})

CATEGORIES = ("operators", "logical", "math", "stats", "lookup", "financial", "dates",
              "text", "info", "distributions", "dynamic", "engineering",
              "charcodes", "regression", "stattests", "moments", "combinatorics",
              "rates", "frequency", "address", "complex",
              "numerals", "matrices", "text_modern", "text_format",
              "integers", "linest", "cashflows",
              "aggregate", "database", "securities",
              "filterxml", "addin_sample", "pivot")


def register(*names: str, needs_ctx: bool = False, refs: bool = False):
    """Decorator: ``@register("SUM")`` adds a function to the library under each name."""

    def deco(fn: Callable[..., Value]) -> Callable[..., Value]:
        for name in names:
            FUNCTIONS[name.upper()] = Function(name.upper(), fn, needs_ctx, refs)
        return fn

    return deco


_loaded = False


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for mod in CATEGORIES:
        try:
            importlib.import_module(f"{__name__}.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{mod}":
                raise


def function_named(name: str) -> Function | None:
    """The implementation of an Excel function: vectorized, else pycel's scalar one, else None.

    Not called ``lookup``: importing the category module :mod:`.lookup` would rebind that name."""
    _load()
    fn = FUNCTIONS.get(name)
    if fn is not None:
        if name in REFERENCE_AWARE and not fn.refs:
            fn = Function(fn.name, fn.impl, fn.needs_ctx, True, fn.vectorized)
        return fn
    from .fallback import pycel_function

    fn = pycel_function(name)
    if fn is not None and name in REFERENCE_AWARE:
        fn = Function(fn.name, fn.impl, fn.needs_ctx, True, fn.vectorized)
    return fn


# Functions whose value comes from a service Excel calls (stock prices, linked data types):
# nothing to recompute, so a cell that uses one keeps the value Excel cached in the file.
EXTERNAL_DATA = frozenset({"STOCKHISTORY", "FIELDVALUE", "_FV", "WEBSERVICE", "RTD"})
# An XLL add-in's own function (``_xll.CIQFUNCTIONS.UDF.CIQ(..)``: Capital IQ, Bloomberg,
# FactSet data) is the same: its value came from the add-in; @RISK / Psi / Vose calls are
# not (engine.addins reads them as distributions, outputs and statistics).
_XLL_SIMULATION = re.compile(r"^_XLL\.(?:RISK|PSI|VOSE)", re.IGNORECASE)


def is_external_data(name: str) -> bool:
    """Whether a call of ``name`` (upper case, as parsed) is external data: one of
    :data:`EXTERNAL_DATA`, or an ``_xll.`` add-in function other than a simulation add-in's
    or one of ours (``_xll.EDATE``: an Analysis ToolPak name as old files wrote it)."""
    if name in EXTERNAL_DATA:
        return True
    return (name.startswith("_XLL.") and _XLL_SIMULATION.match(name) is None
            and function_named(name) is None and function_named(name[5:]) is None)


def takes(least: int, most: int) -> Callable[[Callable[..., Value]], Callable[..., Value]]:
    """Decorator: the argument counts a function written as ``fn(*args)`` accepts."""

    def deco(fn: Callable[..., Value]) -> Callable[..., Value]:
        fn.arity = (least, most)  # type: ignore[attr-defined]
        return fn

    return deco


def arity_error(fn: Function, nargs: int) -> str | None:
    """A message when ``fn`` cannot take ``nargs`` arguments (Excel refuses such a formula;
    here the cell is #VALUE! and check says why), else None."""
    arity = getattr(fn.impl, "arity", None)
    if arity is not None:
        least, most = arity
        if least <= nargs <= most:
            return None
        span = f"{least}" if least == most else f"{least} to {most}"
        return f"{fn.name} takes {span} argument{'s' if most != 1 else ''}, not {nargs}"
    return _arity_error(fn.impl, fn.needs_ctx, fn.name, nargs)


@lru_cache(maxsize=4096)
def _arity_error(impl: Callable[..., Value], needs_ctx: bool, name: str, nargs: int
                 ) -> str | None:
    try:
        sig = inspect.signature(impl)
    except (TypeError, ValueError):
        return None
    try:
        sig.bind(*([None] * (nargs + (1 if needs_ctx else 0))))
    except TypeError:
        params = [p for p in sig.parameters.values()][1 if needs_ctx else 0:]
        most = None if any(p.kind == p.VAR_POSITIONAL for p in params) else len(params)
        least = sum(p.default is p.empty and p.kind != p.VAR_POSITIONAL for p in params)
        span = f"{least}" if most == least else f"{least} or more" if most is None \
            else f"{least} to {most}"
        return f"{name} takes {span} argument{'s' if most != 1 else ''}, not {nargs}"
    return None


def vectorized_names() -> set[str]:
    _load()
    return set(FUNCTIONS)
