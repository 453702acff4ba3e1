"""Workbooks built for @RISK, Analytic Solver (Psi) and ModelRisk (Vose): their distribution,
property, output and correlation functions read as a spec.

:func:`read_cell` parses one formula (a small tokenizer and parser; text is never
evaluated) and says what it is:

* an input: the whole formula is one distribution call, ``_xll.``-prefixed or not, such as
  ``=RiskTriang(10,20,30,RiskTruncate(13,27),RiskName("Steel"))``: its InputSpec, with the
  properties (RiskTruncate / RiskTruncate2 / RiskTruncateP, RiskShift, RiskName,
  RiskStatic, RiskSeed as a fixed stream, RiskCorrmat; PsiTruncate, PsiShift; VoseXBounds,
  VoseShift) and its place in a RiskCorrmat matrix;
* an output: ``=RiskOutput("NPV")+NPV(...)`` (PsiOutput, VoseOutput alike), with its name;
* ``nested``: a distribution call inside a larger formula (``=RiskNormal(1,2)*B2``,
  ``=IFERROR(RiskTriang(1,2,4),2)``), which a spec cannot express;
* ``unknown``: Risk / Psi / Vose functions this module does not know.

:func:`read_workbook` does it for every formula cell and builds the correlation groups of
RiskCorrmat from the matrix cells; a caller refuses to run while ``nested`` or ``unknown``
is not empty (each names its cells), never simulating such a cell as a constant.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import SpecError
from .spec import CorrelationSpec, InputSpec

__all__ = ["AddinCell", "AddinScan", "read_cell", "read_workbook"]

# function (upper case, no prefix) -> (kind, our parameter names in the add-in's order)
_DISTRIBUTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "RISKTRIANG": ("triangular", ("min", "mode", "max")),
    "RISKPERT": ("pert", ("min", "mode", "max")),
    "RISKTRIGEN": ("trigen", ("bottom", "mode", "top", "pbottom", "ptop")),
    "RISKUNIFORM": ("uniform", ("min", "max")),
    "RISKINTUNIFORM": ("intuniform", ("min", "max")),
    "RISKNORMAL": ("normal", ("mean", "sd")),
    "RISKLOGNORM": ("lognormal", ("mean", "sd")),
    "RISKLOGNORM2": ("lognormal2", ("mu", "sigma")),
    "RISKBETA": ("beta", ("alpha1", "alpha2")),
    "RISKBETAGENERAL": ("betageneral", ("alpha1", "alpha2", "min", "max")),
    "RISKGAMMA": ("gamma", ("alpha", "beta")),
    "RISKERLANG": ("erlang", ("m", "beta")),
    "RISKEXPON": ("exponential", ("beta",)),
    "RISKWEIBULL": ("weibull", ("alpha", "beta")),
    "RISKLOGISTIC": ("logistic", ("alpha", "beta")),
    "RISKLOGLOGISTIC": ("loglogistic", ("gamma", "beta", "alpha")),
    "RISKSTUDENT": ("student", ("nu",)),
    "RISKCHISQ": ("chisq", ("nu",)),
    "RISKPARETO": ("pareto", ("theta", "a")),
    "RISKEXTVALUE": ("extvalue", ("alpha", "beta")),
    "RISKRAYLEIGH": ("rayleigh", ("beta",)),
    "RISKCUMUL": ("cumul", ("min", "max", "values", "probabilities")),
    "RISKGENERAL": ("general", ("min", "max", "values", "weights")),
    "RISKHISTOGRM": ("histogram", ("min", "max", "probabilities")),
    "RISKDISCRETE": ("discrete", ("values", "probabilities")),
    "RISKBINOMIAL": ("binomial", ("n", "p")),
    "RISKPOISSON": ("poisson", ("lambda",)),
    "RISKGEOMET": ("geometric", ("p",)),
    "RISKNEGBIN": ("negbin", ("s", "p")),
    "RISKHYPERGEO": ("hypergeo", ("n", "d", "m")),
    "RISKBERNOULLI": ("bernoulli", ("p",)),
    "PSITRIANGULAR": ("triangular", ("min", "mode", "max")),
    "PSIPERT": ("pert", ("min", "mode", "max")),
    "PSIUNIFORM": ("uniform", ("min", "max")),
    "PSIINTUNIFORM": ("intuniform", ("min", "max")),
    "PSINORMAL": ("normal", ("mean", "sd")),
    "PSILOGNORMAL": ("lognormal", ("mean", "sd")),
    "PSIGAMMA": ("gamma", ("alpha", "beta")),
    "PSIBETA": ("beta", ("alpha1", "alpha2")),
    "PSIWEIBULL": ("weibull", ("alpha", "beta")),
    "PSIEXPONENTIAL": ("exponential", ("beta",)),
    "PSIDISCRETE": ("discrete", ("values", "probabilities")),
    "PSIBERNOULLI": ("bernoulli", ("p",)),
    "PSIBINOMIAL": ("binomial", ("n", "p")),
    "PSIPOISSON": ("poisson", ("lambda",)),
    "VOSETRIANGLE": ("triangular", ("min", "mode", "max")),
    "VOSEPERT": ("pert", ("min", "mode", "max")),
    "VOSEMODPERT": ("pert", ("min", "mode", "max", "shape")),
    "VOSEUNIFORM": ("uniform", ("min", "max")),
    "VOSEINTUNIFORM": ("intuniform", ("min", "max")),
    "VOSENORMAL": ("normal", ("mean", "sd")),
    "VOSELOGNORMAL": ("lognormal", ("mean", "sd")),
    "VOSEGAMMA": ("gamma", ("alpha", "beta")),
    "VOSEBETA": ("beta", ("alpha1", "alpha2")),
    "VOSEEXPON": ("exponential", ("beta",)),
    "VOSEWEIBULL": ("weibull", ("alpha", "beta")),
    "VOSEDISCRETE": ("discrete", ("values", "probabilities")),
    "VOSEBERNOULLI": ("bernoulli", ("p",)),
    "VOSEBINOMIAL": ("binomial", ("n", "p")),
    "VOSEPOISSON": ("poisson", ("lambda",)),
}
_OUTPUTS = frozenset({"RISKOUTPUT", "PSIOUTPUT", "VOSEOUTPUT"})
_TRUNCATE = frozenset({"RISKTRUNCATE", "PSITRUNCATE", "VOSEXBOUNDS"})
_SHIFT = frozenset({"RISKSHIFT", "PSISHIFT", "VOSESHIFT"})
_NAME = frozenset({"RISKNAME", "PSINAME"})
# properties that change nothing in a simulation here (display, units, data collection)
_HARMLESS = frozenset({"RISKCATEGORY", "RISKUNITS", "RISKCOLLECT", "RISKLOCK", "RISKISDATE",
                       "RISKISDISCRETE", "RISKCONVERGENCE", "RISKSIXSIGMA", "RISKFIT"})
_PREFIX = re.compile(r"^(?:_xll\.)?((?:risk|psi|vose)\w*)$", re.IGNORECASE)

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>"(?:[^"]|"")*")
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?%?)
  | (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?(?![\w(]))
  | (?P<name>[A-Za-z_\\][\w.]*)
  | (?P<op><>|<=|>=|[-+*/^&=<>(){},;:%!])
""", re.VERBOSE)


@dataclass(frozen=True)
class _Call:
    name: str            # upper case, without _xll.
    args: tuple          # nodes; None for an empty argument


@dataclass(frozen=True)
class _Op:
    op: str
    args: tuple


def _tokens(text: str) -> list[tuple[str, str]]:
    out, i = [], 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if m is None:
            raise ValueError(f"unexpected {text[i]!r} at column {i + 1}")
        if m.lastgroup != "ws":
            out.append((m.lastgroup, m.group()))
        i = m.end()
    out.append(("end", ""))
    return out


class _Parser:
    """Excel's expression grammar, enough to find the calls and their literal arguments."""

    _PREC = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "&": 2, "+": 3, "-": 3,
             "*": 4, "/": 4, "^": 5}

    def __init__(self, text: str) -> None:
        self.t = _tokens(text)
        self.k = 0

    def peek(self) -> tuple[str, str]:
        return self.t[self.k]

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.t[self.k]
        if value is not None and tok[1] != value:
            raise ValueError(f"expected {value!r}, found {tok[1] or 'the end'!r}")
        self.k += 1
        return tok

    def expr(self, level: int = 0) -> Any:
        left = self.unary()
        while True:
            kind, text = self.peek()
            prec = self._PREC.get(text) if kind == "op" else None
            if prec is None or prec <= level:
                return left
            self.take()
            right = self.expr(prec if text != "^" else prec - 1)
            left = _Op(text, (left, right))

    def unary(self) -> Any:
        kind, text = self.peek()
        if kind == "op" and text in "+-":
            self.take()
            inner = self.unary()
            if text == "-" and isinstance(inner, float):
                return -inner
            return inner if text == "+" else _Op("neg", (inner,))
        node = self.primary()
        while self.peek() == ("op", "%"):
            self.take()
            node = node / 100.0 if isinstance(node, float) else _Op("%", (node,))
        return node

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "num":
            return float(text[:-1]) / 100.0 if text.endswith("%") else float(text)
        if kind == "str":
            return text[1:-1].replace('""', '"')
        if kind == "ref":
            return ("ref", text)
        if kind == "name" and self.peek() == ("op", "("):
            self.take("(")
            args = []
            while self.peek() != ("op", ")"):
                if self.peek() in (("op", ","), ("op", ";")):
                    args.append(None)
                    self.take()
                    if self.peek() == ("op", ")"):
                        args.append(None)
                    continue
                args.append(self.expr())
                if self.peek() in (("op", ","), ("op", ";")):
                    self.take()
                    if self.peek() == ("op", ")"):
                        args.append(None)
            self.take(")")
            name = text.upper()
            name = name[5:] if name.startswith("_XLL.") else name
            return _Call(name, tuple(args))
        if kind == "name":
            return ("name", text)
        if text == "(":
            inner = self.expr()
            self.take(")")
            return inner
        if text == "{":
            items = [self.unary()]
            while self.peek() in (("op", ","), ("op", ";")):
                self.take()
                items.append(self.unary())
            self.take("}")
            return ("array", items)
        raise ValueError(f"unexpected {text or 'end of formula'!r}")


@dataclass
class AddinCell:
    """What one formula holds (see the module docstring)."""

    input: InputSpec | None = None
    corrmat: tuple[str, int] | None = None       # (matrix range, 1-based position)
    output: str | None = None                   # the output's name ("" when unnamed)
    is_output: bool = False
    nested: list[str] = field(default_factory=list)     # distribution functions not at the top
    unknown: list[str] = field(default_factory=list)    # add-in functions not known here


def _calls(node: Any) -> list[_Call]:
    out: list[_Call] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, _Call):
            out.append(n)
            stack.extend(a for a in n.args if a is not None)
        elif isinstance(n, _Op):
            stack.extend(n.args)
    return out


def _addin(name: str) -> bool:
    return _PREFIX.match(name) is not None


def _known(name: str) -> bool:
    return (name in _DISTRIBUTIONS or name in _OUTPUTS or name in _TRUNCATE or name in _SHIFT
            or name in _NAME or name in _HARMLESS or name in {
                "RISKTRUNCATE2", "RISKTRUNCATEP", "RISKSTATIC", "RISKSEED", "RISKCORRMAT"})


def _literal(node: Any, cell: str, what: str) -> float | str | list[float]:
    """A number, a cell or range reference (text), or a {list} of numbers."""
    if isinstance(node, float):
        return node
    if isinstance(node, tuple) and node[0] in ("ref", "name"):
        return node[1]
    if isinstance(node, tuple) and node[0] == "array" and all(isinstance(x, float)
                                                              for x in node[1]):
        return list(node[1])
    raise SpecError(f"{cell}: {what} must be a number, a cell reference or a {{list}}; "
                    "a formula there is not supported")


def _number(node: Any, cell: str, what: str) -> float | None:
    if node is None:
        return None
    if not isinstance(node, float):
        raise SpecError(f"{cell}: {what} must be a number here")
    return node


def _input(call: _Call, cell: str) -> tuple[InputSpec, tuple[str, int] | None]:
    kind, names = _DISTRIBUTIONS[call.name]
    params: dict[str, Any] = {}
    props: dict[str, Any] = {}
    truncate_after: tuple[float | None, float | None] | None = None
    corrmat = None
    positional = [a for a in call.args if not isinstance(a, _Call) or a.name in _DISTRIBUTIONS]
    for name, arg in zip(names, positional, strict=False):
        if arg is not None:
            params[name] = _literal(arg, cell, f"{call.name} {name}")
    for prop in (a for a in call.args if isinstance(a, _Call) and a.name not in _DISTRIBUTIONS):
        n, args = prop.name, list(prop.args) + [None, None]
        if n in _TRUNCATE or n in ("RISKTRUNCATEP", "RISKTRUNCATE2"):
            lo, hi = _number(args[0], cell, n), _number(args[1], cell, n)
            if n == "RISKTRUNCATE2":
                truncate_after = (lo, hi)
                continue
            keys = ("pmin", "pmax") if n == "RISKTRUNCATEP" else ("min", "max")
            props["truncate"] = {k: v for k, v in zip(keys, (lo, hi), strict=True)
                                 if v is not None}
        elif n in _SHIFT:
            props["shift"] = _number(args[0], cell, n) or 0.0
        elif n in _NAME:
            if not isinstance(args[0], str):
                raise SpecError(f'{cell}: {n} takes a "name"')
            props["name"] = args[0]
        elif n == "RISKSTATIC":
            props["static"] = _number(args[0], cell, n)
        elif n == "RISKSEED":
            seed = _number(args[0], cell, n)
            props["stream"] = int(seed) if seed is not None else None
        elif n == "RISKCORRMAT":
            ref, pos = args[0], _number(args[1], cell, n)
            if not (isinstance(ref, tuple) and ref[0] in ("ref", "name")) or pos is None:
                raise SpecError(f"{cell}: RiskCorrmat takes a matrix range and a position")
            corrmat = (ref[1], int(pos))
        elif n in _HARMLESS:
            continue
        else:
            raise SpecError(f"{cell}: {call.name} has an argument {n}() that is not supported")
    if truncate_after is not None:  # RiskTruncate2: on the shifted values
        s = props.get("shift", 0.0)
        props["truncate"] = {k: v - s for k, v in zip(("min", "max"), truncate_after,
                                                      strict=True) if v is not None}
    return InputSpec(cell, kind, params, **props), corrmat


def read_cell(cell: str, formula: str) -> AddinCell:
    """What ``formula`` (text starting with '=') of ``cell`` means to the add-ins; a formula
    with no add-in function gives an empty AddinCell.  SpecError names the cell when an
    add-in call cannot be read."""
    out = AddinCell()
    if not formula.startswith("=") or not re.search(r"risk|psi|vose", formula, re.IGNORECASE):
        return out
    try:
        root = _Parser(formula[1:]).expr()
    except (ValueError, IndexError) as exc:
        raise SpecError(f"{cell}: cannot read the formula {formula!r} ({exc})") from None
    calls = _calls(root)
    out.unknown = sorted({c.name for c in calls if _addin(c.name) and not _known(c.name)})
    if isinstance(root, _Call) and root.name in _DISTRIBUTIONS:
        out.input, out.corrmat = _input(root, cell)
        top = {id(root)} | {id(a) for a in root.args if isinstance(a, _Call)}
    else:
        top = set()
    out.nested = sorted({c.name for c in calls if c.name in _DISTRIBUTIONS and id(c) not in top})
    for c in calls:
        if c.name in _OUTPUTS:
            out.is_output = True
            out.output = c.args[0] if c.args and isinstance(c.args[0], str) else ""
    return out


@dataclass
class AddinScan:
    """Inputs, outputs and correlations an add-in workbook declares, and what blocks a run."""

    inputs: list[InputSpec] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)          # cell -> name
    correlations: list[CorrelationSpec] = field(default_factory=list)
    nested: dict[str, list[str]] = field(default_factory=dict)     # function -> cells
    unknown: dict[str, list[str]] = field(default_factory=dict)    # function -> cells

    def problems(self) -> list[str]:
        """One line per function that stops a run, naming its cells."""
        lines = [f"{f} in {', '.join(cells)}: this add-in function is not supported"
                 for f, cells in sorted(self.unknown.items())]
        lines += [f"{f} inside a larger formula in {', '.join(cells)}: only a cell whose "
                  "whole formula is the distribution can be an input" for f, cells
                  in sorted(self.nested.items())]
        return lines


def read_workbook(formulas: Mapping[str, str],
                  matrix: Callable[[str, str], list[list[float]]]) -> AddinScan:
    """Read every formula (``Sheet!A1`` -> ``=...``); ``matrix(range, sheet)`` gives the
    numbers of a RiskCorrmat range (rows), resolved on the sheet of the cell that names it."""
    scan = AddinScan()
    groups: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for cell, formula in formulas.items():
        got = read_cell(cell, formula)
        for f in got.unknown:
            scan.unknown.setdefault(f, []).append(cell)
        for f in got.nested:
            scan.nested.setdefault(f, []).append(cell)
        if got.input is not None:
            scan.inputs.append(got.input)
            if got.corrmat is not None:
                sheet = cell.rpartition("!")[0]
                key = (got.corrmat[0] if "!" in got.corrmat[0] else
                       f"{sheet}!{got.corrmat[0]}", sheet)
                groups.setdefault(key, []).append((got.corrmat[1], cell))
        if got.is_output:
            scan.outputs[cell] = got.output or ""
    for (ref, sheet), members in groups.items():
        rows = matrix(ref, sheet)
        members.sort()
        positions = [p for p, _ in members]
        if len(set(positions)) != len(positions) or not all(1 <= p <= len(rows)
                                                             for p in positions):
            raise SpecError(f"RiskCorrmat({ref}): positions {positions} must be distinct and "
                            f"within the {len(rows)} x {len(rows)} matrix")
        sub = [[float(rows[i - 1][j - 1]) for j in positions] for i in positions]
        scan.correlations.append(CorrelationSpec([c for _, c in members], sub))
    return scan


def scan_model(model: Any) -> AddinScan:
    """:func:`read_workbook` over an opened :class:`engine.model.Model` (RiskCorrmat ranges
    read as constant cells)."""
    import math

    from .simulate import _constant

    wb = model.workbook
    formulas = {}
    for ref in wb.formula_cells():
        cell = wb.cell(ref)
        if cell is not None and cell.formula:
            formulas[str(ref)] = cell.formula

    def matrix(text: str, sheet: str) -> list[list[float]]:
        sheet_name = text.rpartition("!")[0].strip("'") or sheet
        flat = _constant(model, text, sheet_name)
        values = flat if isinstance(flat, list) else [flat]
        n = math.isqrt(len(values))
        if n * n != len(values):
            raise SpecError(f"RiskCorrmat({text}): the matrix must be square, it has "
                            f"{len(values)} cells")
        return [values[i * n:(i + 1) * n] for i in range(n)]

    return read_workbook(formulas, matrix)
