"""Where the person types (a form, a dialog), the app's one-letter shortcuts stay off."""

from __future__ import annotations


class KeepsTypedKeys:
    """Mixin for a screen or a container of fields (a form, a dialog): every printable key
    typed in it belongs to it.

    The app binds single letters (s: search, i: install, t: theme…). Textual fires such a
    binding whenever the focused widget does not take the key: a Switch, a Select, a Button,
    a scroll area, or nothing at all while fields are still loading. Textual leaves out of the
    binding chain every key that a node *below* a binding says it consumes (that is how an
    Input keeps its letters); a screen or a form saying so for printable keys takes the
    letters of everything above it out while focus is inside it. Its own bindings, and
    ctrl/function keys, still work, and the footer stops listing the letters that would not.
    """

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and character.isprintable()
