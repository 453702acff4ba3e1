"""What one user has open: a workbook, its inputs and outputs, the run settings, the result.

Every change is validated first and applied only when valid, so a bad entry (an unreadable
file, min > max, zero trials) leaves what was there intact.  No UI code here: the pages call
these methods and show the :class:`~engine.errors.McdeskError` messages they raise.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from engine.addin_models import addin_book, simulation_model, statistic_values
from engine.backends import Backend, available_backends, get_backend
from engine.distributions import Distribution
from engine.errors import McdeskError, SpecError
from engine.labels import cell_label
from engine.model import Model
from engine.reach import inputs_reaching
from engine.results import SimulationResult
from engine.sampling import Sampling
from engine.simulate import _constant, prepare, run_job, summarize
from engine.spec import (
    DEFAULT_SEED,
    MAX_SEED,
    MAX_TRIALS,
    CorrelationSpec,
    InputSpec,
    SimulationSpec,
)
from engine.workbook import CellRef, Limits

log = logging.getLogger(__name__)

__all__ = ["BACKEND_LABELS", "warm_backends", "warm_kernel", "PRECISION_STATISTICS", "PrecisionSettings", "RunProgress",
           "RunSettings", "RunTiming", "Simtable", "SimtableSettings", "ViewState", "Workspace",
           "will_compile"]

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


_backends_warmed = threading.Event()


def warm_backends() -> None:
    """Import the backends once per process, in a daemon thread, while the user sets up a
    run (the registry imports every backend package on first use: 2-3 s that would
    otherwise open the first run)."""
    if _backends_warmed.is_set():
        return
    _backends_warmed.set()

    def load() -> None:
        try:
            available_backends()
        except Exception as exc:  # noqa: BLE001 - best effort; the run reports real errors
            log.info("backends not loaded in the background: %r", exc)

    threading.Thread(target=load, name="mcdesk-warm-backends", daemon=True).start()


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



_kernels_warmed: weakref.WeakKeyDictionary[Model, set[str]] = weakref.WeakKeyDictionary()
_kernels_lock = threading.Lock()


def warm_kernel(model: Model, spec: SimulationSpec) -> threading.Thread | None:
    """Load the numba kernel of ``spec`` on ``model`` (the workspace's own, which the run
    uses next) from numba's disk cache in a daemon thread: the kernel plan is generated
    here and kept for the model (engine.backends.numba._plan_cache), so the run finds it
    instead of generating it again, and numba's runtime functions and the kernel are loaded
    in this process before the user clicks Run.  The run waits for this thread before it
    prepares (:meth:`Workspace.run`), so the two never prepare the model at once.  A kernel
    that is not compiled yet is left to the run (no compile here: it would compete with the
    run's own).  Once per model and spec (None when it was started already)."""
    key = json.dumps(spec.to_dict(), sort_keys=True, default=str)
    with _kernels_lock:
        done = _kernels_warmed.setdefault(model, set())
        if key in done:
            return None
        done.add(key)

    def load() -> None:
        try:
            if "numba" not in available_backends():
                return
            from engine.backends.numba import NumbaBackend  # noqa: PLC0415 - optional, heavy

            backend = NumbaBackend()
            job = prepare(model, spec)
            if backend.is_compiled(job):  # generates the plan, kept for the model
                backend.prepare(job)
        except Exception as exc:  # noqa: BLE001 - warming is best effort; the run reports errors
            log.info("numba kernel not loaded in the background: %r", exc)

    thread = threading.Thread(target=load, name="mcdesk-warm-kernel", daemon=True)
    thread.start()
    return thread

PRECISION_STATISTICS = ("mean", "p5", "p10", "p50", "p90", "p95")


@dataclass
class PrecisionSettings:
    """Run until the 95% half-width of each chosen statistic of each chosen output is within
    the tolerance (absolute, or a percentage of the statistic), at most ``trials`` trials:
    the CLI's ``--precision CELL:STAT:TOL``, one target per output and statistic."""

    enabled: bool = False
    outputs: list[str] = field(default_factory=list)       # none chosen: every output
    statistics: list[str] = field(default_factory=lambda: ["mean"])
    tolerance: float = 1.0
    relative: bool = True                                  # tolerance in % of the statistic

    def targets(self, outputs: list[str]) -> list[Any]:
        """The engine's precision targets (SpecError naming the bad field)."""
        from engine.precision import Target  # noqa: PLC0415

        tol: Any = self.tolerance
        if isinstance(tol, bool) or not isinstance(tol, int | float) or not tol > 0:
            raise SpecError(f"Precision: the tolerance must be a positive number, got {tol!r}")
        if not self.statistics:
            raise SpecError("Precision: choose the mean or a percentile to control")
        chosen = [o for o in self.outputs if o in outputs] or list(outputs)
        return [Target(o, stat, float(tol) / 100 if self.relative else float(tol), self.relative)
                for o in chosen for stat in self.statistics]

    def to_dict(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "outputs": list(self.outputs),
                "statistics": list(self.statistics), "tolerance": self.tolerance,
                "relative": self.relative}

    @classmethod
    def from_dict(cls, data: object) -> PrecisionSettings:
        if not isinstance(data, dict):
            raise SpecError("project: precision must be an object")
        out = cls(**{k: data[k] for k in ("enabled", "outputs", "statistics", "tolerance",
                                           "relative") if k in data})
        if not all(isinstance(x, str) for x in [*out.outputs, *out.statistics]):
            raise SpecError("project: precision outputs and statistics must be lists of text")
        return out


@dataclass
class SimtableSettings:
    """A control cell and its values: after the run, one simulation per value with the same
    random numbers (engine.scenarios.simtable), overlaid in the charts."""

    cell: str = ""
    values: str = ""   # as typed: "0.05, 0.07, 0.09"

    def parsed(self) -> tuple[str, list[float]] | None:
        """``(cell, values)``, None when no cell is given (SpecError naming a bad value)."""
        if not self.cell.strip():
            return None
        values = []
        for part in self.values.replace(";", ",").split(","):
            if not part.strip():
                continue
            try:
                values.append(float(part))
            except ValueError:
                raise SpecError(f"Simtable {self.cell}: {part.strip()!r} is not a number") from None
        if not values:
            raise SpecError(f"Simtable {self.cell}: give its values, e.g. 1, 2, 3")
        return self.cell.strip(), values


@dataclass
class Simtable:
    """A finished simtable: one result per value of the control cell."""

    cell: str
    values: list[float]
    results: list[SimulationResult]


@dataclass
class ViewState:
    """What the results page shows, kept in the workspace so a reload or a reconnect keeps
    it: the outputs chosen, the overlay (outputs or the simtable's runs), the delimiters."""

    tab: str = "Model"              # the page's tab: Model or Results
    selected: list[str] = field(default_factory=list)
    overlay: str = "outputs"        # "outputs" or "simtable"
    left: float | None = None       # probability delimiters, of the output ``delimited``
    right: float | None = None
    delimited: str | None = None
    targets: dict[str, float] = field(default_factory=dict)  # output -> target value


@dataclass
class RunSettings:
    trials: int = 10_000
    seed: int = DEFAULT_SEED
    sampling: str = "mc"
    backend: str = "auto"
    precision: PrecisionSettings = field(default_factory=PrecisionSettings)
    simtable: SimtableSettings = field(default_factory=SimtableSettings)

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
        return RunSettings(trials, seed, sampling, self.backend, self.precision, self.simtable)


def will_compile(backend: Backend, job: Any) -> bool:
    """Whether running ``job`` on ``backend`` will compile a kernel first (numba, when the
    kernel is not in its cache); False when it cannot tell."""
    try:
        chosen = backend.choose(job) if hasattr(backend, "choose") else backend
        is_compiled = getattr(chosen, "is_compiled", None)
        return is_compiled is not None and not is_compiled(job)
    except Exception as exc:  # noqa: BLE001 - a status line must never fail a run
        log.info("cannot tell whether the kernel is compiled: %r", exc)
        return False


@dataclass
class RunTiming:
    """Where a run's time went, in seconds: preparing the model (its formulas to a program,
    and for numba its kernel's code),
    the simulation (trials; ``compile_s`` of it compiling or loading the kernel), the
    statistics (percentiles, histograms, sensitivity, convergence) and, set by the page,
    building the charts."""

    prepare_s: float = 0.0
    simulate_s: float = 0.0
    compile_s: float = 0.0
    statistics_s: float = 0.0
    charts_s: float = 0.0
    simtable_s: float = 0.0   # the simtable's runs, when one was set
    start_s: float = 0.0      # checking the run and loading the backend (the first time)

    @property
    def total_s(self) -> float:
        return (self.start_s + self.prepare_s + self.simulate_s + self.statistics_s
                + self.simtable_s + self.charts_s)

    def text(self) -> str:
        """``"simulation 1.2 s (compiling 0.3 s), statistics 0.8 s, charts 0.2 s"``."""
        sim = f"simulation {_secs(self.simulate_s)}"
        if self.compile_s >= 0.05:
            sim += f" (compiling {_secs(self.compile_s)})"
        parts = [f"preparing {_secs(self.prepare_s)}", sim,
                 f"statistics {_secs(self.statistics_s)}"]
        if self.start_s >= 0.05:
            parts.insert(0, f"starting {_secs(self.start_s)}")
        if self.simtable_s:
            parts.append(f"simtable {_secs(self.simtable_s)}")
        parts.append(f"charts {_secs(self.charts_s)}")
        return ", ".join(parts)


def _secs(x: float) -> str:
    return f"{x:.2f} s" if x < 10 else f"{x:.1f} s"


@dataclass
class RunProgress:
    """Shared between the run's thread and the page's timer.  ``phase`` says what the run
    does while no trial count moves (preparing, compiling, statistics)."""

    done: int = 0
    total: int = 0
    started: float = 0.0
    running: bool = False
    phase: str = ""
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
    correlations: list[CorrelationSpec] = field(default_factory=list)  # rank correlations
    settings: RunSettings = field(default_factory=RunSettings)
    result: SimulationResult | None = None
    progress: RunProgress = field(default_factory=RunProgress)
    remote: Callable[[], Backend] | None = None  # makes the remote backend when configured
    computed: dict[CellRef, object] = field(default_factory=dict)  # see missing_values
    timing: RunTiming | None = None  # of the result shown
    simtable: Simtable | None = None  # of the result shown
    run_spec: SimulationSpec | None = None  # the spec the result shown was run with
    names: dict[str, str] = field(default_factory=dict)  # names the user gave cells
    # of the result shown: the workbook's statistics cells (RiskMean(B5)...), as
    # engine.addin_models.statistic_values gives them: {cell: {"formula", "value", "note"}}
    statistics: dict[str, dict[str, Any]] = field(default_factory=dict)
    view: ViewState = field(default_factory=ViewState)
    _labels: dict[str, str | None] = field(default_factory=dict, repr=False)
    _reach: dict[tuple, frozenset[str]] = field(default_factory=dict, repr=False)
    _random: list[str] | None = field(default=None, repr=False)
    warm_thread: threading.Thread | None = field(default=None, repr=False)
    # loading the kernel from the disk cache (warm_kernel): a run waits for it rather than
    # load the same runtime beside it (it never compiles, so the wait is short)
    kernel_thread: threading.Thread | None = field(default=None, repr=False)

    # ------------------------------------------------------------ workbook
    def open(self, path: Path, name: str | None = None) -> None:
        """Open a workbook; on any error the one already open stays as it was."""
        model = Model.open(path, self.limits)
        computed = missing_values(model)
        self.model, self.book_path, self.book_name = model, Path(path), name or Path(path).name
        self.inputs, self.outputs, self.result, self._random = {}, [], None, None
        self.simtable, self.names, self.view, self.run_spec = None, {}, ViewState(), None
        self.statistics = {}
        self.computed, self._labels, self._reach = computed, {}, {}
        book, self.correlations = addin_book(model), []
        if book is not None:  # built for @RISK / Analytic Solver / ModelRisk: its own definitions
            self.inputs = {i.cell: i for i in book.inputs}
            self.outputs, self.correlations = list(book.outputs), list(book.correlations)
        log.info("opened %s (%d sheets)", self.book_name, len(model.workbook.sheets))

    def value(self, ref: CellRef) -> object:
        """What a cell shows: its constant or cached value, else the value computed here."""
        cell = self.require_model().workbook.cell(ref)
        if cell is None:
            return None
        return cell.value if cell.value is not None else self.computed.get(ref)

    def number_format(self, cell: str) -> str:
        """The cell's number format code in the workbook ("General" when it has none)."""
        model = self.model
        if model is None:
            return "General"
        try:
            got = model.workbook.cell(model.ref(cell))
        except McdeskError:
            return "General"
        return getattr(got, "number_format", None) or "General"

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

    def label(self, cell: str) -> str | None:
        """The cell's name: the one the user gave it, else its input's name (RiskName, or
        "RiskUniform in Sheet!B7" for a distribution nested in a formula, whose cell is a
        slot the user never sees), else the name its add-in output mark gives it
        (RiskOutput("NPV")), else the label beside it (see engine.labels); None when it has
        none."""
        if self.names.get(cell):
            return self.names[cell]
        inp = self.inputs.get(cell)
        if inp is not None and inp.name:
            return inp.name
        book = addin_book(self.model) if self.model is not None else None
        if book is not None and book.outputs.get(cell):
            return book.outputs[cell]
        return self.auto_label(cell)

    def auto_label(self, cell: str) -> str | None:
        """The name read from the workbook: the label beside the cell."""
        if cell not in self._labels:
            model = self.model
            try:
                self._labels[cell] = None if model is None else cell_label(
                    model.workbook, model.ref(cell))
            except McdeskError:
                return None
        return self._labels[cell]

    def labels(self, cells: list[str]) -> dict[str, str]:
        """``{cell: name}`` for those of ``cells`` that have a name."""
        return {c: got for c in cells if (got := self.label(c))}

    def rename(self, cell: str, name: str) -> None:
        """Give ``cell`` a name (an empty name goes back to the workbook's label)."""
        key = str(self.cell(cell))
        name = " ".join(str(name).split())
        if len(name) > 120:
            raise SpecError(f"{key}: a name is at most 120 characters")
        if name and name != self.auto_label(key):
            self.names[key] = name
        else:
            self.names.pop(key, None)

    def inputs_without_effect(self) -> list[str]:
        """The inputs no output reads (none while there are no outputs)."""
        if self.model is None or not self.inputs or not self.outputs:
            return []
        inputs = tuple(self.inputs)
        read: set[str] = set()
        for o in self.outputs:
            read |= self._reaching(o, inputs)
        return [c for c in inputs if c not in read]

    def inputs_not_read_by(self, output: str, inputs: list[str]) -> list[str]:
        """Of ``inputs``, those ``output`` does not read (directly or through formulas)."""
        if self.model is None:
            return []
        read = self._reaching(output, tuple(inputs))
        return [c for c in inputs if c not in read]

    def _reaching(self, output: str, inputs: tuple[str, ...]) -> frozenset[str]:
        """The inputs ``output`` reads (all of them when that cannot be told), cached per
        workbook: the lists call it on every change."""
        key = (output, inputs)
        got = self._reach.get(key)
        if got is None:
            try:  # an add-in workbook as it runs: its nested distributions read from slots
                model = simulation_model(self.require_model())
                refs = {model.ref(c): c for c in inputs}
                got = frozenset(refs[r] for r in inputs_reaching(model, list(refs),
                                                                  model.ref(output)))
            except McdeskError as exc:
                log.info("input effects on %s not checked: %s", output, exc)
                got = frozenset(inputs)
            self._reach[key] = got
        return got

    # ------------------------------------------------------------ run
    def spec(self) -> SimulationSpec:
        s = self.settings.validated()
        spec = SimulationSpec(inputs=list(self.inputs.values()), outputs=list(self.outputs),
                              trials=s.trials, seed=s.seed, sampling=Sampling(s.sampling),
                              correlations=list(self.correlations))
        if s.precision.enabled and self.outputs:
            from engine.precision import PrecisionSpec  # noqa: PLC0415

            spec.precision = PrecisionSpec(s.precision.targets(list(self.outputs)))
        return spec

    def warm_kernel(self) -> threading.Thread | None:
        """Start loading the current run's numba kernel (:func:`warm_kernel`) when a numba
        run is set up (numba or auto backend, a workbook, outputs and valid settings)."""
        if self.model is None or not self.outputs or self.settings.backend not in ("numba", "auto"):
            return None
        try:
            spec = self.spec()
        except McdeskError:
            return None
        self.kernel_thread = warm_kernel(self.model, spec)
        return self.kernel_thread

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
        if spec.precision is not None:
            from engine.precision import monitor_for  # noqa: PLC0415

            monitor_for(model, spec)  # Latin hypercube or a bad target: said before the run
        table = self.settings.simtable.parsed()
        if table is not None:
            if self.settings.backend == "remote":
                raise SpecError("Simtable: runs in this process; choose another backend than "
                                "Remote GPU")
            from engine.scenarios import with_fixed  # noqa: PLC0415

            with_fixed(spec, str(model.ref(table[0])), table[1][0])  # the cell is no input
        return model, spec

    def run(self) -> SimulationResult:
        """Run the simulation (blocking: call it off the event loop).  The result replaces
        the previous one only when the run finished; a cancelled run changes nothing."""
        started = time.perf_counter()
        model, spec = self.check_run()
        backend = self.backend()  # before ``running``: a backend that cannot start leaves it False
        prog = self.progress
        prog.cancel_requested.clear()
        prog.done, prog.total, prog.started, prog.running = 0, spec.trials, time.perf_counter(), True
        if self.kernel_thread is not None:  # counted in "starting"
            prog.phase = "Starting..."
            self.kernel_thread.join()
            self.kernel_thread = None
        prog.phase = "Preparing the model..."
        timing = RunTiming()
        try:  # engine.simulate.simulate, phase by phase
            t0 = time.perf_counter()
            job = prepare(model, spec)
            prog.phase = ("Compiling the model (its first run)..." if will_compile(backend, job)
                          else "Starting...")
            t1 = time.perf_counter()
            monitor = None
            if spec.precision is not None:  # engine.simulate.simulate's precision path
                from engine.precision import monitor_for  # noqa: PLC0415

                monitor = monitor_for(model, spec)
            samples, elapsed = run_job(job, backend, progress=prog.update,
                                       cancel=prog.cancel_requested.is_set, stop=monitor,
                                       chunk_size=monitor and spec.precision.check_every)
            prog.phase = "Computing the statistics..."
            t2 = time.perf_counter()
            done = len(next(iter((samples.outputs32 if samples.streamed
                                  else samples.outputs).values())))
            if done < job.trials:
                job = replace(job, trials=done)
            result = summarize(job, samples, elapsed, backend.name)
            result.compile_s = float(backend.compile_seconds())
            if monitor is not None:
                result.precision = monitor.report()
            statistics = self._statistics_cells(model, result, spec)
            t3 = time.perf_counter()
            table = self._simtable(model, spec, result.trials) or \
                self._addin_simtable(model, spec, result)
            t4 = time.perf_counter()
        finally:
            prog.running = False
            backend.close()
        timing.start_s = t0 - started  # checks, and the backends' first import in a process
        timing.prepare_s, timing.simulate_s, timing.statistics_s = t1 - t0, t2 - t1, t3 - t2
        timing.simtable_s = t4 - t3 if table is not None else 0.0
        timing.compile_s = result.compile_s
        self.result, self.timing, self.simtable, self.run_spec = result, timing, table, spec
        self.statistics = statistics
        if self.settings.backend == "auto" and result.backend == "numpy":
            self.warm_thread = warm_numba(model, spec)
        return result

    def _simtable(self, model: Model, spec: SimulationSpec, trials: int) -> Simtable | None:
        """The simtable's runs (each of the main run's trial count, no precision control:
        the same trials in every run, so their samples of every input are identical)."""
        table = self.settings.simtable.parsed()
        if table is None:
            return None
        from engine.scenarios import with_fixed  # noqa: PLC0415

        cell, values = str(model.ref(table[0])), table[1]
        prog = self.progress
        results = []
        for k, v in enumerate(values):
            prog.phase = f"Simtable {cell} = {v:g} ({k + 1} of {len(values)})..."
            one = with_fixed(spec, cell, v)
            one.precision, one.trials = None, trials
            backend = get_backend(self.settings.backend)
            try:
                job = prepare(model, one)
                samples, elapsed = run_job(job, backend, cancel=prog.cancel_requested.is_set)
                results.append(summarize(job, samples, elapsed, backend.name))
            finally:
                backend.close()
        return Simtable(cell, values, results)

    @staticmethod
    def _statistics_cells(model: Model, result: SimulationResult,
                          spec: SimulationSpec) -> dict[str, dict[str, Any]]:
        """The workbook's statistics cells computed from ``result`` ({} when it has none, or
        when they cannot be computed: logged, the run's result still shown); ``spec`` for the
        inputs declared in the app that an add-in input's parameter may read."""
        try:
            return statistic_values(model, result, spec)
        except McdeskError as exc:
            log.warning("statistics cells not computed: %s", exc)
            return {}

    def _addin_simtable(self, model: Model, spec: SimulationSpec,
                        first: SimulationResult) -> Simtable | None:
        """The workbook's own simtable (RiskSimtable, PsiSimParam): one simulation per value
        of its list, the first being the run just done (as the CLI's RESULT.json
        ``simtable``); its cell is the one calling the simtable function.  The other runs
        are of the first's trial count, in this process (``auto`` when the run was
        remote)."""
        book = addin_book(model)
        if book is None or not book.simtables:
            return None
        first_slot = next(iter(book.simtables))
        host = next(str(ref) for ref, c in book.cells.items()
                    if any(s.address == first_slot for s in c.slots))
        one = replace(spec, precision=None, trials=first.trials)
        name = "auto" if self.settings.backend == "remote" else self.settings.backend
        prog, results = self.progress, [first]
        for k in range(1, book.simulations):
            prog.phase = f"Simtable {host}: simulation {k + 1} of {book.simulations}..."
            backend = get_backend(name)
            try:
                job = prepare(book.simulation_model(k), one)
                samples, elapsed = run_job(job, backend, cancel=prog.cancel_requested.is_set)
                results.append(summarize(job, samples, elapsed, backend.name))
            finally:
                backend.close()
        return Simtable(host, list(book.simtables[first_slot]), results)

    def cancel(self) -> None:
        self.progress.cancel_requested.set()

