"""Saving the name index to one file and loading it back.

The file is an uncompressed ``.npz`` holding every column, the packed postings and typo
arrays, the vocabularies as UTF-8 blobs with offsets, and a small JSON header: the format
version, the change-log sequence the index reflects, and a fingerprint of the database it
was built from (an index is never loaded against another database). It is written to a
temporary file beside the target and renamed over it, so a reader sees the old file or
the new one, never half of one, and several processes may share the directory.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from kalkan.matching.names.arrays import Array, Column, Vocabulary
from kalkan.matching.names.index import NameIndex

FORMAT: Final = 2  # 2: the typo table holds skeleton neighbourhoods too
FILE_NAME: Final = "names.npz"
_VOCABULARIES: Final = ("vocabulary", "agencies", "countries")
_ARRAYS: Final = ("posting_offsets", "posting_names", "typo_hashes", "typo_keys")


@dataclass(frozen=True, slots=True)
class Header:
    sequence: int
    fingerprint: str
    format: int = FORMAT


def save(index: NameIndex, directory: Path, header: Header) -> Path:
    """Pack the index and write it to ``directory/names.npz``; returns the path."""
    index.pack()
    directory.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, Array] = {"header": np.frombuffer(json.dumps(vars_of(header)).encode(), dtype=np.uint8)}
    for name, value in vars(index).items():
        if isinstance(value, Column):
            arrays["column." + name] = value.view
    for name in _ARRAYS:
        arrays["array." + name] = getattr(index, name)
    for name in _VOCABULARIES:
        blob, offsets = getattr(index, name).to_arrays()
        arrays["vocabulary." + name] = blob
        arrays["offsets." + name] = offsets
    target = directory / FILE_NAME
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".names-", suffix=".npz")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, allow_pickle=False, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def vars_of(header: Header) -> dict[str, object]:
    return {"sequence": header.sequence, "fingerprint": header.fingerprint, "format": header.format}


def load(directory: Path) -> tuple[NameIndex, Header] | None:
    """The index saved in ``directory`` and its header; None if there is none or it is of another format."""
    path = directory / FILE_NAME
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as saved:
        header_data = json.loads(bytes(saved["header"]).decode())
        if header_data.get("format") != FORMAT:
            return None
        index = NameIndex()
        for name, value in vars(index).items():
            key = "column." + name
            if isinstance(value, Column) and key in saved:
                setattr(index, name, Column(value.view.dtype, saved[key]))
        for name in _ARRAYS:
            setattr(index, name, saved["array." + name])
        for name in _VOCABULARIES:
            setattr(index, name, Vocabulary.from_arrays(saved["vocabulary." + name], saved["offsets." + name]))
    return index, Header(int(header_data["sequence"]), str(header_data["fingerprint"]))
