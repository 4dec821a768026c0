"""{{name}}: a skill written in Python with the SDK that ships with the engine.

    skill build .          componentize-py into dist/{{name}}.wasm
    skill test .           run tests.yaml against the built component
    skill dev . --run greet --args '{"name": "Ada"}'   hot reload on every save
"""

from skill_sdk import Result, Skill, ToolError, config, ok

skill = Skill("{{name}}", version="0.1.0", description={{description_json}})


@skill.tool
def greet(name: str, excited: bool = True) -> Result:
    """Greet someone with the configured greeting.

    Args:
        name: Who to greet.
        excited: End with an exclamation mark.
    """
    greeting = config("greeting", "Hello")
    return ok(f"{greeting}, {name}{'!' if excited else '.'}", {"greeting": greeting, "name": name})


@skill.tool
def word_count(text: str) -> dict:
    """Count the words and characters of a text.

    Args:
        text: The text.
    """
    if not text.strip():
        raise ToolError("text is empty")
    return {"words": len(text.split()), "characters": len(text)}


@skill.validate_config
def check_config(values: dict) -> str | None:
    """Called with an instance's config before it is saved: return a message to refuse it."""
    if "greeting" in values and not values["greeting"].strip():
        return "greeting must not be empty"
    return None
