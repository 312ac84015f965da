"""One typed settings object, read from the environment (and an optional ``.env`` file).

Every value is checked when the app, the CLI or Alembic starts; a bad value stops the
process with a message that names the variable, instead of failing later mid-request.
"""

from __future__ import annotations

import functools
from pathlib import Path
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "booking_app.db"

# SQLAlchemy's bare "postgresql://" means psycopg2; we ship psycopg 3.
_POSTGRES_PREFIXES = ("postgresql://", "postgres://", "postgresql+psycopg://")
_LOOPBACK_NAMES = ("localhost", "127.0.0.1")
_PLACEHOLDER_MARKERS = ("changeme", "change_me", "xxx", "your_", "<", "...")


class SettingsError(SystemExit):
    """Raised (and exits the process) when the environment holds an invalid value."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=PROJECT_ROOT / ".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_SQLITE_PATH}",
        description="SQLAlchemy URL: sqlite:///path or postgresql://user@host/db",
    )
    stripe_secret_key: SecretStr | None = Field(
        default=None, description="sk_test_… / sk_live_… / rk_…; unset = local Stripe emulator"
    )
    stripe_webhook_secret: SecretStr | None = Field(
        default=None, description="whsec_… secrets, comma-separated during rotation"
    )
    app_url: str = Field(default="http://localhost:3000", description="public base URL")
    stripe_emulator_url: str | None = Field(
        default=None,
        description="base URL of the local Stripe emulator the SDK calls; unset = this app (APP_URL). "
                    "Lets the emulator run in a process of its own (the webhook benchmark does)",
    )
    sqlite_busy_timeout_ms: int = Field(
        default=5000, ge=100, le=60_000,
        description="SQLite: how long a statement waits for another writer's lock before the request "
                    "answers 503 (keep it well under the HTTP clients' patience)",
    )
    # Stripe Checkout Sessions live 30 min to 24 h, and a hold lasts exactly as long as its
    # Checkout Session, so the same bounds apply.
    hold_minutes: int = Field(default=30, ge=30, le=24 * 60, description="how long a hold keeps a slot")
    max_active_holds: int = Field(
        default=3, ge=1, le=100, description="unpaid holds allowed per e-mail address and per client address"
    )
    # Free sessions have no payment to slow anyone down: a cap per builder and day (the
    # builder's calendar day of the start) keeps one person, or one client, from taking them all.
    max_free_bookings_per_day: int = Field(
        default=2, ge=1, le=100,
        description="free sessions one e-mail address may have with one builder on one day",
    )
    max_free_bookings_per_client_per_day: int = Field(
        default=6, ge=1, le=1000,
        description="free sessions booked from one client address with one builder on one day (people behind "
                    "one shared address count together: keep it above the per-address limit)",
    )
    trusted_proxies: str = Field(
        default="", description="comma-separated addresses/networks of proxies whose X-Forwarded-For and "
                                "X-Forwarded-Proto are believed ('*' = any); empty = none"
    )
    # The job runner (booking_app/jobs): refunds owed, Checkout Sessions to close, periodic
    # upkeep. Runs inside every app worker unless turned off (then `python -m booking_app.cli
    # worker` must run somewhere).
    jobs_in_app: bool = Field(default=True, description="run the job runner inside each app worker")
    jobs_poll_seconds: float = Field(default=1.0, gt=0, le=60, description="how often an idle runner looks for due jobs")
    jobs_retry_seconds: float = Field(
        default=10.0, gt=0, le=3600, description="first retry delay of a failed job; doubles each attempt (max 1 h)"
    )
    jobs_max_attempts: int = Field(default=15, ge=1, le=100, description="attempts before a job is marked dead")
    jobs_lease_seconds: int = Field(
        default=300, ge=5, le=3600,
        description="how long a claimed job is its worker's; after that (a crashed worker) it is run again",
    )

    # Calendars (booking_app/calendars): builders' own calendars block their times.
    calendar_sync_minutes: int = Field(
        default=5, ge=1, le=1440, description="how often each connected calendar is read again")
    calendar_allow_private_hosts: bool = Field(
        default=False, description="let calendar addresses point at private or loopback hosts (a CalDAV server on "
                                   "the same network; the tests)")
    calendar_max_failures: int = Field(
        default=5, ge=1, le=100, description="failed syncs in a row after which a calendar connection is paused")
    encryption_key: SecretStr | None = Field(
        default=None, description="Fernet key (32 url-safe base64 bytes) encrypting stored calendar credentials; "
                                  "unset = a key kept in .encryption-key in the project folder (one machine only)")
    smtp_url: SecretStr | None = Field(
        default=None,
        description="where mail goes: smtp://user:pass@host:587?starttls=true, smtps://user:pass@host:465, "
                    "smtp://127.0.0.1:2525; unset = the local mailbox at /dev/mailbox",
    )
    email_from: str = Field(default="Makerhours <bookings@localhost>", description="the From of every mail")

    # -- Integrations (issue 17) ---------------------------------------------------------------
    webhook_allow_private_targets: bool = Field(
        default=False,
        description="allow outgoing webhooks to private, loopback and link-local addresses (tests, local setups); "
                    "never in production: it would let builders probe the app's own network",
    )
    embed_allowed_origins: str = Field(
        default="*",
        description="origins whose pages may frame the booking pages (the embeddable widget), comma-separated, "
                    "e.g. https://ada.dev,https://www.ada.dev; '*' = any. Other pages are never frameable",
    )
    # -- end of integrations ------------------------------------------------------------------

    cors_allowed_origins: str = Field(
        default="", description="comma-separated origins allowed to call the backend from a browser; "
                                "empty = APP_URL's origin only; '*' = any (never in production)"
    )
    # Builder sign-in sessions (booking_app/accounts/sessions.py): a session ends at whichever
    # comes first, SESSION_MAX_HOURS after sign-in or SESSION_IDLE_MINUTES without a request.
    session_max_hours: int = Field(default=7 * 24, ge=1, le=90 * 24,
                                   description="absolute lifetime of a builder's sign-in session")
    session_idle_minutes: int = Field(default=120, ge=5, le=30 * 24 * 60,
                                      description="a builder's session ends after this long without a request")
    # Sign-in with an OpenID Connect provider (issue 16; booking_app/accounts/oidc.py): Clerk,
    # Auth0, Google, Keycloak… Without an issuer the button is absent.
    oidc_issuer: str | None = Field(default=None, description="the provider's issuer URL (its "
                                    "/.well-known/openid-configuration is read); empty = no OIDC sign-in")
    oidc_client_id: str | None = Field(default=None, description="this app's client id at the provider")
    oidc_client_secret: SecretStr | None = Field(default=None, description="this app's client secret")
    oidc_display_name: str = Field(default="your identity provider", max_length=60,
                                   description='the button says "Continue with <OIDC_DISPLAY_NAME>"')

    @field_validator("embed_allowed_origins")
    @classmethod
    def _check_embed_origins(cls, value: str) -> str:
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        if not entries:
            return "*"
        for entry in entries:
            if entry == "*":
                continue
            parts = urlsplit(entry)
            if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") \
                    or parts.query or parts.fragment or any(c in entry for c in " ;'\""):
                raise ValueError(f"{entry!r} is not an origin; write origins like https://www.example.com, "
                                 "comma-separated, or * for any")
        return ",".join(entry.rstrip("/") for entry in entries)

    @property
    def frame_ancestors(self) -> str:
        """The booking pages' ``Content-Security-Policy: frame-ancestors`` sources."""
        return " ".join(self.embed_allowed_origins.split(","))

    @property
    def cors_origin_list(self) -> list[str]:
        """The origins allowed to call the backend: the configured list, or APP_URL's origin."""
        listed = [entry.strip().rstrip("/") for entry in self.cors_allowed_origins.split(",") if entry.strip()]
        if listed:
            return listed
        parts = urlsplit(self.app_url)
        origins = [f"{parts.scheme}://{parts.netloc}"]
        if parts.hostname in _LOOPBACK_NAMES:  # a local setup: the same app by any of its local names
            port = f":{parts.port}" if parts.port else ""
            origins += [f"{parts.scheme}://{name}{port}" for name in _LOOPBACK_NAMES if name != parts.hostname]
        return origins

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [entry.strip() for entry in self.trusted_proxies.split(",") if entry.strip()]

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        value = value.strip()
        if value.startswith(_POSTGRES_PREFIXES):
            rest = value.split("://", 1)[1]
            if not urlsplit("//" + rest).hostname and "host=" not in rest:
                raise ValueError("a PostgreSQL URL needs a host, e.g. postgresql://postgres@127.0.0.1:5432/app")
            return "postgresql+psycopg://" + rest
        if value.startswith("sqlite://"):
            path = value.removeprefix("sqlite://").removeprefix("/")
            if path and path != ":memory:" and not Path(path).is_absolute():
                # Relative paths would follow the current directory; pin them to the project.
                return f"sqlite:///{PROJECT_ROOT / path}"
            return value
        raise ValueError("must start with sqlite:/// or postgresql:// (e.g. sqlite:///booking_app.db)")

    @field_validator("stripe_secret_key")
    @classmethod
    def _check_secret_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        key = value.get_secret_value().strip()
        if not key.startswith(("sk_test_", "sk_live_", "rk_test_", "rk_live_")):
            raise ValueError("must be a Stripe secret key starting with sk_test_, sk_live_ or rk_…")
        _refuse_placeholder(key)
        return SecretStr(key)

    @field_validator("stripe_webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        secrets = [part.strip() for part in value.get_secret_value().split(",") if part.strip()]
        for secret in secrets:
            if not secret.startswith("whsec_"):
                raise ValueError("each comma-separated secret must start with whsec_")
            _refuse_placeholder(secret)
        return SecretStr(",".join(secrets))

    @field_validator("stripe_emulator_url")
    @classmethod
    def _check_emulator_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return cls._check_app_url(value)

    @field_validator("app_url")
    @classmethod
    def _check_app_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an absolute http(s) URL such as https://book.example.com")
        if parts.query or parts.fragment:
            raise ValueError("must not contain a query string or fragment")
        return value.strip().rstrip("/")

    @field_validator("encryption_key")
    @classmethod
    def _check_encryption_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        from cryptography.fernet import Fernet

        try:
            Fernet(value.get_secret_value().strip().encode())
        except ValueError:
            raise ValueError("must be a Fernet key: 32 url-safe base64-encoded bytes, e.g. from "
                             "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
                             ) from None
        return value

    @field_validator("oidc_issuer", "oidc_client_id")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("oidc_issuer")
    @classmethod
    def _check_issuer(cls, value: str | None) -> str | None:
        from urllib.parse import urlsplit

        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be the provider's issuer URL, e.g. https://clerk.example.com")
        if value is not None and value.startswith("http://") and urlsplit(value).hostname not in (
                "localhost", "127.0.0.1", "::1"):
            raise ValueError("must be https:// (plain http:// only for a provider on this machine)")
        return value

    @model_validator(mode="after")
    def _check_oidc(self) -> Settings:
        if self.oidc_issuer and not (self.oidc_client_id and self.oidc_client_secret
                                     and self.oidc_client_secret.get_secret_value()):
            raise ValueError("OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET as well")
        return self

    @property
    def oidc_enabled(self) -> bool:
        return self.oidc_issuer is not None

    @field_validator("smtp_url")
    @classmethod
    def _check_smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        parse_smtp_url(value.get_secret_value().strip())  # raises ValueError with the reason
        return SecretStr(value.get_secret_value().strip())

    @field_validator("email_from")
    @classmethod
    def _check_email_from(cls, value: str) -> str:
        from email.utils import parseaddr

        name, address = parseaddr(value.strip())
        if "@" not in address or any(c in value for c in "\r\n"):
            raise ValueError('must be an address such as "Makerhours <bookings@example.com>"')
        return value.strip()

    @property
    def smtp(self) -> SmtpServer | None:
        """The SMTP server to send through, or None for the local mailbox."""
        return parse_smtp_url(self.smtp_url.get_secret_value()) if self.smtp_url else None

    @property
    def webhook_secrets(self) -> list[str]:
        """Every accepted webhook signing secret (several while a secret is being rotated)."""
        if self.stripe_webhook_secret is None:
            return []
        return self.stripe_webhook_secret.get_secret_value().split(",")

    @property
    def uses_stripe_emulator(self) -> bool:
        """True when no Stripe key is configured: payments go to the local emulator."""
        return self.stripe_secret_key is None

    @property
    def emulator_url(self) -> str:
        """Where the SDK reaches the emulator's API (normally this very app)."""
        return self.stripe_emulator_url or self.app_url

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    implicit_tls: bool  # smtps:// (port 465): TLS from the first byte
    starttls: bool  # smtp:// upgraded with STARTTLS
    username: str | None
    password: str | None = field(repr=False)


def parse_smtp_url(url: str) -> SmtpServer:
    """``smtp://[user:pass@]host[:port][?starttls=true|false]`` or ``smtps://…``.

    >>> parse_smtp_url("smtp://ada%40example.com:p%3Ass@mail.example.com:587?starttls=true")
    SmtpServer(host='mail.example.com', port=587, implicit_tls=False, starttls=True, username='ada@example.com')
    >>> parse_smtp_url("smtps://mail.example.com").port
    465
    """
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("must start with smtp:// or smtps:// (e.g. smtp://user:pass@mail.example.com:587?starttls=true)")
    if not parts.hostname:
        raise ValueError("needs a host, e.g. smtp://mail.example.com:587")
    query = dict(parse_qsl(parts.query))
    unknown = set(query) - {"starttls"}
    if unknown:
        raise ValueError(f"unknown option {sorted(unknown)[0]!r}; the only option is starttls=true|false")
    starttls = query.get("starttls", "false").lower()
    if starttls not in ("true", "false", "1", "0", "yes", "no"):
        raise ValueError("starttls must be true or false")
    implicit = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if implicit else 25)
    except ValueError as exc:
        raise ValueError("the port must be a number from 1 to 65535") from exc
    return SmtpServer(host=parts.hostname, port=port, implicit_tls=implicit,
                      starttls=not implicit and starttls in ("true", "1", "yes"),
                      username=unquote(parts.username) if parts.username else None,
                      password=unquote(parts.password) if parts.password else None)


def _refuse_placeholder(secret: str) -> None:
    lowered = secret.lower()
    if any(marker in lowered for marker in _PLACEHOLDER_MARKERS):
        raise ValueError("looks like a placeholder copied from documentation; paste the real value")


def load_settings(**overrides: object) -> Settings:
    """Read and validate settings; on a bad value raise ``SettingsError`` naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            variable = str(error["loc"][0]).upper() if error["loc"] else "settings"
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"  {variable}: {message}")
        raise SettingsError("Invalid configuration:\n" + "\n".join(problems)) from None


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
