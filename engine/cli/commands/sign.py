"""`skill sign FOLDER [--statement]`: write FOLDER/skill.minisig with your key (`skill keygen`).

`--statement` prints, byte for byte, what a signature covers, for publishers who sign with the stock
minisign: `skill sign FOLDER --statement > statement.json && minisign -S -m statement.json -x
FOLDER/skill.minisig -t "NAME VERSION"`.
"""

from __future__ import annotations

import argparse
import sys

from engine.cli.commands import open_engine
from engine.cli.output import print_json


def run(a: argparse.Namespace) -> int:
    engine = open_engine()
    if a.statement:
        stated = engine.statement(a.folder)
        if a.json:
            print_json({"name": stated.name, "version": stated.version, "files": stated.files})
        else:
            sys.stdout.flush()
            sys.stdout.buffer.write(stated.to_bytes())
            sys.stdout.buffer.flush()
        return 0
    stated, path = engine.sign(a.folder)
    if a.json:
        print_json({"name": stated.name, "version": stated.version, "files": stated.files, "signature": str(path)})
        return 0
    print(f"signed {stated.label} ({', '.join(stated.files)}): {path}")
    return 0
