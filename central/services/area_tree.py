"""The area tree's shape: walk down (subtrees) and up (ancestors).

A leaf module (it imports only the models), so manifests, scope checks and reports can use the tree
without importing ``services.areas``, which changes areas and therefore bumps manifests.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

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


def heads(base_id: int | None) -> dict[int, int]:
    """Every area id under ``base_id`` → the child of ``base_id`` it lies under (``base_id`` itself for
    ``base_id``); with no base, every area → its root. Areas outside ``base_id`` are left out."""
    parents: dict[int, int | None] = dict(tuples_of(Area.select(Area.id, Area.parent)))
    out: dict[int, int] = {}
    for area_id in parents:
        path = ancestor_path(area_id, parents)  # nearest first, up to the root
        if base_id is None:
            out[area_id] = path[-1]
        elif base_id in path:
            at = path.index(base_id)
            out[area_id] = path[at - 1] if at >= 1 else base_id
    return out


def whole_tree(area: Area | None) -> bool:
    """True for no area or the tree's only root: every area, and so every station, lies under it."""
    if area is None:
        return True
    return area.parent_id is None and Area.select().where(Area.parent.is_null()).count() == 1


def within(query: Any, area_field: Any, area: Area | None) -> Any:
    """``query`` limited to rows whose ``area_field`` lies under ``area``; no list of every area to send
    for the whole tree."""
    if whole_tree(area):
        return query
    assert area is not None
    return query.where(area_field.in_(sorted(subtree_ids(area.id))))
