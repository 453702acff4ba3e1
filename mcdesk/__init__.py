"""mcdesk: Monte Carlo simulation of Excel workbooks."""

__version__ = "0.1.0"
