"""Configuration: one Settings class read from SMARTTASK_* variables and a .env file."""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from smarttask import keyfile

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/smarttask.db"
# The AI providers smarttask can analyse tasks with (docs/ai-providers.md).
AiProvider = Literal["local", "openai", "gemini", "bedrock"]


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    """What the database layer needs, and nothing else."""

    url: str
    connect_timeout: float
    statement_timeout: float
    pool_size: int
    max_overflow: int
    pool_timeout: float
    pool_recycle: int
    ping_after_idle: float
    echo: bool

    @property
    def is_sqlite(self) -> bool:
        """True when the URL points at SQLite."""
        return self.url.startswith("sqlite")


@dataclass(frozen=True, slots=True)
class RateLimitSettings:
    """What the rate limiter needs."""

    enabled: bool
    redis_url: str | None
    counters: str


@dataclass(frozen=True, slots=True)
class AuthSettings:
    """What sign-in, tokens and passwords need."""

    secret_key: str
    previous_secret_keys: tuple[str, ...]
    jwt_issuer: str
    jwt_audience: str
    access_token_ttl_seconds: int
    refresh_token_ttl_seconds: int
    argon2_memory_kib: int
    argon2_time_cost: int
    argon2_parallelism: int
    password_hash_concurrency: int
    login_failure_limit: str
    auth_ip_rate_limit: str
    user_write_rate_limit: str
    totp_issuer: str
    caller_cache_seconds: float


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """Limits and policies of the HTTP layer."""

    cors_origins: tuple[str, ...]
    max_body_bytes: int
    idempotency_ttl_seconds: int
    idempotency_lease_seconds: int
    health_timeout: float
    retry_after_seconds: int


@dataclass(frozen=True, slots=True)
class TrashSettings:
    """What the trash needs: how long a deleted task stays restorable."""

    retention_days: int


@dataclass(frozen=True, slots=True)
class JobSettings:
    """What the background job queue and its runners need."""

    in_process: bool
    concurrency: int
    poll_interval: float
    lease_seconds: int
    max_attempts: int
    backoff_base: float
    backoff_max: float
    sqs_queue_url: str | None
    periodic: bool


@dataclass(frozen=True, slots=True)
class AISettings:
    """What the risk model and the analysis providers need."""

    provider: AiProvider
    model: str
    base_url: str | None
    api_key: str | None
    timeout: float
    max_retries: int
    max_output_tokens: int
    daily_token_budget: int
    daily_user_token_budget: int
    risk_min_training_tasks: int
    summaries: bool = True  # executive summaries (analysis/summaries.py)


@dataclass(frozen=True, slots=True)
class StorageSettings:
    """What attachment storage needs."""

    backend: Literal["local", "s3"]
    local_path: str
    s3_bucket: str | None
    s3_endpoint_url: str | None
    public_url: str
    signing_key: str
    max_upload_bytes: int
    upload_url_ttl_seconds: int
    download_url_ttl_seconds: int
    workspace_quota_bytes: int
    user_quota_bytes: int
    pending_ttl_seconds: int


@dataclass(frozen=True, slots=True)
class MailSettings:
    """What outgoing mail needs."""

    backend: Literal["files", "smtp"]
    sender: str
    files_path: str
    smtp_host: str
    smtp_port: int
    smtp_username: str | None
    smtp_password: str | None = field(repr=False)
    smtp_security: Literal["none", "starttls", "tls", "starttls_if_offered"]
    smtp_timeout: float
    public_url: str = "http://127.0.0.1:8000"  # the base of every link in a mail
    max_attempts: int = 8  # sending attempts before a mail job is dead


@dataclass(frozen=True, slots=True)
class ExportSettings:
    """What data exports need (docs/export.md)."""

    retention_hours: int
    rate_limit: str  # requests per user, in the `limits` notation ("1/hour")
    rate_limit_enabled: bool  # SMARTTASK_RATE_LIMIT_ENABLED
    download_ttl_seconds: int


def _with_mail_url(mail: MailSettings, url: str) -> MailSettings:
    """The mail group with the SMTP server of `url` (smtp://[user:pass@]host:port, smtps://)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("SMARTTASK_MAIL_URL must be smtp://[user:pass@]host:port or smtps://...")
    tls = parts.scheme == "smtps"
    return replace(
        mail,
        backend="smtp",
        smtp_host=parts.hostname,
        smtp_port=parts.port or (465 if tls else 25),
        smtp_username=unquote(parts.username) if parts.username else None,
        smtp_password=unquote(parts.password) if parts.password else None,
        # smtp:// upgrades with STARTTLS when the server offers it (aiosmtplib's default).
        smtp_security="tls" if tls else "starttls_if_offered",
    )


@dataclass(frozen=True, slots=True)
class SsoProviderSettings:
    """One single sign-on provider (docs/security.md, "Single sign-on")."""

    name: str  # in the URLs: /auth/oidc/<name>/login and /callback
    kind: Literal["oidc", "github"]
    display_name: str
    client_id: str
    client_secret: str | None = field(repr=False)
    scopes: tuple[str, ...]
    allowed_domains: tuple[str, ...]  # empty: any email domain
    create_users: bool
    trust_mfa: bool  # the provider's `amr` may stand in for our TOTP step
    mfa_amr: tuple[str, ...]  # `amr` values that mean a second factor was used
    issuer: str | None = None  # oidc: discovery at <issuer>/.well-known/openid-configuration
    github_url: str = "https://github.com"  # github: authorize and token endpoints
    api_url: str = "https://api.github.com"  # github: /user and /user/emails


@dataclass(frozen=True, slots=True)
class SsoSettings:
    """The single sign-on providers and how the flow runs."""

    providers: tuple[SsoProviderSettings, ...]
    public_url: str  # redirect URIs are <public_url>/auth/oidc/<name>/callback
    attempt_ttl_seconds: int
    timeout_seconds: float

    def get(self, name: str) -> SsoProviderSettings | None:
        """The provider of this name, if configured."""
        return next((p for p in self.providers if p.name == name), None)

    def redirect_uri(self, name: str) -> str:
        """Where the provider sends the browser back to."""
        return f"{self.public_url}/auth/oidc/{name}/callback"


_SSO_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
_DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_SCOPE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,100}")  # RFC 6749 scope-token


def _loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def _provider_url(value: str, what: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{what} must be an absolute https URL")
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise ValueError(f"{what} must use https (http only for a loopback address)")
    if parts.query or parts.fragment:
        raise ValueError(f"{what} must not have a query or a fragment")
    return value


class _SsoProviderConfig(BaseModel):
    """One entry of SMARTTASK_SSO_PROVIDERS, checked field by field."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    kind: Literal["oidc", "github"]
    display_name: str | None = Field(default=None, min_length=1, max_length=60)
    issuer: str | None = Field(default=None, max_length=500)
    client_id: str = Field(min_length=1, max_length=500)
    client_secret: SecretStr | None = Field(default=None, max_length=2000)
    scopes: list[str] | None = Field(default=None, max_length=30)
    allowed_domains: list[str] = Field(default=[], max_length=100)
    create_users: bool = True
    trust_mfa: bool = False
    mfa_amr: list[str] = Field(default=["mfa"], min_length=1, max_length=20)
    github_url: str = Field(default="https://github.com", max_length=500)
    api_url: str = Field(default="https://api.github.com", max_length=500)


def _sso_provider(name: str, raw: Any, secret: str | None) -> SsoProviderSettings:
    """One provider's settings; ValueError saying what is wrong (never a secret's value)."""
    if not _SSO_NAME.fullmatch(name):
        raise ValueError("a provider name is 1-32 characters: a-z, 0-9 and -")
    try:
        config = _SsoProviderConfig.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "settings"
        raise ValueError(f"{where}: {first['msg']}") from None
    inline = config.client_secret.get_secret_value() if config.client_secret else None
    if inline and secret:
        raise ValueError("client_secret is set twice (inline and in SMARTTASK_SSO_CLIENT_SECRETS)")
    client_secret = inline or secret or None
    domains = tuple(d.strip().lower() for d in config.allowed_domains)
    bad = [d for d in domains if not _DOMAIN.fullmatch(d)]
    if bad:
        raise ValueError(f"allowed_domains: {bad[0]!r} is not a domain name (example.com)")
    scopes = config.scopes
    if scopes is not None and not all(_SCOPE.fullmatch(s) for s in scopes):
        raise ValueError("scopes: each scope is one word of printable characters")
    github_only = {"github_url", "api_url"} & config.model_fields_set
    if config.kind == "oidc":
        if not config.issuer:
            raise ValueError("issuer: required for kind oidc (e.g. https://accounts.google.com)")
        if github_only:
            raise ValueError(f"{sorted(github_only)[0]}: applies to kind github only")
        scopes = scopes if scopes is not None else ["openid", "email", "profile"]
        if "openid" not in scopes:
            raise ValueError("scopes: an OpenID Connect provider needs the scope openid")
        issuer: str | None = _provider_url(config.issuer, "issuer")
        github_url, api_url = "https://github.com", "https://api.github.com"
    else:
        if config.issuer:
            raise ValueError("issuer: applies to kind oidc only")
        if config.trust_mfa:
            raise ValueError("trust_mfa: GitHub does not say how a person signed in (no amr)")
        if not client_secret:
            raise ValueError("client_secret: a GitHub OAuth app needs its client secret")
        scopes = scopes if scopes is not None else ["read:user", "user:email"]
        issuer = None
        github_url = _provider_url(config.github_url, "github_url").rstrip("/")
        api_url = _provider_url(config.api_url, "api_url").rstrip("/")
    return SsoProviderSettings(
        name=name,
        kind=config.kind,
        display_name=config.display_name or name.replace("-", " ").title(),
        client_id=config.client_id,
        client_secret=client_secret,
        scopes=tuple(scopes),
        allowed_domains=domains,
        create_users=config.create_users,
        trust_mfa=config.trust_mfa,
        mfa_amr=tuple(config.mfa_amr),
        issuer=issuer,
        github_url=github_url,
        api_url=api_url,
    )


def _sso_providers(providers: str, secrets: str) -> tuple[SsoProviderSettings, ...]:
    """SMARTTASK_SSO_PROVIDERS (a JSON object: name -> settings) and the secrets by name."""

    def mapping(text: str, variable: str) -> dict[str, Any]:
        try:
            value = json.loads(text) if text.strip() else {}
        except ValueError:
            raise ValueError(f"{variable} must be a JSON object") from None
        if not isinstance(value, dict):
            raise ValueError(f"{variable} must be a JSON object")
        return value

    configured = mapping(providers, "SMARTTASK_SSO_PROVIDERS")
    given = mapping(secrets, "SMARTTASK_SSO_CLIENT_SECRETS")
    unknown = sorted(set(given) - set(configured))
    if unknown:
        raise ValueError(f"SMARTTASK_SSO_CLIENT_SECRETS names no provider: {unknown[0]!r}")
    if any(not isinstance(v, str) for v in given.values()):
        raise ValueError("SMARTTASK_SSO_CLIENT_SECRETS maps each provider name to a string")
    found = []
    for name, raw in configured.items():
        try:
            found.append(_sso_provider(name, raw, given.get(name)))
        except ValueError as error:
            raise ValueError(f"SMARTTASK_SSO_PROVIDERS, provider {name!r}: {error}") from None
    return tuple(found)


DEFAULT_AI_MODELS = {
    "local": "smarttask-local-1",
    "openai": "gpt-4o-mini",
    "gemini": "gemini-2.0-flash",
    "bedrock": "anthropic.claude-3-haiku-20240307-v1:0",
}


class Settings(BaseSettings):
    """Every setting of smarttask; environment variables are SMARTTASK_<FIELD>."""

    model_config = SettingsConfigDict(
        env_prefix="SMARTTASK_",
        env_file=".env",
        extra="ignore",
        frozen=True,
        # A start-up error names the setting and what is wrong, never the values given
        # (they may hold secrets: a client secret, a password in SMARTTASK_MAIL_URL).
        hide_input_in_errors=True,
    )

    env: Literal["development", "production"] = "development"
    # Empty: development generates a key once and keeps it in <data_dir>/secret_key
    # (smarttask/keyfile.py); production, and AWS Lambda, refuse to start without one.
    secret_key: SecretStr = SecretStr("")
    data_dir: str = "./data"
    # `smarttask serve` listens beyond loopback with a generated key only when this is true.
    allow_generated_key: bool = False
    # Set by AWS Lambda itself: there a generated key could not be shared between instances.
    aws_lambda_function_name: str | None = Field(
        default=None, validation_alias=AliasChoices("AWS_LAMBDA_FUNCTION_NAME")
    )
    _secret_key_generated: bool = PrivateAttr(default=False)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = True

    database_url: str = DEFAULT_DATABASE_URL
    db_connect_timeout: float = Field(default=3.0, gt=0)
    db_statement_timeout: float = Field(default=10.0, gt=0)
    db_pool_size: int = Field(default=20, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    db_pool_timeout: float = Field(default=5.0, gt=0)
    db_pool_recycle: int = Field(default=1800, ge=-1)
    db_ping_after_idle_seconds: float = Field(default=5.0, ge=0)
    db_echo: bool = False

    redis_url: str | None = None
    rate_limit_enabled: bool = True
    counter_rate_limit: str = "300/minute"

    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    idempotency_ttl_seconds: int = Field(default=24 * 3600, ge=24 * 3600)
    idempotency_lease_seconds: int = Field(default=60, ge=1)
    health_timeout: float = Field(default=1.5, gt=0)
    retry_after_seconds: int = Field(default=5, ge=1)
    max_counters: int = Field(default=1000, ge=1)
    # Per-user limits that creating more workspaces cannot multiply (docs/security.md).
    max_workspaces_per_user: int = Field(default=20, ge=1)
    user_write_rate_limit: str = "120/minute"

    previous_secret_keys: Annotated[tuple[SecretStr, ...], NoDecode] = ()
    jwt_issuer: str = "smarttask"
    jwt_audience: str = "smarttask-api"
    access_token_ttl_seconds: int = Field(default=15 * 60, ge=60, le=24 * 3600)
    refresh_token_ttl_days: int = Field(default=30, ge=1, le=365)
    argon2_memory_kib: int = Field(default=19 * 1024, ge=19 * 1024)
    argon2_time_cost: int = Field(default=2, ge=2)
    argon2_parallelism: int = Field(default=1, ge=1)
    password_hash_concurrency: int = Field(default=2, ge=1)
    login_failure_limit: str = "5/15 minutes"
    auth_ip_rate_limit: str = "60/minute"
    totp_issuer: str = "smarttask"
    # How long a server worker may answer from its cache of callers (PostgreSQL only, while
    # its invalidation listener is alive; 0 turns the cache off). docs/security.md.
    caller_cache_seconds: float = Field(default=30.0, ge=0, le=300)

    worker_in_process: bool = True
    job_concurrency: int = Field(default=4, ge=1, le=64)
    job_poll_interval_seconds: float = Field(default=1.0, gt=0)
    job_lease_seconds: int = Field(default=300, ge=5)
    job_max_attempts: int = Field(default=5, ge=1, le=50)
    job_backoff_base_seconds: float = Field(default=2.0, gt=0)
    job_backoff_max_seconds: float = Field(default=900.0, gt=0)
    sqs_queue_url: str | None = None
    periodic_jobs_enabled: bool = True

    ai_provider: AiProvider = "local"
    ai_model: str | None = None
    ai_base_url: str | None = None
    ai_api_key: SecretStr | None = None
    ai_timeout_seconds: float = Field(default=30.0, gt=0)
    ai_max_retries: int = Field(default=3, ge=0, le=10)
    ai_max_output_tokens: int = Field(default=1024, ge=64, le=32768)
    ai_daily_token_budget: int = Field(default=200_000, ge=0)
    ai_daily_user_token_budget: int = Field(default=400_000, ge=0)
    # Executive summaries of dashboards and reports (analysis/summaries.py).
    ai_summaries: bool = True
    # Days of task facts and daily aggregates kept (history/retention.py): three years.
    analytics_retention_days: int = Field(default=1096, ge=30, le=36600)
    risk_min_training_tasks: int = Field(default=200, ge=20)

    storage: Literal["local", "s3"] = "local"
    storage_path: str = "./data/objects"
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    # Where clients reach the service: absolute URLs (attachment downloads, local uploads) are
    # built from it, never from the request's Host header, which the client chooses.
    public_url: str = "http://127.0.0.1:8000"
    attachment_max_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    attachment_upload_ttl_seconds: int = Field(default=900, ge=10, le=7 * 86400)
    attachment_download_ttl_seconds: int = Field(default=300, ge=10, le=7 * 86400)
    workspace_storage_quota_bytes: int = Field(default=1024**3, ge=0)
    user_storage_quota_bytes: int = Field(default=5 * 1024**3, ge=0)
    attachment_pending_ttl_seconds: int = Field(default=86400, ge=60)

    # Development writes each message as an .eml file into mail_files_path; nothing is sent.
    mail_backend: Literal["files", "smtp"] = "files"
    mail_sender: str = "smarttask@localhost"
    mail_files_path: str = "./data/mail"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_timeout: float = Field(default=10.0, gt=0)
    # The contract's way to configure mail (docs/notifications.md): unset keeps the settings
    # above; smtp://[user:pass@]host:port (STARTTLS when offered) or smtps://... for TLS.
    mail_url: SecretStr | None = None
    # The sender of every mail; overrides mail_sender.
    mail_from: str | None = None
    mail_max_attempts: int = Field(default=8, ge=1, le=50)

    # Live events: how long the event log keeps an event (Last-Event-ID resumes within it).
    event_retention_hours: int = Field(default=72, ge=24)
    event_heartbeat_seconds: float = Field(default=15.0, gt=0, le=300)
    # A stream ends after this long; EventSource reconnects with Last-Event-ID and misses
    # nothing (bounds a connection's life behind proxies and across deployments).
    event_stream_max_seconds: float = Field(default=3600.0, gt=0, le=86400)

    # The security log (docs/security.md): days an event is kept; 0 keeps every one forever.
    security_log_retention_days: int = Field(default=365, ge=0, le=36600)

    # Webhooks: targets on loopback/private/link-local addresses are refused unless allowed.
    webhook_allow_private: bool = False
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_max_response_bytes: int = Field(default=64 * 1024, ge=1024)
    # Ended deliveries (succeeded, dead, canceled) older than this many days leave the log;
    # 0 keeps them forever.
    webhook_delivery_retention_days: int = Field(default=30, ge=0, le=3660)

    # The trash (docs/planning.md): days a deleted task stays restorable before it is purged.
    trash_retention_days: int = Field(default=30, ge=1, le=3660)

    # Data exports (docs/export.md): how long a finished archive is kept, how many requests
    # one user may make per window, how long one download URL works.
    export_retention_hours: int = Field(default=72, ge=1, le=24 * 90)
    export_rate_limit: str = "1/hour"
    export_download_ttl_seconds: int = Field(default=900, ge=10, le=24 * 3600)

    # Notifications: the local hour of the daily digest, and how far ahead "due soon" is.
    notification_digest_hour: int = Field(default=8, ge=0, le=23)
    notification_due_soon_hours: int = Field(default=24, ge=1, le=24 * 14)

    # Single sign-on (docs/security.md): providers by name as a JSON object, their client
    # secrets by name (or inline), how long a sign-in at a provider may take.
    sso_providers: SecretStr | None = None
    sso_client_secrets: SecretStr | None = None
    sso_attempt_ttl_seconds: int = Field(default=600, ge=60, le=3600)
    sso_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    _sso: tuple[SsoProviderSettings, ...] = PrivateAttr(default=())

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1)
    # Proxies whose X-Forwarded-For / -Proto are believed (comma-separated addresses or
    # networks). None by default: a header any local process can send must not choose the
    # client address that per-IP limits count.
    forwarded_allow_ips: str = ""
    auto_migrate: bool = True
    demo_data: bool = False

    # Prometheus metrics (docs/operations.md): GET /metrics answers 404 unless enabled; with a
    # token set it asks for `Authorization: Bearer <token>`. Several server workers share
    # their counters through files in the multi-process folder (`smarttask serve --workers N`
    # makes and empties <data_dir>/prometheus when none is given).
    metrics_enabled: bool = False
    metrics_token: SecretStr | None = None
    metrics_multiproc_dir: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "SMARTTASK_METRICS_MULTIPROC_DIR", "PROMETHEUS_MULTIPROC_DIR", "metrics_multiproc_dir"
        ),
    )
    # OpenTelemetry (docs/operations.md): the standard variables turn tracing on; the SDK
    # reads them, and every other OTEL_* variable, itself (kit/tracing.py).
    otel_exporter_otlp_endpoint: str | None = Field(
        default=None, validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_ENDPOINT")
    )
    otel_exporter_otlp_traces_endpoint: str | None = Field(
        default=None, validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )
    otel_sdk_disabled: bool = Field(
        default=False, validation_alias=AliasChoices("OTEL_SDK_DISABLED")
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("previous_secret_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("cors_origins")
    @classmethod
    def _no_wildcard(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if "*" in value:
            raise ValueError("list the allowed origins; '*' is not accepted")
        return value

    @field_validator("public_url")
    @classmethod
    def _absolute_public_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("SMARTTASK_PUBLIC_URL must be an absolute http(s) URL")
        if parts.query or parts.fragment:
            raise ValueError("SMARTTASK_PUBLIC_URL must not have a query or a fragment")
        return value.strip().rstrip("/")

    @model_validator(mode="after")
    def _valid_mail_url(self) -> Settings:
        _ = self.mail  # a malformed SMARTTASK_MAIL_URL stops the start, not the first mail
        return self

    @model_validator(mode="after")
    def _valid_sso(self) -> Settings:
        # A bad provider stops the start with a message naming it, not the first sign-in.
        providers = self.sso_providers.get_secret_value() if self.sso_providers else ""
        secrets = self.sso_client_secrets.get_secret_value() if self.sso_client_secrets else ""
        self._sso = _sso_providers(providers, secrets)
        return self

    @model_validator(mode="after")
    def _secret_key_or_generated(self) -> Settings:
        secret = self.secret_key.get_secret_value()
        if self.env != "development" and len(secret) < keyfile.MIN_LENGTH:
            raise ValueError(
                "SMARTTASK_SECRET_KEY must be set to a random value of at least 32 characters "
                "outside development (for example: python3 -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')"
            )
        if secret:
            return self
        if self.aws_lambda_function_name:
            raise ValueError(
                "SMARTTASK_SECRET_KEY must be set on AWS Lambda: a generated key would differ "
                "between instances and be lost with each one (template.yaml passes it)"
            )
        try:
            generated = keyfile.load_or_create(self.data_dir)
        except keyfile.KeyFileError as error:
            raise ValueError(str(error)) from error
        # The model is frozen; this validator is the one place that completes it.
        object.__setattr__(self, "secret_key", SecretStr(generated))
        self._secret_key_generated = True
        return self

    @property
    def secret_key_generated(self) -> bool:
        """True when the signing key was generated into the data folder, not configured."""
        return self._secret_key_generated

    @property
    def secret_key_file(self) -> str:
        """Where a generated signing key is kept."""
        return str(Path(self.data_dir) / keyfile.FILE_NAME)

    @field_validator("metrics_token")
    @classmethod
    def _long_metrics_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if len(value.get_secret_value()) < 16:
            raise ValueError("SMARTTASK_METRICS_TOKEN must be at least 16 characters")
        return value

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> Settings:
        if self.storage == "s3" and not self.s3_bucket:
            raise ValueError("SMARTTASK_STORAGE=s3 needs SMARTTASK_S3_BUCKET")
        return self

    @model_validator(mode="after")
    def _smtp_password_needs_a_username(self) -> Settings:
        if (
            self.smtp_password is not None
            and self.smtp_password.get_secret_value()
            and not (self.smtp_username)
        ):
            raise ValueError("SMARTTASK_SMTP_PASSWORD needs SMARTTASK_SMTP_USERNAME")
        return self

    @property
    def tracing_enabled(self) -> bool:
        """Whether traces are exported: an OTLP endpoint is set and the SDK is not disabled."""
        endpoint = self.otel_exporter_otlp_traces_endpoint or self.otel_exporter_otlp_endpoint
        return bool(endpoint and endpoint.strip()) and not self.otel_sdk_disabled

    @property
    def database(self) -> DatabaseSettings:
        """The database group."""
        return DatabaseSettings(
            url=self.database_url,
            connect_timeout=self.db_connect_timeout,
            statement_timeout=self.db_statement_timeout,
            pool_size=self.db_pool_size,
            max_overflow=self.db_max_overflow,
            pool_timeout=self.db_pool_timeout,
            pool_recycle=self.db_pool_recycle,
            ping_after_idle=self.db_ping_after_idle_seconds,
            echo=self.db_echo,
        )

    @property
    def rate_limits(self) -> RateLimitSettings:
        """The rate-limit group."""
        return RateLimitSettings(
            enabled=self.rate_limit_enabled,
            redis_url=self.redis_url,
            counters=self.counter_rate_limit,
        )

    @property
    def auth(self) -> AuthSettings:
        """The authentication group."""
        return AuthSettings(
            secret_key=self.secret_key.get_secret_value(),
            previous_secret_keys=tuple(k.get_secret_value() for k in self.previous_secret_keys),
            jwt_issuer=self.jwt_issuer,
            jwt_audience=self.jwt_audience,
            access_token_ttl_seconds=self.access_token_ttl_seconds,
            refresh_token_ttl_seconds=self.refresh_token_ttl_days * 86400,
            argon2_memory_kib=self.argon2_memory_kib,
            argon2_time_cost=self.argon2_time_cost,
            argon2_parallelism=self.argon2_parallelism,
            password_hash_concurrency=self.password_hash_concurrency,
            login_failure_limit=self.login_failure_limit,
            auth_ip_rate_limit=self.auth_ip_rate_limit,
            user_write_rate_limit=self.user_write_rate_limit,
            totp_issuer=self.totp_issuer,
            caller_cache_seconds=self.caller_cache_seconds,
        )

    @property
    def http(self) -> HttpSettings:
        """The HTTP group."""
        return HttpSettings(
            cors_origins=self.cors_origins,
            max_body_bytes=self.max_body_bytes,
            idempotency_ttl_seconds=self.idempotency_ttl_seconds,
            idempotency_lease_seconds=self.idempotency_lease_seconds,
            health_timeout=self.health_timeout,
            retry_after_seconds=self.retry_after_seconds,
        )

    @property
    def trash(self) -> TrashSettings:
        """The trash group."""
        return TrashSettings(retention_days=self.trash_retention_days)

    @property
    def jobs(self) -> JobSettings:
        """The background-jobs group."""
        return JobSettings(
            in_process=self.worker_in_process,
            concurrency=self.job_concurrency,
            poll_interval=self.job_poll_interval_seconds,
            lease_seconds=self.job_lease_seconds,
            max_attempts=self.job_max_attempts,
            backoff_base=self.job_backoff_base_seconds,
            backoff_max=self.job_backoff_max_seconds,
            sqs_queue_url=self.sqs_queue_url,
            periodic=self.periodic_jobs_enabled,
        )

    @property
    def ai(self) -> AISettings:
        """The AI group (risk model and analysis provider)."""
        return AISettings(
            provider=self.ai_provider,
            model=self.ai_model or DEFAULT_AI_MODELS[self.ai_provider],
            base_url=self.ai_base_url,
            api_key=self.ai_api_key.get_secret_value() if self.ai_api_key else None,
            timeout=self.ai_timeout_seconds,
            max_retries=self.ai_max_retries,
            max_output_tokens=self.ai_max_output_tokens,
            daily_token_budget=self.ai_daily_token_budget,
            daily_user_token_budget=self.ai_daily_user_token_budget,
            summaries=self.ai_summaries,
            risk_min_training_tasks=self.risk_min_training_tasks,
        )

    @property
    def files(self) -> StorageSettings:
        """The attachment-storage group."""
        return StorageSettings(
            backend=self.storage,
            local_path=self.storage_path,
            s3_bucket=self.s3_bucket,
            s3_endpoint_url=self.s3_endpoint_url,
            public_url=self.public_url,
            signing_key=self.secret_key.get_secret_value(),
            max_upload_bytes=self.attachment_max_bytes,
            upload_url_ttl_seconds=self.attachment_upload_ttl_seconds,
            download_url_ttl_seconds=self.attachment_download_ttl_seconds,
            workspace_quota_bytes=self.workspace_storage_quota_bytes,
            user_quota_bytes=self.user_storage_quota_bytes,
            pending_ttl_seconds=self.attachment_pending_ttl_seconds,
        )

    @property
    def exports(self) -> ExportSettings:
        """The data-export group."""
        return ExportSettings(
            retention_hours=self.export_retention_hours,
            rate_limit=self.export_rate_limit,
            rate_limit_enabled=self.rate_limit_enabled,
            download_ttl_seconds=self.export_download_ttl_seconds,
        )

    @property
    def sso(self) -> SsoSettings:
        """The single sign-on group."""
        return SsoSettings(
            providers=self._sso,
            public_url=self.public_url,
            attempt_ttl_seconds=self.sso_attempt_ttl_seconds,
            timeout_seconds=self.sso_timeout_seconds,
        )

    @property
    def mail(self) -> MailSettings:
        """The outgoing-mail group (SMARTTASK_MAIL_URL, when set, wins over the smtp_* fields)."""
        mail = MailSettings(
            backend=self.mail_backend,
            sender=self.mail_from or self.mail_sender,
            files_path=self.mail_files_path,
            smtp_host=self.smtp_host,
            smtp_port=self.smtp_port,
            smtp_username=self.smtp_username or None,
            smtp_password=(
                self.smtp_password.get_secret_value() or None if self.smtp_password else None
            ),
            smtp_security=self.smtp_security,
            smtp_timeout=self.smtp_timeout,
            public_url=self.public_url,
            max_attempts=self.mail_max_attempts,
        )
        url = self.mail_url.get_secret_value().strip() if self.mail_url else ""
        return _with_mail_url(mail, url) if url else mail


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
