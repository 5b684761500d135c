"""Turn a submitted form (HTML page or multipart API call) into service arguments. No validation here:
the services validate, so the page, the API and the offline queue share one set of rules."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from siaga.core.errors import Invalid

from .photos import MAX_BYTES, MAX_PHOTOS


def _flag(v: Any) -> bool:
    return str(v or "").strip().lower() in {"1", "true", "on", "yes", "ya"}


def report_kwargs(post, files, *, key: str = "") -> dict[str, Any]:
    uploads = [f for f in files.getlist("photos") if getattr(f, "size", 0) or getattr(f, "name", "")]
    if len(uploads) > MAX_PHOTOS:
        raise Invalid(_("At most 3 photos."), field="photos")
    photos = []
    for f in uploads:
        if f.size > MAX_BYTES:
            raise Invalid(_("%(n)s is larger than 5 MB.") % {"n": f.name[:60]}, field="photos")
        photos.append((f.name, f.read(MAX_BYTES + 1)))
    return {
        "key": key or post.get("key", ""),
        "category": post.get("category", ""),
        "kind": post.get("kind") or "laporan",
        "description": post.get("description", ""),
        "lat": post.get("lat") or None,
        "lon": post.get("lon") or None,
        "address": post.get("address", ""),
        "rw": post.get("rw") or None,
        "rt": post.get("rt") or None,
        "photos": photos,
        "use_photo_location": _flag(post.get("use_photo_location")),
        "without_identity": _flag(post.get("without_identity")),
        "reporter_name": post.get("reporter_name", ""),
        "reporter_phone": post.get("reporter_phone", ""),
        "reporter_dob": post.get("reporter_dob") or None,
        "device": post.get("device", ""),
    }
