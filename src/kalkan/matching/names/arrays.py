"""Compact storage for the name index: growable numpy columns and a string vocabulary."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]


class Column:
    """A numpy array that grows at its end (amortised doubling); ``view`` is its used part."""

    __slots__ = ("_data", "_size")

    def __init__(self, dtype: Any, data: Array | None = None) -> None:
        self._data: Array = np.empty(16, dtype=dtype) if data is None else data
        self._size = 0 if data is None else len(data)

    def __len__(self) -> int:
        return self._size

    @property
    def view(self) -> Array:
        return self._data[: self._size]

    def _reserve(self, extra: int) -> None:
        needed = self._size + extra
        if needed > len(self._data) or not self._data.flags.writeable:
            grown = np.empty(max(needed, 2 * len(self._data), 16), dtype=self._data.dtype)
            grown[: self._size] = self._data[: self._size]
            self._data = grown

    def append(self, value: Any) -> None:
        self._reserve(1)
        self._data[self._size] = value
        self._size += 1

    def extend(self, values: Any) -> None:
        values = np.asarray(values, dtype=self._data.dtype)
        self._reserve(len(values))
        self._data[self._size : self._size + len(values)] = values
        self._size += len(values)

    def set(self, index: int, value: Any) -> None:
        self._reserve(0)
        self._data[index] = value


class Vocabulary:
    """Distinct strings and their integer ids."""

    __slots__ = ("ids", "strings")

    def __init__(self, strings: list[str] | None = None) -> None:
        self.strings: list[str] = strings or []
        self.ids: dict[str, int] = {text: index for index, text in enumerate(self.strings)}

    def __len__(self) -> int:
        return len(self.strings)

    def add(self, text: str) -> int:
        found = self.ids.get(text)
        if found is None:
            found = self.ids[text] = len(self.strings)
            self.strings.append(text)
        return found

    def get(self, text: str) -> int | None:
        return self.ids.get(text)

    def to_arrays(self) -> tuple[Array, Array]:
        """The strings as one UTF-8 blob and the offsets of each (for saving)."""
        encoded = [text.encode() for text in self.strings]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(item) for item in encoded], out=offsets[1:])
        return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets

    @classmethod
    def from_arrays(cls, blob: Array, offsets: Array) -> Vocabulary:
        data = blob.tobytes()
        bounds = offsets.tolist()
        return cls([data[bounds[i] : bounds[i + 1]].decode() for i in range(len(bounds) - 1)])
