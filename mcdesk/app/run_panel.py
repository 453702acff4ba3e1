"""Run settings, the Run and Cancel buttons, and the progress of a run.

The run goes to a worker thread (``run.io_bound``); a timer on the page reads its progress,
so the page stays responsive and Cancel works while it runs.
"""

from __future__ import annotations

import importlib.util
import logging
import time
from collections.abc import Callable
from typing import Any

from nicegui import run, ui

from engine.errors import CancelledError, McdeskError

from .charts import named
from .workspace import BACKEND_LABELS, PRECISION_STATISTICS, Workspace, warm_backends

log = logging.getLogger(__name__)

__all__ = ["RunPanel", "done_text", "gpu_usable", "precision_text", "progress_text"]


def gpu_usable() -> bool:
    """A CUDA device is present and CuPy can allocate on it."""
    if importlib.util.find_spec("cupy") is None:
        return False
    try:
        import cupy

        cupy.zeros(1)
        return True
    except Exception:  # noqa: BLE001 - any CUDA failure means: no usable GPU
        return False


def progress_text(done: int, total: int, rate: float, left: float | None) -> str:
    text = f"{done:,} / {total:,} trials"
    if rate > 0:
        text += f" · {rate:,.0f} trials/s"
    if left is not None and done < total:
        text += f" · {left:,.0f} s left" if left >= 1 else " · under a second left"
    return text


def done_text(result: Any, timing: Any, total_s: float, simtable: Any = None,
              labels: dict[str, str] | None = None) -> str:
    """The line shown when a run is done: the whole time from the click to the charts, and
    where it went; whether a precision run met its targets; the simtable's runs."""
    text = f"Done in {total_s:.3g} s: {result.trials:,} trials"
    if timing is not None:
        text += f" ({timing.text()})"
    if result.trials_per_s and result.trials_per_s != float("inf"):
        text += f"; {result.trials_per_s:,.0f} trials/s on {result.backend}"
    p = getattr(result, "precision", None)
    if p:
        text += "; " + precision_text(p, labels)
    if simtable is not None:
        text += f"; simtable {simtable.cell}: {len(simtable.results)} runs"
    return text


def precision_text(p: dict[str, Any], labels: dict[str, str] | None = None) -> str:
    """``precision met after 23,000 trials: NPV (Summary!B2) mean ±0.41`` or NOT met at
    the cap: each target by its output's name (``labels``), the address in parentheses."""
    where = ", ".join(f"{named(t['output'], labels or {})} {t['statistic']}"
                      + (f" ±{t['half_width']:.4g}" if t["half_width"] is not None else "")
                      for t in p["targets"])
    if p["converged"]:
        return f"precision met after {p['trials']:,} trials: {where}"
    return f"precision NOT met at the cap of {p['cap']:,} trials: {where}"


class BackendSelect(ui.select):
    """The backend choice; backends not usable here are greyed out with the reason."""

    def __init__(self, disabled: dict[str, str], value: str) -> None:
        self.disabled = disabled
        labels = {k: label + (f" ({disabled[k]})" if k in disabled else "")
                  for k, label in BACKEND_LABELS.items()}
        super().__init__(labels, value=value, label="Backend")

    def _update_options(self) -> None:
        super()._update_options()
        for option, value in zip(self._props["options"], self._values, strict=True):
            option["disable"] = value in self.disabled


class RunPanel:
    """Trials, seed, sampling, backend, Run and Cancel on top (visible without scrolling),
    then precision control and a simtable in folded sections.  Every field is copied into
    the workspace as it changes, so a reload or a reconnect loses nothing typed."""

    def __init__(self, ws: Workspace, finished: Callable[[], None], remote_ready: bool,
                 timed: Callable[[], None] | None = None) -> None:
        warm_backends()  # started with the app process already (pages.register)
        if ws.result is None:  # the first run of this page: its kernel loaded meanwhile
            ws.warm_kernel()
        self.ws = ws
        self.finished = finished
        self.timed = timed  # told when the charts' time is known (after ``finished``)
        s = ws.settings
        keep = self.read_settings
        with ui.row().classes("w-full gap-2 items-end no-wrap"):
            self.trials = ui.number("Trials", value=s.trials, min=1, step=1000, format="%d",
                                    on_change=keep).classes("w-28").props("dense").mark("trials")
            self.seed = ui.number("Seed", value=s.seed, min=0, step=1, format="%d",
                                  on_change=keep).classes("w-20").props("dense").mark("seed")
            self.sampling = ui.toggle({"mc": "MC", "lhs": "LHS"}, value=s.sampling,
                                      on_change=keep).props("dense no-caps").mark("sampling")
        disabled = {k: why for k, ok, why in (("cupy", gpu_usable(), "no GPU here"),
                                                ("remote", remote_ready, "no service configured"))
                    if not ok}
        with ui.row().classes("w-full gap-2 items-center no-wrap"):
            self.backend = BackendSelect(disabled, value=s.backend if s.backend not in disabled
                                         else "auto").classes("w-40").props("dense").mark("backend")
            self.backend.on_value_change(keep)
            self.run_button = ui.button("Run", icon="play_arrow", on_click=self.start).mark("run")
            self.cancel_button = ui.button("Cancel", icon="stop", on_click=self.cancel).props(
                "outline color=negative").mark("cancel")
            self.cancel_button.disable()
        self.bar = ui.linear_progress(value=0, show_value=False).classes("w-full").mark("progress")
        self.status = ui.label("").classes("text-sm text-gray-600").mark("run-status")
        p = s.precision
        with ui.expansion("Stop at a precision", icon="track_changes",
                          value=p.enabled).classes("w-full").props("dense").mark("precision"):
            self.precise = ui.switch("Run until precise (Trials is then the cap)",
                                     value=p.enabled, on_change=keep).mark("precision-on")
            with ui.row().classes("w-full gap-2 items-end no-wrap"):
                self.p_stats = ui.select({k: k.upper() if k != "mean" else "mean"
                                          for k in PRECISION_STATISTICS},
                                         value=list(p.statistics), multiple=True,
                                         label="Statistics", on_change=keep).classes(
                    "w-40").props("dense use-chips").mark("precision-stats")
                self.p_tol = ui.number("Tolerance (±, 95%)", value=p.tolerance, min=0,
                                       on_change=keep).classes("w-32").props("dense").mark(
                    "precision-tolerance")
                self.p_rel = ui.toggle({True: "%", False: "abs."}, value=p.relative,
                                       on_change=keep).props("dense no-caps").mark(
                    "precision-relative")
            self.p_outputs = ui.select({}, value=[], multiple=True,
                                       label="Outputs (none chosen: all)",
                                       on_change=keep).classes("w-full").props(
                "dense use-chips").mark("precision-outputs")
        t = s.simtable
        with ui.expansion("Simtable: one run per value of a cell", icon="table_rows",
                          value=bool(t.cell)).classes("w-full").props("dense").mark("simtable"):
            with ui.row().classes("w-full gap-2 items-end no-wrap"):
                self.t_cell = ui.input("Control cell", value=t.cell, placeholder="Inputs!D4",
                                       on_change=keep).classes("w-32").props("dense").mark(
                    "simtable-cell")
                self.t_values = ui.input("Values", value=t.values, placeholder="0.05, 0.07, 0.09",
                                         on_change=keep).classes("grow").props("dense").mark(
                    "simtable-values")
        self.timer = ui.timer(0.25, self._tick, active=False)
        self._showing = False
        self.refresh_outputs()

    def refresh_outputs(self) -> None:
        """The outputs precision control can watch (after outputs were added or removed)."""
        labels = self.ws.labels(self.ws.outputs)
        self.p_outputs.set_options({o: labels.get(o) or o for o in self.ws.outputs},
                                   value=[o for o in self.ws.settings.precision.outputs
                                          if o in self.ws.outputs])

    def read_settings(self) -> None:
        """Copy the fields into the workspace (checked when the run starts)."""
        if getattr(self, "_showing", True):  # fields being filled from the workspace
            return
        s = self.ws.settings
        s.trials = _whole(self.trials.value)
        s.seed = _whole(self.seed.value)
        s.sampling = self.sampling.value
        s.backend = self.backend.value
        p = s.precision
        p.enabled = bool(self.precise.value)
        p.statistics = list(self.p_stats.value or [])
        p.tolerance = self.p_tol.value
        p.relative = bool(self.p_rel.value)
        p.outputs = list(self.p_outputs.value or [])
        s.simtable.cell = self.t_cell.value or ""
        s.simtable.values = self.t_values.value or ""

    def show_settings(self) -> None:
        s = self.ws.settings
        self._showing = True
        try:
            self.trials.set_value(s.trials)
            self.seed.set_value(s.seed)
            self.sampling.set_value(s.sampling)
            self.backend.set_value(s.backend)
            p = s.precision
            self.precise.set_value(p.enabled)
            self.p_stats.set_value(list(p.statistics))
            self.p_tol.set_value(p.tolerance)
            self.p_rel.set_value(p.relative)
            self.refresh_outputs()
            self.t_cell.set_value(s.simtable.cell)
            self.t_values.set_value(s.simtable.values)
        finally:
            self._showing = False

    async def start(self) -> None:
        if self.ws.progress.running:
            return
        try:
            self.ws.check_run()
        except McdeskError as exc:
            ui.notify(str(exc), type="negative")
            self.status.text = str(exc)
            return
        idle = self.ws.inputs_without_effect()
        if idle:
            ui.notify(f"{', '.join(idle)}: no output reads {'it' if len(idle) == 1 else 'them'}; "
                      "the run samples them for nothing", type="warning")
        clicked = time.perf_counter()
        self.run_button.disable()
        self.cancel_button.enable()
        self.bar.set_value(0)
        self.status.text = "Starting..."
        self.timer.activate()
        try:
            result = await run.io_bound(self.ws.run)
        except CancelledError as exc:
            self.status.text = f"Cancelled: {exc}; the previous results are kept"
            ui.notify(f"Run {exc}", type="warning")
        except McdeskError as exc:
            self.status.text = f"Run failed: {exc}"
            ui.notify(str(exc), type="negative")
        except Exception as exc:  # noqa: BLE001 - report, keep the page alive
            log.exception("run failed")
            self.status.text = f"Run failed unexpectedly: {exc!r}"
            ui.notify(f"Run failed unexpectedly: {exc!r}", type="negative")
        else:
            if result is None:  # the app is shutting down
                return
            self.bar.set_value(1.0)
            t = time.perf_counter()
            self.finished()
            timing = self.ws.timing
            if timing is not None:
                timing.charts_s = time.perf_counter() - t
                if self.timed is not None:
                    self.timed()
            self.status.text = done_text(result, timing, time.perf_counter() - clicked,
                                         self.ws.simtable, self.ws.labels(list(result.outputs)))
        finally:
            self.timer.deactivate()
            self.run_button.enable()
            self.cancel_button.disable()

    def cancel(self) -> None:
        self.ws.cancel()
        self.status.text = "Cancelling..."

    def _tick(self) -> None:
        p = self.ws.progress
        if not p.running or not p.total:
            return
        self.bar.set_value(p.fraction)
        if p.done and p.done < p.total:
            self.status.text = progress_text(p.done, p.total, p.rate(), p.seconds_left())
        elif p.phase:  # preparing, compiling, or the statistics after the last trial
            self.status.text = p.phase if not p.done else \
                f"{progress_text(p.done, p.total, 0.0, None)} · {p.phase}"


def _whole(x: Any) -> Any:
    """A whole number from a ui.number (floats like 1e4 become ints; the rest is left for
    the workspace's check to report)."""
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return x
