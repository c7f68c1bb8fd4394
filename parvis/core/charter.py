"""The participation charter: versioned, accepted before a first contribution in any module.

Why in core and as a contribution check: every module's contributions (an idea, a comment, a project, a
report, a registration, a vote) pass ``permissions.CONTRIBUTION_CHECKS``; registering the charter there
makes every module ask for it without any of them knowing. A new version asks everyone again at their
next contribution, and shows them what changed since the version they accepted.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit, permissions
from .models import CharterAcceptance, CharterVersion

MUST_ACCEPT = gettext_lazy(
    "Avant de contribuer, lisez et acceptez la charte de participation (lien « Charte de participation » "
    "en haut de la page)."
)
MUST_ACCEPT_NEW = gettext_lazy(
    "La charte de participation a changé : lisez ce qui change et acceptez-la avant de contribuer "
    "(lien « Charte de participation » en haut de la page)."
)


def current_version() -> CharterVersion | None:
    """The latest published version, or None while the city has published none (nothing is asked)."""
    return CharterVersion.objects.filter(published_at__lte=timezone.now()).order_by("-number").first()


def last_accepted(user) -> CharterAcceptance | None:
    if permissions.is_anonymous(user):
        return None
    return (
        CharterAcceptance.objects.filter(user=user)
        .select_related("version")
        .order_by("-version__number")
        .first()
    )


@dataclass(frozen=True)
class Standing:
    """Where a person stands with the charter, for the banner and the charter page."""

    current: CharterVersion | None
    accepted: CharterVersion | None

    @property
    def must_accept(self) -> bool:
        return self.current is not None and (self.accepted is None or self.accepted.pk != self.current.pk)

    @property
    def is_update(self) -> bool:
        """Accepted an earlier version: show what changed rather than the whole text alone."""
        return self.must_accept and self.accepted is not None


def standing(user) -> Standing:
    current = current_version()
    acceptance = last_accepted(user)
    return Standing(current=current, accepted=acceptance.version if acceptance else None)


@dataclass(frozen=True)
class Banner:
    """What the page header says to a signed-in person who has not accepted the version in force."""

    number: int
    is_update: bool


CURRENT_KEY = "parvis:charter:current"
#: The session remembers that its person accepted this version number: no query on the following pages.
SESSION_KEY = "parvis_charter_accepted"


def current_number() -> int:
    """The number of the version in force (0: none), cached for a minute: the banner reads it on every
    page; the contribution check itself always asks the database."""
    number = cache.get(CURRENT_KEY)
    if number is None:
        number = (
            CharterVersion.objects.filter(published_at__lte=timezone.now())
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        ) or 0
        cache.set(CURRENT_KEY, number, 60)
    return number


def banner(user, session=None) -> Banner | None:
    """Whether the page header asks this person to read the charter: no query once the session knows
    they accepted the version in force (or while none is published)."""
    if permissions.is_anonymous(user):
        return None
    number = current_number()
    if not number or (session is not None and session.get(SESSION_KEY) == number):
        return None
    mine = CharterAcceptance.objects.filter(user=user)
    if mine.filter(version__number=number).exists():
        if session is not None:
            session[SESSION_KEY] = number
        return None
    return Banner(number=number, is_update=mine.exists())


def contribution_check(context) -> str | None:
    """Registered in ``permissions.CONTRIBUTION_CHECKS`` (core's ``AppConfig.ready``)."""
    user = context.user
    current = current_version()
    if current is None or permissions.is_anonymous(user):
        return None
    if CharterAcceptance.objects.filter(user=user, version=current).exists():
        return None
    if CharterAcceptance.objects.filter(user=user).exists():
        return str(MUST_ACCEPT_NEW)
    return str(MUST_ACCEPT)


@transaction.atomic
def charter_accept(*, user, version: CharterVersion) -> CharterAcceptance:
    """Record the acceptance of ``version`` (the one the person read); accepting twice changes nothing."""
    if permissions.is_anonymous(user):
        permissions.ensure(permissions.refuse(permissions.SIGN_IN, 401))
    current = current_version()
    if current is None or version.pk != current.pk:
        raise ValidationError(
            _("Cette version de la charte n'est plus la version en vigueur : relisez la version actuelle.")
        )
    existing = CharterAcceptance.objects.filter(user=user, version=version).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return CharterAcceptance.objects.create(user=user, version=version)
    except IntegrityError:  # the same person accepting in two tabs at once
        return CharterAcceptance.objects.get(user=user, version=version)


@transaction.atomic
def charter_publish(*, actor, title: str, body: str, changes: str = "") -> CharterVersion:
    """Publish a new version (city administrators): everyone is asked again at their next contribution."""
    if not permissions.is_city_admin(actor):
        permissions.ensure(permissions.refuse(permissions.ADMINS_ONLY))
    title, body, changes = title.strip(), body.strip(), changes.strip()
    if not title or not body:
        raise ValidationError(_("Le titre et le texte de la charte sont requis."))
    # Lock the table's last version so that two administrators publishing at once get two numbers.
    last = CharterVersion.objects.select_for_update().order_by("-number").first()
    number = (last.number if last else 0) + 1
    if last is not None and last.body == body and last.title == title:
        raise ValidationError(_("Ce texte est identique à la version en vigueur."))
    version = CharterVersion.objects.create(
        number=number, title=title, body=body, changes=changes, published_by=actor
    )
    audit.audit_record(actor=actor, action="charter.publish", target=version, number=number)
    transaction.on_commit(lambda: cache.delete(CURRENT_KEY))
    return version


def next_number() -> int:
    return (CharterVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1


# ---------------------------------------------------------------------------------------------------------
# Reading the text


_TOKEN = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Piece:
    """A run of the new text: ``kind`` is "same", "added" or "removed"."""

    kind: str
    text: str


def _normalise(text: str) -> str:
    """Paragraphs separated by one blank line, words by one space: a re-wrapped line is no change."""
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def word_diff(old: str, new: str) -> list[Piece]:
    """What changed between two texts, word by word, as runs a page shows with <ins> and <del>."""
    a, b = _TOKEN.findall(_normalise(old)), _TOKEN.findall(_normalise(new))
    pieces: list[Piece] = []

    def add(kind, tokens):
        text = "".join(tokens)
        if not text:
            return
        if pieces and pieces[-1].kind == kind:
            pieces[-1] = Piece(kind, pieces[-1].text + text)
        else:
            pieces.append(Piece(kind, text))

    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            add("same", b[j1:j2])
        else:
            add("removed", a[i1:i2])
            add("added", b[j1:j2])
    return pieces


@dataclass(frozen=True)
class Block:
    kind: str  # "heading" or "paragraph"
    text: str


def blocks(body: str) -> list[Block]:
    """The charter's plain text as headings ("## …") and paragraphs (separated by blank lines)."""
    result = []
    for chunk in re.split(r"\n\s*\n", body.replace("\r\n", "\n").strip()):
        chunk = chunk.strip()
        if not chunk:
            continue
        if chunk.startswith("## "):
            result.append(Block("heading", chunk[3:].strip()))
        else:
            result.append(Block("paragraph", " ".join(line.strip() for line in chunk.splitlines())))
    return result
