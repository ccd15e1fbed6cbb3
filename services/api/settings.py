"""The service's settings, read from the environment (EMIAS_*) in one place."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EMIAS_", extra="ignore")

    data_dir: Path = Path("./data")
    # Empty means the embedded default: a SQLite file in data_dir.
    api_db_url: str = ""
    # The key of the patient pseudonym (HMAC). The default is for demos only; set a real secret in production.
    pseudonym_key: str = Field(default="emias-demo-pseudonym-key", min_length=8)
    # Up to 40 connections: as many as the worker threads that run requests (anyio's default limit).
    db_pool_size: int = 10
    db_max_overflow: int = 30
    # Seconds a resolved token is remembered in-process; saves a query per request, delays revocation.
    token_cache_seconds: float = 30.0
    migrate_on_startup: bool = True
    # For demos over a simulated past: the local Moscow time the service's clock reads at start-up.
    api_clock_start: dt.datetime | None = None

    @property
    def db_url(self) -> str:
        if self.api_db_url:
            return self.api_db_url
        return f"sqlite:///{self.data_dir / 'api.sqlite'}"
