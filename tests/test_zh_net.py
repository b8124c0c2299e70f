"""The network side in Chinese: `net`, `check`, `rf` and `solve input` on networks, spec and graph
errors, the importer's refusals, `export` and `draw` under `--lang zh`.

Each command runs in English and in Chinese: the Chinese has the glossary's words, the same
numbers as the English, and no English sentence of the network side left (`zh_net_helpers`).
"""

from __future__ import annotations

import ast
import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cnncalc import i18n
from cnncalc.render.width import display_width
from tests.zh_net_helpers import NET_MODULES, english_runs, numbers, untranslated

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "tests" / "fixtures" / "models"
NOTE_001 = "input 2x96x96 | conv 8 k=5 | maxpool k=4 | conv 24 k=6 | maxpool k=4"


@pytest.fixture
def both(cli):
    """Run a command in English, then in Chinese; English is spoken again afterwards."""

    def run(*args: str):
        english = cli(*args)
        try:
            chinese = cli("--lang", "zh", *args)
        finally:
            i18n.set_language("en")
        return english, chinese

    return run


CASES = [
    pytest.param(
        ["net", NOTE_001 + " | flatten | fc 100"],
        0,
        [
            "层",
            "输出",
            "参数",
            "感受野 / 跳步",
            "内存",
            "参数（可训练）",
            "参数内存",
            "激活内存",
            "第 4 层：",
        ],
        id="net-chain",
    ),
    pytest.param(
        ["net", "--preset", "resnet-18"],
        0,
        ["add(5 层 ; 恒等)", "缓冲区（不参与训练）", "批归一化的滑动均值和方差", "用 --depth N 可折叠"],
        id="net-preset-with-blocks",
    ),
    pytest.param(
        ["net", "--preset", "resnet-18", "--depth", "2"],
        0,
        ["条说明属于折叠起来的行：--explain ID 可查看某一行的说明", "解释某一行（层、合并或模块）"],
        id="net-depth",
    ),
    pytest.param(
        ["net", "--preset", "seed-001", "--explain", "3"],
        0,
        ["第 3 层：conv 24 k=6", "输出尺寸", "参数", "MACs", "感受野"],
        id="net-explain-layer",
    ),
    pytest.param(
        ["net", "--preset", "resnet-18", "--explain", "5.1"],
        0,
        [
            "模块 5.1：basic 64",
            "位于 basic 64 ×2（表中第 5 行）",
            "包含",
            "所含各层之和",
            "模块本身不做任何计算",
        ],
        id="net-explain-block",
    ),
    pytest.param(
        ["net", "--preset", "resnet-18", "--explain", "6.1.1"],
        0,
        ["相加 6.1.1：add(5 层 ; 2 层)", "分支 2（6.1.1.6–6.1.1.7）→ 128×28×28", "逐元素求和"],
        id="net-explain-merge",
    ),
    pytest.param(
        ["check", "input 2x96x96 | conv 8 k=5 -> 8x92x92 | maxpool k=4 -> 8x23x23"],
        0,
        ["声称", "实际", "全部 2 个声称都成立 ✓"],
        id="check-holds",
    ),
    pytest.param(
        ["check", NOTE_001 + " -> 8x23x23"],
        1,
        [
            "✗ 第 4 层（maxpool k=4）：声称 8×23×23，实际为 24×4×4（输入 24×18×18）",
            "这个声称重复了前面某一层的形状",
            "通道数：24，不是 8；第 3 层（conv 24 k=6）产生了 24 个通道",
            "1 个声称中有 1 个错误 ✗",
        ],
        id="check-fails",
    ),
    pytest.param(
        ["rf", "conv 8 k=3 | add( conv 8 k=3 p=1 ; ) | maxpool k=2"],
        0,
        ["add(1 层 ; 恒等)", "没有给出输入形状：输出尺寸和参数数目需要 'input CxHxW'。"],
        id="rf-through-a-merge",
    ),
    pytest.param(
        ["solve", "input", "--preset", "resnet-50", "--output", "7x7"],
        0,
        [
            "resnet-50 接受的输入尺寸，按轴列出（3 个通道；尝试了 1 到 1,024）",
            "你的输入 3×224×224：接受 ✓",
            "最后一个特征图为 7×7（表中第 8 行）的输入（例如 3×193×193）：",
            "H 和 W：从 193 到 224 的每个尺寸",
        ],
        id="solve-input",
    ),
    pytest.param(
        ["solve", "combos", "--input", "32", "--output", "16"],
        0,
        ["32 → 16：较小的 (k, s, p)", "计算过程", "每行都覆盖到"],
        id="solve-combos",
    ),
    pytest.param(
        ["net", "--list-presets"],
        0,
        ["预设网络", "参数数目", "说明", "笔记 001 中的 2×96×96 网络", "查看其中一个"],
        id="list-presets",
    ),
    pytest.param(
        ["net", "input 3x64x64 | add( conv 64 k=3 | relu | conv 64 k=3 | relu ) | flatten"],
        1,
        [
            "分支 1（conv 64 k=3 … relu，1.1–1.4）给出 64×60×60",
            "分支 2（恒等）给出 3×64×64",
            "add 要求每个分支给出相同的 C×H×W",
            "损失了 4 行和 4 列",
        ],
        id="residual-branches-do-not-meet",
    ),
    pytest.param(
        ["net", "input 1x8x8\nconv 8 k=3\nblock b(c)\nconv c k=3"],
        2,
        ["第 3 行：模块 'b' 没有 'end'；请用单独一行 'end' 结束它"],
        id="spec-error-names-its-line",
    ),
    pytest.param(
        ["net", "input 1x8x8 | conv 8 k=3 | convv 3"],
        2,
        ["第 2 层（convv 3）：未知的层 'convv'（你是不是想写 'conv'？）", "或 add( … )、concat( … )"],
        id="spec-error-unknown-layer",
    ),
    pytest.param(
        ["net", "--from", str(MODELS / "bad_unknown_layer.py")],
        1,
        ["bad_unknown_layer.py 第 5 行：nn.LSTM(8, 8)：LSTM 不是 cnncalc 认识的层"],
        id="importer-unknown-layer",
    ),
    pytest.param(
        ["net", "--from", str(MODELS / "real" / "torchvision__inception.py"), "--class", "inception_v3()"],
        1,
        ["第 408 行", "被构建了，但 forward() 计算输出时没有用到它", "98,304 个参数"],
        id="importer-unused-layer",
    ),
    pytest.param(
        ["net", "--from", str(MODELS / "real" / "pytorch_cifar__vgg.py")],
        2,
        ["第 22 行：VGG 需要参数 'vgg_name' 的值，而它没有默认值", '"VGG(vgg_name=...)"'],
        id="importer-needs-an-argument",
    ),
    pytest.param(
        ["net", "--from", str(MODELS / "real" / "d2l_en__batch_norm.py")],
        2,
        ["文件定义了 2 个没有被其他代码使用的模型", "BNLeNet()（第 90 行）"],
        id="importer-several-models",
    ),
    pytest.param(
        ["net", "--from", str(ROOT / "cnncalc" / "data" / "models" / "note003_torch_cnn.py")],
        0,
        [
            "未运行代码，读取了",
            "PyTorch 模型 CNN，8 层",
            "来自第 11 行的注释",
            "用网络描述语言（spec）写出的同一网络",
        ],
        id="importer-reads-note-003",
    ),
    pytest.param(
        ["export", "input 3x8x8 | instancenorm | conv 4 k=3", "--to", "keras"],
        1,
        ["表中第 1 行（instancenorm）：Keras 没有 cnncalc 能写出的 instancenorm 层"],
        id="export-refused",
    ),
    pytest.param(
        ["draw", "conv", "-i", "5", "-k", "3", "-s", "2", "-p", "1", "--frame", "4"],
        0,
        [
            "卷积 5×5 → 3×3：卷积核 3，步幅 2，填充 1",
            "第 4 帧（从 0 到 8）：输出 (1, 1) 读取 9 个格",
            "已完成",
        ],
        id="draw-conv",
    ),
    pytest.param(
        ["draw", "pool", "-i", "5", "-k", "2", "--ceil"],
        0,
        ["最大池化 5×5 → 3×3：卷积核 2，步幅 2，向上取整模式"],
        id="draw-pool",
    ),
    pytest.param(
        ["draw", "tconv", "-i", "3", "-k", "3", "-s", "2"],
        0,
        ["转置卷积 3×3 → 7×7", "等价于在输入上做步幅为 1 的卷积（卷积核翻转），输入格之间插入 1 个零"],
        id="draw-tconv",
    ),
    pytest.param(
        ["draw", "rf", "conv 1 k=3 p=1 | conv 1 k=3 p=1", "--input", "9", "--unit", "0,0"],
        0,
        [
            "第 2 层（conv 1 k=3 p=1）的单元 (0, 0) 看到 5×5 个输入像素",
            "感受野：像素",
            "感受野越过输入伸进了填充（虚线格）",
            "该单元只读取其方块所跨 5×5 个单元中的 4×4 个",
        ],
        id="draw-rf",
    ),
    pytest.param(
        ["draw", "net", "--preset", "lenet-5"],
        0,
        ["个方块（保持形状不变的层并入前一个方块）", "156 个参数"],
        id="draw-net",
    ),
    pytest.param(
        ["draw", "net", "--preset", "digits-resnet"],
        0,
        [
            "12 个方块，共 2 条泳道",
            "方块",
            "读取",
            "add(5 层 ; 恒等) + relu",
            "用 --depth N 可把嵌套在第 N 层",
        ],
        id="draw-net-branches",
    ),
    pytest.param(
        ["draw", "net", "--preset", "resnet-18", "--depth", "2"],
        0,
        ["嵌套在第 2 层的模块和合并各画成一个方块", "basic-down 128"],
        id="draw-net-depth",
    ),
    pytest.param(
        ["draw", "rf", "--preset", "digits-resnet"],
        1,
        ["依赖 4 处的 add，那里有分支汇合", "--layer 1"],
        id="draw-rf-branches",
    ),
]


@pytest.mark.parametrize(("args", "code", "terms"), CASES)
def test_the_network_side_speaks_chinese_with_the_english_numbers(both, args, code, terms):
    english, chinese = both(*args)
    assert english.exit_code == chinese.exit_code == code, chinese.output
    text = chinese.stdout + chinese.stderr
    for term in terms:
        assert term in text, f"{term!r} is not in:\n{text}"
    assert numbers(text) == numbers(english.stdout + english.stderr), text
    assert not untranslated(text), f"English left: {untranslated(text)}\n{text}"


def test_the_helper_finds_english_left_and_passes_formulas_spec_and_code():
    assert english_runs("第 4 层：H_out = ⌊(23 + 2·0 − 6)/1⌋ + 1 = 18；conv 8 k=5 -> 8x92x92") == []
    assert english_runs("nn.Conv2d(1, 8, 3)，--explain ID 可查看；expected one of conv, tconv, relu") == [
        "expected one of"
    ]
    left = "激活内存  314.8 KiB  one sample, forward pass, every layer's output"
    assert untranslated(left) == ["one sample forward pass every layer's output"]
    assert untranslated("激活内存  314.8 KiB  一个样本前向传播时每一层的输出") == []


def test_the_chinese_table_lines_up_by_display_width(both):
    _english, chinese = both("net", NOTE_001 + " | flatten | fc 100")
    lines = chinese.stdout.splitlines()
    rule = next(i for i, line in enumerate(lines) if set(line) == {"─"})
    table = [lines[rule - 1], *lines[rule + 1 : lines.index("", rule)]]
    assert "参数" in table[0] and "内存" in table[0]
    assert len({display_width(line) for line in table}) == 1, "\n".join(table)
    # the totals: each value right-aligned under the others, whatever the width of its label
    totals = [
        line for line in lines if line.startswith(("参数（可训练）", "参数内存", "激活内存", "MACs", "FLOPs"))
    ]
    ends = {display_width(line[: re.search(r"\d[\d,.]*( [KMG]?i?B)?", line).end()]) for line in totals}
    assert len(totals) == 5 and len(ends) == 1, "\n".join(totals)


def test_explain_groups_the_working_the_same_way_in_both_languages(both):
    """The groups of `--explain` follow the steps' labels, which `params` says in the language."""
    english, chinese = both("net", "input 3x32x32 | conv 8 k=3 | bn | flatten | fc 10", "--explain", "1")
    headings = [line for line in chinese.stdout.splitlines() if line and not line.startswith(" ")]
    assert headings[1:] == ["输出尺寸", "参数", "MACs", "感受野", "说明"], headings
    assert "Other" not in english.stdout and "其他" not in chinese.stdout
    bn = both("net", "input 3x32x32 | conv 8 k=3 | bn | flatten | fc 10", "--explain", "2")[1].stdout
    assert "\n参数\n" in bn and "其他" not in bn, bn


def test_explain_json_keeps_its_group_keys_and_says_the_titles_in_chinese(both):
    spec = "input 3x32x32 | conv 8 k=3 | bn | flatten | fc 10"
    english, chinese = both("net", spec, "--explain", "2", "--json")
    en, zh = json.loads(english.stdout)["explain"], json.loads(chinese.stdout)["explain"]
    assert [g["group"] for g in zh["groups"]] == [g["group"] for g in en["groups"]] == ["parameters"]
    assert (en["groups"][0]["title"], zh["groups"][0]["title"]) == ("Parameters", "参数")
    assert (
        [s["value"] for s in zh["groups"][0]["steps"]]
        == [s["value"] for s in en["groups"][0]["steps"]]
        == [16]
    )
    assert zh["groups"][0]["steps"][0]["label"] == "参数数目"  # the step says it in the language too


def test_json_keeps_its_keys_and_machine_values_and_says_the_rest_in_chinese(both):
    english, chinese = both("check", NOTE_001 + " -> 8x23x23", "--json")
    en, zh = json.loads(english.stdout), json.loads(chinese.stdout)
    assert en.keys() == zh.keys()
    assert [layer["type"] for layer in zh["layers"]] == [layer["type"] for layer in en["layers"]]
    assert [layer["output_shape"] for layer in zh["layers"]] == [
        layer["output_shape"] for layer in en["layers"]
    ]
    assert zh["claims"][0]["claimed"] == en["claims"][0]["claimed"] == [8, 23, 23]
    assert zh["claims"][0]["explanation"][0].startswith("✗ 第 4 层（maxpool k=4）：声称 8×23×23")
    assert en["claims"][0]["explanation"][0].startswith("✗ layer 4 (maxpool k=4): claimed 8×23×23")


def test_exported_code_is_the_same_code_in_both_languages(both, tmp_path):
    english, chinese = both("export", "--preset", "resnet-18", "--to", "pytorch")
    assert english.exit_code == chinese.exit_code == 0
    assert chinese.stdout == english.stdout  # code, its comments and docstring: English in both
    out = tmp_path / "lenet.py"
    english, chinese = both("export", "--preset", "lenet-5", "--to", "keras", "--out", str(out))
    assert chinese.stdout.startswith(f"已写入 {out}：keras 代码，61,706 个参数，12 层")
    assert english.stdout.startswith(f"wrote {out}: keras code for 61,706 parameters, 12 layers")


def test_a_network_from_standard_input_is_named_so_and_its_code_stays_english(cli):
    spec = "input 1x8x8 | conv 2 k=3 | flatten | fc 3"
    try:
        table = cli("--lang", "zh", "net", "--file", "-", input=spec)
        code = cli("--lang", "zh", "export", "--file", "-", "--to", "pytorch", input=spec)
    finally:
        i18n.set_language("en")
    assert table.exit_code == 0, table.output
    assert table.stdout.splitlines()[0] == "标准输入"
    assert code.exit_code == 0, code.output
    assert code.stdout == cli("export", "--file", "-", "--to", "pytorch", input=spec).stdout
    assert "from standard input." in code.stdout.splitlines()[0]


def _svg_text(document: str) -> str:
    """What an SVG or HTML page shows as text: its elements' contents, its title and description
    (not its style sheet and script)."""
    document = re.sub(r"<(style|script)[^>]*>.*?</\1>", "", document, flags=re.S)
    return "\n".join(html.unescape(t) for t in re.findall(r">([^<>]+)<", document) if t.strip())


@pytest.mark.parametrize(
    ("args", "suffix", "terms"),
    [
        (
            ["draw", "conv", "-i", "5", "-k", "3", "-s", "2", "-p", "1"],
            ".html",
            [
                'lang="zh-CN"',
                ">上一帧</button>",
                ">播放</button>",
                ">下一帧</button>",
                "'暂停'",
                "<h2>计算过程</h2>",
            ],
        ),
        (
            ["draw", "tconv", "-i", "3", "-k", "3", "-s", "2"],
            ".svg",
            ["蓝色格：输入；虚线格：填充以及插在输入格之间的零"],
        ),
        (
            ["draw", "rf", "conv 1 k=3 | conv 1 k=3", "--input", "7"],
            ".svg",
            ["嵌套区域", "该单元，中心位于像素"],
        ),
        (
            ["draw", "net", "--preset", "lenet-5"],
            ".svg",
            ["网络结构图：输入 1×32×32，61,706 个参数", "个参数"],
        ),
        (
            ["draw", "net", "--preset", "digits-inception"],
            ".svg",
            ["各分支从它们读取的方块出发", "方块 9 · 2"],
        ),
        (["draw", "net", "--preset", "digits-resnet"], ".html", ["<h2>计算过程</h2>", "读取"]),
    ],
    ids=[
        "conv-html-player",
        "tconv-svg-legend",
        "rf-svg",
        "net-svg",
        "net-branches-svg",
        "net-branches-html",
    ],
)
def test_saved_pictures_speak_chinese(both, tmp_path, args, suffix, terms):
    out = tmp_path / f"picture{suffix}"
    english, chinese = both(*args, "--out", str(out))
    assert chinese.exit_code == 0, chinese.output
    assert chinese.stdout.startswith(f"已写入 {out}：")
    document = out.read_text(encoding="utf-8")
    for term in terms:
        assert term in document, term
    shown = _svg_text(document)
    assert not untranslated(shown), untranslated(shown)


@pytest.mark.parametrize(
    ("command", "terms"),
    [
        (["net"], ["显示第 ID 行的计算过程", "只显示嵌套不超过 N 层的行", "列出内置的预设网络"]),
        (["check"], ["网络描述（spec），各层用 | 或换行分隔"]),
        (["solve", "input"], ["想要的最后特征图尺寸 HxW", "每个轴最多尝试到 N"]),
        (["solve", "padding"], ["目标尺寸（默认 ⌈N/s⌉，即 'same'）", "膨胀率 d（1 表示没有空隙）"]),
        (["export"], ["类名（PyTorch）或模型名（Keras）", "把代码（原子地）写入 FILE"]),
        (
            ["draw", "rf"],
            ["要追踪的输出单元 i,j", "追踪第 N 层的一个单元", "写出图片：FILE.svg 或 FILE.html"],
        ),
        (["draw", "conv"], ["只画第 N 帧", "写出图片：FILE.svg（动画）"]),
        (["draw", "net"], ["有分支的网络按其计算图来画", "把嵌套在第 N 层的每个模块或合并画成一个方块"]),
    ],
    ids=["net", "check", "solve-input", "solve-padding", "export", "draw-rf", "draw-conv", "draw-net"],
)
def test_option_help_is_chinese(command, terms):
    # option help is translated as the commands are built, so a fresh process chooses the language
    result = subprocess.run(
        [sys.executable, "-m", "cnncalc", "--lang", "zh", *command, "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "", "COLUMNS": "200", "NO_COLOR": "1"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    for term in terms:
        assert term in text, f"{term!r} is not in:\n{result.stdout}"


def test_the_cached_working_of_a_layer_is_worked_again_in_another_language():
    from cnncalc.arith.network import walk

    english = walk("input 1x8x8 | conv 2 k=3").layers[0].shape
    try:
        i18n.set_language("zh")
        chinese = walk("input 1x8x8 | conv 2 k=3").layers[0].shape
    finally:
        i18n.set_language("en")
    again = walk("input 1x8x8 | conv 2 k=3").layers[0].shape
    assert chinese is not english and again is english


def _rebinds_underscore(function: ast.AST) -> bool:
    """Whether a function binds `_` in its own scope (an argument, an assignment, a loop)."""
    args = function.args
    if "_" in [
        a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg) if a
    ]:
        return True
    todo = list(ast.iter_child_nodes(function))
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        if isinstance(node, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            continue  # a comprehension has its own scope
        if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
            return True
        todo.extend(ast.iter_child_nodes(node))
    return False


def test_no_function_that_translates_rebinds_the_translation_function():
    """`for _ in …` or a parameter `_` in a module that imports `_` turns every translation in that
    function into a call of the loop variable."""
    found = []
    for path in sorted(ROOT / module for module in NET_MODULES):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports = any(
            isinstance(n, ast.ImportFrom)
            and n.module == "cnncalc.i18n"
            and any(a.name == "_" for a in n.names)
            for n in tree.body
        )
        if imports:
            found += [
                f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
                for node in ast.walk(tree)
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _rebinds_underscore(node)
            ]
    assert not found, found
