"""Dependency graph algorithms over cells: reachability, topological order, cycles."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

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
    """
    nodes = list(nodes)
    node_set = set(nodes)
    dep_map = {x: [d for d in deps(x) if d in node_set] for x in nodes}
    indeg = {x: 0 for x in nodes}
    users: dict[T, list[T]] = {x: [] for x in nodes}
    for x, ds in dep_map.items():
        for d in set(ds):
            indeg[x] += 1
            users[d].append(x)
    ready = [x for x in nodes if indeg[x] == 0]
    ready.reverse()
    order: list[T] = []
    while ready:
        x = ready.pop()
        order.append(x)
        for u in users[x]:
            indeg[u] -= 1
            if indeg[u] == 0:
                ready.append(u)
    if len(order) == len(nodes):
        return order, []
    rest = [x for x in nodes if indeg[x] > 0]
    return order, strongly_connected_cycles(rest, lambda x: dep_map[x])


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
