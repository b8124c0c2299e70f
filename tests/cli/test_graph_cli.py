"""Graphs through the CLI: `net`, `check` and `rf` on branches and blocks, and every bad graph a clear
error with the right exit code."""

from __future__ import annotations

import time

import pytest

STAGE = (
    "block basic(c) | add( conv c k=3 p=1 bias=false | bn | relu | conv c k=3 p=1 bias=false | bn ) | relu | end"
    " | input 64x56x56 | basic 64 x2 | gap | flatten | fc 10"
)
NOTE_004 = "input 3x64x64 | add( conv 64 k=3 | relu | conv 64 k=3 | relu ) | flatten"


def test_net_table_nests_blocks_and_merges(cli) -> None:
    result = cli("net", STAGE)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # 4 convs 3×3 64→64 without bias (36,864) and 4 bn (128); 4·36,864·56·56 MACs; 4 convs 3×3: RF 9;
    # 64·56·56 floats: 784 KiB
    assert "1        basic 64 ×2                       64×56×56  147,968  462M      9 / 1  784.0 KiB" in lines
    assert "1.1        basic 64                        64×56×56   73,984  231M      5 / 1  784.0 KiB" in lines
    assert any(line.startswith("1.1.1        add(5 layers ; identity)") for line in lines)
    assert any(line.startswith("1.1.1.4        conv 64 k=3 p=1 bias=false") for line in lines)
    assert any(line.startswith("1.1.2        relu") for line in lines)
    assert "Parameters (trainable)      148,618" in lines  # 147,968 + 64·10 + 10
    assert "every layer's and merge's output" in result.stdout


def test_net_depth_folds_nested_rows(cli) -> None:
    full, folded = cli("net", STAGE), cli("net", STAGE, "--depth", "1")
    assert folded.exit_code == 0, folded.output
    ids = [line.split()[0] for line in folded.stdout.splitlines()[3:7]]
    assert ids == ["1", "2", "3", "4"]
    assert "1.1" not in [line.split()[0] for line in folded.stdout.splitlines() if line.strip()]
    # the totals do not depend on what is shown
    totals = [
        line for line in full.stdout.splitlines() if line.startswith(("Parameters", "MACs", "Activation"))
    ]
    assert totals == [
        line for line in folded.stdout.splitlines() if line.startswith(("Parameters", "MACs", "Activation"))
    ]
    assert "Fold the rows" not in folded.stdout


def test_net_json_rows_have_ids_paths_and_inputs(cli_json) -> None:
    data = cli_json("net", STAGE)
    rows = {row["id"]: row for row in data["layers"]}
    assert [row["id"] for row in data["layers"]][:3] == ["1", "1.1", "1.1.1"]
    assert rows["1.2.1"]["inputs"] == ["1.2.1.5", "1.1.2"]
    assert rows["1.2.1"]["type"] == "add" and rows["1"]["type"] == "block"
    assert rows["1.1.1.1"]["path"] == ["1", "1.1", "1.1.1"] and rows["1.1.1.1"]["depth"] == 4
    assert rows["2"]["inputs"] == ["1.2.2"]
    assert data["total_params"] == 148_618 and data["output_shape"] == [10]


def test_explain_a_block_a_merge_and_a_layer_inside(cli) -> None:
    block = cli("net", STAGE, "--explain", "1")
    assert block.exit_code == 0, block.output
    assert "Block 1: basic 64 ×2   64×56×56 → 64×56×56" in block.stdout
    assert "  1.1  basic 64  → 64×56×56" in block.stdout and "= 147,968" in block.stdout
    merge = cli("net", STAGE, "--explain", "1.2.1")
    assert "Add 1.2.1: add(5 layers ; identity)" in merge.stdout
    assert "branch 2 (the identity: the merge's input) → 64×56×56" in merge.stdout
    assert "Inside basic 64 (row 1.2), inside basic 64 ×2 (row 1)" in merge.stdout
    layer = cli("net", STAGE, "--explain", "1.2.1.4")
    assert "Layer 1.2.1.4: conv 64 k=3 p=1 bias=false   64×56×56 → 64×56×56" in layer.stdout
    assert "weights = kh·kw · C_in · C_out" in layer.stdout


def test_explain_an_unknown_row_is_a_usage_error(cli) -> None:
    result = cli("net", STAGE, "--explain", "9.9")
    assert result.exit_code == 2
    assert "no row 9.9" in result.stderr and "e.g. 1.1" in result.stderr
    chain = cli("net", "input 1x8x8 | conv 2 k=3", "--explain", "7")
    assert chain.exit_code == 2 and "the network has layers 1 to 1" in chain.stderr


def test_check_finds_a_wrong_claim_inside_a_block(cli) -> None:
    result = cli("check", STAGE.replace("| relu | end", "| relu -> 64x28x28 | end"))
    assert result.exit_code == 1, result.output
    assert "2 of 2 claims wrong" in result.stdout
    assert "✗ layer 1.1.2 (relu): claimed 64×28×28, actually 64×56×56" in result.stdout


def test_rf_through_a_graph(cli_json) -> None:
    data = cli_json("rf", "conv 8 k=3 p=1 | add( conv 8 k=5 p=2 ; conv 8 k=1 ) | conv 8 k=3 p=1")
    assert data["receptive_field"] == [9, 9]
    assert [r["id"] for r in data["rows"]] == ["3", "2.1", "1"]


@pytest.mark.parametrize(
    ("args", "code", "needles"),
    [
        (["net", NOTE_004], 1, ("64×60×60", "3×64×64", "branch 2 (the identity)")),
        (["net", "input 8x9x9 | concat( conv 8 k=1 ; conv 8 k=3 )"], 1, ("needs the same H×W",)),
        (["net", "input 1x8x8 | add( relu"], 2, ("never closed",)),
        (["net", "input 1x8x8 | blk"], 2, ("unknown layer 'blk'",)),
        (["net", "block a(c) | a c | end | a 1"], 2, ("uses itself",)),
        (["net", "block r | relu | end | input 1x8x8 | r x10000"], 2, ("10,000 nodes",)),
        (["net", "input 1x8x8 | " + "add( " * 50 + "relu" + " )" * 50], 2, ("nest more than 32",)),
        (["check", "input 1x8x8 | add( conv 2 k=3 )"], 1, ("gives 2×6×6",)),
        (["rf", "add( conv 1 k=3 ; "], 2, ("never closed",)),
        (["net", "input 1x3x224x224x9x9 | conv 8 k=3"], 2, ("at most 5",)),
        (["net", "input 28x28x1 | conv 8 k=3"], 1, ("write 1x28x28",)),
    ],
    ids=[
        "note-004",
        "concat-hw",
        "unclosed",
        "unknown",
        "recursive",
        "10000-blocks",
        "deep-nesting",
        "check-mismatch",
        "rf-unclosed",
        "six-number-input",
        "channels-last",
    ],
)
def test_bad_graphs_fail_cleanly(cli, args, code, needles) -> None:
    started = time.perf_counter()
    result = cli(*args)
    assert time.perf_counter() - started < 5
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.stderr, result.stderr


def test_input_option_reads_a_batch_and_overrides_the_source(cli, cli_json) -> None:
    data = cli_json("net", "input 3x32x32 | conv 8 k=3", "--input", "1x3x64x64")
    assert (data["input_shape"], data["batch"], data["output_shape"]) == ([3, 64, 64], 1, [8, 62, 62])
    text = cli("net", "conv 8 k=3", "--input", "2x3x16x16")
    assert "read as N×C×H×W: a batch of 2" in text.stdout


def test_solve_input_sizes(cli, cli_json) -> None:
    data = cli_json("solve", "input", STAGE, "--output", "28x28")
    assert data["axes"][0]["accepted"] == [[1, 1024, 1]]
    assert data["axes"][0]["wanted"] == [[28, 28, 1]]  # every layer keeps the size: only 28 gives 28
    assert data["last_map"] == "1" and data["possible"]
    text = cli(
        "solve", "input", "input 3x224x224 | conv 8 k=3 s=2 p=1 | conv 8 k=3 s=2 p=1 | gap", "--output", "56"
    )
    assert text.exit_code == 0, text.output
    assert "H and W: every size from 1 to 1,024" in text.stdout
    assert "A last map of 56×56 (row 2) (e.g. 3×221×221):" in text.stdout
    assert "H and W: every size from 221 to 224" in text.stdout
    refused = cli("solve", "input", "input 1x9x9 | add( conv 2 k=3 s=2 ; conv 2 k=1 s=2 )", "--max", "40")
    assert refused.exit_code == 1
    assert "no size from 1 to 40" in refused.stdout and "its branches bring" in refused.stdout


def test_solve_input_needs_channels(cli) -> None:
    result = cli("solve", "input", "conv 8 k=3")
    assert result.exit_code == 2 and "number of channels" in result.stderr
    assert cli("solve", "input", "conv 8 k=3", "--input", "3x32x32").exit_code == 0


def test_a_batch_shows_in_the_totals(cli) -> None:
    result = cli("net", "input 8x3x32x32 | conv 8 k=3 | fc 10")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # per sample: conv 8·30·30 floats + fc 10 = 7,210 floats = 28,840 B; MACs 8·30·30·27 + 7,200·10
    assert "MACs ×8                 2,131,200  the batch of 8" in lines
    assert any(line.startswith("Activation memory ×8") and "225.3 KiB" in line for line in lines)


def test_the_trainer_trains_merges_and_looks_inside_them(cli, cli_json, tmp_path) -> None:
    model = tmp_path / "graph.npz"
    spec = "input 1x8x8 | conv 4 k=3 p=1 | add( conv 4 k=3 p=1 ) | concat( conv 2 k=1 ; ) | flatten | fc 10"
    trained = cli_json("train", spec, "--steps", "3", "--save", model)
    assert trained["steps"] == 3 and trained["parameters"] == 40 + 148 + 10 + 6 * 64 * 10 + 10
    predicted = cli_json("predict", "--model", model, "--index", "2")
    assert sum(predicted["probabilities"].values()) == pytest.approx(1.0)
    # the conv inside the add (spec layer 2, node 2.1) and the one inside the concat (layer 3, node 3.1)
    maps = cli_json("show", "maps", "--model", model, "--layer", "3")
    assert [(m["layer"], m["shape"]) for m in maps["maps"]] == [(3, [2, 8, 8])]
    filters = cli_json("show", "filters", "--model", model)
    assert [f["layer"] for f in filters["filters"]] == [1, 2, 3]


def test_solve_input_says_a_built_model_takes_only_the_sizes_its_fc_fits(cli):
    result = cli("solve", "input", "--preset", "lenet-5")
    assert result.exit_code == 0, result.output
    assert (
        "Layer 7 (flatten) reads the last map whole, so the fc weights of a model built for 1×32×32 "
        "(PyTorch's nn.Linear, Keras' Dense) fit only a last map of 16×5×5: such a model takes only the "
        "sizes that --output 5x5 lists."
    ) in " ".join(result.stdout.split())
    listed = cli("solve", "input", "--preset", "lenet-5", "--output", "5x5")
    assert "H and W: every size from 32 to 35" in listed.stdout
    assert "reads the last map whole" not in listed.stdout
    assert "reads the last map whole" not in cli("solve", "input", "--preset", "resnet-18").stdout
