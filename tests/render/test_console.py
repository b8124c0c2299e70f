"""The rich console wrapper and the atomic SVG/HTML export."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.text import Text

from cnncalc.lessons.matrix import parse_matrix
from cnncalc.lessons.step import step_conv
from cnncalc.render.console import FormulaNote, Screen, WorkedLine
from cnncalc.render.lessons import conv_summary
from cnncalc.render.width import display_width


def test_screen_trims_trailing_blanks_and_records() -> None:
    out = io.StringIO()
    screen = Screen(color=False, record=True, file=out, width=100)
    t = step_conv(parse_matrix("0 1 2; 3 4 5; 6 7 8"), [parse_matrix("0 1; 2 3")])
    screen.print(conv_summary(t))
    assert out.getvalue() == "output\n 19  25\n 37  43\n"
    assert screen.recorder is not None
    assert "19" in screen.recorder.export_text(clear=False)


def test_an_export_replaces_the_file_whole_and_leaves_no_temporary(tmp_path) -> None:
    screen = Screen(record=True, file=io.StringIO(), width=60)
    screen.print("5184 weights")
    target = tmp_path / "out.svg"
    target.write_text("old")
    assert screen.save(target, "svg", title="params") == target
    assert target.read_text().startswith("<svg") and "5184" in target.read_text()
    screen.save(tmp_path / "out.html", "html")
    assert "5184" in (tmp_path / "out.html").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.html", "out.svg"]


def _printed(renderable, width: int) -> list[str]:
    out = io.StringIO()
    Screen(file=out, width=width).print(renderable)
    return out.getvalue().splitlines()


SENTENCE = "减去最大的 logit m，相当于把每个 e^z 都乘以同一个 e^(−m)，它在除法中被约掉：概率不变。"


def test_chinese_prose_wraps_between_characters_within_the_width() -> None:
    from cnncalc.render.console import prose
    from cnncalc.render.width import display_width

    for width in (16, 21, 40):
        lines = _printed(prose(SENTENCE), width)
        assert all(display_width(line) <= width for line in lines), lines
        assert "".join(lines).replace(" ", "") == SENTENCE.replace(" ", "")
        assert not any(line[0] in "，。：）" for line in lines), lines
    # rich alone would move the whole run after "logit m，" to a line of its own
    assert _printed(prose(SENTENCE), 40)[0] == "减去最大的 logit m，相当于把每个 e^z 都"


def test_english_prose_is_the_rich_text_it_was() -> None:
    from rich.text import Text

    from cnncalc.render.console import prose

    english = "a 2-wide window slides over the 3 padded rows and fits at 2 positions"
    assert isinstance(prose(english, "dim"), Text)
    assert _printed(prose(english), 30) == _printed(Text(english), 30)


def test_prose_keeps_styles_and_the_leading_indent() -> None:
    from rich.text import Text

    from cnncalc.render.console import WideText, prose

    styled = prose(
        Text.assemble(("第 1/5 题 [shape] ", "bold"), "输入为 96×96，卷积核为 5，步幅为 1，输出尺寸是多少？")
    )
    assert isinstance(styled, WideText)
    first, *rest = styled.lines(16)
    assert first.plain == "第 1/5 题"
    assert [(s.start, s.end, s.style) for s in first.spans] == [(0, 7, "bold")]
    assert all(not line.spans for line in rest[1:])
    assert _printed(prose("  参见：cnncalc step conv --example d2l"), 20) == [
        "  参见：cnncalc step",
        "conv --example d2l",
    ]


def test_a_chinese_table_cell_wraps_inside_its_column() -> None:
    from rich.table import Table

    from cnncalc.render.console import prose
    from cnncalc.render.width import display_width

    table = Table("值", "PyTorch")
    table.add_row("2·C = 4", prose("缓冲区：由批次更新，而不是由梯度更新"))
    lines = _printed(table, 24)
    assert len({display_width(line) for line in lines}) == 1, lines
    assert (
        "".join(line.split("│")[2].strip() for line in lines[3:-1]) == "缓冲区：由批次更新，而不是由梯度更新"
    )


def _outside_references(document: str) -> list[str]:
    """Every url(...), href and src value that does not point inside the document itself."""
    import re

    found = re.findall(r"""url\(\s*["']?([^"')]+)|(?:href|src)\s*=\s*["']([^"']*)""", document)
    return [ref for pair in found for ref in pair if ref and not ref.startswith("#")]


def test_exports_refer_to_nothing_outside_themselves(tmp_path) -> None:
    import xml.etree.ElementTree as ET

    screen = Screen(record=True, file=io.StringIO(), width=60)
    t = step_conv(parse_matrix("0 1 2; 3 4 5; 6 7 8"), [parse_matrix("0 1; 2 3")])
    screen.print(conv_summary(t))
    svg = screen.save(tmp_path / "out.svg", "svg").read_text()
    html = screen.save(tmp_path / "out.html", "html").read_text()
    # rich's own SVG asks a CDN for its fonts: the raw export would fail this check
    assert _outside_references(screen.recorder.export_svg(clear=False))
    assert _outside_references(svg) == [] and _outside_references(html) == []
    assert ET.fromstring(svg).tag.endswith("svg")
    assert "font-family" in svg and "43" in svg


def _printed(renderable, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.file.getvalue().splitlines()


GENERAL = "⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1"


@pytest.mark.parametrize("width", [50, 60, 80, 100])
def test_a_worked_line_is_one_line_or_one_equals_sign_a_line(width) -> None:
    step = WorkedLine("H_out", "⌊(H_in + 2p − k)/s⌋ + 1", ["⌊(28 + 2·0 − 5)/1⌋ + 1 = ⌊23/1⌋ + 1", Text("24")])
    one = "H_out = ⌊(H_in + 2p − k)/s⌋ + 1 = ⌊(28 + 2·0 − 5)/1⌋ + 1 = ⌊23/1⌋ + 1 = 24"
    # not a line that ends in "=" with its numbers on the next: each "= …" under the first
    aligned = [
        "H_out = ⌊(H_in + 2p − k)/s⌋ + 1",
        "      = ⌊(28 + 2·0 − 5)/1⌋ + 1 = ⌊23/1⌋ + 1",
        "      = 24",
    ]
    assert _printed(step, width) == ([one] if len(one) <= width else aligned)


@pytest.mark.parametrize("width", [30, 50, 80])
@pytest.mark.parametrize(
    "note",
    [
        f"in general, with dilation d (PyTorch's form): {GENERAL}",
        f"一般形式，含膨胀 d（PyTorch 的写法）：{GENERAL}",
    ],
)
def test_a_note_ending_in_a_formula_keeps_the_formula_whole(note, width) -> None:
    lines = _printed(FormulaNote(note), width)
    assert all(display_width(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == note.replace(" ", "")  # every character, in order
    if display_width(note) <= width:
        assert lines == [note]
    elif len(GENERAL) + 2 <= width:  # the formula fits on a line of its own: it gets one
        assert lines[-1] == "  " + GENERAL
