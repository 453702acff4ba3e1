"""The app's green confirmations (mcdesk/app/notices.py) in a real browser: over the header's
empty middle, not over the grid or the charts; one at a time; gone after two seconds.  Before,
each "Input ...: triangular" stacked at the bottom centre, over the charts, for five seconds.
Screenshot: test-artifacts/app-confirmation.png."""

from __future__ import annotations

import pytest

from tests.test_app_browser import (  # noqa: F401  (fixtures)
    ARTIFACTS,
    BOOK,
    LAPTOP,
    add_triangular,
    browser,
    desktop,
)

pytestmark = pytest.mark.browser


def test_confirmations_sit_over_the_header_one_at_a_time(browser, desktop) -> None:  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport=LAPTOP)
    page.goto(desktop)
    page.locator(".ag-row").first.wait_for()
    page.locator('input[type="file"]').set_input_files(str(BOOK))
    page.get_by_text(BOOK.name).first.wait_for()
    page.locator('.ag-row[row-index="1"]').first.wait_for()
    add_triangular(page, 2, "A", (9000, 10000, 12500))
    add_triangular(page, 2, "B", (800, 1000, 1100))
    shown = page.locator(".q-notification")
    page.get_by_text("Input Sheet1!B2: triangular").wait_for()
    page.screenshot(path=str(ARTIFACTS / "app-confirmation.png"))
    assert shown.count() == 1  # the newer took the older one's place
    header = page.locator(".q-header").bounding_box()
    box = shown.first.bounding_box()
    assert header is not None and box is not None
    assert box["y"] + box["height"] <= header["y"] + header["height"] + 4, (box, header)
    # between the book's name and the header's buttons
    name = page.get_by_text(BOOK.name).first.bounding_box()
    buttons = page.get_by_role("button", name="Project").bounding_box()
    assert name["x"] + name["width"] <= box["x"] and box["x"] + box["width"] <= buttons["x"]
    shown.first.wait_for(state="detached", timeout=4_000)
    page.close()
