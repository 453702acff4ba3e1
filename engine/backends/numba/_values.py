"""Values of the kernel generator: what an expression compiles to, and why it may not."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...values import ERROR_NAMES
from . import _intervals as iv

KNUM, KBOOL, KBLANK, KSTR = "num", "bool", "blank", "str"   # static Excel kinds
KANY = "any"    # the kind varies per trial: the tag expression ``y`` says which (TAG)
KDYN = "dstr"   # text made per trial (engine.backends.numba._dtext): dom is (recipe, length)
TAG = {KNUM: 0, KBOOL: 1, KSTR: 2, KBLANK: 3}
MAX_AREA_CELLS = 4096        # cells of one range expanded into a kernel


class NotFusable(Exception):
    """A formula uses something the fused kernel does not implement (the reason says what)."""


class NotYet(NotFusable):
    """A formula reads (through OFFSET or INDIRECT, which the slice's order does not know)
    a cell of the slice that comes later in its order: generated again after that cell."""

    def __init__(self, cell: object) -> None:
        super().__init__(f"reads a cell left to numpy ({cell})")
        self.cell = cell


@dataclass(frozen=True, slots=True)
class Val:
    """A per-trial value in generated code: value and error-code expressions (a local name or
    a validated literal), its static Excel kind, and bounds of its error-free values."""

    v: str
    e: str
    kind: str
    lo: float = -math.inf
    hi: float = math.inf
    dom: tuple[int, ...] | None = None   # text: the string ids it can take
    y: str | None = None                  # KANY: the per-trial kind (a TAG value)
    kinds: tuple[str, ...] = ()           # KANY: the kinds it can take

    def tag(self) -> str:
        """The per-trial kind as a TAG value (an expression)."""
        return self.y if self.kind == KANY and self.y is not None else f"{TAG[self.kind]}.0"

    @property
    def iv(self) -> iv.Interval:
        return self.lo, self.hi

    @property
    def always_error(self) -> bool:
        """An error in every trial: its error is a literal code (IF(.., #N/A), past a
        dynamic array's rows); its value and bounds are then no value's."""
        return is_literal_error(self.e)

    @property
    def constant_error(self) -> bool:
        """An error in every trial, a literal code (always_error) or a constant's: a cell
        holding an error, whose code (which error) is the kernel constant q<k>."""
        return is_constant_error(self.e)

    @property
    def bounded(self) -> bool:
        return iv.bounded(self.iv)


def is_literal_error(e: str) -> bool:
    """Whether an error-code expression is a literal code other than 0 (the same error in
    every trial)."""
    return e != "0" and e.isdigit()


def is_constant_error(e: str) -> bool:
    """Whether an error-code expression is an error in every trial: a literal code, or a
    constant's slot q<k> (Generator.constant: the constant cell is an error)."""
    return is_literal_error(e) or (e[:1] == "q" and e[1:].isdigit())


def num(v: str, e: str, bounds: iv.Interval = iv.UNKNOWN, kind: str = KNUM,
        dom: tuple[int, ...] | None = None) -> Val:
    return Val(v, e, kind, bounds[0], bounds[1], dom)


def union_dom(vals: list[Val]) -> tuple[int, ...] | None:
    """The string ids any of ``vals`` (text) can take."""
    if any(v.dom is None for v in vals):
        return None
    return tuple(sorted({k for v in vals for k in v.dom or ()}))


ZERO = Val("0.0", "0", KNUM, 0.0, 0.0)
FALSE = Val("0.0", "0", KBOOL, 0.0, 0.0)
BLANK = Val("0.0", "0", KBLANK, 0.0, 0.0)


def errors_of(e: str) -> Val:
    """A carrier of an error expression only (for argument lists of error chains)."""
    return Val("", e, KNUM)


def lit(x: float) -> str:
    """A float literal for the source, only for finite floats."""
    x = float(x)
    if not math.isfinite(x):
        raise NotFusable(f"non-finite literal {x!r}")
    s = repr(x)
    return s if s[0] != "-" else f"({s})"


def code(c: int) -> str:
    """An Excel error code literal, validated."""
    if int(c) not in ERROR_NAMES:
        raise NotFusable(f"unknown error code {c!r}")
    return str(int(c))
