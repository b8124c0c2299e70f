"""A look inside a trained model: the kernels its conv layers learned and the maps an image makes.

What `cnncalc show` draws (and prints with `--json`) is computed here, once:

- `conv_filters`: per conv layer, each output channel's kernel averaged over its input channels,
  K̄_o[i, j] = (1/C_in) · Σ_c w[o, c, i, j] — one k_h×k_w picture per channel;
- `feature_maps`: per conv layer, the output channels for one image, (C, H_out, W_out).

>>> from cnncalc.nn.model import build_model
>>> model = build_model("input 1x8x8 | conv 3 k=3 | relu | flatten | fc 10", classes=10)
>>> [(f.layer, f.kernels.shape) for f in conv_filters(model, limit=2)]
[(1, (2, 3, 3))]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.network import LayerResult
from cnncalc.i18n import _
from cnncalc.nn.model import Model


@dataclass(frozen=True)
class ConvFilters:
    """A conv layer's first kernels, each the mean over its input channels."""

    layer: int  # the spec's layer number
    description: str  # "conv 8 k=3"
    weight_shape: tuple[int, ...]  # (C_out, C_in/g, k_h, k_w)
    kernels: np.ndarray  # (shown, k_h, k_w)

    @property
    def averaged(self) -> bool:
        """True when a kernel spans several input channels (so the picture is their mean)."""
        return self.weight_shape[1] > 1

    def to_dict(self) -> dict:
        return {
            "layer": self.layer,
            "description": self.description,
            "weight_shape": list(self.weight_shape),
            "mean_over_input_channels": self.averaged,
            "kernels": self.kernels.astype(float).tolist(),
        }


@dataclass(frozen=True)
class FeatureMaps:
    """A conv layer's first output channels for one image."""

    layer: int
    description: str
    shape: tuple[int, int, int]  # the layer's whole output: (C, H_out, W_out)
    maps: np.ndarray  # (shown, H_out, W_out)

    def to_dict(self) -> dict:
        return {
            "layer": self.layer,
            "description": self.description,
            "shape": list(self.shape),
            "maps": self.maps.astype(float).tolist(),
        }


def conv_layers(model: Model, number: int | None = None) -> list[tuple[int, LayerResult]]:
    """(index in `model.layers`, the walk's LayerResult) of each conv layer, or of conv layer `number`."""
    by_number = {res.layer.number: res for res in model.network.layers}
    convs = [(i, by_number[lay.number]) for i, lay in enumerate(model.layers) if lay.kind == "conv"]
    if not convs:
        raise CnnCalcError(_("this model has no conv layers to show"))
    if number is None:
        return convs
    chosen = [c for c in convs if c[1].layer.number == number]
    if not chosen:
        numbers = ", ".join(str(c[1].layer.number) for c in convs)
        raise CnnCalcError(
            _("{field} {number} is not a conv layer of this model; conv layers: {numbers}"),
            field="layer",
            number=number,
            numbers=numbers,
        )
    return chosen


def conv_filters(model: Model, number: int | None = None, limit: int = 8) -> list[ConvFilters]:
    """The first `limit` kernels of every conv layer (or of conv layer `number`)."""
    found = []
    for i, res in conv_layers(model, number):
        weight = model.layers[i].params["weight"]
        found.append(
            ConvFilters(res.layer.number, res.layer.describe(), weight.shape, weight[:limit].mean(axis=1))
        )
    return found


def feature_maps(
    model: Model, image: np.ndarray, number: int | None = None, limit: int = 8
) -> list[FeatureMaps]:
    """The first `limit` output channels of every conv layer (or of `number`) for a (1, C, H, W) image."""
    found = []
    for i, res in conv_layers(model, number):
        maps = model.forward(image, upto=i + 1)[0].transpose(2, 0, 1)  # NHWC → (C, H, W)
        found.append(FeatureMaps(res.layer.number, res.layer.describe(), maps.shape, maps[:limit]))
    return found
