"""The rule every text a person types must meet before it is stored, in one place: no control
characters except tab and line breaks. A NUL byte cannot be stored by PostgreSQL at all (the
insert fails), and the other control characters have no business in a name, an answer or a
note. Every validator of typed text runs its input through ``refuse_control_characters``, so
the API answers 422 naming the field and the pages show the message next to it.
"""

from __future__ import annotations

import re

from booking_app import messages
from booking_app.errors import InvalidInput

# C0 controls except \t \n \r, DEL, and the C1 controls (U+0080–U+009F).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def refuse_control_characters(text: str, field: str) -> str:
    """``text`` unchanged, or ``InvalidInput`` for ``field``.

    >>> refuse_control_characters("Line one\\nline two\\ttab", "notes")
    'Line one\\nline two\\ttab'
    >>> refuse_control_characters("Ada\\x00", "name")
    Traceback (most recent call last):
    ...
    booking_app.errors.InvalidInput: ...
    """
    if _CONTROL.search(text):
        raise InvalidInput(field, messages.CONTROL_CHARACTERS)
    return text
