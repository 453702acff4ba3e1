"""The .xlsx container: safety checks, bounded reads of its parts, safe XML, relationships.

Every part is read through :class:`Package`, which counts the decompressed bytes against the
limits and refuses a DOCTYPE (entity declarations: billion-laughs and external entities) before
any of it is expanded. Parts the engine does not use (pivot caches, drawings, charts, comments)
are never opened, so their size and content cost nothing.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote
from xml.etree import ElementTree as ET
from xml.parsers import expat

from .errors import LimitError, WorkbookError
from .workbook import Limits

CHUNK = 1 << 20
_ROOT_PREFIX = re.compile(rb"<([A-Za-z_][A-Za-z0-9_.-]*):worksheet\b")
# parts the loader may read; their total and compression ratio are what the limits bound
_READ_PREFIXES = ("xl/worksheets/", "xl/macrosheets/", "xl/dialogsheets/", "xl/tables/",
                  "xl/externalLinks/", "xl/_rels/", "xl/sharedStrings", "xl/styles",
                  "xl/workbook", "_rels/", "xl/metadata")
_BOMB_FLOOR = 50 * 2**20  # below this many bytes, a high compression ratio is harmless


def local(tag: str) -> str:
    """An element's or attribute's name without its namespace."""
    return tag.rpartition("}")[2]


def attr(el: ET.Element, name: str, default: str | None = None) -> str | None:
    """An attribute by local name, whatever its namespace (``r:id`` is ``attr(el, "id")``)."""
    value = el.get(name)
    if value is not None:
        return value
    for key, value in el.attrib.items():
        if key.endswith("}" + name):
            return value
    return default


def children(el: ET.Element, name: str) -> Iterator[ET.Element]:
    return (c for c in el if local(c.tag) == name)


def child(el: ET.Element, name: str) -> ET.Element | None:
    return next(children(el, name), None)


def is_true(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "on")


# what zipfile raises on a damaged container: bad headers, unknown compression methods or
# versions (NotImplementedError), encrypted members (RuntimeError), undecodable member names
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError,
               RuntimeError, UnicodeDecodeError, ValueError)

class Package:
    """An opened .xlsx zip whose parts are read within the limits."""

    def __init__(self, path: Path, limits: Limits) -> None:
        self.path = path
        self.limits = limits
        check_container(path, limits)
        try:
            self.zf = zipfile.ZipFile(path)
            self.infos = {i.filename: i for i in self.zf.infolist()}
        except _ZIP_ERRORS as exc:
            raise WorkbookError(f"{path}: the file is damaged or truncated ({exc})") from exc
        self._check_sizes()
        self.read_bytes = 0

    def close(self) -> None:
        self.zf.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_sizes(self) -> None:
        read = [i for n, i in self.infos.items() if n.startswith(_READ_PREFIXES)]
        total = sum(i.file_size for i in read)
        packed = sum(i.compress_size for i in read)
        lim = self.limits
        if total > lim.max_uncompressed_bytes:
            raise LimitError(f"{self.path}: decompressed size {total / 2**20:.0f} MB exceeds the "
                             f"limit of {lim.max_uncompressed_bytes / 2**20:.0f} MB "
                             f"{Limits.hint('max_uncompressed_bytes')}")
        if packed and total / packed > lim.max_ratio and total > _BOMB_FLOOR:
            raise LimitError(f"{self.path}: compression ratio {total / packed:.0f}:1 looks like "
                             f"a zip bomb {Limits.hint('max_ratio')}")

    def has(self, part: str) -> bool:
        return part in self.infos

    def names(self) -> list[str]:
        return list(self.infos)

    def declared_size(self, part: str) -> int:
        """The part's uncompressed size as the zip declares it (reading stops there)."""
        info = self.infos.get(part)
        return 0 if info is None else info.file_size

    def count_filled_cells(self, part: str) -> int:
        """About how many cells of a worksheet part hold something: its ``</c>`` end tags
        (``</x:c>`` with the root's prefix; a styled empty cell is ``<c .../>``), counted
        in the raw bytes without parsing, to refuse a sheet above the cell budget before
        reading it.  A tag split across two chunks is missed: never an overcount."""
        end = b"</c>"
        n = 0
        for i, chunk in enumerate(self.chunks(part, counted=False)):
            if i == 0:
                m = _ROOT_PREFIX.search(chunk[:4096])
                if m is not None:
                    end = b"</" + m.group(1) + b":c>"
            n += chunk.count(end)
        return n

    def chunks(self, part: str, counted: bool = True) -> Iterator[bytes]:
        """The part's bytes, decompressed a chunk at a time and counted against the limits
        (``counted`` False: a look ahead that the real read counts)."""
        info = self.infos.get(part)
        if info is None:
            raise WorkbookError(f"{self.path}: the part {part} is missing")
        limit = self.limits.max_uncompressed_bytes
        try:
            with self.zf.open(info) as fh:
                while chunk := fh.read(CHUNK):
                    if not counted:
                        yield chunk
                        continue
                    self.read_bytes += len(chunk)
                    if self.read_bytes > limit:
                        raise LimitError(f"{self.path}: decompressed size exceeds the limit of "
                                         f"{limit / 2**20:.0f} MB (while reading {part}) "
                                         f"{Limits.hint('max_uncompressed_bytes')}")
                    yield chunk
        except _ZIP_ERRORS as exc:
            raise WorkbookError(f"{self.path}: the part {part} is damaged ({exc})") from exc

    def parse(self, part: str, setup: Callable[[expat.XMLParserType], None],
              namespaces: bool = False) -> None:
        """Stream the part through an expat parser set up by ``setup``; no DOCTYPE allowed.

        With ``namespaces``, names arrive as ``uri}local``; without, as written (``x:c`` or ``c``).
        """
        p = expat.ParserCreate(namespace_separator="}") if namespaces else expat.ParserCreate()
        p.buffer_text = True
        p.buffer_size = 1 << 16
        self._refuse_doctype(p, part)
        setup(p)
        try:
            for chunk in self.chunks(part):
                p.Parse(chunk, False)
            p.Parse(b"", True)
        except expat.ExpatError as exc:
            raise WorkbookError(f"{self.path}: the part {part} is not well-formed XML "
                                f"({expat.ErrorString(exc.code)}, line {exc.lineno})") from exc

    def _refuse_doctype(self, p: expat.XMLParserType, part: str) -> None:
        def refuse(*_: object) -> None:
            raise WorkbookError(f"{self.path}: the part {part} declares a DOCTYPE or entities; "
                                "refused (entity expansion is unsafe)")

        p.StartDoctypeDeclHandler = refuse
        p.EntityDeclHandler = refuse

    def xml(self, part: str) -> ET.Element:
        """A small part as an ElementTree (namespaced tags as ``{uri}name``)."""
        builder = ET.TreeBuilder()

        def qualify(name: str) -> str:
            return "{" + name if "}" in name else name

        def start(name: str, attrs: dict[str, str]) -> None:
            builder.start(qualify(name), {qualify(k): v for k, v in attrs.items()})

        def setup(p: expat.XMLParserType) -> None:
            p.StartElementHandler = start
            p.EndElementHandler = lambda name: builder.end(qualify(name))
            p.CharacterDataHandler = builder.data

        self.parse(part, setup, namespaces=True)
        return builder.close()

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """The relationships of ``part``: id -> (type's last word, resolved target part)."""
        folder, name = posixpath.split(part)
        rels_part = posixpath.join(folder, "_rels", name + ".rels")
        if not self.has(rels_part):
            return {}
        out = {}
        for rel in self.xml(rels_part):
            rid, target = rel.get("Id"), rel.get("Target")
            if rid is None or target is None:
                continue
            kind = (rel.get("Type") or "").rstrip("/").rpartition("/")[2]
            if rel.get("TargetMode") == "External":
                out[rid] = (kind, unquote(target))
            else:
                out[rid] = (kind, resolve(folder, target))
        return out


def resolve(folder: str, target: str) -> str:
    """A relationship target as a part name in the zip."""
    target = unquote(target).replace("\\", "/")
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(folder, target))


def check_container(path: Path, limits: Limits) -> None:
    """File size, old .xls or encrypted files, zip-ness: refuse early with advice."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise WorkbookError(f"{path}: cannot read the file ({exc.strerror})") from exc
    if size > limits.max_file_bytes:
        raise LimitError(f"{path}: the file is {size / 2**20:.1f} MB, above the limit of "
                         f"{limits.max_file_bytes / 2**20:.0f} MB {Limits.hint('max_file_bytes')}")
    with open(path, "rb") as fh:
        head = fh.read(8)
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            body = head + fh.read()
            if "EncryptedPackage".encode("utf-16-le") in body:
                raise WorkbookError(f"{path}: the workbook is password-protected; "
                                    "remove the password in Excel and save it again")
            raise WorkbookError(f"{path}: this is an old .xls (Excel 97-2003) file; "
                                "open it in Excel or LibreOffice and save it as .xlsx")
    if not zipfile.is_zipfile(path):
        raise WorkbookError(f"{path}: not an .xlsx workbook (not a zip container)")
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except _ZIP_ERRORS as exc:
        raise WorkbookError(f"{path}: the file is damaged or truncated ({exc})") from exc
    if "xl/workbook.xml" not in names:
        raise WorkbookError(f"{path}: not an .xlsx workbook (no xl/workbook.xml inside)")
