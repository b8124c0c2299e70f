"""The residual lesson: why skip connections help, why the shapes must match, what a projection costs.

Its numbers come from the engines when it is built: the gradients from the trainer
(`cnncalc.nn`: two 20-block networks, with and without shortcuts, one backward pass on 32 of the
built-in digits), the shapes and the mismatch from the walk, the parameter counts from
`cnncalc.arith.params` and the presets.

>>> lesson = build_residual()
>>> lesson.question.answer
8448
"""

from __future__ import annotations

import numpy as np

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.network import walk
from cnncalc.arith.params import bn_params, conv_params
from cnncalc.arith.presets import get_preset
from cnncalc.arith.sizes import layer_output
from cnncalc.arith.steps import Step, group_digits
from cnncalc.i18n import _
from cnncalc.lessons.guided import Lesson, Para, Question, Worked

BLOCKS = 20
BLOCK = "conv 8 k=3 p=1 | {act}"
# Note 004's Keras residual block, channels first: Input(shape=(64, 64, 3)), two 3×3 'valid' convs.
NOTE_004 = "input 3x64x64 | add( conv 64 k=3 | relu | conv 64 k=3 | relu ) | flatten"
NOTE_004_FIXED = "input 3x64x64 | add( conv 64 k=3 p=1 | relu | conv 64 k=3 p=1 | relu ; conv 64 k=1 bias=false | bn ) | flatten"


def stacks(act: str) -> tuple[str, str]:
    """(plain, residual): BLOCKS blocks of `BLOCK` after a first conv, each block of the residual
    one inside add( … ), which adds the block's input to it; both end in gap | fc 10."""
    block = BLOCK.format(act=act)
    plain = " | ".join([block] * BLOCKS)
    return (
        f"input 1x8x8 | conv 8 k=3 p=1 | {plain} | gap | fc 10",
        f"input 1x8x8 | conv 8 k=3 p=1 | add( {block} ) x{BLOCKS} | gap | fc 10",
    )


def block_gradients(spec: str, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """‖∂L/∂W‖ of the first block's conv and of the last block's, after one backward pass of the
    cross-entropy loss on (x, y), in float64 (the weights: seed 0, the same for both stacks)."""
    from cnncalc.nn.losses import softmax_cross_entropy
    from cnncalc.nn.model import build_model

    model = build_model(spec, classes=10, dtype=np.float64)
    _, grad = softmax_cross_entropy(model.forward(x, train=True), y)
    model.backward(grad)
    grads = model.named_grads()
    blocks = [layer for layer in model.layers if layer.kind == "conv"][1:]
    first, last = (float(np.linalg.norm(grads[f"{b.node_id}.weight"])) for b in (blocks[0], blocks[-1]))
    return first, last


def _sig(value: float) -> float:
    """Three significant digits: what the lesson shows."""
    return float(f"{value:.3g}")


def _gradient_steps(label: str, first: float, last: float, why_first: str) -> tuple[Step, ...]:
    """The last block's gradient, then the first's; `label` names a block of the stack ({block})."""
    return (
        Step(
            label.format(block=BLOCKS), "‖∂L/∂W‖", "", _sig(last), why=_("the block next to the classifier")
        ),
        Step(label.format(block=1), "‖∂L/∂W‖", "", _sig(first), why=why_first),
    )


def _gradient_path() -> tuple:
    from cnncalc.nn.data import load_digits

    digits = load_digits()
    x, y = np.asarray(digits.x_train[:32], np.float64), digits.y_train[:32]
    plain_sig, residual_sig = stacks("sigmoid")
    p_first, p_last = block_gradients(plain_sig, x, y)
    r_first, r_last = block_gradients(residual_sig, x, y)
    relu_first, relu_last = block_gradients(stacks("relu")[0], x, y)
    steps = _gradient_steps(
        _("plain, block {block}"),
        p_first,
        p_last,
        _(
            "{ratio} of block {last}'s: every sigmoid passes back at most 1/4 of its gradient (σ′ ≤ 1/4), "
            "{times} times over"
        ).format(ratio=f"{p_first / p_last:.1e}", last=BLOCKS, times=BLOCKS - 1),
    ) + _gradient_steps(
        _("residual, block {block}"),
        r_first,
        r_last,
        _("{ratio} of block {last}'s: the shortcuts carry the gradient past the blocks").format(
            ratio=f"{r_first / r_last:.2g}", last=BLOCKS
        ),
    )
    return (
        Worked(
            _(
                "{blocks} blocks of '{block}', without and with shortcuts: the gradient of the first and the "
                "last block's weights, one backward pass on 32 digits (cnncalc's trainer)"
            ).format(blocks=BLOCKS, block=BLOCK.format(act="sigmoid")),
            steps,
        ),
        Para(
            _(
                "Note 004 says residual connections solve vanishing gradients. With sigmoids that is what the "
                "numbers show. With ReLU and He initialisation (what the trainer uses) the plain stack's first "
                "block gets {ratio} of the last block's gradient: nothing vanishes at the start. What "
                "shortcuts fix there is that a deeper plain network trains worse than a shallower one (He et "
                "al., 2015); the usual explanation is that a residual block only has to learn the change "
                "F(x) = y − x, and starts near the identity."
            ).format(ratio=f"{relu_first / relu_last:.2g}")
        ),
    )


def _shapes() -> tuple:
    try:
        walk(NOTE_004)
    except CnnCalcError as e:
        mismatch = str(e)
    else:
        raise RuntimeError("note 004's residual block walked: its shapes were meant not to match")
    valid = layer_output("conv", (64, 64), 3)
    twice = layer_output("conv", valid.output, 3)
    padded = layer_output("conv", (64, 64), 3, 1, 1)
    projection = conv_params(3, 64, (1, 1), bias=False)
    fixed = walk(NOTE_004_FIXED)
    add = next(r for r in fixed.nodes if r.kind == "add")
    return (
        Para(
            _(
                "An add needs the same C×H×W from both of its inputs. Note 004's Keras block takes a 64×64 "
                "image with 3 channels (3×64×64, channels first) through two 3×3 convolutions of 64 filters "
                "without padding, then adds the image:"
            )
        ),
        Worked(_("the branch, conv after conv"), valid.steps[:1] + twice.steps[:1]),
        Para(
            _("{branch} against 3×64×64; the walk says: {mismatch}").format(
                branch=f"64×{twice.output[0]}×{twice.output[1]}", mismatch=mismatch
            )
        ),
        Worked(
            _("the two fixes, both needed here"),
            (
                *padded.steps[:1],
                *projection.steps,
                Step(
                    "+ BN",
                    "2·C",
                    "2·64",
                    bn_params(64).total,
                    why=_("the projection is batch-normalised like the branch"),
                ),
            ),
            (
                _("padding 1 ('same') keeps 64×64 through each 3×3 conv"),
                _("a 1×1 convolution on the shortcut (a projection) turns 3 channels into 64"),
                _("then both inputs of the add are {shape}").format(
                    shape="×".join(map(str, add.output_shape))
                ),
            ),
        ),
    )


def _projection_cost() -> tuple:
    net = walk(get_preset("resnet-18"))
    projections = []
    for res in net.nodes:
        if res.kind == "add" and all(res.node.branches):  # a shortcut with layers of its own
            shortcut = [net.result(i) for i in res.node.branches[-1]]
            projections.append((res.id, shortcut, sum(r.total_params for r in shortcut)))
    total = sum(p for _, _, p in projections)
    steps = tuple(
        Step(
            _("shortcut of {node}").format(node=node_id),
            " + ".join(r.describe() for r in shortcut),
            " + ".join(group_digits(r.total_params) for r in shortcut),
            params,
        )
        for node_id, shortcut, params in projections
    )
    return (
        Para(
            _(
                "An identity shortcut costs nothing: no weights, one addition per value. A projection costs a "
                "1×1 convolution: C_in·C_out weights, and a BN's 2·C_out. ResNet-18 has three, where a stage "
                "halves the map and doubles the channels:"
            )
        ),
        Worked(
            _("ResNet-18's projection shortcuts (cnncalc net --preset resnet-18)"),
            (
                *steps,
                Step(
                    _("share"),
                    _("projections / all parameters"),
                    f"{group_digits(total)} / {group_digits(net.total_params)}",
                    f"{total / net.total_params:.1%}",
                ),
            ),
        ),
    )


def build_residual() -> Lesson:
    cin, cout = 64, 128
    conv = conv_params(cin, cout, (1, 1), bias=False)
    bn = bn_params(cout)
    return Lesson(
        "residual",
        _("Skip connections: the gradient path, matching shapes, projection shortcuts"),
        (
            Para(
                _(
                    "A residual block adds its input back to what its layers compute: y = x + F(x) (ResNet's "
                    "shortcut; Keras' Add()([x, input]) in note 004). Backward, the add hands its gradient to "
                    "both: ∂L/∂x = ∂L/∂y · (1 + ∂F/∂x). The 1 is a path on which the gradient reaches the "
                    "earlier layers whatever the layers in between do to it."
                )
            ),
            *_gradient_path(),
            *_shapes(),
            *_projection_cost(),
        ),
        Question(
            _(
                "A ResNet stage halves a 56×56 map and doubles its channels from {cin} to {cout}, so the first "
                "block's shortcut is a projection: a 1×1 convolution with stride 2 and no bias, then batch "
                "norm. How many parameters does the shortcut have?"
            ).format(cin=cin, cout=cout),
            conv.total + bn.total,
            (
                *conv.steps,
                *bn.steps,
                Step(_("shortcut"), _("weights + BN"), f"{conv.total} + {bn.total}", conv.total + bn.total),
            ),
            _(
                "The stride changes the map, not the weights: a 1×1 kernel has one weight per input and output "
                "channel wherever it sits."
            ),
        ),
    )
