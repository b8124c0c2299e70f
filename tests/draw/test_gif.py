"""The GIF (Pillow, the optional extra): one image per frame, the window where the frame says."""

from __future__ import annotations

import io

import pytest

Image = pytest.importorskip("PIL.Image", reason='Pillow is the optional extra: pip install "cnncalc[gif]"')

from cnncalc.arith.frames import window_frames  # noqa: E402
from cnncalc.render.gif import sliding_gif  # noqa: E402
from cnncalc.render.sliding import Layout  # noqa: E402
from cnncalc.render.svg import COLOURS  # noqa: E402
from tests.draw.cases import ALL, IDS  # noqa: E402


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


@pytest.mark.parametrize(("op", "kwargs"), [c[1:] for c in ALL], ids=IDS)
def test_gif_has_one_image_per_frame(op, kwargs):
    pic = window_frames(op, **kwargs)
    image = Image.open(io.BytesIO(sliding_gif(pic)))
    assert image.format == "GIF" and image.n_frames == pic.frame_count
    assert image.info["loop"] == 0


def test_window_and_current_output_cell_sit_where_the_frame_says():
    pic = window_frames("conv", (5, 5), 3, stride=2, padding=1)
    layout = Layout(pic)
    image = Image.open(io.BytesIO(sliding_gif(pic)))
    for frame in pic.frames:
        image.seek(frame.index)
        rgb = image.convert("RGB")
        r, c = frame.input_cells[4]  # the window's centre cell
        x, y = layout.cell_xy((r, c))
        centre = rgb.getpixel((int(x + layout.cell / 2), int(y + layout.cell / 2)))
        assert sum(centre) < sum(_rgb(COLOURS.input)) - 150, "the window darkens the cells under it"
        ox, oy = layout.out_xy(frame.output)
        current = rgb.getpixel((int(ox + layout.cell / 2), int(oy + layout.cell / 2)))
        assert max(abs(a - b) for a, b in zip(current, _rgb(COLOURS.current), strict=True)) < 24
