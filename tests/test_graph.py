from engine.graph import reachable, strongly_connected_cycles, topological_order


def test_topological_order_respects_dependencies():
    deps = {"a": [], "b": ["a"], "c": ["a", "b"], "d": ["c"]}
    order, cycles = topological_order(["d", "c", "b", "a"], deps.__getitem__)
    assert cycles == []
    assert order.index("a") < order.index("b") < order.index("c") < order.index("d")


def test_cycles_are_reported_with_their_cells():
    deps = {"a": ["c"], "b": ["a"], "c": ["b"], "d": ["d"], "e": ["a"], "f": []}
    order, cycles = topological_order(list(deps), deps.__getitem__)
    assert order == ["f"]
    assert sorted(cycles) == [["a", "b", "c"], ["d"]]


def test_reachable():
    edges = {1: [2], 2: [3], 3: [], 4: [1]}
    assert reachable([1], edges.__getitem__) == {1, 2, 3}


def test_long_chain_no_recursion_limit():
    n = 20000
    deps = {i: [i - 1] if i else [] for i in range(n)}
    order, cycles = topological_order(list(reversed(range(n))), deps.__getitem__)
    assert order == list(range(n)) and not cycles
    assert strongly_connected_cycles([0, 1], {0: [1], 1: [0]}.__getitem__) == [[0, 1]]


# ------------------------------------------------------------------ cycles Excel does not have
from pathlib import Path  # noqa: E402

import openpyxl  # noqa: E402
import pytest  # noqa: E402

from engine.model import Model  # noqa: E402
from engine.workbook import CalcSettings, Cell, CellRef  # noqa: E402


def _amortization(n: int = 36, principal: float = 10_000.0, rate: float = 0.06) -> Model:
    """A loan schedule written with names over whole columns, as the familiar template is:
    each row reads the names, Excel intersects them with the formula's own row."""
    cells: dict[str, object] = {"Loan!H1": principal, "Loan!H2": rate, "Loan!H3": n,
                                "Loan!H4": "=PMT(Rate/12,Periods,-Principal)"}
    cells.update({"Loan!A1": "No", "Loan!B1": "Begin", "Loan!C1": "Payment",
                  "Loan!D1": "Interest", "Loan!E1": "Principal paid", "Loan!F1": "End"})
    for r in range(2, n + 2):
        cells[f"Loan!A{r}"] = float(r - 1)
        cells[f"Loan!B{r}"] = "=Principal" if r == 2 else f"=F{r - 1}"
        cells[f"Loan!C{r}"] = "=MIN(Pmt,Begin*(1+Rate/12))"
        cells[f"Loan!D{r}"] = "=Begin*Rate/12"
        cells[f"Loan!E{r}"] = "=Payment-Interest"
        cells[f"Loan!F{r}"] = "=Begin-PrincipalPaid"
    m = Model.from_cells(cells, sheets=("Loan",))
    names = m.workbook.names
    names.update({"PRINCIPAL": "Loan!$H$1", "RATE": "Loan!$H$2", "PERIODS": "Loan!$H$3",
                  "PMT": "Loan!$H$4", "BEGIN": "Loan!$B:$B", "PAYMENT": "Loan!$C:$C",
                  "INTEREST": "Loan!$D:$D", "PRINCIPALPAID": "Loan!$E:$E"})
    return m


def test_named_column_ranges_are_not_a_cycle():
    # issue 12.8: reported as a cycle of every schedule cell; Excel reads one row per formula
    n, p, rate = 36, 10_000.0, 0.06
    m = _amortization(n, p, rate)
    values, cycles = m.evaluate()
    assert cycles == []
    i = rate / 12
    pmt = p * i / (1 - (1 + i) ** -n)
    assert values[CellRef("Loan", 2, 4)].data[0] == pytest.approx(p * i)
    balance = p
    for _ in range(12):
        balance = balance * (1 + i) - pmt
    assert values[CellRef("Loan", 13, 6)].data[0] == pytest.approx(balance)
    assert values[CellRef("Loan", n + 1, 6)].data[0] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(("formula", "cyclic"), [
    ("=SUM($B$1:B4)", False),        # a running total above the cell
    ("=SUM(B1:B6)", True),           # a range holding the cell itself: a real cycle
    ("=ROWS($B$1:B5)", False),       # ROWS/ROW/COLUMN look at the position only
    ("=ROW(B5)+COLUMN(B5)", False),
    ("=INDEX(B:B,2)", False),        # INDEX with constant positions reads one cell
    ("=INDEX(B:B,5)", True),
    ("=IF(TRUE,B2,B5)", False),      # a constant condition reads its branch only
    ("=IF(B1,B2,B5)", True),
])
def test_what_a_formula_reads(formula, cyclic):
    cells = {f"Sheet1!B{r}": float(r) for r in range(1, 5)} | {"Sheet1!B5": formula}
    _, cycles = Model.from_cells(cells).evaluate()
    assert bool(cycles) == cyclic


def test_iterative_calculation_converges_like_excel(tmp_path: Path):
    """Interest on the average balance: a circular model Excel computes with iterate="1"."""
    cells = {"Sheet1!A1": 1000.0, "Sheet1!A2": 0.1,
             "Sheet1!B1": "=A1+B2",              # closing balance
             "Sheet1!B2": "=(A1+B1)/2*A2"}       # interest on the average balance
    m = Model.from_cells(cells)
    values, cycles = m.evaluate()
    assert cycles and values[CellRef("Sheet1", 1, 2)].kind.name == "BLANK"  # no cache, no iteration
    m.workbook.calc = CalcSettings(iterate=True, iterate_count=100, iterate_delta=1e-9)
    values, _ = m.evaluate()
    # fixed point: B2 = (1000 + 1000 + B2) / 2 * 0.1  ->  B2 = 100 / 0.95
    assert values[CellRef("Sheet1", 2, 2)].data[0] == pytest.approx(100 / 0.95, rel=1e-9)
    m.workbook.calc = CalcSettings(iterate=True, iterate_count=2, iterate_delta=1e-9)
    values, _ = m.evaluate()
    assert values[CellRef("Sheet1", 2, 2)].data[0] != pytest.approx(100 / 0.95, rel=1e-6)


def test_amortization_file_checks_without_cycles(tmp_path: Path):
    """The same schedule through the loader: cached values as Excel computes them."""
    m = _amortization()
    values, _ = m.evaluate()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Loan"
    for (r, c), cell in m.workbook.sheets["Loan"].cells.items():
        ws.cell(row=r, column=c, value=cell.formula or cell.value)
    from openpyxl.workbook.defined_name import DefinedName
    for name, target in m.workbook.names.items():
        wb.defined_names[name] = DefinedName(name, attr_text=target)
    path = tmp_path / "loan.xlsx"
    wb.save(path)
    loaded = Model.open(path)
    again, cycles = loaded.evaluate()
    assert cycles == []
    assert again[CellRef("Loan", 20, 6)].data[0] == pytest.approx(values[CellRef("Loan", 20, 6)].data[0])
    assert isinstance(loaded.workbook.cell(CellRef("Loan", 20, 6)), Cell)
