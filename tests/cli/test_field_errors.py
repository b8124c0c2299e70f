"""The core names a value by its field, the CLI by its flag: the same mistake made from Python and
from the command line, and what each caller reads."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.importer import import_file, import_source
from cnncalc.arith.layer import channel_cost, layer_params
from cnncalc.arith.network import walk
from cnncalc.arith.sizes import layer_output
from cnncalc.lessons.examples import get_example
from cnncalc.lessons.step import step_conv, step_pool

SQUARE = np.arange(16).reshape(1, 4, 4)
WIDE_LINEAR = (
    "import torch.nn as nn\nm = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.Linear(100, 10))\n"
)


def _verify_wide_linear() -> None:
    imported = import_source(WIDE_LINEAR, "m.py")
    imported.verify(walk(imported.spec, (1, 8, 8)))


CASES: list[tuple[Callable[[], object], str, list[str], str]] = [
    (
        lambda: layer_output("conv", (10,), 3, output_padding=1),
        "output_padding only applies to a transposed convolution",
        ["shape", "-i", "10", "-k", "3", "--output-padding", "1"],
        "--output-padding only applies to a transposed convolution",
    ),
    (
        lambda: layer_output("avgpool", (10,), 3, dilation=2),
        "dilation 2 is not possible for average pooling",
        ["shape", "--op", "avgpool", "-i", "10", "-k", "3", "-d", "2"],
        "--dilation 2 is not possible for average pooling (PyTorch's AvgPool has no dilation); drop --dilation",
    ),
    (
        lambda: layer_output("conv", (10,), 3, dilation=0),
        "dilation 0 is not allowed: 1 means no gaps; use dilation ≥ 1",
        ["shape", "-i", "10", "-k", "3", "-d", "0"],
        "--dilation 0 is not allowed: 1 means no gaps; use --dilation ≥ 1",
    ),
    (
        lambda: layer_output("conv", (10,), 3, ceil=True),
        "ceil mode applies to pools (maxpool, avgpool), not to conv",
        ["shape", "-i", "10", "-k", "3", "--ceil"],
        "--ceil mode applies to pools",
    ),
    (
        lambda: channel_cost(layer_output("conv", (10,), 3), cin=3),
        "a convolution needs both channel counts; give cout too",
        ["shape", "-i", "10", "-k", "3", "--cin", "3"],
        "give --cout too",
    ),
    (
        lambda: channel_cost(layer_output("maxpool", (10,), 2), cin=3, cout=4),
        "cout 4 is not the 3 input channels",
        ["shape", "--op", "maxpool", "-i", "10", "-k", "2", "--cin", "3", "--cout", "4"],
        "--cout 4 is not the 3 input channels",
    ),
    (
        lambda: layer_params(3, 4, fc=True, input=(4, 4)),
        "input describes a conv layer's map",
        ["params", "--fc", "--cin", "3", "--cout", "4", "--input", "4x4"],
        "--input describes a conv layer's map",
    ),
    (
        lambda: import_file("/nonexistent/model.py"),
        "path /nonexistent/model.py: cannot read it",
        ["net", "--from", "/nonexistent/model.py"],
        "--from /nonexistent/model.py: cannot read it",
    ),
    (
        _verify_wide_linear,
        "Check input or this layer's arguments",
        ["net", "--from", "{model}", "--input", "1x8x8"],
        "Check --input or this layer's arguments",
    ),
    (
        lambda: step_pool(SQUARE, "median", 2),
        "op 'median' is not one of max, min, avg, sum",
        ["step", "pool", "--op", "median", "-i", "1 2; 3 4", "-k", "2"],
        "--op 'median' is not one of max, min, avg, sum",
    ),
    (
        lambda: step_pool(SQUARE, "max", 2, backward=True, grad=np.ones((1, 1, 1))),
        "grad is 1×1×1 but the pooled output is 1×2×2",
        ["step", "pool", "-i", "1 2 3 4; 5 6 7 8; 9 1 2 3; 4 5 6 7", "-k", "2", "--backward", "--grad", "1"],
        "--grad is 1×1×1 but the pooled output is 1×2×2",
    ),
    (
        lambda: step_conv(SQUARE, [np.ones((1, 2, 2))], [1, 2]),
        "give one bias value per kernel",
        ["step", "conv", "-i", "1 2; 3 4", "-k", "1 0; 0 1", "--bias", "1,2"],
        "give one --bias value per kernel",
    ),
    (
        lambda: get_example("nope", "conv"),
        "example 'nope' is not one of",
        ["step", "conv", "--example", "nope"],
        "--example 'nope' is not one of",
    ),
    (
        lambda: get_example("maxpool", "conv"),
        "example maxpool is a pool example",
        ["step", "conv", "--example", "maxpool"],
        "--example maxpool is a pool example",
    ),
]
IDS = [
    "output-padding",
    "avgpool-dilation",
    "dilation-0",
    "ceil",
    "cout",
    "pool-cout",
    "fc-input",
    "import-path",
    "import-verify",
    "pool-op",
    "grad",
    "bias",
    "example",
    "example-kind",
]


@pytest.mark.parametrize(("call", "python", "argv", "cli_text"), CASES, ids=IDS)
def test_python_reads_the_field_and_the_cli_the_flag(cli, tmp_path, call, python, argv, cli_text):
    with pytest.raises(CnnCalcError) as caught:
        call()
    assert python in str(caught.value)
    assert "--" not in str(caught.value)
    model = tmp_path / "m.py"
    model.write_text(WIDE_LINEAR)
    result = cli(*[a.replace("{model}", str(model)) for a in argv])
    assert result.exit_code == caught.value.exit_code, result.output
    assert cli_text in result.stderr
