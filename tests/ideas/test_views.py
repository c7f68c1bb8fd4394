import pytest
from django.urls import reverse

from parvis.ideas.models import AnswerStatus, Comment, Idea, Status, Support, Tag
from parvis.ideas.views import SEED_COOKIE
from tests.factories import make_user

from .factories import make_comment, make_consultation, make_idea, make_support

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation():
    return make_consultation(title="Paris à vélo", slug="paris-a-velo")


def test_index_lists_consultations(client, consultation):
    make_consultation(phase="closed", title="Ancienne consultation")
    make_consultation(permanent=True, title="Boîte à idées")
    html = client.get(reverse("ideas:index")).content.decode()
    assert "Paris à vélo" in html
    assert "Ancienne consultation" in html
    assert "Boîte à idées" in html


@pytest.mark.parametrize("page_number", [1, 3])
def test_consultation_page_query_count_is_bounded(
    client, consultation, django_assert_max_num_queries, page_number
):
    tag = Tag.objects.create(name="vélo", slug="velo")
    people = [make_user() for _ in range(3)]
    for i in range(60):
        idea = make_idea(consultation=consultation, author=people[i % 3], tags=[tag])
        if i % 5 == 0:
            make_support(idea=idea, user=people[0])
            make_comment(idea=idea)
    client.force_login(people[0])
    url = reverse("ideas:consultation", args=[consultation.slug]) + f"?page={page_number}"
    client.get(url)  # warm the district cache and the visitor's seed cookie
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('class="card idea-card"') == 20


def test_random_order_is_stable_per_visitor_and_differs_between_visitors(client, consultation):
    ideas = [make_idea(consultation=consultation, title=f"Idée au hasard {i:02d}") for i in range(40)]
    url = reverse("ideas:consultation", args=[consultation.slug])

    def order(c):
        html = c.get(url).content.decode()
        return [
            i.pk
            for i in sorted(ideas, key=lambda i: html.find(f"/idees/idee/{i.pk}/"))
            if f"/idee/{i.pk}/" in html
        ]

    client.get(url)
    first = order(client)
    assert first == order(client)
    assert first != sorted(first)
    from django.test import Client

    other = Client()
    other.cookies[SEED_COOKIE] = "12345"
    assert order(other) != first or client.cookies[SEED_COOKIE].value == "12345"


def test_pages_share_one_random_order(client, consultation):
    ideas = {make_idea(consultation=consultation).pk for _ in range(45)}
    client.cookies[SEED_COOKIE] = "777"
    seen = []
    for page in (1, 2, 3):
        html = client.get(
            reverse("ideas:consultation", args=[consultation.slug]) + f"?page={page}"
        ).content.decode()
        seen += [pk for pk in ideas if f"/idees/idee/{pk}/" in html]
    assert sorted(seen) == sorted(ideas)  # every idea exactly once across pages


def test_sorting_and_filters(client, consultation):
    a = make_idea(consultation=consultation, title="Moins soutenue", theme="culture")
    b = make_idea(consultation=consultation, title="Plus soutenue", theme="mobility")
    for _ in range(3):
        make_support(idea=b)
    make_comment(idea=a)
    url = reverse("ideas:consultation", args=[consultation.slug])
    html = client.get(url + "?tri=soutiens").content.decode()
    assert html.index("Plus soutenue") < html.index("Moins soutenue")
    html = client.get(url + "?tri=commentaires").content.decode()
    assert html.index("Moins soutenue") < html.index("Plus soutenue")
    html = client.get(url + "?theme=culture").content.decode()
    assert "Moins soutenue" in html
    assert "Plus soutenue" not in html
    from parvis.ideas.models import Answer

    Answer.objects.create(idea=b, status=AnswerStatus.ACCEPTED, text="Oui")
    html = client.get(url + "?statut=sans-reponse").content.decode()
    assert "Moins soutenue" in html
    assert "Plus soutenue" not in html
    html = client.get(url + "?statut=accepted").content.decode()
    assert "Plus soutenue" in html
    assert "Moins soutenue" not in html
    assert client.get(url + "?tri=<script>&theme=zzz&page=999").status_code == 200


def test_hidden_and_pending_ideas_are_not_listed(client, consultation):
    from django.utils import timezone

    make_idea(
        consultation=consultation, title="Idée masquée", hidden_at=timezone.now(), hidden_reason="Injure"
    )
    pending = make_idea(consultation=consultation, title="Idée en attente", status=Status.PENDING)
    html = client.get(reverse("ideas:consultation", args=[consultation.slug])).content.decode()
    assert "Idée masquée" not in html
    assert "Idée en attente" not in html
    assert client.get(pending.get_absolute_url()).status_code == 404
    client.force_login(pending.author)
    assert client.get(pending.get_absolute_url()).status_code == 200


def test_hidden_idea_page_shows_the_public_reason(client, consultation):
    from django.utils import timezone

    idea = make_idea(
        consultation=consultation,
        title="Titre insultant",
        hidden_at=timezone.now(),
        hidden_reason="Propos injurieux",
    )
    html = client.get(idea.get_absolute_url()).content.decode()
    assert "Propos injurieux" in html
    assert "Titre insultant" not in html


def test_post_idea_comment_and_support_without_javascript(client, consultation):
    me = make_user()
    client.force_login(me)
    response = client.post(
        reverse("ideas:idea_create", args=[consultation.slug]),
        {
            "title": "Des arceaux à vélos",
            "body": "Devant l'école de la rue Oberkampf, il manque des arceaux.",
            "theme": "mobility",
            "tags": "vélo, école",
            "author_kind": "person",
        },
    )
    idea = Idea.objects.get()
    assert response.status_code == 302
    assert response.url == idea.get_absolute_url()
    response = client.post(reverse("ideas:comment_create", args=[idea.pk]), {"body": "Très bonne idée"})
    assert response.status_code == 302
    root = Comment.objects.get()
    client.post(reverse("ideas:comment_create", args=[idea.pk]), {"body": "Je réponds", "parent": root.pk})
    assert Comment.objects.filter(parent=root).count() == 1
    client.post(reverse("ideas:idea_support", args=[idea.pk]))
    assert Support.objects.filter(idea=idea, user=me).exists()
    html = client.get(idea.get_absolute_url()).content.decode()
    assert "Retirer mon soutien" in html
    assert "Je réponds" in html
    assert "2 commentaires" in html
    client.post(reverse("ideas:idea_support", args=[idea.pk]), {"action": "withdraw"})
    assert not Support.objects.exists()


def test_support_with_htmx_returns_the_fragment(client, consultation):
    idea = make_idea(consultation=consultation)
    client.force_login(make_user())
    response = client.post(reverse("ideas:idea_support", args=[idea.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="support-box"' in html
    assert "<html" not in html
    assert "1 soutien" in html
    response = client.post(reverse("ideas:idea_support", args=[idea.pk]), HTTP_HX_REQUEST="true")
    assert "Retirer mon soutien" in response.content.decode()


def test_bad_idea_form_shows_errors_and_creates_nothing(client, consultation):
    client.force_login(make_user())
    response = client.post(
        reverse("ideas:idea_create", args=[consultation.slug]),
        {"title": "abc", "body": "court", "theme": "mobility", "author_kind": "person"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "au moins 5 caractères" in html
    assert Idea.objects.count() == 0


def test_unconfirmed_account_is_told_to_confirm(client, consultation):
    client.force_login(make_user(confirmed=False))
    response = client.get(reverse("ideas:idea_create", args=[consultation.slug]))
    assert response.status_code == 403
    assert "Confirmez votre adresse e-mail" in response.content.decode()


def test_anonymous_is_sent_to_login(client, consultation):
    response = client.get(reverse("ideas:idea_create", args=[consultation.slug]))
    assert response.status_code == 302
    assert "/compte/connexion/" in response.url


def test_script_in_title_and_comment_is_shown_as_text(client, consultation):
    evil = '<script>alert("x")</script>'
    idea = make_idea(consultation=consultation, title=f"Titre {evil}")
    make_comment(idea=idea, body=f"Commentaire {evil}")
    for url in (idea.get_absolute_url(), reverse("ideas:consultation", args=[consultation.slug])):
        html = client.get(url).content.decode()
        assert evil not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_script_posted_through_the_form_is_neutralised(client, consultation):
    client.force_login(make_user())
    client.post(
        reverse("ideas:idea_create", args=[consultation.slug]),
        {
            "title": "<img src=x onerror=alert(1)> Arceaux",
            "theme": "mobility",
            "author_kind": "person",
            "body": "<p>Texte <script>alert(1)</script> assez long pour passer</p>"
            "<img src=x onerror=alert(2)>",
        },
    )
    idea = Idea.objects.get()
    html = client.get(idea.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html
    assert "onerror=alert(2)" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_deleted_comment_placeholder_keeps_replies(client, consultation):
    idea = make_idea(consultation=consultation)
    me = make_user()
    root = make_comment(idea=idea, author=me, body="Mon avis initial")
    make_comment(idea=idea, parent=root, body="Une réponse utile")
    client.force_login(me)
    client.post(reverse("ideas:comment_delete", args=[root.pk]))
    html = client.get(idea.get_absolute_url()).content.decode()
    assert "Mon avis initial" not in html
    assert "Commentaire supprimé" in html
    assert "Une réponse utile" in html


def test_answer_shown_at_the_top(client, consultation):
    from parvis.core.models import Role

    idea = make_idea(consultation=consultation)
    agent = make_user(role=Role.AGENT)
    client.force_login(agent)
    response = client.post(
        reverse("ideas:idea_answer", args=[idea.pk]),
        {"status": "planned", "text": "Déjà prévu au plan vélo 2026."},
    )
    assert response.status_code == 302
    html = client.get(idea.get_absolute_url()).content.decode()
    assert html.index("Réponse de la ville") < html.index('class="idea-body"')
    assert "Déjà prévue" in html


def test_moderation_queue_approve(client):
    from tests.factories import make_moderator

    c = make_consultation(premoderation=True)
    idea = make_idea(consultation=c, status=Status.PENDING, title="Idée à relire")
    moderator = make_moderator()
    client.force_login(make_user())
    assert client.get(reverse("ideas:moderation")).status_code == 403
    client.force_login(moderator)
    assert "Idée à relire" in client.get(reverse("ideas:moderation")).content.decode()
    client.post(reverse("ideas:moderation_decide", args=["idee", idea.pk]), {"decision": "approve"})
    idea.refresh_from_db()
    assert idea.status == Status.PUBLISHED
    html = client.get(idea.get_absolute_url()).content.decode()
    assert "Historique de modération" in html
    assert "ideas.approve" in html


def test_idea_is_flaggable_through_core(client, consultation):
    idea = make_idea(consultation=consultation)
    client.force_login(make_user())
    url = reverse("core:flag", args=["ideas", "idea", idea.pk])
    response = client.post(url, {"reason": "spam"})
    assert response.status_code == 302
    from parvis.core.moderation import moderation_queue

    assert moderation_queue()[0].target == idea


@pytest.mark.ratelimit
def test_comment_flood_is_rate_limited(client, consultation, settings):
    settings.PARVIS_RATE_LIMITS = {**settings.PARVIS_RATE_LIMITS, "ideas.comment": "2/600"}
    idea = make_idea(consultation=consultation)
    client.force_login(make_user())
    url = reverse("ideas:comment_create", args=[idea.pk])
    assert client.post(url, {"body": "un"}).status_code == 302
    assert client.post(url, {"body": "deux"}).status_code == 302
    response = client.post(url, {"body": "trois"})
    assert response.status_code == 429
    assert "Trop de tentatives" in response.content.decode()
    assert Comment.objects.count() == 2


@pytest.mark.ratelimit
def test_idea_flood_is_rate_limited(client, consultation, settings):
    settings.PARVIS_RATE_LIMITS = {**settings.PARVIS_RATE_LIMITS, "ideas.idea": "1/3600"}
    client.force_login(make_user())
    url = reverse("ideas:idea_create", args=[consultation.slug])
    data = {
        "title": "Une idée valable",
        "body": "Une description suffisamment longue.",
        "theme": "other",
        "author_kind": "person",
    }
    assert client.post(url, data).status_code == 302
    assert client.post(url, {**data, "title": "Une seconde idée"}).status_code == 429
    assert Idea.objects.count() == 1


def test_database_shuffle_matches_the_pure_rule(consultation):
    from parvis.ideas import rules, selectors

    ids = [make_idea(consultation=consultation).pk for _ in range(15)]
    window = selectors.idea_list(consultation, selectors.IdeaFilters(), seed=987654)
    assert [i.pk for i in window[0:15]] == sorted(ids, key=lambda pk: (rules.shuffle_key(pk, 987654), pk))
    assert [i.pk for i in window[5:10]] == sorted(ids, key=lambda pk: (rules.shuffle_key(pk, 987654), pk))[
        5:10
    ]


def test_english_translation(client, consultation):
    from django.utils import translation

    from parvis.ideas.models import Theme

    with translation.override("en"):
        assert str(Theme.MOBILITY.label) == "Mobility and transport"
    client.cookies["django_language"] = "en"
    html = client.get(reverse("ideas:consultation", args=[consultation.slug])).content.decode()
    assert "Search and filter ideas" in html
    assert "Rechercher et filtrer" not in html


def test_idea_page_query_count_does_not_grow_with_comments(
    client, consultation, django_assert_max_num_queries
):
    from django.utils import timezone

    idea = make_idea(consultation=consultation)
    me = make_user()
    for i in range(30):
        root = make_comment(idea=idea, body=f"Avis {i}")
        make_comment(idea=idea, parent=root, body=f"Réponse {i}")
    hidden = make_comment(
        idea=idea, body="Injure", hidden_at=timezone.now(), hidden_reason="Propos injurieux"
    )
    client.force_login(me)
    client.get(idea.get_absolute_url())
    with django_assert_max_num_queries(16):
        html = client.get(idea.get_absolute_url()).content.decode()
    assert "Avis 29" in html
    assert "Réponse 29" in html
    assert "Propos injurieux" in html
    assert hidden.body not in html.replace("Propos injurieux", "")
