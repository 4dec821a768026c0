"""Find a tool by what it does, across all installed skills, and open it in the run form.

Results come from the engine's search (`Engine.find`, the ranking `skill find` and
the MCP server use) and update as you type: each change waits 150 ms for the next
key, then one exclusive thread worker asks the engine (a newer query cancels an
older one). Scores are the engine's relevance, 0..1; when nothing comes close the
status says "no tool matches". The search model loads in a worker the first time
the screen opens; meanwhile the box says so and the engine's keyword matches (`find`
in mode WORDS: BM25, unscored, never waiting for the model) stand in. Enter opens the
highlighted tool's run form, pre-filled with what the query quoted (`slugify "Hello World"`); a hit
in a knowledge skill (its SKILL.md, or a file of it) says so and opens its knowledge view there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from engine import InstalledSkill, SkillError, no_match
from skill_tui.host import skill_app
from skill_tui.values import literal
from skill_tui.workers import ShowsWorkerFailures

if TYPE_CHECKING:
    from engine import Engine

DEBOUNCE_S = 0.15
TOP = 20
LOADING = "loading the model… (keyword matches meanwhile)"

BADGES = {"tools": "tool", "knowledge": "know", "both": "both"}  # a hit's skill kind, short beside its label


@dataclass(frozen=True)
class Chosen:
    """What Enter opens: a tool's run form (pre-filled), or with `tool` None the skill's knowledge view
    (at `path`, a file of it, when the hit was in one)."""

    skill: str
    tool: str | None
    values: dict[str, Any]
    path: str | None = None


def preview_text(hit: Any, scored: bool = True) -> Text:
    """The preview pane: ref, relevance, description, SKILL.md excerpt, parameters, command line."""
    out = Text()
    out.append(hit.ref, "bold")
    out.append(f"  {hit.score:.2f}\n" if scored else "\n", "dim")
    if hit.path:
        out.append(f"in {hit.path}\n", "italic")
    if hit.description:
        out.append(hit.description + "\n")
    if hit.excerpt:
        out.append("\n")
        out.append(hit.excerpt.strip() + "\n", "italic")
    if hit.params:
        out.append("\nparameters\n", "bold")
        for p in hit.params:
            flags = p.type + (", required" if p.required else "")
            default = f" = {literal(p.default)}" if p.default is not None else ""
            out.append(f"  {p.name}", "bold")
            out.append(f"  [{flags}]{default}")
            if p.description:
                out.append(f"  {p.description}", "dim")
            out.append("\n")
    out.append("\n$ ", "dim")
    out.append(hit.command)
    return out


class SearchScreen(ShowsWorkerFailures, ModalScreen[Chosen | None]):
    DEFAULT_CSS = """
    SearchScreen { align: center top; }
    SearchScreen > Vertical { width: 92%; max-width: 140; height: 80%; margin-top: 2; border: thick $primary;
                              background: $surface; }
    SearchScreen #search-status { height: 1; padding: 0 1; color: $text-muted; }
    SearchScreen #search-body { height: 1fr; }
    SearchScreen #results { width: 1fr; height: 1fr; border: none; }
    SearchScreen #preview-box { width: 1fr; height: 1fr; border-left: solid $primary-muted; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    def __init__(self, skills: list[InstalledSkill]) -> None:
        super().__init__()
        self.skills = {s.name: s for s in skills}
        self.hits: list[Any] = []  # engine.search.SearchHit
        self.scored = False  # the hits come from the model (keyword matches while it loads have no score)
        self.ready = False
        self.loaded_here = False  # the model was loading when the screen opened (the box said so)
        self.searches = 0  # finished semantic searches (tests wait on it)
        self._timer: Timer | None = None
        self._shown = ""  # the query the listed results answer
        self._enter_pending = False  # Enter came before the results of the latest keys

    @property
    def engine(self) -> Engine:
        return skill_app(self).engine

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Input(placeholder="what do you want to do? e.g. turn a title into a url slug", id="search-box")
            yield Static("", id="search-status")
            with Horizontal(id="search-body"):
                yield OptionList(id="results")
                with VerticalScroll(id="preview-box"):
                    yield Static("", id="preview")

    def on_mount(self) -> None:
        self.ready = self.engine.search_ready()  # light: no numpy, no model
        if not self.ready:
            self.loaded_here = True
            self._status(LOADING)
            self.query_one(Input).placeholder = "loading the model… type away, results follow"
            self._load_model()
        self._refresh_now()

    # ---- the model ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="search-model", exit_on_error=False)
    def _load_model(self) -> None:
        try:
            self.engine.prepare_search()
        except SkillError as e:
            self.app.call_from_thread(self._status, f"search unavailable: {e}")
            return
        except Exception as e:  # a broken model must not take the app down
            self.app.call_from_thread(self._status, f"search unavailable: {e!r}")
            return
        self.app.call_from_thread(self._model_ready)

    def _model_ready(self) -> None:
        self.ready = True
        self.query_one(Input).placeholder = "what do you want to do? e.g. turn a title into a url slug"
        self._refresh_now()

    # ---- searching ---------------------------------------------------------------------------

    @on(Input.Changed)
    def _changed(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_S, self._refresh_now)

    def _refresh_now(self) -> None:
        self._timer = None
        query = self.query_one(Input).value.strip()
        if query:
            self._search(query, self.ready)
        else:
            self._show_hits("", [], self.ready)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(self, query: str, scored: bool) -> None:
        from engine import WORDS

        try:
            hits = self.engine.find(query, top=TOP, mode="fused" if scored else WORDS)
        except SkillError as e:
            self.app.call_from_thread(self._status, f"error: {e}")
            return
        self.app.call_from_thread(self._show_hits, query, hits, scored)

    def _show_hits(self, query: str, hits: list[Any], scored: bool) -> None:
        if query != self.query_one(Input).value.strip() or (self.ready and not scored):
            return  # an older query's answer, or keyword matches that came after the model
        self.hits = hits
        self.scored = scored
        self._shown = query
        options = self.query_one(OptionList)
        options.clear_options()
        for n, h in enumerate(hits):
            score = (f"{h.score:.2f} ", "dim") if scored else ""
            label = Text.assemble(score, *self._kind(h), (h.ref, "bold"), "  ", (h.description, "dim"))
            label.truncate(200)
            options.add_option(Option(label, id=str(n)))
        if hits:
            options.highlighted = 0
            self._preview(0)
        else:
            self.query_one("#preview", Static).update("")
        if not scored:
            return  # the status keeps saying the model is loading
        self.searches += 1
        if self._enter_pending:
            self._enter_pending = False
            if hits:
                self._choose(0)
                return
        if not query:
            self._status(
                "type what you want to do; results are ranked by meaning and keywords, scored 0..1 by relevance"
            )
        else:
            self._status(f"{len(hits)} result{'s' if len(hits) != 1 else ''}" if hits else no_match(query))

    def _kind(self, hit: Any) -> tuple[tuple[str, str], ...]:
        """What a hit that is not a tool is: the skill's SKILL.md ("skill") or one of its files, with
        the skill's kind (the installed skill's, which the index may not know yet)."""
        if hit.kind == "tool":
            return ()
        skill = self.skills.get(hit.skill)
        kind = skill.kind if skill is not None else hit.skill_kind
        return ((f"[{hit.kind} · {BADGES.get(kind, kind)}] ", "italic"),)

    def _status(self, text: str) -> None:
        self.query_one("#search-status", Static).update(text)

    # ---- preview and choosing ----------------------------------------------------------------

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index is not None:
            self._preview(event.option_index)

    def _preview(self, index: int) -> None:
        if 0 <= index < len(self.hits):
            self.query_one("#preview", Static).update(preview_text(self.hits[index], self.scored))

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -1
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    @on(Input.Submitted)
    def _submit(self) -> None:
        options = self.query_one(OptionList)
        latest = self._timer is None and self._shown == self.query_one(Input).value.strip()
        if self.ready and not (latest and self.scored):
            self._enter_pending = True  # the model's results for the latest keys are on their way: choose the first
            return
        if options.highlighted is not None:
            self._choose(options.highlighted)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option_index)

    def _choose(self, index: int) -> None:
        if not 0 <= index < len(self.hits):
            return
        hit = self.hits[index]
        tool = hit.tool
        if tool is None:  # the skill's own knowledge, or one of its files
            skill = self.skills.get(hit.skill)
            if skill is None:
                return
            if skill.kind != "tools" or not skill.tools:  # its SKILL.md (at the file found), not a run form
                self.dismiss(Chosen(hit.skill, None, {}, hit.path))
                return
            tool = skill.tools[0].name
        self.dismiss(Chosen(hit.skill, tool, dict(hit.values)))
