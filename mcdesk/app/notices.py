"""Short confirmations of what the user just did ("Input Sheet1!A2: triangular", "Output
FV Total", "Names saved"): at the top centre, over the header's empty middle rather than the
charts and the grid, one at a time (a newer one takes the last one's place, with a count), gone
after two seconds.  Warnings and errors keep NiceGUI's place (bottom) and time."""

from __future__ import annotations

from nicegui import ui

__all__ = ["CONFIRM_OPTIONS", "confirm"]

# Quasar's Notify options: one group, so a new confirmation replaces the shown one (badge 2, 3..)
CONFIRM_OPTIONS: dict[str, object] = {"position": "top", "timeout": 2000, "group": "mcdesk-done"}


def confirm(message: str) -> None:
    """Show a green confirmation that hides nothing the user reads next."""
    ui.notify(message, type="positive", **CONFIRM_OPTIONS)
