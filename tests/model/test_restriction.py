"""The restriction an owner sets on a record: which modes take a list of agencies."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from kalkan.model.restriction import HitDisclosure, Restriction, RestrictionMode

VALID = [
    # (fields, mode, agencies)
    ({}, RestrictionMode.OWNER, ()),  # the safe default: nobody else
    ({"mode": "all"}, RestrictionMode.ALL, ()),
    ({"mode": "owner"}, RestrictionMode.OWNER, ()),
    ({"mode": "only", "agencies": ["UZ-NCB"]}, RestrictionMode.ONLY, ("UZ-NCB",)),
    ({"mode": "except", "agencies": ["TJ-NCB"]}, RestrictionMode.EXCEPT, ("TJ-NCB",)),
    # upper-cased, deduplicated, sorted
    ({"mode": "only", "agencies": ["uz-ncb", "CARICC", " UZ-NCB ", "kz_fiu"]}, RestrictionMode.ONLY, ("CARICC", "KZ_FIU", "UZ-NCB")),
]


@pytest.mark.parametrize(("fields", "mode", "agencies"), VALID)
def test_a_valid_restriction(fields: dict[str, Any], mode: RestrictionMode, agencies: tuple[str, ...]) -> None:
    restriction = Restriction.model_validate(fields)
    assert (restriction.mode, restriction.agencies) == (mode, agencies)
    assert restriction.hit_disclosure is HitDisclosure.NOTHING


INVALID = [
    ({"mode": "only"}, "mode 'only' needs at least one agency in 'agencies'"),
    ({"mode": "except", "agencies": []}, "mode 'except' needs at least one agency in 'agencies'"),
    ({"mode": "all", "agencies": ["UZ-NCB"]}, "mode 'all' takes no 'agencies'"),
    ({"mode": "owner", "agencies": ["UZ-NCB"]}, "mode 'owner' takes no 'agencies'"),
    ({"mode": "only", "agencies": ["U"]}, "String should match pattern"),  # too short
    ({"mode": "only", "agencies": ["UZ NCB"]}, "String should match pattern"),
    ({"mode": "only", "agencies": ["-UZ"]}, "String should match pattern"),
    ({"mode": "only", "agencies": ["ҚЗ-NCB"]}, "String should match pattern"),
    ({"mode": "only", "agencies": ["A" * 33]}, "String should match pattern"),
    ({"mode": "only", "agencies": [f"A{i:03d}" for i in range(501)]}, "at most 500 items"),
    ({"mode": "some"}, "Input should be 'all', 'only', 'except' or 'owner'"),
    ({"mode": "all", "hit_disclosure": "everything"}, "Input should be 'nothing' or 'contact_owner'"),
    ({"mode": "all", "visible": True}, "Extra inputs are not permitted"),
]


@pytest.mark.parametrize(("fields", "message"), INVALID)
def test_an_invalid_restriction_says_why(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Restriction.model_validate(fields)


def test_the_owner_may_let_a_check_tell_others_to_contact_it() -> None:
    restriction = Restriction(mode=RestrictionMode.OWNER, hit_disclosure=HitDisclosure.CONTACT_OWNER)
    assert restriction.hit_disclosure is HitDisclosure.CONTACT_OWNER
