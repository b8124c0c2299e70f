"""Quiz problems on what is not shape arithmetic: activations, softmax and cross-entropy, batch
normalisation, dropout, and overfitting (early stopping, weight decay). Each answer comes from the
step-through engines, each common mistake is the same computation with the mistake made.

Answers asked "to 3 decimals" are graded within one unit of the last decimal.

>>> p = dropout_problem(random.Random(0))
>>> p.topic, len(p.mistakes) > 0
('dropout', True)
"""

from __future__ import annotations

import math
import random

from cnncalc.arith.params import bn_params, fc_params
from cnncalc.arith.steps import Step, group_digits, plural
from cnncalc.lessons.activations import ACTIVATIONS, sigmoid, step_activations
from cnncalc.lessons.batchnorm import step_batchnorm
from cnncalc.lessons.matrix import fmt_number
from cnncalc.lessons.overfitting import early_stop_epoch
from cnncalc.lessons.problems import Mistake, Problem, distinct
from cnncalc.lessons.softmax import step_softmax

THREE_DECIMALS = 0.001


def _r3(v: float) -> float:
    return round(v, 3)


# -- activations ------------------------------------------------------------------------------------


def activations_problem(rng: random.Random) -> Problem:
    kind = rng.random()
    if kind < 0.4:
        return _collapse_problem(rng)
    if kind < 0.7:
        return _sigmoid_grad_problem(rng)
    return _clipped_problem(rng)


def _collapse_problem(rng: random.Random) -> Problem:
    n_in, hidden, n_out = rng.randint(2, 64), rng.randint(2, 64), rng.randint(2, 16)
    single = fc_params(n_in, n_out)
    first, second = fc_params(n_in, hidden), fc_params(hidden, n_out)
    mistakes = [
        Mistake(
            "both layers counted",
            f"{group_digits(first.total)} + {group_digits(second.total)} = {group_digits(first.total + second.total)} are the two "
            "layers' parameters; the single layer W = W₂W₁, b = W₂b₁ + b₂ has fewer",
            first.total + second.total,
        ),
        Mistake(
            "the biases left out",
            f"{n_in}·{n_out} = {single.weights} counts W only; b has {n_out} entries",
            single.weights,
        ),
        Mistake(
            "the hidden width kept",
            f"{n_in}·{hidden} + {hidden} = {first.total} is the first layer; the merged layer goes straight from "
            f"{n_in} inputs to {n_out} outputs",
            first.total,
        ),
    ]
    return Problem(
        "activations",
        f"A linear layer {n_in} → {hidden} is followed directly by a linear layer {hidden} → {n_out}, with no "
        "activation between them. How many parameters (weights and biases) has the single linear layer that "
        "computes the same?",
        single.total,
        single.steps,
        ("Without a non-linearity, W₂(W₁x + b₁) + b₂ = (W₂W₁)x + (W₂b₁ + b₂): one layer (note 001).",),
        ("step", "linear"),
        mistakes=distinct(single.total, mistakes),
    )


def _sigmoid_grad_problem(rng: random.Random) -> Problem:
    x = rng.choice([i / 2 for i in range(-8, 9)])
    trace = step_activations((x,), ("sigmoid",))
    grad = trace.functions[0].derivatives[0]
    answer = _r3(grad)
    mistakes = [
        Mistake(
            "σ(x) given, not σ'(x)",
            f"σ({fmt_number(x)}) = {fmt_number(sigmoid(x))} is the value; the derivative is σ(x)·(1 − σ(x))",
            _r3(sigmoid(x)),
        ),
        Mistake(
            "1 − σ(x) only",
            f"1 − σ({fmt_number(x)}) = {fmt_number(1 - sigmoid(x))}; multiply by σ(x) too",
            _r3(1 - sigmoid(x)),
        ),
    ]
    return Problem(
        "activations",
        f"What is the derivative of the sigmoid, σ'(x), at x = {fmt_number(x)}? (3 decimals)",
        answer,
        trace.sections[0].steps,  # type: ignore[union-attr]
        (
            "σ' is at most 0.25 (at x = 0): every sigmoid layer shrinks the gradient at least fourfold (note 002).",
        ),
        ("step", "activation", "--fn", "sigmoid", "--x", fmt_number(x)),
        THREE_DECIMALS,
        distinct(answer, mistakes, THREE_DECIMALS),
    )


def _clipped_problem(rng: random.Random) -> Problem:
    name = rng.choice(("relu6", "leakyrelu"))
    x = rng.choice((-7.5, -4, -2.5, -1, -0.5, 0.5, 3, 5.5, 6.5, 8, 12))
    slope = 0.01
    act = ACTIVATIONS[name]
    value = act.value(x, slope)
    relu = max(0.0, x)
    mistakes = [Mistake("plain ReLU", f"max(0, {fmt_number(x)}) = {fmt_number(relu)} is ReLU's", relu)]
    if name == "leakyrelu":
        mistakes.append(
            Mistake("the slope applied to x > 0", f"{slope}·{fmt_number(x)}: only x ≤ 0 is scaled", slope * x)
        )
    else:
        mistakes.append(
            Mistake("the clip at 6 forgotten", f"max(0, {fmt_number(x)}) = {fmt_number(relu)}", relu)
        )
    label = "ReLU6" if name == "relu6" else f"LeakyReLU (slope {slope})"
    return Problem(
        "activations",
        f"What is {label} of x = {fmt_number(x)}?",
        value,
        (act.value_step(x, slope),),
        (f"{act.label}: {act.formula}.",),
        ("step", "activation", "--fn", name, "--x", fmt_number(x)),
        1e-9,
        distinct(value, mistakes),
    )


# -- softmax ------------------------------------------------------------------------------------------


def softmax_problem(rng: random.Random) -> Problem:
    n = rng.choice((3, 3, 4))
    logits = tuple(float(rng.choice((-1, 0, 0.5, 1, 1.5, 2, 3))) for _ in range(n))
    label = rng.randrange(n)
    trace = step_softmax(logits, label)
    shown = " ".join(fmt_number(v) for v in logits)
    argv = ("step", "softmax", "--logits", shown, "--label", str(label))
    kind = rng.random()
    if kind < 0.45:
        p = trace.probabilities[label]
        exp = math.exp(logits[label])
        mistakes = [
            Mistake(
                "e^z not divided by the sum",
                f"e^{fmt_number(logits[label])} = {fmt_number(exp)}; divide by "
                "Σ e^z so the probabilities add up to 1",
                _r3(exp),
            ),
        ]
        if sum(logits):
            mistakes.append(
                Mistake(
                    "z divided by Σ z",
                    f"{fmt_number(logits[label])}/{fmt_number(sum(logits))}: softmax divides exponentials, not "
                    "the logits themselves",
                    _r3(logits[label] / sum(logits)),
                )
            )
        answer = _r3(p)
        question = f"Logits {shown}: what probability does softmax give class {label}? (3 decimals)"
    elif kind < 0.85:
        loss = trace.loss or 0.0
        p = trace.probabilities[label]
        top = trace.predicted
        mistakes = [
            Mistake(
                "log base 10",
                f"−log₁₀ {fmt_number(p)} = {fmt_number(-math.log10(p))}; cross-entropy uses the "
                "natural log, ln",
                _r3(-math.log10(p)),
            ),
            Mistake(
                "the minus sign dropped",
                f"ln {fmt_number(p)} = {fmt_number(math.log(p))} is negative; the loss is −ln p",
                _r3(math.log(p)),
            ),
            Mistake(
                "the predicted class's probability used",
                f"−ln p_{top} = {fmt_number(-math.log(trace.probabilities[top]))} "
                f"uses the largest probability; the loss uses the true class's, p_{label}",
                _r3(-math.log(trace.probabilities[top])),
            ),
        ]
        answer = _r3(loss)
        question = f"Logits {shown} and the true class {label}: what is the cross-entropy loss? (3 decimals)"
    else:
        other = (label + 1) % n
        grad = trace.gradient[other] if trace.gradient else 0.0
        p_other = trace.probabilities[other]
        mistakes = [
            Mistake(
                "y subtracted where it is 0",
                f"p_{other} − 1 = {fmt_number(p_other - 1)}; y is 1 only for the true class {label}",
                _r3(p_other - 1),
            ),
            Mistake(
                "the logit used",
                f"z_{other} = {fmt_number(logits[other])}; the gradient is p − y",
                logits[other],
            ),
        ]
        answer = _r3(grad)
        question = (
            f"Logits {shown} and the true class {label}: what is ∂L/∂z_{other}, the gradient of the cross-entropy "
            f"loss with respect to logit {other}? (3 decimals)"
        )
    return Problem(
        "softmax",
        question,
        answer,
        tuple(s for sec in trace.sections[:4] for s in getattr(sec, "steps", ())),
        (),
        argv,
        THREE_DECIMALS,
        distinct(answer, mistakes, THREE_DECIMALS),
    )


# -- batch normalisation --------------------------------------------------------------------------------


def batchnorm_problem(rng: random.Random) -> Problem:
    kind = rng.random()
    if kind < 0.3:
        return _bn_count_problem(rng, keras=False)
    if kind < 0.5:
        return _bn_count_problem(rng, keras=True)
    if kind < 0.8:
        return _bn_normalise_problem(rng)
    return _bn_running_problem(rng)


def _bn_count_problem(rng: random.Random, keras: bool) -> Problem:
    c = rng.choice((6, 8, 16, 24, 32, 48, 64, 96, 128, 256, 512))
    p = bn_params(c)
    answer = p.total + p.buffers if keras else p.total
    mistakes = [
        Mistake(
            "the running statistics counted",
            f"4·{c} = {4 * c} adds the running mean and variance: buffers, "
            "which Keras lists as non-trainable",
            4 * c,
        ),
        Mistake(
            "the running statistics left out",
            f"2·{c} = {2 * c} counts γ and β only; Keras' summary() also "
            f"lists the {2 * c} moving mean and variance",
            2 * c,
        ),
        Mistake("one value per channel", f"{c} counts γ only; each channel has a scale γ and a shift β", c),
    ]
    where = (
        "Keras' model.summary() list in all (trainable and not)" if keras else "PyTorch count as trainable"
    )
    return Problem(
        "batchnorm",
        f"A batch normalisation layer follows a convolution with {c} output channels. How many parameters does "
        f"{where}?",
        answer,
        p.steps,
        p.notes,
        ("net", f"input {c}x8x8 | bn"),
        mistakes=distinct(answer, mistakes),
    )


def _bn_normalise_problem(rng: random.Random) -> Problem:
    values = [rng.randint(0, 9) for _ in range(4)]
    while len(set(values)) == 1:
        values = [rng.randint(0, 9) for _ in range(4)]
    i = rng.randrange(4)
    trace = step_batchnorm([[v] for v in values], eps=1e-5)
    mean, var = trace.mean[0], trace.var[0]
    answer = _r3(float(trace.output[i, 0]))
    unbiased = var * 4 / 3
    mistakes = [
        Mistake(
            "the unbiased variance used",
            f"÷ (N − 1) gives {fmt_number(unbiased)}; the batch is normalised with "
            f"the variance ÷ N, {fmt_number(var)}",
            _r3((values[i] - mean) / math.sqrt(unbiased + 1e-5)),
        ),
        Mistake(
            "divided by the variance",
            f"(x − μ)/σ² = {fmt_number((values[i] - mean) / var)}; divide by the "
            "standard deviation √(σ² + ε)",
            _r3((values[i] - mean) / var),
        ),
        Mistake(
            "the mean not subtracted",
            f"x/√(σ² + ε) = {fmt_number(values[i] / math.sqrt(var + 1e-5))}",
            _r3(values[i] / math.sqrt(var + 1e-5)),
        ),
    ]
    batch = " ".join(map(str, values))
    steps = tuple(s for s in trace.sections[0].steps[:2])  # type: ignore[union-attr]
    steps += (trace.sections[0].steps[2 + 2 * i],)  # type: ignore[union-attr]
    return Problem(
        "batchnorm",
        f"One channel of a batch holds {batch}. What is x̂ for the value {values[i]} (sample {i}) after batch "
        "normalisation's (x − μ)/√(σ² + ε), with ε = 0.00001? (3 decimals)",
        answer,
        steps,
        (),
        ("step", "batchnorm", "--batch", "; ".join(map(str, values))),
        THREE_DECIMALS,
        distinct(answer, mistakes, THREE_DECIMALS),
    )


def _bn_running_problem(rng: random.Random) -> Problem:
    values = [rng.randint(0, 9) for _ in range(4)]
    m = rng.choice((0.1, 0.1, 0.01, 0.2))
    trace = step_batchnorm([[v] for v in values], momentum=m)
    mean = trace.mean[0]
    answer = _r3(trace.running_mean[0])
    mistakes = [
        Mistake(
            "the momentum left out",
            f"μ = {fmt_number(mean)} is the batch mean; the running mean moves only "
            f"{fmt_number(m)} of the way towards it",
            _r3(mean),
        ),
        Mistake(
            "momentum and 1 − momentum swapped",
            f"(1 − {fmt_number(m)})·μ = {fmt_number((1 - m) * mean)}; "
            "PyTorch's momentum is the weight of the new batch",
            _r3((1 - m) * mean),
        ),
    ]
    return Problem(
        "batchnorm",
        f"A batch normalisation layer starts with running_mean 0 and momentum {fmt_number(m)} (PyTorch's "
        f"convention). One training batch holds {' '.join(map(str, values))} in a channel. What is that "
        "channel's running_mean after the step? (3 decimals)",
        answer,
        trace.sections[-3].steps[:1],  # type: ignore[union-attr]
        (),
        ("step", "batchnorm", "--batch", "; ".join(map(str, values)), "--momentum", fmt_number(m)),
        THREE_DECIMALS,
        distinct(answer, mistakes, THREE_DECIMALS),
    )


# -- dropout ----------------------------------------------------------------------------------------------


def dropout_problem(rng: random.Random) -> Problem:
    p = rng.choice((0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.75, 0.8))
    kind = rng.random()
    if kind < 0.5:
        x = float(rng.choice((1, 2, 3, 4, 5, 6, 8, 10, 12, 1.5, 2.5)))
        answer = x / (1 - p)
        mistakes = [
            Mistake(
                "scaled by 1 − p",
                f"{fmt_number(x)}·(1 − {fmt_number(p)}) = {fmt_number(x * (1 - p))} is the "
                "original paper's rule at test time; PyTorch and Keras divide by 1 − p while training",
                x * (1 - p),
            ),
            Mistake(
                "no scaling",
                f"{fmt_number(x)} unchanged is evaluation mode; in training kept values are scaled "
                f"by 1/(1 − p)",
                x,
            ),
            Mistake(
                "divided by p",
                f"{fmt_number(x)}/{fmt_number(p)} = {fmt_number(x / p)}; the scale is 1/(1 − p), "
                "the inverse of the keep probability",
                x / p,
            ),
        ]
        question = (
            f"Dropout with p = {fmt_number(p)}, in training. An activation of {fmt_number(x)} is kept: what value "
            "leaves the layer? (3 decimals)"
        )
        step = Step("out", "x · 1/(1 − p)", f"{fmt_number(x)} · 1/(1 − {fmt_number(p)})", answer)
        tolerance = THREE_DECIMALS
        answer = _r3(answer)
    elif kind < 0.75:
        x = float(rng.choice((1, 2, 3, 4, 5, 6, 7, 8, 9)))
        answer = x
        mistakes = [
            Mistake(
                "scaled in evaluation too",
                f"{fmt_number(x)}/(1 − {fmt_number(p)}) = {fmt_number(x / (1 - p))}; "
                "the scaling happens only in training",
                _r3(x / (1 - p)),
            ),
            Mistake("dropping in evaluation", "0; in evaluation nothing is dropped", 0.0),
        ]
        question = (
            f"Dropout with p = {fmt_number(p)}, in evaluation mode (model.eval()). An activation of "
            f"{fmt_number(x)} comes in: what value leaves the layer? (3 decimals)"
        )
        step = Step("out", "x", fmt_number(x), x, why="evaluation: the identity")
        tolerance = THREE_DECIMALS
    else:
        units = rng.choice((50, 100, 128, 200, 256, 400, 512, 1000))
        answer = p * units
        mistakes = [
            Mistake(
                "the kept ones counted",
                f"(1 − {fmt_number(p)})·{units} = {fmt_number((1 - p) * units)} are kept on average",
                (1 - p) * units,
            ),
        ]
        question = (
            f"Dropout with p = {fmt_number(p)} on a layer of {plural(units, 'unit')}: how many units does it zero "
            "on average at each training step?"
        )
        step = Step("dropped", "p · units", f"{fmt_number(p)} · {units}", answer)
        tolerance = 1e-9
    return Problem(
        "dropout",
        question,
        answer,
        (step,),
        ("Inverted dropout: E[out] = (1 − p)·x/(1 − p) = x, so evaluation needs no scaling.",),
        ("step", "dropout", "--input", "1 2 3 4", "--p", fmt_number(p)),
        tolerance,
        distinct(answer, mistakes, tolerance),
    )


# -- overfitting -------------------------------------------------------------------------------------------


def overfitting_problem(rng: random.Random) -> Problem:
    if rng.random() < 0.6:
        return _early_stop_problem(rng)
    return _weight_decay_problem(rng)


def _early_stop_problem(rng: random.Random) -> Problem:
    patience = rng.choice((1, 2, 3))
    while True:
        loss = rng.uniform(1.2, 2.0)
        losses = []
        for epoch in range(10):
            loss += rng.uniform(-0.3, 0.1) if epoch < 4 else rng.uniform(-0.06, 0.12)
            losses.append(round(max(loss, 0.05), 2))
        stop, kept = early_stop_epoch(losses, patience)
        if stop is not None and stop != kept and len(set(losses)) == len(losses):
            break
    shown = ", ".join(f"{v:.2f}" for v in losses)
    ask_kept = rng.random() < 0.6
    answer = kept if ask_kept else stop
    mistakes = [
        Mistake(
            "the stopping epoch given",
            f"training stops after epoch {stop}, but the weights kept are epoch "
            f"{kept}'s, the lowest validation loss",
            stop,
        )
        if ask_kept
        else Mistake(
            "the kept epoch given",
            f"epoch {kept} has the lowest loss, and its weights are kept, but "
            f"training only stops after {patience} more without improvement, at epoch {stop}",
            kept,
        ),
        Mistake(
            "the last epoch", f"{len(losses)} is where training would end without early stopping", len(losses)
        ),
    ]
    what = "the weights of which epoch are kept" if ask_kept else "after which epoch does training stop"
    step = Step(
        "kept epoch" if ask_kept else "stop after",
        f"lowest validation loss, then {plural(patience, 'epoch')} without improvement",
        f"lowest {min(losses):.2f} at epoch {kept}",
        answer,
    )
    return Problem(
        "overfitting",
        f"Validation losses after epochs 1 to {len(losses)}: {shown}. Early stopping watches the validation loss "
        f"with patience {patience} and restores the best weights: {what}?",
        answer,
        (step,),
        ("Note 004 §4.4: early stopping ends training once the validation loss stops improving.",),
        ("lesson", "overfitting"),
        mistakes=distinct(answer, mistakes),
    )


def _weight_decay_problem(rng: random.Random) -> Problem:
    w = rng.choice((0.5, 1.0, 1.5, 2.0, -1.0, 3.0))
    g = rng.choice((0.1, 0.2, 0.5, -0.3, 0.0))
    lr = rng.choice((0.1, 0.01, 0.5))
    lam = rng.choice((0.01, 0.05, 0.1))
    answer = _r3(w - lr * (g + lam * w))
    mistakes = [
        Mistake("the decay left out", f"w − lr·g = {fmt_number(w - lr * g)} is plain SGD", _r3(w - lr * g)),
        Mistake(
            "the decay not scaled by lr",
            f"w − lr·g − λ·w = {fmt_number(w - lr * g - lam * w)}; the penalty's "
            "gradient λ·w goes through the learning rate too",
            _r3(w - lr * g - lam * w),
        ),
        Mistake(
            "the decay added",
            f"w − lr·(g − λ·w) = {fmt_number(w - lr * (g - lam * w))}; decay pulls w towards 0",
            _r3(w - lr * (g - lam * w)),
        ),
    ]
    step = Step(
        "w_new",
        "w − lr·(g + λ·w)",
        f"{fmt_number(w)} − {fmt_number(lr)}·({fmt_number(g)} + {fmt_number(lam)}·{fmt_number(w)})",
        answer,
    )
    return Problem(
        "overfitting",
        f"SGD with learning rate {fmt_number(lr)} and weight decay λ = {fmt_number(lam)} (an L2 penalty, as "
        f"torch.optim.SGD's weight_decay). A weight w = {fmt_number(w)} has gradient {fmt_number(g)}: what is w "
        "after the step? (3 decimals)",
        answer,
        (step,),
        ("Weight decay adds λ·w to every gradient: large weights shrink a little at every step.",),
        ("lesson", "overfitting"),
        THREE_DECIMALS,
        distinct(answer, mistakes, THREE_DECIMALS),
    )
