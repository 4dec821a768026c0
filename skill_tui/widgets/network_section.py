"""The Network section of the instance wizard: what this instance may reach, and grant / revoke.

It lists every pattern the skill declares and every one a person granted, each with what it is now
(declared, granted, revoked) and one button: revoke what is in effect, grant again what was revoked.
Under the list, the host-bound secrets (which header goes to which hosts; never a value), then a box
to grant a new pattern. The engine checks the pattern (the manifest's grammar) and its one-line
refusal shows under the box, the text kept to fix. Changes are written at once through the engine,
as `skill grant` / `skill revoke` do, and count from the next run; Save and Cancel are about the
config fields above, not about these.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import HorizontalGroup, VerticalGroup
from textual.widgets import Button, Input, Static

from engine import NetworkAccess, SkillError
from skill_tui.focus import focus_now
from skill_tui.host import skill_app

PLACEHOLDER = "grant a pattern: api.example.com, *.example.com, http://localhost:8080"


def pattern_rows(access: NetworkAccess) -> list[tuple[str, str, bool]]:
    """(pattern, what it is, in effect) for every declared, granted and revoked pattern, declared first.

    `effective` holds the very strings of `declared` and `granted` that are in effect, so membership
    says it; a revoke is kept as the manifest spells the pattern, and one the skill no longer declares
    (after an upgrade) is listed as such."""
    rows = []
    for origin, patterns in (("declared", access.declared), ("granted", access.granted)):
        for pattern in patterns:
            live = pattern in access.effective
            rows.append((pattern, origin if live else f"{origin} · revoked", live))
    rows += [(p, "revoked", False) for p in access.revoked if p not in access.declared]
    return rows


class NetworkSection(VerticalGroup):
    """Grants of one instance; reads and writes go through the engine in workers."""

    DEFAULT_CSS = """
    NetworkSection { height: auto; margin-bottom: 1; }
    NetworkSection .net-row { height: auto; }
    NetworkSection .net-pattern { width: 1fr; padding: 1 0 0 2; }
    NetworkSection .net-state { width: 22; padding: 1 1 0 0; color: $text-muted; }
    NetworkSection .net-row.-revoked .net-pattern { color: $text-muted; text-style: strike; }
    NetworkSection .net-row Button { min-width: 14; }
    NetworkSection #net-none, NetworkSection .net-secret { padding: 0 0 0 2; color: $text-muted; }
    NetworkSection #net-grant-row { height: auto; margin-top: 1; }
    NetworkSection #net-input { width: 1fr; }
    NetworkSection #net-grant { min-width: 10; margin-left: 1; }
    NetworkSection #net-error { color: $text-error; padding: 0 0 0 1; display: none; }
    NetworkSection.-invalid #net-error { display: block; }
    NetworkSection #net-hint { color: $text-muted; padding: 0 0 0 1; }
    """

    def __init__(self, access: NetworkAccess) -> None:
        super().__init__(id="net")
        self.access = access
        self.working = False

    def compose(self) -> ComposeResult:
        yield Static("Network", classes="wz-group")
        yield VerticalGroup(id="net-rows")
        with HorizontalGroup(id="net-grant-row"):
            yield Input(placeholder=PLACEHOLDER, id="net-input")
            yield Button("Grant", id="net-grant")
        yield Static("", id="net-error", markup=False)
        yield Static(
            "grants and revokes are saved at once and count from the next run (`skill grants` lists them)",
            id="net-hint",
            markup=False,
        )

    async def on_mount(self) -> None:
        await self.show(self.access)

    async def show(self, access: NetworkAccess) -> None:
        """Rebuild the list from what the engine says now."""
        self.access = access
        box = self.query_one("#net-rows", VerticalGroup)
        await box.remove_children()
        rows: list[Static | HorizontalGroup] = []
        for pattern, state, live in pattern_rows(access):
            row = HorizontalGroup(
                Static(pattern, classes="net-pattern", markup=False),
                Static(state, classes="net-state"),
                Button(
                    "revoke" if live else "grant again", name=pattern, classes="net-revoke" if live else "net-regrant"
                ),
                classes="net-row" if live else "net-row -revoked",
            )
            rows.append(row)
        if not rows:
            rows.append(Static("none: this instance makes no requests until you grant a pattern", id="net-none"))
        for secret in access.injections:
            reach = "the skill reads it too" if secret.exposed else "never shown to the skill"
            line = Text(f"secret {secret.field} → {secret.header} to {', '.join(secret.hosts)} only ({reach})")
            rows.append(Static(line, classes="net-secret"))
        await box.mount_all(rows)

    def _error(self, message: str) -> None:
        self.query_one("#net-error", Static).update(message)
        self.set_class(bool(message), "-invalid")

    @on(Input.Changed, "#net-input")
    def _edited(self) -> None:
        self._error("")  # the refusal was about the text as it was

    @on(Input.Submitted, "#net-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()  # enter here grants; it does not move on to Save as in the fields above
        self._grant_typed()

    @on(Button.Pressed, "#net-grant")
    def _grant_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._grant_typed()

    @on(Button.Pressed, ".net-revoke")
    def _revoke_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        pattern = event.button.name or ""
        self._change(lambda engine, skill, instance: engine.revoke(skill, instance, [pattern]), f"revoked {pattern}")

    @on(Button.Pressed, ".net-regrant")
    def _regrant_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        pattern = event.button.name or ""
        self._change(lambda engine, skill, instance: engine.grant(skill, instance, [pattern]), f"granted {pattern}")

    def _grant_typed(self) -> None:
        text = self.query_one("#net-input", Input).value.strip()
        if not text:
            self._error("type a pattern first, e.g. api.example.com")
            return
        self._change(lambda engine, skill, instance: engine.grant(skill, instance, [text]), f"granted {text}", text)

    def _change(self, step: Callable[..., NetworkAccess], done: str, typed: str | None = None) -> None:
        if self.working:
            return
        self.working = True
        self._apply(step, done, typed)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _apply(self, step: Callable[..., NetworkAccess], done: str, typed: str | None) -> None:
        """engine.grant / engine.revoke (a config write under its lock): off the UI thread."""
        app = skill_app(self)
        try:
            access = step(app.engine, self.access.skill, self.access.instance)
        except SkillError as e:
            app.call_from_thread(self._refused, str(e))
        else:
            # call_from_thread awaits a coroutine function; mypy cannot solve its `T | Awaitable[T]` for one.
            app.call_from_thread(self._applied, access, done, typed)  # type: ignore[arg-type]
        finally:
            self.working = False

    def _refused(self, message: str) -> None:
        if self.is_attached:
            self._error(message)

    async def _applied(self, access: NetworkAccess, done: str, typed: str | None) -> None:
        if not self.is_attached:
            return
        await self.show(access)
        self.app.notify(f"{access.skill}@{access.instance}: {done}", title="Network", timeout=4)
        if typed is not None:
            box = self.query_one("#net-input", Input)
            if box.value.strip() == typed:  # not what was typed since
                box.value = ""
            focus_now(box)
