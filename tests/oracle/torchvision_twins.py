"""Ten torchvision classification networks rebuilt in plain PyTorch (2.13 and later), for the oracle.

CI has torch but never torchvision, so the presets of issue 9 are checked against these twins and
against tests/oracle/fixtures/torchvision.json, which generate_torchvision_fixtures.py writes from
real torchvision 0.29 after proving that each twin equals it: the same state_dict keys and shapes,
the same module paths and types called in the same order with the same output shapes, and the same
logits for the same weights.

Module names, class names, call order and functional ops (`F.relu` inside `BasicConv2d`, the
`F.avg_pool2d` / `F.max_pool2d` branches of Inception-v3, DenseNet's final `F.relu`) follow
torchvision, because a torchinfo table of either must read the same row for row. Only what the
counts, shapes, receptive fields and outputs depend on is kept: no weight initialisation schemes,
no auxiliary heads, no width multipliers, no memory-efficient checkpointing.

    >>> sum(p.numel() for p in TWINS["resnet-18"].build(device="meta").parameters())
    11689512
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

# -- ResNet (v1.5: a bottleneck strides on its 3×3 conv, not on the first 1×1) -------------------------


def _projection(cin: int, cout: int, stride: int) -> nn.Sequential | None:
    """The shortcut: identity when the shape is kept, else conv 1×1 (stride, no bias) + BN."""
    if stride == 1 and cin == cout:
        return None
    return nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))


class BasicBlock(nn.Module):
    """conv 3×3 (stride) · BN · ReLU · conv 3×3 · BN, + shortcut, ReLU. Output width = `width`."""

    expansion = 1

    def __init__(self, cin: int, width: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, width, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(width, width, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.downsample = _projection(cin, width, stride)

    def forward(self, x: Tensor) -> Tensor:
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu(out + shortcut)


class Bottleneck(nn.Module):
    """conv 1×1 · BN · ReLU · conv 3×3 (stride) · BN · ReLU · conv 1×1 (4·width) · BN, + shortcut, ReLU."""

    expansion = 4

    def __init__(self, cin: int, width: int, stride: int) -> None:
        super().__init__()
        cout = width * self.expansion
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _projection(cin, cout, stride)

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu(out + shortcut)


class ResNet(nn.Module):
    """Stem conv 7×7/2 p3 + BN + ReLU + maxpool 3/2 p1; four stages of widths 64, 128, 256, 512
    (the first block of stages 2–4 strides 2); global average pool; fc 1000."""

    def __init__(self, block: type[BasicBlock | Bottleneck], depths: tuple[int, int, int, int]) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin = 64
        for stage, (depth, width) in enumerate(zip(depths, (64, 128, 256, 512), strict=True), start=1):
            blocks = []
            for i in range(depth):
                blocks.append(block(cin, width, 2 if stage > 1 and i == 0 else 1))
                cin = width * block.expansion
            self.add_module(f"layer{stage}", nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(cin, 1000)

    def forward(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for stage in (self.layer1, self.layer2, self.layer3, self.layer4):
            x = stage(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


# -- MobileNet-v2 -----------------------------------------------------------------------------------


class Conv2dNormActivation(nn.Sequential):
    """conv k×k (padding (k−1)/2, no bias) · BN · ReLU6, as torchvision.ops.misc names it."""

    def __init__(self, cin: int, cout: int, kernel: int = 3, stride: int = 1, groups: int = 1) -> None:
        super().__init__(
            nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU6(inplace=True),
        )


class InvertedResidual(nn.Module):
    """Expand 1×1 to t·C_in (skipped when t = 1) · depthwise 3×3 (stride) · project 1×1 + BN, no
    activation after the projection; + input when stride 1 and C_in = C_out."""

    def __init__(self, cin: int, cout: int, stride: int, expand: int) -> None:
        super().__init__()
        hidden = cin * expand
        layers: list[nn.Module] = [Conv2dNormActivation(cin, hidden, 1)] if expand != 1 else []
        layers += [
            Conv2dNormActivation(hidden, hidden, 3, stride, groups=hidden),
            nn.Conv2d(hidden, cout, 1, bias=False),
            nn.BatchNorm2d(cout),
        ]
        self.conv = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv(x) if self.residual else self.conv(x)


# (expansion t, output channels c, repeats n, first stride s), the paper's Table 2
MOBILENET_V2_STAGES = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)


class MobileNetV2(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        features: list[nn.Module] = [Conv2dNormActivation(3, 32, 3, 2)]
        cin = 32
        for t, c, n, s in MOBILENET_V2_STAGES:
            for i in range(n):
                features.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        features.append(Conv2dNormActivation(cin, 1280, 1))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, 1000))

    def forward(self, x: Tensor) -> Tensor:
        x = F.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(torch.flatten(x, 1))


# -- GoogLeNet and Inception-v3 share BasicConv2d ------------------------------------------------------


class BasicConv2d(nn.Module):
    """conv (no bias) · BN (eps 0.001) · functional ReLU: two parameter rows, no ReLU row."""

    def __init__(
        self,
        cin: int,
        cout: int,
        kernel: int | tuple[int, int],
        stride: int = 1,
        padding: int | tuple[int, int] = 0,
    ) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride, padding, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.bn(self.conv(x)), inplace=True)


class Inception(nn.Module):
    """GoogLeNet's block: 1×1 | 1×1→3×3 | 1×1→3×3 (torchvision's 3×3 where the paper has 5×5) |
    maxpool 3/1 p1 ceil→1×1, concatenated on channels."""

    def __init__(self, cin: int, c1: int, c3r: int, c3: int, c5r: int, c5: int, pool: int) -> None:
        super().__init__()
        self.branch1 = BasicConv2d(cin, c1, 1)
        self.branch2 = nn.Sequential(BasicConv2d(cin, c3r, 1), BasicConv2d(c3r, c3, 3, padding=1))
        self.branch3 = nn.Sequential(BasicConv2d(cin, c5r, 1), BasicConv2d(c5r, c5, 3, padding=1))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True), BasicConv2d(cin, pool, 1))

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class GoogLeNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = BasicConv2d(3, 64, 7, 2, 3)
        self.maxpool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2 = BasicConv2d(64, 64, 1)
        self.conv3 = BasicConv2d(64, 192, 3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.inception3a = Inception(192, 64, 96, 128, 16, 32, 32)
        self.inception3b = Inception(256, 128, 128, 192, 32, 96, 64)
        self.maxpool3 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.inception4a = Inception(480, 192, 96, 208, 16, 48, 64)
        self.inception4b = Inception(512, 160, 112, 224, 24, 64, 64)
        self.inception4c = Inception(512, 128, 128, 256, 24, 64, 64)
        self.inception4d = Inception(512, 112, 144, 288, 32, 64, 64)
        self.inception4e = Inception(528, 256, 160, 320, 32, 128, 128)
        self.maxpool4 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.inception5a = Inception(832, 256, 160, 320, 32, 128, 128)
        self.inception5b = Inception(832, 384, 192, 384, 48, 128, 128)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(1024, 1000)

    def forward(self, x: Tensor) -> Tensor:
        # the children are registered in the order they run; the flatten sits before the dropout
        for name, module in self.named_children():
            x = module(torch.flatten(x, 1) if name == "dropout" else x)
        return x


# -- DenseNet-121 --------------------------------------------------------------------------------------


class _DenseLayer(nn.Module):
    """BN · ReLU · conv 1×1 (4·32) · BN · ReLU · conv 3×3 (32), on the concatenation of everything
    before it in the block; returns only its 32 new channels."""

    def __init__(self, cin: int, growth: int = 32, bottleneck: int = 4) -> None:
        super().__init__()
        self.norm1 = nn.BatchNorm2d(cin)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(cin, bottleneck * growth, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(bottleneck * growth)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bottleneck * growth, growth, 3, 1, 1, bias=False)

    def forward(self, features: list[Tensor]) -> Tensor:
        x = self.conv1(self.relu1(self.norm1(torch.cat(features, 1))))
        return self.conv2(self.relu2(self.norm2(x)))


class _DenseBlock(nn.ModuleDict):
    def __init__(self, layers: int, cin: int, growth: int = 32) -> None:
        super().__init__({f"denselayer{i + 1}": _DenseLayer(cin + i * growth) for i in range(layers)})

    def forward(self, x: Tensor) -> Tensor:
        features = [x]
        for layer in self.values():
            features.append(layer(features))
        return torch.cat(features, 1)


class _Transition(nn.Sequential):
    """BN · ReLU · conv 1×1 halving the channels · avgpool 2/2."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(cin)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(cin, cout, 1, bias=False)
        self.pool = nn.AvgPool2d(2, 2)


class DenseNet(nn.Module):
    def __init__(self, blocks: tuple[int, ...] = (6, 12, 24, 16), growth: int = 32) -> None:
        super().__init__()
        stem = [
            ("conv0", nn.Conv2d(3, 64, 7, 2, 3, bias=False)),
            ("norm0", nn.BatchNorm2d(64)),
            ("relu0", nn.ReLU(inplace=True)),
            ("pool0", nn.MaxPool2d(3, 2, 1)),
        ]
        self.features = nn.Sequential(OrderedDict(stem))
        channels = 64
        for i, layers in enumerate(blocks, start=1):
            self.features.add_module(f"denseblock{i}", _DenseBlock(layers, channels, growth))
            channels += layers * growth
            if i < len(blocks):
                self.features.add_module(f"transition{i}", _Transition(channels, channels // 2))
                channels //= 2
        self.features.add_module("norm5", nn.BatchNorm2d(channels))
        self.classifier = nn.Linear(channels, 1000)

    def forward(self, x: Tensor) -> Tensor:
        x = F.adaptive_avg_pool2d(F.relu(self.features(x), inplace=True), (1, 1))
        return self.classifier(torch.flatten(x, 1))


# -- SqueezeNet 1.0 / 1.1 ------------------------------------------------------------------------------


class Fire(nn.Module):
    """squeeze conv 1×1 + ReLU, then expand 1×1 + ReLU | expand 3×3 p1 + ReLU, concatenated. Every
    conv keeps its bias; there is no batch norm anywhere in SqueezeNet."""

    def __init__(self, cin: int, squeeze: int, e1: int, e3: int) -> None:
        super().__init__()
        self.squeeze = nn.Conv2d(cin, squeeze, 1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(squeeze, e1, 1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(squeeze, e3, 3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        x = self.squeeze_activation(self.squeeze(x))
        ones = self.expand1x1_activation(self.expand1x1(x))
        threes = self.expand3x3_activation(self.expand3x3(x))
        return torch.cat([ones, threes], 1)


def _pool() -> nn.MaxPool2d:
    return nn.MaxPool2d(3, 2, ceil_mode=True)


class SqueezeNet(nn.Module):
    """1.0: conv 7×7/2 (96), pools after Fire 4 and Fire 8. 1.1: conv 3×3/2 (64), pools after
    Fire 3 and Fire 5. Both end in dropout · conv 1×1 (1000, bias) · ReLU · global average pool."""

    def __init__(self, version: str) -> None:
        super().__init__()
        fires = [(16, 64), (16, 64), (32, 128), (32, 128), (48, 192), (48, 192), (64, 256), (64, 256)]
        pool_after = {"1.0": (3, 7), "1.1": (2, 4)}[version]
        if version == "1.0":
            layers: list[nn.Module] = [nn.Conv2d(3, 96, 7, 2), nn.ReLU(inplace=True), _pool()]
            cin = 96
        else:
            layers = [nn.Conv2d(3, 64, 3, 2), nn.ReLU(inplace=True), _pool()]
            cin = 64
        for i, (squeeze, expand) in enumerate(fires):
            if i in pool_after:
                layers.append(_pool())
            layers.append(Fire(cin, squeeze, expand, expand))
            cin = 2 * expand
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.Dropout(0.5), nn.Conv2d(512, 1000, 1), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1))
        )

    def forward(self, x: Tensor) -> Tensor:
        return torch.flatten(self.classifier(self.features(x)), 1)


# -- VGG-16 with batch norm --------------------------------------------------------------------------


class VGG(nn.Module):
    """Configuration D: 13 × (conv 3×3 p1 with bias · BN · ReLU), a maxpool 2/2 after each of the five
    groups; AdaptiveAvgPool2d(7); fc 25088→4096→4096→1000 with ReLU and dropout between."""

    def __init__(
        self, groups: tuple[tuple[int, ...], ...] = ((64, 64), (128, 128), (256,) * 3, (512,) * 3, (512,) * 3)
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        cin = 3
        for group in groups:
            for cout in group:
                layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
                cin = cout
            layers.append(nn.MaxPool2d(2, 2))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096),
            nn.ReLU(True),
            nn.Dropout(0.5),
            nn.Linear(4096, 4096),
            nn.ReLU(True),
            nn.Dropout(0.5),
            nn.Linear(4096, 1000),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


# -- Inception-v3 --------------------------------------------------------------------------------------


def _avg3(x: Tensor) -> Tensor:
    """The pooling branch of blocks A, C and E: a functional 3×3 average pool, stride 1, padding 1."""
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)


def _max3s2(x: Tensor) -> Tensor:
    """The pooling branch of the grid reductions B and D: a functional 3×3 max pool, stride 2."""
    return F.max_pool2d(x, kernel_size=3, stride=2)


class InceptionA(nn.Module):
    """35×35: 1×1 (64) | 1×1 (48)→5×5 (64) | 1×1 (64)→3×3 (96)→3×3 (96) | avg 3/1→1×1 (pool)."""

    def __init__(self, cin: int, pool: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 64, 1)
        self.branch5x5_1 = BasicConv2d(cin, 48, 1)
        self.branch5x5_2 = BasicConv2d(48, 64, 5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, padding=1)
        self.branch_pool = BasicConv2d(cin, pool, 1)

    def forward(self, x: Tensor) -> Tensor:
        a = self.branch1x1(x)
        b = self.branch5x5_2(self.branch5x5_1(x))
        c = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        d = self.branch_pool(_avg3(x))
        return torch.cat([a, b, c, d], 1)


class InceptionB(nn.Module):
    """35→17 grid reduction: 3×3/2 (384) | 1×1 (64)→3×3 (96)→3×3/2 (96) | max 3/2 (no params)."""

    def __init__(self, cin: int) -> None:
        super().__init__()
        self.branch3x3 = BasicConv2d(cin, 384, 3, 2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, 2)

    def forward(self, x: Tensor) -> Tensor:
        a = self.branch3x3(x)
        b = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([a, b, _max3s2(x)], 1)


class InceptionC(nn.Module):
    """17×17, factorised 7×7: 1×1 (192) | 1×1 (c7)→1×7→7×1 (192) | 1×1 (c7)→7×1→1×7→7×1→1×7 (192) |
    avg 3/1→1×1 (192)."""

    def __init__(self, cin: int, c7: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 192, 1)
        self.branch7x7_1 = BasicConv2d(cin, c7, 1)
        self.branch7x7_2 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, (7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(cin, c7, 1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, (1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(cin, 192, 1)

    def forward(self, x: Tensor) -> Tensor:
        a = self.branch1x1(x)
        b = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        c = self.branch7x7dbl_1(x)
        for conv in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            c = conv(c)
        d = self.branch_pool(_avg3(x))
        return torch.cat([a, b, c, d], 1)


class InceptionD(nn.Module):
    """17→8 grid reduction: 1×1 (192)→3×3/2 (320) | 1×1 (192)→1×7→7×1→3×3/2 (192) | max 3/2."""

    def __init__(self, cin: int) -> None:
        super().__init__()
        self.branch3x3_1 = BasicConv2d(cin, 192, 1)
        self.branch3x3_2 = BasicConv2d(192, 320, 3, 2)
        self.branch7x7x3_1 = BasicConv2d(cin, 192, 1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, (1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, (7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, 3, 2)

    def forward(self, x: Tensor) -> Tensor:
        a = self.branch3x3_2(self.branch3x3_1(x))
        b = self.branch7x7x3_1(x)
        for conv in (self.branch7x7x3_2, self.branch7x7x3_3, self.branch7x7x3_4):
            b = conv(b)
        return torch.cat([a, b, _max3s2(x)], 1)


class InceptionE(nn.Module):
    """8×8, expanded: 1×1 (320) | 1×1 (384)→[1×3 | 3×1] (384 each) | 1×1 (448)→3×3 (384)→[1×3 | 3×1]
    (384 each) | avg 3/1→1×1 (192): 320 + 768 + 768 + 192 = 2048 channels."""

    def __init__(self, cin: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 320, 1)
        self.branch3x3_1 = BasicConv2d(cin, 384, 1)
        self.branch3x3_2a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(cin, 448, 1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, 3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(cin, 192, 1)

    def forward(self, x: Tensor) -> Tensor:
        a = self.branch1x1(x)
        b = self.branch3x3_1(x)
        b = torch.cat([self.branch3x3_2a(b), self.branch3x3_2b(b)], 1)
        c = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        c = torch.cat([self.branch3x3dbl_3a(c), self.branch3x3dbl_3b(c)], 1)
        d = self.branch_pool(_avg3(x))
        return torch.cat([a, b, c, d], 1)


class Inception3(nn.Module):
    """Stem on 3×299×299: 3×3/2 (32) · 3×3 (32) · 3×3 p1 (64) · max 3/2 · 1×1 (80) · 3×3 (192) · max 3/2
    (no padding anywhere but the third conv); 3 × A, B, 4 × C, D, 2 × E; global pool, dropout, fc."""

    def __init__(self) -> None:
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, 3, 2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, 3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, 3, padding=1)
        self.maxpool1 = nn.MaxPool2d(3, 2)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, 1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, 3)
        self.maxpool2 = nn.MaxPool2d(3, 2)
        self.Mixed_5b = InceptionA(192, 32)
        self.Mixed_5c = InceptionA(256, 64)
        self.Mixed_5d = InceptionA(288, 64)
        self.Mixed_6a = InceptionB(288)
        self.Mixed_6b = InceptionC(768, 128)
        self.Mixed_6c = InceptionC(768, 160)
        self.Mixed_6d = InceptionC(768, 160)
        self.Mixed_6e = InceptionC(768, 192)
        self.Mixed_7a = InceptionD(768)
        self.Mixed_7b = InceptionE(1280)
        self.Mixed_7c = InceptionE(2048)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(0.5)
        self.fc = nn.Linear(2048, 1000)

    def forward(self, x: Tensor) -> Tensor:
        # the children are registered in the order they run; here the flatten follows the dropout
        for name, module in self.named_children():
            x = module(torch.flatten(x, 1) if name == "fc" else x)
        return x


# -- the catalogue ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Twin:
    """One preset: its torchvision builder and arguments, input, twin builder and probe points.

    `probes` are module paths whose outputs get a measured receptive field (stage ends and the
    stem); the last is the final spatial map before global pooling (VGG: before its classifier)."""

    preset: str
    torchvision: str
    kwargs: dict[str, object]
    input: tuple[int, int, int]
    make: Callable[[], nn.Module]
    probes: tuple[str, ...]

    def build(self, device: str | torch.device = "cpu") -> nn.Module:
        """The twin in eval mode (`device="meta"` builds it without allocating any weights)."""
        with torch.device(device):
            return self.make().eval()


def _resnet_probes(depths: tuple[int, ...]) -> tuple[str, ...]:
    blocks = tuple(f"layer{s}.{i}" for s, n in enumerate(depths, start=1) for i in range(n))
    return ("conv1", "maxpool", *blocks)


_INCEPTION = {"aux_logits": False, "init_weights": False}
_GOOGLENET_PROBES = (
    "conv1",
    "maxpool1",
    "conv2",
    "conv3",
    "maxpool2",
    "inception3a",
    "inception3b",
    "maxpool3",
    "inception4a",
    "inception4b",
    "inception4c",
    "inception4d",
    "inception4e",
    "maxpool4",
    "inception5a",
    "inception5b",
)
_INCEPTION3_PROBES = (
    "Conv2d_1a_3x3",
    "Conv2d_2a_3x3",
    "Conv2d_2b_3x3",
    "maxpool1",
    "Conv2d_3b_1x1",
    "Conv2d_4a_3x3",
    "maxpool2",
    "Mixed_5b",
    "Mixed_5c",
    "Mixed_5d",
    "Mixed_6a",
    "Mixed_6b",
    "Mixed_6c",
    "Mixed_6d",
    "Mixed_6e",
    "Mixed_7a",
    "Mixed_7b",
    "Mixed_7c",
)
_DENSENET_PROBES = tuple(
    f"features.{name}"
    for name in (
        "conv0",
        "pool0",
        "denseblock1",
        "transition1",
        "denseblock2",
        "transition2",
        "denseblock3",
        "transition3",
        "denseblock4",
    )
)
# every conv and pool of VGG's features (a BN or ReLU row keeps the field of the conv before it)
_VGG_PROBES = tuple(
    f"features.{i}" for i in (0, 3, 6, 7, 10, 13, 14, 17, 20, 23, 24, 27, 30, 33, 34, 37, 40, 43)
)
# the first conv, every pool and Fire module, and the final 1×1 conv (its ReLU is index 1)
_SQUEEZENET_PROBES = (*(f"features.{i}" for i in range(13) if i != 1), "classifier.1")


TWINS: dict[str, Twin] = {
    t.preset: t
    for t in (
        Twin(
            "resnet-18",
            "resnet18",
            {},
            (3, 224, 224),
            lambda: ResNet(BasicBlock, (2, 2, 2, 2)),
            _resnet_probes((2, 2, 2, 2)),
        ),
        Twin(
            "resnet-34",
            "resnet34",
            {},
            (3, 224, 224),
            lambda: ResNet(BasicBlock, (3, 4, 6, 3)),
            _resnet_probes((3, 4, 6, 3)),
        ),
        Twin(
            "resnet-50",
            "resnet50",
            {},
            (3, 224, 224),
            lambda: ResNet(Bottleneck, (3, 4, 6, 3)),
            _resnet_probes((3, 4, 6, 3)),
        ),
        Twin(
            "mobilenet-v2",
            "mobilenet_v2",
            {},
            (3, 224, 224),
            MobileNetV2,
            tuple(f"features.{i}" for i in range(19)),
        ),
        Twin("googlenet", "googlenet", _INCEPTION, (3, 224, 224), GoogLeNet, _GOOGLENET_PROBES),
        Twin("densenet-121", "densenet121", {}, (3, 224, 224), DenseNet, _DENSENET_PROBES),
        Twin(
            "squeezenet-1.0",
            "squeezenet1_0",
            {},
            (3, 224, 224),
            lambda: SqueezeNet("1.0"),
            _SQUEEZENET_PROBES,
        ),
        Twin(
            "squeezenet-1.1",
            "squeezenet1_1",
            {},
            (3, 224, 224),
            lambda: SqueezeNet("1.1"),
            _SQUEEZENET_PROBES,
        ),
        Twin("vgg-16-bn", "vgg16_bn", {}, (3, 224, 224), VGG, _VGG_PROBES),
        Twin("inception-v3", "inception_v3", _INCEPTION, (3, 299, 299), Inception3, _INCEPTION3_PROBES),
    )
}

# torchvision's published parameter counts (its weights' meta "num_params"; Inception-v3's
# 27,161,264 includes the auxiliary head, 3,326,696 of it, which the preset leaves out)
PUBLISHED_PARAMS = {
    "resnet-18": 11_689_512,
    "resnet-34": 21_797_672,
    "resnet-50": 25_557_032,
    "mobilenet-v2": 3_504_872,
    "googlenet": 6_624_904,
    "densenet-121": 7_978_856,
    "squeezenet-1.0": 1_248_424,
    "squeezenet-1.1": 1_235_496,
    "vgg-16-bn": 138_365_992,
    "inception-v3": 23_834_568,
}
