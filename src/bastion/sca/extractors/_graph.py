"""Dependency paths ("why is this here?") from a lockfile's graph: one BFS per file.

Every lockfile format with a graph needs the same walk; only how a package's key and
name are found differs, so formats pass their own keys and a function to name them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

# Real dependency graphs are a few dozen levels deep. A crafted chain of thousands would
# otherwise cost quadratic time and memory in the paths; deeper packages get no path.
MAX_PATH_LENGTH = 64


def shortest_paths(
    roots: Iterable[K],
    children: Callable[[K], Iterable[K]],
    name: Callable[[K], str],
    max_length: int = MAX_PATH_LENGTH,
) -> dict[K, tuple[str, ...]]:
    """For every package reachable from ``roots``: the names on one shortest path, from
    the root (a direct dependency) down to the package itself."""
    parent: dict[K, K | None] = {}
    queue: deque[K] = deque()
    for root in roots:
        if root not in parent:
            parent[root] = None
            queue.append(root)
    while queue:
        current = queue.popleft()
        for child in children(current):
            if child not in parent:
                parent[child] = current
                queue.append(child)
    paths: dict[K, tuple[str, ...]] = {}
    for node, via in parent.items():  # BFS order: a parent's path is known first
        base = paths.get(via) if via is not None else ()
        if base is not None and len(base) < max_length:
            paths[node] = (*base, name(node))
    return paths
