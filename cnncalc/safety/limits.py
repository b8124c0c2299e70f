"""Every bound cnncalc checks before it does work, with the reason for its size.

A value past a bound is refused with a message naming it and the bound, before anything is
allocated or computed: no input can make a command hang or exhaust memory. docs/safety.md lists
them for users.
"""

from __future__ import annotations

# -- sizes in the calculator -----------------------------------------------------------------------
# (the spec language bounds its own text, nodes and nesting: `arith.spec.MAX_SPEC_CHARS`,
# `MAX_NODES`, `MAX_NESTING`, and block expressions `arith.expressions.MAX_EXPRESSION_VALUE`)

# A layer size (input side, kernel, stride, channels, features, an output size, a receptive field
# or the jump between units) is at most 10^30: sizes that large still come out exact, and a
# product of a layer's sizes (at most 10 factors, 3-D in and out) stays within a float's range
# (10^308, for "3.39M"-style figures) and far below the 4,300 digits Python refuses to print.
MAX_SIZE = 10**30
MAX_SIZE_TEXT = "10^30"

# `solve combos` tries every (kernel, stride) pair up to --max-kernel and --max-stride: 65,536
# pairs is under a second of search, far past the "small" choices the command is for.
MAX_COMBO_PAIRS = 1 << 16

# -- model files read by the importer ------------------------------------------------------------

# The biggest real model file in the importer's corpus is 18 KB; a megabyte of source is 50 times
# that. Python's parser needs about 200 bytes of memory per byte of source.
MAX_MODEL_SOURCE_BYTES = 1 << 20

# Expressions and blocks nested deeper than this are refused before they are read: Python's own
# compiler gives up not far beyond (RecursionError), and no model file nests this deep.
MAX_MODEL_NESTING = 100

# The importer's evaluator (`arith.importer.evaluator`) works out what model code computes from
# constants. The largest real model in the corpus (torchvision's Inception, DenseNet-264 built by
# loops) takes about 40,000 evaluation steps, 12 nested calls of the file's own functions, loops of
# a few hundred iterations and lists of a few thousand items; each bound is ten times that or more,
# so a long loop, a deep recursion or a list of a billion items stops within a second.
MAX_MODEL_STEPS = 300_000
MAX_MODEL_CALL_DEPTH = 48
MAX_MODEL_LOOP = 10_000
MAX_MODEL_ITEMS = 100_000

# -- the step-through lessons -------------------------------------------------------------------

# A step-through records every product of every output cell (a few kilobytes of worked text
# each): a padded input over 100 a side, more than 2,500 output cells (50×50) or more than 50,000
# products is more than a terminal lesson can show. `--all` draws the whole input grid again for
# every cell: at most 200,000 grid cells in all (324 cells of a 22×22 grid), about two seconds.
STEP_MAX_SIDE = 100
STEP_MAX_CELLS = 2_500
STEP_MAX_PRODUCTS = 50_000
STEP_MAX_SHOWN = 200_000

# An answer typed to a lesson or the quiz is a number: a line longer than this is not one, and is
# never read into memory whole.
MAX_ANSWER_CHARS = 1_000

# -- the trainer ------------------------------------------------------------------------------------

# A run of a million epochs (11 days of the digits at a second an epoch) or 10^12 steps is no run
# anyone waits for; bounding them keeps the planned totals printable.
MAX_EPOCHS = 10**6
MAX_STEPS = 10**12


# IDX data (MNIST's format): at most 2^30 values (1 GiB of pixels). The largest MNIST-format sets
# (EMNIST, 0.55 GB) fit; the trainer holds every image in memory.
MAX_IDX_VALUES = 1 << 30

# Deflate (gzip) expands its input at most 1032 times: a gzip file of n bytes cannot hold more than
# 1032·n values, so an IDX header claiming more is refused before anything is decompressed.
GZIP_MAX_RATIO = 1032

# A checkpoint holds at most 1 GiB of arrays in at most 10,000 entries (the trainer's networks hold
# a few million parameters, ~100 MB with Adam's state).
MAX_CHECKPOINT_BYTES = 1 << 30
MAX_CHECKPOINT_ENTRIES = 10_000

# An image for `predict --image` (.npy or PGM): 64 MiB is a 2,800×2,800 float64 picture, far more
# than any model the trainer builds takes.
MAX_IMAGE_BYTES = 64 << 20

# Downloading a dataset (MNIST: 11 MB in four files) stops after 15 minutes in all, and a server
# silent for 30 seconds is given up on: a stalled or trickling server never keeps `train` waiting.
DOWNLOAD_DEADLINE_SECONDS = 15 * 60
DOWNLOAD_STALL_SECONDS = 30
