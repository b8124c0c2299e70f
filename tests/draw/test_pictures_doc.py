"""docs/pictures.md shows what the commands draw today: every gallery command is on the page
above its picture, and every picture file is what that command writes now."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "docs"))
from gen_pictures import GALLERY  # noqa: E402

PAGE = (ROOT / "docs" / "pictures.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "args"), GALLERY, ids=[n for n, _ in GALLERY])
def test_gallery_picture_is_up_to_date(cli, tmp_path, name, args):
    command = "cnncalc draw " + " ".join(shlex.quote(a) for a in args) + f" --out {name}.svg"
    assert f"{command}\n```\n\n![" in PAGE and f"](pictures/{name}.svg)" in PAGE
    fresh = tmp_path / f"{name}.svg"
    result = cli("draw", *args, "--out", fresh)
    assert result.exit_code == 0, result.output
    assert (ROOT / "docs" / "pictures" / f"{name}.svg").read_bytes() == fresh.read_bytes(), (
        f"docs/pictures/{name}.svg is out of date: run python docs/gen_pictures.py"
    )


def test_gallery_holds_every_conv_arithmetic_case():
    names = {n for n, _ in GALLERY}
    direct = ["no_padding_no_strides", "arbitrary_padding_no_strides", "same_padding_no_strides"]
    direct += ["full_padding_no_strides", "no_padding_strides", "padding_strides", "padding_strides_odd"]
    for case in direct:
        assert case in names and f"{case}_transposed" in names
    assert "dilation" in names
