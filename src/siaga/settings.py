"""Django settings, driven by SIAGA_* environment variables with embedded defaults.

Embedded by default (SQLite in WAL mode under the data directory, in-memory channel layer, huey on
SQLite); real engines when SIAGA_DATABASE_URL / SIAGA_REDIS_URL are set.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"SIAGA_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name, "")
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(env("DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SIAGA_SECRET_KEY wins; otherwise a key generated once and kept in the data directory."""
    if key := env("SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "channels",
    "huey.contrib.djhuey",
    "siaga.core",
    "siaga.accounts",
    "siaga.territory",
    "siaga.resources",
    "siaga.cad",
    "siaga.web",
    "siaga.portal",
    "siaga.permits",
    "siaga.info",
    "siaga.legal",
    "siaga.open311",
    "siaga.mapping",
    "siaga.analytics",
    "siaga.ingest",
    "siaga.geofences",
    "siaga.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "siaga.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "siaga.accounts.middleware.SecondFactorMiddleware",
    "siaga.accounts.middleware.NoStoreWhenSignedInMiddleware",
    "siaga.core.middleware.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "siaga.urls"
WSGI_APPLICATION = "siaga.wsgi.application"
ASGI_APPLICATION = "siaga.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "siaga.web.context.navigation",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
if url := env("DATABASE_URL"):
    # conn_max_age=0: under ASGI each request runs in a thread of its own, so a kept-open connection was
    # one per request thread, lingering (two workers held 89 of PostgreSQL's 100 connections under load).
    DATABASES = {"default": dj_database_url.parse(url, conn_max_age=0)}
    if "postgresql" in DATABASES["default"]["ENGINE"]:
        # a database host that does not answer (down, failing over, packets dropped) fails the request
        # after this many seconds with a 503 (core/outage.py), instead of hanging for TCP's minutes
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", int(env("DATABASE_CONNECT_TIMEOUT", "5"))
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "siaga.core.db.sqlite3",  # writers queue fairly before BEGIN IMMEDIATE
            "NAME": DATA_DIR / "siaga.sqlite3",
            "OPTIONS": {
                # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at
                # BEGIN so two writers queue instead of failing with "database is locked" mid-transaction.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                    " PRAGMA busy_timeout=10000; PRAGMA cache_size=-64000;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            "TEST": {"NAME": ":memory:"},  # as for Django's own sqlite3 ENGINE (pytest-django keys on it)
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, channels, tasks -------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
# Keys of this installation in a Redis it may share with others (channel layer, cache, task queue)
REDIS_PREFIX = env("REDIS_PREFIX", "siaga")
# MQTT broker for devices (ingest app): `siaga run` subscribes when set; `siaga ingest mqtt` is a worker
MQTT_URL = env("MQTT_URL")
if REDIS_URL:
    # Redis, answered from a process-local cache while Redis is unreachable (core/cache.py): the cache
    # holds nothing that cannot be recomputed, and a Redis outage must not fail ordinary requests
    CACHES = {
        "default": {
            "BACKEND": "siaga.core.cache.FailoverRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
            "RETRY_SECONDS": float(env("REDIS_RETRY_SECONDS", "5")),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 3},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # connect timeout: an unreachable Redis fails a push at once, not after TCP's minutes; read
            # timeout well above channels_redis' 5 s BRPOP (redis-py's default of 5 s closed idle sockets)
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_connect_timeout": 5, "socket_timeout": 15}],
                "prefix": f"{REDIS_PREFIX}:asgi",
            },
        }
    }
    HUEY = {"huey_class": "huey.RedisHuey", "name": REDIS_PREFIX, "url": REDIS_URL, "immediate": False}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # in-memory, one process; cleans expired messages at most once a second (core/layers.py)
    CHANNEL_LAYERS = {"default": {"BACKEND": "siaga.core.layers.EmbeddedChannelLayer"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "siaga",
        "filename": str(DATA_DIR / "tasks.sqlite3"),
        "immediate": env_bool("TASKS_IMMEDIATE", True),
    }

# --- auth ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AXES_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(env("LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False
# Behind a reverse proxy, lockout must key on the client's address, not the proxy's:
# SIAGA_PROXY_COUNT = how many trusted proxies append to X-Forwarded-For.
if _proxies := int(env("PROXY_COUNT", "0")):
    AXES_IPWARE_PROXY_COUNT = _proxies
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

OTP_TOTP_ISSUER = "Siaga"

# --- security headers -----------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(env("SESSION_HOURS", "12")) * 3600
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if SESSION_COOKIE_SECURE:
    # "__Host-": the browser keeps the cookie only if Secure, for this host alone and path /
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_HSTS_SECONDS = int(env("HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
# Behind a trusted TLS proxy (SIAGA_PROXY_COUNT > 0, which overwrites X-Forwarded-Proto) a request came
# in over HTTPS when the proxy says so; without this the site sees plain HTTP and never sends HSTS.
if int(env("PROXY_COUNT", "0")):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
# Uploaded files (report photos, attachments) are read only by Siaga's own processes, never served directly
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

_tiles = env("TILE_URL")  # optional base-map tiles; none needed: territory is drawn as vectors
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],  # Leaflet sets inline styles on map panes
        "img-src": ["'self'", "data:"] + ([_tiles.split("/{")[0]] if _tiles else []),
        "connect-src": ["'self'", "ws:", "wss:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- i18n / time ------------------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Jakarta"  # default display zone; each Polres carries its own (WIB/WITA/WIT)
USE_TZ = True

# --- static / media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True  # serve straight from the package; no collectstatic step needed
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"outage": {"()": "siaga.core.outage.OutageLogFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
    # a database outage: one line per refused request, not a traceback (core/outage.py)
    "loggers": {"django.request": {"filters": ["outage"]}},
}

# --- Siaga ------------------------------------------------------------------------------------
SIAGA_TILE_URL = _tiles
# The site's public address (e.g. https://siaga.polres.example.id) for links made outside a request
SIAGA_PUBLIC_URL = env("PUBLIC_URL").rstrip("/")
SIAGA_OSRM_URL = env("OSRM_URL")  # optional road router for travel times (cad.routing)
SIAGA_OPS_TICK_SECONDS = float(env("OPS_TICK_SECONDS", "2"))  # escalation ladder clock
# How long `siaga run` keeps an idle HTTP connection open. uvicorn's 5 s raced with clients sending their
# next request on a connection the server was closing (benchmarks/soak: a lost request a run). Longer than
# a proxy's upstream keep-alive (nginx keepalive_timeout 60 s), so the proxy, not Siaga, closes first.
SIAGA_KEEP_ALIVE_SECONDS = int(env("KEEP_ALIVE_SECONDS", "75"))
SIAGA_LIVE_DEMO = env_bool("LIVE_DEMO") if env("LIVE_DEMO") else None  # None: on for `siaga demo` only

# Notifications (siaga.core.notifications). E-mail through Django's mail backends: the console by default;
# real SMTP with SIAGA_EMAIL_URL=smtp://user:password@host:587 (smtps:// for implicit TLS).
DEFAULT_FROM_EMAIL = env("EMAIL_FROM", "Siaga <no-reply@siaga.local>")
_email_url = env("EMAIL_URL")
if _email_url:
    from urllib.parse import unquote, urlsplit

    _u = urlsplit(_email_url)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _u.hostname or "localhost"
    EMAIL_PORT = _u.port or (465 if _u.scheme == "smtps" else 587)
    EMAIL_HOST_USER = unquote(_u.username or "")
    EMAIL_HOST_PASSWORD = unquote(_u.password or "")
    EMAIL_USE_SSL = _u.scheme == "smtps"
    EMAIL_USE_TLS = _u.scheme == "smtp" and EMAIL_PORT != 25
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Channels that carry a notice, in order; each a dotted path to a notifications.Channel class. A WhatsApp
# or SMS gateway is one more class implementing Channel.send.
SIAGA_NOTIFY_CHANNELS = [
    c for c in env("NOTIFY_CHANNELS", "siaga.core.notifications.EmailChannel").split(",") if c
]
