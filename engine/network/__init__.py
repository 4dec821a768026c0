"""Outbound network for skills: the grant grammar (`capabilities.network.allow`, `skill grant --net`) and
the host side of the `http-*` imports.

The grammar (patterns, hosts, placeholders, policy) is dependency-free on purpose: the manifest parser,
the grant commands and the HTTP host import all judge the same pattern text, so the rules live here once.
The host side is `session` (one call's requests, workers and records: what the runtime's imports call),
`client` (one request, hop by hop, over httpx), `guard` (where a connection may land, deadline-clamped
sockets), `wire` (the JSON) and `decoding`; only `client` and `guard` import httpcore, and only when
a skill makes its first request.
"""
