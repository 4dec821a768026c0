"""Outbound network for skills: the grant grammar (`capabilities.network.allow`, `skill grant --net`).

Headless and dependency-free on purpose: the manifest parser, the grant commands and the HTTP host
import all judge the same pattern text, so the rules live here once. Nothing here opens a socket.
"""
