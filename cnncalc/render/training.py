"""Rich renderables for the tiny trainer: progress, epoch table, curves, confusion matrix, per-class
precision, recall and F1, pictures.

Everything here draws data that `cnncalc.nn` computed — the epoch history, per-step losses, the
test predictions and their per-class metrics, class probabilities, filters, feature maps,
gradient-check rows — and computes nothing a learner would read as a result (the confusion matrix
only counts the given predictions).

Pictures (`heatmap`) read the same without colour: an ASCII ramp of two characters per pixel
instead of coloured half blocks, so that `NO_COLOR=1` output and pasted text still show the digit.
Functions named `print_…` write to the console they are given, because what they draw depends on
whether that console has colour; the others return renderables.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from rich.columns import Columns
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from cnncalc.i18n import _
from cnncalc.render.console import prose, save_export
from cnncalc.render.text import command, option, reads_python

if TYPE_CHECKING:
    from cnncalc.nn.gradcheck import GradCheckRow
    from cnncalc.nn.inspection import ConvFilters, FeatureMaps
    from cnncalc.nn.metrics import ClassMetrics
    from cnncalc.nn.training import EpochStats, Trainer, TrainResult

SPARKS = "▁▂▃▄▅▆▇█"
ASCII_RAMP = " .:-=+*#%@"
# The columns a panel's border and padding take around its picture (filters, feature maps).
PANEL_FRAME = 4


# -- consoles and SVG ---------------------------------------------------------------------------------


def console_for(svg: Path | None = None) -> Console:
    """The terminal, or with an SVG path a recording console in true colour whose output goes only
    to the file (written by `export_svg`)."""
    if svg is not None:
        return Console(
            record=True, force_terminal=True, color_system="truecolor", width=100, file=io.StringIO()
        )
    return Console()


def export_svg(console: Console, svg: Path) -> Path:
    """Write what the recording `console_for(svg)` printed to `svg`, atomically."""
    return save_export(console, svg, "svg", title="cnncalc")


def _is_color(console: Console) -> bool:
    return console.color_system is not None


# -- training -------------------------------------------------------------------------------------


def training_header(trainer: Trainer) -> str:
    """'Training 43,050 parameters on digits (1438 train / 359 test images, adam lr=0.002, batch 32)',
    with the validation images and each option the run uses."""
    s, data = trainer.settings, trainer.data
    counts = {"train": len(data.y_train), "test": len(data.y_test)}
    if data.y_val is not None:
        images = _("{train} train / {validation} validation / {test} test images").format(
            validation=len(data.y_val), **counts
        )
    else:
        images = _("{train} train / {test} test images").format(**counts)
    # each setting the run uses, a phrase of its own in a list
    extras = [f"{s.optimizer} lr={s.lr:g}"]
    if s.momentum:
        extras.append(_("momentum {momentum}").format(momentum=f"{s.momentum:g}"))
    if s.weight_decay:
        extras.append(_("weight decay {decay}").format(decay=f"{s.weight_decay:g}"))
    extras.append(_("batch {size}").format(size=s.batch_size))
    if s.lr_schedule:
        extras.append(_("{schedule} schedule").format(schedule=s.lr_schedule))
    if s.early_stop:
        extras.append(_("early stop after {epochs} epochs without improvement").format(epochs=s.early_stop))
    if s.augment and s.flip:
        extras.append(_("augmented: shifts and flips"))
    elif s.augment:
        extras.append(_("augmented: shifts"))
    elif s.flip:
        extras.append(_("augmented: flips"))
    return _("Training {parameters} parameters on {data} ({images}, {settings})").format(
        parameters=f"{trainer.model.parameter_count:,}",
        data=data.name,
        images=images,
        settings=_(", ").join(extras),
    )


def epoch_line(stats: EpochStats) -> str:
    """One finished epoch on one line, printed above the live bar: its validation loss and accuracy
    with a validation set, else its test accuracy."""
    measured = (
        _("val loss {loss}  val {accuracy}").format(
            loss=f"{stats.val_loss:.4f}", accuracy=f"{stats.val_accuracy:6.1%}"
        )
        if stats.val_loss is not None and stats.val_accuracy is not None
        else _("test {accuracy}").format(accuracy=f"{stats.test_accuracy:6.1%}")
        if stats.test_accuracy is not None
        else ""
    )
    rate = _("  lr {lr}").format(lr=f"{stats.lr:.3g}") if stats.lr is not None else ""
    return (
        _("epoch {epoch}  loss {loss}  train {train}  {measured}  {seconds} s").format(
            epoch=f"{stats.epoch:>3}",
            loss=f"{stats.loss:.4f}",
            train=f"{stats.train_accuracy:6.1%}",
            measured=measured,
            seconds=f"{stats.seconds:.2f}",
        )
        + rate
    )


def _validated(history: Sequence[EpochStats]) -> bool:
    return bool(history) and all(h.val_loss is not None for h in history)


def epoch_table(history: Sequence[EpochStats]) -> Table:
    """One row per epoch: mean training loss, train accuracy, then the validation loss and accuracy
    (with a validation set) or the test accuracy, seconds, and the learning rate when it changed."""
    validated = _validated(history)
    rates = {h.lr for h in history}
    show_lr = len(rates) > 1
    table = Table(title=_("Training"), title_justify="left")
    names = [_("epoch"), _("loss"), _("train acc")]
    names += [_("val loss"), _("val acc")] if validated else [_("test acc")]
    names += [_("seconds")] + ([_("lr")] if show_lr else [])
    for name in names:
        table.add_column(name, justify="right")
    for h in history:
        cells = [str(h.epoch), f"{h.loss:.4f}", f"{h.train_accuracy:.2%}"]
        if validated:
            cells += [f"{h.val_loss:.4f}", f"{h.val_accuracy:.2%}"]
        else:
            cells.append(f"{h.test_accuracy:.2%}" if h.test_accuracy is not None else "—")
        cells.append(f"{h.seconds:.2f}")
        if show_lr:
            cells.append(f"{h.lr:.3g}" if h.lr is not None else "—")
        table.add_row(*cells)
    return table


def class_metrics_table(metrics: ClassMetrics) -> Table:
    """Per class: images, precision, recall and F1 (— where a share of nothing would be needed),
    and their macro averages (every class counting the same)."""
    table = Table(title=_("Per class on the test set"), title_justify="left")
    table.add_column(_("class"))
    for name in (_("images"), _("precision"), _("recall"), "F1"):
        table.add_column(name, justify="right")

    def pct(v: float | None) -> str:
        return f"{v:.1%}" if v is not None else "—"

    for r in metrics.rows:
        table.add_row(r.name, str(r.support), pct(r.precision), pct(r.recall), pct(r.f1))
    table.add_section()
    table.add_row(
        _("macro avg"),
        str(sum(r.support for r in metrics.rows)),
        pct(metrics.macro_precision),
        pct(metrics.macro_recall),
        pct(metrics.macro_f1),
    )
    return table


def sparkline(
    values: Sequence[float], width: int = 40, low: float | None = None, high: float | None = None
) -> str:
    """Values resampled to at most `width` columns (the mean of each equal slice), each drawn as one
    of 8 bar heights between `low` and `high` (default: the smallest and largest mean).

    >>> sparkline([0.0, 1.0, 2.0, 3.0])
    '▁▃▆█'
    """
    if not values:
        return ""
    n = len(values)
    cols = min(width, n) if n > 1 else 1
    means = []
    for i in range(cols):
        start = i * n // cols
        end = max((i + 1) * n // cols, start + 1)
        means.append(sum(values[start:end]) / (end - start))
    lo = min(means) if low is None else low
    hi = max(means) if high is None else high
    span = hi - lo or 1.0
    return "".join(SPARKS[min(7, max(0, int((v - lo) / span * 7.999)))] for v in means)


def curves(losses: Sequence[float], history: Sequence[EpochStats]) -> Table:
    """The per-step loss and the per-epoch accuracies as sparklines, first value left, last right.

    Both accuracy lines share one scale (from the lowest accuracy to 100 %) so they can be compared.
    """
    table = Table(title=_("Curves"), title_justify="left", show_header=False, box=None, padding=(0, 1))
    table.add_column(justify="left")
    table.add_column(justify="right")
    table.add_column()
    table.add_column(justify="left")
    table.add_row(_("loss (per step)"), f"{max(losses):.3f}", sparkline(losses), f"{losses[-1]:.3f}")
    if history:
        train = [h.train_accuracy for h in history]
        validated = _validated(history)
        other = [h.val_accuracy if validated else h.test_accuracy for h in history]
        measured = [v for v in other if v is not None]
        lo = min(train + measured)
        table.add_row(
            _("train accuracy"), f"{train[0]:.1%}", sparkline(train, low=lo, high=1.0), f"{train[-1]:.1%}"
        )
        if measured:
            label = _("val accuracy") if validated else _("test accuracy")
            table.add_row(
                label, f"{measured[0]:.1%}", sparkline(measured, low=lo, high=1.0), f"{measured[-1]:.1%}"
            )
    return table


def confusion_counts(labels: np.ndarray, predicted: np.ndarray, classes: int) -> list[list[int]]:
    """`counts[i][j]`: how many images of class i were predicted as class j.

    >>> confusion_counts(np.array([0, 0, 1]), np.array([0, 1, 1]), 2)
    [[1, 1], [0, 1]]
    """
    counts = np.zeros((classes, classes), np.int64)
    np.add.at(counts, (labels, predicted), 1)
    return counts.tolist()


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, class_names: Sequence[str]) -> Table:
    """Counts of (true class, predicted class); the diagonal is right, a zero shows as '·'."""
    k = len(class_names)
    counts = np.asarray(confusion_counts(labels, predicted, k))
    table = Table(title=_("Confusion matrix (rows: true class, columns: predicted)"), title_justify="left")
    table.add_column(_("true"), justify="right")
    short = [name[:5] for name in class_names]
    for name in short:
        table.add_column(name, justify="right")
    for i in range(k):
        cells = []
        for j in range(k):
            v = int(counts[i, j])
            text = str(v) if v else "·"
            cells.append(f"[bold green]{text}[/]" if i == j else (f"[red]{text}[/]" if v else text))
        table.add_row(short[i], *cells)
    return table


class TrainingView:
    """What a person sees while `Trainer.run` works: the header, then a live bar when the console
    is a terminal, with one line per finished epoch above it. Pass `step_done` and `epoch_done` as
    the trainer's callbacks; `training_summary` draws the end of the run."""

    def __init__(self, console: Console, trainer: Trainer, total_steps: int) -> None:
        self.console = console
        self.trainer = trainer
        self.total_steps = total_steps
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    def start(self) -> None:
        header = training_header(self.trainer)
        # Chinese wraps between characters (prose); English keeps rich's own wrapping and highlighting
        self.console.print(header if header.isascii() else prose(header))
        if not self.console.is_terminal:
            return
        self.progress = Progress(
            TextColumn(_("epoch {task.fields[epoch]}")),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(_("loss {task.fields[loss]:.4f}  acc {task.fields[acc]:.1%}")),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self.task = self.progress.add_task(
            "train", total=self.total_steps, epoch=self.trainer.epoch + 1, loss=0.0, acc=0.0
        )
        self.progress.start()

    def step_done(self, trainer: Trainer, loss: float) -> None:
        if self.progress is not None and self.task is not None:
            p = trainer.progress
            self.progress.update(
                self.task,
                advance=1,
                epoch=trainer.epoch + 1,
                loss=p.loss_sum / max(p.seen, 1),
                acc=p.correct / max(p.seen, 1),
            )

    def epoch_done(self, stats: EpochStats) -> None:
        if self.progress is None:  # not a terminal: the table at the end says it all
            return
        self.console.print(epoch_line(stats))

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def training_summary(
    trainer: Trainer, result: TrainResult, losses: Sequence[float], save: Path | None
) -> Group:
    """The end of a run: the epoch table, the curves, the test set's confusion matrix and per-class
    metrics, and the final accuracy (all measured by `Trainer.run`; `losses` every step's)."""
    parts: list[RenderableType] = []
    if result.history:
        parts.append(epoch_table(result.history))
    if losses:
        parts.append(curves(losses, result.history))
    if result.predicted is not None:
        parts.append(confusion_matrix(trainer.data.y_test, result.predicted, trainer.data.class_names))
    if result.metrics is not None:
        parts.append(class_metrics_table(result.metrics))
    stopper = trainer.early_stopping
    if result.stopped == "steps":
        final = _(
            "test accuracy {accuracy} after {epochs} epoch(s), {steps} steps (stopped by {option}); "
            "{ms} ms per step"
        )
    elif result.stopped == "interrupted":
        final = _(
            "test accuracy {accuracy} after {epochs} epoch(s), {steps} steps (interrupted); {ms} ms per step"
        )
    elif result.stopped == "early_stop" and stopper is not None:
        final = _(
            "test accuracy {accuracy} after {epochs} epoch(s), {steps} steps (stopped early, with the weights of "
            "epoch {best}); {ms} ms per step"
        )
        parts.append(
            prose(
                _(
                    "early stop: the validation loss had not fallen below {loss} (epoch {best}) for {patience} "
                    "epochs; epoch {best}'s weights were put back"
                ).format(loss=f"{stopper.best_loss:.4f}", best=stopper.best_epoch, patience=stopper.patience)
            )
        )
    else:
        final = _("test accuracy {accuracy} after {epochs} epoch(s), {steps} steps; {ms} ms per step")
    numbers = {
        "accuracy": f"{result.test_accuracy:.2%}",
        "epochs": trainer.epoch,
        "steps": trainer.step,
        "best": stopper.best_epoch if stopper is not None else "",
        "ms": f"{result.seconds_per_step * 1000:.2f}",
        "option": option("steps"),
    }
    parts.append(prose(final.format(**numbers)))
    if save and reads_python():  # predict is a command; from Python the checkpoint is resumed
        resume = command("train", ("resume", str(save), True))
        parts.append(
            prose(_("saved to {path}: continue training it with `{call}`").format(path=save, call=resume))
        )
    elif save:
        parts.append(prose(_("saved to {path}: try `cnncalc predict --model {path}`").format(path=save)))
    return Group(*parts)


# -- pictures -------------------------------------------------------------------------------------


def heatmap(values: np.ndarray, color: bool, diverging: bool = False, scale: int = 1) -> Text:
    """A 2-D array as a picture: coloured half blocks on a colour terminal, an ASCII ramp otherwise.

    Values are normalised to [0, 1] by their own range (or to [−1, 1] by the largest |value| when
    `diverging`, white at 0). In colour each character is one pixel wide (`scale` × `scale` for a
    small image) and half blocks draw two rows per line; without colour each pixel is two characters.
    """
    v = np.asarray(values, dtype=np.float64)
    if diverging:
        m = np.abs(v).max() or 1.0
        norm = v / m  # −1 .. 1
    else:
        lo, hi = v.min(), v.max()
        # a constant image (all zeros, all ones) has no range: it is drawn in one mid shade
        norm = (v - lo) / (hi - lo) if hi > lo else np.full(v.shape, 0.5)
    text = Text()
    if not color:
        # Two characters per pixel (about square): the sign (diverging only), then the magnitude.
        # Rows are joined, not stripped: a blank row (all 0) is part of the picture.
        lines = []
        for row in norm:
            cells = []
            for x in row:
                ch = ASCII_RAMP[min(9, int(abs(x) * 9.999))]
                cells.append(("-" if x < 0 and ch != " " else " ") + ch if diverging else ch * 2)
            lines.append("".join(cells))
        text.append("\n".join(lines))
        return text
    if scale > 1:
        norm = norm.repeat(scale, axis=0).repeat(scale, axis=1)

    def rgb(x: float) -> str:
        if diverging:  # blue (−) — white (0) — red (+)
            if x < 0:
                a = int(255 * (1 + x))
                return f"rgb({a},{a},255)"
            a = int(255 * (1 - x))
            return f"rgb(255,{a},{a})"
        g = int(255 * x)
        return f"rgb({g},{g},{g})"

    rows = norm.shape[0]
    for r in range(0, rows, 2):
        for c in range(norm.shape[1]):
            top = rgb(norm[r, c])
            bottom = rgb(norm[r + 1, c]) if r + 1 < rows else "default"
            text.append("▀", style=f"{top} on {bottom}")
        text.append("\n")
    text.rstrip()
    return text


def _image_scale(image: np.ndarray) -> int:
    """Small images (8×8 digits) are drawn at twice the size so the strokes are visible."""
    return 2 if image.shape[-1] <= 14 else 1


def block_mean(values: np.ndarray, factor: int) -> np.ndarray:
    """`values` shrunk `factor` times along both axes: each cell the mean of a factor×factor block
    (the blocks at the right and bottom edges may be smaller, and are the mean of what they hold).

    >>> block_mean(np.arange(16.0).reshape(4, 4), 2).tolist()
    [[2.5, 4.5], [10.5, 12.5]]
    >>> block_mean(np.arange(9.0).reshape(3, 3), 2).tolist()
    [[2.0, 3.5], [6.5, 8.0]]
    """
    v = np.asarray(values, dtype=np.float64)
    rows, cols = np.arange(0, v.shape[0], factor), np.arange(0, v.shape[1], factor)
    sums = np.add.reduceat(np.add.reduceat(v, rows, axis=0), cols, axis=1)
    counts = np.outer(np.diff(np.append(rows, v.shape[0])), np.diff(np.append(cols, v.shape[1])))
    return sums / counts


def fitted_heatmap(
    values: np.ndarray, color: bool, width: int, diverging: bool = False, scale: int = 1
) -> tuple[Text, int]:
    """`heatmap` of `values` no wider than `width` columns, and the factor it was shrunk by (1: not).

    A picture drawn wider than the terminal wraps into garbled lines, so a wide one is drawn first
    without `scale`'s enlargement, and if that is still too wide, shrunk by the smallest whole
    factor that fits (`block_mean`). In colour a pixel is one column; without colour, two.
    """
    v = np.asarray(values)
    per_pixel = scale if color else 2
    if v.shape[1] * per_pixel <= width:
        return heatmap(v, color, diverging, scale), 1
    per_pixel = 1 if color else 2
    factor = 1
    while -(-v.shape[1] // factor) * per_pixel > max(width, per_pixel):
        factor += 1
    shrunk = block_mean(v, factor) if factor > 1 else v
    return heatmap(shrunk, color, diverging), factor


def shrunk_note(factor: int, width: int) -> str:
    """The caption of a picture `fitted_heatmap` shrank."""
    return _(
        "drawn at 1/{factor} of its size to fit {width} columns: each point is the mean of a {factor}×{factor} "
        "block of pixels"
    ).format(factor=factor, width=width)


def probability_bars(
    probs: np.ndarray, class_names: Sequence[str], label: int | None, width: int = 30
) -> Table:
    """One bar per class, `width` blocks for probability 1; the predicted and true class are marked."""
    table = Table(show_header=False, box=None, padding=(0, 1))
    table.add_column(justify="right")
    table.add_column()
    table.add_column(justify="right")
    best = int(probs.argmax())
    for i, p in enumerate(probs):
        bar = "█" * round(float(p) * width)
        mark = (_("  ← predicted") if i == best else "") + (_("  ← true") if i == label else "")
        style = "bold green" if i == best else ""
        table.add_row(class_names[i], f"[{style}]{bar}[/]" if style else bar, f"{float(p):6.1%}{mark}")
    return table


def print_prediction(
    console: Console,
    where: str,
    image: np.ndarray,
    probs: np.ndarray,
    class_names: Sequence[str],
    label: int | None,
) -> None:
    """`predict`: where the image comes from, the image, the class probabilities and the verdict."""
    bold = f"[bold]{where}[/]"
    console.print(
        bold
        if label is None
        else _("{where} — true label {label}").format(where=bold, label=class_names[label])
    )
    _print_picture(console, image)
    console.print(probability_bars(probs, class_names, label))
    best = int(probs.argmax())
    if label is None:
        verdict = _("predicted {name} ({probability})")
    elif best == label:
        verdict = _("predicted {name} ({probability})  ✓ correct")
    else:
        verdict = _("predicted {name} ({probability})  ✗ the true label is {label}")
    console.print(
        verdict.format(
            name=class_names[best],
            probability=f"{probs[best]:.1%}",
            label=class_names[label] if label is not None else "",
        )
    )


def _print_picture(console: Console, image: np.ndarray) -> None:
    """An input image as wide as the console allows, with a note when it had to be shrunk."""
    picture, factor = fitted_heatmap(image, _is_color(console), console.width, scale=_image_scale(image))
    console.print(picture)
    if factor > 1:
        console.print(prose(shrunk_note(factor, console.width), "dim"))


def print_input_image(console: Console, where: str, label_name: str, image: np.ndarray) -> None:
    """`show maps`: the image whose feature maps follow."""
    console.print(_("{where} (label {label})").format(where=f"[bold]{where}[/]", label=label_name))
    _print_picture(console, image)


def _layer_title(number: int, description: str) -> str:
    return (
        "[bold]" + _("layer {number}: {description}").format(number=number, description=description) + "[/]"
    )


def print_filters(console: Console, filters: ConvFilters) -> None:
    """A conv layer's kernels (each the mean over its input channels), each in a panel, red for
    positive and blue for negative weights."""
    kernels = filters.kernels
    scale = max(1, 6 // max(kernels.shape[1:]))
    color = _is_color(console)
    room = console.width - PANEL_FRAME
    drawn = [fitted_heatmap(kernel, color, room, diverging=True, scale=scale) for kernel in kernels]
    panels = [Panel(picture, title=f"#{o}", expand=False) for o, (picture, _f) in enumerate(drawn)]
    # the note follows the title as a parenthesis, in the language's own punctuation and spacing
    note = _(" (mean over input channels; red +, blue −)") if filters.averaged else _(" (red +, blue −)")
    console.print(_layer_title(filters.layer, filters.description) + note)
    _print_shrunk_note(console, max((f for _p, f in drawn), default=1), room)
    console.print(Columns(panels))


def print_feature_maps(console: Console, found: FeatureMaps) -> None:
    """A conv layer's output channels for one image, each in a panel."""
    c, h, w = found.shape
    scale = 2 if w <= 14 else 1
    color = _is_color(console)
    room = console.width - PANEL_FRAME
    drawn = [fitted_heatmap(m, color, room, scale=scale) for m in found.maps]
    panels = [Panel(picture, title=f"#{i}", expand=False) for i, (picture, _f) in enumerate(drawn)]
    console.print(_layer_title(found.layer, found.description) + f" → {c}×{h}×{w}")
    _print_shrunk_note(console, max((f for _p, f in drawn), default=1), room)
    console.print(Columns(panels))


def _print_shrunk_note(console: Console, factor: int, width: int) -> None:
    if factor > 1:
        console.print(prose(shrunk_note(factor, width), "dim"))


# -- gradient check -------------------------------------------------------------------------------


def gradcheck_table(rows: Sequence[GradCheckRow]) -> Table:
    """One row per checked tensor: its worst relative error, the tolerance it was held to there
    (which grows with the layer's rounding noise), and ok, or CHECK when it is over."""
    table = Table(title=_("Gradient check (float64, central differences, ε = 1e-5)"), title_justify="left")
    for i, name in enumerate(
        (_("layer"), _("parameter"), _("checked"), "max |∂L/∂θ|", _("max rel. error"), _("tolerance"), "")
    ):
        table.add_column(name, justify="left" if i < 2 else "right")
    for r in rows:
        table.add_row(
            f"{r.id} {r.kind}" + (" *" if r.checked_as else ""),
            r.name,
            str(r.checked),
            f"{r.max_abs_gradient:.3g}",
            f"{r.max_relative_error:.2e}",
            f"{r.tolerance:.1e}",
            "[green]" + _("ok") + "[/]" if r.passed else "[red]" + _("CHECK") + "[/]",
        )
    return table


def print_gradcheck(console: Console, rows: Sequence[GradCheckRow], passed: bool) -> None:
    console.print(gradcheck_table(rows))
    sampled = {f"{r.id} {r.kind}": r.checked_as for r in rows if r.checked_as}
    for where, what in sampled.items():
        console.print(_("* layer {layer}: {what}").format(layer=where, what=what), highlight=False)
    console.print(
        _("all gradients agree") if passed else _("some gradients disagree: see the rows marked CHECK")
    )
