"""`cnncalc train`, `predict`, `show`, `gradcheck` through the CLI runner: exit codes and text."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from tests.cli.signals import signals_as_default

SMALL = "conv 4 k=3 | relu | maxpool k=2 | flatten | fc 10"


def test_train_steps_save_json(cli_json, tmp_path):
    path = tmp_path / "m.npz"
    data = cli_json("train", "--steps", "20", "--save", path)
    assert data["steps"] == 20 and data["stopped"] == "steps"
    assert data["parameters"] == 43050  # the default digits network
    assert 0.0 <= data["test_accuracy"] <= 1.0 and data["seconds_per_step"] > 0
    assert path.exists() and data["saved"] == str(path)


def test_train_table_output(cli):
    result = cli("train", SMALL, "--epochs", "2")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Training 410 parameters on digits" in out  # (4·9 + 4) + (4·3·3·10 + 10)
    assert "Confusion matrix" in out and "loss (per step)" in out
    assert out.count("│     1 │") == 1 and "test accuracy" in out


def test_resume_continues_and_counts_epochs(cli_json, model_file, tmp_path):
    out = tmp_path / "more.npz"
    data = cli_json("train", "--resume", model_file, "--epochs", "1", "--save", out)
    assert data["epochs"] == 3 and [h["epoch"] for h in data["history"]] == [1, 2, 3]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["train", "--resume", "NOFILE"], 1, "does not exist"),
        (
            ["train", "input 1x28x28 | conv 4 k=3 | flatten | fc 10", "--steps", "1"],
            1,
            "1×28×28 but the data's images are 1×8×8",
        ),
        (["train", "conv 4 k=3 | flatten | fc 3", "--steps", "1"], 1, "data has 10 classes"),
        (["train", "--optimizer", "lion"], 2, "lion"),
        (["train", "--data", "nowhere-dir", "--steps", "1"], 1, "neither a built-in dataset"),
        (["train", "conv 4 k=3", "--preset", "digits"], 2, "give one network source, not SPEC and --preset"),
    ],
    ids=["missing-resume", "input-mismatch", "class-mismatch", "bad-optimizer", "bad-data", "two-specs"],
)
def test_train_errors(cli, tmp_path, args, code, message):
    args = [str(tmp_path / a) if a == "NOFILE" else a for a in args]
    result = cli(*args)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_foreign_checkpoint_exit_1(cli, tmp_path):
    bad = tmp_path / "bad.npz"
    np.savez(bad, x=np.zeros(2))
    result = cli("predict", "--model", bad)
    assert result.exit_code == 1
    assert "not a cnncalc checkpoint" in result.stderr


def test_nan_loss_keeps_the_last_good_checkpoint(cli, tmp_path):
    path = tmp_path / "m.npz"
    assert cli("train", SMALL, "--steps", "3", "--save", path).exit_code == 0
    good = path.read_bytes()
    result = cli(
        "train",
        "flatten | fc 32 | fc 32 | fc 10",
        "--optimizer",
        "sgd",
        "--lr",
        "1e6",
        "--momentum",
        "0",
        "--save",
        path,
    )
    assert result.exit_code == 1, result.output
    assert "the loss became" in result.stderr and "smaller learning rate" in result.stderr
    assert f"the last good checkpoint is kept in {path}" in result.stderr
    assert path.read_bytes() == good


def test_predict_text_and_json(cli, cli_json, model_file):
    result = cli("predict", "--model", model_file, "--index", "0")
    assert result.exit_code == 0, result.output
    assert "digits test image 0 — true label" in result.stdout and "predicted" in result.stdout
    data = cli_json("predict", "--model", model_file, "--index", "3")
    probs = data["probabilities"]
    assert sorted(probs) == [str(d) for d in range(10)]
    assert sum(probs.values()) == pytest.approx(1.0, abs=1e-5)
    assert data["predicted"] == max(range(10), key=lambda d: probs[str(d)])


def test_predict_image_file(cli, model_file, tmp_path):
    img = tmp_path / "digit.npy"
    np.save(img, np.eye(8) * 16)
    result = cli("predict", "--model", model_file, "--image", img)
    assert result.exit_code == 0, result.output
    assert "predicted" in result.stdout
    wrong = tmp_path / "big.npy"
    np.save(wrong, np.zeros((28, 28)))
    result = cli("predict", "--model", model_file, "--image", wrong)
    assert result.exit_code == 1 and "expects 8×8" in result.stderr


def test_predict_index_out_of_range(cli, model_file):
    result = cli("predict", "--model", model_file, "--index", "5000")
    assert result.exit_code == 1 and "past the last test image (358)" in result.stderr


def test_show_filters_and_maps(cli, model_file, tmp_path):
    result = cli("show", "filters", "--model", model_file, "--limit", "2")
    assert result.exit_code == 0, result.output
    assert "layer 1: conv 4 k=3" in result.stdout and "#1" in result.stdout and "#2" not in result.stdout
    svg = tmp_path / "maps.svg"
    result = cli("show", "maps", "--model", model_file, "--svg", svg)
    assert result.exit_code == 0, result.output
    assert svg.read_text().startswith("<svg")


def test_gradcheck_passes_and_reports_every_layer(cli, cli_json):
    result = cli("gradcheck")
    assert result.exit_code == 0, result.output
    assert "all gradients agree" in result.stdout
    data = cli_json("gradcheck", "input 1x6x6 | conv 2 k=3 | relu | flatten | fc 3")
    assert data["passed"] and {r["parameter"] for r in data["rows"]} == {"weight", "bias", "input"}
    assert json.dumps(data)


@pytest.mark.parametrize("preset", ["digits-resnet", "digits-inception"])
def test_gradcheck_passes_for_the_branching_presets(cli_json, preset):
    data = cli_json("gradcheck", "--preset", preset)
    merge = "add" if preset == "digits-resnet" else "concat"
    assert data["passed"] and any(r["kind"] == merge and r["parameter"] == "branch 2" for r in data["rows"])


def test_gradcheck_needs_an_input_shape(cli):
    result = cli("gradcheck", "conv 2 k=3 | fc 3")
    assert result.exit_code == 2 and "--input" in result.stderr


def test_ctrl_c_with_save_saves_then_exits_130(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    path = tmp_path / "m.npz"
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cnncalc", "train", "--epochs", "200", "--save", str(path), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=root,
        preexec_fn=signals_as_default,
    )
    deadline = time.monotonic() + 60
    while not path.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)  # the first epoch's checkpoint shows that training is under way
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    assert "interrupted after step" in err.decode() and f"saved to {path}" in err.decode()
    report = json.loads(out)
    assert report["stopped"] == "interrupted"
    from cnncalc.nn.checkpoint import read_checkpoint

    _, meta, _ = read_checkpoint(path)
    assert meta["step"] == report["steps"]


def _clean_exit(result) -> bool:
    """The command ended through typer (a message and an exit code), not an unhandled exception."""
    return result.exception is None or isinstance(result.exception, SystemExit)


def test_train_adaptive_pool_to_more_than_one_cell(cli_json):
    data = cli_json("train", "gap 3 | flatten | fc 10", "--steps", "2")
    assert data["spec"] == "input 1x8x8 | adaptiveavgpool 3 | flatten | fc 10"
    assert data["parameters"] == 3 * 3 * 10 + 10 and data["steps"] == 2


BAD_IMAGES = {
    "npy-1d": (lambda p: np.save(p, np.zeros(64)), ".npy", "has shape 64 but the model expects 8×8 or 1×8×8"),
    "npy-0d": (lambda p: np.save(p, np.array(3.0)), ".npy", "has shape () (a single number)"),
    "npy-4d": (lambda p: np.save(p, np.zeros((1, 1, 8, 8))), ".npy", "has shape 1×1×8×8"),
    "npy-three-channels": (lambda p: np.save(p, np.zeros((3, 8, 8))), ".npy", "has shape 3×8×8"),
    "npy-all-nan": (lambda p: np.save(p, np.full((8, 8), np.nan)), ".npy", "NaN or infinite"),
    "npy-inf": (lambda p: np.save(p, np.where(np.eye(8) > 0, np.inf, 0.0)), ".npy", "NaN or infinite"),
    "npy-text": (lambda p: np.save(p, np.full((8, 8), "a")), ".npy", "it must hold numbers"),
    "npy-huge": (
        lambda p: np.save(p, np.full((8, 8), 1e30)),
        ".npy",
        "has values from 1e+30 to 1e+30; an image's values must lie in 0..1, 0..16 (the digits' scale) or 0..255",
    ),
    "npy-negative": (
        lambda p: np.save(p, np.full((8, 8), -5.0)),
        ".npy",
        "has values from -5 to -5; an image's values must lie in 0..1, 0..16",
    ),
    "npy-above-255": (
        lambda p: np.save(p, np.arange(64.0).reshape(8, 8) * 5),
        ".npy",
        "has values from 0 to 315;",
    ),
    "pgm-maxval-0": (lambda p: p.write_bytes(b"P5 8 8 0\n" + bytes(64)), ".pgm", "maxval is 0"),
    "pgm-truncated": (lambda p: p.write_bytes(b"P5 8 8 255\n" + bytes(10)), ".pgm", "truncated: 10 of"),
    "pgm-header-only": (lambda p: p.write_bytes(b"P5 8"), ".pgm", "header (magic, width, height, maxval)"),
    "pgm-open-comment": (lambda p: p.write_bytes(b"P2 # no newline"), ".pgm", "header"),
    "pgm-above-maxval": (lambda p: p.write_bytes(b"P2 8 8 3\n" + b"4 " * 64), ".pgm", "above the header's"),
    "pgm-16-bit-binary": (lambda p: p.write_bytes(b"P5 8 8 65535\n" + bytes(128)), ".pgm", "1..255 for P5"),
    "pgm-too-few-values": (lambda p: p.write_bytes(b"P2 8 8 15\n1 2 3"), ".pgm", "64 whole-number pixel"),
}


@pytest.mark.parametrize(("write", "suffix", "message"), BAD_IMAGES.values(), ids=BAD_IMAGES.keys())
def test_predict_rejects_bad_images_cleanly(cli, model_file, tmp_path, write, suffix, message):
    path = tmp_path / f"image{suffix}"
    write(path)
    result = cli("predict", "--model", model_file, "--image", path)
    assert result.exit_code == 1, result.output
    assert _clean_exit(result), repr(result.exception)
    assert message in result.stderr and f"--image {path}" in result.stderr
    assert "Traceback" not in result.output and "Warning" not in result.output


GOOD_IMAGES = {
    "npy-one-channel": lambda p: np.save(p.with_suffix(".npy"), np.eye(8)[None] * 255),
    "pgm-binary": lambda p: p.with_suffix(".pgm").write_bytes(
        b"P5\n# a comment\n8 8\n255\n" + bytes(range(64))
    ),
    "pgm-ascii": lambda p: p.with_suffix(".pgm").write_bytes(b"P2 8 8 15\n" + b"7 " * 64),
}


@pytest.mark.parametrize("write", GOOD_IMAGES.values(), ids=GOOD_IMAGES.keys())
def test_predict_accepts_image_formats(cli_json, model_file, tmp_path, write):
    write(tmp_path / "image")
    path = next(tmp_path.glob("image.*"))
    data = cli_json("predict", "--model", model_file, "--image", path)
    assert data["image"] == str(path) and data["label"] is None
    assert sum(data["probabilities"].values()) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("top", [1, 16, 255], ids=["0..1", "0..16", "0..255"])
def test_an_image_in_each_accepted_range_is_read_as_the_same_picture(tmp_path, top):
    from cnncalc.nn.images import read_image

    picture = np.linspace(0, 1, 64).reshape(8, 8)
    path = tmp_path / "image.npy"
    np.save(path, picture * top)
    assert read_image(path, (1, 8, 8)) == pytest.approx(picture[None, None], abs=1e-6)


def _rewrite(arrays: dict, meta=None, rng=None) -> dict:
    """The checkpoint's arrays with `meta(m)` / `rng(r)` applied to its parsed JSON entries."""
    out = dict(arrays)
    for key, change in (("meta", meta), ("rng", rng)):
        if change is not None:
            out[key] = np.array(json.dumps(change(json.loads(str(arrays[key])))))
    return out


def _without(arrays: dict, key: str) -> dict:
    return {k: v for k, v in arrays.items() if k != key}


def _setting(meta: dict, **more) -> dict:
    return {**meta, "settings": {**meta["settings"], **more}}


# (how to damage the arrays, whether predict — which needs only the model — must fail too)
DAMAGED = {
    "meta-empty-object": (lambda a: _rewrite(a, meta=lambda m: {}), True),
    "meta-list": (lambda a: _rewrite(a, meta=lambda m: []), True),
    "meta-no-class-names": (lambda a: _rewrite(a, meta=lambda m: _without(m, "class_names")), True),
    "meta-input-shape-text": (lambda a: _rewrite(a, meta=lambda m: {**m, "input_shape": "8x8"}), True),
    "settings-unknown-key": (lambda a: _rewrite(a, meta=lambda m: _setting(m, colour="red")), True),
    "settings-lr-text": (lambda a: _rewrite(a, meta=lambda m: _setting(m, lr="fast")), True),
    "history-record-fields": (lambda a: _rewrite(a, meta=lambda m: {**m, "history": [{"epoch": 1}]}), False),
    "position-past-epoch": (lambda a: _rewrite(a, meta=lambda m: {**m, "position": 10**6}), False),
    "opt-t-missing": (lambda a: _without(a, "opt:t"), False),
    "opt-m-text": (lambda a: {**a, "opt:m:1.weight": np.full(a["opt:m:1.weight"].shape, "x")}, False),
    "rng-shuffle-int": (lambda a: _rewrite(a, rng=lambda r: {"shuffle": 1}), True),
    "rng-foreign-generator": (
        lambda a: _rewrite(a, rng=lambda r: {**r, "shuffle": {"bit_generator": "Nope"}}),
        False,
    ),
    "dataset-record-short-hash": (
        lambda a: _rewrite(a, meta=lambda m: {**m, "dataset": {"sha256": "abc", "train": 1, "test": 1}}),
        True,
    ),
    "version-text": (lambda a: {**a, "version": np.array("x")}, True),
    "no-spec": (lambda a: _without(a, "spec"), True),
    "param-text": (lambda a: {**a, "param:1.weight": np.full(a["param:1.weight"].shape, "w")}, True),
}


@pytest.mark.parametrize(("damage", "predict_fails"), DAMAGED.values(), ids=DAMAGED.keys())
def test_damaged_checkpoint_exits_1_with_a_clear_message(cli, model_file, tmp_path, damage, predict_fails):
    with np.load(model_file, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    bad = tmp_path / "damaged.npz"
    np.savez(bad, **damage(arrays))
    commands = [["train", "--resume", bad, "--epochs", "1", "--json"]]
    if predict_fails:
        commands.append(["predict", "--model", bad])
    else:  # only the training state is damaged: the model itself still classifies
        assert cli("predict", "--model", bad).exit_code == 0
    for args in commands:
        result = cli(*args)
        assert result.exit_code == 1, (args, result.output)
        assert _clean_exit(result), (args, repr(result.exception))
        assert f"{bad} is a damaged checkpoint" in result.stderr, result.stderr
        assert "Traceback" not in result.output


def test_a_checkpoint_from_a_newer_cnncalc_is_refused_as_too_new(cli, model_file, tmp_path):
    with np.load(model_file, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    assert int(arrays["version"]) == 3
    newer = tmp_path / "newer.npz"
    np.savez(newer, **{**arrays, "version": np.array(4)})
    for args in (["train", "--resume", newer, "--epochs", "1"], ["predict", "--model", newer]):
        result = cli(*args)
        assert result.exit_code == 1 and _clean_exit(result), (args, result.output)
        assert f"{newer} is checkpoint version 4; this cnncalc reads versions 1, 2, 3" in result.stderr


def test_a_version_2_checkpoint_with_training_options_still_resumes(cli, tmp_path):
    ckpt = tmp_path / "run.npz"
    assert (
        cli("train", "--steps", "2", "--lr-schedule", "cosine", "--save", str(ckpt), "--json").exit_code == 0
    )
    with np.load(ckpt, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    older = tmp_path / "v2.npz"
    np.savez(older, **{**arrays, "version": np.array(2)})  # what the previous release wrote
    result = cli("train", "--resume", str(older), "--steps", "1", "--json")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "option",
    [["--lr", "0.1"], ["--optimizer", "sgd"], ["--batch-size", "8"], ["--seed", "3"], ["--momentum", "0.5"]],
)
def test_resume_refuses_settings_it_would_ignore(cli, tmp_path, option):
    ckpt = tmp_path / "run.npz"
    assert cli("train", "--steps", "2", "--save", str(ckpt), "--json").exit_code == 0
    result = cli("train", "--resume", str(ckpt), *option, "--steps", "1")
    assert result.exit_code == 2
    assert option[0] in result.stderr and "saved run's own settings" in result.stderr


def test_a_core_error_names_the_flag_on_the_command_line(cli):
    result = cli("train", "--steps", "1", "--lr", "-1")
    assert result.exit_code in (1, 2), result.output
    assert "--lr -1.0: the learning rate must be a positive number, e.g. --lr 0.001" in result.stderr


@pytest.mark.parametrize(
    "option",
    [
        ["--lr", "0"],
        ["--lr", "nan"],
        ["--lr", "-1"],
        ["--lr", "inf"],
        ["--momentum", "nan"],
        ["--momentum", "1"],
    ],
    ids=["lr-0", "lr-nan", "lr-negative", "lr-inf", "momentum-nan", "momentum-1"],
)
def test_a_malformed_learning_rate_or_momentum_is_a_usage_error(cli, option):
    result = cli("train", "--steps", "1", *option)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {option[0]} ")


def test_core_messages_name_the_options_the_user_typed(cli, model_file, tmp_path):
    missing = tmp_path / "nope.npz"
    result = cli("predict", "--model", missing)
    assert result.exit_code == 1 and f"create one by training with --save {missing}" in result.stderr
    result = cli("train", "--data", "nowhere-dir", "--steps", "1")
    assert result.exit_code == 1 and "--data 'nowhere-dir' is neither" in result.stderr
    result = cli(
        "train", "flatten | fc 32 | fc 32 | fc 10", "--optimizer", "sgd", "--lr", "1e6", "--momentum", "0"
    )
    assert result.exit_code == 1 and "e.g. --lr 100000" in result.stderr
    result = cli("show", "filters", "--model", model_file, "--layer", "2")
    assert (
        result.exit_code == 1
        and "--layer 2 is not a conv layer of this model; conv layers: 1" in result.stderr
    )


def test_show_filters_json_holds_the_kernels_the_picture_draws(cli_json, model_file):
    from cnncalc.nn.checkpoint import load_model

    data = cli_json("show", "filters", "--model", model_file, "--limit", "3")
    [layer] = data["filters"]
    assert layer["layer"] == 1 and layer["description"] == "conv 4 k=3"
    assert layer["weight_shape"] == [4, 1, 3, 3] and layer["mean_over_input_channels"] is False
    weight = load_model(model_file)[0].layers[0].params["weight"]
    np.testing.assert_allclose(layer["kernels"], weight[:3, 0], rtol=1e-6)


def test_show_maps_json_holds_the_layer_outputs(cli_json, model_file):
    from cnncalc.nn.checkpoint import load_model
    from cnncalc.nn.data import load_digits

    data = cli_json("show", "maps", "--model", model_file, "--index", "5", "--limit", "2")
    digits = load_digits()
    assert data["image"] == "digits test image 5" and data["label"] == int(digits.y_test[5])
    np.testing.assert_allclose(data["input"], digits.x_test[5], rtol=1e-6)
    [maps] = data["maps"]
    assert maps["layer"] == 1 and maps["shape"] == [4, 6, 6] and np.shape(maps["maps"]) == (2, 6, 6)
    model = load_model(model_file)[0]
    conv_out = model.forward(digits.x_test[5:6], upto=1)[0]  # (H, W, C)
    np.testing.assert_allclose(maps["maps"], conv_out[:, :, :2].transpose(2, 0, 1), rtol=1e-6)


# -- note 004's options -------------------------------------------------------------------------------


def test_a_validation_split_reports_each_epoch_on_it_and_the_test_set_at_the_end(cli):
    result = cli(
        "train", SMALL, "--epochs", "2", "--val-split", "0.2", "--lr-schedule", "step", "--lr-step", "1"
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    words = " ".join(out.split())  # the header wraps at the console's width
    assert "(1151 train / 287 validation / 359 test images, adam lr=0.002, batch 32, step schedule)" in words
    assert "┃ epoch ┃   loss ┃ train acc ┃ val loss ┃ val acc ┃ seconds ┃     lr ┃" in out
    assert " 0.002 │" in out and " 0.0002 │" in out
    assert "val accuracy" in out and "test acc " not in out  # each epoch reports the validation set
    assert out.count("test accuracy") == 1  # the test set: once, at the end
    assert "Per class on the test set" in out and "│ macro avg │    359 │" in out
    assert "test accuracy" in out


def test_the_json_has_every_setting_the_images_and_the_per_class_metrics(cli_json):
    data = cli_json(
        "train", SMALL, "--epochs", "2", "--val-split", "0.25", "--early-stop", "5", "--optimizer", "adamw",
        "--lr-schedule", "cosine", "--augment",
    )  # fmt: skip
    s = data["settings"]
    assert (s["optimizer"], s["weight_decay"], s["val_split"], s["early_stop"]) == ("adamw", 0.01, 0.25, 5)
    assert (s["lr_schedule"], s["lr_epochs"], s["min_lr"], s["augment"], s["flip"]) == (
        "cosine",
        2,
        0.0,
        True,
        False,
    )
    assert data["images"]["validation"] + data["images"]["train"] == 1438 and data["images"]["test"] == 359
    assert [h["lr"] for h in data["history"]] == [0.002, 0.001]
    assert all(h["test_accuracy"] is None and h["val_loss"] > 0 for h in data["history"])
    assert data["early_stop"]["patience"] == 5 and data["early_stop"]["stopped_epoch"] is None
    metrics = data["test_metrics"]
    assert metrics["accuracy"] == data["test_accuracy"]
    assert [c["class"] for c in metrics["classes"]] == [str(d) for d in range(10)]
    assert sum(c["support"] for c in metrics["classes"]) == 359
    assert sum(c["true_positives"] for c in metrics["classes"]) == round(359 * data["test_accuracy"])


def test_early_stopping_through_the_cli_saves_the_best_weights(cli_json, tmp_path):
    path = tmp_path / "m.npz"
    data = cli_json(
        "train", SMALL, "--epochs", "60", "--val-split", "0.2", "--early-stop", "1", "--lr", "0.05", "--save", path
    )  # fmt: skip
    assert data["stopped"] == "early_stop" and data["epochs"] < 60
    stop = data["early_stop"]
    losses = [h["val_loss"] for h in data["history"]]
    assert stop["stopped_epoch"] == len(losses) == stop["best_epoch"] + 1
    assert stop["best_val_loss"] == min(losses) == losses[stop["best_epoch"] - 1]
    again = cli_json("predict", "--model", path)  # the saved model is the best epoch's
    assert again["predicted"] in range(10)


def test_a_stopped_run_cannot_be_resumed(cli, cli_json, tmp_path):
    path = tmp_path / "m.npz"
    cli_json(
        "train",
        SMALL,
        "--epochs",
        "60",
        "--val-split",
        "0.2",
        "--early-stop",
        "1",
        "--lr",
        "0.05",
        "--save",
        path,
    )
    result = cli("train", "--resume", path, "--epochs", "1")
    assert result.exit_code == 1 and "stopped early after epoch" in result.stderr
    assert "a larger --early-stop trains longer" in result.stderr


@pytest.mark.parametrize(
    "options",
    [
        ["--val-split", "0.2", "--early-stop", "4", "--lr-schedule", "plateau", "--lr-patience", "0"],
        ["--optimizer", "rmsprop", "--momentum", "0.5", "--weight-decay", "0.001", "--augment"],
        ["--optimizer", "momentum", "--lr-schedule", "cosine", "--lr-epochs", "3"],
    ],
    ids=["validation-plateau-early-stop", "rmsprop-decay-augment", "momentum-cosine"],
)
def test_one_epoch_resumed_for_one_more_equals_two_epochs_through_the_cli(cli_json, tmp_path, options):
    straight, half = tmp_path / "two.npz", tmp_path / "one.npz"
    two = cli_json("train", SMALL, "--epochs", "2", "--save", straight, *options)
    cli_json("train", SMALL, "--epochs", "1", "--save", half, *options)
    resumed = cli_json("train", "--resume", half, "--epochs", "1")
    for data in (two, resumed):
        for h in data["history"]:
            h.pop("seconds")
    assert resumed["history"] == two["history"] and resumed["settings"] == two["settings"]
    assert resumed["test_metrics"] == two["test_metrics"] and resumed["lr"] == two["lr"]
    with np.load(straight) as a, np.load(half) as b:
        params = [k for k in a.files if k.startswith("param:")]
        assert params and all(np.array_equal(a[k], b[k]) for k in params)


# (options, exit code, what the message says)
OPTION_ERRORS = {
    "flip-digits": (["--flip"], 1, "--flip: a mirrored digit is not the same digit (a flipped 2 is not a 2"),
    "early-stop-alone": (["--early-stop", "3"], 2, "--early-stop 3 watches the validation loss"),
    "step-param-alone": (
        ["--lr-step", "3"],
        2,
        "--lr-step 3 is a parameter of the step schedule; add --lr-schedule step",
    ),
    "adam-momentum": (["--momentum", "0.9"], 2, "--momentum 0.9: adam has no momentum setting"),
    "val-split-one": (["--val-split", "1"], 2, "--val-split 1.0 is the fraction of the training images"),
    "negative-decay": (["--weight-decay", "-0.1"], 2, "--weight-decay -0.1 must be a number ≥ 0"),
    "unknown-schedule": (["--lr-schedule", "exp"], 2, "exp"),
    "factor-above-one": (["--lr-schedule", "plateau", "--lr-factor", "2"], 2, "--lr-factor 2.0 multiplies"),
}


@pytest.mark.parametrize(("options", "code", "said"), OPTION_ERRORS.values(), ids=OPTION_ERRORS.keys())
def test_options_that_make_no_sense_are_refused_naming_the_flags(cli, options, code, said):
    result = cli("train", SMALL, "--steps", "1", *options)
    assert result.exit_code == code, result.output
    assert said in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize(
    "option",
    [
        ["--val-split", "0.2"],
        ["--weight-decay", "0.1"],
        ["--early-stop", "2"],
        ["--lr-schedule", "step"],
        ["--augment"],
    ],
)
def test_resume_refuses_new_options_it_would_ignore(cli, tmp_path, option):
    ckpt = tmp_path / "run.npz"
    assert cli("train", "--steps", "2", "--save", str(ckpt), "--json").exit_code == 0
    result = cli("train", "--resume", str(ckpt), *option, "--steps", "1")
    assert result.exit_code == 2
    assert option[0] in result.stderr and "saved run's own settings" in result.stderr


@pytest.mark.parametrize(
    "args, said",
    [
        (
            ["train", "--steps", "1", "--lr", "1e309"],
            "error: --lr 1e309 is not a finite number; write e.g. --lr 0.001",
        ),
        (
            ["train", "--steps", "1", "--momentum", "-1e999"],
            "error: --momentum -1e999 is not a finite number",
        ),
        (["step", "gradient", "--x", "1e309"], "error: --x 1e309 is not a finite number; write e.g. --x 0.5"),
        (
            ["train", "--steps", "1", "--save", ""],
            "Invalid value for '--save': the name is empty; give a file name",
        ),
        (
            ["train", "--steps", "1", "--data", ""],
            "error: --data is empty; give digits, mnist, fashion-mnist",
        ),
        (
            ["train", "--steps", "1", "--data", "  "],
            "error: --data is empty; give digits, mnist, fashion-mnist",
        ),
    ],
    ids=["lr-overflows", "momentum-overflows", "step-x-overflows", "empty-save", "empty-data", "blank-data"],
)
def test_a_refused_value_is_named_as_it_was_typed(cli, tmp_path, monkeypatch, args, said):
    monkeypatch.chdir(tmp_path)
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert said in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing trained, nothing saved


def test_predict_and_show_refuse_an_empty_data_name(cli, model_file):
    for args in (["predict"], ["show", "maps"]):
        result = cli(*args, "--model", model_file, "--data", "")
        assert result.exit_code == 2, result.output
        assert "error: --data is empty" in result.stderr


def test_the_python_api_refuses_an_empty_file_name_and_names_an_overflow_as_written():
    from cnncalc.api.values import number, path
    from cnncalc.arith.errors import UsageError

    with pytest.raises(UsageError, match="^save is an empty name; give a file name$"):
        path("", "save")
    with pytest.raises(UsageError, match="^lr 1e309 is not a finite number"):
        number("1e309", "lr", "0.001")


def test_labels_past_the_model_s_classes_are_refused_wherever_a_model_reads_them(cli, model_file, make_idx):
    labels_to_12 = make_idx("idx12", top_label=12)
    said = (
        f"the data {labels_to_12} has labels up to 12 (13 classes) but the model {model_file} has 10 classes; "
        "use --data with data whose labels are 0 to 9, such as the data it was trained on (digits)"
    )
    for args in (
        ["predict", "--model", model_file],
        ["predict", "--model", model_file, "--json"],
        ["predict", "--model", model_file, "--index", "1"],
        ["show", "maps", "--model", model_file],
        ["show", "maps", "--model", model_file, "--json"],
        ["train", "--resume", model_file, "--epochs", "1", "--json"],
    ):
        result = cli(*args, "--data", labels_to_12)
        assert result.exit_code == 1, (args, result.output)
        assert said in result.stderr, (args, result.stderr)
        assert "internal error" not in result.stderr


def test_a_trainer_refuses_a_model_with_fewer_outputs_than_the_data_has_classes(make_idx):
    from cnncalc.arith.errors import CnnCalcError
    from cnncalc.nn.data import load_dataset
    from cnncalc.nn.model import build_model
    from cnncalc.nn.settings import Settings
    from cnncalc.nn.training import Trainer, optimizer_for

    data = load_dataset(str(make_idx("idx12", top_label=12)))
    model = build_model("conv 2 k=3 | flatten | fc 10", data.input_shape, 10)
    settings = Settings.for_data(data.name)
    with pytest.raises(
        CnnCalcError, match=r"has labels up to 12 \(13 classes\) but the model has 10 classes"
    ):
        Trainer(model, optimizer_for(settings, model), data, settings)


def _strip_data_record(path, to, **meta_changes):
    """A copy of checkpoint `path` at `to` as an earlier cnncalc saved it: no record of the data's
    contents (and `meta_changes` applied)."""
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    np.savez(to, **_rewrite(arrays, meta=lambda m: {**_without(m, "dataset"), **meta_changes}))
    return to


@pytest.mark.parametrize("options", [["--steps", "30"], ["--epochs", "1"]], ids=["mid-epoch", "epoch-end"])
def test_resuming_on_other_data_is_refused_naming_both(cli, tmp_path, make_idx, options):
    saved = tmp_path / "m.npz"
    assert cli("train", *options, "--save", saved, "--json").exit_code == 0
    before = saved.read_bytes()
    other = make_idx("idx8")
    result = cli("train", "--resume", saved, "--data", other, "--epochs", "1")
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        f"error: {saved} was trained on digits (1438 training and 359 test images), not on {other} "
        f"(64 training and 16 test images); resume it with --data digits, or start a new run on {other} "
        "without --resume\n"
    )
    assert saved.read_bytes() == before


def test_resuming_on_the_same_data_under_another_name_goes_on(cli_json, tmp_path, make_idx):
    small = "conv 2 k=3 | relu | flatten | fc 10"
    data = make_idx("idx8")
    saved = tmp_path / "m.npz"
    cli_json("train", small, "--data", data, "--epochs", "1", "--save", saved)
    copy = tmp_path / "copy"
    shutil.copytree(data, copy)
    for given in (f"{data}/", copy):
        assert cli_json("train", "--resume", saved, "--data", given, "--epochs", "1")["epochs"] >= 2


def test_resuming_on_data_changed_since_is_refused(cli, cli_json, tmp_path, make_idx):
    data = make_idx("idx8")
    saved = tmp_path / "m.npz"
    cli_json("train", "conv 2 k=3 | relu | flatten | fc 10", "--data", data, "--epochs", "1", "--save", saved)
    shutil.rmtree(data)
    make_idx("idx8", seed=1)
    result = cli("train", "--resume", saved, "--epochs", "1")
    assert result.exit_code == 1, result.output
    assert (
        f"{saved} was trained on {data} (64 training and 16 test images), but {data} now holds other images "
        "or labels (64 training and 16 test images); resume it with the data it was trained on"
        in result.stderr
    )


def test_a_checkpoint_without_the_data_record_still_loads_and_resumes_on_its_data(cli, cli_json, tmp_path):
    saved = tmp_path / "m.npz"
    cli_json("train", "--steps", "30", "--save", saved)
    old = _strip_data_record(saved, tmp_path / "old.npz")
    assert cli_json("predict", "--model", old)["label"] is not None
    report = cli_json("train", "--resume", old, "--epochs", "1", "--save", tmp_path / "new.npz")
    assert report["steps"] == 45 and report["data"] == "digits"
    from cnncalc.nn.checkpoint import read_checkpoint

    assert read_checkpoint(tmp_path / "new.npz")[1]["dataset"]["train"] == 1438  # recorded from now on


def test_a_checkpoint_without_the_data_record_says_what_it_can(cli, cli_json, tmp_path, make_idx):
    saved = tmp_path / "m.npz"
    cli_json("train", "--steps", "30", "--save", saved)
    old = _strip_data_record(saved, tmp_path / "old.npz")
    other = make_idx("idx8")
    result = cli("train", "--resume", old, "--data", other, "--epochs", "1")
    assert result.exit_code == 1, result.output
    assert (
        f"{old} was trained on digits, and {other} may be other data: an earlier cnncalc saved it, which "
        "recorded the data's name but not its contents. Resume it with --data digits" in result.stderr
    )
    # data of the checkpoint's own name that cannot be what it trained on: not called damaged
    renamed = _strip_data_record(saved, tmp_path / "renamed.npz", data=str(other))
    result = cli("train", "--resume", renamed, "--epochs", "1")
    assert result.exit_code == 1, result.output
    assert "is a damaged checkpoint" not in result.stderr
    assert (
        f"{renamed} stopped at batch 30 of an epoch, but an epoch of {other} has 2 batches: {other} is not "
        "the data it was trained on, or the file is damaged" in result.stderr
    )
