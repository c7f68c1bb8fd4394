"""JSON API of the ideas module (mounted at /api/ideas/): consultations, ideas, comments, supports.

Reading is public; writing needs a personal token or the browser session. Rules and messages are
the same as on the pages: the endpoints call the same services.
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status, UploadedFile

from parvis.core.api_auth import api_auth, optional_user
from parvis.core.api_schema import READ, WRITE, Rows, errors, paginated
from parvis.core.models import Territory
from parvis.core.ratelimit import check_rate

from . import selectors, services
from .models import Comment, Consultation, Idea, Statement
from .models import Status as PublicationStatus
from .permissions import can_see_idea

router = Router(tags=["idées"])


class ConsultationOut(Schema):
    slug: str
    title: str
    question: str
    theme: str
    phase: str
    is_permanent: bool
    starts_at: datetime
    ideas_end_at: datetime | None
    discussion_end_at: datetime | None
    answer_at: datetime | None
    map_enabled: bool
    premoderation: bool
    support_threshold: int | None
    support_window_days: int | None
    opinion_map_enabled: bool
    url: str


class AnswerOut(Schema):
    status: str
    text: str
    published_at: datetime


class IdeaOut(Schema):
    id: int
    consultation: str
    title: str
    body: str
    theme: str
    tags: list[str]
    author: str
    author_kind: str
    lat: float | None
    lon: float | None
    territory: str | None
    status: str
    created_at: datetime
    edited_at: datetime | None
    support_count: int
    comment_count: int
    threshold_deadline: datetime | None
    threshold_reached_at: datetime | None
    answer: AnswerOut | None
    budget_url: str
    url: str


class IdeaIn(Schema):
    title: str
    body: str
    theme: str = "other"
    tags: list[str] = []
    lat: float | None = None
    lon: float | None = None
    territory: str | None = None
    author_kind: str = "person"
    group_name: str = ""


class IdeaPatch(Schema):
    title: str
    body: str
    theme: str | None = None
    tags: list[str] | None = None


class CommentOut(Schema):
    id: int
    parent_id: int | None
    author: str | None
    body: str
    status: str
    deleted: bool
    hidden_reason: str
    created_at: datetime
    edited_at: datetime | None


class CommentIn(Schema):
    body: str
    parent_id: int | None = None


class SupportOut(Schema):
    supported: bool
    support_count: int


class AnswerIn(Schema):
    status: str
    text: str


class VoteIn(Schema):
    value: int


def _consultation_out(c: Consultation) -> dict:
    return {
        **{f: getattr(c, f) for f in ConsultationOut.model_fields if hasattr(c, f)},
        "phase": c.phase,
        "url": c.get_absolute_url(),
    }


def _idea_out(i: Idea) -> dict:
    answer = getattr(i, "answer", None)
    return {
        "id": i.pk,
        "consultation": i.consultation.slug,
        "title": i.title,
        "body": i.body,
        "theme": i.theme,
        "tags": [t.name for t in i.tags.all()],
        "author": i.byline,
        "author_kind": i.author_kind,
        "lat": i.lat,
        "lon": i.lon,
        "territory": i.territory.code if i.territory else None,
        "status": i.status,
        "created_at": i.created_at,
        "edited_at": i.edited_at,
        "support_count": i.support_count,
        "comment_count": i.comment_count,
        "threshold_deadline": i.threshold_deadline,
        "threshold_reached_at": i.threshold_reached_at,
        "answer": {"status": answer.status, "text": answer.text, "published_at": answer.published_at}
        if answer
        else None,
        "budget_url": i.budget_url,
        "url": i.get_absolute_url(),
    }


def _visible_idea(request, idea_id: int) -> Idea:
    try:
        idea = selectors.idea_for_page(idea_id)
    except Idea.DoesNotExist:
        raise Http404(_("Idée introuvable."))
    if not can_see_idea(optional_user(request), idea) or idea.is_hidden:
        raise Http404(_("Idée introuvable."))
    return idea


@router.get("/consultations", response={200: list[ConsultationOut], **READ}, summary="Consultations")
@paginated
def consultations(request):
    return Rows(Consultation.objects.order_by("-is_permanent", "-starts_at", "pk"), _consultation_out)


@router.get(
    "/consultations/{slug}", response={200: ConsultationOut, **errors(404)}, summary="Une consultation"
)
def consultation(request, slug: str):
    return _consultation_out(get_object_or_404(Consultation, slug=slug))


@router.get(
    "/consultations/{slug}/ideas",
    response={200: list[IdeaOut], **errors(400, 404, 422)},
    summary="Idées publiées d'une consultation",
)
@paginated
def consultation_ideas(
    request,
    slug: str,
    sort: str = "recentes",
    theme: str = "",
    district: str = "",
    status: str = "",
    tag: str = "",
    q: str = "",
    seed: int = 1,
):
    """Sorts: ``hasard`` (with ``seed``, stable per seed), ``soutiens``, ``commentaires``, ``recentes``.
    Status filters: ``sans-reponse``, ``seuil-atteint`` or an answer status."""
    c = get_object_or_404(Consultation, slug=slug)
    filters = selectors.IdeaFilters.from_params(
        {"tri": sort, "theme": theme, "arrondissement": district, "statut": status, "mot": tag, "q": q}
    )
    return Rows(selectors.idea_list(c, filters, seed=max(1, seed % (2**31 - 1))), _idea_out)


@router.post(
    "/consultations/{slug}/ideas",
    auth=api_auth,
    response={201: IdeaOut, **WRITE},
    summary="Proposer une idée",
)
def idea_create(request, slug: str, payload: IdeaIn):
    c = get_object_or_404(Consultation, slug=slug)
    territory = None
    if payload.territory:
        territory = Territory.objects.filter(code=payload.territory).first()
        if territory is None:
            raise ValidationError(_("Territoire inconnu : %(code)s.") % {"code": payload.territory[:64]})
    check_rate(request, "ideas.idea")
    idea = services.idea_create(
        author=request.auth,
        consultation=c,
        title=payload.title,
        body=payload.body,
        theme=payload.theme,
        tags=payload.tags,
        lat=payload.lat,
        lon=payload.lon,
        territory=territory,
        author_kind=payload.author_kind,
        group_name=payload.group_name,
    )
    return Status(201, _idea_out(selectors.idea_for_page(idea.pk)))


@router.get("/ideas/{idea_id}", response={200: IdeaOut, **errors(404, 422)}, summary="Une idée")
def idea_detail(request, idea_id: int):
    return _idea_out(_visible_idea(request, idea_id))


@router.patch(
    "/ideas/{idea_id}",
    auth=api_auth,
    response={200: IdeaOut, **WRITE},
    summary="Modifier son idée (jusqu'à la fin de la discussion)",
)
def idea_update(request, idea_id: int, payload: IdeaPatch):
    idea = _visible_idea(request, idea_id)
    check_rate(request, "write")
    services.idea_update(
        editor=request.auth,
        idea=idea,
        title=payload.title,
        body=payload.body,
        theme=payload.theme,
        tags=payload.tags,
        keep_place=True,
    )
    return _idea_out(selectors.idea_for_page(idea.pk))


def _comment_out(c: Comment) -> dict:
    """A deleted or hidden comment keeps its place in the thread without its text or author."""
    visible = not (c.deleted_at or c.is_hidden)
    return {
        "id": c.pk,
        "parent_id": c.parent_id,
        "author": c.author.public_name if visible and c.author else None,
        "body": c.body if visible else "",
        "status": c.status,
        "deleted": bool(c.deleted_at),
        "hidden_reason": c.hidden_reason if c.is_hidden else "",
        "created_at": c.created_at,
        "edited_at": c.edited_at,
    }


@router.get(
    "/ideas/{idea_id}/comments",
    response={200: list[CommentOut], **errors(404, 422)},
    summary="Commentaires et réponses",
)
@paginated
def comments(request, idea_id: int):
    idea = _visible_idea(request, idea_id)
    published = Comment.objects.filter(idea=idea, status=PublicationStatus.PUBLISHED)
    return Rows(published.select_related("author").order_by("created_at", "pk"), _comment_out)


@router.post(
    "/ideas/{idea_id}/comments",
    auth=api_auth,
    response={201: CommentOut, **WRITE},
    summary="Commenter une idée ou répondre à un commentaire",
)
def comment_create(request, idea_id: int, payload: CommentIn):
    idea = _visible_idea(request, idea_id)
    parent = None
    if payload.parent_id is not None:
        parent = Comment.objects.filter(pk=payload.parent_id).first()
        if parent is None:
            raise Http404(_("Commentaire introuvable."))
    check_rate(request, "ideas.comment")
    c = services.comment_create(author=request.auth, idea=idea, body=payload.body, parent=parent)
    return Status(201, _comment_out(c))


@router.put(
    "/ideas/{idea_id}/support",
    auth=api_auth,
    response={200: SupportOut, **WRITE},
    summary="Soutenir une idée (une fois par personne)",
)
def support(request, idea_id: int):
    idea = _visible_idea(request, idea_id)
    check_rate(request, "write")
    services.support_add(user=request.auth, idea=idea)
    idea.refresh_from_db(fields=["support_count"])
    return {"supported": True, "support_count": idea.support_count}


@router.delete(
    "/ideas/{idea_id}/support",
    auth=api_auth,
    response={200: SupportOut, **WRITE},
    summary="Retirer son soutien",
)
def support_withdraw(request, idea_id: int):
    idea = _visible_idea(request, idea_id)
    check_rate(request, "write")
    services.support_withdraw(user=request.auth, idea=idea)
    idea.refresh_from_db(fields=["support_count"])
    return {"supported": False, "support_count": idea.support_count}


@router.put(
    "/ideas/{idea_id}/follow", auth=api_auth, response={204: None, **WRITE}, summary="Suivre une idée"
)
def follow(request, idea_id: int):
    idea = _visible_idea(request, idea_id)
    check_rate(request, "write")
    services.follow(user=request.auth, idea=idea)
    return Status(204, None)


@router.delete(
    "/ideas/{idea_id}/follow", auth=api_auth, response={204: None, **WRITE}, summary="Ne plus suivre une idée"
)
def unfollow(request, idea_id: int):
    idea = _visible_idea(request, idea_id)
    check_rate(request, "write")
    services.unfollow(user=request.auth, idea=idea)
    return Status(204, None)


@router.post(
    "/ideas/{idea_id}/answer",
    auth=api_auth,
    response={200: IdeaOut, **WRITE},
    summary="Publier la réponse officielle de la ville (agents)",
)
def answer(request, idea_id: int, payload: AnswerIn):
    idea = _visible_idea(request, idea_id)
    check_rate(request, "write")
    services.answer_publish(agent=request.auth, idea=idea, status=payload.status, text=payload.text)
    return _idea_out(selectors.idea_for_page(idea.pk))


@router.get(
    "/consultations/{slug}/opinion-map",
    response={200: dict, **errors(404)},
    summary="Carte des opinions : groupes, consensus, affirmations qui divisent",
)
def opinion_map(request, slug: str):
    c = get_object_or_404(Consultation, slug=slug, opinion_map_enabled=True)
    snapshot = getattr(c, "opinion_snapshot", None)
    statements = [
        {"id": s.pk, "text": s.text, "agree": s.agree, "disagree": s.disagree, "pass": s.passed}
        for s in selectors.statement_counts(c)
    ]
    return {
        "computed_at": snapshot.computed_at.isoformat() if snapshot else None,
        "map": snapshot.data if snapshot else None,
        "statements": statements,
    }


@router.post(
    "/statements/{statement_id}/vote",
    auth=api_auth,
    response={204: None, **WRITE},
    summary="Voter sur une affirmation : 1 d'accord, -1 pas d'accord, 0 je passe",
)
def vote(request, statement_id: int, payload: VoteIn):
    statement = get_object_or_404(Statement, pk=statement_id)
    if statement.status != PublicationStatus.PUBLISHED:
        raise PermissionDenied(_("Cette affirmation n'est pas publiée."))
    check_rate(request, "write")
    services.statement_vote(user=request.auth, statement=statement, value=payload.value)
    return Status(204, None)


class PhotoOut(Schema):
    id: int
    image: str
    thumbnail: str
    width: int
    height: int
    alt_text: str


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    url: str


def _own_idea(request, idea_id: int) -> Idea:
    """The idea, if the caller may see it (whether they may change it is for ``permissions``)."""
    idea = Idea.objects.filter(pk=idea_id).select_related("consultation").first()
    if idea is None or idea.is_hidden or not can_see_idea(request.auth, idea):
        raise Http404(_("Idée introuvable."))
    return idea


PHOTO_FILE = File(None, description="l'image")
PHOTO_ALT = Form("", description="ce que montre la photo (200 caractères au plus)")
PDF_FILE = File(None, description="le document PDF")


def _upload(file, field: str):
    if file is None:
        raise ValidationError({field: _("Joignez un fichier (champ « file »).")})
    return file


@router.post(
    "/ideas/{idea_id}/photos",
    auth=api_auth,
    response={201: PhotoOut, **WRITE},
    summary="Ajouter une photo à son idée (multipart : file, alt_text ; 3 au plus)",
    description=(
        "Réservé à l'auteur·rice, tant que l'idée peut être modifiée. L'image (JPEG, PNG, WebP…) est "
        "réencodée sans métadonnées ; `alt_text` décrit la photo pour les lecteurs d'écran (obligatoire)."
    ),
)
def idea_photo_add(
    request,
    idea_id: int,
    file: UploadedFile = PHOTO_FILE,
    alt_text: str = PHOTO_ALT,
):
    idea = _own_idea(request, idea_id)
    check_rate(request, "write")
    photo = services.idea_photo_add(
        author=request.auth, idea=idea, upload=_upload(file, "photos"), alt_text=alt_text
    )
    return Status(
        201,
        {
            "id": photo.pk,
            "image": photo.image.url,
            "thumbnail": photo.thumbnail.url,
            "width": photo.width,
            "height": photo.height,
            "alt_text": photo.alt,
        },
    )


@router.post(
    "/ideas/{idea_id}/attachments",
    auth=api_auth,
    response={201: AttachmentOut, **WRITE},
    summary="Joindre un document PDF à son idée (multipart : file ; 5 Mo et 3 documents au plus)",
    description="Réservé à l'auteur·rice, tant que l'idée peut être modifiée. Seuls les PDF sont acceptés.",
)
def idea_attachment_add(request, idea_id: int, file: UploadedFile = PDF_FILE):
    idea = _own_idea(request, idea_id)
    check_rate(request, "write")
    doc = services.idea_attachment_add(author=request.auth, idea=idea, upload=_upload(file, "attachments"))
    return Status(201, {"id": doc.pk, "name": doc.name, "size": doc.size, "url": doc.file.url})
