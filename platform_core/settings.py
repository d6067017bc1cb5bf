"""Mustafid's one settings module. Every value comes from the environment through `env`."""

import datetime
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from common.observability import sentry_init
from platform_core import env

BASE_DIR = env.BASE_DIR
LOCAL_DIR = env.LOCAL_DIR

SECRET_KEY = env.secret_key()
DEBUG = env.flag("DEBUG")

# Where the platform answers: its host is PLATFORM_DOMAIN, each association `<slug>.<domain>`.
PLATFORM_BASE_URL = env.text("PLATFORM_BASE_URL", "http://localhost:8000")
_base = urlsplit(PLATFORM_BASE_URL)
PLATFORM_SCHEME = _base.scheme
PLATFORM_DOMAIN = _base.hostname
PLATFORM_PORT = _base.port
# Hosts are checked by the association middleware against the domains table; this list only
# keeps Django's own check from refusing custom domains.
ALLOWED_HOSTS = env.items("ALLOWED_HOSTS", "*")
CSRF_TRUSTED_ORIGINS = env.items("CSRF_TRUSTED_ORIGINS")

# --- applications -----------------------------------------------------------------------------

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "accounts",
    "platform_core",
    "catalog",
    "console",
    "billing",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]
# Association members, their sessions, tokens and everything they work on live in the
# association's own schema.
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "accounts",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "publishing",
    "workflow",
    "privacy",
    "audit",
    "breaches",
    "complaints",
    "notifications",
    "governance",
    "reporting",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Association"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# search_path is set once per connection and schema, not before every cursor.
TENANT_LIMIT_SET_CALLS = True
# How a new association's schema is made: "snapshot" replays the migrated base schema's SQL
# (pg_dump, made once per process), "clone" copies the base with django-tenants' function,
# "migrate" runs the migrations. With 1,000 associations present the p95 is 0.86 s, 2.86 s and
# 2.79 s (bench/README.md); without pg_dump "snapshot" falls back to "migrate".
ASSOCIATION_PROVISIONING = env.text("ASSOCIATION_PROVISIONING", "snapshot")
TENANT_BASE_SCHEMA = "association_base"
TENANT_CREATION_FAKES_MIGRATIONS = ASSOCIATION_PROVISIONING == "clone"
# Seconds a host → association lookup stays in a process's memory.
ASSOCIATION_CACHE_SECONDS = env.integer("ASSOCIATION_CACHE_SECONDS", 10)

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "platform_core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tenants.routing.AssociationMiddleware",
    "common.input_guard.NulInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "common.i18n.LanguageQueryMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After the user is known, so that the refusal page shows who is signed in.
    "tenants.middleware.AssociationSuspendedMiddleware",
    "audit.services.AccessOriginMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.OperatorMFAMiddleware",
    "billing.middleware.ReadOnlyWorkspaceMiddleware",
]

ROOT_URLCONF = "platform_core.urls_association"
PUBLIC_SCHEMA_URLCONF = "platform_core.urls_platform"
WSGI_APPLICATION = "platform_core.wsgi.application"

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
                "platform_core.context_processors.platform",
            ],
        },
    }
]

# --- data -------------------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        env.database_url(),
        engine="django_tenants.postgresql_backend",
        # Persistent connections with a bounded life: a backend grows with every schema it
        # touches (bench/README.md), so it is replaced before it grows without end.
        conn_max_age=env.integer("DATABASE_CONN_MAX_AGE", 300),
        conn_health_checks=True,
    )
}
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.text("CACHE_URL"),
        }
        if env.text("CACHE_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
    # Every key carries the schema of the association it was written for.
    | {
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}

STORAGES = {
    # Files land under MEDIA_ROOT/<schema>/: one association's files never sit in another's.
    "default": {"BACKEND": "common.storage.AssociationFileStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Source maps (the API docs' bundles bring 6 MB of them) are read only by a developer's tools:
# compressing them was two thirds of collectstatic's time, 34 s of CPU against 13 s without.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
MEDIA_ROOT = env.text("MEDIA_ROOT", str(LOCAL_DIR / "media"))
MEDIA_URL = "/media/"
# Association exports (schema dump and files): private, served only through the console.
EXPORTS_ROOT = env.text("EXPORTS_ROOT", str(LOCAL_DIR / "exports"))
# Deleting an association needs an export of it finished within these hours.
ASSOCIATION_EXPORT_FRESH_HOURS = env.integer("ASSOCIATION_EXPORT_FRESH_HOURS", 24)
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
STATIC_ROOT = env.text("STATIC_ROOT", str(LOCAL_DIR / "static"))
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "platform_core" / "static"]
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- people -----------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Argon2 first: memory-hard, and a tenth of PBKDF2's time per sign-in at Django's defaults.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home_after_login"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
# Sensitive steps ask again for the password or the authenticator, never for a code e-mailed to
# an address that an association's staff often share (allauth 65.22 turns codes on by default).
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "mfa")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Mustafid"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PLATFORM_SCHEME == "https"
CSRF_COOKIE_SECURE = PLATFORM_SCHEME == "https"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "common.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mustafid API",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.api.error_responses_hook",
        "workflow.api.workflow_schema_hook",
    ],
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "workflow.models.CaseStatus",
        "CaseKindEnum": "workflow.models.CaseKind",
        "AssociationStatusEnum": "tenants.models.Association.Status",
    },
}

# --- language and time ------------------------------------------------------------------------

LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", "العربية"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["platform_core.formats"]
USE_I18N = True
TIME_ZONE = "Asia/Riyadh"
USE_TZ = True

# --- e-mail -----------------------------------------------------------------------------------

# Without EMAIL_URL, messages are written as files under .local/mail/ for the demo to show.
_email = env.email(env.text("EMAIL_URL", f"file://{LOCAL_DIR / 'mail'}"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH") or None
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
DEFAULT_FROM_EMAIL = env.text("DEFAULT_FROM_EMAIL", "Mustafid <no-reply@mustafid.sa>")

# --- Celery -----------------------------------------------------------------------------------

# With no broker named, a real worker still runs: kombu's filesystem transport needs no server.
CELERY_BROKER_URL = env.text("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = env.text("CELERY_FILESYSTEM_DIR", str(LOCAL_DIR / "broker"))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": _broker_dir,
        "data_folder_out": _broker_dir,
        "processed_folder": _broker_dir,
        "control_folder": f"{_broker_dir}/control",
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A message whose worker died before acknowledging it goes back to the queue after the
    # visibility timeout: longer than any task runs, or a slow task would run twice. Each worker
    # looks for such messages every ten seconds at most.
    _visibility = env.integer("CELERY_VISIBILITY_TIMEOUT", 3600)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": _visibility,
        "unacked_restore_interval": min(10, _visibility),
        "unacked_restore_throttle": 1,
    }
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # the worker logs JSON lines with the schema too
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = env.text(
    "CELERY_BEAT_SCHEDULE_FILENAME", str(LOCAL_DIR / "celerybeat-schedule")
)
CELERY_BEAT_SCHEDULE: dict = {
    # Each association's committee reminders and escalations, early in the Riyadh day.
    "workflow.committee_reminders_dispatch": {
        "task": "workflow.committee_reminders_dispatch",
        "schedule": crontab(hour=6, minute=0),
    },
    # Each association's data-request reminders and its retention run, once a day.
    "privacy.daily_dispatch": {
        "task": "privacy.daily_dispatch",
        "schedule": crontab(hour=5, minute=30),
    },
    # Each association's breach reminders (24 and 60 hours after a breach was found): hourly.
    "breaches.breach_reminders_dispatch": {
        "task": "breaches.breach_reminders_dispatch",
        "schedule": crontab(minute=5),
    },
    # Each association's overdue complaints escalated to its admins, once a day.
    "complaints.complaint_reminders_dispatch": {
        "task": "complaints.complaint_reminders_dispatch",
        "schedule": crontab(hour=6, minute=10),
    },
    # Stripe events recorded but not applied (a broker that was away): applied again.
    "billing.stripe_events_retry": {
        "task": "billing.stripe_events_retry",
        "schedule": crontab(minute="*/15"),
    },
    # The shared SMS account's receipt routes, once their receipts can no longer come.
    "notifications.sms_routes_prune": {
        "task": "notifications.sms_routes_prune",
        "schedule": crontab(hour=3, minute=45),
    },
    # Every association's usage counted for the console's list (members, cases, last activity).
    "console.usage_snapshots_refresh": {
        "task": "console.usage_snapshots_refresh",
        "schedule": crontab(hour=3, minute=15),
    },
}

# --- SMS (Unifonic; off until the application and the webhook's secret are both set) -----------

SMS_ENABLED = env.all_or_none("UNIFONIC_APP_SID", "SMS_WEBHOOK_SECRET")
UNIFONIC_APP_SID = env.text("UNIFONIC_APP_SID")
UNIFONIC_API_BASE = env.text("UNIFONIC_API_BASE", "https://el.cloud.unifonic.com")
SMS_WEBHOOK_SECRET = env.text("SMS_WEBHOOK_SECRET")
# The platform's sender name, registered with the provider (alphanumeric, at most 11).
SMS_SENDER_NAME = env.text("SMS_SENDER_NAME", "Mustafid")
# Fernet keys sealing the associations' own SMS credentials: the first seals, all open
# (common/sealing.py; empty: one derived from SECRET_KEY).
ENCRYPTION_KEYS = env.fernet_keys("ENCRYPTION_KEYS")

# --- Stripe (billing is off until both keys are set) ------------------------------------------

STRIPE_ENABLED = env.all_or_none("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")
STRIPE_SECRET_KEY = env.text("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env.text("STRIPE_WEBHOOK_SECRET")
# Stripe's price of each plan sold online: "basic:price_123,pro:price_456".
STRIPE_PRICES = dict(item.split(":", 1) for item in env.items("STRIPE_PRICES") if ":" in item)
if len(STRIPE_PRICES) != len(env.items("STRIPE_PRICES")):
    raise ImproperlyConfigured("STRIPE_PRICES must read plan:price_id,plan:price_id")
# Another address for Stripe's API (stripe-mock, a test's fake); empty for Stripe itself.
STRIPE_API_BASE = env.text("STRIPE_API_BASE")
# Days a cancelled or unpaid subscription keeps a writable workspace before it turns read-only.
BILLING_GRACE_DAYS = env.integer("BILLING_GRACE_DAYS", 7)

# --- the clock --------------------------------------------------------------------------------

# Seconds common.clock runs ahead of the wall clock (negative: behind). Only the tests' live
# processes set it, to run at an hour of their choosing; a platform served over https refuses it.
CLOCK_OFFSET = datetime.timedelta(seconds=env.integer("MUSTAFID_CLOCK_OFFSET_SECONDS", 0))
if CLOCK_OFFSET and PLATFORM_SCHEME == "https":
    raise ImproperlyConfigured(
        "MUSTAFID_CLOCK_OFFSET_SECONDS moves the platform's clock for tests; unset it in production"
    )

# --- logs and errors --------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"association": {"()": "common.observability.AssociationLogFilter"}},
    "formatters": {"json": {"()": "common.observability.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["association"],
        }
    },
    "root": {"handlers": ["console"], "level": env.text("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

SENTRY_DSN = env.text("SENTRY_DSN")
if SENTRY_DSN:
    sentry_init(dsn=SENTRY_DSN, environment=env.text("SENTRY_ENVIRONMENT", "production"))

# --- production -------------------------------------------------------------------------------

# Rate limits key on the client's address; behind nginx that is the last X-Forwarded-For entry.
TRUST_X_FORWARDED_FOR = env.flag("TRUST_X_FORWARDED_FOR")
# allauth's login limits count the same address (the one our proxy appended, or the socket's).
ALLAUTH_TRUSTED_PROXY_COUNT = 1 if TRUST_X_FORWARDED_FOR else 0
if TRUST_X_FORWARDED_FOR:
    # Only behind our own proxy, which overwrites the header: otherwise anyone could claim HTTPS.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere: a stored `<script>` or `onerror=` cannot run even if some
# page forgot to escape it. Stripe Checkout and its billing portal are reached by a redirect
# after a form's POST, which Chromium checks against form-action.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": [
        "'self'",
        # Sign-up and the console hand over to an association's own host after a POST.
        f"{PLATFORM_SCHEME}://*.{PLATFORM_DOMAIN}" + (f":{PLATFORM_PORT}" if PLATFORM_PORT else ""),
        "https://checkout.stripe.com",
        "https://billing.stripe.com",
    ],
}
if STRIPE_API_BASE:
    # A stand-in for Stripe (stripe-mock, a test's fake) serves the Checkout and portal pages.
    _stripe_base = urlsplit(STRIPE_API_BASE)
    CONTENT_SECURITY_POLICY["form-action"].append(f"{_stripe_base.scheme}://{_stripe_base.netloc}")
PERMISSIONS_POLICY_DENIED = [
    "accelerometer",
    "camera",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "payment",
    "usb",
]
CSRF_COOKIE_HTTPONLY = True  # no script reads it: forms carry the token
if PLATFORM_SCHEME == "https":
    SECURE_SSL_REDIRECT = env.flag("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 31536000)
    # Associations are subdomains of the platform: all of them are HTTPS-only too.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Only a directive: nothing is on browsers' preload lists until the owner submits the domain.
    SECURE_HSTS_PRELOAD = True
