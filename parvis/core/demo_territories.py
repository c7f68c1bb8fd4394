"""Approximate Paris territories for the demo, computed here so the demo needs no outside file.

Districts are Voronoi cells around the 20 historical town halls, clipped to a coarse outline of the
city; each is cut in four around its town hall to give neighbourhoods carrying the official names and
INSEE codes, and a few discs stand for priority areas. They are marked ``approximate``; importing the
official boundaries (``parvis import-territories``) replaces them in place, code for code.
"""

import shapely
from django.db import transaction
from shapely.geometry import MultiPoint, Point, Polygon, box, mapping

from .models import Territory, TerritoryLevel

# (lat, lon) of each arrondissement's town hall.
TOWN_HALLS = {
    1: (48.8601, 2.3408),
    2: (48.8665, 2.3404),
    3: (48.8637, 2.3618),
    4: (48.8565, 2.3548),
    5: (48.8462, 2.3443),
    6: (48.8510, 2.3326),
    7: (48.8566, 2.3200),
    8: (48.8763, 2.3174),
    9: (48.8722, 2.3404),
    10: (48.8721, 2.3577),
    11: (48.8575, 2.3796),
    12: (48.8405, 2.3880),
    13: (48.8314, 2.3559),
    14: (48.8331, 2.3265),
    15: (48.8412, 2.3000),
    16: (48.8636, 2.2766),
    17: (48.8843, 2.3219),
    18: (48.8925, 2.3444),
    19: (48.8828, 2.3822),
    20: (48.8650, 2.3988),
}

# Coarse outline (lon, lat) following the périphérique, with the Bois de Boulogne and de Vincennes.
OUTLINE = [
    (2.2825, 48.8780),
    (2.2920, 48.8860),
    (2.3130, 48.8945),
    (2.3290, 48.8975),
    (2.3450, 48.9010),
    (2.3590, 48.9010),
    (2.3700, 48.9000),
    (2.3860, 48.8985),
    (2.3990, 48.8880),
    (2.4070, 48.8770),
    (2.4140, 48.8640),
    (2.4130, 48.8470),
    (2.4400, 48.8450),
    (2.4690, 48.8440),
    (2.4650, 48.8260),
    (2.4380, 48.8170),
    (2.4120, 48.8240),
    (2.3900, 48.8260),
    (2.3700, 48.8190),
    (2.3590, 48.8165),
    (2.3430, 48.8160),
    (2.3250, 48.8210),
    (2.3050, 48.8260),
    (2.2880, 48.8310),
    (2.2700, 48.8340),
    (2.2570, 48.8380),
    (2.2450, 48.8430),
    (2.2240, 48.8530),
    (2.2300, 48.8700),
    (2.2450, 48.8790),
    (2.2580, 48.8800),
    (2.2825, 48.8780),
]

NEIGHBOURHOODS = {
    1: ["Saint-Germain-l'Auxerrois", "Halles", "Palais-Royal", "Place-Vendôme"],
    2: ["Gaillon", "Vivienne", "Mail", "Bonne-Nouvelle"],
    3: ["Arts-et-Métiers", "Enfants-Rouges", "Archives", "Sainte-Avoie"],
    4: ["Saint-Merri", "Saint-Gervais", "Arsenal", "Notre-Dame"],
    5: ["Saint-Victor", "Jardin-des-Plantes", "Val-de-Grâce", "Sorbonne"],
    6: ["Monnaie", "Odéon", "Notre-Dame-des-Champs", "Saint-Germain-des-Prés"],
    7: ["Saint-Thomas-d'Aquin", "Invalides", "École-Militaire", "Gros-Caillou"],
    8: ["Champs-Élysées", "Faubourg-du-Roule", "Madeleine", "Europe"],
    9: ["Saint-Georges", "Chaussée-d'Antin", "Faubourg-Montmartre", "Rochechouart"],
    10: ["Saint-Vincent-de-Paul", "Porte-Saint-Denis", "Porte-Saint-Martin", "Hôpital-Saint-Louis"],
    11: ["Folie-Méricourt", "Saint-Ambroise", "Roquette", "Sainte-Marguerite"],
    12: ["Bel-Air", "Picpus", "Bercy", "Quinze-Vingts"],
    13: ["Salpêtrière", "Gare", "Maison-Blanche", "Croulebarbe"],
    14: ["Montparnasse", "Parc-de-Montsouris", "Petit-Montrouge", "Plaisance"],
    15: ["Saint-Lambert", "Necker", "Grenelle", "Javel"],
    16: ["Auteuil", "Muette", "Porte-Dauphine", "Chaillot"],
    17: ["Ternes", "Plaine de Monceaux", "Batignolles", "Épinettes"],
    18: ["Grandes-Carrières", "Clignancourt", "Goutte-d'Or", "La Chapelle"],
    19: ["Villette", "Pont-de-Flandre", "Amérique", "Combat"],
    20: ["Belleville", "Saint-Fargeau", "Père-Lachaise", "Charonne"],
}

# Approximate discs (lat, lon, radius in degrees) standing for some of Paris's priority areas.
PRIORITY_AREAS = [
    ("DEMO-QPV-01", "La Chapelle – Évangile (approx.)", 48.8955, 2.3620, 0.0045, 9000),
    ("DEMO-QPV-02", "Goutte d'Or (approx.)", 48.8855, 2.3535, 0.0035, 12000),
    ("DEMO-QPV-03", "Belleville – Amandiers (approx.)", 48.8665, 2.3885, 0.0040, 15000),
    ("DEMO-QPV-04", "Porte de Vanves (approx.)", 48.8285, 2.3060, 0.0035, 6000),
    ("DEMO-QPV-05", "Villa d'Este – Olympiades (approx.)", 48.8240, 2.3650, 0.0040, 8000),
    ("DEMO-QPV-06", "Michelet – Alphonse Karr (approx.)", 48.8955, 2.3790, 0.0040, 10000),
]

# INSEE populations 2021, rounded (district level); neighbourhoods get a quarter each.
POPULATION = {
    1: 15900,
    2: 20900,
    3: 33000,
    4: 28000,
    5: 56800,
    6: 40400,
    7: 48500,
    8: 35600,
    9: 58400,
    10: 83500,
    11: 142500,
    12: 139300,
    13: 177800,
    14: 134400,
    15: 228100,
    16: 162800,
    17: 164400,
    18: 190000,
    19: 182900,
    20: 191200,
}


def district_name(number: int) -> str:
    return f"{number}{'er' if number == 1 else 'e'} arrondissement"


def compute_districts() -> dict[int, Polygon]:
    outline = Polygon(OUTLINE)
    numbers = sorted(TOWN_HALLS)
    points = MultiPoint([(TOWN_HALLS[n][1], TOWN_HALLS[n][0]) for n in numbers])
    cells = shapely.voronoi_polygons(points, extend_to=outline.buffer(0.1))
    result = {}
    for cell in cells.geoms:
        for n in numbers:
            if cell.contains(Point(TOWN_HALLS[n][1], TOWN_HALLS[n][0])):
                result[n] = cell.intersection(outline)
    return result


def _quadrants(district: Polygon, lat: float, lon: float) -> list:
    minx, miny, maxx, maxy = district.bounds
    boxes = [
        box(minx, lat, lon, maxy),
        box(lon, lat, maxx, maxy),
        box(lon, miny, maxx, lat),
        box(minx, miny, lon, lat),
    ]
    return [district.intersection(b) for b in boxes]


def _polygon_of(geom):
    polys = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in {"Polygon", "MultiPolygon"}]
    return shapely.union_all(polys)


@transaction.atomic
def load_demo_territories() -> int:
    """Create the demo territories; leave any territory already there (official or not) untouched."""
    if Territory.objects.filter(level=TerritoryLevel.DISTRICT).exists():
        return 0
    created = 0
    districts = compute_districts()
    for n, geom in districts.items():
        district = Territory.objects.create(
            level=TerritoryLevel.DISTRICT,
            code=str(n),
            name=district_name(n),
            geometry=mapping(geom),
            population=POPULATION[n],
            approximate=True,
        )
        created += 1
        lat, lon = TOWN_HALLS[n]
        for k, (name, part) in enumerate(zip(NEIGHBOURHOODS[n], _quadrants(geom, lat, lon), strict=True), 1):
            part = _polygon_of(part)
            if part.is_empty:
                continue
            Territory.objects.create(
                level=TerritoryLevel.NEIGHBOURHOOD,
                code=f"751{n:02d}{k:02d}",
                name=name,
                parent=district,
                geometry=mapping(part),
                population=POPULATION[n] // 4,
                approximate=True,
            )
            created += 1
    for code, name, lat, lon, radius, population in PRIORITY_AREAS:
        Territory.objects.create(
            level=TerritoryLevel.PRIORITY,
            code=code,
            name=name,
            population=population,
            geometry=mapping(Point(lon, lat).buffer(radius, quad_segs=8)),
            approximate=True,
        )
        created += 1
    from .territories import invalidate_index

    transaction.on_commit(invalidate_index)
    return created
