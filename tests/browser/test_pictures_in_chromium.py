"""The pictures in a real headless Chromium: they load without console errors, the controls and
the animation move the window frame by frame, and the screenshots are not blank.

Skipped, saying why, where Chromium and chromedriver are not installed (.ci/run installs them).
"""

from __future__ import annotations

import time

import pytest

from cnncalc.arith.frames import window_frames
from cnncalc.arith.network_view import network_view
from cnncalc.arith.rf_regions import rf_regions
from cnncalc.render.net_diagram import net_diagram, net_html
from cnncalc.render.rf_picture import rf_html
from cnncalc.render.sliding import SECONDS_PER_FRAME, Layout, sliding_html, sliding_svg
from cnncalc.render.svg import COLOURS
from tests.browser.png import colours
from tests.browser.webdriver import Browser, find_browser

found = find_browser()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(isinstance(found, str), reason=found if isinstance(found, str) else ""),
]


@pytest.fixture(scope="module")
def browser():
    chromium, driver = found
    b = Browser(chromium, driver)
    yield b
    b.close()


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def _errors(browser: Browser) -> list[str]:
    return [e["message"] for e in browser.console() if e.get("level") == "SEVERE"]


def _not_blank(png: bytes) -> None:
    seen = colours(png)
    assert len(seen) >= 4, f"the screenshot has only {len(seen)} colours"
    assert _rgb(COLOURS.input) in seen, "no input cell in the screenshot"


def test_console_errors_are_seen(browser):
    # the check below is only worth something if an error does show up
    browser.open("data:text/html,<script>console.error('deliberate')</script>")
    assert any("deliberate" in m for m in _errors(browser))


@pytest.fixture(scope="module")
def padding_strides():
    return window_frames("conv", (5, 5), 3, stride=2, padding=1)


def test_html_page_controls_step_and_play(browser, tmp_path, padding_strides):
    pic = padding_strides
    page = tmp_path / "conv.html"
    page.write_text(sliding_html(pic), encoding="utf-8")
    browser.open(page.as_uri())
    assert browser.run("return document.readyState") == "complete"
    assert _errors(browser) == []
    label = "return document.getElementById('frame-label').textContent"
    window = "var m = document.getElementById('window').getCTM(); return [m.e, m.f];"
    layout = Layout(pic)
    assert browser.run(label).startswith("frame 1 of 9")
    for i in (1, 2):
        browser.click("#next")
        assert browser.run(label).startswith(f"frame {i + 1} of 9")
        assert browser.run(window) == pytest.approx(list(layout.cell_xy(pic.frames[i].origin)), abs=0.05)
    browser.click("#prev")
    assert browser.run(label).startswith("frame 2 of 9")
    browser.click("#play")
    time.sleep(SECONDS_PER_FRAME * 2.5)
    browser.click("#play")  # pause
    paused = browser.run(label)
    assert int(paused.split()[1]) >= 3, paused
    time.sleep(SECONDS_PER_FRAME * 1.5)
    assert browser.run(label) == paused
    fills = browser.run("return [...document.querySelectorAll('.out-cell')].map(c => c.getAttribute('fill'))")
    current = int(paused.split()[1]) - 1
    assert fills[current] == COLOURS.current and set(fills[:current]) == {COLOURS.output}
    _not_blank(browser.screenshot())
    assert _errors(browser) == []


def test_animated_svg_moves_the_window_frame_by_frame(browser, tmp_path, padding_strides):
    pic = padding_strides
    picture = tmp_path / "conv.svg"
    picture.write_text(sliding_svg(pic), encoding="utf-8")
    browser.open(picture.as_uri())
    assert _errors(browser) == []
    layout = Layout(pic)
    for frame in pic.frames:
        t = (frame.index + 0.5) * SECONDS_PER_FRAME
        where, fill = browser.run(
            "var svg = document.documentElement; svg.pauseAnimations(); svg.setCurrentTime(arguments[0]);"
            "var m = document.getElementById('window').getCTM();"
            "var cell = document.querySelector('.out-cell[data-frame=\"' + arguments[1] + '\"]');"
            "return [[m.e, m.f], getComputedStyle(cell).fill];",
            t,
            frame.index,
        )
        assert where == pytest.approx(list(layout.cell_xy(frame.origin)), abs=0.05), frame.index
        assert fill == "rgb({}, {}, {})".format(*_rgb(COLOURS.current)), frame.index
    _not_blank(browser.screenshot())


def test_transposed_svg_plays_in_the_browser(browser, tmp_path):
    pic = window_frames("tconv", (3, 3), 3, stride=2, padding=1, output_padding=1)
    picture = tmp_path / "tconv.svg"
    picture.write_text(sliding_svg(pic), encoding="utf-8")
    browser.open(picture.as_uri())
    last = pic.frames[-1]
    where = browser.run(
        "var svg = document.documentElement; svg.pauseAnimations(); svg.setCurrentTime(arguments[0]);"
        "var m = document.getElementById('window').getCTM(); return [m.e, m.f];",
        (last.index + 0.5) * SECONDS_PER_FRAME,
    )
    assert where == pytest.approx(list(Layout(pic).cell_xy(last.origin)), abs=0.05)
    assert _errors(browser) == []


def test_rf_and_network_pages_load_cleanly(browser, tmp_path):
    rf_page = tmp_path / "rf.html"
    rf_page.write_text(
        rf_html(rf_regions(network_view("input 1x16x16 | conv 1 k=3 p=1 | maxpool k=2 | conv 1 k=3 d=2"))),
        encoding="utf-8",
    )
    browser.open(rf_page.as_uri())
    assert _errors(browser) == []
    assert browser.run("return document.querySelectorAll('.level').length") == 3
    _not_blank(browser.screenshot())
    net_page = tmp_path / "net.html"
    net_page.write_text(
        net_html(net_diagram(network_view("input 1x32x32 | conv 6 k=5 | maxpool k=2 | flatten | fc 10"))),
        encoding="utf-8",
    )
    browser.open(net_page.as_uri())
    assert _errors(browser) == []
    assert browser.run("return document.querySelectorAll('.box').length") == 5
