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
