"""Benchmark: the numba kernel generation of a workbook's stochastic slice (bench_fused's
job) with the lookups of a text key tabulated in one numpy call (engine.backends.numba._text,
``_BATCHED``) and, side by side, one call per value of the key (the older way).

    python bench/bench_tabulate.py BOOK.xlsx [--only new|old]

Printed: process CPU seconds of each generation, cells fused, and whether the two kernels are
the same (source, constant tables, strings).  ukr10 Sizing_new_sheet (217 VLOOKUPs of keys of
~77 texts in tables of a few hundred rows) is where one call per value cost 100 s.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("book", type=Path)
    ap.add_argument("--only", choices=("new", "old"))
    a = ap.parse_args()
    sys.setrecursionlimit(100_000)
    from bench.bench_fused import slice_job
    from engine.backends.numba import _text
    from engine.backends.numba._codegen import generate
    from engine.backends.numba._samplers import samplers_for

    c0 = time.process_time()
    job, n = slice_job(a.book, 100)
    print(f"slice: {len(job.program.steps)} steps, {n} inputs, cpu {time.process_time() - c0:.1f} s")
    batched = _text._BATCHED
    plans = {}
    for name in ("new", "old"):
        if a.only not in (None, name):
            continue
        _text._BATCHED = batched if name == "new" else frozenset()
        samplers, mode = samplers_for(job, False)
        c0 = time.process_time()
        plan = generate(job.program, samplers, mode)
        cpu = time.process_time() - c0
        print(f"{name}: generation cpu {cpu:.1f} s, fused {len(plan.fused)} of "
              f"{len(job.program.steps)}", flush=True)
        plans[name] = plan
    _text._BATCHED = batched
    if len(plans) == 2:
        new, old = plans["new"], plans["old"]
        same = (new.source == old.source and new.strings == old.strings
                and np.array_equal(new.kv, old.kv) and np.array_equal(new.ke, old.ke))
        print(f"same kernel: {same}")


if __name__ == "__main__":
    main()
