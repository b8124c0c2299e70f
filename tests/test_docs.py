"""The documentation shows real output: README's console blocks and the formula reference's
examples are run and compared with what the commands print today."""

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# commands whose output depends on time, randomness, data downloads or files made earlier in the
# doc are not run here; their own tests cover them
UNSTABLE = ("train", "tour", "quiz", "predict", "show", "gradcheck", "lesson")


def console_blocks(path: Path) -> list[tuple[list[str], list[str]]]:
    """(argv, shown output lines) for every `$ cnncalc ...` in a ```console block."""
    blocks = re.findall(r"```console\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)
    found = []
    for block in blocks:
        lines = block.rstrip("\n").split("\n")
        start = [i for i, line in enumerate(lines) if line.startswith("$ cnncalc")]
        for j, i in enumerate(start):
            end = start[j + 1] if j + 1 < len(start) else len(lines)
            found.append((shlex.split(lines[i][2:], comments=True)[1:], lines[i + 1 : end]))
    return found


README_BLOCKS = [
    b
    for readme in ("README.md", "README.zh.md")
    for b in console_blocks(ROOT / readme)
    if [w for w in b[0] if not w.startswith("-") and w != "zh"][0] not in UNSTABLE
]
DOC_BLOCKS = [
    (p.name, b)
    for p in sorted((ROOT / "docs").glob("*.md"))
    for b in console_blocks(p)
    if b[0][0] not in UNSTABLE
]


@pytest.mark.parametrize(("argv", "shown"), README_BLOCKS, ids=[" ".join(a)[:50] for a, _ in README_BLOCKS])
def test_readme_output_is_real(cli, argv, shown, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert_shown(cli(*argv), shown)


def assert_shown(result, shown: list[str]) -> None:
    """The block's lines begin what the command printed: stdout, or for an example of an error
    (the command fails) stderr, all of it."""
    if shown and shown[-1].startswith("…"):
        shown = shown[:-1]  # an elided tail
    printed = result.stdout if result.exit_code == 0 else result.stderr
    assert result.exit_code == 0 or printed.rstrip("\n").count("\n") + 1 == len(shown), result.output
    actual = [line.rstrip() for line in printed.rstrip("\n").split("\n")]
    assert actual[: len(shown)] == [line.rstrip() for line in shown]


@pytest.mark.parametrize(
    ("doc", "block"), DOC_BLOCKS, ids=[f"{d}:{' '.join(b[0])[:40]}" for d, b in DOC_BLOCKS]
)
def test_docs_console_output_is_real(cli, doc, block, monkeypatch):
    argv, shown = block
    monkeypatch.chdir(ROOT)
    assert_shown(cli(*argv), shown)


FORMULA_EXAMPLES = [
    # (command as written in docs/formulas.md, a number the doc says it gives)
    ("shape --input 96 --kernel 5", "⌊91/1⌋ + 1"),
    ("shape --input 7 --kernel 3 --stride 2 --padding 1", "⌊6/2⌋ + 1"),
    ("shape --input 10 --kernel 3 --stride 2", "4.5 is not a whole number"),
    ("shape --input 28 --kernel 4 --padding same", "1 top, 2 bottom"),
    ("shape --op maxpool --input 92 --kernel 4", "92×92 → 23×23"),
    ("shape --op maxpool --input 5 --kernel 2 --ceil", "5×5 → 3×3"),
    ("shape --op maxpool --input 5 --kernel 2 --stride 2 --padding 1 --ceil", "start at 6 ≥ 5 + 1"),
    ("shape --op tconv --input 4 --kernel 4 --stride 2 --padding 1", "4×4 → 8×8"),
    ("params --cin 3 --cout 192 --k 3", "5,376"),
    ("params --cin 32 --cout 32 --k 3 --groups 32 --no-bias", "288"),
    ("params --fc --cin 576 --cout 64", "36,928"),
    ("params --cin 3 --cout 8 -k 3 --input 10x10", "13824"),
    ('rf "conv 1 k=3 | conv 1 k=3"', "Receptive field: 5"),
    ('rf "conv 8 k=3 d=2 | conv 8 k=3 s=2 | maxpool k=2"', "Receptive field: 9"),
]


@pytest.mark.parametrize(("command", "needle"), FORMULA_EXAMPLES, ids=[c for c, _ in FORMULA_EXAMPLES])
def test_formula_reference_examples(cli, command, needle):
    assert f"`cnncalc {command}`" in (ROOT / "docs" / "formulas.md").read_text(encoding="utf-8")
    result = cli(*shlex.split(command))
    assert result.exit_code == 0, result.output
    assert needle in result.stdout


def test_cli_reference_is_up_to_date():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "gen_cli.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def spec_examples(path: Path) -> list[str]:
    """The spec-language examples of a doc: ```text blocks that are not a command and its output."""
    blocks = re.findall(r"```text\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)
    return [b for b in blocks if not b.lstrip().startswith("$")]


SPEC_EXAMPLES = spec_examples(ROOT / "docs" / "network.md") + spec_examples(ROOT / "README.md")


@pytest.mark.parametrize("text", SPEC_EXAMPLES, ids=[t.split("\n")[0][:40] for t in SPEC_EXAMPLES])
def test_spec_language_examples_parse_and_walk(text):
    from cnncalc.arith.network import walk
    from cnncalc.arith.spec import parse_spec

    spec = parse_spec(text)
    if not spec.is_chain:  # the chains list every layer kind, one after another, as a reference
        assert walk(spec).layers


@pytest.mark.parametrize("doc", ["formulas.md", "lessons.md"])
def test_the_stride_slip_is_credited_to_note_000(doc):
    """'步幅值越小,输出越小' is in note 000 §2; note 001 never says it."""
    text = " ".join((ROOT / "docs" / doc).read_text(encoding="utf-8").split())
    at = text.index('"a smaller stride gives a smaller output"')
    before = text[max(0, text.rfind(";", 0, at), text.rfind(". ", 0, at)) : at]
    assert "note 000" in before.lower() and "001" not in before
