"""Cycle finding for the dependency graphs the checks build (calc fields, composites)."""

from __future__ import annotations


def cycles(uses: dict[str, set[str]]) -> list[list[str]]:
    """Each group of calc fields that reach one another (a strongly connected component with a
    cycle), in field order; Tarjan's algorithm, linear in the size of the graph."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(uses.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in uses.get(node, ()):
                groups.append(group)

    for start in uses:
        if start not in index:
            connect(start)
    order = list(uses)
    return [sorted(group, key=order.index) for group in groups]
