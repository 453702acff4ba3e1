"""What one user has open: a workbook, its inputs and outputs, the run settings, the result.

Every change is validated first and applied only when valid, so a bad entry (an unreadable
file, min > max, zero trials) leaves what was there intact.  No UI code here: the pages call
these methods and show the :class:`~engine.errors.McdeskError` messages they raise.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.backends import Backend, available_backends, get_backend
from engine.distributions import Distribution
from engine.errors import McdeskError, SpecError
from engine.model import Model
from engine.results import SimulationResult
from engine.sampling import Sampling
from engine.simulate import _constant, prepare, simulate
from engine.spec import DEFAULT_SEED, MAX_SEED, MAX_TRIALS, InputSpec, SimulationSpec
from engine.workbook import CellRef, Limits

log = logging.getLogger(__name__)

__all__ = ["RunProgress", "RunSettings", "Workspace", "BACKEND_LABELS"]

RANDOM_FUNCTIONS = frozenset({"RAND", "RANDBETWEEN", "RANDARRAY"})
BACKEND_LABELS = {"auto": "Auto", "numba": "CPU", "cupy": "GPU", "remote": "Remote GPU"}


MAX_MISSING = 200_000  # formula cells computed at open when the file has no cached values


def missing_values(model: Model) -> dict[CellRef, object]:
    """Values of the formula cells the file holds no cached value for (saved by a script, or
    rewritten by openpyxl), computed once, so the grid and the suggestions can show them."""
    book = model.workbook
    missing = [c for c in book.formula_cells() if getattr(book.cell(c), "value", 0) is None]
    if not missing or len(missing) > MAX_MISSING:
        return {}
    try:
        values, _ = model.evaluate(missing)
    except McdeskError as exc:
        log.info("values of formulas without a cached value not computed: %s", exc)
        return {}
    return {c: values[c].scalar() for c in missing if c in values}


def warm_numba(model: Model, spec: SimulationSpec) -> threading.Thread | None:
    """Compile the model's numba kernel in the background (into numba's disk cache), so that
    the next run on ``auto`` finds it compiled and uses numba instead of numpy.  ``auto``
    runs small jobs on numpy rather than wait 10-40 s for a first compile; in the app the
    compile then happens while the user reads the results."""
    if "numba" not in available_backends():
        return None

    def compile_kernel() -> None:
        from engine.backends.numba import NumbaBackend  # noqa: PLC0415 - optional, heavy

        try:  # its own copy of the model: nothing shared with the runs of the page
            NumbaBackend().prepare(prepare(Model.open(model.workbook.path), spec))
        except Exception as exc:  # noqa: BLE001 - warming is best effort; numpy still works
            log.info("numba kernel not compiled in the background: %r", exc)

    thread = threading.Thread(target=compile_kernel, name="mcdesk-warm-numba", daemon=True)
    thread.start()
    return thread


@dataclass
class RunSettings:
    trials: int = 10_000
    seed: int = DEFAULT_SEED
    sampling: str = "mc"
    backend: str = "auto"

    def validated(self) -> RunSettings:
        """A checked copy (SpecError naming the field otherwise)."""
        trials: Any = self.trials  # as typed in the page: 1e4 is fine, 0.5 is not
        seed: Any = self.seed
        if isinstance(trials, float) and trials.is_integer():
            trials = int(trials)
        if isinstance(seed, float) and seed.is_integer():
            seed = int(seed)
        if not isinstance(trials, int) or isinstance(trials, bool) or not 1 <= trials <= MAX_TRIALS:
            raise SpecError(f"Trials must be a whole number from 1 to {MAX_TRIALS:,}, got {self.trials!r}")
        if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
            raise SpecError(f"Seed must be a whole number from 0 to {MAX_SEED}, got {self.seed!r}")
        sampling = Sampling(self.sampling).value if self.sampling in ("mc", "lhs") else None
        if sampling is None:
            raise SpecError(f"Sampling must be mc or lhs, got {self.sampling!r}")
        if self.backend not in BACKEND_LABELS:
            raise SpecError(f"Backend must be one of {', '.join(BACKEND_LABELS)}, got {self.backend!r}")
        return RunSettings(trials, seed, sampling, self.backend)


@dataclass
class RunProgress:
    """Shared between the run's thread and the page's timer."""

    done: int = 0
    total: int = 0
    started: float = 0.0
    running: bool = False
    cancel_requested: threading.Event = field(default_factory=threading.Event)

    def update(self, done: int, total: int) -> None:
        """Trials done so far; never moves back (a remote run reports from several shards
        and from the engine, which may briefly disagree)."""
        self.done, self.total = max(self.done, done), total

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0

    def rate(self) -> float:
        elapsed = time.perf_counter() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def seconds_left(self) -> float | None:
        r = self.rate()
        return (self.total - self.done) / r if r > 0 else None


@dataclass
class Workspace:
    """One user's open workbook and everything set on it."""

    limits: Limits = field(default_factory=Limits)
    model: Model | None = None
    book_path: Path | None = None
    book_name: str = ""
    inputs: dict[str, InputSpec] = field(default_factory=dict)  # keyed by canonical cell
    outputs: list[str] = field(default_factory=list)
    settings: RunSettings = field(default_factory=RunSettings)
    result: SimulationResult | None = None
    progress: RunProgress = field(default_factory=RunProgress)
    remote: Callable[[], Backend] | None = None  # makes the remote backend when configured
    computed: dict[CellRef, object] = field(default_factory=dict)  # see missing_values
    _random: list[str] | None = field(default=None, repr=False)
    warm_thread: threading.Thread | None = field(default=None, repr=False)

    # ------------------------------------------------------------ workbook
    def open(self, path: Path, name: str | None = None) -> None:
        """Open a workbook; on any error the one already open stays as it was."""
        model = Model.open(path, self.limits)
        computed = missing_values(model)
        self.model, self.book_path, self.book_name = model, Path(path), name or Path(path).name
        self.inputs, self.outputs, self.result, self._random = {}, [], None, None
        self.computed = computed
        log.info("opened %s (%d sheets)", self.book_name, len(model.workbook.sheets))

    def value(self, ref: CellRef) -> object:
        """What a cell shows: its constant or cached value, else the value computed here."""
        cell = self.require_model().workbook.cell(ref)
        if cell is None:
            return None
        return cell.value if cell.value is not None else self.computed.get(ref)

    def require_model(self) -> Model:
        if self.model is None:
            raise SpecError("Open a workbook first")
        return self.model

    def cell(self, text: str) -> CellRef:
        """A cell address typed or clicked by the user, checked against the workbook."""
        return self.require_model().ref(text)

    def random_cells(self) -> list[str]:
        """Cells whose formula draws its own random numbers (RAND, RANDBETWEEN): the engine
        gives each its own stream, so they are inputs already."""
        model = self.require_model()
        out = []
        for c in model.workbook.formula_cells():
            try:
                if model.code(c).info.volatile & RANDOM_FUNCTIONS:
                    out.append(str(c))
            except McdeskError:
                continue
        return out

    def random_cells_cached(self) -> list[str]:
        if self._random is None:
            self._random = self.random_cells() if self.model is not None else []
        return self._random

    # ------------------------------------------------------------ inputs / outputs
    def make_input(self, cell: str, kind: str, params: dict) -> InputSpec:
        """A checked input (its references resolved against the workbook), not yet added."""
        model = self.require_model()
        ref = self.cell(cell)
        if model.workbook.sheets[ref.sheet].cells.get((ref.row, ref.col)) is None:
            raise SpecError(f"{ref}: the cell is empty; choose a cell that holds a value")
        inp = InputSpec(str(ref), kind, dict(params))
        self.distribution(inp)
        return inp

    def distribution(self, inp: InputSpec) -> Distribution:
        """The input's distribution, its cell references read from the workbook."""
        model = self.require_model()
        sheet = model.ref(inp.cell).sheet
        return inp.resolve(lambda text: _constant(model, text, sheet))

    def set_input(self, cell: str, kind: str, params: dict) -> InputSpec:
        inp = self.make_input(cell, kind, params)
        self.inputs[inp.cell] = inp
        return inp

    def remove_input(self, cell: str) -> None:
        self.inputs.pop(str(self.cell(cell)), None)

    def add_output(self, cell: str) -> str:
        model = self.require_model()
        ref = self.cell(cell)
        if model.workbook.cell(ref) is None:
            raise SpecError(f"{ref}: the cell is empty; an output must hold a formula or value")
        name = str(ref)
        if name not in self.outputs:
            self.outputs.append(name)
        return name

    def remove_output(self, cell: str) -> None:
        name = str(self.cell(cell))
        self.outputs = [o for o in self.outputs if o != name]

    # ------------------------------------------------------------ run
    def spec(self) -> SimulationSpec:
        s = self.settings.validated()
        return SimulationSpec(inputs=list(self.inputs.values()), outputs=list(self.outputs),
                              trials=s.trials, seed=s.seed, sampling=Sampling(s.sampling))

    def backend(self) -> Backend:
        name = self.settings.backend
        if name == "remote":
            if self.remote is None:
                raise SpecError("Remote GPU: no service is configured (set MCDESK_REMOTE_URL "
                                "and MCDESK_REMOTE_TOKEN)")
            return self.remote()
        return get_backend(name)

    def check_run(self) -> tuple[Model, SimulationSpec]:
        """Everything a run needs, checked (SpecError naming what is missing)."""
        model = self.require_model()
        spec = self.spec()
        if not spec.outputs:
            raise SpecError("Add at least one output: select a cell, then 'Add output'")
        spec.validate(require_outputs=True)
        return model, spec

    def run(self) -> SimulationResult:
        """Run the simulation (blocking: call it off the event loop).  The result replaces
        the previous one only when the run finished; a cancelled run changes nothing."""
        model, spec = self.check_run()
        backend = self.backend()  # before ``running``: a backend that cannot start leaves it False
        prog = self.progress
        prog.cancel_requested.clear()
        prog.done, prog.total, prog.started, prog.running = 0, spec.trials, time.perf_counter(), True
        try:
            result = simulate(model, spec, backend=backend, progress=prog.update,
                              cancel=prog.cancel_requested.is_set)
        finally:
            prog.running = False
            backend.close()
        self.result = result
        if self.settings.backend == "auto" and result.backend == "numpy":
            self.warm_thread = warm_numba(model, spec)
        return result

    def cancel(self) -> None:
        self.progress.cancel_requested.set()

