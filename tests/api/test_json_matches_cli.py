"""`result.to_dict()` is the command's `--json`, for every command the Python API mirrors, over
several argument sets each: the API given Python values (ints, tuples, lists), the CLI its text."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import typer

import cnncalc
from cnncalc.cli.app import app

MODEL = Path(__file__).resolve().parents[2] / "cnncalc" / "data" / "models" / "note003_torch_cnn.py"
GRAPH = (
    "input 3x32x32 | conv 8 k=3 p=1 | add( conv 8 k=3 p=1 | relu | conv 8 k=3 p=1 ) | gap | flatten | fc 10"
)

# (command words, CLI arguments, the same call from Python)
CASES: list[tuple[str, list[str], Callable[[], cnncalc.Result]]] = [
    ("shape", ["shape", "-i", "96", "-k", "5"], lambda: cnncalc.shape(input=96, kernel=5)),
    (
        "shape",
        ["shape", "-i", "28x20", "-k", "3", "-s", "2", "-p", "1"],
        lambda: cnncalc.shape(input=(28, 20), kernel=3, stride=2, padding=1),
    ),
    (
        "shape",
        ["shape", "--op", "maxpool", "-i", "5", "-k", "2", "--ceil", "--cin", "3"],
        lambda: cnncalc.shape(op="maxpool", input=5, kernel=2, ceil=True, cin=3),
    ),
    (
        "shape",
        ["shape", "--op", "tconv", "-i", "4", "-k", "4", "-s", "2", "-p", "1", "--cin", "8", "--cout", "4"],
        lambda: cnncalc.shape(op="tconv", input=[4, 4], kernel=4, stride=2, padding=1, cin=8, cout=4),
    ),
    (
        "shape",
        ["shape", "--dims", "1", "-i", "100", "-k", "5", "-s", "5", "-p", "same"],
        lambda: cnncalc.shape(dims=1, input=100, kernel=5, stride=5, padding="same"),
    ),
    (
        "params",
        ["params", "--cin", "3", "--cout", "192", "--k", "3"],
        lambda: cnncalc.params(cin=3, cout=192),
    ),
    (
        "params",
        ["params", "--cin", "32", "--cout", "32", "-k", "3", "--groups", "32", "--no-bias"],
        lambda: cnncalc.params(cin=32, cout=32, kernel=(3, 3), groups=32, no_bias=True),
    ),
    (
        "params",
        ["params", "--fc", "--cin", "576", "--cout", "64"],
        lambda: cnncalc.params(fc=True, cin=576, cout=64),
    ),
    (
        "params",
        ["params", "--cin", "3", "--cout", "64", "-k", "3", "-p", "1", "--input", "224x224"],
        lambda: cnncalc.params(cin=3, cout=64, kernel=3, padding=1, input=(224, 224)),
    ),
    ("rf", ["rf", "conv 1 k=3 | conv 1 k=3"], lambda: cnncalc.rf("conv 1 k=3 | conv 1 k=3")),
    (
        "rf",
        ["rf", "conv 64 k=7 s=2 p=3 | maxpool k=3 s=2 p=1 | conv 64 k=3 p=1", "--input", "3x224x224"],
        lambda: cnncalc.rf(
            "conv 64 k=7 s=2 p=3 | maxpool k=3 s=2 p=1 | conv 64 k=3 p=1", input=(3, 224, 224)
        ),
    ),
    ("rf", ["rf", GRAPH], lambda: cnncalc.rf(GRAPH)),
    ("net", ["net", "--preset", "lenet-5"], lambda: cnncalc.net(preset="lenet-5")),
    (
        "net",
        ["net", "--preset", "resnet-18", "--depth", "2"],
        lambda: cnncalc.net(preset="resnet-18", depth=2),
    ),
    ("net", ["net", GRAPH], lambda: cnncalc.net(GRAPH)),
    (
        "net",
        ["net", "--preset", "seed-001", "--explain", "4"],
        lambda: cnncalc.net(preset="seed-001", explain=4),
    ),
    ("net", ["net", GRAPH, "--explain", "2"], lambda: cnncalc.net(GRAPH, explain="2")),
    (
        "net",
        ["net", "--from", str(MODEL), "--input", "1x28x28"],
        lambda: cnncalc.net(source=MODEL, input=(1, 28, 28)),
    ),
    (
        "net",
        ["net", "--from", str(MODEL), "--class", "CNN()"],
        lambda: cnncalc.net(source=MODEL, class_name="CNN()"),
    ),
    ("net", ["net", "--list-presets"], cnncalc.list_presets),
    (
        "check",
        ["check", "input 2x96x96 | conv 8 k=5 -> 8x92x92 | maxpool k=4 -> 8x23x23"],
        lambda: cnncalc.check("input 2x96x96 | conv 8 k=5 -> 8x92x92 | maxpool k=4 -> 8x23x23"),
    ),
    (
        "check",
        ["check", "conv 8 k=5 | maxpool k=4 | conv 24 k=6 | maxpool k=4 -> 8x23x23", "--input", "2x96x96"],
        lambda: cnncalc.check(
            "conv 8 k=5 | maxpool k=4 | conv 24 k=6 | maxpool k=4 -> 8x23x23", input="2x96x96"
        ),
    ),
    (
        "solve padding",
        ["solve", "padding", "--input", "28", "--kernel", "5"],
        lambda: cnncalc.solve_padding(input=28, kernel=5),
    ),
    (
        "solve padding",
        ["solve", "padding", "-i", "28", "-k", "3", "-s", "2", "-o", "10"],
        lambda: cnncalc.solve_padding(input=28, kernel=3, stride=2, output=10),
    ),
    (
        "solve stride",
        ["solve", "stride", "-i", "32", "-k", "4", "-p", "1", "-o", "16"],
        lambda: cnncalc.solve_stride(input=32, kernel=4, padding=1, output=16),
    ),
    (
        "solve stride",
        ["solve", "stride", "-i", "10", "-k", "3", "-o", "7"],
        lambda: cnncalc.solve_stride(input=10, kernel=3, output=7),
    ),
    (
        "solve kernel",
        ["solve", "kernel", "-i", "28", "-o", "24"],
        lambda: cnncalc.solve_kernel(input=28, output=24),
    ),
    (
        "solve kernel",
        ["solve", "kernel", "-i", "32", "-o", "16", "-s", "2", "-p", "1", "-d", "1"],
        lambda: cnncalc.solve_kernel(input=32, output=16, stride=2, padding=1, dilation=1),
    ),
    (
        "solve combos",
        ["solve", "combos", "-i", "32", "-o", "16"],
        lambda: cnncalc.solve_combos(input=32, output=16),
    ),
    (
        "solve combos",
        ["solve", "combos", "-i", "3", "-o", "16", "--max-kernel", "3"],
        lambda: cnncalc.solve_combos(input=3, output=16, max_kernel=3),
    ),
    (
        "solve input",
        ["solve", "input", "--preset", "resnet-50", "--output", "7x7"],
        lambda: cnncalc.solve_input(preset="resnet-50", output=(7, 7)),
    ),
    (
        "solve input",
        ["solve", "input", "input 3x64x64 | conv 8 k=5 | maxpool k=2 | conv 8 k=5", "--max", "100"],
        lambda: cnncalc.solve_input("input 3x64x64 | conv 8 k=5 | maxpool k=2 | conv 8 k=5", max=100),
    ),
    ("step conv", ["step", "conv", "--example", "d2l"], lambda: cnncalc.step_conv(example="d2l")),
    (
        "step conv",
        ["step", "conv", "-i", "0 1 2; 3 4 5; 6 7 8", "-k", "0 1; 2 3", "--bias", "1", "--cell", "1,0"],
        lambda: cnncalc.step_conv(
            input=[[0, 1, 2], [3, 4, 5], [6, 7, 8]], kernel=[[0, 1], [2, 3]], bias=1, cell=(1, 0)
        ),
    ),
    (
        "step conv",
        [
            "step",
            "conv",
            "-i",
            "1 2; 3 4 | 5 6; 7 8",
            "-k",
            "1 0; 0 1 | 0 1; 1 0",
            "-k",
            "1 1; 1 1 | 0 0; 0 0",
        ]
        + ["--bias", "1,0", "--padding", "1", "--relu", "--threshold", "3"],
        lambda: cnncalc.step_conv(
            input=[[[1, 2], [3, 4]], [[5, 6], [7, 8]]],
            kernel=["1 0; 0 1 | 0 1; 1 0", "1 1; 1 1 | 0 0; 0 0"],
            bias=[1, 0],
            padding=1,
            relu=True,
            threshold=3,
        ),
    ),
    (
        "step pool",
        ["step", "pool", "--example", "maxpool", "--backward"],
        lambda: cnncalc.step_pool(example="maxpool", backward=True),
    ),
    (
        "step pool",
        ["step", "pool", "--op", "avg", "-i", "1 2 3; 4 5 6; 7 8 9", "-k", "2", "-s", "1"],
        lambda: cnncalc.step_pool(op="avg", input=[[1, 2, 3], [4, 5, 6], [7, 8, 9]], kernel=2, stride=1),
    ),
    (
        "step pool",
        ["step", "pool", "-i", "1 2 3 4 5; 6 7 8 9 0; 1 2 3 4 5; 6 7 8 9 0; 1 2 3 4 5", "-k", "2", "--ceil"],
        lambda: cnncalc.step_pool(
            input="1 2 3 4 5; 6 7 8 9 0; 1 2 3 4 5; 6 7 8 9 0; 1 2 3 4 5", kernel=2, ceil=True
        ),
    ),
    ("step softmax", ["step", "softmax"], lambda: cnncalc.step_softmax()),
    (
        "step softmax",
        ["step", "softmax", "--logits", "1000 0 -5", "--label", "2"],
        lambda: cnncalc.step_softmax(logits=[1000, 0, -5], label=2),
    ),
    ("step activation", ["step", "activation"], lambda: cnncalc.step_activation()),
    (
        "step activation",
        ["step", "activation", "--fn", "relu6,leakyrelu", "--x", "-3 3 7", "--slope", "0.1"],
        lambda: cnncalc.step_activation(fn=["relu6", "leakyrelu"], x=[-3, 3, 7], slope=0.1),
    ),
    ("step gradient", ["step", "gradient"], lambda: cnncalc.step_gradient()),
    (
        "step gradient",
        ["step", "gradient", "--fn", "relu", "--weight", "1.5", "--depth", "12"],
        lambda: cnncalc.step_gradient(fn="relu", weight=1.5, depth=12),
    ),
    ("step linear", ["step", "linear"], lambda: cnncalc.step_linear()),
    (
        "step linear",
        [
            "step",
            "linear",
            "--x",
            "2 1 0",
            "--w1",
            "1 2 0; 0 1 -1",
            "--b1",
            "1 0",
            "--w2",
            "2 -1; 1 1",
            "--b2",
            "0 3",
        ],
        lambda: cnncalc.step_linear(
            x=[2, 1, 0], w1=[[1, 2, 0], [0, 1, -1]], b1=(1, 0), w2="2 -1; 1 1", b2=[0, 3]
        ),
    ),
    ("step batchnorm", ["step", "batchnorm"], lambda: cnncalc.step_batchnorm()),
    (
        "step batchnorm",
        ["step", "batchnorm", "--batch", "1; 3; 5; 7", "--gamma", "2", "--beta", "1", "--momentum", "0.5"],
        lambda: cnncalc.step_batchnorm(batch=[[1], [3], [5], [7]], gamma=[2], beta=1, momentum=0.5),
    ),
    ("step dropout", ["step", "dropout"], lambda: cnncalc.step_dropout()),
    (
        "step dropout",
        ["step", "dropout", "--input", "1 2; 3 4", "--p", "0.25", "--mask", "1 0; 0 1"],
        lambda: cnncalc.step_dropout(input=[[1, 2], [3, 4]], p=0.25, mask=[[1, 0], [0, 1]]),
    ),
    (
        "draw conv",
        ["draw", "conv", "-i", "5", "-k", "3", "-s", "2", "-p", "1"],
        lambda: cnncalc.draw_conv(input=5, kernel=3, stride=2, padding=1),
    ),
    (
        "draw conv",
        ["draw", "conv", "-i", "96", "-k", "5", "--frame", "7"],
        lambda: cnncalc.draw_conv(input=96, kernel=5, frame=7),
    ),
    (
        "draw pool",
        ["draw", "pool", "-i", "5", "-k", "2", "--ceil"],
        lambda: cnncalc.draw_pool(input=5, kernel=2, ceil=True),
    ),
    (
        "draw pool",
        ["draw", "pool", "-i", "6x4", "-k", "3", "-s", "1", "--op", "avg"],
        lambda: cnncalc.draw_pool(input=(6, 4), kernel=3, stride=1, op="avg"),
    ),
    (
        "draw tconv",
        ["draw", "tconv", "-i", "3", "-k", "3", "-s", "2"],
        lambda: cnncalc.draw_tconv(input=3, kernel=3, stride=2),
    ),
    (
        "draw tconv",
        ["draw", "tconv", "-i", "3", "-k", "3", "-s", "2", "-p", "1", "--output-padding", "1"],
        lambda: cnncalc.draw_tconv(input=3, kernel=3, stride=2, padding=1, output_padding=1),
    ),
    (
        "draw rf",
        ["draw", "rf", "conv 1 k=3 | conv 1 k=3 | conv 1 k=3", "--input", "9"],
        lambda: cnncalc.draw_rf("conv 1 k=3 | conv 1 k=3 | conv 1 k=3", input=9),
    ),
    (
        "draw rf",
        ["draw", "rf", "--preset", "lenet-5", "--unit", "2,2"],
        lambda: cnncalc.draw_rf(preset="lenet-5", unit=(2, 2)),
    ),
    ("draw net", ["draw", "net", "--preset", "lenet-5"], lambda: cnncalc.draw_net(preset="lenet-5")),
    (
        "draw net",
        ["draw", "net", "input 1x28x28 | conv 8 k=3 | relu | maxpool k=2 | flatten | fc 10"],
        lambda: cnncalc.draw_net("input 1x28x28 | conv 8 k=3 | relu | maxpool k=2 | flatten | fc 10"),
    ),
    (
        "export",
        ["export", "--preset", "resnet-18", "--to", "pytorch"],
        lambda: cnncalc.export(preset="resnet-18", to="pytorch"),
    ),
    (
        "export",
        ["export", GRAPH, "--to", "keras", "--name", "small"],
        lambda: cnncalc.export(GRAPH, to="keras", name="small"),
    ),
    (
        "export",
        ["export", "--from", str(MODEL), "--class", "CNN", "--input", "1x28x28", "--to", "pytorch"],
        lambda: cnncalc.export(source=MODEL, class_name="CNN", input=(1, 28, 28), to="pytorch"),
    ),
]

# Commands with --json that the Python API leaves to the command line, and why.
NOT_MIRRORED = {
    "lesson": "a lesson asks its question on the terminal",
    "quiz": "a quiz reads its answers from stdin",
    "tour": "the tour runs the other commands",
    "predict": "inspects a saved model; the trainer's own API (cnncalc.nn) does it from Python",
    "show": "inspects a saved model; the trainer's own API (cnncalc.nn) does it from Python",
    "gradcheck": "checks the trainer's layers; cnncalc.nn.gradcheck does it from Python",
}


def _cli_json(cli, argv: list[str]) -> dict:
    result = cli(*argv, "--json")
    assert result.stdout, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(("words", "argv", "call"), CASES, ids=[" ".join(a)[:60] for _, a, _ in CASES])
def test_to_dict_is_the_json_the_command_prints(cli, words, argv, call):
    assert call().to_dict() == _cli_json(cli, argv)


def _commands(group, prefix=()):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))
        else:
            yield " ".join((*prefix, name))


def test_every_command_is_compared_over_several_argument_sets():
    counts = {"train": len(TRAIN_CASES)}
    for words, _, _ in CASES:
        counts[words] = counts.get(words, 0) + 1
    commands = set(_commands(typer.main.get_command(app)))
    assert set(counts) | set(NOT_MIRRORED) == commands, "a new command: mirror it in cnncalc.api and here"
    assert min(counts.values()) >= 2, counts


SMALL = "conv 4 k=3 | relu | maxpool k=2 | flatten | fc 10"
# (CLI arguments, the same run from Python): a few steps, a whole epoch with other settings, and a
# network that branches (residual adds, one with a projection shortcut)
TRAIN_CASES = [
    ([SMALL, "--steps", "6", "--seed", "3"], {"spec": SMALL, "steps": 6, "seed": 3}),
    (
        [SMALL, "--epochs", "1", "--optimizer", "sgd", "--lr", "0.05", "--batch-size", "256"],
        {"spec": SMALL, "epochs": 1, "optimizer": "sgd", "lr": 0.05, "batch_size": 256},
    ),
    (["--preset", "digits-resnet", "--steps", "3"], {"preset": "digits-resnet", "steps": 3}),
    (
        [SMALL, "--epochs", "2", "--optimizer", "adamw", "--val-split", "0.2", "--early-stop", "3"]
        + ["--lr-schedule", "plateau", "--lr-patience", "0", "--augment"],
        {
            "spec": SMALL,
            "epochs": 2,
            "optimizer": "adamw",
            "val_split": 0.2,
            "early_stop": 3,
            "lr_schedule": "plateau",
            "lr_patience": 0,
            "augment": True,
        },
    ),
]


@pytest.mark.parametrize(
    ("args", "kwargs"), TRAIN_CASES, ids=["steps", "epoch-sgd", "graph", "note-004-options"]
)
def test_train_to_dict_is_the_json_of_the_same_run(cli, tmp_path, args, kwargs):
    """Two runs with the same seed train alike; only their wall-clock times differ."""
    path = tmp_path / "run.npz"
    printed = _cli_json(cli, ["train", *args, "--save", str(path)])
    ours = cnncalc.train(save=path, **kwargs).to_dict()
    for data in (printed, ours):
        times = [data.pop("seconds_per_epoch"), data.pop("seconds_per_step")]
        times += [h.pop("seconds") for h in data["history"]]
        assert all(t is None or t >= 0 for t in times)
    assert ours == printed
