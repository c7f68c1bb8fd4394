"""What the ideas module holds about a person: for the data export and for account deletion."""

from .models import Comment, Follow, Idea, StatementVote, Support


def export(user) -> dict:
    return {
        "ideas": [
            {
                "id": i.pk,
                "title": i.title,
                "body": i.body,
                "created_at": i.created_at.isoformat(),
                "consultation": i.consultation.slug,
            }
            for i in Idea.objects.filter(author=user).select_related("consultation")
        ],
        "comments": [
            {"id": c.pk, "idea": c.idea_id, "body": c.body, "created_at": c.created_at.isoformat()}
            for c in Comment.objects.filter(author=user)
        ],
        "supports": list(Support.objects.filter(user=user).values_list("idea_id", flat=True)),
        "follows": list(Follow.objects.filter(user=user).values_list("idea_id", flat=True)),
        "opinion_votes": [
            {"statement": v.statement_id, "value": v.value} for v in StatementVote.objects.filter(user=user)
        ],
    }


def anonymise(user) -> None:
    """Public contributions stay, credited to « Compte supprimé »; following stops. Supports and
    votes stay on the anonymised account so that the counts others relied on do not change."""
    Follow.objects.filter(user=user).delete()
    Idea.objects.filter(author=user).update(assisted_for="")
