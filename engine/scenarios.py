"""Simtables and stress runs: several simulations of one model that differ in one cell.

- :func:`simtable` (``RiskSimtable``-style): a control cell takes each of a list of values in
  turn, one simulation per value.  The random streams are keyed by (seed, input cell, trial),
  so every simulation draws the same samples for every input: common random numbers, and the
  differences between the simulations are the control's alone.
- :func:`addin_simtable`: a workbook's own ``RiskSimtable`` / ``PsiSimParam`` cells, all
  stepping together (simulation k takes the k-th value of each), each simulation on the
  model :mod:`engine.addin_models` derives for it: the same random numbers in each.
- :func:`stress`: one input held inside a percentile band (its distribution truncated to
  percentiles ``low`` .. ``high``), or at one percentile (``high`` omitted), the other
  inputs as they were.

Each run is an ordinary :func:`engine.simulate.simulate` of a copy of the spec.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import SpecError
from .model import Model
from .results import SimulationResult
from .spec import InputSpec, SimulationSpec, _cell_key

log = logging.getLogger(__name__)

__all__ = ["addin_simtable", "simtable", "stress", "stress_spec", "with_fixed"]


def _copy(spec: SimulationSpec) -> SimulationSpec:
    out = SimulationSpec.from_dict(spec.to_dict())
    out.precision = spec.precision
    return out


def with_fixed(spec: SimulationSpec, cell: str, value: float) -> SimulationSpec:
    """A copy of ``spec`` where ``cell`` (not one of its inputs) holds ``value`` in every
    trial (a one-point discrete input: the other inputs' streams are unchanged)."""
    if any(_cell_key(i.cell) == _cell_key(cell) for i in spec.inputs):
        raise SpecError(f"simtable: {cell} is an input with a distribution; the control cell "
                        "must be a constant cell")
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
        raise SpecError(f"simtable {cell}: {value!r} is not a finite number")
    out = _copy(spec)
    out.inputs.append(InputSpec(cell, "discrete", {"values": [float(value)],
                                                   "probabilities": [1.0]}))
    out.validate(require_outputs=False)
    return out


def simtable(model: Model, spec: SimulationSpec, cell: str, values: Sequence[float],
             **kwargs: Any) -> list[SimulationResult]:
    """One simulation of ``spec`` per value of the control ``cell`` (same seed: common random
    numbers).  ``kwargs`` go to :func:`engine.simulate.simulate`."""
    from .simulate import simulate

    if not values:
        raise SpecError(f"simtable {cell}: give at least one value")
    model.ref(cell)   # SpecError for a bad address
    results = []
    for v in values:
        log.info("simtable %s = %g", cell, v)
        results.append(simulate(model, with_fixed(spec, cell, v), **kwargs))
    return results


def addin_simtable(model: Model, spec: SimulationSpec, first: SimulationResult | None = None,
                   **kwargs: Any) -> list[SimulationResult]:
    """One simulation per value of the workbook's simtables (``first``: the result of
    simulation 1 when already run).  ``kwargs`` go to :func:`engine.simulate.simulate`."""
    from .addin_models import addin_book
    from .simulate import simulate

    book = addin_book(model)
    if book is None or not book.simtables:
        raise SpecError("the workbook has no RiskSimtable or PsiSimParam cell")
    results = []
    for k in range(book.simulations):
        if k == 0 and first is not None:
            results.append(first)
            continue
        log.info("simtable simulation %d of %d", k + 1, book.simulations)
        results.append(simulate(book.simulation_model(k), spec, **kwargs))
    return results


def stress_spec(model: Model, spec: SimulationSpec, cell: str, low: float,
                high: float | None = None) -> SimulationSpec:
    """A copy of ``spec`` with input ``cell`` held in its percentile band [low, high]
    (fractions), or at its ``low`` percentile when ``high`` is None."""
    key = _cell_key(cell)
    found = [i for i in spec.inputs if _cell_key(i.cell) == key]
    if not found:
        raise SpecError(f"stress: {cell} is not an input of the run")
    for p in (low, high):
        if p is not None and not 0 <= p <= 1:
            raise SpecError(f"stress {cell}: percentile {p} is not a fraction from 0 to 1")
    if high is not None and not low < high:
        raise SpecError(f"stress {cell}: the band ({low}, {high}) is empty")
    out = _copy(spec)
    idx = next(k for k, i in enumerate(out.inputs) if _cell_key(i.cell) == key)
    if high is None:
        from .simulate import prepare

        job = prepare(model, spec)
        dist = job.distributions[model.ref(cell)]
        value = float(np.asarray(dist.ppf(np.array([low], dtype=np.float64)))[0])
        del out.inputs[idx]
        return with_fixed(out, cell, value)
    d = out.inputs[idx].to_dict()
    if d.get("truncate"):
        raise SpecError(f"stress {cell}: the input is truncated already")
    d["truncate"] = {"pmin": float(low), "pmax": float(high)}
    out.inputs[idx] = InputSpec.from_dict(d, cell)
    out.validate(require_outputs=False)
    return out


def stress(model: Model, spec: SimulationSpec, cell: str, low: float,
           high: float | None = None, **kwargs: Any) -> SimulationResult:
    """Run :func:`stress_spec` (``kwargs`` to :func:`engine.simulate.simulate`)."""
    from .simulate import simulate

    return simulate(model, stress_spec(model, spec, cell, low, high), **kwargs)
