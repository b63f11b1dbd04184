"""What the escaping tests share: hostile text, how it must look once escaped, and the values
the builders take, built directly (no database)."""

import json
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from bot.numbers.production import OpenIssue, ShiftBoardView, ShiftTotals
from bot.plant.shifts import ShiftInstance

# Typed by a user into a note, an issue, a resolution note, a handover note.
HOSTILE = "<!channel> <!here> <https://evil.example|Click me> a & b <@U123>"
ESCAPED = (
    "&lt;!channel&gt; &lt;!here&gt; &lt;https://evil.example|Click me&gt; a &amp; b &lt;@U123&gt;"
)
# None of these may reach Slack as typed.
RAW = ("<!channel>", "<!here>", "<https://evil.example|", "<@U123>", "a & b")

LEAD = "U0LEAD0001"
LEAD_MENTION = f"<@{LEAD}>"  # the bot's own mention: never escaped
ZONE = ZoneInfo("Europe/Berlin")
DAY = date(2026, 11, 18)
AT = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
INSTANCE = ShiftInstance(
    shift_id=1,
    shift_name="A",
    production_date=DAY,
    start=datetime(2026, 11, 18, 5, 0, tzinfo=UTC),
    end=datetime(2026, 11, 18, 13, 0, tzinfo=UTC),
    break_minutes=30,
)
_ENTITY = re.compile("&(?:amp|lt|gt);")


def rendered(blocks: Sequence[Block]) -> str:
    """The blocks as Slack receives them, as one string to search in."""
    return json.dumps([block.to_dict() for block in blocks], ensure_ascii=False)


def assert_escaped(text: str) -> None:
    """The hostile text is there, escaped, and nothing of it is left raw."""
    assert ESCAPED in text
    for raw in RAW:
        assert raw not in text, raw


def assert_whole_entities(text: str) -> None:
    """Every ``&`` starts a whole ``&amp;``, ``&lt;`` or ``&gt;``: no entity was cut in two."""
    assert "&" not in _ENTITY.sub("", text)


def board_view(
    *,
    issue_text: str = "conveyor jammed",
    issues: int = 1,
    reason: str = "material",
    unit: str = "bottles",
    line_name: str = "Line 1",
) -> ShiftBoardView:
    return ShiftBoardView(
        line_code="L1",
        line_name=line_name,
        unit=unit,
        instance=INSTANCE,
        zone=ZONE,
        target=800,
        totals=ShiftTotals(good=400, scrap=5, delay_minutes=20, delays_by_reason={reason: 20}),
        pace=0.9,
        open_issues=[
            OpenIssue(id=n, severity="high", text=issue_text, status="open")
            for n in range(1, issues + 1)
        ],
        at=AT,
    )
