"""References computed while a formula runs (private to :mod:`engine.compiler`).

``A2:INDEX(A:A, n)``, ``A1:CHOOSE(k, A2, A3)``, ``MAX(IF(c, A1, B1), -3)``: INDEX of a range
and IF/CHOOSE/IFS/SWITCH whose results are references give a *reference*, not a value, so the
range operator can span to it and a function that treats a reference apart from a value (MAX
skips the text of a referenced cell but coerces a text value) sees a reference.  Each such
node compiles to a function ``env -> (sheet, boxes, errors)``: per trial the rectangle
``r1 c1 r2 c2`` it names and the trial's error code; :func:`boxes_value` reads the cells
(one range once when every trial names the same one, else per group of trials).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import ir
from ._ir_passes import selector_index
from ._ragged import Ragged, check_uniform
from .functions._args import as_vec, scalar_number
from .values import REF, VALUE, Grid, Kind, Vec, error

if TYPE_CHECKING:
    from .compiler import Code, Env

# calls that choose one of their arguments: a chosen reference stays a reference
SELECTORS = frozenset({"IF", "CHOOSE", "IFS", "SWITCH"})


class ReferenceCode:
    """The compiler's methods for computed references (mixed into its Compiler)."""

    info: Any

    if TYPE_CHECKING:  # the Compiler's own
        def compile(self, node: ir.Node) -> Code: ...

        def _ref_arg(self, node: ir.Call) -> ir.Area | None: ...

    def _range_op(self, node: ir.Binary) -> Code:
        """``A2:INDEX(A:A, n)``: the range between two references, one of them computed
        per trial (INDEX of a range); each distinct range is read once."""
        sides = [self._reference(x) for x in (node.left, node.right)]
        if sides[0] is None or sides[1] is None:
            self.info.unsupported.add("range operator ':' with a computed reference")
            v = error(REF)
            return lambda env: v
        left, right = sides

        def run(env: Env) -> Vec | Grid:
            (sa, a, ea), (sb, b, eb) = left(env), right(env)  # type: ignore[misc]
            if sa != sb:
                return error(REF)
            n = max(len(a), len(b))
            a, b = np.broadcast_to(a, (n, 4)), np.broadcast_to(b, (n, 4))
            box = np.concatenate([np.minimum(a[:, :2], b[:, :2]), np.maximum(a[:, 2:], b[:, 2:])], axis=1)
            code = np.where(np.broadcast_to(ea, (n,)) != 0, np.broadcast_to(ea, (n,)),
                            np.broadcast_to(eb, (n,))).astype(np.uint8)
            return boxes_value(env, sa, box, code)

        return run

    def _reference_value(self, node: ir.Node) -> Code | None:
        """``node`` compiled as the reference it gives (a Grid that knows its cells), for
        IF/CHOOSE/IFS/SWITCH/INDEX handed to a function that treats a reference apart from a
        value (MAX ignores the text of a referenced cell, coerces a text value); None when
        ``node`` is not such a call."""
        if not (isinstance(node, ir.Call) and (node.name in SELECTORS or node.name == "INDEX")):
            return None
        if node.name == "INDEX" and any(isinstance(x, ir.Area | ir.Array)
                                        for a in node.args[1:] for x in ir.walk(a)):
            return None  # positions given as an array: an array of results
        ref = self._reference(node)
        if ref is None:
            return None
        return lambda env: boxes_value(env, *ref(env))

    def _reference(self, node: ir.Node):
        """For the range operator and reference arguments: a function env -> (sheet, boxes
        (k, 4) as r1 c1 r2 c2, error codes), or None when ``node`` is not a reference the
        compiler can follow (Ref, Area, INDEX of a range, IF/CHOOSE/IFS/SWITCH of those)."""
        if isinstance(node, ir.Call) and node.name in SELECTORS:
            return self._selected_reference(node)
        if isinstance(node, ir.Call) and node.name == "OFFSET":
            return self._offset_reference(node)
        if isinstance(node, ir.Call) and node.name == "INDIRECT":
            return self._indirect_reference(node)
        if isinstance(node, ir.Call) and node.name == "XLOOKUP":
            return self._xlookup_reference(node)
        if isinstance(node, ir.Ref):
            c = node.cell
            box = np.array([[c.row, c.col, c.row, c.col]])
            return lambda env: (c.sheet, box, np.zeros(1, dtype=np.uint8))
        if isinstance(node, ir.Area):
            box = np.array([[node.r1, node.c1, node.last_row, node.last_col]])
            return lambda env: (node.sheet, box, np.zeros(1, dtype=np.uint8))
        if not (isinstance(node, ir.Call) and node.name == "INDEX" and 2 <= len(node.args) <= 3
                and isinstance(node.args[0], ir.Ref | ir.Area)):
            return None
        base = self._ref_arg(node)
        assert base is not None
        rows, cols = base.declared_shape
        i_code = self.compile(node.args[1])
        j_code = self.compile(node.args[2]) if len(node.args) == 3 else None

        def run(env: Env):
            i, e1 = scalar_number(i_code(env))
            if j_code is None:
                if cols == 1 or rows == 1:
                    i, j, e2 = (i, np.ones(1), None) if cols == 1 else (np.ones(1), i, None)
                else:
                    j, e2 = np.zeros(1), None
            else:
                j, e2 = scalar_number(j_code(env))
            i, j = np.trunc(i).astype(np.int64), np.trunc(j).astype(np.int64)
            i, j = np.broadcast_arrays(i, j)
            err = np.where((i < 0) | (j < 0), VALUE,
                           np.where((i > rows) | (j > cols), REF, 0)).astype(np.uint8)
            for e in (e2, e1):  # the row's error first, as INDEX reports it
                if e is not None:
                    e = np.broadcast_to(e, err.shape)
                    err = np.where(e != 0, e, err).astype(np.uint8)
            r1 = np.where(i == 0, base.r1, base.r1 + i - 1)
            r2 = np.where(i == 0, base.last_row, base.r1 + i - 1)
            c1 = np.where(j == 0, base.c1, base.c1 + j - 1)
            c2 = np.where(j == 0, base.last_col, base.c1 + j - 1)
            return base.sheet, np.stack([r1, c1, r2, c2], axis=1), err

        return run

    def _xlookup_reference(self, node: ir.Call):
        """XLOOKUP(key, lookup, return, , match_mode, search_mode) of written ranges: the
        row (lookup a column) or column (lookup a row) of ``return`` at XMATCH's position,
        per trial; not found is #N/A (an if_not_found value is not a reference: None)."""
        args = node.args
        if not 3 <= len(args) <= 6 or not all(isinstance(a, ir.Ref | ir.Area) for a in args[1:3]):
            return None
        if len(args) > 3 and not isinstance(args[3], ir.Missing):
            return None
        look, ret = (_as_area(a) for a in args[1:3])
        lr, lc = look.declared_shape
        rr, rc = ret.declared_shape
        if (lr != 1 and lc != 1) or (lc == 1 and lr != rr) or (lc != 1 and lc != rc):
            return None   # XLOOKUP's #VALUE! cases stay with its value path
        modes = [args[i] if len(args) > i and not isinstance(args[i], ir.Missing)
                 else ir.Num(default) for i, default in ((4, 0.0), (5, 1.0))]
        pos = self.compile(ir.Call("XMATCH", (args[0], args[1], *modes)))
        by_row = lc == 1

        def run(env: Env):
            k, err = scalar_number(pos(env))
            k = np.trunc(k).astype(np.int64)
            code = np.zeros(len(k), dtype=np.uint8) if err is None else \
                np.broadcast_to(err, k.shape).astype(np.uint8)
            at = np.where(code == 0, k - 1, 0)
            if by_row:
                r1 = r2 = ret.r1 + at
                c1, c2 = np.full_like(at, ret.c1), np.full_like(at, ret.last_col)
            else:
                c1 = c2 = ret.c1 + at
                r1, r2 = np.full_like(at, ret.r1), np.full_like(at, ret.last_row)
            return ret.sheet, np.stack([r1, c1, r2, c2], axis=1), code

        return run

    def _offset_reference(self, node: ir.Call):
        """OFFSET(base, rows, cols[, height, width]) of a written reference, per trial."""
        base = self._ref_arg(node) if node.args and isinstance(node.args[0], ir.Ref | ir.Area) \
            else None
        if base is None or not 3 <= len(node.args) <= 5:
            return None
        self.info.volatile.add("OFFSET")
        rest = [None if isinstance(a, ir.Missing) else self.compile(a) for a in node.args[1:]]
        rest += [None] * (4 - len(rest))
        nr, nc = base.declared_shape

        def run(env: Env):
            parts, err = [], None
            for k, c in enumerate(rest):
                x, e = scalar_number(c(env) if c else None, (0, 0, nr, nc)[k])
                parts.append(np.trunc(x).astype(np.int64))
                if e is not None and e.any():
                    err = e if err is None else np.where(err != 0, err, e)
            dr, dc, h, w = np.broadcast_arrays(*parts)
            r1, c1 = base.r1 + dr, base.c1 + dc
            r2, c2 = r1 + h - 1, c1 + w - 1
            bad = (r1 < 1) | (c1 < 1) | (h < 1) | (w < 1) | (r2 > ir.MAX_ROW) | (c2 > ir.MAX_COL)
            code = np.where(bad, REF, 0).astype(np.uint8)
            if err is not None:
                code = np.where(np.broadcast_to(err, code.shape) != 0, VALUE, code).astype(np.uint8)
            return base.sheet, np.stack([r1, c1, r2, c2], axis=1), code

        return run

    def _indirect_reference(self, node: ir.Call):
        """INDIRECT(text[, a1]) per trial (trials naming different sheets run per group of
        trials naming one; a trial naming no reference is #REF!)."""
        if not 1 <= len(node.args) <= 2:
            return None
        self.info.volatile.add("INDIRECT")
        text_code = self.compile(node.args[0])
        a1_code = self.compile(node.args[1]) if len(node.args) == 2 else None
        here = self.cell  # type: ignore[attr-defined]

        def run(env: Env):
            from ._references import r1c1_to_a1

            x = as_vec(text_code(env))
            r1c1 = False
            if a1_code is not None:
                flag = as_vec(a1_code(env))
                r1c1 = flag.kind in (Kind.BOOL, Kind.NUM) and not bool(flag.data[0])
            texts = [str(x.scalar(i)) for i in range(len(x))]
            found: dict[str, tuple[str, list[int]] | None] = {}
            for t in set(texts):
                ref = r1c1_to_a1(t, here) if r1c1 else t
                got = env.resolve(ref, here.sheet) if ref is not None else None
                if isinstance(got, ir.Ref):
                    c = got.cell
                    found[t] = (c.sheet, [c.row, c.col, c.row, c.col])
                elif isinstance(got, ir.Area):
                    found[t] = (got.sheet, [got.r1, got.c1, got.last_row, got.last_col])
                else:
                    found[t] = None
            sheets = [f[0] for t in texts if (f := found[t]) is not None]
            if len(set(sheets)) > 1:  # trials naming different sheets: per group
                names = sorted(set(sheets))
                raise Ragged(np.array([-1 if (f := found[t]) is None else names.index(f[0])
                                       for t in texts]))
            sheet = sheets[0] if sheets else here.sheet
            box = np.zeros((len(texts), 4), dtype=np.int64)
            code = np.full(len(texts), REF, dtype=np.uint8)
            for i, t in enumerate(texts):
                f = found[t]
                if f is not None and f[0] == sheet:
                    box[i], code[i] = f[1], 0
            return sheet, box, code

        return run

    def _selected_reference(self, node: ir.Call):
        """IF/CHOOSE/IFS/SWITCH whose results are references on one sheet: the reference
        each trial takes (the call's own rules pick it: the same call giving 1, 2, ...)."""
        got = selector_index(node)
        if got is None:
            return None
        results, pick = got
        sheets = {sheet_of(r) for r in results}
        if len(sheets) != 1 or None in sheets:
            return None
        options = [self._reference(r) for r in results]
        if any(o is None for o in options):
            return None
        which = self.compile(pick)
        sheet = sheets.pop()

        def run(env: Env):
            k, err = scalar_number(which(env))
            got = [o(env) for o in options]  # type: ignore[misc]
            n = max([len(k)] + [len(b) for _, b, _ in got])
            k = np.broadcast_to(np.trunc(k), (n,))
            box = np.zeros((n, 4), dtype=np.int64)
            code = np.zeros(n, dtype=np.uint8) if err is None else \
                np.broadcast_to(err, (n,)).astype(np.uint8)
            for i, (_, b, e) in enumerate(got):
                mask = (k == i + 1) & (code == 0)
                if mask.any():
                    box[mask] = np.broadcast_to(b, (n, 4))[mask]
                    code = np.where(mask, np.broadcast_to(e, (n,)), code).astype(np.uint8)
            code = np.where((code == 0) & ((k < 1) | (k > len(got))), VALUE, code).astype(np.uint8)
            return sheet, box, code

        return run


def _as_area(node: ir.Ref | ir.Area) -> ir.Area:
    if isinstance(node, ir.Area):
        return node
    c = node.cell
    return ir.Area(c.sheet, c.row, c.col, c.row, c.col)


def sheet_of(node: ir.Node) -> str | None:
    """The sheet a reference-giving node points into (None: not known before running)."""
    if isinstance(node, ir.Ref):
        return node.cell.sheet
    if isinstance(node, ir.Area):
        return node.sheet
    if isinstance(node, ir.Call) and node.name == "INDEX" and node.args:
        return sheet_of(node.args[0])
    got = selector_index(node)
    if got is None:
        return None
    sheets = {sheet_of(r) for r in got[0]}
    return sheets.pop() if len(sheets) == 1 else None


def boxes_value(env: Env, sheet: str, box: np.ndarray, code: np.ndarray) -> Vec | Grid:
    """The cells of the reference each trial takes (``box`` rows r1 c1 r2 c2, ``code`` the
    trials' errors): one range read once when every trial takes the same one; where the
    trials take different ones, the cell is evaluated once per group of trials taking one
    (:class:`engine._ragged.Ragged`: a union of the ranges padded with blanks would count
    blanks and rows a trial's own range does not have)."""
    box = np.array(box, dtype=np.int64)
    box[code != 0] = 0
    uniq, inverse = np.unique(box, axis=0, return_inverse=True)
    if len(uniq) == 1:
        u = uniq[0]
        if not u.any():
            check_uniform(code)
            return error(int(code[0]), len(code))
        return env.area(ir.Area(sheet, *(int(x) for x in u)))
    raise Ragged(inverse.ravel())
