"""Instance configuration through the engine API: the schema, saving, env mapping, secrets, isolation.

Real components and real files: WAT skills under a skill.yaml from tests/fixtures/config.
What the jco-built greeter and probe see of their config: tests/integration/test_config_examples.py.
The secret store is the encrypted vault (SKILL_SECRETS=vault), never the developer's keyring.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import UsageError
from engine.schema import MASK, ConfigField, check_config_value
from engine.secrets import parse_reference
from engine.values import parse_config_text
from fixtures.config.skills import (
    config_bytes,
    fields_manifest,
    install_typed,
    install_wat,
    vault_bytes,
    written,
)
from fixtures.env import instances_of

pytestmark = pytest.mark.usefixtures("vault")

API_KEY = "sk-abc12345"


# ---- 1. the schema: one clear message per field -------------------------------------------------

PORT = ConfigField("port", type="integer", minimum=1, maximum=65535)
RATIO = ConfigField("ratio", type="number", minimum=0, maximum=1)
VERBOSE = ConfigField("verbose", type="boolean")
MODE = ConfigField("mode", type="enum", enum=("fast", "safe"))
HOST = ConfigField("host", type="url")
ROOT = ConfigField("root", type="path")
REGION = ConfigField("region", pattern=r"[a-z]{2}-[a-z]+-[0-9]")
KEY = ConfigField("api_key", secret=True, pattern=r"sk-[a-z0-9]{8}")


@pytest.mark.parametrize(
    "field, text, value",
    [
        (ConfigField("name"), " spaced text ", " spaced text "),
        (PORT, "443", 443),
        (PORT, "1", 1),
        (PORT, "65535", 65535),
        (RATIO, "0.25", 0.25),
        (RATIO, "1", 1.0),
        (VERBOSE, "yes", True),
        (VERBOSE, "TRUE", True),
        (VERBOSE, "off", False),
        (VERBOSE, "0", False),
        (MODE, "fast", "fast"),
        (HOST, "https://example.com/api?v=1", "https://example.com/api?v=1"),
        (ROOT, "/srv/files", "/srv/files"),
        (REGION, "eu-west-1", "eu-west-1"),
        (KEY, API_KEY, API_KEY),
    ],
)
def test_parse_config_text_gives_typed_values(field, text, value):
    parsed = parse_config_text(field, text)
    assert parsed == value and type(parsed) is type(value)


@pytest.mark.parametrize(
    "field, text, message",
    [
        (PORT, "4.5", 'port: expected an integer, got "4.5"'),
        (PORT, "eighty", 'port: expected an integer, got "eighty"'),
        (PORT, "0", "port: 0 is below the minimum 1"),
        (PORT, "70000", "port: 70000 is above the maximum 65535"),
        (RATIO, "half", 'ratio: expected a number, got "half"'),
        (RATIO, "1.5", "ratio: 1.5 is above the maximum 1"),
        (RATIO, "-0.1", "ratio: -0.1 is below the minimum 0"),
        (VERBOSE, "maybe", 'verbose: expected true or false, got "maybe"'),
        (MODE, "slow", 'mode: must be one of fast, safe; got "slow"'),
        (HOST, "example.com", 'host: "example.com" is not a URL; write it like https://example.com/path'),
        (HOST, "https://", 'host: "https://" is not a URL'),
        (ROOT, "   ", "root: a path cannot be empty"),
        (REGION, "EU-WEST-1", 'region: "EU-WEST-1" does not match the pattern [a-z]{2}-[a-z]+-[0-9]'),
        (REGION, "xeu-west-1", "does not match the pattern"),  # the whole value must match
    ],
)
def test_parse_config_text_refuses_with_one_clear_line(field, text, message):
    with pytest.raises(UsageError) as e:
        parse_config_text(field, text)
    assert message in str(e.value)
    assert "\n" not in str(e.value)


def test_a_secret_that_fails_its_pattern_is_not_echoed():
    with pytest.raises(UsageError) as e:
        parse_config_text(KEY, "sk-WRONG-hunter2")
    assert str(e.value) == "api_key: the secret value does not match the pattern sk-[a-z0-9]{8}"


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-inf"])
def test_a_bounded_number_refuses_nan_and_infinity(text):
    """NaN compares false with both bounds, so `value < minimum` alone lets it through."""
    with pytest.raises(UsageError, match="ratio: "):
        parse_config_text(RATIO, text)


def test_enum_is_enforced_on_integer_fields_too():
    """The manifest accepts `enum` with any type; an integer field must keep to its values."""
    sizes = ConfigField("size", type="integer", enum=(1, 2, 4))
    assert parse_config_text(sizes, "4") == 4
    with pytest.raises(UsageError, match="size: must be one of 1, 2, 4"):
        parse_config_text(sizes, "3")


@pytest.mark.parametrize(
    "field, value, message",
    [
        (PORT, "443", 'port: expected an integer, got "443"'),  # a TOML string is not an integer
        (PORT, 443.0, "port: expected an integer, got 443.0"),
        (PORT, True, "port: expected an integer, got true"),  # bool is an int in Python, not here
        (RATIO, "0.5", 'ratio: expected a number, got "0.5"'),
        (VERBOSE, "true", 'verbose: expected true or false, got "true"'),
        (VERBOSE, 1, "verbose: expected true or false, got 1"),
        (HOST, 80, "host: expected text, got 80"),
        (MODE, ["fast"], 'mode: expected text, got ["fast"]'),
    ],
)
def test_check_config_value_refuses_stored_values_of_the_wrong_type(field, value, message):
    with pytest.raises(UsageError) as e:
        check_config_value(field, value)
    assert str(e.value) == message


def test_check_config_value_accepts_an_int_for_a_number_and_keeps_it():
    assert check_config_value(RATIO, 1) == 1
    assert check_config_value(PORT, 8080) == 8080


def test_manifest_fields_become_the_installed_schema(engine, typed):
    by_name = {f.name: f for f in engine.skill(typed).config}
    assert list(by_name) == ["host", "port", "ratio", "verbose", "mode", "root", "region", "api_key"]
    assert (by_name["host"].type, by_name["host"].required) == ("url", True)
    assert (by_name["port"].minimum, by_name["port"].maximum, by_name["port"].default) == (1, 65535, 8080)
    assert (by_name["ratio"].minimum, by_name["ratio"].maximum) == (0, 1)
    assert by_name["mode"].enum == ("fast", "safe")
    assert by_name["region"].env_var == "TYPED_REGION" and by_name["port"].env_var == "SKILL_PORT"
    assert by_name["api_key"].secret and by_name["api_key"].required


# ---- 1/3. saving: per-field checks, nothing written on refusal ------------------------------------

GOOD = {
    "host": "https://api.example.com",
    "port": "8443",
    "ratio": "0.5",
    "verbose": "yes",
    "mode": "fast",
    "root": "/srv",
    "region": "eu-west-1",
    "api_key": API_KEY,
}


def test_save_writes_typed_values_and_a_secret_reference(engine, typed):
    cfg = engine.config
    report = cfg.save(typed, "default", cfg.parse(typed, GOOD))
    assert report.ready and report.missing == () and report.problems == ()
    import tomllib

    stored = tomllib.loads(written(engine, typed).decode())
    assert stored == {
        "host": "https://api.example.com",
        "port": 8443,
        "ratio": 0.5,
        "verbose": True,
        "mode": "fast",
        "root": "/srv",
        "region": "eu-west-1",
        "api_key": "vault:typed@default:api_key",
    }
    assert API_KEY.encode() not in written(engine, typed)
    assert cfg.get(typed, "default", "api_key") == API_KEY
    assert cfg.get(typed, "default", "port") == 8443


@pytest.mark.parametrize(
    "key, text, message",
    [
        ("port", "http", 'port: expected an integer, got "http"'),
        ("port", "0", "port: 0 is below the minimum 1"),
        ("ratio", "2", "ratio: 2.0 is above the maximum 1"),
        ("verbose", "sometimes", "verbose: expected true or false"),
        ("mode", "turbo", 'mode: must be one of fast, safe; got "turbo"'),
        ("host", "localhost:80", 'host: "localhost:80" is not a URL'),
        ("region", "mars", 'region: "mars" does not match the pattern'),
        ("api_key", "sk-short", "api_key: the secret value does not match the pattern"),
        (
            "nope",
            "1",
            "typed has no config field 'nope'; its fields are: host, port, ratio, verbose, mode, root, region, api_key",
        ),
    ],
)
def test_a_bad_value_is_refused_and_nothing_is_written(engine, typed, key, text, message):
    cfg = engine.config
    cfg.save(typed, "default", cfg.parse(typed, GOOD))
    before, secrets_before = config_bytes(engine, typed), vault_bytes(engine)
    with pytest.raises(UsageError) as e:
        cfg.save(typed, "default", cfg.parse(typed, {"mode": "safe", key: text}))
    assert message in str(e.value)
    assert config_bytes(engine, typed) == before
    assert vault_bytes(engine) == secrets_before


@pytest.mark.parametrize("key, value", [("port", "8443"), ("port", 0), ("api_key", "sk-short")])
def test_save_itself_checks_each_value_against_the_schema(engine, typed, key, value):
    """Configuration.save is what the app's wizard calls: it must check values, not only `parse`.

    (configuration.py's docstring: "Order of a save: per-field schema checks (clear messages), ...")
    """
    cfg = engine.config
    cfg.save(typed, "default", cfg.parse(typed, GOOD))
    before = config_bytes(engine, typed)
    with pytest.raises(UsageError, match=f"^{key}: "):
        cfg.save(typed, "default", {key: value})
    assert config_bytes(engine, typed) == before
    assert engine.config.report(typed, "default").ready


def test_a_missing_required_field_does_not_block_saving(engine, typed):
    cfg = engine.config
    report = cfg.save(typed, "default", cfg.parse(typed, {"port": "9000"}))
    assert report.missing == ("host", "api_key") and not report.ready
    assert b"port = 9000" in written(engine, typed)
    status = {s.instance: s for s in engine.instance_status(typed)}
    assert status["default"].missing == ("host", "api_key") and not status["default"].ready
    report = cfg.save(typed, "default", cfg.parse(typed, {"host": "https://h.example", "api_key": API_KEY}))
    assert report.ready
    assert engine.instance_status(typed)[0].ready
    report = cfg.save(typed, "default", unset=["host"])
    assert report.missing == ("host",)
    assert b"host" not in written(engine, typed)


def test_entries_show_values_sources_and_never_a_secret(engine, typed):
    cfg = engine.config
    cfg.save(typed, "default", cfg.parse(typed, {"host": "https://h.example", "api_key": API_KEY}))
    entries = {e.field.name: (e.value, e.source) for e in cfg.entries(typed, "default")}
    assert entries == {
        "host": ("https://h.example", "config.toml"),
        "port": (8080, "default"),
        "ratio": (None, ""),
        "verbose": (None, ""),
        "mode": ("safe", "default"),
        "root": (None, ""),
        "region": (None, ""),
        "api_key": (MASK, "secret store"),
    }


def test_unknown_and_mistyped_values_in_a_hand_edited_file_make_the_instance_not_ready(engine, typed):
    path = instances_of(engine).config_path(typed, "default")
    path.write_text('host = "https://h.example"\napi_key = "sk-plaintext1"\nport = "80"\ncolour = "red"\n')
    problems = engine.config.report(typed, "default").problems
    assert any(p.startswith("api_key: a secret stored as plain text") for p in problems)
    assert 'port: expected an integer, got "80"' in problems
    assert any(p.startswith("colour: not a config field of typed") for p in problems)
    assert not engine.instance_status(typed)[0].ready


def test_sandbox_overrides_are_checked_and_kept_apart_from_values(engine, typed):
    cfg = engine.config
    cfg.save(typed, "default", sandbox={"timeout_s": 2.5, "memory_mb": 64})
    assert instances_of(engine).overrides(typed, "default") == {"timeout_s": 2.5, "memory_mb": 64}
    assert instances_of(engine).settings(typed, "default") == {}
    before = config_bytes(engine, typed)
    for bad in ({"timeout_s": 0}, {"memory_mb": -1}, {"cpu": 2}, {"timeout_s": True}):
        with pytest.raises(UsageError, match="timeout_s and memory_mb"):
            cfg.save(typed, "default", sandbox=bad)
    assert config_bytes(engine, typed) == before
    cfg.save(typed, "default", sandbox={"timeout_s": None, "memory_mb": None})
    assert instances_of(engine).overrides(typed, "default") == {}


# ---- 2. instances: rename, copy, remove (API) ------------------------------------------------------


def test_rename_moves_config_data_and_secrets(engine, typed):
    cfg = engine.config
    engine.add_instance(typed, "old")
    cfg.save(typed, "old", cfg.parse(typed, {"host": "https://o.example", "api_key": API_KEY}))
    (instances_of(engine).data_dir(typed, "old") / "state.json").write_text("{}")
    cfg.rename(typed, "old", "new")
    assert engine.instance_names(typed) == ["default", "new"]
    assert (instances_of(engine).data_dir(typed, "new") / "state.json").read_text() == "{}"
    assert instances_of(engine).settings(typed, "new") == {
        "host": "https://o.example",
        "api_key": "vault:typed@new:api_key",
    }
    assert cfg.get(typed, "new", "api_key") == API_KEY
    assert engine.secrets.keys(typed, "old") == [] and engine.secrets.instances(typed) == ["new"]
    assert cfg.report(typed, "new").ready


def test_copy_leaves_secrets_behind_unless_asked(engine, typed):
    cfg = engine.config
    cfg.save(
        typed, "default", cfg.parse(typed, {"host": "https://d.example", "api_key": API_KEY}), sandbox={"memory_mb": 64}
    )
    cfg.copy(typed, "default", "bare")
    assert instances_of(engine).settings(typed, "bare") == {"host": "https://d.example"}
    assert instances_of(engine).overrides(typed, "bare") == {"memory_mb": 64}
    assert cfg.report(typed, "bare").missing == ("api_key",)
    assert engine.secrets.keys(typed, "bare") == []
    cfg.copy(typed, "default", "full", with_secrets=True)
    ref = instances_of(engine).settings(typed, "full")["api_key"]
    assert parse_reference(ref) == ("vault", "typed", "full", "api_key")  # its own copy, not default's
    cfg.save(typed, "default", cfg.parse(typed, {"api_key": "sk-rotated1"}))
    assert cfg.get(typed, "full", "api_key") == API_KEY
    with pytest.raises(UsageError, match="already exists"):
        cfg.copy(typed, "default", "full")


def test_remove_deletes_config_data_and_secrets_but_never_default(engine, typed):
    cfg = engine.config
    engine.add_instance(typed, "gone")
    cfg.save(typed, "gone", cfg.parse(typed, {"host": "https://g.example", "api_key": API_KEY}))
    cfg.save(typed, "default", cfg.parse(typed, {"api_key": "sk-default1"}))
    folder = instances_of(engine).dir(typed, "gone")
    (instances_of(engine).data_dir(typed, "gone") / "f.txt").write_text("x")
    cfg.remove(typed, "gone")
    assert not folder.exists()
    assert engine.secrets.keys(typed, "gone") == []
    assert engine.secrets.get(typed, "default", "api_key") == "sk-default1"
    assert engine.instance_names(typed) == ["default"]
    with pytest.raises(UsageError, match="default cannot be removed"):
        cfg.remove(typed, "default")
    with pytest.raises(UsageError, match="default cannot be renamed"):
        cfg.rename(typed, "default", "main")
    assert cfg.get(typed, "default", "api_key") == "sk-default1"


# ---- 7. --edit's engine half ---------------------------------------------------------------------


def test_apply_edit_keeps_comments_and_moves_a_typed_secret_to_the_store(engine, typed):
    cfg = engine.config
    cfg.save(typed, "default", cfg.parse(typed, {"host": "https://e.example", "api_key": API_KEY}))
    text = written(engine, typed).decode()
    assert 'api_key = "vault:typed@default:api_key"\n' in text
    edited = (
        "# my notes\n"
        + text.replace("https://e.example", "https://f.example").replace(
            'api_key = "vault:typed@default:api_key"\n', ""
        )
        + '# the new key\napi_key = "sk-edited12"\n'
    )
    cfg.apply_edit(typed, "default", edited, "edited config.toml")
    after = written(engine, typed).decode()
    assert after.startswith("# my notes\n") and "# the new key\n" in after
    assert 'host = "https://f.example"' in after
    assert 'api_key = "vault:typed@default:api_key"' in after and "sk-edited12" not in after
    assert cfg.get(typed, "default", "api_key") == "sk-edited12"


def test_apply_edit_refuses_a_forged_reference(engine, typed):
    cfg = engine.config
    cfg.save(typed, "default", cfg.parse(typed, {"api_key": API_KEY}))
    before = config_bytes(engine, typed)
    with pytest.raises(UsageError, match="a secret reference cannot be edited"):
        cfg.apply_edit(typed, "default", 'api_key = "vault:other@default:api_key"\n', "edited config.toml")
    assert config_bytes(engine, typed) == before


# ---- 8. concurrency (threads in one process; the CLI test uses processes) ----------------------------


def test_concurrent_saves_in_threads_lose_nothing(engine, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    fields = [f"f{i}" for i in range(8)]
    name = install_wat(engine, tmp_path, "many", fields_manifest("many", fields))

    def one(i: int) -> None:
        from engine.api import Engine

        own = Engine(engine.home)
        own.config.save(name, "default", {f"f{i}": f"value-{i}"})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(8)))
    assert instances_of(engine).settings(name, "default") == {f"f{i}": f"value-{i}" for i in range(8)}
    assert not list(Path(instances_of(engine).dir(name, "default")).glob("*.tmp*"))


def test_purging_a_skill_deletes_its_secrets(engine, tmp_path):

    install_typed(engine, tmp_path)
    engine.config.save("typed", "default", {"host": "https://x.example", "api_key": "sk-abcd1234"})
    assert engine.secrets.keys("typed", "default") == ["api_key"]
    engine.remove("typed", purge=True)
    assert engine.secrets.get("typed", "default", "api_key") is None
