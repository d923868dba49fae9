"""Reading a file of text lines in constant memory, whatever its size.

The file is read in blocks of bytes and cut at line breaks; each block is decoded at once,
and line by line only when it holds bytes that are not UTF-8, so one bad line (not UTF-8,
far too long) is reported with its number and the rest of the file still reads. A line
longer than the limit is skipped in pieces, never held whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

#: The longest line accepted, without its line break.
MAX_LINE_BYTES = 1024 * 1024

#: Bytes read from the file at a time (a block's lines are cut from them).
BLOCK_BYTES = 1024 * 1024
#: The block size of ``read_lines``, whose readers do more work per line: progress every 64 KiB.
LINE_BLOCK_BYTES = 64 * 1024

_BOM = "\ufeff"

ProgressCallback = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the file: its text, or why it could not be read (``fault``)."""

    number: int
    text: str = ""
    fault: str | None = None


@dataclass(slots=True)
class LineBlock:
    """Consecutive lines of a file: line ``first + i`` is ``texts[i]``, blank ones included.

    A line that could not be read has the text ``""`` and its fault in ``faults`` (by index).
    ``done`` is the number of bytes of the file read up to the end of this block.
    """

    first: int
    texts: list[str]
    faults: dict[int, str] = field(default_factory=dict)
    done: int = 0

    def lines(self) -> Iterator[Line]:
        """The block's non-blank lines and its faults, in order."""
        faults = self.faults
        for i, text in enumerate(self.texts):
            if faults and i in faults:
                yield Line(self.first + i, fault=faults[i])
            elif text and not text.isspace():
                yield Line(self.first + i, text)


def _describe_limit(limit: int) -> str:
    if limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MiB"
    if limit % 1024 == 0:
        return f"{limit // 1024} KiB"
    return f"{limit} bytes"


def read_blocks(stream: BinaryIO, *, max_bytes: int = MAX_LINE_BYTES, block_bytes: int = BLOCK_BYTES) -> Iterator[LineBlock]:
    """The lines of ``stream`` (opened in binary), decoded from UTF-8, block by block.

    Line breaks are ``\\n`` or ``\\r\\n``; a byte order mark at the start of the file is
    ignored. A line longer than ``max_bytes`` (its line break not counted) is skipped
    without being held in memory and carries a fault, as does a line that is not UTF-8.
    """
    number = 1  # of the first line not yet yielded
    done = 0
    carry = b""  # the start of a line cut at the end of the last read
    skipping = False  # inside a line already known to be too long
    limit = _describe_limit(max_bytes)
    while True:
        data = stream.read(block_bytes)
        done += len(data)
        if not data:
            break
        if skipping:
            cut = data.find(b"\n")
            if cut < 0:
                continue
            yield LineBlock(number, [""], {0: f"longer than {limit}"}, done)
            number += 1
            skipping = False
            data = data[cut + 1 :]
        cut = data.rfind(b"\n")
        if cut < 0:
            carry += data
            if len(carry.rstrip(b"\r")) > max_bytes:
                carry, skipping = b"", True
            continue
        whole, carry = carry + data[: cut + 1], data[cut + 1 :]
        if len(carry) > max_bytes + 1:
            carry, skipping = b"", True
        block = _block(number, whole[:-1].split(b"\n"), max_bytes, limit)
        block.done = done
        number += len(block.texts)
        yield block
    if skipping:
        yield LineBlock(number, [""], {0: f"longer than {limit}"}, done)
    elif carry:
        block = _block(number, [carry], max_bytes, limit)
        block.done = done
        yield block


def _block(first: int, raw: list[bytes], max_bytes: int, limit: str) -> LineBlock:
    faults: dict[int, str] = {}
    if max(map(len, raw)) > max_bytes:
        for i, line in enumerate(raw):
            if len(line.rstrip(b"\r")) > max_bytes:
                faults[i] = f"longer than {limit}"
                raw[i] = b""
    try:
        texts = b"\n".join(raw).decode("utf-8").split("\n")
    except UnicodeDecodeError:
        texts = []
        for i, line in enumerate(raw):
            try:
                texts.append(line.decode("utf-8"))
            except UnicodeDecodeError as error:
                faults[i] = f"not valid UTF-8 (byte 0x{line[error.start]:02x} at column {error.start + 1})"
                texts.append("")
    if any(text.endswith("\r") for text in texts):
        texts = [text.rstrip("\r") for text in texts]
    if first == 1 and texts[0].startswith(_BOM):
        texts[0] = texts[0][1:]
    return LineBlock(first, texts, faults)


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
    for block in read_blocks(stream, max_bytes=max_bytes, block_bytes=LINE_BLOCK_BYTES):
        yield from block.lines()
        if progress is not None:
            progress(block.done)
