"""The ``mcdesk`` command line: the app (plain ``mcdesk``: the bundled example in a browser
tab), ``app``, ``serve`` (team instance), ``users``, ``check``, ``simulate``, ``example``.

Errors a user can fix print one line on stderr and exit with status 2; Ctrl-C stops a run
cleanly with status 130.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from importlib import resources
from pathlib import Path

from mcdesk import cli_report

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
COMMANDS = ("check", "simulate", "app", "serve", "users", "example")
# the shared libraries Qt's xcb platform plugin needs for a native window (Debian packages)
NATIVE_LIBRARIES = {"xcb-cursor": "libxcb-cursor0", "xcb-icccm": "libxcb-icccm4",
                    "xcb-keysyms": "libxcb-keysyms1"}


def example_paths() -> tuple[Path, Path]:
    """The bundled example workbook and its saved spec."""
    root = resources.files("mcdesk") / "examples"
    return Path(str(root / "capital_project.xlsx")), Path(str(root / "capital_project.spec.json"))


class ProgressBar:
    """A one-line progress bar on stderr, shown only for runs that last over a second."""

    def __init__(self, stream=sys.stderr, delay: float = 1.0) -> None:
        self.stream = stream
        self.start = time.perf_counter()
        self.delay = delay
        self.shown = False
        self.label = "trials"

    def phase(self, text: str) -> None:
        """A second phase of the run (engine.streaming.PassProgress: "exact percentiles:
        pass k"), shown after the count: the total then counts the reruns' trials too."""
        self.label = f"trials ({text})"

    def __call__(self, done: int, total: int) -> None:
        elapsed = time.perf_counter() - self.start
        if elapsed < self.delay and done < total:
            return
        if not self.shown and done >= total:
            return
        self.shown = True
        frac = done / total if total else 1.0
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (total - done) / rate if rate > 0 else 0.0
        bar = "#" * int(frac * 30)
        self.stream.write(f"\r[{bar:<30}] {frac:6.1%} {done:,}/{total:,} {self.label} "
                          f"{rate:,.0f}/s {left:5.1f}s left ")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mcdesk", description="Monte Carlo simulation of Excel workbooks.")
    p.add_argument("-v", "--verbose", action="store_true", help="log what the engine does")
    sub = p.add_subparsers(dest="command")

    c = sub.add_parser("check", help="recompute a workbook and compare with Excel's cached values")
    c.add_argument("book", type=Path)
    c.add_argument("--json", type=Path, help="write REPORT.json here")

    s = sub.add_parser("simulate", help="run a Monte Carlo simulation of a workbook")
    s.add_argument("book", type=Path)
    s.add_argument("--spec", type=Path, help="a saved spec (inputs, outputs, settings) as JSON")
    s.add_argument("--input", action="append", default=[], metavar="CELL=DIST(...)",
                   help="e.g. 'Inputs!D2=triangular(1,2,4)' or with cell references as parameters")
    s.add_argument("--correlate", action="append", default=[], metavar="CELL,CELL=RHO|FILE.csv",
                   help="a rank correlation of two inputs, e.g. 'Inputs!D2,Inputs!D3=0.8' "
                        "(repeat for more pairs), or a CSV matrix (first row: the cells)")
    s.add_argument("--output", action="append", default=[], metavar="CELL")
    s.add_argument("--trials", type=int)
    s.add_argument("--seed", type=int, help="the random seed (default: the spec's, else 1)")
    s.add_argument("--backend", default="auto",
                   help="auto | numpy | numba | cupy | remote | dask")
    s.add_argument("--scheduler", metavar="tcp://HOST:8786",
                   help="dask: the scheduler (or MCDESK_DASK_SCHEDULER; default: a local "
                        "cluster of 2 worker processes)")
    s.add_argument("--url", help="remote: the service URL (or MCDESK_REMOTE_URL)")
    s.add_argument("--token", help="remote: a bearer token (or MCDESK_REMOTE_TOKEN)")
    s.add_argument("--shards", type=int,
                   help="remote: trial ranges sent to the service at once (default: 1, or 4 "
                        "for a run larger than one job may be)")
    s.add_argument("--sampling", choices=["mc", "lhs"])
    s.add_argument("--chunk-size", type=int, help=argparse.SUPPRESS)
    s.add_argument("--json", type=Path, help="write RESULT.json here")
    s.add_argument("--samples", type=Path, help="write per-trial samples (.csv or .npz)")
    s.add_argument("--quiet", action="store_true", help="no summary table on stdout")
    cli_report.add_options(s)  # --precision, --risk, --report, --results-book

    a = sub.add_parser("app", help="the app in a browser tab (the default) or a native window")
    a.add_argument("book", type=Path, nargs="?", help="workbook to open (default: the example)")
    a.add_argument("--native", action="store_true",
                   help="a desktop window (needs pip install 'mcdesk[native]')")
    a.add_argument("--host", default="127.0.0.1")
    a.add_argument("--port", type=int, default=8080)
    a.add_argument("--no-browser", action="store_true", help="do not open a browser tab")

    t = sub.add_parser("serve", help="the team instance: login, per-user workbooks")
    t.add_argument("--host", default="0.0.0.0")
    t.add_argument("--port", type=int, default=8080)

    u = sub.add_parser("users", help="manage the users file of a team instance")
    u.add_argument("action", choices=["add"])
    u.add_argument("name")
    u.add_argument("--file", type=Path, required=True, help="the users file (MCDESK_USERS_FILE)")
    u.add_argument("--password-stdin", action="store_true", help="read the password from stdin")

    e = sub.add_parser("example", help="simulate the bundled example workbook on the command line")
    e.add_argument("--trials", type=int)
    e.add_argument("--copy-to", type=Path, help="copy the example workbook and spec to a folder")
    return p


def with_app_command(argv: list[str]) -> list[str]:
    """The bare command takes the app's options (``mcdesk --port 8081 book.xlsx``): insert
    ``app`` before the first argument that is not ``-v`` when no command is named."""
    argv = list(argv)
    k = 0
    while k < len(argv) and argv[k] in ("-v", "--verbose"):
        k += 1
    if k < len(argv) and (argv[k] in COMMANDS or argv[k] in ("-h", "--help")):
        return argv
    return [*argv[:k], "app", *argv[k:]]


def missing_native_libraries(find=None) -> list[str]:
    """The Debian packages of the libraries a native window needs that are not installed
    (Linux only: elsewhere Qt brings its own)."""
    if not sys.platform.startswith("linux"):
        return []
    if find is None:
        import ctypes.util

        find = ctypes.util.find_library
    return [pkg for lib, pkg in NATIVE_LIBRARIES.items() if find(lib) is None]


def browser_available() -> bool:
    """Whether Python's webbrowser module finds a browser to open a tab in."""
    import webbrowser

    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(with_app_command(sys.argv[1:] if argv is None else argv))
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command in ("simulate", "example", "app", "serve"):
        from mcdesk.blas import single_threaded_blas

        single_threaded_blas()
    from engine.errors import McdeskError

    try:
        if args.command == "check":
            return cmd_check(args)
        if args.command == "simulate":
            return cmd_simulate(args)
        if args.command == "example":
            return cmd_example(args)
        if args.command == "users":
            return cmd_users(args)
        if args.command == "serve":
            from mcdesk.app.main import serve

            print(f"mcdesk: team instance at {_address(args.host, args.port)} — Ctrl-C to stop",
                  flush=True)
            serve(host=args.host, port=args.port)
            return 0
        return cmd_app(args)
    except McdeskError as exc:
        print(f"mcdesk: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\nmcdesk: interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # output piped into a reader that stopped (| head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _address(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def cmd_app(args: argparse.Namespace) -> int:
    """The desktop app: says where it is served before it starts."""
    from engine.errors import McdeskError
    from mcdesk.app.main import launch

    book = args.book
    if book is not None and not book.is_file():
        raise McdeskError(f"{book}: no such file")
    if args.native:
        missing = missing_native_libraries()
        if missing:
            raise McdeskError("the native window needs " + ", ".join(missing) +
                              f" (apt-get install {' '.join(missing)}); or run without --native")
    show = not args.no_browser and not args.native
    print(f"mcdesk: {_address(args.host, args.port)} — Ctrl-C to stop", flush=True)
    if show and not browser_available():
        print("mcdesk: no browser could be opened here; open the address above in one",
              flush=True)
        show = False
    launch(book, native=args.native, host=args.host, port=args.port, show=show)
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    import getpass

    from mcdesk.app.auth import save_user

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"Password for {args.name}: ")
        if getpass.getpass("Again: ") != password:
            print("mcdesk: the passwords differ; nothing was written", file=sys.stderr)
            return EXIT_USAGE
    save_user(args.file, args.name, password)
    print(f"{args.name} saved in {args.file}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from engine.check import check_model, notes, summary
    from engine.model import Model

    report = check_model(Model.open(args.book))
    for line in notes(report):
        print(line)
    print(summary(report, args.book.name))
    if report.addins is not None:
        for f, cells in sorted(report.addins["unknown"].items()):
            print(f"{report.addins['product']} function not supported: {f} in "
                  f"{', '.join(cells[:5])}" + (" ..." if len(cells) > 5 else ""))
        for _cell, why in sorted(report.addins["problems"].items()):
            print(f"cannot be simulated: {why}")
    if report.unsupported_functions:
        print("unsupported functions: " + ", ".join(
            f"{k} ({v}: {', '.join(report.unsupported_cells[k][:3])})"
            for k, v in sorted(report.unsupported_functions.items())))
    if report.fallback_functions:
        print("run trial by trial (not vectorized yet): " + ", ".join(sorted(report.fallback_functions)))
    if report.volatile_cells:
        print(f"volatile cells: {len(report.volatile_cells)} (e.g. {', '.join(report.volatile_cells[:5])})")
    for cyc in report.circular:
        print("circular reference: " + " -> ".join(cyc[:10]))
    if report.data_tables:
        print(f"data tables left out: {', '.join(report.data_tables[:5])}")
    for m in report.mismatches[:10]:
        print(f"  {m.cell}: expected {m.expected!r}, got {m.got!r} ({m.reason})")
    if report.cancellations:
        print(f"near-zero cancellations counted as equal: {len(report.cancellations)} "
              f"(e.g. {report.cancellations[0].cell}: expected {report.cancellations[0].expected!r}, "
              f"got {report.cancellations[0].got!r})")
    if args.json:
        _write_json(args.json, report.to_dict())
    return 0


def warn_inputs_without_effect(model, spec) -> list[str]:
    """One stderr line per input that no output reads (its samples would change nothing)."""
    from engine.errors import McdeskError
    from engine.reach import inputs_without_effect

    try:
        spec.validate(require_outputs=True)
        inputs = [model.ref(i.cell) for i in spec.inputs]
        outputs = [model.ref(o) for o in spec.outputs]
        if any(model.workbook.cell(o) is None for o in outputs):
            return []
        idle = inputs_without_effect(model, inputs, outputs)
    except McdeskError:  # a bad spec or cell: the run reports it, in one line
        return []
    for ref in idle:
        print(f"mcdesk: warning: input {ref} affects no output "
              f"({', '.join(map(str, outputs))}); its samples change nothing", file=sys.stderr)
    return [str(r) for r in idle]


def warn_inputs_over_formulas(model, texts: list[str]) -> list[str]:
    """One stderr line per ``--input`` cell that holds a formula: its samples replace what the
    formula computes, and the cells it reads stop mattering (the user may have meant one of
    them). An add-in's distribution cell (the workbook's own inputs) is not given this way."""
    from engine.errors import McdeskError
    from engine.spec import parse_input_arg

    said = []
    for text in texts:
        try:
            ref = model.ref(parse_input_arg(text).cell)
        except McdeskError:  # a bad cell: the run reports it, in one line
            continue
        cell = model.workbook.cell(ref)
        if cell is None or not model.is_formula(ref):
            continue
        formula = cell.formula if cell.formula is not None else "(part of an array formula)"
        print(f"mcdesk: warning: input {ref} replaces its formula {formula}; the cells that "
              f"formula reads no longer change the outputs through it", file=sys.stderr)
        said.append(str(ref))
    return said


def _write_json(path: Path, data: dict) -> None:
    from engine.errors import McdeskError

    try:
        path.write_text(json.dumps(data, indent=2, allow_nan=False, default=str) + "\n")
    except OSError as exc:
        raise McdeskError(f"cannot write {path}: {exc.strerror}") from exc


def _load_spec(args: argparse.Namespace):
    from engine.spec import SimulationSpec, parse_correlate_args, parse_input_arg

    spec = SimulationSpec.load(args.spec) if args.spec else SimulationSpec(inputs=[], outputs=[])
    given = {i.cell: i for i in spec.inputs}
    for text in args.input:
        inp = parse_input_arg(text)
        given[inp.cell] = inp
    spec.inputs = list(given.values())
    correlate = getattr(args, "correlate", None) or []
    if correlate:
        spec.correlations = [*spec.correlations, *parse_correlate_args(correlate)]
    if spec.correlations:
        spec.validate(require_outputs=False)
        for adj in spec.correlation_adjustments:
            print(f"mcdesk: warning: the correlation matrix of {', '.join(adj['inputs'])} is not "
                  f"positive semi-definite; the nearest valid one is used (largest change "
                  f"{adj['max_change']:.4g})", file=sys.stderr)
    if args.output:
        spec.outputs = list(dict.fromkeys([*spec.outputs, *args.output]))
    if args.trials is not None:
        spec.trials = args.trials
    if args.seed is not None:
        spec.seed = args.seed
    if getattr(args, "sampling", None):
        from engine.sampling import Sampling

        spec.sampling = Sampling(args.sampling)
    cli_report.before_run(args, spec)  # --precision; --report checked
    return spec


def cmd_simulate(args: argparse.Namespace) -> int:
    from engine.addin_models import addin_book, for_simulation
    from engine.model import Model
    from engine.simulate import simulate

    spec = _load_spec(args)
    model = Model.open(args.book)
    book = addin_book(model)
    run_model = model
    if book is not None:  # the workbook's own inputs, outputs and correlations
        from engine.check import addin_headline

        given = {tuple(c.inputs) for c in spec.correlations}
        run_model, spec = for_simulation(model, spec)
        if not args.quiet:
            print(addin_headline(book.summary()))
        for adj in spec.correlation_adjustments:
            if tuple(adj["inputs"]) not in given:
                print(f"mcdesk: warning: the workbook's correlation matrix of "
                      f"{', '.join(adj['inputs'])} is not positive semi-definite; the nearest "
                      f"valid one is used (largest change {adj['max_change']:.4g})",
                      file=sys.stderr)
    warn_inputs_without_effect(run_model, spec)
    warn_inputs_over_formulas(model, args.input)
    bar: ProgressBar | None = ProgressBar()
    backend = args.backend
    if backend == "remote":  # the remote backend reports progress as the service runs
        from remote import RemoteBackend

        backend = RemoteBackend(getattr(args, "url", None), getattr(args, "token", None),
                                shards=getattr(args, "shards", None), progress=bar)
        bar = None
    elif backend == "dask":  # closed after the run (an embedded cluster stops with it)
        from engine.backends import get_backend

        backend = get_backend("dask", scheduler=getattr(args, "scheduler", None))
    started = time.perf_counter()
    try:
        result = simulate(model, spec, backend=backend, chunk_size=args.chunk_size,
                          progress=bar)
    finally:
        if not isinstance(backend, str):
            backend.close()
    whole = time.perf_counter() - started
    names = _names(run_model, spec)
    if not args.quiet:
        print_summary(result, names, whole)
    data = result_json(result, names)
    if book is not None:
        cli_report.addin_results(args, model, spec, result, data)
    data = cli_report.after_run(args, spec, result, data, model)
    if args.json:
        _write_json(args.json, data)
    if args.samples:
        write_samples(args.samples, result.samples)
    return 0


def cmd_example(args: argparse.Namespace) -> int:
    import shutil

    book, spec = example_paths()
    if getattr(args, "copy_to", None):
        args.copy_to.mkdir(parents=True, exist_ok=True)
        for f in (book, spec):
            shutil.copy(f, args.copy_to / f.name)
        print(f"copied {book.name} and {spec.name} to {args.copy_to}")
        return 0
    ns = argparse.Namespace(book=book, spec=spec, input=[], output=[],
                            trials=getattr(args, "trials", None), seed=None, backend="auto",
                            sampling=None, chunk_size=None, json=None, samples=None, quiet=False)
    print(f"Simulating the bundled example {book.name} with {spec.name}")
    return cmd_simulate(ns)


def _names(model, spec) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """The name of each input (its own, else its label: engine.labels) and of each output
    (the add-in's RiskOutput name, else its label), keyed by address."""
    from engine.addin_models import addin_book
    from engine.labels import cell_label

    book = addin_book(model)
    given = {str(model.ref(i.cell)): i.name for i in spec.inputs if i.name}
    if book is not None:
        given.update({str(model.ref(c)): n for c, n in book.outputs.items() if n})

    def named(cells: list[str]) -> dict[str, str | None]:
        refs = [model.ref(c) for c in cells]
        return {str(r): given.get(str(r)) or cell_label(model.workbook, r) for r in refs}

    return named([i.cell for i in spec.inputs]), named(spec.outputs)


def result_json(result, names: tuple[dict[str, str | None], dict[str, str | None]]) -> dict:
    """RESULT.json: the engine's result with each cell's name beside its address (each
    output's ``name``, and ``input_names``), null where a cell has no label."""
    inputs, outputs = names
    data = result.to_dict()
    for cell, out in data["outputs"].items():
        out["name"] = outputs.get(cell)
    data["input_names"] = dict(inputs)
    return data


def _named(cell: str, names: dict[str, str | None]) -> str:
    if names.get(cell) and cell.startswith("'_mcdesk "):  # a nested add-in distribution
        return str(names[cell])
    return f"{cell} ({names[cell]})" if names.get(cell) else cell


def print_summary(result, names: tuple[dict, dict] | None = None,
                  whole_s: float | None = None) -> None:
    """The run in a line (its trials' time, and the whole time with compiling and the
    statistics when given), then a line per output."""
    names = {**names[0], **names[1]} if names else {}
    line = (f"{result.trials:,} trials, seed {result.seed}, {result.backend} backend, "
            f"{result.elapsed_s:.2f} s ({result.trials_per_s:,.0f} trials/s)")
    if whole_s is not None:
        line += f"; {whole_s:.2f} s in all with compiling and statistics"
    print(line)
    for name, s in result.outputs.items():
        shares = _label_shares(s)
        if s.mean is None and shares:
            print(f"{_named(name, names)}: {shares}"
                  + (f"  errors {_error_kinds(result, name, s.errors)}" if s.errors else ""))
            continue
        if s.mean is None:
            print(f"{_named(name, names)}: every trial ended in an Excel error "
                  f"({_error_kinds(result, name, s.errors)})")
            continue
        if getattr(s, "constant", False):
            print(f"{_named(name, names)}: constant, {s.mean:,.6g} in every trial (no input "
                  "changes it)" + (f"  errors {s.errors:,}" if s.errors else ""))
            continue
        p = s.percentiles
        print(f"{_named(name, names)}: mean {s.mean:,.6g}  std {s.std:,.4g}  P5 {p['5']:,.6g}  P50 {p['50']:,.6g}  "
              f"P95 {p['95']:,.6g}  min {s.min:,.6g}  max {s.max:,.6g}"
              + (f"  errors {s.errors:,}" if s.errors else ""))
        if shares:
            print(f"    {shares}")
        if s.sensitivity:
            top = sorted(s.sensitivity.items(), key=lambda kv: -abs(kv[1].spearman))[:5]
            print("    most influential: " + ", ".join(
                f"{_named(k, names)} {v.spearman:+.2f}" for k, v in top))


def _label_shares(s) -> str:
    """``"label shares: high 62.0%, normal 38.0%"`` for an output with text or logical
    results (engine.text_outputs), else ""."""
    labels = getattr(s, "labels", None)
    if not labels and not getattr(s, "labels_other", 0):
        return ""
    n = max(s.trials, 1)
    parts = [f"{_label_text(k)} {100.0 * c / n:.1f}%" for k, c in labels.items()]
    if s.labels_other:
        parts.append(f"other labels {100.0 * s.labels_other / n:.1f}%")
    return "label shares: " + ", ".join(parts)


def _label_text(label: str) -> str:
    return label if label and label.strip() == label and "," not in label else repr(label)


def _error_kinds(result, name: str, count: int) -> str:
    """``"2,000 #NAME?"`` (the errors by kind, most frequent first), or the count alone when
    the run kept no error codes."""
    import numpy as np

    from engine.values import ERROR_NAMES

    samples = getattr(result, "samples", None)
    codes = None if samples is None else samples.errors.get(name)
    if codes is None or not len(codes):
        return f"{count:,}"
    from engine.text_outputs import is_text

    codes = np.asarray(codes)
    errs = (codes > 0) & ~is_text(codes, getattr(samples, "texts", {}).get(name))
    kinds, counts = np.unique(codes[errs], return_counts=True)
    order = np.argsort(-counts, kind="stable")
    return ", ".join(f"{int(counts[i]):,} {ERROR_NAMES.get(int(kinds[i]), '#VALUE!')}"
                     for i in order) or f"{count:,}"


def write_samples(path: Path, samples) -> None:
    """One row per trial, one column per input and output, headed by cell address.  An
    output whose trials give text (engine.text_outputs) holds the text itself where a trial
    gave text in a .csv; in a .npz its column stays float64 (NaN there) and an array named
    ``"<cell>:labels"`` beside it holds each trial's text ("" where the trial gave a number
    or an error)."""
    import numpy as np

    from engine.errors import McdeskError

    cols = {**samples.inputs, **samples.outputs}
    labels = {n: got for n in samples.outputs
              if (got := _sample_labels(samples, n)) is not None}
    try:
        if path.suffix.lower() == ".npz":
            extra = {f"{n}:labels": np.array(["" if isinstance(x, float) else x for x in got],
                                             dtype=str) for n, got in labels.items()}
            np.savez_compressed(path, **cols, **extra)
        elif path.suffix.lower() == ".csv":
            names = list(cols)
            with open(path, "w", newline="") as fh:
                fh.write(",".join(_csv_field(n) for n in names) + "\n")
                if labels:
                    _write_rows(fh, [labels.get(n, cols[n]) for n in names])
                else:
                    mat = np.column_stack([cols[n] for n in names]) if names \
                        else np.empty((0, 0))
                    np.savetxt(fh, mat, delimiter=",", fmt="%.17g")
        else:
            raise McdeskError(f"--samples {path}: use a .csv or .npz file name")
    except OSError as exc:
        raise McdeskError(f"cannot write {path}: {exc.strerror}") from exc


def _sample_labels(samples, name: str) -> list | None:
    """Output ``name``'s trials with the text where a trial gave text (None: no text)."""
    got = getattr(samples, "labels", None)
    return got(name) if callable(got) else None


def _write_rows(fh, columns: list) -> None:
    """Rows of ``columns`` (arrays of numbers, or lists of numbers and text)."""
    n = len(columns[0]) if columns else 0
    cells = [col.tolist() if hasattr(col, "tolist") else col for col in columns]
    for i in range(n):
        fh.write(",".join(_csv_field(x) if isinstance(x, str) else f"{x:.17g}"
                          for x in (col[i] for col in cells)) + "\n")


def _csv_field(s: str) -> str:
    return '"' + s.replace('"', '""') + '"' if any(ch in s for ch in ',"\n') else s


if __name__ == "__main__":
    sys.exit(main())
