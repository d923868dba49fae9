"""Reading a file of text lines in constant memory, whatever its size.

Lines are read as bytes and decoded one by one, so one bad line (not UTF-8, far too long)
is reported with its number and the rest of the file still reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

#: The longest line accepted, without its line break.
MAX_LINE_BYTES = 1024 * 1024

#: Progress is reported at most once per this many bytes read (and once at the end).
PROGRESS_STEP = 64 * 1024

_SKIP_CHUNK = 64 * 1024
_BOM = "\ufeff"

ProgressCallback = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the file: its text, or why it could not be read (``fault``)."""

    number: int
    text: str = ""
    fault: str | None = None


def _describe_limit(limit: int) -> str:
    if limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MiB"
    if limit % 1024 == 0:
        return f"{limit // 1024} KiB"
    return f"{limit} bytes"


def read_lines(
    stream: BinaryIO,
    *,
    max_bytes: int = MAX_LINE_BYTES,
    progress: ProgressCallback | None = None,
) -> Iterator[Line]:
    """Yield each non-blank line of ``stream`` (numbered from 1), decoded from UTF-8.

    A line longer than ``max_bytes`` is skipped without being held in memory and yielded
    with a fault, as is a line that is not valid UTF-8. ``progress`` receives the number of
    bytes read so far. A byte order mark at the start of the file is ignored.
    """
    number = 0
    done = 0
    reported = 0
    while True:
        raw = stream.readline(max_bytes + 1)
        if not raw:
            break
        number += 1
        done += len(raw)
        if len(raw) > max_bytes and not raw.endswith(b"\n"):
            done += _skip_rest_of_line(stream)
            yield Line(number, fault=f"longer than {_describe_limit(max_bytes)}")
        else:
            line = _decode(number, raw.rstrip(b"\r\n"))
            if line.fault is not None or line.text.strip():
                yield line
        if progress is not None and done - reported >= PROGRESS_STEP:
            progress(done)
            reported = done
    if progress is not None and done != reported:
        progress(done)


def _skip_rest_of_line(stream: BinaryIO) -> int:
    skipped = 0
    while True:
        chunk = stream.readline(_SKIP_CHUNK)
        skipped += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            return skipped


def _decode(number: int, raw: bytes) -> Line:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return Line(number, fault=f"not valid UTF-8 (byte 0x{raw[error.start]:02x} at column {error.start + 1})")
    if number == 1:
        text = text.removeprefix(_BOM)
    return Line(number, text=text)
