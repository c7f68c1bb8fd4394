"""Pages of the ideas module. Thin: read through selectors, write through services.

Every form works without JavaScript; with htmx the support, follow and comment forms swap a
fragment instead of reloading the page.
"""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parvis.core import exports
from parvis.core.audit import audit_history
from parvis.core.ratelimit import RateLimited, check_rate

from . import selectors, services
from .forms import AnswerForm, CommentForm, IdeaForm, RejectForm, StatementForm, VoteForm
from .models import Comment, Consultation, Idea, Phase, Statement, Status, Theme
from .permissions import Action, can, can_see_idea, ensure, missing_profile_field, sees_answer_queue

PAGE_SIZE = 20
SEED_COOKIE = "parvis_ideas_seed"


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


#: Service error keys that a form shows under a differently named field.
FIELD_ALIASES = {"photos": "photo", "attachments": "attachment"}


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            field = FIELD_ALIASES.get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _visitor_seed(request) -> tuple[int, bool]:
    """A random seed per visitor, kept in a cookie, so the random order is stable across pages."""
    try:
        seed = int(request.COOKIES.get(SEED_COOKIE, ""))
        if 0 < seed < 2**31:
            return seed, False
    except ValueError:
        pass
    return secrets.randbelow(2**31 - 2) + 1, True


def index(request):
    consultations = list(selectors.consultations_overview())
    groups = {"open": [], "upcoming": [], "past": []}
    for c in consultations:
        phase = c.phase
        key = (
            "upcoming"
            if phase == Phase.UPCOMING
            else "open"
            if phase in (Phase.IDEAS, Phase.DISCUSSION)
            else "past"
        )
        groups[key].append(c)
    awaiting = list(selectors.ideas_awaiting_answer()[:50]) if sees_answer_queue(request.user) else []
    return render(
        request,
        "ideas/index.html",
        {"groups": groups, "awaiting": awaiting, "can_moderate": can(request.user, Action.MODERATE)},
    )


def consultation(request, slug):
    consultation = get_object_or_404(Consultation.objects.prefetch_related("territories"), slug=slug)
    filters = selectors.IdeaFilters.from_params(request.GET)
    seed, new_seed = _visitor_seed(request)
    paginator = Paginator(selectors.idea_list(consultation, filters, seed=seed), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    ideas = list(page.object_list)
    supported = selectors.supported_ids(request.user, ideas)
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "consultation": consultation,
        "page": page,
        "ideas": ideas,
        "supported": supported,
        "filters": filters,
        "querystring": params.urlencode(),
        "themes": Theme.choices,
        "districts": selectors.district_choices(),
        "status_filters": _status_filter_choices(),
        "sorts": _sort_choices(),
        "can_propose": can(request.user, Action.PROPOSE, consultation),
        "can_propose_assisted": can(request.user, Action.PROPOSE_ASSISTED, consultation),
        "missing_profile_field": missing_profile_field(request.user, consultation),
    }
    response = render(request, "ideas/consultation.html", context)
    if new_seed:
        response.set_cookie(SEED_COOKIE, str(seed), max_age=60 * 60 * 24 * 30, samesite="Lax", httponly=True)
    return response


def _sort_choices():
    return [
        (selectors.Sort.RANDOM, _("Au hasard")),
        (selectors.Sort.SUPPORTED, _("Les plus soutenues")),
        (selectors.Sort.COMMENTED, _("Les plus commentées")),
        (selectors.Sort.NEWEST, _("Les plus récentes")),
    ]


def _status_filter_choices():
    from .models import AnswerStatus

    return [
        ("sans-reponse", _("Sans réponse de la ville")),
        ("seuil-atteint", _("Seuil de soutiens atteint")),
        *AnswerStatus.choices,
    ]


def consultation_geojson(request, slug):
    consultation = get_object_or_404(Consultation, slug=slug)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"title": title, "url": Idea(pk=pk).get_absolute_url()},
        }
        for pk, title, lat, lon in selectors.public_ideas(consultation)
        .filter(lat__isnull=False)
        .values_list("pk", "title", "lat", "lon")[:5000]
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@login_required
def idea_create(request, slug):
    consultation = get_object_or_404(Consultation.objects.prefetch_related("territories"), slug=slug)
    decision = can(request.user, Action.PROPOSE, consultation)
    assisted = can(request.user, Action.PROPOSE_ASSISTED, consultation)
    if not (decision or assisted):
        return render(
            request,
            "ideas/denied.html",
            {
                "reason": decision.reason,
                "consultation": consultation,
                "missing_profile_field": missing_profile_field(request.user, consultation),
            },
            status=403,
        )
    form = IdeaForm(request.POST or None, request.FILES or None, consultation=consultation, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                check_rate(request, "ideas.idea")
                idea = services.idea_create(
                    author=request.user,
                    consultation=consultation,
                    title=data["title"],
                    body=data["body"],
                    theme=data["theme"],
                    tags=data["tags"],
                    lat=data.get("lat"),
                    lon=data.get("lon"),
                    territory=data["territory"],
                    author_kind=data["author_kind"],
                    group_name=data["group_name"],
                    assisted_for=data.get("assisted_for", ""),
                    assisted_consent=data.get("assisted_consent", False),
                    photos=data.get("photo") or [],
                    photo_alt=data.get("photo_alt", ""),
                    attachments=data.get("attachment") or [],
                )
            except RateLimited as exc:
                form.add_error(None, str(exc))
                status = 429
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
                status = 403
            except ValidationError as exc:
                _form_errors(form, exc)
                status = 400
            else:
                if idea.status == Status.PENDING:
                    messages.success(
                        request, _("Merci ! Votre idée sera publiée après relecture par la modération.")
                    )
                else:
                    messages.success(request, _("Merci ! Votre idée est publiée."))
                return redirect(idea)
        else:
            status = 400
    return render(
        request, "ideas/idea_form.html", {"form": form, "consultation": consultation}, status=status
    )


def _idea_or_404(request, pk) -> Idea:
    try:
        idea = selectors.idea_for_page(pk)
    except Idea.DoesNotExist:
        raise Http404
    if not can_see_idea(request.user, idea):
        raise Http404
    return idea


def idea_detail(request, pk, *, comment_form=None, status=200):
    idea = _idea_or_404(request, pk)
    user = request.user
    c = idea.consultation
    context = {
        "idea": idea,
        "consultation": c,
        "comments": selectors.comment_tree(idea, user),
        "state": selectors.idea_state_for(user, idea),
        "comment_form": comment_form or CommentForm(),
        "can_comment": can(user, Action.COMMENT, c, idea),
        "can_support": can(user, Action.SUPPORT, c, idea),
        "can_follow": can(user, Action.FOLLOW, c, idea),
        "can_edit": can(user, Action.EDIT, c, idea),
        "can_answer": can(user, Action.ANSWER, c, idea),
        "can_moderate": can(user, Action.MODERATE, c),
        "revisions": idea.revisions.select_related("editor")[:20],
    }
    if context["can_moderate"]:
        context["history"] = list(audit_history(idea)[:50])
    elif idea.is_hidden:
        status = 410  # the page says it was hidden and why (decision 0141)
    return render(request, "ideas/idea.html", context, status=status)


@login_required
def idea_edit(request, pk):
    idea = _idea_or_404(request, pk)
    decision = can(request.user, Action.EDIT, idea.consultation, idea)
    if not decision:
        return render(
            request,
            "ideas/denied.html",
            {"reason": decision.reason, "consultation": idea.consultation},
            status=403,
        )
    initial = {
        "title": idea.title,
        "body": idea.body,
        "theme": idea.theme,
        "tags": ", ".join(t.name for t in idea.tags.all()),
        "lat": idea.lat,
        "lon": idea.lon,
        "territory": idea.territory.code if idea.territory else "",
    }
    form = IdeaForm(
        request.POST or None, initial=initial, consultation=idea.consultation, user=request.user, editing=True
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.idea_update(
                    editor=request.user,
                    idea=idea,
                    title=data["title"],
                    body=data["body"],
                    theme=data["theme"],
                    tags=data["tags"],
                    lat=data.get("lat"),
                    lon=data.get("lon"),
                    territory=data["territory"],
                )
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
                status = 403
            except ValidationError as exc:
                _form_errors(form, exc)
                status = 400
            else:
                messages.success(request, _("Idée modifiée. La version précédente reste dans l'historique."))
                return redirect(idea)
        else:
            status = 400
    return render(
        request,
        "ideas/idea_form.html",
        {"form": form, "consultation": idea.consultation, "idea": idea},
        status=status,
    )


def _fragment_or_redirect(request, idea_pk, template, context):
    if _is_htmx(request):
        return render(request, template, context)
    return redirect("ideas:idea", pk=idea_pk)


@login_required
@require_POST
def idea_support(request, pk):
    idea = _idea_or_404(request, pk)
    withdraw = request.POST.get("action") == "withdraw"
    try:
        check_rate(request, "write")
        if withdraw:
            services.support_withdraw(user=request.user, idea=idea)
        else:
            services.support_add(user=request.user, idea=idea)
    except (ValidationError, PermissionDenied, RateLimited) as exc:
        text = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        if _is_htmx(request):
            idea.refresh_from_db()
            return render(request, "ideas/_support.html", _support_context(request, idea, error=text))
        messages.error(request, text)
        return redirect(idea)
    idea.refresh_from_db()
    done = _("Soutien retiré.") if withdraw else _("Merci pour votre soutien !")
    if not _is_htmx(request):
        messages.success(request, done)
    context = {**_support_context(request, idea), "done": done}
    return _fragment_or_redirect(request, idea.pk, "ideas/_support.html", context)


def _support_context(request, idea, error=""):
    return {
        "idea": idea,
        "state": selectors.idea_state_for(request.user, idea),
        "error": error,
        "can_support": can(request.user, Action.SUPPORT, idea.consultation, idea),
        "can_follow": can(request.user, Action.FOLLOW, idea.consultation, idea),
    }


@login_required
@require_POST
def idea_follow(request, pk):
    idea = _idea_or_404(request, pk)
    try:
        if request.POST.get("action") == "unfollow":
            services.unfollow(user=request.user, idea=idea)
        else:
            services.follow(user=request.user, idea=idea)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect(idea)
    return _fragment_or_redirect(request, idea.pk, "ideas/_support.html", _support_context(request, idea))


@login_required
@require_POST
def comment_create(request, pk):
    """Post a comment or a reply. With htmx (top-level form) the form comes back in place: reset
    with the new comment appended to the list, or with its errors; without JavaScript, a redirect."""
    idea = _idea_or_404(request, pk)
    form = CommentForm(request.POST)

    def refused(status):
        if _is_htmx(request):
            # 200 so that htmx swaps the form with its errors in place (it ignores 4xx bodies).
            return render(request, "ideas/_comment_form.html", {"idea": idea, "comment_form": form})
        return idea_detail(request, pk, comment_form=form, status=status)

    if not form.is_valid():
        return refused(400)
    parent = None
    if form.cleaned_data["parent"]:
        parent = Comment.objects.filter(pk=form.cleaned_data["parent"]).first()
        if parent is None:
            form.add_error(None, _("Le commentaire auquel vous répondez n'existe plus."))
            return refused(400)
    try:
        check_rate(request, "ideas.comment")
        comment = services.comment_create(
            author=request.user, idea=idea, body=form.cleaned_data["body"], parent=parent
        )
    except RateLimited as exc:
        form.add_error(None, str(exc))
        return refused(429)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return refused(403)
    except ValidationError as exc:
        _form_errors(form, exc)
        return refused(400)
    pending = comment.status == Status.PENDING
    if _is_htmx(request) and parent is None:
        idea.refresh_from_db(fields=["comment_count"])
        notice = (
            _("Merci ! Votre commentaire sera publié après relecture.")
            if pending
            else _("Commentaire publié.")
        )
        context = {
            "idea": idea,
            "comment": comment,
            "comment_form": CommentForm(),
            "comment_notice": notice,
            "can_comment": can(request.user, Action.COMMENT, idea.consultation, idea),
        }
        return render(request, "ideas/_comment_posted.html", context)
    if pending:
        messages.success(request, _("Merci ! Votre commentaire sera publié après relecture."))
    return redirect(comment.get_absolute_url())


@login_required
def comment_edit(request, pk):
    comment = get_object_or_404(Comment.objects.select_related("idea"), pk=pk, author=request.user)
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_update(author=request.user, comment=comment, body=form.cleaned_data["body"])
        except (PermissionDenied, ValidationError) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
        else:
            return redirect(comment.get_absolute_url())
    return render(
        request,
        "ideas/comment_edit.html",
        {"form": form, "comment": comment},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def comment_delete(request, pk):
    comment = get_object_or_404(Comment, pk=pk)
    try:
        services.comment_delete(author=request.user, comment=comment)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("Commentaire supprimé."))
    return redirect("ideas:idea", pk=comment.idea_id)


@login_required
def idea_answer(request, pk):
    idea = _idea_or_404(request, pk)
    decision = can(request.user, Action.ANSWER, idea.consultation, idea)
    if not decision:
        return render(
            request,
            "ideas/denied.html",
            {"reason": decision.reason, "consultation": idea.consultation},
            status=403,
        )
    answer = getattr(idea, "answer", None)
    form = AnswerForm(
        request.POST or None, initial={"status": answer.status, "text": answer.text} if answer else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_publish(
                agent=request.user,
                idea=idea,
                status=form.cleaned_data["status"],
                text=form.cleaned_data["text"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _form_errors(form, exc) if isinstance(exc, ValidationError) else form.add_error(None, str(exc))
        else:
            messages.success(request, _("Réponse publiée et envoyée à l'auteur·rice et aux abonné·es."))
            return redirect(idea)
    return render(
        request, "ideas/answer_form.html", {"form": form, "idea": idea}, status=400 if form.errors else 200
    )


# ------------------------------------------------------------------------------------------------
# Moderation of pending contributions
# ------------------------------------------------------------------------------------------------

MODERATED = {"idee": Idea, "commentaire": Comment, "affirmation": Statement}


@login_required
def moderation(request):
    ensure(request.user, Action.MODERATE)
    pending = selectors.pending_contributions()
    return render(request, "ideas/moderation.html", {"pending": pending, "reject_form": RejectForm()})


@login_required
@require_POST
def moderation_decide(request, kind, pk):
    model = MODERATED.get(kind)
    if model is None:
        raise Http404
    target = get_object_or_404(model, pk=pk)
    try:
        if request.POST.get("decision") == "approve":
            services.contribution_approve(moderator=request.user, target=target)
            messages.success(request, _("Contribution publiée."))
        else:
            services.contribution_reject(
                moderator=request.user, target=target, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("Contribution refusée ; son auteur·rice est prévenu·e."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("ideas:moderation")


# ------------------------------------------------------------------------------------------------
# Results and open data
# ------------------------------------------------------------------------------------------------


def results(request, slug):
    consultation = get_object_or_404(Consultation, slug=slug)
    data = selectors.results(consultation)
    return render(request, "ideas/results.html", {"consultation": consultation, "r": data})


def export(request, slug, fmt):
    """Open data of a consultation: ideas as JSON or CSV, comments as CSV (core's export service)."""
    consultation = get_object_or_404(Consultation, slug=slug)
    name = f"idees-{consultation.slug}"
    if fmt == "json":
        payload = {
            "consultation": {
                "slug": consultation.slug,
                "title": consultation.title,
                "question": consultation.question,
            },
            "licence": "ODbL-1.0",
            "ideas": list(selectors.export_ideas(consultation)),
            "comments": list(selectors.export_comments(consultation)),
        }
        return exports.json_response(payload, filename=f"{name}.json")
    if fmt == "csv":
        return exports.csv_response(
            selectors.EXPORT_FIELDS, selectors.export_ideas(consultation), filename=f"{name}.csv"
        )
    if fmt == "commentaires.csv":
        return exports.csv_response(
            selectors.EXPORT_COMMENT_FIELDS,
            selectors.export_comments(consultation),
            filename=f"{name}-commentaires.csv",
        )
    raise Http404


# ------------------------------------------------------------------------------------------------
# Opinion map
# ------------------------------------------------------------------------------------------------


def opinion(request, slug):
    consultation = get_object_or_404(Consultation, slug=slug, opinion_map_enabled=True)
    snapshot = getattr(consultation, "opinion_snapshot", None)
    return render(
        request,
        "ideas/opinion.html",
        {
            "consultation": consultation,
            "statement": selectors.next_statement(consultation, request.user),
            "can_vote": can(request.user, Action.VOTE, consultation),
            "can_propose": can(request.user, Action.STATEMENT, consultation),
            "form": StatementForm(),
            "map": snapshot.data if snapshot else None,
            "snapshot": snapshot,
            "chart": _chart(snapshot.data) if snapshot else None,
            "counts": selectors.statement_counts(consultation),
        },
    )


GROUP_COLOURS = ["#0b4fa3", "#b3261e", "#1b7a3a", "#7a4fa3", "#a36a0b"]


def _chart(data: dict) -> dict:
    """Scale the map's points into a 300×300 SVG box (the chart is drawn without JavaScript)."""
    points = [p for g in data.get("groups", []) for p in g["points"]]
    if not points:
        return {"groups": []}
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    groups = []
    for i, g in enumerate(data["groups"]):
        groups.append(
            {
                "label": g["label"],
                "size": g["size"],
                "colour": GROUP_COLOURS[i % len(GROUP_COLOURS)],
                "points": [
                    (round(150 + 135 * (x - cx) / (span / 2), 1), round(150 - 135 * (y - cy) / (span / 2), 1))
                    for x, y in g["points"]
                ],
            }
        )
    return {"groups": groups}


@login_required
@require_POST
def statement_vote(request, pk):
    statement = get_object_or_404(Statement.objects.select_related("consultation"), pk=pk)
    form = VoteForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Vote inconnu : d'accord, pas d'accord ou je passe."))
        check_rate(request, "write")
        services.statement_vote(user=request.user, statement=statement, value=form.cleaned_data["value"])
    except (ValidationError, PermissionDenied, RateLimited) as exc:
        messages.error(request, exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
    return redirect("ideas:opinion", slug=statement.consultation.slug)


@login_required
@require_POST
def statement_create(request, slug):
    consultation = get_object_or_404(Consultation, slug=slug, opinion_map_enabled=True)
    form = StatementForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Écrivez une affirmation de 280 caractères au plus."))
        check_rate(request, "ideas.comment")
        statement = services.statement_create(
            author=request.user, consultation=consultation, text=form.cleaned_data["text"]
        )
    except (ValidationError, PermissionDenied, RateLimited) as exc:
        messages.error(request, exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(
            request,
            _("Affirmation publiée.")
            if statement.status == Status.PUBLISHED
            else _("Affirmation envoyée : elle sera publiée après relecture."),
        )
    return redirect("ideas:opinion", slug=consultation.slug)
