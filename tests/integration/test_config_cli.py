"""`skill instances`, `skill instance …` and `skill config …` as a person runs them: real processes,
real files, exit codes (0 ok, 1 failure such as a broken secret store, 2 bad input) and one-line errors.

The secret store is the encrypted vault under the test's home (SKILL_SECRETS=vault).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from engine.schema import MASK
from engine.secrets import VaultStore
from fixtures.config.skills import fields_manifest, files_containing, install_wat
from fixtures.env import instances_of

API_KEY = "sk-abc12345"
TOKEN = "tok-cli-Zx81Qw0Lm3"
TOKEN2 = "tok-cli-Rotated77Yp"

COMMENTED = """\
# Production settings for typed: hand-written, keep these notes!
host = "https://prod.example"   # the load balancer, not a node

# ports below 1024 need root
port = 8443

[sandbox]
# generous: the prod API is slow
timeout_s = 20.0
"""


@pytest.fixture(autouse=True)
def vault(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKILL_SECRETS", "vault")
    for var in ("EDITOR", "VISUAL"):
        monkeypatch.delenv(var, raising=False)


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    """The one `error:` line on stderr (with --json: the error object's message on stdout)."""
    if "--json" in proc.args:
        assert proc.stderr == "", proc.stderr
        return "error: " + json.loads(proc.stdout)["error"]["message"]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: "), proc.stderr
    return lines[0]


def config_path(engine, skill: str, instance: str = "default") -> Path:
    return instances_of(engine).config_path(skill, instance)


def editor_script(tmp_path: Path, name: str, body: str) -> str:
    """An $EDITOR: a small Python program that rewrites the file it is given."""
    path = tmp_path / name
    path.write_text(
        f"#!{sys.executable}\nimport sys\nfrom pathlib import Path\ndraft = Path(sys.argv[1])\n"
        f"text = draft.read_text()\n{body}\n"
    )
    path.chmod(0o755)
    return str(path)


# ---- 2. instances ------------------------------------------------------------------------------


def test_instance_add_list_rename_copy_remove(skill, engine, typed):
    assert skill("instance", "add", "typed@staging").stdout.strip() == "created typed@staging"
    listed = json.loads(skill("instances", "--json").stdout)
    assert [(r["skill"], r["instance"], r["ready"], r["missing"]) for r in listed] == [
        ("typed", "default", False, ["host", "api_key"]),
        ("typed", "staging", False, ["host", "api_key"]),
    ]
    assert "already exists" in one_line_error(skill("instance", "add", "typed@staging", check=2))
    assert "not a valid instance name" in one_line_error(skill("instance", "add", "typed@Bad_Name", check=2))

    skill("config", "typed@staging", "--set", "host=https://s.example", "--set", f"api_key={API_KEY}")
    data = instances_of(engine).data_dir("typed", "staging")
    (data / "cache.db").write_text("rows")
    assert (
        skill("instance", "rename", "typed@staging", "stage").stdout.strip() == "renamed typed@staging to typed@stage"
    )
    assert not instances_of(engine).dir("typed", "staging").exists()
    assert (instances_of(engine).data_dir("typed", "stage") / "cache.db").read_text() == "rows"
    assert skill("config", "typed@stage", "--get", "api_key").stdout == API_KEY + "\n"
    assert skill("config", "typed@stage", "--get", "host").stdout == "https://s.example\n"
    assert tomllib.loads(config_path(engine, "typed", "stage").read_text())["api_key"] == "vault:typed@stage:api_key"
    assert VaultStore(engine.home).instances("typed") == ["stage"]  # nothing left under the old name
    assert "has no instance 'staging'" in one_line_error(skill("config", "typed@staging", check=2))

    out = skill("instance", "copy", "typed@stage", "bare").stdout
    assert "secrets not copied: --with-secrets copies them" in out
    assert skill("config", "typed@bare", "--get", "host").stdout == "https://s.example\n"
    assert skill("config", "typed@bare", "--get", "api_key").stdout == "\n"
    skill("instance", "copy", "typed@stage", "full", "--with-secrets")
    assert skill("config", "typed@full", "--get", "api_key").stdout == API_KEY + "\n"
    listed = {r["instance"]: r for r in json.loads(skill("instances", "typed", "--json").stdout)}
    assert list(listed) == ["default", "bare", "full", "stage"]
    assert (listed["bare"]["ready"], listed["bare"]["missing"]) == (False, ["api_key"])
    assert listed["full"]["ready"] and listed["stage"]["ready"]

    assert "pass --yes" in one_line_error(skill("instance", "remove", "typed@stage", check=2))
    assert instances_of(engine).dir("typed", "stage").exists()
    skill("instance", "remove", "typed@stage", "--yes")
    assert not instances_of(engine).dir("typed", "stage").exists()
    assert VaultStore(engine.home).keys("typed", "stage") == []
    assert VaultStore(engine.home).get("typed", "full", "api_key") == API_KEY
    assert [r["instance"] for r in json.loads(skill("instances", "--json").stdout)] == ["default", "bare", "full"]

    assert "default cannot be removed" in one_line_error(skill("instance", "remove", "typed@default", "--yes", check=2))
    assert "default cannot be renamed" in one_line_error(skill("instance", "rename", "typed@default", "main", check=2))
    assert instances_of(engine).dir("typed", "default").is_dir()


def test_rename_onto_an_existing_instance_is_refused(skill, engine, typed):
    skill("instance", "add", "typed@a")
    skill("instance", "add", "typed@b")
    skill("config", "typed@a", "--set", "port=1")
    assert "typed@b already exists" in one_line_error(skill("instance", "rename", "typed@a", "b", check=2))
    assert skill("config", "typed@a", "--get", "port").stdout == "1\n"


def test_set_keeps_comments_and_order(skill, engine, typed):
    path = config_path(engine, "typed")
    path.write_text(COMMENTED)
    out = skill("config", "typed", "--set", "port=9443", "--set", "mode=fast", "--set", f"api_key={API_KEY}")
    assert out.stdout.strip() == "saved typed@default: ready"
    text = path.read_text()
    for line in (
        "# Production settings for typed: hand-written, keep these notes!",
        'host = "https://prod.example"   # the load balancer, not a node',
        "# ports below 1024 need root",
        "# generous: the prod API is slow",
        "timeout_s = 20.0",
    ):
        assert line in text
    assert "port = 9443" in text and "port = 8443" not in text
    assert (
        text.index("# Production")
        < text.index("host =")
        < text.index("# ports")
        < text.index("port =")
        < text.index("[sandbox]")
    )
    assert tomllib.loads(text) == {
        "host": "https://prod.example",
        "port": 9443,
        "mode": "fast",
        "api_key": "vault:typed@default:api_key",
        "sandbox": {"timeout_s": 20.0},
    }
    skill("config", "typed", "--unset", "mode", "--memory", "64")
    text = path.read_text()
    assert "# ports below 1024 need root" in text and "# generous: the prod API is slow" in text
    assert tomllib.loads(text)["sandbox"] == {"timeout_s": 20.0, "memory_mb": 64}
    assert "mode" not in tomllib.loads(text)


# ---- 3. refusing bad values; required fields -----------------------------------------------------


@pytest.mark.parametrize(
    "assignment, message",
    [
        ("port=eighty", 'port: expected an integer, got "eighty"'),
        ("port=0", "port: 0 is below the minimum 1"),
        ("ratio=3", "ratio: 3.0 is above the maximum 1"),
        ("verbose=perhaps", 'verbose: expected true or false, got "perhaps"'),
        ("mode=turbo", 'mode: must be one of fast, safe; got "turbo"'),
        ("host=example.com", 'host: "example.com" is not a URL'),
        ("region=Mars", 'region: "Mars" does not match the pattern [a-z]{2}-[a-z]+-[0-9]'),
        ("api_key=sk-Secret!!", "api_key: the secret value does not match the pattern"),
        (
            "colour=red",
            "typed has no config field 'colour'; its fields are: host, port, ratio, verbose, mode, root, "
            "region, api_key",
        ),
        ("noequals", "--set 'noequals': write --set NAME=VALUE"),
    ],
)
def test_an_invalid_value_exits_2_and_leaves_config_toml_byte_identical(skill, engine, typed, assignment, message):
    path = config_path(engine, "typed")
    path.write_text(COMMENTED)
    skill("config", "typed", "--set", f"api_key={API_KEY}")
    before, vault_before = path.read_bytes(), VaultStore(engine.home).path.read_bytes()
    proc = skill("config", "typed", "--set", "mode=safe", "--set", assignment, check=2)
    assert message in one_line_error(proc)
    assert "Secret!!" not in proc.stderr
    assert path.read_bytes() == before
    assert VaultStore(engine.home).path.read_bytes() == vault_before


def test_greeter_validate_config_refusal_exits_2_and_changes_nothing(skill, engine, example):
    example("greeter")
    skill("config", "greeter", "--set", "greeting=Howdy", "--set", "punctuation=.")
    path = config_path(engine, "greeter")
    before = path.read_bytes()
    proc = skill("config", "greeter", "--set", "punctuation=;", "--set", "greeting=Hi", check=2)
    assert one_line_error(proc) == (
        "error: greeter@default: the skill rejects this configuration: punctuation "
        'must be one of "!", ".", "!!", "?!", "…", ""; got ";"'
    )
    proc = skill("config", "greeter", "--set", "api_token=short", check=2)
    assert "api_token looks malformed" in one_line_error(proc) and "short" not in proc.stderr.split("malformed")[1]
    assert path.read_bytes() == before
    assert not VaultStore(engine.home).path.exists()  # the refused token never reached the store
    assert skill("run", "greeter:greet", "--arg", "name=Ada").stdout == "Howdy, Ada.\n"


def test_a_missing_required_field_saves_but_leaves_the_instance_not_ready(skill, engine, typed):
    proc = skill("config", "typed", "--set", "port=7000")
    assert proc.stdout.strip() == "saved typed@default: not ready: missing host, api_key"
    assert tomllib.loads(config_path(engine, "typed").read_text()) == {"port": 7000}
    rows = json.loads(skill("instances", "--json").stdout)
    assert rows == [
        {"skill": "typed", "instance": "default", "ready": False, "missing": ["host", "api_key"], "problems": []}
    ]
    report = json.loads(skill("config", "typed", "--set", "host=https://h.example", "--json").stdout)
    assert report == {"instance": "default", "ready": False, "missing": ["api_key"], "problems": []}
    skill("config", "typed", "--set", f"api_key={API_KEY}")
    assert json.loads(skill("instances", "--json").stdout)[0]["ready"] is True
    assert "typed@default  ready" in skill("instances").stdout.splitlines()


# ---- 4/5. values reach the skill; secrets ----------------------------------------------------------


def run_json(skill, ref: str, *args: str, check: int = 0) -> dict:
    return json.loads(skill("run", ref, *args, "--json", check=check).stdout)


def test_values_reach_the_skill_as_env_and_get_config(skill, probe):
    skill(
        "config",
        "probe",
        "--set",
        "label=green",
        "--set",
        "region=ap-south",
        "--set",
        "retries=7",
        "--set",
        "verbose=no",
    )
    env = {
        n: run_json(skill, "probe:env", "--arg", f"name={n}")["data"]["value"]
        for n in ("SKILL_LABEL", "PROBE_REGION", "SKILL_REGION", "SKILL_RETRIES", "SKILL_VERBOSE")
    }
    assert env == {
        "SKILL_LABEL": "green",
        "PROBE_REGION": "ap-south",
        "SKILL_REGION": None,
        "SKILL_RETRIES": "7",
        "SKILL_VERBOSE": "false",
    }
    assert run_json(skill, "probe:config-all")["data"] == {
        "label": "green",
        "region": "ap-south",
        "retries": "7",
        "verbose": "false",
    }
    assert skill("run", "probe:config", "--arg", "key=label").stdout == "green\n"


def test_greeter_config_status_reports_values_from_the_cli(skill, example):
    example("greeter")
    skill(
        "config",
        "greeter",
        "--set",
        "greeting=Ahoy",
        "--set",
        "sign_off=- Crew",
        "--set",
        "api_token=tok_greeter_abcdef123",
    )
    status = run_json(skill, "greeter:config-status")["data"]
    assert status["greeting"] == {"value": "Ahoy", "source": "get-config", "secret": False}
    assert status["sign_off"] == {"value": "- Crew", "source": "get-config", "secret": False}
    assert status["api_token"] == {"value": "set", "source": "get-config", "secret": True}
    out = skill("run", "greeter:welcome", "--arg", "name=Bo", "--arg", "team=Ops").stdout
    assert out.startswith("Ahoy, Bo!\n") and out.rstrip().endswith("- Crew")


def test_secret_set_get_rotate_unset_export_and_mask(skill, engine, probe, home, tmp_path):
    path = config_path(engine, "probe")
    assert skill("config", "probe", "--set", f"token={TOKEN}", "--set", "label=l1").returncode == 0
    assert tomllib.loads(path.read_text()) == {"token": "vault:probe@default:token", "label": "l1"}
    assert TOKEN not in path.read_text()
    assert skill("config", "probe", "--get", "token").stdout == TOKEN + "\n"
    assert json.loads(skill("config", "probe", "--get", "token", "--json").stdout) == TOKEN
    shown = skill("config", "probe").stdout
    assert f"token = {MASK}  [secret store]" in shown and TOKEN not in shown
    fields = {f["name"]: f for f in json.loads(skill("config", "probe", "--json").stdout)["fields"]}
    assert (fields["token"]["value"], fields["token"]["source"]) == (MASK, "secret store")

    run = skill("run", "probe:env", "--arg", "name=SKILL_TOKEN")
    assert run.stdout == MASK + "\n"  # the skill saw exactly TOKEN; what it printed is masked
    skill("config", "probe", "--set", f"token={TOKEN2}")
    assert skill("config", "probe", "--get", "token").stdout == TOKEN2 + "\n"
    rotated = run_json(skill, "probe:env", "--arg", "name=SKILL_TOKEN")
    assert rotated["output"] == MASK and rotated["data"] == {"value": MASK}  # exactly TOKEN2 now
    assert TOKEN not in json.dumps(rotated)
    assert run_json(skill, "probe:config", "--arg", "key=token")["output"] == MASK

    plain = skill("config", "probe", "--export", "-").stdout
    assert TOKEN2 not in plain and "vault:" not in plain and "token: secret, not exported" in plain
    assert tomllib.loads(plain) == {"label": "l1"}
    full = skill("config", "probe", "--export", "-", "--include-secrets").stdout
    assert tomllib.loads(full) == {"label": "l1", "token": TOKEN2}
    out = tmp_path / "exported.toml"
    assert "(without secrets)" in skill("config", "probe", "--export", str(out)).stdout
    assert TOKEN2 not in out.read_text() and oct(out.stat().st_mode & 0o777) == "0o600"

    history = json.loads(skill("history", "--json").stdout)
    assert len(history) == 3 and all(TOKEN not in json.dumps(h) and TOKEN2 not in json.dumps(h) for h in history)
    assert history[0]["output"] == MASK
    for secret in (TOKEN, TOKEN2):
        assert files_containing(home.root, secret) == [], "a secret in plain bytes under SKILL_ENGINE_HOME"

    skill("config", "probe", "--unset", "token")
    assert "token" not in tomllib.loads(path.read_text())
    assert VaultStore(engine.home).keys("probe", "default") == []
    assert skill("config", "probe", "--get", "token").stdout == "\n"
    assert run_json(skill, "probe:env", "--arg", "name=SKILL_TOKEN")["data"] == {"value": None}


# ---- 6. isolation through the CLI -----------------------------------------------------------------


def test_instances_do_not_see_each_other(skill, engine, probe):
    for inst, token in (("alpha", TOKEN), ("bravo", TOKEN2)):
        skill("instance", "add", f"probe@{inst}")
        skill("config", f"probe@{inst}", "--set", f"token={token}", "--set", f"label={inst}-label")
        skill("run", f"probe@{inst}:write-file", "--arg", f"path=/data/{inst}.txt", "--arg", f"text={inst}-file")
    outs = {
        "list-env": run_json(skill, "probe@alpha:list-env"),
        "config-all": run_json(skill, "probe@alpha:config-all"),
        "list-dir": run_json(skill, "probe@alpha:list-dir"),
        "read-own": run_json(skill, "probe@alpha:read-file", "--arg", "path=/data/alpha.txt"),
        "read-other": run_json(skill, "probe@alpha:read-file", "--arg", "path=/data/bravo.txt", check=1),
    }
    assert outs["list-env"]["data"] == ["SKILL_LABEL", "SKILL_RETRIES", "SKILL_TOKEN"]
    assert outs["config-all"]["data"] == {"label": "alpha-label", "retries": "2", "token": MASK}
    assert outs["list-dir"]["data"] == ["alpha.txt"]
    assert outs["read-own"]["output"] == "alpha-file"
    assert outs["read-other"]["ok"] is False
    dumped = json.dumps(outs)
    assert all(s not in dumped for s in (TOKEN2, "bravo-label", "bravo-file", TOKEN))


# ---- 7. bad input loses nothing ----------------------------------------------------------------------

BROKEN = '# half-finished edit\nhost = "https://prod.example\nport = 8443\n'


def test_hand_edited_invalid_toml_gives_one_line_naming_the_file(skill, engine, typed):
    path = config_path(engine, "typed")
    path.write_text(BROKEN)
    for args in (
        ["config", "typed"],
        ["config", "typed", "--show"],
        ["config", "typed", "--json"],
        ["config", "typed", "--get", "port"],
        ["config", "typed", "--set", "port=1"],
        ["config", "typed", "--unset", "port"],
        ["config", "typed", "--timeout", "3"],
        ["run", "typed:echo", "--arg", "text=x"],
    ):
        line = one_line_error(skill(*args, check=2))
        assert line.startswith(f"error: {path}: invalid TOML (") and "line 2" in line, (args, line)
        assert "skill config typed@default --edit" in line
    assert path.read_text() == BROKEN


def test_instances_still_lists_everything_when_one_config_toml_is_broken(skill, engine, typed):
    """`skill instances` is how a person finds the broken one: that instance is not ready, with the error
    as its problem (Instances.problems() is written for this); the others are listed as usual."""
    skill("instance", "add", "typed@good")
    skill("instance", "add", "typed@broken")
    skill("config", "typed@good", "--set", "host=https://g.example", "--set", f"api_key={API_KEY}")
    config_path(engine, "typed", "broken").write_text(BROKEN)
    rows = {r["instance"]: r for r in json.loads(skill("instances", "--json").stdout)}
    assert list(rows) == ["default", "broken", "good"]
    assert rows["good"]["ready"] is True
    assert rows["broken"]["ready"] is False
    assert any("invalid TOML" in p for p in rows["broken"]["problems"])


def test_edit_can_repair_an_invalid_config_toml(skill, engine, typed, tmp_path):
    """The error for a broken config.toml says: fix it with `skill config … --edit`. That must work."""
    path = config_path(engine, "typed")
    path.write_text(BROKEN)
    fixer = editor_script(tmp_path, "fix.py", "draft.write_text(text.replace('prod.example\\n', 'prod.example\"\\n'))")
    proc = skill("config", "typed", "--edit", env={"EDITOR": fixer})
    assert "saved typed@default" in proc.stdout
    assert path.read_text() == BROKEN.replace("prod.example\n", 'prod.example"\n')  # comment kept
    assert skill("config", "typed", "--get", "port").stdout == "8443\n"


def test_an_unknown_field_is_a_clear_error(skill, engine, typed, tmp_path):
    line = one_line_error(skill("config", "typed", "--set", "hostname=https://x.example", check=2))
    assert line == (
        "error: typed has no config field 'hostname'; its fields are: host, port, ratio, verbose, "
        "mode, root, region, api_key"
    )
    assert not config_path(engine, "typed").exists()
    assert "has no config field 'hostname'" in one_line_error(skill("config", "typed", "--get", "hostname", check=2))
    assert "has no config field 'nope'" in one_line_error(skill("config", "typed", "--unset", "nope", check=2))
    config_path(engine, "typed").write_text('host = "https://x.example"\nhostname = "typo"\n')
    row = json.loads(skill("instances", "--json").stdout)[0]
    assert row["ready"] is False
    assert any(p.startswith("hostname: not a config field of typed") for p in row["problems"])
    shown = skill("config", "typed").stdout
    assert "! hostname: not a config field of typed" in shown


@pytest.mark.parametrize(
    "content, message",
    [
        ('host = "https://i.example"\nport = \n', "invalid TOML"),
        ('host = "https://i.example"\ncolour = "red"\n', "has no config field 'colour'"),
        ('host = "https://i.example"\nport = "8443"\n', 'port: expected an integer, got "8443"'),
        ('host = "https://i.example"\nport = 99999\n', "port: 99999 is above the maximum 65535"),
        ('api_key = "sk-NOT-VALID"\nport = 1\n', "api_key: the secret value does not match"),
        ("port = 2\n[sandbox]\ntimeout_s = -5\n", "timeout_s and memory_mb"),
        ('port = 2\n[sandbox]\nmemory_mb = "lots"\n', "timeout_s and memory_mb"),
        ("port = 2\nsandbox = 5\n", "[sandbox] must be a table"),
    ],
)
def test_import_of_a_bad_file_changes_nothing(skill, engine, typed, tmp_path, content, message):
    path = config_path(engine, "typed")
    path.write_text(COMMENTED)
    skill("config", "typed", "--set", f"api_key={API_KEY}")
    before, vault_before = path.read_bytes(), VaultStore(engine.home).path.read_bytes()
    bad = tmp_path / "bad.toml"
    bad.write_text(content)
    line = one_line_error(skill("config", "typed", "--import", str(bad), check=2))
    assert message in line
    assert "sk-NOT-VALID" not in line
    assert path.read_bytes() == before
    assert VaultStore(engine.home).path.read_bytes() == vault_before


def test_import_of_a_missing_file_is_a_clear_error(skill, tmp_path, typed):
    line = one_line_error(skill("config", "typed", "--import", str(tmp_path / "nope.toml"), check=2))
    assert str(tmp_path / "nope.toml") in line and "No such file" in line


def test_export_then_import_into_another_instance(skill, engine, typed, tmp_path):
    skill(
        "config",
        "typed",
        "--set",
        "host=https://x.example",
        "--set",
        "ratio=0.75",
        "--set",
        "verbose=on",
        "--set",
        f"api_key={API_KEY}",
        "--timeout",
        "4",
    )
    exported = tmp_path / "typed.toml"
    skill("config", "typed", "--export", str(exported), "--include-secrets")
    skill("instance", "add", "typed@clone")
    assert "saved typed@clone: ready" in skill("config", "typed@clone", "--import", str(exported)).stdout
    clone = tomllib.loads(config_path(engine, "typed", "clone").read_text())
    assert clone == {
        "host": "https://x.example",
        "ratio": 0.75,
        "verbose": True,
        "api_key": "vault:typed@clone:api_key",
        "sandbox": {"timeout_s": 4.0},
    }
    assert skill("config", "typed@clone", "--get", "api_key").stdout == API_KEY + "\n"


def test_edit_applies_a_valid_change_and_keeps_comments(skill, engine, typed, tmp_path):
    path = config_path(engine, "typed")
    path.write_text(COMMENTED)
    editor = editor_script(
        tmp_path,
        "ok.py",
        "draft.write_text(text.replace('port = 8443', 'port = 9000  # moved')"
        ".replace('[sandbox]', '# added by the editor\\nmode = \"fast\"\\n\\n"
        "[sandbox]'))",
    )
    proc = skill("config", "typed", "--edit", env={"EDITOR": editor})
    assert proc.stdout.strip() == "saved typed@default: not ready: missing api_key"
    text = path.read_text()
    assert "# Production settings for typed: hand-written, keep these notes!" in text
    assert "# the load balancer, not a node" in text and "# generous: the prod API is slow" in text
    assert "port = 9000  # moved" in text and '# added by the editor\nmode = "fast"' in text
    data = tomllib.loads(text)
    assert (data["port"], data["mode"], data["sandbox"]) == (9000, "fast", {"timeout_s": 20.0})
    assert skill("config", "typed", "--get", "port").stdout == "9000\n"


def test_edit_moves_a_typed_secret_into_the_store(skill, engine, typed, tmp_path):
    path = config_path(engine, "typed")
    path.write_text(COMMENTED)
    editor = editor_script(
        tmp_path, "secret.py", f"draft.write_text(text.replace('port = 8443', 'port = 8443\\napi_key = \"{API_KEY}\"'))"
    )
    assert "saved typed@default: ready" in skill("config", "typed", "--edit", env={"EDITOR": editor}).stdout
    text = path.read_text()
    assert API_KEY not in text and 'api_key = "vault:typed@default:api_key"' in text
    assert "# ports below 1024 need root" in text
    assert skill("config", "typed", "--get", "api_key").stdout == API_KEY + "\n"


@pytest.mark.parametrize(
    "body, message",
    [
        ("draft.write_text(text.replace('port = 8443', 'port = \"many\"'))", "port: expected an integer"),
        ("draft.write_text(text.replace('port = 8443', 'port = 0'))", "port: 0 is below the minimum 1"),
        ("draft.write_text('colour = \"red\"\\n' + text)", "edited config.toml: typed has no config field 'colour'"),
        ("draft.write_text(text.replace('port = 8443', 'port = [unclosed'))", "edited config.toml: invalid TOML"),
        ("draft.write_text(text.replace('timeout_s = 20.0', 'timeout_s = 0'))", "timeout_s and memory_mb"),
        ("sys.exit(3)", "exited with an error; config.toml unchanged"),
    ],
)
def test_edit_with_an_invalid_result_is_refused_and_the_file_unchanged(skill, engine, typed, tmp_path, body, message):
    path = config_path(engine, "typed")
    path.write_text(COMMENTED)
    editor = editor_script(tmp_path, "bad.py", body)
    line = one_line_error(skill("config", "typed", "--edit", env={"EDITOR": editor}, check=2))
    assert message in line
    assert path.read_text() == COMMENTED


def test_edit_greeter_refused_by_the_skill(skill, engine, example, tmp_path):
    example("greeter")
    skill("config", "greeter", "--set", "punctuation=!!")
    path = config_path(engine, "greeter")
    before = path.read_bytes()
    editor = editor_script(tmp_path, "punct.py", "draft.write_text(text.replace('\"!!\"', '\"~\"'))")
    line = one_line_error(skill("config", "greeter", "--edit", env={"EDITOR": editor}, check=2))
    assert "the skill rejects this configuration: punctuation must be one of" in line
    assert path.read_bytes() == before


def test_a_corrupt_vault_is_a_clear_error_and_is_kept(skill, engine, probe):
    skill("config", "probe", "--set", f"token={TOKEN}")
    vault = VaultStore(engine.home).path
    garbage = b"\x00corrupted by a bad disk\xff" * 4
    vault.write_bytes(garbage)
    config_before = config_path(engine, "probe").read_bytes()
    for args in (
        ["config", "probe", "--get", "token"],
        ["config", "probe", "--set", f"token={TOKEN2}"],
        ["config", "probe", "--unset", "token"],
        ["run", "probe:env", "--arg", "name=SKILL_TOKEN"],
        ["config", "probe", "--export", "-", "--include-secrets"],
    ):
        line = one_line_error(skill(*args, check=1))
        assert line.startswith(f"error: the vault {vault} cannot be decrypted"), (args, line)
        assert "restore them from a backup" in line
    assert vault.read_bytes() == garbage
    assert config_path(engine, "probe").read_bytes() == config_before
    assert f"token = {MASK}" in skill("config", "probe").stdout  # showing needs no decryption


# ---- 8. concurrency -----------------------------------------------------------------------------


def parallel(skill_args: list[list[str]]) -> list[subprocess.CompletedProcess]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "engine.cli", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        for args in skill_args
    ]
    done = []
    for p in procs:
        out, err = p.communicate(timeout=60)
        done.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    return done


def test_parallel_sets_of_different_fields_lose_nothing(engine, tmp_path, home):
    fields = [f"field_{i}" for i in range(6)]
    install_wat(engine, tmp_path, "many", fields_manifest("many", fields))
    engine.add_instance("many", "inst")
    path = config_path(engine, "many", "inst")
    path.write_text("# shared by six writers\n")
    for round_ in range(3):
        results = parallel([["config", "many@inst", "--set", f"{f}=value-{round_}-{f}"] for f in fields])
        assert [r.returncode for r in results] == [0] * 6, [r.stderr for r in results]
        data = tomllib.loads(path.read_text())
        assert data == {f: f"value-{round_}-{f}" for f in fields}
    assert path.read_text().startswith("# shared by six writers\n")
    assert sorted(p.name for p in path.parent.iterdir()) == [".config.lock", "config.toml", "data"]


def test_parallel_sets_of_the_same_field_leave_one_whole_value(engine, tmp_path, home):
    install_wat(engine, tmp_path, "many", fields_manifest("many", ["field"]))
    values = [f"writer-{i}-" + "x" * 200 for i in range(6)]
    results = parallel([["config", "many", "--set", f"field={v}"] for v in values])
    assert [r.returncode for r in results] == [0] * 6, [r.stderr for r in results]
    data = tomllib.loads(config_path(engine, "many").read_text())
    assert list(data) == ["field"] and data["field"] in values


def test_parallel_secret_sets_keep_every_secret(engine, tmp_path, home):
    fields = [f"key_{i}" for i in range(6)]
    install_wat(engine, tmp_path, "keys", fields_manifest("keys", fields, secret=True))
    results = parallel([["config", "keys", "--set", f"{f}=secret-value-{f}"] for f in fields])
    assert [r.returncode for r in results] == [0] * 6, [r.stderr for r in results]
    data = tomllib.loads(config_path(engine, "keys").read_text())
    assert data == {f: f"vault:keys@default:{f}" for f in fields}
    store = VaultStore(engine.home)
    assert {f: store.get("keys", "default", f) for f in fields} == {f: f"secret-value-{f}" for f in fields}


# ---- 9. no TTY: print, never prompt ---------------------------------------------------------------


def test_config_without_flags_and_without_a_tty_prints_and_does_not_prompt(skill, engine, typed):
    skill("config", "typed", "--set", "port=81", "--set", f"api_key={API_KEY}")
    proc = subprocess.run(
        [sys.executable, "-m", "engine.cli", "config", "typed"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=20,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "typed@default: not ready"
    assert "  host = (not set)  (url, required; env SKILL_HOST)" in lines
    assert "  port = 81  [config.toml]  (integer; env SKILL_PORT)" in lines
    assert "  mode = safe  [default]  (enum; env SKILL_MODE)" in lines
    assert "  region = (not set)  (string; env TYPED_REGION)" in lines
    assert f"  api_key = {MASK}  [secret store]  (string, required, secret; env SKILL_API_KEY)" in lines
    assert "  ! missing host" in lines
    assert API_KEY not in proc.stdout and proc.stderr == ""
    assert tomllib.loads(config_path(engine, "typed").read_text()) == {
        "port": 81,
        "api_key": "vault:typed@default:api_key",
    }


def test_sandbox_limits_from_the_cli(skill, engine, typed):
    skill("config", "typed", "--timeout", "2.5", "--memory", "96")
    assert instances_of(engine).overrides("typed", "default") == {"timeout_s": 2.5, "memory_mb": 96}
    before = config_path(engine, "typed").read_bytes()
    assert "timeout_s and memory_mb" in one_line_error(skill("config", "typed", "--timeout", "-1", check=2))
    assert "timeout_s and memory_mb" in one_line_error(skill("config", "typed", "--memory", "0", check=2))
    assert config_path(engine, "typed").read_bytes() == before
