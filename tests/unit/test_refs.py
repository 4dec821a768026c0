"""One spelling of references for every front door."""

from __future__ import annotations

import pytest

from engine.errors import UsageError
from engine.refs import InstanceRef, ToolRef


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("textkit:slugify", ToolRef("textkit", "slugify")),
        ("greeter@work:greet", ToolRef("greeter", "greet", "work")),
        ("a-b@c_d:e.f", ToolRef("a-b", "e.f", "c_d")),
    ],
)
def test_a_tool_reference_parses_and_prints_with_its_instance(text, want):
    ref = ToolRef.parse(text)
    assert ref == want
    assert ToolRef.parse(str(ref)) == ref
    assert str(ref).count("@") == 1
    assert ref.of == InstanceRef(want.skill, want.instance)


@pytest.mark.parametrize("text", ["textkit", "textkit:", ":slugify", "a b:c", "x@:y", ""])
def test_a_malformed_tool_reference_names_the_form_and_shows_examples(text):
    with pytest.raises(UsageError, match=r"write SKILL\[@INSTANCE\]:TOOL, e\.g\. textkit:slugify"):
        ToolRef.parse(text, lambda: ["textkit:slugify"])


def test_without_examples_the_error_points_at_skill_list():
    with pytest.raises(UsageError, match="`skill list` shows the installed skills"):
        ToolRef.parse("nope")


def test_an_instance_reference_defaults_to_the_default_instance():
    assert InstanceRef.parse("greeter") == InstanceRef("greeter", "default")
    assert str(InstanceRef.parse("greeter@work")) == "greeter@work"


@pytest.mark.parametrize("text", ["@work", "greeter@", "greeter@work:greet"])
def test_a_malformed_instance_reference_is_refused_with_an_example(text):
    with pytest.raises(UsageError, match="write SKILL or SKILL@INSTANCE, e.g. "):
        InstanceRef.parse(text)


def test_an_instance_is_required_where_the_command_needs_one():
    with pytest.raises(UsageError, match="write SKILL@INSTANCE, e.g. greeter@work"):
        InstanceRef.parse("greeter", need_instance=True)
