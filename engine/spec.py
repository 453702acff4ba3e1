"""The run specification: inputs with distributions, outputs, trials, seed, sampling.

Saved as JSON beside a workbook; the CLI and the app build it::

    {"inputs": [{"cell": "Costs!D5", "distribution": "triangular",
                 "params": {"min": 90, "mode": 100, "max": 130},
                 "truncate": {"min": 95}, "shift": 0, "name": "Steel", "static": 100},
                {"cell": "Costs!D6", "distribution": "normal", "params": [50, 5]}],
     "correlations": [{"inputs": ["Costs!D5", "Costs!D6"], "matrix": [[1, 0.8], [0.8, 1]]}],
     "outputs": ["Summary!B2"], "trials": 10000, "seed": 1, "sampling": "mc"}

An input may carry properties (all optional): ``truncate`` ({"min", "max"} values or
{"pmin", "pmax"} percentiles as fractions, either side alone; applied before the shift, as
@RISK's RiskTruncate), ``shift``, ``name``
(display name), ``static`` (the value when not simulating) and ``stream`` (a fixed random
stream, 0 .. 2**31 - 1).  ``correlations`` are rank-correlation matrices over inputs, sampled
by a Gaussian copula (:mod:`engine.correlation`); a matrix that is not positive
semi-definite is replaced by the nearest one and ``CorrelationSpec.max_change`` says by how
much.

A parameter is a number, a list of numbers (discrete) or a reference to a constant cell or
range ("Inputs!C2", "Inputs!A2:A5", a defined name), resolved against the workbook by
:meth:`InputSpec.resolve`.  The command line form ``Sheet!A1=triangular(1,2,4)`` is read by
:func:`parse_input_arg` with a small tokenizer (text is never evaluated).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import re
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .correlation import check_matrix, copula_factor
from .distributions import (
    ALIASES,
    LIST_PARAMS,
    POSITIONAL,
    CopulaMember,
    Distribution,
    adjust,
    all_params,
    canonical_kind,
    make_distribution,
)
from .errors import McdeskError, SpecError
from .precision import PrecisionSpec
from .sampling import Sampling

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_SEED", "MAX_JSON_DEPTH", "MAX_TRIALS", "CorrelationSpec", "InputSpec", "Param",
           "SimulationSpec", "json_depth", "loads_json", "parse_correlate_args",
           "parse_input_arg"]

MAX_TRIALS = 10**12
MAX_JSON_DEPTH = 64  # nesting of arrays and objects a spec may have (a spec needs 4)
MAX_SEED = 2**64 - 1  # the seed is the 64-bit Philox key
DEFAULT_SEED = 1  # the CLI, the app and a spec without "seed" alike
Param = float | str | list[float]
_SPEC_KEYS = ("inputs", "outputs", "trials", "seed", "sampling", "correlations", "precision")
_PROPERTY_KEYS = ("truncate", "shift", "name", "static", "stream")
_INPUT_KEYS = ("cell", "distribution", "params", *_PROPERTY_KEYS)
_LIST_PARAMS = LIST_PARAMS


def _is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _cell_key(text: str) -> str:
    """A cell address compared without case, ``$`` or sheet quotes (for duplicates)."""
    sheet, _, addr = text.strip().rpartition("!")
    sheet = sheet.strip()
    if len(sheet) >= 2 and sheet[0] == sheet[-1] == "'":
        sheet = sheet[1:-1].replace("''", "'")
    return f"{sheet.lower()}!{addr.replace('$', '').strip().upper()}"


# ----------------------------------------------------------------- inputs
@dataclass
class InputSpec:
    """A distribution on one input cell; ``params`` by name (see ``POSITIONAL``)."""

    cell: str
    distribution: str
    params: dict[str, Param] = field(default_factory=dict)
    truncate: dict[str, float] | None = None
    shift: float = 0.0
    name: str | None = None
    static: float | None = None
    stream: int | None = None
    # set by SimulationSpec.validate for a member of a correlation group
    copula: CopulaMember | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Structure and, where no parameter is a reference, the numbers too (SpecError)."""
        if not isinstance(self.cell, str) or not self.cell.strip():
            raise SpecError(f"input cell must be a cell address such as Inputs!D2, "
                            f"got {self.cell!r}")
        self.cell = self.cell.strip()
        self.distribution = canonical_kind(self.distribution, self.cell)
        if not isinstance(self.params, Mapping):
            raise SpecError(f"{self.cell}: params must be a mapping of parameter names to "
                            f"values, got {self.params!r}")
        names = all_params(self.distribution)
        params = {str(k).lower(): v for k, v in self.params.items()}
        unknown = [k for k in params if k not in names]
        missing = [k for k in POSITIONAL[self.distribution] if k not in params]
        if unknown or missing:
            problems = ([f"unknown {', '.join(unknown)}"] if unknown else []) + (
                [f"missing {', '.join(missing)}"] if missing else [])
            raise SpecError(f"{self.cell}: {self.distribution} takes parameters "
                            f"{', '.join(names)}; {'; '.join(problems)}")
        for k, v in params.items():
            params[k] = _check_param(self.cell, self.distribution, k, v)
        self.params = {k: params[k] for k in names if k in params}
        self._check_properties()
        if not self.references():
            self._adjust(make_distribution(self.distribution, self.params, where=self.cell))

    def _check_properties(self) -> None:
        where = self.cell
        if self.truncate is not None:
            if not isinstance(self.truncate, Mapping):
                raise SpecError(f"{where}: truncate must be an object such as "
                                f'{{"min": 1, "max": 5}} or {{"pmin": 0.05}}, got '
                                f"{self.truncate!r}")
            self.truncate = {str(k).lower(): v for k, v in self.truncate.items()}
        if isinstance(self.shift, bool) or not isinstance(self.shift, int | float) \
                or not math.isfinite(self.shift):
            raise SpecError(f"{where}: shift must be a finite number, got {self.shift!r}")
        self.shift = float(self.shift)
        if self.name is not None and (not isinstance(self.name, str) or len(self.name) > 255):
            raise SpecError(f"{where}: name must be text of at most 255 characters, got "
                            f"{self.name!r}")
        if isinstance(self.stream, float) and self.stream.is_integer():
            self.stream = int(self.stream)

    def _adjust(self, dist: Distribution) -> Distribution:
        """``dist`` with this input's properties and correlation place (SpecError)."""
        return adjust(dist, self.cell, self.truncate, self.shift, self.name, self.static,
                      self.stream, self.copula)

    def properties(self) -> dict[str, Any]:
        """The properties that are set, as the spec JSON writes them."""
        out: dict[str, Any] = {}
        if self.truncate:
            out["truncate"] = dict(self.truncate)
        if self.shift:
            out["shift"] = self.shift
        for k in ("name", "static", "stream"):
            if getattr(self, k) is not None:
                out[k] = getattr(self, k)
        return out

    def references(self) -> list[str]:
        """The cell or range references among the parameters."""
        return [v for v in self.params.values() if isinstance(v, str)]

    def resolve(self, lookup: Callable[[str], object]) -> Distribution:
        """The distribution, with each reference replaced by ``lookup(ref)`` (a float for a
        cell, a list of floats for a range)."""
        values: dict[str, object] = {}
        for name, v in self.params.items():
            if not isinstance(v, str):
                values[name] = v
                continue
            try:
                got = lookup(v)
            except SpecError as exc:
                raise SpecError(f"{self.cell}: {self.distribution} {name} = {v}: {exc}") from exc
            if name not in _LIST_PARAMS and isinstance(got, list | tuple):
                if len(got) != 1:
                    raise SpecError(f"{self.cell}: {self.distribution} {name} = {v} is a range of "
                                    f"{len(got)} cells; use a single cell")
                got = got[0]
            values[name] = got
        return self._adjust(make_distribution(self.distribution, values, where=self.cell))

    def to_dict(self) -> dict[str, Any]:
        params = {k: list(v) if isinstance(v, list) else v for k, v in self.params.items()}
        return {"cell": self.cell, "distribution": self.distribution, "params": params,
                **self.properties()}

    @classmethod
    def from_dict(cls, data: object, where: str = "input") -> InputSpec:
        if not isinstance(data, Mapping):
            raise SpecError(f"{where} must be an object with {', '.join(_INPUT_KEYS)}, "
                            f"got {data!r}")
        _no_unknown_keys(data, _INPUT_KEYS, where)
        for key in ("cell", "distribution"):
            if not isinstance(data.get(key), str):
                raise SpecError(f"{where}.{key} must be a string, got {data.get(key)!r}")
        cell, kind = data["cell"], data["distribution"]
        params = data.get("params", {})
        if isinstance(params, list):  # positional form: [90, 100, 130]
            canon = canonical_kind(kind, cell)
            names, least = all_params(canon), len(POSITIONAL[canon])
            if not least <= len(params) <= len(names):
                raise SpecError(f"{where}.params: {kind} takes {least} parameters "
                                f"({', '.join(names)}), got {len(params)}")
            params = dict(zip(names, params, strict=False))
        if not isinstance(params, Mapping):
            raise SpecError(f"{where}.params must be an object such as "
                            f'{{"min": 90, "mode": 100, "max": 130}}, got {params!r}')
        props = {k: data[k] for k in _PROPERTY_KEYS if k in data}
        if props.get("shift") is None:
            props.pop("shift", None)
        return cls(cell, kind, dict(params), **props)


@dataclass
class CorrelationSpec:
    """Target rank (Spearman) correlations among ``inputs``; ``used`` and ``max_change`` are
    set by :meth:`prepare` (the matrix sampled, after any repair, and how far it moved)."""

    inputs: list[str]
    matrix: list[list[float]]
    used: list[list[float]] | None = field(default=None, compare=False)
    max_change: float = field(default=0.0, compare=False)

    def prepare(self, where: str) -> list[list[float]]:
        """Check the matrix, repair it if needed and return the Cholesky rows (SpecError)."""
        if not isinstance(self.inputs, list) or len(self.inputs) < 2 or not all(
                isinstance(c, str) and c.strip() for c in self.inputs):
            raise SpecError(f"{where}.inputs must be a list of at least two input cells, "
                            f"got {self.inputs!r}")
        self.inputs = [c.strip() for c in self.inputs]
        keys = [_cell_key(c) for c in self.inputs]
        for i, k in enumerate(keys):
            if k in keys[:i]:
                raise SpecError(f"{where}: {self.inputs[i]} is listed twice")
        m = check_matrix(self.matrix, self.inputs, where)
        plan = copula_factor(m)
        self.used = plan.used.tolist()
        self.max_change = plan.max_change
        key = (tuple(self.inputs), tuple(map(tuple, m.tolist())))
        if plan.max_change > 0 and key not in _WARNED:  # once per matrix (specs are re-checked)
            _WARNED.add(key)
            log.warning("%s: the correlation matrix of %s is not positive semi-definite; "
                        "the nearest valid one is used (largest change %.4g)", where,
                        ", ".join(self.inputs), plan.max_change)
        return plan.factor

    def to_dict(self) -> dict[str, Any]:
        return {"inputs": list(self.inputs), "matrix": [list(r) for r in self.matrix]}

    @classmethod
    def from_dict(cls, data: object, where: str) -> CorrelationSpec:
        if not isinstance(data, Mapping):
            raise SpecError(f"{where} must be an object with inputs and matrix, got {data!r}")
        _no_unknown_keys(data, ("inputs", "matrix"), where)
        if "inputs" not in data or "matrix" not in data:
            raise SpecError(f"{where} needs inputs (cells) and matrix (rows of numbers)")
        return cls(data["inputs"], data["matrix"])


_WARNED: set[tuple] = set()   # matrices already said to be repaired


def copula_stream(cell: str) -> int:
    """The random stream of a correlated input without a fixed one: from its address, as
    written in the spec (sheet without case, no $)."""
    return zlib.crc32(f"copula:{_cell_key(cell)}".encode()) & 0x7FFFFFFF


def _check_param(cell: str, kind: str, name: str, value: object) -> Param:
    if isinstance(value, str):
        if not value.strip():
            raise SpecError(f"{cell}: {kind} {name} is an empty reference")
        return value.strip()
    if isinstance(value, list | tuple):
        if not all(_is_number(v) for v in value):
            raise SpecError(f"{cell}: {kind} {name} must be a list of numbers, got {value!r}")
        return [float(v) for v in value]
    if _is_number(value):
        x = float(value)  # type: ignore[arg-type]
        if not math.isfinite(x):
            raise SpecError(f"{cell}: {kind} {name} must be a finite number, got {x}")
        return x
    raise SpecError(f"{cell}: {kind} {name} must be a number, a list of numbers or a cell "
                    f"reference, got {value!r}")


def _no_unknown_keys(data: Mapping, allowed: tuple[str, ...], where: str) -> None:
    unknown = [k for k in data if k not in allowed]
    if unknown:
        raise SpecError(f"{where}: unknown key {unknown[0]!r}; expected {', '.join(allowed)}")


# ----------------------------------------------------------------- the run
@dataclass
class SimulationSpec:
    """Everything a run needs besides the workbook."""

    inputs: list[InputSpec]
    outputs: list[str]
    trials: int = 10_000
    seed: int = DEFAULT_SEED
    sampling: Sampling = Sampling.MC
    correlations: list[CorrelationSpec] = field(default_factory=list)
    # run until these targets are met (engine.precision); ``trials`` is then the cap
    precision: PrecisionSpec | None = None

    def __post_init__(self) -> None:
        self.validate(require_outputs=False)

    def validate(self, require_outputs: bool = True) -> None:
        """Check every field; SpecError names the one to fix."""
        if not _is_int(self.trials) or not 1 <= self.trials <= MAX_TRIALS:
            raise SpecError(f"trials must be an integer from 1 to 10**12, got {self.trials!r}")
        if not _is_int(self.seed) or not 0 <= self.seed <= MAX_SEED:
            raise SpecError(f"seed must be an integer from 0 to 2**64 - 1, got {self.seed!r}")
        self.trials, self.seed = int(self.trials), int(self.seed)
        self.sampling = _sampling(self.sampling)
        if not isinstance(self.inputs, list) or not all(isinstance(i, InputSpec)
                                                        for i in self.inputs):
            raise SpecError("inputs must be a list of InputSpec")
        seen: dict[str, str] = {}
        for inp in self.inputs:
            inp.check()
            key = _cell_key(inp.cell)
            if key in seen:
                raise SpecError(f"inputs: {inp.cell} has two distributions "
                                f"(also given as {seen[key]})")
            seen[key] = inp.cell
        if not isinstance(self.outputs, list) or not all(
                isinstance(o, str) and o.strip() for o in self.outputs):
            raise SpecError(f"outputs must be a list of cell addresses, got {self.outputs!r}")
        self.outputs = [o.strip() for o in self.outputs]
        out_seen: set[str] = set()
        for o in self.outputs:
            if _cell_key(o) in out_seen:
                raise SpecError(f"outputs: {o} is listed twice")
            out_seen.add(_cell_key(o))
        if require_outputs and not self.outputs:
            raise SpecError("outputs: no output cell; mark at least one "
                            "(for example --output 'Summary!B2')")
        self._place_correlations(seen)
        if self.precision is not None and not isinstance(self.precision, PrecisionSpec):
            raise SpecError("precision must be a PrecisionSpec (targets CELL:STAT:TOL)")

    def _place_correlations(self, inputs: dict[str, str]) -> None:
        """Check each correlation group and give its inputs their copula places."""
        if not isinstance(self.correlations, list) or not all(
                isinstance(c, CorrelationSpec) for c in self.correlations):
            raise SpecError("correlations must be a list of CorrelationSpec")
        by_key = {_cell_key(i.cell): i for i in self.inputs}
        for inp in self.inputs:
            inp.copula = None
        grouped: dict[str, str] = {}
        for g, corr in enumerate(self.correlations):
            where = f"correlations[{g}]"
            factor = corr.prepare(where)
            members = []
            for cell in corr.inputs:
                key = _cell_key(cell)
                if key not in inputs:
                    raise SpecError(f"{where}: {cell} is not an input (give it a distribution "
                                    "first)")
                if key in grouped:
                    raise SpecError(f"{where}: {cell} is already in {grouped[key]}; put "
                                    "correlated inputs in one matrix")
                grouped[key] = where
                members.append(by_key[key])
            streams = tuple(m.stream if m.stream is not None else copula_stream(m.cell)
                            for m in members)
            for i, m in enumerate(members):
                m.copula = CopulaMember(streams[:i + 1], tuple(factor[i][:i + 1]))
                if not m.references():
                    m._adjust(make_distribution(m.distribution, m.params, where=m.cell))

    @property
    def correlation_adjustments(self) -> list[dict[str, Any]]:
        """Each repaired matrix: its inputs, the largest change and the matrix used."""
        return [{"inputs": list(c.inputs), "max_change": c.max_change, "used": c.used}
                for c in self.correlations if c.max_change > 0]

    def to_dict(self) -> dict[str, Any]:
        out = {"inputs": [i.to_dict() for i in self.inputs], "outputs": list(self.outputs),
               "trials": self.trials, "seed": self.seed, "sampling": self.sampling.value}
        if self.correlations:
            out["correlations"] = [c.to_dict() for c in self.correlations]
        if self.precision is not None:
            out["precision"] = self.precision.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: object) -> SimulationSpec:
        if not isinstance(data, Mapping):
            raise SpecError(f"a spec must be a JSON object with {', '.join(_SPEC_KEYS)}")
        _no_unknown_keys(data, _SPEC_KEYS, "spec")
        raw_inputs = data.get("inputs", [])
        if not isinstance(raw_inputs, list):
            raise SpecError(f"inputs must be a list, got {raw_inputs!r}")
        inputs = [InputSpec.from_dict(d, f"inputs[{i}]") for i, d in enumerate(raw_inputs)]
        outputs = data.get("outputs", [])
        if isinstance(outputs, str) or not isinstance(outputs, list):
            raise SpecError(f"outputs must be a list of cell addresses, got {outputs!r}")
        raw_corr = data.get("correlations", [])
        if not isinstance(raw_corr, list):
            raise SpecError(f"correlations must be a list, got {raw_corr!r}")
        corr = [CorrelationSpec.from_dict(c, f"correlations[{i}]")
                for i, c in enumerate(raw_corr)]
        return cls(inputs=inputs, outputs=list(outputs),
                   trials=_integral(data.get("trials", 10_000), "trials"),
                   seed=_integral(data.get("seed", DEFAULT_SEED), "seed"),
                   sampling=_sampling(data.get("sampling", "mc")), correlations=corr,
                   precision=None if data.get("precision") is None
                   else PrecisionSpec.from_dict(data["precision"]))

    @classmethod
    def load(cls, path: str | Path) -> SimulationSpec:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise SpecError(f"cannot read spec {p}: {exc.strerror or exc}") from exc
        try:
            data = loads_json(text)
        except json.JSONDecodeError as exc:
            raise SpecError(f"{p}: not valid JSON ({exc.msg} at line {exc.lineno}, "
                            f"column {exc.colno})") from exc
        except SpecError as exc:
            raise SpecError(f"{p}: {exc}") from None
        try:
            return cls.from_dict(data)
        except SpecError as exc:
            raise SpecError(f"{p}: {exc}") from exc

    def save(self, path: str | Path) -> None:
        self.validate(require_outputs=False)
        p = Path(path)
        try:
            p.write_text(json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n",
                         encoding="utf-8")
        except OSError as exc:
            raise McdeskError(f"cannot write spec {p}: {exc.strerror or exc}") from exc


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)


def json_depth(text: str | bytes) -> int:
    """The deepest nesting of arrays and objects in JSON ``text`` (brackets inside strings
    do not count), found without recursion: counted over the bytes with numpy."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    if b"[" not in raw and b"{" not in raw:
        return 0
    if b'"' in raw:
        raw = _JSON_STRING.sub(b"", raw)
    b = np.frombuffer(raw, dtype=np.uint8)
    step = ((b == ord("[")) | (b == ord("{"))).astype(np.int64)
    step -= (b == ord("]")) | (b == ord("}"))
    return int(np.cumsum(step).max(initial=0))


def loads_json(text: str | bytes, what: str = "the spec", max_depth: int = MAX_JSON_DEPTH,
               ) -> Any:
    """``json.loads`` of text that is nested at most ``max_depth`` levels (json.loads itself
    recurses: a file nested 100,000 deep would end in RecursionError), else SpecError.
    Invalid JSON raises json.JSONDecodeError as json.loads does."""
    depth = json_depth(text)
    if depth > max_depth:
        raise SpecError(f"{what} is nested {depth:,} levels deep; at most {max_depth} levels "
                        "of arrays and objects are allowed")
    return json.loads(text)


def _is_int(x: object) -> bool:
    return isinstance(x, int | np.integer) and not isinstance(x, bool)


def _integral(x: object, name: str) -> int:
    """An int from JSON, where 1e4 (a float) is accepted when it is a whole number."""
    if isinstance(x, float) and x.is_integer():
        return int(x)
    if not _is_int(x):
        raise SpecError(f"{name} must be an integer, got {x!r}")
    return int(x)  # type: ignore[call-overload]


def _sampling(x: object) -> Sampling:
    try:
        return Sampling(x)  # type: ignore[arg-type]  # Sampling._missing_ handles the rest
    except ValueError:
        raise SpecError(f"sampling must be one of {', '.join(s.value for s in Sampling)}, "
                        f"got {x!r}") from None


# ----------------------------------------------------------------- the command line form
_HINT = "write it as CELL=DISTRIBUTION(ARGS), e.g. 'Inputs!D2=triangular(90,100,130)'"
_CELL = re.compile(r"\$?[A-Za-z]{1,3}\$?[0-9]+")
_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_PLAIN_SHEET = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.$\\")
_PUNCT = frozenset("(){},;=+-")


@dataclass(frozen=True)
class _Token:
    kind: str  # "num", "ref" (cell), "range", "name", "end", or the punctuation itself
    text: str  # canonical text (references) or as written
    pos: int


def _describe(tok: _Token) -> str:
    return "the end of the text" if tok.kind == "end" else repr(tok.text)


class _Tokenizer:
    def __init__(self, text: str, fail: Callable[[str, int], SpecError]) -> None:
        self.text = text
        self.error = lambda expected, pos: fail(f"expected {expected}", pos)
        self.fail = fail

    def tokens(self) -> list[_Token]:
        out: list[_Token] = []
        s, i = self.text, 0
        while i < len(s):
            ch = s[i]
            if ch.isspace():
                i += 1
            elif ch in _PUNCT:
                out.append(_Token(ch, ch, i))
                i += 1
            elif m := _NUMBER.match(s, i):  # ASCII digits only (not '١٢' or '１２')
                out.append(_Token("num", m.group(), i))
                i = m.end()
            elif ch == "'" or ch in _WORD_CHARS:
                tok, i = self._reference(i)
                out.append(tok)
            elif ch == '"':
                tok, i = self._string(i)
                out.append(tok)
            else:
                raise self.fail(f"unexpected character {ch!r}", i)
        out.append(_Token("end", "", len(s)))
        return out

    def _string(self, start: int) -> tuple[_Token, int]:
        """A "double-quoted" text ("" inside is one quote)."""
        s, i, chars = self.text, start + 1, []
        while True:
            if i >= len(s):
                raise self.error("a closing double quote", start)
            if s[i] == '"':
                if s[i + 1:i + 2] == '"':
                    chars.append('"')
                    i += 2
                    continue
                return _Token("str", "".join(chars), start), i + 1
            chars.append(s[i])
            i += 1

    def _word(self, i: int) -> tuple[str, int]:
        j = i
        while j < len(self.text) and self.text[j] in _WORD_CHARS:
            j += 1
        return self.text[i:j], j

    def _reference(self, start: int) -> tuple[_Token, int]:
        """[sheet!]A1, [sheet!]A1:B2 or a name; a sheet may be quoted ('My Sheet'!A1)."""
        s, i, sheet = self.text, start, None
        if s[i] == "'":
            i += 1
            chars = []
            while True:
                if i >= len(s):
                    raise self.error("a closing quote after the sheet name", start)
                if s[i] == "'":
                    if s[i + 1:i + 2] == "'":
                        chars.append("'")
                        i += 2
                        continue
                    i += 1
                    break
                chars.append(s[i])
                i += 1
            sheet = "".join(chars)
            if s[i:i + 1] != "!" or not sheet:
                raise self.error("'!' and a cell address after the quoted sheet name", i)
        word, i = self._word(i)
        if sheet is None and s[i:i + 1] == "!":
            sheet = word
        if sheet is not None:
            i += 1  # the "!"
            word, i = self._word(i)
            if not _CELL.fullmatch(word):
                raise self.error(f"a cell address after {sheet!r}!", i - len(word))
        prefix = "" if sheet is None else _quote_sheet(sheet) + "!"
        if not _CELL.fullmatch(word):
            if sheet is None and word and not word[0].isdigit():
                return _Token("name", word, start), i
            raise self.error("a cell address, a name or a number", start)
        cell = word.replace("$", "").upper()
        if s[i:i + 1] == ":":
            end, j = self._word(i + 1)
            if not _CELL.fullmatch(end):
                raise self.error("a cell address after ':'", i + 1)
            return _Token("range", f"{prefix}{cell}:{end.replace('$', '').upper()}", start), j
        return _Token("ref", prefix + cell, start), i


def _quote_sheet(sheet: str) -> str:
    if _PLAIN_SHEET.fullmatch(sheet) and not _CELL.fullmatch(sheet):
        return sheet
    return "'" + sheet.replace("'", "''") + "'"


class _Parser:
    """input := target '=' kind '(' [arg {',' arg}] {';' property} ')'
    arg := [param '='] (number | '{' number {(','|';') number} '}' | reference | name)
    property := 'truncate' '=' '(' [number] ',' [number] ')'      values, either side
              | 'ptruncate' '=' '(' [number] ',' [number] ')'     percentiles (fractions)
              | ('shift' | 'static' | 'stream') '=' number | 'name' '=' '"' text '"'
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _Tokenizer(text, self.fail).tokens()
        self.k = 0

    def fail(self, message: str, pos: int) -> SpecError:
        return SpecError(f"cannot read input {self.text!r}: {message} at column {pos + 1}; "
                         f"{_HINT}")

    def error(self, expected: str, pos: int) -> SpecError:
        return self.fail(f"expected {expected}", pos)

    @property
    def tok(self) -> _Token:
        return self.toks[self.k]

    def expect(self, kind: str, what: str) -> _Token:
        tok = self.tok
        if tok.kind != kind:
            raise self.error(f"{what}, found {_describe(tok)}", tok.pos)
        self.k += 1
        return tok

    def parse(self) -> InputSpec:
        target = self.tok
        if target.kind not in ("ref", "name"):
            raise self.error(f"the input cell (such as Inputs!D2), found {_describe(target)}",
                             target.pos)
        self.k += 1
        self.expect("=", "'=' after the input cell")
        kind_tok = self.expect("name", "a distribution name (" + ", ".join(POSITIONAL) + ")")
        if kind_tok.text.lower() not in ALIASES:
            raise self.fail(f"unknown distribution {kind_tok.text!r} (use one of "
                            f"{', '.join(POSITIONAL)})", kind_tok.pos)
        kind = canonical_kind(kind_tok.text, target.text)
        self.expect("(", f"'(' after {kind_tok.text}")
        params = self.arguments(kind, target.text)
        props: dict[str, Any] = {}
        while self.tok.kind == ";":
            self.k += 1
            self.property(props)
        self.expect(")", "',', ';' or ')' after an argument")
        self.expect("end", "the end of the text after ')'")
        return InputSpec(target.text, kind, params, **props)

    def property(self, props: dict[str, Any]) -> None:
        tok = self.expect("name", "a property (truncate, ptruncate, shift, name, static, "
                                  "stream)")
        key = tok.text.lower()
        if key not in ("truncate", "ptruncate", "shift", "name", "static", "stream"):
            raise self.fail(f"unknown property {tok.text!r} (use truncate, ptruncate, shift, "
                            "name, static or stream)", tok.pos)
        if key in props or (key.endswith("truncate") and "truncate" in props):
            raise self.fail(f"{tok.text} is given twice", tok.pos)
        self.expect("=", f"'=' after {tok.text}")
        if key == "name":
            props["name"] = self.expect("str", 'a "quoted" name').text
        elif key.endswith("truncate"):
            self.expect("(", f"'(' after {tok.text}=")
            lo = None if self.tok.kind == "," else self.number()
            self.expect(",", "',' between the two bounds (leave one empty for one side)")
            hi = None if self.tok.kind == ")" else self.number()
            self.expect(")", "')' after the bounds")
            names = ("pmin", "pmax") if key == "ptruncate" else ("min", "max")
            props["truncate"] = {n: v for n, v in zip(names, (lo, hi), strict=True)
                                 if v is not None}
        elif key == "stream":
            x = self.number()
            if not x.is_integer():
                raise self.fail(f"stream must be a whole number, got {x:g}", tok.pos)
            props["stream"] = int(x)
        else:
            props[key] = self.number()

    def arguments(self, kind: str, cell: str) -> dict[str, Param]:
        names = all_params(kind)
        required = POSITIONAL[kind]
        given: dict[str, Param] = {}
        positional = 0
        while self.tok.kind not in (")", ";"):
            if given:
                self.expect(",", "',' or ')' after an argument")
            name = None
            if self.tok.kind == "name" and self.toks[self.k + 1].kind == "=":
                name = self.tok.text.lower()
                if name not in names:
                    raise SpecError(f"input {self.text!r}: {kind} has no parameter {name!r}; "
                                    f"it takes {', '.join(names)}")
                self.k += 2
            elif len(given) > positional:
                raise self.error("name=value after a named argument", self.tok.pos)
            else:
                if positional >= len(names):
                    raise SpecError(f"input {self.text!r}: {kind} takes {_count(kind)} "
                                    f"arguments ({', '.join(names)}), got more")
                name = names[positional]
                positional += 1
            if name in given:
                raise SpecError(f"input {self.text!r}: {kind} {name} is given twice")
            given[name] = self.value()
        if any(n not in given for n in required):
            raise SpecError(f"input {self.text!r}: {kind} takes {_count(kind)} arguments "
                            f"({', '.join(names)}), got {len(given)}")
        return {n: given[n] for n in names if n in given}

    def value(self) -> Param:
        tok = self.tok
        if tok.kind in ("ref", "range", "name"):
            self.k += 1
            return tok.text
        if tok.kind == "{":
            self.k += 1
            items = [self.number()]
            while self.tok.kind in (",", ";"):
                self.k += 1
                items.append(self.number())
            self.expect("}", "',' or '}' in the list")
            return items
        return self.number()

    def number(self) -> float:
        sign = 1.0
        while self.tok.kind in ("+", "-"):
            sign = -sign if self.tok.kind == "-" else sign
            self.k += 1
        tok = self.expect("num", "a number, a {list} or a cell reference")
        return sign * float(tok.text)


def _count(kind: str) -> str:
    least, most = len(POSITIONAL[kind]), len(all_params(kind))
    return str(least) if least == most else f"{least} to {most}"


def parse_correlate_args(texts: list[str]) -> list[CorrelationSpec]:
    """``--correlate`` values as one correlation group: pairs ``'A!B1,A!B2=0.8'`` (pairs not
    given are 0), or a CSV file whose first row names the cells and whose next rows are the
    matrix (a file is its own group)."""
    groups: list[CorrelationSpec] = []
    cells: list[str] = []
    pairs: dict[tuple[int, int], float] = {}
    for text in texts:
        if not isinstance(text, str) or not text.strip():
            raise SpecError(f"--correlate: expected 'CELL,CELL=RHO' or a CSV file, got {text!r}")
        if "=" not in text:
            groups.append(_matrix_file(text.strip()))
            continue
        left, _, right = text.rpartition("=")
        refs = _Tokenizer(left, lambda m, pos, t=text: SpecError(
            f"--correlate {t!r}: {m} at column {pos + 1}; write it as 'A!B1,A!B2=0.8'"),
                          ).tokens()
        if [t.kind for t in refs] != ["ref", ",", "ref", "end"]:
            raise SpecError(f"--correlate {text!r}: write two cells and a rank correlation, "
                            "e.g. 'Inputs!B1,Inputs!B2=0.8'")
        try:
            rho = float(right)
        except ValueError:
            raise SpecError(f"--correlate {text!r}: {right.strip()!r} is not a number") from None
        idx = []
        for t in (refs[0], refs[2]):
            keys = [_cell_key(c) for c in cells]
            if _cell_key(t.text) not in keys:
                cells.append(t.text)
                keys.append(_cell_key(t.text))
            idx.append(keys.index(_cell_key(t.text)))
        if idx[0] == idx[1]:
            raise SpecError(f"--correlate {text!r}: a cell is always fully correlated with "
                            "itself; name two different cells")
        pairs[(min(idx), max(idx))] = rho
    if cells:
        m = [[1.0 if i == j else 0.0 for j in range(len(cells))] for i in range(len(cells))]
        for (i, j), rho in pairs.items():
            m[i][j] = m[j][i] = rho
        groups.insert(0, CorrelationSpec(cells, m))
    return groups


def _matrix_file(path: str) -> CorrelationSpec:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"--correlate: cannot read {path}: {exc.strerror or exc}") from exc
    rows = [r for r in csv.reader(io.StringIO(text)) if any(x.strip() for x in r)]
    if len(rows) < 3:
        raise SpecError(f"{path}: write the cells on the first row, then one row of numbers "
                        "per cell")
    cells = [c.strip() for c in rows[0]]
    matrix = []
    for n, row in enumerate(rows[1:], start=2):
        try:
            matrix.append([float(x) for x in row])
        except ValueError:
            raise SpecError(f"{path}: row {n} must hold numbers only, got {row!r}") from None
    return CorrelationSpec(cells, matrix)


def parse_input_arg(text: str) -> InputSpec:
    """Read ``'Sheet!A1=triangular(1,2,4)'``, ``'B3=discrete({1,2,3},{0.2,0.5,0.3})'``,
    ``"'My Sheet'!A1=normal(Inputs!C2, 5)"`` or ``'A1=pert(min=1, mode=2, max=4)'``."""
    if not isinstance(text, str):
        raise SpecError(f"an input must be text such as 'Inputs!D2=triangular(90,100,130)', "
                        f"got {text!r}")
    return _Parser(text).parse()
