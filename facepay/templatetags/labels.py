"""{% load labels %}: words for the codes pages show (audit actions, targets, components)."""

from django import template

from facepay import labels

register = template.Library()


@register.filter
def audit_action(action: str) -> str:
    """{{ event.action|audit_action }} → 商户已批准"""
    return labels.audit_action_label(action)


@register.filter
def audit_target(target_type: str) -> str:
    """{{ event.target_type|audit_target }} → 商户"""
    return labels.audit_target_label(target_type)


@register.filter
def health_component(name: str) -> str:
    """{{ name|health_component }} → 数据库"""
    return labels.health_component_label(name)
