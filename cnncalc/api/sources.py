"""Where a network comes from: a spec, a spec file (`-` is stdin), a preset or model code.

`rf`, `net`, `check`, `solve_input`, the `draw` pictures, `train` and `gradcheck` all read their
network here, so the same source means the same network and the same mistakes get the same
message. The arguments are named as the Python API names them (`spec`, `file`, `preset`,
`source`, `class_name`); the CLI says its own options for them (`SPEC`, `--file`, `--preset`,
`--from`, `--class`).
Standard library and `cnncalc.arith` only; the importer and the presets are imported when they
are asked for.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cnncalc.api.values import PathArg, Shape, input_shape, optional_path, renamed
from cnncalc.arith.errors import UsageError
from cnncalc.arith.parsing import fmt_shape
from cnncalc.i18n import N_, _, translated

if TYPE_CHECKING:
    from cnncalc.arith.importer import ImportResult
    from cnncalc.arith.spec import NetworkSpec

# What to say when a command needs a network and was given none (said in the language, translated()).
MISSING = N_(
    'give a network: {field:spec} (e.g. "input 1x28x28 | conv 8 k=3 | fc 10"), {field:file}, '
    "{field:preset} or {field:source} (a PyTorch or Keras model file)"
)


@dataclass(frozen=True)
class NetworkSource:
    """A network as read, a label for a title (the file, preset or model), and the import (source=)."""

    spec: NetworkSpec
    label: str = ""
    imported: ImportResult | None = None


# The file name that stands for standard input (`--file -`, `file="-"`).
STDIN = "-"


def is_stdin(file: PathArg) -> bool:
    """Whether `file` names standard input (`-`) rather than a file."""
    return str(file) == STDIN


def read_spec_file(file: Path) -> str:
    """A spec file's text; `-` reads standard input. Unreadable files are usage errors; more than
    MAX_SPEC_CHARS is refused without reading further; a UTF-8 byte-order mark is dropped."""
    from cnncalc.arith.spec import MAX_SPEC_CHARS
    from cnncalc.safety.bounded import read_bytes

    if is_stdin(file):
        text = sys.stdin.read(MAX_SPEC_CHARS + 1)  # parse_spec refuses more than MAX_SPEC_CHARS
        return text.removeprefix("\ufeff")
    raw = read_bytes(file, 4 * MAX_SPEC_CHARS, field="file", usage=True)  # UTF-8: ≤ 4 bytes a character
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(_("{field} {path}: not a UTF-8 text file"), field="file", path=file) from None


def checked_name(value: object, field: str) -> None:
    """A preset's or a model's name is text: `preset=5` is refused here, not deep in the lookup."""
    if value is not None and not isinstance(value, str):
        raise UsageError(_("{field} {value!r} is not a name (text)"), field=field, value=value)


def optional_network(
    spec: str | None = None,
    file: PathArg | None = None,
    preset: str | None = None,
    source: PathArg | None = None,
    *,
    class_name: str | None = None,
    input: Shape | None = None,
) -> NetworkSource | None:
    """The network from the one source given, or None when none is (the command has a default).

    Model code (`source`) is read with `class_name`, which of the file's models to read (a class,
    function or object, or a call with its arguments: `"VGG('VGG11')"`), and `input` (CxHxW),
    which its forward pass may need (`x.view(…)`)."""
    from cnncalc.arith.spec import parse_spec

    if class_name is not None and source is None:
        raise UsageError(
            _("{field} chooses the model of a model file; give {field:source} (a PyTorch or Keras file) too"),
            field="class_name",
        )
    checked_name(class_name, "class_name")
    checked_name(preset, "preset")

    given = [
        name
        for name, v in (("spec", spec), ("file", file), ("preset", preset), ("source", source))
        if v is not None
    ]
    if len(given) > 1:
        raise UsageError(
            _("give one network source, not {sources}"),
            sources=_(" and ").join("{field:" + n + "}" for n in given),
        )
    if spec is not None:
        if not isinstance(spec, str):
            raise UsageError(_("{field} {value!r} is not a network spec (text)"), field="spec", value=spec)
        return NetworkSource(parse_spec(spec))
    spec_file = optional_path(file, "file")
    if spec_file is not None:
        label = _("standard input") if is_stdin(spec_file) else str(spec_file)
        return NetworkSource(parse_spec(read_spec_file(spec_file)), label)
    if preset is not None:
        from cnncalc.arith.presets import find_preset

        found = find_preset(preset)
        spec_of_preset = parse_spec(found.text)
        label = f"{found.name}: {translated(found.description)}"
        own = spec_of_preset.input_shape
        given = spec_of_preset.with_input(input_shape(input)).input_shape if input is not None else own
        if given != own and own is not None and given is not None:
            # the description says the preset's own input; the title must not claim it for another
            label = _("{name} on input {input} (its own is {own}): {description}").format(
                name=found.name,
                input=fmt_shape(given),
                own=fmt_shape(own),
                description=translated(found.description),
            )
        return NetworkSource(spec_of_preset, label)
    model = optional_path(source, "source")
    if model is not None:
        from cnncalc.arith.importer import import_file

        # read by the importer with the model's own axes: 4 numbers are C×D×H×W for an nn.Conv3d
        numbers = input_shape(input) if input is not None else None
        with renamed("path", "source"):
            imported = import_file(model, numbers, class_name)
        return NetworkSource(
            imported.spec, _("{path} ({summary})").format(path=model, summary=imported.summary), imported
        )
    return None


def required_network(
    spec: str | None = None,
    file: PathArg | None = None,
    preset: str | None = None,
    source: PathArg | None = None,
    *,
    class_name: str | None = None,
    input: Shape | None = None,
    missing: str = MISSING,
) -> NetworkSource:
    """The network from the one source given; none is a usage error saying `missing` (an English
    message marked with N_, said in the language)."""
    found = optional_network(spec, file, preset, source, class_name=class_name, input=input)
    if found is None:
        raise UsageError(translated(missing))
    return found


def replaced_input(spec: NetworkSpec, given: tuple[int, ...]) -> NetworkSpec:
    """The network on `given` in place of its own input, which must have as many axes: 28x28 for a
    network on 1×32×32 would be read as 28 channels of length 28, a 1-D network in place of the
    2-D one asked about."""
    own, replaced = spec.input_shape, spec.with_input(given)
    read = replaced.input_shape  # a batch in front is read off (`resolve_input`)
    if own is not None and read is not None and len(read) != len(own):
        example = (*own[: len(own) - len(read)], *read) if len(read) < len(own) else own
        raise UsageError(
            _(
                "{field} {given} has {n} sizes but the network's own input {own} has {m} (channels "
                "first): give {m}, e.g. {field} {example}, or write the network for the other "
                "number of axes"
            ),
            field="input",
            given=fmt_shape(read),
            own=fmt_shape(own),
            n=len(read),
            m=len(own),
            example="x".join(map(str, example)),
        )
    return replaced


def with_input(source: NetworkSource, input: Shape | None) -> NetworkSpec:
    """The network with `input` (CxHxW) as its input shape; model code that states none needs it."""
    if input is not None:
        return replaced_input(source.spec, input_shape(input))
    if source.imported is not None and source.spec.input_shape is None:
        raise UsageError(
            _("{path} does not say its input size; give {field:input} CxHxW (its first layer {hint})"),
            path=source.imported.path,
            hint=source.imported.first_layer_hint,
        )
    return source.spec
