"""What a display name may be: a name with a letter or digit, spaces tidied, at most 60
characters, no markup, no control characters."""

from __future__ import annotations

import pytest

from domain.accounts.display_name import InvalidDisplayName, check_display_name


@pytest.mark.parametrize(("typed", "kept"), [
    ("  Zsófi \t from   Avas ", "Zsófi from Avas"),
    ("R.", "R."),
    ("王小明", "王小明"),
    ("Ana-Lúcia O'Neill", "Ana-Lúcia O'Neill"),
    ("x" * 60, "x" * 60),
    ("42", "42"),
])
def test_a_name_is_kept_tidied(typed, kept):
    assert check_display_name(typed) == kept


@pytest.mark.parametrize(("typed", "said"), [
    ("", "Enter a display name"),
    (" \n ", "Enter a display name"),
    ("<i>Rita</i>", "cannot contain < or >"),
    ("--- ...", "at least one letter or digit"),
    ("y" * 61, "at most 60"),
    ("Rita\x00", "control characters"),
    (None, "Enter a display name"),
])
def test_what_is_not_a_name_is_refused_with_its_reason(typed, said):
    with pytest.raises(InvalidDisplayName) as refused:
        check_display_name(typed)
    assert said in refused.value.message
    assert (refused.value.code, refused.value.field) == ("invalid_display_name", "display_name")
