"""Sample exports of the bundled example (16 inputs, 7 outputs): the streaming writers of
mcdesk.app.export (CSV through pyarrow, XLSX through mcdesk.app.xlsx_stream, Parquet) next
to the old in-memory writers (np.savetxt into a string, openpyxl write-only), read from git
at ``--old-commit``.  Prints seconds, file size and the number of progress steps (the
streaming writers hold one chunk of 65,536 trials at a time).

    python bench/bench_export.py [--trials 1000000] [--old-trials 100000]

The old writers are timed at ``--old-trials`` (10^5 by default: the XLSX one takes minutes at
10^6) and their time at ``--trials`` is extrapolated linearly and marked so.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as `python bench/...` from a checkout
    sys.path.insert(0, str(ROOT))

from engine.model import Model  # noqa: E402 - after the path setup
from engine.simulate import simulate  # noqa: E402 - after the path setup
from engine.spec import SimulationSpec  # noqa: E402 - after the path setup
from mcdesk.app import export  # noqa: E402 - after the path setup
from mcdesk.cli import example_paths  # noqa: E402 - after the path setup

OLD_COMMIT = "1c9a939"  # mcdesk/app/export.py before the streaming writers


def old_writers(commit: str):
    text = subprocess.run(["git", "show", f"{commit}:mcdesk/app/export.py"], cwd=ROOT,
                          check=True, capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "old_export.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("old_export", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def head(result, n: int):
    s = result.samples
    cut = {k: v[:n] for k, v in s.inputs.items()}, {k: v[:n] for k, v in s.outputs.items()}
    return replace(result, samples=replace(s, inputs=cut[0], outputs=cut[1],
                                           errors={k: v[:n] for k, v in s.errors.items()}))


def timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--trials", type=int, default=1_000_000)
    ap.add_argument("--old-trials", type=int, default=100_000)
    ap.add_argument("--old-commit", default=OLD_COMMIT)
    args = ap.parse_args(argv)
    book, spec_path = example_paths()
    spec = SimulationSpec.load(spec_path)
    spec.trials = args.trials
    t = time.perf_counter()
    result = simulate(Model.open(book), spec, backend="numpy", stream=False)
    cols = len(result.samples.inputs) + len(result.samples.outputs)
    print(f"{args.trials:,} trials x {cols} columns simulated in {time.perf_counter() - t:.1f} s")
    old = old_writers(args.old_commit)
    small = head(result, args.old_trials)
    scale = args.trials / args.old_trials
    with tempfile.TemporaryDirectory() as folder:
        for kind, old_fn in (("csv", old.samples_csv), ("xlsx", old.workbook_xlsx),
                             ("parquet", None)):
            path = Path(folder) / f"samples.{kind}"
            job = export.ExportJob()
            steps = []

            def step(done, job=job, steps=steps, orig=job.step):
                steps.append(done)
                orig(done)

            job.step = step
            dt, _ = timed(partial(export.write_samples, result, path, kind, job))
            size = path.stat().st_size / 2**20
            print(f"{kind:8s} new: {dt:7.2f} s  {size:7.1f} MB  "
                  f"({len(steps)} progress steps)")
            if old_fn is not None:
                dt_old, data = timed(partial(old_fn, small))
                print(f"{kind:8s} old: {dt_old:7.2f} s at {args.old_trials:,} trials "
                      f"(x{scale:g} = ~{dt_old * scale:.1f} s at {args.trials:,}, extrapolated); "
                      f"new/old per trial "
                      f"{dt / (dt_old * scale):.2f}")
                del data
    return 0


if __name__ == "__main__":
    sys.exit(main())
