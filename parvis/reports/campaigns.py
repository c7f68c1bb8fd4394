"""Campaigns: information requests (geolocated reports with the campaign's questions) and co-design
of a future development (proposals on a map, with supports and comments)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape
from shapely.ops import unary_union

from parvis.core import territories
from parvis.core.models import User

from .models import Campaign, Comment, Contribution, Report, Support
from .permissions import ensure_can_manage_campaign, ensure_can_participate


def campaign_geometry(campaign: Campaign):
    if campaign.perimeter:
        return shape(campaign.perimeter)
    shapes = [shape(t.geometry) for t in campaign.territories.all()]
    return unary_union(shapes) if shapes else None


def campaign_contains(campaign: Campaign, lat: float, lon: float) -> bool:
    geom = campaign_geometry(campaign)
    return geom is None or geom.intersects(Point(lon, lat))


def ensure_campaign_open(campaign: Campaign) -> None:
    now = timezone.now()
    if not campaign.published:
        raise ValidationError(_("Cette campagne n'est pas publiée."))
    if now < campaign.starts_at:
        raise ValidationError(_("Cette campagne n'a pas encore commencé."))
    if now >= campaign.ends_at:
        raise ValidationError(_("Cette campagne est terminée : elle ne reçoit plus de contributions."))


def validate_perimeter(geojson) -> dict:
    try:
        geom = shape(geojson)
    except Exception:  # shapely raises several types on malformed input
        raise ValidationError(_("Périmètre illisible : dessinez un polygone."))
    if geom.is_empty or geom.geom_type not in {"Polygon", "MultiPolygon"} or not geom.is_valid:
        raise ValidationError(_("Le périmètre doit être un polygone valide."))
    return geojson


@transaction.atomic
def contribution_create(*, campaign: Campaign, author: User, title: str, body: str, lat, lon) -> Contribution:
    """A proposal on a co-design campaign's map."""
    ensure_can_participate(author)
    if campaign.kind != Campaign.Kind.CODESIGN:
        raise ValidationError(_("Cette campagne ne reçoit pas de propositions."))
    ensure_campaign_open(campaign)
    title = (title or "").strip()
    body = (body or "").strip()
    if not title:
        raise ValidationError(_("Donnez un titre à votre proposition (par exemple « un banc ici »)."))
    if len(title) > 140:
        raise ValidationError(_("Le titre est trop long (140 caractères au plus)."))
    if len(body) > 2000:
        raise ValidationError(_("Les précisions sont trop longues (2 000 caractères au plus)."))
    lat_f, lon_f = territories.validate_coordinates(lat, lon)
    if not campaign_contains(campaign, lat_f, lon_f):
        raise ValidationError(_("Ce point est en dehors du périmètre du projet."))
    location = territories.locate(lat_f, lon_f)
    return Contribution.objects.create(
        campaign=campaign,
        author=author,
        title=title,
        body=body,
        lat=lat_f,
        lon=lon_f,
        neighbourhood_id=location.neighbourhood.id if location.neighbourhood else None,
    )


def contribution_support(*, contribution: Contribution, user: User) -> bool:
    """Support a proposal once; the counter moves in the same transaction as the support row."""
    ensure_can_participate(user)
    ensure_campaign_open(contribution.campaign)
    if contribution.is_hidden:
        raise ValidationError(_("Cette proposition a été masquée."))
    try:
        with transaction.atomic():
            Support.objects.create(contribution=contribution, user=user)
            Contribution.objects.filter(pk=contribution.pk).update(support_count=F("support_count") + 1)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def contribution_unsupport(*, contribution: Contribution, user: User) -> bool:
    deleted, _x = Support.objects.filter(contribution=contribution, user=user).delete()
    if deleted:
        Contribution.objects.filter(pk=contribution.pk).update(support_count=F("support_count") - 1)
    return bool(deleted)


def comment_create(*, contribution: Contribution, author: User, body: str) -> Comment:
    ensure_can_participate(author)
    ensure_campaign_open(contribution.campaign)
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Le commentaire est vide."))
    if len(body) > 2000:
        raise ValidationError(_("Le commentaire est trop long (2 000 caractères au plus)."))
    return Comment.objects.create(contribution=contribution, author=author, body=body)


def campaign_close(*, campaign: Campaign, actor: User, statement: str) -> Campaign:
    ensure_can_manage_campaign(actor)
    statement = (statement or "").strip()
    if not statement:
        raise ValidationError(_("Le bilan est vide."))
    campaign.closing_statement = statement[:8000]
    campaign.save(update_fields=["closing_statement"])
    return campaign


# --- Results ---------------------------------------------------------------------------------------


def campaign_results(campaign: Campaign) -> dict:
    """Counts by answer and by neighbourhood, points for the heat map, the most supported proposals."""
    if campaign.kind == Campaign.Kind.INFORMATION:
        items = Report.objects.filter(campaign=campaign, confirmed_at__isnull=False, hidden_at__isnull=True)
        points = list(items.values_list("lat", "lon"))
        by_answer = []
        answers = list(items.values_list("answers", flat=True))
        for q in campaign.questions.all():
            if q.kind not in ("choice", "multiple"):
                continue
            counts = dict.fromkeys([c for c, _label in q.choice_pairs], 0)
            for a in answers:
                value = (a or {}).get(q.code)
                for v in value if isinstance(value, list) else [value]:
                    if v in counts:
                        counts[v] += 1
            by_answer.append(
                {"question": q.label, "counts": [(label, counts[c]) for c, label in q.choice_pairs]}
            )
        top = []
    else:
        items = Contribution.objects.filter(campaign=campaign, hidden_at__isnull=True)
        points = list(items.values_list("lat", "lon"))
        by_answer = []
        top = list(
            items.select_related("author")
            .annotate(n_comments=Count("comments"))
            .order_by("-support_count", "created_at")[:10]
        )
    by_neighbourhood = list(items.values("neighbourhood__name").annotate(n=Count("id")).order_by("-n"))
    return {
        "total": len(points),
        "points": points,
        "by_answer": by_answer,
        "by_neighbourhood": by_neighbourhood,
        "top": top,
    }
