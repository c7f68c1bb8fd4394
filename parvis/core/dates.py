"""The one way Parvis writes a date or a time for people: in the reader's language and time zone.

Templates use the ``when`` filter (``{% load dates %}``), Python code (e-mails, system texts) calls
``format_when``; both take a style: ``"datetime"`` (default), ``"date"``, ``"short"`` (digits only, for
tables) or ``"shortdatetime"``. The formats are Django's for the active language (French:
"7 décembre 2026 23:52", English: "Dec. 7, 2026, 11:52 p.m."), so no page mixes a French month with an
English one, and no format string written in one language leaks words into the other.
"""

import datetime

from django.utils import formats, timezone

STYLES = {
    "date": "DATE_FORMAT",
    "datetime": "DATETIME_FORMAT",
    "short": "SHORT_DATE_FORMAT",
    "shortdatetime": "SHORT_DATETIME_FORMAT",
}


def format_when(value, style: str = "datetime") -> str:
    """``value`` (date or datetime, aware or naive) written in the active language; "" for None."""
    if value in (None, ""):
        return ""
    if style not in STYLES:
        raise ValueError(f"unknown date style {style!r}; one of {sorted(STYLES)}")
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
    elif isinstance(value, datetime.date):
        style = {"datetime": "date", "shortdatetime": "short"}.get(style, style)
    return formats.date_format(value, STYLES[style])
