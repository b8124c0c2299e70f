"""Networks that branch — residual adds, concatenations, blocks — against PyTorch autograd in float64:
the forward pass, every gradient, and the optimizer steps that follow; batch norm both with numpy's
passes and with the compiled loops (`cnncalc.nn.kernels`)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from cnncalc.arith.presets import preset_text  # noqa: E402
from cnncalc.nn import kernels  # noqa: E402
from cnncalc.nn.losses import softmax_cross_entropy  # noqa: E402
from cnncalc.nn.model import build_model  # noqa: E402
from cnncalc.nn.optim import make_optimizer  # noqa: E402
from tests.nn.torch_twin import grads_of, params_of, to_nchw, twin  # noqa: E402

pytestmark = pytest.mark.oracle

with kernels.enabled(True):
    HAS_NUMBA = kernels.compiled(0) is not None


@pytest.fixture(
    autouse=True,
    params=["numpy", pytest.param("numba", marks=pytest.mark.skipif(not HAS_NUMBA, reason="no numba"))],
)
def batch_norm_passes(request):
    """Every test both ways batch norm runs: numpy's passes, and the compiled loops of the
    optional numba (used here at any size)."""
    with kernels.enabled(request.param == "numba"):
        yield


GRAPHS = {
    "residual-identity": "input 4x6x6 | conv 4 k=3 p=1 | add( conv 4 k=3 p=1 | bn | relu | conv 4 k=3 p=1 | bn ) "
    "| relu | flatten | fc 5",
    "residual-projection": "input 3x8x8 | add( conv 6 k=3 s=2 p=1 bias=false | bn | relu | conv 6 k=3 p=1 | bn "
    "; conv 6 k=1 s=2 bias=false | bn ) | relu | gap | fc 5",
    # the add reads the input itself: ∂L/∂input sums what three readers send back
    "three-branches-nested": "input 4x6x6 | add( conv 4 k=1 ; add( conv 4 k=3 p=1 | tanh ) ; ) | fc 5",
    "inception": "input 3x8x8 | concat( conv 4 k=1 | relu ; conv 3 k=1 | relu | conv 5 k=3 p=1 "
    "; maxpool k=3 s=1 p=1 | conv 2 k=1 ) | relu | maxpool k=2 | flatten | fc 5",
    "dense-identity-first": "input 3x6x6 | concat( ; bn | relu | conv 4 k=3 p=1 ) x2 | fc 5",
    # conv → ReLU → max pool inside a branch runs fused (ConvPool)
    "fused-branch": "input 2x8x8 | concat( conv 3 k=3 p=1 | relu | maxpool k=2 ; avgpool k=2 ) | fc 5",
    "features": "input 4x4x4 | flatten | concat( fc 6 | relu ; fc 3 ) | add( fc 9 | tanh ) | fc 5",
    "1d": "input 3x12 | add( conv 3 k=3 p=1 | relu ) | concat( conv 2 k=1 ; maxpool k=3 s=1 p=1 ) | flatten | fc 5",
    "blocks": "input 2x6x6\nblock res(c)\n  add( conv c k=3 p=1 | relu )\n  relu\nend\nconv 3 k=1\nres 3 x2\ngap\nfc 5",
    "digits-resnet": preset_text("digits-resnet"),
    "digits-inception": preset_text("digits-inception"),
}


def _model_and_twin(spec: str, seed: int = 1):
    model = build_model(spec, seed=seed, dtype=np.float64)
    rng = np.random.default_rng(2)
    # Non-zero biases and BN parameters off 1 and 0, so that every term of every gradient counts.
    for p in model.named_params().values():
        p += rng.normal(0, 0.1, p.shape)
    return model, twin(model).double().train(), rng


@pytest.mark.parametrize("spec", GRAPHS.values(), ids=GRAPHS.keys())
def test_forward_and_backward_match_torch(spec):
    model, ref, rng = _model_and_twin(spec)
    model.input_grad = True
    assert any(layer.kind in ("add", "concat") for layer in model.layers)
    x = rng.normal(size=(6, *model.input_shape))
    y = rng.integers(0, model.classes, size=6)

    logits = model.forward(x, train=True)
    loss, dlogits = softmax_cross_entropy(logits, y)
    dx = model.backward(dlogits)

    xt = torch.tensor(x, requires_grad=True)
    logits_t = ref(xt[:, :, None, :] if x.ndim == 3 else xt)
    loss_t = torch.nn.functional.cross_entropy(logits_t, torch.tensor(y))
    loss_t.backward()

    np.testing.assert_allclose(logits, logits_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert loss == pytest.approx(loss_t.item(), rel=1e-12)
    got_dx = to_nchw(dx)
    np.testing.assert_allclose(
        got_dx[:, :, 0, :] if x.ndim == 3 else got_dx, xt.grad.numpy(), rtol=1e-9, atol=1e-12
    )
    want, got = grads_of(ref), model.named_grads()
    assert sorted(got) == sorted(want) == sorted(model.named_params())
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-9, atol=1e-12, err_msg=name)


OPTIMIZERS = {
    "adam": (("adam", 0.01, 0.9), lambda p: torch.optim.Adam(p, lr=0.01)),
    "sgd-momentum": (("sgd", 0.05, 0.9), lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
}


@pytest.mark.parametrize("preset", ["digits-resnet", "digits-inception"])
@pytest.mark.parametrize("optimizer", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_training_steps_match_torch(preset, optimizer):
    """Five steps of training, then evaluation mode: the same weights, BN statistics and logits."""
    (name, lr, momentum), make_torch = optimizer
    model, ref, rng = _model_and_twin(preset_text(preset))
    ours = make_optimizer(name, model.named_params(), lr, momentum)
    theirs = params_of(ref)
    torch_opt = make_torch(list(theirs.values()))
    for _ in range(5):
        x = rng.random((8, *model.input_shape))
        y = rng.integers(0, 10, size=8)
        _, dlogits = softmax_cross_entropy(model.forward(x, train=True), y)
        model.backward(dlogits)
        ours.step(model.named_grads())
        torch_opt.zero_grad()
        torch.nn.functional.cross_entropy(ref(torch.tensor(x)), torch.tensor(y)).backward()
        torch_opt.step()
    for key, param in model.named_params().items():
        np.testing.assert_allclose(param, theirs[key].detach().numpy(), rtol=1e-9, atol=1e-12, err_msg=key)
    running = {
        f"{layer.node_id}.{k}": buffer.numpy()
        for layer, module in zip(model.layers, ref.nodes, strict=True)
        for k, buffer in module.named_buffers()
    }
    assert sorted(running) == sorted(model.named_buffers())
    for key, value in model.named_buffers().items():
        np.testing.assert_allclose(value, running[key], rtol=1e-9, err_msg=key)
    x = rng.random((4, *model.input_shape))
    with torch.no_grad():
        want = ref.eval()(torch.tensor(x)).numpy()
    np.testing.assert_allclose(model.forward(x), want, rtol=1e-9, atol=1e-12)
