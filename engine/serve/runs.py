"""What a REST request names, checked before anything runs: the skills this server serves (its
`--skill`/`--instance` selection, read from the MCP server's catalog and knowledge library), and the
tool of an `ExecuteRequest` (`/execute` and `/stream`): served here (404 saying which part is unknown)
and ready (409 naming the missing config). Blocking (they read the store): call them in a worker thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.errors import ApiError, NotFoundError

if TYPE_CHECKING:
    from engine.serve.context import ServeContext
    from engine.serve.models import ExecuteRequest
    from engine.store import InstalledSkill

API = "/api/v1"


def served_skills(ctx: ServeContext) -> list[str]:
    """The names of the skills this server serves, tools or knowledge, in catalog order."""
    ctx.server.refresh()
    names = dict.fromkeys(e.skill for e in ctx.server.catalog.values())
    names.update(dict.fromkeys(s.name for s in ctx.server.library.skills))
    return list(names)


def served_skill(ctx: ServeContext, name: str) -> InstalledSkill:
    """An installed skill this server serves, or a 404 naming the ones it does."""
    served = served_skills(ctx)
    if name not in served:
        raise NotFoundError(f"no skill named {name!r} is served here; served: {', '.join(served) or 'none'}")
    return ctx.engine.skill(name)


def served_ref(ctx: ServeContext, body: ExecuteRequest) -> str:
    """The `SKILL@INSTANCE:TOOL` a run names, served here and ready; else a 404 or a 409."""
    ref = ctx.engine.tool_ref(body.target)
    skill, instance, tool = ref.skill, ref.instance, ref.tool
    installed = served_skill(ctx, skill)
    catalog = ctx.server.catalog.values()
    if not any((e.skill, e.instance, e.tool.name) == (skill, instance, tool) for e in catalog):
        instances = list(dict.fromkeys(e.instance for e in catalog if e.skill == skill))
        if not installed.has_component:
            why = f"{skill} is a knowledge skill: it has no tools to run; read it with GET {API}/skills/{skill}"
        elif instance not in instances:
            why = f"{skill} has no instance {instance!r} served here; instances: {', '.join(instances)}"
        else:
            why = f"{skill} has no tool {tool!r}; its tools are: {', '.join(t.name for t in installed.tools)}"
        raise NotFoundError(why)
    report = ctx.engine.config.report(skill, instance)
    if not report.ready:
        raise ApiError(
            409,
            f"{skill}@{instance} is not ready: {report.why_not_ready}; "
            f"configure it with `skill config {skill}@{instance} --set FIELD=VALUE`",
            details={"instance": instance, "missing": list(report.missing), "problems": list(report.problems)},
        )
    return str(ref)
