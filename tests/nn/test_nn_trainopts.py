"""The trainer options of note 004: settings, validation split, early stopping, schedules in the
loop, augmentation, per-class metrics, and exact resume with each of them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.nn.augment import Augmenter, check_flip, shift_for
from cnncalc.nn.checkpoint import load_model, read_checkpoint, resume_trainer, save_checkpoint
from cnncalc.nn.data import FASHION_NAMES, Dataset, Images, load_digits
from cnncalc.nn.early_stopping import EarlyStopping
from cnncalc.nn.losses import softmax_cross_entropy
from cnncalc.nn.metrics import class_metrics
from cnncalc.nn.settings import Settings
from cnncalc.nn.training import Trainer
from cnncalc.nn.validation import split_validation

SMALL = "input 1x8x8 | conv 4 k=3 | relu | maxpool k=2 | flatten | fc 16 | dropout 0.3 | fc 10"
BN = "input 1x8x8 | conv 4 k=3 | bn | relu | flatten | fc 10"


@pytest.fixture(scope="module")
def digits() -> Dataset:
    full = load_digits()
    # a slice keeps these tests fast; 300 images still give several batches with a ragged last one
    train = Images(full.x_train.raw[:300], 1 / 16)
    return Dataset("digits", train, full.y_train[:300], full.x_test[:100], full.y_test[:100])


def _params(trainer: Trainer) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in trainer.model.named_params().items()}


# -- settings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("optimizer", "lr", "momentum", "weight_decay"),
    [
        ("sgd", 0.01, 0.0, 0.0),
        ("momentum", 0.01, 0.9, 0.0),
        ("rmsprop", 0.001, 0.0, 0.0),
        ("adam", 0.002, 0.0, 0.0),
        ("adamw", 0.002, 0.0, 0.01),
    ],
)
def test_each_optimizer_starts_from_its_own_defaults(optimizer, lr, momentum, weight_decay):
    s = Settings.for_data("digits", optimizer=optimizer)
    assert (s.lr, s.momentum, s.weight_decay) == (lr, momentum, weight_decay)


def test_a_schedule_takes_pytorchs_defaults_for_what_is_not_given():
    step = Settings.for_data("mnist", lr_schedule="step")
    assert (step.lr_step, step.lr_factor, step.lr_patience, step.min_lr) == (5, 0.1, None, None)
    plateau = Settings.for_data("mnist", lr_schedule="plateau", lr_patience=2)
    assert (plateau.lr_factor, plateau.lr_patience, plateau.min_lr, plateau.lr_step) == (0.1, 2, 0.0, None)
    cosine = Settings.for_data("mnist", lr_schedule="cosine")
    assert (cosine.lr_epochs, cosine.min_lr) == (None, 0.0)


# (given, the field named, what the message says)
REFUSED = {
    "adam-momentum": ({"optimizer": "adam", "momentum": 0.9}, "momentum", "adam has no momentum setting"),
    "momentum-zero": (
        {"optimizer": "momentum", "momentum": 0.0},
        "momentum",
        "makes optimizer momentum plain",
    ),
    "unknown-optimizer": ({"optimizer": "lion"}, "optimizer", "'lion' is not an optimizer"),
    "negative-decay": ({"weight_decay": -0.1}, "weight_decay", "weight_decay -0.1 must be a number ≥ 0"),
    "val-split-one": ({"val_split": 1.0}, "val_split", "val_split 1.0 is the fraction"),
    "patience-zero": ({"early_stop": 0}, "early_stop", "early_stop 0: the patience"),
    "unknown-schedule": ({"lr_schedule": "exp"}, "lr_schedule", "'exp' is not a schedule"),
    "step-without-schedule": ({"lr_step": 3}, "lr_step", "lr_step 3 is a parameter of the step schedule"),
    "patience-for-cosine": (
        {"lr_schedule": "cosine", "lr_patience": 2},
        "lr_patience",
        "add lr_schedule plateau",
    ),
    "factor-one": ({"lr_schedule": "step", "lr_factor": 1.0}, "lr_factor", "must be in (0, 1)"),
    "min-lr-above-lr": ({"lr_schedule": "cosine", "min_lr": 0.5}, "min_lr", "below the learning rate 0.002"),
}


@pytest.mark.parametrize(("given_values", "field", "said"), REFUSED.values(), ids=REFUSED.keys())
def test_settings_that_make_no_sense_are_refused_naming_the_field(given_values, field, said):
    with pytest.raises(UsageError) as caught:
        Settings.for_data("digits", **given_values)
    assert caught.value.field == field
    assert said in str(caught.value)
    assert "--" not in str(caught.value)


def test_a_run_without_any_option_has_them_all_off(digits):
    trainer = Trainer.create(SMALL, digits, Settings(lr=0.01, batch_size=64))
    assert trainer.augmenter is trainer.schedule is trainer.early_stopping is None
    assert trainer.data is digits


# -- validation split -------------------------------------------------------------------------------


@given(fraction=st.floats(0.05, 0.6), seed=st.integers(0, 2**32 - 1))
@settings(max_examples=25, deadline=None)
def test_the_split_is_stratified_disjoint_and_complete(digits, fraction, seed):
    split = split_validation(digits, fraction, seed)
    for c in range(10):
        n = int((digits.y_train == c).sum())
        assert int((split.y_val == c).sum()) == int(np.floor(fraction * n + 0.5))
    # every training image is in exactly one part, with its own label
    both = np.concatenate([split.x_train.raw, split.x_val.raw])
    labels = np.concatenate([split.y_train, split.y_val])
    original = {(img.tobytes(), int(y)) for img, y in zip(digits.x_train.raw, digits.y_train, strict=True)}
    assert len(both) == len(digits.y_train)
    assert {(img.tobytes(), int(y)) for img, y in zip(both, labels, strict=True)} == original
    assert split.x_test is digits.x_test


def test_the_split_depends_on_the_seed_only_and_keeps_bytes(digits):
    a, b, c = (split_validation(digits, 0.2, s) for s in (4, 4, 5))
    np.testing.assert_array_equal(a.x_val.raw, b.x_val.raw)
    assert not np.array_equal(a.x_val.raw, c.x_val.raw)
    assert isinstance(a.x_train, Images) and a.x_train.raw.dtype == np.uint8
    np.testing.assert_array_equal(a.x_val[:3], np.asarray(a.x_val.raw[:3], np.float32) * np.float32(1 / 16))


def test_a_split_that_leaves_nothing_is_refused():
    tiny = Dataset(
        "digits", np.zeros((2, 1, 8, 8), np.float32), np.array([0, 1]), np.zeros((1, 1, 8, 8)), [0]
    )
    with pytest.raises(CnnCalcError, match="leaves no validation images") as caught:
        split_validation(tiny, 0.2, 0)
    assert caught.value.field == "val_split"


def test_with_a_validation_set_each_epoch_is_validated_and_the_test_set_seen_once(digits):
    trainer = Trainer.create(SMALL, digits, Settings(lr=0.01, batch_size=64, val_split=0.25))
    held = sum(int(np.floor(0.25 * n + 0.5)) for n in np.bincount(digits.y_train))
    assert len(trainer.data.y_val) == held and len(trainer.data.y_train) == 300 - held
    looked_at_test = []
    evaluate = trainer.evaluate
    trainer.evaluate = lambda x=None, y=None: (looked_at_test.append(x is None), evaluate(x, y))[1]
    result = trainer.run(3)
    assert looked_at_test == [True]  # once, at the very end
    for h in result.history:
        assert h.test_accuracy is None and h.val_loss is not None and h.lr == 0.01
    # the validation loss is the mean cross-entropy on the validation images, in evaluation mode
    logits = trainer.model.forward(trainer.data.x_val[:]).astype(np.float64)
    loss, _ = softmax_cross_entropy(logits, trainer.data.y_val)
    assert result.history[-1].val_loss == pytest.approx(loss, rel=1e-6)
    accuracy = float((logits.argmax(axis=1) == trainer.data.y_val).mean())
    assert result.history[-1].val_accuracy == accuracy


def test_without_a_validation_set_each_epoch_reports_the_test_accuracy(digits):
    result = Trainer.create(SMALL, digits, Settings(lr=0.01, batch_size=64)).run(2)
    assert all(h.test_accuracy is not None and h.val_loss is None for h in result.history)
    assert result.test_accuracy == result.history[-1].test_accuracy


# -- early stopping ---------------------------------------------------------------------------------


@given(losses=st.lists(st.floats(0, 3, allow_nan=False), min_size=1, max_size=30), patience=st.integers(1, 5))
def test_early_stopping_stops_after_patience_epochs_without_a_new_lowest_loss(losses, patience):
    stopper = EarlyStopping(patience)
    stopped_at = next((e for e, loss in enumerate(losses, 1) if stopper.observe(e, loss)), None)
    seen = losses[: stopped_at or len(losses)]
    best = min(range(len(seen)), key=lambda i: (seen[i], i)) + 1  # the first epoch of the lowest loss
    assert stopper.best_epoch == best and stopper.best_loss == seen[best - 1]
    if stopped_at is None:
        assert len(losses) - best < patience
    else:
        assert stopped_at - best == patience
        assert all(loss >= seen[best - 1] for loss in seen[best:])


def test_early_stopping_restores_the_best_epochs_weights_and_saves_them(digits, tmp_path):
    settings_ = Settings(lr=0.05, batch_size=16, val_split=0.3, early_stop=2)
    trainer = Trainer.create(BN, digits, settings_)
    kept: dict[int, tuple[dict, dict]] = {}
    saved = tmp_path / "m.npz"

    def on_epoch(t, stats):
        if t.early_stopping.stopped_epoch is None:
            kept[stats.epoch] = (_params(t), {k: v.copy() for k, v in t.model.named_buffers().items()})
        save_checkpoint(saved, t, "digits")

    result = trainer.run(30, on_epoch=on_epoch)
    assert result.stopped == "early_stop"
    stopper = trainer.early_stopping
    losses = [h.val_loss for h in result.history]
    assert stopper.best_epoch == int(np.argmin(losses)) + 1 and len(losses) == stopper.best_epoch + 2
    params, buffers = kept[stopper.best_epoch]
    for name, value in trainer.model.named_params().items():
        np.testing.assert_array_equal(value, params[name], err_msg=name)
    for name, value in trainer.model.named_buffers().items():
        np.testing.assert_array_equal(value, buffers[name], err_msg=name)
    model, _ = load_model(saved)  # the checkpoint holds the restored weights
    first = next(iter(params))
    np.testing.assert_array_equal(model.named_params()[first], params[first])
    accuracy, _ = trainer.evaluate()
    assert result.test_accuracy == accuracy  # measured with the weights kept


def test_a_run_that_stopped_early_cannot_be_continued(digits, tmp_path):
    trainer = Trainer.create(SMALL, digits, Settings(lr=0.05, batch_size=16, val_split=0.3, early_stop=1))
    trainer.run(30)
    save_checkpoint(tmp_path / "m.npz", trainer, "digits")
    resumed, _ = resume_trainer(tmp_path / "m.npz", digits)
    with pytest.raises(CnnCalcError, match=r"stopped early after epoch \d+: .* kept the weights of epoch"):
        resumed.run(1)


def test_early_stopping_needs_a_validation_set(digits):
    with pytest.raises(
        CnnCalcError, match="early_stop 3 watches the validation loss.*val_split 0.2"
    ) as caught:
        Trainer.create(SMALL, digits, Settings(early_stop=3))
    assert caught.value.field == "early_stop"


def test_a_validation_set_given_with_the_data_is_used_as_it_is(digits):
    given_val = Dataset(
        "digits", digits.x_train[:200], digits.y_train[:200], digits.x_test, digits.y_test,
        x_val=digits.x_train[200:], y_val=digits.y_train[200:],
    )  # fmt: skip
    trainer = Trainer.create(SMALL, given_val, Settings(lr=0.01, batch_size=64, early_stop=5))
    assert trainer.data is given_val
    assert trainer.run(1).history[0].val_loss is not None


# -- schedules in the loop ---------------------------------------------------------------------------


def test_each_epoch_records_the_rate_it_trained_with(digits):
    trainer = Trainer.create(SMALL, digits, Settings(lr=0.04, batch_size=64, lr_schedule="step", lr_step=2))
    result = trainer.run(5)
    assert [h.lr for h in result.history] == [0.04, 0.04, 0.004, 0.004, pytest.approx(0.0004)]
    assert trainer.optimizer.lr == pytest.approx(0.0004)


def test_cosine_anneals_over_the_first_runs_epochs_unless_told(digits):
    trainer = Trainer.create(SMALL, digits, Settings(lr=0.01, batch_size=64, lr_schedule="cosine"))
    trainer.run(4)
    assert trainer.settings.lr_epochs == 4
    assert [h.lr for h in trainer.history] == pytest.approx(
        [0.01, 0.01 * (1 + 2**-0.5) / 2, 0.005, 0.01 * (1 - 2**-0.5) / 2]
    )
    assert trainer.optimizer.lr == pytest.approx(0.0, abs=1e-18)


def test_plateau_watches_the_training_loss_without_a_validation_set(digits):
    trainer = Trainer.create(
        SMALL, digits, Settings(lr=0.01, batch_size=64, lr_schedule="plateau", lr_patience=0, lr_factor=0.5)
    )
    result = trainer.run(5)
    # patience 0: the rate halves after every epoch whose training loss is no new best (by 10⁻⁴)
    rates, best = [0.01], float("inf")
    for h in result.history[:-1]:
        improved = h.loss < best * (1 - 1e-4)
        best = h.loss if improved else best
        rates.append(rates[-1] if improved else rates[-1] * 0.5)
    assert [h.lr for h in result.history] == rates


# -- augmentation -----------------------------------------------------------------------------------


def test_a_shift_moves_the_image_and_crops_what_leaves_it():
    rng = np.random.default_rng(3)
    x = rng.random((50, 2, 7, 9)).astype(np.float32)
    aug = Augmenter(2, False, np.random.default_rng(11))
    out = aug(x)
    replay = np.random.default_rng(11)
    top, left = replay.integers(0, 5, 50), replay.integers(0, 5, 50)
    for i in range(50):
        dy, dx = 2 - top[i], 2 - left[i]  # how far the content moved down and right
        want = np.zeros_like(x[i])
        src = x[i][:, max(0, -dy) : 7 - max(0, dy), max(0, -dx) : 9 - max(0, dx)]
        want[:, max(0, dy) : max(0, dy) + src.shape[1], max(0, dx) : max(0, dx) + src.shape[2]] = src
        np.testing.assert_array_equal(out[i], want)
    assert {int(v) for v in 2 - top} == {-2, -1, 0, 1, 2}
    assert out.dtype == np.float32 and x.shape == out.shape


def test_flips_mirror_about_half_the_images_left_to_right():
    x = np.random.default_rng(0).random((400, 1, 4, 4)).astype(np.float32)
    out = Augmenter(0, True, np.random.default_rng(1))(x)
    flipped = [np.array_equal(o, i[:, :, ::-1]) for o, i in zip(out, x, strict=True)]
    kept = [np.array_equal(o, i) for o, i in zip(out, x, strict=True)]
    assert all(f != k for f, k in zip(flipped, kept, strict=True))
    assert 150 < sum(flipped) < 250


def test_one_dimensional_data_is_shifted_along_its_length_only():
    x = np.arange(10, dtype=np.float32).reshape(1, 1, 10) + 1
    out = Augmenter(1, False, np.random.default_rng(0))(np.repeat(x, 20, axis=0))
    assert out.shape == (20, 1, 10)
    assert all(np.count_nonzero(row) >= 9 for row in out[:, 0])


def test_the_shift_is_a_tenth_of_the_image():
    assert (shift_for(8), shift_for(28), shift_for(32), shift_for(4)) == (1, 3, 3, 1)


def test_flips_are_refused_for_digits_with_the_reason(digits):
    with pytest.raises(CnnCalcError, match="a flipped 2 is not a 2") as caught:
        Trainer.create(SMALL, digits, Settings(flip=True))
    assert caught.value.field == "flip"
    assert "augment (small shifts)" in str(caught.value)
    check_flip(FASHION_NAMES)  # clothes look the same mirrored


def test_one_dimensional_data_is_shifted_by_a_tenth_of_its_length():
    rng = np.random.default_rng(0)
    x = rng.random((40, 2, 30)).astype(np.float32)
    data = Dataset("signals", x, rng.integers(0, 3, 40), x[:10], rng.integers(0, 3, 10), ("a", "b", "c"))
    trainer = Trainer.create(
        "input 2x30 | conv 4 k=3 | relu | flatten | fc 3", data, Settings(lr=0.01, batch_size=8, augment=True)
    )
    assert trainer.augmenter.shift == 3
    trainer.run(1)


def test_flips_train_and_resume_exactly_for_classes_that_look_the_same_mirrored(digits, tmp_path):
    clothes = Dataset("clothes", digits.x_train, digits.y_train, digits.x_test, digits.y_test, FASHION_NAMES)
    options = Settings(lr=0.01, batch_size=64, augment=True, flip=True)
    straight = Trainer.create(SMALL, clothes, options)
    straight.run(2)
    first = Trainer.create(SMALL, clothes, options)
    first.run(1)
    save_checkpoint(tmp_path / "one.npz", first, "clothes")
    resumed, _ = resume_trainer(tmp_path / "one.npz", clothes)
    resumed.run(1)
    _same_runs(straight, resumed)


def test_augmentation_changes_training_batches_only(digits):
    trainer = Trainer.create(SMALL, digits, Settings(lr=0.01, batch_size=64, augment=True))
    seen = []
    step = trainer.train_step
    trainer.train_step = lambda xb, yb: (seen.append(xb.copy()), step(xb, yb))[1]
    trainer.run(1, max_steps=1)
    order = np.random.default_rng(0).permutation(300)[:64]
    plain = digits.x_train[order]
    assert seen[0].shape == plain.shape and not np.array_equal(seen[0], plain)
    np.testing.assert_array_equal(seen[0].sum(axis=(1, 2, 3)) <= plain.sum(axis=(1, 2, 3)) + 1e-5, True)
    accuracy, _ = trainer.evaluate()  # evaluation sees the images unchanged
    assert accuracy == float((trainer.model.forward(digits.x_test).argmax(axis=1) == digits.y_test).mean())


# -- per-class metrics ------------------------------------------------------------------------------


def test_per_class_metrics_from_counts_written_out():
    # true:      0 0 0 1 1 2          predicted: 0 1 0 1 1 1     class 2 is never predicted
    m = class_metrics([0, 0, 0, 1, 1, 2], [0, 1, 0, 1, 1, 1], ("a", "b", "c"))
    a, b, c = m.rows
    assert (a.precision, a.recall, a.f1) == (1.0, 2 / 3, 0.8)  # TP 2, FP 0, FN 1
    assert (b.precision, b.recall, b.f1) == (0.5, 1.0, 2 / 3)  # TP 2, FP 2, FN 0
    assert (c.precision, c.recall, c.f1, c.support, c.predicted) == (None, 0.0, 0.0, 1, 0)
    assert m.accuracy == 4 / 6
    assert m.macro_precision == 0.75 and m.macro_f1 == pytest.approx((0.8 + 2 / 3) / 3)
    assert m.to_dict()["classes"][2] == {
        "class": "c", "support": 1, "predicted": 0, "true_positives": 0,
        "precision": None, "recall": 0.0, "f1": 0.0,
    }  # fmt: skip


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=80))
def test_per_class_metrics_agree_with_the_confusion_matrix(pairs):
    y, p = np.array(pairs).T
    m = class_metrics(y, p, tuple("abcde"))
    confusion = np.zeros((5, 5), int)
    np.add.at(confusion, (y, p), 1)
    for c, row in enumerate(m.rows):
        tp, fn, fp = (
            confusion[c, c],
            confusion[c].sum() - confusion[c, c],
            confusion[:, c].sum() - confusion[c, c],
        )
        assert (row.true_positives, row.support, row.predicted) == (tp, tp + fn, tp + fp)
        if row.precision is not None and row.recall is not None and row.precision + row.recall > 0:
            harmonic = 2 * row.precision * row.recall / (row.precision + row.recall)
            assert row.f1 == pytest.approx(harmonic)
    assert m.accuracy == pytest.approx(np.trace(confusion) / len(y))


def test_a_run_ends_with_the_test_sets_per_class_metrics(digits):
    trainer = Trainer.create(SMALL, digits, Settings(lr=0.01, batch_size=64))
    result = trainer.run(1)
    _, predicted = trainer.evaluate()
    np.testing.assert_array_equal(result.predicted, predicted)
    assert result.metrics.accuracy == result.test_accuracy
    assert [r.support for r in result.metrics.rows] == np.bincount(digits.y_test, minlength=10).tolist()


# -- exact resume with every option -----------------------------------------------------------------

OPTIONS = {
    "sgd-decay": Settings(optimizer="sgd", lr=0.05, batch_size=64, weight_decay=0.01),
    "momentum": Settings(optimizer="momentum", lr=0.02, momentum=0.9, batch_size=64, weight_decay=0.001),
    "rmsprop": Settings(optimizer="rmsprop", lr=0.002, momentum=0.5, batch_size=64, weight_decay=0.001),
    "adam-decay": Settings(optimizer="adam", lr=0.01, batch_size=64, weight_decay=0.01),
    "adamw": Settings(optimizer="adamw", lr=0.01, batch_size=64, weight_decay=0.05),
    "step": Settings(lr=0.01, batch_size=64, lr_schedule="step", lr_step=1, lr_factor=0.5),
    "cosine": Settings(lr=0.01, batch_size=64, lr_schedule="cosine", lr_epochs=3, min_lr=0.001),
    "plateau": Settings(
        lr=0.01, batch_size=64, val_split=0.2, lr_schedule="plateau", lr_patience=0, lr_factor=0.5
    ),
    "val-split": Settings(lr=0.01, batch_size=64, val_split=0.2),
    "early-stop": Settings(lr=0.01, batch_size=64, val_split=0.2, early_stop=3),
    "augment": Settings(lr=0.01, batch_size=64, augment=True),
}


def _measured(trainer: Trainer) -> list[tuple]:
    """Each epoch's numbers except its seconds."""
    return [
        (h.loss, h.train_accuracy, h.test_accuracy, h.val_loss, h.val_accuracy, h.lr) for h in trainer.history
    ]


def _same_runs(straight: Trainer, resumed: Trainer) -> None:
    for name, value in _params(straight).items():
        np.testing.assert_array_equal(resumed.model.named_params()[name], value, err_msg=name)
    assert _measured(resumed) == _measured(straight)
    assert resumed.optimizer.lr == straight.optimizer.lr and resumed.step == straight.step


@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
def test_one_epoch_plus_a_resumed_epoch_equals_two_epochs_bit_for_bit(tmp_path, digits, options):
    straight = Trainer.create(SMALL, digits, options)
    straight.run(2)
    first = Trainer.create(SMALL, digits, options)
    first.run(1)
    save_checkpoint(tmp_path / "one.npz", first, "digits")
    resumed, _ = resume_trainer(tmp_path / "one.npz", digits)
    assert resumed.settings == first.settings
    resumed.run(1)
    _same_runs(straight, resumed)


@pytest.mark.parametrize("options", [OPTIONS["augment"], OPTIONS["plateau"]], ids=["augment", "plateau"])
def test_resume_in_the_middle_of_an_epoch_is_exact_with_options(tmp_path, digits, options):
    straight = Trainer.create(SMALL, digits, options)
    straight.run(2)
    part = Trainer.create(SMALL, digits, options)
    part.run(2, max_steps=5)
    save_checkpoint(tmp_path / "part.npz", part, "digits")
    resumed, _ = resume_trainer(tmp_path / "part.npz", digits)
    resumed.run(1)
    _same_runs(straight, resumed)


def test_the_checkpoint_keeps_the_state_each_option_needs(tmp_path, digits):
    options = Settings(
        optimizer="rmsprop", lr=0.002, batch_size=64, val_split=0.2, early_stop=4, lr_schedule="plateau",
        augment=True,
    )  # fmt: skip
    trainer = Trainer.create(SMALL, digits, options)
    trainer.run(2)
    save_checkpoint(tmp_path / "m.npz", trainer, "digits")
    arrays, meta, rng = read_checkpoint(tmp_path / "m.npz")
    assert meta["settings"]["lr_schedule"] == "plateau" and meta["settings"]["val_split"] == 0.2
    assert set(meta["schedule"]) == {"lr", "base_lr", "last_epoch", "best", "bad_epochs"}
    assert meta["early_stop"]["best_epoch"] in (1, 2) and "augment" in rng
    assert {k for k in arrays if k.startswith("best:param:")} == {
        f"best:param:{k}" for k in trainer.model.named_params()
    }
    assert any(k.startswith("opt:square_avg:") for k in arrays)


def test_a_damaged_option_state_is_reported_as_such(tmp_path, digits):
    trainer = Trainer.create(SMALL, digits, OPTIONS["early-stop"])
    trainer.run(1)
    save_checkpoint(tmp_path / "m.npz", trainer, "digits")
    arrays, _, _ = read_checkpoint(tmp_path / "m.npz")
    np.savez(tmp_path / "m.npz", **{k: v for k, v in arrays.items() if not k.startswith("best:")})
    with pytest.raises(CnnCalcError, match="damaged checkpoint: its training state does not load"):
        resume_trainer(tmp_path / "m.npz", digits)
