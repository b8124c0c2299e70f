"""Whole networks from Python: `net`, `list_presets`, `check`, and the inverse problems `solve_*`.

>>> net(preset="lenet-5").total_params
61706
>>> check("input 2x96x96 | conv 8 k=5 -> 8x92x92").all_hold
True
>>> solve_padding(input=28, kernel=5).answer["padding"]
2

Standard library and `cnncalc.arith` only, like `cnncalc net`, `check` and `solve`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cnncalc.api.result import TextResult
from cnncalc.api.sources import NetworkSource, required_network, with_input
from cnncalc.api.values import PathArg, Shape, arguments, optional_sizes, optional_whole, whole
from cnncalc.i18n import N_, _, ngettext, translated

if TYPE_CHECKING:
    from cnncalc.arith.importer import ImportResult
    from cnncalc.arith.input_sizes import InputSizes
    from cnncalc.arith.network import NetworkResult
    from cnncalc.arith.presets import Preset
    from cnncalc.arith.solve import Combo, Solution
    from cnncalc.render.text import Styler

CHECK_MISSING = N_(
    'give a network: {field:spec} (e.g. "input 2x96x96 | conv 8 k=5 -> 8x92x92") or {field:file}'
)


class NetworkReport(TextResult):
    """A network as a table: each layer's output shape, parameters, MACs, receptive field and
    memory, and the totals; `explain` shows one row's working instead, `depth` folds deeper rows."""

    __slots__ = ("depth", "explain", "input", "preset", "result", "source")

    def __init__(
        self,
        result: NetworkResult,
        source: NetworkSource,
        preset: str | None = None,
        input: Shape | None = None,
        explain: str | None = None,
        depth: int | None = None,
    ) -> None:
        self.result = result
        self.source = source
        self.preset = preset
        self.input = input
        self.explain = explain
        self.depth = depth

    @property
    def total_params(self) -> int:
        return self.result.total_params

    @property
    def output_shape(self) -> tuple[int, ...] | None:
        return self.result.output_shape

    @property
    def imported(self) -> ImportResult | None:
        """What was read from model code (`source=`), else None."""
        return self.source.imported

    @property
    def spec_text(self) -> str:
        """The network in the spec language (a preset as written), to save and edit: `net --spec`."""
        return spec_text(self.source, self.preset, self.input)

    def to_dict(self) -> dict[str, Any]:
        """The table's numbers; with `explain`, also `explain`: that row's working, its steps in
        the groups the text shows (`shape`, `parameters`, `macs`, `receptive_field`, `other`)."""
        data: dict[str, Any] = self.result.to_dict()
        if self.source.imported is not None:
            data["imported"] = self.source.imported.to_dict()
        if self.explain is not None:
            from cnncalc.render.network import find_row
            from cnncalc.render.row_working import row_working_dict

            data["explain"] = row_working_dict(self.result, find_row(self.result, self.explain))
        return data

    def summary(self) -> str:
        """The network in one line: its layers, input → output and parameters (a preset's or a
        file's title line says where it came from; an explained row is that row)."""
        if self.explain is not None or self.source.label:
            return super().summary()
        net = self.result
        n = len(net.layers)
        if net.input_shape is None or net.output_shape is None:
            return ngettext(
                "{n} layer; without its input shape, no sizes or parameter counts",
                "{n} layers; without their input shape, no sizes or parameter counts",
                n,
            ).format(n=n)
        return ngettext(
            "{n} layer, {input} → {output}: {params} parameters",
            "{n} layers, {input} → {output}: {params} parameters",
            n,
        ).format(
            n=n,
            input="×".join(map(str, net.input_shape)),
            output="×".join(map(str, net.output_shape)),
            params=f"{net.total_params:,}",
        )

    def render(self, style: Styler, width: int) -> str:
        from cnncalc.render.network import explain_layer, import_header, network_table

        if self.explain is not None:
            return explain_layer(self.result, self.explain, style, width)
        table = network_table(self.result, self.source.label, style, width, self.depth)
        if self.source.imported is not None:
            header = import_header(self.source.imported, self.result.spec.to_text("\n"), style, width)
            table = header + "\n" + table
        return table


@arguments
def net(
    spec: str | None = None,
    *,
    file: PathArg | None = None,
    preset: str | None = None,
    source: PathArg | None = None,
    class_name: str | None = None,
    input: Shape | None = None,
    explain: str | int | None = None,
    depth: int | None = None,
) -> NetworkReport:
    """A whole network, torchinfo-style: `cnncalc net`.

    Give the network as a spec (`"input 1x28x28 | conv 8 k=3 | fc 10"`), a `file` holding one, a
    `preset` (`list_presets()`), or a PyTorch or Keras model file as `source` (read with `ast`,
    never run; `class_name` chooses the model when the file defines several: a name, or a call
    with its arguments such as `"VGG('VGG11')"`); `input` (CxHxW) sets or replaces its input. The
    text shows the table, or with `explain` the working of one row (`4`, or a block's `"5.1.2"`);
    `depth` folds rows nested deeper. Parameter counts are PyTorch's.

    >>> net("input 1x28x28 | conv 8 k=3 | flatten | fc 10").output_shape
    (10,)
    """
    from cnncalc.arith.network import walk

    found = required_network(spec, file, preset, source, class_name=class_name, input=input)
    result = walk(with_input(found, input))
    if found.imported is not None:
        found.imported.verify(result)
    row = None
    if explain is not None:
        from cnncalc.render.network import find_row

        # a row's id as text ("4", "5.1.2"), or its number as an int (a NumPy integer too)
        row = explain if isinstance(explain, str) else str(whole(explain, "explain"))
        find_row(result, row)  # an unknown row is refused now, not when the result is shown
    return NetworkReport(result, found, preset, input, row, optional_whole(depth, "depth", minimum=1))


def spec_text(found: NetworkSource, preset: str | None, input: Shape | None) -> str:
    """The network in the spec language: a preset as written (its comments and blocks) unless
    `input` replaced its input line."""
    from cnncalc.arith.presets import find_preset

    text = (
        find_preset(preset).text
        if preset is not None and input is None
        else with_input(found, input).to_text("\n")
    )
    return text.rstrip("\n") + "\n"


class PresetsReport(TextResult):
    """The built-in networks: name, description, parameters and spec."""

    __slots__ = ("presets", "totals")

    def __init__(self, presets: tuple[Preset, ...], totals: dict[str, int]) -> None:
        self.presets = presets
        self.totals = totals

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.presets)

    def to_dict(self) -> dict[str, Any]:
        return {
            "presets": [
                {
                    "name": p.name,
                    "description": translated(p.description),
                    "total_params": self.totals[p.name],
                    "spec": p.text,
                }
                for p in self.presets
            ]
        }

    def render(self, style: Styler, width: int) -> str:
        from cnncalc.render.network import presets_table

        return presets_table(self.presets, self.totals, style, width)

    def summary(self) -> str:
        n = len(self.presets)
        return ngettext("{n} preset: {names}", "{n} presets: {names}", n).format(
            n=n, names=", ".join(self.names)
        )


@arguments
def list_presets() -> PresetsReport:
    """The built-in networks (`net(preset=NAME)`): `cnncalc net --list-presets`.

    >>> "resnet-50" in list_presets().names
    True
    """
    from cnncalc.arith.network import walk
    from cnncalc.arith.presets import get_preset
    from cnncalc.arith.presets import list_presets as presets

    found = presets()
    return PresetsReport(found, {p.name: walk(get_preset(p.name)).total_params for p in found})


class CheckReport(TextResult):
    """Claimed against actual output shapes (`conv 8 k=5 -> 8x92x92`), with the working of each
    wrong claim."""

    __slots__ = ("result",)

    def __init__(self, result: NetworkResult) -> None:
        self.result = result

    @property
    def all_hold(self) -> bool:
        """Every claim holds (True also when there is none)."""
        return not self.result.wrong_claims

    def to_dict(self) -> dict[str, Any]:
        from cnncalc.render.network import explain_claim

        claims = [
            {
                **lr.claim_dict(),
                "explanation": explain_claim(self.result, lr) if lr.claim_holds is False else [],
            }
            for lr in self.result.rows
            if lr.claim is not None
        ]
        return {**self.result.to_dict(), "claims": claims, "all_hold": self.all_hold}

    def render(self, style: Styler, width: int) -> str:
        from cnncalc.render.network import check_report

        return check_report(self.result, style, width)

    def summary(self) -> str:
        claims = sum(lr.claim is not None for lr in self.result.rows)
        wrong = len(self.result.wrong_claims)
        if not claims:
            return _("no claims to check")
        return _("{holding} of {n} claims hold").format(holding=claims - wrong, n=claims)


@arguments
def check(spec: str | None = None, *, file: PathArg | None = None, input: Shape | None = None) -> CheckReport:
    """Check the output shapes a spec claims (`conv 8 k=5 -> 8x92x92`): `cnncalc check`.

    The result is whether every claim holds (`all_hold`) and, for each wrong one, the true shape
    and its working; a wrong claim is an answer, not an error.

    >>> check("input 2x96x96 | conv 8 k=5 | maxpool k=4 | conv 24 k=6 | maxpool k=4 -> 8x23x23").all_hold
    False
    """
    from cnncalc.arith.errors import UsageError
    from cnncalc.arith.network import walk

    net_spec = with_input(required_network(spec, file, missing=CHECK_MISSING), input)
    if net_spec.input_shape is None:
        raise UsageError(
            _("check needs the input shape: start the spec with 'input CxHxW' or give {field:input}")
        )
    return CheckReport(walk(net_spec))


# -- solve ----------------------------------------------------------------------------------------


class SolutionReport(TextResult):
    """The answer to an inverse problem (or why there is none) and the working that finds it."""

    __slots__ = ("result",)

    def __init__(self, result: Solution) -> None:
        self.result = result

    @property
    def possible(self) -> bool:
        return self.result.possible

    @property
    def answer(self) -> dict[str, Any]:
        return dict(self.result.answer)

    def to_dict(self) -> dict[str, Any]:
        return self.result.to_dict()

    def render(self, style: Styler, width: int) -> str:
        from cnncalc.render.network import solution_view

        return solution_view(self.result, style, width)


@arguments
def solve_padding(
    *, input: int, kernel: int, stride: int = 1, dilation: int = 1, output: int | None = None
) -> SolutionReport:
    """The padding that gives a target output size, by default 'same' (⌈N/s⌉): `cnncalc solve padding`.

    A target o is reached when (o − 1)·s ≤ N + P − d·(k − 1) − 1 ≤ o·s − 1 for the total padding P;
    symmetric padding is preferred, an odd total puts the extra row after.

    >>> solve_padding(input=28, kernel=4).answer["padding"]
    [1, 2]
    """
    from cnncalc.arith import solve

    return SolutionReport(
        solve.solve_padding(
            whole(input, "input", minimum=1),
            whole(kernel, "kernel", minimum=1),
            whole(stride, "stride", minimum=1),
            whole(dilation, "dilation", minimum=1),
            optional_whole(output, "output", minimum=1),
        )
    )


@arguments
def solve_stride(
    *, input: int, kernel: int, output: int, padding: int = 0, dilation: int = 1
) -> SolutionReport:
    """The stride that gives a target output size: `cnncalc solve stride`.

    >>> solve_stride(input=32, kernel=4, padding=1, output=16).answer["stride"]
    2
    """
    from cnncalc.arith import solve

    return SolutionReport(
        solve.solve_stride(
            whole(input, "input", minimum=1),
            whole(kernel, "kernel", minimum=1),
            whole(output, "output", minimum=1),
            whole(padding, "padding", minimum=0),
            whole(dilation, "dilation", minimum=1),
        )
    )


@arguments
def solve_kernel(
    *, input: int, output: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> SolutionReport:
    """The kernel size that gives a target output size: `cnncalc solve kernel`.

    >>> solve_kernel(input=28, output=24).answer["kernel"]
    5
    """
    from cnncalc.arith import solve

    return SolutionReport(
        solve.solve_kernel(
            whole(input, "input", minimum=1),
            whole(output, "output", minimum=1),
            whole(stride, "stride", minimum=1),
            whole(padding, "padding", minimum=0),
            whole(dilation, "dilation", minimum=1),
        )
    )


class CombosReport(TextResult):
    """Small (kernel, stride, padding) choices that map an input size to a target, plainest first."""

    __slots__ = ("combos", "input", "max_kernel", "max_stride", "output")

    def __init__(
        self, combos: tuple[Combo, ...], input: int, output: int, max_kernel: int, max_stride: int
    ) -> None:
        self.combos = combos
        self.input = input
        self.output = output
        self.max_kernel = max_kernel
        self.max_stride = max_stride

    @property
    def possible(self) -> bool:
        return bool(self.combos)

    def to_dict(self) -> dict[str, Any]:
        return {"input": self.input, "output": self.output, "combos": [c.to_dict() for c in self.combos]}

    def render(self, style: Styler, width: int) -> str:
        from cnncalc.render.network import combos_table

        return combos_table(
            self.combos, self.input, self.output, self.max_kernel, self.max_stride, style, width
        )


@arguments
def solve_combos(*, input: int, output: int, max_kernel: int = 7, max_stride: int = 4) -> CombosReport:
    """Small (kernel, stride, padding) combinations that map `input` to `output`: `cnncalc solve combos`.

    >>> first = solve_combos(input=32, output=16).combos[0]
    >>> first.kernel, first.stride, first.padding
    (3, 2, 1)
    """
    from cnncalc.arith import solve

    n, o = whole(input, "input", minimum=1), whole(output, "output", minimum=1)
    k, s = whole(max_kernel, "max_kernel", minimum=1), whole(max_stride, "max_stride", minimum=1)
    return CombosReport(solve.solve_combos(n, o, k, s), n, o, k, s)


class InputSizesReport(TextResult):
    """The input sizes a network accepts, per axis, and with a target those giving that last map."""

    __slots__ = ("label", "result")

    def __init__(self, result: InputSizes, label: str) -> None:
        self.result = result
        self.label = label

    @property
    def possible(self) -> bool:
        return self.result.possible

    def to_dict(self) -> dict[str, Any]:
        return self.result.to_dict()

    def render(self, style: Styler, width: int) -> str:
        from cnncalc.render.network import input_sizes_view

        return input_sizes_view(self.result, self.label, style, width)


@arguments
def solve_input(
    spec: str | None = None,
    *,
    file: PathArg | None = None,
    preset: str | None = None,
    input: Shape | None = None,
    output: int | str | tuple[int, ...] | None = None,
    max: int | None = None,
) -> InputSizesReport:
    """Which input sizes a network accepts (every window fits, every merge matches), per axis, and
    with `output` (HxW) which give that size of the last map: `cnncalc solve input`. Sizes are tried
    from 1 to `max` (default 1,024 or twice the input).

    >>> solve_input(preset="resnet-50", output=(7, 7)).result.axes[0].wanted[:3]
    (193, 194, 195)
    """
    from cnncalc.arith.input_sizes import solve_input_sizes

    found = required_network(spec, file, preset)
    target = optional_sizes(output, "output")
    result = solve_input_sizes(with_input(found, input), target, optional_whole(max, "max", minimum=1))
    return InputSizesReport(result, found.label)
