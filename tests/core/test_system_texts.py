"""Texts the system writes when an event happens are stored as a kind plus data and shown in the
reader's language: a French timeline entry or notification reads in English for an English reader."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.utils import translation
from django.utils.translation import gettext_lazy, gettext_noop

from parvis.core.models import Notification
from parvis.core.notifications import notify
from parvis.core.texts import SystemText, texts_data, texts_render
from parvis.reports import services
from parvis.reports.models import ReportEvent, Status
from tests.factories import make_agent, make_service, make_user
from tests.reports.factories import make_report, make_tree

DAY = datetime.date(2026, 12, 15)


def test_a_text_is_written_in_the_active_language():
    data = texts_data(
        [SystemText(gettext_noop("Intervention prévue le %(date)s."), date=DAY), "", "Texte saisi"]
    )
    assert data[0] == {
        "msgid": "Intervention prévue le %(date)s.",
        "params": {"date": {"date": "2026-12-15"}},
    }
    with translation.override("en"):
        assert texts_render(data) == "Intervention planned on Dec. 15, 2026.\nTexte saisi"
    with translation.override("fr"):
        assert texts_render(data) == "Intervention prévue le 15 décembre 2026.\nTexte saisi"


def test_a_choice_label_is_stored_as_its_source_even_when_written_in_english():
    with translation.override("en"):
        data = texts_data(
            [SystemText(gettext_noop("Signalement n°%(n)d : %(status)s"), n=3, status=Status.DONE.label)]
        )
    assert data[0]["params"]["status"] == {"t": "Résolu"}
    with translation.override("fr"):
        assert texts_render(data) == "Signalement n°3 : Résolu"
    assert gettext_lazy  # the labels of choices are lazy translations


@pytest.mark.django_db
def test_report_timeline_and_notifications_in_the_reader_language(client, paris):
    service = make_service()
    _f, _k, leaf = make_tree(service=service)
    agent = make_agent(service=service)
    reader = make_user()
    report = make_report(category=leaf)
    services.report_follow(report=report, user=reader)
    with translation.override("fr"):  # the agent works in French
        services.report_set_status(report=report, actor=agent, status=Status.SCHEDULED, planned_for=DAY)
    event = ReportEvent.objects.filter(report=report).latest("id")
    assert event.note == ""
    note = Notification.objects.get(recipient=reader)
    assert note.title == f"Signalement n°{report.pk} : Programmé"  # French kept for readers of raw rows
    client.force_login(reader)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Intervention planned on Dec. 15, 2026." in page
    assert "Intervention prévue" not in page
    notes = client.get("/compte/notifications/").content.decode()
    assert f"Report no. {report.pk}: " in notes
    assert "Signalement n°" not in notes
    assert "Intervention planned on Dec. 15, 2026." in notes


@pytest.mark.django_db
def test_plain_notifications_keep_their_text():
    user = make_user()
    notify(recipients=[user], kind="core.account", title="Bienvenue", body="Texte")
    note = Notification.objects.get()
    assert (note.message, note.title_text, note.body_text) == ({}, "Bienvenue", "Texte")


@pytest.mark.django_db
def test_the_migration_turns_old_french_notes_into_data(paris):
    report = make_report()
    old = {
        "planned": "Passer par la cour.\nIntervention prévue le 15/12/2026.",
        "taken": "Pris en charge par le service.",
        "merged": "Le signalement n°12 a été rattaché à celui-ci.",
        "rerouted": "Requalifié : Nid de poule, Voirie.\nMauvaise catégorie.",
        "typed": "Un message de la ville.",
    }
    events = {k: ReportEvent.objects.create(report=report, kind="comment", note=v) for k, v in old.items()}
    migration = importlib.import_module("parvis.reports.migrations.0008_event_message")
    migration.forwards(apps, None)
    for e in events.values():
        e.refresh_from_db()
    assert events["planned"].note == "Passer par la cour."
    assert events["typed"].message == []
    with translation.override("en"):
        assert events["planned"].text == "Intervention planned on Dec. 15, 2026.\nPasser par la cour."
        assert events["taken"].text == "Taken in charge by the service."
        assert events["merged"].text == "Report no. 12 has been attached to this one."
        assert events["rerouted"].text.endswith("Mauvaise catégorie.")
        assert events["typed"].text == "Un message de la ville."
    with translation.override("fr"):
        assert events["rerouted"].text == old["rerouted"]


@pytest.mark.django_db
def test_the_email_is_written_in_the_recipient_language(paris, django_capture_on_commit_callbacks):
    from django.core import mail

    service = make_service()
    _f, _k, leaf = make_tree(service=service)
    agent = make_agent(service=service)
    reader = make_user(preferred_language="en")
    report = make_report(category=leaf)
    services.report_follow(report=report, user=reader)
    with translation.override("fr"), django_capture_on_commit_callbacks(execute=True):
        services.report_set_status(report=report, actor=agent, status=Status.SCHEDULED, planned_for=DAY)
    sent = [m for m in mail.outbox if m.to == [reader.email]]
    assert [m.subject for m in sent] == [f"Report no. {report.pk}: Scheduled"]
    assert "Intervention planned on Dec. 15, 2026." in sent[0].body
