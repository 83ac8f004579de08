"""HMS settings: one module, driven by environment variables.

With nothing set you get the embedded defaults (SQLite, in-memory channel layer, eager Celery,
local-memory cache, console e-mail) so `make run` and the test suite work on a bare machine.
Production sets DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and DEBUG=0.
"""

import email.utils
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (export SECRET_KEY=<50+ random characters>)."
        )
    SECRET_KEY = "django-insecure-local-development-only-never-use-in-production-0123456789"  # noqa: S105

# Never "*": the websocket origin check and password-reset links rely on this list (refused loudly, issue 11).
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
if any(host == "*" for host in ALLOWED_HOSTS):
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the site's hosts; '*' is refused.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "allauth",
    "allauth.account",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "accounts",
    "hospitals",
    "doctors",
    "patients",
    "appointments",
    "prescriptions",
    "notifications",
    "reports",
    # REST + FHIR API (issue 16)
    "allauth.headless",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    "ops",
    "pharmacy",
    "billing",
]

MIDDLEWARE = [
    "ops.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "hms.middleware.RejectNulCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hms.middleware.SessionIdleRefreshMiddleware",
    "ops.db_router.PrimaryPinMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "hms.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "hms.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
                "notifications.context_processors.bell",
            ],
        },
    },
]

# --- database ----------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_health_checks=True)}
    DATABASES["default"].setdefault("OPTIONS", {})
    if env_bool("DATABASE_POOL", False):
        # One psycopg 3 pool per server process (Django >= 5.1), what the Procfile's web server uses. Under ASGI
        # every request runs in its own thread context, so persistent connections (CONN_MAX_AGE > 0) are never
        # reused and pile up; the pool hands each request a connection and takes it back, never holding more
        # than max_size per process: processes x max_size must fit PostgreSQL's max_connections.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": int(os.environ.get("DATABASE_POOL_MIN_SIZE", "2")),
            "max_size": int(os.environ.get("DATABASE_POOL_MAX_SIZE", "8")),
            "max_idle": 300,
            "timeout": int(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
        }
    else:
        # Default: a connection per request, closed at its end (CONN_MAX_AGE > 0 leaks under ASGI).
        DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "0"))
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME", "test_hms")}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on the busy
                # timeout instead of failing with "database is locked" half-way through.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file (not :memory:) so a Daphne live server in another process sees the test data.
            "TEST": {"NAME": str(BASE_DIR / ".test-db.sqlite3")},
        }
    }
# A streaming read replica: reports, long lists and FHIR searches that opt in read from it (ops.db_router).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_health_checks=True)
    DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {}))
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"].get("CONN_MAX_AGE", 0)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["ops.db_router.ReplicaRouter"]
REPLICA_PIN_SECONDS = int(os.environ.get("REPLICA_PIN_SECONDS", "15"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

# --- redis: cache, channel layer, celery -------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Deployments sharing one Redis (and parallel pytest-xdist workers, which export PYTEST_XDIST_WORKER)
# each get their own key space, so one's cache flush or channel group never reaches another's.
REDIS_KEY_PREFIX = os.environ.get("REDIS_KEY_PREFIX") or os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Degrades to "no cache" while Redis is down, with short timeouts (hms/cache.py, issue 11).
            "BACKEND": "hms.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"asgi{REDIS_KEY_PREFIX}"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {}  # filled in by the features below (see "notifications")

# --- auth --------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "accounts.hashers.TunedArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
# Signup must say plainly that an e-mail is taken (the issue asks for a clear form error).
ACCOUNT_PREVENT_ENUMERATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_FORMS = {
    "signup": "accounts.forms.PatientSignupForm",
    # The reset form never says whether an address has an account (issue 11).
    "reset_password": "accounts.forms.QuietResetPasswordForm",
}
# Login throttling (issue 11): failures per account (20 in 15 minutes, "key" = the e-mail tried) and per
# (IP, account) (5 in 15 minutes, accounts.adapter); the per-IP ceilings are generous so a whole hospital
# behind one NAT never locks itself out: 300 login posts a minute, 300 failures in 15 minutes.
ACCOUNT_RATE_LIMITS = {
    "login": "300/m/ip",
    "login_failed": "20/15m/key,300/15m/ip",
    "login_failed_ip_account": "5/15m/key",
    "signup": "20/h/ip",
    "reset_password": "10/h/ip,5/h/key",
}
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", str(30 * 60)))
# Idle expiry without a session write on every request: hms.middleware.SessionIdleRefreshMiddleware pushes the
# expiry forward at most once per SESSION_REFRESH_SECONDS, so a session ends between AGE - REFRESH and AGE idle.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = int(os.environ.get("SESSION_REFRESH_SECONDS", "60"))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- i18n / time -------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- static & private files --------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Served by WhiteNoise from the ASGI app. Finders let `make run` work without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Object storage (django-storages S3 backend) for uploads when S3_BUCKET is set: a private bucket, every object
# encrypted at rest (SSE-S3 "AES256", or "aws:kms" with S3_SSE_KMS_KEY_ID). Files still reach users only through
# the permission-checked views (they stream the object); no bucket URL is ever handed out.
S3_BUCKET = os.environ.get("S3_BUCKET", "")
if S3_BUCKET:
    _s3_sse = os.environ.get("S3_SSE", "AES256")
    _s3_object_parameters = {"ServerSideEncryption": _s3_sse}
    if _s3_sse == "aws:kms" and os.environ.get("S3_SSE_KMS_KEY_ID"):
        _s3_object_parameters["SSEKMSKeyId"] = os.environ["S3_SSE_KMS_KEY_ID"]
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "location": os.environ.get("S3_PREFIX", "private"),
            "region_name": os.environ.get("S3_REGION", "") or None,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL", "") or None,  # MinIO, Ceph, other S3 services
            "access_key": os.environ.get("S3_ACCESS_KEY_ID", "") or None,  # else the instance role / AWS_* env
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY", "") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "object_parameters": _s3_object_parameters,
        },
    }
# Uploaded files are private: never under STATIC_ROOT, never served by a public MEDIA_URL route.
# They are read only through permission-checked views.
PRIVATE_FILES_ROOT = Path(os.environ.get("PRIVATE_FILES_ROOT", str(BASE_DIR / "private-files")))
MEDIA_ROOT = PRIVATE_FILES_ROOT
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

# --- forms -------------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- e-mail ------------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "HMS <no-reply@hms.local>")
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- security ----------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # our JS reads the token from the form field, but keep the default
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content Security Policy: no inline script anywhere; our JS lives in static/ modules.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        # 'self' covers ws:/wss: to this origin (CSP 3); no socket to any other host (issue 11).
        "connect-src": ["'self'"],
        "media-src": ["'self'", "blob:", "mediastream:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- logging -----------------------------------------------------------------------------------
# Every line carries the request id (ops.request_id); LOG_FORMAT=json (default with DEBUG off) gives one JSON
# object per line for a log shipper, LOG_FORMAT=text the classic format.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ops.request_id.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "ops.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- domain settings ---------------------------------------------------------------------------
SLOT_MINUTES = int(os.environ.get("SLOT_MINUTES", "30"))
BOOKING_MIN_LEAD_MINUTES = int(os.environ.get("BOOKING_MIN_LEAD_MINUTES", "60"))
BOOKING_HORIZON_DAYS = int(os.environ.get("BOOKING_HORIZON_DAYS", "60"))

# --- notifications, delivery, reminders, presence (issue 6) ------------------------------------
# Absolute links in e-mails and SMS.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Any Django e-mail backend by environment (tests and the worker use a file or SMTP outbox).
if os.environ.get("EMAIL_BACKEND"):
    EMAIL_BACKEND = os.environ["EMAIL_BACKEND"]
    EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", "")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
# SMS provider: the log backend by default; the Twilio-compatible adapter when SMS_BACKEND says so.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "notifications.sms.LogSmsBackend")
SMS_API_BASE_URL = os.environ.get("SMS_API_BASE_URL", "https://api.twilio.com")
SMS_ACCOUNT_SID = os.environ.get("SMS_ACCOUNT_SID", "")
SMS_AUTH_TOKEN = os.environ.get("SMS_AUTH_TOKEN", "")
SMS_FROM_NUMBER = os.environ.get("SMS_FROM_NUMBER", "")
SMS_TIMEOUT = int(os.environ.get("SMS_TIMEOUT", "10"))
# Delivery tasks: queue, retries with exponential backoff (base * 2**retry seconds, capped).
NOTIFICATIONS_QUEUE = os.environ.get("NOTIFICATIONS_QUEUE", "celery")
NOTIFICATIONS_MAX_RETRIES = int(os.environ.get("NOTIFICATIONS_MAX_RETRIES", "5"))
NOTIFICATIONS_RETRY_BASE_SECONDS = float(os.environ.get("NOTIFICATIONS_RETRY_BASE_SECONDS", "30"))
NOTIFICATIONS_RETRY_MAX_SECONDS = float(os.environ.get("NOTIFICATIONS_RETRY_MAX_SECONDS", "3600"))
# Transactional outbox (issue 11): a sender's lease on a delivery row (longer than any provider timeout), and how
# long a row may stay pending before the sweeper (Celery beat, every NOTIFICATIONS_SWEEP_SECONDS) enqueues it.
NOTIFICATIONS_LEASE_SECONDS = int(os.environ.get("NOTIFICATIONS_LEASE_SECONDS", "60"))
NOTIFICATIONS_OUTBOX_DELAY_SECONDS = int(os.environ.get("NOTIFICATIONS_OUTBOX_DELAY_SECONDS", "10"))
NOTIFICATIONS_SWEEP_SECONDS = float(os.environ.get("NOTIFICATIONS_SWEEP_SECONDS", "5"))
CELERY_BEAT_SCHEDULE["sweep-notification-outbox"] = {
    "task": "notifications.tasks.sweep_outbox",
    "schedule": NOTIFICATIONS_SWEEP_SECONDS,
    "options": {"queue": NOTIFICATIONS_QUEUE, "expires": NOTIFICATIONS_SWEEP_SECONDS * 2},
}
# Reminders before an appointment, in minutes (defaults: 24 hours and 15 minutes).
REMINDER_DAY_BEFORE_MINUTES = int(os.environ.get("REMINDER_DAY_BEFORE_MINUTES", str(24 * 60)))
REMINDER_SHORTLY_BEFORE_MINUTES = int(os.environ.get("REMINDER_SHORTLY_BEFORE_MINUTES", "15"))
# Booked less than a day ahead: the "day before" reminder goes out this long before the start instead.
REMINDER_LATE_BOOKING_MINUTES = int(os.environ.get("REMINDER_LATE_BOOKING_MINUTES", "120"))
# Embedded mode (`make run` without REDIS_URL): the web process sends due reminders this often.
EMBEDDED_SCHEDULER_SECONDS = float(os.environ.get("EMBEDDED_SCHEDULER_SECONDS", "60"))
CELERY_BEAT_SCHEDULE["send-due-reminders"] = {
    "task": "notifications.tasks.send_due_reminders",
    "schedule": 60.0,
    "options": {"queue": NOTIFICATIONS_QUEUE, "expires": 55},
}
# Embedded mode (in-memory channel layer): sockets also check the inbox this often, so notifications
# recorded by another process (cron's send_due_reminders) still reach open tabs.
NOTIFICATIONS_EMBEDDED_POLL_SECONDS = float(os.environ.get("NOTIFICATIONS_EMBEDDED_POLL_SECONDS", "3"))
# Presence: tabs send a heartbeat every PRESENCE_HEARTBEAT_SECONDS; a tab silent for
# PRESENCE_TTL_SECONDS counts as gone (a crashed browser goes offline within a minute).
PRESENCE_HEARTBEAT_SECONDS = int(os.environ.get("PRESENCE_HEARTBEAT_SECONDS", "20"))
PRESENCE_TTL_SECONDS = int(os.environ.get("PRESENCE_TTL_SECONDS", "45"))

# --- trust and safety (issue 11) ----------------------------------------------------------------
# Front-desk patient searches per desk user per hour (each cross-hospital hit is also access-logged).
DESK_LOOKUPS_PER_HOUR = int(os.environ.get("DESK_LOOKUPS_PER_HOUR", "60"))

# --- medical records (issue 5) -------------------------------------------------------------------
# Largest clinical upload (PDF, PNG, JPEG, DICOM) accepted into a patient's record.
CLINICAL_UPLOAD_MAX_BYTES = int(os.environ.get("CLINICAL_UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))

# --- video consultations (issue 7) -------------------------------------------------------------
# The call page and its websocket open this long before the start and stay open this long after the end.
CALL_OPENS_MINUTES_BEFORE = int(os.environ.get("CALL_OPENS_MINUTES_BEFORE", "10"))
CALL_CLOSES_MINUTES_AFTER = int(os.environ.get("CALL_CLOSES_MINUTES_AFTER", "30"))
# ICE servers: none by default (host candidates suffice on one machine / one LAN). Production:
# CALL_STUN_URLS=stun:turn.example.org:3478 CALL_TURN_URLS=turn:turn.example.org:3478?transport=udp,...
# and CALL_TURN_SECRET = coturn's static-auth-secret (use-auth-secret): we hand out short-lived credentials.
CALL_STUN_URLS = env_list("CALL_STUN_URLS")
CALL_TURN_URLS = env_list("CALL_TURN_URLS")
CALL_TURN_SECRET = os.environ.get("CALL_TURN_SECRET", "")
CALL_TURN_TTL_SECONDS = int(os.environ.get("CALL_TURN_TTL_SECONDS", str(4 * 60 * 60)))
if REDIS_URL:
    # redis-py 8 gives every connection a 5 s socket timeout, exactly as long as channels-redis blocks in
    # BZPOPMIN while waiting for a message: an idle websocket's receive loop then dies with "Timeout reading".
    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [{"address": REDIS_URL, "socket_timeout": 15}]

# --- reports (issue 15) ------------------------------------------------------------------------
REPORTS_MAX_RANGE_DAYS = int(os.environ.get("REPORTS_MAX_RANGE_DAYS", "731"))  # two years, a leap day included
REPORTS_SYNC_EXPORT_MAX_ROWS = int(os.environ.get("REPORTS_SYNC_EXPORT_MAX_ROWS", "10000"))
REPORTS_EXPORT_TTL_HOURS = int(os.environ.get("REPORTS_EXPORT_TTL_HOURS", "24"))
# The report's covering index includes columns only PostgreSQL can; SQLite uses its key columns (fine there).
SILENCED_SYSTEM_CHECKS = ["models.W040"]
CELERY_BEAT_SCHEDULE["purge-expired-exports"] = {"task": "reports.tasks.purge_expired_exports", "schedule": 3600.0}

# --- REST API, JWT and FHIR (issue 16) ------------------------------------------------------------
# One login path: allauth's headless API (same rate limits, later MFA) hands out JWTs for the app client.
HEADLESS_CLIENTS = ("app",)
HEADLESS_TOKEN_STRATEGY = "allauth.headless.tokens.strategies.jwt.JWTTokenStrategy"  # noqa: S105
# HS256 with SECRET_KEY unless an RSA key is configured (RS256 lets other services verify tokens).
HEADLESS_JWT_PRIVATE_KEY = os.environ.get("JWT_PRIVATE_KEY", "")
HEADLESS_JWT_ALGORITHM = "RS256" if HEADLESS_JWT_PRIVATE_KEY else "HS256"
HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN = min(int(os.environ.get("JWT_ACCESS_TOKEN_SECONDS", "300")), 300)
HEADLESS_JWT_REFRESH_TOKEN_EXPIRES_IN = int(os.environ.get("JWT_REFRESH_TOKEN_SECONDS", str(24 * 3600)))
HEADLESS_JWT_ROTATE_REFRESH_TOKEN = True
# Every access token is checked against its login session: logout and a password change revoke it at once.
HEADLESS_JWT_STATEFUL_VALIDATION_ENABLED = True
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Cursor",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.AnonThrottle", "api.throttling.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_ANON_RATE", "60/min"),
        "user": os.environ.get("API_USER_RATE", "600/min"),
    },
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "HMS API",
    "DESCRIPTION": "REST API of the hospital management system. Sign in through /_allauth/app/v1/auth/login "
    "to get a JWT; send it as `Authorization: Bearer <token>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
}
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", str(64 * 1024)))
# --- data safety and operations (issue 18) ------------------------------------------------------
# Embedded-mode backups (manage.py backup/restore) and the files archives beside pgBackRest's backups.
BACKUP_ROOT = Path(os.environ.get("BACKUP_ROOT", str(BASE_DIR / "backups")))
BACKUP_KEEP = int(os.environ.get("BACKUP_KEEP", "7"))
# Pid files of running server processes: a restore refuses while one is alive (unless --force).
RUN_DIR = Path(os.environ.get("HMS_RUN_DIR", str(BASE_DIR / ".run")))
PGBACKREST_BIN = os.environ.get("HMS_PGBACKREST_BIN", "pgbackrest")
PGBACKREST_STANZA = os.environ.get("HMS_PGBACKREST_STANZA", "hms")
PGBACKREST_CONFIG = os.environ.get("HMS_PGBACKREST_CONFIG", "")

# Error reporting: Sentry / GlitchTip when SENTRY_DSN is set; otherwise Django e-mails server errors to ADMINS
# ("Ops Team <ops@example.org>, Jo <jo@example.org>") when DEBUG is off.
ADMINS = [(name.strip() or addr, addr) for name, addr in
          (email.utils.parseaddr(item) for item in env_list("ADMINS")) if addr]  # fmt: skip
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    from ops.monitoring import init_sentry

    init_sentry(
        SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        release=os.environ.get("SENTRY_RELEASE", ""),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )
CELERY_BEAT_SCHEDULE["maintain-partitions"] = {
    "task": "ops.tasks.maintain_partitions",
    "schedule": 24 * 60 * 60.0,
    "options": {"expires": 60 * 60},
}

# --- billing and payments (issue 13) -------------------------------------------------------------
# PAYMENT_GATEWAY: "test" (offline hosted-checkout simulator, the embedded default) or "stripe" (hosted Checkout).
PAYMENT_GATEWAY = os.environ.get("PAYMENT_GATEWAY", "test")
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_MAX_NETWORK_RETRIES = int(os.environ.get("STRIPE_MAX_NETWORK_RETRIES", "2"))
PAY_LINK_MAX_AGE_DAYS = int(os.environ.get("PAY_LINK_MAX_AGE_DAYS", "7"))
BILLING_REMINDER_AFTER_DAYS = int(os.environ.get("BILLING_REMINDER_AFTER_DAYS", "3"))
# A completed visit's draft invoice is issued (and the patient told) this long after the visit ends.
BILLING_AUTO_ISSUE_MINUTES = int(os.environ.get("BILLING_AUTO_ISSUE_MINUTES", "60"))
CELERY_BEAT_SCHEDULE["billing-issue-due-invoices"] = {
    "task": "billing.tasks.issue_due_invoices",
    "schedule": 300.0,
    "options": {"expires": 290},
}
CELERY_BEAT_SCHEDULE["billing-retry-webhooks"] = {
    "task": "billing.tasks.retry_webhook_events",
    "schedule": 60.0,
    "options": {"expires": 55},
}
CELERY_BEAT_SCHEDULE["billing-payment-reminders"] = {
    "task": "billing.tasks.send_payment_reminders",
    "schedule": 3600.0,
    "options": {"expires": 3500},
}

# --- pharmacy (issue 14) ---------------------------------------------------------------------------
# Batches expiring within this many days are flagged and listed in the daily digest to pharmacists.
PHARMACY_NEAR_EXPIRY_DAYS = int(os.environ.get("PHARMACY_NEAR_EXPIRY_DAYS", "90"))
# Currency of stock prices when the hospital has none of its own.
PHARMACY_DEFAULT_CURRENCY = os.environ.get("PHARMACY_DEFAULT_CURRENCY", "INR")
CELERY_BEAT_SCHEDULE["pharmacy-near-expiry-digest"] = {
    "task": "pharmacy.tasks.send_near_expiry_digest",
    "schedule": 3600.0,  # hourly: each hospital gets it once on its own local date (idempotent)
    "options": {"queue": NOTIFICATIONS_QUEUE, "expires": 3000},
}
