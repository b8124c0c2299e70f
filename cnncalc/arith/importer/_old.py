"""Read a PyTorch or Keras model from its source code, without importing or running it.

The file is parsed with `ast` and only read: constructor calls such as `nn.Conv2d(1, 16, 5, 1, 2)`
or `Conv2D(32, (3, 3), activation='relu')` become lines of the spec language (`conv 16 k=5 p=2`),
so the learner sees the network as cnncalc understands it and can edit it. Arguments may be
literals or simple arithmetic on names assigned literals (`32 * 7 * 7`, `num_classes`).

PyTorch: `nn.Sequential(...)` (nested, or with an `OrderedDict`), `nn.Module` subclasses whose
`__init__` builds the layers; the layer order is the order `forward()` calls them (with `F.relu`,
`F.max_pool2d`, `x.view(...)`, `torch.flatten(x, 1)` … in between), else the `__init__` order.
The sizes the code states (`in_channels`, `in_features`, `num_features`) are checked against the
walked shapes by `ImportResult.verify`, as PyTorch would at run time.

Keras: `Sequential([...])`, `model.add(...)` and functional chains `Layer(...)(x)`; channels-last
`input_shape=(H, W, C)` becomes C×H×W, `activation='relu'` becomes a separate relu layer.

Anything else is a `CnnCalcError` naming the line.

>>> r = import_source("import torch.nn as nn\\nnet = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU())")
>>> r.spec.to_text(" | ")
'conv 8 k=3 | relu'
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass, field, replace
from math import prod
from pathlib import Path

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.layer_spec import LayerSpec, parse_layer
from cnncalc.arith.parsing import fmt_axes, fmt_shape
from cnncalc.arith.sizes import ceil_div
from cnncalc.arith.spec import NetworkSpec

# -- results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """A size the source states for a layer's input, e.g. nn.Linear(1568, 10) → 1568 features."""

    number: int
    line: int
    what: str
    value: int
    call: str


@dataclass(frozen=True)
class ImportResult:
    spec: NetworkSpec
    framework: str
    model: str
    path: str
    notes: tuple[str, ...] = ()
    expects: tuple[Expect, ...] = ()

    @property
    def summary(self) -> str:
        return f"{self.framework} model {self.model}, {len(self.spec.layers)} layers"

    @property
    def first_layer_hint(self) -> str:
        if self.expects and self.expects[0].number == min(e.number for e in self.expects):
            e = self.expects[0]
            unit = "input channels" if e.what in ("in_channels", "num_features") else "input features"
            return f"{e.call}, line {e.line}, takes {e.value} {unit}"
        return "does not state its input channels"

    def verify(self, net) -> None:
        """Compare the sizes written in the source with the walked shapes (`net`: a NetworkResult)."""
        for e in self.expects:
            lr = net.layers[e.number - 1]
            shape = lr.input_shape
            if shape is None:
                continue
            actual = prod(shape) if e.what == "in_features" else shape[0]
            if actual != e.value:
                given = f"{actual} {'features' if e.what == 'in_features' else 'channels'}"
                if len(shape) > 1:
                    given = f"{fmt_shape(shape)}, {given}"
                raise CnnCalcError(
                    f"{self.path}, line {e.line}: {e.call} expects {e.what}={e.value}, but for input "
                    f"{fmt_shape(net.input_shape)} the layer before gives {given}; "
                    "PyTorch would stop here with a size mismatch. Check {field} or this layer's arguments",
                    field="input",
                )

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "framework": self.framework,
            "model": self.model,
            "spec": self.spec.to_text("\n"),
            "notes": list(self.notes),
            "source_lines": {str(layer.number): layer.line for layer in self.spec.layers},
        }


def import_file(path: str | Path) -> ImportResult:
    """Read and parse a model file; the file is never imported or executed."""
    p = Path(path)
    try:
        source = p.read_text(encoding="utf-8")
    except OSError as e:
        raise UsageError(f"{{field}} {p}: cannot read it ({e.strerror or e})", field="path") from None
    except UnicodeDecodeError:
        raise UsageError(f"{{field}} {p}: not a UTF-8 text file", field="path") from None
    return import_source(source, str(p))


def import_source(source: str, path: str = "<model>") -> ImportResult:
    """Parse model source text into a `NetworkSpec` (see the module docstring for what is read)."""
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as e:
        raise CnnCalcError(
            f"{path}, line {e.lineno}: not valid Python ({e.msg}); cnncalc reads model code with Python's parser"
        ) from None
    framework = _framework(tree)
    reader: _Reader = (
        _TorchReader(tree, source, path) if framework == "PyTorch" else _KerasReader(tree, source, path)
    )
    return reader.read()


# -- internals ------------------------------------------------------------------------------------


class _Unknown(Exception):
    """A value the reader cannot work out without running the code."""


@dataclass
class _Layer:
    chunk: str
    line: int
    expect: tuple[str, int, str] | None = None  # (what, value, call text)


@dataclass
class _Found:
    """Layers built by one expression, or why it could not be read (raised only if it is used)."""

    layers: list[_Layer] = field(default_factory=list)
    problem: str | None = None


_TORCH_NAMES = {
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "MaxPool1d",
    "MaxPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "Linear",
    "Module",
}
_KERAS_NAMES = {
    "Conv1D",
    "Conv2D",
    "Conv2DTranspose",
    "Dense",
    "MaxPooling2D",
    "MaxPooling1D",
    "AveragePooling2D",
    "GlobalAveragePooling2D",
    "BatchNormalization",
    "Sequential",
}


def _framework(tree: ast.Module) -> str:
    torch = keras = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            mods = [a.name for a in node.names] + (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            )
            torch += any(m.split(".")[0] == "torch" for m in mods)
            keras += any(m.split(".")[0] in ("keras", "tensorflow", "tf_keras") for m in mods)
        elif isinstance(node, ast.Name | ast.Attribute):
            name = node.id if isinstance(node, ast.Name) else node.attr
            torch += name in _TORCH_NAMES
            keras += name in _KERAS_NAMES - {"Sequential"}
    if not torch and not keras:
        raise CnnCalcError(
            "found no PyTorch (torch.nn) or Keras layers in this file; cnncalc reads nn.Sequential, nn.Module "
            "classes and Keras Sequential models"
        )
    return "PyTorch" if torch >= keras else "Keras"


def _name(func: ast.expr) -> str:
    """`nn.Conv2d` → 'Conv2d', `Conv2D` → 'Conv2D', `tf.keras.layers.Dense` → 'Dense'."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    return ""


def _src(node: ast.AST, source: str) -> str:
    text = ast.get_source_segment(source, node) or _dotted(getattr(node, "func", node)) + "(...)"
    text = " ".join(text.split())
    return text if len(text) <= 70 else text[:67] + "..."


def _spec_size(v: object) -> str:
    """A constructor's size argument in the spec language: (3, 3) → '3', (3, 5) → '3x5', 2 → '2'."""
    return fmt_axes(v if isinstance(v, tuple | list) else (v,), "x")


class _Reader:
    framework = ""

    def __init__(self, tree: ast.Module, source: str, path: str) -> None:
        self.tree = tree
        self.source = source
        self.path = path
        self.notes: list[str] = []
        self.env: dict[str, object] = {}
        self.input_shape: tuple[int, ...] | None = None
        self.layer_dims: tuple[int, str] | None = None  # spatial axes of the first Conv/Pool, and its text
        self._module_constants()

    def fail(self, node: ast.AST | int, message: str) -> CnnCalcError:
        line = node if isinstance(node, int) else getattr(node, "lineno", 0)
        return CnnCalcError(f"{self.path}, line {line}: {message}")

    # values ------------------------------------------------------------------------------------

    def _module_constants(self) -> None:
        for stmt in self.tree.body:
            self._assign_constant(stmt, self.env)

    def _assign_constant(self, stmt: ast.stmt, env: dict[str, object], prefix: str = "") -> None:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            key = _dotted(target)
            if key and not isinstance(stmt.value, ast.Call):
                try:
                    env[prefix + key] = self.value(stmt.value, env)
                except _Unknown:
                    env.pop(prefix + key, None)

    def value(self, node: ast.expr, env: dict[str, object] | None = None) -> object:
        """A literal, or + − * // / % on literals and known names; `_Unknown` otherwise."""
        env = self.env if env is None else env
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Tuple | ast.List):
            return tuple(self.value(e, env) for e in node.elts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            v = self.value(node.operand, env)
            if isinstance(v, int | float) and not isinstance(v, bool):
                return -v if isinstance(node.op, ast.USub) else v
            raise _Unknown
        if isinstance(node, ast.BinOp):
            a, b = self.value(node.left, env), self.value(node.right, env)
            if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b)):
                raise _Unknown
            ops = {
                ast.Add: lambda: a + b,
                ast.Sub: lambda: a - b,
                ast.Mult: lambda: a * b,
                ast.FloorDiv: lambda: a // b if b else None,
                ast.Div: lambda: a / b if b else None,
                ast.Mod: lambda: a % b if b else None,
            }
            fn = ops.get(type(node.op))
            result = fn() if fn else None
            if result is None:
                raise _Unknown
            return (
                int(result)
                if isinstance(result, float) and result.is_integer() and isinstance(node.op, ast.Div)
                else result
            )
        if isinstance(node, ast.Name | ast.Attribute):
            key = _dotted(node)
            if key in env:
                return env[key]
            if key in ("True", "False", "None"):
                return {"True": True, "False": False, "None": None}[key]
        raise _Unknown

    def bind(
        self, call: ast.Call, params: tuple[str, ...], env: dict[str, object], strict: bool = True
    ) -> dict:
        """Positional and keyword arguments → {name: value}; unknown keywords fail when strict."""
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            raise self.fail(
                call,
                f"{_src(call, self.source)}: *args/**kwargs are only known at run time; "
                "write the arguments out",
            )
        if len(call.args) > len(params):
            raise self.fail(call, f"{_src(call, self.source)}: too many positional arguments")
        out: dict = {}
        pairs = list(zip(params, call.args, strict=False)) + [(k.arg, k.value) for k in call.keywords]
        for name, node in pairs:
            if name not in params:
                if strict:
                    raise self.fail(call, f"{_src(call, self.source)}: unexpected argument {name!r}")
                continue
            try:
                out[name] = self.value(node, env)
            except _Unknown:
                if name in _SHAPE_ARGS:
                    raise self.fail(
                        node,
                        f"{_src(call, self.source)}: cannot work out {name} = "
                        f"{_src(node, self.source)} without running the code; write a number",
                    ) from None
                out[name] = _UNREAD
        return out

    def spec(self, layers: list[_Layer]) -> tuple[NetworkSpec, tuple[Expect, ...]]:
        if not layers:
            raise CnnCalcError(f"{self.path}: found a model but no layers in it")
        specs: list[LayerSpec] = []
        expects: list[Expect] = []
        for i, lay in enumerate(layers, start=1):
            try:
                spec = parse_layer(lay.chunk, i, lay.line)
            except CnnCalcError as e:
                raise CnnCalcError(f"{self.path}, line {lay.line}: {e}") from None
            specs.append(replace(spec, line=lay.line))
            if lay.expect is not None:
                expects.append(Expect(i, lay.line, lay.expect[0], lay.expect[1], lay.expect[2]))
        return NetworkSpec(self.input_shape, tuple(specs)), tuple(expects)

    def read(self) -> ImportResult:
        raise NotImplementedError


_UNREAD = object()
_SHAPE_ARGS = {
    "in_channels",
    "out_channels",
    "kernel_size",
    "stride",
    "padding",
    "dilation",
    "groups",
    "output_padding",
    "in_features",
    "out_features",
    "num_features",
    "output_size",
    "filters",
    "units",
    "pool_size",
    "strides",
    "dilation_rate",
    "ceil_mode",
    "start_dim",
    "input_shape",
    "shape",
    "bias",
    "use_bias",
    "affine",
}

# -- PyTorch --------------------------------------------------------------------------------------

_CONV = (
    "in_channels",
    "out_channels",
    "kernel_size",
    "stride",
    "padding",
    "dilation",
    "groups",
    "bias",
    "padding_mode",
    "device",
    "dtype",
)
_TCONV = (
    "in_channels",
    "out_channels",
    "kernel_size",
    "stride",
    "padding",
    "output_padding",
    "groups",
    "bias",
    "dilation",
    "padding_mode",
    "device",
    "dtype",
)
_TORCH = {
    "Conv1d": _CONV,
    "Conv2d": _CONV,
    "Conv3d": _CONV,
    "ConvTranspose1d": _TCONV,
    "ConvTranspose2d": _TCONV,
    "ConvTranspose3d": _TCONV,
    "MaxPool1d": ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"),
    "MaxPool2d": ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"),
    "AvgPool1d": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"),
    "AvgPool2d": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"),
    "AdaptiveAvgPool1d": ("output_size",),
    "AdaptiveAvgPool2d": ("output_size",),
    "BatchNorm1d": ("num_features", "eps", "momentum", "affine", "track_running_stats", "device", "dtype"),
    "BatchNorm2d": ("num_features", "eps", "momentum", "affine", "track_running_stats", "device", "dtype"),
    "Linear": ("in_features", "out_features", "bias", "device", "dtype"),
    "ReLU": ("inplace",),
    "LeakyReLU": ("negative_slope", "inplace"),
    "Sigmoid": (),
    "Tanh": (),
    "Softmax": ("dim",),
    "LogSoftmax": ("dim",),
    "Flatten": ("start_dim", "end_dim"),
    "Dropout": ("p", "inplace"),
    "Dropout1d": ("p", "inplace"),
    "Dropout2d": ("p", "inplace"),
    "Identity": (),
}
# functional forms used in forward(): name → (parameters after the input, layer kind)
_FUNCTIONAL = {
    "relu": ((), "relu"),
    "relu_": ((), "relu"),
    "sigmoid": ((), "sigmoid"),
    "tanh": ((), "tanh"),
    "leaky_relu": (("negative_slope", "inplace"), "leakyrelu"),
    "softmax": (("dim",), "softmax"),
    "log_softmax": (("dim",), "softmax"),
    "max_pool1d": (
        ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"),
        "MaxPool1d",
    ),
    "max_pool2d": (
        ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"),
        "MaxPool2d",
    ),
    "avg_pool1d": (("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"), "AvgPool1d"),
    "avg_pool2d": (
        ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"),
        "AvgPool2d",
    ),
    "adaptive_avg_pool1d": (("output_size",), "AdaptiveAvgPool1d"),
    "adaptive_avg_pool2d": (("output_size",), "AdaptiveAvgPool2d"),
    "dropout": (("p", "training", "inplace"), "dropout"),
    "dropout2d": (("p", "training", "inplace"), "dropout"),
    "flatten": (("start_dim", "end_dim"), "flatten"),
}
# tensor methods and helpers that do not change the layer sequence
_HARMLESS = {
    "size",
    "dim",
    "numel",
    "contiguous",
    "print",
    "len",
    "super",
    "isinstance",
    "int",
    "float",
    "detach",
    "clone",
    "to",
    "type",
}


class _TorchReader(_Reader):
    framework = "PyTorch"

    def read(self) -> ImportResult:
        classes = {c.name: c for c in self.tree.body if isinstance(c, ast.ClassDef) and self._is_module(c)}
        self._classes = classes
        self._reading: list[str] = []
        self._input_from_source()
        if classes:
            name = self._main_class(classes)
            layers = self._class_layers(classes[name])
        else:
            name, layers = self._module_sequential()
        spec, expects = self.spec(layers)
        if self.input_shape is None:
            self.notes.append("PyTorch code does not fix the input size: it has to be given (CxHxW).")
        return ImportResult(spec, self.framework, name, self.path, tuple(self.notes), expects)

    @staticmethod
    def _is_module(cls: ast.ClassDef) -> bool:
        return any(_name(b) == "Module" for b in cls.bases)

    def _main_class(self, classes: dict[str, ast.ClassDef]) -> str:
        used = {
            n.func.id
            for c in classes.values()
            for n in ast.walk(c)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in classes
        }
        roots = [n for n in classes if n not in used]
        module_calls = [
            stmt.value.func.id
            for stmt in self.tree.body
            if isinstance(stmt, ast.Assign | ast.Expr)
            and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Name)
            and stmt.value.func.id in roots
        ]
        choice = (module_calls or roots or list(classes))[-1]
        others = [n for n in roots if n != choice]
        if others:
            self.notes.append(f"read class {choice}; the file also defines {', '.join(others)}")
        return choice

    # the input size, if the source states it ------------------------------------------------------

    def _input_from_source(self) -> None:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and _name(node.func) in ("randn", "rand", "zeros", "ones", "empty"):
                try:
                    dims = tuple(self.value(a) for a in node.args)
                except _Unknown:
                    continue
                if 3 <= len(dims) <= 5 and all(isinstance(d, int) and d > 0 for d in dims):
                    self.input_shape = tuple(dims[1:])  # type: ignore[assignment]
                    self.notes.append(
                        f"input {fmt_shape(self.input_shape)} from {_src(node, self.source)} "
                        f"on line {node.lineno} (the batch size {dims[0]} left out)"
                    )
                    return
        pattern = re.compile(
            r"input[\s_]*(?:shape|size)?\s*[:=]?\s*[(\[]?\s*(\d+)\s*[,x×]\s*(\d+)\s*(?:[,x×]\s*(\d+))?"
        )
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO(self.source).readline))
        except (tokenize.TokenError, SyntaxError):
            return
        for tok in tokens:
            if tok.type == tokenize.COMMENT:
                m = pattern.search(tok.string.lower())
                if m:
                    self.input_shape = tuple(int(g) for g in m.groups() if g is not None)
                    self.notes.append(
                        f"input {fmt_shape(self.input_shape)} from the comment on line {tok.start[0]} "
                        f"({tok.string.strip()!r}); an input shape given explicitly replaces it"
                    )
                    return

    # classes ------------------------------------------------------------------------------------

    def _class_layers(
        self, cls: ast.ClassDef, call: ast.Call | None = None, outer: dict | None = None
    ) -> list[_Layer]:
        """The layers of one nn.Module class; `call` is how an enclosing model builds it (Block(16, 32))."""
        if cls.name in self._reading:
            raise self.fail(cls, f"class {cls.name} contains itself")
        self._reading.append(cls.name)
        env = dict(self.env)
        for stmt in cls.body:
            self._assign_constant(stmt, env)
        methods = {f.name: f for f in cls.body if isinstance(f, ast.FunctionDef)}
        attrs: dict[str, _Found] = {}
        order: list[str] = []
        init = methods.get("__init__")
        if init is not None:
            self._defaults(init, env)
            if call is not None:
                names = tuple(a.arg for a in init.args.args[1:]) + tuple(a.arg for a in init.args.kwonlyargs)
                for key, value in self.bind(call, names, outer if outer is not None else self.env).items():
                    if value is not _UNREAD:
                        env[key] = value
            self._read_init(init.body, env, attrs, order)
        forward = methods.get("forward")
        layers: list[_Layer] = []
        used: list[str] = []
        if forward is not None:
            fenv = dict(env)
            for stmt in forward.body:
                self._forward_stmt(stmt, attrs, layers, used, fenv)
        if not used:
            if forward is not None and layers:
                self.notes.append(f"{cls.name}.forward() uses no layer attributes; read the layers it calls")
            else:
                if forward is not None:
                    self.notes.append(
                        f"{cls.name}.forward() calls no layers cnncalc can follow; used the __init__ order"
                    )
                for name in order:
                    layers.extend(self._use(attrs[name], cls.lineno))
        else:
            unused = [n for n in order if n not in used and attrs[n].layers]
            if unused:
                self.notes.append(
                    f"{cls.name}: {', '.join('self.' + n for n in unused)} defined in __init__ but not "
                    "used in forward(); left out (PyTorch's model.parameters() still counts their parameters)"
                )
        self._reading.pop()
        return layers

    def _defaults(self, fn: ast.FunctionDef, env: dict[str, object]) -> None:
        args = fn.args.args[len(fn.args.args) - len(fn.args.defaults) :]
        for arg, default in zip(args, fn.args.defaults, strict=True):
            try:
                env[arg.arg] = self.value(default, env)
            except _Unknown:
                continue
        for arg, default in zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=True):
            if default is not None:
                try:
                    env[arg.arg] = self.value(default, env)
                except _Unknown:
                    continue

    def _read_init(self, body: list[ast.stmt], env: dict, attrs: dict[str, _Found], order: list[str]) -> None:
        for stmt in body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target = stmt.targets[0]
                key = _dotted(target)
                if isinstance(stmt.value, ast.Call) and key.startswith("self."):
                    name = key[5:]
                    attrs[name] = self._module_expr(stmt.value, env)
                    if name not in order:
                        order.append(name)
                    continue
                self._assign_constant(stmt, env)
            elif isinstance(stmt, ast.For | ast.While | ast.If | ast.With):
                for node in ast.walk(stmt):
                    if isinstance(node, ast.Call) and _name(node.func) in _TORCH:
                        raise self.fail(
                            node,
                            f"{_src(node, self.source)} is built inside a "
                            f"{type(stmt).__name__.lower()} statement, so the layers are only known "
                            "when the code runs; write them out (or use a spec)",
                        )

    def _module_expr(self, call: ast.Call, env: dict) -> _Found:
        """The layers one constructor call builds."""
        name = _name(call.func)
        if name == "Sequential":
            found = _Found()
            items: list[ast.expr] = list(call.args)
            if len(items) == 1 and isinstance(items[0], ast.Call) and _name(items[0].func) == "OrderedDict":
                pairs = items[0].args[0] if items[0].args else None
                if not isinstance(pairs, ast.List | ast.Tuple):
                    return _Found(problem=f"line {call.lineno}: cannot read this OrderedDict")
                items = [p.elts[1] for p in pairs.elts if isinstance(p, ast.Tuple) and len(p.elts) == 2]
            for item in items:
                if isinstance(item, ast.Starred):
                    raise self.fail(
                        item,
                        f"nn.Sequential(*{_src(item.value, self.source)}) is filled at run time; "
                        "write the layers out",
                    )
                if not isinstance(item, ast.Call):
                    raise self.fail(
                        item, f"{_src(item, self.source)} inside nn.Sequential is not a layer call"
                    )
                sub = self._module_expr(item, env)
                if sub.problem:
                    raise self.fail(item, sub.problem)
                found.layers.extend(sub.layers)
            return found
        if name in self._classes:
            return _Found(self._class_layers(self._classes[name], call, env))
        if name in _TORCH:
            return _Found(self._torch_layer(name, call, self.bind(call, _TORCH[name], env)))
        return _Found(
            problem=f"{_src(call, self.source)} is not a layer cnncalc knows; it reads "
            + ", ".join(n for n in _TORCH if n != "Identity")
        )

    def _use(self, found: _Found, line: int) -> list[_Layer]:
        if found.problem:
            raise CnnCalcError(
                f"{self.path}, line {line}: {found.problem}"
                if not found.problem.startswith("line")
                else f"{self.path}, {found.problem}"
            )
        return found.layers

    # forward ------------------------------------------------------------------------------------

    def _forward_stmt(
        self, stmt: ast.stmt, attrs: dict[str, _Found], layers: list[_Layer], used: list[str], env: dict
    ) -> None:
        if isinstance(stmt, ast.For | ast.While):
            raise self.fail(
                stmt, "forward() loops over layers; cnncalc reads a forward() that calls each layer once"
            )
        if isinstance(stmt, ast.If):
            raise self.fail(stmt, "forward() branches with if; cnncalc reads a straight chain of layers")
        for expr in _ordered_exprs(stmt):
            self._forward_expr(expr, attrs, layers, used, env)

    def _forward_expr(self, node: ast.AST, attrs, layers: list[_Layer], used: list[str], env: dict) -> None:
        """Post-order: the arguments of a call run before the call (F.relu(self.conv1(x)))."""
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                self._forward_expr(node.func.value, attrs, layers, used, env)
            for child in [*node.args, *(k.value for k in node.keywords)]:
                self._forward_expr(child, attrs, layers, used, env)
            self._forward_call(node, attrs, layers, used, env)
            return
        if isinstance(node, ast.Lambda):
            raise self.fail(node, "forward() uses a lambda; cnncalc reads a straight chain of layers")
        for child in ast.iter_child_nodes(node):
            self._forward_expr(child, attrs, layers, used, env)

    def _forward_call(self, call: ast.Call, attrs, layers: list[_Layer], used: list[str], env: dict) -> None:
        func = call.func
        dotted = _dotted(func)
        name = _name(func)
        if dotted.startswith("self.") and dotted.count(".") == 1:
            attr = dotted[5:]
            if attr not in attrs:
                raise self.fail(
                    call, f"forward() calls self.{attr}, which __init__ does not build as a layer"
                )
            layers.extend(self._use(attrs[attr], call.lineno))
            used.append(attr)
            return
        on_tensor = isinstance(func, ast.Attribute) and dotted.split(".")[0] not in (
            "F",
            "torch",
            "nn",
            "functional",
        )
        if name in _HARMLESS:
            return
        if name in ("view", "reshape") and on_tensor:
            layers.append(_Layer("flatten", call.lineno))
            return
        if name in ("mean", "amax") and on_tensor:
            raise self.fail(
                call,
                f"{_src(call, self.source)}: write global pooling as nn.AdaptiveAvgPool2d(1) "
                "or F.adaptive_avg_pool2d(x, 1)",
            )
        if name in _FUNCTIONAL:
            params, kind = _FUNCTIONAL[name]
            args = call.args if on_tensor else call.args[1:]
            fake = ast.Call(func=call.func, args=list(args), keywords=call.keywords)
            ast.copy_location(fake, call)
            bound = self.bind(fake, params, env)
            if kind == "flatten":
                if "start_dim" not in bound:
                    self.notes.append(
                        f"line {call.lineno}: {_src(call, self.source)} without start_dim also flattens "
                        "the batch axis; read as a flatten from axis 1"
                    )
                elif bound["start_dim"] != 1:
                    raise self.fail(
                        call, f"{_src(call, self.source)}: only flattening from axis 1 is supported"
                    )
                layers.append(_Layer("flatten", call.lineno))
            elif kind in _TORCH:
                layers.extend(self._torch_layer(kind, call, bound))
            elif kind == "dropout":
                layers.append(_Layer(f"dropout {bound.get('p', 0.5)}", call.lineno))
            elif kind == "leakyrelu":
                layers.append(_Layer(f"leakyrelu slope={bound.get('negative_slope', 0.01)}", call.lineno))
            else:
                layers.append(_Layer(kind, call.lineno))
            return
        raise self.fail(
            call,
            f"forward() calls {_src(call, self.source)}, which cnncalc cannot follow; it reads "
            "a chain of layers (self.layer(x), F.relu, F.max_pool2d, x.view, torch.flatten)",
        )

    # layers -------------------------------------------------------------------------------------

    def _check_dims(self, name: str, call: ast.Call, text: str, a: dict) -> None:
        """Conv2d takes 2 sizes per option and cannot follow a Conv3d: PyTorch would refuse both."""
        dims = int(name[-2]) if name[-1] == "d" and name[-2] in "123" else None
        if dims is None:
            return
        for key in ("kernel_size", "stride", "padding", "dilation", "output_padding"):
            value = a.get(key)
            if isinstance(value, tuple) and len(value) != dims:
                raise self.fail(
                    call, f"{text}: {key}={value} has {len(value)} values, but {name} takes {dims}"
                )
        if self.layer_dims is not None and self.layer_dims[0] != dims:
            raise self.fail(
                call,
                f"{text}: a {dims}-D layer after the {self.layer_dims[0]}-D {self.layer_dims[1]}; "
                "every spatial layer of a network works on the same number of axes",
            )
        self.layer_dims = self.layer_dims or (dims, text)

    def _torch_layer(self, name: str, call: ast.Call, a: dict) -> list[_Layer]:
        line = call.lineno
        text = _src(call, self.source)

        def need(*keys: str) -> None:
            for key in keys:
                if key not in a or a[key] is _UNREAD:
                    raise self.fail(call, f"{text}: missing {key}")

        if name.startswith(("Conv", "ConvTranspose", "MaxPool", "AvgPool")):
            self._check_dims(name, call, text, a)
        if name.startswith(("Conv", "ConvTranspose")):
            need("in_channels", "out_channels", "kernel_size")
            kind = "tconv" if name.startswith("ConvTranspose") else "conv"
            parts = [
                kind,
                str(a["out_channels"]),
                f"k={_spec_size(a['kernel_size'])}",
                f"s={_spec_size(a.get('stride', 1))}",
                f"p={_spec_size(a.get('padding', 0))}",
                f"d={_spec_size(a.get('dilation', 1))}",
                f"g={a.get('groups', 1)}",
            ]
            if kind == "tconv":
                parts.append(f"op={_spec_size(a.get('output_padding', 0))}")
            if a.get("bias", True) is False:
                parts.append("bias=false")
            return [_Layer(" ".join(parts), line, ("in_channels", a["in_channels"], text))]
        if name.startswith(("MaxPool", "AvgPool")):
            need("kernel_size")
            kind = "maxpool" if name.startswith("Max") else "avgpool"
            k = a["kernel_size"]
            s = a.get("stride") if a.get("stride") is not None else k
            parts = [kind, f"k={_spec_size(k)}", f"s={_spec_size(s)}", f"p={_spec_size(a.get('padding', 0))}"]
            if kind == "maxpool" and a.get("dilation", 1) != 1:
                parts.append(f"d={_spec_size(a['dilation'])}")
            if a.get("ceil_mode"):
                parts.append("ceil=true")
            return [_Layer(" ".join(parts), line)]
        if name.startswith("AdaptiveAvgPool"):
            need("output_size")
            size = a["output_size"]
            sizes = size if isinstance(size, tuple) else (size,)
            if any(v is None for v in sizes):
                raise self.fail(call, f"{text}: an output size of None keeps that input size; give numbers")
            return [_Layer("gap" if set(sizes) == {1} else f"adaptiveavgpool {_spec_size(size)}", line)]
        if name.startswith("BatchNorm"):
            need("num_features")
            if a.get("affine", True) is False:
                raise self.fail(
                    call, f"{text}: affine=False batch norm has no parameters, which the spec cannot say"
                )
            return [_Layer("bn", line, ("num_features", a["num_features"], text))]
        if name == "Linear":
            need("in_features", "out_features")
            chunk = f"fc {a['out_features']}" + (" bias=false" if a.get("bias", True) is False else "")
            return [_Layer(chunk, line, ("in_features", a["in_features"], text))]
        if name == "Flatten":
            if a.get("start_dim", 1) != 1 or a.get("end_dim", -1) != -1:
                raise self.fail(call, f"{text}: only nn.Flatten() from axis 1 to the end is supported")
            return [_Layer("flatten", line)]
        if name.startswith("Dropout"):
            return [_Layer(f"dropout {a.get('p', 0.5)}", line)]
        if name == "LeakyReLU":
            return [_Layer(f"leakyrelu slope={a.get('negative_slope', 0.01)}", line)]
        if name in ("Softmax", "LogSoftmax"):
            if name == "LogSoftmax":
                self.notes.append(f"line {line}: LogSoftmax shown as softmax (same shape, no parameters)")
            return [_Layer("softmax", line)]
        if name == "Identity":
            return []
        return [_Layer(name.lower(), line)]

    # module-level nn.Sequential ----------------------------------------------------------------------

    def _module_sequential(self) -> tuple[str, list[_Layer]]:
        found: list[tuple[str, ast.Call]] = []
        for node in ast.walk(self.tree):
            if (
                isinstance(node, ast.Assign | ast.Return)
                and isinstance(node.value, ast.Call)
                and _name(node.value.func) == "Sequential"
            ):
                label = _dotted(node.targets[0]) if isinstance(node, ast.Assign) else "(returned)"
                found.append((label, node.value))
        if not found:
            raise CnnCalcError(f"{self.path}: found no nn.Sequential(...) assignment and no nn.Module class")
        found.sort(key=lambda f: f[1].lineno)
        label, call = next((f for f in found if f[0] == "model"), found[-1])
        if len(found) > 1:
            self.notes.append(
                f"read {label} = nn.Sequential(...) on line {call.lineno}; the file has {len(found)} of them"
            )
        sub = self._module_expr(call, self.env)
        return label, self._use(sub, call.lineno)


def _ordered_exprs(stmt: ast.stmt) -> list[ast.AST]:
    """The expressions of a statement in evaluation order (value before the assignment target)."""
    if isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.Return | ast.Expr):
        return [stmt.value] if stmt.value is not None else []
    return list(ast.iter_child_nodes(stmt))


# -- Keras ----------------------------------------------------------------------------------------

_KCONV = (
    "filters",
    "kernel_size",
    "strides",
    "padding",
    "data_format",
    "dilation_rate",
    "groups",
    "activation",
    "use_bias",
)
_KTCONV = (
    "filters",
    "kernel_size",
    "strides",
    "padding",
    "output_padding",
    "data_format",
    "dilation_rate",
    "activation",
    "use_bias",
)
_KPOOL = ("pool_size", "strides", "padding", "data_format")
_KERAS = {
    "Conv1D": _KCONV,
    "Conv2D": _KCONV,
    "Convolution2D": _KCONV,
    "Conv2DTranspose": _KTCONV,
    "MaxPooling1D": _KPOOL,
    "MaxPooling2D": _KPOOL,
    "MaxPool2D": _KPOOL,
    "MaxPool1D": _KPOOL,
    "AveragePooling1D": _KPOOL,
    "AveragePooling2D": _KPOOL,
    "AvgPool2D": _KPOOL,
    "GlobalAveragePooling1D": ("data_format", "keepdims"),
    "GlobalAveragePooling2D": ("data_format", "keepdims"),
    "GlobalAvgPool2D": ("data_format", "keepdims"),
    "Dense": ("units", "activation", "use_bias"),
    "Flatten": ("data_format",),
    "Dropout": ("rate", "noise_shape", "seed"),
    "BatchNormalization": ("axis", "momentum", "epsilon", "center", "scale"),
    "Activation": ("activation",),
    "ReLU": (),
    "Softmax": ("axis",),
    "LeakyReLU": ("alpha", "negative_slope"),
    "InputLayer": ("input_shape", "batch_size", "dtype", "shape"),
    "Input": ("shape", "batch_size", "name", "dtype"),
}
_ACTIVATIONS = {
    "relu": "relu",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "softmax": "softmax",
    "linear": None,
    "leaky_relu": "leakyrelu slope=0.2",
}


class _KerasReader(_Reader):
    framework = "Keras"

    def read(self) -> ImportResult:
        nodes = sorted(
            (n for n in ast.walk(self.tree) if isinstance(n, ast.Call)),
            key=lambda n: (n.lineno, n.col_offset),
        )
        models: dict[str, int] = {}  # variable → line of its Sequential()
        layers: list[_Layer] = []
        label = ""
        handled: set[int] = set()
        assigned = {
            id(s.value): _dotted(s.targets[0])
            for s in ast.walk(self.tree)
            if isinstance(s, ast.Assign) and len(s.targets) == 1
        }
        for call in nodes:
            name = _name(call.func)
            if name == "Sequential" and not models:
                label = assigned.get(id(call), "Sequential")
                models[label] = call.lineno
                items = (
                    call.args[0]
                    if call.args
                    else next((k.value for k in call.keywords if k.arg == "layers"), None)
                )
                if isinstance(items, ast.List | ast.Tuple):
                    for item in items.elts:
                        layers.extend(self._item(item, handled))
            elif (
                name == "add" and isinstance(call.func, ast.Attribute) and _dotted(call.func.value) in models
            ):
                if len(call.args) != 1:
                    raise self.fail(call, f"{_src(call, self.source)}: model.add takes one layer")
                layers.extend(self._item(call.args[0], handled))
        if not models:
            label = "functional"
            for call in nodes:
                # x = layers.Conv2D(...)(x): the inner call builds the layer, the outer applies it
                if isinstance(call.func, ast.Call) and id(call.func) not in handled:
                    layers.extend(self._item(call.func, handled))
                elif _name(call.func) == "Input" and id(call) not in handled:
                    layers.extend(self._item(call, handled))
        if not layers:
            raise CnnCalcError(f"{self.path}: found no Keras Sequential model or layer calls")
        spec, expects = self.spec(layers)
        if self.input_shape is None:
            self.notes.append(
                "no input_shape= or keras.Input(shape=...) found: the input shape has to be given (CxHxW)."
            )
        return ImportResult(spec, self.framework, label, self.path, tuple(self.notes), expects)

    def _item(self, node: ast.expr, handled: set[int]) -> list[_Layer]:
        if not isinstance(node, ast.Call):
            raise self.fail(node, f"{_src(node, self.source)} is not a layer call")
        handled.add(id(node))
        name = _name(node.func)
        if name not in _KERAS:
            raise self.fail(
                node,
                f"{_src(node, self.source)}: {name} is not a Keras layer cnncalc knows; it reads "
                + ", ".join(_KERAS),
            )
        params = _KERAS[name]
        extra = ("input_shape", "input_dim", "batch_input_shape", "name")
        a = self.bind(node, params + tuple(e for e in extra if e not in params), self.env, strict=False)
        for key in ("input_shape", "shape", "batch_input_shape", "input_dim"):
            if key in a:
                self._input(node, key, a[key])
        return self._keras_layer(name, node, a)

    def _input(self, call: ast.Call, key: str, value: object) -> None:
        if key == "input_dim":
            value = (value,)
        if key == "batch_input_shape" and isinstance(value, tuple):
            value = value[1:]
        if not isinstance(value, tuple) or not value or any(not isinstance(v, int) for v in value):
            self.notes.append(
                f"line {call.lineno}: input shape {value} has unknown sizes; it has to be given (CxHxW)"
            )
            return
        channels_first = any(
            k.arg == "data_format" and getattr(k.value, "value", "") == "channels_first"
            for k in call.keywords
        )
        shape = value if channels_first or len(value) == 1 else (value[-1], *value[:-1])
        if self.input_shape is None:
            self.input_shape = tuple(shape)
            if len(value) > 1 and not channels_first:
                self.notes.append(
                    f"line {call.lineno}: Keras {key}=({fmt_shape(value, ', ')}) is "
                    f"channels-last (H, W, C); as C×H×W that is {fmt_shape(shape)}"
                )

    def _keras_layer(self, name: str, call: ast.Call, a: dict) -> list[_Layer]:
        line = call.lineno
        text = _src(call, self.source)
        out: list[_Layer] = []
        if name in ("Input", "InputLayer"):
            return []
        if a.get("data_format") == "channels_first":
            self.notes.append(f"line {line}: data_format='channels_first' read as C×H×W")
        padding = a.get("padding", "valid")
        if padding not in ("valid", "same", _UNREAD):
            raise self.fail(call, f"{text}: padding {padding!r} is not 'valid' or 'same'")
        if name in ("Conv1D", "Conv2D", "Convolution2D", "Conv2DTranspose"):
            if "filters" not in a or "kernel_size" not in a:
                raise self.fail(call, f"{text}: needs filters and kernel_size")
            kind = "tconv" if name == "Conv2DTranspose" else "conv"
            strides = a.get("strides", 1)
            parts = [
                kind,
                str(a["filters"]),
                f"k={_spec_size(a['kernel_size'])}",
                f"s={_spec_size(strides)}",
                f"d={_spec_size(a.get('dilation_rate', 1))}",
                f"g={a.get('groups', 1)}",
            ]
            if kind == "tconv":
                parts += self._tconv_padding(call, a, padding)
            else:
                parts.append(f"p={padding}")
            if a.get("use_bias", True) is False:
                parts.append("bias=false")
            out.append(_Layer(" ".join(parts), line))
        elif name.startswith(("MaxPool", "AveragePool", "AvgPool")):
            kind = "maxpool" if name.startswith("Max") else "avgpool"
            k = a.get("pool_size", 2)
            s = a.get("strides") if a.get("strides") is not None else k
            out.append(_Layer(f"{kind} k={_spec_size(k)} s={_spec_size(s)} p={padding}", line))
        elif name.startswith(("GlobalAveragePooling", "GlobalAvgPool")):
            out.append(_Layer("gap", line))
            if not a.get("keepdims", False):
                out.append(_Layer("flatten", line))
        elif name == "Dense":
            if "units" not in a:
                raise self.fail(call, f"{text}: needs units")
            out.append(
                _Layer(f"fc {a['units']}" + (" bias=false" if a.get("use_bias", True) is False else ""), line)
            )
        elif name == "Flatten":
            out.append(_Layer("flatten", line))
        elif name == "Dropout":
            out.append(_Layer(f"dropout {a.get('rate', 0.5)}", line))
        elif name == "BatchNormalization":
            out.append(_Layer("bn", line))
            self.notes.append(
                f"line {line}: BatchNormalization has 2·C trainable parameters (γ, β); Keras' summary() "
                "also lists its 2·C moving mean/variance as non-trainable"
            )
        elif name == "ReLU":
            out.append(_Layer("relu", line))
        elif name == "Softmax":
            out.append(_Layer("softmax", line))
        elif name == "LeakyReLU":
            slope = a.get("negative_slope", a.get("alpha", 0.3))
            out.append(_Layer(f"leakyrelu slope={slope}", line))
        act_node = next((k.value for k in call.keywords if k.arg == "activation"), None)
        if name == "Activation" and call.args:
            act_node = call.args[0]
        if act_node is None or (isinstance(act_node, ast.Constant) and act_node.value is None):
            return out
        act_name = act_node.value if isinstance(act_node, ast.Constant) else _name(act_node)
        if act_name not in _ACTIVATIONS:
            raise self.fail(call, f"{text}: activation {act_name!r} is not one of {', '.join(_ACTIVATIONS)}")
        if _ACTIVATIONS[act_name]:
            out.append(_Layer(_ACTIVATIONS[act_name], line))
        return out

    def _tconv_padding(self, call: ast.Call, a: dict, padding: str) -> list[str]:
        """Keras' 'same' transposed conv outputs n·s: PyTorch's p and output_padding that do the same."""
        k = a["kernel_size"][0] if isinstance(a["kernel_size"], tuple) else a["kernel_size"]
        s = a.get("strides", 1)
        s = s[0] if isinstance(s, tuple) else s
        if a.get("output_padding") not in (None, _UNREAD):
            raise self.fail(
                call, f"{_src(call, self.source)}: output_padding= on Conv2DTranspose is not supported"
            )
        if padding == "valid":
            if k < s:
                raise self.fail(
                    call, f"{_src(call, self.source)}: kernel smaller than the stride is not supported"
                )
            return ["p=0"]
        extra = k - s  # 'same': out = n·s = (n − 1)·s − 2p + k + op  ⇒  2p − op = k − s
        if extra < 0:
            raise self.fail(
                call, f"{_src(call, self.source)}: kernel smaller than the stride is not supported"
            )
        p = ceil_div(extra, 2)
        return [f"p={p}", f"op={2 * p - extra}"]
