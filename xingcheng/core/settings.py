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
    plugins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Extra plugin modules to load (comma-separated or JSON list), besides those installed "
        "through the `xingcheng` entry-point group.",
    )
    template_dir: Path | None = Field(
        None, description="Folder of templates that override the built-in ones (most specific first)."
    )
    demo_persons: int = Field(20000, ge=100, description="Size of the synthetic city that `demo` builds.")

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
