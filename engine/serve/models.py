"""The REST API's shapes as pydantic models: the route table validates bodies with them and the
OpenAPI document is generated from them (pydantic loads only when serving)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

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
