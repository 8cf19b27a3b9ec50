"""Bounded parsing of numbers sent by clients: ASCII digits only, within a PostgreSQL bigint.

`int()` accepts look-alikes such as full-width "１００" and refuses strings over 4,300
digits with a ValueError; `str.isdigit()` accepts superscripts that `int()` then refuses. Every
id or amount taken from a query string, header or request body goes through here instead.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

BIGINT_MAX = 2**63 - 1  # PostgreSQL bigint / SQLite INTEGER
ASCII_INTEGER = re.compile(r"-?[0-9]{1,19}")


def parse_int(text: object, *, minimum: int = -BIGINT_MAX, maximum: int = BIGINT_MAX) -> int | None:
    """The integer written in ASCII digits (optional minus), or None when malformed or outside
    [minimum, maximum]. An int passes through the same bounds; bools and floats are refused."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        value = text
    elif isinstance(text, str) and ASCII_INTEGER.fullmatch(text):
        value = int(text)
    else:
        return None
    return value if minimum <= value <= maximum else None


def parse_id(text: object) -> int | None:
    """A positive database id (1 … bigint max) in ASCII digits, or None."""
    return parse_int(text, minimum=1)


class StrictIntegerField(serializers.IntegerField):
    """An integer given as a JSON integer or ASCII digits only (no floats, bools, full-width
    digits or exponents), bounded to a bigint unless narrower bounds are given."""

    default_error_messages = {
        "invalid": _("A whole number in ASCII digits is required."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", -BIGINT_MAX)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(**kwargs)

    def to_internal_value(self, data: object) -> int:
        if isinstance(data, str) and ASCII_INTEGER.fullmatch(data.strip()):
            return int(data.strip())
        if isinstance(data, int) and not isinstance(data, bool):
            return data  # the min/max validators bound it
        self.fail("invalid")
        raise AssertionError  # fail() always raises
