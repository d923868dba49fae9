"""The in-memory index of document numbers: keys, OCR readings, ranges, snapshots."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalkan.matching.documents import DocumentIndex, build, number_key, number_keys, ocr_variants
from kalkan.model.document_ranges import serial_range


def test_vectorised_keys_equal_single_keys_and_differ_between_numbers() -> None:
    numbers = ["FA1234567", "A", "Z", "0", "ZZZZZZZZZZZZ", "AB12345678901234567", "AB12345678901234568"]
    keys = number_keys(numbers).tolist()
    assert keys == [number_key(n) for n in numbers]
    assert len(set(keys)) == len(numbers)
    assert keys[-1] < 0 < keys[0]  # long numbers are hashed, short ones packed


def test_ocr_variants_swap_one_confusable_character_at_a_time() -> None:
    assert ocr_variants("AB10") == ["A810", "ABI0", "AB1O"]
    assert ocr_variants("XYW") == []


def _index() -> DocumentIndex:
    index = build([([1, 2, 3], ["FA1234567", "N1000000", "C0000001"], [None, "N1000999", None], [True, True, False])])
    index.add("f" * 32, "UZ9988776")
    return index


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("FA1234567", {("document:1", "FA1234567", False)}),
        ("FAI234567", {("document:1", "FA1234567", False)}),  # I read for 1
        ("N1000500", {("document:2", "N1000500", True)}),
        ("N1000000", {("document:2", "N1000000", False)}),  # the first number of the range is a key too
        ("NI000500", {("document:2", "N1000500", True)}),
        ("N1001000", set()),  # just past the range
        ("C0000001", set()),  # inactive
        ("UZ9988776", {("f" * 32, "UZ9988776", False)}),
        ("XX0000000", set()),
    ],
)
def test_find(number: str, expected: set[tuple[str, str, bool]]) -> None:
    (found,) = _index().find([number])
    assert {(f.ref, f.number, f.in_range) for f in found} == expected


def test_merge_keeps_one_entry_per_row_and_snapshot_round_trips(tmp_path: Path) -> None:
    index = _index()
    index.add_table_rows([1], ["FA1234567"], [None], [True])  # written again by an update
    index.merge()
    assert int(np.count_nonzero(np.asarray(index.keys) == number_key("FA1234567"))) == 1
    index.seq = 42
    index.save(tmp_path)
    index.save(tmp_path)  # saving again replaces the snapshot
    loaded = DocumentIndex.load(tmp_path)
    assert loaded is not None
    assert loaded.seq == 42
    assert [[(f.ref, f.in_range) for f in group] for group in loaded.find(["FA1234567", "N1000999", "UZ9988776"])] == [
        [("document:1", False)],
        [("document:2", True)],
        [("f" * 32, False)],
    ]
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == 1


def test_load_without_snapshot_is_none(tmp_path: Path) -> None:
    assert DocumentIndex.load(tmp_path) is None


@pytest.mark.parametrize(
    ("first", "last", "fault"),
    [
        ("P100", "P10", "as many characters"),
        ("P100", "Q199", "prefix"),
        ("P199", "P100", "comes before"),
        ("PABC", "PABD", "end in digits"),
        ("00000000", "99999999", "at most"),
    ],
)
def test_bad_ranges_say_why(first: str, last: str, fault: str) -> None:
    with pytest.raises(ValueError, match=fault):
        serial_range(first, last)


def test_a_merge_drops_cancelled_rows_and_their_ranges_and_a_row_written_again_comes_back(tmp_path: Path) -> None:
    index = _index()
    index.add_table_rows([1, 2], ["FA1234567", "N1000000"], [None, "N1000999"], [False, False])  # cancelled
    assert index.find(["FA1234567", "N1000500"]) == [[], []]
    index.merge()
    assert number_key("FA1234567") not in np.asarray(index.keys).tolist()
    assert index.ranges == {}
    assert index.inactive == set()  # nothing left to hide
    index.save(tmp_path)
    loaded = DocumentIndex.load(tmp_path)
    assert loaded is not None
    assert loaded.find(["FA1234567", "N1000500"]) == [[], []]
    loaded.add_table_rows([1], ["FA1234567"], [None], [True])  # reinstated
    assert [f.ref for f in loaded.find(["FA1234567"])[0]] == ["document:1"]


NUMBERS = ["AB1234567", "AB1234568", "N1000000", "XY0000001", "LONGNUMBER123456789"]


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(
        st.lists(st.tuples(st.integers(1, 12), st.sampled_from(NUMBERS), st.booleans()), min_size=1, max_size=6), min_size=1, max_size=8
    ),
    merges=st.lists(st.booleans(), min_size=8, max_size=8),
)
def test_rows_added_in_batches_and_merged_at_any_point_are_found_as_the_table_holds_them(
    steps: list[list[tuple[int, str, bool]]], merges: list[bool]
) -> None:
    index = DocumentIndex()
    table: dict[int, tuple[str, bool]] = {}  # what the documents table holds: each row's number and whether it is active
    for batch, merge_now in zip(steps, merges, strict=False):
        latest = {row: (number, active) for row, number, active in batch}
        for row, (number, active) in latest.items():
            number = table.get(row, (number, True))[0]  # a row keeps its number
            table[row] = (number, active)
        rows = list(latest)
        index.add_table_rows(rows, [table[r][0] for r in rows], [None] * len(rows), [table[r][1] for r in rows])
        if merge_now:
            index.merge()
    for number in NUMBERS:
        (found,) = index.find([number])
        exact = {f.ref for f in found if f.number == number}
        assert exact == {f"document:{row}" for row, (held, active) in table.items() if held == number and active}
