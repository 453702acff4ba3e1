"""Benchmark: numba's compile time of straight-line code against its length, one function vs
the same lines cut into functions of ``--chunk`` lines (what the kernel's segments and
engine.backends.numba._fill_pieces do).

    python bench/bench_straight_compile.py [--lines 250 500 1000 2000] [--chunk 500]

Each line is a distinct cell of generated form (``v7 = max(v6 * 1.0001, x[0]) - x[3]``, every third one
stored into a row of ``ur``: no branches, as the generated code); printed: lines, the process CPU seconds of compiling one
function, of compiling the pieces, and their ratio (not asserted anywhere).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path


def source(lines: int, chunk: int) -> str:
    """A module with ``f_all`` (every line in one function) and ``p0..`` (``chunk`` lines
    each, reading the previous piece's last value from ``ur``)."""
    def body(lo: int, hi: int) -> list[str]:
        out = ["    for i in range(n):", f"        v{lo - 1} = ur[0, i]"]
        for j in range(lo, hi):
            out.append(f"        v{j} = max(v{j - 1} * 1.0001, x[{j % 7}]) - x[{(j + 3) % 7}]")
            if j % 3 == 0:
                out.append(f"        ur[{1 + j % 16}, i] = v{j}")
        out.append(f"        ur[0, i] = v{hi - 1}")
        return out
    src = ["import numpy as np", "from numba import njit", ""]
    src += ["@njit(cache=False)", "def f_all(ur, x, n):"] + body(1, lines + 1) + [""]
    for p, lo in enumerate(range(1, lines + 1, chunk)):
        src += ["@njit(cache=False)", f"def p{p}(ur, x, n):"]
        src += body(lo, min(lo + chunk, lines + 1)) + [""]
    return "\n".join(src) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, nargs="+", default=[250, 500, 1000, 2000])
    ap.add_argument("--chunk", type=int, default=500)
    args = ap.parse_args()
    from numba import types as T
    sig = (T.Array(T.float64, 2, "C"), T.Array(T.float64, 1, "C"), T.int64)
    print(f"{'lines':>6} {'one fn s':>9} {'pieces s':>9} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for k, n in enumerate(args.lines):
            path = Path(tmp) / f"straight{k}.py"
            path.write_text(source(n, args.chunk))
            spec = importlib.util.spec_from_file_location(path.stem, path)
            assert spec is not None and spec.loader is not None
            mod = importlib.util.module_from_spec(spec)
            sys.modules[path.stem] = mod
            spec.loader.exec_module(mod)
            t = time.process_time()
            mod.f_all.compile(sig)
            one = time.process_time() - t
            t = time.process_time()
            for p in range((n + args.chunk - 1) // args.chunk):
                getattr(mod, f"p{p}").compile(sig)
            pieces = time.process_time() - t
            print(f"{n:>6} {one:>9.1f} {pieces:>9.1f} {one / max(pieces, 1e-9):>6.2f}",
                  flush=True)


if __name__ == "__main__":
    main()
