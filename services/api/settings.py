"""The service's settings, read from the environment (EMIAS_*) in one place."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.contract.landing import data_dir as landing_data_dir
from services.contract.landing import project_path


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EMIAS_", extra="ignore")

    # EMIAS_DATA_DIR, found as the warehouse finds it: relative paths are taken from the project root.
    data_dir: Path = Field(default_factory=landing_data_dir)
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

    @field_validator("data_dir")
    @classmethod
    def _from_project_root(cls, value: Path) -> Path:
        return project_path(value)

    @property
    def db_url(self) -> str:
        if self.api_db_url:
            return self.api_db_url
        return f"sqlite:///{self.data_dir / 'api.sqlite'}"
