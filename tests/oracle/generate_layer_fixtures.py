"""Regenerate tests/oracle/fixtures/layer_steps.json: PyTorch's answers for the step-throughs of the
layers that are not convolutions (issue 12), so the tests check them where torch is not installed.

    python tests/oracle/generate_layer_fixtures.py

Every number comes from torch in float64: softmax, F.cross_entropy and its autograd gradient; each
activation and its autograd derivative (ReLU, sigmoid, tanh, ReLU6, leaky ReLU); the gradient
through a chain of one-unit layers; two nn.Linear layers, the product of their weights and the same
layers with a ReLU between; BatchNorm1d in training (output, running statistics) and evaluation;
F.dropout's output and gradient with the mask torch drew. Cases are drawn from a fixed seed;
nothing here imports cnncalc.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_fixtures import write_fixture  # noqa: E402  (a script beside this one)

SEED = 20261201
ACT = {
    "relu": lambda t, a: F.relu(t),
    "sigmoid": lambda t, a: torch.sigmoid(t),
    "tanh": lambda t, a: torch.tanh(t),
    "relu6": lambda t, a: F.relu6(t),
    "leakyrelu": lambda t, a: F.leaky_relu(t, a),
}


def _t(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def _real(rng: random.Random, lo: float = -6, hi: float = 6) -> float:
    return round(rng.uniform(lo, hi), 2)


def softmax_cases(rng: random.Random, want: int) -> list[dict]:
    cases = []
    for i in range(want):
        n = rng.randint(2, 6)
        scale = 800 if i % 10 == 0 else 6  # some logits large enough that e^z overflows float64
        logits = [_real(rng, -scale, scale) for _ in range(n)]
        label = rng.randrange(n)
        z = _t(logits).requires_grad_(True)
        loss = F.cross_entropy(z[None], torch.tensor([label]))
        loss.backward()
        cases.append(
            {
                "id": f"softmax-{i}",
                "kind": "softmax",
                "logits": logits,
                "label": label,
                "probabilities": F.softmax(z.detach(), 0).tolist(),
                "loss": loss.item(),
                "gradient": z.grad.tolist(),
            }
        )
    return cases


def activation_cases(rng: random.Random, want: int) -> list[dict]:
    cases = []
    for i in range(want):
        xs = [_real(rng, -10, 10) for _ in range(4)] + [0.0, 6.0]
        slope = rng.choice([0.01, 0.1, 0.2])
        for name, fn in ACT.items():
            x = _t(xs).requires_grad_(True)
            y = fn(x, slope)
            y.sum().backward()
            cases.append(
                {
                    "id": f"activation-{name}-{i}",
                    "kind": "activation",
                    "name": name,
                    "slope": slope,
                    "x": xs,
                    "values": y.detach().tolist(),
                    "derivatives": x.grad.tolist(),
                }
            )
    return cases


def depth_cases(rng: random.Random, want: int) -> list[dict]:
    cases = []
    for i in range(want):
        depth = rng.randint(1, 25)
        x0, w, b = _real(rng, -2, 2), _real(rng, -2, 2), _real(rng, -1, 1)
        slope = 0.05
        for name, fn in ACT.items():
            x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
            a = x
            for _ in range(depth):
                a = fn(w * a + b, slope)
            a.backward()
            cases.append(
                {
                    "id": f"depth-{name}-{i}",
                    "kind": "depth",
                    "name": name,
                    "depth": depth,
                    "x": x0,
                    "weight": w,
                    "bias": b,
                    "slope": slope,
                    "output": a.item(),
                    "input_gradient": x.grad.item(),
                }
            )
    return cases


def linear_cases(rng: random.Random, want: int) -> list[dict]:
    cases = []
    for i in range(want):
        n, m, k = rng.randint(1, 4), rng.randint(1, 4), rng.randint(1, 4)

        def ints(size: int) -> list[int]:
            return [rng.randint(-5, 5) for _ in range(size)]

        x, w1, b1 = ints(n), [ints(n) for _ in range(m)], ints(m)
        w2, b2 = [ints(m) for _ in range(k)], ints(k)
        l1, l2 = nn.Linear(n, m).double(), nn.Linear(m, k).double()
        with torch.no_grad():
            l1.weight.copy_(_t(w1))
            l1.bias.copy_(_t(b1))
            l2.weight.copy_(_t(w2))
            l2.bias.copy_(_t(b2))
            cases.append(
                {
                    "id": f"linear-{i}",
                    "kind": "linear",
                    "x": x,
                    "w1": w1,
                    "b1": b1,
                    "w2": w2,
                    "b2": b2,
                    "output": l2(l1(_t(x))).tolist(),
                    "w": (l2.weight @ l1.weight).tolist(),
                    "b": (l2.weight @ l1.bias + l2.bias).tolist(),
                    "relu_output": l2(F.relu(l1(_t(x)))).tolist(),
                }
            )
    return cases


def batchnorm_cases(rng: random.Random, want: int) -> list[dict]:
    cases = []
    for i in range(want):
        n, c = rng.randint(2, 6), rng.randint(1, 3)
        batch = [[_real(rng, -10, 10) for _ in range(c)] for _ in range(n)]
        gamma, beta = [_real(rng) for _ in range(c)], [_real(rng) for _ in range(c)]
        rm, rv = [_real(rng) for _ in range(c)], [round(rng.uniform(0, 5), 2) for _ in range(c)]
        momentum, eps = rng.choice([0.1, 0.01, 0.5, 1.0, 0.0]), rng.choice([1e-5, 1e-3, 0.1])
        bn = nn.BatchNorm1d(c, eps=eps, momentum=momentum).double()
        with torch.no_grad():
            bn.weight.copy_(_t(gamma))
            bn.bias.copy_(_t(beta))
            bn.running_mean.copy_(_t(rm))
            bn.running_var.copy_(_t(rv))
            out = bn.train()(_t(batch)).tolist()
            new_rm, new_rv = bn.running_mean.tolist(), bn.running_var.tolist()
            eval_out = bn.eval()(_t(batch)).tolist()
        cases.append(
            {
                "id": f"batchnorm-{i}",
                "kind": "batchnorm",
                "batch": batch,
                "gamma": gamma,
                "beta": beta,
                "eps": eps,
                "momentum": momentum,
                "running_mean_before": rm,
                "running_var_before": rv,
                "output": out,
                "running_mean": new_rm,
                "running_var": new_rv,
                "eval_output": eval_out,
                "trainable_parameters": sum(p.numel() for p in bn.parameters()),
            }
        )
    return cases


def dropout_cases(rng: random.Random, want: int) -> list[dict]:
    cases = []
    for i in range(want):
        rows, cols = rng.randint(1, 4), rng.randint(1, 6)
        p = rng.choice([0.1, 0.2, 0.25, 0.5, 0.75, 0.9])
        values = [[_real(rng, -9, 9) for _ in range(cols)] for _ in range(rows)]
        x = _t(values).requires_grad_(True)
        torch.manual_seed(SEED + i)
        y = F.dropout(x, p, training=True)
        y.sum().backward()
        cases.append(
            {
                "id": f"dropout-{i}",
                "kind": "dropout",
                "input": values,
                "p": p,
                "mask": (x.grad != 0).int().tolist(),  # the values torch kept get a gradient
                "train_output": y.detach().tolist(),
                "grad_input": x.grad.tolist(),
                "eval_output": F.dropout(x, p, training=False).detach().tolist(),
            }
        )
    return cases


def main() -> None:
    rng = random.Random(SEED)
    cases = (
        softmax_cases(rng, 60)
        + activation_cases(rng, 20)
        + depth_cases(rng, 20)
        + linear_cases(rng, 40)
        + batchnorm_cases(rng, 40)
        + dropout_cases(rng, 30)
    )
    write_fixture(
        "layer_steps.json",
        cases,
        f"softmax, activations, depth chains, linear, BatchNorm1d, dropout in float64, torch {torch.__version__}",
        seed=SEED,
    )
    print(f"wrote {len(cases)} cases to layer_steps.json")


if __name__ == "__main__":
    main()
