"""The trainer's pictures as self-contained SVG: the curves of a run, its confusion matrix as a
heatmap, and a model's filters and feature maps as images (standard library only).

`train --plot FILE` and `show filters|maps --out FILE` write these; the HTML forms are the same
SVG inside `render.page.html_page`. Every number drawn is one the run or the model holds: nothing
is smoothed without saying so (a long run's loss is drawn as the mean of every k steps, and the
caption says k).

>>> svg = images_svg("filters", [("layer 1: conv 2 k=2", [[[1.0, -1.0], [0.0, 0.5]]])], diverging=True)
>>> svg.count('class="image"')
1
"""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.i18n import _
from cnncalc.render.svg import COLOURS, Element, Series, document, el, heatmap, line_plot, mix, text

# a polyline of more points than this is drawn as means of equal runs of steps
MAX_POINTS = 600
PLOT_W, PLOT_H = 400.0, 200.0


def step_means(losses: Sequence[float], limit: int = MAX_POINTS) -> tuple[list[float], list[float], int]:
    """(x, y, k): the loss of each step, or when there are more than `limit` steps the mean of each
    run of k consecutive steps (x is the run's last step, counted from 1).

    >>> step_means([4.0, 2.0, 3.0, 1.0], limit=2)
    ([2.0, 4.0], [3.0, 2.0], 2)
    """
    k = max(1, -(-len(losses) // limit))
    xs, ys = [], []
    for start in range(0, len(losses), k):
        run = losses[start : start + k]
        xs.append(float(start + len(run)))
        ys.append(sum(run) / len(run))
    return xs, ys, k


def training_plot_svg(
    history: Sequence[dict],
    losses: Sequence[float],
    confusion: Sequence[Sequence[int]],
    class_names: Sequence[str],
    title: str,
) -> str:
    """Loss per step, accuracy per epoch (train and test) and the test set's confusion matrix.

    `history` holds each epoch's `loss`, `train_accuracy`, `test_accuracy` (as `--json` prints
    them); `losses` every step's loss; `confusion[i][j]` counts test images of class i predicted
    as j.
    """
    parts: list[Element] = [text(24, 30, title, 16, font_weight="bold")]
    top = 60.0
    if losses:
        xs, ys, k = step_means(losses)
        name = _("loss per step") if k == 1 else _("loss (mean of {k} steps)").format(k=k)
        parts.append(line_plot([Series(name, xs, ys)], 70, top, PLOT_W, PLOT_H, _("step"), _("loss")))
    epochs = [float(i + 1) for i in range(len(history))]
    if epochs:
        curves = [
            Series(_("train accuracy"), epochs, [100 * h["train_accuracy"] for h in history]),
            Series(_("test accuracy"), epochs, [100 * h["test_accuracy"] for h in history]),
        ]
        if len(epochs) == 1:  # one epoch is a point: draw it as a short level line
            curves = [Series(s.name, [0.0, 1.0], [s.ys[0]] * 2) for s in curves]
        parts.append(line_plot(curves, 580, top, PLOT_W, PLOT_H, _("epoch"), _("accuracy (%)"), whole_x=True))
    matrix_top = top + PLOT_H + 80
    block, height = _confusion(confusion, class_names, 24, matrix_top)
    parts.append(block)
    return document(
        1020,
        matrix_top + height + 24,
        parts,
        title=title,
        description=_("Training curves and the test set's confusion matrix, drawn by cnncalc"),
    )


def _confusion(
    confusion: Sequence[Sequence[int]], class_names: Sequence[str], x: float, y: float
) -> tuple[Element, float]:
    n = len(confusion)
    cell = max(18.0, min(40.0, 440.0 / max(n, 1)))
    label_w = 8.0 * max((len(c) for c in class_names), default=1) + 16
    group = el("g", class_="confusion")
    group.add(
        text(x, y, _("confusion matrix (test set): rows are the true class, columns the prediction"), 13)
    )
    left, top = x + label_w, y + 24 + label_w
    for i, name in enumerate(class_names):
        group.add(text(left - 8, top + (i + 0.62) * cell, name, 11, "end"))
        cx, cy = left + (i + 0.5) * cell, top - 8
        group.add(text(cx, cy, name, 11, "start", transform=f"rotate(-60 {cx:.2f} {cy:.2f})"))
    if n:
        biggest = max(max(row) for row in confusion) or 1
        group.add(heatmap(confusion, left, top, cell, vmin=0, vmax=biggest, labels=True, fmt="{:d}"))
    return group, 24 + label_w + n * cell


def images_svg(
    title: str,
    panels: Sequence[tuple[str, Sequence[Sequence[Sequence[float]]]]],
    diverging: bool,
    subtitle: str = "",
) -> str:
    """Rows of small images, one row per panel (a caption and its matrices).

    `diverging` colours signed values (filters: negative blue, 0 white, positive red, one scale per
    filter, symmetric about 0); otherwise each image is grey from its minimum (black) to its
    maximum (white), as feature maps are usually shown.
    """
    parts: list[Element] = [text(24, 30, title, 16, font_weight="bold")]
    y = 56.0
    if subtitle:
        parts.append(text(24, 52, subtitle, 12, fill=COLOURS.muted))
        y += 16
    width = max(400.0, 24 + 9.5 * len(title), 24 + 7 * len(subtitle))
    for caption, images in panels:
        parts.append(text(24, y + 14, caption, 13))
        y += 24
        x = 24.0
        size = max((max(len(m), len(m[0]) if m else 0) for m in images), default=1)
        cell = max(4.0, min(24.0, 96.0 / max(size, 1)))
        tallest = 0.0
        for image in images:
            parts.append(_image(image, x, y, cell, diverging))
            x += len(image[0]) * cell + 12 if image else 12
            tallest = max(tallest, len(image) * cell)
        width = max(width, x + 12)
        y += tallest + 24
    return document(
        width, y, parts, title=title, description=_("Images drawn by cnncalc from the model's numbers")
    )


def _image(values: Sequence[Sequence[float]], x: float, y: float, cell: float, diverging: bool) -> Element:
    flat = [v for row in values for v in row]
    if not diverging:
        block = heatmap(values, x, y, cell, low="#000000", high="#ffffff", fmt="{:.4g}")
    else:
        scale = max((abs(v) for v in flat), default=0.0) or 1.0
        block = el("g")
        for r, row in enumerate(values):
            for c, v in enumerate(row):
                colour = mix("#ffffff", "#b2182b" if v > 0 else "#2166ac", abs(v) / scale)
                rect = el("rect", x=x + c * cell, y=y + r * cell, width=cell, height=cell, fill=colour)
                rect.add(el("title", f"{v:.4g}"))
                block.add(rect)
    frame = el(
        "rect",
        x=x,
        y=y,
        width=len(values[0]) * cell if values else 0,
        height=len(values) * cell,
        fill="none",
        stroke=COLOURS.axis,
        stroke_width=0.5,
    )
    return el("g", "", block, frame, class_="image")
