"""The knowledge view: a skill's SKILL.md and its other files, in place of the run form.

Left, the package's files as recorded at install (`InstalledSkill.files`): a Tree built from those
paths, not a DirectoryTree over the package folder, which also holds the store's skill.json and
component.wasm. Right, a MarkdownViewer with its table of contents (shown when the viewer has room
for it next to the text). SKILL.md's body is already in memory; any other file is read by the
engine in a worker (`Engine.skill_file`: only recorded files, text only; a binary or non-UTF-8 file
shows the engine's one line instead). A file that is not Markdown shows as a fenced code block.
Links between the skill's files open here; nothing outside the package is ever read.
"""

from __future__ import annotations

import posixpath
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import MarkdownViewer, Tree
from textual.widgets.markdown import Markdown
from textual.widgets.tree import TreeNode

from engine import InstalledSkill, SkillError
from skill_tui.host import skill_app
from skill_tui.workers import ShowsWorkerFailures

SKILL_MD = "SKILL.md"
TOC_FROM = 64  # columns of the viewer from which the contents fit beside the text
LANGUAGES = {".sh": "bash", ".py": "python", ".js": "javascript", ".ts": "typescript", ".json": "json"}
LANGUAGES |= {".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".html": "html", ".css": "css"}


def as_markdown(path: str, text: str) -> str:
    """What the viewer shows for `path`: Markdown as is, anything else fenced (with a fence longer
    than any run of backticks in the text, so the file cannot close it)."""
    suffix = posixpath.splitext(path)[1].lower()
    if suffix in (".md", ".markdown"):
        return text
    fence = "`" * max(3, _longest_backticks(text) + 1)
    return f"{fence}{LANGUAGES.get(suffix, 'text')}\n{text.rstrip()}\n{fence}\n"


def _longest_backticks(text: str) -> int:
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return longest


def linked_path(current: str, href: str) -> str | None:
    """The package path a relative link in `current` points at, or None when it leaves the package."""
    target = href.partition("#")[0]
    if not target or "://" in target or target.startswith(("/", "mailto:")):
        return None
    path = posixpath.normpath(posixpath.join(posixpath.dirname(current), target))
    return None if path == ".." or path.startswith("../") else path


def _keys(show: bool, screen: str = "") -> list[BindingType]:
    return [
        Binding(
            "v",
            f"{screen}validate",
            "Validate",
            id="validate",
            show=show,
            tooltip="Validate against the Agent Skills spec",
        ),
        Binding(
            "e",
            f"{screen}export",
            "Export",
            id="export",
            show=show,
            tooltip="Export to .claude/skills or .agents/skills",
        ),
        Binding("o", f"{screen}edit", "Edit", id="edit", show=show, tooltip="Open the selected file in $EDITOR"),
    ]


KNOWLEDGE_KEYS = _keys(show=False)  # the main screen's: they work wherever the focus is
"""v, e and o; the view binds the same keys (and ids, so a remapping moves both) to show them in the footer."""


class SkillDocument(MarkdownViewer):
    """The viewer, with links kept inside the skill: a link to one of its files opens that file here,
    a web link opens in the browser, anything else says why it does not open."""

    class FileLinked(Message):
        def __init__(self, path: str) -> None:
            super().__init__()
            self.path = path

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(open_links=False, **kwargs)
        self.path = SKILL_MD
        self.files: set[str] = set()

    async def _on_markdown_link_clicked(self, message: Markdown.LinkClicked) -> None:
        message.stop()
        message.prevent_default()  # MarkdownViewer would load the link from the current directory
        href = message.href
        if href.startswith("#"):
            self.document.goto_anchor(href[1:])
        elif href.startswith(("http://", "https://")):
            self.app.open_url(href)
        elif (path := linked_path(self.path, href)) in self.files:
            self.post_message(self.FileLinked(path))
        else:
            self.notify(f"{href}: not a file of this skill", severity="warning")

    def on_resize(self) -> None:
        self.show_table_of_contents = self.size.width >= TOC_FROM


class KnowledgeView(ShowsWorkerFailures, Horizontal):
    """Files on the left, the selected one on the right. `show(skill, path)` opens `path` (default SKILL.md)."""

    BINDINGS = _keys(show=True, screen="screen.")
    DEFAULT_CSS = """
    KnowledgeView { width: 1fr; }
    KnowledgeView > Tree { width: 30; border: round $border-blurred; border-title-color: $text-muted;
                           background: transparent; }
    KnowledgeView > Tree:focus { border: round $primary; border-title-color: $primary; }
    KnowledgeView > SkillDocument { width: 1fr; border: round $border-blurred; border-title-color: $text-muted;
                                    border-subtitle-color: $text-muted; }
    KnowledgeView > SkillDocument:focus-within { border: round $primary; border-title-color: $primary; }
    KnowledgeView MarkdownTableOfContents { max-width: 28; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.skill: InstalledSkill | None = None
        self.opened: str | None = None  # the path shown, once its text is in the viewer
        self._wanted: str | None = None  # the path asked for last (an older read that ends later is dropped)

    def compose(self) -> ComposeResult:
        tree: Tree[str] = Tree("files", id="files")
        tree.border_title = "Files"
        tree.show_root = False
        yield tree
        yield SkillDocument(id="doc")

    @property
    def document(self) -> SkillDocument:
        return self.query_one(SkillDocument)

    def show(self, skill: InstalledSkill, path: str | None = None) -> None:
        """Show `skill`'s files and open `path` (SKILL.md when None or not one of its files)."""
        paths = [f.path for f in skill.files]
        if path is None and self.skill is not None and self.skill.name == skill.name:
            path = self._wanted  # the same skill reloaded (installed again, configured): stay on the file
        if skill != self.skill:
            self.skill = skill
            self._fill(paths)
            self.document.files = set(paths)
        self.open(path if path in paths else SKILL_MD)

    def _fill(self, paths: list[str]) -> None:
        tree = self.query_one(Tree)
        tree.clear()
        folders: dict[str, TreeNode[str]] = {"": tree.root}
        # SKILL.md first, then folders before the files beside them, each sorted
        for path in sorted(paths, key=lambda p: (p != SKILL_MD, p.count("/") == 0, p)):
            parent = ""
            for part in path.split("/")[:-1]:
                here = f"{parent}/{part}" if parent else part
                if here not in folders:
                    folders[here] = folders[parent].add(part + "/", expand=len(paths) <= 50)
                parent = here
            folders[parent].add_leaf(posixpath.basename(path), data=path)

    def open(self, path: str) -> None:
        """Show `path` in the viewer and put the tree's cursor on it."""
        if self.skill is None:
            return
        self.opened, self._wanted = None, path
        tree = self.query_one(Tree)
        node = next((n for n in _leaves(tree.root) if n.data == path), None)
        if node is not None and tree.cursor_node is not node:
            with self.prevent(Tree.NodeHighlighted):
                tree.move_cursor(node)
        if path == SKILL_MD:
            self.call_later(self._shown, self.skill.name, path, self.skill.skill_md or "*SKILL.md has no body.*")
        else:
            self._read(self.skill.name, path)

    @work(thread=True, exclusive=True, group="knowledge-file", exit_on_error=False)
    def _read(self, name: str, path: str) -> None:
        try:
            text = as_markdown(path, skill_app(self).engine.skill_file(name, path))
        except SkillError as e:  # binary, not UTF-8, gone: the engine's one line
            text = f"*{e}*"
        self.app.call_from_thread(self.call_later, self._shown, name, path, text)

    async def _shown(self, name: str, path: str, markdown: str) -> None:
        if self.skill is None or (self.skill.name, self._wanted) != (name, path) or not self.is_attached:
            return  # the person moved on to another file or skill meanwhile
        document = self.document
        document.path = path
        document.border_title = path
        document.border_subtitle = self.skill.name
        await document.document.update(markdown)
        document.scroll_home(animate=False)
        self.opened = path  # tests and the editor key read it: the text is in the viewer now

    @on(Tree.NodeSelected, "#files")
    def _selected(self, event: Tree.NodeSelected[str]) -> None:
        if event.node.data is not None:
            self.open(event.node.data)

    @on(SkillDocument.FileLinked)
    def _linked(self, event: SkillDocument.FileLinked) -> None:
        self.open(event.path)

    @property
    def selected_file(self) -> str:
        """The file under the tree's cursor, else the one shown: what `o` opens in the editor."""
        node = self.query_one(Tree).cursor_node
        return node.data if node is not None and node.data is not None else (self.opened or SKILL_MD)


def _leaves(node: TreeNode[str]) -> list[TreeNode[str]]:
    out: list[TreeNode[str]] = []
    for child in node.children:
        out.extend(_leaves(child) if child.allow_expand else [child])
    return out
