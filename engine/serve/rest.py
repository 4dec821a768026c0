"""The REST endpoints under `/api/v1`: skills, execute, search, history (the OpenAPI document is
`engine.serve.openapi`). They serve what the MCP server serves (its `--skill`/`--instance` selection,
read from its catalog and knowledge library), and runs go through the same gate as MCP's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from engine.errors import NotFoundError
from engine.mcp.schema import input_schema
from engine.serve import models as m
from engine.serve.runs import API, served_ref, served_skill, served_skills
from engine.serve.table import ApiRoute, parse_body, parse_query

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from engine.configuration import ConfigReport
    from engine.schema import ConfigField
    from engine.serve.context import ServeContext
    from engine.store import InstalledSkill

_CONFIG_TYPES = {"number": "number", "integer": "integer", "boolean": "boolean"}  # the rest are strings


def _instances(ctx: ServeContext, skill: InstalledSkill) -> list[ConfigReport]:
    """The served instances of a skill with what keeps each from being ready (none for knowledge)."""
    if not skill.has_component:
        return []
    wants = ctx.server.options.selection.wants
    return [r for r in ctx.engine.instance_status(skill.name) if wants(skill.name, r.instance)]


def _summaries(reports: list[ConfigReport]) -> list[m.InstanceSummary]:
    return [m.InstanceSummary(name=r.instance, ready=r.ready, missing=list(r.missing)) for r in reports]


async def _in_thread(work: Any, *args: Any) -> Any:
    """Store reads and searches block: off the event loop, like the MCP handlers."""
    import anyio

    return await anyio.to_thread.run_sync(work, *args)


def _json(model: Any) -> Response:
    from starlette.responses import JSONResponse

    return JSONResponse(model.model_dump(mode="json"))


# ---- skills -------------------------------------------------------------------------------------------


async def list_skills(request: Request, ctx: ServeContext) -> Response:
    query = parse_query(request, m.SkillsQuery)

    def build() -> m.SkillList:
        out = []
        for name in served_skills(ctx):
            skill = ctx.engine.skill(name)
            if query.kind and skill.kind != query.kind:
                continue
            out.append(
                m.SkillSummary(
                    name=skill.name,
                    version=skill.version,
                    description=skill.description,
                    kind=cast(m.Kind, skill.kind),
                    instances=_summaries(_instances(ctx, skill)),
                    tools=[t.name for t in skill.tools],
                )
            )
        return m.SkillList(skills=out)

    return _json(await _in_thread(build))


def config_schema(fields: tuple[ConfigField, ...]) -> dict[str, Any]:
    """An instance's config as a JSON schema. A secret field is `writeOnly` and shows no default: a
    client learns that it exists and how to set it, never a value."""
    properties: dict[str, Any] = {}
    for f in fields:
        schema: dict[str, Any] = {"type": _CONFIG_TYPES.get(f.type, "string")}
        if f.type == "url":
            schema["format"] = "uri"
        if f.description:
            schema["description"] = f.description
        if f.enum:
            schema["enum"] = list(f.enum)
        if f.pattern:
            schema["pattern"] = f.pattern
        if f.minimum is not None:
            schema["minimum"] = f.minimum
        if f.maximum is not None:
            schema["maximum"] = f.maximum
        if f.secret:
            schema["writeOnly"] = True
        elif f.default is not None:
            schema["default"] = f.default
        properties[f.name] = schema
    out: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    required = [f.name for f in fields if f.required]
    if required:
        out["required"] = required
    return out


async def show_skill(request: Request, ctx: ServeContext) -> Response:
    name = request.path_params["name"]

    def build() -> m.SkillDetail:
        skill = served_skill(ctx, name)
        knowledge = ctx.server.library.get(name) is not None
        return m.SkillDetail(
            name=skill.name,
            version=skill.version,
            description=skill.description,
            kind=cast(m.Kind, skill.kind),
            license=skill.license,
            instances=_summaries(_instances(ctx, skill)),
            tools=[
                m.ToolDetail(name=t.name, description=t.description, input_schema=input_schema(t)) for t in skill.tools
            ],
            config_schema=config_schema(skill.config),
            frontmatter=skill.frontmatter if knowledge else None,
            files=[m.FileEntry(path=f.path, size=f.size, sha256=f.sha256) for f in skill.files] if knowledge else [],
        )

    return _json(await _in_thread(build))


async def skill_file(request: Request, ctx: ServeContext) -> Response:
    """One text file of a served knowledge skill, as it is (binary files are refused: agents get text)."""
    from starlette.responses import PlainTextResponse

    name, path = request.path_params["name"], request.path_params["path"]

    def read() -> str:
        skill = served_skill(ctx, name)
        if ctx.server.library.get(name) is None:
            raise NotFoundError(f"{name} has no SKILL.md, so no files to read here; see GET {API}/skills/{name}")
        return ctx.engine.skill_file(skill.name, path)

    return PlainTextResponse(await _in_thread(read))


# ---- runs ---------------------------------------------------------------------------------------------


async def execute(request: Request, ctx: ServeContext) -> Response:
    """Run one tool and answer with its result, as `skill run --json` prints it; a failed run is a 200
    with `ok` false (the request was right, the tool failed)."""
    from starlette.responses import JSONResponse

    from engine.mcp.server import PRINCIPAL

    body = await parse_body(request, m.ExecuteRequest)
    ref = await _in_thread(served_ref, ctx, body)
    result = await ctx.gate.run(
        ref, body.args, source="rest", principal=request.scope.get(PRINCIPAL), timeout=body.timeout_s
    )
    return JSONResponse(result.to_report())


# ---- search and history -------------------------------------------------------------------------------


async def search(request: Request, ctx: ServeContext) -> Response:
    """Tools and knowledge by what they do, with MCP `search_skills`' ranking over what is served."""
    from engine.mcp.catalog import Exposed
    from engine.mcp.search import search as find

    body = await parse_body(request, m.SearchRequest)

    def build() -> m.SearchReply:
        ctx.server.refresh()
        knowledge = frozenset(s.name for s in ctx.server.library.skills)
        top = body.top if body.kind is None else 100  # filtered below: ask for all, then cut
        method, hits = find(ctx.engine, ctx.server.catalog, body.query, top, body.skill, knowledge)
        results = []
        for hit, score in hits:
            if isinstance(hit, Exposed):
                result = m.SearchResult(
                    skill=hit.skill,
                    tool=hit.tool.name,
                    kind="tool",
                    score=score,
                    description=hit.description,
                    ref=hit.ref,
                )
            else:
                path = hit.path or "SKILL.md"
                result = m.SearchResult(
                    skill=hit.skill,
                    tool=None,
                    kind=cast(Any, hit.kind),
                    score=score,
                    description=hit.description,
                    ref=f"{API}/skills/{hit.skill}/files/{path}",
                )
            if body.kind is None or result.kind == body.kind:
                results.append(result)
        return m.SearchReply(method=cast(Any, method), results=results[: body.top])

    return _json(await _in_thread(build))


async def history(request: Request, ctx: ServeContext) -> Response:
    """The latest runs of the instances served here (any front door's), oldest first."""
    from starlette.responses import JSONResponse

    query = parse_query(request, m.HistoryQuery)

    def build() -> list[dict[str, Any]]:
        ctx.server.refresh()
        served = {(e.skill, e.instance) for e in ctx.server.catalog.values()}
        rows = [r for r in ctx.engine.history() if (r.get("skill"), r.get("instance")) in served]
        return rows[-query.limit :]

    return JSONResponse({"runs": await _in_thread(build)})


NOT_FOUND = {404: m.ErrorBody}
ROUTES = [
    ApiRoute(
        "GET",
        f"{API}/skills",
        "listSkills",
        "The served skills with their instances (ready or what is missing) and tool names",
        list_skills,
        query=m.SkillsQuery,
        responses={200: m.SkillList},
    ),
    ApiRoute(
        "GET",
        f"{API}/skills/{{name}}",
        "showSkill",
        "One served skill: its tools with their input schemas, its config schema (secrets write-only), "
        "and for a skill with a SKILL.md its frontmatter and files",
        show_skill,
        responses={200: m.SkillDetail, **NOT_FOUND},
    ),
    ApiRoute(
        "GET",
        f"{API}/skills/{{name}}/files/{{path:path}}",
        "readSkillFile",
        "One text file of a served skill with a SKILL.md (a path from its files); binary files are refused",
        skill_file,
        responses={200: None, 400: m.ErrorBody, **NOT_FOUND},
        media="text/plain",
    ),
    ApiRoute(
        "POST",
        f"{API}/execute",
        "execute",
        "Run one tool of a served instance; the reply is what `skill run --json` prints (a failed run is "
        "200 with ok false). 409: the instance is not ready; 429 and 503 (with Retry-After): not now",
        execute,
        body=m.ExecuteRequest,
        responses={200: m.RunReply, **NOT_FOUND, 409: m.ErrorBody, 429: m.ErrorBody, 503: m.ErrorBody},
    ),
    ApiRoute(
        "POST",
        f"{API}/search",
        "search",
        "Find served tools and knowledge by what they do (semantic once the model is loaded, else words)",
        search,
        body=m.SearchRequest,
        responses={200: m.SearchReply},
    ),
    ApiRoute(
        "GET",
        f"{API}/history",
        "history",
        "The latest runs of the served instances, from any front door, oldest first",
        history,
        query=m.HistoryQuery,
        responses={200: m.HistoryReply},
    ),
]
