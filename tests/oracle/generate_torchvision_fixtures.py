"""Regenerate tests/oracle/fixtures/torchvision.json: the oracle for issue 9's ten presets.

    python -m tests.oracle.generate_torchvision_fixtures      (from the repository root, ~10 minutes)

Run it with a Python where torchvision imports, best a virtual environment of its own made with
`pip install torch==2.14.1 torchvision==0.29.1` (the pair this fixture was made with; torchvision is
never a dependency of anything here, and CI has only torch). Every number is then taken from REAL
torchvision, and each twin in torchvision_twins.py must agree with it exactly or nothing is written:
the same state_dict keys and shapes (so every parameter and buffer), the same rows (below), the same
output, the same receptive fields, and the same logits for the same weights. Without torchvision the
numbers come from the twins and the fixture says so (`"source"`); test_torchvision_twins.py refuses
such a fixture, so only one made from torchvision can be committed. Published totals are asserted
either way. Nothing here imports cnncalc.

What each model records (batch 1, its own input: 3×224×224, Inception-v3 3×299×299):

- `params`, `trainable`; `buffers` (every buffer element: BN running mean and variance plus one
  `num_batches_tracked` per BN) and `running_stats` (mean and variance only); `bn_layers`;
  `output` (C, …) without the batch.
- `rows`: one per module call, in call order (a torchinfo table's rows): `path` (torchvision's
  module path), `type`, `leaf`, `output` shape, `params` (the module's own total, children
  included), `macs` and `torchinfo_macs`. A container row's MACs are the sum over the leaf calls
  inside it. Ops that are no module — `torch.cat`, `+`, `F.relu` in BasicConv2d, Inception-v3's
  `F.avg_pool2d` / `F.max_pool2d` branches, the `F.adaptive_avg_pool2d` of MobileNet-v2 and
  DenseNet, every `torch.flatten` — have no row.
- `macs`: multiply-accumulates counting weights only, conv C_out·H_out·W_out·(C_in/g)·k_h·k_w and
  linear C_in·C_out (no bias, no BN, no pooling), as cnncalc counts them; the total is checked
  against torch's `FlopCounterMode` / 2, and rounded to 10⁶ it is torchvision's published
  `_ops` (asserted; recorded as `published_gmacs`). `torchinfo_macs`: torchinfo's "Mult-Adds":
  a conv costs (weights + biases)·H_out·W_out, any other module with parameters (linear, BN)
  its parameter count, once per call.
- `receptive_fields`: see `receptive_fields()`. The last probe is the final spatial map before
  global pooling (VGG: before its adaptive pool and classifier); its `rf` is the network's.
- `fingerprint`: logits for deterministic weights and input (see `fingerprint()`), so a twin
  proves it computes what torchvision computes — channel order of every concatenation, functional
  pools, BN eps — without torchvision at test time.

torchvision specifics a preset writer must know (they change counts, shapes or fields):

- ResNet is v1.5: a Bottleneck strides on its 3×3 conv (conv2), not the first 1×1. Convs have no
  bias (BN follows each); the shortcut is identity unless the stride or width changes, then conv
  1×1/stride (no bias) + BN — in ResNet-50 that includes layer1.0 (64 → 256 at stride 1). The
  stem maxpool is 3/2 with padding 1; the head is AdaptiveAvgPool2d(1) and fc 512·expansion → 1000.
- MobileNet-v2 uses ReLU6 (nn.ReLU6 modules, rows of their own), no activation after the 1×1
  projection, a residual add only when stride is 1 and C_in = C_out, no expansion conv in the first
  block (t = 1), depthwise 3×3 convs with groups = channels, and convs without bias. Widths are
  rounded to multiples of 8 (`_make_divisible`: to the nearest multiple, halves up, at least 8,
  plus 8 more if that lost over 10 %); the hidden width is round(t·C_in). At width 1.0 nothing
  changes: 32, 16, 24, 32, 64, 96, 160, 320 and 1280 are multiples of 8 already.
  Global pooling is functional (no row); the classifier is Dropout(0.2) + Linear(1280, 1000).
- GoogLeNet: built with `aux_logits=False` (torchvision's class defaults to True; the published
  6,624,904 is without aux1/aux2, which in any case run only in training). `transform_input`
  is False for weights=None and True when torchvision loads its ImageNet weights: it re-normalises
  the three channels with fixed constants and has no parameters. The "5×5" branch is a 3×3 conv
  (a known torchvision deviation from the paper, kept for its weights). All its maxpools use
  ceil_mode=True without padding (3/2, and 2/2 for maxpool4; the branch pool is 3/1 p1 ceil).
  BasicConv2d is conv (no bias) + BN (eps 0.001) + functional ReLU.
- DenseNet-121: growth 32, bottleneck 4·32 = 128, blocks (6, 12, 24, 16), transitions halve the
  channels (conv 1×1 + avgpool 2/2); every conv is bias-free and pre-activated (BN, ReLU, conv).
  Each dense layer's row shows its 32 new channels; its norm1 row shows the concatenated input.
  `memory_efficient=True` (checkpointing) changes no count or shape, only memory; it recomputes
  each layer's concatenation, norm1, relu1 and conv1 during the backward pass, so hooks see those
  calls twice. After norm5 come a functional
  ReLU and adaptive pool, then Linear(1024, 1000).
- SqueezeNet has no BN; every conv has a bias; its maxpools are 3/2 with ceil_mode=True (1.0:
  after conv1, Fire 4 and Fire 8 — 1.1: after conv1, Fire 3 and Fire 5). The classifier is a conv:
  Dropout(0.5), Conv2d(512, 1000, 1), ReLU, AdaptiveAvgPool2d(1) — no linear layer at all. 1.0's
  first conv is 7×7/2 to 96 channels, 1.1's 3×3/2 to 64; neither is padded.
- VGG-16-BN keeps the conv biases next to BN (the 8,448 parameters over VGG-16 are BN's γ, β);
  AdaptiveAvgPool2d(7) is an identity at 224 but fixes the fc input to 25,088 at any size.
- Inception-v3: 3×299×299 (its weights' transforms crop 299 after resizing to 342); built with
  `aux_logits=False` (the AuxLogits head after Mixed_6e, 3,326,696 parameters, runs only in
  training; the published 27,161,264 includes it). `transform_input` as GoogLeNet's. Stem convs
  are unpadded except Conv2d_2b_3x3; BN eps is 0.001; the pooling branches inside the Mixed
  blocks are functional (no rows): avg 3/1 p1 in A, C and E (count_include_pad), max 3/2 in B and
  D; B, D and the stem maxpools are unpadded, so 35 → 17 → 8.

The receptive fields use one precise definition the presets must reproduce: see
`receptive_fields()`.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.overrides import TorchFunctionMode
from torch.utils.flop_counter import FlopCounterMode

from tests.oracle.torchvision_twins import PUBLISHED_PARAMS, TWINS, Twin

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "torchvision.json"
TORCHVISION_VERSION = "0.29"
FINGERPRINT_SIDE = 96  # small enough to be quick, large enough for Inception-v3 (it needs 75)
Shape = tuple[int, ...]


# -- counts and rows -----------------------------------------------------------------------------------


def param_counts(model: nn.Module) -> dict[str, int]:
    """Parameters, trainable parameters, buffer elements, BN running statistics and BN layers."""
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    return {
        "params": sum(p.numel() for p in model.parameters()),
        "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "buffers": sum(b.numel() for b in model.buffers()),
        "running_stats": sum(m.running_mean.numel() + m.running_var.numel() for m in bns),
        "bn_layers": len(bns),
    }


def state_shapes(model: nn.Module) -> dict[str, list[int]]:
    """Every parameter and buffer by its state_dict key: equal dicts mean equal counts module by module."""
    return {key: list(t.shape) for key, t in model.state_dict().items()}


def _leaf_macs(module: nn.Module, output: Tensor) -> tuple[int, int]:
    """(weights-only MACs, torchinfo's Mult-Adds) of one call of a leaf module, batch 1."""
    weights = sum(p.numel() for name, p in module.named_parameters() if name == "weight")
    total = sum(p.numel() for p in module.parameters())
    if isinstance(module, nn.Conv2d):
        positions = math.prod(output.shape[2:])
        return weights * positions, total * positions
    if isinstance(module, nn.Linear):
        return weights, total
    return 0, total


def module_rows(model: nn.Module, input_shape: Shape) -> tuple[list[dict], list[int]]:
    """One row per module call in call order, and the model's output shape, on the meta device.

    A call's row is opened by a forward pre-hook (so containers come before what they hold, as in
    torchinfo) and completed by the forward hook."""
    paths = {module: path for path, module in model.named_modules()}
    rows: list[dict] = []
    open_rows: list[int] = []
    leaf_calls: list[tuple[int, int, int]] = []  # (row index, macs, torchinfo_macs)

    def opened(module: nn.Module, _args: object) -> None:
        leaf = not any(module.children())
        rows.append({"path": paths[module], "type": type(module).__name__, "leaf": leaf})
        open_rows.append(len(rows) - 1)

    def closed(module: nn.Module, _args: object, output: Tensor) -> None:
        index = open_rows.pop()
        row = rows[index]
        row["output"] = list(output.shape[1:])
        row["params"] = sum(p.numel() for p in module.parameters())
        if row["leaf"]:
            leaf_calls.append((index, *_leaf_macs(module, output)))

    handles = []
    for module in model.modules():
        if module is not model:
            handles.append(module.register_forward_pre_hook(opened))
            handles.append(module.register_forward_hook(closed))
    try:
        with torch.no_grad():
            out = model(torch.zeros(1, *input_shape, device="meta"))
    finally:
        for handle in handles:
            handle.remove()
    for row in rows:
        row["macs"] = row["torchinfo_macs"] = 0
    for index, macs, info in leaf_calls:
        leaf = rows[index]
        leaf["macs"], leaf["torchinfo_macs"] = macs, info
        for row in rows:
            if leaf["path"].startswith(row["path"] + "."):  # every container holding this leaf
                row["macs"] += macs
                row["torchinfo_macs"] += info
    return rows, list(out.shape[1:])


def flop_counter_macs(model: nn.Module, input_shape: Shape) -> int:
    """torch's own count: FlopCounterMode's FLOPs for one forward pass on meta tensors, halved."""
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.zeros(1, *input_shape, device="meta"))
    return counter.get_total_flops() // 2


def summary(model_on_meta: nn.Module, twin: Twin) -> dict:
    """Counts, output, rows and MACs of a model built on the meta device."""
    rows, output = module_rows(model_on_meta, twin.input)
    leaves = [r for r in rows if r["leaf"]]
    macs = sum(r["macs"] for r in leaves)
    counted = flop_counter_macs(model_on_meta, twin.input)
    if macs != counted:
        raise AssertionError(f"{twin.preset}: rows sum to {macs} MACs, FlopCounterMode counts {counted}")
    return {
        **param_counts(model_on_meta),
        "output": output,
        "macs": macs,
        "torchinfo_macs": sum(r["torchinfo_macs"] for r in leaves),
        "rows": rows,
    }


# -- the fingerprint: same weights in, same logits out ---------------------------------------------------


def wave_(t: Tensor, key: str) -> Tensor:
    """Fill `t` in place with cos(0.618·i + φ), i its flat index and φ from the key's CRC-32:
    deterministic on every torch and machine, and no copy of a 100-million-weight layer."""
    phase = zlib.crc32(key.encode()) / 2**32 * 2 * math.pi
    flat = t.view(-1)
    torch.arange(flat.numel(), out=flat)
    flat.mul_(0.618).add_(phase).cos_()
    return t


def deterministic_weights_(model: nn.Module) -> None:
    """Fill every parameter and buffer from its state_dict key: conv and linear weights ≈ He scale
    (2·cos/√fan_in), biases 0.1·cos, BN γ = 1 + 0.2·cos, β and running mean 0.1·cos, running var
    1 + 0.5·cos² (positive)."""
    with torch.no_grad():
        for key, t in model.state_dict().items():
            if key.endswith("num_batches_tracked"):
                t.zero_()
            elif key.endswith("running_var"):
                wave_(t, key).pow_(2).mul_(0.5).add_(1)
            elif key.endswith("weight") and t.dim() > 1:
                wave_(t, key).mul_(2 / math.sqrt(t[0].numel()))
            elif key.endswith("weight"):
                wave_(t, key).mul_(0.2).add_(1)
            else:
                wave_(t, key).mul_(0.1)


def fingerprint_input(channels: int = 3, side: int = FINGERPRINT_SIDE) -> Tensor:
    return wave_(torch.empty(1, channels, side, side, dtype=torch.float64), "input")


def materialise(model_on_meta: nn.Module) -> nn.Module:
    """The model in float64 on the CPU with uninitialised storage (quicker than torch's init)."""
    return model_on_meta.to(torch.float64).to_empty(device="cpu").eval()


def fingerprint(model_on_meta: nn.Module) -> dict:
    """Logits (float64, eval mode) of the model with `deterministic_weights_` on `fingerprint_input()`:
    the first 8, their sum and their Euclidean norm."""
    model = materialise(model_on_meta)
    deterministic_weights_(model)
    with torch.no_grad():
        logits = model(fingerprint_input())[0]
    return {
        "input": [3, FINGERPRINT_SIDE, FINGERPRINT_SIDE],
        "head": logits[:8].tolist(),
        "sum": logits.sum().item(),
        "norm": logits.norm().item(),
    }


def fingerprints_agree(a: dict, b: dict, rtol: float = 1e-9) -> bool:
    """Equal up to float64 rounding (summation order differs between builds): every number within
    rtol of the logits' norm."""
    tolerance = rtol * abs(a["norm"])
    pairs = [*zip(a["head"], b["head"], strict=True), (a["sum"], b["sum"]), (a["norm"], b["norm"])]
    return a["input"] == b["input"] and all(abs(x - y) <= tolerance for x, y in pairs)


# -- receptive fields from input-gradient support -------------------------------------------------------


def _max_as_avg_pool(
    input: Tensor,
    kernel_size: int | Shape,
    stride: int | Shape | None = None,
    padding: int | Shape = 0,
    dilation: int | Shape = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor:
    if dilation not in (1, (1, 1), [1, 1]) or return_indices:
        raise ValueError("a dilated max pool or one returning indices has no average-pool twin here")
    return F.avg_pool2d(input, kernel_size, stride, padding, ceil_mode=ceil_mode)


class GradientSupport(TorchFunctionMode):
    """Make every input pixel a unit can see carry gradient: max pools become average pools of the
    same geometry (a max routes gradient to one cell of its window, and on a constant input to the
    first), and ReLU, ReLU6 (F.hardtanh) and batch norm become the identity (ReLU6 stops gradient
    above 6; BN in eval mode would only rescale). Module calls and functional calls alike pass
    through here, so torchvision's own code runs unchanged."""

    IDENTITY = (F.relu, F.hardtanh, F.relu6, F.batch_norm)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is F.max_pool2d:
            return _max_as_avg_pool(*args, **kwargs)
        if func in self.IDENTITY:
            return args[0].clone()  # a fresh tensor: later in-place adds must not reach a probe
        return func(*args, **kwargs)


def gradient_probe(model_on_meta: nn.Module) -> nn.Module:
    """The model in float64, eval mode, every conv an average (weights 1/fan_in, no bias), every
    other parameter and buffer 0 (BN is bypassed, the classifier never reached), no parameter
    gradients.

    Positive weights on an all-ones input leave no cancellation and every activation positive;
    averaging keeps values near 1, so even the faintest pixel's gradient (DenseNet's edges reach
    ~1e-100) stays far above float64's underflow."""
    model = materialise(model_on_meta)
    with torch.no_grad():
        for t in model.state_dict().values():
            t.zero_()
        for module in model.modules():
            if isinstance(module, nn.Conv2d):
                module.weight.fill_(1.0 / module.weight[0].numel())
                if module.bias is not None:
                    module.bias.zero_()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


class _Enough(Exception):
    """Raised by the last probe's hook: nothing after it matters."""


@contextmanager
def _capture(model: nn.Module, probes: tuple[str, ...]) -> Iterator[dict[str, Tensor]]:
    captured: dict[str, Tensor] = {}
    modules = dict(model.named_modules())
    handles = []
    for path in probes:

        def keep(_m: nn.Module, _a: object, out: Tensor, path: str = path) -> None:
            captured[path] = out.clone()
            if path == probes[-1]:
                raise _Enough

        handles.append(modules[path].register_forward_hook(keep))
    try:
        yield captured
    finally:
        for handle in handles:
            handle.remove()


def run_to_probes(model: nn.Module, x: Tensor, probes: tuple[str, ...]) -> dict[str, Tensor]:
    """The outputs of the probe modules for input `x` (forward stops at the last probe)."""
    with _capture(model, probes) as captured, GradientSupport():
        try:
            model(x)
        except _Enough:
            pass
    missing = [p for p in probes if p not in captured]
    if missing:
        raise AssertionError(f"probe modules never called: {missing}")
    return captured


def measure_fields(
    model: nn.Module, probes: tuple[str, ...], input_hw: tuple[int, int], axes: tuple[int, ...] = (0, 1)
) -> dict[str, dict[int, tuple[int, int, int]]] | None:
    """For every probe and axis: (rf, jump, first) of the centre unit, or None when the input is too
    short to be sure the field is whole (the caller retries on a longer one).

    The objective of the centre unit c along an axis is the sum over all channels (the field of a
    concatenation is that of its widest branch) and over the whole other axis of the probe's
    output at index c; `rf` = hi − lo + 1 of its nonzero input gradient, `jump` = how far the
    field of unit c + 1 is shifted, `first` = lo − c·jump (where unit 0's field would begin).

    A field is whole when it keeps more than one jump from both borders. Touching the border is
    not the only sign of clipping: an unpadded floor-mode layer drops the last rows its windows do
    not reach, so near the end of the input some units are missing and a field can stop short of
    the border — by less than the jump, since each layer drops fewer than its stride."""
    x = torch.ones(1, 3, *input_hw, dtype=torch.float64, requires_grad=True)
    outputs = run_to_probes(model, x, probes)
    fields: dict[str, dict[int, tuple[int, int, int]]] = {path: {} for path in probes}
    for path in reversed(probes):  # the deepest field is the widest: fail fast
        out = outputs[path]
        for axis in axes:
            n_out = out.shape[2 + axis]
            if n_out < 3:
                return None
            c = n_out // 2
            (lo, hi), (lo1, hi1) = (_span(x, out, axis, unit, path) for unit in (c, c + 1))
            jump = lo1 - lo
            if lo1 - lo != hi1 - hi or lo <= jump or hi1 >= input_hw[axis] - 1 - jump:
                return None
            fields[path][axis] = (hi - lo + 1, jump, lo - c * jump)
    return fields


def _span(x: Tensor, out: Tensor, axis: int, unit: int, path: str) -> tuple[int, int]:
    """(lo, hi) of the input rows (axis 0) or columns (axis 1) feeding `unit` of a probe's output."""
    (grad,) = torch.autograd.grad(out.select(2 + axis, unit).sum(), x, retain_graph=True)
    other = 3 if axis == 0 else 2
    rows = (grad.abs().sum(dim=(0, 1, other)) != 0).nonzero().flatten().tolist()
    if not rows:
        raise AssertionError(f"{path}: unit {unit} along axis {axis} sees no input at all")
    if rows != list(range(rows[0], rows[-1] + 1)):
        raise AssertionError(f"{path}: the field of unit {unit} along axis {axis} has holes")
    return rows[0], rows[-1]


def narrowest_input(model_on_meta: nn.Module, twin: Twin) -> int:
    """The smallest square side on which every module up to the last probe still has a non-empty
    output (per axis the same as the smallest valid length of that axis: the geometry is separable)."""

    def fits(side: int) -> bool:
        empty: list[str] = []

        def check(_m: nn.Module, _a: object, out: Tensor) -> None:
            if out.numel() == 0:
                empty.append("x")

        handles = [m.register_forward_hook(check) for m in model_on_meta.modules()]
        try:
            run_to_probes(model_on_meta, torch.zeros(1, 3, side, side, device="meta"), twin.probes)
        except RuntimeError:
            return False
        finally:
            for handle in handles:
                handle.remove()
        return not empty

    lo, hi = 1, twin.input[1]
    if not fits(hi):
        raise AssertionError(f"{twin.preset}: its own input size fails")
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if fits(mid) else (mid + 1, hi)
    return lo


def receptive_fields(model_on_meta: nn.Module, twin: Twin, narrow: int, long: int | None = None) -> dict:
    """The receptive field at each probe, measured from input-gradient support.

    Definition (what a preset's rf column must equal): for the probe's output map, the centre unit
    along an axis (index ⌊n/2⌋, channels summed) has as field the input pixels along that axis whose
    gradient is nonzero, with every conv an average (positive weights), max pools replaced by average
    pools of the same geometry, ReLU/ReLU6/BN as identity, in float64, on an input long enough
    along that axis that the field does not touch the border. `rf` is its extent, `jump` the shift
    between neighbouring units' fields (the product of strides), `first` the input coordinate where
    unit 0's field begins (negative: it starts in the padding), so unit i sees
    [first + i·jump, first + i·jump + rf − 1].

    Each axis is measured on a long × narrow input (H: long×narrow, W: narrow×long), narrow being
    the smallest side every layer accepts. This is exact: a unit's kernel window is a product of
    per-axis intervals, so whether an input row is reachable never depends on the columns, and the
    long axis is never clipped. `long` given: that length; else the first of 256·1.5^k that fits."""
    model = gradient_probe(model_on_meta)
    length = long or 256
    while True:
        by_h = measure_fields(model, twin.probes, (length, narrow), axes=(0,))
        by_w = measure_fields(model, twin.probes, (narrow, length), axes=(1,)) if by_h else None
        if by_h and by_w:
            break
        if long is not None:
            raise AssertionError(f"{twin.preset}: a field touches the border of a {length}-long input")
        length = int(length * 1.5)
    points = [
        {
            "path": path,
            "rf": [by_h[path][0][0], by_w[path][1][0]],
            "jump": [by_h[path][0][1], by_w[path][1][1]],
            "first": [by_h[path][0][2], by_w[path][1][2]],
        }
        for path in twin.probes
    ]
    return {"long": length, "narrow": narrow, "points": points}


# -- building, comparing, writing ----------------------------------------------------------------------


def torchvision_model(twin: Twin, device: str) -> nn.Module:
    import torchvision.models  # only the generator, and only when installed

    with torch.device(device):
        return torchvision.models.get_model(twin.torchvision, **twin.kwargs).eval()


def record(twin: Twin, build_on_meta: Callable[[], nn.Module], long: int | None = None) -> dict:
    """Everything the fixture says about one model (each measurement on a fresh build); `long` as in
    `receptive_fields`."""
    out = summary(build_on_meta(), twin)
    narrow = narrowest_input(build_on_meta(), twin)
    out["receptive_fields"] = receptive_fields(build_on_meta(), twin, narrow, long)
    out["fingerprint"] = fingerprint(build_on_meta())
    return out


def compare(twin: Twin, real: dict, ours: dict) -> None:
    for key in (
        "params",
        "trainable",
        "buffers",
        "running_stats",
        "bn_layers",
        "output",
        "macs",
        "torchinfo_macs",
    ):
        if real[key] != ours[key]:
            raise AssertionError(f"{twin.preset} {key}: torchvision {real[key]}, twin {ours[key]}")
    for i, (a, b) in enumerate(zip(real["rows"], ours["rows"], strict=False)):
        if a != b:
            raise AssertionError(f"{twin.preset} row {i}: torchvision {a}, twin {b}")
    if len(real["rows"]) != len(ours["rows"]):
        raise AssertionError(
            f"{twin.preset}: {len(real['rows'])} rows in torchvision, {len(ours['rows'])} in the twin"
        )
    if real["receptive_fields"]["points"] != ours["receptive_fields"]["points"]:
        raise AssertionError(
            f"{twin.preset} receptive fields: {real['receptive_fields']} vs {ours['receptive_fields']}"
        )
    if not fingerprints_agree(real["fingerprint"], ours["fingerprint"]):
        raise AssertionError(f"{twin.preset} logits: {real['fingerprint']} vs {ours['fingerprint']}")


def check_thin_equals_square(twin: Twin, fields: dict) -> None:
    """The long × narrow shortcut against a square input, once, on a cheap model."""
    model = gradient_probe(twin.build("meta"))
    side = fields["long"]
    square = measure_fields(model, twin.probes, (side, side))
    if square is None:
        raise AssertionError(f"{twin.preset}: a field touches the border of the {side}² input")
    for point in fields["points"]:
        got = [list(square[point["path"]][axis]) for axis in (0, 1)]
        want = [[point[k][axis] for k in ("rf", "jump", "first")] for axis in (0, 1)]
        if got != want:
            raise AssertionError(f"{twin.preset} {point['path']}: square {got}, long × narrow {want}")


def published_gmacs(twin: Twin) -> float:
    import torchvision.models

    return torchvision.models.get_model_weights(twin.torchvision).DEFAULT.meta["_ops"]


def model_entry(twin: Twin, with_torchvision: bool) -> dict:
    entry: dict = {"torchvision": twin.torchvision, "kwargs": twin.kwargs, "input": list(twin.input)}
    if with_torchvision:
        if state_shapes(torchvision_model(twin, "meta")) != state_shapes(twin.build("meta")):
            raise AssertionError(f"{twin.preset}: state_dict keys or shapes differ from torchvision")
        measured = record(twin, lambda: torchvision_model(twin, "meta"))
        # the twin's fields on a longer input: the same numbers prove both the twin and that the
        # first length was long enough
        longer = int(measured["receptive_fields"]["long"] * 1.5)
        compare(twin, measured, record(twin, lambda: twin.build("meta"), longer))
        gmacs = published_gmacs(twin)
        if round(measured["macs"] / 1e9, 3) != gmacs:
            raise AssertionError(f"{twin.preset}: {measured['macs']} MACs, torchvision publishes {gmacs} G")
        entry["published_gmacs"] = gmacs
    else:
        measured = record(twin, lambda: twin.build("meta"))
    if measured["params"] != PUBLISHED_PARAMS[twin.preset]:
        raise AssertionError(
            f"{twin.preset}: {measured['params']} parameters, published {PUBLISHED_PARAMS[twin.preset]}"
        )
    entry["published_params"] = PUBLISHED_PARAMS[twin.preset]
    return {**entry, **measured}


def render(header: dict, models: dict[str, dict]) -> str:
    """One row or probe per line, so a regenerated fixture diffs readably."""
    parts = []
    for name, entry in models.items():
        scalars = {k: v for k, v in entry.items() if k not in ("rows", "receptive_fields")}
        fields = {k: v for k, v in entry["receptive_fields"].items() if k != "points"}
        rows = ",\n".join("   " + json.dumps(r, separators=(",", ":")) for r in entry["rows"])
        points = ",\n".join(
            "   " + json.dumps(p, separators=(",", ":")) for p in entry["receptive_fields"]["points"]
        )
        parts.append(
            f"  {json.dumps(name)}: {json.dumps(scalars)[:-1]},\n"
            f'  "receptive_fields": {json.dumps(fields)[:-1]}, "points": [\n{points}\n  ]}},\n'
            f'  "rows": [\n{rows}\n  ]}}'
        )
    text = json.dumps(header, ensure_ascii=False)[:-1] + ', "models": {\n' + ",\n".join(parts) + "\n}}\n"
    json.loads(text)  # never write a fixture that does not parse
    return text


def write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main() -> None:
    torch.set_num_threads(min(2, torch.get_num_threads()))
    try:
        import torchvision
    except ImportError:
        torchvision = None
    if torchvision is not None and not torchvision.__version__.startswith(TORCHVISION_VERSION):
        sys.exit(f"torchvision {torchvision.__version__} found; the presets follow {TORCHVISION_VERSION}")
    source = f"torchvision {torchvision.__version__}" if torchvision else "twins (torchvision not installed)"
    models = {}
    for twin in TWINS.values():
        started = time.perf_counter()
        entry = models[twin.preset] = model_entry(twin, torchvision is not None)
        final = entry["receptive_fields"]["points"][-1]
        print(
            f"{twin.preset:15} {entry['params']:>12,} params  rf {final['rf']} at {final['path']}"
            f"  ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    check_thin_equals_square(TWINS["squeezenet-1.1"], models["squeezenet-1.1"]["receptive_fields"])
    header = {
        "about": "torchvision classification models: counts, rows, MACs, receptive fields, logits; "
        "see generate_torchvision_fixtures.py",
        "source": source,
        "torch": torch.__version__,
    }
    write_atomically(FIXTURE, render(header, models))
    print(f"wrote {len(models)} models from {source} to {FIXTURE}")


if __name__ == "__main__":
    main()
