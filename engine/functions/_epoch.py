"""The workbook's date system, for the functions that turn serial numbers into calendar dates
and back.

A workbook saved with ``<workbookPr date1904="1"/>`` (old Mac Excel) counts its serials from
1904-01-01 = 0 instead of 1900-01-00 = 0 (with Excel's fictitious 1900-02-29).  The date
functions work in the 1900 system and move a serial by :func:`date_shift` days where it enters
(serial -> calendar) and leaves (calendar -> serial).  The setting is a context variable: the
evaluation environment sets it for its workbook (``engine.model.Env``), so each thread
evaluates with its own workbook's system.
"""

from __future__ import annotations

from contextvars import ContextVar

SHIFT_1904 = 1462  # the 1900 system's serial of 1904-01-01

_shift: ContextVar[int] = ContextVar("mcdesk_date_shift", default=0)


def use_date1904(on: bool) -> None:
    """Evaluate from now on (in this context) in the 1904 date system, or in the 1900 one."""
    _shift.set(SHIFT_1904 if on else 0)


def date_shift() -> int:
    """Days to add to a serial of the current date system to get the 1900 system's serial."""
    return _shift.get()
