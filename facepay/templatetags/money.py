from django import template

from facepay.money import format_minor

register = template.Library()


@register.filter
def money(amount_minor: int | None, currency: str = "CNY") -> str:
    """{{ payment.amount_minor|money:payment.currency }} → ¥38.50"""
    if amount_minor is None:
        return "—"
    return format_minor(int(amount_minor), currency or "CNY")
