"""Runtime settings: one class, read once from the environment and passed down."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Mode(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


#: Values that must never protect a real deployment.
_FORBIDDEN_SECRETS = frozenset({"", "changeme", "secret", "kalkan", "development"})


class Settings(BaseSettings):
    """Everything Kalkan reads from its environment (prefix ``KALKAN_``)."""

    model_config = SettingsConfigDict(env_prefix="KALKAN_", env_file=None, extra="ignore")

    mode: Mode = Mode.DEVELOPMENT
    database_url: str = "sqlite:///kalkan.db"
    secret_key: SecretStr = Field(
        default=SecretStr(""),
        description="Signs sessions and derives keys; required outside development mode.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    review_period_days: int = Field(default=5 * 365, ge=1, le=50 * 365)
    token_lifetime_days: int = Field(default=90, ge=1, le=3650)
    max_request_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    max_import_bytes: int = Field(
        default=1024 * 1024 * 1024, ge=1024 * 1024, description="The largest file the bureau's import page takes (it is read from disk)."
    )
    page_size_limit: int = Field(default=500, ge=1, le=10_000)
    index_dir: Path | None = Field(default=None, description="Where screening indexes save snapshots; none: built at start.")
    work_dir: Path | None = Field(
        default=None,
        description="Where files uploaded for import wait and import reports are kept (shared by the workers of a host); "
        "none: a folder in the system's temporary directory.",
    )
    record_movements: bool = Field(
        default=False, description="Each traveller check that matches a person records a movement event owned by the checking agency."
    )
    biometric_key: SecretStr = Field(
        default=SecretStr(""),
        description="Encrypts biometric images and templates at rest; required outside development mode.",
    )
    biometric_retired_keys: SecretStr = Field(
        default=SecretStr(""),
        description="Comma-separated earlier biometric keys, kept only to read data until `kalkan biometrics rotate-key` has run.",
    )

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Self:
        if self.mode is Mode.PRODUCTION:
            value = self.secret_key.get_secret_value()
            if value.lower() in _FORBIDDEN_SECRETS or len(value) < 32:
                raise ValueError("KALKAN_SECRET_KEY must be set to a random value of at least 32 characters in production mode")
            biometric = self.biometric_key.get_secret_value()
            if biometric.lower() in _FORBIDDEN_SECRETS or len(biometric) < 32:
                raise ValueError("KALKAN_BIOMETRIC_KEY must be set to a random value of at least 32 characters in production mode")
        return self
