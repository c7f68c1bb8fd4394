"""Texts the system writes when an event happens ("Signalement n°371 : Résolu", "Intervention prévue
le 15 décembre 2026.") are stored as their French source and their data, and written in the reader's
language when shown: an English reader of a notification sent while the site spoke French reads it in
English, and the other way round.

``SystemText(gettext_noop("Signalement n°%(n)d : %(status)s"), n=371, status=Status.DONE.label)``:
a parameter that is a date is shown through ``format_when``; a lazy translation (a choice's label)
is stored as its French source and translated when shown; anything else is kept as it is (names,
numbers, what people typed). ``texts_data`` turns a list of texts and plain strings into JSON for a
model field, ``texts_render`` writes them back, one per line, in the active language.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from .dates import format_when


@dataclass(frozen=True)
class SystemText:
    msgid: str
    params: dict = field(default_factory=dict)

    def __init__(self, msgid: str, **params):
        object.__setattr__(self, "msgid", msgid)
        object.__setattr__(self, "params", params)

    def as_data(self) -> dict:
        return {"msgid": self.msgid, "params": {k: _param_data(v) for k, v in self.params.items()}}

    def __str__(self) -> str:
        return texts_render([self.as_data()])


def _param_data(value):
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    if isinstance(value, Promise):
        with translation.override(None):
            return {"t": str(value)}
    return value


def _param_text(value):
    if isinstance(value, dict) and "date" in value:
        parsed = (
            datetime.datetime.fromisoformat(value["date"])
            if "T" in value["date"]
            else datetime.date.fromisoformat(value["date"])
        )
        return format_when(parsed, "date")
    if isinstance(value, dict) and "t" in value:
        return gettext(value["t"])
    return value


def texts_data(parts) -> list:
    """JSON for a list of ``SystemText`` and plain strings (empty strings and None are left out)."""
    out = []
    for part in parts:
        if isinstance(part, SystemText):
            out.append(part.as_data())
        elif part:
            out.append({"raw": str(part)})
    return out


def texts_render(data) -> str:
    """The stored texts in the active language, one per line."""
    lines = []
    for part in data or []:
        if "raw" in part:
            lines.append(part["raw"])
        else:
            params = {k: _param_text(v) for k, v in (part.get("params") or {}).items()}
            text = gettext(part["msgid"])
            lines.append(text % params if params else text)
    return "\n".join(lines)


def texts_source(parts) -> str:
    """The French text of a list of texts: kept beside the data for readers without the data."""
    with translation.override("fr"):
        return texts_render(texts_data(parts))
