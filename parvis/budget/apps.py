from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetConfig(AppConfig):
    name = "parvis.budget"
    label = "budget"
    verbose_name = _("Budget participatif")

    def ready(self):
        from parvis.core import accounts

        accounts.EXPORTERS["budget"] = _export


def _export(user) -> dict:
    """The person's ideas, comments, supports and ballots (personal-data export)."""
    from .models import Ballot, Comment, DistrictChoice, Project, Support

    return {
        "ideas": [
            {
                "id": p.pk,
                "campaign": p.campaign.slug,
                "title": p.title,
                "body": p.body,
                "created_at": p.created_at.isoformat(),
            }
            for p in Project.objects.filter(author=user).select_related("campaign")
        ],
        "comments": [
            {"project": c.project_id, "body": c.body, "created_at": c.created_at.isoformat()}
            for c in Comment.objects.filter(author=user)
        ],
        "supports": list(Support.objects.filter(user=user).values_list("project_id", flat=True)),
        "district_choices": [
            {"campaign": d.campaign.slug, "envelope": d.envelope.slug}
            for d in DistrictChoice.objects.filter(voter=user).select_related("campaign", "envelope")
        ],
        "ballots": [
            {
                "campaign": b.envelope.campaign.slug,
                "envelope": b.envelope.slug,
                "choices": b.choices,
                "updated_at": b.updated_at.isoformat(),
            }
            for b in Ballot.objects.filter(voter=user).select_related("envelope__campaign")
        ],
    }
