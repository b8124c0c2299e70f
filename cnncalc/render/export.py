"""A walked network as framework code: a PyTorch `nn.Module` or a Keras functional model.

`cnncalc export` is where a learner who outgrows the tiny trainer goes next: the same network,
as code that PyTorch or Keras runs, with the sizes the table shows. Each row of the table is one
layer attribute (PyTorch) or one layer call (Keras), in the table's order; a merge is `a + b` or
`torch.cat([…], 1)` (`layers.add` / `layers.concatenate`). The sizes come from the walk, so the
code states what the table computed: `nn.Conv2d(64, 128, kernel_size=3, padding=1)` has the
input channels the row before gives.

Reading the exported file back with `net --from` gives the same layers, shapes and parameters
(round trip). Keras has only 'valid' and 'same' padding: other padding becomes a ZeroPadding
layer before the window (an extra row) where that gives PyTorch's values (see `_keras_padding`
for pools), and what Keras cannot say (adaptive pooling to a size
above 1, group and instance norm, pixel shuffle, reflection padding, a convolution with both a
stride and a dilation above 1, a transposed convolution with groups) is refused, naming the row.

>>> from cnncalc.arith.network import walk
>>> code = to_pytorch(walk("input 1x8x8 | conv 4 k=3 | relu | flatten | fc 10"))
>>> print(next(line for line in code.splitlines() if "self.conv_1 =" in line))
        self.conv_1 = nn.Conv2d(1, 4, kernel_size=3)  # 1: conv 4 k=3
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from math import prod
from typing import TYPE_CHECKING

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.graph import INPUT
from cnncalc.arith.sizes import ceil_div, effective_kernel, same_padding
from cnncalc.i18n import _

if TYPE_CHECKING:
    from cnncalc.arith.network import LayerResult, NetworkResult

_TORCH_ACTIVATIONS = {
    "relu": "nn.ReLU()",
    "relu6": "nn.ReLU6()",
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "hardswish": "nn.Hardswish()",
    "hardsigmoid": "nn.Hardsigmoid()",
    "silu": "nn.SiLU()",
    "gelu": "nn.GELU()",
    "elu": "nn.ELU()",
    "softmax": "nn.Softmax(dim=1)",
    "flatten": "nn.Flatten()",
}
_KERAS_ACTIVATIONS = {
    "relu": "layers.ReLU()",
    "relu6": "layers.ReLU(max_value=6)",
    "sigmoid": 'layers.Activation("sigmoid")',
    "tanh": 'layers.Activation("tanh")',
    "hardswish": 'layers.Activation("hard_swish")',
    "hardsigmoid": 'layers.Activation("hard_sigmoid")',
    "silu": 'layers.Activation("silu")',
    "gelu": 'layers.Activation("gelu")',
    "elu": "layers.ELU()",
    "softmax": "layers.Softmax()",
    "flatten": "layers.Flatten()",
}


def _one(values: Sequence[int]) -> str:
    """(3, 3) → '3', (1, 7) → '(1, 7)': PyTorch and Keras take either."""
    values = tuple(values)
    return str(values[0]) if len(set(values)) == 1 else "(" + ", ".join(map(str, values)) + ")"


def _where(res: LayerResult) -> str:
    return _("row {id} ({text})").format(id=res.id, text=res.describe())


def _dims(res: LayerResult) -> int:
    shape = res.input_shape
    return max(len(shape) - 1, 1) if shape else 2


def _uneven(res: LayerResult) -> bool:
    return any(before != after for before, after in res.shape.padding)


def _is_same(res: LayerResult) -> bool:
    """The padding is 'same' as the frameworks split it (`p=same`): ⌈n/s⌉ outputs, the odd row after.
    Keras' padding='same' says exactly this, and so does PyTorch's for stride 1."""
    geo = res.shape
    return all(
        pad == same_padding(n, k, s, d) and out == ceil_div(n, s)
        for n, k, s, d, pad, out in zip(
            geo.input, geo.kernel, geo.stride, geo.dilation, geo.padding, geo.output, strict=True
        )
    )


def _symmetric(res: LayerResult, framework: str) -> tuple[int, ...]:
    pads = res.shape.padding
    if _uneven(res):
        even = _even_padding(res)
        if even is not None:
            raise CnnCalcError(
                _(
                    "{where}: padding {pads} differs between the two sides of an axis; {framework} pads "
                    "both sides alike, and takes padding='same' only in a convolution with stride 1: "
                    "write the padding as numbers (p={even} gives the same output size)"
                ),
                where=_where(res),
                pads=pads,
                framework=framework,
                even=even,
            )
        if framework == "PyTorch" and _is_same(res):
            raise CnnCalcError(
                _(
                    "{where}: padding {pads} differs between the two sides of an axis; PyTorch pads both "
                    "sides alike, takes padding='same' only in a convolution with stride 1, and no padding "
                    "the same on both sides gives this layer's output size: use an odd kernel, or export it "
                    "to Keras, whose padding='same' pads so"
                ),
                where=_where(res),
                pads=pads,
            )
        raise CnnCalcError(
            _(
                "{where}: padding {pads} differs between the two sides of an axis; {framework} pads "
                "both sides alike (write the padding as numbers)"
            ),
            where=_where(res),
            pads=pads,
            framework=framework,
        )
    return tuple(before for before, _ in pads)


def _even_padding(res: LayerResult) -> str | None:
    """The padding, the same on both sides, that gives the layer's output size ('1', '1x0'), if any."""
    geo = res.shape
    found = []
    for n, k, s, d, (before, after), out in zip(
        geo.input, geo.kernel, geo.stride, geo.dilation, geo.padding, geo.output, strict=True
    ):
        p = ceil_div(before + after, 2)
        size = n + 2 * p - effective_kernel(k, d)
        if size < 0 or (ceil_div(size, s) if geo.ceil else size // s) + 1 != out:
            return None
        if res.layer.kind != "conv" and 2 * p > k:  # PyTorch's pools: padding at most half the window
            return None
        found.append(p)
    return str(found[0]) if len(set(found)) == 1 else "x".join(map(str, found))


class _Names:
    """Python names for layers (conv1, bn1 …) and for the tensors of forward()."""

    def __init__(self, net: NetworkResult) -> None:
        self.counts: Counter[str] = Counter()
        self.consumers: Counter[str] = Counter(i for r in _computing(net) for i in r.node.inputs)
        self.consumers[net.graph.output] += 1
        self.var: dict[str, str] = {INPUT: "x"}
        self.fresh = 0

    def layer(self, kind: str) -> str:
        self.counts[kind] += 1
        return f"{kind}_{self.counts[kind]}"

    def tensor(self, res: LayerResult) -> str:
        """The input's name again when this node is its only reader (x = f(x)), else a new one."""
        inputs = res.node.inputs
        if len(inputs) == 1 and self.consumers[inputs[0]] == 1:
            name = self.var[inputs[0]]
        else:
            self.fresh += 1
            name = f"x{self.fresh}"
        self.var[res.id] = name
        return name


def _computing(net: NetworkResult) -> list[LayerResult]:
    return [r for r in net.nodes if r.kind != "block"]


def _check(net: NetworkResult) -> None:
    if net.input_shape is None:
        raise CnnCalcError(
            _("the network needs its input size to be exported; give 'input CxHxW' or {field}"), field="input"
        )


# -- PyTorch ------------------------------------------------------------------------------------------------


def _torch_layer(res: LayerResult) -> str:
    """The nn module of one row, with the sizes the walk worked out."""
    layer, kind, dims = res.layer, res.layer.kind, _dims(res)
    c = res.input_shape[0]
    if kind in ("conv", "tconv"):
        geo = res.shape
        args = [str(c), str(layer.units), f"kernel_size={_one(geo.kernel)}"]
        if set(geo.stride) != {1}:
            args.append(f"stride={_one(geo.stride)}")
        if kind == "conv" and _uneven(res) and set(geo.stride) == {1} and _is_same(res):
            args.append('padding="same"')  # the odd row after, as the spec's p=same
        else:
            pads = _symmetric(res, "PyTorch") if kind == "conv" else tuple(p for p, _ in geo.padding)
            if set(pads) != {0}:
                args.append(f"padding={_one(pads)}")
        if kind == "tconv" and set(geo.output_padding) != {0}:
            args.append(f"output_padding={_one(geo.output_padding)}")
        if set(geo.dilation) != {1}:
            args.append(f"dilation={_one(geo.dilation)}")
        if layer.groups != 1:
            args.append(f"groups={layer.groups}")
        if not layer.bias:
            args.append("bias=False")
        name = "Conv" if kind == "conv" else "ConvTranspose"
        return f"nn.{name}{dims}d({', '.join(args)})"
    if kind in ("maxpool", "avgpool"):
        geo = res.shape
        args = [f"kernel_size={_one(geo.kernel)}"]
        if tuple(geo.stride) != tuple(geo.kernel):
            args.append(f"stride={_one(geo.stride)}")
        pads = _symmetric(res, "PyTorch")
        if set(pads) != {0}:
            args.append(f"padding={_one(pads)}")
        if kind == "maxpool" and set(geo.dilation) != {1}:
            args.append(f"dilation={_one(geo.dilation)}")
        if layer.ceil:
            args.append("ceil_mode=True")
        return f"nn.{'MaxPool' if kind == 'maxpool' else 'AvgPool'}{dims}d({', '.join(args)})"
    if kind in ("gap", "gmp"):
        return f"nn.Adaptive{'Avg' if kind == 'gap' else 'Max'}Pool{dims}d({_one(res.output_shape[1:])})"
    if kind == "bn":
        return f"nn.BatchNorm{1 if len(res.input_shape) <= 2 else dims}d({c})"
    if kind == "instancenorm":
        return f"nn.InstanceNorm{dims}d({c}{', affine=True' if layer.affine else ''})"
    if kind == "groupnorm":
        return f"nn.GroupNorm({layer.groups}, {c})"
    if kind == "lrn":
        return f"nn.LocalResponseNorm({layer.size})"
    if kind == "fc":
        return f"nn.Linear({prod(res.input_shape)}, {layer.units}{'' if layer.bias else ', bias=False'})"
    if kind == "dropout":
        return f"nn.Dropout({layer.rate:g})"
    if kind == "leakyrelu":
        return f"nn.LeakyReLU({layer.slope:g})"
    if kind == "pad":
        p = layer.padding * dims if len(layer.padding) == 1 else layer.padding
        sides = _one(p) if len(set(p)) == 1 else "(" + ", ".join(f"{v}, {v}" for v in reversed(p)) + ")"
        name = {"reflect": "ReflectionPad", "replicate": "ReplicationPad"}.get(layer.mode, "ZeroPad")
        return f"nn.{name}{dims}d({sides})"
    if kind == "upsample":
        mode = "nearest" if layer.mode != "bilinear" else {1: "linear", 2: "bilinear", 3: "trilinear"}[dims]
        return f"nn.Upsample(scale_factor={_one(layer.factor)}, mode={mode!r})"
    if kind == "pixelshuffle":
        return f"nn.PixelShuffle({layer.factor[0]})"
    if kind in _TORCH_ACTIVATIONS:
        return _TORCH_ACTIVATIONS[kind]
    raise CnnCalcError(
        _("{where}: cnncalc cannot write a {kind} layer for PyTorch"), where=_where(res), kind=kind
    )


# The names the PyTorch file binds besides its class, each with the line that binds it: a class
# given one of these names would be overwritten by that line, or hide the module it names.
PYTORCH_FILE_NAMES = {
    "torch": "import torch",
    "nn": "from torch import nn",
    "example_input": "example_input = torch.randn(...)",
    "model": "model = ...().eval()",
    "y": "y = model(example_input)",
    "__name__": 'if __name__ == "__main__":',
}


def to_pytorch(net: NetworkResult, class_name: str = "Net", source: str = "") -> str:
    """The network as a runnable PyTorch module: one attribute per row, forward() in the table's order."""
    _check(net)
    names = _Names(net)
    init: list[str] = []
    forward: list[str] = []
    for res in _computing(net):
        if res.layer is not None:
            attr = names.layer(res.layer.kind)
            init.append(f"        self.{attr} = {_torch_layer(res)}  # {res.id}: {res.describe()}")
            arg = names.var[res.node.inputs[0]]
            if res.layer.kind == "fc" and res.implicit_flatten:
                arg = f"torch.flatten({arg}, 1)"
            out = names.tensor(res)
            forward.append(f"        {out} = self.{attr}({arg})")
        else:
            parts = [names.var[i] for i in res.node.inputs]
            out = names.tensor(res)
            expr = " + ".join(parts) if res.kind == "add" else f"torch.cat([{', '.join(parts)}], 1)"
            forward.append(f"        {out} = {expr}  # {res.id}: {res.kind} of {len(parts)} branches")
    batch = (1, *net.input_shape)
    head = f'"""{class_name}: written by cnncalc export{" from " + source if source else ""}.\n\n'
    head += (
        f"Input {'×'.join(map(str, net.input_shape))}, output {'×'.join(map(str, net.output_shape))}, "
        f"{net.total_params:,} parameters (as cnncalc's table). Run it: python this_file.py\n"
        '"""\n'
    )
    return "\n".join(
        [
            head,
            "import torch",
            "from torch import nn",
            "",
            f"example_input = torch.randn{batch}  # N×C×{'×'.join('DHW'[-(len(batch) - 2) :])}",
            "",
            "",
            f"class {class_name}(nn.Module):",
            "    def __init__(self) -> None:",
            "        super().__init__()",
            *init,
            "",
            "    def forward(self, x: torch.Tensor) -> torch.Tensor:",
            *forward,
            f"        return {names.var[net.graph.output]}",
            "",
            "",
            'if __name__ == "__main__":',
            f"    model = {class_name}().eval()",
            "    with torch.no_grad():",
            "        y = model(example_input)",
            '    print("output", tuple(y.shape[1:]), "parameters", sum(p.numel() for p in model.parameters()))',
            "",
        ]
    )


# -- Keras --------------------------------------------------------------------------------------------------


# Layers whose outputs are never negative: a zero padded around them is never a window's maximum.
_NON_NEGATIVE = frozenset({"relu", "relu6", "sigmoid", "hardsigmoid", "softmax"})


def _keras_padding(
    res: LayerResult, lines: list[str], var: str, non_negative: bool = False
) -> tuple[str, str]:
    """'valid' or 'same' for a window layer, whichever gives the table's size; other padding as a
    ZeroPadding layer first (on a new tensor: the unpadded one may feed another branch).

    Pools must also give PyTorch's values, not only its sizes: PyTorch's average pooling counts
    padded cells as zeros (a ZeroPadding layer does that, Keras' 'same' leaves them out of the
    average) and its max pooling pads with −∞ (Keras' 'same' does that; a ZeroPadding layer is
    right only when the input is never negative, `non_negative`). What cannot be said exactly is
    refused."""
    geo, kind = res.shape, res.layer.kind
    if _uneven(res) and _is_same(res):
        return "same", var  # p=same: Keras splits the padding as the spec does, the odd row after
    pads = _symmetric(res, "Keras")
    n, out = res.input_shape[1:], res.output_shape[1:]
    keff = [d * (k - 1) + 1 for k, d in zip(geo.kernel, geo.dilation, strict=True)]
    valid = [(i + 2 * p - k) // s + 1 for i, p, k, s in zip(n, pads, keff, geo.stride, strict=True)]
    same = [-(-i // s) for i, s in zip(n, geo.stride, strict=True)]
    if set(pads) == {0} and valid == list(out):
        return "valid", var
    symmetric_same = set(geo.stride) == {1} and all(2 * p == k - 1 for p, k in zip(pads, keff, strict=True))
    if symmetric_same and kind != "avgpool":
        return "same", var  # the same padding on both sides, as PyTorch's
    if valid == list(out):
        if kind == "maxpool" and set(pads) != {0} and not non_negative:
            raise CnnCalcError(
                _(
                    "{where}: PyTorch pads max pooling with −∞, Keras only with zeros, and a zero would "
                    "be the maximum of a window of negative values; pool the output of a ReLU (which "
                    "is never negative), use padding 0, or export to PyTorch"
                ),
                where=_where(res),
            )
        padded = f"{var}_p{res.id.replace('.', '_')}"
        lines.append(
            f"{padded} = layers.ZeroPadding{len(pads)}D({_one(pads)})({var})  # the padding of {res.id}"
        )
        return "valid", padded
    if same == list(out) and set(pads) == {0}:
        # ceil_mode: Keras' 'same' gives the same size, its padding at the end, where PyTorch's
        # last window hangs over the edge; both leave those cells out (of the maximum, the average)
        return "same", var
    raise CnnCalcError(
        _("{where}: neither Keras' 'valid' nor 'same' padding gives the table's size here"), where=_where(res)
    )


def _keras_layer(res: LayerResult, lines: list[str], var: str, non_negative: bool = False) -> tuple[str, str]:
    """The Keras layer of one row and the tensor it reads (a ZeroPadding line may come first);
    `non_negative`: whether what it reads is never negative (a ReLU's output)."""
    layer, kind, dims = res.layer, res.layer.kind, _dims(res)
    if kind in ("conv", "tconv"):
        geo = res.shape
        if max(geo.stride) > 1 and max(geo.dilation) > 1:
            # Keras' convolutions (and their transposes) refuse the pair when the layer is made
            raise CnnCalcError(
                _(
                    "{where}: Keras does not allow strides > 1 together with dilation_rate > 1 in one "
                    "convolution (here strides {stride}, dilation_rate {dilation}); use stride 1 or dilation 1 "
                    "in this layer, or export it to PyTorch, which allows both"
                ),
                where=_where(res),
                stride=_one(geo.stride),
                dilation=_one(geo.dilation),
            )
        if kind == "tconv" and layer.groups != 1:
            # Conv2DTranspose takes no groups= (the plain convolutions do): the model would not build
            raise CnnCalcError(
                _(
                    "{where}: Keras' Conv{dims}DTranspose has no groups (here {groups}); use groups 1 in "
                    "this layer, or export it to PyTorch, whose ConvTranspose{dims}d takes them"
                ),
                where=_where(res),
                dims=dims,
                groups=layer.groups,
            )
        args = [str(layer.units), _one(geo.kernel)]
        if set(geo.stride) != {1}:
            args.append(f"strides={_one(geo.stride)}")
        if kind == "conv":
            padding, var = _keras_padding(res, lines, var)
        else:
            n, out = res.input_shape[1:], res.output_shape[1:]
            if all(o == (i - 1) * s + k for i, o, s, k in zip(n, out, geo.stride, geo.kernel, strict=True)):
                padding = "valid"
            elif all(o == i * s for i, o, s in zip(n, out, geo.stride, strict=True)):
                padding = "same"
            else:
                raise CnnCalcError(
                    _("{where}: Keras' Conv{dims}DTranspose has 'valid' and 'same' only"),
                    where=_where(res),
                    dims=dims,
                )
        args.append(f'padding="{padding}"')
        if set(geo.dilation) != {1}:
            args.append(f"dilation_rate={_one(geo.dilation)}")
        if layer.groups != 1:
            args.append(f"groups={layer.groups}")
        if not layer.bias:
            args.append("use_bias=False")
        return f"layers.Conv{dims}D{'Transpose' if kind == 'tconv' else ''}({', '.join(args)})", var
    if kind in ("maxpool", "avgpool"):
        geo = res.shape
        if kind == "maxpool" and set(geo.dilation) != {1}:
            raise CnnCalcError(_("{where}: Keras' pooling has no dilation"), where=_where(res))
        padding, var = _keras_padding(res, lines, var, non_negative)
        name = "MaxPooling" if kind == "maxpool" else "AveragePooling"
        stride = "" if tuple(geo.stride) == tuple(geo.kernel) else f", strides={_one(geo.stride)}"
        return f'layers.{name}{dims}D({_one(geo.kernel)}{stride}, padding="{padding}")', var
    if kind in ("gap", "gmp") and layer.adaptive:
        n, out = res.input_shape[1:], res.output_shape[1:]
        if any(i % o for i, o in zip(n, out, strict=True)):
            raise CnnCalcError(
                _("{where}: Keras has no adaptive pooling, and {input} does not split evenly into {output}"),
                where=_where(res),
                input=n,
                output=out,
            )
        window = tuple(i // o for i, o in zip(n, out, strict=True))
        name = "AveragePooling" if kind == "gap" else "MaxPooling"
        return (
            f"layers.{name}{dims}D({_one(window)})",
            var,
        )  # adaptive pooling to an even split: fixed windows
    if kind in ("gap", "gmp"):
        return f"layers.Global{'Average' if kind == 'gap' else 'Max'}Pooling{dims}D(keepdims=True)", var
    if kind == "bn":
        return "layers.BatchNormalization()", var
    if kind == "fc":
        return f"layers.Dense({layer.units}{'' if layer.bias else ', use_bias=False'})", var
    if kind == "dropout":
        return f"layers.Dropout({layer.rate:g})", var
    if kind == "leakyrelu":
        return f"layers.LeakyReLU(negative_slope={layer.slope:g})", var
    if kind == "pad":
        if layer.mode not in ("", "zero"):
            raise CnnCalcError(_("{where}: Keras pads with zeros only"), where=_where(res))
        return f"layers.ZeroPadding{dims}D({_one(layer.padding)})", var
    if kind == "upsample":
        if layer.mode == "bilinear" and dims != 2:
            raise CnnCalcError(
                _("{where}: Keras' UpSampling{dims}D repeats values only; it has no linear interpolation"),
                where=_where(res),
                dims=dims,
            )
        how = "" if layer.mode != "bilinear" else ', interpolation="bilinear"'
        return f"layers.UpSampling{dims}D({_one(layer.factor)}{how})", var
    if kind in _KERAS_ACTIVATIONS:
        return _KERAS_ACTIVATIONS[kind], var
    raise CnnCalcError(
        _("{where}: Keras has no {kind} layer cnncalc can write"), where=_where(res), kind=kind
    )


def to_keras(net: NetworkResult, model_name: str = "net", source: str = "") -> str:
    """The network as a Keras functional model (channels last), one layer call per row."""
    _check(net)
    names = _Names(net)
    body: list[str] = []
    c, *spatial = net.input_shape
    for res in _computing(net):
        if res.layer is not None:
            var = names.var[res.node.inputs[0]]
            if res.layer.kind == "fc" and len(res.input_shape) > 1:
                body.append(f"{var} = layers.Flatten()({var})  # Dense reads a vector")
            producer = net.by_id.get(res.node.inputs[0])
            non_negative = (
                producer is not None and producer.layer is not None and producer.layer.kind in _NON_NEGATIVE
            )
            call, var = _keras_layer(res, body, var, non_negative)
            out = names.tensor(res)
            body.append(f"{out} = {call}({var})  # {res.id}: {res.describe()}")
        else:
            parts = ", ".join(names.var[i] for i in res.node.inputs)
            out = names.tensor(res)
            merge = "add" if res.kind == "add" else "concatenate"
            body.append(f"{out} = layers.{merge}([{parts}])  # {res.id}: {res.kind}")
    head = (
        f'"""{model_name}: written by cnncalc export{" from " + source if source else ""} (Keras, channels last).\n\n'
        f"Input {'×'.join(map(str, net.input_shape))} (as Keras' shape {tuple([*spatial, c])}), "
        f"{net.total_params:,} trainable parameters (as cnncalc's table; Keras' summary() also lists "
        'batch norm statistics as non-trainable).\n"""\n'
    )
    return "\n".join(
        [
            head,
            "import keras",
            "from keras import layers",
            "",
            f"inputs = keras.Input(shape={tuple([*spatial, c])})",
            "x = inputs",
            *body,
            f'model = keras.Model(inputs, {names.var[net.graph.output]}, name="{model_name}")',
            "",
            'if __name__ == "__main__":',
            "    model.summary()",
            "",
        ]
    )
