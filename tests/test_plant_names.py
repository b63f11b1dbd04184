"""Names instead of Slack ids in the plant file: accepted where ids go, resolved against the
(fake) Slack Web API, refused one problem per name, and never a Slack call for a file of ids."""

import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from bot.entry.slack_cli import slack_app
from bot.plant.apply import apply_plant
from bot.plant.file import PlantFile, PlantFileError, validate_plant
from bot.plant.names import NameUse, names_in, with_ids
from bot.settings import Settings, get_settings
from bot.slack.client import WebClient, make_web_client
from bot.slack.directory import look_up_names, resolve_plant
from models import Line, Person, RoleAssignment, Site
from tests.conftest import SAMPLE_PLANT
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_directory import NAMED_PLANT, NAMED_ROLES, fill_directory

AT = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def plant_of(text: str) -> PlantFile:
    return validate_plant(tomllib.loads(text))


def resolved(plant: PlantFile, settings: Settings) -> PlantFile:
    return resolve_plant(plant, source="plant.toml", connect=lambda: make_web_client(settings))


def problems_resolving(plant: PlantFile, settings: Settings) -> list[str]:
    with pytest.raises(PlantFileError) as caught:
        resolved(plant, settings)
    return caught.value.problems


def test_names_stand_where_ids_go_and_are_listed_with_their_key_paths() -> None:
    plant = plant_of(NAMED_PLANT)

    assert names_in(plant) == [
        NameUse(("site", "digest_channel"), "#plant-digest"),
        NameUse(("site", "heads", 0), "hanna@example.com"),
        NameUse(("lines", 0, "channel"), "#line-1-bottling"),
        NameUse(("lines", 0, "leads", 0), "@anna.ek"),
        NameUse(("lines", 0, "managers", 0), "marco.rossi@example.com"),
        NameUse(("lines", 1, "channel"), "#Press-2"),
        NameUse(("lines", 1, "leads", 0), "@jonas"),
        NameUse(("lines", 1, "managers", 0), "marco.rossi@example.com"),
    ]
    assert names_in(plant_of(SAMPLE_PLANT)) == []


def test_with_ids_swaps_each_name_and_leaves_ids_and_the_rest_alone() -> None:
    plant = plant_of(NAMED_PLANT)
    ids = {use.name: f"U0X{index}" for index, use in enumerate(names_in(plant))}

    swapped = with_ids(plant, ids)

    assert names_in(swapped) == []
    assert swapped.site.digest_channel == ids["#plant-digest"]
    assert swapped.lines[0].operators == ["U0OPER0001"]
    assert swapped.lines[1].managers == [ids["marco.rossi@example.com"]]
    assert swapped.lines[0].targets == plant.lines[0].targets
    assert plant.site.heads == ["hanna@example.com"]  # the original is unchanged


def test_a_value_that_is_neither_an_id_nor_a_name_is_refused_with_the_forms_it_may_take() -> None:
    text = SAMPLE_PLANT.replace('channel = "C0LINE0001"', 'channel = "line-1"').replace(
        'leads = ["U0LEAD0002"]', 'leads = ["jonas", "@"]'
    )

    with pytest.raises(PlantFileError) as caught:
        plant_of(text)

    assert caught.value.problems == [
        "plant.toml: lines[0].channel: 'line-1' is not a Slack channel id (C or G, then "
        "capitals/digits) or a channel name like #line-1",
        "plant.toml: lines[1].leads[0]: 'jonas' is not a Slack user id (U or W, then "
        "capitals/digits), an e-mail address or an @display-name",
        "plant.toml: lines[1].leads[1]: '@' is not a Slack user id (U or W, then "
        "capitals/digits), an e-mail address or an @display-name",
    ]


def test_names_are_resolved_and_only_ids_are_stored(
    fake_slack: FakeSlackAPI, settings: Settings, session: Session
) -> None:
    fill_directory(fake_slack)

    apply_plant(session=session, plant=resolved(plant_of(NAMED_PLANT), settings), at=AT)
    session.commit()

    site = session.scalars(select(Site)).one()
    assert site.digest_channel == "G0DIGEST01"  # a private channel prodbot is in
    lines = {line.code: line for line in session.scalars(select(Line))}
    # #Press-2: case does not matter, and the archived channel of that name is left out.
    assert {code: line.channel_id for code, line in lines.items()} == {
        "L1": "C0LINE0001",
        "press2": "C0PRESS002",
    }
    codes = {line.id: code for code, line in lines.items()}
    roles = {
        (person.slack_user_id, assignment.role.value, codes.get(assignment.line_id or 0))
        for assignment, person in session.execute(select(RoleAssignment, Person).join(Person))
    }
    assert roles == NAMED_ROLES
    # One listing of the channels, one of the members, one lookup per distinct e-mail.
    assert sorted(call.method for call in fake_slack.calls) == [
        "conversations.list",
        "users.list",
        "users.lookupByEmail",
        "users.lookupByEmail",
    ]
    [listing] = fake_slack.calls_to("conversations.list")
    assert listing.args["types"] == "public_channel,private_channel"
    assert listing.args["exclude_archived"] in {"1", "true"}
    assert listing.args["limit"] == "1000"


def test_a_file_of_ids_makes_no_slack_call(fake_slack: FakeSlackAPI) -> None:
    plant = plant_of(SAMPLE_PLANT)

    def connect() -> WebClient:
        raise AssertionError("a file of ids must not reach Slack")

    assert resolve_plant(plant, source="plant.toml", connect=connect) is plant
    assert fake_slack.calls == []


def test_each_unknown_name_is_one_problem_with_every_key_path_it_stands_at(
    fake_slack: FakeSlackAPI, settings: Settings, session: Session
) -> None:
    fill_directory(fake_slack)
    text = (
        NAMED_PLANT.replace("#line-1-bottling", "#line-9")
        .replace("marco.rossi@example.com", "nobody@example.com")
        .replace('"@jonas"', '"@ghost"')
        .replace('operators = ["U0OPER0001"]', 'operators = ["U0OPER0001", "@ghost"]')
    )

    problems = problems_resolving(plant_of(text), settings)

    assert problems == [
        "plant.toml: lines[0].channel: no Slack channel named #line-9 (archived channels are "
        "left out; a private channel is seen only once prodbot is invited to it)",
        "plant.toml: lines[0].operators[1], lines[1].leads[0]: no Slack user with the display "
        "name @ghost (deactivated users and bots are left out)",
        "plant.toml: lines[0].managers[0], lines[1].managers[0]: no Slack user with the e-mail "
        "nobody@example.com",
    ]
    assert session.scalars(select(Site)).all() == []


def test_a_deactivated_user_or_a_bot_is_not_resolved(
    fake_slack: FakeSlackAPI, settings: Settings
) -> None:
    fill_directory(fake_slack)
    text = SAMPLE_PLANT.replace('heads = ["U0HEAD0001"]', 'heads = ["old@example.com", "@prodbot"]')

    assert problems_resolving(plant_of(text), settings) == [
        "plant.toml: site.heads[0]: the Slack user U0OLDLEAD1 with the e-mail old@example.com "
        "is deactivated",
        "plant.toml: site.heads[1]: no Slack user with the display name @prodbot (deactivated "
        "users and bots are left out)",
    ]


def test_an_ambiguous_display_name_is_refused_naming_the_candidates(
    fake_slack: FakeSlackAPI, settings: Settings
) -> None:
    fill_directory(fake_slack)
    fake_slack.users.append(
        {"id": "U0JONAS002", "name": "jl", "profile": {"display_name": "jonas", "real_name": ""}}
    )

    problems = problems_resolving(plant_of(NAMED_PLANT), settings)

    assert problems == [
        "plant.toml: lines[1].leads[0]: 2 Slack users go by @jonas (U0LEAD0002 Jonas Lind "
        "(@Jonas), U0JONAS002 jonas): use an e-mail address or a user id instead"
    ]


def test_channels_and_members_are_read_page_by_page(
    fake_slack: FakeSlackAPI, settings: Settings
) -> None:
    fill_directory(fake_slack, page_size=2)  # 4 live channels and 6 members, 2 a page

    plant = resolved(plant_of(NAMED_PLANT), settings)

    assert plant.site.digest_channel == "G0DIGEST01"  # the last channel, on the second page
    assert plant.lines[1].leads == ["U0LEAD0002"]
    listings = [call.args.get("cursor") for call in fake_slack.calls_to("conversations.list")]
    assert listings == [None, "2"]
    assert [call.args.get("cursor") for call in fake_slack.calls_to("users.list")] == [
        None,
        "2",
        "4",
    ]


def test_a_rate_limited_lookup_waits_as_slack_asks_and_goes_on(
    fake_slack: FakeSlackAPI, settings: Settings
) -> None:
    fill_directory(fake_slack)
    fake_slack.fail("users.lookupByEmail", status=429, retry_after=1)

    plant = resolved(plant_of(NAMED_PLANT), settings)

    assert plant.site.heads == ["U0HEAD0001"]
    first, again = fake_slack.calls_to("users.lookupByEmail")[:2]
    assert first.args["email"] == again.args["email"] == "hanna@example.com"
    assert again.at - first.at >= 1


def test_a_missing_scope_is_one_line_saying_which(
    fake_slack: FakeSlackAPI, settings: Settings
) -> None:
    fill_directory(fake_slack)
    refused = {"ok": False, "error": "missing_scope", "needed": "users:read.email"}
    fake_slack._api_users_lookupByEmail = lambda args: refused  # type: ignore[method-assign]

    problems = problems_resolving(plant_of(NAMED_PLANT), settings)

    assert problems == [
        "plant.toml: names cannot be looked up: Slack refused users.lookupByEmail: the app "
        "lacks the users:read.email scope (add it and reinstall the app: docs/slack-setup.md)"
    ]


def test_look_up_names_answers_what_each_name_is(
    fake_slack: FakeSlackAPI, settings: Settings
) -> None:
    fill_directory(fake_slack)

    lookup = look_up_names(
        make_web_client(settings), ["#general", "#plant-digest", "anna@example.com", "#nope"]
    )

    assert {name: (found.id, found.what) for name, found in lookup.found.items()} == {
        "#general": ("C0GENERAL1", "public channel #general"),
        "#plant-digest": ("G0DIGEST01", "private channel #plant-digest"),
        "anna@example.com": ("U0LEAD0001", "user Anna Ek (@anna.ek)"),
    }
    assert list(lookup.problems) == ["#nope"]


@pytest.fixture
def slack_env(fake_slack: FakeSlackAPI, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlackAPI]:
    monkeypatch.setenv("SLACK_API_URL", fake_slack.base_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    get_settings.cache_clear()
    yield fill_directory(fake_slack)
    get_settings.cache_clear()


def test_slack_whois_prints_each_name_with_its_id(slack_env: FakeSlackAPI) -> None:
    result = CliRunner().invoke(
        slack_app, ["#line-1-bottling", "marco.rossi@example.com", "@anna.ek", "U0OPER0001"]
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "#line-1-bottling → C0LINE0001 (public channel #line-1-bottling)",
        "marco.rossi@example.com → U0MGR00001 (user Marco Rossi (@marco))",
        "@anna.ek → U0LEAD0001 (user Anna Ek (@anna.ek))",
        "U0OPER0001 → U0OPER0001 (already a Slack id)",
    ]


def test_slack_whois_exits_1_naming_what_it_cannot_resolve(slack_env: FakeSlackAPI) -> None:
    result = CliRunner().invoke(slack_app, ["#general", "ghost@example.com", "ghost"])

    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["#general → C0GENERAL1 (public channel #general)"]
    assert result.stderr.splitlines() == [
        "ghost@example.com: no Slack user with the e-mail ghost@example.com",
        "ghost: 'ghost' is not a channel name (#name), an e-mail address or an @display-name",
    ]


def test_a_plant_with_names_left_unresolved_is_never_written(session: Session) -> None:
    with pytest.raises(ValueError, match="not resolved to Slack ids"):
        apply_plant(session=session, plant=plant_of(NAMED_PLANT), at=AT)

    assert session.scalars(select(Site)).all() == []
