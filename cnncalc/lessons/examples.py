"""Built-in examples for `cnncalc step conv|pool --example NAME`, written in the same matrix syntax
a learner types, so each can be shown as the equivalent command line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cnncalc.arith.errors import UsageError

# A handwritten "2" on a 10×10 binary grid (1 = ink), in the spirit of note 002's MNIST digit.
_TWO = (
    "0 0 0 0 0 0 0 0 0 0; "
    "0 0 1 1 1 1 1 0 0 0; "
    "0 1 0 0 0 0 0 1 0 0; "
    "0 0 0 0 0 0 0 1 0 0; "
    "0 0 0 0 0 0 1 0 0 0; "
    "0 0 0 0 0 1 0 0 0 0; "
    "0 0 0 0 1 0 0 0 0 0; "
    "0 0 0 1 0 0 0 0 0 0; "
    "0 0 1 1 1 1 1 1 1 0; "
    "0 0 0 0 0 0 0 0 0 0"
)

# cs231n's conv demo: a 5×5×3 input padded by 1 (7×7×3 with the zeros), two 3×3×3 filters with
# biases 1 and 0, stride 2 → 3×3×2. The numbers are ours; the layout is the demo's.
_CS231N_X = (
    "2 1 0 2 1; 0 1 2 1 0; 1 2 2 0 2; 0 0 1 2 1; 2 1 0 1 1 | "
    "1 0 2 2 0; 2 1 1 0 1; 0 2 1 1 2; 1 1 0 2 0; 0 2 1 0 1 | "
    "0 2 1 1 2; 1 0 0 2 1; 2 1 2 0 0; 1 2 0 1 2; 1 0 2 1 0"
)
_CS231N_W0 = "1 0 -1; 0 1 0; -1 1 1 | 0 -1 1; 1 0 -1; 0 1 0 | -1 1 0; 0 0 1; 1 -1 0"
_CS231N_W1 = "0 1 1; -1 0 1; 1 0 -1 | 1 1 0; 0 -1 0; -1 0 1 | 0 0 -1; 1 1 0; 0 -1 1"


@dataclass(frozen=True)
class Example:
    name: str
    op: str  # "conv" or a pool op: "max", "avg", "sum"
    title: str
    about: str
    input: str
    kernels: tuple[str, ...] = ()
    pool_kernel: str = ""
    bias: tuple[int, ...] = ()
    stride: str | None = None
    padding: str = "0"
    dilation: str = "1"
    threshold: float | None = None
    relu: bool = False
    names: tuple[str, ...] = field(default_factory=tuple)  # what each kernel looks for

    def argv(self) -> list[str]:
        """The equivalent command line (without the program name)."""
        if self.op == "conv":
            args = ["step", "conv", "--input", self.input]
            for k in self.kernels:
                args += ["--kernel", k]
            if self.bias:
                args += ["--bias", ",".join(map(str, self.bias))]
        else:
            args = ["step", "pool", "--op", self.op, "--input", self.input, "--kernel", self.pool_kernel]
        if self.stride:
            args += ["--stride", self.stride]
        if self.padding != "0":
            args += ["--padding", self.padding]
        if self.dilation != "1":
            args += ["--dilation", self.dilation]
        if self.threshold is not None:
            args += ["--threshold", f"{self.threshold:g}"]
        if self.relu:
            args.append("--relu")
        return args


EXAMPLES: dict[str, Example] = {
    e.name: e
    for e in (
        Example(
            "d2l",
            "conv",
            "d2l's first cross-correlation",
            "Dive into Deep Learning §7.2: a 3×3 input, a 2×2 kernel, no padding, stride 1.",
            "0 1 2; 3 4 5; 6 7 8",
            ("0 1; 2 3",),
        ),
        Example(
            "edges",
            "conv",
            "Edge filters on a handwritten 2 (note 002)",
            "Note 002 convolves a binary digit with four 3×3 filters and keeps the cells whose value is "
            "above 2 (threshold +2). Each filter lights up where the strokes run in its direction. "
            "(The note prints the same numbers for its horizontal and vertical filters; the horizontal-line "
            "filter is -1 -1 -1; 2 2 2; -1 -1 -1.)",
            _TWO,
            (
                "2 -1 -1; -1 2 -1; -1 -1 2",
                "-1 -1 2; -1 2 -1; 2 -1 -1",
                "-1 -1 -1; 2 2 2; -1 -1 -1",
                "-1 2 -1; -1 2 -1; -1 2 -1",
            ),
            threshold=2,
            names=("diagonal ╲", "diagonal ╱", "horizontal ─", "vertical │"),
        ),
        Example(
            "cs231n",
            "conv",
            "cs231n's conv demo: 3 channels, 2 filters, stride 2, padding 1",
            "A 5×5×3 input padded by 1 (the 7×7×3 grid of the cs231n demo), two 3×3×3 filters with biases "
            "1 and 0, stride 2: each output value sums 27 products and a bias.",
            _CS231N_X,
            (_CS231N_W0, _CS231N_W1),
            bias=(1, 0),
            stride="2",
            padding="1",
        ),
        Example(
            "multichannel",
            "conv",
            "Two input channels: one kernel slice per channel, partial sums added",
            "d2l §7.4: a 2-channel input and a 2-channel kernel; each channel is cross-correlated with "
            "its own kernel slice and the two partial sums are added.",
            "0 1 2; 3 4 5; 6 7 8 | 1 2 3; 4 5 6; 7 8 9",
            ("0 1; 2 3 | 1 2; 3 4",),
        ),
        Example(
            "stride",
            "conv",
            "Stride 2: the window jumps two cells",
            "A 5×5 input, a 3×3 kernel, stride 2: the window fits at rows and columns 0 and 2 only.",
            "1 2 0 1 3; 0 1 3 2 1; 2 0 1 1 0; 1 3 2 0 2; 0 1 1 2 1",
            ("1 0 1; 0 1 0; 1 0 1",),
            stride="2",
        ),
        Example(
            "padding",
            "conv",
            "Padding 1 keeps a 4×4 input 4×4 under a 3×3 kernel",
            "One ring of zeros around a 4×4 input lets a 3×3 kernel fit at 4×4 positions, so the output "
            "keeps the input's size ('same').",
            "1 2 3 0; 0 1 2 3; 3 0 1 2; 2 3 0 1",
            ("0 1 0; 1 -4 1; 0 1 0",),
            padding="1",
        ),
        Example(
            "maxpool",
            "max",
            "2×2 max pooling, stride 2",
            "Each 2×2 block keeps its largest value; the stride defaults to the kernel, so blocks do not overlap.",
            "1 2 3 4; 5 6 7 8; 9 1 2 3; 4 5 6 7",
            pool_kernel="2",
        ),
        Example(
            "minpool",
            "min",
            "2×2 min pooling, stride 2 (note 002)",
            "Note 002 pools with the average, minimum or maximum of four neighbouring pixels. Min pooling "
            "keeps the smallest value of each block; PyTorch has no MinPool2d, -max_pool2d(-x) is one.",
            "1 2 3 4; 5 6 7 8; 9 1 2 3; 4 5 6 7",
            pool_kernel="2",
        ),
    )
}

DEFAULT = {"conv": "d2l", "pool": "maxpool"}


def example_names(command: str) -> tuple[str, ...]:
    """The examples `step conv` or `step pool` runs.

    >>> example_names("pool")
    ('maxpool', 'minpool')
    """
    return tuple(name for name, ex in EXAMPLES.items() if (ex.op == "conv") == (command == "conv"))


def get_example(name: str, command: str) -> Example:
    """The example called `name`, checked against the command (`conv` or `pool`) it is run with."""
    ex = EXAMPLES.get(name.strip().lower())
    if ex is None:
        raise UsageError(
            f"{{field}} {name!r} is not one of {', '.join(example_names(command))}", field="example"
        )
    kind = "conv" if ex.op == "conv" else "pool"
    if kind != command:
        raise UsageError(
            f"{{field}} {ex.name} is a {kind} example; it steps through with `step {kind}`, not `step {command}`",
            field="example",
        )
    return ex
