"""Leaf hashes of stored events, quickly: the sealer and `civicfund audit verify` hash every event.

The bytes are domain.transparency.entries.leaf_bytes(entry_of(...)), the entry's canonical JSON,
computed with orjson (parse, make the typed values plain, serialise with sorted keys) instead of
the standard library's json. orjson writes what json.dumps(sort_keys=True, separators=(",", ":"),
ensure_ascii=False) writes for text, integers, booleans, null, lists and objects; it writes
floats differently (1e16 against 1e+16), so an event holding a float, or anything else unusual
(an integer beyond 64 bits, stamps that are not text), takes the domain's own path. A test holds
the two byte-identical over every event of the demo.
"""

from __future__ import annotations

from functools import lru_cache
from hashlib import sha256
from typing import Any
from uuid import UUID

import orjson

from domain.kernel.money import Money
from domain.transparency.entries import leaf_of as reference_leaf_of

_SORTED = orjson.OPT_SORT_KEYS
_STAMPS = frozenset(("timestamp", "actor_id", "actor_role", "correlation_id",
                     "originator_topic"))
_HEX = frozenset("0123456789abcdef")


class _Unusual(Exception):
    """A value the quick path does not write as json.dumps would."""


# Ids recur (a project's, a citizen's): each one's text is worked out once, up to a bound.
_UUID_TEXTS: dict[str, str] = {}
_MOST_REMEMBERED = 100_000


def _uuid_text(data: str) -> str:
    text = _UUID_TEXTS.get(data)
    if text is None:
        if len(data) == 32 and _HEX.issuperset(data):
            text = f"{data[:8]}-{data[8:12]}-{data[12:16]}-{data[16:20]}-{data[20:]}"
        else:
            text = str(UUID(data))
        if len(_UUID_TEXTS) >= _MOST_REMEMBERED:
            _UUID_TEXTS.clear()
        _UUID_TEXTS[data] = text
    return text


@lru_cache(maxsize=4096)
def _amount(minor: int, currency: str) -> str:
    return Money(minor, currency).to_decimal_string()


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        return _plain_object(value)
    if kind is list:
        return [_plain(item) for item in value]
    raise _Unusual


def _plain_object(fields: dict[str, Any]) -> Any:
    if len(fields) == 2 and "_data_" in fields and "_type_" in fields:
        kind, data = fields["_type_"], fields["_data_"]
        if type(data) is str and type(kind) is str and kind != "money":
            # ids made canonical; moments, dates and decimals as written
            return _uuid_text(data) if kind == "uuid_hex" else data
        if kind == "money":
            if not (type(data) is dict and len(data) == 2):
                raise _Unusual
            minor, currency = data.get("minor"), data.get("currency")
            if type(minor) is not int or type(currency) is not str:
                raise _Unusual
            return {"amount": _amount(minor, currency), "currency": currency}
        if kind == "uuid_hex" or type(kind) is not str:
            raise _Unusual
        return _plain(data)
    return {name: _plain(item) for name, item in fields.items()}


def _payload(fields: dict[str, Any]) -> dict[str, Any]:
    payload = {}
    for name, value in fields.items():
        if name in _STAMPS:
            continue
        kind = type(value)
        if kind is dict:
            value = _plain_object(value)
        elif not (kind is str or kind is int or kind is bool or value is None):
            value = _plain(value)
        payload[name] = value
    return payload


def leaf_of(position: int, aggregate_id: UUID | str, aggregate_version: int, topic: str,
            state: bytes | str) -> bytes:
    """The entry's canonical leaf bytes, as domain.transparency.entries.leaf_of writes them."""
    try:
        fields = orjson.loads(state)
        actor_id = fields.get("actor_id")
        role = fields.get("actor_role")
        correlation_id = fields.get("correlation_id")
        if not (type(actor_id) in _TEXT and type(role) in _TEXT
                and type(correlation_id) in _TEXT):
            raise _Unusual
        return orjson.dumps({
            "position": position,
            "aggregate_id": (str(aggregate_id) if isinstance(aggregate_id, UUID)
                             else _uuid_text(aggregate_id)),
            "aggregate_version": aggregate_version,
            "topic": topic,
            "recorded_at": _plain(fields.get("timestamp")),
            "actor": {"account_id": actor_id, "role": role},
            "correlation_id": correlation_id,
            "payload": _payload(fields),
        }, option=_SORTED)
    except Exception:  # the domain's path says what is wrong, or agrees
        return reference_leaf_of(position, aggregate_id, aggregate_version, topic, state)


_TEXT = frozenset((str, type(None)))


def leaf_hashes(rows: list[tuple[int, UUID | str, int, str, bytes]]) -> list[bytes]:
    """RFC 9162 leaf hashes of stored events (position, aggregate id, version, topic, state)."""
    return [sha256(b"\x00" + leaf_of(*row)).digest() for row in rows]
