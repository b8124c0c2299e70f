"""The Keras reader: `Sequential` models (a list or `model.add`) and the functional API.

`keras.Input(shape=(H, W, C))` starts a traced tensor; a layer called on it (`Conv2D(32, 3)(x)`)
adds its lines to the `Trace`; `layers.add([a, b])` / `Add()` and `concatenate` / `Concatenate()`
are merges; `keras.Model(inputs, outputs)` is the model. A Sequential used as a layer inside a
functional model is its layers in order. Keras is channels-last: `input_shape=(28, 28, 1)` is
the spec's 1×28×28, and `activation='relu'` on a layer is a relu line after it.

What Keras computes differently from the spec language is refused, naming the line: a Dense on a
map (Keras applies it to the last axis only), padding modes other than 'valid' and 'same',
reshapes, products of tensors. Preprocessing layers that keep the shape at inference (Rescaling,
RandomFlip, RandomRotation …) are not rows; a note says so.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.importer import choice
from cnncalc.arith.importer.evaluator import (
    Builtin,
    Evaluator,
    Ext,
    Function,
    Native,
    Refusal,
    Unknown,
    UserClass,
    changing,
    line_of,
)
from cnncalc.arith.importer.layers import (
    Item,
    Layer,
    argument_node,
    changed_layer,
    check_arguments,
    frozen,
    number,
    set_code,
    size_text,
    sizes,
    spelled,
    unknown_argument,
)
from cnncalc.arith.importer.trace import INPUT_NODE, Tensor, Trace
from cnncalc.arith.layer_spec import parse_layer
from cnncalc.arith.parsing import fmt_shape
from cnncalc.arith.sizes import ceil_div
from cnncalc.arith.spec import axes_text
from cnncalc.i18n import N_, _, translated

FRAMEWORK = "Keras"

# what every Keras layer takes besides its own arguments
_COMMON = (
    "name",
    "input_shape",
    "batch_input_shape",
    "input_dim",
    "dtype",
    "trainable",
    "batch_size",
    "autocast",
    "activity_regularizer",
)
_CONV = (
    "filters",
    "kernel_size",
    "strides",
    "padding",
    "data_format",
    "dilation_rate",
    "groups",
    "activation",
    "use_bias",
    "kernel_initializer",
    "bias_initializer",
    "kernel_regularizer",
    "bias_regularizer",
    "activity_regularizer",
    "kernel_constraint",
    "bias_constraint",
)
_SEPARABLE = (
    "filters",
    "kernel_size",
    "strides",
    "padding",
    "data_format",
    "dilation_rate",
    "depth_multiplier",
    "activation",
    "use_bias",
    "depthwise_initializer",
    "pointwise_initializer",
    "bias_initializer",
    "depthwise_regularizer",
    "pointwise_regularizer",
    "bias_regularizer",
    "activity_regularizer",
    "depthwise_constraint",
    "pointwise_constraint",
    "bias_constraint",
)
_DEPTHWISE = (
    "kernel_size",
    "strides",
    "padding",
    "depth_multiplier",
    "data_format",
    "dilation_rate",
    "activation",
    "use_bias",
    "depthwise_initializer",
    "bias_initializer",
    "depthwise_regularizer",
    "bias_regularizer",
    "activity_regularizer",
    "depthwise_constraint",
    "bias_constraint",
)
_TCONV = (
    "filters",
    "kernel_size",
    "strides",
    "padding",
    "output_padding",
    "data_format",
    "dilation_rate",
    "activation",
    "use_bias",
    "kernel_initializer",
    "bias_initializer",
    "kernel_regularizer",
    "bias_regularizer",
    "activity_regularizer",
    "kernel_constraint",
    "bias_constraint",
)
_POOL = ("pool_size", "strides", "padding", "data_format")
_DENSE = (
    "units",
    "activation",
    "use_bias",
    "kernel_initializer",
    "bias_initializer",
    "kernel_regularizer",
    "bias_regularizer",
    "activity_regularizer",
    "kernel_constraint",
    "bias_constraint",
)
_BN = (
    "axis",
    "momentum",
    "epsilon",
    "center",
    "scale",
    "beta_initializer",
    "gamma_initializer",
    "moving_mean_initializer",
    "moving_variance_initializer",
    "beta_regularizer",
    "gamma_regularizer",
    "beta_constraint",
    "gamma_constraint",
    "synchronized",
)
_GLOBAL_POOL = ("data_format", "keepdims")
PARAMS: dict[str, tuple[str, ...]] = {
    **{f"{name}{dims}D": _CONV for name in ("Conv", "Convolution") for dims in (1, 2, 3)},
    **{f"{name}{dims}DTranspose": _TCONV for name in ("Conv", "Convolution") for dims in (1, 2, 3)},
    **{f"{name}{dims}D": _SEPARABLE for name in ("SeparableConv", "SeparableConvolution") for dims in (1, 2)},
    **{f"DepthwiseConv{dims}D": _DEPTHWISE for dims in (1, 2)},
    **{
        f"{name}{dims}D": _POOL
        for name in ("MaxPooling", "MaxPool", "AveragePooling", "AvgPool")
        for dims in (1, 2, 3)
    },
    **{
        f"{name}{dims}D": _GLOBAL_POOL
        for name in ("GlobalAveragePooling", "GlobalAvgPool", "GlobalMaxPooling", "GlobalMaxPool")
        for dims in (1, 2, 3)
    },
    "Dense": _DENSE,
    "Flatten": ("data_format",),
    "Dropout": ("rate", "noise_shape", "seed"),
    "SpatialDropout1D": ("rate", "seed"),
    "SpatialDropout2D": ("rate", "data_format", "seed"),
    "SpatialDropout3D": ("rate", "data_format", "seed"),
    "BatchNormalization": _BN,
    "Activation": ("activation",),
    "ReLU": ("max_value", "negative_slope", "threshold"),
    "Softmax": ("axis",),
    "LeakyReLU": ("negative_slope", "alpha"),
    "ELU": ("alpha",),
    "ZeroPadding1D": ("padding",),
    "ZeroPadding2D": ("padding", "data_format"),
    "ZeroPadding3D": ("padding", "data_format"),
    "UpSampling1D": ("size",),
    "UpSampling2D": ("size", "data_format", "interpolation"),
    "UpSampling3D": ("size", "data_format"),
    "Add": (),
    "Concatenate": ("axis",),
    "InputLayer": ("input_shape", "batch_size", "dtype", "shape", "sparse"),
}
_SEPARABLE_OR_DEPTHWISE = {name for name, params in PARAMS.items() if params in (_SEPARABLE, _DEPTHWISE)}
# preprocessing layers that keep the shape at inference: not rows, a note says so
_INFERENCE_IDENTITY = {
    "Rescaling",
    "Normalization",
    "RandomFlip",
    "RandomRotation",
    "RandomZoom",
    "RandomTranslation",
    "RandomContrast",
    "RandomBrightness",
    "GaussianNoise",
    "GaussianDropout",
    "ActivityRegularization",
    "AlphaDropout",
}
_ACTIVATIONS = {
    "relu": "relu",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "softmax": "softmax",
    "linear": None,
    None: None,
    "elu": "elu",
    "gelu": "gelu",
    "swish": "silu",
    "silu": "silu",
    "hard_sigmoid": "hardsigmoid",
    "hard_swish": "hardswish",
    "relu6": "relu6",
    "leaky_relu": "leakyrelu slope=0.2",
}
LAYER_NAMES = set(PARAMS) | _INFERENCE_IDENTITY | {"Sequential", "Model", "Input"}
# names course notes use as if they were Keras layers, and what Keras has instead
NOT_KERAS_LAYERS = {
    "Regularization": N_(
        "Keras has no Regularization layer: L2 regularisation (weight decay) is an argument of the layer "
        "it applies to, e.g. Conv2D(64, (3, 3), kernel_regularizer=regularizers.l2(0.01)), which adds "
        "0.01·Σw² of that layer's weights to the loss"
    ),
}
# arguments that change the loss, not the network: noted, so that none is dropped unseen
_REGULARIZERS = {
    "kernel_regularizer": N_("adds a penalty on this layer's weights to the loss (L2: weight decay)"),
    "bias_regularizer": N_("adds a penalty on this layer's biases to the loss"),
    "activity_regularizer": N_("adds a penalty on this layer's outputs to the loss"),
    "depthwise_regularizer": N_("adds a penalty on this layer's depthwise weights to the loss"),
    "pointwise_regularizer": N_("adds a penalty on this layer's pointwise weights to the loss"),
}


# the Keras layers with weights (trainable or not), by the start of their names
_WEIGHTED = ("Conv", "Convolution", "SeparableConv", "DepthwiseConv", "Dense", "BatchNormalization")
# what Keras layers read when they run, beyond their constructors' arguments
_LAYER_STATE = {
    "kernel",
    "bias",
    "gamma",
    "beta",
    "moving_mean",
    "moving_variance",
    "call",
    "rank",
    "input_spec",
}


def is_keras(path: str) -> bool:
    return path.split(".")[0] in ("keras", "tensorflow", "tf", "tf_keras")


def canonical(text: str, node: ast.AST, call_text: str) -> str:
    try:
        return parse_layer(text, 1).describe()
    except CnnCalcError as e:
        raise Refusal(line_of(node), f"{call_text}: {e}") from None


class Keras:
    """What the evaluator asks the Keras reader: layers, models, functional calls."""

    name = FRAMEWORK

    def __init__(self, ev: Evaluator, given_input: tuple[int, ...] | None) -> None:
        self.ev = ev
        self.given_input = given_input
        self.stated: tuple[tuple[int, ...], str] | None = None
        ev.resolvers.append(self.resolve)
        self.snippet_names(ev)

    def snippet_names(self, ev: Evaluator) -> None:
        """Course notes print snippets, not files: `model.add(Conv2D(...))` with neither `model`
        nor `Conv2D` defined. A Keras layer name the file never defines is that layer, and a name
        only ever `add()`-ed to is a Sequential model; a note says each, so none is a silent guess."""
        bound = _bound_names(ev.tree)
        known = LAYER_NAMES | NOT_KERAS_LAYERS.keys()
        for node in ast.walk(ev.tree):
            if isinstance(node, ast.Name) and node.id in known and node.id not in bound:
                bound.add(node.id)
                home = {"Sequential": "keras.models", "Model": "keras.models", "Input": "keras"}
                path = f"{home.get(node.id, 'keras.layers')}.{node.id}"
                ev.globals[node.id] = Ext(path)
                if node.id not in NOT_KERAS_LAYERS:
                    ev.note(
                        _("line {line}: {name} is never imported in this file; read as {path}").format(
                            line=node.lineno, name=node.id, path=path
                        )
                    )
        adds = [
            node
            for node in ast.walk(ev.tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id not in bound
            and len(node.args) == 1
            and isinstance(node.args[0], ast.Call)
            and _leaf(node.args[0].func) in known
        ]
        for node in sorted(adds, key=lambda n: n.lineno):
            name = node.func.value.id  # type: ignore[attr-defined]
            if name in bound:
                continue
            bound.add(name)
            ev.globals[name] = KerasSequential(self, [], node.lineno)
            ev.note(
                _(
                    "line {line}: {name} is never created in this file (no {name} = Sequential()); its "
                    "add() calls are read as a Sequential model"
                ).format(line=node.lineno, name=name)
            )

    # library calls -------------------------------------------------------------------------------------

    def resolve(self, ev: Evaluator, ext: Ext, args: list, kwargs: dict, node: ast.AST) -> Any:
        if not is_keras(ext.path):
            return NotImplemented
        leaf = ext.leaf
        if leaf == "Sequential":
            return KerasSequential.build(ev, self, args, kwargs, node)
        if leaf == "Input":
            return self.input(ev, args, kwargs, node)
        if leaf in ("Model", "Functional"):
            return self.model(ev, args, kwargs, node)
        if leaf in ("add", "concatenate", "Add", "Concatenate") and not leaf[0].isupper():
            return self.merge_function(ev, leaf, args, kwargs, node)
        if leaf in NOT_KERAS_LAYERS:
            raise Refusal(line_of(node), f"{ev.text(node)}: {translated(NOT_KERAS_LAYERS[leaf])}")
        if leaf in PARAMS or leaf in _INFERENCE_IDENTITY:
            return build_layer(ev, self, leaf, args, kwargs, node)
        if leaf[:1].isupper() and ".layers." in f"{ext.path}." or ext.path.startswith("keras.layers"):
            raise Refusal(
                line_of(node),
                _(
                    "{code}: {leaf} is not a Keras layer cnncalc knows (it reads convolutions, pooling, "
                    "Dense, Flatten, Dropout, BatchNormalization, activations, padding, upsampling, add and "
                    "concatenate)"
                ).format(code=ev.text(node), leaf=leaf),
            )
        return NotImplemented

    def input(self, ev: Evaluator, args: list, kwargs: dict, node: ast.AST) -> Tensor:
        shape = args[0] if args else kwargs.get("shape")
        stated = self.channels_first(shape, node, "shape", kwargs)
        return Tensor(Trace(stated, self.given_input), INPUT_NODE, self)

    def channels_first(self, value: Any, node: ast.AST, key: str, kwargs: dict) -> tuple[int, ...] | None:
        """Keras' (H, W, C) as the spec's C×H×W; None when a size is not known."""
        if key == "input_dim" and isinstance(value, int):
            value = (value,)
        if key == "batch_input_shape" and isinstance(value, tuple | list):
            value = tuple(value)[1:]
        if (
            not isinstance(value, tuple | list)
            or not value
            or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in value)
        ):
            if value is not None:
                self.ev.note(
                    _(
                        "line {line}: the input shape {code} is not known from the code; give it (CxHxW)"
                    ).format(line=line_of(node), code=self.ev.text(node))
                )
            return None
        value = tuple(value)
        first = kwargs.get("data_format") == "channels_first"
        shape = value if first or len(value) == 1 else (value[-1], *value[:-1])
        if self.stated is None:
            note = ""
            if len(value) > 1 and not first:
                axes = axes_text(len(value) - 1) if len(value) <= 4 else "…"
                note = _(
                    "line {line}: Keras {key}=({shape}) is channels-last ({last}, C); as C×{first} that is {shape2}"
                ).format(
                    line=line_of(node),
                    key=key,
                    shape=fmt_shape(value, ", "),
                    last=axes.replace("×", ", "),
                    first=axes,
                    shape2=fmt_shape(shape),
                )
            self.stated = (shape, note)
        return shape

    def model(self, ev: Evaluator, args: list, kwargs: dict, node: ast.AST) -> Any:
        inputs = args[0] if args else kwargs.get("inputs")
        outputs = args[1] if len(args) > 1 else kwargs.get("outputs")
        if isinstance(inputs, list | tuple):
            if len(inputs) != 1:
                raise Refusal(
                    line_of(node),
                    _("{code}: a model of {n} inputs; cnncalc reads one").format(
                        code=ev.text(node), n=len(inputs)
                    ),
                )
            inputs = inputs[0]
        if isinstance(outputs, list | tuple):
            if len(outputs) != 1:
                raise Refusal(
                    line_of(node),
                    _("{code}: a model of {n} outputs; cnncalc reads one").format(
                        code=ev.text(node), n=len(outputs)
                    ),
                )
            outputs = outputs[0]
        for v in (inputs, outputs):
            if isinstance(v, Unknown):
                raise Refusal(
                    line_of(node),
                    _("{code}: the model's tensors are not known ({why})").format(
                        code=ev.text(node), why=v.why
                    ),
                )
        if (
            not isinstance(inputs, Tensor)
            or not isinstance(outputs, Tensor)
            or inputs.trace is not outputs.trace
        ):
            raise Refusal(
                line_of(node),
                _("{code}: inputs and outputs are not tensors of one keras.Input").format(code=ev.text(node)),
            )
        return KerasModel(inputs.trace, outputs, line_of(node))

    def merge_function(self, ev: Evaluator, leaf: str, args: list, kwargs: dict, node: ast.AST) -> Tensor:
        tensors = args[0] if args else kwargs.get("inputs")
        kind = "add" if leaf.lower() == "add" else "concat"
        axis = kwargs.get("axis", args[1] if len(args) > 1 else -1)
        return merge(ev, kind, tensors, axis, node)

    # layers -----------------------------------------------------------------------------------------------

    def layer_attr(self, ev: Evaluator, layer: Layer, name: str, node: ast.AST) -> Any:
        return Unknown(f"{layer.call_text}.{name}", line_of(node))

    def set_layer_attr(self, ev: Evaluator, layer: Layer, name: str, value: Any, node: ast.AST) -> None:
        """`layer.trainable = False` freezes it, and an argument, weight or `call` set after the
        layer is built changes it: both refused with the line. A name the layer never reads is
        the file's own."""
        if name == "trainable" and (value is True or not layer.name.startswith(_WEIGHTED)):
            return  # a layer without weights has nothing to freeze
        if name == "trainable":
            raise frozen(line_of(node), set_code(ev, node, value), [layer])
        if (
            name in layer.args
            or name in PARAMS.get(layer.name, ())
            or name in _LAYER_STATE
            or name.startswith("_")
        ):
            raise Refusal(line_of(node), changed_layer(ev, layer, name, node))

    def call_layer(self, ev: Evaluator, layer: Layer, args: list, kwargs: dict, node: ast.AST) -> Any:
        x = args[0] if args else kwargs.get("inputs")
        if layer.name in ("Add", "Concatenate"):
            return merge(ev, "add" if layer.name == "Add" else "concat", x, layer.args.get("axis", -1), node)
        if isinstance(x, Unknown):
            return x
        if not isinstance(x, Tensor):
            raise Refusal(
                line_of(node),
                _("{code}: {call} is called on something that is not a keras.Input's tensor").format(
                    code=ev.text(node), call=layer.call_text
                ),
            )
        layer.calls += 1
        if layer.calls > 1 and layer.params != 0:
            raise Refusal(
                line_of(node),
                _(
                    "{code}: {call} (line {line}) is called a second time, sharing its weights; the "
                    "table would count them twice"
                ).format(code=ev.text(node), call=layer.call_text, line=layer.line),
            )
        for i, item in enumerate(layer_items(ev, layer, x, node)):
            ranks = layer.ranks if i == 0 else ()
            x = x.trace.layer(
                x, item.text, _Where(layer.line), ev, item.expect, layer, ranks, layer.call_text
            )
        return x

    # tensors -------------------------------------------------------------------------------------------------

    def tensor_attr(self, ev: Evaluator, t: Tensor, name: str, node: ast.AST) -> Any:
        if name == "shape":
            c, *spatial = t.shape(ev, node, ev.text(node))
            return (None, *spatial, c)
        raise Refusal(
            line_of(node),
            _("{code}: the tensor attribute {name} is not something cnncalc follows").format(
                code=ev.text(node), name=name
            ),
        )

    def tensor_binop(
        self, ev: Evaluator, t: Tensor, op: ast.operator, other: Any, node: ast.AST, reflected: bool
    ) -> Any:
        if isinstance(other, Tensor) and isinstance(op, ast.Add):
            return t.trace.merge("add", [other, t] if reflected else [t, other], node, ev)
        raise Refusal(
            line_of(node),
            _("{code}: cnncalc follows tensors through layers, add and concatenate only").format(
                code=ev.text(node)
            ),
        )

    # the model ---------------------------------------------------------------------------------------------

    def is_model(self, name: str, value: Any) -> bool:
        if isinstance(value, KerasSequential):
            # data augmentation (RandomFlip, RandomRotation …) is a pipeline step, not a model
            return not all(isinstance(v, Layer) and v.name in _INFERENCE_IDENTITY for v in value.layers)
        if isinstance(value, KerasModel):
            return True
        if isinstance(value, Function):
            tree = self.ev.tree
            return choice.returns_value(tree, name) and choice.mentions_layers(
                tree, name, {"Model", "Sequential"}
            )
        return False

    def parts(self, value: Any) -> list:
        if isinstance(value, KerasSequential):
            return list(value.layers)
        return []

    def kind_of(self, value: Any) -> str:
        return "Sequential" if isinstance(value, KerasSequential) else "functional"

    def implicit_model(self) -> tuple[str, Any] | None:
        """A functional snippet without `keras.Model(inputs, outputs)`: the one tensor keras.Input
        leads to that nothing else in the file uses is the output (a note says so); None if there
        is not exactly one."""
        ev = self.ev
        deps = choice.dependencies(ev.tree)
        tensors = [n for n, v in ev.globals.items() if isinstance(v, Tensor) and v.node != INPUT_NODE]
        ends = [n for n in tensors if not any(n in choice.uses(deps, m) for m in tensors if m != n)]
        if len(ends) != 1:
            return None
        output = ev.globals[ends[0]]
        ev.note(
            _(
                "no keras.Model(inputs, outputs) in the file: the layers from keras.Input to {ends} are "
                "read as the model"
            ).format(ends=ends[0])
        )
        return "functional", KerasModel(output.trace, output, 0)

    def no_model_message(self) -> str:
        return _(
            "found no Keras model: cnncalc reads Sequential models and functional "
            "keras.Model(inputs, outputs)"
        )

    def trace_model(
        self, reader: Any, label: str, value: Any
    ) -> tuple[Trace, Tensor, tuple[int, ...] | None, list[str]]:
        notes: list[str] = []
        if isinstance(value, UserClass) or (hasattr(value, "cls") and isinstance(value.cls, UserClass)):
            raise Refusal(
                0,
                _("{label} subclasses keras.Model; cnncalc reads Sequential and functional models").format(
                    label=label
                ),
            )
        if isinstance(value, KerasModel):
            trace, out = value.trace, value.output
        elif isinstance(value, KerasSequential):
            trace = Trace(value.stated_input(self), self.given_input)
            out = value.call(self.ev, [Tensor(trace, INPUT_NODE, self)], {}, _Where(value.line))
        else:
            raise Refusal(
                0, _("{label} is not a Keras model ({type})").format(label=label, type=type(value).__name__)
            )
        if not isinstance(out, Tensor):
            raise Refusal(0, _("{label} does not compute a tensor cnncalc can follow").format(label=label))
        if out.node == INPUT_NODE:
            raise Refusal(0, _("{label} has no layers").format(label=label))
        if self.stated is not None and self.stated[1] and self.given_input is None:
            notes.append(self.stated[1])
        if trace.input_shape is None:
            notes.append(
                _(
                    "no input_shape= or keras.Input(shape=...) the code fixes: the input shape has to be "
                    "given (CxHxW)."
                )
            )
        return trace, out, trace.input_shape, notes


def _bound_names(tree: ast.Module) -> set[str]:
    """Every name the file defines anywhere: assigned, imported, a def, a class or a parameter."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


def _leaf(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


class _Where:
    def __init__(self, line: int) -> None:
        self.lineno = line


def merge(ev: Evaluator, kind: str, tensors: Any, axis: Any, node: ast.AST) -> Tensor:
    items = ev.items_of(tensors, node)
    if len(items) < 2 or not all(isinstance(t, Tensor) for t in items):
        raise Refusal(
            line_of(node), _("{code}: a merge needs a list of two or more tensors").format(code=ev.text(node))
        )
    if kind == "concat" and axis != -1 and axis != _channel_axis(ev, items[0], node):
        raise Refusal(
            line_of(node),
            _(
                "{code}: concatenation on axis {axis}; the spec concatenates channels (the last axis in "
                "Keras)"
            ).format(code=ev.text(node), axis=axis),
        )
    return items[0].trace.merge(kind, list(items), node, ev)


def _channel_axis(ev: Evaluator, t: Tensor, node: ast.AST) -> int:
    """Keras' channel axis, the last: after the batch and the spatial axes (3 for an H×W map, 1 for
    a vector); from the tensor's shape when the input is known, else from the layers' axes."""
    if t.trace.input_shape is not None:
        return len(t.shape(ev, node, ev.text(node)))
    return t.trace.dims[0] + 1 if t.trace.dims is not None else 3


class KerasSequential(Native):
    """keras.Sequential([...]) or Sequential() with model.add(layer)."""

    label = N_("a keras.Sequential")
    model_part = True

    def __init__(self, framework: Keras, layers: list, line: int) -> None:
        self.framework = framework
        self.layers = layers
        self.line = line
        self.input: tuple[int, ...] | None = None

    @classmethod
    def build(cls, ev: Evaluator, fw: Keras, args: list, kwargs: dict, node: ast.AST) -> KerasSequential:
        items = args[0] if args else kwargs.get("layers", [])
        model = cls(fw, [], line_of(node))
        for item in ev.items_of(items, node) if items is not None else []:
            model.add(ev, item, node)
        return model

    def add(self, ev: Evaluator, item: Any, node: ast.AST) -> None:
        if isinstance(item, Tensor) and item.node == INPUT_NODE:
            self.input = item.trace.stated  # keras.Input(shape=...) as the first item
            return
        if isinstance(item, Unknown):
            raise Refusal(
                line_of(node),
                _("{code}: a layer of this Sequential is not known ({why})").format(
                    code=ev.text(node), why=item.why
                ),
            )
        if not isinstance(item, Layer | KerasSequential):
            raise Refusal(
                line_of(node),
                _("{code}: {type} is not a Keras layer").format(code=ev.text(node), type=type(item).__name__),
            )
        self.layers.append(item)

    def stated_input(self, fw: Keras) -> tuple[int, ...] | None:
        if self.input is not None:
            return self.input
        first = self.layers[0] if self.layers else None
        if isinstance(first, Layer):
            for key in ("input_shape", "batch_input_shape", "input_dim", "shape"):
                if key in first.args:
                    return fw.channels_first(first.args[key], _Where(first.line), key, first.args)
        return None

    def attr(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        if name == "add":
            return Builtin("add", changing(lambda ev, a, k, n: self.add(ev, a[0] if a else None, n)))
        if name == "layers":
            return list(self.layers)
        if name == "pop":
            return Builtin("pop", changing(lambda ev, a, k, n: self.pop(ev, n)))
        if name == "get_layer":
            return Builtin(name, lambda ev, a, k, n: _get_layer(ev, self.layers, a, k, n, by_index=True))
        return Builtin(
            name,
            lambda ev, a, k, n: Unknown(
                _("Sequential.{name}() runs the model").format(name=name), line_of(n)
            ),
        )

    def pop(self, ev: Evaluator, node: ast.AST) -> Any:
        """Sequential.pop(): the last layer goes."""
        if not self.layers:
            raise Refusal(
                line_of(node), _("{code}: the Sequential has no layers to pop").format(code=ev.text(node))
            )
        return self.layers.pop()

    def set_attr(self, ev: Evaluator, name: str, value: Any, node: ast.AST) -> None:
        _model_attr(ev, self.layers, name, value, node)

    def call(self, ev: Evaluator, args: list, kwargs: dict, node: ast.AST) -> Any:
        x = args[0] if args else None
        for layer in self.layers:
            x = ev.call(layer, [x], {}, node)
        return x

    def iterate(self, ev: Evaluator, node: ast.AST) -> list:
        return list(self.layers)


class KerasModel(Native):
    """keras.Model(inputs, outputs): the traced graph from one Input to one output."""

    label = N_("a keras.Model")
    model_part = True

    def __init__(self, trace: Trace, output: Tensor, line: int) -> None:
        self.trace = trace
        self.output = output
        self.line = line

    def attr(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        if name == "get_layer":
            layers = list(dict.fromkeys(n.owner for n in self.trace.nodes if n.owner is not None))
            return Builtin(name, lambda ev, a, k, n: _get_layer(ev, layers, a, k, n, by_index=False))
        if name == "layers":
            return _FunctionalLayers(
                list(dict.fromkeys(n.owner for n in self.trace.nodes if n.owner is not None))
            )
        return Builtin(
            name,
            lambda ev, a, k, n: Unknown(_("Model.{name}() runs the model").format(name=name), line_of(n)),
        )

    def set_attr(self, ev: Evaluator, name: str, value: Any, node: ast.AST) -> None:
        _model_attr(ev, self.attr(ev, "layers", node).layers, name, value, node)

    def call(self, ev: Evaluator, args: list, kwargs: dict, node: ast.AST) -> Any:
        raise Refusal(
            line_of(node),
            _("{code}: a functional model used as a layer; cnncalc reads it on its own").format(
                code=ev.text(node)
            ),
        )


class _FunctionalLayers(Native):
    """A functional model's `layers`: every layer, to loop over; not by position, since Keras
    orders them its own way (its InputLayer first, branches by depth)."""

    label = N_("a functional model's layers")

    def __init__(self, layers: list) -> None:
        self.layers = layers

    def iterate(self, ev: Evaluator, node: ast.AST) -> list:
        return list(self.layers)

    def getitem(self, ev: Evaluator, key: Any, node: ast.AST) -> Any:
        raise Refusal(
            line_of(node),
            _(
                "{code}: a functional model's layers in Keras' own order (its InputLayer first, branches "
                "by depth); cnncalc does not pick them by position"
            ).format(code=ev.text(node)),
        )


def _get_layer(ev: Evaluator, layers: list, args: list, kwargs: dict, node: ast.AST, by_index: bool) -> Any:
    """model.get_layer(name) or get_layer(index=i): the layer itself, so that what is set on it
    (`trainable = False`) is followed or refused as on the layer. A functional model's layers are
    taken by name only: Keras orders them its own way."""
    name = args[0] if args else kwargs.get("name")
    index = args[1] if len(args) > 1 else kwargs.get("index")
    if name is not None and isinstance(name, str):
        for layer in layers:
            if isinstance(layer, Layer) and layer.args.get("name") == name:
                return layer
        raise Refusal(
            line_of(node),
            _("{code}: no layer of the model is named {name!r}; Keras stops here").format(
                code=ev.text(node), name=name
            ),
        )
    if by_index and name is None and isinstance(index, int) and not isinstance(index, bool):
        if -len(layers) <= index < len(layers):
            return layers[index]
        raise Refusal(
            line_of(node),
            _("{code}: index {index} of a model of {n} layers; Keras stops here").format(
                code=ev.text(node), index=index, n=len(layers)
            ),
        )
    how = (
        _("{code}: cnncalc takes a layer by a name the file gives it or by a number")
        if by_index
        else _("{code}: cnncalc takes a functional model's layer by a name the file gives it")
    )
    raise Refusal(line_of(node), how.format(code=ev.text(node)))


def _model_attr(ev: Evaluator, layers: list, name: str, value: Any, node: ast.AST) -> None:
    """An attribute set on a whole model of `layers`: `trainable = False` freezes its weights
    (refused; a data augmentation pipeline has none); others, such as its name, change no layer."""
    if name == "trainable" and value is not True and _weighted(layers):
        raise frozen(line_of(node), set_code(ev, node, value), layers)


def _weighted(layers: list) -> bool:
    return any(
        _weighted(item.layers) if isinstance(item, KerasSequential) else item.name.startswith(_WEIGHTED)
        for item in layers
    )


# -- layers -----------------------------------------------------------------------------------------------------


def build_layer(ev: Evaluator, fw: Keras, name: str, args: list, kwargs: dict, node: ast.AST) -> Layer:
    call_text = ev.text(node)
    if name in _INFERENCE_IDENTITY:
        return Layer(name, dict(kwargs), [], line_of(node), call_text, 0, fw)
    params = PARAMS[name]
    if len(args) > len(params):
        raise Refusal(line_of(node), _("{call}: too many positional arguments").format(call=call_text))
    a = dict(zip(params, args, strict=False))
    for key, value in kwargs.items():
        if key in a:
            raise Refusal(line_of(node), _("{call}: {key!r} is given twice").format(call=call_text, key=key))
        if key not in params and key not in _COMMON:
            # Keras refuses arguments it does not know; some it knows change the weights (lora_rank)
            raise Refusal(
                line_of(node),
                _("{call}: argument {key!r} is not one cnncalc reads for {name}").format(
                    call=call_text, key=key, name=name
                ),
            )
        a[key] = value
    if "trainable" in a and a["trainable"] is not True and name.startswith(_WEIGHTED):
        raise frozen(line_of(node), call_text)
    for key, value in a.items():
        if isinstance(value, Unknown) and value.too_large:
            given = argument_node(node, key, params, args)
            raise Refusal(line_of(node), unknown_argument(ev, call_text, key, value, given))
    check_arguments(call_text, a, node)
    for key in _REGULARIZERS:
        given = next((k.value for k in getattr(node, "keywords", ()) if k.arg == key), None)
        if given is not None:
            ev.note(
                _("line {line}: {key}={code} {effect}; it changes no shape and no parameter count").format(
                    line=line_of(node), key=key, code=ev.text(given), effect=translated(_REGULARIZERS[key])
                )
            )
    for key in ("input_shape", "batch_input_shape", "input_dim", "shape"):
        if key in a:
            fw.channels_first(a[key], node, key, a)
    layer = Layer(name, a, [], line_of(node), call_text, None, fw)
    layer.items = fixed_items(ev, layer, node)  # checked now; depthwise convs finish at the call
    if name in ("InputLayer",):
        layer.items = []
    return layer


def _known(ev: Evaluator, layer: Layer, key: str, default: Any, node: ast.AST) -> Any:
    value = layer.args.get(key, default)
    if isinstance(value, Unknown):
        raise Refusal(line_of(node), unknown_argument(ev, layer.call_text, key, value, None))
    return value


def _padding(ev: Evaluator, layer: Layer, node: ast.AST) -> str:
    padding = _known(ev, layer, "padding", "valid", node)
    if padding not in ("valid", "same"):
        raise Refusal(
            line_of(node),
            _("{call}: padding {padding!r} is not 'valid' or 'same'").format(
                call=layer.call_text, padding=padding
            ),
        )
    return padding


def _activation(ev: Evaluator, layer: Layer, node: ast.AST) -> list[Item]:
    act = layer.args.get("activation")
    if isinstance(act, Unknown):
        raise Refusal(
            line_of(node),
            _("{call}: cannot work out the activation ({why})").format(call=layer.call_text, why=act.why),
        )
    if isinstance(act, Ext):
        act = act.leaf
    if act not in _ACTIVATIONS:
        raise Refusal(
            line_of(node),
            _("{call}: activation {act!r} is not one of {names}").format(
                call=layer.call_text, act=act, names=", ".join(k for k in _ACTIVATIONS if k)
            ),
        )
    return [Item(_ACTIVATIONS[act])] if _ACTIVATIONS[act] else []


def axes_of(name: str) -> int | None:
    """The spatial axes a Keras layer's name says it works on: Conv3D → 3, Conv1DTranspose → 1,
    Dense → None."""
    match = re.search(r"([123])D(Transpose)?$", name)
    return int(match.group(1)) if match else None


def fixed_items(ev: Evaluator, layer: Layer, node: ast.AST) -> list[Item]:
    """The spec lines a layer stands for, as far as its arguments fix them; a layer whose name
    says its axes (Conv3D) takes a tensor of just those (`Layer.ranks`), and its spec line says
    them too (conv3d) where the spec needs it to read the input."""
    name, a, text = layer.name, layer.args, layer.call_text
    axes = axes_of(name)
    dims = axes or 2
    layer.ranks = (axes,) if axes is not None else ()
    if a.get("data_format") == "channels_first":
        ev.note(_("line {line}: data_format='channels_first' read as C×H×W").format(line=layer.line))
    if re.fullmatch(r"Conv(olution)?[123]D(Transpose)?", name):
        for key in ("filters", "kernel_size"):
            if key not in a:
                raise Refusal(layer.line, _("{text}: needs {key}").format(text=text, key=key))
        f = number(_known(ev, layer, "filters", 0, node), "filters", text, node, 1)
        k = sizes(_known(ev, layer, "kernel_size", 1, node), "kernel_size", text, node, dims, 1)
        s = sizes(_known(ev, layer, "strides", 1, node), "strides", text, node, dims, 1)
        d = sizes(_known(ev, layer, "dilation_rate", 1, node), "dilation_rate", text, node, dims, 1)
        _strided_and_dilated(layer, s, d)
        padding = _padding(ev, layer, node)
        bias = _known(ev, layer, "use_bias", True, node) is not False
        if name.endswith("Transpose"):
            spec = f"{spelled('tconv', axes)} {f} k={size_text(k)} s={size_text(s)} d={size_text(d)} "
            spec += _tconv_padding(layer, k, s, padding, node)
        else:
            g = number(_known(ev, layer, "groups", 1, node), "groups", text, node, 1)
            spec = f"{spelled('conv', axes)} {f} k={size_text(k)} s={size_text(s)} d={size_text(d)} g={g} p={padding}"
        layer.params = None
        return [
            Item(canonical(spec + ("" if bias else " bias=false"), node, text)),
            *_activation(ev, layer, node),
        ]
    if name in _SEPARABLE_OR_DEPTHWISE:
        s = sizes(_known(ev, layer, "strides", 1, node), "strides", text, node, dims, 1)
        _strided_and_dilated(
            layer, s, sizes(_known(ev, layer, "dilation_rate", 1, node), "dilation_rate", text, node, dims, 1)
        )
        _padding(ev, layer, node)
        _activation(ev, layer, node)
        return []  # the depthwise part's groups are the input channels: built at the call
    if name.startswith(("MaxPool", "AveragePooling", "AvgPool")):
        kind = spelled("maxpool" if name.startswith("Max") else "avgpool", axes)
        k = sizes(_known(ev, layer, "pool_size", 2, node), "pool_size", text, node, dims, 1)
        stride = _known(ev, layer, "strides", None, node)
        s = sizes(stride if stride is not None else k, "strides", text, node, dims, 1)
        return [
            Item(
                canonical(
                    f"{kind} k={size_text(k)} s={size_text(s)} p={_padding(ev, layer, node)}", node, text
                )
            )
        ]
    if name.startswith(("GlobalAverage", "GlobalAvg", "GlobalMax")):
        keep = _known(ev, layer, "keepdims", False, node)
        pooled = Item("gap" if "Av" in name else "gmp")
        return [pooled] if keep else [pooled, Item("flatten")]
    if name == "Dense":
        units = number(_known(ev, layer, "units", 0, node), "units", text, node, 1)
        bias = _known(ev, layer, "use_bias", True, node) is not False
        layer.params = None
        return [Item(f"fc {units}" + ("" if bias else " bias=false")), *_activation(ev, layer, node)]
    if name == "Flatten":
        return [Item("flatten")]
    if name.startswith(("Dropout", "SpatialDropout")):
        rate = a.get("rate", 0.5)
        return [
            Item(
                f"dropout {rate:g}"
                if isinstance(rate, int | float) and not isinstance(rate, bool)
                else "dropout"
            )
        ]
    if name == "BatchNormalization":
        if a.get("center", True) is False or a.get("scale", True) is False:
            raise Refusal(
                layer.line,
                _(
                    "{text}: center=False or scale=False changes the parameters (the spec's bn has γ and β)"
                ).format(text=text),
            )
        ev.note(
            _(
                "line {line}: BatchNormalization has 2·C trainable parameters (γ, β); Keras' summary() "
                "also lists its 2·C moving mean/variance as non-trainable"
            ).format(line=layer.line)
        )
        layer.params = None
        return [Item("bn")]
    if name == "Activation":
        return _activation(ev, layer, node)
    if name == "ReLU":
        if a.get("max_value") == 6:
            return [Item("relu6")]
        if a.get("max_value") is not None or a.get("negative_slope", 0) or a.get("threshold", 0):
            raise Refusal(
                layer.line,
                _(
                    "{text}: a ReLU with a cap, slope or threshold other than relu/relu6 is not a spec layer"
                ).format(text=text),
            )
        return [Item("relu")]
    if name == "Softmax":
        return [Item("softmax")]
    if name == "LeakyReLU":
        slope = a.get("negative_slope", a.get("alpha", 0.3))
        return [Item(f"leakyrelu slope={slope:g}" if isinstance(slope, int | float) else "leakyrelu")]
    if name == "ELU":
        return [Item("elu")]
    if name.startswith("ZeroPadding"):
        return [Item(canonical(_zero_padding(ev, layer, dims, node), node, text))]
    if name.startswith("UpSampling"):
        size = sizes(_known(ev, layer, "size", 2, node), "size", text, node, dims, 1)
        mode = _known(ev, layer, "interpolation", "nearest", node)  # UpSampling2D's only
        if mode not in ("nearest", "bilinear"):
            raise Refusal(
                layer.line,
                _("{text}: interpolation {mode!r}: cnncalc reads nearest and bilinear").format(
                    text=text, mode=mode
                ),
            )
        return [
            Item(
                canonical(
                    f"upsample {size_text(size)}" + (" mode=bilinear" if mode == "bilinear" else ""),
                    node,
                    text,
                )
            )
        ]
    if name in ("Add", "Concatenate", "InputLayer"):
        return []
    raise Refusal(
        layer.line, _("{text}: {name} is not a Keras layer cnncalc knows").format(text=text, name=name)
    )


def _strided_and_dilated(layer: Layer, strides: tuple[int, ...], dilation: tuple[int, ...]) -> None:
    """Keras' convolutions refuse a stride above 1 together with a dilation above 1 (its
    BaseConv: "`strides > 1` not supported in conjunction with `dilation_rate > 1`")."""
    if max(strides) > 1 and max(dilation) > 1:
        raise Refusal(
            layer.line,
            _(
                "{call}: strides={strides} with dilation_rate={dilation}; Keras refuses a stride above 1 "
                "together with a dilation above 1 (`strides > 1` not supported in conjunction with "
                "`dilation_rate > 1`), so this model cannot be built"
            ).format(call=layer.call_text, strides=size_text(strides), dilation=size_text(dilation)),
        )


def _zero_padding(ev: Evaluator, layer: Layer, dims: int, node: ast.AST) -> str:
    """ZeroPadding2D(1) → 'pad 1'; one value or one (before, after) pair per axis, and for
    ZeroPadding1D (left, right) itself."""
    value = _known(ev, layer, "padding", 1, node)
    values = value if isinstance(value, tuple | list) else (value,)
    if dims == 1 and len(values) == 2:
        values = (tuple(values),)  # ZeroPadding1D((1, 2)): left 1, right 2
    per_axis = []
    for v in values:
        if isinstance(v, tuple | list):
            if len(v) != 2 or v[0] != v[1]:
                raise Refusal(
                    layer.line,
                    _(
                        "{call}: padding {v} differs between the two sides; the spec pads both sides alike"
                    ).format(call=layer.call_text, v=v),
                )
            v = v[0]
        per_axis.append(number(v, "padding", layer.call_text, node, 0))
    return f"pad {size_text(tuple(per_axis))}"


def _tconv_padding(layer: Layer, k: tuple[int, ...], s: tuple[int, ...], padding: str, node: ast.AST) -> str:
    """Keras' 'same' transposed conv outputs n·s: PyTorch's p and output_padding that do the same."""
    if layer.args.get("output_padding") is not None:
        raise Refusal(
            layer.line,
            _("{call}: output_padding= on Conv2DTranspose is not supported").format(call=layer.call_text),
        )
    kk, ss = k[0], s[0]
    if len(set(k)) > 1 or len(set(s)) > 1:
        raise Refusal(
            layer.line,
            _("{call}: a transposed conv with different sizes per axis is not supported").format(
                call=layer.call_text
            ),
        )
    if kk < ss:
        raise Refusal(
            layer.line,
            _("{call}: kernel smaller than the stride is not supported").format(call=layer.call_text),
        )
    if padding == "valid":
        return "p=0"
    extra = kk - ss  # 'same': out = n·s = (n − 1)·s − 2p + k + op  ⇒  2p − op = k − s
    p = ceil_div(extra, 2)
    return f"p={p} op={2 * p - extra}"


def layer_items(ev: Evaluator, layer: Layer, x: Tensor, node: ast.AST) -> list[Item]:
    """The spec lines of a layer called on `x`: a depthwise conv's groups are x's channels; a Dense
    on a map is refused (Keras applies it to the last axis only)."""
    name = layer.name
    if name in _INFERENCE_IDENTITY:
        ev.note(
            _(
                "line {line}: {call} keeps the shape at inference and has no trainable parameters; not a row"
            ).format(line=layer.line, call=layer.call_text)
        )
        return []
    if name == "Dense" and x.trace.input_shape is not None:
        shape = x.shape(ev, node, layer.call_text)
        if len(shape) > 1:
            raise Refusal(
                layer.line,
                _(
                    "{call} on a {shape} map: Keras applies Dense to the last axis only; add Flatten() "
                    "before it (the spec's fc flattens the whole map)"
                ).format(call=layer.call_text, shape=fmt_shape(shape)),
            )
    if name not in _SEPARABLE_OR_DEPTHWISE:
        return layer.items
    c = x.shape(ev, node, layer.call_text)[0]
    text = layer.call_text
    axes = axes_of(name)
    k = sizes(_known(ev, layer, "kernel_size", 1, node), "kernel_size", text, node, axes, 1)
    s = sizes(_known(ev, layer, "strides", 1, node), "strides", text, node, axes, 1)
    d = sizes(_known(ev, layer, "dilation_rate", 1, node), "dilation_rate", text, node, axes, 1)
    m = number(_known(ev, layer, "depth_multiplier", 1, node), "depth_multiplier", text, node, 1)
    padding = _padding(ev, layer, node)
    bias = _known(ev, layer, "use_bias", True, node) is not False
    conv = spelled("conv", axes)
    depthwise = f"{conv} {c * m} k={size_text(k)} s={size_text(s)} d={size_text(d)} g={c} p={padding}"
    if name.startswith("Depthwise"):
        return [
            Item(canonical(depthwise + ("" if bias else " bias=false"), node, text)),
            *_activation(ev, layer, node),
        ]
    f = number(_known(ev, layer, "filters", 0, node), "filters", text, node, 1)
    ev.note(
        _(
            "line {line}: {text} is a depthwise conv (no bias) and a 1×1 pointwise conv: two rows, "
            "the same parameters"
        ).format(line=layer.line, text=text)
    )
    return [
        Item(canonical(depthwise + " bias=false", node, text)),
        Item(canonical(f"{conv} {f} k=1" + ("" if bias else " bias=false"), node, text)),
        *_activation(ev, layer, node),
    ]


__all__ = ["Keras", "KerasModel", "KerasSequential", "LAYER_NAMES", "is_keras"]
