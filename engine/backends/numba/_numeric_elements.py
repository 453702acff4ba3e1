"""Array expressions whose every element is a number or an error.

SUM, PRODUCT, AVERAGE, MIN and MAX of an array expression in an array formula are written
out element by element (:meth:`._arrays.ArrayElements._single`), which is numpy's answer only
where every element is a number or an error: an array's text and logicals are skipped where
the same values given one by one are counted.  Arithmetic has only such elements; so do the
CSE idioms ``SUM(IFERROR(a/b,0))`` (IFERROR/IFNA of such an array with a number as the
fallback) and ``MAX(IF(c="x",a*b,0))`` (IF choosing between such arrays and numbers, its
else given: a missing else is FALSE); so do ROW and COLUMN of a range (``MIN(COLUMN(A31#))``).
"""

from __future__ import annotations

from collections.abc import Callable

from ... import ir


def numeric_elements(node: ir.Node, arithmetic: Callable[[ir.Node], bool]) -> bool:
    """Whether every element of ``node`` is a number or an error; ``arithmetic`` tells it
    of an arithmetic node (:func:`._arrays._arithmetic`)."""
    if arithmetic(node) or isinstance(node, ir.Num):
        return True
    if not isinstance(node, ir.Call):
        return False
    args = node.args
    if node.name in ("ROW", "COLUMN") and len(args) == 1:   # a range's row/column numbers
        return True
    if node.name in ("IFERROR", "IFNA") and len(args) == 2:
        return all(numeric_elements(a, arithmetic) for a in args)
    if node.name == "IF" and len(args) == 3 and not isinstance(args[2], ir.Missing):
        return all(numeric_elements(a, arithmetic) for a in args[1:])
    return False
