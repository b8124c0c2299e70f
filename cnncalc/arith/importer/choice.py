"""Which model of a file the user means.

A file often defines more than its model: blocks (`BasicBlock`, `Inception`), helpers (`conv3x3`,
`vgg_block`), a test instance (`blk = Residual(3)`), or several models (`resnet18` … `resnet152`).
The model is what nothing else in the file uses: a class, a function that builds one, or a
module-level object, found from the names each top-level definition mentions. A module-level
object built only from parts another candidate also uses is a sample of those parts (d2l's
`blk = transition_block(23, 10)` beside `net`), not the model. One candidate is the model; several
are refused with their names, and the caller picks one by name or by a call with its arguments
(`VGG('VGG11')`, `Net(upscale_factor=3)`).

>>> import ast
>>> tree = ast.parse("class Block: pass\\nclass Net:\\n  def __init__(self): self.b = Block()")
>>> sorted(uses(dependencies(tree), "Net"))
['Block']
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from cnncalc.arith.importer.evaluator import filled_names


def _loads(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _free(node: ast.AST) -> set[str]:
    """The names a definition reads from outside itself: a function's parameters and the names it
    assigns are its own (`def forward(self, input)` does not read a global `input`)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        a = node.args
        params = {x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs]}
        params |= {x.arg for x in (a.vararg, a.kwarg) if x is not None}
        own = params | {
            n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
        }
        outer = set().union(*(_loads(d) for d in [*a.defaults, *(d for d in a.kw_defaults if d is not None)]))
        if not isinstance(node, ast.Lambda):
            outer |= set().union(*(_loads(d) for d in node.decorator_list))
        body = node.body if isinstance(node.body, list) else [node.body]
        inner = set().union(*(_free(b) for b in body)) if body else set()
        return outer | (inner - own)
    if isinstance(node, ast.ClassDef):
        out = (
            set().union(*(_loads(b) for b in [*node.bases, *node.decorator_list]))
            if node.bases or node.decorator_list
            else set()
        )
        for item in node.body:
            out |= _free(item)
        return out
    names: set[str] = set()
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            names |= _free(child)
        elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load):
            names.add(child.id)
        else:
            names |= _free(child)
    return names


def _stores(stmt: ast.stmt) -> set[str]:
    names = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return names | set(filled_names(stmt))


def _added_to(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """`@d2l.add_to_class(ResNet)`: the class the function becomes a method of."""
    for d in fn.decorator_list:
        if isinstance(d, ast.Call) and getattr(d.func, "attr", getattr(d.func, "id", "")) == "add_to_class":
            if d.args and isinstance(d.args[0], ast.Name):
                return d.args[0].id
    return None


def dependencies(tree: ast.Module) -> dict[str, set[str]]:
    """Per top-level name, the top-level names its definition mentions."""
    deps: dict[str, set[str]] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            owner = _added_to(stmt) if not isinstance(stmt, ast.ClassDef) else None
            name = owner or stmt.name
            deps.setdefault(name, set()).update(_free(stmt) - {name})
            continue
        used = _free(stmt)
        for name in _stores(stmt):
            deps.setdefault(name, set()).update(used - {name})
    return deps


def dependencies_of_statement(stmt: ast.stmt) -> set[str]:
    """The top-level names a statement defines (a class, a function, assigned or filled names)."""
    if isinstance(stmt, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
        return {stmt.name}
    return _stores(stmt)


def uses(deps: dict[str, set[str]], name: str) -> set[str]:
    """Every top-level name that `name`'s definition reaches, through other definitions."""
    seen: set[str] = set()
    stack = list(deps.get(name, ()))
    while stack:
        n = stack.pop()
        if n in seen or n == name:
            continue
        seen.add(n)
        stack.extend(deps.get(n, ()))
    return seen


def candidates(
    tree: ast.Module,
    values: dict[str, Any],
    is_model: Callable[[str, Any], bool],
    parts: Callable[[Any], list],
) -> list[str]:
    """The top-level names that may be the model, in the order the file defines them.

    A class or function is used when another model-like definition mentions it; an object when
    another model-like object holds it (`parts` lists what an object holds, all the way down:
    `for layer in net` makes `layer` a part of `net`, not a model). An object built only from
    parts another candidate also uses is a sample of them. Two names of one object (`m = model`)
    are one model, by the name the file gives it first."""
    deps = dependencies(tree)
    order = [n for n in deps if n in values]
    models = [n for n in order if is_model(n, values[n])]
    definitions = {n for n in models if callable_definition(tree, n)}
    reach = {n: uses(deps, n) for n in models}
    held: set[int] = set()
    for n in models:
        if n not in definitions:
            held.update(id(p) for p in parts(values[n]))
    found = []
    for n in models:
        if n in definitions:
            if any(n in reach[m] for m in models if m != n):
                continue
        elif id(values[n]) in held:
            continue
        elif any(values[m] is values[n] for m in found if m not in definitions):
            continue  # another name for a model already found (`m = model`)
        found.append(n)
    out = []
    every = set(models)
    for n in found:
        made_of = reach[n] & every
        if n not in definitions and made_of and any(made_of < (reach[m] & every) for m in found if m != n):
            continue  # a sample of the parts of a larger model
        out.append(n)
    return out


def callable_definition(tree: ast.Module, name: str) -> bool:
    return any(
        isinstance(s, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and s.name == name
        for s in tree.body
    )


def returns_value(tree: ast.Module, name: str) -> bool:
    """A top-level function with a `return` of something other than None."""
    for s in tree.body:
        if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) and s.name == name:
            return any(
                isinstance(n, ast.Return)
                and n.value is not None
                and not (isinstance(n.value, ast.Constant) and n.value.value is None)
                for n in ast.walk(s)
            )
    return False


def mentions_layers(tree: ast.Module, name: str, layer_names: set[str]) -> bool:
    """A top-level function that calls a layer constructor (`nn.Conv2d(…)`, `layers.Dense(…)`)."""
    for s in tree.body:
        if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) and s.name == name:
            for n in ast.walk(s):
                if isinstance(n, ast.Call):
                    f = n.func
                    leaf = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
                    if leaf in layer_names:
                        return True
    return False
