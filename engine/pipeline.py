"""The one run pipeline: policy -> call -> parse -> mask.

Every call into a skill goes through here: `Engine.run` (installed components), dev
mode (the dev host evaluating a folder's source), the skill's own `validate-config`
when an instance is configured, and the `get-metadata`/`get-tools` calls of an install.
So a sandbox is described in one place (`policy`), and a rule about a run, above all
"an instance's secret values never leave the run unmasked", is written once.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.events import RequestRecord
from engine.protocol import parse_tool_result, parse_validation
from engine.schema import MASK, ConfigField
from engine.values import as_text

if TYPE_CHECKING:
    from pathlib import Path

    from engine.instances import Instances
    from engine.network.policy import NetworkPolicy
    from engine.runtime import SandboxPolicy, WasmRuntime
    from engine.schema import Capabilities
    from engine.store import InstalledSkill

Mask = Callable[[str], str]


def policy(
    data_dir: Path | None,
    fields: Iterable[ConfigField],
    values: dict[str, Any],
    *,
    timeout_s: float,
    memory_mb: int,
    extra_env: dict[str, str] | None = None,
    network: NetworkPolicy | None = None,
    data_writable: bool = True,
) -> SandboxPolicy:
    """What one call may see: `data_dir` as /data (read-only unless `data_writable`), `values` (secrets already resolved) as
    `get-config` text and as the fields' env vars, its limits and its network. Nothing else: a field
    declared `expose: false` is in neither env nor get-config (only `network`'s injection carries it)."""
    from engine.runtime import SandboxPolicy

    by_name = {f.name: f for f in fields}
    config = {key: as_text(value) for key, value in exposed(by_name.values(), values).items() if value is not None}
    env = {(by_name.get(key) or ConfigField(name=key)).env_var: text for key, text in config.items()}
    return SandboxPolicy(
        data_dir=data_dir,
        data_writable=data_writable,
        env={**env, **(extra_env or {})},
        config=config,
        timeout_s=timeout_s,
        memory_mb=memory_mb,
        network=network,
    )


def exposed(fields: Iterable[ConfigField], values: dict[str, Any]) -> dict[str, Any]:
    """`values` without the fields the skill may not read (`expose: false`)."""
    hidden = {f.name for f in fields if not f.expose}
    return {key: value for key, value in values.items() if key not in hidden}


def network_policy(
    instances: Instances,
    skill: str,
    instance: str,
    fields: tuple[ConfigField, ...],
    capabilities: Capabilities,
    values: dict[str, Any],
) -> NetworkPolicy:
    """The instance's effective allowlist and host-bound secrets for one call (`values`: secrets resolved)."""
    from engine.network.access import network_policy as build

    return build(skill, instance, fields, capabilities.network, instances.grants(skill, instance), values)


def sandbox_policy(
    instances: Instances,
    resolve_secret: Callable[[str], str],
    skill: str,
    instance: str,
    fields: tuple[ConfigField, ...],
    capabilities: Capabilities,
    timeout: float | None,
    extra_env: dict[str, str] | None = None,
) -> SandboxPolicy:
    """What one run of `skill@instance` may see: its /data, config (secrets resolved), limits and network."""
    fields = instances.fields(skill, instance, fields)  # a skill that declares none: the instance's keys
    limits = instances.overrides(skill, instance)
    values = instances.resolved_values(skill, instance, fields, resolve_secret)
    return policy(
        instances.data_dir(skill, instance),
        fields,
        values,
        timeout_s=timeout or limits.get("timeout_s", capabilities.timeout_s),
        memory_mb=limits.get("memory_mb", capabilities.memory_mb),
        extra_env=extra_env,
        network=network_policy(instances, skill, instance, fields, capabilities, values),
        data_writable=not instances.home.readonly,
    )


def masker(fields: Iterable[ConfigField], policy: SandboxPolicy) -> Mask:
    """A function that hides this instance's secret values in any text shown or stored: those the skill
    sees, and the host-bound ones it never sees (a server may still echo the header back)."""
    injected = policy.network.inject if policy.network is not None else ()
    values = {policy.config[f.name] for f in fields if f.secret and policy.config.get(f.name)}
    values |= {text for i in injected for text in (i.value, i.secret) if text}
    hidden = sorted(values, key=len, reverse=True)

    def mask(text: str) -> str:
        for value in hidden:
            text = text.replace(value, MASK)
        return text

    return mask


def mask_data(data: Any, mask: Mask) -> Any:
    """Apply `mask` to every string inside a JSON value."""
    if isinstance(data, str):
        return mask(data)
    if isinstance(data, list):
        return [mask_data(v, mask) for v in data]
    if isinstance(data, dict):
        return {mask(k): mask_data(v, mask) for k, v in data.items()}
    return data


def mask_record(record: RequestRecord, mask: Mask) -> RequestRecord:
    """`record` with `mask` applied to its texts (a secret may sit in a URL path or an error message)."""
    return dataclasses.replace(
        record,
        url=mask(record.url),
        reason=None if record.reason is None else mask(record.reason),
        hint=None if record.hint is None else mask(record.hint),
    )


@dataclass(frozen=True)
class ToolCall:
    """One tool call's result, every text in it already masked."""

    ok: bool
    output: str
    error: str | None
    data: Any
    stdout: str
    stderr: str
    duration_ms: float
    stopped: str | None
    args: dict[str, Any]
    requests: tuple[RequestRecord, ...] = ()


def call_tool(
    runtime: WasmRuntime,
    component: Any,
    policy: SandboxPolicy,
    fields: Iterable[ConfigField],
    tool: str,
    args: dict[str, Any],
    *,
    on_line: Callable[[str, str], None] | None = None,
    on_request: Callable[[RequestRecord], None] | None = None,
    cancel: Any = None,
) -> ToolCall:
    """Call `execute-tool` in a fresh sandbox; the result, each streamed line and each outbound request
    come back masked."""
    mask = masker(fields, policy)
    masked_line = masked_request = None
    if on_line is not None:

        def masked_line(stream: str, text: str, _emit=on_line) -> None:
            _emit(stream, mask(text))

    if on_request is not None:

        def masked_request(record: RequestRecord, _emit=on_request) -> None:
            _emit(mask_record(record, mask))

    outcome = runtime.call(
        component,
        policy,
        "execute-tool",
        tool,
        json.dumps(args),
        on_line=masked_line,
        on_request=masked_request,
        cancel=cancel,
    )
    if outcome.value is None:
        ok, output, error, data = False, "", outcome.failure, None
    else:
        told = parse_tool_result(outcome.value, tool)
        ok, output, error, data = told.ok, told.output, told.error, told.data
    return ToolCall(
        ok=ok,
        output=mask(output),
        error=mask(error) if error else None,
        data=mask_data(data, mask),
        stdout=mask(outcome.stdout),
        stderr=mask(outcome.stderr),
        duration_ms=outcome.duration_ms,
        stopped=outcome.stopped,
        args=mask_data(args, mask),
        requests=tuple(mask_record(record, mask) for record in outcome.requests),
    )


def validate_config(
    runtime: WasmRuntime,
    skill: InstalledSkill,
    data_dir: Path | None,
    values: dict[str, Any],
    network: NetworkPolicy | None = None,
) -> str | None:
    """The skill's own `validate-config` on `values` (secrets resolved): its complaint, masked, or None.

    With `network` (the instance's grants and host-bound secrets) it may call its service to check a
    token; the JSON it is given holds no `expose: false` value, as its env and get-config do not."""
    if not skill.has_component:
        return None  # a knowledge skill has no code to check its config with
    config = {key: value for key, value in values.items() if value is not None}
    limits = skill.capabilities
    checked = policy(
        data_dir, skill.config, config, timeout_s=limits.timeout_s, memory_mb=limits.memory_mb, network=network
    )
    component = runtime.load(skill.component_sha256, skill.component_path)
    outcome = runtime.call(component, checked, "validate-config", json.dumps(exposed(skill.config, config)))
    complaint = outcome.failure if outcome.value is None else parse_validation(outcome.value)
    return masker(skill.config, checked)(complaint) if complaint else None
