"""mcdesk: Monte Carlo simulation of Excel workbooks.

The Python API for notebooks and scripts is the engine's, re-exported here::

    import mcdesk
    model = mcdesk.Model.open("model.xlsx")
    spec = mcdesk.SimulationSpec(inputs=[mcdesk.InputSpec("Inputs!F5", "triangular",
                                 {"min": 90, "mode": 100, "max": 130})], outputs=["Summary!B4"])
    result = mcdesk.simulate(model, spec)
"""

from engine import (
    CellRef,
    InputSpec,
    McdeskError,
    Model,
    Sampling,
    SimulationResult,
    SimulationSpec,
    simulate,
)
from engine import __version__ as __version__

__all__ = ["CellRef", "InputSpec", "McdeskError", "Model", "Sampling", "SimulationResult",
           "SimulationSpec", "simulate"]
