"""Background work of the ideas module."""

from django_tasks import task


@task()
def opinion_map_refresh(consultation_id: int) -> None:
    """Recompute a consultation's opinion map (enqueued after votes, at most once a minute)."""
    from .models import Consultation
    from .services import opinion_map_refresh as refresh

    consultation = Consultation.objects.filter(pk=consultation_id, opinion_map_enabled=True).first()
    if consultation is not None:
        refresh(consultation=consultation)
