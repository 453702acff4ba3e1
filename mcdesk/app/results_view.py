"""The results page: the run's metadata and a Report button, a summary per output (name,
mean, P10/P50/P90, the probability of exceeding a target), probability delimiters, the
statistics table, then the charts (histogram, S-curve, tornado, scatter, convergence;
several outputs, or a simtable's runs, overlaid).  Values are shown in each output cell's
own number format (:mod:`mcdesk.app.numfmt`).  What the user chose (outputs, overlay,
delimiters, targets) lives in the workspace's :class:`~mcdesk.app.workspace.ViewState`, so a
reload or a reconnect keeps it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from engine import __version__
from engine.results import SimulationResult

from . import charts
from .export import LABEL_ROW, statistics_rows
from .numfmt import axis_format, format_value
from .run_panel import precision_text
from .workspace import Workspace

__all__ = ["ResultsView", "format_stat", "run_metadata"]

SUMMARY_PERCENTILES = ("10", "50", "90")


def format_stat(value: object, code: str | None = None) -> str:
    """A statistic as shown: in the output's number format when it has one, else plainly."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if code and code != "General" and isinstance(value, int | float):
        return format_value(value, code)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.6g}"
    return str(value)


def top_shares(s: Any, top: int = 3) -> str:
    """An output of text's most frequent labels and their shares: ``high 62.0%, normal 38.0%``."""
    n = max(s.trials, 1)
    items = list(s.labels.items())
    text = ", ".join(f"{k or chr(34) * 2} {c / n:.1%}" for k, c in items[:top])
    return text + (", …" if len(items) > top or s.labels_other else "")


def run_metadata(ws: Workspace, result: SimulationResult) -> str:
    """``10,000 trials · seed 1 · mc · numba · 1.23 s in all (preparing .., simulation ..)
    · mcdesk 0.x``: the whole time of the run with its phases (the trials alone are one of
    them), not the trials' time alone."""
    timing = ws.timing
    parts = [f"{result.trials:,} trials", f"seed {result.seed}", result.sampling, result.backend]
    if timing is not None and timing.total_s > 0:
        parts.append(f"{timing.total_s:.3g} s in all ({timing.text()})")
    else:
        parts.append(f"trials {result.elapsed_s:.3g} s")
    parts.append(f"mcdesk {__version__}")
    return " · ".join(parts)


def _plot(fig) -> ui.plotly:
    return ui.plotly(_figure_dict(fig)).classes("w-full")


def _figure_dict(fig) -> dict[str, Any]:
    return {**fig.to_plotly_json(), "config": charts.PLOT_CONFIG}


class ResultsView:
    def __init__(self, ws: Workspace, report: Callable[[str], Any] | None = None) -> None:
        self.ws = ws
        self.report = report
        self.box = ui.column().classes("w-full gap-2")
        self.labels: dict[str, str] = {}
        self.meta: ui.label | None = None
        self.hist_plot: ui.plotly | None = None
        self.cdf_plot: ui.plotly | None = None
        charts.warm_in_background()
        self.refresh()

    @property
    def selected(self) -> list[str]:
        return self.ws.view.selected

    def refresh(self) -> None:
        self.box.clear()
        self.hist_plot = self.cdf_plot = self.meta = None  # drawn again below
        result = self.ws.result
        with self.box:
            if result is None:
                ui.label("No results yet: add inputs and outputs, then Run.").classes(
                    "text-gray-500").mark("no-results")
                return
            names = list(result.outputs)
            inputs = list(result.samples.inputs) if result.samples is not None else []
            self.labels = self.ws.labels(names + inputs)
            view = self.ws.view
            view.selected = [n for n in view.selected if n in names] or names[:1]
            self._header(result)
            self._summary(result, names)
            if self.ws.statistics:
                self._statistics_cells()
            fixed = [n for n in names if getattr(result.outputs[n], "constant", False)]
            if fixed:
                ui.label("The same in every trial (no input changes it): " + ", ".join(
                    f"{charts.named(n, self.labels)} = {self._fmt(n, result.outputs[n].mean)}"
                    for n in fixed)).classes("text-sm text-warning").mark("constant-outputs")
            with ui.row().classes("w-full items-end gap-4"):
                ui.select({n: charts.named(n, self.labels) for n in names},
                          value=list(view.selected), multiple=True,
                          label="Outputs (several: overlaid)",
                          on_change=lambda e: self._select(e.value)).classes("min-w-[280px]").props(
                    "use-chips").mark("result-outputs")
                if self.ws.simtable is not None:
                    ui.toggle({"outputs": "Overlay the outputs chosen",
                               "simtable": f"Overlay the simtable's runs ({self.ws.simtable.cell})"},
                              value=view.overlay, on_change=lambda e: self._overlay(e.value)
                              ).props("dense no-caps").mark("overlay")
            self._exceed(result)
            self._delimiters(result)
            main_s = result.outputs[view.selected[0]]
            # labels only (engine.text_outputs): no numbers for the S-curve and the rest
            hide = " hidden" if main_s.count == 0 and getattr(main_s, "labels", None) else ""
            with ui.grid(columns=2).classes("w-full gap-2"):
                with ui.card().classes("w-full").mark("chart-histogram"):
                    self.hist_plot = _plot(self._histogram(result))
                if hide:
                    ui.label("Every trial of this output gave text (or an error): the chart "
                             "shows the share of each label; the S-curve, sensitivity and "
                             "convergence need numbers.").classes(
                        "text-sm text-gray-600").mark("text-output-note")
                with ui.card().classes("w-full" + hide).mark("chart-cdf"):
                    self.cdf_plot = _plot(self._cdf(result))
                main = view.selected[0]
                with ui.card().classes("w-full" + hide).mark("chart-tornado"):
                    self._tornado(result, main)
                with ui.card().classes("w-full" + hide).mark("chart-convergence"):
                    _plot(charts.convergence_figure(result, main, self.labels))
                if result.samples is not None and result.samples.inputs:
                    with ui.card().classes("w-full" + hide).mark("chart-scatter"):
                        self._scatter(result, main)
            with ui.expansion("All statistics", icon="table_chart").classes("w-full"):
                self._table(result)

    def show_metadata(self) -> None:
        """The run's line again, once the charts' time is known."""
        if self.ws.result is not None and self.meta is not None:
            self.meta.text = run_metadata(self.ws, self.ws.result)

    # ------------------------------------------------------------ parts
    def _fmt(self, name: str, value: object) -> str:
        return format_stat(value, self.ws.number_format(name))

    def _header(self, result: SimulationResult) -> None:
        with ui.row().classes("w-full items-center gap-3 no-wrap"):
            self.meta = ui.label(run_metadata(self.ws, result)).classes(
                "text-sm text-gray-700 grow min-w-0").mark("run-metadata")
            if self.report is not None:
                ui.button("Report (.html)", icon="description",
                          on_click=lambda: self.report("html")).props("outline dense no-wrap").mark(
                    "report-html")
                ui.button("Report (.xlsx)", icon="grid_on",
                          on_click=lambda: self.report("xlsx")).props("outline dense no-wrap").mark(
                    "report-xlsx")
        p = getattr(result, "precision", None)
        if p:
            line = precision_text(p, self.labels)
            ui.label(line[0].upper() + line[1:]).classes(
                "text-sm " + ("text-positive" if p["converged"] else "text-negative")).mark(
                "precision-result")

    def _statistics_cells(self) -> None:
        """The workbook's statistics cells (``=RiskMean(C1)``...) with their values from the
        run (as the CLI prints them; #N/A and why when a value cannot be computed)."""
        rows = [{"cell": cell, "name": self.ws.label(cell) or "",
                 "formula": "=" + str(got["formula"] or "").lstrip("="),
                 "value": self._fmt(cell, got["value"]) if got["value"] is not None
                 else f"#N/A ({got['note']})"} for cell, got in self.ws.statistics.items()]
        columns = [{"name": k, "label": label, "field": k, "align": "right" if k == "value"
                    else "left"} for k, label in (("cell", "Statistics cell"), ("name", "Name"),
                                                  ("formula", "Formula"), ("value", "Value"))]
        ui.table(columns=columns, rows=rows, row_key="cell").props("dense flat bordered").classes(
            "w-full").mark("statistics-cells")

    def _target(self, name: str, result: SimulationResult) -> float | None:
        got = self.ws.view.targets.get(name)
        return got if got is not None else result.outputs[name].mean

    def _summary(self, result: SimulationResult, names: list[str]) -> None:
        columns = [{"name": k, "label": label, "field": k, "align": "left" if k in ("name", "cell")
                    else "right"} for k, label in
                   (("name", "Output"), ("cell", "Cell"), ("mean", "Mean"), ("p10", "P10"),
                    ("p50", "P50"), ("p90", "P90"), ("target", "Target"),
                    ("p_target", "P(> target)"))]
        rows = []
        for n in names:
            s = result.outputs[n]
            target = self._target(n, result)
            p = None if target is None else charts.exceedance(result, n, target)
            rows.append({"cell": n, "name": self.labels.get(n) or n,
                         "mean": self._fmt(n, s.mean) if s.mean is not None or not
                         getattr(s, "labels", None) else top_shares(s),
                         **{f"p{q}": self._fmt(n, s.percentiles.get(q)) for q in SUMMARY_PERCENTILES},
                         "target": self._fmt(n, target),
                         "p_target": "—" if p is None else f"{p:.1%}"})
        table = ui.table(columns=columns, rows=rows, row_key="cell").props(
            "dense flat bordered").classes("w-full cursor-pointer").mark("summary-table")
        table.tooltip("Click an output to show its charts")
        # a row clicked: that output's charts (rowClick's arguments: event, row, index)
        table.on("rowClick", lambda e: self._select([e.args[1]["cell"]]))

    def _select(self, value: list[str]) -> None:
        if value:
            self.ws.view.selected = list(value)
            self.refresh()

    def _overlay(self, value: str) -> None:
        self.ws.view.overlay = value
        self.refresh()

    def _run_results(self) -> list[tuple[str, SimulationResult]] | None:
        """The simtable's runs (label, result) of the output shown, when they are overlaid."""
        table = self.ws.simtable
        if table is None or self.ws.view.overlay != "simtable":
            return None
        name = self.selected[0]
        label = self.ws.label(table.cell) or table.cell
        return [(f"{label} = {format_stat(v, self.ws.number_format(table.cell))}", r)
                for v, r in zip(table.values, table.results, strict=True) if name in r.outputs]

    def _runs(self, result: SimulationResult) -> charts.Series | None:
        runs = self._run_results()
        name = self.selected[0]
        return None if runs is None else [(label, r.outputs[name]) for label, r in runs]

    def _delims(self) -> tuple[float, float] | None:
        v = self.ws.view
        return None if v.left is None or v.right is None else (v.left, v.right)

    def _probabilities(self, result: SimulationResult) -> charts.Probabilities:
        """P left of, between and right of the delimiters: of the run shown, or of each of
        the simtable's runs when they are overlaid (label first)."""
        delims, name = self._delims(), self.selected[0]
        if delims is None:
            return []
        runs = self._run_results() or [("", result)]
        return [(label, got) for label, r in runs
                if (got := charts.delimiter_probabilities(r, name, *delims)) is not None]

    def _histogram(self, result: SimulationResult):
        return charts.histogram_figure(result, self.selected, self.labels, runs=self._runs(result),
                                       axis=axis_format(self.ws.number_format(self.selected[0])),
                                       delimiters=self._delims(),
                                       probabilities=self._probabilities(result))

    def _cdf(self, result: SimulationResult):
        return charts.cdf_figure(result, self.selected, self.labels, runs=self._runs(result),
                                 axis=axis_format(self.ws.number_format(self.selected[0])),
                                 delimiters=self._delims(), probabilities=self._probabilities(result))

    def _table(self, result: SimulationResult) -> None:
        rows = statistics_rows(result, self.labels)
        header, body = rows[0], rows[1:]
        columns = [{"name": f"c{k}", "label": h, "field": f"c{k}", "align": "right" if k else "left"}
                   for k, h in enumerate(header)]
        data = []
        for r in body:
            plain = r[0] in ("trials ok", "errors", "name", "text trials")
            share = str(r[0]).startswith(LABEL_ROW)   # a label's share of the trials: percent
            data.append({f"c{k}": v if k == 0 or plain and isinstance(v, str)
                         else format_stat(v, "0.0%" if share else
                                          None if plain else self.ws.number_format(header[k]))
                         for k, v in enumerate(r)})
        ui.table(columns=columns, rows=data, row_key="c0").props("dense flat bordered").classes(
            "w-full").mark("stats-table")

    def _exceed(self, result: SimulationResult) -> None:
        name = self.selected[0]
        shown = self.labels.get(name) or name
        with ui.row().classes("items-end gap-2"):
            target = ui.number(f"Target for {shown}", value=self._target(name, result),
                               format="%.6g").classes("w-56").mark("target")
            answer = ui.label("").classes("text-base font-medium").mark("exceed")

        def show() -> None:
            if target.value is None:
                answer.text = "Enter a target value"
                return
            self.ws.view.targets[name] = float(target.value)
            p = charts.exceedance(result, name, float(target.value))
            answer.text = "—" if p is None else \
                f"P({shown} > {self._fmt(name, float(target.value))}) = {p:.1%}"

        target.on_value_change(show)
        show()

    def _delimiters(self, result: SimulationResult) -> None:
        """Two values on the histogram and S-curve, typed or dragged: the probability left
        of, between and right of them (from the run's trials)."""
        name = self.selected[0]
        s = result.outputs[name]
        if s.min is None or s.max is None or not s.max > s.min:
            return
        v = self.ws.view
        if v.delimited != name or v.left is None or v.right is None:
            v.delimited = name
            v.left, v.right = s.percentiles.get("5", s.min), s.percentiles.get("95", s.max)
        step = (s.max - s.min) / 1000
        per_run = self._run_results() is not None
        with ui.row().classes("w-full items-end gap-3 no-wrap").mark("delimiters"):
            left = ui.number("Left", value=v.left, format="%.6g").classes("w-36").mark(
                "delimiter-left")
            slider = ui.range(min=s.min, max=s.max, step=step,
                              value={"min": v.left, "max": v.right}).classes(
                "grow").props("color=purple").mark("delimiter-range")
            right = ui.number("Right", value=v.right, format="%.6g").classes("w-36").mark(
                "delimiter-right")
            if not per_run:
                probs = ui.label("").classes("text-base font-medium").mark("delimiter-probs")
        if per_run:  # one line per simtable run, below the slider
            probs = ui.label("").classes("text-base font-medium whitespace-pre-line").mark(
                "delimiter-probs")
        busy = [False]

        def show(lo: float | None, hi: float | None, source: str) -> None:
            if busy[0] or lo is None or hi is None:
                return
            busy[0] = True
            try:
                lo, hi = sorted((float(lo), float(hi)))
                v.left, v.right = lo, hi
                if source != "slider":
                    slider.set_value({"min": max(lo, s.min), "max": min(hi, s.max)})
                else:
                    left.set_value(lo)
                    right.set_value(hi)
                rows = self._probabilities(result)
                probs.text = "\n".join(
                    (f"{label}: " if label else "")
                    + f"P(< {self._fmt(name, lo)}) = {got[0]:.1%} · between: {got[1]:.1%} · "
                    f"P(> {self._fmt(name, hi)}) = {got[2]:.1%}" for label, got in rows) or "—"
                for plot, make in ((self.hist_plot, self._histogram), (self.cdf_plot, self._cdf)):
                    if plot is not None:
                        plot.figure = _figure_dict(make(result))
                        plot.update()
            finally:
                busy[0] = False

        left.on_value_change(lambda e: show(e.value, right.value, "left"))
        right.on_value_change(lambda e: show(left.value, e.value, "right"))
        slider.on_value_change(lambda e: show((e.value or {}).get("min"),
                                             (e.value or {}).get("max"), "slider"))
        show(v.left, v.right, "init")

    def _tornado(self, result: SimulationResult, name: str) -> None:
        holder = ui.column().classes("w-full")

        sens = result.outputs[name].sensitivity
        unread = self.ws.inputs_not_read_by(name, list(sens)) if sens else []
        shown = self.labels.get(name) or name

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
                    ui.label(f"No effect on {shown}: "
                             f"{', '.join(charts.named(c, self.labels) for c in idle)}").classes(
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

        ui.select({i: charts.named(i, self.labels) for i in inputs}, value=first, label="Input",
                  on_change=lambda e: draw(e.value)).classes("w-64").mark("scatter-input")
        draw(first)
