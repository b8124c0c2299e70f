"""`Step`: one line of worked arithmetic, the unit every explanation is built from; `AxisNote`: a
teaching note about one spatial axis."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from cnncalc.i18n import _


class Step(NamedTuple):
    """`label = formula = substituted = value`, and why it matters.

    Immutable, compared and hashed by its fields. (A NamedTuple rather than a frozen dataclass, as
    `AxisNote` below: every calculator command builds Steps, and defining a dataclass, with the
    `dataclasses` module imported for it, costs the start-up about 0.7 ms.)

    >>> Step("H_out", "⌊(H_in − k)/s⌋ + 1", "⌊(96 − 5)/1⌋ + 1", 92).line()
    'H_out = ⌊(H_in − k)/s⌋ + 1 = ⌊(96 − 5)/1⌋ + 1 = 92'
    """

    label: str
    formula: str
    substituted: str
    value: int | float | str
    why: str = ""
    notes: tuple[str, ...] = ()

    def line(self) -> str:
        parts = [self.label, self.formula]
        if self.substituted and self.substituted not in (self.formula, fmt_value(self.value)):
            parts.append(self.substituted)
        parts.append(fmt_value(self.value))
        return " = ".join(parts)

    def to_dict(self) -> dict:
        d = self._asdict()
        d["notes"] = list(self.notes)
        d["text"] = self.line()
        return d


class AxisNote(NamedTuple):
    """A note about one spatial axis, which reads `H: …` wherever notes are shown as text.

    The axis is a field, so a renderer that works several alike axes at once can say
    `H and W: …` from `note.text` instead of editing the sentence. (An immutable NamedTuple
    rather than a frozen dataclass: it is built on `cnncalc shape`'s start-up path, where a
    dataclass costs ten times as long to define.)

    >>> note = AxisNote("H", "the floor keeps 4")
    >>> str(note), note.labelled("H and W")
    ('H: the floor keeps 4', 'H and W: the floor keeps 4')
    """

    axis: str
    text: str

    def __str__(self) -> str:
        return self.labelled(self.axis)

    def labelled(self, axes: str) -> str:
        """The note said of `axes` (e.g. 'H and W' when every axis has the same numbers)."""
        return _("{axes}: {note}").format(axes=axes, note=self.text)


def fmt_value(v: int | float | str) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, int):
        # group long numbers as torchinfo does (604,176,384); short ones stay as written in notes (5184)
        return f"{v:,}" if abs(v) >= 100_000 else str(v)
    return v


def fmt_product(values: Iterable[int], sep: str = "·") -> str:
    """Numbers multiplied in the working, each written as a step's value is (long ones grouped).

    >>> fmt_product((18, 18)), fmt_product((24, 160000), " · ")
    ('18·18', '24 · 160,000')
    """
    return sep.join(map(fmt_value, values))


def group_digits(n: int) -> str:
    """12345678 → '12,345,678' (how torchinfo and Keras print counts)."""
    return f"{n:,}"


def plural(n: int, word: str, many: str = "") -> str:
    """A count (digits grouped, as prose prints counts) and its noun, singular for 1.

    >>> plural(1, "position"), plural(4, "position"), plural(2, "bias", "biases"), plural(604176, "weight")
    ('1 position', '4 positions', '2 biases', '604,176 weights')
    """
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def notes_once(steps: Iterable[Step]) -> tuple[Step, ...]:
    """The steps with each note said once: a note an earlier step already gave is dropped (the W
    axis repeating what H said).

    >>> h = Step("H_out", "f", "", 2, notes=("general form",))
    >>> [s.notes for s in notes_once([h, Step("W_out", "f", "", 2, notes=("general form",))])]
    [('general form',), ()]
    """
    seen: set[str] = set()
    out = []
    for step in steps:
        fresh = tuple(n for n in step.notes if n not in seen)
        seen.update(step.notes)
        out.append(step if fresh == step.notes else step._replace(notes=fresh))
    return tuple(out)
