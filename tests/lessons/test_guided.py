"""Guided lessons: every lesson builds, its numbers come from the engines, its question is graded."""

from __future__ import annotations

import pytest

from cnncalc.arith.errors import UsageError
from cnncalc.arith.network import walk
from cnncalc.arith.params import conv_params, fc_params
from cnncalc.arith.sizes import layer_output, same_padding, tconv_output_size
from cnncalc.lessons.guided import LESSONS, ConvShow, Para, build_lesson, check_answer


@pytest.mark.parametrize("name", list(LESSONS))
def test_every_lesson_builds_with_a_question(name: str) -> None:
    lesson = build_lesson(name)
    assert lesson.name == name and lesson.title == LESSONS[name][0]
    assert any(isinstance(b, Para) for b in lesson.blocks)
    assert lesson.question.prompt.endswith("?")
    assert check_answer(lesson.question, str(lesson.question.answer)) is True
    assert check_answer(lesson.question, str(lesson.question.answer + 1)) is False
    assert check_answer(lesson.question, None) is None
    assert lesson.to_dict()["question"]["answer"] == lesson.question.answer


@pytest.mark.parametrize(
    ("name", "want"),
    [
        ("padding", same_padding(32, 7)[0]),
        ("stride", layer_output("conv", (15, 15), 3, 2).output[0]),
        ("pooling", layer_output("maxpool", (18, 18), 4).output[0]),
        ("params", conv_params(3, 192, (3, 3)).weights),
        ("rf", walk("conv 1 k=3 | maxpool k=2 | conv 1 k=3").receptive_field[0]),
        ("fc", fc_params(576, 10).total),
        ("tconv", tconv_output_size(7, 3, 2, 1, output_padding=1)),
    ],
    ids=lambda v: str(v),
)
def test_answers_come_from_the_core(name: str, want: int) -> None:
    assert build_lesson(name).question.answer == want


def test_conv_lesson_shows_d2l_and_asks_a_computed_cell() -> None:
    lesson = build_lesson("conv")
    shows = [b for b in lesson.blocks if isinstance(b, ConvShow)]
    assert shows[0].trace.output_list() == [[19, 25], [37, 43]]
    assert "0×0 + 1×1 + 3×2 + 4×3 = 19" in " ".join(b.text for b in lesson.blocks if isinstance(b, Para))
    # input 1 2 0; 0 1 3; 2 1 1, kernel 1 0; 0 1 → cell (1, 1) = 1×1 + 1×1 = 2
    assert lesson.question.answer == 2


def test_course_note_mistakes_are_named_with_computed_numbers() -> None:
    padding = " ".join(b.text for b in build_lesson("padding").blocks if isinstance(b, Para))
    assert "(n − p)/s + 1" in padding and "(28 − 2)/1 + 1 = 27" in padding
    stride = " ".join(b.text for b in build_lesson("stride").blocks if isinstance(b, Para))
    assert "a smaller stride gives a LARGER output, not a smaller one as note 000 (§2) says" in stride
    assert "24×4×4" in build_lesson("pooling").question.explain


def test_unknown_lesson() -> None:
    with pytest.raises(UsageError, match="lesson 'nope' is not one of conv"):
        build_lesson("nope")


# -- the lessons on the rest of the notes (issue 12) --------------------------------------------------


def _text(lesson) -> str:
    return " ".join(b.text for b in lesson.blocks if isinstance(b, Para))


def test_new_lessons_answers_come_from_the_engines() -> None:
    from cnncalc.arith.params import bn_params
    from cnncalc.lessons.overfitting import early_stop_epoch, overfitting_experiment
    from cnncalc.lessons.softmax import step_softmax

    assert build_lesson("activations").question.answer == fc_params(4, 2).total
    assert build_lesson("softmax").question.answer == round(step_softmax([1, 2, 3], 0).loss, 3)
    assert build_lesson("batchnorm").question.answer == bn_params(64).total
    assert build_lesson("dropout").question.answer == 4 / (1 - 0.2)
    losses = [round(e.val_loss, 3) for e in overfitting_experiment().run("plain").history[:10]]
    assert build_lesson("overfitting").question.answer == early_stop_epoch(losses, 2)[1]
    assert build_lesson("pool-why").question.answer == fc_params(32 * 7 * 7, 10).total


def test_a_question_to_three_decimals_accepts_its_rounding() -> None:
    q = build_lesson("softmax").question
    assert q.tolerance == 0.001
    assert check_answer(q, f"{q.answer + 0.0008:.4f}") is True
    assert check_answer(q, f"{q.answer + 0.003:.3f}") is False


def test_pool_why_shows_the_shift_the_min_pool_and_the_parameters() -> None:
    from cnncalc.lessons.blocks import Table
    from cnncalc.lessons.guided import PoolShow

    lesson = build_lesson("pool-why")
    shift, params = (b for b in lesson.blocks if isinstance(b, Table))
    assert [r[2] for r in shift.rows] == ["same as column 0", "same as column 0", "changed"]
    (minpool,) = (b for b in lesson.blocks if isinstance(b, PoolShow))
    assert minpool.trace.op == "min"
    plain = walk("input 1x28x28 | conv 16 k=5 p=2 | relu | flatten | fc 10").total_params
    pooled = walk("input 1x28x28 | conv 16 k=5 p=2 | relu | maxpool k=2 | flatten | fc 10").total_params
    assert [r[-1] for r in params.rows] == [f"{plain:,}", f"{pooled:,}"]
    assert "only the layers after it that depend on the map's size get fewer" in _text(lesson)


def test_the_fc_lesson_corrects_note_001s_hundred_parameters() -> None:
    text = _text(build_lesson("fc"))
    assert "一个100参数的全连接层" in text and "the 100 is its number of outputs" in text
    assert "it has 38,500 parameters" in text


def test_lesson_rf_lines_name_their_layer() -> None:
    steps = build_lesson("rf").question.steps
    assert [s.label for s in steps] == [
        "layer 3 (conv 1 k=3) RF",
        "layer 2 (maxpool k=2) RF",
        "layer 1 (conv 1 k=3) RF",
    ]
