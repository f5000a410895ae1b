"""The ``xingcheng`` command line (Typer + Rich)."""
