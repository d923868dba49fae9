"""The demo data set: the same from the same seed, valid, and every pointer one its owner may follow."""

from __future__ import annotations

from collections import Counter

from kalkan.io.demo import AGENCIES, generate
from kalkan.model.names import Script
from kalkan.model.records import Organisation, Person


def test_the_same_seed_gives_the_same_records() -> None:
    first, again, other = generate(seed=7, size=0.1), generate(seed=7, size=0.1), generate(seed=8, size=0.1)
    assert [(r.id, r.record) for r in first] == [(r.id, r.record) for r in again]
    assert [r.id for r in first] != [r.id for r in other]


def test_every_pointer_names_an_earlier_record_its_owner_may_see() -> None:
    made = generate(size=0.3)
    earlier: dict[str, object] = {}
    for demo in made:
        for pointer in demo.record.references():
            assert pointer in earlier, (demo.record.kind, pointer)
            target = next(r for r in made if r.id == pointer)
            assert target.visible_to(demo.owner), (demo.owner, target.owner, target.record.restriction)
        earlier[demo.id] = demo
    assert len({r.id for r in made}) == len(made)


def test_the_data_set_has_every_kind_agency_script_and_restriction() -> None:
    made = generate(size=0.3)
    assert {r.record.kind for r in made} == {"person", "organisation", "travel_document", "link", "event"}
    assert {r.owner for r in made} == {a.code for a in AGENCIES} - {"SEC"}
    scripts = {n.script for r in made if isinstance(r.record, Person | Organisation) for n in r.record.names}
    assert {Script.LATIN, Script.CYRILLIC, Script.ARABIC} <= scripts
    modes = Counter(r.record.restriction.mode for r in made)
    assert set(modes) == {"all", "only", "except", "owner"}
    assert modes["all"] < len(made) * 0.8
    assert any(r.record.restriction.hit_disclosure == "contact_owner" for r in made)


def test_full_size_is_about_what_the_demo_promises() -> None:
    kinds = Counter(r.record.kind for r in generate())
    assert kinds["person"] == 300
    assert kinds["organisation"] == 30
    assert kinds["travel_document"] == 800
    assert kinds["link"] > 200
    assert kinds["event"] > 200
