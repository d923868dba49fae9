"""The network around a record: its links two steps out, laid out in rings and drawn as SVG.

``gather`` walks the links through the caller's ``RecordStore`` (so hidden records and
links to them never appear); ``layout`` is pure and deterministic: the record in the
middle, its neighbours on a first ring, theirs on a second, each in the sector of the
neighbour that reached it, ordered by kind and label.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from kalkan.errors import NotFound
from kalkan.model.records import Link, StoredModel
from kalkan.store.records import RecordStore

MAX_NODES = 60
RING = 170.0
LABEL_LENGTH = 28


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    label: str
    kind: str
    depth: int
    parent: str | None


@dataclass(frozen=True, slots=True)
class Edge:
    id: str
    source: str
    target: str
    link_type: str


@dataclass
class Graph:
    centre: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[str, Edge] = field(default_factory=dict)
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class PlacedNode:
    node: Node
    x: float
    y: float
    short_label: str


@dataclass(frozen=True, slots=True)
class Drawing:
    width: float
    height: float
    nodes: list[PlacedNode]
    lines: list[tuple[Edge, PlacedNode, PlacedNode]]


def _label(record: StoredModel) -> str:
    return record.label()


def gather(store: RecordStore, record_id: str, depth: int = 2, max_nodes: int = MAX_NODES) -> Graph:
    centre = store.get(record_id)
    graph = Graph(centre=centre.id)
    graph.nodes[centre.id] = Node(centre.id, _label(centre), centre.kind.value, 0, None)
    frontier = [centre.id]
    for level in range(1, depth + 1):
        next_frontier: list[str] = []
        for current in frontier:
            for link in store.links_of(current):
                if not isinstance(link, Link):  # pragma: no cover - links_of answers links
                    continue
                graph.edges[link.id] = Edge(link.id, link.source_id, link.target_id, link.link_type.value)
                other = link.target_id if link.source_id == current else link.source_id
                if other in graph.nodes:
                    continue
                if len(graph.nodes) >= max_nodes:
                    graph.truncated = True
                    continue
                try:
                    neighbour = store.get(other)
                except NotFound:  # pragma: no cover - links_of shows only links whose ends the caller may see
                    continue
                graph.nodes[other] = Node(other, _label(neighbour), neighbour.kind.value, level, current)
                next_frontier.append(other)
        frontier = next_frontier
    graph.edges = {k: e for k, e in graph.edges.items() if e.source in graph.nodes and e.target in graph.nodes}
    return graph


def _short(label: str) -> str:
    return label if len(label) <= LABEL_LENGTH else label[: LABEL_LENGTH - 1] + "…"


def layout(graph: Graph) -> Drawing:
    """Rings around the centre; the same graph always gets the same drawing."""
    order = sorted(graph.nodes.values(), key=lambda n: (n.depth, n.kind, n.label, n.id))
    first = [n for n in order if n.depth == 1]
    placed: dict[str, PlacedNode] = {}
    centre = graph.nodes[graph.centre]
    placed[centre.id] = PlacedNode(centre, 0.0, 0.0, _short(centre.label))
    sector = 2 * math.pi / max(len(first), 1)
    for i, node in enumerate(first):
        angle = -math.pi / 2 + i * sector
        placed[node.id] = PlacedNode(node, RING * math.cos(angle), RING * math.sin(angle), _short(node.label))
        children = [n for n in order if n.depth == 2 and n.parent == node.id]
        for j, child in enumerate(children):
            spread = sector * 0.8
            child_angle = angle - spread / 2 + spread * (j + 0.5) / len(children)
            radius = 2 * RING + (j % 2) * 40.0
            placed[child.id] = PlacedNode(child, radius * math.cos(child_angle), radius * math.sin(child_angle), _short(child.label))
    extent = max((max(abs(p.x), abs(p.y)) for p in placed.values()), default=0.0) + 120.0
    shifted = {k: PlacedNode(p.node, round(p.x + extent, 1), round(p.y + extent, 1), p.short_label) for k, p in placed.items()}
    lines = [(e, shifted[e.source], shifted[e.target]) for e in sorted(graph.edges.values(), key=lambda e: e.id)]
    nodes = sorted(shifted.values(), key=lambda p: (p.node.depth, p.node.kind, p.node.label, p.node.id))
    return Drawing(width=round(2 * extent, 1), height=round(2 * extent, 1), nodes=nodes, lines=lines)
