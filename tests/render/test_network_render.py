"""The network renderers, printed into an 80-column console without colour."""

import io

import pytest
from rich.console import Console

from cnncalc.arith.errors import UsageError
from cnncalc.arith.network import walk
from cnncalc.arith.presets import get_preset
from cnncalc.arith.solve import solve_combos, solve_padding
from cnncalc.render.network import (
    check_report,
    combos_table,
    explain_layer,
    fmt_bytes,
    fmt_count,
    network_table,
    solution_view,
)

NOTE_001 = "input 2x96x96 | conv 8 k=5 | maxpool k=4 | conv 24 k=6 | maxpool k=4"


def render(renderable) -> list[str]:
    console = Console(file=io.StringIO(), width=80, color_system=None, no_color=True)
    console.print(renderable)
    return [line.rstrip() for line in console.file.getvalue().splitlines()]


def test_seed_001_table_rows():
    lines = render(network_table(walk(get_preset("seed-001"))))
    assert " #   layer           output   params    MACs   RF / jump      memory" in lines
    assert "     input          2×96×96                        1 / 1    72.0 KiB" in lines
    assert " 3   conv 24 k=6   24×18×18    6,936   2.24M      28 / 4    30.4 KiB" in lines
    assert " 4   maxpool k=4     24×4×4        —       —     40 / 16     1.5 KiB" in lines
    assert " 6   fc 100             100   38,500   38.4k     88 / 16       400 B" in lines


def test_totals_memory_and_flops():
    text = "\n".join(render(network_table(walk(get_preset("seed-001")))))
    assert "Parameters (trainable)      45,844" in text
    assert "Parameter memory         179.1 KiB  float32: 45,844 × 4 bytes" in text
    assert "FLOPs                   11,326,976  2 · MACs" in text
    assert "4.5 is not a whole number" in text  # the floor at layer 4 is explained


def test_implicit_flatten_is_marked_and_footnoted():
    lines = render(network_table(walk("input 1x8x8 | conv 2 k=3 | fc 4")))
    assert " 2   fc 4 †            4      292    288       8 / 1     16 B" in lines
    assert any(line.startswith("† layer 2: fc directly after a 2×6×6 map: flattened implicitly to 72") for line in lines)


def test_explain_groups_the_working():
    lines = render(explain_layer(walk(get_preset("seed-001")), 3))
    assert lines[0] == "Layer 3: conv 24 k=6   8×23×23 → 24×18×18"
    assert "  weights = kh·kw · C_in · C_out" in lines
    assert "          = 6·6 · 8 · 24" in lines
    assert "  MACs = C_out · H_out · W_out · (C_in/g) · k_h · k_w" in lines
    for title in ("Output shape", "Parameters", "MACs", "Receptive field"):
        assert title in lines


def test_explain_out_of_range_is_a_usage_error():
    with pytest.raises(UsageError, match="layers 1 to 6"):
        explain_layer(walk(get_preset("seed-001")), 7)


def test_check_report_names_the_truth_and_the_copied_shape():
    lines = render(check_report(walk(NOTE_001 + " -> 8x23x23")))
    assert " 4   maxpool k=4   24×18×18   8×23×23     24×4×4   ✗" in lines
    assert "1 of 1 claim wrong ✗" in lines
    text = "\n".join(lines)
    assert "✗ layer 4 (maxpool k=4): claimed 8×23×23, actually 24×4×4 (input 24×18×18)" in text
    assert "8×23×23 is the output of layer 2 (maxpool k=4)" in text
    assert "layer 3 (conv 24 k=6) made 24 channels" in text
    assert "= ⌊(18 + 2·0 − 1·(4 − 1) − 1)/4⌋ + 1 = ⌊14/4⌋ + 1" in text


def test_check_report_all_hold():
    lines = render(check_report(walk("input 2x96x96 | conv 8 k=5 -> 8x92x92 | maxpool k=4 -> 8x23x23")))
    assert "All 2 claims hold ✓" in lines


def test_solution_and_combos():
    lines = render(solution_view(solve_padding(28, 4)))
    assert lines[0] == "padding: padding = 1 before, 2 after, total_padding = 3"
    lines = render(combos_table(solve_combos(32, 16), 32, 16))
    assert any(line.startswith(" 3   2   1   ⌊(32 + 2·1 − 3)/2⌋ + 1 = ⌊31/2⌋ + 1 = 16") for line in lines)


@pytest.mark.parametrize(
    ("n", "text"), [(400, "400 B"), (1536, "1.5 KiB"), (5 * 1024**2, "5.0 MiB")], ids=["bytes", "kib", "mib"]
)
def test_fmt_bytes(n, text):
    assert fmt_bytes(n) == text


def test_fmt_count():
    assert [fmt_count(n) for n in (999, 38_400, 5_663_488, 15_470_264_320)] == ["999", "38.4k", "5.66M", "15.5G"]
