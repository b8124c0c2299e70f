"""Saving from the commands never clobbers what a path is, checks it before work, survives signals."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from tests.bounded_run import ROOT
from tests.cli.signals import signals_as_default


def _names(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_html_onto_a_fifo_without_reader_is_refused_and_the_fifo_stays(cli, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = cli("lesson", "conv", "--answer", "1", "--html", str(fifo))
    assert result.exit_code == 1
    assert f"--html {fifo}: it is a named pipe with no reader" in result.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and _names(tmp_path) == ["pipe"]


def test_html_onto_a_character_device_writes_through_and_keeps_the_device(cli, tmp_path):
    device = tmp_path / "full"
    try:  # a private copy of /dev/full, so that a failure cannot damage the system's
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    except (PermissionError, OSError):
        pytest.skip("cannot create a device node here")
    result = cli("lesson", "conv", "--answer", "1", "--html", str(device))
    assert result.exit_code == 1
    assert f"--html {device}: No space left on device" in result.stderr
    assert stat.S_ISCHR(os.stat(device).st_mode) and os.stat(device).st_rdev == os.makedev(1, 7)
    assert _names(tmp_path) == ["full"]


def test_svg_through_a_symlink_updates_its_target(cli, tmp_path):
    real = tmp_path / "pictures" / "lesson.svg"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "latest.svg"
    link.symlink_to(real)
    result = cli("lesson", "params", "--answer", "5184", "--svg", str(link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and real.read_text().lstrip().startswith("<svg")
    assert _names(real.parent) == ["lesson.svg"]


def test_an_existing_file_keeps_its_mode(cli, tmp_path):
    target = tmp_path / "step.svg"
    target.write_text("old")
    target.chmod(0o644)
    result = cli("step", "conv", "--example", "d2l", "--svg", str(target))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o644 and target.read_text().lstrip().startswith("<svg")


@pytest.mark.parametrize("where", ["", ".", "folder"], ids=["empty", "dot", "folder"])
def test_train_checks_save_before_the_first_step(cli, tmp_path, monkeypatch, where):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    from cnncalc.nn.training import Trainer

    def never(*args, **kwargs):
        raise AssertionError("training started before --save was checked")

    monkeypatch.setattr(Trainer, "run", never)
    result = cli("train", "--steps", "1", "--save", where)
    assert result.exit_code == 2, result.output
    if where == "":  # refused as the option is read, as an empty name (not as the folder '.')
        assert "Invalid value for '--save': the name is empty; give a file name" in result.stderr
    else:
        assert (
            result.stderr.startswith(f"error: --save {where}: it is a folder") and ".tmp" not in result.stderr
        )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_stop_training_like_ctrl_c(tmp_path, sig):
    path = tmp_path / "m.npz"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cnncalc", "train", "--epochs", "200", "--save", str(path), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        preexec_fn=signals_as_default,
    )
    deadline = time.monotonic() + 60
    while not path.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)  # the first epoch's checkpoint shows that training is under way
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    name = signal.Signals(sig).name
    assert proc.returncode == 130, err.decode()
    assert f"interrupted by {name} after step" in err.decode() and f"saved to {path}" in err.decode()
    from cnncalc.nn.checkpoint import read_checkpoint

    _, meta, _ = read_checkpoint(path)
    assert meta["step"] == json.loads(out)["steps"]  # the steps since the last epoch were saved too
    assert _names(tmp_path) == ["m.npz"]  # no temporary file left


def test_a_resumed_run_does_not_overwrite_another_runs_save(cli, tmp_path, monkeypatch):
    shared = tmp_path / "shared.npz"
    assert cli("train", "--epochs", "1", "--save", str(shared), "--json").exit_code == 0
    import cnncalc.nn.checkpoint as checkpoint

    other_run = tmp_path / "other.npz"
    assert cli("train", "--epochs", "2", "--seed", "3", "--save", str(other_run), "--json").exit_code == 0
    resume = checkpoint.resume_trainer

    def meanwhile(*args, **kwargs):
        # after this run read shared.npz, another run saves its epoch 2 there
        shared.write_bytes(other_run.read_bytes())
        return resume(*args, **kwargs)

    monkeypatch.setattr(checkpoint, "resume_trainer", meanwhile)
    result = cli("train", "--resume", str(shared), "--epochs", "1", "--json")
    assert result.exit_code == 1
    message = json.loads(result.stderr)["error"]
    assert f"{shared} changed since this run last read or wrote it" in message
    assert f"saved to {tmp_path / 'shared.1.npz'}" in message
    assert shared.read_bytes() == other_run.read_bytes()  # the other run's save is left as it is
    _, mine, _ = checkpoint.read_checkpoint(tmp_path / "shared.1.npz")
    assert mine["epoch"] == 2 and mine["settings"]["seed"] == 0


def test_a_save_onto_a_folder_is_refused_in_chinese(zh, tmp_path):
    from tests.zh_helpers import english_runs

    result = zh("train", "--steps", "1", "--save", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert f"--save {tmp_path}：它是一个文件夹；请给出其中的一个文件名，例如 {tmp_path}/NAME" in result.stderr
    assert english_runs(result.stderr) == [], result.stderr


def test_a_fifo_without_reader_is_refused_in_chinese(zh, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = zh("lesson", "conv", "--answer", "1", "--html", str(fifo))
    assert result.exit_code == 1
    assert f"--html {fifo}：它是一个没有读取方的命名管道" in result.stderr


def test_reading_a_folder_as_an_image_is_refused_in_chinese(zh, model_file, tmp_path):
    result = zh("predict", "--model", str(model_file), "--image", str(tmp_path))
    assert result.exit_code == 1
    assert f"--image {tmp_path} 是文件夹，不是文件" in result.stderr


def test_a_folder_that_takes_no_new_file_is_said_in_chinese(tmp_path, monkeypatch):
    import errno
    import tempfile

    from cnncalc import i18n
    from cnncalc.arith.errors import CnnCalcError
    from cnncalc.safety.atomic import check_writable

    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    i18n.set_language("zh")
    try:
        with pytest.raises(CnnCalcError) as caught:
            check_writable(tmp_path / "a.npz", field="save")
    finally:
        i18n.set_language("en")
    assert str(caught.value) == f"save {tmp_path / 'a.npz'}：无法在 {tmp_path} 中创建文件（权限不够）"
