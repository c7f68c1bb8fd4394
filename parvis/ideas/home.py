"""What the ideas module shows on the home page: the consultations open to contributions now."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.core.modules import HomeCard, LiveItem

from .models import Consultation, ScopeKind

#: At most this many consultations on the home page (the module's page lists them all).
HOME_LIMIT = 4


def card(request) -> HomeCard:
    """Consultations taking ideas or discussing them now, those closing first; for a resident whose
    home is known, only the city-wide ones, those drawn on a map and those of their district or
    neighbourhood. Two queries whatever the number of consultations."""
    now = timezone.now()
    user = request.user
    taking_ideas = Q(is_permanent=True) | Q(ideas_end_at__gt=now)
    discussing = Q(ideas_end_at__lte=now, discussion_end_at__gt=now)
    qs = Consultation.objects.filter(taking_ideas | discussing, starts_at__lte=now)
    home = [
        t
        for t in (getattr(user, "home_district_id", None), getattr(user, "home_neighbourhood_id", None))
        if t
    ]
    if home:
        qs = qs.filter(
            Q(scope_kind__in=[ScopeKind.CITY, ScopeKind.PERIMETER]) | Q(territories__in=home)
        ).distinct()
    consultations = sorted(
        qs.prefetch_related("territories"),
        key=lambda c: (c.is_permanent, _deadline(c, now) or c.starts_at),
    )[:HOME_LIMIT]
    return HomeCard(items=tuple(_item(c, now) for c in consultations))


def _deadline(consultation: Consultation, now):
    if consultation.is_permanent:
        return None
    return consultation.ideas_end_at if consultation.ideas_end_at > now else consultation.discussion_end_at


def _item(consultation: Consultation, now) -> LiveItem:
    ideas_open = consultation.is_permanent or consultation.ideas_end_at > now
    return LiveItem(
        title=consultation.title,
        url=consultation.get_absolute_url(),
        action=_("Proposer une idée") if ideas_open else _("Soutenir et commenter les idées"),
        ends_at=_deadline(consultation, now),
        place=", ".join(t.name for t in consultation.territories.all()),
        rank=10 if ideas_open else 15,
    )
