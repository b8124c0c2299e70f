"""The network spec language: layers in a chain, merges of branches, and named blocks.

A chain is one layer per line or between `|`; `#` starts a comment (see `layer_spec` for layers):

    input 2x96x96              # C×H×W, channels first; N×C×H×W shows a batch
    conv 8 k=5 | maxpool k=4
    conv 24 k=6 -> 24x18x18    # a claim of the output shape, for `check`

Branches merge with `add( … )` (element-wise sum) or `concat( … )` (joined on channels, in
order). Branches are separated by `;`, and an empty branch is the identity; inside the
parentheses newlines separate layers as `|` does, and a branch may hold merges of its own:

    add( conv 64 k=3 p=1 | bn | relu | conv 64 k=3 p=1 | bn )     # one branch: + the identity
    add( conv 128 k=3 s=2 p=1 | bn ; conv 128 k=1 s=2 | bn )        # a projection shortcut
    concat( conv 64 k=1 ; conv 96 k=1 | conv 128 k=3 p=1 )          # Inception's branches
    concat( ; bn | relu | conv 32 k=3 p=1 )                         # DenseNet: cat(x, f(x))

A block is defined once, with parameters (and defaults), and used like a layer; a trailing
`x3` (or `×3`, `*3`, `x(n - 1)`) repeats a block call or a merge:

    block basic(c, s=1)
      add( conv c k=3 s=s p=1 bias=false | bn | relu | conv c k=3 p=1 bias=false | bn )
      relu
    end
    basic 64 x2
    basic c=128 s=2 -> 128x28x28

In a block's lines a parameter's bare name is its value, and a value in parentheses is an
integer expression (`conv (4*w) k=1`, `g=(c*t)`; see `expressions`). A block may use the blocks
defined before it, so a block can never call itself.

Everything is bounded: a spec expands to at most `MAX_NODES` nodes (layers, merges and blocks)
and nests merges and blocks at most `MAX_NESTING` deep; beyond that parsing stops with an error
naming the bound, so the cost of every command stays linear in the size of the network.

`parse_spec` returns a `NetworkSpec`: its input, its layers in the order to compute them, and the
`Graph` (see `graph`) every command walks.

>>> net = parse_spec("input 1x28x28 | conv 8 k=3 p=1 | relu")
>>> [layer.kind for layer in net.layers]
['conv', 'relu']
>>> net = parse_spec("block b(c) | conv c k=3 p=1 | relu | end | input 3x8x8 | b 4 x2")
>>> [node.id for node in net.graph.rows]
['1', '1.1', '1.1.1', '1.1.2', '1.2', '1.2.1', '1.2.2']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property
from typing import NamedTuple

from cnncalc.arith.errors import UsageError
from cnncalc.arith.graph import INPUT, Graph, Node
from cnncalc.arith.layer_spec import ALIASES, REPEAT, LayerSpec, canonical_kind, closest_spelling, parse_layer
from cnncalc.arith.parsing import fmt_shape, parse_sizes, typed
from cnncalc.i18n import _, ngettext

MAX_NODES = 10_000
MAX_NESTING = 32
MAX_SPEC_CHARS = 1_000_000
MERGE_WORDS = ("add", "concat")
# words a parameter cannot be called: they are values in their own right
_RESERVED = {"true", "false", "yes", "no", "on", "off", "same", "valid", "full", "end", "block", "input"}
_BLOCK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_PARAMETER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # a name an expression can use
_SEPARATORS = re.compile(r"[ \t\r\n|]*")
_SPECIAL = re.compile(r"[()|;\n]")
_WORD = re.compile(r"[A-Za-z_][\w.-]*")


# -- the syntax tree ------------------------------------------------------------------------------
# (named tuples: a dataclass costs half a millisecond to create at import, and every `net` pays it)


class LayerItem(NamedTuple):
    """A layer as written (in a block, its values may still name parameters)."""

    text: str
    line: int

    def to_text(self, sep: str) -> str:
        return self.text


class CallItem(NamedTuple):
    """A use of a block: `bottleneck 64 256 s=2 x3 -> 256x56x56`."""

    name: str
    args: tuple[str, ...]
    options: tuple[tuple[str, str], ...]
    repeat: str | None
    claim: tuple[int, ...] | None
    line: int
    text: str

    def to_text(self, sep: str) -> str:
        return self.text


class MergeItem(NamedTuple):
    """`add( … ; … )` or `concat( … ; … )`; an empty branch is the identity."""

    kind: str
    branches: tuple[tuple[Item, ...], ...]
    repeat: str | None
    claim: tuple[int, ...] | None
    line: int

    def to_text(self, sep: str) -> str:
        inner = " ; ".join(" | ".join(item.to_text(sep) for item in branch) for branch in self.branches)
        text = f"{self.kind}( {inner} )".replace("(  ;", "( ;").replace(";  )", "; )")
        if self.repeat is not None:
            text += f" x{self.repeat}"
        if self.claim is not None:
            text += f" -> {fmt_shape(self.claim, 'x')}"
        return text


Item = LayerItem | CallItem | MergeItem


class BlockDef(NamedTuple):
    """`block NAME(param, param=default) … end`."""

    name: str
    params: tuple[tuple[str, str | None], ...]
    body: tuple[Item, ...]
    line: int

    def signature(self) -> str:
        return ", ".join(p if d is None else f"{p}={d}" for p, d in self.params)

    def to_text(self, sep: str) -> str:
        lines = [f"block {self.name}({self.signature()})", *(item.to_text(sep) for item in self.body), "end"]
        return sep.join(lines)


class Program(NamedTuple):
    """A parsed spec before expansion: the input numbers, the block definitions and the items."""

    input: tuple[int, ...] | None
    blocks: tuple[BlockDef, ...]
    items: tuple[Item, ...]


# -- the network ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkSpec:
    """A parsed network: its input (C, *spatial), every layer in the order to compute them, and
    the graph that connects them (`graph`; a chain when the spec has no merges and no blocks).

    `batch` is N of an N×C×H×W input; `input_note` says how a four- or five-number input was read.
    """

    input_shape: tuple[int, ...] | None
    layers: tuple[LayerSpec, ...]
    graph: Graph = None  # type: ignore[assignment]  # set from `layers` when not given
    program: Program | None = None
    batch: int | None = None
    input_note: str = ""

    def __post_init__(self) -> None:
        if self.graph is None:
            object.__setattr__(self, "graph", Graph.chain(self.layers))

    @property
    def is_chain(self) -> bool:
        return self.graph.is_chain

    def to_text(self, sep: str = "\n") -> str:
        """The spec as text that parses back to the same network (blocks kept as blocks)."""
        lines = [f"input {fmt_shape(self.stated_input, 'x')}"] if self.input_shape else []
        if self.program is None or self.is_chain:
            for layer in self.layers:
                text = layer.describe()
                if layer.claim is not None:
                    text += f" -> {'x'.join(map(str, layer.claim))}"
                lines.append(text)
        else:
            lines += [block.to_text(sep) for block in self.program.blocks]
            lines += [item.to_text(sep) for item in self.program.items]
        return sep.join(lines)

    @property
    def stated_input(self) -> tuple[int, ...]:
        """The input as the user writes it: with the batch in front when one was given."""
        shape = self.input_shape or ()
        return (self.batch, *shape) if self.batch is not None else shape

    @cached_property
    def dims(self) -> int | None:
        """The spatial axes the layers state (`conv3d`, `k=3x3x3`), or None when none says."""
        return stated_dims(self.layers)

    def with_input(self, numbers: tuple[int, ...] | None) -> NetworkSpec:
        """The same network on another input, read as `resolve_input` reads an input line."""
        if numbers is None:
            return self
        shape, batch, note = resolve_input(numbers, self.layers)
        return replace(self, input_shape=shape, batch=batch, input_note=note)


def parse_spec(text: str) -> NetworkSpec:
    """Parse a spec; every error is a `UsageError` naming the line or layer, the token and what was expected."""
    if len(text) > MAX_SPEC_CHARS:
        raise UsageError(
            _("the spec has {n:,} characters; cnncalc reads at most {limit:,}"),
            n=len(text),
            limit=MAX_SPEC_CHARS,
        )
    text = typed(text).removeprefix("\ufeff")  # a byte-order mark some editors put first
    program = _Parser(text).program()
    graph, layers = _Expander(program).graph()
    spec = NetworkSpec(None, layers, graph, program if not graph.is_chain else None)
    return spec.with_input(program.input)


def parse_input_shape(text: str, what: str = "input") -> tuple[int, ...]:
    """`'2x96x96'` → (2, 96, 96): channels first, 1 to 3 spatial sizes, and maybe a batch in front
    (which of these a four-number shape means depends on the network: `resolve_input`)."""
    shape = parse_sizes(text, what, max_axes=5)
    if len(shape) < 2:
        raise UsageError(
            _("{what} {text!r} needs channels and spatial sizes, channels first: e.g. 1x28x28 (C×H×W)"),
            what=what,
            text=text,
        )
    return shape


def stated_dims(layers: tuple[LayerSpec, ...]) -> int | None:
    """The spatial axes the layers state; two layers stating different numbers is a usage error."""
    found: LayerSpec | None = None
    for layer in layers:
        dims = layer.stated_dims
        if dims is None:
            continue
        if found is not None and found.stated_dims != dims:
            raise UsageError(
                _(
                    "{layer} is {dims}-D but {other} is {other_dims}-D; one network has one number of spatial axes"
                ),
                layer=_placed(layer),
                dims=dims,
                other=_placed(found),
                other_dims=found.stated_dims,
            )
        found = found or layer
    return found.stated_dims if found else None


def resolve_input(
    numbers: tuple[int, ...], layers: tuple[LayerSpec, ...]
) -> tuple[tuple[int, ...], int | None, str]:
    """Read an input as users write it: (C, *spatial), the batch N or None, and a note.

    Two numbers are C×L, three C×H×W. Four are N×C×H×W (torchinfo's `input_size`) unless the
    network says it is 3-D (`conv3d`, `k=3x3x3`): then C×D×H×W. Five are N×C×D×H×W. A network that
    says it is 1-D reads three numbers as N×C×L.

    >>> resolve_input((1, 3, 224, 224), ())[:2]
    ((3, 224, 224), 1)
    """
    dims = stated_dims(layers)
    return read_input(numbers, dims, _first_stating(layers, dims) if dims is not None else "")


def read_input(
    numbers: tuple[int, ...], dims: int | None, stating: str = ""
) -> tuple[tuple[int, ...], int | None, str]:
    """`resolve_input` for a network of `dims` spatial axes (None: not stated), which the layer
    `stating` says (`'conv3d 8 k=3' on line 2`, or a model file's layer and line).

    >>> read_input((3, 8, 8, 8), 3)[:2]
    ((3, 8, 8, 8), None)
    >>> read_input((3, 8, 8, 8), None)[:2]
    ((8, 8, 8), 3)
    """
    shown = fmt_shape(numbers)
    if dims is not None and len(numbers) not in (dims + 1, dims + 2):
        raise UsageError(
            _(
                "input {input} has {n} numbers, but the network is {dims}-D ({layer}): give C×{axes} or N×C×{axes}"
            ),
            input=shown,
            n=len(numbers),
            dims=dims,
            layer=stating,
            axes=axes_text(dims),
        )
    if dims is None:
        dims = {2: 1, 3: 2, 4: 2, 5: 3}.get(len(numbers), 2)
    if len(numbers) == dims + 2:
        if dims == 2 and len(numbers) == 4:
            note = _(
                "input {input} read as N×C×{axes}: a batch of {n} (a 3-D network says so with conv3d or "
                "k=3x3x3; then four numbers are C×D×H×W)"
            )
        else:
            note = _("input {input} read as N×C×{axes}: a batch of {n}")
        note = note.format(input=shown, axes=axes_text(dims), n=numbers[0])
        return tuple(numbers[1:]), numbers[0], note
    return tuple(numbers), None, ""


def axes_text(dims: int) -> str:
    """The spatial axes as the shapes name them: 1 → 'L', 3 → 'D×H×W'."""
    return {1: "L", 2: "H×W", 3: "D×H×W"}[dims]


def _first_stating(layers: tuple[LayerSpec, ...], dims: int) -> str:
    return _placed(next(layer for layer in layers if layer.stated_dims == dims))


def _placed(layer: LayerSpec) -> str:
    """`'conv3d 8 k=3' on line 2`: a layer named by its text and line (a row id is not known yet)."""
    return _("{layer!r} on line {line}").format(layer=layer.describe(), line=layer.line)


# -- text → syntax tree -------------------------------------------------------------------------------


class _Parser:
    """Reads the text left to right: items end at `|`, a newline, and inside a merge at `;` or
    `)`; parentheses after `add`/`concat` open a merge, any other `(` an expression."""

    def __init__(self, text: str) -> None:
        # comments end at the end of their line; the line breaks stay for line numbers
        self.text = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
        self.pos = 0
        self.line = 1
        self.items_read = 0
        self.blocks: dict[str, BlockDef] = {}
        self.later = {
            m.group(1).lower(): m for m in re.finditer(r"(?:^|[|\n])\s*block\s+([\w-]+)", self.text)
        }

    # characters

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip_separators(self) -> None:
        match = _SEPARATORS.match(self.text, self.pos)
        self.line += match.group(0).count("\n")
        self.pos = match.end()

    def word(self) -> str:
        match = _WORD.match(self.text, self.pos)
        return match.group(0) if match else ""

    def rest_of_item(self, in_merge: bool) -> str:
        """The text up to the next separator outside parentheses (jumping from one special
        character to the next: a preset's hundreds of lines are read in a millisecond)."""
        start, depth = self.pos, 0
        while (match := _SPECIAL.search(self.text, self.pos)) is not None:
            self.pos = match.start()
            c = match.group(0)
            if c == "(":
                depth += 1
            elif c == ")" and depth:
                depth -= 1
            elif c == "\n" or (depth == 0 and (c == "|" or (c in ";)" and in_merge))):
                break
            elif c == ")" or (c == ";" and not in_merge):
                if c == ")":
                    what = _("line {line}: ')' without a matching '(' in {text!r}")
                else:
                    what = _("line {line}: ';' outside add( … ) or concat( … ) in {text!r}")
                raise UsageError(what, line=self.line, text=self.text[start : self.pos + 1].strip())
            self.pos += 1
        else:
            self.pos = len(self.text)
        text = self.text[start : self.pos].strip()
        if depth:
            raise UsageError(
                _("line {line}: {text!r} opens a '(' it never closes"), line=self.line, text=text
            )
        return text

    # structure

    def program(self) -> Program:
        input_numbers: tuple[int, ...] | None = None
        first_input: tuple[str, int] | None = None  # its text and line
        items: list[Item] = []
        while True:
            self.skip_separators()
            if not self.peek():
                break
            word = self.word().lower()
            if word == "block":
                block = self.block_def()
                self.blocks[block.name.lower()] = block
            elif word == "end":
                raise UsageError(_("line {line}: 'end' without a 'block' to close"), line=self.line)
            elif canonical_kind(word) == "input":
                line = self.line
                text = self.rest_of_item(False)
                if first_input is not None:
                    raise UsageError(
                        _(
                            "line {line}: {text!r} is a second input, after {first!r} on line {first_line}; a "
                            "network has one input: remove one of the two"
                        ),
                        line=line,
                        text=text,
                        first=first_input[0],
                        first_line=first_input[1],
                    )
                if items:
                    raise UsageError(
                        _("layer {n}: 'input' must come first, before {first!r}"),
                        n=len(items) + 1,
                        first=items[0].to_text(" "),
                    )
                input_numbers = _parse_input_line(text)
                first_input = (text, line)
            else:
                items.append(self.item(0, False, None, _("layer {n}").format(n=len(items) + 1)))
        if not items:
            raise UsageError(_("the spec has no layers; write e.g. 'conv 8 k=3 | maxpool k=2'"))
        return Program(input_numbers, tuple(self.blocks.values()), tuple(items))

    def item(self, depth: int, in_merge: bool, block: str | None, where: str = "") -> Item:
        """One item; `where` names it in messages (`layer 3` at the top, else its line)."""
        self.items_read += 1
        if self.items_read > MAX_NODES:
            raise UsageError(
                _("line {line}: the spec has more than {limit:,} items; cnncalc reads at most that"),
                line=self.line,
                limit=MAX_NODES,
            )
        line = self.line
        where = where or _("line {line}").format(line=line)
        word = self.word()
        low = word.lower()
        if low in MERGE_WORDS and self.text[self.pos + len(word) :].lstrip(" \t").startswith("("):
            return self.merge(low, depth, in_merge, block)
        text = self.rest_of_item(in_merge)
        if not text:
            raise UsageError(_("line {line}: expected a layer, a merge or a block name here"), line=line)
        first = text.split()[0]
        if first.lower() in self.blocks:
            return _call_item(text, self.blocks[first.lower()], line)
        kind = canonical_kind(first)
        if kind is not None and kind != "input":
            return LayerItem(text, line)
        raise UsageError(
            _("{where} ({text}): {why}").format(where=where, text=text, why=self.unknown(first, block))
        )

    def unknown(self, first: str, block: str | None) -> str:
        """Why a word cannot start an item here."""
        low = first.lower()
        if canonical_kind(first) == "input":
            return _("'input' goes on a line of its own before the layers, outside blocks and merges")
        if low in MERGE_WORDS:
            return _("{kind} needs its branches in parentheses, e.g. {kind}( conv 8 k=3 p=1 ; )").format(
                kind=low
            )
        if low == "block":
            return _("a block is defined on its own, not inside another block or a merge")
        if low == "end":
            return _("'end' closes a block; this one has none open")
        if block is not None and low == block.lower():
            return _("block {name!r} uses itself; a block may only use the blocks defined before it").format(
                name=block
            )
        if low in self.later:
            later_line = self.text[: self.later[low].start(1)].count("\n") + 1
            return _(
                "block {name!r} is used before it is defined (line {line}); "
                "define a block before the lines that use it"
            ).format(name=first, line=later_line)
        names = {*(a for a, k in _known_words().items() if k != "input"), *self.blocks}
        close = closest_spelling(low, names)
        hint = _(" (did you mean {name!r}?)").format(name=close) if close else ""
        blocks = (
            _("; blocks defined so far: {names}").format(
                names=", ".join(b.name for b in self.blocks.values())
            )
            if self.blocks
            else ""
        )
        return (
            _("unknown layer {name!r}{hint}; expected one of {kinds}, or add( … ), concat( … )").format(
                name=first, hint=hint, kinds=", ".join(n for n in ALIASES if n != "input")
            )
            + blocks
        )

    def merge(self, kind: str, depth: int, in_merge: bool, block: str | None) -> MergeItem:
        line = self.line
        if depth >= MAX_NESTING:
            raise UsageError(
                _("line {line}: merges nest more than {limit} deep; cnncalc reads at most that"),
                line=line,
                limit=MAX_NESTING,
            )
        self.pos = self.text.index("(", self.pos) + 1
        branches: list[tuple[Item, ...]] = []
        current: list[Item] = []
        while True:
            self.skip_separators()
            c = self.peek()
            if not c:
                raise UsageError(
                    _("line {line}: {kind}( is never closed; end its branches with ')'"), line=line, kind=kind
                )
            if c in ";)":
                self.pos += 1
                branches.append(tuple(current))
                current = []
                if c == ")":
                    break
                continue
            if self.word().lower() in ("block", "end", "input"):
                raise UsageError(
                    _("line {line}: {why}"), line=self.line, why=self.unknown(self.word(), block)
                )
            current.append(self.item(depth + 1, True, block))
        if not any(branches):
            raise UsageError(
                _(
                    "line {line}: {kind}( ) has no layers in any branch; write e.g. {kind}( conv 8 k=3 p=1 ; )"
                ),
                line=line,
                kind=kind,
            )
        if kind == "concat" and len(branches) == 1:
            raise UsageError(
                _(
                    "line {line}: concat( … ) needs two branches or more, separated by ';' "
                    "(concat( ; A ) is cat(x, A(x)), as DenseNet's layers)"
                ),
                line=line,
            )
        tail = self.rest_of_item(in_merge)
        repeat, claim = _tail(tail, _("line {line}: {kind}( … )").format(line=line, kind=kind))
        return MergeItem(kind, tuple(branches), repeat, claim, line)

    def block_def(self) -> BlockDef:
        line = self.line
        header = self.rest_of_item(False)
        match = re.fullmatch(r"block\s+([^\s(]+)\s*(?:\((.*)\))?", header, flags=re.S | re.I)
        if match is None:
            raise UsageError(
                _("line {line}: write a block's first line as 'block NAME(a, b=1)', not {header!r}"),
                line=line,
                header=header,
            )
        name = match.group(1)
        if not _BLOCK_NAME.fullmatch(name):
            raise UsageError(
                _("line {line}: block name {name!r} must start with a letter (letters, digits, _ and -)"),
                line=line,
                name=name,
            )
        if canonical_kind(name) is not None or name.lower() in (*MERGE_WORDS, *_RESERVED):
            raise UsageError(
                _("line {line}: {name!r} is already a word of the spec language; name the block otherwise"),
                line=line,
                name=name,
            )
        if name.lower() in self.blocks:
            raise UsageError(
                _("line {line}: block {name!r} is already defined on line {first}"),
                line=line,
                name=name,
                first=self.blocks[name.lower()].line,
            )
        params = _params(match.group(2) or "", name, line)
        body: list[Item] = []
        while True:
            self.skip_separators()
            if not self.peek():
                raise UsageError(
                    _("line {line}: block {name!r} has no 'end'; close it with a line 'end'"),
                    line=line,
                    name=name,
                )
            word = self.word().lower()
            if word == "end":
                self.pos += 3
                rest = self.rest_of_item(False)
                if rest:
                    raise UsageError(
                        _("line {line}: 'end' closes block {name!r}; {rest!r} goes on a line of its own"),
                        line=self.line,
                        name=name,
                        rest=rest,
                    )
                break
            if word in ("block", "input"):
                raise UsageError(_("line {line}: {why}"), line=self.line, why=self.unknown(word, name))
            body.append(self.item(0, False, name))
        if not body:
            raise UsageError(
                _("line {line}: block {name!r} is empty; give it a layer or more before 'end'"),
                line=line,
                name=name,
            )
        return BlockDef(name, params, tuple(body), line)


def _known_words() -> dict[str, str]:
    return {alias: kind for kind, aliases in ALIASES.items() for alias in aliases}


def _parse_input_line(text: str) -> tuple[int, ...]:
    tokens = text.split()
    if len(tokens) != 2:
        raise UsageError(_("input: expected one shape like 'input 2x96x96' (C×H×W), got {text!r}"), text=text)
    return parse_input_shape(tokens[1])


def _tokens(text: str) -> list[str]:
    """Whitespace-separated tokens, a parenthesised expression staying whole: `conv (4 * w) k=1`."""
    if "(" not in text:
        return text.split()
    tokens, current, depth = [], "", 0
    for c in text:
        if c.isspace() and depth == 0:
            if current:
                tokens.append(current)
            current = ""
            continue
        depth += {"(": 1, ")": -1}.get(c, 0)
        current += c
    if current:
        tokens.append(current)
    return tokens


def _tail(text: str, where: str) -> tuple[str | None, tuple[int, ...] | None]:
    """After a merge or a block call: an optional repetition (`x3`) and an optional claim (`-> 8x8x8`)."""
    claim = None
    if "->" in text:
        text, claim_text = text.split("->", 1)
        try:
            claim = parse_sizes(claim_text.strip(), "claim", max_axes=4)
        except UsageError as e:
            raise UsageError(
                _("{where}: the claim after '->' must be a shape like 8x92x92 ({error})"),
                where=where,
                error=e,
            ) from None
    tokens = _tokens(text)
    repeat = None
    if tokens and REPEAT.fullmatch(tokens[-1]):
        repeat = tokens.pop()[1:]
    if tokens:
        raise UsageError(
            _("{where}: unexpected {text!r}; after a merge come only 'x3' and '-> CxHxW'"),
            where=where,
            text=" ".join(tokens),
        )
    return repeat, claim


def _params(text: str, block: str, line: int) -> tuple[tuple[str, str | None], ...]:
    params: list[tuple[str, str | None]] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            if text.strip():
                raise UsageError(
                    _("line {line}: block {block!r} has an empty parameter in ({text})"),
                    line=line,
                    block=block,
                    text=text,
                )
            continue
        name, eq, default = (s.strip() for s in part.partition("="))
        if not _PARAMETER.fullmatch(name) or name.lower() in _RESERVED:
            raise UsageError(
                _(
                    "line {line}: block {block!r}: parameter {name!r} must be a name (letters, digits, _) "
                    "that is not a value of the language (true, same, …)"
                ),
                line=line,
                block=block,
                name=name,
            )
        if any(name == p for p, _default in params):
            raise UsageError(
                _("line {line}: block {block!r} names parameter {name!r} twice"),
                line=line,
                block=block,
                name=name,
            )
        if params and params[-1][1] is not None and not eq:
            raise UsageError(
                _(
                    "line {line}: block {block!r}: parameter {name!r} without a default follows one with a default"
                ),
                line=line,
                block=block,
                name=name,
            )
        if eq and not default:
            raise UsageError(
                _("line {line}: block {block!r}: parameter {name!r} has '=' but no default value"),
                line=line,
                block=block,
                name=name,
            )
        where = _("line {line}: block {block!r}").format(line=line, block=block)
        params.append((name, _value(default, {}, where) if eq else None))
    return tuple(params)


def _call_item(text: str, block: BlockDef, line: int) -> CallItem:
    """`bottleneck 64 256 s=2 x3 -> 256x56x56`: values in order, then named ones, a repetition, a claim."""
    where = _("line {line}: {text!r}").format(line=line, text=text)
    head, arrow, claim_text = text.partition("->")
    tokens = _tokens(head)
    rest = tokens[1:]
    repeat = rest.pop()[1:] if rest and REPEAT.fullmatch(rest[-1]) else None
    _repeat, claim = _tail(f"-> {claim_text}" if arrow else "", where)
    args: list[str] = []
    options: list[tuple[str, str]] = []
    for token in rest:
        key, eq, value = token.partition("=")
        if eq and not value:
            raise UsageError(_("{where}: {key}= has no value"), where=where, key=key)
        if eq:
            options.append((key, value))
        elif options:
            raise UsageError(
                _("{where}: the value {token!r} comes after a named one; give values in order first"),
                where=where,
                token=token,
            )
        else:
            args.append(token)
    return CallItem(block.name, tuple(args), tuple(options), repeat, claim, line, text)


def _value(text: str, env: dict[str, str], where: str) -> str:
    """A value in a block: a parameter's name → its value; `(expression)` → its integer; else as written."""
    if text in env:
        return env[text]
    if text.startswith("(") and text.endswith(")"):
        from cnncalc.arith.expressions import evaluate  # only specs that compute values need it

        try:
            return str(evaluate(text, env))
        except UsageError as e:
            raise e.prefixed(where) from None
    return text


# -- syntax tree → graph -------------------------------------------------------------------------------


class _Expander:
    """Expands block calls and repetitions into nodes, counting them against `MAX_NODES` as it goes.

    `env` holds the parameters of the block being expanded (their values as text); `calls` the
    labels of the blocks it sits in, for messages.
    """

    def __init__(self, program: Program) -> None:
        self.program = program
        self.blocks = {b.name.lower(): b for b in program.blocks}
        self.nodes: list[Node] = []
        self.layers: list[LayerSpec] = []
        # a block's lines come back with the same values many times: parse each text once
        self.parsed: dict[str, LayerSpec] = {}

    def graph(self) -> tuple[Graph, tuple[LayerSpec, ...]]:
        output = self.sequence(self.program.items, {}, "", 1, (), INPUT, ())
        return Graph(tuple(self.nodes), output), tuple(self.layers)

    def add(self, node: Node) -> None:
        if len(self.nodes) >= MAX_NODES:
            raise UsageError(
                _(
                    "the spec expands to more than {limit:,} nodes (layers, merges and blocks), reached at "
                    "{id} ({text}); cnncalc handles networks up to {limit:,} nodes — "
                    "is a repetition count too large?"
                ),
                limit=MAX_NODES,
                id=node.id,
                text=node.describe(),
            )
        self.nodes.append(node)

    def sequence(
        self,
        items: tuple[Item, ...],
        env: dict[str, str],
        prefix: str,
        first: int,
        path: tuple[str, ...],
        source: str,
        calls: tuple[str, ...],
    ) -> str:
        """Expand items in order from `source`; the id of the node whose output leaves the last one."""
        for index, item in enumerate(items, start=first):
            node_id = f"{prefix}{index}"
            if len(path) >= MAX_NESTING:
                if calls:
                    deep = _(
                        "{id}: blocks and merges nest more than {limit} deep (in {block}); cnncalc reads at most that"
                    )
                else:
                    deep = _(
                        "{id}: blocks and merges nest more than {limit} deep; cnncalc reads at most that"
                    )
                raise UsageError(deep, id=node_id, limit=MAX_NESTING, block=calls[-1] if calls else "")
            if isinstance(item, LayerItem):
                source = self.layer(item, env, node_id, path, source, calls)
            else:
                source = self.repeated(item, env, node_id, path, source, calls)
        return source

    def layer(
        self,
        item: LayerItem,
        env: dict[str, str],
        node_id: str,
        path: tuple[str, ...],
        source: str,
        calls: tuple[str, ...],
    ) -> str:
        head, arrow, claim = item.text.partition("->")
        tokens = _tokens(head)

        def place(text: str) -> str:
            """How messages name the layer: `layer 5.1.3 (conv c k=3) in basic 64, line 4`."""
            if calls:
                return _("layer {id} ({text}) in {block}, line {line}").format(
                    id=node_id, text=text, block=calls[-1], line=item.line
                )
            return _("layer {id} ({text})").format(id=node_id, text=text)

        where = place(item.text)
        values = [tokens[0]]
        for token in tokens[1:]:
            key, eq, value = token.partition("=")
            values.append(f"{key}={_value(value, env, where)}" if eq else _value(token, env, where))
        text = item.text if values == tokens else " ".join(values) + (f" -> {claim.strip()}" if arrow else "")
        known = self.parsed.get(text)
        if known is None:
            where = place(text)
            known = self.parsed[text] = parse_layer(text, len(self.layers) + 1, item.line, where=where)
        layer = known.renumbered(len(self.layers) + 1, item.line)
        self.layers.append(layer)
        self.add(Node(node_id, layer.kind, (source,), path, layer=layer, line=item.line))
        return node_id

    def repeated(
        self,
        item: CallItem | MergeItem,
        env: dict[str, str],
        node_id: str,
        path: tuple[str, ...],
        source: str,
        calls: tuple[str, ...],
    ) -> str:
        """A block call or a merge, once, or `xN` times inside a container of its own (x1 is once:
        `x(n - 1)` in a block may come to 1)."""
        count = self.repeat_count(item, env)
        if count is None or count == 1:
            return self.once(item, env, node_id, path, source, calls, item.claim)
        start, inner = source, path + (node_id,)
        for i in range(1, count + 1):
            source = self.once(item, env, f"{node_id}.{i}", inner, source, calls, None)
        one = next(n for n in reversed(self.nodes) if n.id == f"{node_id}.1")
        self.add(
            Node(
                node_id,
                "block",
                (start,),
                path,
                label=f"{one.label} ×{count}",
                output=source,
                claim=item.claim,
                line=item.line,
            )
        )
        return source

    def once(
        self,
        item: CallItem | MergeItem,
        env: dict[str, str],
        node_id: str,
        path: tuple[str, ...],
        source: str,
        calls: tuple[str, ...],
        claim: tuple[int, ...] | None,
    ) -> str:
        if isinstance(item, MergeItem):
            return self.merge(item, env, node_id, path, source, calls, claim)
        block = self.blocks[item.name.lower()]
        label = self.label(item, env)
        bound = self.bind(item, block, env)
        output = self.sequence(
            block.body, bound, f"{node_id}.", 1, path + (node_id,), source, (*calls, label)
        )
        self.add(
            Node(node_id, "block", (source,), path, label=label, output=output, claim=claim, line=item.line)
        )
        return output

    def merge(
        self,
        item: MergeItem,
        env: dict[str, str],
        node_id: str,
        path: tuple[str, ...],
        source: str,
        calls: tuple[str, ...],
        claim: tuple[int, ...] | None,
    ) -> str:
        """The branches from the same source, numbered on across branches, then the merge node."""
        inner = path + (node_id,)
        index = 1
        outputs: list[str] = []
        branches: list[tuple[str, ...]] = []
        sizes: list[str] = []
        for branch in item.branches:
            before = len(self.layers)
            outputs.append(self.sequence(branch, env, f"{node_id}.", index, inner, source, calls))
            branches.append(tuple(f"{node_id}.{i}" for i in range(index, index + len(branch))))
            sizes.append(_count(len(self.layers) - before) if branch else _("identity"))
            index += len(branch)
        if len(item.branches) == 1:  # add( A ) is A + the identity
            outputs.append(source)
            branches.append(())
            sizes.append(_("identity"))
        self.add(
            Node(
                node_id,
                item.kind,
                tuple(outputs),
                path,
                label=f"{item.kind}({' ; '.join(sizes)})",
                branches=tuple(branches),
                claim=claim,
                line=item.line,
            )
        )
        return node_id

    def repeat_count(self, item: CallItem | MergeItem, env: dict[str, str]) -> int | None:
        if item.repeat is None:
            return None
        where = _("line {line}: x{repeat}").format(line=item.line, repeat=item.repeat)
        text = _value(item.repeat, env, where)
        if not re.fullmatch(r"\d{1,7}", text):
            raise UsageError(
                _("{where}: a repetition count is a whole number, here {text!r}"), where=where, text=text
            )
        count = int(text)
        if not 1 <= count <= MAX_NODES:
            raise UsageError(
                _("{where}: repeat 1 to {limit:,} times, not {count:,}"),
                where=where,
                limit=MAX_NODES,
                count=count,
            )
        return count

    def bind(self, item: CallItem, block: BlockDef, env: dict[str, str]) -> dict[str, str]:
        """The block's parameters bound to the call's values (worked out where the call stands)."""
        where = _("line {line}: {text!r}").format(line=item.line, text=item.text)
        names = [p for p, _default in block.params]
        if len(item.args) > len(names):
            raise UsageError(
                ngettext(
                    "{where}: block {name} takes {n} value ({params}), not {given}",
                    "{where}: block {name} takes {n} values ({params}), not {given}",
                    len(names),
                ),
                where=where,
                name=block.name,
                n=len(names),
                params=block.signature() or _("none"),
                given=len(item.args),
            )
        bound = {name: _value(arg, env, where) for name, arg in zip(names, item.args, strict=False)}
        for key, value in item.options:
            if key not in names:
                raise UsageError(
                    _("{where}: block {name} has no parameter {key!r}; its parameters: {params}"),
                    where=where,
                    name=block.name,
                    key=key,
                    params=block.signature(),
                )
            if key in bound:
                raise UsageError(_("{where}: {key} is given twice"), where=where, key=key)
            bound[key] = _value(value, env, where)
        for name, default in block.params:
            if name not in bound:
                if default is None:
                    raise UsageError(
                        _("{where}: block {name} needs {param} (its parameters: {params})"),
                        where=where,
                        name=block.name,
                        param=name,
                        params=block.signature(),
                    )
                bound[name] = default
        return bound

    def label(self, item: CallItem, env: dict[str, str]) -> str:
        """The call with its values worked out: `bottleneck 64 256 s=2`."""
        where = _("line {line}: {text!r}").format(line=item.line, text=item.text)
        parts = [item.name, *(_value(a, env, where) for a in item.args)]
        parts += [f"{k}={_value(v, env, where)}" for k, v in item.options]
        return " ".join(parts)


def _count(layers: int) -> str:
    return ngettext("{n} layer", "{n} layers", layers).format(n=layers)
