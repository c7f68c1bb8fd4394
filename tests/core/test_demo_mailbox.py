"""The demo's mailbox: e-mails kept under PARVIS_HOME and read back on /demo/courriels/ (demo only)."""

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest

from parvis.core.models import User

pytestmark = pytest.mark.django_db

MAILBOX = "/demo/courriels/"


@pytest.fixture
def demo_mode(settings, tmp_path):
    settings.PARVIS_IS_DEMO = True
    settings.EMAIL_BACKEND = "parvis.core.demo_mailbox.MailboxBackend"
    settings.PARVIS_MAILBOX_DIR = tmp_path / "mailbox"
    return tmp_path / "mailbox"


def test_a_new_account_reads_its_confirmation_in_the_demo_mailbox(
    client, demo_mode, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/compte/inscription/",
            {"email": "nadia@example.org", "password": "un-mot-de-passe-solide", "display_name": "Nadia"},
        )
    assert len(list(demo_mode.glob("*.eml"))) == 1
    account = client.get("/compte/").content.decode()
    assert f'href="{MAILBOX}?a=nadia%40example.org"' in account  # the unconfirmed account is shown where
    page = html.unescape(client.get(MAILBOX, {"a": "nadia@example.org"}).content.decode())
    assert "Confirmez votre adresse e-mail" in page
    assert "visible par tous les visiteurs" in page
    link = re.search(r"https?://[^/\s]+(/compte/confirmer/[^\s\"<]+/)", page).group(1)
    client.get(link)
    assert User.objects.get(email="nadia@example.org").email_confirmed
    other = client.get(MAILBOX, {"a": "quelqu-un@example.org"}).content.decode()
    assert "Aucun e-mail pour l'instant." in other


def test_the_mailbox_exists_only_in_demo_mode(client, settings):
    settings.PARVIS_IS_DEMO = False
    assert client.get(MAILBOX).status_code == 404
    assert MAILBOX not in client.get("/").content.decode()


def test_the_mailbox_is_linked_from_every_page_in_demo_mode(client, demo_mode):
    assert f'href="{MAILBOX}"' in client.get("/").content.decode()


def _settings_of(tmp_path, **env) -> dict:
    """Settings as a fresh process computes them (outside pytest, so not in test mode)."""
    script = (
        "import json; from django.conf import settings as s;"
        "print(json.dumps([s.EMAIL_BACKEND, s.TASKS['default']['BACKEND'], s.PARVIS_IS_DEMO]))"
    )
    environment = {
        "PATH": "/usr/bin:/bin",
        "PARVIS_HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "parvis.settings",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    environment.update(env)
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + script],
        env=environment, capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    import json

    return json.loads(out.strip().splitlines()[-1])


def test_a_demo_installation_keeps_its_mail_and_runs_tasks_without_a_worker(tmp_path):
    (tmp_path / "demo-installation").write_text("demo")
    assert _settings_of(tmp_path) == [
        "parvis.core.demo_mailbox.MailboxBackend",
        "django_tasks.backends.immediate.ImmediateBackend",
        True,
    ]


def test_an_ordinary_installation_prints_mail_and_queues_tasks(tmp_path):
    assert _settings_of(tmp_path) == [
        "django.core.mail.backends.console.EmailBackend",
        "django_tasks_db.DatabaseBackend",
        False,
    ]
