"""FILTERXML in the fused kernel: only as a constant (numpy's value, folded before any
function is dispatched, e.g. ``INDEX(FILTERXML("<t>...</t>","//s"),2)``). XML text made per
trial is parsed by numpy (engine.functions.filterxml): an XML parser and an XPath reader in
the kernel and its CUDA twin would be a large runtime for a rare function, and the number of
matches, hence the result's shape, may differ between trials."""

from __future__ import annotations

from ... import ir
from ._values import NotFusable, Val


class FilterXmlMixin:
    """``fn_filterxml``: the reason a FILTERXML that is not one constant stays numpy's."""

    def fn_filterxml(self, node: ir.Call) -> Val:
        raise NotFusable("FILTERXML of XML text or an XPath made per trial (parsed by numpy)")


__all__ = ["FilterXmlMixin"]
