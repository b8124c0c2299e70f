"""`python -m cnncalc`, and the `cnncalc` console script (`main`).

The cyclic garbage collector is paused while the program starts: importing typer, click and the
command's modules allocates tens of thousands of objects that live as long as the process, and
the collector would walk them again and again. `cnncalc.cli.app.main` sets them aside
(`gc.freeze`) and starts the collector again before the command runs.
"""

import gc


def main() -> None:
    gc.disable()
    from cnncalc.cli.app import main as run

    run()


if __name__ == "__main__":
    main()
