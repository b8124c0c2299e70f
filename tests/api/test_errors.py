"""A bad argument raises `cnncalc.UsageError` (a `CnnCalcError` and a `ValueError`); an impossible
layer `cnncalc.CnnCalcError`. Either way the message names the argument as Python calls it, never
a command-line flag, and the same mistake on the command line names the flag."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import cnncalc
from cnncalc.arith.errors import CnnCalcError, UsageError

MODEL = Path(__file__).resolve().parents[2] / "cnncalc" / "data" / "models" / "note003_torch_cnn.py"
# (a call with a bad argument, the error class, what the message says)
BAD: list[tuple[str, Callable[[], object], type[CnnCalcError], str]] = [
    (
        "shape-input",
        lambda: cnncalc.shape(input="abc", kernel=3),
        UsageError,
        "input 'abc' is not a whole number",
    ),
    (
        "shape-tuple",
        lambda: cnncalc.shape(input=(28, 0), kernel=3),
        UsageError,
        "input '28x0': '0' is not a whole number ≥ 1",
    ),
    (
        "shape-float",
        lambda: cnncalc.shape(input=2.5, kernel=3),
        UsageError,
        "input '2.5' is not a whole number",
    ),
    ("shape-bool", lambda: cnncalc.shape(input=True, kernel=3), UsageError, "input True is not a size"),
    (
        "shape-kernel",
        lambda: cnncalc.shape(input=3, kernel=5),
        CnnCalcError,
        "kernel 5 is larger than the padded input 3",
    ),
    (
        "shape-op",
        lambda: cnncalc.shape(input=9, kernel=3, op="pool"),
        UsageError,
        "op 'pool' is not one of conv, maxpool",
    ),
    (
        "shape-padding",
        lambda: cnncalc.shape(input=9, kernel=3, padding="half"),
        UsageError,
        "padding 'half' is not a padding",
    ),
    (
        "shape-dims",
        lambda: cnncalc.shape(input=(28, 20), kernel=3, dims=3),
        UsageError,
        "input 28x20 has 2 axes but dims is 3; drop dims",
    ),
    ("shape-cout", lambda: cnncalc.shape(input=9, kernel=3, cin=3), UsageError, "give cout too"),
    (
        "shape-output-padding",
        lambda: cnncalc.shape(input=9, kernel=3, output_padding=1),
        UsageError,
        "output_padding only applies",
    ),
    (
        "params-groups",
        lambda: cnncalc.params(cin=6, cout=8, groups=4),
        CnnCalcError,
        "groups 4 does not divide cin 6",
    ),
    (
        "params-cin",
        lambda: cnncalc.params(cin="three", cout=8),
        UsageError,
        "cin 'three' is not a whole number",
    ),
    (
        "params-fc-input",
        lambda: cnncalc.params(cin=3, cout=4, fc=True, input=(4, 4)),
        UsageError,
        "input describes a conv layer's map",
    ),
    (
        "rf-missing",
        lambda: cnncalc.rf(),
        UsageError,
        'give a network spec, e.g. "conv 1 k=3 | conv 1 k=3", or file',
    ),
    ("rf-layer", lambda: cnncalc.rf("conv 1 k=3 | warp 9"), UsageError, "unknown layer 'warp'"),
    (
        "rf-file",
        lambda: cnncalc.rf(file="/nonexistent/net.txt"),
        UsageError,
        "file /nonexistent/net.txt: cannot read it",
    ),
    (
        "net-two-sources",
        lambda: cnncalc.net("conv 8 k=3", preset="lenet-5"),
        UsageError,
        "give one network source, not spec and preset",
    ),
    ("net-missing", lambda: cnncalc.net(), UsageError, "give a network: spec (e.g."),
    ("net-preset", lambda: cnncalc.net(preset="vgg17"), UsageError, "unknown preset 'vgg17'"),
    (
        "net-source",
        lambda: cnncalc.net(source="/nonexistent/model.py"),
        UsageError,
        "source /nonexistent/model.py: cannot read it",
    ),
    (
        "net-class-alone",
        lambda: cnncalc.net(preset="lenet-5", class_name="CNN"),
        UsageError,
        "class_name chooses the model of a model file; give source",
    ),
    (
        "net-class-unknown",
        lambda: cnncalc.net(source=MODEL, class_name="VGG"),
        UsageError,
        "class_name 'VGG': the file has no class, function or object of that name; it defines CNN",
    ),
    (
        "net-explain",
        lambda: cnncalc.net(preset="lenet-5", explain=99),
        UsageError,
        "explain 99: the network has layers 1 to",
    ),
    ("net-depth", lambda: cnncalc.net(preset="resnet-18", depth=0), UsageError, "depth 0 must be at least 1"),
    (
        "net-input",
        lambda: cnncalc.net("conv 8 k=3", input="28"),
        UsageError,
        "input '28' needs channels and spatial sizes",
    ),
    (
        "check-input",
        lambda: cnncalc.check("conv 8 k=5"),
        UsageError,
        "check needs the input shape: start the spec with 'input CxHxW' or give input",
    ),
    (
        "solve-padding",
        lambda: cnncalc.solve_padding(input=0, kernel=3),
        UsageError,
        "input 0 must be at least 1",
    ),
    (
        "solve-stride",
        lambda: cnncalc.solve_stride(input=32, kernel=3, output=16, padding=-1),
        UsageError,
        "padding -1 must be at least 0",
    ),
    (
        "solve-kernel",
        lambda: cnncalc.solve_kernel(input=28, output="x"),
        UsageError,
        "output 'x' is not a whole number",
    ),
    (
        "solve-combos",
        lambda: cnncalc.solve_combos(input=32, output=16, max_kernel=0),
        UsageError,
        "max_kernel 0 must be at least 1",
    ),
    (
        "solve-input",
        lambda: cnncalc.solve_input(preset="lenet-5", max=10**6),
        UsageError,
        "max 1000000 must be between 1 and 8,192",
    ),
    (
        "step-conv-both",
        lambda: cnncalc.step_conv(input="1 2; 3 4", example="d2l"),
        UsageError,
        "give either example or input, not both",
    ),
    (
        "step-conv-kernel",
        lambda: cnncalc.step_conv(kernel="1 0; 0 1"),
        UsageError,
        "kernel needs an input matrix too (or use example NAME)",
    ),
    (
        "step-conv-matrix",
        lambda: cnncalc.step_conv(input="1 x; 3 4", kernel="1"),
        UsageError,
        "input row 1: 'x' is not a number",
    ),
    (
        "step-conv-ragged",
        lambda: cnncalc.step_conv(input=[[1, 2], [3]], kernel=[[1]]),
        UsageError,
        "input has rows of different lengths",
    ),
    (
        "step-conv-nan",
        lambda: cnncalc.step_conv(input=[[1.0, float("nan")]], kernel=[[1]]),
        UsageError,
        "input holds NaN",
    ),
    (
        "step-conv-kernel-2",
        lambda: cnncalc.step_conv(input="1 2; 3 4", kernel=["1", "1 x"]),
        UsageError,
        "kernel 2 row 1: 'x' is not a number",
    ),
    (
        "step-conv-bias",
        lambda: cnncalc.step_conv(input="1 2; 3 4", kernel="1 0; 0 1", bias=[1, 2]),
        UsageError,
        "give one bias value per kernel",
    ),
    (
        "step-conv-cell",
        lambda: cnncalc.step_conv(example="d2l", cell=(5, 0)),
        CnnCalcError,
        "cell 5,0 is outside the 2×2 output",
    ),
    (
        "step-conv-example",
        lambda: cnncalc.step_conv(example="maxpool"),
        UsageError,
        "example maxpool is a pool example",
    ),
    (
        "step-conv-threshold",
        lambda: cnncalc.step_conv(example="d2l", threshold=float("inf")),
        UsageError,
        "threshold inf is not a finite number",
    ),
    (
        "step-pool-op",
        lambda: cnncalc.step_pool(input="1 2; 3 4", kernel=2, op="median"),
        UsageError,
        "op 'median' is not one of max, min, avg, sum",
    ),
    (
        "step-pool-kernel",
        lambda: cnncalc.step_pool(input="1 2; 3 4"),
        UsageError,
        "give the pooling window with kernel, e.g. kernel 2",
    ),
    (
        "step-pool-grad",
        lambda: cnncalc.step_pool(example="maxpool", grad="1"),
        UsageError,
        "grad is the upstream gradient for backward; add backward",
    ),
    (
        "step-softmax",
        lambda: cnncalc.step_softmax(logits=[1]),
        UsageError,
        "logits needs at least two numbers",
    ),
    ("step-softmax-label", lambda: cnncalc.step_softmax(label=5), UsageError, "label"),
    (
        "step-activation",
        lambda: cnncalc.step_activation(fn=["relu", "swish"]),
        UsageError,
        "fn 'swish' is not one of relu",
    ),
    (
        "step-gradient",
        lambda: cnncalc.step_gradient(depth=0),
        UsageError,
        "depth 0 must be between 1 and 100",
    ),
    ("step-linear", lambda: cnncalc.step_linear(x=[1, 2]), UsageError, "give w1, w2 too (or none of them"),
    (
        "step-linear-w2",
        lambda: cnncalc.step_linear(x=[1, 2], w1=[[1, 0]], w2=[[1, 1]]),
        UsageError,
        "w2 rows need 1 numbers",
    ),
    (
        "step-batchnorm",
        lambda: cnncalc.step_batchnorm(eps=0),
        UsageError,
        "eps 0.0 must be a small positive number",
    ),
    (
        "step-batchnorm-gamma",
        lambda: cnncalc.step_batchnorm(gamma=[1, 2, 3]),
        UsageError,
        "gamma needs 2 numbers",
    ),
    ("step-dropout", lambda: cnncalc.step_dropout(p=1), UsageError, "p 1.0 must be at least 0 and below 1"),
    (
        "step-dropout-mask",
        lambda: cnncalc.step_dropout(input=[[1, 2]], mask=[[1, 2]]),
        CnnCalcError,
        "mask must be a 1×2 matrix of 0s and 1s",
    ),
    (
        "draw-conv-frame",
        lambda: cnncalc.draw_conv(input=5, kernel=3, frame=9),
        UsageError,
        "frame 9 is not a frame of this layer",
    ),
    (
        "draw-conv-frames",
        lambda: cnncalc.draw_conv(input=96, kernel=5),
        CnnCalcError,
        "draw one of them with frame N",
    ),
    (
        "draw-pool-op",
        lambda: cnncalc.draw_pool(input=4, kernel=2, op="min"),
        UsageError,
        "op 'min' is not max or avg",
    ),
    (
        "draw-tconv",
        lambda: cnncalc.draw_tconv(input=3, kernel=3, output_padding=-1),
        UsageError,
        "output_padding -1 must be at least 0",
    ),
    ("draw-rf-input", lambda: cnncalc.draw_rf("conv 1 k=3"), UsageError, "give input HxW"),
    (
        "draw-rf-unit",
        lambda: cnncalc.draw_rf("input 1x8x8 | conv 1 k=3", unit=(9, 9)),
        UsageError,
        "unit 9,9 is outside layer 1's output 6×6",
    ),
    ("draw-net-input", lambda: cnncalc.draw_net("conv 8 k=3"), UsageError, "give input CxHxW"),
    (
        "export-to",
        lambda: cnncalc.export(preset="lenet-5", to="tensorflow"),
        UsageError,
        "to 'tensorflow' is not one of pytorch, keras",
    ),
    (
        "export-name",
        lambda: cnncalc.export(preset="lenet-5", to="pytorch", name="my net"),
        UsageError,
        "name 'my net' is not a Python name",
    ),
    (
        "export-input",
        lambda: cnncalc.export("conv 4 k=3", to="keras"),
        CnnCalcError,
        "the network needs its input size to be exported; give 'input CxHxW' or input",
    ),
    (
        "train-two-sources",
        lambda: cnncalc.train("conv 4 k=3", preset="digits"),
        UsageError,
        "give one network source, not spec and preset",
    ),
    (
        "train-optimizer",
        lambda: cnncalc.train(optimizer="lion"),
        UsageError,
        "optimizer 'lion' is not one of sgd, momentum, rmsprop, adam, adamw",
    ),
    ("train-epochs", lambda: cnncalc.train(epochs=0), UsageError, "epochs 0 must be at least 1"),
    (
        "train-resume",
        lambda: cnncalc.train(resume="x.npz", lr=0.1),
        UsageError,
        "resume continues with the saved run's own settings, so that resuming is exact; drop lr",
    ),
    # not a name deep inside the lookup: an AttributeError or TypeError before
    ("net-preset-int", lambda: cnncalc.net(preset=5), UsageError, "preset 5 is not a name (text)"),
    ("export-preset-int", lambda: cnncalc.export(preset=5, to="keras"), UsageError, "preset 5 is not a name"),
    ("draw-net-preset-int", lambda: cnncalc.draw_net(preset=5), UsageError, "preset 5 is not a name"),
    (
        "net-explain-float",
        lambda: cnncalc.net(preset="lenet-5", explain=3.0),
        UsageError,
        "explain 3.0 is not",
    ),
    (
        "net-explain-list",
        lambda: cnncalc.net(preset="lenet-5", explain=[3]),
        UsageError,
        "explain [3] is not",
    ),
    (
        "step-conv-cell-int",
        lambda: cnncalc.step_conv(input=[[1, 2], [3, 4]], kernel=[[1]], cell=1),
        UsageError,
        "cell 1 is not ROW,COL",
    ),
    (
        "solve-combos-pairs",
        lambda: cnncalc.solve_combos(input=32, output=16, max_kernel=10**6, max_stride=10**6),
        UsageError,
        "max_kernel 1,000,000 with max_stride 1,000,000 is 1,000,000,000,000 (kernel, stride) pairs",
    ),
    (
        "solve-input-channels",
        lambda: cnncalc.solve_input("conv 8 k=3 | maxpool k=2"),
        UsageError,
        "start the spec with 'input CxHxW' or give input CxHxW",
    ),
    # an example is a name: anything else was an AttributeError from deep in the examples
    (
        "step-conv-example-int",
        lambda: cnncalc.step_conv(example=3),
        UsageError,
        "example 3 is not one of d2l,",
    ),
    (
        "step-pool-example-bool",
        lambda: cnncalc.step_pool(example=False),
        UsageError,
        "example False is not one of",
    ),
    # a choice compared with a NumPy array was the array's own ValueError ("truth value … ambiguous")
    (
        "shape-op-array",
        lambda: cnncalc.shape(input=9, kernel=3, op=np.array([["max", "conv"]])),
        UsageError,
        "is not one of conv, maxpool",
    ),
    (
        "export-to-array",
        lambda: cnncalc.export(preset="lenet-5", to=np.array(["keras", "pytorch"])),
        UsageError,
        "is not one of pytorch, keras",
    ),
    # float() reads b"5" as 5 and np.True_ as 1: a number nobody gave was worked through
    ("step-gradient-bytes", lambda: cnncalc.step_gradient(x=b"5"), UsageError, "x b'5' is not a number"),
    (
        "step-gradient-numpy-bool",
        lambda: cnncalc.step_gradient(weight=np.True_),
        UsageError,
        "weight np.True_ is not a number",
    ),
    (
        "step-conv-threshold-numpy-bool",
        lambda: cnncalc.step_conv(threshold=np.True_),
        UsageError,
        "threshold np.True_ is not a number",
    ),
    ("train-data-int", lambda: cnncalc.train(data=3), UsageError, "data 3 is not a dataset; give digits"),
    (
        "train-data-unknown",
        lambda: cnncalc.train(data=Path("no-such-data")),
        CnnCalcError,
        "data 'no-such-data' is neither a built-in dataset",  # not 'source', which train() does not take
    ),
    (
        "train-resume-spec",
        lambda: cnncalc.train("conv 4 k=3", resume="x.npz"),
        UsageError,
        "resume continues the saved network; do not give spec, file or preset",
    ),
]


@pytest.mark.parametrize(("name", "call", "kind", "message"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_argument_names_the_argument_not_a_flag(name, call, kind, message):
    with pytest.raises(CnnCalcError) as caught:
        call()
    assert type(caught.value) is kind
    assert message in str(caught.value)
    assert "--" not in str(caught.value)


def test_the_error_classes_are_the_core_s():
    assert cnncalc.CnnCalcError is CnnCalcError and cnncalc.UsageError is UsageError
    assert issubclass(cnncalc.UsageError, cnncalc.CnnCalcError) and issubclass(cnncalc.UsageError, ValueError)
    with pytest.raises(ValueError, match="kernel 0 must be at least 1"):
        cnncalc.shape(input=9, kernel=0)


@pytest.mark.parametrize(
    ("argv", "python", "flags"),
    [
        (
            ["shape", "-i", "28x20", "-k", "3", "--dims", "3"],
            "input 28x20 has 2 axes but dims is 3",
            "--input 28x20 has 2 axes but --dims is 3",
        ),
        (["net", "conv 8 k=3", "--preset", "lenet-5"], "not spec and preset", "not SPEC and --preset"),
        (
            ["net", "--from", "/nonexistent/model.py"],
            "source /nonexistent/model.py",
            "--from /nonexistent/model.py",
        ),
        (
            ["step", "conv", "-k", "1 0; 0 1"],
            "kernel needs an input matrix",
            "--kernel needs an --input matrix",
        ),
        (["step", "linear", "--x", "1 2"], "give w1, w2 too", "give --w1, --w2 too"),
        (
            ["net", "--from", str(MODEL), "--class", "VGG"],
            "class_name 'VGG'",
            "--class 'VGG': the file has no class",
        ),
        (
            ["export", "--preset", "lenet-5", "--to", "pytorch", "--name", "my net"],
            ": name 'my net' is not",
            "--name 'my net' is not a Python name; e.g. --name MyNet",
        ),
        (["train", "--resume", "x.npz", "--lr", "0.1"], "drop lr", "drop --lr"),
        (
            ["solve", "combos", "-i", "32", "-o", "16", "--max-kernel", "1000", "--max-stride", "1000"],
            "max_kernel 1,000 with max_stride",
            "--max-kernel 1,000 with --max-stride 1,000",
        ),
        (["solve", "input", "conv 8 k=3"], "or give input CxHxW", "or give --input CxHxW"),
    ],
    ids=[
        "two-fields",
        "spec-argument",
        "from",
        "step-conv",
        "step-linear",
        "class",
        "export-name",
        "train-resume",
        "solve-combos",
        "solve-input",
    ],
)
def test_the_command_line_says_its_flags_for_the_same_mistake(cli, argv, python, flags):
    result = cli(*argv)
    assert result.exit_code == 2, result.output
    assert flags in result.stderr and python not in result.stderr


def test_every_function_s_bad_arguments_are_tried():
    functions = [n for n in cnncalc.__all__ if n.islower() and callable(getattr(cnncalc, n))]
    tried = {name.replace("-", "_") for name, *_ in BAD}
    untried = [f for f in functions if f != "list_presets" and not any(t.startswith(f) for t in tried)]
    assert not untried  # list_presets takes no argument


def test_what_a_notebook_computes_with_is_taken_as_it_is_written():
    import numpy as np

    lenet = cnncalc.net(preset="lenet-5", explain=3)
    assert cnncalc.net(preset="lenet-5", explain=np.int64(3)).text() == lenet.text()
    assert cnncalc.net(preset="lenet-5", explain="3").text() == lenet.text()
    steps = cnncalc.step_conv(input=[[1, 2], [3, 4]], kernel=[[1]], cell=(1, 0))
    assert (
        cnncalc.step_conv(input=[[1, 2], [3, 4]], kernel=[[1]], cell=np.array([1, 0])).to_dict()
        == steps.to_dict()
    )
    grid = np.arange(16).reshape(4, 4)
    # a choice is matched without regard to case, as shape(op="MAXPOOL") is
    assert (
        cnncalc.step_pool(input=grid, kernel=2, op="AVG").to_dict()
        == cnncalc.step_pool(input=grid, kernel=2, op="avg").to_dict()
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: cnncalc.shape(input=28, kernel=3, strides=2),
            "shape() has no argument 'strides' (did you mean 'stride'?); its arguments are input, kernel, stride,",
        ),
        (
            lambda: cnncalc.rf(preset="lenet-5"),
            "rf() has no argument 'preset'; its arguments are spec, file, input",
        ),
        (lambda: cnncalc.shape(28, 3), "shape() takes every argument by name, e.g. shape(input=…)"),
        (
            lambda: cnncalc.net("conv 8 k=3", "lenet-5"),
            "net() takes only spec without a name; give the others",
        ),
        (lambda: cnncalc.net("conv 8 k=3", spec="conv 4 k=3"), "net() was given spec twice"),
        (lambda: cnncalc.shape(input=28), "shape() needs kernel, by name: shape(kernel=…)"),
        (lambda: cnncalc.export(preset="lenet-5"), "export() needs to, by name: export(to=…)"),
        (lambda: cnncalc.list_presets(3), "list_presets() takes no arguments"),
    ],
    ids=["misspelt", "unknown", "positional", "extra-positional", "twice", "missing", "missing-to", "none"],
)
def test_a_call_the_function_cannot_take_names_the_argument(call, message):
    # a UsageError like a bad value, and still the TypeError Python raises for such a call
    with pytest.raises(UsageError) as caught:
        call()
    assert isinstance(caught.value, TypeError) and isinstance(caught.value, cnncalc.CnnCalcError)
    assert str(caught.value).startswith(message)


def test_every_public_function_checks_its_call():
    for name in cnncalc.__all__:
        value = getattr(cnncalc, name)
        if callable(value) and name.islower():
            with pytest.raises(
                UsageError, match=r"^\w+\(\) (has no argument 'no_such_argument'|takes no arguments)"
            ):
                value(no_such_argument=1)


def test_a_type_error_inside_a_function_is_not_taken_for_a_bad_call(monkeypatch):
    import cnncalc.api.calc

    def broken(*args, **kwargs):
        raise TypeError("inside")

    monkeypatch.setattr(cnncalc.api.calc, "layer_output", broken)
    with pytest.raises(TypeError, match="^inside$"):
        cnncalc.shape(input=28, kernel=3)


def test_an_input_of_another_rank_than_the_networks_is_refused_naming_the_argument():
    import cnncalc
    from cnncalc.arith.errors import UsageError

    with pytest.raises(UsageError, match=r"^input 28×28 has 2 sizes .* e\.g\. input 1x28x28"):
        cnncalc.net(preset="lenet-5", input=(28, 28))
    assert cnncalc.net(preset="lenet-5", input=(1, 28, 28)).output_shape == (10,)
