"""SGD (with and without momentum) and Adam take exactly PyTorch's steps."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from cnncalc.arith.errors import CnnCalcError  # noqa: E402
from cnncalc.nn.optim import SGD, Adam, make_optimizer  # noqa: E402

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


def test_optimizer_state_round_trips():
    rng = np.random.default_rng(1)
    params = {"w": rng.normal(size=4)}
    opt = Adam(params, lr=0.01)
    opt.step({"w": rng.normal(size=4)})
    state = {k: v.copy() for k, v in opt.state().items()}
    twin = Adam({"w": params["w"].copy()}, lr=0.01)
    twin.load_state(state)
    g = rng.normal(size=4)
    opt.step({"w": g})
    twin.step({"w": g})
    np.testing.assert_array_equal(params["w"], twin.params["w"])


@pytest.mark.parametrize(
    ("name", "lr", "momentum", "message"),
    [
        ("adam", 0.0, 0.9, "lr 0.0: the learning rate"),
        ("sgd", 0.1, 1.5, "momentum 1.5: momentum"),
        ("rmsprop", 0.1, 0.9, "unknown optimizer"),
    ],
    ids=["zero-lr", "momentum-too-big", "unknown"],
)
def test_bad_settings_are_clear_errors(name, lr, momentum, message):
    with pytest.raises(CnnCalcError, match=message):
        make_optimizer(name, {"w": np.zeros(2)}, lr, momentum)


def test_adam_refuses_arrays_it_could_not_update_in_place():
    with pytest.raises(CnnCalcError, match="w is not one"):
        Adam({"w": np.zeros((3, 4)).T})
