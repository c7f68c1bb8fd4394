"""A consultation page listing 20 of 20,000 ideas: SQL queries per page and latency (p50, p95).

Usage (creates the bench consultation once in the given database, then measures):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parvis_ideas PARVIS_HOME=/tmp/pvhome-bench-ideas \\
        /work/venv/bin/python bench/ideas_consultation_page.py [--ideas 20000] [--requests 200]

The page is rendered in-process through Django's test client (full middleware, session, templates),
for a first-time anonymous visitor (no cookie) and a signed-in returning one, for random pages and
every sort order (random per visitor, most supported, most commented, newest) and with French
full-text searches: "velo" (a common word, in about a third of the ideas) and "mot42" (a rare one).
Targets: ≤ 10 queries whatever the page, p95 ≤ 100 ms.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parvis.settings")
os.environ.setdefault("PARVIS_HOME", "/tmp/pvhome-bench-ideas")  # noqa: S108
os.environ.setdefault("PARVIS_DEBUG", "0")
os.environ.setdefault("PARVIS_RATE_LIMITS_ENABLED", "0")
os.environ.setdefault("PARVIS_HTTPS", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-bench-only-secret-key")

SLUG = "bench-ideas-20000"
WORDS = (
    "vélo piste arbre école fontaine banc jardin bus compost rue square ombre marché piscine "
    "lumière trottoir fresque toilettes crèche bibliothèque"
).split()


def setup(n_ideas: int):
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from parvis.core.models import Role, Territory, TerritoryLevel, User
    from parvis.ideas import rules
    from parvis.ideas.models import Comment, Consultation, Idea, Support, Tag, Theme

    os.makedirs(os.environ["PARVIS_HOME"], exist_ok=True)
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if not Territory.objects.exists():
        from parvis.core.demo_territories import load_demo_territories

        load_demo_territories()
    consultation = Consultation.objects.filter(slug=SLUG).first()
    Idea.objects.filter(consultation__slug__startswith="bench-").exclude(consultation__slug=SLUG).delete()
    Consultation.objects.filter(slug__startswith="bench-2").delete()  # earlier versions of this bench
    if consultation is not None and consultation.ideas.count() == n_ideas:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE ideas_idea")
        return consultation, connection.vendor
    if consultation is not None:
        Idea.objects.filter(consultation=consultation).delete()
        consultation.delete()
    now = timezone.now()
    consultation = Consultation.objects.create(
        slug=SLUG,
        title="Banc d'essai",
        question="20 000 idées ?",
        starts_at=now - timedelta(days=30),
        ideas_end_at=now + timedelta(days=30),
        discussion_end_at=now + timedelta(days=60),
        answer_at=now + timedelta(days=90),
    )
    rng = random.Random(1)
    users = []
    for k in range(200):
        email = f"bench-ideas-{k}@example.org"
        user = User.objects.filter(email=email).first() or User(
            email=email, role=Role.RESIDENT, email_confirmed_at=now
        )
        if user.pk is None:
            user.set_unusable_password()
            user.save()
        users.append(user)
    districts = list(Territory.objects.filter(level=TerritoryLevel.DISTRICT))
    tags = [
        Tag.objects.get_or_create(slug=f"bench-{w}", defaults={"name": f"bench {w}"})[0] for w in WORDS[:8]
    ]
    themes = Theme.values
    batch = []
    for i in range(n_ideas):
        title = " ".join(rng.choice(WORDS) for _ in range(4)).capitalize()
        # A realistic spread: a few of the common words, and many rarer ones (synthetic "mot123").
        body = " ".join(
            [rng.choice(WORDS) for _ in range(3)] + [f"mot{rng.randint(0, 2999)}" for _ in range(37)]
        )
        created = now - timedelta(minutes=i)
        batch.append(
            Idea(
                consultation=consultation,
                author=users[i % len(users)],
                title=title,
                body=f"<p>{body}</p>",
                theme=rng.choice(themes),
                district=rng.choice(districts),
                created_at=created,
                published_at=created,
                support_count=rng.randint(0, 2000),
                comment_count=rng.randint(0, 50),
                search_text=rules.search_normalise(f"{title} {body}"),
            )
        )
    Idea.objects.bulk_create(batch, batch_size=2000)
    ids = list(Idea.objects.filter(consultation=consultation).values_list("id", flat=True))
    through = Idea.tags.through
    through.objects.bulk_create(
        [through(idea_id=i, tag_id=rng.choice(tags).pk) for i in ids], batch_size=5000
    )
    Support.objects.bulk_create(
        [Support(idea_id=rng.choice(ids), user=users[0]) for _ in range(300)], ignore_conflicts=True
    )
    Comment.objects.bulk_create(
        [Comment(idea_id=rng.choice(ids), author=users[1], body="Bench") for _ in range(300)]
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("ideas_idea", "ideas_idea_tags", "ideas_support", "ideas_comment"):
                cursor.execute(f"VACUUM ANALYZE {table}")  # as autovacuum would after a bulk load
    return consultation, connection.vendor


def measure(consultation, n_requests: int):
    """Latency per visitor kind and sort order.

    A first-time anonymous visitor arrives with no cookie at all (no session, no seed of the random
    order, no CSRF token): the cookie jar is emptied before each of its requests. The handler (the
    middleware stack) is kept, as a server process keeps it: a new ``Client()`` per request would also
    time the loading of the middleware (WhiteNoise indexing every static file), which a server does once.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from parvis.core.models import User

    url = f"/idees/{consultation.slug}/"
    pages = (consultation.ideas.count() + 19) // 20
    rng = random.Random(2)
    signed_in = Client()
    signed_in.force_login(User.objects.get(email="bench-ideas-0@example.org"))
    anonymous = Client()
    for _ in range(10):
        signed_in.get(url)  # warm-up (cache of districts, connection)
        anonymous.get(url)
    results = {}
    worst_queries = 0
    for label, extra in [
        ("hasard", ""),
        ("soutiens", "&tri=soutiens"),
        ("commentaires", "&tri=commentaires"),
        ("recentes", "&tri=recentes"),
        ("recherche « velo »", "&q=velo&tri=soutiens"),
        ("recherche « mot42 »", "&q=mot42"),
    ]:
        for visitor, client in [("anonymous, first visit", anonymous), ("signed in, returning", signed_in)]:
            times = []
            for _ in range(n_requests):
                page = rng.randint(1, pages if "q=" not in extra else 3)
                if client is anonymous:
                    client.cookies.clear()
                with CaptureQueriesContext(connection) as ctx:
                    start = time.perf_counter()
                    response = client.get(f"{url}?page={page}{extra}")
                    times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
                worst_queries = max(worst_queries, len(ctx.captured_queries))
            times.sort()
            p95 = times[max(int(len(times) * 0.95) - 1, 0)]
            results[(label, visitor)] = (statistics.median(times), p95, max(times))
    return results, worst_queries


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ideas", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    consultation, vendor = setup(args.ideas)
    results, worst = measure(consultation, args.requests)
    print(f"command: {' '.join(sys.argv)}")
    load = os.getloadavg()[0]
    print(f"database: {vendor}, {args.ideas} ideas, {args.requests} requests per sort, load {load:.1f}")
    print(f"{'sort':24} {'visitor':24} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for (label, visitor), (p50, p95, worst_ms) in results.items():
        print(f"{label:24} {visitor:24} {p50:8.1f} {p95:8.1f} {worst_ms:8.1f}")
    first = [p95 for (_label, visitor), (_p50, p95, _max) in results.items() if visitor.startswith("anon")]
    print(f"p95 of a first-time anonymous visitor, worst sort: {max(first):.1f} ms (target ≤ 100)")
    print(f"SQL queries per page (worst): {worst} (target ≤ 10)")


if __name__ == "__main__":
    main()
