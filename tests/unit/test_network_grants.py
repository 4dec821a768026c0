"""Per-instance network grants, the policy a run gets from them, host-bound secrets and the install review
(issue 13 items 4-7), on WAT components through the real engine."""

from __future__ import annotations

import json

import pytest

from engine.errors import InstallDeclined, ManifestError, PatternError, UsageError
from engine.pipeline import masker
from fixtures.env import instances_of
from fixtures.network import TOKEN, github_manifest, skill_folder

pytestmark = pytest.mark.usefixtures("vault")


def accept(_review) -> bool:
    return True


@pytest.fixture
def gh(engine, tmp_path) -> str:
    """A skill declaring api.github.com and {{ config.host }}, with a host-bound token (expose: false)."""
    return engine.install(skill_folder(tmp_path, github_manifest()), review=accept).skill.name


def policy_of(engine, name: str, instance: str = "default"):
    skill = engine.skill(name)
    return engine.sandbox_policy(name, instance, skill.config, skill.capabilities)


def allowed(engine, name: str, instance: str = "default") -> list[str]:
    network = policy_of(engine, name, instance).network
    assert network is not None
    return [p.text for p in network.allow]


# ---- effective = (declared ∪ granted) − revoked --------------------------------------------------


def test_effective_list_is_declared_plus_granted_minus_revoked(engine, gh):
    access = engine.grant(gh, "default", ["http://127.0.0.1:8080", "*.example.org"])
    assert access.effective == ("api.github.com", "{{ config.host }}", "http://127.0.0.1:8080", "*.example.org")
    access = engine.revoke(gh, "default", ["API.GitHub.com."])  # compared by what it allows, not spelling
    assert access.revoked == ("api.github.com",)  # kept as the manifest spells it
    assert "api.github.com" not in access.effective
    access = engine.revoke(gh, "default", ["*.example.org"])  # a granted one is dropped, not "revoked"
    assert access.granted == ("http://127.0.0.1:8080",) and access.revoked == ("api.github.com",)
    access = engine.grant(gh, "default", ["api.github.com"])  # granting a revoked declared one restores it
    assert access.revoked == () and access.effective[0] == "api.github.com"
    assert engine.grant(gh, "default", ["api.github.com"]).granted == ("http://127.0.0.1:8080",)  # declared: no copy
    # the run's policy follows, {{ config.host }} dropped while host is empty
    assert allowed(engine, gh) == ["api.github.com", "http://127.0.0.1:8080"]


def test_grants_are_per_instance(engine, gh):
    engine.add_instance(gh, "work")
    engine.grant(gh, "work", ["http://localhost:9000"])
    engine.revoke(gh, "default", ["api.github.com"])
    assert allowed(engine, gh, "work") == ["api.github.com", "http://localhost:9000"]
    assert allowed(engine, gh, "default") == []
    engine.config.save(gh, "work", {"host": "gitlab.example.com"})
    assert allowed(engine, gh, "work") == ["api.github.com", "{{ config.host }}", "http://localhost:9000"]
    assert policy_of(engine, gh, "work").network.allow[1].host == "gitlab.example.com"  # filled per instance


def test_a_skill_that_declares_nothing_has_no_network_until_granted(engine, tmp_path):
    name = engine.install(skill_folder(tmp_path, "name: plain\nversion: 1.0.0\n", name="plain")).skill.name
    assert allowed(engine, name) == []
    engine.grant(name, "default", ["http://127.0.0.1:8123"])
    assert allowed(engine, name) == ["http://127.0.0.1:8123"]
    assert engine.network_access(name).declared == ()


def test_a_config_value_that_is_not_a_host_is_refused_before_the_run(engine, gh):
    instances_of(engine).write(gh, "default", {"host": "evil.com/x"})
    with pytest.raises(UsageError, match=r"config.host is 'evil.com/x', which is not a host name"):
        policy_of(engine, gh)
    with pytest.raises(UsageError, match="not a host name"):  # and save refuses it in the first place
        engine.config.save(gh, "default", {"host": "*.evil.com"})


@pytest.mark.parametrize(
    ("pattern", "fix"),
    [
        ("*", "name the hosts"),
        ("*://*:*", "name the hosts"),
        ("https://api.example.com/repos", "a grant has no path"),
        ("user:pw@api.example.com", "no user name or password"),
        ("*.com", "name the domain"),
        ("ftp://files.example.com", "only http and https"),
        ("api.*.example.com", "'*' may only open a name"),
        ("{{ config.nope }}", "names no config field"),
    ],
)
def test_denied_patterns_are_refused_and_nothing_is_written(engine, gh, pattern, fix):
    before = engine.network_access(gh)
    with pytest.raises(PatternError, match=fix):
        engine.grant(gh, "default", ["ok.example.com", pattern])  # checked all first: none is written
    assert engine.network_access(gh) == before
    assert not instances_of(engine).config_path(gh, "default").exists()


def test_revoking_what_is_neither_declared_nor_granted_says_what_is(engine, gh):
    with pytest.raises(UsageError, match=r"evil.com is neither declared nor granted.*api.github.com"):
        engine.revoke(gh, "default", ["evil.com"])


def test_grants_travel_with_export_import_copy_and_edit(engine, gh):
    engine.grant(gh, "default", ["http://127.0.0.1:8080"])
    engine.revoke(gh, "default", ["api.github.com"])
    text = engine.config.export(gh, "default")
    assert "[network]" in text
    engine.add_instance(gh, "other")
    engine.config.import_text(gh, "other", text, "exported.toml")
    engine.config.copy(gh, "default", "copied")
    for instance in ("other", "copied"):
        assert engine.network_access(gh, instance).effective == ("{{ config.host }}", "http://127.0.0.1:8080")
    engine.config.apply_edit(gh, "default", 'host = "gitlab.example.com"\n' + text, "edited config.toml")
    assert engine.network_access(gh).granted == ("http://127.0.0.1:8080",)


def test_a_hand_edited_network_table_outside_the_grammar_is_reported(engine, gh):
    path = instances_of(engine).config_path(gh, "default")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[network]\ngranted = ["*"]\n', encoding="utf-8")
    (problem,) = engine.config.report(gh, "default").problems
    assert "[network] granted: '*' grants every host" in problem
    with pytest.raises(UsageError, match="grants every host"):
        policy_of(engine, gh)


# ---- host-bound secrets ----------------------------------------------------------------------


def test_an_unexposed_secret_reaches_only_the_injection(engine, gh):
    engine.config.save(gh, "default", {"token": TOKEN, "plain_secret": "visible-1", "host": "h.example.com"})
    policy = policy_of(engine, gh)
    assert TOKEN not in json.dumps(policy.env) + json.dumps(policy.config)
    assert policy.config["plain_secret"] == "visible-1"  # raw config stays the default
    (inj,) = policy.network.inject
    assert (inj.field, inj.header, inj.value, [p.text for p in inj.hosts]) == (
        "token",
        "authorization",
        f"Bearer {TOKEN}",
        ["api.github.com"],
    )
    mask = masker(engine.skill(gh).config, policy)
    shown = mask(f"echo: Authorization: Bearer {TOKEN}; raw {TOKEN}; other visible-1")
    assert TOKEN not in shown and "visible-1" not in shown


def test_a_run_masks_a_host_bound_secret_wherever_it_shows_up(engine, gh):
    engine.config.save(gh, "default", {"token": TOKEN})
    result = engine.run(f"{gh}:echo", {"text": f"Bearer {TOKEN}"})
    assert result.ok and TOKEN not in json.dumps(result.data) + result.output


def test_validate_config_json_holds_no_unexposed_value(engine, tmp_path):
    folder = skill_folder(tmp_path, github_manifest(), validate="echo")
    engine.install(folder, review=accept)
    with pytest.raises(UsageError) as refused:  # the WAT skill complains with the JSON it was given
        engine.config.save("gh", "default", {"token": TOKEN, "plain_secret": "visible-1", "host": "h.example.com"})
    seen = str(refused.value)
    assert '"host": "h.example.com"' in seen or '"host":"h.example.com"' in seen
    assert '"plain_secret"' in seen  # an exposed secret is given (and masked in the message)
    assert '"token"' not in seen and TOKEN not in seen


@pytest.mark.parametrize(
    ("field", "fix"),
    [
        ("    inject: {header: X-Key, hosts: [a.example.com]}\n", "add `secret: true`"),
        (
            "    secret: true\n    inject: {header: X-Key, format: Bearer, hosts: [a.example.com]}\n",
            "must contain {value}",
        ),
        ("    secret: true\n    inject: {header: X-Key, hosts: ['*']}\n", "hosts[0]: '*' grants every host"),
        ("    secret: true\n    inject: {header: X-Key, hosts: [a.example.com/x]}\n", "no path"),
        ("    secret: true\n    inject: {header: X-Key}\n", "list the hosts"),
        ("    secret: true\n    inject: {header: Host, hosts: [a.example.com]}\n", "not a header the host can set"),
        ("    secret: true\n    expose: false\n", "add inject:"),
        ("    secret: true\n    expose: nope\n", "write true or false"),
    ],
)
def test_bad_injections_are_refused_with_file_field_and_fix(engine, tmp_path, field, fix):
    folder = skill_folder(tmp_path, "name: bad\nversion: 1.0.0\nconfig:\n  key:\n" + field, name="bad")
    with pytest.raises(ManifestError) as refused:
        engine.install(folder)
    message = str(refused.value)
    assert message.startswith(f"{folder / 'skill.yaml'}: config.key") and fix in message, message


# ---- the capability review -----------------------------------------------------------------


def test_the_review_says_what_is_asked_and_is_recorded(engine, tmp_path):
    seen = []
    report = engine.install(skill_folder(tmp_path, github_manifest()), review=lambda r: seen.append(r) or True)
    (review,) = seen
    assert review.needs_consent and review.previous_version is None
    assert review.asked.network == ("api.github.com", "{{ config.host }}")
    text = "\n".join(review.lines())
    assert "secret token, sent as Authorization to api.github.com only, never shown to the skill" in text
    assert "/data" in text and "30 s and 256 MiB" in text
    assert report.skill.review is not None and report.skill.review.consented
    assert engine.skill("gh").review == report.skill.review  # stored with the installed skill
    engine.install(skill_folder(tmp_path, github_manifest()), review=lambda r: seen.append(r) or True)
    assert len(seen) == 1  # an unchanged reinstall asks nothing


def test_a_refused_review_installs_nothing(engine, tmp_path):
    with pytest.raises(InstallDeclined, match="not installed"):
        engine.install(skill_folder(tmp_path, github_manifest()), review=lambda r: False)
    assert engine.skills() == []
    assert not (engine.home.instances / "gh").exists()


def test_an_upgrade_that_widens_asks_again_and_a_refusal_keeps_the_installed_version(engine, tmp_path):
    engine.install(skill_folder(tmp_path, github_manifest()), review=accept)
    engine.grant("gh", "default", ["http://127.0.0.1:8080"])
    wider = github_manifest("1.1.0", 'api.github.com, "{{ config.host }}", uploads.github.com', "  memory_mb: 512\n")
    seen = []
    with pytest.raises(InstallDeclined, match="gh 1.0.0 stays installed"):
        engine.install(skill_folder(tmp_path, wider, folder="v2"), review=lambda r: seen.append(r) or False)
    (review,) = seen
    assert review.previous_version == "1.0.0" and review.needs_consent
    assert review.widened == ("network: uploads.github.com (new)", "memory limit: 512 MiB per run (was 256 MiB)")
    assert engine.skill("gh").version == "1.0.0" and engine.skill("gh").component_path.is_file()
    assert engine.network_access("gh").granted == ("http://127.0.0.1:8080",)
    # a narrower upgrade needs no consent
    seen.clear()
    narrower = github_manifest("1.2.0", "api.github.com")
    assert engine.install(skill_folder(tmp_path, narrower, folder="v3"), review=lambda r: seen.append(r) or True)
    assert seen[0].widened == () and not seen[0].needs_consent


def test_a_skill_without_network_needs_no_consent(engine, tmp_path):
    seen = []
    engine.install(
        skill_folder(tmp_path, "name: quiet\nversion: 1.0.0\n", name="quiet"), review=lambda r: seen.append(r) or True
    )
    assert not seen[0].needs_consent and seen[0].asked.network == ()
