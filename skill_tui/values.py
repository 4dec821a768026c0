"""Values as a person reads them: JSON spellings (true, 5, null), never Python reprs.

Text as typed (a string bare, the rest as JSON) is `engine.values.as_text`; this is the
always-JSON spelling that tells the string "5" from the number 5 in a listing.
"""

from __future__ import annotations

import json
from typing import Any


def literal(value: Any) -> str:
    """Always JSON, so a string default reads as "-" and not as a bare dash."""
    return json.dumps(value, ensure_ascii=False)
