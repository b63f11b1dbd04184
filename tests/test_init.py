"""`prodbot init`: the plant file it writes is valid, documents every key, and is never written
over an existing file."""

import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from pydantic import BaseModel
from pydantic_core import PydanticUndefined
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from bot.entry.init_cli import plant_template, register
from bot.plant.apply import apply_plant
from bot.plant.file import DEFAULT_LOSS_CATEGORIES, PlantFile, read_plant_file, validate_plant
from tests.test_cli import Cli

# A commented-out key (`# digest_time = "07:00"`) or table header (`# [[calendar]]`); prose
# comments never start like that.
COMMENTED_OUT = re.compile(r"^# (?=[A-Za-z_-]+ = |\[)", re.MULTILINE)


def _cli() -> typer.Typer:
    # The lead wires `init` into bot/entry/cli.py; this stands in for it.
    app = typer.Typer()
    register(app)

    @app.command("other")
    def other() -> None:  # a second command keeps `init` a named subcommand
        """Nothing."""

    return app


def _init(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(_cli(), ["init", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_init_writes_plant_toml_that_loads(in_tmp: Path, session: Session) -> None:
    code, _, err = _init()

    assert (code, err) == (0, "")
    written = in_tmp / "plant.toml"
    assert written.read_text(encoding="utf-8") == plant_template()
    plant = read_plant_file(written)
    assert [shift.name for shift in plant.shifts] == ["Early", "Late", "Night"]
    night = plant.shifts[2]
    assert night.end < night.start  # the template shows a shift crossing midnight
    assert "CHANGE ME" in plant.site.name and "CHANGE ME" in plant.lines[0].name
    assert apply_plant(session=session, plant=plant, at=datetime(2026, 11, 30, tzinfo=UTC))


def test_init_writes_the_path_given(tmp_path: Path) -> None:
    target = tmp_path / "riverside.toml"

    code, out, _ = _init(str(target))

    assert code == 0
    read_plant_file(target)
    assert f"Wrote {target}" in out
    assert f"prodbot plant load {target}" in out


def test_init_prints_the_next_three_commands(in_tmp: Path) -> None:
    _, out, _ = _init()

    steps = [line.strip() for line in out.splitlines() if re.match(r"\s*\d\. ", line)]
    assert len(steps) == 3
    assert steps[0].startswith("1. edit plant.toml: site name, time zone, shifts, lines")
    assert steps[1].startswith("2. create the Slack app from `prodbot manifest`")
    assert steps[2] == "3. prodbot db upgrade && prodbot plant load plant.toml && prodbot run"
    assert "SLACK_BOT_TOKEN" in steps[1] and "SLACK_APP_TOKEN" in steps[1]


@pytest.mark.parametrize("existing", ["", "# my plant, half edited\n"])
def test_init_never_overwrites(in_tmp: Path, existing: str) -> None:
    mine = in_tmp / "plant.toml"
    mine.write_text(existing, encoding="utf-8")

    code, out, err = _init()

    assert code == 1
    assert out == ""
    assert err == (
        "prodbot init: plant.toml already exists; nothing was written "
        "(edit it, or name a new file)\n"
    )
    assert mine.read_text(encoding="utf-8") == existing


def test_init_refuses_a_missing_folder_and_a_folder(tmp_path: Path) -> None:
    code, _, err = _init(str(tmp_path / "nowhere" / "plant.toml"))
    assert code == 1 and "does not exist" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "nowhere").exists()

    code, _, err = _init(str(tmp_path))
    assert code == 1 and "already exists" in err


def test_init_has_no_force_option() -> None:
    code, _, err = _init("--force")
    assert code == 2 and "--force" in err


# --- the template ------------------------------------------------------------------------------


def _section_models(model: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """``{name: model}`` of every section model reachable from ``model``'s fields."""
    found = {model.__name__: model}
    for field in model.model_fields.values():
        for kind in _types_in(field.annotation):
            if isinstance(kind, type) and issubclass(kind, BaseModel) and kind is not model:
                found |= _section_models(kind)
    return found


def _types_in(annotation: object) -> list[object]:
    args = getattr(annotation, "__args__", ())
    return [annotation, *(kind for arg in args for kind in _types_in(arg))]


def _keys_of(model: type[BaseModel]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


def test_every_key_of_the_plant_file_is_in_the_template() -> None:
    models = _section_models(PlantFile)
    assert {
        "SiteConfig",
        "ShiftConfig",
        "LineConfig",
        "CalendarConfig",
        "AlertConfig",
        "BudgetConfig",
    } <= set(models)
    template = plant_template()
    written = set(re.findall(r"^(?:# )?([A-Za-z_]+) = ", template, re.MULTILINE))
    headers = set(re.findall(r"^(?:# )?\[\[?([a-z_]+)\]", template, re.MULTILINE))
    missing = {
        f"{name}.{key}"
        for name, model in models.items()
        if model is not PlantFile
        for key in _keys_of(model) - written
    }
    assert not missing, f"keys without a line in bot/plant/template.toml: {sorted(missing)}"
    assert _keys_of(PlantFile) <= headers, "a top-level section has no table in the template"


def test_every_commented_out_key_is_real_and_shows_its_default() -> None:
    uncommented = COMMENTED_OUT.sub("", plant_template())
    assert "\n# digest_time" not in uncommented and "\n[[calendar]]" in uncommented

    plant = validate_plant(tomllib.loads(uncommented), source="uncommented")

    # Where the template shows a default (not an example for a key without one), it is exact.
    sections: list[BaseModel] = [plant.site, *plant.shifts, *plant.lines, plant.alerts]
    for section in sections:
        for name, field in type(section).model_fields.items():
            default = field.get_default(call_default_factory=True)
            if default is PydanticUndefined or default in (None, [], {}):
                continue
            assert getattr(section, name) == default, f"{type(section).__name__}.{name}"
    assert plant.loss_categories
    for reason, category in plant.loss_categories.items():
        assert DEFAULT_LOSS_CATEGORIES[reason] == category, reason


def test_from_nothing_to_a_loaded_plant_and_a_screen_link_with_the_real_commands(
    tmp_path: Path,
) -> None:
    cli = Cli(tmp_path)
    steps = [
        cli("init"),
        cli("db", "upgrade"),
        cli("plant", "load", "plant.toml"),
        cli("screen", "token", "CHANGE ME: site name", PUBLIC_URL="http://screen.example"),
    ]

    assert [step.returncode for step in steps] == [0, 0, 0, 0], [s.stderr for s in steps]
    assert "http://screen.example/screen/" in steps[-1].stdout
    assert cli("init").returncode == 1  # never over the file just written
