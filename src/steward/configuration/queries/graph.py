"""The impact graph picture on a CI page: the CI in the middle, what it runs on to the
left, what depends on it (up to the business services) to the right.

Nodes are placed in columns by their distance from the CI, found level by level over
current relationships (one query per level, so the picture costs at most ``2 * depth``
queries). Each side is capped so a CI with thousands of dependants still draws a readable
picture; the caption says how many were left out. The full lists stay in the impact
section and in ``/api/v1/cis/{id}/impact/``.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from steward.configuration.models import ConfigurationItem, Relationship

MAX_DEPTH = 3
MAX_PER_COLUMN = 8

NODE_W, NODE_H = 150, 40
COL_GAP, ROW_GAP = 40, 12
PAD = 16


@dataclass
class Node:
    ci: ConfigurationItem
    column: int  # 0 is the CI itself; negative: it runs on these; positive: these depend on it
    x: int = 0
    y: int = 0

    @property
    def label(self) -> str:
        name = self.ci.name
        return name if len(name) <= 20 else name[:19] + "…"

    @property
    def kind(self) -> str:
        if self.column == 0:
            return "self"
        return "service" if self.ci.service_id else "ci"

    @property
    def cx_left(self) -> int:
        return self.x

    @property
    def cx_right(self) -> int:
        return self.x + NODE_W

    @property
    def cy(self) -> int:
        return self.y + NODE_H // 2


@dataclass
class Edge:
    source: Node
    target: Node
    label: str

    @property
    def path(self) -> str:
        """A curve from the node nearer the CI's left side to the other one."""
        left, right = sorted((self.source, self.target), key=lambda n: n.x)
        x1, y1, x2, y2 = left.cx_right, left.cy, right.cx_left, right.cy
        mid = (x1 + x2) // 2
        return f"M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}"

    @property
    def arrow_at_left(self) -> bool:
        """The arrow points from source to target ("app runs on server")."""
        return self.target.x < self.source.x


@dataclass
class Picture:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    width: int = 0
    height: int = 0
    left_out: int = 0
    depth_cut: bool = False


def _levels(ci_id: int, *, upstream: bool) -> tuple[list[list[int]], int, bool]:
    """Ids by distance from ``ci_id``: dependants (``upstream``) or what it runs on."""
    seen = {ci_id}
    frontier = [ci_id]
    levels: list[list[int]] = []
    left_out = 0
    for _depth in range(MAX_DEPTH):
        links = Relationship.objects.filter(
            valid_to__isnull=True, type__impact_flows_to_source=True
        )
        if upstream:
            found = links.filter(target_id__in=frontier).values_list("source_id", flat=True)
        else:
            found = links.filter(source_id__in=frontier).values_list("target_id", flat=True)
        new = sorted(set(found) - seen)
        if not new:
            return levels, left_out, False
        seen.update(new)
        levels.append(new[:MAX_PER_COLUMN])
        left_out += max(0, len(new) - MAX_PER_COLUMN)
        frontier = new
    links = Relationship.objects.filter(valid_to__isnull=True, type__impact_flows_to_source=True)
    side = "target_id" if upstream else "source_id"
    more = links.filter(**{f"{side}__in": frontier}).exists()
    return levels, left_out, more


def impact_picture(ci: ConfigurationItem) -> Picture:
    """Lay out the CI's neighbourhood as columns of boxes joined by current relationships."""
    up, up_out, up_cut = _levels(ci.pk, upstream=True)
    down, down_out, down_cut = _levels(ci.pk, upstream=False)
    columns: dict[int, list[int]] = {0: [ci.pk]}
    for depth, ids in enumerate(up, start=1):
        columns[depth] = ids
    for depth, ids in enumerate(down, start=1):
        columns[-depth] = ids
    all_ids = [i for ids in columns.values() for i in ids]
    items = {
        item.pk: item
        for item in ConfigurationItem.objects.filter(pk__in=all_ids).select_related("ci_class")
    }
    first_column = min(columns)
    tallest = max(len(ids) for ids in columns.values())
    height = PAD * 2 + tallest * NODE_H + (tallest - 1) * ROW_GAP
    nodes: dict[int, Node] = {}
    for column in sorted(columns):
        ids = sorted(columns[column], key=lambda i: (items[i].name, items[i].number))
        block = len(ids) * NODE_H + (len(ids) - 1) * ROW_GAP
        top = (height - block) // 2
        for row, item_id in enumerate(ids):
            nodes[item_id] = Node(
                ci=items[item_id],
                column=column,
                x=PAD + (column - first_column) * (NODE_W + COL_GAP),
                y=top + row * (NODE_H + ROW_GAP),
            )
    edges = [
        Edge(nodes[r.source_id], nodes[r.target_id], r.type.name)
        for r in Relationship.objects.filter(
            valid_to__isnull=True, source_id__in=nodes, target_id__in=nodes
        ).select_related("type")
        # Only links between neighbouring columns: the picture reads left to right.
        if abs(nodes[r.source_id].column - nodes[r.target_id].column) == 1
    ]
    width = PAD * 2 + len(columns) * NODE_W + (len(columns) - 1) * COL_GAP
    ordered = sorted(nodes.values(), key=lambda n: (n.column, n.y))
    return Picture(
        nodes=ordered,
        edges=edges,
        width=width,
        height=height,
        left_out=up_out + down_out,
        depth_cut=up_cut or down_cut,
    )


def columns_of(picture: Picture) -> dict[int, list[Node]]:
    grouped: dict[int, list[Node]] = defaultdict(list)
    for node in picture.nodes:
        grouped[node.column].append(node)
    return dict(grouped)
