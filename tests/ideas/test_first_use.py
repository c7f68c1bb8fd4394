"""A newcomer's first steps in Idées: demo residents may propose; a missing profile field is explained."""

import io

import pytest

from parvis.core import charter
from parvis.core import demo as core_demo
from parvis.core.models import User
from parvis.ideas import demo
from parvis.ideas.permissions import Action, can
from tests.factories import make_user
from tests.ideas.factories import make_consultation

pytestmark = pytest.mark.django_db


def test_demo_residents_have_complete_profiles_and_may_propose(paris):
    core_demo.load(io.StringIO())
    demo.load(io.StringIO())
    climate = demo.Consultation.objects.get(slug="paris-respire")
    assert climate.min_age  # the consultation that refused them (403: birth date required)
    for email in ("habitante@demo.parvis.localhost", "habitant@demo.parvis.localhost"):
        resident = User.objects.get(email=email)
        assert resident.birth_date
        assert resident.home_address
        assert resident.home_neighbourhood
        assert resident.home_district
        assert resident.home_neighbourhood.parent_id == resident.home_district_id
        if not can(resident, Action.PROPOSE, climate):
            # Jules accepted only the charter's first version: the demo shows him what changed first.
            assert "La charte de participation a changé" in can(resident, Action.PROPOSE, climate).reason
            charter.charter_accept(user=resident, version=charter.current_version())
        assert can(resident, Action.PROPOSE, climate), can(resident, Action.PROPOSE, climate).reason
    assert User.objects.get(email="habitante@demo.parvis.localhost").home_district.code == "11"


def test_the_notice_explains_a_missing_birth_date_and_links_to_the_field(client):
    consultation = make_consultation(min_age=16)
    client.force_login(make_user())
    page = client.get(consultation.get_absolute_url()).content.decode()
    assert "ouverte à partir de 16 ans" in page
    assert 'href="/compte/#id_birth_date"' in page
    denied = client.get(f"/idees/{consultation.slug}/proposer/")
    assert denied.status_code == 403
    assert 'href="/compte/#id_birth_date"' in denied.content.decode()
    account = client.get("/compte/").content.decode()
    assert 'id="id_birth_date"' in account


def test_no_link_once_the_birth_date_is_given(client):
    from datetime import date

    consultation = make_consultation(min_age=16)
    client.force_login(make_user(birth_date=date(1990, 1, 1)))
    assert "#id_birth_date" not in client.get(consultation.get_absolute_url()).content.decode()


def test_sign_up_no_longer_promises_no_age_condition(client):
    page = client.get("/compte/inscription/").content.decode()
    assert "Aucune condition d&#x27;âge" not in page
    assert "Aucune condition d'âge" not in page
    assert "date de naissance" in page
