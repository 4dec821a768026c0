"""Instance configuration seen by real jco-built skills (greeter, the probe): env mapping, get-config, secrets, isolation.

The engine-side tests on WAT skills are tests/unit/test_config.py; the secret store is the
encrypted vault (SKILL_SECRETS=vault), never the developer's keyring.
"""

from __future__ import annotations

import json

import pytest

from engine.errors import SecretsError, UsageError
from engine.schema import MASK
from engine.secrets import VaultStore
from fixtures.config.skills import (
    config_bytes,
    files_containing,
    vault_bytes,
)
from fixtures.env import instances_of

pytestmark = pytest.mark.usefixtures("vault")


TOKEN_A = "tok-alpha-7Hq2ZpX9"
TOKEN_B = "tok-bravo-K3m8WvR1"


# ---- 3. the skill's own validate-config (greeter) ------------------------------------------------


def test_greeter_validate_config_refuses_and_nothing_is_written(engine, example):
    example("greeter")
    cfg = engine.config
    cfg.save("greeter", "default", cfg.parse("greeter", {"greeting": "Howdy", "punctuation": "."}))
    before, secrets_before = config_bytes(engine, "greeter"), vault_bytes(engine)
    with pytest.raises(UsageError) as e:
        cfg.save("greeter", "default", cfg.parse("greeter", {"punctuation": ";"}))
    assert str(e.value).startswith(
        "greeter@default: the skill rejects this configuration: punctuation must be "
        'one of "!", ".", "!!", "?!", "…", ""; got ";"'
    )
    with pytest.raises(UsageError, match="api_token looks malformed") as e:
        cfg.save("greeter", "default", cfg.parse("greeter", {"api_token": "bad token!"}))
    assert "bad token!" not in str(e.value)
    assert config_bytes(engine, "greeter") == before
    assert vault_bytes(engine) == secrets_before
    assert engine.run("greeter:greet", {"name": "Ada"}).output == "Howdy, Ada."


def test_greeter_sees_saved_values_through_get_config(engine, example):
    example("greeter")
    cfg = engine.config
    assert engine.run("greeter:greet", {"name": "Ada"}).output == "Hello, Ada!"
    cfg.save(
        "greeter",
        "default",
        cfg.parse("greeter", {"greeting": "Good day", "punctuation": "?!", "api_token": "tok_greeter_123456"}),
    )
    assert engine.run("greeter:greet", {"name": "Ada"}).output == "Good day, Ada?!"
    status = engine.run("greeter:config-status")
    assert status.data["greeting"] == {"value": "Good day", "source": "get-config", "secret": False}
    assert status.data["api_token"] == {"value": "set", "source": "get-config", "secret": True}
    assert status.data["sign_off"] == {"value": "", "source": "default", "secret": False}  # not set anywhere
    cfg.save("greeter", "default", unset=["api_token", "greeting"])
    status = engine.run("greeter:config-status")
    assert status.data["api_token"]["value"] == "not set"
    assert status.data["greeting"] == {"value": "Hello", "source": "get-config", "secret": False}  # manifest default


def test_configuration_runs_on_its_own_collaborators_built_once(engine, example, home):
    """Configuration is given the store, the instances, the secret store and the runtime, not the
    whole Engine; Engine builds it once. validate-config runs through the one run pipeline."""
    from engine.configuration import Configuration
    from engine.instances import Instances
    from engine.runtime import WasmRuntime
    from engine.secrets import open_secret_store
    from engine.store import Store

    example("greeter")
    assert engine.config is engine.config
    runtime = WasmRuntime(home.compiled, home.tmp)
    cfg = Configuration(Store(home, lambda: runtime), Instances(home), lambda: open_secret_store(home), lambda: runtime)
    with pytest.raises(UsageError, match="api_token looks malformed") as refused:
        cfg.save("greeter", "default", cfg.parse("greeter", {"api_token": "bad token!"}))
    assert "bad token!" not in str(refused.value)  # the skill's complaint comes back masked
    cfg.save("greeter", "default", cfg.parse("greeter", {"greeting": "Hi", "api_token": "tok_greeter_123456"}))
    assert engine.run("greeter:greet", {"name": "Ada"}).output == "Hi, Ada!"
    assert engine.config.get("greeter", "default", "api_token") == "tok_greeter_123456"


# ---- 4. env mapping -----------------------------------------------------------------------------


def env_of(engine, ref: str, name: str):
    result = engine.run(ref, {"name": name})
    assert result.ok, result.error
    return result.data["value"]


def test_values_reach_the_skill_as_env_vars_and_through_get_config(engine, probe):
    cfg = engine.config
    assert env_of(engine, "probe:env", "SKILL_RETRIES") == "2"  # the manifest default
    assert env_of(engine, "probe:env", "SKILL_LABEL") is None
    cfg.save(
        probe,
        "default",
        cfg.parse(probe, {"label": "blue", "region": "eu-north", "retries": "5", "verbose": "yes", "token": TOKEN_A}),
    )
    assert env_of(engine, "probe:env", "SKILL_LABEL") == "blue"
    assert env_of(engine, "probe:env", "PROBE_REGION") == "eu-north"  # the manifest's `env:`
    assert env_of(engine, "probe:env", "SKILL_REGION") is None  # ... instead of SKILL_REGION
    assert env_of(engine, "probe:env", "SKILL_RETRIES") == "5"
    assert env_of(engine, "probe:env", "SKILL_VERBOSE") == "true"
    assert env_of(engine, "probe:env", "SKILL_TOKEN") == MASK  # the value itself, masked on the way out
    assert engine.run("probe:list-env").data == [
        "PROBE_REGION",
        "SKILL_LABEL",
        "SKILL_RETRIES",
        "SKILL_TOKEN",
        "SKILL_VERBOSE",
    ]
    assert engine.run("probe:config", {"key": "region"}).data == {"value": "eu-north"}
    assert engine.run("probe:config", {"key": "retries"}).data == {"value": "5"}
    assert engine.run("probe:config-all").data == {
        "label": "blue",
        "region": "eu-north",
        "retries": "5",
        "verbose": "true",
        "token": MASK,
    }
    policy = engine._policy(engine.skill(probe), "default", None)
    assert policy.config["token"] == TOKEN_A and policy.env["SKILL_TOKEN"] == TOKEN_A


# ---- 5. secrets ---------------------------------------------------------------------------------


def test_rotating_a_secret_changes_what_the_skill_sees(engine, probe):
    cfg = engine.config
    cfg.save(probe, "default", cfg.parse(probe, {"token": TOKEN_A}))
    first = engine.run("probe:env", {"name": "SKILL_TOKEN"})
    assert first.output == MASK  # exactly TOKEN_A, hidden
    cfg.save(probe, "default", cfg.parse(probe, {"token": TOKEN_B}))
    assert instances_of(engine).settings(probe, "default") == {"token": "vault:probe@default:token"}
    second = engine.run("probe:env", {"name": "SKILL_TOKEN"})
    assert second.output == MASK and TOKEN_A not in json.dumps(second.to_json())
    assert engine._policy(engine.skill(probe), "default", None).config["token"] == TOKEN_B
    assert engine.secrets.get(probe, "default", "token") == TOKEN_B
    cfg.save(probe, "default", unset=["token"])
    assert engine.secrets.get(probe, "default", "token") is None
    assert engine.secrets.keys(probe, "default") == []
    assert engine.run("probe:env", {"name": "SKILL_TOKEN"}).data == {"value": None}


def test_export_leaves_secrets_out_unless_asked(engine, probe):
    cfg = engine.config
    cfg.save(probe, "default", cfg.parse(probe, {"label": "blue", "token": TOKEN_A}), sandbox={"timeout_s": 5})
    plain = cfg.export(probe, "default")
    assert TOKEN_A not in plain and "vault:" not in plain
    assert "token: secret, not exported (--include-secrets exports it)" in plain
    assert 'label = "blue"' in plain and "[sandbox]" in plain
    full = cfg.export(probe, "default", include_secrets=True)
    import tomllib

    assert tomllib.loads(full) == {"label": "blue", "token": TOKEN_A, "sandbox": {"timeout_s": 5.0}}
    engine.add_instance(probe, "twin")
    cfg.import_text(probe, "twin", full, "export.toml")
    assert cfg.get(probe, "twin", "token") == TOKEN_A
    assert instances_of(engine).settings(probe, "twin") == {"label": "blue", "token": "vault:probe@twin:token"}
    assert instances_of(engine).overrides(probe, "twin") == {"timeout_s": 5.0}


def test_no_secret_value_is_left_in_plain_bytes_anywhere_in_the_home(engine, probe, example, home):
    example("greeter")
    cfg = engine.config
    cfg.save(probe, "default", cfg.parse(probe, {"label": "x", "token": TOKEN_A}))
    cfg.save("greeter", "default", cfg.parse("greeter", {"api_token": "tok_greeter_SECRET_99"}))
    engine.add_instance(probe, "other")
    cfg.save(probe, "other", cfg.parse(probe, {"token": TOKEN_B}))
    for name in ("SKILL_TOKEN", "SKILL_LABEL"):
        engine.run("probe:env", {"name": name})
        engine.run("probe@other:env", {"name": name})
    engine.run("probe:config-all")
    engine.run("probe:config", {"key": "token"})
    engine.run("probe:write-file", {"path": "/data/note.txt", "text": "harmless"})
    engine.run("probe:throw")
    engine.run("greeter:config-status")
    with pytest.raises(UsageError):
        cfg.save("greeter", "default", cfg.parse("greeter", {"punctuation": "tok_greeter_SECRET_99"}))
    cfg.copy(probe, "other", "copied", with_secrets=True)
    cfg.rename(probe, "copied", "renamed")
    cfg.save(probe, "default", cfg.parse(probe, {"token": TOKEN_A + "-rotated"}))
    engine.flush()
    history = home.history_file.read_text()
    assert history.count(MASK) >= 4 and len(history.splitlines()) == 9
    for secret in (TOKEN_A, TOKEN_B, "tok_greeter_SECRET_99", TOKEN_A + "-rotated"):
        assert files_containing(home.root, secret) == []
    assert (home.root / "secrets" / "vault.bin").is_file()


def test_a_corrupt_vault_is_an_error_and_is_not_replaced(engine, probe):
    cfg = engine.config
    cfg.save(probe, "default", cfg.parse(probe, {"token": TOKEN_A}))
    vault = VaultStore(engine.home).path
    vault.write_bytes(b"gAAAAA-this-is-not-a-fernet-token")
    config_before = config_bytes(engine, probe)
    for action in (
        lambda: cfg.get(probe, "default", "token"),
        lambda: cfg.save(probe, "default", cfg.parse(probe, {"token": TOKEN_B})),
        lambda: engine.run("probe:env", {"name": "SKILL_TOKEN"}),
    ):
        with pytest.raises(SecretsError, match=f"the vault {vault} cannot be decrypted"):
            action()
    assert vault.read_bytes() == b"gAAAAA-this-is-not-a-fernet-token"
    assert config_bytes(engine, probe) == config_before


# ---- 6. isolation -------------------------------------------------------------------------------


def test_an_instance_sees_only_its_own_config_secrets_and_data(engine, probe):
    cfg = engine.config
    for inst, label, token in (("alpha", "label-alpha", TOKEN_A), ("bravo", "label-bravo", TOKEN_B)):
        engine.add_instance(probe, inst)
        cfg.save(probe, inst, cfg.parse(probe, {"label": label, "token": token}))
        assert engine.run(f"probe@{inst}:write-file", {"path": f"/data/{inst}.txt", "text": f"{inst} data"}).ok
    assert (instances_of(engine).data_dir(probe, "bravo") / "bravo.txt").read_text() == "bravo data"

    runs = {
        "list-env": engine.run("probe@alpha:list-env"),
        "config-all": engine.run("probe@alpha:config-all"),
        "env": engine.run("probe@alpha:env", {"name": "SKILL_TOKEN"}),
        "config": engine.run("probe@alpha:config", {"key": "label"}),
        "list-dir": engine.run("probe@alpha:list-dir", {"path": "/data"}),
        "own": engine.run("probe@alpha:read-file", {"path": "/data/alpha.txt"}),
        "other": engine.run("probe@alpha:read-file", {"path": "/data/bravo.txt"}),
        "escape": engine.run("probe@alpha:read-file", {"path": "/data/../../bravo/data/bravo.txt"}),
    }
    assert runs["list-env"].data == ["SKILL_LABEL", "SKILL_RETRIES", "SKILL_TOKEN"]
    assert runs["config-all"].data == {"label": "label-alpha", "retries": "2", "token": MASK}
    assert runs["env"].output == MASK
    assert runs["config"].data == {"value": "label-alpha"}
    assert runs["list-dir"].data == ["alpha.txt"]
    assert runs["own"].output == "alpha data"
    assert not runs["other"].ok and not runs["escape"].ok
    everything = json.dumps({k: r.to_json() for k, r in runs.items()})
    for foreign in (TOKEN_B, "label-bravo", "bravo data"):
        assert foreign not in everything
    assert TOKEN_A not in everything
    assert engine._policy(engine.skill(probe), "alpha", None).config["token"] == TOKEN_A
    assert engine._policy(engine.skill(probe), "bravo", None).config["token"] == TOKEN_B
