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
from cnncalc.arith.steps import Step, group_digits
from cnncalc.i18n import _, ngettext
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
            _("both layers counted"),
            _(
                "{first} + {second} = {both} are the two layers' parameters; the single layer W = W₂W₁, "
                "b = W₂b₁ + b₂ has fewer"
            ).format(
                first=group_digits(first.total),
                second=group_digits(second.total),
                both=group_digits(first.total + second.total),
            ),
            first.total + second.total,
        ),
        Mistake(
            _("the biases left out"),
            _("{n_in}·{n_out} = {weights} counts W only; b has {n_out} entries").format(
                n_in=n_in, n_out=n_out, weights=single.weights
            ),
            single.weights,
        ),
        Mistake(
            _("the hidden width kept"),
            _(
                "{n_in}·{hidden} + {hidden} = {total} is the first layer; the merged layer goes straight from "
                "{n_in} inputs to {n_out} outputs"
            ).format(n_in=n_in, hidden=hidden, n_out=n_out, total=first.total),
            first.total,
        ),
    ]
    return Problem(
        "activations",
        _(
            "A linear layer {n_in} → {hidden} is followed directly by a linear layer {hidden} → {n_out}, with "
            "no activation between them. How many parameters (weights and biases) has the single linear layer "
            "that computes the same?"
        ).format(n_in=n_in, hidden=hidden, n_out=n_out),
        single.total,
        single.steps,
        (_("Without a non-linearity, W₂(W₁x + b₁) + b₂ = (W₂W₁)x + (W₂b₁ + b₂): one layer (note 001)."),),
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
            _("σ(x) given, not σ'(x)"),
            _("σ({x}) = {value} is the value; the derivative is σ(x)·(1 − σ(x))").format(
                x=fmt_number(x), value=fmt_number(sigmoid(x))
            ),
            _r3(sigmoid(x)),
        ),
        Mistake(
            _("1 − σ(x) only"),
            _("1 − σ({x}) = {value}; multiply by σ(x) too").format(
                x=fmt_number(x), value=fmt_number(1 - sigmoid(x))
            ),
            _r3(1 - sigmoid(x)),
        ),
    ]
    return Problem(
        "activations",
        _("What is the derivative of the sigmoid, σ'(x), at x = {x}? (3 decimals)").format(x=fmt_number(x)),
        answer,
        trace.sections[0].steps,  # type: ignore[union-attr]
        (
            _(
                "σ' is at most 0.25 (at x = 0): every sigmoid layer shrinks the gradient at least fourfold "
                "(note 002)."
            ),
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
    mistakes = [
        Mistake(
            _("plain ReLU"),
            _("max(0, {x}) = {value} is ReLU's").format(x=fmt_number(x), value=fmt_number(relu)),
            relu,
        )
    ]
    if name == "leakyrelu":
        mistakes.append(
            Mistake(
                _("the slope applied to x > 0"),
                _("{slope}·{x}: only x ≤ 0 is scaled").format(slope=slope, x=fmt_number(x)),
                slope * x,
            )
        )
    else:
        mistakes.append(
            Mistake(_("the clip at 6 forgotten"), f"max(0, {fmt_number(x)}) = {fmt_number(relu)}", relu)
        )
    question = (
        _("What is ReLU6 of x = {x}?")
        if name == "relu6"
        else _("What is LeakyReLU (slope {slope}) of x = {x}?")
    )
    return Problem(
        "activations",
        question.format(slope=slope, x=fmt_number(x)),
        value,
        (act.value_step(x, slope),),
        (_("{function}: {formula}.").format(function=act.label, formula=act.formula),),
        ("step", "activation", "--fn", name, "--x", fmt_number(x)),
        1e-9,
        distinct(value, mistakes),
    )


# -- softmax ------------------------------------------------------------------------------------------


def softmax_problem(rng: random.Random) -> Problem:
    n = rng.choice((3, 3, 4))
    logits = tuple(float(rng.choice((-1, 0, 0.5, 1, 1.5, 2, 3))) for _i in range(n))
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
                _("e^z not divided by the sum"),
                _("e^{z} = {value}; divide by Σ e^z so the probabilities add up to 1").format(
                    z=fmt_number(logits[label]), value=fmt_number(exp)
                ),
                _r3(exp),
            ),
        ]
        if sum(logits):
            mistakes.append(
                Mistake(
                    _("z divided by Σ z"),
                    _("{z}/{total}: softmax divides exponentials, not the logits themselves").format(
                        z=fmt_number(logits[label]), total=fmt_number(sum(logits))
                    ),
                    _r3(logits[label] / sum(logits)),
                )
            )
        answer = _r3(p)
        question = _(
            "Logits {logits}: what probability does softmax give class {label}? (3 decimals)"
        ).format(logits=shown, label=label)
    elif kind < 0.85:
        loss = trace.loss or 0.0
        p = trace.probabilities[label]
        top = trace.predicted
        mistakes = [
            Mistake(
                _("log base 10"),
                _("−log₁₀ {p} = {value}; cross-entropy uses the natural log, ln").format(
                    p=fmt_number(p), value=fmt_number(-math.log10(p))
                ),
                _r3(-math.log10(p)),
            ),
            Mistake(
                _("the minus sign dropped"),
                _("ln {p} = {value} is negative; the loss is −ln p").format(
                    p=fmt_number(p), value=fmt_number(math.log(p))
                ),
                _r3(math.log(p)),
            ),
            Mistake(
                _("the predicted class's probability used"),
                _(
                    "−ln p_{top} = {value} uses the largest probability; the loss uses the true class's, p_{label}"
                ).format(top=top, label=label, value=fmt_number(-math.log(trace.probabilities[top]))),
                _r3(-math.log(trace.probabilities[top])),
            ),
        ]
        answer = _r3(loss)
        question = _(
            "Logits {logits} and the true class {label}: what is the cross-entropy loss? (3 decimals)"
        ).format(logits=shown, label=label)
    else:
        other = (label + 1) % n
        grad = trace.gradient[other] if trace.gradient else 0.0
        p_other = trace.probabilities[other]
        mistakes = [
            Mistake(
                _("y subtracted where it is 0"),
                _("p_{other} − 1 = {value}; y is 1 only for the true class {label}").format(
                    other=other, label=label, value=fmt_number(p_other - 1)
                ),
                _r3(p_other - 1),
            ),
            Mistake(
                _("the logit used"),
                _("z_{other} = {value}; the gradient is p − y").format(
                    other=other, value=fmt_number(logits[other])
                ),
                logits[other],
            ),
        ]
        answer = _r3(grad)
        question = _(
            "Logits {logits} and the true class {label}: what is ∂L/∂z_{other}, the gradient of the "
            "cross-entropy loss with respect to logit {other}? (3 decimals)"
        ).format(logits=shown, label=label, other=other)
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
            _("the running statistics counted"),
            _(
                "4·{c} = {value} adds the running mean and variance: buffers, which Keras lists as non-trainable"
            ).format(c=c, value=4 * c),
            4 * c,
        ),
        Mistake(
            _("the running statistics left out"),
            _(
                "2·{c} = {value} counts γ and β only; Keras' summary() also lists the {value} moving mean and "
                "variance"
            ).format(c=c, value=2 * c),
            2 * c,
        ),
        Mistake(
            _("one value per channel"),
            _("{c} counts γ only; each channel has a scale γ and a shift β").format(c=c),
            c,
        ),
    ]
    question = (
        _(
            "A batch normalisation layer follows a convolution with {c} output channels. How many parameters "
            "does Keras' model.summary() list in all (trainable and not)?"
        )
        if keras
        else _(
            "A batch normalisation layer follows a convolution with {c} output channels. How many parameters "
            "does PyTorch count as trainable?"
        )
    )
    return Problem(
        "batchnorm",
        question.format(c=c),
        answer,
        p.steps,
        p.notes,
        ("net", f"input {c}x8x8 | bn"),
        mistakes=distinct(answer, mistakes),
    )


def _bn_normalise_problem(rng: random.Random) -> Problem:
    values = [rng.randint(0, 9) for _i in range(4)]
    while len(set(values)) == 1:
        values = [rng.randint(0, 9) for _i in range(4)]
    i = rng.randrange(4)
    trace = step_batchnorm([[v] for v in values], eps=1e-5)
    mean, var = trace.mean[0], trace.var[0]
    answer = _r3(float(trace.output[i, 0]))
    unbiased = var * 4 / 3
    mistakes = [
        Mistake(
            _("the unbiased variance used"),
            _("÷ (N − 1) gives {unbiased}; the batch is normalised with the variance ÷ N, {var}").format(
                unbiased=fmt_number(unbiased), var=fmt_number(var)
            ),
            _r3((values[i] - mean) / math.sqrt(unbiased + 1e-5)),
        ),
        Mistake(
            _("divided by the variance"),
            _("(x − μ)/σ² = {value}; divide by the standard deviation √(σ² + ε)").format(
                value=fmt_number((values[i] - mean) / var)
            ),
            _r3((values[i] - mean) / var),
        ),
        Mistake(
            _("the mean not subtracted"),
            f"x/√(σ² + ε) = {fmt_number(values[i] / math.sqrt(var + 1e-5))}",
            _r3(values[i] / math.sqrt(var + 1e-5)),
        ),
    ]
    batch = " ".join(map(str, values))
    steps = tuple(s for s in trace.sections[0].steps[:2])  # type: ignore[union-attr]
    steps += (trace.sections[0].steps[2 + 2 * i],)  # type: ignore[union-attr]
    return Problem(
        "batchnorm",
        _(
            "One channel of a batch holds {batch}. What is x̂ for the value {value} (sample {i}) after batch "
            "normalisation's (x − μ)/√(σ² + ε), with ε = 0.00001? (3 decimals)"
        ).format(batch=batch, value=values[i], i=i),
        answer,
        steps,
        (),
        ("step", "batchnorm", "--batch", "; ".join(map(str, values))),
        THREE_DECIMALS,
        distinct(answer, mistakes, THREE_DECIMALS),
    )


def _bn_running_problem(rng: random.Random) -> Problem:
    values = [rng.randint(0, 9) for _i in range(4)]
    m = rng.choice((0.1, 0.1, 0.01, 0.2))
    trace = step_batchnorm([[v] for v in values], momentum=m)
    mean = trace.mean[0]
    answer = _r3(trace.running_mean[0])
    mistakes = [
        Mistake(
            _("the momentum left out"),
            _("μ = {mean} is the batch mean; the running mean moves only {m} of the way towards it").format(
                mean=fmt_number(mean), m=fmt_number(m)
            ),
            _r3(mean),
        ),
        Mistake(
            _("momentum and 1 − momentum swapped"),
            _("(1 − {m})·μ = {value}; PyTorch's momentum is the weight of the new batch").format(
                m=fmt_number(m), value=fmt_number((1 - m) * mean)
            ),
            _r3((1 - m) * mean),
        ),
    ]
    return Problem(
        "batchnorm",
        _(
            "A batch normalisation layer starts with running_mean 0 and momentum {m} (PyTorch's convention). "
            "One training batch holds {batch} in a channel. What is that channel's running_mean after the "
            "step? (3 decimals)"
        ).format(m=fmt_number(m), batch=" ".join(map(str, values))),
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
                _("scaled by 1 − p"),
                _(
                    "{x}·(1 − {p}) = {value} is the original paper's rule at test time; PyTorch and Keras "
                    "divide by 1 − p while training"
                ).format(x=fmt_number(x), p=fmt_number(p), value=fmt_number(x * (1 - p))),
                x * (1 - p),
            ),
            Mistake(
                _("no scaling"),
                _("{x} unchanged is evaluation mode; in training kept values are scaled by 1/(1 − p)").format(
                    x=fmt_number(x)
                ),
                x,
            ),
            Mistake(
                _("divided by p"),
                _("{x}/{p} = {value}; the scale is 1/(1 − p), the inverse of the keep probability").format(
                    x=fmt_number(x), p=fmt_number(p), value=fmt_number(x / p)
                ),
                x / p,
            ),
        ]
        question = _(
            "Dropout with p = {p}, in training. An activation of {x} is kept: what value leaves the layer? "
            "(3 decimals)"
        ).format(p=fmt_number(p), x=fmt_number(x))
        step = Step("out", "x · 1/(1 − p)", f"{fmt_number(x)} · 1/(1 − {fmt_number(p)})", answer)
        tolerance = THREE_DECIMALS
        answer = _r3(answer)
    elif kind < 0.75:
        x = float(rng.choice((1, 2, 3, 4, 5, 6, 7, 8, 9)))
        answer = x
        mistakes = [
            Mistake(
                _("scaled in evaluation too"),
                _("{x}/(1 − {p}) = {value}; the scaling happens only in training").format(
                    x=fmt_number(x), p=fmt_number(p), value=fmt_number(x / (1 - p))
                ),
                _r3(x / (1 - p)),
            ),
            Mistake(_("dropping in evaluation"), _("0; in evaluation nothing is dropped"), 0.0),
        ]
        question = _(
            "Dropout with p = {p}, in evaluation mode (model.eval()). An activation of {x} comes in: what value "
            "leaves the layer? (3 decimals)"
        ).format(p=fmt_number(p), x=fmt_number(x))
        step = Step("out", "x", fmt_number(x), x, why=_("evaluation: the identity"))
        tolerance = THREE_DECIMALS
    else:
        units = rng.choice((50, 100, 128, 200, 256, 400, 512, 1000))
        answer = p * units
        mistakes = [
            Mistake(
                _("the kept ones counted"),
                _("(1 − {p})·{units} = {value} are kept on average").format(
                    p=fmt_number(p), units=units, value=fmt_number((1 - p) * units)
                ),
                (1 - p) * units,
            ),
        ]
        question = ngettext(
            "Dropout with p = {p} on a layer of {units:,} unit: how many units does it zero on average at each "
            "training step?",
            "Dropout with p = {p} on a layer of {units:,} units: how many units does it zero on average at each "
            "training step?",
            units,
        ).format(p=fmt_number(p), units=units)
        step = Step(_("dropped"), _("p · units"), f"{fmt_number(p)} · {units}", answer)
        tolerance = 1e-9
    return Problem(
        "dropout",
        question,
        answer,
        (step,),
        (_("Inverted dropout: E[out] = (1 − p)·x/(1 − p) = x, so evaluation needs no scaling."),),
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
            _("the stopping epoch given"),
            _(
                "training stops after epoch {stop}, but the weights kept are epoch {kept}'s, the lowest "
                "validation loss"
            ).format(stop=stop, kept=kept),
            stop,
        )
        if ask_kept
        else Mistake(
            _("the kept epoch given"),
            _(
                "epoch {kept} has the lowest loss, and its weights are kept, but training only stops after "
                "{patience} more without improvement, at epoch {stop}"
            ).format(kept=kept, patience=patience, stop=stop),
            kept,
        ),
        Mistake(
            _("the last epoch"),
            _("{epochs} is where training would end without early stopping").format(epochs=len(losses)),
            len(losses),
        ),
    ]
    step = Step(
        _("kept epoch") if ask_kept else _("stop after"),
        ngettext(
            "lowest validation loss, then {n} epoch without improvement",
            "lowest validation loss, then {n} epochs without improvement",
            patience,
        ).format(n=patience),
        _("lowest {loss} at epoch {epoch}").format(loss=f"{min(losses):.2f}", epoch=kept),
        answer,
    )
    question = (
        _(
            "Validation losses after epochs 1 to {epochs}: {losses}. Early stopping watches the validation loss "
            "with patience {patience} and restores the best weights: the weights of which epoch are kept?"
        )
        if ask_kept
        else _(
            "Validation losses after epochs 1 to {epochs}: {losses}. Early stopping watches the validation loss "
            "with patience {patience} and restores the best weights: after which epoch does training stop?"
        )
    )
    return Problem(
        "overfitting",
        question.format(epochs=len(losses), losses=shown, patience=patience),
        answer,
        (step,),
        (_("Note 004 §4.4: early stopping ends training once the validation loss stops improving."),),
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
        Mistake(
            _("the decay left out"),
            _("w − lr·g = {value} is plain SGD").format(value=fmt_number(w - lr * g)),
            _r3(w - lr * g),
        ),
        Mistake(
            _("the decay not scaled by lr"),
            _(
                "w − lr·g − λ·w = {value}; the penalty's gradient λ·w goes through the learning rate too"
            ).format(value=fmt_number(w - lr * g - lam * w)),
            _r3(w - lr * g - lam * w),
        ),
        Mistake(
            _("the decay added"),
            _("w − lr·(g − λ·w) = {value}; decay pulls w towards 0").format(
                value=fmt_number(w - lr * (g - lam * w))
            ),
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
        _(
            "SGD with learning rate {lr} and weight decay λ = {lam} (an L2 penalty, as torch.optim.SGD's "
            "weight_decay). A weight w = {w} has gradient {g}: what is w after the step? (3 decimals)"
        ).format(lr=fmt_number(lr), lam=fmt_number(lam), w=fmt_number(w), g=fmt_number(g)),
        answer,
        (step,),
        (_("Weight decay adds λ·w to every gradient: large weights shrink a little at every step."),),
        ("lesson", "overfitting"),
        THREE_DECIMALS,
        distinct(answer, mistakes, THREE_DECIMALS),
    )
