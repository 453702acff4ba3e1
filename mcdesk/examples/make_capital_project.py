"""Write the bundled example workbook ``capital_project.xlsx`` and its spec.

Run as ``python -m mcdesk.examples.make_capital_project [--outdir DIR]``.

The workbook is a 5 MWp ground-mounted solar farm as a cost engineer would build it:

* ``Inputs``: 16 uncertain items (Item | Unit | Min | Most likely | Max | Value used), fixed
  assumptions below them, and a tax depreciation schedule. The "Value used" cells (column F)
  are constants equal to the most likely values; the spec puts the distributions on them.
* ``Model``: the capital cost roll-up and a yearly cash-flow table over the project life.
* ``Summary``: the outputs (total capital cost, duration, NPV, IRR, payback year, LCOE).

openpyxl writes formulas without cached values, so when LibreOffice (``soffice``) is on the
PATH the workbook is recalculated and resaved headless, then checked: same sheets, same
formulas, same defined names, and a cached value in every formula cell.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.workbook.defined_name import DefinedName

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
BOOK_NAME = "capital_project.xlsx"
SPEC_NAME = "capital_project.spec.json"

# Number formats
KEUR = "#,##0"
KEUR1 = "#,##0.0"
MONTHS = "0.0"
PCT = "0.0%"
MWH = "#,##0"
PRICE = "#,##0.00"
YEAR = "0"
FACTOR = "0.0000"


@dataclass(frozen=True)
class Item:
    """One uncertain row of the Inputs table."""

    name: str
    unit: str
    low: float
    likely: float
    high: float
    fmt: str
    distribution: str = "triangular"
    note: str = "Triangular (min, most likely, max)"


FIRST_ROW = 5  # first row of the uncertain-items table on Inputs

# Rows 5..20 of Inputs. The order follows the project: development, schedule, construction,
# operation. Row 9 (permit delay) is discrete and row 8 (construction duration) is PERT.
ITEMS: list[Item] = [
    Item("Engineering & project management", "kEUR", 150, 180, 240, KEUR),
    Item("Permits, studies & fees", "kEUR", 40, 60, 110, KEUR),
    Item("Grid connection", "kEUR", 280, 350, 550, KEUR),
    Item("Construction duration", "months", 7, 9, 13, MONTHS, "pert", "PERT (min, most likely, max)"),
    Item("Permit delay", "months", 0, 0, 3, MONTHS, "discrete",
         "Discrete: 0 / 1 / 3 months, p = 0.6 / 0.3 / 0.1"),
    Item("PV modules", "kEUR", 680, 800, 1000, KEUR),
    Item("Inverters & electrical BOS", "kEUR", 400, 480, 600, KEUR),
    Item("Mounting structures", "kEUR", 380, 450, 560, KEUR),
    Item("Civil works & site preparation", "kEUR", 250, 320, 480, KEUR),
    Item("Installation labour", "kEUR", 420, 500, 680, KEUR),
    Item("Contingency", "% of direct cost", 0.05, 0.08, 0.12, PCT),
    Item("Delay cost (standby, overheads)", "kEUR/month", 20, 30, 45, KEUR),
    Item("Annual energy yield (year 1)", "MWh", 6600, 7100, 7400, MWH),
    Item("Electricity price (year 1, PPA)", "EUR/MWh", 62, 72, 82, PRICE),
    Item("Price escalation", "% per year", 0.005, 0.015, 0.025, PCT),
    Item("O&M cost (year 1)", "kEUR/year", 60, 75, 100, KEUR),
]
ROW = {it.name: FIRST_ROW + i for i, it in enumerate(ITEMS)}
LAST_ROW = FIRST_ROW + len(ITEMS) - 1
DISCRETE_PERMIT = {"values": [0, 1, 3], "probabilities": [0.6, 0.3, 0.1]}

# Fixed assumptions (not uncertain): label, unit, value, format, defined name or None.
FIXED_HEADER_ROW = LAST_ROW + 3
FIXED: list[tuple[str, str, float, str, str | None]] = [
    ("Plant capacity", "kWp", 5000, "#,##0", None),
    ("Discount rate (nominal, after tax)", "% per year", 0.07, PCT, "DiscountRate"),
    ("Project life (operation)", "years", 15, YEAR, "ProjectLife"),
    ("Corporate tax rate", "%", 0.25, PCT, "TaxRate"),
    ("Yield degradation", "% per year", 0.005, PCT, None),
    ("O&M escalation", "% per year", 0.02, PCT, None),
    ("Capital cost escalation", "% per year", 0.03, PCT, None),
]
FROW = {label: FIXED_HEADER_ROW + 1 + i for i, (label, *_rest) in enumerate(FIXED)}

YEARS = 15
DEP_YEARS = 10  # straight-line tax depreciation over 10 years
DEP_COL_YEAR, DEP_COL_RATE = "I", "J"
FREEZE = {"Inputs": "A5", "Model": "C1"}  # frozen panes: top-left cell of the scrolling part


def inp(name: str, absolute: bool = True) -> str:
    """Reference to the Value used cell of an uncertain item."""
    r = ROW[name]
    return f"Inputs!$F${r}" if absolute else f"Inputs!F{r}"


def fixed(label: str) -> str:
    return f"Inputs!$F${FROW[label]}"


# --- styles -------------------------------------------------------------------------------

THIN = Side(style="thin", color="A6A6A6")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="1F4E78")
HEAD_FONT = Font(bold=True, color="FFFFFF")
SECTION_FONT = Font(bold=True, color="1F4E78", size=12)
TITLE_FONT = Font(bold=True, size=14)
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # the cells mcdesk puts distributions on
CONST_FONT = Font(color="0000FF")  # hard-coded numbers, modeller's convention
TOTAL_FONT = Font(bold=True)
OUTPUT_FILL = PatternFill("solid", fgColor="E2EFDA")
NOTE_FONT = Font(italic=True, color="595959")


def _header(ws, row: int, labels: list[str], col: int = 1) -> None:
    for i, text in enumerate(labels):
        c = ws.cell(row=row, column=col + i, value=text)
        c.font, c.fill, c.border = HEAD_FONT, HEAD_FILL, BOX
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _labelled_rows(ws, first: int, items: list[tuple]) -> dict[str, int]:
    """One row per (key, label, unit, formula, format) from row ``first``: label in A, unit
    in B, the formula in C with ``{key}`` replaced by that item's row; returns key -> row."""
    rows = {key: first + i for i, (key, *_rest) in enumerate(items)}
    for key, label, unit, formula, fmt in items:
        ws.cell(row=rows[key], column=1, value=label)
        ws.cell(row=rows[key], column=2, value=unit)
        ws.cell(row=rows[key], column=3, value=formula.format(**rows)).number_format = fmt
    return rows


def _widths(ws, widths: dict[str, float]) -> None:
    for col, w in widths.items():
        ws.column_dimensions[col].width = w


# --- sheets -------------------------------------------------------------------------------


def _inputs_sheet(wb: Workbook) -> None:
    ws = wb.active
    ws.title = "Inputs"
    ws["A1"] = "Solar farm 5 MWp: capital project inputs"
    ws["A1"].font = TITLE_FONT
    ws["A2"] = ("Yellow cells (column F) are the values the model uses; mcdesk puts a distribution "
                "on each of them. All amounts in thousand EUR (kEUR) unless stated.")
    ws["A2"].font = NOTE_FONT
    _header(ws, 4, ["Item", "Unit", "Min", "Most likely", "Max", "Value used", "Distribution"])
    ws.row_dimensions[4].height = 30
    for it in ITEMS:
        r = ROW[it.name]
        ws.cell(row=r, column=1, value=it.name)
        ws.cell(row=r, column=2, value=it.unit)
        for col, v in ((3, it.low), (4, it.likely), (5, it.high)):
            c = ws.cell(row=r, column=col, value=v)
            c.number_format, c.font = it.fmt, CONST_FONT
        c = ws.cell(row=r, column=6, value=it.likely)  # a constant: the simulated input
        c.number_format, c.fill, c.font = it.fmt, INPUT_FILL, TOTAL_FONT
        ws.cell(row=r, column=7, value=it.note).font = NOTE_FONT
        for col in range(1, 8):
            ws.cell(row=r, column=col).border = BOX

    ws.cell(row=FIXED_HEADER_ROW - 1, column=1, value="Fixed assumptions (not simulated)").font = SECTION_FONT
    _header(ws, FIXED_HEADER_ROW, ["Assumption", "Unit", "", "", "", "Value", "Defined name"])
    for label, unit, value, fmt, name in FIXED:
        r = FROW[label]
        ws.cell(row=r, column=1, value=label)
        ws.cell(row=r, column=2, value=unit)
        c = ws.cell(row=r, column=6, value=value)
        c.number_format, c.font = fmt, CONST_FONT
        if name:
            ws.cell(row=r, column=7, value=name).font = NOTE_FONT
            wb.defined_names[name] = DefinedName(name, attr_text=f"Inputs!$F${r}")
        for col in range(1, 8):
            ws.cell(row=r, column=col).border = BOX

    # Tax depreciation schedule, looked up by year from the cash-flow table.
    ws[f"{DEP_COL_YEAR}3"] = "Tax depreciation schedule"
    ws[f"{DEP_COL_YEAR}3"].font = SECTION_FONT
    _header(ws, 4, ["Year", "% of capital cost"], col=9)
    for y in range(1, YEARS + 1):
        r = 4 + y
        ws[f"{DEP_COL_YEAR}{r}"] = y
        ws[f"{DEP_COL_RATE}{r}"] = 1 / DEP_YEARS if y <= DEP_YEARS else 0
        ws[f"{DEP_COL_RATE}{r}"].number_format = PCT
        ws[f"{DEP_COL_RATE}{r}"].font = CONST_FONT
        for col in (DEP_COL_YEAR, DEP_COL_RATE):
            ws[f"{col}{r}"].border = BOX
    wb.defined_names["DepSchedule"] = DefinedName(
        "DepSchedule", attr_text=f"Inputs!${DEP_COL_YEAR}$5:${DEP_COL_RATE}${4 + YEARS}")

    _widths(ws, {"A": 36, "B": 17, "C": 10, "D": 12, "E": 10, "F": 12, "G": 44, "H": 3,
                 "I": 8, "J": 14})
    ws.freeze_panes = FREEZE["Inputs"]


# Model sheet layout
M_CAP = 4  # first row of the capital cost block
CF_YEAR = 24  # "Year" row of the cash-flow table
FIRST_COL = 3  # column C = year 0
LAST_COL = FIRST_COL + YEARS  # column R = year 15


def _model_sheet(wb: Workbook) -> dict[str, str]:
    """Write the Model sheet; return the addresses of the result cells by key."""
    ws = wb.create_sheet("Model")
    ws["A1"] = "Model: capital cost roll-up and cash flow (kEUR)"
    ws["A1"].font = TITLE_FONT

    f = ROW
    cap = [
        ("equipment", "Equipment (modules, inverters & BOS, structures)", "kEUR",
         f"=SUM(Inputs!F{f['PV modules']}:F{f['Mounting structures']})", KEUR),
        ("construction", "Construction (civil works, labour, grid connection)", "kEUR",
         f"={inp('Civil works & site preparation', False)}+{inp('Installation labour', False)}"
         f"+{inp('Grid connection', False)}", KEUR),
        ("development", "Development (engineering, permits)", "kEUR",
         f"=SUM(Inputs!F{f['Engineering & project management']}:F{f['Permits, studies & fees']})",
         KEUR),
        ("direct", "Direct cost", "kEUR", "=SUM(C{equipment}:C{development})", KEUR),
        ("contingency", "Contingency", "kEUR",
         f"=ROUND(C{{direct}}*{inp('Contingency')},0)", KEUR),
        ("base", "Base estimate (direct + contingency)", "kEUR", "=C{direct}+C{contingency}",
         KEUR),
        ("duration", "Project duration (permit delay + construction)", "months",
         f"={inp('Permit delay')}+{inp('Construction duration')}", MONTHS),
        ("overrun", "Schedule overrun vs. baseline", "months",
         f"=MAX(0,C{{duration}}-Inputs!$D${f['Construction duration']})", MONTHS),
        ("delay_cost", "Delay cost", "kEUR",
         f"=C{{overrun}}*{inp('Delay cost (standby, overheads)')}", KEUR),
        ("esc_years", "Escalation period (to mid-construction)", "years",
         f"=({inp('Permit delay')}+{inp('Construction duration')}/2)/12", "0.00"),
        ("escalation", "Escalation", "kEUR",
         f"=C{{base}}*(POWER(1+{fixed('Capital cost escalation')},C{{esc_years}})-1)", KEUR),
        ("capex", "Total capital cost", "kEUR", "=C{base}+C{delay_cost}+C{escalation}", KEUR),
        ("capex_wp", "Capital cost per Wp", "EUR/Wp", f"=C{{capex}}/{fixed('Plant capacity')}",
         PRICE),
        ("year1_avail", "Year 1 operating fraction (start after month 12)", "",
         "=1-MIN(1,MAX(0,C{duration}-12)/12)", PCT),
    ]
    _header(ws, M_CAP - 1, ["Capital cost", "Unit", "Value"])
    rows = _labelled_rows(ws, M_CAP, cap)
    for key in ("direct", "base", "capex"):
        for col in (1, 3):
            ws.cell(row=rows[key], column=col).font = TOTAL_FONT

    # Yearly cash flow: one row per line item, one column per year (C = year 0).
    ws.cell(row=CF_YEAR - 2, column=1, value="Cash flow").font = SECTION_FONT
    lines = [
        ("year", "Year", "", None, YEAR),
        ("op", "Operating year", "flag", "=IF(OR({c}{year}<1,{c}{year}>ProjectLife),0,1)", "0"),
        ("avail", "Operating fraction", "", f"=IF({{c}}{{year}}=1,$C${rows['year1_avail']},{{c}}{{op}})",
         PCT),
        ("energy", "Energy sold", "MWh",
         f"={inp('Annual energy yield (year 1)')}*POWER(1-{fixed('Yield degradation')},"
         "MAX(0,{c}{year}-1))*{c}{avail}", MWH),
        ("price", "Electricity price", "EUR/MWh",
         f"={inp('Electricity price (year 1, PPA)')}*POWER(1+{inp('Price escalation')},"
         "MAX(0,{c}{year}-1))", PRICE),
        ("revenue", "Revenue", "kEUR", "={c}{energy}*{c}{price}/1000", KEUR1),
        ("om", "O&M cost", "kEUR",
         f"=-{inp('O&M cost (year 1)')}*POWER(1+{fixed('O&M escalation')},MAX(0,{{c}}{{year}}-1))"
         "*{c}{op}", KEUR1),
        ("ebitda", "EBITDA", "kEUR", "={c}{revenue}+{c}{om}", KEUR1),
        ("capex", "Capital expenditure", "kEUR", f"=IF({{c}}{{year}}=0,-$C${rows['capex']},0)",
         KEUR1),
        ("dep", "Tax depreciation", "kEUR",
         f"=-IFERROR(VLOOKUP({{c}}{{year}},DepSchedule,2,0),0)*$C${rows['capex']}", KEUR1),
        ("taxable", "Taxable income", "kEUR", "={c}{ebitda}+{c}{dep}", KEUR1),
        ("tax", "Tax", "kEUR", "=-MAX(0,{c}{taxable})*TaxRate", KEUR1),
        ("ncf", "Net cash flow", "kEUR", "={c}{ebitda}+{c}{capex}+{c}{tax}", KEUR1),
        ("df", "Discount factor", "", "=1/POWER(1+DiscountRate,{c}{year})", FACTOR),
        ("dcf", "Discounted cash flow", "kEUR", "={c}{ncf}*{c}{df}", KEUR1),
        ("cum", "Cumulative cash flow", "kEUR", "={p}{cum}+{c}{ncf}", KEUR1),
        ("cumd", "Cumulative discounted cash flow", "kEUR", "={p}{cumd}+{c}{dcf}", KEUR1),
        ("paid", "Paid back", "flag", "=IF(AND({c}{year}>=1,{c}{cum}>=0),1,0)", "0"),
    ]
    cf = {key: CF_YEAR + i for i, (key, *_rest) in enumerate(lines)}
    _header(ws, CF_YEAR - 1, ["Line", "Unit"] + [f"Y{y}" for y in range(YEARS + 1)])
    for key, label, unit, formula, fmt in lines:
        r = cf[key]
        ws.cell(row=r, column=1, value=label)
        ws.cell(row=r, column=2, value=unit)
        for col in range(FIRST_COL, LAST_COL + 1):
            c_letter, p_letter = get_column_letter(col), get_column_letter(col - 1)
            if key == "year":
                value = 0 if col == FIRST_COL else f"={p_letter}{r}+1"
            elif key in ("cum", "cumd") and col == FIRST_COL:
                value = "={c}{src}".format(c=c_letter, src=cf["ncf" if key == "cum" else "dcf"])
            else:
                value = formula.format(c=c_letter, p=p_letter, **cf)
            cell = ws.cell(row=r, column=col, value=value)
            cell.number_format = fmt
            if key in ("year", "ncf"):
                cell.font = TOTAL_FONT
        if key in ("ncf",):
            ws.cell(row=r, column=1).font = TOTAL_FONT

    # Results
    first, last = get_column_letter(FIRST_COL), get_column_letter(LAST_COL)
    op1 = get_column_letter(FIRST_COL + 1)  # year 1
    res_row = cf["paid"] + 3
    ws.cell(row=res_row - 1, column=1, value="Results").font = SECTION_FONT
    _header(ws, res_row, ["Result", "Unit", "Value"])
    ncf, year, paid = cf["ncf"], cf["year"], cf["paid"]
    results = [
        ("npv", "Net present value", "kEUR",
         f"={first}{ncf}+NPV(DiscountRate,{op1}{ncf}:{last}{ncf})", KEUR),
        ("npv_check", "NPV from discounted cash flows", "kEUR",
         f"=SUMPRODUCT({first}{ncf}:{last}{ncf},{first}{cf['df']}:{last}{cf['df']})", KEUR),
        ("check", "Check: both NPVs agree", "",
         '=IF(ABS(C{npv}-C{npv_check})<0.001,"OK","CHECK")', "General"),
        ("irr", "Internal rate of return (after tax)", "% per year",
         f"=IRR({first}{ncf}:{last}{ncf})", PCT),
        ("payback", "Payback year (life + 1 = not paid back)", "year",
         f"=IFERROR(INDEX(${first}${year}:${last}${year},MATCH(1,${first}${paid}:${last}${paid},0)),"
         "ProjectLife+1)", YEAR),
        ("lcoe", "Levelised cost of energy", "EUR/MWh",
         f"=({first}{cf['capex']}*-1-NPV(DiscountRate,{op1}{cf['om']}:{last}{cf['om']}))"
         f"/NPV(DiscountRate,{op1}{cf['energy']}:{last}{cf['energy']})*1000", PRICE),
        ("annuity", "Annualised capital charge", "kEUR/year",
         f"=PMT(DiscountRate,ProjectLife,-C{rows['capex']})", KEUR1),
        ("avg_revenue", "Average annual revenue", "kEUR/year",
         f"=AVERAGE({op1}{cf['revenue']}:{last}{cf['revenue']})", KEUR1),
    ]
    rr = _labelled_rows(ws, res_row + 1, results)
    _widths(ws, {"A": 50, "B": 11, **{get_column_letter(c): 10
                                     for c in range(FIRST_COL, LAST_COL + 1)}})
    ws.column_dimensions["C"].width = 11
    ws.freeze_panes = FREEZE["Model"]  # labels and units stay in view over the years
    out = {key: f"Model!C{r}" for key, r in rr.items()}
    out["capex"] = f"Model!C{rows['capex']}"
    out["duration"] = f"Model!C{rows['duration']}"
    out["capex_wp"] = f"Model!C{rows['capex_wp']}"
    return out


# Summary rows: key in the Model results, label, unit, format.
SUMMARY = [
    ("capex", "Total capital cost", "kEUR", KEUR),
    ("duration", "Project duration", "months", MONTHS),
    ("npv", "Net present value (NPV)", "kEUR", KEUR),
    ("irr", "Internal rate of return (IRR)", "% per year", PCT),
    ("payback", "Payback year", "year", YEAR),
    ("lcoe", "Levelised cost of energy (LCOE)", "EUR/MWh", PRICE),
    ("capex_wp", "Capital cost per Wp", "EUR/Wp", PRICE),
]


def _summary_sheet(wb: Workbook, model_cells: dict[str, str]) -> list[str]:
    ws = wb.create_sheet("Summary")
    _header(ws, 1, ["Output", "Value", "Unit"])
    cells = []
    for i, (key, label, unit, fmt) in enumerate(SUMMARY, start=2):
        ws.cell(row=i, column=1, value=label).font = TOTAL_FONT
        c = ws.cell(row=i, column=2, value=f"={model_cells[key]}")
        c.number_format, c.fill, c.font, c.border = fmt, OUTPUT_FILL, TOTAL_FONT, BOX
        ws.cell(row=i, column=3, value=unit)
        cells.append(f"Summary!B{i}")
    note = len(SUMMARY) + 3
    ws.cell(row=note, column=1, value="Green cells are the outputs mcdesk reports; see Model for "
            "the calculation and Inputs for the assumptions.").font = NOTE_FONT
    _widths(ws, {"A": 34, "B": 14, "C": 12})
    return cells


def build_workbook(path: Path) -> list[str]:
    """Write the workbook with openpyxl (formulas without cached values); return output cells."""
    wb = Workbook()
    _inputs_sheet(wb)
    model_cells = _model_sheet(wb)
    outputs = _summary_sheet(wb, model_cells)
    wb.active = 2  # open on Summary
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == "Summary"
    wb.save(path)
    return outputs


def spec(outputs: list[str]) -> dict:
    """The saved spec: a distribution on every Value used cell, the Summary outputs."""
    inputs = []
    for it in ITEMS:
        r = ROW[it.name]
        entry: dict = {"cell": f"Inputs!F{r}", "distribution": it.distribution}
        if it.distribution == "discrete":
            entry["params"] = dict(DISCRETE_PERMIT)
        else:
            entry["params"] = {"min": f"Inputs!C{r}", "mode": f"Inputs!D{r}", "max": f"Inputs!E{r}"}
        inputs.append(entry)
    return {"inputs": inputs, "outputs": outputs, "trials": 10000, "seed": 1, "sampling": "mc"}


def spec_json(data: dict) -> str:
    """The spec as JSON with one input per line, easy to read and to diff."""
    inputs = ",\n    ".join(json.dumps(i) for i in data["inputs"])
    rest = ",\n  ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in data.items() if k != "inputs")
    return f'{{\n  "inputs": [\n    {inputs}\n  ],\n  {rest}\n}}\n'


# --- LibreOffice round trip -----------------------------------------------------------------

_RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def recalc_with_libreoffice(path: Path, soffice: str, timeout: float = 180) -> None:
    """Recalculate ``path`` in headless LibreOffice and replace it with the resaved file.

    A throwaway user profile that says "always recalculate on load" keeps the user's own
    LibreOffice settings out of it.
    """
    with tempfile.TemporaryDirectory(prefix="mcdesk-lo-") as tmp:
        tmpdir = Path(tmp)
        profile = tmpdir / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_RECALC_ALWAYS)
        outdir = tmpdir / "out"
        outdir.mkdir()
        cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir), str(path)]
        log.info("recalculating with LibreOffice: %s", " ".join(cmd))
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "HOME": str(tmpdir)})
        result = outdir / path.name
        if proc.returncode != 0 or not result.exists():
            raise RuntimeError(f"LibreOffice could not convert {path}: "
                               f"{(proc.stderr or proc.stdout).strip()}")
        shutil.copyfile(result, path)
    _restore_freeze_panes(path)


def _pane_xml(top_left: str) -> str:
    col, row = coordinate_from_string(top_left)
    x, y = column_index_from_string(col) - 1, row - 1
    active = {(True, True): "bottomRight", (True, False): "topRight",
              (False, True): "bottomLeft"}[(x > 0, y > 0)]
    split = (f'xSplit="{x}" ' if x else "") + (f'ySplit="{y}" ' if y else "")
    return (f'<pane {split}topLeftCell="{top_left}" activePane="{active}" state="frozen"/>'
            f'<selection pane="{active}" activeCell="{top_left}" sqref="{top_left}"/>')


def _restore_freeze_panes(path: Path) -> None:
    """Put back the frozen panes that a headless LibreOffice save drops (XML edit in place).

    openpyxl cannot do it: loading and saving would drop the cached values again.
    """
    with zipfile.ZipFile(path) as z:
        members = {i.filename: (i, z.read(i.filename)) for i in z.infolist()}
    book = members["xl/workbook.xml"][1].decode()
    rels = members["xl/_rels/workbook.xml.rels"][1].decode()
    targets = dict(re.findall(r'<Relationship[^>]*Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
    targets |= {k: v for v, k in re.findall(r'<Relationship[^>]*Target="([^"]+)"[^>]*Id="([^"]+)"',
                                            rels)}
    for name, rid in re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', book):
        if name not in FREEZE or rid not in targets:
            continue
        member = "xl/" + targets[rid].removeprefix("/xl/").removeprefix("xl/")
        info, data = members[member]
        xml, pane = data.decode(), _pane_xml(FREEZE[name])
        new, n = re.subn(r"(<sheetView\b[^>]*>)(?:<pane[^>]*/>)?(?:<selection[^>]*/>)*",
                         lambda m, pane=pane: m.group(1) + pane, xml, count=1)
        if n != 1:
            log.warning("could not restore the frozen panes of sheet %s", name)
            continue
        members[member] = (info, new.encode())
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in members.values():
            z.writestr(info, data)
    tmp.replace(path)


def _formulas(path: Path) -> dict[str, str]:
    wb = load_workbook(path)
    return {f"{ws.title}!{c.coordinate}": c.value for ws in wb.worksheets for row in ws.iter_rows()
            for c in row if isinstance(c.value, str) and c.value.startswith("=")}


def _names(path: Path) -> dict[str, str]:
    wb = load_workbook(path)
    return {n: d.attr_text for n, d in wb.defined_names.items()}


def _norm(formula: str) -> str:
    return formula.replace(" ", "").upper()


def verify(path: Path, formulas: dict[str, str], names: dict[str, str],
           need_values: bool) -> list[str]:
    """Compare the workbook with what openpyxl wrote; return the problems found."""
    problems = []
    wb = load_workbook(path)
    if wb.sheetnames != ["Inputs", "Model", "Summary"]:
        problems.append(f"sheets are {wb.sheetnames}")
    got = _formulas(path)
    if set(got) != set(formulas):
        problems.append(f"formula cells differ: lost {sorted(set(formulas) - set(got))[:5]}, "
                        f"new {sorted(set(got) - set(formulas))[:5]}")
    changed = [a for a in formulas if a in got and _norm(got[a]) != _norm(formulas[a])]
    problems += [f"{a}: {formulas[a]} became {got[a]}" for a in changed[:10]]
    got_names = _names(path)
    for n, target in names.items():
        if n not in got_names:
            problems.append(f"defined name {n} lost")
        elif got_names[n].replace("'", "") != target:
            problems.append(f"defined name {n} = {got_names[n]}, expected {target}")
    if need_values:
        values = load_workbook(path, data_only=True)
        for addr in formulas:
            sheet, coord = addr.split("!")
            v = values[sheet][coord].value
            if v is None:
                problems.append(f"{addr} has no cached value")
            elif isinstance(v, str) and v.startswith("#"):
                problems.append(f"{addr} caches the error {v}")
    for sheet, top_left in FREEZE.items():
        if sheet in wb.sheetnames and wb[sheet].freeze_panes != top_left:
            problems.append(f"sheet {sheet} lost its frozen panes")
    for it in ITEMS:
        r = ROW[it.name]
        f_cell = wb["Inputs"][f"F{r}"].value
        if not isinstance(f_cell, int | float):
            problems.append(f"Inputs!F{r} is not a constant: {f_cell!r}")
    return problems


def cached_outputs(path: Path, outputs: list[str]) -> dict[str, object]:
    wb = load_workbook(path, data_only=True)
    return {a: wb[a.split("!")[0]][a.split("!")[1]].value for a in outputs}


def make(outdir: Path = HERE, recalc: bool = True) -> Path:
    """Write the workbook and its spec into ``outdir``; return the workbook path."""
    outdir.mkdir(parents=True, exist_ok=True)
    book = outdir / BOOK_NAME
    outputs = build_workbook(book)
    formulas, names = _formulas(book), _names(book)
    log.info("wrote %s: %d formula cells, defined names %s", book, len(formulas), sorted(names))
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    have_values = False
    if not recalc:
        log.warning("skipping the LibreOffice round trip: formulas have no cached values")
    elif soffice is None:
        log.warning("soffice (LibreOffice) is not on PATH: %s has formulas without cached values "
                    "(install libreoffice-calc and run this again)", book.name)
    else:
        recalc_with_libreoffice(book, soffice)
        have_values = True
    problems = verify(book, formulas, names, need_values=have_values)
    if problems:
        raise RuntimeError(f"{book.name} failed its checks:\n  " + "\n  ".join(problems))
    if have_values:
        for addr, v in cached_outputs(book, outputs).items():
            log.info("cached %s = %r", addr, v)
    spec_path = outdir / SPEC_NAME
    spec_path.write_text(spec_json(spec(outputs)))
    log.info("wrote %s", spec_path)
    return book


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--outdir", type=Path, default=HERE, help="where to write (default: the package)")
    p.add_argument("--no-recalc", action="store_true", help="skip the LibreOffice round trip")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    try:
        make(args.outdir, recalc=not args.no_recalc)
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        log.error("%s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
