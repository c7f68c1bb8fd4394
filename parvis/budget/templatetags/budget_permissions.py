"""Templates ask the campaign's permission table: ``{% budget_can "review_queue" campaign as show %}``."""

from django import template

from parvis.budget import permissions

register = template.Library()


@register.simple_tag(takes_context=True)
def budget_can(context, action: str, campaign, obj=None):
    """The decision (truthy when allowed, ``.reason`` otherwise) for the page's user."""
    return permissions.can(context["request"].user, action, campaign, obj=obj)
