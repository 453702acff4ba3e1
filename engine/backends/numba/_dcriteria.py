"""Criteria of COUNTIF/SUMIF/AVERAGEIF/...IFS/MAXIFS/MINIFS whose text is made per trial
(``"<"&TEXT(d,"yyyy-mm-dd")``, ``">="&A1`` of a cell of such text, ``LEFT(label,k)&"*"``,
``"<>"&B1``), and text criteria that vary per trial against range cells that vary too.

The criterion's text is written into the dynamic text buffer once per trial and parsed
there as :func:`engine.functions._criteria.parse` parses it (operator, then a number by
``parse_number``, "" as blank/empty/non-blank, TRUE/FALSE, an error name, wildcards, else
text); each range cell is matched as ``_criteria.match`` matches it, by its static kind:
numbers, logicals, blanks, text of the constant table (casefolded code points and numbers
in the table) and text made per trial (written after the criterion).  Runtime:
:mod:`._dcriteria_rt` (CUDA twin :mod:`engine.backends.cupy._rt_dcriteria`).

The reference parses a chunk's criteria that are all an operator and a number with numpy's
string functions (``_criteria._numeric_strings``), which strip the text first: the two
readings differ for text with white space before an operator only, refused here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...functions._collation import runtime_orders_all
from ...values import parse_number
from ._dtext import Dyn, _chars, _may_be_empty
from ._unicase import refuse_criterion, refuse_wild
from ._values import KBLANK, KBOOL, KDYN, KNUM, KSTR, NotFusable, Val, lit

if TYPE_CHECKING:
    from ... import ir

__all__ = ["TextCriterion", "constant_criterion", "count_with_unread", "criterion_of_text",
           "text_criterion", "text_number"]

_OPERATORS = frozenset("<>=")


class TextCriterion:
    """A criterion made per trial, written and parsed once in the cell's code."""

    orders = False   # whether it may be "<" ">" of text (the packed ones of constant_criterion)

    def __init__(self, gen: Any, d: Dyn) -> None:
        chars = _chars(d.r, gen.strings)
        if chars is None:
            raise NotFusable("a criterion made per trial of characters not known")
        if chars & _OPERATORS and _lead_space(d.r, gen.strings)[0]:
            raise NotFusable("a criterion made per trial that may start with white space")
        self.wild = bool(chars & set("*?~"))
        self.blank_hit = _blank_hit(d, chars, gen.strings)
        if not all(ch.isascii() for ch in chars):   # text past ASCII: ._unicase
            refuse_criterion(chars)
        self.orders = bool(chars & {"<", ">"})   # "<" ">" of text: _rt_collation's order
        if self.orders and not runtime_orders_all(chars):
            raise NotFusable("a text criterion made per trial of characters not ordered")
        self.chars = chars
        self.r = d.r
        z, a, b = gen.write(d, True)
        self.z, self.b, self.e = z, b, d.e
        self.p = gen.value(f"dcrit_rest({z}, {a}, {b})")
        self.x = gen.value(f"dnum({z}, {self.p}, {b}, 0.0, 2.0)")
        self.k = gen.value(f"dcrit_kind({z}, {a}, {b}, {self.x})")

    def dyn_mask(self, gen: Any, cell: Val) -> str:
        """Where ``cell`` (not of varying kind) meets the criterion, per trial."""
        tail = f"{self.z}, {self.p}, {self.b}"
        if cell.kind in (KNUM, KBOOL, KBLANK):
            ctype = {KNUM: "0.0", KBOOL: "1.0", KBLANK: "2.0"}[cell.kind]
            v = cell.v if cell.kind != KBLANK else "0.0"
            m = gen.value(f"dcrit_cell({self.k}, {self.x}, {ctype}, {v}, {cell.e}, {self.z}, "
                          f"0.0, 0.0, np.nan, {tail})")
        elif cell.kind == KSTR:
            assert cell.dom is not None
            if self.orders and not runtime_orders_all([gen.strings[k].casefold() for k in cell.dom]):
                raise NotFusable("a text criterion against texts of characters not ordered")
            off, nids = self._id_table(gen, cell.dom)
            m = gen.value(f"dcrit_id({self.k}, {self.x}, kv, {off}.0, {cell.v}, {nids}.0, "
                          f"{cell.e}, {tail})")
        elif cell.kind == KDYN:
            d = gen.as_dyn(cell, False)
            chars = _chars(d.r, gen.strings)
            if chars is None or not all(ch.isascii() for ch in chars):
                refuse_criterion(chars)
            if self.orders and not runtime_orders_all(chars or ""):
                raise NotFusable("a text criterion against texts of characters not ordered")
            if self.wild:
                refuse_wild(self.chars, chars)
            z, ca, cb = gen.write(d, True)
            tnum = gen.value(f"dnum({z}, {ca}, {cb}, 0.0, 2.0)")
            m = gen.value(f"dcrit_cell({self.k}, {self.x}, 3.0, 0.0, {d.e}, {z}, {ca}, {cb}, "
                          f"{tnum}, {tail})")
        else:
            raise NotFusable("a criterion made per trial, against a value of another kind")
        if self.e == "0":
            return m
        return gen.value(f"sel({self.e} != 0, b2f({cell.e} == {self.e}), {m})")

    def _id_table(self, gen: Any, dom: tuple[int, ...]) -> tuple[int, int]:
        """kv entries (start, length, parse_number) of the casefolded texts of ids up to
        max(dom), their code points before them."""
        nids = max(dom) + 1
        if self.wild:
            refuse_wild(self.chars, frozenset("".join(gen.strings[k].casefold() for k in dom)))
        cache = gen.__dict__.setdefault("_dcrit_tables", {})
        if nids in cache:
            return cache[nids], nids
        texts = [gen.strings[k] for k in range(nids)]
        folded = [t.casefold() for t in texts]
        flat = [float(ord(ch)) for t in folded for ch in t] or [0.0]
        base = gen.table(flat)
        index: list[float] = []
        at = base
        for t, f in zip(texts, folded, strict=True):
            got = parse_number(t)
            index += [float(at), float(len(f)), float("nan") if got is None else got]
            at += len(f)
        off = gen.table(index)
        cache[nids] = off
        return off, nids


def text_number(gen: Any, cell: Val) -> tuple[str, str]:
    """The number a cell of text made per trial reads as (``parse_number``: NaN where it
    reads as none), and its error code: what ``=`` a number compares."""
    d = gen.as_dyn(cell, False)
    z, a, b = gen.write(d)
    return gen.value(f"dnum({z}, {a}, {b}, 0.0, 2.0)"), d.e


def text_criterion(gen: Any, node: ir.Node, what: str) -> TextCriterion:
    """The criterion ``node`` of COUNTIF/SUMIF/...IFS, text made per trial: written and
    parsed once per cell (``"<="&F$7`` in each of a cell's four COUNTIFS, and again where
    the long-range code looks at it), while the lines that made it are still there."""
    cache = _cell_cache(gen)
    key = ("node", node)
    got = cache.get(key)
    if got is not None:
        crit, at, line = got
        if len(gen.lines) >= at and gen.lines[at - 1] is line:
            return crit
    crit = TextCriterion(gen, gen.recipe(node, coerce=False))
    if gen.lines:
        cache[key] = (crit, len(gen.lines), gen.lines[-1])
    return crit


def criterion_of_text(gen: Any, v: Val) -> TextCriterion:
    """A criterion of text that varies per trial among known texts (against range cells
    that vary), made once per cell."""
    key = (v.v, v.e, v.dom)
    cache = _cell_cache(gen)
    if key not in cache:
        cache[key] = TextCriterion(gen, gen.as_dyn(v, False))
    return cache[key]


def _cell_cache(gen: Any) -> dict:
    """Criteria written in the current cell's code (made again in the next cell)."""
    state = gen.__dict__.setdefault("_dcrit_of_text", [None, {}])
    if state[0] is not gen.lines:   # the list itself, not its id: a freed one's id is reused
        state[0], state[1] = gen.lines, {}
    return state[1]


def constant_criterion(gen: Any, crit: Any) -> TextCriterion:
    """A criterion the same in every trial (parsed by ``_criteria.parse``), against range
    cells of text made per trial: its text parsed in the kernel as any other (the text
    ``_text.TextMixin._criterion`` kept), or a number, logical or error packed as
    ``dcrit_kind`` packs them."""
    from ._dcriteria_rt import BOOL, ERR, NUM

    key = ("const", id(crit))
    cache = _cell_cache(gen)
    if key in cache and cache[key][0] is crit:   # the criterion kept beside (8a05298)
        return cache[key][1]
    kept = gen.__dict__.get("_crit_text", {}).get(id(crit))
    if kept is not None and kept[0] is crit:
        text = kept[1]   # past ASCII: refused or not by TextCriterion (._unicase)
        got = TextCriterion(gen, Dyn(("c", text), "0", len(text)))
    elif crit.kind in ("num", "bool", "err") and not hasattr(crit.op, "__len__"):
        kind = {"num": NUM, "bool": BOOL, "err": ERR}[crit.kind]
        val = int(crit.value) if crit.kind != "num" else 0
        got = TextCriterion.__new__(TextCriterion)
        z, a, _ = gen.write(Dyn(("c", ""), "0", 0))
        got.z, got.p, got.b, got.e, got.wild, got.blank_hit = z, a, a, "0", False, None
        got.x = lit(float(crit.value)) if crit.kind == "num" else "0.0"
        got.k = lit(float(int(crit.op) + 8 * kind + 128 * val))
    else:
        raise NotFusable("a criterion against text made per trial")
    cache[key] = (crit, got)
    return got


def count_with_unread(gen: Any, ranges: list[ir.Area], crits: list[Any], counted: str) -> Val:
    """COUNTIF/COUNTIFS's count with the empty cells past the read part of clipped ranges
    (``A:A``), counted in the trials where every criterion meets a blank cell (as
    engine.functions.stats._conditional counts them): a criterion that meets one in some
    trials only is matched against a blank per trial (``match_mask``), once per cell."""
    read = ranges[0].shape[0] * ranges[0].shape[1]
    declared = ranges[0].declared_shape
    unread = declared[0] * declared[1] - read
    if unread <= 0:
        return Val(counted, "0", KNUM, 0.0, float(read))
    if any(a.declared_shape != declared for a in ranges):
        raise NotFusable("COUNTIFS over ranges of different written sizes")
    hits = [_criterion_blank_hit(gen, c) for c in crits]
    if not all(h is not False for h in hits):
        return Val(counted, "0", KNUM, 0.0, float(read + unread))
    if all(hits):
        counted = gen.value(f"{counted} + {lit(float(unread))}")
        return Val(counted, "0", KNUM, 0.0, float(read + unread))
    # a criterion that meets an empty cell in some trials only ("" or "=" per trial, an
    # empty cell as the criterion in some): the empty cells counted in those trials
    empty = Val("0.0", "0", KBLANK, 0.0, 0.0)
    both = "1.0"
    for c, h in zip(crits, hits, strict=True):
        if h is None:
            m = gen.match_mask(c, empty)
            both = m if both == "1.0" else gen.value(f"{both} * {m}")
    counted = gen.value(f"{counted} + {lit(float(unread))} * {both}")
    return Val(counted, "0", KNUM, 0.0, float(read + unread))


_ORDER_OPS = {"<=": 3, ">=": 5, "<": 2, ">": 4}   # _criteria's LE, GE, LT, GT


def ordering_number(gen: Any, crit: TextCriterion, lines: bool = True) -> str | None:
    """The per-trial operator code of a criterion made per trial that is an ordering joined
    to a number or to nothing (``"<="&F7``, F7 a date or "": its "<=" alone meets nothing):
    ``op`` where the operand reads as a number (``crit.x``), ``NEVER`` where it is empty or
    the criterion an error (which meets only that error: the caller's check); None where
    the criterion may parse as anything else (with ``lines`` False: "" where it is such,
    no line written)."""
    from ._rt_long_criteria import NEVER

    r = getattr(crit, "r", None)
    if r is None:
        return None
    parts = list(r[1]) if r[0] == "cat" else [r]
    head = parts[0]
    if head[0] != "c" or head[1] not in _ORDER_OPS:
        return None
    rest = [q for q in parts[1:] if q != ("c", "")]
    if len(rest) > 1 or not all(_number_or_empty(q, gen.strings) for q in rest):
        return None
    if not lines:   # only whether it is such a criterion
        return ""
    never = lit(float(NEVER))
    code = gen.value(f"sel({crit.k} < 8.0, {crit.k}, {never})")   # kind NUM: k is the op
    if crit.e != "0":
        code = gen.value(f"sel({crit.e} != 0, {never}, {code})")
    return code


def _number_or_empty(r: tuple, strings: list[str]) -> bool:
    """Whether every text the recipe makes is empty or a number's text (no sign of an
    operator: what follows an ordering stays its operand)."""
    tag = r[0]
    if tag == "n":
        return True
    if tag == "c":
        return r[1] == "" or parse_number(r[1]) is not None and r[1][:1] not in "<>="
    if tag == "s":
        return all(_number_or_empty(("c", strings[k]), strings) for k in r[2])
    if tag == "if":
        return _number_or_empty(r[2], strings) and _number_or_empty(r[3], strings)
    if tag == "pick":
        return all(_number_or_empty(q, strings) for q in r[2])
    if tag == "cat":
        rest = [q for q in r[1] if q != ("c", "")]
        return len(rest) <= 1 and all(_number_or_empty(q, strings) for q in rest)
    return False


def _criterion_blank_hit(gen: Any, crit: Any) -> bool | None:
    """Whether a criterion of the generator meets an empty cell in every trial (True), in
    none (False), or in some only (None)."""
    from ...functions._criteria import Criterion, match, parse, view
    from ...values import blank

    def hit(c: Criterion) -> bool:
        return bool(match(c, view(blank()))[0])

    if isinstance(crit, Criterion):
        return hit(crit)
    if isinstance(crit, TextCriterion):
        return crit.blank_hit
    from ._varying_criterion import VaryingCriterion

    if isinstance(crit, VaryingCriterion):   # mixed kinds: each kind it can take
        return crit.blank_hit(gen)
    name = type(crit).__name__
    if name == "_VaryingNumber":   # "=" a number: never a blank
        return False
    if name == "DynCriterion":   # an operator and a number: "<>" alone meets blanks
        if crit.op != 1:
            return False
        return True if crit.err == "0" else None
    if isinstance(crit, Val) and crit.kind == KSTR and crit.dom is not None:
        got = {hit(parse(gen.strings[k])) for k in crit.dom}
        if crit.e != "0":
            got.add(False)
        return got.pop() if len(got) == 1 else None
    return None


def _blank_hit(d: Dyn, chars: frozenset[str], strings: list[str]) -> bool | None:
    """Whether a criterion made per trial meets an empty cell in every trial (``"<>"&x``
    of an x never empty, without errors), in none (no "<>", "=" or "" possible), or
    neither known (None)."""
    if not ("<" in chars and ">" in chars) and "=" not in chars \
            and not _may_be_empty(d.r, strings):
        return False
    parts = list(d.r[1]) if d.r[0] == "cat" else [d.r]
    first = parts[0]
    if first[0] == "c" and _ordering(first[1]):
        return False   # "<="&x, ">"&x: an ordering never meets an empty cell (nor an error)
    if d.e == "0" and first[0] == "c" and first[1].startswith("<>") and (
            len(first[1]) > 2 or (len(parts) > 1 and not _may_be_empty(("cat", tuple(parts[1:])),
                                                                    strings))):
        return True
    return None


def _ordering(head: str) -> bool:
    """Whether a criterion whose text starts with the constant ``head`` has the operator
    "<", "<=", ">" or ">=" whatever follows: ``_criteria.parse`` takes "<=" and ">=" first,
    then "<>", "<", ">"; "<" alone may yet become "<>" and is not known."""
    if head.startswith(("<=", ">=", ">")):
        return True
    return head.startswith("<") and len(head) > 1 and head[1] != ">"


def _lead_space(r: tuple, strings: list[str]) -> tuple[bool, bool]:
    """Whether a recipe's text may start with white space (str.isspace, as numpy's strip
    sees it), and whether it may be empty."""
    tag = r[0]
    if tag == "c":
        return (r[1][:1].isspace(), not r[1])
    if tag in ("n", "fmt"):
        return (False, False)
    if tag == "s":
        return (any(strings[k][:1].isspace() for k in r[2]), any(not strings[k] for k in r[2]))
    if tag == "cat":
        lead = False
        for part in r[1]:
            sp, empty = _lead_space(part, strings)
            lead = lead or sp
            if not empty:
                return (lead, False)
        return (lead, True)
    if tag == "if":
        (s1, e1), (s2, e2) = _lead_space(r[2], strings), _lead_space(r[3], strings)
        return (s1 or s2, e1 or e2)
    if tag in ("case", "left"):
        return (_lead_space(r[1], strings)[0], True)
    chars = _chars(r, strings)
    return (chars is None or any(ch.isspace() for ch in chars), True)

