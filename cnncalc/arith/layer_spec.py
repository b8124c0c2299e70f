"""One layer of the network spec language: `conv 8 k=5 s=2 p=1 -> 8x46x46`.

    conv 8 k=5 s=1 p=0 d=1 g=1 bias=true
    tconv 16 k=4 s=2 p=1 op=0
    maxpool k=4                # s defaults to k; also p=, d=, ceil=true
    avgpool k=2
    gap                        # global average pooling (C×1×1)
    adaptiveavgpool 6          # PyTorch's AdaptiveAvgPool2d(6): C×6×6 whatever the input
    gmp | adaptivemaxpool 6    # the same with the maximum
    pad 2 mode=reflect         # 2 rows/columns on every side (zero, reflect or replicate)
    upsample 2 mode=bilinear   # each axis ×2 (nearest by default)
    pixelshuffle 3             # C×H×W → C/9×3H×3W
    instancenorm affine=true | groupnorm 32 | lrn 5
    bn | relu | relu6 | sigmoid | tanh | leakyrelu | softmax | dropout 0.5 | flatten
    hardswish | hardsigmoid | silu | gelu | elu
    fc 100                     # aliases: dense, linear
    conv 8 k=5 -> 8x92x92      # a claim of the output shape, for `check`

A spelling with 1d, 2d or 3d (`conv3d`, `MaxPool1d`) says how many spatial axes the layer has,
and so does a size with one value per axis (`k=3x3x3`). The whole language (input, merges,
blocks) is `cnncalc.arith.spec`; shapes are worked out by `cnncalc.arith.network.walk`.

>>> layer = parse_layer("conv 8 k=3 p=1", 1)
>>> layer.kind, layer.units, layer.kernel
('conv', 8, (3,))
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cnncalc.arith.errors import UsageError
from cnncalc.arith.parsing import fmt_shape, parse_bool, parse_int, parse_padding, parse_sizes
from cnncalc.i18n import N_, _, translated

# canonical name → accepted spellings
ALIASES = {
    "input": ("input", "in"),
    "conv": ("conv", "conv1d", "conv2d", "conv3d", "convolution"),
    "tconv": (
        "tconv",
        "convtranspose",
        "convtranspose1d",
        "convtranspose2d",
        "convtranspose3d",
        "tconv1d",
        "tconv2d",
        "tconv3d",
        "deconv",
        "transposedconv",
        "upconv",
    ),
    "maxpool": ("maxpool", "maxpool1d", "maxpool2d", "maxpool3d", "maxpooling", "maxpooling2d", "max"),
    "avgpool": (
        "avgpool",
        "avgpool1d",
        "avgpool2d",
        "avgpool3d",
        "averagepooling",
        "averagepooling2d",
        "avg",
    ),
    "gap": ("gap", "globalavgpool", "globalaveragepooling", "globalaveragepooling2d", "adaptiveavgpool"),
    "gmp": ("gmp", "globalmaxpool", "globalmaxpooling", "globalmaxpooling2d", "adaptivemaxpool"),
    "pad": ("pad", "zeropad", "zeropad2d", "zeropadding2d"),
    "upsample": ("upsample", "upsampling", "upsampling2d"),
    "pixelshuffle": ("pixelshuffle",),
    "bn": ("bn", "batchnorm", "batchnorm2d", "batchnormalization"),
    "instancenorm": ("instancenorm", "instancenorm2d"),
    "groupnorm": ("groupnorm",),
    "lrn": ("lrn", "localresponsenorm"),
    "relu": ("relu",),
    "relu6": ("relu6",),
    "hardswish": ("hardswish",),
    "hardsigmoid": ("hardsigmoid",),
    "silu": ("silu", "swish"),
    "gelu": ("gelu",),
    "elu": ("elu",),
    "leakyrelu": ("leakyrelu", "lrelu"),
    "sigmoid": ("sigmoid",),
    "tanh": ("tanh",),
    "softmax": ("softmax",),
    "dropout": ("dropout",),
    "flatten": ("flatten",),
    "fc": ("fc", "dense", "linear"),
}
_CANON = {alias: name for name, aliases in ALIASES.items() for alias in aliases}

# option spellings → canonical option names
_OPTION_ALIASES = {
    "k": "k",
    "kernel": "k",
    "kernel_size": "k",
    "s": "s",
    "stride": "s",
    "p": "p",
    "pad": "p",
    "padding": "p",
    "d": "d",
    "dilation": "d",
    "g": "g",
    "groups": "g",
    "bias": "bias",
    "ceil": "ceil",
    "ceil_mode": "ceil",
    "op": "op",
    "output_padding": "op",
    "slope": "slope",
    "negative_slope": "slope",
    "rate": "rate",
    "mode": "mode",
    "affine": "affine",
}
OPTIONS = {
    "conv": ("k", "s", "p", "d", "g", "bias"),
    "tconv": ("k", "s", "p", "d", "g", "bias", "op"),
    "maxpool": ("k", "s", "p", "d", "ceil"),
    "avgpool": ("k", "s", "p", "ceil"),
    "fc": ("bias",),
    "leakyrelu": ("slope",),
    "dropout": ("rate",),
    "pad": ("mode",),
    "upsample": ("mode",),
    "instancenorm": ("affine",),
}
# kinds that change the spatial size without a window of their own (`pad`) or spread each input
# over several outputs (`upsample`, `pixelshuffle`, read by the receptive field as a transposed conv)
RESIZING = ("pad", "upsample", "pixelshuffle")
PAD_MODES = ("zero", "reflect", "replicate")
UPSAMPLE_MODES = ("nearest", "bilinear")
SPATIAL = ("conv", "tconv", "maxpool", "avgpool")
# a repetition count written after a block call or a merge: x3, ×3, *3, x(n - 1)
REPEAT = re.compile(r"[x×*](\d+|\(.*\))", re.IGNORECASE)
_POSITIONAL = {
    "conv": N_("out channels"),
    "tconv": N_("out channels"),
    "fc": N_("out features"),
    "pad": N_("rows and columns to add on each side"),
    "upsample": N_("scale factor"),
    "pixelshuffle": N_("upscale factor"),
    "groupnorm": N_("groups"),
    "lrn": N_("neighbouring channels (size)"),
}


@dataclass(frozen=True)
class LayerSpec:
    """One parsed layer. Sizes are as written (one value or one per axis), resolved by the walk."""

    number: int
    kind: str
    units: int | None = None
    kernel: tuple[int, ...] | None = None
    stride: tuple[int, ...] | None = None
    padding: str | tuple[int, ...] = (0,)
    dilation: tuple[int, ...] = (1,)
    groups: int = 1
    bias: bool = True
    ceil: bool = False
    output_padding: tuple[int, ...] = (0,)
    rate: float = 0.5
    slope: float = 0.01
    claim: tuple[int, ...] | None = None
    line: int = 0
    output_size: tuple[int, ...] | None = None
    dims: int | None = None
    factor: tuple[int, ...] | None = None
    mode: str = ""
    affine: bool = False
    size: int | None = None

    def renumbered(self, number: int, line: int) -> LayerSpec:
        """This layer as the `number`th of a network, written on `line`: what
        `dataclasses.replace(self, number=number, line=line)` gives, in an eighth of the time (a
        block's lines are parsed once and placed many times: ResNet-50 places 159 layers).

        >>> from dataclasses import replace
        >>> conv = parse_layer("conv 8 k=3 s=2", 1)
        >>> conv.renumbered(4, 2) == replace(conv, number=4, line=2)
        True
        """
        # every field is copied as it is (no field is derived from another, there is no
        # __post_init__): the generated __init__ would only set them one by one again
        layer = object.__new__(type(self))
        layer.__dict__.update(self.__dict__, number=number, line=line)
        return layer

    @property
    def stated_dims(self) -> int | None:
        """The spatial axes the layer says it has: from its spelling (`conv3d`) or from a size with
        one value per axis (`k=3x3x3`); None when it fits any number of axes (`conv 8 k=3`)."""
        if self.dims is not None:
            return self.dims
        sizes = (self.kernel, self.stride, self.dilation, self.output_padding, self.output_size)
        lengths = {len(v) for v in (*sizes, self.padding) if v is not None and not isinstance(v, str)}
        lengths.discard(1)
        return lengths.pop() if len(lengths) == 1 else None

    @property
    def adaptive(self) -> bool:
        """An adaptive pool to a size other than 1 (size 1 is plain global pooling)."""
        return self.kind in ("gap", "gmp") and self.output_size is not None and set(self.output_size) != {1}

    def describe(self) -> str:
        """The canonical spec text of this layer, defaults left out: `conv 8 k=5`."""
        parts = [self.kind]
        if (
            self.dims in _SPELLED
            and self.kind in SPATIAL
            and self.kernel is not None
            and len(self.kernel) == 1
        ):
            # 'conv 8 k=3' after a four-number input would read as 2-D (N×C×H×W), and after a
            # three-number one (N×C×L) as 2-D C×H×W: keep the spelling that says the axes
            parts = [_SPELLED[self.dims][self.kind]]
        if self.adaptive:
            parts = [
                "adaptiveavgpool" if self.kind == "gap" else "adaptivemaxpool",
                fmt_shape(self.output_size, "x"),
            ]
        if self.kind == "pad":
            parts.append(fmt_shape(self.padding, "x"))
        if self.factor is not None:
            parts.append(fmt_shape(self.factor, "x"))
        if self.kind == "groupnorm":
            parts.append(str(self.groups))
        if self.size is not None:
            parts.append(str(self.size))
        if self.mode and self.mode not in ("zero", "nearest"):
            parts.append(f"mode={self.mode}")
        if self.affine:
            parts.append("affine=true")
        if self.units is not None:
            parts.append(str(self.units))
        if self.kind == "dropout":
            parts.append(f"{self.rate:g}")
        if self.kind == "leakyrelu" and self.slope != 0.01:
            parts.append(f"slope={self.slope:g}")
        if self.kernel is not None:
            parts.append(f"k={fmt_shape(self.kernel, 'x')}")
        default_stride = self.kernel if self.kind in ("maxpool", "avgpool") else (1,)
        if self.stride is not None and self.stride != default_stride:
            parts.append(f"s={fmt_shape(self.stride, 'x')}")
        if self.padding not in ((0,), "valid") and self.kind != "pad":
            parts.append(
                f"p={self.padding if isinstance(self.padding, str) else fmt_shape(self.padding, 'x')}"
            )
        if self.dilation != (1,):
            parts.append(f"d={fmt_shape(self.dilation, 'x')}")
        if self.groups != 1 and self.kind != "groupnorm":
            parts.append(f"g={self.groups}")
        if self.output_padding != (0,):
            parts.append(f"op={fmt_shape(self.output_padding, 'x')}")
        if self.ceil:
            parts.append("ceil=true")
        if not self.bias and self.kind in ("conv", "tconv", "fc"):
            parts.append("bias=false")
        return " ".join(parts)


_SPELLED = {
    dims: {
        "conv": f"conv{dims}d",
        "tconv": f"tconv{dims}d",
        "maxpool": f"maxpool{dims}d",
        "avgpool": f"avgpool{dims}d",
    }
    for dims in (1, 3)
}


def canonical_kind(token: str) -> str | None:
    """The layer kind a spelling stands for (`Conv2d` → 'conv'), or None for an unknown word."""
    return _CANON.get(token.lower().replace("_", "").replace("-", ""))


def spelled_dims(token: str) -> int | None:
    """The spatial axes a spelling states: `conv3d` → 3, `MaxPool1d` → 1, `conv` → None."""
    match = re.search(r"([123])d$", token.lower())
    return int(match.group(1)) if match else None


def parse_layer(chunk: str, number: int, line: int = 0, where: str | None = None) -> LayerSpec:
    """One layer's text (`conv 8 k=3 p=1 -> 8x28x28`) as a `LayerSpec`; a `UsageError` names what is wrong.

    `where` is how messages name the layer (default `layer N (text)`).

    >>> parse_layer("maxpool 2", 3).describe()
    'maxpool k=2'
    """
    where = where or _("layer {id} ({text})").format(id=number, text=chunk.strip())
    chunk, claim = _split_claim(chunk, where)
    tokens = chunk.split()
    if not tokens:
        raise UsageError(
            _("{where}: a claim '->' needs the layer it is about before it, e.g. 'conv 8 k=3 -> 8x6x6'"),
            where=where,
        )
    kind = _layer_kind(tokens[0], where)
    fields = _positional_fields(kind, [t for t in tokens[1:] if "=" not in t], where)
    for option in (t for t in tokens[1:] if "=" in t):
        name, parse, value = _option(kind, option, where)
        if name in fields:
            raise UsageError(
                _("{where}: {option!r} gives the {name} a second time; give each option once"),
                where=where,
                option=option.partition("=")[0],
                name=name,
            )
        fields[name] = _parsed(parse, value, where)
    if kind in SPATIAL and "kernel" not in fields:
        raise UsageError(
            _("{where}: missing the kernel size; write k=N or k=AxB, e.g. '{kind} ... k=3'"),
            where=where,
            kind=kind,
        )
    if kind in ("maxpool", "avgpool") and "stride" not in fields:
        fields["stride"] = fields["kernel"]
    if kind == "pad" and fields.get("mode", "zero") not in PAD_MODES:
        raise UsageError(
            _("{where}: pad mode {mode!r} is not one of {modes}"),
            where=where,
            mode=fields["mode"],
            modes=", ".join(PAD_MODES),
        )
    if kind == "upsample" and fields.get("mode", "nearest") not in UPSAMPLE_MODES:
        raise UsageError(
            _("{where}: upsample mode {mode!r} is not one of {modes}"),
            where=where,
            mode=fields["mode"],
            modes=", ".join(UPSAMPLE_MODES),
        )
    dims = spelled_dims(tokens[0]) if kind in SPATIAL else None
    return LayerSpec(number=number, kind=kind, claim=claim, line=line, dims=dims, **fields)


def _split_claim(chunk: str, where: str) -> tuple[str, tuple[int, ...] | None]:
    """`conv 8 k=5 -> 8x92x92` → ('conv 8 k=5 ', (8, 92, 92)): the layer and the shape it claims."""
    if "->" not in chunk:
        return chunk, None
    chunk, claim_text = chunk.split("->", 1)
    try:
        return chunk, parse_sizes(claim_text.strip(), "claim", max_axes=4)
    except UsageError as e:
        raise UsageError(
            _("{where}: the claim after '->' must be a shape like 8x92x92 ({error})"), where=where, error=e
        ) from None


def _layer_kind(token: str, where: str) -> str:
    kind = canonical_kind(token)
    if kind is None:
        close = closest_spelling(token, _CANON)
        hint = _(" (did you mean {name!r}?)").format(name=close) if close else ""
        raise UsageError(
            _("{where}: unknown layer {name!r}{hint}; expected one of {kinds}"),
            where=where,
            name=token,
            hint=hint,
            kinds=", ".join(n for n in ALIASES if n != "input"),
        )
    return kind


def closest_spelling(word: str, names: Iterable[str]) -> str | None:
    """The known spelling to suggest for an unknown layer word, or None.

    A known layer with a 1d/2d/3d it is not spelled with gets one of its own kind's spellings, with
    that suffix where the kind has one: the closest word overall may be another kind (`deconv3d` is
    nearer to 'conv3d' than to 'tconv3d'). Any other word gets the closest of `names`.

    >>> closest_spelling("deconv3d", _CANON), closest_spelling("upconv1d", _CANON), closest_spelling("tconvv", _CANON)
    ('tconv3d', 'tconv1d', 'tconv')
    """
    import difflib  # only when a name is wrong: it costs a millisecond at start-up

    low = word.lower().replace("_", "").replace("-", "")
    known = sorted(names)
    match = re.fullmatch(r"(.+?)([123]d)", low)
    kind = _CANON.get(match.group(1)) if match else None
    if match and kind is not None:
        same = [a for a in ALIASES[kind] if a in known] or [kind]
        pool = [a for a in same if a.endswith(match.group(2))] or same
        return difflib.get_close_matches(low, pool, n=1, cutoff=0)[0]
    close = difflib.get_close_matches(low, known, n=1)
    return close[0] if close else None


def _positional_fields(kind: str, positional: list[str], where: str) -> dict[str, object]:
    """The one value a layer takes without a name (`conv 8`, `maxpool 2`, `dropout 0.5`)."""
    if kind in _POSITIONAL and not positional:
        raise UsageError(
            _("{where}: missing the number of {what}, e.g. '{kind} 8 ...'"),
            where=where,
            what=translated(_POSITIONAL[kind]),
            kind=kind,
        )
    fields: dict[str, object] = {}
    if positional and kind in _POSITIONAL_VALUE:
        name, parse = _POSITIONAL_VALUE[kind]
        fields[name] = _parsed(parse, positional.pop(0), where)
    if positional and REPEAT.fullmatch(positional[-1]):
        raise UsageError(
            _(
                "{where}: {text!r} repeats a block or a merge, not a layer; define a block "
                "('block NAME … end') and repeat that"
            ),
            where=where,
            text=positional[-1],
        )
    if positional:
        raise UsageError(
            _("{where}: unexpected {text!r}; options are written name=value ({allowed})"),
            where=where,
            text=positional[0],
            allowed=_allowed(kind),
        )
    return fields


def _option(kind: str, option: str, where: str) -> tuple[str, Callable[[str], object], str]:
    """`k=3` → ('kernel', its parser, '3'), once the option is known to apply to `kind`."""
    name, _eq, value = option.partition("=")
    key = "rate" if kind == "dropout" and name.lower() == "p" else _OPTION_ALIASES.get(name.lower())
    if key is None or key not in OPTIONS.get(kind, ()):
        raise UsageError(
            _("{where}: unknown option {name!r} for {kind}; {allowed}"),
            where=where,
            name=name,
            kind=kind,
            allowed=_allowed(kind),
        )
    if not value:
        raise UsageError(
            _("{where}: option {name!r} has no value; write {name}=VALUE"), where=where, name=name
        )
    return (*_OPTION_FIELDS[key], value)


def _parsed(parse: Callable[[str], object], value: str, where: str) -> object:
    try:
        return parse(value)
    except UsageError as e:
        raise type(e)(_("{where}: {error}").format(where=where, error=e.template), field=e.field) from None


def _allowed(kind: str) -> str:
    opts = OPTIONS.get(kind, ())
    if opts:
        return _("{kind} takes {options}").format(kind=kind, options=", ".join(o + "=" for o in opts))
    return _("{kind} takes no options").format(kind=kind)


def _number(value: str, name: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise UsageError(_("{name} {value!r} is not a number"), name=name, value=value) from None
    if not math.isfinite(number):
        raise UsageError(_("{name} {value!r} is not a finite number"), name=name, value=value)
    return number


def _rate(value: str) -> float:
    rate = _number(value, _("dropout rate"))
    if not 0 <= rate < 1:
        raise UsageError(_("dropout rate {value} must be in [0, 1), e.g. dropout 0.5"), value=value)
    return rate


def _sizes_of(name: str, minimum: int = 1) -> Callable[[str], tuple[int, ...]]:
    """A parser of sizes named `name` in messages (a word marked with N_ is said in the language)."""
    return lambda value: parse_sizes(value, translated(name), minimum=minimum)


# canonical option → (LayerSpec field, parser of its value)
_OPTION_FIELDS: dict[str, tuple[str, Callable[[str], object]]] = {
    "k": ("kernel", _sizes_of("k")),
    "s": ("stride", _sizes_of("s")),
    "d": ("dilation", _sizes_of("d")),
    "op": ("output_padding", _sizes_of("op", minimum=0)),
    "p": ("padding", lambda value: parse_padding(value, "p")),
    "g": ("groups", lambda value: parse_int(value, "g")),
    "bias": ("bias", lambda value: parse_bool(value, "bias")),
    "ceil": ("ceil", lambda value: parse_bool(value, "ceil")),
    "rate": ("rate", _rate),
    "slope": ("slope", lambda value: _number(value, "slope")),
    "mode": ("mode", lambda value: value.lower()),
    "affine": ("affine", lambda value: parse_bool(value, "affine")),
}
# kind → (LayerSpec field, parser) of the value it takes without a name
_POSITIONAL_VALUE: dict[str, tuple[str, Callable[[str], object]]] = {
    "conv": ("units", lambda value: parse_int(value, _("out channels"))),
    "tconv": ("units", lambda value: parse_int(value, _("out channels"))),
    "fc": ("units", lambda value: parse_int(value, _("out features"))),
    "maxpool": _OPTION_FIELDS["k"],
    "avgpool": _OPTION_FIELDS["k"],
    "dropout": _OPTION_FIELDS["rate"],
    "leakyrelu": _OPTION_FIELDS["slope"],
    "gap": ("output_size", _sizes_of(N_("output size"))),
    "gmp": ("output_size", _sizes_of(N_("output size"))),
    "pad": ("padding", _sizes_of("pad", minimum=0)),
    "upsample": ("factor", _sizes_of(N_("scale factor"))),
    "pixelshuffle": ("factor", lambda value: (parse_int(value, _("upscale factor")),)),
    "groupnorm": ("groups", lambda value: parse_int(value, _("groups"))),
    "lrn": ("size", lambda value: parse_int(value, _("size"))),
}
