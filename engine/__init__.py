"""mcdesk engine: Monte Carlo simulation of Excel workbooks (no UI, no HTTP)."""

from __future__ import annotations

from .errors import (
    CancelledError,
    FormulaError,
    LimitError,
    McdeskError,
    SpecError,
    UnsupportedError,
    WorkbookError,
)
from .model import Model, Program
from .results import SimulationResult
from .sampling import Sampling
from .simulate import simulate
from .spec import InputSpec, SimulationSpec
from .workbook import CellRef, Limits, load_workbook

__version__ = "0.1.0"

__all__ = [
    "CancelledError",
    "CellRef",
    "FormulaError",
    "LimitError",
    "McdeskError",
    "Model",
    "Program",
    "InputSpec",
    "Sampling",
    "SimulationResult",
    "SimulationSpec",
    "simulate",
    "SpecError",
    "UnsupportedError",
    "WorkbookError",
    "Limits",
    "load_workbook",
    "__version__",
]
