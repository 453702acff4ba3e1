"""Exceptions raised by the engine.

One small tree; every message names what the user can fix (file, cell, function, value)::

    McdeskError
     ├── WorkbookError        the file cannot be read as an .xlsx workbook
     │    └── LimitError      the file exceeds a safety limit (size, cells, decompressed size)
     ├── FormulaError         a formula cannot be parsed or refers to something that does not exist
     ├── UnsupportedError     a function in the stochastic slice is not available
     ├── SpecError            an input, output or run setting is invalid
     └── CancelledError       a run was cancelled by the caller

Excel errors (#DIV/0!, #N/A, ...) are *values*, not exceptions: see ``engine.values``.
"""

from __future__ import annotations


class McdeskError(Exception):
    """Base class of every error the engine raises on purpose."""


class WorkbookError(McdeskError):
    """The file cannot be read as an .xlsx workbook."""


class LimitError(WorkbookError):
    """The workbook exceeds a safety limit."""


class FormulaError(McdeskError):
    """A formula cannot be parsed, or refers to a sheet, cell or name that does not exist."""


class UnsupportedError(McdeskError):
    """A function used between the inputs and the outputs is not supported."""


class SpecError(McdeskError):
    """An input distribution, an output or a run setting is invalid."""


class CancelledError(McdeskError):
    """The run was cancelled before it finished."""
