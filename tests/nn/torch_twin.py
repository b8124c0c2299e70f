"""A PyTorch twin of a cnncalc model, chain or graph, holding copies of the same weights (for the oracle tests)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from cnncalc.arith.graph import INPUT
from cnncalc.nn import layers as L
from cnncalc.nn.merge import Add, Concat
from cnncalc.nn.model import Model


class Conv(torch.nn.Module):
    """F.conv2d with explicit (possibly asymmetric) padding, as 'same' needs."""

    def __init__(self, layer: L.Conv2D) -> None:
        super().__init__()
        self.layer = layer
        self.weight = torch.nn.Parameter(torch.tensor(layer.params["weight"]))
        bias = layer.params.get("bias")
        self.bias = torch.nn.Parameter(torch.tensor(bias)) if bias is not None else None

    def forward(self, x):
        (t, b), (left, r) = self.layer.padding
        x = F.pad(x, (left, r, t, b))
        return F.conv2d(
            x, self.weight, self.bias, self.layer.stride, 0, self.layer.dilation, self.layer.groups
        )


class TConv(torch.nn.Module):
    def __init__(self, layer: L.ConvTranspose2D) -> None:
        super().__init__()
        self.layer = layer
        self.weight = torch.nn.Parameter(torch.tensor(layer.params["weight"]))
        bias = layer.params.get("bias")
        self.bias = torch.nn.Parameter(torch.tensor(bias)) if bias is not None else None

    def forward(self, x):
        lay = self.layer
        full = (
            (np.array(x.shape[2:]) - 1) * lay.stride
            - 2 * np.array(lay.padding)
            + np.array(lay.dilation) * (np.array(lay.kernel) - 1)
            + 1
        )
        op = tuple(int(v) for v in np.array(lay.out_size) - full)
        return F.conv_transpose2d(x, self.weight, self.bias, lay.stride, lay.padding, op, 1, lay.dilation)


class Pool(torch.nn.Module):
    def __init__(self, layer) -> None:
        super().__init__()
        self.layer = layer

    def forward(self, x):
        lay = self.layer
        pad = (lay.padding[0][0], lay.padding[1][0])
        if isinstance(lay, L.MaxPool2D):
            return F.max_pool2d(x, lay.kernel, lay.stride, pad, lay.dilation, ceil_mode=lay.ceil)
        return F.avg_pool2d(x, lay.kernel, lay.stride, pad, ceil_mode=lay.ceil)


class BN(torch.nn.Module):
    def __init__(self, layer: L.BatchNorm) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.tensor(layer.params["weight"]))
        self.bias = torch.nn.Parameter(torch.tensor(layer.params["bias"]))
        self.register_buffer("running_mean", torch.tensor(layer.buffers["running_mean"]))
        self.register_buffer("running_var", torch.tensor(layer.buffers["running_var"]))

    def forward(self, x):
        return F.batch_norm(
            x, self.running_mean, self.running_var, self.weight, self.bias, self.training, 0.1, 1e-5
        )


class Dense(torch.nn.Module):
    def __init__(self, layer: L.Dense) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.tensor(layer.params["weight"]))
        bias = layer.params.get("bias")
        self.bias = torch.nn.Parameter(torch.tensor(bias)) if bias is not None else None

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)


def twin_layer(layer: L.Layer) -> torch.nn.Module:
    """The torch module computing what `layer` computes, on NCHW tensors."""
    makers = {
        L.Conv2D: Conv,
        L.ConvTranspose2D: TConv,
        L.MaxPool2D: Pool,
        L.AvgPool2D: Pool,
        L.BatchNorm: BN,
        L.Dense: Dense,
    }
    if type(layer) in makers:
        return makers[type(layer)](layer)
    if isinstance(layer, L.LeakyReLU):
        return torch.nn.LeakyReLU(layer.slope)
    if isinstance(layer, L.AdaptiveAvgPool2D):
        return torch.nn.AdaptiveAvgPool2d(layer.out_hw)
    simple = {
        L.ReLU: torch.nn.ReLU,
        L.Sigmoid: torch.nn.Sigmoid,
        L.Tanh: torch.nn.Tanh,
        L.Flatten: torch.nn.Flatten,
        L.GlobalAvgPool: lambda: torch.nn.AdaptiveAvgPool2d(1),
        L.Softmax: lambda: torch.nn.Softmax(dim=1),
        L.Dropout: torch.nn.Identity,  # the oracle tests use rate 0
    }
    return simple[type(layer)]()


class GraphTwin(torch.nn.Module):
    """Runs the model's graph in torch: each layer's twin on the value it reads (by node id), `add`
    as a sum and `concat` as torch.cat on channels (NCHW: dim 1), the same wiring as `Model.run`."""

    def __init__(self, model: Model) -> None:
        super().__init__()
        self.model = model
        merges = (Add, Concat)
        self.nodes = torch.nn.ModuleList(
            [torch.nn.Identity() if isinstance(lay, merges) else twin_layer(lay) for lay in model.layers]
        )

    def forward(self, x):
        values = {INPUT: x}
        for layer, module in zip(self.model.layers, self.nodes, strict=True):
            inputs = [values[i] for i in layer.reads]
            if isinstance(layer, Add):
                values[layer.node_id] = sum(inputs[1:], inputs[0])
            elif isinstance(layer, Concat):
                values[layer.node_id] = torch.cat(inputs, dim=1)
            else:
                values[layer.node_id] = module(inputs[0])
        return values[self.model.output]


def twin(model: Model) -> GraphTwin:
    return GraphTwin(model)


def grads_of(ref: GraphTwin) -> dict[str, np.ndarray]:
    """Gradients keyed like `Model.named_grads()`."""
    return {
        f"{layer.node_id}.{name}": param.grad.numpy()
        for layer, mod in zip(ref.model.layers, ref.nodes, strict=True)
        for name, param in mod.named_parameters(recurse=False)
    }


def params_of(ref: GraphTwin) -> dict[str, torch.nn.Parameter]:
    """The twin's parameters keyed like `Model.named_params()`."""
    return {
        f"{layer.node_id}.{name}": param
        for layer, mod in zip(ref.model.layers, ref.nodes, strict=True)
        for name, param in mod.named_parameters(recurse=False)
    }


def to_nchw(x: np.ndarray) -> np.ndarray:
    return x.transpose(0, 3, 1, 2) if x.ndim == 4 else x
