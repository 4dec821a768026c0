"""Theme files: a broken one is one clear engine error, like every other bad input."""

import pytest

from engine.errors import SkillError
from skill_tui.themes import parse_theme


def test_a_theme_without_primary_is_a_skill_error_naming_the_file(tmp_path):
    broken = tmp_path / "broken.tcss"
    broken.write_text("$accent: #ff0000;\n", encoding="utf-8")
    with pytest.raises(SkillError) as e:
        parse_theme(broken)
    assert str(e.value) == f"{broken}: a theme needs at least `$primary: <colour>;`"
    assert e.value.code == "theme"
