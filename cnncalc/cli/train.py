"""`cnncalc train`, `predict`, `show` and `gradcheck`: the tiny NumPy trainer and a look inside it.

Each command parses its options and calls the core: `train` calls `cnncalc.api.train` (the one
home of training, which `cnncalc.train()` runs too), the others `cnncalc.nn`; the results go to
`cnncalc.render.training`, which draws them. numpy, rich and the rest of `cnncalc.nn` and the
renderers are imported inside the commands, so the calculator starts fast (`cnncalc.nn.settings`,
the defaults the options show, is standard library only).

The trainer names the values it complains about by their Python names; `NN_FLAGS` maps the ones
whose option is not simply `--name` (`max_steps` is `--steps`, a data `source` is `--data`).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.cli.errors import fail, reported
from cnncalc.cli.options import FILE_NAME, NUMBER, FileOpt, JsonOpt
from cnncalc.cli.output import emit_json
from cnncalc.i18n import N_, _
from cnncalc.nn.settings import DIGITS_DEFAULTS, IDX_DEFAULTS, SCHEDULE_DEFAULTS
from cnncalc.safety.limits import MAX_EPOCHS, MAX_STEPS

if TYPE_CHECKING:
    from rich.console import Console

    from cnncalc.api.train import Training
    from cnncalc.arith.spec import NetworkSpec
    from cnncalc.nn.data import Dataset
    from cnncalc.nn.inspection import ConvFilters, FeatureMaps
    from cnncalc.nn.model import Model

TOUR: list[tuple[str, list[str]]] = [
    (
        N_("Train a small CNN on the 8×8 handwritten digits (2 epochs) and save it"),
        ["train", "--epochs", "2", "--save", "{tmp}/digits.npz"],
    ),
    (
        N_(
            "Note 004's way: a validation set every epoch, early stopping, the test set once at the end "
            "with precision, recall and F1 per class"
        ),
        ["train", "--epochs", "4", "--val-split", "0.2", "--early-stop", "2", "--lr-schedule", "cosine"],
    ),
    (
        N_("Look inside: one test image and the class probabilities"),
        ["predict", "--model", "{tmp}/digits.npz"],
    ),
    (N_("What the first layer's filters learned"), ["show", "filters", "--model", "{tmp}/digits.npz"]),
    (N_("Check every layer's backward pass against finite differences"), ["gradcheck"]),
]

SpecArg = Annotated[
    str | None, typer.Argument(help=_("The network, e.g. 'conv 8 k=3 | relu | flatten | fc 10'."))
]
PresetOpt = Annotated[
    str | None, typer.Option("--preset", help=_("A named network: digits, keras-mnist, ..."))
]
DataOpt = Annotated[
    str | None,
    typer.Option(
        "--data",
        help=_("digits (built in), mnist, fashion-mnist (downloaded once), or a folder of IDX files."),
    ),
]
ModelOpt = Annotated[
    Path,
    typer.Option(
        "--model", "-m", help=_("A checkpoint saved by `cnncalc train --save`."), click_type=FILE_NAME
    ),
]
IndexOpt = Annotated[int, typer.Option("--index", "-i", help=_("Which test image (0-based)."), min=0)]
SvgOpt = Annotated[
    Path | None, typer.Option("--svg", help=_("Also write the picture to an SVG file."), click_type=FILE_NAME)
]

# The options of the core's fields that are not `--field-name` (see `cli.errors.reported`).
NN_FLAGS = {"spec": "SPEC", "max_steps": "--steps", "source": "--data"}


class OptimizerName(str, Enum):
    sgd = "sgd"
    momentum = "momentum"
    rmsprop = "rmsprop"
    adam = "adam"
    adamw = "adamw"


class ScheduleName(str, Enum):
    step = "step"
    cosine = "cosine"
    plateau = "plateau"


class ShowWhat(str, Enum):
    filters = "filters"
    maps = "maps"


def register(app: typer.Typer) -> None:
    app.command()(train)
    app.command()(predict)
    app.command()(show)
    app.command()(gradcheck)


# -- spec ----------------------------------------------------------------------------------------


def _resolve_spec(spec: str | None, file: Path | None, preset: str | None) -> NetworkSpec | None:
    """The NetworkSpec given as text, file or preset (at most one), or None for the default."""
    from cnncalc.api.sources import optional_network

    source = optional_network(spec, file, preset)
    return source.spec if source else None


# -- train ---------------------------------------------------------------------------------------


class _StopFlag:
    """Ctrl-C, SIGTERM or SIGHUP sets a flag; the loop stops between two steps so that the
    checkpoint saved is consistent and no temporary file is left. A second signal stops at once."""

    SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")

    def __init__(self) -> None:
        self.requested = ""  # the name of the signal that asked to stop
        self.previous: dict[int, Any] = {}

    def __enter__(self) -> _StopFlag:
        for name in self.SIGNALS:
            sig = getattr(signal, name, None)
            if sig is None or signal.getsignal(sig) == signal.SIG_IGN:  # nohup's choice stays
                continue
            try:
                self.previous[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not the main thread: keep the default KeyboardInterrupt
                return self
        return self

    def _handle(self, signum: int, frame: object) -> None:
        if self.requested:  # a second signal: stop at once
            raise KeyboardInterrupt
        self.requested = signal.Signals(signum).name

    def __exit__(self, *exc: object) -> None:
        for sig, previous in self.previous.items():
            signal.signal(sig, previous)


def train(
    spec: SpecArg = None,
    file: FileOpt = None,
    preset: PresetOpt = None,
    data: DataOpt = None,
    epochs: Annotated[
        int | None,
        typer.Option(
            "--epochs",
            "-e",
            help=_("Epochs to train (digits: {digits}, others: {others}).").format(
                digits=DIGITS_DEFAULTS.epochs, others=IDX_DEFAULTS.epochs
            ),
            min=1,
            max=MAX_EPOCHS,
        ),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(
            "--batch-size",
            "-b",
            help=_("Mini-batch size (digits: {digits}, others: {others}).").format(
                digits=DIGITS_DEFAULTS.batch_size, others=IDX_DEFAULTS.batch_size
            ),
            min=1,
        ),
    ] = None,
    lr: Annotated[
        float | None,
        typer.Option(
            "--lr",
            help=_(
                "Learning rate (adam, adamw: {digits} on digits, {others} otherwise; sgd, momentum: {sgd}; "
                "rmsprop: {rmsprop})."
            ).format(
                digits=f"{DIGITS_DEFAULTS.adam_lr:g}",
                others=f"{IDX_DEFAULTS.adam_lr:g}",
                sgd=f"{IDX_DEFAULTS.sgd_lr:g}",
                rmsprop=f"{IDX_DEFAULTS.rmsprop_lr:g}",
            ),
            click_type=NUMBER,
        ),
    ] = None,
    optimizer: Annotated[
        OptimizerName,
        typer.Option(
            "--optimizer",
            help=_(
                "sgd (plain), momentum (SGD with momentum), rmsprop, adam, or adamw (Adam with decoupled "
                "weight decay): PyTorch's update rules."
            ),
        ),
    ] = OptimizerName(IDX_DEFAULTS.optimizer),
    momentum: Annotated[
        float | None,
        typer.Option(
            "--momentum",
            help=_("Momentum of sgd, momentum and rmsprop (momentum: {momentum}, the others 0).").format(
                momentum=f"{IDX_DEFAULTS.momentum:g}"
            ),
            click_type=NUMBER,
        ),
    ] = None,
    weight_decay: Annotated[
        float | None,
        typer.Option(
            "--weight-decay",
            help=_(
                "Weight decay λ: λ·w added to the gradient (L2); with adamw the weights shrink by lr·λ each step "
                "(adamw: {adamw}, the others 0)."
            ).format(adamw=f"{IDX_DEFAULTS.adamw_weight_decay:g}"),
            click_type=NUMBER,
        ),
    ] = None,
    val_split: Annotated[
        float | None,
        typer.Option(
            "--val-split",
            help=_(
                "Set this fraction of each class's training images aside for validation (e.g. 0.2): "
                "every epoch is reported on them, the test set only at the end."
            ),
            click_type=NUMBER,
        ),
    ] = None,
    early_stop: Annotated[
        int | None,
        typer.Option(
            "--early-stop",
            help=_(
                "Stop once the validation loss has not improved for this many epochs, and keep the "
                "best epoch's weights (needs --val-split)."
            ),
            min=1,
        ),
    ] = None,
    lr_schedule: Annotated[
        ScheduleName | None,
        typer.Option(
            "--lr-schedule",
            help=_(
                "Change the learning rate after every epoch: step, cosine or plateau (PyTorch's StepLR, "
                "CosineAnnealingLR, ReduceLROnPlateau)."
            ),
        ),
    ] = None,
    lr_step: Annotated[
        int | None,
        typer.Option(
            "--lr-step",
            help=_("step: multiply by --lr-factor every this many epochs ({epochs}).").format(
                epochs=SCHEDULE_DEFAULTS["step"]["lr_step"]
            ),
            min=1,
        ),
    ] = None,
    lr_factor: Annotated[
        float | None,
        typer.Option(
            "--lr-factor", help=_("step, plateau: what the rate is multiplied by (0.1)."), click_type=NUMBER
        ),
    ] = None,
    lr_patience: Annotated[
        int | None,
        typer.Option(
            "--lr-patience",
            help=_(
                "plateau: how many epochs without improvement of the validation loss (the training loss without "
                "--val-split) it waits out before the rate falls ({epochs})."
            ).format(epochs=SCHEDULE_DEFAULTS["plateau"]["lr_patience"]),
            min=0,
        ),
    ] = None,
    lr_epochs: Annotated[
        int | None,
        typer.Option("--lr-epochs", help=_("cosine: epochs to anneal over (default: --epochs)."), min=1),
    ] = None,
    min_lr: Annotated[
        float | None,
        typer.Option("--min-lr", help=_("cosine, plateau: the lowest learning rate (0)."), click_type=NUMBER),
    ] = None,
    augment: Annotated[
        bool,
        typer.Option(
            "--augment",
            help=_("Shift each training image at random by up to a tenth of its size (pad and crop)."),
        ),
    ] = False,
    flip: Annotated[
        bool,
        typer.Option(
            "--flip",
            help=_("Mirror half the training images at random (refused for digits: a flipped 2 is no 2)."),
        ),
    ] = False,
    seed: Annotated[
        int,
        typer.Option(
            "--seed",
            help=_("Seed for the weights, the shuffle, dropout, the validation split and augmentation."),
            min=0,
        ),
    ] = IDX_DEFAULTS.seed,
    steps: Annotated[
        int | None,
        typer.Option("--steps", help=_("Stop after this many optimizer steps."), min=1, max=MAX_STEPS),
    ] = None,
    save: Annotated[
        Path | None,
        typer.Option(
            "--save",
            help=_("Save a checkpoint (.npz) after every epoch and at the end."),
            click_type=FILE_NAME,
        ),
    ] = None,
    resume: Annotated[
        Path | None,
        typer.Option(
            "--resume",
            help=_("Continue a saved run for --epochs more epochs (saves back to it unless --save)."),
            click_type=FILE_NAME,
        ),
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            help=_(
                "Also draw the run: loss per step, accuracy per epoch and the confusion matrix, "
                "to FILE.svg or FILE.html."
            ),
            click_type=FILE_NAME,
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Train a CNN with the tiny NumPy trainer: digits by default, ≥ 97 % test accuracy in seconds.

    The report ends with the test set's accuracy, confusion matrix and per-class precision, recall
    and F1.

    Examples:

      cnncalc train                                   the default CNN on the built-in 8×8 digits
      cnncalc train --epochs 3 --save digits.npz      keep the model for predict / show
      cnncalc train --resume digits.npz --epochs 2    two more epochs, exactly as if never stopped
      cnncalc train "conv 16 k=3 | relu | maxpool k=2 | flatten | fc 10" --optimizer sgd --lr 0.05
      cnncalc train --preset keras-mnist --data mnist note 000's Keras model on MNIST
      cnncalc train --preset digits-resnet            a small ResNet (residual adds) on the digits
      cnncalc train --epochs 3 --plot run.svg         the curves and the confusion matrix as a picture

    Note 004's options:

      cnncalc train --val-split 0.2 --early-stop 3    validate every epoch; stop when it stops improving
      cnncalc train --optimizer adamw --weight-decay 0.05 --lr-schedule cosine
      cnncalc train --optimizer momentum --lr 0.05 --lr-schedule step --lr-step 5
      cnncalc train --val-split 0.2 --lr-schedule plateau --lr-patience 2 --lr-factor 0.2
      cnncalc train --augment --epochs 30             shifted digits: slower to learn, harder to overfit
    """
    with reported("train", NN_FLAGS):
        from cnncalc.api.train import start_training
        from cnncalc.cli.pictures import picture_format

        plot_kind = picture_format(plot, ("svg", "html"), "--plot") if plot is not None else None
        run = start_training(
            spec,
            file=file,
            preset=preset,
            data=data,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            optimizer=optimizer.value,  # type: ignore[arg-type]  # the option's choices are the API's
            momentum=momentum,
            weight_decay=weight_decay,
            val_split=val_split,
            early_stop=early_stop,
            lr_schedule=lr_schedule.value if lr_schedule is not None else None,  # type: ignore[arg-type]
            lr_step=lr_step,
            lr_factor=lr_factor,
            lr_patience=lr_patience,
            lr_epochs=lr_epochs,
            min_lr=min_lr,
            augment=augment,
            flip=flip,
            seed=seed,
            steps=steps,
            save=save,
            resume=resume,
        )
        _run(run, json_out, plot, plot_kind)


def _run(run: Training, json_out: bool, plot: Path | None, plot_kind: str | None) -> None:
    """Train a run set up by `cnncalc.api.train.start_training`, with a live view unless --json;
    `--plot` (checked before the first step) is drawn at the end, an interrupted run's too."""
    from cnncalc.cli.pictures import save_picture

    view = None
    if not json_out:  # --json prints one object at the end and never needs rich
        from cnncalc.render.training import TrainingView, console_for

        view = TrainingView(console_for(), run.trainer, run.planned_steps)
    with _StopFlag() as stop:
        try:
            if view is not None:
                view.start()
            report = run.run(
                on_step=view.step_done if view else None,
                on_epoch=view.epoch_done if view else None,
                should_stop=lambda: bool(stop.requested),
            )
        finally:
            if view is not None:
                view.stop()
        # a signal while summarising sets the flag too: this run still ends as asked
        if json_out or view is None:
            emit_json(report.to_dict())
        else:
            view.console.print(report.renderable())
        if plot is not None:
            picture = report.plot()
            from cnncalc.render.text import for_terminal

            with for_terminal():
                data = picture.svg() if plot_kind == "svg" else picture.html()
            what = _("{epochs} epoch(s), {steps} steps").format(
                epochs=len(report.result.history), steps=report.steps
            )
            save_picture(plot, data, what, "--plot", json=json_out)
    if report.stopped == "interrupted":
        if stop.requested == "SIGINT":
            said = (
                _("interrupted after step {step}; saved to {path}")
                if report.saved
                else _("interrupted after step {step}")
            )
        else:
            said = (
                _("interrupted by {signal} after step {step}; saved to {path}")
                if report.saved
                else _("interrupted by {signal} after step {step}")
            )
        raise fail(said.format(signal=stop.requested, step=report.steps, path=report.saved), 130)


# -- predict and show -------------------------------------------------------------------------------


def _load_for_inspection(model_path: Path, data: str | None) -> tuple[Model, dict, Callable[[], Dataset]]:
    """The saved model, its metadata (class names made printable: they come from a file) and a
    loader of its test data, which must hold images of the model's input shape (only `predict
    --index` and `show maps` need the data, so it is loaded only when asked for)."""
    from cnncalc.arith.parsing import fmt_shape
    from cnncalc.nn.checkpoint import check_labels_fit, load_model
    from cnncalc.nn.data import check_source, load_dataset
    from cnncalc.safety.text import printable

    model, meta = load_model(model_path)
    meta["class_names"] = [printable(name) for name in meta["class_names"]]

    source = meta["data"] if data is None else check_source(data)

    def dataset() -> Dataset:
        ds = load_dataset(source)
        if tuple(ds.input_shape) != tuple(model.input_shape):
            raise CnnCalcError(
                _(
                    "{model} takes {shape} images but the data {data} has {data_shape}; use --data with the "
                    "images it was trained on ({trained_on})"
                ),
                model=model_path,
                shape=fmt_shape(model.input_shape),
                data=source,
                data_shape=fmt_shape(ds.input_shape),
                trained_on=meta["data"],
            )
        check_labels_fit(model_path, meta, ds)
        return ds

    return model, meta, dataset


def _test_image(dataset: Dataset, index: int) -> tuple[Any, int, str]:
    """Test image `index` as a batch of one, its label, and where it comes from (made printable:
    the data's name may come from a file)."""
    from cnncalc.safety.text import printable

    if index >= len(dataset.y_test):
        raise CnnCalcError(
            _("--index {index} is past the last test image ({last})"),
            index=index,
            last=len(dataset.y_test) - 1,
        )
    x = dataset.x_test[index : index + 1]
    where = _("{data} test image {index}").format(data=dataset.name, index=index)
    return x, int(dataset.y_test[index]), printable(where)


def predict(
    model: ModelOpt,
    data: DataOpt = None,
    index: IndexOpt = 0,
    image: Annotated[
        Path | None,
        typer.Option("--image", help=_("Classify this image instead (.npy or .pgm)."), click_type=FILE_NAME),
    ] = None,
    svg: SvgOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Classify one test image with a saved model: the image, the class probabilities, the true label.

    Examples:

      cnncalc predict --model digits.npz --index 7
      cnncalc predict --model digits.npz --image my_digit.npy
    """
    with reported("predict", NN_FLAGS):
        import numpy as np

        _check_svg(svg)
        net, meta, dataset = _load_for_inspection(model, data)
        names = meta["class_names"]
        label: int | None
        if image is not None:
            from cnncalc.nn.images import read_image

            x, label, where = read_image(image, net.input_shape), None, str(image)
        else:
            x, label, where = _test_image(dataset(), index)
        with np.errstate(over="ignore", invalid="ignore"):
            probs = net.predict_proba(x)[0].astype(np.float64)
        if not np.isfinite(probs).all():
            raise CnnCalcError(
                _(
                    "{model}: the model's outputs for {image} are not finite numbers (its weights overflow "
                    "float32), so it cannot classify it"
                ),
                model=model,
                image=where,
            )
        best = int(probs.argmax())
        if json_out:
            emit_json(
                {
                    "image": where,
                    "predicted": best,
                    "predicted_name": names[best],
                    "label": label,
                    "correct": None if label is None else best == label,
                    "probabilities": {names[i]: float(p) for i, p in enumerate(probs)},
                }
            )
            return
        from cnncalc.render.training import console_for, print_prediction

        console = console_for(svg)
        print_prediction(console, where, x[0, 0], probs, names, label)
        _export(console, svg)


def _check_svg(svg: Path | None) -> None:
    """A path given with --svg is checked before the model is loaded."""
    if svg is not None:
        from cnncalc.safety.atomic import check_writable

        check_writable(svg, field="svg")


def _export(console: Console, svg: Path | None) -> None:
    if svg is None:
        return
    from cnncalc.render.training import export_svg

    export_svg(console, svg)
    sys.stderr.write(_("wrote {path}").format(path=svg) + "\n")


def show(
    what: Annotated[
        ShowWhat, typer.Argument(help=_("filters: learned kernels; maps: feature maps of one image."))
    ],
    model: ModelOpt,
    data: DataOpt = None,
    index: IndexOpt = 0,
    layer: Annotated[
        int | None, typer.Option("--layer", help=_("Spec layer number (default: every conv layer)."), min=1)
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", help=_("At most this many channels per layer."), min=1)
    ] = 8,
    svg: SvgOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help=_("Draw the filters or maps as images (not as terminal text) to FILE.svg or FILE.html."),
            click_type=FILE_NAME,
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Look inside a trained model: its conv filters, or the feature maps one image produces.

    Examples:

      cnncalc show filters --model digits.npz
      cnncalc show filters --model digits.npz --out filters.svg
      cnncalc show maps --model digits.npz --index 3 --out maps.html
      cnncalc show maps --model digits.npz --index 3 --svg maps.svg
      cnncalc show maps --model digits.npz --layer 1 --limit 2 --json
    """
    with reported("show", NN_FLAGS):
        from cnncalc.cli.pictures import picture_format
        from cnncalc.nn.inspection import conv_filters, feature_maps

        _check_svg(svg)
        kind = picture_format(out, ("svg", "html")) if out is not None else None
        net, meta, dataset = _load_for_inspection(model, data)
        if what is ShowWhat.filters:
            filters = conv_filters(net, layer, limit)
            if json_out:
                emit_json({"model": str(model), "filters": [f.to_dict() for f in filters]})
                return
            if out is not None:
                panels = [(_caption(f, "filters"), f.kernels.astype(float).tolist()) for f in filters]
                title = _("{model}: the first filters of each conv layer").format(model=model.name)
                note = (
                    _(
                        "negative blue, 0 white, positive red, each filter on its own scale; a filter over "
                        "several input channels is shown as their mean"
                    )
                    if any(f.averaged for f in filters)
                    else _("negative blue, 0 white, positive red, each filter on its own scale")
                )
                what = _("{n} conv layer(s)").format(n=len(panels))
                _save_images(out, kind, (title, note), panels, diverging=True, what=what)
                return
            _show_filters(filters, svg)
            return
        x, label, where = _test_image(dataset(), index)
        found = feature_maps(net, x, layer, limit)
        label_name = meta["class_names"][label]
        if out is not None and not json_out:
            caption = _("{image}: the input, a {label}").format(image=where, label=label_name)
            panels = [(caption, [x[0, 0].astype(float).tolist()])]
            panels += [(_caption(m, "maps"), m.maps.astype(float).tolist()) for m in found]
            title = _("{model}: feature maps of {image}").format(model=model.name, image=where)
            note = _("each image from its minimum (black) to its maximum (white)")
            what = _("{n} conv layer(s)").format(n=len(found))
            _save_images(out, kind, (title, note), panels, diverging=False, what=what)
            return
        if json_out:
            emit_json(
                {
                    "model": str(model),
                    "image": where,
                    "label": label,
                    "label_name": label_name,
                    "input": x[0].astype(float).tolist(),
                    "maps": [m.to_dict() for m in found],
                }
            )
            return
        _show_maps(found, where, label_name, x[0, 0], svg)


def _caption(found: ConvFilters | FeatureMaps, what: str) -> str:
    """'layer 1: conv 8 k=3 — filters 1–8 of 8'."""
    shown, total = (
        (len(found.kernels), found.weight_shape[0])
        if what == "filters"
        else (len(found.maps), found.shape[0])
    )
    caption = (
        _("layer {layer}: {description} — filters 1–{shown} of {total}")
        if what == "filters"
        else _("layer {layer}: {description} — maps 1–{shown} of {total}")
    )
    return caption.format(layer=found.layer, description=found.description, shown=shown, total=total)


def _save_images(
    out: Path, kind: str | None, titles: tuple[str, str], panels: list, diverging: bool, what: str
) -> None:
    from cnncalc.cli.pictures import save_picture
    from cnncalc.render.page import html_page
    from cnncalc.render.training_pictures import images_svg

    svg = images_svg(titles[0], panels, diverging, subtitle=titles[1])
    save_picture(out, svg if kind == "svg" else html_page(titles[0], svg.split("\n", 1)[1]), what)


def _show_filters(filters: list[ConvFilters], svg: Path | None) -> None:
    from cnncalc.render.training import console_for, print_filters

    console = console_for(svg)
    for f in filters:
        print_filters(console, f)
    _export(console, svg)


def _show_maps(found: list[FeatureMaps], where: str, label_name: str, image: Any, svg: Path | None) -> None:
    from cnncalc.render.training import console_for, print_feature_maps, print_input_image

    console = console_for(svg)
    print_input_image(console, where, label_name, image)
    for maps in found:
        print_feature_maps(console, maps)
    _export(console, svg)


# -- gradcheck ----------------------------------------------------------------------------------


def gradcheck(
    spec: SpecArg = None,
    file: FileOpt = None,
    preset: PresetOpt = None,
    input_shape: Annotated[
        str | None, typer.Option("--input", help=_("Input shape CxHxW if the spec has none."))
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Check each layer's backward pass: analytic gradient vs central differences, in float64.

    Each layer is checked on its own, with a tolerance that grows with the rounding noise of its
    size; a layer too large to check quickly is checked as a smaller copy, and the row says so.
    With no SPEC, a small network that uses every layer type, an add and a concat is checked. A
    merge's rows check the gradient it sends to each branch.

    Examples:

      cnncalc gradcheck
      cnncalc gradcheck "input 3x16x16 | conv 8 k=3 s=2 p=1 | bn | relu | gap | fc 10"
      cnncalc gradcheck --preset digits-inception
    """
    with reported("gradcheck", NN_FLAGS):
        from cnncalc.arith.spec import parse_input_shape, parse_spec
        from cnncalc.nn.gradcheck import ALL_LAYERS_SPEC, gradient_check

        network = _resolve_spec(spec, file, preset) or parse_spec(ALL_LAYERS_SPEC)
        shape = parse_input_shape(input_shape) if input_shape else None
        if shape is None and network.input_shape is None:
            raise UsageError(_("the spec has no input line; add 'input CxHxW' or give --input 1x28x28"))
        rows = gradient_check(network, shape)
        worst = max(r.max_relative_error for r in rows)
        ok = all(r.passed for r in rows)
        if json_out:
            emit_json(
                {
                    "spec": network.to_text(" | "),
                    "rows": [r.to_dict() for r in rows],
                    "max_relative_error": worst,
                    "passed": ok,
                }
            )
        else:
            from cnncalc.render.training import console_for, print_gradcheck

            print_gradcheck(console_for(), rows, ok)
        if not ok:
            raise typer.Exit(1)
