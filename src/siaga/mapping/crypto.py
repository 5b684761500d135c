"""The field key for informant identities: Fernet (AES-128-CBC + HMAC-SHA256) under one installation key.

The key comes from SIAGA_FIELD_KEY (a base64 Fernet key; several, comma separated, newest first, while a
rotation is under way) or else is generated once into $SIAGA_DATA_DIR/field_key with mode 0600. It is NOT
derived from the secret key and is NOT in the database: whoever loses it loses the identities, so it is
backed up separately from the database backups.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.translation import gettext as _

from siaga.core.errors import Invalid

_cache: dict[str, MultiFernet] = {}


def key_path() -> Path:
    return Path(getattr(settings, "DATA_DIR", "var")) / "field_key"


def _keys() -> list[str]:
    raw = os.environ.get("SIAGA_FIELD_KEY", "") or getattr(settings, "SIAGA_FIELD_KEY", "")
    if raw:
        return [k.strip() for k in raw.split(",") if k.strip()]
    path = key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(Fernet.generate_key().decode())
    return [k.strip() for k in path.read_text().split(",") if k.strip()]


def fernet() -> MultiFernet:
    keys = _keys()
    cache_key = ",".join(keys)
    if cache_key not in _cache:
        try:
            box = MultiFernet([Fernet(k.encode()) for k in keys])
        except (ValueError, TypeError) as e:  # a misconfigured key must stop the service, clearly
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured(
                "SIAGA_FIELD_KEY (or the field_key file) is not a valid Fernet key: 32 url-safe base64 "
                "bytes, e.g. from `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`"
            ) from e
        _cache.clear()
        _cache[cache_key] = box
    return _cache[cache_key]


def seal(fields: dict) -> str:
    return fernet().encrypt(json.dumps(fields, ensure_ascii=False).encode()).decode()


def unseal(token: str) -> dict:
    try:
        return json.loads(fernet().decrypt(token.encode()))
    except InvalidToken as e:  # the wrong key: never guess, say so
        raise Invalid(
            _("This identity cannot be read with the installation's field key."), code="bad_key"
        ) from e


def rotate(new_key: str, old_keys: list[str] | None = None) -> MultiFernet:
    """A MultiFernet that encrypts under `new_key` and still reads the old keys (current ones by default)."""
    old = old_keys if old_keys is not None else _keys()
    return MultiFernet([Fernet(new_key.encode())] + [Fernet(k.encode()) for k in old if k != new_key])
