"""Country codes: ISO 3166-1 alpha-3 and the codes ICAO Doc 9303 adds."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from kalkan.model.countries import CountryCode, IssuingStateCode, country_name, is_known_code, normalise_country, normalise_issuing_state

ACCEPTED = [
    # (as given, as stored, name)
    ("KAZ", "KAZ", "Kazakhstan"),
    ("uzb", "UZB", "Uzbekistan"),
    ("Tjk", "TJK", "Tajikistan"),
    (" kgz ", "KGZ", "Kyrgyzstan"),
    ("GEO", "GEO", "Georgia"),
    ("D", "D", "Germany (machine-readable zone)"),
    ("D<<", "D", "Germany (machine-readable zone)"),  # as the MRZ pads it
    ("d", "D", "Germany (machine-readable zone)"),
    ("GBD", "GBD", "British Overseas Territories Citizen"),
    ("UNO", "UNO", "United Nations Organization or one of its officials"),
    ("XXA", "XXA", "Stateless person (1954 Convention)"),
    ("xxb", "XXB", "Refugee (1951 Convention and 1967 Protocol)"),
    ("EUE", "EUE", "European Union"),
    ("RKS", "RKS", "Kosovo"),
    ("XPO", "XPO", "International Criminal Police Organization (INTERPOL)"),
]


@pytest.mark.parametrize(("given", "stored", "name"), ACCEPTED)
def test_a_known_code_is_accepted_in_upper_case(given: str, stored: str, name: str) -> None:
    assert normalise_country(given) == stored
    assert is_known_code(stored)
    assert country_name(stored) == name


REFUSED = [
    ("QQQ", "unknown country code 'QQQ'"),
    ("qqq", "unknown country code 'qqq'"),
    ("KZ", "unknown country code 'KZ'"),  # alpha-2 is not accepted
    ("398", "unknown country code '398'"),  # nor numeric
    ("Kazakhstan", "unknown country code 'Kazakhstan'"),
    ("ҚАЗ", "unknown country code 'ҚАЗ'"),
    ("", "country code is empty"),
    ("   ", "country code is empty"),
    ("<<<", "country code is empty"),
]


@pytest.mark.parametrize(("given", "message"), REFUSED)
def test_an_unknown_code_is_refused_naming_it(given: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        normalise_country(given)
    if given.strip("< "):
        assert "ISO 3166-1 alpha-3 or an ICAO code" in str(caught.value)
    assert not is_known_code(given.strip().upper())
    assert country_name(given.strip().upper()) is None


@pytest.mark.parametrize("code", ["XXA", "XXB", "XXC", "XXX", "xxa"])
def test_a_status_is_a_nationality_but_issues_no_document(code: str) -> None:
    assert normalise_country(code) == code.upper()
    with pytest.raises(ValueError, match="is a nationality status, not a state that issues documents"):
        normalise_issuing_state(code)


@pytest.mark.parametrize(("given", "stored"), [("UZB", "UZB"), ("d", "D"), ("UNO", "UNO"), ("EUE", "EUE"), ("GBD", "GBD"), ("XPO", "XPO")])
def test_states_and_organisations_issue_documents(given: str, stored: str) -> None:
    assert normalise_issuing_state(given) == stored


class _Holder(BaseModel):
    nationality: CountryCode
    issuing_state: IssuingStateCode


def test_the_annotated_types_validate_and_normalise() -> None:
    assert _Holder(nationality="xxa", issuing_state="deu").model_dump() == {"nationality": "XXA", "issuing_state": "DEU"}
    with pytest.raises(ValidationError) as caught:
        _Holder(nationality="QQQ", issuing_state="XXA")
    assert [(e["loc"], "QQQ" in e["msg"] or "XXA" in e["msg"]) for e in caught.value.errors()] == [
        (("nationality",), True),
        (("issuing_state",), True),
    ]
