"""A report to hand on: self-contained HTML, an XLSX workbook, and a copy of the model's
workbook with a results sheet.

:func:`report_data` gathers everything from a finished run (RESULT.json's numbers as they
are, the run settings, the inputs and their distributions, the correlation matrices, and per
output the risk measures of :mod:`engine.risk` and the sensitivity measures of
:mod:`engine.sensitivity` computed from the kept samples).  :func:`write_html` renders it as
one HTML file with plotly.js pasted in (no network reference: it opens offline in any
browser); every number shown carries its full value in ``data-value`` so a check can compare
it with RESULT.json.  :func:`write_xlsx` writes the same tables as a workbook;
:func:`write_results_workbook` copies the model's workbook and adds a sheet of results.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import logging
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import __version__
from ._report_html import PAGE
from .errors import McdeskError
from .risk import risk_measures
from .sensitivity import analyse

if TYPE_CHECKING:
    from .results import SimulationResult
    from .spec import SimulationSpec

log = logging.getLogger(__name__)

__all__ = ["RESULTS_SHEET", "SHOWN_PERCENTILES", "report_data", "write_html",
           "write_results_workbook", "write_xlsx"]

SHOWN_PERCENTILES = ("1", "5", "10", "25", "50", "75", "90", "95", "99")
STATS = ("mean", "std", "min", "max", "trials_ok", "errors")
RESULTS_SHEET = "mcdesk results"
SENSITIVITY_TRIALS = 1_000_000   # the report's sensitivity measures use at most this many trials


def report_data(result: SimulationResult, spec: SimulationSpec | None = None,
                book: str | Path | None = None, risk_levels: tuple[float, ...] = (0.9, 0.95, 0.99),
                sobol: bool = True, statistics: dict[str, dict[str, Any]] | None = None,
                names: Mapping[str, str | None] | None = None) -> dict[str, Any]:
    """Everything the report shows, JSON-serialisable (RESULT.json's dict under ``result``).
    ``statistics``: the workbook's statistics cells (``=RiskMean(C1)``...) computed from the
    run, as RESULT.json's ``addins.statistics`` holds them: ``{cell: {"formula", "value",
    "note"}}`` (and an optional ``"name"``).  ``names``: the cells' names by address (inputs
    and outputs, as RESULT.json's ``name`` and ``input_names``): the report shows them
    beside the addresses; each output's ``name`` is set from them."""
    res = result.to_dict()
    names = {str(c): str(n) for c, n in (names or {}).items() if n}
    for cell, out in res["outputs"].items():
        if names.get(cell):
            out["name"] = names[cell]
    samples = result.samples
    extra: dict[str, Any] = {}
    for name in res["outputs"]:
        entry: dict[str, Any] = {}
        if samples is not None and name in samples.outputs:
            y = np.asarray(samples.outputs[name], dtype=np.float64)
            if np.isfinite(y).any():
                entry["risk"] = risk_measures(y, risk_levels)
                if samples.inputs and np.isfinite(y).sum() >= 20:
                    k = SENSITIVITY_TRIALS
                    xs = {n: np.asarray(v)[:k] for n, v in samples.inputs.items()}
                    entry["sensitivity"] = analyse(xs, y[:k], with_sobol=sobol).to_dict()
                    if y.size > k:
                        entry["sensitivity_trials"] = k
            if getattr(samples, "stride", 1) > 1:
                entry["subsample_stride"] = int(samples.stride)
        extra[name] = entry
    return {
        "version": __version__,
        "created": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "book": None if book is None else Path(book).name,
        "result": res,
        "inputs": [] if spec is None else [i.to_dict() for i in spec.inputs],
        "correlations": [] if spec is None else [
            {**c.to_dict(), "used": c.used, "max_change": c.max_change}
            for c in spec.correlations],
        "precision": res.get("precision"),
        "statistics": dict(statistics or {}),
        "names": names,
        "extra": extra,
    }


# ------------------------------------------------------------------------ HTML
def _fmt(x: object) -> str:
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return f"{x:,}"
    if isinstance(x, float):
        if not math.isfinite(x):
            return "—"
        if 1e6 <= abs(x) < 1e15:
            return f"{x:,.0f}"
        return f"{x:,.6g}" if abs(x) < 1e6 else f"{x:.6g}"
    return html.escape(str(x))


def _td(x: object, key: str | None = None) -> str:
    attrs = ""
    if key is not None:
        attrs += f' data-key="{html.escape(key, quote=True)}"'
    if isinstance(x, int | float) and not isinstance(x, bool) and x is not None:
        attrs += f' data-value="{float(x)!r}"'
    return f"<td{attrs}>{_fmt(x)}</td>"


def _table(head: list[str], rows: list[str], caption: str = "", text_columns: int = 1) -> str:
    """A table; its first ``text_columns`` columns hold text (left-aligned), the rest numbers."""
    cap = f"<caption class='muted'>{html.escape(caption)}</caption>" if caption else ""
    ths = "".join(f"<th class='name'>{html.escape(h)}</th>" if i < text_columns else
                  f"<th>{html.escape(h)}</th>" for i, h in enumerate(head))
    return f"<table>{cap}<thead><tr>{ths}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _named(cell: str, names: Mapping[str, str]) -> str:
    """``Name (Sheet!A1)`` for a cell with a name, else its address; a distribution nested
    in a formula by its name alone ("RiskUniform in Model!B4": its slot is no cell the user
    sees)."""
    if names.get(cell) and cell.startswith("'_mcdesk "):
        return names[cell]
    return f"{names[cell]} ({cell})" if names.get(cell) else cell


def _name(text: str) -> str:
    return f"<td class='name'>{html.escape(str(text))}</td>"


def _run_section(data: dict[str, Any]) -> str:
    r = data["result"]
    rows = [("workbook", data["book"]), ("trials", r["trials"]), ("seed", r["seed"]),
            ("sampling", r["sampling"]), ("backend", r["backend"]),
            ("elapsed (s)", r["elapsed_s"]), ("trials per second", r["trials_per_s"]),
            ("mcdesk version", data["version"]), ("created", data["created"])]
    body = "".join(f"<tr>{_name(k)}{_td(v, 'run/' + k if isinstance(v, int | float) else None)}"
                   f"</tr>" for k, v in rows)
    out = "<h2>Run settings</h2>" + _table(["setting", "value"], [body])
    p = data.get("precision")
    if p:
        names = data.get("names") or {}
        prow = [f"<tr>{_name(_named(t['output'], names) + ' ' + t['statistic'])}"
                f"{_td(t['value'])}{_td(t['half_width'])}{_td(t['met'])}</tr>"
                for t in p["targets"]]
        state = "converged" if p["converged"] else "<span class='flag'>not converged</span>"
        out += (f"<h3>Precision control</h3><p>{state} after {p['trials']:,} trials "
                f"(cap {p['cap']:,}; joint confidence {p['confidence']:.0%})</p>"
                + _table(["target", "value", "half-width", "met"], prow))
    return out


def _inputs_section(data: dict[str, Any]) -> str:
    out, names = "", data.get("names") or {}
    if data["inputs"]:
        rows = []
        for i in data["inputs"]:
            params = ", ".join(f"{k}={_fmt(v) if isinstance(v, int | float) else html.escape(str(v))}"
                               for k, v in i["params"].items())
            rows.append(f"<tr>{_name(names.get(i['cell']) or i.get('name') or '')}"
                        f"{_name(i['cell'])}{_name(i['distribution'])}{_name(params)}</tr>")
        out += "<h2>Inputs and their distributions</h2>" + _table(
            ["name", "cell", "distribution", "parameters"], rows, text_columns=4)
    for g, c in enumerate(data["correlations"]):
        head = ["", *c["inputs"]]
        rows = [f"<tr>{_name(a)}" + "".join(_td(v, f"corr{g}/{a}/{b}")
                                           for b, v in zip(c["inputs"], row, strict=True))
                + "</tr>" for a, row in zip(c["inputs"], c["matrix"], strict=True)]
        note = (f"not positive semi-definite: the nearest valid matrix was sampled (largest "
                f"change {c['max_change']:.4g})" if c.get("max_change") else "")
        out += f"<h2>Correlation matrix {g + 1}</h2>" + _table(head, rows, note)
    return out


def _statistic_shown(got: dict[str, Any]) -> str:
    return "#N/A" + (f" ({got['note']})" if got.get("note") else "")


def _statistics_section(data: dict[str, Any]) -> str:
    """The workbook's statistics cells with the run's values (``data-key`` stat/CELL)."""
    stats = data.get("statistics") or {}
    if not stats:
        return ""
    rows = []
    for cell, got in stats.items():
        formula = "=" + str(got.get("formula") or "").lstrip("=")
        value = _td(got["value"], f"stat/{cell}") if got.get("value") is not None else \
            f"<td class='flag'>{html.escape(_statistic_shown(got))}</td>"
        rows.append(f"<tr>{_name(got.get('name') or '')}{_name(cell)}{_name(formula)}{value}</tr>")
    return "<h2>Statistics cells</h2>" + _table(
        ["name", "cell", "formula", "value"], rows,
        "the workbook's statistics functions, computed from this run", text_columns=3)


def _curve(out: dict[str, Any]) -> tuple[list[float], list[float]] | None:
    """S-curve points from RESULT.json's min, percentiles and max."""
    pct = {int(k): v for k, v in out["percentiles"].items() if v is not None}
    if not pct or out["min"] is None:
        return None
    return ([out["min"], *[pct[k] for k in sorted(pct)], out["max"]],
            [0.0, *[k / 100 for k in sorted(pct)], 1.0])


def _figures(name: str, idx: int, out: dict[str, Any], extra: dict[str, Any],
             simtable: dict[str, Any] | None = None, cell: str | None = None,
             names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The output's charts, titled by ``name``; ``cell``: its address (the simtable's key);
    ``names``: the inputs' names for the tornado and spider."""
    cell, names = cell or name, names or {}
    figs: dict[str, Any] = {}
    layout = {"margin": {"l": 60, "r": 20, "t": 40, "b": 50}, "showlegend": False,
              "paper_bgcolor": "white", "plot_bgcolor": "#fafbfd"}
    h = out.get("histogram")
    if h and h["counts"]:
        e = h["edges"]
        figs[f"hist-{idx}"] = {"data": [{
            "type": "bar", "x": [(a + b) / 2 for a, b in zip(e[:-1], e[1:], strict=True)],
            "y": h["counts"], "width": [b - a for a, b in zip(e[:-1], e[1:], strict=True)],
            "marker": {"color": "#3b6fb6"}}],
            "layout": {**layout, "title": {"text": f"Histogram of {name}"},
                       "bargap": 0, "yaxis": {"title": {"text": "trials"}}}}
    curve = _curve(out)
    if curve:
        xs, ys = curve
        figs[f"scurve-{idx}"] = {"data": [{"type": "scatter", "mode": "lines", "x": xs,
                                           "y": ys, "line": {"color": "#3b6fb6"}}],
                                 "layout": {**layout, "title": {"text": f"S-curve of {name}"},
                                            "yaxis": {"title": {"text": "P(X ≤ x)"},
                                                      "range": [0, 1]}}}
    if simtable:
        lines = []
        for run in simtable["runs"]:
            c = _curve(run["outputs"][cell]) if cell in run["outputs"] else None
            if c:
                lines.append({"type": "scatter", "mode": "lines", "x": c[0], "y": c[1],
                              "name": f"{simtable['cell']} = {run['value']:g}"})
        if lines:
            figs[f"simtable-{idx}"] = {"data": lines, "layout": {
                **layout, "showlegend": True, "legend": {"x": 0.02, "y": 0.98},
                "title": {"text": f"Simtable: {name} per value of {simtable['cell']}"},
                "yaxis": {"title": {"text": "P(X ≤ x)"}, "range": [0, 1]}}}
    sens = extra.get("sensitivity")
    if sens and sens["tornado"]["bars"]:
        bars = list(reversed(sens["tornado"]["bars"][:12]))
        base = bars[0]["baseline"]
        figs[f"tornado-{idx}"] = {"data": [{
            "type": "bar", "orientation": "h", "y": [names.get(b["input"]) or b["input"] for b in bars],
            "x": [b["high"] - b["low"] for b in bars], "base": [b["low"] for b in bars],
            "marker": {"color": "#c0504d"}}],
            "layout": {**layout, "title": {"text": f"Tornado: mean of {name} by input decile"},
                       "shapes": [{"type": "line", "x0": base, "x1": base, "yref": "paper",
                                   "y0": 0, "y1": 1, "line": {"dash": "dot"}}],
                       "yaxis": {"automargin": True},  # long names are not cut
                       "margin": {**layout["margin"], "l": 120}}}
        n = len(bars[0]["values"])
        centres = [100 * (b + 0.5) / n for b in range(n)]
        figs[f"spider-{idx}"] = {"data": [
            {"type": "scatter", "mode": "lines+markers", "x": centres, "y": b["values"],
             "name": names.get(b["input"]) or b["input"]} for b in reversed(bars[-6:])],
            "layout": {**layout, "showlegend": True, "legend": {"x": 0.02, "y": 0.98},
                       "title": {"text": f"Spider: mean of {name} by input percentile"},
                       "xaxis": {"title": {"text": "input percentile"}, "range": [0, 100]}}}
    return figs


def _output_section(name: str, idx: int, out: dict[str, Any], extra: dict[str, Any],
                    correlated: bool = False, simtable: dict[str, Any] | None = None,
                    names: Mapping[str, str] | None = None) -> tuple[str, dict[str, Any]]:
    key, names = f"out/{name}", names or {}
    stats = "".join(f"<tr>{_name(s)}{_td(out.get(s), f'{key}/{s}')}</tr>" for s in STATS)
    pcts = "".join(f"<tr>{_name('P' + p)}{_td(out['percentiles'].get(p), f'{key}/p{p}')}</tr>"
                   for p in SHOWN_PERCENTILES)
    parts = [f"<h2>Output {html.escape(_named(name, names))}</h2>", "<div class='charts'>"]
    figs = _figures(names.get(name) or name, idx, out, extra, simtable, cell=name, names=names)
    parts += [f"<div class='chart' id='{fid}'></div>" for fid in figs]
    parts.append("</div>")
    parts.append(_table(["statistic", "value"], [stats]) + _table(["percentile", "value"], [pcts]))
    risk = extra.get("risk")
    if risk:
        rows = [f"<tr>{_name(lv + '%')}{_td(risk['var'][lv]['value'])}"
                f"{_td(risk['var'][lv]['ci95'][0])}{_td(risk['var'][lv]['ci95'][1])}"
                f"{_td(risk['cvar'][lv]['value'])}{_td(risk['cvar'][lv]['ci95'][0])}"
                f"{_td(risk['cvar'][lv]['ci95'][1])}</tr>" for lv in risk["var"]]
        parts.append(_table(["level", "VaR", "95% low", "95% high", "CVaR", "95% low",
                             "95% high"], rows, "upper tail: large values are the loss"))
    sens = extra.get("sensitivity") or {}
    spear = out.get("sensitivity") or {}
    if spear:
        src, sob = sens.get("src", {}), sens.get("sobol") or {"first": {}, "total": {}}
        top = {s["input"]: s for s in sens.get("scenarios", {}).get("top", [])}
        bottom = {s["input"]: s for s in sens.get("scenarios", {}).get("bottom", [])}
        rows = []
        for inp, rho in sorted(spear.items(), key=lambda kv: -abs(kv[1] or 0)):
            rows.append(
                f"<tr>{_name(_named(inp, names))}{_td(rho, f'{key}/spearman/{inp}')}"
                f"{_td(out['contribution_to_variance'].get(inp), f'{key}/contribution/{inp}')}"
                f"{_td(src.get(inp))}{_td(sob['first'].get(inp))}{_td(sob['total'].get(inp))}"
                f"{_td(top[inp]['median_shift'] if inp in top else None)}"
                f"{_td(bottom[inp]['median_shift'] if inp in bottom else None)}</tr>")
        cap = (f"R² of the linear fit {_fmt(sens.get('r2'))}; scenario columns: median shift "
               "of the input (in its standard deviations) when the output is in its top or "
               "bottom 10%")
        if correlated:
            cap += "; the inputs are correlated: read the Sobol indices as indicative only"
        if "sensitivity_trials" in extra:
            cap += f"; SRC, Sobol and scenarios over the first {extra['sensitivity_trials']:,} kept trials"
        if "subsample_stride" in extra:
            cap += f"; measured on every {extra['subsample_stride']}th trial"
        parts.append("<h3>Sensitivity</h3>" + _table(
            ["input", "Spearman", "contribution", "SRC", "Sobol first", "Sobol total",
             "top 10%", "bottom 10%"], rows, cap))
    return "".join(parts), figs


def render_html(data: dict[str, Any]) -> str:
    """The report page as a string (see :func:`report_data`)."""
    from plotly.offline import get_plotlyjs

    body, figures = [_run_section(data), _statistics_section(data)], {}
    for idx, (name, out) in enumerate(data["result"]["outputs"].items()):
        part, figs = _output_section(name, idx, out, data["extra"].get(name, {}),
                                     bool(data["correlations"]), data.get("simtable"),
                                     data.get("names"))
        body.append(part)
        figures.update(figs)
    body.append(_inputs_section(data))
    title = f"Simulation report: {data['book']}" if data["book"] else "Simulation report"
    r = data["result"]
    subtitle = (f"{r['trials']:,} trials, seed {r['seed']}, {r['sampling']} sampling, "
                f"{r['backend']} backend; mcdesk {data['version']}, {data['created']}")
    figures_json = json.dumps(figures, allow_nan=False).replace("</", "<\\/")
    return PAGE.substitute(title=html.escape(title), subtitle=html.escape(subtitle),
                           version=html.escape(str(data["version"])), body="".join(body),
                           plotlyjs=get_plotlyjs(), figures=figures_json)


def write_html(path: str | Path, data: dict[str, Any]) -> Path:
    p = Path(path)
    try:
        p.write_text(render_html(data), encoding="utf-8")
    except OSError as exc:
        raise McdeskError(f"cannot write report {p}: {exc.strerror or exc}") from exc
    return p


# ------------------------------------------------------------------------ XLSX
def _summary_rows(data: dict[str, Any]) -> list[list[Any]]:
    outs = data["result"]["outputs"]
    names = list(outs)
    given = data.get("names") or {}
    rows: list[list[Any]] = [["statistic", *names]]
    if any(given.get(n) for n in names):  # the outputs' names under their addresses
        rows.append(["name", *[given.get(n) for n in names]])
    rows += [[s, *[outs[n].get(s) for n in names]] for s in STATS]
    rows += [[f"P{p}", *[outs[n]["percentiles"].get(p) for n in names]]
             for p in SHOWN_PERCENTILES]
    return rows


def _fill(ws: Any, rows: list[list[Any]], start_row: int = 1) -> int:
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            ws.cell(row=start_row + i, column=1 + j, value=v)
    return start_row + len(rows)


def _run_rows(data: dict[str, Any]) -> list[list[Any]]:
    r = data["result"]
    return [["workbook", data["book"]], ["trials", r["trials"]], ["seed", r["seed"]],
            ["sampling", r["sampling"]], ["backend", r["backend"]],
            ["elapsed (s)", r["elapsed_s"]], ["mcdesk version", data["version"]],
            ["created", data["created"]]]


def write_xlsx(path: str | Path, data: dict[str, Any]) -> Path:
    """Summary (run settings, statistics, percentiles), all 99 percentiles, risk,
    sensitivity, the workbook's statistics cells (when it has any) and inputs, one sheet
    each."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    row = _fill(ws, _run_rows(data)) + 1
    _fill(ws, _summary_rows(data), row)
    outs = data["result"]["outputs"]
    names = list(outs)
    pct = wb.create_sheet("Percentiles")
    keys = list(next(iter(outs.values()))["percentiles"]) if outs else []
    _fill(pct, [["percentile", *names],
                *[[int(k), *[outs[n]["percentiles"][k] for n in names]] for k in keys]])
    risk = wb.create_sheet("Risk")
    rrows: list[list[Any]] = [["output", "level", "VaR", "VaR 95% low", "VaR 95% high", "CVaR",
                               "CVaR 95% low", "CVaR 95% high"]]
    sens = wb.create_sheet("Sensitivity")
    srows: list[list[Any]] = [["output", "input", "Spearman", "contribution", "SRC",
                               "Sobol first", "Sobol total", "output name", "input name"]]
    given = data.get("names") or {}
    for n in names:
        ex = data["extra"].get(n, {})
        for lv, v in (ex.get("risk") or {}).get("var", {}).items():
            c = ex["risk"]["cvar"][lv]
            rrows.append([n, float(lv) / 100, v["value"], *v["ci95"], c["value"], *c["ci95"]])
        s = ex.get("sensitivity") or {}
        sob = s.get("sobol") or {"first": {}, "total": {}}
        for inp, rho in (outs[n].get("sensitivity") or {}).items():
            srows.append([n, inp, rho, outs[n]["contribution_to_variance"].get(inp),
                          s.get("src", {}).get(inp), sob["first"].get(inp),
                          sob["total"].get(inp), given.get(n), given.get(inp)])
    _fill(risk, rrows)
    _fill(sens, srows)
    stats = data.get("statistics") or {}
    if stats:
        st = wb.create_sheet("Statistics cells")
        _fill(st, [["cell", "name", "formula", "value", "note"],
                   *[[cell, got.get("name"), None,
                      got.get("value") if got.get("value") is not None else _statistic_shown(got),
                      got.get("note")] for cell, got in stats.items()]])
        for row, got in enumerate(stats.values(), start=2):  # the formula as text, not run
            c = st.cell(row=row, column=3, value="=" + str(got.get("formula") or "").lstrip("="))
            c.data_type = "s"
    inp = wb.create_sheet("Inputs")
    _fill(inp, [["cell", "distribution", "parameters", "name"],
                *[[i["cell"], i["distribution"], json.dumps(i["params"]),
                   given.get(i["cell"]) or i.get("name")] for i in data["inputs"]]])
    p = Path(path)
    try:
        wb.save(p)
    except OSError as exc:
        raise McdeskError(f"cannot write {p}: {exc.strerror or exc}") from exc
    return p


def write_results_workbook(book: str | Path, path: str | Path, data: dict[str, Any]) -> Path:
    """A copy of ``book`` with a sheet of results (run settings, statistics, percentiles)
    after the model's sheets; every part of the model (charts, pivot tables, styles) is
    copied as it is (:mod:`engine._results_sheet`)."""
    from ._results_sheet import add_sheet_copy

    src, dst = Path(book), Path(path)
    if src.resolve() == dst.resolve():
        raise McdeskError(f"{dst}: the results copy must not overwrite the model's workbook")
    rows = [*_run_rows(data), [], *_summary_rows(data)]
    add_sheet_copy(src, dst, RESULTS_SHEET, rows)
    return dst
