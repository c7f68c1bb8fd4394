"""Panels drawn by lot among volunteers, stratified by features within quotas.

Why through ``sortition-algorithms``: its maximin and nash methods (Flanigan et al., *Nature* 2021) give
every volunteer as fair a chance as the quotas allow and say what that chance is; its legacy method is the
greedy draw that citizens' assemblies used before. Leximin needs a commercial solver (Gurobi): it is refused
with that reason rather than silently replaced.

The draw is reproducible: the published seed fixes the library's random numbers (legacy's picks, the
column generation's tie-breaking weights) and the draw of one panel from the fair distribution, so anyone
re-running it with the same volunteers, quotas and seed gets the same panel.

This module takes and returns plain data (CSV text or rows); the web page and the command both call it.
"""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

METHODS = ("maximin", "nash", "legacy")
#: Legacy gives one panel, not a distribution: its selection probabilities are estimated by repeating the
#: draw this many times by default (each repetition costs as much as the draw itself).
LEGACY_ESTIMATE_RUNS = 100


class PanelError(ValueError):
    """A bad input or impossible quotas: the message is for the person who asked for the draw."""


@dataclass(frozen=True)
class Quota:
    feature: str
    value: str
    min: int
    max: int


@dataclass
class Panel:
    selected: list[str]
    probabilities: dict[str, float]
    lowest_probability: float
    method: str
    seed: int
    quotas: list[Quota]
    #: True for legacy: probabilities come from ``runs`` repeated draws, not from an exact distribution.
    estimated: bool = False
    runs: int = 0
    counts: dict[tuple[str, str], int] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "selected": self.selected,
            "probabilities": self.probabilities,
            "lowest_probability": self.lowest_probability,
            "method": self.method,
            "seed": self.seed,
        }


def _read_csv(text: str, what: str) -> tuple[list[str], list[dict[str, str]]]:
    if "\x00" in text:
        raise PanelError(_("Le fichier %(what)s n'est pas un fichier CSV lisible.") % {"what": what})
    text = text.lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text.strip() else ",", delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    try:
        rows = [dict(row) for row in reader]
    except csv.Error as error:
        raise PanelError(_("Le fichier %(what)s est mal formé : %(error)s") % {"what": what, "error": error})
    head = [h.strip() for h in (reader.fieldnames or [])]
    if not head:
        raise PanelError(_("Le fichier %(what)s est vide.") % {"what": what})
    if len(set(h.lower() for h in head)) != len(head):
        raise PanelError(_("Le fichier %(what)s a deux colonnes du même nom.") % {"what": what})
    for number, row in enumerate(rows, start=2):
        if None in row or any(value is None for value in row.values()):
            raise PanelError(
                _(
                    "Le fichier %(what)s, ligne %(line)d : le nombre de colonnes ne correspond pas "
                    "à l'en-tête."
                )
                % {"what": what, "line": number}
            )
    rows = [{k.strip(): (v or "").strip() for k, v in row.items()} for row in rows]
    return head, rows


def read_quotas(text: str) -> list[Quota]:
    """Features CSV: feature, value, min, max (optional min_flex, max_flex, ignored here)."""
    head, rows = _read_csv(text, _("des quotas"))
    lower = {h.lower(): h for h in head}
    missing = [c for c in ("feature", "value", "min", "max") if c not in lower]
    if missing:
        raise PanelError(
            _("Le fichier des quotas doit avoir les colonnes feature, value, min et max (manque : %(cols)s).")
            % {"cols": ", ".join(missing)}
        )
    quotas, seen = [], set()
    for number, row in enumerate(rows, start=2):
        feature, value = row[lower["feature"]], row[lower["value"]]
        if not feature and not value:
            continue
        if not feature or not value:
            raise PanelError(
                _("Quotas, ligne %(line)d : la caractéristique et la valeur sont requises.")
                % {"line": number}
            )
        try:
            low, high = int(row[lower["min"]]), int(row[lower["max"]])
        except ValueError:
            raise PanelError(
                _("Quotas, ligne %(line)d : min et max doivent être des nombres entiers.") % {"line": number}
            )
        if low < 0 or high < low:
            raise PanelError(
                _("Quotas, ligne %(line)d (%(feature)s = %(value)s) : il faut 0 ≤ min ≤ max.")
                % {"line": number, "feature": feature, "value": value}
            )
        key = (feature.lower(), value.lower())
        if key in seen:
            raise PanelError(
                _("Quotas : la valeur « %(value)s » de « %(feature)s » apparaît deux fois.")
                % {"feature": feature, "value": value}
            )
        seen.add(key)
        quotas.append(Quota(feature, value, low, high))
    if not quotas:
        raise PanelError(_("Le fichier des quotas ne contient aucun quota."))
    return quotas


def read_people(text: str, quotas: list[Quota], id_column: str = "id") -> dict[str, dict[str, str]]:
    """People CSV: an id column plus one column per feature; other columns are ignored."""
    head, rows = _read_csv(text, _("des volontaires"))
    lower = {h.lower(): h for h in head}
    if id_column.lower() not in lower:
        raise PanelError(
            _("Le fichier des volontaires n'a pas de colonne « %(col)s » (identifiant).") % {"col": id_column}
        )
    features = _features(quotas)
    missing = [f for f in features if f.lower() not in lower]
    if missing:
        raise PanelError(
            _("Le fichier des volontaires n'a pas de colonne pour : %(cols)s.") % {"cols": ", ".join(missing)}
        )
    people: dict[str, dict[str, str]] = {}
    for number, row in enumerate(rows, start=2):
        pid = row[lower[id_column.lower()]]
        if not pid:
            continue
        if pid in people:
            raise PanelError(_("Volontaires : l'identifiant « %(id)s » apparaît deux fois.") % {"id": pid})
        person = {}
        for feature, values in features.items():
            value = row[lower[feature.lower()]]
            match = values.get(value.lower())
            if match is None:
                raise PanelError(
                    _(
                        "Volontaires, ligne %(line)d : « %(value)s » n'est pas une valeur prévue pour "
                        "« %(feature)s » (valeurs : %(values)s)."
                    )
                    % {
                        "line": number,
                        "value": value,
                        "feature": feature,
                        "values": ", ".join(values.values()),
                    }
                )
            person[feature] = match
        people[pid] = person
    if not people:
        raise PanelError(_("Le fichier des volontaires ne contient personne."))
    return people


def _features(quotas: list[Quota]) -> dict[str, dict[str, str]]:
    """feature -> {lowercased value: value as written in the quotas}."""
    features: dict[str, dict[str, str]] = {}
    for q in quotas:
        features.setdefault(q.feature, {})[q.value.lower()] = q.value
    return features


def check_feasible(people: dict[str, dict[str, str]], quotas: list[Quota], size: int) -> None:
    """The plain impossibilities, named quota by quota, before any solver runs."""
    if size < 1:
        raise PanelError(_("La taille du panel doit être d'au moins une personne."))
    if size > len(people):
        raise PanelError(
            _("Panel de %(size)d personnes demandé, mais seulement %(n)d volontaires.")
            % {"size": size, "n": len(people)}
        )
    available = Counter((f, v) for person in people.values() for f, v in person.items())
    for q in quotas:
        if available[(q.feature, q.value)] < q.min:
            raise PanelError(
                _(
                    "Quota impossible : « %(feature)s = %(value)s » demande au moins %(min)d personnes, "
                    "mais seulement %(n)d volontaires ont cette valeur."
                )
                % {"feature": q.feature, "value": q.value, "min": q.min, "n": available[(q.feature, q.value)]}
            )
    for feature in _features(quotas):
        rows = [q for q in quotas if q.feature == feature]
        low, high = sum(q.min for q in rows), sum(q.max for q in rows)
        if low > size:
            raise PanelError(
                _(
                    "Quotas impossibles : les minimums de « %(feature)s » font %(low)d, plus que le panel "
                    "(%(size)d)."
                )
                % {"feature": feature, "low": low, "size": size}
            )
        reachable = sum(min(q.max, available[(q.feature, q.value)]) for q in rows)
        if min(high, reachable) < size:
            raise PanelError(
                _(
                    "Quotas impossibles : « %(feature)s » permet au plus %(high)d personnes (maximums et "
                    "volontaires disponibles), moins que le panel (%(size)d)."
                )
                % {"feature": feature, "high": min(high, reachable), "size": size}
            )


def draw(
    people: dict[str, dict[str, str]],
    quotas: list[Quota],
    size: int,
    *,
    seed: int,
    method: str = "maximin",
    estimate_runs: int = LEGACY_ESTIMATE_RUNS,
) -> Panel:
    """Draw one panel of ``size`` people; same inputs and seed, same panel."""
    from sortition_algorithms import errors
    from sortition_algorithms.committee_generation.legacy import find_random_sample_legacy
    from sortition_algorithms.committee_generation.maximin import find_distribution_maximin
    from sortition_algorithms.committee_generation.nash import find_distribution_nash
    from sortition_algorithms.utils import set_random_provider

    if method == "leximin":
        raise PanelError(
            _(
                "La méthode leximin demande un solveur commercial (Gurobi) qui n'est pas installé : "
                "choisissez maximin, nash ou legacy."
            )
        )
    if method not in METHODS:
        raise PanelError(_("Méthode inconnue : %(m)s (maximin, nash ou legacy).") % {"m": method})
    if not isinstance(seed, int) or seed <= 0:
        raise PanelError(_("La graine doit être un nombre entier positif."))
    check_feasible(people, quotas, size)
    features, lib_people = _library_input(people, quotas)
    set_random_provider(seed)
    try:
        if method == "legacy":
            chosen = find_random_sample_legacy(lib_people, features, size, [], max_attempts=100)[0][0]
            # The estimate's draws come after the panel's, so the panel is the same whatever their number.
            counts = Counter(
                pid
                for _run in range(estimate_runs)
                for pid in find_random_sample_legacy(lib_people, features, size, [], max_attempts=100)[0][0]
            )
            probabilities = {pid: counts[pid] / max(estimate_runs, 1) for pid in people}
        else:
            solve = find_distribution_maximin if method == "maximin" else find_distribution_nash
            committees, weights, _report = solve(features, lib_people, size, [])
            order = sorted(range(len(committees)), key=lambda i: sorted(committees[i]))
            committees = [committees[i] for i in order]
            weights = [max(0.0, weights[i]) for i in order]
            total = sum(weights)
            weights = [w / total for w in weights]
            chosen = random.Random(seed).choices(committees, weights=weights)[0]
            probabilities = dict.fromkeys(people, 0.0)
            for committee, weight in zip(committees, weights, strict=True):
                for pid in committee:
                    probabilities[pid] += weight
    except errors.InfeasibleQuotasError as error:
        raise PanelError(_infeasible_message(quotas, error))
    except errors.SortitionBaseError as error:
        raise PanelError(_("Le tirage n'a pas abouti : %(error)s") % {"error": error})
    finally:
        set_random_provider(None)
    selected = sorted(chosen, key=_natural)
    probabilities = {
        pid: round(p, 6) for pid, p in sorted(probabilities.items(), key=lambda kv: _natural(kv[0]))
    }
    counts = Counter((f, v) for pid in selected for f, v in people[pid].items())
    return Panel(
        selected=selected,
        probabilities=probabilities,
        lowest_probability=min(probabilities.values()),
        method=method,
        seed=seed,
        quotas=list(quotas),
        estimated=method == "legacy",
        runs=estimate_runs if method == "legacy" else 0,
        counts=dict(counts),
    )


def _natural(pid: str):
    return (0, int(pid), "") if pid.isdigit() else (1, 0, pid)


def _library_input(people, quotas):
    from requests.structures import CaseInsensitiveDict
    from sortition_algorithms.features import FeatureValueMinMax, set_default_max_flex
    from sortition_algorithms.people import People

    features = CaseInsensitiveDict()
    for q in quotas:
        features.setdefault(q.feature, CaseInsensitiveDict())[q.value] = FeatureValueMinMax(
            min=q.min, max=q.max
        )
    set_default_max_flex(features)
    lib_people = People([])
    for pid, person in people.items():
        lib_people.add(person_key=pid, data={"id": pid, **person}, features=features, row_number=0)
    return features, lib_people


def _infeasible_message(quotas: list[Quota], error) -> str:
    """Name the quotas the library had to relax to find any panel."""
    relaxed = getattr(error, "features", None) or {}
    changes = []
    for q in quotas:
        new = relaxed.get(q.feature, {}).get(q.value) if relaxed else None
        if new is not None and (new.min != q.min or new.max != q.max):
            changes.append(
                _(
                    "« %(feature)s = %(value)s » (min %(min)d, max %(max)d ; "
                    "possible : min %(nmin)d, max %(nmax)d)"
                )
                % {
                    "feature": q.feature,
                    "value": q.value,
                    "min": q.min,
                    "max": q.max,
                    "nmin": new.min,
                    "nmax": new.max,
                }
            )
    if changes:
        return _("Quotas impossibles à respecter ensemble : %(list)s.") % {"list": " ; ".join(changes)}
    return _("Quotas impossibles à respecter ensemble avec ces volontaires.")
