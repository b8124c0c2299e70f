"""The importer's evaluator is bounded: huge values, long loops, deep recursion, deep nesting and large
files end in a clear CnnCalcError (exit 1, no traceback), at once; fuzzed sources never crash it."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.importer import import_source
from cnncalc.safety.limits import (
    MAX_MODEL_CALL_DEPTH,
    MAX_MODEL_LOOP,
    MAX_MODEL_NESTING,
    MAX_MODEL_SOURCE_BYTES,
    MAX_MODEL_STEPS,
)

HEAD = "import torch.nn as nn\n"


def refused(source: str, words: str, seconds: float = 5.0) -> str:
    start = time.perf_counter()
    with pytest.raises(CnnCalcError) as info:
        import_source(source, "m.py")
    assert time.perf_counter() - start < seconds
    assert words in str(info.value), str(info.value)
    return str(info.value)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("x = 10**10**10\nnet = nn.Sequential(nn.Conv2d(1, x, 3))", "too large to be a layer size"),
        ("n = 2\nfor i in range(39):\n    n = n * n\nnet = nn.Sequential(nn.Linear(n, 2))", "too large"),
        ("n = 1 << 200\nnet = nn.Sequential(nn.Linear(n, 2))", "too large"),
        ("k = [0] * 10**9\nnet = nn.Sequential(nn.Conv2d(1, 2, len(k)))", "items"),
        ("s = 'a' * 10**8\nnet = nn.Sequential(nn.Conv2d(1, 2, len(s)))", "items"),
    ],
    ids=["power-tower", "squaring", "shift", "huge-list", "huge-string"],
)
def test_values_too_large_to_be_layer_sizes_are_refused_before_they_are_computed(body, words):
    message = refused(HEAD + body, words, seconds=2.0)
    assert "line " in message


def test_a_long_loop_in_the_model_code_is_refused_naming_the_bound():
    source = HEAD + (
        "def build():\n"
        "    layers = []\n"
        f"    for i in range({MAX_MODEL_LOOP * 100}):\n"
        "        layers.append(nn.ReLU())\n"
        "    return nn.Sequential(*layers)\n"
        "net = build()\n"
    )
    refused(source, f"loops at most {MAX_MODEL_LOOP:,} times")


def test_a_long_loop_the_model_does_not_need_does_not_stop_the_import():
    source = HEAD + "for epoch in range(10**9):\n    pass\nnet = nn.Sequential(nn.Conv2d(1, 2, 3))\n"
    assert import_source(source).spec.to_text(" | ") == "conv 2 k=3"


def test_an_endless_while_loop_stops_at_the_bound():
    source = HEAD + "def f():\n    while True:\n        pass\nnet = nn.Sequential(nn.Conv2d(1, f(), 3))\n"
    refused(source, f"more than {MAX_MODEL_LOOP:,} times")


def test_recursion_is_refused_at_the_call_depth_bound():
    source = HEAD + "def f(n):\n    return f(n + 1)\nnet = nn.Sequential(nn.Conv2d(1, f(1), 3))\n"
    refused(source, f"more than {MAX_MODEL_CALL_DEPTH} deep")


def test_running_out_of_steps_stops_the_whole_import():
    source = (
        HEAD
        + "for i in range(9000):\n    for j in range(9000):\n        pass\nnet = nn.Sequential(nn.ReLU())\n"
    )
    refused(source, f"stopped after {MAX_MODEL_STEPS:,} evaluation steps", seconds=20.0)


@pytest.mark.parametrize(
    "expression",
    ["abs(" * 150 + "1" + ")" * 150, "1" + " + 1" * 20000, "[" * 150 + "]" * 150, "-" * 5000 + "1"],
    ids=["nested-calls", "long-sum", "nested-lists", "unary-chain"],
)
def test_deeply_nested_expressions_are_refused(expression):
    with pytest.raises(CnnCalcError) as info:
        import_source(HEAD + f"x = {expression}\nnet = nn.Sequential(nn.Conv2d(1, 2, 3))\n", "m.py")
    message = str(info.value)
    assert "nest" in message or "not valid Python" in message, message


def test_tree_depth_bound_is_named_with_the_line():
    depth = MAX_MODEL_NESTING + 10  # below Python's own parser limit of 200 nested brackets
    source = HEAD + "\n\nx = " + "abs(" * depth + "1" + ")" * depth + "\n"
    refused(source, f"nested more than {MAX_MODEL_NESTING} levels deep")
    assert "line 4" in refused(source, "line 4")


def test_a_file_too_large_is_refused_without_parsing():
    source = HEAD + "# " + "x" * MAX_MODEL_SOURCE_BYTES + "\n"
    refused(source, f"larger than {MAX_MODEL_SOURCE_BYTES:,} bytes", seconds=2.0)


def test_the_cli_reports_a_bound_with_exit_1_and_no_traceback(cli, tmp_path):
    model = tmp_path / "m.py"
    model.write_text(HEAD + "def f(n):\n    return f(n + 1)\nnet = nn.Sequential(nn.Conv2d(1, f(1), 3))\n")
    result = cli("net", "--from", str(model), "--input", "1x8x8")
    assert result.exit_code == 1
    assert "m.py, line" in result.stderr and "deep" in result.stderr
    assert "Traceback" not in result.output


# -- fuzzing: generated sources end in a spec or a CnnCalcError, never in anything else ------------------

_NAMES = ("a", "b", "c", "n", "cfg", "layers")
_VALUES = st.one_of(
    st.integers(-5, 70).map(str),
    st.sampled_from(["10**10**10", "2**62", "None", "True", "'M'", "[3, 'M', 8]", "(1, 2)", "{'k': 3}"]),
    st.sampled_from([f"{x} {op} {y}" for x in _NAMES[:4] for op in "+-*/%" for y in ("2", "0", "a")]),
)
_STATEMENTS = st.one_of(
    st.builds(lambda n, v: f"{n} = {v}", st.sampled_from(_NAMES), _VALUES),
    st.builds(
        lambda n, k: f"for i in range({k}):\n    {n} = i", st.sampled_from(_NAMES), st.integers(-2, 30)
    ),
    st.builds(lambda v: f"if {v}:\n    a = 1\nelse:\n    a = 2", _VALUES),
    st.builds(
        lambda n: f"def f(x, y=2):\n    return x * y\n{n} = f({n} if isinstance({n}, int) else 1)",
        st.sampled_from(_NAMES[:4]),
    ),
    st.just("layers = [nn.Conv2d(1, 4, 3), nn.ReLU()]"),
    st.just("layers.append(nn.MaxPool2d(2))"),
    st.just("while a < 5:\n    a = a + 1"),
    st.just(
        "class B(nn.Module):\n    e = 2\n    def __init__(self, c=4):\n        super().__init__()\n"
        "        self.conv = nn.Conv2d(1, c * self.e, 3)\n    def forward(self, x):\n        return self.conv(x) + x"
    ),
)
_MODELS = st.sampled_from(
    [
        "net = nn.Sequential(*layers)",
        "net = nn.Sequential(nn.Conv2d(1, a, 3), nn.ReLU(), nn.Flatten(), nn.Linear(a * 36, 10))",
        "net = nn.Sequential(nn.Conv2d(1, 8, n), nn.BatchNorm2d(8))",
        "net = B(a)",
        "",
    ]
)


@settings(max_examples=120, deadline=None)
@given(st.lists(_STATEMENTS, max_size=8), _MODELS)
def test_fuzzed_model_sources_give_a_spec_or_a_clean_refusal(statements, model):
    source = HEAD + "a = 4\nn = 3\nlayers = []\n" + "\n".join(statements) + "\n" + model + "\n"
    start = time.perf_counter()
    try:
        imported = import_source(source, "fuzz.py", (1, 8, 8))
    except CnnCalcError as e:
        assert str(e).startswith("fuzz.py"), str(e)
    else:
        assert imported.spec.layers
    assert time.perf_counter() - start < 10


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_is_refused_cleanly(text):
    try:
        import_source(HEAD + text, "t.py")
    except CnnCalcError:
        pass
