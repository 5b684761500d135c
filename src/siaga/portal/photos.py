"""Photo uploads from the public: type checked by content (Pillow, not the file name or the browser's
word), size and count limited, and re-encoded from pixels so that no metadata survives (EXIF location,
camera serials). The EXIF position is read before stripping and used only with the reporter's consent."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _

from siaga.core.errors import Invalid

MAX_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 3
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/webp", ".webp")}


@dataclass
class CleanPhoto:
    data: bytes
    content_type: str
    ext: str
    width: int
    height: int
    sha256: str
    gps: tuple[float, float] | None  # (lat, lon) read from EXIF before stripping


def _ratio(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError, ZeroDivisionError):
        num, den = v
        return float(num) / float(den)


def exif_gps(img) -> tuple[float, float] | None:
    """(lat, lon) from the EXIF GPS block, or None."""
    try:
        gps = img.getexif().get_ifd(0x8825)
    except Exception:
        return None
    if not gps or 2 not in gps or 4 not in gps:
        return None
    try:
        lat = sum(_ratio(x) / 60**i for i, x in enumerate(gps[2]))
        lon = sum(_ratio(x) / 60**i for i, x in enumerate(gps[4]))
    except Exception:
        return None
    if str(gps.get(1, "N")).upper().startswith("S"):
        lat = -lat
    if str(gps.get(3, "E")).upper().startswith("W"):
        lon = -lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return lat, lon


def clean(data: bytes, name: str = "") -> CleanPhoto:
    """Check one upload and return it re-encoded without metadata."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    label = (name or _("photo"))[:60]
    if not data:
        raise Invalid(_("%(n)s is empty.") % {"n": label}, field="photos")
    if len(data) > MAX_BYTES:
        raise Invalid(_("%(n)s is larger than 5 MB.") % {"n": label}, field="photos")
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            probe.verify()
        img = Image.open(io.BytesIO(data))
        img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise Invalid(_("%(n)s is not a JPEG, PNG or WebP picture.") % {"n": label}, field="photos") from e
    if fmt not in FORMATS:
        raise Invalid(_("%(n)s is not a JPEG, PNG or WebP picture.") % {"n": label}, field="photos")
    gps = exif_gps(img)
    img = ImageOps.exif_transpose(img)  # keep the picture upright once the orientation tag is gone
    if fmt == "JPEG" and img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    pixels = Image.new(img.mode, img.size)
    pixels.paste(img)  # a fresh image: no info dict, no EXIF, no ICC/XMP carried over
    out = io.BytesIO()
    opts = {"JPEG": {"quality": 88}, "PNG": {"optimize": True}, "WEBP": {"quality": 85}}[fmt]
    pixels.save(out, fmt, **opts)
    blob = out.getvalue()
    ct, ext = FORMATS[fmt]
    return CleanPhoto(blob, ct, ext, pixels.width, pixels.height, hashlib.sha256(blob).hexdigest(), gps)


def clean_all(files: list[tuple[str, bytes]]) -> list[CleanPhoto]:
    if len(files) > MAX_PHOTOS:
        raise Invalid(_("At most 3 photos."), field="photos")
    return [clean(data, name) for name, data in files]
