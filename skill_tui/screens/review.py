"""The capability review of an install: what a skill asks for, shown before anything is installed.

The engine calls the review from the install's worker thread once the skill is read and before a
byte is written (`Engine.install(review=...)`); `ask_review` shows this dialog on the UI thread and
waits for the answer there. It asks when the engine's `needs_consent` says a person must (a skill
that wants network, or an upgrade that wants more than was accepted), as `skill install` asks
`[y/N]`, so both front doors ask the same question for the same skill.

A first install lists everything: network patterns, the secrets it keeps (and, for host-bound ones,
the header and the hosts that receive them), its /data folder, its limits. An upgrade leads with
what it asks beyond what was accepted for the installed version, then everything it asks for.
"""

from __future__ import annotations

import threading
from typing import Any

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static
from textual.worker import get_current_worker

from engine import SCRIPTS_LINE, Asked, CapabilityReview
from skill_tui.screens.prompts import DIALOG_CSS
from skill_tui.typing_keys import KeepsTypedKeys


def asked_text(asked: Asked) -> Text:
    """Everything one version asks for, one item a line under its heading."""
    text = Text()
    text.append("Network\n", style="bold")
    for pattern in asked.network:
        text.append(f"• {pattern}\n")
    if not asked.network:
        text.append("none\n", style="italic")
    if asked.secrets:
        text.append("Secrets\n", style="bold")
        for secret in asked.secrets:
            text.append(f"• {secret.describe().removeprefix('secret ')}\n")
    text.append("Files\n", style="bold").append("• its own /data folder per instance, nothing else\n")
    if asked.scripts:
        text.append("Scripts\n", style="bold").append(f"• {SCRIPTS_LINE.removeprefix('scripts: ')}\n")
    text.append("Limits\n", style="bold").append(f"• {asked.timeout_s:g} s and {asked.memory_mb} MiB per run")
    return text


class InstallReview(KeepsTypedKeys, ModalScreen[bool]):
    """Install / Cancel on what a skill asks for. Cancel has the focus: enter alone installs nothing."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(cls="InstallReview")
        + """
    InstallReview > Vertical { width: 84; max-height: 100%; }
    InstallReview VerticalScroll { height: auto; }
    InstallReview #review-widened { height: auto; color: $text-warning; margin-bottom: 1; }
    InstallReview #review-asked { height: auto; }
    """
    )
    BINDINGS = [
        Binding("escape,n", "dismiss(False)", "Cancel"),
        Binding("y", "dismiss(True)", "Install"),
    ]

    def __init__(self, review: CapabilityReview) -> None:
        super().__init__()
        self.review = review

    def compose(self) -> ComposeResult:
        r = self.review
        upgrade = r.previous_version is not None
        verb = "Upgrade" if upgrade else "Install"
        with Vertical():
            if upgrade:
                yield Label(Text(f"{verb} {r.skill} {r.previous_version} → {r.version}?", style="bold"))
            else:
                question = f"{verb} {r.skill} {r.version}?"
                yield Label(Text.assemble((question, "bold"), " It asks for:"))
            with VerticalScroll():
                if upgrade:
                    widened = Text(f"More than you accepted for {r.previous_version}:\n", style="bold")
                    widened.append("\n".join(f"  + {line}" for line in r.widened), style="")
                    yield Static(widened, id="review-widened")
                    yield Label("Everything it asks for:")
                yield Static(asked_text(r.asked), id="review-asked")
            with Horizontal():
                yield Button("Cancel (esc)", id="no")
                yield Button(f"{verb} (y)", id="yes", variant="warning")
            yield Static(f"y: {verb.lower()} · n / esc: cancel, nothing is installed", classes="dialog-hint")

    CHROME = 14
    """Rows around the list: border, padding, question, buttons, keys (and a spare one)."""

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()
        self.on_resize()

    def on_resize(self) -> None:
        """The list scrolls, so the question, Install / Cancel and the keys stay on screen at 80x24."""
        self.query_one(VerticalScroll).styles.max_height = max(3, self.size.height - self.CHROME)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


def ask_review(app: App[Any], review: CapabilityReview) -> bool:
    """The engine's install review callback, run in the install's worker thread: show the dialog when
    the engine says a person must consent, and wait for the answer (False if the worker is cancelled,
    say the app quits, so nothing is installed behind the person's back)."""
    if not review.needs_consent:
        return True
    answered = threading.Event()
    answer: list[bool] = []

    def done(result: bool | None) -> None:
        answer.append(bool(result))
        answered.set()

    app.call_from_thread(app.push_screen, InstallReview(review), done)
    worker = get_current_worker()
    while not answered.wait(0.1):
        if worker.is_cancelled:
            return False
    return answer[0]
