"""Serial ranges of travel documents: stolen blank documents are reported as "from ... to ...".

A range covers the numbers that share a prefix and end in a serial of a fixed number of
digits, from its first number to its last: ``P1000000`` to ``P1000999`` covers the thousand
numbers ``P1000000``, ``P1000001`` ... ``P1000999``. Both ends are normalised document numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The most numbers one range may cover: a typing slip must not block a whole series.
MAX_RANGE_SIZE = 10_000_000


@dataclass(frozen=True, slots=True)
class SerialRange:
    prefix: str
    width: int  # digits of the serial part
    first: int
    last: int

    @property
    def size(self) -> int:
        return self.last - self.first + 1

    def contains(self, number: str) -> bool:
        prefix, serial = split_serial(number)
        return prefix == self.prefix and len(serial) == self.width and self.first <= int(serial) <= self.last

    def number(self, serial: int) -> str:
        return f"{self.prefix}{serial:0{self.width}d}"


_DIGITS = "0123456789"


def split_serial(number: str) -> tuple[str, str]:
    """``P1000123`` -> ``("P", "1000123")``: the number before its trailing digits, and those digits."""
    prefix = number.rstrip(_DIGITS)
    return prefix, number[len(prefix) :]


def serial_range(first: str, last: str) -> SerialRange:
    """The range from ``first`` to ``last``; ValueError saying what is wrong with ``last``."""
    prefix, serial = split_serial(first)
    if not serial:
        raise ValueError(f"a range needs numbers that end in digits; {first!r} does not")
    if len(last) != len(first):
        raise ValueError(f"the last number of a range has as many characters as the first ({len(first)}); {last!r} has {len(last)}")
    if not last.startswith(prefix) or not last[len(prefix) :].isdigit():
        raise ValueError(
            f"the last number of a range keeps the first's prefix {prefix!r} and ends in {len(serial)} digits; {last!r} does not"
        )
    low, high = int(serial), int(last[len(prefix) :])
    if high < low:
        raise ValueError(f"the last number of a range comes after the first ({first}); {last} comes before it")
    if high - low + 1 > MAX_RANGE_SIZE:
        raise ValueError(f"a range covers at most {MAX_RANGE_SIZE:,} numbers; {first} to {last} covers {high - low + 1:,}")
    return SerialRange(prefix=prefix, width=len(serial), first=low, last=high)
