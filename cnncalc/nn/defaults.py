"""The trainer's default networks; their texts are presets of `cnncalc.arith.presets` (the default
settings are in `cnncalc.nn.settings`).

DIGITS_SPEC trains on the 8×8 digits in a few seconds; KERAS_MNIST_SPEC is the model of note 000
(a Keras MNIST CNN: conv32–pool–conv64–pool–conv64–fc64–fc10).
"""

from __future__ import annotations

from cnncalc.arith.presets import preset_text

DIGITS_SPEC = preset_text("digits")
KERAS_MNIST_SPEC = preset_text("keras-mnist")
