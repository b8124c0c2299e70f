"""The calculator in Chinese (`--lang zh`): `shape`, `params`, `rf`, `solve padding|stride|kernel|combos`,
their errors, click's usage errors and `--help`, in the course notes' words, with the English
answer's numbers and no English sentence left."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from cnncalc.render.width import display_width
from tests.zh_helpers import english_runs, has_chinese, numbers

ROOT = Path(__file__).resolve().parent.parent.parent


# (arguments, terms of the glossary the answer uses, spec text the answer quotes)
ANSWERS = [
    (("shape", "-i", "96", "-k", "5"), ("卷积核", "步幅", "填充", "输出", "计算过程", "窗口"), ()),
    (("shape", "-i", "10", "-k", "3", "-s", "2"), ("向下取整", "说明", "覆盖"), ()),
    (("shape", "-i", "28", "-k", "4", "-p", "same"), ("填充", "奇数", "下方"), ()),
    (("shape", "-i", "28x20", "-k", "3", "-s", "2", "-p", "1"), ("行", "列"), ()),
    (("shape", "-i", "11", "-k", "2", "-s", "5"), ("跳过",), ()),
    (("shape", "--op", "maxpool", "-i", "92", "-k", "4"), ("最大池化", "步幅", "池化核"), ()),
    (("shape", "--op", "maxpool", "-i", "7", "-k", "2"), ("向上取整模式",), ()),
    (("shape", "--op", "maxpool", "-i", "6", "-k", "3", "-s", "2", "--ceil"), ("向上取整模式",), ()),
    (("shape", "--op", "maxpool", "-i", "5", "-k", "2", "-s", "2", "-p", "1", "--ceil"), ("右侧填充",), ()),
    (("shape", "--op", "avgpool", "-i", "7", "-k", "3", "-s", "2", "-p", "1"), ("平均池化",), ()),
    (("shape", "--op", "tconv", "-i", "4", "-k", "4", "-s", "2", "-p", "1"), ("转置卷积", "卷积核"), ()),
    (("shape", "--dims", "1", "-i", "100", "-k", "5", "-s", "5"), ("1 维",), ()),
    (("shape", "-i", "32", "-k", "3", "-p", "full"), ("填充",), ()),
    (("shape", "-i", "32", "-k", "3", "-d", "2", "-p", "valid"), ("膨胀",), ()),
    (("shape", "-i", "32", "-k", "3", "-p", "1", "--cin", "3", "--cout", "64"), ("权重", "偏置", "参数"), ()),
    (("params", "--cin", "3", "--cout", "192", "--k", "3"), ("权重", "偏置", "过滤器", "权值共享"), ()),
    (("params", "--cin", "32", "--cout", "32", "-k", "3", "--groups", "32"), ("深度卷积",), ()),
    (("params", "--fc", "--cin", "576", "--cout", "64"), ("全连接", "输出特征"), ()),
    (
        ("params", "--cin", "3", "--cout", "64", "-k", "3", "-p", "1", "--input", "224x224"),
        ("乘加运算", "等价的全连接层", "权值共享"),
        (),
    ),
    (("params", "--cin", "4", "--cout", "8", "-k", "3", "--transposed", "-g", "2"), ("转置卷积", "分组"), ()),
    (
        ("rf", "-i", "3x64x64", "conv 64 k=7 s=2 p=3 | maxpool k=3 s=2 p=1 | conv 64 k=3 p=1"),
        ("感受野", "反向递推", "跳步", "起点", "正向视图"),
        ("conv 64 k=7 s=2 p=3", "maxpool k=3 s=2 p=1", "conv 64 k=3 p=1"),
    ),
    (
        ("rf", "-i", "1x32x32", "conv 8 k=3 d=2 | conv 8 k=3 d=4"),
        ("感受野", "输入像素"),
        ("conv 8 k=3 d=2", "conv 8 k=3 d=4"),
    ),
    (
        ("rf", "-i", "8x16x16", "conv 8 k=3 p=1 | add( conv 8 k=5 p=2 ; conv 8 k=1 ) | conv 8 k=3 p=1"),
        ("最宽的路径", "上表沿这条路径计算"),
        ("conv 8 k=3 p=1", "add( conv 8 k=5 p=2 ; conv 8 k=1 )", "conv 8 k=5 p=2", "conv 8 k=1"),
    ),
    (("solve", "padding", "--input", "28", "--kernel", "4"), ("目标", "验算", "奇数"), ()),
    (
        ("solve", "padding", "--input", "28", "--kernel", "4", "--stride", "2", "--output", "14"),
        ("填充",),
        (),
    ),
    (("solve", "padding", "--input", "28", "--kernel", "3", "--output", "20"), ("步幅", "卷积核"), ()),
    (
        ("solve", "stride", "--input", "32", "--kernel", "4", "--padding", "1", "--output", "16"),
        ("跨度",),
        (),
    ),
    (("solve", "stride", "--input", "33", "--kernel", "3", "--output", "11"), ("跨度", "步幅"), ()),
    (("solve", "stride", "--input", "32", "--kernel", "3", "--output", "12"), ("整数步幅",), ()),
    (("solve", "kernel", "--input", "28", "--output", "14", "--stride", "2"), ("卷积核",), ()),
    (("solve", "kernel", "--input", "28", "--output", "40"), ("填充", "步幅"), ()),
]


def _ids(cases) -> list[str]:
    return [" ".join(a[:6]) for a, *_ in cases]


def _solve_head(args: tuple[str, ...], text: str) -> str:
    """`solve`'s first line (`padding: padding = 2`) is drawn by the network renderer, which speaks
    its own part of the catalog: the calculator's working is what follows."""
    return text.split("\n", 1)[1] if args[0] == "solve" else text


@pytest.mark.parametrize(("args", "terms", "specs"), ANSWERS, ids=_ids(ANSWERS))
def test_each_answer_speaks_chinese_with_the_same_numbers(cli, zh, args, terms, specs):
    english = cli(*args)
    chinese = zh(*args)
    assert english.exit_code == chinese.exit_code, chinese.output
    assert chinese.exit_code == (1 if "不可能" in chinese.stdout or "即使" in chinese.stdout else 0)
    text = chinese.stdout
    for term in terms:
        assert term in text, f"{term} not in\n{text}"
    assert Counter(numbers(text)) == Counter(numbers(english.stdout)), text
    assert english_runs(_solve_head(args, text), allowed=specs) == [], text
    # every table lines up by display width: its lines are as wide as its rules
    for table in _tables(text):
        assert len({display_width(line) for line in table}) == 1, "\n".join(table)


def _tables(text: str) -> list[list[str]]:
    """The boxed tables of `text`, each as its lines."""
    tables: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("┌"):
            tables.append([])
        if (
            tables
            and line[:1] in ("┌", "│", "├", "└")
            and (len(tables[-1]) == 0 or tables[-1][-1][:1] != "└")
        ):
            tables[-1].append(line)
    return tables


@pytest.mark.parametrize(
    "args",
    [("shape", "-i", "10", "-k", "3", "-s", "2"), ("params", "--cin", "3", "--cout", "192", "--k", "3")],
    ids=["shape", "params"],
)
def test_json_keeps_its_keys_and_machine_values_and_speaks_in_its_text(cli_json, zh, args):
    english = cli_json(*args)
    chinese = json.loads(zh(*args, "--json").stdout)

    def same_shape(a, b, path=""):
        assert type(a) is type(b), path
        if isinstance(a, dict):
            assert list(a) == list(b), path
            for key in a:
                same_shape(a[key], b[key], f"{path}.{key}")
        elif isinstance(a, list):
            assert len(a) == len(b), path
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                same_shape(x, y, f"{path}[{i}]")
        elif not isinstance(a, str) or path.rsplit(".", 1)[-1] in ("op", "kind", "padding_mode"):
            assert a == b, path

    same_shape(english, chinese)
    whys = [s["why"] for s in chinese["steps"] if s["why"]]
    assert whys and all(has_chinese(w) for w in whys)
    assert all(has_chinese(n) for n in chinese["notes"])


# (arguments, exit code, what the message says)
ERRORS = [
    (("shape", "-i", "3", "-k", "5"), 1, "比填充后的输入 3"),
    (("shape", "-i", "96", "-k", "5", "-s", "0"), 2, "--stride 0 至少应为 1"),
    (("shape", "-i", "96", "-k", "5", "-d", "0"), 2, "--dilation 0 不允许：1 表示没有间隔"),
    (("shape", "-i", "96", "-k", "3.5"), 2, "不是整数（尺寸都是整数）"),
    (("shape", "-i", "96", "-k", "5", "-p", "x"), 2, "不是填充"),
    (("shape", "-i", "96", "-k", "5", "--op", "foo"), 2, "不是 conv, maxpool, avgpool, tconv 之一"),
    (("shape", "-i", "96", "-k", "5", "--ceil"), 2, "只适用于池化"),
    (("shape", "--op", "avgpool", "-i", "9", "-k", "3", "-d", "2"), 2, "平均池化不能用 --dilation 2"),
    (
        ("shape", "--op", "tconv", "-i", "4", "-k", "3", "-s", "2", "--output-padding", "2"),
        1,
        "必须小于步幅 2",
    ),
    (("shape", "--op", "tconv", "-i", "4", "-k", "4", "-s", "2", "-p", "same"), 2, "转置卷积没有填充 'same'"),
    (("shape", "--op", "maxpool", "-i", "9", "-k", "2", "-p", "2"), 1, "超过了池化核 2 的一半"),
    (("shape", "-i", "9x9", "-k", "3x3x3"), 2, "有 3 个值，但输入有 2 个空间轴"),
    (("shape", "--dims", "1", "-i", "9x9", "-k", "3"), 2, "--input 9x9 有 2 个轴，但 --dims 是 1"),
    (("shape", "-i", "9", "-k", "3", "--cin", "3"), 2, "请同时给出 --cout"),
    (("shape", "-i", "99999999999999999999999999999999", "-k", "3"), 2, "尺寸最大为 10^30"),
    (("params", "--cin", "64", "--cout", "96", "-g", "5"), 1, "不能整除 cin 64"),
    (("params", "--cin", "0", "--cout", "3"), 2, "--cin 0 至少应为 1（一层必须有通道）"),
    (("params", "--cin", "3", "--cout", "3", "--fc", "--input", "9"), 2, "全连接层没有特征图"),
    (("rf",), 2, "请给出网络描述"),
    (("rf", "relu"), 1, "网络里没有带卷积核的层"),
    (
        (
            "solve",
            "combos",
            "--input",
            "32",
            "--output",
            "16",
            "--max-kernel",
            "1000",
            "--max-stride",
            "1000",
        ),
        2,
        "最多",
    ),
]


@pytest.mark.parametrize(("args", "code", "said"), ERRORS, ids=_ids(ERRORS))
def test_errors_and_hints_speak_chinese(cli, zh, args, code, said):
    english = cli(*args)
    result = zh(*args)
    assert result.exit_code == english.exit_code == code, result.output
    assert said in result.stderr, result.stderr
    assert result.stderr.startswith("错误："), result.stderr
    if code == 2:
        assert "提示：见 `cnncalc" in result.stderr
    assert english_runs(result.stderr, allowed=[a for a in args if " " in a]) == [], result.stderr
    assert Counter(numbers(result.stderr)) == Counter(numbers(english.stderr)), result.stderr
    as_json = json.loads(zh(*args, "--json").stderr)
    assert as_json["exit_code"] == code and said.replace("--", "") in as_json["error"].replace("--", "")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("shape", "-i", "3"), "错误：缺少选项 '--kernel' / '-k' / '--k'。"),
        (("shape", "-i", "3", "-k"), "错误：选项 '-k' 需要一个值。"),
        (("shape", "--inptu", "3"), "错误：没有这个选项：--inptu（可能是：--cin, --input）"),
        (("shape", "-i", "3", "-k", "3", "--dims", "x"), "错误：'--dims' 的值无效：'x' 不是有效的整数。"),
        (("shape", "-i", "3", "-k", "3", "extra"), "错误：多出了意外的参数（extra）"),
        (("solve", "padding", "--input", "0", "--kernel", "3"), "的值无效：0 不在范围 x>=1 内。"),
        (("show",), "错误：缺少参数 'what'。可选：\n\tfilters,\n\tmaps"),
    ],
    ids=["missing", "needs-a-value", "no-such-option", "not-an-integer", "extra-argument", "range", "choice"],
)
def test_click_s_usage_errors_speak_chinese(zh, args, said):
    result = zh(*args)
    assert result.exit_code == 2
    assert said in result.stderr, result.stderr
    if "-k" != args[-1]:  # click reports an option missing its value without the usage line
        assert result.stderr.startswith("用法：cnncalc ")
        assert "运行 'cnncalc " in result.stderr and " -h' 查看帮助。" in result.stderr
    assert english_runs(result.stderr) == [], result.stderr


def _cnncalc(*args: str, lang: str = "zh") -> subprocess.CompletedProcess:
    """A fresh process: the app is built in the language chosen first (its help is translated as
    the commands are defined), which the test's in-process app, built in English, cannot show."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "80", "PYTHONPATH": str(ROOT)}
    env.pop("CNNCALC_LANG", None)
    return subprocess.run(
        [sys.executable, "-m", "cnncalc", "--lang", lang, *args], capture_output=True, text=True, env=env
    )


@pytest.mark.parametrize(
    "command", [("shape",), ("params",), ("rf",), ()], ids=["shape", "params", "rf", "root"]
)
def test_help_speaks_chinese_within_the_width(command):
    result = _cnncalc(*command, "--help")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("用法：cnncalc") and "选项：" in text and "显示此帮助信息并退出。" in text
    body = text.split("示例：")[0] + text.split("选项：")[1]  # the examples are commands, kept verbatim
    if command:
        assert english_runs(body, allowed=["[OPTIONS]"]) == [], body
    for line in text.split("选项：")[1].splitlines():
        assert display_width(line) <= 80, line


def test_the_welcome_and_an_unknown_command_speak_chinese():
    welcome = _cnncalc()
    assert welcome.returncode == 0 and "卷积网络的算术" in welcome.stdout and "试试：" in welcome.stdout
    unknown = _cnncalc("nosuchcommand")
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("用法：cnncalc [OPTIONS] COMMAND [ARGS]...")
    assert "错误：没有名为 'nosuchcommand' 的命令。" in unknown.stderr


def test_english_help_is_click_s_own():
    result = _cnncalc("shape", "--help", lang="en")
    assert result.stdout.startswith("Usage: cnncalc shape [OPTIONS]")
    assert "Options:" in result.stdout and "Show this message and exit." in result.stdout


def test_the_tour_s_stops_speak_the_tour_s_language(zh, cli):
    # each stop runs the command again inside the tour's run: it keeps --lang zh, and English stays
    chinese = zh("tour", "--only", "calc")
    assert chinese.exit_code == 0, chinese.output
    assert chinese.stdout.count("卷积（2 维）") >= 3 and "感受野：5" in chinese.stdout
    english = cli("tour", "--only", "calc")
    assert "卷积" not in english.stdout and "convolution (2-D): 96×96 → 92×92" in english.stdout
