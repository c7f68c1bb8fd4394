"""Use cases of the ideas module: one function per verb, each validating, locking, writing, notifying.

Every function raises ``ValidationError`` (bad input, French message, nothing changed) or
``PermissionDenied`` (from ``permissions.ensure``) before it writes anything.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from shapely.geometry import Point, shape
from threadpoolctl import threadpool_limits

from parvis.core import attachments as core_attachments
from parvis.core import places, territories
from parvis.core.audit import audit_record
from parvis.core.models import Territory, User
from parvis.core.notifications import notify
from parvis.core.reserved_names import ensure_name_allowed
from parvis.core.richtext import plain_text, sanitize_html
from parvis.core.texts import SystemText

from . import rules, selectors
from .models import (
    Answer,
    AnswerStatus,
    AuthorKind,
    Comment,
    Consultation,
    Follow,
    Idea,
    IdeaAttachment,
    IdeaPhoto,
    IdeaRevision,
    OpinionSnapshot,
    ScopeKind,
    Statement,
    StatementVote,
    Status,
    Support,
    Tag,
    Theme,
    Vote,
)
from .permissions import Action, ensure

TITLE_MIN, TITLE_MAX = 5, 140
BODY_MIN, BODY_MAX = 20, 10_000
COMMENT_MAX = 3_000
STATEMENT_MAX = 280
MAX_TAGS, TAG_MAX = 5, 40
MAX_PHOTOS, MAX_ATTACHMENTS = 3, 3
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024


# ------------------------------------------------------------------------------------------------
# Validation shared by creation and edition
# ------------------------------------------------------------------------------------------------


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if len(title) < TITLE_MIN:
        raise ValidationError({"title": _("Donnez un titre d'au moins %(n)d caractères.") % {"n": TITLE_MIN}})
    if len(title) > TITLE_MAX:
        raise ValidationError(
            {"title": _("Le titre ne doit pas dépasser %(n)d caractères.") % {"n": TITLE_MAX}}
        )
    return title


def _clean_body(body: str) -> str:
    clean = sanitize_html(body or "").strip()
    text = plain_text(clean).strip()
    if len(text) < BODY_MIN:
        raise ValidationError(
            {"body": _("Décrivez votre idée en au moins %(n)d caractères.") % {"n": BODY_MIN}}
        )
    if len(text) > BODY_MAX:
        raise ValidationError(
            {"body": _("La description ne doit pas dépasser %(n)d caractères.") % {"n": BODY_MAX}}
        )
    return clean


def _clean_theme(theme: str) -> str:
    if theme not in Theme.values:
        raise ValidationError({"theme": _("Choisissez un thème dans la liste.")})
    return theme


def _clean_tags(tags) -> list[str]:
    """Distinct tags (whatever their case), in order; the list's length is checked before any work."""
    tags = list(tags or [])
    if len(tags) > MAX_TAGS:
        raise ValidationError({"tags": _("Pas plus de %(n)d mots-clés.") % {"n": MAX_TAGS}})
    names, seen = [], set()
    for raw in tags:
        name = " ".join(str(raw).split()).strip("#")
        if not name:
            continue
        if len(name) > TAG_MAX:
            raise ValidationError(
                {"tags": _("Un mot-clé ne doit pas dépasser %(n)d caractères.") % {"n": TAG_MAX}}
            )
        if name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    return names


def _tag_objects(names: list[str]) -> list[Tag]:
    out = []
    for name in names:
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            base = slugify(name)[:40] or "mot-cle"
            slug, n = base, 1
            while Tag.objects.filter(slug=slug).exists():
                n += 1
                slug = f"{base}-{n}"
            tag = Tag.objects.create(name=name, slug=slug)
        out.append(tag)
    return out


def _in_scope(consultation: Consultation, lat: float, lon: float) -> bool:
    """The consultation's own scope; the city's limits are checked by the place resolver."""
    if consultation.scope_kind == ScopeKind.PERIMETER:
        return shape(consultation.perimeter).contains(Point(lon, lat))
    if consultation.scope_kind == ScopeKind.TERRITORIES:
        return any(territories.territory_contains(t, lat, lon) for t in consultation.territories.all())
    return True


def _clean_place(consultation: Consultation, lat, lon, territory: Territory | None) -> dict:
    """Point or territory of an idea (``core.places``), checked against the consultation's scope."""
    if lat not in (None, "") and not consultation.map_enabled:
        raise ValidationError({"lat": _("Cette consultation ne place pas les idées sur une carte.")})
    try:
        place = places.resolve(lat=lat, lon=lon, territory=territory)
    except ValidationError as exc:
        raise ValidationError({"lat" if territory is None else "territory": exc.messages})
    if place.has_point and not _in_scope(consultation, place.lat, place.lon):
        raise ValidationError({"lat": _("Ce point est hors du périmètre de la consultation.")})
    if territory is not None and not place.has_point and consultation.scope_kind == ScopeKind.TERRITORIES:
        allowed = {t.pk for t in consultation.territories.all()}
        if territory.pk not in allowed and territory.parent_id not in allowed:
            raise ValidationError({"territory": _("Ce territoire est hors du périmètre de la consultation.")})
    return place.fields()


def _clean_attachment(upload) -> tuple[bytes, str]:
    size = getattr(upload, "size", None) or 0
    if size > ATTACHMENT_MAX_BYTES:
        raise ValidationError({"attachments": _("Document trop lourd (maximum 5 Mo).")})
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":
        raise ValidationError({"attachments": _("Seuls les documents PDF sont acceptés.")})
    name = (getattr(upload, "name", "") or "document.pdf").rsplit("/", 1)[-1][:120]
    return upload.read(), name


def _search_text(idea: Idea, tag_names: list[str]) -> str:
    parts = [idea.title, plain_text(idea.body), " ".join(tag_names), idea.group_name]
    return rules.search_normalise(" ".join(parts))


def _followers(idea: Idea) -> list[User]:
    return list(User.objects.filter(idea_follows__idea=idea))


# ------------------------------------------------------------------------------------------------
# Ideas
# ------------------------------------------------------------------------------------------------


@transaction.atomic
def idea_create(
    *,
    author: User,
    consultation: Consultation,
    title: str,
    body: str,
    theme: str = Theme.OTHER,
    tags=(),
    lat=None,
    lon=None,
    territory: Territory | None = None,
    author_kind: str = AuthorKind.PERSON,
    group_name: str = "",
    assisted_for: str = "",
    assisted_consent: bool = False,
    photos=(),
    photo_alt: str = "",
    attachments=(),
) -> Idea:
    """Propose an idea. Published at once, or kept for moderators when the consultation pre-moderates."""
    if author_kind not in AuthorKind.values:
        raise ValidationError({"author_kind": _("Choisissez qui dépose l'idée.")})
    ensure(
        author,
        Action.PROPOSE_ASSISTED if author_kind == AuthorKind.ASSISTED else Action.PROPOSE,
        consultation,
    )
    group_name = " ".join((group_name or "").split())
    if author_kind == AuthorKind.GROUP and not group_name:
        raise ValidationError({"group_name": _("Indiquez le nom du collectif ou de l'association.")})
    if len(group_name) > 120:
        raise ValidationError({"group_name": _("Le nom du collectif ne doit pas dépasser 120 caractères.")})
    if author_kind == AuthorKind.GROUP:
        ensure_name_allowed(group_name, user=author, field="group_name")
    if author_kind == AuthorKind.ASSISTED and not assisted_consent:
        raise ValidationError(
            {"assisted_consent": _("Recueillez l'accord de la personne avant de déposer son idée.")}
        )
    title, body, theme = _clean_title(title), _clean_body(body), _clean_theme(theme)
    tag_names = _clean_tags(tags)
    place = _clean_place(consultation, lat, lon, territory)
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": _("Pas plus de %(n)d photos.") % {"n": MAX_PHOTOS}})
    if len(attachments) > MAX_ATTACHMENTS:
        raise ValidationError({"attachments": _("Pas plus de %(n)d documents.") % {"n": MAX_ATTACHMENTS}})
    try:
        prepared = core_attachments.prepare(
            [(upload, " ".join((photo_alt or "").split())[:200]) for upload in photos], alt_required=False
        )
    except ValidationError as exc:
        raise ValidationError({"photos": exc.messages})
    documents = [_clean_attachment(upload) for upload in attachments]

    now = timezone.now()
    status = Status.PENDING if consultation.premoderation else Status.PUBLISHED
    idea = Idea(
        consultation=consultation,
        author=author,
        author_kind=author_kind,
        group_name=group_name if author_kind == AuthorKind.GROUP else "",
        assisted_for=" ".join((assisted_for or "").split())[:80]
        if author_kind == AuthorKind.ASSISTED
        else "",
        assisted_consent_at=now if author_kind == AuthorKind.ASSISTED else None,
        title=title,
        body=body,
        theme=theme,
        status=status,
        created_at=now,
        **place,
    )
    if status == Status.PUBLISHED:
        _mark_published(idea, now)
    idea.search_text = _search_text(idea, tag_names)
    idea.save()
    idea.tags.set(_tag_objects(tag_names))
    core_attachments.attach(IdeaPhoto, prepared, idea=idea)
    for data, name in documents:
        from django.core.files.base import ContentFile

        IdeaAttachment.objects.create(
            idea=idea, file=ContentFile(data, name=slugify(name[:-4]) + ".pdf"), name=name, size=len(data)
        )
    Follow.objects.get_or_create(idea=idea, user=author)
    if author_kind == AuthorKind.ASSISTED:
        audit_record(actor=author, action="ideas.idea.assisted", target=idea, assisted_for=idea.assisted_for)
    return idea


@transaction.atomic
def idea_photo_add(*, author: User, idea: Idea, upload, alt_text: str) -> IdeaPhoto:
    """Add a photo to one's idea while it may be edited (author only, at most ``MAX_PHOTOS``, as on the form).

    The image is re-encoded by the core (no EXIF, no GPS); the description is required, since it
    is what a screen reader says instead of the photo.
    """
    idea = Idea.objects.select_for_update(of=("self",)).select_related("consultation").get(pk=idea.pk)
    ensure(author, Action.EDIT, idea.consultation, idea)
    alt_text = " ".join((alt_text or "").split())
    if not alt_text:
        raise ValidationError({"alt_text": _("Décrivez ce que montre la photo.")})
    if len(alt_text) > 200:
        raise ValidationError(
            {"alt_text": _("La description de la photo ne doit pas dépasser 200 caractères.")}
        )
    existing = list(idea.photos.values_list("position", flat=True))
    if len(existing) >= MAX_PHOTOS:
        raise ValidationError({"photos": _("Pas plus de %(n)d photos.") % {"n": MAX_PHOTOS}})
    try:
        prepared = core_attachments.prepare([(upload, alt_text)], alt_required=True)
    except ValidationError as exc:
        raise ValidationError({"photos": exc.messages})
    return core_attachments.attach(IdeaPhoto, prepared, start=max(existing, default=-1) + 1, idea=idea)[0]


@transaction.atomic
def idea_attachment_add(*, author: User, idea: Idea, upload) -> IdeaAttachment:
    """Attach a PDF to one's idea while it may be edited (checked by its first bytes, not its name)."""
    from django.core.files.base import ContentFile

    idea = Idea.objects.select_for_update(of=("self",)).select_related("consultation").get(pk=idea.pk)
    ensure(author, Action.EDIT, idea.consultation, idea)
    if idea.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError({"attachments": _("Pas plus de %(n)d documents.") % {"n": MAX_ATTACHMENTS}})
    data, name = _clean_attachment(upload)
    return IdeaAttachment.objects.create(
        idea=idea,
        file=ContentFile(data, name=(slugify(name[:-4]) or "document") + ".pdf"),
        name=name,
        size=len(data),
    )


def _mark_published(idea: Idea, now) -> None:
    idea.status = Status.PUBLISHED
    idea.published_at = now
    c = idea.consultation
    if c.support_threshold:
        idea.threshold_deadline = now + timedelta(days=c.support_window_days)


@transaction.atomic
def idea_update(
    *,
    editor: User,
    idea: Idea,
    title: str,
    body: str,
    theme: str | None = None,
    tags=None,
    lat=None,
    lon=None,
    territory: Territory | None = None,
    keep_place: bool = False,
) -> Idea:
    """Edit an idea until the discussion ends; the previous text is kept in the history."""
    idea = Idea.objects.select_for_update(of=("self",)).select_related("consultation").get(pk=idea.pk)
    ensure(editor, Action.EDIT, idea.consultation, idea)
    title, body = _clean_title(title), _clean_body(body)
    theme = _clean_theme(theme) if theme is not None else idea.theme
    tag_names = _clean_tags(tags) if tags is not None else [t.name for t in idea.tags.all()]
    if not keep_place:
        place = _clean_place(idea.consultation, lat, lon, territory)
        for key, value in place.items():
            setattr(idea, key, value)
    if (title, body) != (idea.title, idea.body):
        IdeaRevision.objects.create(idea=idea, editor=editor, title=idea.title, body=idea.body)
    idea.title, idea.body, idea.theme = title, body, theme
    idea.edited_at = timezone.now()
    idea.search_text = _search_text(idea, tag_names)
    idea.save()
    idea.tags.set(_tag_objects(tag_names))
    return idea


@transaction.atomic
def contribution_approve(*, moderator: User, target: Idea | Comment | Statement):
    """Publish a pre-moderated contribution and tell its author."""
    _ensure_moderator(moderator, target)
    target = type(target).objects.select_for_update().get(pk=target.pk)
    if target.status != Status.PENDING:
        raise ValidationError(_("Cette contribution a déjà été traitée."))
    now = timezone.now()
    if isinstance(target, Idea):
        _mark_published(target, now)
        target.save(update_fields=["status", "published_at", "threshold_deadline"])
    else:
        target.status = Status.PUBLISHED
        target.save(update_fields=["status"])
        if isinstance(target, Comment):
            Idea.objects.filter(pk=target.idea_id).update(comment_count=F("comment_count") + 1)
    audit_record(actor=moderator, action="ideas.approve", target=target)
    notify(
        recipients=[target.author],
        kind="ideas.moderation",
        title=SystemText(gettext_noop("Votre contribution est publiée")),
        body=str(target),
        url=target.get_absolute_url(),
    )
    return target


@transaction.atomic
def contribution_reject(*, moderator: User, target: Idea | Comment | Statement, reason: str):
    _ensure_moderator(moderator, target)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Indiquez le motif du refus : il sera envoyé à l'auteur·rice."))
    target = type(target).objects.select_for_update().get(pk=target.pk)
    if target.status != Status.PENDING:
        raise ValidationError(_("Cette contribution a déjà été traitée."))
    target.status = Status.REJECTED
    target.hidden_reason = reason[:500]
    target.save(update_fields=["status", "hidden_reason"])
    audit_record(actor=moderator, action="ideas.reject", target=target, reason=reason)
    notify(
        recipients=[target.author],
        kind="ideas.moderation",
        title=SystemText(gettext_noop("Votre contribution n'a pas été publiée")),
        body=SystemText(gettext_noop("Motif : %(reason)s"), reason=reason),
        url="",
    )
    return target


def _ensure_moderator(user, target):
    consultation = target.consultation if not isinstance(target, Comment) else target.idea.consultation
    ensure(user, Action.MODERATE, consultation)


# ------------------------------------------------------------------------------------------------
# Comments
# ------------------------------------------------------------------------------------------------


def _clean_comment(body: str) -> str:
    body = (body or "").strip()
    if len(body) < 2:
        raise ValidationError({"body": _("Écrivez votre commentaire.")})
    if len(body) > COMMENT_MAX:
        raise ValidationError(
            {"body": _("Un commentaire ne doit pas dépasser %(n)d caractères.") % {"n": COMMENT_MAX}}
        )
    return body


@transaction.atomic
def comment_create(*, author: User, idea: Idea, body: str, parent: Comment | None = None) -> Comment:
    """Comment an idea, or reply to a comment (one level of replies: a reply to a reply is refused)."""
    idea = (
        Idea.objects.select_for_update(of=("self",)).select_related("consultation", "author").get(pk=idea.pk)
    )
    ensure(author, Action.COMMENT, idea.consultation, idea)
    if not idea.is_public:
        raise ValidationError(_("On ne peut pas commenter une idée qui n'est pas publiée."))
    if parent is not None:
        if parent.idea_id != idea.pk:
            raise ValidationError({"parent": _("Ce commentaire n'appartient pas à cette idée.")})
        if parent.parent_id is not None:
            raise ValidationError(
                {"parent": _("On ne peut répondre qu'à un commentaire, pas à une réponse.")}
            )
        if parent.deleted_at or not parent.is_public:
            raise ValidationError(
                {"parent": _("On ne peut pas répondre à un commentaire supprimé ou masqué.")}
            )
    body = _clean_comment(body)
    status = Status.PENDING if idea.consultation.premoderation else Status.PUBLISHED
    comment = Comment.objects.create(idea=idea, parent=parent, author=author, body=body, status=status)
    if status == Status.PUBLISHED:
        Idea.objects.filter(pk=idea.pk).update(comment_count=F("comment_count") + 1)
        recipients = _followers(idea) + ([parent.author] if parent is not None else [])
        notify(
            recipients=recipients,
            kind="ideas.comment",
            title=SystemText(gettext_noop("Nouveau commentaire sur « %(title)s »"), title=idea.title[:120]),
            body=body[:500],
            url=comment.get_absolute_url(),
            exclude=author,
        )
    return comment


@transaction.atomic
def comment_update(*, author: User, comment: Comment, body: str) -> Comment:
    comment = (
        Comment.objects.select_for_update(of=("self",))
        .select_related("idea__consultation")
        .get(pk=comment.pk)
    )
    if comment.author_id != author.pk:
        raise PermissionDenied(_("Seule la personne qui a écrit ce commentaire peut le modifier."))
    ensure(author, Action.COMMENT, comment.idea.consultation, comment.idea)
    if comment.deleted_at:
        raise ValidationError(_("Ce commentaire a été supprimé."))
    comment.body = _clean_comment(body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    return comment


@transaction.atomic
def comment_delete(*, author: User, comment: Comment) -> Comment:
    """Delete one's comment; a placeholder stays so that the replies keep their sense."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.author_id != author.pk:
        raise PermissionDenied(_("Seule la personne qui a écrit ce commentaire peut le supprimer."))
    if comment.deleted_at:
        raise ValidationError(_("Ce commentaire est déjà supprimé."))
    comment.deleted_at = timezone.now()
    comment.body = ""
    comment.save(update_fields=["deleted_at", "body"])
    comment_count_refresh(idea_id=comment.idea_id)
    return comment


COUNTED_COMMENTS = Q(status=Status.PUBLISHED, hidden_at__isnull=True, deleted_at__isnull=True)


def comment_count_refresh(*, idea_id: int) -> int:
    """Recount an idea's stored comment count: published, not hidden, not deleted (replies included).

    Used where a comment leaves or rejoins the count in a way an increment could get wrong
    (deleting a comment a moderator had hidden, hiding twice): the idea row is locked, so a
    concurrent comment cannot slip between the count and the write.
    """
    Idea.objects.select_for_update().filter(pk=idea_id).values_list("pk", flat=True).first()
    n = Comment.objects.filter(COUNTED_COMMENTS, idea_id=idea_id).count()
    Idea.objects.filter(pk=idea_id).update(comment_count=n)
    return n


def on_content_hidden(target, hidden: bool) -> None:
    """Moderation hook (the manifest's ``moderation_hooks``), run inside the hide/unhide transaction.

    Hiding or un-hiding a comment from the core queue changes its idea's comment count. An idea's
    own visibility feeds no stored counter (a consultation's idea counts are computed from the
    public ideas), so there is nothing to do for ideas or statements.
    """
    if isinstance(target, Comment):
        comment_count_refresh(idea_id=target.idea_id)


# ------------------------------------------------------------------------------------------------
# Supports, following, threshold
# ------------------------------------------------------------------------------------------------


@transaction.atomic
def support_add(*, user: User, idea: Idea) -> Support:
    """Support an idea, once per person. The idea row is locked so that the count stays exact."""
    idea = (
        Idea.objects.select_for_update(of=("self",)).select_related("consultation", "author").get(pk=idea.pk)
    )
    ensure(user, Action.SUPPORT, idea.consultation, idea)
    if not idea.is_public:
        raise ValidationError(_("On ne peut pas soutenir une idée qui n'est pas publiée."))
    if Support.objects.filter(idea=idea, user=user).exists():
        raise ValidationError(_("Vous soutenez déjà cette idée."))
    try:
        with transaction.atomic():
            support = Support.objects.create(idea=idea, user=user)
    except IntegrityError:
        raise ValidationError(_("Vous soutenez déjà cette idée."))
    Idea.objects.filter(pk=idea.pk).update(support_count=F("support_count") + 1)
    idea.support_count += 1
    _check_threshold(idea)
    return support


@transaction.atomic
def support_withdraw(*, user: User, idea: Idea) -> None:
    idea = Idea.objects.select_for_update(of=("self",)).select_related("consultation").get(pk=idea.pk)
    ensure(user, Action.SUPPORT, idea.consultation, idea)
    deleted, _detail = Support.objects.filter(idea=idea, user=user).delete()
    if not deleted:
        raise ValidationError(_("Vous ne soutenez pas cette idée."))
    Idea.objects.filter(pk=idea.pk, support_count__gt=0).update(support_count=F("support_count") - 1)


@transaction.atomic
def consultation_save(*, actor: User | None, consultation: Consultation) -> Consultation:
    """Save a consultation's settings (the admin's form, any other edit path). When its support
    threshold changed, every public idea of the consultation is weighed again in the same transaction:
    those now at or above it are flagged, join the agents' waiting list and their followers are told.
    Raising the threshold unflags nobody: the city's promise to answer, once made, stands
    (docs/decisions/0181-ideas-threshold-change.md)."""
    previous = None
    if consultation.pk:
        previous = (
            Consultation.objects.select_for_update()
            .filter(pk=consultation.pk)
            .values_list("support_threshold", flat=True)
            .first()
        )
    consultation.save()
    if consultation.support_threshold != previous:
        audit_record(
            actor=actor,
            action="ideas.threshold_changed",
            target=consultation,
            before=previous,
            after=consultation.support_threshold,
        )
        thresholds_reevaluate(consultation=consultation)
    return consultation


def thresholds_reevaluate(*, consultation: Consultation) -> int:
    """Flag every public idea of the consultation that has reached the threshold within its window and
    is not flagged yet; returns how many were flagged."""
    threshold = consultation.support_threshold
    if not threshold:
        return 0
    candidates = (
        selectors.public_ideas(consultation)
        .select_for_update(of=("self",))
        .filter(threshold_reached_at__isnull=True, support_count__gte=threshold)
        .select_related("consultation", "author")
        .order_by("pk")
    )
    flagged = 0
    for idea in candidates:
        idea.consultation = consultation
        flagged += _check_threshold(idea)
    return flagged


def _check_threshold(idea: Idea) -> bool:
    """Once the threshold is reached before its deadline the city owes an answer; it stays reached."""
    threshold = idea.consultation.support_threshold
    if not threshold or idea.threshold_reached_at or idea.support_count < threshold:
        return False
    now = timezone.now()
    if idea.threshold_deadline and now >= idea.threshold_deadline:
        return False
    Idea.objects.filter(pk=idea.pk).update(threshold_reached_at=now)
    idea.threshold_reached_at = now
    agents = User.objects.filter(role__in=["agent", "admin"], is_active=True)
    notify(
        recipients=[*_followers(idea), *agents],
        kind="ideas.threshold",
        title=SystemText(
            gettext_noop("« %(title)s » a atteint %(n)d soutiens"), title=idea.title[:120], n=threshold
        ),
        body=SystemText(gettext_noop("La ville va examiner cette idée et y répondre.")),
        url=idea.get_absolute_url(),
    )
    return True


@transaction.atomic
def follow(*, user: User, idea: Idea) -> Follow:
    ensure(user, Action.FOLLOW, idea.consultation, idea)
    obj, _created = Follow.objects.get_or_create(idea=idea, user=user)
    return obj


@transaction.atomic
def unfollow(*, user: User, idea: Idea) -> None:
    Follow.objects.filter(idea=idea, user=user).delete()


# ------------------------------------------------------------------------------------------------
# The city's answers and the participatory budget
# ------------------------------------------------------------------------------------------------


@transaction.atomic
def answer_publish(*, agent: User, idea: Idea, status: str, text: str) -> Answer:
    """Publish (or correct) the city's official answer, and tell the author and followers.

    An answer "forwarded to the participatory budget" creates the idea in the budget's current
    campaign first; when no campaign collects ideas, nothing is written and the error says so.
    """
    idea = (
        Idea.objects.select_for_update(of=("self",)).select_related("consultation", "author").get(pk=idea.pk)
    )
    ensure(agent, Action.ANSWER, idea.consultation, idea)
    if status not in AnswerStatus.values:
        raise ValidationError({"status": _("Choisissez la décision de la ville.")})
    clean = sanitize_html(text or "").strip()
    if len(plain_text(clean).strip()) < 10:
        raise ValidationError({"text": _("Rédigez la réponse de la ville (au moins 10 caractères).")})
    if not idea.is_public:
        raise ValidationError(_("On ne répond qu'aux idées publiées."))
    if status == AnswerStatus.BUDGET and not idea.budget_url:
        idea_forward_to_budget(agent=agent, idea=idea)
    answer = Answer.objects.filter(idea=idea).first()
    if answer is None:
        answer = Answer.objects.create(idea=idea, status=status, text=clean, author=agent)
    else:
        answer.status, answer.text, answer.author, answer.updated_at = status, clean, agent, timezone.now()
        answer.save()
    audit_record(actor=agent, action="ideas.answer", target=idea, status=status)
    notify(
        recipients=[idea.author, *_followers(idea)],
        kind="ideas.answer",
        title=SystemText(gettext_noop("La ville a répondu à « %(title)s »"), title=idea.title[:120]),
        body=[
            SystemText(gettext_noop("Décision : %(status)s."), status=AnswerStatus(status).label),
            plain_text(clean)[:400],
        ],
        url=idea.get_absolute_url(),
        exclude=agent,
    )
    return answer


def idea_forward_to_budget(*, agent: User, idea: Idea) -> str:
    """Create the idea in the participatory budget's current campaign; keep the link back."""
    ensure(agent, Action.ANSWER, idea.consultation, idea)
    try:
        from parvis.budget.services import proposal_create_from_idea
    except ImportError:
        raise ValidationError(_("Le budget participatif n'est pas disponible."))
    from django.conf import settings

    created = proposal_create_from_idea(
        author=idea.author or agent,
        title=idea.title,
        body=idea.body,
        source_url=f"{settings.PARVIS_SITE_URL}{idea.get_absolute_url()}",
        lat=idea.lat,
        lon=idea.lon,
        territory=idea.territory,
    )
    idea.budget_url = created.get_absolute_url()
    Idea.objects.filter(pk=idea.pk).update(budget_url=idea.budget_url)
    audit_record(actor=agent, action="ideas.forward_budget", target=idea, url=idea.budget_url)
    return idea.budget_url


# ------------------------------------------------------------------------------------------------
# Opinion map
# ------------------------------------------------------------------------------------------------


@transaction.atomic
def statement_create(*, author: User, consultation: Consultation, text: str) -> Statement:
    ensure(author, Action.STATEMENT, consultation)
    text = " ".join((text or "").split())
    if len(text) < 5:
        raise ValidationError({"text": _("Écrivez une affirmation d'au moins 5 caractères.")})
    if len(text) > STATEMENT_MAX:
        raise ValidationError(
            {"text": _("Une affirmation ne doit pas dépasser %(n)d caractères.") % {"n": STATEMENT_MAX}}
        )
    if Statement.objects.filter(consultation=consultation, text__iexact=text).exists():
        raise ValidationError({"text": _("Cette affirmation existe déjà.")})
    status = Status.PENDING if consultation.premoderation else Status.PUBLISHED
    return Statement.objects.create(consultation=consultation, author=author, text=text, status=status)


@transaction.atomic
def statement_vote(*, user: User, statement: Statement, value: int) -> StatementVote:
    """Vote agree (1), disagree (-1) or pass (0); voting again replaces the previous vote."""
    statement = Statement.objects.select_related("consultation").get(pk=statement.pk)
    ensure(user, Action.VOTE, statement.consultation)
    try:
        value = int(value)
    except (TypeError, ValueError):
        value = None
    if value not in Vote.values:
        raise ValidationError({"value": _("Vote inconnu : d'accord, pas d'accord ou je passe.")})
    if statement.status != Status.PUBLISHED or statement.is_hidden:
        raise ValidationError(_("Cette affirmation n'est pas publiée."))
    vote, _created = StatementVote.objects.update_or_create(
        statement=statement, user=user, defaults={"value": value}
    )
    _schedule_opinion_map(statement.consultation)
    return vote


OPINION_MAP_MIN_INTERVAL = timedelta(seconds=60)


def _schedule_opinion_map(consultation: Consultation) -> None:
    """Recompute the map in the background, at most once a minute per consultation."""
    snapshot = OpinionSnapshot.objects.filter(consultation=consultation).only("computed_at").first()
    if snapshot is not None and timezone.now() - snapshot.computed_at < OPINION_MAP_MIN_INTERVAL:
        return
    from .tasks import opinion_map_refresh as refresh_task

    transaction.on_commit(lambda: refresh_task.enqueue(consultation.pk))


def opinion_map_refresh(*, consultation: Consultation) -> OpinionSnapshot:
    """Recompute the groups, consensus and divisive statements from every vote, and keep the result."""
    from .selectors import vote_matrix

    matrix, statement_ids, _participants = vote_matrix(consultation)
    # One BLAS thread wherever the task runs (worker, immediate backend in a web process): several
    # threads on a small shared machine cost 3-6 times more than they bring (decision 0170).
    with threadpool_limits(limits=1, user_api="blas"):
        result = rules.opinion_map(matrix, seed=consultation.pk)
    texts = dict(Statement.objects.filter(pk__in=statement_ids).values_list("pk", "text"))
    data = result.as_dict(statement_ids=statement_ids, texts=texts)
    snapshot, _created = OpinionSnapshot.objects.update_or_create(
        consultation=consultation, defaults={"data": data, "computed_at": timezone.now()}
    )
    return snapshot
