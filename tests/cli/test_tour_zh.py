"""`cnncalc tour` in Chinese (`--lang zh`): its own text, and each stop's heading in the notes' words,
the commands as they are."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from cnncalc import i18n
from cnncalc.cli.tour import tour_entries
from cnncalc.render.width import display_width, is_wide
from tests.zh_helpers import english_runs, numbers

_CJK = re.compile(r"[\u4e00-\u9fff]")
ROOT = Path(__file__).resolve().parents[2]


def _listed_headings(out: str) -> list[str]:
    """The headings `tour --list` printed, in order; one that wrapped under itself joined again."""
    headings: list[str] = []
    for line in out.splitlines():
        if re.match(r"\s?\d+\. ", line):
            headings.append(line.split(". ", 1)[1])
        elif line.startswith("    ") and not line.startswith("    cnncalc "):
            headings[-1] += line.strip()
    return headings


def _shown_headings(out: str) -> list[tuple[str, str, str]]:
    """(number, total, heading) of each stop the tour printed; a heading that wrapped under itself
    is joined again (Chinese lines without a space between them)."""
    lines = out.splitlines()
    found = []
    for i, line in enumerate(lines):
        m = re.match(r"━━ (\d+)/(\d+) (.*)$", line)
        if not m:
            continue
        text, pad = m.group(3), " " * display_width(line[: m.start(3)])
        for more in lines[i + 1 :]:
            if not more.startswith(pad) or not more.strip():
                break
            more = more.strip()
            text += more if is_wide(text[-1]) and is_wide(more[0]) else " " + more
        found.append((m.group(1), m.group(2), text))
    return found


def _chinese_headings(part: str) -> list[str]:
    i18n.set_language("zh")
    try:
        return [i18n.translated(heading) for heading, _argv, _code in tour_entries(part)]
    finally:
        i18n.set_language("en")


@pytest.mark.parametrize("part", ["lessons", "train"])
def test_the_list_shows_each_stop_s_heading_in_chinese_and_its_command_as_it_is(cli, zh, part) -> None:
    english = cli("tour", "--only", part, "--list")
    result = zh("tour", "--only", part, "--list")
    assert result.exit_code == english.exit_code == 0, result.output
    headings = _chinese_headings(part)
    assert headings and all(_CJK.search(h) for h in headings), headings
    # (a line broken at a space loses it: compare without spaces)
    assert [h.replace(" ", "") for h in _listed_headings(result.stdout)] == [
        h.replace(" ", "") for h in headings
    ]
    # headings fit the fixture's 100 columns; commands stay whole, to copy
    assert (
        max(display_width(line) for line in result.stdout.splitlines() if "    cnncalc " not in line) <= 100
    )

    def commands(out: str) -> list[str]:  # the scratch folder of each run aside
        return re.findall(r"^    cnncalc (.*)$", re.sub(r"/\S*cnncalc-tour-[^/]+", "{tmp}", out), re.M)

    assert commands(result.stdout) == commands(english.stdout) and len(commands(english.stdout)) == len(
        headings
    )
    assert "lesson residual --answer 8448" in result.stdout or part == "train"


def test_the_lessons_part_runs_in_chinese_from_the_first_stop_to_the_last(zh) -> None:
    result = zh("tour", "--only", "lessons")
    assert result.exit_code == 0, result.output
    headings = _chinese_headings("lessons")
    shown = _shown_headings(result.stdout)
    assert [h for _n, _total, h in shown] == headings
    assert {total for _n, total, _h in shown} == {str(len(headings))}
    assert "跳跃连接（残差）" in result.stdout and "投影捷径" in result.stdout
    assert result.stdout.rstrip().endswith("导览到此结束。`cnncalc 命令 --help` 会列出每个命令的选项和示例。")
    assert "That was the tour" not in result.stdout


def test_a_stop_that_fails_on_purpose_says_so_in_chinese(zh, monkeypatch) -> None:
    from cnncalc.cli import lessons

    wrong = ("N_ marker", ["lesson", "nope"], 2)  # a usage error, expected
    monkeypatch.setattr(lessons, "TOUR", [wrong])
    result = zh("tour", "--only", "lessons")
    assert result.exit_code == 0, result.output
    assert "（退出码 2，符合预期）" in result.stdout
    assert "课程 'nope' 不是以下之一" in result.stderr


def test_a_stop_that_exits_otherwise_stops_the_tour_in_chinese(zh, monkeypatch) -> None:
    from cnncalc.cli import lessons

    monkeypatch.setattr(lessons, "TOUR", [("N_ marker", ["lesson", "params", "--answer", "5184"], 1)])
    result = zh("tour", "--only", "lessons")
    assert result.exit_code == 1
    assert "导览第 1 站（lesson params）的退出码是 0，应为 1" in result.stderr


def test_an_unknown_part_is_a_usage_error_in_chinese(cli, zh) -> None:
    result = zh("tour", "--only", "nope")
    assert result.exit_code == 2 == cli("tour", "--only", "nope").exit_code
    assert "导览中没有叫作 'nope' 或演示它的部分；可以试试 calc、net、lessons 或 train" in result.stderr


def test_the_json_keeps_its_keys_and_gives_the_headings_in_chinese(cli_json, zh) -> None:
    english = cli_json("tour", "--only", "train", "--list")
    result = zh("tour", "--only", "train", "--list", "--json")
    assert result.exit_code == 0, result.output
    stops = json.loads(result.stdout)["stops"]
    assert [s.keys() for s in stops] == [s.keys() for s in english["stops"]]
    assert [s["heading"] for s in stops] == _chinese_headings("train")
    assert [s["command"].split()[:2] for s in stops] == [s["command"].split()[:2] for s in english["stops"]]


def test_the_options_help_is_chinese() -> None:
    """Option help is translated when the options are defined: a fresh process chooses Chinese first."""
    out = subprocess.run(
        [sys.executable, "-m", "cnncalc", "--lang", "zh", "tour", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "100", "NO_COLOR": "1"},
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "只运行其中一部分" in out.stdout and "列出各站而不运行。" in out.stdout, out.stdout


class _Clock:
    """`time.perf_counter` that moves on by an eighth of a second at each call: the trainer's
    seconds come out the same in both languages."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 0.125
        return self.now


_PICTURE_ROW = re.compile(r"^[\s·o#■@]*$")  # a row of draw's pictures: marks, not words
_SCRATCH = re.compile(r"/\S*cnncalc-tour-[^/\s]+")


@pytest.mark.parametrize("part", ["calc", "net", "lessons", "train", "draw"])
def test_the_tour_runs_in_chinese_with_no_english_sentence_left(cli, monkeypatch, part) -> None:
    """Issue 14's "done when": every stop of the tour in Chinese, its tables lined up, the numbers
    those of the English tour."""
    from cnncalc.nn import training

    results = []
    for lang in ("en", "zh"):
        monkeypatch.setattr(training, "time", _Clock())
        try:
            results.append(cli("--lang", lang, "tour", "--only", part))
        finally:
            i18n.set_language("en")
    english, chinese = results
    assert english.exit_code == chinese.exit_code == 0, chinese.output
    out = _SCRATCH.sub("{tmp}", chinese.stdout)
    prose = "\n".join(line for line in out.splitlines() if not _PICTURE_ROW.match(line))
    assert english_runs(prose) == [], prose
    # the English tour's numbers and no other, in the order each language's sentences put them;
    # Chinese may count again what English says once (损失了 4 行和 4 列 for 'loses 4 rows and columns')
    zh, en = Counter(numbers(out)), Counter(numbers(_SCRATCH.sub("{tmp}", english.stdout)))
    assert zh.keys() == en.keys() and all(zh[n] >= en[n] for n in en), (zh - en, en - zh)
    assert [h for _n, _total, h in _shown_headings(out)] == _chinese_headings(part)
    lines = out.splitlines()
    for top in (i for i, line in enumerate(lines) if line.startswith("┏")):
        bottom = next(i for i in range(top, len(lines)) if lines[i].startswith("└"))
        box = lines[top : bottom + 1]
        assert len({display_width(line) for line in box}) == 1, "\n".join(box)
