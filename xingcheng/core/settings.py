"""One settings tree for the whole hub, read from ``XINGCHENG_*`` environment variables.

Settings are built once (``load_settings``) and passed to ``create_app`` and the CLI; nothing reads the
environment at import time. Every field carries a description: ``docs/configuration.md`` is checked
against them by a test, so a new setting cannot go undocumented.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as _SourceError

__all__ = ["Settings", "SettingsError", "load_settings"]


class SettingsError(Exception):
    """A setting is malformed; the message names the variable and the problem, never a secret."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="XINGCHENG_", extra="ignore", validate_default=True)

    data_dir: Path = Field(
        Path("var"),
        description="Folder for everything the hub writes: the SQLite database, the lake, the synthetic city, "
        "the generated secret key.",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the metadata database, e.g. postgresql+psycopg://user@host/db. "
        "Default: a SQLite file `xingcheng.db` in the data dir.",
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Key for signing CSRF tokens. Default: generated once and kept in `DATA_DIR/secret_key`. "
        "All API workers of one hub must share it.",
    )
    host: str = Field("127.0.0.1", description="Address `serve` and `demo` listen on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `serve` and `demo` listen on.")
    city_code: str = Field("4301", description="Administrative code of the hub's city (Changsha 4301).")
    language: Literal["zh-CN", "en"] = Field(
        "zh-CN", description="Default interface language; users switch with the language link."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Log level.")
    log_format: Literal["json", "console"] = Field(
        "json", description="`json`: one JSON object per line (for collectors); `console`: readable lines."
    )
    max_body_bytes: int = Field(
        10 * 1024 * 1024, ge=1024, description="Largest request body accepted; larger ones get 413."
    )
    session_ttl_minutes: int = Field(480, ge=5, description="A login session expires after this many minutes.")
    cookie_secure: bool = Field(False, description="Mark cookies Secure (set to true behind HTTPS, as in production).")
    login_max_failures: int = Field(
        5, ge=1, description="Consecutive wrong passwords after which an account is locked."
    )
    login_lockout_minutes: int = Field(15, ge=1, description="How long a locked account stays locked.")
    password_time_cost: int = Field(3, ge=1, description="Argon2id time cost (iterations) for new passwords.")
    password_memory_kib: int = Field(65536, ge=8, description="Argon2id memory cost in KiB for new passwords.")
    api_key_days: int = Field(365, ge=1, description="Default lifetime of a new API key, in days.")
    api_key_cache_seconds: float = Field(
        5.0,
        ge=0,
        description="How long a worker reuses a checked API key without reading it again (0: every request). A key "
        "revoked through this worker stops at once; other workers stop within this many seconds.",
    )
    plugins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Extra plugin modules to load (comma-separated or JSON list), besides those installed "
        "through the `xingcheng` entry-point group.",
    )
    template_dir: Path | None = Field(
        None, description="Folder of templates that override the built-in ones (most specific first)."
    )
    demo_persons: int = Field(20000, ge=100, description="Size of the synthetic city that `demo` builds.")
    ledger_grade_personal: Literal["general", "important", "core"] = Field(
        "general",
        description="Data ledger: the grade (GB/T 43697) a field of personal information gives its resource at "
        "least; a resource takes the highest grade of its fields (就高从严).",
    )
    ledger_grade_sensitive: Literal["important", "core"] = Field(
        "important",
        description="Data ledger: the grade a field of sensitive personal information (PIPL art. 28) gives its "
        "resource at least; never below important.",
    )
    ledger_import_max_rows: int = Field(
        5000, ge=1, description="Data ledger: most rows (resources plus fields) one catalog import may carry."
    )
    hub_name: str = Field(
        "",
        max_length=64,
        pattern=r"^[a-z0-9_-]*$",
        description="Short name of this hub among its peers (e.g. changsha); harvested entries carry it as their "
        "origin. Default: `hub-` and the city code.",
    )
    public_url: str | None = Field(
        None,
        description="External base URL of this hub (https://data.example.gov.cn), used in DCAT-AP IRIs, CKAN help "
        "links and federation. Default: the URL each request arrived at.",
    )
    harvest_keys: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="API keys this hub presents to the hubs it harvests or publishes up to, as JSON "
        '{"source-name": "key"}; never stored in the database.',
    )
    harvest_page_size: int = Field(
        100, ge=1, le=1000, description="Entries asked for per package_search page when harvesting a peer."
    )
    harvest_timeout_seconds: float = Field(
        30.0, gt=0, description="Timeout of one HTTP request to a peer hub while harvesting or publishing up."
    )
    lake_catalog: str | None = Field(
        None,
        description="DuckLake catalog database: a PostgreSQL URL (postgresql://user@host/lake_catalog, production; "
        "use a database or schema of its own) or a SQLite file path. Default: `catalog.sqlite` in the lake dir.",
    )
    lake_data_path: str | None = Field(
        None, description="Folder the lake writes its Parquet files to. Default: `DATA_DIR/lake/data`."
    )
    lake_memory_limit: str = Field(
        "1GB", description="DuckDB memory limit for loads and queries (e.g. 1GB); larger work spills to disk."
    )
    lake_threads: int | None = Field(None, ge=1, description="DuckDB threads for the lake. Default: all cores.")
    lake_native_checks: bool = Field(
        True,
        description="Validate ID numbers, credit codes and digit strings with the lake's compiled checks "
        "(`make native` builds them; an unsigned DuckDB extension of this project, decision 0037). Off, or not "
        "built: the same rules in SQL, slower.",
    )
    lake_max_failure_ratio: float = Field(
        0.05,
        ge=0,
        le=1,
        description="A load whose failing rows exceed this share is refused (no version; the quarantine report is "
        "kept). Resources may set their own threshold in their source profile.",
    )
    lake_keep_versions: int = Field(
        10, ge=1, description="Retention: the newest N versions of every resource are always kept."
    )
    lake_keep_days: int = Field(
        90,
        ge=0,
        description="Retention: versions younger than this many days are kept; older ones beyond the "
        "newest N are expired (no longer queryable by time travel) and their files removed.",
    )
    lake_upload_chunk_bytes: int = Field(
        4 * 1024 * 1024,
        ge=64 * 1024,
        description="Size of one part of a chunked upload (must stay below XINGCHENG_MAX_BODY_BYTES).",
    )
    lake_spark_master: str = Field(
        "local[2]", description="Spark master URL for lake jobs run on Spark (local[N] for one machine)."
    )
    registries_memory_limit: str = Field(
        "8GB", description="DuckDB memory limit of a registry build (e.g. 8GB); larger work spills to disk."
    )
    registries_threads: int | None = Field(
        None, ge=1, description="DuckDB threads of a registry build. Default: all cores."
    )

    exchange_answer_days: int = Field(
        5,
        ge=1,
        le=60,
        description="Working days a provider has to answer a conditional share request (有条件共享) before it is "
        "escalated to the data bureau (local rules say 5 or 10).",
    )
    exchange_reminder_days: int = Field(
        1, ge=0, description="Remind the provider when this many working days or fewer are left to answer."
    )
    exchange_holidays_file: Path | None = Field(
        None,
        description="CSV of public holidays and make-up working days (`date,kind` with kind `holiday` or "
        "`workday`) for counting working days. Default: the bundled list of the State Council's schedules.",
    )
    exchange_grant_days: int = Field(365, ge=1, description="Longest duration of a grant, in days.")
    exchange_rate_per_second: float = Field(
        20.0, gt=0, description="Default call rate of a grant (token bucket refill, calls per second)."
    )
    exchange_burst: int = Field(40, ge=1, description="Default burst of a grant's token bucket (calls).")
    exchange_daily_rows: int = Field(
        100_000, ge=1, description="Default volume limit of a grant: rows delivered per day (UTC+8)."
    )
    exchange_page_size: int = Field(100, ge=1, le=10_000, description="Largest page of a filtered query.")
    exchange_extract_rows: int = Field(
        10_000, ge=1, le=1_000_000, description="Largest batch of one bulk-extract call (paged by cursor)."
    )
    exchange_redis_url: str | None = Field(
        None,
        description="Redis URL (redis://127.0.0.1:6379/0) for the rate-limit counters when several API workers "
        "run; without it the counters live in each process.",
    )
    exchange_audit_sign_every: int = Field(
        1000, ge=1, description="Sign a Merkle tree head of the audit log after this many new entries."
    )
    exchange_audit_sign_seconds: float = Field(
        300.0,
        gt=0,
        description="…or when this many seconds have passed since the last signed head (on the next entry).",
    )
    exchange_audit_wait_seconds: float = Field(
        30.0,
        gt=0,
        description="How long a gateway call waits for its audit entry to be committed (group commit) before it "
        "is refused with 503.",
    )
    exchange_audit_commit_delay_ms: float = Field(
        2.0,
        ge=0,
        le=100,
        description="Group commit of gateway audit entries: when calls arrive closer together than this, the audit "
        "writer waits up to this many milliseconds for more entries before committing (0: never wait).",
    )
    exchange_audit_writer: Literal["process", "thread"] = Field(
        "process",
        description="Where the gateway's audit entries are committed: `process` — a child process of each server "
        "process (off the interpreter lock that serves calls); `thread` — a thread of the server process (used "
        "for an in-memory SQLite database, which no other process can open).",
    )
    exchange_grant_cache_seconds: float = Field(
        1.0,
        ge=0,
        le=60,
        description="How long an API worker reuses a client's grants read for a call (0: read them on every call). "
        "A grant changed through this worker takes effect at once; other workers see it within this many seconds.",
    )
    exchange_gateway_inline: bool = Field(
        True,
        description="Serve key lookups and verifications on the event loop (a few indexed reads) instead of handing "
        "each to a worker thread; turn off when the metadata database is far from the API workers.",
    )
    exchange_signing_key_file: Path | None = Field(
        None,
        description="PEM file of the hub's Ed25519 key that signs audit tree heads (created when absent). "
        "Default: `DATA_DIR/keys/hub-ed25519.pem`. All API workers of one hub must share it.",
    )
    exchange_serving_check_seconds: float = Field(
        5.0,
        ge=0,
        description="How often a worker checks the lake for new versions of the resources it serves (the "
        "indexed serving copies are rebuilt when a version changes).",
    )

    @field_validator("plugins", mode="before")
    @classmethod
    def _split_plugins(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                import json

                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("city_code")
    @classmethod
    def _city_code_digits(cls, value: str) -> str:
        if not (value.isdigit() and len(value) in (4, 6)):
            raise ValueError("must be a 4-digit city code such as 4301")
        return value[:4]

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'xingcheng.db').resolve()}"

    @property
    def effective_hub_name(self) -> str:
        return self.hub_name or f"hub-{self.city_code}"

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

    @property
    def synth_dir(self) -> Path:
        return self.data_dir / "city"

    def signing_key(self) -> bytes:
        """The secret key; generated and stored in the data dir on first use when not configured."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(48), encoding="ascii")
        return path.read_text(encoding="ascii").strip().encode()


def load_settings(**overrides: object) -> Settings:
    """Build the settings from the environment (and overrides); a bad value raises ``SettingsError``."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = "XINGCHENG_" + "_".join(str(p) for p in err["loc"]).upper()
            problems.append(f"{name}: {err['msg']}")
        raise SettingsError("; ".join(problems)) from None
    except _SourceError as exc:
        raise SettingsError(str(exc)) from None
