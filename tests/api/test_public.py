"""The public API: what `import cnncalc` loads, what it lists, how its functions are named and typed."""

from __future__ import annotations

import inspect
import subprocess
import sys
import typing
from pathlib import Path

import pytest
import typer

import cnncalc
from cnncalc.cli.app import app

ROOT = Path(__file__).resolve().parents[2]

# API function → the command it mirrors
COMMANDS = {
    "shape": "shape",
    "params": "params",
    "rf": "rf",
    "net": "net",
    "check": "check",
    "solve_padding": "solve padding",
    "solve_stride": "solve stride",
    "solve_kernel": "solve kernel",
    "solve_combos": "solve combos",
    "solve_input": "solve input",
    "step_conv": "step conv",
    "step_pool": "step pool",
    "step_softmax": "step softmax",
    "step_activation": "step activation",
    "step_gradient": "step gradient",
    "step_linear": "step linear",
    "step_batchnorm": "step batchnorm",
    "step_dropout": "step dropout",
    "draw_conv": "draw conv",
    "draw_pool": "draw pool",
    "draw_tconv": "draw tconv",
    "draw_rf": "draw rf",
    "draw_net": "draw net",
    "train": "train",
    "export": "export",
}
# Options that choose how a command shows its result, not what it computes: a result has them as
# methods (`to_dict()`, `svg()`, `html()`, `spec_text`) or a notebook shows it whole.
SHOWING = {"--json", "--svg", "--html", "--out", "--plot", "--all", "--list-presets", "--spec"}
# The long options that are not Python names: `from` and `class` are keywords.
RENAMED = {"--from": "source", "--class": "class_name"}


def _command(words: str):
    command = typer.main.get_command(app)
    for word in words.split():
        command = command.commands[word]
    return command


def _cli_names(words: str) -> list[str]:
    names = []
    for param in _command(words).params:
        if param.param_type_name == "argument":
            names.append(param.name)
            continue
        long = next(o for o in param.opts if o.startswith("--"))
        if long not in SHOWING:
            names.append(RENAMED.get(long, long[2:].replace("-", "_")))
    return names


@pytest.mark.parametrize(("function", "words"), COMMANDS.items(), ids=list(COMMANDS))
def test_arguments_are_the_command_s_long_options(function, words):
    parameters = inspect.signature(getattr(cnncalc, function)).parameters
    assert list(parameters) == _cli_names(words)
    for name, p in parameters.items():  # the command's argument is positional, its options keywords
        positional = _command(words).params[0].param_type_name == "argument" and name == "spec"
        assert p.kind is (p.POSITIONAL_OR_KEYWORD if positional else p.KEYWORD_ONLY), name


def test_all_lists_every_public_name_and_each_resolves():
    assert cnncalc.__all__[0] == "__version__"
    assert set(cnncalc.__all__[1:]) == set(cnncalc._HOMES)
    assert set(COMMANDS) | {"list_presets"} <= set(cnncalc.__all__)
    for name in cnncalc.__all__:
        assert getattr(cnncalc, name) is not None
        assert name in dir(cnncalc)
    with pytest.raises(AttributeError, match="no attribute 'shapes'"):
        cnncalc.shapes  # noqa: B018


def test_tab_completion_offers_the_public_names_only():
    cnncalc.shape  # noqa: B018  (a name used once becomes an ordinary attribute: still listed once)
    names = dir(cnncalc)
    assert [n for n in names if not n.startswith("__")] == sorted(cnncalc.__all__[1:])
    assert "__version__" in names and "__doc__" in names


@pytest.mark.parametrize("name", [n for n in cnncalc.__all__ if callable(getattr(cnncalc, n))])
def test_every_public_function_and_method_is_annotated(name):
    value = getattr(cnncalc, name)
    functions = (
        [value]
        if inspect.isfunction(value)
        else [f for n, f in vars(value).items() if inspect.isfunction(f) and not n.startswith("__")]
    )
    for function in functions:
        signature = inspect.signature(function)
        missing = [n for n, p in signature.parameters.items() if p.annotation is p.empty and n != "self"]
        assert not missing and signature.return_annotation is not signature.empty, (
            function.__qualname__,
            missing,
        )


def _choices(function, argument):
    """The values a Literal annotation allows (the hints name types only type checkers import, so
    each one is evaluated on its own, in its module)."""
    hint = eval(
        inspect.signature(function).parameters[argument].annotation, vars(inspect.getmodule(function))
    )
    literals = [a for a in typing.get_args(hint) if typing.get_origin(a) is typing.Literal] or [hint]
    return {v for lit in literals for v in typing.get_args(lit)}


def test_enumerations_are_literal_types():
    from cnncalc.lessons.activations import ACTIVATIONS
    from cnncalc.lessons.examples import example_names

    assert _choices(cnncalc.shape, "op") == {"conv", "maxpool", "avgpool", "tconv"}
    assert _choices(cnncalc.step_pool, "op") == {"max", "min", "avg", "sum"}
    assert _choices(cnncalc.draw_pool, "op") == {"max", "avg"}
    assert _choices(cnncalc.train, "optimizer") == {"sgd", "momentum", "rmsprop", "adam", "adamw"}
    assert _choices(cnncalc.train, "lr_schedule") == {"step", "cosine", "plateau"}
    assert _choices(cnncalc.shape, "dims") == {1, 2, 3}
    assert _choices(cnncalc.step_conv, "example") == set(example_names("conv"))
    assert _choices(cnncalc.step_pool, "example") == set(example_names("pool"))
    from cnncalc.api.step import Activation

    assert set(typing.get_args(Activation)) == set(ACTIVATIONS)


def test_py_typed_ships_with_the_package():
    assert (ROOT / "cnncalc" / "py.typed").exists()
    assert '"py.typed"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


LIGHT = """
import sys
import cnncalc
assert sorted(m for m in sys.modules if m.startswith("cnncalc")) == ["cnncalc"], sys.modules.keys()
assert "typer" not in sys.modules
{calls}
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("numpy", "rich", "typer"))
assert not heavy, heavy
"""
CALCULATOR = [
    "r = cnncalc.shape(input=96, kernel=5)",
    "r = cnncalc.params(cin=3, cout=192, kernel=3, input=(32, 32))",
    "r = cnncalc.rf('conv 1 k=3 | conv 1 k=3')",
    "r = cnncalc.net(preset='resnet-18', explain='5.1')",
    "r = cnncalc.list_presets()",
    "r = cnncalc.check('input 2x96x96 | conv 8 k=5 -> 8x92x92')",
    "r = cnncalc.solve_padding(input=28, kernel=5)",
    "r = cnncalc.solve_stride(input=32, kernel=4, padding=1, output=16)",
    "r = cnncalc.solve_kernel(input=28, output=24)",
    "r = cnncalc.solve_combos(input=32, output=16)",
    "r = cnncalc.solve_input(preset='lenet-5', output=(5, 5))",
    "r = cnncalc.draw_conv(input=5, kernel=3)",
    "r = cnncalc.draw_rf(preset='lenet-5')",
    "r = cnncalc.draw_net(preset='lenet-5')",
    "r = cnncalc.export(preset='resnet-18', to='pytorch')",
]


def test_import_cnncalc_is_light_and_the_calculator_never_loads_numpy_or_rich():
    """The issue's own check, for every calculator function, its dict, its text and its HTML."""
    calls = "\n".join(f"{c}\nr.to_dict(); str(r); r._repr_html_(); repr(r)" for c in CALCULATOR)
    subprocess.run([sys.executable, "-c", LIGHT.format(calls=calls)], check=True, cwd=ROOT)


def test_the_issue_s_check_holds():
    check = "import cnncalc, sys; cnncalc.shape(input=96, kernel=5); assert 'numpy' not in sys.modules"
    subprocess.run([sys.executable, "-c", check + " and 'rich' not in sys.modules"], check=True, cwd=ROOT)
