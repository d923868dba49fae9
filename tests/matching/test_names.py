"""The name scorer and the candidate index, on real names across scripts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kalkan.matching.features import PERSON_FEATURES, DateSpan, Evidence, Subject, score
from kalkan.matching.names import storage
from kalkan.matching.names.index import IndexedName, IndexedRecord, NameIndex
from kalkan.matching.names.matcher import PreparedQuery, run
from kalkan.matching.names.parts import NameInputError, PartRole, prepare_name
from kalkan.matching.names.similarity import name_similarity

THRESHOLD = 0.8

# (query, record, whether the scorer must call it the same name)
CASES = [
    ("Жалолов Азиз", "Jalolov Aziz", True),  # Uzbek Latin
    ("Жалолов Азиз", "Zhalolov Aziz", True),  # Russian rules
    ("Рахимзода Саидмумин", "Rahimzade Saidmumin", True),  # -zoda / -zade
    ("Aziz Jalolov", "Jalolov Aziz Rustamovich", True),  # any order, patronymic left out
    ("Ivanova Olga", "Ivanov Olga", True),  # gendered ending
    ("محمد بن سلمان", "Mohammed bin Salman", True),  # Arabic script against Latin
    ("Osama bin Laden", "Usama bin Ladin", True),  # vowels differ
    ("Abdulaziz Karimov", "Abd al-Aziz Karimov", True),  # compound given name
    ("Saidmumin Rahimzoda", "Saidmumin Rahimzodx", True),  # one typo
    ("FridrichBuchenberg", "Friedrich Buchenberg", True),  # a space missing
    ("Jalolov Aziz", "Karimov Rustam", False),
    ("Sergey Ivanovich Lavrov", "Sergey Viktorovich Lavrov", False),  # another father
    ("Aziz", "Jalolov Aziz", False),  # one given name is not a person
    ("Mahmoud Abbas", "Mahmud Ahmadinejad", False),
]


@pytest.mark.parametrize(("query", "record", "expected"), CASES)
def test_name_similarity(query: str, record: str, expected: bool) -> None:
    match = name_similarity(prepare_name(query), prepare_name(record))
    assert (match.score >= THRESHOLD) is expected, match


def test_the_explanation_names_the_key_of_each_pair() -> None:
    match = name_similarity(prepare_name("Жалолов Азиз"), prepare_name("Zhalolov Aziz"))
    assert {(part.query, part.record, part.via) for part in match.parts} == {("жалолов", "zhalolov", "loose"), ("азиз", "aziz", "loose")}


def test_particles_weigh_little() -> None:
    parts = {part.text: part.role for part in prepare_name("Usama bin Laden").parts}
    assert parts["bin"] is PartRole.PARTICLE
    with_particle = name_similarity(prepare_name("Usama bin Laden"), prepare_name("Usama Laden")).score
    assert with_particle > 0.95


@pytest.mark.parametrize("bad", ["", "  ", "?!...", "x" * 10_000, "Иvанов"])
def test_bad_names_are_refused_with_a_reason(bad: str) -> None:
    with pytest.raises(NameInputError) as raised:
        prepare_name(bad)
    assert str(raised.value)


def test_dates_of_birth_far_apart_cost_points() -> None:
    names = name_similarity(prepare_name("Jalolov Aziz"), prepare_name("Jalolov Aziz"))
    record = Subject(birth_dates=(DateSpan(date(1984, 3, 12), date(1984, 3, 12)),), gender="male")
    same = score(PERSON_FEATURES, Evidence(Subject(birth_dates=(DateSpan(date(1984, 1, 1), date(1984, 12, 31)),)), record, names))
    far = score(PERSON_FEATURES, Evidence(Subject(birth_dates=(DateSpan(date(1960, 1, 1), date(1960, 12, 31)),)), record, names))
    other = score(PERSON_FEATURES, Evidence(Subject(gender="female"), record, names))
    assert same.score == 1.0
    assert far.score == pytest.approx(0.8)
    assert {c.name: c.contribution for c in far.features}["dob_year_disjoint"] == -0.2
    assert other.score == pytest.approx(0.9)


def _record(number: int, *names: str, kind: str = "person", mode: str = "all", owner: str = "UZ-NCB") -> IndexedRecord:
    return IndexedRecord(f"{number:032x}", kind, 1, owner, mode, "nothing", (), tuple(IndexedName(n) for n in names), Subject())


def _index() -> NameIndex:
    index = NameIndex()
    index.add(_record(1, "Jalolov Aziz Rustamovich", "Жалолов Азиз Рустамович"))
    index.add(_record(2, "Rahimzoda Saidmumin"))
    index.add(_record(3, "Usama bin Laden", "أسامة بن لادن", mode="owner"))
    index.add(_record(4, "Islamic Jihad Union", kind="organisation"))
    return index


SEARCHES = [
    ("Zhalolov Aziz", "person", "UZ-NCB", [1]),
    ("Djalolov Azis", "person", "UZ-NCB", [1]),  # typo neighbours
    ("Рахимзаде", "person", "UZ-NCB", [2]),
    ("اسامة بن لادن", "person", "UZ-NCB", [3]),  # the owner sees its own record
    ("اسامة بن لادن", "person", "KZ-NCB", []),  # another agency does not
    ("Islamic Jihad", "person", "UZ-NCB", []),  # persons only
    ("Islamic Jihad", "organisation", "UZ-NCB", [4]),
]


@pytest.mark.parametrize("packed", [False, True])
@pytest.mark.parametrize(("query", "kind", "agency", "expected"), SEARCHES)
def test_search_finds_candidates_by_key(query: str, kind: str, agency: str, expected: list[int], packed: bool) -> None:
    index = _index()
    if packed:
        index.pack()
    found = [int(index.record_id(c.row), 16) for c in index.search([prepare_name(query)], kind, agency)]
    assert found[: len(expected)] == expected
    assert set(found) <= {1, 2, 3, 4}
    if not expected:
        assert found == []


def test_a_saved_index_loads_back_and_takes_changes(tmp_path: Path) -> None:
    index = _index()
    index.remove(f"{2:032x}")
    storage.save(index, tmp_path, storage.Header(sequence=7, fingerprint="db"))
    loaded = storage.load(tmp_path)
    assert loaded is not None
    copy, header = loaded
    assert header == storage.Header(7, "db")
    assert [int(copy.record_id(c.row), 16) for c in copy.search([prepare_name("Jalolov")], "person", "KZ-NCB")] == [1]
    assert copy.search([prepare_name("Rahimzoda")], "person", "UZ-NCB") == []
    copy.add(_record(1, "Karimov Rustam"))  # a new version replaces the old row
    assert copy.search([prepare_name("Jalolov")], "person", "KZ-NCB") == []
    assert len(copy.search([prepare_name("Karimov Rustam")], "person", "KZ-NCB")) == 1


def _ranked(index: NameIndex, query: str, top: int = 3) -> list[str]:
    prepared = PreparedQuery((prepare_name(query),), Subject())
    return [index.name_value(next(iter(index.names_of(match.row)))) for match in run(index, prepared, "person", "UZ-NCB", top)]


def _spellings_index(names: list[str]) -> NameIndex:
    index = NameIndex()
    for number, name in enumerate(names, start=1):
        index.add(_record(number, name))
    index.pack()
    return index


# (query, spellings in the index that share its key, the one that must come first)
CLOSEST_FIRST = [
    ("Иванов", ["Iwanow", "Ivanow", "Ivanov", "Iwanov"], "Ivanov"),
    ("Юсупов", ["Jusupov", "Yusupov", "Iusupov", "Yusupow"], "Iusupov"),  # ю as ICAO 9303 (Russian passports) writes it
    ("يوسف", ["Youssouf", "Yousuf", "Yusuf", "Yusuff"], "Yusuf"),  # the usual spelling of a common name
    ("محمود", ["Makhmud", "Mahmood", "Mahmud", "Mahmoud"], "Mahmud"),
    ("Шевченко", ["Schewtschenko", "Ševčenko", "Shevchenko"], "Shevchenko"),
]


@pytest.mark.parametrize(("query", "spellings", "first"), CLOSEST_FIRST)
def test_of_names_sharing_a_key_the_closest_spelling_ranks_first(query: str, spellings: list[str], first: str) -> None:
    ranked = _ranked(_spellings_index(spellings), query, top=len(spellings))
    assert ranked[0] == first, ranked
    assert sorted(ranked) == sorted(spellings)


def test_a_shared_loose_key_outranks_many_names_sharing_only_the_skeleton() -> None:
    # 50 names with the consonants of Karimov (k-r-m-v) and other vowels, then Karimov itself:
    # the candidate cut must keep the one that shares the loose key.
    vowels = "aeiou"
    decoys = [f"K{first}r{second}m{third}v" for first in vowels for second in vowels for third in "ao"]
    decoys = [name for name in decoys if name.lower() not in ("karimov", "karimav")]
    index = _spellings_index([*decoys, "Karimov"])
    found = index.search([prepare_name("Каримов")], "person", "UZ-NCB", limit=3)
    assert index.name_value(next(iter(index.names_of(found[0].row)))) == "Karimov"


# (query, record: the consonant skeletons one letter apart; found only through the skeleton's neighbourhood)
NEAR_SKELETON = [
    ("شوباروف", "Chubarov"),  # ش for a ch that Arabic has no letter for
    ("غورينشتاين", "Gorenstein"),  # German st read sht
]


@pytest.mark.parametrize("packed", [False, True])
@pytest.mark.parametrize(("query", "record"), NEAR_SKELETON)
def test_a_skeleton_one_letter_off_is_still_a_candidate(query: str, record: str, packed: bool) -> None:
    index = NameIndex()
    index.add(_record(1, record))
    index.add(_record(2, "Karimov Rustam"))
    if packed:
        index.pack()
    found = index.search([prepare_name(query)], "person", "UZ-NCB")
    assert [int(index.record_id(c.row), 16) for c in found] == [1]
