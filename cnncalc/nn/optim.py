"""Optimizers with PyTorch's exact update rules (torch.optim.SGD, RMSprop, Adam and AdamW).

With weight decay λ, every rule but AdamW's first adds the L2 term to the gradient (the gradient
of (λ/2)·Σw², as torch.optim's `weight_decay` does): g ← g + λ·w. It applies to every parameter
(biases and BN's γ, β too), as torch.optim does when given `model.parameters()`.

SGD with momentum μ (μ = 0: plain SGD; the first step sets the buffer to the gradient):
    b ← μ·b + g          w ← w − lr·b
RMSprop (α = 0.99, ε = 1e-8; with momentum μ > 0, a buffer b that starts at 0):
    s ← α·s + (1 − α)·g²      w ← w − lr·g/(√s + ε)     or   b ← μ·b + g/(√s + ε),  w ← w − lr·b
Adam (β₁ = 0.9, β₂ = 0.999, ε = 1e-8), step t = 1, 2, …:
    m ← β₁·m + (1 − β₁)·g      v ← β₂·v + (1 − β₂)·g²
    w ← w − (lr/(1 − β₁ᵗ)) · m / (√v/√(1 − β₂ᵗ) + ε)
AdamW: Adam on the gradient alone, after the decoupled decay w ← w·(1 − lr·λ).

Each optimizer updates the arrays in place and keeps its state as named arrays (for checkpoints);
`lr` may be changed between steps (a schedule does).

>>> import numpy as np
>>> w = {"w": np.array([1.0, -2.0])}
>>> SGD(w, lr=0.1, weight_decay=0.5).step({"w": np.array([0.0, 1.0])})
>>> w["w"].tolist()  # w − 0.1·(g + 0.5·w)
[0.95, -2.0]
"""

from __future__ import annotations

import math

import numpy as np

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.i18n import _
from cnncalc.nn.parallel import run_split

# An Adam update's work per parameter in `run_split`'s units. It makes 13 passes, but each slice
# does them in a dozen short numpy calls, and two threads making short calls hand the GIL back and
# forth: measured on 2 threads (benchmarks' machine), splitting the update pays from ~300k
# parameters on (1.10 → 0.96 ms) and costs 0.2 ms at 77k–150k (0.18 → 0.45 ms at 77k). Weighting a
# parameter as 2 elements splits it from 2·MIN_PART/2 = 262k parameters on.
ADAM_WORK_PER_PARAMETER = 2


def check_hyperparameters(
    lr: float | None = None, momentum: float | None = None, weight_decay: float | None = None
) -> None:
    """A learning rate must be a positive finite number, momentum in [0, 1) and weight decay a
    finite number ≥ 0: anything else (0, -1, nan, inf) is a malformed value, a `UsageError`.
    None: not given, nothing to check."""
    if lr is not None and not (math.isfinite(lr) and lr > 0):
        raise UsageError(
            _("{field} {value}: the learning rate must be a positive number, e.g. {field} 0.001"),
            field="lr",
            value=lr,
        )
    if momentum is not None and not 0 <= momentum < 1:
        raise UsageError(
            _("{field} {value}: momentum must be in [0, 1), e.g. {field} 0.9"),
            field="momentum",
            value=momentum,
        )
    if weight_decay is not None and not (math.isfinite(weight_decay) and weight_decay >= 0):
        raise UsageError(
            _("{field} {value} must be a number ≥ 0, e.g. {field} 0.0005"),
            field="weight_decay",
            value=weight_decay,
        )


class Optimizer:
    name = "optimizer"

    def __init__(self, params: dict[str, np.ndarray], lr: float, weight_decay: float = 0.0) -> None:
        check_hyperparameters(lr, weight_decay=weight_decay)
        self.params, self.lr, self.weight_decay = params, lr, weight_decay
        self.t = 0

    def step(self, grads: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def state(self) -> dict[str, np.ndarray]:
        """Named arrays that, with the parameters, let training continue exactly."""
        raise NotImplementedError

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def _decayed(self, name: str, g: np.ndarray) -> np.ndarray:
        """g + λ·w (L2 weight decay), or g itself without decay."""
        if not self.weight_decay:
            return g
        p = self.params[name]
        return g + p.dtype.type(self.weight_decay) * p

    def _load(self, state: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
        out = {}
        for name, p in self.params.items():
            key = f"{prefix}:{name}"
            if key not in state or state[key].shape != p.shape:
                raise CnnCalcError(_("optimizer state {key!r} is missing or has the wrong shape"), key=key)
            out[name] = state[key].astype(p.dtype)
        return out


class SGD(Optimizer):
    name = "sgd"

    def __init__(
        self,
        params: dict[str, np.ndarray],
        lr: float = 0.01,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        check_hyperparameters(momentum=momentum)
        self.momentum = momentum
        self.buffers: dict[str, np.ndarray] = {}

    def step(self, grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        for name, p in self.params.items():
            g = self._decayed(name, grads[name])
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


class RMSprop(Optimizer):
    name = "rmsprop"

    def __init__(
        self,
        params: dict[str, np.ndarray],
        lr: float = 1e-3,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        alpha: float = 0.99,
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        check_hyperparameters(momentum=momentum)
        self.momentum, self.alpha, self.eps = momentum, alpha, eps
        self.square_avg = {k: np.zeros_like(p) for k, p in params.items()}
        self.buffers = {k: np.zeros_like(p) for k, p in params.items()} if momentum else {}

    def step(self, grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        for name, p in self.params.items():
            dt = p.dtype.type
            g = self._decayed(name, grads[name])
            s = self.square_avg[name]
            s *= dt(self.alpha)
            s += dt(1 - self.alpha) * (g * g)
            avg = np.sqrt(s)
            avg += dt(self.eps)
            if self.momentum:
                buf = self.buffers[name]
                buf *= dt(self.momentum)
                buf += g / avg
                p -= dt(self.lr) * buf
            else:
                p -= dt(self.lr) * (g / avg)

    def state(self) -> dict[str, np.ndarray]:
        out = {"t": np.array(self.t)}
        out.update({f"square_avg:{k}": v for k, v in self.square_avg.items()})
        out.update({f"momentum:{k}": v for k, v in self.buffers.items()})
        return out

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        self.t = int(state["t"])
        self.square_avg = self._load(state, "square_avg")
        if self.momentum:
            self.buffers = self._load(state, "momentum")


class Adam(Optimizer):
    name = "adam"
    decoupled = False  # AdamW: weight decay shrinks the weights directly instead of joining the gradient

    def __init__(
        self,
        params: dict[str, np.ndarray],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        loose = [name for name, p in params.items() if not p.flags.c_contiguous]
        if loose:  # updated through flat views, which a strided array would not give
            raise CnnCalcError(
                _("Adam updates contiguous arrays; {names} is not one"), names=", ".join(loose)
            )
        self.beta1, self.beta2, self.eps = betas[0], betas[1], eps
        # The parameters as one long run of elements: the update is element-wise, so it runs as a
        # dozen passes over that run (cut into slices that can go to other threads; any cut gives
        # the same bits) instead of a dozen small passes per parameter. m and v live in that
        # layout; self.m and self.v are views of them, one per parameter.
        # Parameters of several dtypes (never in a model cnncalc builds) keep one state each.
        self.starts = np.cumsum([0] + [p.size for p in params.values()]).tolist()
        dtypes = {p.dtype for p in params.values()}
        self.flat = len(dtypes) == 1
        if self.flat:
            dtype = dtypes.pop()
            self.flat_m, self.flat_v = np.zeros(self.starts[-1], dtype), np.zeros(self.starts[-1], dtype)
            self.m, self.v = self._views(self.flat_m), self._views(self.flat_v)
        else:
            self.m = {k: np.zeros_like(p) for k, p in params.items()}
            self.v = {k: np.zeros_like(p) for k, p in params.items()}

    def _views(self, flat: np.ndarray) -> dict[str, np.ndarray]:
        """Each parameter's piece of a flat array, shaped like the parameter."""
        return {
            name: flat[a:b].reshape(p.shape)
            for (name, p), a, b in zip(self.params.items(), self.starts[:-1], self.starts[1:], strict=True)
        }

    def step(self, grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        step_size = self.lr / (1 - b1**self.t)
        root_bc2 = math.sqrt(1 - b2**self.t)
        params = list(self.params.values())
        if not self.flat:  # parameters of several dtypes: one update per parameter, in its own
            for p, m, v, name in zip(params, self.m.values(), self.v.values(), self.params, strict=True):
                self._update(p, grads[name], m, v, step_size, root_bc2)
            return
        p_flat = np.concatenate([p.reshape(-1) for p in params])
        g_flat = np.concatenate([grads[name].reshape(-1) for name in self.params]).astype(
            p_flat.dtype, copy=False
        )

        def part(a: int, b: int) -> None:
            self._update(p_flat[a:b], g_flat[a:b], self.flat_m[a:b], self.flat_v[a:b], step_size, root_bc2)

        run_split(part, len(p_flat), len(p_flat) * ADAM_WORK_PER_PARAMETER)
        for p, a, b in zip(params, self.starts[:-1], self.starts[1:], strict=True):
            np.copyto(p.reshape(-1), p_flat[a:b])

    def _update(
        self, p: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, step_size: float, root_bc2: float
    ) -> None:
        dt = p.dtype.type
        b1, b2 = self.beta1, self.beta2
        if self.weight_decay and self.decoupled:
            p *= dt(1 - self.lr * self.weight_decay)
        elif self.weight_decay:
            g = g + dt(self.weight_decay) * p
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
        for mine, theirs in ((self.m, self._load(state, "m")), (self.v, self._load(state, "v"))):
            for name, value in theirs.items():
                np.copyto(mine[name], value)


class AdamW(Adam):
    """Adam with decoupled weight decay (torch.optim.AdamW): w ← w·(1 − lr·λ), then Adam's step
    on the gradient alone, so the decay is not scaled down by Adam's √v as an L2 term would be."""

    name = "adamw"
    decoupled = True

    def __init__(
        self,
        params: dict[str, np.ndarray],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)


def make_optimizer(
    name: str, params: dict[str, np.ndarray], lr: float, momentum: float = 0.0, weight_decay: float = 0.0
) -> Optimizer:
    """The optimizer called `name` (a `Settings.optimizer`): "sgd" and "momentum" are both SGD
    with the given momentum (0 for plain SGD); Adam and AdamW have no momentum setting."""
    if name in ("sgd", "momentum"):
        return SGD(params, lr, momentum, weight_decay)
    if name == "rmsprop":
        return RMSprop(params, lr, momentum, weight_decay)
    if name == "adam":
        return Adam(params, lr, weight_decay=weight_decay)
    if name == "adamw":
        return AdamW(params, lr, weight_decay=weight_decay)
    raise CnnCalcError(_("unknown optimizer {name!r}; use sgd, momentum, rmsprop, adam or adamw"), name=name)
