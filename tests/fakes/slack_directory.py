"""A small Slack workspace directory for the fake, and the sample plant written with names."""

from typing import Any

from tests.conftest import SAMPLE_PLANT
from tests.fakes.slack_api import FakeSlackAPI


def user(
    user_id: str, name: str, real_name: str, email: str, *, display: str = "", **flags: bool
) -> dict[str, Any]:
    profile = {"display_name": display, "real_name": real_name, "email": email}
    return {"id": user_id, "name": name, "profile": profile, **flags}


CHANNELS: list[dict[str, Any]] = [
    {"id": "C0GENERAL1", "name": "general"},
    {"id": "C0LINE0001", "name": "line-1-bottling"},
    {"id": "C0OLDLINE1", "name": "press-2", "is_archived": True},  # the old one, archived
    {"id": "C0PRESS002", "name": "press-2"},
    {"id": "G0DIGEST01", "name": "plant-digest", "is_private": True},
]
USERS: list[dict[str, Any]] = [
    user("U0HEAD0001", "hanna", "Hanna Berg", "hanna@example.com"),
    user("U0LEAD0001", "anna", "Anna Ek", "anna@example.com", display="anna.ek"),
    user("U0LEAD0002", "jonas", "Jonas Lind", "jonas@example.com", display="Jonas"),
    user("U0MGR00001", "marco", "Marco Rossi", "Marco.Rossi@example.com"),
    user("U0OLDLEAD1", "jonas.old", "Jonas Lind", "old@example.com", display="Jonas", deleted=True),
    user("U0PRODBOT1", "prodbot", "prodbot", "bot@example.com", is_bot=True),
]

# The sample plant with names where ids were; the operator stays an id (both may be mixed).
NAMED_PLANT = (
    SAMPLE_PLANT.replace('digest_channel = "C0DIGEST01"', 'digest_channel = "#plant-digest"')
    .replace('heads = ["U0HEAD0001"]', 'heads = ["hanna@example.com"]')
    .replace('channel = "C0LINE0001"', 'channel = "#line-1-bottling"')
    .replace('channel = "C0PRESS002"', 'channel = "#Press-2"')
    .replace('leads = ["U0LEAD0001"]', 'leads = ["@anna.ek"]')
    .replace('leads = ["U0LEAD0002"]', 'leads = ["@jonas"]')
    .replace('managers = ["U0MGR00001"]', 'managers = ["marco.rossi@example.com"]')
)
# What NAMED_PLANT resolves to, as the database stores it.
NAMED_ROLES = {
    ("U0HEAD0001", "head", None),
    ("U0LEAD0001", "lead", "L1"),
    ("U0LEAD0002", "lead", "press2"),
    ("U0OPER0001", "operator", "L1"),
    ("U0MGR00001", "manager", "L1"),
    ("U0MGR00001", "manager", "press2"),
}


def fill_directory(fake: FakeSlackAPI, *, page_size: int = 1000) -> FakeSlackAPI:
    fake.channels = [dict(channel) for channel in CHANNELS]
    fake.users = [dict(member) for member in USERS]
    fake.page_size = page_size
    return fake
