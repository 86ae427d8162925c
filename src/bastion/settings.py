"""Process-wide configuration (SPEC §5), read from the environment.

Built by a cached factory, never at import time, so tests and the CLI can set the
environment first.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    data_dir: Path = Field(
        default_factory=lambda: Path(user_data_dir("bastion", appauthor=False)),
        validation_alias="BASTION_DATA_DIR",
    )
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")

    def resolved_database_url(self) -> str:
        """``DATABASE_URL`` or, by default, a SQLite file in the data directory."""
        if self.database_url:
            url = self.database_url
            # Hosted PostgreSQL hands out postgres:// URLs; SQLAlchemy wants a driver name.
            for prefix in ("postgres://", "postgresql://"):
                if url.startswith(prefix):
                    return "postgresql+psycopg://" + url.removeprefix(prefix)
            return url
        return f"sqlite:///{self.data_dir / 'bastion.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
