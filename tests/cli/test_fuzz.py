"""Fuzzing the CLI: values, specs and model files, as a careless or hostile user might give them.

Whatever the input, a command ends within seconds with a documented exit code (0, 1 when a layer
is impossible or a claim wrong, 2 for a malformed value), a message instead of a traceback, and
no Python internals in what it prints. The default run is quick; `pytest -m slow` runs the long
profile.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.bounded_run import within, within_memory

QUICK = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LONG = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SECONDS = 10  # per command, on a loaded machine; each finishes well under a second
MEMORY = 2 << 30  # more address space per command than this is a runaway (MemoryError, reported)
INTERNALS = (
    "Traceback",
    "internal error",
    "OverflowError",
    "RecursionError",
    "MemoryError",
    "ZeroDivisionError",
    "Exceeds the limit",
    "set_int_max_str_digits",
    "line None",
    "allow_pickle",
)

# -- values -----------------------------------------------------------------------------------------

NUMBERS = st.one_of(
    st.integers(-3, 40).map(str),
    st.integers(0, 5000).map(lambda n: "9" * n),  # up to 5,000 digits
    st.integers(1, 400).map(lambda e: f"1{'0' * e}"),
    st.sampled_from(["0", "-1", "1.5", "nan", "inf", "-inf", "1e999", "", " ", "0x10", "1_000", "½", "٣"]),
)
SIZES = st.one_of(NUMBERS, st.lists(NUMBERS, min_size=2, max_size=4).map("x".join))
JUNK = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
VECTORS = st.lists(NUMBERS, min_size=1, max_size=6).map(" ".join)
VALUES = st.one_of(
    SIZES,
    JUNK,
    VECTORS,
    st.sampled_from(["same", "valid", "full", "max", "avg", "tconv", "relu", "1 2; 3 4"]),
)

COMMANDS = {
    "shape": [
        "--input",
        "--kernel",
        "--stride",
        "--padding",
        "--dilation",
        "--op",
        "--output-padding",
        "--dims",
        "--cin",
        "--cout",
        "--groups",
    ],
    "params": ["--cin", "--cout", "--kernel", "--groups", "--input", "--stride", "--padding", "--dilation"],
    "solve padding": ["--input", "--kernel", "--stride", "--dilation", "--output"],
    "solve stride": ["--input", "--kernel", "--output", "--padding", "--dilation"],
    "solve kernel": ["--input", "--output", "--stride", "--padding", "--dilation"],
    "solve combos": ["--input", "--output", "--max-kernel", "--max-stride"],
    "step conv": ["--input", "--kernel", "--stride", "--padding", "--dilation", "--bias", "--cell"],
    "step pool": ["--input", "--kernel", "--stride", "--padding", "--op", "--cell"],
    "draw conv": ["--input", "--kernel", "--stride", "--padding", "--dilation", "--frame"],
    "step softmax": ["--logits", "--label"],
    "step activation": ["--x", "--fn", "--slope"],
    "step gradient": ["--depth", "--x", "--weight", "--bias", "--slope"],
    "step linear": ["--x", "--w1", "--b1", "--w2", "--b2"],
    "step batchnorm": ["--x", "--gamma", "--beta", "--eps", "--momentum", "--running-mean", "--running-var"],
    "step dropout": ["--input", "--p", "--seed", "--mask"],
}
REQUIRED = {
    "shape": ["--input", "8", "--kernel", "3"],
    "params": ["--cin", "3", "--cout", "8"],
    "solve padding": ["--input", "8", "--kernel", "3"],
    "solve stride": ["--input", "8", "--kernel", "3", "--output", "3"],
    "solve kernel": ["--input", "8", "--output", "3"],
    "solve combos": ["--input", "8", "--output", "4"],
    "step conv": ["--input", "1 2 3; 4 5 6; 7 8 9", "--kernel", "1 0; 0 1"],
    "step pool": ["--input", "1 2 3; 4 5 6; 7 8 9", "--kernel", "2"],
    "draw conv": ["--input", "5", "--kernel", "3", "--json"],
    "step softmax": [],
    "step activation": [],
    "step gradient": [],
    "step linear": [],
    "step batchnorm": [],
    "step dropout": [],
}


@st.composite
def command_lines(draw) -> list[str]:
    command = draw(st.sampled_from(sorted(COMMANDS)))
    args = [*command.split(), *REQUIRED[command]]
    for option in draw(st.lists(st.sampled_from(COMMANDS[command]), max_size=4, unique=True)):
        args += [option, draw(VALUES)]
    if draw(st.booleans()):
        args.append("--json")
    return args


# -- specs ------------------------------------------------------------------------------------------

OPTION_VALUES = st.one_of(SIZES, st.sampled_from(["same", "valid", "true", "false", "x", "", "0.5"]))
LAYERS = st.one_of(
    st.builds(
        lambda kind, units, opts: " ".join([kind, units, *opts]),
        st.sampled_from(["conv", "tconv", "fc", "maxpool", "avgpool", "gap", "adaptiveavgpool", "dropout"]),
        NUMBERS,
        st.lists(
            st.builds(
                "{}={}".format,
                st.sampled_from(["k", "s", "p", "d", "g", "op", "ceil", "bias", "q"]),
                OPTION_VALUES,
            ),
            max_size=4,
        ),
    ),
    st.sampled_from(
        ["relu", "bn", "flatten", "softmax", "tanh", "sigmoid", "leakyrelu", "gap", "input 1x8x8"]
    ),
    JUNK,
)
CHAINS = st.lists(LAYERS, min_size=0, max_size=6).map(" | ".join)
REPEATS = st.one_of(
    st.just(""), NUMBERS.map(lambda n: f" x{n}"), st.sampled_from([" x(n - 1)", " x(c*c*c)", " x"])
)
MERGES = st.builds(
    lambda kind, branches, repeat: f"{kind}( {' ; '.join(branches)} ){repeat}",
    st.sampled_from(["add", "concat", "add", "concat(", "mul"]),
    st.lists(CHAINS, min_size=0, max_size=3),
    REPEATS,
)
BLOCKS = st.builds(
    lambda params, body, call, repeat: f"block b({params})\n{body}\nend\nb {call}{repeat}",
    st.sampled_from(["c", "c, s=1", "c, c", "", "n=2"]),
    st.one_of(
        CHAINS, MERGES, st.sampled_from(["conv (4*c) k=1", "conv c k=3 s=s p=1 | b 1", "conv (c//0) k=1"])
    ),
    st.one_of(NUMBERS, st.sampled_from(["", "c=8", "8 s=2", "x=1"])),
    REPEATS,
)
SPECS = st.builds(
    lambda first, parts, sep, claim: first + sep.join(parts) + claim,
    st.sampled_from(
        [
            "",
            "input 3x32x32 | ",
            "input 1x28 | ",
            "input 2x9x9x9 | ",
            "\ufeffinput 1x8x8\n",
            "input 8x3x32x32 | ",
        ]
    ),
    st.lists(st.one_of(LAYERS, MERGES, BLOCKS), min_size=0, max_size=8),
    st.sampled_from([" | ", "\n", "|"]),
    st.sampled_from(["", " -> 8x30x30", " -> x"]),
)

# -- model files ------------------------------------------------------------------------------------

ARGUMENTS = st.one_of(
    NUMBERS.filter(lambda t: t.lstrip("-").isdigit()),
    st.sampled_from(
        ["x", "3.0", "'same'", "'valid'", "'3 k=5'", "None", "True", "(3, 3)", "(3,)", "n // 2", "-x"]
    ),
)
TORCH_LAYERS = st.builds(
    lambda name, args, kw: f"nn.{name}({', '.join(args + kw)})",
    st.sampled_from(
        [
            "Conv2d",
            "ConvTranspose2d",
            "MaxPool2d",
            "AvgPool2d",
            "Linear",
            "BatchNorm2d",
            "ReLU",
            "Dropout",
            "LeakyReLU",
            "AdaptiveAvgPool2d",
            "Flatten",
            "Conv1d",
        ]
    ),
    st.lists(ARGUMENTS, max_size=4),
    st.lists(
        st.builds(
            "{}={}".format,
            st.sampled_from(["stride", "padding", "dilation", "groups", "bias", "p", "output_size"]),
            ARGUMENTS,
        ),
        max_size=2,
    ),
)
MODELS = st.builds(
    lambda consts, layers, tail: (
        "import torch.nn as nn\n"
        + "".join(f"{name} = {value}\n" for name, value in consts)
        + "net = nn.Sequential(\n"
        + "".join(f"    {layer},\n" for layer in layers)
        + ")\n"
        + tail
    ),
    st.lists(st.tuples(st.sampled_from(["x", "n", "c"]), ARGUMENTS.map(lambda a: f"{a} * {a}")), max_size=4),
    st.lists(TORCH_LAYERS, min_size=0, max_size=8),
    st.sampled_from(["", "\x00", "def f(:\n", "x = " + "(" * 300 + ")" * 300 + "\n", "# input 1x28x28\n"]),
)


def _bounded(cli, *args: str, input: str | None = None):
    with within(SECONDS), within_memory(MEMORY):
        result = cli(*args, input=input)
    text = result.output
    assert result.exit_code in (0, 1, 2), (args, text)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        repr(result.exception),
    )
    leaked = [word for word in INTERNALS if word in text]
    assert not leaked, (args, text[-2000:])
    return result


def _cli():
    from typer.testing import CliRunner

    from cnncalc.cli.app import app

    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), input=input, env={"NO_COLOR": "1", "COLUMNS": "100"})

    return invoke


@QUICK
@given(command_lines())
def test_any_values_give_an_answer_or_a_message(args):
    _bounded(_cli(), *args)


@QUICK
@given(SPECS, st.sampled_from(["net", "rf", "check"]), st.booleans())
def test_any_spec_gives_an_answer_or_a_message(spec, command, as_file):
    if as_file:
        _bounded(_cli(), command, "--file", "-", input=spec)
    else:
        _bounded(_cli(), command, spec)


@QUICK
@given(MODELS)
def test_any_model_file_gives_an_answer_or_a_message(source):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.py"
        path.write_text(source, encoding="utf-8")
        _bounded(_cli(), "net", "--from", str(path), "--input", "1x28x28")


@pytest.mark.slow
@LONG
@given(args=command_lines())
def test_any_values_long(args):
    _bounded(_cli(), *args)


@pytest.mark.slow
@LONG
@given(spec=SPECS, command=st.sampled_from(["net", "rf", "check"]))
def test_any_spec_long(spec, command):
    _bounded(_cli(), command, spec)


@pytest.mark.slow
@LONG
@given(source=MODELS)
def test_any_model_file_long(source):
    test_any_model_file_gives_an_answer_or_a_message.hypothesis.inner_test(source)
