"""Textual's Footer, without its leak (Textualize/textual#6666, open in 8.2).

Footer recomposes on every change of the screen's bindings (a run starting or ending changes them),
and each FooterKey it makes data-binds `compact`, which leaves `(key, callback)` on the Footer's
watcher list. Textual prunes that list only when `compact` changes, which it never does here, so
every recompose kept a screenful of dead keys: ~16 per run, ~300 KB of widgets. This Footer drops
the entries of keys that are gone before it makes new ones.
"""

from __future__ import annotations

from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    async def recompose(self) -> None:
        for watchers in getattr(self, "__watchers", {}).values():
            watchers[:] = [(node, callback) for node, callback in watchers if node.is_attached]
        await super().recompose()
