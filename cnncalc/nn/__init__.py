"""The tiny NumPy trainer, usable without the CLI.

    from cnncalc.nn.data import load_digits
    from cnncalc.nn.defaults import DIGITS_SPEC
    from cnncalc.nn.training import Trainer

    trainer = Trainer.create(DIGITS_SPEC, load_digits())
    result = trainer.run(epochs=15)          # result.test_accuracy ≈ 0.98

Modules: the layers, one concept each, forward and backward side by side — `layer` (the base
class), `conv`, `pool`, `norm`, `activations`, `linear`, `dropout`, all re-exported by `layers`;
`merge` (add, concat: where branches meet); `windows` and `im2col` (sliding windows, convolution
as a matrix product), `conv_pool` (conv → ReLU → max pool as one stage), `parallel` (a batch split
over threads), `losses`, `optim` (SGD, RMSprop, Adam, AdamW, weight decay), `schedules` (StepLR,
CosineAnnealingLR, ReduceLROnPlateau), `init`, `model` (a spec, chain or graph → layers, via
`cnncalc.arith.network.walk`), `data`, `validation` (a validation split), `augment`,
`early_stopping`, `metrics` (per-class precision, recall, F1), `images` (one image from a file),
`settings` (a run's settings and their defaults), `training`, `checkpoint`, `gradcheck`,
`inspection` (what `show` draws), `blas` and `memory` (run-time tuning), `defaults`.

This package's `__init__` imports nothing: `defaults` holds plain spec text that `cnncalc net`
reads without loading numpy.
"""
