"""The REST API's shapes as pydantic models: the route table validates bodies with them and the
OpenAPI document is generated from them (pydantic loads only when serving)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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
