"""A kernel loaded from numba's on-disk cache in a new process must run.  numba caches a
recursive runtime function badly: a cached kernel calling CORREL's pairwise sum (then
recursive, ``_rt_functions._pairwise``) with a literal count crashed the next process that
loaded it (segmentation fault, or LLVM "Symbol not found: ...unresolved$..._pairwise"),
killing a whole check_agree run on a real workbook.  The sum is now on an explicit stack."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("numba")

ROOT = Path(__file__).resolve().parent.parent

KERNEL = """
from numba import njit
from engine.backends.numba._rt_functions import pair_stat

@njit(cache=True)
def correl_of(y, x, m):
    return pair_stat(y, x, m, 311, 0.0, 0.0)
"""

RUN = """
import sys
sys.path.insert(0, {here!r})
import numpy as np
import kernel
y = np.zeros(622); x = np.zeros(622); m = np.zeros(622)
y[:311] = np.arange(311.0); x[:311] = np.sqrt(np.arange(311.0)); m[:311] = 1.0
print(repr(kernel.correl_of(y, x, m)))
"""


def test_a_cached_kernel_calling_correl_runs_in_the_next_process(tmp_path):
    import numpy as np

    (tmp_path / "kernel.py").write_text(KERNEL)
    script = tmp_path / "run.py"
    script.write_text(RUN.format(here=str(tmp_path)))
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache"),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    runs = [subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                           text=True, timeout=600) for _ in range(2)]
    for r in runs:   # the second loads the first's cache: before, it died with -11
        assert r.returncode == 0, (r.returncode, r.stderr[-2000:])
    want = np.corrcoef(np.arange(311.0), np.sqrt(np.arange(311.0)))[0, 1]
    got = [float(r.stdout.strip()) for r in runs]
    assert got[0] == got[1] and abs(got[0] - want) < 1e-12
    assert list((tmp_path / "cache").rglob("*.nbi"))   # the cache was written and read
