#!/usr/bin/env bash
# Build the mcdesk desktop binary with PyInstaller.
#
#   packaging/build_desktop.sh            # dist/mcdesk, one file
#   packaging/build_desktop.sh --onedir   # dist/mcdesk/mcdesk, starts faster (no unpacking)
#   packaging/build_desktop.sh --no-venv  # use the current Python (pyinstaller installed)
#
# This is what `nicegui-pack --onefile --name mcdesk packaging/desktop_entry.py` runs, plus
# what nicegui-pack cannot pass on: --exclude-module cupy. Without it PyInstaller follows
# plotly -> narwhals -> cupy into the binary (204 MB instead of 75 MB), and the desktop
# build runs on the CPU (numpy, numba) or hands runs to the remote GPU service anyway.
#
# By default the build runs in a fresh virtual environment (build/desktop/venv) with only
# the project and PyInstaller, installed from the project's metadata (extra "pack"), so no
# package that happens to sit in the developer's environment ends up in the binary.
# Check the result with packaging/check_desktop.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

mode=--onefile
use_venv=1
for arg in "$@"; do
    case "$arg" in
        --onedir) mode=--onedir ;;
        --onefile) mode=--onefile ;;
        --no-venv) use_venv=0 ;;
        -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "build_desktop.sh: unknown option $arg" >&2; exit 2 ;;
    esac
done

work="$ROOT/build/desktop"
mkdir -p "$work"
python="${PYTHON:-python3}"
if [[ $use_venv == 1 ]]; then
    if [[ ! -x "$work/venv/bin/python" ]]; then
        "$python" -m venv "$work/venv"
    fi
    python="$work/venv/bin/python"
    "$python" -m pip install --quiet --upgrade pip
    # Non-editable: the binary is built from the installed package and its package data.
    "$python" -m pip install --quiet "$ROOT[pack]"
fi
"$python" -c "import PyInstaller" 2>/dev/null || {
    echo "build_desktop.sh: PyInstaller is missing: pip install '.[pack]'" >&2; exit 2; }

nicegui_dir="$("$python" -c 'import nicegui, os; print(os.path.dirname(nicegui.__file__))')"
# The numba backend reads the source of its runtime modules (a hash of them keys numba's
# kernel cache): ship engine's .py files too, where their modules' __file__ points.
engine_dir="$("$python" -c 'import engine, os; print(os.path.dirname(engine.__file__))')"
# No --strip: stripping numpy's bundled OpenBLAS breaks it ("ELF load command address/offset
# not page-aligned").
started=$(date +%s)
"$python" -m PyInstaller \
    --noconfirm --clean --log-level WARN \
    --name mcdesk "$mode" \
    --distpath "$ROOT/dist" \
    --workpath "$work/pyinstaller" \
    --specpath "$work" \
    --add-data "$nicegui_dir:nicegui" \
    --add-data "$engine_dir:engine" \
    --collect-data mcdesk \
    --collect-submodules engine \
    --collect-submodules mcdesk \
    --collect-submodules remote \
    --exclude-module cupy \
    --exclude-module cupyx \
    --exclude-module cupy_backends \
    --exclude-module pynvml \
    "$ROOT/packaging/desktop_entry.py"

echo "built dist/mcdesk ($mode) in $(( $(date +%s) - started )) s, $(du -sh "$ROOT/dist/mcdesk" | cut -f1)"
