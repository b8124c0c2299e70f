"""Regenerate tests/oracle/fixtures/real_models.json from the real model files in
tests/fixtures/models/real/, by building and running each model in its own framework.

    python tests/oracle/generate_real_model_fixtures.py                 # PyTorch files, then Keras
    KERAS_PYTHON=/path/to/python python tests/oracle/generate_real_model_fixtures.py

This is the only place where third-party model code runs: cnncalc and its tests only ever parse it.
PyTorch files run in the interpreter that runs this script (torch 2.13). Keras files run in a second
interpreter, `KERAS_PYTHON` (default /work/venv-keras/bin/python: `torch==2.13.0` and `keras` with
`KERAS_BACKEND=torch`), which this script starts on itself with `--keras`; Keras reports its own
parameter counts and shapes there. Nothing here imports cnncalc, so the fixtures cannot inherit a
bug of the code they test.

How a file is run (each case says which):
- "module": the whole file runs as a module. Relative imports of torchvision's own helpers resolve
  to stand-ins that touch no layer (weights registries, download helpers, logging).
- "definitions": only the imports, `def`/`class` statements and assignments of literals run, then
  the case's `build` expression; for scripts whose top level downloads data or trains. `globals`
  sets what the script would have computed from its argparse defaults.
- "prefix": the top-level statements before the first one whose text contains `stop_before` run
  (with `start`, only the definitions before the statement that begins with it); for Keras
  scripts that build the model at top level. Datasets are replaced by zero arrays of the real
  dataset's shape (two samples): only the shape reaches the model.

Packages that are absent here and never touched by the model (torchvision's datasets and
transforms, matplotlib, IPython) are stand-in modules; d2l's helpers come from `_D2L_TORCH` below,
which keeps what d2l's own code does that affects a model (Classifier.forward runs `self.net`,
add_to_class sets a method, init_cnn initialises weights) and nothing else.

For each model the fixture records: how it was built, its input (channels first, as cnncalc's
--input takes it), total and trainable parameters, its output shape for one sample, and the output
shape of every leaf layer in the order the forward pass calls it (PyTorch: forward hooks on modules
without children, so functional calls such as F.relu are not rows; Keras: `model.layers`).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import json
import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "fixtures" / "models" / "real"
OUT = Path(__file__).resolve().parent / "fixtures" / "real_models.json"
KERAS_PYTHON = os.environ.get("KERAS_PYTHON", "/work/venv-keras/bin/python")

# The 30 files that stand for issue 10's "comparable set of 30 real public model files"; the rest
# are held out, so an importer tuned on the 30 can be checked on files it was not tuned on.
HELD_OUT = {
    # added with the importer work from repositories it was never tuned against
    "pytorch_gan__dcgan.py",
    "pytorch_gan__pix2pix_models.py",
    "pytorch_gan__cyclegan_models.py",
    "pytorch_playground__mnist.py",
    "pytorch_playground__cifar.py",
    "pytorch_playground__svhn.py",
    "pytorch_cifar__mobilenetv2.py",
    "pytorch_cifar__senet.py",
    "pytorch_cifar__shufflenetv2.py",
    "keras_io__autoencoder.py",
}

IMAGENET = (3, 224, 224)
CIFAR = (3, 32, 32)
MNIST = (1, 28, 28)

# file → how to build its model; `input` is C×H×W (Keras files get it as H×W×C)
CASES: dict[str, dict[str, Any]] = {
    "torchvision__alexnet.py": {"run": "module", "build": "alexnet()", "input": IMAGENET},
    "torchvision__vgg.py": {"run": "module", "build": "vgg16()", "input": IMAGENET},
    "torchvision__resnet.py": {"run": "module", "build": "resnet18()", "input": IMAGENET},
    "torchvision__squeezenet.py": {"run": "module", "build": "squeezenet1_0()", "input": IMAGENET},
    "torchvision__densenet.py": {"run": "module", "build": "densenet121()", "input": IMAGENET},
    "torchvision__inception.py": {
        "run": "module",
        "build": "inception_v3(init_weights=False)",
        "input": (3, 299, 299),
        "why": "init_weights=False only skips the slow truncated-normal init (same layers, "
        "same count); its FutureWarning asks for it",
    },
    "pytorch_examples__mnist.py": {"run": "module", "build": "Net()", "input": MNIST},
    "pytorch_examples__dcgan.py": {
        "run": "definitions",
        "build": "_netD(1)",
        "globals": {"nz": 100, "ngf": 64, "ndf": 64, "nc": 3},
        "input": (3, 64, 64),
        "call": "model.main(x).view(-1, 1)",
        "why": "argparse defaults nz=100, ngf=64, ndf=64, imageSize=64; nc = 3 in the script. "
        "forward() calls nn.parallel.data_parallel(self.main, input, None), which a CPU-only "
        "torch 2.13 refuses ('device type could not be determined'); with one device it runs "
        "self.main(input), which the oracle calls directly, then forward's view(-1, 1)",
    },
    "pytorch_examples__super_resolution.py": {
        "run": "module",
        "build": "Net(upscale_factor=3)",
        "input": (1, 85, 85),
        "old_init_names": True,
        "why": "the README's --upscale_factor 3; main.py crops 256 to 255 and scales it by 1/3. "
        "The file calls init.gain and init.orthogonal, renamed calculate_gain and orthogonal_ in "
        "PyTorch 0.4; the oracle maps the old names (weight initialisation only)",
    },
    "pytorch_examples__fast_neural_style.py": {
        "run": "module",
        "build": "TransformerNet()",
        "input": (3, 256, 256),
        "why": "neural_style.py trains on --image-size 256",
    },
    "pytorch_tutorials__cifar10.py": {"run": "definitions", "build": "Net()", "input": CIFAR},
    "pytorch_tutorials__neural_networks.py": {"run": "definitions", "build": "Net()", "input": (1, 32, 32)},
    "d2l_en__lenet.py": {"run": "module", "build": "net", "input": MNIST},
    "d2l_en__vgg.py": {"run": "module", "build": "net", "input": (1, 224, 224)},
    "d2l_en__googlenet.py": {"run": "module", "build": "GoogleNet()", "input": (1, 96, 96)},
    "d2l_en__resnet.py": {"run": "definitions", "build": "ResNet18()", "input": (1, 96, 96)},
    "d2l_en__densenet.py": {"run": "module", "build": "net", "input": (1, 96, 96)},
    "d2l_en__batch_norm.py": {"run": "module", "build": "BNLeNet()", "input": MNIST},
    "keras__mnist_cnn.py": {
        "run": "prefix",
        "stop_before": "model.compile",
        "build": "model",
        "input": MNIST,
    },
    "keras__cifar10_cnn.py": {
        "run": "prefix",
        "stop_before": "keras.optimizers.rmsprop",
        "build": "model",
        "input": CIFAR,
    },
    "keras__cifar10_resnet.py": {
        "run": "prefix",
        "stop_before": "model.compile",
        "build": "model",
        "input": CIFAR,
    },
    "keras_io__mnist_convnet.py": {
        "run": "prefix",
        "start": "model = keras.Sequential(",
        "stop_before": "model.summary()",
        "build": "model",
        "input": MNIST,
    },
    "keras_io__image_classification_from_scratch.py": {
        "run": "definitions",
        "build": "make_model(input_shape=image_size + (3,), num_classes=2)",
        "input": (3, 180, 180),
    },
    "keras_io__dcgan.py": {
        "run": "prefix",
        "start": "discriminator = keras.Sequential(",
        "stop_before": "discriminator.summary()",
        "build": "discriminator",
        "input": MNIST,
    },
    "keras_io__autoencoder.py": {
        "run": "prefix",
        "start": "input = Input(",
        "stop_before": "autoencoder.compile",
        "build": "autoencoder",
        "input": MNIST,
    },
    "pytorch_cifar__lenet.py": {"run": "module", "build": "LeNet()", "input": CIFAR},
    "pytorch_cifar__vgg.py": {"run": "module", "build": "VGG('VGG11')", "input": CIFAR},
    "pytorch_cifar__resnet.py": {"run": "module", "build": "ResNet18()", "input": CIFAR},
    "pytorch_cifar__mobilenet.py": {"run": "module", "build": "MobileNet()", "input": CIFAR},
    "pytorch_cifar__mobilenetv2.py": {
        "run": "module",
        "build": "MobileNetV2()",
        "input": CIFAR,
        "expect_error": True,
        "why": "this version pools the 4x4 CIFAR feature map with avg_pool2d(out, 2), leaving "
        "1280x2x2 = 5120 features for nn.Linear(1280, 10): PyTorch stops, so must cnncalc",
    },
    "pytorch_cifar__googlenet.py": {"run": "module", "build": "GoogLeNet()", "input": CIFAR},
    "pytorch_cifar__densenet.py": {"run": "module", "build": "densenet_cifar()", "input": CIFAR},
    "pytorch_cifar__shufflenetv2.py": {
        "run": "module",
        "build": "ShuffleNetV2(net_size=0.5)",
        "input": CIFAR,
    },
    "pytorch_cifar__senet.py": {"run": "module", "build": "SENet18()", "input": CIFAR},
    "pytorch_gan__dcgan.py": {
        "run": "definitions",
        "build": "Discriminator()",
        "globals": {"opt": argparse.Namespace(img_size=32, channels=1, latent_dim=100)},
        "input": (1, 32, 32),
        "why": "the script's argparse defaults img_size=32, channels=1; its top level trains on MNIST",
    },
    "pytorch_gan__pix2pix_models.py": {"run": "module", "build": "GeneratorUNet()", "input": (3, 256, 256)},
    "pytorch_gan__cyclegan_models.py": {
        "run": "module",
        "build": "GeneratorResNet()",
        "input": (3, 256, 256),
    },
    "pytorch_playground__mnist.py": {"run": "definitions", "build": "mnist()", "input": MNIST},
    "pytorch_playground__cifar.py": {"run": "definitions", "build": "cifar10(128)", "input": CIFAR},
    "pytorch_playground__svhn.py": {"run": "definitions", "build": "svhn(32)", "input": CIFAR},
}


def is_keras(file: str) -> bool:
    return file.startswith("keras")


# -- running a file -------------------------------------------------------------------------------


class _StandIn(types.ModuleType):
    """A module that is not installed here and that the model never touches: any name resolves."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _StandIn(f"{self.__name__}.{name}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"{self.__name__} was called: the model needs it, so it cannot be a stand-in")


def _stand_in(*names: str) -> None:
    for name in names:
        if name not in sys.modules:
            sys.modules[name] = _StandIn(name)
            parent, _, child = name.rpartition(".")
            if parent:
                setattr(sys.modules[parent], child, sys.modules[name])


def _torchvision_package() -> str:
    """torchvision's package helpers the model files import relatively; none of them builds a layer."""
    pkg = "_real_torchvision"
    if pkg in sys.modules:
        return f"{pkg}.models"

    def module(name: str, **attrs: Any) -> types.ModuleType:
        m = types.ModuleType(name)
        m.__path__ = []  # a package, so relative imports below it resolve
        m.__dict__.update(attrs)
        sys.modules[name] = m
        return m

    class Weights:
        def __init__(self, **kwargs: Any) -> None:
            self.__dict__.update(kwargs)

    class WeightsEnum:
        @classmethod
        def verify(cls, weights: Any) -> Any:
            return weights

    def handle_legacy_interface(**_: Any) -> Any:
        return lambda fn: fn

    def no_download(*_: Any, **__: Any) -> Any:
        raise RuntimeError("pretrained weights are never loaded here")

    module(pkg)
    module(f"{pkg}.utils", _log_api_usage_once=lambda obj: None)
    module(f"{pkg}._internally_replaced_utils", load_state_dict_from_url=no_download)
    module(f"{pkg}.transforms")
    module(f"{pkg}.transforms._presets", ImageClassification=object)
    module(f"{pkg}.models")
    module(f"{pkg}.models.utils", load_state_dict_from_url=no_download)
    module(f"{pkg}.models._api", Weights=Weights, WeightsEnum=WeightsEnum, register_model=lambda **_: None)
    module(f"{pkg}.models._meta", _IMAGENET_CATEGORIES=[])
    module(
        f"{pkg}.models._utils",
        handle_legacy_interface=handle_legacy_interface,
        _ovewrite_named_param=no_download,
    )
    return f"{pkg}.models"


def _d2l() -> None:
    """d2l's torch helpers, as far as a model uses them (the book's `d2l` package pins old versions)."""
    if "d2l.torch" in sys.modules:
        return
    import torch
    from torch import nn

    class Classifier(nn.Module):
        """d2l.Module/Classifier: forward runs self.net; save_hyperparameters only stores arguments."""

        def save_hyperparameters(self, ignore: Any = ()) -> None:
            return None

        def forward(self, X: Any) -> Any:
            return self.net(X)

    def add_to_class(Class: type) -> Any:
        def wrapper(obj: Any) -> None:
            setattr(Class, obj.__name__, obj)

        return wrapper

    def init_cnn(module: nn.Module) -> None:
        if type(module) is nn.Linear or type(module) is nn.Conv2d:
            nn.init.xavier_uniform_(module.weight)

    d2l = types.ModuleType("d2l")
    d2l.__path__ = []
    d2l_torch = types.ModuleType("d2l.torch")
    d2l_torch.__dict__.update(
        Classifier=Classifier,
        Classification=Classifier,
        add_to_class=add_to_class,
        init_cnn=init_cnn,
        randn=torch.randn,
    )
    d2l.torch = d2l_torch  # type: ignore[attr-defined]
    sys.modules["d2l"] = d2l
    sys.modules["d2l.torch"] = d2l_torch


def _keras_environment() -> Any:
    """An `__import__` for the Keras files, and zero datasets.

    keras.io examples import Keras as `tensorflow.keras`; Keras 3 is the same API on the torch
    backend, so those names resolve to `keras` for the model file only (a `tensorflow` module in
    sys.modules would make Keras itself believe TensorFlow is installed). Keras 3 dropped
    ImageDataGenerator, which the old examples import for training-time augmentation only.
    """
    import builtins

    import keras
    import keras.preprocessing.image
    import numpy as np

    keras.preprocessing.image.ImageDataGenerator = _StandIn("ImageDataGenerator")
    tf = types.ModuleType("tensorflow")
    tf.keras = keras  # type: ignore[attr-defined]

    def aliased_import(
        name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0
    ):
        if name == "tensorflow":
            return tf
        if name.startswith("tensorflow.keras"):
            target = "keras" + name[len("tensorflow.keras") :]
            module = builtins.__import__(target, globals, locals, fromlist, level)
            return module if fromlist else tf
        return builtins.__import__(name, globals, locals, fromlist, level)

    shapes = {"mnist": ((28, 28), ()), "cifar10": ((32, 32, 3), (1,))}
    for name, (x_shape, y_shape) in shapes.items():
        dataset = getattr(keras.datasets, name)

        def zeros(x_shape: tuple = x_shape, y_shape: tuple = y_shape) -> tuple:
            x = np.zeros((2, *x_shape), dtype="uint8")
            y = np.zeros((2, *y_shape), dtype="uint8")
            return (x, y), (x.copy(), y.copy())

        dataset.load_data = zeros
    return {**builtins.__dict__, "__import__": aliased_import}


def _definitions(tree: ast.Module) -> ast.Module:
    keep = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.ClassDef):
            keep.append(stmt)
        elif isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
            try:
                ast.literal_eval(stmt.value)
            except ValueError:
                continue
            keep.append(stmt)
    return ast.Module(body=keep, type_ignores=[])


def _prefix(tree: ast.Module, source: str, stop_before: str, start: str | None) -> ast.Module:
    """Top-level statements before `stop_before`; before `start` (if given) only the definitions."""
    keep: list[ast.stmt] = []
    started = start is None
    for stmt in tree.body:
        text = ast.get_source_segment(source, stmt) or ""
        if stop_before in text:
            return ast.Module(body=keep, type_ignores=[])
        started = started or text.startswith(start or "")
        if started:
            keep.append(stmt)
        else:
            keep.extend(_definitions(ast.Module(body=[stmt], type_ignores=[])).body)
    raise SystemExit(f"{stop_before!r} is not a top-level statement")


def build(file: str, case: dict) -> Any:
    """Run the file as its case says and return the model object."""
    path = REAL / file
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    if case["run"] == "definitions":
        tree = _definitions(tree)
    elif case["run"] == "prefix":
        tree = _prefix(tree, source, case["stop_before"], case.get("start"))
    namespace: dict[str, Any] = {"__name__": "real_model", "__file__": str(path)}
    if file.startswith("torchvision"):
        namespace["__package__"] = _torchvision_package()
    if is_keras(file):
        namespace["__builtins__"] = _keras_environment()
    namespace.update(case.get("globals", {}))
    if case.get("old_init_names"):
        import torch.nn.init

        torch.nn.init.gain = torch.nn.init.calculate_gain  # type: ignore[attr-defined]
        torch.nn.init.orthogonal = torch.nn.init.orthogonal_  # type: ignore[attr-defined]
    # the oracle, and only the oracle, runs the real code
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(tree, str(path), "exec"), namespace)
        return eval(case["build"], namespace)


# -- asking the frameworks ------------------------------------------------------------------------


def torch_record(file: str, case: dict) -> dict:
    import torch

    _stand_in(
        "torchvision",
        "torchvision.datasets",
        "torchvision.transforms",
        "torchvision.utils",
        "matplotlib",
        "matplotlib.pyplot",
        "IPython",
        "utee",
        "utee.misc",
    )
    _d2l()
    torch.manual_seed(0)
    model = build(file, case)
    model.eval()  # batch norm on one sample, and Inception/GoogLeNet without their training-only heads
    rows: list[dict] = []

    def hook(module: Any, _inputs: Any, output: Any) -> None:
        shapes = [list(o.shape[1:]) for o in output] if isinstance(output, tuple) else list(output.shape[1:])
        rows.append({"name": names[module], "type": type(module).__name__, "output_shape": shapes})

    names = {m: n for n, m in model.named_modules()}
    handles = [m.register_forward_hook(hook) for m in model.modules() if not list(m.children())]
    x = torch.zeros(1, *case["input"])
    call = case.get("call", "model(x)")
    try:
        with torch.no_grad():
            out = eval(call, {"model": model, "x": x})  # also materialises Lazy* modules
    except RuntimeError as e:
        if not case.get("expect_error"):
            raise
        return {"framework": "PyTorch", "error": str(e).splitlines()[0], "layers": rows}
    if case.get("expect_error"):
        raise SystemExit(f"{file}: expected PyTorch to fail, but it ran")
    for h in handles:
        h.remove()
    params = list(model.parameters())
    return {
        "framework": "PyTorch",
        **({"call": call} if "call" in case else {}),
        "total_params": sum(p.numel() for p in params),
        "trainable_params": sum(p.numel() for p in params if p.requires_grad),
        "output_shape": list(out.shape[1:]),
        "layers": rows,
    }


def keras_record(file: str, case: dict) -> dict:
    import numpy as np

    _stand_in("matplotlib", "matplotlib.pyplot", "IPython", "IPython.display")
    model = build(file, case)
    c, *hw = case["input"]
    out = model(np.zeros((1, *hw, c), dtype="float32"), training=False)

    def chw(shape: tuple) -> list:
        dims = [int(d) for d in shape[1:]]
        return [dims[-1], *dims[:-1]] if len(dims) > 1 else dims

    rows = [
        {
            "name": layer.name,
            "type": type(layer).__name__,
            "output_shape": chw(tuple(layer.output.shape)),
        }
        for layer in model.layers
    ]
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    return {
        "framework": "Keras",
        "total_params": int(model.count_params()),
        "trainable_params": trainable,
        "output_shape": chw(tuple(out.shape)),
        "output_shape_declared": chw(tuple(model.output_shape)),
        "layers": rows,
    }


def record(file: str) -> dict:
    case = CASES[file]
    found = keras_record(file, case) if is_keras(file) else torch_record(file, case)
    return {
        "file": file,
        "set": "held_out" if file in HELD_OUT else "acceptance",
        "build": case["build"],
        "run": case["run"],
        **({"why": case["why"]} if "why" in case else {}),
        "input": list(case["input"]),
        "batch": 1,
        **found,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keras", action="store_true", help="run the Keras files here and print JSON")
    args = parser.parse_args()
    files = sorted(p.name for p in REAL.glob("*.py"))
    missing = sorted(set(files) ^ set(CASES))
    if missing:
        raise SystemExit(f"files and CASES disagree: {missing}")
    if args.keras:
        print(json.dumps([record(f) for f in files if is_keras(f)]))
        return

    import torch

    env = {**os.environ, "KERAS_BACKEND": "torch"}
    keras_out = subprocess.run(
        [KERAS_PYTHON, __file__, "--keras"], check=True, capture_output=True, text=True, env=env
    ).stdout
    keras_version = subprocess.run(
        [KERAS_PYTHON, "-c", "import keras; print(keras.__version__)"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout.strip()
    by_file = {r["file"]: r for r in json.loads(keras_out.splitlines()[-1])}
    by_file.update({f: record(f) for f in files if not is_keras(f)})
    models = [by_file[f] for f in files]
    data = {
        "generated_by": "tests/oracle/generate_real_model_fixtures.py",
        "torch": torch.__version__,
        "keras": f"{keras_version} (KERAS_BACKEND=torch)",
        "acceptance": [m["file"] for m in models if m["set"] == "acceptance"],
        "held_out": [m["file"] for m in models if m["set"] == "held_out"],
        "models": models,
    }
    OUT.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(models)} models")


if __name__ == "__main__":
    main()
