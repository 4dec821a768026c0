"""A small OCI distribution client over httpcore: every request with a timeout, auth answered once per
challenge, every failure one line naming the registry and what to do.

Plain HTTP only for loopback (127.0.0.1, localhost, ::1) or a registry the user named insecure
(settings.toml or --insecure-registry); everything else is https with verified certificates. Redirects
(blobs may live on a CDN) are followed for GET and HEAD only, without the Authorization header when the
origin changes, and never from https down to plain HTTP. No retries that sleep: a registry that does not
answer fails the command at once with what to check.
"""

from __future__ import annotations

import json
import re
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlencode, urljoin, urlsplit

import httpcore

from engine.distribution.oci import auth
from engine.distribution.oci.credentials import Credentials
from engine.distribution.oci.layout import ACCEPT, MAX_MANIFEST, digest_of
from engine.distribution.sources import DIGEST
from engine.errors import IntegrityError, SourceError

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
TIMEOUTS = {"connect": 10.0, "read": 60.0, "write": 60.0, "pool": 10.0}
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_SMALL = 4 << 20  # the most of a response body read into memory (manifests, errors, lists, tokens)
_ERRORS = (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol)


def hostname(authority: str) -> str:
    if authority.startswith("["):
        return authority[: authority.find("]") + 1]
    return authority.rsplit(":", 1)[0] if authority.count(":") == 1 else authority


def scheme_for(authority: str, insecure: frozenset[str]) -> str:
    return "http" if hostname(authority) in LOOPBACK or authority in insecure else "https"


class Response:
    """A response whose body is still on the wire: `read()` (capped) or `chunks()`."""

    def __init__(self, raw: httpcore.Response, url: str):
        self.raw = raw
        self.url = url
        self.status = raw.status
        self.headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in raw.headers}

    def chunks(self) -> Iterator[bytes]:
        yield from self.raw.iter_stream()

    def read(self, limit: int = MAX_SMALL) -> bytes:
        body = bytearray()
        for chunk in self.raw.iter_stream():
            body += chunk
            if len(body) > limit:
                raise SourceError(f"{self.url}: the response is over {limit} bytes; refusing it")
        return bytes(body)


class RegistryClient:
    """One registry (HOST[:PORT]): its connection pool, its credentials (looked up at the first challenge)
    and the Authorization header that last worked per repository."""

    def __init__(
        self,
        registry: str,
        *,
        insecure: frozenset[str] = frozenset(),
        credentials: Callable[[], Credentials | None] = lambda: None,
    ):
        self.registry = registry
        self.insecure = insecure
        self.base = f"{scheme_for(registry, insecure)}://{registry}"
        self._credentials_source = credentials
        self._credentials: Credentials | None = None
        self._looked_up = False
        self._authorization: dict[str, str] = {}  # scope key (a repository, or "" registry-wide) -> header
        # Plain HTTP never starts TLS: a bare context, not the ~30 ms of loading the trusted roots.
        https = self.base.startswith("https")
        context = httpcore.default_ssl_context() if https else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self._pool = httpcore.ConnectionPool(ssl_context=context, max_connections=8, retries=0)

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def credentials(self) -> Credentials | None:
        if not self._looked_up:
            self._credentials = self._credentials_source()
            self._looked_up = True
        return self._credentials

    # ---- one exchange ----------------------------------------------------------------------

    @contextmanager
    def open(
        self,
        method: str,
        path: str,
        *,
        repo: str = "",
        push: bool = False,
        headers: dict[str, str] | None = None,
        content: bytes | Path | None = None,
    ) -> Iterator[Response]:
        """Send one request (answering one auth challenge, following GET/HEAD redirects) and yield the
        response with its body unread. 401 after the challenge is answered is a SourceError here."""
        url = path if path.startswith(("http://", "https://")) else self.base + path
        answered = False
        for _hop in range(6):
            sent = dict(headers or {})
            same_origin = _origin(url) == _origin(self.base)
            if same_origin and repo in self._authorization:
                sent["Authorization"] = self._authorization[repo]
            with self._exchange(method, url, sent, content) as r:
                if r.status == 401 and same_origin and not answered:
                    r.read()
                    answered = True
                    self._answer(r.headers.get("www-authenticate", ""), repo, push)
                    continue
                if r.status == 401:
                    raise self.refused(r.status, f"{method} {urlsplit(url).path}")
                location = r.headers.get("location")
                if r.status in REDIRECTS and location and method in ("GET", "HEAD"):
                    url = self._redirect(url, location)
                    continue
                yield r
                return
        raise SourceError(f"{self.registry}: too many redirects or challenges for {method} {path}")

    @contextmanager
    def _exchange(self, method: str, url: str, headers: dict[str, str], content: bytes | Path | None):
        sent = [(b"Host", urlsplit(url).netloc.encode()), (b"User-Agent", b"skill-tui")]
        sent += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        body: bytes | Iterator[bytes] | None = None
        if isinstance(content, Path):
            sent.append((b"Content-Length", str(content.stat().st_size).encode()))
            body = _file_chunks(content)
        elif content is not None:
            sent.append((b"Content-Length", str(len(content)).encode()))
            body = content
        elif method in ("POST", "PUT", "PATCH"):
            sent.append((b"Content-Length", b"0"))
        try:
            with self._pool.stream(method, url, headers=sent, content=body, extensions={"timeout": TIMEOUTS}) as raw:
                yield Response(raw, url)
        except _ERRORS as e:
            detail = " ".join(str(e).split()) or type(e).__name__
            raise SourceError(
                f"cannot reach the registry {self.registry} ({detail}); check the address and that it is running"
                + ("" if self.base.startswith("http:") else ", or pass --insecure-registry if it speaks plain HTTP")
            ) from None

    def _redirect(self, url: str, location: str) -> str:
        target = urljoin(url, location)
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or (
            parts.scheme == "http" and scheme_for(parts.netloc, self.insecure) != "http"
        ):
            raise SourceError(f"{self.registry} redirected to {parts.scheme}://{parts.netloc}, which is not https")
        return target

    # ---- auth ------------------------------------------------------------------------------

    def _answer(self, header: str, repo: str, push: bool) -> None:
        if not header.strip():
            raise self.refused(401, "the request")
        challenge = auth.parse_challenge(header)
        creds = self.credentials
        if challenge.scheme == "basic":
            if creds is None:
                raise self.refused(401, "the request")
            self._authorization[repo] = auth.basic(creds)
        elif challenge.scheme == "bearer":
            self._authorization[repo] = "Bearer " + self._token(challenge, repo, push, creds)
        else:
            raise SourceError(f"{self.registry} asks for {challenge.scheme or 'unknown'} auth, which is not supported")

    def _token(self, challenge: auth.Challenge, repo: str, push: bool, creds: Credentials | None) -> str:
        realm = challenge.params.get("realm", "")
        parts = urlsplit(realm)
        if parts.scheme not in ("http", "https") or (
            parts.scheme == "http" and scheme_for(parts.netloc, self.insecure) != "http"
        ):
            raise SourceError(f"{self.registry}: its token service {realm!r} is not an https URL; refusing to use it")
        scope = challenge.params.get("scope") or (
            f"repository:{repo}:{'pull,push' if push else 'pull'}" if repo else ""
        )
        service = challenge.params.get("service", "")
        key = (self.registry, realm, service, scope, creds.username if creds else "")
        token = auth.cached_token(key)
        if token is not None:
            return token
        query = urlencode([(k, v) for k, v in (("service", service), ("scope", scope)) if v])
        url = realm + ("&" if "?" in realm else "?") + query
        headers = {"Authorization": auth.basic(creds)} if creds else {}
        with self._exchange("GET", url, headers, None) as r:
            body = r.read()
        if r.status != 200:
            raise self.refused(r.status, "a token")
        try:
            data = json.loads(body)
            token = str(data.get("token") or data.get("access_token") or "")
            expires = float(data.get("expires_in") or 60)
        except (ValueError, AttributeError, TypeError):
            token, expires = "", 0
        if not token:
            raise SourceError(f"{self.registry}: its token service {parts.netloc} gave no token; try again later")
        auth.keep_token(key, token, expires)
        return token

    # ---- manifests and tags ----------------------------------------------------------------

    def head_manifest(self, repo: str, reference: str) -> str | None:
        """The digest `reference` (a tag) points at now, or None when there is no such tag: one HEAD."""
        with self.open("HEAD", repo_path(repo, "manifests", reference), repo=repo, headers={"Accept": ACCEPT}) as r:
            if r.status == 404:
                return None
            digest = r.headers.get("docker-content-digest", "")
            if r.status != 200 or not DIGEST.fullmatch(digest):
                raise self.failed(r, f"{repo}:{reference}")
            return digest

    def get_manifest(self, repo: str, reference: str) -> tuple[bytes, str]:
        """The manifest bytes and their digest, verified: against `reference` when it is a digest, and
        against the registry's Docker-Content-Digest header when it sends one. IntegrityError otherwise."""
        what = f"{self.registry}/{repo}{'@' if DIGEST.fullmatch(reference) else ':'}{reference}"
        with self.open("GET", repo_path(repo, "manifests", reference), repo=repo, headers={"Accept": ACCEPT}) as r:
            if r.status != 200:
                raise self.failed(r, what)
            size = r.headers.get("content-length", "")
            if size.isdigit() and int(size) > MAX_MANIFEST:
                raise IntegrityError(f"{what}: the manifest is {size} bytes, over {MAX_MANIFEST}; refusing it")
            data = r.read(MAX_MANIFEST)
            header = r.headers.get("docker-content-digest")
        digest = digest_of(data)
        if DIGEST.fullmatch(reference) and digest != reference:
            raise IntegrityError(
                f"{what}: the registry sent a manifest whose digest is {digest}; nothing was installed"
            )
        if header and header != digest:
            raise IntegrityError(
                f"{what}: the manifest's bytes hash to {digest} but the registry says {header}; nothing was installed"
            )
        return data, digest

    def tags(self, repo: str) -> list[str]:
        return self._listing(f"/v2/{repo}/tags/list?n=1000", "tags", repo=repo)

    def catalog(self) -> list[str]:
        return self._listing("/v2/_catalog?n=1000", "repositories", repo="")

    def _listing(self, path: str, key: str, repo: str) -> list[str]:
        out: list[str] = []
        url: str | None = path
        while url:
            with self.open("GET", url, repo=repo) as r:
                if r.status == 404 and key == "tags":
                    return []
                if r.status in (404, 405) and key == "repositories":
                    raise SourceError(
                        f"{self.registry} does not list its repositories (/v2/_catalog answered HTTP {r.status}); "
                        "`skill search` needs a registry that does (docker-registry, Harbor, Zot...)"
                    )
                if r.status != 200:
                    raise self.failed(r, f"the list of {key}")
                body = r.read()
                link = r.headers.get("link", "")
            try:
                out += [str(v) for v in json.loads(body).get(key) or []]
            except (ValueError, AttributeError, TypeError):
                raise SourceError(f"{self.registry}: its list of {key} is not JSON; is it an OCI registry?") from None
            m = re.search(r'<([^>]+)>;\s*rel="next"', link)
            url = urljoin(self.base, m.group(1)) if m else None
        return out

    # ---- failures --------------------------------------------------------------------------

    def refused(self, status: int, what: str) -> SourceError:
        creds = self.credentials
        fix = (
            f"the credentials of {creds} were refused; run `skill login {self.registry}` again"
            if creds
            else f"log in with `skill login {self.registry}` or set SKILL_REGISTRY_USER and SKILL_REGISTRY_PASSWORD"
        )
        return SourceError(f"{self.registry} refused {what} (HTTP {status}): {fix}")

    def failed(self, r: Response, what: str) -> SourceError:
        """The one line for a response that is not what `what` needed."""
        code = _error_code(r)
        if r.status == 404:
            return SourceError(
                f"{what} not found on {self.registry} (HTTP 404{code}); check the repository and tag (`skill search`)"
            )
        if r.status in (401, 403):
            return self.refused(r.status, what)
        return SourceError(
            f"{self.registry} answered HTTP {r.status}{code} for {what}; try again later, or ask its operator"
        )


def repo_path(repo: str, kind: str, reference: str) -> str:
    return f"/v2/{repo}/{kind}/{quote(reference, safe=':')}"


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _error_code(r: Response) -> str:
    try:
        errors = json.loads(r.read(64 << 10)).get("errors") or []
        return f", {errors[0]['code']}" if errors else ""
    except (ValueError, AttributeError, KeyError, TypeError, IndexError, SourceError):
        return ""


def _file_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            yield chunk
