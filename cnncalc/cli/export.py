"""`cnncalc export`: a network as PyTorch or Keras code (the bridge to the frameworks).

Only typer and the standard library at import time; the walk and the writer are imported inside.
"""

from pathlib import Path
from typing import Annotated

import typer

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.cli.errors import reported
from cnncalc.cli.options import ClassOpt, FileOpt
from cnncalc.cli.output import emit_text

TARGETS = ("pytorch", "keras")


def export(
    spec: Annotated[
        str | None,
        typer.Argument(help='Network spec, e.g. "input 1x28x28 | conv 8 k=3 | relu | flatten | fc 10".'),
    ] = None,
    file: FileOpt = None,
    preset: Annotated[str | None, typer.Option("--preset", "-P", help="A built-in network.")] = None,
    model: Annotated[
        Path | None,
        typer.Option("--from", help="Read a PyTorch or Keras model file (parsed with ast, never run)."),
    ] = None,
    model_class: ClassOpt = None,
    to: Annotated[str, typer.Option("--to", "-t", help="pytorch or keras.")] = "",
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the code to FILE (atomically) instead of stdout."),
    ] = None,
    input: Annotated[
        str | None, typer.Option("--input", "-i", help="Input shape CxHxW (sets or replaces the spec's).")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="The class (PyTorch) or model (Keras) name.")
    ] = None,
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
    with reported("export", flags={"path": "--from", "model": "--class", "input": "--input"}):
        target = to.lower()
        if target not in TARGETS:
            raise UsageError(
                f"--to {to!r}: choose pytorch or keras" if to else "give --to pytorch or --to keras"
            )
        from cnncalc.arith.network import walk
        from cnncalc.cli.sources import required_network, with_input
        from cnncalc.render.export import to_keras, to_pytorch

        source = required_network(
            spec,
            file,
            preset,
            model,
            missing="give a network: a spec, --file FILE, --preset NAME or --from MODEL.py",
            model_input=input,
            model_class=model_class,
        )
        net = walk(with_input(source, input))
        if source.imported is not None:
            source.imported.verify(net)
        label = preset or (str(file) if file else str(model) if model else "a spec")
        identifier = name or _identifier(preset or (model.stem if model else "net"), target)
        code = to_pytorch(net, identifier, label) if target == "pytorch" else to_keras(net, identifier, label)
        if out is None:
            emit_text(code.rstrip("\n"))
            return
        from cnncalc.render.files import write_atomic

        try:
            written = write_atomic(out, code.encode("utf-8"))
        except OSError as e:
            raise CnnCalcError(f"--out {out}: cannot write it ({e.strerror or e})") from None
        emit_text(
            f"wrote {written}: {target} code for {net.total_params:,} parameters, {len(net.layers)} layers"
        )


def _identifier(text: str, target: str) -> str:
    """A Python name from a preset or file name: resnet-18 → ResNet18 (class) or resnet_18 (model)."""
    words = "".join(ch if ch.isalnum() else " " for ch in text).split() or ["net"]
    if target == "keras":
        name = "_".join(words).lower()
        return name if name[0].isalpha() else f"net_{name}"
    name = "".join(w[:1].upper() + w[1:] for w in words)
    return name if name[0].isalpha() else f"Net{name}"


def register(app: typer.Typer) -> None:
    app.command("export")(export)
