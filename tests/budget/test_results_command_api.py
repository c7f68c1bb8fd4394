"""Results without the button: ``parvis budget compute-results`` and the API, same service and permission."""

import io

import pytest
from django.core.management import CommandError, call_command

from parvis.budget.models import Result, Rule
from parvis.core.tokens import token_create
from tests.budget.factories import make_voter
from tests.budget.test_results_campaign import _campaign
from tests.factories import make_admin

pytestmark = pytest.mark.django_db


def compute(*args) -> str:
    out = io.StringIO()
    call_command("budget", "compute-results", *args, stdout=out)
    return out.getvalue()


def test_the_command_computes_every_envelope_with_a_line_each():
    campaign, envelopes = _campaign()
    make_admin()
    lines = compute(campaign.slug).strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == [e.slug for e in envelopes]
    assert "9 bulletins en ligne, 0 papier" in lines[0]
    assert "projets retenus" in lines[0]
    assert set(Result.objects.values_list("envelope_id", flat=True)) == {e.pk for e in envelopes}


def test_the_command_computes_one_envelope():
    campaign, envelopes = _campaign()
    make_admin()
    lines = compute(campaign.slug, envelopes[1].slug).strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(envelopes[1].slug + "\t")
    assert list(Result.objects.values_list("envelope_id", flat=True)) == [envelopes[1].pk]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "Campagne inconnue : nope"),
        (["{c}", "nope"], "Enveloppe inconnue : nope"),
        (["{c}", "--as", "{voter}"], "Votre rôle ne permet pas cette action"),
    ],
)
def test_the_command_refuses_with_a_message_and_changes_nothing(args, message):
    campaign, _envelopes = _campaign()
    make_admin()
    voter = make_voter()
    args = [a.format(c=campaign.slug, voter=voter.email) for a in args]
    with pytest.raises(CommandError, match=message):
        compute(*args)
    assert not Result.objects.exists()


def test_the_command_says_why_a_count_is_impossible():
    campaign, _envelopes = _campaign(rule=Rule.MJ)
    make_admin()
    with pytest.raises(CommandError, match="mentions"):
        compute(campaign.slug)
    assert not Result.objects.exists()


def _bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user, name='t')[1]}"}


def test_the_api_computes_results_for_an_administrator_only(client):
    campaign, envelopes = _campaign()
    url = f"/api/budget/campaigns/{campaign.slug}/results"
    assert client.post(url).status_code == 401
    assert client.post(url, **_bearer(make_voter())).status_code == 403
    assert not Result.objects.exists()
    response = client.post(url, **_bearer(make_admin()))
    assert response.status_code == 200, response.content
    assert [r["envelope"] for r in response.json()["envelopes"]] == [e.slug for e in envelopes]
    assert Result.objects.count() == 2
    one = client.post(url + f"?envelope={envelopes[0].slug}", **_bearer(make_admin()))
    assert [r["envelope"] for r in one.json()["envelopes"]] == [envelopes[0].slug]
    assert client.post(url + "?envelope=nope", **_bearer(make_admin())).status_code == 404


def test_the_results_page_shows_each_envelope_filled_as_a_picture_beside_its_table(client):
    campaign, envelopes = _campaign()
    make_admin()
    compute(campaign.slug)
    html = client.get(f"/budget/{campaign.slug}/resultats/").content.decode()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart budget-fill" role="img"') == 2
    assert "l&#x27;enveloppe remplie projet par projet" in html
    assert html.index("budget-fill") < html.index('<table class="results">')
