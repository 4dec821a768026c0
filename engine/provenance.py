"""What a built component was built from, recorded inside the component itself.

componentize-js does not give the same bytes twice for the same inputs: wizer runs the
JS engine's start-up with WASI allowed (``--allow-wasi``) and snapshots its memory into
the core module. With every path equal (same folders, same temporary names) that
snapshot still differs from run to run, presumably by what the start-up read from the
random source and the clock. Two builds of one source therefore differ byte-wise, and
comparing component hashes would call them different skills. So every build carries its
build inputs (the hash of the bundle, the WIT world, the pinned toolchain's lockfile and
the build key; see :mod:`engine.build.componentize`) in a custom section, and the store
compares those instead of the bytes when both sides have them.

A custom section is ignored by every runtime and travels with the ``.wasm`` file
wherever it is copied, so no side file can get out of step with the component.
"""

from __future__ import annotations

import json

SECTION = "skill-tui:build"
_CUSTOM = 0
_PREAMBLE_LEN = 8  # b"\0asm" + version/layer (core modules and components alike)


def _leb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_leb(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def stamp(wasm: bytes, inputs: str, toolchain: str) -> bytes:
    """``wasm`` with a custom section recording its build inputs appended at the end."""
    name = SECTION.encode()
    payload = json.dumps({"inputs": inputs, "toolchain": toolchain}, sort_keys=True).encode()
    body = _leb(len(name)) + name + payload
    return wasm + bytes([_CUSTOM]) + _leb(len(body)) + body


def build_inputs(wasm: bytes) -> str | None:
    """The build-inputs hash stamped into ``wasm``, or None (not built here, or not wasm).

    Walks only the top-level section headers: a few dozen steps for a 13 MB component.
    """
    if wasm[:4] != b"\0asm":
        return None
    pos = _PREAMBLE_LEN
    try:
        while pos < len(wasm):
            section_id = wasm[pos]
            size, start = _read_leb(wasm, pos + 1)
            pos = start + size
            if section_id != _CUSTOM:
                continue
            name_len, name_start = _read_leb(wasm, start)
            if wasm[name_start : name_start + name_len] == SECTION.encode():
                record = json.loads(wasm[name_start + name_len : pos])
                return record["inputs"] if isinstance(record.get("inputs"), str) else None
    except (IndexError, ValueError, AttributeError):
        return None
    return None
