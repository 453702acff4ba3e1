"""BESSELI/J/K/Y for the kernel generator (a mixin of ``fn_*`` methods): engineering.py's
``_bessel`` for one trial.  Analysis ToolPak arguments (a logical or a range is #VALUE!), the
argument errors first (x's, then n's), then #NUM! where the truncated order is negative (or
x <= 0 for K and Y), then #NUM! for a non-finite value; the values from :mod:`._rt_bessel`,
the reference's Numerical Recipes routines (:mod:`engine.functions._bessel_nr`) for one trial.
Where the order is bounded under ``SMALL_ORDER`` (a literal, say) the call is a ``*_small`` one,
which the CUDA translation has twins of (..cupy._rt_bessel); an unbounded order (the reference's
scipy fallback past MAX_STEPS) keeps the kernel on the CPU.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import ir
from ...values import NUM
from ._host import GeneratorHost
from ._rt_bessel import SMALL_ORDER
from ._values import Val

if TYPE_CHECKING:
    from collections.abc import Sequence


class BesselMixin(GeneratorHost):
    """``fn_besseli`` .. ``fn_bessely`` (see the module docstring)."""

    if TYPE_CHECKING:  # provided by the Generator this is mixed into
        def _mf_atp(self, node: ir.Call, defaults: tuple[float | None, ...], dates: bool = True
                    ) -> list[Val]: ...
        def result(self, expr: str, args: list[Val], checks: Sequence[tuple[str, int] | None] = (),
                   bounds: tuple[float, float] = ...) -> Val: ...

    def _bessel(self, node: ir.Call, kind: str, positive_x: bool) -> Val:
        x, n = self._mf_atp(node, (None, None))
        bad = f"(np.trunc({n.v}) < 0.0)" + (f" | ({x.v} <= 0.0)" if positive_x else "")
        small = "_small" if n.hi < SMALL_ORDER else ""   # bounded: has a CUDA twin
        return self.result(f"bs_bessel{kind}{small}({x.v}, {n.v})", [x, n], [(bad, NUM)])

    def fn_besseli(self, node: ir.Call) -> Val:
        return self._bessel(node, "i", False)

    def fn_besselj(self, node: ir.Call) -> Val:
        return self._bessel(node, "j", False)

    def fn_besselk(self, node: ir.Call) -> Val:
        return self._bessel(node, "k", True)

    def fn_bessely(self, node: ir.Call) -> Val:
        return self._bessel(node, "y", True)


__all__ = ["BesselMixin"]
