import pytest

from parvis.ideas.models import Comment, Idea, Support
from tests.browser import axe_violations, log_in
from tests.factories import make_user

from .factories import make_consultation, make_idea

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_post_comment_and_support_an_idea(page, paris):
    consultation = make_consultation(
        title="Paris à vélo", slug="paris-a-velo", question="Comment mieux circuler ?"
    )
    make_idea(consultation=consultation, title="Une piste le long du canal")
    amina = make_user(email="amina@example.org")
    log_in(page, amina)
    page.goto(page.base_url + "/idees/paris-a-velo/")
    assert axe_violations(page, exclude=[".leaflet-container"]) == []
    page.get_by_role("link", name="Proposer une idée").click()
    assert axe_violations(page, exclude=[".leaflet-container"]) == []
    page.get_by_label("Titre de l'idée").fill("Des arceaux à vélos devant l'école")
    page.get_by_label("Description").fill(
        "Rue Oberkampf, les parents n'ont nulle part où attacher leurs vélos."
    )
    page.get_by_label("Thème").select_option("mobility")
    page.get_by_label("Mots-clés").fill("vélo, école")
    page.get_by_label("Quartier ou arrondissement concerné").select_option(index=1)
    page.get_by_role("button", name="Publier mon idée").click()
    page.get_by_role("heading", name="Des arceaux à vélos devant l'école").wait_for()
    idea = Idea.objects.get(title="Des arceaux à vélos devant l'école")
    assert idea.territory is not None

    page.get_by_label("Votre commentaire").fill("Oui, et aussi devant la crèche.")
    page.get_by_role("button", name="Publier le commentaire").click()
    page.get_by_text("Oui, et aussi devant la crèche.").wait_for()
    assert Comment.objects.filter(idea=idea).count() == 1

    page.get_by_role("button", name="Soutenir cette idée").click()  # htmx swaps the box in place
    page.get_by_role("button", name="Retirer mon soutien").wait_for()
    assert page.get_by_text("1 soutien").first.is_visible()
    assert Support.objects.filter(idea=idea, user=amina).exists()
    assert axe_violations(page, exclude=[".leaflet-container"]) == []


def test_results_opinion_map_and_moderation_pages_are_accessible(page, paris):
    import io

    from parvis.ideas import demo

    demo.load(io.StringIO())
    moderator = make_user(email="camille@example.org", role="moderator")
    log_in(page, moderator)
    for path in (
        "/idees/",
        "/idees/paris-respire/resultats/",
        "/idees/rues-aux-ecoles/carte-des-opinions/",
        "/idees/moderation/",
        "/idees/plan-velo-2025/",
    ):
        page.goto(page.base_url + path)
        assert axe_violations(page, exclude=[".leaflet-container"]) == [], path
    page.goto(page.base_url + "/idees/rues-aux-ecoles/carte-des-opinions/")
    assert page.get_by_text("Groupe A").first.is_visible()
    page.get_by_role("button", name="D'accord", exact=True).click()
    page.get_by_text("Votre avis").wait_for()
    from parvis.ideas.models import StatementVote

    assert StatementVote.objects.filter(user=moderator, value=1).count() == 1


def test_comment_is_posted_in_place_with_htmx(page, paris):
    idea = make_idea(consultation=make_consultation(), title="Des fontaines à boire")
    log_in(page, make_user(email="lea@example.org"))
    page.goto(page.base_url + idea.get_absolute_url())
    page.evaluate("window.__samePage = true")  # lost if the browser loaded a new page
    page.get_by_label("Votre commentaire").fill("x")
    page.get_by_role("button", name="Publier le commentaire").click()
    page.get_by_text("Écrivez votre commentaire.").wait_for()  # error shown in place
    assert Comment.objects.count() == 0

    page.get_by_label("Votre commentaire").fill("Une près du square, pour les enfants.")
    page.get_by_role("button", name="Publier le commentaire").click()
    page.get_by_role("status").get_by_text("Commentaire publié.").wait_for()
    assert page.locator("#comment-list").get_by_text("Une près du square, pour les enfants.").is_visible()
    assert page.get_by_role("heading", name="1 commentaire").is_visible()
    assert page.get_by_label("Votre commentaire").input_value() == ""  # form reset
    assert page.evaluate("window.__samePage === true")
    assert Comment.objects.filter(idea=idea).count() == 1
    assert axe_violations(page, exclude=[".leaflet-container"]) == []
