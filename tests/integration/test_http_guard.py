"""`skill serve --http`'s guards, driven as clients would over real loopback sockets: httpx for REST and
the probes, the MCP SDK's streamable HTTP client (with its Authorization header) for /mcp. Every refusal
is the right status with the JSON error body, and neither the reply nor the server's stderr carries a
traceback or the token."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
from contextlib import asynccontextmanager

import anyio
import httpx
import mcp_types as types
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from fixtures.certs import self_signed
from fixtures.serve import REPO, serve_env, served

TOKEN = "s3cret-token-for-the-guard-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MIB = 1024 * 1024
LIMIT = 90  # seconds: no test may hang longer

pytestmark = pytest.mark.anyio


@pytest.fixture
def echo(wat_skill, engine):
    return wat_skill("echo")


def refused(r: httpx.Response, status: int, code: str, *, server=None) -> str:
    """Assert `r` is the JSON error `status`/`code`, clean of tracebacks and the token; its message."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    error = r.json()["error"]
    assert error["code"] == code and error["message"]
    for text in (r.text, *([server.stderr] if server else [])):
        assert "Traceback" not in text and TOKEN not in text
    return error["message"]


def fails_to_start(home, *args: str, env: dict[str, str] | None = None, timeout: float = 60) -> str:
    """`skill serve ARGS` that must refuse to start: exit 2 and one line on stderr, which is returned."""
    proc = subprocess.run(
        [sys.executable, "-m", "engine.cli", "serve", "--port", "0", *args],
        env={**os.environ, **serve_env(home), **(env or {})},
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout == ""
    return proc.stderr


@asynccontextmanager
async def mcp_session(url: str, headers: dict[str, str] | None = None, **client):
    http = create_mcp_http_client(headers=headers)
    if client:  # a client from another loopback address (a second caller)
        import httpx2

        http = httpx2.AsyncClient(headers=headers, transport=httpx2.AsyncHTTPTransport(**client))
    async with http, streamable_http_client(url, http_client=http) as (read, write):
        async with ClientSession(read, write, read_timeout_seconds=30) as session:
            await session.initialize()
            yield session


def text(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


# ---- the token ---------------------------------------------------------------------------------------


async def test_the_token_guards_rest_mcp_and_metrics_but_not_the_probes(home, echo, tmp_path):
    token_file = tmp_path / "serve.token"
    token_file.write_text(TOKEN + "\n")
    with served(home, "--http", "--token-file", str(token_file)) as s:
        assert httpx.get(f"{s.base}/health").status_code == 200
        for method, path in (("GET", "/api/v1/skills"), ("POST", "/mcp"), ("GET", "/metrics")):
            bare = httpx.request(method, f"{s.base}{path}", json={})
            message = refused(bare, 401, "unauthorized", server=s)
            assert "Authorization: Bearer" in message
            # a plain challenge: no OAuth metadata, so MCP clients keep their static header
            assert bare.headers["www-authenticate"] == 'Bearer realm="skill"'
            wrong = httpx.request(method, f"{s.base}{path}", json={}, headers={"Authorization": "Bearer nope"})
            assert "not this server's" in refused(wrong, 401, "unauthorized", server=s)
            basic = httpx.request(method, f"{s.base}{path}", json={}, auth=("user", TOKEN))
            refused(basic, 401, "unauthorized", server=s)
        listing = httpx.get(f"{s.base}/api/v1/skills", headers=AUTH)
        assert listing.status_code == 200 and listing.json()["skills"][0]["name"] == "echo"

        with anyio.fail_after(LIMIT):
            async with mcp_session(s.mcp, AUTH) as session:
                called = await session.call_tool("echo__default__echo", {"text": "with the token"})
                assert not called.is_error and called.structured_content == {"text": "with the token"}
            with pytest.raises(Exception) as caught:
                async with mcp_session(s.mcp):
                    pass
            assert TOKEN not in repr(caught.value)
        assert "Traceback" not in s.stderr and TOKEN not in s.stderr


def test_a_token_in_the_url_is_refused(home, echo):
    with served(home, "--http", env={"SKILL_SERVE_TOKEN": TOKEN}) as s:
        for name in ("token", "access_token", "Access_Token"):
            for path in ("/api/v1/skills", "/mcp", "/health"):
                r = httpx.get(f"{s.base}{path}", params={name: TOKEN}, headers=AUTH)
                assert "Authorization: Bearer" in refused(r, 400, "bad_request", server=s)


# ---- bodies ----------------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_413_whether_declared_or_chunked(home, echo):
    with served(home, "--http", env={"SKILL_SERVE_TOKEN": TOKEN}) as s:
        headers = {**AUTH, "Content-Type": "application/json"}
        big = b"[" + b"0," * (5 * MIB) + b"0]"  # 10 MiB of JSON
        for path in ("/api/v1/skills", "/mcp"):
            declared = httpx.post(f"{s.base}{path}", content=big, headers=headers)
            assert "limit of 1048576 bytes" in refused(declared, 413, "too_large", server=s)

            def chunks():  # no Content-Length: the server must count what arrives
                for _ in range(10):
                    yield b" " * MIB

            chunked = httpx.post(f"{s.base}{path}", content=chunks(), headers=headers)
            assert chunked.request.headers["transfer-encoding"] == "chunked"
            refused(chunked, 413, "too_large", server=s)
        # a body within the limit still reaches the app (here the SDK's JSON-RPC parser)
        small = httpx.post(
            s.mcp,
            content=b"[" + b"0," * 1000 + b"0]",
            headers={**headers, "Accept": "application/json, text/event-stream"},
        )
        assert small.status_code == 400 and "jsonrpc" in small.text.lower()
        assert httpx.get(f"{s.base}/health").status_code == 200


def test_a_form_post_is_415_so_browsers_must_preflight(home, echo):
    with served(home, "--http") as s:
        for path in ("/api/v1/skills", "/mcp"):
            r = httpx.post(f"{s.base}{path}", data={"text": "hi"})
            assert "Content-Type: application/json" in refused(r, 415, "unsupported_media_type", server=s)
            plain = httpx.post(f"{s.base}{path}", content=b"{}", headers={"Content-Type": "text/plain"})
            refused(plain, 415, "unsupported_media_type", server=s)


# ---- Host, Origin, CORS ----------------------------------------------------------------------------


def test_a_foreign_host_or_origin_is_refused_on_loopback(home, echo):
    with served(home, "--http") as s:
        port = s.base.rsplit(":", 1)[1]
        mcp_headers = {"Accept": "application/json, text/event-stream"}
        ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        for path in ("/api/v1/skills", "/mcp", "/health"):
            foreign = httpx.post(f"{s.base}{path}", json=ping, headers={**mcp_headers, "Host": "evil.example"})
            assert "DNS-rebinding" in refused(foreign, 421, "misdirected_request", server=s)
            rebound = httpx.post(f"{s.base}{path}", json=ping, headers={**mcp_headers, "Host": f"evil.example:{port}"})
            refused(rebound, 421, "misdirected_request", server=s)
            origin = httpx.post(f"{s.base}{path}", json=ping, headers={**mcp_headers, "Origin": "http://evil.example"})
            assert "--cors-origin" in refused(origin, 403, "forbidden", server=s)
            assert "access-control-allow-origin" not in origin.headers
        # this machine's own pages and names pass
        for host in (f"localhost:{port}", f"127.0.0.1:{port}"):
            ok = httpx.get(f"{s.base}/api/v1/skills", headers={"Host": host, "Origin": f"http://{host}"})
            assert ok.status_code == 200
            assert "access-control-allow-origin" not in ok.headers  # CORS is off


def test_cors_only_for_the_listed_origins(home, echo):
    app = "http://app.example:3000"
    with served(home, "--http", "--cors-origin", app, env={"SKILL_SERVE_TOKEN": TOKEN}) as s:
        preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
        allowed = httpx.options(f"{s.base}/api/v1/skills", headers={**preflight, "Origin": app})
        assert allowed.status_code == 204
        assert allowed.headers["access-control-allow-origin"] == app
        assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
        assert "POST" in allowed.headers["access-control-allow-methods"]
        mcp = httpx.options(s.mcp, headers={**preflight, "Origin": app})
        assert mcp.status_code == 204 and "mcp-session-id" in mcp.headers["access-control-allow-headers"].lower()

        denied = httpx.options(f"{s.base}/api/v1/skills", headers={**preflight, "Origin": "http://evil.example"})
        assert denied.status_code == 403 and "access-control-allow-origin" not in denied.headers
        refused(denied, 403, "forbidden", server=s)

        read = httpx.get(f"{s.base}/api/v1/skills", headers={**AUTH, "Origin": app})
        assert read.status_code == 200 and read.headers["access-control-allow-origin"] == app
        assert read.headers["vary"] == "Origin"
        # the page can read a refusal too (why it was refused), but nothing more without the token
        bare = httpx.get(f"{s.base}/api/v1/skills", headers={"Origin": app})
        refused(bare, 401, "unauthorized", server=s)
        assert bare.headers["access-control-allow-origin"] == app
        assert "WWW-Authenticate" in bare.headers["access-control-expose-headers"]


def test_cors_origin_must_be_exact(home):
    assert "--cors-origin *" in fails_to_start(home, "--http", "--cors-origin", "*")
    assert "no path" in fails_to_start(home, "--http", "--cors-origin", "https://app.example/ui")
    assert "such as" in fails_to_start(home, "--http", "--cors-origin", "app.example")


# ---- limits ----------------------------------------------------------------------------------------


async def test_a_burst_over_the_rate_limit_is_a_tool_error_over_mcp(home, echo):
    with served(home, "--http", "--rate-limit", "20/min", env={"SKILL_SERVE_TOKEN": TOKEN}) as s:
        results: list[types.CallToolResult] = []
        with anyio.fail_after(LIMIT):
            async with mcp_session(s.mcp, AUTH) as session:

                async def call(i: int) -> None:
                    results.append(await session.call_tool("echo__default__echo", {"text": str(i)}))

                async with anyio.create_task_group() as tg:
                    for i in range(200):
                        tg.start_soon(call, i)
                listed = await session.list_tools()  # not a run: never limited
                assert any(t.name == "echo__default__echo" for t in listed.tools)
        ok = [r for r in results if not r.is_error]
        limited = [text(r) for r in results if r.is_error]
        assert len(results) == 200 and len(ok) == 20  # the bucket holds 20; refilling 1 per 3 s
        assert len(limited) == 180
        assert all("over the rate limit of 20 runs per 60 s" in t and "try again in" in t for t in limited)
        assert "Traceback" not in s.stderr and TOKEN not in s.stderr


async def test_the_rate_limit_is_per_caller(home, echo):
    """Without a token the caller is its address: a second loopback address has its own allowance."""
    with served(home, "--http", "--rate-limit", "2/h") as s:
        with anyio.fail_after(LIMIT):
            async with mcp_session(s.mcp) as first:
                calls = [await first.call_tool("echo__default__echo", {"text": "a"}) for _ in range(3)]
                assert [c.is_error for c in calls] == [False, False, True]
                assert "try again in 1800 s" in text(calls[2])
            async with mcp_session(s.mcp, local_address="127.0.0.2") as second:
                other = await second.call_tool("echo__default__echo", {"text": "b"})
                assert not other.is_error and other.structured_content == {"text": "b"}


async def test_runs_beyond_the_in_flight_bound_are_refused(home, wat_skill, echo):
    wat_skill("spin")
    with served(home, "--http", "--max-in-flight", "1", "--timeout", "3") as s:
        with anyio.fail_after(LIMIT):
            async with mcp_session(s.mcp) as session:
                spun: list[types.CallToolResult] = []

                async def spin() -> None:  # again while an echo holds the place
                    while not spun or "its limit" in text(spun[-1]):
                        spun.append(await session.call_tool("spin__default__echo", {"text": "spin"}))

                async with anyio.create_task_group() as tg:
                    tg.start_soon(spin)
                    while True:  # until the spin run holds the one place
                        echoed = await session.call_tool("echo__default__echo", {"text": "x"})
                        if echoed.is_error:
                            break
                    assert "running 1 runs, its limit" in text(echoed)
                    assert not spun or "its limit" in text(spun[-1]), "the spin run ended before the refusal"
                assert "timed out after 3 s" in text(spun[-1])  # stopped by its limit
                after = await session.call_tool("echo__default__echo", {"text": "free"})
                assert not after.is_error
        assert "Traceback" not in s.stderr


async def test_a_burst_over_the_rate_limit_is_429_with_retry_after_over_rest(home, echo):
    with served(home, "--http", "--rate-limit", "20/min", env={"SKILL_SERVE_TOKEN": TOKEN}) as s:
        replies: list[httpx.Response] = []
        limits = httpx.Limits(max_connections=200)
        with anyio.fail_after(LIMIT):
            async with httpx.AsyncClient(headers=AUTH, timeout=LIMIT, limits=limits) as client:

                async def post(i: int) -> None:
                    body = {"ref": "echo:echo", "args": {"text": str(i)}}
                    replies.append(await client.post(f"{s.base}/api/v1/stream", json=body))

                async with anyio.create_task_group() as tg:
                    for i in range(200):
                        tg.start_soon(post, i)
        ok = [r for r in replies if r.status_code == 200]
        limited = [r for r in replies if r.status_code != 200]
        assert len(ok) == 20 and all("event: done" in r.text for r in ok)
        assert len(limited) == 180
        for r in limited:
            assert "over the rate limit of 20 runs per 60 s" in refused(r, 429, "rate_limited", server=s)
            assert r.headers["retry-after"] == "3"  # one run regained every 3 s
        # without a token each address is a caller of its own
    with served(home, "--http", "--rate-limit", "1/h") as s:
        body = {"ref": "echo:echo", "args": {"text": "x"}}
        assert httpx.post(f"{s.base}/api/v1/stream", json=body).status_code == 200
        again = httpx.post(f"{s.base}/api/v1/stream", json=body)
        refused(again, 429, "rate_limited", server=s)
        assert again.headers["retry-after"] == "3600"
        with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2")) as other:
            assert other.post(f"{s.base}/api/v1/stream", json=body).status_code == 200


async def test_runs_beyond_the_in_flight_bound_are_503_with_retry_after_over_rest(home, wat_skill, echo):
    wat_skill("spin")
    with served(home, "--http", "--max-in-flight", "1") as s:
        with anyio.fail_after(LIMIT):
            async with httpx.AsyncClient(timeout=LIMIT) as client:
                spin = {"ref": "spin:echo", "args": {"text": "s"}, "timeout_s": 60}  # ends when this client leaves
                async with client.stream("POST", f"{s.base}/api/v1/stream", json=spin) as spinning:
                    assert spinning.status_code == 200
                    async for line in spinning.aiter_lines():
                        if line.startswith("event: start"):  # the spin run holds the one place
                            break
                    body = {"ref": "echo:echo", "args": {"text": "x"}}
                    full = await client.post(f"{s.base}/api/v1/stream", json=body)
                    assert "running 1 runs, its limit" in refused(full, 503, "unavailable", server=s)
                    assert full.headers["retry-after"] == "1"
        assert "Traceback" not in s.stderr


# ---- starting ------------------------------------------------------------------------------------


def test_off_loopback_without_a_token_it_refuses_to_start(home):
    # 0.0.0.0 only here: the process must exit before it binds anything
    line = fails_to_start(home, "--http", "--host", "0.0.0.0", timeout=20)  # a server that did start dies soon
    assert line.startswith("error: --host 0.0.0.0 is not loopback")
    assert "secrets.token_urlsafe(32)" in line and "--token-file serve.token" in line and "umask 077" in line
    assert "tools on" not in line


def _certificate(folder, *, encrypted: bool = False):
    """A self-signed certificate for 127.0.0.1 and its key (PEM files in `folder`) made here."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    cert = self_signed("127.0.0.1", key, ip="127.0.0.1")
    folder.mkdir(exist_ok=True)
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    protection = serialization.BestAvailableEncryption(b"pass") if encrypted else serialization.NoEncryption()
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, protection))
    return cert_file, key_file


async def test_tls_serves_https_that_verifies_against_its_certificate(home, echo, tmp_path):
    cert, key = _certificate(tmp_path)
    trust = ssl.create_default_context(cafile=str(cert))
    with served(home, "--http", "--tls-cert", str(cert), "--tls-key", str(key), env={"SKILL_SERVE_TOKEN": TOKEN}) as s:
        assert s.base.startswith("https://127.0.0.1:") and s.mcp.startswith("https://")
        with httpx.Client(verify=trust) as client:
            assert client.get(f"{s.base}/health").json()["status"] == "ok"
            assert client.get(f"{s.base}/api/v1/skills", headers=AUTH).status_code == 200
            page = client.get(f"{s.base}/api/v1/skills", headers={**AUTH, "Origin": s.base})
            assert page.status_code == 200  # the https page of this loopback server is its own origin
        with pytest.raises(httpx.ConnectError):  # a client that does not trust the certificate
            httpx.get(f"{s.base}/health")
        with pytest.raises(httpx.RemoteProtocolError):  # plain HTTP on the TLS port
            httpx.get(s.base.replace("https://", "http://") + "/health")


def test_tls_files_that_do_not_load_are_one_line(home, tmp_path):
    cert, key = _certificate(tmp_path)
    _, locked = _certificate(tmp_path / "locked", encrypted=True)
    other_cert, _ = _certificate(tmp_path / "other")
    missing = tmp_path / "missing.pem"
    line = fails_to_start(home, "--http", "--tls-cert", str(missing), "--tls-key", str(key))
    assert f"--tls-cert {missing}: no such file" in line
    unreadable = tmp_path / "unreadable.pem"
    unreadable.mkdir()
    assert "no such file" in fails_to_start(home, "--http", "--tls-cert", str(cert), "--tls-key", str(unreadable))
    line = fails_to_start(home, "--http", "--tls-cert", str(other_cert), "--tls-key", str(key))
    assert "not a PEM certificate chain and its private key (key values mismatch)" in line
    line = fails_to_start(home, "--http", "--tls-cert", str(key), "--tls-key", str(key))
    assert "not a PEM certificate chain" in line
    assert "is encrypted" in fails_to_start(home, "--http", "--tls-cert", str(cert), "--tls-key", str(locked))
    assert "go together" in fails_to_start(home, "--http", "--tls-cert", str(cert))


# ---- skill mcp-config ------------------------------------------------------------------------------


def test_mcp_config_prints_the_authorization_header_literally(home, tmp_path):
    token_file = tmp_path / "serve.token"
    token_file.write_text(TOKEN + "\n")
    url = "http://127.0.0.1:8765/mcp"
    env = {**os.environ, **serve_env(home)}
    for client, entry in (
        ("claude-code", {"type": "http", "url": url, "headers": {"Authorization": f"Bearer {TOKEN}"}}),
        ("cursor", {"url": url, "headers": {"Authorization": f"Bearer {TOKEN}"}}),
    ):
        out = subprocess.run(
            [sys.executable, "-m", "engine.cli", "mcp-config", "--client", client, "--url", url]
            + ["--token-file", str(token_file)],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        assert json.loads(out) == {"mcpServers": {"skills": entry}}
        assert "${" not in out
    stdio = subprocess.run(
        [sys.executable, "-m", "engine.cli", "mcp-config", "--token-file", str(token_file)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert stdio.returncode == 2 and "--url" in stdio.stderr and TOKEN not in stdio.stderr
