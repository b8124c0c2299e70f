"""Softmax cross-entropy on logits, averaged over the batch (PyTorch's CrossEntropyLoss).

    L = −(1/N)·Σ_n log softmax(z_n)[y_n],    ∂L/∂z_n = (softmax(z_n) − onehot(y_n))/N

>>> import numpy as np
>>> loss, grad = softmax_cross_entropy(np.zeros((1, 4)), np.array([2]))
>>> round(float(loss), 4)  # log 4
1.3863
"""

from __future__ import annotations

import numpy as np


def log_softmax(z: np.ndarray) -> np.ndarray:
    """z − max z − log Σ e^(z − max z) along the last axis: stable for large logits."""
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """The mean loss and its gradient with respect to the logits."""
    n = logits.shape[0]
    logp = log_softmax(logits)
    rows = np.arange(n)
    loss = -float(logp[rows, labels].mean(dtype=np.float64))
    grad = np.exp(logp)
    grad[rows, labels] -= 1
    grad /= n
    return loss, grad
