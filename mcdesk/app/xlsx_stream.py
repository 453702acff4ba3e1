"""A minimal streaming .xlsx writer for large tables of numbers: each sheet's XML goes
straight into the zip, a chunk of rows at a time, the rows of a chunk built by pyarrow's
string kernels (no Python loop per cell).  Cells carry no ``r`` attribute (optional in
SpreadsheetML: rows and cells follow one another) and numbers their shortest round-trip
decimal text; an error trial (NaN) is an empty cell; text cells are inline strings.

Written for the app's samples export: xlsxwriter's constant-memory mode, timed first, wrote
10^6 trials x 23 columns in 587 s (a Python call per cell); this writes them in a few tens of
seconds (bench/bench_export.py).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np

__all__ = ["number_rows", "value_rows", "write_workbook"]

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SHEET_HEAD = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS}>'
               "<sheetData>").encode()
_SHEET_TAIL = b"</sheetData></worksheet>"
_STYLES = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet {_NS}>'
           '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
           '<fills count="2"><fill><patternFill patternType="none"/></fill>'
           '<fill><patternFill patternType="gray125"/></fill></fills>'
           '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
           '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
           "</styleSheet>")


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "<c/>"
    if isinstance(v, bool):
        return f'<c t="b"><v>{int(v)}</v></c>'
    if isinstance(v, int | float):
        return f"<c><v>{float(v)!r}</v></c>" if isinstance(v, float) else f"<c><v>{v}</v></c>"
    return f'<c t="inlineStr"><is><t xml:space="preserve">{escape(str(v))}</t></is></c>'


def value_rows(rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """Rows of mixed values (text, numbers, None), one ``<row>`` each (for small tables)."""
    for row in rows:
        yield ("<row>" + "".join(_cell(v) for v in row) + "</row>").encode()


def number_rows(columns: Sequence[np.ndarray]) -> bytes:
    """The ``<row>`` elements of a block of float64 columns (one row per index), built by
    pyarrow's kernels: each number as its shortest round-trip text, NaN as an empty cell."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not columns or not len(columns[0]):
        return b""
    text = pa.large_string()
    parts: list[Any] = [pa.scalar("<row><c><v>", text)]
    last = len(columns) - 1
    for k, col in enumerate(columns):
        parts.append(pc.cast(pa.array(np.asarray(col, dtype=np.float64)), text))
        parts.append(pa.scalar("</v></c></row>" if k == last else "</v></c><c><v>", text))
    rows = pc.binary_join_element_wise(*parts, pa.scalar("", text))
    rows = pc.replace_substring(rows, "<c><v>nan</v></c>", "<c/>")
    _, offsets, data = rows.buffers()  # the rows' text, one after the other
    ends = np.frombuffer(offsets, dtype=np.int64)[rows.offset:rows.offset + len(rows) + 1]
    return memoryview(data)[ends[0]:ends[-1]].tobytes()


def write_workbook(path: str | Path, sheets: Sequence[tuple[str, Iterable[bytes]]]) -> None:
    """An .xlsx at ``path`` with one sheet per ``(name, chunks of <row> elements)``; each
    chunk is compressed into the file as it comes (the whole sheet is never in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for i, (_, chunks) in enumerate(sheets, start=1):
            with z.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as out:
                out.write(_SHEET_HEAD)
                for chunk in chunks:
                    out.write(chunk)
                out.write(_SHEET_TAIL)
        n = len(sheets)
        z.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.styles+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                      'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                      for i in range(1, n + 1))
            + "</Types>"))
        z.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"))
        z.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {_NS} '
            f'xmlns:r="{_REL}"><sheets>'
            + "".join(f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{i}" '
                      f'r:id="rId{i}"/>' for i, (name, _) in enumerate(sheets, start=1))
            + "</sheets></workbook>"))
        z.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
                      f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
            + f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>"))
        z.writestr("xl/styles.xml", _STYLES)
