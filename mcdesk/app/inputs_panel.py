"""Inputs and outputs: the dialog that puts a distribution on a cell (pre-filled, checked as
you type, with a density preview, and its properties: truncation, shift, name, static value,
fixed random stream), and the lists of inputs and outputs, with the correlation editor and
the scatter of two inputs.  In a workbook built for @RISK, Analytic Solver or ModelRisk a
distribution nested in a formula is an input of its own (a slot cell, see
engine.addin_models); it is edited here like any other."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go
from nicegui import ui

from engine.addin_models import simulation_model
from engine.distributions import KINDS, POSITIONAL, Discrete, Distribution
from engine.errors import McdeskError, SpecError
from engine.simulate import _constant
from engine.spec import InputSpec

from .charts import PLOT_CONFIG
from .correlation_editor import CorrelationEditor, without_input
from .input_scatter import InputScatter
from .notices import confirm
from .suggest import suggest_outputs, suggest_params
from .workspace import Workspace

log = logging.getLogger(__name__)

__all__ = ["InputDialog", "InputsList", "OutputsList", "checked_input", "format_param",
           "parse_param", "parse_properties"]

PROPERTY_FIELDS = ("truncate_min", "truncate_max", "shift", "name", "static", "stream")


def format_param(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(format_param(v) for v in value)
    if isinstance(value, float):
        return f"{value:.12g}"
    return str(value)


def parse_param(text: str, name: str) -> float | str | list[float]:
    """A number, a list of numbers (``1, 2, 3``) or a cell reference, as typed."""
    text = (text or "").strip()
    if not text:
        raise SpecError(f"{name}: enter a number or a cell such as Inputs!C5")
    if name in ("values", "probabilities") and "," in text and "!" not in text and ":" not in text:
        try:
            return [float(t) for t in text.split(",") if t.strip()]
        except ValueError as exc:
            raise SpecError(f"{name}: enter numbers separated by commas, got {text!r}") from exc
    try:
        return float(text.replace("_", ""))
    except ValueError:
        return text  # a reference: checked against the workbook by the workspace


def parse_properties(texts: dict[str, str], by_percentile: bool = False) -> dict:
    """The properties as typed (empty fields left out): ``truncate`` from the two bounds
    (values, or percentiles as fractions when ``by_percentile``), ``shift``, ``name``,
    ``static``, ``stream``; SpecError names a field that is not a number."""
    def number(key: str, label: str) -> float | None:
        text = (texts.get(key) or "").strip().replace("_", "")
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            raise SpecError(f"{label}: enter a number, got {text!r}") from None

    props: dict = {}
    lo, hi = number("truncate_min", "Truncate min"), number("truncate_max", "Truncate max")
    keys = ("pmin", "pmax") if by_percentile else ("min", "max")
    bounds = {k: v for k, v in zip(keys, (lo, hi), strict=True) if v is not None}
    if bounds:
        props["truncate"] = bounds
    shift = number("shift", "Shift")
    if shift:
        props["shift"] = shift
    name = (texts.get("name") or "").strip()
    if name:
        props["name"] = name
    static = number("static", "Static value")
    if static is not None:
        props["static"] = static
    stream = number("stream", "Fixed stream")
    if stream is not None:
        if not stream.is_integer():
            raise SpecError(f"Fixed stream: enter a whole number, got {stream:g}")
        props["stream"] = int(stream)
    return props


def checked_input(ws: Workspace, cell: str, kind: str, params: dict, props: dict,
                  ) -> tuple[InputSpec, Distribution]:
    """The input of ``cell`` (a cell of the workbook, or a slot of a nested add-in
    distribution) with its properties and its distribution, references read from the
    workbook (SpecError naming the problem)."""
    sim = simulation_model(ws.require_model())
    ref = sim.ref(cell)
    if sim.workbook.cell(ref) is None:
        raise SpecError(f"{ref}: the cell is empty; choose a cell that holds a value")
    inp = InputSpec(str(ref), kind, dict(params), **props)
    return inp, inp.resolve(lambda text: _constant(sim, text, ref.sheet))


def density_figure(dist: Distribution) -> go.Figure:
    """A small picture of the distribution (exact for discrete, a fine histogram of its
    quantiles otherwise)."""
    fig = go.Figure()
    if isinstance(dist, Discrete):
        fig.add_bar(x=list(dist.values), y=list(dist.probabilities), marker={"color": "#1976d2"})
    else:
        x = dist.ppf(np.linspace(0.0005, 0.9995, 4000))
        dens, edges = np.histogram(x, bins=60, density=True)
        fig.add_scatter(x=((edges[:-1] + edges[1:]) / 2).tolist(), y=dens.tolist(), mode="lines",
                        fill="tozeroy",
                        line={"color": "#1976d2"})
    fig.update_layout(height=150, margin={"l": 30, "r": 10, "t": 10, "b": 25},
                      template="plotly_white", showlegend=False, yaxis={"showticklabels": False})
    return fig


class InputDialog:
    """Add or edit the distribution of one cell."""

    def __init__(self, ws: Workspace, on_saved: Callable[[], None]) -> None:
        self.ws = ws
        self.on_saved = on_saved
        self.cell = ""
        self._opening = False
        self.fields: dict[str, ui.input] = {}
        self.props: dict[str, ui.input] = {}
        with ui.dialog() as self.dialog, ui.card().classes("w-[460px]"):
            self.title = ui.label("").classes("text-lg font-medium")
            self.kind = ui.select({k: k.capitalize() for k in KINDS}, value="triangular",
                                  label="Distribution", on_change=self._kind_changed).classes(
                "w-full").mark("input-kind")
            self.source = ui.label("").classes("text-xs text-gray-500")
            self.form = ui.column().classes("w-full gap-1")
            with ui.expansion("Properties: truncate, shift, name, static value, stream").classes(
                    "w-full text-sm").mark("input-properties"):
                with ui.row().classes("w-full no-wrap gap-2"):
                    for key, label in (("truncate_min", "Truncate min"),
                                       ("truncate_max", "Truncate max")):
                        self.props[key] = ui.input(label, on_change=self._validate).classes(
                            "grow").mark(f"prop-{key}")
                self.by_percentile = ui.checkbox("Bounds are percentiles (0 to 1)",
                                                 on_change=self._validate).mark(
                    "prop-percentile")
                with ui.row().classes("w-full no-wrap gap-2"):
                    for key, label in (("shift", "Shift"), ("static", "Static value"),
                                       ("stream", "Fixed stream")):
                        self.props[key] = ui.input(label, on_change=self._validate).classes(
                            "grow").mark(f"prop-{key}")
                self.props["name"] = ui.input("Name", on_change=self._validate).classes(
                    "w-full").mark("prop-name")
            self.error = ui.label("").classes("text-negative text-sm").mark("input-error")
            self.preview = ui.plotly(go.Figure()).classes("w-full h-[150px]")
            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=self.dialog.close).props("flat")
                self.save_button = ui.button("Save input", on_click=self._save).mark("input-save")

    def open(self, cell: str) -> None:
        """Open for ``cell``: its current distribution if it has one, else suggestions."""
        try:
            ref = simulation_model(self.ws.require_model()).ref(cell)
        except McdeskError as exc:
            ui.notify(str(exc), type="negative")
            return
        self.cell = str(ref)
        current = self.ws.inputs.get(self.cell)
        self.title.text = f"Input {self.cell}"
        kind = current.distribution if current else "triangular"
        self._opening = True
        self.kind.set_value(kind)
        self._set_properties(current)
        self._opening = False
        if current:
            self._fill(current.params, "the saved distribution")
        else:
            self._kind_changed()
        self.dialog.open()

    def _set_properties(self, inp: InputSpec | None) -> None:
        trunc = dict(inp.truncate or {}) if inp is not None else {}
        pct = "pmin" in trunc or "pmax" in trunc
        values = {"truncate_min": trunc.get("pmin" if pct else "min"),
                  "truncate_max": trunc.get("pmax" if pct else "max"),
                  "shift": (inp.shift or None) if inp is not None else None,
                  "name": inp.name if inp is not None else None,
                  "static": inp.static if inp is not None else None,
                  "stream": inp.stream if inp is not None else None}
        for key, f in self.props.items():
            v = values[key]
            f.value = "" if v is None else (v if isinstance(v, str) else format_param(v))
        self.by_percentile.value = pct

    def _properties(self) -> dict:
        return parse_properties({k: f.value for k, f in self.props.items()},
                                bool(self.by_percentile.value))

    def _kind_changed(self, _e=None) -> None:
        if not self.cell or self._opening:
            return
        model = self.ws.require_model()
        try:
            ref = model.ref(self.cell)
        except McdeskError:   # a nested add-in distribution's slot: nothing to suggest from
            self._fill({}, "")
            return
        s = suggest_params(model, ref, self.kind.value, self.ws.computed)
        self._fill(s.params, s.source)

    def _fill(self, params: dict, source: str) -> None:
        self.source.text = f"Parameters {source}" if source else ""
        self.form.clear()
        self.fields = {}
        with self.form:
            for name in POSITIONAL[self.kind.value]:
                self.fields[name] = ui.input(name, value=format_param(params.get(name, "")),
                                             on_change=self._validate).classes("w-full").mark(
                    f"param-{name}")
        self._validate()

    def _params(self) -> dict:
        return {name: parse_param(f.value, name) for name, f in self.fields.items()}

    def _validate(self, _e=None) -> bool:
        if self._opening or not self.fields:
            return False
        try:
            _inp, dist = checked_input(self.ws, self.cell, self.kind.value, self._params(),
                                       self._properties())
        except McdeskError as exc:
            self.error.text = str(exc)
            self.save_button.disable()
            return False
        self.error.text = ""
        self.save_button.enable()
        self.preview.update_figure({**density_figure(dist).to_plotly_json(), "config": PLOT_CONFIG})
        return True

    def _save(self) -> None:
        try:
            inp, _ = checked_input(self.ws, self.cell, self.kind.value, self._params(),
                                   self._properties())
            self.ws.inputs[inp.cell] = inp
        except McdeskError as exc:
            self.error.text = str(exc)
            ui.notify(str(exc), type="negative")
            return
        self.dialog.close()
        confirm(f"Input {self.cell}: {self.kind.value}")
        self.on_saved()


class InputsList:
    """The inputs with edit and remove buttons, then the RAND() cells the engine found."""

    def __init__(self, ws: Workspace, edit: Callable[[str], None], changed: Callable[[], None]) -> None:
        self.ws, self.edit, self.changed = ws, edit, changed
        self.correlations = CorrelationEditor(ws, changed)
        self.scatter = InputScatter(ws)
        self.box = ui.column().classes("w-full gap-0")

    def refresh(self) -> None:
        self.box.clear()
        with self.box:
            if not self.ws.inputs:
                ui.label("No inputs yet: select a cell, then 'Add input'.").classes(
                    "text-sm text-gray-500")
            for cell, inp in self.ws.inputs.items():
                with ui.row().classes("w-full items-center no-wrap gap-1"):
                    args = ", ".join(format_param(v) for v in inp.params.values())
                    props = "".join(f"; {k}={format_param(v) if not isinstance(v, dict) else v}"
                                    for k, v in inp.properties().items() if k != "name")
                    with ui.column().classes("gap-0 grow min-w-0"):
                        with ui.row().classes("items-baseline no-wrap gap-1 w-full"):
                            ui.label(f"{cell}").classes("font-medium text-sm")
                            ui.label(f"{inp.distribution}({args}{props})").classes(
                                "text-sm grow truncate").mark(f"input-{cell}")
                        name = inp.name or self.ws.label(cell)
                        if name:
                            ui.label(name).classes("text-xs text-gray-600 truncate").mark(
                                f"input-name-{cell}")
                    ui.button(icon="edit", on_click=lambda c=cell: self.edit(c)).props(
                        "flat dense round size=sm").mark(f"edit-{cell}")
                    ui.button(icon="delete", on_click=lambda c=cell: self._remove(c)).props(
                        "flat dense round size=sm color=negative").mark(f"remove-{cell}")
            if len(self.ws.inputs) >= 2:
                with ui.row().classes("gap-1 mt-1"):
                    groups = self.ws.correlations
                    ui.button("Correlations" + (f" ({len(groups)})" if groups else ""),
                              icon="grid_on", on_click=self.correlations.open).props(
                        "flat dense size=sm").mark("open-correlations")
                    ui.button("Scatter", icon="scatter_plot", on_click=lambda: self.scatter.open(),
                              ).props("flat dense size=sm").mark("open-scatter")
            idle = self.ws.inputs_without_effect()
            if idle:
                ui.label(f"No output reads {', '.join(idle)}: "
                         f"{'its' if len(idle) == 1 else 'their'} samples change nothing").classes(
                    "text-xs text-warning mt-1").mark("inputs-no-effect")
            builtin = self.ws.random_cells_cached()
            if builtin:
                ui.label(f"Built-in random cells ({len(builtin)}): each RAND() draws its own "
                         "stream").classes("text-xs text-gray-500 mt-2")
                ui.label(", ".join(builtin[:12]) + (" ..." if len(builtin) > 12 else "")).classes(
                    "text-xs").mark("random-cells")

    def _remove(self, cell: str) -> None:
        self.ws.inputs.pop(cell, None)
        self.ws.correlations = without_input(self.ws.correlations, cell)
        self.changed()


class OutputsList:
    """The outputs, and suggestions: formula cells nothing depends on."""

    def __init__(self, ws: Workspace, changed: Callable[[], None]) -> None:
        self.ws, self.changed = ws, changed
        self.box = ui.column().classes("w-full gap-0")
        self._suggested: list[str] | None = None

    def reset(self) -> None:
        self._suggested = None

    def refresh(self) -> None:
        self.box.clear()
        if self._suggested is None and self.ws.model is not None:
            self._suggested = suggest_outputs(self.ws.model)
        with self.box:
            if not self.ws.outputs:
                ui.label("No outputs yet: select a cell, then 'Add output'.").classes(
                    "text-sm text-gray-500")
            for cell in self.ws.outputs:
                with ui.row().classes("w-full items-center no-wrap gap-1"):
                    ui.label(cell).classes("text-sm").mark(f"output-{cell}")
                    ui.label(self.ws.label(cell) or "").classes(
                        "text-xs text-gray-600 grow truncate").mark(f"output-name-{cell}")
                    ui.button(icon="delete", on_click=lambda c=cell: self._remove(c)).props(
                        "flat dense round size=sm color=negative").mark(f"remove-output-{cell}")
            rest = [c for c in self._suggested or [] if c not in self.ws.outputs]
            if rest:
                ui.label("Suggested (nothing depends on them):").classes("text-xs text-gray-500 mt-2")
                with ui.row().classes("gap-1"):
                    for c in rest[:8]:
                        ui.chip(c, icon="add", on_click=lambda c=c: self._add(c)).props(
                            "dense clickable outline").mark(f"suggest-{c}")

    def _add(self, cell: str) -> None:
        try:
            self.ws.add_output(cell)
        except McdeskError as exc:
            ui.notify(str(exc), type="negative")
            return
        self.changed()

    def _remove(self, cell: str) -> None:
        self.ws.remove_output(cell)
        self.changed()
