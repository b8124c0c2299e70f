"""Pure arithmetic of CNN layers: standard library only, so the calculator starts fast.

Every public function either returns a result that carries its worked `Step`s or raises
`CnnCalcError` with the offending value and a fix in its message.
"""

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.steps import Step

__all__ = ["CnnCalcError", "Step", "UsageError"]
