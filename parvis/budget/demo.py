"""Demo data: the 2027 campaign in its vote phase (Paris-wide and 20 district envelopes, a reserved
priority-area amount, about a hundred projects, demo voters) and the finished 2026 campaign with its
results and the follow-up of its winners. Idempotent: nothing is created twice."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from parvis.core import places, territories
from parvis.core.demo_territories import PRIORITY_AREAS, TOWN_HALLS
from parvis.core.models import Role, Service, Territory, TerritoryLevel, User

from . import ballots as ballot_rules
from .models import (
    PHASE_ORDER,
    Ballot,
    BallotStyle,
    Campaign,
    Comment,
    DistrictChoice,
    Envelope,
    Feasibility,
    FollowUpUpdate,
    Implementation,
    Phase,
    Project,
    Rule,
    Status,
    Support,
    Theme,
)

SUBJECTS = [
    ("Végétaliser la cour de l'école {place}", Theme.ENVIRONMENT),
    ("Un jardin partagé {place}", Theme.ENVIRONMENT),
    ("Planter des arbres rue {street}", Theme.ENVIRONMENT),
    ("Piste cyclable sécurisée rue {street}", Theme.MOBILITY),
    ("Des arceaux vélos près de {place}", Theme.MOBILITY),
    ("Élargir les trottoirs rue {street}", Theme.PUBLIC_SPACE),
    ("Des bancs et de l'ombre place {place}", Theme.PUBLIC_SPACE),
    ("Rénover l'aire de jeux {place}", Theme.EDUCATION),
    ("Un terrain de sport en accès libre {place}", Theme.SPORT),
    ("Une fontaine à boire {place}", Theme.HEALTH),
    ("Rénover la bibliothèque {place}", Theme.CULTURE),
    ("Un local associatif pour les jeunes {place}", Theme.SOLIDARITY),
    ("Des toilettes publiques accessibles {place}", Theme.SOLIDARITY),
    ("Éclairer le passage {place}", Theme.PUBLIC_SPACE),
    ("Une fresque participative {place}", Theme.CULTURE),
]
PLACES = [
    "Louise-Michel",
    "des Lilas",
    "Saint-Blaise",
    "Olympe-de-Gouges",
    "Chapelle",
    "Belleville",
    "Mouzaïa",
    "Hérold",
    "Riquet",
    "Simone-Veil",
    "Marcadet",
    "des Amandiers",
    "Rosa-Parks",
    "Curial",
    "Tolbiac",
]
STREETS = [
    "de la Roquette",
    "Championnet",
    "de Tolbiac",
    "d'Alésia",
    "de Ménilmontant",
    "Marcadet",
    "des Pyrénées",
    "de la Convention",
    "Oberkampf",
    "Caulaincourt",
    "de Charonne",
    "de Crimée",
]
CITYWIDE = [
    ("Des cours oasis dans 30 écoles", Theme.ENVIRONMENT, 12_000_000),
    ("Paris à vélo : 20 km de pistes protégées", Theme.MOBILITY, 9_000_000),
    ("Des fontaines à boire dans chaque quartier", Theme.HEALTH, 3_000_000),
    ("Rénover les bains-douches municipaux", Theme.SOLIDARITY, 4_500_000),
    ("Des bibliothèques ouvertes le dimanche : aménagements", Theme.CULTURE, 2_500_000),
    ("Des toilettes publiques accessibles et gratuites", Theme.SOLIDARITY, 3_500_000),
    ("Ombrer les places contre la canicule", Theme.ENVIRONMENT, 6_000_000),
    ("Des terrains de sport pour les filles", Theme.SPORT, 2_000_000),
    ("Des abris pour les personnes à la rue", Theme.SOLIDARITY, 5_000_000),
    ("Des rues aux écoles piétonnes", Theme.MOBILITY, 4_000_000),
    ("Des jardins sur les toits des équipements publics", Theme.ENVIRONMENT, 3_000_000),
    ("Des bagageries solidaires", Theme.SOLIDARITY, 1_200_000),
    ("Des salles de sport en plein air pour les seniors", Theme.SPORT, 1_800_000),
    ("Numériser les archives des quartiers", Theme.CULTURE, 900_000),
]


def _phases(campaign, open_kind, now, *, finished=False):
    for i, kind in enumerate(PHASE_ORDER):
        if finished:
            start = now - timedelta(days=400 - 60 * i)
            end = None if kind == "followup" else start + timedelta(days=60)
        else:
            index = PHASE_ORDER.index(open_kind)
            start = now + timedelta(days=30 * (i - index) - 5)
            end = None if kind == "followup" else start + timedelta(days=30)
        Phase.objects.get_or_create(
            campaign=campaign, kind=kind, defaults={"starts_at": start, "ends_at": end}
        )


def _point_near(rnd, lat, lon, spread=0.006):
    return lat + rnd.uniform(-spread, spread), lon + rnd.uniform(-spread, spread)


def _project(
    campaign,
    envelope,
    rnd,
    authors,
    *,
    title,
    theme,
    cost,
    lat=None,
    lon=None,
    status=Status.FEASIBLE,
    assisted_by=None,
):
    place = places.NOWHERE
    if lat is not None and territories.locate(lat, lon).inside_city:
        place = places.from_point(lat, lon)
    feasible = status == Status.FEASIBLE
    now = timezone.now()
    return Project.objects.create(
        campaign=campaign,
        envelope=envelope,
        title=title,
        theme=theme,
        cost=cost if feasible else None,
        body=f"{title}. Proposé par des habitant·es et étudié par les services de la Ville, ce projet "
        "améliore la vie quotidienne du quartier. Coût et calendrier estimés par le service.",
        **place.fields(),
        estimated_cost=cost,
        author=rnd.choice(authors),
        status=status,
        feasibility=Feasibility.FEASIBLE
        if feasible
        else (Feasibility.UNFEASIBLE if status == Status.UNFEASIBLE else Feasibility.PENDING),
        review_reason=""
        if status != Status.UNFEASIBLE
        else "Relève de la compétence de l'État (voie nationale).",
        review_published_at=now if status in (Status.FEASIBLE, Status.UNFEASIBLE) else None,
        duration_months=rnd.choice([6, 12, 18, 24]) if feasible else None,
        assisted_by=assisted_by,
        resident_name="Une habitante rencontrée au marché" if assisted_by else "",
        consent_recorded_at=now if assisted_by else None,
    )


def _voters(prefix, count, districts, rnd):
    """Demo voters (no usable password: they only make the figures real)."""
    neighbourhoods = {}
    for t in Territory.objects.filter(level=TerritoryLevel.NEIGHBOURHOOD).select_related("parent"):
        neighbourhoods.setdefault(t.parent_id, []).append(t.pk)
    existing = set(User.objects.filter(email__startswith=prefix).values_list("email", flat=True))
    new = []
    for i in range(count):
        email = f"{prefix}{i:04d}@demo.parvis.localhost"
        if email in existing:
            continue
        d = rnd.choice(districts)
        user = User(
            email=email,
            display_name=f"Votant·e {i}",
            role=Role.RESIDENT,
            home_district_id=d.pk,
            home_neighbourhood_id=rnd.choice(neighbourhoods.get(d.pk, [None])),
            email_confirmed_at=timezone.now(),
        )
        user.set_unusable_password()
        new.append(user)
    User.objects.bulk_create(new)
    return list(User.objects.filter(email__startswith=prefix).order_by("email"))


def _cast(campaign, envelopes, voters, rnd):
    """Valid ballots for each voter: city-wide and their district de cœur (their home district)."""
    city = next(e for e in envelopes if e.territory_id is None)
    by_district = {e.territory_id: e for e in envelopes if e.territory_id}
    costs = {
        e.pk: dict(e.projects.filter(status=Status.FEASIBLE).values_list("pk", "cost")) for e in envelopes
    }
    popularity = {pid: rnd.random() ** 2 for c in costs.values() for pid in c}
    now = timezone.now()
    ballots, choices = [], []
    for voter in voters:
        targets = [city]
        district = by_district.get(voter.home_district_id)
        if district is not None:
            targets.append(district)
            choices.append(DistrictChoice(campaign=campaign, voter=voter, envelope=district))
        for env in targets:
            ids = sorted(costs[env.pk], key=lambda p: -popularity[p] * rnd.random())
            if env.ballot_style == BallotStyle.GRADES:
                picked = {
                    str(p): rnd.choice([1, 2, 3, 4]) if popularity[p] > 0.3 else rnd.choice([1, 2])
                    for p in ids[: rnd.randint(1, len(ids))]
                }
            else:
                picked, spent = [], 0
                limit = env.max_choices or len(ids)
                for p in ids:
                    if len(picked) >= limit:
                        break
                    if env.ballot_style == BallotStyle.KNAPSACK and spent + costs[env.pk][p] > env.amount:
                        continue
                    picked.append(p)
                    spent += costs[env.pk][p]
                picked = picked[: max(1, rnd.randint(1, len(picked) or 1))]
            if not picked:
                continue
            spec = ballot_rules.Spec.of(env)
            picked = ballot_rules.validate_choices(spec, picked, costs[env.pk])
            ballots.append(Ballot(envelope=env, voter=voter, choices=picked, created_at=now, updated_at=now))
    DistrictChoice.objects.bulk_create(choices, ignore_conflicts=True)
    Ballot.objects.bulk_create(ballots, ignore_conflicts=True)


def _campaign_2027(rnd, authors, mediator, districts, stdout):
    now = timezone.now()
    campaign, created = Campaign.objects.get_or_create(
        slug="bp-2027",
        defaults={
            "title": "Budget participatif 2027",
            "rule": Rule.GREEDY,
            "eligibility_checks": ["resident"],
            "description": "Les Parisiennes et les Parisiens décident de l'utilisation "
            "de 75 millions d'euros "
            "d'investissement. Vote ouvert à toutes et tous, sans condition d'âge ni de nationalité.",
        },
    )
    if not created:
        return campaign
    _phases(campaign, "vote", now)
    city = Envelope.objects.create(
        campaign=campaign,
        slug="paris",
        name="Tout Paris",
        amount=40_000_000,
        reserved_amount=10_000_000,
        ballot_style=BallotStyle.KNAPSACK,
        max_choices=6,
    )
    qpv_districts = set()
    for _code, _n, lat, lon, _r, _p in PRIORITY_AREAS:
        loc = territories.locate(lat, lon)
        if loc.district:
            qpv_districts.add(loc.district.id)
    envelopes = [city]
    for n, district in enumerate(districts, start=1):
        amount = 1_000_000 + 250_000 * (n % 5)
        envelopes.append(
            Envelope.objects.create(
                campaign=campaign,
                slug=f"arr-{district.code}",
                name=district.name,
                territory=district,
                amount=amount,
                reserved_amount=amount // 4 if district.pk in qpv_districts else 0,
                ballot_style=BallotStyle.APPROVAL,
                max_choices=4,
                position=n,
            )
        )
    by_territory = {e.territory_id: e for e in envelopes}
    lat0, lon0 = 48.8566, 2.3522
    for i, (title, theme, cost) in enumerate(CITYWIDE):
        lat, lon = (None, None) if i % 2 else _point_near(rnd, lat0, lon0, 0.03)
        _project(campaign, city, rnd, authors, title=title, theme=theme, cost=cost, lat=lat, lon=lon)
    for code, _name, lat, lon, _r, _p in PRIORITY_AREAS:  # projects in priority areas, city-wide and local
        plat, plon = _point_near(rnd, lat, lon, 0.001)
        subject, theme = rnd.choice(SUBJECTS)
        _project(
            campaign,
            city,
            rnd,
            authors,
            title=f"{subject.format(place=_name_of(code), street='')} (QPV)",
            theme=theme,
            cost=rnd.choice([1_500_000, 2_500_000, 4_000_000]),
            lat=plat,
            lon=plon,
            assisted_by=mediator,
        )
    count = len(CITYWIDE) + len(PRIORITY_AREAS)
    for n in range(1, 21):
        lat, lon = TOWN_HALLS[n]
        envelope = by_territory.get(next((d.pk for d in districts if d.code == str(n)), None))
        if envelope is None:
            continue
        for k in range(4):
            plat, plon = _point_near(rnd, lat, lon)
            subject, theme = SUBJECTS[(n * 4 + k) % len(SUBJECTS)]
            _project(
                campaign,
                envelope,
                rnd,
                authors,
                theme=theme,
                title=subject.format(place=rnd.choice(PLACES), street=rnd.choice(STREETS)),
                cost=rnd.choice([80_000, 150_000, 250_000, 400_000, 600_000]),
                lat=plat,
                lon=plon,
                assisted_by=mediator if k == 3 and n in (10, 13, 18, 19, 20) else None,
            )
            count += 1
    # A few ideas that did not make it, for the record.
    _project(
        campaign,
        city,
        rnd,
        authors,
        title="Une navette fluviale gratuite",
        theme=Theme.MOBILITY,
        cost=30_000_000,
        status=Status.UNFEASIBLE,
    )
    voters = _voters("votant-2027-", 300, districts, rnd)
    _cast(campaign, envelopes, voters, rnd)
    if stdout:
        stdout.write(f"  budget : campagne 2027 en phase de vote, {count} projets, {len(voters)} votant·es")
    return campaign


def _name_of(code):
    return next((n for c, n, *_rest in PRIORITY_AREAS if c == code), code).replace(" (approx.)", "")


def _campaign_2026(rnd, authors, districts, stdout):
    from . import services

    now = timezone.now()
    campaign, created = Campaign.objects.get_or_create(
        slug="bp-2026",
        defaults={
            "title": "Budget participatif 2026",
            "rule": Rule.MJ,
            "eligibility_checks": ["resident"],
            "description": "Campagne terminée : vote au jugement majoritaire, "
            "résultats publiés, projets en cours.",
        },
    )
    if not created:
        return campaign
    _phases(campaign, None, now, finished=True)
    city = Envelope.objects.create(
        campaign=campaign,
        slug="paris",
        name="Tout Paris",
        amount=20_000_000,
        reserved_amount=5_000_000,
        ballot_style=BallotStyle.GRADES,
    )
    envelopes = [city]
    chosen = [d for d in districts if d.code in ("11", "18", "19", "20")]
    for district in chosen:
        envelopes.append(
            Envelope.objects.create(
                campaign=campaign,
                slug=f"arr-{district.code}",
                name=district.name,
                territory=district,
                amount=1_500_000,
                reserved_amount=400_000,
                ballot_style=BallotStyle.GRADES,
                position=int(district.code),
            )
        )
    for title, theme, cost in CITYWIDE[:8]:
        lat, lon = _point_near(rnd, 48.8566, 2.3522, 0.03)
        _project(
            campaign,
            city,
            rnd,
            authors,
            title=title.replace("Des ", "Encore des "),
            theme=theme,
            cost=cost // 2,
            lat=lat,
            lon=lon,
        )
    code, _n, qlat, qlon, _r, _p = PRIORITY_AREAS[1]
    _project(
        campaign,
        city,
        rnd,
        authors,
        title="Un centre social rénové à la Goutte d'Or",
        theme=Theme.SOLIDARITY,
        cost=3_000_000,
        lat=qlat,
        lon=qlon,
    )
    for env in envelopes[1:]:
        lat, lon = TOWN_HALLS[int(env.territory.code)]
        for k in range(4):
            plat, plon = _point_near(rnd, lat, lon)
            subject, theme = SUBJECTS[(int(env.territory.code) + k * 3) % len(SUBJECTS)]
            _project(
                campaign,
                env,
                rnd,
                authors,
                theme=theme,
                lat=plat,
                lon=plon,
                title=subject.format(place=rnd.choice(PLACES), street=rnd.choice(STREETS)),
                cost=rnd.choice([200_000, 350_000, 500_000]),
            )
    voters = _voters("votant-2026-", 400, chosen, rnd)
    _cast(campaign, envelopes, voters, rnd)
    for env in envelopes:
        env.campaign = campaign
        result = services.results_compute(actor=None, envelope=env, check_permission=False)
        for i, project in enumerate(result.funded.all()):
            status = [Implementation.STUDIES, Implementation.WORKS, Implementation.DELIVERED][i % 3]
            FollowUpUpdate.objects.create(
                project=project,
                status=Implementation.STUDIES,
                body="Études lancées par le service.",
                date=now.date() - timedelta(days=120),
            )
            if status != Implementation.STUDIES:
                FollowUpUpdate.objects.create(
                    project=project,
                    status=Implementation.WORKS,
                    body="Début des travaux.",
                    date=now.date() - timedelta(days=40),
                )
            if status == Implementation.DELIVERED:
                FollowUpUpdate.objects.create(
                    project=project,
                    status=Implementation.DELIVERED,
                    body="Projet livré et inauguré.",
                    date=now.date() - timedelta(days=5),
                )
            Project.objects.filter(pk=project.pk).update(implementation=status)
    if stdout:
        stdout.write(f"  budget : campagne 2026 terminée, résultats publiés, {len(voters)} votant·es")
    return campaign


@transaction.atomic
def load(stdout=None) -> None:
    rnd = random.Random(2027)
    districts = territories.in_code_order(Territory.objects.filter(level=TerritoryLevel.DISTRICT))
    if not districts:
        return
    territories.invalidate_index()
    authors = (
        list(
            User.objects.filter(
                email__in=["habitante@demo.parvis.localhost", "habitant@demo.parvis.localhost"]
            )
        )
        or None
    )
    if authors is None:
        authors = _voters("auteur-", 5, districts, rnd)
    # The demo residents declare an address in Paris so that they may vote.
    for user in authors:
        if user.home_district_id is None:
            user.home_district = next((d for d in districts if d.code == "18"), districts[0])
            user.save(update_fields=["home_district"])
    mediator = User.objects.filter(role=Role.MEDIATOR).first()
    _campaign_2026(rnd, authors, districts, stdout)
    campaign = _campaign_2027(rnd, authors, mediator, districts, stdout)
    # Co-construction traces on the 2027 projects: supports and a comment.
    if not Support.objects.filter(project__campaign=campaign).exists():
        voters = list(User.objects.filter(email__startswith="votant-2027-")[:60])
        projects = list(campaign.projects.all()[:40])
        Support.objects.bulk_create(
            [Support(project=rnd.choice(projects), user=v) for v in voters], ignore_conflicts=True
        )
        Comment.objects.create(
            project=projects[0], author=authors[0], body="Très bonne idée pour nos enfants !"
        )
    service = Service.objects.filter(code="espaces-verts").first()
    if service is not None:
        Project.objects.filter(campaign=campaign, service__isnull=True).update(service=service)
