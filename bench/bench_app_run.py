"""Where a run's time goes in the app, phase by phase, on the bundled example: what the run
panel's "Done in" line reports (preparing, simulation, statistics, charts) next to the
engine's own time (``result.elapsed_s``, the trials alone).

    python bench/bench_app_run.py [--trials 1000000] [--backend numba]

As in the app, in this order: the process starts (mcdesk.app.pages.register: one BLAS
thread, the backends and plotly start loading in the background), the workbook opens with
its preflight check, the page is built (the run panel starts loading the run's numba kernel
from numba's disk cache, on the workspace's model: the kernel plan it makes is the run's), then Run is clicked at once (``--think S``: S seconds later, the time a user takes to
find the button; by default none is granted to the background loading).  The kernel is in numba's disk cache (run the script twice), as on a user's second
session with the workbook; nothing else is kept from a previous process.  The same Run is
then clicked again in the same process (the user's next run).  "preparing" includes
generating numba's kernel plan (asking whether the kernel is compiled generates it).  The
charts are the figures the results tab builds for its first output (histogram and S-curve
in the cell's number format with the P5/P95 delimiters, tornado, convergence, scatter; the
probability of exceeding the mean of every output for the summary table), serialised as
the page sends them; the browser's drawing is not counted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as `python bench/...` from a checkout
    sys.path.insert(0, str(ROOT))

from engine.check import check_model  # noqa: E402 - after the path setup
from engine.spec import SimulationSpec  # noqa: E402 - after the path setup
from mcdesk.app import charts  # noqa: E402 - after the path setup
from mcdesk.app.numfmt import axis_format  # noqa: E402 - after the path setup
from mcdesk.app.workspace import Workspace, warm_backends  # noqa: E402 - after the path setup
from mcdesk.blas import single_threaded_blas  # noqa: E402 - after the path setup
from mcdesk.cli import example_paths  # noqa: E402 - after the path setup


def chart_seconds(ws: Workspace) -> float:
    """Seconds to build and serialise the results tab's figures for the first output."""
    result = ws.result
    assert result is not None
    name = next(iter(result.outputs))
    t = time.perf_counter()
    unread = ws.inputs_not_read_by(name, list(result.outputs[name].sensitivity))
    s = result.outputs[name]
    axis = axis_format(ws.number_format(name))
    delimiters = (s.percentiles["5"], s.percentiles["95"])
    for out in result.outputs:  # the summary table: P(> target) per output
        charts.exceedance(result, out, result.outputs[out].mean)
    charts.delimiter_probabilities(result, name, *delimiters)
    figs = [charts.histogram_figure(result, [name], axis=axis, delimiters=delimiters),
            charts.cdf_figure(result, [name], axis=axis, delimiters=delimiters),
            charts.tornado_figure(result, name, without_effect=unread),
            charts.convergence_figure(result, name)]
    if result.samples is not None and result.samples.inputs:
        figs.append(charts.scatter_figure(result, next(iter(result.samples.inputs)), name))
    charts.exceedance(result, name, result.outputs[name].mean)
    for f in figs:
        json.dumps(f.to_plotly_json(), default=str)
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--trials", type=int, default=1_000_000)
    ap.add_argument("--backend", default="numba")
    ap.add_argument("--think", type=float, default=0.0,
                    help="seconds between the page being built and the click (default 0: at once)")
    args = ap.parse_args(argv)
    single_threaded_blas()  # as the mcdesk command does
    book, spec_path = example_paths()
    spec = SimulationSpec.load(spec_path)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / book.name
        shutil.copy(book, path)
        warm_backends()  # as mcdesk.app.pages.register does when the app process starts
        charts.warm_in_background()
        ws = Workspace()
        ws.open(path)
        check_model(ws.model)  # the preflight check the page runs when a workbook opens
        ws.inputs = {i.cell: i for i in spec.inputs}
        ws.outputs = list(spec.outputs)
        ws.settings.trials, ws.settings.backend = args.trials, args.backend
        ws.warm_kernel()  # as the run panel does when the page is built
        time.sleep(args.think)
        print(f"{args.trials:,} trials, {len(spec.inputs)} inputs, {len(spec.outputs)} outputs, "
              f"backend {args.backend}; kernel in numba's disk cache (as on a user's second "
              f"session), clicked {args.think:g} s after the page was built")
        for click in ("first Run in the process", "second Run, same workbook and spec"):
            t = time.perf_counter()
            result = ws.run()
            timing = ws.timing
            assert timing is not None
            timing.charts_s = chart_seconds(ws)
            total = time.perf_counter() - t
            print(f"{click} ({result.backend}):")
            print(f"  engine (trials only): {result.elapsed_s:.2f} s")
            print(f"  app, click to charts: {total:.2f} s ({timing.text()})")
            print(f"  ratio to the engine:  {total / result.elapsed_s:.1f}x "
                  f"(goal: at most 2x + 1 s = {2 * result.elapsed_s + 1:.1f} s: "
                  f"{'met' if total <= 2 * result.elapsed_s + 1 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
