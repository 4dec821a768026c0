"""Values as a person reads and types them: JSON spellings (true, 5, null), never Python reprs."""

from __future__ import annotations

import json
from typing import Any


def plain(value: Any) -> str:
    """A string as it is, anything else as JSON: for enum choices and typed-in text."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def literal(value: Any) -> str:
    """Always JSON, so a string default reads as "-" and not as a bare dash."""
    return json.dumps(value, ensure_ascii=False)
