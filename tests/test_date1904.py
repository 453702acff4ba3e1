"""Workbooks saved in the 1904 date system (``<workbookPr date1904="1"/>``): serials count
from 1904-01-01 = 0, and every date function reads and writes them so (issue 12)."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from engine.model import Model
from tests.formula_checks import shown

# serial of 2020-01-01: 43831 in the 1900 system, 43831 - 1462 in the 1904 one
S2020 = 43831.0
SHIFT = 1462.0


def value(model: Model, formula: str):
    return shown(model, formula)


def _book(tmp_path, mac: bool, iso: bool = False) -> Model:
    wb = openpyxl.Workbook(iso_dates=iso)  # iso: the date is written as t="d" text
    if mac:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws["A1"] = dt.datetime(2021, 6, 15)  # written as a serial of the workbook's system
    path = tmp_path / f"{'mac1904' if mac else 'win1900'}{'_iso' if iso else ''}.xlsx"
    wb.save(path)
    return Model.open(path)


@pytest.fixture
def mac(tmp_path) -> Model:
    model = _book(tmp_path, True)
    assert model.workbook.date1904
    return model


@pytest.mark.parametrize(("formula", "expected"), [
    ("=YEAR(0)", 1904.0),
    ("=MONTH(0)", 1.0),
    ("=DAY(0)", 1.0),
    ("=DATE(1904,1,1)", 0.0),
    ("=DATE(2020,1,1)", S2020 - SHIFT),
    ("=YEAR(A1)*10000+MONTH(A1)*100+DAY(A1)", 20210615.0),   # a date the file holds
    ("=WEEKDAY(0)", 6.0),                 # 1904-01-01 was a Friday
    ("=WEEKDAY(DATE(2020,1,1))", 4.0),    # a Wednesday
    ("=EDATE(0,1)", 31.0),
    ("=EOMONTH(0,0)", 30.0),
    ("=EOMONTH(0,1)", 59.0),              # 1904 is a leap year: 29 February
    ('=DATEVALUE("2020-01-01")', S2020 - SHIFT),
    ('=DATEVALUE("1 Jan 2020")', S2020 - SHIFT),
    ('=DATEVALUE("1/1/2020")', S2020 - SHIFT),
    ("=WORKDAY(0,1)", 3.0),               # Monday 1904-01-04
    ("=NETWORKDAYS(0,6)", 5.0),
    ("=YEARFRAC(0,366,1)", 1.0),
    ('=TEXT(DATE(2020,1,1),"yyyy-mm-dd")', "2020-01-01"),
    ('=TEXT(0,"dddd d mmmm yyyy")', "Friday 1 January 1904"),
    ('=TEXT(1.5,"0.0")', "1.5"),           # numbers are not dates
    ('=TEXT(0.75,"h:mm")', "18:00"),
    ("=YEAR(TODAY())", float(dt.date.today().year)),
    ("=TODAY()-DATE(YEAR(TODAY()),MONTH(TODAY()),DAY(TODAY()))", 0.0),
])
def test_date_functions_count_from_1904(mac, formula, expected):
    assert value(mac, formula) == expected


def test_the_1900_system_is_back_for_the_next_workbook(mac, tmp_path):
    assert value(mac, "=DATE(2020,1,1)") == S2020 - SHIFT
    win = _book(tmp_path, False)
    assert not win.workbook.date1904
    assert value(win, "=DATE(2020,1,1)") == S2020
    assert value(win, "=YEAR(A1)") == 2021.0
    assert value(win, '=TEXT(DATE(2020,1,1),"yyyy-mm-dd")') == "2020-01-01"


@pytest.mark.parametrize("mac", [True, False])
def test_iso_dates_in_the_file_become_serials_of_its_date_system(tmp_path, mac):
    model = _book(tmp_path, mac, iso=True)
    a1 = model.workbook.sheets["Sheet"].cells[(1, 1)].value
    assert a1 == 44362.0 - (SHIFT if mac else 0)  # 2021-06-15
    assert value(model, "=YEAR(A1)*10000+MONTH(A1)*100+DAY(A1)") == 20210615.0
