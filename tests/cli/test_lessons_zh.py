"""The guided lessons, the quiz and the built-in examples in Chinese (`--lang zh`): the notes' terms,
the same numbers as in English, and no English sentence of this area left.

"English left" is a run of three or more English words whose word triples are written in this
area's modules (the lessons, problems, examples, matrix reader and the tutor commands) and in no
other module: text this area wrote and the catalog did not translate. Commands, spec text and
anything in backticks are set aside. Sentences other modules write inside a lesson (the
calculator's worked steps, the step-through engines and their renderer) are theirs to translate;
each is tested where it is written.
"""

from __future__ import annotations

import ast
import contextlib
import json
import random
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from cnncalc import i18n
from cnncalc.lessons.examples import EXAMPLES
from cnncalc.lessons.guided import LESSONS, build_lesson, lesson_title
from cnncalc.lessons.quiz import TOPICS, make_quiz
from cnncalc.render.width import display_width

ROOT = Path(__file__).resolve().parents[2]
AREA = tuple(
    ROOT / "cnncalc" / p
    for p in (
        "lessons/guided.py",
        "lessons/beyond_arithmetic.py",
        "lessons/overfitting.py",
        "lessons/blocks.py",
        "lessons/examples.py",
        "lessons/quiz.py",
        "lessons/problems.py",
        "lessons/problems_layers.py",
        "lessons/matrix.py",
        "lessons/residual.py",
        "cli/lessons.py",
    )
)

_WORD = r"[A-Za-z][A-Za-z'’]*"
_RUN = re.compile(rf"{_WORD}(?: {_WORD}){{2,}}")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _triples(text: str) -> set[tuple[str, ...]]:
    out: set[tuple[str, ...]] = set()
    for run in _RUN.findall(text):
        words = run.lower().split(" ")
        out.update(zip(words, words[1:], words[2:], strict=False))
    return out


def _written_in(paths) -> set[tuple[str, ...]]:
    """The word triples of every string literal in `paths` (docstrings aside); a placeholder
    `{name}` breaks a run."""
    found: set[tuple[str, ...]] = set()
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                found |= _triples(re.sub(r"\{[^{}]*\}", "\n", node.value))
    return found


ELSEWHERE = set(ROOT.joinpath("cnncalc").rglob("*.py")) - set(AREA)
WRITTEN_HERE = _written_in(AREA) - _written_in(ELSEWHERE)


def english_left(text: str) -> list[str]:
    """The runs of English words in `text` that this area wrote (see the module's docstring)."""
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"cnncalc [^\n]*", " ", text)
    text = " ".join(text.split())
    return [run for run in _RUN.findall(text) if _triples(run) & WRITTEN_HERE]


def _unwrapped(text: str) -> str:
    """`text` with the line breaks rich puts between two Chinese characters taken out (参\n数 → 参数)."""
    return re.sub(r"(?<=[\u4e00-\u9fff])\n *(?=[\u4e00-\u9fff])", "", text)


def numbers(text: str) -> Counter[str]:
    return Counter(_NUMBER.findall(text))


def says_the_same_numbers(chinese: str, english: str) -> bool:
    """Every number of the English text and no other; Chinese may repeat one where its grammar
    counts again what English says once ('loses 4 rows and columns' → 损失了 4 行和 4 列, 'the one
    filter' → 共 1 个过滤器). What a whole lesson prints comes from several modules' sentences."""
    zh, en = numbers(chinese), numbers(english)
    return zh.keys() == en.keys() and all(zh[n] >= en[n] for n in en)


@contextlib.contextmanager
def chinese() -> Iterator[None]:
    i18n.set_language("zh")
    try:
        yield
    finally:
        i18n.set_language("en")


def test_the_detector_finds_this_area_s_english_and_only_it() -> None:
    sentence = "A pooling layer slides a window like a convolution but has no weights"
    assert english_left(f"池化层。{sentence}。") == [sentence]
    # the calculator's why-line is written elsewhere: its translation is tested there
    assert english_left("a 5-wide window slides over the 28 padded rows and fits at 24 positions") == []
    assert english_left("同上：`cnncalc step pool --op min` 与 conv 1 k=3 | maxpool k=2") == []


# -- lessons -------------------------------------------------------------------------------------

TERMS = {
    "conv": ("卷积核", "互相关"),
    "padding": ("填充", "卷积核"),
    "stride": ("步幅",),
    "channels": ("通道", "卷积核"),
    "pooling": ("最大池化", "平均池化"),
    "params": ("权值共享", "局部连接", "全连接层", "参数数目"),
    "rf": ("感受野",),
    "fc": ("展平", "全连接层", "偏置"),
    "tconv": ("转置卷积", "反卷积"),
    "pool-why": ("最小池化", "参数数目"),
    "activations": ("激活函数", "梯度"),
    "softmax": ("交叉熵", "概率"),
    "batchnorm": ("批归一化", "均值"),
    "dropout": ("随机失活",),
    "overfitting": ("过拟合", "验证集", "早停", "权重衰减", "验证准确率"),
    "residual": ("残差", "跳跃连接", "捷径", "投影", "梯度", "批归一化"),
}


def test_every_lesson_has_its_terms() -> None:
    assert set(TERMS) == set(LESSONS)


@pytest.mark.parametrize("name", list(LESSONS))
def test_every_lesson_speaks_chinese_with_the_same_numbers(cli, zh, name: str) -> None:
    # a wrong answer, so the question's working and explanation are shown too
    english = cli("lesson", name, input="-1\n")
    result = zh("lesson", name, input="-1\n")
    assert english.exit_code == result.exit_code == 0, result.output
    with chinese():
        title = lesson_title(name)
    assert _CJK.search(title) and title in result.stdout
    for term in TERMS[name]:
        assert term in _unwrapped(result.stdout), term
    assert english_left(result.stdout) == []
    assert says_the_same_numbers(result.stdout, english.stdout), numbers(result.stdout) - numbers(
        english.stdout
    )


def test_a_lesson_s_text_is_chinese_and_its_json_keeps_its_keys(cli_json, zh) -> None:
    english = cli_json("lesson", "params", "--answer", "5184")
    result = zh("lesson", "params", "--answer", "5184", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data.keys() == english.keys() and data["question"].keys() == english["question"].keys()
    assert (data["name"], data["correct"], data["question"]["answer"]) == ("params", True, 5184)
    assert "权值共享" in json.dumps(data, ensure_ascii=False)
    assert _CJK.search(data["title"]) and _CJK.search(data["question"]["prompt"])
    texts = [b["text"] for b in data["blocks"] if b["type"] == "text"]
    assert texts and all(_CJK.search(t) for t in texts)


def test_the_lesson_list_is_chinese_and_the_names_stay(zh) -> None:
    result = zh("lesson", "--list")
    assert result.exit_code == 0, result.output
    with chinese():
        titles = {name: lesson_title(name) for name in LESSONS}
    for name, title in titles.items():
        assert re.search(rf"^{re.escape(name)} +{re.escape(title)}$", result.stdout, re.M), name
    assert english_left(result.stdout) == []
    listed = json.loads(zh("lesson", "--list", "--json").stdout)["lessons"]
    assert [(d["name"], d["title"]) for d in listed] == list(titles.items())


@pytest.mark.parametrize("columns", [80, 100])
def test_the_overfitting_tables_line_up_by_display_width(runner, columns: int) -> None:
    from cnncalc.cli.app import app

    env = {"NO_COLOR": "1", "COLUMNS": str(columns), "CNNCALC_LANG": "zh"}
    try:
        out = runner.invoke(app, ["lesson", "overfitting", "--answer", "4"], env=env).stdout.splitlines()
    finally:
        i18n.set_language("en")
    head = next(i for i, line in enumerate(out) if line.startswith("方案"))
    table = out[head : head + 6]  # header, rule, the four runs
    # every run's name whole (not cut to 不加措…) on a terminal of 80 columns too
    assert [line.split()[0] for line in table[2:]] == ["不加措施", "随机失活", "权重衰减", "早停"]
    assert "训练准确率（保留权重）" in table[0] and "（第 " in table[2]
    assert len({display_width(line) for line in table}) == 1, "\n".join(table)
    assert display_width(table[0]) <= columns
    first = next(i for i, line in enumerate(out) if line.startswith("不加措施：flatten"))
    curve = out[first + 1 : first + 4]  # header, rule, epoch 1
    assert curve[0].split() == ["轮次", "训练准确率", "验证准确率", "验证损失"]
    assert len({display_width(line) for line in curve}) == 1, "\n".join(curve)


def test_building_a_lesson_in_chinese_changes_no_number() -> None:
    english = build_lesson("pool-why").to_dict()
    with chinese():
        data = build_lesson("pool-why").to_dict()
    assert numbers(json.dumps(data, ensure_ascii=False)) == numbers(json.dumps(english, ensure_ascii=False))
    table = next(b for b in data["blocks"] if b["type"] == "table")
    assert table["headers"] == ["9 的位置", "池化后的 2×2 特征图", ""]
    assert [row[2] for row in table["rows"]] == ["与第 0 列相同", "与第 0 列相同", "变了"]


# -- the quiz ------------------------------------------------------------------------------------

QUIZ_TERMS = {
    "shape": ("卷积核", "输出的高度"),
    "params": ("参数",),
    "rf": ("感受野", "反向递推"),
    "pool": ("池化",),
    "activations": ("是多少",),
    "softmax": ("logits 为", "真实类别"),
    "batchnorm": ("批归一化",),
    "dropout": ("随机失活",),
    "overfitting": ("是多少",),
    "all": ("卷积核", "参数", "感受野"),
}


def _answers(topic: str, seed: int) -> str:
    """The first question answered right, the second with a common mistake, the third left blank."""
    first, second, _third = make_quiz(topic, 3, seed)
    wrong = second.mistakes[0].value if second.mistakes else second.answer + 1
    return f"{first.answer}\n{wrong}\n\n"


@pytest.mark.parametrize("topic", TOPICS)
def test_every_quiz_topic_speaks_chinese_with_the_same_numbers(cli, zh, topic: str) -> None:
    args = ("quiz", "--topic", topic, "--count", "3", "--seed", "3")
    answers = _answers(topic, 3)
    english = cli(*args, input=answers)
    result = zh(*args, input=answers)
    assert english.exit_code == result.exit_code == 0, result.output
    out = result.stdout
    assert "得分：1/3" in out and out.count("你的答案：") == 3
    assert all(term in _unwrapped(out) for term in QUIZ_TERMS[topic]), out
    assert english_left(out) == []
    assert numbers(out) == numbers(english.stdout)


@pytest.mark.parametrize("topic", [t for t in TOPICS if t != "all"])
def test_every_question_and_diagnosis_is_chinese_for_many_seeds(topic: str) -> None:
    """Each topic draws from several kinds of question and mistake: go through many of them."""
    english = [p for seed in range(12) for p in make_quiz(topic, 4, seed)]
    with chinese():
        problems = [p for seed in range(12) for p in make_quiz(topic, 4, seed)]
    assert [p.answer for p in problems] == [p.answer for p in english]
    for p, e in zip(problems, english, strict=True):
        assert _CJK.search(p.question), p.question
        assert numbers(p.question) == numbers(e.question), (p.question, e.question)
        assert [m.value for m in p.mistakes] == [m.value for m in e.mistakes]
        for m, me in zip(p.mistakes, e.mistakes, strict=True):
            assert _CJK.search(m.name), m.name
            assert numbers(m.name + " " + m.explain) == numbers(me.name + " " + me.explain), m
        text = json.dumps(p.to_dict(), ensure_ascii=False)
        assert english_left(text) == [], text


def test_the_quiz_json_keeps_its_keys_and_values_and_speaks_chinese(cli_json, zh) -> None:
    args = ("quiz", "--topic", "params", "--count", "2", "--seed", "7", "--json")
    english = cli_json(*args, input="0\n\n")
    result = zh(*args, input="0\n\n")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data.keys() == english.keys()
    for q, qe in zip(data["questions"], english["questions"], strict=True):
        assert q.keys() == qe.keys()
        assert (q["topic"], q["answer"], q["command"]) == (qe["topic"], qe["answer"], qe["command"])
        assert _CJK.search(q["question"])


def test_the_prompt_and_the_repeat_line_are_chinese(zh) -> None:
    result = zh("quiz", "--topic", "rf", "--count", "1", input="\n")
    assert result.exit_code == 0, result.output
    seed = re.search(r"（随机种子 (\d+)：`cnncalc quiz --seed \1` 可以重做这些题）", result.stdout)
    assert seed, result.stdout
    assert "得分：0/1" in result.stdout


# -- the built-in examples and the errors --------------------------------------------------------


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_every_example_s_title_and_description_are_chinese(zh, name: str) -> None:
    ex = EXAMPLES[name]
    kind = "conv" if ex.op == "conv" else "pool"
    result = zh("step", kind, "--example", name)
    assert result.exit_code == 0, result.output
    with chinese():
        shown = ex.in_current_language()
    assert _CJK.search(shown.title) and _CJK.search(shown.about)
    # rich breaks lines between Chinese characters: compare without the line breaks
    flat = re.sub(r"\s", "", result.stdout)
    assert re.sub(r"\s", "", shown.title) in flat and re.sub(r"\s", "", shown.about) in flat
    assert numbers(shown.title + shown.about) == numbers(ex.title + ex.about)
    assert all(_CJK.search(n) for n in shown.names)
    assert english_left(result.stdout) == []


@pytest.mark.parametrize(
    ("args", "code", "fragments"),
    [
        (
            ["step", "conv", "--input", "1 2 3; 4 5", "--kernel", "1"],
            2,
            ["--input 第 2 行（'4 5'）有 2 个数字，但第 1 行有 3 个"],
        ),
        (
            ["step", "conv", "--input", "1 2; 3 4 | 5 6; 7 8", "--kernel", "1", "--bias", "x"],
            2,
            ["--bias 'x' 不是数字", "--bias 1 或 --bias 1,0"],
        ),
        (["step", "conv", "--input", "1 2; 3 x", "--kernel", "1"], 2, ["--input 第 2 行：'x' 不是数字"]),
        (["step", "conv", "--example", "maxpool"], 2, ["--example maxpool 是 pool 的例子", "`step pool`"]),
        (["quiz", "--topic", "nope"], 2, ["--topic 'nope' 不是以下之一：shape, params"]),
        (["lesson", "nope"], 2, ["课程 'nope' 不是以下之一：conv, padding"]),
    ],
    ids=["row-length", "bias", "not-a-number", "pool-example", "topic", "lesson"],
)
def test_errors_are_chinese_and_name_their_flags(cli, zh, args, code, fragments) -> None:
    result = zh(*args)
    assert result.exit_code == code == cli(*args).exit_code, result.output
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert english_left(result.stderr) == []


def test_a_topic_that_runs_out_says_so_in_chinese(cli, zh, monkeypatch) -> None:
    from cnncalc.lessons import quiz

    make = quiz._MAKERS["rf"]
    monkeypatch.setitem(quiz._MAKERS, "rf", lambda rng: make(random.Random(0)))
    args = ("quiz", "--topic", "rf", "--count", "2", "--seed", "1")
    result = zh(*args)
    assert result.exit_code == 1 == cli(*args).exit_code, result.output
    assert "rf 的题目" in result.stderr and "请用 --count" in result.stderr, result.stderr
    assert english_left(result.stderr) == []
