"""Framework layers as lines of the spec language, shared by the PyTorch and Keras readers.

A layer object remembers the spec text it stands for (`conv 64 k=3 p=1`, perhaps several lines:
Keras' `Conv2D(…, activation='relu')` is a conv and a relu), what the code states about its input
(`in_channels=3`, checked once the network is walked) and its parameter count where the
constructor alone fixes it (for a layer that is built but never used: PyTorch still counts it).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from cnncalc.arith.importer.evaluator import ChangeRefusal, Evaluator, Native, Refusal, Unknown, line_of
from cnncalc.arith.parsing import fmt_axes
from cnncalc.i18n import _, translated
from cnncalc.safety.limits import MAX_SIZE_TEXT

# the arguments a layer's shape depends on: an unknown value here is refused, naming the argument
SHAPE_ARGS = {
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
    "num_channels",
    "num_groups",
    "output_size",
    "filters",
    "units",
    "pool_size",
    "strides",
    "dilation_rate",
    "ceil_mode",
    "start_dim",
    "end_dim",
    "bias",
    "use_bias",
    "affine",
    "scale_factor",
    "size",
    "upscale_factor",
    "mode",
    "depth_multiplier",
    "cropping",
    "keepdims",
}

# The arguments a spec line is written from, checked for their type before any is used, so that
# nothing but a number the code states (or a constant worked out from them) reaches the spec: sizes
# with the least value each may take, counts of channels or features, and plain numbers.
SIZE_ARGS = {
    "kernel_size": 1,
    "stride": 1,
    "dilation": 1,
    "pool_size": 1,
    "strides": 1,
    "dilation_rate": 1,
    "output_size": 1,
    "padding": 0,
    "output_padding": 0,
}
COUNT_ARGS = {
    "in_channels",
    "out_channels",
    "groups",
    "in_features",
    "out_features",
    "num_features",
    "num_channels",
    "num_groups",
    "filters",
    "units",
    "depth_multiplier",
    "upscale_factor",
}
NUMBER_ARGS = {"p", "negative_slope", "alpha", "rate"}


@dataclass(frozen=True)
class Item:
    """One spec line a layer stands for, and what the code says about that line's input."""

    text: str
    expect: tuple[str, int] | None = None


@dataclass(eq=False)
class Layer(Native):
    """A leaf layer built by a constructor call (`nn.Conv2d(3, 64, 3)`, `layers.Dense(10)`)."""

    model_part = True

    name: str
    args: dict[str, Any]
    items: list[Item]
    line: int
    call_text: str
    params: int | None = 0  # None: only known from the input (a Lazy* layer)
    framework: Any = None
    calls: int = field(default=0)
    ranks: tuple[int, ...] = ()  # the spatial axes its input may have (nn.Conv2d: 2; nn.BatchNorm1d: 0 or 1)

    @property
    def label(self) -> str:  # type: ignore[override]
        return self.call_text

    def attr(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        if name in self.args:
            return self.args[name]
        return self.framework.layer_attr(ev, self, name, node)

    def set_attr(self, ev: Evaluator, name: str, value: Any, node: ast.AST) -> None:
        self.framework.set_layer_attr(ev, self, name, value, node)  # followed or refused, never dropped

    def call(self, ev: Evaluator, args: list, kwargs: dict, node: ast.AST) -> Any:
        return self.framework.call_layer(ev, self, args, kwargs, node)

    def isinstance_of(self, kind: Any) -> bool | None:
        leaf = getattr(kind, "leaf", "")
        return leaf in (self.name, self.name.removeprefix("Lazy"), "Module", "Layer")


def changed_layer(ev: Evaluator, layer: Layer, name: str, node: ast.AST) -> str:
    """Why `layer.name = …` after the layer is built is refused."""
    return _(
        "setting {code} changes {call} (line {line}) after it is built; cnncalc reads a layer as its "
        "constructor builds it and does not follow later changes, which may change its shape or "
        "parameters: give the value to the constructor"
    ).format(code=ev.text(node), call=layer.call_text, line=layer.line)


def frozen(line: int, code: str, touched: tuple | list = ()) -> ChangeRefusal:
    """Parameters set not to train (`p.requires_grad = False`, Keras' `trainable=False`): the
    table counts every parameter as trainable. `touched` are the layers (or models) whose
    parameters are frozen: whatever module-level name holds one of them is refused too, however
    the file reached it (a variable, `list()`, `next(iter(…))`, `get_layer`)."""
    e = ChangeRefusal(
        line,
        _(
            "{code} freezes parameters; cnncalc's table counts every parameter of the model as "
            "trainable and cannot show which are frozen"
        ).format(code=code),
    )
    e.touched = tuple(touched)
    return e


def set_code(ev: Evaluator, node: ast.AST, value: Any) -> str:
    """The statement that sets an attribute, as the file wrote it: `p.requires_grad = False` for an
    assignment's target, the whole call for `setattr(p, "requires_grad", False)`."""
    if isinstance(node, ast.Attribute):
        return f"{ev.text(node)} = {value if isinstance(value, bool) else '…'}"
    return ev.text(node)


def bind(
    ev: Evaluator,
    call_text: str,
    params: tuple[str, ...],
    args: list,
    kwargs: dict,
    node: ast.AST,
    strict: bool = True,
) -> dict[str, Any]:
    """Positional and keyword arguments of a library call → {name: value}, as Python binds them."""
    if len(args) > len(params):
        raise Refusal(
            line_of(node),
            _("{call}: too many positional arguments ({n})").format(call=call_text, n=len(args)),
        )
    out = dict(zip(params, args, strict=False))
    for key, value in kwargs.items():
        if key in out:
            raise Refusal(line_of(node), _("{call}: {key!r} is given twice").format(call=call_text, key=key))
        if key not in params and strict:
            raise Refusal(
                line_of(node), _("{call}: unexpected argument {key!r}").format(call=call_text, key=key)
            )
        out[key] = value
    for key, value in out.items():
        if isinstance(value, Unknown) and (key in SHAPE_ARGS or value.too_large):
            given = argument_node(node, key, params, args)
            raise Refusal(line_of(node), unknown_argument(ev, call_text, key, value, given))
    check_arguments(call_text, out, node)
    return out


def unknown_argument(ev: Evaluator, call_text: str, key: str, value: Unknown, given: ast.AST | None) -> str:
    """Why a layer argument cannot be used: a number past MAX_SIZE is named with the code that
    gives it (`out_channels = x is larger than 10^30`), anything else with the reason it is not
    known. `given` is the argument's expression in the call, when known."""
    if not value.too_large:
        return _("{call}: cannot work out {key} ({why})").format(call=call_text, key=key, why=value.why)
    what = f"{key} = {ev.text(given)}" if given is not None else key
    return _("{call}: {what} is larger than {limit}, too large to be a layer size").format(
        call=call_text, what=what, limit=MAX_SIZE_TEXT
    )


def argument_node(node: ast.AST, key: str, params: tuple, args: list) -> ast.expr | None:
    """The expression the call passes as `key`: a keyword, or the positional argument in its place
    (only when the call's positional arguments are the values bound, none unpacked with *)."""
    if not isinstance(node, ast.Call):
        return None
    for k in node.keywords:
        if k.arg == key:
            return k.value
    if (
        key in params
        and len(node.args) == len(args)
        and not any(isinstance(a, ast.Starred) for a in node.args)
    ):
        index = params.index(key)
        if index < len(node.args):
            return node.args[index]
    return None


def check_arguments(call_text: str, a: dict[str, Any], node: ast.AST) -> None:
    """Every argument a spec line is written from must be a number (or a tuple of them) of the
    right kind: anything else (a string of code, a float kernel, True as a stride) is refused with
    the line, never pasted into the spec. Unknown values and defaults (None) are checked where
    they are used; string paddings ('same', 'valid') by each layer kind."""
    for key, value in a.items():
        if value is None or isinstance(value, Unknown) or (key == "padding" and isinstance(value, str)):
            continue
        if key in SIZE_ARGS:
            least = SIZE_ARGS[key]
            items = value if isinstance(value, tuple | list) else (value,)
            ok = bool(items) and all(_size_item(key, v, least) for v in items)
            what = _("a whole number ≥ {least} or a tuple of them").format(least=least)
        elif key in COUNT_ARGS:
            ok, what = _is_int(value) and value >= 1, _("a whole number ≥ 1")
        elif key in NUMBER_ARGS:
            ok, what = isinstance(value, int | float) and not isinstance(value, bool), _("a number")
        else:
            continue
        if not ok:
            shown = repr(value) if isinstance(value, str | int | float | tuple | list) else _label(value)
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            raise Refusal(
                line_of(node),
                _(
                    "{call}: {key}={shown} is not {what}; cnncalc reads numbers written in the code, or "
                    "constants it can work out"
                ).format(call=call_text, key=key, shown=shown, what=what),
            )


def _size_item(key: str, v: Any, least: int) -> bool:
    if _is_int(v):
        return v >= least
    if v is None:
        return key == "output_size"  # an adaptive pool's None keeps that input size: refused later
    if key == "padding" and isinstance(v, tuple | list):  # Keras' ((top, bottom), (left, right))
        return len(v) == 2 and all(_is_int(x) and x >= 0 for x in v)
    return False


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _label(value: Any) -> str:
    return translated(str(getattr(value, "label", type(value).__name__)))


def spelled(kind: str, dims: int | None) -> str:
    """A spatial layer's spec word for a layer of `dims` axes: 1-D and 3-D keep their axes in the
    name (`conv3d`), which tells the spec how to read the input's numbers; 2-D is the default.

    >>> spelled("tconv", 3), spelled("maxpool", 1), spelled("conv", 2)
    ('convtranspose3d', 'maxpool1d', 'conv')
    """
    if dims not in (1, 3):
        return kind
    return {"tconv": "convtranspose"}.get(kind, kind) + f"{dims}d"


def size_text(value: Any) -> str:
    """A size argument in the spec language: (3, 3) → '3', (3, 5) → '3x5', 2 → '2'."""
    values = tuple(value) if isinstance(value, tuple | list) else (value,)
    return fmt_axes(values, "x")


def number(value: Any, what: str, call_text: str, node: ast.AST, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Refusal(
            line_of(node),
            _("{call}: {what} is {value!r}, not a whole number").format(
                call=call_text, what=what, value=value
            ),
        )
    if value < minimum:
        raise Refusal(
            line_of(node),
            _("{call}: {what} {value} must be at least {minimum}").format(
                call=call_text, what=what, value=value, minimum=minimum
            ),
        )
    return value


def sizes(
    value: Any, what: str, call_text: str, node: ast.AST, dims: int | None, minimum: int = 0
) -> tuple[int, ...]:
    values = tuple(value) if isinstance(value, tuple | list) else (value,)
    for v in values:
        number(v, what, call_text, node, minimum)
    if dims is not None and len(values) not in (1, dims):
        layer = call_text.split("(")[0].rsplit(".", 1)[-1]
        raise Refusal(
            line_of(node),
            _("{call}: {what}={value} has {n} values, but {layer} takes {dims}").format(
                call=call_text, what=what, value=value, n=len(values), layer=layer, dims=dims
            ),
        )
    return values
