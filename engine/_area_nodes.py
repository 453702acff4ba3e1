"""Ranges of many formula cells as one node of the dependency graph, for ordering.

A cell's dependency list holds every formula cell of each range it reads
(``Model._static_deps``), so a column ranked against itself
(``=RANK.AVG(H3,$H$3:$H$10273,1)`` down 10,271 rows: ys98110 valuation AMD_markov_returns)
gives 10,271 x 10,271 = 105 million edges, and ordering them never finished.  Here a range
whose formula cells are many (``AREA_NODE_FROM``) becomes one node: the cells reading it depend
on the node, the node on the range's cells, 2 x 10,271 edges.  The order of the cells (the
nodes taken out again) is a topological order of the same dependencies; the cycles are the
same cells (a cell reading a range that holds it is a cycle of itself and the range's node).
Workbooks of fewer edges (``EDGES_DIRECT_UP_TO``) keep the plain graph and its order.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

from .graph import reachable, topological_order

AREA_NODE_FROM = 1024          # formula cells of a range made one node from this many
EDGES_DIRECT_UP_TO = 2_000_000  # dependency lists of at most this many cells in all: as is


class AreaNode:
    """The formula cells of one range, as one node of the graph."""

    __slots__ = ("area", "cells")

    def __init__(self, area: Any, cells: list) -> None:
        self.area, self.cells = area, cells

    def __repr__(self) -> str:
        return f"AreaNode({self.area!r}, {len(self.cells)} cells)"

    # a cycle's nodes are sorted (graph.strongly_connected_cycles): after every cell
    def __lt__(self, other: object) -> bool:
        return isinstance(other, AreaNode) and id(self) < id(other)

    def __gt__(self, other: object) -> bool:
        return not isinstance(other, AreaNode) or id(self) > id(other)


class AreaGraph:
    """``deps`` with each run of a dependency list that is the formula cells of a range of
    ``areas`` (range -> its formula cells, as ``Model._formulas_in`` lists and keeps them) of
    at least ``AREA_NODE_FROM`` cells replaced by that range's :class:`AreaNode`, made when a
    node is first asked for (ranges added to ``areas`` meanwhile are taken in)."""

    def __init__(self, deps: Callable[[Any], Sequence], areas: dict[Any, list]) -> None:
        self.plain, self.areas = deps, areas
        self.starts: dict[Hashable, list[AreaNode]] = {}
        self.taken = 0          # ranges of ``areas`` looked at
        self.short: dict[Any, list] = {}
        self.used: dict[int, AreaNode] = {}

    def _take_new(self) -> None:
        if len(self.areas) == self.taken:
            return
        for area, cells in itertools.islice(self.areas.items(), self.taken, None):
            if len(cells) >= AREA_NODE_FROM:
                self.starts.setdefault(cells[0], []).append(AreaNode(area, cells))
        self.taken = len(self.areas)

    def deps(self, x: Any) -> Sequence:
        if isinstance(x, AreaNode):
            return x.cells
        got = self.short.get(x)
        if got is not None:
            return got
        ds = self.plain(x)
        if len(ds) < AREA_NODE_FROM:
            return ds
        self._take_new()
        for node in self.starts.get(ds[0], ()):
            if node.cells is ds:   # a range's list itself (Model._one_area): its node
                self.used[id(node)] = node
                self.short[x] = out = [node]
                return out
        out: list = []
        i = 0
        while i < len(ds):
            for node in self.starts.get(ds[i], ()):
                k = len(node.cells)
                if ds[i:i + k] == node.cells:
                    out.append(node)
                    self.used[id(node)] = node
                    i += k
                    break
            else:
                out.append(ds[i])
                i += 1
        self.short[x] = out
        return out


def area_graph(nodes: list, deps: Callable[[Any], Sequence], areas: dict[Any, list]
               ) -> tuple[list, Callable[[Any], Sequence]] | None:
    """``nodes`` and ``deps`` for ordering with :class:`AreaGraph`'s range nodes (added to
    the nodes); None when the dependency lists are short in all or no range is that large."""
    if sum(len(deps(x)) for x in nodes) <= EDGES_DIRECT_UP_TO:
        return None
    graph = AreaGraph(deps, areas)
    for x in nodes:
        graph.deps(x)
    if not graph.used:
        return None
    return nodes + list(graph.used.values()), graph.deps


def reach(starts: Iterable[Any], deps: Callable[[Any], Sequence], areas: dict[Any, list]
          ) -> set:
    """``graph.reachable(starts, deps)`` following :class:`AreaGraph`'s range nodes (left out
    of the result): a cell reading a range of 10,271 formula cells is one step to it."""
    got = reachable(starts, AreaGraph(deps, areas).deps)
    return {x for x in got if not isinstance(x, AreaNode)}


def ordered(nodes: list, deps: Callable[[Any], Sequence], areas: dict[Any, list]
            ) -> tuple[list, list[list]]:
    """``graph.topological_order(nodes, deps)``, with range nodes where the edges are many."""
    graph = area_graph(nodes, deps, areas)
    if graph is None:
        return topological_order(nodes, deps)
    return without_area_nodes(*topological_order(*graph))


def without_area_nodes(order: list, cycles: list[list]) -> tuple[list, list[list]]:
    """The order and cycles of :func:`area_graph`'s graph, its range nodes left out."""
    order = [x for x in order if not isinstance(x, AreaNode)]
    cycles = [c for c in ([x for x in cyc if not isinstance(x, AreaNode)] for cyc in cycles) if c]
    return order, cycles
