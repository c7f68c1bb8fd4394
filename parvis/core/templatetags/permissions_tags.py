"""Templates ask the permissions contract; they never test a role themselves."""

from django import template

from parvis.core import permissions

register = template.Library()


@register.filter
def may_use(user, space: str) -> bool:
    """``{% if user|may_use:"moderation" %}``: may this person open that staff space?"""
    return permissions.can_use(user, space)
