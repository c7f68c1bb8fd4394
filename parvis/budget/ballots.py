"""Ballot styles: what a valid ballot is in an envelope (approval, knapsack, grades).

``validate_choices`` takes the raw choices a voter sent and the projects on the ballot, and returns
the normalised choices or raises ``ValidationError`` with a French message naming the problem.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import BallotStyle, Grade

GRADES = {g.value for g in Grade}


def euros(amount: int) -> str:
    return _("%(amount)s €") % {"amount": number_format(amount, force_grouping=True)}


@dataclass(frozen=True)
class Spec:
    style: str
    amount: int
    max_choices: int | None = None
    min_choices: int = 0
    min_spend_percent: int = 0

    @classmethod
    def of(cls, envelope) -> Spec:
        return cls(
            envelope.ballot_style,
            envelope.amount,
            envelope.max_choices,
            envelope.min_choices,
            envelope.min_spend_percent,
        )


def _project_id(raw) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise ValidationError(
            _("Choix invalide : %(value)s n'est pas un identifiant de projet.") % {"value": raw}
        )
    return value


def validate_choices(spec: Spec, choices, costs: dict[int, int]) -> list[int] | dict[str, int]:
    """Normalise and check a ballot. ``costs`` maps the ballot's project ids to their costs."""
    if spec.style == BallotStyle.GRADES:
        return _validate_grades(spec, choices, costs)
    if isinstance(choices, dict) or not isinstance(choices, list | tuple | set):
        raise ValidationError(_("Bulletin invalide : une liste de projets est attendue."))
    ids: dict[int, None] = {}  # distinct, in order; a set lookup per choice, not a list scan
    for raw in choices:
        pid = _project_id(raw)
        if pid not in costs:
            raise ValidationError(_("Le projet n°%(id)s ne fait pas partie de ce bulletin.") % {"id": pid})
        ids[pid] = None
    ids = list(ids)
    count = len(ids)
    if spec.max_choices is not None and count > spec.max_choices:
        raise ValidationError(
            ngettext(
                "Vous avez choisi %(count)s projets ; %(max)s au plus est permis.",
                "Vous avez choisi %(count)s projets ; %(max)s au plus sont permis.",
                spec.max_choices,
            )
            % {"count": count, "max": spec.max_choices}
        )
    if count < spec.min_choices:
        raise ValidationError(
            ngettext(
                "Choisissez au moins %(min)s projet.",
                "Choisissez au moins %(min)s projets.",
                spec.min_choices,
            )
            % {"min": spec.min_choices}
        )
    if count == 0:
        raise ValidationError(_("Choisissez au moins un projet."))
    if spec.style == BallotStyle.KNAPSACK:
        total = sum(costs[p] for p in ids)
        if total > spec.amount:
            raise ValidationError(
                _(
                    "Votre sélection coûte %(total)s, plus que l'enveloppe de %(amount)s : "
                    "retirez des projets."
                )
                % {"total": euros(total), "amount": euros(spec.amount)}
            )
        minimum = spec.amount * spec.min_spend_percent // 100
        if total < minimum:
            raise ValidationError(
                _("Votre sélection coûte %(total)s ; choisissez des projets pour au moins %(min)s.")
                % {"total": euros(total), "min": euros(minimum)}
            )
    return sorted(ids)


def _validate_grades(spec: Spec, choices, costs: dict[int, int]) -> dict[str, int]:
    if isinstance(choices, list | tuple):
        raise ValidationError(_("Bulletin invalide : une mention par projet est attendue."))
    if not isinstance(choices, dict):
        raise ValidationError(_("Bulletin invalide : une mention par projet est attendue."))
    grades: dict[str, int] = {}
    for raw_id, raw_grade in choices.items():
        pid = _project_id(raw_id)
        if pid not in costs:
            raise ValidationError(_("Le projet n°%(id)s ne fait pas partie de ce bulletin.") % {"id": pid})
        if raw_grade in (None, ""):
            continue
        try:
            grade = int(raw_grade)
        except (TypeError, ValueError):
            grade = None
        if grade not in GRADES:
            raise ValidationError(_("Mention invalide pour le projet n°%(id)s.") % {"id": pid})
        grades[str(pid)] = grade
    if not grades:
        raise ValidationError(_("Donnez une mention à au moins un projet."))
    return dict(sorted(grades.items(), key=lambda kv: int(kv[0])))


def summary(spec: Spec, choices, costs: dict[int, int]) -> dict:
    """What the ballot page shows as the voter selects: spent, remaining budget or choices, problems."""
    if spec.style == BallotStyle.GRADES:
        graded = (
            len([g for g in (choices or {}).values() if g not in (None, "")])
            if isinstance(choices, dict)
            else 0
        )
        return {"style": spec.style, "graded": graded, "total": len(costs), "error": None}
    ids = []
    for raw in choices or []:
        try:
            pid = int(raw)
        except (TypeError, ValueError):
            continue
        if pid in costs and pid not in ids:
            ids.append(pid)
    spent = sum(costs[p] for p in ids)
    error = None
    try:
        validate_choices(spec, ids, costs)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    return {
        "style": spec.style,
        "count": len(ids),
        "spent": spent,
        "remaining": spec.amount - spent,
        "amount": spec.amount,
        "max_choices": spec.max_choices,
        "remaining_choices": None if spec.max_choices is None else spec.max_choices - len(ids),
        "error": error if ids else None,
    }
