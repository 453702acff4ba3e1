"""The array value computed from a range, shared by the operators and the flat path.

:mod:`.operators` maps an operator over grids and hands grids of one value per cell to
:mod:`.flat_ops`; both return a :class:`Computed` when the result keeps a source range's
position.  The class lives here so that each of the two imports the other's names at module
level, no import cycle (operators -> flat_ops -> _computed)."""

from __future__ import annotations

from dataclasses import dataclass

from ..values import Grid


@dataclass(slots=True)
class Computed(Grid):
    """An array computed element by element from a range (``A1:A3>B1:B3``): it keeps the
    range's position for implicit intersection at the formula's cell, but it is a value, not
    a reference (N and T read all of it, ISREF is FALSE)."""
