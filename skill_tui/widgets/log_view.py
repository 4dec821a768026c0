"""LogView: the live execution log pane.

A line-based widget (Textual's Line API: a `ScrollView` whose `render_line` returns one
`Strip` per visible row) that stays fast with hundreds of thousands of lines:

- Lines are stored as plain tuples of strings; `append` is O(new lines) and touches no
  reactive: the virtual size, the follow scroll, the "new" counter and the repaint are
  applied once for everything appended before the widget's next turn (`call_next`), and
  only rows that are on screen are rendered. Call `append` on the UI thread (from a
  message handler or `call_from_thread`).
- Rendered lines are kept in an LRU cache keyed by the line's *absolute* number (lines
  ever appended), so dropping old lines from the top (`max_lines`) or scrolling does not
  invalidate it; style, theme or search changes clear it.
- Dropping old lines is amortised O(1): the list is compacted only once half of it is dead.

Each line has a kind ("start", "stdout", "stderr", "ok", "error", "info", "stopped", "request",
"denied") that picks its component class (`log-view--<kind>`), and an optional short prefix (time
and run tag) rendered with `log-view--prefix`. All styles use theme variables, so app themes restyle it.

Auto-follow: while the view is at the bottom, new lines keep it there; once the user
scrolls up, appending never moves the view and the border subtitle counts the lines
below ("↓ 120 new"), cleared on reaching the bottom again (`end`/`G`, or scrolling down).
Keyboard scrolling is instant (not animated). Mouse selection and copy work (offsets
are applied to the rendered rows; `get_selection` returns the text).

Why one module of ~650 lines: storage, numbering, trimming, the match index and rendering
share one invariant (absolute line numbers that the cache, the selection and the search all
key on); split apart, each half would have to re-derive it. bench/bench_log_view.py measures it.

Search: `search(term)` highlights case-insensitive substring matches (`log-view--match`),
`next_match()`/`previous_match()` (`n`/`N`) scroll to and mark the current one
(`log-view--current-match`); every change posts `LogView.SearchChanged`.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from typing import Any, ClassVar, Literal, NamedTuple, get_args

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip

__all__ = ["KINDS", "LogKind", "LogLine", "LogView"]

LogKind = Literal["start", "stdout", "stderr", "ok", "error", "info", "stopped", "request", "denied"]
KINDS: tuple[str, ...] = get_args(LogKind)

# Terminal escape sequences (CSI / OSC / two-byte) are dropped, other control characters
# would corrupt the screen, so they are shown as U+FFFD (as Textual's Log does).
_strip_escapes = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])").sub
_sub_controls = re.compile("[\x00-\x1f\x7f]").sub


def _clean(line: str) -> str:
    if "\t" in line:
        line = line.expandtabs()
    if "\x1b" in line:
        line = _strip_escapes("", line)
    return _sub_controls("\ufffd", line)


def _display(line: tuple[str, str, str]) -> str:
    """A stored line as shown: prefix, one space, text."""
    return f"{line[1]} {line[2]}" if line[1] else line[2]


class LogLine(NamedTuple):
    """One line of the log: its kind, its prefix (blank on continuation lines) and its text."""

    kind: str
    prefix: str
    text: str

    @property
    def display(self) -> str:
        """The line as shown: prefix, one space, text."""
        return f"{self.prefix} {self.text}" if self.prefix else self.text


class LogView(ScrollView, can_focus=True):
    """A fast, line-based, searchable log of skill runs."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "log-view--start",
        "log-view--stdout",
        "log-view--stderr",
        "log-view--ok",
        "log-view--error",
        "log-view--info",
        "log-view--stopped",
        "log-view--request",
        "log-view--denied",
        "log-view--prefix",
        "log-view--match",
        "log-view--current-match",
    }
    """
    | Class | Description |
    | :- | :- |
    | `log-view--start` | A run started. |
    | `log-view--stdout` | A skill's standard output. |
    | `log-view--stderr` | A skill's standard error. |
    | `log-view--ok` | A result. |
    | `log-view--error` | An error. |
    | `log-view--info` | A note from the app. |
    | `log-view--stopped` | A run the user stopped. |
    | `log-view--request` | An outbound request of a run, answered. |
    | `log-view--denied` | An outbound request the host refused (and the grant that would allow it). |
    | `log-view--prefix` | The time / run tag before a line. |
    | `log-view--match` | A search match. |
    | `log-view--current-match` | The current search match (`n` / `N`). |
    """

    DEFAULT_CSS = """
    LogView {
        background: $surface;
        color: $foreground;
        overflow-x: auto;
        overflow-y: scroll;
        border: round $border-blurred;
        border-subtitle-color: $warning;
        border-subtitle-style: bold;
        &:focus {
            border: round $border;
            background-tint: $foreground 3%;
        }
        & > .log-view--start { color: $text-primary; text-style: bold; }
        & > .log-view--stdout { color: $foreground; }
        & > .log-view--stderr { color: $text-warning; }
        & > .log-view--ok { color: $text-success; }
        & > .log-view--error { color: $text-error; text-style: bold; }
        & > .log-view--info { color: $text-muted; text-style: italic; }
        & > .log-view--stopped { color: $text-warning; text-style: bold; }
        & > .log-view--request { color: $text-secondary; }
        & > .log-view--denied { color: $text-error; background: $error 15%; text-style: bold; }
        & > .log-view--prefix { color: $text-muted; }
        & > .log-view--match { background: $warning 35%; }
        & > .log-view--current-match { background: $accent; color: $text; text-style: bold; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("end,G", "follow", "Follow", show=False),
        Binding("home,g", "top", "Top", show=False),
        Binding("n", "next_match", "Next match", show=False),
        Binding("N", "previous_match", "Previous match", show=False),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | end, G | Jump to the bottom and follow new lines again. |
    | home, g | Jump to the top. |
    | n / N | Next / previous search match. |
    | up, down, pageup, pagedown, left, right | Scroll (not animated, from ScrollView). |
    """

    class SearchChanged(Message):
        """The search matches or the current match changed."""

        def __init__(self, log_view: LogView, term: str, matches: int, current: int) -> None:
            super().__init__()
            self.log_view = log_view
            self.term = term
            """The search term ("" when no search is active)."""
            self.matches = matches
            """Number of matching lines."""
            self.current = current
            """1-based position of the current match among the matches, 0 if none."""

        @property
        def control(self) -> LogView:
            return self.log_view

    def __init__(
        self,
        *,
        max_lines: int | None = 100_000,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Create a log view.

        Args:
            max_lines: Lines kept; older ones are dropped from the top. `None` for no limit.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        if max_lines is not None and max_lines < 1:
            raise ValueError("max_lines must be at least 1")
        self.max_lines = max_lines
        self._lines: list[tuple[str, str, str]] = []
        """(kind, prefix, text): plain tuples of strings, which the garbage collector untracks,
        so a big log adds nothing to the cost of collections."""
        self._start = 0
        """Index in `_lines` of the first live line (lines before it are dropped)."""
        self._dropped = 0
        """Lines dropped from the top since the start: absolute number of line 0."""
        self._width = 0
        self._cache: LRUCache[int, Strip] = LRUCache(256)
        self._styles: dict[str, Style] | None = None
        self._frame_width = 0
        self._follow = True
        self._adjusting = False
        self._stick_pending = False
        self._flush_scheduled = False
        self._pending_new = 0
        self._pending_removed = 0
        self._pending_width = False
        self._pending_search = False
        self._unseen = 0
        self._term = ""
        self._pattern: re.Pattern[str] | None = None
        self._matches: list[int] = []
        """Absolute numbers of matching lines, ascending."""
        self._current: int | None = None
        """Absolute number of the current match line."""

    # ------------------------------------------------------------------ content

    @property
    def line_count(self) -> int:
        """Number of lines in the log."""
        return len(self._lines) - self._start

    @property
    def following(self) -> bool:
        """True while new lines keep the view at the bottom."""
        return self._follow

    @property
    def new_lines(self) -> int:
        """Lines appended since the user scrolled away from the bottom."""
        return self._unseen

    def get_line(self, y: int) -> LogLine:
        """The line at row `y` (0 = oldest kept line; negative counts from the end)."""
        count = self.line_count
        if not -count <= y < count:
            raise IndexError(y)
        return LogLine(*self._lines[self._start + (y % count)])

    def lines_text(self) -> list[str]:
        """The lines as shown (prefix, space, text), oldest first."""
        return [_display(line) for line in self._lines[self._start :]]

    def append(self, kind: str, text: str, prefix: str = "") -> None:
        """Append text (split on newlines, tabs expanded) as lines of one kind.

        Continuation lines get a blank prefix of the same width, so blocks stay aligned.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown log line kind {kind!r} (expected one of {', '.join(KINDS)})")
        prefix = _clean(prefix)
        rows = text.splitlines() or [""]
        blank = " " * cell_len(prefix) if prefix else ""
        new = [(kind, prefix if i == 0 else blank, _clean(row)) for i, row in enumerate(rows)]
        self._add(new)

    def append_json(self, kind: str, value: Any, prefix: str = "") -> None:
        """Append a JSON value pretty-printed with an indent of 2 (non-JSON values via `str`)."""
        self.append(kind, json.dumps(value, indent=2, ensure_ascii=False, default=str), prefix)

    def clear(self) -> None:
        """Remove every line (the search term stays active for new lines)."""
        self._dropped += self.line_count
        self._lines = []
        self._start = 0
        self._width = 0
        self._cache.clear()
        had_matches = bool(self._matches) or self._current is not None
        self._matches = []
        self._current = None
        self._pending_new = self._pending_removed = 0
        self._pending_width = self._pending_search = False
        self._set_unseen(0)
        self._follow = True
        self.virtual_size = Size(0, 0)
        if self.is_mounted:
            self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()
        if had_matches:
            self._post_search_changed()

    def _add(self, new: list[tuple[str, str, str]]) -> None:
        """Store new lines: O(len(new)); the widget itself is updated once per batch."""
        start_y = self.line_count
        self._lines.extend(new)
        width = self._width
        for line in new:
            width = max(width, cell_len(_display(line)))
        if width != self._width:
            self._width = width
            self._pending_width = True

        if self._pattern is not None:
            search = self._pattern.search
            first = self._dropped + start_y
            for offset, line in enumerate(new):
                if search(_display(line)):
                    self._matches.append(first + offset)
                    self._pending_search = True

        self._pending_new += len(new)
        if self.max_lines is not None and self.line_count > self.max_lines:
            removed = self.line_count - self.max_lines
            self._pending_removed += removed
            if self._trim(removed):
                self._pending_search = True

        if not self._flush_scheduled and self.is_mounted:
            # Everything appended before this widget's next turn (typically a whole
            # batch of messages handled by the app) is laid out and scrolled at once.
            self._flush_scheduled = True
            self.call_next(self._flush)

    def _flush(self) -> None:
        """Apply pending appends: virtual size, follow or hold the view, counter, paint."""
        self._flush_scheduled = False
        new, removed = self._pending_new, self._pending_removed
        width_changed, search_changed = self._pending_width, self._pending_search
        self._pending_new = self._pending_removed = 0
        self._pending_width = self._pending_search = False
        if not (new or removed or width_changed or search_changed):
            return
        self.virtual_size = Size(self._width, self.line_count)
        old_scroll_y = self.scroll_offset.y
        if self._follow and not self.is_vertical_scrollbar_grabbed:
            self._scroll_to_bottom()
            if width_changed:
                # A horizontal scrollbar may appear at the next layout and shrink the view.
                self._stick_after_refresh()
        else:
            self._set_unseen(self._unseen + new)
            if removed:
                # Keep the same lines in view as the top ones are dropped.
                self._adjusting = True
                try:
                    self.scroll_to(y=max(0, old_scroll_y - removed), animate=False, immediate=True)
                finally:
                    self._adjusting = False
        if removed:
            self.refresh()
        elif new and self.scroll_offset.y == old_scroll_y:
            # Paint only the new rows, and only if they are on screen.
            first_row = self.line_count - new
            if first_row < old_scroll_y + self.size.height:
                self.refresh_lines(first_row, new)
        if search_changed:
            self._post_search_changed()

    def _trim(self, count: int) -> bool:
        """Drop `count` lines from the top; returns True if search matches were dropped."""
        self._start += count
        self._dropped += count
        if self._start > 4096 and self._start * 2 > len(self._lines):
            del self._lines[: self._start]
            self._start = 0
        dropped_matches = False
        if self._matches and self._matches[0] < self._dropped:
            del self._matches[: bisect_left(self._matches, self._dropped)]
            dropped_matches = True
        if self._current is not None and self._current < self._dropped:
            self._current = None
        return dropped_matches

    # --------------------------------------------------------------- rendering

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._cache.clear()

    def _get_styles(self) -> dict[str, Style]:
        if self._styles is None:
            styles = {kind: self.get_component_rich_style(f"log-view--{kind}") for kind in KINDS}
            styles["prefix"] = self.get_component_rich_style("log-view--prefix")
            styles["base"] = self.rich_style
            for part in ("match", "current-match"):
                # Overlays: keep the line's own colour unless the class sets one.
                full = self.get_component_rich_style(f"log-view--{part}")
                if self.get_component_rich_style(f"log-view--{part}", partial=True).color is None:
                    full = Style(
                        bgcolor=full.bgcolor,
                        bold=full.bold,
                        italic=full.italic,
                        underline=full.underline,
                        reverse=full.reverse,
                        strike=full.strike,
                    )
                styles[part] = full
            self._styles = styles
        return self._styles

    def _line_strip(self, y: int) -> Strip:
        """The whole (uncropped) strip of row `y`, from the cache when possible."""
        key = self._dropped + y
        selection = self.text_selection
        span = None if selection is None else selection.get_span(y)
        if span is None and (strip := self._cache.get(key)) is not None:
            return strip
        line = self._lines[self._start + y]
        styles = self._get_styles()
        kind, prefix, line_text = line
        kind_style = styles[kind]
        display = _display(line)
        matched = self._pattern is not None and self._is_match(key)
        if matched or span is not None:
            text = Text(display, no_wrap=True, end="")
            text.stylize(kind_style, len(display) - len(line_text))
            if prefix:
                text.stylize(styles["prefix"], 0, len(prefix))
                text.stylize(styles["base"], len(prefix), len(prefix) + 1)
            if matched:
                assert self._pattern is not None
                match_style = styles["current-match" if key == self._current else "match"]
                for match in self._pattern.finditer(display):
                    text.stylize(match_style, match.start(), match.end())
            if span is not None:
                start, end = span
                text.stylize(
                    self.screen.get_component_rich_style("screen--selection"), start, len(display) if end == -1 else end
                )
            segments = list(text.render(self.app.console))
        elif prefix:
            segments = [Segment(prefix, styles["prefix"]), Segment(" ", styles["base"]), Segment(line_text, kind_style)]
        else:
            segments = [Segment(line_text, kind_style)]
        strip = Strip(segments, cell_len(display))
        if span is None:  # selected lines change as the mouse moves: not worth caching
            self._cache[key] = strip
        return strip

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self._frame_width or self.scrollable_content_region.width
        base = self._get_styles()["base"]
        if row >= self.line_count:
            return Strip.blank(width, base)
        strip = self._line_strip(row).crop_extend(scroll_x, scroll_x + width, base)
        # Offsets let the screen map mouse positions to text, for selecting and copying.
        return strip.apply_offsets(scroll_x, row)

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The text under a mouse selection (what ctrl+c copies)."""
        return selection.extract("\n".join(self.lines_text())), "\n"

    def render_lines(self, crop: Region) -> list[Strip]:
        # The width is the same for every row of a frame: work it out once.
        self._frame_width = self.scrollable_content_region.width
        try:
            return super().render_lines(crop)
        finally:
            self._frame_width = 0

    def _refresh_abs(self, key: int | None) -> None:
        if key is None:
            return
        self._cache.discard(key)
        y = key - self._dropped
        if 0 <= y < self.line_count:
            self.refresh_lines(y)

    # ----------------------------------------------------------- follow / keys

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(new_value) >= self.max_scroll_y:
            self._follow = True
            self._set_unseen(0)
        elif not self._adjusting and new_value < old_value:
            self._follow = False

    def _set_unseen(self, count: int) -> None:
        if count != self._unseen:
            self._unseen = count
            self.border_subtitle = f"↓ {count:,} new" if count else None

    def _scroll_to_bottom(self) -> None:
        self._adjusting = True
        try:
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
        finally:
            self._adjusting = False

    def _stick_after_refresh(self) -> None:
        """Once the next layout is done, go back to the bottom if still following."""
        if not self._stick_pending:
            self._stick_pending = True
            self.call_after_refresh(self._stick)

    def _stick(self) -> None:
        self._stick_pending = False
        if self._follow and self.scroll_offset.y != self.max_scroll_y:
            self._scroll_to_bottom()

    def on_mount(self) -> None:
        self._flush()
        self._stick_after_refresh()

    def on_resize(self) -> None:
        self._stick_after_refresh()

    def action_follow(self) -> None:
        """Jump to the bottom and follow new lines."""
        self._flush()
        self._follow = True
        self._set_unseen(0)
        self.scroll_to(0, self.max_scroll_y, animate=False, immediate=True)

    def action_top(self) -> None:
        """Jump to the top (stops following)."""
        self._flush()
        self._follow = False
        self.scroll_to(0, 0, animate=False, immediate=True)

    # Log scrolling is instant: an animated scroll would lag behind a busy stream.
    # Keys the log cannot use go on to the app (SkipAction), as in Textual's own actions.
    def action_scroll_up(self) -> None:
        self._vertical_or_skip()
        self.scroll_up(animate=False)

    def action_scroll_down(self) -> None:
        self._vertical_or_skip()
        self.scroll_down(animate=False)

    def action_page_up(self) -> None:
        self._vertical_or_skip()
        self.scroll_page_up(animate=False)

    def action_page_down(self) -> None:
        self._vertical_or_skip()
        self.scroll_page_down(animate=False)

    def action_scroll_left(self) -> None:
        if not self.allow_horizontal_scroll:
            raise SkipAction()
        self.scroll_left(animate=False)

    def action_scroll_right(self) -> None:
        if not self.allow_horizontal_scroll:
            raise SkipAction()
        self.scroll_right(animate=False)

    def _vertical_or_skip(self) -> None:
        if not self.allow_vertical_scroll:
            raise SkipAction()

    def action_next_match(self) -> None:
        # n/N in the log always mean "match": without a search they say so rather than falling
        # through to a screen binding on the same key (n: new instance).
        if self._pattern is None:
            self.notify("nothing to find: ctrl+f searches the log", timeout=3)
            return
        self.next_match()

    def action_previous_match(self) -> None:
        if self._pattern is None:
            self.notify("nothing to find: ctrl+f searches the log", timeout=3)
            return
        self.previous_match()

    # ------------------------------------------------------------------ search

    @property
    def search_term(self) -> str:
        """The active search term, "" if none."""
        return self._term

    @property
    def match_count(self) -> int:
        """Number of lines matching the search."""
        return len(self._matches)

    @property
    def current_match(self) -> int:
        """1-based position of the current match, 0 if none."""
        if self._current is None:
            return 0
        return bisect_left(self._matches, self._current) + 1

    def _is_match(self, key: int) -> bool:
        index = bisect_left(self._matches, key)
        return index < len(self._matches) and self._matches[index] == key

    def search(self, term: str) -> int:
        """Highlight the lines containing `term` (case-insensitive); returns how many match.

        An empty term clears the search. The view does not move: see `next_match`.
        """
        self._flush()
        if not term:
            self.clear_search()
            return 0
        self._term = term
        self._pattern = pattern = re.compile(re.escape(term), re.IGNORECASE)
        search = pattern.search
        first = self._dropped
        self._matches = [first + y for y, line in enumerate(self._lines[self._start :]) if search(_display(line))]
        self._current = None
        self._cache.clear()
        self.refresh()
        self._post_search_changed()
        return len(self._matches)

    def clear_search(self) -> None:
        """Remove the search highlights."""
        self._flush()
        if self._pattern is None:
            return
        self._term = ""
        self._pattern = None
        self._matches = []
        self._current = None
        self._cache.clear()
        self.refresh()
        self._post_search_changed()

    def next_match(self) -> int:
        """Scroll to the next match (after the current one, else from the top of the view,
        wrapping around); returns its 1-based position, 0 if there are no matches."""
        self._flush()
        if not self._matches:
            return 0
        if self._current is not None:
            index = bisect_right(self._matches, self._current)
        else:
            index = bisect_left(self._matches, self._dropped + self.scroll_offset.y)
        return self._go_to_match(index % len(self._matches))

    def previous_match(self) -> int:
        """Scroll to the previous match (before the current one, else from the bottom of the
        view, wrapping around); returns its 1-based position, 0 if there are no matches."""
        self._flush()
        if not self._matches:
            return 0
        if self._current is not None:
            index = bisect_left(self._matches, self._current) - 1
        else:
            bottom = self._dropped + self.scroll_offset.y + max(1, self.size.height) - 1
            index = bisect_right(self._matches, bottom) - 1
        return self._go_to_match(index % len(self._matches))

    def _go_to_match(self, index: int) -> int:
        old, self._current = self._current, self._matches[index]
        self._refresh_abs(old)
        self._refresh_abs(self._current)
        y = self._current - self._dropped
        height = max(1, self.scrollable_content_region.height)
        scroll_x, scroll_y = self.scroll_offset
        target_y: int | None = None
        if not scroll_y <= y < scroll_y + height:
            target_y = max(0, y - height // 2)
        # Bring the first occurrence into view horizontally too.
        display = _display(self._lines[self._start + y])
        target_x: int | None = None
        assert self._pattern is not None
        match = self._pattern.search(display)
        if match is not None:
            width = max(1, self.scrollable_content_region.width)
            column = cell_len(display[: match.start()])
            end = column + cell_len(match.group())
            if column < scroll_x or end > scroll_x + width:
                target_x = max(0, column - width // 4)
        self._follow = False
        if target_x is not None or target_y is not None:
            self.scroll_to(target_x, target_y, animate=False, immediate=True)
        self._post_search_changed()
        return index + 1

    def _post_search_changed(self) -> None:
        self.post_message(self.SearchChanged(self, self._term, len(self._matches), self.current_match))
