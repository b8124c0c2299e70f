"""cnncalc's arithmetic against PyTorch's golden answers in tests/oracle/fixtures/ (no torch needed).

The fixtures are written by generate_fixtures.py, which runs torch and never imports cnncalc.
Every case must agree: there are no known disagreements.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.network import walk
from cnncalc.arith.params import bn_params, conv_macs, conv_params, fc_params, flops_step, tconv_macs
from cnncalc.arith.receptive_field import back_recursion
from cnncalc.arith.sizes import conv_output_size, layer_output, same_padding, tconv_output_size

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@cache
def load(name: str) -> tuple[dict, ...]:
    return tuple(json.loads((FIXTURES / name).read_text(encoding="utf-8"))["cases"])


def arg(v):
    """Fixture JSON keeps sizes as written: an int for all axes or a list per axis."""
    return tuple(v) if isinstance(v, list) else v


def per_axis(v, dims: int) -> list[int]:
    return [v] * dims if isinstance(v, int) else list(v)


def ours_shape(case: dict) -> tuple[int, ...]:
    return layer_output(
        case["op"],
        tuple(case["input"]),
        arg(case["kernel"]),
        arg(case.get("stride")),
        arg(case.get("padding", 0)),
        arg(case.get("dilation", 1)),
        case.get("ceil", False),
        arg(case.get("output_padding", 0)),
    ).output


def cases(name: str) -> list:
    out = []
    for case in load(name):
        out.append(pytest.param(case, id=case["id"]))
    return out


# -- the fixtures themselves ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "minimum"),
    [
        ("conv_shapes.json", 300),
        ("pool_shapes.json", 300),
        ("tconv_shapes.json", 200),
        ("same_padding.json", 150),
        ("params.json", 200),
        ("receptive_fields.json", 100),
        ("errors.json", 100),
    ],
    ids=lambda v: str(v),
)
def test_fixture_has_hundreds_of_torch_cases(name: str, minimum: int) -> None:
    data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    assert data["torch"].startswith("2."), data["torch"]
    assert data["count"] == len(data["cases"]) >= minimum
    assert len({c["id"] for c in data["cases"]}) == len(data["cases"]), "case ids must be unique"


def test_fixtures_cover_every_dimension_and_the_ceil_mode_last_window_rule() -> None:
    for name in ("conv_shapes.json", "pool_shapes.json", "tconv_shapes.json", "same_padding.json"):
        assert {len(c["input"]) for c in load(name)} == {1, 2, 3}, name
    pools = load("pool_shapes.json")
    assert sum(c.get("ceil_drop", False) for c in pools) >= 30
    assert {c["op"] for c in pools} == {"maxpool", "avgpool"}
    assert any(c.get("dilation", 1) != 1 for c in pools)
    assert {c["rule"] for c in load("same_padding.json")} == {"torch", "tensorflow"}
    assert {c["kind"] for c in load("params.json")} == {"conv", "tconv", "fc", "bn"}


# -- shapes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("conv_shapes.json"))
def test_conv_shape_matches_torch(case: dict) -> None:
    assert list(ours_shape(case)) == case["output"]
    dims = len(case["input"])
    k, s, p, d = (per_axis(case[key], dims) for key in ("kernel", "stride", "padding", "dilation"))
    assert [conv_output_size(case["input"][i], k[i], s[i], p[i], d[i]) for i in range(dims)] == case["output"]


@pytest.mark.parametrize("case", cases("pool_shapes.json"))
def test_pool_shape_matches_torch(case: dict) -> None:
    assert list(ours_shape(case)) == case["output"]


@pytest.mark.parametrize("case", cases("tconv_shapes.json"))
def test_tconv_shape_matches_torch(case: dict) -> None:
    assert list(ours_shape(case)) == case["output"]
    dims = len(case["input"])
    k, s, p, d, op = (
        per_axis(case[key], dims) for key in ("kernel", "stride", "padding", "dilation", "output_padding")
    )
    assert [tconv_output_size(case["input"][i], k[i], s[i], p[i], d[i], op[i]) for i in range(dims)] == case[
        "output"
    ]


@pytest.mark.parametrize("case", cases("same_padding.json"))
def test_same_padding_matches_torch(case: dict) -> None:
    res = layer_output(
        "conv",
        tuple(case["input"]),
        tuple(case["kernel"]),
        tuple(case["stride"]),
        "same",
        tuple(case["dilation"]),
    )
    assert list(res.output) == case["output"]
    assert [list(pair) for pair in res.padding] == case["split"]
    for i, n in enumerate(case["input"]):
        assert (
            list(same_padding(n, case["kernel"][i], case["stride"][i], case["dilation"][i]))
            == case["split"][i]
        )


# -- parameters and FLOPs -------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("params.json"))
def test_params_match_torch(case: dict) -> None:
    kind = case["kind"]
    if kind == "bn":
        assert bn_params(case["channels"]).total == case["total"]
        return
    if kind == "fc":
        got = fc_params(case["cin"], case["cout"], case["bias"])
    else:
        kernel = tuple(per_axis(case["kernel"], case["dims"]))
        got = conv_params(
            case["cin"], case["cout"], kernel, case["groups"], case["bias"], transposed=kind == "tconv"
        )
    assert (got.weights, got.biases, got.total) == (
        case["weights"],
        case["biases"],
        case["weights"] + case["biases"],
    )
    if "flops" in case:
        n = tuple(case["input"])
        if kind == "conv":
            out = layer_output("conv", n, kernel).output
            macs = conv_macs(case["cin"], case["cout"], kernel, case["groups"], out)
        else:
            macs = tconv_macs(case["cin"], case["cout"], kernel, case["groups"], n)
        assert flops_step(macs.value).value == case["flops"]


# -- receptive fields -----------------------------------------------------------------------------


def rf_spec(case: dict, with_input: bool = True) -> str:
    def sz(values: list[int]) -> str:
        return "x".join(map(str, values))

    lines = [f"input 1x{sz(case['input'])}"] if with_input else []
    for layer in case["layers"]:
        units = " 1" if layer["kind"] == "conv" else ""
        text = f"{layer['kind']}{units} k={sz(layer['k'])} s={sz(layer['s'])} p={sz(layer['p'])}"
        if layer["kind"] != "avgpool":
            text += f" d={sz(layer['d'])}"
        lines.append(text)
    return "\n".join(lines)


@pytest.mark.parametrize("case", cases("receptive_fields.json"))
def test_receptive_field_matches_torch_gradient(case: dict) -> None:
    net = walk(rf_spec(case))
    assert [list(layer.rf) for layer in net.layers] == case["rf"]
    rf, rows = back_recursion(net)
    assert list(rf) == case["rf"][-1]
    assert len(rows) == len(case["layers"])
    # Receptive fields do not depend on the input size, so the spec without one gives the same
    # (a spec of single sizes and no input is read as 2-D, square).
    expected = case["rf"][-1] * 2 if case["dims"] == 1 else case["rf"][-1]
    assert list(walk(rf_spec(case, with_input=False)).receptive_field) == expected


# -- what torch rejects ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("errors.json"))
def test_torch_rejects_so_do_we(case: dict) -> None:
    with pytest.raises(CnnCalcError):
        if case["category"] == "params":
            kernel = tuple(per_axis(case["kernel"], case["dims"]))
            conv_params(case["cin"], case["cout"], kernel, case["groups"], case["bias"])
        else:
            ours_shape(case)
