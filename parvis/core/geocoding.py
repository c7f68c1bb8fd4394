"""From an address or a place name to a point, so that residents can give their home without a map.

The default backend, ``offline``, needs no network: it recognises the city's own territories by
name (« Saint-Merri », « 11e arrondissement », a postal code such as 75011) and a small built-in
list of Paris landmarks and main streets. It answers with a point inside the place, which is
enough to find the home neighbourhood. Installations that may call an outside service set
``PARVIS_GEOCODER`` to ``ban`` (Base Adresse Nationale, France) or ``nominatim`` (OpenStreetMap),
optionally with ``PARVIS_GEOCODER_URL``; when that service fails, the offline backend answers.
"""

import json
import logging
import re
import unicodedata
import urllib.parse
import urllib.request
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from shapely.geometry import shape

from .models import Territory, TerritoryLevel

log = logging.getLogger(__name__)

DEFAULT_URLS = {
    "ban": "https://api-adresse.data.gouv.fr/search/",
    "nominatim": "https://nominatim.openstreetmap.org/search",
}
TIMEOUT = 5


@dataclass(frozen=True)
class GeocodeResult:
    lat: float
    lon: float
    label: str
    source: str  # "landmark", "territory", "ban", "nominatim"


# (label, names, lat, lon): places most residents can name; several spellings per place (compared
# after ``normalise``: lower case, no accent, no punctuation).
PARIS_PLACES = [
    ("Hôtel de Ville", ["hotel de ville", "mairie de paris", "place de l hotel de ville"], 48.8566, 2.3522),
    ("Tour Eiffel", ["tour eiffel", "champ de mars"], 48.8584, 2.2945),
    (
        "Notre-Dame de Paris",
        ["notre dame", "cathedrale notre dame", "parvis notre dame", "ile de la cite"],
        48.8530,
        2.3499,
    ),
    ("Sacré-Cœur", ["sacre coeur", "basilique du sacre coeur", "butte montmartre"], 48.8867, 2.3431),
    ("Gare du Nord", ["gare du nord"], 48.8809, 2.3553),
    ("Gare de l'Est", ["gare de l est"], 48.8768, 2.3592),
    ("Gare de Lyon", ["gare de lyon"], 48.8443, 2.3743),
    ("Gare d'Austerlitz", ["gare d austerlitz"], 48.8420, 2.3656),
    ("Gare Montparnasse", ["gare montparnasse"], 48.8412, 2.3209),
    ("Gare Saint-Lazare", ["gare saint lazare"], 48.8763, 2.3254),
    ("Gare de Bercy", ["gare de bercy"], 48.8391, 2.3826),
    ("Place de la République", ["place de la republique", "republique"], 48.8674, 2.3636),
    ("Place de la Bastille", ["place de la bastille", "bastille"], 48.8532, 2.3692),
    ("Place de la Nation", ["place de la nation", "nation"], 48.8483, 2.3959),
    ("Place d'Italie", ["place d italie"], 48.8313, 2.3557),
    ("Place de la Concorde", ["place de la concorde", "concorde"], 48.8656, 2.3212),
    ("Place de Clichy", ["place de clichy"], 48.8837, 2.3275),
    ("Place des Vosges", ["place des vosges"], 48.8556, 2.3655),
    ("Musée du Louvre", ["musee du louvre", "louvre"], 48.8606, 2.3376),
    ("Panthéon", ["pantheon"], 48.8462, 2.3464),
    ("Jardin du Luxembourg", ["jardin du luxembourg", "senat"], 48.8462, 2.3372),
    ("Arc de Triomphe", ["arc de triomphe", "place charles de gaulle", "etoile"], 48.8738, 2.2950),
    ("Opéra Garnier", ["opera garnier", "palais garnier", "opera"], 48.8719, 2.3316),
    ("Centre Pompidou", ["centre pompidou", "beaubourg"], 48.8606, 2.3522),
    ("Forum des Halles", ["forum des halles", "chatelet les halles", "chatelet"], 48.8622, 2.3470),
    ("Parc des Buttes-Chaumont", ["parc des buttes chaumont", "buttes chaumont"], 48.8809, 2.3828),
    ("Cimetière du Père-Lachaise", ["cimetiere du pere lachaise", "pere lachaise"], 48.8614, 2.3933),
    ("Parc Montsouris", ["parc montsouris"], 48.8222, 2.3380),
    ("Parc de la Villette", ["parc de la villette", "cite des sciences"], 48.8938, 2.3903),
    ("Bibliothèque François-Mitterrand", ["bibliotheque francois mitterrand", "bnf"], 48.8338, 2.3759),
    ("Les Invalides", ["invalides", "hotel des invalides"], 48.8565, 2.3125),
    ("Trocadéro", ["trocadero", "palais de chaillot"], 48.8620, 2.2876),
    ("Jardin des Plantes", ["jardin des plantes"], 48.8440, 2.3596),
    ("Canal Saint-Martin", ["canal saint martin"], 48.8712, 2.3650),
    ("Rue de Rivoli", ["rue de rivoli"], 48.8590, 2.3470),
    ("Avenue des Champs-Élysées", ["avenue des champs elysees", "champs elysees"], 48.8698, 2.3078),
    ("Boulevard Saint-Michel", ["boulevard saint michel"], 48.8480, 2.3410),
    ("Boulevard Saint-Germain", ["boulevard saint germain"], 48.8535, 2.3330),
    ("Boulevard Haussmann", ["boulevard haussmann"], 48.8736, 2.3320),
    ("Rue de la Roquette", ["rue de la roquette"], 48.8567, 2.3770),
    ("Rue Oberkampf", ["rue oberkampf"], 48.8650, 2.3770),
    ("Rue de Belleville", ["rue de belleville"], 48.8722, 2.3850),
    ("Rue Mouffetard", ["rue mouffetard"], 48.8422, 2.3498),
    ("Rue du Faubourg-Saint-Antoine", ["rue du faubourg saint antoine"], 48.8510, 2.3790),
    ("Rue de Vaugirard", ["rue de vaugirard"], 48.8420, 2.3050),
    ("Rue de la Convention", ["rue de la convention"], 48.8390, 2.2930),
    ("Avenue d'Italie", ["avenue d italie"], 48.8250, 2.3580),
    ("Rue de Charonne", ["rue de charonne"], 48.8545, 2.3840),
    ("Rue des Pyrénées", ["rue des pyrenees"], 48.8620, 2.4020),
    ("Avenue de Flandre", ["avenue de flandre"], 48.8880, 2.3760),
]


def normalise(text: str) -> str:
    """Lower case, no accents, single spaces: « L'Hôtel-de-Ville » → « l hotel de ville »."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _contains_phrase(haystack: str, needle: str) -> bool:
    return bool(needle) and f" {needle} " in f" {haystack} "


@lru_cache(maxsize=1)
def _places() -> list[tuple[str, float, float, str]]:
    items = [(normalise(name), lat, lon, label) for label, names, lat, lon in PARIS_PLACES for name in names]
    return sorted(items, key=lambda item: -len(item[0]))  # the longest (most precise) name wins


_DISTRICT_WORDS = re.compile(r"\b(\d{1,2})\s*(?:e|er|eme|ieme)\b")
_POSTCODE = re.compile(r"\b75(?:0(\d{2})|116)\b")


def _territory_point(territory: Territory) -> tuple[float, float]:
    point = shape(territory.geometry).representative_point()
    return point.y, point.x


def _in_district(point, number: int) -> bool:
    """Whether a point lies in the district of that number, by the boundaries the site locates with."""
    from .territories import locate

    found = locate(*point).district
    return found is None or found.code == str(number)


def geocode_offline(query: str) -> GeocodeResult | None:
    """Landmarks and streets first (most precise), then neighbourhood names, then the district."""
    q = normalise(query)
    if not q:
        return None
    postcode = None
    if match := _POSTCODE.search(q):
        postcode = int(match.group(1)) if match.group(1) else 16
    for name, lat, lon, label in _places():
        # A street on a district boundary ("rue de Belleville, 75020"): the postcode written says which side.
        if _contains_phrase(q, name) and not (postcode and not _in_district((lat, lon), postcode)):
            return GeocodeResult(lat, lon, label, "landmark")
    neighbourhoods = list(
        Territory.objects.filter(level=TerritoryLevel.NEIGHBOURHOOD)
        .select_related("parent")
        .only("name", "geometry", "parent__code")
    )
    for territory in sorted(neighbourhoods, key=lambda t: -len(t.name)):
        if not _contains_phrase(q, normalise(territory.name)):
            continue
        # "40 rue de Belleville, 75020": a neighbourhood's name inside a street's counts only where the
        # postcode the person wrote agrees with it; otherwise the postcode's district is surer.
        if postcode and territory.parent is not None and territory.parent.code != str(postcode):
            continue
        if postcode and not _in_district(_territory_point(territory), postcode):
            continue
        return GeocodeResult(*_territory_point(territory), territory.name, "territory")
    number = postcode
    if number is None and (match := _DISTRICT_WORDS.search(q)):
        number = int(match.group(1))
    if number and 1 <= number <= 20:
        district = Territory.objects.filter(level=TerritoryLevel.DISTRICT, code=str(number)).first()
        if district is not None:
            return GeocodeResult(*_territory_point(district), district.name, "territory")
    for territory in Territory.objects.filter(level=TerritoryLevel.DISTRICT).only("name", "geometry"):
        if len(normalise(territory.name)) > 3 and _contains_phrase(q, normalise(territory.name)):
            return GeocodeResult(*_territory_point(territory), territory.name, "territory")
    return None


def _urlopen(url: str, timeout: float):
    request = urllib.request.Request(  # noqa: S310 - the URL comes from the settings (https)
        url,
        headers={
            "User-Agent": f"Parvis/1 ({settings.PARVIS_SITE_URL})",
            "Accept": "application/json",
        },
    )
    return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310


def geocode_remote(query: str, backend: str) -> GeocodeResult | None:
    """Ask the Base Adresse Nationale or a Nominatim server; raise OSError/ValueError when it fails."""
    base = settings.PARVIS_GEOCODER_URL or DEFAULT_URLS[backend]
    if backend == "ban":
        params = {"q": query, "limit": 1}
    else:
        params = {"q": query, "format": "jsonv2", "limit": 1, "countrycodes": "fr"}
    with _urlopen(f"{base}?{urllib.parse.urlencode(params)}", TIMEOUT) as response:
        data = json.loads(response.read().decode("utf-8"))
    if backend == "ban":
        features = data.get("features") or []
        if not features:
            return None
        lon, lat = features[0]["geometry"]["coordinates"][:2]
        return GeocodeResult(float(lat), float(lon), features[0]["properties"].get("label", query), "ban")
    if not data:
        return None
    return GeocodeResult(
        float(data[0]["lat"]), float(data[0]["lon"]), data[0].get("display_name", query), "nominatim"
    )


def geocode(query: str) -> GeocodeResult | None:
    """The point for an address or place name, or None when nothing matches."""
    query = (query or "").strip()[:255]
    if not query:
        return None
    backend = settings.PARVIS_GEOCODER
    if backend in DEFAULT_URLS:
        try:
            result = geocode_remote(query, backend)
        except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
            log.warning("geocoder %s failed (%s); answering offline", backend, exc)
        else:
            if result is not None:
                return result
    return geocode_offline(query)
