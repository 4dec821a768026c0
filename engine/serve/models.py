"""The REST API's shapes as pydantic models: the route table validates bodies with them and the
OpenAPI document is generated from them (pydantic loads only when serving)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator
from pydantic_core import PydanticCustomError

from engine.events import RunResult

Kind = Literal["tools", "knowledge", "both"]


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorBody(BaseModel):
    """Every 4xx and 5xx reply of the REST API."""

    error: ErrorDetail


class InstanceSummary(BaseModel):
    name: str
    ready: bool
    missing: list[str] = Field(description="required config fields without a value")


class SkillSummary(BaseModel):
    name: str
    version: str
    description: str
    kind: Kind
    instances: list[InstanceSummary]
    tools: list[str]


class SkillList(BaseModel):
    skills: list[SkillSummary]


class SkillsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Kind | None = None


class Health(BaseModel):
    status: Literal["ok"]
    version: str


class ToolDetail(BaseModel):
    name: str
    description: str
    input_schema: dict[str, Any] = Field(description="the tool's arguments as a JSON schema (as MCP lists it)")


class FileEntry(BaseModel):
    path: str = Field(description="relative to the skill's folder; read it at /api/v1/skills/{name}/files/{path}")
    size: int
    sha256: str


class SkillDetail(BaseModel):
    name: str
    version: str
    description: str
    kind: Kind
    license: str | None
    instances: list[InstanceSummary]
    tools: list[ToolDetail]
    config_schema: dict[str, Any] = Field(
        description="the instance config as a JSON schema; secret fields are writeOnly and never carry a value"
    )
    frontmatter: str | None = Field(description="SKILL.md's frontmatter as written (skills with a SKILL.md)")
    files: list[FileEntry] = Field(description="the package's files (skills with a SKILL.md)")


class Ready(BaseModel):
    """`/ready`: 200 when the server takes work; 503 while it starts or drains (`reasons` says which)."""

    ready: bool
    reasons: list[str] = Field(default_factory=list, description='"starting", "draining"')


class ExecuteRequest(BaseModel):
    """`POST /api/v1/execute` and `/api/v1/stream`: a tool by `skill`, `instance` and `tool`, or by `ref`
    (`SKILL[@INSTANCE]:TOOL`), with its arguments."""

    model_config = ConfigDict(extra="forbid")

    skill: str | None = None
    instance: str | None = Field(None, description='the instance to run in; "default" when not given')
    tool: str | None = None
    ref: str | None = Field(None, description="SKILL[@INSTANCE]:TOOL, instead of skill, instance and tool")
    args: dict[str, Any] = Field(default_factory=dict)
    timeout_s: float | None = Field(None, gt=0, le=3600, description="the run's time limit; default the skill's")

    @model_validator(mode="after")
    def _one_way(self) -> ExecuteRequest:
        if self.ref is None and (self.skill is None or self.tool is None):
            raise PydanticCustomError("tool", 'give `skill` and `tool` (and `instance`, default "default"), or `ref`')
        if self.ref is not None and (self.skill is not None or self.tool is not None or self.instance is not None):
            raise PydanticCustomError("tool", "give either `ref` or `skill`, `instance` and `tool`, not both")
        return self

    @property
    def target(self) -> str:
        """The tool reference to run."""
        return self.ref if self.ref is not None else f"{self.skill}@{self.instance or 'default'}:{self.tool}"


class RunError(BaseModel):
    code: str = Field(description="tool_error, or why the run stopped (timeout, cancelled, trap, ...)")
    message: str | None


def _model_of(cls: type, name: str, doc: str, **override: Any) -> type[BaseModel]:
    """A pydantic model with the fields of the engine's dataclass `cls` (so the two cannot drift), some
    replaced by `override` (name: (type, default))."""
    import dataclasses
    from typing import get_type_hints

    hints = get_type_hints(cls)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            fields[f.name] = (hints[f.name], f.default)
        elif f.default_factory is not dataclasses.MISSING:
            fields[f.name] = (hints[f.name], Field(default_factory=f.default_factory))
        else:
            fields[f.name] = (hints[f.name], ...)
    return create_model(name, __doc__=doc, **{**fields, **override})


RunRecord = _model_of(
    RunResult,
    "RunRecord",
    "A run as the history keeps it (output, stdout and stderr clipped there); `source` is the front door "
    "(cli, tui, mcp, rest), `stopped` why a run stopped early (timeout, cancelled, ...), `requests` its "
    "outbound HTTP requests (no query strings or header values, secrets masked).",
)
RunReply = _model_of(
    RunResult,
    "RunReply",
    "What `skill run --json` prints: a failed run (`ok` false, still a 200) has `error` as an object.",
    error=(RunError | None, None),
)


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    query: str = Field(min_length=1, description="what you want to do, in a few words")
    top: int = Field(default=10, ge=1, le=100)
    skill: str | None = Field(default=None, description="only this skill")
    kind: Literal["tool", "skill", "file"] | None = Field(
        default=None, description="only tools, knowledge skills (their SKILL.md) or sections of their files"
    )


class SearchResult(BaseModel):
    skill: str
    tool: str | None
    kind: Literal["tool", "skill", "file"]
    score: float
    description: str
    ref: str = Field(description="a tool: skill@instance:tool for /execute; knowledge: the file's URL path")


class SearchReply(BaseModel):
    method: Literal["semantic", "words"]
    results: list[SearchResult]


class HistoryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=1000)


class HistoryReply(BaseModel):
    runs: list[RunRecord] = Field(description="the latest runs of the served skills, oldest first")  # type: ignore[valid-type]  # made by create_model
