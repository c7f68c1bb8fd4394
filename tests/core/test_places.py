"""One resolver of places for every module (``parvis.core.places``)."""

import pytest
from django.core.exceptions import ValidationError

from parvis.budget import services as budget_services
from parvis.budget.models import Project
from parvis.core import places
from parvis.core.models import Accuracy, Territory, TerritoryLevel
from parvis.ideas import services as ideas_services
from parvis.ideas.models import Idea, ScopeKind
from parvis.reports import services as reports_services
from parvis.reports.models import Report
from tests.budget.factories import make_campaign, make_envelope
from tests.factories import make_user
from tests.ideas.factories import make_consultation
from tests.reports.factories import make_tree

VERSAILLES = (48.8049, 2.1204)
BODY = "Planter des arbres fruitiers le long de la rue pour les enfants du quartier."


def test_point_in_the_city_is_located(paris):
    place = places.resolve(lat=48.8566, lon=2.3522)
    assert (place.accuracy, place.has_point) == (Accuracy.POINT, True)
    assert Territory.objects.get(pk=place.district_id).level == TerritoryLevel.DISTRICT
    assert Territory.objects.get(pk=place.neighbourhood_id).parent_id == place.district_id


def test_whole_territory_without_point(paris):
    quarter = Territory.objects.filter(level=TerritoryLevel.NEIGHBOURHOOD).first()
    place = places.resolve(territory=quarter)
    assert (place.lat, place.accuracy) == (None, Accuracy.TERRITORY)
    assert (place.neighbourhood_id, place.district_id) == (quarter.pk, quarter.parent_id)
    with_point = places.resolve(territory=quarter, point_required=True)
    assert with_point.has_point
    assert with_point.neighbourhood_id == quarter.pk


def test_address_goes_through_the_geocoder(paris):
    place = places.resolve(address="Place de la Bastille", point_required=True)
    assert (place.accuracy, place.address) == (Accuracy.ADDRESS, "Place de la Bastille")
    assert place.district_id is not None
    with pytest.raises(ValidationError, match="Adresse introuvable"):
        places.resolve(address="nulle part ailleurs", point_required=True)


def test_partial_or_invalid_coordinates_are_refused(paris):
    with pytest.raises(ValidationError, match="ou aucune des deux"):
        places.resolve(lat=48.85, lon="")
    with pytest.raises(ValidationError, match="Coordonnées invalides"):
        places.resolve(lat="nord", lon=2.3)


def test_outside_the_city_is_refused_with_one_message_by_every_module(paris):
    """A city-wide consultation used to accept a point outside the city; now ideas, budget and
    reports refuse it with the same words."""
    expected = places.outside_city_message()
    with pytest.raises(ValidationError) as exc:
        ideas_services.idea_create(
            author=make_user(),
            consultation=make_consultation(scope_kind=ScopeKind.CITY),
            title="Un banc",
            body="Un banc à l'ombre pour les personnes âgées.",
            lat=VERSAILLES[0],
            lon=VERSAILLES[1],
        )
    assert exc.value.message_dict["lat"] == [expected]
    campaign = make_campaign(open_phase="ideas", slug="bp-places")
    make_envelope(campaign, slug="paris")
    with pytest.raises(ValidationError) as exc:
        budget_services.project_create(
            author=make_user(),
            campaign=campaign,
            title="Un verger",
            body=BODY,
            lat=VERSAILLES[0],
            lon=VERSAILLES[1],
        )
    assert exc.value.messages == [expected]
    _family, _kind, leaf = make_tree()
    with pytest.raises(ValidationError) as exc:
        reports_services.report_create(
            draft=reports_services.ReportDraft(category_code=leaf.code, lat=VERSAILLES[0], lon=VERSAILLES[1]),
            author=make_user(),
        )
    assert exc.value.messages == [expected]
    assert not (Idea.objects.exists())
    assert not (Project.objects.exists())
    assert not (Report.objects.exists())


def test_budget_project_knows_its_district(paris):
    campaign = make_campaign(open_phase="ideas", slug="bp-district")
    make_envelope(campaign, slug="paris")
    project = budget_services.project_create(
        author=make_user(), campaign=campaign, title="Un verger", body=BODY, lat=48.8855, lon=2.3535
    )
    assert project.district.code == "18"
    assert project.neighbourhood.parent_id == project.district_id
