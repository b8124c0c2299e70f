"""The lessons on the half of the notes that is not shape arithmetic: activations, softmax and
cross-entropy, batch normalisation, dropout, and overfitting with its remedies.

Each is built from the step-through engines (`activations`, `softmax`, `batchnorm`, `dropout`,
`overfitting`) when it runs; the text words their numbers, and says where the notes go wrong.

>>> build_dropout().question.answer
5.0
"""

from __future__ import annotations

from cnncalc.arith.params import bn_params, fc_params
from cnncalc.arith.steps import Step
from cnncalc.lessons.activations import (
    LINEAR_EXAMPLE,
    collapse_linear,
    gradient_through_depth,
    step_activations,
)
from cnncalc.lessons.batchnorm import step_batchnorm
from cnncalc.lessons.blocks import Lesson, Para, Question
from cnncalc.lessons.dropout import step_dropout
from cnncalc.lessons.matrix import fmt_number
from cnncalc.lessons.overfitting import early_stop_epoch, overfitting_experiment
from cnncalc.lessons.softmax import step_softmax


def build_activations() -> Lesson:
    collapse = collapse_linear(**LINEAR_EXAMPLE)
    xs = (-3.0, -0.5, 0.0, 0.5, 3.0)
    table = step_activations(xs, ("relu", "sigmoid", "tanh", "relu6", "leakyrelu")).sections[-1]
    sigmoid_at_0 = step_activations((0.0,), ("sigmoid",)).sections[0]
    depth = gradient_through_depth(("sigmoid", "tanh", "relu"), 10, x=0.5)
    summary = depth.sections[-1]
    n_in, hidden, n_out = 4, 3, 2
    single = fc_params(n_in, n_out)
    return Lesson(
        "activations",
        "Activation functions: why a network needs a non-linearity",
        (
            Para(
                "Note 001's interview question: a fully connected layer is a matrix product, and matrix products "
                "combine. Without a non-linear function between them, a deep network is one layer. On numbers:"
            ),
            *collapse.sections,
            Para(
                "So every hidden layer ends in an activation. Note 001 prefers ReLU because it is cheap (sigmoid "
                "needs an exponential and a division); note 002 gives the deeper reason, the gradient. "
                "Backpropagation multiplies the gradient by each layer's f'(z):"
            ),
            table,
            sigmoid_at_0,
            Para(
                "σ' is at most 1/4 (at z = 0), so every sigmoid layer shrinks the gradient at least fourfold; "
                "ReLU's derivative is 1 wherever the unit is on. Through a chain of ten one-unit layers "
                "(weight 1, bias 0, input 0.5; `cnncalc step gradient` works each layer):"
            ),
            summary,
        ),
        Question(
            f"A linear layer {n_in} → {hidden} is followed directly by a linear layer {hidden} → {n_out}, with no "
            "activation in between. How many parameters (weights and biases) does the single linear layer have "
            "that computes the same thing?",
            single.total,
            single.steps,
            f"W = W₂·W₁ is {n_out}×{n_in} and b = W₂·b₁ + b₂ has {n_out} entries, whatever the hidden width.",
        ),
    )


def build_softmax() -> Lesson:
    logits = (2.0, 1.0, 0.1)
    right = step_softmax(logits, 0)
    wrong = step_softmax(logits, 2)
    q_logits, q_label = (1.0, 2.0, 3.0), 0
    q = step_softmax(q_logits, q_label)
    return Lesson(
        "softmax",
        "Softmax and cross-entropy: from scores to probabilities to a loss",
        (
            Para(
                "The last layer of a classifier gives one score (logit) per class. Note 002: softmax turns them "
                "into probabilities that add up to 1, instead of sigmoid's separate yes/no ≥ 0.5 per class; "
                "cross-entropy then measures how much probability the true class got. For logits "
                f"{', '.join(map(fmt_number, logits))} and the true class 0:"
            ),
            *right.sections,
            Para(
                f"Had the true class been 2 (probability {fmt_number(wrong.probabilities[2])}), the loss would be "
                f"{fmt_number(wrong.loss or 0)} instead of {fmt_number(right.loss or 0)}: confident mistakes are "
                "expensive. Note 000's Keras model ends in Dense(10, activation='softmax') with "
                "loss='categorical_crossentropy'; PyTorch's CrossEntropyLoss takes the logits and does the "
                "softmax itself, in the stable form."
            ),
        ),
        Question(
            f"Logits {', '.join(map(fmt_number, q_logits))} and the true class {q_label}: what is the "
            "cross-entropy loss, to 3 decimals?",
            round(q.loss or 0.0, 3),
            q.loss_working(),
            tolerance=0.001,
        ),
    )


def build_batchnorm() -> Lesson:
    trace = step_batchnorm(((1, 2), (3, 6), (5, 4)), gamma=(1, 2), beta=(0, 1))
    channels = 64
    q = bn_params(channels)
    return Lesson(
        "batchnorm",
        "Batch normalisation: normalise over the batch, then scale and shift",
        (
            Para(
                "Note 004 §4.1: batch normalisation normalises a layer's inputs over each mini-batch, which makes "
                "training faster and more stable and lets networks go deeper; it usually follows a conv or fully "
                "connected layer. Each channel gets its batch mean and variance subtracted and divided out, "
                "then a learned scale γ and shift β. A batch of 3 samples with 2 channels:"
            ),
            *trace.sections,
        ),
        Question(
            f"A BatchNorm2d follows a convolution with {channels} output channels. How many trainable parameters "
            "does PyTorch count for it?",
            q.total,
            q.steps,
            f"Keras' summary() would show {q.total + q.buffers}: it adds the {q.buffers} running statistics as "
            "non-trainable parameters.",
        ),
    )


def build_dropout() -> Lesson:
    trace = step_dropout(((1, 2, 3, 4), (5, 6, 7, 8)), 0.5, seed=5)
    p, kept = 0.2, 4.0
    value = kept / (1 - p)
    return Lesson(
        "dropout",
        "Dropout: switching units off at random while training",
        (
            Para(
                "Note 002: a dropout layer, usually between two fully connected layers, cuts part of the data "
                "flow at random at every training step, so the network learns to classify as if in noise and "
                "overfits less. Note 004 §4.4 lists it among the remedies for overfitting. The numbers:"
            ),
            *trace.sections,
        ),
        Question(
            f"Dropout with p = {fmt_number(p)}, in training. An activation of {fmt_number(kept)} is kept: what "
            "value leaves the layer?",
            value,
            (Step("out", "x · 1/(1 − p)", f"{fmt_number(kept)} · 1/(1 − {fmt_number(p)})", value),),
            "In evaluation mode it would leave as it came, 4.",
        ),
    )


def build_overfitting() -> Lesson:
    report = overfitting_experiment()
    plain = report.run("plain")
    shown = tuple(round(e.val_loss, 3) for e in plain.history[:10])
    patience = 2
    _, kept = early_stop_epoch(shown, patience)
    losses = ", ".join(f"{v:.3f}" for v in shown)
    return Lesson(
        "overfitting",
        "Overfitting: dropout, weight decay and early stopping, trained for real",
        (
            Para(
                "Note 002: dropout reduces overfitting; note 004 §3.4 splits the data into training, validation "
                "and test sets, and §4.4 lists the remedies. This lesson trains a small network for real (a second "
                "or two) and shows all of it."
            ),
            *report.sections,
        ),
        Question(
            f"The plain run's validation losses after epochs 1 to {len(shown)} were {losses}. With early stopping "
            f"on the validation loss and patience {patience}, the weights of which epoch are kept?",
            kept,
            (
                Step(
                    "kept epoch",
                    "the epoch of the lowest validation loss before the loss fails to improve "
                    f"{patience} times in a row",
                    f"min(...) = {min(shown):.3f}",
                    kept,
                ),
            ),
            "Training stops a little later (when the patience runs out); the weights go back to the best epoch.",
        ),
    )
