"""Where each box of a network diagram goes: columns left to right, branches in lanes.

A network spec's graph is built from sequences and merges: a sequence's items follow each other
in one lane, and a merge (`add`, `concat`) puts each of its branches in a lane of its own, one
under the other in the order of the merge's inputs, between the box they all read (the fork) and
the merge's box, which goes in the column after the longest branch, in the merge's first lane:

    column    0       1            2           3
    lane 0    conv ─┬─ conv+bn ──── conv+bn ─┬─ add
    lane 1          └──────────────────────────┘          (the identity: an empty lane)

An identity branch is an empty cell, so its arrow runs along a lane of its own. A block is drawn
open, as the sequence it holds, or, when collapsed, as one box.

Every arrow runs right from its source, turns in the gap after the source's column to its `via`
lane, runs along that lane and turns in the gap before its target's column into the target. For
a merge's input k, `via` is branch k's lane, which is empty from the branch's last box to the
merge; for every other box, the arrow joins neighbouring columns. `lay_out` checks that no arrow
runs through a box and refuses the diagram if one would, rather than draw a wrong picture.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.graph import INPUT, id_key
from cnncalc.arith.network_view import ContainerView, NetworkView
from cnncalc.i18n import _


@dataclass(frozen=True)
class Lanes:
    """The cell (column, lane) of every box; for every input of every box, the lane its arrow runs
    along; for every open merge, the boxes of each branch (an identity's is empty)."""

    cells: tuple[tuple[int, int], ...]
    via: tuple[tuple[int, ...], ...]
    branches: Mapping[str, tuple[tuple[int, ...], ...]]
    lanes: int


class _Placer:
    def __init__(
        self,
        view: NetworkView,
        collapsed: frozenset[str],
        box_of: Mapping[str, int],
        inputs: Sequence[Sequence[int]],
    ) -> None:
        self.containers: dict[str, ContainerView] = {c.id: c for c in view.containers}
        self.collapsed = collapsed
        self.box_of = box_of
        self.inputs = inputs
        self.kids: dict[str, list[str]] = {}
        for node in view.nodes[1:]:
            self.kids.setdefault(node.path[-1] if node.path else "", []).append(node.id)
        for c in view.containers:
            if c.kind == "block":
                self.kids.setdefault(c.path[-1] if c.path else "", []).append(c.id)
        for items in self.kids.values():
            items.sort(key=id_key)
        self.cells: dict[int, tuple[int, int]] = {}
        self.order: list[int] = []
        self.via: dict[int, list[int]] = {}
        self.branches: dict[str, tuple[tuple[int, ...], ...]] = {}

    def sequence(self, items: Sequence[str], column: int, lane: int) -> tuple[int, int]:
        """Place items one after the other from `column` in `lane`; their width and height in cells."""
        width, height = 0, 1
        for item in items:
            w, h = self.item(item, column + width, lane)
            width += w
            height = max(height, h)
        return width, height

    def item(self, item: str, column: int, lane: int) -> tuple[int, int]:
        container = self.containers.get(item)
        if container is None or item in self.collapsed:
            box = self.box_of[item]
            if box in self.cells:  # a layer that joined the box before it
                return 0, 1
            self.place(box, column, lane)
            return 1, 1
        if container.kind == "block":
            return self.sequence(self.kids.get(item, []), column, lane)
        return self.merge(container, column, lane)

    def merge(self, merge: ContainerView, column: int, lane: int) -> tuple[int, int]:
        width, height = 1, 0
        lanes: list[int] = []
        boxes: list[tuple[int, ...]] = []
        for branch in merge.branches:
            lanes.append(lane + height)
            before = len(self.order)
            w, h = self.sequence(branch, column, lane + height) if branch else (1, 1)
            boxes.append(tuple(self.order[before:]))
            width, height = max(width, w), height + h
        box = self.box_of[merge.id]
        self.place(box, column + width, lane)
        self.via[box] = lanes
        self.branches[merge.id] = tuple(boxes)
        return width + 1, height

    def place(self, box: int, column: int, lane: int) -> None:
        self.cells[box] = (column, lane)
        self.order.append(box)
        self.via[box] = [lane] * len(self.inputs[box])


def lay_out(
    view: NetworkView,
    collapsed: frozenset[str],
    box_of: Mapping[str, int],
    inputs: Sequence[Sequence[int]],
) -> Lanes:
    """Place every box; `box_of` maps the input, every layer and merge id, and every collapsed
    container's id to its box, and `inputs[b]` are the boxes box b reads."""
    placer = _Placer(view, collapsed, box_of, inputs)
    _width, height = placer.sequence([INPUT, *placer.kids.get("", [])], 0, 0)
    count = len(inputs)
    if len(placer.cells) != count:
        missing = sorted(set(range(count)) - set(placer.cells))
        raise CnnCalcError(
            _("cannot draw this network: boxes {boxes} have no place in the layout"),
            boxes=", ".join(map(str, missing)),
        )
    cells = tuple(placer.cells[b] for b in range(count))
    via = tuple(tuple(placer.via[b]) for b in range(count))
    _check_arrows(cells, via, inputs)
    return Lanes(cells, via, placer.branches, height)


def _check_arrows(
    cells: Sequence[tuple[int, int]], via: Sequence[Sequence[int]], inputs: Sequence[Sequence[int]]
) -> None:
    """Every arrow goes right and runs along its lane through empty cells only."""
    taken = set(cells)
    for box, sources in enumerate(inputs):
        column = cells[box][0]
        for source, lane in zip(sources, via[box], strict=True):
            start = cells[source][0]
            if start >= column or any((c, lane) in taken for c in range(start + 1, column)):
                raise CnnCalcError(
                    _(
                        "cannot draw this network: the arrow from box {source} to box {box} would run "
                        "through another box"
                    ),
                    source=source,
                    box=box,
                )
