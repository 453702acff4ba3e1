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
