"""Uploaded photos: re-encoded without EXIF/GPS, and refused when too heavy, too big or not an image."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from parvis.core.images import process_image


def jpeg_with_gps(size=(64, 48)) -> bytes:
    img = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 1  # Orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (48.0, 51.0, 23.76)
    gps[3] = "E"
    gps[4] = (2.0, 21.0, 7.92)
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_gps_and_exif_are_stripped():
    raw = jpeg_with_gps()
    with Image.open(io.BytesIO(raw)) as original:  # the fixture really carries GPS data
        assert original.getexif().get_ifd(0x8825)
    result = process_image(SimpleUploadedFile("photo.jpg", raw, content_type="image/jpeg"), name="p")
    data = result.image.read()
    assert b"PhoneMaker" not in data
    with Image.open(io.BytesIO(data)) as clean:
        assert clean.format == "JPEG"
        assert not clean.getexif()
        assert "exif" not in clean.info
    assert (result.width, result.height) == (64, 48)
    assert result.image.name == "p.jpg"
    assert result.thumbnail.name == "p-thumb.jpg"


def test_orientation_is_applied_before_stripping():
    img = Image.new("RGB", (60, 20), (0, 0, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° when shown
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    result = process_image(io.BytesIO(out.getvalue()))
    assert (result.width, result.height) == (20, 60)


def test_large_photo_is_resized_and_thumbnailed(settings):
    settings.PARVIS_IMAGE_MAX_SIDE = 100
    out = io.BytesIO()
    Image.new("RGB", (800, 400), (10, 200, 10)).save(out, format="PNG")
    result = process_image(io.BytesIO(out.getvalue()))
    assert (result.width, result.height) == (100, 50)
    with Image.open(result.thumbnail) as thumb:
        assert max(thumb.size) <= 400


def test_png_with_transparency_becomes_jpeg():
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(out, format="PNG")
    result = process_image(io.BytesIO(out.getvalue()))
    with Image.open(result.image) as img:
        assert img.format == "JPEG"
        assert img.mode == "RGB"


def test_text_file_renamed_jpg_is_refused():
    upload = SimpleUploadedFile(
        "photo.jpg", b"Bonjour, ceci n'est pas une image.\n" * 20, content_type="image/jpeg"
    )
    with pytest.raises(ValidationError, match="n'est pas une image lisible") as exc:
        process_image(upload)
    assert exc.value.code == "not_image"


def test_truncated_jpeg_is_refused():
    raw = jpeg_with_gps((200, 200))
    with pytest.raises(ValidationError) as exc:
        process_image(io.BytesIO(raw[: len(raw) // 3]))
    assert exc.value.code == "not_image"


def test_empty_file_is_refused():
    with pytest.raises(ValidationError, match="vide"):
        process_image(SimpleUploadedFile("empty.jpg", b""))


def test_oversized_upload_is_refused_before_reading(settings):
    settings.PARVIS_IMAGE_MAX_BYTES = 1000

    class Upload(io.BytesIO):
        size = 5_000_000

        def read(self, *args):  # pragma: no cover - must not be reached
            raise AssertionError("the file was read")

    with pytest.raises(ValidationError, match="Image trop lourde") as exc:
        process_image(Upload())
    assert exc.value.code == "too_large"


def test_oversized_bytes_without_size_are_refused(settings):
    settings.PARVIS_IMAGE_MAX_BYTES = 1000
    with pytest.raises(ValidationError, match="Image trop lourde"):
        process_image(io.BytesIO(jpeg_with_gps((400, 400))))


def test_pixel_bomb_is_refused(settings):
    # A tiny file declaring a huge canvas: refused from its header, never decoded.
    settings.PARVIS_IMAGE_MAX_PIXELS = 1_000_000
    out = io.BytesIO()
    Image.new("1", (5000, 5000)).save(out, format="PNG", optimize=True)
    assert len(out.getvalue()) < 50_000
    with pytest.raises(ValidationError, match="Image trop grande : 5000 × 5000") as exc:
        process_image(io.BytesIO(out.getvalue()))
    assert exc.value.code == "too_many_pixels"


def test_decompression_bomb_beyond_pillow_limit_is_refused(settings):
    settings.PARVIS_IMAGE_MAX_PIXELS = 10**12  # Pillow's own guard still holds
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, format="PNG", optimize=True)
    with pytest.raises(ValidationError):
        process_image(io.BytesIO(out.getvalue()))


def test_unaccepted_format_is_refused():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="BMP")
    with pytest.raises(ValidationError, match="Format non accepté"):
        process_image(io.BytesIO(out.getvalue()))


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(monkeypatch):
    """A 24-megapixel photo is decoded at half scale or less (the kept image is 2048 px at most)."""
    import io

    from PIL import Image, ImageFile

    from parvis.core.images import process_image

    decoded = []
    real_load = ImageFile.ImageFile.load

    def load(self):
        decoded.append(self.size)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    buf = io.BytesIO()
    Image.new("RGB", (6000, 4000), (120, 130, 140)).save(buf, "JPEG", quality=80)
    result = process_image(buf.getvalue())
    assert (result.width, result.height) == (2048, 1365)
    assert max(w * h for w, h in decoded) <= 3000 * 2000
