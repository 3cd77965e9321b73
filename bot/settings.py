"""Process settings from the environment (``CROSSCHECK_*``) and ``.env``; built once in main."""

from __future__ import annotations

from pydantic import Field, SecretStr, ValidationError
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


def settings_problems(exc: ValidationError) -> list[str]:
    """One line per invalid setting, naming its environment variable."""
    out = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"])
        out.append(f"CROSSCHECK_{field.upper()}: {err['msg']}")
    return out
