"""Open311 GeoReport v2: every method in JSON and XML, error cases, keys, and a third-party client."""

import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 - parses our own responses in tests

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from parvis.reports import services
from parvis.reports.models import Report, Status
from tests.factories import make_agent, make_service

from .factories import OUTSIDE, REPUBLIQUE, make_campaign, make_question, make_report, make_tree

pytestmark = pytest.mark.django_db
BASE = "/open311/v2/"
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def parse(response, fmt):
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        return json.loads(response.content)
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)  # noqa: S314


def errors_of(response, fmt):
    data = parse(response, fmt)
    if fmt == "json":
        return [(e["code"], e["description"]) for e in data]
    assert data.tag == "errors"
    return [(int(e.findtext("code")), e.findtext("description")) for e in data.findall("error")]


@pytest.fixture
def o311(paris):
    service = make_service()
    family, kind, leaf = make_tree(service=service)
    leaf.keywords = "sac, poubelle"
    leaf.save()
    make_question(
        category=leaf,
        code="volume",
        kind="choice",
        required=True,
        label="Volume",
        choices=[["small", "Petit"], ["big", "Gros"]],
    )
    make_question(category=leaf, code="when", kind="date", label="Depuis quand ?")
    key, secret = services.open311_key_create(name="Appli test")
    return {"service": service, "family": family, "kind": kind, "leaf": leaf, "key": secret}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery(client, fmt):
    data = parse(client.get(f"{BASE}discovery.{fmt}"), fmt)
    if fmt == "json":
        assert data["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert "application/json" in data["endpoints"][0]["formats"]
    else:
        assert data.tag == "discovery"
        assert data.find("endpoints/endpoint/specification").text == "http://wiki.open311.org/GeoReport_v2"
        assert [f.text for f in data.findall("endpoints/endpoint/formats/format")] == [
            "text/xml",
            "application/json",
        ]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_list_has_leaves_only_with_groups(client, o311, fmt):
    data = parse(client.get(f"{BASE}services.{fmt}"), fmt)
    if fmt == "json":
        codes = {s["service_code"]: s for s in data}
        assert codes[o311["leaf"].code]["metadata"] is True
        assert codes[o311["leaf"].code]["group"] == o311["family"].name
        assert codes[o311["leaf"].code]["keywords"] == "sac, poubelle"
    else:
        assert data.tag == "services"
        codes = {s.findtext("service_code"): s for s in data.findall("service")}
        assert codes[o311["leaf"].code].findtext("metadata") == "true"
        assert codes[o311["leaf"].code].findtext("type") == "realtime"
    assert o311["kind"].code not in codes
    assert o311["family"].code not in codes


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition_and_unknown(client, o311, fmt):
    data = parse(client.get(f"{BASE}services/{o311['leaf'].code}.{fmt}"), fmt)
    if fmt == "json":
        attrs = {a["code"]: a for a in data["attributes"]}
        assert attrs["volume"]["datatype"] == "singlevaluelist"
        assert attrs["volume"]["required"] is True
        assert attrs["volume"]["values"] == [
            {"key": "small", "name": "Petit"},
            {"key": "big", "name": "Gros"},
        ]
        assert attrs["when"]["datatype"] == "datetime"
    else:
        assert data.tag == "service_definition"
        attr = data.find("attributes/attribute")
        assert attr.findtext("code") == "volume"
        assert attr.findtext("variable") == "true"
        assert [v.findtext("key") for v in attr.findall("values/value")] == ["small", "big"]
    response = client.get(f"{BASE}services/nope.{fmt}")
    assert response.status_code == 404
    assert errors_of(response, fmt)[0][0] == 404


def post(client, fmt, **data):
    return client.post(f"{BASE}requests.{fmt}", data)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_request_creates_a_report(client, o311, fmt):
    response = post(
        client,
        fmt,
        api_key=o311["key"],
        service_code=o311["leaf"].code,
        lat=REPUBLIQUE[0],
        long=REPUBLIQUE[1],
        description="Sacs",
        email="x@example.org",
        first_name="Ana",
        last_name="B",
        **{"attribute[volume]": "big", "attribute[when]": "2026-11-20T08:00:00Z"},
        media_url="https://example.org/photo.jpg",
    )
    assert response.status_code == 200
    data = parse(response, fmt)
    if fmt == "json":
        request_id, token = data[0]["service_request_id"], data[0]["token"]
    else:
        assert data.tag == "service_requests"
        request_id, token = data.find("request/service_request_id").text, data.find("request/token").text
    assert isinstance(request_id, str)
    report = Report.objects.get(pk=int(request_id))
    assert report.source == "open311"
    assert report.answers == {"volume": "big", "when": "2026-11-20"}
    assert report.author_name == "Ana B"
    assert report.confirmed_at is not None
    assert report.media_url == "https://example.org/photo.jpg"
    # tokens/{token}
    data = parse(client.get(f"{BASE}tokens/{token}.{fmt}"), fmt)
    found = data[0]["service_request_id"] if fmt == "json" else data.find("request/service_request_id").text
    assert found == request_id
    assert client.get(f"{BASE}tokens/unknown.{fmt}").status_code == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"api_key": "o311_wrong"}, 403, "api_key"),
        ({"api_key": ""}, 403, "api_key"),
        ({"service_code": ""}, 400, "service_code"),
        ({"service_code": "inconnu"}, 404, "Service inconnu"),
        ({"lat": OUTSIDE[0], "long": OUTSIDE[1]}, 400, "en dehors"),
        ({"lat": "", "long": ""}, 400, "address_string"),
        ({"attribute[volume]": ""}, 400, "Volume"),
        ({"attribute[volume]": "huge"}, 400, "Choix inconnu"),
        ({"description": "x" * 5_000_000}, 400, "trop longue"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ],
)
def test_post_errors_create_nothing(client, o311, fmt, change, status, message):
    data = {
        "api_key": o311["key"],
        "service_code": o311["leaf"].code,
        "lat": REPUBLIQUE[0],
        "long": REPUBLIQUE[1],
        "attribute[volume]": "small",
        **change,
    }
    response = client.post(f"{BASE}requests.{fmt}", data)
    assert response.status_code == status
    errors = errors_of(response, fmt)
    assert errors[0][0] == status
    assert message in errors[0][1]
    assert Report.objects.count() == 0


def test_revoked_key_is_refused(client, o311):
    call_command("open311-key", "revoke", "Appli test")
    response = post(
        client,
        "json",
        api_key=o311["key"],
        service_code=o311["leaf"].code,
        lat=REPUBLIQUE[0],
        long=REPUBLIQUE[1],
        **{"attribute[volume]": "small"},
    )
    assert response.status_code == 403


def test_post_with_address_string(client, o311):
    response = post(
        client,
        "json",
        api_key=o311["key"],
        service_code=o311["leaf"].code,
        address_string="40 rue de Belleville, 75020 Paris",
        **{"attribute[volume]": "small"},
    )
    assert response.status_code == 200
    report = Report.objects.get()
    assert report.district.code == "20"
    assert report.accuracy in {"address", "territory"}  # approximate: not a point placed on the map


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_requests_filters_and_format(client, o311, fmt):
    leaf = o311["leaf"]
    agent = make_agent(service=o311["service"])
    a = make_report(category=leaf, answers={"volume": "small"})
    b = make_report(category=leaf, answers={"volume": "big"})
    services.report_set_status(report=b, actor=agent, status=Status.DONE)
    make_report(category=leaf, answers={"volume": "big"}, confirmed=False)
    response = client.get(f"{BASE}requests.{fmt}")
    data = parse(response, fmt)
    if fmt == "json":
        rows = {r["service_request_id"]: r for r in data}
        assert set(rows) == {str(a.pk), str(b.pk)}
        assert rows[str(b.pk)]["status"] == "closed"
        assert rows[str(b.pk)]["parvis_status"] == "done"
        assert rows[str(a.pk)]["status"] == "open"
        assert W3C.match(rows[str(a.pk)]["requested_datetime"])
        assert isinstance(rows[str(a.pk)]["lat"], float)
    else:
        assert data.tag == "service_requests"
        rows = {r.findtext("service_request_id"): r for r in data.findall("request")}
        assert set(rows) == {str(a.pk), str(b.pk)}
        assert rows[str(b.pk)].findtext("status") == "closed"
        assert W3C.match(rows[str(a.pk)].findtext("updated_datetime"))

    def ids(query):
        d = parse(client.get(f"{BASE}requests.{fmt}?{query}"), fmt)
        if fmt == "json":
            return {r["service_request_id"] for r in d}
        return {r.findtext("service_request_id") for r in d.findall("request")}

    assert ids("status=open") == {str(a.pk)}
    assert ids("status=closed") == {str(b.pk)}
    assert ids(f"service_request_id={b.pk}") == {str(b.pk)}
    assert ids("service_code=other") == set()
    assert ids("page_size=1&page=2") | ids("page_size=1") == {str(a.pk), str(b.pk)}
    future = (timezone.now() + timezone.timedelta(days=1)).replace(microsecond=0).isoformat()
    assert ids(f"start_date={future.replace('+', '%2B')}") == set()
    for bad in [
        "start_date=2020-01-01T00:00:00Z&end_date=2020-06-01T00:00:00Z",
        "start_date=hier",
        "status=pending",
        "page_size=5000",
        "service_request_id=abc",
    ]:
        response = client.get(f"{BASE}requests.{fmt}?{bad}")
        assert response.status_code == 400, bad
        assert errors_of(response, fmt)[0][0] == 400


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_one_request_and_updates(client, o311, fmt):
    agent = make_agent(service=o311["service"])
    report = make_report(category=o311["leaf"], answers={"volume": "small"})
    services.report_set_status(
        report=report, actor=agent, status=Status.REJECTED, public_reason="Domaine privé"
    )
    data = parse(client.get(f"{BASE}requests/{report.pk}.{fmt}"), fmt)
    if fmt == "json":
        assert data[0]["status"] == "closed"
        assert data[0]["status_notes"] == "Domaine privé"
    else:
        assert data.find("request/status_notes").text == "Domaine privé"
    assert client.get(f"{BASE}requests/999999.{fmt}").status_code == 404
    assert client.get(f"{BASE}requests/abc.{fmt}").status_code == 404
    data = parse(client.get(f"{BASE}servicerequestupdates.{fmt}"), fmt)
    if fmt == "json":
        assert [(u["service_request_id"], u["status"]) for u in data] == [
            (str(report.pk), "NOT_COUNCILS_RESPONSIBILITY")
        ]
    else:
        assert data.tag == "service_requests_updates"
        update = data.find("request_update")
        assert update.findtext("status") == "NOT_COUNCILS_RESPONSIBILITY"
        assert W3C.match(update.findtext("updated_datetime"))


def test_campaign_is_a_service(client, o311):
    campaign = make_campaign(kind="information", category=o311["leaf"], slug="plaques")
    make_question(
        campaign=campaign,
        code="missing",
        kind="choice",
        required=True,
        label="Plaque absente ?",
        choices=[["yes", "Oui"], ["no", "Non"]],
    )
    codes = [s["service_code"] for s in json.loads(client.get(f"{BASE}services.json").content)]
    assert "campagne-plaques" in codes
    definition = json.loads(client.get(f"{BASE}services/campagne-plaques.json").content)
    assert [a["code"] for a in definition["attributes"]] == ["missing"]
    response = post(
        client,
        "json",
        api_key=o311["key"],
        service_code="campagne-plaques",
        lat=REPUBLIQUE[0],
        long=REPUBLIQUE[1],
        **{"attribute[missing]": "yes"},
    )
    assert response.status_code == 200
    report = Report.objects.get()
    assert report.campaign == campaign


def test_campaign_contribution_keeps_its_service_code(client, o311):
    """Found under the code it was made with, and its detail says the same (not the category's)."""
    campaign = make_campaign(kind="information", category=o311["leaf"], slug="plaques-de-rue")
    response = post(
        client, "json", api_key=o311["key"], service_code="campagne-plaques-de-rue",
        lat=REPUBLIQUE[0], long=REPUBLIQUE[1],
    )
    assert response.status_code == 200
    report = Report.objects.get(campaign=campaign)
    plain = make_report(category=o311["leaf"], answers={"volume": "small"})
    code = "campagne-plaques-de-rue"
    found = json.loads(client.get(f"{BASE}requests.json", {"service_code": code}).content)
    assert [r["service_request_id"] for r in found] == [str(report.pk)]
    assert found[0]["service_code"] == "campagne-plaques-de-rue"
    assert found[0]["service_name"] == campaign.title
    detail = json.loads(client.get(f"{BASE}requests/{report.pk}.json").content)
    assert detail[0]["service_code"] == "campagne-plaques-de-rue"
    leaf = o311["leaf"].code
    by_category = json.loads(client.get(f"{BASE}requests.json", {"service_code": leaf}).content)
    assert [r["service_request_id"] for r in by_category] == [str(plain.pk)]
    both = client.get(f"{BASE}requests.json", {"service_code": f"{leaf},{code}"})
    assert len(json.loads(both.content)) == 2


def test_open311_key_command(capsys):
    call_command("open311-key", "create", "FixMyStreet Paris")
    out = capsys.readouterr().out.strip()
    assert out.startswith("o311_")
    assert services.open311_key_check(out) is not None
    with pytest.raises(CommandError) as exc:
        call_command("open311-key", "create", "FixMyStreet Paris")
    assert exc.value.returncode == 2
    with pytest.raises(CommandError):
        call_command("open311-key", "create", "")
    with pytest.raises(CommandError):
        call_command("open311-key", "explode")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_third_party_client_reads_our_api(live_server, paris, fmt):
    """The ``georeport`` package (not written by this project) reads services and requests."""
    georeport = pytest.importorskip("georeport")
    service = make_service()
    _f, _k, leaf = make_tree(service=service)
    report = make_report(category=leaf)
    client = georeport.GeoReport(live_server.url + BASE, output_format=fmt)
    services_list = client.get_service_list()
    if isinstance(services_list, dict):  # xmltodict gives a dict for a single element
        services_list = [services_list]
    assert leaf.code in [s["service_code"] for s in services_list]
    assert client.get_service_definition(leaf.code)["service_code"] == leaf.code
    one = client.get_service_request(str(report.pk))
    assert one["service_request_id"] == str(report.pk)
    assert one["status"] == "open"
    many = client.get_service_requests(status="open")
    many = [many] if isinstance(many, dict) else many
    assert [r["service_request_id"] for r in many] == [str(report.pk)]


def test_get_requests_pages_newest_first_without_gaps_or_repeats(client, o311):
    """Pages are cut from the public requests' ids first, then those rows are read (decision 0172):
    walking the pages gives every public request once, newest first, whatever the filters."""
    leaf = o311["leaf"]
    reports = [make_report(category=leaf, answers={"volume": "small"}) for _ in range(7)]
    now = timezone.now()
    for age, report in enumerate(reports):
        # Two share a date: the id breaks the tie, as in the ordering.
        Report.objects.filter(pk=report.pk).update(created_at=now - timezone.timedelta(hours=age // 2 * 2))
    hidden = make_report(category=leaf, answers={"volume": "small"})
    Report.objects.filter(pk=hidden.pk).update(hidden_at=now)
    expected = list(
        Report.objects.filter(pk__in=[r.pk for r in reports])
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )

    def page(n, extra=""):
        response = client.get(f"{BASE}requests.json?page_size=3&page={n}{extra}")
        assert response.status_code == 200
        return [int(r["service_request_id"]) for r in json.loads(response.content)]

    assert page(1) + page(2) + page(3) == expected
    assert page(4) == []
    assert page(1, "&status=open") + page(2, "&status=open") + page(3, "&status=open") == expected
