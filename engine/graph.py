"""Dependency graph algorithms over cells: reachability, topological order, cycles."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

import numpy as np

T = TypeVar("T", bound=Hashable)


def reachable(starts: Iterable[T], edges: Callable[[T], Iterable[T]]) -> set[T]:
    """All nodes reachable from ``starts`` (included) following ``edges``."""
    seen: set[T] = set()
    stack = list(starts)
    while stack:
        x = stack.pop()
        if x in seen:
            continue
        seen.add(x)
        stack.extend(y for y in edges(x) if y not in seen)
    return seen


def topological_order(nodes: Iterable[T], deps: Callable[[T], Iterable[T]]
                      ) -> tuple[list[T], list[list[T]]]:
    """Order ``nodes`` so that every node comes after its dependencies (those among ``nodes``).

    Returns the order of the acyclic part and the cycles found (strongly connected components
    with more than one node, or a node depending on itself), each as a list of nodes.
    Nodes in or downstream of a cycle are left out of the order.

    Nodes are numbered and the edges held as arrays of int32 (users of each node in CSR form),
    so a 10^6-cell workbook costs a few bytes an edge here rather than a list and a dict entry
    per cell.  Kahn's algorithm; nodes ready together come out in the order given.
    """
    nodes = list(nodes)
    n = len(nodes)
    index = {x: i for i, x in enumerate(nodes)}
    edge_from, edge_to = array("i"), array("i")  # dependency -> dependent
    indeg = [0] * n
    for i, x in enumerate(nodes):
        ds = deps(x)
        if not ds:
            continue
        got = [j for d in ds if (j := index.get(d)) is not None]
        if len(got) > 1:
            got = list(dict.fromkeys(got))
        for j in got:
            edge_from.append(j)
            edge_to.append(i)
        indeg[i] = len(got)
    del index
    frm = np.frombuffer(edge_from, dtype=np.int32) if edge_from else np.zeros(0, np.int32)
    to = np.frombuffer(edge_to, dtype=np.int32) if edge_to else np.zeros(0, np.int32)
    users = array("i", to[np.argsort(frm, kind="stable")].tobytes())
    ptr = array("q", np.concatenate([[0], np.cumsum(np.bincount(frm, minlength=n))])
                .astype(np.int64).tobytes())
    del edge_from, edge_to, frm, to
    ready = [i for i in range(n) if indeg[i] == 0]
    ready.reverse()
    order: list[T] = []
    while ready:
        i = ready.pop()
        order.append(nodes[i])
        for k in range(ptr[i], ptr[i + 1]):
            u = users[k]
            indeg[u] -= 1
            if indeg[u] == 0:
                ready.append(u)
    if len(order) == n:
        return order, []
    rest = [nodes[i] for i in range(n) if indeg[i] > 0]
    return order, strongly_connected_cycles(rest, deps)


def strongly_connected_cycles(nodes: list[T], deps: Callable[[T], Iterable[T]]) -> list[list[T]]:
    """Tarjan's algorithm, iterative; returns the components that form cycles."""
    node_set = set(nodes)
    index: dict[T, int] = {}
    low: dict[T, int] = {}
    on_stack: set[T] = set()
    stack: list[T] = []
    out: list[list[T]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter([d for d in deps(root) if d in node_set]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter([d for d in deps(w) if d in node_set])))
                    advanced = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1 or v in set(deps(v)):
                    out.append(sorted(comp))  # type: ignore[type-var]
    return out
