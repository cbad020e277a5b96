"""Each stored event as a log entry, and the entry's canonical leaf bytes (issue 13).

The entry is built from the stored event's own JSON, not from the domain classes, so anyone can
rebuild it from an export: values eventsourcing wrote as `{"_type_": ..., "_data_": ...}` become
plain JSON (ids as strings, moments as ISO 8601 text, money as a decimal string and a currency).
"""

from __future__ import annotations

import json
from hashlib import sha256
from typing import Any
from uuid import UUID

from domain.kernel.money import Money

# The fields every civicfund event carries, which the entry lifts out of the payload.
STAMPS = ("timestamp", "actor_id", "actor_role", "correlation_id", "originator_topic")


def entry_of(position: int, aggregate_id: UUID | str, aggregate_version: int, topic: str,
             state: bytes | str) -> dict[str, Any]:
    fields = json.loads(state)
    payload = {name: plain(value) for name, value in fields.items() if name not in STAMPS}
    return {
        "position": position,
        "aggregate_id": (str(aggregate_id) if isinstance(aggregate_id, UUID)
                         else _uuid_text(aggregate_id)),
        "aggregate_version": aggregate_version,
        "topic": topic,
        "recorded_at": plain(fields.get("timestamp")),
        "actor": {"account_id": fields.get("actor_id"), "role": fields.get("actor_role")},
        "correlation_id": fields.get("correlation_id"),
        "payload": payload,
    }


def plain(value: Any) -> Any:
    if isinstance(value, dict):
        kind = value.get("_type_")
        if kind is not None and "_data_" in value and len(value) == 2:
            return _typed(kind, value["_data_"])
        return {name: plain(item) for name, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


_HEX = frozenset("0123456789abcdef")


def _uuid_text(data: str) -> str:
    """str(UUID(data)) for the 32 lowercase hex digits eventsourcing writes, without the
    UUID object (verify turns every event's ids into text)."""
    if len(data) == 32 and _HEX.issuperset(data):
        return f"{data[:8]}-{data[8:12]}-{data[12:16]}-{data[16:20]}-{data[20:]}"
    return str(UUID(data))


def _typed(kind: str, data: Any) -> Any:
    if kind == "uuid_hex":
        return _uuid_text(data)
    if kind == "money":
        return {"amount": Money(data["minor"], data["currency"]).to_decimal_string(),
                "currency": data["currency"]}
    # datetime_iso, decimal_str, date_iso and the value objects written as dicts
    return plain(data)


def leaf_bytes(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


# -- the same leaf bytes, sooner (verify and the sealer hash every event) ----------------------

def _plain_object(fields: dict[str, Any]) -> Any:
    """`plain` for one JSON object as the parser builds it (its members already plain)."""
    kind = fields.get("_type_")
    if kind is not None and "_data_" in fields and len(fields) == 2:
        data = fields["_data_"]
        if kind == "uuid_hex":
            return _uuid_text(data)
        if kind == "money":
            return {"amount": Money(data["minor"], data["currency"]).to_decimal_string(),
                    "currency": data["currency"]}
        return data
    return fields


_DECODER = json.JSONDecoder(object_hook=_plain_object)
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_TEXT = (str, type(None))


def leaf_of(position: int, aggregate_id: UUID | str, aggregate_version: int, topic: str,
            state: bytes | str) -> bytes:
    """leaf_bytes(entry_of(...)), byte for byte: typed values turn plain as the JSON is parsed,
    and one encoder serves every event."""
    fields = _DECODER.decode(state if isinstance(state, str) else bytes(state).decode("utf-8"))
    if not (isinstance(fields, dict) and isinstance(fields.get("actor_id"), _TEXT)
            and isinstance(fields.get("actor_role"), _TEXT)
            and isinstance(fields.get("correlation_id"), _TEXT)):
        # entry_of takes the stamps as stored; only plain text ones read the same both ways.
        return leaf_bytes(entry_of(position, aggregate_id, aggregate_version, topic, state))
    return _ENCODER.encode({
        "position": position,
        "aggregate_id": (str(aggregate_id) if isinstance(aggregate_id, UUID)
                         else _uuid_text(aggregate_id)),
        "aggregate_version": aggregate_version,
        "topic": topic,
        "recorded_at": fields.get("timestamp"),
        "actor": {"account_id": fields.get("actor_id"), "role": fields.get("actor_role")},
        "correlation_id": fields.get("correlation_id"),
        "payload": {name: value for name, value in fields.items() if name not in STAMPS},
    }).encode("utf-8")


def leaf_hashes(rows: list[tuple[int, UUID | str, int, str, bytes]]) -> list[bytes]:
    """RFC 9162 leaf hashes of stored events (position, aggregate id, version, topic, state)."""
    return [sha256(b"\x00" + leaf_of(*row)).digest() for row in rows]
