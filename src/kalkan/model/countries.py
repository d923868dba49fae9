"""Country and issuing-state codes: ISO 3166-1 alpha-3 plus the codes of ICAO Doc 9303."""

from __future__ import annotations

from typing import Annotated

import pycountry
from pydantic import AfterValidator

#: Codes ICAO Doc 9303 (part 3) uses besides ISO 3166-1 alpha-3, with their meaning.
ICAO_SPECIAL_CODES: dict[str, str] = {
    "D": "Germany (machine-readable zone)",
    "GBD": "British Overseas Territories Citizen",
    "GBN": "British National (Overseas)",
    "GBO": "British Overseas Citizen",
    "GBP": "British Protected Person",
    "GBS": "British Subject",
    "UNO": "United Nations Organization or one of its officials",
    "UNA": "Specialized agency of the United Nations or one of its officials",
    "UNK": "Resident of Kosovo to whom a travel document has been issued by UNMIK",
    "EUE": "European Union",
    "RKS": "Kosovo",
    "XBA": "African Development Bank",
    "XIM": "African Export-Import Bank",
    "XCC": "Caribbean Community",
    "XCE": "Council of Europe",
    "XCO": "Common Market for Eastern and Southern Africa",
    "XEC": "Economic Community of West African States",
    "XPO": "International Criminal Police Organization (INTERPOL)",
    "XES": "Organisation of Eastern Caribbean States",
    "XMP": "Parliamentary Assembly of the Mediterranean",
    "XOM": "Sovereign Military Order of Malta",
    "XDC": "Southern African Development Community",
    "XXA": "Stateless person (1954 Convention)",
    "XXB": "Refugee (1951 Convention and 1967 Protocol)",
    "XXC": "Refugee (other)",
    "XXX": "Unspecified nationality",
}

#: Codes that describe a status rather than a state: valid as nationalities.
STATUS_CODES = frozenset({"XXA", "XXB", "XXC", "XXX"})

#: Codes of the fictional states on the specimen documents printed in ICAO Doc 9303. They are
#: deliberately not known codes (``is_known_code`` refuses them, and so do records); a reader of
#: machine-readable zones accepts them only when its caller asks for specimens (tests, training).
SPECIMEN_CODES: dict[str, str] = {
    "UTO": "Utopia (fictional state of the ICAO Doc 9303 specimens)",
}

_ISO_ALPHA3: dict[str, str] = {c.alpha_3: c.name for c in pycountry.countries}


def country_name(code: str) -> str | None:
    """The English name of a known code, or None."""
    return _ISO_ALPHA3.get(code) or ICAO_SPECIAL_CODES.get(code)


def is_known_code(code: str) -> bool:
    return code in _ISO_ALPHA3 or code in ICAO_SPECIAL_CODES


def normalise_country(value: str) -> str:
    """Upper-case and validate a country code; raise ValueError naming the fault."""
    code = value.strip().upper().rstrip("<")
    if not code:
        raise ValueError("country code is empty")
    if not is_known_code(code):
        raise ValueError(f"unknown country code {value.strip()!r} (expected ISO 3166-1 alpha-3 or an ICAO code)")
    return code


def normalise_issuing_state(value: str) -> str:
    """A country code that may issue documents: any known code but those of a status (XXA...)."""
    code = normalise_country(value)
    if code in STATUS_CODES:
        raise ValueError(f"{code} ({ICAO_SPECIAL_CODES[code]}) is a nationality status, not a state that issues documents")
    return code


CountryCode = Annotated[str, AfterValidator(normalise_country)]
IssuingStateCode = Annotated[str, AfterValidator(normalise_issuing_state)]
