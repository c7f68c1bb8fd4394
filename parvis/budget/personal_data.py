"""What the participatory budget holds about a person: for the data export and for account deletion."""

from .models import Ballot, Comment, DistrictChoice, Project, Support


def export(user) -> dict:
    """The person's ideas, comments, supports and ballots (personal-data export)."""
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


def anonymise(user) -> None:
    """Public contributions stay, credited to « Compte supprimé » (the account itself is anonymised);
    the name of a resident met in person by this mediator goes. Ballots, district choices and
    supports stay on the anonymised account: they are counted, and one ballot per voter still holds,
    but nothing links them to the person any more."""
    Project.objects.filter(assisted_by=user).exclude(resident_name="").update(resident_name="")
