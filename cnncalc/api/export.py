"""A network as framework code from Python: `export`, what `cnncalc export` prints or writes.

>>> code = export("input 1x28x28 | conv 8 k=3 | relu | flatten | fc 10", to="pytorch")
>>> code.total_params, code.name
(54170, 'Net')
>>> "self.conv_1 = nn.Conv2d(1, 8, kernel_size=3)" in code.code
True

The code reads back (`net(source=...)` on the saved file) as the same layers, shapes and
parameters. Standard library and `cnncalc.arith` at import; the writer is imported when used.
"""

from __future__ import annotations

import keyword
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from cnncalc.api.result import TextResult
from cnncalc.api.sources import checked_name, is_stdin, required_network, with_input
from cnncalc.api.values import PathArg, Shape, arguments, choice, optional_path
from cnncalc.api.values import path as file_path
from cnncalc.arith.errors import UsageError
from cnncalc.i18n import _, ngettext

if TYPE_CHECKING:
    from cnncalc.arith.network import NetworkResult
    from cnncalc.render.text import Styler

Target = Literal["pytorch", "keras"]
TARGETS: tuple[Target, ...] = ("pytorch", "keras")


class ExportResult(TextResult):
    """A network as runnable code: a PyTorch `nn.Module` or a Keras functional model. The text
    is the code; `save(path)` writes it."""

    __slots__ = ("code", "name", "network", "source", "to")

    def __init__(self, code: str, to: Target, name: str, source: str, network: NetworkResult) -> None:
        self.code = code
        self.to = to
        self.name = name
        self.source = source
        self.network = network

    @property
    def total_params(self) -> int:
        return self.network.total_params

    def to_dict(self) -> dict[str, Any]:
        net = self.network
        return {
            "to": self.to,
            "name": self.name,
            "source": self.source,
            "input_shape": list(net.input_shape) if net.input_shape is not None else None,
            "output_shape": list(net.output_shape) if net.output_shape is not None else None,
            "total_params": net.total_params,
            "layers": len(net.layers),
            "code": self.code,
        }

    def render(self, style: Styler, width: int) -> str:
        return self.code

    def summary(self) -> str:
        return ngettext(
            "{framework} code for {name}: {params:,} parameters, {layers} layer",
            "{framework} code for {name}: {params:,} parameters, {layers} layers",
            len(self.network.layers),
        ).format(framework=self.to, name=self.name, params=self.total_params, layers=len(self.network.layers))

    def save(self, path: PathArg) -> Path:
        """Write the code to `path`, atomically (`cnncalc.safety.atomic`); returns the file written
        (a symlink's target)."""
        from cnncalc.safety.atomic import write_atomic

        return write_atomic(file_path(path, "path"), self.code, field="path")


@arguments
def export(
    spec: str | None = None,
    *,
    file: PathArg | None = None,
    preset: str | None = None,
    source: PathArg | None = None,
    class_name: str | None = None,
    input: Shape | None = None,
    to: Target,
    name: str | None = None,
) -> ExportResult:
    """A network as PyTorch (`to="pytorch"`: an `nn.Module` with a `forward()`) or Keras
    (`to="keras"`: a functional model) code: `cnncalc export`.

    The network is given as `net()` takes it. One layer per row of the table, with the sizes the
    table computed (`nn.Conv2d(64, 128, kernel_size=3, padding=1)` has the input channels the row
    before gives); branches are `+` and `torch.cat` (`layers.add`, `layers.concatenate`). `name`
    is the class (PyTorch) or model (Keras); by default it comes from the preset or file name. A
    PyTorch class may not take a name the file itself uses (`torch`, `nn`, `model` …) or a Python
    built-in's (`print`): the file would break.

    >>> export(preset="lenet-5", to="keras").name
    'lenet_5'
    """
    from cnncalc.arith.network import walk
    from cnncalc.render.export import to_keras, to_pytorch

    target = choice(to, "to", TARGETS)
    if name is not None and (not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name)):
        raise UsageError(
            _("{field} {value!r} is not a Python name; e.g. {field} MyNet"), field="name", value=name
        )
    checked_name(preset, "preset")
    model = optional_path(source, "source")
    default = _identifier(preset or (model.stem if model is not None else "net"), target)
    if name is not None and target == "pytorch":
        _check_class_name(name, default)
    found = required_network(spec, file, preset, source, class_name=class_name, input=input)
    net = walk(with_input(found, input))
    if found.imported is not None:
        found.imported.verify(net)
    label = _plain(_source_label(preset, file, model))
    identifier = name or default
    code = to_pytorch(net, identifier, label) if target == "pytorch" else to_keras(net, identifier, label)
    return ExportResult(code, target, identifier, label, net)


def _source_label(preset: str | None, file: PathArg | None, model: Path | None) -> str:
    """Where the network came from, as the written code's docstring says it: in English in every
    language, as the rest of the code is (the code is the same whatever the language)."""
    if preset is not None:
        return preset
    if file is not None:
        return "standard input" if is_stdin(file) else str(file)
    return str(model) if model is not None else "a spec"


def _identifier(text: str, target: Target) -> str:
    """A Python name from a preset or file name: resnet-18 → Resnet18 (class) or resnet_18 (model);
    a class name the PyTorch file could not use (`exception.py` → Exception) gets `Net` after it."""
    words = "".join(ch if ch.isalnum() and ch.isascii() else " " for ch in text).split() or ["net"]
    if target == "keras":
        name = "_".join(words).lower()
        return name if name[0].isalpha() else f"net_{name}"
    name = "".join(w[:1].upper() + w[1:] for w in words)
    name = name if name[0].isalpha() else f"Net{name}"
    return f"{name}Net" if _clash(name) else name


def _clash(name: str) -> bool:
    """Whether a class of this name would break the PyTorch file or hide something it may use."""
    import builtins

    from cnncalc.render.export import PYTORCH_FILE_NAMES

    return name in PYTORCH_FILE_NAMES or hasattr(builtins, name) or keyword.iskeyword(name)


def _check_class_name(name: str, default: str) -> None:
    """Refuse a PyTorch class name that the written file already uses or that is a Python built-in:
    the file would overwrite the class, or hide the module or built-in it needs."""
    import builtins

    from cnncalc.render.export import PYTORCH_FILE_NAMES

    if name in PYTORCH_FILE_NAMES:
        raise UsageError(
            _(
                "{field} {value!r} is a name the written PyTorch file already uses ({line}), so the class "
                "would clash with it; choose another name, e.g. {field} {default}"
            ),
            field="name",
            value=name,
            line=PYTORCH_FILE_NAMES[name],
            default=default,
        )
    if hasattr(builtins, name):
        raise UsageError(
            _(
                "{field} {value!r} is the name of a Python built-in, which a class of that name would hide in the "
                "written file; choose another name, e.g. {field} {default}"
            ),
            field="name",
            value=name,
            default=default,
        )


def _plain(label: str) -> str:
    """Where the network came from, as it may stand in the code's docstring: printable, no quotes
    or backslashes (a file name may hold anything)."""
    from cnncalc.safety.text import printable

    return printable(label).replace("\\", "/").replace('"', "'")
