"""Settings, read from the environment so that no secret lives in the code."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """SECRET_KEY from the environment; otherwise a random key kept in instance/.

    Kept on disk so that a restart of `make run` does not sign everybody out. A multi-server
    deployment must set SECRET_KEY so that every worker shares it.
    """
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    SECRET_KEY = None  # filled by load()
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE / 'fieldbook.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE / "uploads"))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "25")) * 1024 * 1024
    MAX_IMAGE_BYTES = 12 * 1024 * 1024
    MAX_IMAGE_PIXELS = 40_000_000
    # The work one request may ask for: a 40 MP picture takes about 2 s to decode and
    # re-encode on one core, a photo downscaled on the phone (2000 px) a tenth of that.
    MAX_PHOTOS_PER_REQUEST = int(os.environ.get("MAX_PHOTOS_PER_REQUEST", "10"))
    MAX_REQUEST_PIXELS = 60_000_000
    IMAGE_MAX_SIDE = 2048
    THUMB_SIDE = 320

    # Phones stay on one page for hours: the CSRF token lives as long as the session.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_HEADERS = ["X-CSRFToken"]

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SECURE_COOKIES")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("SECURE_COOKIES")
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    PREFERRED_URL_SCHEME = "https" if _bool("SECURE_COOKIES") else "http"

    # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto (0: none trusted).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    BASE_URL = os.environ.get("BASE_URL")  # what QR labels encode, behind a proxy
    # Documented in README: failed sign-ins per client address and per account, counted in the
    # database (every worker sees the same count); successful sign-ins never count.
    SIGNIN_RATE_LIMIT = os.environ.get("SIGNIN_RATE_LIMIT", "10 per minute;50 per hour")
    SIGNIN_ACCOUNT_LIMIT = os.environ.get("SIGNIN_ACCOUNT_LIMIT", "10 per 15 minutes")
    # Customer requests (and ratings) sent from one address, signed out.
    PUBLIC_REQUEST_LIMIT = os.environ.get("PUBLIC_REQUEST_LIMIT", "5 per minute;30 per hour")

    # Optional e-mail for notifications (the app works without it).
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_FROM = os.environ.get("MAIL_FROM", "fieldbook@localhost")

    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 (a method name, not a secret)
    LANGUAGES = ("en", "zh_Hans")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "app" / "translations")
    PER_PAGE = 25
    SEND_FILE_MAX_AGE_DEFAULT = timedelta(days=365)  # static URLs carry a version
    # Static files are sent as streams; gzip for them too (browsers offer br only over HTTPS).
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_ALGORITHM_STREAMING = ["br", "gzip"]
    COMPRESS_BR_LEVEL = 6  # brotli's default for the web; 4 came out larger than gzip -6
    COMPRESS_MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript",
                          "application/json", "image/svg+xml", "text/csv", "text/plain"]


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 (fast, tests only)
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")


def load(app, config: dict | type | None) -> None:
    if isinstance(config, type):
        app.config.from_object(config)
    else:
        app.config.from_object(Config)
        if config:
            app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key()
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgres://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"].replace(
            "postgres://", "postgresql+psycopg://", 1)
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"].replace(
            "postgresql://", "postgresql+psycopg://", 1)
