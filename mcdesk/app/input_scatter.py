"""A scatter of two inputs' samples: those of the last run when it drew both, else a fresh
draw of the inputs alone (their distributions and correlations as the run would sample
them, same seed), with their rank correlation."""

from __future__ import annotations

import logging

import numpy as np
import plotly.graph_objects as go
from nicegui import ui

from engine.addin_models import simulation_model
from engine.backends.base import Job
from engine.backends.numpy import draw_inputs
from engine.errors import McdeskError, SpecError
from engine.simulate import _constant
from engine.spec import InputSpec, SimulationSpec

from .charts import PLOT_CONFIG
from .workspace import Workspace

log = logging.getLogger(__name__)

__all__ = ["InputScatter", "input_samples", "rank_correlation", "scatter_figure"]

DRAWN = 2_000      # trials drawn when the last run has no samples of the pair
SHOWN = 5_000      # points plotted at most


def input_samples(ws: Workspace, a: str, b: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Samples of inputs ``a`` and ``b`` and where they come from."""
    if a == b:
        raise SpecError("Choose two different inputs")
    res = ws.result
    samples = None if res is None else res.samples
    if samples is not None and a in samples.inputs and b in samples.inputs:
        return (np.asarray(samples.inputs[a])[:SHOWN], np.asarray(samples.inputs[b])[:SHOWN],
                f"the last run's samples (seed {res.seed})")
    model = ws.require_model()
    sim = simulation_model(model)
    s = ws.settings.validated()
    spec = SimulationSpec(inputs=[InputSpec.from_dict(i.to_dict(), i.cell)
                                  for i in ws.inputs.values()], outputs=[], trials=DRAWN,
                          seed=s.seed, sampling=s.sampling,
                          correlations=list(ws.correlations))
    spec.validate(require_outputs=False)   # places the correlated inputs in their copula
    by_cell = {i.cell: i for i in spec.inputs}
    dists = {}
    for cell in (a, b):
        if cell not in by_cell:
            raise SpecError(f"{cell} is not an input")
        ref = sim.ref(cell)
        dists[ref] = by_cell[cell].resolve(lambda t, sheet=ref.sheet: _constant(sim, t, sheet))
    job = Job(None, dists, spec.seed, spec.sampling, DRAWN)  # type: ignore[arg-type]
    drawn = draw_inputs(job, 0, DRAWN)
    ra, rb = list(dists)
    return drawn[ra], drawn[rb], f"{DRAWN:,} draws of the inputs alone (seed {spec.seed})"


def rank_correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation (ties ranked by position; NaN when either is constant)."""
    rx = np.argsort(np.argsort(x, kind="stable"), kind="stable").astype(np.float64)
    ry = np.argsort(np.argsort(y, kind="stable"), kind="stable").astype(np.float64)
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def scatter_figure(x: np.ndarray, y: np.ndarray, xname: str, yname: str) -> go.Figure:
    fig = go.Figure(go.Scattergl(x=x.tolist(), y=y.tolist(), mode="markers",
                                 marker={"size": 4, "opacity": 0.5, "color": "#1976d2"}))
    fig.update_layout(height=360, margin={"l": 50, "r": 10, "t": 30, "b": 45},
                      template="plotly_white", xaxis_title=xname, yaxis_title=yname,
                      title={"text": f"{yname} against {xname}", "font": {"size": 13}})
    return fig


class InputScatter:
    """A dialog: two inputs and the scatter of their samples."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        with ui.dialog() as self.dialog, ui.card().classes("w-[560px] max-w-[95vw]"):
            ui.label("Scatter of two inputs").classes("text-lg font-medium")
            with ui.row().classes("w-full no-wrap"):
                self.x = ui.select([], label="x", on_change=self._draw).classes("grow").mark(
                    "scatter-x")
                self.y = ui.select([], label="y", on_change=self._draw).classes("grow").mark(
                    "scatter-y")
            self.note = ui.label("").classes("text-xs text-gray-600").mark("scatter-note")
            self.plot = ui.plotly({"data": [], "layout": {}}).classes("w-full h-[360px]").mark(
                "scatter-plot")
            with ui.row().classes("w-full justify-end"):
                ui.button("Close", on_click=self.dialog.close).props("flat")

    def open(self, x: str | None = None, y: str | None = None) -> None:
        inputs = list(self.ws.inputs)
        if len(inputs) < 2:
            ui.notify("A scatter needs two inputs", type="warning")
            return
        group = next(iter(self.ws.correlations), None)
        first = group.inputs[:2] if group is not None else inputs[:2]
        self.x.set_options(inputs)
        self.y.set_options(inputs)
        self.x.value, self.y.value = x or first[0], y or first[1]
        self._draw()
        self.dialog.open()

    def _name(self, cell: str) -> str:
        inp = self.ws.inputs.get(cell)
        return (inp.name if inp is not None and inp.name else None) or self.ws.label(cell) or cell

    def _draw(self, _e=None) -> None:
        a, b = self.x.value, self.y.value
        if not a or not b:
            return
        try:
            xs, ys, source = input_samples(self.ws, a, b)
        except McdeskError as exc:
            self.note.text = str(exc)
            return
        rho = rank_correlation(xs, ys)
        self.note.text = f"Rank correlation {rho:+.3f}, from {source}"
        fig = scatter_figure(xs, ys, self._name(a), self._name(b))
        self.plot.update_figure({**fig.to_plotly_json(), "config": PLOT_CONFIG})
