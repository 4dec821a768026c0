"""The instances pane: the selected skill's instances and whether each is ready."""

from __future__ import annotations

from textual import on
from textual.message import Message
from textual.widgets import DataTable

from engine.configuration import ConfigReport


class InstancesPane(DataTable):
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

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.border_title = "Instances"
        self.statuses: dict[str, ConfigReport] = {}

    def on_mount(self) -> None:
        self.add_columns("instance", "config")

    def show(self, skill: str, statuses: list[ConfigReport]) -> None:
        self.clear()
        self.statuses = {s.instance: s for s in statuses}
        for s in statuses:
            state = "✔ ready" if s.ready else "✘ " + "; ".join(
                ([f"missing {', '.join(s.missing)}"] if s.missing else []) + list(s.problems))
            self.add_row(s.instance, state, key=s.instance)
        self.border_subtitle = skill

    @property
    def selected(self) -> str:
        if not self.row_count:
            return "default"
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        self.post_message(self.Chosen(str(event.row_key.value)))

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None:
            self.post_message(self.Selected(str(event.row_key.value)))
