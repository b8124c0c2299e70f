"""What lessons and step-throughs are made of: paragraphs, worked steps, small tables, questions.

The engines (`guided`, `softmax`, `activations`, `batchnorm`, `dropout`, `overfitting`) return
these as data; `cnncalc.render.lessons` draws them. Every number in a table cell or a step was
computed by the engine that built it.

>>> Table("e^z", ("z", "e^z"), (("0", "1"), ("1", "2.71828"))).to_dict()["rows"]
[['0', '1'], ['1', '2.71828']]
"""

from __future__ import annotations

from dataclasses import dataclass

from cnncalc.arith.steps import Step


@dataclass(frozen=True)
class Para:
    text: str

    def to_dict(self) -> dict:
        return {"type": "text", "text": self.text}


@dataclass(frozen=True)
class Worked:
    """A titled run of worked steps (`label = formula = numbers = value`) and notes under them."""

    title: str
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "type": "worked",
            "title": self.title,
            "steps": [s.to_dict() for s in self.steps],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Table:
    """A titled table of already-formatted cells; `align` gives each column `l` or `r`."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: str = ""
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "type": "table",
            "title": self.title,
            "headers": list(self.headers),
            "rows": [list(r) for r in self.rows],
            "notes": list(self.notes),
        }


Section = Para | Worked | Table


@dataclass(frozen=True)
class Question:
    """A lesson's question: its answer, the steps that work it, and `tolerance` for an answer
    asked to a number of decimals (0: exact)."""

    prompt: str
    answer: int | float
    steps: tuple[Step, ...] = ()
    explain: str = ""
    tolerance: float = 0.0

    def to_dict(self) -> dict:
        return {
            "prompt": self.prompt,
            "answer": self.answer,
            "steps": [s.to_dict() for s in self.steps],
            "explain": self.explain,
            "tolerance": self.tolerance,
        }


@dataclass(frozen=True)
class Lesson:
    """A titled run of blocks ending in a question. A block is a `Para`, `Worked` or `Table`, or a
    step-through picture (`guided.ConvShow`, `guided.PoolShow`); each has `to_dict`."""

    name: str
    title: str
    blocks: tuple
    question: Question

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "blocks": [b.to_dict() for b in self.blocks],
            "question": self.question.to_dict(),
        }
