"""Why a model file is not Python: the parser's message with its line, and what copies of course
notes get wrong.

Code copied from a Jupyter notebook keeps its `%matplotlib inline` and `!pip install` lines, which
are IPython commands, not Python; code copied from a web page can lose its line breaks, running a
whole class onto one line. Both are named with their fix, and note 003's class (printed that way
in the course notes) points to the formatted copy cnncalc ships.

>>> import ast
>>> source = "import torch\\n%matplotlib inline\\nx = 1\\n"
>>> try:
...     ast.parse(source)
... except SyntaxError as e:
...     not_python(source, e)
(2, "'%matplotlib inline' is a Jupyter (IPython) command, not Python; delete that line")
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

# the course notes' model code, formatted and checked, shipped with cnncalc
BUNDLED_MODELS = Path(__file__).resolve().parent.parent.parent / "data" / "models"


def not_python(source: str, error: SyntaxError) -> tuple[int, str]:
    """The line to name and why the file does not parse there. A notebook's `%magic` or `!shell`
    line is named as such, and so is a second problem that remains without it."""
    lines = source.splitlines()
    magics = {i for i, line in enumerate(lines, 1) if line.lstrip().startswith(("%", "!"))}
    if not magics:
        return (
            error.lineno or 0,
            f"not valid Python ({error.msg}); cnncalc reads model code with Python's parser",
        )
    first = min(magics)
    message = (
        f"{lines[first - 1].strip()!r} is a Jupyter (IPython) command, not Python; "
        f"delete {'that line' if len(magics) == 1 else 'the lines starting with % or !'}"
    )
    without = "\n".join("" if i in magics else line for i, line in enumerate(lines, 1))
    try:
        ast.parse(without)
    except (RecursionError, MemoryError, ValueError):
        pass
    except SyntaxError as e:
        message += f". Line {e.lineno} is not valid Python either ({e.msg})"
        bad = lines[e.lineno - 1] if e.lineno and e.lineno <= len(lines) else ""
        if _runs_lines_together(bad):
            message += (
                ": several statements run together on one line, as when code loses its line breaks in "
                "copying; put them back"
            )
            if "class CNN(nn.Module)" in bad:
                message += (
                    ". This is note 003's CNN class as the note prints it; a formatted copy is built in: "
                    f"the preset torch-mnist, or the file {BUNDLED_MODELS / 'note003_torch_cnn.py'}"
                )
    return first, message


def _runs_lines_together(line: str) -> bool:
    """A `def`/`class` body or several statements glued onto one line (`...):super(...).__init__()self.x = ...`)."""
    return len(line) > 200 and bool(re.search(r"\)\s*(def |self\.|return |[A-Za-z_]\w* = )", line))
