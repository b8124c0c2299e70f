"""The loop and its checkpoints: exact resume, divergence, damaged files."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from cnncalc.arith.errors import CnnCalcError
from cnncalc.nn.checkpoint import load_model, read_checkpoint, resume_trainer, save_checkpoint
from cnncalc.nn.data import Dataset, load_dataset, load_digits
from cnncalc.nn.training import Settings, Trainer, TrainingDiverged

SMALL = "input 1x8x8 | conv 4 k=3 | relu | maxpool k=2 | flatten | fc 16 | dropout 0.3 | fc 10"
# A residual block with a projection shortcut, a concatenation, BN and dropout.
GRAPH = (
    "input 1x8x8 | conv 4 k=3 p=1 | add( conv 6 k=3 s=2 p=1 | bn | relu ; conv 6 k=1 s=2 ) "
    "| concat( conv 4 k=1 | relu ; maxpool k=3 s=1 p=1 ) | flatten | dropout 0.3 | fc 10"
)
CHECKPOINTS = Path(__file__).parents[1] / "fixtures" / "checkpoints"


@pytest.fixture(scope="module")
def digits() -> Dataset:
    full = load_digits()
    # A slice keeps these tests fast; 300 images still give several batches with a ragged last one.
    return Dataset("digits", full.x_train[:300], full.y_train[:300], full.x_test[:100], full.y_test[:100])


def _trainer(data, optimizer="adam", seed=3):
    return Trainer.create(SMALL, data, Settings(optimizer=optimizer, lr=0.01, batch_size=64, seed=seed))


def _params(trainer):
    return {k: v.copy() for k, v in trainer.model.named_params().items()}


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_one_epoch_plus_resumed_epoch_equals_two_epochs_bit_for_bit(tmp_path, digits, optimizer):
    straight = _trainer(digits, optimizer)
    straight.run(2)
    first = _trainer(digits, optimizer)
    first.run(1)
    save_checkpoint(tmp_path / "one.npz", first, "digits")
    resumed, _ = resume_trainer(tmp_path / "one.npz", digits)
    resumed.run(1)
    for name, value in _params(straight).items():
        np.testing.assert_array_equal(resumed.model.named_params()[name], value, err_msg=name)
    for got, want in zip(resumed.history, straight.history, strict=True):
        assert (got.loss, got.train_accuracy, got.test_accuracy) == (
            want.loss,
            want.train_accuracy,
            want.test_accuracy,
        )
    assert resumed.step == straight.step == 2 * straight.batches_per_epoch


def test_a_graph_resumed_mid_epoch_equals_one_run_bit_for_bit(tmp_path, digits):
    settings = Settings(optimizer="adam", lr=0.01, batch_size=64, seed=3)
    straight = Trainer.create(GRAPH, digits, settings)
    straight.run(2)
    first = Trainer.create(GRAPH, digits, settings)
    first.run(1)
    first.run(1, max_steps=2)
    save_checkpoint(tmp_path / "graph.npz", first, "digits")
    arrays, _, _ = read_checkpoint(tmp_path / "graph.npz")
    assert {"param:2.1.weight", "param:2.2.weight", "buffer:2.2.running_mean", "param:3.1.bias"} <= set(
        arrays
    )
    resumed, _ = resume_trainer(tmp_path / "graph.npz", digits)
    resumed.run(1)
    assert resumed.step == straight.step
    for name, value in _params(straight).items():
        np.testing.assert_array_equal(resumed.model.named_params()[name], value, err_msg=name)
    for name, value in straight.model.named_buffers().items():
        np.testing.assert_array_equal(resumed.model.named_buffers()[name], value, err_msg=name)
    assert [h.test_accuracy for h in resumed.history] == [h.test_accuracy for h in straight.history]


def test_a_version_1_checkpoint_loads_and_continues(tmp_path):
    # Written by the trainer of commit 9bfbd0b, before parameters were named by node id ('cnncalc
    # train "input 1x8x8 | conv 4 k=3 | relu | conv 4 k=3 bias=false | bn | relu | fc 10 | softmax"
    # --steps 3', then '--resume' for 3 more steps): 'param:3.weight' was the layer at index 3 (the
    # bn: conv, relu, conv, bn, relu, flatten, fc), today's '4.weight'.
    saved = tmp_path / "v1.npz"
    shutil.copy(CHECKPOINTS / "chain-v1.npz", saved)
    arrays, meta, _ = read_checkpoint(saved)
    assert int(arrays["version"]) == 1 and arrays["param:3.weight"].shape == (4,)
    model, _ = load_model(saved)
    by_index = {str(i): layer.node_id for i, layer in enumerate(model.layers)}
    assert by_index == {"0": "1", "1": "2", "2": "3", "3": "4", "4": "5", "5": "6:flatten", "6": "6"}
    for key, value in arrays.items():
        if key.startswith(("param:", "buffer:")):
            kind, name = key.split(":")
            index, param = name.split(".")
            loaded = model.named_params() if kind == "param" else model.named_buffers()
            np.testing.assert_array_equal(loaded[f"{by_index[index]}.{param}"], value, err_msg=key)
    # Three more steps continue the run as the trainer of that time continued it.
    trainer, _ = resume_trainer(saved, load_digits())
    trainer.run(1, max_steps=3)
    assert trainer.step == meta["step"] + 3
    with np.load(CHECKPOINTS / "chain-v1-plus-3-steps.npz") as then:
        for name in then.files:
            index, param = name.split(".")
            got = trainer.model.named_params()[f"{by_index[index]}.{param}"]
            np.testing.assert_allclose(got, then[name], rtol=1e-5, atol=1e-7, err_msg=name)
    save_checkpoint(saved, trainer, "digits")  # saved again: today's version, named by node id
    again, _, _ = read_checkpoint(saved)
    assert int(again["version"]) == 3 and again["param:4.weight"].shape == (4,)


def test_resume_in_the_middle_of_an_epoch_is_exact(tmp_path, digits):
    straight = _trainer(digits)
    straight.run(1)
    part = _trainer(digits)
    result = part.run(1, max_steps=2)
    assert result.stopped == "steps" and part.position == 2 and part.epoch == 0
    save_checkpoint(tmp_path / "part.npz", part, "digits")
    resumed, _ = resume_trainer(tmp_path / "part.npz", digits)
    resumed.run(1)
    for name, value in _params(straight).items():
        np.testing.assert_array_equal(resumed.model.named_params()[name], value, err_msg=name)
    assert resumed.history[0].train_accuracy == straight.history[0].train_accuracy


def test_resume_after_steps_that_end_exactly_at_an_epochs_end_is_exact(tmp_path, digits):
    straight = _trainer(digits)
    straight.run(2)
    part = _trainer(digits)
    part.run(2, max_steps=part.batches_per_epoch)  # stops before the second epoch's first batch
    assert (part.epoch, part.position) == (1, 0)
    save_checkpoint(tmp_path / "part.npz", part, "digits")
    resumed, _ = resume_trainer(tmp_path / "part.npz", digits)
    resumed.run(1)
    for name, value in _params(straight).items():
        np.testing.assert_array_equal(resumed.model.named_params()[name], value, err_msg=name)


def test_resume_on_a_machine_with_other_cores_is_exact(tmp_path, digits, monkeypatch):
    # Saved where the trainer used 1 thread, resumed where it uses 3: the same bits as 3 throughout.
    from cnncalc.nn import parallel

    monkeypatch.setattr(parallel, "MIN_PART", 1)  # split even these small batches
    monkeypatch.setattr(parallel, "SMALL_BATCH_MACS", 0)  # and plan this small network as a big one
    monkeypatch.setattr(parallel, "LARGE_BATCH_MACS", 0)
    straight = _trainer(digits)
    assert straight.slices == parallel.MAX_WORKERS
    straight.threads = 3
    straight.run(2)
    first = _trainer(digits)
    first.threads = 1
    first.run(1, max_steps=3)
    save_checkpoint(tmp_path / "one.npz", first, "digits")
    resumed, _ = resume_trainer(tmp_path / "one.npz", digits)
    resumed.threads = 3
    resumed.run(2)
    for name, value in _params(straight).items():
        np.testing.assert_array_equal(resumed.model.named_params()[name], value, err_msg=name)


def test_a_different_seed_gives_different_weights(digits):
    a, b = _trainer(digits, seed=1), _trainer(digits, seed=2)
    a.run(1)
    b.run(1)
    assert not np.array_equal(a.model.named_params()["1.weight"], b.model.named_params()["1.weight"])


def test_history_and_accuracy_are_real_measurements(digits):
    trainer = _trainer(digits)
    result = trainer.run(3)
    assert [h.epoch for h in result.history] == [1, 2, 3]
    assert result.history[-1].loss < result.history[0].loss
    accuracy, predicted = trainer.evaluate()
    assert accuracy == pytest.approx(float((predicted == digits.y_test).mean()))
    assert result.test_accuracy == accuracy
    assert len(result.step_seconds) == 3 * trainer.batches_per_epoch


def test_nan_loss_stops_with_a_clear_message_and_good_parameters(digits):
    trainer = Trainer.create(SMALL, digits, Settings(optimizer="sgd", lr=1e6, momentum=0.0, batch_size=64))
    with pytest.raises(TrainingDiverged, match=r"the loss became (nan|inf).*smaller learning rate"):
        trainer.run(5)
    assert all(np.isfinite(v).all() for v in trainer.model.named_params().values())


def test_should_stop_interrupts_between_steps(digits):
    trainer = _trainer(digits)
    calls = []
    result = trainer.run(1, should_stop=lambda: len(calls) >= 2, on_step=lambda t, loss: calls.append(loss))
    assert result.stopped == "interrupted" and trainer.step == 2


def test_checkpoint_round_trip_keeps_weights_and_predictions(tmp_path, digits):
    trainer = _trainer(digits)
    trainer.run(1)
    path = tmp_path / "m.npz"
    save_checkpoint(path, trainer, "digits")
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]  # no temporary file left behind
    model, meta = load_model(path)
    assert meta["epoch"] == 1 and meta["data"] == "digits"
    np.testing.assert_array_equal(
        model.predict_proba(digits.x_test), trainer.model.predict_proba(digits.x_test)
    )
    arrays, _, _ = read_checkpoint(path)
    assert all(not a.dtype.hasobject for a in arrays.values())


def test_truncated_checkpoint_is_a_clear_error(tmp_path, digits):
    trainer = _trainer(digits)
    path = tmp_path / "m.npz"
    save_checkpoint(path, trainer, "digits")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CnnCalcError, match="not a readable cnncalc checkpoint"):
        load_model(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"hello", "not a readable"), (None, "not a cnncalc checkpoint")],
    ids=["text-file", "foreign-npz"],
)
def test_foreign_file_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "x.npz"
    if content is None:
        np.savez(path, weights=np.zeros(3))
    else:
        path.write_bytes(content)
    with pytest.raises(CnnCalcError, match=message):
        load_model(path)


def test_missing_checkpoint_says_how_to_make_one(tmp_path):
    with pytest.raises(CnnCalcError, match="does not exist; create one by training with save .*nope.npz"):
        load_model(tmp_path / "nope.npz")


def _diverge(digits):
    Trainer.create(SMALL, digits, Settings(optimizer="sgd", lr=1e6, momentum=0.0, batch_size=64)).run(5)


def _resume_on_other_data(digits, tmp_path):
    save_checkpoint(tmp_path / "m.npz", _trainer(digits), "digits")
    images = np.zeros((4, 1, 28, 28), np.float32)
    other = Dataset("x", images, np.zeros(4, np.int64), images, np.zeros(4, np.int64))
    resume_trainer(tmp_path / "m.npz", other)


def _bad_image(tmp_path):
    from cnncalc.nn.images import read_image

    np.save(tmp_path / "big.npy", np.zeros((28, 28)))
    read_image(tmp_path / "big.npy", (1, 8, 8))


# (what the Python caller does, the field named, what the message says)
NAMED_FIELDS = {
    "epochs": (lambda d, p: _trainer(d).run(0), "epochs", "epochs 0 must be at least 1"),
    "max-steps": (lambda d, p: _trainer(d).run(1, max_steps=0), "max_steps", "max_steps 0 must be"),
    "batch-size": (
        lambda d, p: Trainer.create(SMALL, d, Settings(batch_size=0)),
        "batch_size",
        "batch_size 0 must be",
    ),
    "diverged": (lambda d, p: _diverge(d), "lr", "e.g. lr 100000"),
    "missing-checkpoint": (lambda d, p: load_model(p / "nope.npz"), "save", "training with save "),
    "other-data": (_resume_on_other_data, "data", "use the same data as the saved run (digits)"),
    "unknown-source": (lambda d, p: load_dataset("nowhere"), "source", "source 'nowhere' is neither"),
    "image-shape": (lambda d, p: _bad_image(p), "image", "image /"),
}


@pytest.mark.parametrize(("call", "field", "said"), NAMED_FIELDS.values(), ids=NAMED_FIELDS.keys())
def test_messages_name_the_python_field_not_a_cli_flag(digits, tmp_path, call, field, said):
    with pytest.raises(CnnCalcError) as caught:
        call(digits, tmp_path)
    assert caught.value.field == field
    assert said in str(caught.value)
    assert "--" not in str(caught.value)


def test_resume_on_data_of_another_shape_is_refused(tmp_path, digits):
    trainer = _trainer(digits)
    save_checkpoint(tmp_path / "m.npz", trainer, "digits")
    other = Dataset(
        "x",
        np.zeros((4, 1, 28, 28), np.float32),
        np.zeros(4, np.int64),
        np.zeros((2, 1, 28, 28), np.float32),
        np.zeros(2, np.int64),
    )
    with pytest.raises(CnnCalcError, match="trained on 1×8×8 images but the data has 1×28×28"):
        resume_trainer(tmp_path / "m.npz", other)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "input 1x28x28 | conv 4 k=3 | flatten | fc 10",
            "spec's input is 1×28×28 but the data's images are 1×8×8",
        ),
        ("conv 4 k=3 | flatten | fc 7", "ends in 7 but the data has 10 classes"),
        ("conv 4 k=9", "kernel"),
        # a 1-D network read the 1×8×8 images as N×C×L and the product failed inside NumPy
        ("conv1d 4 k=3 | flatten | fc 10", "images are 1×8×8 .C×H×W. but the network's layers are 1-D"),
        ("conv 4 k=3 | maxpool1d k=2 | flatten | fc 10", "8 channels of length 8; use 2-D layers"),
    ],
    ids=["input-mismatch", "wrong-class-count", "kernel-too-big", "conv1d-on-images", "maxpool1d-on-images"],
)
def test_spec_and_data_must_agree(digits, spec, message):
    with pytest.raises(CnnCalcError, match=message):
        Trainer.create(spec, digits)


@pytest.mark.slow
def test_default_digits_network_reaches_97_percent_quickly():
    from cnncalc.nn.defaults import DIGITS_SPEC

    data = load_digits()
    trainer = Trainer.create(DIGITS_SPEC, data, Settings.for_data("digits"))
    result = trainer.run(15)
    assert result.test_accuracy >= 0.97


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["digits-resnet", "digits-inception"])
def test_the_branching_presets_reach_98_percent(preset):
    from cnncalc.arith.presets import preset_text

    trainer = Trainer.create(preset_text(preset), load_digits(), Settings.for_data("digits"))
    assert trainer.run(15).test_accuracy >= 0.98
