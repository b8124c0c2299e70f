"""`cnncalc export`: a network as PyTorch or Keras code (the bridge to the frameworks).

The command calls the Python API's `cnncalc.api.export.export` and prints its code, its
`to_dict()` (`--json`), or writes the code to `--out` (atomically). Only typer, the standard
library and `cnncalc.api` at import time; the walk and the writer are imported inside.
"""

from pathlib import Path
from typing import Annotated

import typer

from cnncalc.api import export as api
from cnncalc.arith.errors import UsageError
from cnncalc.cli.errors import reported
from cnncalc.cli.options import FILE_NAME, ClassOpt, FileOpt, JsonOpt
from cnncalc.cli.output import emit_json, emit_text
from cnncalc.i18n import _, ngettext

# The fields of the Python API whose options are not `--field`: the spec argument, --from, --class,
# and the file `save()` writes, given here with --out.
FLAGS = {"spec": "SPEC", "source": "--from", "class_name": "--class", "path": "--out"}


def export(
    spec: Annotated[
        str | None,
        typer.Argument(help=_('Network spec, e.g. "input 1x28x28 | conv 8 k=3 | relu | flatten | fc 10".')),
    ] = None,
    file: FileOpt = None,
    preset: Annotated[str | None, typer.Option("--preset", "-P", help=_("A built-in network."))] = None,
    model: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help=_("Read a PyTorch or Keras model file (parsed with ast, never run)."),
            click_type=FILE_NAME,
        ),
    ] = None,
    class_name: ClassOpt = None,
    input: Annotated[
        str | None, typer.Option("--input", "-i", help=_("Input shape CxHxW (sets or replaces the spec's)."))
    ] = None,
    to: Annotated[str | None, typer.Option("--to", "-t", help=_("pytorch or keras."))] = None,
    name: Annotated[
        str | None, typer.Option("--name", help=_("The class (PyTorch) or model (Keras) name."))
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help=_("Write the code to FILE (atomically) instead of stdout."),
            click_type=FILE_NAME,
        ),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Write a network as runnable code: a PyTorch nn.Module or a Keras functional model.

    One layer per row of `cnncalc net`'s table, with the sizes the table computed; branches
    become `+` and `torch.cat` (layers.add, layers.concatenate). `cnncalc net --from` on the
    written file gives the same layers, shapes and parameters back.

    \b
    Examples:
      cnncalc export --preset resnet-18 --to pytorch --out resnet18.py
      cnncalc export "input 1x28x28 | conv 8 k=3 | relu | flatten | fc 10" --to keras
      cnncalc export --from model.py --to keras --input 3x32x32
    """
    with reported("export", flags=FLAGS):
        if to is None:
            raise UsageError(_("give --to pytorch or --to keras"))
        if json and out is not None:
            raise UsageError(_("give --json or --out, not both"))
        result = api.export(
            spec,
            file=file,
            preset=preset,
            source=model,
            class_name=class_name,
            input=input,
            to=to,
            name=name,
        )
        if json:
            emit_json(result.to_dict())
        elif out is None:
            emit_text(result.code)
        else:
            written = result.save(out)
            path = written if written == out else f"{out} (→ {written})"
            emit_text(
                ngettext(
                    "wrote {path}: {framework} code for {params:,} parameters, {layers} layer",
                    "wrote {path}: {framework} code for {params:,} parameters, {layers} layers",
                    len(result.network.layers),
                ).format(
                    path=path,
                    framework=result.to,
                    params=result.total_params,
                    layers=len(result.network.layers),
                )
            )


def register(app: typer.Typer) -> None:
    app.command("export")(export)
