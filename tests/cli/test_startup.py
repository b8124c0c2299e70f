"""The calculator and the network commands must start fast: no numpy and no rich on their path, and
none of the standard library's heavier modules that typer does not import itself."""

import subprocess
import sys

import pytest

PROBE = """
import sys, runpy, io, contextlib
sys.argv = ["cnncalc", *{args!r}]
out = io.StringIO()
try:
    with contextlib.redirect_stdout(out):
        runpy.run_module("cnncalc", run_name="__main__")
except SystemExit as e:
    assert e.code in (0, 1, None), e.code  # check exits 1 when a claim is wrong
assert out.getvalue(), "the command printed nothing"
print(sorted(m for m in sys.modules if m.split(".")[0] in {modules!r}))
"""
HEAVY = ("numpy", "rich", "torch")


@pytest.mark.parametrize(
    "args",
    [
        ["shape", "--input", "96", "--kernel", "5"],
        ["params", "--cin", "3", "--cout", "192", "--k", "3"],
        ["rf", "conv 1 k=3 | conv 1 k=3"],
        ["shape", "--input", "96", "--kernel", "5", "--json"],
        ["net", "--preset", "vgg-16"],
        ["net", "--preset", "seed-001", "--explain", "3"],
        ["check", "input 2x96x96 | conv 8 k=5 | maxpool k=4 | conv 24 k=6 | maxpool k=4 -> 8x23x23"],
        ["solve", "padding", "--input", "28", "--kernel", "4"],
        ["net", "--preset", "resnet-50"],
        ["net", "--preset", "inception-v3", "--explain", "17"],
        ["solve", "input", "--preset", "googlenet", "--max", "300"],
    ],
    ids=[
        "shape",
        "params",
        "rf",
        "shape-json",
        "net-vgg-16",
        "net-explain",
        "check",
        "solve-padding",
        "net-resnet-50",
        "explain-a-block",
        "solve-input",
    ],
)
def test_command_does_not_import_numpy_or_rich(args):
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args, modules=HEAVY)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(
    "args",
    [
        ["shape", "--input", "96", "--kernel", "5"],
        ["shape", "--input", "96", "--kernel", "5", "--json"],
        ["params", "--cin", "3", "--cout", "192", "--k", "3"],
    ],
    ids=["shape", "shape-json", "params"],
)
def test_shape_and_params_do_not_import_dataclasses(args, lang):
    """`Step` and `ParamCount` are NamedTuples so that `dataclasses` (about 0.4 ms to import, and
    more to define a class with) stays off these two commands' start, in either language."""
    probe = PROBE.format(args=["--lang", lang, *args], modules=("dataclasses", *HEAVY))
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout


def test_the_collector_is_paused_for_the_start_only():
    """`python -m cnncalc` (and the console script) pause the cyclic collector while the program
    starts and set what the start built aside (`gc.freeze`): the command itself runs with the
    collector on, as any Python program."""
    probe = PROBE.format(args=["shape", "--input", "96", "--kernel", "5"], modules=HEAVY)
    probe += "import gc; print(gc.isenabled(), gc.get_freeze_count() > 0)\n"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "True True", result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["rf", "conv 1 k=3 | conv 1 k=3"],
        ["solve", "padding", "--input", "28", "--kernel", "4"],
        ["shape", "--input", "224", "--kernel", "3", "--stride", "2"],
        ["net", "--preset", "resnet-50"],
        ["--lang", "zh", "net", "--preset", "resnet-50"],
    ],
    ids=["rf", "solve-padding", "shape-remainder", "net-resnet-50", "net-resnet-50-zh"],
)
def test_whole_number_fields_do_not_import_fractions(args):
    """`fractions` (and `decimal` with it, about 1.5 ms) is imported where a field's arithmetic
    needs it (a half-pixel centre, a transposed layer, an adaptive pool whose output does not
    divide its input), not by every command that reaches `cnncalc.arith.receptive_field`: a
    floored size's exact quotient, a global pool and a field wider than the input are whole-number
    arithmetic (ResNet-50 has all three)."""
    probe = PROBE.format(args=args, modules=("fractions", "decimal", *HEAVY))
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout


def test_each_command_word_names_the_module_that_registers_it():
    """A start imports only the module that owns the command word (`OWNERS`): the map must name,
    for every command and group of the CLI, the module whose `register` adds it."""
    import importlib

    from cnncalc.cli.app import COMMAND_MODULES, OWNERS, _new_app

    registered = {}
    for name in COMMAND_MODULES:
        target = _new_app()
        importlib.import_module(name).register(target)
        words = [info.name or info.callback.__name__ for info in target.registered_commands]
        words += [info.name for info in target.registered_groups]
        registered |= dict.fromkeys(words, name)
    assert OWNERS == registered


@pytest.mark.parametrize("args", [["net", "--preset", "resnet-50"], ["check", "input 1x8x8 | conv 2 k=3"]])
def test_network_commands_do_not_build_the_calculator(args):
    """`net` and `check` import and register their own module only, not `shape`'s before it."""
    probe = PROBE.format(args=args, modules=HEAVY)
    probe += "print('cnncalc.cli.calc' in sys.modules, 'cnncalc.api.calc' in sys.modules)\n"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "False False", result.stdout
