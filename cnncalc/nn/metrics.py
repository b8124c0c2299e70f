"""Per-class precision, recall and F1 (note 004 §3.3, §3.5), from the true and predicted classes.

For class c, with TP the images of c predicted c, FP the images of other classes predicted c and
FN the images of c predicted something else:

    precision = TP/(TP + FP)     of the images called c, the share that are c
    recall    = TP/(TP + FN)     of the images of c, the share found
    F1        = 2·P·R/(P + R) = 2·TP/(2·TP + FP + FN)

A share of nothing is not a number: precision is None when no image was predicted c, recall None
when the class has no images (a None is left out of the macro averages). F1, written with the
counts, is defined whenever either is: 0 when TP = 0, None only for a class that neither has nor
was given any image. The macro averages are the plain means over the classes (each class counts
the same, however many images it has).

>>> m = class_metrics([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], ("a", "b"))
>>> [(r.name, r.precision, round(r.recall, 3), r.f1) for r in m.rows]
[('a', 0.5, 0.5, 0.5), ('b', 0.6666666666666666, 0.667, 0.6666666666666666)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ClassRow:
    """One class: its counts and its precision, recall and F1 (None where undefined)."""

    name: str
    support: int  # images of this class
    predicted: int  # images predicted as this class
    true_positives: int
    precision: float | None
    recall: float | None
    f1: float | None

    def to_dict(self) -> dict:
        return {
            "class": self.name,
            "support": self.support,
            "predicted": self.predicted,
            "true_positives": self.true_positives,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclass(frozen=True)
class ClassMetrics:
    """Every class's row, the accuracy, and the macro averages of precision, recall and F1."""

    rows: tuple[ClassRow, ...]
    accuracy: float

    def _macro(self, key: str) -> float | None:
        values = [getattr(r, key) for r in self.rows if getattr(r, key) is not None]
        return sum(values) / len(values) if values else None

    @property
    def macro_precision(self) -> float | None:
        return self._macro("precision")

    @property
    def macro_recall(self) -> float | None:
        return self._macro("recall")

    @property
    def macro_f1(self) -> float | None:
        return self._macro("f1")

    def to_dict(self) -> dict:
        return {
            "accuracy": self.accuracy,
            "macro_precision": self.macro_precision,
            "macro_recall": self.macro_recall,
            "macro_f1": self.macro_f1,
            "classes": [r.to_dict() for r in self.rows],
        }


def class_metrics(
    labels: Sequence[int] | np.ndarray, predicted: Sequence[int] | np.ndarray, class_names: Sequence[str]
) -> ClassMetrics:
    """Precision, recall and F1 of each class of `class_names` (see the module docstring)."""
    y, p = np.asarray(labels, np.int64), np.asarray(predicted, np.int64)
    k = len(class_names)
    support = np.bincount(y, minlength=k)
    called = np.bincount(p, minlength=k)
    hits = np.bincount(y[y == p], minlength=k)
    rows = []
    for c, name in enumerate(class_names):
        tp, n_true, n_called = int(hits[c]), int(support[c]), int(called[c])
        precision = tp / n_called if n_called else None
        recall = tp / n_true if n_true else None
        f1 = 2 * tp / (n_true + n_called) if n_true + n_called else None
        rows.append(ClassRow(name, n_true, n_called, tp, precision, recall, f1))
    accuracy = float((y == p).mean()) if len(y) else 0.0
    return ClassMetrics(tuple(rows), accuracy)
