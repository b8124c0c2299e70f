"""The Python API: every command as a function that returns a result with its working.

`cnncalc.shape(input=96, kernel=5)` computes what `cnncalc shape --input 96 --kernel 5` does,
through the same code: each command of `cnncalc.cli` parses its options, calls the function here
and prints the result's `to_dict()` (`--json`) or its text. Arguments take the CLI's long option
names (dashes as underscores; `source` for `--from`, `class_name` for `--class`), and Python
values as well as the CLI's text.

Modules, one per command group: `calc` (shape, params, rf), `net` (net, check, solve), `step`
(the step-throughs), `draw` (pictures), `train`, `export`; `result` (what they return), `values` (how
arguments are read), `sources` (where a network comes from). `cnncalc/__init__.py` loads them
lazily, one at a time.
"""
