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

from cnncalc.arith.errors import CnnCalcError


class Optimizer:
    name = "optimizer"

    def __init__(self, params: dict[str, np.ndarray], lr: float) -> None:
        if not lr > 0 or not math.isfinite(lr):
            raise CnnCalcError(
                f"{{field}} {lr}: the learning rate must be a positive number, e.g. {{field}} 0.001",
                field="lr",
            )
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
        if not 0 <= momentum < 1:
            raise CnnCalcError(
                f"{{field}} {momentum}: momentum must be in [0, 1), e.g. {{field}} 0.9", field="momentum"
            )
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
        self.beta1, self.beta2, self.eps = betas[0], betas[1], eps
        self.m = {k: np.zeros_like(p) for k, p in params.items()}
        self.v = {k: np.zeros_like(p) for k, p in params.items()}

    def step(self, grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        step_size = self.lr / (1 - b1**self.t)
        root_bc2 = math.sqrt(1 - b2**self.t)
        for name, p in self.params.items():
            g, m, v = grads[name], self.m[name], self.v[name]
            dt = p.dtype.type
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
