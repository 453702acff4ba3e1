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

from .workspace import BACKEND_LABELS, Workspace

log = logging.getLogger(__name__)

__all__ = ["RunPanel", "done_text", "gpu_usable", "progress_text"]


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


def done_text(result: Any, timing: Any, total_s: float) -> str:
    """The line shown when a run is done: the whole time from the click to the charts, and
    where it went."""
    text = f"Done in {total_s:.3g} s: {result.trials:,} trials"
    if timing is not None:
        text += f" ({timing.text()})"
    if result.trials_per_s and result.trials_per_s != float("inf"):
        text += f"; {result.trials_per_s:,.0f} trials/s on {result.backend}"
    return text


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
    def __init__(self, ws: Workspace, finished: Callable[[], None], remote_ready: bool) -> None:
        self.ws = ws
        self.finished = finished
        s = ws.settings
        with ui.row().classes("w-full gap-2 items-end"):
            self.trials = ui.number("Trials", value=s.trials, min=1, step=1000, format="%d").classes(
                "w-32").mark("trials")
            self.seed = ui.number("Seed", value=s.seed, min=0, step=1, format="%d").classes(
                "w-24").mark("seed")
            self.sampling = ui.toggle({"mc": "MC", "lhs": "Latin hypercube"}, value=s.sampling).props(
                "dense no-caps").mark("sampling")
        disabled = {k: why for k, ok, why in (("cupy", gpu_usable(), "no GPU here"),
                                                ("remote", remote_ready, "no service configured"))
                    if not ok}
        self.backend = BackendSelect(disabled, value=s.backend if s.backend not in disabled else "auto"
                                     ).classes("w-56").mark("backend")
        with ui.row().classes("w-full gap-2 items-center"):
            self.run_button = ui.button("Run", icon="play_arrow", on_click=self.start).mark("run")
            self.cancel_button = ui.button("Cancel", icon="stop", on_click=self.cancel).props(
                "outline color=negative").mark("cancel")
            self.cancel_button.disable()
        self.bar = ui.linear_progress(value=0, show_value=False).classes("w-full").mark("progress")
        self.status = ui.label("").classes("text-sm text-gray-600").mark("run-status")
        self.timer = ui.timer(0.25, self._tick, active=False)

    def read_settings(self) -> None:
        """Copy the fields into the workspace (checked when the run starts)."""
        s = self.ws.settings
        s.trials = _whole(self.trials.value)
        s.seed = _whole(self.seed.value)
        s.sampling = self.sampling.value
        s.backend = self.backend.value

    def show_settings(self) -> None:
        s = self.ws.settings
        self.trials.set_value(s.trials)
        self.seed.set_value(s.seed)
        self.sampling.set_value(s.sampling)
        self.backend.set_value(s.backend)

    async def start(self) -> None:
        if self.ws.progress.running:
            return
        self.read_settings()
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
            self.status.text = done_text(result, timing, time.perf_counter() - clicked)
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
