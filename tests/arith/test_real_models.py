"""Real public model files through `net --from`, against what PyTorch or Keras itself reports.

The files are tests/fixtures/models/real/ (kept as their authors wrote them); the framework's own
numbers are tests/oracle/fixtures/real_models.json, written by
tests/oracle/generate_real_model_fixtures.py, the only place their code runs. tests/oracle/
REAL_MODELS.md tables what today's importer does with each file.

Two questions per file:

- never silently wrong: if cnncalc imports the file, the trainable parameters and the output shape
  equal the framework's; if it refuses, the message names the line and a reason, with exit 1 or 2
  and no traceback. Every file must pass, except a file that is silently wrong today (strict
  xfail: the day it is fixed, the mark must go).
- imports exactly (issue 10's goal): the files that import exactly today must keep doing so; the
  others are strict xfails naming what stops them, so the importer work flips them one by one.
  A file PyTorch itself cannot run (`error` in the fixture) must be refused, naming the layer
  PyTorch stops at.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "fixtures" / "models" / "real"
FIXTURE = ROOT / "tests" / "oracle" / "fixtures" / "real_models.json"

# Real files carry docstrings such as "``forward(input)``\ that"; Python only warns about the
# escape sequence, so the suite's warnings-as-errors must not turn that into a refusal.
pytestmark = pytest.mark.filterwarnings("ignore:invalid escape sequence")

# before issue 10's importer work: 4 of the 30 (keras_io__mnist_convnet, pytorch_examples__mnist,
# pytorch_tutorials__cifar10, torchvision__alexnet), and d2l_en__lenet silently wrong
IMPORTS_EXACTLY_TODAY = {
    "d2l_en__batch_norm.py",
    "d2l_en__densenet.py",
    "d2l_en__googlenet.py",
    "d2l_en__lenet.py",
    "d2l_en__resnet.py",
    "d2l_en__vgg.py",
    "keras__cifar10_cnn.py",
    "keras__cifar10_resnet.py",
    "keras__mnist_cnn.py",
    "keras_io__autoencoder.py",
    "keras_io__dcgan.py",
    "keras_io__image_classification_from_scratch.py",
    "keras_io__mnist_convnet.py",
    "pytorch_cifar__densenet.py",
    "pytorch_cifar__googlenet.py",
    "pytorch_cifar__lenet.py",
    "pytorch_cifar__mobilenet.py",
    "pytorch_cifar__mobilenetv2.py",
    "pytorch_cifar__resnet.py",
    "pytorch_cifar__vgg.py",
    "pytorch_examples__dcgan.py",
    "pytorch_examples__fast_neural_style.py",
    "pytorch_examples__mnist.py",
    "pytorch_examples__super_resolution.py",
    "pytorch_gan__cyclegan_models.py",
    "pytorch_gan__dcgan.py",
    "pytorch_gan__pix2pix_models.py",
    "pytorch_playground__mnist.py",
    "pytorch_tutorials__cifar10.py",
    "pytorch_tutorials__neural_networks.py",
    "torchvision__alexnet.py",
    "torchvision__densenet.py",
    "torchvision__resnet.py",
    "torchvision__squeezenet.py",
    "torchvision__vgg.py",
}

SILENTLY_WRONG_TODAY: dict[str, str] = {}

# what stops each other file today: the construct behind the refusal (see REAL_MODELS.md)
BLOCKED_BY = {
    "pytorch_playground__cifar.py": "BatchNorm2d(affine=False): a batch norm without parameters, which "
    "the spec's bn cannot say",
    "pytorch_playground__svhn.py": "BatchNorm2d(affine=False): a batch norm without parameters, which "
    "the spec's bn cannot say",
    "pytorch_cifar__senet.py": "squeeze-excitation multiplies two tensors (out * w): the spec joins "
    "branches by add and concat only",
    "pytorch_cifar__shufflenetv2.py": "channel split and shuffle (view to 5 axes, chunk): shapes the "
    "spec does not show",
    "torchvision__inception.py": "the training-only AuxLogits head is built but unused in eval mode; "
    "PyTorch counts its parameters, a table of the used layers cannot",
}

# the script builds the model the oracle builds as a module-level object: the one a user names
USER_CHOICE = {"pytorch_examples__dcgan.py": "netD", "pytorch_gan__dcgan.py": "discriminator"}

LINE_AND_REASON = re.compile(r", line \d+: \S.{9,}")


@cache
def fixture() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def models() -> list[dict]:
    return fixture()["models"]


def run(cli, model: dict):
    """`cnncalc net --from FILE --input CxHxW --json`, with the input the framework ran. A file that
    defines several models (or a model that needs arguments) is refused with the candidates, and
    then read with `--class` set to what the framework built, as a user would do next."""
    args = ["net", "--from", REAL / model["file"], "--input", "x".join(map(str, model["input"])), "--json"]
    result = cli(*args)
    if result.exit_code == 2 and "--class" in result.stderr:
        build = USER_CHOICE.get(model["file"], model["build"])
        head = build.split("(")[0]
        assert re.search(rf"\b{re.escape(head)}\b", result.stderr) or "needs a value" in result.stderr, (
            result.stderr
        )
        result = cli(*args, "--class", build)
    return result


def assert_clean_refusal(result) -> None:
    assert result.exit_code in (1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert LINE_AND_REASON.search(result.stderr), result.stderr


def same_numbers(model: dict, table: dict) -> bool:
    # cnncalc counts parameters as PyTorch does: Keras' non-trainable batch-norm statistics are buffers
    return (
        table["total_params"] == model["trainable_params"] and table["output_shape"] == model["output_shape"]
    )


def params(marks_for) -> list:
    return [pytest.param(m, id=m["file"][:-3], marks=marks_for(m["file"])) for m in models()]


def never_wrong_marks(file: str) -> list:
    if file in SILENTLY_WRONG_TODAY:
        return [pytest.mark.xfail(strict=True, reason=f"silently wrong today: {SILENTLY_WRONG_TODAY[file]}")]
    return []


def exact_marks(file: str) -> list:
    if file in IMPORTS_EXACTLY_TODAY:
        return []
    reason = SILENTLY_WRONG_TODAY.get(file) or BLOCKED_BY[file]
    return [pytest.mark.xfail(strict=True, reason=reason)]


def test_the_corpus_and_its_oracle_agree():
    files = sorted(p.name for p in REAL.glob("*.py"))
    data = fixture()
    assert files == [m["file"] for m in models()]
    assert len(data["acceptance"]) == 30 and len(data["held_out"]) == 10
    assert sorted(data["acceptance"] + data["held_out"]) == files
    assert set(files) == IMPORTS_EXACTLY_TODAY | set(SILENTLY_WRONG_TODAY) | set(BLOCKED_BY)
    assert not IMPORTS_EXACTLY_TODAY & (set(SILENTLY_WRONG_TODAY) | set(BLOCKED_BY))


def test_every_file_says_where_it_comes_from():
    for path in REAL.glob("*.py"):
        header = path.read_text(encoding="utf-8").splitlines()[:8]
        for field in ("repository:", "path:", "commit:", "licence:", "model:"):
            assert any(line.startswith(f"# {field}") for line in header), (path.name, field)


@pytest.mark.parametrize("model", params(never_wrong_marks))
def test_never_a_silent_wrong_answer(cli, model):
    result = run(cli, model)
    if result.exit_code == 0:
        assert "error" not in model, f"PyTorch refuses this file ({model['error']}), cnncalc imported it"
        table = json.loads(result.stdout)
        assert same_numbers(model, table), (
            f"cnncalc: {table['total_params']:,} parameters, output {table['output_shape']}; "
            f"{model['framework']}: {model['trainable_params']:,}, output {model['output_shape']}"
        )
    else:
        assert_clean_refusal(result)


@pytest.mark.parametrize("model", params(exact_marks))
def test_imports_exactly(cli, model):
    result = run(cli, model)
    if "error" in model:
        assert_clean_refusal(result)
        assert "nn.Linear" in result.stderr and "size mismatch" in result.stderr, result.stderr
        return
    assert result.exit_code == 0, result.output
    table = json.loads(result.stdout)
    assert same_numbers(model, table)
