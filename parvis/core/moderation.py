"""Flags, the moderation queue, hiding with a public reason, blocking accounts.

Any module's contribution model that inherits ``Moderated`` can be flagged and hidden here.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Max, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import modules, permissions
from .audit import audit_record
from .models import Flag, FlagReason, Moderated, User


def _run_hooks(target: Moderated, hidden: bool) -> None:
    """Call every module's ``moderation_hooks`` (manifest) as ``fn(target, hidden)``.

    ``content_hide`` (``hidden=True``) and ``content_unhide`` (``hidden=False``) call them inside their
    transaction, after the target is saved, so that a module whose contributions feed denormalised
    counters (an idea's comment count, …) keeps them right when hiding happens from the core queue;
    the core itself imports no app. A hook that raises rolls the whole decision back. Explicit calls
    instead of signals, as the house style asks.
    """
    for fn in modules.moderation_hooks():
        fn(target, hidden)


def ensure_moderator(user: User) -> None:
    permissions.ensure_space(user, "moderation")


def flag_create(*, reporter: User, target: Moderated, reason: str, comment: str = "") -> Flag:
    if not reporter.is_authenticated:
        raise PermissionDenied(_("Connectez-vous pour signaler un contenu."))
    if not isinstance(target, Moderated):
        raise ValidationError(_("Ce contenu ne peut pas être signalé."))
    if reason not in FlagReason.values or reason == FlagReason.APPEAL:
        raise ValidationError(_("Motif de signalement inconnu."))
    if len(comment) > 1000:
        raise ValidationError(_("Les précisions ne doivent pas dépasser 1 000 caractères."))
    ct = ContentType.objects.get_for_model(target)
    try:
        with transaction.atomic():
            return Flag.objects.create(
                content_type=ct,
                object_id=str(target.pk),
                reporter=reporter,
                reason=reason,
                comment=comment.strip(),
            )
    except IntegrityError:
        raise ValidationError(_("Vous avez déjà signalé ce contenu."))


@transaction.atomic
def content_hide(*, moderator: User, target: Moderated, reason: str) -> Moderated:
    ensure_moderator(moderator)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Indiquez le motif public du masquage."))
    target.hidden_at = timezone.now()
    target.hidden_reason = reason[:500]
    target.hidden_by = moderator
    target.save(update_fields=["hidden_at", "hidden_reason", "hidden_by"])
    _resolve_flags(target, moderator, "hidden")
    _run_hooks(target, True)
    audit_record(actor=moderator, action="content.hide", target=target, reason=reason)
    _tell_author(target)
    return target


def _tell_author(target: Moderated) -> None:
    """The author learns what was hidden, the public reason, and where to contest the decision
    (docs/decisions/0180-core-hidden-content-author-told.md)."""
    from .notifications import notify

    author = getattr(target, "author", None)
    if author is None:
        return
    ct = ContentType.objects.get_for_model(target)
    notify(
        recipients=[author],
        kind="core.moderation",
        title=_("Votre contribution a été masquée par la modération"),
        body=_(
            "Contribution masquée : « %(what)s ».\nMotif : %(reason)s\n"
            "Si vous pensez qu'elle respecte la charte, contestez cette décision depuis le lien ci-dessous : "
            "l'équipe de modération la réexaminera."
        )
        % {"what": str(target)[:200], "reason": target.hidden_reason},
        url=reverse("core:contest", args=[ct.pk, target.pk]),
        exclude=target.hidden_by,
    )


@transaction.atomic
def content_contest(*, author: User, target: Moderated, comment: str) -> Flag:
    """The author of hidden content asks the moderators to look again: the request joins the
    moderation queue as a flag with the reason ``appeal``; once per author and contribution."""
    if not author.is_authenticated or getattr(target, "author_id", None) != author.pk:
        raise PermissionDenied(_("Seul·e l'auteur·rice d'une contribution peut contester son masquage."))
    if not target.is_hidden:
        raise ValidationError(_("Cette contribution n'est pas masquée : il n'y a rien à contester."))
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(_("Expliquez pourquoi votre contribution respecte la charte."))
    if len(comment) > 1000:
        raise ValidationError(_("Les précisions ne doivent pas dépasser 1 000 caractères."))
    try:
        with transaction.atomic():
            return Flag.objects.create(
                content_type=ContentType.objects.get_for_model(target),
                object_id=str(target.pk),
                reporter=author,
                reason=FlagReason.APPEAL,
                comment=comment,
            )
    except IntegrityError:
        raise ValidationError(_("Vous avez déjà contesté ce masquage."))


@transaction.atomic
def content_unhide(*, moderator: User, target: Moderated) -> Moderated:
    ensure_moderator(moderator)
    target.hidden_at = None
    target.hidden_reason = ""
    target.hidden_by = None
    target.save(update_fields=["hidden_at", "hidden_reason", "hidden_by"])
    _resolve_flags(target, moderator, "restored")
    _run_hooks(target, False)
    audit_record(actor=moderator, action="content.unhide", target=target)
    author = getattr(target, "author", None)
    if author is not None:
        from .notifications import notify

        notify(
            recipients=[author],
            kind="core.moderation",
            title=_("Votre contribution est de nouveau visible"),
            body=_("La modération a rétabli « %(what)s ».") % {"what": str(target)[:200]},
            url=target.get_absolute_url() if hasattr(target, "get_absolute_url") else "",
            exclude=moderator,
        )
    return target


@transaction.atomic
def flags_dismiss(*, moderator: User, target: models.Model) -> int:
    """Keep the content: close its open flags."""
    ensure_moderator(moderator)
    count = _resolve_flags(target, moderator, "kept")
    audit_record(actor=moderator, action="flags.dismiss", target=target, count=count)
    return count


def _resolve_flags(target, moderator, decision) -> int:
    return Flag.objects.filter(
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk),
        resolved_at__isnull=True,
    ).update(resolved_at=timezone.now(), resolved_by=moderator, decision=decision)


@transaction.atomic
def user_block(*, moderator: User, user: User, reason: str) -> User:
    ensure_moderator(moderator)
    if permissions.is_moderator(user) and not permissions.is_city_admin(moderator):
        raise PermissionDenied(_("Seul un administrateur peut bloquer un modérateur."))
    if not (reason or "").strip():
        raise ValidationError(_("Indiquez le motif du blocage."))
    user.blocked_at = timezone.now()
    user.blocked_reason = reason.strip()[:500]
    user.save(update_fields=["blocked_at", "blocked_reason"])
    audit_record(actor=moderator, action="user.block", target=user, reason=reason)
    return user


@transaction.atomic
def user_unblock(*, moderator: User, user: User) -> User:
    ensure_moderator(moderator)
    user.blocked_at = None
    user.blocked_reason = ""
    user.save(update_fields=["blocked_at", "blocked_reason"])
    audit_record(actor=moderator, action="user.unblock", target=user)
    return user


@dataclass
class QueueItem:
    content_type: ContentType
    object_id: str
    target: models.Model | None
    flag_count: int
    first_at: object
    last_at: object
    reasons: list[str]
    comments: list[str] = field(default_factory=list)

    @property
    def reason_summary(self) -> list[tuple[str, int]]:
        """(label, count) per reason, most frequent first, for the moderators' page."""
        labels = dict(FlagReason.choices)
        counts = Counter(self.reasons)
        return [(str(labels.get(code, code)), n) for code, n in counts.most_common()]


def moderation_queue(limit: int = 100) -> list[QueueItem]:
    """Flagged contributions waiting for a decision, most flagged first.

    A fixed number of queries whatever the queue length: one for the groups, one for their
    reasons, one per kind of content for the targets.
    """
    groups = list(
        Flag.objects.filter(resolved_at__isnull=True)
        .values("content_type", "object_id")
        .annotate(n=Count("id"), first=Min("created_at"), last=Max("created_at"))
        .order_by("-n", "first")[:limit]
    )
    if not groups:
        return []
    keys = Q()
    for g in groups:
        keys |= Q(content_type_id=g["content_type"], object_id=g["object_id"])
    reasons: dict[tuple[int, str], list[str]] = defaultdict(list)
    comments: dict[tuple[int, str], list[str]] = defaultdict(list)
    for ct_id, object_id, reason, comment in (
        Flag.objects.filter(keys, resolved_at__isnull=True)
        .order_by("created_at")
        .values_list("content_type", "object_id", "reason", "comment")
    ):
        reasons[(ct_id, object_id)].append(reason)
        if comment:
            comments[(ct_id, object_id)].append(comment)
    ids_by_type: dict[int, list[str]] = defaultdict(list)
    for g in groups:
        ids_by_type[g["content_type"]].append(g["object_id"])
    targets: dict[tuple[int, str], models.Model] = {}
    for ct_id, ids in ids_by_type.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        if model is None:
            continue
        for obj in model._default_manager.filter(pk__in=ids):
            targets[(ct_id, str(obj.pk))] = obj
    return [
        QueueItem(
            ContentType.objects.get_for_id(g["content_type"]),
            g["object_id"],
            targets.get((g["content_type"], g["object_id"])),
            g["n"],
            g["first"],
            g["last"],
            reasons[(g["content_type"], g["object_id"])],
            comments[(g["content_type"], g["object_id"])],
        )
        for g in groups
    ]
