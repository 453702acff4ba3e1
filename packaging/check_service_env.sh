#!/usr/bin/env bash
# Without Docker: build what packaging/service.Dockerfile builds (a virtual environment on the
# image's Python, `pip install './[gpu,service]'`), start the service with the image's ENV and
# CMD on a loopback port, run its HEALTHCHECK command, and run the bundled example through it
# (`--backend remote`): the result must equal the local numpy run for the same seed.
# Without a GPU the service falls back to the CPU, as the image does on a node without one.
#
#   PYTHON=python3.12 packaging/check_service_env.sh   # the image has Ubuntu 24.04's Python 3.12
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3.12}"
work="$ROOT/build/service-env"
rm -rf "$work/run" && mkdir -p "$work/run"
if [[ ! -x "$work/venv/bin/python" ]]; then "$python" -m venv "$work/venv"; fi
venv="$work/venv/bin"
"$venv/python" -m pip install --quiet --no-cache-dir "$ROOT/[gpu,service]"
echo "$("$venv/python" --version): $("$venv/python" -m pip list 2>/dev/null | grep -E -i '^(cupy-cuda12x|numba|numpy|PyJWT) ' | tr -s ' ' | paste -sd, -)"

port="$("$venv/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
run="$work/run"
# The image's ENV (packaging/service.Dockerfile), paths moved under build/, loopback only.
export MCDESK_SERVICE_HOST=127.0.0.1 MCDESK_SERVICE_PORT="$port" MCDESK_RESULTS_DIR="$run/results" \
       MCDESK_BACKEND=auto MCDESK_KERNEL_CACHE="$run/kernels" NUMBA_CACHE_DIR="$run/numba" \
       CUPY_CACHE_DIR="$run/cupy" XDG_CACHE_HOME="$run/cache" PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
MCDESK_JWT_KEY="$("$venv/python" -c 'import secrets; print(secrets.token_hex(32))')"
export MCDESK_JWT_KEY
cd "$run"
"$venv/mcdesk-service" >"$run/service.log" 2>&1 &      # the image's CMD
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { echo "FAIL: the service exited"; cat "$run/service.log"; exit 1; }
    sleep 0.2
done
# The image's HEALTHCHECK command, word for word.
"$venv/python" -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('MCDESK_SERVICE_PORT', '8000'), timeout=4)"
echo "HEALTHCHECK: ok"
token="$("$venv/python" -m remote token --subject check)"
examples="$("$venv/python" -c 'import mcdesk, os; print(os.path.join(os.path.dirname(mcdesk.__file__), "examples"))')"
book="$examples/capital_project.xlsx"; spec="$examples/capital_project.spec.json"
"$venv/mcdesk" simulate "$book" --spec "$spec" --trials 100000 --backend remote \
    --url "http://127.0.0.1:$port" --token "$token" --json "$run/remote.json" --quiet 2>/dev/null
"$venv/mcdesk" simulate "$book" --spec "$spec" --trials 100000 --backend numpy \
    --json "$run/local.json" --quiet 2>/dev/null
"$venv/python" - "$run/remote.json" "$run/local.json" <<'PY'
import json, sys
remote, local = (json.load(open(p)) for p in sys.argv[1:3])
same = all(remote["outputs"][k][s] == local["outputs"][k][s]
           for k in local["outputs"] for s in ("mean", "std", "percentiles"))
print(f"remote run ({remote['backend']}, {remote['elapsed_s']:.1f} s) equals the local numpy run: {same}")
sys.exit(0 if same else 1)
PY
grep -h -o "no usable GPU[^[]*\|no GPU:[^)]*)" "$run/service.log" | sort -u || true
echo "OK"
