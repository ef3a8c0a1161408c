"""Settings from the environment, with embedded defaults for local use.

With nothing set, the portal runs on a SQLite file in ``instance/`` with jobs
in-process and mail kept in the portal. Production sets ``PORTAL_ENV=production``
and real values; it refuses to start without a real ``SECRET_KEY``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production below

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The environment does not describe a portal that can safely start."""


# argon2id's cost for password hashes, chosen with PASSWORD_HASH_COST. "production" is
# argon2-cffi's default, RFC 9106's low-memory profile: 3 passes over 64 MiB in 4 lanes.
# "test" is the least argon2 allows, so the test suite is not spent hashing; it is refused
# in production (check() below).
PASSWORD_HASH_COSTS = {
    "production": {"time_cost": 3, "memory_cost": 65536, "parallelism": 4},
    "test": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
}


def password_hash_cost(env: dict[str, str] | None = None) -> str:
    cost = (os.environ if env is None else env).get("PASSWORD_HASH_COST") or "production"
    if cost not in PASSWORD_HASH_COSTS:
        raise ConfigError(f"PASSWORD_HASH_COST must be one of {', '.join(PASSWORD_HASH_COSTS)}")
    return cost


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(url: str) -> str:
    # Heroku-style URLs say postgres://; SQLAlchemy wants an explicit driver.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _mail(env: dict[str, str]) -> dict:
    return {
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(env.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS"), default=True),
        "MAIL_FROM": env.get("MAIL_FROM", "Centre for Social Work <no-reply@localhost>"),
        "MAIL_BODY_RETENTION_DAYS": int(env.get("MAIL_BODY_RETENTION_DAYS", "30")),
    }


def _sign_in(env: dict[str, str], production: bool) -> dict:
    """Sessions, cookies, request limits and the sign-in rate limits."""
    return {
        "INVITATION_MAX_AGE": timedelta(days=7),
        "PASSWORD_RESET_MAX_AGE": timedelta(hours=1),
        "IDLE_TIMEOUT": timedelta(minutes=int(env.get("IDLE_TIMEOUT_MINUTES", "30"))),
        # How long before the idle timeout the page warns, with "Stay signed in".
        "IDLE_WARNING": timedelta(minutes=2),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "SESSION_COOKIE_NAME": "portal_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        # The largest request the portal reads (413 above it), and the form parser's own
        # limits: text fields in memory, and how many fields. Uploads will need a
        # route of their own with a larger limit.
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 500_000,
        "MAX_FORM_PARTS": 500,
        "SESSION_REFRESH_EACH_REQUEST": False,  # the server holds the idle clock
        "WTF_CSRF_TIME_LIMIT": None,  # bound to the session instead, which idles out
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        # If Redis fails, limits carry on in memory rather than failing the sign-in page.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", "portal"),
        "RATELIMIT_HEADERS_ENABLED": False,
        "SIGN_IN_LIMIT_PER_ADDRESS": env.get("SIGN_IN_LIMIT_PER_ADDRESS", "20 per 10 minutes"),
        "SIGN_IN_LIMIT_PER_ACCOUNT": env.get("SIGN_IN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"),
        "SIGN_IN_LIMIT_PER_ACCOUNT_ANYWHERE": env.get(
            "SIGN_IN_LIMIT_PER_ACCOUNT_ANYWHERE", "30 per hour"
        ),
        # Reset emails per account per hour, however many times a reset is asked for.
        "PASSWORD_RESETS_PER_HOUR": int(env.get("PASSWORD_RESETS_PER_HOUR", "3")),
    }


def from_env(env: dict[str, str] | None = None, **overrides) -> dict:
    """Build the Flask config mapping from environment variables (and overrides)."""
    env = dict(os.environ if env is None else env)
    production = env.get("PORTAL_ENV", "development") == "production"
    instance = Path(env.get("PORTAL_INSTANCE_PATH", ROOT / "instance"))
    database_url = _database_url(env.get("DATABASE_URL") or f"sqlite:///{instance / 'portal.db'}")
    config = {
        "ENV_NAME": "production" if production else "development",
        "SECRET_KEY": env.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Migrations run as the role that owns the tables; the app connects as
        # a role that does not (so PostgreSQL row-level security applies to it).
        "MIGRATION_DATABASE_URI": _database_url(env.get("MIGRATION_DATABASE_URL") or database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": env.get("REDIS_URL") or None,
        "PORTAL_BASE_URL": env.get("PORTAL_BASE_URL", "http://127.0.0.1:5000"),
        "TENANTS_DIR": env.get("TENANTS_DIR", str(ROOT / "tenants")),
        # Shows /healthz's details to monitoring that sends it as a bearer token.
        "HEALTH_TOKEN": env.get("HEALTH_TOKEN") or None,
        "COHORT_PARTNER_LIMIT": int(env.get("COHORT_PARTNER_LIMIT", "3")),
        # Number of reverse proxies in front of the app whose X-Forwarded-For we trust.
        # Production must say (check() below): gunicorn trusts no forwarded headers.
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        "TRUSTED_PROXIES_SET": "TRUSTED_PROXIES" in env,
        **_mail(env),
        **_sign_in(env, production),
        "HSTS": production,
        # Read by portal/accounts/passwords.py from the environment when it is imported.
        "PASSWORD_HASH_COST": password_hash_cost(env),
        "TESTING": False,
    }
    config.update(overrides)
    return config


def check(config: dict) -> None:
    """Refuse to start production with development secrets."""
    if config["ENV_NAME"] != "production":
        return
    key = (config.get("SECRET_KEY") or "").strip()
    if key == DEV_SECRET_KEY or len(key) < 32:
        raise ConfigError(
            "SECRET_KEY must be set to a random value of at least 32 characters in "
            "production (python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        raise ConfigError("DATABASE_URL must point at PostgreSQL in production.")
    if config.get("PASSWORD_HASH_COST", "production") != "production":
        raise ConfigError("PASSWORD_HASH_COST is for the test suite: leave it unset in production.")
    if not config.get("TRUSTED_PROXIES_SET", True):
        raise ConfigError(
            "TRUSTED_PROXIES must be set in production: how many reverse proxies (load "
            "balancer, router) sit in front of the portal, 0 if none. Without it every "
            "visitor behind a proxy shares one sign-in rate limit."
        )
    if not config["PORTAL_BASE_URL"].startswith("https://"):
        raise ConfigError("PORTAL_BASE_URL must be the portal's https:// address in production.")
