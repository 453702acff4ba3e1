"""Benchmark: array formulas over a long Excel-Table-like column block on the numpy reference,
the flat path (engine/functions/flat_ops.py) against the element-by-element path.

    python bench/bench_flat_grid.py [--rows 20000] [--formulas 200] [--only flat|loop]
                                    [--aggregate MEDIAN]

The workbook has the shape of canaydinq-beep Dashboard_Project (unseen10): a data sheet of
``rows`` rows (text with blanks, numbers with blanks, a country column) and ``formulas`` cells
``COUNT(IF((C=A2)*(B<>0)*(ISNUMBER(SEARCH(type,A)))*(D=title),B))`` and
``MEDIAN(IF((C=A2)*(B<>0)*ISNUMBER(FIND("time",A)),B))``, each an array formula.  It is written
with openpyxl and evaluated by ``Model.evaluate`` with the flat path on, then off
(``flat_ops.ENABLED``); the CPU seconds of each, the ratio and whether the values agree are
printed.  ``--aggregate`` names the function in place of MEDIAN (AVERAGE, STDEV.S, GEOMEAN, ..:
the aggregates reading a flat range's numbers as one block, engine/functions/stats.py).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

log = logging.getLogger("bench_flat_grid")

TYPES = ["Full-time", "Part-time", "Full-time and Contractor", "Contractor", None, "Internship"]
COUNTRIES = ["US", "DE", "FR"]
TITLES = ["Data Analyst", "Data Engineer", "Data Scientist", None]


def write_book(path: Path, rows: int, formulas: int, aggregate: str = "MEDIAN") -> None:
    """The workbook: sheet Data (A type, B salary with blanks, C country, D title) and sheet
    Calc with ``formulas`` array formulas (half COUNT(IF(..)), half ``aggregate``(IF(..)))."""
    from openpyxl import Workbook
    from openpyxl.worksheet.formula import ArrayFormula

    wb = Workbook()
    d = wb.active
    d.title = "Data"
    for i in range(rows):
        d.cell(i + 1, 1, TYPES[i % 6])
        d.cell(i + 1, 2, 1000.0 + (i * 37) % 5000 if i % 7 else None)
        d.cell(i + 1, 3, COUNTRIES[i % 3])
        d.cell(i + 1, 4, TITLES[i % 4])
    c = wb.create_sheet("Calc")
    c["Z1"], c["Z2"] = "Full", "Data Analyst"
    a, b, cc, t = (f"Data!${col}$1:${col}${rows}" for col in "ABCD")
    for k in range(formulas):
        r = k + 1
        c.cell(r, 1, COUNTRIES[k % 3])
        if k % 2 == 0:
            text = (f"=COUNT(IF(({cc}=A{r})*({b}<>0)*(ISNUMBER(SEARCH($Z$1,{a})))*({t}=$Z$2),"
                    f"{b}))")
        else:
            text = f'={aggregate}(IF(({cc}=A{r})*({b}<>0)*ISNUMBER(FIND("time",{a})),{b}))'
        c[f"B{r}"] = ArrayFormula(f"B{r}", text)
    wb.save(path)


def evaluate(path: Path, flat: bool) -> tuple[float, dict]:
    """CPU seconds of ``Model.evaluate`` of every formula, and the values by cell."""
    from engine.functions import flat_ops
    from engine.model import Model

    flat_ops.ENABLED = flat
    model = Model.open(path)
    cells = list(model.workbook.formula_cells())
    t = time.process_time()
    values, _ = model.evaluate(cells)
    took = time.process_time() - t
    return took, {c: values[c].scalar() for c in cells}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rows", type=int, default=20_000)
    p.add_argument("--formulas", type=int, default=200)
    p.add_argument("--only", choices=["flat", "loop"], help="time one path only")
    p.add_argument("--aggregate", default="MEDIAN", help="the function in place of MEDIAN")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "flat_grid.xlsx"
        write_book(path, args.rows, args.formulas, args.aggregate)
        got: dict[str, tuple[float, dict]] = {}
        for name in ("flat", "loop"):
            if args.only in (None, name):
                got[name] = evaluate(path, name == "flat")
                log.info("%-5s %d rows x %d formulas: %.2f s CPU", name, args.rows,
                         args.formulas, got[name][0])
    if len(got) == 2:
        same = got["flat"][1] == got["loop"][1]
        log.info("loop / flat = %.1fx; values %s", got["loop"][0] / max(got["flat"][0], 1e-9),
                 "agree" if same else "DIFFER")
        return 0 if same else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
