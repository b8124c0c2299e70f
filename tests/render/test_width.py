"""Display width and wrapping: a CJK character is two columns; Chinese wraps anywhere, English at spaces."""

from __future__ import annotations

import re
import textwrap

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnncalc.render.width import display_width, pad, wrap


@pytest.mark.parametrize(
    ("text", "width"),
    [("96", 2), ("卷积核", 6), ("卷积核 k=5", 10), ("\x1b[1m步幅\x1b[0m", 4), ("e\u0301", 1), ("（）", 4)],
    ids=["digits", "cjk", "mixed", "ansi", "combining", "fullwidth-brackets"],
)
def test_display_width(text, width):
    assert display_width(text) == width


def test_pad_aligns_by_columns():
    assert pad("步幅", 6, "r") == "  步幅" and pad("步幅", 6) == "步幅  " and pad("步幅", 7, "c") == " 步幅  "


def test_chinese_wraps_between_characters_and_keeps_punctuation_with_its_sentence():
    lines = wrap("每个过滤器在输入数据上滑动，计算过滤器与局部区域的点积。", 12)
    assert all(display_width(line) <= 12 for line in lines)
    assert "".join(lines) == "每个过滤器在输入数据上滑动，计算过滤器与局部区域的点积。"
    assert not any(line.startswith(("，", "。")) for line in lines)


def test_opening_bracket_never_ends_a_line():
    lines = wrap("输出尺寸为九十二（向下取整）", 16)
    assert not any(line.endswith("（") for line in lines)


WORDS = st.lists(
    st.text(alphabet="abcdefxyz0123456789=×·−()", min_size=1, max_size=12), min_size=1, max_size=30
)


@settings(max_examples=200, deadline=None)
@given(words=WORDS, width=st.integers(13, 100))
def test_english_wraps_exactly_as_textwrap(words, width):
    text = " ".join(words)
    assert wrap(text, width) == textwrap.wrap(text, width)


MIXED = st.text(alphabet="卷积核步幅填充感受野，。（）ab c1 2×", min_size=0, max_size=120)


@settings(max_examples=300, deadline=None)
@given(text=MIXED, width=st.integers(4, 60))
def test_no_line_is_wider_than_the_width_and_no_character_is_lost(text, width):
    lines = wrap(text, width, initial_indent="  ", subsequent_indent="  ")
    assert all(display_width(line) <= width for line in lines)
    assert "".join(line.strip().replace(" ", "") for line in lines) == "".join(text.split())


# Chinese with short Latin words and brackets, as the translated help has them: 网络结构图（SVG、HTML、GIF）。
UNITS = st.tuples(
    st.sampled_from(["", "", "", "（"]),
    st.sampled_from([*"网络结构图滑动窗口感受野", "SVG", "HTML", "GIF", "p", "k=3", "MACs"]),
    st.sampled_from(["", "", "", "）", "、", "，", "。", "）。", "）："]),
).map("".join)
BRACKETED = st.lists(UNITS, min_size=1, max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=BRACKETED, width=st.integers(16, 60))
def test_marks_stay_with_their_words_where_the_width_leaves_room(text, width):
    # a mark that may not start a line (、 ）) takes the word before it along to the next line; the
    # bracket before that word goes with it rather than end the line ("图（" / "SVG、" was wrong),
    # and a closing mark taken along takes the character before it too ("区" / "）。" was wrong)
    # room: every run that may not be broken (a Latin word, its brackets and marks) fits a line
    assume(all(display_width(run) <= width for run in re.findall(r"（?[A-Za-z0-9=]+[）、，。：]*", text)))
    lines = wrap(text, width)
    assert all(display_width(line) <= width for line in lines)
    assert not any(line.endswith("（") for line in lines[:-1]), lines
    assert not any(line[0] in "）、，。：" for line in lines[1:]), lines
    assert "".join(lines) == text
