"""The typer command-line interface: parse → call the core → render. One module per command group."""
