"""The rich console wrapper and the atomic SVG/HTML export."""

from __future__ import annotations

import io

from cnncalc.lessons.matrix import parse_matrix
from cnncalc.lessons.step import step_conv
from cnncalc.render.console import Screen
from cnncalc.render.lessons import conv_summary


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
