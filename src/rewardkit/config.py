"""The one place settings come from (env prefix REWARDKIT_). Tests build their own Settings."""

from __future__ import annotations

from decimal import Decimal

from limits import parse as parse_rate
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REWARDKIT_", extra="ignore")

    # SQLite is the embedded default; PostgreSQL is production (postgresql+asyncpg://...).
    database_url: str = "sqlite+aiosqlite:///./var/rewardkit.db"
    # Base of every hosted link we hand out (voucher pages).
    public_url: str = "http://127.0.0.1:8000"
    # Comma-separated "kid:secret" list; the first is active, the others still decrypt/verify.
    # Empty means: use (or create) var/secret.key, which is only acceptable for local development.
    secret_keys: str = ""
    secret_file: str = "var/secret.key"
    environment: str = Field(default="development", pattern="^(development|production)$")

    idempotency_ttl_hours: int = Field(default=24, ge=24)
    # An in-flight idempotency key whose request died (process killed) may be taken over after this.
    idempotency_lock_seconds: int = Field(default=60, ge=1)
    # #12 crash: a serving process heartbeats every lease/3 s; the keys of a process silent for a lease
    # are taken over by a retry at once (docs/api.md "Idempotency"). Same value on every process.
    idempotency_lease_seconds: int = Field(default=10, ge=1, le=60)
    # `balance.low` fires when an order takes a wallet below this many major units of its currency.
    balance_low_threshold: Decimal = Field(default=Decimal(100), ge=0, max_digits=18)
    # Markup on FX conversions in basis points (150 = 1.5%), charged on top of the mid rate.
    fx_markup_bps: int = Field(default=150, ge=0, le=5000)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    db_pool_size: int = Field(default=20, ge=1)
    db_max_overflow: int = Field(default=20, ge=0)
    log_sql: bool = False
    # Synchronous fast path: POST /v1/orders waits this long for fulfilment, then answers 202.
    sync_fulfillment_timeout: float = Field(default=2.0, ge=0, le=30)
    # Group commit (docs/orders.md): orders that arrive while others are being written share the next
    # transaction, up to group_commit_max of them. Off: one transaction per order, as before.
    group_commit: bool = True
    group_commit_max: int = Field(default=64, ge=1, le=1000)
    # Run a worker inside the API process (make serve). Scale out with `rewardkit worker` instead.
    run_worker: bool = True
    worker_concurrency: int = Field(default=8, ge=1, le=256)
    job_lease_seconds: float = Field(default=60.0, gt=0)
    job_poll_seconds: float = Field(default=0.5, gt=0)
    job_backoff_base_seconds: float = Field(default=2.0, gt=0)
    supplier_timeout_seconds: float = Field(default=15.0, gt=0)
    # How soon to ask a supplier again about a purchase it accepted but has not finished.
    supplier_poll_seconds: float = Field(default=1.0, gt=0)
    # JSON file with supplier adapters and per-product routes (docs/suppliers.md); empty = sandbox only.
    suppliers_file: str = ""
    # Webhooks (docs/webhooks.md). Seconds to wait before each retry after the first attempt.
    webhook_retry_schedule: str = Field(default="5,300,1800,7200,18000,36000,36000", pattern=r"^\d+(,\d+)*$")
    webhook_timeout_seconds: float = Field(default=15.0, gt=0, le=60)
    # An endpoint failing without a single success for this long is disabled.
    webhook_disable_after_hours: float = Field(default=120.0, gt=0)
    # Test mode may deliver to localhost and private addresses (local development); live mode never does.
    webhook_allow_private_in_test: bool = True
    # One slow endpoint may hold at most this many delivery slots of a worker at once.
    webhook_max_in_flight_per_endpoint: int = Field(default=4, ge=1)
    # #12 hooks: how many webhook endpoints (enabled or not) one org may have in each mode.
    webhook_max_endpoints: int = Field(default=16, ge=1, le=1000)
    # Operator endpoints (inventory upload) need this in X-Operator-Token; empty disables them.
    operator_token: str = ""
    # Authenticated API keys are cached per process this long; a revocation takes effect within it.
    api_key_cache_seconds: float = Field(default=5.0, ge=0)

    # Retention (docs/deploy.md "Retention"): what the hourly maintenance job deletes, and when.
    # Events stay listable (and re-deliverable) at least 30 days, as Stripe's.
    retention_events_days: int = Field(default=30, ge=30)
    # Finished webhook deliveries and their attempts.
    retention_webhook_attempts_days: int = Field(default=30, ge=1)
    retention_succeeded_jobs_days: int = Field(default=7, ge=1)
    # Dead jobs are kept longer: someone may still want to read their error or requeue them.
    retention_dead_jobs_days: int = Field(default=30, ge=1)
    # Rows per DELETE transaction, and DELETEs per table per run (the rest waits for the next run).
    retention_batch_size: int = Field(default=1000, ge=1, le=10_000)
    retention_max_batches: int = Field(default=100, ge=1)
    # Rate limits, CORS and the client address (docs/api.md "Rate limits", docs/deploy.md). Limits are
    # `limits` rate strings ("2000/second", "100 per 10 seconds"), fixed windows, per API key or session.
    # The defaults sit above what one two-core server sustains (bench: ~1,500 orders/s), so they stop a
    # runaway client rather than throttle an integration; lower them to what each key should get.
    rate_limits: bool = True  # off only to measure the limiter's cost (bench)
    rate_limit_test: str = "2000/second"
    rate_limit_live: str = "2000/second"
    # Unknown, revoked or expired credentials per client address; at the limit, every authenticated request
    # from that address is refused (429 too_many_auth_failures) until the window ends.
    auth_failure_limit: str = "30/minute"
    # Resends of one reward link (POST /v1/reward_links/{id}/resend), a `limits` rate string counted
    # from the link's deliveries in the database (so every API process sees the same count).
    link_resend_limit: str = "3/hour"
    # #13: unknown reward-link tokens (claim API and hosted page /l/) per client address; at the limit,
    # every token lookup from that address is refused (429 too_many_token_failures) until the window ends.
    token_failure_limit: str = "30/minute"
    # #13 email one-time codes of links with `verification: "email_otp"` (docs/links.md "Email
    # verification"): seconds between two codes of one link, and codes per link per hour.
    link_otp_resend_seconds: int = Field(default=60, ge=0, le=3600)
    link_otp_per_hour: int = Field(default=5, ge=1, le=100)
    # Share the counters across API processes (redis://host:port/db); empty: each process counts in memory.
    redis_url: str = ""
    redis_key_prefix: str = "rewardkit"
    # Proxies (comma-separated addresses or CIDRs) whose X-Forwarded-For names the client; empty: the
    # connecting address is the client, and X-Forwarded-For is ignored.
    forwarded_allow_ips: str = ""
    # Browser origins (comma-separated, exact: https://app.example.com) allowed to call the API; empty: CORS off.
    cors_origins: str = ""
    # Logs and metrics (docs/deploy.md "Logs", "Metrics"). One JSON object per line on stderr by
    # default, so a log shipper needs no parsing rules; `console` is a human-readable line for a terminal.
    log_format: str = Field(default="json", pattern="^(json|console)$")
    log_level: str = Field(default="info", pattern="(?i)^(debug|info|warning|error|critical)$")
    # When set, GET /metrics requires `Authorization: Bearer <token>`; empty: /metrics is open (keep it
    # off the public internet either way).
    metrics_token: str = ""
    # PostgreSQL: a worker VACUUMs the jobs table once it counts this many dead rows (checked every
    # job_vacuum_check_seconds), so the dead index entries a burst leaves stop slowing claims even when
    # autovacuum lags or is off (docs/jobs.md "Dead index entries"). 0: leave it to autovacuum.
    job_vacuum_dead_rows: int = Field(default=10_000, ge=0)
    job_vacuum_check_seconds: float = Field(default=30.0, gt=0)
    # Outgoing email (#13, docs/email.md). smtp://host:port (plain), smtp+starttls://… or
    # smtp://…?starttls=1 (STARTTLS required), smtps://host:465 (implicit TLS); credentials as
    # smtp://user:password@host (percent-encoded). Empty: in development, mail goes to the local mail
    # catcher (127.0.0.1:mail_catcher_port); in production, sending fails with mail_not_configured.
    smtp_url: str = ""
    mail_from: str = "rewardkit <no-reply@localhost>"
    smtp_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    # A PEM bundle of CAs trusted for the SMTP server's certificate (a private CA); empty: the system's.
    smtp_ca_file: str = ""
    # Attempts of one email's mail.send job before it is dead (temporary failures retry with backoff).
    mail_max_attempts: int = Field(default=8, ge=1, le=50)
    # The development mail catcher (an aiosmtpd server inside the API process, pages at /dev/mail).
    # `rewardkit serve` turns it on in development when smtp_url is empty; never runs in production.
    mail_catcher: bool = False
    mail_catcher_port: int = Field(default=1025, ge=0, le=65535)  # 0: any free port

    # SMS (#13, docs/sms.md). Live mode's provider: `twilio` (any Twilio-compatible API at sms_url) or
    # `console` (development only: printed, never sent); empty: console in development, none in production
    # (queueing a live SMS is then 422 sms_unavailable). Test mode answers the sandbox's magic numbers
    # itself and sends the rest to sms_test_provider, `console` unless the operator asks for twilio.
    sms_provider: str = Field(default="", pattern="^(|console|twilio)$")
    sms_test_provider: str = Field(default="console", pattern="^(console|twilio)$")
    sms_url: str = "https://api.twilio.com"
    sms_account_sid: str = ""
    sms_auth_token: str = ""
    sms_from: str = ""  # the sending number (E.164) or alphanumeric sender id ...
    sms_messaging_service_sid: str = ""  # ... or a Twilio Messaging Service (MG…), which wins if set
    sms_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    # Attempts per message, temporary failures (429, 5xx, timeouts) retried with the jobs' backoff.
    sms_max_attempts: int = Field(default=8, ge=1, le=50)
    # Development only (never in production): the console provider prints each message, link included, to stdout.
    sms_console_echo: bool = True
    retention_sms_days: int = Field(default=30, ge=1)
    # #13: final deliveries of reward links (links/retention.py) and expired one-time codes.
    retention_link_deliveries_days: int = Field(default=90, ge=1)
    retention_link_verifications_days: int = Field(default=1, ge=1)
    # #15 storefront (docs/storefront.md). The member session cookie is Secure unless this is off: only
    # for a store served on plain http (local development; `rewardkit serve` turns it off for an http
    # public_url).
    storefront_cookie_secure: bool = True
    storefront_session_idle_seconds: int = Field(default=1800, ge=60, le=86_400)
    storefront_session_max_seconds: int = Field(default=43_200, ge=300, le=7 * 86_400)
    # A session link's life (POST /v1/storefront/sessions): at most 5 minutes.
    storefront_link_seconds: int = Field(default=300, ge=10, le=300)
    # Test-mode stores may read their JWKS from loopback and private addresses (local development); live never.
    storefront_jwks_allow_private_in_test: bool = True
    storefront_jwks_timeout_seconds: float = Field(default=5.0, gt=0, le=30)
    # A JWKS is kept this long; a token with an unknown kid refetches it, at most once per refetch interval.
    storefront_jwks_cache_seconds: int = Field(default=300, ge=0, le=86_400)
    storefront_jwks_refetch_seconds: float = Field(default=10.0, ge=0, le=3600)
    retention_storefront_links_days: int = Field(default=1, ge=1)
    retention_storefront_sessions_days: int = Field(default=7, ge=1)
    # #16 reconciliation: the default of an upload's date_tolerance_days (a statement's date of a
    # line may be this many days from our order's, either way, and still match).
    reconciliation_date_tolerance_days: int = Field(default=3, ge=0, le=60)
    # #16 reports: a run of at most this many rows is built within its POST; a larger one answers
    # `pending` and the reports.run job builds it (docs/reports.md#runs).
    reports_inline_rows: int = Field(default=100_000, ge=0)

    # #17 docs served by the app and the docs assistant (docs/assistant.md). The guides folder: empty
    # means the package's (a checkout's docs/, or the copy in the wheel).
    docs_dir: str = ""
    # Set by `rewardkit serve` in development for its demo org's sandbox key: the API reference (/docs)
    # is then opened authorized with it. Never honoured in production.
    demo_api_key: str = ""
    # POST /v1/assistant/ask needs no key, so it is limited per client address (429 rate_limited).
    assistant_rate_limit: str = "30/minute"
    # An OpenAI-compatible server (its base URL, e.g. http://127.0.0.1:8080/v1): answers are then written
    # by the model from the retrieved passages only; empty, or any failure of it: the extractive answer.
    assistant_llm_url: str = ""
    assistant_llm_model: str = "default"
    assistant_llm_api_key: str = ""
    assistant_llm_timeout_seconds: float = Field(default=20.0, gt=0, le=120)

    @field_validator("link_resend_limit")
    @classmethod
    def _rate(cls, v: str) -> str:
        parse_rate(v)  # a malformed limit stops the process at start-up, not the first resend
        return v

    @field_validator("assistant_rate_limit")
    @classmethod
    def _assistant_rate(cls, v: str) -> str:
        parse_rate(v)  # likewise: refused at start-up
        return v

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
