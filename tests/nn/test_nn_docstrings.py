"""The examples in the trainer's docstrings run and print what they say."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import cnncalc.nn

MODULES = sorted(m.name for m in pkgutil.iter_modules(cnncalc.nn.__path__, "cnncalc.nn."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"
