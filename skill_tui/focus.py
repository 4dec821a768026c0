"""Move the focus now, not after the keys already typed.

`Widget.focus()` defers the change to a later message, so keys queued behind the one that
moved the focus (a fast typist: `/` then `textkit`, Enter then a value) are handled by the
widget that had it before, where a letter can fire a binding. Setting the screen's focus
directly changes it before the next key is dispatched.
"""

from __future__ import annotations

from textual.widget import Widget


def focus_now(widget: Widget) -> None:
    if widget.is_attached:
        widget.screen.set_focus(widget)
    else:  # not mounted yet (a form being rebuilt): the deferred path is the only one
        widget.focus()
