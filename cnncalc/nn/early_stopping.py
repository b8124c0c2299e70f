"""Early stopping (note 004 §4.4): watch the validation loss, stop once it has not improved for
`patience` epochs in a row, and keep the weights of its best epoch.

After each epoch e with validation loss L_e:

    L_e < best           best ← L_e, best epoch ← e, copy the weights, bad ← 0
    otherwise            bad ← bad + 1;  bad = patience → stop, and put the best epoch's weights back

"Improved" means strictly lower (Keras' EarlyStopping with min_delta 0 and
restore_best_weights): a tie does not reset the count. The weights restored are the
parameters and the BN running statistics. If training ends before the patience runs out, the
run keeps its last weights (it may still be improving) and nothing is restored.

>>> stopper = EarlyStopping(patience=2)
>>> [stopper.observe(epoch, loss) for epoch, loss in enumerate([0.9, 0.7, 0.8, 0.75], start=1)]
[False, False, False, True]
>>> stopper.best_epoch, stopper.stopped_epoch
(2, 4)
"""

from __future__ import annotations

import numpy as np

from cnncalc.arith.errors import CnnCalcError
from cnncalc.i18n import _
from cnncalc.nn.model import Model


class EarlyStopping:
    """The early-stopping state of a run: its best validation loss so far, that epoch's weights,
    how many epochs since, and the epoch it stopped at (None while it goes on)."""

    def __init__(self, patience: int) -> None:
        if patience < 1:
            raise CnnCalcError(
                _("{field} {value}: the patience must be at least 1 epoch"),
                field="early_stop",
                value=patience,
            )
        self.patience = patience
        self.best_loss: float | None = None
        self.best_epoch = 0
        self.bad_epochs = 0
        self.stopped_epoch: int | None = None
        self.best_params: dict[str, np.ndarray] = {}
        self.best_buffers: dict[str, np.ndarray] = {}

    def observe(self, epoch: int, loss: float) -> bool:
        """Epoch `epoch` ended with validation loss `loss`; True if training should stop now.

        Whether it improved is all this records; `update` also keeps and restores the weights."""
        if self.best_loss is None or loss < self.best_loss:
            self.best_loss, self.best_epoch, self.bad_epochs = loss, epoch, 0
            return False
        self.bad_epochs += 1
        if self.bad_epochs >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def update(self, epoch: int, loss: float, model: Model) -> bool:
        """`observe`, keeping a copy of the weights of a new best epoch; on stopping, the best
        epoch's weights are put back into `model`. True if training should stop now."""
        stop = self.observe(epoch, loss)
        if self.best_epoch == epoch:
            self.best_params = {k: v.copy() for k, v in model.named_params().items()}
            self.best_buffers = {k: v.copy() for k, v in model.named_buffers().items()}
        if stop:
            self.restore(model)
        return stop

    def restore(self, model: Model) -> None:
        """Put the best epoch's parameters and BN statistics back into `model`."""
        for name, value in model.named_params().items():
            value[...] = self.best_params[name]
        model.load_buffers(self.best_buffers)

    def state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """(the counters, JSON-able; the best epoch's weights as named arrays) for a checkpoint."""
        arrays = {f"param:{k}": v for k, v in self.best_params.items()}
        arrays.update({f"buffer:{k}": v for k, v in self.best_buffers.items()})
        counters = {
            "best_loss": self.best_loss,
            "best_epoch": self.best_epoch,
            "bad_epochs": self.bad_epochs,
            "stopped_epoch": self.stopped_epoch,
        }
        return counters, arrays

    def load_state(self, counters: dict, arrays: dict[str, np.ndarray], model: Model) -> None:
        """The state `state()` gave; the arrays must match `model`'s weights (KeyError, ValueError
        otherwise)."""
        best_loss = counters["best_loss"]
        self.best_loss = None if best_loss is None else float(best_loss)
        self.best_epoch = int(counters["best_epoch"])
        self.bad_epochs = int(counters["bad_epochs"])
        stopped = counters["stopped_epoch"]
        self.stopped_epoch = None if stopped is None else int(stopped)
        if self.best_loss is None:
            self.best_params, self.best_buffers = {}, {}
            return
        self.best_params = _matching(arrays, "param", model.named_params())
        self.best_buffers = _matching(arrays, "buffer", model.named_buffers())


def _matching(arrays: dict[str, np.ndarray], kind: str, like: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = {}
    for name, target in like.items():
        stored = arrays[f"{kind}:{name}"]
        if stored.shape != target.shape:
            raise ValueError(
                _("best {kind} {name} has shape {shape}, not {expected}").format(
                    kind=kind, name=name, shape=stored.shape, expected=target.shape
                )
            )
        out[name] = stored.astype(target.dtype)
    return out
