"""What the participatory budget shows on the home page: an open vote first, then an open call for ideas."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parvis.core.modules import HomeCard, LiveItem

from .models import Envelope, Phase, PhaseKind

ACTIONS = {
    PhaseKind.VOTE: (_("Voter"), 0, "budget:vote"),
    PhaseKind.IDEAS: (_("Proposer un projet"), 10, "budget:idea_create"),
    PhaseKind.COCONSTRUCTION: (_("Enrichir les projets"), 15, "budget:projects"),
}


def card(request) -> HomeCard:
    """The campaigns' phases open now in which a resident can act, with their deadline; the place is the
    resident's district when it has its own envelope in the campaign. Two queries."""
    now = timezone.now()
    phases = list(
        Phase.objects.filter(kind__in=list(ACTIONS), starts_at__lte=now)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .select_related("campaign")
        .order_by("starts_at")
    )
    district_id = getattr(request.user, "home_district_id", None)
    district_envelopes = {}
    if phases and district_id:
        district_envelopes = {
            e.campaign_id: e
            for e in Envelope.objects.filter(
                campaign__in=[p.campaign_id for p in phases], territory_id=district_id
            ).select_related("territory")
        }
    items = []
    for phase in phases:
        action, rank, url_name = ACTIONS[phase.kind]
        envelope = district_envelopes.get(phase.campaign_id)
        items.append(
            LiveItem(
                title=phase.campaign.title,
                url=reverse(url_name, args=[phase.campaign.slug]),
                action=str(action),
                ends_at=phase.ends_at,
                place=envelope.territory.name if envelope else "",
                rank=rank,
            )
        )
    return HomeCard(items=tuple(items))
