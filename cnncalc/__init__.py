"""cnncalc: a calculator and tutor for the arithmetic of convolutional neural networks."""

__version__ = "0.1.0"
