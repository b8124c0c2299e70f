"""The examples in the core's docstrings run: the graph data model, the spec language and the walk
document themselves with examples a reader can trust."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "cnncalc.arith.expressions",
    "cnncalc.arith.graph",
    "cnncalc.arith.layer_spec",
    "cnncalc.arith.merges",
    "cnncalc.arith.network",
    "cnncalc.arith.parsing",
    "cnncalc.arith.receptive_field",
    "cnncalc.arith.sizes",
    "cnncalc.arith.spec",
    "cnncalc.render.network",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    failures, tried = doctest.testmod(importlib.import_module(name))
    assert tried > 0 and failures == 0
