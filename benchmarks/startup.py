"""Cold-start cost of the calculator: `cnncalc shape --input 96 --kernel 5` vs `python -c "import typer"`.

Both are run as fresh processes, interleaved, many times; the ratio of the medians is printed.
Target (issue 2): at most 1.3, aim for 1.15. Run it in the environment users have (a venv with
only cnncalc's dependencies): other packages on sys.path can change what typer imports.

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
COMMAND = [*_LAUNCH, "shape", "--input", "96", "--kernel", "5"]
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
    for cmd in (COMMAND, REFERENCE, *([NET] if args.net else [])):  # warm the file cache
        wall(cmd)
    ours, ref, net = [], [], []
    for _ in range(args.runs):
        ours.append(wall(COMMAND))
        ref.append(wall(REFERENCE))
        if args.net:
            net.append(wall(NET))
    m_ours, m_ref = statistics.median(ours), statistics.median(ref)
    print(f"running: {' '.join(COMMAND)}")
    print(
        f"cnncalc shape --input 96 --kernel 5 : median {m_ours * 1000:6.1f} ms  (min {min(ours) * 1000:.1f})"
    )
    print(f'python -c "import typer"            : median {m_ref * 1000:6.1f} ms  (min {min(ref) * 1000:.1f})')
    print(
        f"ratio {m_ours / m_ref:.2f} of medians (target ≤ 1.30, aim 1.15); {min(ours) / min(ref):.2f} of minimums"
    )
    print("(on a busy machine the minimums are the steadier figure: load inflates the longer run more)")
    if net:
        m_net = statistics.median(net)
        print(
            f"cnncalc net --preset resnet-50      : median {m_net * 1000:6.1f} ms  (min {min(net) * 1000:.1f})"
        )
        print(
            f"ratio to shape {m_net / m_ours:.2f} of medians (target ≤ 1.50); {min(net) / min(ours):.2f} of minimums"
        )


if __name__ == "__main__":
    main()
