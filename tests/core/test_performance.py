"""What each response costs the network and the visitor: compression, the favicon, first visits."""

import gzip
import json

import pytest
from django.urls import reverse

from parvis import cli


@pytest.mark.django_db
def test_pages_and_json_are_compressed_for_clients_that_accept_gzip(client, paris):
    for url in [reverse("core:home"), "/api/openapi.json"]:
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert response.status_code == 200
        assert response["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response["Vary"]
        body = gzip.decompress(response.content)
        if "json" in response["Content-Type"]:
            assert "paths" in json.loads(body)
        else:
            assert b"<html" in body


@pytest.mark.django_db
def test_responses_stay_plain_for_clients_without_gzip(client):
    response = client.get(reverse("core:home"))
    assert not response.has_header("Content-Encoding")
    assert b"<html" in response.content


def test_static_files_are_not_recompressed(client):
    """WhiteNoise serves static files (with its own pre-compressed copies when deployed) before Django's
    compression: a static file is sent as WhiteNoise answers it."""
    response = client.get("/static/core/parvis.css", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    assert b"--accent" in b"".join(response.streaming_content)


@pytest.mark.django_db
def test_favicon_is_linked_from_every_page_and_answers_at_the_root(client):
    html = client.get(reverse("core:home")).content.decode()
    assert '<link rel="icon" href="/static/core/favicon.ico"' in html
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/core/favicon.ico"
    assert "max-age=86400" in response["Cache-Control"]
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file's header


def test_worker_runs_numpy_with_one_blas_thread(monkeypatch):
    """`parvis worker` sets one BLAS thread before Django (and numpy) start, unless told otherwise."""
    for name in cli.BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")
    seen = {}
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line",
        lambda argv: seen.update({name: cli.os.environ.get(name) for name in cli.BLAS_THREAD_VARIABLES}),
    )
    cli.main(["worker", "--batch"])
    assert seen == {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "3"}


@pytest.mark.django_db
def test_first_time_anonymous_visitor_costs_no_write(client):
    """A first-time anonymous visitor of a consultation page reads and writes nothing per visitor: no
    session row, only the two cookies the page needs (the CSRF token of its forms, the seed of its
    random order), and the same queries as a returning visitor. Decision 0171."""
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.ideas.factories import make_consultation

    consultation = make_consultation()
    url = reverse("ideas:consultation", args=[consultation.slug])
    client.get(url)  # an earlier visitor: the process's caches are warm
    client.cookies.clear()
    with CaptureQueriesContext(connection) as first:
        response = client.get(url)
    assert response.status_code == 200
    assert set(response.cookies) == {"csrftoken", "parvis_ideas_seed"}
    assert not Session.objects.exists()
    token = response.cookies["csrftoken"].value
    with CaptureQueriesContext(connection) as returning:
        response = client.get(url)
    assert "parvis_ideas_seed" not in response.cookies
    assert response.cookies["csrftoken"].value == token  # Django renews the same token's expiry
    writes = [q["sql"] for q in first.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []
    assert len(first.captured_queries) == len(returning.captured_queries)
