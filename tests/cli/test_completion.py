"""Shell completion, typer's own: `--show-completion`, `--install-completion`, and the answers a
shell gets. Run as real processes: completion goes through the console script's `main()`."""

from __future__ import annotations

import os
import subprocess
import sys


def _cnncalc(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cnncalc", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
    )


def test_show_completion_prints_the_script_for_a_shell():
    # with detection off, typer takes the shell's name (otherwise it asks shellingham)
    result = _cnncalc("--show-completion", "bash", _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    assert result.returncode == 0, result.stderr
    assert "_CNNCALC_COMPLETE=complete_bash" in result.stdout
    assert "complete -o default -F _cnncalc_completion cnncalc" in result.stdout


def test_the_root_help_offers_completion():
    result = _cnncalc("--help")
    assert "--install-completion" in result.stdout and "--show-completion" in result.stdout


def test_a_shell_is_offered_commands_subcommands_and_options():
    def complete(words: str) -> list[str]:
        cword = str(len(words.split()) - (0 if words.endswith(" ") else 1))
        result = _cnncalc(_CNNCALC_COMPLETE="complete_bash", COMP_WORDS=words, COMP_CWORD=cword)
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    assert complete("cnncalc sh") == ["shape", "show"]
    assert complete("cnncalc solve ") == ["padding", "stride", "kernel", "combos", "input"]
    assert "--kernel" in complete("cnncalc shape --k")
