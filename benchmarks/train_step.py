"""Milliseconds per optimizer step: cnncalc's NumPy trainer vs PyTorch (CPU), same model, same data.

The model is note 000's Keras MNIST CNN (`keras-mnist`) by default: conv32 k3 relu, maxpool2,
conv64 k3 relu, maxpool2, conv64 k3 relu, flatten, fc64 relu, fc10; 28×28 inputs. `--preset NAME`
times another preset on its own input size: `digits-resnet` (residual adds, one of them with a
projection shortcut) and `digits-inception` (parallel branches concatenated) on 8×8. PyTorch runs
the same network written as a PyTorch user would: nn modules, `x + shortcut` and `torch.cat`,
ReLUs in place after a conv, BN or merge as torchvision has them. Adam 1e-3, batch 64. A step is
forward, loss, backward and the optimizer update, on the same batches for both.

Data: real images by default — the built-in 8×8 digits (scaled to 28×28, bilinear, for a 28×28
network), or with `--data DIR` the training images of an IDX folder (Fashion-MNIST on
Debian/Ubuntu: `apt-get install dataset-fashion-mnist`, `--data /usr/share/datasets/fashion-mnist`).
`--random` uses uniform random images instead, and the report says so.

Fairness: each (framework, thread count) runs in a fresh process; the rounds alternate cnncalc,
PyTorch, cnncalc, PyTorch … so that a busy spell of a shared machine hits both, and the report
gives the median of each side's per-run medians and the median of the per-round ratios. Both use
the same number of threads (cnncalc: its batch split, or for a network too small to split its
branches side by side, BLAS single-threaded; PyTorch: `torch.set_num_threads`). Both spin while
they wait for work between the pieces of a step (PyTorch's OpenMP threads, cnncalc's helpers
while the machine has a core to spare; `--no-spin` lets cnncalc's sleep instead), so the CPU
time can exceed the wall time. Both processes get the same malloc settings (`keep_freed_memory`):
with glibc's defaults a process's speed depends on whether it happened to free a large block before
training (loading a data set does), which moved PyTorch by a third between random and real data.
Peak memory is each process's peak resident set size (data included). The report also gives the
CPU time per step (all of a process's threads): on a busy machine, where the other processes
slow both sides down, the 1-thread CPU times are the steadier comparison.

    python benchmarks/train_step.py                          # digits, 1 and 2 threads, 3 rounds
    python benchmarks/train_step.py --data /usr/share/datasets/fashion-mnist
    python benchmarks/train_step.py --threads 2 --rounds 5 --json
    python benchmarks/train_step.py --profile --threads 1    # where the time goes, layer by layer
    python benchmarks/train_step.py --preset digits-resnet --profile
    python benchmarks/train_step.py --random --system-malloc --only torch   # see docs/trainer.md
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import alternate_rounds, idle_note, idle_rounds  # noqa: E402

BATCH = 64
WARMUP = 10
FRAMEWORKS = ("cnncalc", "torch")


# -- data ----------------------------------------------------------------------------------------


def scaled_digits() -> np.ndarray:
    """The built-in digits' training images, 8×8 scaled to 28×28 by bilinear interpolation."""
    from cnncalc.nn.data import load_digits

    x = np.asarray(load_digits().x_train[:], dtype=np.float32)  # (N, 1, 8, 8) in [0, 1]
    # Row i of the 28×8 matrix interpolates output pixel i from the two nearest input pixels.
    centres = np.clip((np.arange(28) + 0.5) * 8 / 28 - 0.5, 0, 7)
    low = np.floor(centres).astype(int)
    high = np.minimum(low + 1, 7)
    frac = (centres - low).astype(np.float32)
    a = np.zeros((28, 8), np.float32)
    a[np.arange(28), low] += 1 - frac
    a[np.arange(28), high] += frac
    return np.einsum("hi,ncij,wj->nchw", a, x, a, optimize=True).astype(np.float32)


def images(data: str | None, random: bool, shape: tuple[int, ...]) -> tuple[object, np.ndarray]:
    """(images of `shape` indexable as x[idx] → float32 NCHW in [0, 1], labels)."""
    if random:
        rng = np.random.default_rng(0)
        return rng.random((2048, *shape), dtype=np.float32), rng.integers(0, 10, 2048)
    if shape == (1, 8, 8):
        from cnncalc.nn.data import load_digits

        digits = load_digits()
        return digits.x_train, digits.y_train
    if data:
        from cnncalc.nn.data import load_idx_dir

        ds = load_idx_dir(Path(data))
        return ds.x_train, ds.y_train
    from cnncalc.nn.data import load_digits

    return scaled_digits(), load_digits().y_train


def images_text(data: str | None, random: bool, shape: tuple[int, ...]) -> str:
    if random:
        return "random images (not real data)"
    if shape == (1, 8, 8):
        return "real images: the built-in digits"
    return f"real images: {data}" if data else "real images: the built-in digits scaled to 28×28"


def batches(x: object, y: np.ndarray, steps: int, seed: int = 1) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """`steps` (x, y) batches of BATCH images drawn with a fixed seed: the same for both frameworks."""
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        idx = np.sort(rng.integers(0, len(y), BATCH))
        yield np.asarray(x[idx], dtype=np.float32), y[idx]


# -- the two trainers ------------------------------------------------------------------------------


class LayerClock:
    """Milliseconds spent in each named part of a step, summed over the steps it is told to count."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.counting = False

    def wrap(self, name: str, fn: Callable) -> Callable:
        def timed(*args: object) -> object:
            start = time.perf_counter()
            result = fn(*args)
            if self.counting:
                self.seconds[name] += time.perf_counter() - start
            return result

        return timed

    def per_step(self, steps: int) -> dict[str, float]:
        return {name: s / steps * 1e3 for name, s in self.seconds.items()}


def input_shape(preset: str) -> tuple[int, ...]:
    from cnncalc.arith.presets import get_preset

    return tuple(get_preset(preset).input_shape)


def cnncalc_step(preset: str, threads: int, clock: LayerClock | None) -> tuple[Callable, Callable[[], None]]:
    """(step(x, y), a context entry) for cnncalc: Trainer.run's setting, BLAS single-threaded."""
    from cnncalc.arith.presets import preset_text
    from cnncalc.nn.blas import blas_threads
    from cnncalc.nn.losses import softmax_cross_entropy
    from cnncalc.nn.model import build_model
    from cnncalc.nn.optim import Adam
    from cnncalc.nn.parallel import plan_for, split_work

    model = build_model(preset_text(preset), classes=10)
    opt = Adam(model.named_params(), lr=1e-3)
    update = opt.step
    if clock is not None:
        # What the model runs: its layers, some fused into one stage (cnncalc.nn.conv_pool).
        for stage in model.stages:
            name = stage_name(model, stage)
            stage.forward = clock.wrap(f"{name}/forward", stage.forward)
            stage.backward = clock.wrap(f"{name}/backward", stage.backward)
        update = clock.wrap("Adam update/update", opt.step)

    def step(x: np.ndarray, y: np.ndarray) -> None:
        logits = model.forward(x, train=True)
        _, grad = softmax_cross_entropy(logits, y)
        model.backward(grad)
        update(model.named_grads())

    blas = blas_threads(1)
    split = split_work(threads, plan_for(model.network.total_macs * BATCH)[1])  # as Trainer.run

    def enter() -> None:
        blas.__enter__()
        split.__enter__()

    return step, enter


def stage_name(model, stage) -> str:  # noqa: ANN001 (cnncalc is imported lazily)
    """'0-2 conv+relu+maxpool' for a fused stage, '6 conv' for a layer (indices in model.layers)."""
    parts = getattr(stage, "layers", [stage])
    first, last = model.layers.index(parts[0]), model.layers.index(parts[-1])
    span = f"{first}-{last}" if last > first else f"{first}"
    return f"{span:>5} {'+'.join(p.kind for p in parts)}"


def torch_model():  # -> torch.nn.Sequential (torch is imported lazily)
    import torch

    nn = torch.nn
    torch.manual_seed(0)
    return nn.Sequential(
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


def torch_graph(preset: str):  # -> torch.nn.Module (torch is imported lazily)
    """The preset as a PyTorch user writes it: one nn module per layer, run in the graph's order,
    adds as `+` and concatenations as `torch.cat`; a ReLU in place after a conv, BN or merge that
    nothing else reads (as torchvision writes them)."""
    import torch

    from cnncalc.arith.network import walk
    from cnncalc.arith.presets import get_preset

    torch.manual_seed(0)
    net = walk(get_preset(preset))
    modules, wiring, kinds = torch.nn.ModuleDict(), [], {}
    readers = Counter(i for node in net.graph.nodes if node.kind != "block" for i in node.inputs)
    for res in net.nodes:
        node = res.node
        kinds[node.id] = node.kind
        if node.kind != "block":
            key = node.id.replace(".", "_")
            if node.layer is not None:
                source = node.inputs[0]
                alone = readers[source] == 1 and kinds.get(source) in ("conv", "bn", "add", "concat")
                modules[key] = torch_layer(res, inplace=alone)
            wiring.append((key, node.kind, [i.replace(".", "_") for i in node.inputs]))
    output = net.graph.output.replace(".", "_")

    class Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = modules

        def forward(self, x):
            values = {"input": x}
            for key, kind, inputs in wiring:
                xs = [values[i] for i in inputs]
                if kind == "add":
                    values[key] = sum(xs[1:], xs[0])
                elif kind == "concat":
                    values[key] = torch.cat(xs, dim=1)
                else:
                    values[key] = self.layers[key](xs[0])
            return values[output]

    return Graph()


def torch_layer(res, inplace: bool):  # noqa: ANN001, ANN201 (cnncalc and torch are imported lazily)
    """The torch module of one walked layer of the digits presets (2-D, symmetric padding)."""
    import torch

    nn, spec, geo, shape = torch.nn, res.layer, res.shape, res.input_shape
    if spec.kind in ("conv", "maxpool"):
        padding = tuple(before for before, _ in geo.padding)
        if spec.kind == "maxpool":
            return nn.MaxPool2d(geo.kernel, geo.stride, padding, geo.dilation, ceil_mode=spec.ceil)
        return nn.Conv2d(
            shape[0], spec.units, geo.kernel, geo.stride, padding, geo.dilation, spec.groups, spec.bias
        )
    makers = {
        "bn": lambda: nn.BatchNorm2d(shape[0]),
        "relu": lambda: nn.ReLU(inplace=inplace),
        "gap": lambda: nn.AdaptiveAvgPool2d(1),
        "flatten": nn.Flatten,
        "fc": lambda: nn.Linear(shape[0], spec.units),
    }
    return makers[spec.kind]()


def torch_step(preset: str, threads: int, clock: LayerClock | None) -> tuple[Callable, Callable[[], None]]:
    import torch

    torch.set_num_threads(threads)
    model = torch_model() if preset == "keras-mnist" else torch_graph(preset)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step(x: np.ndarray, y: np.ndarray) -> None:
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xt), yt)
        loss.backward()
        opt.step()

    return step, lambda: None


def child(framework: str, args: argparse.Namespace, threads: int) -> dict:
    """Time `args.steps` steps (after WARMUP) in this process; the JSON line the parent reads."""
    from cnncalc.nn.memory import keep_freed_memory

    if not args.system_malloc:
        keep_freed_memory()  # the same malloc settings for both (see the module docstring)
    if args.no_spin:
        from cnncalc.nn import spin

        spin.ENABLED = False
    if args.no_numba:
        from cnncalc.nn import kernels

        kernels.ENABLED = False
    x, y = images(args.data, args.random, input_shape(args.preset))
    clock = LayerClock() if args.profile else None
    make = cnncalc_step if framework == "cnncalc" else torch_step
    step, enter = make(args.preset, threads, clock)
    enter()
    times, cpu = [], []  # wall and CPU seconds (all the process's threads) per step
    profiler = _torch_profiler() if args.profile and framework == "torch" else None
    for i, (xb, yb) in enumerate(batches(x, y, args.steps + WARMUP)):
        if i == WARMUP:
            if clock is not None:
                clock.counting = True
            if profiler is not None:
                profiler.__enter__()
        start, cpu_start = time.perf_counter(), time.process_time()
        step(xb, yb)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
    if profiler is not None:
        profiler.__exit__(None, None, None)
    times = times[WARMUP:]
    report = {
        "median_ms": statistics.median(times) * 1e3,
        "cpu_ms": statistics.median(cpu[WARMUP:]) * 1e3,
        "mean_ms": statistics.fmean(times) * 1e3,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
    }
    if framework == "cnncalc":
        report["batch_norm"] = batch_norm_passes(args.preset)
    if clock is not None:
        report["profile_ms"] = clock.per_step(args.steps)
    if profiler is not None:
        report["profile_ms"] = {
            e.key: e.self_cpu_time_total / 1e3 / args.steps
            for e in profiler.key_averages()
            if e.self_cpu_time_total / args.steps > 10  # µs: leave out the crumbs
        }
    return report


def batch_norm_passes(preset: str) -> str | None:
    """How this process ran batch norm: with the compiled loops of the optional numba (`[fast]`),
    with numpy's passes, or None for a network without batch norm."""
    from cnncalc.arith.presets import preset_text
    from cnncalc.nn import kernels

    if "bn" not in preset_text(preset).split():
        return None
    if kernels.loaded():
        import numba

        return f"compiled loops (numba {numba.__version__})"
    if not kernels.ENABLED:
        return "numpy's passes (--no-numba)"
    return 'numpy\'s passes (numba is not installed: pip install ".[fast]")'


def _torch_profiler():  # -> torch.profiler.profile
    from torch.profiler import ProfilerActivity, profile

    return profile(activities=[ProfilerActivity.CPU])


# -- the parent: rounds, medians, ratios -----------------------------------------------------------


def run_child(framework: str, threads: int, args: argparse.Namespace) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        framework,
        "--threads",
        str(threads),
        "--steps",
        str(args.steps),
        "--preset",
        args.preset,
    ]
    if args.data:
        cmd += ["--data", args.data]
    if args.random:
        cmd.append("--random")
    if args.profile:
        cmd.append("--profile")
    if args.system_malloc:
        cmd.append("--system-malloc")
    if args.no_spin:
        cmd.append("--no-spin")
    if args.no_numba:
        cmd.append("--no-numba")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines()[-1:] or ["failed"])[0]}
    return json.loads(proc.stdout)


def summarize(runs: dict[str, list[dict]]) -> dict:
    """Per framework: the median of the runs' medians, every run, and the peak; then the ratio."""
    out: dict = {"rounds": len(next(iter(runs.values()), [])), "idle_rounds": idle_rounds(runs)}
    for framework, rs in runs.items():
        good = [r for r in rs if "error" not in r]
        if not good:
            out[framework] = {"error": rs[0]["error"] if rs else "not run"}
            continue
        out[framework] = {
            "median_ms": statistics.median(r["median_ms"] for r in good),
            "runs_ms": [round(r["median_ms"], 3) for r in good],
            "cpu_ms": statistics.median(r["cpu_ms"] for r in good),
            "peak_mib": max(r["peak_mib"] for r in good),
        }
        if good[0].get("batch_norm"):
            out[framework]["batch_norm"] = good[0]["batch_norm"]
        if "profile_ms" in good[0]:
            names = good[0]["profile_ms"]
            out[framework]["profile_ms"] = {
                n: statistics.median(r["profile_ms"].get(n, 0.0) for r in good) for n in names
            }
    pairs = list(zip(runs.get("cnncalc", []), runs.get("torch", []), strict=False))
    ratios = [c["median_ms"] / t["median_ms"] for c, t in pairs if "error" not in c and "error" not in t]
    if ratios:
        out["ratio"] = statistics.median(ratios)
        out["round_ratios"] = [round(r, 3) for r in ratios]
        out["cpu_ratio"] = statistics.median(
            c["cpu_ms"] / t["cpu_ms"] for c, t in pairs if "error" not in c and "error" not in t
        )
    return out


def print_report(preset: str, data_text: str, steps: int, results: dict[int, dict]) -> None:
    print(f"{preset}, batch {BATCH}, Adam; {data_text}; median ms per step over {steps} steps")
    for threads, res in results.items():
        print(f"\n{threads} thread{'s' if threads > 1 else ''}{idle_note(res)}:")
        for framework in FRAMEWORKS:
            r = res.get(framework)
            if r is None:
                continue
            if "error" in r:
                print(f"  {framework:8} skipped: {r['error']}")
                continue
            runs = ", ".join(f"{v:.2f}" for v in r["runs_ms"])
            print(
                f"  {framework:8} {r['median_ms']:7.2f} ms/step  (runs: {runs})  CPU {r['cpu_ms']:.2f} ms/step  "
                f"peak RSS {r['peak_mib']:.0f} MiB"
            )
            if r.get("batch_norm"):
                print(f"           batch norm: {r['batch_norm']}")
        if "ratio" in res:
            rounds = ", ".join(f"{v:.2f}" for v in res["round_ratios"])
            print(
                f"  ratio    {res['ratio']:.2f}× PyTorch's step time (rounds: {rounds}); "
                f"CPU time {res['cpu_ratio']:.2f}×"
            )
            c, t = res["cnncalc"]["peak_mib"], res["torch"]["peak_mib"]
            print(f"  memory   {c / t:.2f}× PyTorch's peak RSS")
        print_profiles(res)


def print_profiles(res: dict) -> None:
    """cnncalc: ms per step in each layer's forward and backward pass and the update; PyTorch: in
    each operator (torch.profiler's self CPU time: autograd has no per-layer backward to time)."""
    profile = res.get("cnncalc", {}).get("profile_ms")
    if profile:
        print("  cnncalc, ms per step:        forward  backward    update")
        parts: dict[str, dict[str, float]] = defaultdict(dict)
        for key, ms in profile.items():
            name, phase = key.rsplit("/", 1)
            parts[name][phase] = ms
        for name, ms in parts.items():  # the order the model runs them
            cells = "".join(
                f"{ms[p]:10.3f}" if p in ms else " " * 10 for p in ("forward", "backward", "update")
            )
            print(f"    {name:24}{cells}")
        print(f"    {'total':24}{sum(profile.values()):10.3f}")
    profile = res.get("torch", {}).get("profile_ms")
    if profile:
        print("  torch, ms per step in each operator (self CPU):")
        for name, ms in sorted(profile.items(), key=lambda kv: -kv[1]):
            print(f"    {name[:40]:40}{ms:10.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=100, help="timed steps per run (default 100)")
    parser.add_argument(
        "--preset",
        choices=("keras-mnist", "digits-resnet", "digits-inception"),
        default="keras-mnist",
        help="the network (default keras-mnist, on 28×28; the digits presets run on 8×8)",
    )
    parser.add_argument("--data", help="an IDX folder (default: the built-in digits scaled to 28×28)")
    parser.add_argument("--random", action="store_true", help="uniform random images instead of real ones")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts (default 1 2)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--only", choices=FRAMEWORKS, help="run one framework")
    parser.add_argument(
        "--profile", action="store_true", help="also time each layer (cnncalc) / operator (torch)"
    )
    parser.add_argument(
        "--system-malloc",
        action="store_true",
        help="leave glibc's malloc settings alone in both processes (see docs/trainer.md, Speed)",
    )
    parser.add_argument(
        "--no-spin",
        action="store_true",
        help="cnncalc's helper threads sleep between hand-offs instead of spinning (see docs/trainer.md)",
    )
    parser.add_argument(
        "--no-numba",
        action="store_true",
        help="cnncalc runs batch norm with numpy's passes even where numba is installed",
    )
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
        print(json.dumps(child(args.child, args, args.threads[0])))
        return
    frameworks = [f for f in FRAMEWORKS if not args.only or f == args.only]
    runs = alternate_rounds(
        args.rounds,
        args.threads,
        frameworks,
        lambda framework, threads: run_child(framework, threads, args),
        args.idle,
    )
    results = {t: summarize(r) for t, r in runs.items()}
    data_text = (
        images_text(args.data, args.random, input_shape(args.preset))
        + ("; glibc's default malloc" if args.system_malloc else "")
        + ("; cnncalc's helpers sleep between hand-offs" if args.no_spin else "")
        + ("; cnncalc's batch norm in numpy (--no-numba)" if args.no_numba else "")
    )
    if args.json:
        print(
            json.dumps(
                {
                    "preset": args.preset,
                    "data": data_text,
                    "batch": BATCH,
                    "steps": args.steps,
                    "threads": results,
                },
                indent=2,
            )
        )
    else:
        print_report(args.preset, data_text, args.steps, results)


if __name__ == "__main__":
    main()
