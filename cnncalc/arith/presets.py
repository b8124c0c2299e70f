"""Named networks a learner can load with `cnncalc net --preset NAME`, written in the spec language.

Each preset is plain spec text, parsed by the same `parse_spec` as anything the user types, and its
parameter total is the one PyTorch reports (`sum(p.numel() for p in model.parameters())`):

    seed-001      45,844        note 001's 2×96×96 network
    keras-mnist   93,322        note 000's Keras model
    torch-mnist   28,938        note 003's PyTorch class
    lenet-5       61,706
    alexnet       61,100,840    torchvision's AlexNet, with its AdaptiveAvgPool2d(6)
    vgg-16        138,357,544   torchvision's VGG-16, with its AdaptiveAvgPool2d(7)
    digits        43,050        the trainer's default network for the 8×8 digits

The trainer's default networks are presets too (`digits`, and `keras-mnist` for other data), so
their texts live here and `cnncalc.nn` reads them from this module.

>>> get_preset("seed-001").input_shape
(2, 96, 96)
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from cnncalc.arith.errors import UsageError
from cnncalc.arith.spec import NetworkSpec, parse_spec


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    text: str


def _vgg16() -> str:
    blocks = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))
    lines = ["input 3x224x224"]
    for channels, convs in blocks:
        lines += [f"conv {channels} k=3 p=1 | relu"] * convs
        lines.append("maxpool k=2")
    lines += [
        "adaptiveavgpool 7          # torchvision keeps 7×7 whatever the input size",
        "flatten",
        "fc 4096 | relu | dropout 0.5",
        "fc 4096 | relu | dropout 0.5",
        "fc 1000",
    ]
    return "\n".join(lines)


_PRESETS = (
    Preset(
        "seed-001",
        "note 001's 2×96×96 network: conv 8 k5, maxpool 4, conv 24 k6, maxpool 4, fc 100",
        """\
input 2x96x96
conv 8 k=5
maxpool k=4
conv 24 k=6
maxpool k=4                 # the note claims 8×23×23 here; it is 24×4×4
flatten
fc 100""",
    ),
    Preset(
        "keras-mnist",
        "note 000's Keras MNIST model: 3 convs, 2 max pools, Dense 64, Dense 10",
        """\
input 1x28x28               # Keras input_shape=(28, 28, 1), channels last
conv 32 k=3 | relu
maxpool k=2
conv 64 k=3 | relu
maxpool k=2
conv 64 k=3 | relu
flatten
fc 64 | relu
fc 10 | softmax""",
    ),
    Preset(
        "torch-mnist",
        "note 003's PyTorch CNN class: two conv 5×5 'same' + max pool blocks, Linear(32·7·7, 10)",
        """\
input 1x28x28
conv 16 k=5 s=1 p=2 | relu
maxpool k=2
conv 32 k=5 s=1 p=2 | relu
maxpool k=2
flatten                     # x.view(x.size(0), -1)
fc 10""",
    ),
    Preset(
        "lenet-5",
        "LeNet-5 (LeCun 1998) on 1×32×32: conv 6 k5, avg pool, conv 16 k5, avg pool, fc 120, 84, 10",
        """\
input 1x32x32
conv 6 k=5 | tanh
avgpool k=2
conv 16 k=5 | tanh
avgpool k=2
flatten
fc 120 | tanh
fc 84 | tanh
fc 10""",
    ),
    Preset(
        "alexnet",
        "torchvision's AlexNet on 3×224×224, with its AdaptiveAvgPool2d(6)",
        """\
input 3x224x224
conv 64 k=11 s=4 p=2 | relu
maxpool k=3 s=2
conv 192 k=5 p=2 | relu
maxpool k=3 s=2
conv 384 k=3 p=1 | relu
conv 256 k=3 p=1 | relu
conv 256 k=3 p=1 | relu
maxpool k=3 s=2
adaptiveavgpool 6           # torchvision keeps 6×6 whatever the input size
flatten
dropout 0.5
fc 4096 | relu
dropout 0.5
fc 4096 | relu
fc 1000""",
    ),
    Preset("vgg-16", "torchvision's VGG-16 on 3×224×224: 13 convs 3×3, 5 max pools, 3 fc", _vgg16()),
    Preset(
        "digits",
        "the trainer's default network for the 8×8 digits (`cnncalc train`)",
        """\
input 1x8x8
conv 32 k=3 p=1
relu
conv 32 k=3 p=1
relu
maxpool k=2
flatten
fc 64
relu
fc 10
""",
    ),
)
PRESETS = {p.name: p for p in _PRESETS}


def preset_names() -> tuple[str, ...]:
    return tuple(PRESETS)


def list_presets() -> tuple[Preset, ...]:
    """Every preset with its one-line description and its spec text."""
    return _PRESETS


def find_preset(name: str) -> Preset:
    """The preset called `name` (any case, `_` for `-`); unknown names are a usage error with the
    closest match.

    >>> find_preset("Keras_MNIST").name
    'keras-mnist'
    """
    key = name.strip().lower().replace("_", "-")
    if key not in PRESETS:
        close = difflib.get_close_matches(key, PRESETS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise UsageError(f"unknown preset {name!r}{hint}; choose one of {', '.join(PRESETS)}")
    return PRESETS[key]


def preset_text(name: str) -> str:
    """The spec text of a preset (see `find_preset` for the names it accepts)."""
    return find_preset(name).text


def get_preset(name: str) -> NetworkSpec:
    """`get_preset("keras-mnist")` → the parsed `NetworkSpec` (walk it for shapes and totals)."""
    return parse_spec(preset_text(name))
