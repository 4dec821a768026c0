"""The REST endpoints under `/api/v1`: skills, execute, search, history, the OpenAPI document.
They serve what the MCP server serves (its `--skill`/`--instance` selection), through the same gate."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from engine.serve import models as m
from engine.serve.table import ApiRoute, parse_query

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from engine.serve.context import ServeContext

API = "/api/v1"


def _served_skills(ctx: ServeContext) -> list[str]:
    """The names of the skills this server serves, tools or knowledge, in catalog order."""
    ctx.server.refresh()
    names = dict.fromkeys(e.skill for e in ctx.server.catalog.values())
    names.update(dict.fromkeys(s.name for s in ctx.server.library.skills))
    return list(names)


async def list_skills(request: Request, ctx: ServeContext) -> Response:
    import anyio
    from starlette.responses import JSONResponse

    query = parse_query(request, m.SkillsQuery)

    def build() -> m.SkillList:
        out = []
        for name in _served_skills(ctx):
            skill = ctx.engine.skill(name)
            if query.kind and skill.kind != query.kind:
                continue
            reports = ctx.engine.instance_status(name) if skill.has_component else []
            out.append(
                m.SkillSummary(
                    name=skill.name,
                    version=skill.version,
                    description=skill.description,
                    kind=cast(m.Kind, skill.kind),
                    instances=[
                        m.InstanceSummary(name=r.instance, ready=r.ready, missing=list(r.missing)) for r in reports
                    ],
                    tools=[t.name for t in skill.tools],
                )
            )
        return m.SkillList(skills=out)

    listing = await anyio.to_thread.run_sync(build)
    return JSONResponse(listing.model_dump(mode="json"))


ROUTES = [
    ApiRoute(
        "GET",
        f"{API}/skills",
        "listSkills",
        "The served skills with their instances (ready or what is missing) and tool names",
        list_skills,
        query=m.SkillsQuery,
        responses={200: m.SkillList, 400: m.ErrorBody},
    ),
]
