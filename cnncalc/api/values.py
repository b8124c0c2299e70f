"""Arguments as a Python caller writes them, or as the command line spells them, made into what the
core takes.

A size is `96`, `(28, 20)`, `[3, 3]` or the CLI's text `"28x20"`; a padding also `"same"`,
`"valid"` or `"full"`; a matrix `"0 1; 2 3"` (channels split by `|`), nested lists or a NumPy
array. The CLI passes its option text to the same functions, so a value means the same and a
mistake reads the same from both: every message names the argument as `{field}` (the Python name
here, the option in the CLI).

>>> sizes((28, 20), "input"), sizes("28x20", "input"), sizes(96, "input")
((28, 20), (28, 20), (96,))
>>> sizes("0", "kernel")
Traceback (most recent call last):
  ...
cnncalc.arith.errors.UsageError: kernel 0 must be at least 1

Standard library at import; NumPy only inside the matrix functions.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, SupportsIndex, TypeAlias, TypeVar

from cnncalc.arith.errors import ArgumentError, CnnCalcError, UsageError
from cnncalc.arith.parsing import fmt_count, is_digits, parse_bool, parse_padding, parse_sizes
from cnncalc.i18n import _

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

# What the public functions accept (see the module docstring). A `str` is the CLI's spelling.
Size: TypeAlias = int | str | Sequence[int]
Padding: TypeAlias = int | str | Sequence[int]
Shape: TypeAlias = str | Sequence[int]
Matrix: TypeAlias = "str | Sequence[Any] | NDArray[Any]"
Numbers: TypeAlias = float | str | Sequence[float]
PathArg: TypeAlias = str | PathLike[str]
Dims = Literal[1, 2, 3]

T = TypeVar("T")
P = ParamSpec("P")
R = TypeVar("R")


def arguments(function: Callable[P, R]) -> Callable[P, R]:
    """A public function whose call is checked as its values are: a misspelt keyword (`strides=`),
    a missing argument or one too many without a name is an `ArgumentError` that names it and the
    arguments the function takes, not Python's bare TypeError."""

    @functools.wraps(function)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except TypeError as e:
            if e.__traceback__ is not None and e.__traceback__.tb_next is None:  # the call itself
                raise _call_error(function, args, kwargs) or e from None
            raise

    return checked


def _call_error(
    function: Callable[..., object], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> ArgumentError | None:
    """What is wrong with a call Python refused, said with the function's own argument names."""
    import inspect

    parameters = inspect.signature(function).parameters
    called = f"{function.__name__}()"
    if not parameters:
        return ArgumentError(_("{function} takes no arguments"), function=called)
    names = ", ".join(parameters)
    unknown = [k for k in kwargs if k not in parameters]
    if unknown:
        import difflib  # only when a name is wrong

        close = difflib.get_close_matches(unknown[0], list(parameters), n=1)
        return ArgumentError(
            _("{function} has no argument {argument!r}{hint}; its arguments are {names}"),
            function=called,
            argument=unknown[0],
            hint=_(" (did you mean {name!r}?)").format(name=close[0]) if close else "",
            names=names,
        )
    unnamed = [n for n, p in parameters.items() if p.kind is p.POSITIONAL_OR_KEYWORD]
    if len(args) > len(unnamed):
        named = [n for n, p in parameters.items() if p.kind is p.KEYWORD_ONLY]
        example = f"{function.__name__}({named[0]}=…)" if named else called
        if not unnamed:
            return ArgumentError(
                _("{function} takes every argument by name, e.g. {example}"), function=called, example=example
            )
        return ArgumentError(
            _("{function} takes only {unnamed} without a name; give the others by name, e.g. {example}"),
            function=called,
            unnamed=", ".join(unnamed),
            example=example,
        )
    given = set(unnamed[: len(args)])
    twice = [k for k in kwargs if k in given]
    if twice:
        return ArgumentError(
            _("{function} was given {argument} twice, without a name and as {argument}=; give it once"),
            function=called,
            argument=twice[0],
        )
    missing = [
        n for n, p in parameters.items() if p.default is p.empty and n not in kwargs and n not in given
    ]
    if missing:
        return ArgumentError(
            _("{function} needs {names}, by name: {example}"),
            function=called,
            names=", ".join(missing),
            example=f"{function.__name__}({', '.join(f'{n}=…' for n in missing)})",
        )
    return None


@contextmanager
def named(field: str) -> Iterator[None]:
    """Give `field` to a usage error whose message was written with `{field}` but without a name
    (the text parsers take the name to print; the API gives them `{field}`)."""
    try:
        yield
    except UsageError as e:
        if e.field is None and "{field}" in e.template:
            raise UsageError(e.template, field=field) from None
        raise


@contextmanager
def renamed(core: str, field: str) -> Iterator[None]:
    """The core's name for a value (`path`) said as the argument it came from (`source`)."""
    try:
        yield
    except CnnCalcError as e:
        if e.field == core:
            raise type(e)(e.template, field=field) from None
        raise


def _spelled(value: object, field: str) -> str:
    """A size or padding as the CLI would type it: `(28, 20)` → `'28x20'`; a NumPy array as its list."""
    if _is_array(value) and int(getattr(value, "ndim", 0)) > 0:
        value = value.tolist()  # type: ignore[attr-defined]
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        if not value:
            raise UsageError(_("{field} is empty; give one size or one per axis, e.g. (3, 5)"), field=field)
        return "x".join(_axis(v, field) for v in value)
    return _axis(value, field)


def _axis(value: object, field: str) -> str:
    """One axis's number as the CLI would type it. A bool, bytes, a set or a nested sequence is not
    one: spelled out, `b"28"` would be the sizes 50x56 and `((28, 20), 3)` the three axes 28x20x3."""
    if isinstance(value, str):
        return value
    if isinstance(value, SupportsIndex) and not isinstance(value, bool) and not _is_bool(value):
        return str(operator.index(value))  # an int, or a NumPy integer
    if isinstance(value, (bool, bytes, bytearray, Iterable)) or _is_bool(value):
        shown = value if isinstance(value, bool) else repr(value)
        raise UsageError(
            _("{field} {value} is not a size; give a whole number, e.g. {field} 3"), field=field, value=shown
        )
    return str(value)


def sizes(value: Size, field: str, *, minimum: int = 1, max_axes: int = 3) -> tuple[int, ...]:
    """One size for every axis or one per axis: `96`, `(28, 20)`, `"28x20"`."""
    with named(field):
        return parse_sizes(_spelled(value, field), "{field}", minimum=minimum, max_axes=max_axes)


def optional_sizes(value: Size | None, field: str, *, minimum: int = 1) -> tuple[int, ...] | None:
    return None if value is None else sizes(value, field, minimum=minimum)


def optional_position(value: Size | None, field: str) -> tuple[int, ...] | None:
    """A unit's index on each axis of a map, counting from 0: `"2,2"`, `(2, 2)`, `2`."""
    if value is None:
        return None
    try:
        return sizes(value, field, minimum=0)
    except UsageError:
        # the size parser's own advice (N or AxB, e.g. 3x5) is for sizes, not for a position
        raise UsageError(
            _(
                "{field} {value} is not a unit's position: write its index on each axis from 0, e.g. {field} 2,2"
            ),
            field=field,
            value=repr(value) if isinstance(value, str) else _position_text(value),
        ) from None


def _position_text(value: object) -> str:
    """A position a Python caller gave, as the CLI writes one: `(-1, 0)` → `-1,0`."""
    if _is_array(value):
        value = value.tolist()  # type: ignore[attr-defined]
    if isinstance(value, Sequence) and not isinstance(value, str):
        return ",".join(map(str, value))
    return str(value)


def padding(value: Padding, field: str = "padding") -> str | tuple[int, ...]:
    """A number, one per axis, or a mode: `"same"`, `"valid"`, `"full"`."""
    with named(field):
        return parse_padding(_spelled(value, field), "{field}")


def input_shape(value: Shape, field: str = "input") -> tuple[int, ...]:
    """A network's input, channels first: `"3x224x224"`, `(3, 224, 224)`."""
    from cnncalc.arith.spec import parse_input_shape

    with named(field):
        return parse_input_shape(_spelled(value, field), "{field}")


def whole(value: int | str, field: str, *, minimum: int | None = None) -> int:
    """A whole number given as an int or as digits; `minimum` is checked when given."""
    number: int | None = None
    if isinstance(value, str) and is_digits(value.strip()) and len(value.strip().lstrip("+-")) <= 30:
        number = int(value)
    elif not isinstance(value, (bool, str)):
        try:
            number = operator.index(value)
        except TypeError:
            number = None
    if number is None:
        raise UsageError(
            _("{field} {value!r} is not a whole number; write e.g. {field} 3"), field=field, value=value
        )
    if minimum is not None and number < minimum:
        raise UsageError(
            _("{field} {value} must be at least {minimum}"), field=field, value=number, minimum=minimum
        )
    return number


def optional_whole(value: int | str | None, field: str, *, minimum: int | None = None) -> int | None:
    return None if value is None else whole(value, field, minimum=minimum)


class NumberText(float):
    """A number read from text that keeps the text, so that a message about it names what was typed
    (`1e309`, where the float says `inf`). The CLI's number options give these.

    >>> big = NumberText("1e309")
    >>> big, big.text
    (inf, '1e309')
    """

    __slots__ = ("text",)

    def __new__(cls, text: str) -> NumberText:
        made = super().__new__(cls, text)
        made.text = text.strip()
        return made


def _as_typed(value: object) -> object:
    """A value as the caller wrote it: the text of a NumberText or a string, else the value itself."""
    if isinstance(value, NumberText):
        return value.text
    return value.strip() if isinstance(value, str) else value


def number(value: float | str, field: str, example: str = "0.5") -> float:
    """A finite real number given as an int, a float or as text; `example` is the value the message
    for a bad one suggests (one that makes sense for the field: a learning rate of 0.001, not 2)."""
    try:
        if isinstance(value, (bool, bytes, bytearray)) or _is_bool(value):
            raise TypeError  # float() reads True as 1 and b"5" as 5: neither is a number given
        x = float(value)
    except OverflowError:  # a whole number past the largest float (1.8e308)
        raise UsageError(
            _("{field} {value} is too large for a number here; write e.g. {field} {example}"),
            field=field,
            value=fmt_count(operator.index(value)) if isinstance(value, SupportsIndex) else _as_typed(value),
            example=example,
        ) from None
    except (TypeError, ValueError):
        raise UsageError(
            _("{field} {value!r} is not a number; write e.g. {field} {example}"),
            field=field,
            value=value,
            example=example,
        ) from None
    if not math.isfinite(x):
        raise UsageError(
            _("{field} {value} is not a finite number; write e.g. {field} {example}"),
            field=field,
            value=_as_typed(value),
            example=example,
        )
    return x


def optional_number(value: float | str | None, field: str, example: str = "0.5") -> float | None:
    return None if value is None else number(value, field, example)


def flag(value: bool | str, field: str) -> bool:
    """True or False (or the CLI's words for them: yes/no, on/off, 1/0)."""
    if isinstance(value, bool):
        return value
    if _is_bool(value):  # a NumPy bool, np.True_
        return bool(value)
    if isinstance(value, str):
        with named(field):
            return parse_bool(value, "{field}")
    raise UsageError(_("{field} {value!r} is not True or False"), field=field, value=value)


def choice(value: str, field: str, options: Sequence[T]) -> T:
    """One of `options` (strings), matched without regard to case or surrounding spaces."""
    # only text can match: a NumPy array compared with an option is an array, not True or False
    if isinstance(value, str):
        text = value.strip().lower()
        for option in options:
            if option == text:
                return option
    raise UsageError(
        _("{field} {value!r} is not one of {options}"),
        field=field,
        value=value,
        options=", ".join(map(str, options)),
    )


def path(value: PathArg, field: str) -> Path:
    if not isinstance(value, (str, PathLike)):
        raise UsageError(_("{field} {value!r} is not a file name"), field=field, value=value)
    if isinstance(value, str) and value == "":  # Path("") would be the current folder
        raise UsageError(_("{field} is an empty name; give a file name"), field=field)
    return Path(value)


def optional_path(value: PathArg | None, field: str) -> Path | None:
    return None if value is None else path(value, field)


def names(value: str | Sequence[str], field: str) -> str:
    """Names given as the CLI's comma list or as a sequence: `["relu", "tanh"]` → `'relu,tanh'`."""
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    raise UsageError(_("{field} {value!r} is not a name or a list of names"), field=field, value=value)


# -- numbers for the step-throughs (NumPy) ----------------------------------------------------------


def matrix(value: Matrix, field: str) -> np.ndarray:
    """C×H×W numbers from `"0 1; 2 3"` (channels split by `|`), nested lists or an array (a 2-D one is
    one channel). int64 when every value is a whole number given as an int, else float64."""
    from cnncalc.lessons.matrix import parse_matrix

    if isinstance(value, str):
        with named(field):
            return parse_matrix(value, "{field}")
    a = _array(value, field)
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3:
        raise UsageError(
            _("{field} has {axes} axes; give a matrix (rows of numbers) or C×H×W (one per channel)"),
            field=field,
            axes=a.ndim,
        )
    return a


def kernels(value: Matrix | Sequence[Matrix], field: str) -> list[np.ndarray]:
    """One kernel (a matrix, or C×kh×kw) or several: a list of strings or arrays, or an O×C×kh×kw
    array."""
    items: list[Any]
    if isinstance(value, str):
        items = [value]
    elif isinstance(value, Sequence) and value and all(isinstance(k, str) or _is_array(k) for k in value):
        items = list(value)
    else:
        a = _array(value, field)
        items = list(a) if a.ndim == 4 else [a]
    return [matrix(k, _nth(field, n, len(items))) for n, k in enumerate(items, 1)]


def _nth(field: str, n: int, count: int) -> str:
    return f"{field} {n}" if count > 1 else field


def _is_array(value: object) -> bool:
    """A NumPy array or scalar (checked without importing NumPy: the calculator never loads it)."""
    return type(value).__module__.partition(".")[0] == "numpy" and hasattr(value, "ndim")


def _is_bool(value: object) -> bool:
    """A NumPy bool scalar (`np.True_`), which is not a Python bool."""
    return (
        _is_array(value) and int(getattr(value, "ndim", -1)) == 0 and getattr(value, "dtype", None) == "bool"
    )


def _array(value: object, field: str) -> np.ndarray:
    """Numbers as a float64 or int64 array, each within the step-throughs' bound."""
    import numpy as np

    from cnncalc.lessons.matrix import LARGEST

    if isinstance(value, np.ma.MaskedArray) and np.ma.getmaskarray(value).any():
        # np.asarray drops the mask: the hidden values would be worked out as if they were there
        raise UsageError(_("{field} has masked values; fill them first, e.g. {field}.filled(0)"), field=field)
    try:
        a = np.asarray(value)
    except ValueError:  # rows of different lengths
        raise UsageError(
            _("{field} has rows of different lengths; every row needs the same length"), field=field
        ) from None
    if a.size == 0:
        raise UsageError(_("{field} is empty; give rows of numbers, e.g. [[0, 1], [2, 3]]"), field=field)
    if a.dtype.kind == "O" and all(isinstance(v, int) and not isinstance(v, bool) for v in a.flat):
        # whole numbers past int64 make an array of objects: they are too large, not "not numbers"
        raise UsageError(
            _("{field} holds {value}, too large for a step-through; use numbers between -{most} and {most}"),
            field=field,
            value=fmt_count(max(abs(v) for v in a.flat)),
            most=f"{LARGEST:,}",
        )
    if a.dtype.kind not in "iuf":
        raise UsageError(_("{field} holds {dtype} values; it must hold numbers"), field=field, dtype=a.dtype)
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        raise UsageError(_("{field} holds NaN or infinite values; every value must be a number"), field=field)
    # the extremes as Python floats: np.abs wraps the int64 minimum to itself (a negative number
    # that passed the bound, and then overflowed the products), and 1e6 overflows a float16
    largest = max(abs(float(a.min())), abs(float(a.max())))
    if largest > LARGEST:
        raise UsageError(
            _("{field} holds {value}, too large for a step-through; use numbers between -{most} and {most}"),
            field=field,
            value=f"{largest:g}",
            most=f"{LARGEST:,}",
        )
    return a.astype(np.int64 if a.dtype.kind in "iu" else np.float64)


def vector(value: Numbers, field: str, most: int = 100) -> list[float]:
    """One row of numbers: `"2 1 0.1"`, `[2, 1, 0.1]` or an array; at most `most` of them."""
    from cnncalc.lessons.matrix import parse_vector

    if isinstance(value, str):
        with named(field):
            return [float(v) for v in parse_vector(value, "{field}", most)]
    a = _array(value, field).reshape(-1) if _is_number(value) else _array(value, field)
    if a.ndim != 1:
        raise UsageError(_("{field} takes one row of numbers, not {axes} axes"), field=field, axes=a.ndim)
    if a.size > most:
        raise UsageError(
            _("{field} has {count} numbers; a step-through takes at most {most}"),
            field=field,
            count=a.size,
            most=most,
        )
    return [float(v) for v in a]


def grid(value: Matrix, field: str, rows: int, cols: int) -> list[list[int | float]]:
    """A one-channel matrix of at most rows × cols numbers, as nested lists (whole numbers stay ints)."""
    a = matrix(value, field)
    if a.shape[0] != 1:
        raise UsageError(_("{field} takes one matrix (rows separated by ';'), without '|'"), field=field)
    if a.shape[1] > rows or a.shape[2] > cols:
        raise UsageError(
            _("{field} is {size}; a step-through takes at most {most} numbers"),
            field=field,
            size=f"{a.shape[1]}×{a.shape[2]}",
            most=f"{rows}×{cols}",
        )
    result: list[list[int | float]] = a[0].tolist()
    return result


def row(value: Numbers, field: str, cols: int) -> tuple[int | float, ...]:
    """One row of at most `cols` numbers: `"1 2"`, `[1, 2]` (whole numbers stay ints)."""
    rows: Any = value
    if _is_number(value):
        rows = [[value]]
    elif not isinstance(value, str) and _flat(value):
        rows = [value]
    (only,) = grid(rows, field, 1, cols)
    return tuple(only)


def _is_number(value: object) -> bool:
    """One number: a Python int or float, or a NumPy scalar or 0-d array (np.float32(1.5))."""
    if isinstance(value, (int, float)):
        return True
    return _is_array(value) and int(getattr(value, "ndim", -1)) == 0


def _flat(value: object) -> bool:
    """One row of numbers (not already a list of rows)."""
    if _is_array(value):
        return int(getattr(value, "ndim", 0)) == 1
    return isinstance(value, Sequence) and all(_is_number(v) for v in value)


def numbers(value: Numbers | Sequence[str], field: str) -> list[int | float]:
    """Numbers as `1`, `[1, 0]`, the CLI's `"1,0"` or its repeated option `["1", "0"]`."""
    from cnncalc.lessons.matrix import parse_numbers

    if isinstance(value, str):
        texts = [value]
    elif isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        texts = list(value)  # type: ignore[arg-type]
    else:
        a = _array(value, field).reshape(-1) if _is_number(value) else _array(value, field)
        if a.ndim != 1:
            raise UsageError(
                _("{field} takes one number per kernel, not {axes} axes"), field=field, axes=a.ndim
            )
        return [int(v) if a.dtype.kind == "i" else float(v) for v in a]
    with named(field):
        return parse_numbers(texts, "{field}")
