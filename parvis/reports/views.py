"""Pages of the reports module: thin views over services and selectors."""

import json
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parvis.core import exports
from parvis.core.collation import in_french_order
from parvis.core.models import Service, Territory, TerritoryLevel, User
from parvis.core.ratelimit import RateLimited, check_rate
from parvis.core.territories import in_code_order

from . import campaigns as campaign_services
from . import selectors, services
from .forms import ProposalForm, ReportForm, StatusForm
from .models import Campaign, Category, Contribution, Report, Status
from .permissions import (
    Action,
    can_configure_categories,
    can_manage,
    can_manage_campaign,
    can_see,
    ensure,
    ensure_back_office,
    ensure_can_configure_categories,
    feedback_open,
    sees_every_service,
)


class CappedPaginator(Paginator):
    """Counting two million rows for a page number is not worth a second: count up to a cap."""

    cap = 10_000

    @property
    def count(self):
        if not hasattr(self, "_capped_count"):
            self._capped_count = self.object_list.order_by()[: self.cap + 1].count()
        return self._capped_count

    @property
    def capped(self) -> bool:
        return self.count > self.cap


def _errors(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _districts():
    return in_code_order(Territory.objects.filter(level=TerritoryLevel.DISTRICT))


def _leaf_tree():
    """Families with their leaf categories, for the category picker."""
    cats = list(Category.objects.filter(is_active=True).select_related("parent__parent"))
    has_children = {c.parent_id for c in cats if c.parent_id}
    families: dict = {}
    for c in cats:
        if c.pk in has_children:
            continue
        root = c
        while root.parent is not None:
            root = root.parent
        families.setdefault(root, []).append(c)
    return sorted(families.items(), key=lambda kv: (kv[0].position, kv[0].name))


# --- Public pages ----------------------------------------------------------------------------------


def index(request):
    """The map of reports, with the same filters as the list, and the list as its non-map alternative."""
    try:
        filters = selectors.parse_filters(request.GET)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        filters = selectors.ReportFilters()
    # The list is the map's alternative: same default (open, or resolved recently), same filters.
    qs = selectors.public_reports(filters, recent_closed_only=True).select_related("category", "district")
    page = CappedPaginator(qs.order_by("-created_at", "-id"), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/index.html",
        {
            "page": page,
            "filters": filters,
            "categories": _leaf_tree(),
            "districts": _districts(),
            "statuses": Status.choices,
            "query": request.GET.urlencode(),
            "campaigns": Campaign.objects.filter(published=True, ends_at__gt=timezone.now())[:3],
        },
    )


def category_pick(request):
    """Step 1 of a report: choose the category (searchable without JavaScript)."""
    q = (request.GET.get("q") or "").strip().lower()
    tree = _leaf_tree()
    if q:
        tree = [
            (
                family,
                [
                    c
                    for c in leaves
                    if q in c.name.lower()
                    or q in c.keywords.lower()
                    or q in family.name.lower()
                    or (c.parent and q in c.parent.name.lower())
                ],
            )
            for family, leaves in tree
        ]
        tree = [(f, leaves) for f, leaves in tree if leaves]
    return render(
        request,
        "reports/category_pick.html",
        {"tree": tree, "q": q, "on_behalf": request.GET.get("pour") == "1"},
    )


def report_new(request, code):
    """Step 2: where, questions, description, photos. Works without JavaScript (address or neighbourhood)."""
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise Http404(_("Catégorie inconnue."))
    on_behalf = request.GET.get("pour") == "1" or request.POST.get("on_behalf") == "1"
    if on_behalf:
        ensure(request.user, Action.REPORT_ON_BEHALF)
    questions = list(category.questions.all())
    anonymous = not request.user.is_authenticated
    duplicates = []
    if request.method == "POST":
        form = ReportForm(
            request.POST, request.FILES, questions=questions, anonymous=anonymous, on_behalf=on_behalf
        )
        if form.is_valid():
            data = form.cleaned_data
            if not data.get("not_duplicate") and data.get("lat") and data.get("lon"):
                try:
                    lat, lon = float(data["lat"]), float(data["lon"])
                    duplicates = selectors.duplicates_near(category=category, lat=lat, lon=lon)
                except (TypeError, ValueError):
                    duplicates = []
            if duplicates:
                form.data = form.data.copy()
                form.data["not_duplicate"] = "1"
                messages.warning(
                    request,
                    _(
                        "Des signalements semblables existent déjà tout près. Suivez l'un "
                        "d'eux, ou envoyez le vôtre s'il s'agit d'autre chose (ajoutez "
                        "à nouveau vos photos)."
                    ),
                )
            else:
                try:
                    check_rate(request, "write")
                    report, created = services.report_create(
                        draft=services.ReportDraft(
                            category_code=category.code,
                            lat=data.get("lat"),
                            lon=data.get("lon"),
                            address=data.get("address", ""),
                            territory_code=data.get("territory", ""),
                            description=data.get("description", ""),
                            answers=form.answers(),
                            photos=request.FILES.getlist("photos"),
                            photo_alt=data.get("photo_alt", ""),
                            email=data.get("email", ""),
                            name=data.get("name", ""),
                            client_token=data.get("client_token"),
                        ),
                        author=None if (anonymous or on_behalf) else request.user,
                        agent=request.user if on_behalf else None,
                    )
                except RateLimited as exc:
                    form.add_error(None, str(exc))
                except ValidationError as exc:
                    form.add_error(None, _errors(exc))
                else:
                    if report.confirmed_at is None:
                        return render(request, "reports/check_email.html", {"report": report})
                    if created:
                        messages.success(
                            request,
                            _("Merci ! Votre signalement n°%(n)d a été transmis au service concerné.")
                            % {"n": report.pk},
                        )
                    return redirect(report)
    else:
        form = ReportForm(
            initial={
                "client_token": uuid.uuid4().hex,
                "lat": request.GET.get("lat", ""),
                "lon": request.GET.get("lon", ""),
            },
            questions=questions,
            anonymous=anonymous,
            on_behalf=on_behalf,
        )
    return render(
        request,
        "reports/report_form.html",
        {
            "form": form,
            "category": category,
            "duplicates": duplicates,
            "on_behalf": on_behalf,
        },
    )


def duplicates_partial(request, code):
    """htmx: open reports of the category near the point being placed."""
    category = get_object_or_404(Category, code=code)
    try:
        from parvis.core.territories import validate_coordinates

        lat, lon = validate_coordinates(request.GET.get("lat"), request.GET.get("lon"))
    except ValidationError:
        return HttpResponse("")
    found = selectors.duplicates_near(category=category, lat=lat, lon=lon)
    return render(request, "reports/_duplicates.html", {"duplicates": found, "category": category})


def report_confirm(request, token):
    try:
        report = services.report_confirm(token)
    except ValidationError as exc:
        return render(
            request, "core/message.html", {"title": _("Lien invalide"), "text": _errors(exc)}, status=400
        )
    messages.success(request, _("Votre signalement est confirmé et transmis au service concerné. Merci !"))
    return redirect(report)


FOLLOWUP_ACTIONS = ("fixed", "not_fixed", "unsubscribe", "subscribe")


def report_followup(request, token):
    """The anonymous author's page behind the signed link of their e-mails (no account needed)."""
    try:
        report = services.report_for_followup(token)
    except ValidationError as exc:
        return render(
            request, "core/message.html", {"title": _("Lien invalide"), "text": _errors(exc)}, status=400
        )
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            check_rate(request, "write")
            if action not in FOLLOWUP_ACTIONS:
                raise ValidationError(_("Action inconnue."))
            if action in ("fixed", "not_fixed"):
                services.report_anonymous_feedback(
                    token=token, fixed=action == "fixed", note=request.POST.get("note", "")
                )
                messages.success(request, _("Merci, votre retour a été transmis au service."))
            else:
                services.report_anonymous_updates(token=token, subscribe=action == "subscribe")
                messages.success(
                    request,
                    _("Vous recevrez de nouveau les nouvelles de ce signalement.")
                    if action == "subscribe"
                    else _("C'est noté : vous ne recevrez plus de nouvelles de ce signalement."),
                )
            return redirect(request.path)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
            status = 400
        except RateLimited as exc:
            messages.error(request, str(exc))
            status = 429
        report.refresh_from_db()
    return render(
        request,
        "reports/followup.html",
        {
            "report": report,
            "events": [e for e in report.events.all() if e.public],
            "feedback": feedback_open(report),
        },
        status=status,
    )


def report_detail(request, pk):
    report = selectors.report_detail(pk)
    if report is not None and report.is_hidden and not can_see(request.user, report):
        return render(  # the page says it was hidden and why, as ideas and budget do (decision 0141)
            request,
            "core/message.html",
            {
                "title": _("Signalement masqué"),
                "text": _("Ce signalement a été masqué par la modération : %(reason)s")
                % {"reason": report.hidden_reason},
            },
            status=410,
        )
    if report is None or not can_see(request.user, report):
        raise Http404(_("Ce signalement n'existe pas ou n'est pas public."))
    events = [e for e in report.events.all() if e.public]
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "events": events,
            "following": selectors.is_following(report, request.user),
            "can_manage": can_manage(request.user, report),
            "feedback": feedback_open(report),
            "before_photos": [p for p in report.photos.all() if p.kind == "before"],
            "after_photos": [p for p in report.photos.all() if p.kind == "after"],
            "answers": _answers_display(report),
        },
    )


def _answers_display(report):
    questions = report.campaign.questions.all() if report.campaign_id else report.category.questions.all()
    out = []
    for q in questions:
        if q.code in (report.answers or {}):
            value = report.answers[q.code]
            labels = dict(q.choice_pairs)
            if isinstance(value, list):
                value = ", ".join(labels.get(v, v) for v in value)
            else:
                value = labels.get(str(value), value)
            out.append((q.label, value))
    return out


def _participate(request, pk, action):
    report = get_object_or_404(Report, pk=pk)
    if not request.user.is_authenticated:
        return redirect(f"{_login_url()}?next={report.get_absolute_url()}")
    try:
        action(report)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
    return redirect(report)


def _login_url():
    return reverse("core:login")


@require_POST
def report_follow(request, pk):
    def act(report):
        if request.POST.get("unfollow"):
            services.report_unfollow(report=report, user=request.user)
            messages.success(request, _("Vous ne suivez plus ce signalement."))
        else:
            services.report_follow(report=report, user=request.user)
            messages.success(request, _("Vous suivez ce signalement : vous serez prévenu·e de chaque étape."))

    return _participate(request, pk, act)


@require_POST
def report_thank(request, pk):
    def act(report):
        services.report_thank(report=report, user=request.user)
        messages.success(request, _("Merci transmis aux agents."))

    return _participate(request, pk, act)


@require_POST
def report_feedback(request, pk):
    def act(report):
        fixed = request.POST.get("fixed") == "1"
        services.report_resident_feedback(
            report=report, user=request.user, fixed=fixed, note=request.POST.get("note", "")
        )
        messages.success(request, _("Merci, votre retour a été transmis au service."))

    return _participate(request, pk, act)


# --- Open data exports -----------------------------------------------------------------------------

EXPORT_FIELDS = [
    "id",
    "category_code",
    "category",
    "status",
    "created_at",
    "closed_at",
    "lat",
    "lon",
    "district",
    "neighbourhood",
    "service",
    "description",
]


def _export_rows(qs):
    for r in (
        qs.select_related("category", "district", "neighbourhood", "service").order_by("id").iterator(2000)
    ):
        yield [
            r.pk,
            r.category.code,
            r.category.name,
            r.status,
            r.created_at.isoformat(timespec="seconds"),
            r.closed_at.isoformat(timespec="seconds") if r.closed_at else "",
            round(r.lat, 6),
            round(r.lon, 6),
            r.district.code if r.district else "",
            r.neighbourhood.name if r.neighbourhood else "",
            r.service.name if r.service else "",
            r.description,
        ]


def export(request, fmt):
    """Public reports for open data, without personal data (no name, e-mail, phone, photos)."""
    if fmt not in ("csv", "geojson"):
        raise Http404
    try:
        filters = selectors.parse_filters(request.GET)
    except ValidationError as exc:
        return HttpResponse(_errors(exc), status=400, content_type="text/plain; charset=utf-8")
    qs = selectors.public_reports(filters)
    if fmt == "csv":
        return exports.csv_response(EXPORT_FIELDS, _export_rows(qs), filename="signalements.csv")
    features = (
        exports.feature(exports.point(props["lat"], props["lon"]), props)
        for props in (dict(zip(EXPORT_FIELDS, row, strict=True)) for row in _export_rows(qs))
    )
    return exports.geojson_response(features, filename="signalements.geojson")


def map_geojson(request):
    try:
        data = selectors.map_geojson(selectors.parse_filters(request.GET))
    except ValidationError as exc:
        return JsonResponse({"detail": _errors(exc)}, status=400)
    return JsonResponse(data)


# --- Back office -----------------------------------------------------------------------------------


def _back_office(request):
    if not request.user.is_authenticated:
        return False
    ensure_back_office(request.user)
    return True


def _queue_filters(request, user) -> selectors.QueueFilters:
    def as_int(name):
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() else None

    return selectors.QueueFilters(
        service=as_int("service"),
        district=request.GET.get("district", ""),
        category=request.GET.get("category", ""),
        status=request.GET.get("status", "open") or "open",
        min_age_days=as_int("age"),
        overdue=request.GET.get("overdue") == "1",
        mine=request.GET.get("mine") == "1",
    )


@login_required
def agent_queue(request):
    _back_office(request)
    f = _queue_filters(request, request.user)
    try:
        qs = selectors.queue(request.user, f)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        qs = selectors.queue(request.user, selectors.QueueFilters())
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    services_qs = Service.objects.all() if sees_every_service(request.user) else request.user.services.all()
    return render(
        request,
        "reports/agent_queue.html",
        {
            "page": page,
            "f": f,
            "services": services_qs,
            "districts": _districts(),
            "categories": _leaf_tree(),
            "statuses": Status.choices,
            "now": timezone.now(),
            "query": request.GET.urlencode(),
            "can_configure": can_configure_categories(request.user),
        },
    )


@login_required
@require_POST
def agent_bulk(request):
    _back_office(request)
    ids = [i for i in request.POST.getlist("report") if i.isdigit()]
    action = request.POST.get("action", "status")
    try:
        if action == "merge":
            original_id = request.POST.get("original", "")
            if not original_id.isdigit():
                raise ValidationError(_("Indiquez le numéro du signalement à garder."))
            original = get_object_or_404(Report, pk=int(original_id))
            dups = list(Report.objects.filter(pk__in=ids))
            services.report_merge(original=original, duplicates=dups, actor=request.user)
            messages.success(
                request,
                _("%(n)d signalement(s) rattaché(s) au n°%(o)d.")
                % {"n": len([d for d in dups if d.pk != original.pk]), "o": original.pk},
            )
        else:
            planned = request.POST.get("planned_for") or None
            import datetime as dt

            try:
                planned = dt.date.fromisoformat(planned) if planned else None
            except ValueError:
                raise ValidationError(_("Date invalide (format AAAA-MM-JJ)."))
            n = services.report_bulk_status(
                report_ids=ids,
                actor=request.user,
                status=request.POST.get("status", ""),
                note=request.POST.get("note", ""),
                planned_for=planned,
                public_reason=request.POST.get("public_reason", ""),
            )
            messages.success(request, _("%(n)d signalement(s) mis à jour.") % {"n": n})
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("reports:agent_queue")
    return redirect(target)


@login_required
def agent_report(request, pk):
    _back_office(request)
    report = selectors.report_detail(pk)
    if report is None:
        raise Http404
    ensure(request.user, Action.MANAGE, report)
    form = StatusForm(initial={"status": report.status})
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "status":
                form = StatusForm(request.POST, request.FILES)
                if not form.is_valid():
                    raise ValidationError([e for errs in form.errors.values() for e in errs])
                d = form.cleaned_data
                duplicate_of = None
                if d.get("duplicate_of"):
                    duplicate_of = Report.objects.filter(pk=d["duplicate_of"]).first()
                    if duplicate_of is None:
                        raise ValidationError(
                            _("Le signalement n°%(n)d n'existe pas.") % {"n": d["duplicate_of"]}
                        )
                services.report_set_status(
                    report=report,
                    actor=request.user,
                    status=d["status"],
                    note=d["note"],
                    planned_for=d.get("planned_for"),
                    public_reason=d["public_reason"],
                    duplicate_of=duplicate_of,
                    after_photo=d.get("after_photo"),
                )
            elif action == "reroute":
                category = Category.objects.filter(code=request.POST.get("category", "")).first()
                service = Service.objects.filter(pk=request.POST.get("service") or 0).first()
                services.report_reroute(
                    report=report,
                    actor=request.user,
                    category=category,
                    service=service,
                    note=request.POST.get("note", ""),
                )
            elif action == "assign":
                agent_id = request.POST.get("agent", "")
                agent = User.objects.filter(pk=agent_id).first() if agent_id.isdigit() else None
                services.report_assign(report=report, actor=request.user, agent=agent)
            elif action == "comment":
                services.report_comment(report=report, actor=request.user, note=request.POST.get("note", ""))
            else:
                raise ValidationError(_("Action inconnue."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, _("Signalement mis à jour."))
            return redirect("reports:manage", pk=report.pk)
    agents = User.objects.filter(services__id=report.service_id, is_active=True) if report.service_id else []
    nearby = selectors.duplicates_near(
        category=report.category,
        lat=report.lat,
        lon=report.lon,
        exclude_id=report.pk,
        radius_m=max(report.category.duplicate_radius_m, 100),
    )
    return render(
        request,
        "reports/agent_report.html",
        {
            "report": report,
            "form": form,
            "agents": agents,
            "services": Service.objects.all(),
            "categories": _leaf_tree(),
            "nearby": nearby,
            "events": report.events.all(),
            "answers": _answers_display(report),
        },
    )


@login_required
def admin_categories(request):
    """City admins: the category tree with each one's settings and routing rules."""
    ensure_can_configure_categories(request.user)
    return render(request, "reports/admin_categories.html", {"tree": selectors.category_tree_for_admin()})


@login_required
def admin_category(request, pk):
    """City admins: a category's target time, duplicate radius, map visibility and routing rules."""
    ensure_can_configure_categories(request.user)
    category = get_object_or_404(Category.objects.select_related("parent", "service"), pk=pk)
    status, typed = 200, {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "settings":
                typed = request.POST
                services.category_update_settings(
                    actor=request.user,
                    category=category,
                    target_hours=request.POST.get("target_hours"),
                    duplicate_radius_m=request.POST.get("duplicate_radius_m"),
                    resolved_visible_days=request.POST.get("resolved_visible_days"),
                )
                messages.success(request, _("Réglages enregistrés."))
            elif action == "add_rule":
                services.routing_rule_add(
                    actor=request.user,
                    category=category,
                    service_id=request.POST.get("service"),
                    territory_id=request.POST.get("territory"),
                )
                messages.success(request, _("Règle d'aiguillage ajoutée."))
            elif action == "remove_rule":
                services.routing_rule_remove(
                    actor=request.user, category=category, rule_id=request.POST.get("rule")
                )
                messages.success(request, _("Règle d'aiguillage retirée."))
            else:
                raise ValidationError(_("Action inconnue."))
            return redirect("reports:admin_category", pk=category.pk)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
            status = 400
            category.refresh_from_db()
    rules = category.routing_rules.select_related("territory", "service").order_by(
        "territory__level", "territory__name"
    )
    return render(
        request,
        "reports/admin_category.html",
        {
            "category": category,
            "rules": rules,
            "typed": typed,
            "services": in_french_order(Service.objects.all()),
            "districts": _districts(),
            "priority_areas": in_french_order(Territory.objects.filter(level=TerritoryLevel.PRIORITY)),
            "limits": services.CATEGORY_SETTING_LIMITS,
        },
        status=status,
    )


@login_required
def agent_stats(request):
    _back_office(request)
    import datetime as dt

    by = request.GET.get("by", "category")
    since = until = None
    try:
        if "since" not in request.GET:  # the last twelve months unless asked otherwise (empty: all time)
            since = timezone.localdate() - dt.timedelta(days=365)
        else:
            since = dt.date.fromisoformat(request.GET["since"]) if request.GET["since"] else None
        until = dt.date.fromisoformat(request.GET["until"]) if request.GET.get("until") else None
        rows = selectors.statistics(by=by, since=since, until=until)
    except (ValueError, ValidationError) as exc:
        messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else _("Date invalide."))
        by, rows = "category", selectors.statistics(by="category")
    if request.GET.get("format") == "csv":
        keys = ["key", "label", "total", "open", "closed", "median_hours", "p90_hours", "overdue_share"]
        return exports.csv_response(
            ["code", "nom", "total", "ouverts", "clos", "mediane_heures", "p90_heures", "part_en_retard_pct"],
            ([r[k] for k in keys] for r in rows),
            filename=f"statistiques-{by}.csv",
        )
    biggest = max([r["total"] for r in rows] or [1])
    for r in rows:
        r["bar"] = round(100 * r["total"] / biggest)
    return render(
        request,
        "reports/agent_stats.html",
        {"rows": rows, "by": by, "since": since, "until": until, "query": request.GET.urlencode()},
    )


# --- Campaigns -------------------------------------------------------------------------------------


def campaign_list(request):
    return render(
        request,
        "reports/campaign_list.html",
        {"campaigns": Campaign.objects.filter(published=True).order_by("-starts_at"), "now": timezone.now()},
    )


def _campaign(slug, user):
    campaign = get_object_or_404(Campaign.objects.select_related("category"), slug=slug)
    if not campaign.published and not can_manage_campaign(user):
        raise Http404
    return campaign


def campaign_detail(request, slug):
    campaign = _campaign(slug, request.user)
    results = campaign_services.campaign_results(campaign)
    proposals = []
    if campaign.kind == Campaign.Kind.CODESIGN:
        proposals = (
            Contribution.objects.filter(campaign=campaign, hidden_at__isnull=True)
            .select_related("author")
            .prefetch_related(Prefetch("comments", queryset=_visible_comments()))
            .order_by("-support_count", "created_at")
        )
    form = ProposalForm()
    if request.method == "POST" and campaign.kind == Campaign.Kind.CODESIGN:
        if not request.user.is_authenticated:
            return redirect(f"{_login_url()}?next={campaign.get_absolute_url()}")
        form = ProposalForm(request.POST)
        if form.is_valid():
            try:
                check_rate(request, "write")
                campaign_services.contribution_create(
                    campaign=campaign, author=request.user, **form.cleaned_data
                )
            except (ValidationError, PermissionDenied, RateLimited) as exc:
                form.add_error(None, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
            else:
                messages.success(request, _("Merci, votre proposition est sur la carte."))
                return redirect(campaign)
    from shapely.geometry import mapping

    from .campaigns import campaign_geometry

    geometry = campaign_geometry(campaign)
    return render(
        request,
        "reports/campaign_detail.html",
        {
            "campaign": campaign,
            "results": results,
            "proposals": proposals,
            "form": form,
            "is_open": campaign.is_open(),
            "can_manage_campaign": can_manage_campaign(request.user),
            "perimeter": json.dumps(mapping(geometry)) if geometry is not None else "",
            "heat": json.dumps(results["points"][:5000]),
        },
    )


def _visible_comments():
    from .models import Comment

    return Comment.objects.filter(hidden_at__isnull=True).select_related("author")


@require_POST
def proposal_support(request, slug, pk):
    campaign = _campaign(slug, request.user)
    contribution = get_object_or_404(Contribution, pk=pk, campaign=campaign)
    if not request.user.is_authenticated:
        return redirect(f"{_login_url()}?next={campaign.get_absolute_url()}")
    try:
        if request.POST.get("undo"):
            campaign_services.contribution_unsupport(contribution=contribution, user=request.user)
        else:
            campaign_services.contribution_support(contribution=contribution, user=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
    return redirect(contribution.get_absolute_url())


@require_POST
def proposal_comment(request, slug, pk):
    campaign = _campaign(slug, request.user)
    contribution = get_object_or_404(Contribution, pk=pk, campaign=campaign)
    if not request.user.is_authenticated:
        return redirect(f"{_login_url()}?next={campaign.get_absolute_url()}")
    try:
        check_rate(request, "write")
        campaign_services.comment_create(
            contribution=contribution, author=request.user, body=request.POST.get("body", "")
        )
    except (ValidationError, PermissionDenied, RateLimited) as exc:
        messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
    return redirect(contribution.get_absolute_url())


def campaign_report(request, slug):
    """An information-request campaign: the report form with the campaign's questions."""
    campaign = _campaign(slug, request.user)
    if campaign.kind != Campaign.Kind.INFORMATION:
        raise Http404
    questions = list(campaign.questions.all())
    anonymous = not request.user.is_authenticated
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, questions=questions, anonymous=anonymous)
        if form.is_valid():
            d = form.cleaned_data
            try:
                check_rate(request, "write")
                report, _created = services.report_create(
                    draft=services.ReportDraft(
                        category_code="",
                        lat=d.get("lat"),
                        lon=d.get("lon"),
                        address=d.get("address", ""),
                        territory_code=d.get("territory", ""),
                        description=d.get("description", ""),
                        answers=form.answers(),
                        photos=request.FILES.getlist("photos"),
                        photo_alt=d.get("photo_alt", ""),
                        email=d.get("email", ""),
                        name=d.get("name", ""),
                        client_token=d.get("client_token"),
                    ),
                    author=None if anonymous else request.user,
                    campaign=campaign,
                )
            except (ValidationError, RateLimited) as exc:
                form.add_error(None, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
            else:
                if report.confirmed_at is None:
                    return render(request, "reports/check_email.html", {"report": report})
                messages.success(request, _("Merci pour votre contribution !"))
                return redirect(campaign)
    else:
        form = ReportForm(
            initial={"client_token": uuid.uuid4().hex}, questions=questions, anonymous=anonymous
        )
    return render(
        request,
        "reports/report_form.html",
        {"form": form, "category": campaign.category, "campaign": campaign, "duplicates": []},
    )


@login_required
@require_POST
def campaign_close(request, slug):
    campaign = _campaign(slug, request.user)
    try:
        campaign_services.campaign_close(
            campaign=campaign, actor=request.user, statement=request.POST.get("statement", "")
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
    return redirect(campaign)


def campaign_export(request, slug, fmt):
    """Contributions without personal data."""
    if fmt not in ("csv", "geojson"):
        raise Http404
    campaign = _campaign(slug, request.user)
    if campaign.kind == Campaign.Kind.INFORMATION:
        header = ["id", "created_at", "lat", "lon", "neighbourhood", "status", "answers", "description"]
        rows = [
            [
                r.pk,
                r.created_at.isoformat(timespec="seconds"),
                round(r.lat, 6),
                round(r.lon, 6),
                r.neighbourhood.name if r.neighbourhood else "",
                r.status,
                json.dumps(r.answers, ensure_ascii=False),
                r.description,
            ]
            for r in Report.objects.filter(
                campaign=campaign, confirmed_at__isnull=False, hidden_at__isnull=True
            )
            .select_related("neighbourhood")
            .order_by("id")
        ]
    else:
        header = ["id", "created_at", "lat", "lon", "neighbourhood", "title", "body", "supports"]
        rows = [
            [
                c.pk,
                c.created_at.isoformat(timespec="seconds"),
                round(c.lat, 6),
                round(c.lon, 6),
                c.neighbourhood.name if c.neighbourhood else "",
                c.title,
                c.body,
                c.support_count,
            ]
            for c in Contribution.objects.filter(campaign=campaign, hidden_at__isnull=True)
            .select_related("neighbourhood")
            .order_by("id")
        ]
    filename = f"campagne-{campaign.slug}.{fmt}"
    if fmt == "csv":
        return exports.csv_response(header, rows, filename=filename)
    features = (
        exports.feature(exports.point(row[2], row[3]), dict(zip(header, row, strict=True))) for row in rows
    )
    return exports.geojson_response(features, filename=filename)


def campaign_geojson(request, slug):
    campaign = _campaign(slug, request.user)
    if campaign.kind == Campaign.Kind.INFORMATION:
        items = [
            (r.lat, r.lon, r.category.name if r.category_id else "", f"/signalements/{r.pk}/")
            for r in Report.objects.filter(
                campaign=campaign, confirmed_at__isnull=False, hidden_at__isnull=True
            ).select_related("category")
        ]
    else:
        items = [
            (c.lat, c.lon, f"{c.title} ({c.support_count})", f"#proposition-{c.pk}")
            for c in Contribution.objects.filter(campaign=campaign, hidden_at__isnull=True)
        ]
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "properties": {"title": title, "url": url},
                }
                for lat, lon, title, url in items
            ],
        }
    )


def search_categories(request):
    """JSON for the category search box (progressive enhancement of the category page)."""
    q = (request.GET.get("q") or "").strip().lower()
    found = []
    for family, leaves in _leaf_tree():
        for c in leaves:
            if not q or q in c.name.lower() or q in c.keywords.lower() or q in family.name.lower():
                found.append({"code": c.code, "name": c.name, "family": family.name, "icon": c.icon})
    return JsonResponse({"results": found[:30]})
