"""Issue 17, point 3, in the app: a workbook over a budget (here MCDESK_MAX_CELLS, set low)
is refused with the engine's one clear line, naming the limit and its variable, and the
workbook open before stays open and usable (a run on it gives the engine's numbers)."""

from __future__ import annotations

import io
from pathlib import Path

from nicegui.testing import User
from openpyxl import Workbook

from engine.model import Model
from engine.simulate import simulate
from engine.spec import InputSpec, SimulationSpec
from tests.test_app import (
    BOOK,
    INPUTS,
    OUTPUT,
    add_triangular,
    book_name,
    notified,
    status,
    table_rows,
    upload,
    wait_for,
)

MAX_CELLS = 1000   # the bundled example holds 620 cells, Cashflow 416, the big workbook 3,000


def _big_book() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Big"
    for r in range(1, 1001):
        ws.append([r, f"=A{r}*2", f"=B{r}+1"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def test_a_workbook_over_a_budget_is_refused_and_the_open_one_stays(
        user: User, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MCDESK_MAX_CELLS", str(MAX_CELLS))  # read when the page is made
    await user.open("/")
    await upload(user, BOOK)
    await wait_for(lambda: book_name(user) == BOOK.name)

    await upload(user, tmp_path / "huge.xlsx", name="huge.xlsx", data=_big_book())
    await notified(user, "MCDESK_MAX_CELLS")
    refusal = next(m for m in user.notify.messages if "MCDESK_MAX_CELLS" in m)
    assert refusal.startswith("huge.xlsx: ") and f"{MAX_CELLS:,}" in refusal
    assert refusal.endswith(f"{BOOK.name} stays open") and "\n" not in refusal
    assert "Traceback" not in refusal and str(tmp_path) not in refusal
    assert book_name(user) == BOOK.name

    # and it is usable: a run on it gives the engine's numbers
    cell, (lo, mode, hi) = next(iter(INPUTS.items()))
    await add_triangular(user, cell, lo, mode, hi)
    user.find(marker="cell-address").clear().type(OUTPUT)
    user.find(marker="add-output").click()
    await user.should_see(marker=f"output-{OUTPUT}")
    user.find(marker="trials").clear().type("2000")
    user.find(marker="seed").clear().type("5")
    user.find(marker="run").click()
    await wait_for(lambda: status(user).startswith(("Done", "Run failed")))
    assert status(user).startswith("Done"), status(user)
    spec = SimulationSpec([InputSpec(cell, "triangular", {"min": lo, "mode": mode, "max": hi})],
                          [OUTPUT], trials=2000, seed=5)
    expected = simulate(Model.open(BOOK), spec, backend="numpy").outputs[OUTPUT]
    assert table_rows(user)["mean"] == f"{expected.mean:.2f}"
