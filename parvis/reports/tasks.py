"""Background work of the reports module."""

from django_tasks import task


@task()
def notify_service_of_new_report(report_id: int) -> None:
    """Tell the agents of the report's service; run after the request so that reporting stays fast."""
    from .models import Report
    from .services import notify_service_new

    related = ("category", "district", "neighbourhood")
    report = Report.objects.select_related(*related).filter(pk=report_id).first()
    if report is not None and report.confirmed_at is not None:
        notify_service_new(report)
