"""Named networks a learner can load with `cnncalc net --preset NAME`, written in the spec language.

Each preset is plain spec text, parsed by the same `parse_spec` as anything the user types, and its
parameter total is the one PyTorch reports (`sum(p.numel() for p in model.parameters())`):

    seed-001            45,844   note 001's 2×96×96 network
    keras-mnist         93,322   note 000's Keras model
    torch-mnist         28,938   note 003's PyTorch class
    lenet-5             61,706
    alexnet         61,100,840   torchvision's AlexNet, with its AdaptiveAvgPool2d(6)
    vgg-16         138,357,544   torchvision's VGG-16, with its AdaptiveAvgPool2d(7)
    digits              43,050   the trainer's default network for the 8×8 digits
    digits-resnet       77,290   a small ResNet for the digits (`cnncalc train --preset digits-resnet`)
    digits-inception    27,546   a small GoogLeNet for the digits, its branches concatenated

and torchvision 0.29's classifiers, with their blocks written as blocks (their totals are
torchvision's, checked against it by the oracle tests):

    resnet-18       11,689,512   resnet-34      21,797,672   resnet-50       25,557,032
    mobilenet-v2     3,504,872   googlenet       6,624,904   densenet-121     7,978,856
    squeezenet-1.0   1,248,424   squeezenet-1.1  1,235,496   vgg-16-bn      138,365,992
    inception-v3    23,834,568 (3×299×299; GoogLeNet and Inception-v3 without their auxiliary heads)

The trainer's default networks are presets too (`digits`, and `keras-mnist` for other data), so
their texts live here and `cnncalc.nn` reads them from this module.

>>> get_preset("seed-001").input_shape
(2, 96, 96)
"""

from __future__ import annotations

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


_RESNET_BASIC = """\
input 3x224x224
# torchvision's ResNet-{depth}: a basic block is two 3×3 convs (no bias: BN follows) and a shortcut,
# the identity, or a projection conv 1×1 + BN where the stride and the width change
block basic(c)
  add( conv c k=3 p=1 bias=false | bn | relu | conv c k=3 p=1 bias=false | bn )
  relu
end
block basic-down(c)
  add( conv c k=3 s=2 p=1 bias=false | bn | relu | conv c k=3 p=1 bias=false | bn
     ; conv c k=1 s=2 bias=false | bn )
  relu
end
block stage(c, n)               # torchvision's layer2 … layer4: halve the map, then n − 1 blocks
  basic-down c
  basic c x(n - 1)
end
conv 64 k=7 s=2 p=3 bias=false  # conv1
bn
relu
maxpool k=3 s=2 p=1
basic 64 x{n1}                    # layer1
stage 128 {n2}                    # layer2
stage 256 {n3}                    # layer3
stage 512 {n4}                    # layer4
gap                             # AdaptiveAvgPool2d((1, 1))
flatten
fc 1000"""

_RESNET_50 = """\
input 3x224x224
# torchvision's ResNet-50 (v1.5): a bottleneck is 1×1, 3×3 (with the stride), 1×1 to 4·w channels;
# the first block of every stage projects its shortcut (conv 1×1 + BN), layer1's too (64 → 256)
block bottleneck(w)
  add( conv w k=1 bias=false | bn | relu | conv w k=3 p=1 bias=false | bn | relu
       conv (4*w) k=1 bias=false | bn )
  relu
end
block bottleneck-down(w, s)
  add( conv w k=1 bias=false | bn | relu | conv w k=3 s=s p=1 bias=false | bn | relu
       conv (4*w) k=1 bias=false | bn
     ; conv (4*w) k=1 s=s bias=false | bn )
  relu
end
block stage(w, n, s=2)
  bottleneck-down w s
  bottleneck w x(n - 1)
end
conv 64 k=7 s=2 p=3 bias=false  # conv1
bn
relu
maxpool k=3 s=2 p=1
stage 64 3 s=1                  # layer1
stage 128 4                     # layer2
stage 256 6                     # layer3
stage 512 3                     # layer4
gap
flatten
fc 1000"""

_MOBILENET_V2 = """\
input 3x224x224
# torchvision's MobileNetV2: inverted residuals expand t×, filter depthwise (g = channels), then
# project without an activation; the add is there when the stride is 1 and the width is kept
block conv-bn(c, k=1, s=1)      # Conv2dNormActivation: conv (no bias), BN, ReLU6
  conv c k=k s=s p=((k - 1) // 2) bias=false | bn | relu6
end
block depthwise(c, cout, s=1)   # a 3×3 filter per channel, then the 1×1 projection: no activation
  conv c k=3 s=s p=1 g=c bias=false | bn | relu6
  conv cout k=1 bias=false | bn
end
block inverted(cin, cout, t, s=1)
  conv-bn (cin*t)               # expand t×
  depthwise (cin*t) cout s
end
block residual(c, t=6)
  add( inverted c c t )
end
conv-bn 32 3 2                  # features.0
depthwise 32 16                 # features.1 (t = 1: nothing to expand)
inverted 16 24 6 2              # features.2
residual 24
inverted 24 32 6 2              # features.4
residual 32
residual 32
inverted 32 64 6 2              # features.7
residual 64
residual 64
residual 64
inverted 64 96 6                # features.11
residual 96
residual 96
inverted 96 160 6 2             # features.14
residual 160
residual 160
inverted 160 320 6              # features.17
conv-bn 1280                    # features.18
gap                             # the functional adaptive_avg_pool2d
flatten
dropout 0.2
fc 1000"""

_GOOGLENET = """\
input 3x224x224
# torchvision's GoogLeNet, built without its auxiliary heads (aux_logits=False)
block conv-bn(c, k=1, s=1, p=0)         # BasicConv2d: conv (no bias), BN, ReLU
  conv c k=k s=s p=p bias=false | bn | relu
end
block inception(c1, c3r, c3, c5r, c5, proj)
  concat( conv-bn c1
        ; conv-bn c3r | conv-bn c3 3 p=1
        ; conv-bn c5r | conv-bn c5 3 p=1    # torchvision's "5×5" branch is 3×3 (kept for its weights)
        ; maxpool k=3 s=1 p=1 ceil=true | conv-bn proj )
end
conv-bn 64 7 2 3                        # conv1
maxpool k=3 s=2 ceil=true               # maxpool1
conv-bn 64                              # conv2
conv-bn 192 3 p=1                       # conv3
maxpool k=3 s=2 ceil=true
inception 64 96 128 16 32 32            # inception3a
inception 128 128 192 32 96 64          # inception3b
maxpool k=3 s=2 ceil=true
inception 192 96 208 16 48 64           # inception4a
inception 160 112 224 24 64 64
inception 128 128 256 24 64 64
inception 112 144 288 32 64 64
inception 256 160 320 32 128 128        # inception4e
maxpool k=2 s=2 ceil=true
inception 256 160 320 32 128 128        # inception5a
inception 384 192 384 48 128 128        # inception5b
gap
flatten
dropout 0.2
fc 1000"""

_DENSENET_121 = """\
input 3x224x224
# torchvision's DenseNet-121: every dense layer adds g = 32 channels to all it was given
# (BN, ReLU, conv 1×1 to 4·g, BN, ReLU, conv 3×3 to g); transitions halve channels and map
block dense-layer(g=32)
  concat( ; bn | relu | conv (4*g) k=1 bias=false | bn | relu | conv g k=3 p=1 bias=false )
end
block transition(c)
  bn | relu | conv c k=1 bias=false | avgpool k=2
end
conv 64 k=7 s=2 p=3 bias=false         # features.conv0
bn
relu
maxpool k=3 s=2 p=1
dense-layer x6                          # denseblock1: 64 + 6·32 = 256
transition 128
dense-layer x12                         # denseblock2: 128 + 12·32 = 512
transition 256
dense-layer x24                         # denseblock3: 256 + 24·32 = 1024
transition 512
dense-layer x16                         # denseblock4: 512 + 16·32 = 1024
bn                                      # norm5, then the functional ReLU and pooling
relu
gap
flatten
fc 1000"""

_SQUEEZENET = """\
input 3x224x224
# torchvision's SqueezeNet {version}: fire modules squeeze with 1×1, then expand with 1×1 and 3×3
# side by side; no BN, biases everywhere, ceil-mode pools, and a conv as the classifier
block fire(s, e1, e3)
  conv s k=1 | relu
  concat( conv e1 k=1 | relu ; conv e3 k=3 p=1 | relu )
end
{features}
dropout 0.5                             # classifier
conv 1000 k=1
relu
gap
flatten"""

_SQUEEZENET_10 = """\
conv 96 k=7 s=2                         # features.0
relu
maxpool k=3 s=2 ceil=true
fire 16 64 64                           # features.3
fire 16 64 64
fire 32 128 128
maxpool k=3 s=2 ceil=true
fire 32 128 128                         # features.7
fire 48 192 192
fire 48 192 192
fire 64 256 256
maxpool k=3 s=2 ceil=true
fire 64 256 256                         # features.12"""

_SQUEEZENET_11 = """\
conv 64 k=3 s=2                         # features.0
relu
maxpool k=3 s=2 ceil=true
fire 16 64 64                           # features.3
fire 16 64 64
maxpool k=3 s=2 ceil=true
fire 32 128 128                         # features.6
fire 32 128 128
maxpool k=3 s=2 ceil=true
fire 48 192 192                         # features.9
fire 48 192 192
fire 64 256 256
fire 64 256 256                         # features.12"""

_VGG_16_BN = """\
input 3x224x224
# torchvision's VGG-16 with batch norm: the convs keep their biases next to BN
block conv-bn(c)
  conv c k=3 p=1 | bn | relu
end
conv-bn 64 x2
maxpool k=2
conv-bn 128 x2
maxpool k=2
conv-bn 256 x3
maxpool k=2
conv-bn 512 x3
maxpool k=2
conv-bn 512 x3
maxpool k=2
adaptiveavgpool 7                       # torchvision keeps 7×7 whatever the input size
flatten
fc 4096 | relu | dropout 0.5
fc 4096 | relu | dropout 0.5
fc 1000"""

_INCEPTION_V3 = """\
input 3x299x299
# torchvision's Inception-v3, built without its auxiliary head (aux_logits=False)
block conv-bn(c, k=1, s=1, p=0)         # BasicConv2d: conv (no bias), BN, ReLU
  conv c k=k s=s p=p bias=false | bn | relu
end
block inception-a(pool)                 # 35×35: 1×1, 5×5, two 3×3, pool
  concat( conv-bn 64
        ; conv-bn 48 | conv-bn 64 5 p=2
        ; conv-bn 64 | conv-bn 96 3 p=1 | conv-bn 96 3 p=1
        ; avgpool k=3 s=1 p=1 | conv-bn pool )
end
block inception-b                       # 35 → 17
  concat( conv-bn 384 3 2
        ; conv-bn 64 | conv-bn 96 3 p=1 | conv-bn 96 3 2
        ; maxpool k=3 s=2 )
end
block inception-c(c7)                   # 17×17: 7×7 factorised into 1×7 and 7×1
  concat( conv-bn 192
        ; conv-bn c7 | conv-bn c7 1x7 p=0x3 | conv-bn 192 7x1 p=3x0
        ; conv-bn c7 | conv-bn c7 7x1 p=3x0 | conv-bn c7 1x7 p=0x3 | conv-bn c7 7x1 p=3x0
          conv-bn 192 1x7 p=0x3
        ; avgpool k=3 s=1 p=1 | conv-bn 192 )
end
block inception-d                       # 17 → 8
  concat( conv-bn 192 | conv-bn 320 3 2
        ; conv-bn 192 | conv-bn 192 1x7 p=0x3 | conv-bn 192 7x1 p=3x0 | conv-bn 192 3 2
        ; maxpool k=3 s=2 )
end
block inception-e                       # 8×8: the 3×3 split into 1×3 and 3×1 side by side
  concat( conv-bn 320
        ; conv-bn 384 | concat( conv-bn 384 1x3 p=0x1 ; conv-bn 384 3x1 p=1x0 )
        ; conv-bn 448 | conv-bn 384 3 p=1 | concat( conv-bn 384 1x3 p=0x1 ; conv-bn 384 3x1 p=1x0 )
        ; avgpool k=3 s=1 p=1 | conv-bn 192 )
end
conv-bn 32 3 2                          # Conv2d_1a_3x3
conv-bn 32 3                            # Conv2d_2a_3x3
conv-bn 64 3 p=1                        # Conv2d_2b_3x3
maxpool k=3 s=2
conv-bn 80                              # Conv2d_3b_1x1
conv-bn 192 3                           # Conv2d_4a_3x3
maxpool k=3 s=2
inception-a 32                          # Mixed_5b
inception-a 64
inception-a 64
inception-b                             # Mixed_6a
inception-c 128                         # Mixed_6b
inception-c 160
inception-c 160
inception-c 192
inception-d                             # Mixed_7a
inception-e                             # Mixed_7b
inception-e                             # Mixed_7c
gap
dropout 0.5
flatten
fc 1000"""


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
    Preset(
        "digits-resnet",
        "a small ResNet for the 8×8 digits: two residual blocks, the second with a projection shortcut",
        """\
input 1x8x8
# a stem, a basic block with the identity shortcut, and one that halves the map and doubles the
# channels, so its shortcut is a projection (conv 1×1, stride 2, and BN) to the branch's 64×4×4
conv 32 k=3 p=1 bias=false | bn | relu
add( conv 32 k=3 p=1 bias=false | bn | relu | conv 32 k=3 p=1 bias=false | bn )
relu
add( conv 64 k=3 s=2 p=1 bias=false | bn | relu | conv 64 k=3 p=1 bias=false | bn
   ; conv 64 k=1 s=2 bias=false | bn )
relu
gap
flatten
fc 10""",
    ),
    Preset(
        "digits-inception",
        "a small GoogLeNet for the 8×8 digits: two inception modules of parallel branches, concatenated",
        """\
input 1x8x8
block cbr(c, k=1)               # GoogLeNet's BasicConv2d: conv (no bias: BN follows), BN, ReLU
  conv c k=k p=same bias=false
  bn
  relu
end
cbr 32 k=3
# an inception module: 1×1, 1×1 → 3×3, 1×1 → 5×5 and 3×3 max pool → 1×1, joined on channels
concat( cbr 16 ; cbr 16 | cbr 24 k=3 ; cbr 8 | cbr 8 k=5 ; maxpool k=3 s=1 p=1 | cbr 16 )
maxpool k=2
concat( cbr 32 ; cbr 32 | cbr 48 k=3 ; maxpool k=3 s=1 p=1 | cbr 16 )
gap
flatten
fc 10""",
    ),
    Preset(
        "resnet-18",
        "torchvision's ResNet-18 on 3×224×224: 8 basic blocks (two 3×3 convs and a shortcut)",
        _RESNET_BASIC.format(depth=18, n1=2, n2=2, n3=2, n4=2),
    ),
    Preset(
        "resnet-34",
        "torchvision's ResNet-34 on 3×224×224: 16 basic blocks in stages of 3, 4, 6, 3",
        _RESNET_BASIC.format(depth=34, n1=3, n2=4, n3=6, n4=3),
    ),
    Preset(
        "resnet-50",
        "torchvision's ResNet-50 (v1.5) on 3×224×224: 16 bottleneck blocks in stages of 3, 4, 6, 3",
        _RESNET_50,
    ),
    Preset(
        "mobilenet-v2",
        "torchvision's MobileNetV2 on 3×224×224: 17 inverted residual blocks, depthwise 3×3, ReLU6",
        _MOBILENET_V2,
    ),
    Preset(
        "googlenet",
        "torchvision's GoogLeNet (Inception v1) on 3×224×224, without its auxiliary heads",
        _GOOGLENET,
    ),
    Preset(
        "densenet-121",
        "torchvision's DenseNet-121 on 3×224×224: 58 dense layers in blocks of 6, 12, 24, 16",
        _DENSENET_121,
    ),
    Preset(
        "squeezenet-1.0",
        "torchvision's SqueezeNet 1.0 on 3×224×224: 8 fire modules, a conv classifier",
        _SQUEEZENET.format(version="1.0", features=_SQUEEZENET_10),
    ),
    Preset(
        "squeezenet-1.1",
        "torchvision's SqueezeNet 1.1 on 3×224×224: SqueezeNet 1.0 with a smaller stem, pooled earlier",
        _SQUEEZENET.format(version="1.1", features=_SQUEEZENET_11),
    ),
    Preset(
        "vgg-16-bn",
        "torchvision's VGG-16 with batch norm on 3×224×224, with its AdaptiveAvgPool2d(7)",
        _VGG_16_BN,
    ),
    Preset(
        "inception-v3",
        "torchvision's Inception-v3 on 3×299×299, without its auxiliary head",
        _INCEPTION_V3,
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
        import difflib  # only when a name is wrong: it costs a millisecond at start-up

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
