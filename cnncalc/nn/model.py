"""A sequential model built from a network spec, interpreted by the same walk that `net` tables.

`build_model(spec, input_shape, classes)` walks the spec (`cnncalc.arith.network.walk`), so every
layer gets exactly the padding, stride and output size the calculator prints, then creates the
matching layer. 1-D specs (input C×L) run as 2-D with height 1. A final softmax is fused into the
cross-entropy loss: the model returns logits and `predict_proba` applies the softmax.

>>> model = build_model("input 1x8x8 | conv 4 k=3 | relu | flatten | fc 10", classes=10)
>>> [layer.kind for layer in model.layers]
['conv', 'relu', 'flatten', 'fc']
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.network import LayerResult, NetworkResult, walk
from cnncalc.arith.parsing import fmt_shape
from cnncalc.arith.spec import NetworkSpec, parse_spec
from cnncalc.nn import layers as L
from cnncalc.nn.conv_pool import plan_stages

# Images per forward pass when evaluating or predicting: bounds the memory the activations take.
EVAL_BATCH = 128


@dataclass
class Model:
    """Layers in order, the network they came from, and the input shape (C, H, W) they expect.

    `stages` is how the layers run: the same layers, except that each conv → (ReLU →) max pool
    that can be runs as one `ConvPool` (`cnncalc.nn.conv_pool`).
    """

    layers: list[L.Layer]
    network: NetworkResult
    input_shape: tuple[int, ...]
    rng: np.random.Generator
    dtype: type = np.float32
    stages: list[L.Layer] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.stages = plan_stages(self.layers)

    @property
    def spec_text(self) -> str:
        return self.network.spec.to_text()

    def named_params(self) -> dict[str, np.ndarray]:
        """`'3.weight'` → the array (layer index in `layers`, then the parameter's name)."""
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.params.items()}

    def named_grads(self) -> dict[str, np.ndarray]:
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads.items()}

    def named_buffers(self) -> dict[str, np.ndarray]:
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.buffers.items()}

    def load_buffers(self, buffers: dict[str, np.ndarray]) -> None:
        for name, value in buffers.items():
            index, key = name.split(".", 1)
            self.layers[int(index)].buffers[key] = value.astype(self.dtype)

    @property
    def parameter_count(self) -> int:
        return L.parameter_count(self.layers)

    def to_internal(self, x: np.ndarray) -> np.ndarray:
        """(N, C, H, W) or (N, C, L) images → the NHWC layout the layers use, in the model's dtype."""
        if x.ndim == 3:
            x = x[:, :, None, :]
        return np.ascontiguousarray(x.transpose(0, 2, 3, 1), dtype=self.dtype)

    def forward(self, x: np.ndarray, train: bool = False, upto: int | None = None) -> np.ndarray:
        """Logits for a batch of (N, C, H, W) images; `upto` stops after that many layers (feature maps)."""
        out = self.to_internal(x)
        for stage in self.stages if upto is None else self.layers[:upto]:
            out = stage.forward(out, train)
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        """Back-propagate ∂L/∂logits; returns ∂L/∂input (NHWC; empty unless the first layer asks for it)."""
        for stage in reversed(self.stages):
            grad = stage.backward(grad)
        return grad

    def predict_proba(self, x: np.ndarray, batch_size: int = EVAL_BATCH) -> np.ndarray:
        """Class probabilities, evaluated in batches (evaluation mode: no dropout, running BN stats)."""
        chunks = [L.softmax(self.forward(x[i : i + batch_size])) for i in range(0, len(x), batch_size)]
        return np.concatenate(chunks) if chunks else np.zeros((0, self.classes), self.dtype)

    @property
    def classes(self) -> int:
        shape = self.network.output_shape
        return shape[0] if shape else 0


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
    merge = next((r for r in net.nodes if r.node is not None and r.node.is_merge), None)
    if merge is not None:
        raise CnnCalcError(
            f"{merge.kind} at {merge.id} ({merge.describe()}): the trainer trains chains of layers; "
            "it cannot train branches that merge yet"
        )
    out = net.output_shape
    if classes is not None and tuple(out or ()) != (classes,):
        raise CnnCalcError(
            f"the network ends in {fmt_shape(out) if out else 'nothing'} but the data has {classes} classes; "
            f"end the spec with 'flatten | fc {classes}' (or 'gap | fc {classes}')"
        )
    rng = np.random.default_rng(seed)
    dropout_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    layers: list[L.Layer] = []
    results = net.layers
    for i, res in enumerate(results):
        following = results[i + 1].layer.kind if i + 1 < len(results) else ""
        init = "he" if following in ("relu", "leakyrelu") else "glorot"
        if res.implicit_flatten:
            layers.append(L.Flatten())
            layers[-1].number = res.layer.number
        last = i == len(results) - 1
        if res.layer.kind == "softmax" and last:
            continue  # fused into the loss
        layers.append(_make_layer(res, init, rng, dropout_rng, dtype))
        layers[-1].number = res.layer.number
    if layers:
        layers[0].need_input_grad = False
    return Model(layers, net, shape, dropout_rng, dtype)


def _input_shape(spec: NetworkSpec, given: tuple[int, ...] | None) -> tuple[int, ...]:
    """The input shape: the data's (`given`), which the spec's input line must agree with, or the spec's."""
    if given is not None and spec.input_shape is not None and tuple(spec.input_shape) != tuple(given):
        raise CnnCalcError(
            f"the spec's input is {fmt_shape(spec.input_shape)} but the data's images are {fmt_shape(given)}; "
            f"change the spec's first line to 'input {fmt_shape(given).replace('×', 'x')}' or leave it out"
        )
    shape = tuple(given or spec.input_shape or ())
    if not shape:
        raise CnnCalcError("the network needs an input shape: start the spec with e.g. 'input 1x28x28'")
    if len(shape) not in (2, 3):
        raise CnnCalcError(
            f"input {fmt_shape(shape)}: the trainer handles 1-D (C×L) and 2-D (C×H×W) inputs only"
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
    raise CnnCalcError(f"layer {spec.number} ({spec.describe()}): the trainer has no {kind!r} layer")


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
                f"layer {spec.number} ({spec.describe()}): grouped transposed convolutions are not "
                "trainable yet; use g=1"
            )
        pads = tuple(p[0] for p in padding)
        return L.ConvTranspose2D(
            cin, spec.units, kernel, stride, pads, dilation, out_hw, spec.bias, rng, init, dtype
        )
    if spec.kind == "maxpool":
        return L.MaxPool2D(kernel, stride, padding, dilation, out_hw, spec.ceil)
    return L.AvgPool2D(kernel, stride, padding, out_hw, spec.ceil)
