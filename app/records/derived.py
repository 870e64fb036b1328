"""What a record's row keeps beside its answers, worked out from them at every write
(app/records/models.py), so that counting and grouping read an index, not the answers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from app.policy import MOST_STANDARD_PARTS, PART_NUMBER_MOST_CHARACTERS
from app.questions import PEER_REFLECTION, STANDARD_PARTS


def has_peer_reflection(answers: Mapping[str, Any]) -> bool:
    """Whether the peer reflection is answered (more than spaces): what the policy's
    yearly minimum with a peer reflection counts. Stored beside the answers
    (``CpdRecord.has_peer_reflection``), so that counting it reads no answers."""
    value = answers.get(PEER_REFLECTION)
    return isinstance(value, str) and bool(value.strip())


def standard_parts_key(answers: Mapping[str, Any]) -> str | None:
    """The parts of the standard ``answers`` show, as one short value a database can
    index (``CpdRecord.standard_parts_key``): the distinct part numbers, sorted, as a
    JSON list; None for none. Whatever the policy names, so a change of policy never
    makes it wrong. Only strings a policy could name (policy.validate bounds them) are
    kept, at most as many as a policy can have, so the value stays small whatever an
    imported file or a draft holds."""
    parts = answers.get(STANDARD_PARTS)
    if not isinstance(parts, list):
        return None
    numbers = sorted(
        {
            part
            for part in parts
            if isinstance(part, str) and 0 < len(part) <= PART_NUMBER_MOST_CHARACTERS
        }
    )[:MOST_STANDARD_PARTS]
    return json.dumps(numbers, ensure_ascii=False, separators=(",", ":")) if numbers else None


def parts_in_key(key: str) -> list[str]:
    """The part numbers in a ``standard_parts_key``."""
    return [part for part in json.loads(key) if isinstance(part, str)]
