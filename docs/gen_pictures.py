"""Regenerate the gallery in docs/pictures/ by running `cnncalc draw` itself, one command a picture.

python docs/gen_pictures.py          # rewrites docs/pictures/*.svg
python docs/gen_pictures.py --check  # exit 1 if a picture differs from what the command draws now

docs/pictures.md shows each picture under the command that made it; tests/test_docs.py checks
both the commands in the page and the files against this list.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FOLDER = HERE / "pictures"

# (file name, the `cnncalc draw` arguments); the first fifteen are conv_arithmetic's settings
GALLERY: list[tuple[str, list[str]]] = [
    ("no_padding_no_strides", ["conv", "-i", "4", "-k", "3"]),
    ("arbitrary_padding_no_strides", ["conv", "-i", "5", "-k", "4", "-p", "2"]),
    ("same_padding_no_strides", ["conv", "-i", "5", "-k", "3", "-p", "same"]),
    ("full_padding_no_strides", ["conv", "-i", "5", "-k", "3", "-p", "full"]),
    ("no_padding_strides", ["conv", "-i", "5", "-k", "3", "-s", "2"]),
    ("padding_strides", ["conv", "-i", "5", "-k", "3", "-s", "2", "-p", "1"]),
    ("padding_strides_odd", ["conv", "-i", "6", "-k", "3", "-s", "2", "-p", "1"]),
    ("dilation", ["conv", "-i", "7", "-k", "3", "-d", "2"]),
    ("no_padding_no_strides_transposed", ["tconv", "-i", "2", "-k", "3"]),
    ("arbitrary_padding_no_strides_transposed", ["tconv", "-i", "6", "-k", "4", "-p", "2"]),
    ("same_padding_no_strides_transposed", ["tconv", "-i", "5", "-k", "3", "-p", "1"]),
    ("full_padding_no_strides_transposed", ["tconv", "-i", "7", "-k", "3", "-p", "2"]),
    ("no_padding_strides_transposed", ["tconv", "-i", "2", "-k", "3", "-s", "2"]),
    ("padding_strides_transposed", ["tconv", "-i", "3", "-k", "3", "-s", "2", "-p", "1"]),
    (
        "padding_strides_odd_transposed",
        ["tconv", "-i", "3", "-k", "3", "-s", "2", "-p", "1", "--output-padding", "1"],
    ),
    ("same_even_kernel", ["conv", "-i", "6", "-k", "4", "-p", "same"]),
    ("maxpool", ["pool", "-i", "4", "-k", "2"]),
    ("maxpool_ceil", ["pool", "-i", "5", "-k", "2", "--ceil"]),
    ("padding_strides_frame_4", ["conv", "-i", "5", "-k", "3", "-s", "2", "-p", "1", "--frame", "4"]),
    ("rf_three_3x3", ["rf", "conv 1 k=3 | conv 1 k=3 | conv 1 k=3", "--input", "9"]),
    ("rf_dilated", ["rf", "conv 1 k=3 | conv 1 k=3 d=2 | conv 1 k=3 d=4", "--input", "17"]),
    (
        "rf_border",
        ["rf", "conv 1 k=3 s=2 p=1 | conv 1 k=3 s=2 p=1 | conv 1 k=3 p=1", "--input", "12", "--unit", "0,0"],
    ),
    ("net_lenet5", ["net", "--preset", "lenet-5"]),
    ("net_alexnet", ["net", "--preset", "alexnet"]),
    ("net_digits_resnet", ["net", "--preset", "digits-resnet"]),
    ("net_digits_inception", ["net", "--preset", "digits-inception"]),
    ("net_resnet18_depth2", ["net", "--preset", "resnet-18", "--depth", "2"]),
]


def draw(args: list[str], out: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "cnncalc", "draw", *args, "--out", str(out)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> int:
    check = "--check" in sys.argv
    if check:
        with tempfile.TemporaryDirectory() as tmp:
            stale = []
            for name, args in GALLERY:
                fresh = Path(tmp) / f"{name}.svg"
                draw(args, fresh)
                current = FOLDER / f"{name}.svg"
                if not current.exists() or current.read_bytes() != fresh.read_bytes():
                    stale.append(name)
        if stale:
            print(f"out of date: {', '.join(stale)}; run python docs/gen_pictures.py", file=sys.stderr)
            return 1
        return 0
    FOLDER.mkdir(exist_ok=True)
    for name, args in GALLERY:
        draw(args, FOLDER / f"{name}.svg")
    known = {f"{name}.svg" for name, _ in GALLERY}
    for old in FOLDER.glob("*.svg"):
        if old.name not in known:
            old.unlink()
    print(f"wrote {len(GALLERY)} pictures to {FOLDER}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
