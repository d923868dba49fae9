"""Who may see a record: the one rule every read path applies."""

from __future__ import annotations

from kalkan.model.restriction import Restriction, RestrictionMode


def agency_may_see(owner: str, restriction: Restriction, agency: str) -> bool:
    """Whether ``agency`` may see a record owned by ``owner`` under ``restriction``.

    The store applies the same rule in SQL (``store.visibility``); tests hold the two equal.
    A notice is, besides, shared only once published (a diffusion: with its addressees), a
    state the store keeps beside the record and applies there.
    """
    if agency == owner:
        return True
    match restriction.mode:
        case RestrictionMode.ALL:
            return True
        case RestrictionMode.ONLY:
            return agency in restriction.agencies
        case RestrictionMode.EXCEPT:
            return agency not in restriction.agencies
        case RestrictionMode.OWNER:
            return False
