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

from cnncalc.arith.importer.evaluator import Evaluator, Native, Refusal, Unknown, line_of
from cnncalc.arith.parsing import fmt_axes

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


@dataclass(frozen=True)
class Item:
    """One spec line a layer stands for, and what the code says about that line's input."""

    text: str
    expect: tuple[str, int] | None = None


@dataclass(eq=False)
class Layer(Native):
    """A leaf layer built by a constructor call (`nn.Conv2d(3, 64, 3)`, `layers.Dense(10)`)."""

    name: str
    args: dict[str, Any]
    items: list[Item]
    line: int
    call_text: str
    params: int | None = 0  # None: only known from the input (a Lazy* layer)
    framework: Any = None
    calls: int = field(default=0)

    @property
    def label(self) -> str:  # type: ignore[override]
        return self.call_text

    def attr(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        if name in self.args:
            return self.args[name]
        return self.framework.layer_attr(ev, self, name, node)

    def set_attr(self, ev: Evaluator, name: str, value: Any, node: ast.AST) -> None:
        return  # weights, init flags: nothing the shapes depend on

    def call(self, ev: Evaluator, args: list, kwargs: dict, node: ast.AST) -> Any:
        return self.framework.call_layer(ev, self, args, kwargs, node)

    def isinstance_of(self, kind: Any) -> bool | None:
        leaf = getattr(kind, "leaf", "")
        return leaf in (self.name, self.name.removeprefix("Lazy"), "Module", "Layer")


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
        raise Refusal(line_of(node), f"{call_text}: too many positional arguments ({len(args)})")
    out = dict(zip(params, args, strict=False))
    for key, value in kwargs.items():
        if key in out:
            raise Refusal(line_of(node), f"{call_text}: {key!r} is given twice")
        if key not in params and strict:
            raise Refusal(line_of(node), f"{call_text}: unexpected argument {key!r}")
        out[key] = value
    for key, value in out.items():
        if isinstance(value, Unknown) and key in SHAPE_ARGS:
            raise Refusal(line_of(node), f"{call_text}: cannot work out {key} ({value.why})")
    return out


def size_text(value: Any) -> str:
    """A size argument in the spec language: (3, 3) → '3', (3, 5) → '3x5', 2 → '2'."""
    values = tuple(value) if isinstance(value, tuple | list) else (value,)
    return fmt_axes(values, "x")


def number(value: Any, what: str, call_text: str, node: ast.AST, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Refusal(line_of(node), f"{call_text}: {what} is {value!r}, not a whole number")
    if value < minimum:
        raise Refusal(line_of(node), f"{call_text}: {what} {value} must be at least {minimum}")
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
            line_of(node), f"{call_text}: {what}={value} has {len(values)} values, but {layer} takes {dims}"
        )
    return values
