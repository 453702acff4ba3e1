"""LibreOffice Calc as a second oracle: recompute a workbook from scratch, read its answers.

LibreOffice keeps the cached values it finds in a file, so :func:`strip_cached_values` first
removes the ``<v>`` of every formula cell (and ``fullCalcOnLoad``) from the sheet XML; then
``soffice --headless --convert-to xlsx`` opens the copy, recomputes every formula and saves
it, and :func:`read_values` reads the recomputed values back with openpyxl (``data_only``).

soffice's start-up costs about as much as recomputing a few hundred small workbooks, so
:func:`recompute` converts MANY files per soffice invocation; each call runs in a private
user profile (``-env:UserInstallation``) so parallel runs do not lock each other out.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_SHEET = re.compile(r"xl/worksheets/sheet[^/]*\.xml$")
_FORMULA_CELL = re.compile(rb"(<c\b[^>]*>)(.*?)(</c>)", re.S)
_VALUE = re.compile(rb"<v>.*?</v>|<v/>", re.S)
_TYPE_ATTR = re.compile(rb'\s+t="(?:str|n|b|e)"')


def soffice() -> str | None:
    """The soffice executable, or None where LibreOffice is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _strip_sheet(xml: bytes) -> bytes:
    def cell(m: re.Match) -> bytes:
        head, body, tail = m.groups()
        if b"<f" not in body:
            return m.group(0)
        return _TYPE_ATTR.sub(b"", head) + _VALUE.sub(b"", body) + tail
    return _FORMULA_CELL.sub(cell, xml)


def strip_cached_values(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` without the cached values of formula cells (nor fullCalcOnLoad)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if _SHEET.match(item.filename):
                data = _strip_sheet(data)
            elif item.filename == "xl/workbook.xml":
                data = re.sub(rb'\s+fullCalcOnLoad="(?:1|true)"', b"", data)
            elif item.filename == "xl/calcChain.xml":
                continue
            zout.writestr(item, data)


def recompute(books: Sequence[Path], out_dir: Path, *, batch: int = 200,
              timeout_s: float = 600.0) -> dict[Path, Path]:
    """Have LibreOffice recompute each workbook; returns {source: recomputed copy in out_dir}.

    Files soffice could not convert are left out of the result.  Books are stripped of their
    cached formula values first, then converted ``batch`` at a time per soffice process.
    """
    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    out_dir.mkdir(parents=True, exist_ok=True)
    result: dict[Path, Path] = {}
    with tempfile.TemporaryDirectory(prefix="lo_oracle_") as tmp:
        tmpd = Path(tmp)
        stripped_dir, profile = tmpd / "in", tmpd / "profile"
        stripped_dir.mkdir()
        names: dict[str, Path] = {}
        for i, book in enumerate(books):
            name = f"b{i:06d}.xlsx"   # soffice names its output after the input's stem
            strip_cached_values(book, stripped_dir / name)
            names[name] = book
        todo = sorted(names)
        for start in range(0, len(todo), batch):
            chunk = [str(stripped_dir / n) for n in todo[start:start + batch]]
            cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                   "--nolockcheck", "--convert-to", "xlsx:Calc MS Excel 2007 XML",
                   "--outdir", str(out_dir), *chunk]
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout_s,
                                  env={**os.environ, "SAL_USE_VCLPLUGIN": "svp"}, check=False)
            log.info("soffice converted %d files in %.1f s (rc %s)", len(chunk),
                     time.perf_counter() - t0, proc.returncode)
        for name, book in names.items():
            out = out_dir / name
            if out.is_file():
                result[book] = out
    return result


def read_values(path: Path, cells: Iterable[str] | None = None) -> dict[str, Any]:
    """Cached values of a (recomputed) workbook: {'Sheet!A1': value}; errors as their text."""
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    try:
        out: dict[str, Any] = {}
        wanted = set(cells) if cells is not None else None
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if c.value is None or not hasattr(c, "coordinate"):
                        continue
                    key = f"{ws.title}!{c.coordinate}"
                    if wanted is None or key in wanted:
                        out[key] = c.value
        return out
    finally:
        wb.close()
