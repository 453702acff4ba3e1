"""Formula text pycel's parser cannot read, rewritten on its tokens first (private to
:mod:`engine.ir`); only tokens are rewritten, text inside strings and sheet names never is.

* A call's result called in turn, ``LAMBDA(x, x+1)(1)``, ``f(2)(3)``: written
  ``_LAMBDACALL(LAMBDA(x, x+1), 1)``, which the IR builder binds as LET does (or
  :mod:`engine.functions.lambdas` calls at run time).
* A range between two calls, ``OFFSET(A1,1,1):OFFSET(A1,5,1)``,
  ``INDIRECT("B2"):INDIRECT("B6")``: written ``_RANGEOP(OFFSET(A1,1,1), OFFSET(A1,5,1))``,
  which the IR builder turns back into the range operator.
"""

from __future__ import annotations

import re

# a function's result called with arguments: LAMBDA(x, x+1)(1)
CALLED_RESULT = re.compile(r"\)\s*\(")
LAMBDA_CALL = "_LAMBDACALL"  # engine.functions.lambdas.CALL
RANGE_OF_CALLS = re.compile(r"\)\s*:")
RANGE_OP = "_RANGEOP"


def rewritten(text: str) -> str:
    """``text`` with the forms above rewritten (unchanged when it holds none)."""
    if CALLED_RESULT.search(text):
        text = called_results(text)
    if RANGE_OF_CALLS.search(text):
        text = ranges_of_calls(text)
    return text


def ranges_of_calls(text: str) -> str:
    """``f(...):g(...)`` (or ``f(...):A1``) as ``_RANGEOP(f(...),g(...))``: the tokenizer
    puts an empty operand between the call and ``:``, which pycel's parser refuses."""
    from pycel.excelformula import Token, Tokenizer

    try:
        items = list(Tokenizer(text).items)
    except Exception:  # the parser reports it
        return text
    opens: list[int] = []
    starts: dict[int, int] = {}    # a call's close token -> its open token
    ends: dict[int, int] = {}      # a call's open token -> its close token
    for i, t in enumerate(items):
        if t.type == Token.FUNC and t.subtype == Token.OPEN:
            opens.append(i)
        elif t.type == Token.FUNC and t.subtype == Token.CLOSE and opens:
            starts[i] = opens.pop()
            ends[starts[i]] = i
    out = [t.value for t in items]
    changed = False
    for i in range(1, len(items) - 2):
        t, colon, right = items[i], items[i + 1], items[i + 2]
        if not (t.type == Token.OPERAND and t.subtype == Token.RANGE and t.value == ""
                and i - 1 in starts and colon.value == ":" and colon.type == Token.OP_IN):
            continue
        if right.type == Token.FUNC and right.subtype == Token.OPEN and i + 2 in ends:
            last = ends[i + 2]
        elif right.type == Token.OPERAND and right.subtype == Token.RANGE and right.value:
            last = i + 2
        else:
            continue
        out[starts[i - 1]] = f"{RANGE_OP}(" + out[starts[i - 1]]
        out[i + 1] = ","
        out[last] += ")"
        changed = True
    return "=" + "".join(out) if changed else text


def called_results(text: str) -> str:
    """``LAMBDA(x,x+1)(1)`` (a call's result called, which pycel cannot parse) rewritten on
    its tokens as ``_LAMBDACALL(LAMBDA(x,x+1),1)``; other text unchanged."""
    from pycel.excelformula import Token, Tokenizer

    try:
        items = list(Tokenizer(text).items)
    except Exception:  # the parser reports it
        return text
    opens: list[int] = []          # positions of open function tokens
    starts: dict[int, int] = {}    # close token position -> its open token position
    for i, t in enumerate(items):
        if t.type == Token.FUNC and t.subtype == Token.OPEN:
            opens.append(i)
        elif t.type == Token.FUNC and t.subtype == Token.CLOSE and opens:
            starts[i] = opens.pop()
    out: list[str] = [t.value for t in items]
    changed = False
    parens: list[int] = []  # per open parenthesis: where its call starts (-1: not a call)
    for i, t in enumerate(items):
        if t.type == Token.PAREN and t.subtype == Token.CLOSE:
            start = parens.pop() if parens else -1
            if start >= 0:  # f(1)(2)(3): the call f(1)(2) is called in turn
                starts[i] = start
            continue
        if not (t.type == Token.PAREN and t.subtype == Token.OPEN):
            continue
        prev = i - 1
        while prev >= 0 and items[prev].type == Token.WSPACE:
            prev -= 1
        if prev not in starts:  # an ordinary parenthesis
            parens.append(-1)
            continue
        parens.append(starts[prev])
        # f(...)(args) -> _LAMBDACALL(f(...), args): the parenthesis closing args closes it
        out[starts[prev]] = f"{LAMBDA_CALL}(" + out[starts[prev]]
        nxt = i + 1
        while nxt < len(items) and items[nxt].type == Token.WSPACE:
            nxt += 1
        empty = nxt < len(items) and items[nxt].type == Token.PAREN \
            and items[nxt].subtype == Token.CLOSE
        out[i] = "" if empty else ","
        changed = True
    if not changed:
        return text
    return "=" + "".join(out)
