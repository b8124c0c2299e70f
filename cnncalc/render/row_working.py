"""The working of one row of a network as data: what `cnncalc net --explain ID` shows, for `--json`.

A row's steps, grouped as the text groups them (output shape, parameters, MACs, receptive field,
other) and in the same order, each step as every `--json` writes one (`Step.to_dict()`: label,
formula, substituted, value, why, notes, text), then the row's notes:

>>> from cnncalc.arith.network import walk
>>> from cnncalc.arith.spec import parse_spec
>>> net = walk(parse_spec("input 1x28x28 | conv 8 k=3"))
>>> [(g.name, [s.label for s in g.steps]) for g in row_working(net, net.rows[0])]
[('shape', ['H_out', 'W_out']), ('parameters', ['weights', 'biases', 'total']), ('macs', ['MACs', 'FLOPs']), ('receptive_field', ['RF_H', 'RF_W'])]

`cnncalc.render.network.explain_layer` prints these groups: the one home of how a row's working
is grouped, for the text and the JSON alike.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, NamedTuple

from cnncalc.arith.params import flops_step
from cnncalc.arith.parsing import fmt_axes
from cnncalc.arith.steps import Step, notes_once
from cnncalc.i18n import N_, _, translated

if TYPE_CHECKING:
    from cnncalc.arith.network import LayerResult, NetworkResult

# the groups of a row's working, in the order shown
SHAPE, PARAMETERS, MACS, FIELD, OTHER = (
    N_("Output shape"),
    N_("Parameters"),
    "MACs",
    N_("Receptive field"),
    N_("Other"),
)
_SHAPE_LABELS = r"^([LDHW]_out|p_[LDHW].*|features|output)$"
# the labels of the parameter steps, as `params` writes them (in the language: translated())
_PARAM_LABELS = (N_("weights"), N_("biases"), N_("total"), N_("parameters"))


def is_shape_step(label: str) -> bool:
    """A step of the output shape: `H_out`, a padding, or the features or output (their labels are
    words, said in the language)."""
    return bool(re.match(_SHAPE_LABELS, label)) or label in (_("features"), _("output"))


# each group's key in the JSON, whatever the language its title is said in
GROUP_KEYS = {
    SHAPE: "shape",
    PARAMETERS: "parameters",
    MACS: "macs",
    FIELD: "receptive_field",
    OTHER: "other",
}


class WorkingGroup(NamedTuple):
    """One group of a row's working: its key (`shape`, `parameters`, `macs`, `receptive_field`,
    `other`), its title as the text says it, and its steps."""

    name: str
    title: str
    steps: tuple[Step, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"group": self.name, "title": self.title, "steps": [s.to_dict() for s in self.steps]}


def row_working(net: NetworkResult, lr: LayerResult) -> tuple[WorkingGroup, ...]:
    """The groups of a row's working that have steps, in the order `--explain` shows them."""
    groups = _container_steps(net, lr) if lr.layer is None else _layer_steps(lr)
    return tuple(
        WorkingGroup(GROUP_KEYS[title], translated(title), tuple(steps))
        for title, steps in groups.items()
        if steps
    )


def row_working_dict(net: NetworkResult, lr: LayerResult) -> dict[str, Any]:
    """The row's working for `--json`: which row, its shapes, the groups of steps and the notes."""
    return {
        "id": lr.id,
        "layer": lr.describe(),
        "input_shape": list(lr.input_shape) if lr.input_shape else None,
        "output_shape": list(lr.output_shape) if lr.output_shape else None,
        "groups": [group.to_dict() for group in row_working(net, lr)],
        "notes": list(lr.notes),
    }


def _layer_steps(lr: LayerResult) -> dict[str, list[Step]]:
    """A layer's steps sorted into the groups by their labels, then its FLOPs and, for a pool,
    its channels; each note said once within a group (the W axis repeating what H said)."""
    groups: dict[str, list[Step]] = {SHAPE: [], PARAMETERS: [], MACS: [], FIELD: [], OTHER: []}
    param_labels = {*_PARAM_LABELS, *(translated(label) for label in _PARAM_LABELS)}
    for step in lr.steps:
        if step.label == "RF" or step.label.startswith("RF_"):
            groups[FIELD].append(step)
        elif step.label in param_labels:
            groups[PARAMETERS].append(step)
        elif step.label == "MACs":
            groups[MACS].append(step)
        elif is_shape_step(step.label):
            groups[SHAPE].append(step)
        else:
            groups[OTHER].append(step)
    if lr.macs:
        groups[MACS].append(flops_step(lr.macs))
    if lr.layer is not None and lr.layer.kind in ("maxpool", "avgpool") and lr.output_shape:
        groups[SHAPE].append(
            Step(
                "C_out",
                "C_in",
                str(lr.input_shape[0]),
                lr.output_shape[0],
                why=_("pooling works on each channel on its own"),
            )
        )
    return {title: list(notes_once(steps)) for title, steps in groups.items()}


def _container_steps(net: NetworkResult, lr: LayerResult) -> dict[str, list[Step]]:
    """A block's or merge's steps: its shape and field, the parameters and MACs of what it holds."""
    node = lr.node
    groups: dict[str, list[Step]] = {SHAPE: [], PARAMETERS: [], MACS: [], FIELD: []}
    for step in lr.steps:
        groups[FIELD if step.label.startswith("RF") else SHAPE].append(step)
    if lr.params is not None and not net.counts_unknown(lr):
        groups[PARAMETERS] += list(lr.params.steps)
    if lr.macs:
        groups[MACS].append(
            Step(
                "MACs",
                _("the sum over the layers it holds"),
                "",
                lr.macs,
                why=_("merging adds no multiply-accumulates")
                if node.is_merge
                else _("a block adds none of its own"),
            )
        )
    if node.kind == "block" and lr.rf:
        groups[FIELD].append(
            Step(
                "RF",
                _("the field of its last row, {id}").format(id=node.output),
                "",
                fmt_axes(lr.rf),
                why=_("a block computes nothing itself"),
            )
        )
    return groups
