"""Photos from residents: checked, re-encoded without metadata (EXIF, GPS), resized, thumbnailed."""

import io
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
THUMBNAIL_SIDE = 400


@dataclass
class ProcessedImage:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def process_image(upload, *, name: str = "photo") -> ProcessedImage:
    """Validate an uploaded file and return a clean JPEG and its thumbnail.

    Re-encoding from pixels drops every metadata block, GPS position included, and defuses
    files crafted to exploit a decoder further down the line.
    """
    size = getattr(upload, "size", None)
    if size is not None and size > settings.PARVIS_IMAGE_MAX_BYTES:
        raise ValidationError(
            _("Image trop lourde : %(size).1f Mo (maximum %(max).0f Mo).")
            % {"size": size / 1e6, "max": settings.PARVIS_IMAGE_MAX_BYTES / 1e6},
            code="too_large",
        )
    data = upload.read() if hasattr(upload, "read") else bytes(upload)
    if len(data) > settings.PARVIS_IMAGE_MAX_BYTES:
        raise ValidationError(
            _("Image trop lourde (maximum %(max).0f Mo).") % {"max": settings.PARVIS_IMAGE_MAX_BYTES / 1e6},
            code="too_large",
        )
    if not data:
        raise ValidationError(_("Le fichier est vide."), code="empty")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            width, height = probe.size
            if fmt not in ACCEPTED_FORMATS:
                raise ValidationError(
                    _("Format non accepté : utilisez une photo JPEG, PNG ou WebP."), code="format"
                )
            if width * height > settings.PARVIS_IMAGE_MAX_PIXELS:
                raise ValidationError(
                    _("Image trop grande : %(w)d × %(h)d pixels.") % {"w": width, "h": height},
                    code="too_many_pixels",
                )
            probe.verify()
        with Image.open(io.BytesIO(data)) as img:
            # JPEG decodes at 1/2, 1/4 or 1/8 scale when that still covers the size kept: a
            # 40-megapixel photo then costs a quarter of its pixels or less.
            fit = min(settings.PARVIS_IMAGE_MAX_SIDE / max(width, height), 1)
            img.draft("RGB", (math.ceil(width * fit), math.ceil(height * fit)))
            img.load()
            img = ImageOps.exif_transpose(img)  # keep the orientation the phone meant, then drop EXIF
            img = img.convert("RGB")
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("Ce fichier n'est pas une image lisible."), code="not_image")

    img.thumbnail((settings.PARVIS_IMAGE_MAX_SIDE, settings.PARVIS_IMAGE_MAX_SIDE))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=85, optimize=True)
    thumb = img.copy()
    thumb.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    thumb_out = io.BytesIO()
    thumb.save(thumb_out, format="JPEG", quality=80, optimize=True)
    return ProcessedImage(
        image=ContentFile(out.getvalue(), name=f"{name}.jpg"),
        thumbnail=ContentFile(thumb_out.getvalue(), name=f"{name}-thumb.jpg"),
        width=img.width,
        height=img.height,
    )
