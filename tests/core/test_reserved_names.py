"""The city's and its services' names are reserved for staff, whatever their spelling."""

import pytest
from django.core.exceptions import ValidationError

from parvis.core import accounts
from parvis.core.reserved_names import is_reserved, normalise
from tests.factories import make_agent, make_service, make_user

pytestmark = pytest.mark.django_db


def test_names_are_compared_normalised():
    assert normalise("  Ville-de-PÂRIS ! ") == "ville de paris"
    assert normalise("Hôtel\u00a0de\tVille") == "hotel de ville"


@pytest.mark.parametrize(
    ("name", "reserved"),
    [
        ("Ville de Paris", True),
        ("VILLE DE PÂRIS", True),
        ("ville-de-paris", True),
        ("Mairie de Paris — voirie", True),
        ("Paris", True),
        ("Hôtel de ville", True),
        ("Propreté et eau", True),  # a city service's name
        ("propreté ET EAU", True),
        ("Paris à vélo", False),
        ("Collectif des jardins de Belleville", False),
        ("Les amis du quartier", False),
    ],
)
def test_reserved_names(name, reserved):
    make_service(name="Propreté et eau")
    assert is_reserved(name) is reserved


def test_a_resident_cannot_publish_as_a_collective_named_after_the_city():
    from parvis.ideas import services
    from parvis.ideas.models import Idea
    from tests.ideas.factories import make_consultation

    consultation = make_consultation()
    idea = {
        "consultation": consultation,
        "title": "Des arceaux à vélos",
        "body": "Devant chaque école du quartier.",
        "author_kind": "group",
    }
    with pytest.raises(ValidationError) as refused:
        services.idea_create(author=make_user(), group_name="VILLE DE PÂRIS", **idea)
    assert refused.value.message_dict["group_name"] == [
        "« VILLE DE PÂRIS » est réservé à la ville et à ses services : choisissez un autre nom."
    ]
    assert not Idea.objects.exists()
    services.idea_create(author=make_agent(), group_name="Ville de Paris", **idea)  # staff may
    assert Idea.objects.get().group_name == "Ville de Paris"


def test_a_display_name_cannot_be_the_citys(client):
    response = client.post(
        "/compte/inscription/",
        {"email": "a@example.org", "password": "un-mot-de-passe-solide", "display_name": "Mairie de Paris"},
    )
    assert "est réservé à la ville" in response.content.decode()
    user = make_user(display_name="Nadia")
    with pytest.raises(ValidationError):
        accounts.profile_update(user=user, display_name="ville de paris", preferred_language="fr")
    user.refresh_from_db()
    assert user.display_name == "Nadia"
