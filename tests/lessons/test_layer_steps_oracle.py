"""PyTorch is the oracle for the step-throughs of the layers that are not convolutions: softmax and
cross-entropy (F.cross_entropy and autograd), activations and their derivatives (autograd), the
gradient through depth (autograd), two linear layers (nn.Linear), batch normalisation (BatchNorm1d,
training and evaluation), dropout (F.dropout's own masks), the quiz's answers on these topics, and
the overfitting lesson's weight decay (torch.optim.Adam(weight_decay=...))."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.lessons.activations import ACTIVATIONS, collapse_linear, gradient_through_depth, step_activations
from cnncalc.lessons.batchnorm import step_batchnorm
from cnncalc.lessons.dropout import step_dropout
from cnncalc.lessons.quiz import make_quiz
from cnncalc.lessons.softmax import step_softmax

torch = pytest.importorskip("torch")
F = torch.nn.functional
pytestmark = pytest.mark.oracle

REALS = st.floats(-30, 30, allow_nan=False, allow_infinity=False).map(lambda v: round(v, 3))
TORCH_ACT = {
    "relu": F.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu6": F.relu6,
    "leakyrelu": lambda t, slope=0.01: F.leaky_relu(t, slope),
}


def _t(values) -> torch.Tensor:
    return torch.tensor(np.asarray(values, dtype=np.float64))


# -- softmax and cross-entropy --------------------------------------------------------------------------


@settings(max_examples=120, deadline=None)
@given(st.lists(REALS, min_size=2, max_size=8), st.data())
def test_softmax_loss_and_gradient_agree_with_torch(logits, data) -> None:
    label = data.draw(st.integers(0, len(logits) - 1))
    trace = step_softmax(logits, label)
    z = _t(logits).requires_grad_(True)
    loss = F.cross_entropy(z[None], torch.tensor([label]))
    loss.backward()
    np.testing.assert_allclose(trace.probabilities, F.softmax(z.detach(), 0).numpy(), rtol=1e-12, atol=1e-300)
    assert trace.loss == pytest.approx(loss.item(), rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(trace.gradient, z.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_huge_logits_use_the_stable_form_like_torch() -> None:
    trace = step_softmax([1000, 0, -5], 2)
    assert trace.exps is None  # e^1000 overflows: only the stable form is worked
    assert trace.loss == pytest.approx(
        F.cross_entropy(_t([[1000, 0, -5]]), torch.tensor([2])).item(), rel=1e-12
    )


# -- activations -------------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(REALS, min_size=1, max_size=6), st.sampled_from([0.01, 0.1, 0.2]))
def test_activations_and_derivatives_agree_with_autograd(xs, slope) -> None:
    trace = step_activations(xs, tuple(ACTIVATIONS), slope)
    for fv in trace.functions:
        x = _t(xs).requires_grad_(True)
        fn = TORCH_ACT[fv.name]
        y = fn(x, slope) if fv.name == "leakyrelu" else fn(x)
        y.sum().backward()
        np.testing.assert_allclose(fv.values, y.detach().numpy(), rtol=1e-12, atol=1e-15, err_msg=fv.name)
        np.testing.assert_allclose(fv.derivatives, x.grad.numpy(), rtol=1e-12, atol=1e-15, err_msg=fv.name)


def test_the_kinks_take_torchs_derivatives() -> None:
    """At the kinks PyTorch picks one side: ReLU'(0) = 0, ReLU6'(0) = ReLU6'(6) = 0, LeakyReLU'(0) = slope."""
    xs = [0.0, 6.0]
    trace = step_activations(xs, ("relu", "relu6", "leakyrelu"), 0.1)
    for fv in trace.functions:
        x = _t(xs).requires_grad_(True)
        fn = TORCH_ACT[fv.name]
        (fn(x, 0.1) if fv.name == "leakyrelu" else fn(x)).sum().backward()
        assert list(fv.derivatives) == x.grad.tolist(), fv.name


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 30),
    st.floats(-3, 3).map(lambda v: round(v, 2)),
    st.floats(-2, 2).map(lambda v: round(v, 2)),
    st.floats(-1, 1).map(lambda v: round(v, 2)),
)
def test_gradient_through_depth_agrees_with_autograd(depth, x0, weight, bias) -> None:
    trace = gradient_through_depth(tuple(ACTIVATIONS), depth, x0, weight, bias, 0.05)
    for chain in trace.chains:
        fn = TORCH_ACT[chain.name]
        x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
        a = x
        for _ in range(depth):
            z = weight * a + bias
            a = fn(z, 0.05) if chain.name == "leakyrelu" else fn(z)
        a.backward()
        assert chain.a[-1] == pytest.approx(a.item(), rel=1e-12, abs=1e-300), chain.name
        assert chain.input_gradient == pytest.approx(x.grad.item(), rel=1e-10, abs=1e-300), chain.name


# -- two linear layers ---------------------------------------------------------------------------------------


@st.composite
def linear_cases(draw):
    ints = st.integers(-5, 5)
    n, m, k = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))

    def vec(size):
        return tuple(draw(st.lists(ints, min_size=size, max_size=size)))

    return vec(n), tuple(vec(n) for _ in range(m)), vec(m), tuple(vec(m) for _ in range(k)), vec(k)


@settings(max_examples=60, deadline=None)
@given(linear_cases())
def test_two_linear_layers_and_their_collapse_agree_with_nn_linear(case) -> None:
    x, w1, b1, w2, b2 = case
    trace = collapse_linear(x, w1, b1, w2, b2)
    l1, l2 = torch.nn.Linear(len(x), len(w1)).double(), torch.nn.Linear(len(w1), len(w2)).double()
    with torch.no_grad():
        l1.weight.copy_(_t(w1))
        l1.bias.copy_(_t(b1))
        l2.weight.copy_(_t(w2))
        l2.bias.copy_(_t(b2))
        xt = _t(x)
        assert list(trace.output) == l2(l1(xt)).tolist()
        assert list(trace.relu_output) == l2(F.relu(l1(xt))).tolist()
        assert [list(r) for r in trace.w] == (l2.weight @ l1.weight).tolist()
        assert list(trace.b) == (l2.weight @ l1.bias + l2.bias).tolist()
    assert trace.collapsed_output == trace.output


# -- batch normalisation ---------------------------------------------------------------------------------------


@st.composite
def bn_cases(draw):
    n, c = draw(st.integers(2, 6)), draw(st.integers(1, 3))
    reals = st.floats(-10, 10).map(lambda v: round(v, 2))
    batch = [draw(st.lists(reals, min_size=c, max_size=c)) for _ in range(n)]
    gamma = draw(st.lists(reals, min_size=c, max_size=c))
    beta = draw(st.lists(reals, min_size=c, max_size=c))
    rm = draw(st.lists(reals, min_size=c, max_size=c))
    rv = draw(st.lists(st.floats(0, 5).map(lambda v: round(v, 2)), min_size=c, max_size=c))
    momentum = draw(st.sampled_from([0.1, 0.01, 0.5, 1.0, 0.0]))
    eps = draw(st.sampled_from([1e-5, 1e-3, 0.1]))
    return batch, gamma, beta, rm, rv, momentum, eps


@settings(max_examples=80, deadline=None)
@given(bn_cases())
def test_batchnorm_train_running_stats_and_eval_agree_with_torch(case) -> None:
    batch, gamma, beta, rm, rv, momentum, eps = case
    trace = step_batchnorm(batch, gamma, beta, eps, momentum, rm, rv)
    bn = torch.nn.BatchNorm1d(len(gamma), eps=eps, momentum=momentum).double()
    with torch.no_grad():
        bn.weight.copy_(_t(gamma))
        bn.bias.copy_(_t(beta))
        bn.running_mean.copy_(_t(rm))
        bn.running_var.copy_(_t(rv))
        bn.train()
        out = bn(_t(batch))
        np.testing.assert_allclose(trace.output, out.numpy(), rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(trace.running_mean, bn.running_mean.numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(trace.running_var, bn.running_var.numpy(), rtol=1e-12, atol=1e-12)
        bn.eval()
        np.testing.assert_allclose(trace.eval_output, bn(_t(batch)).numpy(), rtol=1e-9, atol=1e-9)
    assert trace.to_dict()["trainable_parameters"] == sum(p.numel() for p in bn.parameters())
    assert trace.to_dict()["buffers"] == bn.running_mean.numel() + bn.running_var.numel()


# -- dropout ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.1, 0.25, 0.5, 0.8])
def test_dropout_with_torchs_own_mask_gives_torchs_output_and_gradient(p) -> None:
    torch.manual_seed(7)
    x = _t(np.arange(1, 25, dtype=np.float64).reshape(4, 6)).requires_grad_(True)
    y = F.dropout(x, p, training=True)
    y.sum().backward()
    mask = (y != 0).int().tolist()
    trace = step_dropout(x.detach().numpy(), p, mask=mask)
    np.testing.assert_allclose(trace.train_output, y.detach().numpy(), rtol=1e-15)
    np.testing.assert_allclose(trace.grad_input, x.grad.numpy(), rtol=1e-15)
    np.testing.assert_array_equal(trace.eval_output, F.dropout(x, p, training=False).detach().numpy())


# -- the quiz's answers on these topics ------------------------------------------------------------------------


def _quiz_numbers(question: str) -> list[float]:
    import re

    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", question)]


def test_softmax_quiz_answers_agree_with_torch() -> None:
    kinds = set()
    for p in make_quiz("softmax", 60, seed=9):
        logits = [float(v) for v in p.command[p.command.index("--logits") + 1].split()]
        label = int(p.command[p.command.index("--label") + 1])
        z = _t(logits).requires_grad_(True)
        loss = F.cross_entropy(z[None], torch.tensor([label]))
        loss.backward()
        if "what probability" in p.question:
            want = F.softmax(z.detach(), 0)[label].item()
        elif "cross-entropy loss?" in p.question:
            want = loss.item()
        else:
            other = int(p.question.split("∂L/∂z_")[1].split(",")[0])
            want = z.grad[other].item()
        assert p.answer == round(want, 3), p.question
        kinds.add(p.question.split(":")[1][:12])
    assert len(kinds) == 3


def test_activation_and_batchnorm_quiz_answers_agree_with_torch() -> None:
    checked = 0
    for p in make_quiz("activations", 60, seed=2):
        if p.question.startswith("What is the derivative of the sigmoid"):
            x = torch.tensor(float(p.command[-1]), dtype=torch.float64, requires_grad=True)
            torch.sigmoid(x).backward()
            assert p.answer == round(x.grad.item(), 3), p.question
            checked += 1
        elif p.question.startswith("What is"):
            name, x = p.command[p.command.index("--fn") + 1], float(p.command[-1])
            fn = TORCH_ACT[name]
            t = _t([x])
            assert p.answer == pytest.approx((fn(t, 0.01) if name == "leakyrelu" else fn(t)).item()), (
                p.question
            )
            checked += 1
    for p in make_quiz("batchnorm", 60, seed=2):
        if "--batch" not in p.command:
            continue
        values = [float(v) for v in p.command[p.command.index("--batch") + 1].split(";")]
        if "x̂" in p.question:
            i = int(p.question.split("(sample ")[1].split(")")[0])
            bn = torch.nn.BatchNorm1d(1, eps=1e-5, affine=False).double()
            want = bn(_t(values)[:, None])[i, 0].item()
        else:
            m = float(p.command[p.command.index("--momentum") + 1])
            bn = torch.nn.BatchNorm1d(1, momentum=m).double()
            bn(_t(values)[:, None])
            want = bn.running_mean.item()
        assert p.answer == round(want, 3), p.question
        checked += 1
    assert checked >= 40


def test_weight_decay_quiz_answers_agree_with_torch_sgd() -> None:
    checked = 0
    for p in make_quiz("overfitting", 60, seed=5):
        if not p.question.startswith("SGD"):
            continue
        lr, lam, w, g = _quiz_numbers(p.question.split("(an L2")[0] + p.question.split("A weight")[1])[:4]
        weight = torch.nn.Parameter(torch.tensor([w], dtype=torch.float64))
        opt = torch.optim.SGD([weight], lr=lr, weight_decay=lam)
        weight.grad = torch.tensor([g], dtype=torch.float64)
        opt.step()
        assert p.answer == round(weight.item(), 3), p.question
        checked += 1
    assert checked >= 10


def test_the_lessons_weight_decay_is_torchs_adam_weight_decay() -> None:
    """The overfitting lesson trains with Settings("adam", weight_decay=λ): Adam on g + λ·w."""
    from cnncalc.nn.optim import make_optimizer

    rng = np.random.default_rng(0)
    w0 = rng.normal(size=(3, 4))
    ours = {"w": w0.copy()}
    opt = make_optimizer("adam", ours, 0.01, weight_decay=0.1)
    weight = torch.nn.Parameter(torch.tensor(w0))
    theirs = torch.optim.Adam([weight], lr=0.01, weight_decay=0.1)
    for _ in range(12):
        g = rng.normal(size=(3, 4))
        opt.step({"w": g})
        weight.grad = torch.tensor(g)
        theirs.step()
    np.testing.assert_allclose(ours["w"], weight.detach().numpy(), rtol=1e-12)


def test_dropout_quiz_scaling_matches_torch() -> None:
    checked = 0
    for p in make_quiz("dropout", 60, seed=1):
        if "is kept" not in p.question:
            continue
        prob, x = _quiz_numbers(p.question)[:2]
        torch.manual_seed(0)
        for _ in range(50):  # until torch keeps the value
            y = F.dropout(torch.tensor([x], dtype=torch.float64), prob, training=True)
            if y.item() != 0:
                break
        assert p.answer == round(y.item(), 3), p.question
        checked += 1
    assert checked >= 10
