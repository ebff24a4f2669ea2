"""The area tree's shape: walk down (subtrees) and up (ancestors).

A leaf module (it imports only the models), so manifests, scope checks and reports can use the tree
without importing ``services.areas``, which changes areas and therefore bumps manifests.
"""

from __future__ import annotations

from collections import defaultdict

from central.db import tuples_of

from ..models import Area


def _children_map() -> dict[int | None, list[int]]:
    children: dict[int | None, list[int]] = defaultdict(list)
    for area_id, parent_id in tuples_of(Area.select(Area.id, Area.parent)):
        children[parent_id].append(area_id)
    return children


def subtree_ids(area_id: int) -> set[int]:
    """``area_id`` and every area below it."""
    children = _children_map()
    out, stack = set(), [area_id]
    while stack:
        node = stack.pop()
        if node in out:
            continue
        out.add(node)
        stack.extend(children.get(node, ()))
    return out


def ancestor_ids(area_id: int) -> list[int]:
    """``area_id`` and its ancestors, nearest first."""
    return ancestor_path(area_id, dict(tuples_of(Area.select(Area.id, Area.parent))))


def ancestor_path(area_id: int, parents: dict[int, int | None]) -> list[int]:
    """``area_id`` and its ancestors, nearest first, from a child → parent map (cycles stop)."""
    out: list[int] = []
    node: int | None = area_id
    while node is not None and node not in out:
        out.append(node)
        node = parents.get(node)
    return out
