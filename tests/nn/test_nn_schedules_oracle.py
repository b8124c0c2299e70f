"""The learning-rate schedules against torch.optim.lr_scheduler, and whole training runs (optimizer,
weight decay, schedule, validation loss) against a PyTorch twin fed the same batches, in float64."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from cnncalc.nn.data import Dataset, load_digits  # noqa: E402
from cnncalc.nn.model import build_model  # noqa: E402
from cnncalc.nn.optim import SGD  # noqa: E402
from cnncalc.nn.schedules import CosineAnnealingLR, ReduceLROnPlateau, StepLR  # noqa: E402
from cnncalc.nn.settings import Settings  # noqa: E402
from cnncalc.nn.training import Trainer, optimizer_for  # noqa: E402
from tests.nn.torch_twin import params_of, twin  # noqa: E402

pytestmark = pytest.mark.oracle

# A loss that falls, stalls, jumps and falls again: every branch of ReduceLROnPlateau is taken.
LOSSES = [1.0, 0.8, 0.8, 0.79999, 0.81, 0.7, 0.7, 0.71, 0.72, 0.73, 0.5, 0.5, 0.5, 0.5, 0.49, 0.6, 0.6, 0.6]

# (ours, torch's, on an optimizer whose lr starts at 0.1)
SCHEDULES = {
    "step": (lambda o: StepLR(o, 3), lambda t: torch.optim.lr_scheduler.StepLR(t, 3)),
    "step-gamma": (
        lambda o: StepLR(o, 2, 0.7),
        lambda t: torch.optim.lr_scheduler.StepLR(t, 2, gamma=0.7),
    ),
    "cosine": (
        lambda o: CosineAnnealingLR(o, 10),
        lambda t: torch.optim.lr_scheduler.CosineAnnealingLR(t, 10),
    ),
    "cosine-min-past-the-end": (
        lambda o: CosineAnnealingLR(o, 7, 0.01),
        lambda t: torch.optim.lr_scheduler.CosineAnnealingLR(t, 7, eta_min=0.01),
    ),
    "plateau": (
        lambda o: ReduceLROnPlateau(o, patience=1),
        lambda t: torch.optim.lr_scheduler.ReduceLROnPlateau(t, patience=1),
    ),
    "plateau-min-lr": (
        lambda o: ReduceLROnPlateau(o, factor=0.5, patience=0, min_lr=0.02),
        lambda t: torch.optim.lr_scheduler.ReduceLROnPlateau(t, factor=0.5, patience=0, min_lr=0.02),
    ),
}


@pytest.mark.parametrize("make", SCHEDULES.values(), ids=SCHEDULES.keys())
def test_schedules_set_the_rates_torch_sets(make):
    ours, theirs = make
    opt = SGD({"w": np.zeros(1)}, lr=0.1)
    topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    schedule, tschedule = ours(opt), theirs(topt)
    plateau = isinstance(schedule, ReduceLROnPlateau)
    ours_rates, torch_rates = [opt.lr], [topt.param_groups[0]["lr"]]
    for loss in LOSSES:
        topt.step()  # an epoch's steps (no gradients: the weights stay), then the schedule's
        schedule.step(loss)
        tschedule.step(loss) if plateau else tschedule.step()
        ours_rates.append(opt.lr)
        torch_rates.append(topt.param_groups[0]["lr"])
    np.testing.assert_allclose(ours_rates, torch_rates, rtol=1e-12, atol=1e-17)
    assert len(set(ours_rates)) >= 3  # the schedule did change the rate


def test_a_schedule_restored_from_its_state_continues_as_torch_does():
    opt, twin_opt = SGD({"w": np.zeros(1)}, lr=0.1), SGD({"w": np.zeros(1)}, lr=0.1)
    schedule = ReduceLROnPlateau(opt, patience=1)
    for loss in LOSSES[:6]:
        schedule.step(loss)
    restored = ReduceLROnPlateau(twin_opt, patience=1)
    restored.load_state(schedule.state())
    for loss in LOSSES[6:]:
        schedule.step(loss)
        restored.step(loss)
        assert twin_opt.lr == opt.lr


# -- whole runs against a torch twin ----------------------------------------------------------------

SPEC = "input 1x8x8 | conv 4 k=3 | relu | maxpool k=2 | flatten | fc 16 | relu | fc 10"
# No bias before BN: BN cancels its gradient to rounding noise, which Adam would scale up to full steps.
BN_SPEC = "input 1x8x8 | conv 4 k=3 bias=false | bn | relu | flatten | fc 10"


def _torch_optimizer(settings: Settings, params):
    wd = settings.weight_decay
    if settings.optimizer in ("sgd", "momentum"):
        return torch.optim.SGD(params, lr=settings.lr, momentum=settings.momentum, weight_decay=wd)
    if settings.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=settings.lr, momentum=settings.momentum, weight_decay=wd)
    kind = torch.optim.AdamW if settings.optimizer == "adamw" else torch.optim.Adam
    return kind(params, lr=settings.lr, weight_decay=wd)


def _torch_schedule(settings: Settings, optimizer):
    s = settings
    if s.lr_schedule == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, s.lr_step, s.lr_factor)
    if s.lr_schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, s.lr_epochs, s.min_lr)
    return torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, factor=s.lr_factor, patience=s.lr_patience, min_lr=s.min_lr
    )


RUNS = {
    "adamw-cosine": ("adamw", {"lr_schedule": "cosine", "lr_epochs": 4}, SPEC),
    "rmsprop-momentum-decay-step": (
        "rmsprop",
        {"momentum": 0.5, "weight_decay": 0.01, "lr_schedule": "step", "lr_step": 1, "lr_factor": 0.5},
        SPEC,
    ),
    "momentum-decay-plateau-on-validation": (
        "momentum",
        {
            "weight_decay": 0.001,
            "lr_schedule": "plateau",
            "lr_patience": 0,
            "lr_factor": 0.5,
            "val_split": 0.3,
        },
        BN_SPEC,
    ),
    "adam-l2-bn": ("adam", {"weight_decay": 0.05}, BN_SPEC),
    "sgd-decay": ("sgd", {"weight_decay": 0.01, "lr": 0.1}, SPEC),
}


@pytest.mark.parametrize(("optimizer", "options", "spec"), RUNS.values(), ids=RUNS.keys())
def test_a_training_run_matches_torch_step_for_step(optimizer, options, spec):
    full = load_digits()
    data = Dataset("digits", full.x_train[:160], full.y_train[:160], full.x_test[:50], full.y_test[:50])
    settings = Settings.for_data("digits", optimizer=optimizer, batch_size=32, **options)
    model = build_model(spec, data.input_shape, data.classes, seed=5, dtype=np.float64)
    trainer = Trainer(model, optimizer_for(settings, model), data, settings)
    net = twin(model)  # the same starting weights, before any step
    topt = _torch_optimizer(settings, net.parameters())
    tschedule = _torch_schedule(settings, topt) if settings.lr_schedule else None
    batches: list[tuple[np.ndarray, np.ndarray]] = []
    step = trainer.train_step
    trainer.train_step = lambda xb, yb: (batches.append((xb.copy(), yb.copy())), step(xb, yb))[1]

    def torch_epoch(_trainer, stats) -> None:
        net.train()
        for xb, yb in batches:
            topt.zero_grad()
            torch.nn.functional.cross_entropy(
                net(torch.tensor(xb, dtype=torch.float64)), torch.tensor(yb)
            ).backward()
            topt.step()
        batches.clear()
        assert stats.lr == topt.param_groups[0]["lr"]
        if tschedule is None:
            return
        if settings.lr_schedule != "plateau":
            tschedule.step()
            return
        net.eval()
        with torch.no_grad():
            x_val = torch.tensor(trainer.data.x_val[:], dtype=torch.float64)
            val_loss = torch.nn.functional.cross_entropy(net(x_val), torch.tensor(trainer.data.y_val))
        assert stats.val_loss == pytest.approx(float(val_loss), rel=1e-12)
        tschedule.step(float(val_loss))

    trainer.run(4, on_epoch=torch_epoch)
    assert trainer.step >= 16  # at least 4 epochs of several steps
    theirs = {name: p.detach().numpy() for name, p in params_of(net).items()}
    for name, value in trainer.model.named_params().items():
        np.testing.assert_allclose(value, theirs[name], rtol=1e-9, atol=1e-12, err_msg=name)
    if settings.lr_schedule:
        assert trainer.optimizer.lr == pytest.approx(topt.param_groups[0]["lr"], rel=1e-12)
        assert len({h.lr for h in trainer.history}) > 1 or math.isclose(settings.lr, trainer.optimizer.lr)
