"""A generated workbook of about 1,000 formula cells for the benchmarks (written with openpyxl).

``write_model(directory)`` writes ``generated.xlsx`` and ``generated.spec.json``:

* ``Inputs``: 20 uncertain drivers (triangular) with their growth rates, a discount rate;
* ``Rates``: a 20-row lookup table (band -> factor);
* ``Calc``: 40 projects x 25 cells: a base value, 20 periods of chained arithmetic with IF and
  MAX, a SUM, an NPV, a banded INDEX/MATCH lookup and a ROUND;
* ``Summary``: three outputs (total NPV, largest project total, mean adjusted value).
"""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

DRIVERS = 20
PROJECTS = 40
PERIODS = 20
OUTPUTS = ["Summary!B1", "Summary!B2", "Summary!B3"]


def write_model(directory: Path) -> tuple[Path, Path, int]:
    """Write the workbook and its spec into ``directory``; returns (book, spec, formula cells)."""
    wb = Workbook()
    inp = wb.active
    inp.title = "Inputs"
    spec_inputs = []
    for j in range(1, DRIVERS + 1):
        base = 50.0 + 7.0 * j
        inp[f"A{j}"] = f"driver {j}"
        inp[f"B{j}"] = base
        inp[f"C{j}"] = 0.01 + 0.002 * j
        spec_inputs.append({"cell": f"Inputs!B{j}", "distribution": "triangular",
                            "params": {"min": 0.8 * base, "mode": base, "max": 1.4 * base}})
    inp["E1"] = 0.07  # discount rate
    rates = wb.create_sheet("Rates")
    for k in range(1, 21):
        rates[f"A{k}"] = float(10 * (k - 1))
        rates[f"B{k}"] = 1.0 + 0.01 * k
    calc = wb.create_sheet("Calc")
    formulas = 0
    first, last = get_column_letter(3), get_column_letter(2 + PERIODS)
    for r in range(1, PROJECTS + 1):
        j = (r - 1) % DRIVERS + 1
        j2 = (r * 7) % DRIVERS + 1
        calc[f"B{r}"] = f"=Inputs!B{j}*(1+Inputs!C{j})"
        for p in range(PERIODS):
            col, prev = get_column_letter(3 + p), get_column_letter(2 + p)
            if p % 3 == 0:
                calc[f"{col}{r}"] = (f"=IF({prev}{r}>Inputs!B{j2},MAX({prev}{r}*1.02,"
                                     f"Inputs!B{j2}),{prev}{r}*1.01+Inputs!B{j2}*0.1)")
            elif p % 3 == 1:
                calc[f"{col}{r}"] = f"={prev}{r}*(1+Inputs!C{j2})-Inputs!B{j}/{PERIODS}"
            else:
                calc[f"{col}{r}"] = f"=MAX({prev}{r}-5,0)+MIN(Inputs!B{j},Inputs!B{j2})*0.05"
        w, x, y, z = (get_column_letter(3 + PERIODS + k) for k in range(4))
        calc[f"{w}{r}"] = f"=SUM({first}{r}:{last}{r})"
        calc[f"{x}{r}"] = f"=NPV(Inputs!$E$1,{first}{r}:{last}{r})"
        calc[f"{y}{r}"] = (f"=INDEX(Rates!$B$1:$B$20,MATCH(MIN(190,MAX(0,B{r})),"
                           f"Rates!$A$1:$A$20,1))*{w}{r}")
        calc[f"{z}{r}"] = f"=ROUND({y}{r}-{x}{r},2)"
        formulas += 5 + PERIODS
    summ = wb.create_sheet("Summary")
    x, w, z = (get_column_letter(3 + PERIODS + k) for k in (1, 0, 3))
    summ["B1"] = f"=SUM(Calc!{x}1:{x}{PROJECTS})"
    summ["B2"] = f"=MAX(Calc!{w}1:{w}{PROJECTS})"
    summ["B3"] = f"=AVERAGE(Calc!{z}1:{z}{PROJECTS})"
    formulas += 3
    directory.mkdir(parents=True, exist_ok=True)
    book = directory / "generated.xlsx"
    wb.save(book)
    spec = directory / "generated.spec.json"
    spec.write_text(json.dumps({"inputs": spec_inputs, "outputs": OUTPUTS, "trials": 10_000,
                                "seed": 1, "sampling": "mc"}, indent=1))
    return book, spec, formulas
