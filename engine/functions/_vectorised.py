"""Array arguments of trial-by-trial functions computed as one vector (private to ``dates``).

``YEAR(Log!A6:A5005)`` inside a SUMPRODUCT maps YEAR over 5,000 cells; one call per cell (a
dozen numpy calls each) made the numpy reference of dashboards over booking logs take minutes.
A function that computes each trial on its own (YEAR, MONTH, DAY, WEEKDAY, HOUR, ...: no
reduction over the trials, no iteration until all trials converge) gives, for vectors laid
end to end, the results of each vector laid end to end.  :func:`lift_stacked` therefore
groups the elements of the array by their kinds and trial count, computes each group as one
vector and cuts the result into the elements' parts (``operators.batch_elementwise``, the
array operators' batching); a part equals the element's own result, value, kind and errors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..values import Grid, Vec
from ._scalars import cell_of
from .operators import batch_elementwise, is_reference, map_grid

Arg = Vec | Grid | None


def lift_stacked(fn: Callable[..., Vec], args: Sequence[Any], kept: str | None = None
                 ) -> Vec | Grid:
    """``fn(*args)`` element by element over multi-cell arrays, as ``_scalars.lift``, with the
    elements of the same kinds and trial count computed as one vector.  ``fn`` must compute
    trial by trial and return a Vec; arguments that are not arrays must hold one value (or
    be absent), else each element is computed on its own.  ``kept``: a name for ``fn`` whose
    result over a range given alone is kept with the range's Grid (``Grid.derived``: the
    Env's cached range, read by MONTH and YEAR in hundreds of SUMPRODUCTs of a dashboard);
    each call gets its own Grid of the kept values."""
    args = [cell_of(a) for a in args]
    if kept is not None and len(args) == 1 and is_reference(args[0]):
        g = args[0]
        if g.derived is None:
            g.derived = {}
        got = g.derived.get(("lift_stacked", kept))
        if got is None:
            got = g.derived[("lift_stacked", kept)] = lift_stacked(fn, args)
        return type(got)([list(row) for row in got.cells], got.area)
    arrays = [i for i, a in enumerate(args) if isinstance(a, Grid)]
    if not arrays:
        return fn(*args)

    def call(*vals: Vec) -> Vec:
        full = list(args)
        for i, x in zip(arrays, vals, strict=True):
            full[i] = x
        return fn(*full)

    others = [a for i, a in enumerate(args) if i not in arrays and isinstance(a, Vec)]
    if any(len(a.data) != 1 for a in others):
        return map_grid(call, *[args[i] for i in arrays])

    return map_grid(call, *[args[i] for i in arrays],
                    batch=lambda items: batch_elementwise(call, items))


__all__ = ["lift_stacked"]
