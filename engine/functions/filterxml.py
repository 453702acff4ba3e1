"""FILTERXML(xml, xpath): the values an XPath selects in XML text.

Parsed by :mod:`xml.etree.ElementTree` (expat), never evaluated: a document type declaration
(``<!DOCTYPE``, ``<!ENTITY``: entity expansion, external entities) is refused as invalid XML
(#VALUE!), so only XML's five named entities and character references are expanded.

The XPath is read by ElementTree's subset: child and descendant steps (``/a/b``, ``//b``,
``a//b``), ``*``, ``.``, ``..``, predicates ``[@attr]``, ``[@attr='v']``, ``[tag]``,
``[tag='v']``, ``[.='v']``, ``[n]``, ``[last()]``, and a last step ``@attr`` or ``text()``.
The context is the document: ``//b`` may select the root element itself, ``a/b`` is
``/a/b``. A constant XPath outside this subset (``[.*0=0]``, ``contains(...)``) makes the cell
unsupported at compile time with one line (:func:`supported_xpath`, engine.compiler); one made
per trial gives #VALUE!.

Results as Excel gives them: one match a single value, several a vertical array; text that
reads as a number (VALUE's rules: "12", "1.5e3", "50%", dates) becomes that number; elements
without text are skipped (Excel's selection of text values), and nothing selected, invalid
XML or an invalid XPath is #VALUE!. Trials with different numbers of matches are evaluated
per group of trials of one count (:class:`engine._ragged.Ragged`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from .. import ir
from .._ragged import check_uniform
from ..values import VALUE, Grid, Kind, Vec, error, first_error, from_scalars, to_text
from . import register
from .text import _parse_text

Arg = Vec | Grid | None
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.I)
_LAST = re.compile(r"^(.*?)/(@[\w.:-]+|text\(\))$")
MAX_XPATH = 1024          # Excel's limit on the XPath text


class _Invalid(Exception):
    """Invalid XML or an XPath outside the subset: #VALUE!."""


def _split_xpath(xpath: str) -> tuple[str, str | None]:
    """(an ElementTree path from a wrapper around the root, the last step when it takes an
    attribute or the text)."""
    path = xpath.strip()
    last = None
    m = _LAST.match(path)
    if m:
        path, last = m.group(1), m.group(2)
        if path.endswith("/"):   # //@a: the attribute of any element
            path += "/*"
    elif path.startswith("@"):
        raise _Invalid(xpath)
    if not path:
        raise _Invalid(xpath)
    if not path.startswith("/"):
        path = "/" + path
    return "." + path, last


@lru_cache(maxsize=64)
def supported_xpath(xpath: str) -> bool:
    """Whether ElementTree's subset reads ``xpath`` (see the module docstring)."""
    if len(xpath) > MAX_XPATH or "(" in xpath.replace("text()", "").replace("last()", ""):
        return False
    try:
        path, _ = _split_xpath(xpath)
        ET.Element("w").findall(path)
    except (_Invalid, SyntaxError, KeyError, TypeError):
        return False
    return True


@lru_cache(maxsize=4096)
def select(xml: str, xpath: str) -> tuple[object, ...]:
    """The values ``xpath`` selects in ``xml`` (numbers where the text reads as one); raises
    :class:`_Invalid` for invalid XML, an XPath outside the subset, or nothing selected."""
    if _DTD.search(xml) or not supported_xpath(xpath):
        raise _Invalid(xpath)
    try:
        root = ET.fromstring(xml)
    except (ET.ParseError, ValueError) as exc:
        raise _Invalid(str(exc)) from exc
    wrapper = ET.Element("\x00document")
    wrapper.append(root)
    path, last = _split_xpath(xpath)
    texts: list[str] = []
    for node in wrapper.findall(path):
        if last is None or last == "text()":
            value = "".join(node.itertext()) if last is None else (node.text or "")
        else:
            value = node.get(last[1:])
            if value is None:
                continue
        if value != "":
            texts.append(value)
    if not texts:
        raise _Invalid(xpath)
    out: list[object] = []
    for t in texts:
        x = _parse_text(t)
        out.append(t if x is None else float(x))
    return tuple(out)


@register("FILTERXML")
def filterxml(xml: Arg = None, xpath: Arg = None) -> Vec | Grid:
    """Excel's FILTERXML (see the module docstring)."""
    if xml is None or xpath is None:
        return error(VALUE)
    docs, e1 = to_text(_first(xml))
    paths, e2 = to_text(_first(xpath))
    err = first_error(e1, e2)
    n = max(len(docs), len(paths), 1 if err is None else len(err))
    results: list[tuple[object, ...] | None] = []
    for i in range(n):
        if err is not None and err[i if len(err) > 1 else 0]:
            results.append(None)
            continue
        try:
            results.append(select(str(docs[i if len(docs) > 1 else 0]),
                                  str(paths[i if len(paths) > 1 else 0])))
        except _Invalid:
            results.append(())
    check_uniform(np.array([-1 if r is None else len(r) for r in results]))
    first = results[0]
    if first is None:   # the arguments' error, in every trial
        return Vec(Kind.NUM, np.zeros(n), _codes(err, n))
    if not first:
        return error(VALUE, n) if n > 1 else error(VALUE)
    cells = [[from_scalars([r[k] for r in results])] for k in range(len(first))]  # type: ignore[index]
    return cells[0][0] if len(cells) == 1 else Grid(cells)


def compile_filterxml(compiler: Any, node: ir.Call) -> Callable[[Any], Vec | Grid]:
    """FILTERXML compiled as any function, after one check: a constant XPath outside the
    subset makes the cell unsupported (one line naming it) rather than #VALUE!."""
    if len(node.args) == 2 and isinstance(node.args[1], ir.Str) \
            and not supported_xpath(node.args[1].value):
        compiler.info.unsupported.add(f'FILTERXML with the XPath "{node.args[1].value[:80]}" '
                                      "(beyond the subset ElementTree reads)")
        bad = error(VALUE)
        return lambda env: bad
    if len(node.args) != 2:
        compiler.info.problems.append(f"FILTERXML takes 2 arguments, not {len(node.args)}")
        bad = error(VALUE)
        return lambda env: bad
    xml, xpath = (compiler.compile(a) for a in node.args)
    return lambda env: filterxml(xml(env), xpath(env))


def _first(v: Arg) -> Vec:
    """An argument as one value per trial (an array's first value)."""
    if isinstance(v, Grid):
        return v.cells[0][0]
    return v  # type: ignore[return-value]


def _codes(err: np.ndarray | None, n: int) -> np.ndarray:
    assert err is not None
    return np.array(np.broadcast_to(err, (n,)), dtype=np.uint8)

__all__ = ["compile_filterxml", "filterxml", "select", "supported_xpath"]
