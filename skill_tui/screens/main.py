"""The main screen: skills, instances, tools, the run form and the live log.

Every engine call runs in a worker thread; results come back as messages, so the
screen answers keys while skills run (a spinning skill included).
"""

from __future__ import annotations

import json
import subprocess
import time
from functools import partial
from typing import Any

from textual import on, work
from textual.app import ComposeResult, SuspendNotSupported
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header, Input

from engine import (
    ConfigReport,
    Engine,
    InstalledSkill,
    RunEvent,
    RunFinished,
    RunOutput,
    RunRequest,
    RunStarted,
    SkillError,
    ToolRef,
    UpdateInfo,
)
from skill_tui import HEADER_ICON
from skill_tui.editor import editor_command, opening
from skill_tui.focus import focus_now
from skill_tui.host import skill_app
from skill_tui.messages import RunEnded, RunEventPosted, RunRefused, SkillsChanged
from skill_tui.requests import request_entry, requests_summary
from skill_tui.screens.export import ExportDialog
from skill_tui.screens.runs import ActiveRun, RunsScreen
from skill_tui.screens.validation import ValidationPanel
from skill_tui.widgets.footer import Footer
from skill_tui.widgets.instances_pane import InstancesPane
from skill_tui.widgets.knowledge_view import KNOWLEDGE_KEYS, SKILL_MD, KnowledgeView
from skill_tui.widgets.log_view import LogView
from skill_tui.widgets.mcp_status import McpStatus
from skill_tui.widgets.run_form import RunForm
from skill_tui.widgets.skills_pane import KNOWLEDGE_MARK, SkillRow, SkillsPane
from skill_tui.widgets.tools_pane import ToolsPane
from skill_tui.workers import ShowsWorkerFailures


def clock() -> str:
    """Wall-clock time shown before each log line."""
    return time.strftime("%H:%M:%S")


SETTLE = 0.12  # seconds of quiet after a selection key before the panes follow (key repeat: ~33 ms;
#               a refill costs 0.1-0.3 s of layout, so a held arrow key must not trigger one per row)


def has_docs(skill: InstalledSkill) -> bool:
    """A skill whose SKILL.md the knowledge view can show (a component skill may have none)."""
    return skill.kind != "tools" or bool(skill.skill_md)


def format_duration(ms: float) -> str:
    return f"{ms:.0f} ms" if ms < 10_000 else f"{ms / 1000:.1f} s"


class MainScreen(ShowsWorkerFailures, Screen[None]):
    AUTO_FOCUS = "#skills-table"
    # The footer shows what fits in 80 columns; every binding is in help (f1) and the palette (ctrl+p).
    BINDINGS = [
        Binding("slash", "filter_skills", "Filter", id="filter"),
        Binding("f5", "rerun", "Re-run", id="rerun", show=False),
        Binding("ctrl+t", "cancel", "Stop", id="cancel"),
        Binding("r", "runs", "Runs", id="runs"),
        Binding("ctrl+f", "find_in_log", "Find in log", id="find-in-log", show=False),
        Binding("n", "new_instance", "New instance", id="new-instance", show=False),
        Binding("c", "configure", "Config", id="configure", tooltip="Configure the selected instance"),
        Binding("delete", "remove", "Remove skill", id="remove", show=False),
        Binding(
            "u", "update", "Update skill", id="update", show=False, tooltip="Update the selected skill from its source"
        ),
        Binding(
            "k",
            "kind_filter",
            "Kind",
            id="kind-filter",
            show=False,
            tooltip="Kind filter: all skills, tools, knowledge",
        ),
        Binding(
            "m", "toggle_docs", "SKILL.md", id="docs", show=False, tooltip="Show SKILL.md and files, or the run form"
        ),
        # v, e and o are in the footer while the knowledge view has the focus (its own bindings, same ids)
        *KNOWLEDGE_KEYS,
        Binding("ctrl+b", "toggle_sidebar", "Sidebar", id="toggle-sidebar", show=False),
        Binding("ctrl+g", "toggle_log", "Maximize log", id="toggle-log", show=False),
        Binding("ctrl+left", "resize_sidebar(-4)", "Narrower sidebar", id="sidebar-narrower", show=False),
        Binding("ctrl+right", "resize_sidebar(4)", "Wider sidebar", id="sidebar-wider", show=False),
        Binding("ctrl+up", "resize_log(3)", "Taller log", id="log-taller", show=False),
        Binding("ctrl+down", "resize_log(-3)", "Shorter log", id="log-shorter", show=False),
    ]

    # None: the stylesheet's proportional size; a number once the user resized with keys
    sidebar_width: reactive[int | None] = reactive(None)
    log_height: reactive[int | None] = reactive(None)

    def __init__(self) -> None:
        super().__init__()
        self.skills: dict[str, InstalledSkill] = {}
        self.current: str | None = None
        self._statuses: dict[str, list[ConfigReport]] = {}
        self.active: list[ActiveRun] = []  # runs in flight, oldest first
        self._last: tuple[str, dict[str, Any]] | None = None
        self._run_numbers: dict[str, int] = {}  # engine run id -> #n shown in the log
        self.finished = 0  # runs that ended (finished or refused), for tests and scripts
        self.updates: dict[str, UpdateInfo] = {}  # skills whose source has moved on (the "↑" mark)
        self._opening: tuple[tuple[str, str], dict[str, Any] | None] | None = None  # open_tool's (skill, tool), values
        self._pending_instance: str | None = None  # select this instance once the panes reload
        self._settle: Timer | None = None  # pending selection from the skills list
        self.docs = False  # a skill with tools and a SKILL.md shows its SKILL.md (m), not the run form

    @property
    def running(self) -> int:
        return len(self.active)

    @property
    def engine(self) -> Engine:
        return skill_app(self).engine

    def compose(self) -> ComposeResult:
        yield Header(icon=HEADER_ICON)
        with Horizontal(id="top"):
            with Vertical(id="sidebar"):
                yield SkillsPane(id="skills")
                yield InstancesPane(id="instances")
            yield ToolsPane(id="tools")
            yield RunForm(id="run-form")
            yield KnowledgeView(id="knowledge", classes="hidden")
        with Vertical(id="log-panel"):
            yield Input(placeholder="find in log (enter: next, esc: close)", id="log-search", classes="hidden")
            yield LogView(id="log")
            yield McpStatus(id="mcp-status")
        yield Footer()

    UPDATES_FIRST_S = 5.0  # after start: the first paint and the first keys come first
    UPDATES_EVERY_S = 600.0

    def on_mount(self) -> None:
        self.query_one("#log-panel").border_title = "Log"
        self.reload()
        self.set_timer(self.UPDATES_FIRST_S, self.check_updates)
        self.set_interval(self.UPDATES_EVERY_S, self.check_updates)

    @work(thread=True, exclusive=True, group="updates", exit_on_error=False)
    def check_updates(self) -> None:
        """Ask each skill's source what it points at now (a HEAD request, `git ls-remote`, a folder's
        hashes; nothing is fetched) for the skills pane's "update available" mark."""
        try:
            infos = self.engine.updates()
        except SkillError:
            return  # a source that cannot be asked is not an update; `skill update --check` says why
        self.app.call_from_thread(self._show_updates, {i.name: i for i in infos if i.available})

    def _show_updates(self, updates: dict[str, UpdateInfo]) -> None:
        new = sorted(set(updates) - set(self.updates))
        if new:  # said once per skill, not at every check
            self.notify(f"{', '.join(new)}: press u on a skill marked ↑ to update it", title="Update available")
        self.updates = updates
        self.query_one(SkillsPane).show([self._row(s) for s in self.skills.values()])

    # ---- loading --------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def reload(self) -> None:
        """Read skills and instance states from the engine (files: off the UI thread)."""
        try:
            skills = self.engine.skills()
            statuses = {s.name: self.engine.instance_status(s.name) for s in skills}
        except SkillError as e:
            self.app.call_from_thread(self.notify, str(e), severity="error", timeout=8)
            return
        self.app.call_from_thread(self._show_skills, skills, statuses)

    def _show_skills(self, skills: list[InstalledSkill], statuses: dict[str, list[ConfigReport]]) -> None:
        """Show what the engine has now; the selected skill, tool and instance stay selected."""
        before = self.skills.get(self.current) if self.current else None
        self.skills = {s.name: s for s in skills}
        self._statuses = statuses
        self.query_one(SkillsPane).show([self._row(s) for s in skills])
        if not skills:
            self.current = None
            self.query_one(LogView).append(
                "info", "no skills installed: press i to install one, or run `skill install PATH`"
            )
        elif self.current not in self.skills:
            self._select(skills[0].name)
        elif self.skills[self.current] != before:
            shown = self.query_one(RunForm).tool
            self._select(self.current, shown.name if shown else None)
        else:  # same skill: only the instances (and their readiness) may have changed
            self.query_one(InstancesPane).show(
                self.current, statuses.get(self.current, []), select=self._pending_instance
            )
            self._refresh_instances_in_form()
        self._pending_instance = None

    def _row(self, s: InstalledSkill) -> SkillRow:
        states = self._statuses.get(s.name, [])
        default = next((st for st in states if st.instance == "default"), None)
        status = KNOWLEDGE_MARK if s.kind == "knowledge" else "✔" if default is None or default.ready else "⚠ config"
        version = f"{s.version} ↑" if s.name in self.updates else s.version
        return SkillRow(s.name, version, len(s.tools), len(states), status, s.kind)

    @on(SkillsChanged)
    def _skills_changed(self, message: SkillsChanged) -> None:
        if message.select_instance:
            self._pending_instance = message.select_instance
        self.reload()

    def _refresh_instances_in_form(self) -> None:
        names = [s.instance for s in self._statuses.get(self.current or "", [])]
        self.query_one(RunForm).set_instances(names)

    # ---- selection ------------------------------------------------------------------------

    @on(SkillsPane.Selected)
    def _skill_selected(self, event: SkillsPane.Selected) -> None:
        """Show the skill the cursor stopped on. The panes follow once the keys pause for
        SETTLE seconds: each refill costs a layout pass (~80 ms), so a held arrow key pays one, not one
        per row passed."""
        if self._settle is not None:
            self._settle.stop()
        self._settle = self.set_timer(SETTLE, partial(self._settled, event.name))

    def _settled(self, name: str) -> None:
        self._settle = None
        if name != self.current and name in self.skills and name == self.query_one(SkillsPane).selected:
            self._select(name, from_pane=True)

    def _select(self, name: str, tool: str | None = None, *, from_pane: bool = False) -> None:
        """Show skill `name` in every pane. `from_pane`: the skills list chose it, so its cursor is there."""
        skill = self.skills[name]
        if name != self.current:
            self.docs = False  # a skill with tools opens on its run form
        self.current = name
        self._show_view(skill)
        if not from_pane:
            self.query_one(SkillsPane).select(name)
        self.query_one(InstancesPane).show(name, self._statuses.get(name, []), select=self._pending_instance)
        self.query_one(ToolsPane).show(name, skill.tools, selected=tool)  # its Highlighted loads the form
        if not skill.tools:
            self._load_form(name, None)

    def _load_form(
        self, skill: str, tool: str | None, instance: str | None = None, values: dict[str, Any] | None = None
    ) -> AwaitComplete:
        names = [s.instance for s in self._statuses.get(skill, [])] or ["default"]
        return self.query_one(RunForm).load(self.skills[skill], tool, names, instance=instance, values=values)

    @on(ToolsPane.Highlighted)
    async def _tool_highlighted(self, event: ToolsPane.Highlighted) -> None:
        if event.skill != self.current or event.tool != self.query_one(ToolsPane).selected:
            return  # stale: the user moved on before this message arrived
        opening = self._opening
        opened = opening if opening is not None and opening[0] == (event.skill, event.tool.name) else None
        if opened is not None:
            self._opening = None
        values = opened[1] if opened is not None else None
        await self._load_form(event.skill, event.tool.name, self.query_one(InstancesPane).selected, values)
        if opened is not None:
            self.query_one(RunForm).focus_first_field()

    def _show_view(self, skill: InstalledSkill, path: str | None = None) -> None:
        """The run form (tools pane beside it), or for a knowledge skill (and a skill with both when
        `m` asked) the knowledge view in their place."""
        docs = skill.kind == "knowledge" or (self.docs and has_docs(skill))
        self.query_one(ToolsPane).set_class(docs, "hidden")
        self.query_one(RunForm).set_class(docs, "hidden")
        view = self.query_one(KnowledgeView)
        view.set_class(not docs, "hidden")
        if docs:
            view.show(skill, path)

    @property
    def showing_docs(self) -> bool:
        return not self.query_one(KnowledgeView).has_class("hidden")

    @on(SkillsPane.Chosen)
    def _skill_chosen(self) -> None:
        focus_now(self.query_one("#files" if self.showing_docs else "#tools-list"))

    @on(ToolsPane.Chosen)
    def _tool_chosen(self) -> None:
        self.query_one(RunForm).focus_first_field()

    @on(InstancesPane.Chosen)
    def _instance_chosen(self, event: InstancesPane.Chosen) -> None:
        if self.current:
            skill_app(self).configure(self.current, event.instance)

    @on(InstancesPane.Selected)
    def _instance_selected(self, event: InstancesPane.Selected) -> None:
        self.query_one(RunForm).set_instance(event.instance)

    def open_tool(self, skill: str, tool: str, values: dict[str, Any] | None = None) -> None:
        """Select a skill and tool, fill the run form with `values` and focus it (search, history)."""
        if skill not in self.skills:
            self.notify(f"{skill} is not installed any more", severity="warning")
            return
        self._opening = ((skill, tool), values)
        self.docs = False
        self._select(skill, tool)

    def open_docs(self, skill: str, path: str | None = None) -> None:
        """Select a skill and show its SKILL.md (or its file `path`) in the knowledge view (search)."""
        if skill not in self.skills:
            self.notify(f"{skill} is not installed any more", severity="warning")
            return
        if skill != self.current:
            self._select(skill)
        self.docs = True
        self._show_view(self.skills[skill], path)
        focus_now(self.query_one("#files"))

    # ---- running --------------------------------------------------------------------------

    @on(RunForm.Submitted)
    def _submitted(self, event: RunForm.Submitted) -> None:
        self.start_run(event.ref, event.args)

    def start_run(self, ref: str, args: dict[str, Any]) -> None:
        parsed = ToolRef.parse(ref)
        skill, instance = parsed.skill, parsed.instance
        status = next((s for s in self._statuses.get(skill, []) if s.instance == instance), None)
        if status is not None and not status.ready:
            missing = ", ".join([*status.missing, *status.problems])
            self.notify(
                f"{skill}@{instance} is not ready: {missing}",
                title="Configuration needed",
                severity="warning",
                timeout=8,
            )
            skill_app(self).configure(skill, instance)
            return
        self._last = (ref, args)
        run = ActiveRun(ref, args)
        self.active.append(run)
        self._update_running()
        self._run(run)

    @work(thread=True, group="runs", exit_on_error=False)
    def _run(self, run: ActiveRun) -> None:
        def on_event(event: RunEvent) -> None:
            if isinstance(event, RunStarted):
                run.run_id = event.run_id  # before the message, so the UI can match the two
            self.post_message(RunEventPosted(event))

        try:
            self.engine.run(run.ref, run.args, on_event=on_event, cancel=run.cancel, source="tui")
        except SkillError as e:
            self.post_message(RunRefused(run.ref, str(e)))
        except Exception as e:  # a bug in a run must never take the app down
            self.post_message(RunRefused(run.ref, f"internal error: {e!r}"))
        finally:
            self.post_message(RunEnded(run))

    @on(RunEnded)
    def _run_ended(self, message: RunEnded) -> None:
        if message.run in self.active:
            self.active.remove(message.run)
        self._update_running()

    def _update_running(self) -> None:
        self.refresh_bindings()
        n = len(self.active)
        self.query_one("#log-panel").border_title = f"Log · {n} running (r: runs)" if n else "Log"

    @on(RunEventPosted)
    def _log_event(self, message: RunEventPosted) -> None:
        log = self.query_one(LogView)
        e = message.event
        number = self._run_numbers.setdefault(e.run_id, len(self._run_numbers) + 1)
        prefix = f"{clock()} #{number}"
        if isinstance(e, RunStarted):
            for run in self.active:
                if run.run_id == e.run_id:
                    run.number, run.ref = number, str(ToolRef(e.skill, e.tool, e.instance))
            args = json.dumps(e.args, ensure_ascii=False) if e.args else ""
            log.append("start", f"▶ {ToolRef(e.skill, e.tool, e.instance)} {args}", prefix)
        elif isinstance(e, RunOutput):
            log.append(e.stream, e.text, prefix)
        elif isinstance(e, RunRequest):
            log.append(*request_entry(e.record, format_duration(e.record.duration_ms)), prefix)
        elif isinstance(e, RunFinished):
            self.finished += 1
            self._log_result(log, e, prefix)

    def _log_result(self, log: LogView, e: RunFinished, prefix: str) -> None:
        r = e.result
        took = format_duration(r.duration_ms) + requests_summary(r.requests)
        if r.stopped == "cancelled":
            log.append("stopped", f"■ {r.ref}  stopped  ({took})", prefix)
            self.notify(f"{r.ref} stopped", timeout=4)
            return
        if not r.ok:
            log.append("error", f"✘ {r.ref}  {r.error}  ({took})", prefix)
            self.notify(r.error or "failed", title=f"{r.ref} failed", severity="error", timeout=6)
            return
        log.append("ok", f"✔ {r.ref}  ({took})", prefix)
        if r.output:
            try:
                log.append_json("info", json.loads(r.output), prefix)
            except ValueError:
                log.append("info", r.output, prefix)
        if r.data is not None:
            log.append_json("info", r.data, prefix)

    @on(RunRefused)
    def _refused(self, message: RunRefused) -> None:
        self.finished += 1
        self.query_one(LogView).append("error", f"✘ {message.ref}  {message.error}", clock())
        self.notify(message.error, title="Not run", severity="error", timeout=8)

    def action_rerun(self) -> None:
        if self._last is None:
            self.notify("nothing to re-run yet")
            return
        self.start_run(*self._last)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Stop shows in the footer (and works) only while something runs."""
        if action == "cancel":
            return any(not r.stopping for r in self.active)
        return True

    def action_cancel(self) -> None:
        """Stop the latest run that is not already stopping (the Runs view stops any of them)."""
        run = next((r for r in reversed(self.active) if not r.stopping), None)
        if run is None:
            self.notify("no run in progress")
            return
        run.cancel.set()
        self.refresh_bindings()
        self.notify(f"stopping {run.ref}" + (f" (#{run.number})" if run.number else ""), timeout=3)

    def action_runs(self) -> None:
        self.app.push_screen(RunsScreen(self.active))

    # ---- layout ---------------------------------------------------------------------------

    def watch_sidebar_width(self, width: int | None) -> None:
        if width is not None:  # the user's width wins over the stylesheet's limits
            styles = self.query_one("#sidebar").styles
            styles.min_width = styles.max_width = styles.width = width

    def watch_log_height(self, height: int | None) -> None:
        if height is not None:  # the user's size wins; the panes above take the rest
            self.query_one("#log-panel").styles.height = height
            self.query_one("#top").styles.height = "1fr"

    def action_resize_sidebar(self, delta: int) -> None:
        current = self.query_one("#sidebar").outer_size.width
        self.sidebar_width = max(20, min(self.size.width - 30, current + delta))

    def action_resize_log(self, delta: int) -> None:
        current = self.query_one("#log-panel").outer_size.height
        self.log_height = max(5, min(self.size.height - 8, current + delta))

    def action_toggle_sidebar(self) -> None:
        self.query_one("#sidebar").toggle_class("hidden")

    def action_toggle_log(self) -> None:
        self.log_height = None
        self.query_one("#log-panel").styles.height = None  # back to the stylesheet's sizes
        self.query_one("#top").styles.height = None
        self.query_one("#top").toggle_class("hidden")
        self.query_one("#log-panel").toggle_class("maximized")

    def action_filter_skills(self) -> None:
        focus_now(self.query_one("#skill-filter", Input))

    # ---- log search -----------------------------------------------------------------------

    def action_find_in_log(self) -> None:
        box = self.query_one("#log-search", Input)
        box.remove_class("hidden")
        focus_now(box)

    @on(Input.Changed, "#log-search")
    def _search_changed(self, event: Input.Changed) -> None:
        log = self.query_one(LogView)
        if event.value:
            log.search(event.value)
        else:
            log.clear_search()

    @on(Input.Submitted, "#log-search")
    def _search_next(self) -> None:
        """Enter jumps to the first match and hands the keys to the log: n / N, not more typing."""
        log = self.query_one(LogView)
        log.next_match()
        focus_now(log)

    @on(LogView.SearchChanged)
    def _search_state(self, event: LogView.SearchChanged) -> None:
        self.query_one("#log-panel").border_subtitle = (
            f"{event.current}/{event.matches} matches" if event.matches else "no matches"
        )

    def key_escape(self) -> None:
        """Close the log search, or step out of the run form back to the tools list (out of the
        knowledge view back to the skills list)."""
        if self.focused is not None and self.query_one(RunForm) in self.focused.ancestors:
            focus_now(self.query_one("#tools-list"))
            return
        if self.focused is not None and self.query_one(KnowledgeView) in self.focused.ancestors:
            focus_now(self.query_one("#skills-table"))
            return
        box = self.query_one("#log-search", Input)
        if not box.has_class("hidden") or self.query_one(LogView).search_term:
            box.value = ""
            self.query_one(LogView).clear_search()
            box.add_class("hidden")
            self.query_one("#log-panel").border_subtitle = ""
            focus_now(self.query_one(LogView))

    # ---- skill and instance actions ---------------------------------------------------------

    def action_new_instance(self) -> None:
        if self.current and self._has_config(self.current):
            skill_app(self).action_new_instance(self.current)

    def action_configure(self) -> None:
        if self.current and self._has_config(self.current):
            skill_app(self).configure(self.current, self.query_one(InstancesPane).selected)

    def _has_config(self, name: str) -> bool:
        """False (and says so) for a knowledge skill: no config, no instances, nothing to run."""
        skill = self.skills.get(name)
        if skill is not None and skill.kind == "knowledge":
            self.notify(f"{name} is a knowledge skill: it has no config and no instances")
            return False
        return True

    def action_remove(self) -> None:
        if self.current:
            skill_app(self).action_remove_skill(self.current)

    def action_update(self) -> None:
        if self.current:
            skill_app(self).update_skill(self.current)

    # ---- knowledge ----------------------------------------------------------------------------

    def action_kind_filter(self) -> None:
        self.query_one(SkillsPane).cycle_kind()

    def action_toggle_docs(self) -> None:
        """A skill with tools and a SKILL.md: swap the run form and its knowledge view."""
        skill = self.skills.get(self.current or "")
        if skill is None:
            return
        if skill.kind == "knowledge":
            self.notify(f"{skill.name} is a knowledge skill: it has no tools to run")
        elif not has_docs(skill):
            self.notify(f"{skill.name} has no SKILL.md")
        else:
            self.docs = not self.showing_docs
            self._show_view(skill)

    def action_validate(self) -> None:
        if self.current:
            self.app.push_screen(ValidationPanel(self.skills[self.current]))

    def action_export(self) -> None:
        if self.current:
            self.app.push_screen(ExportDialog(self.current))

    def action_edit(self) -> None:
        """Open the file under the knowledge view's cursor (else SKILL.md) in $EDITOR; the app
        steps aside (App.suspend) until the editor exits."""
        skill = self.skills.get(self.current or "")
        if skill is None:
            return
        command = editor_command()
        if command is None:
            self.notify("set $EDITOR (or $VISUAL) to open files, e.g. export EDITOR=nano", severity="warning")
            return
        path = self.query_one(KnowledgeView).selected_file if self.showing_docs else SKILL_MD
        try:
            target = opening(skill, path, partial(self.engine.skill_file, skill.name, path))
            with self.app.suspend():
                subprocess.run([*command, str(target.file)], check=False)
        except SkillError as e:
            self.notify(str(e), severity="error", timeout=8)
            return
        except SuspendNotSupported:
            self.notify("this terminal cannot hand the screen to an editor", severity="error")
            return
        except OSError as e:
            self.notify(f"could not start {command[0]}: {e.strerror}", severity="error", timeout=8)
            return
        if target.kept:
            self.notify(f"{target.file} is in the source folder: install it again to use an edit", title=skill.name)
        else:
            self.notify(f"{path} opened as a read-only copy: edits are not kept", title=skill.name)
