"""Travel document numbers and types."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator

_SEPARATORS = re.compile(r"[\s\-./]+")
_ALLOWED = re.compile(r"^[A-Z0-9]{1,30}$")


class DocumentType(StrEnum):
    PASSPORT = "passport"
    IDENTITY_CARD = "identity_card"
    VISA = "visa"
    RESIDENCE_PERMIT = "residence_permit"
    TRAVEL_DOCUMENT = "travel_document"  # refugee, stateless, emergency documents
    OTHER = "other"


class DocumentStatus(StrEnum):
    STOLEN = "stolen"
    LOST = "lost"
    REVOKED = "revoked"
    INVALIDATED = "invalidated"
    STOLEN_BLANK = "stolen_blank"
    # Not reported lost or stolen: recorded because its holder is on a list (UN, OFAC and other
    # sanctions or watch lists name their entries' passports and identity cards).
    HOLDER_LISTED = "holder_listed"


def normalise_document_number(value: str) -> str:
    """Upper-case, drop spaces, dashes, dots and slashes; refuse anything but A-Z and 0-9."""
    number = _SEPARATORS.sub("", value.upper())
    if not number:
        raise ValueError("document number is empty")
    if len(number) > 30:
        raise ValueError(f"document number has {len(number)} characters, at most 30 allowed")
    if not _ALLOWED.match(number):
        bad = sorted({c for c in number if not ("A" <= c <= "Z" or "0" <= c <= "9")})
        raise ValueError(f"document number contains forbidden characters {''.join(bad)!r}")
    return number


DocumentNumber = Annotated[str, AfterValidator(normalise_document_number)]
