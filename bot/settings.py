"""Process configuration from the environment (and a ``.env`` file)."""

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class ConfigError(Exception):
    """A setting the chosen mode needs is missing or wrong; the message is one line for people."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite:///prodbot.db"
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    # The MQTT broker machines publish to (docs/machines.md): mqtt://user:pass@host:1883, or
    # mqtts:// for TLS. Without it no machine client runs.
    mqtt_url: SecretStr | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    plant_file: Path = Field(
        default=Path("plant.toml"), validation_alias=AliasChoices("PRODBOT_PLANT", "plant_file")
    )
    port: int = 3000
    # Where people reach `prodbot serve`: the base of the floor screen URLs `prodbot screen token`
    # prints (docs/floor-screen.md).
    public_url: str = "http://localhost:3000"
    # How long to wait for PostgreSQL (docs/operations.md, "Database and Slack outages").
    db_connect_timeout_seconds: int = Field(default=2, ge=2, le=60)
    db_statement_timeout_ms: int = Field(default=5000, ge=0)
    db_pool_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    # How many job runs the scheduler lets go at once (one site's job each); the rest wait.
    scheduler_workers: int = Field(default=4, ge=1, le=32)

    @field_validator("database_url")
    @classmethod
    def use_psycopg3_driver(cls, url: str) -> str:
        """Hosting platforms hand out ``postgres://`` URLs; SQLAlchemy needs a driver name."""
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url.removeprefix(prefix)
        return url

    @field_validator("slack_api_url")
    @classmethod
    def end_with_slash(cls, url: str) -> str:
        return url if url.endswith("/") else url + "/"

    def require(self, *names: str) -> dict[str, str]:
        """The secret values of ``names``, or a ConfigError naming the first one missing."""
        values: dict[str, str] = {}
        for name in names:
            secret = getattr(self, name)
            if secret is None or not secret.get_secret_value():
                raise ConfigError(
                    f"{name.upper()} is not set: export it or put it in .env "
                    "(see README, 'Connecting to Slack')."
                )
            values[name] = secret.get_secret_value()
        return values


@lru_cache
def get_settings() -> Settings:
    return Settings()
