"""Read a PyTorch or Keras model from its source code, without importing or running it.

The file is parsed with `ast` and evaluated by a small, bounded evaluator (`evaluator`) that knows
only constants: arithmetic, module constants, default and keyword arguments, loops over known
lists, `if` on known values, the file's own functions, classes and methods, argparse defaults.
The frameworks' readers (`pytorch`, `keras`) say what their constructors build and trace the
forward pass into a graph (`trace`), written in the spec language with add/concat merges, so
the learner sees the network as cnncalc understands it and can edit it. The model is the class,
function or object nothing else in the file uses (`choice`), or the one the caller names.

What cannot be worked out without running the code is refused with the line and the reason,
never guessed: `CnnCalcError("model.py, line 12: …")`. The sizes the code states
(`in_channels`, `in_features`, `x.view(-1, 400)`) are checked against the walked shapes by
`ImportResult.verify`, as PyTorch would check them at run time.

>>> r = import_source("import torch.nn as nn\\nnet = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU())")
>>> r.spec.to_text(" | ")
'conv 8 k=3 | relu'
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass, replace
from math import prod
from pathlib import Path
from typing import Any

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.graph import Graph
from cnncalc.arith.importer import choice
from cnncalc.arith.importer.evaluator import (
    Evaluator,
    Function,
    Instance,
    MissingArgument,
    Refusal,
    Unknown,
    UserClass,
    parse_module,
)
from cnncalc.arith.importer.trace import Tensor, TNode, Trace
from cnncalc.arith.parsing import fmt_shape
from cnncalc.arith.spec import NetworkSpec, parse_spec
from cnncalc.i18n import _, ngettext
from cnncalc.safety.limits import MAX_MODEL_SOURCE_BYTES
from cnncalc.safety.text import printable

__all__ = ["Expect", "ImportResult", "import_file", "import_source"]


@dataclass(frozen=True)
class Expect:
    """A size the source states for a layer's input, e.g. nn.Linear(1568, 10) → 1568 features; or
    (`what` 'axes') the spatial axes its input may have: nn.Conv2d takes (2,), nn.Linear (0,)."""

    node: str
    line: int
    what: str
    value: int
    call: str
    ranks: tuple[int, ...] = ()


@dataclass(frozen=True)
class ImportResult:
    """The network read from a model file: `model` is what the file calls it (a class, a call
    such as `VGG('VGG11')`, or the variable holding it) and `kind` a Keras model's kind
    (`Sequential` or `functional`; empty for PyTorch)."""

    spec: NetworkSpec
    framework: str
    model: str
    path: str
    notes: tuple[str, ...] = ()
    expects: tuple[Expect, ...] = ()
    source_lines: tuple[tuple[str, int], ...] = ()
    kind: str = ""

    @property
    def summary(self) -> str:
        """`PyTorch model CNN, 8 layers`; a Keras model is named by its kind and the variable that
        holds it (`Keras Sequential model 'model'`), never `Keras model model`.

        >>> import_source("import torch.nn as nn\\nnet = nn.Sequential(nn.Linear(3, 2))").summary
        'PyTorch model net, 1 layer'
        """
        if not self.kind:
            name = _("model {name}").format(name=self.model)
        elif self.model in ("", self.kind):
            name = _("{kind} model").format(kind=self.kind)
        else:
            name = _("{kind} model '{name}'").format(kind=self.kind, name=self.model)
        n = len(self.spec.layers)
        layers = ngettext("{n} layer", "{n} layers", n).format(n=n)
        merges = sum(1 for node in self.spec.graph.nodes if node.is_merge)
        if not merges:
            return _("{framework} {name}, {layers}").format(
                framework=self.framework, name=name, layers=layers
            )
        return _("{framework} {name}, {layers}, {merges}").format(
            framework=self.framework,
            name=name,
            layers=layers,
            merges=ngettext("{n} merge", "{n} merges", merges).format(n=merges),
        )

    @property
    def first_layer_hint(self) -> str:
        first = self.spec.layers[0] if self.spec.layers else None
        for e in self.expects:
            if first is not None and e.node == self._first_id() and e.what != "axes":
                if e.what in ("in_channels", "num_features", "num_channels"):
                    hint = _("{call}, line {line}, takes {n} input channels")
                else:
                    hint = _("{call}, line {line}, takes {n} input features")
                return hint.format(call=e.call, line=e.line, n=e.value)
        return _("does not state its input channels")

    def _first_id(self) -> str:
        layers = [n for n in self.spec.graph.nodes if n.layer is not None]
        return layers[0].id if layers else ""

    def verify(self, net: Any) -> None:
        """Compare the sizes written in the source with the walked shapes (`net`: a NetworkResult)."""
        for e in self.expects:
            lr = net.result(e.node)
            shape = lr.input_shape
            if shape is None:
                continue
            if e.what == "axes":
                self._verify_axes(e, shape, net)
                continue
            features = e.what in ("in_features", "view")
            actual = prod(shape) if features else shape[0]
            if actual == e.value:
                continue
            given = (_("{n} features") if features else _("{n} channels")).format(n=actual)
            if len(shape) > 1:
                given = f"{fmt_shape(shape)}, {given}"
            if e.what == "view":
                raise CnnCalcError(
                    _(
                        "{path}, line {line}: {call} makes rows of {n} values, but for input {input} one "
                        "sample here has {given}; PyTorch would fold samples together or stop. Check {field} "
                        "or write x.view(x.size(0), -1)"
                    ),
                    field="input",
                    path=self.path,
                    line=e.line,
                    call=e.call,
                    n=e.value,
                    input=fmt_shape(net.input_shape),
                    given=given,
                )
            raise CnnCalcError(
                _(
                    "{path}, line {line}: {call} expects {what}={n}, but for input {input} the layer before "
                    "gives {given}; PyTorch would stop here with a size mismatch. Check {field} or this "
                    "layer's arguments"
                ),
                field="input",
                path=self.path,
                line=e.line,
                call=e.call,
                what=e.what,
                n=e.value,
                input=fmt_shape(net.input_shape),
                given=given,
            )

    def _verify_axes(self, e: Expect, shape: tuple[int, ...], net: Any) -> None:
        """The layer gets a tensor of as many spatial axes as it works on (nn.Conv2d: N×C×H×W)."""
        if len(shape) - 1 in e.ranks:
            return
        if e.ranks == (0,) and prod(shape[:-1]) == 1:
            return  # nn.Linear on 1×L: the same L values as the spec's fc reads (PyTorch keeps the 1)
        if e.ranks == (0,):  # nn.Linear
            raise CnnCalcError(
                ngettext(
                    "{path}, line {line}: {call} on a {given} map: {framework} applies it to the last axis "
                    "only (the {n} value of each row), which the spec's fc, reading the whole map, cannot "
                    "show; flatten before it (nn.Flatten() or x.flatten(1))",
                    "{path}, line {line}: {call} on a {given} map: {framework} applies it to the last axis "
                    "only (the {n} values of each row), which the spec's fc, reading the whole map, cannot "
                    "show; flatten before it (nn.Flatten() or x.flatten(1))",
                    shape[-1],
                ),
                path=self.path,
                line=e.line,
                call=e.call,
                given=fmt_shape(shape),
                framework=self.framework,
                n=shape[-1],
            )
        takes = " / ".join(_BATCHED[n] for n in e.ranks)
        raise CnnCalcError(
            _(
                "{path}, line {line}: {call} takes input of the shape {takes}, but for input {input} the "
                "layer before gives {given} (N×{given}); {framework} would stop here. Check {field} or the "
                "layers before it"
            ),
            field="input",
            path=self.path,
            line=e.line,
            call=e.call,
            takes=takes,
            input=fmt_shape(net.input_shape),
            given=fmt_shape(shape),
            framework=self.framework,
        )

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "framework": self.framework,
            "model": self.model,
            "spec": self.spec.to_text("\n"),
            "notes": list(self.notes),
            "source_lines": dict(self.source_lines),
        }


def import_file(
    path: str | Path, input_shape: tuple[int, ...] | None = None, class_name: str | None = None
) -> ImportResult:
    """Read and parse a model file; the file is never imported or executed.

    At most MAX_MODEL_SOURCE_BYTES are read. `input_shape` replaces the input the file states; it
    is read as users write it (C×L, C×H×W, C×D×H×W, or with the batch N in front) once the model's
    layers say how many spatial axes it has (`cnncalc.arith.spec.read_input`: four numbers are
    C×D×H×W for an nn.Conv3d, N×C×H×W for an nn.Conv2d). `class_name` names the model (a class,
    function or object of the file, or a call with arguments: `VGG('VGG11')`)."""
    from cnncalc.safety.bounded import read_bytes

    p = Path(path)
    raw = read_bytes(p, MAX_MODEL_SOURCE_BYTES, field="path", usage=True)
    try:
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(_("{field} {path}: not a UTF-8 text file"), field="path", path=p) from None
    return import_source(source, str(p), input_shape, class_name)


def import_source(
    source: str,
    path: str = "<model>",
    input_shape: tuple[int, ...] | None = None,
    class_name: str | None = None,
) -> ImportResult:
    """Parse model source text into a `NetworkSpec` (see the module docstring for what is read).

    Bounded (`cnncalc.safety.limits`): at most MAX_MODEL_SOURCE_BYTES of source, nested at most
    MAX_MODEL_NESTING deep, and the evaluator's steps, calls, loops and values. Code quoted in a
    message or a note has its control characters escaped.
    """
    try:
        result = _Reader(source, path, input_shape, class_name).read()
    except Refusal as e:
        where = _("{path}, line {line}").format(path=path, line=e.line) if e.line else path
        raise CnnCalcError(printable(_("{where}: {error}").format(where=where, error=e.message))) from None
    except RecursionError:
        raise CnnCalcError(_("{path}: the code nests too deeply for cnncalc to follow"), path=path) from None
    return replace(result, notes=tuple(printable(n) for n in result.notes))


class _Reader:
    def __init__(
        self, source: str, path: str, input_shape: tuple[int, ...] | None, model: str | None
    ) -> None:
        self.source = source
        self.path = path
        self.given_input = input_shape
        self.model_choice = model
        self.tree = parse_module(source, path)
        self.framework_name = _framework(self.tree)
        self.ev = Evaluator(self.tree, source, path)
        if self.framework_name == "PyTorch":
            from cnncalc.arith.importer.pytorch import Torch

            self.fw: Any = Torch(self.ev)
        else:
            from cnncalc.arith.importer.keras import Keras

            self.fw = Keras(self.ev, input_shape)

    def read(self) -> ImportResult:
        self.ev.run_module()
        label, value = self.choose()
        trace, output, input_shape, notes = self.fw.trace_model(self, label, value)
        result = self.result(label, trace, output, input_shape, notes + self.unread_models(label))
        return replace(result, kind=self.fw.kind_of(value))

    def unread_models(self, label: str) -> list[str]:
        """Models the file also builds but cnncalc could not read: said, so none is passed over unseen."""
        out = []
        for name, e in self.ev.failures.items():
            stmt = next((s for s in self.tree.body if name in choice.dependencies_of_statement(s)), None)
            text = ast.get_source_segment(self.source, stmt) or "" if stmt is not None else ""
            if name != label and any(word in text for word in ("Sequential(", "Model(", "nn.Module")):
                out.append(
                    _(
                        "the file also builds {name} (line {line}), which cnncalc could not read: "
                        "line {error_line}: {error}"
                    ).format(name=name, line=stmt.lineno, error_line=e.line, error=e.message)
                )
        return out

    # -- the model -----------------------------------------------------------------------------------

    def choose(self) -> tuple[str, Any]:
        ev = self.ev
        if self.model_choice is not None:
            return self.chosen(self.model_choice)
        names = choice.candidates(self.tree, ev.globals, self.fw.is_model, self.fw.parts)
        self.refuse_changed(names)
        if not names:
            failed = sorted(ev.failures.values(), key=lambda e: e.line)
            if failed:
                raise failed[0]  # the model's own statement, most likely: say why it failed
            implicit = self.fw.implicit_model()
            if implicit is not None:
                return implicit
            raise Refusal(0, self.fw.no_model_message())
        if len(names) > 1:
            shown = ", ".join(self.describe(n) for n in names[:12]) + (" …" if len(names) > 12 else "")
            raise UsageError(
                _(
                    "{path}: the file defines {n} models nothing else uses: {models}; choose one with "
                    '{field} NAME (or a call with its arguments, e.g. {field} "{example}")'
                ),
                field="class_name",
                path=self.path,
                n=len(names),
                models=shown,
                example=self.example(names[0]),
            )
        label, value = self.build(names[0], ev.globals[names[0]])
        if isinstance(value, Instance) and isinstance(ev.globals[names[0]], Instance):
            label = value.cls.name  # `cnn = CNN()`: the class is the model's name
        return label, value

    def refuse_changed(self, names: list[str]) -> None:
        """A model, or a part of one, that the file changes in a way cnncalc could not follow
        (`model[0].stride = 2`) is not read as it was before the change: the change is refused."""
        deps = choice.dependencies(self.tree)
        for changed, e in self.ev.changes_failed.items():
            reached = choice.uses(deps, changed)
            if any(n in reached or changed in choice.uses(deps, n) for n in names) or not names:
                raise e

    def example(self, name: str) -> str:
        return f"{name}()" if isinstance(self.ev.globals[name], UserClass | Function) else name

    def describe(self, name: str) -> str:
        value = self.ev.globals[name]
        line = next((s.lineno for s in self.tree.body if name in choice.dependencies_of_statement(s)), 0)
        shown = f"{name}()" if isinstance(value, UserClass | Function) else name
        return _("{name} (line {line})").format(name=shown, line=line) if line else shown

    def chosen(self, text: str) -> tuple[str, Any]:
        try:
            expr = ast.parse(text.strip(), mode="eval").body
        except SyntaxError:
            raise UsageError(
                _("{field} {text!r} is not a name or a call; write e.g. resnet18 or \"VGG('VGG11')\""),
                field="class_name",
                text=text,
            ) from None
        head = expr.func if isinstance(expr, ast.Call) else expr
        if not isinstance(head, ast.Name) or head.id not in self.ev.globals:
            names = [
                n
                for n in self.ev.globals
                if isinstance(self.ev.globals[n], UserClass | Function)
                or self.fw.is_model(n, self.ev.globals[n])
            ]
            if names:
                nothing = _(
                    "{field} {text!r}: the file has no class, function or object of that name; it defines {names}"
                )
            else:
                nothing = _("{field} {text!r}: the file has no class, function or object of that name")
            raise UsageError(nothing, field="class_name", text=text, names=", ".join(names[:12]))
        if isinstance(expr, ast.Call):
            saved, self.ev.source = self.ev.source, text.strip()
            try:
                args = [self.ev.evaluate(a, self.ev.module_scope) for a in expr.args]
                kwargs = {
                    k.arg: self.ev.evaluate(k.value, self.ev.module_scope) for k in expr.keywords if k.arg
                }
            finally:
                self.ev.source = saved
            fn = self.ev.globals[head.id]
            node = next((s for s in self.tree.body if getattr(s, "name", None) == head.id), self.tree)
            try:
                return text.strip(), self.ev.call(fn, args, kwargs, node)
            except MissingArgument as e:
                raise self.missing(e, head.id) from None
        return self.build(head.id, self.ev.globals[head.id])

    def build(self, name: str, value: Any) -> tuple[str, Any]:
        """The model object: a class is built and a function called without arguments."""
        if isinstance(value, Unknown):
            failure = self.ev.failures.get(name)
            if failure is not None:
                raise failure
            raise Refusal(
                value.line,
                _("{name} is not known without running the code ({why})").format(name=name, why=value.why),
            )
        if isinstance(value, UserClass | Function):
            node = next((s for s in self.tree.body if getattr(s, "name", None) == name), self.tree)
            try:
                return f"{name}()" if isinstance(value, Function) else name, self.ev.call(value, [], {}, node)
            except MissingArgument as e:
                raise self.missing(e, name) from None
        return name, value

    def missing(self, e: MissingArgument, name: str) -> UsageError:
        fn = e.function
        params = [a.arg for a in fn.node.args.args[1 if fn.owner else 0 :]]
        shown = ", ".join(f"{p}=..." for p in params if p == e.name) or f"{e.name}=..."
        return UsageError(
            _(
                "{path}, line {line}: {name} needs a value for {arg!r}, which has no default; "
                'give it with {field} "{name}({shown})"'
            ),
            field="class_name",
            path=self.path,
            line=fn.node.lineno,
            name=name,
            arg=e.name,
            shown=shown,
        )

    # -- the result ------------------------------------------------------------------------------------

    def result(
        self, label: str, trace: Trace, output: Tensor, input_shape: tuple[int, ...] | None, notes: list[str]
    ) -> ImportResult:
        if input_shape is not None and len(input_shape) == 1:
            # a network's input is C×L, C×H×W or C×D×H×W: a vector of n features is n×1, which
            # fc flattens back to the same n values (the same parameters, shapes and MACs)
            n = input_shape[0]
            notes = [
                *notes,
                _(
                    "the input is a vector of {n} features, written {n}x1 (C×L): fc reads the same {n} values"
                ).format(n=n),
            ]
            input_shape = (n, 1)
        batch = trace.batch
        written = (batch, *input_shape) if batch is not None and input_shape is not None else input_shape
        text, order = trace.spec_text(output.node, written)
        try:
            spec = parse_spec(text)
        except CnnCalcError as e:
            raise CnnCalcError(
                _("{path}: the network read from the file is not a valid spec ({error})"),
                path=self.path,
                error=e,
            ) from None
        if input_shape is not None and (spec.input_shape, spec.batch) != (input_shape, batch):
            # a 3-D network whose layers have no axes in their names (batch norm, global pooling)
            raise Refusal(
                0,
                _(
                    "the input {input} has {n} spatial axes, but no layer of the network says so in the "
                    "spec language (a convolution, pool or padding with its axes in its name), which "
                    "would read the input as {read}; cnncalc cannot write this network"
                ).format(
                    input=fmt_shape(written),
                    n=len(input_shape) - 1,
                    read=fmt_shape(spec.input_shape or ()),
                ),
            )
        return _with_source_lines(
            spec, order, self.framework_name, label, self.path, tuple(self.ev.notes + notes)
        )


def _with_source_lines(
    spec: NetworkSpec, order: list[TNode], framework: str, label: str, path: str, notes: tuple[str, ...]
) -> ImportResult:
    """The spec with each layer's line in the model file, and what the file states about inputs.

    `order` is the traced layers in the order the spec computes them, as its graph's layer nodes."""
    layer_nodes = [n for n in spec.graph.nodes if n.layer is not None]
    by_node = {g.id: t for t, g in zip(order, layer_nodes, strict=True)}
    expects: list[Expect] = []
    sources: list[tuple[str, int]] = []
    nodes = []
    for g in spec.graph.nodes:
        if g.layer is None:
            nodes.append(g)
            continue
        t = by_node[g.id]
        if t.ranks:  # the axes first: a size is only compared on the kind of tensor the layer takes
            expects.append(Expect(g.id, t.line, "axes", 0, printable(t.call), t.ranks))
        if t.expect is not None:
            expects.append(Expect(g.id, t.line, t.expect[0], t.expect[1], printable(t.call)))
        sources.append((g.id, t.line))
        nodes.append(g._replace(layer=replace(g.layer, line=t.line), line=t.line))
    relined = {n.id: n.layer for n in nodes if n.layer is not None}
    spec = replace(
        spec,
        layers=tuple(relined[n.id] for n in layer_nodes),
        graph=Graph(tuple(nodes), spec.graph.output),
    )
    return ImportResult(spec, framework, label, path, notes, tuple(expects), tuple(sources))


# a tensor with a batch and n spatial axes, as the frameworks' documentation writes it
_BATCHED = {0: "N×C", 1: "N×C×L", 2: "N×C×H×W", 3: "N×C×D×H×W"}

# -- which framework ------------------------------------------------------------------------------------

_TORCH_HINTS = {"Conv2d", "Linear", "Module", "Sequential", "MaxPool2d", "BatchNorm2d", "LazyConv2d"}
_KERAS_HINTS = {"Conv2D", "Dense", "MaxPooling2D", "GlobalAveragePooling2D", "BatchNormalization", "Input"}


def _framework(tree: ast.Module) -> str:
    torch = keras = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            mods = [a.name for a in node.names] + (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            )
            torch += any(m.split(".")[0] in ("torch", "d2l") for m in mods)
            keras += any(m.split(".")[0] in ("keras", "tensorflow", "tf_keras") for m in mods)
        elif isinstance(node, ast.Attribute | ast.Name):
            name = node.attr if isinstance(node, ast.Attribute) else node.id
            torch += name in _TORCH_HINTS
            keras += name in _KERAS_HINTS
    if not torch and not keras:
        raise Refusal(
            0,
            _(
                "found no PyTorch (torch.nn) or Keras layers in this file; cnncalc reads nn.Module classes, "
                "nn.Sequential and Keras models"
            ),
        )
    return "PyTorch" if torch >= keras else "Keras"


def stated_input(
    source: str, samples: list[tuple[tuple[int, ...], int, str]]
) -> tuple[tuple[int, ...] | None, str]:
    """The input size the file states: a sample tensor (`torch.randn(1, 1, 28, 28)`), else a comment
    such as `# input shape (1, 28, 28)`."""
    if samples:
        dims, line, text = samples[0]
        return dims[1:], _("input {shape} from {code} on line {line} (the batch size {n} left out)").format(
            shape=fmt_shape(dims[1:]), code=text, line=line, n=dims[0]
        )
    pattern = re.compile(
        r"input[\s_]*(?:shape|size)?\s*[:=]?\s*[(\[]?\s*(\d+)\s*[,x×]\s*(\d+)\s*(?:[,x×]\s*(\d+))?"
    )
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return None, ""
    for tok in tokens:
        if tok.type == tokenize.COMMENT:
            m = pattern.search(tok.string.lower())
            if m:
                shape = tuple(int(g) for g in m.groups() if g is not None)
                return shape, _(
                    "input {shape} from the comment on line {line} ({comment!r}); an input shape given "
                    "explicitly replaces it"
                ).format(shape=fmt_shape(shape), line=tok.start[0], comment=tok.string.strip())
    return None, ""
