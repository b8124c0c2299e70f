"""The network renderers: plain text (standard library), pinned at a fixed width."""

import contextlib
import functools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.arith.errors import UsageError
from cnncalc.arith.network import LayerResult, NetworkResult, walk
from cnncalc.arith.parsing import fmt_axes, fmt_shape
from cnncalc.arith.presets import get_preset, preset_names
from cnncalc.arith.solve import solve_combos, solve_padding
from cnncalc.arith.steps import group_digits
from cnncalc.i18n import set_language, translated
from cnncalc.render.network import (
    NET_HEADERS,
    TIGHT_HEADERS,
    branch_starts,
    check_report,
    combos_table,
    explain_claim,
    explain_layer,
    fmt_bytes,
    fmt_count,
    layer_notes,
    max_depth,
    network_table,
    presets_table,
    solution_view,
    totals,
)
from cnncalc.render.text import Styler, box_table, grid, table_width
from cnncalc.render.width import char_width, display_width

NOTE_001 = "input 2x96x96 | conv 8 k=5 | maxpool k=4 | conv 24 k=6 | maxpool k=4"

SEED_TABLE = """\
#  layer          output  params   MACs  RF / jump     memory
─────────────────────────────────────────────────────────────
   input         2×96×96                     1 / 1   72.0 KiB
1  conv 8 k=5    8×92×92     408  3.39M      5 / 1  264.5 KiB
2  maxpool k=4   8×23×23       —      —      8 / 4   16.5 KiB
3  conv 24 k=6  24×18×18   6,936  2.24M     28 / 4   30.4 KiB
4  maxpool k=4    24×4×4       —      —    40 / 16    1.5 KiB
5  flatten           384       —      —    88 / 16    1.5 KiB
6  fc 100            100  38,500  38.4k    88 / 16      400 B"""


def lines_of(text: str) -> list[str]:
    return text.splitlines()


def assert_fits(text: str, width: int) -> None:
    for line in lines_of(text):
        assert len(line) <= width, line
        assert line == line.rstrip(), repr(line)


def test_seed_001_table_exact():
    text = network_table(walk(get_preset("seed-001")), width=80)
    assert text.startswith(SEED_TABLE + "\n\n")
    assert_fits(text, 80)


def test_totals_memory_and_flops():
    text = network_table(walk(get_preset("seed-001")))
    assert "Parameters (trainable)      45,844" in text
    assert "Parameter memory         179.1 KiB  float32: 45,844 × 4 bytes" in text
    assert "FLOPs                   11,326,976  2 · MACs" in text
    assert "Receptive field                 88  input pixels one output unit sees" in text
    assert "4.5 is not a whole number" in text  # the floor at layer 4 is explained
    assert text.rstrip().endswith("Explain a layer: --explain N (1–6).")


def test_totals_without_input_shape_leave_out_memory_and_macs():
    text = totals(walk("fc 16 | fc 4"))
    assert lines_of(text)[0].split() == [
        "Parameters",
        "(trainable)",
        "?",
        "the",
        "layers'",
        "input",
        "channels",
        "and",
        "sizes",
        "need",
        "'input",
        "CxHxW'",
    ]
    assert "memory" not in text and "MACs" not in text and "Receptive field" not in text  # no map, no field


def test_without_input_shape_nothing_unknown_is_given_a_number():
    # An fc's inputs, a conv's channels and the size a global pool averages are all unknown.
    net = walk("conv 8 k=3 | relu | gap | fc 10")
    text = network_table(net, width=80)
    assert lines_of(text)[:6] == [
        "#  layer       output  params  MACs  RF / jump  memory",
        "──────────────────────────────────────────────────────",
        "1  conv 8 k=3       ?       ?     ?      3 / 1       ?",
        "2  relu             ?       —     —      3 / 1       ?",
        "3  gap              ?       —     —          —       ?",
        "4  fc 10            ?       ?     ?          —       ?",
    ]
    assert "Parameters (trainable)  ?" in text and "Parameter memory" not in text
    assert "Receptive field         ?  layer 3 (gap) sees the whole input map" in text
    data = net.to_dict()
    assert [row["params"] for row in data["layers"]] == [None, 0, 0, None]
    assert [row["macs"] for row in data["layers"]] == [None, 0, 0, None]
    assert data["total_params"] is None and data["total_macs"] is None and data["param_bytes"] is None
    assert data["receptive_field"] is None
    # the field before the global pool is known, and stays so
    assert data["layers"][1]["receptive_field"] == [3, 3]
    # with an input, all of it is known
    sized = walk("input 1x8x8 | conv 8 k=3 | relu | gap | fc 10").to_dict()
    assert sized["total_params"] == 80 + 90 and sized["receptive_field"] == [8, 8]


def test_without_input_shape_a_block_with_parameters_has_unknown_counts():
    net = walk("conv 4 k=3 p=1 | add( conv 4 k=3 p=1 | relu ; ) | maxpool k=2")
    rows = {row["id"]: row for row in net.to_dict()["layers"]}
    assert rows["2"]["type"] == "add" and rows["2"]["params"] is None
    assert rows["3"]["params"] == 0 and rows["3"]["macs"] == 0  # the pool has none
    assert net.receptive_field == (6, 6)  # no global layer: the field is known


def test_totals_wrap_their_comments_under_themselves():
    lines = lines_of(totals(walk(get_preset("seed-001")), width=60))
    at = lines.index("Activation memory        314.8 KiB  one sample, forward")
    assert lines[at + 1 : at + 3] == [" " * 36 + "pass, every layer's", " " * 36 + "output"]
    assert_fits("\n".join(lines), 60)


def test_implicit_flatten_is_marked_and_footnoted():
    text = network_table(walk("input 1x8x8 | conv 2 k=3 | fc 4"), width=60)
    assert "2  fc 4 †           4     292   288      8 / 1    16 B" in lines_of(text)
    assert "† layer 2: fc directly after a 2×6×6 map: flattened implicitly to 72" in " ".join(text.split())
    assert_fits(text, 60)


def test_vgg_16_fits_80_columns_and_keeps_every_row():
    text = network_table(walk(get_preset("vgg-16")), title="vgg-16", width=80)
    assert_fits(text, 80)
    lines = lines_of(text)
    rule = lines.index("─" * len(lines[2]))
    rows = lines[rule + 1 : lines.index("", rule)]
    assert len(rows) == 41  # the input and 40 layers
    assert "34  fc 4096                   4096  102,764,544   103M   404 / 32   16.0 KiB" in rows
    assert "Parameters (trainable)     138,357,544" in text


def test_a_long_layer_wraps_inside_its_column():
    spec = "input 3x32x32 | conv 8 k=3 s=1 p=1 d=1 g=1 bias=false | fc 10"
    text = network_table(walk(spec), width=60)
    assert_fits(text, 60)
    assert "1  conv 8 k=3    8×32×32     216   221k      3 / 1  32.0 KiB" in lines_of(text)
    assert "   bias=false" in lines_of(text)  # wrapped at spaces, never inside a word


def test_colour_only_when_asked():
    net = walk(get_preset("seed-001"))
    assert "\x1b[" not in network_table(net)
    coloured = network_table(net, style=Styler(True))
    assert "\x1b[1;32m45,844\x1b[0m" in coloured
    # styles take no columns: the rows still line up
    assert SEED_TABLE.splitlines()[4] in coloured
    assert "\x1b[1m#\x1b[0m  \x1b[1mlayer\x1b[0m" in coloured


def test_explain_groups_the_working():
    text = explain_layer(walk(get_preset("seed-001")), 3, width=100)
    lines = lines_of(text)
    assert lines[0] == "Layer 3: conv 24 k=6   8×23×23 → 24×18×18"
    assert "  weights = kh·kw · C_in · C_out" in lines
    assert "          = 6·6 · 8 · 24" in lines
    assert "  MACs = C_out · H_out · W_out · C_in · k_h · k_w" in lines
    assert "       = 24 · 18·18 · 8 · 6·6" in lines
    for title in ("Output shape", "Parameters", "MACs", "Receptive field", "Notes"):
        assert title in lines
    assert_fits(text, 100)


@pytest.mark.parametrize(
    ("spec", "preset"),
    [
        ("input 2x96x96 | conv 8 k=5 | maxpool k=4 | bn | relu | flatten | fc 10", None),
        ("input 3x17x17 | conv 8 k=3 s=2 g=1 d=2 | tconv 4 k=3 s=2 d=2 | avgpool k=2 | gap", None),
        ("conv 8 k=3 | maxpool k=2 | conv 16 k=3", None),  # no input: shapes and counts unknown
        (None, "digits-resnet"),
        (None, "digits-inception"),
    ],
    ids=["chain", "tconv-pools", "unsized", "residual", "inception"],
)
def test_every_rows_json_working_is_the_working_its_text_shows(spec, preset):
    """`row_working` (the --json) and `explain_layer` (the text) group the same steps alike: each
    group, rendered, is in the text word for word, and no group of the text is missing."""
    from cnncalc.arith.spec import parse_spec
    from cnncalc.render.row_working import row_working
    from cnncalc.render.text import PLAIN, render_step

    net = walk(parse_spec(spec) if spec is not None else get_preset(preset))
    for lr in net.nodes:
        text = explain_layer(net, lr.id)
        groups = row_working(net, lr)
        for group in groups:
            block = group.title + "\n" + "\n".join(render_step(s, PLAIN, 100) for s in group.steps)
            assert block in text, (lr.id, group.name)
        titles = [
            line
            for line in text.split("\n")
            if line in {"Output shape", "Parameters", "MACs", "Receptive field", "Other"}
        ]
        assert titles == [group.title for group in groups], lr.id


def test_explain_a_layer_without_working_says_why():
    text = explain_layer(walk(get_preset("vgg-16")), 2)
    assert "relu: applied to every value on its own" in text


def test_explain_out_of_range_is_a_usage_error():
    with pytest.raises(UsageError, match="layers 1 to 6"):
        explain_layer(walk(get_preset("seed-001")), 7)


def test_check_report_names_the_truth_and_the_copied_shape():
    text = check_report(walk(NOTE_001 + " -> 8x23x23"), width=100)
    lines = lines_of(text)
    assert "4  maxpool k=4  24×18×18  8×23×23    24×4×4  ✗" in lines
    assert "1 of 1 claim wrong ✗" in lines
    assert "✗ layer 4 (maxpool k=4): claimed 8×23×23, actually 24×4×4 (input 24×18×18)" in text
    assert "8×23×23 is the output of layer 2 (maxpool k=4)" in text
    assert "layer 3 (conv 24 k=6) made 24 channels" in text
    assert "= ⌊(18 + 2·0 − 4)/4⌋ + 1 = ⌊14/4⌋ + 1" in text
    assert_fits(text, 100)


def test_check_report_all_hold():
    text = check_report(walk("input 2x96x96 | conv 8 k=5 -> 8x92x92 | maxpool k=4 -> 8x23x23"))
    assert "1  conv 8 k=5   2×96×96  8×92×92  8×92×92  ✓" in lines_of(text)
    assert "All 2 claims hold ✓" in lines_of(text)


def test_wrong_feature_count_is_not_called_channels():
    net = walk("input 1x4x4 | flatten -> 15")
    lines = explain_claim(net, net.layers[0])
    assert "  features: 16, not 15" in lines
    assert not any("channels" in line for line in lines)


def test_a_channels_last_claim_is_called_the_same_shape_written_hwc():
    net = walk("input 2x96x96 | conv 8 k=5 -> 92x92x8")
    lines = explain_claim(net, net.layers[0])
    assert (
        "  92×92×8 is the same shape written H×W×C (channels last, as Keras writes it); cnncalc writes C"
        in (" ".join(lines))
    )
    assert not any(line.startswith("  channels: 8, not 92") for line in lines)


def test_a_wrong_channel_count_still_names_the_filters():
    net = walk("input 2x96x96 | conv 8 k=5 -> 92x8x92")
    assert "  channels: 8, not 92; this conv has 8 filters" in explain_claim(net, net.layers[0])


def test_net_table_says_a_field_wider_than_the_image_counts_padding():
    text = network_table(walk(get_preset("torch-mnist")), width=100)
    assert "The receptive field 40 is wider than the 28×28 input" in " ".join(text.split())
    assert "every unit of the last layer sees the whole image" in " ".join(text.split())


def test_solution_and_combos():
    lines = lines_of(solution_view(solve_padding(28, 4)))
    assert lines[0] == "padding: padding = 1 before, 2 after, total_padding = 3"
    assert "  p = (⌊P/2⌋, ⌈P/2⌉)" in lines
    text = combos_table(solve_combos(32, 16), 32, 16)
    assert lines_of(text)[0] == "32 → 16: small (k, s, p)"
    assert "3  2  1  ⌊(32 + 2·1 − 3)/2⌋ + 1 = ⌊31/2⌋ + 1 = 16  no, 1 left over" in lines_of(text)
    assert combos_table([], 32, 1, max_kernel=2).startswith("No conv with kernel ≤ 2")


def test_presets_table_wraps_descriptions_to_the_width():
    from cnncalc.arith.presets import list_presets

    presets = list_presets()
    text = presets_table(presets, {p.name: walk(get_preset(p.name)).total_params for p in presets}, width=70)
    assert_fits(text, 70)
    assert "vgg-16            138,357,544  torchvision's VGG-16 on 3×224×224: 13" in lines_of(text)


def test_box_table_explicit_alignment_and_wrapping():
    text = box_table(["n", "text"], [["10", "a b c d e f g h i j k l"]], align="rl", width=21)
    assert lines_of(text)[1] == "│  n │ text         │"
    assert lines_of(text)[3:5] == ["│ 10 │ a b c d e f  │", "│    │ g h i j k l  │"]
    assert_fits(text, 21)


def test_borderless_table_has_a_rule_and_no_trailing_spaces():
    text = box_table(["n", "text", ""], [["1", "ab", ""], ["22", "c", "x"]], align="rlc", borders=False)
    assert lines_of(text) == [" n  text", "─" * 11, " 1  ab", "22  c     x"]


def test_borderless_table_with_one_space_between_columns_wraps_only_what_it_must():
    # two spaces between five columns need 17 columns even with "aaaaa bb" wrapped; one space
    # leaves room for it whole
    headers, rows = ["#", "text", "a", "b", "c"], [["1", "aaaaa bb", "x", "y", "z"]]
    text = box_table(headers, rows, align="rlrrr", width=16, borders=False)
    assert lines_of(text) == ["# text     a b c", "─" * 16, "1 aaaaa bb x y z"]
    assert table_width(headers, rows, "rlrrr", 16, borders=False) == 16
    assert table_width(headers, rows, "rlrrr", 0, borders=False) == 13  # "bb" on a line of its own


def test_grid_right_aligns_and_strips_trailing_spaces():
    assert grid([["a", "1", ""], ["bb", "22", "x"]], "lrl") == "a    1\nbb  22  x"


@pytest.mark.parametrize(
    ("n", "text"), [(400, "400 B"), (1536, "1.5 KiB"), (5 * 1024**2, "5.0 MiB")], ids=["bytes", "kib", "mib"]
)
def test_fmt_bytes(n, text):
    assert fmt_bytes(n) == text


def test_fmt_count():
    assert [fmt_count(n) for n in (999, 38_400, 5_663_488, 15_470_264_320)] == [
        "999",
        "38.4k",
        "5.66M",
        "15.5G",
    ]


def test_layer_notes_say_a_square_layer_once_and_each_different_axis():
    # 10 × 10, k3 s2: (10 − 3) mod 2 = 1 row left on both axes, said for H only;
    # 10 × 12, k2 s3: 8 mod 3 = 2 rows and 10 mod 3 = 1 column left, different numbers, both said
    square = walk("input 1x10x10 | conv 1 k=3 s=2").layers[0]
    assert [n.split(":")[0] for n in layer_notes(square)] == ["H", "H"]
    uneven = walk("input 1x10x12 | conv 1 k=2 s=3").layers[0]
    axes = [n.split(":")[0] for n in layer_notes(uneven)]
    assert "H" in axes and "W" in axes


def test_a_wrong_claim_is_marked_in_the_table_and_noted():
    text = network_table(walk("input 3x8x8 | conv 8 k=3 -> 9x9x9 | relu -> 8x6x6"), width=80)
    assert "1  conv 8 k=3 ✗   8×6×6" in text  # marked by its name: the shapes stay aligned
    assert "2  relu           8×6×6" in text  # a claim that holds is not marked
    assert "✗ row 1 (conv 8 k=3): the spec claims 9×9×9, but it gives 8×6×6" in " ".join(text.split())
    assert "✗" not in network_table(walk("input 3x8x8 | conv 8 k=3 -> 8x6x6"), width=80)


def test_a_merge_row_reads_the_value_its_branches_start_from():
    net = walk("input 3x32x32 | concat( conv 4 k=1 ; conv 6 k=3 p=1 ) | add( conv 10 k=1 ; ) | relu")
    assert net.result("1").input_shape == (3, 32, 32)  # not branch 1's 4×32×32
    assert net.result("2").input_shape == (10, 32, 32)  # an identity branch: the merge's input
    nested = walk("input 3x8x8 | concat( add( conv 3 k=1 ; ) | relu ; conv 2 k=1 )")
    assert nested.result("1").input_shape == (3, 8, 8) and nested.result("1.1").input_shape == (3, 8, 8)


@pytest.mark.parametrize("preset", ["resnet-50", "mobilenet-v2", "densenet-121"])
def test_deep_tables_keep_one_space_between_columns_to_fit_80(preset):
    net = walk(get_preset(preset))
    text = network_table(net, width=80)
    assert_fits(text, 80)
    rule = next(line for line in lines_of(text) if line.startswith("───"))
    # with room to spare the same table keeps two spaces between its 7 columns: 6 more
    wide = next(line for line in lines_of(network_table(net, width=120)) if line.startswith("───"))
    assert len(wide) >= len(rule) + 6


@pytest.mark.parametrize("row", ["1", "2", "4", "5", "7"])
def test_explaining_a_row_without_input_shape_says_what_is_unknown(row):
    net = walk("conv 8 k=3 | bn | relu | gap | flatten | fc 20 | fc 10")
    text = " ".join(explain_layer(net, row).split())
    assert "this row's output shape, parameters and MACs are not known" in text
    assert "no parameters" not in text and "unchanged" not in text


def test_explaining_a_relu_or_a_merge_without_input_shape():
    net = walk("conv 8 k=3 | relu | add( conv 8 k=3 p=1 ; ) | gap")
    relu = " ".join(explain_layer(net, "2").split())
    assert "the shape is unchanged and there are no parameters" in relu and "not known" not in relu
    merge = " ".join(explain_layer(net, "3").split())
    assert "parameters and MACs are not known" in merge and "= 0" not in merge


# -- the table in the terminal's width --------------------------------------------------------------
# Every preset at every depth, in both languages, at 60 and 80 columns (a terminal's usual widths;
# the CLI never draws narrower than 60) and 120: every line fits, in display cells; every row keeps
# its id, its whole layer text and its numbers, each right-aligned under its header; a column left
# out is named under the table with the least width that shows it.

TABLE_WIDTHS = (60, 80, 120)
MEMORY_LEFT_OUT = "The memory column is left out at this width: {wider} shows it, as does {json}."
BOTH_LEFT_OUT = (
    "The RF / jump and memory columns are left out at this width: {wider} shows them, as does {json}."
)
WIDER = "a terminal at least {n} columns wide"


@contextlib.contextmanager
def speaking(language: str):
    set_language(language)
    try:
        yield
    finally:
        set_language("en")


@functools.cache
def walked(name: str, language: str = "en") -> NetworkResult:
    """A preset's walk in a language (a walk says its notes in the language it ran in)."""
    with speaking(language):
        return walk(get_preset(name))


PRESET_DEPTHS = [(name, depth) for name in preset_names() for depth in range(1, max_depth(walked(name)) + 1)]


def at_columns(line: str) -> str:
    """`line` with each character at its display column: a wide one is followed by a filler."""
    return "".join(ch + "\0" * (char_width(ch) - 1) for ch in line)


def header_spans(header: str) -> dict[str, tuple[int, int]]:
    """The English name of each column in the table's header line, and its (first, past-last)
    display columns."""
    cols = at_columns(header)
    spans = {}
    for name in (*NET_HEADERS, *TIGHT_HEADERS.values()):
        said = at_columns(translated(name))
        at = cols.find(said)
        # a word on its own: "layer" is not the one inside a longer header
        while at >= 0 and not (
            (at == 0 or cols[at - 1] == " ") and (at + len(said) == len(cols) or cols[at + len(said)] == " ")
        ):
            at = cols.find(said, at + 1)
        if at >= 0:
            spans[name] = (at, at + len(said))
    return spans


def row_numbers(net: NetworkResult, lr: LayerResult | None, tight: bool) -> dict[str, str]:
    """A row's numbers by the English name of their column, as the table writes them (the input's
    row when `lr` is None); `tight`: RF and memory without spaces."""
    if lr is None:
        cells = {
            "output": fmt_shape(net.input_shape),
            "RF / jump": "1 / 1",
            "memory": fmt_bytes(net.input_bytes),
        }
    else:
        cells = {
            "output": fmt_shape(lr.output_shape),
            "params": group_digits(lr.total_params) if lr.total_params else "—",
            "MACs": fmt_count(lr.macs) if lr.macs else "—",
            "RF / jump": f"{fmt_axes(lr.rf)} / {fmt_axes(lr.jump)}" if lr.rf else "—",
            "memory": fmt_bytes(lr.activation_bytes),
        }
    if tight:
        cells["RF/jump"] = cells.pop("RF / jump").replace(" ", "")
        cells["memory"] = cells["memory"].replace(" ", "")
    return cells


def assert_fits_and_keeps_every_row(
    net: NetworkResult, text: str, width: int, depth: int
) -> tuple[set[str], set[int]]:
    """Every line fits `width` cells; every row shown has its id, its whole layer text indented by
    its depth, and its numbers right-aligned under their headers. Returns the columns shown and
    the indent a level (empty without nested rows)."""
    lines = lines_of(text)
    for line in lines:
        assert display_width(line) <= width, f"{display_width(line)} cells > {width}: {line!r}"
        assert line == line.rstrip(), repr(line)
    rule = next(i for i, line in enumerate(lines) if line.startswith("───"))
    body = lines[rule + 1 : lines.index("", rule)]
    spans = header_spans(lines[rule - 1])
    assert {"#", "layer", "output", "params", "MACs"} <= set(spans), lines[rule - 1]
    tight = "RF/jump" in spans
    rows = [lr for lr in net.rows if lr.depth <= depth]
    id_width = max(len(lr.id) for lr in rows)
    # a row starts on the line with its id; the input's row is the first
    starts = [0] + [i for i, line in enumerate(body) if line[:id_width].strip()]
    assert len(starts) == len(rows) + 1, "\n".join(body[:20])
    layer_at = spans["layer"][0]
    per_level = set()
    branches = branch_starts(net)
    for first, end, lr in zip(starts, [*starts[1:], len(body)], [None, *rows], strict=True):
        line = at_columns(body[first])
        numbers = row_numbers(net, lr, tight)
        for name, value in numbers.items():
            if name in spans:
                right = spans[name][1]
                left = right - display_width(value)
                assert line[left:right] == value and line[left - 1] == " ", (
                    f"{name} {value!r}: {body[first]!r}"
                )
        if lr is None:
            continue
        assert line[:id_width].strip() == lr.id, body[first]
        # the layer's whole text, on as many lines as it takes, each indented by the row's depth
        layer = line[layer_at : spans["output"][1] - len(numbers["output"])].rstrip()
        indent = len(layer) - len(layer.lstrip())
        more = [at_columns(body[i]) for i in range(first + 1, end)]
        assert all(not m[:layer_at].strip() and m[layer_at:].startswith(" " * indent) for m in more), body[
            first
        ]
        if lr.depth > 1:
            per_level.add(indent // (lr.depth - 1))
            assert indent % (lr.depth - 1) == 0, body[first]
        else:
            assert indent == 0, body[first]
        said = "".join([layer, *(m[layer_at:] for m in more)]).replace("\0", "")
        written = ("; " if lr.id in branches else "") + lr.describe()
        # wrapped at spaces, or between Chinese characters: every character there, in order
        assert "".join(said.split()) == "".join(written.split()), body[first]
    assert per_level <= {1, 2} and len(per_level) <= 1, per_level  # one indent a level, all through
    totals_line = next(line for line in lines if line.startswith(translated("Parameters (trainable)")))
    assert group_digits(net.total_params) in totals_line.split()
    return set(spans), per_level


def left_out_width(text: str, note: str) -> int | None:
    """The width a note under the table gives for the columns left out (its words wrapped any
    way), or None when the table has no such note."""
    said = translated(note).format(wider=translated(WIDER), json="--json")
    pattern = re.escape("".join(said.split())).replace(re.escape("{n}"), r"(\d+)")
    found = re.search(pattern, "".join(text.split()))
    return int(found[1]) if found else None


def assert_left_out_columns_are_named(net: NetworkResult, text: str, depth: int, shown: set[str]) -> None:
    """A column left out is named under the table, with the least width that shows every column."""
    memory_only, both = left_out_width(text, MEMORY_LEFT_OUT), left_out_width(text, BOTH_LEFT_OUT)
    if "memory" in shown:
        assert memory_only is None and both is None
        return
    has_rf = bool({"RF / jump", "RF/jump"} & shown)
    n = memory_only if has_rf else both
    assert n is not None and (memory_only if not has_rf else both) is None, text
    wide_enough = network_table(net, width=n, depth=depth)
    every = assert_fits_and_keeps_every_row(net, wide_enough, n, depth)[0]
    assert "memory" in every and {"RF / jump", "RF/jump"} & every
    assert "memory" not in columns_shown(network_table(net, width=n - 1, depth=depth))


def columns_shown(text: str) -> set[str]:
    lines = lines_of(text)
    rule = next(i for i, line in enumerate(lines) if line.startswith("───"))
    return set(header_spans(lines[rule - 1]))


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("width", TABLE_WIDTHS)
@pytest.mark.parametrize(("name", "depth"), PRESET_DEPTHS, ids=[f"{n}-depth{d}" for n, d in PRESET_DEPTHS])
def test_every_preset_fits_the_width_with_every_row_and_number(name, depth, width, language):
    net = walked(name, language)
    with speaking(language):
        text = network_table(net, title=name, width=width, depth=depth)
        shown, per_level = assert_fits_and_keeps_every_row(net, text, width, depth)
        assert_left_out_columns_are_named(net, text, depth, shown)
    if width >= 100:  # as it always was: every column, spaces and all, two columns a level
        assert {"RF / jump", "memory"} <= shown and per_level <= {2}


@settings(max_examples=40, deadline=None)
@given(
    preset=st.sampled_from(PRESET_DEPTHS),
    width=st.integers(60, 200),
    language=st.sampled_from(["en", "zh"]),
)
def test_any_width_from_60_fits_and_names_what_it_leaves_out(preset, width, language):
    # 60 is the narrowest the CLI draws (a narrower terminal gets 60 columns); beyond 120 only the
    # Python API draws (`result.text(width=...)`)
    name, depth = preset
    net = walked(name, language)
    with speaking(language):
        text = network_table(net, title=name, width=width, depth=depth)
        shown, _ = assert_fits_and_keeps_every_row(net, text, width, depth)
        assert_left_out_columns_are_named(net, text, depth, shown)


def test_a_narrow_table_writes_tightly_then_leaves_memory_out_and_says_so():
    # VGG-16 in 60 columns: RF / jump without spaces, memory left out (the shape × 4 bytes)
    text = network_table(walked("vgg-16"), width=60)
    lines = lines_of(text)
    assert lines[:4] == [
        " # layer                  output      params  MACs RF/jump",
        "─" * 58,
        "   input               3×224×224                       1/1",
        " 1 conv 64 k=3 p=1    64×224×224       1,792 86.7M     3/1",
    ]
    assert "34 fc 4096                  4096 102,764,544  103M  404/32" in lines
    assert (
        "\n\nThe memory column is left out at this width: a terminal at\n"
        "least 65 columns wide shows it, as does --json.\n\n"
    ) in text
    assert "RF / jump" in network_table(walked("vgg-16"), width=80)  # 80 columns: as it was


def test_a_deep_table_indents_one_column_a_level_when_two_do_not_fit():
    net = walked("resnet-50")
    lines = lines_of(network_table(net, width=60, depth=3))
    assert lines[12:16] == [
        "5.1.1   add(8 layers ; 2  256×56×56     75,008  231M    19/4",
        "        layers)",
        "5.1.2   relu              256×56×56          —     —    19/4",
        "5.2    bottleneck 64 ×2   256×56×56    140,800  437M    35/4",
    ]
    wide = lines_of(network_table(net, width=120, depth=3))
    assert (
        "5.1.1      add(8 layers ; 2 layers)     256×56×56      75,008   231M     19 / 4    3.1 MiB" in wide
    )


def test_a_chinese_cell_narrows_to_its_widest_character_not_its_widest_run():
    from cnncalc.render.text import box_table
    from cnncalc.render.width import display_width

    text = "一个用于手写数字的小型残差网络，两个残差块"  # no space: one run of 21 characters
    table = box_table(["名称", "说明"], [["digits", text]], borders=False, width=30)
    assert max(map(display_width, table.split("\n"))) <= 30
    assert "".join(line[8:].strip() for line in table.split("\n")[2:]) == text
