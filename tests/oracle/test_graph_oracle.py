"""Graphs against PyTorch: seeded random networks with residual adds, projections and concatenations.

Each spec's graph is run in torch node by node (a layer as its module, `add` as a sum, `concat` as
`torch.cat` on channels) and compared with `walk`: every node's output shape, the parameter total,
and the receptive field of the last map measured from input-gradient support (convs with positive
weights, max pools as average pools of the same geometry, activations and batch norm as the
identity; the centre unit's nonzero input gradient, on an input wide enough not to clip it).
"""

from __future__ import annotations

import random

import pytest

from cnncalc.arith.graph import INPUT
from cnncalc.arith.network import walk
from cnncalc.arith.spec import parse_spec
from tests.oracle.test_network_oracle import torch_layer

torch = pytest.importorskip("torch")
nn = torch.nn
pytestmark = pytest.mark.oracle


def random_graph(rng: random.Random) -> str:
    """A valid spec: chains, residual adds (identity or projection), concatenations, a block."""
    c = rng.choice((4, 8))
    lines = [
        "block unit(c, k=3) | conv c k=k p=(k // 2) | bn | relu | end",
        f"input {c}x{rng.choice((33, 40))}x{rng.choice((33, 41))}",
    ]
    for _ in range(rng.randint(2, 5)):
        choice = rng.choice(("layer", "residual", "projection", "concat", "dense", "pool"))
        if choice == "layer":
            k = rng.choice((1, 3, 5))
            lines.append(f"conv {c} k={k} p={k // 2} d={rng.choice((1, 2)) if k == 3 else 1} | relu")
        elif choice == "residual":
            lines.append(f"add( unit {c} {rng.choice((1, 3))} | conv {c} k=3 p=1 )")
        elif choice == "projection":
            new = rng.choice((c, 2 * c))
            lines.append(
                f"add( conv {new} k=3 s=2 p=1 | bn | relu | unit {new} ; conv {new} k=1 s=2 | bn ) | relu"
            )
            c = new
        elif choice == "concat":
            a, b = rng.choice((2, 4)), rng.choice((2, 4))
            lines.append(f"concat( conv {a} k=1 ; unit {b} 5 ; maxpool k=3 s=1 p=1 )")
            c = a + b + c
        elif choice == "dense":
            lines.append("concat( ; bn | relu | conv 4 k=3 p=1 ) x2")
            c += 8
        else:
            lines.append(rng.choice(("maxpool k=2", "avgpool k=3 s=2 p=1", "maxpool k=3 s=2 ceil=true")))
    return "\n".join(lines)


SEEDS = list(range(40))


def run_graph(spec, modules: dict[str, nn.Module], x):
    """Every node's value: a layer's module on its input, a sum, a concatenation, a block's output."""
    values = {INPUT: x}
    for node in spec.graph.nodes:
        if node.kind == "add":
            values[node.id] = sum(values[i] for i in node.inputs)
        elif node.kind == "concat":
            values[node.id] = torch.cat([values[i] for i in node.inputs], dim=1)
        elif node.kind == "block":
            values[node.id] = values[node.output]
        else:
            values[node.id] = modules[node.id](values[node.inputs[0]])
    return values


def build_modules(spec) -> dict[str, nn.Module]:
    """A torch module per layer node, given the shapes torch itself computes on the way."""
    modules: dict[str, nn.Module] = {}
    values = {INPUT: torch.zeros(2, *spec.input_shape)}
    with torch.no_grad():
        for node in spec.graph.nodes:
            if node.layer is not None:
                x = values[node.inputs[0]]
                modules[node.id] = torch_layer(node.layer, tuple(x.shape[1:]))
                values[node.id] = modules[node.id](x)
            elif node.kind == "add":
                values[node.id] = sum(values[i] for i in node.inputs)
            elif node.kind == "concat":
                values[node.id] = torch.cat([values[i] for i in node.inputs], dim=1)
            else:
                values[node.id] = values[node.output]
    return modules


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed-{s}" for s in SEEDS])
def test_random_graph_shapes_and_params_match_torch(seed: int) -> None:
    spec = parse_spec(random_graph(random.Random(seed)))
    ours = walk(spec)
    modules = build_modules(spec)
    with torch.no_grad():
        values = run_graph(spec, modules, torch.zeros(2, *spec.input_shape))
    for row in ours.nodes:
        assert row.output_shape == tuple(values[row.id].shape[1:]), (row.id, row.describe())
    assert ours.total_params == sum(p.numel() for m in modules.values() for p in m.parameters())


def gradient_probe(modules: dict[str, nn.Module]) -> dict[str, nn.Module]:
    """Convs average with positive weights; max pools average; everything else is the identity."""
    probe = {}
    for key, m in modules.items():
        if isinstance(m, nn.Conv2d):
            conv = nn.Conv2d(
                m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding, m.dilation, m.groups, False
            )
            conv = conv.double()
            with torch.no_grad():
                conv.weight.fill_(1.0 / conv.weight[0].numel())
            probe[key] = conv
        elif isinstance(m, nn.MaxPool2d):
            probe[key] = nn.AvgPool2d(m.kernel_size, m.stride, m.padding, ceil_mode=m.ceil_mode)
        elif isinstance(m, nn.AvgPool2d):
            probe[key] = m
        else:
            probe[key] = nn.Identity()
    return probe


@pytest.mark.parametrize("seed", SEEDS[:20], ids=[f"seed-{s}" for s in SEEDS[:20]])
def test_random_graph_receptive_field_is_the_gradient_support(seed: int) -> None:
    text = random_graph(random.Random(seed))
    spec = parse_spec(text)
    wide = spec.with_input((spec.input_shape[0], 160, 9))  # long along H: the field is never clipped
    ours = walk(wide)
    probe = gradient_probe(build_modules(wide))
    x = torch.ones(1, *wide.input_shape, dtype=torch.float64, requires_grad=True)
    out = run_graph(wide, probe, x)[wide.graph.output]
    centre = out.shape[2] // 2
    (grad,) = torch.autograd.grad(out[:, :, centre].sum(), x)
    rows = (grad.abs().sum(dim=(0, 1, 3)) != 0).nonzero().flatten().tolist()
    lo, hi = rows[0], rows[-1]
    assert lo > 0 and hi < wide.input_shape[1] - 1, "the field touches the border: widen the input"
    assert ours.receptive_field[0] == hi - lo + 1, text
    # unit `centre` starts at first + centre·jump, with first = start − (RF − 1)/2
    output = ours.result(wide.graph.output)
    first = output.start[0] - (output.rf[0] - 1) / 2
    assert lo == first + centre * output.jump[0], text
