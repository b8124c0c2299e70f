"""The draw cases every draw test uses: conv_arithmetic's pictures and the corners around them.

Each case is (id, op, keyword arguments of `window_frames`). The oracle test checks every frame
of every case against PyTorch; the pure, render and CLI tests draw them too.
"""

from __future__ import annotations

# conv_arithmetic's direct convolutions (Dumoulin & Visin's animations), then the corners.
SLIDING = [
    ("no_padding_no_strides", "conv", {"input_size": (4, 4), "kernel": 3}),
    ("arbitrary_padding_no_strides", "conv", {"input_size": (5, 5), "kernel": 4, "padding": 2}),
    ("same_padding_no_strides", "conv", {"input_size": (5, 5), "kernel": 3, "padding": "same"}),
    ("full_padding_no_strides", "conv", {"input_size": (5, 5), "kernel": 3, "padding": "full"}),
    ("no_padding_strides", "conv", {"input_size": (5, 5), "kernel": 3, "stride": 2}),
    ("padding_strides", "conv", {"input_size": (5, 5), "kernel": 3, "stride": 2, "padding": 1}),
    ("padding_strides_odd", "conv", {"input_size": (6, 6), "kernel": 3, "stride": 2, "padding": 1}),
    ("dilation", "conv", {"input_size": (7, 7), "kernel": 3, "dilation": 2}),
    ("same_even_kernel", "conv", {"input_size": (6, 6), "kernel": 4, "padding": "same"}),
    ("same_strided_tf", "conv", {"input_size": (7, 7), "kernel": 3, "stride": 2, "padding": "same"}),
    ("per_axis", "conv", {"input_size": (5, 7), "kernel": (2, 3), "stride": (1, 2), "padding": (1, 0)}),
    ("stride_past_window", "conv", {"input_size": (8, 8), "kernel": 2, "stride": 3}),
    ("one_d", "conv", {"input_size": (9,), "kernel": 3, "stride": 2}),
    ("maxpool", "maxpool", {"input_size": (4, 4), "kernel": 2}),
    ("maxpool_overlap_padded", "maxpool", {"input_size": (5, 5), "kernel": 3, "stride": 2, "padding": 1}),
    ("maxpool_dilated", "maxpool", {"input_size": (7, 7), "kernel": 2, "stride": 1, "dilation": 2}),
    ("avgpool", "avgpool", {"input_size": (6, 6), "kernel": 3}),
    ("maxpool_ceil", "maxpool", {"input_size": (5, 5), "kernel": 2, "ceil": True}),
    (
        "avgpool_ceil_padded",
        "avgpool",
        {"input_size": (6, 6), "kernel": 3, "stride": 2, "padding": 1, "ceil": True},
    ),
    (
        "maxpool_ceil_dropped",
        "maxpool",
        {"input_size": (5, 5), "kernel": 2, "stride": 2, "padding": 1, "ceil": True},
    ),
]

# conv_arithmetic's transposed convolutions, then dilation, output padding and a cropped border.
TRANSPOSED = [
    ("no_padding_no_strides_transposed", "tconv", {"input_size": (2, 2), "kernel": 3}),
    ("arbitrary_padding_no_strides_transposed", "tconv", {"input_size": (6, 6), "kernel": 4, "padding": 2}),
    ("same_padding_no_strides_transposed", "tconv", {"input_size": (5, 5), "kernel": 3, "padding": 1}),
    ("full_padding_no_strides_transposed", "tconv", {"input_size": (7, 7), "kernel": 3, "padding": 2}),
    ("no_padding_strides_transposed", "tconv", {"input_size": (2, 2), "kernel": 3, "stride": 2}),
    ("padding_strides_transposed", "tconv", {"input_size": (3, 3), "kernel": 3, "stride": 2, "padding": 1}),
    (
        "padding_strides_odd_transposed",
        "tconv",
        {"input_size": (3, 3), "kernel": 3, "stride": 2, "padding": 1, "output_padding": 1},
    ),
    ("dilated_transposed", "tconv", {"input_size": (3, 3), "kernel": 2, "stride": 2, "dilation": 2}),
    ("cropped_transposed", "tconv", {"input_size": (4, 4), "kernel": 3, "stride": 2, "padding": 3}),
    ("one_d_transposed", "tconv", {"input_size": (3,), "kernel": 4, "stride": 2, "padding": 1}),
]

ALL = SLIDING + TRANSPOSED
IDS = [c[0] for c in ALL]


def cli_args(op: str, kwargs: dict) -> list[str]:
    """The `cnncalc draw ...` arguments of a case."""

    def axes(v) -> str:
        return "x".join(map(str, v)) if isinstance(v, tuple) else str(v)

    command = {"maxpool": ["pool", "--op", "max"], "avgpool": ["pool", "--op", "avg"]}.get(op, [op])
    size = kwargs["input_size"]
    args = [*command, "--input", axes(size), "--kernel", axes(kwargs["kernel"])]
    if len(size) == 1:
        args += ["--dims", "1"]
    for key, flag in (("stride", "--stride"), ("padding", "--padding"), ("dilation", "--dilation")):
        if key in kwargs:
            args += [flag, axes(kwargs[key])]
    if kwargs.get("output_padding"):
        args += ["--output-padding", axes(kwargs["output_padding"])]
    if kwargs.get("ceil"):
        args.append("--ceil")
    return args
