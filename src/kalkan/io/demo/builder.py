"""The demo's generator state: one seeded random source, the records made so far, ids and references."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from kalkan.access.policy import agency_may_see
from kalkan.io.demo.agencies import AGENCY_CODES, CASE_PREFIX
from kalkan.io.demo.people import Identity
from kalkan.model.records import RecordModel
from kalkan.model.validation import parse_record

#: Every demo record carries a reference of this scheme: it tells the demo from real data.
DEMO_SCHEME = "demo"
DEMO_REMARK = "Fictitious record of the Kalkan demo data set."

#: The demo's "today": dates are drawn before it, so the data set is the same whatever the day.
REFERENCE_DAY = date(2026, 3, 1)


@dataclass(frozen=True, slots=True)
class DemoRecord:
    id: str
    owner: str
    record: RecordModel
    identity: Identity | None = None

    def visible_to(self, agency: str) -> bool:
        return agency_may_see(self.owner, self.record.restriction, agency)


@dataclass
class Builder:
    rng: random.Random
    records: list[DemoRecord] = field(default_factory=list)
    _cases: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _serial: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def new_id(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def add(self, owner: str, data: dict[str, Any], identity: Identity | None = None) -> DemoRecord:
        """Validate ``data`` as a client's record, give it its owner's case number and the demo marker."""
        kind = data["kind"]
        self._serial[kind] += 1
        self._cases[owner] += 1
        year = self.rng.randint(2016, REFERENCE_DAY.year - 1)
        refs = [
            {"scheme": "case", "value": f"{CASE_PREFIX[owner] or owner}-{year}-{self._cases[owner]:05d}"},
            {"scheme": DEMO_SCHEME, "value": f"{kind}-{self._serial[kind]:04d}"},
        ]
        data = {**data, "external_refs": [*data.get("external_refs", []), *refs], "remarks": data.get("remarks", DEMO_REMARK)}
        made = DemoRecord(self.new_id(), owner, parse_record(data), identity)
        self.records.append(made)
        return made

    def weighted(self, weights: dict[str, int]) -> str:
        keys = list(weights)
        return self.rng.choices(keys, weights=[weights[k] for k in keys])[0]

    def restriction(self, owner: str, *, open_share: float) -> dict[str, Any]:
        """All agencies (``open_share`` of the time), else only listed, all except listed, or owner only."""
        draw = self.rng.random()
        if draw < open_share:
            return {"mode": "all"}
        others = [code for code in AGENCY_CODES if code != owner]
        disclosure = self.rng.choice(["nothing", "contact_owner"])
        rest = (draw - open_share) / (1 - open_share)
        if rest < 0.4:
            return {"mode": "only", "agencies": self.rng.sample(others, self.rng.randint(1, 3)), "hit_disclosure": disclosure}
        if rest < 0.7:
            return {"mode": "except", "agencies": self.rng.sample(others, self.rng.randint(1, 2)), "hit_disclosure": disclosure}
        return {"mode": "owner", "hit_disclosure": disclosure}

    def day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randint(0, max((last - first).days, 0)))

    def of_kind(self, kind: str) -> list[DemoRecord]:
        return [r for r in self.records if r.record.kind == kind]
