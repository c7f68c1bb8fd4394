"""Pages of the participatory budget. Thin: rules live in permissions, services and selectors."""

from fractions import Fraction

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parvis.core import charts
from parvis.core.exports import csv_response, feature, geojson_response
from parvis.core.models import Service
from parvis.core.ratelimit import RateLimited, check_rate

from . import ballots as ballot_rules
from . import exports, permissions, selectors, services
from .forms import (
    AssistedIdeaForm,
    CommentForm,
    EditIdeaForm,
    FollowUpForm,
    IdeaForm,
    OverrideForm,
    ReviewForm,
)
from .models import BallotStyle, Grade, PaperBatch, PaperMode, Project, Status, Theme


def _errors(exc) -> str:
    return " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


def index(request):
    campaign = selectors.current_campaign()
    if campaign is None:
        return render(request, "budget/index.html", {"campaigns": []})
    return campaign_detail(request, campaign.slug)


def campaign_detail(request, slug):
    campaign = selectors.campaign_get(slug)
    # Publishes the feasibility reviews if the review phase has ended (no query before then).
    services.reviews_publish_due(campaign=campaign)
    phase = permissions.current_phase(campaign)
    return render(
        request,
        "budget/campaign.html",
        {
            "campaign": campaign,
            "phase": phase,
            "phases": campaign.phases.all(),
            "envelopes": selectors.envelopes(campaign),
            "campaigns": selectors.campaigns(),
            "can_propose": permissions.can(request.user, "propose", campaign),
            "can_vote": phase == "vote",
            "results": selectors.results(campaign).exists(),
        },
    )


def project_list(request, slug):
    campaign = selectors.campaign_get(slug)
    envelopes = list(selectors.envelopes(campaign))
    envelope = next((e for e in envelopes if e.slug == request.GET.get("enveloppe")), None)
    theme = request.GET.get("theme", "")
    query = request.GET.get("q", "").strip()[:100]
    projects = selectors.projects(
        campaign, envelope=envelope, theme=theme if theme in Theme.values else "", query=query
    )
    return render(
        request,
        "budget/project_list.html",
        {
            "campaign": campaign,
            "projects": projects[:300],
            "envelopes": envelopes,
            "envelope": envelope,
            "themes": Theme.choices,
            "theme": theme,
            "q": query,
            "count": projects.count(),
        },
    )


def projects_geojson(request, slug):
    campaign = selectors.campaign_get(slug)
    funded = request.GET.get("laureats") == "1"
    qs = selectors.projects(campaign, funded_only=funded).filter(lat__isnull=False)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
            "properties": {"title": p.title, "url": p.get_absolute_url()},
        }
        for p in qs[:2000]
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


def project_detail(request, slug, pk):
    campaign = selectors.campaign_get(slug)
    project = get_object_or_404(
        Project.objects.select_related(
            "envelope", "author", "neighbourhood", "priority_area", "service", "merged_into", "split_from"
        ),
        pk=pk,
        campaign=campaign,
    )
    if project.is_hidden and not permissions.can(request.user, "see_hidden", campaign):
        return render(request, "budget/hidden.html", {"project": project, "campaign": campaign}, status=410)
    user = request.user
    supported = user.is_authenticated and project.supports.filter(user=user).exists()
    from .models import Result

    funded = Result.objects.filter(funded=project).exists()
    return render(
        request,
        "budget/project.html",
        {
            "campaign": campaign,
            "project": project,
            "credits": selectors.project_credits(project),
            "comments": project.comments.filter(hidden_at__isnull=True).select_related("author"),
            "supports": project.supports.count(),
            "source_supports": selectors.source_supports(project),
            "supported": supported,
            "can_support": permissions.can(user, "support", campaign, obj=project),
            "can_comment": permissions.can(user, "comment", campaign, obj=project),
            "comment_form": CommentForm(),
            "photos": project.photos.all(),
            "funded": funded,
            "updates": project.updates.all(),
            "parts": project.split_parts.all(),
            "sources": project.merged_sources.all(),
            "can_followup": funded and permissions.can(user, "followup", campaign),
            "can_edit": permissions.can(user, "edit", campaign, obj=project),
            "can_split": project.status == Status.SUBMITTED and permissions.can(user, "merge", campaign),
            "followup_form": FollowUpForm(),
            "review_public": project.review_published_at is not None,
        },
    )


@login_required
@require_POST
def project_support(request, slug, pk):
    project = get_object_or_404(Project, pk=pk, campaign__slug=slug)
    try:
        if request.POST.get("action") == "remove":
            services.support_remove(user=request.user, project=project)
            messages.success(request, _("Votre soutien a été retiré."))
        else:
            services.support_add(user=request.user, project=project)
            messages.success(request, _("Merci pour votre soutien !"))
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, _errors(exc))
    return redirect(project.get_absolute_url())


@login_required
@require_POST
def project_comment(request, slug, pk):
    project = get_object_or_404(Project, pk=pk, campaign__slug=slug)
    try:
        check_rate(request, "write")
        comment = services.comment_create(
            author=request.user, project=project, body=request.POST.get("body", "")
        )
        return redirect(comment.get_absolute_url())
    except (PermissionDenied, ValidationError, RateLimited) as exc:
        messages.error(request, _errors(exc))
    return redirect(project.get_absolute_url())


@login_required
def idea_create(request, slug):
    campaign = selectors.campaign_get(slug)
    assisted = permissions.can(request.user, "propose_assisted", campaign)
    form = (AssistedIdeaForm if assisted else IdeaForm)(request.POST or None, request.FILES or None)
    decision = permissions.can(request.user, "propose", campaign)
    if not decision:
        return render(
            request, "budget/message.html", {"campaign": campaign, "message": decision.reason}, status=403
        )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            check_rate(request, "write")
            project = services.project_create(
                author=request.user,
                campaign=campaign,
                title=d["title"],
                body=d["body"],
                theme=d["theme"],
                lat=d["lat"],
                lon=d["lon"],
                territory=d["territory"],
                citywide=d["citywide"],
                estimated_cost=d["estimated_cost"],
                association_name=d["association_name"],
                photos=form.photos(),
                resident_name=d.get("resident_name", ""),
                consent=d.get("consent", False),
            )
            messages.success(request, _("Merci ! Votre idée est publiée."))
            return redirect(project.get_absolute_url())
        except (PermissionDenied, ValidationError, RateLimited) as exc:
            form.add_error(None, _errors(exc))
    return render(
        request,
        "budget/idea_form.html",
        {"campaign": campaign, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def idea_edit(request, slug, pk):
    campaign = selectors.campaign_get(slug)
    project = get_object_or_404(Project, pk=pk, campaign=campaign)
    try:
        permissions.ensure(request.user, "edit", campaign, obj=project)
    except PermissionDenied as exc:
        return render(request, "budget/message.html", {"campaign": campaign, "message": str(exc)}, status=403)
    form = EditIdeaForm(request.POST or None, request.FILES or None, project=project)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.project_update(
                actor=request.user,
                project=project,
                title=d["title"],
                body=d["body"],
                theme=d["theme"],
                estimated_cost=d["estimated_cost"],
                lat=d["lat"],
                lon=d["lon"],
                territory=d["territory"],
                citywide=d["citywide"],
                add_photos=form.photos(),
                remove_photo_ids=form.removed_photo_ids(),
                photo_alts=form.photo_alts(),
            )
            messages.success(request, _("Votre idée est modifiée."))
            return redirect(project.get_absolute_url())
        except (PermissionDenied, ValidationError) as exc:
            form.add_error(None, _errors(exc))
    return render(
        request,
        "budget/idea_edit.html",
        {"campaign": campaign, "project": project, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- Vote -----------------------------------------------------------------------------------------


def vote_home(request, slug):
    campaign = selectors.campaign_get(slug)
    envelopes = list(selectors.envelopes(campaign))
    districts = [e for e in envelopes if not e.is_citywide]
    user = request.user
    problems = permissions.vote_problems(user, campaign)
    return render(
        request,
        "budget/vote_home.html",
        {
            "campaign": campaign,
            "phase": permissions.current_phase(campaign),
            "citywide": [e for e in envelopes if e.is_citywide],
            "districts": districts,
            "home_envelope": selectors.home_district_envelope(user, districts),
            "choice": selectors.district_choice(user, campaign),
            "ballots": selectors.user_ballots(user, campaign),
            "problems": problems,
        },
    )


@login_required
@require_POST
def district_choose(request, slug):
    campaign = selectors.campaign_get(slug)
    envelope = campaign.envelopes.filter(slug=request.POST.get("envelope", "")).first()
    if envelope is None:
        messages.error(request, _("Choisissez un arrondissement dans la liste."))
        return redirect("budget:vote", slug)
    try:
        services.district_choose(voter=request.user, envelope=envelope)
        return redirect("budget:ballot", slug, envelope.slug)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, _errors(exc))
    return redirect("budget:vote", slug)


def _posted_choices(request, envelope, costs):
    if envelope.ballot_style == BallotStyle.GRADES:
        return {
            str(pid): request.POST.get(f"grade-{pid}", "")
            for pid in costs
            if request.POST.get(f"grade-{pid}", "")
        }
    return request.POST.getlist("project")


def _ballot_context(envelope, projects, choices, costs):
    spec = ballot_rules.Spec.of(envelope)
    selected = set()
    grades = {}
    if isinstance(choices, dict):
        grades = {int(k): int(v) for k, v in choices.items() if str(v).isdigit()}
    else:
        selected = {int(c) for c in choices if str(c).isdigit()}
    return {
        "envelope": envelope,
        "projects": projects,
        "selected": selected,
        "grades": grades,
        "grade_choices": list(reversed(Grade.choices)),
        "summary": ballot_rules.summary(spec, choices, costs),
        "spec": spec,
    }


def ballot(request, slug, envelope_slug):
    campaign = selectors.campaign_get(slug)
    envelope = get_object_or_404(campaign.envelopes.select_related("campaign"), slug=envelope_slug)
    envelope.campaign = campaign
    projects = selectors.ballot_projects(envelope)
    costs = {p.pk: p.cost for p in projects}
    user = request.user
    existing = selectors.user_ballots(user, campaign).get(envelope.pk)
    choices = existing.choices if existing else ({} if envelope.ballot_style == BallotStyle.GRADES else [])
    error = None
    status = 200
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect(f"{reverse('core:login')}?next={request.path}")
        choices = _posted_choices(request, envelope, costs)
        # "Update the total" (for browsers without JavaScript) shows the summary and stores nothing.
        if "preview" not in request.POST:
            try:
                services.ballot_submit(voter=user, envelope=envelope, choices=choices)
                messages.success(
                    request,
                    _("Votre vote pour « %(name)s » est enregistré. Merci !") % {"name": envelope.name},
                )
                return redirect("budget:vote", slug)
            except (PermissionDenied, ValidationError) as exc:
                error = _errors(exc)
                status = 403 if isinstance(exc, PermissionDenied) else 400
    context = _ballot_context(envelope, projects, choices, costs)
    context.update(
        campaign=campaign,
        error=error,
        existing=existing,
        phase=permissions.current_phase(campaign),
        choice=selectors.district_choice(user, campaign),
    )
    return render(request, "budget/ballot.html", context, status=status)


@require_POST
def ballot_summary(request, slug, envelope_slug):
    """The live summary (htmx): remaining budget or choices as the voter selects."""
    campaign = selectors.campaign_get(slug)
    envelope = get_object_or_404(campaign.envelopes, slug=envelope_slug)
    costs = services.ballot_costs(envelope)
    context = _ballot_context(envelope, [], _posted_choices(request, envelope, costs), costs)
    return render(request, "budget/_ballot_summary.html", context)


# --- Results --------------------------------------------------------------------------------------


def results(request, slug):
    campaign = selectors.campaign_get(slug)
    rows = []
    names = dict(Project.objects.filter(campaign=campaign).values_list("pk", "title"))
    for result in selectors.results(campaign).prefetch_related("envelope__overrides__project"):
        projects = sorted(
            result.data.get("projects", {}).values(),
            key=lambda p: (not p["funded"], p.get("position") or 10**9, -p["votes"]),
        )
        top = max((p["votes"] for p in projects), default=0) or 1
        for p in projects:
            p["title"] = names.get(int(p["project_id"]), p["project_id"])
            p["bar"] = round(100 * p["votes"] / top)
            p["url"] = reverse("budget:project", args=[slug, int(p["project_id"])])
            if campaign.rule == "mj" and p.get("score"):
                p["grade"] = Grade(int(Fraction(p["score"]))).label
        funded = [(p["title"], p["cost"]) for p in projects if p["funded"]]
        fill = charts.budget_fill(
            result.envelope.amount,
            funded,
            title=_("%(name)s : l'enveloppe remplie projet par projet") % {"name": result.envelope.name},
            desc=_(
                "%(n)d projets financés pour %(spent)s € sur %(amount)s € ; "
                "le tableau ci-dessous donne le détail."
            )
            % {
                "n": len(funded),
                "spent": intcomma(sum(cost for _t, cost in funded)),
                "amount": intcomma(result.envelope.amount),
            },
        )
        rows.append(
            {
                "result": result,
                "envelope": result.envelope,
                "projects": projects,
                "overrides": result.envelope.overrides.all(),
                "fill": mark_safe(fill),  # noqa: S308 - built by parvis.core.charts, every text escaped
            }
        )
    return render(
        request,
        "budget/results.html",
        {
            "campaign": campaign,
            "rows": rows,
            "participation": selectors.participation(campaign),
            "is_admin": permissions.can(request.user, "compute_results", campaign),
            "can_override": permissions.can(request.user, "override", campaign),
        },
    )


@login_required
@require_POST
def results_compute(request, slug):
    campaign = selectors.campaign_get(slug)
    try:
        services.campaign_results_compute(actor=request.user, campaign=campaign)
        messages.success(request, _("Les résultats ont été calculés."))
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, _errors(exc))
    return redirect("budget:results", slug)


@login_required
def override(request, slug, envelope_slug):
    campaign = selectors.campaign_get(slug)
    envelope = get_object_or_404(campaign.envelopes, slug=envelope_slug)
    envelope.campaign = campaign
    projects = selectors.ballot_projects(envelope)
    form = OverrideForm(request.POST or None)
    form.fields["project"].widget.choices = [(p.pk, p.title) for p in projects]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        project = next((p for p in projects if p.pk == d["project"]), None)
        try:
            if project is None:
                raise ValidationError(_("Ce projet n'est pas sur le bulletin de cette enveloppe."))
            services.override_create(
                actor=request.user,
                envelope=envelope,
                project=project,
                decision=d["decision"],
                justification=d["justification"],
            )
            messages.success(request, _("La décision est enregistrée et publiée avec les résultats."))
            return redirect("budget:results", slug)
        except (PermissionDenied, ValidationError) as exc:
            form.add_error(None, _errors(exc))
    return render(
        request,
        "budget/override.html",
        {"campaign": campaign, "envelope": envelope, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def pabulib_download(request, slug, envelope_slug):
    campaign = selectors.campaign_get(slug)
    envelope = get_object_or_404(campaign.envelopes, slug=envelope_slug)
    if not hasattr(envelope, "result"):
        return HttpResponse(
            _("Les résultats de cette enveloppe ne sont pas encore publiés."),
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    envelope.campaign = campaign
    response = HttpResponse(exports.pabulib_text(envelope), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{exports.pabulib_filename(envelope)}"'
    return response


# --- Paper ballots --------------------------------------------------------------------------------


def _paper_lines(text: str, grades: bool):
    """One ballot per line: project numbers separated by commas or spaces, or ``number:grade`` pairs
    for grade ballots. What cannot be read is passed on as is, so the service names the bad ballot."""
    ballots = []
    for line in text.splitlines():
        items = [x for x in line.replace(",", " ").replace(";", " ").split() if x]
        if not items:
            continue
        if grades:
            ballot = {}
            for item in items:
                pid, _sep, grade = item.partition(":")
                ballot[pid] = grade
            ballots.append(ballot)
        else:
            ballots.append(items)
    return ballots


@login_required
def paper_entry(request, slug, envelope_slug):
    campaign = selectors.campaign_get(slug)
    envelope = get_object_or_404(campaign.envelopes, slug=envelope_slug)
    envelope.campaign = campaign
    try:
        permissions.ensure(request.user, "enter_paper", campaign)
    except PermissionDenied as exc:
        return render(request, "budget/message.html", {"campaign": campaign, "message": str(exc)}, status=403)
    projects = selectors.ballot_projects(envelope)
    error = None
    if request.method == "POST":
        mode = request.POST.get("mode", PaperMode.COUNTS)
        if mode == PaperMode.BALLOTS:
            data = _paper_lines(
                request.POST.get("ballots_text", ""), envelope.ballot_style == BallotStyle.GRADES
            )
        elif mode == PaperMode.GRADE_COUNTS:
            data = {
                "ballots": request.POST.get("ballots_total"),
                "grades": {
                    str(p.pk): {str(g): request.POST.get(f"grade-{p.pk}-{g}", "") for g in Grade.values}
                    for p in projects
                },
            }
        else:
            data = {
                "ballots": request.POST.get("ballots_total"),
                "counts": {str(p.pk): request.POST.get(f"count-{p.pk}", "0") or "0" for p in projects},
            }
        try:
            batch = services.paper_entry_submit(
                agent=request.user,
                envelope=envelope,
                polling_place=request.POST.get("polling_place", ""),
                mode=mode,
                data=data,
            )
            state = services.paper_batch_state(batch)
            messages.success(
                request,
                {
                    "accepted": _("Les deux saisies concordent : les résultats du bureau sont comptés."),
                    "waiting": _("Saisie enregistrée : un second agent doit saisir le même bureau."),
                    "mismatch": _(
                        "Les deux saisies ne concordent pas : vérifiez la feuille de dépouillement."
                    ),
                }[state],
            )
            return redirect("budget:paper", slug, envelope_slug)
        except (PermissionDenied, ValidationError) as exc:
            error = _errors(exc)
    batches = (
        PaperBatch.objects.filter(envelope=envelope).prefetch_related("entries").order_by("polling_place")
    )
    counts_mode, counts_refusal = services.paper_counts_mode(envelope)
    return render(
        request,
        "budget/paper.html",
        {
            "campaign": campaign,
            "envelope": envelope,
            "projects": projects,
            "counts_mode": counts_mode,
            "counts_refusal": counts_refusal,
            "grade_rows": [
                (
                    p,
                    [
                        (f"grade-{p.pk}-{g}", label, request.POST.get(f"grade-{p.pk}-{g}", ""))
                        for g, label in sorted(Grade.choices, reverse=True)
                    ],
                )
                for p in projects
            ]
            if counts_mode == PaperMode.GRADE_COUNTS
            else [],
            # after an error every form keeps what was typed, so the agent corrects rather than retypes
            "count_rows": [(p, request.POST.get(f"count-{p.pk}", "0")) for p in projects],
            "posted_mode": request.POST.get("mode", ""),
            "error": error,
            "batches": [(b, services.paper_batch_state(b)) for b in batches],
        },
        status=400 if error else 200,
    )


# --- Review, merge, follow-up (city staff) --------------------------------------------------------


@login_required
def review_queue(request, slug):
    campaign = selectors.campaign_get(slug)
    permissions.ensure(request.user, "review_queue", campaign)
    queue = [p for p in selectors.review_queue(request.user) if p.campaign_id == campaign.pk]
    return render(
        request,
        "budget/review_queue.html",
        {
            "campaign": campaign,
            "queue": queue,
            "services": Service.objects.all(),
            "can_publish": permissions.can(request.user, "publish_reviews", campaign),
            "can_assign": permissions.can(request.user, "assign_service", campaign),
            "can_merge": permissions.can(request.user, "merge", campaign),
        },
    )


@login_required
def review(request, slug, pk):
    campaign = selectors.campaign_get(slug)
    project = get_object_or_404(Project, pk=pk, campaign=campaign)
    form = ReviewForm(request.POST or None, initial={"cost": project.cost or project.estimated_cost})
    try:
        permissions.ensure(request.user, "review", campaign, obj=project)
    except PermissionDenied as exc:
        return render(request, "budget/message.html", {"campaign": campaign, "message": str(exc)}, status=403)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.project_review(
                reviewer=request.user,
                project=project,
                feasibility=d["feasibility"],
                reason=d["reason"],
                cost=d["cost"],
                duration_months=d["duration_months"],
            )
            messages.success(request, _("Avis enregistré ; il sera publié à la fin de l'étude."))
            return redirect("budget:review_queue", slug)
        except (PermissionDenied, ValidationError) as exc:
            form.add_error(None, _errors(exc))
    return render(
        request,
        "budget/review.html",
        {"campaign": campaign, "project": project, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def review_action(request, slug):
    """Assign services, publish reviews, or merge selected ideas from the queue page."""
    campaign = selectors.campaign_get(slug)
    action = request.POST.get("action")
    ids = [int(x) for x in request.POST.getlist("project") if x.isdigit()]
    projects = list(Project.objects.filter(campaign=campaign, pk__in=ids))
    try:
        if action == "publish":
            n = services.reviews_publish(actor=request.user, campaign=campaign)
            messages.success(request, _("%(n)s avis publiés.") % {"n": n})
        elif action == "assign":
            service = get_object_or_404(Service, pk=request.POST.get("service") or 0)
            if not projects:
                raise ValidationError(_("Cochez au moins une idée."))
            for p in projects:
                services.project_assign_service(actor=request.user, project=p, service=service)
            messages.success(request, _("Idées confiées au service « %(s)s ».") % {"s": service.name})
        elif action == "merge":
            merged = services.projects_merge(
                actor=request.user,
                sources=projects,
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
            )
            messages.success(request, _("Idées fusionnées."))
            return redirect(merged.get_absolute_url())
        else:
            raise ValidationError(_("Action inconnue."))
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, _errors(exc))
    return redirect("budget:review_queue", slug)


@login_required
@require_POST
def followup_add(request, slug, pk):
    project = get_object_or_404(Project, pk=pk, campaign__slug=slug)
    form = FollowUpForm(request.POST, request.FILES)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.followup_add(
                actor=request.user,
                project=project,
                status=d["status"],
                body=d["body"],
                photo=d.get("photo"),
                photo_alt=d.get("photo_alt", ""),
                date=d.get("date"),
            )
            messages.success(request, _("Nouvelle étape publiée."))
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, _errors(exc))
    else:
        messages.error(request, _("Formulaire incomplet : avancement et nouvelles sont requis."))
    return redirect(project.get_absolute_url())


def followup_map(request, slug):
    campaign = selectors.campaign_get(slug)
    projects = selectors.projects(campaign, funded_only=True)
    return render(request, "budget/followup.html", {"campaign": campaign, "projects": projects})


# --- Inclusion ------------------------------------------------------------------------------------


INCLUSION_FIELDS = [
    "code",
    "name",
    "district",
    "population",
    "priority",
    "ideas",
    "ideas_per_1000",
    "assisted",
    "assisted_share",
    "supporters",
    "supporters_per_1000",
    "voters",
    "voters_per_1000",
]


def inclusion(request, slug):
    campaign = selectors.campaign_get(slug)
    rows = selectors.inclusion(campaign)
    if request.GET.get("format") == "csv":
        return csv_response(
            INCLUSION_FIELDS,
            (["" if row[k] is None else row[k] for k in INCLUSION_FIELDS] for row in rows),
            filename=f"inclusion-{campaign.slug}.csv",
        )
    if request.GET.get("format") == "geojson":
        from parvis.core.models import Territory

        geoms = dict(Territory.objects.filter(pk__in=[r["id"] for r in rows]).values_list("pk", "geometry"))
        return geojson_response(
            feature(
                geoms[r["id"]],
                {
                    "title": f"{r['name']} : {r['voters_per_1000'] or 0} votant·es / 1 000 hab.",
                    "voters_per_1000": r["voters_per_1000"],
                    "priority": r["priority"],
                },
            )
            for r in rows
        )
    totals = {k: sum(r[k] for r in rows) for k in ("ideas", "assisted", "supporters", "voters")}
    return render(request, "budget/inclusion.html", {"campaign": campaign, "rows": rows, "totals": totals})


@login_required
def split(request, slug, pk):
    """Split an idea into two to four projects (agents, co-construction and review)."""
    campaign = selectors.campaign_get(slug)
    project = get_object_or_404(Project, pk=pk, campaign=campaign)
    try:
        permissions.ensure(request.user, "merge", campaign)
    except PermissionDenied as exc:
        return render(request, "budget/message.html", {"campaign": campaign, "message": str(exc)}, status=403)
    error = None
    if request.method == "POST":
        parts = [
            {"title": request.POST.get(f"title-{i}", ""), "body": request.POST.get(f"body-{i}", "")}
            for i in range(1, services.MAX_SPLIT_PARTS + 1)
        ]
        parts = [p for p in parts if p["title"].strip() or p["body"].strip()]
        try:
            services.project_split(actor=request.user, project=project, parts=parts)
            messages.success(request, _("L'idée a été scindée."))
            return redirect(project.get_absolute_url())
        except (PermissionDenied, ValidationError) as exc:
            error = _errors(exc)
    return render(
        request,
        "budget/split.html",
        {
            "campaign": campaign,
            "project": project,
            "error": error,
            "numbers": range(1, services.MAX_SPLIT_PARTS + 1),
        },
        status=400 if error else 200,
    )


def status_label(value):
    return dict(Status.choices).get(value, value)
