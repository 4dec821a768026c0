"""The running SkillTui, typed, for screens and widgets.

`self.app` is typed `App[Any]`, which knows none of SkillTui's members (`engine`, `configure`, ...):
reading them through it would be unchecked. `skill_app(self)` is the same object with its real type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode

if TYPE_CHECKING:  # skill_tui.app imports the screens that import this module
    from skill_tui.app import SkillTui


def skill_app(node: DOMNode) -> SkillTui:
    """The SkillTui `node` runs in (every screen and widget of skill_tui runs only there)."""
    return cast("SkillTui", node.app)
