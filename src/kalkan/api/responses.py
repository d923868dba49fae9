"""Answer bodies encoded once, compactly: a check's answer is built as plain data, not models."""

from __future__ import annotations

import json
from typing import Any

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def json_bytes(data: Any) -> bytes:
    """``data`` (dicts, lists, strings, numbers, None) as compact UTF-8 JSON."""
    return _encode(data).encode()
