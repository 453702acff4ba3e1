"""The kernel's line budget (engine.backends.numba._families.LineBudget) counts a column
generated from its last row up, each row reading a column generated from its first row down
(ianjharkin edu-2012-c13-01 'Solution to Exercise 13.1': ``A125 = 45+INT((B125-1)/12)``
generated first, then A124, ...; B the month counter ``=+B124+1``), as the loop it becomes,
not its lines every row: the budget ran out there and 887 cells of the sheet were refused
"the kernel would be too large"."""

from __future__ import annotations

from engine.backends.numba._families import FAMILY_MIN, LineBudget

ROWS = 60


def counter_then_reversed_reader(rows: int) -> tuple[list[list[str]], list[tuple]]:
    """Generated lines: a counter column (B: cell r reads cell r-1) in row order, then a
    column reading B of its row generated from the last row up; each cell's (sheet, row,
    column)."""
    lines = [["v0 = x0"]]
    cells = [("S", 1, 2)]
    for r in range(1, rows):
        lines.append([f"v{r} = v{r - 1} + 1.0"])
        cells.append(("S", r + 1, 2))
    for j, r in enumerate(range(rows - 1, -1, -1)):
        k = rows + j
        lines.append([f"t{10 * k} = v{r} - 1.0", f"t{10 * k + 1} = t{10 * k} / 12.0",
                      f"t{10 * k + 2} = np.floor(t{10 * k + 1})", f"v{k} = 45.0 + t{10 * k + 2}"])
        cells.append(("S", r + 1, 1))
    return lines, cells


def test_a_reader_generated_upwards_is_counted_as_a_loop():
    lines, cells = counter_then_reversed_reader(ROWS)
    budget = LineBudget()
    for k, (got, cell) in enumerate(zip(lines, cells, strict=True)):
        budget.add(k, got, cell)
    # the first rows of each column until the run shows, not 4 lines a row (245 before)
    assert budget.lines <= 5 * FAMILY_MIN + 4, budget.lines


def test_a_reader_changing_direction_is_no_run():
    """Rows reading the counter at distances that do not keep one direction (0, 2, 1, 3, ...
    down then up) are straight-line code: each is counted."""
    lines, cells = counter_then_reversed_reader(ROWS)
    order = list(range(ROWS))
    zigzag = [r for pair in zip(order[0::2], order[1::2], strict=True) for r in pair[::-1]]
    for j, r in enumerate(zigzag):
        k = ROWS + j
        lines[k] = [f"t{10 * k} = v{r} - 1.0", f"v{k} = 45.0 + t{10 * k}"]
        cells[k] = ("S", r + 1, 1)
    budget = LineBudget()
    for k, (got, cell) in enumerate(zip(lines, cells, strict=True)):
        budget.add(k, got, cell)
    assert budget.lines >= 2 * (ROWS - 2 * FAMILY_MIN), budget.lines
