"""Every layer, forward and backward, against PyTorch autograd in float64."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from cnncalc.nn.losses import softmax_cross_entropy  # noqa: E402
from cnncalc.nn.model import build_model  # noqa: E402
from tests.nn.torch_twin import grads_of, to_nchw, twin  # noqa: E402

pytestmark = pytest.mark.oracle

SPECS = {
    "conv-basic": "input 3x9x9 | conv 4 k=3 | flatten | fc 5",
    "conv-stride-pad": "input 2x10x9 | conv 4 k=3 s=2 p=1 | flatten | fc 5",
    "conv-same-even-kernel": "input 2x7x8 | conv 3 k=4 p=same | flatten | fc 5",
    "conv-dilation": "input 2x11x11 | conv 3 k=3 d=2 p=2 | flatten | fc 5",
    "conv-rect": "input 1x9x12 | conv 3 k=2x4 s=1x2 p=1x0 | flatten | fc 5",
    "conv-groups": "input 4x8x8 | conv 6 k=3 g=2 | conv 6 k=1 g=6 bias=false | flatten | fc 5",
    "conv-1d": "input 3x20 | conv 4 k=5 s=2 | relu | flatten | fc 5",
    "tconv": "input 3x4x5 | tconv 2 k=4 s=2 p=1 | flatten | fc 5",
    "tconv-op-dil": "input 2x3x3 | tconv 2 k=3 s=2 p=1 op=1 d=1 | tconv 2 k=2 d=2 | flatten | fc 5",
    "maxpool": "input 2x8x8 | conv 3 k=3 p=1 | maxpool k=2 | flatten | fc 5",
    "maxpool-overlap-ceil": "input 2x9x9 | conv 3 k=2 | maxpool k=3 s=2 p=1 ceil=true | flatten | fc 5",
    "maxpool-dilation": "input 2x10x10 | conv 3 k=1 | maxpool k=2 s=1 d=2 | flatten | fc 5",
    "avgpool": "input 2x8x8 | conv 3 k=3 | avgpool k=2 | flatten | fc 5",
    "avgpool-pad-ceil": "input 2x7x7 | conv 3 k=1 | avgpool k=3 s=2 p=1 ceil=true | flatten | fc 5",
    "gap": "input 3x6x6 | conv 4 k=3 | gap | fc 5",
    "adaptive-even": "input 2x8x8 | conv 3 k=1 | adaptiveavgpool 4x2 | flatten | fc 5",
    "adaptive-uneven": "input 2x7x9 | conv 3 k=2 | adaptiveavgpool 4x5 | flatten | fc 5",
    "adaptive-larger-than-input": "input 2x3x2 | conv 3 k=1 | adaptiveavgpool 5x3 | flatten | fc 5",
    "adaptive-1d": "input 3x10 | conv 2 k=3 | adaptiveavgpool 3 | flatten | fc 5",
    "bn2d": "input 3x6x6 | conv 4 k=3 | bn | relu | flatten | fc 5",
    "bn1d": "input 1x4x4 | flatten | fc 6 | bn | tanh | fc 5",
    "activations": "input 2x5x5 | conv 3 k=3 | leakyrelu slope=0.2 | conv 3 k=1 | sigmoid | conv 3 k=1 | tanh | flatten | fc 5",
    "softmax-middle": "input 1x4x4 | flatten | fc 6 | softmax | fc 5 | softmax",
    "implicit-flatten": "input 2x5x5 | conv 3 k=3 | fc 5",
    "dropout-zero": "input 1x5x5 | conv 2 k=3 | dropout 0 | flatten | fc 5",
}
# conv → (ReLU →) max pool runs as one ConvPool stage (cnncalc.nn.conv_pool): both im2col layouts,
# with and without bias and ReLU, pools that drop the last row, strides, dilation, 1-D, two in a row.
FUSED = {
    "convpool-relu": "input 4x9x9 | conv 4 k=2 | relu | maxpool k=2 | flatten | fc 5",
    "convpool-one-channel-floor": "input 1x12x12 | conv 4 k=2 | relu | maxpool k=2 | flatten | fc 5",
    "convpool-no-relu-no-bias": "input 2x11x11 | conv 3 k=3 bias=false | maxpool k=3 | flatten | fc 5",
    "convpool-stride-dilation": "input 4x15x15 | conv 5 k=3 s=2 d=2 p=1 | relu | maxpool k=3 | flatten | fc 5",
    "convpool-rect-same": "input 2x10x9 | conv 3 k=3x2 p=same | relu | maxpool k=2x3 | flatten | fc 5",
    "convpool-1d": "input 3x20 | conv 4 k=3 | relu | maxpool k=2 | flatten | fc 5",
    "convpool-twice": "input 1x20x20 | conv 4 k=3 | relu | maxpool k=2 | conv 6 k=3 | relu | maxpool k=2 | fc 5",
}
SPECS.update(FUSED)


@pytest.mark.parametrize("spec", SPECS.values(), ids=SPECS.keys())
def test_forward_and_backward_match_torch(spec):
    model = build_model(spec, classes=5, seed=1, dtype=np.float64)
    rng = np.random.default_rng(2)
    # Non-zero biases so that their gradients and broadcasting are exercised too.
    for p in model.named_params().values():
        p += rng.normal(0, 0.1, p.shape)
    ref = twin(model).double().train()
    model.input_grad = True
    x = rng.normal(size=(6, *model.input_shape))
    y = rng.integers(0, 5, size=6)

    logits = model.forward(x, train=True)
    loss, dlogits = softmax_cross_entropy(logits, y)
    dx = model.backward(dlogits)

    xt = torch.tensor(x, requires_grad=True)
    xt_in = xt[:, :, None, :] if x.ndim == 3 else xt  # 1-D specs run as height-1 maps
    logits_t = ref(xt_in)
    loss_t = torch.nn.functional.cross_entropy(logits_t, torch.tensor(y))
    loss_t.backward()

    np.testing.assert_allclose(logits, logits_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert loss == pytest.approx(loss_t.item(), rel=1e-12)
    expected_dx = xt.grad.numpy()
    got_dx = to_nchw(dx)
    if x.ndim == 3:
        got_dx = got_dx[:, :, 0, :]
    np.testing.assert_allclose(got_dx, expected_dx, rtol=1e-9, atol=1e-12)
    want = grads_of(ref)
    got = model.named_grads()
    assert sorted(got) == sorted(want)
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-9, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("spec", FUSED.values(), ids=FUSED.keys())
def test_the_fused_specs_do_run_fused(spec):
    model = build_model(spec, classes=5, dtype=np.float64)
    assert any(type(stage).__name__ == "ConvPool" for stage in model.stages)


def test_fused_pool_ties_and_relu_send_the_gradient_where_torch_does():
    # Every window is a tie; channel 0's maximum is > 0 (ReLU passes it), channel 1's is < 0.
    model = build_model(
        "input 1x4x4 | conv 2 k=1 | relu | maxpool k=2 | flatten | fc 5", classes=5, dtype=np.float64
    )
    assert type(model.stages[0]).__name__ == "ConvPool"
    conv = model.layers[0]
    conv.params["weight"][:] = np.array([1.0, -1.0]).reshape(2, 1, 1, 1)
    model.input_grad = True
    ref = twin(model).double()
    x = np.ones((2, 1, 4, 4))
    logits = model.forward(x, train=True)
    _, d = softmax_cross_entropy(logits, np.array([1, 3]))
    dx = to_nchw(model.backward(d))
    xt = torch.tensor(x, requires_grad=True)
    torch.nn.functional.cross_entropy(ref(xt), torch.tensor([1, 3])).backward()
    np.testing.assert_array_equal(dx != 0, xt.grad.numpy() != 0)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(model.named_grads()["1.weight"], grads_of(ref)["1.weight"], rtol=1e-12)


def test_batchnorm_running_stats_and_eval_match_torch():
    model = build_model("input 3x5x5 | bn | flatten | fc 5", classes=5, dtype=np.float64)
    ref = twin(model).double()
    rng = np.random.default_rng(3)
    for _ in range(3):
        x = rng.normal(2.0, 3.0, size=(4, 3, 5, 5))
        model.forward(x, train=True)
        ref.train()(torch.tensor(x))
    bn = ref.nodes[0]
    np.testing.assert_allclose(model.layers[0].buffers["running_mean"], bn.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(model.layers[0].buffers["running_var"], bn.running_var.numpy(), rtol=1e-12)
    x = rng.normal(size=(2, 3, 5, 5))
    with torch.no_grad():
        want = ref.eval()(torch.tensor(x)).numpy()
    np.testing.assert_allclose(model.forward(x, train=False), want, rtol=1e-10)


@pytest.mark.parametrize(
    "pool",
    ["k=2", "k=3 s=1 p=1", "k=2 s=1 d=2", "k=3 s=2x1 p=1 ceil=true", "k=2x3 s=1 p=1x0"],
    ids=["tiled", "stride-1", "stride-1-dilated", "stride-1-across", "stride-1-rect"],
)
@pytest.mark.parametrize("ties", ["all", "some"])
def test_maxpool_ties_send_the_gradient_to_the_first_maximum_like_torch(pool, ties):
    model = build_model(f"input 2x5x5 | maxpool {pool} | flatten | fc 5", classes=5, dtype=np.float64)
    model.input_grad = True
    ref = twin(model).double()
    # every window a tie, or 0s and 1s: windows with the maximum in one, two or more places
    x = (
        np.ones((2, 2, 5, 5))
        if ties == "all"
        else np.random.default_rng(7).integers(0, 2, (2, 2, 5, 5)) * 1.0
    )
    logits = model.forward(x, train=True)
    _, d = softmax_cross_entropy(logits, np.array([1, 3]))
    dx = to_nchw(model.backward(d))
    xt = torch.tensor(x, requires_grad=True)
    torch.nn.functional.cross_entropy(ref(xt), torch.tensor([1, 3])).backward()
    np.testing.assert_array_equal(dx != 0, xt.grad.numpy() != 0)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-12)


def test_float32_training_forward_matches_torch_float32():
    model = build_model(
        "input 1x28x28 | conv 8 k=3 | relu | maxpool k=2 | flatten | fc 10", classes=10, seed=4
    )
    ref = twin(model).train()
    x = np.random.default_rng(5).random((16, 1, 28, 28), dtype=np.float32)
    out = model.forward(x, train=True)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, ref(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)
