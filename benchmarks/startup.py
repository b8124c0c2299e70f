"""Cold-start cost of the calculator: `cnncalc shape --input 96 --kernel 5` vs `python -c "import typer"`.

All are run as fresh processes, interleaved, many times; the ratios of the medians and of the
minimums are printed, for each language the CLI speaks (`--lang en` and `--lang zh`: Chinese also
reads its message catalog). Target (issues 13 and 14): at most 1.15 in every language. Run it in
the environment users have (a venv with only cnncalc's dependencies): other packages on sys.path
can change what typer imports.

`--net` also times the largest table, `cnncalc net --preset resnet-50`, against `cnncalc shape`
(issue 9: at most 1.5).

    python benchmarks/startup.py [--runs 30] [--net]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

# The installed console script is what users type; `python -m cnncalc` (the working tree, when
# cnncalc is not installed next to this Python) also pays for runpy.
_SCRIPT = Path(sys.executable).with_name("cnncalc")
_LAUNCH = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "cnncalc"]
SHAPE = ["shape", "--input", "96", "--kernel", "5"]
LANGUAGES = ("en", "zh")
COMMANDS = {lang: [*_LAUNCH, "--lang", lang, *SHAPE] for lang in LANGUAGES}
REFERENCE = [sys.executable, "-c", "import typer"]
NET = [*_LAUNCH, "net", "--preset", "resnet-50"]


# Users' installs keep compiled bytecode; an environment that forbids writing it (as CI machines
# may) would time the compiler on every run instead of the start-up.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"NO_COLOR": "1"}


def wall(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=ENV)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--net", action="store_true", help="also time `net --preset resnet-50`")
    args = parser.parse_args()
    timed = {**COMMANDS, "typer": REFERENCE, **({"net": NET} if args.net else {})}
    for cmd in timed.values():  # warm the file cache
        wall(cmd)
    times: dict[str, list[float]] = {name: [] for name in timed}
    for _ in range(args.runs):
        for name, cmd in timed.items():
            times[name].append(wall(cmd))
    median = {name: statistics.median(t) for name, t in times.items()}
    least = {name: min(t) for name, t in times.items()}
    print(f"running: {' '.join(_LAUNCH)} --lang LANG {' '.join(SHAPE)}  ({args.runs} rounds)")
    for lang in LANGUAGES:
        print(
            f"cnncalc --lang {lang} {' '.join(SHAPE)} : median {median[lang] * 1000:6.1f} ms"
            f"  (min {least[lang] * 1000:.1f})"
        )
    print(
        f'python -c "import typer"{" " * 32}: median {median["typer"] * 1000:6.1f} ms'
        f"  (min {least['typer'] * 1000:.1f})"
    )
    for lang in LANGUAGES:
        print(
            f"ratio {lang}: {median[lang] / median['typer']:.2f} of medians,"
            f" {least[lang] / least['typer']:.2f} of minimums (target ≤ 1.15)"
        )
    print("(on a busy machine the minimums are the steadier figure: load inflates the longer run more)")
    if args.net:
        print(
            f"cnncalc net --preset resnet-50 : median {median['net'] * 1000:6.1f} ms  (min {least['net'] * 1000:.1f})"
        )
        print(
            f"ratio to shape {median['net'] / median['en']:.2f} of medians (target ≤ 1.50);"
            f" {least['net'] / least['en']:.2f} of minimums"
        )


if __name__ == "__main__":
    main()
