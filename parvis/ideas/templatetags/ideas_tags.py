from django import template
from django.utils.safestring import mark_safe

from parvis.core.richtext import sanitize_html

register = template.Library()


@register.filter
def sanitized(html: str) -> str:
    """Rich text shown as HTML, sanitised again at display (defence in depth: it was cleaned when stored)."""
    return mark_safe(sanitize_html(html or ""))  # noqa: S308 — nh3 has just removed anything unsafe
