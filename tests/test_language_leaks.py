"""One language per page: the main pages of every module, filled with demo-like data, show no French
word in English and no English word in French (dates, system texts, plurals, punctuation included).

People's own words (titles, names, places) are not translated: the data uses neutral words and the
names of places, categories, services and people are removed from the text before it is read."""

import datetime
import html
import re

import pytest
from django.utils import timezone, translation

from parvis.core.models import Service, Territory
from parvis.ideas import services as idea_services
from parvis.reports import services as report_services
from parvis.reports.models import Category, Status
from tests.budget.factories import make_campaign, make_envelope, make_project
from tests.factories import make_agent, make_service, make_user
from tests.ideas.factories import make_comment, make_consultation, make_idea
from tests.reports.factories import make_report, make_tree

pytestmark = pytest.mark.django_db

NEUTRAL = "Lorem ipsum dolor sit amet"

#: Words that only French shows (whole words, case-sensitive), and French spacing before a colon.
FRENCH = [
    "le",
    "la",
    "les",
    "des",
    "du",
    "une",
    "et",
    "à",
    "pour",
    "avec",
    "sur",
    "dans",
    "vous",
    "votre",
    "est",
    "pas",
    "non",
    "lues",
    "Signalement",
    "signalement",
    "Idée",
    "idée",
    "soutiens",
    "prévue",
    "Réponse",
    "modération",
    "Connexion",
    "janvier",
    "février",
    "mars",
    "avril",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
FRENCH_SPACING = re.compile(r"\w :(\s|$)")
#: Words that only English shows.
ENGLISH = [
    "the",
    "and",
    "of",
    "your",
    "you",
    "with",
    "Jan.",
    "Feb.",
    "Nov.",
    "Dec.",
    "Nov",
    "Dec",
    "unread",
    "Report",
    "Reported",
    "Idea",
    "Ideas",
    "a.m.",
    "p.m.",
    "Sign in",
    "answer",
    "supports",
]


@pytest.fixture
def city(paris):
    """A little of everything, the way the demo has it."""
    now = timezone.now()
    resident = make_user(display_name="Alex Martin")
    service = make_service(code="voirie-x", name="Voirie X")
    _f, _k, leaf = make_tree(service=service)
    agent = make_agent(service=service, display_name="Sam Agent")
    report = make_report(category=leaf, author=resident, description=NEUTRAL)
    report_services.report_follow(report=report, user=resident)
    with translation.override("fr"):
        report_services.report_set_status(report=report, actor=agent, status=Status.TO_HANDLE)
        report_services.report_set_status(
            report=report,
            actor=agent,
            status=Status.SCHEDULED,
            planned_for=timezone.localdate() + datetime.timedelta(days=7),
        )
    consultation = make_consultation(title="Rivoli 2030", question=NEUTRAL + " ?")
    idea = make_idea(consultation=consultation, author=resident, title="Lorem ipsum", body=NEUTRAL)
    make_comment(idea=idea, author=resident, body=NEUTRAL, created_at=now - datetime.timedelta(days=3))
    make_comment(idea=idea, author=resident, body=NEUTRAL)
    with translation.override("fr"):
        idea_services.answer_publish(agent=agent, idea=idea, status="partly", text=f"<p>{NEUTRAL}</p>")
    campaign = make_campaign(open_phase="vote", title="BP 2031", slug="bp-2031")
    envelope = make_envelope(campaign, name="Lorem", slug="lorem")
    project = make_project(envelope, title="Lorem ipsum", body=NEUTRAL)
    return {
        "resident": resident,
        "pages": [
            "/",
            "/idees/",
            idea.get_absolute_url(),
            consultation.get_absolute_url(),
            "/budget/",
            campaign.get_absolute_url(),
            project.get_absolute_url(),
            f"/budget/{campaign.slug}/resultats/",
            "/signalements/",
            report.get_absolute_url(),
            "/compte/",
            "/compte/notifications/",
        ],
    }


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style|template)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    text = html.unescape(page)
    names = [
        *Territory.objects.values_list("name", flat=True),
        *Category.objects.values_list("name", flat=True),
        *Service.objects.values_list("name", flat=True),
        "Alex Martin",
        "Sam Agent",
        "Parvis",
        "Paris",
        "Français",
        "English",
    ]
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    return re.sub(r"\s+", " ", text)


def leaks(text: str, words: list[str]) -> list[str]:
    found = []
    for word in words:
        for m in re.finditer(rf"(?<![\w.]){re.escape(word)}(?![\w])", text):
            found.append(text[max(0, m.start() - 30) : m.end() + 30])
    return found


@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_word_of_the_other_language(client, city, language):
    client.force_login(city["resident"])
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    problems = {}
    for url in city["pages"]:
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        if language == "en":
            found = leaks(text, FRENCH) + [
                text[max(0, m.start() - 30) : m.end() + 10] for m in FRENCH_SPACING.finditer(text)
            ]
        else:
            found = leaks(text, ENGLISH)
        if found:
            problems[url] = found
    assert problems == {}
