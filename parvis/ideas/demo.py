"""Demo data of the ideas module. Idempotent: each consultation is created once, keyed by its slug.

- « Paris respire » — open, city-wide, with about forty ideas, comments, replies and supports;
- « Embellir le 11e » — a neighbourhood consultation whose ideas are placed on the map;
- « Plan vélo 2025 » — closed, with the city's official answers;
- « Rues aux écoles » — an opinion map with two planted groups of voters;
- the permanent *boîte à idées*.
"""

import random
from datetime import timedelta

import numpy as np
from django.db import transaction
from django.utils import timezone

from parvis.core import places
from parvis.core.demo_territories import TOWN_HALLS
from parvis.core.models import Role, Territory, TerritoryLevel, User

from . import rules, services
from .models import (
    Answer,
    AnswerStatus,
    AuthorKind,
    Comment,
    Consultation,
    Follow,
    Idea,
    Participation,
    ScopeKind,
    Statement,
    StatementVote,
    Status,
    Support,
    Tag,
    Theme,
)

PARTICIPANTS = 60
PARTICIPANT_EMAIL = "idees-{n:02d}@demo.parvis.localhost"
FIRST_NAMES = [
    "Nadia",
    "Louis",
    "Mei",
    "Ibrahima",
    "Chloé",
    "Yanis",
    "Sofia",
    "Hugo",
    "Awa",
    "Théo",
    "Inès",
    "Malik",
    "Léa",
    "Rayan",
    "Camille",
    "Noé",
    "Fatou",
    "Jules",
    "Sarah",
    "Adam",
]

CLIMATE_IDEAS = [
    (
        "Des fontaines à eau dans chaque square",
        Theme.ENVIRONMENT,
        "eau, chaleur",
        "Pendant les canicules, il faut pouvoir boire partout. "
        "Une fontaine dans chaque square et près des écoles.",
    ),
    (
        "Ombrer les cours de récréation",
        Theme.ENVIRONMENT,
        "école, chaleur",
        "Des arbres et des voiles d'ombrage dans les cours d'école, ouvertes aux familles le samedi.",
    ),
    (
        "Des rues fraîches le long des canaux",
        Theme.ENVIRONMENT,
        "canal, arbres",
        "Planter des arbres et désimperméabiliser les quais pour créer des couloirs de fraîcheur.",
    ),
    (
        "Plus de pistes cyclables séparées",
        Theme.MOBILITY,
        "vélo",
        "Des pistes protégées des voitures sur tous les grands axes, pour que les enfants puissent rouler.",
    ),
    (
        "Des stationnements vélos sécurisés",
        Theme.MOBILITY,
        "vélo, stationnement",
        "Des abris fermés pour les vélos près des gares et des immeubles sans local vélo.",
    ),
    (
        "Bus électriques la nuit",
        Theme.MOBILITY,
        "bus, nuit",
        "Plus de bus de nuit, électriques et silencieux, pour celles et ceux qui travaillent tôt ou tard.",
    ),
    (
        "Composteurs dans chaque rue",
        Theme.CLEANLINESS,
        "compost, déchets",
        "Des bacs de compost collectifs dans chaque rue, avec des référents formés par la ville.",
    ),
    (
        "Réparer plutôt que jeter",
        Theme.ECONOMY,
        "réemploi",
        "Un atelier de réparation (vélos, petit électroménager) par arrondissement, "
        "animé par des associations.",
    ),
    (
        "Isoler les logements sociaux",
        Theme.LIVING,
        "logement, énergie",
        "Accélérer l'isolation des logements sociaux : moins de froid l'hiver, moins de chaleur l'été.",
    ),
    (
        "Toitures végétalisées",
        Theme.ENVIRONMENT,
        "toits, biodiversité",
        "Végétaliser les toits plats des bâtiments publics, et aider les copropriétés à le faire.",
    ),
    (
        "Des îlots de fraîcheur ouverts la nuit",
        Theme.ENVIRONMENT,
        "chaleur, parcs",
        "Ouvrir certains parcs la nuit pendant les vagues de chaleur, avec une présence d'agents.",
    ),
    (
        "Rues piétonnes le dimanche",
        Theme.MOBILITY,
        "piétons",
        "Fermer un axe par arrondissement aux voitures chaque dimanche, pour jouer, marcher, se retrouver.",
    ),
    (
        "Réduire l'éclairage nocturne inutile",
        Theme.ENVIRONMENT,
        "lumière, énergie",
        "Éteindre les vitrines et bureaux vides la nuit, et adapter l'éclairage public pour la faune.",
    ),
    (
        "Cantines plus végétales et locales",
        Theme.HEALTH,
        "cantine, alimentation",
        "Plus de produits locaux et de repas végétariens dans les cantines scolaires "
        "et les restaurants seniors.",
    ),
    (
        "Des jardins partagés au pied des immeubles",
        Theme.ENVIRONMENT,
        "jardin",
        "Transformer des pelouses inutilisées en jardins partagés gérés par les habitants.",
    ),
    (
        "Moins de voitures devant les écoles",
        Theme.MOBILITY,
        "école, sécurité",
        "Des rues aux écoles, fermées à la circulation aux heures d'entrée et de sortie.",
    ),
    (
        "Tri des biodéchets au marché",
        Theme.CLEANLINESS,
        "marché, déchets",
        "Collecter les invendus et biodéchets des marchés alimentaires pour les associations et le compost.",
    ),
    (
        "Location de vélos cargos pour les familles",
        Theme.MOBILITY,
        "vélo, famille",
        "Un service de prêt de vélos cargos à petit prix, pour les courses et les enfants.",
    ),
    (
        "Des brumisateurs aux arrêts de bus",
        Theme.HEALTH,
        "chaleur, bus",
        "Installer des brumisateurs et de l'ombre aux arrêts de bus très exposés au soleil.",
    ),
    (
        "Un guichet unique pour la rénovation",
        Theme.LIVING,
        "énergie, logement",
        "Un lieu par arrondissement pour être conseillé sur la rénovation énergétique et ses aides.",
    ),
    (
        "Désimperméabiliser les parkings",
        Theme.ENVIRONMENT,
        "sols, eau",
        "Remplacer le bitume des parkings publics par des revêtements qui laissent passer l'eau.",
    ),
    (
        "Des navettes fluviales",
        Theme.MOBILITY,
        "Seine, transport",
        "Des bateaux électriques réguliers sur la Seine, intégrés au pass Navigo.",
    ),
    (
        "Sensibiliser dans les écoles",
        Theme.EDUCATION,
        "école, climat",
        "Des ateliers climat dans chaque école, avec des sorties dans les parcs et les fermes urbaines.",
    ),
    (
        "Des friperies solidaires",
        Theme.SOLIDARITY,
        "réemploi, vêtements",
        "Soutenir les friperies solidaires qui emploient des personnes en insertion.",
    ),
    (
        "Un label commerce zéro déchet",
        Theme.ECONOMY,
        "commerce, déchets",
        "Un label et une aide pour les commerces qui acceptent les contenants des clients.",
    ),
    (
        "Protéger les martinets et les moineaux",
        Theme.ENVIRONMENT,
        "oiseaux, biodiversité",
        "Des nichoirs sur les façades rénovées : les travaux d'isolation ne doivent pas chasser les oiseaux.",
    ),
    (
        "Piscines ouvertes tard l'été",
        Theme.SPORT,
        "piscine, chaleur",
        "Ouvrir les piscines jusqu'à 22 h pendant les canicules.",
    ),
    (
        "Végétaliser les pieds d'arbres",
        Theme.ENVIRONMENT,
        "arbres, fleurs",
        "Permettre à chacun de jardiner le pied des arbres de sa rue, avec des graines offertes.",
    ),
    (
        "Livraisons à vélo pour les commerces",
        Theme.ECONOMY,
        "livraison, vélo",
        "Des points de logistique urbaine pour que les derniers kilomètres se fassent à vélo.",
    ),
    (
        "Des toilettes publiques sèches",
        Theme.CLEANLINESS,
        "toilettes, eau",
        "Des toilettes sèches dans les parcs : moins d'eau, et plus de toilettes ouvertes.",
    ),
    (
        "Covoiturage vers la banlieue",
        Theme.MOBILITY,
        "covoiturage",
        "Des voies réservées et des points de rencontre pour le covoiturage vers la petite couronne.",
    ),
    (
        "Un arbre par naissance",
        Theme.ENVIRONMENT,
        "arbres, enfants",
        "Planter un arbre dans le quartier pour chaque enfant né dans l'année.",
    ),
    (
        "Réduire le bruit des scooters",
        Theme.HEALTH,
        "bruit",
        "Des radars sonores et des contrôles contre les deux-roues trop bruyants.",
    ),
    (
        "Des cours d'eau rouverts",
        Theme.ENVIRONMENT,
        "Bièvre, eau",
        "Rouvrir la Bièvre là où c'est possible, pour rafraîchir et embellir les quartiers.",
    ),
    (
        "Une ressourcerie par quartier",
        Theme.SOLIDARITY,
        "réemploi",
        "Des lieux où déposer et récupérer meubles et objets, plutôt que de les jeter sur le trottoir.",
    ),
    (
        "Des bancs à l'ombre pour les aînés",
        Theme.LIVING,
        "bancs, seniors",
        "Plus de bancs, à l'ombre, tous les 200 mètres, pour que les personnes âgées puissent sortir l'été.",
    ),
]

COMMENTS = [
    "Excellente idée, je soutiens !",
    "Il faudrait commencer par les quartiers les plus chauds.",
    "Attention au coût d'entretien.",
    "Dans ma rue, ce serait vraiment utile.",
    "On pourrait associer les écoles du quartier.",
    "Déjà testé à Lyon, avec de bons résultats.",
]
REPLIES = ["D'accord avec vous.", "Bonne remarque, il faut y penser.", "C'est prévu dans certains quartiers."]

NEIGHBOURHOOD_IDEAS = [
    (
        "Une fresque sur le mur du gymnase",
        Theme.CULTURE,
        "Inviter des artistes du quartier à peindre le mur.",
    ),
    ("Des jardinières rue Oberkampf", Theme.ENVIRONMENT, "Des bacs fleuris entretenus par les riverains."),
    ("Un terrain de basket rénové", Theme.SPORT, "Le sol est abîmé et les paniers n'ont plus de filet."),
    ("Des bancs place Léon-Blum", Theme.LIVING, "Il manque des assises pour se reposer autour de la place."),
    (
        "Éclairer le passage sous le pont",
        Theme.LIVING,
        "Le passage est très sombre le soir, on s'y sent mal.",
    ),
    ("Une boîte à livres square Maurice-Gardette", Theme.CULTURE, "Pour échanger des livres entre voisins."),
    (
        "Des arceaux vélos devant la médiathèque",
        Theme.MOBILITY,
        "Tout le monde attache son vélo aux grilles.",
    ),
    (
        "Un potager pédagogique",
        Theme.EDUCATION,
        "Avec les écoles du quartier, dans la cour du centre social.",
    ),
    (
        "Refaire le trottoir rue de la Roquette",
        Theme.LIVING,
        "Des pavés descellés font tomber les poussettes.",
    ),
    (
        "Des toilettes publiques près du marché",
        Theme.CLEANLINESS,
        "Le marché n'a aucune toilette à proximité.",
    ),
    (
        "Une aire de jeux pour les petits",
        Theme.LIVING,
        "Les enfants de moins de 6 ans n'ont rien à proximité.",
    ),
    ("Végétaliser la cour de l'école", Theme.ENVIRONMENT, "Une cour « oasis » plus fraîche et plus verte."),
]

CLOSED_IDEAS = [
    (
        "Piste cyclable boulevard Voltaire",
        AnswerStatus.ACCEPTED,
        "La piste sera réalisée en 2026, entre République et Nation, séparée de la chaussée.",
    ),
    (
        "Vélos en libre-service dans les quartiers populaires",
        AnswerStatus.PARTLY,
        "Douze nouvelles stations seront installées dans les quartiers prioritaires ; les autres demandes "
        "seront étudiées avec l'opérateur.",
    ),
    (
        "Supprimer toutes les voitures de Paris",
        AnswerStatus.REFUSED,
        "Cette proposition ne peut pas être retenue telle quelle : la ville réduit la place de la voiture "
        "progressivement, rue par rue.",
    ),
    (
        "Stationnement vélo devant les gares",
        AnswerStatus.PLANNED,
        "Déjà prévu : 3 000 places sécurisées autour des grandes gares d'ici 2026.",
    ),
    (
        "Un atelier vélo solidaire dans le 19e",
        AnswerStatus.BUDGET,
        "Bonne idée pour le budget participatif : elle a été transmise à la prochaine campagne.",
    ),
    (
        "Des écoles de vélo pour adultes",
        AnswerStatus.ACCEPTED,
        "Des cours gratuits seront proposés dans chaque arrondissement à partir du printemps.",
    ),
]

STATEMENTS_A = [  # the "streets for people" group agrees, the "keep access" group disagrees
    "Les rues devant les écoles doivent être fermées aux voitures aux heures d'entrée et de sortie.",
    "Il faut supprimer des places de stationnement pour élargir les trottoirs.",
    "Les rues aux écoles devraient être végétalisées, même si cela réduit la circulation.",
    "Une rue aux écoles doit rester fermée toute la journée, pas seulement aux heures d'entrée.",
    "Les livraisons devraient être interdites devant les écoles le matin.",
]
STATEMENTS_B = [  # the opposite
    "Les parents qui travaillent loin doivent pouvoir déposer leurs enfants en voiture.",
    "Fermer des rues reporte la circulation et la pollution sur les rues voisines.",
    "Les commerçants de la rue doivent pouvoir être livrés à toute heure.",
]
STATEMENTS_ALL = [  # everyone agrees
    "La sécurité des enfants sur le chemin de l'école est une priorité.",
    "Les riverains doivent être consultés avant toute fermeture de rue.",
    "Les personnes handicapées doivent garder un accès en voiture.",
    "Il faut plus d'agents aux passages piétons devant les écoles.",
]


def _say(stdout, text):
    if stdout is not None:
        stdout.write(text + "\n")


def _participants() -> list[User]:
    """Demo residents (no password: the demo accounts of the core are the ones to sign in with)."""
    now = timezone.now()
    wanted = [PARTICIPANT_EMAIL.format(n=n) for n in range(1, PARTICIPANTS + 1)]
    existing = set(User.objects.filter(email__in=wanted).values_list("email", flat=True))
    new = []
    for n, email in enumerate(wanted, start=1):
        if email in existing:
            continue
        user = User(
            email=email,
            display_name=f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {chr(64 + (n % 26) + 1)}.",
            role=Role.RESIDENT,
            email_confirmed_at=now,
        )
        user.set_unusable_password()
        new.append(user)
    User.objects.bulk_create(new)
    return list(User.objects.filter(email__in=wanted).order_by("email"))


def _tags(names: str) -> list[Tag]:
    out = []
    for name in [n.strip() for n in names.split(",") if n.strip()]:
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            from django.utils.text import slugify

            tag = Tag.objects.create(name=name, slug=slugify(name)[:50] or f"mot-{Tag.objects.count()}")
        out.append(tag)
    return out


def _idea(
    consultation, author, title, body, theme, *, tags="", created_at, lat=None, lon=None, **extra
) -> Idea:
    place = places.from_point(lat, lon).fields() if lat is not None else {}
    tag_objs = _tags(tags)
    idea = Idea.objects.create(
        consultation=consultation,
        author=author,
        title=title,
        body=f"<p>{body}</p>",
        theme=theme,
        status=Status.PUBLISHED,
        created_at=created_at,
        published_at=created_at,
        search_text=rules.search_normalise(f"{title} {body} {tags}"),
        **place,
        **extra,
    )
    idea.tags.set(tag_objs)
    Follow.objects.get_or_create(idea=idea, user=author)
    return idea


def _discussion(idea, people, rng, *, supports, comments):
    chosen = rng.sample(people, min(supports, len(people)))
    Support.objects.bulk_create([Support(idea=idea, user=u) for u in chosen], ignore_conflicts=True)
    count = 0
    for k in range(comments):
        root = Comment.objects.create(
            idea=idea,
            author=rng.choice(people),
            body=rng.choice(COMMENTS),
            created_at=idea.created_at + timedelta(hours=5 + k),
        )
        count += 1
        if rng.random() < 0.4:
            Comment.objects.create(
                idea=idea,
                parent=root,
                author=rng.choice(people),
                body=rng.choice(REPLIES),
                created_at=root.created_at + timedelta(hours=2),
            )
            count += 1
    Idea.objects.filter(pk=idea.pk).update(
        support_count=Support.objects.filter(idea=idea).count(), comment_count=count
    )


def _climate(people, rng, now, stdout):
    if Consultation.objects.filter(slug="paris-respire").exists():
        return
    c = Consultation.objects.create(
        slug="paris-respire",
        title="Paris respire : vos idées pour le climat",
        theme=Theme.ENVIRONMENT,
        question="Comment adapter Paris aux canicules et réduire nos émissions ?",
        description="<p>La ville prépare son nouveau plan climat. Proposez vos idées, "
        "discutez celles des autres, "
        "soutenez celles que vous préférez. Les idées qui réunissent 1 500 soutiens en six mois "
        "reçoivent une réponse officielle.</p>",
        starts_at=now - timedelta(days=20),
        ideas_end_at=now + timedelta(days=40),
        discussion_end_at=now + timedelta(days=60),
        answer_at=now + timedelta(days=90),
        support_threshold=1500,
        support_window_days=180,
        min_age=15,
    )
    for k, (title, theme, tags, body) in enumerate(CLIMATE_IDEAS):
        created = now - timedelta(days=19 - k * 0.5, hours=k)
        kind = {}
        if k == 7:
            kind = {"author_kind": AuthorKind.GROUP, "group_name": "Repair Café Paris 11"}
        if k == 12:
            kind = {
                "author_kind": AuthorKind.ASSISTED,
                "assisted_for": "Mme Diallo",
                "assisted_consent_at": created,
            }
            author = User.objects.filter(role=Role.MEDIATOR).first() or people[k]
        else:
            author = people[k % len(people)]
        idea = _idea(
            c,
            author,
            title,
            body,
            theme,
            tags=tags,
            created_at=created,
            threshold_deadline=created + timedelta(days=180),
            **kind,
        )
        _discussion(idea, people, rng, supports=rng.randint(0, 45), comments=rng.randint(0, 4))
    _say(stdout, f"  idées : « {c.title} » ({len(CLIMATE_IDEAS)} idées)")


def _points_in(territory: Territory, rng, n):
    from shapely.geometry import Point, shape

    geom = shape(territory.geometry)
    minx, miny, maxx, maxy = geom.bounds
    points = []
    while len(points) < n:
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if geom.contains(Point(lon, lat)):
            points.append((round(lat, 6), round(lon, 6)))
    return points


def _neighbourhood(people, rng, now, stdout):
    if Consultation.objects.filter(slug="embellir-le-11e").exists():
        return
    district = Territory.objects.filter(level=TerritoryLevel.DISTRICT, code="11").first()
    c = Consultation.objects.create(
        slug="embellir-le-11e",
        title="Embellir votre quartier : le 11e",
        theme=Theme.LIVING,
        question="Qu'aimeriez-vous améliorer près de chez vous ?",
        description="<p>Placez vos idées sur la carte : une fresque, un banc, un arbre, un éclairage…</p>",
        scope_kind=ScopeKind.TERRITORIES if district else ScopeKind.CITY,
        participation=Participation.SIGNED_IN,
        starts_at=now - timedelta(days=10),
        ideas_end_at=now + timedelta(days=20),
        discussion_end_at=now + timedelta(days=35),
        answer_at=now + timedelta(days=60),
        premoderation=True,
    )
    if district:
        c.territories.set([district])
        points = _points_in(district, rng, len(NEIGHBOURHOOD_IDEAS))
    else:
        lat0, lon0 = TOWN_HALLS[11]
        points = [
            (lat0 + rng.uniform(-0.004, 0.004), lon0 + rng.uniform(-0.006, 0.006))
            for _ in NEIGHBOURHOOD_IDEAS
        ]
    for k, ((title, theme, body), (lat, lon)) in enumerate(zip(NEIGHBOURHOOD_IDEAS, points, strict=True)):
        idea = _idea(
            c,
            people[(k * 3) % len(people)],
            title,
            body,
            theme,
            created_at=now - timedelta(days=9 - k * 0.5),
            lat=lat,
            lon=lon,
        )
        _discussion(idea, people, rng, supports=rng.randint(1, 20), comments=rng.randint(0, 3))
    # One idea waits for the moderators (this consultation pre-moderates).
    Idea.objects.create(
        consultation=c,
        author=people[1],
        title="Un marché de créateurs le samedi",
        body="<p>Sur la place, une fois par mois, pour les artisans du quartier.</p>",
        theme=Theme.ECONOMY,
        status=Status.PENDING,
        search_text=rules.search_normalise("Un marché de créateurs le samedi"),
    )
    _say(stdout, f"  idées : « {c.title} » ({len(NEIGHBOURHOOD_IDEAS)} idées sur la carte)")


def _closed(people, rng, now, stdout):
    if Consultation.objects.filter(slug="plan-velo-2025").exists():
        return
    c = Consultation.objects.create(
        slug="plan-velo-2025",
        title="Plan vélo 2025",
        theme=Theme.MOBILITY,
        question="Comment rendre le vélo plus sûr et plus facile à Paris ?",
        description="<p>Consultation terminée : la ville a répondu à chaque idée.</p>",
        starts_at=now - timedelta(days=200),
        ideas_end_at=now - timedelta(days=150),
        discussion_end_at=now - timedelta(days=120),
        answer_at=now - timedelta(days=60),
    )
    agent = User.objects.filter(role=Role.AGENT).first()
    for k, (title, status, text) in enumerate(CLOSED_IDEAS):
        idea = _idea(
            c,
            people[(k * 5) % len(people)],
            title,
            f"{title} : une proposition pour le plan vélo.",
            Theme.MOBILITY,
            tags="vélo",
            created_at=now - timedelta(days=190 - k),
        )
        _discussion(idea, people, rng, supports=rng.randint(10, 50), comments=rng.randint(1, 3))
        Answer.objects.create(
            idea=idea,
            status=status,
            text=f"<p>{text}</p>",
            author=agent,
            published_at=now - timedelta(days=55 - k),
        )
        if status == AnswerStatus.BUDGET:
            Idea.objects.filter(pk=idea.pk).update(budget_url="/budget/")
    _say(stdout, f"  idées : « {c.title} » (terminée, {len(CLOSED_IDEAS)} réponses de la ville)")


def _opinion(people, rng, now, stdout):
    if Consultation.objects.filter(slug="rues-aux-ecoles").exists():
        return
    c = Consultation.objects.create(
        slug="rues-aux-ecoles",
        title="Rues aux écoles : où en sommes-nous ?",
        theme=Theme.MOBILITY,
        question="Faut-il fermer plus de rues devant les écoles ?",
        opinion_map_enabled=True,
        map_enabled=False,
        description="<p>Votez sur des affirmations courtes, "
        "et découvrez ce qui rassemble et ce qui divise.</p>",
        starts_at=now - timedelta(days=5),
        ideas_end_at=now + timedelta(days=25),
        discussion_end_at=now + timedelta(days=30),
        answer_at=now + timedelta(days=60),
    )
    texts = STATEMENTS_A + STATEMENTS_B + STATEMENTS_ALL
    statements = [Statement.objects.create(consultation=c, text=t, author=people[0]) for t in texts]
    pattern_a = [1] * len(STATEMENTS_A) + [-1] * len(STATEMENTS_B) + [1] * len(STATEMENTS_ALL)
    pattern_b = [-1] * len(STATEMENTS_A) + [1] * len(STATEMENTS_B) + [1] * len(STATEMENTS_ALL)
    votes = []
    for i, user in enumerate(people):
        pattern = pattern_a if i % 5 < 3 else pattern_b
        for statement, value in zip(statements, pattern, strict=True):
            r = rng.random()
            if r < 0.15:
                continue  # not seen
            if r < 0.22:
                value = 0
            elif r < 0.30:
                value = -value
            votes.append(StatementVote(statement=statement, user=user, value=value))
    StatementVote.objects.bulk_create(votes)
    snapshot = services.opinion_map_refresh(consultation=c)
    _say(stdout, f"  idées : « {c.title} » (carte des opinions, {len(snapshot.data['groups'])} groupes)")


def _box(people, rng, now, stdout):
    if Consultation.objects.filter(is_permanent=True).exists():
        return
    c = Consultation.objects.create(
        slug="boite-a-idees",
        title="Boîte à idées de Paris",
        is_permanent=True,
        theme=Theme.OTHER,
        question="Madame la Maire, j'ai une idée…",
        description="<p>Toute l'année, proposez une idée pour Paris. Celles qui réunissent 1 500 soutiens en "
        "six mois sont examinées et reçoivent une réponse de la ville.</p>",
        starts_at=now - timedelta(days=365),
        support_threshold=1500,
        support_window_days=180,
    )
    for k, (title, theme, tags, body) in enumerate(CLIMATE_IDEAS[-6:]):
        idea = _idea(
            c,
            people[-1 - k],
            f"{title} (boîte à idées)",
            body,
            theme,
            tags=tags,
            created_at=now - timedelta(days=30 - k),
            threshold_deadline=now + timedelta(days=150 + k),
        )
        _discussion(idea, people, rng, supports=rng.randint(0, 30), comments=rng.randint(0, 2))
    _say(stdout, f"  idées : « {c.title} » (permanente)")


@transaction.atomic
def load(stdout=None) -> None:
    rng = random.Random(2026)  # noqa: S311 — demo data, reproducible
    np.random.seed(2026)
    now = timezone.now()
    people = _participants()
    _climate(people, rng, now, stdout)
    _neighbourhood(people, rng, now, stdout)
    _closed(people, rng, now, stdout)
    _opinion(people, rng, now, stdout)
    _box(people, rng, now, stdout)
