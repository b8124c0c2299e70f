"""Regenerate docs/cli.md from the commands' own --help, so the reference cannot go stale.

python docs/gen_cli.py          # rewrites docs/cli.md (atomically)
python docs/gen_cli.py --check  # exit 1 if docs/cli.md is out of date (used by the tests)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the working tree's cnncalc, installed or not
TARGET = HERE / "cli.md"

INTRO = """\
# CLI reference

Generated from each command's `--help` by `python docs/gen_cli.py`; `tests/test_docs.py` fails
when it is out of date. Exit codes everywhere: 0 success, 1 an impossible layer or a failed
check (the message on stderr says which value and how to fix it), 2 a malformed value or option,
130 interrupted (Ctrl-C, SIGTERM, SIGHUP), 141 the reader of the output left (`| head`). `cnncalc --traceback COMMAND ...` shows the Python traceback instead of the
one-line message. Every command takes `-h/--help`; most take `--json` for one JSON object on
stdout, and with `--json` any error is one JSON object on stderr:
`{"error": "--input 'abc' is not a whole number; write e.g. --input 3", "exit_code": 2}`.

Shell completion is typer's: `cnncalc --install-completion` adds it to your shell (bash, zsh,
fish or PowerShell; restart the shell after), `cnncalc --show-completion` prints the script to
install by hand. It completes commands, subcommands and options.
"""


def render() -> str:
    from cnncalc.cli.app import app

    os.environ["COLUMNS"] = "100"
    root = typer.main.get_command(app)
    parts = [
        INTRO,
        "## cnncalc\n",
        "```text\n" + root.get_help(root.make_context("cnncalc", [], resilient_parsing=True)) + "\n```\n",
    ]
    for name in root.list_commands(None):
        cmd = root.get_command(None, name)
        sub_ctx = cmd.make_context(f"cnncalc {name}", [], resilient_parsing=True)
        parts.append(f"## cnncalc {name}\n")
        parts.append("```text\n" + cmd.get_help(sub_ctx) + "\n```\n")
        if hasattr(cmd, "list_commands"):
            for sub in cmd.list_commands(sub_ctx):
                sc = cmd.get_command(sub_ctx, sub)
                parts.append(f"### cnncalc {name} {sub}\n")
                parts.append(
                    "```text\n"
                    + sc.get_help(sc.make_context(f"cnncalc {name} {sub}", [], resilient_parsing=True))
                    + "\n```\n"
                )
    return "\n".join(parts)


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print("docs/cli.md is out of date: run python docs/gen_cli.py", file=sys.stderr)
            return 1
        return 0
    from cnncalc.safety.atomic import write_atomic

    write_atomic(TARGET, text)
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
