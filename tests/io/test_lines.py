"""Reading numbered lines from bytes: line breaks, byte order mark, limits, bad UTF-8, progress."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kalkan.io.lines import Line, read_blocks, read_lines

CASES: list[tuple[bytes, list[Line]]] = [
    (b"a\nb\n", [Line(1, "a"), Line(2, "b")]),
    (b"a\r\nb", [Line(1, "a"), Line(2, "b")]),  # Windows line breaks, no break after the last line
    ("\ufeffКим\n".encode(), [Line(1, "Ким")]),  # a byte order mark is not part of the text
    (b"a\n\n   \nb\n", [Line(1, "a"), Line(4, "b")]),  # blank lines are skipped but counted
    (b"ok\n\xd0\x9a\xd0\n", [Line(1, "ok"), Line(2, fault="not valid UTF-8 (byte 0xd0 at column 3)")]),
    (b"12345678901\nshort\n", [Line(1, fault="longer than 10 bytes"), Line(2, "short")]),
    (b"1234567890\n", [Line(1, "1234567890")]),  # exactly at the limit
    (b"12345678901", [Line(1, fault="longer than 10 bytes")]),  # over it, at the end of the file
]


@pytest.mark.parametrize(("data", "expected"), CASES)
def test_lines(data: bytes, expected: list[Line]) -> None:
    assert list(read_lines(io.BytesIO(data), max_bytes=10)) == expected


def test_a_long_line_is_skipped_in_pieces_and_the_next_line_still_reads() -> None:
    data = b"x" * (3 * 1024 * 1024) + b"\nnext\n"
    lines = list(read_lines(io.BytesIO(data)))
    assert lines == [Line(1, fault="longer than 1 MiB"), Line(2, "next")]


def test_progress_grows_to_the_number_of_bytes_read() -> None:
    data = b"".join(b"%d\n" % i for i in range(100_000))
    seen: list[int] = []
    assert sum(1 for _ in read_lines(io.BytesIO(data), progress=seen.append)) == 100_000
    assert seen == sorted(seen)
    assert seen[-1] == len(data)
    assert len(seen) > 1


def _by_readline(data: bytes, max_bytes: int) -> list[Line]:
    """The lines as a plain readline loop finds them: the reference the block reader must agree with."""
    stream = io.BytesIO(data)
    found = []
    number = 0
    while raw := stream.readline():
        number += 1
        content = raw.removesuffix(b"\n")
        if len(content.rstrip(b"\r")) > max_bytes:
            found.append(Line(number, fault=f"longer than {max_bytes} bytes"))
            continue
        try:
            text = content.rstrip(b"\r\n").decode("utf-8")
        except UnicodeDecodeError as error:
            found.append(Line(number, fault=f"not valid UTF-8 (byte 0x{content[error.start]:02x} at column {error.start + 1})"))
            continue
        text = text.removeprefix("\ufeff") if number == 1 else text
        if text.strip():
            found.append(Line(number, text))
    return found


PIECES = st.sampled_from([b"a", b"bc", b"\n", b"\r\n", b"\r", b" ", "Ж".encode(), b"\xd0", b"\xff", b"x" * 7, "\ufeff".encode()])


@given(data=st.lists(PIECES, max_size=40).map(b"".join), block_bytes=st.integers(1, 17), max_bytes=st.integers(3, 12))
def test_blocks_of_any_size_read_the_lines_a_readline_loop_reads(data: bytes, block_bytes: int, max_bytes: int) -> None:
    blocks = list(read_blocks(io.BytesIO(data), max_bytes=max_bytes, block_bytes=block_bytes))
    assert [line for block in blocks for line in block.lines()] == _by_readline(data, max_bytes)
    assert sum(len(block.texts) for block in blocks) == data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    assert [block.done for block in blocks] == sorted(block.done for block in blocks)
