"""The Python examples of the documentation run and print what they say: every ```pycon block of
docs/python.md and README.md, each file's blocks in order in one session."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ["docs/python.md", "README.md"]


def pycon_blocks(path: Path) -> list[str]:
    return re.findall(r"```pycon\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("doc", DOCS)
def test_python_examples_run(doc, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example that saves a file saves it here
    blocks = pycon_blocks(ROOT / doc)
    assert blocks, f"{doc} has no ```pycon examples"
    test = doctest.DocTestParser().get_doctest("\n".join(blocks), {}, doc, str(ROOT / doc), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []  # kept apart from stdout, which doctest reads each example's output from
    runner.run(test, out=report.append)
    assert runner.failures == 0 and runner.tries >= 3, "".join(report)


def test_readme_shows_the_python_api_in_three_lines():
    (block,) = pycon_blocks(ROOT / "README.md")
    assert block.count(">>> ") == 3
