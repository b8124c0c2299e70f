"""Saving from the commands never clobbers what a path is."""

from __future__ import annotations

import os
import stat

import pytest


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
