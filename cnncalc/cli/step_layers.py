"""`step softmax | activation | gradient | linear | batchnorm | dropout`: the layers that are not
convolutions, every number written out. Registered on the `step` group of `cnncalc.cli.lessons`.

Each calls the Python API's function of the same name (`cnncalc.api.step`) and prints, or saves,
what it returns. NumPy and rich are imported inside the commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cnncalc.cli.errors import reported
from cnncalc.cli.options import NUMBER, JsonOpt
from cnncalc.cli.output import emit_json
from cnncalc.cli.tutor_output import HtmlOpt, SvgOpt, check_copies, open_screen, save_copies
from cnncalc.i18n import N_, _

if TYPE_CHECKING:
    from pathlib import Path

    from cnncalc.api.step import LayerSteps

TOUR = [
    (
        N_("Softmax and cross-entropy: exponentials, probabilities, the loss and its gradient p − y"),
        ["step", "softmax", "--logits", "2 1 0.1", "--label", "0"],
    ),
    (
        N_("Two linear layers with nothing between them are one layer (note 001)"),
        ["step", "linear"],
    ),
    (
        N_("The vanishing gradient: sigmoid against ReLU through ten layers (note 002)"),
        ["step", "gradient", "--fn", "sigmoid,relu", "--depth", "10"],
    ),
    (N_("Batch normalisation on a batch of three"), ["step", "batchnorm", "--batch", "1 2; 3 6; 5 4"]),
    (
        N_("Dropout: the mask, the 1/(1 − p) scaling, training against evaluation"),
        ["step", "dropout", "--p", "0.5"],
    ),
]


def _show(report: LayerSteps, json_: bool, svg: Path | None, html: Path | None, title: str) -> None:
    """--json: the trace's numbers and sections; otherwise its head line and sections, drawn."""
    if json_:
        emit_json(report.to_dict())
        return
    check_copies(svg, html)
    out = open_screen(record=bool(svg or html))
    out.print(report.renderable())
    save_copies(out, svg, html, title)


def step_softmax_command(
    logits: Annotated[
        str, typer.Option("--logits", "-z", help=_('The scores of the classes, e.g. "2 1 0.1".'))
    ] = "2 1 0.1",
    label: Annotated[
        int | None,
        typer.Option(
            "--label", "-y", help=_("The true class (0-based): adds the cross-entropy loss and p − y.")
        ),
    ] = None,
    json_: JsonOpt = False,
    svg: SvgOpt = None,
    html: HtmlOpt = None,
) -> None:
    """Softmax and cross-entropy: the exponentials, the probabilities, the loss and its gradient.

    \b
    Examples:
      cnncalc step softmax --logits "2 1 0.1" --label 0
      cnncalc step softmax --logits "1000 0 -5" --label 2      the stable form, when e^z overflows
      cnncalc step softmax --logits "3 1" --json
    """
    with reported("step softmax"):
        from cnncalc.api import step

        _show(step.step_softmax(logits=logits, label=label), json_, svg, html, "cnncalc step softmax")


def step_activation_command(
    x: Annotated[str, typer.Option("--x", help=_('The inputs, e.g. "-2 0 0.5 3".'))] = "-2 -0.5 0 0.5 2",
    fn: Annotated[
        str, typer.Option("--fn", help=_("Activations, by commas: relu, sigmoid, tanh, relu6, leakyrelu."))
    ] = "relu,sigmoid,tanh",
    slope: Annotated[
        float, typer.Option("--slope", help=_("Leaky ReLU's slope below 0."), click_type=NUMBER)
    ] = 0.01,
    json_: JsonOpt = False,
    svg: SvgOpt = None,
    html: HtmlOpt = None,
) -> None:
    """Activation functions: f(x) and its derivative f'(x) at each x, worked out.

    \b
    Examples:
      cnncalc step activation
      cnncalc step activation --fn sigmoid --x "0 2 5"
      cnncalc step activation --fn relu6,leakyrelu --x "-3 3 7" --slope 0.1
    """
    with reported("step activation"):
        from cnncalc.api import step

        _show(step.step_activation(x=x, fn=fn, slope=slope), json_, svg, html, "cnncalc step activation")


def step_gradient_command(
    fn: Annotated[
        str,
        typer.Option(
            "--fn", help=_("Activations to compare, by commas: relu, sigmoid, tanh, relu6, leakyrelu.")
        ),
    ] = "sigmoid,relu",
    depth: Annotated[int, typer.Option("--depth", "-n", help=_("Number of layers (1–100)."))] = 10,
    x: Annotated[float, typer.Option("--x", help=_("The input a_0."), click_type=NUMBER)] = 0.5,
    weight: Annotated[
        float, typer.Option("--weight", "-w", help=_("Every layer's weight."), click_type=NUMBER)
    ] = 1.0,
    bias: Annotated[
        float, typer.Option("--bias", "-b", help=_("Every layer's bias."), click_type=NUMBER)
    ] = 0.0,
    slope: Annotated[
        float, typer.Option("--slope", help=_("Leaky ReLU's slope below 0."), click_type=NUMBER)
    ] = 0.01,
    json_: JsonOpt = False,
    svg: SvgOpt = None,
    html: HtmlOpt = None,
) -> None:
    """The gradient through a chain of one-unit layers: how it vanishes with sigmoid, not with ReLU.

    Each layer computes a_i = f(w·a_(i−1) + b); backpropagation multiplies the gradient by f'(z)·w
    at every layer on its way down (note 002's vanishing gradient).

    \b
    Examples:
      cnncalc step gradient
      cnncalc step gradient --fn sigmoid,tanh,relu --depth 20
      cnncalc step gradient --fn relu --weight 1.5 --depth 10      an exploding gradient
    """
    with reported("step gradient"):
        from cnncalc.api import step

        _show(
            step.step_gradient(fn=fn, depth=depth, x=x, weight=weight, bias=bias, slope=slope),
            json_,
            svg,
            html,
            "cnncalc step gradient",
        )


def step_linear_command(
    x: Annotated[str | None, typer.Option("--x", help=_('The input vector, e.g. "1 -2".'))] = None,
    w1: Annotated[
        str | None, typer.Option("--w1", help=_('Layer 1\'s weights, one row per output: "1 2; 3 -1; -2 1".'))
    ] = None,
    b1: Annotated[str | None, typer.Option("--b1", help=_("Layer 1's biases (default: zeros)."))] = None,
    w2: Annotated[str | None, typer.Option("--w2", help=_("Layer 2's weights, one row per output."))] = None,
    b2: Annotated[str | None, typer.Option("--b2", help=_("Layer 2's biases (default: zeros)."))] = None,
    json_: JsonOpt = False,
    svg: SvgOpt = None,
    html: HtmlOpt = None,
) -> None:
    """Two linear layers with no activation between them are one linear layer: W = W₂W₁, b = W₂b₁ + b₂.

    Without options, a built-in example; with them, give --x, --w1 and --w2 (biases default to 0).
    A ReLU between the two layers breaks the collapse, as the last part shows.

    \b
    Examples:
      cnncalc step linear
      cnncalc step linear --x "1 2" --w1 "1 0; 0 -1" --w2 "1 1"
      cnncalc step linear --x "2 1 0" --w1 "1 2 0; 0 1 -1" --b1 "1 0" --w2 "2 -1; 1 1" --b2 "0 3"
    """
    with reported("step linear"):
        from cnncalc.api import step

        _show(step.step_linear(x=x, w1=w1, b1=b1, w2=w2, b2=b2), json_, svg, html, "cnncalc step linear")


def step_batchnorm_command(
    batch: Annotated[
        str,
        typer.Option(
            "--batch", help=_('N×C: one row per sample, one column per channel, e.g. "1 2; 3 6; 5 4".')
        ),
    ] = "1 2; 3 6; 5 4",
    gamma: Annotated[
        str | None, typer.Option("--gamma", help=_("The scale γ per channel (default: 1s)."))
    ] = None,
    beta: Annotated[
        str | None, typer.Option("--beta", help=_("The shift β per channel (default: 0s)."))
    ] = None,
    eps: Annotated[
        float, typer.Option("--eps", help=_("ε added to the variance."), click_type=NUMBER)
    ] = 1e-5,
    momentum: Annotated[
        float,
        typer.Option(
            "--momentum", help=_("Weight of the new batch in the running statistics."), click_type=NUMBER
        ),
    ] = 0.1,
    running_mean: Annotated[
        str | None, typer.Option("--running-mean", help=_("Running means before the step (default: 0s)."))
    ] = None,
    running_var: Annotated[
        str | None, typer.Option("--running-var", help=_("Running variances before the step (default: 1s)."))
    ] = None,
    json_: JsonOpt = False,
    svg: SvgOpt = None,
    html: HtmlOpt = None,
) -> None:
    """Batch normalisation: mean, variance, normalise, γ and β per channel; running statistics; evaluation.

    \b
    Examples:
      cnncalc step batchnorm
      cnncalc step batchnorm --batch "1; 3; 5; 7" --gamma 2 --beta 1
      cnncalc step batchnorm --batch "1 2; 3 6; 5 4" --momentum 0.5 --json
    """
    with reported("step batchnorm"):
        from cnncalc.api import step

        _show(
            step.step_batchnorm(
                batch=batch,
                gamma=gamma,
                beta=beta,
                eps=eps,
                momentum=momentum,
                running_mean=running_mean,
                running_var=running_var,
            ),
            json_,
            svg,
            html,
            "cnncalc step batchnorm",
        )


def step_dropout_command(
    input: Annotated[
        str, typer.Option("--input", "-i", help=_("The activations: rows separated by ';'."))
    ] = "1 2 3 4; 5 6 7 8",
    p: Annotated[
        float, typer.Option("--p", help=_("The probability that a value is dropped."), click_type=NUMBER)
    ] = 0.5,
    seed: Annotated[int, typer.Option("--seed", help=_("Seed of the random mask."))] = 0,
    mask: Annotated[
        str | None,
        typer.Option("--mask", help=_('Use this mask instead (1 kept, 0 dropped), e.g. "1 0 1 1".')),
    ] = None,
    json_: JsonOpt = False,
    svg: SvgOpt = None,
    html: HtmlOpt = None,
) -> None:
    """Dropout: the random mask, the 1/(1 − p) scaling of what is kept, training against evaluation.

    \b
    Examples:
      cnncalc step dropout
      cnncalc step dropout --input "2 4 6 8" --p 0.25 --seed 2
      cnncalc step dropout --input "1 2; 3 4" --p 0.5 --mask "1 0; 0 1"
    """
    with reported("step dropout"):
        from cnncalc.api import step

        _show(
            step.step_dropout(input=input, p=p, seed=seed, mask=mask),
            json_,
            svg,
            html,
            "cnncalc step dropout",
        )


def add_step_commands(step_app: typer.Typer) -> None:
    step_app.command("softmax")(step_softmax_command)
    step_app.command("activation")(step_activation_command)
    step_app.command("gradient")(step_gradient_command)
    step_app.command("linear")(step_linear_command)
    step_app.command("batchnorm")(step_batchnorm_command)
    step_app.command("dropout")(step_dropout_command)
