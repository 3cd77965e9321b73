"""Process settings from the environment (``CROSSCHECK_*``) and ``.env``; built once in main."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "ValidationError", "settings_problems"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CROSSCHECK_", env_file=".env", extra="ignore", validate_default=True
    )

    db: str = Field(default="crosscheck.db", description="store: a SQLite file path")
    sources: str = Field(default="sources.yaml", description="the sources file")
    discord_token: SecretStr | None = None
    log_level: str = Field(default="WARNING", pattern=r"(?i)^(debug|info|warning|error)$")
    watch_messages: bool = Field(
        default=False,
        description="read message text in watched channels (needs the privileged intent)",
    )
    ingest_every: float = Field(default=60.0, ge=0, description="seconds between ingest polls")
    member_rate: int = Field(default=5, ge=1, description="checks per member per minute")
    server_rate: int = Field(default=30, ge=1, description="checks per server per minute")
    api_token: SecretStr | None = Field(
        default=None, description="enables the JSON API; clients send it as a bearer token"
    )
    web_host: str = Field(default="127.0.0.1", description="where the web surface listens")
    web_port: int = Field(default=8080, ge=0, le=65535)
    log_format: str = Field(default="text", pattern=r"(?i)^(text|json)$")
    shutdown_timeout: float = Field(default=20.0, gt=0, le=300)
    lease_seconds: float = Field(
        default=120.0, gt=0, le=3600, description="how long a worker's claim on a source lasts"
    )
    # for tests against a loopback stand-in for Discord; never set in production
    discord_api_base: str | None = None
    discord_gateway: str | None = None

    @field_validator("api_token", "discord_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        """A token of only spaces is no token: the same answer in `config check` and at start."""
        if isinstance(value, str) and not value.strip():
            return None
        return value


def settings_problems(exc: ValidationError) -> list[str]:
    """One line per invalid setting, naming its environment variable."""
    out = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"])
        out.append(f"CROSSCHECK_{field.upper()}: {err['msg']}")
    return out
