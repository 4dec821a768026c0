"""Screens where the person types: the app's one-letter shortcuts stay off there."""

from __future__ import annotations


class TypingScreen:
    """Mixin for a screen of fields (a form, a dialog): every printable key belongs to it.

    The app binds single letters (s: search, i: install, t: theme…). Textual fires such a
    binding whenever the focused widget does not take the key: a Switch, a Select, a Button,
    a scroll area, or nothing at all while fields are still loading. Textual leaves out of the
    binding chain every key that a node *below* a binding says it consumes (that is how an
    Input keeps its letters); a screen saying so for printable keys takes the app's letters
    out for the whole screen. The screen's own bindings, and ctrl/function keys, still work,
    and the footer stops listing the letters that would not work.
    """

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and character.isprintable()
