"""The step-throughs in Chinese (`cnncalc --lang zh step ...`): the course notes' words, the same
numbers as in English, no English sentence left, and tables lined up by display width."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from cnncalc import i18n
from cnncalc.render.width import display_width

ROOT = Path(__file__).resolve().parents[2]

# three or more English words in a row: what is left of a sentence nobody translated
ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z]+(?:'[a-z]+)?(?: [A-Za-z]+(?:'[a-z]+)?){2,}\b")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")

# (arguments, words of the notes the Chinese output must use)
COMMANDS = {
    "conv-d2l": (
        ["conv", "--example", "d2l", "--all"],
        ["输入", "卷积核", "输出", "单元", "窗口位于输入的第 0–1 行、第 1–2 列", "步幅", "填充"],
    ),
    "conv-multichannel": (["conv", "--example", "multichannel", "--all"], ["输入通道 2", "各通道之和"]),
    "conv-edges": (["conv", "--example", "edges", "--cell", "1,1"], ["输出通道", "卷积核 2"]),
    "conv-bias-padding-relu-threshold": (
        [
            "conv",
            "-i",
            "1 2; 3 4",
            "-k",
            "1 0; 0 1",
            "--padding",
            "1",
            "--bias",
            "2",
            "--relu",
            "--threshold",
            "3",
        ],
        ["零填充", "偏置", "阈值"],
    ),
    "conv-dilated": (["conv", "-i", "1 2 3; 4 5 6; 7 8 9", "-k", "1 1; 1 1", "--dilation", "2"], ["膨胀"]),
    "pool-max-backward": (
        ["pool", "--example", "maxpool", "--backward"],
        ["最大池化", "来自输入的第", "反向传播", "梯度", "胜出"],
    ),
    "pool-min": (["pool", "--example", "minpool", "--backward"], ["最小池化", "胜出"]),
    "pool-avg-padded": (
        ["pool", "--op", "avg", "-i", "1 2 3; 4 5 6; 7 8 9", "-k", "2", "--padding", "1", "--backward"],
        ["平均池化", "个填充的零", "平均分给"],
    ),
    "pool-sum-channels-ceil": (
        [
            "pool",
            "--op",
            "sum",
            "-i",
            "1 2 3; 4 5 6; 7 8 9 | 1 0 1; 0 1 0; 1 0 1",
            "-k",
            "2",
            "--ceil",
            "--backward",
        ],
        ["求和池化", "向上取整模式", "输出通道 2", "通道 2"],
    ),
    "softmax": (["softmax", "--logits", "2 1 0.1", "--label", "0"], ["交叉熵", "概率", "真实类别", "梯度"]),
    "softmax-overflow": (["softmax", "--logits", "1000 0 -5", "--label", "2"], ["溢出", "稳定"]),
    "activation": (
        ["activation", "--fn", "relu,sigmoid,tanh,relu6,leakyrelu", "--x", "-1 0 7"],
        ["导数", "激活", "斜率"],
    ),
    "gradient": (
        ["gradient", "--fn", "sigmoid,tanh,relu", "--depth", "4"],
        ["梯度消失", "第 i 层", "激活函数"],
    ),
    "linear": (["linear"], ["线性层", "激活函数", "个参数"]),
    "batchnorm": (["batchnorm"], ["批归一化", "滑动统计量", "评估模式", "缓冲区", "可训练参数"]),
    "dropout": (["dropout", "--p", "0.25"], ["随机失活", "掩码", "训练模式", "评估模式"]),
    "dropout-mask": (["dropout", "--input", "1 2; 3 4", "--mask", "1 0; 0 1"], ["给定的掩码"]),
}


@pytest.fixture
def both(cli):
    """`both("step", ...)` → (English stdout, Chinese stdout), each checked to succeed; English is
    spoken again afterwards."""

    def run(*args: str) -> tuple[str, str]:
        english = cli(*args)
        assert english.exit_code == 0, english.output
        chinese = cli("--lang", "zh", *args)
        assert chinese.exit_code == 0, chinese.output
        return english.stdout, chinese.stdout

    try:
        yield run
    finally:
        i18n.set_language("en")


def other_modules_text(args: list[str]) -> list[str]:
    """What a conv or pool step-through shows that other parts of cnncalc write, in the language
    spoken: the size formula's why-lines and notes (`cnncalc.arith`) and a built-in example's title,
    description and kernel names (`cnncalc.lessons.examples`)."""
    if args[0] not in ("conv", "pool"):
        return []
    from cnncalc.api import step

    options = dict(zip(args[1::2], args[2::2], strict=False))
    if "--example" in options:
        report = getattr(step, f"step_{args[0]}")(example=options["--example"])
    else:
        report = getattr(step, f"step_{args[0]}")(
            input=options["-i"],
            kernel=options["-k"],
            padding=options.get("--padding"),
            **({"dilation": options["--dilation"]} if "--dilation" in options else {}),
            **({"op": options["--op"], "ceil": "--ceil" in args} if args[0] == "pool" else {}),
        )
    shape = report.trace.shape
    text = [t for s in shape.steps for t in (s.why, *s.notes) if t] + list(shape.all_notes)
    title, about = report._about()
    return [*text, title, about, *report._names()]


def english_left(chinese: str, elsewhere: list[str]) -> list[str]:
    """Runs of three English words in `chinese` outside commands, quoted input and `elsewhere`."""
    flat = " ".join(chinese.split())
    for text in sorted(elsewhere, key=len, reverse=True):
        if text:
            flat = flat.replace(" ".join(text.split()), "")
    flat = re.sub(r'"[^"]*"', "", flat)
    flat = re.sub(r"cnncalc(?: [\w-]+)+", "", flat)
    return ENGLISH_SENTENCE.findall(flat)


@pytest.mark.parametrize(("args", "terms"), list(COMMANDS.values()), ids=list(COMMANDS))
def test_every_step_through_speaks_the_notes_chinese_with_the_same_numbers(both, args, terms):
    english, chinese = both("step", *args)
    for term in terms:
        assert term in chinese, (term, chinese)
    assert Counter(NUMBER.findall(chinese)) == Counter(NUMBER.findall(english))
    try:
        i18n.set_language("zh")
        elsewhere = other_modules_text(args)
    finally:
        i18n.set_language("en")
    assert english_left(chinese, elsewhere) == [], chinese
    assert all(display_width(line) <= 100 for line in chinese.splitlines()), chinese


def test_d2l_step_through_in_chinese_line_for_line(both):
    """d2l's example: the products as d2l writes them, each cell where the English has it."""
    english, chinese = both("step", "conv", "--example", "d2l", "--all")
    for products in (
        "0×0 + 1×1 + 3×2 + 4×3 = 19",
        "1×0 + 2×1 + 4×2 + 5×3 = 25",
        "4×0 + 5×1 + 7×2 + 8×3 = 43",
    ):
        assert products in chinese.splitlines()
    assert "输入 1×3×3，1 个 1×2×2 的卷积核，步幅 1，填充 0 → 输出 1×2×2" in chinese.splitlines()
    en_heads = [line for line in english.splitlines() if line.startswith("Cell (")]
    zh_heads = [line for line in chinese.splitlines() if line.startswith("单元 (")]
    assert zh_heads == [
        "单元 (0, 0)：窗口位于输入的第 0–1 行、第 0–1 列",
        "单元 (0, 1)：窗口位于输入的第 0–1 行、第 1–2 列",
        "单元 (1, 0)：窗口位于输入的第 1–2 行、第 0–1 列",
        "单元 (1, 1)：窗口位于输入的第 1–2 行、第 1–2 列",
    ]
    assert [NUMBER.findall(h) for h in zh_heads] == [NUMBER.findall(h) for h in en_heads]
    # the grids under the titles: 卷积核 starts in the column where `kernel` does in English
    en_titles = [line for line in english.splitlines() if line.startswith("input ")]
    zh_titles = [
        line for line in chinese.splitlines() if line.startswith("输入 ") and line.endswith("卷积核")
    ]
    assert len(zh_titles) == len(en_titles) == 4
    for en, zh in zip(en_titles, zh_titles, strict=True):
        assert display_width(zh[: zh.index("卷积核")]) == en.index("kernel")
    assert chinese.split("\n\n")[-1] == "输出\n 19  25\n 37  43\n"


def _columns(line: str, cells: list[str]) -> list[tuple[int, int]]:
    """(first, last + 1) display column of each cell, found left to right in `line`."""
    spans, at = [], 0
    for cell in cells:
        start = line.index(cell, at)
        spans.append((display_width(line[:start]), display_width(line[: start + len(cell)])))
        at = start + len(cell)
    return spans


@pytest.mark.parametrize(
    ("args", "section", "align"),
    [
        (["dropout", "--p", "0.25"], 0, "rllll"),
        (["batchnorm"], -1, "lrcl"),
        (["gradient", "--fn", "relu", "--depth", "3"], 0, "rrrrr"),
    ],
    ids=["dropout", "batchnorm", "gradient"],
)
def test_chinese_tables_line_up_by_display_width(cli, cli_json, args, section, align):
    try:
        table = json.loads(cli("--lang", "zh", "step", *args, "--json").stdout)["sections"][section]
        out = cli("--lang", "zh", "step", *args).stdout.splitlines()
    finally:
        i18n.set_language("en")
    assert table["type"] == "table" and any("\u4e00" <= c <= "\u9fff" for c in "".join(table["headers"]))
    top = out.index(table["title"]) if table["title"] in out else None
    assert top is not None, (table["title"], out)
    lines = out[top + 1 : top + 3 + len(table["rows"])]
    assert set(lines[1]) == {"─"}
    spans = [_columns(lines[0], table["headers"])] + [
        _columns(line, row) for line, row in zip(lines[2:], table["rows"], strict=True)
    ]
    for i, how in enumerate(align):
        edges = {span[i][0] if how == "l" else span[i][1] for span in spans}
        if how == "c":
            edges = {round((span[i][0] + span[i][1]) / 2) for span in spans}
        assert len(edges) == 1, (table["headers"][i], lines)


def test_json_keeps_its_keys_and_numbers_and_speaks_chinese_in_its_text(cli_json):
    try:
        chinese = cli_json("--lang", "zh", "step", "pool", "--example", "maxpool", "--backward")
        softmax = cli_json("--lang", "zh", "step", "softmax", "--logits", "2 1 0.1", "--label", "0")
    finally:
        i18n.set_language("en")
    english = cli_json("step", "pool", "--example", "maxpool", "--backward")

    def without_text(value):
        if isinstance(value, dict):
            return {k: without_text(v) for k, v in value.items() if k not in ("text", "why", "notes")}
        if isinstance(value, list):
            return [without_text(v) for v in value]
        return value

    assert without_text(chinese) == without_text(english)
    assert chinese["steps"][0]["text"] == "max(1, 2, 5, 6) = 6，来自输入的第 1 行、第 1 列"
    assert english["steps"][0]["text"] == "max(1, 2, 5, 6) = 6, from input row 1, column 1"
    assert "最大池化的梯度只流向胜出的那个单元；其余单元得到 0。" in chinese["notes"]
    assert softmax["sections"][0]["title"].startswith("1. 指数：")
    assert softmax["loss"] == pytest.approx(0.41703, abs=1e-5)


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["softmax", "--logits", "1"], 2, "--logits 至少需要两个数"),
        (
            ["softmax", "--logits", "1 2", "--label", "5"],
            2,
            "--label 5 不是一个类别：2 个 logit 对应类别 0 到 1",
        ),
        (["activation", "--fn", "swish"], 2, "--fn 'swish' 不是 relu, sigmoid, tanh, relu6, leakyrelu 之一"),
        (["gradient", "--depth", "1000"], 2, "--depth 1000 必须在 1 到 100 之间"),
        (
            ["gradient", "--weight", "1e200", "--depth", "5"],
            1,
            "--weight 为 1e+200 时，数值在 5 层之内就超出了 float64 的表示范围（|w|^depth）",
        ),
        (["linear", "--x", "1 2"], 2, "还需要给出 --w1, --w2"),
        (["batchnorm", "--eps", "0"], 2, "--eps 0.0 必须是一个小的正数"),
        (["dropout", "--p", "1"], 2, "--p 1.0 必须不小于 0 且小于 1"),
        (
            ["conv", "--example", "d2l", "--cell", "2,0"],
            1,
            "--cell 2,0 超出了 2×2 的输出；行号为 0–1，列号为 0–1",
        ),
        (["conv", "-i", "1 2; 3 4", "-k", "1 0; 0 1 | 1 0; 0 1"], 1, "卷积核 1 有 2 个通道，但输入有 1 个"),
        (["pool", "-i", "1 2; 3 4", "-k", "2", "--grad", "1"], 2, "--grad 是 --backward 所用的上游梯度"),
        (
            ["pool", "-i", "1 2; 3 4", "-k", "2", "--op", "median"],
            2,
            "--op 'median' 不是 max, min, avg, sum 之一",
        ),
        (
            ["conv", "-i", " ".join(["1"] * 60), "-k", "1", "--padding", "25"],
            1,
            "填充后的输入为 51×110：逐步演示最多显示 100 行",
        ),
    ],
    ids=[
        "two-logits",
        "label",
        "fn",
        "depth",
        "overflow",
        "linear",
        "eps",
        "p",
        "cell",
        "channels",
        "grad",
        "op",
        "too-large",
    ],
)
def test_errors_say_what_to_fix_in_chinese_naming_the_flag(cli, args, code, fragment):
    try:
        result = cli("--lang", "zh", "step", *args)
    finally:
        i18n.set_language("en")
    assert result.exit_code == code, result.output
    assert fragment in " ".join(result.stderr.split()), result.stderr
    assert cli("step", *args).exit_code == code


def test_option_help_is_chinese():
    """Option help is translated when the options are defined: a fresh process chooses Chinese first."""
    out = subprocess.run(
        [sys.executable, "-m", "cnncalc", "--lang", "zh", "step", "dropout", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "100", "NO_COLOR": "1"},
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    for text in (
        "一个值被丢弃的概率。",
        "随机掩码的种子。",
        "同时把输出保存为 SVG 图片。",
        "同时把输出保存为 HTML 网页。",
    ):
        assert text in out.stdout, out.stdout


def test_a_saved_copy_is_announced_in_chinese(cli, tmp_path):
    try:
        result = cli("--lang", "zh", "step", "softmax", "--svg", str(tmp_path / "softmax.svg"))
    finally:
        i18n.set_language("en")
    assert result.exit_code == 0, result.output
    assert result.stderr == f"已保存 {tmp_path / 'softmax.svg'}\n"
    assert "指数" in (tmp_path / "softmax.svg").read_text()


def test_the_html_copy_of_d2l_step_through_is_the_chinese_the_terminal_shows(cli, tmp_path):
    page = tmp_path / "d2l.html"
    try:
        result = cli("--lang", "zh", "step", "conv", "--example", "d2l", "--all", "--html", str(page))
    finally:
        i18n.set_language("en")
    assert result.exit_code == 0, result.output
    assert result.stderr == f"已保存 {page}\n"
    html = re.sub(r"<[^>]+>", "", page.read_text())  # the text without rich's colour spans
    for line in ("单元 (0, 1)：窗口位于输入的第 0–1 行、第 1–2 列", "1×0 + 2×1 + 4×2 + 5×3 = 25"):
        assert line in result.stdout.splitlines()
        assert line in html
