"""Milliseconds per optimizer step: cnncalc's NumPy trainer vs PyTorch (CPU), same model, same data.

The model is note 000's Keras MNIST CNN (`keras-mnist`): conv32 k3 relu, maxpool2, conv64 k3 relu,
maxpool2, conv64 k3 relu, flatten, fc64 relu, fc10; Adam 1e-3, batch 64, 28×28 inputs. Both sides
see the same batches (random images, or MNIST-format files with --data DIR). A step is forward,
loss, backward and the optimizer update. Peak memory is the process's peak resident set size
measured in a fresh subprocess per framework.

Each framework runs `--rounds` times (default 3), alternating, each run in a fresh process; the
report gives the median of the runs' medians and the median of the rounds' ratios.

    python benchmarks/train_step.py                 # both frameworks, 3 rounds of 200 timed steps
    python benchmarks/train_step.py --steps 50 --only cnncalc --rounds 1
    python benchmarks/train_step.py --threads 1     # both single-threaded (fairer on a busy machine)
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BATCH = 64
WARMUP = 10


def batches(steps: int, data: str | None, seed: int = 0):
    """(x, y) pairs of float32 NCHW images in [0, 1] and int64 labels, the same for both frameworks."""
    if data:
        from cnncalc.nn.data import load_idx_dir

        ds = load_idx_dir(Path(data))
        x_all, y_all = ds.x_train, ds.y_train
    else:
        rng = np.random.default_rng(seed)
        x_all = rng.random((2048, 1, 28, 28), dtype=np.float32)
        y_all = rng.integers(0, 10, 2048)
    rng = np.random.default_rng(seed + 1)
    for _ in range(steps):
        idx = rng.integers(0, len(y_all), BATCH)
        yield x_all[idx], y_all[idx]


def run_cnncalc(steps: int, data: str | None, threads: int | None) -> list[float]:
    from cnncalc.nn.blas import blas_threads, threads_for
    from cnncalc.nn.defaults import KERAS_MNIST_SPEC
    from cnncalc.nn.losses import softmax_cross_entropy
    from cnncalc.nn.memory import keep_freed_memory
    from cnncalc.nn.model import build_model
    from cnncalc.nn.optim import Adam
    from cnncalc.nn.parallel import split_work

    model = build_model(KERAS_MNIST_SPEC, classes=10)
    opt = Adam(model.named_params(), lr=1e-3)
    times = []
    # As Trainer.run does: BLAS single-threaded, each batch split over `threads` threads.
    threads = threads or threads_for(model.network.total_macs * BATCH)
    keep_freed_memory()
    with blas_threads(1), split_work(threads):
        for x, y in batches(steps + WARMUP, data):
            start = time.perf_counter()
            logits = model.forward(x, train=True)
            _, grad = softmax_cross_entropy(logits, y)
            model.backward(grad)
            opt.step(model.named_grads())
            times.append(time.perf_counter() - start)
    return times[WARMUP:]


def run_torch(steps: int, data: str | None, threads: int | None) -> list[float]:
    import torch

    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(576, 64),
        nn.ReLU(),
        nn.Linear(64, 10),
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    times = []
    for x, y in batches(steps + WARMUP, data):
        start = time.perf_counter()
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xt), yt)
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - start)
    return times[WARMUP:]


def child(framework: str, steps: int, data: str | None, threads: int | None) -> None:
    run = run_cnncalc if framework == "cnncalc" else run_torch
    times = run(steps, data, threads)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        json.dumps(
            {
                "median_ms": statistics.median(times) * 1e3,
                "mean_ms": statistics.fmean(times) * 1e3,
                "peak_mib": peak_kib / 1024,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--data", help="a folder of MNIST-format IDX files (default: random images)")
    parser.add_argument("--only", choices=["cnncalc", "torch"])
    parser.add_argument(
        "--threads", type=int, help="BLAS / intra-op threads for both (default: each library's own)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="alternate the frameworks this many times; report medians (default 3)",
    )
    parser.add_argument("--child", choices=["cnncalc", "torch"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.steps, args.data, args.threads)
        return
    frameworks = [f for f in ("cnncalc", "torch") if not args.only or f == args.only]
    runs: dict[str, list[dict]] = {f: [] for f in frameworks}
    skipped: dict[str, str] = {}
    # Alternating the two, round after round, spreads a busy spell of the machine over both.
    for _ in range(max(args.rounds, 1)):
        for framework in frameworks:
            if framework in skipped:
                continue
            cmd = [sys.executable, __file__, "--child", framework, "--steps", str(args.steps)]
            if args.data:
                cmd += ["--data", args.data]
            if args.threads:
                cmd += ["--threads", str(args.threads)]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                skipped[framework] = (proc.stderr.strip().splitlines()[-1:] or ["failed"])[0]
                continue
            runs[framework].append(json.loads(proc.stdout))
    for framework in frameworks:
        if framework in skipped:
            print(f"{framework:8} skipped: {skipped[framework]}")
            continue
        rs = runs[framework]
        each = ", ".join(f"{r['median_ms']:.2f}" for r in rs)
        print(
            f"{framework:8} {statistics.median(r['median_ms'] for r in rs):7.2f} ms/step "
            f"(median of {len(rs)} runs: {each})  peak RSS {max(r['peak_mib'] for r in rs):.0f} MiB"
        )
    if all(runs[f] for f in ("cnncalc", "torch") if f in runs) and len(runs) == 2:
        # The ratio of each round's pair, then their median: both ran at nearly the same time.
        ratios = [
            c["median_ms"] / t["median_ms"] for c, t in zip(runs["cnncalc"], runs["torch"], strict=False)
        ]
        print(
            f"ratio    {statistics.median(ratios):.2f}× PyTorch (rounds: {', '.join(f'{r:.2f}' for r in ratios)}; "
            f"target ≤ 1.5×, aim ≤ 1.0×)"
        )


if __name__ == "__main__":
    main()
