"""`cnncalc draw net` on networks that branch: the boxes are the walked graph (JSON, text, SVG).

Every check compares with `cnncalc.arith.network.walk`, the result `cnncalc net` prints, through
`net_graph_checks.wiring_errors`; a diagram with one wire changed must fail it.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

import cnncalc
from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.network import walk
from cnncalc.arith.network_view import network_view
from cnncalc.arith.presets import PRESETS, get_preset
from cnncalc.render.net_diagram import net_diagram, net_svg
from cnncalc.render.width import display_width
from tests.draw.net_graph_checks import wiring_errors
from tests.draw.svg_checks import SVG, parse_svg

BRANCHING = [name for name in PRESETS if not get_preset(name).graph.is_chain]

SMALL = {
    "identity": "input 8x8x8 | add( conv 8 k=3 p=1 | bn | relu | conv 8 k=3 p=1 | bn ) | relu",
    "projection": "input 8x8x8 | add( conv 16 k=3 s=2 p=1 | relu ; conv 16 k=1 s=2 ) | relu | gap",
    "concat-3": "input 4x8x8 | conv 8 k=1 | concat( conv 2 k=1 ; conv 3 k=3 p=1 | relu ; maxpool k=3 s=1 p=1 )",
    "identity-first": "input 4x8x8 | concat( ; bn | relu | conv 2 k=3 p=1 ) | concat( ; bn | conv 2 k=1 )",
    "fork-read-twice": "input 4x8x8 | conv 4 k=3 p=1 | add( relu ; conv 4 k=1 )",
    "nested-merges": (
        "input 4x8x8 | add( conv 4 k=3 p=1 | add( conv 4 k=1 | relu ) | relu ; conv 4 k=1 ) | relu "
        "| concat( add( conv 4 k=1 ) ; maxpool k=3 s=1 p=1 | concat( conv 1 k=1 ; ) ) | conv 2 k=1"
    ),
    "blocks": (
        "input 4x16x16\nblock unit(c)\n  add( conv c k=3 p=1 | bn | relu ; )\n  relu\nend\n"
        "block stage(c, n)\n  conv c k=3 s=2 p=1\n  unit c x(n)\nend\nstage 8 2\nstage 16 3\ngap\nflatten\nfc 10"
    ),
}


def _checked(data: dict, net) -> None:
    errors = wiring_errors(data, net)
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("name", BRANCHING)
def test_every_branching_preset_is_drawn_as_its_graph(name):
    net = walk(get_preset(name))
    data = cnncalc.draw_net(preset=name).to_dict()
    _checked(data, net)
    merges = [n for n in net.graph.nodes if n.is_merge]
    assert len([b for b in data["boxes"] if b["type"] in ("add", "concat")]) == len(merges)
    assert data["depth"] is None and not any(b["collapsed"] for b in data["boxes"])


@pytest.mark.parametrize(
    "name", ["digits-inception", "resnet-18", "googlenet", "densenet-121", "inception-v3"]
)
def test_collapsed_blocks_still_read_what_the_graph_says(name):
    net = walk(get_preset(name))
    nesting = max(n.depth for n in net.graph.nodes)
    for depth in range(1, nesting):
        data = cnncalc.draw_net(preset=name, depth=depth).to_dict()
        _checked(data, net)
        folded = [b for b in data["boxes"] if b["collapsed"]]
        assert folded and data["depth"] == depth and data["nesting"] == nesting
        for b in folded:
            row = net.by_id[b["ids"][0]]
            assert row.depth == depth and b["label"].startswith(row.describe())
    assert cnncalc.draw_net(preset=name, depth=nesting).to_dict()["depth"] is None  # nothing that deep


@pytest.mark.parametrize("spec", SMALL.values(), ids=SMALL.keys())
def test_small_branching_specs(spec):
    net = walk(spec)
    _checked(cnncalc.draw_net(spec).to_dict(), net)
    for depth in range(1, max(n.depth for n in net.graph.nodes) + 1):
        _checked(cnncalc.draw_net(spec, depth=depth).to_dict(), net)


def test_digits_resnet_by_hand():
    boxes = cnncalc.draw_net(preset="digits-resnet").to_dict()["boxes"]
    rows = [(b["label"], b["inputs"], b["shape"], b["params"], b["column"], b["lane"]) for b in boxes]
    assert rows[3:9] == [
        ("conv 32 k=3 p=1 bias=false + bn", [2], [32, 8, 8], 9280, 3, 0),
        ("add(5 layers ; identity) + relu", [3, 1], [32, 8, 8], 0, 4, 0),
        ("conv 64 k=3 s=2 p=1 bias=false + bn + relu", [4], [64, 4, 4], 18560, 5, 0),
        ("conv 64 k=3 p=1 bias=false + bn", [5], [64, 4, 4], 36992, 6, 0),
        # the 1×1 projection reads the first block's output (64×2×2 would come from box 6)
        ("conv 64 k=1 s=2 bias=false + bn", [4], [64, 4, 4], 2176, 5, 1),
        ("add(5 layers ; 2 layers) + relu", [6, 7], [64, 4, 4], 0, 7, 0),
    ]
    assert boxes[4]["ids"] == ["4", "5"] and boxes[8]["ids"] == ["6", "7"]


def test_a_layer_after_a_fork_never_joins_the_box_it_forks_from():
    boxes = cnncalc.draw_net(SMALL["fork-read-twice"]).to_dict()["boxes"]
    assert [(b["label"], b["inputs"]) for b in boxes] == [
        ("input", []),
        ("conv 4 k=3 p=1", [0]),
        ("relu", [1]),
        ("conv 4 k=1", [1]),
        ("add(1 layer ; 1 layer)", [2, 3]),
    ]


def test_groups_are_net_s_rows():
    data = cnncalc.draw_net(preset="resnet-18").to_dict()
    net = walk(get_preset("resnet-18"))
    assert [g["id"] for g in data["groups"]] == [r.id for r in net.rows if r.is_container]
    stage = next(g for g in data["groups"] if g["id"] == "6")
    assert (stage["type"], stage["label"], stage["params"]) == ("block", "stage 128 2", 525_568)
    down = next(g for g in data["groups"] if g["id"] == "6.1.1")
    assert [len(b) for b in down["branches"]] == [2, 1]


# -- a changed wire is caught -------------------------------------------------------------------


def _resnet() -> tuple[dict, object]:
    return cnncalc.draw_net(preset="digits-resnet").to_dict(), walk(get_preset("digits-resnet"))


def test_the_old_chain_wiring_is_caught():
    data, net = _resnet()
    chained = copy.deepcopy(data)
    for b in chained["boxes"][1:]:
        b["inputs"] = [b["index"] - 1]
    assert any("reads [6], the graph [4]" in e for e in wiring_errors(chained, net))


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["boxes"][7].update(inputs=[6]),  # the shortcut reads the main branch
        lambda d: d["boxes"][8].update(inputs=[7, 6]),  # the merge's inputs swapped
        lambda d: d["boxes"][4].update(inputs=[3]),  # the identity dropped
        lambda d: d["boxes"][7].update(shape=[64, 2, 2]),
        lambda d: d["boxes"][7].update(params=2048),
        lambda d: d["boxes"][7].update(ids=["6.6"]),  # its bn in no box
        lambda d: d["boxes"][7].update(lane=0),  # on top of box 5
        lambda d: d["boxes"][8].update(column=5),
    ],
    ids=["shortcut", "swapped", "no-identity", "shape", "params", "lost-node", "cell", "column"],
)
def test_a_changed_wire_is_caught(mutate):
    data, net = _resnet()
    assert not wiring_errors(data, net)
    changed = copy.deepcopy(data)
    mutate(changed)
    assert wiring_errors(changed, net)


def test_a_relu_joined_to_a_branch_is_caught():
    # the old picture put the ReLU after the add into the shortcut's box
    data, net = _resnet()
    changed = copy.deepcopy(data)
    changed["boxes"][7]["ids"] += ["7"]
    changed["boxes"][7]["label"] += " + relu"
    changed["boxes"][8]["ids"] = ["6"]
    changed["boxes"][8]["label"] = "add(5 layers ; 2 layers)"
    assert any("7 joined it but reads ('6',)" in e for e in wiring_errors(changed, net))


def test_a_wiring_the_layout_cannot_draw_is_refused():
    view = network_view("input 4x8x8 | add( conv 4 k=1 ; conv 4 k=1 )")
    # the second branch made to read the first: the graph no longer fits branches side by side
    nodes = list(view.nodes)
    nodes[2] = nodes[2].__class__(**{**nodes[2].__dict__, "inputs": (1,)})
    with pytest.raises(CnnCalcError, match="cannot draw this network: the arrow from box 1 to box 2"):
        net_diagram(view.__class__(**{**view.__dict__, "nodes": tuple(nodes)}))


# -- the picture --------------------------------------------------------------------------------


def _bounds(group) -> tuple[float, float, float, float]:
    xs, ys = [], []
    for shape in group:
        if shape.tag == SVG + "rect":
            x, y = float(shape.get("x")), float(shape.get("y"))
            xs += [x, x + float(shape.get("width"))]
            ys += [y, y + float(shape.get("height"))]
        elif shape.tag == SVG + "polygon":
            for point in shape.get("points").split():
                px, py = map(float, point.split(","))
                xs.append(px)
                ys.append(py)
    return min(xs), min(ys), max(xs), max(ys)


def _points(edge) -> list[tuple[float, float]]:
    if edge.tag == SVG + "line":
        return [
            (float(edge.get("x1")), float(edge.get("y1"))),
            (float(edge.get("x2")), float(edge.get("y2"))),
        ]
    return [tuple(map(float, p.split(","))) for p in edge.get("points").split()]


@pytest.mark.parametrize("name", ["digits-resnet", "digits-inception", "resnet-18", "squeezenet-1.1"])
def test_the_svg_draws_each_input_as_an_arrow_that_crosses_no_box(name):
    diagram = cnncalc.draw_net(preset=name).result
    root = parse_svg(net_svg(diagram))
    boxes = {int(g.get("data-box")): g for g in root.iter(SVG + "g") if g.get("class") == "box"}
    assert sorted(boxes) == list(range(len(diagram.boxes)))
    bounds = {i: _bounds(g) for i, g in boxes.items()}
    rects = {i: g.find(SVG + "rect") for i, g in boxes.items()}
    edges = [e for e in root.iter() if e.get("data-from") is not None]
    drawn = sorted((int(e.get("data-from")), int(e.get("data-to"))) for e in edges)
    assert drawn == sorted((s, b.index) for b in diagram.boxes for s in b.inputs)
    for edge in edges:
        source, target = int(edge.get("data-from")), int(edge.get("data-to"))
        points = _points(edge)
        rect = rects[target]
        assert points[0] == pytest.approx((bounds[source][2] + 4, _mid(rects[source])), abs=0.01)
        assert points[-1] == pytest.approx((float(rect.get("x")) - 4, _mid(rect)), abs=0.01)
        for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
            assert x1 == x2 or y1 == y2 or len(points) == 2, "an arrow turns at right angles"
            for other, (left, top, right, bottom) in bounds.items():
                if other in (source, target):
                    continue
                crosses = (
                    max(x1, x2) > left and min(x1, x2) < right and max(y1, y2) > top and min(y1, y2) < bottom
                )
                assert not crosses, f"the arrow {source} → {target} runs through box {other}"


def _mid(rect) -> float:
    return float(rect.get("y")) + float(rect.get("height")) / 2


def test_collapsed_boxes_are_dashed_and_the_legend_says_so():
    svg = cnncalc.draw_net(preset="resnet-18", depth=2).svg()
    root = parse_svg(svg)
    dashed = [
        g
        for g in root.iter(SVG + "g")
        if g.get("class") == "box" and g.find(SVG + "rect").get("stroke-dasharray")
    ]
    assert [g.get("data-id") for g in dashed] == ["5.1", "5.2", "6.1", "6.2", "7.1", "7.2", "8.1", "8.2"]
    assert "Blocks and merges nested 2 deep are drawn as one box each." in svg
    assert "Branches run in lanes" not in svg  # every merge is inside a collapsed block


def test_cli_writes_svg_and_html_and_json(cli, cli_json, tmp_path):
    out = tmp_path / "resnet.svg"
    result = cli("draw", "net", "--preset", "digits-resnet", "--out", out)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"wrote {out}: 12 boxes")
    root = parse_svg(out.read_text(encoding="utf-8"))
    assert len([g for g in root.iter(SVG + "g") if g.get("data-type") == "add"]) == 2
    page = tmp_path / "resnet.html"
    assert cli("draw", "net", "--preset", "digits-resnet", "--out", page).exit_code == 0
    assert "add(5 layers ; 2 layers) + relu" in page.read_text(encoding="utf-8")
    data = cli_json("draw", "net", "--preset", "digits-inception", "--depth", "1")
    assert [b["label"] for b in data["boxes"]][1:4] == [
        "cbr 32 k=3",
        "concat(3 layers ; 6 layers ; 6 layers ; 4 layers)",
        "maxpool k=2",
    ]
    result = cli("draw", "net", "--preset", "digits-resnet", "--depth", "0")
    assert result.exit_code == 2 and "--depth" in result.stderr


# -- the text -----------------------------------------------------------------------------------


def _text(runner, *args: str, lang: str = "en") -> str:
    from cnncalc.cli.app import app

    result = runner.invoke(
        app, ["draw", "net", *args], env={"NO_COLOR": "1", "COLUMNS": "80", "CNNCALC_LANG": lang}
    )
    assert result.exit_code == 0, result.output
    return result.stdout


DIGITS_RESNET_TEXT = """\
12 boxes in 2 lanes. Each box reads the boxes under “reads”, in order: an add
sums them, a concat joins their channels in that order; “;” starts a branch
after the first. A layer that keeps the shape joins the box it reads when
nothing else reads that box.

  box  layers                                      reads  output  params
  ──────────────────────────────────────────────────────────────────────
    0  input                                               1×8×8
    1  conv 32 k=3 p=1 bias=false + bn + relu          0  32×8×8     352
    2  conv 32 k=3 p=1 bias=false + bn + relu          1  32×8×8   9,280
    3  conv 32 k=3 p=1 bias=false + bn                 2  32×8×8   9,280
    4  add(5 layers ; identity) + relu              3, 1  32×8×8
    5  conv 64 k=3 s=2 p=1 bias=false + bn + relu      4  64×4×4  18,560
    6  conv 64 k=3 p=1 bias=false + bn                 5  64×4×4  36,992
    7  ; conv 64 k=1 s=2 bias=false + bn               4  64×4×4   2,176
    8  add(5 layers ; 2 layers) + relu              6, 7  64×4×4
    9  gap                                             8  64×1×1
   10  flatten                                         9      64
   11  fc 10                                          10      10     650

Write the diagram with --out FILE.svg or FILE.html; --json lists the boxes and
what each reads.
Draw every block or merge nested N deep as one box: --depth N (this network
nests 2 deep).
"""


def test_digits_resnet_as_text(runner):
    assert _text(runner, "--preset", "digits-resnet") == DIGITS_RESNET_TEXT


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(
    "args",
    [["--preset", name] for name in BRANCHING] + [["--preset", "googlenet", "--depth", "2"]],
    ids=[*BRANCHING, "googlenet-depth-2"],
)
def test_the_text_fits_80_columns_and_lists_what_json_says(runner, cli_json, args, lang):
    text = _text(runner, *args, lang=lang)
    lines = text.splitlines()
    assert max(display_width(line) for line in lines) <= 80, text
    data = cli_json("draw", "net", *args)
    header = next(i for i, line in enumerate(lines) if line.startswith("  ") and "─" in lines[i + 1])
    layers_at = _column_start(lines[header], 1)
    reads_end = _column_end(lines[header], 2)  # the reads are right-aligned, as numbers are
    rows = {}
    for line in lines[header + 2 :]:
        if not line.strip():
            break
        number = line[: len(line) - len(display_cut(line, layers_at))].strip()
        if number:
            head = line[: len(line) - len(display_cut(line, reads_end))]
            rows[int(number)] = re.search(r"(\d+(?:, \d+)*)?$", head.rstrip()).group(1) or ""
    assert rows == {b["index"]: ", ".join(map(str, b["inputs"])) for b in data["boxes"]}


def _column_start(header: str, column: int) -> int:
    """Where a column's header starts (box, layers, reads, …: one word each)."""
    return display_width(header[: list(re.finditer(r"\S+", header))[column].start()])


def _column_end(header: str, column: int) -> int:
    return display_width(header[: list(re.finditer(r"\S+", header))[column].end()])


def display_cut(line: str, columns: int) -> str:
    """`line` from display column `columns` on."""
    width = 0
    for i, ch in enumerate(line):
        if width >= columns:
            return line[i:]
        width += display_width(ch)
    return ""


def test_a_chain_is_drawn_as_before(cli_json):
    data = cli_json("draw", "net", "--preset", "lenet-5")
    assert data["groups"] == [] and data["nesting"] == 1
    assert [b["inputs"] for b in data["boxes"]] == [[]] + [[i] for i in range(len(data["boxes"]) - 1)]
    assert all(b["lane"] == 0 and b["column"] == b["index"] for b in data["boxes"])


ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "fixtures" / "models" / "real"


@pytest.mark.filterwarnings("ignore:invalid escape sequence")
@pytest.mark.parametrize(
    "file", ["d2l_en__resnet.py", "keras__cifar10_resnet.py", "pytorch_cifar__googlenet.py"]
)
def test_a_model_file_with_branches_is_drawn_as_its_graph(cli, file):
    fixture = json.loads(
        (ROOT / "tests" / "oracle" / "fixtures" / "real_models.json").read_text(encoding="utf-8")
    )
    model = next(m for m in fixture["models"] if m["file"] == file)
    shape = "x".join(map(str, model["input"]))
    args = ["--from", REAL / file, "--input", shape]
    class_name = None
    if cli("net", *args, "--json").exit_code == 2:  # several models in the file: the one the fixture built
        class_name = model["build"]
        args += ["--class", class_name]
    drawn = cli("draw", "net", *args, "--json")
    assert drawn.exit_code == 0, drawn.output
    data = json.loads(drawn.stdout)
    report = cnncalc.net(source=REAL / file, input=shape, class_name=class_name)
    _checked(data, report.result)
    assert any(b["type"] in ("add", "concat") for b in data["boxes"])
