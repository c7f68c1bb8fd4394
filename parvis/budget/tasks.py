"""Background work of the participatory budget, run by ``parvis worker``."""

from datetime import datetime

from django_tasks import task


@task()
def reviews_publish_due(campaign_id: int) -> int:
    """Publish a campaign's recorded feasibility reviews once its review phase has ended.

    Idempotent: does nothing before the end of the phase or when everything is already published, so
    it may be enqueued many times (once per recorded review) and run alongside the page-load check."""
    from .models import Campaign
    from .services import reviews_publish_due as publish_due

    campaign = Campaign.objects.prefetch_related("phases").filter(pk=campaign_id).first()
    if campaign is None:
        return 0
    return publish_due(campaign=campaign)


def schedule_reviews_publication(campaign_id: int, at: datetime) -> None:
    """Ask the worker to publish the reviews at ``at`` (the end of the review phase). Backends that
    cannot defer a task (the immediate one used in tests) are skipped: the page-load check covers them."""
    if reviews_publish_due.get_backend().supports_defer:
        reviews_publish_due.using(run_after=at).enqueue(campaign_id)
