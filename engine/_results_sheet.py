"""Add a sheet of values to a copy of an .xlsx without rewriting the rest of it.

Every part of the original (sheets, charts, drawings, pivot caches, macros' absence or
presence, styles) is copied byte for byte; three small parts are edited as text (the
workbook's sheet list, its relationships and the content types) and one worksheet part is
added.  The edits are insertions before a closing tag, so namespaces and prefixes the
workbook uses are kept as they were.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from ._xlsx_package import Package, local
from .errors import McdeskError, WorkbookError

__all__ = ["add_sheet_copy"]

_REL_NS = {"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
           "http://purl.oclc.org/ooxml/officeDocument/relationships"}
_WS_TYPE = {"http://schemas.openxmlformats.org/officeDocument/2006/relationships":
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet",
            "http://purl.oclc.org/ooxml/officeDocument/relationships":
            "http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet"}
_SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
Cell = str | int | float | bool | None


def _column(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def _sheet_xml(rows: Sequence[Sequence[Cell]], main_ns: str) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
           f'<worksheet xmlns="{main_ns}"><sheetData>']
    for i, row in enumerate(rows, start=1):
        cells = []
        for j, v in enumerate(row):
            ref = f"{_column(j)}{i}"
            if v is None:
                continue
            if isinstance(v, bool):
                cells.append(f'<c r="{ref}" t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, int | float):
                if v != v or v in (float("inf"), float("-inf")):
                    continue
                cells.append(f'<c r="{ref}"><v>{float(v)!r}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">'
                             f'{escape(str(v))}</t></is></c>')
        out.append(f'<row r="{i}">{"".join(cells)}</row>')
    out.append("</sheetData></worksheet>")
    return "".join(out).encode("utf-8")


def _insert_before_close(text: str, tag: str, piece: str, part: str) -> str:
    found = list(re.finditer(rf"</(?:[A-Za-z_][\w.-]*:)?{tag}\s*>", text))
    if not found:
        raise WorkbookError(f"{part}: no </{tag}> to add the results sheet to")
    at = found[-1].start()
    return text[:at] + piece + text[at:]


def add_sheet_copy(src: Path, dst: Path, title: str, rows: Sequence[Sequence[Cell]]) -> str:
    """Copy ``src`` to ``dst`` with a new last sheet of ``rows``; returns the sheet's name
    (``title``, or ``title 2``, ... when the workbook has one of that name)."""
    from .workbook import Limits

    with Package(src, Limits()) as pkg:
        office = [t for kind, t in pkg.rels("").values() if kind == "officeDocument"]
        if not office or not pkg.has(office[0]):
            raise WorkbookError(f"{src}: no workbook part")
        wb_part = office[0]
        folder, name = posixpath.split(wb_part)
        rels_part = posixpath.join(folder, "_rels", name + ".rels")
        root = pkg.xml(wb_part)
        main_ns = root.tag[1:].partition("}")[0] if root.tag.startswith("{") else ""
        sheets = [el for el in root.iter() if local(el.tag) == "sheet"]
        names = {(el.get("name") or "").lower() for el in sheets}
        ids = [int(el.get("sheetId") or 0) for el in sheets]
        rel_ids = set(pkg.rels(wb_part))
        wb_text = b"".join(pkg.chunks(wb_part)).decode("utf-8")
        rels_text = b"".join(pkg.chunks(rels_part)).decode("utf-8")
        ct_text = b"".join(pkg.chunks("[Content_Types].xml")).decode("utf-8")
        infos = pkg.zf.infolist()
        sheet_title, k = title, 2
        while sheet_title.lower() in names:
            sheet_title, k = f"{title} {k}", k + 1
        n = 1
        while pkg.has(posixpath.join(folder, f"worksheets/sheet{n}.xml")):
            n += 1
        new_part = posixpath.join(folder, f"worksheets/sheet{n}.xml")
        rid, k = "rIdMcdesk", 2
        while rid in rel_ids:
            rid, k = f"rIdMcdesk{k}", k + 1
        rel_ns = next((ns for ns in _REL_NS if ns in wb_text), next(iter(sorted(_REL_NS))))
        prefix = re.search(rf'xmlns:([A-Za-z_][\w.-]*)="{re.escape(rel_ns)}"', wb_text)
        if prefix:
            rattr = f'{prefix.group(1)}:id="{rid}"'
        else:
            rattr = f'xmlns:mcr="{rel_ns}" mcr:id="{rid}"'
        sheet_prefix = re.search(r"<([A-Za-z_][\w.-]*:)?sheet\s", wb_text)
        p = sheet_prefix.group(1) or "" if sheet_prefix else ""
        wb_text = _insert_before_close(
            wb_text, "sheets", f"<{p}sheet name={quoteattr(sheet_title)} "
            f'sheetId="{max(ids, default=0) + 1}" {rattr}/>', wb_part)
        rels_text = _insert_before_close(
            rels_text, "Relationships", f'<Relationship Id="{rid}" Type="{_WS_TYPE[rel_ns]}" '
            f'Target="worksheets/sheet{n}.xml"/>', rels_part)
        ct_text = _insert_before_close(
            ct_text, "Types", f'<Override PartName="/{new_part}" ContentType="{_SHEET_CT}"/>',
            "[Content_Types].xml")
        edited = {wb_part: wb_text.encode("utf-8"), rels_part: rels_text.encode("utf-8"),
                  "[Content_Types].xml": ct_text.encode("utf-8")}
        try:
            with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
                for info in infos:
                    data = edited.get(info.filename)
                    if data is None:
                        data = b"".join(pkg.chunks(info.filename)) if not info.is_dir() else b""
                    out.writestr(info, data, compress_type=info.compress_type)
                out.writestr(new_part, _sheet_xml(rows, main_ns))
        except OSError as exc:
            raise McdeskError(f"cannot write {dst}: {exc.strerror or exc}") from exc
    return sheet_title
