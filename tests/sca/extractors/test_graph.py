from __future__ import annotations

from bastion.sca.extractors._graph import shortest_paths


def test_shortest_paths_follow_bfs_and_tolerate_cycles() -> None:
    edges = {"app": ["b", "c"], "b": ["d"], "c": ["d", "app"], "d": ["b"]}
    paths = shortest_paths(["app"], lambda n: edges.get(n, ()), str.upper)
    assert paths == {
        "app": ("APP",),
        "b": ("APP", "B"),
        "c": ("APP", "C"),
        "d": ("APP", "B", "D"),
    }


def test_unreachable_packages_have_no_path() -> None:
    assert shortest_paths(["a"], lambda n: (), str) == {"a": ("a",)}


def test_a_crafted_deep_chain_is_cut_not_quadratic() -> None:
    size = 50_000
    paths = shortest_paths([0], lambda n: (n + 1,) if n + 1 < size else (), str, max_length=64)
    assert len(paths[63]) == 64
    assert 64 not in paths
    assert len(paths) == 64
