"""Workbooks built for @RISK, Analytic Solver (Psi) and ModelRisk (Vose): what one formula
declares, read without evaluating any text.

:func:`read_cell` scans one formula (a lenient tokenizer: strings, references, numbers,
names, punctuation; brackets matched) and finds every add-in call, ``_xll.``-prefixed or not:

* a distribution (``RiskTriang(10,20,30,RiskTruncate(13,27),RiskName("Steel"))``) with its
  properties (RiskTruncate / RiskTruncate2 / RiskTruncateP, RiskShift, RiskName,
  RiskStatic, RiskSeed as a fixed stream, RiskCorrmat; PsiTruncate, PsiShift, PsiName,
  PsiCorrMatrix, PsiSeed; VoseXBounds, VoseShift, VoseCorrMatrix): the cell's input when it
  is the whole formula, else a *nested* call, which becomes an input of its own in a slot
  (:class:`Slot`: a cell at the host's address on a very hidden sheet ``_mcdesk <sheet>
  #<n>``) that the cell's formula reads in its place;
* an output mark (``=RiskOutput("NPV")+NPV(...)``, PsiOutput, VoseOutput), worth 0;
* a simtable (``RiskSimtable({0.1,0.2})``, PsiSimParam): one value per simulation, in a slot;
* a statistic of the run (``RiskMean(B5)``, ``RiskPercentile(B5,0.9)``, ``PsiMean``,
  ``VoseSimMean``, ...), filled from the run;
* anything else named Risk* / Psi* / Vose*: ``unknown`` (a caller refuses to simulate it).

A parameter that is neither a number, a reference, nor a ``{list}`` (``RiskNormal(C5*1.1,
C5/10)``) is an expression: it is computed in a slot of its own (a formula cell), and the
input reads that slot.  :mod:`engine.addin_models` turns a workbook's cells into derived
models and a spec.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import SpecError
from .spec import InputSpec
from .workbook import quote_sheet

__all__ = ["DISTRIBUTIONS", "STATISTICS", "AddinCell", "Slot", "product_of", "read_cell"]

# function (upper case, no prefix) -> (kind, our parameter names in the add-in's order)
DISTRIBUTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
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
    # written with other parameters, rewritten by _Reader.distribution
    "RISKTNORMAL": ("normal", ("mean", "sd", "tmin", "tmax")),
    "RISKTRIANG10": ("trigen", ("bottom", "mode", "top")),
    "RISKDUNIFORM": ("discrete", ("values",)),
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
# statistics of the run: function -> (statistic, whether it takes a second number)
STATISTICS: dict[str, tuple[str, bool]] = {
    **{f"{p}MEAN": ("mean", False) for p in ("RISK", "PSI", "VOSESIM")},
    "RISKSTDDEV": ("std", False), "PSISTDDEV": ("std", False), "VOSESIMSTDEV": ("std", False),
    **{f"{p}VARIANCE": ("variance", False) for p in ("RISK", "PSI", "VOSESIM")},
    **{f"{p}MIN": ("min", False) for p in ("RISK", "PSI", "VOSESIM")},
    **{f"{p}MAX": ("max", False) for p in ("RISK", "PSI", "VOSESIM")},
    **{f"{p}RANGE": ("range", False) for p in ("RISK", "PSI")},
    **{f"{p}SKEWNESS": ("skewness", False) for p in ("RISK", "PSI", "VOSESIM")},
    **{f"{p}KURTOSIS": ("kurtosis", False) for p in ("RISK", "PSI", "VOSESIM")},
    "PSIMEDIAN": ("median", False),
    "RISKPERCENTILE": ("percentile", True), "RISKPTOX": ("percentile", True),
    "PSIPERCENTILE": ("percentile", True), "VOSESIMPERCENTILE": ("percentile", True),
    "RISKXTOP": ("below", True), "RISKTARGET": ("below", True), "PSITARGET": ("below", True),
    # of the distribution itself, not of the run (the same numbers every run)
    **{f"{p}THEOMEAN": ("theo_mean", False) for p in ("RISK", "PSI")},
    "RISKTHEOSTDDEV": ("theo_std", False), "PSITHEOSTDDEV": ("theo_std", False),
    **{f"{p}THEOVARIANCE": ("theo_variance", False) for p in ("RISK", "PSI")},
    "RISKTHEOPERCENTILE": ("theo_percentile", True), "RISKTHEOPTOX": ("theo_percentile", True),
    "PSITHEOPERCENTILE": ("theo_percentile", True),
    "RISKTHEOXTOP": ("theo_below", True), "PSITHEOTARGET": ("theo_below", True),
}
OUTPUTS = frozenset({"RISKOUTPUT", "PSIOUTPUT", "VOSEOUTPUT"})
# worth their first argument (RiskMakeInput(B1*2, RiskName("x")) is B1*2)
TRANSPARENT = frozenset({"RISKMAKEINPUT"})
SIMTABLES = frozenset({"RISKSIMTABLE", "PSISIMPARAM"})
# a cell that is one of these keeps Excel's cached value in a simulation (a sensitivity or
# decision parameter of Analytic Solver: its base case)
HELD = frozenset({"PSISENPARAM", "PSIOPTPARAM"})
# ModelRisk's Gaussian copula: {=VoseCopulaMultiNormal(matrix)} over n cells gives n
# correlated percentiles, read by distributions as their U argument
COPULAS = frozenset({"VOSECOPULAMULTINORMAL"})
# ModelRisk's VoseInput("name") + VoseNormal(...): worth 0, names the cell's distribution
_INPUT_MARK = frozenset({"VOSEINPUT"})
# what to write instead of a function the library does not know (refusals say it)
HINTS = {"VOSECOPULA": "give each distribution VoseCorrMatrix(matrix, position) (a rank "
                       "correlation) instead of a copula's percentiles"}
_TRUNCATE = frozenset({"RISKTRUNCATE", "PSITRUNCATE", "VOSEXBOUNDS"})
_SHIFT = frozenset({"RISKSHIFT", "PSISHIFT", "VOSESHIFT"})
_NAME = frozenset({"RISKNAME", "PSINAME", "VOSEINPUT"})
_SEED = frozenset({"RISKSEED", "PSISEED"})
_CORRMAT = frozenset({"RISKCORRMAT", "PSICORRMATRIX", "VOSECORRMATRIX"})
# Analytic Solver's pairs: PsiCorrIndep("A") on one input, PsiCorrDep("A", rho) on others
_CORRPAIR = frozenset({"PSICORRINDEP", "PSICORRDEP"})
PAIRED = "PsiCorr:"   # the key of such a group in AddinCell.corrmat: (PAIRED + name, 0|1, rho)
# properties that change nothing in a simulation here (display, units, data collection)
_HARMLESS = frozenset({"RISKCATEGORY", "RISKUNITS", "RISKCOLLECT", "RISKLOCK", "RISKISDATE",
                       "RISKISDISCRETE", "RISKCONVERGENCE", "RISKSIXSIGMA", "RISKFIT"})
_PROPERTIES = (_TRUNCATE | _SHIFT | _NAME | _SEED | _CORRMAT | _CORRPAIR | _HARMLESS
               | {"RISKTRUNCATE2", "RISKTRUNCATEP", "RISKSTATIC", "PSIBASECASE"})
_ADDIN = re.compile(r"^(?:_xll\.)?((?:risk|psi|vose)\w*)$", re.IGNORECASE)
# a cheap test before scanning: an add-in call somewhere in the text
MAY_HOLD = re.compile(r"(?<![\w.])(?:_xll\.)?(?:risk|psi|vose)\w*\s*\(", re.IGNORECASE)

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>"(?:[^"]|"")*")
  | (?P<err>\#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA|SPILL!|CALC!))
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?%?)
  | (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?(?![\w(]))
  | (?P<name>[A-Za-z_\\][\w.]*)
  | (?P<op>.)
""", re.VERBOSE | re.DOTALL)


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    start: int
    end: int


@dataclass
class _Call:
    name: str                 # upper case, without _xll.
    start: int                # the call's text is formula[start:end]
    end: int
    args: list[tuple[int, int]]   # (first token, end token) of each argument
    first: int                # token index of the name


def _tokens(text: str) -> list[_Tok]:
    out = []
    for m in _TOKEN.finditer(text):
        if m.lastgroup != "ws":
            out.append(_Tok(m.lastgroup or "op", m.group(), m.start(), m.end()))
    return out


def _calls(toks: list[_Tok]) -> list[_Call]:
    """Every ``name(...)`` call with its arguments' token ranges (brackets matched)."""
    out: list[_Call] = []
    for i, t in enumerate(toks):
        if t.kind != "name" or i + 1 >= len(toks) or toks[i + 1].text != "(":
            continue
        depth, args, begin, j = 0, [], i + 2, i + 1
        while j < len(toks):
            s = toks[j].text if toks[j].kind == "op" else ""
            if s in "({" and s:
                depth += 1
            elif s in ")}" and s:
                depth -= 1
                if depth == 0:
                    break
            elif s == "," and depth == 1:
                args.append((begin, j))
                begin = j + 1
            j += 1
        if j >= len(toks):
            raise ValueError(f"no ')' closes {t.text}(")
        if begin < j or args:
            args.append((begin, j))
        name = t.text.upper()
        out.append(_Call(name[5:] if name.startswith("_XLL.") else name, t.start,
                         toks[j].end, args, i))
    return out


@dataclass(frozen=True)
class Slot:
    """A cell the engine adds beside a formula: a nested distribution (an input), a
    simtable value, or a parameter computed by an expression (``formula``)."""

    address: str                    # 'Model #1'!B3: sheet "<host sheet> #k", host's place
    kind: str                       # "input", "simtable", "param"
    formula: str | None = None      # for "param": '=' and the expression, sheet-qualified
    values: Any = None              # for "simtable": a list of numbers or a range


@dataclass
class AddinCell:
    """What one formula declares (see the module docstring).  ``replace`` lists the spans
    of the formula text that the simulation model rewrites: (start, end, new text)."""

    input: InputSpec | None = None                  # the whole formula is a distribution
    corrmat: tuple[str, int, float] | None = None     # (matrix range, position, instance)
    nested: list[tuple[InputSpec, tuple[str, int, float] | None]] = field(default_factory=list)
    is_output: bool = False
    output: str | None = None                       # the output's name ("" when unnamed)
    statistics: list[tuple[int, int, str, str, float | None]] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)
    replace: list[tuple[int, int, str]] = field(default_factory=list)   # the slots' spans
    always: list[tuple[int, int, str]] = field(default_factory=list)    # outputs: 0, ...
    unknown: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    held: bool = False                               # the cell keeps its cached value
    copula: str | None = None                        # VoseCopulaMultiNormal's matrix range
    # ModelRisk's U argument: input cell -> the percentile's formula text (sampled per trial)
    percentiles: dict[str, str] = field(default_factory=dict)
    functions: set[str] = field(default_factory=set)   # every add-in function it calls

    @property
    def stochastic(self) -> bool:
        """The cell's value varies per trial (a distribution in it)."""
        return self.input is not None or bool(self.nested)


def hint(function: str) -> str:
    """What to write instead of an add-in function the library does not know ("" none)."""
    return next((h for p, h in HINTS.items() if function.startswith(p)), "")


def product_of(functions: set[str]) -> str:
    """"@RISK", "Analytic Solver", "ModelRisk" (joined with " / " when mixed)."""
    names = []
    for prefix, name in (("RISK", "@RISK"), ("PSI", "Analytic Solver"), ("VOSE", "ModelRisk")):
        if any(f.startswith(prefix) for f in functions):
            names.append(name)
    return " / ".join(names) or "add-in"


def _is_addin(name: str) -> bool:
    return _ADDIN.match(name) is not None


class _Reader:
    """Reads one formula; ``slot_sheet(host_sheet, k)`` names the k-th slot sheet."""

    def __init__(self, cell: str, formula: str, slot_sheet, lookup=None) -> None:
        self.cell = cell
        self.sheet, _, self.coord = cell.rpartition("!")
        self.sheet = self.sheet[1:-1].replace("''", "'") if self.sheet.startswith("'") \
            else self.sheet
        self.text = formula
        self.slot_sheet = slot_sheet
        self.lookup = lookup   # (reference text, sheet) -> the cell's value, or None
        self.toks = _tokens(formula)
        self.out = AddinCell()

    def slot(self) -> str:
        k = len(self.out.slots) + 1
        return f"{quote_sheet(self.slot_sheet(self.sheet, k))}!{self.coord}"

    def arg_text(self, span: tuple[int, int]) -> str:
        a, b = span
        return self.text[self.toks[a].start:self.toks[b - 1].end] if b > a else ""

    def qualified(self, span: tuple[int, int]) -> str:
        """The argument's text with each reference that names no sheet given the host's."""
        a, b = span
        parts, at = [], self.toks[a].start
        for t in self.toks[a:b]:
            if t.kind == "ref" and "!" not in t.text:
                parts.append(self.text[at:t.start] + quote_sheet(self.sheet) + "!" + t.text)
                at = t.end
        return "".join(parts) + self.text[at:self.toks[b - 1].end]

    def value(self, span: tuple[int, int], calls: dict[int, _Call]) -> Any:
        """None (empty), a float, a str (text), ('ref', text), ('list', [floats]),
        ('call', _Call) or ('expr', span)."""
        a, b = span
        toks = self.toks[a:b]
        if not toks:
            return None
        if a in calls and calls[a].end == toks[-1].end:
            return ("call", calls[a])
        sign, k = 1.0, 0
        while k < len(toks) - 1 and toks[k].text in ("+", "-") and toks[k].kind == "op":
            sign, k = (-sign if toks[k].text == "-" else sign), k + 1
        if len(toks) - k == 1 and toks[k].kind == "num":
            t = toks[k].text
            return sign * (float(t[:-1]) / 100.0 if t.endswith("%") else float(t))
        if len(toks) == 1 and toks[0].kind == "str":
            return toks[0].text[1:-1].replace('""', '"')
        if len(toks) == 1 and toks[0].kind in ("ref", "name"):
            return (toks[0].kind, toks[0].text)   # a cell or range, or a defined name
        if toks[0].text == "{" and toks[-1].text == "}":
            items, s = [], 1.0
            for t in toks[1:-1]:
                if t.kind == "num":
                    items.append(s * float(t.text.rstrip("%")) / (100.0 if t.text.endswith("%")
                                                                  else 1.0))
                    s = 1.0
                elif t.text == "-":
                    s = -s
                elif t.text not in (",", ";", "+"):
                    return ("expr", span)
            return ("list", items)
        return ("expr", span)

    def number(self, v: Any, what: str) -> float | None:
        if v is None or isinstance(v, float):
            return v
        got = self.referred(v)
        if isinstance(got, int | float) and not isinstance(got, bool):
            return float(got)
        raise SpecError(f"{self.cell}: {what} must be a number here" + (
            f" ({v[1]} holds {got!r})" if isinstance(v, tuple) and got is not None else ""))

    def referred(self, v: Any) -> Any:
        """The value (constant or cached) of the cell ``v`` refers to, where it is one."""
        if isinstance(v, tuple) and v[0] in ("ref", "name") and self.lookup is not None:
            return self.lookup(v[1], self.sheet)
        return None

    def read(self) -> AddinCell:
        out = self.out
        try:
            calls = _calls(self.toks)
        except ValueError as exc:
            raise SpecError(f"{self.cell}: cannot read the formula {self.text!r} ({exc})") \
                from None
        by_first = {c.first: c for c in calls}
        addins = [c for c in calls if _is_addin(c.name)]
        out.functions = {c.name for c in addins}
        # outermost add-in calls: not inside another add-in call
        outer = [c for c in addins if not any(
            o is not c and o.name not in TRANSPARENT and o.start <= c.start and c.end <= o.end
            for o in addins)]
        body = self.text[1:].strip() if self.text.startswith("=") else self.text.strip()
        whole_start = self.text.index(body) if body else 0
        for c in outer:
            whole = c.start == whole_start and c.end == whole_start + len(body)
            self.one(c, whole, by_first)
        named = [c for c in outer if c.name in _INPUT_MARK]
        if named and len(out.nested) == 1:     # VoseInput("Demand") + VoseNormal(...)
            got = self.value(named[0].args[0], by_first) if named[0].args else None
            if isinstance(got, str) and got:
                out.nested[0][0].name = got
        known = (set(DISTRIBUTIONS) | set(STATISTICS) | OUTPUTS | SIMTABLES | _PROPERTIES
                 | TRANSPARENT | HELD | COPULAS)
        out.unknown = sorted({c.name for c in addins if c.name not in known})
        return out

    def one(self, c: _Call, whole: bool, calls: dict[int, _Call]) -> None:
        out = self.out
        if c.name in DISTRIBUTIONS:
            if whole:
                out.input, out.corrmat = self.distribution(c, self.cell, calls, qualify=False)
            else:
                out.replace.append((c.start, c.end, self.nested(c, calls)))
        elif c.name in _INPUT_MARK:
            out.always.append((c.start, c.end, "0"))
        elif c.name in COPULAS:
            if not whole or len(c.args) != 1:
                out.problems.append(f"{self.cell}: {c.name} is supported as the whole formula "
                                    "of its cells, with the correlation matrix alone")
            else:
                out.held = True
                out.copula = self.qualified(c.args[0])
        elif c.name in HELD:
            if whole:
                out.held = True
            else:
                out.problems.append(f"{self.cell}: {c.name} inside a formula is not supported "
                                    "(a cell that is only the call keeps its cached value)")
        elif c.name in OUTPUTS:
            out.is_output = True
            # RiskOutput(name, range name, position in the range)
            first, rng, pos = [self.value(a, calls) for a in (c.args + [(0, 0)] * 3)[:3]]
            if not (isinstance(first, str) and first) and isinstance(rng, str) and rng:
                first = rng + (f" {pos:g}" if isinstance(pos, float) else "")
            if out.output is None or first:
                out.output = first if isinstance(first, str) else (out.output or "")
            out.always.append((c.start, c.end, "0"))
        elif c.name in TRANSPARENT:
            if not c.args or c.args[0][1] <= c.args[0][0]:
                raise SpecError(f"{self.cell}: {c.name} needs a formula")
            a, b = c.args[0]
            out.always.append((c.start, self.toks[a].start, "("))
            out.always.append((self.toks[b - 1].end, c.end, ")"))
        elif c.name in SIMTABLES:
            v = self.value(c.args[0], calls) if c.args else None
            if isinstance(v, tuple) and v[0] == "list" and v[1]:
                values: Any = v[1]
            elif isinstance(v, tuple) and v[0] in ("ref", "name"):
                values = self.qualified(c.args[0])
            else:
                raise SpecError(f"{self.cell}: {c.name} takes a {{list}} of values or a range")
            address = self.slot()
            out.slots.append(Slot(address, "simtable", values=values))
            out.replace.append((c.start, c.end, address))
        elif c.name in STATISTICS:
            stat, takes = STATISTICS[c.name]
            target = self.value(c.args[0], calls) if c.args else None
            if not (isinstance(target, tuple) and target[0] in ("ref", "name")):
                raise SpecError(f"{self.cell}: {c.name} takes the cell of an input or output")
            x = None
            if takes:
                x = self.number(self.value(c.args[1], calls) if len(c.args) > 1 else None,
                                f"{c.name}'s second argument")
                if x is None:
                    raise SpecError(f"{self.cell}: {c.name} needs a second argument")
            out.statistics.append((c.start, c.end, stat, self.qualified(c.args[0]), x))

    def nested(self, c: _Call, calls: dict[int, _Call]) -> str:
        """A distribution call inside a formula (or inside another distribution's
        parameters) as an input of its own in a slot; its address."""
        address = self.slot()
        self.out.slots.append(Slot(address, "input"))
        inp, corr = self.distribution(c, address, calls, qualify=True)
        if inp.name is None:
            shown = self.toks[c.first].text.rpartition(".")[2]
            inp.name = f"{shown} in {self.cell}"
        self.out.nested.append((inp, corr))
        return address

    def distribution(self, call: _Call, where: str, calls: dict[int, _Call], qualify: bool,
                     ) -> tuple[InputSpec, tuple[str, int, float] | None]:
        kind, names = DISTRIBUTIONS[call.name]
        params: dict[str, Any] = {}
        props: dict[str, Any] = {}
        truncate_after = None
        corrmat = None
        positional = []
        for span in call.args:
            v = self.value(span, calls)
            if isinstance(v, tuple) and v[0] == "call" and v[1].name in _PROPERTIES:
                self.property(v[1], calls, props, where)
                if v[1].name == "RISKTRUNCATE2":
                    truncate_after = props.pop("truncate2")
                corrmat = props.pop("corrmat", corrmat)
            else:
                positional.append((span, v))
        for name, (span, v) in zip(names, positional, strict=False):
            if v is None:
                continue
            if isinstance(v, float):
                params[name] = v
            elif isinstance(v, tuple) and v[0] == "list":
                params[name] = v[1]
            elif isinstance(v, tuple) and v[0] in ("ref", "name"):
                params[name] = self.qualified(span) if qualify else v[1]
            elif isinstance(v, tuple) and v[0] == "call" and v[1].name in DISTRIBUTIONS:
                params[name] = self.nested(v[1], calls)   # an input of its own, in a slot
            else:   # an expression: computed in a slot of its own
                address = self.slot()
                self.out.slots.append(Slot(address, "param", formula="=" + self.qualified(span)))
                params[name] = address
        if call.name.startswith("VOSE") and len(positional) == len(names) + 1:
            self.percentile(call, positional.pop(), where, qualify)
        if len(positional) > len(names):
            raise SpecError(f"{self.cell}: {call.name} takes {len(names)} parameters "
                            f"({', '.join(names)}), got {len(positional)}")
        if call.name == "RISKTNORMAL":      # a normal truncated to [min, max]
            lo, hi = params.pop("tmin", None), params.pop("tmax", None)
            bounds = {k: self.number(("ref", x) if isinstance(x, str) else x, call.name)
                      for k, x in (("min", lo), ("max", hi)) if x is not None}
            props.setdefault("truncate", bounds)
        elif call.name == "RISKTRIANG10":   # bottom and top are the 10th and 90th percentiles
            params.update(pbottom=0.1, ptop=0.9)
        elif call.name == "RISKDUNIFORM":   # each value equally likely
            values = params.get("values")
            if not isinstance(values, list) or not values:
                raise SpecError(f"{self.cell}: RiskDUniform takes a {{list}} of values here")
            params["probabilities"] = [1.0 / len(values)] * len(values)
        for p in ("pbottom", "ptop"):       # RiskTrigen's percentiles written as 10 and 90
            if isinstance(params.get(p), float) and params[p] > 1:
                params[p] /= 100.0
        if truncate_after is not None:  # RiskTruncate2: on the shifted values
            s = props.get("shift", 0.0)
            props["truncate"] = {k: v - s for k, v in zip(("min", "max"), truncate_after,
                                                          strict=True) if v is not None}
        try:
            return InputSpec(where, kind, params, **props), corrmat
        except SpecError as exc:
            raise SpecError(f"{self.cell}: {call.name}: {exc}") from None

    def percentile(self, call: _Call, arg: tuple[tuple[int, int], Any], where: str,
                   qualify: bool) -> None:
        """ModelRisk's last argument U: the distribution's value at that percentile (its
        inverse CDF of U) instead of a random one."""
        span, v = arg
        if v is None:
            return
        if isinstance(v, tuple) and v[0] == "call" and v[1].name.startswith("VOSECOPULA"):
            raise SpecError(f"{self.cell}: {call.name}'s U is {v[1].name}: not supported; "
                            + hint(v[1].name))
        if isinstance(v, float) and not 0.0 <= v <= 1.0:
            raise SpecError(f"{self.cell}: {call.name}'s U must be from 0 to 1, got {v:g}")
        self.out.percentiles[where] = self.qualified(span) if qualify else self.arg_text(span)

    def property(self, p: _Call, calls: dict[int, _Call], props: dict[str, Any],
                 where: str) -> None:
        n = p.name
        args = [self.value(s, calls) for s in p.args] + [None, None, None]
        if n in _TRUNCATE or n in ("RISKTRUNCATEP", "RISKTRUNCATE2"):
            lo, hi = self.number(args[0], n), self.number(args[1], n)
            if n == "RISKTRUNCATE2":
                props["truncate2"] = (lo, hi)
                return
            keys = ("pmin", "pmax") if n == "RISKTRUNCATEP" else ("min", "max")
            props["truncate"] = {k: v for k, v in zip(keys, (lo, hi), strict=True)
                                 if v is not None}
        elif n in _SHIFT:
            props["shift"] = self.number(args[0], n) or 0.0
        elif n in _NAME:
            name = args[0] if isinstance(args[0], str) else self.referred(args[0])
            if not isinstance(name, str | int | float) or isinstance(name, bool):
                raise SpecError(f'{self.cell}: {n} takes a "name" or the cell holding one')
            props["name"] = name if isinstance(name, str) else f"{name:g}"
        elif n in ("RISKSTATIC", "PSIBASECASE"):
            props["static"] = self.number(args[0], n)
        elif n in _SEED:
            seed = self.number(args[0], n)
            props["stream"] = int(seed) if seed is not None else None
        elif n in _CORRPAIR:
            if not isinstance(args[0], str) or not args[0]:
                raise SpecError(f'{self.cell}: {n} takes the "name" of the independent input')
            rho = 0.0 if n == "PSICORRINDEP" else self.number(args[1], n)
            if rho is None:
                raise SpecError(f"{self.cell}: {n} takes a name and a rank correlation")
            props["corrmat"] = (PAIRED + args[0].upper(), int(n == "PSICORRDEP"), rho)
        elif n in _CORRMAT:
            ref, pos = args[0], self.number(args[1], n)
            inst = self.number(args[2], n)
            if not (isinstance(ref, tuple) and ref[0] in ("ref", "name")) or pos is None:
                raise SpecError(f"{self.cell}: {n} takes a matrix range and a position")
            text = ref[1] if "!" in ref[1] or ref[0] == "name" else \
                f"{quote_sheet(self.sheet)}!{ref[1]}"
            props["corrmat"] = (text, int(pos), int(inst or 1))


def default_slot_sheet(sheet: str, k: int) -> str:
    """``_mcdesk Model #1``: very hidden, and left out of the app's sheet list."""
    return f"_mcdesk {sheet} #{k}"


def read_cell(cell: str, formula: str, slot_sheet=default_slot_sheet,
              lookup=None) -> AddinCell:
    """What ``formula`` (text starting with '=') of ``cell`` ('Sheet!A1') declares; a
    formula with no add-in call gives an empty AddinCell.  SpecError names the cell when
    an add-in call cannot be read.  ``slot_sheet(host_sheet, k)`` names the sheet of the
    k-th slot (see :class:`Slot`); ``lookup(reference, sheet)`` gives the value of a cell
    named where a property takes a number or a name (``RiskName(B5)``)."""
    if not isinstance(formula, str) or not MAY_HOLD.search(formula):
        return AddinCell()
    return _Reader(cell, formula, slot_sheet, lookup).read()
