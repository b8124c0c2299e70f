"""A small SVG writer and the building blocks every cnncalc picture shares (standard library only).

Pictures are trees of `Element`s serialised to one self-contained SVG: no fonts, images, scripts
or style sheets are loaded from anywhere (`document` refuses an `href` that is not an in-file
`#id`). Building blocks: `grid` (cells of a matrix), `heatmap` (values as colours), `line_plot`
(curves with axes and ticks) and the conv_arithmetic `COLOURS`.

>>> doc = document(20, 10, [el("rect", x=0, y=0, width=20, height=10, fill="#fff")], title="blank")
>>> doc.splitlines()[1][:40]
'<svg xmlns="http://www.w3.org/2000/svg" '
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"


@dataclass(frozen=True)
class Colours:
    """conv_arithmetic's look: blue input, dashed padding, dark window, cyan output."""

    input: str = "#5f9fd8"
    input_edge: str = "#2f6ea5"
    padding: str = "#ffffff"
    padding_edge: str = "#5f9fd8"
    window: str = "#17324d"
    window_opacity: float = 0.55
    output: str = "#3fc7c3"
    output_edge: str = "#1d8f8c"
    output_empty: str = "#ffffff"
    current: str = "#0b6b69"
    text: str = "#222222"
    muted: str = "#666666"
    axis: str = "#444444"
    background: str = "#ffffff"
    series: tuple[str, ...] = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd")


COLOURS = Colours()


class Element:
    """One SVG (or HTML) element: a tag, attributes in insertion order, text and children."""

    __slots__ = ("tag", "attrs", "children", "text")

    def __init__(
        self,
        tag: str,
        attrs: dict[str, object] | None = None,
        children: Iterable[Element] = (),
        text: str = "",
    ) -> None:
        self.tag = tag
        self.attrs = dict(attrs or {})
        self.children = list(children)
        self.text = text

    def add(self, *children: Element) -> Element:
        self.children.extend(children)
        return self

    def write(self, out: list[str], indent: int = 0) -> None:
        pad = "  " * indent
        attrs = "".join(f" {k}={quoteattr(fmt_number(v))}" for k, v in self.attrs.items() if v is not None)
        if not self.children and not self.text:
            out.append(f"{pad}<{self.tag}{attrs}/>")
        elif not self.children:
            out.append(f"{pad}<{self.tag}{attrs}>{escape(self.text)}</{self.tag}>")
        else:
            out.append(f"{pad}<{self.tag}{attrs}>{escape(self.text)}")
            for child in self.children:
                child.write(out, indent + 1)
            out.append(f"{pad}</{self.tag}>")

    def to_xml(self) -> str:
        out: list[str] = []
        self.write(out)
        return "\n".join(out)

    def iter(self) -> Iterable[Element]:
        yield self
        for child in self.children:
            yield from child.iter()


def el(tag: str, text: str = "", /, *children: Element, **attrs: object) -> Element:
    """`el("rect", x=1, stroke_width=2, class_="cell")` → `<rect x="1" stroke-width="2" class="cell"/>`."""
    return Element(tag, {_attr_name(k): v for k, v in attrs.items()}, children, text)


def _attr_name(name: str) -> str:
    return name.rstrip("_").replace("_", "-")


def fmt_number(v: object) -> str:
    """Coordinates without float noise: 3.0 → '3', 2.3333333 → '2.33'."""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"SVG coordinate {v} is not finite")
        text = f"{v:.2f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return str(v)


def document(
    width: float,
    height: float,
    children: Sequence[Element],
    title: str,
    description: str = "",
    **attrs: object,
) -> str:
    """A complete standalone SVG file: XML declaration, namespace, size, title and the picture."""
    root = el(
        "svg",
        xmlns=SVG_NS,
        width=width,
        height=height,
        viewBox=f"0 0 {fmt_number(width)} {fmt_number(height)}",
        **attrs,
    )
    root.add(el("title", title))
    if description:
        root.add(el("desc", description))
    root.add(el("rect", x=0, y=0, width=width, height=height, fill=COLOURS.background))
    root.add(*children)
    check_self_contained(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + root.to_xml() + "\n"


def check_self_contained(root: Element) -> None:
    """Refuse any reference out of the file: only `#id` links and no external URLs in styles."""
    for node in root.iter():
        for key, value in node.attrs.items():
            text = str(value)
            if key in ("href", "xlink:href", "src") and not text.startswith("#"):
                raise ValueError(f"<{node.tag} {key}={text!r}> refers outside the picture")
            if "url(" in text and not all(part.startswith("#") for part in text.split("url(")[1:]):
                raise ValueError(f"<{node.tag} {key}={text!r}> refers outside the picture")


def text(
    x: float, y: float, content: str, size: float = 13, anchor: str = "start", **attrs: object
) -> Element:
    attrs.setdefault("fill", COLOURS.text)
    return el("text", content, x=x, y=y, font_size=size, font_family=FONT, text_anchor=anchor, **attrs)


# -- building blocks ------------------------------------------------------------------------------


def grid(
    x: float,
    y: float,
    rows: int,
    cols: int,
    cell: float,
    style: Callable[[int, int], dict[str, object] | None],
    **attrs,
) -> Element:
    """A rows × cols matrix of square cells; `style(r, c)` gives a cell's attributes (None: no cell).

    >>> g = grid(0, 0, 1, 2, 10, lambda r, c: {"fill": "#000"})
    >>> [(e.attrs["x"], e.attrs["fill"]) for e in g.children]
    [(0, '#000'), (10, '#000')]
    """
    group = el("g", **attrs)
    for r in range(rows):
        for c in range(cols):
            s = style(r, c)
            if s is not None:
                group.add(el("rect", x=x + c * cell, y=y + r * cell, width=cell, height=cell, **s))
    return group


def mix(low: str, high: str, t: float) -> str:
    """The colour a fraction t of the way from `low` to `high` (both #rrggbb).

    >>> mix("#000000", "#ffffff", 0.5)
    '#808080'
    """
    t = min(max(t, 0.0), 1.0)
    a = [int(low[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(high[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(u + (v - u) * t):02x}" for u, v in zip(a, b, strict=True))


def heatmap(
    values: Sequence[Sequence[float]],
    x: float,
    y: float,
    cell: float,
    low: str = "#ffffff",
    high: str = "#08306b",
    vmin: float | None = None,
    vmax: float | None = None,
    labels: bool = False,
    fmt: str = "{:g}",
) -> Element:
    """Values as colours from `low` to `high` (a confusion matrix, a filter, a feature map).

    Each cell carries its value in a <title> (shown on hover); `labels` writes it in the cell.
    """
    flat = [v for row in values for v in row]
    lo = min(flat) if vmin is None else vmin
    hi = max(flat) if vmax is None else vmax
    span = hi - lo
    group = el("g", class_="heatmap")
    for r, row in enumerate(values):
        for c, v in enumerate(row):
            t = (v - lo) / span if span else 0.0
            rect = el("rect", x=x + c * cell, y=y + r * cell, width=cell, height=cell, fill=mix(low, high, t))
            rect.add(el("title", fmt.format(v)))
            group.add(rect)
            if labels:
                ink = "#ffffff" if t > 0.55 else COLOURS.text
                group.add(
                    text(
                        x + (c + 0.5) * cell,
                        y + (r + 0.5) * cell + cell * 0.12,
                        fmt.format(v),
                        cell * 0.32,
                        "middle",
                        fill=ink,
                    )
                )
    return group


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values (steps of 1, 2 or 5 × 10^n) covering [lo, hi].

    >>> nice_ticks(0, 1)
    [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    >>> nice_ticks(0.019, 2.454, 4)
    [0.0, 1.0, 2.0, 3.0]
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError("tick range must be finite")
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(lo / step + 1e-9) * step
    ticks = []
    k = 0
    while True:
        v = first + k * step
        ticks.append(round(v, 10))
        if v >= hi - 1e-9 * step:
            break
        k += 1
    return ticks


@dataclass(frozen=True)
class Series:
    """One curve of a line plot."""

    name: str
    xs: Sequence[float]
    ys: Sequence[float]
    colour: str | None = None


def line_plot(
    series: Sequence[Series],
    x: float,
    y: float,
    width: float,
    height: float,
    x_label: str = "",
    y_label: str = "",
    y_range: tuple[float, float] | None = None,
    whole_x: bool = False,
) -> Element:
    """Curves on axes with round ticks and a legend (loss or accuracy per step, say).

    The plot area is the box (x, y, width, height); tick labels and axis names sit outside it.
    `whole_x` keeps the x ticks on whole numbers (epochs).
    """
    points = [(px, py) for s in series for px, py in zip(s.xs, s.ys, strict=True)]
    if not points:
        raise ValueError("a line plot needs at least one point")
    xt = nice_ticks(min(p[0] for p in points), max(p[0] for p in points))
    if whole_x and xt[1] - xt[0] < 1:
        xt = [float(v) for v in range(math.floor(xt[0]), math.ceil(xt[-1]) + 1)]
    yt = nice_ticks(*(y_range or (min(p[1] for p in points), max(p[1] for p in points))))
    x0, x1, y0, y1 = xt[0], xt[-1], yt[0], yt[-1]

    def sx(v: float) -> float:
        return x + (v - x0) / (x1 - x0) * width

    def sy(v: float) -> float:
        return y + height - (v - y0) / (y1 - y0) * height

    group = el("g", class_="line-plot")
    for v in yt:
        group.add(el("line", x1=x, y1=sy(v), x2=x + width, y2=sy(v), stroke="#e4e4e4", stroke_width=1))
        group.add(text(x - 6, sy(v) + 4, _tick(v), 11, "end", fill=COLOURS.muted))
    for v in xt:
        group.add(el("line", x1=sx(v), y1=y + height, x2=sx(v), y2=y + height + 4, stroke=COLOURS.axis))
        group.add(text(sx(v), y + height + 17, _tick(v), 11, "middle", fill=COLOURS.muted))
    group.add(
        el(
            "polyline",
            points=f"{x},{y} {x},{y + height} {x + width},{y + height}",
            fill="none",
            stroke=COLOURS.axis,
        )
    )
    if x_label:
        group.add(text(x + width / 2, y + height + 34, x_label, 12, "middle"))
    if y_label:
        group.add(
            text(
                x - 44,
                y + height / 2,
                y_label,
                12,
                "middle",
                transform=f"rotate(-90 {fmt_number(x - 44)} {fmt_number(y + height / 2)})",
            )
        )
    for i, s in enumerate(series):
        colour = s.colour or COLOURS.series[i % len(COLOURS.series)]
        pts = " ".join(f"{fmt_number(sx(a))},{fmt_number(sy(b))}" for a, b in zip(s.xs, s.ys, strict=True))
        group.add(
            el(
                "polyline",
                points=pts,
                fill="none",
                stroke=colour,
                stroke_width=2,
                class_="series",
                data_name=s.name,
            )
        )
        ly = y + 14 + 16 * i
        group.add(
            el(
                "line",
                x1=x + width - 120,
                y1=ly - 4,
                x2=x + width - 100,
                y2=ly - 4,
                stroke=colour,
                stroke_width=2,
            )
        )
        group.add(text(x + width - 94, ly, s.name, 11))
    return group


def _tick(v: float) -> str:
    return f"{v:g}" if abs(v) < 1e5 else f"{v:.3g}"
