"""The trainer's renderers, printed into an 80-column console without colour, from hand-made data."""

import io

import numpy as np
import pytest
from rich.console import Console

from cnncalc.nn.gradcheck import GradCheckRow
from cnncalc.nn.metrics import class_metrics
from cnncalc.nn.training import EpochStats
from cnncalc.render.training import (
    block_mean,
    class_metrics_table,
    confusion_matrix,
    curves,
    epoch_line,
    epoch_table,
    fitted_heatmap,
    gradcheck_table,
    heatmap,
    print_feature_maps,
    print_input_image,
    print_prediction,
    probability_bars,
    sparkline,
)

HISTORY = [
    EpochStats(epoch=1, loss=1.23456, train_accuracy=0.5, test_accuracy=0.625, seconds=0.5),
    EpochStats(epoch=2, loss=0.5, train_accuracy=0.75, test_accuracy=0.875, seconds=1.25),
]


def plain_console() -> Console:
    return Console(file=io.StringIO(), width=80, color_system=None, no_color=True)


def render(renderable) -> list[str]:
    console = plain_console()
    console.print(renderable)
    return [line.rstrip() for line in console.file.getvalue().splitlines()]


def test_epoch_table_rows():
    lines = render(epoch_table(HISTORY))
    assert lines[0] == "Training"
    assert "┃ epoch ┃   loss ┃ train acc ┃ test acc ┃ seconds ┃" in lines
    assert "│     1 │ 1.2346 │    50.00% │   62.50% │    0.50 │" in lines
    assert "│     2 │ 0.5000 │    75.00% │   87.50% │    1.25 │" in lines


def test_epoch_line_for_the_live_display():
    assert epoch_line(HISTORY[1]) == "epoch   2  loss 0.5000  train  75.0%  test  87.5%  1.25 s"


def test_confusion_matrix_counts_pairs():
    labels = np.array([0, 0, 0, 1, 1, 2])
    predicted = np.array([0, 0, 1, 1, 1, 0])
    lines = render(confusion_matrix(labels, predicted, ("zero", "one", "two")))
    assert lines[0].startswith("Confusion matrix (rows:")  # the title wraps to the table's width
    assert "┃ true ┃ zero ┃ one ┃ two ┃" in lines
    # Row "zero": two right, one taken for "one"; row "two": its only image taken for "zero".
    assert "│ zero │    2 │   1 │   · │" in lines
    assert "│  one │    · │   2 │   · │" in lines
    assert "│  two │    1 │   · │   · │" in lines


def test_confusion_matrix_shortens_long_class_names():
    lines = render(confusion_matrix(np.array([1]), np.array([1]), ("T-shirt", "Trouser")))
    assert "┃  true ┃ T-shi ┃ Trous ┃" in lines
    assert "│ Trous │     · │     1 │" in lines


def test_curves_show_first_and_last_values():
    lines = render(curves([2.0, 1.5, 1.0, 0.5], HISTORY))
    assert lines[0] == "Curves"
    assert lines[1] == " loss (per step)  2.000  █▆▃▁  0.500"
    # Both accuracies on one scale, 50 % (the lowest) to 100 %: 87.5 % is 3/4 of the way up.
    assert lines[2] == " train accuracy   50.0%  ▁▄    75.0%"
    assert lines[3] == " test accuracy    62.5%  ▂▆    87.5%"


def test_curves_without_history_show_only_the_loss():
    lines = render(curves([0.75], []))
    assert len(lines) == 2 and "loss (per step)  0.750  ▁  0.750" in lines[1]


@pytest.mark.parametrize(
    ("values", "kwargs", "expected"),
    [
        ([], {}, ""),
        ([0.0, 1.0, 2.0, 3.0], {}, "▁▃▆█"),
        ([5.0, 5.0, 5.0], {}, "▁▁▁"),
        ([0.0, 0.0, 1.0, 1.0], {"width": 2}, "▁█"),  # each column is the mean of two values
        ([0.5], {"low": 0.0, "high": 1.0}, "▄"),
    ],
    ids=["empty", "rising", "flat", "resampled", "fixed-scale"],
)
def test_sparkline(values, kwargs, expected):
    assert sparkline(values, **kwargs) == expected


def test_heatmap_without_colour_uses_two_characters_per_pixel():
    text = heatmap(np.array([[0.0, 1.0], [0.5, 0.0]]), color=False)
    assert text.plain == "  @@\n==  "  # every pixel is drawn, blank ones too


@pytest.mark.parametrize("value", [0.0, 1.0, -3.0])
def test_heatmap_of_a_constant_image_draws_every_row_in_one_shade(value):
    text = heatmap(np.full((8, 8), value), color=False)
    assert text.plain.split("\n") == ["=" * 16] * 8


def test_heatmap_keeps_blank_rows_at_the_bottom():
    image = np.zeros((4, 3))
    image[0, 0] = 1.0
    assert text_rows(heatmap(image, color=False)) == ["@@    ", "      ", "      ", "      "]


def test_heatmap_in_colour_of_a_constant_image_draws_its_rows():
    assert heatmap(np.zeros((4, 4)), color=True).plain == "▀▀▀▀\n▀▀▀▀"


def text_rows(text):
    return text.plain.split("\n")


def test_heatmap_diverging_marks_negative_values():
    text = heatmap(np.array([[-2.0, 0.0, 2.0]]), color=False, diverging=True)
    assert text.plain == "-@   @"


def test_probability_bars_mark_predicted_and_true():
    lines = render(probability_bars(np.array([0.1, 0.9]), ("cat", "dog"), label=0, width=10))
    assert lines[0] == " cat  █                10.0%  ← true"
    assert lines[1] == " dog  █████████   90.0%  ← predicted"


def test_print_prediction_names_the_true_label_when_wrong():
    console = plain_console()
    print_prediction(console, "my image", np.eye(2), np.array([0.25, 0.75]), ("cat", "dog"), label=0)
    lines = [line.rstrip() for line in console.file.getvalue().splitlines()]
    assert lines[0] == "my image — true label cat"
    assert lines[1:3] == ["@@", "  @@"]  # the 2×2 identity: ink on the diagonal
    assert lines[-1] == "predicted dog (75.0%)  ✗ the true label is cat"


def test_gradcheck_table_shows_each_rows_tolerance_and_verdict():
    rows = [
        GradCheckRow("1", 1, "conv", "weight", 8, 0.25, 1e-9, tolerance=1.2e-6, passed=True),
        GradCheckRow("1", 1, "conv", "input", 8, 2.0, 1e-3, tolerance=3.0e-6, passed=False),
        GradCheckRow(
            "2", 2, "fc", "bias", 3, 1.0, 2e-5, tolerance=4.0e-5, passed=True, checked_as="fc 16 on 64"
        ),
        GradCheckRow("3.1", 0, "add", "branch 1", 8, 0.5, 2e-9, tolerance=1.0e-6, passed=True),
    ]
    lines = render(gradcheck_table(rows))
    assert "│ 1 conv  │ weight    │       8 │        0.25 │   1.00e-09 │   1.2e-06 │    ok │" in lines
    assert "│ 1 conv  │ input     │       8 │           2 │   1.00e-03 │   3.0e-06 │ CHECK │" in lines
    # above 10⁻⁵ yet within this row's own (noise-scaled) tolerance; * marks a smaller copy checked
    assert "│ 2 fc *  │ bias      │       3 │           1 │   2.00e-05 │   4.0e-05 │    ok │" in lines
    # a merge's row is named by its node id (a block's add: 3.1) and the branch it sends to
    assert "│ 3.1 add │ branch 1  │       8 │         0.5 │   2.00e-09 │   1.0e-06 │    ok │" in lines


VALIDATED = [
    EpochStats(1, 1.0, 0.5, None, 0.5, val_loss=0.75, val_accuracy=0.625, lr=0.01),
    EpochStats(2, 0.5, 0.75, None, 1.25, val_loss=0.25, val_accuracy=0.875, lr=0.001),
]


def test_a_validated_history_shows_validation_columns_and_the_changing_rate():
    lines = render(epoch_table(VALIDATED))
    assert "┃ epoch ┃   loss ┃ train acc ┃ val loss ┃ val acc ┃ seconds ┃    lr ┃" in lines
    assert "│     1 │ 1.0000 │    50.00% │   0.7500 │  62.50% │    0.50 │  0.01 │" in lines
    assert "│     2 │ 0.5000 │    75.00% │   0.2500 │  87.50% │    1.25 │ 0.001 │" in lines


def test_a_constant_rate_is_not_a_column():
    same = [EpochStats(1, 1.0, 0.5, 0.5, 0.5, lr=0.01), EpochStats(2, 0.5, 0.75, 0.75, 0.5, lr=0.01)]
    assert "lr" not in render(epoch_table(same))[1]


def test_epoch_line_with_a_validation_set():
    assert epoch_line(VALIDATED[1]) == (
        "epoch   2  loss 0.5000  train  75.0%  val loss 0.2500  val  87.5%  1.25 s  lr 0.001"
    )


def test_curves_draw_the_validation_accuracy_beside_the_training_accuracy():
    lines = render(curves([1.0, 0.5], VALIDATED))
    assert lines[2] == " train accuracy   50.0%  ▁▄  75.0%"
    assert lines[3] == " val accuracy     62.5%  ▂▆  87.5%"


def test_class_metrics_table_with_an_undefined_precision():
    # class c has one image and is never predicted: its precision is a share of nothing
    lines = render(
        class_metrics_table(class_metrics([0, 0, 0, 1, 1, 2], [0, 1, 0, 1, 1, 1], ("a", "b", "c")))
    )
    assert lines[0] == "Per class on the test set"
    assert "┃ class     ┃ images ┃ precision ┃ recall ┃    F1 ┃" in lines
    assert "│ a         │      3 │    100.0% │  66.7% │ 80.0% │" in lines  # TP 2, FP 0, FN 1
    assert "│ b         │      2 │     50.0% │ 100.0% │ 66.7% │" in lines  # TP 2, FP 2, FN 0
    assert "│ c         │      1 │         — │   0.0% │  0.0% │" in lines
    assert "│ macro avg │      6 │     75.0% │  55.6% │ 48.9% │" in lines  # (1 + ½)/2, (⅔ + 1 + 0)/3


def test_block_mean_keeps_the_mean_of_each_block_and_of_the_edges():
    values = np.arange(35.0).reshape(5, 7)
    shrunk = block_mean(values, 3)
    assert shrunk.shape == (2, 3)
    assert shrunk[0, 0] == values[:3, :3].mean() and shrunk[1, 2] == values[3:, 6:].mean()


@pytest.mark.parametrize("color", [False, True], ids=["ascii", "colour"])
@pytest.mark.parametrize("width", [100, 80, 33, 3])
def test_a_wide_picture_is_shrunk_by_the_smallest_factor_that_fits(color, width):
    picture, factor = fitted_heatmap(np.random.default_rng(0).random((100, 100)), color, width)
    per_pixel = 1 if color else 2
    cells = -(-100 // factor)
    assert cells * per_pixel <= max(width, per_pixel)
    assert factor == 1 or -(-100 // (factor - 1)) * per_pixel > width  # a smaller factor would not fit
    rows = picture.plain.split("\n")
    assert len(rows) == (-(-cells // 2) if color else cells)
    assert all(len(row) <= cells * per_pixel for row in rows)


def test_a_small_picture_keeps_its_enlargement_when_it_fits():
    picture, factor = fitted_heatmap(np.eye(8), True, 80, scale=2)
    assert factor == 1 and len(picture.plain.splitlines()[0]) == 16


def _printed(draw, width=80) -> list[str]:
    console = Console(file=io.StringIO(), width=width, color_system=None, no_color=True)
    draw(console)
    return console.file.getvalue().splitlines()


def test_a_large_image_fits_the_terminal_with_a_caption_saying_it_was_shrunk():
    image = np.random.default_rng(1).random((100, 100))
    probs = np.full(10, 0.1)
    lines = _printed(lambda c: print_prediction(c, "big test image 0", image, probs, list("0123456789"), 3))
    assert max(len(line) for line in lines) <= 80
    assert len(lines) < 60  # 34 picture rows, the caption, ten bars, the verdict
    assert (
        " ".join(lines).count("drawn at 1/3 of its size to fit 80 columns: each point is the mean of a 3×3")
        == 1
    )
    lines = _printed(lambda c: print_input_image(c, "big test image 0", "3", image))
    assert max(len(line) for line in lines) <= 80 and len(lines) == 1 + 34 + 2


def test_wide_feature_maps_are_shrunk_to_fit_their_panels():
    from cnncalc.nn.inspection import FeatureMaps

    maps = np.random.default_rng(2).random((2, 98, 98)).astype(np.float32)
    found = FeatureMaps(layer=1, description="conv 2 k=3", shape=(2, 98, 98), maps=maps)
    lines = _printed(lambda c: print_feature_maps(c, found))
    assert max(len(line) for line in lines) <= 80
    assert "drawn at 1/3 of its size to fit 76 columns" in " ".join(" ".join(lines).split())
    small = FeatureMaps(layer=1, description="conv 2 k=3", shape=(2, 6, 6), maps=maps[:, :6, :6])
    assert "drawn at" not in " ".join(_printed(lambda c: print_feature_maps(c, small)))
