"""The input fills of the kernel's ``draw`` function, runs of alike inputs as one loop.

A workbook whose every number is an input (a sensitivity sweep of a DCF model, a bench slice)
has hundreds or thousands of inputs, mostly of one distribution.  One ``fill_*`` call per input
makes ``draw`` thousands of lines long, and numba/LLVM compile time grows with the lines (a
4,000-input slice spent most of its compile on ``draw``).  Consecutive inputs with the same
fill function whose row of ``out_in``, stream index and ``dp`` offset all advance by a fixed
step are emitted as one ``for`` loop over them: the same calls with the same arguments in the
same order, so the samples are bit for bit those of the unrolled calls.

The uniforms of RAND call sites outside the normal group (``=NORM.S.INV(RAND())`` copied
down 10,000 rows: one row of ``ur`` each) were one ``fill_u01`` line each in the same way:
consecutive rows of ``ur`` whose stream indices advance with them are one loop
(:func:`u01_lines`).
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_RUN = 4   # shorter runs stay as straight calls (a loop costs its own few lines)


@dataclass(frozen=True)
class Fill:
    """One input's fill call: ``fill(out_in[row], ..., sids[sidx], total, lhs, params)``."""

    fill: str       # runtime function name (fill_triangular, ...)
    row: int        # row of out_in
    sidx: int       # index into sids
    off: int        # first parameter's offset in dp
    nparams: int    # parameters it reads from dp
    table: bool     # passes (dp, off) instead of the parameters one by one


def _call(f: Fill, lhs: int, q: str = "") -> str:
    """The call of ``f``; with ``q`` (a loop variable) the call of its ``q``-th follower."""
    def at(base: int, step: int) -> str:
        if not q:
            return str(base)
        return f"{base} + {q}" if step == 1 else f"{base} + {step} * {q}"

    off = at(f.off, f.nparams)
    if f.table:
        params = f"dp, {off}"
    elif q:
        params = ", ".join(f"dp[{off}{'' if p == 0 else f' + {p}'}]" for p in range(f.nparams))
    else:
        params = ", ".join(f"dp[{f.off + p}]" for p in range(f.nparams))
    return (f"{f.fill}(out_in[{at(f.row, 1)}], lo, hi, start, key0, key1, sids[{at(f.sidx, 1)}], "
            f"total, {lhs}, {params})")


def _follows(a: Fill, b: Fill) -> bool:
    return (b.fill == a.fill and b.table == a.table and b.nparams == a.nparams
            and b.row == a.row + 1 and b.sidx == a.sidx + 1 and b.off == a.off + a.nparams)


def fill_lines(fills: list[Fill], lhs: int, indent: str = "    ") -> list[str]:
    """The lines of ``fills`` in order: runs of at least MIN_RUN alike inputs as loops."""
    lines: list[str] = []
    k = 0
    while k < len(fills):
        end = k + 1
        while end < len(fills) and _follows(fills[end - 1], fills[end]):
            end += 1
        if end - k >= MIN_RUN:
            lines += [f"{indent}for q in range({end - k}):",
                      f"{indent}    {_call(fills[k], lhs, 'q')}"]
        else:
            lines += [indent + _call(g, lhs) for g in fills[k:end]]
        k = end
    return lines


def _u01(row: str, sidx: str, lhs: int) -> str:
    return (f"fill_u01(ur[{row}], 0, hi - lo, start + lo, key0, key1, sids[{sidx}], total, "
            f"{lhs})")


def u01_lines(rows: list[tuple[int, int]], lhs: int, indent: str = "    ") -> list[str]:
    """The ``fill_u01`` calls of RAND streams, each (row of ``ur``, index into sids), in
    order: runs of at least MIN_RUN whose row and stream index both advance by one as loops
    (the same calls in the same order)."""
    lines: list[str] = []
    k = 0
    while k < len(rows):
        end = k + 1
        while end < len(rows) and rows[end][0] == rows[end - 1][0] + 1 \
                and rows[end][1] == rows[end - 1][1] + 1:
            end += 1
        if end - k >= MIN_RUN:
            r0, s0 = rows[k]
            lines += [f"{indent}for q in range({end - k}):",
                      f"{indent}    {_u01(f'{r0} + q', f'{s0} + q', lhs)}"]
        else:
            lines += [indent + _u01(str(r), str(s), lhs) for r, s in rows[k:end]]
        k = end
    return lines
