"""Every example in a docstring of the core and the renderers runs and prints what it says."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import cnncalc

PACKAGES = ("arith", "lessons", "render", "cli", "api")
# the trainer's renderer draws with numpy and rich on a console; its examples are its tests'
SKIP = {"cnncalc.render.training"}
MODULES = ["cnncalc"] + sorted(
    info.name
    for package in PACKAGES
    for info in pkgutil.iter_modules([f"{cnncalc.__path__[0]}/{package}"], f"cnncalc.{package}.")
    if info.name not in SKIP
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    failed, _ = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failed == 0
