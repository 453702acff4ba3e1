"""A text output in the app, in Debian's chromium (headless, Playwright): a workbook whose
output is IF(cost>budget,"over","within") on a triangular input; after a run the summary
shows the label shares, the chart is a bar per label (not an error), and "All statistics"
has a row per label.  Screenshot: ``test-artifacts/app-text-output.png``."""

from __future__ import annotations

import re

import openpyxl
import pytest

from tests.test_app_browser import (  # noqa: F401  (fixtures: browser, desktop)
    ARTIFACTS,
    LAPTOP,
    add_triangular,
    browser,
    click_cell,
    desktop,
    sync_api,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_text_output_shows_label_shares(browser, desktop, tmp_path) -> None:  # noqa: F811
    book = tmp_path / "budget_status.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"], ws["B1"], ws["C1"] = "Cost", "Status", "Budget"
    ws["A2"], ws["B2"], ws["C2"] = 100, '=IF(A2>C2,"over","within")', 110
    wb.save(book)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport=LAPTOP)
    page.goto(desktop)
    page.locator(".ag-row").first.wait_for()
    page.locator('input[type="file"]').set_input_files(str(book))
    page.get_by_text(book.name).first.wait_for()
    page.locator('.ag-row[row-index="1"]').first.wait_for()
    add_triangular(page, 2, "A", (80, 100, 140))   # P(cost > 110) = 30²/(60·40) = 0.375
    click_cell(page, 2, "B")
    page.get_by_role("button", name="Add output").click()
    page.get_by_text("Sheet1!B2", exact=True).first.wait_for()
    page.get_by_label("Trials").fill("10000")
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text("10,000 trials · seed 1").first.wait_for(timeout=60_000)
    page.locator(".js-plotly-plot").first.wait_for()
    page.wait_for_timeout(1500)  # let Plotly finish drawing
    summary = page.locator(".q-table").first.inner_text()
    got = re.search(r"within (\d+\.\d)%, over (\d+\.\d)%", summary)
    assert got, summary
    assert abs(float(got.group(2)) - 37.5) < 2.0 and "#VALUE!" not in summary
    chart = page.locator(".js-plotly-plot").first
    sync_api.expect(chart).to_contain_text("Labels of")
    assert chart.locator(".barlayer path").count() == 2   # a bar per label
    page.get_by_text("All statistics").click()
    stats = page.locator(".q-table").last
    sync_api.expect(stats).to_contain_text("share over")
    page.screenshot(path=str(ARTIFACTS / "app-text-output.png"), full_page=True)
    page.close()
