"""Country names as UN and OFAC write them, and FollowTheMoney's codes, to ISO alpha-3."""

from __future__ import annotations

import pytest

from kalkan.io.country_names import code_of_alpha2, code_of_name

CASES = [
    ("Iran (Islamic Republic of)", "IRN"),
    ("Syrian Arab Republic", "SYR"),
    ("Russian Federation", "RUS"),
    ("Russia", "RUS"),
    ("Democratic Republic of the Congo", "COD"),
    ("Congo, Democratic Republic of the", "COD"),
    ("Congo", "COG"),
    ("Korea, North", "PRK"),
    ("Democratic People's Republic of Korea", "PRK"),
    ("Korea, South", "KOR"),
    ("Burma", "MMR"),
    ("Turkey", "TUR"),
    ("Türkiye", "TUR"),
    ("Côte d'Ivoire", "CIV"),
    ("North Macedonia, The Republic of", "MKD"),
    ("The Gambia", "GMB"),
    ("Bolivia (Plurinational State of)", "BOL"),
    ("United Kingdom of Great Britain and Northern Ireland", "GBR"),
    ("Palestinian", "PSE"),
    ("Kosovo", "RKS"),
    ("UZB", "UZB"),
    ("possibly Palestinian", None),
    ("Region: Gaza", None),
    ("", None),
]


@pytest.mark.parametrize(("name", "code"), CASES)
def test_code_of_name(name: str, code: str | None) -> None:
    assert code_of_name(name) == code


@pytest.mark.parametrize(("code", "expected"), [("ru", "RUS"), ("UZ", "UZB"), ("xk", "RKS"), ("suhh", None), ("zz", None)])
def test_code_of_alpha2(code: str, expected: str | None) -> None:
    assert code_of_alpha2(code) == expected
