"""What a password must be: 12 to 1,024 characters, and not one of the most common passwords.

The list of common passwords is Django's (data/common-passwords.txt.gz, about 20,000 of them,
BSD licence in data/COMMON-PASSWORDS-LICENSE), compared as Django does: lower-cased and stripped.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

MIN_PASSWORD = 12
MAX_PASSWORD = 1024
COMMON_PASSWORDS = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why `password` is refused, in words for the person choosing it; None when it is fine."""
    password = password or ""
    if len(password) < MIN_PASSWORD:
        return f"Choose a password of at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"Choose a password of at most {MAX_PASSWORD:,} characters"
    if password.lower().strip() in common_passwords():
        return "That password is one of the most common ones: choose one that is harder to guess"
    if email and password.lower().strip() == email.strip().lower():
        return "Choose a password that is not your email address"
    return None
