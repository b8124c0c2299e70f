"""Optimizers with PyTorch's exact update rules (torch.optim.SGD and Adam, no weight decay).

SGD with momentum μ (the first step sets the buffer to the gradient):
    b ← μ·b + g          p ← p − lr·b
Adam (β₁, β₂, ε), step t = 1, 2, …:
    m ← β₁·m + (1 − β₁)·g      v ← β₂·v + (1 − β₂)·g²
    p ← p − (lr/(1 − β₁ᵗ)) · m / (√v/√(1 − β₂ᵗ) + ε)

Each optimizer updates the arrays in place and keeps its state as named arrays (for checkpoints).
"""

from __future__ import annotations

import math

import numpy as np

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.nn.parallel import run_split

# Element passes of one Adam update, for `run_split`'s estimate of the work.
ADAM_PASSES = 13


def check_hyperparameters(lr: float | None = None, momentum: float | None = None) -> None:
    """A learning rate must be a positive finite number and momentum in [0, 1): anything else
    (0, -1, nan, inf) is a malformed value, a `UsageError`. None: not given, nothing to check."""
    if lr is not None and not (math.isfinite(lr) and lr > 0):
        raise UsageError(
            f"{{field}} {lr}: the learning rate must be a positive number, e.g. {{field}} 0.001", field="lr"
        )
    if momentum is not None and not 0 <= momentum < 1:
        raise UsageError(
            f"{{field}} {momentum}: momentum must be in [0, 1), e.g. {{field}} 0.9", field="momentum"
        )


class Optimizer:
    name = "optimizer"

    def __init__(self, params: dict[str, np.ndarray], lr: float) -> None:
        check_hyperparameters(lr)
        self.params, self.lr = params, lr
        self.t = 0

    def step(self, grads: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def state(self) -> dict[str, np.ndarray]:
        """Named arrays that, with the parameters, let training continue exactly."""
        raise NotImplementedError

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def _load(self, state: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
        out = {}
        for name, p in self.params.items():
            key = f"{prefix}:{name}"
            if key not in state or state[key].shape != p.shape:
                raise CnnCalcError(f"optimizer state {key!r} is missing or has the wrong shape")
            out[name] = state[key].astype(p.dtype)
        return out


class SGD(Optimizer):
    name = "sgd"

    def __init__(self, params: dict[str, np.ndarray], lr: float = 0.01, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        check_hyperparameters(momentum=momentum)
        self.momentum = momentum
        self.buffers: dict[str, np.ndarray] = {}

    def step(self, grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        for name, p in self.params.items():
            g = grads[name]
            if self.momentum:
                buf = self.buffers.get(name)
                if buf is None:
                    buf = self.buffers[name] = g.copy()
                else:
                    buf *= self.momentum
                    buf += g
                g = buf
            p -= p.dtype.type(self.lr) * g

    def state(self) -> dict[str, np.ndarray]:
        out = {"t": np.array(self.t)}
        out.update({f"momentum:{k}": v for k, v in self.buffers.items()})
        return out

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        self.t = int(state["t"])
        if self.momentum and self.t:
            self.buffers = self._load(state, "momentum")


class Adam(Optimizer):
    name = "adam"

    def __init__(
        self,
        params: dict[str, np.ndarray],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        loose = [name for name, p in params.items() if not p.flags.c_contiguous]
        if loose:  # updated through flat views, which a strided array would not give
            raise CnnCalcError(f"Adam updates contiguous arrays; {', '.join(loose)} is not one")
        self.beta1, self.beta2, self.eps = betas[0], betas[1], eps
        self.m = {k: np.zeros_like(p) for k, p in params.items()}
        self.v = {k: np.zeros_like(p) for k, p in params.items()}

    def step(self, grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        step_size = self.lr / (1 - b1**self.t)
        root_bc2 = math.sqrt(1 - b2**self.t)
        # Every parameter, flattened, as one long run of elements cut into slices (the update is
        # element-wise: any cut gives the same bits), so that the slices can run in parallel.
        flat = [
            (p.reshape(-1), grads[name].reshape(-1), self.m[name].reshape(-1), self.v[name].reshape(-1))
            for name, p in self.params.items()
        ]
        starts = np.cumsum([0] + [len(f[0]) for f in flat]).tolist()

        def part(a: int, b: int) -> None:
            for (p, g, m, v), start in zip(flat, starts, strict=False):
                lo, hi = max(a - start, 0), min(b - start, len(p))
                if lo < hi:
                    self._update(p[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi], step_size, root_bc2)

        run_split(part, starts[-1], starts[-1] * ADAM_PASSES)

    def _update(
        self, p: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, step_size: float, root_bc2: float
    ) -> None:
        dt = p.dtype.type
        b1, b2 = self.beta1, self.beta2
        m *= dt(b1)
        m += dt(1 - b1) * g
        v *= dt(b2)
        v += dt(1 - b2) * (g * g)
        denom = np.sqrt(v)
        denom /= dt(root_bc2)
        denom += dt(self.eps)
        p -= dt(step_size) * (m / denom)

    def state(self) -> dict[str, np.ndarray]:
        out = {"t": np.array(self.t)}
        out.update({f"m:{k}": v for k, v in self.m.items()})
        out.update({f"v:{k}": v for k, v in self.v.items()})
        return out

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        self.t = int(state["t"])
        self.m = self._load(state, "m")
        self.v = self._load(state, "v")


def make_optimizer(name: str, params: dict[str, np.ndarray], lr: float, momentum: float) -> Optimizer:
    """Adam(params, lr), or SGD(params, lr, momentum) for "sgd"."""
    if name == "adam":
        return Adam(params, lr)
    if name == "sgd":
        return SGD(params, lr, momentum)
    raise CnnCalcError(f"unknown optimizer {name!r}; use adam or sgd")
