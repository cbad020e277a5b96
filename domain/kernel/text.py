"""Free text as people type it: trimmed, bounded, and free of control characters."""

from __future__ import annotations

import unicodedata

# Whitespace controls are tidied away (single-line fields fold them into spaces); others refused.
_WHITESPACE_CONTROLS = {"\n", "\r", "\t"}


def has_control_characters(value: str) -> bool:
    return any(
        unicodedata.category(ch) in ("Cc", "Cs") and ch not in _WHITESPACE_CONTROLS
        for ch in value
    )
