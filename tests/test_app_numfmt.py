"""mcdesk.app.numfmt against Excel's documented number formats (the examples of Microsoft's
"Number format codes" and "Review guidelines for customizing a number format" pages) and
values Excel shows for them."""

from __future__ import annotations

import pytest

from mcdesk.app.numfmt import axis_format, format_value, render


@pytest.mark.parametrize(("code", "value", "shown"), [
    ("General", 1234.5, "1234.5"),
    ("General", 0.1 + 0.2, "0.3"),
    ("General", 123456789012345.0, "1.23457E+14"),
    ("0", 1234.56, "1235"),
    ("0.00", 8.9, "8.90"),
    ("0.00", -0.5, "-0.50"),
    ("#.##", 0.631, ".63"),
    ("#,##0", 1234567.891, "1,234,568"),
    ("#,##0", -1234.5, "-1,235"),
    ("#,##0.00", 1234.5, "1,234.50"),
    ("#,##0.0", 0.04, "0.0"),
    ("#,", 12200000, "12200"),
    ("#,##0.0,,\"M\"", 12200000, "12.2M"),
    ("0.00%", 0.1234, "12.34%"),
    ("0.0%", 0.08, "8.0%"),
    ("0%", -0.256, "-26%"),
    ("$#,##0.00", 1234.5, "$1,234.50"),
    ("$#,##0.00", -1234.5, "-$1,234.50"),
    ("[$€-407]#,##0.00", 99.999, "€100.00"),
    ("0.0E+00", 12345, "1.2E+04"),
    ("0.00E+00", 0.000123, "1.23E-04"),
    ("##0.0E+0", 12345, "12.3E+3"),
    ("0.00;(0.00)", -3.5, "(3.50)"),
    ("#,##0;[Red]-#,##0", -1234, "-1,234"),
    ('0.00;-0.00;"zero"', 0, "zero"),
    ('0.00;-0.00;"-"', 0, "-"),
    (";;;", 42, ""),
    (";;;", -42, ""),
    (";;;", 0, ""),
    ('0;-0;0;"text: "@', "abc", "text: abc"),
    ('0.00" kg"', 3, "3.00 kg"),
    ("0_);(0)", 5, "5 "),
    ("00000", 123, "00123"),
    ("dd/mm/yyyy", 45000, "15/03/2023"),
    ("yyyy-mm-dd", 45000, "2023-03-15"),
    ("d-mmm-yy", 45000, "15-Mar-23"),
    ("mmmm d, yyyy", 45000, "March 15, 2023"),
    ("dddd", 45000, "Wednesday"),
    ("h:mm AM/PM", 0.75, "6:00 PM"),
    ("hh:mm:ss", 0.5 + 1 / 86400 * 5, "12:00:05"),
    ("[h]:mm", 1.5, "36:00"),
    ("m/d/yyyy h:mm", 45000.25, "3/15/2023 6:00"),
    ("dd/mm/yyyy", 59, "28/02/1900"),
    ("dd/mm/yyyy", 61, "01/03/1900"),
])
def test_excel_documented_codes(code: str, value: object, shown: str) -> None:
    assert format_value(value, code) == shown


def test_colour_sections() -> None:
    assert render(-5, "#,##0;[Red]-#,##0").color == "#ff0000"
    assert render(5, "#,##0;[Red]-#,##0").color is None
    assert render(5, "[Blue]0.0").text == "5.0"


def test_plotly_axis_formats() -> None:
    assert axis_format("0.0%") == {"tickformat": ".1%"}
    assert axis_format("#,##0") == {"tickformat": ",.0f"}
    assert axis_format("$#,##0.00") == {"tickformat": ",.2f", "tickprefix": "$"}
    assert axis_format("0.0E+00") == {"tickformat": ".1e"}
    assert axis_format("General") == {}
    assert axis_format("dd/mm/yyyy") == {}
