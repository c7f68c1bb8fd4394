"""Anonymous authors follow up their own report through the signed link of their e-mails."""

import html
import time
from unittest import mock

import pytest
from django.core import mail, signing

from parvis.core.models import Notification
from parvis.reports import services
from parvis.reports.models import Report, ReportEvent, Status
from tests.factories import make_agent, make_service

from .factories import REPUBLIQUE, make_tree

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"


@pytest.fixture
def setup(paris, django_capture_on_commit_callbacks):
    service = make_service()
    _f, _k, leaf = make_tree(service=service)
    agent = make_agent(service=service)
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = services.report_create(
            draft=services.ReportDraft(
                category_code=leaf.code,
                lat=REPUBLIQUE[0],
                lon=REPUBLIQUE[1],
                description="Un matelas.",
                email="ines@example.org",
            )
        )
    return agent, report


def text(content: str) -> str:
    return html.unescape(content)


def link_in(message, marker):
    line = next(line for line in message.body.splitlines() if marker in line)
    return line.strip().replace(SITE, "")


def confirm(client, report):
    response = client.get(link_in(mail.outbox[0], "/confirmer/"))
    assert response.status_code == 302
    report.refresh_from_db()


def test_confirmation_mail_carries_a_followup_link_that_works(
    client, setup, django_capture_on_commit_callbacks
):
    agent, report = setup
    url = link_in(mail.outbox[0], "/suivi/")
    # Before confirmation the page explains; the feedback is refused and changes nothing.
    page = client.get(url)
    assert page.status_code == 200
    assert "pas encore confirmé" in text(page.content.decode())
    refused = client.post(url, {"action": "fixed"})
    assert refused.status_code == 400
    assert "Confirmez d'abord" in text(refused.content.decode())
    assert not ReportEvent.objects.filter(report=report, kind="fixed").exists()
    confirm(client, report)

    # "It is fixed" on an open report: a timeline entry and the service is told.
    response = client.post(url, {"action": "fixed", "note": "Plus rien ce matin."})
    assert response.status_code == 302
    event = ReportEvent.objects.get(report=report, kind="fixed")
    assert event.actor is None
    assert event.note == "Plus rien ce matin."
    assert Notification.objects.filter(recipient=agent, kind="reports.feedback").exists()
    assert "Merci" in text(client.get(url).content.decode())

    # "It is not fixed" is only for a resolved report; then it reopens it for review.
    refused = client.post(url, {"action": "not_fixed"})
    assert refused.status_code == 400
    assert "On ne peut rouvrir" in text(refused.content.decode())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_set_status(report=report, actor=agent, status=Status.DONE, note="Enlevé.")
    assert len(mail.outbox) == 1
    assert link_in(mail.outbox[0], "/suivi/").startswith("/signalements/suivi/")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "not_fixed", "note": "Toujours là."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.TO_HANDLE
    assert report.closed_at is None
    assert ReportEvent.objects.filter(report=report, kind="not_fixed", note="Toujours là.").exists()
    # The service is told; the author is not told of their own action.
    assert [m.to for m in mail.outbox] == [[agent.email]]


def test_unsubscribe_stops_the_mails_and_can_be_undone(client, setup, django_capture_on_commit_callbacks):
    agent, report = setup
    url = link_in(mail.outbox[0], "/suivi/")
    confirm(client, report)
    assert client.post(url, {"action": "unsubscribe"}).status_code == 302
    report.refresh_from_db()
    assert report.author_updates is False
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_set_status(report=report, actor=agent, status=Status.TO_HANDLE)
    assert ["ines@example.org"] not in [m.to for m in mail.outbox]
    assert client.post(url, {"action": "subscribe"}).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        services.report_set_status(report=report, actor=agent, status=Status.DONE)
    assert ["ines@example.org"] in [m.to for m in mail.outbox]
    bad = client.post(url, {"action": "delete-everything"})
    assert bad.status_code == 400
    assert "Action inconnue" in text(bad.content.decode())


def tampered_tokens(report):
    token = services.followup_token(report)
    payload, rest = token.split(":", 1)
    forged_payload = signing.dumps({"r": report.pk, "e": "other@example.org"}, salt=services.FOLLOWUP_SALT)
    return [
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature altered
        signing.dumps(
            {"r": report.pk, "e": report.author_email}, salt="parvis.reports.confirm"
        ),  # other salt
        forged_payload,  # well signed, but not this report's e-mail
        "nimportequoi",
    ]


def test_tampered_link_is_refused_and_changes_nothing(client, setup):
    _agent, report = setup
    confirm(client, report)
    events = ReportEvent.objects.filter(report=report).count()
    for token in tampered_tokens(report):
        url = f"/signalements/suivi/{token}/"
        assert client.get(url).status_code == 400
        response = client.post(url, {"action": "unsubscribe"})
        assert response.status_code == 400
        assert "n'est pas valide" in text(response.content.decode())
        assert client.post(url, {"action": "fixed"}).status_code == 400
    report.refresh_from_db()
    assert report.author_updates is True
    assert ReportEvent.objects.filter(report=report).count() == events


def test_expired_link_is_refused(client, setup):
    _agent, report = setup
    confirm(client, report)
    past = time.time() - services.FOLLOWUP_MAX_AGE - 60
    with mock.patch("django.core.signing.time.time", return_value=past):
        token = services.followup_token(report)
    response = client.post(f"/signalements/suivi/{token}/", {"action": "fixed"})
    assert response.status_code == 400
    assert "a expiré" in text(response.content.decode())
    assert not ReportEvent.objects.filter(report=report, kind="fixed").exists()
    # A link made a day ago still works.
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 86400):
        token = services.followup_token(report)
    assert client.get(f"/signalements/suivi/{token}/").status_code == 200


def test_no_followup_link_for_a_signed_in_author(paris):
    from .factories import make_report

    report = make_report()
    with pytest.raises(Exception, match="n'est pas valide"):
        services.report_for_followup(services.followup_token(report))
    assert Report.objects.count() == 1
