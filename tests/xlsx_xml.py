"""A workbook written as raw XML (zipfile): formulas with the cached values a test chooses,
and the workbook's ``calcPr`` attributes, as Excel or a script would write them."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
_BOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"""
_NS = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')


def _cell(addr: str, value: object) -> str:
    """``value``: a number or text constant, or ``(formula, cached)`` (cached None: no <v>)."""
    if isinstance(value, tuple):
        formula, cached = value
        f = f"<f>{escape(formula.lstrip('='))}</f>"
        if cached is None:
            return f'<c r="{addr}">{f}</c>'
        if isinstance(cached, str):
            return f'<c r="{addr}" t="str">{f}<v>{escape(cached)}</v></c>'
        return f'<c r="{addr}">{f}<v>{cached!r}</v></c>'
    if isinstance(value, str):
        return f'<c r="{addr}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    return f'<c r="{addr}"><v>{value!r}</v></c>'


def write_xlsx(path: Path, cells: dict[str, object], calc: dict[str, str] | None = None,
               sheet: str = "Sheet1") -> Path:
    """One sheet, ``cells`` keyed by address (A1), rows in order; ``calc``: calcPr attributes."""
    rows: dict[int, list[str]] = {}
    for addr, value in cells.items():
        row = int("".join(ch for ch in addr if ch.isdigit()))
        rows.setdefault(row, []).append(_cell(addr, value))
    data = "".join(f'<row r="{r}">{"".join(cs)}</row>' for r, cs in sorted(rows.items()))
    attrs = " ".join(f"{k}={quoteattr(v)}" for k, v in (calc or {}).items())
    book = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {_NS}><sheets>'
            f'<sheet name={quoteattr(sheet)} sheetId="1" r:id="rId1"/></sheets>'
            f'<calcPr calcId="191029" {attrs}/></workbook>')
    sheet_xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {_NS}>'
                 f"<sheetData>{data}</sheetData></worksheet>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", book)
        z.writestr("xl/_rels/workbook.xml.rels", _BOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return path
