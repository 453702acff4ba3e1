"""Database functions: DSUM, DAVERAGE, DCOUNT, DCOUNTA, DMAX, DMIN, DPRODUCT, DGET, DSTDEV,
DSTDEVP, DVAR, DVARP.

D-FUNCTION(database, field, criteria): ``database`` has a header row; ``field`` names a
column (its label, any case, or its 1-based number); ``criteria`` is a range whose first row
holds labels of database columns and whose other rows each give one alternative (OR), its
cells the conditions on their column (AND; an empty cell is no condition).  A condition is
COUNTIF's ("<5", "<>x", "a*", "=x"), except that plain text matches the text it begins with,
as in Excel.  The rows that meet the criteria feed the aggregate of the same name (DGET: the
one such value, #VALUE! for none, #NUM! for several).
"""

from __future__ import annotations

import numpy as np

from ..values import (
    NUM,
    VALUE,
    Grid,
    Kind,
    Vec,
    error,
    first_error,
    from_scalars,
    select,
    text,
    trials,
)
from . import FUNCTIONS, register
from ._args import as_vec
from ._criteria import matcher

Arg = Vec | Grid | None


def _label(v: Vec) -> str | None:
    x = v.scalar()
    if x is None or type(x).__name__ == "ExcelError":
        return None
    if isinstance(x, bool):
        return "TRUE" if x else "FALSE"
    if isinstance(x, float):
        return f"{x:g}"
    return str(x).strip().casefold()


def _column(header: list[Vec], field: Arg) -> int | None:
    """The database column ``field`` names (0-based), None when it names none."""
    f = as_vec(field)
    x = f.scalar()
    if x is None or type(x).__name__ == "ExcelError":
        return None
    if isinstance(x, float) and not isinstance(x, bool):
        k = int(x)
        return k - 1 if 1 <= k <= len(header) else None
    want = str(x).strip().casefold()
    labels = [_label(h) for h in header]
    return labels.index(want) if want in labels else None


def _condition(c: Vec) -> Vec | None:
    """A criteria cell as COUNTIF's criterion (plain text: "text*"); None for no condition."""
    if c.kind == Kind.BLANK:
        return None
    if c.kind == Kind.STR and len(c.data) == 1:
        s = str(c.data[0])
        if s == "":
            return None
        if s[:1] not in ("<", ">", "="):
            return text(s + "*")
    return c


def _rows(database: Grid, criteria: Grid) -> tuple[np.ndarray, np.ndarray | None] | None:
    """Where each data row meets the criteria (rows, trials), or None for a criteria label
    that names no database column."""
    header = database.cells[0]
    data = database.cells[1:]
    n = trials(database, criteria)
    labels = [_label(h) for h in header]
    crit_head = criteria.cells[0]
    cols = []
    for h in crit_head:
        lab = _label(h)
        cols.append(labels.index(lab) if lab in labels else None)
    hits = np.zeros((len(data), n), bool)
    any_alternative = False
    for alt in criteria.cells[1:]:
        tests = []
        for j, c in enumerate(alt):
            cond = _condition(c)
            if cond is None:
                continue
            if cols[j] is None:
                return None
            tests.append((cols[j], matcher(cond)))
        any_alternative = True
        for r, row in enumerate(data):
            ok = np.ones(n, bool)
            for col, test in tests:
                ok &= np.broadcast_to(test(row[col]), (n,))
                if not ok.any():
                    break
            hits[r] |= ok
    if not any_alternative:
        hits[:] = True
    return hits, None


def _d_function(name: str, aggregate: str):
    def fn(database: Arg, field: Arg, criteria: Arg) -> Vec:
        if not isinstance(database, Grid) or not isinstance(criteria, Grid) or \
                database.shape[0] < 1 or criteria.shape[0] < 1:
            return error(VALUE)
        col = _column(database.cells[0], field) if field is not None else None
        if col is None and (field is not None or aggregate not in ("COUNT", "COUNTA")):
            return error(VALUE, trials(database, criteria))
        found = _rows(database, criteria)
        if found is None:
            return error(VALUE, trials(database, criteria))
        hits, _ = found
        n = hits.shape[1] if hits.size else trials(database, criteria)
        data = database.cells[1:]
        empty = Vec(Kind.BLANK, np.zeros(1))
        if aggregate == "GET":
            return _dget([row[col] for row in data], hits, n)
        picked = []
        for r, row in enumerate(data):
            # DCOUNT/DCOUNTA without a field count over the whole matching rows
            cells = row if col is None else [row[col]]
            for c in cells:
                mask = hits[r]
                if mask.all():
                    picked.append(c)
                elif mask.any():
                    picked.append(select(mask, c, empty))
        impl = FUNCTIONS[aggregate].impl
        return impl(Grid([picked]) if picked else Grid([[empty]]))

    fn.__name__ = name.lower()
    fn.__doc__ = f"Excel's {name}."
    register(name)(fn)


def _dget(cells: list[Vec], hits: np.ndarray, n: int) -> Vec:
    out = np.empty(n, dtype=object)
    err = np.zeros(n, np.uint8)
    for i in range(n):
        rows = np.nonzero(hits[:, i])[0]
        if len(rows) == 0:
            err[i] = VALUE
        elif len(rows) > 1:
            err[i] = NUM
        else:
            out[i] = cells[rows[0]].scalar(i)
    v = from_scalars([None if err[i] else out[i] for i in range(n)])
    return Vec(v.kind, v.data, first_error(v.err, err if err.any() else None)) if n > 1 or \
        not err.any() else error(int(err[0]))


for _name, _agg in (("DSUM", "SUM"), ("DAVERAGE", "AVERAGE"), ("DCOUNT", "COUNT"),
                    ("DCOUNTA", "COUNTA"), ("DMAX", "MAX"), ("DMIN", "MIN"),
                    ("DPRODUCT", "PRODUCT"), ("DSTDEV", "STDEV.S"), ("DSTDEVP", "STDEV.P"),
                    ("DVAR", "VAR.S"), ("DVARP", "VAR.P"), ("DGET", "GET")):
    _d_function(_name, _agg)

__all__: list[str] = []
