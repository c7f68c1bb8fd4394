"""The participation charter: versions, acceptance before contributing, what changed, the pages."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from parvis.core import charter, permissions
from parvis.core.models import AuditEntry, CharterAcceptance, CharterVersion
from tests.factories import make_admin, make_user

pytestmark = pytest.mark.django_db

RULES = {
    "propose": permissions.Rule(level=permissions.Level.EMAIL_CONFIRMED, contribution=True),
    "follow": permissions.Rule(),
}


def publish(text="## Engagements\n\nJe m'exprime avec respect.", **kw):
    return charter.charter_publish(
        actor=kw.pop("actor", None) or make_admin(), title="Charte", body=text, **kw
    )


def test_without_a_published_charter_nothing_is_asked():
    user = make_user()
    assert permissions.evaluate(RULES, user, "propose")
    assert permissions.contribution_problem(user) is None


def test_a_contribution_waits_for_the_current_version_and_only_contributions_do():
    user = make_user()
    version = publish()
    decision = permissions.evaluate(RULES, user, "propose")
    assert not decision
    assert decision.status == 403
    assert "acceptez la charte de participation" in decision.reason
    assert permissions.evaluate(RULES, user, "follow"), "following is not a contribution"
    assert "charte" in permissions.contribution_problem(user)
    charter.charter_accept(user=user, version=version)
    assert permissions.evaluate(RULES, user, "propose")
    assert permissions.contribution_problem(user) is None


def test_a_new_version_asks_everyone_again_saying_it_changed():
    user, agent = make_user(), make_user(role="agent")
    first = publish()
    for person in (user, agent):
        charter.charter_accept(user=person, version=first)
    second = publish("## Engagements\n\nJe m'exprime avec respect et je reste dans le sujet.")
    assert second.number == first.number + 1
    for person in (user, agent):
        decision = permissions.evaluate(RULES, person, "propose")
        assert not decision
        assert "a changé" in decision.reason
    charter.charter_accept(user=user, version=second)
    assert permissions.evaluate(RULES, user, "propose")
    assert set(CharterAcceptance.objects.filter(user=user).values_list("version__number", flat=True)) == {
        1,
        2,
    }


def test_accepting_an_outdated_version_or_twice():
    user = make_user()
    first = publish()
    publish("Autre texte.")
    with pytest.raises(ValidationError, match="plus la version en vigueur"):
        charter.charter_accept(user=user, version=first)
    assert not CharterAcceptance.objects.filter(user=user).exists()
    current = charter.current_version()
    one = charter.charter_accept(user=user, version=current)
    two = charter.charter_accept(user=user, version=current)
    assert one.pk == two.pk
    assert CharterAcceptance.objects.filter(user=user).count() == 1


def test_only_administrators_publish_a_new_different_text():
    with pytest.raises(PermissionDenied):
        charter.charter_publish(actor=make_user(), title="Charte", body="Texte.")
    assert not CharterVersion.objects.exists()
    admin = make_admin()
    publish("Texte.", actor=admin)
    with pytest.raises(ValidationError, match="identique"):
        publish("Texte.", actor=admin)
    with pytest.raises(ValidationError, match="requis"):
        charter.charter_publish(actor=admin, title=" ", body="Autre.")
    assert CharterVersion.objects.count() == 1
    assert AuditEntry.objects.filter(action="charter.publish", actor=admin).count() == 1


def test_word_diff_shows_added_and_removed_words_and_ignores_rewrapping():
    pieces = charter.word_diff("Réponse dans un délai de trois mois.", "Réponse dans un délai de deux mois.")
    assert [(p.kind, p.text) for p in pieces] == [
        ("same", "Réponse dans un délai de "),
        ("removed", "trois"),
        ("added", "deux"),
        ("same", " mois."),
    ]
    assert [p.kind for p in charter.word_diff("un deux\ntrois", "un  deux trois")] == ["same"]


words = st.lists(st.sampled_from(["la", "ville", "répond", "vite", "à", "tous", "\n\n"]), max_size=30)


@given(old=words, new=words)
def test_word_diff_rebuilds_both_texts(old, new):
    old_text, new_text = " ".join(old), " ".join(new)
    pieces = charter.word_diff(old_text, new_text)
    assert "".join(p.text for p in pieces if p.kind != "removed") == charter._normalise(new_text)
    assert "".join(p.text for p in pieces if p.kind != "added") == charter._normalise(old_text)


def test_blocks_read_headings_and_paragraphs():
    blocks = charter.blocks("## Titre\n\nUne ligne\ncoupée.\n\n\nDeuxième.")
    assert [(b.kind, b.text) for b in blocks] == [
        ("heading", "Titre"),
        ("paragraph", "Une ligne coupée."),
        ("paragraph", "Deuxième."),
    ]


# Pages


def test_the_banner_leads_to_the_charter_and_accepting_returns_to_the_page(client):
    user = make_user()
    version = publish("## Engagements\n\nJe m'exprime avec respect.")
    client.force_login(user)
    page = client.get(reverse("core:territories"))
    assert "Lire et accepter la charte" in page.content.decode()
    charter_page = client.get(reverse("core:charter") + "?next=/territoires/")
    body = charter_page.content.decode()
    assert "Je m&#x27;exprime avec respect." in body or "Je m'exprime avec respect." in body
    assert "J&#x27;accepte la charte (version 1)" in body or "J'accepte la charte (version 1)" in body
    response = client.post(
        reverse("core:charter_accept"), {"version": version.number, "next": "/territoires/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/territoires/"
    assert CharterAcceptance.objects.filter(user=user, version=version).exists()
    assert "Lire et accepter la charte" not in client.get(reverse("core:territories")).content.decode()


def test_after_a_new_version_the_page_shows_what_changed(client):
    user = make_user()
    first = publish("La Ville répond en trois mois.")
    charter.charter_accept(user=user, version=first)
    publish("La Ville répond en deux mois.", changes="Délai raccourci.")
    client.force_login(user)
    assert (
        "La charte de participation a changé (version 2)" in client.get(reverse("core:home")).content.decode()
    )
    body = client.get(reverse("core:charter")).content.decode()
    assert "<del>trois</del>" in body
    assert "<ins>deux</ins>" in body
    assert "Délai raccourci." in body


@pytest.mark.parametrize(
    ("posted", "message"),
    [({"version": "1"}, "plus la version en vigueur"), ({"version": "99"}, "inconnue"), ({}, "inconnue")],
)
def test_bad_acceptances_are_refused_with_a_message(client, posted, message):
    user = make_user()
    publish("Un.")
    publish("Deux.")
    client.force_login(user)
    response = client.post(reverse("core:charter_accept"), posted, follow=True)
    assert message in response.content.decode()
    assert not CharterAcceptance.objects.exists()


def test_an_open_redirect_is_not_followed(client):
    user = make_user()
    version = publish()
    client.force_login(user)
    response = client.post(
        reverse("core:charter_accept"), {"version": version.number, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("core:charter")


def test_anonymous_visitors_read_the_charter_but_cannot_accept(client):
    version = publish()
    assert client.get(reverse("core:charter")).status_code == 200
    response = client.post(reverse("core:charter_accept"), {"version": version.number})
    assert response.status_code == 302
    assert reverse("core:login") in response["Location"]
    assert not CharterAcceptance.objects.exists()


def test_no_charter_published_yet(client):
    response = client.get(reverse("core:charter"))
    assert response.status_code == 404
    assert "pas encore publié" in response.content.decode()


def test_the_demo_holds_two_versions_and_residents_see_the_change():
    from parvis.core import demo

    demo.load()
    assert list(CharterVersion.objects.order_by("number").values_list("number", flat=True)) == [1, 2]
    from parvis.core.models import User

    resident = User.objects.get(email="habitant@demo.parvis.localhost")
    ready = User.objects.get(email="habitante@demo.parvis.localhost")
    admin = User.objects.get(email="admin@demo.parvis.localhost")
    assert charter.banner(resident).is_update
    assert charter.banner(ready) is None
    assert charter.banner(admin) is None
    demo.load()
    assert CharterVersion.objects.count() == 2
