"""Plotly figures of a result: histogram, S-curve, tornado, scatter, convergence.

Pure functions from a :class:`~engine.results.SimulationResult` to a ``plotly`` figure, so
the numbers drawn are tested without a browser.  Each figure keeps Plotly's PNG download
button (see :data:`PLOT_CONFIG`).
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping

import numpy as np
import plotly.graph_objects as go

from engine.results import OutputSummary, SimulationResult

__all__ = ["PLOT_CONFIG", "cdf_figure", "convergence_figure", "delimiter_probabilities",
           "display_names", "exceedance", "histogram_figure", "label_rows", "labels_figure",
           "output_values",
           "scatter_figure", "tornado_figure", "tornado_items", "warm_in_background"]

PLOT_CONFIG = {"displaylogo": False, "responsive": True,
               "toImageButtonOptions": {"format": "png", "scale": 2}}
MARKERS = (("P5", "5", "#d62728"), ("P50", "50", "#2ca02c"), ("P95", "95", "#d62728"))
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf")
MAX_SCATTER_POINTS = 5_000
LABEL_GAP = 0.14   # share of the x range two labels on one row keep between them
LABEL_ROW = 0.075  # height of a row of marker labels, as a share of the plot


def short_number(x: float) -> str:
    """A number as a chart label: thousands separated, at most 4 significant digits below."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


Labels = Mapping[str, str] | None  # cell -> its name (mcdesk.app.workspace.Workspace.labels)
MAX_TICK_LABEL = 40


def named(cell: str, labels: Labels) -> str:
    """``Name (Sheet!A1)`` for a cell with a name, else its address."""
    return f"{labels[cell]} ({cell})" if labels and labels.get(cell) else cell


def display_names(cells: list[str], labels: Labels, width: int = MAX_TICK_LABEL) -> list[str]:
    """Short names for axis labels: each cell's name (cut to ``width``), its address where it
    has none, and ``name (address)`` where two cells share a name."""
    short = [(labels or {}).get(c) or c for c in cells]
    short = [t if len(t) <= width else t[:width - 1].rstrip() + "…" for t in short]
    return [f"{t} ({c})" if t != c and short.count(t) > 1 else t for t, c in zip(short, cells, strict=True)]


def _layout(fig: go.Figure, title: str, x: str, y: str) -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0.01}, template="plotly_white", height=380,
                      margin={"l": 60, "r": 20, "t": 50, "b": 50}, xaxis_title=x, yaxis_title=y,
                      legend={"orientation": "h", "y": -0.2})
    return fig


def _ok(result: SimulationResult, name: str) -> np.ndarray | None:
    """The output's per-trial values without the error trials, if samples were kept (a
    streamed run: every trial's float32 value, errors as NaN)."""
    samples = result.samples
    if samples is None or name not in samples.outputs:
        return None
    if getattr(samples, "streamed", False) and name in (samples.outputs32 or {}):
        vals = np.asarray(samples.outputs32[name])
        return vals[np.isfinite(vals)]
    vals = np.asarray(samples.outputs[name])
    errs = samples.errors.get(name)
    return vals[errs == 0] if errs is not None else vals[np.isfinite(vals)]


output_values = _ok

Series = list[tuple[str, OutputSummary]]  # a label and the summary drawn under it
Delimiters = tuple[float, float] | None   # left and right values, drawn as lines
DELIMITER_COLOR = "#6a1b9a"


def delimiter_probabilities(result: SimulationResult, name: str, left: float, right: float,
                            ) -> tuple[float, float, float] | None:
    """P(value < left), P(left <= value <= right), P(value > right) over the trials without
    errors (@RISK's delimiters); None without samples.  ``left`` > ``right`` are swapped."""
    vals = _ok(result, name)
    if vals is None or not len(vals):
        return None
    lo, hi = min(left, right), max(left, right)
    n = len(vals)
    below = np.count_nonzero(vals < lo) / n
    above = np.count_nonzero(vals > hi) / n
    return float(below), float(1.0 - below - above), float(above)


Probabilities = list[tuple[str, tuple[float, float, float]]]  # per run: its label, P left/between/right


def _delimit(fig: go.Figure, delimiters: Delimiters, probs: Probabilities) -> None:
    """The two delimiter lines, the band between them, and the probabilities left of,
    between and right of them: one line per run (its label first) when runs are overlaid."""
    if delimiters is None:
        return
    lo, hi = sorted(delimiters)
    fig.add_vrect(x0=lo, x1=hi, fillcolor=DELIMITER_COLOR, opacity=0.06, line_width=0)
    for x in (lo, hi):
        fig.add_vline(x=x, line={"color": DELIMITER_COLOR, "width": 2})
    if probs:
        text = "<br>".join((f"{label}: " if label else "") + f"{p[0]:.1%} | {p[1]:.1%} | {p[2]:.1%}"
                           for label, p in probs)
        fig.add_annotation(x=(lo + hi) / 2, y=0.5, xref="x", yref="paper", text=text,
                           showarrow=False, font={"size": 12, "color": DELIMITER_COLOR},
                           bgcolor="rgba(255,255,255,0.85)")


def _probabilities(result: SimulationResult, name: str, delimiters: tuple[float, float],
                   given: Probabilities | None) -> Probabilities:
    """``given`` (per overlaid run), else the probabilities of ``name`` in ``result``."""
    if given is not None:
        return given
    got = delimiter_probabilities(result, name, *delimiters)
    return [] if got is None else [("", got)]


def histogram_figure(result: SimulationResult, names: list[str], labels: Labels = None, *,
                     runs: Series | None = None, axis: Mapping[str, str] | None = None,
                     delimiters: Delimiters = None, probabilities: Probabilities | None = None,
                     ) -> go.Figure:
    """Histogram of one output with its mean and P5 / P50 / P95 marked; several outputs (or
    ``runs``: a simtable's runs of one output) are overlaid as densities.  ``axis``: the x
    axis's number format (see :func:`mcdesk.app.numfmt.axis_format`); ``delimiters``: two
    values drawn with the probability left of, between and right of them (of the first
    output, or ``probabilities``: one row per overlaid run)."""
    fig = go.Figure()
    series = runs if runs is not None else [(named(n, labels), result.outputs[n]) for n in names]
    overlay = len(series) > 1
    if len(series) == 1 and series[0][1].histogram is None and getattr(series[0][1], "labels", None):
        return labels_figure(series[0][1], series[0][0])  # text: the share of each label
    for k, (label, s) in enumerate(series):
        if s.histogram is None or not s.histogram.counts:
            continue
        edges = np.asarray(s.histogram.edges, dtype=float)
        counts = np.asarray(s.histogram.counts, dtype=float)
        widths = np.diff(edges)
        y = counts / (counts.sum() * np.where(widths > 0, widths, 1.0)) if overlay else counts
        fig.add_bar(x=((edges[:-1] + edges[1:]) / 2).tolist(), y=y.tolist(), width=widths.tolist(),
                    name=label,
                    marker={"color": COLORS[k % len(COLORS)], "line": {"width": 0}},
                    opacity=0.6 if overlay else 0.85)
    rows = 0
    if not overlay and series:
        s = series[0][1]
        lines = [(label, value, color) for label, value, color in
                 [("mean", s.mean, "#111111")] + [(label, s.percentiles.get(p), color)
                                                  for label, p, color in MARKERS]
                 if value is not None]
        span = (s.max - s.min) if s.max is not None and s.min is not None else 0.0
        levels = label_rows([v for _, v, _ in lines], LABEL_GAP * span)
        rows = max(levels, default=-1) + 1
        for (label, value, color), row in zip(lines, levels, strict=True):
            fig.add_vline(x=value, line={"color": color, "dash": "dash" if label != "mean" else "solid"})
            fig.add_annotation(x=value, y=1.0 - LABEL_ROW * row, xref="x", yref="paper",
                               text=f"{label} {short_number(value)}", showarrow=False,
                               xanchor="center", yanchor="bottom", font={"size": 10, "color": color},
                               bgcolor="rgba(255,255,255,0.8)")
    fig.update_layout(barmode="overlay", bargap=0)
    if runs is not None:
        title = f"{named(names[0], labels)}, simtable" if names else "simtable"
    else:
        title = named(names[0], labels) if len(names) == 1 else "Outputs overlaid"
    fig = _layout(fig, f"Distribution of {title}", "value", "density" if overlay else "trials")
    if rows:  # room above the bars for the rows of labels
        fig.update_layout(margin={"t": 50 + 28 * rows}, title={"y": 0.98, "yanchor": "top"})
        fig.update_yaxes(domain=[0, 1.0 - LABEL_ROW * (rows - 1) - 0.02])
    if axis:
        fig.update_xaxes(**axis)
    if delimiters is not None and names:
        _delimit(fig, delimiters, _probabilities(result, names[0], delimiters, probabilities))
    return fig


def labels_figure(s: OutputSummary, title: str) -> go.Figure:
    """The share of each label of an output whose trials give text (or logicals): a bar per
    label, the most frequent first, then "other labels", numbers and errors where there are
    any (:mod:`engine.text_outputs`)."""
    n = max(s.trials, 1)
    bars = [(k, c) for k, c in s.labels.items()]
    if s.labels_other:
        bars.append(("other labels", s.labels_other))
    numbers = s.count - sum(c for k, c in s.labels.items() if k in ("TRUE", "FALSE")) \
        if s.text else 0
    if numbers > 0:
        bars.append(("(numbers)", numbers))
    if s.errors:
        bars.append(("(errors)", s.errors))
    fig = go.Figure()
    fig.add_bar(x=[k if k else '""' for k, _ in bars], y=[100.0 * c / n for _, c in bars],
                text=[f"{100.0 * c / n:.1f}%" for _, c in bars], textposition="outside",
                marker={"color": COLORS[0], "line": {"width": 0}}, opacity=0.85,
                customdata=[c for _, c in bars],
                hovertemplate="%{x}: %{y:.2f}% (%{customdata:,} trials)<extra></extra>")
    fig = _layout(fig, f"Labels of {title}", "label", "share of trials (%)")
    fig.update_xaxes(type="category")
    fig.update_yaxes(range=[0, min(100.0, 1.15 * max((100.0 * c / n for _, c in bars),
                                                     default=1.0))])
    return fig


def label_rows(xs: list[float], gap: float) -> list[int]:
    """A row for each label at ``xs`` (0 = top) such that labels on one row are at least
    ``gap`` apart: the first row with room, from left to right."""
    last: list[float] = []  # x of the rightmost label on each row
    rows = [0] * len(xs)
    for k in sorted(range(len(xs)), key=lambda i: xs[i]):
        for r, x in enumerate(last):
            if xs[k] - x >= gap:
                rows[k], last[r] = r, xs[k]
                break
        else:
            rows[k] = len(last)
            last.append(xs[k])
    return rows


def cdf_points(s: OutputSummary) -> tuple[list[float], list[float]]:
    """The S-curve through min, P1 .. P99 and max."""
    xs, ys = [], []
    if s.min is not None:
        xs.append(s.min)
        ys.append(0.0)
    for p in range(1, 100):
        v = s.percentiles.get(str(p))
        if v is not None:
            xs.append(v)
            ys.append(p / 100)
    if s.max is not None:
        xs.append(s.max)
        ys.append(1.0)
    return xs, ys


def cdf_figure(result: SimulationResult, names: list[str], labels: Labels = None, *,
               runs: Series | None = None, axis: Mapping[str, str] | None = None,
               delimiters: Delimiters = None, probabilities: Probabilities | None = None,
               ) -> go.Figure:
    """The S-curve of each output (or of a simtable's ``runs``); ``axis`` and ``delimiters``
    as in :func:`histogram_figure`."""
    fig = go.Figure()
    series = runs if runs is not None else [(named(n, labels), result.outputs[n]) for n in names]
    for k, (label, s) in enumerate(series):
        xs, ys = cdf_points(s)
        fig.add_scatter(x=xs, y=ys, mode="lines", name=label,
                        line={"color": COLORS[k % len(COLORS)], "width": 2})
    fig.update_yaxes(range=[0, 1], tickformat=".0%")
    fig = _layout(fig, "Cumulative probability (S-curve)", "value", "probability ≤ value")
    if axis:
        fig.update_xaxes(**axis)
    if delimiters is not None and names:
        _delimit(fig, delimiters, _probabilities(result, names[0], delimiters, probabilities))
    return fig


def tornado_items(result: SimulationResult, name: str, measure: str = "spearman",
                  top: int = 15, without_effect: Collection[str] = ()
                  ) -> tuple[list[tuple[str, float]], list[str]]:
    """The bars of the tornado, largest first, and the inputs left out as having no effect
    on the output: those no formula of it reads (``without_effect``) and those whose rank
    correlation is exactly 0 (a constant input or output)."""
    sens = result.outputs[name].sensitivity
    key = (lambda v: v.spearman) if measure == "spearman" else (lambda v: v.contribution)
    idle = [k for k, v in sens.items() if k in without_effect or v.spearman == 0.0]
    items = sorted(((k, key(v)) for k, v in sens.items() if k not in idle),
                   key=lambda kv: abs(kv[1]), reverse=True)[:top]
    return items, idle


def tornado_figure(result: SimulationResult, name: str, measure: str = "spearman",
                   top: int = 15, without_effect: Collection[str] = (), labels: Labels = None,
                   ) -> go.Figure:
    """Inputs ranked by rank correlation with the output, or by contribution to variance;
    inputs without effect are left out (see :func:`tornado_items`).  The values are written
    beside the bars, inside the plot (the axis is widened for them), never over the names."""
    items, _ = tornado_items(result, name, measure, top, without_effect)
    items.reverse()  # largest on top
    values = [v for _, v in items]
    cells = [k for k, _ in items]
    fig = go.Figure(go.Bar(x=values, y=display_names(cells, labels), orientation="h",
                           customdata=cells, hovertemplate="%{customdata}: %{x:.3f}<extra></extra>",
                           marker={"color": ["#d62728" if v < 0 else "#1f77b4" for v in values]},
                           text=[f"{v:+.2f}" if measure == "spearman" else f"{v:.0%}" for v in values],
                           textposition="outside", cliponaxis=False))
    label = "Spearman rank correlation" if measure == "spearman" else "contribution to variance"
    fig = _layout(fig, f"Tornado: {named(name, labels)}", label, "")
    fig.update_layout(height=max(300, 60 + 28 * len(items)), showlegend=False)
    reach = max((abs(v) for v in values), default=1.0) or 1.0
    lo = -1.3 * reach if any(v < 0 for v in values) else 0.0
    fig.update_xaxes(range=[lo, 1.3 * reach], zeroline=True)
    fig.update_yaxes(automargin=True, ticksuffix="  ")
    if measure != "spearman":
        fig.update_xaxes(tickformat=".0%")
    return fig


def scatter_figure(result: SimulationResult, input_name: str, output_name: str,
                   max_points: int = MAX_SCATTER_POINTS, labels: Labels = None) -> go.Figure:
    """An input against an output, trial by trial (an evenly spread subset of the trials)."""
    samples = result.samples
    x = np.asarray(samples.inputs[input_name]) if samples is not None else np.empty(0)
    y = np.asarray(samples.outputs[output_name]) if samples is not None else np.empty(0)
    step = max(1, -(-len(x) // max_points))  # ceil: at most max_points
    x, y = x[::step], y[::step]
    ok = np.isfinite(y)
    fig = go.Figure(go.Scattergl(x=x[ok].tolist(), y=y[ok].tolist(), mode="markers",
                                 marker={"size": 4, "opacity": 0.5, "color": COLORS[0]}))
    s = result.outputs[output_name].sensitivity.get(input_name)
    extra = f" (rank correlation {s.spearman:+.2f})" if s is not None else ""
    x_name, y_name = named(input_name, labels), named(output_name, labels)
    return _layout(fig, f"{y_name} against {x_name}{extra}", x_name, y_name)


def convergence_figure(result: SimulationResult, name: str, labels: Labels = None) -> go.Figure:
    """Running mean over the trials with its 95% confidence band."""
    c = result.outputs[name].convergence
    fig = go.Figure()
    if c is not None and c.trials:
        t = np.asarray(c.trials, dtype=float)
        m = np.asarray([np.nan if v is None else v for v in c.mean], dtype=float)
        h = np.asarray([np.nan if v is None else v for v in c.half_width], dtype=float)
        fig.add_scatter(x=np.concatenate([t, t[::-1]]).tolist(),
                        y=np.concatenate([m + h, (m - h)[::-1]]).tolist(),
                        fill="toself", fillcolor="rgba(31,119,180,0.2)", line={"width": 0},
                        name="95% band", hoverinfo="skip")
        fig.add_scatter(x=t.tolist(), y=m.tolist(), mode="lines", name="mean", line={"color": COLORS[0], "width": 2})
    return _layout(fig, f"Convergence of the mean: {named(name, labels)}", "trials", "mean")


def exceedance(result: SimulationResult, name: str, target: float) -> float | None:
    """P(output > target) over the trials without errors (from the samples where kept,
    else interpolated on the percentiles)."""
    vals = _ok(result, name)
    if vals is not None and len(vals):
        return float(np.count_nonzero(vals > target) / len(vals))
    xs, ys = cdf_points(result.outputs[name])
    if not xs:
        return None
    return float(1.0 - np.interp(target, xs, ys, left=0.0, right=1.0))


_warmed = threading.Event()


def _warm() -> None:
    """Build and serialise one small figure of each kind: plotly loads its validators on
    first use (about 1 s), which would otherwise count in the first run's charts."""
    fig = go.Figure()
    fig.add_bar(x=[0.0, 1.0], y=[1, 2])
    fig.add_scatter(x=[0.0, 1.0], y=[0.0, 1.0], mode="lines", fill="toself")
    fig.add_trace(go.Bar(x=[0.5], y=["a"], orientation="h", text=["+0.50"]))
    fig.add_trace(go.Scattergl(x=[0.0], y=[0.0], mode="markers"))
    fig.add_vline(x=0.5)
    fig.add_annotation(x=0.5, y=1.0, yref="paper", text="P50")
    _layout(fig, "warm", "x", "y").to_plotly_json()
    _warmed.set()


def warm_in_background() -> None:
    """Warm plotly once per process, in a daemon thread (while the user sets up a run)."""
    if not _warmed.is_set():
        _warmed.set()  # one thread at most
        threading.Thread(target=_warm, name="mcdesk-warm-plotly", daemon=True).start()
