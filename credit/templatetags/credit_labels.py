"""{{ code|feature_label }}: a scorecard feature's name in the reader's language."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from credit import scorecard

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
