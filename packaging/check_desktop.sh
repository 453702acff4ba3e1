#!/usr/bin/env bash
# Check the desktop binary from packaging/build_desktop.sh: it starts headless, serves the app
# on a loopback port, and runs the bundled example on the command line. Prints its size and
# the time from start to the first page served.
#
#   packaging/check_desktop.sh [BINARY]     # default: dist/mcdesk (or dist/mcdesk/mcdesk)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
binary="${1:-}"
if [[ -z $binary ]]; then
    if [[ -f "$ROOT/dist/mcdesk" ]]; then binary="$ROOT/dist/mcdesk"; else binary="$ROOT/dist/mcdesk/mcdesk"; fi
fi
[[ -x $binary ]] || { echo "check_desktop.sh: no binary at $binary (run packaging/build_desktop.sh)" >&2; exit 2; }

work="$ROOT/build/desktop/check"
rm -rf "$work" && mkdir -p "$work/home"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# A clean home (no settings, no kernel cache) and no browser to open: BROWSER=true makes
# Python's webbrowser run `true` instead.
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_CACHE_HOME="$work/home/.cache"
export XDG_DATA_HOME="$work/home/.local/share" BROWSER=true
unset DISPLAY WAYLAND_DISPLAY

if [[ -d "$ROOT/dist/mcdesk" && $binary == "$ROOT/dist/mcdesk/mcdesk" ]]; then shipped="$ROOT/dist/mcdesk"; else shipped="$binary"; fi
echo "binary: $binary, $(du -sh "$shipped" | cut -f1) to ship ($(du -b -s "$shipped" | cut -f1) bytes)"

start_ns=$(date +%s%N)
setsid "$binary" app --host 127.0.0.1 --port "$port" >"$work/app.log" 2>&1 &
pid=$!
# The binary and what it starts (the one-file bootloader runs the program as its child)
# share the new session: stop them all, by that session's process group.
trap 'kill -TERM -- -"$pid" 2>/dev/null || true' EXIT

served=0
for _ in $(seq 1 1200); do                      # up to 120 s
    if curl -fsS --max-time 2 "http://127.0.0.1:$port/" -o "$work/page.html" 2>/dev/null; then
        served=1; break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
done
elapsed_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
if [[ $served != 1 ]]; then
    echo "FAIL: the app did not serve http://127.0.0.1:$port/ (log below)"; tail -40 "$work/app.log"; exit 1
fi
echo "app served its first page after $(( elapsed_ms / 1000 )).$(printf '%03d' $(( elapsed_ms % 1000 ))) s"
if ! grep -qi "nicegui" "$work/page.html"; then
    echo "FAIL: the page is not a NiceGUI page"; head -c 600 "$work/page.html"; exit 1
fi
if grep -q "capital_project.xlsx" "$work/page.html"; then
    echo "the page shows the bundled example workbook (capital_project.xlsx)"
else
    echo "FAIL: the bundled example is not on the page"; exit 1
fi
title="$(grep -o '<title>[^<]*</title>' "$work/page.html" | head -1 || true)"
echo "page: $(wc -c <"$work/page.html") bytes, ${title:-no <title>}"
if curl -fsS --max-time 5 "http://127.0.0.1:$port/healthz" -o "$work/healthz.txt" 2>/dev/null; then
    echo "/healthz: $(head -c 200 "$work/healthz.txt")"
fi
kill -TERM -- -"$pid" 2>/dev/null || true
trap - EXIT

# The engine, frozen: the bundled example on the command line.
start_ns=$(date +%s%N)
"$binary" example --trials 20000 >"$work/example.txt" 2>&1 || {
    echo "FAIL: mcdesk example"; tail -20 "$work/example.txt"; exit 1; }
elapsed_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
echo "mcdesk example --trials 20000: ok in $(( elapsed_ms / 1000 )).$(printf '%03d' $(( elapsed_ms % 1000 ))) s"
tail -5 "$work/example.txt"
# numba, frozen: a compiled kernel (the first run compiles, the second loads numba's disk cache).
book="$ROOT/mcdesk/examples/capital_project.xlsx"; spec="$ROOT/mcdesk/examples/capital_project.spec.json"
for run in 1 2; do
    "$binary" simulate "$book" --spec "$spec" --backend numba --trials 200000 --quiet \
        --json "$work/numba$run.json" >"$work/numba$run.txt" 2>&1 || {
        echo "FAIL: --backend numba"; tail -20 "$work/numba$run.txt"; exit 1; }
    python3 -c "import json, sys; d = json.load(open(sys.argv[1])); print(f\"--backend numba, run {sys.argv[2]}: {d['backend']}, compile {d.get('compile_s', 0):.2f} s, {d['trials_per_s']:,.0f} trials/s\")" "$work/numba$run.json" "$run"
done
if grep -qi cupy "$work/app.log" "$work/example.txt"; then echo "note: cupy mentioned in the logs"; fi
echo "OK"
