"""Regenerate the PyTorch golden fixtures in tests/oracle/fixtures/.

    python tests/oracle/generate_fixtures.py

PyTorch is the oracle: every number in a fixture comes from running torch on CPU (real tensors for
shapes, so its own shape checks run; meta-device modules for parameter counts). Nothing here imports
cnncalc, so the fixtures cannot inherit a bug of the code they test. Cases are drawn from a fixed
seed; a case torch rejects goes to errors.json, where cnncalc must raise `CnnCalcError` as well.

The torch-side helpers (`torch_conv_shape`, `torch_pool_shape`, …) are also imported by
test_live_oracle.py, so the fixtures and the live hypothesis tests ask torch the same questions.
"""

from __future__ import annotations

import json
import math
import os
import random
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = 20240601

Size = int | list[int]
Case = dict

CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
TCONV = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
MAXPOOL = {1: nn.MaxPool1d, 2: nn.MaxPool2d, 3: nn.MaxPool3d}
AVGPOOL = {1: nn.AvgPool1d, 2: nn.AvgPool2d, 3: nn.AvgPool3d}
CONV_MODULE = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}
TCONV_MODULE = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d}
BN_MODULE = {1: nn.BatchNorm1d, 2: nn.BatchNorm2d, 3: nn.BatchNorm3d}
TORCH_ERRORS = (RuntimeError, ValueError)


# -- asking torch ---------------------------------------------------------------------------------


def per_axis(v: Size, dims: int) -> list[int]:
    return [v] * dims if isinstance(v, int) else list(v)


def _arg(v: Size) -> int | tuple[int, ...]:
    return v if isinstance(v, int) else tuple(v)


def torch_conv_shape(n: list[int], k: Size, s: Size = 1, p: Size | str = 0, d: Size = 1) -> list[int]:
    """Spatial output of F.convNd on a 1×1×n input with a 1×1×k kernel; raises what torch raises."""
    dims = len(n)
    x = torch.zeros(1, 1, *n)
    w = torch.zeros(1, 1, *per_axis(k, dims))
    pad = p if isinstance(p, str) else _arg(p)
    with warnings.catch_warnings():
        # "padding='same' with even kernel lengths and odd dilation may require a zero-padded copy"
        warnings.simplefilter("ignore", UserWarning)
        return list(CONV[dims](x, w, stride=_arg(s), padding=pad, dilation=_arg(d)).shape[2:])


def torch_pool_shape(
    op: str, n: list[int], k: Size, s: Size | None = None, p: Size = 0, d: Size = 1, ceil: bool = False
) -> list[int]:
    """Spatial output of nn.MaxPoolNd / nn.AvgPoolNd (stride None means torch's default, the kernel)."""
    dims = len(n)
    x = torch.zeros(1, 1, *n)
    stride = None if s is None else _arg(s)
    if op == "maxpool":
        layer = MAXPOOL[dims](_arg(k), stride, _arg(p), _arg(d), ceil_mode=ceil)
    else:
        layer = AVGPOOL[dims](_arg(k), stride, _arg(p), ceil_mode=ceil)
    return list(layer(x).shape[2:])


def torch_tconv_shape(
    n: list[int], k: Size, s: Size = 1, p: Size = 0, d: Size = 1, op: Size = 0
) -> list[int]:
    dims = len(n)
    x = torch.zeros(1, 1, *n)
    w = torch.zeros(1, 1, *per_axis(k, dims))
    y = TCONV[dims](x, w, stride=_arg(s), padding=_arg(p), output_padding=_arg(op), dilation=_arg(d))
    return list(y.shape[2:])


def torch_same_split_stride1(k: int, d: int) -> tuple[int, int]:
    """Where torch's padding='same' puts its padding, found numerically (not read from internals):
    the one split (before, after) for which an explicitly padded conv equals padding='same'.

    The split depends on the kernel only; the probe input is long enough for the split to be unique
    (on a short input a dilated kernel's gaps can make several splits give the same values)."""
    total = d * (k - 1)
    gen = torch.Generator().manual_seed(k * 10 + d)
    x = torch.randn(1, 1, total + 8, generator=gen, dtype=torch.float64)
    w = torch.randn(1, 1, k, generator=gen, dtype=torch.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        same = F.conv1d(x, w, padding="same", dilation=d)
    hits = [
        (a, total - a)
        for a in range(total + 1)
        if torch.allclose(F.conv1d(F.pad(x, (a, total - a)), w, dilation=d), same)
    ]
    if len(hits) != 1:
        raise AssertionError(f"padding='same' split for k={k} d={d} is ambiguous: {hits}")
    return hits[0]


def tf_same_split(n: int, k: int, s: int, d: int = 1) -> tuple[int, int]:
    """TensorFlow's documented 'SAME' rule: pad_total = max(k_eff − s, 0) if n % s == 0 else
    max(k_eff − n % s, 0); the smaller half before, the extra one after."""
    keff = d * (k - 1) + 1
    total = max(keff - s, 0) if n % s == 0 else max(keff - n % s, 0)
    return total // 2, total - total // 2


def torch_same_strided(
    n: list[int], k: list[int], s: list[int], d: list[int]
) -> tuple[list[int], list[list[int]]]:
    """TF 'same' for any stride, run in torch as F.pad (extra at the end of each axis) + conv."""
    dims = len(n)
    splits = [tf_same_split(n[i], k[i], s[i], d[i]) for i in range(dims)]
    pad_arg: list[int] = []
    for before, after in reversed(splits):  # F.pad lists the last axis first
        pad_arg += [before, after]
    x = F.pad(torch.zeros(1, 1, *n), pad_arg)
    y = CONV[dims](x, torch.zeros(1, 1, *k), stride=tuple(s), dilation=tuple(d))
    return list(y.shape[2:]), [list(p) for p in splits]


def torch_conv_params(
    dims: int, cin: int, cout: int, k: Size, groups: int = 1, bias: bool = True, transposed: bool = False
) -> tuple[int, int]:
    """(weight numel, bias numel) of nn.ConvNd / nn.ConvTransposeNd, built on the meta device."""
    cls = TCONV_MODULE[dims] if transposed else CONV_MODULE[dims]
    m = cls(cin, cout, _arg(k), groups=groups, bias=bias, device="meta")
    return m.weight.numel(), (m.bias.numel() if m.bias is not None else 0)


def torch_conv_flops(
    dims: int, cin: int, cout: int, k: Size, n: list[int], groups: int = 1, transposed: bool = False
) -> int:
    """FLOPs torch's FlopCounterMode counts for one forward pass (2 per multiply-accumulate)."""
    cls = TCONV_MODULE[dims] if transposed else CONV_MODULE[dims]
    m = cls(cin, cout, _arg(k), groups=groups, device="meta")
    with FlopCounterMode(display=False) as counter:
        m(torch.zeros(1, cin, *n, device="meta"))
    return counter.get_total_flops()


def torch_fc_params(fin: int, fout: int, bias: bool = True) -> tuple[int, int]:
    m = nn.Linear(fin, fout, bias=bias, device="meta")
    return m.weight.numel(), (m.bias.numel() if m.bias is not None else 0)


def torch_bn_params(dims: int, channels: int) -> int:
    """Trainable parameters of nn.BatchNormNd (γ, β); running mean/var are buffers, not counted."""
    return sum(p.numel() for p in BN_MODULE[dims](channels, device="meta").parameters())


def rf_bound(layers: list[dict], dims: int) -> int:
    """An upper bound on the receptive field (1 + Σ (k_eff − 1)·jump) to size the probe input."""
    bound, jump = 1, 1
    for layer in layers:
        keff = max(layer["d"][i] * (layer["k"][i] - 1) + 1 for i in range(dims))
        bound += (keff - 1) * jump
        jump *= max(layer["s"])
    return bound


def torch_receptive_fields(layers: list[dict], dims: int) -> tuple[list[int], list[list[int]]]:
    """Measured receptive field after each layer: the extent of the nonzero input gradient of the
    centre output unit, through convolutions with all-ones weights and average pools (max pooling has
    the same geometry). Returns (input size used, RF per axis after each layer)."""
    jump = math.prod(max(layer["s"]) for layer in layers)
    n = 2 * (rf_bound(layers, dims) + 2 * jump) + 9
    while True:
        rfs = _measure_rfs(layers, dims, n)
        if rfs is not None:
            return [n] * dims, rfs
        n *= 2


def _measure_rfs(layers: list[dict], dims: int, n: int) -> list[list[int]] | None:
    modules = []
    for layer in layers:
        if layer["kind"] == "conv":
            conv = CONV_MODULE[dims](
                1, 1, tuple(layer["k"]), tuple(layer["s"]), tuple(layer["p"]), tuple(layer["d"])
            )
            conv = conv.double()
            with torch.no_grad():
                conv.weight.fill_(1.0)
                conv.bias.zero_()
            modules.append(conv)
        else:
            modules.append(AVGPOOL[dims](tuple(layer["k"]), tuple(layer["s"]), tuple(layer["p"])))
    rfs = []
    for depth in range(1, len(modules) + 1):
        x = torch.ones(1, 1, *([n] * dims), dtype=torch.float64, requires_grad=True)
        y = nn.Sequential(*modules[:depth])(x)
        centre = tuple(o // 2 for o in y.shape[2:])
        y[(0, 0, *centre)].backward()
        nz = (x.grad[0, 0] != 0).nonzero()
        if len(nz) == 0:
            return None  # on a small input the centre unit may see only padding
        lo, hi = nz.min(dim=0).values.tolist(), nz.max(dim=0).values.tolist()
        if min(lo) == 0 or max(hi) == n - 1:
            return None  # the field touches the border: it may be clipped, so try a larger input
        rfs.append([hi[i] - lo[i] + 1 for i in range(dims)])
    return rfs


def torch_error(fn: Callable[[], object]) -> str | None:
    """The first line of the error torch raises, or None if it succeeds."""
    try:
        fn()
    except TORCH_ERRORS as e:
        return str(e).splitlines()[0][:200]
    return None


# -- drawing cases --------------------------------------------------------------------------------


def _size(rng: random.Random, dims: int, draw: Callable[[], int], per_axis_chance: float = 0.35) -> Size:
    """One value for all axes, or (sometimes) one per axis, as a user would type `3` or `3x5`."""
    if dims > 1 and rng.random() < per_axis_chance:
        return [draw() for _ in range(dims)]
    return draw()


def _fmt(v: Size | None) -> str:
    if v is None:
        return "default"
    return "x".join(map(str, v)) if isinstance(v, list) else str(v)


def shape_id(case: Case) -> str:
    parts = [f"{case['op']}{len(case['input'])}d", "n" + _fmt(case["input"]), "k" + _fmt(case["kernel"])]
    for key, label in (("stride", "s"), ("padding", "p"), ("dilation", "d"), ("output_padding", "op")):
        if key in case:
            parts.append(label + _fmt(case[key]))
    if case.get("ceil"):
        parts.append("ceil")
    return "-".join(parts)


def _spatial(rng: random.Random, dims: int, hi: int) -> list[int]:
    top = {1: hi, 2: hi, 3: max(hi // 3, 6)}[dims]
    if rng.random() < 0.35:
        side = rng.randint(1, top)
        return [side] * dims
    return [rng.randint(1, top) for _ in range(dims)]


def conv_cases(rng: random.Random, want: int, errors: list[Case]) -> list[Case]:
    cases: dict[str, Case] = {}
    while len(cases) < want:
        dims = rng.choice((1, 2, 2, 3))
        case = {
            "op": "conv",
            "input": _spatial(rng, dims, 40),
            "kernel": _size(rng, dims, lambda: rng.randint(1, 7)),
            "stride": _size(rng, dims, lambda: rng.choice((1, 1, 2, 2, 3, 4))),
            "padding": _size(rng, dims, lambda: rng.choice((0, 0, 1, 1, 2, 3))),
            "dilation": _size(rng, dims, lambda: rng.choice((1, 1, 1, 2, 3))),
        }
        _run(
            case,
            lambda c=case: torch_conv_shape(
                c["input"], c["kernel"], c["stride"], c["padding"], c["dilation"]
            ),
            cases,
            errors,
        )
    return list(cases.values())


def pool_cases(rng: random.Random, want: int, errors: list[Case]) -> list[Case]:
    """Max and average pools with padding, dilation (max only) and ceil_mode; at least a sixth of the
    cases are ones where PyTorch's ceil_mode drops a last window that would start past the input."""
    cases: dict[str, Case] = {}
    drops = 0
    while len(cases) < want or drops < want // 6:
        dims = rng.choice((1, 2, 2, 3))
        op = rng.choice(("maxpool", "avgpool"))
        k = _size(rng, dims, lambda: rng.randint(1, 6))
        kmin = min(per_axis(k, dims))
        case: Case = {"op": op, "input": _spatial(rng, dims, 30), "kernel": k}
        case["stride"] = None if rng.random() < 0.3 else _size(rng, dims, lambda: rng.randint(1, 5))
        over = rng.random() < 0.06  # sometimes more padding than torch allows
        top = kmin // 2 + (1 if over else 0)
        case["padding"] = _size(rng, dims, lambda top=top: rng.randint(0, top))
        if op == "maxpool":
            case["dilation"] = _size(rng, dims, lambda: rng.choice((1, 1, 1, 2, 3)))
        case["ceil"] = rng.random() < 0.6
        if len(cases) >= want and not case["ceil"]:
            continue
        before = len(cases)
        _run(
            case,
            lambda c=case: torch_pool_shape(
                c["op"], c["input"], c["kernel"], c["stride"], c["padding"], c.get("dilation", 1), c["ceil"]
            ),
            cases,
            errors,
        )
        if len(cases) > before and case["ceil"] and _ceil_dropped(case):
            case["ceil_drop"] = True
            drops += 1
        elif len(cases) > before and len(cases) > want:
            del cases[case["id"]]  # past the quota, keep only the rare last-window cases
    return list(cases.values())


def _ceil_dropped(case: Case) -> bool:
    """Whether torch's output is one less than the plain ⌈…⌉ + 1 on some axis."""
    dims = len(case["input"])
    k = per_axis(case["kernel"], dims)
    s = k if case["stride"] is None else per_axis(case["stride"], dims)
    p = per_axis(case["padding"], dims)
    d = per_axis(case.get("dilation", 1), dims)
    for i in range(dims):
        num = case["input"][i] + 2 * p[i] - d[i] * (k[i] - 1) - 1
        if -(-num // s[i]) + 1 != case["output"][i]:
            return True
    return False


def tconv_cases(rng: random.Random, want: int, errors: list[Case]) -> list[Case]:
    cases: dict[str, Case] = {}
    while len(cases) < want:
        dims = rng.choice((1, 2, 2, 3))
        case: Case = {
            "op": "tconv",
            "input": _spatial(rng, dims, 18),
            "kernel": _size(rng, dims, lambda: rng.randint(1, 6)),
            "stride": _size(rng, dims, lambda: rng.choice((1, 2, 2, 3, 4))),
            "padding": _size(rng, dims, lambda: rng.choice((0, 0, 1, 1, 2, 3))),
            "dilation": _size(rng, dims, lambda: rng.choice((1, 1, 2, 3))),
        }
        s, d = per_axis(case["stride"], dims), per_axis(case["dilation"], dims)
        limits = [max(s[i], d[i]) for i in range(dims)]
        over = rng.random() < 0.06
        case["output_padding"] = [rng.randint(0, lim - 1 + (1 if over else 0)) for lim in limits]
        if len(set(case["output_padding"])) == 1 and rng.random() < 0.6:
            case["output_padding"] = case["output_padding"][0]
        _run(
            case,
            lambda c=case: torch_tconv_shape(
                c["input"], c["kernel"], c["stride"], c["padding"], c["dilation"], c["output_padding"]
            ),
            cases,
            errors,
        )
    return list(cases.values())


def same_cases(rng: random.Random, want: int) -> list[Case]:
    """'same' padding: torch's own padding='same' for stride 1 (with where its extra row goes, found
    numerically), TensorFlow's rule run as F.pad + conv for strides > 1."""
    cases: dict[str, Case] = {}
    while len(cases) < want:
        dims = rng.choice((1, 2, 2, 3))
        n = _spatial(rng, dims, 40)
        k = [rng.randint(1, 7) for _ in range(dims)]
        d = [rng.choice((1, 1, 2, 3)) for _ in range(dims)]
        strided = rng.random() < 0.45
        s = [rng.randint(2, 4) if strided else 1 for _ in range(dims)]
        if strided and dims > 1 and rng.random() < 0.3:
            s[0] = 1  # mixed per-axis strides
        if strided:
            d = [1] * dims  # TensorFlow rejects dilation with stride > 1
            out, split = torch_same_strided(n, k, s, d)
            rule = "tensorflow"
        else:
            out = torch_conv_shape(n, k, 1, "same", d)
            split = [list(torch_same_split_stride1(k[i], d[i])) for i in range(dims)]
            rule = "torch"
        case = {
            "op": "conv",
            "input": n,
            "kernel": k,
            "stride": s,
            "dilation": d,
            "padding": "same",
            "rule": rule,
            "output": out,
            "split": split,
        }
        case["id"] = shape_id(case)
        cases.setdefault(case["id"], case)
    return list(cases.values())


def params_cases(rng: random.Random, want: int, errors: list[Case]) -> list[Case]:
    cases: dict[str, Case] = {}
    while len(cases) < want:
        roll = rng.random()
        if roll < 0.12:
            fin, fout, bias = rng.randint(1, 4096), rng.randint(1, 512), rng.random() < 0.8
            w, b = torch_fc_params(fin, fout, bias)
            case = {"kind": "fc", "cin": fin, "cout": fout, "bias": bias, "weights": w, "biases": b}
            case["id"] = f"fc-{fin}to{fout}" + ("" if bias else "-nobias")
        elif roll < 0.2:
            dims, c = rng.randint(1, 3), rng.randint(1, 1024)
            case = {"kind": "bn", "dims": dims, "channels": c, "total": torch_bn_params(dims, c)}
            case["id"] = f"bn{dims}d-c{c}"
        else:
            dims = rng.choice((1, 2, 2, 3))
            transposed = rng.random() < 0.3
            groups = rng.choice((1, 1, 1, 2, 4, 8, 16, 32))
            cin = groups * rng.randint(1, 8) if rng.random() < 0.95 else rng.randint(1, 64)
            cout = groups * rng.randint(1, 8) if rng.random() < 0.95 else rng.randint(1, 64)
            if rng.random() < 0.15:
                groups, cout = cin, cin * rng.choice((1, 1, 2))  # depthwise
            k = _size(rng, dims, lambda: rng.randint(1, 7), per_axis_chance=0.5)
            bias = rng.random() < 0.7
            kind = "tconv" if transposed else "conv"
            case = {
                "kind": kind,
                "dims": dims,
                "cin": cin,
                "cout": cout,
                "kernel": k,
                "groups": groups,
                "bias": bias,
            }
            case["id"] = f"{kind}{dims}d-{cin}to{cout}-k{_fmt(k)}-g{groups}" + ("" if bias else "-nobias")
            err = torch_error(
                lambda c=case: torch_conv_params(c["dims"], c["cin"], c["cout"], c["kernel"], c["groups"])
            )
            if err is not None:
                if sum(e["category"] == "params" for e in errors) < 25:
                    errors.append({**case, "category": "params", "torch_error": err})
                continue
            case["weights"], case["biases"] = torch_conv_params(dims, cin, cout, k, groups, bias, transposed)
            if rng.random() < 0.5:
                case["input"] = _spatial(rng, dims, 24)
                kk = per_axis(k, dims)
                if transposed or all(case["input"][i] >= kk[i] for i in range(dims)):
                    case["flops"] = torch_conv_flops(dims, cin, cout, k, case["input"], groups, transposed)
                else:
                    del case["input"]
        cases.setdefault(case["id"], case)
    return list(cases.values())


def rf_cases(rng: random.Random, want: int) -> list[Case]:
    """Chains of 1 to 5 convolutions and pools (1-D and 2-D, per-axis sizes, dilation, padding)."""
    cases: dict[str, Case] = {}
    while len(cases) < want:
        dims = rng.choice((1, 2, 2))
        layers = []
        for _ in range(rng.randint(1, 5 if dims == 1 else 4)):
            kind = rng.choice(("conv", "conv", "maxpool", "avgpool"))
            k = [rng.randint(1, 5)] * dims if rng.random() < 0.6 else [rng.randint(1, 5) for _ in range(dims)]
            if kind == "conv":
                s = [rng.choice((1, 1, 2, 3))] * dims
                d = [rng.choice((1, 1, 2, 3))] * dims
                p = [rng.randint(0, 2)] * dims
            else:
                s = [max(1, min(k[i], rng.choice((k[i], 1, 2)))) for i in range(dims)]
                d = [1] * dims
                p = [rng.randint(0, k[i] // 2) for i in range(dims)]
            layers.append({"kind": kind, "k": k, "s": s, "p": p, "d": d})
        if rf_bound(layers, dims) > 400:
            continue
        n, rfs = torch_receptive_fields(layers, dims)
        case = {"dims": dims, "input": n, "layers": layers, "rf": rfs}
        case["id"] = f"{dims}d-" + "-".join(
            f"{lay['kind']}k{_fmt(lay['k'])}s{_fmt(lay['s'])}"
            + (f"d{lay['d'][0]}" if lay["d"][0] > 1 else "")
            for lay in layers
        )
        cases.setdefault(case["id"], case)
    return list(cases.values())


def targeted_errors() -> list[Case]:
    """Bad layers every user meets, each confirmed to make torch raise."""
    specs: list[Case] = [
        {"op": "conv", "input": [3, 3], "kernel": 5, "stride": 1, "padding": 0, "dilation": 1},
        {"op": "conv", "input": [5], "kernel": 3, "stride": 1, "padding": 0, "dilation": 3},
        {"op": "conv", "input": [5, 5], "kernel": 3, "stride": 0, "padding": 0, "dilation": 1},
        {"op": "conv", "input": [5, 5], "kernel": 3, "stride": 1, "padding": 0, "dilation": 0},
        {"op": "conv", "input": [5, 5], "kernel": 3, "stride": 1, "padding": -1, "dilation": 1},
        {
            "op": "maxpool",
            "input": [10, 10],
            "kernel": 3,
            "stride": 1,
            "padding": 2,
            "dilation": 1,
            "ceil": False,
        },
        {
            "op": "maxpool",
            "input": [10],
            "kernel": 2,
            "stride": 1,
            "padding": 2,
            "dilation": 3,
            "ceil": False,
        },
        {
            "op": "maxpool",
            "input": [1, 1],
            "kernel": 3,
            "stride": 3,
            "padding": 0,
            "dilation": 1,
            "ceil": False,
        },
        {
            "op": "maxpool",
            "input": [5, 5],
            "kernel": 3,
            "stride": 0,
            "padding": 0,
            "dilation": 1,
            "ceil": False,
        },
        {
            "op": "maxpool",
            "input": [5, 5],
            "kernel": 3,
            "stride": 1,
            "padding": -1,
            "dilation": 1,
            "ceil": False,
        },
        {"op": "avgpool", "input": [10, 10], "kernel": 3, "stride": 1, "padding": 2, "ceil": False},
        {"op": "avgpool", "input": [5, 5], "kernel": 3, "stride": 1, "padding": -1, "ceil": False},
        {"op": "avgpool", "input": [2, 2, 2], "kernel": 3, "stride": 1, "padding": 1, "ceil": False},
        {"op": "avgpool", "input": [4, 4, 4], "kernel": 5, "stride": 5, "padding": 2, "ceil": True},
        {
            "op": "avgpool",
            "input": [5, 5, 2],
            "kernel": [1, 1, 3],
            "stride": 1,
            "padding": [0, 0, 1],
            "ceil": False,
        },
        {
            "op": "tconv",
            "input": [1, 1],
            "kernel": 1,
            "stride": 1,
            "padding": 1,
            "dilation": 1,
            "output_padding": 0,
        },
        {
            "op": "tconv",
            "input": [3, 3],
            "kernel": 1,
            "stride": 4,
            "padding": 5,
            "dilation": 1,
            "output_padding": 0,
        },
        {
            "op": "tconv",
            "input": [3, 3],
            "kernel": 2,
            "stride": 2,
            "padding": 0,
            "dilation": 2,
            "output_padding": 2,
        },
        {
            "op": "tconv",
            "input": [1, 6, 1],
            "kernel": 6,
            "stride": 2,
            "padding": [3, 1, 1],
            "dilation": 1,
            "output_padding": 0,
        },
        {
            "op": "tconv",
            "input": [1, 6, 1],
            "kernel": 6,
            "stride": 2,
            "padding": [4, 1, 1],
            "dilation": 1,
            "output_padding": 0,
        },
        {
            "op": "tconv",
            "input": [3],
            "kernel": 2,
            "stride": 1,
            "padding": 0,
            "dilation": 1,
            "output_padding": 1,
        },
        {
            "op": "tconv",
            "input": [5, 5],
            "kernel": 3,
            "stride": 0,
            "padding": 0,
            "dilation": 1,
            "output_padding": 0,
        },
    ]
    out = []
    for case in specs:
        err = torch_error(lambda c=case: _nonempty(_torch_shape(c)))
        if err is None:
            raise AssertionError(f"torch accepts the supposedly bad layer {case}")
        out.append(error_case({**case, "id": "hand-" + shape_id(case)}, err))
    for cin, cout, groups in ((4, 6, 4), (6, 4, 4), (3, 8, 2), (4, 4, -1)):
        case = {
            "kind": "conv",
            "dims": 2,
            "cin": cin,
            "cout": cout,
            "kernel": 3,
            "groups": groups,
            "bias": True,
        }
        err = torch_error(lambda c=case: torch_conv_params(2, c["cin"], c["cout"], 3, c["groups"]))
        if err is None:
            raise AssertionError(f"torch accepts the supposedly bad groups {case}")
        out.append(
            {**case, "id": f"hand-conv2d-{cin}to{cout}-g{groups}", "category": "params", "torch_error": err}
        )
    return out


def _torch_shape(c: Case) -> list[int]:
    if c["op"] == "conv":
        return torch_conv_shape(c["input"], c["kernel"], c["stride"], c["padding"], c["dilation"])
    if c["op"] == "tconv":
        return torch_tconv_shape(
            c["input"], c["kernel"], c["stride"], c["padding"], c["dilation"], c["output_padding"]
        )
    return torch_pool_shape(
        c["op"], c["input"], c["kernel"], c["stride"], c["padding"], c.get("dilation", 1), c["ceil"]
    )


def _nonempty(shape: list[int]) -> list[int]:
    if 0 in shape:
        raise RuntimeError(empty_output_message(shape))
    return shape


def _run(case: Case, fn: Callable[[], list[int]], cases: dict[str, Case], errors: list[Case]) -> None:
    """Ask torch; a success joins `cases`, a rejection joins `errors` (at most 30 per category)."""
    case["id"] = shape_id(case)
    if case["id"] in cases or any(e["id"] == case["id"] for e in errors):
        return
    try:
        case["output"] = fn()
        if 0 in case["output"]:
            raise RuntimeError(empty_output_message(case["output"]))
    except TORCH_ERRORS as e:
        if sum(err["category"] == case["op"] for err in errors) < 30:
            errors.append(error_case(case, str(e)))
        return
    cases[case["id"]] = case


def error_case(case: Case, message: str) -> Case:
    """An errors.json record. A 3-D average pool also records whether AvgPool3d's extra rule
    (input ≥ kernel on every axis, before padding) is the only reason torch rejects it: the same
    geometry passes AvgPool1d axis by axis."""
    out = {**case, "category": case.get("op", "params"), "torch_error": message.splitlines()[0][:200]}
    if case.get("op") == "avgpool" and len(case["input"]) == 3:
        out["only_avgpool3d_input_rule"] = avgpool3d_only_input_rule(case)
    return out


def avgpool3d_only_input_rule(case: Case) -> bool:
    k = per_axis(case["kernel"], 3)
    s = k if case["stride"] is None else per_axis(case["stride"], 3)
    p = per_axis(case["padding"], 3)
    try:
        for i in range(3):
            _nonempty(torch_pool_shape("avgpool", [case["input"][i]], k[i], s[i], p[i], 1, case["ceil"]))
    except TORCH_ERRORS:
        return False
    return any(case["input"][i] < k[i] for i in range(3))


def empty_output_message(shape: list[int]) -> str:
    """torch's oneDNN path for ConvTranspose3d skips the output-size check and returns an empty
    tensor (or fails with "could not construct a memory descriptor"); an output with a 0 is no layer."""
    return (
        f"returns an empty output {'x'.join(map(str, shape))} instead of raising 'Output size is too small'"
    )


# -- writing --------------------------------------------------------------------------------------


def write_fixture(name: str, cases: list[Case], about: str, seed: int = SEED) -> None:
    """One case per line, so a regenerated fixture diffs readably; written atomically."""
    FIXTURES.mkdir(parents=True, exist_ok=True)
    header = {"about": about, "torch": torch.__version__, "seed": seed, "count": len(cases)}
    head = json.dumps(header, ensure_ascii=False)[:-1]
    body = ",\n".join("  " + json.dumps(c, separators=(",", ":")) for c in cases)
    text = f'{head}, "cases": [\n{body}\n]}}\n'
    json.loads(text)  # never write a fixture that does not parse
    fd, tmp = tempfile.mkstemp(dir=FIXTURES, prefix=f".{name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, FIXTURES / name)
    except BaseException:
        os.unlink(tmp)
        raise


def main() -> None:
    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    errors: list[Case] = targeted_errors()
    conv = conv_cases(rng, 320, errors)
    pool = pool_cases(rng, 380, errors)
    tconv = tconv_cases(rng, 220, errors)
    same = same_cases(rng, 200)
    params = params_cases(rng, 260, errors)
    rf = rf_cases(rng, 120)
    torch_line = f"torch {torch.__version__}"
    write_fixture("conv_shapes.json", conv, f"F.convNd output sizes, {torch_line}")
    write_fixture("pool_shapes.json", pool, f"nn.MaxPoolNd / nn.AvgPoolNd output sizes, {torch_line}")
    write_fixture("tconv_shapes.json", tconv, f"F.conv_transposeNd output sizes, {torch_line}")
    write_fixture(
        "same_padding.json",
        same,
        f"padding='same' (stride 1) and TF 'SAME' via F.pad (stride > 1), {torch_line}",
    )
    write_fixture(
        "params.json", params, f"parameter numel of nn modules and FlopCounterMode FLOPs, {torch_line}"
    )
    write_fixture("receptive_fields.json", rf, f"measured gradient extent of the centre unit, {torch_line}")
    write_fixture(
        "errors.json", errors, f"layers torch rejects; cnncalc must raise CnnCalcError, {torch_line}"
    )
    total = sum(f.stat().st_size for f in FIXTURES.glob("*.json"))
    counts = {
        "conv": len(conv),
        "pool": len(pool),
        "tconv": len(tconv),
        "same": len(same),
        "params": len(params),
        "rf": len(rf),
        "errors": len(errors),
    }
    print(f"wrote {sum(counts.values())} cases ({counts}) in {math.ceil(total / 1024)} KB to {FIXTURES}")


if __name__ == "__main__":
    main()
