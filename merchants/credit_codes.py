"""Unified social credit codes (GB 32100-2015): 18 characters, the last one a check character."""

from __future__ import annotations

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(body: str) -> str:
    """The 18th character for a 17-character body; raises ValueError on a bad character."""
    if len(body) != len(WEIGHTS):
        raise ValueError("A credit code body has 17 characters.")
    total = sum(CHARSET.index(char) * weight for char, weight in zip(body, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    """True for 18 characters from the GB 32100 alphabet whose last one is the right check."""
    code = code.strip().upper()
    if len(code) != 18 or any(char not in CHARSET for char in code):
        return False
    return check_character(code[:17]) == code[17]
