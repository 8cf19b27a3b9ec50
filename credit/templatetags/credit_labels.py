"""{{ code|feature_label }}: a scorecard feature's name in the reader's language."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import floatformat
from django.utils.translation import get_language

from credit import scorecard
from facepay.money import format_minor

register = template.Library()


@register.filter
def feature_label(name: str) -> str:
    info = scorecard.FEATURES_BY_NAME.get(name)
    if info is None:
        return name
    return info.label_zh if (get_language() or "").startswith("zh") else info.label_en


@register.filter
def reason_text(reason: dict[str, object]) -> str:
    """A stored reason's text in the reader's language (both are kept on the score row)."""
    chinese = (get_language() or "").startswith("zh")
    return str(reason.get("text_zh" if chinese else "text_en", ""))


@register.filter
def bin_bound(upper: float | None, name: str) -> str:
    """A points-table bin's upper bound as a reader sees it: money features in yuan with two
    decimals ("¥12,030.69", not "1203069" fen), others as plain numbers."""
    if upper is None:
        return "∞"
    info = scorecard.FEATURES_BY_NAME.get(name)
    if info is not None and info.unit == "minor":
        return format_minor(round(upper))
    return floatformat(upper, "-4")
