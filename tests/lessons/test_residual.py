"""The residual lesson: its gradients are the trainer's, its shapes the walk's, its counts arith's."""

from __future__ import annotations

import numpy as np
import pytest

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.network import walk
from cnncalc.arith.params import bn_params, conv_params
from cnncalc.arith.presets import get_preset
from cnncalc.lessons.guided import Para, Worked, build_lesson
from cnncalc.lessons.residual import NOTE_004, NOTE_004_FIXED, block_gradients, stacks
from cnncalc.nn.data import load_digits
from cnncalc.nn.model import build_model


@pytest.fixture(scope="module")
def lesson():
    return build_lesson("residual")


def _steps(lesson, title_start: str) -> dict[str, object]:
    worked = next(b for b in lesson.blocks if isinstance(b, Worked) and b.title.startswith(title_start))
    return {s.label: s.value for s in worked.steps}


def test_the_two_stacks_start_from_the_same_weights():
    plain, residual = (build_model(s, classes=10) for s in stacks("sigmoid"))
    convs = [
        [layer.params["weight"] for layer in m.layers if layer.kind == "conv"] for m in (plain, residual)
    ]
    assert len(convs[0]) == len(convs[1]) == 21
    for a, b in zip(*convs, strict=True):
        np.testing.assert_array_equal(a, b)
    assert sum(layer.kind == "add" for layer in residual.layers) == 20


def test_the_gradients_shown_are_the_trainers_and_say_what_the_text_says(lesson):
    digits = load_digits()
    x, y = np.asarray(digits.x_train[:32], np.float64), digits.y_train[:32]
    shown = _steps(lesson, "20 blocks")
    plain, residual = stacks("sigmoid")
    for name, spec in (("plain", plain), ("residual", residual)):
        first, last = block_gradients(spec, x, y)
        assert shown[f"{name}, block 1"] == pytest.approx(first, rel=5e-3)
        assert shown[f"{name}, block 20"] == pytest.approx(last, rel=5e-3)
    # the words: the plain stack's first block gets almost nothing, the residual one a good share
    assert shown["plain, block 1"] / shown["plain, block 20"] < 1e-6
    assert shown["residual, block 1"] / shown["residual, block 20"] > 0.05
    relu_first, relu_last = block_gradients(stacks("relu")[0], x, y)
    assert relu_first / relu_last > 0.1  # "nothing vanishes at the start"
    text = " ".join(b.text for b in lesson.blocks if isinstance(b, Para))
    assert f"gets {relu_first / relu_last:.2g} of the last block's gradient" in text


def test_note_004s_shapes_do_not_meet_and_the_fixes_make_them(lesson):
    with pytest.raises(CnnCalcError) as caught:
        walk(NOTE_004)
    text = " ".join(b.text for b in lesson.blocks if isinstance(b, Para))
    assert str(caught.value) in text and "64×60×60" in text and "3×64×64" in text
    fixed = walk(NOTE_004_FIXED)
    assert [r.output_shape for r in fixed.nodes if r.kind == "add"] == [(64, 64, 64)]
    fixes = _steps(lesson, "the two fixes")
    assert fixes["H_out"] == 64 and fixes["weights"] == 3 * 64 and fixes["+ BN"] == 2 * 64


def test_projection_costs_come_from_the_resnet_18_preset(lesson):
    cost = _steps(lesson, "ResNet-18's projection")
    each = [conv_params(c, 2 * c, (1, 1), bias=False).total + bn_params(2 * c).total for c in (64, 128, 256)]
    assert [cost[f"shortcut of {i}.1.1"] for i in (6, 7, 8)] == each
    assert cost["share"] == f"{sum(each) / walk(get_preset('resnet-18')).total_params:.1%}"
    assert lesson.question.answer == conv_params(64, 128, (1, 1), bias=False).total + bn_params(128).total
