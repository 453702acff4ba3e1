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

from ._xlsx_package import Package, attr, local
from .errors import McdeskError, WorkbookError

__all__ = ["add_sheet_copy", "set_cached_values"]

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


def _with_value(element: str, value: float | None) -> str:
    """A ``<c ...>...</c>`` element (prefix kept) whose cached value is ``value`` (a
    number; None: ``#N/A``), its formula kept."""
    m = re.match(r"<((?:[A-Za-z_][\w.-]*:)?)c\b([^>]*?)(/?)>", element)
    assert m is not None
    p, attrs = m.group(1), re.sub(r'\st="[^"]*"', "", m.group(2))
    body = "" if m.group(3) else element[m.end():element.rindex("<")]
    body = re.sub(rf"<{p}v\b[^>]*?(?:/>|>.*?</{p}v>)", "", body, flags=re.S)
    if value is None or not isinstance(value, int | float) or value != value or \
            value in (float("inf"), float("-inf")):
        return f'<{p}c{attrs} t="e">{body}<{p}v>#N/A</{p}v></{p}c>'
    return f"<{p}c{attrs}>{body}<{p}v>{float(value)!r}</{p}v></{p}c>"


def set_cached_values(path: Path, values: dict[tuple[str, str], float | None]) -> int:
    """Rewrite ``path`` (an .xlsx written by :func:`add_sheet_copy`) with the cached value
    of each ``(sheet, "B7")`` cell replaced (formulas kept); returns the cells changed.
    Only those cells' elements change; every other byte of the sheet parts stays."""
    if not values:
        return 0
    from .workbook import Limits

    src = Path(path)
    tmp = src.with_name(src.name + ".part")
    wanted: dict[str, dict[str, float | None]] = {}
    changed = 0
    with Package(src, Limits()) as pkg:
        office = [t for kind, t in pkg.rels("").values() if kind == "officeDocument"]
        if not office:
            raise WorkbookError(f"{src}: no workbook part")
        rels = pkg.rels(office[0])
        for el in pkg.xml(office[0]).iter():
            if local(el.tag) != "sheet":
                continue
            rid = attr(el, "id")
            target = rels.get(rid or "", ("", ""))[1]
            cells = {coord.upper(): v for (sheet, coord), v in values.items()
                     if sheet == el.get("name")}
            if target and cells:
                wanted[target] = cells
        infos = pkg.zf.infolist()
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
                for info in infos:
                    data = b"".join(pkg.chunks(info.filename)) if not info.is_dir() else b""
                    cells = wanted.get(info.filename)
                    if cells:
                        text = data.decode("utf-8")

                        def swap(m: re.Match, cells: dict = cells) -> str:
                            nonlocal changed
                            ref = re.search(r'\br="([A-Z]+[0-9]+)"', m.group(0)[:200])
                            if ref is None or ref.group(1) not in cells:
                                return m.group(0)
                            changed += 1
                            return _with_value(m.group(0), cells[ref.group(1)])

                        text = re.sub(r"<((?:[A-Za-z_][\w.-]*:)?)c\b[^>]*?(?:/>|>.*?</\1c>)",
                                      swap, text, flags=re.S)
                        data = text.encode("utf-8")
                    out.writestr(info, data, compress_type=info.compress_type)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise McdeskError(f"cannot write {src}: {exc.strerror or exc}") from exc
    tmp.replace(src)
    return changed
