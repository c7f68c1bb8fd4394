"""What reports show on the home page: the campaigns calling for contributions now."""

from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.core.modules import HomeCard, LiveItem

from .campaigns import campaign_contains
from .models import Campaign


def card(request) -> HomeCard:
    """Published campaigns open now, closing first; for a resident whose home is known, those whose
    territories include it or whose drawn perimeter contains the home point. Two queries."""
    now = timezone.now()
    user = request.user
    campaigns = list(
        Campaign.objects.filter(published=True, starts_at__lte=now, ends_at__gt=now)
        .prefetch_related("territories")
        .order_by("ends_at")
    )
    home = {
        t
        for t in (getattr(user, "home_district_id", None), getattr(user, "home_neighbourhood_id", None))
        if t
    }
    if home:
        campaigns = [c for c in campaigns if _concerns(c, home, user)]
    return HomeCard(
        items=tuple(
            LiveItem(
                title=c.title,
                url=c.get_absolute_url(),
                action=_("Contribuer"),
                ends_at=c.ends_at,
                place=", ".join(t.name for t in c.territories.all()),
                rank=5,
            )
            for c in campaigns
        )
    )


def _concerns(campaign: Campaign, home: set[int], user) -> bool:
    territories = {t.id for t in campaign.territories.all()}
    if territories:
        return bool(territories & home)
    if campaign.perimeter and user.home_lat is not None:
        return campaign_contains(campaign, user.home_lat, user.home_lon)
    return True
