"""A workbook of several sheets written as raw XML (zipfile), with dynamic-array formulas as
Excel 365 writes them: ``<f t="array" ref="A1:A4">`` on the anchor (``cm="1"``), the spilled
cells holding only their cached values."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

_NS = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')


def _cell(addr: str, value: object) -> str:
    """A constant, ``(formula, cached)`` or ``(formula, cached, spill range)`` as Excel 365
    writes a dynamic-array formula (``t="array"`` with the spill range, ``cm="1"``)."""
    if isinstance(value, tuple):
        formula, cached, *spill = value
        f = (f'<f t="array" ref="{spill[0]}">{escape(formula)}</f>' if spill
             else f"<f>{escape(formula)}</f>")
        cm = ' cm="1"' if spill else ""
        return f'<c r="{addr}"{cm}>{f}<v>{cached!r}</v></c>'
    return f'<c r="{addr}"><v>{value!r}</v></c>'


def write_book(path: Path, sheets: dict[str, dict[str, object]]) -> Path:
    """Sheets of cells keyed by address, rows in order."""
    def sheet_xml(cells: dict[str, object]) -> str:
        rows: dict[int, list[str]] = {}
        for addr, value in cells.items():
            rows.setdefault(int("".join(ch for ch in addr if ch.isdigit())), []).append(
                _cell(addr, value))
        data = "".join(f'<row r="{r}">{"".join(cs)}</row>' for r, cs in sorted(rows.items()))
        return f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}><sheetData>{data}</sheetData></worksheet>'

    names = list(sheets)
    types = "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
                    f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                    for i in range(len(names)))
    rels = "".join(f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/'
                   f'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                   for i in range(len(names)))
    book_sheets = "".join(f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                          for i, n in enumerate(names))
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="rels" ContentType="application/'
                   'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                   'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
                   f'main+xml"/>{types}</Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
                   'http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                   'officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook {_NS}>'
                                      f'<sheets>{book_sheets}</sheets><calcPr calcId="191029"/></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                   f'openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
        for i, n in enumerate(names):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", sheet_xml(sheets[n]))
    return path
