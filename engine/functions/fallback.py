"""Run a function that pycel implements, trial by trial, for functions not yet vectorized."""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

import numpy as np

from ..values import (
    ERROR_CODES,
    VALUE,
    ExcelError,
    Grid,
    Kind,
    Vec,
    error,
    from_scalar,
    from_scalars,
    trials,
)
from . import Function

log = logging.getLogger(__name__)

# pycel emits these names itself instead of looking them up
_PYCEL_RENAMED = {"ABS": "abs_", "AND": "and_", "ATAN2": "atan2_", "IF": "if_", "INT": "int_",
                  "LEN": "len_", "MAX": "max_", "NOT": "not_", "OR": "or_", "MIN": "min_",
                  "ROUND": "round_", "SUM": "sum_", "XOR": "xor_"}
# handled specially by pycel's code generator or needing references: not callable as plain functions
_NOT_PLAIN = {"ROW", "COLUMN", "OFFSET", "INDIRECT", "SUBTOTAL", "PI", "TRUE", "FALSE", "ARRAY",
              "ARRAYROW", "LAMBDA", "LET"}


@cache
def _pycel_impl(name: str):
    if name in _NOT_PLAIN:
        return None
    import importlib

    from pycel.excelformula import ExcelFormula
    from pycel.lib.function_helpers import load_functions

    py = _PYCEL_RENAMED.get(name, name.lower().replace(".", "_"))
    ns: dict[str, Any] = {}
    modules = tuple(importlib.import_module(m) for m in ExcelFormula.default_modules)
    missing = load_functions({py}, ns, modules)
    if missing:
        return None
    return ns[py]


def _to_pycel(v: Any, i: int) -> Any:
    if v is None:
        return None
    if isinstance(v, Vec):
        x = v.scalar(i)
        return str(x) if isinstance(x, ExcelError) else x
    return tuple(tuple(_to_pycel(c, i) for c in row) for row in v.cells)


def _from_pycel(x: Any) -> Any:
    if isinstance(x, str) and x in ERROR_CODES:
        return ExcelError(x)
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, bool | int | float | str) or x is None:
        return x
    return ExcelError("#VALUE!")


def pycel_function(name: str) -> Function | None:
    impl = _pycel_impl(name)
    if impl is None:
        return None

    def run(*args: Any):
        n = trials(*[a for a in args if a is not None])
        results = []
        for i in range(n):
            try:
                out = impl(*[_to_pycel(a, i) for a in args])
            except Exception as exc:  # pycel raises on some bad input; Excel gives #VALUE!
                log.debug("%s raised %r; using #VALUE!", name, exc)
                out = "#VALUE!"
            results.append(out)
        if all(isinstance(r, tuple) for r in results):
            return _grid(results)
        flat = [_from_pycel(r[0][0] if isinstance(r, tuple) and r and r[0] else r) for r in results]
        if n == 1:
            return from_scalar(flat[0])
        return from_scalars(flat)

    return Function(name, run, vectorized=False)


def _grid(results: list[tuple]) -> Grid | Vec:
    shapes = {(len(r), len(r[0]) if r else 0) for r in results}
    if len(shapes) != 1:
        return error(VALUE, len(results))
    rows, cols = shapes.pop()
    cells = [[from_scalars([_from_pycel(r[i][j]) for r in results]) for j in range(cols)]
             for i in range(rows)]
    return Grid(cells)


__all__ = ["pycel_function", "Kind"]
