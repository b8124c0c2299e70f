"""Where a network comes from: a spec argument, a spec file (`-` is stdin), a preset or model code.

`rf`, `net`, `check`, `train` and `gradcheck` all read their network here, so the same source
means the same network and the same mistakes get the same message. Standard library and
`cnncalc.arith` only; the importer and the presets are imported when they are asked for.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cnncalc.arith.errors import UsageError

if TYPE_CHECKING:
    from cnncalc.arith.importer import ImportResult
    from cnncalc.arith.spec import NetworkSpec


@dataclass(frozen=True)
class NetworkSource:
    """A network as read, a label for a title (the file, preset or model), and the import (--from)."""

    spec: NetworkSpec
    label: str = ""
    imported: ImportResult | None = None


def read_spec_file(file: Path) -> str:
    """A spec file's text; `-` reads standard input. Unreadable files are usage errors."""
    if str(file) == "-":
        return sys.stdin.read()
    try:
        return file.read_text(encoding="utf-8")
    except OSError as e:
        raise UsageError(f"--file {file}: cannot read it ({e.strerror or e})") from None
    except UnicodeDecodeError:
        raise UsageError(f"--file {file}: not a UTF-8 text file") from None


def optional_network(
    spec: str | None = None,
    file: Path | None = None,
    preset: str | None = None,
    model: Path | None = None,
    *,
    model_input: str | None = None,
    model_class: str | None = None,
) -> NetworkSource | None:
    """The network from the one source given, or None when none is (the command has a default).

    Model code is read with `model_input` (`--input`, which a forward pass may need for
    `x.view(…)`) and `model_class` (`--class`: which model of the file)."""
    from cnncalc.arith.spec import parse_spec

    given = [
        name
        for name, v in (("SPEC", spec), ("--file", file), ("--preset", preset), ("--from", model))
        if v is not None
    ]
    if len(given) > 1:
        raise UsageError(f"give one network source, not {' and '.join(given)}")
    if spec is not None:
        return NetworkSource(parse_spec(spec))
    if file is not None:
        return NetworkSource(parse_spec(read_spec_file(file)), str(file))
    if preset is not None:
        from cnncalc.arith.presets import find_preset

        found = find_preset(preset)
        return NetworkSource(parse_spec(found.text), f"{found.name}: {found.description}")
    if model_class is not None and model is None:
        raise UsageError("--class chooses the model of a --from file; give --from MODEL.py")
    if model is not None:
        from cnncalc.arith.importer import import_file
        from cnncalc.arith.spec import parse_input_shape, resolve_input

        shape = None
        if model_input is not None:
            shape, _, _ = resolve_input(parse_input_shape(model_input, "--input"), ())
        imported = import_file(model, shape, model_class)
        return NetworkSource(imported.spec, f"{model} ({imported.summary})", imported)
    return None


def required_network(
    spec: str | None = None,
    file: Path | None = None,
    preset: str | None = None,
    model: Path | None = None,
    *,
    missing: str,
    model_input: str | None = None,
    model_class: str | None = None,
) -> NetworkSource:
    """The network from the one source given; none is a usage error saying `missing`."""
    source = optional_network(spec, file, preset, model, model_input=model_input, model_class=model_class)
    if source is None:
        raise UsageError(missing)
    return source


def with_input(source: NetworkSource, input: str | None) -> NetworkSpec:
    """The network with `--input CxHxW` as its input shape; model code that states none needs it."""
    from cnncalc.arith.spec import parse_input_shape

    if input is not None:
        return source.spec.with_input(parse_input_shape(input, "--input"))
    if source.imported is not None and source.spec.input_shape is None:
        raise UsageError(
            f"{source.imported.path} does not say its input size; give --input CxHxW "
            f"(its first layer {source.imported.first_layer_hint})"
        )
    return source.spec
