"""One cell of a sheet's raw XML, as Excel or a script writes it: shared by the benches that
generate workbooks and by the tests' raw-XML workbooks (``tests/xlsx_xml.py``)."""

from __future__ import annotations

from xml.sax.saxutils import escape


def cell_xml(addr: str, value: object) -> str:
    """``<c>`` for ``value``: a number or text constant, or ``(formula, cached)`` (cached None:
    no ``<v>``; text: ``t="str"``); text constants are inline strings."""
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
