"""SGD (with and without momentum), RMSprop, Adam and AdamW, with and without weight decay, take
exactly PyTorch's steps; their state round-trips."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from cnncalc.arith.errors import CnnCalcError  # noqa: E402
from cnncalc.nn.optim import SGD, Adam, AdamW, RMSprop, make_optimizer  # noqa: E402

pytestmark = pytest.mark.oracle

CASES = {
    "sgd": (lambda p: SGD(p, lr=0.1), lambda t: torch.optim.SGD(t, lr=0.1)),
    "sgd-momentum": (
        lambda p: SGD(p, lr=0.05, momentum=0.9),
        lambda t: torch.optim.SGD(t, lr=0.05, momentum=0.9),
    ),
    "adam": (lambda p: Adam(p, lr=1e-3), lambda t: torch.optim.Adam(t, lr=1e-3)),
    "adam-large-lr": (
        lambda p: Adam(p, lr=0.1, betas=(0.8, 0.99), eps=1e-6),
        lambda t: torch.optim.Adam(t, lr=0.1, betas=(0.8, 0.99), eps=1e-6),
    ),
    "sgd-weight-decay": (
        lambda p: SGD(p, lr=0.1, weight_decay=0.05),
        lambda t: torch.optim.SGD(t, lr=0.1, weight_decay=0.05),
    ),
    "sgd-momentum-weight-decay": (
        lambda p: SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01),
        lambda t: torch.optim.SGD(t, lr=0.05, momentum=0.9, weight_decay=0.01),
    ),
    "rmsprop": (lambda p: RMSprop(p, lr=0.01), lambda t: torch.optim.RMSprop(t, lr=0.01)),
    "rmsprop-momentum-weight-decay": (
        lambda p: RMSprop(p, lr=0.003, momentum=0.8, weight_decay=0.02),
        lambda t: torch.optim.RMSprop(t, lr=0.003, momentum=0.8, weight_decay=0.02),
    ),
    "adam-weight-decay": (
        lambda p: Adam(p, lr=0.01, weight_decay=0.1),
        lambda t: torch.optim.Adam(t, lr=0.01, weight_decay=0.1),
    ),
    "adamw": (lambda p: AdamW(p, lr=0.01), lambda t: torch.optim.AdamW(t, lr=0.01)),
    "adamw-strong-decay": (
        lambda p: AdamW(p, lr=0.05, weight_decay=0.5),
        lambda t: torch.optim.AdamW(t, lr=0.05, weight_decay=0.5),
    ),
}


@pytest.mark.parametrize("make", CASES.values(), ids=CASES.keys())
def test_updates_match_torch_for_ten_steps(make):
    ours, theirs = make
    rng = np.random.default_rng(0)
    params = {"a": rng.normal(size=(3, 4)), "b": rng.normal(size=5)}
    tparams = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    opt, topt = ours(params), theirs(list(tparams.values()))
    for _ in range(10):
        grads = {k: rng.normal(size=v.shape) for k, v in params.items()}
        opt.step(grads)
        for k, t in tparams.items():
            t.grad = torch.tensor(grads[k])
        topt.step()
        for k in params:
            np.testing.assert_allclose(params[k], tparams[k].detach().numpy(), rtol=1e-12, atol=1e-14)


def test_a_learning_rate_changed_between_steps_is_used_as_torch_uses_it():
    # what a schedule does: set the rate between two steps
    rng = np.random.default_rng(2)
    params = {"w": rng.normal(size=(2, 3))}
    tw = torch.tensor(params["w"].copy(), requires_grad=True)
    opt, topt = AdamW(params, lr=0.01, weight_decay=0.1), torch.optim.AdamW([tw], lr=0.01, weight_decay=0.1)
    for step in range(12):
        lr = 0.01 * 0.5 ** (step // 4)
        opt.lr = lr
        topt.param_groups[0]["lr"] = lr
        g = rng.normal(size=(2, 3))
        opt.step({"w": g})
        tw.grad = torch.tensor(g)
        topt.step()
    np.testing.assert_allclose(params["w"], tw.detach().numpy(), rtol=1e-12, atol=1e-14)


MAKERS = {
    "sgd": lambda p: SGD(p, lr=0.1, weight_decay=0.01),
    "momentum": lambda p: SGD(p, lr=0.1, momentum=0.9),
    "rmsprop": lambda p: RMSprop(p, lr=0.01, momentum=0.5, weight_decay=0.01),
    "adam": lambda p: Adam(p, lr=0.01),
    "adamw": lambda p: AdamW(p, lr=0.01),
}


@pytest.mark.parametrize("make", MAKERS.values(), ids=MAKERS.keys())
def test_optimizer_state_round_trips(make):
    rng = np.random.default_rng(1)
    params = {"w": rng.normal(size=4)}
    opt = make(params)
    for _ in range(3):
        opt.step({"w": rng.normal(size=4)})
    state = {k: v.copy() for k, v in opt.state().items()}
    twin = make({"w": params["w"].copy()})
    twin.load_state(state)
    for _ in range(3):
        g = rng.normal(size=4)
        opt.step({"w": g})
        twin.step({"w": g})
    np.testing.assert_array_equal(params["w"], twin.params["w"])


@pytest.mark.parametrize(
    ("name", "lr", "momentum", "message"),
    [
        ("adam", 0.0, 0.9, "lr 0.0: the learning rate"),
        ("sgd", 0.1, 1.5, "momentum 1.5: momentum"),
        ("rmsprop", 0.1, -0.1, "momentum -0.1: momentum"),
        ("nesterov", 0.1, 0.9, "unknown optimizer"),
    ],
    ids=["zero-lr", "momentum-too-big", "rmsprop-momentum-negative", "unknown"],
)
def test_bad_settings_are_clear_errors(name, lr, momentum, message):
    with pytest.raises(CnnCalcError, match=message):
        make_optimizer(name, {"w": np.zeros(2)}, lr, momentum)


def test_adam_refuses_arrays_it_could_not_update_in_place():
    with pytest.raises(CnnCalcError, match="w is not one"):
        Adam({"w": np.zeros((3, 4)).T})


def test_negative_weight_decay_names_its_field():
    with pytest.raises(CnnCalcError, match="weight_decay -1 must be a number ≥ 0") as caught:
        make_optimizer("adamw", {"w": np.zeros(2)}, 0.01, weight_decay=-1)
    assert caught.value.field == "weight_decay"


@pytest.mark.parametrize(
    ("name", "kind"),
    [("sgd", SGD), ("momentum", SGD), ("rmsprop", RMSprop), ("adam", Adam), ("adamw", AdamW)],
)
def test_each_optimizer_name_makes_its_rule(name, kind):
    opt = make_optimizer(name, {"w": np.zeros(2)}, 0.01, 0.9 if name == "momentum" else 0.0, 0.001)
    assert type(opt) is kind and opt.weight_decay == 0.001
