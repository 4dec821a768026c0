"""`skill`, the command line: `main.py` (parser, dispatch, exit codes), `output.py`, `args.py`,
and one module per command in `commands/`. Importing this package loads no command."""

from engine.cli.main import build_parser, entry, main

__all__ = ["build_parser", "entry", "main"]
