"""cnncalc: a calculator and tutor for the arithmetic of convolutional neural networks.

Every command is also a function, with the command's long options as its arguments:

>>> import cnncalc
>>> cnncalc.shape(input=96, kernel=5).output
(92, 92)
>>> cnncalc.params(cin=3, cout=192, kernel=3).total
5376

Each returns a result: `.to_dict()` is the command's `--json`, `str()` its working, and a notebook
shows the same tables and working. `import cnncalc` loads only this file; a function's module is
imported when it is first used (`__getattr__` below), and the calculator's never load NumPy or
rich. See docs/python.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

# Where each public name lives, imported on first use.
_HOMES = {
    "CnnCalcError": "cnncalc.arith.errors",
    "UsageError": "cnncalc.arith.errors",
    "Result": "cnncalc.api.result",
    "shape": "cnncalc.api.calc",
    "params": "cnncalc.api.calc",
    "rf": "cnncalc.api.calc",
    "ShapeReport": "cnncalc.api.calc",
    "ParamsReport": "cnncalc.api.calc",
    "ReceptiveFieldReport": "cnncalc.api.calc",
    "net": "cnncalc.api.net",
    "list_presets": "cnncalc.api.net",
    "check": "cnncalc.api.net",
    "solve_padding": "cnncalc.api.net",
    "solve_stride": "cnncalc.api.net",
    "solve_kernel": "cnncalc.api.net",
    "solve_combos": "cnncalc.api.net",
    "solve_input": "cnncalc.api.net",
    "NetworkReport": "cnncalc.api.net",
    "PresetsReport": "cnncalc.api.net",
    "CheckReport": "cnncalc.api.net",
    "SolutionReport": "cnncalc.api.net",
    "CombosReport": "cnncalc.api.net",
    "InputSizesReport": "cnncalc.api.net",
    "step_conv": "cnncalc.api.step",
    "step_pool": "cnncalc.api.step",
    "step_softmax": "cnncalc.api.step",
    "step_activation": "cnncalc.api.step",
    "step_gradient": "cnncalc.api.step",
    "step_linear": "cnncalc.api.step",
    "step_batchnorm": "cnncalc.api.step",
    "step_dropout": "cnncalc.api.step",
    "WindowSteps": "cnncalc.api.step",
    "LayerSteps": "cnncalc.api.step",
    "SoftmaxSteps": "cnncalc.api.step",
    "draw_conv": "cnncalc.api.draw",
    "draw_pool": "cnncalc.api.draw",
    "draw_tconv": "cnncalc.api.draw",
    "draw_rf": "cnncalc.api.draw",
    "draw_net": "cnncalc.api.draw",
    "SlidingPicture": "cnncalc.api.draw",
    "FieldPicture": "cnncalc.api.draw",
    "NetPicture": "cnncalc.api.draw",
    "train": "cnncalc.api.train",
    "TrainingReport": "cnncalc.api.train",
    "export": "cnncalc.api.export",
    "ExportResult": "cnncalc.api.export",
}

# the public API: every name of _HOMES (a test holds the two together)
__all__ = [
    "__version__",
    "CnnCalcError",
    "UsageError",
    "Result",
    "shape",
    "params",
    "rf",
    "ShapeReport",
    "ParamsReport",
    "ReceptiveFieldReport",
    "net",
    "list_presets",
    "check",
    "solve_padding",
    "solve_stride",
    "solve_kernel",
    "solve_combos",
    "solve_input",
    "NetworkReport",
    "PresetsReport",
    "CheckReport",
    "SolutionReport",
    "CombosReport",
    "InputSizesReport",
    "step_conv",
    "step_pool",
    "step_softmax",
    "step_activation",
    "step_gradient",
    "step_linear",
    "step_batchnorm",
    "step_dropout",
    "WindowSteps",
    "LayerSteps",
    "SoftmaxSteps",
    "draw_conv",
    "draw_pool",
    "draw_tconv",
    "draw_rf",
    "draw_net",
    "SlidingPicture",
    "FieldPicture",
    "NetPicture",
    "train",
    "TrainingReport",
    "export",
    "ExportResult",
]

if TYPE_CHECKING:
    from cnncalc.api.calc import ParamsReport, ReceptiveFieldReport, ShapeReport, params, rf, shape
    from cnncalc.api.draw import (
        FieldPicture,
        NetPicture,
        SlidingPicture,
        draw_conv,
        draw_net,
        draw_pool,
        draw_rf,
        draw_tconv,
    )
    from cnncalc.api.export import ExportResult, export
    from cnncalc.api.net import (
        CheckReport,
        CombosReport,
        InputSizesReport,
        NetworkReport,
        PresetsReport,
        SolutionReport,
        check,
        list_presets,
        net,
        solve_combos,
        solve_input,
        solve_kernel,
        solve_padding,
        solve_stride,
    )
    from cnncalc.api.result import Result
    from cnncalc.api.step import (
        LayerSteps,
        SoftmaxSteps,
        WindowSteps,
        step_activation,
        step_batchnorm,
        step_conv,
        step_dropout,
        step_gradient,
        step_linear,
        step_pool,
        step_softmax,
    )
    from cnncalc.api.train import TrainingReport, train
    from cnncalc.arith.errors import CnnCalcError, UsageError


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'cnncalc' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(home), name)
    globals()[name] = value  # found once, then an ordinary attribute
    return value


def __dir__() -> list[str]:
    """The public names and the module's dunders: what a notebook's tab completion offers (not
    the `annotations` and `TYPE_CHECKING` this file imports for itself)."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})
