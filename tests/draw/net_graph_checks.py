"""What a network diagram must say about the graph, checked against the walk (`cnncalc net`'s own
result), never against the diagram's code: every node in one box, every box reading exactly the
boxes that hold what its first node reads, shapes and parameters as `net` gives them, and a
layout whose arrows run right.

`wiring_errors` lists what is wrong (an empty list: nothing); the tests feed it correct diagrams
and diagrams with a wire changed, which it must catch.
"""

from __future__ import annotations

from cnncalc.arith.graph import INPUT
from cnncalc.arith.network import NetworkResult


def _inside(node_id: str, container: str, net: NetworkResult) -> bool:
    """Node `node_id` is held by `container` (a merge holds its own node too)."""
    if node_id == INPUT:
        return False
    node = net.graph.by_id[node_id]
    return container in node.path or (node_id == container and node.is_merge)


def _outside_sources(container: str, net: NetworkResult) -> list[str]:
    """The nodes a container's nodes read from outside it, in the order first read."""
    found: dict[str, None] = {}
    for node in net.graph.nodes:
        if node.kind == "block" or not _inside(node.id, container, net):
            continue
        for source in node.inputs:
            if not _inside(source, container, net):
                found[source] = None
    return list(found)


def wiring_errors(data: dict, net: NetworkResult) -> list[str]:
    """Everything in `draw net --json`'s `data` that disagrees with the walked graph `net`."""
    errors: list[str] = []
    graph = net.graph
    boxes = data["boxes"]
    collapsed = {b["ids"][0]: b["index"] for b in boxes if b["collapsed"]}
    holder: dict[str, int] = {}
    for b in boxes:
        for node_id in b["ids"]:
            if node_id in holder:
                errors.append(f"{node_id} is in boxes {holder[node_id]} and {b['index']}")
            holder[node_id] = b["index"]
    groups = {g["id"]: g for g in data["groups"]}
    for node in graph.nodes:
        hidden = any(c in collapsed for c in node.path)
        if node.kind == "block" and node.id not in collapsed and not hidden:
            if node.id not in groups:
                errors.append(f"block {node.id} is neither a group nor a box")
        elif node.kind != "block" and node.id not in holder:
            errors.append(f"node {node.id} is in no box")
    if holder.get(INPUT) != 0:
        errors.append("box 0 is not the input")

    def value_box(node_id: str) -> int | None:
        """The box a reader outside gets `node_id`'s value from."""
        for c, index in collapsed.items():
            if _inside(node_id, c, net):
                output = c if graph.by_id[c].is_merge else graph.by_id[c].output
                return index if node_id == output else None
        return holder.get(node_id)

    readers: dict[str, int] = {}
    for node in graph.nodes:
        if node.kind != "block":
            for source in node.inputs:
                readers[source] = readers.get(source, 0) + 1

    params = 0
    for b in boxes:
        if b["index"] == 0:
            continue
        first = b["ids"][0]
        if b["collapsed"]:
            expected = [value_box(s) for s in _outside_sources(first, net)]
            units = [first] + [i for i in b["ids"][1:] if not _inside(i, first, net)]
            value = first if graph.by_id[first].is_merge else graph.by_id[first].output
        else:
            expected = [value_box(s) for s in graph.by_id[first].inputs]
            units = list(b["ids"])
            value = first
        if b["inputs"] != expected:
            errors.append(f"box {b['index']} ({b['label']}) reads {b['inputs']}, the graph {expected}")
        labels = [net.by_id[first].describe()]
        for unit in units[1:]:
            node = graph.by_id[unit]
            if node.inputs != (value,):
                errors.append(f"box {b['index']}: {unit} joined it but reads {node.inputs}, not {value}")
            if readers.get(value, 0) != 1:
                errors.append(f"box {b['index']}: {unit} joined it but {value} has other readers too")
            labels.append(node.describe())
            value = unit
        if b["label"] != " + ".join(labels):
            errors.append(f"box {b['index']} is labelled {b['label']!r}, the graph {' + '.join(labels)!r}")
        for unit in units:
            shape = net.by_id[unit].output_shape
            if b["shape"] != (list(shape) if shape else None):
                errors.append(f"box {b['index']} shows {b['shape']}, {unit} gives {shape}")
        # a collapsed block's total as net's row; otherwise the layers' (a merge has none of its own)
        own = sum(
            net.by_id[u].total_params
            for u in units
            if (u == first and b["collapsed"]) or net.by_id[u].layer is not None
        )
        if b["params"] != own:
            errors.append(f"box {b['index']} shows {b['params']:,} parameters, the walk {own:,}")
        params += b["params"]
    if params != net.total_params or data["total_params"] != net.total_params:
        errors.append(f"the boxes hold {params:,} parameters, the network {net.total_params:,}")

    for gid, g in groups.items():
        row = net.by_id[gid]
        if g["params"] != row.total_params or g["shape"] != list(row.output_shape):
            errors.append(f"group {gid}: {g['params']}, {g['shape']} but net's row {row.total_params}")
        node = graph.by_id[gid]
        if node.is_merge and not g["collapsed"]:
            merge = boxes[holder[gid]]
            if len(g["branches"]) != len(node.inputs):
                errors.append(
                    f"group {gid} has {len(g['branches'])} branches, the merge reads {len(node.inputs)}"
                )
            for k, branch in enumerate(g["branches"]):
                if branch and (k >= len(merge["inputs"]) or merge["inputs"][k] not in branch):
                    errors.append(f"merge {gid}'s input {k} is not the end of its branch {branch}")

    cells = [(b["column"], b["lane"]) for b in boxes]
    if len(set(cells)) != len(cells):
        errors.append("two boxes share a cell")
    for b in boxes:
        for source in b["inputs"]:
            if source is None or boxes[source]["column"] >= b["column"]:
                errors.append(f"the arrow from box {source} to box {b['index']} does not run right")
    return errors
