"""Demo data of the reports module: a Paris-like category tree, routing, a few hundred reports across
Paris and one campaign of each kind. Idempotent: running it twice changes nothing the second time."""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone
from shapely.geometry import Point, shape

from parvis.core import territories
from parvis.core.models import Role, Service, Territory, TerritoryLevel, User

from .models import (
    Campaign,
    Category,
    Comment,
    Contribution,
    EventKind,
    Follow,
    Question,
    Report,
    ReportEvent,
    RoutingRule,
    Status,
    Support,
)

DEMO_REPORTS = 360
DEMO_SEED = 2026

VOLUME = [["small", "Tient dans un sac"], ["medium", "Tient dans une voiture"], ["large", "Camionnette"]]

#: family (code, name, icon, service) → types → leaves (code, name, keywords, target hours, questions)
TREE = [
    (
        "objets-abandonnes",
        "Objets abandonnés",
        "🛋️",
        "proprete",
        [
            (
                "encombrants",
                "Encombrants",
                [
                    (
                        "matelas",
                        "Matelas",
                        "matelas, sommier, literie",
                        48,
                        [("volume", "Volume", "choice", True, VOLUME)],
                    ),
                    (
                        "meubles",
                        "Meubles",
                        "meuble, canapé, armoire, chaise",
                        48,
                        [("volume", "Volume", "choice", True, VOLUME)],
                    ),
                    ("electromenager", "Électroménager", "frigo, machine à laver, four", 72, []),
                ],
            ),
            (
                "dechets",
                "Déchets",
                [
                    (
                        "sacs-dechets",
                        "Sacs de déchets ménagers",
                        "sac, poubelle, ordures",
                        24,
                        [("count", "Nombre de sacs", "number", False, [])],
                    ),
                    ("cartons", "Cartons", "carton, emballage", 24, []),
                    ("gravats", "Gravats et déchets de chantier", "gravats, chantier, plâtre", 72, []),
                ],
            ),
        ],
    ),
    (
        "graffitis",
        "Graffitis, tags et affiches",
        "🎨",
        "proprete",
        [
            (
                "tags",
                "Tags et graffitis",
                [
                    (
                        "tag-mur",
                        "Tag sur un mur",
                        "tag, graffiti, mur, façade",
                        240,
                        [
                            (
                                "height",
                                "Hauteur",
                                "choice",
                                False,
                                [["low", "À hauteur d'homme"], ["high", "En hauteur"]],
                            )
                        ],
                    ),
                    ("tag-mobilier", "Tag sur du mobilier urbain", "tag, banc, abribus", 168, []),
                ],
            ),
            (
                "affichage",
                "Affichage sauvage",
                [
                    ("affiches", "Affiches et autocollants", "affiche, autocollant, sticker", 168, []),
                ],
            ),
        ],
    ),
    (
        "proprete",
        "Propreté",
        "🧹",
        "proprete",
        [
            (
                "salete",
                "Saleté de l'espace public",
                [
                    ("dejections", "Déjections canines", "crotte, chien", 24, []),
                    ("corbeille-pleine", "Corbeille de rue pleine", "corbeille, poubelle de rue", 24, []),
                    ("urine", "Épanchement d'urine", "urine, odeur", 48, []),
                    ("seringues", "Seringues", "seringue, aiguille", 12, []),
                ],
            ),
        ],
    ),
    (
        "vehicules",
        "Véhicules",
        "🚗",
        "voirie",
        [
            (
                "stationnement",
                "Stationnement",
                [
                    (
                        "ventouse",
                        "Véhicule ventouse",
                        "voiture, épave, stationnement prolongé",
                        240,
                        [
                            ("plate", "Immatriculation", "text", False, []),
                            ("since", "Depuis quand ?", "date", False, []),
                        ],
                    ),
                    ("velo-abandonne", "Vélo abandonné", "vélo, épave", 240, []),
                    (
                        "trottinette",
                        "Trottinette ou vélo en libre-service mal garé",
                        "trottinette, vls",
                        48,
                        [],
                    ),
                ],
            ),
        ],
    ),
    (
        "mobilier",
        "Mobilier urbain",
        "🪑",
        "voirie",
        [
            (
                "mobilier-casse",
                "Mobilier endommagé",
                [
                    ("banc", "Banc cassé", "banc, assise", 336, []),
                    ("potelet", "Potelet ou barrière endommagé", "potelet, borne, barrière", 336, []),
                    ("plaque-rue", "Plaque de rue manquante ou abîmée", "plaque, nom de rue", 720, []),
                    ("signalisation", "Panneau de signalisation", "panneau, signalisation", 168, []),
                ],
            ),
        ],
    ),
    (
        "eclairage",
        "Éclairage public",
        "💡",
        "eclairage",
        [
            (
                "lampadaires",
                "Lampadaires",
                [
                    (
                        "lampadaire-eteint",
                        "Lampadaire éteint",
                        "lampadaire, lumière, nuit",
                        72,
                        [("pole", "Numéro inscrit sur le poteau", "text", False, [])],
                    ),
                    ("lampadaire-jour", "Lampadaire allumé le jour", "lampadaire, jour", 168, []),
                    ("feu-tricolore", "Feu tricolore en panne", "feu rouge, feu tricolore", 12, []),
                ],
            ),
        ],
    ),
    (
        "voirie",
        "Voirie et trottoirs",
        "🚧",
        "voirie",
        [
            (
                "chaussee",
                "Chaussée et trottoirs",
                [
                    (
                        "nid-de-poule",
                        "Nid-de-poule",
                        "trou, chaussée, route",
                        168,
                        [
                            (
                                "depth",
                                "Profondeur",
                                "choice",
                                True,
                                [["shallow", "Moins de 5 cm"], ["deep", "Plus de 5 cm"]],
                            )
                        ],
                    ),
                    ("trottoir", "Trottoir dégradé", "trottoir, pavé, dalle", 336, []),
                    ("marquage", "Marquage au sol effacé", "passage piéton, marquage", 720, []),
                ],
            ),
        ],
    ),
    (
        "eau",
        "Eau et assainissement",
        "💧",
        "proprete",
        [
            (
                "eau-voirie",
                "Eau sur la voie publique",
                [
                    ("fuite", "Fuite d'eau", "fuite, eau", 12, []),
                    ("avaloir", "Avaloir ou grille bouché", "avaloir, égout, grille", 72, []),
                    ("fontaine", "Fontaine à boire en panne", "fontaine, wallace", 168, []),
                ],
            ),
        ],
    ),
    (
        "arbres",
        "Arbres et végétaux",
        "🌳",
        "espaces-verts",
        [
            (
                "arbres-rue",
                "Arbres",
                [
                    ("arbre-dangereux", "Arbre ou branche dangereux", "arbre, branche, chute", 24, []),
                    ("pied-arbre", "Pied d'arbre sale", "pied d'arbre, grille", 168, []),
                    ("vegetation", "Végétation envahissante", "haie, herbe, végétation", 336, []),
                ],
            ),
        ],
    ),
    (
        "commerces",
        "Activités commerciales",
        "🏪",
        "voirie",
        [
            (
                "occupation",
                "Occupation de l'espace public",
                [
                    ("terrasse", "Terrasse ou étalage débordant", "terrasse, étalage, café", 168, []),
                    ("livraisons", "Nuisances de livraisons", "livraison, camion", 168, []),
                ],
            ),
        ],
    ),
]

EXTRA_AGENTS = [
    ("agent-espaces-verts@demo.parvis.localhost", "Léa (agente, espaces verts)", "espaces-verts"),
    ("agent-eclairage@demo.parvis.localhost", "Marc (agent, éclairage)", "eclairage"),
]

DESCRIPTIONS = [
    "Depuis ce matin, devant le numéro {n}.",
    "Gêne le passage des poussettes.",
    "À l'angle de la rue.",
    "Déjà signalé la semaine dernière, toujours là.",
    "Près de l'arrêt de bus.",
    "Devant l'école.",
    "",
]


def _say(stdout, text):
    if stdout is not None:
        stdout.write(text + "\n")


def _categories() -> dict[str, Category]:
    services = {s.code: s for s in Service.objects.all()}
    by_code = {}
    for f_pos, (f_code, f_name, icon, service_code, types) in enumerate(TREE):
        family, _ = Category.objects.update_or_create(
            code=f_code,
            defaults={"name": f_name, "icon": icon, "position": f_pos, "service": services.get(service_code)},
        )
        by_code[f_code] = family
        for t_pos, (t_code, t_name, leaves) in enumerate(types):
            kind, _ = Category.objects.update_or_create(
                code=t_code, defaults={"name": t_name, "parent": family, "position": t_pos, "icon": icon}
            )
            by_code[t_code] = kind
            for l_pos, (l_code, l_name, keywords, hours, questions) in enumerate(leaves):
                leaf, _ = Category.objects.update_or_create(
                    code=l_code,
                    defaults={
                        "name": l_name,
                        "parent": kind,
                        "position": l_pos,
                        "keywords": keywords,
                        "icon": icon,
                        "target_hours": hours,
                    },
                )
                by_code[l_code] = leaf
                for q_pos, (q_code, label, qkind, required, choices) in enumerate(questions):
                    Question.objects.update_or_create(
                        category=leaf,
                        code=q_code,
                        defaults={
                            "label": label,
                            "kind": qkind,
                            "required": required,
                            "choices": choices,
                            "position": q_pos,
                        },
                    )
    # A street bin in the Bois de Boulogne or de Vincennes goes to Green Spaces, not to Cleanliness.
    green = services.get("espaces-verts")
    if green is not None:
        for district_code in ("12", "16"):
            district = Territory.objects.filter(level=TerritoryLevel.DISTRICT, code=district_code).first()
            if district is not None:
                RoutingRule.objects.get_or_create(
                    category=by_code["corbeille-pleine"], territory=district, defaults={"service": green}
                )
    return by_code


def _agents():
    for email, name, service_code in EXTRA_AGENTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            from parvis.core.demo import DEMO_PASSWORD

            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                display_name=name,
                role=Role.AGENT,
                email_confirmed_at=timezone.now(),
            )
        service = Service.objects.filter(code=service_code).first()
        if service is not None:
            service.members.add(user)


def _random_points(rng: random.Random, count: int) -> list[tuple[float, float]]:
    districts = [shape(t.geometry) for t in Territory.objects.filter(level=TerritoryLevel.DISTRICT)]
    points = []
    while len(points) < count and districts:
        geom = rng.choice(districts)
        min_x, min_y, max_x, max_y = geom.bounds
        lon, lat = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if geom.contains(Point(lon, lat)):
            points.append((round(lat, 6), round(lon, 6)))
    return points


def _reports(stdout, cats: dict[str, Category]) -> int:
    demo_prefix = "demo-"
    existing = set(
        Report.objects.filter(client_token__startswith=demo_prefix).values_list("client_token", flat=True)
    )
    if len(existing) >= DEMO_REPORTS:
        return 0
    from .services import route

    rng = random.Random(DEMO_SEED)
    residents = list(
        User.objects.filter(email__in=["habitante@demo.parvis.localhost", "habitant@demo.parvis.localhost"])
    )
    leaves = [c for c in cats.values() if not any(o.parent_id == c.pk for o in cats.values())]
    points = _random_points(rng, DEMO_REPORTS)
    now = timezone.now()
    created = 0
    agents_by_service = {}
    for s in Service.objects.prefetch_related("members"):
        agents_by_service[s.pk] = list(s.members.all())
    for n, (lat, lon) in enumerate(points):
        token = f"demo-{n:04d}"
        category = rng.choice(leaves)
        status = rng.choices(list(Status.values), weights=[20, 15, 8, 40, 6, 4, 7])[0]
        if token in existing:
            continue
        location = territories.locate(lat, lon)
        if not location.inside_city:
            continue
        created_at = now - dt.timedelta(hours=rng.uniform(1, 24 * 120))
        answers = {}
        for q in category.questions.all():
            if q.kind == "choice":
                answers[q.code] = rng.choice(q.choice_pairs)[0]
            elif q.kind == "number":
                answers[q.code] = rng.randint(1, 8)
        service_id = route(category, location)
        closing = created_at + dt.timedelta(hours=rng.expovariate(1 / max(category.target_hours, 1)))
        closed = status not in ("new", "to_handle", "scheduled")
        if closed and closing > now:
            closing = now
        report = Report(
            category=category,
            service_id=service_id,
            status="to_handle" if status == "duplicate" else status,
            lat=lat,
            lon=lon,
            description=rng.choice(DESCRIPTIONS).format(n=rng.randint(1, 120)),
            answers=answers,
            author=rng.choice(residents) if residents else None,
            author_email="" if residents else "demo@parvis.localhost",
            district_id=location.district.id if location.district else None,
            neighbourhood_id=location.neighbourhood.id if location.neighbourhood else None,
            priority_area_id=location.priority_area.id if location.priority_area else None,
            confirmed_at=created_at,
            client_token=token,
            created_at=created_at,
            updated_at=closing if closed else created_at,
            closed_at=closing if closed else None,
            resolved_at=closing if status == "done" else None,
            planned_for=(now + dt.timedelta(days=rng.randint(1, 14))).date()
            if status == "scheduled"
            else None,
            public_reason="Ce lieu relève d'un bailleur privé ; nous lui avons transmis."
            if status == "rejected"
            else "",
        )
        with transaction.atomic():
            report.save()
            ReportEvent.objects.create(
                report=report, kind=EventKind.CREATED, status=Status.NEW, created_at=created_at
            )
            if report.author_id:
                Follow.objects.get_or_create(report=report, user_id=report.author_id)
            if report.status != Status.NEW:
                agents = agents_by_service.get(service_id) or []
                ReportEvent.objects.create(
                    report=report,
                    kind=EventKind.STATUS,
                    status=report.status,
                    actor_is_staff=True,
                    actor=agents[0] if agents else None,
                    created_at=closing if closed else created_at,
                    note={
                        "done": "Intervention réalisée.",
                        "rejected": report.public_reason,
                        "scheduled": "Intervention programmée.",
                    }.get(report.status, ""),
                )
        created += 1
    _say(stdout, f"  signalements de démonstration : {created} créés")
    return created


def _campaigns(cats: dict[str, Category]) -> None:
    now = timezone.now()
    info, made = Campaign.objects.get_or_create(
        slug="plaques-de-rue",
        defaults={
            "kind": Campaign.Kind.INFORMATION,
            "title": "Plaques de rue manquantes avant la Fête de la musique",
            "description": "Aidez-nous à repérer les plaques de nom de rue manquantes ou illisibles "
            "dans le centre de Paris, pour que chacun s'y retrouve le soir de la fête.",
            "starts_at": now - dt.timedelta(days=7),
            "ends_at": now + dt.timedelta(days=30),
            "category": cats["plaque-rue"],
            "service": Service.objects.filter(code="voirie").first(),
            "published": True,
        },
    )
    if made:
        info.territories.set(
            Territory.objects.filter(level=TerritoryLevel.DISTRICT, code__in=["1", "2", "3", "4"])
        )
        Question.objects.create(
            campaign=info,
            code="state",
            label="État de la plaque",
            kind="choice",
            required=True,
            choices=[["missing", "Absente"], ["damaged", "Abîmée"], ["unreadable", "Illisible"]],
        )
        Question.objects.create(
            campaign=info, code="corner", label="À quel angle de rue ?", kind="text", position=1
        )
        rng = random.Random(DEMO_SEED + 1)
        resident = User.objects.filter(email="habitante@demo.parvis.localhost").first()
        from .services import ReportDraft, report_create

        for i in range(12):
            lat, lon = 48.857 + rng.uniform(0, 0.012), 2.338 + rng.uniform(0, 0.025)
            try:
                report_create(
                    draft=ReportDraft(
                        category_code="",
                        lat=lat,
                        lon=lon,
                        client_token=f"demo-info-{i}",
                        answers={"state": rng.choice(["missing", "damaged", "unreadable"])},
                    ),
                    author=resident,
                    campaign=info,
                )
            except Exception:  # noqa: BLE001,S112 - a random point may fall outside the perimeter
                continue
    square_lon, square_lat = 2.3637, 48.8675
    codesign, made = Campaign.objects.get_or_create(
        slug="place-de-la-republique",
        defaults={
            "kind": Campaign.Kind.CODESIGN,
            "title": "Imaginons ensemble la place de la République",
            "description": "La ville prévoit de réaménager les abords de la place. Placez vos "
            "propositions sur la carte : bancs, arbres, fontaines, jeux, stationnement vélo… "
            "Soutenez celles des autres.",
            "starts_at": now - dt.timedelta(days=10),
            "ends_at": now + dt.timedelta(days=45),
            "perimeter": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [square_lon - 0.004, square_lat - 0.0025],
                        [square_lon + 0.004, square_lat - 0.0025],
                        [square_lon + 0.004, square_lat + 0.0025],
                        [square_lon - 0.004, square_lat + 0.0025],
                        [square_lon - 0.004, square_lat - 0.0025],
                    ]
                ],
            },
            "service": Service.objects.filter(code="urbanisme").first(),
            "published": True,
        },
    )
    if made:
        people = list(User.objects.filter(email__endswith="@demo.parvis.localhost", role=Role.RESIDENT))
        ideas = [
            ("Des bancs à l'ombre", 0.001, -0.002),
            ("Plus d'arbres côté nord", 0.002, 0.0),
            ("Une fontaine à boire", -0.001, 0.001),
            ("Un abri pour les vélos", -0.0015, -0.003),
            ("Une aire de jeux", 0.0005, 0.003),
        ]
        for i, (title, dlat, dlon) in enumerate(ideas):
            author = people[i % len(people)] if people else None
            location = territories.locate(square_lat + dlat, square_lon + dlon)
            c = Contribution.objects.create(
                campaign=codesign,
                author=author,
                title=title,
                lat=square_lat + dlat,
                lon=square_lon + dlon,
                neighbourhood_id=location.neighbourhood.id if location.neighbourhood else None,
            )
            for supporter in people[: (5 - i) % (len(people) + 1)]:
                Support.objects.get_or_create(contribution=c, user=supporter)
            c.support_count = c.supports.count()
            c.save(update_fields=["support_count"])
            if i == 0 and people:
                Comment.objects.create(
                    contribution=c, author=people[-1], body="Oui, l'été il fait très chaud ici."
                )


def load(stdout=None) -> None:
    with transaction.atomic():
        cats = _categories()
        _agents()
    territories.invalidate_index()
    _reports(stdout, cats)
    with transaction.atomic():
        _campaigns(cats)
    _say(
        stdout,
        f"  signalements : {Category.objects.count()} catégories, {Report.objects.count()} signalements, "
        f"{Campaign.objects.count()} campagnes",
    )
