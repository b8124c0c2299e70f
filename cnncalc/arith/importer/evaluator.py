"""The shared reader: a small, bounded evaluator of Python over `ast`, for model files.

Model code computes its layer sizes (`512 * block.expansion`, `int(math.floor(n * 0.5))`), builds
its layers in loops and helper functions (`_make_layer`, `vgg_block`) and reads values from module
constants, default arguments, argparse defaults and class attributes. This evaluator works out what
Python would work out from constants, and nothing else: the file is parsed, never imported, and no
call ever reaches anything outside it. What it cannot know is an `Unknown` carrying the line and
the reason; the value is only refused where it matters (a layer's size, an `if` in a model's code).

Values:

    int, float, bool, str, None, tuple, list, dict, range   Python's own, bounded in size
    Unknown          a value only known when the code runs (data, a call into a library)
    Function         a `def` or `lambda` of the file, with its defaults and enclosing scope
    UserClass        a `class` of the file; `Instance` an object of one
    Ext              a name from an import (`torch.nn.Conv2d`): the frameworks' readers say what
                     calling one builds (`Native` values: layers, containers, tensors)

Bounds (each in `cnncalc.safety.limits`, with its reason): steps evaluated, nesting of calls,
iterations of one loop, size of a number (10^30, as every layer size), of a sequence and of the
source, depth of the syntax tree. Running out of steps or nesting stops the whole import at once
(`Stop`); an over-long loop or an over-large value in a statement the model does not need only
makes that statement's names unknown (a number past 10^30 is an `Unknown` that says so where a
layer uses it).

>>> ev = Evaluator.of_source("n = 3\\nsizes = [2 ** i * n for i in range(n)]")
>>> ev.run_module()
>>> ev.globals["sizes"]
[3, 6, 12]
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cnncalc.arith.importer.syntax import not_python
from cnncalc.i18n import N_, _, translated
from cnncalc.safety.limits import (
    MAX_MODEL_CALL_DEPTH,
    MAX_MODEL_ITEMS,
    MAX_MODEL_LOOP,
    MAX_MODEL_NESTING,
    MAX_MODEL_SOURCE_BYTES,
    MAX_MODEL_STEPS,
    MAX_SIZE,
    MAX_SIZE_TEXT,
)


class Refusal(Exception):
    """What the reader cannot follow: the line and the reason (turned into a `CnnCalcError`)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class Stop(Refusal):
    """A bound ran out: the whole import stops, whatever statement it was in."""


class ChangeRefusal(Refusal):
    """A change to an object after it is built (an item or attribute set or deleted, a method
    such as `append` or `requires_grad_(False)`) that cannot be followed."""


def changing(run: Callable[..., Any]) -> Callable[..., Any]:
    """`run`, its refusals raised as `ChangeRefusal`: what it was to change stays unchanged."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return run(*args, **kwargs)
        except (Stop, ChangeRefusal):
            raise
        except Refusal as e:
            raise ChangeRefusal(e.line, e.message) from None

    return wrapped


@dataclass(frozen=True, eq=False)
class Unknown:
    """A value only known when the code runs; `why` says what it came from, `line` where."""

    why: str
    line: int
    too_large: bool = False  # a number past MAX_SIZE: not worked out, said so where it is used

    def __repr__(self) -> str:
        return f"<unknown: {self.why}>"


def too_large(text: str, line: int) -> Unknown:
    """The value of `text`, a number too large to be a layer size: not computed further."""
    return Unknown(
        _("{text} is larger than {limit}, too large to be a layer size").format(
            text=text, limit=MAX_SIZE_TEXT
        ),
        line,
        True,
    )


class Native:
    """A value a framework reader defines (a layer, a container, a tensor, an imported name).

    Each operation it does not support refuses, naming the line; subclasses override what they do.
    """

    label = N_("this value")
    # a layer or a container of layers: a statement that fails while it changes one leaves it
    # unknown, so that a model is never read as it was before a change cnncalc could not follow
    model_part = False

    def attr(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        raise Refusal(
            line_of(node),
            _("{label} has no attribute {name!r} cnncalc knows").format(
                label=translated(self.label), name=name
            ),
        )

    def set_attr(self, ev: Evaluator, name: str, value: Any, node: ast.AST) -> None:
        raise Refusal(
            line_of(node), _("cannot set {name!r} on {label}").format(name=name, label=translated(self.label))
        )

    def call(self, ev: Evaluator, args: list, kwargs: dict, node: ast.AST) -> Any:
        raise Refusal(
            line_of(node), _("{label} is not something cnncalc can call").format(label=translated(self.label))
        )

    def getitem(self, ev: Evaluator, key: Any, node: ast.AST) -> Any:
        raise Refusal(line_of(node), _("{label} cannot be indexed here").format(label=translated(self.label)))

    def iterate(self, ev: Evaluator, node: ast.AST) -> list:
        raise Refusal(
            line_of(node), _("{label} cannot be looped over here").format(label=translated(self.label))
        )

    def binop(self, ev: Evaluator, op: ast.operator, other: Any, node: ast.AST, reflected: bool) -> Any:
        return NotImplemented

    def isinstance_of(self, kind: Any) -> bool | None:
        """Whether this is an instance of `kind` (an `Ext` or a `UserClass`); None when unknown."""
        return False

    def length(self, ev: Evaluator, node: ast.AST) -> int:
        raise Refusal(line_of(node), _("len() of {label} is not known").format(label=translated(self.label)))

    def delitem(self, ev: Evaluator, key: Any, node: ast.AST) -> None:
        raise Refusal(line_of(node), _("cannot delete items of {label}").format(label=translated(self.label)))

    def inplace(self, ev: Evaluator, op: ast.operator, other: Any, node: ast.AST) -> Any:
        """`self op= other` changing this object in place (a container's +=); NotImplemented: as
        `self = self op other`."""
        return NotImplemented


@dataclass(eq=False)
class Scope:
    """A function's local names, then its enclosing function's, then the module's."""

    names: dict[str, Any]
    parent: Scope | None = None
    nonlocals: set[str] = field(default_factory=set)

    def lookup(self, name: str) -> tuple[bool, Any]:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return True, scope.names[name]
            scope = scope.parent
        return False, None


@dataclass(eq=False)
class Function:
    """A function of the file (or a lambda), with the defaults evaluated where it was defined."""

    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    scope: Scope
    defaults: list
    kw_defaults: list
    owner: UserClass | None = None
    kind: str = "function"  # function | staticmethod | classmethod | property

    @property
    def name(self) -> str:
        return getattr(self.node, "name", "<lambda>")


@dataclass(eq=False)
class BoundMethod:
    """A function with its first argument (the instance, or the class for a classmethod) bound."""

    self_value: Any
    function: Function


@dataclass(eq=False)
class Builtin:
    """A Python builtin (or `math.*`) the evaluator computes itself."""

    name: str
    fn: Callable[[Evaluator, list, dict, ast.AST], Any]


@dataclass(eq=False)
class NativeMethod:
    """A method of a Python value (`list.append`, `dict.items`, `str.format`)."""

    obj: Any
    name: str


@dataclass(eq=False)
class UserClass:
    """A class of the file: its bases (classes of the file or imported names) and its namespace."""

    name: str
    bases: tuple
    ns: dict[str, Any]
    line: int

    def mro(self) -> list:
        out: list = [self]
        for base in self.bases:
            for c in base.mro() if isinstance(base, UserClass) else [base]:
                if c in out:
                    out.remove(c)
                out.append(c)
        return out

    def lookup(self, name: str) -> tuple[bool, Any, UserClass | None]:
        for c in self.mro():
            if isinstance(c, UserClass) and name in c.ns:
                return True, c.ns[name], c
        return False, None, None

    def external_bases(self) -> list[Ext]:
        return [c for c in self.mro() if isinstance(c, Ext)]


@dataclass(eq=False)
class Instance:
    """An object of a class of the file; `attrs` in the order they were set."""

    cls: UserClass
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class Super:
    """`super()` inside a method: attribute look-up starts after `owner` in the instance's MRO."""

    owner: UserClass
    obj: Any


@dataclass(eq=False)
class ArgNamespace:
    """argparse: the defaults of the options a parser was given (`opt.ndf` → 64)."""

    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)


class Ext(Native):
    """A name that comes from an import, by its full dotted path (`torch.nn.Conv2d`)."""

    def __init__(self, path: str) -> None:
        self.path = path

    @property
    def label(self) -> str:  # type: ignore[override]
        return self.path

    @property
    def leaf(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    def attr(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        return ev.external(f"{self.path}.{name}", node)

    def call(self, ev: Evaluator, args: list, kwargs: dict, node: ast.AST) -> Any:
        return ev.call_external(self, args, kwargs, node)

    def getitem(self, ev: Evaluator, key: Any, node: ast.AST) -> Any:
        return self  # typing subscripts: List[int], Optional[Callable[..., nn.Module]]

    def isinstance_of(self, kind: Any) -> bool | None:
        return None

    def __repr__(self) -> str:
        return f"<{self.path}>"


# -- the evaluator ------------------------------------------------------------------------------------

Resolver = Callable[["Evaluator", "Ext", list, dict, ast.AST], Any]


class Evaluator:
    """Runs a module's statements over known values; see the module docstring."""

    def __init__(self, tree: ast.Module, source: str, path: str = "<model>") -> None:
        self.tree = tree
        self.source = source
        self.path = path
        self.globals: dict[str, Any] = {"__name__": Unknown(_("the module's name when it runs"), 0)}
        self.module_scope = Scope(self.globals)
        self.steps = 0
        self.depth = 0
        self.resolvers: list[Resolver] = []
        self.notes: list[str] = []
        self.failures: dict[str, Refusal] = {}  # module-level name → why its value is unknown
        # module-level models and layers a failed statement was changing: never read as before it
        self.changes_failed: dict[str, Refusal] = {}
        self.frames: list[Scope] = []
        self.training = False  # models are read as in eval mode (PyTorch's model.evaluate())

    @classmethod
    def of_source(cls, source: str, path: str = "<model>") -> Evaluator:
        return cls(parse_module(source, path), source, path)

    # -- bookkeeping -------------------------------------------------------------------------------

    def tick(self, node: ast.AST) -> None:
        self.steps += 1
        if self.steps > MAX_MODEL_STEPS:
            raise Stop(
                line_of(node),
                _(
                    "stopped after {limit:,} evaluation steps: the file computes far more than a "
                    "model definition needs (a long loop or a deep recursion?)"
                ).format(limit=MAX_MODEL_STEPS),
            )

    def text(self, node: ast.AST, limit: int = 70) -> str:
        """The source of `node` on one line, shortened."""
        if not isinstance(node, ast.AST):
            return ""
        segment = self.segment(node) if hasattr(node, "lineno") else None
        text = " ".join((segment or ast.unparse(node)).split())
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def segment(self, node: ast.AST) -> str | None:
        """`ast.get_source_segment`, over lines split once (it splits the whole file per call)."""
        if self._lines is None or self._lines_of is not self.source:
            self._lines = self.source.splitlines(keepends=True)
            self._lines_of = self.source
        lines = self._lines
        try:
            first, last = node.lineno - 1, node.end_lineno - 1  # type: ignore[attr-defined]
            start, end = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
        except AttributeError:
            return None
        if end is None or last is None or not 0 <= first <= last < len(lines):
            return None
        if first == last:
            return lines[first].encode()[start:end].decode(errors="replace")
        head = lines[first].encode()[start:].decode(errors="replace")
        tail = lines[last].encode()[:end].decode(errors="replace")
        return "".join([head, *lines[first + 1 : last], tail])

    _lines: list[str] | None = None
    _lines_of: str | None = None

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def external(self, path: str, node: ast.AST) -> Any:
        return Ext(path)

    def call_external(self, ext: Ext, args: list, kwargs: dict, node: ast.AST) -> Any:
        for resolve in self.resolvers:
            result = resolve(self, ext, args, kwargs, node)
            if result is not NotImplemented:
                return result
        found = BUILTIN_PATHS.get(ext.path)
        if found is not None:
            return found.fn(self, args, kwargs, node)
        return Unknown(_("{path}(...) is computed when the code runs").format(path=ext.path), line_of(node))

    # -- the module ----------------------------------------------------------------------------------

    def run_module(self) -> None:
        """Every top-level statement; one that cannot be followed leaves its names unknown."""
        for stmt in self.tree.body:
            self.lenient(stmt, self.module_scope)

    def lenient(self, stmt: ast.stmt, scope: Scope) -> None:
        """A module-level statement (or one in a class body): a refusal is kept, not raised."""
        try:
            self.exec_block([stmt], scope, module_level=True)
        except Stop:
            raise
        except Refusal as e:
            for name in assigned_names(stmt) + filled_names(stmt):
                scope.names[name] = Unknown(f"line {e.line}: {e.message}", e.line)
                self.failures[name] = e
            changed = changed_names(stmt, every=isinstance(e, ChangeRefusal))
            touched = getattr(e, "touched", ())
            if touched:  # what the change reached, however the statement got to it
                changed += [
                    name
                    for name, value in scope.names.items()
                    if name not in changed and holds(value, touched)
                ]
            for name in changed:
                value = scope.names.get(name)
                if isinstance(value, Instance) or getattr(value, "model_part", False):
                    scope.names[name] = Unknown(f"line {e.line}: {e.message}", e.line)
                    self.failures[name] = self.changes_failed[name] = e
        except _Return:
            pass

    # -- statements ------------------------------------------------------------------------------------

    def exec_block(self, body: list[ast.stmt], scope: Scope, module_level: bool = False) -> None:
        for stmt in body:
            self.exec_stmt(stmt, scope, module_level)

    def exec_stmt(self, stmt: ast.stmt, scope: Scope, module_level: bool = False) -> None:
        self.tick(stmt)
        handler = getattr(self, f"_stmt_{type(stmt).__name__}", None)
        if handler is None:
            raise Refusal(
                stmt.lineno,
                _("{lower} statements are not something cnncalc follows").format(
                    lower=type(stmt).__name__.lower()
                ),
            )
        handler(stmt, scope, module_level)

    def _stmt_Expr(self, stmt: ast.Expr, scope: Scope, module_level: bool) -> None:
        if isinstance(stmt.value, ast.Constant):
            return  # a docstring
        self.evaluate(stmt.value, scope)

    def _stmt_Pass(self, stmt: ast.stmt, scope: Scope, module_level: bool) -> None:
        return

    _stmt_Assert = _stmt_Pass
    _stmt_Global = _stmt_Pass

    def _stmt_Nonlocal(self, stmt: ast.Nonlocal, scope: Scope, module_level: bool) -> None:
        scope.nonlocals.update(stmt.names)

    def _stmt_Delete(self, stmt: ast.Delete, scope: Scope, module_level: bool) -> None:
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                scope.names.pop(target.id, None)
            elif isinstance(target, ast.Subscript):
                obj = self.evaluate(target.value, scope)
                self.del_item(obj, self.evaluate(target.slice, scope), target)
            elif isinstance(target, ast.Attribute):
                self.del_attr(self.evaluate(target.value, scope), target.attr, target)
            else:
                for elt in getattr(target, "elts", ()):
                    self._stmt_Delete(ast.Delete([elt]), scope, module_level)

    def _known_key(self, key: Any, node: ast.AST) -> None:
        """Refuse an item change whose key the file does not make known (`model[i] = …`, `del …`)."""
        if isinstance(key, Unknown):
            raise Refusal(
                line_of(node),
                _("the key {code} is not known").format(code=self.text(getattr(node, "slice", node))),
            )

    @changing
    def del_item(self, obj: Any, key: Any, node: ast.AST) -> None:
        """`del obj[key]`: a list's or dict's item, or a container's module (`del model[2]`)."""
        self._known_key(key, node)
        if isinstance(obj, list | dict):
            try:
                del obj[key]
            except (IndexError, KeyError, TypeError) as e:
                raise Refusal(line_of(node), f"{self.text(node)}: {type(e).__name__}: {e}") from None
        elif isinstance(obj, Native):
            obj.delitem(self, key, node)
        elif not isinstance(obj, Unknown):
            raise Refusal(line_of(node), _("cannot delete items of {type}").format(type=type(obj).__name__))

    @changing
    def del_attr(self, obj: Any, name: str, node: ast.AST) -> None:
        """`del obj.name`: an attribute of an object of the file (`del self.fc`, a module gone)."""
        if isinstance(obj, Instance) and name in obj.attrs:
            del obj.attrs[name]
        elif not isinstance(obj, Unknown):
            raise Refusal(
                line_of(node),
                _("{code}: deleting this attribute is not something cnncalc follows").format(
                    code=self.text(node)
                ),
            )

    def _stmt_Import(self, stmt: ast.Import, scope: Scope, module_level: bool) -> None:
        for alias in stmt.names:
            if alias.asname:
                scope.names[alias.asname] = Ext(alias.name)
            else:
                root = alias.name.split(".")[0]
                scope.names[root] = Ext(root)

    def _stmt_ImportFrom(self, stmt: ast.ImportFrom, scope: Scope, module_level: bool) -> None:
        module = "." * stmt.level + (stmt.module or "")
        for alias in stmt.names:
            if alias.name == "*":
                continue
            scope.names[alias.asname or alias.name] = Ext(f"{module}.{alias.name}")

    def _stmt_Assign(self, stmt: ast.Assign, scope: Scope, module_level: bool) -> None:
        value = self.evaluate(stmt.value, scope)
        for target in stmt.targets:
            self.assign(target, value, scope)

    def _stmt_AnnAssign(self, stmt: ast.AnnAssign, scope: Scope, module_level: bool) -> None:
        if stmt.value is not None:
            self.assign(stmt.target, self.evaluate(stmt.value, scope), scope)

    def _stmt_AugAssign(self, stmt: ast.AugAssign, scope: Scope, module_level: bool) -> None:
        current = self.evaluate(_as_load(stmt.target), scope)
        value = self.evaluate(stmt.value, scope)
        if isinstance(current, list) and isinstance(stmt.op, ast.Add):
            current.extend(self.items_of(value, stmt))  # list += iterable extends in place
            self.check_size(current, stmt)
            return
        if isinstance(current, Native) and current.inplace(self, stmt.op, value, stmt) is not NotImplemented:
            return
        self.assign(stmt.target, self.binop(stmt.op, current, value, stmt), scope)

    def _stmt_If(self, stmt: ast.If, scope: Scope, module_level: bool) -> None:
        test = self.truth(self.evaluate(stmt.test, scope), stmt.test, module_level)
        if test is None:  # module level, unknown condition: neither branch is known to run
            for name in assigned_names(stmt):
                scope.names[name] = Unknown(
                    _("set in an if on {code}, which is known only when the code runs").format(
                        code=self.text(stmt.test)
                    ),
                    stmt.lineno,
                )
            return
        self.exec_block(stmt.body if test else stmt.orelse, scope, module_level)

    def _stmt_For(self, stmt: ast.For, scope: Scope, module_level: bool) -> None:
        iterable = self.evaluate(stmt.iter, scope)
        if isinstance(iterable, Unknown) and module_level:
            for name in assigned_names(stmt):
                scope.names[name] = Unknown(
                    _("set in a loop over {code}").format(code=self.text(stmt.iter)), stmt.lineno
                )
            return
        items = self.items_of(iterable, stmt.iter)
        broke = False
        for item in items:
            self.assign(stmt.target, item, scope)
            try:
                self.exec_block(stmt.body, scope, module_level)
            except _Break:
                broke = True
                break
            except _Continue:
                continue
        if not broke:
            self.exec_block(stmt.orelse, scope, module_level)

    def _stmt_While(self, stmt: ast.While, scope: Scope, module_level: bool) -> None:
        for _attempt in range(MAX_MODEL_LOOP + 1):
            test = self.truth(self.evaluate(stmt.test, scope), stmt.test, module_level)
            if test is None:
                for name in assigned_names(stmt):
                    scope.names[name] = Unknown(
                        _("set in a while loop on {code}").format(code=self.text(stmt.test)), stmt.lineno
                    )
                return
            if not test:
                self.exec_block(stmt.orelse, scope, module_level)
                return
            try:
                self.exec_block(stmt.body, scope, module_level)
            except _Break:
                return
            except _Continue:
                continue
        raise Refusal(
            stmt.lineno, _("this while loop runs more than {limit:,} times").format(limit=MAX_MODEL_LOOP)
        )

    def _stmt_Break(self, stmt: ast.stmt, scope: Scope, module_level: bool) -> None:
        raise _Break

    def _stmt_Continue(self, stmt: ast.stmt, scope: Scope, module_level: bool) -> None:
        raise _Continue

    def _stmt_Return(self, stmt: ast.Return, scope: Scope, module_level: bool) -> None:
        raise _Return(self.evaluate(stmt.value, scope) if stmt.value is not None else None)

    def _stmt_Raise(self, stmt: ast.Raise, scope: Scope, module_level: bool) -> None:
        what = self.text(stmt.exc) if stmt.exc is not None else _("the current exception")
        raise Refusal(stmt.lineno, _("the code raises {what} here").format(what=what))

    def _stmt_Try(self, stmt: ast.Try, scope: Scope, module_level: bool) -> None:
        try:
            self.exec_block(stmt.body, scope, module_level)
        finally:
            self.exec_block(stmt.finalbody, scope, module_level)
        self.exec_block(stmt.orelse, scope, module_level)

    def _stmt_With(self, stmt: ast.With, scope: Scope, module_level: bool) -> None:
        for item in stmt.items:
            value = self.evaluate(item.context_expr, scope)
            if item.optional_vars is not None:
                self.assign(item.optional_vars, value, scope)
        self.exec_block(stmt.body, scope, module_level)

    def _stmt_FunctionDef(self, stmt: ast.FunctionDef, scope: Scope, module_level: bool) -> None:
        fn = self.make_function(stmt, scope)
        value: Any = fn
        for decorator in reversed(stmt.decorator_list):
            value = self.decorate(decorator, value, scope)
        scope.names[stmt.name] = value

    _stmt_AsyncFunctionDef = _stmt_FunctionDef

    def _stmt_ClassDef(self, stmt: ast.ClassDef, scope: Scope, module_level: bool) -> None:
        bases = []
        for base in stmt.bases:
            value = self.evaluate(base, scope)
            bases.append(value if isinstance(value, UserClass | Ext) else Ext(f"<{self.text(base)}>"))
        ns: dict[str, Any] = {}
        cls = UserClass(stmt.name, tuple(bases), ns, stmt.lineno)
        body_scope = Scope(ns, scope)
        for item in stmt.body:
            self.lenient(item, body_scope)
        for value in ns.values():
            if isinstance(value, Function) and value.owner is None:
                value.owner = cls
        scope.names[stmt.name] = cls

    def decorate(self, decorator: ast.expr, fn: Any, scope: Scope) -> Any:
        """staticmethod, classmethod and property change how a method binds; a decorator the file
        defines runs; an imported one (torch.jit.unused, register_model()) leaves the function as is."""
        if isinstance(decorator, ast.Name) and decorator.id in ("staticmethod", "classmethod", "property"):
            if isinstance(fn, Function):
                fn.kind = decorator.id
            return fn
        value = self.evaluate(decorator, scope)
        if isinstance(value, Function | BoundMethod):
            return self.call(value, [fn], {}, decorator)
        if isinstance(value, Native) and not isinstance(value, Ext):
            return value.call(self, [fn], {}, decorator)
        return fn

    def make_function(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, scope: Scope
    ) -> Function:
        args = node.args
        defaults = [self.evaluate(d, scope) for d in args.defaults]
        kw_defaults = [self.evaluate(d, scope) if d is not None else _NO_DEFAULT for d in args.kw_defaults]
        return Function(node, scope, defaults, kw_defaults)

    # -- assignment -------------------------------------------------------------------------------------

    def assign(self, target: ast.expr, value: Any, scope: Scope) -> None:
        if isinstance(target, ast.Name):
            if target.id in scope.nonlocals and scope.parent is not None:
                s: Scope | None = scope.parent
                while s is not None and target.id not in s.names:
                    s = s.parent
                (s or scope.parent).names[target.id] = value
                return
            scope.names[target.id] = value
        elif isinstance(target, ast.Tuple | ast.List):
            self.unpack(target, value, scope)
        elif isinstance(target, ast.Attribute):
            obj = self.evaluate(target.value, scope)
            self.set_attr(obj, target.attr, value, target)
        elif isinstance(target, ast.Subscript):
            obj = self.evaluate(target.value, scope)
            key = self.evaluate(target.slice, scope)
            self.set_item(obj, key, value, target)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, value, scope)
        else:
            raise Refusal(line_of(target), _("cannot assign to {code}").format(code=self.text(target)))

    def unpack(self, target: ast.Tuple | ast.List, value: Any, scope: Scope) -> None:
        if isinstance(value, Unknown):
            for elt in target.elts:
                self.assign(elt, value, scope)
            return
        items = self.items_of(value, target)
        starred = [i for i, e in enumerate(target.elts) if isinstance(e, ast.Starred)]
        if starred:
            i = starred[0]
            after = len(target.elts) - i - 1
            if len(items) < len(target.elts) - 1:
                raise Refusal(
                    line_of(target), _("too few values to unpack into {code}").format(code=self.text(target))
                )
            parts = [*items[:i], list(items[i : len(items) - after]), *items[len(items) - after :]]
        else:
            if len(items) != len(target.elts):
                raise Refusal(
                    line_of(target),
                    _("{n} values cannot be unpacked into the {n2} of {code}").format(
                        n=len(items), n2=len(target.elts), code=self.text(target)
                    ),
                )
            parts = list(items)
        for elt, item in zip(target.elts, parts, strict=True):
            self.assign(elt, item, scope)

    @changing
    def set_attr(self, obj: Any, name: str, value: Any, node: ast.AST) -> None:
        if isinstance(obj, Instance):
            obj.attrs[name] = value
        elif isinstance(obj, UserClass):
            obj.ns[name] = value
        elif isinstance(obj, ArgNamespace):
            obj.values[name] = value
        elif isinstance(obj, Native):
            obj.set_attr(self, name, value, node)
        elif isinstance(obj, Unknown):
            return
        else:
            raise Refusal(
                line_of(node),
                _("cannot set {name!r} on {type} here").format(name=name, type=type(obj).__name__),
            )

    @changing
    def set_item(self, obj: Any, key: Any, value: Any, node: ast.AST) -> None:
        if isinstance(obj, Unknown):
            return
        self._known_key(key, node)
        if isinstance(obj, list | dict):
            try:
                obj[key] = value
            except (IndexError, KeyError, TypeError) as e:
                raise Refusal(line_of(node), f"{self.text(node)}: {type(e).__name__}: {e}") from None
            self.check_size(obj, node)
        elif isinstance(obj, Native):
            setter = getattr(obj, "setitem", None)
            if setter is None:
                raise Refusal(
                    line_of(node), _("cannot assign items of {label}").format(label=translated(obj.label))
                )
            setter(self, key, value, node)
        else:
            raise Refusal(line_of(node), _("cannot assign items of {type}").format(type=type(obj).__name__))

    # -- expressions ---------------------------------------------------------------------------------

    def evaluate(self, node: ast.expr, scope: Scope) -> Any:
        self.tick(node)
        handler = getattr(self, f"_expr_{type(node).__name__}", None)
        if handler is None:
            raise Refusal(
                line_of(node),
                _("{code}: this kind of expression is not something cnncalc follows").format(
                    code=self.text(node)
                ),
            )
        return handler(node, scope)

    def _expr_Constant(self, node: ast.Constant, scope: Scope) -> Any:
        value = node.value
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SIZE:
            return too_large(self.text(node), node.lineno)
        if isinstance(value, str | bytes) and len(value) > MAX_MODEL_ITEMS:
            return Unknown(_("a very long string"), node.lineno)
        return value

    def _expr_Name(self, node: ast.Name, scope: Scope) -> Any:
        found, value = scope.lookup(node.id)
        if found:
            return value
        if node.id in BUILTINS:
            return BUILTINS[node.id]
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        return Unknown(_("{id} is not defined in the file").format(id=node.id), node.lineno)

    def _expr_Attribute(self, node: ast.Attribute, scope: Scope) -> Any:
        return self.get_attr(self.evaluate(node.value, scope), node.attr, node)

    def _expr_Tuple(self, node: ast.Tuple, scope: Scope) -> Any:
        return tuple(self.sequence(node.elts, scope, node))

    def _expr_List(self, node: ast.List, scope: Scope) -> Any:
        return self.sequence(node.elts, scope, node)

    def _expr_Set(self, node: ast.Set, scope: Scope) -> Any:
        return Unknown("a set", node.lineno)

    def _expr_Dict(self, node: ast.Dict, scope: Scope) -> Any:
        out: dict = {}
        for k, v in zip(node.keys, node.values, strict=True):
            if k is None:
                merged = self.evaluate(v, scope)
                if not isinstance(merged, dict):
                    return Unknown(_("**{code} is not a known dict").format(code=self.text(v)), node.lineno)
                out.update(merged)
                continue
            key = self.evaluate(k, scope)
            if isinstance(key, Unknown) or not _hashable(key):
                return Unknown(_("the dict key {code} is not known").format(code=self.text(k)), node.lineno)
            out[key] = self.evaluate(v, scope)
        self.check_size(out, node)
        return out

    def sequence(self, elts: list[ast.expr], scope: Scope, node: ast.AST) -> list:
        out: list = []
        for e in elts:
            if isinstance(e, ast.Starred):
                out.extend(self.items_of(self.evaluate(e.value, scope), e))
            else:
                out.append(self.evaluate(e, scope))
        self.check_size(out, node)
        return out

    def _expr_JoinedStr(self, node: ast.JoinedStr, scope: Scope) -> Any:
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
                continue
            v = self.evaluate(value.value, scope)
            if not isinstance(v, int | float | str | bool | type(None)) or value.format_spec is not None:
                return Unknown(_("the f-string {code}").format(code=self.text(node)), node.lineno)
            parts.append(repr(v) if value.conversion == ord("r") else str(v))
        return "".join(parts)

    def _expr_FormattedValue(self, node: ast.FormattedValue, scope: Scope) -> Any:
        return Unknown(_("a formatted value"), node.lineno)

    def _expr_UnaryOp(self, node: ast.UnaryOp, scope: Scope) -> Any:
        v = self.evaluate(node.operand, scope)
        if isinstance(node.op, ast.Not):
            t = self.truth(v, node.operand, lenient=True)
            return Unknown(f"not {self.text(node.operand)}", node.lineno) if t is None else not t
        if isinstance(v, bool | int | float) and not isinstance(node.op, ast.Invert):
            return -v if isinstance(node.op, ast.USub) else +v
        if isinstance(v, int) and isinstance(node.op, ast.Invert):
            return ~v
        if isinstance(v, Native):
            result = v.binop(self, node.op, None, node, False)
            if result is not NotImplemented:
                return result
        return Unknown(f"{self.text(node)}", node.lineno) if isinstance(v, Unknown) else self._bad_op(node, v)

    def _expr_BinOp(self, node: ast.BinOp, scope: Scope) -> Any:
        return self.binop(node.op, self.evaluate(node.left, scope), self.evaluate(node.right, scope), node)

    def binop(self, op: ast.operator, a: Any, b: Any, node: ast.AST) -> Any:
        if isinstance(a, Native):
            result = a.binop(self, op, b, node, False)
            if result is not NotImplemented:
                return result
        if isinstance(b, Native):
            result = b.binop(self, op, a, node, True)
            if result is not NotImplemented:
                return result
        for v in (a, b):
            if isinstance(v, Unknown):
                return v
        return arithmetic(op, a, b, node, self)

    def _bad_op(self, node: ast.AST, *values: Any) -> Any:
        kinds = " and ".join(type(v).__name__ for v in values)
        raise Refusal(
            line_of(node),
            _("{code}: cannot compute this on {kinds}").format(code=self.text(node), kinds=kinds),
        )

    def _expr_BoolOp(self, node: ast.BoolOp, scope: Scope) -> Any:
        value: Any = None
        for operand in node.values:
            value = self.evaluate(operand, scope)
            t = self.truth(value, operand, lenient=True)
            if t is None:
                return Unknown(
                    _("{code} depends on {code2}").format(code=self.text(node), code2=self.text(operand)),
                    node.lineno,
                )
            if isinstance(node.op, ast.And) and not t:
                return value
            if isinstance(node.op, ast.Or) and t:
                return value
        return value

    def _expr_Compare(self, node: ast.Compare, scope: Scope) -> Any:
        left = self.evaluate(node.left, scope)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.evaluate(right_node, scope)
            result = compare(op, left, right)
            if result is None:
                return Unknown(
                    _("{code} is known only when the code runs").format(code=self.text(node)), node.lineno
                )
            if not result:
                return False
            left = right
        return True

    def _expr_IfExp(self, node: ast.IfExp, scope: Scope) -> Any:
        t = self.truth(self.evaluate(node.test, scope), node.test, lenient=True)
        if t is None:
            return Unknown(
                _("{code} depends on {code2}").format(code=self.text(node), code2=self.text(node.test)),
                node.lineno,
            )
        return self.evaluate(node.body if t else node.orelse, scope)

    def _expr_Lambda(self, node: ast.Lambda, scope: Scope) -> Any:
        return self.make_function(node, scope)

    def _expr_NamedExpr(self, node: ast.NamedExpr, scope: Scope) -> Any:
        value = self.evaluate(node.value, scope)
        self.assign(node.target, value, scope)
        return value

    def _expr_Starred(self, node: ast.Starred, scope: Scope) -> Any:
        raise Refusal(
            node.lineno, _("{code} is only allowed in a call or a list").format(code=self.text(node))
        )

    def _expr_Slice(self, node: ast.Slice, scope: Scope) -> Any:
        parts = [
            self.evaluate(p, scope) if p is not None else None for p in (node.lower, node.upper, node.step)
        ]
        if any(isinstance(p, Unknown) for p in parts):
            return Unknown(_("the slice {code}").format(code=self.text(node)), line_of(node))
        return slice(*parts)

    def _expr_Subscript(self, node: ast.Subscript, scope: Scope) -> Any:
        obj = self.evaluate(node.value, scope)
        key = self.evaluate(node.slice, scope)
        return self.get_item(obj, key, node)

    def get_item(self, obj: Any, key: Any, node: ast.AST) -> Any:
        if isinstance(obj, Native):
            return obj.getitem(self, key, node)
        if isinstance(obj, Unknown):
            return obj
        if isinstance(key, Unknown):
            return Unknown(
                _("{code}: the index is not known ({why})").format(code=self.text(node), why=key.why),
                line_of(node),
            )
        if isinstance(obj, ArgNamespace):
            raise Refusal(
                line_of(node), _("{code}: an argparse namespace is not indexed").format(code=self.text(node))
            )
        if isinstance(obj, list | tuple | str | dict | range):
            try:
                return obj[key]
            except (IndexError, KeyError, TypeError) as e:
                raise Refusal(line_of(node), f"{self.text(node)}: {type(e).__name__}: {e}") from None
        raise Refusal(
            line_of(node),
            _("{code}: a {type} is not indexed here").format(code=self.text(node), type=type(obj).__name__),
        )

    def _comprehension(
        self, generators: list[ast.comprehension], scope: Scope, emit: Callable[[Scope], None], node: ast.AST
    ) -> None:
        local = Scope({}, scope)
        count = [0]

        def loop(i: int) -> None:
            if i == len(generators):
                count[0] += 1
                if count[0] > MAX_MODEL_ITEMS:
                    raise Refusal(
                        line_of(node),
                        _("a comprehension of more than {limit:,} items").format(limit=MAX_MODEL_ITEMS),
                    )
                emit(local)
                return
            gen = generators[i]
            for item in self.items_of(self.evaluate(gen.iter, local), gen.iter):
                self.assign(gen.target, item, local)
                if all(self.truth(self.evaluate(cond, local), cond) for cond in gen.ifs):
                    loop(i + 1)

        loop(0)

    def _expr_ListComp(self, node: ast.ListComp, scope: Scope) -> Any:
        out: list = []
        self._comprehension(node.generators, scope, lambda s: out.append(self.evaluate(node.elt, s)), node)
        return out

    _expr_GeneratorExp = _expr_ListComp

    def _expr_SetComp(self, node: ast.SetComp, scope: Scope) -> Any:
        return Unknown("a set", node.lineno)

    def _expr_DictComp(self, node: ast.DictComp, scope: Scope) -> Any:
        out: dict = {}

        def emit(s: Scope) -> None:
            key = self.evaluate(node.key, s)
            if isinstance(key, Unknown) or not _hashable(key):
                raise Refusal(
                    node.lineno, _("the dict key {code} is not known").format(code=self.text(node.key))
                )
            out[key] = self.evaluate(node.value, s)

        self._comprehension(node.generators, scope, emit, node)
        return out

    def _expr_Await(self, node: ast.Await, scope: Scope) -> Any:
        return Unknown("await", node.lineno)

    _expr_Yield = _expr_Await
    _expr_YieldFrom = _expr_Await

    # -- attributes ------------------------------------------------------------------------------------

    def get_attr(self, obj: Any, name: str, node: ast.AST) -> Any:
        if isinstance(obj, Unknown):
            return obj
        if isinstance(obj, Instance):
            if name in obj.attrs:
                return obj.attrs[name]
            if name == "__class__":
                return obj.cls
            found, value, _owner = obj.cls.lookup(name)
            if found:
                return self.bind_method(obj, value, node)
            hook = self.instance_attr_hook
            if hook is not None:
                result = hook(obj, name, node)
                if result is not NotImplemented:
                    return result
            return Unknown(
                _("{name} objects get {name2!r} from a library class").format(name=obj.cls.name, name2=name),
                line_of(node),
            )
        if isinstance(obj, Super):
            mro = obj.obj.cls.mro() if isinstance(obj.obj, Instance) else obj.obj.mro()
            after = mro[mro.index(obj.owner) + 1 :] if obj.owner in mro else []
            for c in after:
                if isinstance(c, UserClass) and name in c.ns:
                    return self.bind_method(obj.obj, c.ns[name], node)
            return _SUPER_NOOP
        if isinstance(obj, UserClass):
            found, value, _owner = obj.lookup(name)
            if found:
                if isinstance(value, Function) and value.kind == "classmethod":
                    return BoundMethod(obj, value)
                return value
            if name == "__name__":
                return obj.name
            hook = self.class_attr_hook
            if hook is not None:
                result = hook(obj, name, node)
                if result is not NotImplemented:
                    return result
            return Unknown(
                _("{name}.{name2} comes from a library class").format(name=obj.name, name2=name),
                line_of(node),
            )
        if isinstance(obj, Native):
            return obj.attr(self, name, node)
        if isinstance(obj, ArgNamespace):
            if name in obj.values:
                return obj.values[name]
            return Unknown(
                _("the command-line option {name!r} has no default in the file").format(name=name),
                line_of(node),
            )
        if isinstance(obj, Function) and name == "__name__":
            return obj.name
        if name in PY_METHODS.get(type(obj), ()):
            return NativeMethod(obj, name)
        if isinstance(obj, int | float) and name in ("real", "imag"):
            return getattr(obj, name)
        raise Refusal(
            line_of(node),
            _("{code}: a {type} has no attribute {name!r} here").format(
                code=self.text(node), type=type(obj).__name__, name=name
            ),
        )

    instance_attr_hook: Callable[[Instance, str, ast.AST], Any] | None = None
    class_attr_hook: Callable[[UserClass, str, ast.AST], Any] | None = None

    def bind_method(self, obj: Any, value: Any, node: ast.AST) -> Any:
        if isinstance(value, Function):
            if value.kind == "staticmethod":
                return value
            if value.kind == "classmethod":
                return BoundMethod(obj.cls if isinstance(obj, Instance) else obj, value)
            if value.kind == "property":
                return self.call(value, [obj], {}, node)
            return BoundMethod(obj, value)
        return value

    # -- calls -----------------------------------------------------------------------------------------

    def _expr_Call(self, node: ast.Call, scope: Scope) -> Any:
        if isinstance(node.func, ast.Name) and node.func.id == "super" and not node.args:
            return self.zero_arg_super(node, scope)
        func = self.evaluate(node.func, scope)
        args: list = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                value = self.evaluate(a.value, scope)
                if isinstance(value, Unknown):
                    return Unknown(f"*{self.text(a.value)}: {value.why}", node.lineno)
                args.extend(self.items_of(value, a))
            else:
                args.append(self.evaluate(a, scope))
        kwargs: dict[str, Any] = {}
        for k in node.keywords:
            value = self.evaluate(k.value, scope)
            if k.arg is None:
                if isinstance(value, Unknown):
                    return Unknown(f"**{self.text(k.value)}: {value.why}", node.lineno)
                if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
                    raise Refusal(
                        node.lineno, _("**{code} is not a dict of names").format(code=self.text(k.value))
                    )
                kwargs.update(value)
            else:
                kwargs[k.arg] = value
        return self.call(func, args, kwargs, node)

    def zero_arg_super(self, node: ast.Call, scope: Scope) -> Any:
        for frame in reversed(self.frames):
            fn = frame.names.get("__function__")
            if isinstance(fn, Function) and fn.owner is not None:
                first = fn.node.args.args[0].arg if fn.node.args.args else None
                if first is not None and first in frame.names:
                    return Super(fn.owner, frame.names[first])
        return _SUPER_NOOP

    def call(self, func: Any, args: list, kwargs: dict, node: ast.AST) -> Any:
        if isinstance(func, Function):
            return self.invoke(func, args, kwargs, node)
        if isinstance(func, BoundMethod):
            return self.invoke(func.function, [func.self_value, *args], kwargs, node)
        if isinstance(func, UserClass):
            return self.instantiate(func, args, kwargs, node)
        if isinstance(func, Builtin):
            return func.fn(self, args, kwargs, node)
        if isinstance(func, NativeMethod):
            return py_method(self, func.obj, func.name, args, kwargs, node)
        if isinstance(func, Native):
            return func.call(self, args, kwargs, node)
        if isinstance(func, Unknown):
            return func
        if isinstance(func, Super):
            return _SUPER_NOOP
        if isinstance(func, Instance):
            found, method, _owner = func.cls.lookup("__call__")
            if found:
                return self.call(self.bind_method(func, method, node), args, kwargs, node)
            if self.instance_call_hook is not None:
                return self.instance_call_hook(func, args, kwargs, node)
        raise Refusal(
            line_of(node),
            _("{code}: a {type} is not callable").format(code=self.text(node), type=type(func).__name__),
        )

    instance_call_hook: Callable[[Instance, list, dict, ast.AST], Any] | None = None

    def instantiate(self, cls: UserClass, args: list, kwargs: dict, node: ast.AST) -> Any:
        obj = Instance(cls)
        found, init, _owner = cls.lookup("__init__")
        if found and isinstance(init, Function):
            self.invoke(init, [obj, *args], kwargs, node)
        return obj

    def invoke(self, fn: Function, args: list, kwargs: dict, node: ast.AST) -> Any:
        if self.depth >= MAX_MODEL_CALL_DEPTH:
            raise Refusal(
                line_of(node),
                _("calls nest more than {limit} deep here (a recursive helper?); cnncalc stops there").format(
                    limit=MAX_MODEL_CALL_DEPTH
                ),
            )
        local = Scope(self.bind_arguments(fn, args, kwargs, node), fn.scope)
        local.names["__function__"] = fn
        self.depth += 1
        self.frames.append(local)
        try:
            if isinstance(fn.node, ast.Lambda):
                return self.evaluate(fn.node.body, local)
            self.exec_block(fn.node.body, local)
        except _Return as r:
            return r.value
        except (_Break, _Continue):
            raise Refusal(line_of(node), _("break or continue outside a loop")) from None
        finally:
            self.depth -= 1
            self.frames.pop()
        return None

    def bind_arguments(self, fn: Function, args: list, kwargs: dict, node: ast.AST) -> dict[str, Any]:
        spec = fn.node.args
        positional = [a.arg for a in [*spec.posonlyargs, *spec.args]]
        names: dict[str, Any] = {}
        for name, value in zip(positional, args, strict=False):
            names[name] = value
        extra = args[len(positional) :]
        if extra:
            if spec.vararg is None:
                raise Refusal(
                    line_of(node),
                    _("{name}() takes {n} positional arguments, given {n2}").format(
                        name=fn.name, n=len(positional), n2=len(args)
                    ),
                )
        if spec.vararg is not None:
            names[spec.vararg.arg] = tuple(extra)
        rest: dict[str, Any] = {}
        kwonly = [a.arg for a in spec.kwonlyargs]
        for key, value in kwargs.items():
            if key in positional or key in kwonly:
                if key in names:
                    raise Refusal(
                        line_of(node), _("{name}() got {key!r} twice").format(name=fn.name, key=key)
                    )
                names[key] = value
            elif spec.kwarg is not None:
                rest[key] = value
            else:
                raise Refusal(
                    line_of(node), _("{name}() has no argument {key!r}").format(name=fn.name, key=key)
                )
        if spec.kwarg is not None:
            names[spec.kwarg.arg] = rest
        first_default = len(positional) - len(fn.defaults)
        for i, name in enumerate(positional):
            if name not in names:
                if i >= first_default:
                    names[name] = fn.defaults[i - first_default]
                else:
                    raise MissingArgument(line_of(node), fn, name)
        for name, default in zip(kwonly, fn.kw_defaults, strict=True):
            if name not in names:
                if default is _NO_DEFAULT:
                    raise MissingArgument(line_of(node), fn, name)
                names[name] = default
        return names

    # -- conversions ----------------------------------------------------------------------------------

    def truth(
        self, value: Any, node: ast.AST, module_level: bool = False, lenient: bool = False
    ) -> bool | None:
        """Python's truth of a value; unknown refuses, except at module level (None: not known)."""
        if isinstance(value, Unknown):
            if module_level or lenient:
                return None
            raise Refusal(
                line_of(node),
                _("{code} decides what is built, but it is known only when the code runs ({why})").format(
                    code=self.text(node), why=value.why
                ),
            )
        if isinstance(value, Native):
            decided = getattr(value, "truth", None)
            if decided is not None:
                return decided
            return True
        if isinstance(value, bool | int | float | str | tuple | list | dict | range | type(None)):
            return bool(value)
        return True

    def items_of(self, value: Any, node: ast.AST) -> list:
        """The items a `for` loop would see."""
        if isinstance(value, Unknown):
            raise Refusal(
                line_of(node), _("cannot loop over {code}: {why}").format(code=self.text(node), why=value.why)
            )
        if isinstance(value, range):
            if len(value) > MAX_MODEL_LOOP:
                raise Refusal(
                    line_of(node),
                    _("{code} has {n:,} items; cnncalc loops at most {limit:,} times").format(
                        code=self.text(node), n=len(value), limit=MAX_MODEL_LOOP
                    ),
                )
            return list(value)
        if isinstance(value, list | tuple | str):
            if len(value) > MAX_MODEL_LOOP:
                raise Refusal(
                    line_of(node),
                    _("{code} has {n:,} items; cnncalc loops at most {limit:,} times").format(
                        code=self.text(node), n=len(value), limit=MAX_MODEL_LOOP
                    ),
                )
            return list(value)
        if isinstance(value, dict):
            return list(value)
        if isinstance(value, Native):
            return value.iterate(self, node)
        raise Refusal(line_of(node), _("cannot loop over a {type}").format(type=type(value).__name__))

    def check_size(self, value: Any, node: ast.AST) -> None:
        if isinstance(value, list | tuple | dict | str) and len(value) > MAX_MODEL_ITEMS:
            raise Refusal(
                line_of(node),
                _("{code} has more than {limit:,} items").format(code=self.text(node), limit=MAX_MODEL_ITEMS),
            )

    def known_int(self, value: Any, what: str, node: ast.AST) -> int:
        if isinstance(value, Unknown):
            raise Refusal(line_of(node), _("cannot work out {what}: {why}").format(what=what, why=value.why))
        if isinstance(value, bool) or not isinstance(value, int):
            raise Refusal(
                line_of(node), _("{what} is {value!r}, not a whole number").format(what=what, value=value)
            )
        return value


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


class MissingArgument(Refusal):
    """A call without a value for an argument that has no default (`Net()` of `Net(upscale_factor)`)."""

    def __init__(self, line: int, fn: Function, name: str) -> None:
        super().__init__(
            line,
            _("{name}() needs a value for {name2!r}, which has no default").format(name=fn.name, name2=name),
        )
        self.function = fn
        self.name = name


_NO_DEFAULT = object()


class _SuperNoop(Native):
    """`super().__init__()` into a library class: nothing the model's layers depend on."""

    label = "super()"

    def attr(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        return self

    def call(self, ev: Evaluator, args: list, kwargs: dict, node: ast.AST) -> Any:
        return None


_SUPER_NOOP = _SuperNoop()


# -- helpers ------------------------------------------------------------------------------------------


def line_of(node: ast.AST | None) -> int:
    return getattr(node, "lineno", 0) if node is not None else 0


def _as_load(target: ast.expr) -> ast.expr:
    node = ast.fix_missing_locations(ast.copy_location(_relabel(target), target))
    return node


def _relabel(target: ast.expr) -> ast.expr:
    if isinstance(target, ast.Name):
        return ast.Name(target.id, ast.Load())
    if isinstance(target, ast.Attribute):
        return ast.copy_location(ast.Attribute(target.value, target.attr, ast.Load()), target)
    if isinstance(target, ast.Subscript):
        return ast.copy_location(ast.Subscript(target.value, target.slice, ast.Load()), target)
    return target


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def assigned_names(stmt: ast.AST) -> list[str]:
    """The names a statement may bind (targets of assignments, loops, defs, imports)."""
    names: list[str] = []
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.append(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node is stmt:
            names.append(node.name)
        elif isinstance(node, ast.alias):
            names.append((node.asname or node.name).split(".")[0])
    return names


# methods that fill a container in place: a statement calling one defines its value too
FILLING_METHODS = ("append", "add", "extend", "insert", "add_module", "update", "register_module")
# methods that change a model or a layer in place
CHANGING_METHODS = (*FILLING_METHODS, "pop", "requires_grad_", "apply")


def changed_names(stmt: ast.AST, every: bool = False) -> list[str]:
    """Names whose object a statement changes in place: the object an item or attribute is set or
    deleted on (`model[3] = …`, `model[0].stride = …`, `del model[1]`) or a filling method is
    called on (`model.pop(2)`), and what a loop that changes things goes through
    (`for layer in model.layers: layer.trainable = False`). With `every`, also what may be
    changed by what the statement calls: the receiver of any method
    (`model[0].requires_grad_(False)`), an argument (`freeze(model)`; not what a call returns:
    `print(model(x))`) and whose parts a loop goes through (`for p in model.parameters()`)."""
    roots: list[tuple[ast.expr, bool]] = []  # an expression, and whether a call's result is its object's
    for node in ast.walk(stmt):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            roots += [(t.value, True) for t in targets if isinstance(t, ast.Attribute | ast.Subscript)]
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and (every or node.func.attr in CHANGING_METHODS):
                roots.append((node.func.value, True))
            if every:
                roots += [(a, False) for a in [*node.args, *(k.value for k in node.keywords)]]
        elif isinstance(node, ast.For) and (every or changed_names(ast.Module(node.body, []))):
            roots.append((node.iter, True))  # a loop that changes what it goes through
        elif every and isinstance(node, ast.comprehension):
            roots.append((node.iter, True))
    names = []
    for root, through_calls in roots:
        while isinstance(root, ast.Attribute | ast.Subscript | ast.Starred) or (
            through_calls and isinstance(root, ast.Call)
        ):
            root = root.func if isinstance(root, ast.Call) else root.value
        if isinstance(root, ast.Name) and root.id not in names:
            names.append(root.id)
    return names


def holds(value: Any, targets: tuple) -> bool:
    """Whether a model (an object of the file's classes or a container of layers) is, or holds,
    one of `targets`: its attributes, children and layers, walked without recursion."""
    if not (isinstance(value, Instance) or getattr(value, "model_part", False)):
        return False
    wanted = {id(t) for t in targets}
    stack, seen = [value], set()
    while stack:
        item = stack.pop()
        if id(item) in wanted:
            return True
        if id(item) in seen or len(seen) > MAX_MODEL_ITEMS:
            continue
        seen.add(id(item))
        if isinstance(item, Instance):
            stack.extend(item.attrs.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif getattr(item, "model_part", False) and not isinstance(item, Unknown):
            trace = getattr(item, "trace", None)  # a functional model: the layers of its graph
            stack.extend(n.owner for n in getattr(trace, "nodes", ()) if n.owner is not None)
            for key in ("children", "items", "layers"):
                stack.extend([getattr(item, key)] if hasattr(item, key) else [])
    return False


def filled_names(stmt: ast.AST) -> list[str]:
    """Names a statement fills in place (`model.add(…)`, `layers.append(…)`)."""
    return [
        n.func.value.id
        for n in ast.walk(stmt)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr in FILLING_METHODS
        and isinstance(n.func.value, ast.Name)
    ]


def too_deep(tree: ast.AST) -> int | None:
    """The line of the first node nested deeper than MAX_MODEL_NESTING (found without recursion,
    so that the evaluator, which recurses over expressions, never runs out of stack); None if none is."""
    stack: list[tuple[ast.AST, int, int]] = [(tree, 1, 0)]
    while stack:
        node, depth, line = stack.pop()
        line = getattr(node, "lineno", line)
        if depth > MAX_MODEL_NESTING:
            return line
        stack.extend((child, depth + 1, line) for child in ast.iter_child_nodes(node))
    return None


def parse_module(source: str, path: str) -> ast.Module:
    """`ast.parse` with the bounds: size, nesting, and the parser's own limits as refusals that
    name the line and the fix."""
    import warnings

    from cnncalc.arith.errors import UsageError

    if len(source.encode("utf-8", "surrogatepass")) > MAX_MODEL_SOURCE_BYTES:
        raise UsageError(
            _("{path} is larger than {limit:,} bytes; no model file is that long").format(
                path=path, limit=MAX_MODEL_SOURCE_BYTES
            )
        )
    if "\x00" in source:
        line = source.count("\n", 0, source.index("\x00")) + 1
        raise Refusal(line, _("a NUL byte; this is not a Python text file"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a docstring's invalid escape is the file's business
            tree = ast.parse(source, filename=path)
    except SyntaxError as e:
        if "digits" in e.msg and "limit" in e.msg:  # Python's refusal to convert a huge literal
            raise Refusal(
                e.lineno or 0,
                _(
                    "not valid Python (a number with thousands of digits, far too large to be a layer size); "
                    "cnncalc reads model code with Python's parser"
                ),
            ) from None
        raise Refusal(*not_python(source, e)) from None
    except (RecursionError, MemoryError):
        raise Refusal(
            0,
            _("nested too deeply for Python's parser; no model file nests more than {limit} levels").format(
                limit=MAX_MODEL_NESTING
            ),
        ) from None
    except ValueError as e:
        raise Refusal(0, _("not valid Python ({e})").format(e=e)) from None
    line = too_deep(tree)
    if line is not None:
        raise Refusal(
            line,
            _("nested more than {limit} levels deep; no model cnncalc reads is written like that").format(
                limit=MAX_MODEL_NESTING
            ),
        )
    return tree


# -- arithmetic ---------------------------------------------------------------------------------------

_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
}


def _number(v: Any) -> bool:
    return isinstance(v, int | float)


def arithmetic(op: ast.operator, a: Any, b: Any, node: ast.AST, ev: Evaluator) -> Any:
    """+ − * / // % ** and friends on known values, refusing results too large to be a layer size
    before computing them (`10**10**10`, a number squared 39 times)."""
    fn = _OPS.get(type(op))
    if fn is None:
        raise Refusal(
            line_of(node),
            _("{code}: this operator is not something cnncalc follows").format(code=ev.text(node)),
        )
    too_big = too_large(ev.text(node), line_of(node))
    if _number(a) and _number(b):
        # operands are at most MAX_SIZE (larger ones are never kept): a product is cheap to compute,
        # a power or a shift is judged by its size before it is computed
        if isinstance(op, ast.Pow):
            if abs(a) > 1 and b > 0 and b * math.log10(abs(a)) > math.log10(MAX_SIZE) + 1:
                return too_big
        elif isinstance(op, ast.LShift):
            if a and b > MAX_SIZE.bit_length():
                return too_big
        try:
            result = fn(a, b)
        except ZeroDivisionError:
            raise Refusal(line_of(node), _("{code} divides by zero").format(code=ev.text(node))) from None
        except (OverflowError, ValueError) as e:
            raise Refusal(line_of(node), f"{ev.text(node)}: {e}") from None
        if isinstance(result, complex):
            return Unknown(_("{code} is not a real number").format(code=ev.text(node)), line_of(node))
        if isinstance(result, int) and abs(result) > MAX_SIZE:
            return too_big
        if isinstance(result, float) and (not math.isfinite(result) or abs(result) > MAX_SIZE):
            return too_big
        return result
    if isinstance(op, ast.Mult) and (
        isinstance(a, list | tuple | str)
        and isinstance(b, int)
        or isinstance(b, list | tuple | str)
        and isinstance(a, int)
    ):
        seq, n = (a, b) if isinstance(b, int) else (b, a)
        if n > 0 and len(seq) * n > MAX_MODEL_ITEMS:
            raise Refusal(
                line_of(node),
                _("{code} would have more than {limit:,} items").format(
                    code=ev.text(node), limit=MAX_MODEL_ITEMS
                ),
            )
        return seq * n
    if isinstance(op, ast.Add) and type(a) is type(b) and isinstance(a, list | tuple | str):
        if len(a) + len(b) > MAX_MODEL_ITEMS:
            raise Refusal(
                line_of(node),
                _("{code} would have more than {limit:,} items").format(
                    code=ev.text(node), limit=MAX_MODEL_ITEMS
                ),
            )
        return a + b
    if isinstance(op, ast.Mod) and isinstance(a, str):
        values = b if isinstance(b, tuple) else (b,)
        if any(not isinstance(v, int | float | str | bool | type(None)) for v in values):
            return Unknown(
                _("{code} formats a value only known at run time").format(code=ev.text(node)), line_of(node)
            )
        if any(ch.isdigit() for part in a.split("%")[1:] for ch in part[:1]):
            return Unknown(_("{code} formats with a width").format(code=ev.text(node)), line_of(node))
        try:
            return a % b
        except (TypeError, ValueError, KeyError) as e:
            raise Refusal(line_of(node), f"{ev.text(node)}: {e}") from None
    if isinstance(op, ast.BitOr) and isinstance(a, dict) and isinstance(b, dict):
        return {**a, **b}
    return Unknown(
        _("{code} on {type} and {type2}").format(
            code=ev.text(node), type=type(a).__name__, type2=type(b).__name__
        ),
        line_of(node),
    )


def compare(op: ast.cmpop, a: Any, b: Any) -> bool | None:
    """A comparison of known values; None when either side is unknown."""
    if isinstance(op, ast.Is | ast.IsNot):
        if isinstance(a, Unknown) or isinstance(b, Unknown):
            return None
        same = a is b or (a is None and b is None)
        return same if isinstance(op, ast.Is) else not same
    if isinstance(op, ast.In | ast.NotIn):
        if isinstance(a, Unknown) or isinstance(b, Unknown) or isinstance(b, Native):
            return None
        if not isinstance(b, list | tuple | dict | str | range):
            return None
        try:
            found = a in b
        except TypeError:
            return None
        return found if isinstance(op, ast.In) else not found
    if isinstance(a, Unknown | Native) or isinstance(b, Unknown | Native):
        if (
            isinstance(op, ast.Eq | ast.NotEq)
            and (isinstance(a, Native) or isinstance(b, Native))
            and not (isinstance(a, Unknown) or isinstance(b, Unknown))
        ):
            return (a is b) == isinstance(op, ast.Eq)
        return None
    fns = {
        ast.Eq: operator.eq,
        ast.NotEq: operator.ne,
        ast.Lt: operator.lt,
        ast.LtE: operator.le,
        ast.Gt: operator.gt,
        ast.GtE: operator.ge,
    }
    try:
        return bool(fns[type(op)](a, b))
    except TypeError:
        return None


# -- builtins -----------------------------------------------------------------------------------------


class _UnknownArgument(Exception):
    def __init__(self, value: Unknown) -> None:
        self.value = value


def _builtin(name: str, fn: Callable[..., Any]) -> Builtin:
    def run(ev: Evaluator, args: list, kwargs: dict, node: ast.AST) -> Any:
        for a in [*args, *kwargs.values()]:
            if isinstance(a, Unknown):
                if a.too_large:
                    return a
                return Unknown(
                    _("{name}() of a value known only at run time ({why})").format(name=name, why=a.why),
                    line_of(node),
                )
        try:
            result = fn(ev, node, *args, **kwargs)
        except _UnknownArgument as u:
            return u.value
        except Refusal:
            raise
        except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError, AttributeError) as e:
            raise Refusal(line_of(node), f"{ev.text(node)}: {type(e).__name__}: {e}") from None
        if isinstance(result, int) and not isinstance(result, bool) and abs(result) > MAX_SIZE:
            return too_large(ev.text(node), line_of(node))
        ev.check_size(result, node)
        return result

    return Builtin(name, run)


def _range(ev: Evaluator, node: ast.AST, *args: Any) -> range:
    for a in args:
        ev.known_int(a, _("a range bound"), node)
    return range(*args)


def _len(ev: Evaluator, node: ast.AST, value: Any) -> int:
    if isinstance(value, Native):
        return value.length(ev, node)
    return len(value)


def _isinstance(ev: Evaluator, node: ast.AST, value: Any, kinds: Any) -> Any:
    options = kinds if isinstance(kinds, tuple) else (kinds,)
    answers = [_isinstance_one(value, k) for k in options]
    if any(a is True for a in answers):
        return True
    if any(a is None for a in answers):
        return Unknown(
            _("isinstance(..., {kinds!r}) is not known").format(kinds=getattr(kinds, "label", kinds)),
            line_of(node),
        )
    return False


_PY_TYPES = {"int": int, "float": float, "str": str, "bool": bool, "list": list, "tuple": tuple, "dict": dict}


def _isinstance_one(value: Any, kind: Any) -> bool | None:
    if isinstance(kind, Builtin) and kind.name in _PY_TYPES:
        return isinstance(value, _PY_TYPES[kind.name])
    if isinstance(kind, UserClass):
        return isinstance(value, Instance) and kind in value.cls.mro()
    if isinstance(value, Instance):
        if isinstance(kind, Ext):
            return any(b.leaf == kind.leaf for b in value.cls.external_bases())
        return False
    if isinstance(value, Native):
        return value.isinstance_of(kind)
    if isinstance(value, Unknown):
        return None
    if isinstance(kind, Ext):
        return False
    return None


def _int(ev: Evaluator, node: ast.AST, value: Any = 0, *rest: Any) -> int:
    if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        raise Refusal(
            line_of(node), _("{code}: {value} is not a whole number").format(code=ev.text(node), value=value)
        )
    return int(value, *rest) if rest else int(value)


def _round(ev: Evaluator, node: ast.AST, value: Any, digits: Any = None) -> Any:
    return round(value) if digits is None else round(value, digits)


def _getattr(ev: Evaluator, node: ast.AST, obj: Any, name: str, *default: Any) -> Any:
    try:
        value = ev.get_attr(obj, name, node)
    except Refusal:
        if default:
            return default[0]
        raise
    if isinstance(value, Unknown) and default:
        return Unknown(_("getattr(..., {name!r}) is known only at run time").format(name=name), line_of(node))
    return value


def _hasattr(ev: Evaluator, node: ast.AST, obj: Any, name: str) -> Any:
    if isinstance(obj, Instance):
        if name in obj.attrs or obj.cls.lookup(name)[0]:
            return True
        value = ev.get_attr(obj, name, node)
        return not isinstance(value, Unknown)
    try:
        value = ev.get_attr(obj, name, node)
    except Refusal:
        return False
    return Unknown(f"hasattr(..., {name!r})", line_of(node)) if isinstance(value, Unknown) else True


def _setattr(ev: Evaluator, node: ast.AST, obj: Any, name: str, value: Any) -> None:
    ev.set_attr(obj, name, value, node)


def _enumerate(ev: Evaluator, node: ast.AST, items: Any, start: int = 0) -> list:
    return list(enumerate(ev.items_of(items, node), start))


def _zip(ev: Evaluator, node: ast.AST, *seqs: Any, strict: bool = False) -> list:
    return list(zip(*(ev.items_of(s, node) for s in seqs), strict=False))


def _list(ev: Evaluator, node: ast.AST, items: Any = ()) -> list:
    return list(ev.items_of(items, node))


def _tuple(ev: Evaluator, node: ast.AST, items: Any = ()) -> tuple:
    return tuple(ev.items_of(items, node))


def _dict(ev: Evaluator, node: ast.AST, items: Any = (), **kwargs: Any) -> dict:
    if isinstance(items, dict):
        return {**items, **kwargs}
    out = {}
    for pair in ev.items_of(items, node):
        k, v = pair
        out[k] = v
    out.update(kwargs)
    return out


def _sorted(ev: Evaluator, node: ast.AST, items: Any, reverse: bool = False) -> list:
    return sorted(ev.items_of(items, node), reverse=reverse)


def _reversed(ev: Evaluator, node: ast.AST, items: Any) -> list:
    return list(reversed(ev.items_of(items, node)))


def _minmax(fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(ev: Evaluator, node: ast.AST, *args: Any, **kwargs: Any) -> Any:
        items = ev.items_of(args[0], node) if len(args) == 1 else list(args)
        for item in items:
            if isinstance(item, Unknown):
                raise _UnknownArgument(item)
        if "default" in kwargs and not items:
            return kwargs["default"]
        return fn(items)

    return run


def _sum(ev: Evaluator, node: ast.AST, items: Any, start: Any = 0) -> Any:
    total = start
    for item in ev.items_of(items, node):
        if isinstance(item, Unknown):
            raise _UnknownArgument(item)
        total = arithmetic(ast.Add(), total, item, node, ev)
        if isinstance(total, Unknown):
            raise _UnknownArgument(total)
    return total


def _map(ev: Evaluator, node: ast.AST, fn: Any, *seqs: Any) -> list:
    return [
        ev.call(fn, list(items), {}, node)
        for items in zip(*(ev.items_of(s, node) for s in seqs), strict=False)
    ]


def _truthy(fn: Callable[[list], bool]) -> Callable[..., Any]:
    def run(ev: Evaluator, node: ast.AST, items: Any) -> Any:
        values = [ev.truth(v, node, lenient=True) for v in ev.items_of(items, node)]
        if any(v is None for v in values):
            return Unknown(_("any()/all() of values known only at run time"), line_of(node))
        return fn(values)

    return run


def _str(ev: Evaluator, node: ast.AST, value: Any = "") -> str:
    if isinstance(value, int | float | str | bool | type(None)):
        return str(value)
    raise _UnknownArgument(Unknown(_("str() of a {type}").format(type=type(value).__name__), line_of(node)))


def _float(ev: Evaluator, node: ast.AST, value: Any = 0.0) -> float:
    return float(value)


def _abs(ev: Evaluator, node: ast.AST, value: Any) -> Any:
    return abs(value)


def _divmod(ev: Evaluator, node: ast.AST, a: Any, b: Any) -> Any:
    return divmod(a, b)


def _math(name: str) -> Callable[..., Any]:
    fn = getattr(math, name)

    def run(ev: Evaluator, node: ast.AST, *args: Any) -> Any:
        for a in args:
            if not isinstance(a, int | float) or abs(a) > MAX_SIZE:
                raise _UnknownArgument(
                    Unknown(_("math.{name} of {a!r}").format(name=name, a=a), line_of(node))
                )
        return fn(*args)

    return run


def _type(ev: Evaluator, node: ast.AST, value: Any) -> Any:
    if isinstance(value, Instance):
        return value.cls
    return Unknown(_("type() of a value"), line_of(node))


def _ordered_dict(ev: Evaluator, node: ast.AST, items: Any = (), **kwargs: Any) -> dict:
    return _dict(ev, node, items, **kwargs)


def _partial(ev: Evaluator, node: ast.AST, fn: Any, *args: Any, **kwargs: Any) -> Any:
    return Partial(fn, list(args), dict(kwargs))


@dataclass(eq=False)
class Partial(Native):
    """functools.partial(fn, ...): calling it calls fn with the stored arguments first."""

    fn: Any
    args: list
    kwargs: dict
    label = N_("a functools.partial")

    def call(self, ev: Evaluator, args: list, kwargs: dict, node: ast.AST) -> Any:
        return ev.call(self.fn, [*self.args, *args], {**self.kwargs, **kwargs}, node)


class ArgParser(Native):
    """argparse.ArgumentParser: `add_argument('--ndf', type=int, default=64)` records the default,
    `parse_args()` gives them (the values a run without options would have)."""

    label = N_("an argparse parser")

    def __init__(self) -> None:
        self.namespace = ArgNamespace()

    def attr(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        if name == "add_argument":
            return Builtin("add_argument", self._add)
        if name in ("parse_args", "parse_known_args"):
            return Builtin(name, lambda ev, a, k, n: self._parse(ev, n, name))
        if name in ("add_argument_group", "add_mutually_exclusive_group"):
            return Builtin(name, lambda ev, a, k, n: self)
        return Builtin(name, lambda ev, a, k, n: None)

    def _add(self, ev: Evaluator, args: list, kwargs: dict, node: ast.AST) -> None:
        flags = [a for a in args if isinstance(a, str)]
        long = next((f for f in flags if f.startswith("--")), flags[0] if flags else "")
        dest = kwargs.get("dest") or long.lstrip("-").replace("-", "_")
        if not isinstance(dest, str) or not dest:
            return None
        default = kwargs.get("default")
        if kwargs.get("action") == "store_true":
            default = kwargs.get("default", False)
        elif kwargs.get("action") == "store_false":
            default = kwargs.get("default", True)
        if kwargs.get("required") is True:
            default = Unknown(
                _("--{dest} is a required command-line option").format(dest=dest), line_of(node)
            )
        self.namespace.values[dest] = default
        self.namespace.lines[dest] = line_of(node)
        return None

    def _parse(self, ev: Evaluator, node: ast.AST, name: str) -> Any:
        if self.namespace.values:
            shown = ", ".join(f"{k}={v!r}" for k, v in list(self.namespace.values.items())[:8])
            ev.note(
                _(
                    "line {line}: read the command-line options at their argparse defaults ({shown}, …)"
                ).format(line=line_of(node), shown=shown)
            )
        return self.namespace if name == "parse_args" else (self.namespace, [])


BUILTINS: dict[str, Builtin] = {
    "range": _builtin("range", _range),
    "len": _builtin("len", _len),
    "int": _builtin("int", _int),
    "float": _builtin("float", _float),
    "str": _builtin("str", _str),
    "bool": _builtin("bool", lambda ev, node, v=False: bool(v)),
    "list": _builtin("list", _list),
    "tuple": _builtin("tuple", _tuple),
    "dict": _builtin("dict", _dict),
    "enumerate": _builtin("enumerate", _enumerate),
    "zip": _builtin("zip", _zip),
    "sorted": _builtin("sorted", _sorted),
    "reversed": _builtin("reversed", _reversed),
    "min": _builtin("min", _minmax(min)),
    "max": _builtin("max", _minmax(max)),
    "sum": _builtin("sum", _sum),
    "abs": _builtin("abs", _abs),
    "round": _builtin("round", _round),
    "divmod": _builtin("divmod", _divmod),
    "map": _builtin("map", _map),
    "any": _builtin("any", _truthy(any)),
    "all": _builtin("all", _truthy(all)),
    "print": Builtin("print", lambda ev, a, k, n: None),
    "isinstance": _builtin("isinstance", _isinstance),
    "getattr": Builtin("getattr", lambda ev, a, k, n: _getattr(ev, n, *a)),
    "hasattr": Builtin("hasattr", lambda ev, a, k, n: _hasattr(ev, n, *a)),
    "setattr": Builtin("setattr", lambda ev, a, k, n: _setattr(ev, n, *a)),
    "type": Builtin("type", lambda ev, a, k, n: _type(ev, n, *a)),
    "iter": _builtin("iter", lambda ev, node, items: list(ev.items_of(items, node))),
    "next": _builtin("next", lambda ev, node, items, *d: (ev.items_of(items, node) or list(d))[0]),
    "callable": _builtin(
        "callable", lambda ev, node, v: isinstance(v, Function | BoundMethod | UserClass | Native | Builtin)
    ),
}
BUILTIN_PATHS: dict[str, Builtin] = {
    **{
        f"math.{name}": _builtin(f"math.{name}", _math(name))
        for name in ("floor", "ceil", "sqrt", "log", "log2", "exp", "pow", "fabs", "gcd")
    },
    "math.pi": _builtin("math.pi", lambda ev, node: math.pi),
    "collections.OrderedDict": _builtin("OrderedDict", _ordered_dict),
    "typing.OrderedDict": _builtin("OrderedDict", _ordered_dict),
    "functools.partial": Builtin("partial", lambda ev, a, k, n: _partial(ev, n, *a, **k)),
    "argparse.ArgumentParser": Builtin("ArgumentParser", lambda ev, a, k, n: ArgParser()),
}

PY_METHODS: dict[type, tuple[str, ...]] = {
    list: ("append", "extend", "insert", "pop", "index", "count", "copy", "reverse"),
    tuple: ("index", "count"),
    dict: ("items", "keys", "values", "get", "update", "setdefault", "copy", "pop"),
    str: (
        "format",
        "join",
        "lower",
        "upper",
        "startswith",
        "endswith",
        "replace",
        "split",
        "strip",
        "isdigit",
    ),
}


def py_method(ev: Evaluator, obj: Any, name: str, args: list, kwargs: dict, node: ast.AST) -> Any:
    """The whitelisted methods of Python's own values; mutating ones keep the size bounds."""
    if name == "format" and isinstance(obj, str):
        if any(not isinstance(v, int | float | str | bool | type(None)) for v in [*args, *kwargs.values()]):
            return Unknown(
                _("{code} formats a value known only at run time").format(code=ev.text(node)), line_of(node)
            )
        if any(ch.isdigit() for part in obj.split(":")[1:] for ch in part[:2]):
            return Unknown(_("{code} formats with a width").format(code=ev.text(node)), line_of(node))
    if name == "join" and isinstance(obj, str):
        args = [ev.items_of(args[0], node)] if args else args
        if any(not isinstance(v, str) for v in args[0] if args):
            return Unknown(
                _("{code} joins values known only at run time").format(code=ev.text(node)), line_of(node)
            )
    if name in ("extend",):
        args = [ev.items_of(args[0], node)] if args else args
    if name == "index" and isinstance(obj, list | tuple) and any(isinstance(v, Unknown) for v in obj):
        return Unknown(_("index() among values known only at run time"), line_of(node))
    try:
        result = getattr(obj, name)(*args, **kwargs)
    except (TypeError, ValueError, KeyError, IndexError) as e:
        raise Refusal(line_of(node), f"{ev.text(node)}: {type(e).__name__}: {e}") from None
    ev.check_size(obj, node)
    if name in ("items", "keys", "values"):
        return list(result)
    ev.check_size(result, node)
    return result


__all__ = [
    "ArgNamespace",
    "BoundMethod",
    "Builtin",
    "ChangeRefusal",
    "Evaluator",
    "Ext",
    "Function",
    "Instance",
    "MissingArgument",
    "Native",
    "Partial",
    "Refusal",
    "Scope",
    "Stop",
    "Unknown",
    "UserClass",
]
