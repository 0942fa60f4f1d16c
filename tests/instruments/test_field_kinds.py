"""The one vocabulary of choice fields: what each REDCap field type does with choices, asked of
the field (``Field.lists_choices``, ``categorical``, ``single_choice``) wherever a layer needs
it."""

from __future__ import annotations

import pytest

from instruments.model import FIELD_TYPES, Field

# REDCap's Data Dictionary guide: radio, dropdown and checkbox list their choices in column F;
# yesno and truefalse have fixed choices (1/0); a checkbox stores one 0/1 column per option.
EXPECTED = {
    "radio": (True, True, True),
    "dropdown": (True, True, True),
    "checkbox": (True, True, False),
    "yesno": (False, True, True),
    "truefalse": (False, True, True),
}


@pytest.mark.parametrize("kind", FIELD_TYPES)
def test_each_field_type_says_what_it_does_with_choices(kind: str) -> None:
    field = Field("q", "f", kind)
    found = (field.lists_choices, field.categorical, field.single_choice)
    assert found == EXPECTED.get(kind, (False, False, False))
