"""The run specification: inputs with distributions, outputs, trials, seed, sampling.

Saved as JSON beside a workbook; the CLI and the app build it::

    {"inputs": [{"cell": "Costs!D5", "distribution": "triangular",
                 "params": {"min": 90, "mode": 100, "max": 130}}],
     "outputs": ["Summary!B2"], "trials": 10000, "seed": 1, "sampling": "mc"}

A parameter is a number, a list of numbers (discrete) or a reference to a constant cell or
range ("Inputs!C2", "Inputs!A2:A5", a defined name), resolved against the workbook by
:meth:`InputSpec.resolve`.  The command line form ``Sheet!A1=triangular(1,2,4)`` is read by
:func:`parse_input_arg` with a small tokenizer (text is never evaluated).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .distributions import ALIASES, POSITIONAL, Distribution, canonical_kind, make_distribution
from .errors import McdeskError, SpecError
from .sampling import Sampling

__all__ = ["DEFAULT_SEED", "MAX_JSON_DEPTH", "MAX_TRIALS", "InputSpec", "Param", "SimulationSpec",
           "json_depth", "loads_json", "parse_input_arg"]

MAX_TRIALS = 10**12
MAX_JSON_DEPTH = 64  # nesting of arrays and objects a spec may have (a spec needs 4)
MAX_SEED = 2**64 - 1  # the seed is the 64-bit Philox key
DEFAULT_SEED = 1  # the CLI, the app and a spec without "seed" alike
Param = float | str | list[float]
_SPEC_KEYS = ("inputs", "outputs", "trials", "seed", "sampling")
_INPUT_KEYS = ("cell", "distribution", "params")
_LIST_PARAMS = frozenset({"values", "probabilities"})


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
        names = POSITIONAL[self.distribution]
        params = {str(k).lower(): v for k, v in self.params.items()}
        unknown = [k for k in params if k not in names]
        missing = [k for k in names if k not in params]
        if unknown or missing:
            problems = ([f"unknown {', '.join(unknown)}"] if unknown else []) + (
                [f"missing {', '.join(missing)}"] if missing else [])
            raise SpecError(f"{self.cell}: {self.distribution} takes parameters "
                            f"{', '.join(names)}; {'; '.join(problems)}")
        for k, v in params.items():
            params[k] = _check_param(self.cell, self.distribution, k, v)
        self.params = {k: params[k] for k in names}
        if not self.references():
            make_distribution(self.distribution, self.params, where=self.cell)

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
        return make_distribution(self.distribution, values, where=self.cell)

    def to_dict(self) -> dict[str, Any]:
        params = {k: list(v) if isinstance(v, list) else v for k, v in self.params.items()}
        return {"cell": self.cell, "distribution": self.distribution, "params": params}

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
            names = POSITIONAL[canonical_kind(kind, cell)]
            if len(params) != len(names):
                raise SpecError(f"{where}.params: {kind} takes {len(names)} parameters "
                                f"({', '.join(names)}), got {len(params)}")
            params = dict(zip(names, params, strict=True))
        if not isinstance(params, Mapping):
            raise SpecError(f"{where}.params must be an object such as "
                            f'{{"min": 90, "mode": 100, "max": 130}}, got {params!r}')
        return cls(cell, kind, dict(params))


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

    def to_dict(self) -> dict[str, Any]:
        return {"inputs": [i.to_dict() for i in self.inputs], "outputs": list(self.outputs),
                "trials": self.trials, "seed": self.seed, "sampling": self.sampling.value}

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
        return cls(inputs=inputs, outputs=list(outputs),
                   trials=_integral(data.get("trials", 10_000), "trials"),
                   seed=_integral(data.get("seed", DEFAULT_SEED), "seed"),
                   sampling=_sampling(data.get("sampling", "mc")))

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
            elif ch.isdigit() or (ch == "." and i + 1 < len(s) and s[i + 1].isdigit()):
                m = _NUMBER.match(s, i)
                assert m is not None
                out.append(_Token("num", m.group(), i))
                i = m.end()
            elif ch == "'" or ch in _WORD_CHARS:
                tok, i = self._reference(i)
                out.append(tok)
            else:
                raise self.fail(f"unexpected character {ch!r}", i)
        out.append(_Token("end", "", len(s)))
        return out

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
    """input := target '=' kind '(' [arg {',' arg}] ')'
    arg := [param '='] (number | '{' number {(','|';') number} '}' | reference | name)"""

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
        self.expect(")", "',' or ')' after an argument")
        self.expect("end", "the end of the text after ')'")
        return InputSpec(target.text, kind, params)

    def arguments(self, kind: str, cell: str) -> dict[str, Param]:
        names = POSITIONAL[kind]
        given: dict[str, Param] = {}
        positional = 0
        while self.tok.kind != ")":
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
                    raise SpecError(f"input {self.text!r}: {kind} takes {len(names)} arguments "
                                    f"({', '.join(names)}), got more")
                name = names[positional]
                positional += 1
            if name in given:
                raise SpecError(f"input {self.text!r}: {kind} {name} is given twice")
            given[name] = self.value()
        if len(given) != len(names):
            raise SpecError(f"input {self.text!r}: {kind} takes {len(names)} arguments "
                            f"({', '.join(names)}), got {len(given)}")
        return {n: given[n] for n in names}

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


def parse_input_arg(text: str) -> InputSpec:
    """Read ``'Sheet!A1=triangular(1,2,4)'``, ``'B3=discrete({1,2,3},{0.2,0.5,0.3})'``,
    ``"'My Sheet'!A1=normal(Inputs!C2, 5)"`` or ``'A1=pert(min=1, mode=2, max=4)'``."""
    if not isinstance(text, str):
        raise SpecError(f"an input must be text such as 'Inputs!D2=triangular(90,100,130)', "
                        f"got {text!r}")
    return _Parser(text).parse()
