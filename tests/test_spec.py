"""The run specification: JSON round trip, validation, the command line input form."""

from __future__ import annotations

import json

import pytest

from engine.distributions import Lognormal, Triangular
from engine.errors import SpecError
from engine.sampling import Sampling
from engine.spec import InputSpec, SimulationSpec, parse_input_arg

EXAMPLE = {
    "inputs": [
        {"cell": "Costs!D5", "distribution": "triangular",
         "params": {"min": 90, "mode": 100, "max": 130}},
        {"cell": "Costs!D6", "distribution": "discrete",
         "params": {"values": [0, 1, 3], "probabilities": [0.6, 0.3, 0.1]}},
        {"cell": "Inputs!D2", "distribution": "triangular",
         "params": {"min": "Inputs!C2", "mode": "Inputs!D2", "max": "Inputs!E2"}},
    ],
    "outputs": ["Summary!B2"], "trials": 10000, "seed": 1, "sampling": "mc",
}


# ----------------------------------------------------------------- JSON
def test_from_dict_to_dict_round_trip():
    spec = SimulationSpec.from_dict(EXAMPLE)
    assert spec.trials == 10_000 and spec.seed == 1 and spec.sampling is Sampling.MC
    assert spec.inputs[0] == InputSpec("Costs!D5", "triangular",
                                       {"min": 90.0, "mode": 100.0, "max": 130.0})
    assert spec.inputs[2].references() == ["Inputs!C2", "Inputs!D2", "Inputs!E2"]
    assert spec.to_dict() == EXAMPLE
    assert SimulationSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


def test_save_and_load(tmp_path):
    spec = SimulationSpec.from_dict({**EXAMPLE, "sampling": "LHS", "seed": 2**64 - 1})
    path = tmp_path / "book.spec.json"
    spec.save(path)
    again = SimulationSpec.load(path)
    assert again == spec and again.sampling is Sampling.LHS and again.seed == 2**64 - 1


def test_defaults():
    spec = SimulationSpec.from_dict({"outputs": ["A1"]})
    assert (spec.inputs, spec.trials, spec.seed, spec.sampling) == ([], 10_000, 1, Sampling.MC)
    assert SimulationSpec(inputs=[], outputs=[]).trials == 10_000


def test_bundled_example_spec_loads():
    from pathlib import Path

    path = Path(__file__).parents[1] / "mcdesk" / "examples" / "capital_project.spec.json"
    if not path.exists():
        pytest.skip("bundled example not present")
    spec = SimulationSpec.load(path)
    spec.validate(require_outputs=True)
    assert spec.inputs and spec.outputs


def test_load_errors_name_the_file(tmp_path):
    with pytest.raises(SpecError, match="cannot read spec"):
        SimulationSpec.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"inputs": [,]}')
    with pytest.raises(SpecError, match=r"bad.json: not valid JSON .* line 1, column 13"):
        SimulationSpec.load(bad)
    bad.write_text(json.dumps({**EXAMPLE, "trails": 5}))
    with pytest.raises(SpecError, match=r"bad.json: spec: unknown key 'trails'"):
        SimulationSpec.load(bad)


@pytest.mark.parametrize(("change", "message"), [
    ({"trials": 0}, "trials must be an integer from 1 to 10\\*\\*12, got 0"),
    ({"trials": 10**12 + 1}, "trials must be an integer from 1"),
    ({"trials": 2.5}, "trials must be an integer, got 2.5"),
    ({"trials": "100"}, "trials must be an integer"),
    ({"trials": True}, "trials must be an integer"),
    ({"seed": -1}, "seed must be an integer from 0"),
    ({"seed": 2**64}, "seed must be an integer from 0"),
    ({"sampling": "sobol"}, "sampling must be one of mc, lhs, got 'sobol'"),
    ({"outputs": "Summary!B2"}, "outputs must be a list"),
    ({"outputs": ["Summary!B2", " summary!$b$2"]}, "outputs: summary!\\$b\\$2 is listed twice"),
    ({"outputs": [""]}, "outputs must be a list of cell addresses"),
    ({"inputs": {"cell": "A1"}}, "inputs must be a list"),
    ({"inputs": [{"cell": "A1", "distribution": "normal", "params": {"mean": 1, "sd": 1},
                  "corr": 1}]}, "inputs\\[0\\]: unknown key 'corr'"),
    ({"inputs": [{"cell": "A1", "params": {}}]}, "inputs\\[0\\].distribution must be a string"),
    ({"inputs": [{"cell": "A1", "distribution": "normal", "params": {"mean": 1}}]},
     "A1: normal takes parameters mean, sd; missing sd"),
    ({"inputs": [{"cell": "A1", "distribution": "normal", "params": {"mean": 1, "sd": -1}}]},
     "A1: normal needs sd > 0"),
    ({"inputs": [{"cell": "A1", "distribution": "normal", "params": {"mean": None, "sd": 1}}]},
     "A1: normal mean must be a number, a list of numbers or a cell reference"),
    ({"inputs": [{"cell": "A1", "distribution": "pearson5", "params": {}}]},
     "A1: unknown distribution 'pearson5'"),
    ({"inputs": [EXAMPLE["inputs"][0], {**EXAMPLE["inputs"][0], "cell": "'costs'!$D$5"}]},
     "inputs: 'costs'!\\$D\\$5 has two distributions \\(also given as Costs!D5\\)"),
])
def test_invalid_specs_name_the_field(change, message):
    with pytest.raises(SpecError, match=message):
        SimulationSpec.from_dict({**EXAMPLE, **change})


def test_whole_number_floats_from_json_are_accepted():
    spec = SimulationSpec.from_dict({**EXAMPLE, "trials": 1e4, "seed": 3.0})
    assert spec.trials == 10_000 and isinstance(spec.trials, int) and spec.seed == 3


def test_positional_params_list():
    spec = SimulationSpec.from_dict({"inputs": [{"cell": "A1", "distribution": "tri",
                                                 "params": [1, 2, 4]}], "outputs": ["B1"]})
    assert spec.inputs[0].distribution == "triangular"
    assert spec.inputs[0].params == {"min": 1.0, "mode": 2.0, "max": 4.0}


def test_outputs_are_required_only_to_simulate():
    spec = SimulationSpec.from_dict({**EXAMPLE, "outputs": []})
    spec.validate(require_outputs=False)
    with pytest.raises(SpecError, match="no output cell"):
        spec.validate(require_outputs=True)


def test_validate_rechecks_fields_changed_after_construction():
    spec = SimulationSpec.from_dict(EXAMPLE)
    spec.trials = -5
    with pytest.raises(SpecError, match="trials"):
        spec.validate()
    spec.trials, spec.sampling = 10, "LHS"  # type: ignore[assignment]
    spec.validate()
    assert spec.sampling is Sampling.LHS


# ----------------------------------------------------------------- resolve
def test_resolve_replaces_references_by_lookup():
    cells = {"Inputs!C2": 8.0, "Inputs!D2": 10.0, "Inputs!E2": 15.0}
    inp = SimulationSpec.from_dict(EXAMPLE).inputs[2]
    dist = inp.resolve(cells.__getitem__)
    assert dist == Triangular(8.0, 10.0, 15.0)


def test_resolve_ranges_for_discrete():
    inp = parse_input_arg("B3=discrete(Inputs!A2:A4, Inputs!B2:B4)")
    ranges = {"Inputs!A2:A4": [1.0, 2.0, 3.0], "Inputs!B2:B4": [0.2, 0.5, 0.3]}
    dist = inp.resolve(ranges.__getitem__)
    assert dist.params() == {"values": [1.0, 2.0, 3.0], "probabilities": [0.2, 0.5, 0.3]}


def test_resolve_errors_name_the_input_cell():
    inp = parse_input_arg("Inputs!D2=triangular(Inputs!C2,Inputs!D2,Inputs!E2)")
    values = {"Inputs!C2": 5.0, "Inputs!D2": 3.0, "Inputs!E2": 4.0}
    with pytest.raises(SpecError, match="^Inputs!D2: triangular needs min <= mode <= max"):
        inp.resolve(values.__getitem__)

    def fails(ref: str) -> float:
        raise SpecError(f"{ref} holds 'abc', not a number")

    with pytest.raises(SpecError, match="^Inputs!D2: triangular min = Inputs!C2: Inputs!C2 holds"):
        inp.resolve(fails)
    with pytest.raises(SpecError, match="range of 3 cells"):
        parse_input_arg("A1=normal(B1:B3, 1)").resolve(lambda ref: [1.0, 2.0, 3.0])
    assert parse_input_arg("A1=lognormal(B1, 1)").resolve(lambda ref: [4.0]) == Lognormal(4, 1)


# ----------------------------------------------------------------- command line form
@pytest.mark.parametrize(("text", "cell", "kind", "params"), [
    ("Sheet!A1=triangular(1,2,4)", "Sheet!A1", "triangular", {"min": 1, "mode": 2, "max": 4}),
    ("Inputs!D2=triangular(Inputs!C2,Inputs!D2,Inputs!E2)", "Inputs!D2", "triangular",
     {"min": "Inputs!C2", "mode": "Inputs!D2", "max": "Inputs!E2"}),
    ("B3=discrete({1,2,3},{0.2,0.5,0.3})", "B3", "discrete",
     {"values": [1, 2, 3], "probabilities": [0.2, 0.5, 0.3]}),
    ("B3=discrete({1;2;3},{0.2;0.5;0.3})", "B3", "discrete",
     {"values": [1, 2, 3], "probabilities": [0.2, 0.5, 0.3]}),
    ("'My Sheet'!A1=normal(100, 15)", "'My Sheet'!A1", "normal", {"mean": 100, "sd": 15}),
    ("  'It''s'!$b$7 = Norm( 'Other sheet'!C2 , .5e1 ) ", "'It''s'!B7", "normal",
     {"mean": "'Other sheet'!C2", "sd": 5}),
    ("A1=tri(-5, -1.5, +2E2)", "A1", "triangular", {"min": -5, "mode": -1.5, "max": 200}),
    ("A1=pert(min=1, max=4, mode=2)", "A1", "pert", {"min": 1, "mode": 2, "max": 4}),
    ("A1=uniform(1, max=4)", "A1", "uniform", {"min": 1, "max": 4}),
    ("A1=lognorm(MeanCost, 2)", "A1", "lognormal", {"mean": "MeanCost", "sd": 2}),
    ("Data_2.x!A1=unif(Data_2.x!B1:b1, 9)", "Data_2.x!A1", "uniform",
     {"min": "Data_2.x!B1:B1", "max": 9}),
])
def test_parse_input_arg(text, cell, kind, params):
    inp = parse_input_arg(text)
    assert (inp.cell, inp.distribution, inp.params) == (cell, kind, params)


@pytest.mark.parametrize(("text", "message"), [
    ("Sheet!A1=triangular(1,2", "expected ',' or '\\)' after an argument, found the end"),
    ("Sheet!A1 triangular(1,2,4)", "expected '=' after the input cell"),
    ("Sheet!A1=triangular 1,2,4", "expected '\\(' after triangular"),
    ("=triangular(1,2,4)", "expected the input cell"),
    ("A1:B2=triangular(1,2,4)", "expected the input cell .* found 'A1:B2'"),
    ("A1=(1,2,4)", "expected a distribution name"),
    ("A1=triangular(1,,4)", "expected a number, a \\{list\\} or a cell reference, found ','"),
    ("A1=triangular(1,2,4))", "expected the end of the text after '\\)'"),
    ("A1=triangular(1,2,4);", "expected the end of the text"),
    ("A1=triangular(1,2,4)#", "unexpected character '#' at column 21"),
    ("A1=discrete({1,2,{0.5,0.5})", "expected a number"),
    ("A1=discrete({1,2},{0.5,0.5}", "expected ',' or '\\)'"),
    ("'My Sheet!A1=normal(1,2)", "a closing quote after the sheet name"),
    ("'My Sheet'A1=normal(1,2)", "'!' and a cell address after the quoted sheet name"),
    ("Sheet!ZZ=normal(1,2)", "a cell address after 'Sheet'!"),
    ("A1=normal(B1:, 2)", "a cell address after ':'"),
    ("A1=normal(mean=1, 2)", "name=value after a named argument"),
    ("A1=eval(1)", "unknown distribution 'eval' \\(use one of triangular, pert"),
    ("A1=eval(__import__('os'))", "cannot read input"),
])
def test_parse_errors_quote_the_text_and_say_what_was_expected(text, message):
    with pytest.raises(SpecError, match=message) as info:
        parse_input_arg(text)
    assert repr(text) in str(info.value)


@pytest.mark.parametrize(("text", "message"), [
    ("A1=triangular(1,2)", "triangular takes 3 arguments \\(min, mode, max\\), got 2"),
    ("A1=triangular(1,2,3,4)", "triangular takes 3 arguments"),
    ("A1=normal(mean=1, mean=2)", "normal mean is given twice"),
    ("A1=normal(mu=1, sd=2)", "normal has no parameter 'mu'; it takes mean, sd"),
    ("A1=triangular(5,3,4)", "A1: triangular needs min <= mode <= max"),
    ("A1=discrete({1,2},{0.5,0.6})", "A1: discrete probabilities must sum to 1"),
])
def test_wrong_arguments(text, message):
    with pytest.raises(SpecError, match=message):
        parse_input_arg(text)


def test_parsed_inputs_build_the_same_spec_as_json():
    inp = parse_input_arg("Costs!D5=triangular(90,100,130)")
    assert inp.to_dict() == EXAMPLE["inputs"][0]
    spec = SimulationSpec(inputs=[inp], outputs=["Summary!B2"], trials=500, seed=2,
                          sampling=Sampling.LHS)
    assert spec.to_dict()["sampling"] == "lhs"


# ----------------------------------------------------------------- bounded JSON nesting
def test_a_spec_nested_100000_deep_is_refused_with_one_line(tmp_path):
    from engine.spec import MAX_JSON_DEPTH, json_depth, loads_json

    deep = tmp_path / "deep.json"
    deep.write_text('{"inputs": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(SpecError, match=r"deep.json: the spec is nested 100,001 levels deep; "
                                        r"at most 64 levels"):
        SimulationSpec.load(deep)
    # brackets in strings do not count, escaped quotes included; ordinary specs load
    assert json_depth('{"a": [1, {"b": "[[[[\\"[[{"}]}') == 3
    assert json_depth("[]") == 1 and json_depth("12") == 0
    assert loads_json("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) is not None


def test_cli_refuses_a_deep_spec_with_exit_2(tmp_path):
    import subprocess
    import sys

    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = 1.0
    wb.active["B1"] = "=A1*2"
    wb.save(tmp_path / "b.xlsx")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    out = subprocess.run([sys.executable, "-m", "mcdesk", "simulate", str(tmp_path / "b.xlsx"),
                          "--spec", str(tmp_path / "deep.json")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stderr
    assert "nested 100,000 levels deep" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("text", ["A1=triangular(١,2,3)", "A1=triangular(1,2,３)"])
def test_input_arguments_take_ascii_digits_only(text):
    # str.isdigit() is true for other scripts' digits: this was an AssertionError traceback
    with pytest.raises(SpecError, match="unexpected character"):
        parse_input_arg(text)
