"""``mcdesk app --native``: a desktop window (pywebview on Qt) on a virtual screen (Xvfb).

Skipped where the extra is not installed (``pip install 'mcdesk[native]'``), or Xvfb, the Qt
system libraries or Pillow (for the screenshot) are absent.  The screenshot is saved to
``test-artifacts/native-window.png``; a failed Qt start can exit 0, so the window itself is
checked: the screen must show the app, not an empty desktop."""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

for module in ("webview", "PySide6.QtWebEngineWidgets", "PIL.ImageGrab"):
    pytest.importorskip(module, reason=f"{module} is not installed (pip install 'mcdesk[native]' pillow)")
if shutil.which("Xvfb") is None:
    pytest.skip("Xvfb is not installed", allow_module_level=True)
if ctypes.util.find_library("xcb-cursor") is None:
    pytest.skip("Qt needs libxcb-cursor0 (apt-get install libxcb-cursor0 libxcb-icccm4 "
                "libxcb-keysyms1)", allow_module_level=True)

from PIL import ImageGrab  # noqa: E402

from remote.testing import free_port, wait_healthy  # noqa: E402
from tests.test_app_browser import ARTIFACTS, ROOT  # noqa: E402

DISPLAY = ":87"


def test_native_window_shows_the_app(tmp_path: Path) -> None:
    xvfb = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    env.update({"DISPLAY": DISPLAY, "PYWEBVIEW_GUI": "qt", "QT_QPA_PLATFORM": "xcb",
                "QTWEBENGINE_CHROMIUM_FLAGS": "--no-sandbox --disable-gpu",
                "QTWEBENGINE_DISABLE_SANDBOX": "1", "MCDESK_DATA_DIR": str(tmp_path / "data"),
                "MCDESK_CONFIG_DIR": str(tmp_path / "config")})
    app = subprocess.Popen([sys.executable, "-m", "mcdesk", "app", "--native", "--port", str(port)],
                           cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
    try:
        deadline = time.monotonic() + 90
        assert wait_healthy(f"http://127.0.0.1:{port}", app, 90, lambda: app.stdout.read()), \
            "the native app did not serve its page in 90 s"
        # the window loads the page: wait until the screen is no longer one colour
        shot = None
        while time.monotonic() < deadline:
            time.sleep(2)
            shot = ImageGrab.grab(xdisplay=DISPLAY)
            colors = shot.getcolors(maxcolors=100_000)
            if colors is None or len(colors) > 50:
                break
        assert shot is not None
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot.save(ARTIFACTS / "native-window.png")
        colors = shot.getcolors(maxcolors=100_000)
        assert colors is None or len(colors) > 50, "the screen is empty: no window was drawn"
        assert app.poll() is None, "the native app exited"
    finally:
        app.terminate()
        try:
            app.wait(10)
        except subprocess.TimeoutExpired:
            app.kill()
        xvfb.terminate()
        xvfb.wait(10)
