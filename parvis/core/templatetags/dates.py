"""``{{ value|when }}``, ``{{ value|when:"date" }}``: every date shown by a page goes through here."""

from django import template

from parvis.core.dates import format_when

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def when(value, style: str = "datetime") -> str:
    return format_when(value, style)
