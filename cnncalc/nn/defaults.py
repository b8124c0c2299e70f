"""The trainer's default networks, as spec text (the presets module imports these; the default
settings are in `cnncalc.nn.settings`).

DIGITS_SPEC trains on the 8×8 digits in a few seconds; KERAS_MNIST_SPEC is the model of note 000
(a Keras MNIST CNN: conv32–pool–conv64–pool–conv64–fc64–fc10).
"""

from __future__ import annotations

DIGITS_SPEC = """\
input 1x8x8
conv 32 k=3 p=1
relu
conv 32 k=3 p=1
relu
maxpool k=2
flatten
fc 64
relu
fc 10
"""

KERAS_MNIST_SPEC = """\
input 1x28x28
conv 32 k=3
relu
maxpool k=2
conv 64 k=3
relu
maxpool k=2
conv 64 k=3
relu
flatten
fc 64
relu
fc 10
softmax
"""
