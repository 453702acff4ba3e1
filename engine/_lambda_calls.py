"""A call's result called in turn: ``LAMBDA(x, x+1)(1)``, ``f(2)(3)`` (private to
:mod:`engine.ir`).  pycel's parser cannot read a call followed by an argument list, so the
formula's tokens are rewritten first: ``_LAMBDACALL(LAMBDA(x, x+1), 1)``, which the IR builder
binds as LET does (or :mod:`engine.functions.lambdas` calls at run time).  Only tokens are
rewritten: text inside strings and sheet names is never touched.
"""

from __future__ import annotations

import re

# a function's result called with arguments: LAMBDA(x, x+1)(1)
CALLED_RESULT = re.compile(r"\)\s*\(")
LAMBDA_CALL = "_LAMBDACALL"  # engine.functions.lambdas.CALL


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
