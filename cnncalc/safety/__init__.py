"""What keeps cnncalc safe on any input: the bounds it checks before doing work (`limits`), the
one way it saves a file (`atomic`), bounded reading (`bounded`) and text made safe for a terminal
(`text`). Standard library only, so any part of cnncalc can use it; see docs/safety.md."""
