"""Every setting, read from the environment (django-environ).

No variables at all = embedded mode: SQLite (WAL), in-memory channel layer, Celery tasks run
in-process, local-memory cache. `DATABASE_URL` switches the database to PostgreSQL, `REDIS_URL`
switches the Celery broker, result backend, channel layer and cache to Redis.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
DATA_DIR = Path(env.str("FACEPAY_DATA_DIR", default=str(BASE_DIR / "var")))
if not DATA_DIR.is_absolute():
    DATA_DIR = BASE_DIR / DATA_DIR
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _embedded_secret_key() -> str:
    # An embedded street keeps a random key of its own so sessions survive restarts.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or _embedded_secret_key()
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "facepay",
    "customers",
    "merchants",
    "payments",
    "credit",
]

MIDDLEWARE = [
    "facepay.middleware.SafeErrorMiddleware",  # outermost: it must see Django's error answers
    "django.middleware.security.SecurityMiddleware",
    "facepay.middleware.PolicyHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "facepay.middleware.SyncChainMiddleware",  # innermost: see its docstring
]

ROOT_URLCONF = "facepay.urls"
ASGI_APPLICATION = "facepay.asgi.application"
WSGI_APPLICATION = None

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
                "facepay.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
IS_EMBEDDED_DATABASE = not env.str("DATABASE_URL", default="")
SQLITE_OPTIONS = {
    # WAL lets the ASGI server read while a task writes; IMMEDIATE avoids lock-upgrade
    # deadlocks between concurrent writers; they wait up to 20 s for the lock, not fail.
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
DATABASES: dict[str, dict[str, Any]]
if IS_EMBEDDED_DATABASE:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "db.sqlite3",
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    }
else:
    DATABASES = {"default": env.db("DATABASE_URL")}
    # 0: a connection per request, closed at its end. Under ASGI every request runs in a thread of
    # its own, so persistent connections (CONN_MAX_AGE > 0) pile up per thread and are never
    # reused (Django's docs; seen 26 → 88 connections in 90 s and "too many clients"). The bound
    # this gives is in README's production block.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # DJANGO_DB_POOL_SIZE=N (ASGI processes): the process's threads share up to N connections in
    # a psycopg pool (Django's "pool" option) instead of opening one per request (7.2 ms a
    # connect here, mostly PostgreSQL's own CPU: docs/benchmarks.md, issue 16). A request that
    # finds all N busy waits for one (10 s at most), so N per process is the bound. Celery
    # workers keep 0: a pool opened before the prefork fork must not be shared by its children.
    DB_POOL_SIZE = env.int("DJANGO_DB_POOL_SIZE", default=0)
    if DB_POOL_SIZE > 0:
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them; Django requires 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": DB_POOL_SIZE,
            "timeout": 10,
        }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The same options however SQLite was chosen (a sqlite:// DATABASE_URL included).
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "facepay.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "landing"

# --- Redis: cache, Celery, channel layer ----------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
IS_EMBEDDED_SERVICES = not REDIS_URL
CACHES: dict[str, dict[str, Any]]
CHANNEL_LAYERS: dict[str, dict[str, Any]]
if IS_EMBEDDED_SERVICES:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"pool_class": "facepay.redis_pool.SharedConnectionPool"},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        # channels-redis waits on Redis (BZPOPMIN) 5 s at a time for a socket's
                        # next message; redis-py's default 5 s read timeout fired first, and the
                        # consumer dropped every idle socket after 5 s. The read timeout must
                        # stay well above that wait; keepalive notices a dead peer instead.
                        "socket_timeout": 30,
                        "socket_connect_timeout": 5,
                        "socket_keepalive": True,
                        "retry_on_timeout": True,
                    }
                ],
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("FACEPAY_TASK_SOFT_TIME_LIMIT", default=30)
CELERY_TASK_TIME_LIMIT = env.int("FACEPAY_TASK_TIME_LIMIT", default=60)
# A job whose worker died unacknowledged is redelivered after this many seconds; it must stay
# above the task time limit (or a running job is handed out twice). Attempts do not wait for it:
# the sweeper (payments-redrive-undecided, below) re-drives them within seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("FACEPAY_BROKER_VISIBILITY_TIMEOUT", default=120),
    "socket_timeout": 10,
    "socket_connect_timeout": 5,
    "socket_keepalive": True,
}
# Never give up on the broker: the worker waits out a Redis outage of any length (a supervisor
# restarts it if it dies anyway; README, production).
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# How often the worker stamps its heartbeat for /healthz, and how old a stamp may be.
FACEPAY_WORKER_HEARTBEAT_SECONDS = env.int("FACEPAY_WORKER_HEARTBEAT_SECONDS", default=5)
FACEPAY_WORKER_HEARTBEAT_MAX_AGE = env.int("FACEPAY_WORKER_HEARTBEAT_MAX_AGE", default=20)
# /healthz turns red when an attempt has waited longer than this for its recognition.
FACEPAY_QUEUE_MAX_AGE_SECONDS = env.int("FACEPAY_QUEUE_MAX_AGE_SECONDS", default=30)
CELERY_TIMEZONE = "Asia/Shanghai"
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Internationalisation: the demo street is in Wenzhou ------------------------------------
LANGUAGE_CODE = env.str("DJANGO_LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files (whitenoise; front-end packages installed into static/vendor by setup) ----
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing folder before collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- E-mail (console in embedded mode) ------------------------------------------------------
vars().update(env.email_url("DJANGO_EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str(
    "DJANGO_DEFAULT_FROM_EMAIL", default="FacePay Street <noreply@facepay.local>"
)

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the camera pages read it to post frames with fetch()
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HTTPS: outside DEBUG plain http is redirected and browsers are told to keep to https (HSTS).
# Behind a TLS proxy name the header it sets, e.g. DJANGO_SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto
# (only when the proxy always sets or strips it; otherwise a client could claim https).
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain http
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
if _proxy_header := env.str("DJANGO_SECURE_PROXY_SSL_HEADER", default=""):
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
# Strict CSP: scripts and styles only from our own static files (no inline code anywhere).
CONTENT_SECURITY_POLICY = env.str(
    "FACEPAY_CONTENT_SECURITY_POLICY",
    default="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
# The camera is used by the enrolment and terminal pages, on our own origin only.
PERMISSIONS_POLICY = env.str(
    "FACEPAY_PERMISSIONS_POLICY",
    default="camera=(self), microphone=(), geolocation=(), payment=(), usb=(), serial=(), "
    "bluetooth=(), magnetometer=(), gyroscope=(), accelerometer=()",
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024 * 1024
# Checked in the ASGI stack (facepay.body_limit) before Django reads a byte: larger bodies get 413.
FACEPAY_MAX_REQUEST_BYTES = env.int("FACEPAY_MAX_REQUEST_BYTES", default=20 * 1024 * 1024)

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["facepay.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "facepay.errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {
        "face_check": env.str("FACEPAY_FACE_CHECK_RATE", default="60/min"),
        "login": env.str("FACEPAY_LOGIN_RATE", default="10/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "FacePay Street API",
    "DESCRIPTION": "Customer, merchant, terminal and credit APIs of FacePay Street.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "facepay.openapi.add_error_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("FACEPAY_LOG_LEVEL", default="INFO")},
    "loggers": {"faiss": {"level": "WARNING"}},  # it reports its CPU-feature probing at INFO
}

# --- FacePay knobs ----------------------------------------------------------------------------
FACEPAY_CURRENCY = env.str("FACEPAY_CURRENCY", default="CNY")
FACEPAY_FACES_DIR = Path(
    env.str("FACEPAY_FACES_DIR", default=str(BASE_DIR.parent / "shared" / "faces"))
)
if not FACEPAY_FACES_DIR.is_absolute():
    FACEPAY_FACES_DIR = (BASE_DIR / FACEPAY_FACES_DIR).resolve()
FACEPAY_MODEL_DIR = Path(env.str("FACEPAY_MODEL_DIR", default=str(DATA_DIR / "models")))
if not FACEPAY_MODEL_DIR.is_absolute():
    FACEPAY_MODEL_DIR = BASE_DIR / FACEPAY_MODEL_DIR
FACEPAY_FACE_PACK = env.str("FACEPAY_FACE_PACK", default="sface-fusion-v1")
FACEPAY_FACE_CACHE_DIR = Path(
    env.str("FACEPAY_FACE_CACHE_DIR", default=str(DATA_DIR / "face-cache"))
)
FACEPAY_FACE_THREADS = env.int("FACEPAY_FACE_THREADS", default=1)  # onnxruntime threads per session
FACEPAY_ALLOWED_MODEL_LICENSES = env.list(
    "FACEPAY_ALLOWED_MODEL_LICENSES",
    default=["MIT", "Apache-2.0", "CC0-1.0", "BSL-1.0", "Public-Domain"],
)
FACEPAY_DATA_KEYS = env.list("FACEPAY_DATA_KEYS", default=[])
FACEPAY_TEMPLATE_RETENTION_DAYS = env.int("FACEPAY_TEMPLATE_RETENTION_DAYS", default=730)
FACEPAY_TERMINAL_CLOCK_SKEW_SECONDS = env.int("FACEPAY_TERMINAL_CLOCK_SKEW_SECONDS", default=300)
FACEPAY_MAX_PAYMENT_MINOR = env.int("FACEPAY_MAX_PAYMENT_MINOR", default=500_000)
FACEPAY_MAX_UPLOAD_BYTES = env.int("FACEPAY_MAX_UPLOAD_BYTES", default=5 * 1024 * 1024)
FACEPAY_MAX_IMAGE_PIXELS = env.int("FACEPAY_MAX_IMAGE_PIXELS", default=16_000_000)
# CPU seconds of face analysis one user may spend on /api/face/check per minute (then 429).
FACEPAY_FACE_CHECK_CPU_SECONDS_PER_MINUTE = env.float(
    "FACEPAY_FACE_CHECK_CPU_SECONDS_PER_MINUTE", default=20.0
)
# Payments (issue 6)
FACEPAY_MAX_TOP_UP_MINOR = env.int("FACEPAY_MAX_TOP_UP_MINOR", default=2_000_000)
FACEPAY_ATTEMPT_TTL_SECONDS = env.int("FACEPAY_ATTEMPT_TTL_SECONDS", default=120)
# Burst liveness (issue 12): the challenges the server draws from at random per face attempt
# (a smaller set weakens the defence against replays: keep all four in production), and how far
# a burst's first frame (terminal clock, epoch ms) may precede the challenge (server clock).
FACEPAY_LIVENESS_CHALLENGES = env.list(
    "FACEPAY_LIVENESS_CHALLENGES", default=["blink", "turn_left", "turn_right", "nod"]
)
FACEPAY_BURST_CLOCK_ALLOWANCE_MS = env.int("FACEPAY_BURST_CLOCK_ALLOWANCE_MS", default=1500)
# The sweeper re-drives an attempt still `created` after this many seconds, or `recognising`
# after the second figure (payments/services/recovery.py); both well inside the TTL.
FACEPAY_REDRIVE_CREATED_SECONDS = env.int("FACEPAY_REDRIVE_CREATED_SECONDS", default=5)
FACEPAY_REDRIVE_RECOGNISING_SECONDS = env.int("FACEPAY_REDRIVE_RECOGNISING_SECONDS", default=15)
FACEPAY_STEP_UP_MAX_TRIES = env.int("FACEPAY_STEP_UP_MAX_TRIES", default=3)
FACEPAY_STEP_UP_MARGIN = env.float("FACEPAY_STEP_UP_MARGIN", default=0.15)
FACEPAY_STEP_UP_GALLERY_SIZE = env.int("FACEPAY_STEP_UP_GALLERY_SIZE", default=50_000)
# A recognition job that finds the worker's gallery still loading waits this long, then declines
# with the retryable code gallery_loading (never a search of part of the gallery).
FACEPAY_GALLERY_LOAD_WAIT_SECONDS = env.float("FACEPAY_GALLERY_LOAD_WAIT_SECONDS", default=3.0)
# Lockouts across attempts and terminals (issue 13): wrong phone digits per customer in 24 h
# pause their face pay; wrong digits, PINs and codes per terminal in an hour pause the terminal.
FACEPAY_WRONG_DIGITS_PER_CUSTOMER_DAY = env.int("FACEPAY_WRONG_DIGITS_PER_CUSTOMER_DAY", default=5)
FACEPAY_WRONG_ENTRIES_PER_TERMINAL_HOUR = env.int(
    "FACEPAY_WRONG_ENTRIES_PER_TERMINAL_HOUR", default=10
)
FACEPAY_SETTLEMENT_CUTOFF_HOUR = env.int("FACEPAY_SETTLEMENT_CUTOFF_HOUR", default=0)
# Customers: text-message sender class (console/outbox in development), look-alike threshold
# (cosine; empty = the face pack's calibrated match threshold).
FACEPAY_SMS_SENDER = env.str("FACEPAY_SMS_SENDER", default="customers.sms.ConsoleSender")
# Outside DEBUG the console e-mail and the development sender above refuse to start unless
# this says they were chosen on purpose (they print or keep codes and links).
FACEPAY_DEVELOPMENT_MESSAGES = env.bool("FACEPAY_DEVELOPMENT_MESSAGES", default=False)
# Guessing limits (issue 14): a live payment code is void once this many wrong codes have been
# tried on the whole street since it was issued (a guess succeeds at most this / 10^6 of the
# time, however many terminals guess); new terminals a merchant may register per day.
FACEPAY_PAYMENT_CODE_GUESSES_PER_CODE = env.int(
    "FACEPAY_PAYMENT_CODE_GUESSES_PER_CODE", default=2000
)
# Withdrawals need the password (or a one-time code) given within this many seconds.
FACEPAY_REAUTHENTICATION_SECONDS = env.int("FACEPAY_REAUTHENTICATION_SECONDS", default=300)
FACEPAY_MAX_NEW_TERMINALS_PER_DAY = env.int("FACEPAY_MAX_NEW_TERMINALS_PER_DAY", default=10)
FACEPAY_LOOKALIKE_THRESHOLD = env.float("FACEPAY_LOOKALIKE_THRESHOLD", default=None)
