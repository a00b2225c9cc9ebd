"""Django settings for Yiwang.

Twelve-factor: every deployment knob is an environment variable with a safe default, read by
the strict helpers in :mod:`yiwang.conf`. See docs/operations.md for the full list.
"""

from __future__ import annotations

import re
from pathlib import Path

import django_stubs_ext
from django.utils.translation import gettext_lazy as _

from yiwang.conf import ConfigError, Env, data_dir, secret_file

django_stubs_ext.monkeypatch()  # lets model fields be subscripted for type checking

env = Env()

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = data_dir(env)

SECRET_KEY = env.string("YIWANG_SECRET_KEY", "") or secret_file(DATA_DIR / "keys" / "secret_key")
DEBUG = env.boolean("YIWANG_DEBUG", False)
ALLOWED_HOSTS = env.strings("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.strings("CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "yiwang.kernel.views.csrf_failure"

# Optional services: absent by default, so one machine with nothing else running works.
NATS_URL = env.url("NATS_URL", ("nats", "tls"))
REDIS_URL = env.url("REDIS_URL", ("redis", "rediss", "unix"))

# Node identity: this deployment's region code (the node id) and its key pair (generated).
YIWANG_NODE_REGION = env.string("YIWANG_NODE_REGION", "42")
if not YIWANG_NODE_REGION.isdigit() or len(YIWANG_NODE_REGION) not in {2, 4, 6, 9, 12}:
    raise ConfigError(
        "YIWANG_NODE_REGION",
        f"expected a statistical division code of 2, 4, 6, 9 or 12 digits, got "
        f"{YIWANG_NODE_REGION!r}",
    )

# Key for personal data at rest (SM4 + SM3-HMAC); hex, 96 characters. Else generated into
# the data dir. Never stored in the database.
YIWANG_PII_KEY = env.string("YIWANG_PII_KEY", "").strip()
if YIWANG_PII_KEY and not (
    len(YIWANG_PII_KEY) == 96 and all(c in "0123456789abcdefABCDEF" for c in YIWANG_PII_KEY)
):
    raise ConfigError("YIWANG_PII_KEY", "expected 96 hexadecimal characters (48 random bytes)")

# Signing keys (SM2, per seal or issuer): the key store adapter class (the local one keeps
# them in the SigningKey table, encrypted with SM4-GCM; an HSM would be another class), and
# the local store's SM4 key, hex, 32 characters. Else generated into the data dir.
YIWANG_KEY_STORE = env.string("YIWANG_KEY_STORE", "yiwang.kernel.keystore.LocalKeyStore")
YIWANG_KEYSTORE_KEY = env.string("YIWANG_KEYSTORE_KEY", "").strip()
if YIWANG_KEYSTORE_KEY and not (
    len(YIWANG_KEYSTORE_KEY) == 32
    and all(c in "0123456789abcdefABCDEF" for c in YIWANG_KEYSTORE_KEY)
):
    raise ConfigError("YIWANG_KEYSTORE_KEY", "expected 32 hexadecimal characters (16 random bytes)")
# E-seals: the largest PDF sealed or verified. E-licences: minutes a 亮证 grant stays usable.
YIWANG_SEAL_MAX_PDF_BYTES = env.integer("YIWANG_SEAL_MAX_PDF_BYTES", 20 * 1024 * 1024, minimum=1)
YIWANG_LICENSE_GRANT_MINUTES = env.integer("YIWANG_LICENSE_GRANT_MINUTES", 5, minimum=1)

# Data exchange (yiwang/exchange): provider deadlines in working days, largest mounted file.
YIWANG_EXCHANGE_APPROVAL_DAYS = env.integer("YIWANG_EXCHANGE_APPROVAL_DAYS", 5, minimum=1)
YIWANG_EXCHANGE_REPORT_DAYS = env.integer("YIWANG_EXCHANGE_REPORT_DAYS", 5, minimum=1)
YIWANG_EXCHANGE_FILE_MAX_BYTES = env.integer(
    "YIWANG_EXCHANGE_FILE_MAX_BYTES", 50 * 1024 * 1024, minimum=1
)
# Seconds the gateway waits for an API-mounted resource's upstream answer (504 after).
YIWANG_EXCHANGE_UPSTREAM_TIMEOUT = env.integer("YIWANG_EXCHANGE_UPSTREAM_TIMEOUT", 5, minimum=1)
# Open data (yiwang/opendata): working days a publisher has to decide an access application
# or answer a data request.
YIWANG_OPENDATA_DECISION_DAYS = env.integer("YIWANG_OPENDATA_DECISION_DAYS", 10, minimum=1)
YIWANG_HOTLINE_REOPEN_DAYS = env.integer("YIWANG_HOTLINE_REOPEN_DAYS", 7, minimum=1)
# The largest file a publisher uploads as a resource; Action API calls per minute allowed to
# an anonymous client (per IP) and to a token holder (per token).
YIWANG_OPENDATA_MAX_UPLOAD_BYTES = env.integer(
    "YIWANG_OPENDATA_MAX_UPLOAD_BYTES", 200 * 1024 * 1024, minimum=1
)
YIWANG_OPENDATA_ANON_PER_MINUTE = env.integer("YIWANG_OPENDATA_ANON_PER_MINUTE", 120, minimum=1)
YIWANG_OPENDATA_TOKEN_PER_MINUTE = env.integer("YIWANG_OPENDATA_TOKEN_PER_MINUTE", 600, minimum=1)
# 12345 hotline (yiwang/hotline): the routing classifier dispatches an order on its own when
# its department confidence reaches this (0-1; 1 means an agent always confirms).
try:
    YIWANG_HOTLINE_AUTO_DISPATCH_CONFIDENCE = float(
        env.string("YIWANG_HOTLINE_AUTO_DISPATCH_CONFIDENCE", "0.8").strip() or "0.8"
    )
except ValueError:
    raise ConfigError("YIWANG_HOTLINE_AUTO_DISPATCH_CONFIDENCE", "expected a number") from None
if not 0 <= YIWANG_HOTLINE_AUTO_DISPATCH_CONFIDENCE <= 1:
    raise ConfigError("YIWANG_HOTLINE_AUTO_DISPATCH_CONFIDENCE", "must be between 0 and 1")

# The address citizens reach the platform at: printed in documents (e.g. a licence's QR code
# opens its verification page there).
YIWANG_PUBLIC_URL = env.string("YIWANG_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

# Text messages: the adapter class (the local one records to a table and the console).
YIWANG_SMS_GATEWAY = env.string("YIWANG_SMS_GATEWAY", "yiwang.kernel.sms.LocalGateway")
YIWANG_SMS_CODE_TTL = env.integer("YIWANG_SMS_CODE_TTL", 300, minimum=60)
if YIWANG_SMS_CODE_TTL > 600:
    raise ConfigError("YIWANG_SMS_CODE_TTL", "one-time codes may live at most 600 seconds")

# Mailing results (邮政速递): the postal carrier adapter class (the local one ships nothing and
# gives tracking numbers of its own).
YIWANG_POSTAL_CARRIER = env.string("YIWANG_POSTAL_CARRIER", "yiwang.cases.delivery.LocalCarrier")
if not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+", YIWANG_POSTAL_CARRIER):
    raise ConfigError(
        "YIWANG_POSTAL_CARRIER",
        f"expected the dotted path of a carrier class, got {YIWANG_POSTAL_CARRIER!r}",
    )

# Sessions: idle timeout and absolute lifetime (seconds).
YIWANG_SESSION_IDLE = env.integer("YIWANG_SESSION_IDLE", 30 * 60, minimum=60)
YIWANG_SESSION_MAX_AGE = env.integer("YIWANG_SESSION_MAX_AGE", 12 * 3600, minimum=300)
SESSION_COOKIE_AGE = YIWANG_SESSION_MAX_AGE
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Single sign-on: Yiwang as an OpenID Connect provider (django-oauth-toolkit). The signing key
# is generated into <data dir>/keys/oidc/ on first use; `yiwang oidc rotate-key` rotates it
# (restart to publish). Where a client sends the user who is not signed in yet:
from yiwang.identity import oidc_keys  # noqa: E402

YIWANG_OIDC_LOGIN_URL = env.string("YIWANG_OIDC_LOGIN_URL", "identity:login")
YIWANG_OIDC_ACCESS_TOKEN_TTL = env.integer("YIWANG_OIDC_ACCESS_TOKEN_TTL", 600, minimum=60)
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    # Empty: derived from the request (scheme and host of /.well-known/openid-configuration).
    "OIDC_ISS_ENDPOINT": env.string("YIWANG_OIDC_ISSUER", "").rstrip("/"),
    "OIDC_RSA_PRIVATE_KEY": oidc_keys.active_key(DATA_DIR / "keys"),
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": oidc_keys.inactive_keys(DATA_DIR / "keys"),
    "OAUTH2_VALIDATOR_CLASS": "yiwang.identity.oidc.YiwangValidator",
    "OIDC_SERVER_CLASS": "yiwang.identity.oidc.YiwangServer",
    "SCOPES": {
        "openid": _("确认您的身份"),
        "profile": _("实名信息：姓名、脱敏的身份证号码和实名等级"),
        "enterprise": _("您代表办事的企业及您的经办权限"),
    },
    "DEFAULT_SCOPES": ["openid"],
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["client_secret_basic", "client_secret_post"],
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": YIWANG_OIDC_ACCESS_TOKEN_TTL,
    "ID_TOKEN_EXPIRE_SECONDS": YIWANG_OIDC_ACCESS_TOKEN_TTL,
    "REFRESH_TOKEN_EXPIRE_SECONDS": YIWANG_SESSION_MAX_AGE,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "PKCE_REQUIRED": True,
    # Client secrets are long random strings: a salted SM3 suffices (yiwang.identity.hashers).
    "CLIENT_SECRET_HASHER": "sm3_secret",
    "REQUEST_APPROVAL_PROMPT": "force",
    # Plain http redirect URIs only where the platform itself runs without TLS (development).
    "ALLOWED_REDIRECT_URI_SCHEMES": (
        ["https"] if env.boolean("YIWANG_SECURE_COOKIES", False) else ["https", "http"]
    ),
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

# Uploaded files.
YIWANG_UPLOAD_MAX_BYTES = env.integer("YIWANG_UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1)
YIWANG_UPLOAD_TYPES = env.strings(
    "YIWANG_UPLOAD_TYPES",
    [
        "application/pdf",
        "image/jpeg",
        "image/png",
        "application/ofd",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ],
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "oauth2_provider",
    "yiwang.kernel",
    "yiwang.identity",
    "yiwang.catalog",
    "yiwang.seals",  # before cases: the demo's case documents come out sealed
    "yiwang.licenses",  # before cases: demo applicants use their e-licences (免提交)
    "yiwang.cases",
    "yiwang.exchange",
    "yiwang.opendata",
    "yiwang.hotline",
    "yiwang.portal",
]

MIDDLEWARE = [
    "yiwang.kernel.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "yiwang.kernel.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "yiwang.kernel.middleware.ApiErrorEnvelopeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "yiwang.identity.middleware.AccountSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "yiwang.urls"
ASGI_APPLICATION = "yiwang.asgi.application"
WSGI_APPLICATION = "yiwang.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": env.database("DATABASE_URL", DATA_DIR / "yiwang.sqlite3")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL for concurrent readers; IMMEDIATE so a writing transaction takes the write lock at
    # its start (no lock-upgrade deadlocks, and the audit chain's read-then-append is safe).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "identity.Account"
LOGIN_URL = "identity:staff-login"
LOGIN_REDIRECT_URL = "portal:staff-home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",  # first: every password uses it
    "yiwang.identity.hashers.SecretSM3Hasher",  # OAuth client secrets only (see that module)
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "yiwang.identity.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": 64}},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "files"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.boolean("YIWANG_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

LOG_LEVEL = env.string("YIWANG_LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ConfigError(
        "YIWANG_LOG_LEVEL", f"expected DEBUG, INFO, WARNING, ERROR or CRITICAL, got {LOG_LEVEL!r}"
    )

# API lists are paged; nobody pulls an unbounded page.
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
