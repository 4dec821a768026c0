"""The instances pane: the selected skill's instances and whether each is ready."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.message import Message
from textual.widgets import DataTable

from engine import ConfigReport
from skill_tui.widgets.tables import refill


class InstancesPane(DataTable[str]):
    DEFAULT_CSS = """
    InstancesPane { height: auto; max-height: 12; border: round $border-blurred; background: transparent;
                    border-title-color: $text-muted; border-subtitle-color: $text-muted; }
    InstancesPane:focus { border: round $primary; border-title-color: $primary; }
    """

    class Selected(Message):
        def __init__(self, instance: str) -> None:
            super().__init__()
            self.instance = instance

    class Chosen(Message):
        """Enter on an instance: open its configuration wizard."""

        def __init__(self, instance: str) -> None:
            super().__init__()
            self.instance = instance

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.border_title = "Instances"
        self.statuses: dict[str, ConfigReport] = {}
        self._skill: str | None = None
        self._announced: tuple[str, str] | None = None  # the (skill, instance) last told about

    def on_mount(self) -> None:
        self.add_columns("instance", "config")

    def show(self, skill: str, statuses: list[ConfigReport], select: str | None = None) -> None:
        """List `skill`'s instances; highlight `select`, else the one highlighted before (same skill)."""
        keep = select or (self.selected if skill == self._skill else None)
        if skill != self._skill or statuses != list(self.statuses.values()):
            self._skill = skill
            self.statuses = {s.instance: s for s in statuses}
            with self.prevent(DataTable.RowHighlighted):  # clear() and add_row() highlight row 0
                refill(self, [(s.instance, (s.instance, _state(s))) for s in statuses])
            self.border_subtitle = skill
        if keep is not None and keep in self.rows:
            with self.prevent(DataTable.RowHighlighted):
                self.move_cursor(row=self.get_row_index(keep))
        self._announce()

    @property
    def selected(self) -> str:
        if not self.row_count:
            return "default"
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        self.post_message(self.Chosen(str(event.row_key.value)))

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._announce()

    def _announce(self) -> None:
        """Tell the screen when the highlighted instance changed (see SkillsPane._announce)."""
        if self._skill is not None and self.row_count and (self._skill, self.selected) != self._announced:
            self._announced = (self._skill, self.selected)
            self.post_message(self.Selected(self.selected))


def _state(s: ConfigReport) -> str:
    if s.ready:
        return "✔ ready"
    return "✘ " + "; ".join(([f"missing {', '.join(s.missing)}"] if s.missing else []) + list(s.problems))
