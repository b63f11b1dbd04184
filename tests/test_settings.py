"""Process configuration: what an operator sees when a setting is missing; secrets kept secret."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import ConfigError, Settings

PRODBOT = str(Path(sys.executable).with_name("prodbot"))
TOKEN = "xoxb-1234-very-secret-token"
SIGNING = "very-secret-signing-secret"


def serve(folder: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    """``prodbot serve`` run in ``folder`` with only ``settings`` of all prodbot's and Slack's
    settings in its environment."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SLACK_") and key not in {"DATABASE_URL", "PRODBOT_PLANT", "PORT"}
    }
    return subprocess.run(
        [PRODBOT, "serve"],
        cwd=folder,
        env={**env, **settings},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(autouse=True)
def no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.startswith("SLACK_") or key == "DATABASE_URL":
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no .env file here


def test_serve_without_a_bot_token_exits_2_with_one_line_naming_it(tmp_path: Path) -> None:
    result = serve(tmp_path, SLACK_SIGNING_SECRET=SIGNING)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("prodbot: SLACK_BOT_TOKEN is not set")
    assert "Traceback" not in result.stderr


def test_serve_without_any_slack_setting_names_the_bot_token_first(tmp_path: Path) -> None:
    result = serve(tmp_path)

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "prodbot: SLACK_BOT_TOKEN is not set: export it or put it in .env "
        "(see README, 'Connecting to Slack')."
    ]


def test_serve_without_a_signing_secret_names_it(tmp_path: Path) -> None:
    result = serve(tmp_path, SLACK_BOT_TOKEN=TOKEN)

    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("prodbot: SLACK_SIGNING_SECRET is not set")
    assert TOKEN not in result.stderr + result.stdout


def test_require_raises_a_config_error_for_an_empty_secret() -> None:
    settings = Settings(slack_bot_token="", _env_file=None)

    with pytest.raises(ConfigError, match=r"^SLACK_BOT_TOKEN is not set"):
        settings.require("slack_bot_token")


def test_require_returns_the_secret_values() -> None:
    settings = Settings(slack_bot_token=TOKEN, slack_signing_secret=SIGNING, _env_file=None)

    assert settings.require("slack_bot_token", "slack_signing_secret") == {
        "slack_bot_token": TOKEN,
        "slack_signing_secret": SIGNING,
    }


def test_settings_repr_str_and_dump_never_show_the_secrets() -> None:
    settings = Settings(
        slack_bot_token=TOKEN,
        slack_signing_secret=SIGNING,
        slack_app_token="xapp-1-secret-app-token",
        _env_file=None,
    )

    shown = [repr(settings), str(settings), settings.model_dump_json(), str(settings.model_dump())]
    for text in shown:
        assert TOKEN not in text
        assert SIGNING not in text
        assert "xapp-1-secret-app-token" not in text
    assert "**********" in repr(settings)


def test_secrets_from_the_environment_are_hidden_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)

    settings = Settings(_env_file=None)

    assert settings.require("slack_bot_token") == {"slack_bot_token": TOKEN}
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings)


@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        (
            "postgres://app:pw@db.example:5432/prod",
            "postgresql+psycopg://app:pw@db.example:5432/prod",
        ),
        ("postgresql://app:pw@db.example/prod", "postgresql+psycopg://app:pw@db.example/prod"),
        ("postgresql+psycopg://app@db/prod", "postgresql+psycopg://app@db/prod"),
        ("sqlite:///prodbot.db", "sqlite:///prodbot.db"),
    ],
)
def test_database_url_gets_the_psycopg_driver(given: str, normalised: str) -> None:
    assert Settings(database_url=given, _env_file=None).database_url == normalised


def test_database_url_from_the_environment_is_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://app:pw@db.example:5432/prod")

    assert (
        Settings(_env_file=None).database_url == "postgresql+psycopg://app:pw@db.example:5432/prod"
    )


def test_settings_are_read_from_a_dotenv_file_in_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"SLACK_BOT_TOKEN={TOKEN}\nDATABASE_URL=postgres://h/db\n")

    settings = Settings()

    assert settings.require("slack_bot_token") == {"slack_bot_token": TOKEN}
    assert settings.database_url == "postgresql+psycopg://h/db"


def test_slack_api_url_always_ends_with_a_slash() -> None:
    settings = Settings(slack_api_url="http://127.0.0.1:9/api", _env_file=None)

    assert settings.slack_api_url == "http://127.0.0.1:9/api/"


def test_database_limits_have_defaults_and_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    defaults = Settings(_env_file=None)
    monkeypatch.setenv("DB_CONNECT_TIMEOUT_SECONDS", "5")
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT_MS", "0")
    monkeypatch.setenv("DB_POOL_TIMEOUT_SECONDS", "0.5")
    given = Settings(_env_file=None)

    assert (
        defaults.db_connect_timeout_seconds,
        defaults.db_statement_timeout_ms,
        defaults.db_pool_timeout_seconds,
    ) == (2, 5000, 2.0)
    assert (
        given.db_connect_timeout_seconds,
        given.db_statement_timeout_ms,
        given.db_pool_timeout_seconds,
    ) == (5, 0, 0.5)


def test_a_setting_out_of_range_stops_a_command_with_one_line(tmp_path: Path) -> None:
    result = serve(
        tmp_path,
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SIGNING,
        DB_CONNECT_TIMEOUT_SECONDS="1",
    )

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "prodbot: DB_CONNECT_TIMEOUT_SECONDS is not valid: Input should be greater than or equal "
        "to 2 (got '1')"
    ]
