"""{% load wallet %}: the statement's card memo in the reader's words."""

from django import template

from customers.forms import CARD_BRANDS

register = template.Library()
BRAND_NAMES = dict(CARD_BRANDS)


@register.filter
def card_memo(memo: str) -> str:
    """'unionpay ···· 4321' (as the ledger keeps it) → '银联 ···· 4321'; other memos unchanged."""
    brand, separator, rest = memo.partition(" ")
    name = BRAND_NAMES.get(brand)
    return f"{name}{separator}{rest}" if name is not None else memo
