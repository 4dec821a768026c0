"""Themes from `themes/*.tcss`: one file of `$name: value;` declarations per theme.

The declarations are the colours of a Textual `Theme`, so switching themes at run
time is Textual's own `App.theme = name`, and every widget that uses theme
variables ($primary, $error, ...) follows.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

from textual.theme import Theme

from engine import ThemeError


def _themes_dir() -> Path:
    """The checkout's top-level ``themes/``: package data ``skill_tui/theme_files`` in a wheel (see
    setup.py); an editable install has no copy, so the checkout's folder is read."""
    shipped = Path(str(files("skill_tui") / "theme_files"))
    return shipped if shipped.is_dir() else Path(__file__).resolve().parent.parent / "themes"


THEMES_DIR = _themes_dir()
DEFAULT_THEME = "dark"

_DECL = re.compile(r"^\s*\$([a-z][a-z0-9-]*)\s*:\s*([^;]+);", re.M)
_COLOURS = (
    "primary",
    "secondary",
    "accent",
    "warning",
    "error",
    "success",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)


def parse_theme(path: Path) -> Theme:
    text = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)
    decls = {name: value.strip() for name, value in _DECL.findall(text)}
    if "primary" not in decls:
        raise ThemeError(f"{path}: a theme needs at least `$primary: <colour>;`")
    colours = {k: decls.pop(k) for k in _COLOURS if k in decls}
    dark = decls.pop("dark", "true").lower() != "false"
    spread = float(decls.pop("luminosity-spread", 0.15))
    alpha = float(decls.pop("text-alpha", 0.95))
    return Theme(name=path.stem, dark=dark, luminosity_spread=spread, text_alpha=alpha, variables=decls, **colours)


def load_themes(folder: Path = THEMES_DIR) -> list[Theme]:
    return [parse_theme(p) for p in sorted(folder.glob("*.tcss"))]
