"""What a REST run request names, checked before anything runs: the tool reference of an `ExecuteRequest`,
served by this server (its `--skill`/`--instance` selection) and ready (its required config set). The
engine's own checks (unknown skill, tool or instance, bad arguments) come from `Engine.run`, which
raises them before the run starts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.serve.errors import ApiError

if TYPE_CHECKING:
    from engine.serve.context import ServeContext
    from engine.serve.models import ExecuteRequest


def served_ref(ctx: ServeContext, request: ExecuteRequest) -> str:
    """The `SKILL@INSTANCE:TOOL` to run, or a 404 (not served here, unknown skill) or 409 (not ready).
    Blocking (it reads the store): call it in a worker thread."""
    engine = ctx.engine
    ref = engine.tool_ref(request.target)
    skill = engine.skill(ref.skill)
    if not ctx.server.options.selection.wants(ref.skill, ref.instance):
        raise ApiError(404, f"{ref.of} is not served by this server; GET /api/v1/skills lists what is")
    if skill.tool(ref.tool) is not None:  # else Engine.run says which tools there are
        report = engine.config.report(ref.skill, ref.instance)
        if not report.ready:
            what = f"missing {', '.join(report.missing)}" if report.missing else "; ".join(report.problems)
            raise ApiError(
                409,
                f"{ref.of} is not ready: {what}; set it with `skill config {ref.of}`",
                details={"missing": list(report.missing), "problems": list(report.problems)},
            )
    return str(ref)
