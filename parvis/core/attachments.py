"""Photos attached to contributions: one way to check, process and store them in every module.

A module's concrete photo model inherits ``core.models.Photo``; its services call ``prepare`` before
writing anything (every photo checked and re-encoded, every description checked), then ``attach``.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .images import ProcessedImage, process_image

ALT_MAX = 200


def alt_required_message() -> str:
    return _(
        "Décrivez la photo en quelques mots (texte alternatif) : ce qu'elle montre, "
        "pour les personnes qui ne la voient pas."
    )


def clean_alt(alt, *, required: bool) -> str:
    """The alternative text of a photo: spaces collapsed, 200 characters at most, required on upload
    where the module asks for it."""
    alt = " ".join(str(alt or "").split())
    if required and not alt:
        raise ValidationError(alt_required_message(), code="alt_required")
    if len(alt) > ALT_MAX:
        raise ValidationError(
            _("La description d'une photo doit compter au plus %(n)d caractères.") % {"n": ALT_MAX},
            code="alt_too_long",
        )
    return alt


@dataclass
class PreparedPhoto:
    image: ProcessedImage
    alt: str


def prepare(
    items, *, alt_required: bool, max_count: int | None = None, name: str = "photo"
) -> list[PreparedPhoto]:
    """Check and re-encode ``(upload, alt)`` pairs before anything is written; raises ValidationError."""
    items = [item if isinstance(item, tuple | list) else (item, "") for item in items or () if item]
    items = [(upload, alt) for upload, alt in items if upload]
    if max_count is not None and len(items) > max_count:
        raise ValidationError(_("%(n)s photos au plus.") % {"n": max_count}, code="too_many_photos")
    alts = [clean_alt(alt, required=alt_required) for _upload, alt in items]
    return [
        PreparedPhoto(process_image(upload, name=f"{name}-{n}"), alt)
        for n, ((upload, _alt), alt) in enumerate(zip(items, alts, strict=True), start=1)
    ]


def attach(model, prepared: list[PreparedPhoto], *, start: int = 0, **owner) -> list:
    """Store prepared photos for one owner (``report=…``), in order from position ``start``."""
    return [
        model.objects.create(
            image=photo.image.image,
            thumbnail=photo.image.thumbnail,
            width=photo.image.width,
            height=photo.image.height,
            alt=photo.alt,
            position=start + n,
            **owner,
        )
        for n, photo in enumerate(prepared)
    ]
