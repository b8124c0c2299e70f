"""What every picture must satisfy: well-formed XML that refers to nothing outside itself."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
_LINK_ATTRS = ("href", "{http://www.w3.org/1999/xlink}href", "src")


def parse_svg(text: str) -> ET.Element:
    """Parse an SVG and check it is self-contained; returns the root."""
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == SVG + "svg"
    for node in root.iter():
        assert not node.tag.endswith(("image", "foreignObject", "script", "style")), node.tag
        for key, value in node.attrib.items():
            if key in _LINK_ATTRS:
                assert value.startswith("#"), f"{node.tag} {key}={value}"
            for ref in re.findall(r"url\(([^)]*)\)", value):
                assert ref.startswith("#"), f"{node.tag} {key}={value}"
    assert not re.search(r"https?://(?!www\.w3\.org/(2000/svg|1999/xlink))", text), "a URL in the picture"
    return root


def animated_frames(root: ET.Element) -> int:
    """Frames of an animated sliding-window SVG: the window's discrete translate values."""
    moves = [a for a in root.iter(SVG + "animateTransform") if a.get("type") == "translate"]
    assert len(moves) == 1
    values = moves[0].get("values").split(";")
    assert len(values) == len(moves[0].get("keyTimes").split(";"))
    return len(values)
