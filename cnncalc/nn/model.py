"""A model built from a network spec, chain or graph, interpreted by the same walk that `net` tables.

`build_model(spec, input_shape, classes)` walks the spec (`cnncalc.arith.network.walk`), so every
layer gets exactly the padding, stride and output size the calculator prints, then creates one
layer per computing node of the graph (`cnncalc.arith.graph`): a layer, or a merge — `add`,
`concat` (`cnncalc.nn.merge`). Block rows compute nothing. 1-D specs (input C×L) run as 2-D with
height 1. A final softmax is fused into the cross-entropy loss: the model returns logits and
`predict_proba` applies the softmax.

Running the graph (`Model.run`): the steps go in the graph's order, each reading the values of its
inputs by node id (`INPUT` is the batch) and storing its own; a value is dropped as soon as the
last step that reads it has run. `backward` goes through the steps in reverse, and the gradient
of a value read by several steps — the input of a residual block, read by its branch and by the
shortcut — is the sum of what each of them sends back:

    ∂L/∂v = Σ over the readers r of v of ∂L/∂v|_r

Branches that depend on nothing but the value they fork from — an Inception module's, a projection
shortcut beside its block — form a `Section` (`plan_sections`). With threads to spare
(`cnncalc.nn.parallel.branch_threads`), a section's branches run side by side, forward and
backward, one thread per branch; the gradients they send back to the fork are then added in the
same order as above, so the result has the same bits as running them one after another.

A chain is the graph whose every node reads the one before it. Runs of layers that read only each
other are planned as a chain is (`cnncalc.nn.conv_pool.plan_stages`: conv → ReLU → max pool as one
stage).

Parameters are named by node id and parameter: '3.weight' is the weight of a chain's layer 3,
'5.1.2.weight' that of a layer inside a block.

>>> model = build_model("input 1x8x8 | conv 4 k=3 | relu | flatten | fc 10", classes=10)
>>> [layer.kind for layer in model.layers]
['conv', 'relu', 'flatten', 'fc']
>>> model = build_model("input 4x8x8 | add( conv 4 k=3 p=1 | relu ) | gap | fc 10", classes=10)
>>> [(layer.node_id, layer.kind, layer.reads) for layer in model.layers][:3]
[('1.1', 'conv', ('input',)), ('1.2', 'relu', ('1.1',)), ('1', 'add', ('1.2', 'input'))]
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.graph import INPUT
from cnncalc.arith.network import LayerResult, NetworkResult, walk
from cnncalc.arith.parsing import fmt_shape
from cnncalc.arith.spec import NetworkSpec, parse_spec
from cnncalc.i18n import _
from cnncalc.nn import layers as L
from cnncalc.nn.conv_pool import plan_stages
from cnncalc.nn.merge import Add, AddReLU, Concat, Merge
from cnncalc.nn.parallel import branch_threads, run_concurrently

# Images per forward pass when evaluating or predicting: bounds the memory the activations take.
EVAL_BATCH = 128


@dataclass(frozen=True)
class Step:
    """One stage of a run: it reads the values `reads` (node ids), writes the value `writes`, and
    after it the values in `drops` are needed no more."""

    stage: L.Layer
    reads: tuple[str, ...]
    writes: str
    drops: tuple[str, ...] = ()

    @property
    def is_merge(self) -> bool:
        return isinstance(self.stage, Merge)


@dataclass(frozen=True)
class Section:
    """Steps `start` … `merge` − 1 of a run: branches that each read the value `fork` and lead,
    through steps that read only each other, to one input of the merge step `merge`. A branch is
    its step indices in order; `costs` estimates each branch's work (for handing them out)."""

    start: int
    merge: int
    fork: str
    branches: tuple[tuple[int, ...], ...]
    costs: tuple[int, ...]


def plan_sections(steps: list[Step], cost: Callable[[Step], int]) -> list[Section]:
    """The sections of `steps`: every merge at least two of whose inputs are chains of steps from
    one common value, with nothing else between the first of those steps and the merge. (An
    identity shortcut is an input that is the fork itself.)"""
    writer = {step.writes: i for i, step in enumerate(steps)}
    readers = Counter(source for step in steps for source in step.reads)
    sections = []
    for m, step in enumerate(steps):
        if not step.is_merge:
            continue
        branches, forks = [], set()
        for value in step.reads:
            chain = []
            while value in writer and readers[value] == 1:
                producer = steps[writer[value]]
                if producer.is_merge or len(producer.reads) != 1:
                    break
                chain.append(writer[value])
                value = producer.reads[0]
            forks.add(value)
            if chain:
                branches.append(tuple(reversed(chain)))
        members = sorted(i for branch in branches for i in branch)
        if len(forks) == 1 and len(branches) >= 2 and members == list(range(members[0], m)):
            costs = tuple(sum(cost(steps[i]) for i in branch) for branch in branches)
            sections.append(Section(members[0], m, forks.pop(), tuple(branches), costs))
    return sections


@dataclass
class Model:
    """Layers in the graph's order, the network they came from, the input shape (C, H, W) they
    expect, and the id of the value that is the network's output (the logits).

    `steps` is how the layers run: the same layers, except that each conv → (ReLU →) max pool
    that can be runs as one `ConvPool` (`cnncalc.nn.conv_pool`); `stages` is the same, unwired.
    """

    layers: list[L.Layer]
    network: NetworkResult
    input_shape: tuple[int, ...]
    rng: np.random.Generator
    dtype: type = np.float32
    output: str = INPUT
    steps: list[Step] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.steps = plan_steps(self.layers, fuse=True)
        self.by_id = {layer.node_id: layer for layer in self.layers}
        # Branches that draw random numbers (dropout) run one after another, in order, so that
        # they draw them in the same order whatever the threads.
        self.sections = {
            section.start: section
            for section in plan_sections(self.steps, self._step_cost)
            if sum(any(_draws(self.steps[i]) for i in branch) for branch in section.branches) <= 1
        }
        # The first layers read the data: its gradient is never needed unless asked for.
        self.input_grad = False

    @property
    def stages(self) -> list[L.Layer]:
        return [step.stage for step in self.steps]

    def _step_cost(self, step: Step) -> int:
        """A step's work per sample in element passes, roughly (forward and backward, as timed on
        the digits presets): a multiply-add is a quarter of a pass, a batch norm 8 passes over its
        output, a pool 5 per tap of its window (copies, comparisons, the gradient's share), any
        other layer 3."""
        total = 0
        for layer in getattr(step.stage, "layers", [step.stage]):
            res = self.network.by_id.get(layer.node_id)
            if res is None:
                continue
            if layer.kind in ("maxpool", "avgpool"):
                passes = 5 * math.prod(layer.kernel)
            else:
                passes = 8 if layer.kind == "bn" else 3
            total += res.macs // 4 + passes * math.prod(res.output_shape or ())
        return total

    @property
    def input_grad(self) -> bool:
        """Whether `backward` computes ∂L/∂input (the gradient check asks for it; training never does)."""
        return self._input_grad

    @input_grad.setter
    def input_grad(self, wanted: bool) -> None:
        self._input_grad = wanted
        for layer in self.layers:
            if INPUT in layer.reads:
                layer.need_input_grad = wanted

    @property
    def spec_text(self) -> str:
        return self.network.spec.to_text()

    def named_params(self) -> dict[str, np.ndarray]:
        """`'3.weight'` → the array (the layer's node id, then the parameter's name)."""
        return {f"{layer.node_id}.{k}": v for layer in self.layers for k, v in layer.params.items()}

    def named_grads(self) -> dict[str, np.ndarray]:
        return {f"{layer.node_id}.{k}": v for layer in self.layers for k, v in layer.grads.items()}

    def named_buffers(self) -> dict[str, np.ndarray]:
        return {f"{layer.node_id}.{k}": v for layer in self.layers for k, v in layer.buffers.items()}

    def load_buffers(self, buffers: dict[str, np.ndarray]) -> None:
        for name, value in buffers.items():
            node_id, key = name.rsplit(".", 1)
            self.by_id[node_id].buffers[key] = value.astype(self.dtype)

    @property
    def parameter_count(self) -> int:
        return L.parameter_count(self.layers)

    def to_internal(self, x: np.ndarray) -> np.ndarray:
        """(N, C, H, W) or (N, C, L) images → the NHWC layout the layers use, in the model's dtype."""
        if x.ndim == 3:
            x = x[:, :, None, :]
        return np.ascontiguousarray(x.transpose(0, 2, 3, 1), dtype=self.dtype)

    def forward(self, x: np.ndarray, train: bool = False, upto: int | None = None) -> np.ndarray:
        """Logits for a batch of (N, C, H, W) images; with `upto`, the output of `layers[upto − 1]`
        instead (a feature map), running the layers one by one."""
        if upto is None:
            return self.run(self.to_internal(x), train)
        steps = plan_steps(self.layers[:upto], fuse=False)
        return self.run(self.to_internal(x), train, steps, self.layers[upto - 1].node_id)

    def run(
        self, x: np.ndarray, train: bool, steps: list[Step] | None = None, result: str | None = None
    ) -> np.ndarray:
        """Run `steps` (the model's own by default) on NHWC input `x`; the value `result` (the
        output by default)."""
        own = steps is None
        steps = self.steps if own else steps
        sections = self.sections if own and branch_threads() > 1 else {}
        values = {INPUT: x}
        i = 0
        while i < len(steps):
            section = sections.get(i)
            if section is not None:
                outs = run_concurrently(
                    [partial(self._branch_forward, b, values[section.fork], train) for b in section.branches],
                    list(section.costs),
                )
                for branch, out in zip(section.branches, outs, strict=True):
                    values[steps[branch[-1]].writes] = out
                for name in {name for j in range(section.start, section.merge) for name in steps[j].drops}:
                    values.pop(name, None)  # the fork, if no later step reads it
                i = section.merge
                continue
            step = steps[i]
            if step.is_merge:
                out = step.stage.forward([values[r] for r in step.reads], train)
            else:
                out = step.stage.forward(values[step.reads[0]], train)
            for name in step.drops:
                del values[name]
            values[step.writes] = out
            i += 1
        return values[self.output if result is None else result]

    def _branch_forward(self, branch: tuple[int, ...], x: np.ndarray, train: bool) -> np.ndarray:
        for i in branch:
            x = self.steps[i].stage.forward(x, train)
        return x

    def _branch_backward(self, branch: tuple[int, ...], grad: np.ndarray) -> np.ndarray:
        for i in reversed(branch):
            grad = self.steps[i].stage.backward(grad)
        return grad

    def backward(self, grad: np.ndarray) -> np.ndarray:
        """Back-propagate ∂L/∂logits; returns ∂L/∂input (NHWC; empty unless `input_grad`)."""
        grads = {self.output: grad}
        owned: set[str] = set()  # values whose gradient array was made here, so may be added into

        def send(source: str, part: np.ndarray) -> None:
            if source == INPUT and not self._input_grad:
                return
            if source not in grads:
                grads[source] = part  # may be another value's gradient too: never add into it
            elif source in owned:
                grads[source] += part
            else:
                grads[source] = grads[source] + part
                owned.add(source)

        sections = {s.merge - 1: s for s in self.sections.values()} if branch_threads() > 1 else {}
        i = len(self.steps) - 1
        while i >= 0:
            section = sections.get(i)
            if section is not None:
                parts = run_concurrently(
                    [
                        partial(self._branch_backward, b, grads.pop(self.steps[b[-1]].writes))
                        for b in section.branches
                    ],
                    list(section.costs),
                )
                # What the branches send back to the fork, added as one after another would have:
                # the branch that comes last in the steps first.
                for _, part in sorted(zip(section.branches, parts, strict=True), key=lambda bp: -bp[0][0]):
                    send(section.fork, part)
                i = section.start - 1
                continue
            step = self.steps[i]
            back = step.stage.backward(grads.pop(step.writes))
            for source, part in zip(step.reads, back if step.is_merge else (back,), strict=True):
                send(source, part)
            i -= 1
        return grads.get(INPUT, np.empty(0, grad.dtype))

    def predict_proba(self, x: np.ndarray, batch_size: int = EVAL_BATCH) -> np.ndarray:
        """Class probabilities, evaluated in batches (evaluation mode: no dropout, running BN stats)."""
        chunks = [L.softmax(self.forward(x[i : i + batch_size])) for i in range(0, len(x), batch_size)]
        return np.concatenate(chunks) if chunks else np.zeros((0, self.classes), self.dtype)

    @property
    def classes(self) -> int:
        shape = self.network.output_shape
        return shape[0] if shape else 0


def _draws(step: Step) -> bool:
    """Whether a step draws random numbers when training (a dropout layer)."""
    return any(isinstance(layer, L.Dropout) for layer in getattr(step.stage, "layers", [step.stage]))


def plan_steps(layers: list[L.Layer], fuse: bool) -> list[Step]:
    """The steps that run `layers` (in the graph's order): each run of layers that read only each
    other — starting at a merge, or at a layer that reads another's value — planned as a chain
    when `fuse` (`_stages`: an add then its ReLU as one step, conv → ReLU → pool and bn → ReLU as
    `plan_stages` fuses them); then, for every step, the values no later step reads.

    Running a run of layers at the place of its first layer keeps the graph's order: each of its
    layers reads only the one before it.
    """
    readers = Counter(source for layer in layers for source in layer.reads)
    runs: list[list[L.Layer]] = []
    growing: dict[str, list[L.Layer]] = {}  # a run, by the id of its last layer
    for layer in layers:
        if isinstance(layer, Merge):
            runs.append([layer])
            growing[layer.node_id] = runs[-1]  # layers that read only the merge follow it
            continue
        source = layer.reads[0]
        run = growing.pop(source, None)
        if run is None or readers[source] != 1:
            run = []
            runs.append(run)
        run.append(layer)
        growing[layer.node_id] = run
    wired = []
    for run in runs:
        for stage in _stages(run) if fuse else run:
            parts = getattr(stage, "layers", [stage])
            wired.append((stage, parts[0].reads, parts[-1].node_id))
    last_read = {source: i for i, (_, reads, _) in enumerate(wired) for source in reads}
    return [
        Step(stage, reads, writes, tuple(sorted({s for s in reads if last_read[s] == i})))
        for i, (stage, reads, writes) in enumerate(wired)
    ]


def _stages(run: list[L.Layer]) -> list[L.Layer]:
    """A run of layers (a merge, or a layer, then the layers that read only the one before) as
    the stages a training run uses: an add then a ReLU as one `AddReLU`, the rest planned by
    `plan_stages`."""
    if not isinstance(run[0], Merge):
        return plan_stages(run)
    if isinstance(run[0], Add) and len(run) > 1 and isinstance(run[1], L.ReLU):
        return [AddReLU(run[:2]), *plan_stages(run[2:])]
    return [run[0], *plan_stages(run[1:])]


def build_model(
    spec: NetworkSpec | str,
    input_shape: tuple[int, ...] | None = None,
    classes: int | None = None,
    seed: int = 0,
    dtype: type = np.float32,
) -> Model:
    """Create the layers of a spec for inputs of `input_shape` (C, H, W); the spec's own input line
    must agree with it. With `classes`, the network must end in that many outputs."""
    if isinstance(spec, str):
        spec = parse_spec(spec)
    shape = _input_shape(spec, input_shape)
    net = walk(spec.with_input(shape))
    if net.input_shape is not None and len(net.input_shape) < len(shape):
        # a 1-D layer makes the walk read C×H×W as N×C×L: the weights would not fit the images
        raise CnnCalcError(
            _(
                "the data's images are {shape} (C×H×W) but the network's layers are 1-D: they would read "
                "{shape} as N×C×L, {channels} channels of length {length}; use 2-D layers for images (conv "
                "and maxpool, not conv1d and maxpool1d)"
            ),
            shape=fmt_shape(shape),
            channels=net.input_shape[0],
            length=net.input_shape[-1],
        )
    out = net.output_shape
    if classes is not None and tuple(out or ()) != (classes,):
        ends = (
            _(
                "the network ends in {shape} but the data has {classes} classes; end the spec with 'flatten | fc "
                "{classes}' (or 'gap | fc {classes}')"
            )
            if out
            else _(
                "the network ends in nothing but the data has {classes} classes; end the spec with 'flatten | "
                "fc {classes}' (or 'gap | fc {classes}')"
            )
        )
        raise CnnCalcError(ends, shape=fmt_shape(out) if out else "", classes=classes)
    rng = np.random.default_rng(seed)
    dropout_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    layers, output = _make_layers(net, rng, dropout_rng, dtype)
    return Model(layers, net, shape, dropout_rng, dtype, output)


def _make_layers(
    net: NetworkResult, rng: np.random.Generator, dropout_rng: np.random.Generator, dtype: type
) -> tuple[list[L.Layer], str]:
    """One layer per computing node of the walked graph, in its order, wired by node id; and the id
    of the output value (the logits: a final softmax is left to the loss)."""
    graph = net.graph
    readers: dict[str, list[str]] = {}
    for node in graph.nodes:
        if node.kind != "block":
            for source in node.inputs:
                readers.setdefault(source, []).append(node.kind)
    layers: list[L.Layer] = []
    output = graph.output
    for res in net.nodes:
        node = res.node
        if node.kind == "block":
            continue
        reads = node.inputs
        if node.is_merge:
            layers.append(_wired(Add() if node.kind == "add" else Concat(), 0, node.id, reads))
            continue
        if res.layer.kind == "softmax" and node.id == graph.output:
            output = reads[0]  # fused into the loss
            continue
        following = readers.get(node.id, [])
        init = "he" if following in (["relu"], ["leakyrelu"]) else "glorot"
        if res.implicit_flatten:
            layers.append(_wired(L.Flatten(), res.layer.number, f"{node.id}:flatten", reads))
            reads = (layers[-1].node_id,)
        layer = _make_layer(res, init, rng, dropout_rng, dtype)
        layers.append(_wired(layer, res.layer.number, node.id, reads))
    return layers, output


def _wired(layer: L.Layer, number: int, node_id: str, reads: tuple[str, ...]) -> L.Layer:
    layer.number, layer.node_id, layer.reads = number, node_id, reads
    return layer


def _input_shape(spec: NetworkSpec, given: tuple[int, ...] | None) -> tuple[int, ...]:
    """The input shape: the data's (`given`), which the spec's input line must agree with, or the spec's."""
    if given is not None and spec.input_shape is not None and tuple(spec.input_shape) != tuple(given):
        raise CnnCalcError(
            _(
                "the spec's input is {spec_shape} but the data's images are {shape}; change the spec's first line "
                "to 'input {typed}' or leave it out"
            ),
            spec_shape=fmt_shape(spec.input_shape),
            shape=fmt_shape(given),
            typed=fmt_shape(given).replace("×", "x"),
        )
    shape = tuple(given or spec.input_shape or ())
    if not shape:
        raise CnnCalcError(_("the network needs an input shape: start the spec with e.g. 'input 1x28x28'"))
    if len(shape) not in (2, 3):
        raise CnnCalcError(
            _("input {shape}: the trainer handles 1-D (C×L) and 2-D (C×H×W) inputs only"),
            shape=fmt_shape(shape),
        )
    return shape


def _two_d(values: tuple, fill: object) -> tuple:
    """1-D geometry as 2-D with a height-1 axis in front."""
    return values if len(values) == 2 else (fill, *values)


def _make_layer(
    res: LayerResult, init: str, rng: np.random.Generator, dropout_rng: np.random.Generator, dtype: type
) -> L.Layer:
    """The layer that computes `res` (a layer of the walk), with weights drawn from `rng`."""
    spec = res.layer
    kind = spec.kind
    if kind in ("conv", "tconv", "maxpool", "avgpool"):
        return _make_windowed_layer(res, init, rng, dtype)
    if kind == "fc":
        return L.Dense(math.prod(res.input_shape), spec.units, spec.bias, rng, init, dtype)
    if kind == "bn":
        return L.BatchNorm(res.input_shape[0], dtype=dtype)
    if kind == "gap" and spec.adaptive:
        return L.AdaptiveAvgPool2D(_two_d(res.output_shape[1:], 1))
    if kind == "gap":
        return L.GlobalAvgPool()
    if kind == "dropout":
        return L.Dropout(spec.rate, dropout_rng)
    if kind == "leakyrelu":
        return L.LeakyReLU(spec.slope)
    simple = {
        "relu": L.ReLU,
        "sigmoid": L.Sigmoid,
        "tanh": L.Tanh,
        "softmax": L.Softmax,
        "flatten": L.Flatten,
    }
    if kind in simple:
        return simple[kind]()
    raise CnnCalcError(
        _("layer {number} ({layer}): the trainer has no {kind!r} layer"),
        number=spec.number,
        layer=spec.describe(),
        kind=kind,
    )


def _make_windowed_layer(res: LayerResult, init: str, rng: np.random.Generator, dtype: type) -> L.Layer:
    """A conv, tconv, maxpool or avgpool layer with the geometry the walk computed (1-D as 2-D)."""
    spec, geo = res.layer, res.shape
    kernel, stride, dilation = _two_d(geo.kernel, 1), _two_d(geo.stride, 1), _two_d(geo.dilation, 1)
    padding = _two_d(geo.padding, (0, 0))
    out_hw = _two_d(geo.output, 1)
    cin = res.input_shape[0]
    if spec.kind == "conv":
        return L.Conv2D(
            cin, spec.units, kernel, stride, padding, dilation, spec.groups, spec.bias, rng, init, dtype
        )
    if spec.kind == "tconv":
        if spec.groups != 1:
            raise CnnCalcError(
                _("layer {number} ({layer}): grouped transposed convolutions are not trainable yet; use g=1"),
                number=spec.number,
                layer=spec.describe(),
            )
        pads = tuple(p[0] for p in padding)
        return L.ConvTranspose2D(
            cin, spec.units, kernel, stride, pads, dilation, out_hw, spec.bias, rng, init, dtype
        )
    if spec.kind == "maxpool":
        return L.MaxPool2D(kernel, stride, padding, dilation, out_hw, spec.ceil)
    return L.AvgPool2D(kernel, stride, padding, out_hw, spec.ceil)
