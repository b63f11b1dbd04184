"""Rows of the code blocks of a message as a phone shows them: for checking they fit."""

import re
from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import Block

PHONE_WIDTH = 60
_FENCED = re.compile(r"```\n(.*?)\n```", re.DOTALL)


def code_rows(blocks: Sequence[Block | Mapping[str, Any]]) -> list[str]:
    """Every row inside a code block of the sections' texts, with Slack's entities shown as
    the characters they stand for."""
    rows: list[str] = []
    for block in blocks:
        data = block.to_dict() if isinstance(block, Block) else block
        text = (data.get("text") or {}).get("text", "") if data.get("type") == "section" else ""
        for fenced in _FENCED.findall(text):
            shown = fenced.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
            rows.extend(shown.split("\n"))
    return rows


def too_wide(blocks: Sequence[Block | Mapping[str, Any]]) -> list[str]:
    """The code-block rows wider than a phone shows."""
    return [row for row in code_rows(blocks) if len(row) > PHONE_WIDTH]
