"""`python -m engine.cli`: the `skill` command without its console script (tests, clients)."""

from engine.cli.main import entry

if __name__ == "__main__":  # importing it (a walk over every engine module) runs nothing
    entry()
