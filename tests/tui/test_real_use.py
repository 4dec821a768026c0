"""skill-tui in a real terminal, used as a person does: key bursts at key-repeat speed, then the
process is measured (CPU back to idle, memory bounded), not a timer."""

from __future__ import annotations

import os
import re

import pytest

from fixtures import wat
from fixtures.tmux import HAVE_TMUX, Tmux, skill_tui_argv, terminal_env

pytestmark = [
    pytest.mark.skipif(not HAVE_TMUX, reason="tmux is installed by scripts/setup.sh"),
]

SKILLS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]


@pytest.fixture
def many_skills(engine, example, tmp_path):
    """Three jco-built examples and six WAT skills: nine rows in the skills list."""
    for name in ("greeter", "notes", "textkit"):
        example(name)
    for name in SKILLS:
        path = tmp_path / f"{name}.wasm"
        path.write_bytes(wat.component_bytes("echo", name=name))
        engine.install(path)
    return engine


@pytest.fixture
def terminal(request):
    tmux = Tmux(f"skill-tui-{request.node.name[:20]}-{os.getpid()}")
    yield tmux
    tmux.kill()


def run_echo(terminal, text: str) -> None:
    """From the skills list with alpha selected: its echo tool, `text` typed into the form, run."""
    terminal.keys("Enter")  # alpha's tools
    terminal.keys("Enter")  # echo, into the form
    terminal.wait_for("^r Run")
    terminal.type(text)
    terminal.keys("Enter")
    terminal.wait_for(f'"{text}"')


def tools_subtitle(screen: str) -> str:
    """The skill the tools pane shows (its border subtitle 'NAME · N')."""
    found = re.findall(r"─ ([a-z][a-z0-9-]*) · \d+ ─", screen)
    assert found, screen
    return found[-1]


def test_key_bursts_in_the_skills_list_settle(many_skills, terminal):
    """Down x20 then Up x20 at 30 ms: the app goes idle within 1 s, shows the right skill, RSS bounded."""
    app = terminal.start(skill_tui_argv(), terminal_env(many_skills.home), 120, 35)
    terminal.wait_for("foxtrot")
    terminal.wait_for("─ alpha · 2 ─")  # first skill selected, its tools listed
    app.wait_idle(within=10)
    terminal.keys(*["Down"] * 20, delay=0.03)
    app.wait_idle(within=1)
    assert tools_subtitle(terminal.wait_for("─ textkit · 5 ─", timeout=2)) == "textkit"
    terminal.keys(*["Up"] * 20, delay=0.03)
    app.wait_idle(within=1)
    assert tools_subtitle(terminal.wait_for("─ alpha · 2 ─", timeout=2)) == "alpha"
    for _ in range(5):  # alternating Down/Up, the pattern that used to ping-pong for good
        terminal.keys("Down", "Up", "Down", "Down", "Up", delay=0.03)
    app.wait_idle(within=1)
    assert tools_subtitle(terminal.wait_for("─ foxtrot · 2 ─", timeout=2)) == "foxtrot"  # net +1 each round
    assert app.rss_mb() < 150
    terminal.keys("C-q")
    terminal_gone(terminal)


def terminal_gone(terminal: Tmux, within: float = 5) -> None:
    import time

    end = time.monotonic() + within
    while terminal.running():
        assert time.monotonic() < end, "skill-tui did not quit on ctrl+q"
        time.sleep(0.05)


def test_skills_and_instances_from_another_process_appear(many_skills, terminal, tmp_path, skill):
    """`skill install` and `skill instance add` in another terminal show up within 2 s, no key pressed;
    the skill the user had selected stays selected."""
    app = terminal.start(skill_tui_argv(), terminal_env(many_skills.home), 120, 35)
    terminal.wait_for("─ alpha · 2 ─")
    terminal.keys("Down", "Down", delay=0.03)  # charlie
    terminal.wait_for("─ charlie · 2 ─")
    skill("instance", "add", "charlie@work")
    terminal.wait_for("work", timeout=2)
    path = tmp_path / "zulu.wasm"
    path.write_bytes(wat.component_bytes("echo", name="zulu"))
    skill("install", str(path))
    screen = terminal.wait_for("zulu", timeout=2)
    assert tools_subtitle(screen) == "charlie"
    app.wait_idle(within=1)


def test_install_and_configure_keep_the_selection_and_settle(many_skills, terminal, tmp_path):
    """Installing (i) or saving a config (c, F2) while a later skill is selected: no spin, same skill."""
    path = tmp_path / "yankee.wasm"
    path.write_bytes(wat.component_bytes("echo", name="yankee"))
    app = terminal.start(skill_tui_argv(), terminal_env(many_skills.home), 120, 35)
    terminal.wait_for("─ alpha · 2 ─")
    terminal.keys("Down", "Down", "Down", delay=0.03)
    terminal.wait_for("─ delta · 2 ─")
    terminal.keys("i")
    terminal.wait_for("Install a skill")
    terminal.type(str(path), delay=0.005)
    terminal.keys("Enter")
    terminal.wait_for("yankee")
    app.wait_idle(within=1)
    assert tools_subtitle(terminal.screen()) == "delta"
    terminal.keys("c")
    terminal.wait_for("Configure delta@default")  # the wizard
    terminal.keys("F2")
    terminal.wait_for("─ delta · 2 ─")
    app.wait_idle(within=1)
    assert tools_subtitle(terminal.wait_for("─ delta · 2 ─", timeout=2)) == "delta"
    assert app.rss_mb() < 150


def test_a_new_instance_stays_selected(many_skills, terminal):
    """n creates an instance and selects it, so the next c configures that one, not `default`."""
    app = terminal.start(skill_tui_argv(), terminal_env(many_skills.home), 120, 35)
    terminal.wait_for("─ alpha · 2 ─")
    app.wait_idle(within=10)
    terminal.keys("Down")
    terminal.wait_for("─ bravo · 2 ─")
    terminal.keys("n")
    terminal.wait_for("new instance")
    terminal.type("work")
    terminal.keys("Enter")
    terminal.wait_for("bravo@work:echo")  # the run form follows the instances pane
    terminal.keys("c")
    terminal.wait_for("Configure bravo@work")


def test_a_minute_of_mixed_use_keeps_memory_bounded(many_skills, terminal):
    """A run, then for a minute: key bursts in the skills list, re-runs, the runs view, help, search,
    history and themes. Memory grows by less than 40 MB after the first round (which loads the
    search model, ~300 MB of onnxruntime: the 150 MB bound of the key-burst test is for the app
    without it), and the app goes idle when input stops."""
    import time

    app = terminal.start(skill_tui_argv(), terminal_env(many_skills.home), 120, 35)
    terminal.wait_for("─ alpha · 2 ─")
    app.wait_idle(within=10)

    def escape() -> None:
        """Esc, then wait until the app took it: ESC and the next key read together are alt+key."""
        terminal.keys("Escape")
        app.wait_idle(within=10)

    run_echo(terminal, "mixed use")
    escape()  # back to the tools list
    terminal.keys("S-Tab", "S-Tab", delay=0.2)  # instances, skills list
    app.wait_idle(within=10)
    first_round: float | None = None
    end = time.monotonic() + 60
    rounds = 0
    while time.monotonic() < end:
        terminal.keys(*["Down"] * 8, *["Up"] * 8, delay=0.03)  # the skills list
        app.wait_idle(within=10)
        terminal.keys("f5")  # run the last run again
        terminal.keys("r")  # the runs view
        terminal.wait_for("Runs in flight")
        escape()
        terminal.keys("f1")  # help
        terminal.wait_for("binding id")
        escape()
        terminal.keys("s")  # search
        terminal.wait_for("Search")
        terminal.type("url slug")
        app.wait_idle(within=10)
        escape()
        terminal.keys("h")  # history
        terminal.wait_for("History")
        escape()
        terminal.keys("t")  # next theme
        app.wait_idle(within=10)
        rounds += 1
        if first_round is None:
            first_round = app.rss_mb()
    app.wait_idle(within=2)
    assert rounds >= 3
    assert app.rss_mb() - first_round < 40, (first_round, app.rss_mb())
    assert app.alive()
    assert many_skills.history()[-1]["args"] == {"text": "mixed use"}
    assert len(many_skills.history()) >= rounds  # the re-runs ran


def test_bursts_of_re_runs_keep_memory_bounded(many_skills, terminal):
    """f5 (run again) held down: 100 runs at key-repeat speed, twice. The second hundred adds little:
    the log keeps its lines, nothing else of a finished run stays (the footer once kept ~16 widgets
    of every run)."""
    app = terminal.start(skill_tui_argv(), terminal_env(many_skills.home), 120, 35)
    terminal.wait_for("─ alpha · 2 ─")
    app.wait_idle(within=10)
    run_echo(terminal, "again and again")
    sizes = []
    for _ in range(2):
        terminal.keys(*["f5"] * 100, delay=0.03)
        app.wait_idle(within=30)
        sizes.append(app.rss_mb())
    assert sizes[1] - sizes[0] < 8, sizes  # ~3 MB; the leaking footer added ~17
    assert len(many_skills.history()) >= 150  # the re-runs ran (a few may have been typed over)


def test_install_review_and_a_grant_typed_at_key_repeat_speed(engine, terminal, tmp_path, skill):
    """At 80x24: install a skill that asks for network (the review dialog, y), open its wizard, Tab to
    the grant box and type a pattern at key-repeat speed: `skill grants --json` has it, as typed."""
    import json

    from fixtures.network import github_manifest, skill_folder

    folder = skill_folder(tmp_path, github_manifest())
    app = terminal.start(skill_tui_argv(), terminal_env(engine.home), 80, 24)
    terminal.wait_for("no skills installed")
    app.wait_idle(within=10)
    terminal.keys("i")
    terminal.wait_for("Install a skill")
    terminal.type(str(folder), delay=0.005)
    terminal.keys("Enter")
    terminal.wait_for("It asks for:")
    assert json.loads(skill("list", "--json").stdout) == []  # nothing installed while the person reads
    terminal.keys("y")
    terminal.wait_for("─ gh · 2 ─")
    terminal.keys("c")
    terminal.wait_for("Configure gh@default")
    app.wait_idle(within=10)
    # token, its show button, plain_secret, its show button, host, two revoke buttons: the grant box.
    # Tab at a person's pace: keys typed within ~30 ms of a focus move still reach the control that had
    # the focus (Textual forwards each key to the focused widget's own queue as it arrives).
    terminal.keys(*["Tab"] * 7, delay=0.15)
    app.wait_idle(within=2)
    terminal.type("*.githubusercontent.com:8443", delay=0.03)  # key-repeat speed
    terminal.keys("Enter", delay=0.03)
    terminal.wait_for("granted")
    app.wait_idle(within=2)
    (access,) = json.loads(skill("grants", "gh", "--json").stdout)
    assert access["granted"] == ["*.githubusercontent.com:8443"]
    assert "*.githubusercontent.com:8443" in access["effective"]
    assert "Configure gh@default" in terminal.screen()  # enter granted; the wizard stays open
    terminal.keys("C-q")
    terminal_gone(terminal)
