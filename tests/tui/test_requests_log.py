"""A run's outbound requests in the live log: one line each as it finishes, denied ones highlighted
with the `skill grant` line that would allow them, and a count on the run's last line."""

from __future__ import annotations

import pytest

from engine import RequestRecord, RunFinished, RunRequest, RunResult, RunStarted
from fixtures import wat
from fixtures.tui import SIZE, settle, until
from skill_tui.app import SkillTui
from skill_tui.messages import RunEventPosted
from skill_tui.widgets.log_view import LogView

pytestmark = [pytest.mark.anyio]

RUN = "r-net-1"
ANSWERED = RequestRecord(
    "GET", "https://api.github.com/search/repositories", True, 200, 120, 3482, 48.0, None, None, None
)
DENIED = RequestRecord(
    "POST",
    "https://evil.example/upload",
    False,
    error="denied",
    reason="https://evil.example is not in this skill's network grants (api.github.com)",  # as the host records it
    hint="skill grant github@work --net evil.example",
)
TIMED_OUT = RequestRecord(
    "GET", "https://api.github.com/slow", True, None, 80, 0, 5000.0, "timeout", "no answer within 5 s"
)


@pytest.fixture
def github(engine, tmp_path):
    """An installed skill named github with an instance `work` (a WAT echo: these tests feed the
    log the events a networked run streams; the end-to-end test below makes real requests)."""
    path = tmp_path / "github.wasm"
    path.write_bytes(wat.component_bytes("echo", name="github"))
    engine.install(path)
    engine.add_instance("github", "work")
    return engine


def events() -> list:
    """A run of github@work as the engine streams it: started, three requests, finished."""
    result = RunResult(
        RUN, "github", "work", "search", True, output='{"total": 1}', requests=(ANSWERED, DENIED, TIMED_OUT)
    )
    return [
        RunStarted(RUN, "github", "work", "search", {"q": "skill"}),
        RunRequest(RUN, ANSWERED),
        RunRequest(RUN, DENIED),
        RunRequest(RUN, TIMED_OUT),
        RunFinished(RUN, result, 51.0),
    ]


async def post_run(pilot, app) -> LogView:
    log = app.main.query_one(LogView)
    before = log.line_count
    for event in events():
        app.main.post_message(RunEventPosted(event))
    await until(pilot, lambda: app.main.finished == 1)
    await until(pilot, lambda: log.line_count > before)
    return log


async def test_each_request_is_a_line_and_a_denied_one_says_how_to_allow_it(github, steady_log):
    app = SkillTui(github)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        log = await post_run(pilot, app)
        lines = [log.get_line(y) for y in range(log.line_count)]
        by_text = {line.text: line for line in lines}
        answered = by_text["↗ GET https://api.github.com/search/repositories → 200 · 3 ms · ↑120 B ↓3.4 KB"]
        assert answered.kind == "request" and answered.prefix == "12:00:00 #1"
        denied = by_text[
            "⊘ POST https://evil.example/upload  denied: https://evil.example is not in this skill's network grants (api.github.com)"
        ]
        assert denied.kind == "denied"
        at = lines.index(denied)
        hint = lines[at + 1]  # the very next line, same run, aligned under the text
        assert hint.kind == "denied" and hint.text == "  allow it with: skill grant github@work --net evil.example"
        assert hint.prefix == " " * len("12:00:00 #1")
        timed_out = by_text["↗ GET https://api.github.com/slow → timeout: no answer within 5 s · 3 ms"]
        assert timed_out.kind == "stderr"
        # in the order the engine streamed them, between the start and the result
        order = [line.text[:1] for line in lines if line.text[:1] in "▶↗⊘✔"]
        assert order == ["▶", "↗", "⊘", "↗", "✔"]
        assert "✔ github@work:search  (3 ms · 3 requests, 1 denied)" in by_text


async def test_denied_lines_stand_out_in_every_theme(github):
    app = SkillTui(github)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        log = await post_run(pilot, app)
        for theme in app.theme_names:
            app.theme = theme
            await pilot.pause()
            denied = log.get_component_rich_style("log-view--denied")
            assert denied.bgcolor is not None and denied.bgcolor != log.rich_style.bgcolor, theme
            assert denied != log.get_component_rich_style("log-view--stdout"), theme
            assert denied != log.get_component_rich_style("log-view--request"), theme


@pytest.mark.parametrize("size", [SIZE, (80, 24)], ids=["150x42", "80x24"])
def test_snapshot_requests_in_the_log(snap_compare, github, steady_log, size):
    async def run_before(pilot) -> None:
        app = pilot.app
        await settle(pilot, app)
        await post_run(pilot, app)
        if size[1] < 30:  # at 80x24 the log is a few rows: maximize it to see the whole run
            await pilot.press("ctrl+g")
        app.clear_notifications()
        await pilot.pause(0.2)

    assert snap_compare(SkillTui(github), terminal_size=size, run_before=run_before)


async def test_history_details_list_a_runs_requests(github):
    """A run recorded with its requests (as `skill run` records it): the history's details list them,
    the denied one with the grant that would allow it."""
    from engine.history import History
    from skill_tui.screens.history import HistoryScreen

    finished = events()[-1]
    History(github.home.history_file).append(finished.result)
    app = SkillTui(github)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.rows)
        details = app.screen.query_one("#run-details")
        await until(pilot, lambda: "requests" in str(details.render()))
        text = str(details.render())
        assert "  ↗ GET https://api.github.com/search/repositories → 200 · 48 ms · ↑120 B ↓3.4 KB" in text
        assert (
            "  ⊘ POST https://evil.example/upload  denied: https://evil.example is not in this skill's network grants (api.github.com)"
            in text
        )
        assert "    allow it with: skill grant github@work --net evil.example" in text
        assert "  ↗ GET https://api.github.com/slow → timeout: no answer within 5 s · 5000 ms" in text


# ---- real runs: a skill whose tool makes a real request through the host, to a loopback server ----


@pytest.fixture
def server():
    """A loopback HTTP server answering every GET with a small JSON body; its port."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Answer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"hello": "world"}'
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def fetcher(engine, tmp_path):
    """The WAT skill whose `fetch` tool hands its arguments to the host's http-request."""
    from wasmtime import wat2wasm

    from fixtures import wat_http

    path = tmp_path / "fetcher.wasm"
    path.write_bytes(bytes(wat2wasm(wat_http.component("tool", name="fetcher"))))
    engine.install(path)
    return engine


async def test_a_real_runs_requests_appear_live_in_the_log(fetcher, server, steady_log):
    fetcher.grant("fetcher", "default", [f"http://127.0.0.1:{server}"])
    app = SkillTui(fetcher)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.main.start_run("fetcher:fetch", {"url": f"http://127.0.0.1:{server}/hello?token=abc"})
        await settle(pilot, app, runs=1)
        app.main.start_run("fetcher:fetch", {"url": "https://api.github.com/user"})
        await settle(pilot, app, runs=2)
        log = app.main.query_one(LogView)
        lines = [log.get_line(y) for y in range(log.line_count)]
        texts = [line.text for line in lines]
        answered = f"↗ GET http://127.0.0.1:{server}/hello → 200 · 3 ms · ↑0 B ↓18 B"  # no query string
        assert answered in texts and lines[texts.index(answered)].kind == "request"
        at = texts.index(
            "⊘ GET https://api.github.com/user  denied: "
            f"https://api.github.com is not in this skill's network grants (http://127.0.0.1:{server})"
        )
        assert lines[at].kind == "denied" and lines[at].prefix == "12:00:00 #2"
        assert texts[at + 1] == "  allow it with: skill grant fetcher --net api.github.com"
        # each request line comes between its run's start and its end, as it happened
        assert texts.index(answered) < texts.index("✔ fetcher@default:fetch  (3 ms · 1 request)")
        assert texts.count("✔ fetcher@default:fetch  (3 ms · 1 request, 1 denied)") == 1


@pytest.mark.parametrize("size", [SIZE, (80, 24)], ids=["150x42", "80x24"])
def test_snapshot_a_real_denied_request(snap_compare, fetcher, steady_log, size):
    """A real run whose request the host refuses (no grants: nothing leaves the machine, and the line is
    the same on every machine)."""

    async def run_before(pilot) -> None:
        app = pilot.app
        await settle(pilot, app)
        app.main.start_run("fetcher:fetch", {"url": "https://api.github.com/user", "method": "GET"})
        await settle(pilot, app, runs=1)
        if size[1] < 30:
            await pilot.press("ctrl+g")
        app.clear_notifications()
        await pilot.pause(0.2)

    assert snap_compare(SkillTui(fetcher), terminal_size=size, run_before=run_before)
