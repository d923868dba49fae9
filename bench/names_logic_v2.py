"""Scores with nomenklatura's logic-v2, for bench/names_quality.py; runs in the bench environment.

Reads the work file the quality benchmark writes (labelled pairs; queries with candidate
entities) and writes logic-v2's score for each pair and for each query against each of its
candidates. Usage: ``.venv-bench/bin/python bench/names_logic_v2.py WORK.json RESULT.json``.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from followthemoney import model
from nomenklatura.matching.logic_v2.model import LogicV2
from nomenklatura.matching.types import ScoringConfig


def entity(identifier: str, schema: str, properties: dict[str, list[str]]) -> Any:
    made = model.make_entity(schema)
    made.id = identifier
    for prop, values in properties.items():
        for value in values:
            if value and made.schema.get(prop) is not None:
                made.add(prop, value)
    return made


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as source:
        work = json.load(source)
    config = ScoringConfig.defaults()
    started = time.perf_counter()
    pairs = []
    for schema, left, right, _ in work["pairs"]:
        schema = schema if schema in ("Person", "Company", "Organization", "LegalEntity", "Vessel") else "LegalEntity"
        pairs.append(LogicV2.compare(entity("q", schema, {"name": [left]}), entity("r", schema, {"name": [right]}), config).score)
    per_pair = (time.perf_counter() - started) / max(1, len(pairs))
    ranked = []
    for item in work["ranked"]:
        query = item["query"]
        properties = {("name" if k == "names" else k): v for k, v in query.items() if k != "schema" and isinstance(v, list)}
        q = entity("q", query["schema"], properties)
        scores = []
        for candidate in item["candidates"]:
            r = entity(candidate["id"], candidate["schema"], {"name": candidate["names"], "birthDate": candidate["birthDate"]})
            scores.append(LogicV2.compare(q, r, config).score)
        ranked.append(scores)
    with open(sys.argv[2], "w", encoding="utf-8") as out:
        json.dump({"pairs": pairs, "ranked": ranked, "seconds_per_pair": per_pair}, out)


if __name__ == "__main__":
    main()
