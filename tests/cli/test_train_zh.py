"""The trainer in Chinese (`--lang zh`): `train`, `predict`, `show`, `gradcheck` — the notes' words,
tables that line up by display width, and the same numbers as in English (the runs are seeded; the
clock is a fake one, so that the seconds are the same too)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from cnncalc import i18n
from cnncalc.render.width import display_width
from tests.zh_helpers import english_runs, has_chinese, numbers

ROOT = Path(__file__).resolve().parents[2]
SMALL = "conv 4 k=3 | relu | maxpool k=2 | flatten | fc 10"


class _Clock:
    """`time.perf_counter` that moves on by an eighth of a second at each call."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 0.125
        return self.now


@pytest.fixture
def runs(cli, monkeypatch):
    """`runs(*args)` → (English result, Chinese result) of the same command, each on a fresh clock."""
    from cnncalc.nn import training

    def both(*args: str):
        out = []
        for lang in ("en", "zh"):
            monkeypatch.setattr(training, "time", _Clock())
            try:
                out.append(cli("--lang", lang, *args))
            finally:
                i18n.set_language("en")
        return out

    return both


def _table(out: str, first: str) -> list[str]:
    """The lines of the boxed rich table whose top border follows the line starting with `first`."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(first)) + 1
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("└"))
    return lines[start : end + 1]


def _same_numbers_and_no_english(english, chinese) -> None:
    assert english.exit_code == chinese.exit_code == 0, chinese.output
    assert english_runs(chinese.stdout) == [], chinese.stdout
    assert numbers(chinese.stdout) == numbers(english.stdout)


def test_a_run_stopped_by_steps_reads_in_chinese(runs, tmp_path) -> None:
    english, chinese = runs("train", "--steps", "20", "--save", str(tmp_path / "d.npz"))
    _same_numbers_and_no_english(english, chinese)
    out = chinese.stdout
    assert out.startswith(
        "在 digits 上训练 43,050 个参数（1438 张训练 / 359 张测试图像，adam lr=0.002，批大小 32）"
    )
    assert "曲线" in out and "损失（每步）" in out
    assert "（被 --steps 停止）" in out and "；每步 " in out and " 毫秒" in out
    assert f"已保存到 {tmp_path / 'd.npz'}：试试 `cnncalc predict --model" in " ".join(out.split())
    matrix = _table(out, "混淆矩阵（行：真实类别，列：预测类别）")
    assert "┃ 真实 ┃" in matrix[1]
    assert len({display_width(line) for line in matrix}) == 1, "\n".join(matrix)


def test_an_epoch_reads_in_chinese_with_its_table_lined_up(runs) -> None:
    english, chinese = runs("train", SMALL, "--epochs", "1")
    _same_numbers_and_no_english(english, chinese)
    out = chinese.stdout
    epochs = _table(out, "训练")
    assert [cell.strip() for cell in epochs[1].strip("┃").split("┃")] == [
        "轮次",
        "损失",
        "训练准确率",
        "测试准确率",
        "秒",
    ]
    assert len({display_width(line) for line in epochs}) == 1, "\n".join(epochs)
    assert "训练准确率" in out and "测试准确率" in out
    metrics = _table(out, "测试集上每个类别的指标")
    assert [c.strip() for c in metrics[1].strip("┃").split("┃")] == [
        "类别",
        "图像数",
        "精确率",
        "召回率",
        "F1",
    ]
    assert "宏平均" in metrics[-2] and len({display_width(line) for line in metrics}) == 1, "\n".join(metrics)
    assert re.search(r"测试准确率 \d+\.\d\d%，共训练 1 轮、45 步；每步 \d+\.\d\d 毫秒", out), out


def test_predict_says_what_it_sees_in_chinese(runs, model_file) -> None:
    english, chinese = runs("predict", "--model", str(model_file), "--index", "3")
    _same_numbers_and_no_english(english, chinese)
    out = chinese.stdout
    assert out.startswith("digits 测试图像 3 — 真实标签 ")
    assert "← 预测" in out and "← 真实" in out
    assert re.search(r"^预测为 \d（\d+\.\d%）  (✓ 正确|✗ 真实标签是 \d)$", out, re.M), out


def test_show_names_the_layers_in_chinese(runs, model_file) -> None:
    english, chinese = runs("show", "filters", "--model", str(model_file))
    _same_numbers_and_no_english(english, chinese)
    assert chinese.stdout.startswith("第 1 层：conv 4 k=3（红 +，蓝 −）")
    english, chinese = runs("show", "maps", "--model", str(model_file), "--index", "2")
    _same_numbers_and_no_english(english, chinese)
    assert chinese.stdout.startswith("digits 测试图像 2（标签 ")
    assert "第 1 层：conv 4 k=3 → 4×6×6" in chinese.stdout


def test_gradcheck_reads_in_chinese_with_its_table_lined_up(runs) -> None:
    english, chinese = runs("gradcheck", "input 1x6x6 | conv 2 k=3 | tanh | flatten | fc 3")
    _same_numbers_and_no_english(english, chinese)
    table = _table(chinese.stdout, "梯度检验（float64，中心差分，ε = 1e-5）")
    assert [c.strip() for c in table[1].strip("┃").split("┃")][:3] == ["层", "参数", "检验数"]
    assert all("通过" in line for line in table[3:-1])
    assert len({display_width(line) for line in table}) == 1, "\n".join(table)
    assert chinese.stdout.rstrip().endswith("所有梯度都一致")


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["train", "conv 4 k=3 | flatten | fc 3", "--steps", "1"], 1, "但数据有 10 个类别"),
        (
            ["train", "input 1x28x28 | conv 4 k=3 | flatten | fc 10", "--steps", "1"],
            1,
            "网络描述的输入是 1×28×28，但数据的图像是 1×8×8",
        ),
        (["gradcheck", "conv 2 k=3 | flatten | fc 3"], 2, "网络描述中没有 input 行"),
        (["train", "--lr", "0", "--steps", "1"], 2, "--lr 0.0：学习率必须是正数，例如 --lr 0.001"),
        (["train", "--optimizer", "adam", "--momentum", "0.5"], 2, "adam 没有动量这个设置"),
        (["train", "--early-stop", "2", "--steps", "1"], 2, "而这次训练没有验证集；请用 --val-split 留出"),
        (["train", "--flip", "--steps", "1"], 1, "翻转的 2 不是 2"),
        (
            ["train", "--lr-step", "3", "--steps", "1"],
            2,
            "--lr-step 3 是 step 调度的参数；请加上 --lr-schedule step",
        ),
        (["train", "--data", "", "--steps", "1"], 2, "--data 是空的；请给出 digits、mnist、fashion-mnist"),
        (["train", "--save", "", "--steps", "1"], 2, "'--save' 的值无效：名字是空的；请给出一个文件名"),
        (["train", "--lr", "1e309", "--steps", "1"], 2, "--lr 1e309 不是有限的数"),
    ],
    ids=[
        "classes",
        "input",
        "gradcheck-input",
        "lr",
        "momentum",
        "early-stop",
        "flip",
        "lr-step",
        "empty-data",
        "empty-save",
        "lr-overflows",
    ],
)
def test_errors_are_chinese(cli, args, code, fragment) -> None:
    try:
        result = cli("--lang", "zh", *args)
    finally:
        i18n.set_language("en")
    assert result.exit_code == code == cli(*args).exit_code, result.output
    assert fragment in result.stderr, result.stderr
    assert english_runs(result.stderr) == [], result.stderr


def test_predict_past_the_last_image_is_an_error_in_chinese(cli, model_file) -> None:
    try:
        result = cli("--lang", "zh", "predict", "--model", str(model_file), "--index", "400")
    finally:
        i18n.set_language("en")
    assert result.exit_code == 1, result.output
    assert "--index 400 超出了最后一张测试图像（358）" in result.stderr


def test_the_trainer_s_option_help_is_chinese() -> None:
    """Option help is translated when the options are defined: a fresh process chooses Chinese first."""
    out = subprocess.run(
        [sys.executable, "-m", "cnncalc", "--lang", "zh", "train", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "100", "NO_COLOR": "1"},
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert has_chinese(out.stdout)
    for text in ("优化器走完这么多步后停止。", "每一轮结束时和训练结束时保存检查点（.npz）。"):
        assert text in out.stdout, out.stdout
    # the examples one per line, as in English (click rewraps a paragraph not marked verbatim)
    assert (
        "\n    cnncalc train --epochs 3 --save digits.npz      保存模型，供 predict / show 使用\n"
        in out.stdout
    )


def test_a_diverged_run_says_so_in_chinese_and_keeps_the_last_good_checkpoint(cli, tmp_path) -> None:
    path = tmp_path / "m.npz"
    assert cli("train", SMALL, "--steps", "3", "--save", path).exit_code == 0
    args = ("train", "flatten | fc 32 | fc 32 | fc 10", "--optimizer", "sgd", "--lr", "1e6", "--save", path)
    try:
        result = cli("--lang", "zh", *args)
    finally:
        i18n.set_language("en")
    assert result.exit_code == 1, result.output
    said = " ".join(result.stderr.split())
    assert (
        "损失在第 1 轮第" in said
        and "训练已停止。请试试更小的学习率（现在是 1e+06），例如 --lr 100000" in said
    )
    assert f"；最后一个完好的检查点保存在 {path}" in said
    assert english_runs(result.stderr) == [], result.stderr


def test_resuming_on_other_data_is_refused_in_chinese(cli, tmp_path, make_idx) -> None:
    saved = tmp_path / "m.npz"
    assert cli("train", "--steps", "3", "--save", saved, "--json").exit_code == 0
    other = make_idx("idx8")
    try:
        result = cli("--lang", "zh", "train", "--resume", saved, "--data", other, "--epochs", "1")
    finally:
        i18n.set_language("en")
    assert result.exit_code == 1, result.output
    assert (
        f"{saved} 是在 digits（1438 张训练图像和 359 张测试图像）上训练的，不是在 {other}（64 张训练图像和 16 张"
        f"测试图像）上；请用 --data digits 继续训练它" in result.stderr
    )
    assert english_runs(result.stderr, allowed=[str(saved), str(other)]) == [], result.stderr
