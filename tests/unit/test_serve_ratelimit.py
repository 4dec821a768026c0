"""The per-caller rate limit (`engine.serve.ratelimit`) on a clock the test turns, and how `RunGate.check`
applies it: last (after draining and the in-flight bound), per caller, told to the observers."""

from __future__ import annotations

import pytest

from engine.errors import Refused
from engine.serve.gate import RunGate
from engine.serve.lifecycle import Lifecycle
from engine.serve.options import RateLimit
from engine.serve.ratelimit import MAX_CALLERS, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_lets_a_burst_through_then_refills_at_the_rate():
    clock = Clock()
    limiter = RateLimiter(RateLimit(3, 60.0), clock=clock)  # one run regained every 20 s
    assert [limiter.take("a") for _ in range(3)] == [None, None, None]
    assert limiter.take("a") == 20.0
    clock.now += 5
    assert limiter.take("a") == 15.0  # the refusal counted nothing
    clock.now += 15
    assert limiter.take("a") is None and limiter.take("a") == 20.0
    clock.now += 3600  # a long pause refills to the burst size, not beyond
    assert [limiter.take("a") for _ in range(4)] == [None, None, None, 20.0]
    assert limiter.take("b") is None  # another caller has its own bucket


def test_retry_after_is_whole_seconds_and_at_least_one():
    limiter = RateLimiter(RateLimit(10, 1.0), clock=Clock())
    for _ in range(10):
        assert limiter.take("a") is None
    assert limiter.take("a") == 1.0


def test_the_callers_kept_are_bounded():
    clock = Clock()
    limiter = RateLimiter(RateLimit(1, 60.0), clock=clock)
    for i in range(MAX_CALLERS):
        limiter.take(f"c{i}")
    assert limiter.take("new") is None  # room made by forgetting the oldest (none was full yet)
    assert len(limiter._buckets) <= MAX_CALLERS
    clock.now += 60  # the first callers' buckets refilled: the same as new ones, so those go first
    fill = MAX_CALLERS - len(limiter._buckets)
    for i in range(fill):
        limiter.take(f"d{i}")
    limiter.take("newer")
    assert set(limiter._buckets) == {f"d{i}" for i in range(fill)} | {"newer"}


class Seen:
    def __init__(self) -> None:
        self.refusals: list[tuple[int, str]] = []

    def finished(self, result) -> None:
        pass

    def refused(self, refusal: Refused, source: str) -> None:
        self.refusals.append((refusal.status, source))


def test_the_gate_applies_the_limit_per_caller_after_the_other_checks():
    lifecycle = Lifecycle()
    # check() never touches the engine
    gate = RunGate(None, lifecycle, max_in_flight=1, rate_limit=RateLimit(1, 3600.0))  # type: ignore[arg-type]
    seen = Seen()
    gate.observers.append(seen)
    gate.in_flight = 1
    with pytest.raises(Refused) as full:
        gate.check("token:a", "rest")
    assert full.value.status == 503  # full: the caller's one run is not used up
    gate.in_flight = 0
    gate.check("token:a", "mcp")
    with pytest.raises(Refused) as limited:
        gate.check("token:a", "mcp")
    assert limited.value.status == 429 and limited.value.retry_after == 3600.0
    assert "over the rate limit of 1 runs per 3600 s" in str(limited.value)
    # another caller (a REST route passes the one the HTTP guard found) has an allowance of its own
    gate.check("client:127.0.0.2", "rest")
    with pytest.raises(Refused):
        gate.check("client:127.0.0.2", "rest")
    assert seen.refusals == [(503, "rest"), (429, "mcp"), (429, "rest")]


@pytest.mark.anyio
async def test_an_agent_skill_script_goes_through_the_gate_like_a_tool_call(engine):
    """run_skill_script runs a script in a Python sandbox: it counts against the caller's rate limit and
    the server's bound on runs in flight, and is refused while draining, like any tool call."""
    from engine.mcp.server import SkillServer

    lifecycle = Lifecycle()
    gate = RunGate(engine, lifecycle, rate_limit=RateLimit(1, 3600.0))
    server = SkillServer(engine, gate)
    args = {"name": "absent", "path": "report.py"}
    first = await server.call("run_skill_script", args, principal="token:a")
    assert first.is_error and "absent" in first.content[0].text and "rate limit" not in first.content[0].text
    assert gate.in_flight == 0
    second = await server.call("run_skill_script", args, principal="token:a")
    assert second.is_error and "over the rate limit of 1 runs per 3600 s" in second.content[0].text
    lifecycle.draining = True
    third = await server.call("run_skill_script", args, principal="token:b")
    assert third.content[0].text == ("run_skill_script: the server is shutting down; send the run to another replica")
