"""LogView: the live execution log pane (kinds, follow, trimming, search, rendering)."""

from __future__ import annotations

import json
import time
from typing import ClassVar

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.geometry import Offset
from textual.selection import Selection

from skill_tui.widgets.log_view import KINDS, LogView

PREFIX = "12:03:04 #a1b2"


class LogApp(App[None]):
    """A tiny host: one LogView, recording the SearchChanged messages it posts."""

    BINDINGS: ClassVar = [("n", "new_run")]

    def __init__(self, max_lines: int | None = 100_000) -> None:
        super().__init__()
        self.max_lines = max_lines
        self.changes: list[tuple[int, int]] = []
        self.new_runs = 0

    def action_new_run(self) -> None:
        self.new_runs += 1

    def compose(self) -> ComposeResult:
        yield LogView(max_lines=self.max_lines)

    def on_log_view_search_changed(self, event: LogView.SearchChanged) -> None:
        assert event.control is self.query_one(LogView)
        self.changes.append((event.matches, event.current))


def rows(log: LogView) -> list[str]:
    """What the view shows, row by row, through the Line API."""
    return [log.render_line(y).text.rstrip() for y in range(log.scrollable_content_region.height)]


def row_of(log: LogView, text: str) -> int:
    return next(y for y, row in enumerate(rows(log)) if text in row)


def styles_of(log: LogView, y: int, text: str) -> set:
    """The styles of the segments of row y that contain `text`."""
    return {seg.style.clear_meta_and_links() for seg in log.render_line(y) if text in seg.text}


async def fill(pilot, log: LogView, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        log.append("stdout", f"line {i}")
    await pilot.pause()


@pytest.mark.anyio
async def test_kinds_are_styled_by_their_component_class() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 14)) as pilot:
        log = app.query_one(LogView)
        for kind in KINDS:
            log.append(kind, f"{kind} text", PREFIX)
        await pilot.pause()
        assert log.line_count == len(KINDS)
        assert log.lines_text() == [f"{PREFIX} {kind} text" for kind in KINDS]
        assert [log.get_line(y).kind for y in range(len(KINDS))] == list(KINDS)
        styles = {}
        for y, kind in enumerate(KINDS):
            assert rows(log)[y] == f"{PREFIX} {kind} text"
            (style,) = styles_of(log, y, f"{kind} text")
            assert style == log.get_component_rich_style(f"log-view--{kind}")
            assert styles_of(log, y, PREFIX) == {log.get_component_rich_style("log-view--prefix")}
            styles[kind] = style
        # Each kind looks different from plain output, and errors from everything else.
        assert len({styles[k] for k in ("start", "stdout", "stderr", "ok", "error")}) == 5
        assert styles["info"] != styles["stdout"]
        with pytest.raises(ValueError):
            log.append("bogus", "x")


@pytest.mark.anyio
async def test_theme_change_restyles_lines() -> None:
    app = LogApp()
    async with app.run_test(size=(60, 8)) as pilot:
        log = app.query_one(LogView)
        log.append("ok", "done")
        await pilot.pause()
        (before,) = styles_of(log, 0, "done")
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await pilot.pause()
        (after,) = styles_of(log, 0, "done")
        assert after != before
        assert after == log.get_component_rich_style("log-view--ok")


@pytest.mark.anyio
async def test_multiline_text_is_split_and_cleaned() -> None:
    app = LogApp()
    async with app.run_test(size=(60, 10)) as pilot:
        log = app.query_one(LogView)
        log.append("stdout", "one\r\ntwo\n\tthree\n", PREFIX)
        log.append("stderr", "\x1b[31mred\x1b[0m and a bell\x07")
        log.append("stdout", "")
        await pilot.pause()
        blank = " " * len(PREFIX)
        assert log.lines_text() == [
            f"{PREFIX} one",
            f"{blank} two",  # continuation lines keep the text aligned under the prefix
            f"{blank}         three",  # tab expanded to 8 columns
            "red and a bell\ufffd",
            "",
        ]
        assert rows(log)[:3] == log.lines_text()[:3]


@pytest.mark.anyio
async def test_append_json_pretty_prints() -> None:
    app = LogApp()
    async with app.run_test(size=(60, 12)) as pilot:
        log = app.query_one(LogView)
        value = {"slug": "héllo", "n": [1, 2], "ok": True}
        log.append_json("ok", value, PREFIX)
        await pilot.pause()
        expected = json.dumps(value, indent=2, ensure_ascii=False).splitlines()
        assert len(expected) == 8
        assert [line.text for line in map(log.get_line, range(log.line_count))] == expected
        assert log.get_line(0).prefix == PREFIX and log.get_line(1).prefix.strip() == ""
        assert {log.get_line(y).kind for y in range(log.line_count)} == {"ok"}


@pytest.mark.anyio
async def test_follows_at_bottom_and_holds_still_when_scrolled_up() -> None:
    app = LogApp()
    async with app.run_test(size=(60, 12)) as pilot:
        log = app.query_one(LogView)
        log.focus()
        await fill(pilot, log, 100)
        assert log.max_scroll_y > 0
        assert log.scroll_offset.y == log.max_scroll_y and log.following
        assert rows(log)[-1] == "line 99"

        await fill(pilot, log, 5, start=100)  # following: the view moves with the new lines
        assert log.scroll_offset.y == log.max_scroll_y
        assert rows(log)[-1] == "line 104"
        assert not log.border_subtitle

        await pilot.press("pageup")
        held = log.scroll_offset.y
        top_row = rows(log)[0]
        assert held < log.max_scroll_y and not log.following

        await fill(pilot, log, 120, start=105)  # scrolled up: the view must not move
        assert log.scroll_offset.y == held
        assert rows(log)[0] == top_row
        assert log.new_lines == 120
        assert log.border_subtitle == "↓ 120 new"

        await pilot.press("end")  # back to the bottom: follow again, counter cleared
        assert log.scroll_offset.y == log.max_scroll_y and log.following
        assert not log.border_subtitle and log.new_lines == 0
        await fill(pilot, log, 3, start=225)
        assert rows(log)[-1] == "line 227"


@pytest.mark.anyio
async def test_reaching_the_bottom_by_scrolling_resumes_follow() -> None:
    app = LogApp()
    async with app.run_test(size=(60, 12)) as pilot:
        log = app.query_one(LogView)
        log.focus()
        await fill(pilot, log, 50)
        await pilot.press("up", "up")
        await fill(pilot, log, 2, start=50)
        assert log.border_subtitle == "↓ 2 new"
        await pilot.press("down", "down", "down")
        assert log.scroll_offset.y == log.max_scroll_y - 1
        assert log.border_subtitle == "↓ 2 new" and not log.following
        await pilot.press("down")
        assert log.scroll_offset.y == log.max_scroll_y
        assert not log.border_subtitle and log.following
        await fill(pilot, log, 1, start=52)
        assert rows(log)[-1] == "line 52"


@pytest.mark.anyio
async def test_g_and_G_jump_to_top_and_bottom() -> None:
    app = LogApp()
    async with app.run_test(size=(60, 12)) as pilot:
        log = app.query_one(LogView)
        log.focus()
        await fill(pilot, log, 60)
        await pilot.press("g")
        assert log.scroll_offset.y == 0 and rows(log)[0] == "line 0"
        await fill(pilot, log, 4, start=60)
        assert log.scroll_offset.y == 0 and log.border_subtitle == "↓ 4 new"
        await pilot.press("G")
        assert log.scroll_offset.y == log.max_scroll_y and rows(log)[-1] == "line 63"
        assert not log.border_subtitle
        await pilot.press("home")
        assert log.scroll_offset.y == 0


@pytest.mark.anyio
async def test_mouse_wheel_scrolls_and_releases_follow() -> None:
    app = LogApp()
    async with app.run_test(size=(60, 12)) as pilot:
        log = app.query_one(LogView)
        await fill(pilot, log, 60)
        bottom = log.scroll_offset.y
        log.post_message(events.MouseScrollUp(log, 5, 5, 0, -1, 0, False, False, False))
        await pilot.pause()
        held = log.scroll_offset.y
        assert held < bottom and not log.following
        await fill(pilot, log, 2, start=60)
        assert log.scroll_offset.y == held and log.new_lines == 2
        for _ in range(held, log.max_scroll_y):
            log.post_message(events.MouseScrollDown(log, 5, 5, 0, 1, 0, False, False, False))
        await pilot.pause()
        assert log.scroll_offset.y == log.max_scroll_y and log.following and log.new_lines == 0


@pytest.mark.anyio
async def test_max_lines_drops_old_lines_and_keeps_the_view_steady() -> None:
    app = LogApp(max_lines=100)
    async with app.run_test(size=(60, 12)) as pilot:
        log = app.query_one(LogView)
        log.focus()
        await fill(pilot, log, 150)
        assert log.line_count == 100
        assert log.lines_text()[0] == "line 50" and log.lines_text()[-1] == "line 149"
        assert log.virtual_size.height == 100
        assert rows(log)[-1] == "line 149"  # still following

        await pilot.press("pageup", "pageup")
        top_row = rows(log)[0]
        await fill(pilot, log, 20, start=150)  # 20 more dropped from the top...
        assert log.line_count == 100 and log.lines_text()[0] == "line 70"
        assert rows(log)[0] == top_row  # ...but the same lines stay in view
        assert log.new_lines == 20

        # A single append bigger than max_lines keeps only its tail.
        log.append("stdout", "\n".join(f"big {i}" for i in range(250)))
        await pilot.pause()
        assert log.line_count == 100 and log.lines_text()[0] == "big 150"

        # Dropped lines do not pile up in memory.
        for i in range(10_000):
            log.append("stdout", f"more {i}")
        assert len(log._lines) < 100 + 4097 + 100


@pytest.mark.anyio
async def test_search_counts_highlights_and_navigates() -> None:
    app = LogApp()
    async with app.run_test(size=(60, 12)) as pilot:
        log = app.query_one(LogView)
        log.focus()
        for i in range(200):
            log.append("stdout", f"line {i}" + (" NEEDLE here" if i % 50 == 7 else ""))
        await pilot.pause()
        assert log.search("needle") == 4  # lines 7, 57, 107, 157; case-insensitive
        await pilot.pause()
        assert app.changes[-1] == (4, 0)
        assert log.match_count == 4 and log.current_match == 0

        await pilot.press("g")
        assert log.next_match() == 1
        await pilot.pause()
        y = row_of(log, "line 7 NEEDLE")
        current = log.get_component_rich_style("log-view--current-match")
        assert any(s.bgcolor == current.bgcolor for s in styles_of(log, y, "NEEDLE"))
        assert app.changes[-1] == (4, 1)

        await pilot.press("n")  # far below: the view scrolls to it
        assert log.current_match == 2
        y = row_of(log, "line 57 NEEDLE")
        assert any(s.bgcolor == current.bgcolor for s in styles_of(log, y, "NEEDLE"))
        assert not log.following
        await pilot.press("n", "n")
        assert log.current_match == 4 and row_of(log, "line 157 NEEDLE") >= 0
        await pilot.press("n")  # wraps around
        assert log.current_match == 1 and row_of(log, "line 7 NEEDLE") >= 0
        await pilot.press("N")  # and back
        assert log.current_match == 4 and row_of(log, "line 157 NEEDLE") >= 0
        assert log.previous_match() == 3
        await pilot.pause()
        y = row_of(log, "line 107 NEEDLE")
        assert app.changes[-1] == (4, 3)

        # Other matches on screen are highlighted with the plain match style.
        log.scroll_to(y=0, animate=False, immediate=True)
        log.search("line 1")  # line 1, 10-19, 100-199
        await pilot.pause()
        match = log.get_component_rich_style("log-view--match")
        y = row_of(log, "line 1")
        assert any(s.bgcolor == match.bgcolor for s in styles_of(log, y, "line 1"))
        assert log.match_count == 111

        # New lines are searched as they arrive.
        log.append("stderr", "LINE 1 again")
        await pilot.pause()
        assert log.match_count == 112 and app.changes[-1] == (112, 0)

        log.clear_search()
        await pilot.pause()
        assert log.match_count == 0 and app.changes[-1] == (0, 0)
        assert not any(s.bgcolor == match.bgcolor for s in styles_of(log, y, "line 1"))
        assert log.next_match() == 0  # no search: nothing happens


@pytest.mark.anyio
async def test_n_in_the_log_never_goes_to_the_app() -> None:
    """n / N in the focused log mean "match", search or not: after a search is closed, n used to
    fall through to the app's n (new instance) and the next typed text named an instance."""
    app = LogApp()
    async with app.run_test(size=(60, 12)) as pilot:
        log = app.query_one(LogView)
        log.focus()
        log.append("stdout", "a match\nno\nmatch again")
        await pilot.press("n", "N")
        assert app.new_runs == 0
        log.search("match")
        await pilot.press("n")
        assert app.new_runs == 0 and log.current_match == 1


@pytest.mark.anyio
async def test_search_scrolls_horizontally_to_a_match_far_right() -> None:
    app = LogApp()
    async with app.run_test(size=(60, 12)) as pilot:
        log = app.query_one(LogView)
        log.append("stdout", "x" * 500 + "TARGET" + "y" * 500)
        await pilot.pause()
        log.search("target")
        log.next_match()
        await pilot.pause()
        assert log.scroll_offset.x > 0
        assert "TARGET" in rows(log)[0]


@pytest.mark.anyio
async def test_trimmed_matches_are_forgotten() -> None:
    app = LogApp(max_lines=10)
    async with app.run_test(size=(60, 12)) as pilot:
        log = app.query_one(LogView)
        log.append("stdout", "match me")
        log.search("match")
        log.next_match()
        assert log.current_match == 1
        await fill(pilot, log, 20)
        assert log.match_count == 0 and log.current_match == 0
        assert app.changes[-1] == (0, 0)


@pytest.mark.anyio
async def test_clear() -> None:
    app = LogApp()
    async with app.run_test(size=(60, 12)) as pilot:
        log = app.query_one(LogView)
        log.focus()
        await fill(pilot, log, 50)
        log.search("line 4")
        await pilot.press("g")
        await fill(pilot, log, 2, start=50)
        assert log.border_subtitle
        log.clear()
        await pilot.pause()
        assert log.line_count == 0 and log.lines_text() == []
        assert log.virtual_size.height == 0 and log.scroll_offset.y == 0
        assert not log.border_subtitle and log.match_count == 0
        assert all(row == "" for row in rows(log))
        log.append("info", "line 4 after clear")  # search stays active, follow resumes
        await pilot.pause()
        assert rows(log)[0] == "line 4 after clear" and log.match_count == 1


@pytest.mark.anyio
async def test_selection_is_highlighted_and_copied() -> None:
    app = LogApp()
    async with app.run_test(size=(60, 10)) as pilot:
        log = app.query_one(LogView)
        log.append("stdout", "alpha\nbeta\ngamma")
        await pilot.pause()
        # Rendered rows carry offsets, so the screen can map the mouse to the text.
        assert next(seg.style.meta.get("offset") for seg in log.render_line(1)) == (0, 1)
        app.screen.selections = {log: Selection.from_offsets(Offset(2, 0), Offset(3, 1))}
        await pilot.pause()
        assert app.screen.get_selected_text() == "pha\nbet"
        selected = app.screen.get_component_rich_style("screen--selection")
        assert any(s.bgcolor == selected.bgcolor for s in styles_of(log, 0, "pha"))
        assert not any(s.bgcolor == selected.bgcolor for s in styles_of(log, 2, "gamma"))
        app.screen.selections = {}
        await pilot.pause()
        assert not any(s.bgcolor == selected.bgcolor for s in styles_of(log, 0, "alpha"))


@pytest.mark.anyio
async def test_long_lines_scroll_horizontally() -> None:
    app = LogApp()
    async with app.run_test(size=(40, 10)) as pilot:
        log = app.query_one(LogView)
        log.focus()
        long = "".join(f"{i:04d}|" for i in range(2000)) + "界" * 50  # 10k cells + wide chars
        log.append("stdout", long, PREFIX)
        log.append("stdout", "short")
        await pilot.pause()
        width = log.scrollable_content_region.width
        assert log.virtual_size.width == len(PREFIX) + 1 + len(long) + 50
        assert all(log.render_line(y).cell_length == width for y in range(3))
        assert rows(log)[0] == (PREFIX + " " + long)[:width]
        await pilot.press("right", "right", "right")
        x = log.scroll_offset.x
        assert x == 3 and rows(log)[0] == (PREFIX + " " + long)[x : x + width]
        log.scroll_to(x=log.max_scroll_x, animate=False, immediate=True)
        await pilot.pause()
        assert rows(log)[0].endswith("界")
        assert all(log.render_line(y).cell_length == width for y in range(3))


@pytest.mark.anyio
async def test_one_append_on_a_big_log_is_cheap() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        log = app.query_one(LogView)
        for i in range(100_000):
            log.append("stdout", f"line {i}", PREFIX)
        await pilot.pause()
        assert log.line_count == 100_000
        assert log.search("one MORE") == 0  # an active search must not rescan old lines

        rendered: list[int] = []
        render_line = log.render_line
        log.render_line = lambda y: rendered.append(y) or render_line(y)  # type: ignore[method-assign]
        started = time.perf_counter()
        log.append("ok", "one more")
        elapsed = time.perf_counter() - started
        await pilot.pause()
        assert elapsed < 0.005, f"append took {elapsed * 1000:.1f} ms"
        assert 0 < len(rendered) <= log.size.height  # one frame, only the visible rows
        assert rows(log)[-1].endswith("one more")

        await pilot.press("pageup")  # scrolled up: a new line renders no row afresh
        cached = len(log._cache)
        log.append("stdout", "unseen")
        await pilot.pause()
        assert len(log._cache) == cached and log.new_lines == 1


def test_snapshot(snap_compare) -> None:
    async def run_before(pilot) -> None:
        log = pilot.app.query_one(LogView)
        log.append("info", "skill-tui log: 3 runs")
        log.append("start", '▶ textkit@default:slugify {"text": "Hello World"}', "12:03:04 #a1b2")
        log.append("start", "▶ greeter@work:greet {}", "12:03:04 #c3d4")
        log.append("stdout", "slugifying 11 chars\n\tdone", "12:03:04 #a1b2")
        log.append("stderr", "warning: config key 'tone' not set, using default", "12:03:05 #c3d4")
        log.append_json("ok", {"slug": "hello-world", "length": 11}, "12:03:05 #a1b2")
        log.append("error", "error: greet: timed out after 5.0 s", "12:03:10 #c3d4")
        log.search("hello-world")
        log.next_match()
        await pilot.pause()

    assert snap_compare(LogApp(), terminal_size=(100, 20), run_before=run_before)
