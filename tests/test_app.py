"""The app driven through NiceGUI's ``user`` fixture (no browser): the whole workflow on a
shared workbook, cancel, keep work, and bad input."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

import pytest
from nicegui import ui
from nicegui.testing import User

from engine.model import Model
from engine.simulate import simulate
from engine.spec import InputSpec, SimulationSpec
from mcdesk.app.auth import hash_password
from mcdesk.app.results_view import format_stat

DATA = Path(__file__).parent / "data" / "workbooks"
BOOK = DATA / "adithiya__Cashflow.xlsx"
INPUTS = {  # cell: (min, mode, max)
    "Sheet1!A2": (9000.0, 10000.0, 12500.0),
    "Sheet1!B2": (800.0, 1000.0, 1100.0),
    "Sheet1!C2": (0.008, 0.01, 0.0125),
}
OUTPUT = "Sheet1!G2"


@pytest.fixture(autouse=True)
def app_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("MCDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MCDESK_CONFIG_DIR", str(tmp_path / "config"))


async def upload(user: User, path: Path, name: str | None = None, data: bytes | None = None) -> None:
    up = next(iter(user.find(ui.upload).elements))
    content = path.read_bytes() if data is None else data
    await up.handle_uploads([ui.upload.SmallFileUpload(name or path.name, "application/octet-stream",
                                                        content)])


async def add_triangular(user: User, cell: str, lo: float, mode: float, hi: float) -> None:
    user.find(marker="cell-address").clear().type(cell).trigger("keydown.enter")
    user.find(marker="add-input").click()
    await user.should_see("Save input")
    for name, value in (("min", lo), ("mode", mode), ("max", hi)):
        user.find(marker=f"param-{name}").clear().type(repr(value))
    user.find(marker="input-save").click()
    await user.should_see(marker=f"input-{cell}")


async def wait_for(predicate, seconds: float = 60.0) -> None:
    for _ in range(int(seconds / 0.1)):
        if predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out waiting for the app")


async def notified(user: User, text: str) -> None:
    await wait_for(lambda: any(text in m for m in user.notify.messages))


def book_name(user: User) -> str:
    return next(iter(user.find(marker="book-name").elements)).text


def status(user: User) -> str:
    return next(iter(user.find(marker="run-status").elements)).text


def table_rows(user: User) -> dict[str, str]:
    table = next(iter(user.find(marker="stats-table").elements))
    return {r["c0"]: r["c1"] for r in table.rows}


async def setup_model(user: User, reopen: bool = True) -> None:
    if reopen:
        await user.open("/")
    await upload(user, BOOK)
    await wait_for(lambda: book_name(user) == BOOK.name)
    for cell, (lo, mode, hi) in INPUTS.items():
        await add_triangular(user, cell, lo, mode, hi)
    user.find(marker="cell-address").clear().type(OUTPUT)
    user.find(marker="add-output").click()
    await user.should_see(marker=f"output-{OUTPUT}")


async def test_workflow_statistics_equal_the_engine(user: User) -> None:
    await user.open("/")
    await user.should_see("capital_project.xlsx")  # the bundled example opens first
    await setup_model(user)
    user.find(marker="trials").clear().type("10000")
    user.find(marker="seed").clear().type("7")
    user.find(marker="run").click()
    await wait_for(lambda: status(user).startswith(("Done", "Run failed")))
    # the whole time from the click to the charts, and where it went
    assert re.fullmatch(r"Done in [\d.]+ s: 10,000 trials \((?:starting [\d.]+ s, )?preparing [\d.]+ s, simulation "
                        r"[\d.]+ s(?: \(compiling [\d.]+ s\))?, statistics [\d.]+ s, charts "
                        r"[\d.]+ s\); [\d,]+ trials/s on \w+", status(user)), status(user)

    spec = SimulationSpec([InputSpec(c, "triangular", {"min": a, "mode": b, "max": c_})
                           for c, (a, b, c_) in INPUTS.items()], [OUTPUT], trials=10_000, seed=7)
    expected = simulate(Model.open(BOOK), spec, backend="numpy").outputs[OUTPUT]
    shown = table_rows(user)
    assert shown["name"] == "FV Total"  # the output named from its column header
    text = next(iter(user.find(marker=f"input-name-{next(iter(INPUTS))}").elements)).text
    assert text == "PV"
    assert next(iter(user.find(marker=f"output-name-{OUTPUT}").elements)).text == "FV Total"
    # in the output cell's number format ("0.00" in the workbook)
    assert shown["mean"] == f"{expected.mean:.2f}" == format_stat(expected.mean, "0.00")
    assert shown["std"] == f"{expected.std:.2f}"
    assert shown["P5"] == f"{expected.percentiles['5']:.2f}"
    assert shown["P95"] == f"{expected.percentiles['95']:.2f}"
    assert shown["trials ok"] == "10,000"
    # the probability of exceeding the mean, for the target the page proposes
    exceed = next(iter(user.find(marker="exceed").elements)).text
    assert exceed.startswith("P(FV Total >") and exceed.endswith("%")
    for chart in ("chart-histogram", "chart-cdf", "chart-tornado", "chart-convergence",
                  "chart-scatter"):
        await user.should_see(marker=chart)
    figures = [p.figure for p in user.find(ui.plotly).elements]
    hist = next(f for f in figures
                if f["layout"].get("title", {}).get("text") == f"Distribution of FV Total ({OUTPUT})")
    assert sum(hist["data"][0]["y"]) == 10_000  # every trial in a bar


async def test_preflight_says_what_the_caches_are_and_idle_inputs_are_named(
        user: User, tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()  # as a script writes it: no cached values, fullCalcOnLoad="1"
    sheet = wb.active
    sheet["A1"], sheet["A2"], sheet["B1"], sheet["B2"] = 10.0, 20.0, "=A1*2", "=5*2"
    book = tmp_path / "scripted.xlsx"
    wb.save(book)
    await user.open("/")
    assert ".q-uploader__subtitle { display: none; }" in user.client._head_html  # no "0.0B / 0.00%"
    await upload(user, book)
    await wait_for(lambda: book_name(user) == "scripted.xlsx")
    await user.should_see(marker="preflight-summary")
    note = next(iter(user.find(marker="preflight-note").elements)).text
    assert note.startswith('Placeholder caches (fullCalcOnLoad="1")')
    text = next(iter(user.find(marker="preflight-summary").elements)).text
    assert "nothing could be compared: the file holds no cached values" in text
    for cell in ("Sheet!A1", "Sheet!A2"):
        await add_triangular(user, cell, 5.0, 10.0, 25.0)
    for cell in ("Sheet!B1", "Sheet!B2"):
        user.find(marker="cell-address").clear().type(cell)
        user.find(marker="add-output").click()
        await user.should_see(marker=f"output-{cell}")
    await user.should_see(marker="inputs-no-effect")
    line = next(iter(user.find(marker="inputs-no-effect").elements)).text
    assert "Sheet!A2" in line and "Sheet!A1" not in line
    user.find(marker="trials").clear().type("1000")
    user.find(marker="run").click()
    await notified(user, "Sheet!A2: no output reads it")
    await wait_for(lambda: status(user).startswith(("Done", "Run failed")))
    assert status(user).startswith("Done in"), status(user)
    await user.should_see(marker="tornado-no-effect")  # left out of the tornado, listed below it
    below = next(iter(user.find(marker="tornado-no-effect").elements)).text
    assert below == "No effect on Sheet!B1: Sheet!A2"
    fixed = next(iter(user.find(marker="constant-outputs").elements)).text
    assert fixed == "The same in every trial (no input changes it): Sheet!B2 = 10"


async def test_cancel_keeps_the_previous_result(user: User) -> None:
    await setup_model(user)
    user.find(marker="trials").clear().type("1000")
    user.find(marker="run").click()
    await wait_for(lambda: status(user).startswith("Done"))
    before = table_rows(user)
    user.find(marker="trials").clear().type("40000000")
    user.find(marker="run").click()
    await wait_for(lambda: "/ 40,000,000 trials" in status(user) or "s: 40,000,000" in status(user))
    user.find(marker="cancel").click()
    await wait_for(lambda: status(user).startswith("Cancelled") or "s: 40,000,000" in status(user))
    assert status(user).startswith("Cancelled"), status(user)
    assert table_rows(user) == before


async def test_project_saved_and_reloaded_intact(user: User, tmp_path: Path) -> None:
    await setup_model(user)
    user.find(marker="trials").clear().type("2500")
    next(iter(user.find(marker="sampling").elements)).set_value("lhs")  # the toggle's other side
    user.find(marker="save-project").click()
    await user.should_see("Saved the project as adithiya__Cashflow.mcdesk.json")
    # something changes, then the saved project comes back
    user.find(marker="remove-Sheet1!B2").click()
    await user.should_not_see(marker="input-Sheet1!B2")
    user.find(marker="load-project").click()
    await user.should_see(marker="input-Sheet1!B2")
    for cell in INPUTS:
        await user.should_see(marker=f"input-{cell}")
    await user.should_see(marker=f"output-{OUTPUT}")
    assert next(iter(user.find(marker="trials").elements)).value == 2500
    assert next(iter(user.find(marker="sampling").elements)).value == "lhs"
    label = next(iter(user.find(marker="input-Sheet1!C2").elements)).text
    assert label == "triangular(0.008, 0.01, 0.0125)"
    # opening the workbook again finds its project beside it
    await upload(user, BOOK)
    await notified(user, "Loaded the project from adithiya__Cashflow.mcdesk.json")
    await user.should_see(marker="input-Sheet1!A2")


async def test_inputs_are_prefilled_from_min_max_columns(user: User) -> None:
    await user.open("/")
    await user.should_see("capital_project.xlsx")
    user.find(marker="remove-Inputs!F6").click()  # the example's project has it; start afresh
    await user.should_not_see(marker="input-Inputs!F6")
    user.find(marker="cell-address").clear().type("Inputs!F6").trigger("keydown.enter")
    user.find(marker="add-input").click()
    await user.should_see("Save input")
    assert next(iter(user.find(marker="param-min").elements)).value == "Inputs!C6"
    assert next(iter(user.find(marker="param-max").elements)).value == "Inputs!E6"
    await user.should_see("from the columns beside the cell")


async def test_bad_input_is_reported_and_nothing_is_lost(user: User, monkeypatch) -> None:
    await setup_model(user)
    # not a workbook: the open one stays, with its inputs
    await upload(user, BOOK, name="notes.xlsx", data=b"this is not a zip file")
    await notified(user, "stays open")
    assert next(iter(user.find(marker="book-name").elements)).text == "adithiya__Cashflow.xlsx"
    await user.should_see(marker="input-Sheet1!A2")
    await upload(user, BOOK, name="notes.txt", data=b"hello")
    await user.should_see("not an Excel workbook")
    # min > max: the dialog says why and will not save; the input keeps its old numbers
    user.find(marker="edit-Sheet1!A2").click()
    await user.should_see("Save input")
    user.find(marker="param-min").clear().type("20000")
    await user.should_see("min <= mode <= max")
    assert not next(iter(user.find(marker="input-save").elements)).enabled
    label = next(iter(user.find(marker="input-Sheet1!A2").elements)).text
    assert label == "triangular(9000, 10000, 12500)"
    # zero trials
    user.find(marker="trials").clear().type("0")
    user.find(marker="run").click()
    await user.should_see("Trials must be a whole number")
    await user.should_see(marker=f"output-{OUTPUT}")


@pytest.fixture
def small_uploads(monkeypatch):
    monkeypatch.setenv("MCDESK_MAX_UPLOAD_MB", "0.001")  # read when the app starts


async def test_oversized_upload_is_refused(small_uploads, user: User) -> None:
    await user.open("/")
    await upload(user, BOOK)
    await notified(user, "over the upload limit")
    assert next(iter(user.find(marker="book-name").elements)).text == "capital_project.xlsx"


@pytest.fixture
def team(tmp_path, monkeypatch):
    users = tmp_path / "users.txt"
    users.write_text(f"alice:{hash_password('alice-password')}\nbob:{hash_password('bob-password')}\n")
    monkeypatch.setenv("MCDESK_TEST_TEAM", "1")
    monkeypatch.setenv("MCDESK_USERS_FILE", str(users))


async def login(user: User, name: str, password: str, ok: bool = True) -> None:
    await user.open("/login")  # the form posts to /login (plain HTTP, not the websocket)
    r = await user.http_client.post("/login", data={"username": name, "password": password})
    await user.open(r.headers["location"])
    if ok:  # signing in takes the browser to the workbook page
        await wait_for(lambda: user.client.page.path == "/")
        await user.should_see(marker="user-name")


async def test_team_users_see_only_their_own_workbook(team, create_user) -> None:
    alice, bob = create_user(), create_user()
    await alice.open("/")
    await alice.should_see(marker="login")  # not signed in: the login page
    await login(alice, "alice", "wrong", ok=False)
    await alice.should_see("Wrong user name or password")
    await login(alice, "alice", "alice-password")
    await upload(alice, BOOK)
    await notified(alice, "Opened adithiya__Cashflow.xlsx")
    await login(bob, "bob", "bob-password")
    await bob.should_see("no workbook open")
    await bob.should_not_see("adithiya__Cashflow.xlsx")
    await alice.open("/")
    await alice.should_see("adithiya__Cashflow.xlsx")


def test_example_copy_is_not_the_package_file(tmp_path) -> None:
    """The example opens from a copy in the user's folder, so saving beside it works."""
    from mcdesk.app.pages import AppConfig, Workspaces
    from mcdesk.cli import example_paths

    book = example_paths()[0]
    ws = Workspaces(AppConfig(data_dir=tmp_path, example=book, remember_settings=False)).get("local")
    assert ws.book_path == tmp_path / "users" / "local" / book.name
    assert len(ws.inputs) == 16 and ws.outputs
    shutil.rmtree(tmp_path / "users")


@pytest.fixture
def remote_service(tmp_path, monkeypatch):
    from remote.testing import ServiceProcess

    with ServiceProcess(tmp_path / "results", {"MCDESK_GPU_SLOTS": 1}) as svc:
        monkeypatch.setenv("MCDESK_REMOTE_URL", svc.url)  # read when the app starts
        monkeypatch.setenv("MCDESK_REMOTE_TOKEN", svc.token("app-user"))
        yield svc


async def test_remote_gpu_option_runs_on_a_local_service(remote_service, user: User) -> None:
    await setup_model(user)
    backend = next(iter(user.find(marker="backend").elements))
    assert not backend.disabled.get("remote")  # enabled: a service is configured
    backend.set_value("remote")
    user.find(marker="trials").clear().type("3000")
    user.find(marker="seed").clear().type("5")
    user.find(marker="run").click()
    await wait_for(lambda: status(user).startswith(("Done", "Run failed")))
    assert re.match(r"Done in [\d.]+ s: 3,000 trials", status(user)), status(user)
    assert "remote" in status(user)
    spec = SimulationSpec([InputSpec(c, "triangular", {"min": a, "mode": b, "max": c_})
                           for c, (a, b, c_) in INPUTS.items()], [OUTPUT], trials=3_000, seed=5)
    expected = simulate(Model.open(BOOK), spec, backend="numpy").outputs[OUTPUT]
    assert table_rows(user)["mean"] == format_stat(expected.mean, "0.00")


async def test_team_users_run_at_the_same_time(team, create_user) -> None:
    alice, bob = create_user(), create_user()
    for u, name in ((alice, "alice"), (bob, "bob")):
        await login(u, name, f"{name}-password")
        await setup_model(u, reopen=False)
        u.find(marker="trials").clear().type("300000")
    alice.find(marker="seed").clear().type("1")
    bob.find(marker="seed").clear().type("2")
    alice.find(marker="run").click()
    bob.find(marker="run").click()
    await wait_for(lambda: all(status(u).startswith(("Done", "Run failed")) for u in (alice, bob)))
    assert all(re.match(r"Done in [\d.]+ s: 300,000 trials", status(u)) for u in (alice, bob))
    assert table_rows(alice)["mean"] != table_rows(bob)["mean"]  # each ran their own seed
