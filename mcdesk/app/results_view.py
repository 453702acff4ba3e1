"""The results of a run: statistics table, probability of exceeding a target, and the charts
(histogram, S-curve, tornado, scatter, convergence; several outputs overlaid)."""

from __future__ import annotations

from nicegui import ui

from engine.results import SimulationResult

from . import charts
from .export import statistics_rows
from .workspace import Workspace

__all__ = ["ResultsView", "format_stat"]


def format_stat(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.6g}"
    return str(value)


def _plot(fig) -> ui.plotly:
    return ui.plotly({**fig.to_plotly_json(), "config": charts.PLOT_CONFIG}).classes("w-full")


class ResultsView:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.box = ui.column().classes("w-full gap-2")
        self.selected: list[str] = []
        self.labels: dict[str, str] = {}
        charts.warm_in_background()
        self.refresh()

    def refresh(self) -> None:
        self.box.clear()
        result = self.ws.result
        with self.box:
            if result is None:
                ui.label("No results yet: add inputs and outputs, then Run.").classes(
                    "text-gray-500").mark("no-results")
                return
            names = list(result.outputs)
            inputs = list(result.samples.inputs) if result.samples is not None else []
            self.labels = self.ws.labels(names + inputs)
            self.selected = [n for n in self.selected if n in names] or names[:1]
            with ui.row().classes("w-full items-end gap-4"):
                ui.select({n: charts.named(n, self.labels) for n in names},
                          value=list(self.selected), multiple=True,
                          label="Outputs (several: overlaid)",
                          on_change=lambda e: self._select(e.value)).classes("min-w-[280px]").props(
                    "use-chips").mark("result-outputs")
                ui.label(f"{result.trials:,} trials · seed {result.seed} · {result.sampling} · "
                         f"{result.backend} · {result.elapsed_s:.3g} s").classes(
                    "text-sm text-gray-600")
            self._table(result)
            fixed = [n for n in names if getattr(result.outputs[n], "constant", False)]
            if fixed:
                ui.label("The same in every trial (no input changes it): " + ", ".join(
                    f"{charts.named(n, self.labels)} = {format_stat(result.outputs[n].mean)}"
                    for n in fixed)).classes("text-sm text-warning").mark("constant-outputs")
            self._exceed(result)
            with ui.grid(columns=2).classes("w-full gap-2"):
                with ui.card().classes("w-full").mark("chart-histogram"):
                    _plot(charts.histogram_figure(result, self.selected, self.labels))
                with ui.card().classes("w-full").mark("chart-cdf"):
                    _plot(charts.cdf_figure(result, self.selected, self.labels))
                main = self.selected[0]
                with ui.card().classes("w-full").mark("chart-tornado"):
                    self._tornado(result, main)
                with ui.card().classes("w-full").mark("chart-convergence"):
                    _plot(charts.convergence_figure(result, main, self.labels))
                if result.samples is not None and result.samples.inputs:
                    with ui.card().classes("w-full").mark("chart-scatter"):
                        self._scatter(result, main)

    def _select(self, value: list[str]) -> None:
        if value:
            self.selected = list(value)
            self.refresh()

    def _table(self, result: SimulationResult) -> None:
        rows = statistics_rows(result, self.labels)
        header, body = rows[0], rows[1:]
        columns = [{"name": f"c{k}", "label": h, "field": f"c{k}", "align": "right" if k else "left"}
                   for k, h in enumerate(header)]
        data = [{f"c{k}": format_stat(v) if k else v for k, v in enumerate(r)} for r in body]
        ui.table(columns=columns, rows=data, row_key="c0").props("dense flat bordered").classes(
            "w-full").mark("stats-table")

    def _exceed(self, result: SimulationResult) -> None:
        name = self.selected[0]
        with ui.row().classes("items-end gap-2"):
            target = ui.number(f"Target for {name}", value=result.outputs[name].mean,
                               format="%.6g").classes("w-56").mark("target")
            answer = ui.label("").classes("text-base font-medium").mark("exceed")

        def show() -> None:
            if target.value is None:
                answer.text = "Enter a target value"
                return
            p = charts.exceedance(result, name, float(target.value))
            answer.text = "—" if p is None else f"P({name} > {target.value:,.6g}) = {p:.1%}"

        target.on_value_change(show)
        show()

    def _tornado(self, result: SimulationResult, name: str) -> None:
        holder = ui.column().classes("w-full")

        sens = result.outputs[name].sensitivity
        unread = self.ws.inputs_not_read_by(name, list(sens)) if sens else []

        def draw(measure: str) -> None:
            holder.clear()
            with holder:
                items, idle = charts.tornado_items(result, name, measure, without_effect=unread)
                if items:
                    _plot(charts.tornado_figure(result, name, measure, without_effect=unread,
                                                labels=self.labels))
                else:
                    ui.label("No sensitivity: no varying inputs or every trial an error.")
                if idle:
                    ui.label(f"No effect on {name}: {', '.join(idle)}").classes(
                        "text-sm text-gray-600").mark("tornado-no-effect")

        ui.toggle({"spearman": "Rank correlation", "contribution": "Contribution to variance"},
                  value="spearman", on_change=lambda e: draw(e.value)).props("dense no-caps")
        draw("spearman")

    def _scatter(self, result: SimulationResult, name: str) -> None:
        inputs = list(result.samples.inputs)
        sens = result.outputs[name].sensitivity
        first = max(inputs, key=lambda k: abs(sens[k].spearman) if k in sens else 0.0)
        holder = ui.column().classes("w-full")

        def draw(inp: str) -> None:
            holder.clear()
            with holder:
                _plot(charts.scatter_figure(result, inp, name, labels=self.labels))

        ui.select({i: charts.named(i, self.labels) for i in inputs}, value=first, label="Input", on_change=lambda e: draw(e.value)).classes(
            "w-64").mark("scatter-input")
        draw(first)
