"""``MCDESK.SAMPLE(u, kind, name, value, ...)``: a distribution whose parameters vary per
trial, by inverse CDF of one uniform per trial.

:mod:`engine.addin_models` writes this formula in place of an @RISK / Analytic Solver /
ModelRisk distribution one of whose parameters depends on an input
(``=RiskPoisson(B1*3)`` with B1 an input becomes ``=MCDESK.SAMPLE(RAND(), "poisson",
"lambda", <slot of B1*3>)``): RAND() there is the keyed stream of that cell, so a trial's
value depends only on the seed and the trial, never on the chunking.  ``name, value`` pairs
give the parameters as :mod:`engine.distributions` names them, and the properties
``truncate.min``, ``truncate.max``, ``truncate.pmin``, ``truncate.pmax`` (applied before
the shift, as RiskTruncate) and ``shift``.

Each distinct set of parameters is built and checked by
:func:`engine.distributions.make_distribution` (the same rules as a declared input); the
inverse CDF then runs once over all trials with array-valued parameters where the
distribution's ``ppf`` broadcasts over them (normal, triangular, the scipy-backed discrete
kinds, ...), else once per distinct set.  A trial whose parameters are invalid, or whose
truncation leaves no probability, is #NUM!; one whose parameter is an error keeps it.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import numpy as np

from ..errors import SpecError
from ..values import NUM, VALUE, Grid, Kind, Vec, error, first_error
from . import register
from ._args import result, scalar_number

log = logging.getLogger(__name__)

__all__ = ["NAME", "PROPERTIES", "mcdesk_sample", "sample"]

NAME = "MCDESK.SAMPLE"
PROPERTIES = ("truncate.min", "truncate.max", "truncate.pmin", "truncate.pmax", "shift")


def _text(v: Vec | Grid | None) -> str | None:
    if isinstance(v, Vec) and v.kind == Kind.STR and len(v.data) == 1 and not v.has_errors:
        return str(v.data[0])
    return None


def _columns(v: Vec | Grid, n: int) -> tuple[list[np.ndarray], np.ndarray | None] | None:
    """A parameter as columns of n numbers (one for a number, one per element for a list)
    and its errors; None when it is not numeric."""
    vecs = list(v.flat()) if isinstance(v, Grid) else [v]
    cols, err = [], None
    for x in vecs:
        got, e = scalar_number(x)
        cols.append(np.broadcast_to(got, (n,)))
        if e is not None:
            err = first_error(err, np.broadcast_to(e, (n,)))
    return cols, err


def _vectorized(dists: list[Any], inv: np.ndarray) -> Any | None:
    """One distribution of ``dists``' class with each field an array over the trials (by
    ``inv``, each trial's distinct set), or None when a field is not a number."""
    first = dists[0]
    if not dataclasses.is_dataclass(first) or any(type(d) is not type(first) for d in dists):
        return None
    out = object.__new__(type(first))
    for f in dataclasses.fields(first):
        values = [getattr(d, f.name) for d in dists]
        if all(isinstance(x, int | float) and not isinstance(x, bool) for x in values):
            object.__setattr__(out, f.name, np.asarray(values, dtype=np.float64)[inv])
        elif all(x == values[0] for x in values):
            object.__setattr__(out, f.name, values[0])
        else:
            return None
    return out


def sample(kind: str, params: dict[str, np.ndarray], lists: dict[str, np.ndarray],
           props: dict[str, np.ndarray], u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values of ``kind`` for uniforms ``u`` (n trials) with per-trial parameters: numbers
    ``params[name]`` (n,), lists ``lists[name]`` (n, k) and properties ``props`` (n,);
    returns (values, bad) with ``bad`` True where the trial's parameters are invalid."""
    from ..distributions import make_distribution
    from ..distributions.properties import TRUNCATED_MAX, TRUNCATED_MIN

    n = len(u)
    names = list(params) + list(lists) + list(props)
    table = np.column_stack([params[k] for k in params] + [lists[k] for k in lists]
                            + [props[k] for k in props]) if names else np.zeros((n, 0))
    rows, inv = np.unique(table, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    dists: list[Any] = []
    plo = np.zeros(len(rows))
    phi = np.ones(len(rows))
    shift = np.zeros(len(rows))
    ok = np.ones(len(rows), dtype=bool)
    width = {k: lists[k].shape[1] for k in lists}
    # after one set built by make_distribution (names and numbers checked), the class's own
    # build checks the others (the same rules; list parameters always go the long way)
    build = None
    finite = np.isfinite(rows).all(axis=1)
    for r, row in enumerate(rows):
        x: dict[str, Any] = {}
        at = 0
        for k in params:
            x[k] = float(row[at])
            at += 1
        for k in lists:
            x[k] = [float(y) for y in row[at:at + width[k]]]
            at += width[k]
        p = {k: float(row[at + j]) for j, k in enumerate(props)}
        try:
            if not finite[r]:
                raise SpecError(f"{NAME}: a parameter is not a finite number")
            d = build(x, NAME) if build is not None else make_distribution(kind, x, NAME)
            if build is None and not lists:
                build = type(d).build
        except SpecError:
            ok[r] = False
            d = None
        dists.append(d)
        if d is None:
            continue
        shift[r] = p.get("shift", 0.0)
        if "truncate.pmin" in p or "truncate.pmax" in p:
            plo[r], phi[r] = p.get("truncate.pmin", 0.0), p.get("truncate.pmax", 1.0)
        else:
            if "truncate.min" in p:
                plo[r] = float(d.cdf_below(np.array([p["truncate.min"]]))[0])
            if "truncate.max" in p:
                phi[r] = float(d.cdf(np.array([p["truncate.max"]]))[0])
        if not (0.0 <= plo[r] < phi[r] <= 1.0):
            ok[r] = False
    good = [d for d in dists if d is not None]
    v = np.asarray(u, dtype=np.float64)
    truncated = bool((plo > 0).any() or (phi < 1).any())
    if truncated:   # as engine.distributions.Adjusted.ppf (clipped as it clips)
        v = np.clip(plo[inv] + v * (phi[inv] - plo[inv]), TRUNCATED_MIN, TRUNCATED_MAX)
    out = np.zeros(n)
    bad = ~ok[inv]
    if good:
        filled = [d if d is not None else good[0] for d in dists]
        vec = _vectorized(filled, inv) if len(filled) > 1 else filled[0]
        x = None
        if vec is not None:
            try:
                with np.errstate(all="ignore"):
                    x = np.asarray(vec.ppf(v), dtype=np.float64)
                if x.shape != (n,):
                    x = None
            except (TypeError, ValueError):
                x = None
        if x is None:   # a ppf that takes one set of parameters: once per distinct set
            x = np.zeros(n)
            order = np.argsort(inv, kind="stable")
            cuts = np.flatnonzero(np.diff(inv[order])) + 1
            for idx in np.split(order, cuts):
                d = filled[inv[idx[0]]]
                x[idx] = np.asarray(d.ppf(v[idx]), dtype=np.float64)
        out = x + shift[inv]
    return np.where(bad, 0.0, out), bad


@register(NAME)
def mcdesk_sample(u: Vec | Grid | None, kind: Vec | Grid | None, *pairs: Vec | Grid | None,
                  ) -> Vec:
    """See the module docstring."""
    from ..distributions import LIST_PARAMS, canonical_kind
    from ..values import trials

    name = _text(kind)
    if u is None or name is None or len(pairs) % 2:
        return error(VALUE)
    try:
        name = canonical_kind(name)
    except SpecError:
        return error(VALUE)
    args = [u, *[p for p in pairs[1::2] if p is not None]]
    n = max(trials(*args), 1)
    uu, err = scalar_number(u)
    uu = np.broadcast_to(uu, (n,))
    params: dict[str, np.ndarray] = {}
    lists: dict[str, np.ndarray] = {}
    props: dict[str, np.ndarray] = {}
    for key, value in zip(pairs[::2], pairs[1::2], strict=True):
        k = _text(key)
        if k is None or value is None:
            return error(VALUE, n)
        got = _columns(value, n)
        if got is None:
            return error(VALUE, n)
        cols, e = got
        err = first_error(err, e)
        if k in PROPERTIES:
            props[k] = cols[0]
        elif k in LIST_PARAMS:
            lists[k] = np.column_stack(cols)
        else:
            params[k] = cols[0]
    if err is not None:   # trials with an error in a parameter: any set of numbers will do
        keep = err == 0
        for group in (params, props):
            for k in group:
                group[k] = np.where(keep, group[k], group[k][keep][0] if keep.any() else 0.0)
        for k in lists:
            lists[k] = np.where(keep[:, None], lists[k], lists[k][keep][0] if keep.any()
                                else 0.0)
    values, bad = sample(name, params, lists, props, uu)
    if bad.any():
        err = first_error(err, np.where(bad, NUM, 0).astype(np.uint8))
    return result(values, err)
