#!/usr/bin/env bash
# The GPU check of issue 3, in one run on a machine with an NVIDIA GPU and this repository:
# installs CuPy (with the CUDA runtime libraries NVRTC needs), nvidia-ml-py and the project,
# then runs the cupy tests and the benchmark with cupy.  Everything it prints is also
# written under $OUT (default ./gpu-check-out):
#
#   gpu_check.log            the whole log            nvidia-smi.txt    the card and driver
#   probe.txt                cupy, NVML, free VRAM    pip.txt           what pip did
#   test_backend_cupy.txt    pytest -rs output        junit_cupy.xml    the same as JUnit
#   bench_all.txt            trials/s side by side, peak RSS, 10^8 trials on cupy
#
# Usage: OUT=/some/dir bash bench/gpu_check.sh    (about 8 minutes; each step has a timeout
# so that the script ends within 10 minutes even when a step hangs)
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/gpu-check-out}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/gpu_check.log") 2>&1
PY=${PYTHON:-python3}
t0=$(date +%s)
step() { echo; echo "=== $* ($(( $(date +%s) - t0 )) s)"; }

step "device"
nvidia-smi | tee "$OUT/nvidia-smi.txt" || echo "nvidia-smi failed"

step "install (pip may be offline: then whatever is installed is used)"
{
  timeout 240 $PY -m pip install --disable-pip-version-check -q -e '.[test]' \
    && timeout 200 $PY -m pip install --disable-pip-version-check -q \
         'cupy-cuda12x[ctk]>=13' 'nvidia-ml-py>=12'
} > "$OUT/pip.txt" 2>&1
echo "pip exit status $? (details in pip.txt)"; tail -5 "$OUT/pip.txt"

step "probe"
timeout 60 $PY - <<'EOF' 2>&1 | tee "$OUT/probe.txt"
import importlib.util
print("cupy installed:", importlib.util.find_spec("cupy") is not None)
from engine.backends import available_backends
from engine.backends.cupy import device as d
print("gpu usable:", d.gpu_available(), "backends:", available_backends())
if d.gpu_available():
    import cupy
    free, total = d.vram()
    print("cupy", cupy.__version__, "CUDA runtime", cupy.cuda.runtime.runtimeGetVersion(),
          "free/total GiB %.1f/%.1f" % (free / 2**30, total / 2**30),
          "semaphore slots", d.semaphore_slots(total))
EOF

step "tests/test_backend_cupy.py on the GPU"
timeout 200 $PY -m pytest tests/test_backend_cupy.py -q -rs -p no:cacheprovider \
  --durations=10 --junitxml="$OUT/junit_cupy.xml" 2>&1 | tee "$OUT/test_backend_cupy.txt"

step "bench with cupy"
timeout 300 $PY bench/bench_all.py --cupy yes --pycel-trials 100 --numpy-trials 200000 \
  --trials 2000000 --big-trials 100000000 2>&1 | tee "$OUT/bench_all.txt"

step "done"
