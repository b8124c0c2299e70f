"""The PyTorch reader: `torch.nn` layers and containers, `nn.Module` classes and their `forward()`.

Constructors (`nn.Conv2d`, `nn.Sequential(*layers)`, `nn.ModuleList`, `nn.ModuleDict`,
`OrderedDict`, `add_module`) build layer objects as the evaluator runs `__init__`; calling a
model on a traced tensor runs its `forward()` (or `self.net(X)` for d2l's models) and every
layer it calls, every `F.*` / `torch.*` function and every tensor method becomes a node of the
`Trace`: `+`, `+=`, `torch.add` an add merge, `torch.cat(…, 1)` a concat merge. The model is read
as in eval mode (`self.training` is False): dropout is a layer that changes nothing, training-only
branches are not taken.

What changes a tensor in ways the spec cannot show is refused, naming the line: slicing and
indexing, transposes, products of two tensors, a view to another shape. A layer with parameters
that is built but never used, or used twice (shared weights), is refused too: PyTorch's
`model.parameters()` counts it once, so no table of layers can show it right.
"""

from __future__ import annotations

import ast
from math import prod
from typing import Any

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.importer.evaluator import (
    BoundMethod,
    Builtin,
    Evaluator,
    Ext,
    Function,
    Instance,
    Native,
    Partial,
    Refusal,
    Unknown,
    UserClass,
    changing,
    line_of,
)
from cnncalc.arith.importer.layers import (
    Item,
    Layer,
    bind,
    changed_layer,
    frozen,
    number,
    set_code,
    size_text,
    sizes,
    spelled,
)
from cnncalc.arith.importer.trace import BATCH, INPUT_NODE, BatchSize, Region, Tensor, Trace
from cnncalc.arith.layer_spec import parse_layer
from cnncalc.arith.params import bn_params, conv_params, fc_params
from cnncalc.arith.parsing import fmt_shape
from cnncalc.i18n import N_, _, translated

FRAMEWORK = "PyTorch"

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
_MAXPOOL = ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode")
_AVGPOOL = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override")
_BN = ("num_features", "eps", "momentum", "affine", "track_running_stats", "device", "dtype")
_ACTIVATIONS = {
    "ReLU": "relu",
    "ReLU6": "relu6",
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "Hardswish": "hardswish",
    "Hardsigmoid": "hardsigmoid",
    "SiLU": "silu",
    "GELU": "gelu",
    "ELU": "elu",
    "Softmax": "softmax",
    "Softmax2d": "softmax",
    "LogSoftmax": "softmax",
}
# classes of torch.nn the reader knows beyond those built above
KNOWN_LAYERS = (
    "Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d ConvTranspose3d LazyConv1d LazyConv2d LazyConv3d "
    "LazyConvTranspose1d LazyConvTranspose2d LazyConvTranspose3d MaxPool1d MaxPool2d MaxPool3d AvgPool1d AvgPool2d "
    "AvgPool3d AdaptiveAvgPool1d AdaptiveAvgPool2d AdaptiveAvgPool3d AdaptiveMaxPool1d AdaptiveMaxPool2d "
    "AdaptiveMaxPool3d BatchNorm1d BatchNorm2d BatchNorm3d "
    "LazyBatchNorm1d LazyBatchNorm2d LazyBatchNorm3d InstanceNorm1d InstanceNorm2d InstanceNorm3d GroupNorm "
    "LocalResponseNorm Linear LazyLinear Flatten Dropout Dropout1d Dropout2d Dropout3d AlphaDropout Identity "
    "ZeroPad1d ZeroPad2d ZeroPad3d ConstantPad1d ConstantPad2d ConstantPad3d ReflectionPad1d ReflectionPad2d "
    "ReflectionPad3d ReplicationPad1d ReplicationPad2d ReplicationPad3d Upsample UpsamplingNearest2d "
    "UpsamplingBilinear2d PixelShuffle LeakyReLU " + " ".join(_ACTIVATIONS)
).split()


def is_torch(path: str) -> bool:
    return path == "torch" or path.startswith("torch.")


def is_d2l_model(ext: Ext) -> bool:
    """d2l's Module/Classifier bases: an nn.Module whose forward() is `self.net(X)`."""
    return "d2l" in ext.path and ext.leaf in ("Module", "Classifier", "Classification", "LinearRegression")


_CONTAINERS = ("Module", "Sequential", "ModuleList", "ModuleDict")


def is_module_class(cls: UserClass) -> bool:
    return any(
        (is_torch(b.path) and b.leaf in _CONTAINERS) or is_d2l_model(b) or b.path.endswith("nn.Module")
        for b in cls.external_bases()
    )


def container_base(cls: UserClass) -> str:
    """'Sequential', 'ModuleDict' or 'ModuleList' for a class that derives from one, else ''."""
    for b in cls.external_bases():
        if is_torch(b.path) and b.leaf in _CONTAINERS[1:]:
            return b.leaf
    return ""


def canonical(text: str, node: ast.AST, call_text: str) -> str:
    """The layer's text as the spec language writes it (defaults left out); a refusal if it is
    not a layer (a kernel of 0, say)."""
    try:
        return parse_layer(text, 1).describe()
    except CnnCalcError as e:
        raise Refusal(line_of(node), f"{call_text}: {e}") from None


# -- the framework hooks --------------------------------------------------------------------------------


class Torch:
    """What the evaluator asks the PyTorch reader: library calls, module objects, tensor operations."""

    name = FRAMEWORK

    def __init__(self, ev: Evaluator) -> None:
        self.ev = ev
        self.sample_inputs: list[tuple[tuple[int, ...], int, str]] = []
        ev.resolvers.append(self.resolve)
        ev.instance_attr_hook = self.instance_attr
        ev.instance_call_hook = self.call_module
        ev.class_attr_hook = self.class_attr

    # the model (the functions are below, after the containers they read) ---------------------------

    def is_model(self, name: str, value: Any) -> bool:
        return _is_model(self, name, value)

    def parts(self, value: Any) -> list:
        return _parts(self, value)

    def trace_model(
        self, reader: Any, label: str, value: Any
    ) -> tuple[Trace, Tensor, tuple[int, ...] | None, list[str]]:
        return _trace_model(self, reader, label, value)

    def kind_of(self, value: Any) -> str:
        """PyTorch models have no kinds to tell apart: an nn.Module is one."""
        return ""

    def implicit_model(self) -> tuple[str, Any] | None:
        """A PyTorch file names its model; none is read without one."""
        return None

    def no_model_message(self) -> str:
        return _(
            "found no model: cnncalc reads nn.Module classes, functions that return one, and "
            "module-level nn.Sequential objects"
        )

    # library calls ------------------------------------------------------------------------------------

    def resolve(self, ev: Evaluator, ext: Ext, args: list, kwargs: dict, node: ast.AST) -> Any:
        path, leaf = ext.path, ext.leaf
        if is_torch(path):
            if (
                ".functional." in path
                or path.startswith("torch.")
                and leaf in _TORCH_FUNCTIONS
                and path.count(".") == 1
            ):
                if leaf in _FUNCTIONAL:
                    return self.functional(ev, leaf, args, kwargs, node)
                if args and isinstance(args[0], Tensor):
                    raise Refusal(
                        line_of(node),
                        _("{code}: {path} is not an operation cnncalc follows").format(
                            code=ev.text(node), path=path
                        ),
                    )
                return NotImplemented
            if leaf in ("Sequential",):
                return Sequential.build(ev, self, args, kwargs, node)
            if leaf == "ModuleList":
                return ModuleList(self, list(ev.items_of(args[0], node)) if args else [])
            if leaf == "ModuleDict":
                return ModuleDict(self, dict(args[0]) if args and isinstance(args[0], dict) else {})
            if leaf in KNOWN_LAYERS and path.startswith("torch.nn."):
                return build_layer(ev, self, leaf, args, kwargs, node)
            if path.startswith("torch.nn.") and leaf[:1].isupper() and leaf not in ("Module", "Parameter"):
                return _unknown_layer(ev, path, node)
            if (
                leaf in ("randn", "rand", "zeros", "ones", "empty", "FloatTensor", "randint")
                and path.count(".") == 1
            ):
                self._sample(ev, args, kwargs, node)
                return NotImplemented
            if leaf in ("is_scripting", "is_tracing"):
                return False
            if leaf == "_assert":
                return None
        if path.endswith("parallel.data_parallel") and len(args) >= 2:
            ev.note(
                _("line {line}: {code} runs the module on one device as module(input)").format(
                    line=line_of(node), code=ev.text(node)
                )
            )
            return ev.call(args[0], [args[1]], {}, node)
        if "d2l" in path and leaf == "add_to_class" and args:
            return AddToClass(args[0])
        if path.endswith("WeightsEnum.verify") or (leaf == "verify" and "Weights" in path):
            return args[0] if args else None  # torchvision: verify(None) is None
        return NotImplemented

    def _sample(self, ev: Evaluator, args: list, kwargs: dict, node: ast.AST) -> None:
        dims = args[0] if len(args) == 1 and isinstance(args[0], tuple | list) else kwargs.get("size", args)
        if (
            isinstance(dims, tuple | list)
            and 3 <= len(dims) <= 5
            and all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in dims)
        ):
            self.sample_inputs.append((tuple(dims), line_of(node), ev.text(node)))

    def class_attr(self, cls: UserClass, name: str, node: ast.AST) -> Any:
        if name == "verify" and any(b.leaf == "WeightsEnum" for b in cls.external_bases()):
            return Builtin(
                "verify", lambda ev, a, k, n: a[0] if a else None
            )  # torchvision: verify(None) is None
        return NotImplemented

    # modules ------------------------------------------------------------------------------------------

    def instance_attr(self, obj: Instance, name: str, node: ast.AST) -> Any:
        if not is_module_class(obj.cls):
            return NotImplemented
        ev = self.ev
        if name == "training":
            return ev.training
        if name in ("add_module", "register_module"):
            return Builtin(name, changing(lambda ev, a, k, n: _add_module(ev, obj, *_two(ev, a, n, name), n)))
        if name in ("modules", "children", "named_modules", "named_children"):
            return Builtin(name, lambda ev, a, k, n: module_list(obj, name))
        if name == "save_hyperparameters":
            return Builtin(name, lambda ev, a, k, n: self._save_hyperparameters(obj))
        if name == "forward" and any(is_d2l_model(b) for b in obj.cls.external_bases()):
            return Builtin("forward", lambda ev, a, k, n: ev.call(ev.get_attr(obj, "net", n), list(a), k, n))
        base = container_base(obj.cls)
        if base == "Sequential" and name == "forward":
            return Builtin(
                "forward", lambda ev, a, k, n: Sequential(self, _named_modules(obj)).call(ev, list(a), k, n)
            )
        if base and name in ("items", "values", "keys"):
            pairs = _named_modules(obj)
            return Builtin(
                name,
                lambda ev, a, k, n: (
                    pairs if name == "items" else [p[1 if name == "values" else 0] for p in pairs]
                ),
            )
        if base == "ModuleList" and name == "append":
            return Builtin(
                name,
                changing(
                    lambda ev, a, k, n: _add_module(
                        ev, obj, str(len(_named_modules(obj))), a[0] if a else None, n
                    )
                ),
            )
        if name in ("parameters", "named_parameters", "requires_grad_", "apply"):
            return module_method(ev, obj, name, node)
        if name in _PRIVATE_STATE:
            raise private_state(ev, obj.cls.name, name, node)
        if name in _MODULE_METHODS:
            return Builtin(
                name,
                lambda ev, a, k, n: Unknown(
                    _("{cls}.{name}() is a library method").format(cls=obj.cls.name, name=name), line_of(n)
                ),
            )
        return NotImplemented

    def _save_hyperparameters(self, obj: Instance) -> None:
        """d2l: the arguments of the __init__ that calls it become attributes."""
        for frame in reversed(self.ev.frames):
            if frame.names.get("self") is obj:
                for key, value in frame.names.items():
                    if key not in ("self", "__function__") and not key.startswith("_"):
                        obj.attrs.setdefault(key, value)
                return

    def call_module(self, obj: Instance, args: list, kwargs: dict, node: ast.AST) -> Any:
        ev = self.ev
        if not is_module_class(obj.cls):
            raise Refusal(
                line_of(node),
                _("{code}: a {name} object is not callable").format(code=ev.text(node), name=obj.cls.name),
            )
        forward = ev.get_attr(obj, "forward", node)
        x = args[0] if len(args) == 1 and not kwargs else None
        if not isinstance(x, Tensor):
            return ev.call(forward, args, kwargs, node)
        region = Region(obj.cls.name, x.node, len(x.trace.nodes))
        out = ev.call(forward, args, kwargs, node)
        if isinstance(out, Tensor) and out.trace is x.trace:
            region.output, region.last = out.node, len(x.trace.nodes) - 1
            x.trace.regions.append(region)
        return out

    def layer_attr(self, ev: Evaluator, layer: Layer, name: str, node: ast.AST) -> Any:
        if name in ("weight", "bias", "running_mean", "running_var"):
            has = not (
                name == "bias" and (layer.args.get("bias") is False or layer.args.get("affine") is False)
            )
            if not has:
                return None
            return Parameter(layer, name) if name in ("weight", "bias") and layer.params != 0 else WEIGHTS
        if name in _PRIVATE_STATE:
            raise private_state(ev, layer.call_text, name, node)
        found = module_method(ev, layer, name, node)
        if found is not None:
            return found
        if name == "reset_parameters":
            return Builtin(name, lambda ev, a, k, n: None)
        if name == "forward":
            return Builtin(name, lambda ev, a, k, n: self.call_layer(ev, layer, list(a), k, n))
        if name in ("modules", "children"):
            return Builtin(name, lambda ev, a, k, n: [layer] if name == "modules" else [])
        return Unknown(f"{layer.call_text}.{name}", line_of(node))

    def set_layer_attr(self, ev: Evaluator, layer: Layer, name: str, value: Any, node: ast.AST) -> None:
        """`layer.name = value` after the layer is built. What the layer's forward() reads (its
        arguments, weights, `forward` itself) is refused with the line, but where it changes no
        number of the table (`inplace`, batch norm's `momentum` and `eps`); an attribute it never
        reads (torchvision's `fc.stddev`, for the file's own initialiser) changes nothing. A
        module's `requires_grad` is such an attribute: PyTorch freezes nothing, and a note says so."""
        if name in ("inplace", "momentum", "eps"):
            return
        if name == "requires_grad":
            ev.note(
                _(
                    "line {line}: {code} sets a plain attribute of the module: PyTorch freezes nothing "
                    "(requires_grad_(False) or each parameter's requires_grad would); every parameter "
                    "stays trainable"
                ).format(line=line_of(node), code=ev.text(node))
            )
            return
        if name in layer.args or name in _LAYER_STATE or name.startswith("_"):
            raise Refusal(line_of(node), changed_layer(ev, layer, name, node))

    def call_layer(self, ev: Evaluator, layer: Layer, args: list, kwargs: dict, node: ast.AST) -> Any:
        x = args[0] if args else None
        if not isinstance(x, Tensor):
            if isinstance(x, Unknown):
                return x
            raise Refusal(
                line_of(node),
                _("{code}: {call} is called on something that is not the model's tensor").format(
                    code=ev.text(node), call=layer.call_text
                ),
            )
        layer.calls += 1
        if layer.calls > 1 and layer.params:
            raise Refusal(
                line_of(node),
                _(
                    "{code}: {call} (line {line}) is called a second time, sharing its {params:,} "
                    "parameters; the table would count them twice"
                ).format(code=ev.text(node), call=layer.call_text, line=layer.line, params=layer.params),
            )
        # a Linear layer works on no spatial axes: reading the input for it reads no axes wrong
        shape = x.trace.input_shape if layer.ranks == (0,) and x.node == INPUT_NODE else None
        if shape is not None and len(shape) > 1 and prod(shape[:-1]) == 1:
            ev.note(
                _(
                    "line {line}: {call} reads the {shape} input as its {n} features; PyTorch keeps the "
                    "leading 1s in its output, the table shows the features alone"
                ).format(line=layer.line, call=layer.call_text, shape=fmt_shape(shape), n=shape[-1])
            )
        for i, item in enumerate(layer.items):
            ranks = layer.ranks if i == 0 else ()
            x = x.trace.layer(
                x, item.text, _Where(layer.line), ev, item.expect, layer, ranks, layer.call_text
            )
        return x

    # tensors ------------------------------------------------------------------------------------------

    def tensor_attr(self, ev: Evaluator, t: Tensor, name: str, node: ast.AST) -> Any:
        if name == "shape":
            return (BATCH, *t.shape(ev, node, ev.text(node)))
        if name == "data":
            return t
        if name in _TENSOR_IDENTITY:
            return Builtin(name, lambda ev, a, k, n: t)
        if name in _TENSOR_METHODS:
            return Builtin(name, lambda ev, a, k, n: _TENSOR_METHODS[name](ev, self, t, a, k, n))
        if name in _FUNCTIONAL:
            return Builtin(name, lambda ev, a, k, n: self.functional(ev, name.rstrip("_"), [t, *a], k, n))
        raise Refusal(
            line_of(node),
            _("{code}: the tensor method {name} is not something cnncalc follows").format(
                code=ev.text(node), name=name
            ),
        )

    def tensor_binop(
        self, ev: Evaluator, t: Tensor, op: ast.operator, other: Any, node: ast.AST, reflected: bool
    ) -> Any:
        if isinstance(other, Tensor):
            if isinstance(op, ast.Add):
                return t.trace.merge("add", [other, t] if reflected else [t, other], node, ev)
            what = {
                ast.Mult: _(
                    "{code} multiplies two tensors; the spec language joins branches by add or concat only"
                ),
                ast.Sub: _(
                    "{code} subtracts two tensors; the spec language joins branches by add or concat only"
                ),
                ast.Div: _(
                    "{code} divides two tensors; the spec language joins branches by add or concat only"
                ),
            }.get(type(op)) or _(
                "{code} combines two tensors; the spec language joins branches by add or concat only"
            )
            raise Refusal(line_of(node), what.format(code=ev.text(node)))
        if other is None and isinstance(op, ast.USub | ast.UAdd):
            ev.note(
                _("line {line}: {code} changes the sign only: no shape, no parameters; not a row").format(
                    line=line_of(node), code=ev.text(node)
                )
            )
            return t
        if (
            isinstance(other, int | float)
            and not isinstance(other, bool)
            and isinstance(op, ast.Add | ast.Sub | ast.Mult | ast.Div)
        ):
            ev.note(
                _(
                    "line {line}: {code} scales or shifts by a constant: no shape, no parameters; not a row"
                ).format(line=line_of(node), code=ev.text(node))
            )
            return t
        raise Refusal(
            line_of(node),
            _("{code}: cnncalc does not follow this operation on a tensor").format(code=ev.text(node)),
        )

    # functional ops --------------------------------------------------------------------------------------

    def functional(self, ev: Evaluator, name: str, args: list, kwargs: dict, node: ast.AST) -> Any:
        handler = _FUNCTIONAL[name]
        if name in ("cat", "concat", "add", "stack"):
            return handler(ev, self, None, args, kwargs, node)
        x = args[0] if args else kwargs.pop("input", None)
        if not isinstance(x, Tensor):
            if isinstance(x, Unknown):
                return x
            raise Refusal(
                line_of(node),
                _("{code}: the first argument is not the model's tensor").format(code=ev.text(node)),
            )
        return handler(ev, self, x, args[1:], kwargs, node)


# what torch.nn layers read when they run, beyond their constructors' arguments: setting any of
# these after a layer is built changes it (a constructor argument of another layer kind may be a
# stored attribute of this one: stride, padding, … are read by every layer that has them)
_LAYER_STATE = {
    *_CONV,
    *_TCONV,
    *_MAXPOOL,
    *_AVGPOOL,
    *_BN,
    "in_features",
    "out_features",
    "weight",
    "bias",
    "running_mean",
    "running_var",
    "num_batches_tracked",
    "training",
    "forward",
    "p",
    "negative_slope",
    "dim",
    "approximate",
    "alpha",
    "beta",
    "k",
    "size",
    "output_size",
    "scale_factor",
    "mode",
    "align_corners",
    "recompute_scale_factor",
    "num_groups",
    "num_channels",
    "start_dim",
    "end_dim",
    "upscale_factor",
    "value",
}

# nn.Module's own methods a model's code calls for other ends than its layers (weights, devices)
_MODULE_METHODS = {
    "apply",
    "parameters",
    "named_parameters",
    "state_dict",
    "load_state_dict",
    "to",
    "cuda",
    "cpu",
    "eval",
    "train",
    "zero_grad",
    "register_buffer",
    "register_parameter",
    "requires_grad_",
    "buffers",
    "type",
    "float",
    "double",
    "half",
    "extra_repr",
    "_get_name",
    "register_forward_hook",
}


def module_method(ev: Evaluator, module: Any, name: str, node: ast.AST) -> Builtin | None:
    """nn.Module's methods every module has, as far as they touch what the table shows:
    `parameters()` (each tensor, to loop over), `requires_grad_(False)` (refused: frozen),
    `apply(fn)`, and those that leave the network as it is (`to`, `eval`, …)."""
    if name in ("parameters", "named_parameters"):
        return Builtin(name, lambda ev, a, k, n: parameters_of(module, named=name == "named_parameters"))
    if name == "requires_grad_":
        return Builtin(name, lambda ev, a, k, n: _requires_grad(ev, module, a, k, n))
    if name == "apply":
        return Builtin(name, changing(lambda ev, a, k, n: _apply(ev, module, a, n)))
    if name in ("to", "cuda", "cpu", "train", "eval", "float", "double", "half", "zero_grad"):
        return Builtin(name, lambda ev, a, k, n: module)
    return None


def _requires_grad(ev: Evaluator, value: Any, args: list, kwargs: dict, node: ast.AST) -> Any:
    flag = args[0] if args else kwargs.get("requires_grad", True)
    if flag is not True:
        raise frozen(line_of(node), ev.text(node), [value.layer if isinstance(value, Parameter) else value])
    return value


def _apply(ev: Evaluator, module: Any, args: list, node: ast.AST) -> Any:
    """module.apply(fn) calls fn on every module: followed as weight initialisation, which changes
    no shape, when fn (and the file's functions it calls) sets no attribute or item but a tensor's
    `.data`, deletes nothing, and calls no `setattr`, `requires_grad_`, `register_*` or
    `add_module`; else refused with the line."""
    fn = args[0] if args else None
    while isinstance(fn, BoundMethod | Partial):
        fn = fn.function if isinstance(fn, BoundMethod) else fn.fn
    found = _change_in(ev, fn, set())
    if found is not None:
        raise Refusal(
            line_of(node),
            _(
                "{code}: {fn}() changes the modules it is given (line {line}: {change}); cnncalc reads "
                "each layer as its constructor builds it and does not follow such changes"
            ).format(code=ev.text(node), fn=fn.name, line=line_of(found), change=ev.text(found)),
        )
    return module


_CHANGING_CALLS = {"setattr", "delattr", "requires_grad_", "register_parameter", "register_buffer"}
_CHANGING_CALLS |= {"add_module", "register_module", "__setattr__", "__delattr__"}


def _change_in(ev: Evaluator, fn: Any, seen: set[int]) -> ast.AST | None:
    """The first statement of a function of the file (or of one it calls) that changes an object."""
    if not isinstance(fn, Function) or id(fn.node) in seen:
        return None
    seen.add(id(fn.node))
    for stmt in ast.walk(fn.node):
        targets = (
            stmt.targets
            if isinstance(stmt, ast.Assign | ast.Delete)
            else [stmt.target]
            if isinstance(stmt, ast.AugAssign | ast.AnnAssign)
            else []
        )
        # a tensor's .data replaced is initialisation; any other attribute or item is a change
        if isinstance(stmt, ast.Delete) or any(
            isinstance(t, ast.Subscript) or (isinstance(t, ast.Attribute) and t.attr != "data")
            for t in targets
        ):
            return stmt
        if isinstance(stmt, ast.Call):
            f = stmt.func
            called = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if called in _CHANGING_CALLS:
                return stmt
            if isinstance(f, ast.Name):
                inner = _change_in(ev, fn.scope.lookup(f.id)[1], seen)
                if inner is not None:
                    return inner
    return None


# the modules' own bookkeeping: what is changed through it is not followed
_PRIVATE_STATE = {"__dict__", "_modules", "_parameters", "_buffers"}


def private_state(ev: Evaluator, owner: str, name: str, node: ast.AST) -> Refusal:
    return Refusal(
        line_of(node),
        _("{code}: {name} is {owner}'s own bookkeeping, which cnncalc does not follow").format(
            code=ev.text(node), name=name, owner=owner
        ),
    )


def parameters_of(module: Any, named: bool = False) -> list:
    """The parameter tensors of a module's layers (weight, then bias), as `parameters()` lists them."""
    out: list = []
    for layer, path in leaf_layers(module):
        if layer.params == 0:
            continue
        names = ["weight"] + (["bias"] if layer.args.get("bias", True) is not False else [])
        for tensor in names:
            param = Parameter(layer, tensor)
            out.append((f"{path}.{tensor}" if path else tensor, param) if named else param)
    return out


class Parameter(Native):
    """One parameter tensor of a layer (its weight or bias), as `model.parameters()` gives it:
    initialising it in place changes nothing the table shows; freezing it is refused."""

    label = N_("a parameter tensor")

    def __init__(self, layer: Layer, tensor: str) -> None:
        self.layer = layer
        self.tensor = tensor

    def attr(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        if name == "requires_grad":
            return True
        if name == "requires_grad_":
            return Builtin(name, lambda ev, a, k, n: _requires_grad(ev, self, a, k, n))
        if name == "data":
            return self
        return WEIGHTS.attr(ev, name, node)

    def set_attr(self, ev: Evaluator, name: str, value: Any, node: ast.AST) -> None:
        if name == "requires_grad" and value is True:
            return
        if name == "requires_grad":
            raise frozen(line_of(node), set_code(ev, node, value), [self.layer])
        raise Refusal(
            line_of(node),
            _(
                "{code}: sets {name} of the {tensor} of {call} (line {line}); cnncalc does not follow it"
            ).format(
                code=ev.text(node),
                name=name,
                tensor=self.tensor,
                call=self.layer.call_text,
                line=self.layer.line,
            ),
        )


class _Weights(Native):
    """A layer's weight or bias tensor: initialisers touch it, the shapes do not depend on it."""

    label = N_("a tensor of weights")

    def attr(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        if name in ("data", "weight"):
            return self
        if name in ("shape", "size"):
            return Unknown(_("the shape of a weight tensor"), line_of(node))
        return Builtin(name, lambda ev, a, k, n: Unknown(_("a weight tensor's method"), line_of(n)))

    def binop(self, ev: Evaluator, op: ast.operator, other: Any, node: ast.AST, reflected: bool) -> Any:
        return Unknown(_("arithmetic on weights"), line_of(node))


WEIGHTS = _Weights()


class _Where:
    """A stand-in node for messages: the line of the constructor that built a layer."""

    def __init__(self, line: int) -> None:
        self.lineno = line


def _unknown_layer(ev: Evaluator, path: str, node: ast.AST) -> Any:
    leaf = path.rsplit(".", 1)[-1]
    raise Refusal(
        line_of(node),
        _(
            "{code}: {leaf} is not a layer cnncalc knows (it reads torch.nn's convolutions, pools, "
            "norms, activations, padding, upsampling, Linear, Flatten, Dropout and containers)"
        ).format(code=ev.text(node), leaf=leaf),
    )


class AddToClass(Native):
    """d2l.add_to_class(C): the decorated function becomes a method of C."""

    label = "d2l.add_to_class"

    def __init__(self, cls: Any) -> None:
        self.cls = cls

    def call(self, ev: Evaluator, args: list, kwargs: dict, node: ast.AST) -> Any:
        if isinstance(self.cls, UserClass) and args:
            fn = args[0]
            fn.owner = getattr(fn, "owner", None) or self.cls
            self.cls.ns[fn.name] = fn
        return None


def _named_modules(obj: Instance) -> list[tuple[str, Any]]:
    return [(k, v) for k, v in obj.attrs.items() if is_module(v)]


def module_list(obj: Any, how: str) -> list:
    """modules() / children() of a module object, as PyTorch orders them."""
    children = list(children_of(obj))
    if how in ("children", "named_children"):
        return children if how == "children" else [(str(i), c) for i, c in enumerate(children)]
    out: list = [obj]
    for c in children:
        out.extend(module_list(c, "modules"))
    return out if how == "modules" else [(str(i), c) for i, c in enumerate(out)]


def children_of(obj: Any) -> list:
    if isinstance(obj, Instance):
        return [v for v in obj.attrs.values() if is_module(v)]
    if isinstance(obj, Sequential):
        return [m for _, m in obj.children]
    if isinstance(obj, ModuleList):
        return list(obj.items)
    if isinstance(obj, ModuleDict):
        return list(obj.items.values())
    return []


def is_module(value: Any) -> bool:
    return isinstance(value, Layer | Sequential | ModuleList | ModuleDict) or (
        isinstance(value, Instance) and is_module_class(value.cls)
    )


def leaf_layers(obj: Any, seen: set[int] | None = None) -> list[tuple[Layer, str]]:
    """Every leaf layer a module holds, with its path (`layer1.0.conv1`)."""
    seen = seen if seen is not None else set()
    out: list[tuple[Layer, str]] = []

    def visit(value: Any, path: str) -> None:
        if id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, Layer):
            out.append((value, path))
        elif isinstance(value, Instance) and is_module_class(value.cls):
            for k, v in value.attrs.items():
                if is_module(v):
                    visit(v, f"{path}.{k}" if path else k)
        elif isinstance(value, Sequential):
            for k, v in value.children:
                visit(v, f"{path}.{k}" if path else k)
        elif isinstance(value, ModuleList):
            for i, v in enumerate(value.items):
                visit(v, f"{path}.{i}" if path else str(i))
        elif isinstance(value, ModuleDict):
            for k, v in value.items.items():
                visit(v, f"{path}.{k}" if path else str(k))

    visit(obj, "")
    return out


# -- containers ---------------------------------------------------------------------------------------


class Sequential(Native):
    """nn.Sequential: its modules in order; calling it calls each on the result of the last.

    Changed after it is built as PyTorch changes it: `model[i] = m` replaces the i-th module in
    its place, `del model[i]` and `pop(i)` remove it and number the rest 0, 1, … again, `insert`,
    `append`, `extend`, `add_module` (in place when the name is taken) and `+`, `+=`."""

    label = "nn.Sequential"
    model_part = True

    def __init__(self, framework: Torch, children: list[tuple[str, Any]]) -> None:
        self.framework = framework
        self.children = children

    @classmethod
    def build(cls, ev: Evaluator, framework: Torch, args: list, kwargs: dict, node: ast.AST) -> Sequential:
        if len(args) == 1 and isinstance(args[0], dict):
            children = [(str(k), v) for k, v in args[0].items()]
        else:
            children = [(str(i), v) for i, v in enumerate(args)]
        for _name, value in children:
            _check_module(ev, value, node, "nn.Sequential")
        return cls(framework, children)

    def call(self, ev: Evaluator, args: list, kwargs: dict, node: ast.AST) -> Any:
        x = args[0] if args else None
        for _name, module in self.children:
            x = ev.call(module, [x], {}, node)
        return x

    def attr(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        if name in ("add_module", "register_module"):
            return Builtin(name, changing(lambda ev, a, k, n: self._add(ev, *_two(ev, a, n, name), n)))
        if name == "append":
            return Builtin(
                name,
                changing(
                    lambda ev, a, k, n: self._add(ev, str(len(self.children)), a[0] if a else None, n) or self
                ),
            )
        if name == "extend":
            return Builtin(name, changing(lambda ev, a, k, n: self._extend(ev, a[0] if a else None, n)))
        if name == "insert":
            return Builtin(name, changing(lambda ev, a, k, n: self._insert(ev, *_two(ev, a, n, name), n)))
        if name == "pop":
            return Builtin(name, changing(lambda ev, a, k, n: self._pop(ev, a[0] if a else None, n)))
        if name in ("modules", "children", "named_modules", "named_children"):
            return Builtin(name, lambda ev, a, k, n: module_list(self, name))
        if name == "forward":
            return Builtin(name, lambda ev, a, k, n: self.call(ev, list(a), k, n))
        if name in _PRIVATE_STATE:
            raise private_state(ev, "nn.Sequential", name, node)
        found = module_method(ev, self, name, node)
        if found is not None:
            return found
        by_name = dict(self.children)
        if name in by_name:
            return by_name[name]
        return Unknown(f"nn.Sequential.{name}", line_of(node))

    def set_attr(self, ev: Evaluator, name: str, value: Any, node: ast.AST) -> None:
        if is_module(value) or name in dict(self.children):
            self._add(ev, name, value, node)

    def _add(self, ev: Evaluator, name: Any, module: Any, node: ast.AST) -> None:
        """add_module: a name already taken keeps its place (PyTorch's dict of modules)."""
        _check_module(ev, module, node, "add_module")
        names = [k for k, _v in self.children]
        if str(name) in names:
            self.children[names.index(str(name))] = (str(name), module)
        else:
            self.children.append((str(name), module))

    def _extend(self, ev: Evaluator, modules: Any, node: ast.AST) -> Sequential:
        for module in ev.items_of(modules, node):
            self._add(ev, str(len(self.children)), module, node)
        return self

    def _index(self, ev: Evaluator, key: Any, node: ast.AST) -> int:
        """A module's position from an index as PyTorch takes it (negative from the end)."""
        n = len(self.children)
        if isinstance(key, bool) or not isinstance(key, int):
            raise Refusal(
                line_of(node),
                _("{code}: index an nn.Sequential with a number or a slice").format(code=ev.text(node)),
            )
        if not -n <= key < n:
            raise Refusal(
                line_of(node),
                _("{code}: index {key} of an nn.Sequential of {n} modules; PyTorch stops here").format(
                    code=ev.text(node), key=key, n=n
                ),
            )
        return key % n

    def getitem(self, ev: Evaluator, key: Any, node: ast.AST) -> Any:
        if isinstance(key, slice):
            return Sequential(self.framework, self.children[key])
        return self.children[self._index(ev, key, node)][1]

    def setitem(self, ev: Evaluator, key: Any, value: Any, node: ast.AST) -> None:
        if isinstance(key, slice):
            raise _slice_set(ev, "nn.Sequential", node)
        i = self._index(ev, key, node)
        _check_module(ev, value, node, "nn.Sequential")
        self.children[i] = (self.children[i][0], value)

    def delitem(self, ev: Evaluator, key: Any, node: ast.AST) -> None:
        if isinstance(key, slice):
            del self.children[key]
        else:
            del self.children[self._index(ev, key, node)]
        self.children = [(str(i), m) for i, (_k, m) in enumerate(self.children)]  # numbered again

    def _pop(self, ev: Evaluator, key: Any, node: ast.AST) -> Any:
        found = self.getitem(ev, key, node)
        self.delitem(ev, key, node)
        return found

    def _insert(self, ev: Evaluator, index: Any, module: Any, node: ast.AST) -> Sequential:
        n = len(self.children)
        if isinstance(index, bool) or not isinstance(index, int) or not -n <= index <= n:
            raise Refusal(
                line_of(node),
                _(
                    "{code}: insert at {index!r} into an nn.Sequential of {n} modules; PyTorch stops here"
                ).format(code=ev.text(node), index=index, n=n),
            )
        if [k for k, _m in self.children] != [str(i) for i in range(n)]:
            raise Refusal(
                line_of(node),
                _(
                    "{code}: insert into an nn.Sequential of named modules; PyTorch's insert moves "
                    "modules numbered 0, 1, … and stops on names"
                ).format(code=ev.text(node)),
            )
        _check_module(ev, module, node, "insert")
        modules = [m for _k, m in self.children]
        modules.insert(index + n if index < 0 else index, module)
        self.children = [(str(i), m) for i, m in enumerate(modules)]
        return self

    def binop(self, ev: Evaluator, op: ast.operator, other: Any, node: ast.AST, reflected: bool) -> Any:
        if isinstance(op, ast.Add) and isinstance(other, Sequential) and not reflected:
            modules = [m for _k, m in self.children] + [m for _k, m in other.children]
            return Sequential(self.framework, [(str(i), m) for i, m in enumerate(modules)])
        raise Refusal(
            line_of(node),
            _("{code}: this operation on an nn.Sequential is not something cnncalc follows").format(
                code=ev.text(node)
            ),
        )

    def inplace(self, ev: Evaluator, op: ast.operator, other: Any, node: ast.AST) -> Any:
        if isinstance(op, ast.Add) and isinstance(other, Sequential):
            offset = len(self.children)
            for i, (_k, module) in enumerate(list(other.children)):
                self._add(ev, str(i + offset), module, node)
            return self
        return self.binop(ev, op, other, node, False)

    def iterate(self, ev: Evaluator, node: ast.AST) -> list:
        return [m for _, m in self.children]

    def length(self, ev: Evaluator, node: ast.AST) -> int:
        return len(self.children)

    def isinstance_of(self, kind: Any) -> bool | None:
        return getattr(kind, "leaf", "") in ("Sequential", "Module")


def _slice_set(ev: Evaluator, container: str, node: ast.AST) -> Refusal:
    """`model[1:3] = …`: PyTorch's containers set one module at a number, and stop on a slice."""
    return Refusal(
        line_of(node),
        _(
            "{code}: an {container} takes one module at a number, not a slice: PyTorch stops here "
            "with a TypeError (del {code} removes a slice of modules)"
        ).format(code=ev.text(node), container=container),
    )


class ModuleList(Native):
    """nn.ModuleList, changed after it is built as PyTorch changes it (`[i] =`, `del`, `pop`,
    `insert`, `append`, `extend`, `+=`)."""

    label = "nn.ModuleList"
    model_part = True

    def __init__(self, framework: Torch, items: list) -> None:
        self.framework = framework
        self.items = items

    def attr(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        if name == "append":
            return Builtin(name, changing(lambda ev, a, k, n: self._extend(ev, a[:1], n)))
        if name == "extend":
            return Builtin(
                name, changing(lambda ev, a, k, n: self._extend(ev, ev.items_of(a[0], n) if a else [], n))
            )
        if name == "insert":
            return Builtin(name, changing(lambda ev, a, k, n: self._insert(ev, *_two(ev, a, n, name), n)))
        if name == "pop":
            return Builtin(name, changing(lambda ev, a, k, n: self._pop(ev, a[0] if a else None, n)))
        if name in ("modules", "children"):
            return Builtin(name, lambda ev, a, k, n: module_list(self, name))
        found = module_method(ev, self, name, node)
        if found is not None:
            return found
        return Unknown(f"nn.ModuleList.{name}", line_of(node))

    def _extend(self, ev: Evaluator, modules: list, node: ast.AST) -> ModuleList:
        for module in modules:
            _check_module(ev, module, node, "nn.ModuleList")
        self.items.extend(modules)
        return self

    def _index(self, ev: Evaluator, key: Any, node: ast.AST) -> int:
        if isinstance(key, int) and not isinstance(key, bool) and -len(self.items) <= key < len(self.items):
            return key % len(self.items)
        raise Refusal(
            line_of(node),
            _("{code}: index {key!r} of an nn.ModuleList of {n}").format(
                code=ev.text(node), key=key, n=len(self.items)
            ),
        )

    def getitem(self, ev: Evaluator, key: Any, node: ast.AST) -> Any:
        if isinstance(key, slice):
            return ModuleList(self.framework, self.items[key])
        return self.items[self._index(ev, key, node)]

    def setitem(self, ev: Evaluator, key: Any, value: Any, node: ast.AST) -> None:
        if isinstance(key, slice):
            raise _slice_set(ev, "nn.ModuleList", node)
        i = self._index(ev, key, node)
        _check_module(ev, value, node, "nn.ModuleList")
        self.items[i] = value

    def delitem(self, ev: Evaluator, key: Any, node: ast.AST) -> None:
        if isinstance(key, slice):
            del self.items[key]
        else:
            del self.items[self._index(ev, key, node)]

    def _pop(self, ev: Evaluator, key: Any, node: ast.AST) -> Any:
        found = self.getitem(ev, key, node)
        self.delitem(ev, key, node)
        return found

    def _insert(self, ev: Evaluator, index: Any, module: Any, node: ast.AST) -> None:
        # PyTorch's ModuleList.insert moves the modules numbered from the end down to `index`:
        # a negative index stops it, one past the end leaves a gap in the numbers
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= len(self.items):
            raise Refusal(
                line_of(node),
                _(
                    "{code}: insert at {index!r} into an nn.ModuleList of {n}; cnncalc follows 0 to {n}"
                ).format(code=ev.text(node), index=index, n=len(self.items)),
            )
        _check_module(ev, module, node, "insert")
        self.items.insert(index, module)

    def inplace(self, ev: Evaluator, op: ast.operator, other: Any, node: ast.AST) -> Any:
        if isinstance(op, ast.Add):
            return self._extend(ev, ev.items_of(other, node), node)
        return NotImplemented

    def iterate(self, ev: Evaluator, node: ast.AST) -> list:
        return list(self.items)

    def length(self, ev: Evaluator, node: ast.AST) -> int:
        return len(self.items)

    def isinstance_of(self, kind: Any) -> bool | None:
        return getattr(kind, "leaf", "") in ("ModuleList", "Module")


class ModuleDict(Native):
    label = "nn.ModuleDict"
    model_part = True

    def __init__(self, framework: Torch, items: dict) -> None:
        self.framework = framework
        self.items = items

    def attr(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        if name in ("items", "keys", "values"):
            return Builtin(name, lambda ev, a, k, n: list(getattr(self.items, name)()))
        if name == "update":
            return Builtin(name, changing(lambda ev, a, k, n: self._update(ev, a[0] if a else {}, n)))
        if name == "pop":
            return Builtin(name, changing(lambda ev, a, k, n: self._pop(ev, a[0] if a else None, n)))
        found = module_method(ev, self, name, node)
        if found is not None:
            return found
        return Unknown(f"nn.ModuleDict.{name}", line_of(node))

    def _update(self, ev: Evaluator, items: Any, node: ast.AST) -> None:
        pairs = list(items.items()) if isinstance(items, dict) else ev.items_of(items, node)
        for key, module in pairs:
            self.setitem(ev, key, module, node)

    def getitem(self, ev: Evaluator, key: Any, node: ast.AST) -> Any:
        if key in self.items:
            return self.items[key]
        raise Refusal(
            line_of(node),
            _("{code}: no module {key!r} in this nn.ModuleDict").format(code=ev.text(node), key=key),
        )

    def setitem(self, ev: Evaluator, key: Any, value: Any, node: ast.AST) -> None:
        _check_module(ev, value, node, "nn.ModuleDict")
        self.items[key] = value

    def delitem(self, ev: Evaluator, key: Any, node: ast.AST) -> None:
        self.getitem(ev, key, node)
        del self.items[key]

    def _pop(self, ev: Evaluator, key: Any, node: ast.AST) -> Any:
        found = self.getitem(ev, key, node)
        del self.items[key]
        return found

    def iterate(self, ev: Evaluator, node: ast.AST) -> list:
        return list(self.items)

    def length(self, ev: Evaluator, node: ast.AST) -> int:
        return len(self.items)


def _two(ev: Evaluator, args: list, node: ast.AST, name: str) -> tuple[Any, Any]:
    """The two arguments of `insert(index, module)` or `add_module(name, module)`."""
    if len(args) != 2:
        if "module" in name:
            what = _("{code}: {name}() takes a name and a module")
        else:
            what = _("{code}: {name}() takes an index and a module")
        raise Refusal(line_of(node), what.format(code=ev.text(node), name=name))
    return args[0], args[1]


def _add_module(ev: Evaluator, obj: Instance, name: Any, module: Any, node: ast.AST) -> None:
    """`self.add_module(name, module)` on a module of the file: an attribute of that name."""
    if not isinstance(name, str):
        raise Refusal(
            line_of(node),
            _("{code}: the module's name is not known ({why})").format(
                code=ev.text(node), why=name.why if isinstance(name, Unknown) else repr(name)
            ),
        )
    _check_module(ev, module, node, "add_module")
    obj.attrs[name] = module


def _check_module(ev: Evaluator, value: Any, node: ast.AST, where: str) -> None:
    if isinstance(value, Unknown):
        raise Refusal(
            line_of(node),
            _("{code}: a module in {where} is not known ({why})").format(
                code=ev.text(node), where=where, why=value.why
            ),
        )
    if not is_module(value):
        raise Refusal(
            line_of(node),
            _("{code}: {where} is given a {type}, not a layer").format(
                code=ev.text(node), where=where, type=type(value).__name__
            ),
        )


# -- layers ---------------------------------------------------------------------------------------------


def _dims(name: str) -> int | None:
    return int(name[-2]) if name[-1] == "d" and name[-2] in "123" else None


def build_layer(ev: Evaluator, fw: Torch, name: str, args: list, kwargs: dict, node: ast.AST) -> Layer:
    call_text = ev.text(node)
    line = line_of(node)
    dims = _dims(name)
    lazy = name.startswith("Lazy")
    base = name[4:] if lazy else name

    def layer(items: list[Item], a: dict, params: int | None = 0, ranks: tuple[int, ...] = ()) -> Layer:
        return Layer(
            name,
            a,
            [Item(canonical(i.text, node, call_text), i.expect) for i in items],
            line,
            call_text,
            params,
            fw,
            ranks=ranks,
        )

    axes = (dims,) if dims is not None else ()  # a layer whose name says its axes takes exactly those

    if base.startswith(("Conv", "ConvTranspose")):
        transposed = base.startswith("ConvTranspose")
        params = (_TCONV if transposed else _CONV)[1:] if lazy else (_TCONV if transposed else _CONV)
        a = bind(ev, call_text, params, args, kwargs, node)
        for key in (
            ("out_channels", "kernel_size") if lazy else ("in_channels", "out_channels", "kernel_size")
        ):
            if key not in a:
                raise Refusal(line, _("{call}: missing {key}").format(call=call_text, key=key))
        cout = number(a["out_channels"], "out_channels", call_text, node, 1)
        k = sizes(a["kernel_size"], "kernel_size", call_text, node, dims, 1)
        s = sizes(a.get("stride", 1), "stride", call_text, node, dims, 1)
        d = sizes(a.get("dilation", 1), "dilation", call_text, node, dims, 1)
        g = number(a.get("groups", 1), "groups", call_text, node, 1)
        pad = a.get("padding", 0)
        if isinstance(pad, str):
            _check_string_padding(call_text, line, pad, transposed, s)
        p = pad if isinstance(pad, str) else size_text(sizes(pad, "padding", call_text, node, dims))
        bias = a.get("bias", True) is not False
        kind = spelled("tconv" if transposed else "conv", dims)
        text = f"{kind} {cout} k={size_text(k)} s={size_text(s)} p={p} d={size_text(d)} g={g}"
        if transposed:
            text += (
                f" op={size_text(sizes(a.get('output_padding', 0), 'output_padding', call_text, node, dims))}"
            )
        if not bias:
            text += " bias=false"
        if a.get("padding_mode", "zeros") != "zeros":
            ev.note(
                _("line {line}: {call}: padding_mode={mode!r} pads with other values, same sizes").format(
                    line=line, call=call_text, mode=a["padding_mode"]
                )
            )
        if lazy:
            return layer([Item(text)], a, None, axes)
        cin = number(a["in_channels"], "in_channels", call_text, node, 1)
        kernel = k * (dims or 2) if len(k) == 1 else k
        try:
            count = conv_params(cin, cout, tuple(kernel), g, bias, transposed).total
        except CnnCalcError as e:
            raise Refusal(line, f"{call_text}: {e}") from None
        a["kernel_size"], a["stride"] = tuple(kernel), s * (dims or 2) if len(s) == 1 else s
        return layer([Item(text, ("in_channels", cin))], a, count, axes)
    if base.startswith(("MaxPool", "AvgPool")):
        a = bind(ev, call_text, _MAXPOOL if base.startswith("Max") else _AVGPOOL, args, kwargs, node)
        if "kernel_size" not in a:
            raise Refusal(line, _("{call}: missing kernel_size").format(call=call_text))
        if a.get("return_indices"):
            raise Refusal(
                line,
                _("{call}: return_indices=True gives a pair of tensors, which the spec cannot show").format(
                    call=call_text
                ),
            )
        k = sizes(a["kernel_size"], "kernel_size", call_text, node, dims, 1)
        s = sizes(a["stride"] if a.get("stride") is not None else k, "stride", call_text, node, dims, 1)
        p = sizes(a.get("padding", 0), "padding", call_text, node, dims)
        kind = spelled("maxpool" if base.startswith("Max") else "avgpool", dims)
        text = f"{kind} k={size_text(k)} s={size_text(s)} p={size_text(p)}"
        if base.startswith("Max"):
            text += f" d={size_text(sizes(a.get('dilation', 1), 'dilation', call_text, node, dims, 1))}"
        if a.get("ceil_mode"):
            text += " ceil=true"
        return layer([Item(text)], a, 0, axes)
    if base.startswith(("AdaptiveAvgPool", "AdaptiveMaxPool")):
        a = bind(ev, call_text, ("output_size", "return_indices"), args, kwargs, node)
        if "output_size" not in a:
            raise Refusal(line, _("{call}: missing output_size").format(call=call_text))
        out = a["output_size"]
        values = out if isinstance(out, tuple | list) else (out,)
        if any(v is None for v in values):
            raise Refusal(
                line,
                _("{call}: an output size of None keeps that input size; give numbers").format(
                    call=call_text
                ),
            )
        values = sizes(out, "output_size", call_text, node, dims, 1)
        maximum = base.startswith("AdaptiveMax")
        if set(values) == {1}:
            return layer([Item("gmp" if maximum else "gap")], a, 0, axes)
        kind = "adaptivemaxpool" if maximum else "adaptiveavgpool"
        return layer([Item(f"{kind} {size_text(values)}")], a, 0, axes)
    if base.startswith("BatchNorm"):
        a = bind(ev, call_text, _BN[1:] if lazy else _BN, args, kwargs, node)
        if a.get("affine", True) is False:
            raise Refusal(
                line,
                _("{call}: affine=False batch norm has no parameters, which the spec cannot say").format(
                    call=call_text
                ),
            )
        # BatchNorm1d normalises (N, C) or (N, C, L); 2d and 3d maps of their own axes only
        ranks = (0, 1) if dims == 1 else axes
        if lazy:
            return layer([Item("bn")], a, None, ranks)
        c = number(a.get("num_features"), "num_features", call_text, node, 1)
        return layer([Item("bn", ("num_features", c))], a, bn_params(c).total, ranks)
    if base.startswith("InstanceNorm"):
        a = bind(ev, call_text, _BN, args, kwargs, node)
        c = number(a.get("num_features"), "num_features", call_text, node, 1)
        affine = a.get("affine", False) is True
        return layer(
            [Item("instancenorm affine=true" if affine else "instancenorm", ("num_features", c))],
            a,
            bn_params(c).total if affine else 0,
            axes,
        )
    if base == "GroupNorm":
        a = bind(
            ev,
            call_text,
            ("num_groups", "num_channels", "eps", "affine", "device", "dtype"),
            args,
            kwargs,
            node,
        )
        g = number(a.get("num_groups"), "num_groups", call_text, node, 1)
        c = number(a.get("num_channels"), "num_channels", call_text, node, 1)
        if a.get("affine", True) is False:
            raise Refusal(
                line,
                _("{call}: affine=False group norm has no parameters, which the spec cannot say").format(
                    call=call_text
                ),
            )
        return layer([Item(f"groupnorm {g}", ("num_channels", c))], a, bn_params(c).total)
    if base == "LocalResponseNorm":
        a = bind(ev, call_text, ("size", "alpha", "beta", "k"), args, kwargs, node)
        # PyTorch's local response norm needs at least one spatial axis
        return layer([Item(f"lrn {number(a.get('size'), 'size', call_text, node, 1)}")], a, 0, (1, 2, 3))
    if base == "Linear":
        a = bind(
            ev,
            call_text,
            ("out_features", "bias", "device", "dtype")
            if lazy
            else ("in_features", "out_features", "bias", "device", "dtype"),
            args,
            kwargs,
            node,
        )
        fout = number(a.get("out_features"), "out_features", call_text, node, 1)
        bias = a.get("bias", True) is not False
        text = f"fc {fout}" + ("" if bias else " bias=false")
        # nn.Linear works on the last axis: on a map it would not be the spec's fc, which reads it all
        if lazy:
            return layer([Item(text)], a, None, (0,))
        fin = number(a.get("in_features"), "in_features", call_text, node, 1)
        return layer([Item(text, ("in_features", fin))], a, fc_params(fin, fout, bias).total, (0,))
    if base == "Flatten":
        a = bind(ev, call_text, ("start_dim", "end_dim"), args, kwargs, node)
        if a.get("start_dim", 1) != 1 or a.get("end_dim", -1) != -1:
            raise Refusal(
                line,
                _("{call}: only nn.Flatten() from axis 1 to the end is supported").format(call=call_text),
            )
        return layer([Item("flatten")], a)
    if base.startswith(("Dropout", "AlphaDropout")):
        a = bind(ev, call_text, ("p", "inplace"), args, kwargs, node)
        rate = a.get("p", 0.5)
        if isinstance(rate, Unknown) or not isinstance(rate, int | float):
            rate = 0.5
        return layer([Item(f"dropout {rate:g}")], a)
    if base == "LeakyReLU":
        a = bind(ev, call_text, ("negative_slope", "inplace"), args, kwargs, node)
        slope = a.get("negative_slope", 0.01)
        return layer(
            [Item(f"leakyrelu slope={slope:g}" if isinstance(slope, int | float) else "leakyrelu")], a
        )
    if base in _ACTIVATIONS:
        a = bind(ev, call_text, ("dim", "inplace", "approximate", "alpha"), args, kwargs, node, strict=False)
        if base == "LogSoftmax":
            ev.note(
                _("line {line}: LogSoftmax shown as softmax (same shape, no parameters)").format(line=line)
            )
        return layer([Item(_ACTIVATIONS[base])], a, 0, (2,) if base == "Softmax2d" else ())
    if base == "Identity":
        return layer([], {})
    if base.endswith(("Pad1d", "Pad2d", "Pad3d")):
        params = ("padding", "value") if base.startswith("Constant") else ("padding",)
        a = bind(ev, call_text, params, args, kwargs, node)
        text = _pad_text(ev, a.get("padding"), base, call_text, node)
        return layer([Item(text)], a, 0, axes)  # ZeroPad2d pads the last two axes: a 2-D map's
    if base in ("Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"):
        a = bind(
            ev,
            call_text,
            ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor"),
            args,
            kwargs,
            node,
        )
        mode = {"UpsamplingNearest2d": "nearest", "UpsamplingBilinear2d": "bilinear"}.get(
            base, a.get("mode", "nearest")
        )
        text, ranks = _upsample_text(ev, a.get("size"), a.get("scale_factor"), mode, call_text, node)
        return layer([Item(text)], a, 0, axes or ranks)
    if base == "PixelShuffle":
        a = bind(ev, call_text, ("upscale_factor",), args, kwargs, node)
        return layer(
            [Item(f"pixelshuffle {number(a.get('upscale_factor'), 'upscale_factor', call_text, node, 1)}")],
            a,
            0,
            (2,),  # PixelShuffle rearranges channels into H and W
        )
    return _unknown_layer(ev, f"torch.nn.{name}", node)


def _check_string_padding(call_text: str, line: int, padding: str, transposed: bool, stride: tuple) -> None:
    """PyTorch's padding='same' or 'valid', refused where PyTorch refuses it."""
    if transposed:
        raise Refusal(
            line,
            _("{call}: a transposed convolution takes a number as padding, not {padding!r}").format(
                call=call_text, padding=padding
            ),
        )
    if padding not in ("same", "valid"):
        raise Refusal(
            line,
            _("{call}: padding={padding!r} is not 'same', 'valid' or a number").format(
                call=call_text, padding=padding
            ),
        )
    if padding == "same" and any(v != 1 for v in stride):
        raise Refusal(
            line,
            _(
                "{call}: padding='same' with stride {size}: PyTorch refuses 'same' padding for "
                "strided convolutions; give the padding as a number"
            ).format(call=call_text, size=size_text(stride)),
        )


def _pad_text(ev: Evaluator, padding: Any, base: str, call_text: str, node: ast.AST) -> str:
    """nn.ZeroPad2d(1) → 'pad 1'; (left, right, top, bottom) with equal sides → 'pad TxL'; a 3-D
    pad's (left, right, top, bottom, front, back) → 'pad FxTxL'."""
    mode = (
        "zero"
        if base.startswith(("Zero", "Constant"))
        else "reflect"
        if base.startswith("Reflection")
        else "replicate"
    )
    values = sizes(padding, "padding", call_text, node, None)
    if len(values) == 1:
        amount = size_text(values)
    elif len(values) == 2 and base.endswith("1d"):
        if values[0] != values[1]:
            raise Refusal(
                line_of(node),
                _("{call}: padding {before} before and {after} after; the spec pads both sides alike").format(
                    call=call_text, before=values[0], after=values[1]
                ),
            )
        amount = str(values[0])
    elif len(values) == 4:
        left, right, top, bottom = values
        if left != right or top != bottom:
            raise Refusal(
                line_of(node),
                _(
                    "{call}: padding (left {left}, right {right}, top {top}, bottom {bottom}) differs "
                    "between sides; the spec pads both sides of an axis alike"
                ).format(call=call_text, left=left, right=right, top=top, bottom=bottom),
            )
        amount = size_text((top, left))
    elif len(values) == 6 and base.endswith("3d"):
        left, right, top, bottom, front, back = values
        if left != right or top != bottom or front != back:
            raise Refusal(
                line_of(node),
                _(
                    "{call}: padding (left {left}, right {right}, top {top}, bottom {bottom}, front "
                    "{front}, back {back}) differs between sides; the spec pads both sides of an axis alike"
                ).format(
                    call=call_text, left=left, right=right, top=top, bottom=bottom, front=front, back=back
                ),
            )
        amount = size_text((front, top, left))
    else:
        raise Refusal(
            line_of(node),
            _("{call}: padding {padding!r} is not one number or one per side").format(
                call=call_text, padding=padding
            ),
        )
    return f"pad {amount}" + ("" if mode == "zero" else f" mode={mode}")


# PyTorch's interpolation modes: the spec's bilinear is linear interpolation on every spatial axis
_UPSAMPLE_MODES = {
    "nearest": ("", ()),
    "linear": (" mode=bilinear", (1,)),
    "bilinear": (" mode=bilinear", (2,)),
}
_UPSAMPLE_MODES["trilinear"] = (" mode=bilinear", (3,))


def _upsample_text(
    ev: Evaluator, size: Any, scale: Any, mode: Any, call_text: str, node: ast.AST
) -> tuple[str, tuple[int, ...]]:
    """The spec's upsample line, and the spatial axes the input must have: linear interpolation
    works on one axis, bilinear on two, trilinear on three; a factor per axis says how many."""
    if size is not None:
        raise Refusal(
            line_of(node),
            _("{call}: an upsampling to a fixed size; cnncalc reads scale_factor").format(call=call_text),
        )
    if scale is None:
        raise Refusal(line_of(node), _("{call}: missing scale_factor").format(call=call_text))
    values = tuple(scale) if isinstance(scale, tuple | list) else (scale,)
    ints = []
    for v in values:
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise Refusal(
                line_of(node),
                _("{call}: scale_factor {scale!r}: cnncalc reads whole factors").format(
                    call=call_text, scale=scale
                ),
            )
        ints.append(v)
    if mode not in _UPSAMPLE_MODES:
        raise Refusal(
            line_of(node),
            _(
                "{call}: mode {mode!r}: cnncalc reads nearest, linear, bilinear and trilinear upsampling"
            ).format(call=call_text, mode=mode),
        )
    suffix, ranks = _UPSAMPLE_MODES[mode]
    if len(ints) > 1:
        if ranks and ranks != (len(ints),):
            raise Refusal(
                line_of(node),
                _("{call}: {n} scale factors for {mode!r} upsampling, which works on {axes} axes").format(
                    call=call_text, n=len(ints), mode=mode, axes=ranks[0]
                ),
            )
        ranks = (len(ints),)
    return f"upsample {size_text(tuple(ints))}{suffix}", ranks


# -- forward(): functional calls and tensor methods -----------------------------------------------------


def _f_module(name: str) -> Any:
    """F.max_pool2d(x, 2) is nn.MaxPool2d(2)(x): the same layer, built where it is called."""

    def run(ev: Evaluator, fw: Torch, x: Tensor, args: list, kwargs: dict, node: ast.AST) -> Tensor:
        return _apply_items(ev, x, build_layer(ev, fw, name, args, kwargs, node), node)

    return run


def _apply_items(ev: Evaluator, x: Tensor, layer: Layer, node: ast.AST) -> Tensor:
    for i, item in enumerate(layer.items):
        x = x.trace.layer(x, item.text, node, ev, item.expect, ranks=layer.ranks if i == 0 else ())
    return x


def _f_activation(kind: str) -> Any:
    def run(ev: Evaluator, fw: Torch, x: Tensor, args: list, kwargs: dict, node: ast.AST) -> Tensor:
        if kind == "leakyrelu":
            slope = args[0] if args else kwargs.get("negative_slope", 0.01)
            text = f"leakyrelu slope={slope:g}" if isinstance(slope, int | float) else "leakyrelu"
        elif kind == "softmax" and ev.text(node).split("(")[0].endswith("log_softmax"):
            ev.note(
                _("line {line}: log_softmax shown as softmax (same shape, no parameters)").format(
                    line=line_of(node)
                )
            )
            text = kind
        else:
            text = kind
        return x.trace.layer(x, canonical(text, node, ev.text(node)), node, ev)

    return run


def _f_dropout(ev: Evaluator, fw: Torch, x: Tensor, args: list, kwargs: dict, node: ast.AST) -> Tensor:
    rate = args[0] if args else kwargs.get("p", 0.5)
    rate = rate if isinstance(rate, int | float) and not isinstance(rate, bool) else 0.5
    return x.trace.layer(x, f"dropout {rate:g}", node, ev)


def _f_flatten(ev: Evaluator, fw: Torch, x: Tensor, args: list, kwargs: dict, node: ast.AST) -> Tensor:
    start = args[0] if args else kwargs.get("start_dim", 0)
    end = args[1] if len(args) > 1 else kwargs.get("end_dim", -1)
    if end != -1:
        raise Refusal(
            line_of(node),
            _("{code}: only flattening to the last axis is supported").format(code=ev.text(node)),
        )
    if start == 0:
        ev.note(
            _(
                "line {line}: {code} without start_dim also flattens the batch axis; read as a "
                "flatten from axis 1 (one sample)"
            ).format(line=line_of(node), code=ev.text(node))
        )
    elif start != 1:
        raise Refusal(
            line_of(node), _("{code}: only flattening from axis 1 is supported").format(code=ev.text(node))
        )
    return x.trace.layer(x, "flatten", node, ev)


def _f_cat(ev: Evaluator, fw: Torch, _tensor: Any, args: list, kwargs: dict, node: ast.AST) -> Tensor:
    tensors = args[0] if args else kwargs.get("tensors")
    dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
    items = ev.items_of(tensors, node)
    if not items or not all(isinstance(t, Tensor) for t in items):
        raise Refusal(
            line_of(node),
            _("{code}: torch.cat of values that are not the model's tensors").format(code=ev.text(node)),
        )
    if dim not in (1, -3):
        if dim == -1 and all(_rank(ev, t, node) == 1 for t in items):
            dim = 1
        else:
            raise Refusal(
                line_of(node),
                _("{code}: concatenation on axis {dim}; the spec concatenates channels (axis 1)").format(
                    code=ev.text(node), dim=dim
                ),
            )
    return items[0].trace.merge("concat", list(items), node, ev)


def _rank(ev: Evaluator, t: Tensor, node: ast.AST) -> int:
    return len(t.shape(ev, node, ev.text(node)))


def _f_add(ev: Evaluator, fw: Torch, _tensor: Any, args: list, kwargs: dict, node: ast.AST) -> Any:
    a = args[0] if args else kwargs.get("input")
    b = args[1] if len(args) > 1 else kwargs.get("other")
    if isinstance(a, Tensor):
        return fw.tensor_binop(ev, a, ast.Add(), b, node, False)
    if isinstance(b, Tensor):
        return fw.tensor_binop(ev, b, ast.Add(), a, node, True)
    return Unknown(f"{ev.text(node)}", line_of(node))


def _f_stack(ev: Evaluator, fw: Torch, _tensor: Any, args: list, kwargs: dict, node: ast.AST) -> Any:
    raise Refusal(
        line_of(node),
        _("{code}: stacking adds an axis, which the spec language does not show").format(code=ev.text(node)),
    )


def _f_mean(ev: Evaluator, fw: Torch, x: Tensor, args: list, kwargs: dict, node: ast.AST) -> Tensor:
    """x.mean([2, 3]) (or (-2, -1)): global average pooling, then flattened unless keepdim."""
    dims = args[0] if args else kwargs.get("dim")
    keep = args[1] if len(args) > 1 else kwargs.get("keepdim", False)
    rank = _rank(ev, x, node) + 1
    axes = dims if isinstance(dims, tuple | list) else (dims,)
    if dims is None or any(not isinstance(a, int) for a in axes):
        raise Refusal(
            line_of(node),
            _("{code}: a mean over every axis mixes the batch; give the spatial axes").format(
                code=ev.text(node)
            ),
        )
    axes = sorted(a % rank for a in axes)
    if axes != list(range(2, rank)):
        raise Refusal(
            line_of(node),
            _(
                "{code}: a mean over axes {axes}; the spec pools over all spatial axes (global pooling)"
            ).format(code=ev.text(node), axes=axes),
        )
    y = x.trace.layer(x, "gap", node, ev)
    return y if keep else y.trace.layer(y, "flatten", node, ev)


def _f_interpolate(ev: Evaluator, fw: Torch, x: Tensor, args: list, kwargs: dict, node: ast.AST) -> Tensor:
    names = ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor", "antialias")
    a = bind(ev, ev.text(node), names, args, kwargs, node)
    text, ranks = _upsample_text(
        ev, a.get("size"), a.get("scale_factor"), a.get("mode", "nearest"), ev.text(node), node
    )
    return x.trace.layer(x, canonical(text, node, ev.text(node)), node, ev, ranks=ranks)


def _f_pad(ev: Evaluator, fw: Torch, x: Tensor, args: list, kwargs: dict, node: ast.AST) -> Tensor:
    a = bind(ev, ev.text(node), ("pad", "mode", "value"), args, kwargs, node)
    mode = a.get("mode", "constant")
    base = {"constant": "ConstantPad2d", "reflect": "ReflectionPad2d", "replicate": "ReplicationPad2d"}.get(
        mode
    )
    if base is None:
        raise Refusal(
            line_of(node),
            _("{code}: padding mode {mode!r} is not one cnncalc reads").format(code=ev.text(node), mode=mode),
        )
    pad = a.get("pad")
    if not isinstance(pad, tuple | list) or len(pad) not in (2, 4, 6):
        raise Refusal(
            line_of(node),
            _("{code}: pad={pad!r} is not a pair of sizes for each of 1, 2 or 3 last axes").format(
                code=ev.text(node), pad=pad
            ),
        )
    axes = len(pad) // 2  # F.pad pads the last axes, a pair each: the spec's pad needs them all spatial
    text = _pad_text(ev, pad, base.replace("2d", f"{axes}d"), ev.text(node), node)
    return x.trace.layer(x, canonical(text, node, ev.text(node)), node, ev, ranks=(axes,))


def _f_pixel_shuffle(ev: Evaluator, fw: Torch, x: Tensor, args: list, kwargs: dict, node: ast.AST) -> Tensor:
    r = args[0] if args else kwargs.get("upscale_factor")
    text = f"pixelshuffle {number(r, 'upscale_factor', ev.text(node), node, 1)}"
    return x.trace.layer(x, text, node, ev, ranks=(2,))


def _f_lrn(ev: Evaluator, fw: Torch, x: Tensor, args: list, kwargs: dict, node: ast.AST) -> Tensor:
    size = args[0] if args else kwargs.get("size")
    return x.trace.layer(x, f"lrn {number(size, 'size', ev.text(node), node, 1)}", node, ev, ranks=(1, 2, 3))


def _f_with_weights(ev: Evaluator, fw: Torch, x: Tensor, args: list, kwargs: dict, node: ast.AST) -> Tensor:
    raise Refusal(
        line_of(node),
        _("{code}: a functional layer with weights passed in; build it as an nn module").format(
            code=ev.text(node)
        ),
    )


_FUNCTIONAL: dict[str, Any] = {
    "relu": _f_activation("relu"),
    "relu_": _f_activation("relu"),
    "relu6": _f_activation("relu6"),
    "hardtanh": None,
    "leaky_relu": _f_activation("leakyrelu"),
    "sigmoid": _f_activation("sigmoid"),
    "tanh": _f_activation("tanh"),
    "hardswish": _f_activation("hardswish"),
    "hardsigmoid": _f_activation("hardsigmoid"),
    "silu": _f_activation("silu"),
    "gelu": _f_activation("gelu"),
    "elu": _f_activation("elu"),
    "softmax": _f_activation("softmax"),
    "log_softmax": _f_activation("softmax"),
    "dropout": _f_dropout,
    "dropout2d": _f_dropout,
    "dropout1d": _f_dropout,
    "alpha_dropout": _f_dropout,
    "max_pool1d": _f_module("MaxPool1d"),
    "max_pool2d": _f_module("MaxPool2d"),
    "max_pool3d": _f_module("MaxPool3d"),
    "avg_pool1d": _f_module("AvgPool1d"),
    "avg_pool2d": _f_module("AvgPool2d"),
    "avg_pool3d": _f_module("AvgPool3d"),
    "adaptive_avg_pool1d": _f_module("AdaptiveAvgPool1d"),
    "adaptive_avg_pool2d": _f_module("AdaptiveAvgPool2d"),
    "adaptive_avg_pool3d": _f_module("AdaptiveAvgPool3d"),
    "adaptive_max_pool1d": _f_module("AdaptiveMaxPool1d"),
    "adaptive_max_pool2d": _f_module("AdaptiveMaxPool2d"),
    "adaptive_max_pool3d": _f_module("AdaptiveMaxPool3d"),
    "flatten": _f_flatten,
    "cat": _f_cat,
    "concat": _f_cat,
    "add": _f_add,
    "stack": _f_stack,
    "mean": _f_mean,
    "interpolate": _f_interpolate,
    "upsample": _f_interpolate,
    "pad": _f_pad,
    "pixel_shuffle": _f_pixel_shuffle,
    "local_response_norm": _f_lrn,
    "conv2d": _f_with_weights,
    "linear": _f_with_weights,
    "batch_norm": _f_with_weights,
}
_FUNCTIONAL = {k: v for k, v in _FUNCTIONAL.items() if v is not None}
_TORCH_FUNCTIONS = {
    "relu",
    "relu_",
    "sigmoid",
    "tanh",
    "flatten",
    "cat",
    "concat",
    "add",
    "stack",
    "mean",
    "softmax",
    "log_softmax",
    "dropout",
    "max_pool2d",
    "avg_pool2d",
    "adaptive_avg_pool2d",
    "pixel_shuffle",
}

_TENSOR_IDENTITY = {
    "data",
    "contiguous",
    "clone",
    "detach",
    "float",
    "to",
    "cpu",
    "cuda",
    "type_as",
    "requires_grad_",
    "half",
    "double",
}


def _m_size(ev: Evaluator, fw: Torch, t: Tensor, args: list, kwargs: dict, node: ast.AST) -> Any:
    dim = args[0] if args else kwargs.get("dim")
    if dim == 0:
        return BATCH
    shape = (BATCH, *t.shape(ev, node, ev.text(node)))
    if dim is None:
        return shape
    if not isinstance(dim, int) or not -len(shape) <= dim < len(shape):
        raise Refusal(
            line_of(node),
            _("{code}: no axis {dim!r} in a tensor of {n} axes").format(
                code=ev.text(node), dim=dim, n=len(shape)
            ),
        )
    return shape[dim]


def _m_dim(ev: Evaluator, fw: Torch, t: Tensor, args: list, kwargs: dict, node: ast.AST) -> Any:
    return _rank(ev, t, node) + 1


def _m_view(ev: Evaluator, fw: Torch, t: Tensor, args: list, kwargs: dict, node: ast.AST) -> Tensor:
    """x.view(x.size(0), -1) and x.view(-1, K) flatten; a view to the tensor's own shape changes
    nothing; any other shape is refused."""
    target = list(args[0]) if len(args) == 1 and isinstance(args[0], tuple | list) else list(args)
    if "shape" in kwargs:
        target = list(kwargs["shape"])
    text = ev.text(node)
    for v in target:
        if isinstance(v, Unknown):
            raise Refusal(
                line_of(node), _("{text}: the new shape is not known ({why})").format(text=text, why=v.why)
            )
    batch_first = bool(target) and (isinstance(target[0], BatchSize) or target[0] == -1)
    if len(target) == 2 and batch_first and target[1] == -1 and isinstance(target[0], BatchSize):
        return t.trace.layer(t, "flatten", node, ev)
    if len(target) == 2 and batch_first and isinstance(target[1], int) and target[1] > 0:
        y = t.trace.layer(t, "flatten", node, ev, ("view", target[1]))
        return y
    if len(target) == 2 and target[0] == -1 and target[1] == -1:
        raise Refusal(line_of(node), _("{text}: two -1 sizes").format(text=text))
    shape = t.shape(ev, node, text)
    sample = tuple(v for v in target[1:])
    if batch_first and all(isinstance(v, int) and v > 0 for v in sample) and tuple(sample) == shape:
        ev.note(
            _("line {line}: {text} keeps the shape {shape}; not a row").format(
                line=line_of(node), text=text, shape="×".join(map(str, shape))
            )
        )
        return t
    if len(target) == 1 and target[0] == -1:
        raise Refusal(
            line_of(node),
            _("{text} flattens the batch into one vector; write x.view(x.size(0), -1)").format(text=text),
        )
    raise Refusal(
        line_of(node),
        _("{text}: reshapes {shape} to another shape, which the spec language does not show").format(
            text=text, shape="×".join(map(str, shape))
        ),
    )


def _m_flatten(ev: Evaluator, fw: Torch, t: Tensor, args: list, kwargs: dict, node: ast.AST) -> Tensor:
    return _f_flatten(ev, fw, t, args, kwargs, node)


def _m_squeeze(ev: Evaluator, fw: Torch, t: Tensor, args: list, kwargs: dict, node: ast.AST) -> Tensor:
    shape = t.shape(ev, node, ev.text(node))
    if len(shape) > 1 and all(v == 1 for v in shape[1:]):
        return t.trace.layer(t, "flatten", node, ev)
    if len(shape) == 1 or (args and args[0] == 0):
        ev.note(
            _("line {line}: {code} changes nothing for one sample; not a row").format(
                line=line_of(node), code=ev.text(node)
            )
        )
        return t
    raise Refusal(
        line_of(node),
        _("{code}: squeezing a {shape} tensor changes its shape in a way the spec cannot show").format(
            code=ev.text(node), shape="×".join(map(str, shape))
        ),
    )


def _m_add(ev: Evaluator, fw: Torch, t: Tensor, args: list, kwargs: dict, node: ast.AST) -> Any:
    return fw.tensor_binop(ev, t, ast.Add(), args[0] if args else kwargs.get("other"), node, False)


def _m_refuse(what: str) -> Any:
    def run(ev: Evaluator, fw: Torch, t: Tensor, args: list, kwargs: dict, node: ast.AST) -> Any:
        raise Refusal(
            line_of(node),
            _("{code}: {what}, which the spec language does not show").format(
                code=ev.text(node), what=translated(what)
            ),
        )

    return run


_TENSOR_METHODS: dict[str, Any] = {
    "size": _m_size,
    "dim": _m_dim,
    "view": _m_view,
    "reshape": _m_view,
    "flatten": _m_flatten,
    "squeeze": _m_squeeze,
    "add": _m_add,
    "add_": _m_add,
    "mean": lambda ev, fw, t, a, k, n: _f_mean(ev, fw, t, a, k, n),
    "permute": _m_refuse(N_("a permutation of the axes")),
    "transpose": _m_refuse(N_("a transpose")),
    "chunk": _m_refuse(N_("splitting a tensor")),
    "split": _m_refuse(N_("splitting a tensor")),
    "narrow": _m_refuse(N_("slicing a tensor")),
    "unsqueeze": _m_refuse(N_("a new axis")),
    "mul": _m_refuse(N_("a product")),
    "mul_": _m_refuse(N_("a product")),
    "sum": _m_refuse(N_("a sum over axes")),
    "max": _m_refuse(N_("a maximum over axes")),
    "numel": lambda ev, fw, t, a, k, n: Unknown(_("numel() counts the batch too"), line_of(n)),
}


# -- the model --------------------------------------------------------------------------------------------

_LAYER_CALLS = {*KNOWN_LAYERS, "Sequential", "ModuleList"}


def _is_model(fw: Torch, name: str, value: Any) -> bool:
    from cnncalc.arith.importer import choice

    tree = fw.ev.tree
    if isinstance(value, UserClass):
        return is_module_class(value)
    if isinstance(value, Function):
        if not choice.returns_value(tree, name):
            return False
        if choice.mentions_layers(tree, name, _LAYER_CALLS):
            return True
        deps = choice.uses(choice.dependencies(tree), name)
        return any(
            isinstance(fw.ev.globals.get(d), UserClass) and is_module_class(fw.ev.globals[d]) for d in deps
        )
    return isinstance(value, Layer | Sequential) or (
        isinstance(value, Instance) and is_module_class(value.cls)
    )


def _trace_model(
    fw: Torch, reader: Any, label: str, value: Any
) -> tuple[Trace, Tensor, tuple[int, ...] | None, list[str]]:
    from cnncalc.arith.importer import stated_input

    ev = fw.ev
    if not is_module(value):
        raise Refusal(
            0,
            _("{label} is not an nn.Module (it is {what}); name the model class or object").format(
                label=label, what=_what(value)
            ),
        )
    notes: list[str] = []
    stated = None
    if reader.given_input is None:
        stated, note = stated_input(reader.source, fw.sample_inputs)
        if note:
            notes.append(note)
        else:
            notes.append(_("PyTorch code does not fix the input size: it has to be given (CxHxW)."))
    trace = Trace(stated, reader.given_input)
    start = _Where(_definition_line(ev, label))
    out = ev.call(value, [Tensor(trace, INPUT_NODE, fw)], {}, start)
    if isinstance(out, tuple | list):
        raise Refusal(
            start.lineno,
            _("{label}'s forward() returns {n} values; cnncalc reads a model with one output").format(
                label=label, n=len(out)
            ),
        )
    if not isinstance(out, Tensor):
        line = out.line if isinstance(out, Unknown) and out.line else start.lineno
        raise Refusal(
            line,
            _("{label}'s forward() does not return the tensor it computes ({what})").format(
                label=label, what=_what(out)
            ),
        )
    if out.node == INPUT_NODE:
        raise Refusal(
            start.lineno,
            _("{label}'s forward() returns its input unchanged: no layers to show").format(label=label),
        )
    feeding = _ancestors(trace, out.node)
    used = {id(n.owner) for n in trace.nodes if n.owner is not None and n.id in feeding}
    for layer, path in leaf_layers(value):
        if id(layer) in used or layer.params == 0:
            continue
        if layer.params is None:
            unused = _(
                "{call} (self.{path}) is built, but forward() does not use it for the output (as in eval "
                "mode); PyTorch's model.parameters() still counts its parameters, which the table of the layers "
                "it uses cannot show"
            )
        else:
            unused = _(
                "{call} (self.{path}) is built, but forward() does not use it for the output (as in eval "
                "mode); PyTorch's model.parameters() still counts its {params:,} parameters, which the table of "
                "the layers it uses cannot show"
            )
        raise Refusal(layer.line, unused.format(call=layer.call_text, path=path, params=layer.params))
    return trace, out, trace.input_shape, notes


def _ancestors(trace: Trace, target: int) -> set[int]:
    """Every node on a path to `target`, `target` included: one walk back along the inputs, so a
    model of thousands of layers is read in linear time."""
    seen = {target}
    stack = [target]
    while stack:
        for i in trace.nodes[stack.pop()].inputs:
            if i not in seen:
                seen.add(i)
                stack.append(i)
    return seen


def _definition_line(ev: Evaluator, label: str) -> int:
    name = label.split("(")[0]
    for stmt in ev.tree.body:
        if getattr(stmt, "name", None) == name or name in {
            getattr(t, "id", None) for t in getattr(stmt, "targets", [])
        }:
            return stmt.lineno
    return 0


def _what(value: Any) -> str:
    if isinstance(value, Unknown):
        return _("unknown: {why}").format(why=value.why)
    return _("a {type}").format(type=type(value).__name__)


def _parts(fw: Torch, value: Any) -> list:
    """Every module an object holds, all the way down (not the object itself)."""
    out: list = []
    stack = list(children_of(value))
    seen: set[int] = set()
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        out.append(v)
        stack.extend(children_of(v))
    return out
