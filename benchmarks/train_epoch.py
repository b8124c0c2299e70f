"""Whole epochs of note 000's recipe on real data: cnncalc's trainer vs the same recipe in PyTorch.

Note 000 trains its Keras MNIST CNN (keras-mnist) with Adam (lr 0.001) in batches of 64 for 5
epochs, then evaluates on the test set; seed 0. Each side trains on the shuffled training set
(the same order for both: numpy's permutation of seed 0, as `cnncalc train` draws it) and
evaluates the 10,000 test images after every epoch, in batches of `EVAL_BATCH` for both.

- cnncalc: `Trainer.create(keras-mnist, data, Settings.for_data(...))` and `trainer.run`, exactly
  what `cnncalc train --preset keras-mnist --data DIR` runs.
- PyTorch: the same model, optimizer and batches, written as a PyTorch user would; the images
  are converted to float32 tensors up front, as note 000 does with `astype('float32') / 255`.

Reported per thread count (the same for both: cnncalc's batch split, `torch.set_num_threads`):
the wall time of an epoch including its evaluation (median over runs; the ratio is the median of
the rounds' ratios, rounds alternating the two), the evaluation's share, the test accuracy after
each epoch, and each process's peak resident memory (loading, training and evaluation).

    python benchmarks/train_epoch.py --data /usr/share/datasets/fashion-mnist
    python benchmarks/train_epoch.py --data /usr/share/datasets/fashion-mnist --epochs 5 --rounds 1
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

from benchmarks.machine import alternate_rounds, idle_note, idle_rounds  # noqa: E402

FRAMEWORKS = ("cnncalc", "torch")


def run_cnncalc(data: str, epochs: int, threads: int) -> dict:
    from cnncalc.arith.spec import parse_spec
    from cnncalc.nn.data import load_idx_dir
    from cnncalc.nn.defaults import KERAS_MNIST_SPEC
    from cnncalc.nn.settings import Settings
    from cnncalc.nn.training import Trainer

    dataset = load_idx_dir(Path(data))
    trainer = Trainer.create(parse_spec(KERAS_MNIST_SPEC), dataset, Settings.for_data(dataset.name))
    trainer.threads = threads
    epochs_out = []
    for _ in range(epochs):
        start = time.perf_counter()
        result = trainer.run(1)
        wall = time.perf_counter() - start
        stats = result.history[-1]
        epochs_out.append(
            {
                "seconds": wall,
                "evaluation_seconds": stats.seconds - sum(result.step_seconds),
                "test_accuracy": stats.test_accuracy,
            }
        )
    return {"epochs": epochs_out}


def run_torch(data: str, epochs: int, threads: int) -> dict:
    import torch

    from benchmarks.train_step import torch_model
    from cnncalc.nn.data import IDX_FILES, IMAGES_MAGIC, LABELS_MAGIC, read_idx
    from cnncalc.nn.model import EVAL_BATCH

    torch.set_num_threads(threads)
    folder = Path(data)
    raw = {
        key: read_idx(_idx_path(folder, stem), IMAGES_MAGIC if "images" in key else LABELS_MAGIC)
        for key, stem in IDX_FILES.items()
    }
    # Note 000: images.astype('float32') / 255, for the whole data set.
    x_train = torch.from_numpy(raw["train_images"].astype("float32") / 255).unsqueeze(1)
    x_test = torch.from_numpy(raw["test_images"].astype("float32") / 255).unsqueeze(1)
    y_train = torch.from_numpy(raw["train_labels"].astype(np.int64))
    y_test = torch.from_numpy(raw["test_labels"].astype(np.int64))
    model = torch_model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    shuffle = np.random.default_rng(0)
    epochs_out = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        order = torch.from_numpy(shuffle.permutation(len(y_train)))
        for i in range(0, len(order), 64):
            idx = order[i : i + 64]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(x_train[idx]), y_train[idx]).backward()
            opt.step()
        eval_start = time.perf_counter()
        model.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, len(y_test), EVAL_BATCH):
                predicted = model(x_test[i : i + EVAL_BATCH]).argmax(dim=1)
                correct += int((predicted == y_test[i : i + EVAL_BATCH]).sum())
        end = time.perf_counter()
        epochs_out.append(
            {
                "seconds": end - start,
                "evaluation_seconds": end - eval_start,
                "test_accuracy": correct / len(y_test),
            }
        )
    return {"epochs": epochs_out}


def _idx_path(folder: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    raise SystemExit(f"{folder}: no {stem} or {stem}.gz")


def child(framework: str, data: str, epochs: int, threads: int) -> dict:
    from cnncalc.nn.memory import keep_freed_memory

    keep_freed_memory()  # the same malloc settings for both (see benchmarks/train_step.py)
    run = run_cnncalc if framework == "cnncalc" else run_torch
    report = run(data, epochs, threads)
    report["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report


def run_child(framework: str, args: argparse.Namespace, threads: int) -> dict:
    cmd = [sys.executable, __file__, "--child", framework, "--data", args.data, "--epochs", str(args.epochs)]
    proc = subprocess.run([*cmd, "--threads", str(threads)], capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines()[-1:] or ["failed"])[0]}
    return json.loads(proc.stdout)


def summarize(runs: dict[str, list[dict]]) -> dict:
    out: dict = {"rounds": len(next(iter(runs.values()), [])), "idle_rounds": idle_rounds(runs)}
    for framework, rs in runs.items():
        good = [r for r in rs if "error" not in r]
        if not good:
            out[framework] = {"error": rs[0]["error"] if rs else "not run"}
            continue
        per_run = [statistics.median(e["seconds"] for e in r["epochs"]) for r in good]
        out[framework] = {
            "seconds_per_epoch": statistics.median(per_run),
            "runs_seconds": [round(s, 2) for s in per_run],
            "evaluation_seconds": statistics.median(
                e["evaluation_seconds"] for r in good for e in r["epochs"]
            ),
            "test_accuracy": [round(e["test_accuracy"], 4) for e in good[-1]["epochs"]],
            "peak_mib": max(r["peak_mib"] for r in good),
        }
    pairs = list(zip(runs.get("cnncalc", []), runs.get("torch", []), strict=False))
    ratios = [
        statistics.median(e["seconds"] for e in c["epochs"])
        / statistics.median(e["seconds"] for e in t["epochs"])
        for c, t in pairs
        if "error" not in c and "error" not in t
    ]
    if ratios:
        out["ratio"] = statistics.median(ratios)
        out["round_ratios"] = [round(r, 3) for r in ratios]
        out["memory_ratio"] = out["cnncalc"]["peak_mib"] / out["torch"]["peak_mib"]
    return out


def print_report(args: argparse.Namespace, results: dict[int, dict]) -> None:
    print(
        f"note 000's recipe (keras-mnist, Adam 1e-3, batch 64, seed 0) on {args.data}; {args.epochs} epoch(s) a run"
    )
    for threads, res in results.items():
        print(f"\n{threads} thread{'s' if threads > 1 else ''}{idle_note(res)}:")
        for framework in FRAMEWORKS:
            r = res.get(framework)
            if r is None:
                continue
            if "error" in r:
                print(f"  {framework:8} skipped: {r['error']}")
                continue
            runs = ", ".join(f"{s:.2f}" for s in r["runs_seconds"])
            accuracy = ", ".join(f"{a:.1%}" for a in r["test_accuracy"])
            print(
                f"  {framework:8} {r['seconds_per_epoch']:6.2f} s/epoch (runs: {runs}; evaluation "
                f"{r['evaluation_seconds']:.2f} s)  peak RSS {r['peak_mib']:.0f} MiB  test accuracy {accuracy}"
            )
        if "ratio" in res:
            rounds = ", ".join(f"{v:.2f}" for v in res["round_ratios"])
            print(f"  ratio    {res['ratio']:.2f}× PyTorch's epoch time (rounds: {rounds})")
            print(f"  memory   {res['memory_ratio']:.2f}× PyTorch's peak RSS")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", required=True, help="an IDX folder, e.g. /usr/share/datasets/fashion-mnist")
    parser.add_argument("--epochs", type=int, default=1, help="epochs per run (default 1)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts (default 1 2)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--only", choices=FRAMEWORKS, help="run one framework")
    parser.add_argument(
        "--idle",
        type=float,
        metavar="SECONDS",
        help="before each round, wait up to SECONDS for the machine to be idle (others share it)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--child", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.data, args.epochs, args.threads[0])))
        return
    frameworks = [f for f in FRAMEWORKS if not args.only or f == args.only]
    runs = alternate_rounds(
        args.rounds,
        args.threads,
        frameworks,
        lambda framework, threads: run_child(framework, args, threads),
        args.idle,
    )
    results = {t: summarize(r) for t, r in runs.items()}
    if args.json:
        print(json.dumps({"data": args.data, "epochs": args.epochs, "threads": results}, indent=2))
    else:
        print_report(args, results)


if __name__ == "__main__":
    main()
